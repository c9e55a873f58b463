import { TaskType, type ErrorCategory, type TaskMessage } from '@agair/domain-models';
import type { MessagingLogger } from './logger.js';

export interface TaskContext<T extends TaskType = TaskType> {
  message: TaskMessage<T>;
  /** 1 on the first delivery of this task, incremented on every retry. */
  attempt: number;
  /** Aborted when the consumer shuts down and stops waiting for this handler. */
  signal: AbortSignal;
  logger: MessagingLogger;
}

export type TaskHandler<T extends TaskType = TaskType> = (context: TaskContext<T>) => Promise<void>;

/** Why the consumer gave up on a task: the category and reason its DLQ copy carries. */
export interface TaskGiveUp {
  category: ErrorCategory;
  reason: string;
}

/**
 * Called once when the consumer gives up on a task (its last attempt failed, or the failure is
 * one no retry fixes), before the task goes to the DLQ: it makes the work's own record say so
 * (an assignment's upload `failed`, a log FAILED), so nothing is left looking queued. A replay
 * from the DLQ runs the handler again, which moves the record on from there.
 */
export type TaskGiveUpHandler<T extends TaskType = TaskType> = (context: TaskContext<T>, giveUp: TaskGiveUp) => Promise<void>;

export interface TaskHandlerOptions<T extends TaskType> {
  onGiveUp?: TaskGiveUpHandler<T>;
}

export class HandlerRegistryError extends Error {
  override readonly name = 'HandlerRegistryError';
}

/**
 * One handler per task type. A consumer refuses to start when a type it consumes has no
 * handler, and registering a second handler for a type is an error.
 */
export class HandlerRegistry {
  private readonly handlers = new Map<TaskType, TaskHandler>();
  private readonly giveUps = new Map<TaskType, TaskGiveUpHandler>();

  register<T extends TaskType>(type: T, handler: TaskHandler<T>, options: TaskHandlerOptions<T> = {}): this {
    if (this.handlers.has(type)) throw new HandlerRegistryError(`a handler for ${type} is already registered`);
    this.handlers.set(type, handler as unknown as TaskHandler);
    if (options.onGiveUp) this.giveUps.set(type, options.onGiveUp as unknown as TaskGiveUpHandler);
    return this;
  }

  /** Throws naming every type in `types` that has no handler. */
  assertHandles(types: readonly TaskType[] = Object.values(TaskType)): void {
    const missing = types.filter((t) => !this.handlers.has(t));
    if (missing.length > 0) throw new HandlerRegistryError(`no handler registered for ${missing.join(', ')}`);
  }

  get(type: TaskType): TaskHandler | undefined {
    return this.handlers.get(type);
  }

  giveUpHandler(type: TaskType): TaskGiveUpHandler | undefined {
    return this.giveUps.get(type);
  }

  get types(): TaskType[] {
    return [...this.handlers.keys()];
  }
}
