import type { BreakerState } from '../partner.contract.js';
import type { BreakerAdmission, BreakerFailureSettings, BreakerKeys, PartnerStateStore } from './partner-state.store.js';

/**
 * The same semantics as the Redis store, in one process (JavaScript runs each method without
 * interleaving, which gives the atomicity Lua gives in Redis). For unit tests and a
 * single-instance demo: replicas do not share it.
 */
export class MemoryPartnerStateStore implements PartnerStateStore {
  private readonly values = new Map<string, { value: string; expiresAtMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string): Promise<string | null> {
    return this.read(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.write(key, value, ttlMs);
  }

  async compareAndDelete(key: string, expected: string): Promise<boolean> {
    if (this.read(key) !== expected) return false;
    this.values.delete(key);
    return true;
  }

  async del(...keys: string[]): Promise<void> {
    for (const key of keys) this.values.delete(key);
  }

  async breakerAdmit(keys: BreakerKeys, probeToken: string, probeTimeoutMs: number): Promise<BreakerAdmission> {
    const openTtl = this.ttl(keys.open);
    if (openTtl > 0) return { decision: 'open', retryAfterMs: openTtl };
    if (this.read(keys.tripped) === null) return { decision: 'closed' };
    if (this.read(keys.probe) === null) {
      this.write(keys.probe, probeToken, probeTimeoutMs);
      return { decision: 'probe' };
    }
    return { decision: 'half-open', retryAfterMs: Math.max(1, this.ttl(keys.probe)) };
  }

  async breakerSuccess(keys: BreakerKeys, probeToken: string): Promise<'closed' | 'stale-probe' | 'ok'> {
    if (probeToken !== '') {
      if (this.read(keys.probe) !== probeToken) return 'stale-probe';
      await this.del(keys.failures, keys.open, keys.tripped, keys.probe);
      return 'closed';
    }
    this.values.delete(keys.failures);
    return 'ok';
  }

  async breakerFailure(keys: BreakerKeys, probeToken: string, s: BreakerFailureSettings): Promise<'opened' | 'open' | 'counted'> {
    const trip = (): 'opened' => {
      this.write(keys.open, '1', s.openMs);
      this.write(keys.tripped, '1', s.trippedTtlMs);
      this.values.delete(keys.failures);
      this.values.delete(keys.probe);
      return 'opened';
    };
    if (probeToken !== '' && this.read(keys.probe) === probeToken) return trip();
    if (this.read(keys.open) !== null) return 'open';
    const existing = this.values.get(keys.failures);
    const count = (this.read(keys.failures) === null ? 0 : Number(existing?.value)) + 1;
    if (count === 1) this.write(keys.failures, '1', s.failureWindowMs);
    else if (existing) existing.value = String(count);
    return count >= s.failureThreshold ? trip() : 'counted';
  }

  async breakerState(keys: BreakerKeys): Promise<BreakerState> {
    if (this.ttl(keys.open) > 0) return 'open';
    return this.read(keys.tripped) === null ? 'closed' : 'half-open';
  }

  private read(key: string): string | null {
    const entry = this.values.get(key);
    if (!entry) return null;
    if (entry.expiresAtMs <= this.now()) {
      this.values.delete(key);
      return null;
    }
    return entry.value;
  }

  private ttl(key: string): number {
    const entry = this.values.get(key);
    return entry && this.read(key) !== null ? entry.expiresAtMs - this.now() : -2;
  }

  private write(key: string, value: string, ttlMs: number): void {
    this.values.set(key, { value, expiresAtMs: this.now() + Math.max(1, ttlMs) });
  }
}
