import type { Db } from 'mongodb';
import { applicationRecordIndexes } from './application-records/application-record.indexes.js';
import { customerIndexes } from './customers/customer.indexes.js';
import { dlqActionIndexes } from './dlq-actions/dlq-action.indexes.js';
import { writeTokenIndexes } from './infrastructure/guarded-write.indexes.js';
import { applyIndexSpecs, dropRetiredIndexes, type EnsuredIndexes, type IndexSpec, type RetiredIndex } from './infrastructure/index-spec.js';
import { jobAssignIndexes } from './job-assigns/job-assign.indexes.js';
import { jobIndexes } from './jobs/job.indexes.js';
import { logFileIndexes, retiredLogFileIndexes } from './log-files/log-file.indexes.js';
import { operatorActionIndexes } from './operator-actions/operator-action.indexes.js';
import { partnerLogTrackerIndexes } from './partner-log-trackers/partner-log-tracker.indexes.js';
import { partnerIndexes } from './partners/partner.indexes.js';
import { pollRunIndexes } from './poll-runs/poll-run.indexes.js';
import { syncRequestIndexes } from './sync-requests/sync-request.indexes.js';
import { taskTrackerIndexes } from './task-trackers/task-tracker.indexes.js';
import { userIndexes } from './users/user.indexes.js';

/** Every index of every repository, as declared beside each one. */
export const ALL_INDEX_SPECS: readonly IndexSpec[] = [
  ...partnerIndexes,
  ...customerIndexes,
  ...userIndexes,
  ...jobIndexes,
  ...jobAssignIndexes,
  ...partnerLogTrackerIndexes,
  ...taskTrackerIndexes,
  ...applicationRecordIndexes,
  ...logFileIndexes,
  ...pollRunIndexes,
  ...syncRequestIndexes,
  ...operatorActionIndexes,
  ...dlqActionIndexes,
  ...writeTokenIndexes,
];

/** Indexes earlier versions declared that must go (they would contradict the current ones). */
export const RETIRED_INDEXES: readonly RetiredIndex[] = [...retiredLogFileIndexes];

/**
 * Creates every repository's indexes, then drops the retired ones; call at start-up. Idempotent
 * (safe to run from every instance at once); throws `IndexConflictError` when a same-named
 * index differs.
 */
export async function ensureIndexes(db: Db, specs: readonly IndexSpec[] = ALL_INDEX_SPECS): Promise<EnsuredIndexes> {
  const ensured = await applyIndexSpecs(db, specs);
  if (specs === ALL_INDEX_SPECS) await dropRetiredIndexes(db, RETIRED_INDEXES);
  return ensured;
}
