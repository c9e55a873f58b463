import { ErrorCategory, LogFailureReason, PartnerLogTrackerState, type PartnerCode, type PartnerLogTracker } from '@agair/domain-models';
import { keepLeaseAlive, type TaskGiveUpHandler, type TaskHandler } from '@agair/messaging';
import type { Repositories } from '@agair/persistence';
import { PermanentTaskError, RetryLaterTaskError } from '@agair/runtime';
import type { Logger } from '@agair/service-kit';
import type { SyncWorkerMetrics } from '../metrics.js';
import type { ComputePool } from '../processing/compute-pool.js';
import { processLogFile, type StoredLogInput } from '../processing/process-log-file.js';

/** Shortest wait before a log held elsewhere is looked at again (and the margin after its lease ends). */
const MIN_RECLAIM_WAIT_MS = 1000;

export interface ProcessLogDeps {
  repositories: Repositories;
  logger: Logger;
  metrics: SyncWorkerMetrics;
  workerId: string;
  leaseMs: number;
  compute: ComputePool;
}

/**
 * Processes a log under its tracker: claim (DOWNLOADED → PROCESSING, or FAILED → PROCESSING for
 * a replay), process, then PROCESSED; a log that applied nothing → SKIPPED with the reason; a
 * file in a format we do not decode → FAILED with reason `unsupported_format` (counted per
 * partner); an unusable file → FAILED with the decoder's reason; none of these is retried. Any
 * other failure hands the tracker back (→ DOWNLOADED) and rethrows for the retry.
 */
async function processTracked(deps: ProcessLogDeps, tracker: PartnerLogTracker, input: StoredLogInput, taskId: string): Promise<void> {
  const { repositories, workerId } = deps;
  const started = performance.now();
  const fields = { taskId, trackerId: tracker.id, logId: tracker.logId, customerId: tracker.customerId };
  try {
    const result = await underLease(deps, tracker, taskId, () => processLogFile(deps, input));
    deps.metrics.logProcessing.observe({ format: result.formatName, outcome: result.outcome }, (performance.now() - started) / 1000);
    switch (result.outcome) {
      case 'skipped':
        await repositories.partnerLogTrackers.markSkipped(tracker.id, workerId, { reason: result.reason, message: result.message });
        return;
      case 'unsupported':
        countUnsupported(deps, input.partnerCode);
        await repositories.partnerLogTrackers.markFailed(tracker.id, workerId, {
          category: ErrorCategory.DATA_FORMAT,
          reason: LogFailureReason.UNSUPPORTED_FORMAT,
          message: result.reason,
        });
        deps.logger.warn({ ...fields, reason: result.reason }, 'flight log in a format the platform does not decode');
        return;
      case 'unusable':
        await repositories.partnerLogTrackers.markFailed(tracker.id, workerId, { category: ErrorCategory.DATA_FORMAT, message: result.reason });
        deps.logger.warn({ ...fields, reason: result.reason }, 'flight log unusable');
        return;
      case 'processed':
        await repositories.partnerLogTrackers.markProcessed(tracker.id, workerId, { applicationFileId: result.applicationFileId });
    }
  } catch (err) {
    await repositories.partnerLogTrackers
      .releaseProcessing(tracker.id, workerId, { category: ErrorCategory.INTERNAL, message: err instanceof Error ? err.message : String(err) })
      .catch((releaseErr: unknown) => deps.logger.warn({ err: releaseErr, trackerId: tracker.id }, 'could not release the tracker; the sweeper will'));
    throw err;
  }
}

/**
 * Runs `work` while renewing the tracker's lease at a third of its length, so a log that takes
 * longer than `TASK_LEASE_MS` is not swept back and handed to a second worker. Renewal stops
 * before the caller's final transition.
 */
async function underLease<T>(deps: ProcessLogDeps, tracker: PartnerLogTracker, taskId: string, work: () => Promise<T>): Promise<T> {
  const fields = { taskId, trackerId: tracker.id, logId: tracker.logId };
  const lease = keepLeaseAlive({
    renew: () => deps.repositories.partnerLogTrackers.renewLease(tracker.id, deps.workerId, deps.leaseMs),
    leaseMs: deps.leaseMs,
    onLost: () => deps.logger.warn(fields, 'log tracker lease lost while processing; the sweeper may hand the log to another worker'),
    onError: (err) => deps.logger.warn({ ...fields, err }, 'could not renew the log tracker lease; trying again'),
  });
  try {
    return await work();
  } finally {
    lease.stop();
  }
}

async function claim(deps: ProcessLogDeps, customerId: string, trackerId: string): Promise<PartnerLogTracker | 'done'> {
  const claimed = await deps.repositories.partnerLogTrackers.claimForProcessing(trackerId, deps.workerId, deps.leaseMs);
  if (claimed) return claimed;
  const current = await deps.repositories.partnerLogTrackers.findById(customerId, trackerId);
  if (!current) throw new PermanentTaskError(ErrorCategory.NOT_FOUND, `tracker ${trackerId} not found`);
  if (current.state === PartnerLogTrackerState.PROCESSED || current.state === PartnerLogTrackerState.SKIPPED) return 'done';
  if (current.state === PartnerLogTrackerState.FAILED && current.rawLogRemovedAt) throw rawLogRemoved(current);
  // Another worker holds it (a duplicate delivery, or this task's own earlier try cut off by an
  // outage), or it is not downloaded yet: wait for its lease, after which it is processed or the
  // sweeper hands it back. A real wait, not a failed attempt's backoff.
  const leaseLeftMs = current.lease ? Date.parse(current.lease.expiresAt) - Date.now() : 0;
  throw new RetryLaterTaskError(Math.max(MIN_RECLAIM_WAIT_MS, leaseLeftMs + MIN_RECLAIM_WAIT_MS), `tracker ${trackerId} is ${current.state}; cannot process it now`);
}

export function processPartnerLogHandler(deps: ProcessLogDeps): TaskHandler<'PROCESS_PARTNER_LOG'> {
  return async ({ message }) => {
    const p = message.payload;
    const tracker = await claim(deps, p.customerId, p.trackerId);
    if (tracker === 'done') return;
    await processTracked(deps, tracker, storedInput(p.partnerCode, p.customerId, tracker), message.taskId);
  };
}

/**
 * The worker gave up on processing a log (its task goes to the DLQ): a log left DOWNLOADED by its
 * failed attempts becomes FAILED with the last reason, so it no longer looks on its way. One a
 * sweep or a replay has moved on, or a manual file without a tracker, is left as it is.
 */
export function giveUpProcessing(deps: Pick<ProcessLogDeps, 'repositories' | 'logger'>): TaskGiveUpHandler<'PROCESS_PARTNER_LOG' | 'PROCESS_PARTNER_DATA_FILE'> {
  return async ({ message }, { category, reason }) => {
    const { trackerId } = message.payload;
    if (!trackerId) return;
    const failed = await deps.repositories.partnerLogTrackers.failDownloaded(trackerId, { category, message: reason });
    if (failed) deps.logger.warn({ taskId: message.taskId, trackerId, logId: failed.logId, customerId: failed.customerId, category, reason }, 'log processing given up; the log is FAILED');
  };
}

/**
 * PROCESS_PARTNER_DATA_FILE: the same processing for a file already stored (manual upload, or
 * reprocessing after a decoder fix). A tracker that is already PROCESSED is left as it is and
 * the application records are replaced.
 */
export function processPartnerDataFileHandler(deps: ProcessLogDeps): TaskHandler<'PROCESS_PARTNER_DATA_FILE'> {
  return async ({ message }) => {
    const p = message.payload;
    if (p.trackerId) {
      const claimed = await deps.repositories.partnerLogTrackers.claimForProcessing(p.trackerId, deps.workerId, deps.leaseMs);
      if (claimed) {
        await processTracked(deps, claimed, storedInput(p.partnerCode, p.customerId, claimed), message.taskId);
        return;
      }
    }
    // A finished tracker's raw log is held while it is read again, so the retention sweep leaves it be.
    const tracker = p.trackerId ? await holdRawLog(deps, p.customerId, p.trackerId) : null;
    const file = await deps.repositories.logFiles.findById(p.storedFileId);
    if (!file) throw new PermanentTaskError(ErrorCategory.NOT_FOUND, `stored file ${p.storedFileId} not found`);
    const result = await processLogFile(deps, {
      partnerCode: p.partnerCode,
      customerId: p.customerId,
      storedFileId: p.storedFileId,
      contentHash: file.contentHash,
      trackerId: tracker?.id ?? null,
      logId: tracker?.logId ?? null,
      aircraftId: tracker?.aircraftId ?? null,
      fileName: file.fileName,
      jobOverride: tracker?.matchOverride?.jobId ?? null,
    });
    if (result.outcome === 'unsupported') {
      countUnsupported(deps, p.partnerCode);
      throw new PermanentTaskError(ErrorCategory.DATA_FORMAT, `${result.reason} (stored file ${p.storedFileId})`);
    }
    if (result.outcome === 'unusable') throw new PermanentTaskError(ErrorCategory.DATA_FORMAT, `stored file ${p.storedFileId} is unusable: ${result.reason}`);
    // A file that applied nothing leaves a finished tracker and any records it already has as they are.
  };
}

function countUnsupported(deps: Pick<ProcessLogDeps, 'metrics'>, partnerCode: PartnerCode): void {
  deps.metrics.unsupportedLogs.inc({ partner_code: partnerCode });
}

async function holdRawLog(deps: ProcessLogDeps, customerId: string, trackerId: string): Promise<PartnerLogTracker> {
  const held = await deps.repositories.partnerLogTrackers.holdRawLog(customerId, trackerId);
  if (held) return held;
  const current = await deps.repositories.partnerLogTrackers.findById(customerId, trackerId);
  if (!current) throw new PermanentTaskError(ErrorCategory.NOT_FOUND, `tracker ${trackerId} not found`);
  if (current.rawLogRemovedAt) throw rawLogRemoved(current);
  return current; // it holds no raw log, so the sweep has nothing of it to remove
}

function rawLogRemoved(tracker: PartnerLogTracker): PermanentTaskError {
  return new PermanentTaskError(
    ErrorCategory.NOT_FOUND,
    `the raw log of tracker ${tracker.id} was removed by the retention policy at ${tracker.rawLogRemovedAt}; download it again to process it`,
  );
}

function storedInput(partnerCode: PartnerCode, customerId: string, tracker: PartnerLogTracker): StoredLogInput {
  if (!tracker.storedFileId || !tracker.contentHash) {
    throw new PermanentTaskError(ErrorCategory.INTERNAL, `tracker ${tracker.id} has no stored file`);
  }
  return {
    partnerCode,
    customerId,
    storedFileId: tracker.storedFileId,
    contentHash: tracker.contentHash,
    trackerId: tracker.id,
    logId: tracker.logId,
    aircraftId: tracker.aircraftId,
    fileName: tracker.fileName,
    jobOverride: tracker.matchOverride?.jobId ?? null,
  };
}
