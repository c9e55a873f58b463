import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { AssignStatus, ErrorCategory, PartnerCapability, UploadSyncStatus, type Job, type JobAssign, type PartnerCode } from '@agair/domain-models';
import { isPartnerError, type PartnerServiceFactory } from '@agair/partner-sdk';
import type { Repositories } from '@agair/persistence';
import { jobFileFromGeoJson } from '@agair/satloc-parser';
import { assertPartnerEnabledFor, PartnerNotEnabledError } from './partner-access.js';
import { PermanentTaskError, RetryLaterTaskError } from './task-queue.js';

export interface UploadAssignmentDeps {
  repositories: Repositories;
  partners: PartnerServiceFactory;
  /**
   * Waits between attempts to record an upload the partner has accepted (default about 16 s in
   * all). Giving up means the task's retry uploads the job again, and the partner has no
   * idempotency key, so a database blip is waited out here instead.
   */
  recordRetryDelaysMs?: readonly number[];
  /**
   * How long a caller owns the upload before another may send the job (`UPLOAD_CLAIM_MS`, default
   * 2 minutes): far above one partner call with its retries (SATLOC_TIMEOUT_MS 15 s, 3 attempts)
   * plus recording.
   */
  claimMs?: number;
}

const UPLOAD_CLAIM_MS = 120_000;

/** The partner accepted the job, and recording that on the assignment kept failing. */
class UploadNotRecordedError extends Error {
  override readonly name = 'UploadNotRecordedError';
}

/**
 * Another caller is sending this assignment's job to the partner right now. Its result lands on
 * the assignment; a caller that needs one queues the upload, and the queued task finds it done.
 */
export class UploadInProgressError extends RetryLaterTaskError {
  override readonly name = 'UploadInProgressError';
  constructor(
    readonly assignId: string,
    /** When the other caller's claim runs out; a queued task looks again just after (or in 30 s, not knowing). */
    claimedUntil: Date | null,
  ) {
    super(claimedUntil ? Math.max(1000, claimedUntil.getTime() - Date.now() + 500) : 30_000, `assignment ${assignId} is being uploaded by another caller`);
  }
}

const RECORD_RETRY_DELAYS_MS: readonly number[] = [100, 250, 500, 1000, 2000, 4000, 8000];

export type UploadOutcome =
  | { status: 'uploaded'; assign: JobAssign; extJobId: string }
  /** Uploaded before (or by a concurrent caller): nothing was sent again. */
  | { status: 'already_uploaded'; assign: JobAssign; extJobId: string };

/**
 * `.JOB <number>`: SatLoc job numbers are integers; ours are ObjectIds. The low 24 bits of the id
 * (its counter part) give a stable number per job.
 */
export function jobNumberFor(jobId: string): number {
  return Number.parseInt(jobId.slice(-6), 16);
}

/**
 * Sends an assignment's job to the partner aircraft as a `.JOB` file and records the partner's
 * job id. Idempotent on the assignment: an UPLOADED assignment is not sent again, and the job is
 * sent by one caller at a time (a claim on the assignment; `UploadInProgressError` for the others).
 * Failures are recorded on the assignment (attempts, last error) and rethrown for the caller's
 * retry policy; a failure no retry can fix is a PermanentTaskError.
 */
export async function uploadAssignment(deps: UploadAssignmentDeps, customerId: string, assignId: string): Promise<UploadOutcome> {
  const { repositories } = deps;
  const assign = await repositories.jobAssigns.findById(customerId, assignId);
  if (!assign) throw new PermanentTaskError(ErrorCategory.NOT_FOUND, `assignment ${assignId} not found`);
  if (assign.status === AssignStatus.UPLOADED && assign.extJobId) return { status: 'already_uploaded', assign, extJobId: assign.extJobId };
  if (!assign.partnerCode || !assign.partnerAircraftId) {
    throw new PermanentTaskError(ErrorCategory.DATA_FORMAT, `assignment ${assignId} is not for a partner aircraft`);
  }
  const job = await repositories.jobs.findById(customerId, assign.jobId);
  if (!job) throw new PermanentTaskError(ErrorCategory.NOT_FOUND, `job ${assign.jobId} not found`);
  await assertUploadEnabled(repositories, customerId, assignId, assign.partnerCode);

  const owner = randomUUID();
  if (!(await repositories.jobAssigns.claimUpload(customerId, assignId, owner, deps.claimMs ?? UPLOAD_CLAIM_MS))) {
    const current = await repositories.jobAssigns.findById(customerId, assignId);
    if (current?.status === AssignStatus.UPLOADED && current.extJobId) return { status: 'already_uploaded', assign: current, extJobId: current.extJobId };
    if (current?.status !== AssignStatus.NEW) throw new PermanentTaskError(ErrorCategory.NOT_FOUND, `assignment ${assignId} is ${current?.status ?? 'gone'}; nothing to upload`);
    throw new UploadInProgressError(assignId, await repositories.jobAssigns.uploadClaimedUntil(customerId, assignId));
  }
  try {
    return await sendClaimed(deps, assign, job, customerId, assignId);
  } catch (err) {
    // Not sent: the next caller (the task's retry) may send it at once; if the release fails too,
    // the claim expires. Sent but not recorded: the claim stays, so a retry waits it out and finds
    // the record (or, after the claim's time, sends the job again: see README, known limits).
    if (!(err instanceof UploadNotRecordedError)) await repositories.jobAssigns.releaseUploadClaim(customerId, assignId, owner).catch(() => false);
    throw err;
  }
}

/**
 * Throws `PartnerNotEnabledError` unless the partner is active with `job_upload` and the customer
 * subscribed to it, and records it on the assignment: a failed upload until an admin changes the
 * partner or the customer.
 */
export async function assertUploadEnabled(
  repositories: Pick<Repositories, 'partners' | 'customers' | 'jobAssigns'>,
  customerId: string,
  assignId: string,
  partnerCode: PartnerCode,
): Promise<void> {
  try {
    await assertPartnerEnabledFor(repositories, customerId, partnerCode, PartnerCapability.JOB_UPLOAD);
  } catch (err) {
    if (err instanceof PartnerNotEnabledError) await repositories.jobAssigns.recordUploadFailure(customerId, assignId, { error: err.message, syncStatus: UploadSyncStatus.FAILED });
    throw err;
  }
}

/** The upload itself, under the caller's claim. */
async function sendClaimed(deps: UploadAssignmentDeps, assign: JobAssign, job: Job, customerId: string, assignId: string): Promise<UploadOutcome> {
  const { repositories } = deps;
  const partnerCode = assign.partnerCode as PartnerCode;
  const aircraftId = assign.partnerAircraftId as string;

  const fail = async (error: string, permanent: boolean): Promise<void> => {
    await repositories.jobAssigns.recordUploadFailure(customerId, assignId, {
      error,
      syncStatus: permanent ? UploadSyncStatus.FAILED : UploadSyncStatus.QUEUED,
    });
  };

  const credentials = await repositories.partnerSystemUsers.getCredentials(customerId, partnerCode);
  if (!credentials) {
    const message = `customer ${customerId} has no active ${partnerCode} credentials`;
    await fail(message, true);
    throw new PermanentTaskError(ErrorCategory.AUTH, message);
  }

  let extJobId: string;
  try {
    ({ extJobId } = await deps.partners.get(partnerCode).uploadJobDataToAircraft(credentials, {
      aircraftId,
      jobFile: jobFileFromGeoJson(jobNumberFor(job.id), job.name, job.boundary, job.exclusions),
      fileName: job.name,
    }));
  } catch (err) {
    const permanent = err instanceof PermanentTaskError || (isPartnerError(err) && !err.retryable);
    await fail(err instanceof Error ? err.message : String(err), permanent);
    throw err;
  }

  const uploaded = await recordUploaded(deps, customerId, assignId, extJobId);
  if (uploaded) return { status: 'uploaded', assign: uploaded, extJobId };
  // Lost a race with another uploader: report what is stored.
  const current = await repositories.jobAssigns.findById(customerId, assignId);
  if (current?.status === AssignStatus.UPLOADED && current.extJobId) return { status: 'already_uploaded', assign: current, extJobId: current.extJobId };
  throw new Error(`assignment ${assignId} changed while it was being uploaded`);
}

/** `markUploaded`, retried while the database is away; it is idempotent (a conditional transition). */
async function recordUploaded(deps: UploadAssignmentDeps, customerId: string, assignId: string, extJobId: string): Promise<JobAssign | null> {
  const delays = deps.recordRetryDelaysMs ?? RECORD_RETRY_DELAYS_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.repositories.jobAssigns.markUploaded(customerId, assignId, extJobId);
    } catch (err) {
      const delay = delays[attempt];
      if (delay === undefined) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new UploadNotRecordedError(`the partner accepted assignment ${assignId} as job ${extJobId}, but recording it failed: ${reason}`, { cause: err });
      }
      await sleep(delay);
    }
  }
}
