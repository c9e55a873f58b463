import { PartnerLogTrackerState, type MultiPolygon } from '@agair/domain-models';
import { waitFor } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineWorld, isUploaded, rectangle, type PipelineWorld } from '../test/pipeline.fixture.js';

interface GroundTruth {
  treatedAreaHa: number;
  overlapAreaHa: number;
  offTargetAreaHa: number;
  volumeAppliedL: number;
  fieldAreaHa: number;
}

describe('pipeline: assign → upload → logs → poll → process (apps as processes)', () => {
  let world: PipelineWorld;

  beforeAll(async () => {
    world = await createPipelineWorld();
    await world.start('sync-worker');
    await world.start('poller');
  });

  afterAll(async () => {
    await world?.close();
  });

  it('uploads the job, collects the three logs it produced and stores application records matching the ground truth', async () => {
    // Three separate fields in one job: the simulator flies one log per field.
    const boundary: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [
        rectangle(-97.52, 38.1, 320, 220).coordinates,
        rectangle(-97.5, 38.1, 260, 260).coordinates,
        rectangle(-97.48, 38.1, 300, 180).coordinates,
      ],
    };
    const job = await world.createJob('North quarter', boundary);
    const assign = await world.assignQueued(job);

    const uploaded = await waitFor(async () => {
      const current = await world.repositories.jobAssigns.findById(world.customerId, assign.id);
      return isUploaded(current) ? current : undefined;
    }, { timeoutMs: 30_000, what: 'assignment UPLOADED' });
    expect(uploaded.extJobId).toMatch(/^\d+$/);
    expect(world.simulator.state.jobs.get(Number(uploaded.extJobId))).toBeDefined();

    const logs = world.simulator.produceLogs(Number(uploaded.extJobId));
    expect(logs).toHaveLength(3);
    await world.requestSync();

    const trackers = await waitFor(async () => {
      const all = await world.repositories.partnerLogTrackers.listByCustomer(world.customerId);
      return all.length === 3 && all.every((t) => t.state === PartnerLogTrackerState.PROCESSED) ? all : undefined;
    }, { timeoutMs: 60_000, what: '3 trackers PROCESSED' });
    expect(trackers.map((t) => t.logId).sort()).toEqual(logs.map((l) => l.logId).sort());

    const files = await world.repositories.applicationRecords.listFilesByCustomer(world.customerId, { jobId: job.id });
    expect(files).toHaveLength(3);
    for (const file of files) {
      expect(file.match).toEqual({ method: 'job_id_in_header', confidence: 1 });
      expect(file.assignId).toBe(assign.id);
      expect(file.records.corrupt).toBe(0);
    }

    const truth = logs.map((l) => l.groundTruth as GroundTruth);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const measured = {
      treated: sum(files.map((f) => f.summary.treatedAreaHa)),
      volume: sum(files.map((f) => f.summary.volumeAppliedL)),
      overlap: sum(files.map((f) => f.summary.overlapAreaHa)),
      offTarget: sum(files.map((f) => f.summary.offTargetAreaHa)),
    };
    const expected = {
      treated: sum(truth.map((t) => t.treatedAreaHa)),
      volume: sum(truth.map((t) => t.volumeAppliedL)),
      overlap: sum(truth.map((t) => t.overlapAreaHa)),
      offTarget: sum(truth.map((t) => t.offTargetAreaHa)),
      field: sum(truth.map((t) => t.fieldAreaHa)),
    };
    // The parser's tolerances: treated area 1 %, volume 0.5 %, overlap and off-target 2 % of the field.
    expect(Math.abs(measured.treated - expected.treated) / expected.treated).toBeLessThan(0.01);
    expect(Math.abs(measured.volume - expected.volume) / expected.volume).toBeLessThan(0.005);
    expect(Math.abs(measured.overlap - expected.overlap)).toBeLessThan(0.02 * expected.field);
    expect(Math.abs(measured.offTarget - expected.offTarget)).toBeLessThan(0.02 * expected.field);

    const coverage = await world.repositories.applicationRecords.listCoverageByJob(world.customerId, job.id);
    expect(coverage).toHaveLength(3);
    expect(coverage.every((c) => c.coverage.type === 'MultiPolygon' || c.coverage.type === 'Polygon')).toBe(true);
  });
});
