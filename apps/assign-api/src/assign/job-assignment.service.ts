import { randomUUID } from 'node:crypto';
import {
  AssignStatus,
  AssignStatusName,
  PartnerCapability,
  TaskType,
  UploadSyncStatus,
  createTaskMessage,
  type Job,
  type JobAssign,
  type PartnerCode,
} from '@agair/domain-models';
import type { TaskPublisher } from '@agair/messaging';
import { isPartnerError, type PartnerServiceFactory } from '@agair/partner-sdk';
import type { Repositories } from '@agair/persistence';
import { PartnerNotEnabledError, PermanentTaskError, UploadInProgressError, assertPartnerEnabledFor, uploadAssignment } from '@agair/runtime';
import { BadRequestError, type Logger } from '@agair/service-kit';
import type { AssignMetrics } from './assign.metrics.js';
import type { PartnerHealthGate } from './partner-health.gate.js';

export interface AssignUserInput {
  userId: string;
  notes?: string;
}

export interface AssignmentOutcome {
  userId: string;
  assignId: string;
  partnerCode: PartnerCode | null;
  externalJobId: string | null;
  syncStatus: UploadSyncStatus;
  status: keyof typeof AssignStatus;
  /** False when the user already had this job: the existing assignment is reported. */
  created: boolean;
}

export interface AssignmentError {
  userId: string;
  code: string;
  message: string;
}

export interface AssignResult {
  ok: boolean;
  jobId: string;
  assignments: AssignmentOutcome[];
  unassigned: string[];
  errors: AssignmentError[];
}

export interface JobAssignmentDeps {
  repositories: Repositories;
  partners: PartnerServiceFactory;
  publisher: Pick<TaskPublisher, 'publish'>;
  health: PartnerHealthGate;
  metrics: AssignMetrics;
  logger: Logger;
  /** Budget of the immediate uploads of one request, health check included. */
  uploadTimeoutMs: number;
  enqueueTimeoutMs: number;
  /** Deletes a NEW or DOWNLOADED assignment; false when it is gone or has moved on. */
  removeAssignment(customerId: string, assignId: string): Promise<boolean>;
  /** Immediate uploads running at once per request. */
  uploadConcurrency?: number;
  /** `UPLOAD_CLAIM_MS`: how long an upload owns its assignment. */
  uploadClaimMs?: number;
}

class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

/** Resolves with `work`, or rejects with DeadlineExceeded at `deadlineMs` (work keeps running). */
async function beforeDeadline<T>(work: Promise<T>, deadlineMs: number): Promise<T> {
  const remaining = deadlineMs - Date.now();
  if (remaining <= 0) {
    work.catch(() => undefined);
    throw new DeadlineExceeded('no time left in the request budget');
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new DeadlineExceeded(`not finished within the request budget`)), remaining);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type Outcome = { kind: 'assigned'; outcome: AssignmentOutcome; error?: AssignmentError } | { kind: 'error'; error: AssignmentError };

/**
 * Assigns a job to internal users (pilots/aircraft) and unassigns others, with one outcome per
 * user. For a user flying a partner system the job is uploaded at once when the partner looks
 * healthy and answers within the request budget; otherwise an UPLOAD_PARTNER_JOB task is queued.
 */
export class JobAssignmentService {
  constructor(private readonly deps: JobAssignmentDeps) {}

  async assign(customerId: string, job: Job, assignUsers: readonly AssignUserInput[], unassignUserIds: readonly string[]): Promise<AssignResult> {
    await this.refusePartnerSystemUsers(customerId, [...assignUsers.map((u) => u.userId), ...unassignUserIds]);
    const deadlineMs = Date.now() + this.deps.uploadTimeoutMs;
    const outcomes = await mapLimited(assignUsers, this.deps.uploadConcurrency ?? 8, (input) => this.assignOne(customerId, job, input, deadlineMs));
    const assignments: AssignmentOutcome[] = [];
    const errors: AssignmentError[] = [];
    for (const o of outcomes) {
      if (o.kind === 'assigned') assignments.push(o.outcome);
      if (o.error) errors.push(o.error);
    }
    const unassigned: string[] = [];
    for (const userId of unassignUserIds) {
      const error = await this.unassignOne(customerId, job.id, userId);
      if (error) errors.push(error);
      else unassigned.push(userId);
    }
    return { ok: errors.length === 0, jobId: job.id, assignments, unassigned, errors };
  }

  /** Assignments take internal user ids only: a partner system user's id is a 400 naming it. */
  private async refusePartnerSystemUsers(customerId: string, userIds: readonly string[]): Promise<void> {
    const seen = new Set<string>();
    for (const id of userIds) {
      if (seen.has(id)) throw new BadRequestError(`User ${id} appears more than once in asUsers/avUsers`, { userId: id });
      seen.add(id);
    }
    const systemUserIds: string[] = [];
    for (const id of userIds) {
      if (await this.deps.repositories.internalUsers.findByIdForCustomer(customerId, id)) continue;
      if (await this.deps.repositories.partnerSystemUsers.findByIdForCustomer(customerId, id)) systemUserIds.push(id);
    }
    if (systemUserIds.length > 0) {
      throw new BadRequestError(
        `${systemUserIds.join(', ')} ${systemUserIds.length === 1 ? 'is a partner system user id' : 'are partner system user ids'}; assignments take internal user (pilot/aircraft) ids`,
        { partnerSystemUserIds: systemUserIds },
      );
    }
  }

  private async assignOne(customerId: string, job: Job, input: AssignUserInput, deadlineMs: number): Promise<Outcome> {
    const { repositories, metrics } = this.deps;
    const user = await repositories.internalUsers.findByIdForCustomer(customerId, input.userId);
    if (!user || !user.active) {
      metrics.count(null, 'failed');
      return {
        kind: 'error',
        error: user
          ? { userId: input.userId, code: 'USER_INACTIVE', message: `User ${input.userId} is deactivated` }
          : { userId: input.userId, code: 'USER_NOT_FOUND', message: `User ${input.userId} not found` },
      };
    }
    const partnerCode = user.partnerInfo?.partnerCode ?? null;
    const { assign, created } = await repositories.jobAssigns.assign({
      jobId: job.id,
      userId: user.id,
      customerId,
      partnerCode,
      partnerAircraftId: user.partnerInfo?.partnerAircraftId ?? null,
      ...(input.notes !== undefined ? { notes: input.notes } : {}),
    });
    const log = this.deps.logger.child({ assignId: assign.id, customerId, partnerCode: assign.partnerCode, jobId: job.id, userId: user.id });
    log.info({ created }, created ? 'job assigned' : 'job was already assigned to this user');

    if (!assign.partnerCode || assign.status !== AssignStatus.NEW) {
      metrics.count(assign.partnerCode, assign.status === AssignStatus.UPLOADED ? 'synced' : 'internal');
      return { kind: 'assigned', outcome: this.outcome(assign, created) };
    }
    return this.dispatch(customerId, assign, created, deadlineMs, log);
  }

  private async dispatch(customerId: string, assign: JobAssign, created: boolean, deadlineMs: number, log: Logger): Promise<Outcome> {
    const partnerCode = assign.partnerCode as PartnerCode;
    const { partners, health, metrics, repositories } = this.deps;
    /** The upload is not attempted: recorded failed on the assignment, reported for the user. */
    const notAttempted = async (code: string, message: string): Promise<Outcome> => {
      const failed = await repositories.jobAssigns.recordUploadFailure(customerId, assign.id, { error: message, syncStatus: UploadSyncStatus.FAILED });
      metrics.count(partnerCode, 'failed');
      log.warn({ code, reason: message }, 'upload not attempted');
      return { kind: 'assigned', outcome: this.outcome(failed ?? assign, created), error: { userId: assign.userId, code, message } };
    };
    if (!partners.implemented.includes(partnerCode)) return notAttempted('PARTNER_NOT_IMPLEMENTED', `Uploading to ${partnerCode} is not implemented yet`);
    // Before the health check, which would call the partner: an inactive partner, or one the
    // customer has no subscription to, gets no call at all.
    try {
      await assertPartnerEnabledFor(repositories, customerId, partnerCode, PartnerCapability.JOB_UPLOAD);
    } catch (err) {
      if (!(err instanceof PartnerNotEnabledError)) throw err;
      return notAttempted(err.code, err.message);
    }

    let queueReason: string;
    const verdict = await beforeDeadline(health.verdict(partnerCode), deadlineMs).catch((): { healthy: false; reason: string } => ({
      healthy: false,
      reason: 'health-check-timeout',
    }));
    if (verdict.healthy) {
      const upload = uploadAssignment({ repositories, partners, ...(this.deps.uploadClaimMs === undefined ? {} : { claimMs: this.deps.uploadClaimMs }) }, customerId, assign.id);
      try {
        const result = await beforeDeadline(upload, deadlineMs);
        if (created) metrics.uploadedAfter(partnerCode, Math.max(0, (Date.now() - Date.parse(assign.createdAt)) / 1000));
        metrics.count(partnerCode, 'synced');
        log.info({ extJobId: result.extJobId }, 'job uploaded to the partner');
        return { kind: 'assigned', outcome: this.outcome(result.assign, created) };
      } catch (err) {
        if (err instanceof DeadlineExceeded) {
          // The upload goes on; its result lands on the assignment (see README: late uploads).
          upload.then(
            (late) => log.info({ extJobId: late.extJobId }, 'timed-out upload completed later'),
            (lateErr: unknown) => log.warn({ reason: errorText(lateErr) }, 'timed-out upload failed later'),
          );
          queueReason = 'upload-timeout';
        } else if (err instanceof PermanentTaskError || (isPartnerError(err) && !err.retryable)) {
          metrics.count(partnerCode, 'failed');
          log.warn({ reason: errorText(err) }, 'immediate upload failed and cannot succeed on retry');
          const current = await repositories.jobAssigns.findById(customerId, assign.id);
          return { kind: 'assigned', outcome: this.outcome(current ?? assign, created), error: { userId: assign.userId, code: failureCode(err), message: errorText(err) } };
        } else if (err instanceof UploadInProgressError) {
          // Another request is sending it (an identical assign a moment ago): the queued task finds it done.
          queueReason = 'upload-in-progress';
          log.info('another caller is uploading this assignment; queueing it behind that upload');
        } else {
          queueReason = isPartnerError(err) ? err.category : 'internal';
          log.warn({ reason: errorText(err) }, 'immediate upload failed; queueing it');
        }
        if (!(err instanceof UploadInProgressError)) health.invalidate(partnerCode);
      }
    } else {
      queueReason = verdict.reason ?? 'unhealthy';
    }
    return this.enqueue(customerId, assign, created, queueReason, log);
  }

  private async enqueue(customerId: string, assign: JobAssign, created: boolean, reason: string, log: Logger): Promise<Outcome> {
    const partnerCode = assign.partnerCode as PartnerCode;
    const { repositories, metrics } = this.deps;
    const queued = await repositories.jobAssigns.markUploadQueued(customerId, assign.id);
    const message = createTaskMessage(
      TaskType.UPLOAD_PARTNER_JOB,
      { assignId: assign.id, customerId, partnerCode },
      { taskId: `upload:${assign.id}:${randomUUID()}`, createdAt: new Date() },
    );
    try {
      let timer: NodeJS.Timeout | undefined;
      const publishing = this.deps.publisher.publish(message);
      try {
        await Promise.race([
          publishing,
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error(`the broker did not confirm within ${this.deps.enqueueTimeoutMs} ms`)), this.deps.enqueueTimeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      const text = `could not queue the upload: ${errorText(err)}`;
      const failed = await repositories.jobAssigns.recordUploadFailure(customerId, assign.id, { error: text, syncStatus: UploadSyncStatus.FAILED });
      metrics.count(partnerCode, 'failed');
      log.error({ reason: errorText(err), taskId: message.taskId }, 'queueing the upload failed');
      return {
        kind: 'assigned',
        outcome: this.outcome(failed ?? assign, created),
        error: { userId: assign.userId, code: 'QUEUE_UNAVAILABLE', message: 'The upload could not be queued; assign again to retry (it may still be delivered if the broker confirms late)' },
      };
    }
    metrics.count(partnerCode, 'queued');
    log.info({ taskId: message.taskId, reason }, 'upload queued');
    // A worker may have uploaded it already; report what is stored then.
    const current = (await repositories.jobAssigns.findById(customerId, assign.id)) ?? queued ?? assign;
    return { kind: 'assigned', outcome: this.outcome(current, created) };
  }

  private async unassignOne(customerId: string, jobId: string, userId: string): Promise<AssignmentError | null> {
    const [assign] = await this.deps.repositories.jobAssigns.listByCustomer(customerId, { jobId, userId, limit: 1 });
    if (!assign) return { userId, code: 'NOT_ASSIGNED', message: `User ${userId} has no assignment of this job` };
    if (assign.status === AssignStatus.UPLOADED) {
      return { userId, code: 'ALREADY_UPLOADED', message: `The job is already on the ${assign.partnerCode ?? 'partner'} aircraft; it is kept so its flight logs are collected` };
    }
    if (!(await this.deps.removeAssignment(customerId, assign.id))) {
      if ((await this.deps.repositories.jobAssigns.uploadClaimedUntil(customerId, assign.id)) !== null) {
        return { userId, code: 'UPLOAD_IN_PROGRESS', message: 'The job is being sent to the aircraft right now; try again once it is there (then it is kept) or has failed' };
      }
      return { userId, code: 'ASSIGNMENT_CHANGED', message: 'The assignment changed while it was being removed; try again' };
    }
    this.deps.metrics.count(assign.partnerCode, 'unassigned');
    this.deps.logger.info({ assignId: assign.id, customerId, partnerCode: assign.partnerCode, jobId, userId }, 'job unassigned');
    return null;
  }

  private outcome(assign: JobAssign, created: boolean): AssignmentOutcome {
    return {
      userId: assign.userId,
      assignId: assign.id,
      partnerCode: assign.partnerCode,
      externalJobId: assign.extJobId,
      syncStatus: assign.upload.syncStatus,
      status: AssignStatusName[assign.status],
      created,
    };
  }
}

function failureCode(err: unknown): string {
  if (err instanceof PartnerNotEnabledError) return err.code;
  if (err instanceof PermanentTaskError) return err.category === 'auth' ? 'NO_PARTNER_CREDENTIALS' : 'UPLOAD_FAILED';
  if (isPartnerError(err)) {
    switch (err.category) {
      case 'data-format':
        return 'PARTNER_REJECTED_JOB';
      case 'not-found':
        return 'PARTNER_AIRCRAFT_NOT_FOUND';
      case 'not-implemented':
        return 'PARTNER_NOT_IMPLEMENTED';
      default:
        return 'UPLOAD_FAILED';
    }
  }
  return 'UPLOAD_FAILED';
}
