import type { TaskMessage } from '@agair/domain-models';
import type { RetryDecision } from './retry-policy.js';

/**
 * - `run`: this delivery owns the task now (first time, retry, a dead owner's expired lease, or
 *   an operator's replay of a failed task, which runs under a new tracker id with `retryOf`);
 * - `completed`: the task's effect already happened: acknowledge without running it again;
 * - `busy`: another consumer holds a live lease on it (a duplicate delivery): look again later.
 */
export type TaskStart = { status: 'run'; trackerTaskId: string } | { status: 'completed' } | { status: 'busy' };

/** The TaskTracker store, as the consumer needs it (implemented by the persistence lib). */
export interface TaskTrackerPort {
  start(message: TaskMessage, attempt: number, owner: string, leaseMs: number): Promise<TaskStart>;
  complete(trackerTaskId: string, owner: string): Promise<void>;
  /** Extends the lease this owner holds on a running task; false when it was lost. */
  renew(trackerTaskId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Records a failed attempt: back to QUEUED for a retry, or FAILED for a dead-letter. */
  recordFailure(trackerTaskId: string, owner: string, attempt: number, decision: RetryDecision): Promise<void>;
}
