import { PartnerLogTrackerState, type MultiPolygon } from '@agair/domain-models';
import { startWireCommandCounter, waitFor, type WireCommandCounter } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineWorld, rectangle, type PipelineWorld } from '../test/pipeline.fixture.js';

/**
 * Database commands per processed log, end to end (poller + sync-worker as processes), counted
 * on the wire by a proxy in front of FerretDB. The goal is ≤ 12; this guards against
 * regressions from today's count (printed) until the data path is reworked.
 */
const LOGS = 6;
const CEILING_PER_LOG = 42;
const IDLE_WINDOW_MS = 4000;

describe('database commands per processed log', () => {
  let world: PipelineWorld;
  let counter: WireCommandCounter;

  beforeAll(async () => {
    world = await createPipelineWorld();
    counter = await startWireCommandCounter(world.env['MONGO_URL'] as string);
    const viaCounter = { MONGO_URL: counter.url, POLL_SYNC_CHECK_MS: '1000' };
    await world.start('sync-worker', viaCounter);
    await world.start('poller', viaCounter);
  });

  afterAll(async () => {
    await world?.close();
    await counter?.close();
  });

  it(`stays under ${CEILING_PER_LOG} per log (goal 12), counted on the wire`, async () => {
    const parts = Array.from({ length: LOGS }, (_, i) => rectangle(-97.52 + i * 0.01, 38.1, 300, 200).coordinates);
    const boundary: MultiPolygon = { type: 'MultiPolygon', coordinates: parts };
    const job = await world.createJob('Counted', boundary);
    const assign = await world.assignQueued(job);
    const uploaded = await world.uploaded(assign.id, { timeoutMs: 30_000, what: 'assignment UPLOADED' });

    // What the apps do with nothing to do (leader checks, sync-request checks), per second.
    counter.reset();
    await new Promise((resolve) => setTimeout(resolve, IDLE_WINDOW_MS));
    const idlePerS = counter.workCommands() / (IDLE_WINDOW_MS / 1000);

    counter.reset();
    const started = Date.now();
    expect(world.simulator.produceLogs(Number(uploaded.extJobId))).toHaveLength(LOGS);
    await world.requestSync();
    await waitFor(async () => {
      const all = await world.repositories.partnerLogTrackers.listByCustomer(world.customerId);
      return all.length === LOGS && all.every((t) => t.state === PartnerLogTrackerState.PROCESSED) ? all : undefined;
    }, { timeoutMs: 90_000, what: `${LOGS} trackers PROCESSED` });
    // Let the last job-record refresh land.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const elapsedS = (Date.now() - started) / 1000;
    const total = counter.workCommands();
    const perLog = (total - idlePerS * elapsedS) / LOGS;
    const table = [...counter.countsByCollection()].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${(n / LOGS).toFixed(1)}`).join(', ');
    process.stdout.write(`commands per log: ${perLog.toFixed(1)} (total ${total} for ${LOGS} logs in ${elapsedS.toFixed(1)} s, idle ${idlePerS.toFixed(1)}/s subtracted); by name, per log: ${table}\n`);
    expect(total).toBeGreaterThan(0);
    expect(perLog).toBeLessThan(CEILING_PER_LOG);
  });
});
