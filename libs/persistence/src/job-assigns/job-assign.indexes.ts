import type { IndexSpec } from '../infrastructure/index-spec.js';

export const JOB_ASSIGNS_COLLECTION = 'job_assigns';

export const jobAssignIndexes: readonly IndexSpec[] = [
  // A job is assigned to a user once; assigning again returns the existing assignment.
  { collection: JOB_ASSIGNS_COLLECTION, name: 'job_assign_job_user_unique', key: { jobId: 1, userId: 1 }, unique: true },
  { collection: JOB_ASSIGNS_COLLECTION, name: 'job_assign_customer_job', key: { customerId: 1, jobId: 1 } },
  // The poller's scan: UPLOADED assignments by partner and customer.
  { collection: JOB_ASSIGNS_COLLECTION, name: 'job_assign_status_partner', key: { status: 1, partnerCode: 1, customerId: 1 } },
  // Matching a flight log to its assignment: by the partner's job id, or by the aircraft.
  { collection: JOB_ASSIGNS_COLLECTION, name: 'job_assign_ext_job', key: { customerId: 1, partnerCode: 1, extJobId: 1 } },
  { collection: JOB_ASSIGNS_COLLECTION, name: 'job_assign_aircraft', key: { customerId: 1, partnerCode: 1, partnerAircraftId: 1, status: 1 } },
];
