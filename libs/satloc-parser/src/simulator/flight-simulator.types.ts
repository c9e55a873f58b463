import type { GeoJsonPolygon, LonLat } from '../geometry/geojson.types.js';
import type { JobFile } from '../job-file/job-file.types.js';
import type { PlanarRing } from './field-shapes.js';

export interface WindChange {
  /** Seconds after the (first) take-off. */
  atS: number;
  speedMps: number;
  directionDeg: number;
}

export interface SimulatorFaults {
  /** Records of unknown types (0x40–0x7f) slipped in between real ones. */
  unknownRecords?: number;
  /** Records that get one bit flipped after writing (not the first two). */
  corruptRecords?: number;
  /** Runs of random bytes inserted between records. */
  garbageRuns?: number;
  /** Cut the file at this fraction of its length (0–1), usually inside a record. */
  truncateAtFraction?: number;
  /** Produce an empty file. */
  zeroLength?: boolean;
}

export interface SimulateFlightOptions {
  seed: number;
  /** Field outline in metres (x east, y north) around the origin. */
  boundaryM: PlanarRing;
  /** Exclusion zones inside the boundary, disjoint, in metres. */
  exclusionsM?: PlanarRing[];
  originLatDeg?: number;
  originLonDeg?: number;
  swathWidthM?: number;
  /** Distance between pass centre lines; smaller than the swath gives overlap. Default: the swath. */
  passSpacingM?: number;
  /** Direction of the passes, degrees clockwise from north. */
  passHeadingDeg?: number;
  groundSpeedMps?: number;
  fixRateHz?: number;
  targetRateLPerHa?: number;
  /** The boom opens this far before the field edge and closes this far after it (negative: late on, early off). */
  sprayLeadM?: number;
  /** Each boom switch (on and off) happens late by a random lag in [0, boomLagS] seconds. Default 0. */
  boomLagS?: number;
  /** Lines (0-based, in flying order) flown with the boom off: skipped strips. */
  skipPassIndices?: number[];
  /** Standard deviation of the GNSS position error per axis (Gauss–Markov, correlated in time). Default 0.1 m. */
  gpsNoiseM?: number;
  gpsNoiseCorrelationS?: number;
  headingNoiseDeg?: number;
  startTimeMs?: number;
  windSpeedMps?: number;
  windDirectionDeg?: number;
  windChanges?: WindChange[];
  temperatureC?: number;
  humidityPct?: number;
  weatherIntervalS?: number;
  /** Straight flight before the first and after the last spray point of each line. */
  runInM?: number;
  jobId?: string;
  aircraftId?: string;
  pilot?: string;
  product?: string;
  /** Fly the log's whole route this many times in one log (long logs for benchmarks). */
  repetitions?: number;
  /** Compute the ground truth (default true). */
  groundTruth?: boolean;
  /** Strip height of the ground-truth rasteriser. Default 0.1 m. */
  groundTruthStepM?: number;
  chunkSizeBytes?: number;
  /**
   * Stream the log out instead of keeping it (then `bytes` is empty and byte faults are refused).
   * A job's loads stream one after the other through the same callback.
   */
  onChunk?: (chunk: Buffer) => void;
  /** Applied to every log (each load of a job). */
  faults?: SimulatorFaults;
}

export type SimulateJobOptions = SimulateFlightOptions & {
  /** Loads (flight logs) the spray plan is split into, by equal sprayed length. Default 1. */
  loads?: number;
  /** Lines (0-based, in flying order) flown and sprayed again in full at the end of the last load. */
  reflyLines?: number[];
  /** Time on the ground between the end of one load's log and the start of the next. Default 1200 s. */
  ferryGapS?: number;
};

/** A boom-on interval as flown: the instants and places of the logged switches. */
export interface PlannedSpraySegment {
  passIndex: number;
  lineIndex: number;
  startTimeMs: number;
  endTimeMs: number;
  start: LonLat;
  end: LonLat;
  lengthM: number;
  volumeL: number;
}

export interface FlightPlan {
  swathWidthM: number;
  passSpacingM: number;
  passHeadingDeg: number;
  groundSpeedMps: number;
  flowLPerMin: number;
  targetRateLPerHa: number;
  /** Lines flown in this log, per repetition (partial and re-flown lines included). */
  lineCount: number;
  /** Every repetition's segments, in time order. */
  spraySegments: PlannedSpraySegment[];
  startTimeMs: number;
  endTimeMs: number;
  pathLengthM: number;
}

export interface GroundTruth {
  fieldAreaHa: number;
  treatedAreaHa: number;
  overlapAreaHa: number;
  insideBoundaryAreaHa: number;
  offTargetAreaHa: number;
  skippedAreaHa: number;
  volumeAppliedL: number;
  sprayTimeS: number;
  sprayedDistanceM: number;
  passCount: number;
}

export interface InjectedFaults {
  unknownRecordsWritten: number;
  corruptedRecordOffsets: number[];
  garbageOffsets: number[];
  truncatedAtByte: number | null;
  zeroLength: boolean;
}

export interface SimulatedFlight {
  /** The log (empty when streamed through `onChunk`). */
  bytes: Buffer;
  totalBytes: number;
  recordsWritten: number;
  field: { boundary: GeoJsonPolygon; exclusions: GeoJsonPolygon[] };
  jobFile: JobFile;
  plan: FlightPlan;
  groundTruth: GroundTruth | null;
  faults: InjectedFaults;
}

export interface SimulatedJob {
  /** One flight log per load, in flying order. */
  loads: SimulatedFlight[];
  field: { boundary: GeoJsonPolygon; exclusions: GeoJsonPolygon[] };
  jobFile: JobFile;
  /** The whole job: every load's sprayed rectangles together (overlap between loads counts). */
  groundTruth: GroundTruth | null;
}
