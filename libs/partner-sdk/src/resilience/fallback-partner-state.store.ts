import type { BreakerState } from '../partner.contract.js';
import { MemoryPartnerStateStore } from './memory-partner-state.store.js';
import type { BreakerAdmission, BreakerFailureSettings, BreakerKeys, PartnerStateStore } from './partner-state.store.js';

/**
 * Decides, per operation, whether the shared store answers or the fallback does. The apps pass
 * service-kit's `RedisFallback.guard('partner_state')`: the shared store is skipped while Redis is
 * not connected, given a short deadline otherwise, and each fallback is logged (once per outage)
 * and counted (`agair_degraded_total`).
 */
export interface StateStoreGuard {
  run<T>(primary: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T>;
}

/**
 * The shared store (Redis) while it answers, an in-process one while it does not, and the shared
 * one again once it is back. While degraded, each process has its own sessions (one more
 * authentication per customer and process) and its own breakers (a failing partner is detected
 * per process instead of once for all); what was kept in memory is not copied back.
 */
export class FallbackPartnerStateStore implements PartnerStateStore {
  constructor(
    private readonly shared: PartnerStateStore,
    private readonly guard: StateStoreGuard,
    private readonly local: PartnerStateStore = new MemoryPartnerStateStore(),
  ) {}

  get(key: string): Promise<string | null> {
    return this.guard.run(
      () => this.shared.get(key),
      () => this.local.get(key),
    );
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    return this.guard.run(
      () => this.shared.set(key, value, ttlMs),
      () => this.local.set(key, value, ttlMs),
    );
  }

  compareAndDelete(key: string, expected: string): Promise<boolean> {
    return this.guard.run(
      () => this.shared.compareAndDelete(key, expected),
      () => this.local.compareAndDelete(key, expected),
    );
  }

  del(...keys: string[]): Promise<void> {
    return this.guard.run(
      () => this.shared.del(...keys),
      () => this.local.del(...keys),
    );
  }

  breakerAdmit(keys: BreakerKeys, probeToken: string, probeTimeoutMs: number): Promise<BreakerAdmission> {
    return this.guard.run(
      () => this.shared.breakerAdmit(keys, probeToken, probeTimeoutMs),
      () => this.local.breakerAdmit(keys, probeToken, probeTimeoutMs),
    );
  }

  breakerSuccess(keys: BreakerKeys, probeToken: string): Promise<'closed' | 'stale-probe' | 'ok'> {
    return this.guard.run(
      () => this.shared.breakerSuccess(keys, probeToken),
      () => this.local.breakerSuccess(keys, probeToken),
    );
  }

  breakerFailure(keys: BreakerKeys, probeToken: string, settings: BreakerFailureSettings): Promise<'opened' | 'open' | 'counted'> {
    return this.guard.run(
      () => this.shared.breakerFailure(keys, probeToken, settings),
      () => this.local.breakerFailure(keys, probeToken, settings),
    );
  }

  breakerState(keys: BreakerKeys): Promise<BreakerState> {
    return this.guard.run(
      () => this.shared.breakerState(keys),
      () => this.local.breakerState(keys),
    );
  }
}
