import { describe, expect, it } from 'vitest';
import { parseRetention, retentionPolicy } from './retention.js';

describe('parseRetention', () => {
  it('reads a number and a unit, or forever', () => {
    expect(parseRetention('30d')).toBe(30 * 86_400_000);
    expect(parseRetention('12h')).toBe(43_200_000);
    expect(parseRetention('15m')).toBe(900_000);
    expect(parseRetention('5s')).toBe(5000);
    expect(parseRetention('250ms')).toBe(250);
    expect(parseRetention('0s')).toBe(0);
    expect(parseRetention('forever')).toBeNull();
  });

  it('refuses anything else, naming the value', () => {
    for (const bad of ['30', '30 d', '-1d', '1.5d', '1w', 'never', '']) expect(() => parseRetention(bad)).toThrow(new RegExp(`"${bad}"`));
  });
});

describe('retentionPolicy', () => {
  it('takes the documented default for every setting left out', () => {
    expect(retentionPolicy({ RETENTION_RAW_LOGS: '7d' })).toEqual({
      keepMs: { raw_logs: 7 * 86_400_000, task_trackers: 30 * 86_400_000, poll_runs: 14 * 86_400_000, sync_requests: 14 * 86_400_000 },
      batchSize: 100,
      batchPauseMs: 200,
      maxPerSweep: 20_000,
      dryRun: false,
    });
  });
});
