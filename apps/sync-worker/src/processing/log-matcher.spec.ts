import { AssignStatus, type Job, type JobAssign } from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';
import { describe, expect, it } from 'vitest';
import { matchLog, type LogIdentity } from './log-matcher.js';

const customerId = 'c'.repeat(24);

function assign(id: string, extJobId: string, uploadedAt: string): JobAssign {
  return {
    id: id.padStart(24, 'a'),
    jobId: id.padStart(24, 'b'),
    userId: 'd'.repeat(24),
    customerId,
    partnerCode: 'SATLOC',
    partnerAircraftId: '101',
    status: AssignStatus.UPLOADED,
    extJobId,
    notes: '',
    upload: { attempts: 1, lastError: null, lastAttemptAt: uploadedAt, uploadedAt, syncStatus: 'synced' },
    pollingEndedAt: null,
    createdAt: uploadedAt,
    updatedAt: uploadedAt,
  };
}

/** Just the repository methods the matcher uses, over fixed data. */
function repositories(assigns: JobAssign[]): Repositories {
  return {
    jobAssigns: {
      findByExtJobId: async (_c: string, _p: string, extJobId: string) => assigns.find((a) => a.extJobId === extJobId) ?? null,
      listUploadedForAircraft: async () => [...assigns].sort((a, b) => (b.upload.uploadedAt ?? '').localeCompare(a.upload.uploadedAt ?? '')),
    },
    jobs: { findById: async (_c: string, jobId: string) => ({ id: jobId, name: `job ${jobId}` }) as unknown as Job },
  } as unknown as Repositories;
}

const log = (overrides: Partial<LogIdentity>): LogIdentity => ({
  customerId,
  partnerCode: 'SATLOC',
  headerJobId: null,
  fileName: 'flight.alog',
  aircraftId: '101',
  startedAtMs: Date.parse('2026-06-01T12:00:00Z'),
  ...overrides,
});

describe('matchLog', () => {
  const early = assign('1', '1001', '2026-06-01T08:00:00.000Z');
  const late = assign('2', '1002', '2026-06-01T10:00:00.000Z');
  const afterFlight = assign('3', '1003', '2026-06-01T13:00:00.000Z');

  it('trusts the job id in the log header first', async () => {
    const matched = await matchLog(repositories([early, late]), log({ headerJobId: '1001', fileName: 'AC101_J1002.alog' }));
    expect(matched).toMatchObject({ match: { method: 'job_id_in_header', confidence: 1 }, assign: { id: early.id } });
  });

  it('falls back to the partner job id in the file name', async () => {
    const matched = await matchLog(repositories([early, late]), log({ headerJobId: '999', fileName: 'AC101_J1002_P0_77.alog' }));
    expect(matched).toMatchObject({ match: { method: 'file_name' }, assign: { id: late.id } });
  });

  it('takes the only job uploaded for the aircraft before the flight', async () => {
    const matched = await matchLog(repositories([early, afterFlight]), log({}));
    expect(matched).toMatchObject({ match: { method: 'aircraft_time_window', confidence: 0.7 }, assign: { id: early.id } });
  });

  it('offers the candidates for a boundary-overlap decision when several jobs fit the time window', async () => {
    const matched = await matchLog(repositories([early, late, afterFlight]), log({}));
    expect(matched.match).toEqual({ method: 'aircraft_time_window', confidence: 0.5 });
    expect(matched.overlapCandidates.map((c) => c.assign.id)).toEqual([late.id, early.id]);
  });

  it('reports a log nothing matches as unmatched rather than dropping it', async () => {
    const matched = await matchLog(repositories([afterFlight]), log({ aircraftId: '101' }));
    expect(matched).toMatchObject({ match: { method: 'unmatched', confidence: 0 }, assign: null, job: null });
    expect((await matchLog(repositories([]), log({ aircraftId: null }))).match.method).toBe('unmatched');
  });
});
