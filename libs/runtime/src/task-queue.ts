import { ErrorCategory, TaskType } from '@agair/domain-models';
import { PublishBufferFullError, PublishFailedError, TaskPublisher, taskQueueTopology, type RetryPolicy, type TaskQueueTopology } from '@agair/messaging';
import { isDatabaseUnavailableError } from '@agair/persistence';
import { retryDecision, toDomainErrorCategory } from '@agair/partner-sdk';
import type { AmqpConnection, Logger } from '@agair/service-kit';

export interface TaskQueueConfig {
  QUEUE_PREFIX: string;
  TASK_QUEUE: string;
  TASK_QUEUE_UPLOAD?: string;
  TASK_QUEUE_PROCESS?: string;
  TASK_DELIVERY_LIMIT: number;
  TASK_RETRY_TIERS_MS: string;
  AMQP_PUBLISH_TIMEOUT_MS: number;
}

/**
 * The queue a task type travels on: `TASK_QUEUE` for all, unless a dedicated pool's queue is
 * configured for uploads or for log processing (producers and workers must agree).
 */
export function taskQueueName(type: TaskType, config: TaskQueueConfig): string {
  const dedicated = type === TaskType.UPLOAD_PARTNER_JOB ? config.TASK_QUEUE_UPLOAD : config.TASK_QUEUE_PROCESS;
  return dedicated || config.TASK_QUEUE;
}

/** The topology of the queue `type` travels on (default: the shared `TASK_QUEUE`). */
export function partnerTaskTopology(config: TaskQueueConfig, type?: TaskType): TaskQueueTopology {
  return taskQueueTopology(type ? taskQueueName(type, config) : config.TASK_QUEUE, {
    prefix: config.QUEUE_PREFIX,
    deliveryLimit: config.TASK_DELIVERY_LIMIT,
    retryTiersMs: config.TASK_RETRY_TIERS_MS.split(',').map(Number),
  });
}

export function createTaskPublisher(amqp: AmqpConnection, topology: TaskQueueTopology, config: TaskQueueConfig, logger: Logger): TaskPublisher {
  return new TaskPublisher({ connection: amqp.manager, topology, logger, publishTimeoutMs: config.AMQP_PUBLISH_TIMEOUT_MS });
}

/** A failure the task itself knows cannot succeed on retry (missing assignment, corrupt file). */
export class PermanentTaskError extends Error {
  override readonly name: string = 'PermanentTaskError';
  constructor(
    readonly category: ErrorCategory,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The task cannot run now, for a reason that passes by itself (another caller holds the work): try
 * again after `delayMs`. A real wait, not a backoff: `delayScale` does not shorten it.
 */
export class RetryLaterTaskError extends Error {
  override readonly name: string = 'RetryLaterTaskError';
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The queue's retry decision: partner errors by their category (partner-sdk's policy: backoff
 * for timeouts, Retry-After for rate limits, long backoff when the partner is down, none for
 * data-format and not-found), permanent task errors straight to the DLQ, a task told to wait
 * after its delay, an infrastructure outage waited out without using attempts (the consumer's
 * `maxOutageMs`), anything else
 * (database away, a bug) retried with backoff until the attempts ceiling. `delayScale`
 * multiplies every backoff (Retry-After included).
 */
export function createPartnerTaskRetryPolicy(delayScale = 1): RetryPolicy {
  return (error, attempt) => {
    if (error instanceof PermanentTaskError) return { action: 'dead-letter', category: error.category, reason: error.message };
    if (error instanceof RetryLaterTaskError) return { action: 'retry', delayMs: error.delayMs, category: ErrorCategory.INTERNAL, reason: error.message };
    if (isInfrastructureOutage(error)) {
      return { action: 'retry', delayMs: 0, category: ErrorCategory.INTERNAL, reason: error instanceof Error ? error.message : String(error), outage: true };
    }
    const decision = retryDecision(error, attempt);
    const reason = error instanceof Error ? error.message : String(error);
    const category = toDomainErrorCategory(error);
    return decision.action === 'retry'
      ? { action: 'retry', delayMs: Math.round(decision.delayMs * delayScale), category, reason }
      : { action: 'dead-letter', category, reason: `${reason} (${decision.reason})` };
  };
}

export const partnerTaskRetryPolicy: RetryPolicy = createPartnerTaskRetryPolicy();

/** ioredis gives up a command after its reconnect attempts with this error. */
const REDIS_UNAVAILABLE_ERROR = 'MaxRetriesPerRequestError';

/**
 * Whether `error` (or an error it wraps) says our own infrastructure is away: the database
 * unreachable, the broker not confirming, Redis not answering. Such a failure says nothing
 * about the task, so it is waited out rather than counted as an attempt.
 */
export function isInfrastructureOutage(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if (isDatabaseUnavailableError(e)) return true;
    if (e instanceof PublishFailedError || e instanceof PublishBufferFullError) return true;
    if (e.name === REDIS_UNAVAILABLE_ERROR) return true;
  }
  return false;
}
