import { PartnerLogTrackerState } from '@agair/domain-models';
import { waitFor, type ServiceProcess } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineWorld, rectangle, type PipelineWorld } from '../test/pipeline.fixture.js';

describe('dedicated worker pools from one image (apps as processes)', () => {
  let world: PipelineWorld;
  let uploadPool: ServiceProcess;
  let processPool: ServiceProcess;

  beforeAll(async () => {
    world = await createPipelineWorld({ uploadQueue: 'partner_uploads' });
    uploadPool = await world.start('sync-worker', { WORKER_TASK_TYPES: 'UPLOAD_PARTNER_JOB' });
    processPool = await world.start('sync-worker', { WORKER_TASK_TYPES: 'PROCESS_PARTNER_LOG,PROCESS_PARTNER_DATA_FILE' });
    await world.start('poller');
  });

  afterAll(async () => {
    await world?.close();
  });

  it('uploads on the upload pool and processes on the processing pool, each from its own queue', async () => {
    const consuming = (pool: ServiceProcess, queue: string) =>
      waitFor(() => (pool.output().includes(`"queue":"${world.prefix}${queue}"`) ? true : undefined), { what: `a pool consuming ${queue}` });
    await consuming(uploadPool, 'partner_uploads');
    await consuming(processPool, 'partner_tasks');
    expect(uploadPool.output()).not.toContain(`"queue":"${world.prefix}partner_tasks"`);
    const job = await world.createJob('Pooled field', rectangle(-97.4, 38.2, 300, 200));
    const assign = await world.assignQueued(job);
    const uploaded = await world.uploaded(assign.id, { timeoutMs: 30_000, what: 'assignment UPLOADED by the upload pool' });
    const logs = world.simulator.produceLogs(Number(uploaded.extJobId));
    await world.requestSync();
    await waitFor(async () => {
      const all = await world.repositories.partnerLogTrackers.listByCustomer(world.customerId);
      return logs.every((l) => all.find((t) => t.logId === l.logId)?.state === PartnerLogTrackerState.PROCESSED) ? true : undefined;
    }, { timeoutMs: 60_000, what: 'logs processed by the processing pool' });
    const tasks = await world.db.collection('task_trackers').find({}, { projection: { type: 1, 'lease.owner': 1 } }).toArray();
    expect(tasks.map((t) => t['type']).sort()).toEqual(['PROCESS_PARTNER_LOG', 'UPLOAD_PARTNER_JOB']);
  });
});
