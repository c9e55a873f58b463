import { setTimeout as sleep } from 'node:timers/promises';
import type { ExpiringRecords, Repositories } from '@agair/persistence';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

/*
 * How long each kind of data lives, and the sweep that removes what has served its time.
 * FerretDB has no TTL indexes, so the platform expires data itself. What is never removed:
 * application records and coverage (the system of record), log trackers (small; each is the
 * proof a partner log was collected, so a log still listed by the partner is not fetched twice),
 * and FAILED tasks nobody replayed (work an operator still has to decide on).
 */

/** A duration setting: a number and a unit (`30d`, `12h`, `5s`, `250ms`), or `forever`. */
export function DurationEnv(defaultValue: string, description: string) {
  return Type.String({ default: defaultValue, pattern: '^(forever|\\d+(ms|s|m|h|d))$', description });
}

/** The retention policy, configured in one place (the poller runs the sweep). */
export const RetentionEnv = {
  RETENTION_RAW_LOGS: DurationEnv('30d', 'raw flight logs are removed this long after their log is PROCESSED, FAILED or SKIPPED (never before); e.g. 30d, 12h, forever'),
  RETENTION_TASK_TRACKERS: DurationEnv('30d', 'task trackers of completed (or failed and replayed) tasks are removed this long after they finished'),
  RETENTION_POLL_RUNS: DurationEnv('14d', 'poll cycle records are removed this long after the cycle finished'),
  RETENTION_SYNC_REQUESTS: DurationEnv('14d', 'served syncData requests are removed this long after they finished'),
  RETENTION_SWEEP_MS: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 600_000, description: 'how often the poller leader runs the retention sweep' }),
  RETENTION_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'records removed per batch' }),
  RETENTION_BATCH_PAUSE_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 200, description: 'pause between batches, so the sweep never crowds out live work' }),
  RETENTION_MAX_PER_SWEEP: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 20_000, description: 'records removed per kind in one sweep at most; the rest waits for the next' }),
  RETENTION_DRY_RUN: Type.Boolean({ default: false, description: 'count and report what the sweep would remove, and remove nothing' }),
};

const RetentionSettingsSchema = Type.Object(RetentionEnv);
export type RetentionSettings = Static<typeof RetentionSettingsSchema>;

export const RETENTION_KINDS = ['raw_logs', 'task_trackers', 'poll_runs', 'sync_requests'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

export interface RetentionPolicy {
  /** Milliseconds each kind is kept after its work finished; null keeps it forever. */
  keepMs: Record<RetentionKind, number | null>;
  batchSize: number;
  batchPauseMs: number;
  maxPerSweep: number;
  dryRun: boolean;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30d`, `12h`, `5s`, `250ms` → milliseconds; `forever` → null. */
export function parseDuration(value: string): number | null {
  if (value === 'forever') return null;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new RangeError(`"${value}" is not a duration like 30d, 12h, 5s or forever`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const RETENTION_DEFAULTS: RetentionSettings = Value.Create(RetentionSettingsSchema);

/** The policy from an app's configuration; settings left out take the documented defaults. */
export function retentionPolicy(settings: Partial<RetentionSettings>): RetentionPolicy {
  const config = { ...RETENTION_DEFAULTS, ...settings };
  return {
    keepMs: {
      raw_logs: parseDuration(config.RETENTION_RAW_LOGS),
      task_trackers: parseDuration(config.RETENTION_TASK_TRACKERS),
      poll_runs: parseDuration(config.RETENTION_POLL_RUNS),
      sync_requests: parseDuration(config.RETENTION_SYNC_REQUESTS),
    },
    batchSize: config.RETENTION_BATCH_SIZE,
    batchPauseMs: config.RETENTION_BATCH_PAUSE_MS,
    maxPerSweep: config.RETENTION_MAX_PER_SWEEP,
    dryRun: config.RETENTION_DRY_RUN,
  };
}

export interface RetentionKindReport {
  /** Records finished before this instant are due; null when the kind is kept forever. */
  cutoff: string | null;
  /** Due at the start of the sweep. */
  due: number;
  /** Removed by this sweep (always 0 in a dry run). */
  removed: number;
}

export interface RetentionReport {
  dryRun: boolean;
  /** The sweep stopped early: this replica lost the lead, or it is shutting down. */
  interrupted: boolean;
  kinds: Record<RetentionKind, RetentionKindReport>;
  durationMs: number;
}

/**
 * Removes what the policy says has served its time, in batches with a pause between them,
 * checking `shouldContinue` (the caller's leader lease) before each. Every step can be repeated:
 * a sweep killed half-way is finished by the next, and two sweeps at once remove nothing twice.
 *
 * A raw log goes in three steps — mark its tracker (a guarded write on the tracker as it was
 * seen, so a replay or reprocessing that claimed it first keeps it), remove the file (unless
 * another tracker still uses it), clear the reference — and a marked log is never claimed again.
 */
export class RetentionSweeper {
  constructor(
    private readonly repositories: Repositories,
    private readonly policy: RetentionPolicy,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async sweep(shouldContinue: () => boolean = () => true): Promise<RetentionReport> {
    const started = performance.now();
    const now = this.clock().getTime();
    const r = this.repositories;
    const records: Record<Exclude<RetentionKind, 'raw_logs'>, ExpiringRecords> = {
      task_trackers: r.taskTrackers.finished,
      poll_runs: r.pollRuns.finished,
      sync_requests: r.syncRequests.finished,
    };
    const report: RetentionReport = { dryRun: this.policy.dryRun, interrupted: false, kinds: {} as RetentionReport['kinds'], durationMs: 0 };
    for (const kind of RETENTION_KINDS) {
      const keepMs = this.policy.keepMs[kind];
      const cutoff = keepMs === null ? null : new Date(now - keepMs);
      const entry: RetentionKindReport = { cutoff: cutoff?.toISOString() ?? null, due: 0, removed: 0 };
      report.kinds[kind] = entry;
      if (!cutoff) continue;
      if (!shouldContinue()) {
        report.interrupted = true;
        continue;
      }
      entry.due = kind === 'raw_logs' ? await r.partnerLogTrackers.countRawLogsToRemove(cutoff) : await records[kind].countFinishedBefore(cutoff);
      if (this.policy.dryRun) continue;
      if (kind === 'raw_logs') entry.removed += await this.finishUnfinishedRawLogRemovals();
      const removeBatch = kind === 'raw_logs' ? (limit: number) => this.removeRawLogs(cutoff, limit) : (limit: number) => records[kind].removeFinishedBefore(cutoff, limit);
      const finished = await this.inBatches(entry, removeBatch, shouldContinue);
      if (!finished) report.interrupted = true;
    }
    report.durationMs = Math.round(performance.now() - started);
    return report;
  }

  /** Batches until none is left, the per-sweep ceiling is reached, or the caller says stop. */
  private async inBatches(entry: RetentionKindReport, removeBatch: (limit: number) => Promise<number>, shouldContinue: () => boolean): Promise<boolean> {
    const { batchSize, batchPauseMs, maxPerSweep } = this.policy;
    while (entry.removed < maxPerSweep) {
      if (!shouldContinue()) return false;
      const limit = Math.min(batchSize, maxPerSweep - entry.removed);
      const removed = await removeBatch(limit);
      entry.removed += removed;
      // A short batch means nothing more is due (or the rest changed under us: the next sweep
      // looks again); stopping here saves a query that would scan the whole collection.
      if (removed < limit) return true;
      if (batchPauseMs > 0) await sleep(batchPauseMs);
    }
    return true;
  }

  /** Removals a sweep killed half-way left marked: finished first, once per sweep. */
  private async finishUnfinishedRawLogRemovals(): Promise<number> {
    let removed = 0;
    for (const marked of await this.repositories.partnerLogTrackers.findRawLogRemovalsUnfinished(this.policy.maxPerSweep)) {
      if (await this.finishRawLogRemoval(marked.id, marked.storedFileId)) removed++;
    }
    return removed;
  }

  private async removeRawLogs(cutoff: Date, limit: number): Promise<number> {
    const trackers = this.repositories.partnerLogTrackers;
    let removed = 0;
    for (const seen of await trackers.findRawLogsToRemove(cutoff, limit)) {
      const marked = await trackers.markRawLogRemoval(seen);
      if (marked && (await this.finishRawLogRemoval(marked.id, marked.storedFileId))) removed++;
    }
    return removed;
  }

  private async finishRawLogRemoval(trackerId: string, storedFileId: string | null): Promise<boolean> {
    if (!storedFileId) return false;
    const { partnerLogTrackers, logFiles } = this.repositories;
    // Content-addressed storage: another tracker may hold the same bytes (it keeps them).
    if ((await partnerLogTrackers.countUsersOfFile(storedFileId, trackerId)) === 0) await logFiles.remove(storedFileId);
    return (await partnerLogTrackers.clearRemovedRawLog(trackerId, storedFileId)) !== null;
  }
}
