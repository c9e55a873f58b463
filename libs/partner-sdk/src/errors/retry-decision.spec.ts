import { describe, expect, it } from 'vitest';
import {
  PartnerAuthError,
  PartnerDataFormatError,
  PartnerDownError,
  PartnerNetworkTimeoutError,
  PartnerNotFoundError,
  PartnerNotImplementedError,
  PartnerRateLimitError,
  toDomainErrorCategory,
} from './partner.errors.js';
import { defaultRetryPolicy, retryDecision } from './retry-decision.js';

const at = { partnerCode: 'SATLOC', endpoint: 'GetAircraftLogs' };
const maxRandom = { random: () => 0.999999 };

describe('retryDecision', () => {
  it('backs off exponentially with full jitter after a network timeout, then dead-letters', () => {
    const error = new PartnerNetworkTimeoutError('timeout', at);
    const ceilings = [1, 2, 3, 4].map((attempt) => {
      const decision = retryDecision(error, attempt, maxRandom);
      expect(decision.action).toBe('retry');
      return decision.action === 'retry' ? decision.delayMs : -1;
    });
    expect(ceilings[1]).toBeGreaterThan(ceilings[0]);
    expect(ceilings[3]).toBeGreaterThan(ceilings[2]);
    // Full jitter: with randomness 0 the delay is 0, never the ceiling.
    expect(retryDecision(error, 4, { random: () => 0 })).toMatchObject({ action: 'retry', delayMs: 0 });
    expect(retryDecision(error, defaultRetryPolicy.networkTimeout.maxAttempts, maxRandom)).toMatchObject({
      action: 'dead-letter',
      category: 'network-timeout',
    });
  });

  it('waits a fixed delay after an auth failure and dead-letters after the allowed attempts', () => {
    const error = new PartnerAuthError('401', { ...at, httpStatus: 401 });
    expect(retryDecision(error, 1)).toEqual({ action: 'retry', delayMs: defaultRetryPolicy.auth.baseDelayMs, category: 'auth' });
    expect(retryDecision(error, 2)).toEqual({ action: 'retry', delayMs: defaultRetryPolicy.auth.baseDelayMs, category: 'auth' });
    expect(retryDecision(error, 3)).toMatchObject({ action: 'dead-letter', category: 'auth' });
  });

  it('honours Retry-After on a rate limit, capped', () => {
    expect(retryDecision(new PartnerRateLimitError('429', { ...at, retryAfterMs: 42_000 }), 1)).toEqual({
      action: 'retry',
      delayMs: 42_000,
      category: 'rate-limit',
    });
    const huge = retryDecision(new PartnerRateLimitError('429', { ...at, retryAfterMs: 10 * 3600_000 }), 1);
    expect(huge).toEqual({ action: 'retry', delayMs: defaultRetryPolicy.rateLimit.maxDelayMs, category: 'rate-limit' });
  });

  it('backs off on a rate limit without Retry-After', () => {
    const decision = retryDecision(new PartnerRateLimitError('429', at), 2, maxRandom);
    expect(decision.action).toBe('retry');
  });

  it('never retries data-format, not-found or not-implemented errors', () => {
    for (const error of [
      new PartnerDataFormatError('bad', { ...at, field: '/0/logid' }),
      new PartnerNotFoundError('404', at),
      new PartnerNotImplementedError('AGIDRONEX', 'getAircraftList'),
    ]) {
      expect(retryDecision(error, 1)).toMatchObject({ action: 'dead-letter', category: error.category });
    }
  });

  it('backs off long while the partner is down, never shorter than an open breaker', () => {
    const down = retryDecision(new PartnerDownError('503', at), 1, maxRandom);
    const timeout = retryDecision(new PartnerNetworkTimeoutError('t', at), 1, maxRandom);
    if (down.action !== 'retry' || timeout.action !== 'retry') throw new Error('expected retries');
    expect(down.delayMs).toBeGreaterThan(timeout.delayMs);
    const open = retryDecision(new PartnerDownError('open', { ...at, retryAfterMs: 25_000, circuitOpen: true }), 1, { random: () => 0 });
    expect(open).toEqual({ action: 'retry', delayMs: 25_000, category: 'partner-down' });
  });

  it('retries unknown errors a few times as internal', () => {
    expect(retryDecision(new Error('boom'), 1)).toMatchObject({ action: 'retry', category: 'internal' });
    expect(retryDecision(new Error('boom'), 3)).toMatchObject({ action: 'dead-letter', category: 'internal' });
  });

  it('maps categories to the domain ErrorCategory for task headers', () => {
    expect(toDomainErrorCategory(new PartnerRateLimitError('429', at))).toBe('rate-limit');
    expect(toDomainErrorCategory(new PartnerNotImplementedError('AGIDRONEX', 'x'))).toBe('internal');
    expect(toDomainErrorCategory(new TypeError('x'))).toBe('internal');
  });
});
