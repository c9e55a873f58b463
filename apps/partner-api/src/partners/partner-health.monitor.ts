import type { PartnerHealth, PartnerServiceFactory } from '@agair/partner-sdk';
import type { PartnerCode } from '@agair/domain-models';

export interface PartnerHealthSettings {
  /** A check not answered by then counts as "down" (the upload then goes through the queue). */
  timeoutMs: number;
  /** A result is reused this long; 0 checks every time. */
  cacheMs: number;
  now?: () => number;
}

interface CachedHealth {
  health: PartnerHealth;
  expiresAtMs: number;
}

/**
 * Partner health for request handlers: the SDK's `healthCheck()` bounded by a short deadline
 * and reused briefly, with one check in flight per partner, so a burst of manual uploads or
 * status requests costs one `IsAlive`.
 */
export class PartnerHealthMonitor {
  private readonly cache = new Map<string, CachedHealth>();
  private readonly inFlight = new Map<string, Promise<PartnerHealth>>();
  private readonly now: () => number;

  constructor(
    private readonly partners: Pick<PartnerServiceFactory, 'get'>,
    private readonly settings: PartnerHealthSettings,
  ) {
    this.now = settings.now ?? Date.now;
  }

  async check(partnerCode: PartnerCode): Promise<PartnerHealth> {
    const cached = this.cache.get(partnerCode);
    if (cached && cached.expiresAtMs > this.now()) return cached.health;
    let pending = this.inFlight.get(partnerCode);
    if (!pending) {
      pending = this.checkNow(partnerCode).finally(() => this.inFlight.delete(partnerCode));
      this.inFlight.set(partnerCode, pending);
    }
    return pending;
  }

  private async checkNow(partnerCode: PartnerCode): Promise<PartnerHealth> {
    const started = this.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<PartnerHealth>((resolve) => {
      timer = setTimeout(
        () => resolve(down(partnerCode, 'network-timeout', 'closed', new Date(started).toISOString())),
        this.settings.timeoutMs,
      );
    });
    let health: PartnerHealth;
    try {
      health = await Promise.race([this.partners.get(partnerCode).healthCheck(), timeout]);
    } catch (err) {
      // A partner without a client (AGIDRONEX) rejects every call.
      const category = (err as { category?: unknown }).category;
      health = down(partnerCode, typeof category === 'string' ? category : 'internal', 'closed', new Date(started).toISOString());
    } finally {
      clearTimeout(timer);
    }
    if (this.settings.cacheMs > 0) this.cache.set(partnerCode, { health, expiresAtMs: this.now() + this.settings.cacheMs });
    return health;
  }
}

function down(partnerCode: PartnerCode, reason: string, breakerState: PartnerHealth['breakerState'], checkedAt: string): PartnerHealth {
  return { partnerCode, up: false, reason, breakerState, latencyMs: null, checkedAt };
}
