import type { PartnerLogger } from '../logger.js';
import type { PartnerMetrics } from '../metrics/partner.metrics.js';
import type { PartnerCredentials } from '../partner.contract.js';
import type { PartnerStateStore } from '../resilience/partner-state.store.js';

/** What an authentication yields. `token` is null when the partner issues none (no bearer is sent). */
export interface IssuedAuth {
  token: string | null;
  /** Lifetime the partner announced, when it did. */
  expiresInMs?: number;
}

export interface AuthSession {
  token: string | null;
  expiresAtMs: number;
  /** The cached value as stored, for compare-and-delete on invalidation. */
  readonly raw: string;
}

export interface AuthSessionCacheOptions {
  store: PartnerStateStore;
  keyPrefix: string;
  partnerCode: string;
  /** Lifetime when the partner announces none. */
  defaultTtlMs: number;
  /** Tokens are dropped this long before the partner says they expire. */
  expiryMarginMs: number;
  logger: PartnerLogger;
  metrics: PartnerMetrics;
}

interface StoredSession {
  /** token */
  t: string | null;
  /** username the token was issued to */
  u: string;
  /** expires at, ms since epoch */
  e: number;
}

/**
 * Partner sessions per customer: cached in Redis (shared by replicas) with a TTL, and single
 * flight in-process, so that concurrent callers of one customer share one lookup and at most one
 * authentication. The key holds partner code and customer id, never the password; the value
 * holds the token (a secret with a short life) and the username it belongs to, so a changed
 * username does not reuse an old token.
 */
export class AuthSessionCache {
  private readonly inFlight = new Map<string, Promise<AuthSession>>();

  constructor(private readonly options: AuthSessionCacheOptions) {}

  key(customerId: string): string {
    return `${this.options.keyPrefix}auth:${this.options.partnerCode}:${customerId}`;
  }

  /** A valid session for `creds`: from Redis, from an authentication already in flight, or new. */
  async session(creds: PartnerCredentials, authenticate: () => Promise<IssuedAuth>): Promise<AuthSession> {
    const flightKey = `${creds.customerId}\u0000${creds.username}`;
    const pending = this.inFlight.get(flightKey);
    if (pending) {
      this.count('shared');
      return pending;
    }
    const flight = this.lookupOrAuthenticate(creds, authenticate).finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, flight);
    return flight;
  }

  /** Drops `stale` (after a 401) unless another caller already replaced it. */
  async invalidate(customerId: string, stale: AuthSession): Promise<void> {
    try {
      await this.options.store.compareAndDelete(this.key(customerId), stale.raw);
    } catch (error) {
      this.storeFailed(error);
    }
  }

  async forget(customerId: string): Promise<void> {
    await this.options.store.del(this.key(customerId));
  }

  private async lookupOrAuthenticate(creds: PartnerCredentials, authenticate: () => Promise<IssuedAuth>): Promise<AuthSession> {
    const key = this.key(creds.customerId);
    const cached = await this.read(key);
    if (cached) {
      const stored = parse(cached);
      if (stored && stored.u === creds.username && stored.e > Date.now()) {
        this.count('hit');
        return { token: stored.t, expiresAtMs: stored.e, raw: cached };
      }
    }
    this.count('miss');
    const issued = await authenticate();
    const lifetimeMs = issued.expiresInMs ?? this.options.defaultTtlMs;
    const ttlMs = Math.max(1_000, lifetimeMs - Math.min(this.options.expiryMarginMs, lifetimeMs / 2));
    const stored: StoredSession = { t: issued.token, u: creds.username, e: Date.now() + ttlMs };
    const raw = JSON.stringify(stored);
    try {
      await this.options.store.set(key, raw, ttlMs);
    } catch (error) {
      this.storeFailed(error);
    }
    return { token: stored.t, expiresAtMs: stored.e, raw };
  }

  private async read(key: string): Promise<string | null> {
    try {
      return await this.options.store.get(key);
    } catch (error) {
      this.storeFailed(error);
      return null;
    }
  }

  private count(result: 'hit' | 'miss' | 'shared'): void {
    this.options.metrics.authCache.inc({ partner_code: this.options.partnerCode, result });
  }

  private storeFailed(error: unknown): void {
    this.options.logger.warn(
      { partnerCode: this.options.partnerCode, reason: error instanceof Error ? error.message : String(error) },
      'auth cache unavailable; authenticating without it',
    );
  }
}

function parse(raw: string): StoredSession | null {
  try {
    const value = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof value.u === 'string' && typeof value.e === 'number' && (typeof value.t === 'string' || value.t === null)) {
      return value as StoredSession;
    }
  } catch {
    // A value we cannot read is treated as absent and overwritten.
  }
  return null;
}
