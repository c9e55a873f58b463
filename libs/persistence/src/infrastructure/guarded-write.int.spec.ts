import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { MongoClient, ObjectId, type CommandStartedEvent } from 'mongodb';
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

  it('writes a document it last wrote or was told about in two round trips, and recovers from a stale guess with the usual read', async () => {
    const url = withDatabase(testServices().mongoUrl, database.db.databaseName);
    const monitored = new MongoClient(url, { retryWrites: false, monitorCommands: true });
    const commands: string[] = [];
    monitored.on('commandStarted', (e: CommandStartedEvent) => commands.push(`${e.commandName} ${String(e.command[e.commandName])}`));
    try {
      const counters = monitored.db().collection<Counter>('counters');
      const mine = new GuardedWriter(monitored.db());
      const other = new GuardedWriter(monitored.db());
      const _id = new ObjectId();
      const doc = { _id, version: 0, n: 0, state: 'open' };
      await counters.insertOne(doc);
      mine.remember(counters, doc);

      commands.length = 0;
      expect(await mine.update(counters, { _id, state: 'open' }, { $inc: { n: 1 } })).toMatchObject({ n: 1, version: 1 });
      expect(await mine.update(counters, { _id, state: 'open' }, { $set: { state: 'claimed' } })).toMatchObject({ state: 'claimed', version: 2 });
      expect(commands).toEqual(['insert write_tokens', 'findAndModify counters', 'insert write_tokens', 'findAndModify counters']);

      // Another process writes: `mine`'s guess is stale, costs its token's insert, then reads as before.
      await other.update(counters, { _id }, { $inc: { n: 1 } });
      commands.length = 0;
      expect(await mine.update(counters, { _id, state: 'claimed' }, { $inc: { n: 1 } })).toMatchObject({ n: 3, version: 4 });
      expect(commands).toEqual(['insert write_tokens', 'find write_tokens', 'find counters', 'insert write_tokens', 'findAndModify counters']);

      // A filter that no longer matches: nothing written, no token kept, and null as before.
      commands.length = 0;
      expect(await mine.update(counters, { _id, state: 'open' }, { $set: { n: 99 } })).toBeNull();
      expect(commands).toEqual(['insert write_tokens', 'findAndModify counters', 'delete write_tokens', 'find counters']);
      expect((await counters.findOne({ _id }))?.n).toBe(3);
    } finally {
      await monitored.close();
    }
  });
});
