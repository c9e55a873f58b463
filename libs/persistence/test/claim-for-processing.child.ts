/**
 * One of the "two processes" of the claim race test. Connects, says `ready`, waits for the go
 * file, then claims the tracker for processing once and prints the outcome as JSON.
 *
 *   node --import tsx --conditions=@agair/source test/claim-for-processing.child.ts <mongoUrl> <trackerId> <owner> <goFile>
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { PartnerLogTrackerRepository } from '../src/index.js';

const [mongoUrl, trackerId, owner, goFile] = process.argv.slice(2);
if (!mongoUrl || !trackerId || !owner || !goFile) {
  process.stderr.write('usage: claim-for-processing.child.ts <mongoUrl> <trackerId> <owner> <goFile>\n');
  process.exit(2);
}

const client = new MongoClient(mongoUrl, { retryWrites: false });
try {
  const db = client.db();
  await db.command({ ping: 1 });
  const trackers = new PartnerLogTrackerRepository(db);
  process.stdout.write('ready\n');
  while (!existsSync(goFile)) await sleep(2);
  const claimed = await trackers.claimForProcessing(trackerId, owner, 60_000);
  process.stdout.write(`${JSON.stringify({ owner, won: claimed !== null, leaseOwner: claimed?.lease?.owner ?? null })}\n`);
} finally {
  await client.close();
}
