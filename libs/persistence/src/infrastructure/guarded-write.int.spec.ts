import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { WRITE_TOKENS_COLLECTION } from './guarded-write.indexes.js';
import { GuardedWriter, WriteTokenSweeper, type VersionedDocument } from './guarded-write.js';

interface Counter extends VersionedDocument {
  n: number;
  state: string;
}

describe('GuardedWriter against FerretDB', () => {
  let database: TestDatabase;
  let writer: GuardedWriter;

  beforeAll(async () => {
    database = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_guarded')));
    writer = new GuardedWriter(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('keeps each successful write’s token, deletes a failed one’s, and the sweep removes old tokens', async () => {
    const counters = database.db.collection<Counter>('counters');
    const tokens = database.db.collection<{ _id: string; at: Date }>(WRITE_TOKENS_COLLECTION);
    const _id = new ObjectId();
    await counters.insertOne({ _id, version: 0, n: 0, state: 'open' });
    for (let i = 0; i < 3; i++) await writer.update(counters, { _id, state: 'open' }, { $inc: { n: 1 } });
    expect((await counters.findOne({ _id }))?.n).toBe(3);
    const mine = async () => (await tokens.find({ _id: { $regex: `^counters/${_id.toHexString()}/` } }).toArray()).map((t) => t._id).sort();
    expect(await mine()).toEqual([0, 1, 2].map((v) => `counters/${_id.toHexString()}/${v}/0`));

    // No document matches: nothing is written and no token is taken.
    expect(await writer.update(counters, { _id, state: 'closed' }, { $set: { n: 99 } })).toBeNull();
    expect(await mine()).toHaveLength(3);

    const sweeper = new WriteTokenSweeper(database.db);
    expect(await sweeper.sweep(new Date(Date.now() - 60_000))).toBe(0);
    expect(await sweeper.sweep(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(3);
    expect(await mine()).toEqual([]);
  });

  it('still lets exactly one of many concurrent writers win each version, with tokens kept', async () => {
    const counters = database.db.collection<Counter>('counters');
    const _id = new ObjectId();
    await counters.insertOne({ _id, version: 0, n: 0, state: 'open' });
    // 20 writers each claim the document from open to claimed: exactly one may succeed.
    const claims = await Promise.all(Array.from({ length: 20 }, () => writer.update(counters, { _id, state: 'open' }, { $set: { state: 'claimed' } })));
    expect(claims.filter((c) => c !== null)).toHaveLength(1);
    // 20 writers each add one: none is lost.
    await Promise.all(Array.from({ length: 20 }, () => writer.update(counters, { _id }, { $inc: { n: 1 } })));
    const final = await counters.findOne({ _id });
    expect(final?.n).toBe(20);
    expect(final?.version).toBe(21);
  });
});
