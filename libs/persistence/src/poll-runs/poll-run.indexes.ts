import type { IndexSpec } from '../infrastructure/index-spec.js';

export const POLL_RUNS_COLLECTION = 'poll_runs';

export const pollRunIndexes: readonly IndexSpec[] = [
  { collection: POLL_RUNS_COLLECTION, name: 'poll_run_started', key: { startedAt: -1 } },
  { collection: POLL_RUNS_COLLECTION, name: 'poll_run_status_started', key: { status: 1, startedAt: 1 } },
];
