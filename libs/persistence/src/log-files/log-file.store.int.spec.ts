import { randomBytes } from 'node:crypto';
import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { newObjectIdString } from '../infrastructure/object-id.mapper.js';
import { LOG_FILES_CHUNKS_COLLECTION, LOG_FILES_FILES_COLLECTION } from './log-file.indexes.js';
import { LogFileStore, sha256Hex } from './log-file.store.js';

const origin = { fileName: 'N123AB_0502.log', partnerCode: 'SATLOC' as const, customerId: newObjectIdString(), logId: 'LOG-1' };

describe('LogFileStore (GridFS) against FerretDB/MongoDB', () => {
  let database: TestDatabase;
  let store: LogFileStore;

  beforeAll(async () => {
    database = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_logfiles')));
    store = new LogFileStore(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('stores bytes keyed by their hash and reads back the same bytes', async () => {
    const bytes = randomBytes(600_000);
    const stored = await store.store(bytes, origin);
    expect(stored).toMatchObject({ created: true, contentHash: sha256Hex(bytes), sizeBytes: bytes.length, fileName: origin.fileName });
    expect((await store.read(stored.storedFileId)).equals(bytes)).toBe(true);
    expect(await store.findByContentHash(origin.customerId, stored.contentHash)).toMatchObject({ storedFileId: stored.storedFileId });
  });

  it('stores the same bytes once, even when uploaded concurrently', async () => {
    const bytes = randomBytes(300_000);
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => store.store(bytes, { ...origin, logId: `dup-${i}` })));
    expect(new Set(results.map((r) => r.storedFileId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await store.store(bytes, origin)).toMatchObject({ created: false, storedFileId: results[0].storedFileId });

    const files = database.db.collection(LOG_FILES_FILES_COLLECTION);
    expect(await files.countDocuments({ 'metadata.contentHash': sha256Hex(bytes) })).toBe(1);
    // The losers' chunks are cleaned up: only the winner's remain for these bytes.
    const chunkOwners = await database.db.collection(LOG_FILES_CHUNKS_COLLECTION).distinct('files_id');
    const fileIds = (await files.find({}, { projection: { _id: 1 } }).toArray()).map((f) => f._id.toHexString());
    expect(chunkOwners.map((id: { toHexString(): string }) => id.toHexString()).sort()).toEqual(fileIds.sort());
  });
});

describe('LogFileStore.storeStream: a log stored as it arrives', () => {
  let database: TestDatabase;
  let store: LogFileStore;

  /** `totalBytes` of distinct content in `chunkBytes` pieces, made as they are asked for. */
  async function* generated(totalBytes: number, chunkBytes: number, seed: number): AsyncGenerator<Buffer> {
    for (let offset = 0; offset < totalBytes; offset += chunkBytes) {
      const chunk = Buffer.alloc(Math.min(chunkBytes, totalBytes - offset));
      for (let i = 0; i + 8 <= chunk.length; i += 8) chunk.writeDoubleLE(seed + offset + i, i);
      yield chunk;
    }
  }

  const chunkCount = () => database.db.collection(LOG_FILES_CHUNKS_COLLECTION).countDocuments({});

  beforeAll(async () => {
    database = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_logstream')));
    store = new LogFileStore(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('stores, hashes and sizes a streamed log; the same bytes streamed again keep the first file', async () => {
    const parts: Buffer[] = [];
    for await (const chunk of generated(700_000, 64 * 1024, 1)) parts.push(chunk);
    const bytes = Buffer.concat(parts);
    const stored = await store.storeStream(generated(700_000, 64 * 1024, 1), origin);
    expect(stored).toMatchObject({ created: true, contentHash: sha256Hex(bytes), sizeBytes: bytes.length, fileName: origin.fileName });
    expect((await store.read(stored.storedFileId)).equals(bytes)).toBe(true);
    expect(await store.findByContentHash(origin.customerId, sha256Hex(bytes))).toMatchObject({ storedFileId: stored.storedFileId, sizeBytes: bytes.length });

    const chunksBefore = await chunkCount();
    const again = await store.storeStream(generated(700_000, 64 * 1024, 1), { ...origin, logId: 'LOG-2' });
    expect(again).toMatchObject({ created: false, storedFileId: stored.storedFileId });
    expect(await chunkCount()).toBe(chunksBefore);
    // A whole buffer stored later finds it too.
    expect(await store.store(bytes, origin)).toMatchObject({ created: false, storedFileId: stored.storedFileId });
  });

  it("keeps two customers' copies of the same bytes apart", async () => {
    const other = { ...origin, customerId: newObjectIdString(), logId: 'THEIRS' };
    const mine = await store.storeStream(generated(200_000, 64 * 1024, 4), origin);
    const theirs = await store.storeStream(generated(200_000, 64 * 1024, 4), other);
    expect(mine.created && theirs.created).toBe(true);
    expect(theirs.contentHash).toBe(mine.contentHash);
    expect(theirs.storedFileId).not.toBe(mine.storedFileId);
    expect(await store.findByContentHash(other.customerId, mine.contentHash)).toMatchObject({ storedFileId: theirs.storedFileId });
    expect(await store.findByContentHash(origin.customerId, mine.contentHash)).toMatchObject({ storedFileId: mine.storedFileId });
  });

  it('leaves nothing behind when the source fails part-way, and throws its error', async () => {
    const chunksBefore = await chunkCount();
    async function* cutShort(): AsyncGenerator<Buffer> {
      yield* generated(600_000, 64 * 1024, 2);
      throw new Error('connection reset after 600000 bytes');
    }
    await expect(store.storeStream(cutShort(), origin)).rejects.toThrow('connection reset after 600000 bytes');
    expect(await chunkCount()).toBe(chunksBefore);
    expect(await database.db.collection(LOG_FILES_FILES_COLLECTION).countDocuments({ 'metadata.contentHash': '' })).toBe(0);
  });

  it('stores a 512 MiB log with the process growing by at most 64 MiB', { timeout: 600_000 }, async () => {
    const total = 512 * 1024 * 1024;
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const started = performance.now();
    let stored;
    try {
      stored = await store.storeStream(generated(total, 64 * 1024, 3), { ...origin, logId: 'BIG' });
    } finally {
      clearInterval(sampler);
    }
    const growthMiB = (peak - baseline) / 2 ** 20;
    process.stderr.write(`512 MiB streamed into GridFS in ${((performance.now() - started) / 1000).toFixed(1)} s; RSS growth ${growthMiB.toFixed(1)} MiB\n`);
    expect(stored.sizeBytes).toBe(total);
    expect(growthMiB).toBeLessThanOrEqual(64);
    await store.remove(stored.storedFileId);
  });
});
