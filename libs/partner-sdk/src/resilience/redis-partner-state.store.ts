import type { Redis } from 'ioredis';
import type { BreakerState } from '../partner.contract.js';
import type { BreakerAdmission, BreakerFailureSettings, BreakerKeys, PartnerStateStore } from './partner-state.store.js';

// `open` exists (with a TTL) while the breaker is open; `tripped` outlives it, so "tripped but
// no longer open" is half-open, where a single `SET probe NX PX` decides which caller probes.
// Each script touches only the keys of one breaker, which share a hash tag (Redis Cluster).
const ADMIT = `
local ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 then return {'open', ttl} end
if redis.call('EXISTS', KEYS[3]) == 0 then return {'closed', 0} end
if redis.call('SET', KEYS[4], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'probe', 0} end
local probeTtl = redis.call('PTTL', KEYS[4])
if probeTtl < 0 then probeTtl = 0 end
return {'half-open', probeTtl}
`;

const SUCCESS = `
if ARGV[1] ~= '' then
  if redis.call('GET', KEYS[4]) == ARGV[1] then
    redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
    return 'closed'
  end
  return 'stale-probe'
end
redis.call('DEL', KEYS[1])
return 'ok'
`;

const FAILURE = `
local function trip()
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[5])
  redis.call('DEL', KEYS[1], KEYS[4])
end
if ARGV[1] ~= '' and redis.call('GET', KEYS[4]) == ARGV[1] then
  trip()
  return 'opened'
end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'open' end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if n >= tonumber(ARGV[2]) then
  trip()
  return 'opened'
end
return 'counted'
`;

const COMPARE_AND_DELETE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** The SDK's shared state in Redis: every replica sees the same sessions and breakers. */
export class RedisPartnerStateStore implements PartnerStateStore {
  constructor(private readonly redis: Redis) {}

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async compareAndDelete(key: string, expected: string): Promise<boolean> {
    return (await this.redis.eval(COMPARE_AND_DELETE, 1, key, expected)) === 1;
  }

  async del(...keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.del(...keys);
  }

  async breakerAdmit(keys: BreakerKeys, probeToken: string, probeTimeoutMs: number): Promise<BreakerAdmission> {
    const [decision, ttl] = (await this.redis.eval(ADMIT, 4, ...order(keys), probeToken, String(probeTimeoutMs))) as [string, number];
    if (decision === 'closed') return { decision: 'closed' };
    if (decision === 'probe') return { decision: 'probe' };
    return { decision: decision === 'open' ? 'open' : 'half-open', retryAfterMs: Math.max(1, ttl) };
  }

  async breakerSuccess(keys: BreakerKeys, probeToken: string): Promise<'closed' | 'stale-probe' | 'ok'> {
    return (await this.redis.eval(SUCCESS, 4, ...order(keys), probeToken)) as 'closed' | 'stale-probe' | 'ok';
  }

  async breakerFailure(keys: BreakerKeys, probeToken: string, s: BreakerFailureSettings): Promise<'opened' | 'open' | 'counted'> {
    return (await this.redis.eval(
      FAILURE,
      4,
      ...order(keys),
      probeToken,
      String(s.failureThreshold),
      String(s.failureWindowMs),
      String(s.openMs),
      String(s.trippedTtlMs),
    )) as 'opened' | 'open' | 'counted';
  }

  async breakerState(keys: BreakerKeys): Promise<BreakerState> {
    const [open, tripped] = await Promise.all([this.redis.pttl(keys.open), this.redis.exists(keys.tripped)]);
    if (open > 0) return 'open';
    return tripped === 1 ? 'half-open' : 'closed';
  }
}

function order(keys: BreakerKeys): [string, string, string, string] {
  return [keys.failures, keys.open, keys.tripped, keys.probe];
}
