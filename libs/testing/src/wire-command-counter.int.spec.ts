import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueName, withDatabase } from './test-services.js';
import { testServices } from './vitest-context.js';
import { startWireCommandCounter } from './wire-command-counter.js';

describe('startWireCommandCounter', () => {
  const dbUrl = withDatabase(testServices().mongoUrl, uniqueName('it_wire_counter'));
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('forwards a client unchanged and counts its commands by name', async () => {
    const counter = await startWireCommandCounter(dbUrl);
    cleanup.push(() => counter.close());
    const client = new MongoClient(counter.url, { retryWrites: false });
    cleanup.push(() => client.close());
    const things = client.db().collection<{ n: number }>('things');
    await things.insertOne({ n: 1 });
    counter.reset();
    await things.insertMany([{ n: 2 }, { n: 3 }]);
    expect(await things.countDocuments({})).toBe(3);
    expect(await things.findOne({ n: 2 })).toMatchObject({ n: 2 });
    await things.updateOne({ n: 3 }, { $set: { n: 4 } });
    const counts = counter.counts();
    expect(counts.get('insert')).toBe(1);
    expect(counts.get('aggregate')).toBe(1); // countDocuments
    expect(counts.get('find')).toBe(1);
    expect(counts.get('update')).toBe(1);
    expect(counter.workCommands()).toBe(4);
    expect(counter.countsByCollection().get('find things')).toBe(1);
    expect(counter.countsByCollection().get('update things')).toBe(1);
    cleanup.push(() => client.db().dropDatabase());
  });

  it('refuses to proxy anything but loopback', async () => {
    await expect(startWireCommandCounter('mongodb://10.0.0.1:27017/x')).rejects.toThrow(/loopback/);
  });
});
