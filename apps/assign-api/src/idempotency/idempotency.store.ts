import { createHash, randomUUID } from 'node:crypto';
import type { Redis, RedisFallback } from '@agair/service-kit';

/** Printable ASCII without spaces at the ends, at most 200 characters (clients usually send a UUID). */
const KEY_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$/;

export function idempotencyKeyProblem(key: string): string | null {
  if (key.length === 0) return 'Idempotency-Key is empty';
  if (key.length > 200) return 'Idempotency-Key is longer than 200 characters';
  if (!KEY_PATTERN.test(key)) return 'Idempotency-Key must be printable ASCII without leading or trailing spaces';
  return null;
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` hash the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What a key is bound to: the route, its path parameters and the body. */
export function requestFingerprint(route: string, params: unknown, body: unknown): string {
  return createHash('sha256').update(canonicalJson({ route, params, body })).digest('hex');
}

export interface StoredResponse {
  statusCode: number;
  body: unknown;
}

interface PendingRecord {
  state: 'pending';
  fingerprint: string;
  owner: string;
}
interface DoneRecord {
  state: 'done';
  fingerprint: string;
  response: StoredResponse;
}
type IdempotencyRecord = PendingRecord | DoneRecord;

export type BeginResult =
  /** First request with this key: do the work, then `complete` or `release`. */
  | { kind: 'owner'; claim: IdempotencyClaim }
  /** The key was used before with the same request: answer this. */
  | { kind: 'replay'; response: StoredResponse }
  /** The key was used before with a different request. */
  | { kind: 'mismatch' }
  /** The first request is still running after waiting `waitMs`. */
  | { kind: 'in-progress' }
  /** Redis cannot answer: the request may run, without the idempotency guarantee. */
  | { kind: 'unavailable' };

export interface IdempotencyClaim {
  redisKey: string;
  owner: string;
  fingerprint: string;
}

export interface IdempotencyStoreOptions {
  redis: Redis;
  /** Skips Redis while it cannot answer (`unavailable`), with a warning and `agair_degraded_total`. */
  fallback: RedisFallback;
  /** Key namespace, e.g. `agair:idem:assign-api:`. */
  prefix: string;
  /** How long a finished response is kept. */
  ttlS: number;
  /** How long a pending claim lives if its owner dies without finishing. */
  pendingTtlMs: number;
  /** How long a duplicate waits for the first request. */
  waitMs: number;
  pollIntervalMs?: number;
}

// Only the owner of the pending marker may replace or drop it (its marker may have expired and been re-claimed).
const COMPLETE_IF_OWNER = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, record = pcall(cjson.decode, current)
if not ok or record.state ~= 'pending' or record.owner ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3])) end
return 1`;

/** What a guarded Redis command gives when Redis cannot answer. */
const UNAVAILABLE: unique symbol = Symbol('redis unavailable');

/**
 * Idempotency keys in Redis: `SET NX` of a pending marker claims a key for one request; the
 * final status and body replace it for `ttlS`. Keys are scoped per caller (`principal.sub`).
 * While Redis cannot answer, `begin` says `unavailable` at once and the request runs without the
 * guarantee (rather than 503 for every keyed request). A repeat then runs again instead of being
 * replayed, which still assigns and uploads once: the unique (jobId, userId) index keeps one
 * assignment per pilot, and the upload claim in the database (`jobAssigns.claimUpload`) lets one
 * caller at a time upload it and reports it `ALREADY_UPLOADED` after. The repeat's answer is the
 * state it finds, not the first response; a concurrent duplicate is not made to wait.
 */
export class IdempotencyStore {
  constructor(private readonly options: IdempotencyStoreOptions) {}

  async begin(callerId: string, key: string, fingerprint: string): Promise<BeginResult> {
    const redisKey = `${this.options.prefix}${createHash('sha256').update(`${callerId}\n${key}`).digest('hex')}`;
    const owner = randomUUID();
    const pending: PendingRecord = { state: 'pending', fingerprint, owner };
    const deadline = Date.now() + this.options.waitMs;
    for (;;) {
      const claimed = await this.guarded(() => this.options.redis.set(redisKey, JSON.stringify(pending), 'PX', this.options.pendingTtlMs, 'NX'));
      if (claimed === UNAVAILABLE) return { kind: 'unavailable' };
      if (claimed === 'OK') return { kind: 'owner', claim: { redisKey, owner, fingerprint } };
      const raw = await this.guarded(() => this.options.redis.get(redisKey));
      if (raw === UNAVAILABLE) return { kind: 'unavailable' };
      // Gone between SET NX and GET (released by a failed first request): claim it again.
      if (raw !== null) {
        const record = JSON.parse(raw) as IdempotencyRecord;
        if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (record.state === 'done') return { kind: 'replay', response: record.response };
        if (Date.now() >= deadline) return { kind: 'in-progress' };
        await new Promise((resolve) => setTimeout(resolve, this.options.pollIntervalMs ?? 100));
      }
    }
  }

  /**
   * Keeps the response for replays: `lost` if the claim expired and someone else took the key,
   * `unavailable` if Redis cannot answer (the pending claim then expires after `pendingTtlMs`).
   */
  async complete(claim: IdempotencyClaim, response: StoredResponse): Promise<'kept' | 'lost' | 'unavailable'> {
    const record: DoneRecord = { state: 'done', fingerprint: claim.fingerprint, response };
    const applied = await this.guarded(() => this.options.redis.eval(COMPLETE_IF_OWNER, 1, claim.redisKey, claim.owner, JSON.stringify(record), String(this.options.ttlS)));
    if (applied === UNAVAILABLE) return 'unavailable';
    return applied === 1 ? 'kept' : 'lost';
  }

  /** Drops the claim so the same key can be tried again (the request failed without a lasting effect to report). */
  async release(claim: IdempotencyClaim): Promise<void> {
    await this.guarded(() => this.options.redis.eval(COMPLETE_IF_OWNER, 1, claim.redisKey, claim.owner, '', '0'));
  }

  private guarded<T>(command: () => Promise<T>): Promise<T | typeof UNAVAILABLE> {
    return this.options.fallback.run<T | typeof UNAVAILABLE>('idempotency', command, () => UNAVAILABLE);
  }
}

