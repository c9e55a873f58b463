import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PartnerCode } from '@agair/domain-models';
import { CredentialCipher, createRepositories, ensureIndexes, type Repositories } from '@agair/persistence';
import { RetentionSweeper, retentionPolicy } from '@agair/runtime';
import { createLogger, createMetricsRegistry } from '@agair/service-kit';
import { LogCapture, testServices, uniqueName, withDatabase } from '@agair/testing';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderLease } from './leader-lease.js';
import { pollerMetrics } from './metrics.js';
import { RetentionRunner } from './retention-runner.js';

const policy = (dryRun: boolean) =>
  retentionPolicy({
    RETENTION_RAW_LOGS: '1s',
    RETENTION_TASK_TRACKERS: '1s',
    RETENTION_POLL_RUNS: '1s',
    RETENTION_SYNC_REQUESTS: '1s',
    RETENTION_BATCH_PAUSE_MS: 0,
    RETENTION_DRY_RUN: dryRun,
  });

describe('the retention sweep runs on the poller leader only', () => {
  const services = testServices();
  const client = new MongoClient(withDatabase(services.mongoUrl, uniqueName('it_retention_runner')), { retryWrites: false });
  const redis = new Redis(services.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 });
  const leaseKey = `agair:${uniqueName('it_retention')}:poller:leader`;
  let repositories: Repositories;

  function replica(name: string, dryRun = false) {
    const logs = new LogCapture();
    const registry = createMetricsRegistry('poller');
    const lease = new LeaderLease(redis, leaseKey, name, 30_000);
    const runner = new RetentionRunner({
      sweeper: new RetentionSweeper(repositories, policy(dryRun)),
      lease,
      logger: createLogger({ name: 'poller', level: 'info', destination: logs }),
      metrics: pollerMetrics(registry),
      isStopping: () => false,
    });
    return { lease, runner, logs, registry };
  }

  async function finishedPollRuns(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const run = await repositories.pollRuns.start({ owner: 'it' });
      await repositories.pollRuns.finish(run.id, { counters: {} });
      ids.push(run.id);
    }
    return ids;
  }

  beforeAll(async () => {
    await ensureIndexes(client.db());
    repositories = createRepositories(client.db(), { credentialKeys: CredentialCipher.fromConfig({ keys: { k1: randomBytes(32).toString('base64') }, activeKeyId: 'k1' }) });
  });

  afterAll(async () => {
    await redis.del(leaseKey);
    redis.disconnect();
    await client.db().dropDatabase();
    await client.close();
  });

  it('a second replica does nothing while the first holds the lease; the leader removes, counts and logs', async () => {
    const first = replica('poller-a');
    const second = replica('poller-b');
    expect(await first.lease.refresh()).toBe(true);
    expect(await second.lease.refresh()).toBe(false);
    const runs = await finishedPollRuns(3);
    await repositories.syncRequests.create({ partnerCode: PartnerCode.SATLOC, customerId: '65f0a1b2c3d4e5f6a7b8c9d0', requestedBy: 'ops' });
    await sleep(1100);

    expect(await second.runner.runIfLeader()).toBeNull();
    for (const id of runs) expect(await repositories.pollRuns.findById(id)).not.toBeNull();
    expect(second.logs.lines).toHaveLength(0);

    const report = await first.runner.runIfLeader();
    expect(report?.kinds.poll_runs).toMatchObject({ due: 3, removed: 3 });
    for (const id of runs) expect(await repositories.pollRuns.findById(id)).toBeNull();
    const metrics = await first.registry.metrics();
    expect(metrics).toMatch(/agair_retention_removed_total\{[^}]*kind="poll_runs"[^}]*\} 3/);
    expect(metrics).toMatch(/agair_retention_due\{[^}]*kind="poll_runs"[^}]*\} 0/);
    expect(first.logs.records().find((r) => r['msg'] === 'retention sweep done')).toMatchObject({ dryRun: false, interrupted: false });

    // The lease moves: now the other replica sweeps.
    await first.lease.release();
    expect(await second.lease.refresh()).toBe(true);
    await first.lease.refresh();
    expect(first.lease.isHeld).toBe(false);
    const more = await finishedPollRuns(1);
    await sleep(1100);
    expect(await first.runner.runIfLeader()).toBeNull();
    expect((await second.runner.runIfLeader())?.kinds.poll_runs.removed).toBe(1);
    expect(await repositories.pollRuns.findById(more[0] ?? '')).toBeNull();
    await second.lease.release();
  });

  it('a dry run on the leader reports what is due as metrics and a log line, and removes nothing', async () => {
    const dry = replica('poller-dry', true);
    expect(await dry.lease.refresh()).toBe(true);
    const runs = await finishedPollRuns(2);
    await sleep(1100);
    const report = await dry.runner.runIfLeader();
    expect(report).toMatchObject({ dryRun: true, kinds: { poll_runs: { due: 2, removed: 0 } } });
    for (const id of runs) expect(await repositories.pollRuns.findById(id)).not.toBeNull();
    expect(await dry.registry.metrics()).toMatch(/agair_retention_due\{[^}]*kind="poll_runs"[^}]*\} 2/);
    expect(dry.logs.records().find((r) => typeof r['msg'] === 'string' && r['msg'].startsWith('retention dry run'))).toMatchObject({ dryRun: true });
    await dry.lease.release();
  });
});
