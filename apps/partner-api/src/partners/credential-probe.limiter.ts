import { AppError, type RedisConnection, type RedisFeatureGuard } from '@agair/service-kit';

type Redis = RedisConnection['client'];

/** How many credential tests (`testAuth`) are allowed, and over which windows. */
export interface CredentialProbeLimits {
  /** Tests per customer per `customerWindowMs`, refused ones included. */
  customerMax: number;
  customerWindowMs: number;
  /** Tests of one partner username the partner refused (or still running), per `usernameWindowMs`, over every customer. */
  usernameFailuresMax: number;
  usernameWindowMs: number;
}

/** The `AUTH_TEST_*` part of partner-api's configuration. */
export function credentialProbeLimits(config: {
  AUTH_TEST_CUSTOMER_MAX: number;
  AUTH_TEST_CUSTOMER_WINDOW_MS: number;
  AUTH_TEST_USERNAME_FAILURES_MAX: number;
  AUTH_TEST_USERNAME_WINDOW_MS: number;
}): CredentialProbeLimits {
  return {
    customerMax: config.AUTH_TEST_CUSTOMER_MAX,
    customerWindowMs: config.AUTH_TEST_CUSTOMER_WINDOW_MS,
    usernameFailuresMax: config.AUTH_TEST_USERNAME_FAILURES_MAX,
    usernameWindowMs: config.AUTH_TEST_USERNAME_WINDOW_MS,
  };
}

export class TooManyAuthTestsError extends AppError {
  constructor(
    readonly retryAfterS: number,
    what: string,
  ) {
    super(429, 'TOO_MANY_AUTH_TESTS', `Too many ${what}; retry after ${retryAfterS} s`);
  }
}

/** A window's count after one more hit, and how long the window still runs. */
interface WindowCount {
  count: number;
  ttlMs: number;
}

/**
 * Fixed-window counters: the window starts with a key's first hit and does not move. Written
 * here rather than reusing @fastify/rate-limit's stores (which service-kit's request limits use):
 * a username's reserved failure must be given back when the partner accepts the login, and
 * those stores cannot take a hit back.
 */
interface WindowCounter {
  hit(key: string, windowMs: number): WindowCount | Promise<WindowCount>;
  /** Takes one hit back while the window runs; never below zero. */
  release(key: string): void | Promise<void>;
}

const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`;

// DECR keeps the key's TTL; a key that has expired is not brought back (as -1, without a TTL).
const RELEASE = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

class RedisWindowCounter implements WindowCounter {
  constructor(private readonly redis: Redis) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const [count, ttlMs] = (await this.redis.eval(HIT, 1, key, String(windowMs))) as [number, number];
    return { count, ttlMs };
  }

  async release(key: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, key);
  }
}

const SWEEP_INTERVAL_MS = 60_000;

/** The same counters in this process, while Redis cannot answer; ended windows are swept, so the map stays small. */
export class MemoryWindowCounter implements WindowCounter {
  private readonly windows = new Map<string, { count: number; endsAtMs: number }>();
  private nextSweepAtMs = 0;

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.windows.size;
  }

  hit(key: string, windowMs: number): WindowCount {
    const now = this.now();
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || window.endsAtMs <= now) {
      window = { count: 0, endsAtMs: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, ttlMs: window.endsAtMs - now };
  }

  release(key: string): void {
    const window = this.windows.get(key);
    if (window && window.endsAtMs > this.now() && window.count > 0) window.count -= 1;
  }

  private sweep(now: number): void {
    if (now < this.nextSweepAtMs) return;
    this.nextSweepAtMs = now + SWEEP_INTERVAL_MS;
    for (const [key, window] of this.windows) if (window.endsAtMs <= now) this.windows.delete(key);
  }
}

/** A test of one username that may turn out a failure: `release` when the partner did not refuse it. */
export interface UsernameFailureReservation {
  release(): Promise<void>;
}

export interface CredentialProbeLimiterOptions {
  redis: Redis;
  /** service-kit's `RedisFallback.guard('rate_limit')`: counts in this process while Redis cannot answer. */
  guard: RedisFeatureGuard;
  /** e.g. `agair:partner:auth-test:` */
  keyPrefix: string;
  limits: CredentialProbeLimits;
  /** The in-process counters (tests pass their own). */
  local?: MemoryWindowCounter;
}

/**
 * Limits `testAuth`, which sends a username and password of the caller's choice to the partner:
 * per customer (every test, so one customer cannot guess fast nor get the platform's address
 * blocked) and per partner username over all customers (tests the partner refused, so a
 * company's account is neither guessed nor locked out through several customers). Counted in
 * Redis so replicas share the counts; while Redis cannot answer, in this process, so a limit
 * then holds per replica.
 *
 * A username's test is reserved before the partner is called and given back unless the partner
 * refuses it, so concurrent tests cannot overshoot the failure limit.
 */
export class CredentialProbeLimiter {
  private readonly shared: RedisWindowCounter;
  private readonly local: MemoryWindowCounter;

  constructor(private readonly options: CredentialProbeLimiterOptions) {
    this.shared = new RedisWindowCounter(options.redis);
    this.local = options.local ?? new MemoryWindowCounter();
  }

  /** Counts one test for the customer; throws `TooManyAuthTestsError` past the limit. */
  async countCustomerTest(customerId: string): Promise<void> {
    const { customerMax, customerWindowMs } = this.options.limits;
    const { count, ttlMs } = await this.hit(this.customerKey(customerId), customerWindowMs);
    if (count > customerMax) throw new TooManyAuthTestsError(retryAfterS(ttlMs), 'credential tests for this customer');
  }

  /** Reserves one possible failure of the username; throws `TooManyAuthTestsError` when the partner refused it too often. */
  async reserveUsernameFailure(partnerCode: string, username: string): Promise<UsernameFailureReservation> {
    const { usernameFailuresMax, usernameWindowMs } = this.options.limits;
    const key = this.usernameKey(partnerCode, username);
    const { count, ttlMs } = await this.hit(key, usernameWindowMs);
    if (count > usernameFailuresMax) throw new TooManyAuthTestsError(retryAfterS(ttlMs), 'refused credential tests for this username');
    return {
      release: () =>
        this.options.guard.run(
          () => this.shared.release(key),
          () => this.local.release(key),
        ),
    };
  }

  private hit(key: string, windowMs: number): Promise<WindowCount> {
    return this.options.guard.run(
      () => this.shared.hit(key, windowMs),
      () => this.local.hit(key, windowMs),
    );
  }

  private customerKey(customerId: string): string {
    return `${this.options.keyPrefix}customer:${customerId}`;
  }

  // Case-insensitive: a partner that ignores case must not give five more guesses per spelling.
  private usernameKey(partnerCode: string, username: string): string {
    return `${this.options.keyPrefix}username:${partnerCode}:${username.toLowerCase()}`;
  }
}

function retryAfterS(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}
