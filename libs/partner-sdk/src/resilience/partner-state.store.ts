import type { BreakerState } from '../partner.contract.js';

export interface BreakerKeys {
  failures: string;
  open: string;
  tripped: string;
  probe: string;
}

export type BreakerAdmission =
  | { decision: 'closed' }
  | { decision: 'probe' }
  | { decision: 'open'; retryAfterMs: number }
  | { decision: 'half-open'; retryAfterMs: number };

export interface BreakerFailureSettings {
  failureThreshold: number;
  failureWindowMs: number;
  openMs: number;
  trippedTtlMs: number;
}

/**
 * Shared state of the SDK (auth sessions, circuit breakers), with the atomic operations it
 * needs. `RedisPartnerStateStore` shares it between replicas; `MemoryPartnerStateStore` keeps
 * it in one process (unit tests, a single-instance demo).
 */
export interface PartnerStateStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Deletes `key` only if it still holds `expected`. */
  compareAndDelete(key: string, expected: string): Promise<boolean>;
  del(...keys: string[]): Promise<void>;
  /** closed → go; open → reject; tripped but no longer open → one caller gets `probe`, the others `half-open`. */
  breakerAdmit(keys: BreakerKeys, probeToken: string, probeTimeoutMs: number): Promise<BreakerAdmission>;
  /** `closed` when the probe holding `probeToken` succeeded; `ok` for an ordinary success. */
  breakerSuccess(keys: BreakerKeys, probeToken: string): Promise<'closed' | 'stale-probe' | 'ok'>;
  /** `opened` when this failure opened (or reopened) the breaker. */
  breakerFailure(keys: BreakerKeys, probeToken: string, settings: BreakerFailureSettings): Promise<'opened' | 'open' | 'counted'>;
  breakerState(keys: BreakerKeys): Promise<BreakerState>;
}
