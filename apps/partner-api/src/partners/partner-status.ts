import { AssignStatus, UploadSyncStatus, type PartnerCode } from '@agair/domain-models';
import type { PartnerHealth } from '@agair/partner-sdk';
import {
  JOB_ASSIGNS_COLLECTION,
  PARTNER_LOG_TRACKERS_COLLECTION,
  PollRunStatus,
  fromObjectIdOrNull,
  toIso,
  toObjectId,
  type PollRun,
  type Repositories,
} from '@agair/persistence';
import type { Db, Filter, ObjectId } from 'mongodb';

export interface RecentPartnerError {
  source: 'poll-run' | 'log-tracker';
  category: string;
  message: string;
  at: string;
  customerId: string | null;
}

export interface PartnerStatus {
  partnerId: string;
  partnerCode: PartnerCode;
  status: 'online' | 'offline';
  breakerState: PartnerHealth['breakerState'];
  lastHealthCheck: { up: boolean; reason: string | null; latencyMs: number | null; checkedAt: string };
  lastSuccessfulSyncAt: string | null;
  lastPollRun: { id: string; status: string; startedAt: string; finishedAt: string | null; errorCount: number } | null;
  activeJobs: number;
  pendingUploads: number;
  recentErrors: RecentPartnerError[];
}

export const RECENT_ERRORS_LIMIT = 10;

/** Poll runs of this partner, or covering every partner (`partnerCode: null`), newest first. */
export function runsOfPartner(runs: readonly PollRun[], partnerCode: PartnerCode): PollRun[] {
  return runs.filter((run) => run.partnerCode === null || run.partnerCode === partnerCode);
}

/**
 * The status page of one partner, computed in code (FerretDB 1.x has few aggregation
 * operators): online when the last health check answered and the shared breaker is not open.
 * A customer's view (`customerId` set) counts only its own jobs and errors.
 */
export function summarizePartnerStatus(input: {
  partnerId: string;
  partnerCode: PartnerCode;
  health: PartnerHealth;
  runs: readonly PollRun[];
  activeJobs: number;
  pendingUploads: number;
  trackerErrors: readonly RecentPartnerError[];
  customerId?: string;
}): PartnerStatus {
  const runs = runsOfPartner(input.runs, input.partnerCode);
  const lastSuccess = runs.find((run) => run.status === PollRunStatus.SUCCEEDED && run.finishedAt !== null);
  const last = runs[0];
  const runErrors: RecentPartnerError[] = runs.flatMap((run) =>
    run.errors
      .filter((e) => e.partnerCode === null || e.partnerCode === input.partnerCode)
      .filter((e) => input.customerId === undefined || e.customerId === input.customerId)
      .map((e) => ({ source: 'poll-run' as const, category: e.category, message: e.message, at: e.at, customerId: e.customerId })),
  );
  const recentErrors = [...runErrors, ...input.trackerErrors].sort((a, b) => b.at.localeCompare(a.at)).slice(0, RECENT_ERRORS_LIMIT);
  const online = input.health.up && input.health.breakerState !== 'open';
  return {
    partnerId: input.partnerId,
    partnerCode: input.partnerCode,
    status: online ? 'online' : 'offline',
    breakerState: input.health.breakerState,
    lastHealthCheck: { up: input.health.up, reason: input.health.reason, latencyMs: input.health.latencyMs, checkedAt: input.health.checkedAt },
    lastSuccessfulSyncAt: lastSuccess?.finishedAt ?? null,
    lastPollRun: last ? { id: last.id, status: last.status, startedAt: last.startedAt, finishedAt: last.finishedAt, errorCount: last.errorCount } : null,
    activeJobs: input.activeJobs,
    pendingUploads: input.pendingUploads,
    recentErrors,
  };
}

interface AssignCountDocument {
  partnerCode: PartnerCode | null;
  customerId: ObjectId;
  status: number;
  'upload.syncStatus'?: string;
}

interface TrackerErrorDocument {
  partnerCode: PartnerCode;
  customerId: ObjectId;
  state: string;
  error: { category: string; message: string; at: Date } | null;
  updatedAt: Date;
}

/**
 * The database reads behind the status page. The persistence repositories only offer
 * customer-scoped lists of these collections, and an operator's status page counts across
 * customers, so these few read-only queries live here (see README: candidates for persistence).
 */
export async function readPartnerStatusInputs(
  db: Db,
  repositories: Pick<Repositories, 'pollRuns'>,
  partnerCode: PartnerCode,
  customerId: string | undefined,
): Promise<{ runs: PollRun[]; activeJobs: number; pendingUploads: number; trackerErrors: RecentPartnerError[] }> {
  const scope = customerId === undefined ? {} : { customerId: toObjectId(customerId, 'customerId') };
  const assigns = db.collection<AssignCountDocument>(JOB_ASSIGNS_COLLECTION);
  const trackers = db.collection<TrackerErrorDocument>(PARTNER_LOG_TRACKERS_COLLECTION);
  const [runs, activeJobs, pendingUploads, failed] = await Promise.all([
    repositories.pollRuns.listRecent({ limit: 50 }),
    assigns.countDocuments({ ...scope, partnerCode, status: AssignStatus.UPLOADED } as Filter<AssignCountDocument>),
    assigns.countDocuments({ ...scope, partnerCode, status: AssignStatus.NEW, 'upload.syncStatus': UploadSyncStatus.QUEUED } as Filter<AssignCountDocument>),
    trackers
      .find({ ...scope, partnerCode, state: 'FAILED' } as Filter<TrackerErrorDocument>)
      .sort({ updatedAt: -1 })
      .limit(RECENT_ERRORS_LIMIT)
      .toArray(),
  ]);
  const trackerErrors = failed.map((doc) => ({
    source: 'log-tracker' as const,
    category: doc.error?.category ?? 'internal',
    message: doc.error?.message ?? 'log processing failed',
    at: toIso(doc.error?.at ?? doc.updatedAt),
    customerId: fromObjectIdOrNull(doc.customerId),
  }));
  return { runs, activeJobs, pendingUploads, trackerErrors };
}
