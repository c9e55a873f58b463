import type { IndexSpec } from '../infrastructure/index-spec.js';

export const TASK_TRACKERS_COLLECTION = 'task_trackers';

export const taskTrackerIndexes: readonly IndexSpec[] = [
  // At-least-once delivery, exactly-once effect: one tracker per task id.
  { collection: TASK_TRACKERS_COLLECTION, name: 'task_tracker_task_id_unique', key: { taskId: 1 }, unique: true },
  // Stuck detection: PROCESSING with an expired lease.
  { collection: TASK_TRACKERS_COLLECTION, name: 'task_tracker_state_lease', key: { state: 1, 'lease.expiresAt': 1 } },
  { collection: TASK_TRACKERS_COLLECTION, name: 'task_tracker_customer_state', key: { customerId: 1, state: 1, createdAt: -1 } },
  { collection: TASK_TRACKERS_COLLECTION, name: 'task_tracker_retry_of', key: { retryOf: 1 } },
  // Timelines: the tasks of one assignment or one log.
  { collection: TASK_TRACKERS_COLLECTION, name: 'task_tracker_subject', key: { 'subject.id': 1 } },
];
