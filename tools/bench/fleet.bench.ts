/**
 * The data path end to end, as a fleet drives it: the SatLoc simulator serves AIRCRAFT aircraft,
 * each with LOGS_PER_AIRCRAFT realistic flight logs (~1 MB at the default 1581 × 1581 m field,
 * 0.1 m GNSS noise) of its own UPLOADED job, answering after LATENCY_MS; the real poller and
 * sync-worker run as their own processes (production settings) against FerretDB, RabbitMQ and
 * Redis. One syncData request starts the clock; it stops when every log is PROCESSED.
 *
 * Printed: logs/s end to end; CPU seconds per component over the run (sync-worker, poller,
 * FerretDB, PostgreSQL, the bench itself — which also runs the simulator and the command
 * counter); database commands per log, counted on the wire by a loopback proxy the apps
 * connect through; the apps' peak memory. Reference: a bare loop in this process doing the same
 * reads and writes per log — store the bytes in GridFS, decode, statistics against the job's
 * field, save the application record, recompute the job's record — with no partner, queue,
 * trackers or guards.
 *
 * `--seed-rows N` first stores N ApplicationDetail rows' worth of earlier work under another
 * customer: N ÷ 88 processed logs (a log's passes are one document), each with its application
 * file, coverage, log tracker and task tracker — clones of a real processed log's documents.
 *
 *   eval "$(bash tools/services/up.sh)" && npm run bench:fleet -- --seed-rows 0
 *   (options: --aircraft 20 --logs-per-aircraft 4 --field-m 1581x1581 --latency-ms 50 --seed-rows 0)
 *
 * Needs MONGO_URL, AMQP_URL, REDIS_URL on loopback (FERRETDB_POSTGRES_URL is not needed); its own
 * database, queue prefix and Redis key prefix, all removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PartnerCode, PartnerLogTrackerState, Role, TaskType, createTaskMessage, type Job } from '@agair/domain-models';
import { createSatlocSimulator } from '@agair/partner-sdk/simulator';
import {
  APPLICATION_COVERAGES_COLLECTION,
  APPLICATION_FILES_COLLECTION,
  APPLICATION_PASSES_COLLECTION,
  PARTNER_LOG_TRACKERS_COLLECTION,
  TASK_TRACKERS_COLLECTION,
} from '@agair/persistence';
import { openConnections, partnerTaskTopology, refreshJobApplicationRecord } from '@agair/runtime';
import { computeApplicationStatistics, decodeFlightLogBuffer, fieldShapes, packCoverageLayers, simulateFlight } from '@agair/satloc-parser';
import { createLogger, loadConfig } from '@agair/service-kit';
import { benchServices, startServiceProcess, startWireCommandCounter, uniqueName, withDatabase, type ServiceProcess } from '@agair/testing';
import { ObjectId, type Document } from 'mongodb';
import { SyncWorkerConfig } from '../../apps/sync-worker/src/config.js';

const { values: args } = parseArgs({
  options: {
    aircraft: { type: 'string', default: '20' },
    'logs-per-aircraft': { type: 'string', default: '4' },
    'field-m': { type: 'string', default: '1581x1581' },
    'latency-ms': { type: 'string', default: '50' },
    'seed-rows': { type: 'string', default: '0' },
  },
});
const AIRCRAFT = Math.min(200, Math.max(1, Number(args.aircraft)));
const LOGS_PER_AIRCRAFT = Math.min(20, Math.max(1, Number(args['logs-per-aircraft'])));
const [FIELD_W_M, FIELD_H_M] = (args['field-m'] ?? '1581x1581').split('x').map(Number) as [number, number];
const LATENCY_MS = Math.min(1000, Math.max(0, Number(args['latency-ms'])));
const SEED_ROWS = Math.min(2_000_000, Math.max(0, Number(args['seed-rows'])));
const LOGS = AIRCRAFT * LOGS_PER_AIRCRAFT;
const RUN_LIMIT_MS = 600_000;

const env = benchServices(['MONGO_URL', 'AMQP_URL', 'REDIS_URL']);
const prefix = `${uniqueName('bench_fleet')}_`;
const mongoUrl = withDatabase(env.MONGO_URL, uniqueName('bench_fleet'));
const say = (line: string) => process.stderr.write(`${line}\n`);

// ---- process accounting from /proc (Linux): CPU seconds and peak memory of a process tree ----
const TICKS_PER_S = 100;

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function tree(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(tree)];
}

function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // gone
    }
  }
  return ticks / TICKS_PER_S;
}

function peakMiB(pids: readonly number[]): number {
  let peak = 0;
  for (const pid of pids) {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      peak = Math.max(peak, Number(kb ?? 0) / 1024);
    } catch {
      // gone
    }
  }
  return peak;
}

function pidsNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    });
}

function ferretdbPids(): number[] {
  const stateDir = join(homedir(), '.local/state/agair');
  try {
    return [Number(readFileSync(join(stateDir, 'ferretdb.pid'), 'utf8').trim())];
  } catch {
    return pidsNamed('ferretdb-embedd');
  }
}

// ---- the world ----
const aircraftIds = Array.from({ length: AIRCRAFT }, (_, i) => String(2000 + i));
const extJobIdOf = (aircraftId: string) => String(7000 + Number(aircraftId) - 2000);
const simStarted = performance.now();
const flights = aircraftIds.flatMap((aircraftId, a) =>
  Array.from({ length: LOGS_PER_AIRCRAFT }, (_, k) => ({
    aircraftId,
    flight: simulateFlight({ seed: 100 * a + k + 1, boundaryM: fieldShapes.rectangle(FIELD_W_M, FIELD_H_M), swathWidthM: 18, jobId: extJobIdOf(aircraftId), aircraftId, groundTruth: false }),
  })),
);
const field = flights[0]?.flight.field;
if (!field) throw new Error('nothing simulated');
const logBytes = flights.reduce((sum, f) => sum + f.flight.bytes.length, 0);
say(`simulated ${LOGS} logs of ${(logBytes / LOGS / 1024).toFixed(0)} KiB in ${((performance.now() - simStarted) / 1000).toFixed(1)} s`);

const simulator = await createSatlocSimulator({
  seed: 21,
  initial: {
    companies: [{ companyId: 'C1', name: 'Prairie Aerial' }],
    users: [{ username: 'prairie-api', password: 'Sim-Passw0rd!', companyId: 'C1' }],
    aircraft: aircraftIds.map((aircraftId) => ({ aircraftId, companyId: 'C1', tailNumber: `N${aircraftId}PA`, name: 'AT-802' })),
  },
  logProduction: { mode: 'manual' },
});
await simulator.listen();

const credentialKeys = `k1:${randomBytes(32).toString('base64')}`;
const appEnv: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  HTTP_PORT: '0',
  MONGO_URL: mongoUrl,
  AMQP_URL: env.AMQP_URL,
  REDIS_URL: env.REDIS_URL,
  QUEUE_PREFIX: prefix,
  CREDENTIAL_KEYS: credentialKeys,
  CREDENTIAL_ACTIVE_KEY_ID: 'k1',
  SATLOC_BASE_URL: simulator.baseUrl,
  PARTNER_STATE_KEY_PREFIX: `${prefix}partner:`,
  SHUTDOWN_TIMEOUT_MS: '15000',
};
const config = loadConfig(SyncWorkerConfig, appEnv);
const silent = createLogger({ name: 'fleet-bench', level: 'silent' });
const connections = openConnections(config, 'fleet-bench', silent);
const { repositories } = connections.database;
const db = connections.database.mongo.db;
const processes: ServiceProcess[] = [];
const counter = await startWireCommandCounter(mongoUrl);
const out: string[] = [];

/** Real documents of one processed log, cloned `count` times under `customerId` with fresh ids. */
async function seedEarlierWork(template: { fileId: string; trackerId: string; taskId: string }, count: number, customerId: ObjectId): Promise<void> {
  const one = async (collection: string, filter: Document) => {
    const doc = await db.collection(collection).findOne(filter);
    if (!doc) throw new Error(`no template in ${collection}`);
    return doc;
  };
  const fileId = new ObjectId(template.fileId);
  const file = await one(APPLICATION_FILES_COLLECTION, { _id: fileId });
  const passes = await one(APPLICATION_PASSES_COLLECTION, { fileId });
  const coverage = await one(APPLICATION_COVERAGES_COLLECTION, { fileId });
  const tracker = await one(PARTNER_LOG_TRACKERS_COLLECTION, { _id: new ObjectId(template.trackerId) });
  const task = await one(TASK_TRACKERS_COLLECTION, { taskId: template.taskId });
  const BATCH = 250;
  for (let start = 0; start < count; start += BATCH) {
    const docs: Record<string, Document[]> = { files: [], passes: [], coverages: [], trackers: [], tasks: [] };
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const newFile = new ObjectId();
      const newTracker = new ObjectId();
      const hash = randomBytes(32).toString('hex');
      docs['files']?.push({ ...file, _id: newFile, customerId, trackerId: newTracker, jobId: null, assignId: null, contentHash: hash, logId: `SEED-${i}` });
      docs['passes']?.push({ ...passes, _id: new ObjectId(), fileId: newFile, customerId });
      docs['coverages']?.push({ ...coverage, _id: new ObjectId(), fileId: newFile, customerId, jobId: null });
      docs['trackers']?.push({ ...tracker, _id: newTracker, customerId, logId: `SEED-${i}`, contentHash: hash, applicationFileId: newFile });
      docs['tasks']?.push({ ...task, _id: new ObjectId(), customerId, taskId: `plog:${newTracker.toHexString()}` });
    }
    await Promise.all([
      db.collection(APPLICATION_FILES_COLLECTION).insertMany(docs['files'] ?? []),
      db.collection(APPLICATION_PASSES_COLLECTION).insertMany(docs['passes'] ?? []),
      db.collection(APPLICATION_COVERAGES_COLLECTION).insertMany(docs['coverages'] ?? []),
      db.collection(PARTNER_LOG_TRACKERS_COLLECTION).insertMany(docs['trackers'] ?? []),
      db.collection(TASK_TRACKERS_COLLECTION).insertMany(docs['tasks'] ?? []),
    ]);
  }
}

/** The reference: the same reads and writes per log, in one loop, no partner, queue or guards. */
async function bareLoop(jobs: ReadonlyMap<string, Job>, customerId: string): Promise<number> {
  const started = performance.now();
  for (const [i, { aircraftId, flight }] of flights.entries()) {
    const job = jobs.get(aircraftId);
    if (!job) throw new Error(`no job for ${aircraftId}`);
    const stored = await repositories.logFiles.store(flight.bytes, { fileName: `bare-${i}.alog`, partnerCode: PartnerCode.SATLOC, customerId, logId: `BARE-${i}` });
    const statistics = await computeApplicationStatistics(decodeFlightLogBuffer(flight.bytes).records, { boundary: job.boundary, includePassFootprints: false });
    const now = new Date().toISOString();
    await repositories.applicationRecords.saveProcessedLog(
      {
        partnerCode: PartnerCode.SATLOC,
        customerId,
        trackerId: null,
        logId: `BARE-${i}`,
        aircraftId,
        fileName: `bare-${i}.alog`,
        storedFileId: stored.storedFileId,
        contentHash: stored.contentHash,
        extJobId: extJobIdOf(aircraftId),
        jobId: job.id,
        assignId: null,
        match: { method: 'job_id_in_header', confidence: 1 },
        decoder: { format: 'agair-log', version: '1.0' },
        records: { read: 0, skipped: 0, corrupt: 0 },
        processing: { stage: 'done', startedAt: now, finishedAt: now, durationMs: 0 },
        summary: statistics.summary,
      },
      statistics.passes,
      { layers: packCoverageLayers(statistics.coverage), swaths: statistics.swaths },
    );
    await refreshJobApplicationRecord({ repositories }, customerId, job.id);
  }
  return performance.now() - started;
}

try {
  await connections.database.ensureIndexes();
  const partner = await repositories.partners.create({
    code: PartnerCode.SATLOC,
    name: 'SatLoc Cloud (simulator)',
    baseUrl: simulator.baseUrl,
    capabilities: ['job_upload', 'log_download', 'aircraft_list', 'health_check'],
  });
  const customer = await repositories.customers.create({ name: `Prairie Aerial ${prefix}`, partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] });
  await repositories.partnerSystemUsers.create({ partnerId: partner.id, partnerCode: PartnerCode.SATLOC, customerId: customer.id, username: 'prairie-api', password: 'Sim-Passw0rd!' });
  const jobs = new Map<string, Job>();
  for (const aircraftId of aircraftIds) {
    const pilot = await repositories.internalUsers.create({
      username: `pilot-${prefix}${aircraftId}`,
      name: `Pilot ${aircraftId}`,
      role: Role.CUSTOMER,
      customerId: customer.id,
      partnerInfo: { partnerCode: PartnerCode.SATLOC, partnerAircraftId: aircraftId },
    });
    const job = await repositories.jobs.create({
      customerId: customer.id,
      name: `Field of ${aircraftId}`,
      boundary: field.boundary,
      exclusions: field.exclusions,
      productName: 'Glyphosate 41%',
      targetRateLPerHa: 30,
      units: 'metric',
    });
    jobs.set(aircraftId, job);
    const { assign } = await repositories.jobAssigns.assign({ jobId: job.id, userId: pilot.id, customerId: customer.id, partnerCode: PartnerCode.SATLOC, partnerAircraftId: aircraftId });
    await repositories.jobAssigns.markUploaded(customer.id, assign.id, extJobIdOf(aircraftId));
  }

  if (SEED_ROWS > 0) {
    // One log processed for real (tracker, task, record, coverage) becomes the template.
    const seeder = new ObjectId();
    const { flight } = flights[0] as (typeof flights)[number];
    const stored = await repositories.logFiles.store(flight.bytes, { fileName: 'template.alog', partnerCode: PartnerCode.SATLOC, customerId: seeder.toHexString(), logId: 'TEMPLATE' });
    const { tracker } = await repositories.partnerLogTrackers.upsertPending({ partnerCode: PartnerCode.SATLOC, customerId: seeder.toHexString(), aircraftId: '1', logId: 'TEMPLATE', fileName: 'template.alog' });
    await repositories.partnerLogTrackers.claimForDownload(tracker.id, 'seed', 60_000);
    await repositories.partnerLogTrackers.markDownloaded(tracker.id, 'seed', stored);
    await repositories.partnerLogTrackers.claimForProcessing(tracker.id, 'seed', 60_000);
    const taskId = `plog:${tracker.id}`;
    const payload = { trackerId: tracker.id, partnerCode: PartnerCode.SATLOC, customerId: seeder.toHexString(), aircraftId: '1', logId: 'TEMPLATE', storedFileId: stored.storedFileId, contentHash: stored.contentHash };
    await repositories.taskTrackers.start(createTaskMessage(TaskType.PROCESS_PARTNER_LOG, payload, { taskId, createdAt: new Date() }), 1, 'seed', 60_000);
    const statistics = await computeApplicationStatistics(decodeFlightLogBuffer(flight.bytes).records, { boundary: field.boundary, includePassFootprints: false });
    const now = new Date().toISOString();
    const saved = await repositories.applicationRecords.saveProcessedLog(
      {
        partnerCode: PartnerCode.SATLOC,
        customerId: seeder.toHexString(),
        trackerId: tracker.id,
        logId: 'TEMPLATE',
        aircraftId: '1',
        fileName: 'template.alog',
        storedFileId: stored.storedFileId,
        contentHash: stored.contentHash,
        extJobId: null,
        jobId: null,
        assignId: null,
        match: { method: 'unmatched', confidence: 0 },
        decoder: { format: 'agair-log', version: '1.0' },
        records: { read: 0, skipped: 0, corrupt: 0 },
        processing: { stage: 'done', startedAt: now, finishedAt: now, durationMs: 0 },
        summary: statistics.summary,
      },
      statistics.passes,
      { layers: packCoverageLayers(statistics.coverage), swaths: statistics.swaths },
    );
    await repositories.partnerLogTrackers.markProcessed(tracker.id, 'seed', { applicationFileId: saved.file.id });
    await repositories.taskTrackers.complete(taskId, 'seed');
    const seedLogs = Math.ceil(SEED_ROWS / statistics.passes.length);
    const seedStarted = performance.now();
    await seedEarlierWork({ fileId: saved.file.id, trackerId: tracker.id, taskId }, seedLogs, seeder);
    say(`stored ${SEED_ROWS} rows of earlier work (${seedLogs} logs of ${statistics.passes.length} passes, with files, coverage and trackers) in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`);
  }

  for (const { aircraftId, flight } of flights) simulator.state.addRawLog({ aircraftId, bytes: flight.bytes, fileName: `AC${aircraftId}_${randomBytes(3).toString('hex')}.alog` });
  simulator.faults.set('GetAircraftLogs', { latencyMs: LATENCY_MS });
  simulator.faults.set('GetAircraftLogData', { latencyMs: LATENCY_MS });

  const viaCounter = { ...appEnv, MONGO_URL: counter.url };
  const worker = startServiceProcess('sync-worker', viaCounter);
  const poller = startServiceProcess('poller', { ...viaCounter, POLL_CRON: '0 0 1 1 *', POLL_SYNC_CHECK_MS: '500', POLLER_ID: 'fleet-bench' });
  processes.push(worker, poller);
  await Promise.all([worker.waitForUrl(60_000), poller.waitForUrl(60_000)]);
  for (const deadline = Date.now() + 60_000; !poller.output().includes('lease acquired') || !worker.output().includes('consuming partner tasks'); ) {
    if (Date.now() > deadline) throw new Error('the apps did not get ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));

  const components = {
    'sync-worker': () => tree(worker.child.pid ?? 0),
    poller: () => tree(poller.child.pid ?? 0),
    FerretDB: ferretdbPids,
    PostgreSQL: () => pidsNamed('postgres'),
    'bench (simulator, proxy)': () => [process.pid],
  };
  const cpuBefore = Object.fromEntries(Object.entries(components).map(([name, pids]) => [name, cpuSeconds(pids())]));
  counter.reset();
  const trackers = db.collection(PARTNER_LOG_TRACKERS_COLLECTION);
  const customerObjectId = new ObjectId(customer.id);
  const started = performance.now();
  await repositories.syncRequests.create({ partnerCode: PartnerCode.SATLOC, customerId: customer.id, requestedBy: 'fleet-bench' });
  let processed = 0;
  for (;;) {
    processed = await trackers.countDocuments({ customerId: customerObjectId, state: PartnerLogTrackerState.PROCESSED });
    if (processed >= LOGS) break;
    const failed = await trackers.countDocuments({ customerId: customerObjectId, state: PartnerLogTrackerState.FAILED });
    if (failed > 0) throw new Error(`${failed} logs FAILED:\n${worker.output().slice(-2000)}`);
    if (performance.now() - started > RUN_LIMIT_MS) throw new Error(`only ${processed}/${LOGS} PROCESSED after ${RUN_LIMIT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const runMs = performance.now() - started;
  const commands = counter.workCommands();
  const cpu = Object.entries(components).map(([name, pids]) => [name, cpuSeconds(pids()) - (cpuBefore[name] ?? 0)] as const);
  const memory = { 'sync-worker': peakMiB(tree(worker.child.pid ?? 0)), poller: peakMiB(tree(poller.child.pid ?? 0)) };
  for (const p of processes.splice(0)) await p.stop();

  const bareCustomer = new ObjectId().toHexString();
  const bareMs = await bareLoop(jobs, bareCustomer);

  const perS = (n: number, ms: number) => (n / (ms / 1000)).toFixed(2);
  out.push(`fleet: ${AIRCRAFT} aircraft × ${LOGS_PER_AIRCRAFT} logs of ${(logBytes / LOGS / 1024).toFixed(0)} KiB, partner latency ${LATENCY_MS} ms, ${SEED_ROWS} rows of earlier work stored`);
  out.push(`end to end (syncData → every log PROCESSED): ${LOGS} logs in ${(runMs / 1000).toFixed(1)} s = ${perS(LOGS, runMs)} logs/s`);
  out.push(`bare loop, same reads and writes, one process: ${perS(LOGS, bareMs)} logs/s (${(bareMs / 1000).toFixed(1)} s); end to end is ${((bareMs / runMs) * 100).toFixed(0)} % of it`);
  out.push(`database commands per log (on the wire, both apps, idle upkeep included): ${(commands / LOGS).toFixed(1)}`);
  out.push(`CPU seconds over the run (per log): ${cpu.map(([name, s]) => `${name} ${s.toFixed(1)} (${((s / LOGS) * 1000).toFixed(0)} ms)`).join(', ')}`);
  out.push(`CPU in total: ${cpu.reduce((sum, [, s]) => sum + s, 0).toFixed(1)} s of ${((runMs / 1000) * 2).toFixed(1)} core-seconds available on 2 cores`);
  out.push(`peak memory (VmHWM): sync-worker ${memory['sync-worker'].toFixed(0)} MiB, poller ${memory.poller.toFixed(0)} MiB`);
} finally {
  for (const p of processes) await p.stop().catch(() => undefined);
  await counter.close().catch(() => undefined);
  await simulator.close().catch(() => undefined);
  const channel = connections.amqp.createChannel({ name: 'bench-cleanup', publishTimeoutMs: 5000, setup: async () => undefined });
  await channel.waitForConnect().catch(() => undefined);
  for (const type of [TaskType.UPLOAD_PARTNER_JOB, TaskType.PROCESS_PARTNER_LOG]) {
    const t = partnerTaskTopology(config, type);
    for (const queue of [t.main, t.failed, ...t.tiers.map((tier) => tier.queue)]) await channel.deleteQueue(queue).catch(() => undefined);
  }
  await channel.close().catch(() => undefined);
  const keys = await connections.redis.client.keys(`*${prefix}*`);
  if (keys.length > 0) await connections.redis.client.del(...keys);
  await db.dropDatabase().catch(() => undefined);
  await Promise.allSettled([connections.database.mongo.close(), connections.amqp.close(), connections.redis.close()]);
}
process.stdout.write(`${out.join('\n')}\n`);
