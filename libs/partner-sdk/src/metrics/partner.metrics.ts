import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState } from '../partner.contract.js';

export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Partner-call metrics. Labels are only partner, endpoint and outcome (a category, `success` or
 * `circuit-open`): never a customer or anything from a request.
 */
export class PartnerMetrics {
  readonly requests: Counter<'partner_code' | 'endpoint' | 'outcome'>;
  readonly duration: Histogram<'partner_code' | 'endpoint' | 'outcome'>;
  readonly breakerState: Gauge<'partner_code' | 'scope'>;
  readonly authCache: Counter<'partner_code' | 'result'>;

  constructor(registry: Registry) {
    this.requests = reuse(registry, 'agair_partner_requests_total', () =>
      new Counter({
        name: 'agair_partner_requests_total',
        help: 'Partner API requests by endpoint and outcome',
        labelNames: ['partner_code', 'endpoint', 'outcome'] as const,
        registers: [registry],
      }),
    );
    this.duration = reuse(registry, 'agair_partner_request_duration_seconds', () =>
      new Histogram({
        name: 'agair_partner_request_duration_seconds',
        help: 'Partner API request latency (to response headers) by endpoint and outcome',
        labelNames: ['partner_code', 'endpoint', 'outcome'] as const,
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
    );
    this.breakerState = reuse(registry, 'agair_partner_breaker_state', () =>
      new Gauge({
        name: 'agair_partner_breaker_state',
        help: 'Shared circuit breaker state as last seen by this process: 0 closed, 1 half-open, 2 open',
        labelNames: ['partner_code', 'scope'] as const,
        registers: [registry],
      }),
    );
    this.authCache = reuse(registry, 'agair_partner_auth_cache_total', () =>
      new Counter({
        name: 'agair_partner_auth_cache_total',
        help: 'Token lookups: hit (cached in Redis), shared (joined an in-flight authentication), miss (authenticated)',
        labelNames: ['partner_code', 'result'] as const,
        registers: [registry],
      }),
    );
  }
}

/** Several clients (and test cases) may share a registry: register each metric once. */
function reuse<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
