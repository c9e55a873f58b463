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
    expect(await store.findByContentHash(stored.contentHash)).toMatchObject({ storedFileId: stored.storedFileId });
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
