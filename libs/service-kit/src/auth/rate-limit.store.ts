import { createRequire } from 'node:module';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { RedisFallback } from '../connections/redis-fallback.js';

interface RateCount {
  current: number;
  ttl: number;
}

/** The shape of @fastify/rate-limit's own stores (`store/RedisStore.js`, `store/LocalStore.js`). */
interface PluginStore {
  incr(key: string, callback: (error: Error | null, result: RateCount | null) => void, timeWindowMs: number, max: number): void;
  child(routeOptions: unknown): PluginStore;
}

interface StoreParams {
  continueExceeding: boolean;
  exponentialBackoff: boolean;
}

// The plugin's stores are CommonJS files without types or an exports map: loaded as they are.
const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, nameSpace: string) => PluginStore;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (continueExceeding: boolean, exponentialBackoff: boolean) => PluginStore;

function count(store: PluginStore, key: string, timeWindowMs: number, max: number): Promise<RateCount> {
  return new Promise((resolve, reject) => store.incr(key, (error, result) => (error || !result ? reject(error ?? new Error('no count')) : resolve(result)), timeWindowMs, max));
}

/**
 * Counts in Redis (shared by the replicas) and, while Redis cannot answer, in the process's
 * memory: the limit is then enforced per replica, so a caller may get up to replicas × max
 * requests per window during an outage. Chosen over "not enforced" because each replica still
 * stops a runaway client. The fallback warns and counts (`feature="rate_limit"`).
 */
class DegradableRateLimitStore {
  constructor(
    private readonly shared: PluginStore,
    private readonly local: PluginStore,
    private readonly fallback: RedisFallback,
  ) {}

  incr(key: string, callback: (error: Error | null, result?: RateCount) => void, timeWindowMs: number, max: number): void {
    this.fallback
      .run(
        'rate_limit',
        () => count(this.shared, key, timeWindowMs, max),
        () => count(this.local, key, timeWindowMs, max),
      )
      .then(
        (result) => callback(null, result),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
  }

  child(routeOptions: unknown): DegradableRateLimitStore {
    return new DegradableRateLimitStore(this.shared.child(routeOptions), this.local.child(routeOptions), this.fallback);
  }
}

/** The `store` option of @fastify/rate-limit (which constructs it with its settings). */
export function degradableRateLimitStore(redis: Redis, fallback: RedisFallback, nameSpace: string): FastifyRateLimitStoreCtor {
  return class extends DegradableRateLimitStore {
    constructor(params: object) {
      const { continueExceeding, exponentialBackoff } = params as StoreParams;
      super(new RedisStore(continueExceeding, exponentialBackoff, redis, nameSpace), new LocalStore(continueExceeding, exponentialBackoff), fallback);
    }
  } as unknown as FastifyRateLimitStoreCtor;
}
