import { packMultiPolygon, type MultiPolygon } from '@agair/domain-models';
import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePass, sampleSummary } from '../../test/builders.js';
import { openTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { newObjectIdString } from '../infrastructure/object-id.mapper.js';
import { UnstorableValueError } from '../infrastructure/persistence.errors.js';
import { ObjectId } from 'mongodb';
import { APPLICATION_COVERAGES_COLLECTION, APPLICATION_FILES_COLLECTION, APPLICATION_PASSES_COLLECTION } from './application-record.indexes.js';
import { ApplicationRecordRepository, type ApplicationFileInput } from './application-record.repository.js';

const customerId = newObjectIdString();

function fileInput(contentHash: string, overrides: Partial<ApplicationFileInput> = {}): ApplicationFileInput {
  return {
    partnerCode: 'SATLOC',
    customerId,
    trackerId: newObjectIdString(),
    logId: `LOG-${contentHash.slice(0, 6)}`,
    aircraftId: 'N123AB',
    fileName: 'flight-0502.log',
    storedFileId: newObjectIdString(),
    contentHash,
    extJobId: 'SL-778',
    jobId: newObjectIdString(),
    assignId: newObjectIdString(),
    match: { method: 'job_id_in_header', confidence: 1 },
    decoder: { format: 'agair-log', version: '1.0' },
    records: { read: 5400, skipped: 12, corrupt: 1 },
    processing: { stage: 'done', startedAt: '2024-05-02T09:00:00.000Z', finishedAt: '2024-05-02T09:00:02.500Z', durationMs: 2500 },
    summary: sampleSummary(),
    ...overrides,
  };
}

describe('ApplicationRecordRepository against FerretDB/MongoDB', () => {
  let database: TestDatabase;
  let records: ApplicationRecordRepository;

  beforeAll(async () => {
    database = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_application')));
    records = new ApplicationRecordRepository(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('writes a processed log and reads it back as computed', async () => {
    const input = fileInput('1'.repeat(64));
    const saved = await records.saveProcessedLog(input, [samplePass(0), samplePass(1)]);
    expect(saved.created).toBe(true);
    const { id, createdAt, updatedAt, ...rest } = saved.file;
    expect(rest).toStrictEqual(input);
    expect(await records.findFileById(customerId, id)).toStrictEqual(saved.file);
    expect([id, createdAt, updatedAt].every(Boolean)).toBe(true);

    const details = await records.listDetails(customerId, id);
    expect(new Set(details.map((d) => d.id)).size).toBe(2);
    expect(details.map(({ id: _id, fileId: _fileId, customerId: _customerId, ...pass }) => pass)).toStrictEqual([samplePass(0), samplePass(1)]);
    expect(await records.listDetails(newObjectIdString(), id)).toEqual([]);
  });

  it('writes the same log twice without duplicates, replacing the earlier result', async () => {
    const hash = '2'.repeat(64);
    const first = await records.saveProcessedLog(fileInput(hash), [samplePass(0), samplePass(1), samplePass(2)]);
    const idsBefore = (await records.listDetails(customerId, first.file.id)).map((d) => d.id);
    const second = await records.saveProcessedLog(fileInput(hash, { records: { read: 5401, skipped: 0, corrupt: 0 } }), [samplePass(0), samplePass(1)]);
    expect(second.created).toBe(false);
    expect(second.file.id).toBe(first.file.id);
    expect(first.previousJobId).toBeNull();
    // Matched to another job this time: the caller learns which job the record left.
    const otherJob = newObjectIdString();
    const third = await records.saveProcessedLog(fileInput(hash, { jobId: otherJob }), [samplePass(0), samplePass(1)]);
    expect(third.previousJobId).toBe(second.file.jobId);
    expect(third.file.jobId).toBe(otherJob);
    expect(second.file.records.read).toBe(5401);

    expect(await database.db.collection(APPLICATION_FILES_COLLECTION).countDocuments({ contentHash: hash })).toBe(1);
    // One passes document per log, holding exactly the latest passes; pass ids survive the rewrite.
    const stored = await database.db.collection(APPLICATION_PASSES_COLLECTION).find({ fileId: new ObjectId(first.file.id) }).toArray();
    expect(stored).toHaveLength(1);
    expect((stored[0]?.['passes'] as { passIndex: number }[]).map((p) => p.passIndex)).toEqual([0, 1]);
    expect((await records.listDetails(customerId, first.file.id)).map((d) => d.id)).toEqual(idsBefore.slice(0, 2));
  });

  it('stays free of duplicates when the same log is saved concurrently', async () => {
    const hash = '3'.repeat(64);
    const passes = [samplePass(0), samplePass(1), samplePass(2)];
    const results = await Promise.all(Array.from({ length: 5 }, () => records.saveProcessedLog(fileInput(hash), passes)));
    expect(new Set(results.map((r) => r.file.id)).size).toBe(1);
    expect(await database.db.collection(APPLICATION_FILES_COLLECTION).countDocuments({ contentHash: hash })).toBe(1);
    expect(await records.listDetails(customerId, results[0].file.id)).toHaveLength(3);
  });

  it('refuses statistics no server can store (NaN), writing nothing', async () => {
    const hash = '4'.repeat(64);
    const bad = fileInput(hash, { summary: sampleSummary({ rateDeviationPct: Number.NaN }) });
    await expect(records.saveProcessedLog(bad, [samplePass(0)])).rejects.toBeInstanceOf(UnstorableValueError);
    expect(await records.findFileByContentHash(customerId, hash)).toBeNull();
  });

  it('keeps the as-applied coverage per file and lists it by job, GeoJSON in and out', async () => {
    const jobId = newObjectIdString();
    const coverage: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [
        [[[-97.5, 38.1], [-97.49, 38.1], [-97.49, 38.11], [-97.5, 38.11], [-97.5, 38.1]]],
        [
          [[-97.48, 38.1], [-97.47, 38.1], [-97.47, 38.11], [-97.48, 38.11], [-97.48, 38.1]],
          [[-97.476, 38.104], [-97.474, 38.104], [-97.474, 38.106], [-97.476, 38.104]],
        ],
      ],
    };
    const empty = { type: 'MultiPolygon' as const, coordinates: [] };
    const layers = { treated: coverage, overlap: empty, offTarget: { type: 'MultiPolygon' as const, coordinates: [coverage.coordinates[1]] }, skipped: empty };
    const packed = { treated: packMultiPolygon(layers.treated.coordinates), overlap: packMultiPolygon([]), offTarget: packMultiPolygon(layers.offTarget.coordinates), skipped: packMultiPolygon([]) };
    // Two swath rings; odd offsets and values that are not round in binary.
    const swaths = { lonLat: Float64Array.from([-97.5, 38.1, -97.49, 38.1, -97.49, 38.11, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), ringStarts: Uint32Array.from([0, 3, 6]) };
    const saved = await records.saveProcessedLog(fileInput('9'.repeat(64), { jobId, summary: sampleSummary() }), [samplePass(0)], { layers: packed, swaths });
    expect(await records.listCoverageByJob(customerId, jobId)).toEqual([{ fileId: saved.file.id, logId: saved.file.logId, jobId, layers }]);
    expect(await records.listCoverageByJob(newObjectIdString(), jobId)).toEqual([]);
    const inputs = await records.listJobRecordInputs(customerId, jobId, 10);
    expect(inputs).toHaveLength(1);
    expect(inputs[0].fileId).toBe(saved.file.id);
    expect(inputs[0].summary).toEqual(saved.file.summary);
    expect(Array.from(inputs[0].swaths.lonLat)).toEqual(Array.from(swaths.lonLat));
    expect(Array.from(inputs[0].swaths.ringStarts)).toEqual([0, 3, 6]);
    expect(await records.listFileIdsByJob(customerId, jobId, 10)).toEqual([saved.file.id]);
    // The job's record: one per job, replaced, without layers unless asked.
    const record = await records.saveJobRecord({ jobId, customerId, fileIds: [saved.file.id], summary: saved.file.summary }, packed);
    expect(await records.findJobRecord(customerId, jobId)).toEqual(record);
    expect(await records.findJobRecord(newObjectIdString(), jobId)).toBeNull();
    expect((await records.findJobCoverage(customerId, jobId))?.layers).toEqual(layers);
    await records.saveJobRecord({ jobId, customerId, fileIds: [], summary: saved.file.summary }, { ...packed, treated: packMultiPolygon([]) });
    expect((await records.findJobCoverage(customerId, jobId))?.layers.treated).toEqual(empty);
    await records.deleteJobRecord(jobId);
    expect(await records.findJobRecord(customerId, jobId)).toBeNull();

    // Coverage stored by the version before layers and swaths (one treated geometry) still reads.
    const oldJob = newObjectIdString();
    const old = await records.saveProcessedLog(fileInput('8'.repeat(64), { jobId: oldJob }), [samplePass(0)]);
    await database.db.collection(APPLICATION_COVERAGES_COLLECTION).insertOne({ fileId: new ObjectId(old.file.id), customerId: new ObjectId(customerId), jobId: new ObjectId(oldJob), logId: null, coverage: { type: 'Polygon', polygons: [] } });
    expect((await records.listCoverageByJob(customerId, oldJob))[0]?.layers.treated).toEqual(empty);
    expect((await records.listJobRecordInputs(customerId, oldJob, 10))[0]?.swaths.lonLat).toHaveLength(0);
    // Processing again without coverage (nothing sprayed) removes the old one.
    await records.saveProcessedLog(fileInput('9'.repeat(64), { jobId }), [samplePass(0)], null);
    expect(await records.listCoverageByJob(customerId, jobId)).toEqual([]);
  });
});
