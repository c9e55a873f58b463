import type { PartnerHealth } from '@agair/partner-sdk';

export interface PartnerHealthVerdict {
  healthy: boolean;
  /** Why not healthy: the health check's reason, `breaker-<state>`, or `health-check-timeout`. */
  reason: string | null;
}

export interface PartnerHealthGateOptions {
  /** The partner service's `healthCheck()` for a code (it never throws for a dead partner, but may for an unknown code). */
  check: (partnerCode: string) => Promise<PartnerHealth>;
  /** Reuse a verdict this long, so each assignment does not call IsAlive. */
  cacheMs: number;
  /** A health check slower than this counts as unhealthy (the request does not wait for it). */
  timeoutMs: number;
  now?: () => number;
}

interface CacheEntry {
  verdict: PartnerHealthVerdict;
  atMs: number;
}

/**
 * Decides whether a partner is healthy enough for an immediate upload: the last health check
 * said `up` and the shared breaker was closed. Results are cached per partner for `cacheMs`;
 * concurrent callers share one check in flight.
 */
export class PartnerHealthGate {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<PartnerHealthVerdict>>();
  private readonly now: () => number;

  constructor(private readonly options: PartnerHealthGateOptions) {
    this.now = options.now ?? Date.now;
  }

  async verdict(partnerCode: string): Promise<PartnerHealthVerdict> {
    const cached = this.cache.get(partnerCode);
    if (cached && this.now() - cached.atMs < this.options.cacheMs) return cached.verdict;
    let pending = this.inFlight.get(partnerCode);
    if (!pending) {
      pending = this.checkNow(partnerCode).finally(() => this.inFlight.delete(partnerCode));
      this.inFlight.set(partnerCode, pending);
    }
    return pending;
  }

  /** Forget a partner's verdict, e.g. after an immediate upload failed although it looked healthy. */
  invalidate(partnerCode: string): void {
    this.cache.delete(partnerCode);
  }

  private async checkNow(partnerCode: string): Promise<PartnerHealthVerdict> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<PartnerHealthVerdict>((resolve) => {
      timer = setTimeout(() => resolve({ healthy: false, reason: 'health-check-timeout' }), this.options.timeoutMs);
    });
    const check = this.options.check(partnerCode).then(
      (health): PartnerHealthVerdict => {
        if (!health.up) return { healthy: false, reason: health.reason ?? 'down' };
        if (health.breakerState !== 'closed') return { healthy: false, reason: `breaker-${health.breakerState}` };
        return { healthy: true, reason: null };
      },
      (err: unknown): PartnerHealthVerdict => ({ healthy: false, reason: err instanceof Error ? err.name : 'internal' }),
    );
    try {
      const verdict = await Promise.race([check, timeout]);
      this.cache.set(partnerCode, { verdict, atMs: this.now() });
      return verdict;
    } finally {
      clearTimeout(timer);
    }
  }
}
