import type { Repositories } from '@agair/persistence';
import { createLogger } from '@agair/service-kit';
import { LogCapture, waitFor } from '@agair/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { LeaderLease } from './leader-lease.js';
import type { CollectionScope, LogCollector } from './log-collector.js';
import type { PollerMetrics } from './metrics.js';
import { PollScheduler } from './poll-scheduler.js';
import type { RetentionRunner } from './retention-runner.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const none = async () => ({ reclaimed: [], failed: [], requeued: [] });

describe('PollScheduler', () => {
  let scheduler: PollScheduler | undefined;
  afterEach(async () => {
    await scheduler?.stop();
  });

  it('runs a scheduled cycle that fell due during a sync request’s cycle as soon as that one ends, not a whole interval later', async () => {
    const cycles: CollectionScope[] = [];
    let requests = [{ id: 'r1', partnerCode: 'SATLOC', customerId: 'c'.repeat(24), aircraftId: null }];
    const repositories = {
      syncRequests: {
        claimNext: async () => requests.shift() ?? null,
        finish: async () => null,
        requeueStale: async () => 0,
      },
      partnerLogTrackers: { sweepExpiredLeases: none },
      taskTrackers: { sweepStuck: none },
      pollRuns: { abandonStale: async () => 0 },
      writeTokens: { sweep: async () => 0 },
    } as unknown as Repositories;
    const collector = {
      // The sync request's cycle outlasts the one moment the schedule falls due.
      runCycle: async (scope: CollectionScope) => {
        cycles.push(scope);
        if (scope.customerId) await sleep(2500);
        return { id: `run-${cycles.length}` };
      },
      reEnqueue: async () => 0,
    } as unknown as LogCollector;
    const lease = { isHeld: true, owner: 'poller-test', refresh: async () => true, release: async () => undefined } as unknown as LeaderLease;
    const retention = { runIfLeader: async () => undefined, settled: async () => undefined } as unknown as RetentionRunner;
    const gauge = { set: () => undefined, inc: () => undefined };
    const metrics = { leader: gauge, stuck: gauge, pollingEnded: gauge } as unknown as PollerMetrics;

    // Start just after a second begins; the schedule falls due once, one second later, while the request's cycle runs.
    await sleep(1000 - (Date.now() % 1000) + 50);
    const dueSecond = (new Date().getUTCSeconds() + 1) % 60;
    scheduler = new PollScheduler(
      { repositories, collector, lease, retention, logger: createLogger({ name: 'test', level: 'silent', destination: new LogCapture() }), metrics },
      { cron: `${dueSecond} * * * * *`, syncCheckMs: 50, sweepMs: 600_000, retentionMs: 600_000, assignmentQuietMs: null, leaderTtlMs: 3000, maxAttempts: 5 },
    );
    scheduler.start();

    // The next time that second comes is a minute away: only the catch-up can run it now.
    await waitFor(() => (cycles.length >= 2 ? true : undefined), { timeoutMs: 15_000, what: 'the scheduled cycle after the sync request' });
    expect(cycles[0]).toMatchObject({ customerId: 'c'.repeat(24) });
    expect(cycles[1]).toEqual({});
    requests = [];
  });
});
