import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  LogFailureReason,
  LogSkipReason,
  MatchMethod,
  ProcessingStage,
  type ApplicationMatch,
  type ApplicationSummary,
  type Job,
  type JobAssign,
  type PartnerCode,
} from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';
import { refreshJobApplicationRecord } from '@agair/runtime';
import {
  FLIGHT_LOG_VERSION_MAJOR,
  FLIGHT_LOG_VERSION_MINOR,
  FlightLogParseError,
  decodeFlightLog,
  isUnsupportedFormatCode,
  type FlightLogDecodeStats,
} from '@agair/satloc-parser';
import type { Logger } from '@agair/service-kit';
import type { ComputePool } from './compute-pool.js';
import { matchLog, type MatchedJob } from './log-matcher.js';

export interface StoredLogInput {
  partnerCode: PartnerCode;
  customerId: string;
  storedFileId: string;
  contentHash: string;
  trackerId: string | null;
  logId: string | null;
  aircraftId: string | null;
  fileName: string;
  /** The job an operator chose for this log (a re-match or a manual upload for a job): no matching. */
  jobOverride: string | null;
}

export type ProcessLogResult =
  | { outcome: 'processed'; applicationFileId: string; match: ApplicationMatch; summary: ApplicationSummary; formatName: string }
  /** The log shows no application (a ferry flight): nothing is stored and no job's record changes. */
  | { outcome: 'skipped'; reason: typeof LogSkipReason.NOTHING_APPLIED; message: string; match: ApplicationMatch; formatName: string }
  /**
   * Not a format the platform decodes (another vendor's file, SatLoc's proprietary Air Log, an
   * unknown major version); `reason` starts with `unsupported_format: `. Retrying cannot help.
   */
  | { outcome: 'unsupported'; reason: string; formatName: string }
  /** Our format, but the file as a whole cannot be used (empty, damaged preamble, too damaged, too complex): retrying cannot help. */
  | { outcome: 'unusable'; reason: string; formatName: string };

/** A decoder's whole-file failure: `unsupported` when the file is not in a format we decode, `unusable` when it is ours but damaged. */
export function undecodable(code: string, reason: string, formatName: string): Extract<ProcessLogResult, { outcome: 'unsupported' | 'unusable' }> {
  return isUnsupportedFormatCode(code)
    ? { outcome: 'unsupported', reason: `${LogFailureReason.UNSUPPORTED_FORMAT}: ${reason}`, formatName }
    : { outcome: 'unusable', reason, formatName };
}

/**
 * Why a log counts as applying nothing, or null when it applied something: no swath area and no
 * volume. A spray switched on without area or volume (a ground test) applied nothing either.
 * Damage found while reading is named, since a damaged log may have lost its spraying.
 */
export function nothingAppliedReason(summary: ApplicationSummary, decodeStats: Pick<FlightLogDecodeStats, 'recordsCorrupt' | 'truncatedTail'>): string | null {
  if (summary.treatedAreaHa > 0 || summary.grossSprayedAreaHa > 0 || summary.volumeAppliedL > 0) return null;
  const what =
    summary.sprayTimeS > 0
      ? `spray on for ${summary.sprayTimeS} s but no area or volume applied`
      : summary.distanceFlownM > 0
        ? 'ferry flight, spray never on'
        : 'no flight recorded';
  const damage = [
    decodeStats.recordsCorrupt > 0 ? `${decodeStats.recordsCorrupt} corrupt records` : null,
    decodeStats.truncatedTail ? 'the file ends inside a record' : null,
  ].filter((d): d is string => d !== null);
  return damage.length > 0 ? `${what} (${damage.join(', ')})` : what;
}

/** Identifying a log reads its first records on the event loop, yielding between slices. */
const SLICE_BYTES = 256 * 1024;

export async function* slices(bytes: Buffer, sliceBytes = SLICE_BYTES): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += sliceBytes) {
    yield bytes.subarray(offset, Math.min(bytes.length, offset + sliceBytes));
    await yieldToEventLoop();
  }
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

export interface ProcessLogFileDeps {
  repositories: Repositories;
  logger: Logger;
  compute: ComputePool;
}

/**
 * Turns a stored flight log into application records: identify → match to an assignment →
 * statistics against the job's field (on a worker thread) → store (idempotent per log content)
 * → recompute the job's record from all its logs. A log that applied nothing stops before the
 * store (`skipped`); one the decoders cannot read is `unsupported` or `unusable`.
 */
export async function processLogFile(deps: ProcessLogFileDeps, input: StoredLogInput): Promise<ProcessLogResult> {
  const startedAt = new Date();
  const bytes = await deps.repositories.logFiles.read(input.storedFileId);
  let identity: Awaited<ReturnType<typeof identify>>;
  try {
    identity = await identify(bytes);
  } catch (err) {
    if (err instanceof FlightLogParseError) return undecodable(err.code, `${err.code}: ${err.message}`, 'unknown');
    throw err;
  }

  const chosen = input.jobOverride === null ? null : await operatorMatch(deps, input, input.jobOverride);
  const matched =
    chosen ??
    (await matchLog(deps.repositories, {
      customerId: input.customerId,
      partnerCode: input.partnerCode,
      headerJobId: identity.headerJobId,
      fileName: input.fileName,
      aircraftId: input.aircraftId ?? identity.headerAircraftId,
      startedAtMs: identity.startedAtMs,
    }));
  const byOverlap = matched.overlapCandidates.length > 1;
  const candidates: { assign: JobAssign | null; job: Job }[] = byOverlap
    ? matched.overlapCandidates
    : matched.job
      ? [{ assign: matched.assign, job: matched.job }]
      : [];
  const measured = await deps.compute.measureLog({ bytes, candidates: candidates.map((c) => c.job), chooseByOverlap: byOverlap });
  if (measured.outcome === 'unusable') return undecodable(measured.code, measured.reason, measured.formatName);
  const picked = measured.chosen >= 0 ? candidates[measured.chosen] : null;
  const assign = picked?.assign ?? null;
  const job = picked?.job ?? null;
  let match = matched.match;
  if (byOverlap) {
    match = picked ? { method: MatchMethod.BOUNDARY_OVERLAP, confidence: round(measured.share) } : { method: MatchMethod.UNMATCHED, confidence: 0 };
  }

  const { statistics, decodeStats } = measured;
  // Decided on the whole log's statistics, after the match (which only names the job the flight
  // was for): nothing is stored and no job's record is recomputed, matched or not.
  const nothingApplied = nothingAppliedReason(statistics.summary, decodeStats);
  if (nothingApplied !== null) {
    deps.logger.info(
      { logId: input.logId, trackerId: input.trackerId, customerId: input.customerId, assignId: assign?.id ?? null, match: match.method, reason: nothingApplied },
      'flight log applied nothing; skipped',
    );
    return { outcome: 'skipped', reason: LogSkipReason.NOTHING_APPLIED, message: nothingApplied, match, formatName: measured.formatName };
  }
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
      decoder: { format: measured.formatName, version: `${FLIGHT_LOG_VERSION_MAJOR}.${FLIGHT_LOG_VERSION_MINOR}` },
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
    { layers: measured.layers, swaths: statistics.swaths },
  );
  // The job's record is the union over its logs; a log moved to another job leaves the old one's too.
  const jobIds = new Set([job?.id, saved.previousJobId].filter((id): id is string => typeof id === 'string'));
  for (const jobId of jobIds) {
    const refreshed = await refreshJobApplicationRecord({ repositories: deps.repositories, combine: deps.compute.combineJob }, input.customerId, jobId, job ?? undefined);
    if (refreshed.outcome === 'too_complex') deps.logger.warn({ jobId, customerId: input.customerId, reason: refreshed.reason }, 'job totals not computed: its logs together exceed the statistics work bound');
  }
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
  return { outcome: 'processed', applicationFileId: saved.file.id, match, summary: statistics.summary, formatName: measured.formatName };
}

/**
 * The job an operator named, with the log's aircraft's assignment to it if there is one. Null
 * when the job no longer exists (deleted since): the log is then matched as usual, with a warning.
 */
async function operatorMatch(deps: ProcessLogFileDeps, input: StoredLogInput, jobId: string): Promise<MatchedJob | null> {
  const job = await deps.repositories.jobs.findById(input.customerId, jobId);
  if (!job) {
    deps.logger.warn({ trackerId: input.trackerId, logId: input.logId, customerId: input.customerId, jobId }, 'the job an operator chose for this log no longer exists; matching the log as usual');
    return null;
  }
  const assigns = await deps.repositories.jobAssigns.listByJob(input.customerId, jobId);
  const assign = assigns.find((a) => a.partnerCode === input.partnerCode && a.partnerAircraftId === input.aircraftId) ?? null;
  return { match: { method: MatchMethod.OPERATOR, confidence: 1 }, assign, job, overlapCandidates: [] };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
