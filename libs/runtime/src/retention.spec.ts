import { describe, expect, it } from 'vitest';
import { parseDuration, retentionPolicy } from './retention.js';

describe('parseDuration', () => {
  it('reads a number and a unit, or forever', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('12h')).toBe(43_200_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('forever')).toBeNull();
  });

  it('refuses anything else, naming the value', () => {
    for (const bad of ['30', '30 d', '-1d', '1.5d', '1w', 'never', '']) expect(() => parseDuration(bad)).toThrow(new RegExp(`"${bad}"`));
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
