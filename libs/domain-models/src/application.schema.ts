import { Type, type Static } from 'typebox';
import {
  Nullable,
  ObjectIdStringSchema,
  PartnerAircraftIdSchema,
  PartnerLogIdSchema,
  Sha256HexSchema,
  TimestampSchema,
  literalUnion,
} from './common.schema.js';
import { PartnerCodeSchema, type ValueOf } from './enums.js';
import { MAX_MULTIPOLYGON_PARTS, MultiPolygonSchema, PositionSchema } from './geo.schema.js';

/*
 * Results of processing one flight log. ApplicationSummary and ApplicationPass are exactly the
 * shapes the satloc-parser computes; everything is SI (s, m, ha, L) plus the US rate the
 * operators ask for (gal/ac). Times are ISO-8601 strings.
 */

const nonNegative = (description?: string) => Type.Number({ minimum: 0, ...(description ? { description } : {}) });
const DegreesSchema = Type.Number({ minimum: 0, maximum: 360, description: 'degrees clockwise from true north' });

export const MinMaxAvgSchema = Type.Object(
  { min: Type.Number(), max: Type.Number(), avg: Type.Number() },
  { additionalProperties: false },
);
export type MinMaxAvg = Static<typeof MinMaxAvgSchema>;

export const WeatherSampleSchema = Type.Object(
  {
    time: TimestampSchema,
    windSpeedMps: nonNegative(),
    windDirectionDeg: DegreesSchema,
    temperatureC: Type.Number(),
    humidityPct: Type.Number({ minimum: 0, maximum: 100 }),
  },
  { additionalProperties: false },
);
export type WeatherSample = Static<typeof WeatherSampleSchema>;

export const ApplicationWeatherSchema = Type.Object(
  {
    atSprayStart: Nullable(WeatherSampleSchema),
    atSprayEnd: Nullable(WeatherSampleSchema),
    windSpeedMps: Nullable(MinMaxAvgSchema),
    /** Mean direction while spraying (a circular mean, so not part of a min/max/avg). */
    windDirectionDeg: Nullable(DegreesSchema),
    temperatureC: Nullable(MinMaxAvgSchema),
    humidityPct: Nullable(MinMaxAvgSchema),
  },
  { additionalProperties: false },
);
export type ApplicationWeather = Static<typeof ApplicationWeatherSchema>;

export const ApplicationSummarySchema = Type.Object(
  {
    startTime: Nullable(TimestampSchema),
    endTime: Nullable(TimestampSchema),
    flightTimeS: nonNegative(),
    sprayTimeS: nonNegative(),
    distanceFlownM: nonNegative(),
    sprayedDistanceM: nonNegative(),
    passCount: Type.Integer({ minimum: 0 }),
    fieldAreaHa: nonNegative(),
    treatedAreaHa: nonNegative(),
    treatedAreaAc: nonNegative(),
    overlapAreaHa: nonNegative('sprayed more than once'),
    insideBoundaryAreaHa: nonNegative(),
    offTargetAreaHa: nonNegative('sprayed outside the boundary or inside an exclusion'),
    skippedAreaHa: nonNegative('inside the boundary minus exclusions, not sprayed'),
    skippedPctOfField: Nullable(Type.Number({ minimum: 0, maximum: 100, description: 'skipped area as a share of the field; null without a field' })),
    grossSprayedAreaHa: nonNegative('swath area summed over passes (ground sprayed twice counts twice): the rate is volume over this'),
    volumeAppliedL: nonNegative(),
    averageRateLPerHa: Nullable(nonNegative()),
    averageRateGalPerAc: Nullable(nonNegative()),
    targetRateLPerHa: Nullable(nonNegative()),
    rateDeviationPct: Nullable(Type.Number({ description: '(average − target) / target × 100' })),
    weather: ApplicationWeatherSchema,
  },
  { additionalProperties: false },
);
export type ApplicationSummary = Static<typeof ApplicationSummarySchema>;

/** One straight spray run. */
export const ApplicationPassSchema = Type.Object(
  {
    passIndex: Type.Integer({ minimum: 0 }),
    startTime: TimestampSchema,
    endTime: TimestampSchema,
    durationS: nonNegative(),
    distanceM: nonNegative(),
    sprayedAreaHa: nonNegative(),
    volumeL: nonNegative(),
    averageRateLPerHa: Nullable(nonNegative()),
    averageSpeedMps: nonNegative(),
    headingDeg: DegreesSchema,
    swathWidthM: nonNegative(),
    startPosition: PositionSchema,
    endPosition: PositionSchema,
  },
  { additionalProperties: false },
);
export type ApplicationPass = Static<typeof ApplicationPassSchema>;

/** How a log was tied to a job assignment, strongest first. */
export const MatchMethod = {
  JOB_ID_IN_HEADER: 'job_id_in_header',
  FILE_NAME: 'file_name',
  AIRCRAFT_TIME_WINDOW: 'aircraft_time_window',
  BOUNDARY_OVERLAP: 'boundary_overlap',
  /** An operator named the job (a re-match, or a manual upload for a job). */
  OPERATOR: 'operator',
  UNMATCHED: 'unmatched',
} as const;
export type MatchMethod = ValueOf<typeof MatchMethod>;
export const MatchMethodSchema = literalUnion([
  MatchMethod.JOB_ID_IN_HEADER,
  MatchMethod.FILE_NAME,
  MatchMethod.AIRCRAFT_TIME_WINDOW,
  MatchMethod.BOUNDARY_OVERLAP,
  MatchMethod.OPERATOR,
  MatchMethod.UNMATCHED,
]);

/** The last stage processing reached; `done` once the records are stored. */
export const ProcessingStage = {
  DECODE: 'decode',
  STATISTICS: 'statistics',
  MATCH: 'match',
  STORE: 'store',
  DONE: 'done',
} as const;
export type ProcessingStage = ValueOf<typeof ProcessingStage>;
export const ProcessingStageSchema = literalUnion([
  ProcessingStage.DECODE,
  ProcessingStage.STATISTICS,
  ProcessingStage.MATCH,
  ProcessingStage.STORE,
  ProcessingStage.DONE,
]);

export const ApplicationMatchSchema = Type.Object(
  {
    method: MatchMethodSchema,
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
export type ApplicationMatch = Static<typeof ApplicationMatchSchema>;

export const DecoderInfoSchema = Type.Object(
  {
    format: Type.String({ minLength: 1, maxLength: 64, description: 'log format name' }),
    version: Type.String({ minLength: 1, maxLength: 32, description: 'format or decoder version' }),
  },
  { additionalProperties: false },
);
export type DecoderInfo = Static<typeof DecoderInfoSchema>;

export const RecordCountsSchema = Type.Object(
  {
    read: Type.Integer({ minimum: 0 }),
    skipped: Type.Integer({ minimum: 0, description: 'well-formed records of a type the decoder does not use' }),
    corrupt: Type.Integer({ minimum: 0, description: 'records that failed their checksum or length' }),
  },
  { additionalProperties: false },
);
export type RecordCounts = Static<typeof RecordCountsSchema>;

export const ProcessingInfoSchema = Type.Object(
  {
    stage: ProcessingStageSchema,
    startedAt: TimestampSchema,
    finishedAt: Nullable(TimestampSchema),
    durationMs: Nullable(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type ProcessingInfo = Static<typeof ProcessingInfoSchema>;

/**
 * The application record of one processed log file. Written idempotently (one per
 * customer and content hash), so reprocessing replaces rather than duplicates.
 * `trackerId`/`logId` are null for a file that did not come through the poller.
 */
export const ApplicationFileSchema = Type.Object(
  {
    id: ObjectIdStringSchema,
    partnerCode: PartnerCodeSchema,
    customerId: ObjectIdStringSchema,
    trackerId: Nullable(ObjectIdStringSchema),
    logId: Nullable(PartnerLogIdSchema),
    aircraftId: Nullable(PartnerAircraftIdSchema),
    fileName: Type.String({ minLength: 1, maxLength: 255 }),
    storedFileId: ObjectIdStringSchema,
    contentHash: Sha256HexSchema,
    extJobId: Nullable(Type.String({ minLength: 1, maxLength: 128 })),
    jobId: Nullable(ObjectIdStringSchema),
    assignId: Nullable(ObjectIdStringSchema),
    match: ApplicationMatchSchema,
    decoder: DecoderInfoSchema,
    records: RecordCountsSchema,
    processing: ProcessingInfoSchema,
    summary: ApplicationSummarySchema,
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type ApplicationFile = Static<typeof ApplicationFileSchema>;

export const ApplicationFileViewSchema = ApplicationFileSchema;
export type ApplicationFileView = ApplicationFile;

/** One pass of an ApplicationFile (`fileId`), unique on (fileId, passIndex). */
export const ApplicationDetailSchema = Type.Object(
  {
    id: ObjectIdStringSchema,
    fileId: ObjectIdStringSchema,
    customerId: ObjectIdStringSchema,
    ...ApplicationPassSchema.properties,
  },
  { additionalProperties: false },
);
export type ApplicationDetail = Static<typeof ApplicationDetailSchema>;

export const ApplicationDetailViewSchema = ApplicationDetailSchema;
export type ApplicationDetailView = ApplicationDetail;

/** The layers of an application record, each stored and served as a MultiPolygon (WGS84). */
export const COVERAGE_LAYERS = ['treated', 'overlap', 'offTarget', 'skipped'] as const;
export type CoverageLayerName = (typeof COVERAGE_LAYERS)[number];
export const CoverageLayerNameSchema = literalUnion([...COVERAGE_LAYERS]);

/** A layer may be empty (nothing sprayed twice): a MultiPolygon with no parts, which GeoJSON allows. */
export const LayerGeometrySchema = Type.Object(
  {
    type: Type.Literal('MultiPolygon'),
    coordinates: Type.Array(MultiPolygonSchema.properties.coordinates.items, { description: `coverage pieces (a layer is not capped at ${MAX_MULTIPOLYGON_PARTS} parts)` }),
  },
  { additionalProperties: false },
);
export type LayerGeometry = Static<typeof LayerGeometrySchema>;

export const ApplicationLayersSchema = Type.Object(
  {
    treated: LayerGeometrySchema,
    overlap: LayerGeometrySchema,
    offTarget: LayerGeometrySchema,
    skipped: LayerGeometrySchema,
  },
  { additionalProperties: false, description: 'treated, sprayed more than once, sprayed outside the field, field not sprayed' },
);
export type ApplicationLayers = Static<typeof ApplicationLayersSchema>;

/**
 * A job's application record: computed from all its logs the way a log's is (the union of
 * their swaths), recomputed whenever one of its logs is processed. `fileIds` are the logs it
 * was computed from, so a reader can tell whether it is current.
 */
export const JobApplicationRecordSchema = Type.Object(
  {
    jobId: ObjectIdStringSchema,
    customerId: ObjectIdStringSchema,
    fileIds: Type.Array(ObjectIdStringSchema, { maxItems: 1000 }),
    summary: ApplicationSummarySchema,
    computedAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type JobApplicationRecord = Static<typeof JobApplicationRecordSchema>;

/**
 * Every swath strip of a log in WGS84, compact (typed arrays, stored as binary; no nested
 * arrays): ring i is the lon, lat pairs `lonLat[2 * ringStarts[i] .. 2 * ringStarts[i + 1])`,
 * not closed. A job's coverage is computed from its logs' swaths.
 */
export interface SwathSet {
  lonLat: Float64Array;
  ringStarts: Uint32Array;
}
