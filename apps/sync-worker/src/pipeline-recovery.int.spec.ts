import { randomUUID } from 'node:crypto';
import { DeadLetterQueueAdmin } from '@agair/messaging';
import { AssignStatus, ErrorCategory, PartnerCode, PartnerLogTrackerState, TaskType, createTaskMessage } from '@agair/domain-models';
import { RetentionSweeper, partnerTaskTopology, retentionPolicy } from '@agair/runtime';
import { waitFor } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineWorld, rectangle, type PipelineWorld } from '../test/pipeline.fixture.js';

describe('pipeline recovery (apps as processes)', () => {
  let world: PipelineWorld;

  beforeAll(async () => {
    world = await createPipelineWorld();
    // Retry backoffs shrunk a hundredfold so the test waits seconds, not minutes.
    // Four attempts: enough for the first test's three refusals, few enough to run out in seconds.
    await world.start('sync-worker', { TASK_RETRY_DELAY_SCALE: '0.01', TASK_MAX_ATTEMPTS: '4' });
    await world.start('poller');
  });

  afterAll(async () => {
    await world?.close();
  });

  const tasksTopology = () =>
    partnerTaskTopology({
      QUEUE_PREFIX: world.prefix,
      TASK_QUEUE: 'partner_tasks',
      TASK_DELIVERY_LIMIT: 5,
      TASK_RETRY_TIERS_MS: world.env['TASK_RETRY_TIERS_MS'] as string,
      AMQP_PUBLISH_TIMEOUT_MS: 10_000,
    });

  it('keeps retrying an upload the partner refuses for a while, then uploads it', async () => {
    world.simulator.faults.set('UploadJobData', { failure: { kind: 'status', status: 503 }, times: 3 });
    const job = await world.createJob('East strip', rectangle(-97.46, 38.12, 300, 200));
    const assign = await world.assignQueued(job);

    const uploaded = await world.uploaded(assign.id, { timeoutMs: 60_000, what: 'assignment UPLOADED after the faults' });
    // Every attempt counts, the successful fourth one included.
    expect(uploaded.upload.attempts).toBe(4);
    const uploads = world.simulator.state.requests.filter((r) => r.endpoint === 'UploadJobData');
    expect(uploads.map((r) => r.status)).toEqual([503, 503, 503, 200]);
    // One attempt after another (each retry went through a delay queue; with full jitter a delay
    // may be short, so only the order is asserted here — growing delays are shown by messaging's tests).
    const times = uploads.map((r) => Date.parse(r.at));
    for (let i = 1; i < times.length; i += 1) expect(times[i]).toBeGreaterThan(times[i - 1] ?? 0);
    // The task completes just after the assignment is recorded UPLOADED.
    const tracker = await waitFor(async () => (await world.db.collection('task_trackers').findOne({ type: 'UPLOAD_PARTNER_JOB', state: 'COMPLETED', attempt: 4 })) ?? undefined, {
      timeoutMs: 10_000,
      what: 'the upload task completed on its 4th attempt',
    });
    expect(tracker).toBeDefined();
  });

  it('fails a corrupt log with the decoder reason and processes the others; after retention, replaying them fails at once, saying why', async () => {
    const job = await world.createJob('West block', {
      type: 'MultiPolygon',
      coordinates: [rectangle(-97.56, 38.14, 250, 200).coordinates, rectangle(-97.54, 38.14, 250, 200).coordinates],
    });
    const assign = await world.assignQueued(job);
    const uploaded = await world.uploaded(assign.id, { timeoutMs: 30_000, what: 'assignment UPLOADED' });
    const logs = world.simulator.produceLogs(Number(uploaded.extJobId));
    const garbage = world.simulator.state.addRawLog({
      aircraftId: world.aircraftId,
      bytes: Buffer.from('this is not a flight log, just some text a pilot saved by mistake'),
      fileName: `AC${world.aircraftId}_notes.alog`,
    });
    await world.requestSync();

    const ids = [...logs.map((l) => l.logId), garbage.logId];
    const trackers = await waitFor(async () => {
      const all = (await world.repositories.partnerLogTrackers.listByCustomer(world.customerId)).filter((t) => ids.includes(t.logId));
      const settled = all.filter((t) => t.state === PartnerLogTrackerState.PROCESSED || t.state === PartnerLogTrackerState.FAILED);
      return settled.length === ids.length ? settled : undefined;
    }, { timeoutMs: 60_000, what: 'every log processed or failed' });
    const bad = trackers.find((t) => t.logId === garbage.logId);
    expect(bad).toMatchObject({ state: PartnerLogTrackerState.FAILED, error: { category: ErrorCategory.DATA_FORMAT } });
    expect(bad?.error?.message).toMatch(/magic|format|not a flight log/i);
    expect(trackers.filter((t) => t.logId !== garbage.logId).every((t) => t.state === PartnerLogTrackerState.PROCESSED)).toBe(true);

    // Retention removes their raw logs; a replay of the failed one and a reprocessing of a
    // processed one then fail at once, saying why (no retries against a file that is gone).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const report = await new RetentionSweeper(world.repositories, retentionPolicy({ RETENTION_RAW_LOGS: '1s', RETENTION_BATCH_PAUSE_MS: 0 })).sweep();
    expect(report.kinds.raw_logs.removed).toBeGreaterThanOrEqual(ids.length);
    const processed = trackers.find((t) => t.logId !== garbage.logId);
    if (!bad?.storedFileId || !bad.contentHash || !processed?.storedFileId || !processed.contentHash) throw new Error('expected stored logs');
    const replayId = `replay:${randomUUID()}`;
    const reprocessId = `reprocess:${randomUUID()}`;
    const common = { partnerCode: PartnerCode.SATLOC, customerId: world.customerId };
    await world.publisher.publish(
      createTaskMessage(
        TaskType.PROCESS_PARTNER_LOG,
        { ...common, trackerId: bad.id, aircraftId: bad.aircraftId, logId: bad.logId, storedFileId: bad.storedFileId, contentHash: bad.contentHash },
        { taskId: replayId, createdAt: new Date() },
      ),
    );
    await world.publisher.publish(
      createTaskMessage(
        TaskType.PROCESS_PARTNER_DATA_FILE,
        { ...common, trackerId: processed.id, storedFileId: processed.storedFileId, contentHash: processed.contentHash, reason: 'reprocess' },
        { taskId: reprocessId, createdAt: new Date() },
      ),
    );
    for (const taskId of [replayId, reprocessId]) {
      const failed = await waitFor(async () => {
        const task = await world.repositories.taskTrackers.findByTaskId(taskId);
        return task?.state === 'FAILED' ? task : undefined;
      }, { timeoutMs: 30_000, what: `${taskId} failed` });
      expect(failed).toMatchObject({ attempt: 1, lastError: { category: ErrorCategory.NOT_FOUND } });
      expect(failed.lastError?.message).toMatch(/removed by the retention policy/);
    }
    expect(await world.repositories.partnerLogTrackers.findById(world.customerId, processed.id)).toMatchObject({ state: PartnerLogTrackerState.PROCESSED, storedFileId: null });
    // Both wait in the DLQ for an operator, with the reason; they are cleared here for the next test.
    const admin = new DeadLetterQueueAdmin(world.amqp);
    const dead = await waitFor(async () => {
      const page = await admin.list(tasksTopology().main, 0, 50);
      return page.total >= 2 ? page : undefined;
    }, { timeoutMs: 10_000, what: 'both in the DLQ' });
    expect(dead.messages.map((m) => m.taskId).sort()).toEqual([replayId, reprocessId].sort());
    expect(await admin.purge(tasksTopology().main, dead.confirmation, 'test')).toMatchObject({ archived: 2, left: 0 });
  });

  it('hands a log back when its download is cut short mid-body, keeps no partial file, and collects it whole on the next sync', async () => {
    const job = await world.createJob('North strip', rectangle(-97.5, 38.2, 250, 200));
    const assign = await world.assignQueued(job);
    const uploaded = await world.uploaded(assign.id, { timeoutMs: 30_000, what: 'assignment UPLOADED' });
    const ids = world.simulator.produceLogs(Number(uploaded.extJobId)).map((l) => l.logId);
    // Headers announce the whole file, the connection drops after 1,000 bytes: the error comes
    // out of the body while it streams into GridFS.
    world.simulator.faults.set('GetAircraftLogData', { truncate: { atBytes: 1000, mode: 'drop-connection' } });
    await world.requestSync();

    const released = await waitFor(async () => {
      const all = (await world.repositories.partnerLogTrackers.listByCustomer(world.customerId)).filter((t) => ids.includes(t.logId));
      const back = all.filter((t) => t.state === PartnerLogTrackerState.PENDING && t.error !== null);
      return back.length === ids.length ? back : undefined;
    }, { timeoutMs: 30_000, what: 'every cut-short log handed back' });
    for (const tracker of released) {
      expect(tracker).toMatchObject({ storedFileId: null, lease: null, error: { category: ErrorCategory.NETWORK_TIMEOUT } });
      expect(tracker.error?.message).toMatch(/cut short/);
    }
    expect(await world.db.collection('log_files.files').countDocuments({ 'metadata.logId': { $in: ids } }), 'no partial file kept').toBe(0);

    world.simulator.faults.clear('GetAircraftLogData');
    await world.requestSync();
    const processed = await waitFor(async () => {
      const all = (await world.repositories.partnerLogTrackers.listByCustomer(world.customerId)).filter((t) => ids.includes(t.logId));
      return all.length === ids.length && all.every((t) => t.state === PartnerLogTrackerState.PROCESSED) ? all : undefined;
    }, { timeoutMs: 60_000, what: 'every log processed after the fault cleared' });
    expect(processed.every((t) => t.attempts >= 1)).toBe(true);
    expect(await world.db.collection('log_files.files').countDocuments({ 'metadata.logId': { $in: ids } })).toBe(ids.length);
  });

  it('marks an upload failed with the reason when its retries run out, and a replay from the DLQ uploads it', async () => {
    world.simulator.faults.set('UploadJobData', { failure: { kind: 'status', status: 503 } });
    const job = await world.createJob('Far corner', rectangle(-97.42, 38.18, 200, 200));
    const assign = await world.assignQueued(job);

    const failed = await world.uploadFailed(assign.id, { timeoutMs: 60_000, what: 'the upload failed after its last retry' });
    expect(failed).toMatchObject({ status: AssignStatus.NEW, extJobId: null, upload: { attempts: 4 } });
    expect(failed.upload.lastError).toMatch(/gave up after 4 attempts/);
    const admin = new DeadLetterQueueAdmin(world.amqp);
    const dead = await admin.list(tasksTopology().main, 0, 50);
    expect(dead.messages.map((m) => ({ taskType: m.taskType, attempt: m.attempt }))).toEqual([{ taskType: 'UPLOAD_PARTNER_JOB', attempt: 4 }]);

    world.simulator.faults.clear('UploadJobData');
    expect(await admin.retryAll(tasksTopology().main)).toMatchObject({ moved: 1, left: 0 });
    const uploaded = await world.uploaded(assign.id, { timeoutMs: 30_000, what: 'assignment UPLOADED after the replay' });
    expect(uploaded.upload.syncStatus).toBe('synced');
  });

  it('calls an inactive partner for nothing: the upload fails saying why and the poll skips it; reactivated, a replay uploads and a sync collects', async () => {
    const flown = await world.createJob('Before the switch-off', rectangle(-97.4, 38.22, 200, 200));
    const flownAssign = await world.assignQueued(flown);
    const uploaded = await world.uploaded(flownAssign.id, { timeoutMs: 30_000, what: 'assignment UPLOADED' });
    const logIds = world.simulator.produceLogs(Number(uploaded.extJobId)).map((l) => l.logId);
    const partner = await world.repositories.partners.findByCode(PartnerCode.SATLOC);
    if (!partner) throw new Error('the world has a SatLoc partner');
    await world.repositories.partners.deactivate(partner.id);
    const calls = () => world.simulator.state.requests.length;
    const before = calls();

    const job = await world.createJob('While switched off', rectangle(-97.38, 38.22, 200, 200));
    const assign = await world.assignQueued(job);
    const failed = await world.uploadFailed(assign.id);
    expect(failed.upload.lastError).toMatch(/partner SATLOC is inactive/);
    const requestId = await world.requestSync();
    const served = await waitFor(async () => {
      const request = await world.repositories.syncRequests.findById(world.customerId, requestId);
      return request?.state === 'DONE' || request?.state === 'FAILED' ? request : undefined;
    }, { timeoutMs: 30_000, what: 'the sync request served' });
    expect(served.state).toBe('DONE');
    expect(calls() - before, 'requests the inactive partner received').toBe(0);

    await world.repositories.partners.update(partner.id, { active: true });
    const admin = new DeadLetterQueueAdmin(world.amqp);
    expect(await admin.retryAll(tasksTopology().main)).toMatchObject({ moved: 1, left: 0 });
    await world.uploaded(assign.id, { timeoutMs: 30_000, what: 'assignment UPLOADED after the replay' });
    await world.requestSync();
    await waitFor(async () => {
      const all = (await world.repositories.partnerLogTrackers.listByCustomer(world.customerId)).filter((t) => logIds.includes(t.logId));
      return all.length === logIds.length && all.every((t) => t.state === PartnerLogTrackerState.PROCESSED) ? all : undefined;
    }, { timeoutMs: 60_000, what: 'the logs flown before the switch-off processed' });
  });

  it('dead-letters an upload the partner rejects for good, lists it unchanged, and retries exactly the matching messages once the fault clears', async () => {
    const topology = tasksTopology();
    const admin = new DeadLetterQueueAdmin(world.amqp);
    // A bad request is not something a retry can fix: straight to the DLQ.
    world.simulator.faults.set('UploadJobData', { failure: { kind: 'status', status: 400 } });
    const job = await world.createJob('South corner', rectangle(-97.44, 38.16, 200, 200));
    const assign = await world.assignQueued(job);

    const listed = await waitFor(async () => {
      const page = await admin.list(topology.main, 0, 50);
      return page.messages.some((m) => m.errorCategory) ? page : undefined;
    }, { timeoutMs: 30_000, what: 'the upload in the DLQ' });
    expect(listed.total).toBe(1);
    expect(listed.messages[0]).toMatchObject({ taskType: 'UPLOAD_PARTNER_JOB', partnerCode: 'SATLOC', attempt: 1 });
    // A second listing sees the same thing: listing takes nothing away and reorders nothing.
    expect((await admin.list(topology.main, 0, 50)).messages).toEqual(listed.messages);
    const failed = await world.repositories.jobAssigns.findById(world.customerId, assign.id);
    expect(failed).toMatchObject({ status: AssignStatus.NEW, upload: { syncStatus: 'failed' } });

    // Another partner's message in the same DLQ must stay where it is.
    await world.publisher.publish(
      { taskId: 'other-partner-task-1', type: 'UPLOAD_PARTNER_JOB', payload: { assignId: 'a'.repeat(24), customerId: 'b'.repeat(24), partnerCode: 'AGIDRONEX' }, createdAt: new Date().toISOString() },
      { queue: topology.failed, headers: { 'x-error-category': 'internal', 'x-last-error': 'parked by the test' } },
    );
    world.simulator.faults.clear('UploadJobData');
    const moved = await admin.retryByHeader(topology.main, 'x-partner-code', 'SATLOC');
    expect(moved).toMatchObject({ moved: 1, left: 1 });

    const uploaded = await world.uploaded(assign.id, { timeoutMs: 30_000, what: 'assignment UPLOADED after the replay' });
    expect(uploaded.extJobId).toBeTruthy();
    const left = await admin.list(topology.main, 0, 50);
    expect(left.messages.map((m) => m.partnerCode)).toEqual(['AGIDRONEX']);
  });
});
