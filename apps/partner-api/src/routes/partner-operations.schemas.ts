import {
  ErrorCategorySchema,
  Nullable,
  ObjectIdStringSchema,
  PartnerAircraftIdSchema,
  PartnerAircraftSchema,
  PartnerCodeSchema,
  TimestampSchema,
  UploadSyncStatusSchema,
} from '@agair/domain-models';
import { Type } from 'typebox';
import { OptionalCustomerId } from './common.schemas.js';

export const AircraftQuery = Type.Object({ partnerCode: PartnerCodeSchema, customerId: OptionalCustomerId }, { additionalProperties: false });

/** An aircraft as the partner lists it now, with the internal user linked to it, if any. */
export const AircraftViewSchema = Type.Object(
  { ...PartnerAircraftSchema.properties, tailNumber: Nullable(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export const UploadJobBody = Type.Object({ assignId: ObjectIdStringSchema, customerId: OptionalCustomerId }, { additionalProperties: false });

export const UploadJobResult = Type.Object(
  {
    outcome: Type.Union([Type.Literal('uploaded'), Type.Literal('already_uploaded'), Type.Literal('queued')]),
    assignId: ObjectIdStringSchema,
    partnerCode: PartnerCodeSchema,
    extJobId: Nullable(Type.String()),
    syncStatus: UploadSyncStatusSchema,
    taskId: Nullable(Type.String({ description: 'the UPLOAD_PARTNER_JOB task, when queued' })),
    reason: Nullable(
      Type.Object({ category: Type.Union([ErrorCategorySchema, Type.String()]), message: Type.String() }, { description: 'why the upload was queued' }),
    ),
  },
  { additionalProperties: false },
);

export const SyncDataBody = Type.Object(
  { partnerCode: PartnerCodeSchema, customerId: OptionalCustomerId, aircraftId: Type.Optional(PartnerAircraftIdSchema) },
  { additionalProperties: false },
);

export const SyncDataResult = Type.Object(
  {
    requestId: ObjectIdStringSchema,
    state: Type.String(),
    partnerCode: PartnerCodeSchema,
    customerId: ObjectIdStringSchema,
    aircraftId: Nullable(PartnerAircraftIdSchema),
    requestedAt: TimestampSchema,
    deduplicated: Type.Boolean({ description: 'true: an equal or wider request was already waiting, and this is it' }),
  },
  { additionalProperties: false },
);
