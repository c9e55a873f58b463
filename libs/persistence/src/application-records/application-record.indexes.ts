import type { IndexSpec } from '../infrastructure/index-spec.js';

export const APPLICATION_FILES_COLLECTION = 'application_files';
/** The passes of a log, one document per log (before: one `application_details` document per pass). */
export const APPLICATION_PASSES_COLLECTION = 'application_passes';
export const APPLICATION_COVERAGES_COLLECTION = 'application_coverages';
export const APPLICATION_JOB_RECORDS_COLLECTION = 'application_job_records';

export const applicationRecordIndexes: readonly IndexSpec[] = [
  // One record per processed log content: reprocessing replaces it. (trackerId/logId are null
  // for files that did not come through the poller, and null would collide in a unique index.)
  { collection: APPLICATION_FILES_COLLECTION, name: 'application_file_content_unique', key: { customerId: 1, contentHash: 1 }, unique: true },
  { collection: APPLICATION_FILES_COLLECTION, name: 'application_file_tracker', key: { trackerId: 1 } },
  { collection: APPLICATION_FILES_COLLECTION, name: 'application_file_customer_job', key: { customerId: 1, jobId: 1, createdAt: -1 } },
  { collection: APPLICATION_FILES_COLLECTION, name: 'application_file_customer_assign', key: { customerId: 1, assignId: 1 } },
  { collection: APPLICATION_PASSES_COLLECTION, name: 'application_passes_file_unique', key: { fileId: 1 }, unique: true },
  // As-applied coverage, one per file, kept apart from the file record: it can be large.
  { collection: APPLICATION_COVERAGES_COLLECTION, name: 'application_coverage_file_unique', key: { fileId: 1 }, unique: true },
  { collection: APPLICATION_COVERAGES_COLLECTION, name: 'application_coverage_customer_job', key: { customerId: 1, jobId: 1 } },
  // A job's record (the union over its logs), one per job, replaced whenever one of its logs is processed.
  { collection: APPLICATION_JOB_RECORDS_COLLECTION, name: 'application_job_record_unique', key: { jobId: 1 }, unique: true },
];
