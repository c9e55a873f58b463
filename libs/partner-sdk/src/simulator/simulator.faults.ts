import { SATLOC_ENDPOINTS, type SatlocEndpoint } from '../satloc/satloc.endpoints.js';

/** How a faulted request fails. */
export type SimulatedFailure =
  /** Answer with this HTTP status (5xx, 400, 404…) and an error envelope. */
  | { kind: 'status'; status: number }
  /** 429 with `Retry-After` in seconds, or as an HTTP-date when `httpDate` is true. */
  | { kind: 'rate-limit'; retryAfterS?: number; httpDate?: boolean }
  /** 401 as if the bearer token had expired (on endpoints that take a token). */
  | { kind: 'token-expired' }
  /** The TCP connection is destroyed without an answer. */
  | { kind: 'reset' }
  /** The service is down: 503 with an HTML page, as a load balancer in front of it would answer. */
  | { kind: 'down' };

export interface EndpointFaults {
  /** Delay before answering. */
  latencyMs?: number;
  failure?: SimulatedFailure;
  /** Fraction of requests (0–1) that fail with `failure`. Default 1. */
  rate?: number;
  /** Apply `failure` to this many more requests only, then stop failing. */
  times?: number;
  /** Downloads: send the body in `chunkBytes` pieces every `intervalMs`. */
  trickle?: { chunkBytes: number; intervalMs: number };
  /**
   * Downloads: stop after `atBytes`. `drop-connection` announces the full length and closes the
   * connection early; `short-file` sends a shorter file with a matching Content-Length.
   */
  truncate?: { atBytes: number; mode: 'drop-connection' | 'short-file' };
  /** Downloads: flip one bit in this many places of the file. */
  corruptBytes?: number;
}

/** `*` applies to every endpoint; an endpoint's own entry overrides it field by field. */
export type FaultTarget = SatlocEndpoint | '*';

export function isFaultTarget(value: string): value is FaultTarget {
  return value === '*' || (SATLOC_ENDPOINTS as readonly string[]).includes(value);
}

/** A seeded generator (mulberry32), so a fault schedule with a `rate` is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The faults currently set, per endpoint, and the decision for each request. */
export class FaultInjector {
  private readonly faults = new Map<FaultTarget, EndpointFaults>();
  private readonly random: () => number;

  constructor(seed = 1, initial: Partial<Record<FaultTarget, EndpointFaults>> = {}) {
    this.random = seededRandom(seed);
    for (const [target, faults] of Object.entries(initial)) if (faults && isFaultTarget(target)) this.set(target, faults);
  }

  set(target: FaultTarget, faults: EndpointFaults): void {
    this.faults.set(target, { ...faults });
  }

  clear(target?: FaultTarget): void {
    if (target) this.faults.delete(target);
    else this.faults.clear();
  }

  list(): Partial<Record<FaultTarget, EndpointFaults>> {
    return Object.fromEntries(this.faults);
  }

  /** The faults for one request to `endpoint`; consumes one of `times` when a failure fires. */
  decide(endpoint: SatlocEndpoint): { latencyMs: number; failure: SimulatedFailure | null; body: EndpointFaults } {
    const global = this.faults.get('*');
    const own = this.faults.get(endpoint);
    const merged: EndpointFaults = { ...global, ...own };
    let failure: SimulatedFailure | null = null;
    if (merged.failure && this.random() < (merged.rate ?? 1)) {
      const source = own?.failure ? own : global;
      const owner: FaultTarget = own?.failure ? endpoint : '*';
      if (source?.times !== undefined) {
        if (source.times <= 0) {
          this.faults.set(owner, { ...source, failure: undefined, times: undefined });
        } else {
          failure = merged.failure;
          source.times -= 1;
          if (source.times === 0) this.faults.set(owner, { ...source, failure: undefined, times: undefined });
        }
      } else {
        failure = merged.failure;
      }
    }
    return { latencyMs: merged.latencyMs ?? 0, failure, body: merged };
  }
}
