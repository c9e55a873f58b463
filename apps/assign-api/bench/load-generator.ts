/**
 * Closed-loop HTTP load for the assign-api benchmark, run in its own process (forked by
 * `assign.bench.ts`) so the generator does not share the server's event loop. `connections`
 * clients each send one request, wait for the answer, send the next; stops after `maxRequests`
 * or `durationMs`, whichever comes first. Request `i` gets body `bodies[i]` (distinct users).
 *
 * Uses autocannon (a root devDependency; it ships no types, hence the local interfaces and the
 * import by computed name) and falls back to a small generator on node:http, one kept-alive
 * socket per client, where autocannon is missing.
 */
import { Agent, request as httpRequest } from 'node:http';

export interface LoadSpec {
  origin: string;
  method: 'GET' | 'POST';
  /** Path of request i: `path` with `{i}` replaced by `pathParams[i]`, when given. */
  path: string;
  headers: Record<string, string>;
  /** One JSON body per request (the count also bounds the run); none for GET. */
  bodies?: string[];
  maxRequests: number;
  durationMs: number;
  connections: number;
}

export interface LoadResult {
  tool: 'autocannon' | 'node:http';
  requests: number;
  ok: number;
  /** Answers other than 2xx, and connection errors. */
  failed: number;
  firstFailure: string | null;
  elapsedMs: number;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
}

interface AutocannonResult {
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
  latency: { p50: number; p99: number };
}
interface AutocannonInstance {
  stop(): void;
}
type Autocannon = (options: Record<string, unknown>, done: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

async function loadAutocannon(): Promise<Autocannon | null> {
  try {
    const name = 'autocannon';
    const module = (await import(name)) as { default: Autocannon };
    return module.default;
  } catch {
    return null;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function send(agent: Agent, url: URL, spec: LoadSpec, body: string | undefined): Promise<{ statusCode: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? spec.headers : { ...spec.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const request = httpRequest({ agent, host: url.hostname, port: url.port, path: spec.path, method: spec.method, headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () => resolve({ statusCode: response.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function withNodeHttp(spec: LoadSpec): Promise<LoadResult> {
  // One kept-alive socket per client: each client waits for its answer before the next request.
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const url = new URL(spec.origin);
  const limit = Math.min(spec.maxRequests, spec.bodies?.length ?? Number.POSITIVE_INFINITY);
  const latencies: number[] = [];
  let issued = 0;
  let ok = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  const started = performance.now();
  const deadline = started + spec.durationMs;
  const client = async () => {
    while (issued < limit && performance.now() < deadline) {
      const i = issued++;
      const sent = performance.now();
      try {
        const response = await send(agent, url, spec, spec.bodies?.[i]);
        latencies.push(performance.now() - sent);
        if (response.statusCode >= 200 && response.statusCode < 300) ok += 1;
        else {
          failed += 1;
          firstFailure ??= `${response.statusCode} ${response.text.slice(0, 300)}`;
        }
      } catch (err) {
        failed += 1;
        firstFailure ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, client));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    tool: 'node:http',
    requests: ok + failed,
    ok,
    failed,
    firstFailure,
    elapsedMs,
    requestsPerS: ok / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

async function withAutocannon(autocannon: Autocannon, spec: LoadSpec): Promise<LoadResult> {
  const limit = Math.min(spec.maxRequests, spec.bodies?.length ?? Number.POSITIVE_INFINITY);
  let next = 0;
  const started = performance.now();
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.origin,
        connections: spec.connections,
        pipelining: 1,
        duration: Math.ceil(spec.durationMs / 1000),
        maxOverallRequests: limit,
        timeout: 30,
        requests: [
          {
            method: spec.method,
            path: spec.path,
            headers: spec.bodies ? { ...spec.headers, 'content-type': 'application/json' } : spec.headers,
            ...(spec.bodies
              ? {
                  setupRequest: (request: Record<string, unknown>) => ({ ...request, body: spec.bodies?.[Math.min(next++, (spec.bodies?.length ?? 1) - 1)] }),
                }
              : {}),
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    setTimeout(() => instance.stop(), spec.durationMs + 5000).unref();
  });
  const elapsedMs = performance.now() - started;
  return {
    tool: 'autocannon',
    requests: result['2xx'] + result.non2xx + result.errors,
    ok: result['2xx'],
    failed: result.non2xx + result.errors,
    firstFailure: result.non2xx + result.errors > 0 ? 'non-2xx answers or errors (autocannon does not keep bodies)' : null,
    elapsedMs: result.duration * 1000 || elapsedMs,
    requestsPerS: result['2xx'] / (result.duration || elapsedMs / 1000),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const autocannon = await loadAutocannon();
  return autocannon ? withAutocannon(autocannon, spec) : withNodeHttp(spec);
}

// Forked by the benchmark: one spec in, one result out, per message.
if (process.send && process.argv.includes('--load-generator')) {
  process.on('message', (spec: LoadSpec) => {
    runLoad(spec).then(
      (result) => process.send?.({ result }),
      (err: unknown) => process.send?.({ error: err instanceof Error ? err.stack ?? err.message : String(err) }),
    );
  });
  process.send({ ready: true });
}
