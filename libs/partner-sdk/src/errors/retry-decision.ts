import { PartnerError, PartnerErrorCategory, type PartnerErrorCategory as Category } from './partner.errors.js';

/** What a queue worker should do with a failed task. */
export type RetryDecision =
  | { action: 'retry'; delayMs: number; category: Category | 'internal' }
  | { action: 'dead-letter'; reason: string; category: Category | 'internal' };

export interface BackoffRule {
  /** Attempts allowed in total (the first one included); after that the task is dead-lettered. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryPolicy {
  networkTimeout: BackoffRule;
  /** Auth failures wait a fixed `baseDelayMs` each time (an operator may be fixing credentials). */
  auth: BackoffRule;
  /** Without a Retry-After the exponential rule applies; a Retry-After is honoured up to `maxDelayMs`. */
  rateLimit: BackoffRule;
  partnerDown: BackoffRule;
  /** Errors that are not PartnerErrors (our bugs, a database hiccup). */
  internal: BackoffRule;
  /** Source of randomness in [0, 1) for jitter; injectable for tests. */
  random: () => number;
}

export const defaultRetryPolicy: RetryPolicy = {
  networkTimeout: { maxAttempts: 8, baseDelayMs: 2_000, maxDelayMs: 5 * 60_000 },
  auth: { maxAttempts: 3, baseDelayMs: 5 * 60_000, maxDelayMs: 5 * 60_000 },
  rateLimit: { maxAttempts: 10, baseDelayMs: 5_000, maxDelayMs: 60 * 60_000 },
  partnerDown: { maxAttempts: 12, baseDelayMs: 60_000, maxDelayMs: 60 * 60_000 },
  internal: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 },
  random: Math.random,
};

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(cap, base·2^(attempt−1))].
 * Full jitter spreads the retries of many workers that failed together.
 */
export function fullJitterDelayMs(attempt: number, rule: Pick<BackoffRule, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Decides between a delayed retry and the dead-letter queue for a task that failed on attempt
 * `attempt` (1 = the first try) with `error`.
 *
 * - network timeout → exponential backoff with full jitter
 * - auth → fixed delay, then dead-letter after `auth.maxAttempts`
 * - rate limit → the partner's Retry-After (capped), else backoff
 * - partner down → long exponential backoff (an open breaker's remaining time is the floor)
 * - data format, not found, not implemented → dead-letter now
 */
export function retryDecision(error: unknown, attempt: number, policy: Partial<RetryPolicy> = {}): RetryDecision {
  const p: RetryPolicy = { ...defaultRetryPolicy, ...policy };
  if (!(error instanceof PartnerError)) {
    return withinAttempts('internal', attempt, p.internal, () => fullJitterDelayMs(attempt, p.internal, p.random));
  }
  const category = error.category;
  switch (category) {
    case PartnerErrorCategory.DATA_FORMAT:
    case PartnerErrorCategory.NOT_FOUND:
    case PartnerErrorCategory.NOT_IMPLEMENTED:
      return { action: 'dead-letter', reason: `${category} errors are not retried`, category };
    case PartnerErrorCategory.NETWORK_TIMEOUT:
      return withinAttempts(category, attempt, p.networkTimeout, () => fullJitterDelayMs(attempt, p.networkTimeout, p.random));
    case PartnerErrorCategory.AUTH:
      return withinAttempts(category, attempt, p.auth, () => p.auth.baseDelayMs);
    case PartnerErrorCategory.RATE_LIMIT:
      return withinAttempts(category, attempt, p.rateLimit, () =>
        error.retryAfterMs !== undefined
          ? Math.min(error.retryAfterMs, p.rateLimit.maxDelayMs)
          : fullJitterDelayMs(attempt, p.rateLimit, p.random),
      );
    case PartnerErrorCategory.PARTNER_DOWN:
      return withinAttempts(category, attempt, p.partnerDown, () =>
        Math.max(error.retryAfterMs ?? 0, fullJitterDelayMs(attempt, p.partnerDown, p.random)),
      );
  }
}

function withinAttempts(
  category: Category | 'internal',
  attempt: number,
  rule: BackoffRule,
  delay: () => number,
): RetryDecision {
  if (attempt >= rule.maxAttempts) {
    return { action: 'dead-letter', reason: `${category}: gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}`, category };
  }
  return { action: 'retry', delayMs: delay(), category };
}
