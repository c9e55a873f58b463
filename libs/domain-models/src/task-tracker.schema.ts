import { Type, type Static } from 'typebox';
import { LeaseSchema, Nullable, ObjectIdStringSchema, TaskIdSchema, TimestampSchema, literalUnion } from './common.schema.js';
import { PartnerCodeSchema, type ValueOf } from './enums.js';
import { ErrorInfoSchema } from './error-info.schema.js';
import { TaskTypeSchema } from './task-type.js';

/** The life of one task id. Allowed moves: `TaskTrackerTransitions`. */
export const TaskTrackerState = {
  QUEUED: 'QUEUED',
  PROCESSING: 'PROCESSING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
} as const;
export type TaskTrackerState = ValueOf<typeof TaskTrackerState>;
export const TaskTrackerStateSchema = literalUnion([
  TaskTrackerState.QUEUED,
  TaskTrackerState.PROCESSING,
  TaskTrackerState.COMPLETED,
  TaskTrackerState.FAILED,
]);

export const TaskTrackerLeasedStates: readonly TaskTrackerState[] = [TaskTrackerState.PROCESSING];

/** What a completed task produced, for operators following a task to its effect. */
export const TaskResultRefSchema = Type.Object(
  {
    kind: literalUnion(['job_assign', 'partner_log_tracker', 'application_file']),
    id: ObjectIdStringSchema,
  },
  { additionalProperties: false },
);
export type TaskResultRef = Static<typeof TaskResultRefSchema>;

/**
 * Makes the effect of an at-least-once delivered task happen once: keyed (unique) by `taskId`.
 * A retry with backoff keeps the task id and increments `attempt`. Once FAILED, a replay (DLQ
 * retry or operator) starts a new task id with `retryOf` pointing back, and the failed tracker
 * records `retriedBy` — set with a `retriedBy: null` predicate, so a replay delivered twice
 * still starts one new task.
 */
export const TaskTrackerSchema = Type.Object(
  {
    taskId: TaskIdSchema,
    type: TaskTypeSchema,
    partnerCode: PartnerCodeSchema,
    customerId: ObjectIdStringSchema,
    state: TaskTrackerStateSchema,
    /** 1 for the first delivery; mirrors the `x-attempt` header. */
    attempt: Type.Integer({ minimum: 1 }),
    maxAttempts: Type.Integer({ minimum: 1 }),
    retryOf: Nullable(TaskIdSchema),
    retriedBy: Nullable(TaskIdSchema),
    lease: Nullable(LeaseSchema),
    /** Start of the current PROCESSING period: with `lease`, what stuck detection looks at. */
    startedAt: Nullable(TimestampSchema),
    finishedAt: Nullable(TimestampSchema),
    lastError: Nullable(ErrorInfoSchema),
    result: Nullable(TaskResultRefSchema),
    /** The record the task works on (an assignment to upload, a log to process): what a timeline finds it by. */
    subject: Nullable(TaskResultRefSchema),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type TaskTracker = Static<typeof TaskTrackerSchema>;

export const TaskTrackerViewSchema = TaskTrackerSchema;
export type TaskTrackerView = TaskTracker;
