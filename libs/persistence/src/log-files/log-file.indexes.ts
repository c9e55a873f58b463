import type { IndexSpec, RetiredIndex } from '../infrastructure/index-spec.js';

export const LOG_FILES_BUCKET = 'log_files';
export const LOG_FILES_FILES_COLLECTION = `${LOG_FILES_BUCKET}.files`;
export const LOG_FILES_CHUNKS_COLLECTION = `${LOG_FILES_BUCKET}.chunks`;

export const logFileIndexes: readonly IndexSpec[] = [
  // Same bytes stored once per customer (one customer's log never stands in for another's).
  {
    collection: LOG_FILES_FILES_COLLECTION,
    name: 'log_file_customer_content_unique',
    key: { 'metadata.customerId': 1, 'metadata.contentHash': 1 },
    unique: true,
  },
  // The indexes the GridFS specification expects; declared here so they exist before the first upload.
  { collection: LOG_FILES_FILES_COLLECTION, name: 'filename_1_uploadDate_1', key: { filename: 1, uploadDate: 1 } },
  { collection: LOG_FILES_CHUNKS_COLLECTION, name: 'files_id_1_n_1', key: { files_id: 1, n: 1 }, unique: true },
];

/** Dropped by `ensureIndexes` where an older version created them. */
export const retiredLogFileIndexes: readonly RetiredIndex[] = [
  // Unique on the hash alone: the same bytes under two customers were stored (and processed) once.
  { collection: LOG_FILES_FILES_COLLECTION, name: 'log_file_content_hash_unique' },
];
