import type { ErrorCategory, PartnerCode, ValueOf } from '@agair/domain-models';

/*
 * Poll runs are an operational record of the poller (not yet in domain-models): one per poll
 * cycle, for status pages and "when did we last hear from SatLoc" questions.
 */

export const PollRunStatus = {
  RUNNING: 'running',
  /** Finished without errors. */
  SUCCEEDED: 'succeeded',
  /** Finished; some customers or logs failed (see `errors`). */
  PARTIAL: 'partial',
  /** The cycle itself failed, or its poller died (`abandonStale`). */
  FAILED: 'failed',
} as const;
export type PollRunStatus = ValueOf<typeof PollRunStatus>;

export interface PollRunError {
  partnerCode: PartnerCode | null;
  customerId: string | null;
  category: ErrorCategory;
  /** For operators; holds no secret. */
  message: string;
  at: string;
}

export interface PollRun {
  id: string;
  /** The poller instance, e.g. `poller-<host>-<pid>`. */
  owner: string;
  /** Null when the cycle covered every partner. */
  partnerCode: PartnerCode | null;
  /** The one customer a cycle was asked for (a syncData request); null when it covered every customer. */
  customerId: string | null;
  status: PollRunStatus;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /** Named counts, e.g. `{ assignments: 12, logsListed: 40, logsNew: 3, downloaded: 3, enqueued: 3 }`. */
  counters: Record<string, number>;
  /** The first errors of the cycle (at most `MAX_POLL_RUN_ERRORS`); `errorCount` counts all. */
  errors: PollRunError[];
  errorCount: number;
}

export const MAX_POLL_RUN_ERRORS = 100;
