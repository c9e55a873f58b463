import type { SharedCircuitBreakerTimings } from '../resilience/shared-circuit.breaker.js';

export interface SatlocInCallRetry {
  /** Attempts in total for an idempotent call (1 = no retry). Non-idempotent calls (upload) try once. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A 429 asking to wait longer than this is not retried in the call: the queue waits instead. */
  maxRetryAfterMs: number;
}

export interface SatlocClientConfig {
  /** Root of the SatLoc API, ending in `/api/Satloc`. */
  baseUrl: string;
  /** Deadline of one request of a JSON endpoint (connect, headers, body). */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Deadline of one upload request. */
  uploadTimeoutMs: number;
  /** A download fails when no byte arrives for this long (slow-trickle protection). */
  downloadIdleTimeoutMs: number;
  /** JSON responses larger than this are refused. */
  maxJsonBytes: number;
  /**
   * HTTP method of AuthenticateAPIUser: GET as SatLoc documents it; POST for an account that
   * wants it. The credentials travel in the query string either way.
   */
  authMethod: 'GET' | 'POST';
  /** Token lifetime when the partner announces none. */
  defaultTokenTtlMs: number;
  /** Cached tokens are dropped this long before they expire. */
  tokenExpiryMarginMs: number;
  retry: SatlocInCallRetry;
  /** Breaker shared by all customers: opens when the partner itself fails (5xx, timeouts, refused). */
  breaker: SharedCircuitBreakerTimings;
  /**
   * Breaker per customer for rejected credentials, so a wrong stored password does not hammer
   * the partner (and risk locking the customer's account).
   */
  credentialsBreaker: SharedCircuitBreakerTimings;
  /** Randomness for jitter; injectable for tests. */
  random: () => number;
}

export const defaultSatlocClientConfig: Omit<SatlocClientConfig, 'baseUrl'> = {
  timeoutMs: 15_000,
  connectTimeoutMs: 5_000,
  uploadTimeoutMs: 60_000,
  downloadIdleTimeoutMs: 30_000,
  maxJsonBytes: 16 * 1024 * 1024,
  authMethod: 'GET',
  defaultTokenTtlMs: 20 * 60_000,
  tokenExpiryMarginMs: 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 10_000 },
  breaker: { failureThreshold: 5, failureWindowMs: 60_000, openMs: 30_000, probeTimeoutMs: 30_000 },
  credentialsBreaker: { failureThreshold: 3, failureWindowMs: 15 * 60_000, openMs: 5 * 60_000, probeTimeoutMs: 30_000 },
  random: Math.random,
};

export type SatlocClientSettings = { baseUrl: string } & Partial<Omit<SatlocClientConfig, 'baseUrl' | 'retry' | 'breaker' | 'credentialsBreaker'>> & {
  retry?: Partial<SatlocInCallRetry>;
  breaker?: Partial<SharedCircuitBreakerTimings>;
  credentialsBreaker?: Partial<SharedCircuitBreakerTimings>;
};

export function resolveSatlocConfig(settings: SatlocClientSettings): SatlocClientConfig {
  const d = defaultSatlocClientConfig;
  return {
    ...d,
    ...defined(settings),
    baseUrl: settings.baseUrl,
    retry: { ...d.retry, ...defined(settings.retry ?? {}) },
    breaker: { ...d.breaker, ...defined(settings.breaker ?? {}) },
    credentialsBreaker: { ...d.credentialsBreaker, ...defined(settings.credentialsBreaker ?? {}) },
  };
}

/** Drops keys whose value is undefined, so they do not override defaults. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
