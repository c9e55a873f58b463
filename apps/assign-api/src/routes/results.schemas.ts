import {
  ApplicationMatchSchema,
  ApplicationSummarySchema,
  MinMaxAvgSchema,
  ObjectIdStringSchema,
  PartnerCodeSchema,
  ProcessingStageSchema,
  TimestampSchema,
} from '@agair/domain-models';
import { Type } from 'typebox';

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
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

export const ApplicationTotalsSchema = Type.Object({
  fileCount: Type.Integer(),
  startTime: NullableString,
  endTime: NullableString,
  flightTimeS: Type.Number(),
  sprayTimeS: Type.Number(),
  distanceFlownM: Type.Number(),
  sprayedDistanceM: Type.Number(),
  passCount: Type.Integer(),
  treatedAreaHa: Type.Number({ description: 'sum over logs: ground sprayed in two logs counts twice' }),
  treatedAreaAc: Type.Number(),
  overlapAreaHa: Type.Number(),
  insideBoundaryAreaHa: Type.Number(),
  offTargetAreaHa: Type.Number(),
  volumeAppliedL: Type.Number(),
  averageRateLPerHa: Type.Union([Type.Number({ description: 'weighted by treated area' }), Type.Null()]),
  averageRateGalPerAc: NullableNumber,
  targetRateLPerHa: NullableNumber,
  rateDeviationPct: NullableNumber,
  weather: Type.Object({
    windSpeedMps: Type.Union([MinMaxAvgSchema, Type.Null()]),
    temperatureC: Type.Union([MinMaxAvgSchema, Type.Null()]),
    humidityPct: Type.Union([MinMaxAvgSchema, Type.Null()]),
  }),
});

export const ApplicationsResponse = Type.Object({
  jobId: ObjectIdStringSchema,
  files: Type.Array(ApplicationFileSummarySchema),
  totals: ApplicationTotalsSchema,
});
