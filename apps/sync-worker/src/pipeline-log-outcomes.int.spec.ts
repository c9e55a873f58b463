import { ErrorCategory, PartnerLogTrackerState } from '@agair/domain-models';
import { fieldShapes, simulateFlight } from '@agair/satloc-parser';
import { waitFor } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineWorld, rectangle, type PipelineWorld } from '../test/pipeline.fixture.js';

const FINISHED: readonly string[] = [PartnerLogTrackerState.PROCESSED, PartnerLogTrackerState.FAILED, PartnerLogTrackerState.SKIPPED];

describe('pipeline: logs that apply nothing and logs in a format we do not decode (apps as processes)', () => {
  let world: PipelineWorld;
  let workerUrl: string;

  beforeAll(async () => {
    world = await createPipelineWorld();
    workerUrl = await (await world.start('sync-worker')).waitForUrl();
    await world.start('poller');
  });

  afterAll(async () => {
    await world?.close();
  });

  it('skips a ferry flight with its reason, fails another format as unsupported_format and counts it, and processes the sprayed log', async () => {
    const job = await world.createJob('Ferry test field', rectangle(-97.6, 38.3, 300, 200));
    const assign = await world.assignQueued(job);
    const uploaded = await world.uploaded(assign.id, { timeoutMs: 30_000, what: 'assignment UPLOADED' });
    const sprayed = world.simulator.produceLogs(Number(uploaded.extJobId)).map((l) => l.logId);
    expect(sprayed.length).toBeGreaterThan(0);
    // The same aircraft flies out to the field and back for this job with the boom never on.
    const ferryFlight = simulateFlight({
      seed: 21,
      boundaryM: fieldShapes.rectangle(300, 200),
      originLatDeg: 38.3,
      originLonDeg: -97.6,
      skipPassIndices: Array.from({ length: 100 }, (_, i) => i),
      jobId: uploaded.extJobId ?? '',
      aircraftId: world.aircraftId,
      groundTruth: false,
    });
    const ferry = world.simulator.state.addRawLog({ aircraftId: world.aircraftId, bytes: ferryFlight.bytes, fileName: `AC${world.aircraftId}_ferry.alog` });
    // A log in a layout the platform has no decoder for (as SatLoc's proprietary Air Log is).
    const foreign = world.simulator.state.addRawLog({
      aircraftId: world.aircraftId,
      bytes: Buffer.concat([Buffer.from([0x02, 0x00, 0x41, 0x4c, 0x4f, 0x47]), Buffer.alloc(2048, 0x5a)]),
      fileName: `AC${world.aircraftId}_airlog.log`,
    });
    await world.requestSync();

    const ids = [...sprayed, ferry.logId, foreign.logId];
    const trackers = await waitFor(async () => {
      const all = (await world.repositories.partnerLogTrackers.listByCustomer(world.customerId)).filter((t) => ids.includes(t.logId));
      return all.length === ids.length && all.every((t) => FINISHED.includes(t.state)) ? all : undefined;
    }, { timeoutMs: 60_000, what: 'every log finished' });
    const byLog = new Map(trackers.map((t) => [t.logId, t]));

    for (const logId of sprayed) expect(byLog.get(logId)).toMatchObject({ state: PartnerLogTrackerState.PROCESSED, skip: null, error: null });
    expect(byLog.get(ferry.logId)).toMatchObject({
      state: PartnerLogTrackerState.SKIPPED,
      applicationFileId: null,
      error: null,
      skip: { reason: 'nothing_applied', message: 'ferry flight, spray never on' },
    });
    const unsupported = byLog.get(foreign.logId);
    expect(unsupported).toMatchObject({ state: PartnerLogTrackerState.FAILED, skip: null, error: { category: ErrorCategory.DATA_FORMAT, reason: 'unsupported_format' } });
    expect(unsupported?.error?.message).toMatch(/^unsupported_format: UNKNOWN_FORMAT: /);

    // Only the sprayed logs have application files, and the job's record is made of them alone.
    const files = await world.repositories.applicationRecords.listFilesByCustomer(world.customerId, {});
    expect(files.map((f) => f.logId).sort()).toEqual([...sprayed].sort());
    const record = await waitFor(async () => {
      const current = await world.repositories.applicationRecords.findJobRecord(world.customerId, job.id);
      return current && current.fileIds.length === files.length ? current : undefined;
    }, { timeoutMs: 10_000, what: 'the job record over the sprayed logs' });
    expect([...record.fileIds].sort()).toEqual(files.map((f) => f.id).sort());

    const metrics = await (await fetch(`${workerUrl}/metrics`)).text();
    const value = (pattern: RegExp) =>
      metrics
        .split('\n')
        .filter((line) => !line.startsWith('#') && pattern.test(line))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    expect(value(/^agair_logs_unsupported_total\{.*partner_code="SATLOC"/)).toBe(1);
    expect(value(/^agair_log_processing_seconds_count\{.*outcome="skipped"/)).toBe(1);
    expect(value(/^agair_log_processing_seconds_count\{.*outcome="unsupported"/)).toBe(1);
    expect(value(/^agair_log_processing_seconds_count\{.*outcome="processed"/)).toBe(sprayed.length);
  });
});
