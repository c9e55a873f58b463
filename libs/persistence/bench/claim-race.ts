/**
 * Prints how many of N concurrent conditional claims of one document "win", with a bare
 * findOneAndUpdate and through GuardedWriter, and what a guarded write costs uncontended.
 * Needs MONGO_URL (e.g. `eval "$(bash tools/services/up.sh)"`); uses a throw-away database.
 *
 *   cd libs/persistence && npm run bench
 */
import { MongoClient, ObjectId } from 'mongodb';
import { ensureIndexes, GuardedWriter } from '../src/index.js';

const base = process.env['MONGO_URL'] ?? 'mongodb://127.0.0.1:27017/agair';
const url = new URL(base);
url.pathname = `/bench_claims_${Date.now().toString(36)}`;
const client = new MongoClient(url.toString(), { retryWrites: false });
const db = client.db();
await ensureIndexes(db);
const writer = new GuardedWriter(db);
const docs = db.collection<{ _id: ObjectId; version: number; state: string; owner?: number }>('bench_claims');
const rounds = 5;
const contenders = 50;

try {
  for (const mode of ['bare findOneAndUpdate', 'GuardedWriter'] as const) {
    const winners: number[] = [];
    const started = performance.now();
    for (let round = 0; round < rounds; round++) {
      const { insertedId } = await docs.insertOne({ _id: new ObjectId(), version: 0, state: 'QUEUED' });
      const claims = await Promise.all(
        Array.from({ length: contenders }, (_, owner) =>
          mode === 'GuardedWriter'
            ? writer.update(docs, { _id: insertedId, state: 'QUEUED' }, { $set: { state: 'PROCESSING', owner } })
            : docs.findOneAndUpdate({ _id: insertedId, state: 'QUEUED' }, { $set: { state: 'PROCESSING', owner } }),
        ),
      );
      winners.push(claims.filter((c) => c !== null).length);
    }
    const ms = (performance.now() - started) / rounds;
    process.stdout.write(`${mode}: winners per round of ${contenders} concurrent claims = [${winners.join(', ')}] (should be 1); ${ms.toFixed(0)} ms per round\n`);
  }

  const samples = 200;
  for (const mode of ['bare findOneAndUpdate', 'GuardedWriter'] as const) {
    const { insertedId } = await docs.insertOne({ _id: new ObjectId(), version: 0, state: 'A' });
    const started = performance.now();
    for (let i = 0; i < samples; i++) {
      const update = { $set: { state: i % 2 === 0 ? 'B' : 'A' } };
      if (mode === 'GuardedWriter') await writer.update(docs, { _id: insertedId }, update);
      else await docs.findOneAndUpdate({ _id: insertedId }, update);
    }
    process.stdout.write(`${mode}: ${((performance.now() - started) / samples).toFixed(2)} ms per uncontended write (${samples} sequential)\n`);
  }
} finally {
  await db.dropDatabase();
  await client.close();
}
