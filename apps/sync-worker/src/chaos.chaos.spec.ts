import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AssignStatus, PartnerLogTrackerState, type JobAssign } from '@agair/domain-models';
import { DeadLetterQueueAdmin } from '@agair/messaging';
import { partnerTaskTopology } from '@agair/runtime';
import { secretForms, testServices, waitFor, type ServiceProcess } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineWorld, rectangle, type PipelineWorld } from '../test/pipeline.fixture.js';

/*
 * Fault injection against the real apps as processes (2 sync-workers, 2 pollers), FerretDB,
 * RabbitMQ, Redis and the SatLoc simulator, under a steady load of assignments and flight logs.
 * Each fault is held while the load goes on, then cleared; a canary job measures how long the
 * whole pipeline takes to deliver again. At the end: nothing lost, nothing applied twice.
 *
 * It stops and starts the machine's RabbitMQ, Redis and FerretDB: run it alone
 * (`npm run test:chaos`), never beside other integration tests.
 */

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../..', import.meta.url));
/** Each job has this many fields; the simulator flies one log per field. */
const FIELDS_PER_JOB = 4;
// Short leases and claims, so a killed process's work is taken over within seconds (an upload's claim outlasts its slowest partner call here).
const FAST = { TASK_LEASE_MS: '4000', UPLOAD_CLAIM_MS: '15000', POLL_SWEEP_MS: '1000', TASK_RETRY_DELAY_SCALE: '0.01', POLL_CRON: '*/5 * * * * *' };

interface Recovery {
  fault: string;
  heldS: number;
  recoverS: number;
}

describe('chaos: faults under load, nothing lost, nothing applied twice', () => {
  let world: PipelineWorld;
  const workers: ServiceProcess[] = [];
  const pollers: ServiceProcess[] = [];
  const assigns: JobAssign[] = [];
  /** Assignments whose upload task could not be queued (the caller got an error and would try again). */
  const refused: JobAssign[] = [];
  const recoveries: Recovery[] = [];
  let jobNo = 0;

  async function rabbitmqctl(...args: string[]): Promise<void> {
    const [command, ...prefix] = testServices().rabbitmqctl;
    await run(command ?? 'rabbitmqctl', [...prefix, ...args], { timeout: 120_000 });
  }
  const services = (script: 'up' | 'down') => run('bash', [`tools/services/${script}.sh`], { cwd: repo, timeout: 600_000 });

  /** One more job of FIELDS_PER_JOB fields, assigned and queued for upload; the simulator flies it once uploaded. */
  async function assignOne(): Promise<JobAssign> {
    jobNo += 1;
    const lon = -98 + (jobNo % 20) * 0.02;
    const lat = 38 + Math.floor(jobNo / 20) * 0.02;
    const job = await world.createJob(`Chaos field ${jobNo}`, {
      type: 'MultiPolygon',
      coordinates: Array.from({ length: FIELDS_PER_JOB }, (_, i) => rectangle(lon + i * 0.004, lat, 200, 150).coordinates),
    });
    try {
      const assign = await world.assignQueued(job);
      assigns.push(assign);
      return assign;
    } catch (err) {
      const [created] = await world.repositories.jobAssigns.listByCustomer(world.customerId, { jobId: job.id }).catch(() => []);
      if (created) refused.push(created);
      throw err;
    }
  }

  /** Flies every uploaded job that has no logs yet (the simulator's aircraft "land" and upload logs). */
  async function flyUploaded(): Promise<void> {
    const uploaded = await world.repositories.jobAssigns.listByCustomer(world.customerId, { status: AssignStatus.UPLOADED, limit: 1000 });
    for (const assign of uploaded) {
      const job = world.simulator.state.jobs.get(Number(assign.extJobId));
      if (job && job.logIds.length === 0) world.simulator.produceLogs(job.jobId);
    }
  }

  /** Load in the background while a fault is held: a new assignment every second. */
  async function holdFault(name: string, heldMs: number, inject: () => Promise<void>, clear: () => Promise<void>): Promise<void> {
    try {
      await holdFaultOrThrow(name, heldMs, inject, clear);
    } catch (err) {
      // Keep going: the report shows which fault the pipeline did not recover from.
      recoveries.push({ fault: name, heldS: heldMs / 1000, recoverS: Number.NaN });
      process.stdout.write(`chaos: no recovery after ${name}: ${(err as Error).message}\n`);
    }
  }

  async function holdFaultOrThrow(name: string, heldMs: number, inject: () => Promise<void>, clear: () => Promise<void>): Promise<void> {
    await inject();
    const until = Date.now() + heldMs;
    while (Date.now() < until) {
      await assignOne().catch(() => undefined);
      await flyUploaded().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await clear();
    const cleared = Date.now();
    // Canary: a fresh job must go all the way to PROCESSED logs.
    const canary = await waitFor(() => assignOne(), { timeoutMs: 120_000, what: `a canary assignment after ${name}` });
    await waitFor(
      async () => {
        await flyUploaded();
        const current = await world.repositories.jobAssigns.findById(world.customerId, canary.id);
        if (current?.status !== AssignStatus.UPLOADED) return undefined;
        const trackers = await world.repositories.partnerLogTrackers.listByCustomer(world.customerId, { limit: 1000 });
        const mine = trackers.filter((t) => world.simulator.state.jobs.get(Number(current.extJobId))?.logIds.includes(t.logId));
        return mine.length === FIELDS_PER_JOB && mine.every((t) => t.state === PartnerLogTrackerState.PROCESSED) ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 250, what: `the pipeline delivering again after ${name}` },
    );
    recoveries.push({ fault: name, heldS: heldMs / 1000, recoverS: (Date.now() - cleared) / 1000 });
  }

  beforeAll(async () => {
    world = await createPipelineWorld();
    for (let i = 0; i < 2; i += 1) workers.push(await world.start('sync-worker', FAST));
    for (let i = 0; i < 2; i += 1) pollers.push(await world.start('poller', FAST));
  });

  afterAll(async () => {
    // Whatever happened, leave the machine's services running.
    await rabbitmqctl('start_app').catch(() => undefined);
    await services('up').catch(() => undefined);
    await world?.close();
  });

  it('survives worker and poller kills, broker/cache/database outages and partner faults', async () => {
    const topology = partnerTaskTopology({
      QUEUE_PREFIX: world.prefix,
      TASK_QUEUE: 'partner_tasks',
      TASK_DELIVERY_LIMIT: 5,
      TASK_RETRY_TIERS_MS: world.env['TASK_RETRY_TIERS_MS'] as string,
      AMQP_PUBLISH_TIMEOUT_MS: 10_000,
    });
    const dlqAdmin = new DeadLetterQueueAdmin(world.amqp);
    const dlqTotal = async () => (await dlqAdmin.list(topology.main, 0, 1)).total;
    /** Tasks dead-lettered while an infrastructure outage was held and cleared: waited out, so none is the goal. */
    const deadLetteredDuring = new Map<string, number>();
    async function holdOutage(name: string, heldMs: number, inject: () => Promise<void>, clear: () => Promise<void>): Promise<void> {
      const before = await dlqTotal();
      await holdFault(name, heldMs, inject, clear);
      deadLetteredDuring.set(name, (await dlqTotal()) - before);
    }

    for (let i = 0; i < 5; i += 1) await assignOne();

    // The outages first, while the DLQ holds nothing another fault put there.
    // Assignments made before the database goes away have their uploads queued while it is away:
    // the workers take those tasks and find no database (the load has to come from the broker then).
    const waiting: JobAssign[] = [];
    for (let i = 0; i < 6; i += 1) {
      jobNo += 1;
      const job = await world.createJob(`Chaos outage field ${jobNo}`, rectangle(-97 + jobNo * 0.004, 39, 200, 150));
      const { assign } = await world.repositories.jobAssigns.assign({
        jobId: job.id,
        userId: world.pilotId,
        customerId: world.customerId,
        partnerCode: 'SATLOC',
        partnerAircraftId: world.aircraftId,
      });
      await world.repositories.jobAssigns.markUploadQueued(world.customerId, assign.id);
      waiting.push(assign);
      assigns.push(assign);
    }
    await holdOutage(
      'FerretDB stopped',
      120_000,
      async () => {
        await services('down');
        for (const assign of waiting) await world.resubmitUpload(assign);
      },
      async () => {
        await services('up');
      },
    );

    await holdOutage(
      'Redis stopped',
      30_000,
      async () => {
        await run('redis-cli', ['-h', '127.0.0.1', 'shutdown', 'nosave']).catch(() => undefined);
      },
      async () => {
        await services('up');
      },
    );

    await holdFault(
      'sync-worker SIGKILL ×3',
      6000,
      async () => {
        for (let i = 0; i < 3; i += 1) {
          const victim = workers.shift();
          await victim?.stop('SIGKILL');
          workers.push(await world.start('sync-worker', FAST));
        }
      },
      async () => undefined,
    );

    await holdFault(
      'active poller SIGKILL',
      6000,
      async () => {
        const runs = await world.repositories.pollRuns.listRecent({ limit: 1 });
        const leader = pollers.find((p) => runs[0]?.owner.endsWith(`-${p.child.pid}`)) ?? pollers[0];
        await leader?.stop('SIGKILL');
      },
      async () => undefined,
    );

    await holdFault('RabbitMQ stop_app', 5000, () => rabbitmqctl('stop_app'), () => rabbitmqctl('start_app'));

    await holdFault(
      'SatLoc slow (2 s per call)',
      6000,
      async () => world.simulator.faults.set('*', { latencyMs: 2000 }),
      async () => world.simulator.faults.clear('*'),
    );

    await holdFault(
      'SatLoc failing (50 % 5xx)',
      6000,
      async () => world.simulator.faults.set('*', { failure: { kind: 'status', status: 502 }, rate: 0.5 }),
      async () => world.simulator.faults.clear('*'),
    );

    await holdFault(
      'SatLoc rate-limiting (429, Retry-After 1 s)',
      6000,
      async () => world.simulator.faults.set('*', { failure: { kind: 'rate-limit', retryAfterS: 1 }, rate: 0.6 }),
      async () => world.simulator.faults.clear('*'),
    );

    await holdFault(
      'SatLoc tokens expiring',
      6000,
      async () => {
        // Every issued token stops working; the data endpoints answer 401 a few more times.
        // (AuthenticateAPIUser itself keeps working: these are expired tokens, not bad credentials.)
        world.simulator.state.expireTokens();
        for (const endpoint of ['GetAircraftLogs', 'GetAircraftLogData', 'UploadJobData'] as const) {
          world.simulator.faults.set(endpoint, { failure: { kind: 'token-expired' }, times: 2 });
        }
      },
      async () => world.simulator.faults.clear(),
    );

    await holdFault(
      'SatLoc down',
      60_000,
      async () => world.simulator.faults.set('*', { failure: { kind: 'down' } }),
      async () => world.simulator.faults.clear('*'),
    );

    // What an operator and the callers do after the storm: replay the DLQ, submit again what was refused.
    const dlq = await dlqAdmin.list(topology.main, 0, 200).catch(() => null);
    const reasons = new Map<string, number>();
    for (const m of dlq?.messages ?? []) reasons.set(`${m.taskType}/${m.errorCategory}`, (reasons.get(`${m.taskType}/${m.errorCategory}`) ?? 0) + 1);
    const replayed = await dlqAdmin.retryAll(topology.main);
    for (const assign of refused) await world.resubmitUpload(assign);

    // Settle: every assignment uploaded, every log the simulator produced processed.
    const settled = await waitFor(
      async () => {
        await flyUploaded();
        const all = await world.repositories.jobAssigns.listByCustomer(world.customerId, { limit: 1000 });
        const trackers = await world.repositories.partnerLogTrackers.listByCustomer(world.customerId, { limit: 5000 });
        const produced = [...world.simulator.state.logs.keys()];
        const done = trackers.filter((t) => t.state === PartnerLogTrackerState.PROCESSED);
        return all.every((a) => a.status === AssignStatus.UPLOADED) && done.length === produced.length ? { all, trackers, produced } : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 1000, what: 'everything uploaded and processed' },
    ).catch(() => null);

    const all = await world.repositories.jobAssigns.listByCustomer(world.customerId, { limit: 1000 });
    const trackers = await world.repositories.partnerLogTrackers.listByCustomer(world.customerId, { limit: 5000 });
    const files = await world.repositories.applicationRecords.listFilesByCustomer(world.customerId, { limit: 5000 });
    const produced = [...world.simulator.state.logs.keys()];
    const processedLogIds = new Set(trackers.filter((t) => t.state === PartnerLogTrackerState.PROCESSED).map((t) => t.logId));
    const filesPerLog = new Map<string, number>();
    for (const f of files) if (f.logId) filesPerLog.set(f.logId, (filesPerLog.get(f.logId) ?? 0) + 1);
    const duplicatesApplied = [...filesPerLog.values()].filter((n) => n > 1).length;
    const uploadsAtPartner = world.simulator.state.jobs.size;
    const uploaded = all.filter((a) => a.status === AssignStatus.UPLOADED).length;
    const lostLogs = produced.filter((id) => !processedLogIds.has(id)).length;

    // Secrets: the partner password and every token the simulator issued, in every form they could
    // be written in, searched in the whole output of every process (killed ones included), in the
    // metrics of the processes still running, and in the headers of the dead-lettered tasks.
    const secrets = [world.partnerPassword, ...world.simulator.state.issuedTokens].flatMap((s) => secretForms(s));
    const places: [string, string][] = [['logs of all processes', world.processes.map((p) => p.output()).join('\n')]];
    for (const p of [...workers, ...pollers]) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
      const url = await p.waitForUrl();
      places.push([`metrics of ${url}`, await fetch(`${url}/metrics`).then((r) => r.text())]);
    }
    places.push(['DLQ message headers', JSON.stringify(dlq?.messages.map((m) => m.headers) ?? [])]);
    const leaks = places.flatMap(([where, text]) => (secrets.some((form) => text.includes(form)) ? [where] : []));
    const table = [
      ['assignments uploaded / expected', `${uploaded} / ${all.length}`],
      ['jobs received by the partner (duplicate uploads)', `${uploadsAtPartner} (${uploadsAtPartner - uploaded})`],
      ['logs processed / produced', `${processedLogIds.size} / ${produced.length}`],
      ['duplicates applied (must be 0)', String(duplicatesApplied)],
      ['messages lost (must be 0)', String(all.length - uploaded + lostLogs)],
      ['tasks in the DLQ after the faults', dlq ? `${dlq.total}${reasons.size ? ` (${[...reasons].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}` : 'unreadable'],
      ['replayed from the DLQ (retryAll) / left', `${replayed.moved} / ${replayed.left}`],
      ...[...deadLetteredDuring].map(([fault, n]) => [`dead-lettered during ${fault} (must be 0)`, String(n)]),
      ['submissions refused while the broker was away (caller told, submitted again)', String(refused.length)],
      [
        `secrets found (password + ${world.simulator.state.issuedTokens.length} issued tokens, in ${places.length} places)`,
        leaks.length === 0 ? '0' : leaks.join(', '),
      ],
      ...recoveries.map((r) => [`recovery after ${r.fault} (held ${r.heldS} s)`, Number.isNaN(r.recoverS) ? 'NOT RECOVERED' : `${r.recoverS.toFixed(1)} s`]),
    ];
    const width = Math.max(...table.map(([k]) => (k ?? '').length));
    process.stdout.write(`\nchaos report\n${table.map(([k, v]) => `  ${(k ?? '').padEnd(width)}  ${v}`).join('\n')}\n\n`);

    expect(recoveries.filter((r) => Number.isNaN(r.recoverS)).map((r) => r.fault)).toEqual([]);
    expect(settled, 'the pipeline settled (every assignment uploaded, every log processed)').not.toBeNull();
    expect(duplicatesApplied).toBe(0);
    expect(Object.fromEntries(deadLetteredDuring), 'infrastructure outages are waited out, not dead-lettered').toEqual({ 'FerretDB stopped': 0, 'Redis stopped': 0 });
    expect(all.length - uploaded).toBe(0);
    expect(lostLogs).toBe(0);
    expect(leaks).toEqual([]);
    expect(world.simulator.state.issuedTokens.length, 'tokens were issued (and re-issued after expiry)').toBeGreaterThan(1);
    expect(world.processes.map((p) => p.output()).join('').length, 'the processes logged').toBeGreaterThan(10_000);
  });
});
