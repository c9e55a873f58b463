/**
 * The FerretDB runner's GIN index sync (tools/ferretdb/gin_indexes.go): FerretDB 1.24 on
 * PostgreSQL turns `{ f: v }` into `_jsonb->'f' @> v`, which its own btree indexes cannot serve;
 * the runner adds a GIN index on `(_jsonb->'f')` for `_id` and every field of every declared index.
 * This checks, through the driver's `explain()` (FerretDB returns PostgreSQL's plan as
 * `queryPlanner.Plan`), that lookups by a declared field and by `_id` become index scans once the
 * runner caught up, that the GIN index goes away with the declared index, and that filters on
 * dotted paths are not pushed down to SQL (so indexing them would not help).
 *
 * Explain plans the query with its values; the queries themselves run as prepared statements,
 * which the runner makes plan with their values too (plan_cache_mode=force_custom_plan, see
 * gin_indexes.go). That part shows in the lookup times of bench/gin-lookup.bench.ts, not here.
 *
 * On MongoDB the same lookups must use its indexes (IXSCAN / IDHACK / EXPRESS).
 */
import { testServices, uniqueName, waitFor, withDatabase } from '@agair/testing';
import { type Collection, type Db, type Document, MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DOCS = 4000;
/** The runner checks every 2 s by default; its first build on a new table takes milliseconds. */
const GIN_TIMEOUT_MS = 30_000;
const GIN_INDEX_NAME = /_gin_[0-9a-f]{16}$/;

type Backend = 'mongodb' | 'ferretdb-postgresql' | 'ferretdb-other';

interface PlanNode {
  'Node Type'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function planNodes(node: PlanNode | undefined): PlanNode[] {
  if (!node) return [];
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** The GIN index a PostgreSQL plan scans, if any. */
function ginIndexScanned(plan: PlanNode | undefined): string | undefined {
  return planNodes(plan).find(
    (node) => ['Bitmap Index Scan', 'Index Scan', 'Index Only Scan'].includes(node['Node Type'] ?? '') && GIN_INDEX_NAME.test(node['Index Name'] ?? ''),
  )?.['Index Name'];
}

function describePlan(plan: PlanNode | undefined): string {
  return planNodes(plan)
    .map((node) => `${node['Node Type']}${node['Index Name'] ? ` on ${node['Index Name']}` : ''}`)
    .join(' > ');
}

function mongoStages(explain: Document): string {
  return JSON.stringify(explain['queryPlanner']?.['winningPlan'] ?? {});
}

describe('GIN index sync of the FerretDB runner', () => {
  let client: MongoClient;
  let db: Db;
  let runs: Collection;
  let backend: Backend;
  let someId: ObjectId;

  async function pgPlan(filter: Document): Promise<{ plan: PlanNode | undefined; pushdown: unknown }> {
    const explain = await runs.find(filter).explain();
    return { plan: explain['queryPlanner']?.['Plan'] as PlanNode | undefined, pushdown: explain['filterPushdown'] };
  }

  /** Polls until the filter's plan scans a GIN index; fails with what the plan was. */
  async function waitForGinScan(filter: Document, what: string): Promise<string> {
    let last = '';
    try {
      return await waitFor(
        async () => {
          const { plan } = await pgPlan(filter);
          last = describePlan(plan);
          return ginIndexScanned(plan);
        },
        { timeoutMs: GIN_TIMEOUT_MS, intervalMs: 250, what },
      );
    } catch (err) {
      throw new Error(
        `no GIN index served ${what} within ${GIN_TIMEOUT_MS / 1000} s (last plan: ${last}). ` +
          'Is FerretDB running the current build of tools/ferretdb with --gin-sync-interval > 0? ' +
          'up.sh rebuilds it on source changes but leaves a running FerretDB alone: npm run services:down && npm run services',
        { cause: err },
      );
    }
  }

  beforeAll(async () => {
    client = new MongoClient(withDatabase(testServices().mongoUrl, uniqueName('it_gin')));
    await client.connect();
    db = client.db();
    runs = db.collection('runs');

    await runs.createIndex({ taskId: 1 });
    await runs.createIndex({ 'upload.syncStatus': 1 });
    for (let start = 0; start < DOCS; start += 1000) {
      await runs.insertMany(
        Array.from({ length: Math.min(1000, DOCS - start) }, (_, k) => {
          const i = start + k;
          return { taskId: `task-${i}`, partnerCode: i % 2 ? 'SATLOC' : 'AGIDRONEX', upload: { syncStatus: `S${i % 5}` }, n: i };
        }),
      );
    }
    const doc = await runs.findOne({ n: 1234 });
    if (!doc) throw new Error('inserted document not found');
    someId = doc._id;

    const buildInfo = await db.admin().command({ buildInfo: 1 });
    if (buildInfo['ferretdbVersion'] === undefined) backend = 'mongodb';
    // PostgreSQL's plan is a tree of nodes; the SQLite backend's an array of strings
    else backend = typeof (await pgPlan({})).plan?.['Node Type'] === 'string' ? 'ferretdb-postgresql' : 'ferretdb-other';
  });

  afterAll(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('serves an equality lookup on a declared field from a GIN index', async (ctx) => {
    if (backend === 'ferretdb-other') ctx.skip('FerretDB on SQLite: the GIN index sync is for its PostgreSQL backend only');
    if (backend === 'mongodb') {
      expect(mongoStages(await runs.find({ taskId: 'task-1234' }).explain())).toMatch(/IXSCAN/);
      return;
    }

    const index = await waitForGinScan({ taskId: 'task-1234' }, 'find({ taskId })');
    expect(index).toMatch(GIN_INDEX_NAME);
    const { plan, pushdown } = await pgPlan({ taskId: 'task-1234' });
    expect(pushdown).toBe(true);
    expect(describePlan(plan)).toMatch(/Bitmap Index Scan on .*_gin_|Index Scan on .*_gin_/);

    // and the answers are the same as without it
    expect(await runs.find({ taskId: 'task-1234' }).toArray()).toMatchObject([{ n: 1234 }]);
    expect(await runs.countDocuments({ partnerCode: 'SATLOC', taskId: 'task-1235' })).toBe(1);
    expect(await runs.countDocuments({ taskId: 'task-missing' })).toBe(0);
  });

  it('serves a lookup by _id from a GIN index', async (ctx) => {
    if (backend === 'ferretdb-other') ctx.skip('FerretDB on SQLite: the GIN index sync is for its PostgreSQL backend only');
    if (backend === 'mongodb') {
      expect(mongoStages(await runs.find({ _id: someId }).explain())).toMatch(/IXSCAN|IDHACK|EXPRESS/);
      return;
    }

    await waitForGinScan({ _id: someId }, 'find({ _id })');
    expect(await runs.find({ _id: someId }).toArray()).toMatchObject([{ n: 1234 }]);
  });

  it('does not push filters on dotted paths down to SQL, so they get no GIN index', async (ctx) => {
    if (backend !== 'ferretdb-postgresql') ctx.skip('FerretDB on PostgreSQL only');

    const { plan, pushdown } = await pgPlan({ 'upload.syncStatus': 'S3' });
    // If this fails, FerretDB now pushes dotted paths down (as `_jsonb #> '{upload,syncStatus}'`):
    // gin_indexes.go should then index them too, with that expression.
    expect(pushdown, 'filterPushdown for a dotted path').toBe(false);
    expect(describePlan(plan)).toBe('Seq Scan');
    expect(await runs.countDocuments({ 'upload.syncStatus': 'S3' })).toBe(DOCS / 5);
  });

  it('drops the GIN index when the declared index is dropped', async (ctx) => {
    if (backend === 'ferretdb-other') ctx.skip('FerretDB on SQLite: the GIN index sync is for its PostgreSQL backend only');
    if (backend === 'ferretdb-postgresql') await waitForGinScan({ taskId: 'task-1234' }, 'find({ taskId }) before the drop');
    await runs.dropIndex('taskId_1');
    if (backend === 'mongodb') {
      expect(mongoStages(await runs.find({ taskId: 'task-1234' }).explain())).toMatch(/COLLSCAN/);
      return;
    }

    let last = '';
    await waitFor(
      async () => {
        const { plan } = await pgPlan({ taskId: 'task-1234' });
        last = describePlan(plan);
        return ginIndexScanned(plan) === undefined ? true : undefined;
      },
      { timeoutMs: GIN_TIMEOUT_MS, intervalMs: 250, what: 'the GIN index on taskId to be dropped' },
    ).catch((err: unknown) => {
      throw new Error(`the GIN index on taskId outlived the declared index (last plan: ${last})`, { cause: err });
    });
    expect(last).toBe('Seq Scan');
    // _id keeps its own
    expect(ginIndexScanned((await pgPlan({ _id: someId })).plan), 'GIN index scanned by find({ _id })').toMatch(GIN_INDEX_NAME);
  });
});
