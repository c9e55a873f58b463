import { RETENTION_KINDS, type RetentionReport, type RetentionSweeper } from '@agair/runtime';
import type { Logger } from '@agair/service-kit';
import type { LeaderLease } from './leader-lease.js';
import type { PollerMetrics } from './metrics.js';

/**
 * Runs the retention sweep on the replica that holds the poller's leader lease, one sweep at a
 * time; the sweep checks the lease before every batch, so a replica that loses it stops within
 * one batch. Reports what was removed and what is still due as metrics and one log line.
 */
export class RetentionRunner {
  private running: Promise<RetentionReport | null> | null = null;

  constructor(private readonly deps: { sweeper: RetentionSweeper; lease: LeaderLease; logger: Logger; metrics: PollerMetrics; isStopping: () => boolean }) {}

  /** One sweep now if this replica leads and none is running; null when it did not run. */
  runIfLeader(): Promise<RetentionReport | null> {
    if (this.running || this.deps.isStopping() || !this.deps.lease.isHeld) return Promise.resolve(null);
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Resolves when the running sweep (if any) has stopped. */
  async settled(): Promise<void> {
    await this.running;
  }

  private async run(): Promise<RetentionReport | null> {
    const { sweeper, lease, logger, metrics, isStopping } = this.deps;
    try {
      const report = await sweeper.sweep(() => lease.isHeld && !isStopping());
      for (const kind of RETENTION_KINDS) {
        const { due, removed, cutoff } = report.kinds[kind];
        if (cutoff === null) continue;
        metrics.retentionRemoved.inc({ kind }, removed);
        metrics.retentionDue.set({ kind }, Math.max(0, due - removed));
      }
      const level = report.interrupted ? 'warn' : 'info';
      logger[level](
        { dryRun: report.dryRun, interrupted: report.interrupted, durationMs: report.durationMs, kinds: report.kinds },
        report.dryRun ? 'retention dry run: nothing removed; "due" is what a sweep would remove' : 'retention sweep done',
      );
      return report;
    } catch (err) {
      logger.warn({ err }, 'retention sweep failed; the next one carries on');
      return null;
    }
  }
}
