import type { IndexSpec } from '../infrastructure/index-spec.js';

export const PARTNER_LOG_TRACKERS_COLLECTION = 'partner_log_trackers';

export const partnerLogTrackerIndexes: readonly IndexSpec[] = [
  // One tracker per partner log: listing the same log again finds it instead of adding one.
  {
    collection: PARTNER_LOG_TRACKERS_COLLECTION,
    name: 'tracker_log_identity_unique',
    key: { partnerCode: 1, customerId: 1, logId: 1 },
    unique: true,
  },
  // Sweeper: leased states whose lease expired.
  { collection: PARTNER_LOG_TRACKERS_COLLECTION, name: 'tracker_state_lease', key: { state: 1, 'lease.expiresAt': 1 } },
  // Re-enqueue scan: DOWNLOADED without enqueuedAt, oldest first.
  { collection: PARTNER_LOG_TRACKERS_COLLECTION, name: 'tracker_state_enqueued', key: { state: 1, enqueuedAt: 1, updatedAt: 1 } },
  { collection: PARTNER_LOG_TRACKERS_COLLECTION, name: 'tracker_customer_state', key: { customerId: 1, state: 1, createdAt: -1 } },
  { collection: PARTNER_LOG_TRACKERS_COLLECTION, name: 'tracker_content_hash', key: { contentHash: 1 } },
  // Operators' listing: a customer's trackers, newest first, by cursor.
  { collection: PARTNER_LOG_TRACKERS_COLLECTION, name: 'tracker_customer_id', key: { customerId: 1, _id: -1 } },
  // Retention: is a raw log still used by another tracker before its file is removed.
  { collection: PARTNER_LOG_TRACKERS_COLLECTION, name: 'tracker_stored_file', key: { storedFileId: 1 } },
];
