/**
 * What does the FerretDB runner's GIN index sync (tools/ferretdb/gin_indexes.go) change for a
 * `findOne` by an indexed field? For each mode — sync off (`--gin-sync-interval=0`, FerretDB 1.24
 * as it is) and on (`2s`) — this starts the runner on its own port and PostgreSQL database,
 * declares `{ key: 1 }`, loads small documents (`{ key, n, s }`, ~120 B of jsonb each) up to
 * each size and times `findOne({ key })` for random existing keys: median and p95 of LOOKUPS
 * sequential lookups (fewer when a mode exceeds --lookup-budget-s at one size, which is said).
 * In the "on" mode it then declares `{ n: 1 }` on the full collection and times how long the
 * runner takes to build that GIN index (CREATE INDEX CONCURRENTLY above 32 MiB) and serve it.
 *
 *   npx tsx --conditions=@agair/source tools/ferretdb/bench/gin-lookup.bench.ts
 *   (options: --sizes 200000,1000000 --lookups 200 --port 27018 --binary <runner>
 *    --lookup-budget-s 60)
 *
 * Needs `go` (builds the runner from tools/ferretdb unless --binary is given), `psql` and the
 * local PostgreSQL on 127.0.0.1:5432; creates the databases ferretdb_gin_bench_{off,on} and drops
 * them at the end. Loopback only; never touches the shared FerretDB on 27017.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { type Collection, type Document, MongoClient } from 'mongodb';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '200000,1000000' },
    lookups: { type: 'string', default: '200' },
    port: { type: 'string', default: '27018' },
    binary: { type: 'string' },
    'lookup-budget-s': { type: 'string', default: '60' },
  },
});
const SIZES = (args.sizes ?? '200000').split(',').map((s) => Math.min(2_000_000, Math.max(1000, Number(s))));
const LOOKUPS = Math.min(1000, Math.max(10, Number(args.lookups)));
const PORT = Number(args.port);
const LOOKUP_BUDGET_MS = Math.max(5, Number(args['lookup-budget-s'])) * 1000;
const GIN_WAIT_MS = 180_000;
const BATCH = 10_000;

if (PORT === 27017) {
  process.stderr.write('port 27017 is the shared FerretDB: pick another --port\n');
  process.exit(2);
}

const run = promisify(execFile);
const here = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gin-bench-'));

async function psql(sql: string, database = 'postgres'): Promise<string> {
  const { stdout } = await run('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qtAc', sql]);
  return stdout.trim();
}

async function runnerBinary(): Promise<string> {
  if (args.binary) return args.binary;
  const out = join(work, 'ferretdb-gin-bench');
  process.stdout.write('building the runner (go build; cached after the first time)…\n');
  await run('go', ['build', '-o', out, '.'], { cwd: here, timeout: 900_000 });
  return out;
}

async function startRunner(binary: string, database: string, ginInterval: string): Promise<ChildProcess> {
  const child = spawn(
    binary,
    [
      `--listen-addr=127.0.0.1:${PORT}`,
      '--telemetry=disable',
      '--handler=postgresql',
      `--postgresql-url=postgres://postgres@127.0.0.1:5432/${database}`,
      `--gin-sync-interval=${ginInterval}`,
      '--log-level=info',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DO_NOT_TRACK: '1' } },
  );
  // only the GIN sync's own lines (what it built, how long it took, warnings)
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.includes('component=gin-sync')) process.stdout.write(`  runner: ${line}\n`);
    });
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new MongoClient(`mongodb://127.0.0.1:${PORT}/ping`, { serverSelectionTimeoutMS: 500 });
    try {
      await client.db().command({ ping: 1 });
      return child;
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`runner did not start on ${PORT}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await client.close();
    }
  }
}

async function stopRunner(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface PlanNode {
  'Node Type'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const flatten = (node: PlanNode | undefined): PlanNode[] => (node ? [node, ...(node.Plans ?? []).flatMap(flatten)] : []);

async function planOf(docs: Collection, filter: Document): Promise<string> {
  const explain = await docs.find(filter).explain();
  return flatten(explain['queryPlanner']?.['Plan'] as PlanNode | undefined)
    .map((node) => `${node['Node Type']}${node['Index Name'] ? (/_gin_/.test(node['Index Name']) ? ' (GIN)' : ' (btree)') : ''}`)
    .join(' > ');
}

async function waitForGin(docs: Collection, filter: Document): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < GIN_WAIT_MS) {
    if ((await planOf(docs, filter)).includes('(GIN)')) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no GIN index served ${JSON.stringify(filter)} within ${GIN_WAIT_MS / 1000} s`);
}

function randomKey(size: number): string {
  return `k-${Math.floor(Math.random() * size)}`;
}

async function timeLookups(docs: Collection, size: number): Promise<{ median: number; p95: number; n: number }> {
  for (let i = 0; i < 3; i++) await docs.findOne({ key: randomKey(size) }); // warm-up, not counted
  const times: number[] = [];
  const started = performance.now();
  while (times.length < LOOKUPS && (times.length < 10 || performance.now() - started < LOOKUP_BUDGET_MS)) {
    const key = randomKey(size);
    const t = performance.now();
    const doc = await docs.findOne({ key });
    times.push(performance.now() - t);
    if (doc?.['key'] !== key) throw new Error(`findOne(${key}) returned ${JSON.stringify(doc)}`);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], p95: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))], n: times.length };
}

interface Row {
  mode: string;
  size: number;
  loadS: number;
  plan: string;
  median: number;
  p95: number;
  n: number;
}

const rows: Row[] = [];
const notes: string[] = [];
const binary = await runnerBinary();

try {
  for (const mode of ['off', 'on'] as const) {
    const database = `ferretdb_gin_bench_${mode}`;
    await psql(`DROP DATABASE IF EXISTS ${database}`);
    await psql(`CREATE DATABASE ${database}`);
    const runner = await startRunner(binary, database, mode === 'on' ? '2s' : '0');
    const client = new MongoClient(`mongodb://127.0.0.1:${PORT}/bench`);
    try {
      const docs = client.db().collection('docs');
      await docs.createIndex({ key: 1 });
      let loaded = 0;
      for (const size of SIZES) {
        const loadStarted = performance.now();
        while (loaded < size) {
          const n = Math.min(BATCH, size - loaded);
          const from = loaded;
          await docs.insertMany(
            Array.from({ length: n }, (_, k) => ({ key: `k-${from + k}`, n: from + k, s: 'aerial-application-record' })),
            { ordered: false },
          );
          loaded += n;
        }
        const loadS = (performance.now() - loadStarted) / 1000;
        if (mode === 'on') await waitForGin(docs, { key: 'k-1' });
        const plan = await planOf(docs, { key: 'k-1' });
        const { median, p95, n } = await timeLookups(docs, size);
        rows.push({ mode, size, loadS, plan, median, p95, n });
        process.stdout.write(`${mode} ${size}: loaded in ${loadS.toFixed(1)} s, median ${median.toFixed(2)} ms (n=${n}), plan ${plan}\n`);
      }
      if (mode === 'on') {
        const started = performance.now();
        await docs.createIndex({ n: 1 });
        const created = performance.now() - started;
        const ready = await waitForGin(docs, { n: 12345 });
        const { median } = await (async () => {
          const times: number[] = [];
          for (let i = 0; i < 50; i++) {
            const t = performance.now();
            await docs.findOne({ n: Math.floor(Math.random() * loaded) });
            times.push(performance.now() - t);
          }
          times.sort((a, b) => a - b);
          return { median: times[25] };
        })();
        const size = (await psql(`SELECT pg_size_pretty(pg_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'bench' AND c.relname LIKE 'docs\\_%' AND c.relkind = 'r'`, database)) || '?';
        notes.push(
          `createIndex({ n: 1 }) on ${loaded} documents (table ${size}): FerretDB's btree built in ${(created / 1000).toFixed(1)} s; ` +
            `the runner's GIN index served find({ n }) ${(ready / 1000).toFixed(1)} s later; findOne({ n }) median ${median.toFixed(2)} ms (50 lookups)`,
        );
        const ginSizes = await psql(
          `SELECT string_agg(c.relname || ' ' || pg_size_pretty(pg_relation_size(c.oid)), ', ' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'bench' AND c.relkind = 'i'`,
          database,
        );
        notes.push(`indexes at ${loaded} documents: ${ginSizes}`);
      }
    } finally {
      await client.close();
      await stopRunner(runner);
      await psql(`DROP DATABASE IF EXISTS ${database}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const header = '| documents | GIN sync | load to this size (s) | plan of findOne({ key }) | median (ms) | p95 (ms) | lookups |';
const lines = [header, '|---:|---|---:|---|---:|---:|---:|'];
for (const row of rows) {
  lines.push(
    `| ${row.size.toLocaleString('en-US')} | ${row.mode} | ${row.loadS.toFixed(1)} | ${row.plan} | ${row.median.toFixed(2)} | ${row.p95.toFixed(2)} | ${row.n} |`,
  );
}
process.stdout.write(`\n${lines.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
