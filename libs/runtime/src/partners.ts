import { createPartnerServiceFactory, type PartnerServiceFactory } from '@agair/partner-sdk';
import type { Logger, RedisConnection, Registry } from '@agair/service-kit';

export interface PartnerConfig {
  SATLOC_BASE_URL: string;
  SATLOC_TIMEOUT_MS: number;
  SATLOC_AUTH_METHOD: 'GET' | 'POST';
  PARTNER_STATE_KEY_PREFIX: string;
}

export function createPartners(redis: RedisConnection, metrics: Registry, config: PartnerConfig, logger: Logger): PartnerServiceFactory {
  return createPartnerServiceFactory({
    redis: redis.client,
    metrics,
    logger,
    keyPrefix: config.PARTNER_STATE_KEY_PREFIX,
    satloc: { baseUrl: config.SATLOC_BASE_URL, timeoutMs: config.SATLOC_TIMEOUT_MS, authMethod: config.SATLOC_AUTH_METHOD },
  });
}
