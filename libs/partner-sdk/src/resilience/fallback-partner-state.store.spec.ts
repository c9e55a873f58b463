import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { FallbackPartnerStateStore, type StateStoreGuard } from './fallback-partner-state.store.js';
import { MemoryPartnerStateStore } from './memory-partner-state.store.js';
import type { BreakerKeys } from './partner-state.store.js';
import { CircuitOpenError, SharedCircuitBreaker } from './shared-circuit.breaker.js';

/** Redis up or down, as service-kit's RedisFallback decides it; counts the operations each side served. */
class SwitchGuard implements StateStoreGuard {
  up = true;
  served = { shared: 0, fallback: 0 };
  async run<T>(primary: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    if (this.up) {
      this.served.shared += 1;
      return primary();
    }
    this.served.fallback += 1;
    return fallback();
  }
}

const keys: BreakerKeys = { failures: 'b:{SATLOC}:failures', open: 'b:{SATLOC}:open', tripped: 'b:{SATLOC}:tripped', probe: 'b:{SATLOC}:probe' };
const failure = { failureThreshold: 2, failureWindowMs: 10_000, openMs: 60_000, trippedTtlMs: 120_000 };

function stores() {
  const shared = new MemoryPartnerStateStore();
  const local = new MemoryPartnerStateStore();
  const guard = new SwitchGuard();
  return { shared, local, guard, store: new FallbackPartnerStateStore(shared, guard, local) };
}

describe('FallbackPartnerStateStore', () => {
  it('keeps state in the shared store while it answers', async () => {
    const { shared, local, store } = stores();
    await store.set('auth:SATLOC:c1', 'token-1', 60_000);
    expect(await shared.get('auth:SATLOC:c1')).toBe('token-1');
    expect(await local.get('auth:SATLOC:c1')).toBeNull();
    expect(await store.compareAndDelete('auth:SATLOC:c1', 'token-1')).toBe(true);
    expect(await shared.get('auth:SATLOC:c1')).toBeNull();
  });

  it('keeps sessions and breakers in the process while the shared store is down, and uses the shared one again when it is back', async () => {
    const { shared, guard, store } = stores();
    await store.set('auth:SATLOC:c1', 'shared-token', 60_000);

    guard.up = false;
    expect(await store.get('auth:SATLOC:c1')).toBeNull();
    await store.set('auth:SATLOC:c1', 'local-token', 60_000);
    expect(await store.get('auth:SATLOC:c1')).toBe('local-token');
    expect(await store.breakerFailure(keys, '', failure)).toBe('counted');
    expect(await store.breakerFailure(keys, '', failure)).toBe('opened');
    expect(await store.breakerState(keys)).toBe('open');
    expect(await store.breakerAdmit(keys, 'probe-1', 1000)).toMatchObject({ decision: 'open' });
    // Nothing of the outage reached the shared store.
    expect(await shared.get('auth:SATLOC:c1')).toBe('shared-token');
    expect(await shared.breakerState(keys)).toBe('closed');

    guard.up = true;
    expect(await store.get('auth:SATLOC:c1')).toBe('shared-token');
    expect(await store.breakerState(keys)).toBe('closed');
    expect(await store.breakerAdmit(keys, 'probe-2', 1000)).toEqual({ decision: 'closed' });
    await store.del('auth:SATLOC:c1');
    expect(await shared.get('auth:SATLOC:c1')).toBeNull();
    expect(guard.served).toEqual({ shared: 5, fallback: 7 });
  });

  it('lets a circuit breaker open on a failing partner while the shared store is down', async () => {
    const { guard, store } = stores();
    guard.up = false;
    const breaker = new SharedCircuitBreaker({
      store,
      keyPrefix: 't:',
      scope: 'SATLOC',
      logger: silentLogger,
      failureThreshold: 2,
      failureWindowMs: 10_000,
      openMs: 60_000,
      probeTimeoutMs: 2_000,
    });
    const failing = () => Promise.reject(new Error('partner down'));
    for (let i = 0; i < 2; i++) await expect(breaker.execute(failing, () => true)).rejects.toThrow('partner down');
    await expect(breaker.execute(async () => 'called', () => true)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(guard.served.shared).toBe(0);
  });
});
