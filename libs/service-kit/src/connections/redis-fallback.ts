import { ReplyError, type Redis } from 'ioredis';
import { withTimeout } from '../health/dependency.js';
import type { Logger } from '../logging/logger.js';
import { Counter, metric, type Registry } from '../metrics/metrics.js';

/** What an API does without Redis; the `feature` label of `agair_degraded_total`. */
export type RedisFeature = 'rate_limit' | 'idempotency' | 'partner_state';

export interface RedisFallbackSettings {
  redis: Redis;
  metrics: Registry;
  logger: Logger;
  /** How long a request waits for a Redis answer before it goes on without it. */
  timeoutMs: number;
}

/** Runs one operation on Redis, or its fallback when Redis cannot answer; what a feature guard does. */
export interface RedisFeatureGuard {
  run<T>(primary: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T>;
}

/**
 * Lets a request path go on without Redis. An operation goes to its fallback at once while the
 * client is not `ready` (ioredis would hold it in the offline queue through reconnect attempts),
 * and when Redis does not answer within `timeoutMs` or the connection fails under it. An error
 * Redis itself answered (a script error) is rethrown: that is a bug, not an outage. Each fallback
 * counts `agair_degraded_total{dependency="redis",feature}`; the first of an outage logs a
 * warning per feature, and the first success after it logs that the feature uses Redis again.
 */
export class RedisFallback {
  private readonly degraded = new Set<RedisFeature>();
  private readonly counter: Counter<'dependency' | 'feature'>;

  constructor(private readonly settings: RedisFallbackSettings) {
    this.counter = metric(
      settings.metrics,
      'agair_degraded_total',
      () =>
        new Counter({
          name: 'agair_degraded_total',
          help: 'Operations served without a dependency (degraded), by dependency and feature',
          labelNames: ['dependency', 'feature'] as const,
          registers: [settings.metrics],
        }),
    );
  }

  async run<T>(feature: RedisFeature, primary: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    const status = this.settings.redis.status;
    if (status !== 'ready') return this.degrade(feature, `Redis connection is ${status}`, fallback);
    let result: T;
    try {
      result = await withTimeout(primary(), this.settings.timeoutMs, `Redis did not answer within ${this.settings.timeoutMs} ms`);
    } catch (err) {
      if (err instanceof ReplyError) throw err;
      return this.degrade(feature, err instanceof Error ? err.message : String(err), fallback);
    }
    if (this.degraded.delete(feature)) this.settings.logger.info({ dependency: 'redis', feature }, 'Redis answers again; the feature uses it again');
    return result;
  }

  /** `run` bound to one feature, for a component that takes a guard (the partner state store). */
  guard(feature: RedisFeature): RedisFeatureGuard {
    return { run: (primary, fallback) => this.run(feature, primary, fallback) };
  }

  private degrade<T>(feature: RedisFeature, reason: string, fallback: () => T | Promise<T>): T | Promise<T> {
    this.counter.inc({ dependency: 'redis', feature });
    if (!this.degraded.has(feature)) {
      this.degraded.add(feature);
      this.settings.logger.warn({ dependency: 'redis', feature, reason }, `Redis unavailable: ${DEGRADED_BEHAVIOUR[feature]}`);
    }
    return fallback();
  }
}

const DEGRADED_BEHAVIOUR: Record<RedisFeature, string> = {
  rate_limit: 'rate limits are counted per replica, in memory, until it is back',
  idempotency: 'requests with an Idempotency-Key run without the replay guarantee until it is back',
  partner_state: 'partner sessions and circuit breakers are kept in this process until it is back',
};
