import { PartnerLogTrackerState } from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';
import type { Logger } from '@agair/service-kit';
import { Cron } from 'croner';
import type { LeaderLease } from './leader-lease.js';
import type { CollectionScope, LogCollector } from './log-collector.js';
import type { PollerMetrics } from './metrics.js';
import { endQuietPolling } from './quiet-assignments.js';
import type { RetentionRunner } from './retention-runner.js';

export interface SchedulerSettings {
  cron: string;
  syncCheckMs: number;
  sweepMs: number;
  retentionMs: number;
  /** Polling of an UPLOADED assignment ends after this long without a log; null: never. */
  assignmentQuietMs: number | null;
  leaderTtlMs: number;
  maxAttempts: number;
}

/** RUNNING sync requests and poll runs older than this belong to a poller that died. */
const STALE_MS = 30 * 60_000;
/** Guard tokens are kept this long (twice the time after which one counts as abandoned). */
const WRITE_TOKEN_KEEP_MS = 60_000;

/**
 * Runs collection cycles while this replica holds the leader lease: on the cron schedule, and
 * promptly for each syncData request. Cycles never overlap within a replica; each is followed by
 * a sweep of expired leases. The retention sweep runs on its own timer, also leader-only.
 */
export class PollScheduler {
  private cron: Cron | undefined;
  private timers: NodeJS.Timeout[] = [];
  private current: Promise<unknown> = Promise.resolve();
  private busy = false;
  /** A scheduled cycle fell due while another cycle ran: it runs as soon as that one ends, before waiting sync requests. */
  private scheduleMissed = false;
  private stopped = false;

  constructor(
    private readonly deps: { repositories: Repositories; collector: LogCollector; lease: LeaderLease; retention: RetentionRunner; logger: Logger; metrics: PollerMetrics },
    private readonly settings: SchedulerSettings,
  ) {}

  start(): void {
    const { lease, metrics, logger } = this.deps;
    const refresh = async () => {
      const was = lease.isHeld;
      const held = await lease.refresh();
      metrics.leader.set(held ? 1 : 0);
      if (held !== was) logger.info({ owner: lease.owner }, held ? 'poller lease acquired: this replica polls' : 'poller lease lost');
    };
    void refresh();
    this.timers.push(setInterval(() => void refresh(), Math.max(500, Math.floor(this.settings.leaderTtlMs / 3))));
    this.timers.push(setInterval(() => void this.serveSyncRequest(), this.settings.syncCheckMs));
    this.timers.push(setInterval(() => void this.sweepIfLeader(), this.settings.sweepMs));
    this.timers.push(setInterval(() => void this.deps.retention.runIfLeader(), this.settings.retentionMs));
    this.cron = new Cron(this.settings.cron, { timezone: 'UTC', protect: true }, () => void this.runScheduled());
  }

  /** One cycle now (if this replica leads and none is running); resolves when it is done. */
  async runExclusive(reason: string, scope: CollectionScope): Promise<string | null> {
    if (this.stopped || !this.deps.lease.isHeld || this.busy) return null;
    this.busy = true;
    const work = (async () => {
      try {
        this.deps.logger.info({ reason, ...scope }, 'poll cycle starting');
        const run = await this.deps.collector.runCycle(scope);
        await this.sweep();
        return run.id;
      } finally {
        this.busy = false;
      }
    })();
    this.current = work.catch(() => undefined);
    try {
      return await work;
    } catch (err) {
      this.deps.logger.error({ err, reason }, 'poll cycle crashed');
      return null;
    }
  }

  private async runScheduled(): Promise<void> {
    if (this.busy) {
      this.scheduleMissed = true;
      return;
    }
    this.scheduleMissed = false;
    await this.runExclusive('schedule', {});
  }

  private async serveSyncRequest(): Promise<void> {
    if (this.stopped || !this.deps.lease.isHeld || this.busy) return;
    if (this.scheduleMissed) {
      // The schedule covers every customer (a waiting request's among them): it goes first.
      this.scheduleMissed = false;
      await this.runExclusive('schedule (fell due during another cycle)', {});
      return;
    }
    const { repositories, logger } = this.deps;
    let request;
    try {
      request = await repositories.syncRequests.claimNext();
    } catch (err) {
      logger.warn({ reason: (err as Error).message }, 'could not read sync requests');
      return;
    }
    if (!request) return;
    const runId = await this.runExclusive('syncData', {
      partnerCode: request.partnerCode,
      customerId: request.customerId,
      aircraftId: request.aircraftId,
    });
    await repositories.syncRequests
      .finish(request.id, runId ? { pollRunId: runId } : { pollRunId: null, error: 'the poll cycle could not run; see the poller logs' })
      .catch((err: unknown) => logger.warn({ err, syncRequestId: request.id }, 'could not record the sync request outcome'));
  }

  private async sweepIfLeader(): Promise<void> {
    if (this.stopped || !this.deps.lease.isHeld || this.busy) return;
    try {
      await this.sweep();
    } catch (err) {
      this.deps.logger.warn({ reason: (err as Error).message }, 'sweep failed');
    }
  }

  /** Reclaims what dead owners left behind and reports how much was stuck. */
  private async sweep(): Promise<void> {
    const { repositories, metrics, logger } = this.deps;
    const now = new Date();
    const trackers = await repositories.partnerLogTrackers.sweepExpiredLeases(now, this.settings.maxAttempts);
    const stuck: Record<string, number> = { [PartnerLogTrackerState.DOWNLOADING]: 0, [PartnerLogTrackerState.PROCESSING]: 0 };
    for (const t of [...trackers.reclaimed, ...trackers.failed]) {
      const was = t.state === PartnerLogTrackerState.PENDING ? PartnerLogTrackerState.DOWNLOADING : PartnerLogTrackerState.PROCESSING;
      stuck[was] = (stuck[was] ?? 0) + 1;
    }
    for (const [state, count] of Object.entries(stuck)) metrics.stuck.set({ state }, count);
    const tasks = await repositories.taskTrackers.sweepStuck(now);
    // Logs handed back by the sweep wait for processing again.
    const reEnqueued = await this.deps.collector.reEnqueue(trackers.reclaimed);
    const staleBefore = new Date(now.getTime() - STALE_MS);
    await repositories.pollRuns.abandonStale(staleBefore);
    await repositories.syncRequests.requeueStale(staleBefore);
    // Guarded writes leave their tokens; well past the 30 s after which one counts as abandoned, they go.
    await repositories.writeTokens.sweep(new Date(now.getTime() - WRITE_TOKEN_KEEP_MS));
    if (this.settings.assignmentQuietMs !== null) {
      const ended = await endQuietPolling(repositories, this.settings.assignmentQuietMs, now);
      metrics.pollingEnded.inc(ended.length);
      for (const assign of ended) {
        logger.info({ assignId: assign.id, customerId: assign.customerId, partnerAircraftId: assign.partnerAircraftId, uploadedAt: assign.upload.uploadedAt }, 'assignment gone quiet: no longer polled');
      }
    }
    if (trackers.reclaimed.length + trackers.failed.length + tasks.requeued.length + tasks.failed.length > 0) {
      logger.warn(
        {
          trackersReclaimed: trackers.reclaimed.length,
          trackersFailed: trackers.failed.length,
          tasksRequeued: tasks.requeued.length,
          tasksFailed: tasks.failed.length,
          reEnqueued,
        },
        'sweeper reclaimed stuck work',
      );
    }
  }

  /** Stops scheduling, waits for the running cycle, gives the lease up for the next replica. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cron?.stop();
    for (const timer of this.timers) clearInterval(timer);
    await this.current;
    await this.deps.retention.settled();
    await this.deps.lease.release();
    this.deps.metrics.leader.set(0);
  }
}
