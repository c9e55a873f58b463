/**
 * What does assign-api's own machinery cost per request? Three servers on 127.0.0.1, each driven
 * by the same closed-loop load from a separate process (load-generator.ts: autocannon when
 * installed, else node:http):
 *
 * - ours: the real app (`buildApp(loadConfig(AssignApiConfig, …), logger)`), `POST
 *   /api/jobs/:jobId/assign` with an admin token, one internal user (no partner, so no partner
 *   call) per request. Logger at the production level `info`, written to a null sink: what
 *   logging costs is part of our overhead. Rate limit on (Redis), set high enough never to answer 429.
 * - baseline: a bare Fastify app, one route, no schema, validation, auth, rate limit, metrics or
 *   logging, making the same database calls as ours for an admin caller (job's customer, job,
 *   user twice — once to refuse partner system users, once to assign — and the insert).
 * - hello: a bare Fastify hello-world, for the ceiling of the HTTP stack on this machine.
 *
 * The database behind the compared servers drifts: PostgreSQL (under FerretDB) has slow and
 * fast spells of tens of seconds, so one long measurement per server compared one server's
 * spell with another's (the same server measured 310 req/s in one position, 397 in the next).
 * The compared servers are therefore measured in many short slices, interleaved, their turn
 * rotating every round; each server's figure is the sum over its slices, and the spread of the
 * per-round ratios is printed too. Each slice assigns a new job to users it never had, so every
 * request inserts one assignment. One warm-up per server before the first round.
 *
 *   eval "$(bash tools/services/up.sh)" && npm run bench -w @agair/assign-api
 *   (options: --seconds 2 (per slice) --rounds 12 --connections 16 --users 2500 --log-variant)
 *
 * Needs MONGO_URL, AMQP_URL, REDIS_URL (loopback); own database, queue prefix and Redis key
 * prefixes, removed at the end.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TaskType } from '@agair/domain-models';
import { openConnections, partnerTaskTopology } from '@agair/runtime';
import { Role, createLogger, loadConfig, mintToken } from '@agair/service-kit';
import { uniqueName, withDatabase, benchServices } from '@agair/testing';
import Fastify from 'fastify';
import { buildApp } from '../src/app.js';
import { AssignApiConfig } from '../src/config.js';
import type { LoadResult, LoadSpec } from './load-generator.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '16' },
    users: { type: 'string', default: '2500' },
    rounds: { type: 'string', default: '12' },
    // Also ours with LOG_LEVEL=warn (no per-request log lines): how much of the overhead is logging.
    'log-variant': { type: 'boolean', default: false },
  },
});
const MEASURE_MS = Math.min(30, Math.max(1, Number(args.seconds))) * 1000;
const WARMUP_MS = 1500;
const CONNECTIONS = Math.min(128, Math.max(1, Number(args.connections)));
const USERS = Math.min(20_000, Math.max(CONNECTIONS, Number(args.users)));
const ROUNDS = Math.min(60, Math.max(1, Number(args.rounds)));
const TIME_LIMIT_MS = 170_000;

const env = benchServices(['MONGO_URL', 'AMQP_URL', 'REDIS_URL']);

const benchStarted = Date.now();
const prefix = `${uniqueName('bench_assign')}_`;
const jwtSecret = randomBytes(32).toString('hex');
const appEnv: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  HTTP_PORT: '0',
  MONGO_URL: withDatabase(env.MONGO_URL, uniqueName('bench_assign')),
  AMQP_URL: env.AMQP_URL,
  REDIS_URL: env.REDIS_URL,
  QUEUE_PREFIX: prefix,
  JWT_SECRET: jwtSecret,
  RATE_LIMIT_MAX: '100000000',
  RATE_LIMIT_IP_MAX: '100000000',
  CREDENTIAL_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  CREDENTIAL_ACTIVE_KEY_ID: 'k1',
  // No partner is called: the users fly no partner system.
  SATLOC_BASE_URL: 'http://127.0.0.1:9/api/Satloc',
  PARTNER_STATE_KEY_PREFIX: `${prefix}partner:`,
  IDEMPOTENCY_REDIS_PREFIX: `${prefix}idem:`,
};
const config = loadConfig(AssignApiConfig, appEnv);
const silent = createLogger({ name: 'assign-bench', level: 'silent' });
const nullSink = new Writable({ write: (_chunk, _encoding, done) => done() });
const logger = createLogger({ name: 'assign-api', level: 'info', destination: nullSink });
const seeding = openConnections(config, 'assign-bench', silent);
const { repositories } = seeding.database;
const adminToken = mintToken({ jwtSecret, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, sub: 'bench-ops', role: Role.ADMIN });

type Mode = 'hello' | 'bare' | 'ours' | 'oursWarn';
const LABELS: Record<Mode, string> = {
  ours: 'ours: assign-api POST /api/jobs/:jobId/assign',
  oursWarn: 'variant: ours with LOG_LEVEL=warn',
  bare: 'baseline: bare Fastify route, same DB calls',
  hello: 'context: Fastify hello-world',
};

/** The load generator in its own process, one spec at a time. */
function startLoadGenerator() {
  const child = fork(fileURLToPath(new URL('./load-generator.ts', import.meta.url)), ['--load-generator'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
  });
  return {
    ready,
    run: (spec: LoadSpec) =>
      new Promise<LoadResult>((resolve, reject) => {
        child.once('message', (message: { result?: LoadResult; error?: string }) => (message.result ? resolve(message.result) : reject(new Error(message.error))));
        child.send(spec);
      }),
    stop: () => child.kill(),
  };
}

interface Row {
  round: number;
  mode: Mode;
  result: LoadResult;
}
const rows: Row[] = [];
const loadGenerator = startLoadGenerator();
const bare = Fastify({ logger: false });
let ours: Awaited<ReturnType<typeof buildApp>> | undefined;
let oursWarn: Awaited<ReturnType<typeof buildApp>> | undefined;

try {
  await seeding.database.ensureIndexes();
  const customer = await repositories.customers.create({ name: `Bench Aerial ${prefix}` });
  const userIds: string[] = new Array(USERS);
  let nextUser = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (nextUser < USERS) {
        const i = nextUser++;
        const user = await repositories.internalUsers.create({ username: `pilot-${prefix}${i}`, name: `Pilot ${i}`, role: Role.CUSTOMER, customerId: customer.id });
        userIds[i] = user.id;
      }
    }),
  );
  const newJob = async (name: string) =>
    (
      await repositories.jobs.create({
        customerId: customer.id,
        name,
        boundary: { type: 'Polygon', coordinates: [[[-97.5, 38.1], [-97.49, 38.1], [-97.49, 38.11], [-97.5, 38.11], [-97.5, 38.1]]] },
        exclusions: [],
        productName: 'Glyphosate 41%',
        targetRateLPerHa: 20,
        units: 'metric',
      })
    ).id;

  // The baseline: the database calls ours makes for an admin caller and an internal user, nothing else.
  bare.get('/hello', async () => ({ hello: 'world' }));
  bare.post('/bare/jobs/:jobId/assign', async (request, reply) => {
    const { jobId } = request.params as { jobId: string };
    const { asUsers } = request.body as { asUsers: { uid: string }[] };
    const customerId = await repositories.jobs.customerOf(jobId);
    const job = customerId ? await repositories.jobs.findById(customerId, jobId) : null;
    if (!customerId || !job) return reply.code(404).send({ message: 'job not found' });
    const assignments = [];
    for (const { uid } of asUsers) {
      await repositories.internalUsers.findByIdForCustomer(customerId, uid);
      const user = await repositories.internalUsers.findByIdForCustomer(customerId, uid);
      if (!user) return reply.code(404).send({ message: 'user not found' });
      const { assign, created } = await repositories.jobAssigns.assign({ jobId, userId: user.id, customerId, partnerCode: null, partnerAircraftId: null });
      assignments.push({ userId: user.id, assignId: assign.id, partnerCode: null, externalJobId: null, syncStatus: assign.upload.syncStatus, status: assign.status, created });
    }
    return { ok: true, jobId, assignments, unassigned: [], errors: [] };
  });
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareOrigin = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;

  ours = await buildApp(config, logger);
  await ours.listen({ host: '127.0.0.1', port: 0 });
  const oursOrigin = `http://127.0.0.1:${(ours.server.address() as { port: number }).port}`;
  let oursWarnOrigin = '';
  if (args['log-variant']) {
    oursWarn = await buildApp(config, createLogger({ name: 'assign-api', level: 'warn', destination: nullSink }));
    await oursWarn.listen({ host: '127.0.0.1', port: 0 });
    oursWarnOrigin = `http://127.0.0.1:${(oursWarn.server.address() as { port: number }).port}`;
  }
  await loadGenerator.ready;

  const specFor = async (mode: Mode, durationMs: number): Promise<LoadSpec> => {
    const common = { durationMs, connections: CONNECTIONS, maxRequests: USERS };
    if (mode === 'hello') return { ...common, maxRequests: 10_000_000, origin: bareOrigin, method: 'GET', path: '/hello', headers: {} };
    const jobId = await newJob(`bench ${mode} ${rows.length}`);
    const bodies = userIds.map((uid) => JSON.stringify({ asUsers: [{ uid }] }));
    if (mode === 'bare') return { ...common, origin: bareOrigin, method: 'POST', path: `/bare/jobs/${jobId}/assign`, headers: {}, bodies };
    const origin = mode === 'ours' ? oursOrigin : oursWarnOrigin;
    return { ...common, origin, method: 'POST', path: `/api/jobs/${jobId}/assign`, headers: { authorization: `Bearer ${adminToken}` }, bodies };
  };

  const measure = async (round: number, mode: Mode, ms: number): Promise<void> => {
    const result = await loadGenerator.run(await specFor(mode, ms));
    if (result.failed > 0) throw new Error(`${mode}: ${result.failed} of ${result.requests} requests failed; first: ${result.firstFailure}`);
    rows.push({ round, mode, result });
  };
  await loadGenerator.run(await specFor('hello', WARMUP_MS));
  await measure(0, 'hello', 6000);
  const compared: Mode[] = args['log-variant'] ? ['bare', 'ours', 'oursWarn'] : ['bare', 'ours'];
  for (const mode of compared) await loadGenerator.run(await specFor(mode, WARMUP_MS));
  rounds: for (let round = 1; round <= ROUNDS; round += 1) {
    const k = (round - 1) % compared.length;
    for (const mode of [...compared.slice(k), ...compared.slice(0, k)]) {
      if (Date.now() - benchStarted > TIME_LIMIT_MS) {
        process.stderr.write(`time limit reached: stopped in round ${round}; rounds completed: ${round - 1}\n`);
        const partial = rows.findIndex((r) => r.round === round);
        if (partial >= 0) rows.splice(partial);
        break rounds;
      }
      await measure(round, mode, MEASURE_MS);
    }
  }
} finally {
  loadGenerator.stop();
  await ours?.close();
  await oursWarn?.close();
  await bare.close();
  const channel = seeding.amqp.createChannel({ name: 'bench-cleanup', publishTimeoutMs: 5000, setup: async () => undefined });
  await channel.waitForConnect().catch(() => undefined);
  const topology = partnerTaskTopology(config, TaskType.UPLOAD_PARTNER_JOB);
  for (const queue of [topology.main, topology.failed, ...topology.tiers.map((t) => t.queue)]) await channel.deleteQueue(queue).catch(() => undefined);
  await channel.close().catch(() => undefined);
  const keys = await seeding.redis.client.keys(`*${prefix}*`);
  if (keys.length > 0) await seeding.redis.client.del(...keys);
  await seeding.database.mongo.db.dropDatabase();
  await Promise.allSettled([seeding.database.mongo.close(), seeding.amqp.close(), seeding.redis.close()]);
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};
const modes = [...new Set(rows.map((r) => r.mode))];
const rounds = new Set(rows.filter((r) => r.round > 0).map((r) => r.round)).size;
/** Sum over a server's slices: requests answered / time spent. */
const rate = (mode: Mode): number => {
  const mine = rows.filter((r) => r.mode === mode);
  return mine.reduce((n, r) => n + r.result.ok, 0) / (mine.reduce((t, r) => t + r.result.elapsedMs, 0) / 1000);
};
const table = modes.map((mode) => {
  const mine = rows.filter((r) => r.mode === mode);
  return [
    LABELS[mode],
    String(mine.length),
    String(mine.reduce((n, r) => n + r.result.ok, 0)),
    (mine.reduce((t, r) => t + r.result.elapsedMs, 0) / 1000).toFixed(1),
    rate(mode).toFixed(0),
    median(mine.map((r) => r.result.p50Ms)).toFixed(1),
    median(mine.map((r) => r.result.p99Ms)).toFixed(1),
  ];
});
/** Per round: `mode`'s requests/s over the baseline's in the same round. */
const roundRatios = (mode: Mode): number[] =>
  [...new Set(rows.map((r) => r.round))].flatMap((round) => {
    const a = rows.find((r) => r.round === round && r.mode === mode);
    const b = rows.find((r) => r.round === round && r.mode === 'bare');
    return a && b ? [a.result.requestsPerS / b.result.requestsPerS] : [];
  });
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const verdicts: string[] = [];
for (const mode of ['ours', 'oursWarn'] as const) {
  if (!rows.some((r) => r.mode === mode) || !rows.some((r) => r.mode === 'bare')) continue;
  const share = rate(mode) / rate('bare');
  const per = roundRatios(mode);
  verdicts.push(
    `${mode === 'ours' ? 'ours' : 'variant (warn)'} / baseline requests/s: ${pct(share)}` +
      (mode === 'ours' ? ` (overhead ${((1 - share) * 100).toFixed(1)} %; goal ≤ 15 %)` : '') +
      `; per round: median ${pct(median(per))}, min ${pct(Math.min(...per))}, max ${pct(Math.max(...per))}`,
  );
}
const header = ['server', 'slices', 'requests', 's', 'requests/s', 'p50 ms (median of slices)', 'p99 ms (median of slices)'];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
process.stdout.write(
  `assign-api: ${CONNECTIONS} connections, closed loop, ${rounds} rounds of ${MEASURE_MS / 1000} s slices per server (interleaved, ` +
    `rotating), load from ${rows[0]?.result.tool ?? '?'} in a separate process\n`,
);
process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${table.map(line).join('\n')}\n\n${verdicts.join('\n')}\n`);
