export * from './partner.contract.js';
export * from './errors/partner.errors.js';
export { parseRetryAfterMs } from './errors/retry-after.parser.js';
export {
  defaultRetryPolicy,
  fullJitterDelayMs,
  retryDecision,
  type BackoffRule,
  type RetryDecision,
  type RetryPolicy,
} from './errors/retry-decision.js';
export { redactSecrets } from './redaction/secret.redactor.js';
export { silentLogger, type PartnerLogger } from './logger.js';
export { collectLogDownload } from './log-download.collector.js';
export {
  createPartnerServiceFactory,
  type PartnerServiceFactory,
  type PartnerServiceFactoryOptions,
  type PartnerServiceOverrides,
} from './partner-service.factory.js';
export { SatlocPartnerService } from './satloc/satloc.client.js';
export {
  defaultSatlocClientConfig,
  resolveSatlocConfig,
  type SatlocClientConfig,
  type SatlocClientSettings,
  type SatlocInCallRetry,
} from './satloc/satloc.config.js';
export { SatlocEndpoint, SATLOC_ENDPOINTS } from './satloc/satloc.endpoints.js';
export { NotImplementedPartnerService } from './agidronex/agidronex.partner.js';
export {
  CircuitOpenError,
  SharedCircuitBreaker,
  type SharedCircuitBreakerOptions,
  type SharedCircuitBreakerTimings,
} from './resilience/shared-circuit.breaker.js';
export type {
  BreakerAdmission,
  BreakerFailureSettings,
  BreakerKeys,
  PartnerStateStore,
} from './resilience/partner-state.store.js';
export { RedisPartnerStateStore } from './resilience/redis-partner-state.store.js';
export { MemoryPartnerStateStore } from './resilience/memory-partner-state.store.js';
export { FallbackPartnerStateStore, type StateStoreGuard } from './resilience/fallback-partner-state.store.js';
export { PartnerMetrics } from './metrics/partner.metrics.js';
