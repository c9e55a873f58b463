import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../test/test-database.js';
import { applyIndexSpecs } from './infrastructure/index-spec.js';
import { IndexConflictError } from './infrastructure/persistence.errors.js';
import { ALL_INDEX_SPECS, ensureIndexes } from './indexes.js';
import { LOG_FILES_FILES_COLLECTION } from './log-files/log-file.indexes.js';

describe('ensureIndexes against FerretDB/MongoDB', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    // openTestDatabase already ran ensureIndexes once.
    database = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_indexes')));
  });

  afterAll(async () => {
    await database.drop();
  });

  it('creates every declared index and is idempotent when run again, also concurrently', async () => {
    await ensureIndexes(database.db);
    await Promise.all([ensureIndexes(database.db), ensureIndexes(database.db)]);
    for (const spec of ALL_INDEX_SPECS) {
      const indexes = await database.db.collection(spec.collection).listIndexes().toArray();
      const found = indexes.find((index) => index['name'] === spec.name);
      expect(found, `${spec.collection}.${spec.name}`).toBeDefined();
      expect(found?.['key']).toEqual(spec.key);
      expect(found?.['unique'] === true).toBe(spec.unique === true);
    }
  });

  it('enforces the unique indexes', async () => {
    const trackers = database.db.collection('partner_log_trackers');
    await trackers.insertOne({ partnerCode: 'SATLOC', customerId: 'c', logId: 'L1' });
    await expect(trackers.insertOne({ partnerCode: 'SATLOC', customerId: 'c', logId: 'L1' })).rejects.toMatchObject({ code: 11000 });
    const tasks = database.db.collection('task_trackers');
    await tasks.insertOne({ taskId: 'task-0000001' });
    await expect(tasks.insertOne({ taskId: 'task-0000001' })).rejects.toMatchObject({ code: 11000 });
  });

  it('drops an index an older version declared: log files were once unique on the hash alone', async () => {
    const files = database.db.collection(LOG_FILES_FILES_COLLECTION);
    await files.createIndex({ 'metadata.contentHash': 1 }, { name: 'log_file_content_hash_unique', unique: true });
    await ensureIndexes(database.db);
    const names = (await files.listIndexes().toArray()).map((index) => index['name']);
    expect(names).toContain('log_file_customer_content_unique');
    expect(names).not.toContain('log_file_content_hash_unique');
    // The same bytes under two customers are two files; under one customer, one.
    await files.insertOne({ metadata: { customerId: 'a', contentHash: 'h1' } });
    await files.insertOne({ metadata: { customerId: 'b', contentHash: 'h1' } });
    await expect(files.insertOne({ metadata: { customerId: 'a', contentHash: 'h1' } })).rejects.toMatchObject({ code: 11000 });
  });

  it('reports an existing index with the same name and another definition', async () => {
    await database.db.collection('conflicts').createIndex({ a: 1 }, { name: 'by_field' });
    await expect(applyIndexSpecs(database.db, [{ collection: 'conflicts', name: 'by_field', key: { b: 1 } }])).rejects.toBeInstanceOf(IndexConflictError);
    await database.db.collection('conflicts').createIndex({ c: 1 }, { name: 'by_c' });
    await expect(applyIndexSpecs(database.db, [{ collection: 'conflicts', name: 'by_c', key: { c: 1 }, unique: true }])).rejects.toBeInstanceOf(
      IndexConflictError,
    );
  });
});
