import type { SwathSet } from '@agair/domain-models';
import type { GeoJsonFeatureCollection, GeoJsonMultiPolygon, GeoJsonPolygon, LonLat } from '../geometry/geojson.types.js';

export interface MinMaxAvg {
  min: number;
  max: number;
  avg: number;
}

export interface WeatherSample {
  /** ISO-8601 UTC time of the environment record. */
  time: string;
  windSpeedMps: number;
  windDirectionDeg: number;
  temperatureC: number;
  humidityPct: number;
}

export interface ApplicationWeather {
  atSprayStart: WeatherSample | null;
  atSprayEnd: WeatherSample | null;
  /** Over spraying time (time-weighted average). */
  windSpeedMps: MinMaxAvg | null;
  /** Circular mean over spraying time. */
  windDirectionDeg: number | null;
  temperatureC: MinMaxAvg | null;
  humidityPct: MinMaxAvg | null;
}

/** Stored as the summary of an `ApplicationFile`. No NaN or Infinity: unknown is null. */
export interface ApplicationSummary {
  startTime: string | null;
  endTime: string | null;
  flightTimeS: number;
  sprayTimeS: number;
  distanceFlownM: number;
  sprayedDistanceM: number;
  passCount: number;
  /** Boundary minus exclusions. */
  fieldAreaHa: number;
  /** Union of the swath footprints while spraying. */
  treatedAreaHa: number;
  treatedAreaAc: number;
  /** Sprayed more than once (by two or more passes). */
  overlapAreaHa: number;
  /** Treated ∩ field. */
  insideBoundaryAreaHa: number;
  /** Treated outside the boundary or inside an exclusion zone. */
  offTargetAreaHa: number;
  /** Field not treated. */
  skippedAreaHa: number;
  /** Skipped area as a share of the field; null when there is no field. */
  skippedPctOfField: number | null;
  /** Swath area summed over passes: ground sprayed twice counts twice. The rate's denominator. */
  grossSprayedAreaHa: number;
  volumeAppliedL: number;
  /** Volume over the swath area sprayed (overlap counted as often as it was sprayed): the rate the aircraft applied. */
  averageRateLPerHa: number | null;
  averageRateGalPerAc: number | null;
  targetRateLPerHa: number | null;
  rateDeviationPct: number | null;
  weather: ApplicationWeather;
}

/** One spray pass (boom on → off): an `ApplicationDetail`. */
export interface ApplicationPass {
  passIndex: number;
  startTime: string;
  endTime: string;
  durationS: number;
  distanceM: number;
  sprayedAreaHa: number;
  volumeL: number;
  averageRateLPerHa: number | null;
  averageSpeedMps: number;
  headingDeg: number;
  swathWidthM: number;
  startPosition: LonLat;
  endPosition: LonLat;
}

export type CoverageLayer = 'treated' | 'overlap' | 'offTarget' | 'skipped' | 'pass';

export interface CoverageProperties {
  layer: CoverageLayer;
  areaHa: number;
  /** Set on 'pass' features. */
  passIndex: number | null;
  volumeL: number | null;
  averageRateLPerHa: number | null;
}

export type CoverageCollection = GeoJsonFeatureCollection<GeoJsonMultiPolygon, CoverageProperties>;

export interface ApplicationField {
  boundary: GeoJsonPolygon | GeoJsonMultiPolygon;
  exclusions: GeoJsonPolygon[];
}

export interface RecordUsage {
  fixesUsed: number;
  /** Fixes with no position solution, impossible coordinates, or going back in time. */
  fixesRejected: number;
  /** Records with a timestamp outside 1980–2100. */
  recordsOutOfTimeRange: number;
}

export type { SwathSet };

export interface ApplicationStatistics {
  summary: ApplicationSummary;
  passes: ApplicationPass[];
  /**
   * As-applied coverage, WGS84: one feature per layer ('treated', 'overlap', 'offTarget',
   * 'skipped'; empty geometries without `withLayers`) and, optionally, one 'pass' feature per pass.
   */
  coverage: CoverageCollection;
  swaths: SwathSet;
  field: ApplicationField;
  usage: RecordUsage;
}

/** The field a log is measured against; a log can be measured against several (candidate jobs). */
export interface ApplicationFieldOptions {
  boundary: GeoJsonPolygon | GeoJsonMultiPolygon;
  exclusions?: GeoJsonPolygon[];
  /** Overrides the job header's and the flow records' target rate. */
  targetRateLPerHa?: number;
  /** Add one coverage feature per pass. Default true. */
  includePassFootprints?: boolean;
  /** Trace the outline of each layer. Default true; areas alone are cheaper (match scoring). */
  withLayers?: boolean;
}

export interface FlightAccumulatorOptions {
  /** Fixes slower than this do not count as flight time. Default 10 m/s. */
  minFlightSpeedMps?: number;
  /** Longer gaps between fixes do not count as flight time. Default 60 s. */
  maxFixGapS?: number;
  /** Swath when the log has no swath record. Default 0 (no area). */
  defaultSwathWidthM?: number;
}

export type ApplicationStatisticsOptions = ApplicationFieldOptions & FlightAccumulatorOptions;
