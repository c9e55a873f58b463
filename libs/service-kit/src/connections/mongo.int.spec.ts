import { LogCapture, testServices, uniqueName, withDatabase } from '@agair/testing';
import { MongoServerError, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { MongoConnection } from './mongo.js';

interface ClaimDoc {
  _id: ObjectId;
  logId: string;
  state: 'DOWNLOADED' | 'PROCESSING';
  owner?: string;
}

describe('MongoConnection against a MongoDB-compatible server', () => {
  let mongo: MongoConnection;

  beforeAll(async () => {
    mongo = new MongoConnection({
      url: withDatabase(testServices().mongoUrl, uniqueName('it_mongo')),
      appName: 'service-kit-test',
      logger: createLogger({ name: 'test', level: 'silent', destination: new LogCapture() }),
    });
    await mongo.check();
  });

  afterAll(async () => {
    await mongo.db.dropDatabase();
    await mongo.close();
  });

  it('writes and reads back a document', async () => {
    const docs = mongo.db.collection<{ _id: ObjectId; name: string; ratesLPerHa: number[] }>('partners');
    const { insertedId } = await docs.insertOne({ _id: new ObjectId(), name: 'SatLoc', ratesLPerHa: [10, 20.5] });
    expect(await docs.findOne({ _id: insertedId })).toEqual({ _id: insertedId, name: 'SatLoc', ratesLPerHa: [10, 20.5] });
  });

  it('rejects a duplicate under a unique index with code 11000', async () => {
    const trackers = mongo.db.collection('trackers');
    await trackers.createIndex({ partnerCode: 1, customerId: 1, logId: 1 }, { unique: true, name: 'tracker_identity' });
    await trackers.insertOne({ partnerCode: 'SATLOC', customerId: 'c1', logId: 'L1' });
    const duplicate = trackers.insertOne({ partnerCode: 'SATLOC', customerId: 'c1', logId: 'L1' });
    await expect(duplicate).rejects.toBeInstanceOf(MongoServerError);
    await expect(duplicate).rejects.toMatchObject({ code: 11000 });
    // Same log for another customer is a different tracker.
    await expect(trackers.insertOne({ partnerCode: 'SATLOC', customerId: 'c2', logId: 'L1' })).resolves.toBeDefined();
  });

  it('claims a document with findOneAndUpdate on a state predicate; a second claim finds nothing to claim', async () => {
    // FerretDB 1.x applies findOneAndUpdate as read-then-replace: concurrent claims can all
    // "win". Races are settled by the persistence lib's GuardedWriter (unique write tokens);
    // here the predicate semantics themselves are checked.
    const claims = mongo.db.collection<ClaimDoc>('claims');
    const { insertedId } = await claims.insertOne({ _id: new ObjectId(), logId: 'L7', state: 'DOWNLOADED' });
    const claim = (owner: string) =>
      claims.findOneAndUpdate({ _id: insertedId, state: 'DOWNLOADED' }, { $set: { state: 'PROCESSING', owner } }, { returnDocument: 'after' });
    expect(await claim('worker-1')).toMatchObject({ state: 'PROCESSING', owner: 'worker-1' });
    expect(await claim('worker-2')).toBeNull();
    expect(await claims.findOne({ _id: insertedId })).toMatchObject({ state: 'PROCESSING', owner: 'worker-1' });
  });
});
