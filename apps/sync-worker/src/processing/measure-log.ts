import type { Job, PackedLayers } from '@agair/domain-models';
import { combineJob as combineLogs, type CombinedJob } from '@agair/runtime';
import {
  FlightLogParseError,
  StatisticsError,
  accumulateFlight,
  decodeFlightLog,
  packCoverageLayers,
  type ApplicationStatistics,
  type FlightLogDecodeStats,
  type FlightLogParseErrorCode,
  type JobField,
  type LogForJob,
  type StatisticsErrorCode,
} from '@agair/satloc-parser';

/** Decoding yields between slices of this size (it runs on a worker thread, but stays streaming). */
const SLICE_BYTES = 256 * 1024;
/** A boundary-overlap match below this share of the treated area is no match. */
export const MIN_OVERLAP_SHARE = 0.3;

export type FieldOf = Pick<Job, 'boundary' | 'exclusions' | 'targetRateLPerHa'>;

export interface MeasureRequest {
  bytes: Uint8Array;
  /** Candidate jobs' fields, best evidence first; empty: measure without a field. */
  candidates: FieldOf[];
  /** Several candidates: keep the one holding most of the treated area (none below MIN_OVERLAP_SHARE). */
  chooseByOverlap: boolean;
}

export type MeasureResult =
  | {
      outcome: 'measured';
      /** Without its coverage features: the layers travel packed (cheap to copy between threads). */
      statistics: ApplicationStatistics;
      layers: PackedLayers;
      decodeStats: FlightLogDecodeStats;
      formatName: string;
      /** Index of the candidate measured against (-1: none fitted, measured without a field). */
      chosen: number;
      /** Share of the treated area inside the chosen field. */
      share: number;
    }
  /** Retrying cannot help: the file cannot be decoded, or its geometry exceeds the engine's bounds. */
  | { outcome: 'unusable'; code: FlightLogParseErrorCode | StatisticsErrorCode; reason: string; formatName: string };

const NO_FIELD: FieldOf = { boundary: { type: 'MultiPolygon', coordinates: [] }, exclusions: [], targetRateLPerHa: 0 };

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += SLICE_BYTES) yield bytes.subarray(offset, Math.min(bytes.length, offset + SLICE_BYTES));
}

/**
 * A log's application record against the field of the job it belongs to. The records are read
 * once; when several candidate jobs could be it, each field is measured (areas only, cheap) and
 * the best one gets the full record with its layers. Runs on a worker thread (compute-pool.ts).
 */
export async function measureLog(request: MeasureRequest): Promise<MeasureResult> {
  const decoding = decodeFlightLog(slices(request.bytes));
  try {
    const flight = await accumulateFlight(decoding);
    let chosen = request.candidates.length > 0 ? 0 : -1;
    let share = 0;
    if (request.chooseByOverlap && request.candidates.length > 1) {
      const shares = request.candidates.map((field) => insideShare(flight.finish({ ...fieldOptions(field), withLayers: false, includePassFootprints: false })));
      share = Math.max(...shares);
      chosen = share >= MIN_OVERLAP_SHARE ? shares.indexOf(share) : -1;
    }
    const field = chosen >= 0 ? request.candidates[chosen] : NO_FIELD;
    const statistics = flight.finish({ ...fieldOptions(field), includePassFootprints: false });
    if (!request.chooseByOverlap || request.candidates.length <= 1) share = insideShare(statistics);
    const layers = packCoverageLayers(statistics.coverage);
    statistics.coverage = { type: 'FeatureCollection', features: [] };
    return { outcome: 'measured', statistics, layers, decodeStats: decoding.stats, formatName: decoding.formatName ?? 'unknown', chosen, share };
  } catch (err) {
    if (err instanceof FlightLogParseError || err instanceof StatisticsError) {
      return { outcome: 'unusable', code: err.code, reason: `${err.code}: ${err.message}`, formatName: decoding.formatName ?? 'unknown' };
    }
    throw err;
  }
}

/** A job's record from its logs (runs on a worker thread too). */
export function combineJob(request: { logs: LogForJob[]; field: JobField }): CombinedJob {
  return combineLogs(request.logs, request.field);
}

/** Without a job (target 0) the log's own target rate (header or flow records) is used. */
function fieldOptions(field: FieldOf) {
  return { boundary: field.boundary, exclusions: field.exclusions, ...(field.targetRateLPerHa > 0 ? { targetRateLPerHa: field.targetRateLPerHa } : {}) };
}

function insideShare(statistics: ApplicationStatistics): number {
  const s = statistics.summary;
  return s.treatedAreaHa > 0 ? s.insideBoundaryAreaHa / s.treatedAreaHa : 0;
}
