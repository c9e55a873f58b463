import { randomUUID } from 'node:crypto';
import type { PartnerLogger } from '../logger.js';
import type { BreakerState } from '../partner.contract.js';
import type { BreakerKeys, PartnerStateStore } from './partner-state.store.js';

export interface SharedCircuitBreakerTimings {
  /** Consecutive failures (within `failureWindowMs`) that open the breaker. */
  failureThreshold: number;
  /** Failures older than this are forgotten (fixed window from the first one). */
  failureWindowMs: number;
  /** How long the breaker stays open before one probe may try. */
  openMs: number;
  /** A probe that has not reported within this time is presumed dead; another may probe. */
  probeTimeoutMs: number;
}

export interface SharedCircuitBreakerOptions extends SharedCircuitBreakerTimings {
  store: PartnerStateStore;
  /** Key prefix, e.g. `agair:partner:`. */
  keyPrefix: string;
  /** What the breaker protects, e.g. `SATLOC` or `SATLOC:customer:<id>:auth`. */
  scope: string;
  logger: PartnerLogger;
  /** Called with the state this process observed after each decision. */
  onState?: (state: BreakerState) => void;
}

/** Thrown by {@link SharedCircuitBreaker.execute} without running the call. */
export class CircuitOpenError extends Error {
  constructor(
    readonly scope: string,
    readonly retryAfterMs: number,
  ) {
    super(`circuit ${scope} is open; retry in ${retryAfterMs} ms`);
    this.name = 'CircuitOpenError';
  }
}

/**
 * A circuit breaker whose state is shared by every process through the state store (Redis):
 * when the partner fails `failureThreshold` times in a row, every replica rejects calls fast for
 * `openMs`; then exactly one caller across replicas probes, and its result closes or reopens the
 * breaker. If the store fails, calls go through (fail open) with a warning: the breaker protects
 * the partner and must not take the platform down with Redis.
 */
export class SharedCircuitBreaker {
  private readonly keys: BreakerKeys;
  private readonly trippedTtlMs: number;

  constructor(private readonly options: SharedCircuitBreakerOptions) {
    const base = `${options.keyPrefix}breaker:{${options.scope}}`;
    this.keys = { failures: `${base}:failures`, open: `${base}:open`, tripped: `${base}:tripped`, probe: `${base}:probe` };
    // Outlives any realistic open period without leaking keys forever.
    this.trippedTtlMs = Math.max(options.openMs * 10, 24 * 3600_000);
  }

  get scope(): string {
    return this.options.scope;
  }

  /**
   * Runs `call` unless the breaker is open. `isFailure` says which errors count against the
   * partner (a 404 or a validation error shows the partner is alive: it counts as success).
   */
  async execute<T>(call: () => Promise<T>, isFailure: (error: unknown) => boolean): Promise<T> {
    const probeToken = await this.admit();
    try {
      const result = await call();
      await this.succeeded(probeToken);
      return result;
    } catch (error) {
      if (isFailure(error)) await this.failed(probeToken);
      else await this.succeeded(probeToken);
      throw error;
    }
  }

  /** The state in the store right now. */
  state(): Promise<BreakerState> {
    return this.options.store.breakerState(this.keys);
  }

  async reset(): Promise<void> {
    await this.options.store.del(this.keys.failures, this.keys.open, this.keys.tripped, this.keys.probe);
    this.options.onState?.('closed');
  }

  /** The probe token when this caller is the half-open probe, '' when closed. */
  private async admit(): Promise<string> {
    const token = randomUUID();
    let admission;
    try {
      admission = await this.options.store.breakerAdmit(this.keys, token, this.options.probeTimeoutMs);
    } catch (error) {
      this.storeFailed(error);
      return '';
    }
    if (admission.decision === 'closed') {
      this.options.onState?.('closed');
      return '';
    }
    if (admission.decision === 'probe') {
      this.options.onState?.('half-open');
      this.options.logger.info({ breaker: this.options.scope }, 'circuit half-open: this call probes the partner');
      return token;
    }
    this.options.onState?.(admission.decision);
    throw new CircuitOpenError(this.options.scope, admission.retryAfterMs);
  }

  private async succeeded(probeToken: string): Promise<void> {
    try {
      if ((await this.options.store.breakerSuccess(this.keys, probeToken)) === 'closed') {
        this.options.onState?.('closed');
        this.options.logger.info({ breaker: this.options.scope }, 'circuit closed after a successful probe');
      }
    } catch (error) {
      this.storeFailed(error);
    }
  }

  private async failed(probeToken: string): Promise<void> {
    const o = this.options;
    try {
      const outcome = await o.store.breakerFailure(this.keys, probeToken, {
        failureThreshold: o.failureThreshold,
        failureWindowMs: o.failureWindowMs,
        openMs: o.openMs,
        trippedTtlMs: this.trippedTtlMs,
      });
      if (outcome === 'opened') {
        o.onState?.('open');
        o.logger.warn({ breaker: o.scope, openMs: o.openMs }, probeToken ? 'circuit probe failed: reopened' : 'circuit opened');
      }
    } catch (error) {
      this.storeFailed(error);
    }
  }

  private storeFailed(error: unknown): void {
    this.options.logger.warn(
      { breaker: this.options.scope, reason: error instanceof Error ? error.message : String(error) },
      'circuit breaker state unavailable; letting the call through',
    );
  }
}
