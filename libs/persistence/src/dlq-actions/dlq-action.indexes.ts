import type { IndexSpec } from '../infrastructure/index-spec.js';

export const DLQ_ACTIONS_COLLECTION = 'dlq_actions';

export const dlqActionIndexes: readonly IndexSpec[] = [
  // The audit trail of one work queue's DLQ, newest first (cursor pagination by _id); all queues use _id alone.
  { collection: DLQ_ACTIONS_COLLECTION, name: 'dlq_action_queue', key: { queue: 1, _id: -1 } },
];
