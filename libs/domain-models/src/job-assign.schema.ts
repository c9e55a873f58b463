import { Type, type Static } from 'typebox';
import { Nullable, NotesSchema, ObjectIdStringSchema, PartnerAircraftIdSchema, TimestampSchema, literalUnion } from './common.schema.js';
import { PartnerCodeSchema, type ValueOf } from './enums.js';

/** Stored as these numbers, as in the legacy system. See `AssignStatusTransitions`. */
export const AssignStatus = { NEW: 0, DOWNLOADED: 1, UPLOADED: 2 } as const;
export type AssignStatus = ValueOf<typeof AssignStatus>;
export const AssignStatusSchema = literalUnion([AssignStatus.NEW, AssignStatus.DOWNLOADED, AssignStatus.UPLOADED], {
  description: '0 NEW (assigned), 1 DOWNLOADED (fetched by our own client), 2 UPLOADED (accepted by the partner)',
});

/** The names of the numeric statuses, for messages and logs. */
export const AssignStatusName: Readonly<Record<AssignStatus, keyof typeof AssignStatus>> = {
  [AssignStatus.NEW]: 'NEW',
  [AssignStatus.DOWNLOADED]: 'DOWNLOADED',
  [AssignStatus.UPLOADED]: 'UPLOADED',
};

/** Where the partner upload of an assignment stands. */
export const UploadSyncStatus = {
  /** The partner accepted the current version of the job. */
  SYNCED: 'synced',
  /** An `UPLOAD_PARTNER_JOB` task is waiting or being retried. */
  QUEUED: 'queued',
  /** Retries are exhausted or the error cannot be retried; an operator must act. */
  FAILED: 'failed',
  /** The aircraft has no partner: nothing to upload. */
  NOT_APPLICABLE: 'not_applicable',
} as const;
export type UploadSyncStatus = ValueOf<typeof UploadSyncStatus>;
export const UploadSyncStatusSchema = literalUnion([
  UploadSyncStatus.SYNCED,
  UploadSyncStatus.QUEUED,
  UploadSyncStatus.FAILED,
  UploadSyncStatus.NOT_APPLICABLE,
]);

/** Error text kept on records for operators. Must never contain a credential. */
export const LastErrorTextSchema = Type.String({ maxLength: 2000 });

export const JobUploadStateSchema = Type.Object(
  {
    attempts: Type.Integer({ minimum: 0 }),
    lastError: Nullable(LastErrorTextSchema),
    lastAttemptAt: Nullable(TimestampSchema),
    uploadedAt: Nullable(TimestampSchema),
    syncStatus: UploadSyncStatusSchema,
  },
  { additionalProperties: false },
);
export type JobUploadState = Static<typeof JobUploadStateSchema>;

/**
 * A job assigned to one internal user (pilot/aircraft). When that user has `partnerInfo`, the
 * partner fields are copied here at assignment time, so a later change of the user's partner
 * does not redirect an upload already made. `extJobId` is the partner's id for the uploaded job.
 */
export const JobAssignSchema = Type.Object(
  {
    id: ObjectIdStringSchema,
    jobId: ObjectIdStringSchema,
    userId: ObjectIdStringSchema,
    customerId: ObjectIdStringSchema,
    partnerCode: Nullable(PartnerCodeSchema),
    partnerAircraftId: Nullable(PartnerAircraftIdSchema),
    status: AssignStatusSchema,
    extJobId: Nullable(Type.String({ minLength: 1, maxLength: 128 })),
    notes: NotesSchema,
    upload: JobUploadStateSchema,
    /**
     * When the poller stopped listing this assignment's aircraft for it: no log came for the quiet
     * period (`POLL_ASSIGNMENT_QUIET`) after its upload and its latest log. Null while it is
     * polled; uploading it again starts polling again.
     */
    pollingEndedAt: Nullable(TimestampSchema),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type JobAssign = Static<typeof JobAssignSchema>;

export const JobAssignViewSchema = JobAssignSchema;
export type JobAssignView = JobAssign;

/** `POST /api/jobs/:jobId/assign` */
export const JobAssignCreateSchema = Type.Object(
  {
    userId: ObjectIdStringSchema,
    notes: Type.Optional(NotesSchema),
  },
  { additionalProperties: false },
);
export type JobAssignCreate = Static<typeof JobAssignCreateSchema>;

export const MAX_BULK_ASSIGNMENTS = 100;

/** `POST /api/jobs/assign` — several (job, user) pairs at once. */
export const JobAssignBulkCreateSchema = Type.Object(
  {
    assignments: Type.Array(
      Type.Object(
        {
          jobId: ObjectIdStringSchema,
          userId: ObjectIdStringSchema,
          notes: Type.Optional(NotesSchema),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_BULK_ASSIGNMENTS },
    ),
  },
  { additionalProperties: false },
);
export type JobAssignBulkCreate = Static<typeof JobAssignBulkCreateSchema>;
