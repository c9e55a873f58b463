import type { IndexSpec } from '../infrastructure/index-spec.js';

export const SYNC_REQUESTS_COLLECTION = 'sync_requests';

export const syncRequestIndexes: readonly IndexSpec[] = [
  // The poller takes the oldest pending request.
  { collection: SYNC_REQUESTS_COLLECTION, name: 'sync_request_state', key: { state: 1, requestedAt: 1 } },
  { collection: SYNC_REQUESTS_COLLECTION, name: 'sync_request_customer', key: { customerId: 1, requestedAt: -1 } },
];
