import type { IndexSpec } from '../infrastructure/index-spec.js';

export const JOBS_COLLECTION = 'jobs';

export const jobIndexes: readonly IndexSpec[] = [
  { collection: JOBS_COLLECTION, name: 'job_customer_active', key: { customerId: 1, active: 1, createdAt: -1 } },
  // Coarse spatial filter (the rest of the box test is done by the query): no 2dsphere on FerretDB.
  { collection: JOBS_COLLECTION, name: 'job_customer_box', key: { customerId: 1, 'boundaryBox.minLon': 1, 'boundaryBox.maxLon': 1 } },
];
