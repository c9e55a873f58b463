import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keepLeaseAlive } from './lease-keeper.js';

describe('keepLeaseAlive', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews every third of the lease until stopped, and not after', async () => {
    const renew = vi.fn(async () => true);
    const keeper = keepLeaseAlive({ renew, leaseMs: 3000, onLost: () => expect.fail('not lost'), onError: () => expect.fail('no error') });
    await vi.advanceTimersByTimeAsync(999);
    expect(renew).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(renew).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(renew).toHaveBeenCalledTimes(3);
    keeper.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(renew).toHaveBeenCalledTimes(3);
  });

  it('reports a lost lease once and stops renewing', async () => {
    const renew = vi.fn(async () => renew.mock.calls.length < 2);
    const onLost = vi.fn();
    keepLeaseAlive({ renew, leaseMs: 300, onLost, onError: () => expect.fail('no error') });
    await vi.advanceTimersByTimeAsync(1000);
    expect(renew).toHaveBeenCalledTimes(2);
    expect(onLost).toHaveBeenCalledTimes(1);
  });

  it('keeps trying after a failed renewal (the store away for a moment): the lease is valid until it expires', async () => {
    let calls = 0;
    const renew = vi.fn(async () => {
      calls += 1;
      if (calls === 1) throw new Error('connection reset');
      return true;
    });
    const onError = vi.fn();
    const keeper = keepLeaseAlive({ renew, leaseMs: 300, onLost: () => expect.fail('not lost'), onError });
    await vi.advanceTimersByTimeAsync(300);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(renew).toHaveBeenCalledTimes(3);
    keeper.stop();
  });

  it('does not report a renewal that finishes after stop()', async () => {
    let release: (held: boolean) => void = () => undefined;
    const renew = vi.fn(() => new Promise<boolean>((resolve) => (release = resolve)));
    const onLost = vi.fn();
    const keeper = keepLeaseAlive({ renew, leaseMs: 300, onLost, onError: vi.fn() });
    await vi.advanceTimersByTimeAsync(100);
    keeper.stop();
    release(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(onLost).not.toHaveBeenCalled();
    expect(renew).toHaveBeenCalledTimes(1);
  });
});
