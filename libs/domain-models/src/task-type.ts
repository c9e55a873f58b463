import { literalUnion } from './common.schema.js';
import type { ValueOf } from './enums.js';

/** Every kind of work that travels through the `partner_tasks` queue. */
export const TaskType = {
  /** Send a job assignment to the partner (.JOB upload). */
  UPLOAD_PARTNER_JOB: 'UPLOAD_PARTNER_JOB',
  /** Decode and evaluate a downloaded partner log, tracked by a PartnerLogTracker. */
  PROCESS_PARTNER_LOG: 'PROCESS_PARTNER_LOG',
  /** Decode and evaluate a stored file outside the poller's flow (manual upload, reprocessing). */
  PROCESS_PARTNER_DATA_FILE: 'PROCESS_PARTNER_DATA_FILE',
} as const;
export type TaskType = ValueOf<typeof TaskType>;
export const TaskTypeSchema = literalUnion([TaskType.UPLOAD_PARTNER_JOB, TaskType.PROCESS_PARTNER_LOG, TaskType.PROCESS_PARTNER_DATA_FILE]);
