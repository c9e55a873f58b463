import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { ObjectIdStringSchema, PartnerAircraftIdSchema, PartnerLogIdSchema, Sha256HexSchema, TaskIdSchema, TimestampSchema, literalUnion } from './common.schema.js';
import { PartnerCodeSchema, type ErrorCategory, type PartnerCode, type ValueOf } from './enums.js';
import { InvalidTaskError } from './errors.js';
import { TaskType, TaskTypeSchema } from './task-type.js';
import { schemaProblems } from './validation.js';

/*
 * The typed task catalogue: one payload schema per task type. Producers and consumers import
 * only this. Payloads carry ids, never the data itself (files are in GridFS, jobs in MongoDB),
 * and never secrets: messages are visible to anyone who can read the queues.
 *
 * Payload schemas do not forbid unknown properties: during a rolling deploy a newer producer
 * may add a field before every consumer knows it. `parseTaskMessage` drops such fields.
 */

export const UploadPartnerJobPayloadSchema = Type.Object({
  assignId: ObjectIdStringSchema,
  customerId: ObjectIdStringSchema,
  partnerCode: PartnerCodeSchema,
});
export type UploadPartnerJobPayload = Static<typeof UploadPartnerJobPayloadSchema>;

export const ProcessPartnerLogPayloadSchema = Type.Object({
  trackerId: ObjectIdStringSchema,
  partnerCode: PartnerCodeSchema,
  customerId: ObjectIdStringSchema,
  aircraftId: PartnerAircraftIdSchema,
  logId: PartnerLogIdSchema,
  storedFileId: ObjectIdStringSchema,
  contentHash: Sha256HexSchema,
});
export type ProcessPartnerLogPayload = Static<typeof ProcessPartnerLogPayloadSchema>;

/** Why a stored file is processed outside the poller's flow. */
export const DataFileReason = {
  /** An operator uploaded a log file by hand. */
  MANUAL_UPLOAD: 'manual_upload',
  /** Processing again an already stored file (decoder fixed, job corrected, operator request). */
  REPROCESS: 'reprocess',
} as const;
export type DataFileReason = ValueOf<typeof DataFileReason>;
export const DataFileReasonSchema = literalUnion([DataFileReason.MANUAL_UPLOAD, DataFileReason.REPROCESS]);

export const ProcessPartnerDataFilePayloadSchema = Type.Object({
  storedFileId: ObjectIdStringSchema,
  contentHash: Sha256HexSchema,
  partnerCode: PartnerCodeSchema,
  customerId: ObjectIdStringSchema,
  /** Present when the file belongs to a PartnerLogTracker, whose state the task then updates. */
  trackerId: Type.Optional(ObjectIdStringSchema),
  reason: DataFileReasonSchema,
});
export type ProcessPartnerDataFilePayload = Static<typeof ProcessPartnerDataFilePayloadSchema>;

/** Payload schema per task type. */
export const TaskPayloadSchemas = {
  [TaskType.UPLOAD_PARTNER_JOB]: UploadPartnerJobPayloadSchema,
  [TaskType.PROCESS_PARTNER_LOG]: ProcessPartnerLogPayloadSchema,
  [TaskType.PROCESS_PARTNER_DATA_FILE]: ProcessPartnerDataFilePayloadSchema,
} as const satisfies Record<TaskType, TSchema>;

/** Payload type per task type. */
export type TaskPayloads = { [K in TaskType]: Static<(typeof TaskPayloadSchemas)[K]> };

export function taskPayloadSchema<T extends TaskType>(type: T): (typeof TaskPayloadSchemas)[T] {
  return TaskPayloadSchemas[type];
}

/** The body of a queue message; `type` tells which payload it carries. */
export type TaskMessage<T extends TaskType = TaskType> = {
  [K in T]: { taskId: string; type: K; payload: TaskPayloads[K]; createdAt: string };
}[T];

const envelope = <T extends TaskType, P extends TSchema>(type: T, payload: P) =>
  Type.Object({ taskId: TaskIdSchema, type: Type.Literal(type), payload, createdAt: TimestampSchema });

/** JSON Schema of a message body (for documentation and other-language consumers). */
export const TaskMessageSchema = Type.Union([
  envelope(TaskType.UPLOAD_PARTNER_JOB, UploadPartnerJobPayloadSchema),
  envelope(TaskType.PROCESS_PARTNER_LOG, ProcessPartnerLogPayloadSchema),
  envelope(TaskType.PROCESS_PARTNER_DATA_FILE, ProcessPartnerDataFilePayloadSchema),
]);

const EnvelopeSchema = Type.Object({
  taskId: TaskIdSchema,
  type: TaskTypeSchema,
  payload: Type.Object({}),
  createdAt: TimestampSchema,
});

/** AMQP header names of every task message. */
export const TaskHeaders = {
  TYPE: 'x-task-type',
  PARTNER_CODE: 'x-partner-code',
  TASK_ID: 'x-task-id',
  /** 1 on first publish, incremented on every retry. */
  ATTEMPT: 'x-attempt',
  /** Set when a failed message is retried or dead-lettered. */
  ERROR_CATEGORY: 'x-error-category',
  LAST_ERROR: 'x-last-error',
  /**
   * When the infrastructure outage (database, broker, cache away) that keeps failing this task
   * began, epoch ms: set while the task waits the outage out, so the wait is bounded in time
   * and does not use up its attempts.
   */
  OUTAGE_SINCE: 'x-outage-since',
} as const;
export type TaskHeaderName = ValueOf<typeof TaskHeaders>;

/** Headers are small and end up in broker UIs: the error text is cut to this length. */
export const MAX_LAST_ERROR_HEADER_LENGTH = 500;

export interface TaskPublishHeaders {
  'x-task-type': TaskType;
  'x-partner-code': PartnerCode;
  'x-task-id': string;
  'x-attempt': number;
}

export interface TaskFailureHeaders {
  'x-error-category': ErrorCategory;
  'x-last-error': string;
}

/** The headers to publish `message` with, on its `attempt`-th delivery (1-based). */
export function taskHeaders(message: TaskMessage, attempt: number): TaskPublishHeaders {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer ≥ 1, got ${attempt}`);
  return {
    [TaskHeaders.TYPE]: message.type,
    [TaskHeaders.PARTNER_CODE]: message.payload.partnerCode,
    [TaskHeaders.TASK_ID]: message.taskId,
    [TaskHeaders.ATTEMPT]: attempt,
  };
}

/** The headers recording why a delivery failed. The caller keeps secrets out of `message`. */
export function taskFailureHeaders(category: ErrorCategory, message: string): TaskFailureHeaders {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return {
    [TaskHeaders.ERROR_CATEGORY]: category,
    [TaskHeaders.LAST_ERROR]:
      oneLine.length > MAX_LAST_ERROR_HEADER_LENGTH ? `${oneLine.slice(0, MAX_LAST_ERROR_HEADER_LENGTH - 1)}…` : oneLine,
  };
}

/**
 * Builds a message for publishing. Throws `InvalidTaskError` when the payload or ids do not
 * satisfy the catalogue, so a bad message never reaches the queue.
 */
export function createTaskMessage<T extends TaskType>(
  type: T,
  payload: TaskPayloads[T],
  options: { taskId: string; createdAt: Date | string },
): TaskMessage<T> {
  const createdAt = options.createdAt instanceof Date ? options.createdAt.toISOString() : options.createdAt;
  return parseTaskMessage({ taskId: options.taskId, type, payload, createdAt }) as TaskMessage<T>;
}

/**
 * Validates a received message body — an object, or its JSON as a string or bytes (an AMQP
 * message's `content`) — and returns it typed. When `headers` are given, `x-task-type`,
 * `x-task-id` and `x-partner-code` must agree with the body. Unknown fields are dropped.
 * Throws `InvalidTaskError` listing every problem; such a message cannot succeed on retry.
 */
export function parseTaskMessage(input: unknown, headers?: Readonly<Record<string, unknown>>): TaskMessage {
  const body = decodeBody(input);
  const problems = schemaProblems(EnvelopeSchema, body);
  if (problems.length > 0) throw new InvalidTaskError(problems);
  const message = body as { taskId: string; type: TaskType; payload: unknown; createdAt: string };

  const payloadSchema = taskPayloadSchema(message.type);
  const payloadProblems = schemaProblems(payloadSchema, message.payload, '/payload');
  if (payloadProblems.length > 0) throw new InvalidTaskError(payloadProblems);
  const payload = Value.Clean(payloadSchema, Value.Clone(message.payload)) as { partnerCode: PartnerCode };

  if (headers) {
    const mismatches = headerMismatches(headers, message.type, message.taskId, payload.partnerCode);
    if (mismatches.length > 0) throw new InvalidTaskError(mismatches);
  }
  return { taskId: message.taskId, type: message.type, payload, createdAt: message.createdAt } as TaskMessage;
}

function decodeBody(input: unknown): unknown {
  let text: string;
  if (input instanceof Uint8Array) text = new TextDecoder('utf-8', { fatal: false }).decode(input);
  else if (typeof input === 'string') text = input;
  else return input;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidTaskError([`body is not JSON: ${(err as Error).message}`]);
  }
}

function headerMismatches(headers: Readonly<Record<string, unknown>>, type: TaskType, taskId: string, partnerCode: PartnerCode): string[] {
  const expected: [TaskHeaderName, string][] = [
    [TaskHeaders.TYPE, type],
    [TaskHeaders.TASK_ID, taskId],
    [TaskHeaders.PARTNER_CODE, partnerCode],
  ];
  const problems: string[] = [];
  for (const [name, value] of expected) {
    const raw = headers[name];
    if (raw === undefined) continue;
    const actual = raw instanceof Uint8Array ? new TextDecoder().decode(raw) : String(raw);
    if (actual !== value) problems.push(`header ${name} is "${actual.slice(0, 80)}" but the body says "${value}"`);
  }
  return problems;
}
