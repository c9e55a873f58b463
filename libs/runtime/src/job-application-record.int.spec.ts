import { randomBytes } from 'node:crypto';
import { PartnerCode } from '@agair/domain-models';
import { CredentialCipher, createRepositories, ensureIndexes, type Repositories } from '@agair/persistence';
import { computeApplicationStatistics, decodeFlightLogBuffer, fieldShapes, packCoverageLayers, simulateJob } from '@agair/satloc-parser';
import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combineInProcess, refreshJobApplicationRecord, type CombineJob } from './job-application-record.js';

describe('refreshJobApplicationRecord against FerretDB', () => {
  const client = new MongoClient(withDatabase(testServices().mongoUrl, uniqueName('it_job_record')), { retryWrites: false });
  const customerId = new ObjectId().toHexString();
  const sim = simulateJob({ seed: 77, boundaryM: fieldShapes.rectangle(300, 200), loads: 3, reflyLines: [2] });
  let repositories: Repositories;
  let jobId: string;
  let saves: (() => Promise<string>)[];

  beforeAll(async () => {
    const db = client.db();
    await ensureIndexes(db);
    repositories = createRepositories(db, { credentialKeys: CredentialCipher.fromConfig({ keys: { k1: randomBytes(32).toString('base64') }, activeKeyId: 'k1' }) });
    const job = await repositories.jobs.create({ customerId, name: 'Three loads', boundary: sim.field.boundary, exclusions: [], productName: 'Water', targetRateLPerHa: 30, units: 'metric' });
    jobId = job.id;
    saves = sim.loads.map((load, n) => async () => {
      const statistics = await computeApplicationStatistics(decodeFlightLogBuffer(load.bytes).records, { boundary: sim.field.boundary, includePassFootprints: false });
      const saved = await repositories.applicationRecords.saveProcessedLog(
        {
          partnerCode: PartnerCode.SATLOC,
          customerId,
          trackerId: null,
          logId: `L${n}`,
          aircraftId: '101',
          fileName: `l${n}.log`,
          storedFileId: new ObjectId().toHexString(),
          contentHash: randomBytes(32).toString('hex'),
          extJobId: 'SIM-77',
          jobId,
          assignId: null,
          match: { method: 'job_id_in_header', confidence: 1 },
          decoder: { format: 'agair-log', version: '1.0' },
          records: { read: 1, skipped: 0, corrupt: 0 },
          processing: { stage: 'done', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), durationMs: 1 },
          summary: statistics.summary,
        },
        statistics.passes,
        { layers: packCoverageLayers(statistics.coverage), swaths: statistics.swaths },
      );
      return saved.file.id;
    });
  });

  afterAll(async () => {
    await client.db().dropDatabase();
    await client.close();
  });

  it('has nothing to store for a job without logs', async () => {
    expect(await refreshJobApplicationRecord({ repositories }, customerId, jobId)).toEqual({ outcome: 'removed' });
    expect(await repositories.applicationRecords.findJobRecord(customerId, jobId)).toBeNull();
  });

  it('computes again when another worker adds a log while it computes, so the last write covers every log', async () => {
    const first = await saves[0]();
    let racedId = '';
    // While this worker combines from log 1 alone, another finishes log 2.
    const racing: CombineJob = async (logs, field) => {
      if (racedId === '') racedId = await saves[1]();
      return combineInProcess(logs, field);
    };
    const refreshed = await refreshJobApplicationRecord({ repositories, combine: racing }, customerId, jobId);
    if (refreshed.outcome !== 'saved') throw new Error(refreshed.outcome);
    expect(refreshed.record.fileIds.sort()).toEqual([first, racedId].sort());
    expect((await repositories.applicationRecords.findJobRecord(customerId, jobId))?.fileIds.sort()).toEqual([first, racedId].sort());
  });

  it('gives the union of all loads, matching the ground truth, when workers refresh at once', async () => {
    await saves[2]();
    const results = await Promise.all([0, 1, 2].map(() => refreshJobApplicationRecord({ repositories }, customerId, jobId)));
    expect(results.every((r) => r.outcome === 'saved')).toBe(true);
    const record = await repositories.applicationRecords.findJobRecord(customerId, jobId);
    const truth = sim.groundTruth;
    if (!record || !truth) throw new Error('no record or no ground truth');
    expect(record.fileIds).toHaveLength(3);
    expect(Math.abs(record.summary.treatedAreaHa - truth.treatedAreaHa) / truth.fieldAreaHa).toBeLessThan(0.005);
    expect(Math.abs(record.summary.overlapAreaHa - truth.overlapAreaHa) / truth.fieldAreaHa).toBeLessThan(0.01);
    expect(truth.overlapAreaHa).toBeGreaterThan(0.3);
    const coverage = await repositories.applicationRecords.findJobCoverage(customerId, jobId);
    expect(coverage?.layers.overlap.coordinates.length).toBeGreaterThan(0);
  });

  it('keeps no record when the logs together exceed the work bound', async () => {
    const tooComplex: CombineJob = async () => ({ outcome: 'too_complex', reason: 'TOO_COMPLEX: test' });
    expect(await refreshJobApplicationRecord({ repositories, combine: tooComplex }, customerId, jobId)).toEqual({ outcome: 'too_complex', reason: 'TOO_COMPLEX: test' });
    expect(await repositories.applicationRecords.findJobRecord(customerId, jobId)).toBeNull();
  });
});
