import type { Redis } from 'ioredis';

// Renew only our own lease; take it when nobody holds it.
const ACQUIRE_OR_RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * One holder at a time across replicas: a Redis key with a TTL that its holder renews. A holder
 * that dies (or loses Redis) stops renewing and the key expires, so another replica takes over
 * after at most one TTL. Work guarded by it must still be safe to run twice for a short overlap:
 * the poller's per-log tracker claims are what keep a log from being downloaded twice.
 */
export class LeaderLease {
  private held = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** Takes or renews the lease; false (and not held) when another replica has it or Redis is away. */
  async refresh(): Promise<boolean> {
    try {
      this.held = (await this.redis.eval(ACQUIRE_OR_RENEW, 1, this.key, this.owner, String(this.ttlMs))) === 1;
    } catch {
      this.held = false;
    }
    return this.held;
  }

  async release(): Promise<void> {
    this.held = false;
    await this.redis.eval(RELEASE, 1, this.key, this.owner).catch(() => undefined);
  }
}
