import { randomBytes } from 'node:crypto';
import { PartnerLogTrackerState, TaskTrackerState, type MultiPolygon } from '@agair/domain-models';
import { fieldShapes, simulateFlight } from '@agair/satloc-parser';
import { Role, mintToken } from '@agair/service-kit';
import { multipartBody, waitFor } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineWorld, rectangle, type PipelineWorld } from '../test/pipeline.fixture.js';

interface GroundTruth {
  treatedAreaHa: number;
  overlapAreaHa: number;
  offTargetAreaHa: number;
  volumeAppliedL: number;
  fieldAreaHa: number;
}

describe('pipeline: assign → upload → logs → poll → process (apps as processes)', () => {
  let world: PipelineWorld;
  let workerUrl: string;
  let pollerUrl: string;
  /** The job and assignment the first test takes through the pipeline, for the operator's reprocessing. */
  let collected: { jobId: string; assignId: string } | undefined;
  let assignApi: { url: string; headers: Record<string, string> } | undefined;

  /** assign-api as a process (started once), and an admin's headers for it. */
  async function operatorApi(): Promise<{ url: string; headers: Record<string, string> }> {
    if (assignApi) return assignApi;
    const jwtSecret = randomBytes(32).toString('hex');
    const url = await (await world.start('assign-api', { JWT_SECRET: jwtSecret })).waitForUrl();
    const authorization = `Bearer ${mintToken({ jwtSecret, issuer: 'agair', audience: 'agair-api', sub: 'ops-dana', role: Role.ADMIN })}`;
    assignApi = { url, headers: { authorization } };
    return assignApi;
  }

  beforeAll(async () => {
    world = await createPipelineWorld();
    workerUrl = await (await world.start('sync-worker')).waitForUrl();
    pollerUrl = await (await world.start('poller')).waitForUrl();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('uploads the job, collects the three logs it produced and stores application records matching the ground truth', async () => {
    // Three separate fields in one job: the simulator flies one log per field.
    const boundary: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [
        rectangle(-97.52, 38.1, 320, 220).coordinates,
        rectangle(-97.5, 38.1, 260, 260).coordinates,
        rectangle(-97.48, 38.1, 300, 180).coordinates,
      ],
    };
    const job = await world.createJob('North quarter', boundary);
    const assign = await world.assignQueued(job);
    collected = { jobId: job.id, assignId: assign.id };

    const uploaded = await world.uploaded(assign.id, { timeoutMs: 30_000, what: 'assignment UPLOADED' });
    expect(uploaded.extJobId).toMatch(/^\d+$/);
    expect(world.simulator.state.jobs.get(Number(uploaded.extJobId))).toBeDefined();

    const logs = world.simulator.produceLogs(Number(uploaded.extJobId));
    expect(logs).toHaveLength(3);
    await world.requestSync();

    const trackers = await waitFor(async () => {
      const all = await world.repositories.partnerLogTrackers.listByCustomer(world.customerId);
      return all.length === 3 && all.every((t) => t.state === PartnerLogTrackerState.PROCESSED) ? all : undefined;
    }, { timeoutMs: 60_000, what: '3 trackers PROCESSED' });
    expect(trackers.map((t) => t.logId).sort()).toEqual(logs.map((l) => l.logId).sort());

    const files = await world.repositories.applicationRecords.listFilesByCustomer(world.customerId, { jobId: job.id });
    expect(files).toHaveLength(3);
    for (const file of files) {
      expect(file.match).toEqual({ method: 'job_id_in_header', confidence: 1 });
      expect(file.assignId).toBe(assign.id);
      expect(file.records.corrupt).toBe(0);
    }

    const truth = logs.map((l) => l.groundTruth as GroundTruth);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const measured = {
      treated: sum(files.map((f) => f.summary.treatedAreaHa)),
      volume: sum(files.map((f) => f.summary.volumeAppliedL)),
      overlap: sum(files.map((f) => f.summary.overlapAreaHa)),
      offTarget: sum(files.map((f) => f.summary.offTargetAreaHa)),
    };
    const expected = {
      treated: sum(truth.map((t) => t.treatedAreaHa)),
      volume: sum(truth.map((t) => t.volumeAppliedL)),
      overlap: sum(truth.map((t) => t.overlapAreaHa)),
      offTarget: sum(truth.map((t) => t.offTargetAreaHa)),
      field: sum(truth.map((t) => t.fieldAreaHa)),
    };
    // The parser's tolerances: treated area 1 %, volume 0.5 %, overlap and off-target 2 % of the field.
    expect(Math.abs(measured.treated - expected.treated) / expected.treated).toBeLessThan(0.01);
    expect(Math.abs(measured.volume - expected.volume) / expected.volume).toBeLessThan(0.005);
    expect(Math.abs(measured.overlap - expected.overlap)).toBeLessThan(0.02 * expected.field);
    expect(Math.abs(measured.offTarget - expected.offTarget)).toBeLessThan(0.02 * expected.field);

    const coverage = await world.repositories.applicationRecords.listCoverageByJob(world.customerId, job.id);
    expect(coverage).toHaveLength(3);
    expect(coverage.every((c) => c.layers.treated.coordinates.length > 0 && c.layers.skipped.type === 'MultiPolygon')).toBe(true);

    // The job's record: the three logs' union (disjoint fields here, so their treated areas add up).
    const record = await waitFor(async () => {
      const current = await world.repositories.applicationRecords.findJobRecord(world.customerId, job.id);
      return current && current.fileIds.length === 3 ? current : undefined;
    }, { timeoutMs: 10_000, what: 'job record over 3 logs' });
    expect(record.fileIds.sort()).toEqual(files.map((f) => f.id).sort());
    expect(Math.abs(record.summary.treatedAreaHa - measured.treated)).toBeLessThan(0.001 * expected.field);
    expect(record.summary.volumeAppliedL).toBeCloseTo(measured.volume, 3);
    expect(record.summary.fieldAreaHa).toBeCloseTo(expected.field, 2);
    expect(record.summary.skippedPctOfField).not.toBeNull();
  });

  it('exposes the pipeline metrics with non-zero values where the flow touched them', async () => {
    const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();
    const value = (text: string, pattern: RegExp) =>
      text
        .split('\n')
        .filter((line) => !line.startsWith('#') && pattern.test(line))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    const worker = await scrape(workerUrl);
    const poller = await scrape(pollerUrl);
    expect(value(worker, /^agair_tasks_total\{.*task_type="UPLOAD_PARTNER_JOB".*outcome="completed"/)).toBeGreaterThan(0);
    expect(value(worker, /^agair_tasks_total\{.*task_type="PROCESS_PARTNER_LOG".*outcome="completed"/)).toBe(3);
    expect(value(worker, /^agair_task_duration_seconds_count/)).toBeGreaterThan(0);
    expect(value(worker, /^agair_log_processing_seconds_count\{.*outcome="processed"/)).toBe(3);
    expect(value(worker, /^agair_partner_requests_total\{.*endpoint="UploadJobData".*outcome="success"/)).toBeGreaterThan(0);
    expect(worker).toMatch(/^agair_queue_depth\{.*queue="[^"]+partner_tasks"/m);
    expect(worker).toMatch(/^agair_dlq_depth\{.*queue="[^"]+partner_tasks_failed"/m);
    expect(value(poller, /^agair_poll_runs_total\{/)).toBeGreaterThan(0);
    expect(value(poller, /^agair_poll_logs_total\{.*result="downloaded"/)).toBe(3);
    expect(value(poller, /^agair_poll_logs_total\{.*result="enqueued"/)).toBe(3);
    expect(value(poller, /^agair_poll_last_success_timestamp_seconds/)).toBeGreaterThan(0);
    expect(value(poller, /^agair_partner_requests_total\{.*endpoint="GetAircraftLogData".*outcome="success"/)).toBe(3);
    expect(value(poller, /^agair_poll_leader/)).toBe(1);
  });

  it('an operator reprocesses the job through assign-api: each log processed again once, its record replaced, the job recomputed, all on the timeline', async () => {
    if (!collected) throw new Error('the first test did not collect a job');
    const { jobId, assignId } = collected;
    const operator = await operatorApi();
    const api = operator.url;
    const headers = { ...operator.headers, 'content-type': 'application/json', 'idempotency-key': 'statistics-fix-1' };
    const before = await world.repositories.applicationRecords.findJobRecord(world.customerId, jobId);
    const filesBefore = await world.repositories.applicationRecords.listFilesByCustomer(world.customerId, { jobId });

    const reprocess = () => fetch(`${api}/api/jobs/${jobId}/reprocess`, { method: 'POST', headers, body: JSON.stringify({ reason: 'statistics fix' }) });
    const response = await reprocess();
    expect(response.status).toBe(202);
    const body = (await response.json()) as { queued: { taskId: string; trackerId: string }[]; notQueued: unknown[] };
    expect(body.queued).toHaveLength(3);
    expect(body.notQueued).toEqual([]);
    // The same request again (a client retry): the same task ids, which run once.
    const again = (await (await reprocess()).json()) as { queued: { taskId: string }[] };
    expect(again.queued.map((q) => q.taskId).sort()).toEqual(body.queued.map((q) => q.taskId).sort());

    await waitFor(
      async () => {
        const done = await Promise.all(body.queued.map((q) => world.repositories.taskTrackers.findByTaskId(q.taskId)));
        return done.every((t) => t?.state === TaskTrackerState.COMPLETED) ? true : undefined;
      },
      { timeoutMs: 60_000, what: 'the three reprocessing tasks completed' },
    );
    const after = await waitFor(async () => {
      const current = await world.repositories.applicationRecords.findJobRecord(world.customerId, jobId);
      return current && before && current.computedAt > before.computedAt ? current : undefined;
    }, { timeoutMs: 10_000, what: 'the job record recomputed' });
    // One record per log still (replaced, not added), the same bytes giving the same totals.
    const filesAfter = await world.repositories.applicationRecords.listFilesByCustomer(world.customerId, { jobId });
    expect(filesAfter.map((f) => f.logId).sort()).toEqual(filesBefore.map((f) => f.logId).sort());
    expect(after.fileIds).toHaveLength(3);
    expect(after.summary.treatedAreaHa).toBeCloseTo(before?.summary.treatedAreaHa ?? Number.NaN, 6);
    const trackers = await world.repositories.partnerLogTrackers.listByCustomer(world.customerId);
    expect(trackers.every((t) => t.state === PartnerLogTrackerState.PROCESSED)).toBe(true);

    const timeline = (await (await fetch(`${api}/api/assignments/${assignId}/timeline`, { headers })).json()) as {
      uploadTasks: { state: string }[];
      logs: { matched: boolean; tasks: { taskId: string; state: string }[] }[];
      events: { step: string }[];
    };
    expect(timeline.uploadTasks.map((t) => t.state)).toEqual(['COMPLETED']);
    expect(timeline.logs).toHaveLength(3);
    for (const log of timeline.logs) {
      expect(log.matched).toBe(true);
      // Its collection task and the operator's reprocessing, both completed.
      expect(log.tasks.map((t) => t.state)).toEqual(['COMPLETED', 'COMPLETED']);
      expect(log.tasks.some((t) => body.queued.some((q) => q.taskId === t.taskId))).toBe(true);
    }
    const steps = new Set(timeline.events.map((e) => e.step));
    expect([...steps].sort()).toEqual(['application_record', 'assigned', 'log_downloaded', 'log_listed', 'log_processed', 'processing_task', 'upload_task', 'uploaded'].sort());

    const audit = (await (await fetch(`${api}/api/operator-actions?customerId=${world.customerId}&targetId=${jobId}`, { headers })).json()) as { actions: { actor: string; action: string; reason: string }[] };
    expect(audit.actions).toEqual([
      expect.objectContaining({ actor: 'ops-dana', action: 'reprocess_job', reason: 'statistics fix' }),
      expect.objectContaining({ actor: 'ops-dana', action: 'reprocess_job', reason: 'statistics fix' }),
    ]);
  });

  it('an operator uploads a log by hand for a job, then re-matches it to another: processed for each once, both jobs recomputed; another customer’s same bytes are its own log', async () => {
    const { url: api, headers } = await operatorApi();
    // A log the poller never saw (from the aircraft's card), flown over a field of its own.
    const flight = simulateFlight({ seed: 77, boundaryM: fieldShapes.rectangle(280, 200), originLatDeg: 38.3, originLonDeg: -97.3, groundTruth: true });
    const truth = flight.groundTruth as GroundTruth;
    const first = await world.createJob('East strip', flight.field.boundary);
    const second = await world.createJob('East strip (re-surveyed)', flight.field.boundary);
    const r = world.repositories;

    const body = multipartBody({ name: 'card-0412.log', bytes: flight.bytes });
    const uploaded = await fetch(`${api}/api/logs/upload?customerId=${world.customerId}&partnerCode=SATLOC&aircraftId=101&jobId=${first.id}`, {
      method: 'POST',
      headers: { ...headers, ...body.headers },
      body: body.payload,
    });
    expect(uploaded.status, await uploaded.clone().text()).toBe(202);
    const { log } = (await uploaded.json()) as { log: { id: string; logId: string } };
    const processed = await waitFor(async () => {
      const tracker = await r.partnerLogTrackers.findById(world.customerId, log.id);
      return tracker?.state === PartnerLogTrackerState.PROCESSED ? tracker : undefined;
    }, { timeoutMs: 60_000, what: 'the uploaded log PROCESSED' });
    const [file] = await r.applicationRecords.listFilesByCustomer(world.customerId, { jobId: first.id });
    expect(file).toMatchObject({ id: processed.applicationFileId, logId: log.logId, match: { method: 'operator', confidence: 1 } });
    expect(Math.abs((file?.summary.treatedAreaHa ?? 0) - truth.treatedAreaHa) / truth.treatedAreaHa).toBeLessThan(0.01);
    const firstRecord = await waitFor(async () => (await r.applicationRecords.findJobRecord(world.customerId, first.id)) ?? undefined, { timeoutMs: 10_000, what: 'the first job’s record' });
    expect(firstRecord.fileIds).toEqual([file?.id]);

    // Wrong job: the operator names the second one.
    const rematch = await fetch(`${api}/api/logs/${log.id}/match`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ jobId: second.id, reason: 'flown for the re-surveyed job' }),
    });
    expect(rematch.status).toBe(202);
    const { taskId } = (await rematch.json()) as { taskId: string };
    await waitFor(async () => ((await r.taskTrackers.findByTaskId(taskId))?.state === TaskTrackerState.COMPLETED ? true : undefined), { timeoutMs: 60_000, what: 'the re-match processed' });
    const moved = await r.applicationRecords.listFilesByCustomer(world.customerId, { jobId: second.id });
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatchObject({ logId: log.logId, match: { method: 'operator' } });
    expect(await r.applicationRecords.listFilesByCustomer(world.customerId, { jobId: first.id })).toEqual([]);
    const secondRecord = await waitFor(async () => (await r.applicationRecords.findJobRecord(world.customerId, second.id)) ?? undefined, { timeoutMs: 10_000, what: 'the second job’s record' });
    expect(secondRecord.fileIds).toEqual([moved[0]?.id]);
    expect(secondRecord.summary.treatedAreaHa).toBeCloseTo(firstRecord.summary.treatedAreaHa, 6);
    const emptied = await r.applicationRecords.findJobRecord(world.customerId, first.id);
    expect(emptied?.fileIds ?? []).toEqual([]);

    // Another customer's log with the same bytes is its own, and processed for it.
    const other = (await r.customers.create({ name: 'Other Flying Co' })).id;
    const forOther = multipartBody({ name: 'card-0412.log', bytes: flight.bytes });
    const otherUpload = await fetch(`${api}/api/logs/upload?customerId=${other}&partnerCode=SATLOC&aircraftId=7`, { method: 'POST', headers: { ...headers, ...forOther.headers }, body: forOther.payload });
    expect(otherUpload.status).toBe(202);
    const otherLog = ((await otherUpload.json()) as { log: { id: string } }).log;
    await waitFor(async () => ((await r.partnerLogTrackers.findById(other, otherLog.id))?.state === PartnerLogTrackerState.PROCESSED ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the other customer’s log PROCESSED',
    });
    const otherFiles = await r.applicationRecords.listFilesByCustomer(other, {});
    expect(otherFiles).toHaveLength(1);
    expect(otherFiles[0]).toMatchObject({ customerId: other, match: { method: 'unmatched' } });
    expect(otherFiles[0]?.summary.treatedAreaHa).toBeCloseTo(moved[0]?.summary.treatedAreaHa ?? Number.NaN, 6);
    expect(await r.applicationRecords.listFilesByCustomer(world.customerId, { jobId: second.id })).toHaveLength(1);
  });
});
