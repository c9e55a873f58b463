import { createPartnerServiceFactory, type PartnerServiceFactory } from '@agair/partner-sdk';
import type { Logger, RedisConnection, RedisFallback, Registry } from '@agair/service-kit';

export interface PartnerConfig {
  SATLOC_BASE_URL: string;
  SATLOC_TIMEOUT_MS: number;
  SATLOC_AUTH_METHOD: 'GET' | 'POST';
  PARTNER_STATE_KEY_PREFIX: string;
}

/**
 * Partner services sharing sessions and breakers through Redis. With `fallback` (the APIs), they
 * are kept in the process while Redis cannot answer; without it (workers, poller), each state
 * operation waits through the client's reconnect attempts, as it always did.
 */
export function createPartners(redis: RedisConnection, metrics: Registry, config: PartnerConfig, logger: Logger, fallback?: RedisFallback): PartnerServiceFactory {
  return createPartnerServiceFactory({
    redis: redis.client,
    ...(fallback ? { redisFallback: fallback.guard('partner_state') } : {}),
    metrics,
    logger,
    keyPrefix: config.PARTNER_STATE_KEY_PREFIX,
    satloc: { baseUrl: config.SATLOC_BASE_URL, timeoutMs: config.SATLOC_TIMEOUT_MS, authMethod: config.SATLOC_AUTH_METHOD },
  });
}
