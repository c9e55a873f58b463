import type { GeoJsonFeatureCollection, GeoJsonMultiPolygon, GeoJsonPolygon } from '../../src/geometry/geojson.types.js';
import type { ApplicationField, ApplicationPass, ApplicationWeather, MinMaxAvg, RecordUsage, WeatherSample } from '../../src/statistics/application-statistics.types.js';

/* The baseline's own types where they differ from today's (no skipped %, no gross area, no swaths). */
export type { ApplicationField, ApplicationPass, ApplicationWeather, MinMaxAvg, RecordUsage, WeatherSample };

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
  volumeAppliedL: number;
  /** Volume over the swath area sprayed (overlap counted as often as it was sprayed): the rate the aircraft applied. */
  averageRateLPerHa: number | null;
  averageRateGalPerAc: number | null;
  targetRateLPerHa: number | null;
  rateDeviationPct: number | null;
  weather: ApplicationWeather;
}

export type CoverageLayer = 'treated' | 'overlap' | 'offTarget' | 'pass';

export interface CoverageProperties {
  layer: CoverageLayer;
  areaHa: number;
  /** Set on 'pass' features. */
  passIndex: number | null;
  volumeL: number | null;
  averageRateLPerHa: number | null;
}

export type CoverageCollection = GeoJsonFeatureCollection<GeoJsonMultiPolygon, CoverageProperties>;

export interface ApplicationStatistics {
  summary: ApplicationSummary;
  passes: ApplicationPass[];
  /** As-applied coverage, WGS84: 'treated', 'overlap', 'offTarget' and (optionally) one 'pass' feature per pass. */
  coverage: CoverageCollection;
  field: ApplicationField;
  usage: RecordUsage;
}

export interface ApplicationStatisticsOptions {
  boundary: GeoJsonPolygon | GeoJsonMultiPolygon;
  exclusions?: GeoJsonPolygon[];
  /** Overrides the job header's and the flow records' target rate. */
  targetRateLPerHa?: number;
  /** Add one coverage feature per pass. Default true. */
  includePassFootprints?: boolean;
  /** Fixes slower than this do not count as flight time. Default 10 m/s. */
  minFlightSpeedMps?: number;
  /** Longer gaps between fixes do not count as flight time. Default 60 s. */
  maxFixGapS?: number;
  /** Swath when the log has no swath record. Default 0 (no area). */
  defaultSwathWidthM?: number;
}
