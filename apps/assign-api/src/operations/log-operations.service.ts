import { createHash, randomUUID } from 'node:crypto';
import {
  DataFileReason,
  PartnerLogTrackerState,
  TaskType,
  createTaskMessage,
  type Job,
  type PartnerCode,
  type PartnerLogTracker,
} from '@agair/domain-models';
import type { TaskPublisher } from '@agair/messaging';
import type { OperatorAction, Repositories } from '@agair/persistence';
import { AppError, NotFoundError, type Logger } from '@agair/service-kit';

/** Who asks, and the key that makes a repeated request the same request. */
export interface OperatorRequest {
  actor: string;
  idempotencyKey?: string;
  reason?: string;
}

export interface QueuedReprocess {
  trackerId: string;
  logId: string;
  taskId: string;
}

export interface NotReprocessed {
  trackerId: string;
  logId: string;
  state: PartnerLogTrackerState;
  reason: string;
}

export interface StateChange {
  trackerId: string;
  logId: string;
  from: PartnerLogTrackerState;
  state: PartnerLogTrackerState;
  /** False for a repeat: the log was already where it was asked to go. */
  changed: boolean;
}

/** A flight log an operator uploads by hand, with where it came from. */
export interface ManualLog {
  customerId: string;
  partnerCode: PartnerCode;
  aircraftId: string;
  fileName: string;
  /** The job it belongs to, when the operator knows: it is then not matched by its contents. */
  jobId: string | null;
  bytes: AsyncIterable<Uint8Array>;
}

export interface UploadedLog {
  /** False when the customer already had these bytes: `log` is the log that holds them. */
  created: boolean;
  /** The processing task queued, or null when none was (the bytes were already there and on their way or done). */
  taskId: string | null;
  log: PartnerLogTracker;
}

export interface Rematched {
  trackerId: string;
  logId: string;
  jobId: string | null;
  /** The reprocessing queued, or null when the log's first processing is still to come and will use the job. */
  taskId: string | null;
}

export interface LogOperationsDeps {
  repositories: Repositories;
  /** Publishes PROCESS_PARTNER_DATA_FILE (the processing pool's queue). */
  publisher: TaskPublisher;
  logger: Logger;
  /** A "reprocess since" request touching more logs than this is refused (422): narrow it. */
  maxLogsPerRequest: number;
}

const PAGE = 500;

/**
 * What an operator does to flight logs, each recorded (who, when, what, outcome) in the
 * customer's audit trail: reprocess (after a decoder or statistics change), download again (a
 * FAILED download), skip (a PENDING log that should not be collected). Each is idempotent: a
 * repeat with the same `Idempotency-Key` queues the same task id (which runs once); a repeated
 * state change reports `changed: false`.
 */
export class LogOperationsService {
  constructor(private readonly deps: LogOperationsDeps) {}

  async reprocessLog(customerId: string, trackerId: string, request: OperatorRequest): Promise<QueuedReprocess> {
    const tracker = await this.tracker(customerId, trackerId);
    const refusal = whyNotReprocessable(tracker);
    if (refusal) throw new AppError(409, 'LOG_NOT_REPROCESSABLE', refusal);
    const queued = await this.publishReprocess(tracker, request);
    await this.record(request, customerId, 'reprocess_log', { kind: 'partner_log_tracker', id: tracker.id }, { taskId: queued.taskId, state: tracker.state });
    return queued;
  }

  /** Every processed or failed log of the job that has its raw bytes; the others are listed with why not. */
  async reprocessJob(job: Job, request: OperatorRequest): Promise<{ queued: QueuedReprocess[]; notQueued: NotReprocessed[] }> {
    const files = await this.deps.repositories.applicationRecords.listFilesByCustomer(job.customerId, { jobId: job.id, limit: this.deps.maxLogsPerRequest + 1 });
    if (files.length > this.deps.maxLogsPerRequest) throw tooMany(this.deps.maxLogsPerRequest);
    const trackers: PartnerLogTracker[] = [];
    for (const file of files) {
      if (!file.logId) continue;
      const tracker = await this.deps.repositories.partnerLogTrackers.findByLog(file.partnerCode, job.customerId, file.logId);
      if (tracker && !trackers.some((t) => t.id === tracker.id)) trackers.push(tracker);
    }
    const result = await this.reprocessAll(trackers, request);
    await this.record(request, job.customerId, 'reprocess_job', { kind: 'job', id: job.id }, { queued: result.queued.length, notQueued: result.notQueued.length });
    return result;
  }

  /** The customer's logs first listed at or after `since` that were processed (or failed with their bytes kept). */
  async reprocessSince(customerId: string, since: Date, request: OperatorRequest): Promise<{ queued: QueuedReprocess[]; notQueued: NotReprocessed[] }> {
    const trackers: PartnerLogTracker[] = [];
    // One state at a time: the database reads only the logs that can be reprocessed (an equality
    // on the state is what FerretDB pushes down to an index; `$in` it filters after the scan).
    for (const state of [PartnerLogTrackerState.PROCESSED, PartnerLogTrackerState.FAILED]) {
      let after: string | undefined;
      do {
        const page = await this.deps.repositories.partnerLogTrackers.page(customerId, { createdFrom: since, state }, { limit: PAGE, ...(after ? { after } : {}) });
        trackers.push(...page.items);
        if (trackers.length > this.deps.maxLogsPerRequest) throw tooMany(this.deps.maxLogsPerRequest);
        after = page.next ?? undefined;
      } while (after);
    }
    const result = await this.reprocessAll(trackers, request);
    await this.record(request, customerId, 'reprocess_since', { kind: 'customer', id: customerId }, { since: since.toISOString(), queued: result.queued.length, notQueued: result.notQueued.length });
    return result;
  }

  /** FAILED → PENDING: the poller downloads it again the next time it lists the aircraft's logs. */
  async redownload(customerId: string, trackerId: string, request: OperatorRequest): Promise<StateChange> {
    const tracker = await this.tracker(customerId, trackerId);
    if (tracker.state === PartnerLogTrackerState.PENDING) return this.change(request, 'redownload_log', tracker, tracker.state, false);
    if (tracker.state !== PartnerLogTrackerState.FAILED) {
      throw new AppError(409, 'LOG_NOT_FAILED', `log ${tracker.logId} is ${tracker.state}; only a FAILED log is downloaded again`);
    }
    const moved = await this.deps.repositories.partnerLogTrackers.retryDownload(tracker.id);
    if (!moved) throw new AppError(409, 'LOG_CHANGED', `log ${tracker.logId} changed while it was being reset (or its raw log is being removed); look again`);
    return this.change(request, 'redownload_log', tracker, moved.state, true);
  }

  /** PENDING → SKIPPED with the operator's reason: the log will not be collected. */
  async skip(customerId: string, trackerId: string, request: OperatorRequest): Promise<StateChange> {
    const tracker = await this.tracker(customerId, trackerId);
    if (tracker.state === PartnerLogTrackerState.SKIPPED) return this.change(request, 'skip_log', tracker, tracker.state, false);
    if (tracker.state !== PartnerLogTrackerState.PENDING) {
      throw new AppError(409, 'LOG_NOT_PENDING', `log ${tracker.logId} is ${tracker.state}; only a PENDING log (not yet downloaded) can be skipped`);
    }
    const moved = await this.deps.repositories.partnerLogTrackers.skipPending(tracker.id);
    if (!moved) throw new AppError(409, 'LOG_CHANGED', `log ${tracker.logId} changed while it was being skipped; look again`);
    return this.change(request, 'skip_log', tracker, moved.state, true);
  }

  /**
   * Stores a log file an operator obtained by hand (as it streams in, never whole in memory), makes
   * it a log of the customer (DOWNLOADED, id `manual-<content hash>`) and queues its processing
   * (PROCESS_PARTNER_DATA_FILE, reason manual_upload). Bytes the customer already has are not
   * stored twice: the log holding them is returned (`created: false`).
   */
  async uploadLog(upload: ManualLog, request: OperatorRequest): Promise<UploadedLog> {
    const { repositories } = this.deps;
    if (upload.jobId && !(await repositories.jobs.findById(upload.customerId, upload.jobId))) throw new NotFoundError('Job');
    const file = await repositories.logFiles.storeStream(upload.bytes, { fileName: upload.fileName, partnerCode: upload.partnerCode, customerId: upload.customerId });
    const holder = await repositories.partnerLogTrackers.findByContentHash(upload.customerId, file.contentHash);
    const { tracker, created } =
      holder && holder.storedFileId
        ? { tracker: holder, created: false }
        : await repositories.partnerLogTrackers.insertUploaded(
            { partnerCode: upload.partnerCode, customerId: upload.customerId, aircraftId: upload.aircraftId, logId: `manual-${file.contentHash.slice(0, 40)}`, fileName: upload.fileName },
            file,
            upload.jobId ? { jobId: upload.jobId, by: request.actor } : null,
          );
    // A new log, or one whose first publish did not happen (a broker outage cut the earlier request short).
    const queued = tracker.state === PartnerLogTrackerState.DOWNLOADED && !tracker.enqueuedAt ? await this.publishManual(tracker) : null;
    const taskId = queued?.taskId ?? null;
    await this.record(request, upload.customerId, 'upload_log', { kind: 'partner_log_tracker', id: tracker.id }, { created, sizeBytes: file.sizeBytes, contentHash: file.contentHash, taskId });
    return { created, taskId, log: queued?.tracker ?? tracker };
  }

  /**
   * Names the job a log belongs to (or, with null, goes back to matching it by its contents) and
   * processes it again for that job: its application record moves, and both jobs' records are
   * recomputed. A log not processed yet keeps the choice for its first processing.
   */
  async rematch(customerId: string, trackerId: string, jobId: string | null, request: OperatorRequest): Promise<Rematched> {
    const { repositories } = this.deps;
    const tracker = await this.tracker(customerId, trackerId);
    if (jobId && !(await repositories.jobs.findById(customerId, jobId))) throw new NotFoundError('Job');
    const beforeProcessing = NOT_PROCESSED_YET.includes(tracker.state);
    const refusal = beforeProcessing ? null : whyNotRematchable(tracker);
    if (refusal) throw new AppError(409, 'LOG_NOT_REMATCHABLE', refusal);
    const updated = await repositories.partnerLogTrackers.setMatchOverride(customerId, trackerId, jobId ? { jobId, by: request.actor } : null);
    if (!updated) throw new NotFoundError('Log');
    const taskId = beforeProcessing ? null : (await this.publishReprocess(updated, request)).taskId;
    await this.record(request, customerId, 'match_log', { kind: 'partner_log_tracker', id: tracker.id }, { from: tracker.matchOverride?.jobId ?? null, jobId, taskId });
    return { trackerId: tracker.id, logId: tracker.logId, jobId, taskId };
  }

  private async publishManual(tracker: PartnerLogTracker): Promise<{ taskId: string; tracker: PartnerLogTracker }> {
    const taskId = await this.publishDataFile(tracker, DataFileReason.MANUAL_UPLOAD, `manual:${tracker.id}`);
    // Published: the poller's sweep for DOWNLOADED logs never queued leaves it be. Null when the
    // worker was quicker and has already claimed it.
    const enqueued = await this.deps.repositories.partnerLogTrackers.markEnqueued(tracker.id);
    this.deps.logger.info({ taskId, trackerId: tracker.id, logId: tracker.logId, customerId: tracker.customerId }, 'manually uploaded log queued for processing');
    return { taskId, tracker: enqueued ?? tracker };
  }

  private async reprocessAll(trackers: readonly PartnerLogTracker[], request: OperatorRequest): Promise<{ queued: QueuedReprocess[]; notQueued: NotReprocessed[] }> {
    const queued: QueuedReprocess[] = [];
    const notQueued: NotReprocessed[] = [];
    for (const tracker of trackers) {
      const refusal = whyNotReprocessable(tracker);
      if (refusal) notQueued.push({ trackerId: tracker.id, logId: tracker.logId, state: tracker.state, reason: refusal });
      else queued.push(await this.publishReprocess(tracker, request));
    }
    return { queued, notQueued };
  }

  private async publishReprocess(tracker: PartnerLogTracker, request: OperatorRequest): Promise<QueuedReprocess> {
    const taskId = await this.publishDataFile(tracker, DataFileReason.REPROCESS, `reprocess:${tracker.id}:${request.idempotencyKey ? keyed(request.actor, request.idempotencyKey) : randomUUID()}`);
    this.deps.logger.info({ taskId, trackerId: tracker.id, logId: tracker.logId, customerId: tracker.customerId, actor: request.actor }, 'log reprocessing queued');
    return { trackerId: tracker.id, logId: tracker.logId, taskId };
  }

  /** PROCESS_PARTNER_DATA_FILE for a log whose bytes are stored (the caller checked). */
  private async publishDataFile(tracker: PartnerLogTracker, reason: DataFileReason, taskId: string): Promise<string> {
    const payload = {
      customerId: tracker.customerId,
      partnerCode: tracker.partnerCode,
      storedFileId: tracker.storedFileId as string,
      contentHash: tracker.contentHash as string,
      trackerId: tracker.id,
      reason,
    };
    await this.deps.publisher.publish(createTaskMessage(TaskType.PROCESS_PARTNER_DATA_FILE, payload, { taskId, createdAt: new Date() }));
    return taskId;
  }

  private async tracker(customerId: string, trackerId: string): Promise<PartnerLogTracker> {
    const tracker = await this.deps.repositories.partnerLogTrackers.findById(customerId, trackerId);
    if (!tracker) throw new NotFoundError('Log');
    return tracker;
  }

  private async change(request: OperatorRequest, action: string, tracker: PartnerLogTracker, state: PartnerLogTrackerState, changed: boolean): Promise<StateChange> {
    await this.record(request, tracker.customerId, action, { kind: 'partner_log_tracker', id: tracker.id }, { from: tracker.state, state, changed });
    return { trackerId: tracker.id, logId: tracker.logId, from: tracker.state, state, changed };
  }

  private async record(request: OperatorRequest, customerId: string, action: string, target: OperatorAction['target'], outcome: OperatorAction['outcome']): Promise<void> {
    await this.deps.repositories.operatorActions.record({ actor: request.actor, action, customerId, target, reason: request.reason ?? null, outcome });
  }
}

/** Null when the log can be processed again from its stored bytes; otherwise why not. */
function whyNotReprocessable(tracker: PartnerLogTracker): string | null {
  if (tracker.rawLogRemovedAt) return `the raw log was removed by the retention policy at ${tracker.rawLogRemovedAt}; download it again first`;
  if (tracker.state !== PartnerLogTrackerState.PROCESSED && tracker.state !== PartnerLogTrackerState.FAILED) {
    return `log ${tracker.logId} is ${tracker.state}; only a PROCESSED or FAILED log is reprocessed`;
  }
  if (!tracker.storedFileId || !tracker.contentHash) return `log ${tracker.logId} was never downloaded; download it again first`;
  return null;
}

/** States before the first processing: a job chosen now is used by it, without a reprocessing. */
const NOT_PROCESSED_YET: readonly PartnerLogTrackerState[] = [PartnerLogTrackerState.PENDING, PartnerLogTrackerState.DOWNLOADING, PartnerLogTrackerState.DOWNLOADED];

/** Null when a processed (or failed) log can be matched to another job and processed again. */
function whyNotRematchable(tracker: PartnerLogTracker): string | null {
  if (tracker.state === PartnerLogTrackerState.PROCESSING) return `log ${tracker.logId} is being processed; try again when it is done`;
  if (tracker.state === PartnerLogTrackerState.SKIPPED) return `log ${tracker.logId} is SKIPPED (${tracker.skip?.reason ?? 'by an operator'}): it applied nothing to match`;
  return whyNotReprocessable(tracker);
}

function keyed(actor: string, key: string): string {
  return createHash('sha256').update(`${actor}\n${key}`).digest('hex').slice(0, 32);
}

function tooMany(max: number): AppError {
  return new AppError(422, 'TOO_MANY_LOGS', `more than ${max} logs match; narrow the request (a later date, one job)`);
}
