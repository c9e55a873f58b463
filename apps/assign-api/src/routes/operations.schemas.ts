import {
  JobAssignSchema,
  ObjectIdStringSchema,
  PartnerAircraftIdSchema,
  PartnerCodeSchema,
  PartnerLogTrackerSchema,
  PartnerLogTrackerStateSchema,
  TaskTrackerSchema,
  TimestampSchema,
  literalUnion,
} from '@agair/domain-models';
import { TIMELINE_STEPS } from '../operations/assignment-timeline.js';
import { Type } from 'typebox';

export const TrackerIdParams = Type.Object({ trackerId: ObjectIdStringSchema }, { additionalProperties: false });
export const AssignIdParams = Type.Object({ assignId: ObjectIdStringSchema }, { additionalProperties: false });

const Cursor = Type.String({ pattern: '^[0-9a-f]{24}$', description: 'the `next` of the previous page' });
const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50 });
const Next = Type.Union([Cursor, Type.Null()], { description: 'cursor of the next page; null on the last page' });

export const LogListQuery = Type.Object(
  {
    customerId: Type.Optional({ ...ObjectIdStringSchema, description: 'required for admin callers; a customer always lists its own logs' }),
    partnerCode: Type.Optional(PartnerCodeSchema),
    aircraftId: Type.Optional(PartnerAircraftIdSchema),
    state: Type.Optional(PartnerLogTrackerStateSchema),
    createdFrom: Type.Optional({ ...TimestampSchema, description: 'first listed at or after (to the second)' }),
    createdTo: Type.Optional({ ...TimestampSchema, description: 'first listed before' }),
    cursor: Type.Optional(Cursor),
    limit: Limit,
  },
  { additionalProperties: false },
);

export const LogListResponse = Type.Object({
  customerId: ObjectIdStringSchema,
  logs: Type.Array(PartnerLogTrackerSchema),
  next: Next,
});

const Reason = Type.String({ minLength: 1, maxLength: 500, description: 'why, for the audit trail' });

export const ActionBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
export const SkipBody = Type.Object({ reason: Reason }, { additionalProperties: false });
export const ReprocessSinceBody = Type.Object(
  {
    customerId: ObjectIdStringSchema,
    since: { ...TimestampSchema, description: 'logs first listed at or after this time' },
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

export const LogUploadQuery = Type.Object(
  {
    customerId: ObjectIdStringSchema,
    partnerCode: PartnerCodeSchema,
    aircraftId: { ...PartnerAircraftIdSchema, description: "the partner's id of the aircraft that flew it" },
    jobId: Type.Optional({ ...ObjectIdStringSchema, description: 'the job it belongs to, when known: the log is then not matched by its contents' }),
    fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: "the log's file name; default: the uploaded part's file name" })),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

export const LogUploadResponse = Type.Object({
  created: Type.Boolean({ description: 'false: the customer already had these bytes, and `log` is the log that holds them' }),
  taskId: Type.Union([Type.String(), Type.Null()], { description: 'the processing task queued (PROCESS_PARTNER_DATA_FILE, reason manual_upload); null when none was needed' }),
  log: PartnerLogTrackerSchema,
});

export const MatchBody = Type.Object(
  {
    jobId: Type.Union([ObjectIdStringSchema, Type.Null()], { description: "the job the log belongs to; null goes back to matching it by its contents" }),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

export const MatchResponse = Type.Object({
  trackerId: ObjectIdStringSchema,
  logId: Type.String(),
  jobId: Type.Union([ObjectIdStringSchema, Type.Null()]),
  taskId: Type.Union([Type.String(), Type.Null()], { description: 'the reprocessing queued; null when the log is not processed yet and its first processing will use the job' }),
});

const QueuedSchema = Type.Object({ trackerId: ObjectIdStringSchema, logId: Type.String(), taskId: Type.String() });
const NotQueuedSchema = Type.Object({ trackerId: ObjectIdStringSchema, logId: Type.String(), state: PartnerLogTrackerStateSchema, reason: Type.String() });

export const ReprocessOneResponse = QueuedSchema;
export const ReprocessManyResponse = Type.Object({
  queued: Type.Array(QueuedSchema),
  notQueued: Type.Array(NotQueuedSchema, { description: 'logs that cannot be reprocessed now, with why (in progress, bytes removed by retention, never downloaded)' }),
});

export const StateChangeResponse = Type.Object({
  trackerId: ObjectIdStringSchema,
  logId: Type.String(),
  from: PartnerLogTrackerStateSchema,
  state: PartnerLogTrackerStateSchema,
  changed: Type.Boolean({ description: 'false for a repeat: the log was already there' }),
});

export const OperatorActionListQuery = Type.Object(
  {
    customerId: ObjectIdStringSchema,
    targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'only the actions on this record (a log tracker, a job)' })),
    cursor: Type.Optional(Cursor),
    limit: Limit,
  },
  { additionalProperties: false },
);

const OperatorActionSchema = Type.Object({
  id: ObjectIdStringSchema,
  at: TimestampSchema,
  actor: Type.String({ description: 'the subject of the token that asked' }),
  action: Type.String({ description: 'reprocess_log, reprocess_job, reprocess_since, redownload_log, skip_log, upload_log, match_log' }),
  customerId: ObjectIdStringSchema,
  target: Type.Object({ kind: Type.String(), id: Type.String() }),
  reason: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
});

export const OperatorActionListResponse = Type.Object({ actions: Type.Array(OperatorActionSchema), next: Next });

const TimelineEventSchema = Type.Object({
  at: TimestampSchema,
  step: literalUnion(TIMELINE_STEPS),
  taskId: Type.Optional(Type.String()),
  trackerId: Type.Optional(ObjectIdStringSchema),
  logId: Type.Optional(Type.String()),
  fileId: Type.Optional(ObjectIdStringSchema),
  state: Type.Optional(Type.String()),
  attempt: Type.Optional(Type.Integer()),
  detail: Type.Optional(Type.String()),
});

export const TimelineResponse = Type.Object({
  assignment: JobAssignSchema,
  uploadTasks: Type.Array(TaskTrackerSchema, { description: 'every UPLOAD_PARTNER_JOB task of the assignment, attempts and DLQ replays included' }),
  logs: Type.Array(
    Type.Object({
      tracker: PartnerLogTrackerSchema,
      matched: Type.Boolean({ description: 'false: a log of the aircraft since the upload, not matched to this assignment (yet)' }),
      tasks: Type.Array(TaskTrackerSchema),
      applicationFileId: Type.Union([ObjectIdStringSchema, Type.Null()]),
    }),
  ),
  events: Type.Array(TimelineEventSchema, { description: 'the same history as one list, oldest first' }),
});
