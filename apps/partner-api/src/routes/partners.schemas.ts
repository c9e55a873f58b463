import { PartnerCodeSchema, ObjectIdStringSchema, TimestampSchema, Nullable } from '@agair/domain-models';
import { Type } from 'typebox';

const BreakerStateSchema = Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open')]);

export const PartnerStatusQuery = Type.Object(
  { customerId: Type.Optional(ObjectIdStringSchema) },
  { additionalProperties: false },
);

export const PartnerStatusSchema = Type.Object(
  {
    partnerId: ObjectIdStringSchema,
    partnerCode: PartnerCodeSchema,
    status: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    breakerState: BreakerStateSchema,
    lastHealthCheck: Type.Object({
      up: Type.Boolean(),
      reason: Nullable(Type.String()),
      latencyMs: Nullable(Type.Number()),
      checkedAt: TimestampSchema,
    }),
    lastSuccessfulSyncAt: Nullable(TimestampSchema),
    lastPollRun: Nullable(
      Type.Object({
        id: ObjectIdStringSchema,
        status: Type.String(),
        startedAt: TimestampSchema,
        finishedAt: Nullable(TimestampSchema),
        errorCount: Type.Integer(),
      }),
    ),
    activeJobs: Type.Integer({ description: 'UPLOADED assignments on this partner' }),
    pendingUploads: Type.Integer({ description: 'assignments whose upload is queued' }),
    recentErrors: Type.Array(
      Type.Object({
        source: Type.Union([Type.Literal('poll-run'), Type.Literal('log-tracker')]),
        category: Type.String(),
        message: Type.String(),
        at: TimestampSchema,
        customerId: Nullable(ObjectIdStringSchema),
      }),
    ),
  },
  { additionalProperties: false },
);
