import type { IndexSpec } from '../infrastructure/index-spec.js';

export const CUSTOMERS_COLLECTION = 'customers';

export const customerIndexes: readonly IndexSpec[] = [
  { collection: CUSTOMERS_COLLECTION, name: 'customer_active_name', key: { active: 1, name: 1 } },
  // Which customers use a partner (poller start-up, partner status pages).
  { collection: CUSTOMERS_COLLECTION, name: 'customer_subscription', key: { 'partnerSubscriptions.partnerCode': 1, active: 1 } },
];
