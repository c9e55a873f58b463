import { AssignStatus, type Job, type JobAssign } from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';
import { FLIGHT_LOG_MAGIC, crc32, fieldShapes, simulateFlight, type ApplicationSummary } from '@agair/satloc-parser';
import { createLogger } from '@agair/service-kit';
import { describe, expect, it } from 'vitest';
import type { ComputePool } from './compute-pool.js';
import { measureLog } from './measure-log.js';
import { nothingAppliedReason, processLogFile, type StoredLogInput } from './process-log-file.js';

const customerId = 'c'.repeat(24);
const EXT_JOB_ID = '4242';
const boundaryM = fieldShapes.rectangle(300, 200);
/** Every line flown with the boom off: a ferry flight over the field. */
const ferry = simulateFlight({ seed: 5, boundaryM, skipPassIndices: Array.from({ length: 100 }, (_, i) => i), jobId: EXT_JOB_ID, groundTruth: false });
const sprayed = simulateFlight({ seed: 5, boundaryM, jobId: EXT_JOB_ID, groundTruth: false });

const job = { id: 'b'.repeat(24), name: 'South field', boundary: sprayed.field.boundary, exclusions: sprayed.field.exclusions, targetRateLPerHa: 30 } as unknown as Job;
const assign: JobAssign = {
  id: 'a'.repeat(24),
  jobId: job.id,
  userId: 'd'.repeat(24),
  customerId,
  partnerCode: 'SATLOC',
  partnerAircraftId: '101',
  status: AssignStatus.UPLOADED,
  extJobId: EXT_JOB_ID,
  notes: '',
  upload: { attempts: 1, lastError: null, lastAttemptAt: '2025-05-31T08:00:00.000Z', uploadedAt: '2025-05-31T08:00:00.000Z', syncStatus: 'synced' },
  pollingEndedAt: null,
  createdAt: '2025-05-31T08:00:00.000Z',
  updatedAt: '2025-05-31T08:00:00.000Z',
};

/**
 * The repositories processLogFile reads (the stored bytes, the matcher's look-ups) over fixed
 * data; any write to the application records is recorded, so a test can show there was none.
 */
function world(bytes: Buffer, options: { assigned: boolean; jobExists?: boolean }) {
  const writes: string[] = [];
  const applicationRecords = new Proxy({}, { get: (_t, method) => async () => void writes.push(String(method)) });
  const repositories = {
    logFiles: { read: async () => bytes },
    jobAssigns: {
      findByExtJobId: async (_c: string, _p: string, extJobId: string) => (options.assigned && extJobId === EXT_JOB_ID ? assign : null),
      listUploadedForAircraft: async () => (options.assigned ? [assign] : []),
      listByJob: async (_c: string, jobId: string) => (options.assigned && jobId === job.id ? [assign] : []),
    },
    jobs: { findById: async (_c: string, jobId: string) => (options.jobExists !== false && jobId === job.id ? job : null) },
    applicationRecords,
  } as unknown as Repositories;
  const compute: ComputePool = { measureLog, combineJob: async () => Promise.reject(new Error('no job record should be combined')), close: async () => undefined };
  const deps = { repositories, compute, logger: createLogger({ name: 'test', level: 'silent' }) };
  return { deps, writes };
}

const input: StoredLogInput = {
  partnerCode: 'SATLOC',
  customerId,
  storedFileId: 'e'.repeat(24),
  contentHash: 'f'.repeat(64),
  trackerId: '1'.repeat(24),
  logId: '17',
  aircraftId: '101',
  fileName: 'AC101_17.alog',
  jobOverride: null,
};

/** A preamble of our format announcing another major version (valid checksum). */
function futureVersion(): Buffer {
  const bytes = Buffer.from(sprayed.bytes);
  bytes.writeUInt16LE(2, 8);
  bytes.writeUInt32LE(crc32(bytes, 0, 12), 12);
  return bytes;
}

describe('processLogFile: a log that applied nothing', () => {
  it('is skipped as a ferry flight when matched to its job, storing no application record', async () => {
    const { deps, writes } = world(ferry.bytes, { assigned: true });
    const result = await processLogFile(deps, input);
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'nothing_applied', message: 'ferry flight, spray never on', match: { method: 'job_id_in_header' } });
    expect(writes).toEqual([]);
  });

  it('is skipped, not failed, when it matches no job', async () => {
    const { deps, writes } = world(ferry.bytes, { assigned: false });
    const result = await processLogFile(deps, input);
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'nothing_applied', match: { method: 'unmatched' } });
    expect(writes).toEqual([]);
  });

  it('is not what a sprayed log is: that one is measured and stored', async () => {
    const { deps, writes } = world(sprayed.bytes, { assigned: true });
    // The fake store returns nothing, so the run stops after the write; the write is what counts.
    await processLogFile(deps, input).catch(() => undefined);
    expect(writes).toContain('saveProcessedLog');
  });
});

describe('processLogFile: the job an operator chose', () => {
  it('is used whatever the log says, even when nothing else would match it', async () => {
    const { deps } = world(ferry.bytes, { assigned: false });
    const result = await processLogFile(deps, { ...input, jobOverride: job.id });
    expect(result).toMatchObject({ outcome: 'skipped', match: { method: 'operator', confidence: 1 } });
  });

  it('falls back to matching the log when that job no longer exists', async () => {
    const { deps } = world(ferry.bytes, { assigned: true, jobExists: false });
    const result = await processLogFile(deps, { ...input, jobOverride: job.id });
    // The header names the assignment's job, which is gone too: unmatched, not the operator's.
    expect(result).toMatchObject({ outcome: 'skipped', match: { method: 'unmatched' } });
  });
});

describe('processLogFile: a file it cannot decode', () => {
  it.each([
    ['another vendor’s file (a ZIP archive)', Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00flightlog.bin and more bytes')],
    ['a binary log of another layout (as SatLoc’s proprietary Air Log is)', Buffer.concat([Buffer.from([0x02, 0x00, 0x41, 0x4c]), Buffer.alloc(64, 0x11)])],
    ['our format in a major version we do not read', futureVersion()],
  ])('fails %s as unsupported_format', async (_name, bytes) => {
    const { deps, writes } = world(bytes, { assigned: true });
    const result = await processLogFile(deps, input);
    expect(result.outcome).toBe('unsupported');
    expect(result).toMatchObject({ reason: expect.stringMatching(/^unsupported_format: (UNKNOWN_FORMAT|BAD_MAGIC|UNSUPPORTED_VERSION): /) });
    expect(writes).toEqual([]);
  });

  it.each([
    ['our preamble cut short', Buffer.from(FLIGHT_LOG_MAGIC), /^TRUNCATED_PREAMBLE: /],
    ['our preamble damaged', Buffer.concat([Buffer.from(FLIGHT_LOG_MAGIC), Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), sprayed.bytes.subarray(16)]), /^CORRUPT_PREAMBLE: /],
    ['an empty file', Buffer.alloc(0), /^EMPTY_FILE: /],
  ])('fails %s as damaged, not unsupported', async (_name, bytes, reason) => {
    const { deps } = world(bytes, { assigned: true });
    const result = await processLogFile(deps, input);
    expect(result).toMatchObject({ outcome: 'unusable', reason: expect.stringMatching(reason) });
  });
});

describe('nothingAppliedReason', () => {
  const none: ApplicationSummary = {
    startTime: null,
    endTime: null,
    flightTimeS: 0,
    sprayTimeS: 0,
    distanceFlownM: 0,
    sprayedDistanceM: 0,
    passCount: 0,
    fieldAreaHa: 0,
    treatedAreaHa: 0,
    treatedAreaAc: 0,
    overlapAreaHa: 0,
    insideBoundaryAreaHa: 0,
    offTargetAreaHa: 0,
    skippedAreaHa: 0,
    skippedPctOfField: null,
    grossSprayedAreaHa: 0,
    volumeAppliedL: 0,
    averageRateLPerHa: null,
    averageRateGalPerAc: null,
    targetRateLPerHa: null,
    rateDeviationPct: null,
    weather: { atSprayStart: null, atSprayEnd: null, windSpeedMps: null, windDirectionDeg: null, temperatureC: null, humidityPct: null },
  };
  const clean = { recordsCorrupt: 0, truncatedTail: false };

  it('names a ferry flight, a spray on without area or volume, and a log with no flight', () => {
    expect(nothingAppliedReason({ ...none, flightTimeS: 600, distanceFlownM: 12_000 }, clean)).toBe('ferry flight, spray never on');
    expect(nothingAppliedReason({ ...none, flightTimeS: 60, sprayTimeS: 4 }, clean)).toBe('spray on for 4 s but no area or volume applied');
    expect(nothingAppliedReason(none, clean)).toBe('no flight recorded');
  });

  it('says when the log was damaged, since the damage may have hidden the spraying', () => {
    expect(nothingAppliedReason({ ...none, distanceFlownM: 800 }, { recordsCorrupt: 3, truncatedTail: true })).toBe(
      'ferry flight, spray never on (3 corrupt records, the file ends inside a record)',
    );
  });

  it('is null as soon as any area or volume was applied', () => {
    expect(nothingAppliedReason({ ...none, distanceFlownM: 800, grossSprayedAreaHa: 0.01 }, clean)).toBeNull();
    expect(nothingAppliedReason({ ...none, distanceFlownM: 800, volumeAppliedL: 0.5 }, clean)).toBeNull();
    expect(nothingAppliedReason({ ...none, treatedAreaHa: 0.2 }, clean)).toBeNull();
  });
});
