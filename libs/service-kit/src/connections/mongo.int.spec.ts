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

  it('lets exactly one of many concurrent findOneAndUpdate claims win', async () => {
    const claims = mongo.db.collection<ClaimDoc>('claims');
    const { insertedId } = await claims.insertOne({ _id: new ObjectId(), logId: 'L7', state: 'DOWNLOADED' });
    const owners = Array.from({ length: 10 }, (_, i) => `worker-${i}`);
    const results = await Promise.all(
      owners.map((owner) =>
        claims.findOneAndUpdate({ _id: insertedId, state: 'DOWNLOADED' }, { $set: { state: 'PROCESSING', owner } }, { returnDocument: 'after' }),
      ),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect(await claims.findOne({ _id: insertedId })).toMatchObject({ state: 'PROCESSING', owner: winners[0]?.owner });
  });
});
