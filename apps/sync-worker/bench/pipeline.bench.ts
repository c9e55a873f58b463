/**
 * End-to-end throughput of PROCESS_PARTNER_LOG: LOGS simulated flight logs are stored in GridFS
 * with their trackers DOWNLOADED (what the poller leaves behind), the sync-worker runs as its own
 * process (production settings: LOG_LEVEL info, JSON logs, WORKER_PREFETCH default), LOGS tasks
 * are published to RabbitMQ, and the clock runs until every tracker is PROCESSED. Each log
 * matches an UPLOADED assignment (one per 4 logs: the loads of a job) by the job id in its header, so the full path runs: GridFS
 * read, decode, statistics against the job's field, application file + one ApplicationDetail
 * row per pass + coverage, guarded tracker and task-tracker writes, ack.
 *
 * Baseline: `insertMany` of the same number of ApplicationDetail rows (copies of the ones the
 * worker wrote) into a scratch collection of the same database — the floor of writing the rows.
 *
 * Storage: what each kind of data grew by per processed log (raw log, application record,
 * trackers), measured before the logs were stored and after they were processed (on FerretDB,
 * from PostgreSQL when `FERRETDB_POSTGRES_URL` is set, as up.sh does). Then the retention sweep
 * removes every raw log and finished task tracker the run left, timed.
 *
 *   eval "$(bash tools/services/up.sh)" && npx tsx --conditions=@agair/source apps/sync-worker/bench/pipeline.bench.ts
 *   (options: --logs 300 --field-m 500x400 --logs-per-job 4; ~1 MB logs: --logs 60 --field-m 1581x1581)
 *
 * Needs MONGO_URL, AMQP_URL, REDIS_URL (loopback); own database, queue prefix and Redis key
 * prefix, all removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { PartnerCode, PartnerLogTrackerState, Role, TaskType, createTaskMessage } from '@agair/domain-models';
import { APPLICATION_PASSES_COLLECTION, PARTNER_LOG_TRACKERS_COLLECTION } from '@agair/persistence';
import { RetentionSweeper, createTaskPublisher, openConnections, partnerTaskTopology, retentionPolicy } from '@agair/runtime';
import { fieldShapes, simulateFlight } from '@agair/satloc-parser';
import { createLogger, loadConfig } from '@agair/service-kit';
import { benchServices, ferretdbPostgresUrl, startServiceProcess, storageByCollection, uniqueName, withDatabase, type ServiceProcess } from '@agair/testing';
import { SyncWorkerConfig } from '../src/config.js';

const { values: args } = parseArgs({
  options: { logs: { type: 'string', default: '300' }, 'field-m': { type: 'string', default: '500x400' }, 'logs-per-job': { type: 'string', default: '4' } },
});
const LOGS = Math.min(2000, Math.max(1, Number(args.logs)));
/** Each job's record is recomputed from all its logs after each one: loads per job, as flown. */
const LOGS_PER_JOB = Math.min(LOGS, Math.max(1, Number(args['logs-per-job'])));
const [FIELD_W_M, FIELD_H_M] = (args['field-m'] ?? '500x400').split('x').map(Number) as [number, number];
const PROCESS_TIMEOUT_MS = 150_000;

const env = benchServices(['MONGO_URL', 'AMQP_URL', 'REDIS_URL']);
const postgresUrl = ferretdbPostgresUrl();

async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index] as T, index);
      }
    }),
  );
}

const prefix = `${uniqueName('bench_pipe')}_`;
const credentialKeys = `k1:${randomBytes(32).toString('base64')}`;
const workerEnv: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  HTTP_PORT: '0',
  MONGO_URL: withDatabase(env.MONGO_URL, uniqueName('bench_pipe')),
  AMQP_URL: env.AMQP_URL,
  REDIS_URL: env.REDIS_URL,
  QUEUE_PREFIX: prefix,
  CREDENTIAL_KEYS: credentialKeys,
  CREDENTIAL_ACTIVE_KEY_ID: 'k1',
  // Not called while processing logs; required by the config.
  SATLOC_BASE_URL: 'http://127.0.0.1:9/api/Satloc',
  PARTNER_STATE_KEY_PREFIX: `${prefix}partner:`,
  SHUTDOWN_TIMEOUT_MS: '15000',
};
const config = loadConfig(SyncWorkerConfig, workerEnv);
const silent = createLogger({ name: 'pipeline-bench', level: 'silent' });
const connections = openConnections(config, 'pipeline-bench', silent);
const { repositories } = connections.database;
const db = connections.database.mongo.db;
const topology = partnerTaskTopology(config, TaskType.PROCESS_PARTNER_LOG);
const publisher = createTaskPublisher(connections.amqp, topology, config, silent);
let worker: ServiceProcess | undefined;
const figures: { label: string; value: string }[] = [];
let storagePerLog: Map<string, { bytes: number; collections: [string, number][] }> | undefined;

/** Growth per processed log, grouped as the retention policy treats it. */
function storageGroups(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, logs: number): Map<string, { bytes: number; collections: [string, number][] }> {
  const group = (name: string) =>
    name.startsWith('log_files') ? 'raw log (GridFS)' : name.startsWith('application_') ? 'application record' : /trackers$|^write_tokens$/.test(name) ? 'trackers and guard tokens' : 'other';
  const groups = new Map<string, { bytes: number; collections: [string, number][] }>();
  for (const [name, size] of after) {
    const grown = size - (before.get(name) ?? 0);
    if (grown <= 0) continue;
    const entry = groups.get(group(name)) ?? { bytes: 0, collections: [] };
    entry.bytes += grown / logs;
    entry.collections.push([name, grown / logs]);
    groups.set(group(name), entry);
  }
  return groups;
}
const rows: string[][] = [];

try {
  await connections.database.ensureIndexes();
  await publisher.waitForConnect();

  // One field; a job and UPLOADED assignment per LOGS_PER_JOB logs (the loads of one job); every
  // log is a different flight over it (seeded GNSS noise → distinct bytes).
  const extJobIdOf = (i: number) => String(5001 + Math.floor(i / LOGS_PER_JOB));
  const aircraftId = '101';
  const simStarted = performance.now();
  const flights = Array.from({ length: LOGS }, (_, i) =>
    simulateFlight({ seed: 1000 + i, boundaryM: fieldShapes.rectangle(FIELD_W_M, FIELD_H_M), swathWidthM: 18, jobId: extJobIdOf(i), aircraftId, groundTruth: false }),
  );
  const first = flights[0];
  if (!first) throw new Error('no flight simulated');
  const logBytes = flights.reduce((sum, f) => sum + f.bytes.length, 0);
  process.stderr.write(`simulated ${LOGS} logs (${(logBytes / LOGS / 1024).toFixed(0)} KiB, ${first.plan.spraySegments.length} spray passes each) in ${((performance.now() - simStarted) / 1000).toFixed(1)} s\n`);

  const customer = await repositories.customers.create({ name: `Prairie Aerial ${prefix}`, partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] });
  const pilot = await repositories.internalUsers.create({
    username: `pilot-${prefix}`,
    name: 'Dana Pilot',
    role: Role.CUSTOMER,
    customerId: customer.id,
    partnerInfo: { partnerCode: PartnerCode.SATLOC, partnerAircraftId: aircraftId },
  });
  for (let j = 0; j * LOGS_PER_JOB < LOGS; j++) {
    const extJobId = extJobIdOf(j * LOGS_PER_JOB);
    const job = await repositories.jobs.create({
      customerId: customer.id,
      name: `Bench field ${extJobId}`,
      boundary: first.field.boundary,
      exclusions: first.field.exclusions,
      productName: 'Glyphosate 41%',
      targetRateLPerHa: 30,
      units: 'metric',
    });
    const { assign } = await repositories.jobAssigns.assign({ jobId: job.id, userId: pilot.id, customerId: customer.id, partnerCode: PartnerCode.SATLOC, partnerAircraftId: aircraftId });
    await repositories.jobAssigns.markUploaded(customer.id, assign.id, extJobId);
  }

  const storageBefore = await storageByCollection(db, postgresUrl);
  const seedStarted = performance.now();
  const trackers: { trackerId: string; logId: string; storedFileId: string; contentHash: string }[] = new Array(LOGS);
  await eachLimited(flights, 4, async (flight, i) => {
    const logId = String(700_000 + i);
    const fileName = `AC${aircraftId}_J${extJobIdOf(i)}_${logId}.alog`;
    const stored = await repositories.logFiles.store(flight.bytes, { fileName, partnerCode: PartnerCode.SATLOC, customerId: customer.id, logId });
    const { tracker } = await repositories.partnerLogTrackers.upsertPending({ partnerCode: PartnerCode.SATLOC, customerId: customer.id, aircraftId, logId, fileName });
    await repositories.partnerLogTrackers.claimForDownload(tracker.id, 'bench', 600_000);
    const downloaded = await repositories.partnerLogTrackers.markDownloaded(tracker.id, 'bench', stored);
    if (!downloaded) throw new Error(`tracker ${tracker.id} did not reach DOWNLOADED`);
    trackers[i] = { trackerId: tracker.id, logId, storedFileId: stored.storedFileId, contentHash: stored.contentHash };
  });
  process.stderr.write(`stored ${LOGS} logs with DOWNLOADED trackers in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s\n`);

  worker = startServiceProcess('sync-worker', workerEnv);
  await worker.waitForUrl(60_000);
  for (const deadline = Date.now() + 60_000; !worker.output().includes('consuming partner tasks'); ) {
    if (Date.now() > deadline) throw new Error(`sync-worker did not start consuming:\n${worker.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const trackerDocs = db.collection(PARTNER_LOG_TRACKERS_COLLECTION);
  const started = performance.now();
  await Promise.all(
    trackers.map((t) =>
      publisher.publish(
        createTaskMessage(
          TaskType.PROCESS_PARTNER_LOG,
          { ...t, partnerCode: PartnerCode.SATLOC, customerId: customer.id, aircraftId },
          { taskId: `plog:${t.trackerId}`, createdAt: new Date() },
        ),
      ),
    ),
  );
  const publishedMs = performance.now() - started;
  let processed = 0;
  // When each quarter of the logs was done: a falling rate would show in the later quarters.
  const quarterMs: number[] = [];
  for (;;) {
    processed = await trackerDocs.countDocuments({ state: PartnerLogTrackerState.PROCESSED });
    while (quarterMs.length < 4 && processed >= ((quarterMs.length + 1) * LOGS) / 4) quarterMs.push(performance.now() - started);
    if (processed === LOGS) break;
    const failed = await trackerDocs.countDocuments({ state: PartnerLogTrackerState.FAILED });
    if (failed > 0) throw new Error(`${failed} trackers FAILED:\n${worker.output().slice(-3000)}`);
    if (performance.now() - started > PROCESS_TIMEOUT_MS) throw new Error(`only ${processed}/${LOGS} PROCESSED after ${PROCESS_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pipelineMs = performance.now() - started;

  storagePerLog = storageGroups(storageBefore, await storageByCollection(db, postgresUrl), LOGS);

  // The passes as rows (stored one document per log): the baseline inserts them one row per pass.
  const passDocs = await db.collection(APPLICATION_PASSES_COLLECTION).find({}, { projection: { _id: 0 } }).toArray();
  const detailRows = passDocs.flatMap((doc) => (doc['passes'] as Record<string, unknown>[]).map((pass) => ({ fileId: doc['fileId'], customerId: doc['customerId'], ...pass })));
  const unmatched = await db.collection('application_files').countDocuments({ jobId: null });
  if (unmatched > 0) throw new Error(`${unmatched} logs were not matched to the assignment`);

  // Baseline: the same rows, one insertMany, nothing else.
  const scratch = db.collection(`bench_scratch_${APPLICATION_PASSES_COLLECTION}`);
  const copies = detailRows.map((row) => ({ ...row }));
  const insertStarted = performance.now();
  await scratch.insertMany(copies, { ordered: false });
  const insertMs = performance.now() - insertStarted;

  // The retention sweep over what the run left: every raw log and finished task tracker is due.
  const sweepStarted = performance.now();
  const swept = await new RetentionSweeper(repositories, retentionPolicy({ RETENTION_RAW_LOGS: '0s', RETENTION_TASK_TRACKERS: '0s', RETENTION_BATCH_PAUSE_MS: 0 })).sweep();
  const sweepMs = performance.now() - sweepStarted;
  if (swept.kinds.raw_logs.removed !== LOGS) throw new Error(`the retention sweep removed ${swept.kinds.raw_logs.removed} of ${LOGS} raw logs`);

  const perMin = (count: number, ms: number) => (count / (ms / 60_000)).toFixed(0);
  const perS = (count: number, ms: number) => (count / (ms / 1000)).toFixed(0);
  rows.push([
    'ours: PROCESS_PARTNER_LOG end to end (publish → PROCESSED)',
    String(LOGS),
    String(detailRows.length),
    (pipelineMs / 1000).toFixed(1),
    perMin(LOGS, pipelineMs),
    perS(detailRows.length, pipelineMs),
  ]);
  rows.push(['baseline: insertMany of the same ApplicationDetail rows', '', String(detailRows.length), (insertMs / 1000).toFixed(2), '', perS(detailRows.length, insertMs)]);
  rows.push(['ratio ours / baseline (rows/s)', '', '', '', '', `${((insertMs / pipelineMs) * 100).toFixed(1)} %`]);
  figures.push(
    { label: 'publishing the tasks took', value: `${(publishedMs / 1000).toFixed(2)} s (inside the measured time)` },
    { label: 'worker', value: `WORKER_PREFETCH=${config.WORKER_PREFETCH}, one process` },
    {
      label: 'logs/min per quarter of the run',
      value: quarterMs.map((ms, q) => perMin(LOGS / 4, ms - (quarterMs[q - 1] ?? 0))).join(' / '),
    },
    { label: 'average log', value: `${(logBytes / LOGS / 1024).toFixed(0)} KiB, ${(detailRows.length / LOGS).toFixed(1)} passes` },
    {
      label: 'retention sweep afterwards (no pause between batches)',
      value: `${swept.kinds.raw_logs.removed} raw logs and ${swept.kinds.task_trackers.removed} task trackers removed in ${(sweepMs / 1000).toFixed(2)} s (${perS(LOGS, sweepMs)} raw logs/s)`,
    },
    { label: 'jobs', value: `${Math.ceil(LOGS / LOGS_PER_JOB)} of ${LOGS_PER_JOB} logs each (a job's record is recomputed from all its logs after each one)` },
  );
} finally {
  if (worker) {
    const code = await worker.stop();
    if (code !== 0) process.stderr.write(`sync-worker exited with ${code}\n${worker.output().slice(-2000)}\n`);
  }
  await publisher.close().catch(() => undefined);
  const channel = connections.amqp.createChannel({ name: 'bench-cleanup', publishTimeoutMs: 5000, setup: async () => undefined });
  await channel.waitForConnect().catch(() => undefined);
  const queues = new Set<string>();
  for (const type of [TaskType.UPLOAD_PARTNER_JOB, TaskType.PROCESS_PARTNER_LOG, TaskType.PROCESS_PARTNER_DATA_FILE]) {
    const t = partnerTaskTopology(config, type);
    for (const queue of [t.main, t.failed, ...t.tiers.map((tier) => tier.queue)]) queues.add(queue);
  }
  for (const queue of queues) await channel.deleteQueue(queue).catch(() => undefined);
  await channel.close().catch(() => undefined);
  const keys = await connections.redis.client.keys(`*${prefix}*`);
  if (keys.length > 0) await connections.redis.client.del(...keys);
  await db.dropDatabase();
  await Promise.allSettled([connections.database.mongo.close(), connections.amqp.close(), connections.redis.close()]);
}

const header = ['mode', 'logs', 'ApplicationDetail rows', 's', 'logs/min', 'rows/s'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
process.stdout.write(`sync-worker pipeline: ${LOGS} logs of a ${FIELD_W_M} × ${FIELD_H_M} m field through RabbitMQ, the worker process and FerretDB\n`);
process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
for (const f of figures) process.stdout.write(`${f.label}: ${f.value}\n`);
if (storagePerLog) {
  const source = postgresUrl ? 'PostgreSQL table sizes behind FerretDB, TOAST and indexes included' : 'collStats.totalSize';
  process.stdout.write(`\nstorage per processed log (growth ÷ logs; ${source})\n`);
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  for (const [name, { bytes, collections }] of storagePerLog) {
    const parts = collections.sort(([a], [b]) => a.localeCompare(b)).map(([collection, size]) => `${collection} ${kib(size)}`);
    process.stdout.write(`  ${name.padEnd(26)} ${kib(bytes).padStart(12)}  (${parts.join(', ')})\n`);
  }
  const total = [...storagePerLog.values()].reduce((sum, g) => sum + g.bytes, 0);
  process.stdout.write(`  ${'total'.padEnd(26)} ${kib(total).padStart(12)}\n`);
}
