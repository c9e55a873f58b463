import { IllegalTransitionError } from './errors.js';
import { AssignStatus, AssignStatusName } from './job-assign.schema.js';
import { PartnerLogTrackerState as Log } from './partner-log-tracker.schema.js';
import { TaskTrackerState as Task } from './task-tracker.schema.js';

/**
 * An aggregate's allowed state changes, as data. A state maps to the states it may move to;
 * staying in the same state is not a transition and is never listed. Repositories apply a
 * transition as one `findOneAndUpdate` whose filter requires `state: from`, after
 * `assertTransition(machine, from, to)`.
 */
export interface StateMachine<S extends string | number> {
  readonly name: string;
  readonly initial: S;
  readonly transitions: Readonly<Record<S, readonly S[]>>;
  /** How a state is written in errors (numeric statuses get their names). */
  readonly label?: (state: S) => string;
}

/** Every state of the machine, in declaration order. */
export function statesOf<S extends string | number>(machine: StateMachine<S>): S[] {
  return Object.keys(machine.transitions).map((key) => (typeof machine.initial === 'number' ? Number(key) : key) as S);
}

/** The states `from` may move to; empty for a terminal or unknown state. */
export function nextStates<S extends string | number>(machine: StateMachine<S>, from: S): readonly S[] {
  return Object.hasOwn(machine.transitions, from) ? machine.transitions[from] : [];
}

export function canTransition<S extends string | number>(machine: StateMachine<S>, from: S, to: S): boolean {
  return nextStates(machine, from).includes(to);
}

/** Throws `IllegalTransitionError` (naming the machine, both states and what is allowed) unless `from → to` is listed. */
export function assertTransition<S extends string | number>(machine: StateMachine<S>, from: S, to: S): void {
  if (!canTransition(machine, from, to)) {
    const label = machine.label as ((state: string | number) => string) | undefined;
    throw new IllegalTransitionError(machine.name, from, to, nextStates(machine, from), label);
  }
}

/** States with no way out. */
export function terminalStates<S extends string | number>(machine: StateMachine<S>): S[] {
  return statesOf(machine).filter((state) => nextStates(machine, state).length === 0);
}

/**
 * PartnerLogTracker. Downloads are claimed by pollers and processing by workers, each under a
 * lease; the sweeper reclaims a transient state whose lease expired.
 */
export const PartnerLogTrackerTransitions = {
  [Log.PENDING]: [
    // A poller claims the log (attempts + 1, lease).
    Log.DOWNLOADING,
    // Listed but out of scope: older than the collection horizon or for no uploaded assignment.
    Log.SKIPPED,
  ],
  [Log.DOWNLOADING]: [
    // Stored with its content hash.
    Log.DOWNLOADED,
    // Retryable download failure released by the poller, or the sweeper reclaiming an expired
    // lease (the poller died): the next poll tries again.
    Log.PENDING,
    // Attempts ceiling reached (by the poller or the sweeper), or the partner says the log
    // is gone (not-found): further tries cannot help.
    Log.FAILED,
    // Same bytes (content hash) as a log already stored under another log id.
    Log.SKIPPED,
  ],
  [Log.DOWNLOADED]: [
    // A worker claims PROCESS_PARTNER_LOG.
    Log.PROCESSING,
    // Processing kept failing until the worker gave up on its task (now in the DLQ); a replay
    // from there claims it again (FAILED → PROCESSING).
    Log.FAILED,
  ],
  [Log.PROCESSING]: [
    Log.PROCESSED,
    // Sweeper: the worker died with the lease; the file is stored, so go back one step and
    // re-enqueue rather than download again.
    Log.DOWNLOADED,
    // Data-format error (retrying cannot help), or attempts ceiling reached.
    Log.FAILED,
    // Decoded fine but holds no application (a ferry flight): nothing to record.
    Log.SKIPPED,
  ],
  [Log.PROCESSED]: [],
  [Log.FAILED]: [
    // Operator retry when the download failed: fetch again from the partner.
    Log.PENDING,
    // A replayed PROCESS_PARTNER_LOG / PROCESS_PARTNER_DATA_FILE (DLQ retry) for a log whose
    // file is stored: process again without the download step. The tracker is unique per
    // log, so it is reopened rather than recreated.
    Log.PROCESSING,
  ],
  [Log.SKIPPED]: [],
} as const satisfies Record<Log, readonly Log[]>;

export const PartnerLogTrackerMachine: StateMachine<Log> = {
  name: 'PartnerLogTracker',
  initial: Log.PENDING,
  transitions: PartnerLogTrackerTransitions,
};

/**
 * TaskTracker. A retry with backoff keeps the task id (PROCESSING → QUEUED, attempt + 1);
 * after FAILED a replay starts a new task id with `retryOf`, so FAILED is terminal.
 */
export const TaskTrackerTransitions = {
  [Task.QUEUED]: [
    // A consumer claims the delivery (lease, startedAt).
    Task.PROCESSING,
    // The broker dead-lettered the message before any consumer claimed it (quorum queue
    // delivery limit, e.g. consumers crashing on it before the claim); the DLQ side records it.
    Task.FAILED,
  ],
  [Task.PROCESSING]: [
    Task.COMPLETED,
    // Retryable failure: republished to a delay queue with attempt + 1. Also the sweeper's
    // move for a stuck task (lease expired, consumer gone) below its attempts ceiling.
    Task.QUEUED,
    // Not retryable (data-format, auth after its fixed delay), or attempts ceiling reached —
    // by the consumer or by the sweeper for a stuck task.
    Task.FAILED,
  ],
  [Task.COMPLETED]: [],
  [Task.FAILED]: [],
} as const satisfies Record<Task, readonly Task[]>;

export const TaskTrackerMachine: StateMachine<Task> = {
  name: 'TaskTracker',
  initial: Task.QUEUED,
  transitions: TaskTrackerTransitions,
};

/**
 * JobAssign status. Upload progress and failures live in `upload.syncStatus`; the status only
 * says who has the job. There is no terminal state: a job changed after it was sent must be
 * sent again.
 */
export const AssignStatusTransitions = {
  [AssignStatus.NEW]: [
    // Our own client fetched the job (/api/export/downloadJob).
    AssignStatus.DOWNLOADED,
    // The partner accepted the upload (immediately or through UPLOAD_PARTNER_JOB).
    AssignStatus.UPLOADED,
  ],
  [AssignStatus.DOWNLOADED]: [
    // The job or the assignment changed after the download: the client must fetch it again.
    AssignStatus.NEW,
  ],
  [AssignStatus.UPLOADED]: [
    // The job or the assignment changed after the upload: it must be uploaded again.
    AssignStatus.NEW,
  ],
} as const satisfies Record<AssignStatus, readonly AssignStatus[]>;

export const AssignStatusMachine: StateMachine<AssignStatus> = {
  name: 'JobAssign.status',
  initial: AssignStatus.NEW,
  transitions: AssignStatusTransitions,
  label: (status) => `${AssignStatusName[status]}(${status})`,
};
