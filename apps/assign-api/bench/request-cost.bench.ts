/**
 * Can one customer's flood of big invalid requests slow down another customer? assign-api runs
 * as its own process (production settings: rate limits in Redis, 300 requests per caller per
 * minute, body limits), and is measured twice per round:
 *
 * - unloaded: customer B reads its job (`GET /api/jobs/:jobId`) in a closed loop of 4;
 * - attacked: the same, while another process sends customer A's 5 MB invalid job bodies
 *   (`POST /api/jobs`) over 200 concurrent connections, back to back;
 * - control: the same flood aimed at a bare Node server in its own process that refuses every
 *   request at once (429, connection closed), not at assign-api: what the flood costs B on this
 *   2-core machine when the API does no work for it at all (the attacker's own CPU and the
 *   loopback traffic compete with the API for the same cores). The API's share is attacked − control.
 *
 * It prints B's p50/p99 in each phase, the ratio attacked/unloaded (goal: p99 within 2×), and
 * what the attacker got back (429 once over its limit, 413 for a body larger than the route
 * takes). Rounds alternate the phases so a slow spell of the database hits both.
 *
 *   eval "$(bash tools/services/up.sh)" && npm run bench:cost -w @agair/assign-api
 *   (options: --seconds 8 (per phase) --rounds 3 --attackers 200 --body-mib 5)
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openConnections } from '@agair/runtime';
import { Role, createLogger, loadConfig, mintToken } from '@agair/service-kit';
import { benchServices, startServiceProcess, uniqueName, withDatabase } from '@agair/testing';
import { Agent, request } from 'undici';
import { jobBody } from '../test/assign-api.harness.js';
import { AssignApiConfig } from '../src/config.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    attackers: { type: 'string', default: '200' },
    'body-mib': { type: 'string', default: '5' },
    attacker: { type: 'string' },
    'control-server': { type: 'boolean', default: false },
  },
});
const PHASE_MS = Math.min(60, Math.max(2, Number(args.seconds))) * 1000;
const ROUNDS = Math.min(10, Math.max(1, Number(args.rounds)));
const ATTACKERS = Math.min(500, Math.max(1, Number(args.attackers)));
const BODY_BYTES = Math.min(20, Math.max(1, Number(args['body-mib']))) * 1024 * 1024;
const VICTIM_CONCURRENCY = 4;
/** B's users: enough that none of them nears RATE_LIMIT_MAX (300 a minute) in a round. */
const B_USERS = 400;

interface AttackSpec {
  url: string;
  token: string;
  durationMs: number;
}

/** The attacker, in its own process: 5 MB invalid bodies over ATTACKERS connections until the time is up. */
async function attack(spec: AttackSpec): Promise<Record<string, number>> {
  const body = Buffer.alloc(BODY_BYTES, 'x');
  body.write('{"name":');
  const agent = new Agent({ connections: ATTACKERS, pipelining: 0 });
  const statuses: Record<string, number> = {};
  const until = Date.now() + spec.durationMs;
  await Promise.all(
    Array.from({ length: ATTACKERS }, async () => {
      while (Date.now() < until) {
        const key = await request(`${spec.url}/api/jobs`, {
          method: 'POST',
          dispatcher: agent,
          headers: { authorization: `Bearer ${spec.token}`, 'content-type': 'application/json' },
          body,
        }).then(
          async (response) => {
            await response.body.dump();
            return String(response.statusCode);
          },
          (err: unknown) => `error ${(err as { code?: string }).code ?? 'unknown'}`,
        );
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }),
  );
  await agent.close();
  return statuses;
}

if (args.attacker && !args['control-server']) {
  const spec = JSON.parse(args.attacker) as AttackSpec;
  process.stdout.write(`${JSON.stringify(await attack(spec))}\n`);
  process.exit(0);
}

if (args['control-server']) {
  const { createServer } = await import('node:http');
  const server = createServer((_request, response) => {
    response.writeHead(429, { connection: 'close', 'retry-after': '60', 'content-type': 'application/json' }).end('{"statusCode":429}');
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
  await new Promise<never>(() => undefined); // serves until the bench kills it
}

/** The control server, in its own process: its URL, and how to stop it. */
async function startControlServer(): Promise<{ url: string; stop: () => void }> {
  const child = fork(fileURLToPath(import.meta.url), ['--control-server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--import', 'tsx', '--conditions=@agair/source'] });
  const port = await new Promise<number>((resolve) => child.once('message', (message: { port: number }) => resolve(message.port)));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

function startAttacker(spec: AttackSpec): Promise<Record<string, number>> {
  const child = fork(fileURLToPath(import.meta.url), ['--attacker', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], execArgv: ['--import', 'tsx', '--conditions=@agair/source'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, number>) : reject(new Error(`attacker exited ${code}`)))));
}

/**
 * Customer B's reads for `durationMs`: every latency in ms. B is an office of many users (one
 * token each, taken in turn), each far under its own rate limit: a 429 of B's would be B's own
 * limit, not the attacker's effect.
 */
async function victim(url: string, tokens: readonly string[], jobId: string, durationMs: number): Promise<{ latencies: number[]; failures: number }> {
  const agent = new Agent({ connections: VICTIM_CONCURRENCY });
  const latencies: number[] = [];
  let failures = 0;
  let sent = 0;
  const until = Date.now() + durationMs;
  await Promise.all(
    Array.from({ length: VICTIM_CONCURRENCY }, async () => {
      while (Date.now() < until) {
        const started = performance.now();
        const token = tokens[(sent += 1) % tokens.length] as string;
        const response = await request(`${url}/api/jobs/${jobId}`, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } });
        await response.body.dump();
        if (response.statusCode === 200) latencies.push(performance.now() - started);
        else failures += 1;
      }
    }),
  );
  await agent.close();
  return { latencies, failures };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN);
}

const env = benchServices(['MONGO_URL', 'AMQP_URL', 'REDIS_URL']);
const run = uniqueName('bench_cost');
const jwtSecret = randomBytes(32).toString('hex');
const appEnv: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  HTTP_PORT: '0',
  MONGO_URL: withDatabase(env.MONGO_URL, run),
  AMQP_URL: env.AMQP_URL,
  REDIS_URL: env.REDIS_URL,
  QUEUE_PREFIX: `${run}_`,
  JWT_SECRET: jwtSecret,
  CREDENTIAL_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  CREDENTIAL_ACTIVE_KEY_ID: 'k1',
  SATLOC_BASE_URL: 'http://127.0.0.1:9/api/Satloc',
  PARTNER_STATE_KEY_PREFIX: `${run}:partner:`,
  IDEMPOTENCY_REDIS_PREFIX: `${run}:idem:`,
  // Production limits per caller; the per-address limit is raised because both customers call from 127.0.0.1 here.
  RATE_LIMIT_IP_MAX: '100000000',
};
const config = loadConfig(AssignApiConfig, appEnv);
const seeding = openConnections(config, 'cost-bench', createLogger({ name: 'cost-bench', level: 'silent' }));
await seeding.database.ensureIndexes();
const { repositories } = seeding.database;
const customerA = (await repositories.customers.create({ name: 'Flooding Co' })).id;
const customerB = (await repositories.customers.create({ name: 'Bystander Co' })).id;
const jobB = (await repositories.jobs.create(jobBody(customerB, 'Bystander field'))).id;
const token = (sub: string, customerId: string) => mintToken({ jwtSecret, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, sub: `${run}-${sub}`, role: Role.CUSTOMER, customerId });

type Phase = 'unloaded' | 'attacked' | 'control';

const api = startServiceProcess('assign-api', appEnv);
const control = await startControlServer();
try {
  const url = await api.waitForUrl(60_000);
  const office = (round: number) => Array.from({ length: B_USERS }, (_, i) => token(`b-${round}-${i}`, customerB));
  await victim(url, office(0), jobB, 1500);
  process.stdout.write(
    `assign-api as a process; customer B (${B_USERS} users) reads its job over ${VICTIM_CONCURRENCY} connections; customer A sends ${BODY_BYTES / 1024 / 1024} MiB invalid job bodies over ${ATTACKERS} connections; ${PHASE_MS / 1000} s per phase, ${ROUNDS} rounds\n\n`,
  );
  process.stdout.write('| round | phase | B requests | B p50 ms | B p99 ms | B failures | attacker responses |\n|---|---|---|---|---|---|---|\n');
  const p99s: Record<Phase, number[]> = { unloaded: [], attacked: [], control: [] };
  const orders: readonly (readonly Phase[])[] = [
    ['unloaded', 'attacked', 'control'],
    ['attacked', 'control', 'unloaded'],
    ['control', 'unloaded', 'attacked'],
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    const victimTokens = office(round);
    for (const phase of orders[(round - 1) % orders.length] ?? []) {
      const target = phase === 'attacked' ? url : phase === 'control' ? control.url : null;
      const attacker = target ? startAttacker({ url: target, token: token(`a-${round}`, customerA), durationMs: PHASE_MS + 1000 }) : null;
      if (attacker) await new Promise((resolve) => setTimeout(resolve, 1000)); // the flood is under way before B measures
      const measured = await victim(url, victimTokens, jobB, PHASE_MS);
      const statuses = attacker ? await attacker : null;
      const sorted = [...measured.latencies].sort((a, b) => a - b);
      p99s[phase].push(percentile(sorted, 99));
      const attackerText = statuses ? Object.entries(statuses).map(([status, n]) => `${status}: ${n}`).join(', ') : '—';
      process.stdout.write(`| ${round} | ${phase} | ${sorted.length} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ${measured.failures} | ${attackerText} |\n`);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const [unloaded, attacked, controlled] = [median(p99s.unloaded), median(p99s.attacked), median(p99s.control)];
  const ratio = attacked / unloaded;
  process.stdout.write(
    `\nB's p99, median over rounds: unloaded ${unloaded.toFixed(1)} ms, attacked ${attacked.toFixed(1)} ms (${ratio.toFixed(2)}×; goal ≤ 2×: ${ratio <= 2 ? 'met' : 'not met'}), ` +
      `control (the flood at a bare server) ${controlled.toFixed(1)} ms (${(controlled / unloaded).toFixed(2)}×)\n`,
  );
} finally {
  control.stop();
  await api.stop();
  await seeding.database.mongo.db.dropDatabase().catch(() => undefined);
  await Promise.allSettled([seeding.database.mongo.close(), seeding.amqp.close(), seeding.redis.close()]);
}
