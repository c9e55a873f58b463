import { PartnerCode } from '@agair/domain-models';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Dispatcher } from 'undici';
import { NotImplementedPartnerService } from './agidronex/agidronex.partner.js';
import { PartnerNotImplementedError } from './errors/partner.errors.js';
import { silentLogger, type PartnerLogger } from './logger.js';
import { PartnerMetrics } from './metrics/partner.metrics.js';
import type { PartnerService } from './partner.contract.js';
import { FallbackPartnerStateStore, type StateStoreGuard } from './resilience/fallback-partner-state.store.js';
import type { PartnerStateStore } from './resilience/partner-state.store.js';
import { RedisPartnerStateStore } from './resilience/redis-partner-state.store.js';
import { SatlocPartnerService } from './satloc/satloc.client.js';
import { resolveSatlocConfig, type SatlocClientSettings } from './satloc/satloc.config.js';

export interface PartnerServiceFactoryOptions {
  /** Auth cache and circuit breakers live here, shared by every replica (cache and locks only). */
  redis?: Redis;
  /** Instead of `redis`: another state store, e.g. MemoryPartnerStateStore for one process. */
  stateStore?: PartnerStateStore;
  /**
   * With `redis`: the state goes to an in-process store while Redis cannot answer, as this guard
   * decides (`FallbackPartnerStateStore`). Without it, every operation waits for Redis's client.
   */
  redisFallback?: StateStoreGuard;
  metrics: Registry;
  logger?: PartnerLogger;
  /** Prefix of every Redis key the SDK writes. Default `agair:partner:`. */
  keyPrefix?: string;
  satloc: SatlocClientSettings;
  dispatcher?: Dispatcher;
}

export interface PartnerServiceOverrides {
  /** The partner record's base URL, when it differs from the configured one. */
  baseUrl?: string;
}

export interface PartnerServiceFactory {
  /** The service for a partner code; one instance per (code, base URL), reused. */
  get(partnerCode: PartnerCode | string, overrides?: PartnerServiceOverrides): PartnerService;
  readonly implemented: readonly PartnerCode[];
  readonly planned: readonly PartnerCode[];
  /** Closes the HTTP connection pools of every instance. */
  close(): Promise<void>;
}

const PLANNED: readonly PartnerCode[] = [PartnerCode.AGIDRONEX];

/** Builds partner services for every app; unknown codes raise PartnerNotImplementedError. */
export function createPartnerServiceFactory(options: PartnerServiceFactoryOptions): PartnerServiceFactory {
  const logger = options.logger ?? silentLogger;
  const keyPrefix = options.keyPrefix ?? 'agair:partner:';
  const metrics = new PartnerMetrics(options.metrics);
  const store = options.stateStore ?? (options.redis ? sharedStore(options.redis, options.redisFallback) : undefined);
  if (!store) throw new TypeError('createPartnerServiceFactory needs `redis` (or a `stateStore`)');
  const instances = new Map<string, PartnerService & { close?: () => Promise<void> }>();

  return {
    implemented: [PartnerCode.SATLOC],
    planned: PLANNED,
    get(partnerCode, overrides = {}) {
      if (partnerCode === PartnerCode.SATLOC) {
        const config = resolveSatlocConfig({ ...options.satloc, ...(overrides.baseUrl ? { baseUrl: overrides.baseUrl } : {}) });
        const key = `${partnerCode}|${config.baseUrl}`;
        let service = instances.get(key);
        if (!service) {
          service = new SatlocPartnerService({ config, store, keyPrefix, metrics, logger, dispatcher: options.dispatcher });
          instances.set(key, service);
        }
        return service;
      }
      if ((PLANNED as readonly string[]).includes(partnerCode)) {
        let service = instances.get(partnerCode);
        if (!service) {
          service = new NotImplementedPartnerService(partnerCode as PartnerCode);
          instances.set(partnerCode, service);
        }
        return service;
      }
      throw new PartnerNotImplementedError(partnerCode, 'createPartnerService');
    },
    async close() {
      const all = [...instances.values()];
      instances.clear();
      await Promise.all(all.map((s) => s.close?.()));
    },
  };
}

function sharedStore(redis: Redis, fallback: StateStoreGuard | undefined): PartnerStateStore {
  const store = new RedisPartnerStateStore(redis);
  return fallback ? new FallbackPartnerStateStore(store, fallback) : store;
}
