/**
 * The whole platform, locally, in a few minutes: services, the SatLoc Cloud simulator and the
 * five apps as separate processes; a partner, a customer with SatLoc credentials, a pilot with a
 * SatLoc aircraft and a job with an exclusion zone, created through the REST APIs; the job is
 * assigned, uploaded, flown by the simulator, collected, processed — and the result printed.
 *
 *   npm run demo                    # runs it and stops everything at the end
 *   npm run demo -- --keep-running  # leaves the apps and the simulator up to explore
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Role, mintToken } from '@agair/service-kit';
import { MongoClient } from 'mongodb';

const { values: flags } = parseArgs({ options: { 'keep-running': { type: 'boolean', default: false } } });
const repo = fileURLToPath(new URL('../..', import.meta.url));
const started = Date.now();
const children: { name: string; child: ChildProcess; output: string[] }[] = [];

const say = (text: string) => process.stdout.write(`[demo +${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${text}\n`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function startProcess(name: string, args: string[], env: Record<string, string>): void {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@agair/source', ...args], {
    cwd: repo,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited unexpectedly (${code ?? signal}); its last lines:`);
      for (const line of output.slice(-15)) process.stdout.write(`    ${line}\n`);
    }
  });
  children.push({ name, child, output });
}

let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, progress?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastNote = '';
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    const note = progress?.() ?? '';
    if (note && note !== lastNote) say(note);
    lastNote = note;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function http<T>(method: string, url: string, token: string | null, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} → ${response.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A rectangle of `widthM` × `heightM` metres with its south-west corner at (lon, lat), as GeoJSON. */
function rectangle(lon: number, lat: number, widthM: number, heightM: number): number[][][] {
  const dLon = widthM / (111_320 * Math.cos((lat * Math.PI) / 180));
  const dLat = heightM / 111_320;
  return [[[lon, lat], [lon + dLon, lat], [lon + dLon, lat + dLat], [lon, lat + dLat], [lon, lat]]];
}

let demoDatabaseUrl: string | null = null;
let startedFerretDb = false;

async function stopFerretDbIfStartedHere(): Promise<void> {
  if (!startedFerretDb) return;
  await promisify(execFile)('bash', ['tools/services/down.sh'], { cwd: repo, timeout: 60_000 });
  say('stopped FerretDB (this run had started it)');
}

/** Each run works in a database of its own; it is dropped at the end unless --keep-running. */
async function dropDemoDatabase(): Promise<void> {
  if (!demoDatabaseUrl) return;
  const client = new MongoClient(demoDatabaseUrl, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  say('starting services (FerretDB on PostgreSQL, RabbitMQ, Redis) …');
  const { stdout, stderr } = await promisify(execFile)('bash', ['tools/services/up.sh'], { cwd: repo, timeout: 600_000 });
  // FerretDB is the one service this project starts itself: stop it at the end if this run started it.
  startedFerretDb = /starting FerretDB/.test(stderr);
  const services = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]])) as Record<string, string>;

  const runId = Date.now().toString(36);
  const jwtSecret = randomBytes(32).toString('hex');
  const ports = { simulator: await freePort(), partner: await freePort(), assign: await freePort(), dlq: await freePort(), poller: await freePort(), worker: await freePort() };
  const satlocBase = `http://127.0.0.1:${ports.simulator}/api/Satloc`;
  demoDatabaseUrl = services['MONGO_URL']?.replace(/\/[^/]*$/, `/agair_demo_${runId}`) ?? null;
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    MONGO_URL: demoDatabaseUrl ?? '',
    AMQP_URL: services['AMQP_URL'] ?? '',
    REDIS_URL: services['REDIS_URL'] ?? '',
    QUEUE_PREFIX: 'demo_',
    PARTNER_STATE_KEY_PREFIX: 'agair:demo:partner:',
    JWT_SECRET: jwtSecret,
    CREDENTIAL_KEYS: `demo:${randomBytes(32).toString('base64')}`,
    CREDENTIAL_ACTIVE_KEY_ID: 'demo',
    SATLOC_BASE_URL: satlocBase,
    POLL_CRON: '* * * * *',
    POLL_SYNC_CHECK_MS: '1000',
    TASK_RETRY_DELAY_SCALE: '0.05',
  };

  say(`starting the SatLoc Cloud simulator on 127.0.0.1:${ports.simulator} (it flies uploaded jobs after 8 s) …`);
  startProcess('satloc-simulator', ['libs/partner-sdk/src/simulator/main.ts', '--port', String(ports.simulator), '--log-delay-ms', '8000', '--seed', '42'], {});
  const apps = [
    ['partner-api', ports.partner],
    ['assign-api', ports.assign],
    ['dlq-admin', ports.dlq],
    ['poller', ports.poller],
    ['sync-worker', ports.worker],
  ] as const;
  for (const [app, port] of apps) startProcess(app, [`apps/${app}/src/main.ts`], { ...env, HTTP_PORT: String(port) });
  say(`starting ${apps.map(([a]) => a).join(', ')} as separate processes …`);
  for (const [app, port] of apps) {
    await waitFor(`${app} ready`, async () => ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok ? true : undefined), 120_000);
    say(`  ${app} ready on 127.0.0.1:${port}`);
  }

  const admin = mintToken({ jwtSecret, issuer: 'agair', audience: 'agair-api', sub: 'demo-operator', role: Role.ADMIN });
  const partnerApi = `http://127.0.0.1:${ports.partner}`;
  const assignApi = `http://127.0.0.1:${ports.assign}`;

  say('creating a partner, a customer with SatLoc credentials and a pilot flying SatLoc aircraft 101 (through partner-api) …');
  const partner = await http<{ id: string }>('POST', `${partnerApi}/api/partners`, admin, {
    code: 'SATLOC',
    name: 'SatLoc Cloud (simulator)',
    baseUrl: satlocBase,
    capabilities: ['job_upload', 'log_download', 'aircraft_list', 'health_check'],
  });
  const customer = await http<{ id: string }>('POST', `${partnerApi}/api/customers`, admin, { name: `Demo Aerial Application ${runId}`, partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] });
  await http('POST', `${partnerApi}/api/partners/systemUsers`, admin, { partnerId: partner.id, customerId: customer.id, username: 'demo', password: 'demo-password' });
  const pilot = await http<{ id: string }>('POST', `${partnerApi}/api/users`, admin, {
    username: `pilot-${runId}`,
    name: 'Dana Reyes',
    role: 'customer',
    customerId: customer.id,
    partnerInfo: { partnerCode: 'SATLOC', partnerAircraftId: '101' },
  });

  say('creating a 40 ha job with a 2 ha exclusion zone (through assign-api) and assigning it to the pilot …');
  const job = await http<{ id: string }>('POST', `${assignApi}/api/jobs`, admin, {
    customerId: customer.id,
    name: 'Miller farm, north quarter',
    boundary: { type: 'Polygon', coordinates: rectangle(-97.52, 38.1, 800, 500) },
    exclusions: [{ type: 'Polygon', coordinates: rectangle(-97.5165, 38.1018, 160, 125) }],
    productName: 'Glyphosate 41%',
    targetRateLPerHa: 30,
    units: 'metric',
  });
  const assigned = await http<{ ok: boolean; assignments: { userId: string; partnerCode: string | null; externalJobId: string | null; syncStatus: string }[]; errors: unknown[] }>(
    'POST',
    `${assignApi}/api/jobs/${job.id}/assign`,
    admin,
    { asUsers: [{ uid: pilot.id, notes: 'Wind from the south-west, keep off the farmstead.' }] },
  );
  const outcome = assigned.assignments[0];
  say(`  assignment: partner ${outcome?.partnerCode}, upload ${outcome?.syncStatus}${outcome?.externalJobId ? `, SatLoc job ${outcome.externalJobId}` : ''}`);
  if (!outcome) throw new Error(`assignment failed: ${JSON.stringify(assigned.errors)}`);

  say('waiting for the aircraft to fly the job and for the logs to be collected and processed …');
  await new Promise((resolve) => setTimeout(resolve, 9000));
  await http('POST', `${partnerApi}/api/partners/syncData`, admin, { partnerCode: 'SATLOC', customerId: customer.id });
  type Applications = {
    files: { logId: string | null; fileName: string; match: { method: string }; summary: Record<string, unknown> }[];
    totals: null | { upToDate: boolean; fileCount: number; summary: Record<string, unknown> & { weather: Record<string, { min: number; max: number; avg: number } | null> } };
  };
  let seen = 0;
  const results = await waitFor(
    'the application records',
    async () => {
      const applications = await http<Applications>('GET', `${assignApi}/api/jobs/${job.id}/applications`, admin);
      seen = applications.files.length;
      // The job's totals are recomputed after each log: wait for the ones covering every log seen.
      return applications.files.length > 0 && applications.totals?.upToDate ? applications : undefined;
    },
    180_000,
    () => `  logs processed so far: ${seen}`,
  );
  const t = results.totals?.summary as Record<string, number | null> & NonNullable<Applications['totals']>['summary'];
  const fmt = (value: unknown, digits = 2) => (typeof value === 'number' ? value.toFixed(digits) : 'n/a');
  say(`done: ${results.files.length} flight log(s) processed`);
  for (const file of results.files) say(`  ${file.fileName}: matched by ${file.match.method}`);
  process.stdout.write(`
  Application summary — job "Miller farm, north quarter"
    treated area      ${fmt(t['treatedAreaHa'])} ha (${fmt(t['treatedAreaAc'])} ac)
    inside boundary   ${fmt(t['insideBoundaryAreaHa'])} ha
    overlap           ${fmt(t['overlapAreaHa'])} ha
    off-target        ${fmt(t['offTargetAreaHa'])} ha
    skipped           ${fmt(t['skippedAreaHa'])} ha (${fmt(t['skippedPctOfField'], 1)} % of the field)
    volume applied    ${fmt(t['volumeAppliedL'], 1)} L
    rate              ${fmt(t['averageRateLPerHa'])} L/ha vs target ${fmt(t['targetRateLPerHa'])} L/ha (${fmt(t['rateDeviationPct'], 1)} %)
    spray / flight    ${fmt((t['sprayTimeS'] as number) / 60, 1)} / ${fmt((t['flightTimeS'] as number) / 60, 1)} min
    wind              ${fmt(t.weather['windSpeedMps']?.avg, 1)} m/s avg (${fmt(t.weather['windSpeedMps']?.min, 1)}–${fmt(t.weather['windSpeedMps']?.max, 1)})
    temperature       ${fmt(t.weather['temperatureC']?.avg, 1)} °C avg, humidity ${fmt(t.weather['humidityPct']?.avg, 0)} %

  Where to look next (token: JWT_SECRET=${flags['keep-running'] ? jwtSecret : '<printed with --keep-running>'})
    OpenAPI UIs   ${partnerApi}/documentation  ${assignApi}/documentation  http://127.0.0.1:${ports.dlq}/documentation
    coverage      GET ${assignApi}/api/jobs/${job.id}/coverage  (GeoJSON: treated, overlap, off-target and skipped layers)
    metrics       http://127.0.0.1:${ports.worker}/metrics  http://127.0.0.1:${ports.poller}/metrics  ${assignApi}/metrics
    DLQ           GET http://127.0.0.1:${ports.dlq}/api/dlq/${env['QUEUE_PREFIX']}partner_tasks/list
`);
}

const keep = flags['keep-running'];
main().then(
  async () => {
    if (keep) {
      say('everything keeps running (Ctrl-C stops it) — mint a token with tools/auth/mint-token.ts and the JWT_SECRET above');
      process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
      process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));
      return;
    }
    say('stopping the apps and the simulator (run with --keep-running to explore) …');
    await stopAll();
    await dropDemoDatabase().catch((err: unknown) => say(`could not drop the demo database: ${(err as Error).message}`));
    await stopFerretDbIfStartedHere().catch((err: unknown) => say(`could not stop FerretDB: ${(err as Error).message}`));
    say(`finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  },
  async (err: unknown) => {
    say(`failed: ${err instanceof Error ? err.message : String(err)}`);
    for (const { name, output } of children) {
      process.stdout.write(`--- last lines of ${name}\n`);
      for (const line of output.slice(-10)) process.stdout.write(`    ${line}\n`);
    }
    await stopAll();
    await dropDemoDatabase().catch(() => undefined);
    await stopFerretDbIfStartedHere().catch(() => undefined);
    process.exit(1);
  },
);
