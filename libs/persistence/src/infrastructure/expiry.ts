import type { Collection, Document, Filter, ObjectId } from 'mongodb';

/**
 * Records that the platform removes itself once they have served their time (FerretDB has no
 * TTL indexes). A batch is found, then removed by id with the same filter, so a record that
 * changed in between stays, and running a batch twice removes nothing twice.
 */
export interface ExpiringRecords {
  /** How many records finished before `before` (a full scan on FerretDB: call it rarely). */
  countFinishedBefore(before: Date): Promise<number>;
  /** Removes at most `limit` of them; returns how many went. */
  removeFinishedBefore(before: Date, limit: number): Promise<number>;
}

export function expiringRecords<T extends Document & { _id: ObjectId }>(collection: Collection<T>, finishedBefore: (before: Date) => Filter<T>): ExpiringRecords {
  return {
    countFinishedBefore: (before) => collection.countDocuments(finishedBefore(before)),
    removeFinishedBefore: async (before, limit) => {
      const filter = finishedBefore(before);
      const batch = await collection.find(filter, { projection: { _id: 1 } }).limit(limit).toArray();
      if (batch.length === 0) return 0;
      const removed = await collection.deleteMany({ $and: [{ _id: { $in: batch.map((doc) => doc._id) } }, filter] } as Filter<T>);
      return removed.deletedCount;
    },
  };
}
