import type { PartnerHealth } from '@agair/partner-sdk';
import type { PollRun } from '@agair/persistence';
import { describe, expect, it } from 'vitest';
import { summarizePartnerStatus } from './partner-status.js';

const health = (over: Partial<PartnerHealth> = {}): PartnerHealth => ({
  partnerCode: 'SATLOC',
  up: true,
  reason: null,
  breakerState: 'closed',
  latencyMs: 4,
  checkedAt: '2025-05-02T10:00:00.000Z',
  ...over,
});

const run = (over: Partial<PollRun>): PollRun => ({
  id: '665f1c2ab3e4d5f6a7b8c9d0',
  owner: 'poller-1',
  partnerCode: 'SATLOC',
  customerId: null,
  status: 'succeeded',
  startedAt: '2025-05-02T09:00:00.000Z',
  finishedAt: '2025-05-02T09:00:05.000Z',
  durationMs: 5000,
  counters: {},
  errors: [],
  errorCount: 0,
  ...over,
});

const A = 'aaaaaaaaaaaaaaaaaaaaaaa1';
const B = 'bbbbbbbbbbbbbbbbbbbbbbb2';
const base = { partnerId: '665f1c2ab3e4d5f6a7b8c9d1', partnerCode: 'SATLOC' as const, activeJobs: 3, pendingUploads: 1, trackerErrors: [] };

describe('summarizePartnerStatus', () => {
  it('is online only when the health check answered and the breaker is not open', () => {
    expect(summarizePartnerStatus({ ...base, health: health(), runs: [] }).status).toBe('online');
    expect(summarizePartnerStatus({ ...base, health: health({ up: false, reason: 'partner-down' }), runs: [] }).status).toBe('offline');
    expect(summarizePartnerStatus({ ...base, health: health({ breakerState: 'open' }), runs: [] }).status).toBe('offline');
  });

  it('takes the last successful sync from runs of this partner or of all partners, skipping other partners and failed runs', () => {
    const runs = [
      run({ id: '1'.repeat(24), status: 'failed', startedAt: '2025-05-02T09:30:00.000Z', finishedAt: '2025-05-02T09:30:01.000Z' }),
      run({ id: '2'.repeat(24), partnerCode: 'AGIDRONEX', startedAt: '2025-05-02T09:20:00.000Z', finishedAt: '2025-05-02T09:20:01.000Z' }),
      run({ id: '3'.repeat(24), partnerCode: null, startedAt: '2025-05-02T09:10:00.000Z', finishedAt: '2025-05-02T09:10:09.000Z' }),
      run({ id: '4'.repeat(24) }),
    ];
    const status = summarizePartnerStatus({ ...base, health: health(), runs });
    expect(status.lastSuccessfulSyncAt).toBe('2025-05-02T09:10:09.000Z');
    expect(status.lastPollRun).toMatchObject({ id: '1'.repeat(24), status: 'failed' });
  });

  it("keeps the last successful sync per customer: another customer's failure or run does not freeze or fake it", () => {
    const failedForB = { partnerCode: 'SATLOC' as const, customerId: B, category: 'auth' as const, message: 'credentials rejected', at: '2025-05-02T09:40:00.000Z' };
    const runs = [
      // A syncData run for B alone, newest: says nothing of A.
      run({ id: '5'.repeat(24), customerId: B, startedAt: '2025-05-02T09:50:00.000Z', finishedAt: '2025-05-02T09:50:02.000Z' }),
      // A scheduled run in which B's credentials failed: partial, but A synced.
      run({ id: '6'.repeat(24), status: 'partial', errors: [failedForB], errorCount: 1, startedAt: '2025-05-02T09:40:00.000Z', finishedAt: '2025-05-02T09:40:03.000Z' }),
      run({ id: '7'.repeat(24), startedAt: '2025-05-02T09:30:00.000Z', finishedAt: '2025-05-02T09:30:04.000Z' }),
    ];
    expect(summarizePartnerStatus({ ...base, health: health(), runs, customerId: A }).lastSuccessfulSyncAt).toBe('2025-05-02T09:40:03.000Z');
    expect(summarizePartnerStatus({ ...base, health: health(), runs: runs.slice(1), customerId: B }).lastSuccessfulSyncAt).toBe('2025-05-02T09:30:04.000Z');
    // The platform's view: the newest run that reached the partner, partial or not.
    expect(summarizePartnerStatus({ ...base, health: health(), runs: runs.slice(1) }).lastSuccessfulSyncAt).toBe('2025-05-02T09:40:03.000Z');
  });

  it("merges poll-run and tracker errors newest first, keeps a customer's view to its own, and caps the list", () => {
    const errors = Array.from({ length: 12 }, (_, i) => ({
      partnerCode: 'SATLOC' as const,
      customerId: i % 2 === 0 ? A : B,
      category: 'network-timeout' as const,
      message: `timeout ${i}`,
      at: `2025-05-02T09:${String(10 + i).padStart(2, '0')}:00.000Z`,
    }));
    const runs = [run({ status: 'partial', errors, errorCount: 12 })];
    const trackerErrors = [{ source: 'log-tracker' as const, category: 'data-format', message: 'corrupt log', at: '2025-05-02T09:59:00.000Z', customerId: A }];
    const all = summarizePartnerStatus({ ...base, health: health(), runs, trackerErrors });
    expect(all.recentErrors).toHaveLength(10);
    expect(all.recentErrors[0]).toMatchObject({ source: 'log-tracker', message: 'corrupt log' });
    expect(all.recentErrors[1]?.message).toBe('timeout 11');
    const mine = summarizePartnerStatus({ ...base, health: health(), runs, trackerErrors, customerId: A });
    expect(mine.recentErrors.every((e) => e.customerId === A)).toBe(true);
    expect(mine.recentErrors).toHaveLength(7);
  });
});
