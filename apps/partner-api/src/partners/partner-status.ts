import { AssignStatus, UploadSyncStatus, type PartnerCode } from '@agair/domain-models';
import type { PartnerHealth } from '@agair/partner-sdk';
import { PollRunStatus, type PollRun, type Repositories } from '@agair/persistence';

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
 * Whether a finished run synced the customer (one customer's view), or reached the partner at
 * all (the platform's view): a run some other customer failed in still synced this one, so one
 * customer's bad credentials do not freeze everyone's "last successful sync". A run asked for
 * another customer says nothing of this one.
 */
function syncedFor(run: PollRun, partnerCode: PartnerCode, customerId: string | undefined): boolean {
  if (run.finishedAt === null || (run.status !== PollRunStatus.SUCCEEDED && run.status !== PollRunStatus.PARTIAL)) return false;
  if (customerId === undefined) return true;
  if (run.customerId !== null && run.customerId !== customerId) return false;
  return !run.errors.some((e) => e.customerId === customerId && (e.partnerCode === null || e.partnerCode === partnerCode));
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
  const lastSuccess = runs.find((run) => syncedFor(run, input.partnerCode, input.customerId));
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

/** The database reads behind the status page; counts across customers unless one is named. */
export async function readPartnerStatusInputs(
  repositories: Pick<Repositories, 'pollRuns' | 'jobAssigns' | 'partnerLogTrackers'>,
  partnerCode: PartnerCode,
  customerId: string | undefined,
): Promise<{ runs: PollRun[]; activeJobs: number; pendingUploads: number; trackerErrors: RecentPartnerError[] }> {
  const scope = customerId === undefined ? {} : { customerId };
  const [runs, activeJobs, pendingUploads, failed] = await Promise.all([
    repositories.pollRuns.listRecent({ limit: 50 }),
    repositories.jobAssigns.countByPartner({ ...scope, partnerCode, status: AssignStatus.UPLOADED }),
    repositories.jobAssigns.countByPartner({ ...scope, partnerCode, status: AssignStatus.NEW, syncStatus: UploadSyncStatus.QUEUED }),
    repositories.partnerLogTrackers.listRecentFailed({ ...scope, partnerCode, limit: RECENT_ERRORS_LIMIT }),
  ]);
  const trackerErrors = failed.map((tracker) => ({
    source: 'log-tracker' as const,
    category: tracker.error?.category ?? 'internal',
    message: tracker.error?.message ?? 'log processing failed',
    at: tracker.error?.at ?? tracker.updatedAt,
    customerId: tracker.customerId,
  }));
  return { runs, activeJobs, pendingUploads, trackerErrors };
}
