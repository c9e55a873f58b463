import { NotesSchema, ObjectIdStringSchema, PartnerCodeSchema, UploadSyncStatusSchema } from '@agair/domain-models';
import { Type } from 'typebox';

export const MAX_USERS_PER_REQUEST = 100;

const AssignUser = Type.Object(
  {
    uid: { ...ObjectIdStringSchema, description: 'internal user (pilot/aircraft) id; a partner system user id is refused' },
    notes: Type.Optional(NotesSchema),
  },
  { additionalProperties: false },
);

const UnassignUser = Type.Object({ uid: ObjectIdStringSchema }, { additionalProperties: false });

const AssignFields = {
  asUsers: Type.Optional(Type.Array(AssignUser, { maxItems: MAX_USERS_PER_REQUEST, description: 'users to assign the job to' })),
  avUsers: Type.Optional(Type.Array(UnassignUser, { maxItems: MAX_USERS_PER_REQUEST, description: 'users to take the job away from' })),
  dlOp: Type.Optional(
    Type.Object(
      { type: Type.Integer({ minimum: 0, maximum: 9, description: 'download option of the legacy clients; accepted and ignored' }) },
      { additionalProperties: false },
    ),
  ),
};

/** `POST /api/jobs/:jobId/assign` (the established request shape). */
export const AssignBody = Type.Object(AssignFields, { additionalProperties: false });

/** `POST /api/jobs/assign`: the same with the job id in the body. */
export const AssignWithJobBody = Type.Object({ jobId: ObjectIdStringSchema, ...AssignFields }, { additionalProperties: false });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'printable ASCII; a repeat with the same key returns the first response' }),
  ),
});

const AssignStatusNameSchema = Type.Union([Type.Literal('NEW'), Type.Literal('DOWNLOADED'), Type.Literal('UPLOADED')]);

export const AssignmentOutcomeSchema = Type.Object({
  userId: ObjectIdStringSchema,
  assignId: ObjectIdStringSchema,
  partnerCode: Type.Union([PartnerCodeSchema, Type.Null()]),
  externalJobId: Type.Union([Type.String(), Type.Null()], { description: "the partner's job id once uploaded" }),
  syncStatus: UploadSyncStatusSchema,
  status: AssignStatusNameSchema,
  created: Type.Boolean({ description: 'false when the user already had this job' }),
});

export const AssignmentErrorSchema = Type.Object({
  userId: ObjectIdStringSchema,
  code: Type.String({ description: 'USER_NOT_FOUND, USER_INACTIVE, NOT_ASSIGNED, ALREADY_UPLOADED, UPLOAD_IN_PROGRESS, ASSIGNMENT_CHANGED, QUEUE_UNAVAILABLE, NO_PARTNER_CREDENTIALS, …' }),
  message: Type.String(),
});

export const AssignResponse = Type.Object({
  ok: Type.Boolean({ description: 'true when every user was handled without error' }),
  jobId: ObjectIdStringSchema,
  assignments: Type.Array(AssignmentOutcomeSchema),
  unassigned: Type.Array(ObjectIdStringSchema),
  errors: Type.Array(AssignmentErrorSchema),
});
