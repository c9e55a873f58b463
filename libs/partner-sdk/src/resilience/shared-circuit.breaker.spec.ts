import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { MemoryPartnerStateStore } from './memory-partner-state.store.js';
import { CircuitOpenError, SharedCircuitBreaker } from './shared-circuit.breaker.js';

class Clock {
  nowMs = 1_000_000;
  readonly now = (): number => this.nowMs;
}

function breakers(clock: Clock) {
  const store = new MemoryPartnerStateStore(clock.now);
  const make = () =>
    new SharedCircuitBreaker({
      store,
      keyPrefix: 't:',
      scope: 'SATLOC',
      logger: silentLogger,
      failureThreshold: 3,
      failureWindowMs: 10_000,
      openMs: 5_000,
      probeTimeoutMs: 2_000,
    });
  return [make(), make()] as const;
}

const failing = () => Promise.reject(new Error('partner down'));
const always = () => true;

describe('SharedCircuitBreaker (in-memory store)', () => {
  it('opens after the threshold and rejects every instance sharing the store', async () => {
    const clock = new Clock();
    const [a, b] = breakers(clock);
    for (let i = 0; i < 3; i++) await expect(a.execute(failing, always)).rejects.toThrow('partner down');
    let called = false;
    const error = await b
      .execute(async () => {
        called = true;
      }, always)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect((error as CircuitOpenError).retryAfterMs).toBeLessThanOrEqual(5_000);
    expect(called).toBe(false);
    expect(await b.state()).toBe('open');
  });

  it('lets exactly one probe through when half-open and closes when it succeeds', async () => {
    const clock = new Clock();
    const [a, b] = breakers(clock);
    for (let i = 0; i < 3; i++) await a.execute(failing, always).catch(() => undefined);
    clock.nowMs += 5_001;
    expect(await a.state()).toBe('half-open');
    let release: () => void = () => undefined;
    const probe = a.execute(() => new Promise<string>((resolve) => (release = () => resolve('ok'))), always);
    await Promise.resolve();
    await expect(b.execute(async () => 'second', always)).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    expect(await probe).toBe('ok');
    expect(await b.state()).toBe('closed');
    expect(await b.execute(async () => 'after', always)).toBe('after');
  });

  it('reopens when the probe fails', async () => {
    const clock = new Clock();
    const [a] = breakers(clock);
    for (let i = 0; i < 3; i++) await a.execute(failing, always).catch(() => undefined);
    clock.nowMs += 5_001;
    await expect(a.execute(failing, always)).rejects.toThrow('partner down');
    expect(await a.state()).toBe('open');
  });

  it('does not count errors that show the partner alive, and a success resets the count', async () => {
    const clock = new Clock();
    const [a] = breakers(clock);
    for (let i = 0; i < 5; i++) await a.execute(failing, () => false).catch(() => undefined);
    expect(await a.state()).toBe('closed');
    await a.execute(failing, always).catch(() => undefined);
    await a.execute(failing, always).catch(() => undefined);
    await a.execute(async () => 1, always);
    await a.execute(failing, always).catch(() => undefined);
    await a.execute(failing, always).catch(() => undefined);
    expect(await a.state()).toBe('closed');
  });

  it('forgets failures older than the window', async () => {
    const clock = new Clock();
    const [a] = breakers(clock);
    await a.execute(failing, always).catch(() => undefined);
    await a.execute(failing, always).catch(() => undefined);
    clock.nowMs += 10_001;
    await a.execute(failing, always).catch(() => undefined);
    expect(await a.state()).toBe('closed');
  });
});
