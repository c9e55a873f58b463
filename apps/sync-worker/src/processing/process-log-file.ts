import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  MatchMethod,
  ProcessingStage,
  type ApplicationMatch,
  type ApplicationSummary,
  type Job,
  type JobAssign,
  type MultiPolygon,
  type PartnerCode,
} from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';
import {
  FLIGHT_LOG_VERSION_MAJOR,
  FLIGHT_LOG_VERSION_MINOR,
  FlightLogParseError,
  computeApplicationStatistics,
  decodeFlightLog,
  type ApplicationStatistics,
  type FlightLogDecodeStats,
} from '@agair/satloc-parser';
import type { Logger } from '@agair/service-kit';
import { matchLog } from './log-matcher.js';

export interface StoredLogInput {
  partnerCode: PartnerCode;
  customerId: string;
  storedFileId: string;
  contentHash: string;
  trackerId: string | null;
  logId: string | null;
  aircraftId: string | null;
  fileName: string;
}

export type ProcessLogResult =
  | { outcome: 'processed'; applicationFileId: string; match: ApplicationMatch; summary: ApplicationSummary; formatName: string }
  /** The file as a whole cannot be decoded (empty, not a flight log, unsupported version): retrying cannot help. */
  | { outcome: 'unusable'; reason: string; formatName: string };

/** Decoding yields to the event loop between slices, so AMQP heartbeats keep flowing during long logs. */
const SLICE_BYTES = 256 * 1024;
/** A boundary-overlap match below this share of the treated area is no match. */
const MIN_OVERLAP_SHARE = 0.3;
const EMPTY_AREA: MultiPolygon = { type: 'MultiPolygon', coordinates: [] };

export async function* slices(bytes: Buffer, sliceBytes = SLICE_BYTES): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += sliceBytes) {
    yield bytes.subarray(offset, Math.min(bytes.length, offset + sliceBytes));
    await yieldToEventLoop();
  }
}

interface Computed {
  statistics: ApplicationStatistics;
  decodeStats: FlightLogDecodeStats;
  formatName: string;
}

/** Decode and statistics of a stored log against a job's field (or no field), yielding between slices. */
export async function compute(bytes: Buffer, job: Pick<Job, 'boundary' | 'exclusions' | 'targetRateLPerHa'> | null, sliceBytes = SLICE_BYTES): Promise<Computed> {
  const decoding = decodeFlightLog(slices(bytes, sliceBytes));
  const statistics = await computeApplicationStatistics(decoding, {
    boundary: job?.boundary ?? EMPTY_AREA,
    exclusions: job?.exclusions ?? [],
    ...(job ? { targetRateLPerHa: job.targetRateLPerHa } : {}),
    includePassFootprints: false,
  });
  return { statistics, decodeStats: decoding.stats, formatName: decoding.formatName ?? 'unknown' };
}

/** The first records: the header's job id and aircraft, and the first fix's time. */
async function identify(bytes: Buffer): Promise<{ headerJobId: string | null; headerAircraftId: string | null; startedAtMs: number | null }> {
  let headerJobId: string | null = null;
  let headerAircraftId: string | null = null;
  for await (const record of decodeFlightLog(slices(bytes))) {
    if (record.type === 'jobHeader' && headerJobId === null) {
      headerJobId = record.jobId || null;
      headerAircraftId = record.aircraftId || null;
    }
    if (record.type === 'gnssFix') return { headerJobId, headerAircraftId, startedAtMs: record.timeMs };
  }
  return { headerJobId, headerAircraftId, startedAtMs: null };
}

function treatedArea(statistics: ApplicationStatistics): MultiPolygon | null {
  const treated = statistics.coverage.features.find((f) => f.properties.layer === 'treated');
  return treated && treated.geometry.coordinates.length > 0 ? (treated.geometry as MultiPolygon) : null;
}

/**
 * Turns a stored flight log into application records: identify → match to an assignment →
 * statistics against the job's field → store (idempotent per log content).
 */
export async function processLogFile(
  deps: { repositories: Repositories; logger: Logger },
  input: StoredLogInput,
): Promise<ProcessLogResult> {
  const startedAt = new Date();
  const bytes = await deps.repositories.logFiles.read(input.storedFileId);
  let identity: Awaited<ReturnType<typeof identify>>;
  try {
    identity = await identify(bytes);
  } catch (err) {
    if (err instanceof FlightLogParseError) return { outcome: 'unusable', reason: `${err.code}: ${err.message}`, formatName: 'unknown' };
    throw err;
  }

  const matched = await matchLog(deps.repositories, {
    customerId: input.customerId,
    partnerCode: input.partnerCode,
    headerJobId: identity.headerJobId,
    fileName: input.fileName,
    aircraftId: input.aircraftId ?? identity.headerAircraftId,
    startedAtMs: identity.startedAtMs,
  });

  let match = matched.match;
  let assign: JobAssign | null = matched.assign;
  let job: Job | null = matched.job;
  let computed = await compute(bytes, job);
  if (matched.overlapCandidates.length > 1) {
    // Several jobs could be it: the one whose field holds most of what was sprayed.
    let best = { share: share(computed.statistics.summary), computed, assign, job };
    for (const candidate of matched.overlapCandidates.slice(1)) {
      const other = await compute(bytes, candidate.job);
      const otherShare = share(other.statistics.summary);
      if (otherShare > best.share) best = { share: otherShare, computed: other, assign: candidate.assign, job: candidate.job };
    }
    ({ computed, assign, job } = best);
    match =
      best.share >= MIN_OVERLAP_SHARE
        ? { method: MatchMethod.BOUNDARY_OVERLAP, confidence: round(best.share) }
        : { method: MatchMethod.UNMATCHED, confidence: 0 };
    if (match.method === MatchMethod.UNMATCHED) {
      computed = await compute(bytes, null);
      assign = null;
      job = null;
    }
  }

  const { statistics, decodeStats } = computed;
  const finishedAt = new Date();
  const saved = await deps.repositories.applicationRecords.saveProcessedLog(
    {
      partnerCode: input.partnerCode,
      customerId: input.customerId,
      trackerId: input.trackerId,
      logId: input.logId,
      aircraftId: input.aircraftId ?? identity.headerAircraftId,
      fileName: input.fileName,
      storedFileId: input.storedFileId,
      contentHash: input.contentHash,
      extJobId: assign?.extJobId ?? identity.headerJobId,
      jobId: job?.id ?? null,
      assignId: assign?.id ?? null,
      match,
      decoder: { format: computed.formatName, version: `${FLIGHT_LOG_VERSION_MAJOR}.${FLIGHT_LOG_VERSION_MINOR}` },
      records: { read: decodeStats.recordsRead, skipped: decodeStats.recordsSkipped, corrupt: decodeStats.recordsCorrupt },
      processing: {
        stage: ProcessingStage.DONE,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs: finishedAt.getTime() - startedAt.getTime(),
      },
      summary: statistics.summary,
    },
    statistics.passes,
    treatedArea(statistics),
  );
  deps.logger.info(
    {
      logId: input.logId,
      trackerId: input.trackerId,
      customerId: input.customerId,
      assignId: assign?.id ?? null,
      match: match.method,
      treatedAreaHa: statistics.summary.treatedAreaHa,
      recordsCorrupt: decodeStats.recordsCorrupt,
    },
    'flight log processed',
  );
  return { outcome: 'processed', applicationFileId: saved.file.id, match, summary: statistics.summary, formatName: computed.formatName };
}

function share(summary: ApplicationSummary): number {
  return summary.treatedAreaHa > 0 ? summary.insideBoundaryAreaHa / summary.treatedAreaHa : 0;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
