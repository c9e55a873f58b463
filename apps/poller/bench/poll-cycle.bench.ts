/**
 * How long does one poll cycle take over many aircraft when the partner is slow? Seeds AIRCRAFT
 * aircraft in the SatLoc simulator (GetAircraftLogs answers after LATENCY_MS) and, in a private
 * database, one UPLOADED assignment per aircraft; then runs `LogCollector.runCycle()` of the real
 * poller (built in-process with `buildPoller`, production log level `info` to a null sink) and
 * compares it with the ideal `aircraft × latency / POLL_CONCURRENCY`. A second baseline lists the
 * same aircraft through the partner SDK alone (same concurrency, no database, no trackers), which
 * separates the collector's own cost from the HTTP client's.
 *
 * With `--new-logs 0` (the default) no aircraft has a log to download, so the cycle is listing
 * only: the poller's fan-out. With `--new-logs N`, before each cycle every aircraft gets N new
 * logs of `--log-kib` random bytes (unique, so none is a duplicate), and GetAircraftLogData
 * answers after the same latency: the cycle then lists, creates trackers, streams each log into
 * GridFS and publishes its task (nothing consumes it). The ideal becomes
 * `aircraft × (1 + N) × latency / concurrency`, and the SDK baseline downloads the same logs.
 * Earlier cycles' logs are listed again, as in production until an assignment goes quiet.
 *
 *   eval "$(bash tools/services/up.sh)" && npm run bench -w @agair/poller
 *   (options: --aircraft 1000 --latency-ms 50 --concurrency 4,16 --rounds 2 --new-logs 0 --log-kib 16 --time-limit-s 170)
 *   the fleet case: --aircraft 10000 --concurrency 16 --new-logs 1 --rounds 1 --time-limit-s 900
 *
 * Needs MONGO_URL, AMQP_URL, REDIS_URL (loopback); uses its own database, queue prefix and Redis
 * key prefix, and removes them at the end.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { PartnerCode, Role, TaskType } from '@agair/domain-models';
import { collectLogDownload } from '@agair/partner-sdk';
import { createSatlocSimulator } from '@agair/partner-sdk/simulator';
import { createPartners, openConnections, partnerTaskTopology } from '@agair/runtime';
import { createLogger, createMetricsRegistry, loadConfig } from '@agair/service-kit';
import { uniqueName, withDatabase, benchServices } from '@agair/testing';
import { buildPoller } from '../src/app.js';
import { PollerConfig } from '../src/config.js';
import { mapWithConcurrency } from '../src/log-collector.js';

const { values: args } = parseArgs({
  options: {
    aircraft: { type: 'string', default: '1000' },
    'latency-ms': { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '4,16' },
    rounds: { type: 'string', default: '2' },
    'new-logs': { type: 'string', default: '0' },
    'log-kib': { type: 'string', default: '16' },
    'time-limit-s': { type: 'string', default: '170' },
  },
});
const AIRCRAFT = Math.min(10_000, Math.max(1, Number(args.aircraft)));
const LATENCY_MS = Math.min(1000, Math.max(0, Number(args['latency-ms'])));
const CONCURRENCIES = (args.concurrency ?? '4').split(',').map((c) => Math.min(64, Math.max(1, Number(c))));
const ROUNDS = Math.min(5, Math.max(1, Number(args.rounds)));
const NEW_LOGS = Math.min(10, Math.max(0, Number(args['new-logs'])));
const LOG_BYTES = Math.min(4096, Math.max(1, Number(args['log-kib']))) * 1024;
const TIME_LIMIT_MS = Math.min(1800, Math.max(10, Number(args['time-limit-s']))) * 1000;

const env = benchServices(['MONGO_URL', 'AMQP_URL', 'REDIS_URL']);

const started = Date.now();
const prefix = `${uniqueName('bench_poll')}_`;
const credentialKeys = `k1:${randomBytes(32).toString('base64')}`;
const simulator = await createSatlocSimulator({
  seed: 11,
  initial: {
    companies: [{ companyId: 'C1', name: 'Prairie Aerial' }],
    users: [{ username: 'prairie-api', password: 'Sim-Passw0rd!', companyId: 'C1' }],
    aircraft: Array.from({ length: AIRCRAFT }, (_, i) => ({ aircraftId: String(1000 + i), companyId: 'C1', tailNumber: `N${1000 + i}PA`, name: 'AT-802' })),
  },
  logProduction: { mode: 'manual' },
});
await simulator.listen();

const baseEnv: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  HTTP_PORT: '0',
  MONGO_URL: withDatabase(env.MONGO_URL, uniqueName('bench_poll')),
  AMQP_URL: env.AMQP_URL,
  REDIS_URL: env.REDIS_URL,
  QUEUE_PREFIX: prefix,
  CREDENTIAL_KEYS: credentialKeys,
  CREDENTIAL_ACTIVE_KEY_ID: 'k1',
  SATLOC_BASE_URL: simulator.baseUrl,
  SATLOC_TIMEOUT_MS: '10000',
  PARTNER_STATE_KEY_PREFIX: `${prefix}partner:`,
  POLL_CRON: '0 0 1 1 *',
  POLL_SYNC_CHECK_MS: '600000',
  POLL_SWEEP_MS: '3600000',
};
/** Production log level, written nowhere: what logging costs is part of the poller. */
const nullSink = new Writable({ write: (_chunk, _encoding, done) => done() });
const logger = createLogger({ name: 'poller', level: 'info', destination: nullSink });
const silent = createLogger({ name: 'poll-bench', level: 'silent' });
const seedConfig = loadConfig(PollerConfig, baseEnv);
const seeding = openConnections(seedConfig, 'poll-bench', silent);
const { repositories } = seeding.database;

interface Row {
  round: number;
  concurrency: number;
  mode: string;
  ms: number;
  idealMs: number;
}
const rows: Row[] = [];

try {
  await seeding.database.ensureIndexes();
  const seedStarted = performance.now();
  const partner = await repositories.partners.create({
    code: PartnerCode.SATLOC,
    name: 'SatLoc Cloud (simulator)',
    baseUrl: simulator.baseUrl,
    capabilities: ['job_upload', 'log_download', 'aircraft_list', 'health_check'],
  });
  const customer = await repositories.customers.create({ name: `Prairie Aerial ${prefix}`, partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] });
  await repositories.partnerSystemUsers.create({
    partnerId: partner.id,
    partnerCode: PartnerCode.SATLOC,
    customerId: customer.id,
    username: 'prairie-api',
    password: 'Sim-Passw0rd!',
  });
  const job = await repositories.jobs.create({
    customerId: customer.id,
    name: 'Bench field',
    boundary: { type: 'Polygon', coordinates: [[[-97.5, 38.1], [-97.49, 38.1], [-97.49, 38.11], [-97.5, 38.11], [-97.5, 38.1]]] },
    exclusions: [],
    productName: 'Glyphosate 41%',
    targetRateLPerHa: 20,
    units: 'metric',
  });
  const aircraftIds = [...simulator.state.aircraft.keys()];
  await mapWithConcurrency(aircraftIds, 8, async (aircraftId) => {
    const pilot = await repositories.internalUsers.create({
      username: `pilot-${prefix}${aircraftId}`,
      name: `Pilot ${aircraftId}`,
      role: Role.CUSTOMER,
      customerId: customer.id,
      partnerInfo: { partnerCode: PartnerCode.SATLOC, partnerAircraftId: aircraftId },
    });
    const { assign } = await repositories.jobAssigns.assign({
      jobId: job.id,
      userId: pilot.id,
      customerId: customer.id,
      partnerCode: PartnerCode.SATLOC,
      partnerAircraftId: aircraftId,
    });
    await repositories.jobAssigns.markUploaded(customer.id, assign.id, aircraftId);
  });
  process.stderr.write(`seeded ${AIRCRAFT} aircraft and UPLOADED assignments in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s\n`);
  simulator.faults.set('GetAircraftLogs', { latencyMs: LATENCY_MS });
  simulator.faults.set('GetAircraftLogData', { latencyMs: LATENCY_MS });
  /** N new logs per aircraft, unique bytes each; their ids, for the SDK baseline to download. */
  const addNewLogs = (): Set<string> => {
    const ids = new Set<string>();
    for (const aircraftId of aircraftIds) for (let i = 0; i < NEW_LOGS; i++) ids.add(simulator.state.addRawLog({ aircraftId, bytes: randomBytes(LOG_BYTES) }).logId);
    return ids;
  };

  const credentials = await repositories.partnerSystemUsers.getCredentials(customer.id, PartnerCode.SATLOC);
  if (!credentials) throw new Error('credentials were not stored');

  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const concurrency of CONCURRENCIES) {
      if (Date.now() - started > TIME_LIMIT_MS) {
        process.stderr.write(`time limit reached: round ${round} at concurrency ${concurrency} not run\n`);
        continue;
      }
      const idealMs = (AIRCRAFT * (1 + NEW_LOGS) * LATENCY_MS) / concurrency;
      addNewLogs();
      const config = loadConfig(PollerConfig, { ...baseEnv, POLL_CONCURRENCY: String(concurrency) });
      const poller = await buildPoller(config, logger);
      try {
        await poller.start();
        const before = performance.now();
        const run = await poller.collector.runCycle();
        const ms = performance.now() - before;
        if (run.counters.aircraft !== AIRCRAFT || run.errors.length > 0 || run.counters.enqueued !== AIRCRAFT * NEW_LOGS) {
          throw new Error(
            `cycle covered ${run.counters.aircraft} aircraft, enqueued ${run.counters.enqueued} of ${AIRCRAFT * NEW_LOGS} new logs, with ${run.errors.length} errors: ${JSON.stringify(run.errors.slice(0, 3))}`,
          );
        }
        rows.push({ round, concurrency, mode: 'ours: LogCollector.runCycle()', ms, idealMs });
      } finally {
        await poller.close();
      }

      // The SDK alone: the same listing and download calls at the same concurrency, nothing else.
      const fresh = addNewLogs();
      const sdkMetrics = createMetricsRegistry('poll-bench');
      const partners = createPartners(seeding.redis, sdkMetrics, config, silent);
      try {
        const satloc = partners.get(PartnerCode.SATLOC);
        await satloc.getAircraftLogs(credentials, aircraftIds[0] as string); // session token, as the collector's first call gets it
        const before = performance.now();
        await mapWithConcurrency(aircraftIds, concurrency, async (aircraftId) => {
          const listed = await satloc.getAircraftLogs(credentials, aircraftId);
          for (const log of listed.filter((l) => fresh.has(l.logId))) {
            await collectLogDownload(await satloc.downloadAircraftLog(credentials, log, { maxBytes: LOG_BYTES, expectedBytes: log.sizeBytes }));
          }
        });
        rows.push({ round, concurrency, mode: NEW_LOGS > 0 ? 'baseline: partner SDK, listing and downloads' : 'baseline: partner SDK listing only', ms: performance.now() - before, idealMs });
      } finally {
        await partners.close();
      }
    }
  }
} finally {
  const topology = partnerTaskTopology(seedConfig, TaskType.PROCESS_PARTNER_LOG);
  const channel = seeding.amqp.createChannel({ name: 'bench-cleanup', publishTimeoutMs: 5000, setup: async () => undefined });
  await channel.waitForConnect().catch(() => undefined);
  for (const queue of [topology.main, topology.failed, ...topology.tiers.map((t) => t.queue)]) await channel.deleteQueue(queue).catch(() => undefined);
  await channel.close().catch(() => undefined);
  const keys = await seeding.redis.client.keys(`*${prefix}*`);
  if (keys.length > 0) await seeding.redis.client.del(...keys);
  await seeding.database.mongo.db.dropDatabase();
  await Promise.allSettled([seeding.database.mongo.close(), seeding.amqp.close(), seeding.redis.close()]);
  await simulator.close();
}

const table = rows.map((r) => [
  String(r.round),
  String(r.concurrency),
  r.mode,
  (r.ms / 1000).toFixed(2),
  (r.idealMs / 1000).toFixed(2),
  `${((r.idealMs / r.ms) * 100).toFixed(0)} %`,
  (AIRCRAFT / (r.ms / 1000)).toFixed(0),
]);
const header = ['round', 'concurrency', 'mode', 'cycle s', 'ideal s', 'ideal / measured', 'aircraft/s'];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
process.stdout.write(
  `poller: one cycle over ${AIRCRAFT} aircraft, ${NEW_LOGS} new log(s) of ${LOG_BYTES / 1024} KiB each per aircraft, partner latency ${LATENCY_MS} ms (ideal = aircraft × (1 + new logs) × latency / concurrency)\n`,
);
process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${table.map(line).join('\n')}\n`);
