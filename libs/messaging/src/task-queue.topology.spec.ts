import { describe, expect, it } from 'vitest';
import { taskQueueTopology, tierFor } from './task-queue.topology.js';

describe('taskQueueTopology', () => {
  it('names the queues from the base name and the prefix', () => {
    const t = taskQueueTopology('partner_tasks', { prefix: 'dev_', retryTiersMs: [30_000, 1000, 3_600_000, 120_000] });
    expect(t.main).toBe('dev_partner_tasks');
    expect(t.failed).toBe('dev_partner_tasks_failed');
    expect(t.tiers.map((tier) => tier.queue)).toEqual([
      'dev_partner_tasks_retry_1s',
      'dev_partner_tasks_retry_30s',
      'dev_partner_tasks_retry_2m',
      'dev_partner_tasks_retry_1h',
    ]);
  });

  it('rejects empty or non-positive tiers', () => {
    expect(() => taskQueueTopology('q', { retryTiersMs: [] })).toThrow(RangeError);
    expect(() => taskQueueTopology('q', { retryTiersMs: [0] })).toThrow(RangeError);
  });

  it('picks the smallest tier that covers the delay, and the longest for longer delays', () => {
    const t = taskQueueTopology('q', { retryTiersMs: [1000, 5000, 30_000] });
    expect(tierFor(t, 10).ttlMs).toBe(1000);
    expect(tierFor(t, 1000).ttlMs).toBe(1000);
    expect(tierFor(t, 1001).ttlMs).toBe(5000);
    expect(tierFor(t, 29_999).ttlMs).toBe(30_000);
    expect(tierFor(t, 10 * 60_000).ttlMs).toBe(30_000);
  });
});
