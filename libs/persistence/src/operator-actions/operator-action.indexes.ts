import type { IndexSpec } from '../infrastructure/index-spec.js';

export const OPERATOR_ACTIONS_COLLECTION = 'operator_actions';

export const operatorActionIndexes: readonly IndexSpec[] = [
  // The audit trail of one customer, newest first (cursor pagination by _id).
  { collection: OPERATOR_ACTIONS_COLLECTION, name: 'operator_action_customer', key: { customerId: 1, _id: -1 } },
  // Everything done to one record (a log tracker, a job), for its history.
  { collection: OPERATOR_ACTIONS_COLLECTION, name: 'operator_action_target', key: { 'target.id': 1, _id: -1 } },
];
