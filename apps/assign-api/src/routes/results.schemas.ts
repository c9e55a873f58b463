import {
  ApplicationMatchSchema,
  ApplicationSummarySchema,
  CoverageLayerNameSchema,
  LayerGeometrySchema,
  ObjectIdStringSchema,
  PartnerCodeSchema,
  ProcessingStageSchema,
  TimestampSchema,
} from '@agair/domain-models';
import { Type } from 'typebox';

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const ApplicationFileSummarySchema = Type.Object({
  fileId: ObjectIdStringSchema,
  logId: NullableString,
  aircraftId: NullableString,
  fileName: Type.String(),
  partnerCode: PartnerCodeSchema,
  extJobId: NullableString,
  assignId: Type.Union([ObjectIdStringSchema, Type.Null()]),
  match: ApplicationMatchSchema,
  processingStage: ProcessingStageSchema,
  createdAt: TimestampSchema,
  summary: ApplicationSummarySchema,
});

export const JobTotalsSchema = Type.Object(
  {
    fileCount: Type.Integer({ minimum: 0, description: 'logs the totals were computed from' }),
    upToDate: Type.Boolean({ description: 'false while a log of the job is being added (the totals are recomputed after each log)' }),
    computedAt: TimestampSchema,
    summary: ApplicationSummarySchema,
  },
  {
    description:
      'The job as a whole, computed like a log: treated is the union of all logs’ swaths (ground sprayed in two loads counts once, and as overlap); skipped is the field minus exclusions no log treated; volume adds up; the rate is total volume over total swath area; weather spans the logs.',
  },
);

export const ApplicationsResponse = Type.Object({
  jobId: ObjectIdStringSchema,
  files: Type.Array(ApplicationFileSummarySchema),
  totals: Type.Union([JobTotalsSchema, Type.Null()], { description: 'null until a log of the job has been processed' }),
});

export const CoverageQuery = Type.Object(
  {
    include: Type.Optional(Type.Union([Type.Literal('job'), Type.Literal('logs')], { default: 'job', description: 'job: the job’s four layers; logs: also each log’s' })),
  },
  { additionalProperties: false },
);

const CoverageFeatureSchema = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.String(),
  geometry: LayerGeometrySchema,
  properties: Type.Object({
    layer: CoverageLayerNameSchema,
    scope: Type.Union([Type.Literal('job'), Type.Literal('log')]),
    areaHa: Type.Union([Type.Number({ description: 'measured area of the layer (the outline is simplified for maps)' }), Type.Null()]),
    fileId: NullableString,
    logId: NullableString,
  }),
});

export const CoverageCollectionSchema = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(CoverageFeatureSchema),
});
