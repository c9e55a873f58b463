import { PartnerLogTrackerState, type MultiPolygon } from '@agair/domain-models';
import { waitFor, type ServiceProcess } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineWorld, rectangle, type PipelineWorld } from '../test/pipeline.fixture.js';

/** Short leases so that work of a killed process is reclaimed within seconds. */
const FAST_RECOVERY = { TASK_LEASE_MS: '3000', POLL_SWEEP_MS: '500' };

describe('pipeline under concurrency and crashes (apps as processes)', () => {
  let world: PipelineWorld;
  let pollers: ServiceProcess[];
  let worker: ServiceProcess;

  beforeAll(async () => {
    world = await createPipelineWorld();
    worker = await world.start('sync-worker', FAST_RECOVERY);
    pollers = [await world.start('poller', FAST_RECOVERY), await world.start('poller', FAST_RECOVERY)];
  });

  afterAll(async () => {
    await world?.close();
  });

  async function uploadedJob(name: string, boundary: MultiPolygon) {
    const job = await world.createJob(name, boundary);
    const assign = await world.assignQueued(job);
    const uploaded = await world.uploaded(assign.id, { timeoutMs: 30_000, what: 'assignment UPLOADED' });
    return { job, assign: uploaded };
  }

  it('with two poller replicas, downloads each log once, and the standby takes over when the leader is killed', async () => {
    const { assign } = await uploadedJob('Twin fields', {
      type: 'MultiPolygon',
      coordinates: [rectangle(-97.62, 38.2, 250, 200).coordinates, rectangle(-97.6, 38.2, 250, 200).coordinates],
    });
    const logs = world.simulator.produceLogs(Number(assign.extJobId));
    await Promise.all([world.requestSync(), world.requestSync(), world.requestSync()]);
    await waitFor(async () => {
      const all = await world.repositories.partnerLogTrackers.listByCustomer(world.customerId);
      return logs.every((l) => all.find((t) => t.logId === l.logId)?.state === PartnerLogTrackerState.PROCESSED) ? true : undefined;
    }, { timeoutMs: 60_000, what: 'both logs processed' });
    const downloads = () => world.simulator.state.requests.filter((r) => r.endpoint === 'GetAircraftLogData' && r.status === 200).length;
    expect(downloads()).toBe(logs.length);

    // Kill whichever poller leads; the other must pick up the next request.
    const runs = await world.repositories.pollRuns.listRecent({ limit: 1 });
    const leaderOwner = runs[0]?.owner;
    const leader = pollers.find((p) => leaderOwner?.endsWith(`-${p.child.pid}`));
    expect(leader).toBeDefined();
    await leader?.stop('SIGKILL');
    const standby = pollers.find((p) => p !== leader);

    const extra = world.simulator.state.addRawLog({ aircraftId: world.aircraftId, bytes: logs[0]?.bytes ?? Buffer.alloc(0), fileName: 'AC101_copy.alog' });
    await world.requestSync();
    const copy = await waitFor(async () => {
      const tracker = await world.repositories.partnerLogTrackers.findByLog('SATLOC', world.customerId, extra.logId);
      return tracker && tracker.state !== PartnerLogTrackerState.PENDING && tracker.state !== PartnerLogTrackerState.DOWNLOADING ? tracker : undefined;
    }, { timeoutMs: 30_000, what: 'the standby poller collecting the new log' });
    // The same bytes under another id are recognised and not processed twice.
    expect(copy.state).toBe(PartnerLogTrackerState.SKIPPED);
    const lastRun = (await world.repositories.pollRuns.listRecent({ limit: 1 }))[0];
    expect(lastRun?.owner.endsWith(`-${standby?.child.pid}`)).toBe(true);
    expect(downloads()).toBe(logs.length + 1);
  });

  it('processes a log exactly once when the worker is killed in the middle of it', async () => {
    // Large fields: processing takes long enough to be caught in the act.
    const { job, assign } = await uploadedJob('Big section', {
      type: 'MultiPolygon',
      coordinates: [rectangle(-97.7, 38.3, 1800, 1400).coordinates, rectangle(-97.67, 38.3, 1800, 1400).coordinates],
    });
    const logs = world.simulator.produceLogs(Number(assign.extJobId));
    const before = new Set((await world.repositories.partnerLogTrackers.listByCustomer(world.customerId)).map((t) => t.id));
    await world.requestSync();

    await waitFor(async () => {
      const all = await world.repositories.partnerLogTrackers.listByCustomer(world.customerId);
      return all.some((t) => !before.has(t.id) && t.state === PartnerLogTrackerState.PROCESSING) ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 10, what: 'a log being processed' });
    await worker.stop('SIGKILL');
    worker = await world.start('sync-worker', FAST_RECOVERY);

    await waitFor(async () => {
      const all = await world.repositories.partnerLogTrackers.listByCustomer(world.customerId);
      return logs.every((l) => all.find((t) => t.logId === l.logId)?.state === PartnerLogTrackerState.PROCESSED) ? true : undefined;
    }, { timeoutMs: 90_000, what: 'every log processed after the restart' });
    const files = await world.repositories.applicationRecords.listFilesByCustomer(world.customerId, { jobId: job.id });
    expect(files).toHaveLength(logs.length);
    const volume = files.reduce((sum, f) => sum + f.summary.volumeAppliedL, 0);
    const truth = logs.reduce((sum, l) => sum + (l.groundTruth?.volumeAppliedL ?? 0), 0);
    expect(Math.abs(volume - truth) / truth).toBeLessThan(0.005);
  });
});
