import { AssignStatus } from '@agair/domain-models';
import { JOB_ASSIGNS_COLLECTION, JOBS_COLLECTION, fromObjectId, toObjectId, type JobAssignDocument, type JobDocument } from '@agair/persistence';
import type { MongoConnection } from '@agair/service-kit';

/**
 * Two queries the persistence library does not offer yet (see README "Library gaps"): the owner
 * of a job, so admin and service callers can address a job by id alone, and removing an
 * assignment that has not reached the partner.
 */
export class JobRecords {
  constructor(private readonly db: MongoConnection['db']) {}

  /** The customer that owns a job, or null when there is no such job. */
  async customerOf(jobId: string): Promise<string | null> {
    const doc = await this.db
      .collection<JobDocument>(JOBS_COLLECTION)
      .findOne({ _id: toObjectId(jobId, 'jobId') }, { projection: { customerId: 1 } });
    return doc ? fromObjectId(doc.customerId) : null;
  }

  /** Deletes a NEW or DOWNLOADED assignment of the customer; false when it is gone or was uploaded meanwhile. */
  async removeAssignment(customerId: string, assignId: string): Promise<boolean> {
    const result = await this.db.collection<JobAssignDocument>(JOB_ASSIGNS_COLLECTION).deleteOne({
      _id: toObjectId(assignId, 'assignId'),
      customerId: toObjectId(customerId, 'customerId'),
      status: { $in: [AssignStatus.NEW, AssignStatus.DOWNLOADED] },
    });
    return result.deletedCount === 1;
  }
}
