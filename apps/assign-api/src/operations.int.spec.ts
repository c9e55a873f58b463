import { createHash, randomUUID } from 'node:crypto';
import { PartnerCode, TaskType, createTaskMessage } from '@agair/domain-models';
import { Role, type HttpApp } from '@agair/service-kit';
import { multipartBody, type RawBody } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobBody, startAssignApiHarness, type AssignApiHarness } from '../test/assign-api.harness.js';

/*
 * Operator actions on flight logs (list, reprocess, download again, skip), their audit trail, and
 * an assignment's timeline, against FerretDB and RabbitMQ.
 */

let harness: AssignApiHarness;
let app: HttpApp;
const ids = { a: '', b: '', pilotA: '', jobA: '', assignA: '' };
let admin: Record<string, string>;
let customerA: Record<string, string>;
let customerB: Record<string, string>;
let logNo = 0;

/** A log of customer A listed for aircraft 101, taken to `state` the way the poller and worker do. */
async function logOfA(state: 'PENDING' | 'FAILED' | 'FAILED_WITH_BYTES' | 'PROCESSED', aircraftId = '101'): Promise<{ id: string; logId: string }> {
  const r = harness.db.repositories;
  logNo += 1;
  const logId = `OPS-${logNo}-${state}`;
  const { tracker } = await r.partnerLogTrackers.upsertPending({ partnerCode: PartnerCode.SATLOC, customerId: ids.a, aircraftId, logId, fileName: `${logId}.log` });
  if (state === 'PENDING') return { id: tracker.id, logId };
  await r.partnerLogTrackers.claimForDownload(tracker.id, 'it', 60_000);
  if (state === 'FAILED') {
    await r.partnerLogTrackers.markFailed(tracker.id, 'it', { category: 'not-found', message: 'the partner no longer has the log' });
    return { id: tracker.id, logId };
  }
  const stored = await r.logFiles.store(Buffer.from(`bytes of ${logId}`), { fileName: `${logId}.log`, partnerCode: PartnerCode.SATLOC, customerId: ids.a, logId });
  await r.partnerLogTrackers.markDownloaded(tracker.id, 'it', stored);
  await r.partnerLogTrackers.claimForProcessing(tracker.id, 'it', 60_000);
  if (state === 'FAILED_WITH_BYTES') await r.partnerLogTrackers.markFailed(tracker.id, 'it', { category: 'data-format', message: 'decoder could not read record 12' });
  else await r.partnerLogTrackers.markProcessed(tracker.id, 'it', { applicationFileId: ids.jobA });
  return { id: tracker.id, logId };
}

/** Every task message waiting on the work queue (taken off it). */
async function queued(): Promise<{ type: string; taskId: string; payload: Record<string, string> }[]> {
  const out = [];
  for (;;) {
    const message = await harness.channel.get(harness.topology.main, { noAck: true });
    if (!message) return out;
    out.push(JSON.parse(message.content.toString('utf8')));
  }
}

const post = (url: string, headers: Record<string, string>, payload: object = {}) => app.inject({ method: 'POST', url, headers, payload });

const upload = (query: string, headers: Record<string, string>, body: RawBody) =>
  app.inject({ method: 'POST', url: `/api/logs/upload?${query}`, headers: { ...headers, ...body.headers }, payload: body.payload });

/** The largest upload these tests allow (PARTNER_LOG_MAX_BYTES). */
const MAX_LOG_BYTES = 64 * 1024;

describe('operator actions and timelines', () => {
  beforeAll(async () => {
    harness = await startAssignApiHarness({
      runPrefix: 'it_ops',
      simInitial: {
        companies: [{ companyId: 'c1', name: 'Prairie Ag Air' }],
        users: [{ username: 'prairie-api', password: 'sim-secret-pw-9', companyId: 'c1' }],
        aircraft: [{ aircraftId: '101', companyId: 'c1', tailNumber: 'N101PA', name: 'AT-802 #1' }],
      },
      logLevel: 'info',
      env: { PARTNER_LOG_MAX_BYTES: String(MAX_LOG_BYTES) },
    });
    app = harness.app;
    const r = harness.db.repositories;
    ids.a = (await r.customers.create({ name: 'Prairie Ag Air', partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] })).id;
    ids.b = (await r.customers.create({ name: 'Other Flying Co', partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] })).id;
    ids.pilotA = await harness.createUser('pilot-a', ids.a, '101');
    ids.jobA = (await r.jobs.create(jobBody(ids.a, 'North 40'))).id;
    ids.assignA = (await r.jobAssigns.assign({ jobId: ids.jobA, userId: ids.pilotA, customerId: ids.a, partnerCode: PartnerCode.SATLOC, partnerAircraftId: '101' })).assign.id;
    admin = harness.bearer('ops', Role.ADMIN);
    customerA = harness.bearer('alice', Role.CUSTOMER, ids.a);
    customerB = harness.bearer('bob', Role.CUSTOMER, ids.b);
    await queued();
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('lists a customer’s logs by cursor past 1,000 with no cap, filtered, and only the customer’s own', async () => {
    const r = harness.db.repositories;
    const listed = [];
    for (let i = 0; i < 1050; i += 25) {
      listed.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(25, 1050 - i) }, (_, k) =>
            r.partnerLogTrackers.upsertPending({ partnerCode: PartnerCode.SATLOC, customerId: ids.a, aircraftId: '777', logId: `BULK-${i + k}`, fileName: `BULK-${i + k}.log` }),
          ),
        )),
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await app.inject({ url: `/api/logs?customerId=${ids.a}&aircraftId=777&limit=200${cursor ? `&cursor=${cursor}` : ''}`, headers: admin });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json() as { logs: { id: string; aircraftId: string }[]; next: string | null };
      expect(body.logs.every((l) => l.aircraftId === '777')).toBe(true);
      seen.push(...body.logs.map((l) => l.id));
      cursor = body.next;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(6);
    expect(new Set(seen).size).toBe(1050);
    expect(new Set(seen)).toEqual(new Set(listed.map((l) => l.tracker.id)));

    const failed = await logOfA('FAILED');
    const onlyFailed = (await app.inject({ url: '/api/logs?state=FAILED', headers: customerA })).json() as { logs: { id: string }[] };
    expect(onlyFailed.logs.map((l) => l.id)).toContain(failed.id);
    expect(onlyFailed.logs.every((l) => seen.includes(l.id))).toBe(false);
    // Customer B naming A gets its own (empty) list.
    expect((await app.inject({ url: `/api/logs?customerId=${ids.a}`, headers: customerB })).json()).toMatchObject({ customerId: ids.b, logs: [], next: null });
    expect((await app.inject({ url: '/api/logs', headers: admin })).statusCode).toBe(400); // an admin names the customer
    expect((await app.inject({ url: `/api/logs?customerId=${ids.a}&cursor=nope`, headers: admin })).statusCode).toBe(400);
    expect((await app.inject({ url: `/api/logs?customerId=${ids.a}&limit=0`, headers: admin })).statusCode).toBe(400);
  });

  it('reprocesses a processed log from its stored bytes, once per Idempotency-Key; refuses a log without bytes', async () => {
    const processed = await logOfA('PROCESSED');
    const key = { ...admin, 'idempotency-key': 'decoder-1.4-fix' };
    const first = await post(`/api/logs/${processed.id}/reprocess`, key, { reason: 'decoder 1.4 reads nozzle flow' });
    expect(first.statusCode, first.body).toBe(202);
    const again = await post(`/api/logs/${processed.id}/reprocess`, key, { reason: 'decoder 1.4 reads nozzle flow' });
    expect(again.json().taskId).toBe(first.json().taskId);
    const tasks = await queued();
    expect(tasks).toHaveLength(2);
    for (const task of tasks) {
      expect(task).toMatchObject({ type: TaskType.PROCESS_PARTNER_DATA_FILE, taskId: first.json().taskId, payload: { trackerId: processed.id, customerId: ids.a, reason: 'reprocess' } });
    }

    // No body at all is the same as an empty one (a reason is optional).
    const bare = await app.inject({ method: 'POST', url: `/api/logs/${processed.id}/reprocess`, headers: admin });
    expect(bare.statusCode, bare.body).toBe(202);
    expect(await queued()).toHaveLength(1);

    const pending = await logOfA('PENDING');
    const refused = await post(`/api/logs/${pending.id}/reprocess`, admin);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'LOG_NOT_REPROCESSABLE' });
    expect((await post(`/api/logs/${'f'.repeat(24)}/reprocess`, admin)).statusCode).toBe(404);
    expect((await post(`/api/logs/${processed.id}/reprocess`, customerA)).statusCode).toBe(403);
    expect(await queued()).toEqual([]);
  });

  it('reprocesses every processed or failed log since a date, listing those it cannot', async () => {
    // Ids carry whole seconds: start on a fresh second, so no log of an earlier test is "since".
    const nextSecond = Math.ceil((Date.now() + 1) / 1000) * 1000;
    await new Promise((resolve) => setTimeout(resolve, nextSecond - Date.now()));
    const since = new Date(nextSecond).toISOString();
    const processed = await logOfA('PROCESSED');
    const failedWithBytes = await logOfA('FAILED_WITH_BYTES');
    const failedDownload = await logOfA('FAILED');
    const response = await post('/api/logs/reprocess', admin, { customerId: ids.a, since });
    expect(response.statusCode, response.body).toBe(202);
    const body = response.json() as { queued: { trackerId: string }[]; notQueued: { trackerId: string; reason: string }[] };
    expect(body.queued.map((q) => q.trackerId).sort()).toEqual([processed.id, failedWithBytes.id].sort());
    expect(body.notQueued).toEqual([expect.objectContaining({ trackerId: failedDownload.id, reason: expect.stringMatching(/never downloaded/) })]);
    expect((await queued()).map((t) => t.payload['trackerId']).sort()).toEqual([processed.id, failedWithBytes.id].sort());
    expect((await post('/api/logs/reprocess', admin, { customerId: 'a'.repeat(24), since })).statusCode).toBe(404);
  });

  it('downloads a FAILED log again and skips a PENDING one, idempotently, and refuses other states', async () => {
    const failed = await logOfA('FAILED');
    const redownload = await post(`/api/logs/${failed.id}/redownload`, admin, { reason: 'partner restored the file' });
    expect(redownload.json()).toEqual({ trackerId: failed.id, logId: failed.logId, from: 'FAILED', state: 'PENDING', changed: true });
    expect((await post(`/api/logs/${failed.id}/redownload`, admin)).json()).toMatchObject({ from: 'PENDING', state: 'PENDING', changed: false });
    const tracker = await harness.db.repositories.partnerLogTrackers.findById(ids.a, failed.id);
    expect(tracker).toMatchObject({ state: 'PENDING', attempts: 0 });

    const processed = await logOfA('PROCESSED');
    expect((await post(`/api/logs/${processed.id}/redownload`, admin)).json()).toMatchObject({ statusCode: 409, code: 'LOG_NOT_FAILED' });

    const pending = await logOfA('PENDING');
    expect((await post(`/api/logs/${pending.id}/skip`, admin, {})).statusCode).toBe(400); // a reason is required
    expect((await post(`/api/logs/${pending.id}/skip`, admin, { reason: 'test flight, not a job' })).json()).toMatchObject({ state: 'SKIPPED', changed: true });
    expect((await post(`/api/logs/${pending.id}/skip`, admin, { reason: 'again' })).json()).toMatchObject({ state: 'SKIPPED', changed: false });
    expect((await post(`/api/logs/${processed.id}/skip`, admin, { reason: 'no' })).json()).toMatchObject({ statusCode: 409, code: 'LOG_NOT_PENDING' });
  });

  it('takes a log uploaded by hand: stored, a DOWNLOADED log of the customer, its processing queued; the same bytes again are the same log', async () => {
    const bytes = Buffer.from(`a flight log obtained by hand ${randomUUID()}`);
    const first = await upload(`customerId=${ids.a}&partnerCode=SATLOC&aircraftId=101&jobId=${ids.jobA}&reason=ticket%204712`, admin, multipartBody({ name: 'C:\\logs\\AC101 june.log', bytes }));
    expect(first.statusCode, first.body).toBe(202);
    const body = first.json() as { created: boolean; taskId: string; log: Record<string, unknown> & { id: string; contentHash: string; storedFileId: string } };
    expect(body).toMatchObject({ created: true, taskId: `manual:${body.log.id}` });
    expect(body.log).toMatchObject({
      customerId: ids.a,
      aircraftId: '101',
      state: 'DOWNLOADED',
      fileName: 'AC101 june.log',
      logId: `manual-${body.log.contentHash.slice(0, 40)}`,
      sizeBytes: bytes.length,
      enqueuedAt: expect.any(String),
      matchOverride: { jobId: ids.jobA, by: 'ops', at: expect.any(String) },
    });
    expect((await harness.db.repositories.logFiles.read(body.log.storedFileId)).equals(bytes)).toBe(true);
    expect(await queued()).toEqual([
      expect.objectContaining({
        type: TaskType.PROCESS_PARTNER_DATA_FILE,
        taskId: body.taskId,
        payload: { storedFileId: body.log.storedFileId, contentHash: body.log.contentHash, partnerCode: 'SATLOC', customerId: ids.a, trackerId: body.log.id, reason: 'manual_upload' },
      }),
    ]);

    // The same bytes again (a retried request): the same log, nothing stored or queued again.
    const again = await upload(`customerId=${ids.a}&partnerCode=SATLOC&aircraftId=101`, admin, multipartBody({ name: 'other-name.log', bytes }));
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ created: false, taskId: null, log: { id: body.log.id } });
    expect(await queued()).toEqual([]);
    // Another customer's identical bytes are its own log.
    const forB = await upload(`customerId=${ids.b}&partnerCode=SATLOC&aircraftId=202`, admin, multipartBody({ name: 'b.log', bytes }));
    expect(forB.statusCode, forB.body).toBe(202);
    expect(forB.json().log).toMatchObject({ customerId: ids.b, matchOverride: null });
    expect(forB.json().log.id).not.toBe(body.log.id);
    expect(await queued()).toHaveLength(1);

    const trail = (await app.inject({ url: `/api/operator-actions?customerId=${ids.a}&targetId=${body.log.id}`, headers: admin })).json() as { actions: unknown[] };
    expect(trail.actions).toEqual([
      expect.objectContaining({ action: 'upload_log', reason: null, outcome: expect.objectContaining({ created: false, taskId: null }) }),
      expect.objectContaining({ action: 'upload_log', reason: 'ticket 4712', outcome: expect.objectContaining({ created: true, taskId: body.taskId, sizeBytes: bytes.length }) }),
    ]);
  });

  it('refuses a manual upload with a clear answer: no file, not multipart, too large, unknown customer or job, not an admin', async () => {
    const file = () => multipartBody({ name: 'x.log', bytes: Buffer.from(`bytes ${randomUUID()}`) });
    const query = `customerId=${ids.a}&partnerCode=SATLOC&aircraftId=101`;
    expect((await upload(query, admin, multipartBody(null, { note: 'no file here' }))).json()).toMatchObject({ statusCode: 400, code: 'FILE_MISSING' });
    expect((await post(`/api/logs/upload?${query}`, admin, { file: 'base64...' })).json()).toMatchObject({ statusCode: 415, code: 'MULTIPART_EXPECTED' });
    expect((await upload(`partnerCode=SATLOC&aircraftId=101`, admin, file())).statusCode).toBe(400); // which customer
    expect((await upload(`${query}&partnerCode=NOPE`, admin, file())).statusCode).toBe(400);
    expect((await upload(`${query}&jobId=${'e'.repeat(24)}`, admin, file())).json()).toMatchObject({ statusCode: 404, message: expect.stringMatching(/Job/) });
    expect((await upload(`customerId=${'e'.repeat(24)}&partnerCode=SATLOC&aircraftId=101`, admin, file())).json()).toMatchObject({ statusCode: 404, message: expect.stringMatching(/Customer/) });
    expect((await upload(query, customerA, file())).statusCode).toBe(403);
    expect((await upload(query, {}, file())).statusCode).toBe(401);

    // Too large: refused while it streams in, and nothing of it is kept.
    const big = Buffer.alloc(MAX_LOG_BYTES + 1, 7);
    const tooLarge = await upload(query, admin, multipartBody({ name: 'big.log', bytes: big }));
    expect(tooLarge.statusCode, tooLarge.body).toBe(413);
    expect(await harness.db.repositories.logFiles.findByContentHash(ids.a, createHash('sha256').update(big).digest('hex'))).toBeNull();
    expect(await queued()).toEqual([]);
  });

  it('re-matches a log to the job an operator names and processes it again; before processing the choice waits for it', async () => {
    const processed = await logOfA('PROCESSED');
    const key = { ...admin, 'idempotency-key': 'rematch-1' };
    const response = await post(`/api/logs/${processed.id}/match`, key, { jobId: ids.jobA, reason: 'pilot flew it for North 40' });
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json()).toMatchObject({ trackerId: processed.id, jobId: ids.jobA, taskId: expect.stringMatching(/^reprocess:/) });
    expect(await queued()).toEqual([expect.objectContaining({ type: TaskType.PROCESS_PARTNER_DATA_FILE, taskId: response.json().taskId, payload: expect.objectContaining({ trackerId: processed.id, reason: 'reprocess' }) })]);
    const r = harness.db.repositories;
    expect((await r.partnerLogTrackers.findById(ids.a, processed.id))?.matchOverride).toMatchObject({ jobId: ids.jobA, by: 'ops' });

    // null: back to matching by contents.
    const cleared = await post(`/api/logs/${processed.id}/match`, admin, { jobId: null });
    expect(cleared.statusCode, cleared.body).toBe(202);
    expect((await r.partnerLogTrackers.findById(ids.a, processed.id))?.matchOverride).toBeNull();
    expect(await queued()).toHaveLength(1);

    const pending = await logOfA('PENDING');
    expect((await post(`/api/logs/${pending.id}/match`, admin, { jobId: ids.jobA })).json()).toMatchObject({ jobId: ids.jobA, taskId: null });
    expect(await queued()).toEqual([]);
    expect((await r.partnerLogTrackers.findById(ids.a, pending.id))?.matchOverride?.jobId).toBe(ids.jobA);

    const jobOfB = (await r.jobs.create(jobBody(ids.b, 'B field'))).id;
    expect((await post(`/api/logs/${processed.id}/match`, admin, { jobId: jobOfB })).statusCode).toBe(404); // another customer's job
    const skipped = await logOfA('PENDING');
    await post(`/api/logs/${skipped.id}/skip`, admin, { reason: 'ground test' });
    expect((await post(`/api/logs/${skipped.id}/match`, admin, { jobId: ids.jobA })).json()).toMatchObject({ statusCode: 409, code: 'LOG_NOT_REMATCHABLE' });
    expect((await post(`/api/logs/${processed.id}/match`, admin, {})).statusCode).toBe(400);
    expect((await post(`/api/logs/${processed.id}/match`, admin, { jobId: 'nope' })).statusCode).toBe(400);
    expect((await post(`/api/logs/${'f'.repeat(24)}/match`, admin, { jobId: ids.jobA })).statusCode).toBe(404);
    expect((await post(`/api/logs/${processed.id}/match`, customerA, { jobId: ids.jobA })).statusCode).toBe(403);
    expect(await queued()).toEqual([]);
  });

  it('records every action in the audit trail: who, when, what, why and the outcome, newest first, by cursor', async () => {
    const failed = await logOfA('FAILED');
    await post(`/api/logs/${failed.id}/redownload`, admin, { reason: 'ticket 4711' });
    const mine = (await app.inject({ url: `/api/operator-actions?customerId=${ids.a}&targetId=${failed.id}`, headers: admin })).json() as { actions: Record<string, unknown>[] };
    expect(mine.actions).toEqual([
      expect.objectContaining({ actor: 'ops', action: 'redownload_log', customerId: ids.a, target: { kind: 'partner_log_tracker', id: failed.id }, reason: 'ticket 4711', outcome: { from: 'FAILED', state: 'PENDING', changed: true } }),
    ]);
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await app.inject({ url: `/api/operator-actions?customerId=${ids.a}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers: admin })).json() as { actions: { id: string; at: string }[]; next: string | null };
      all.push(...page.actions.map((a) => a.at));
      cursor = page.next;
    } while (cursor);
    // Everything the earlier tests did (reprocess ×2 with one key, since, redownload ×2, skip ×2, this one), newest first.
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect([...all].sort().reverse()).toEqual(all);
    expect((await app.inject({ url: `/api/operator-actions?customerId=${ids.a}`, headers: customerA })).statusCode).toBe(403);
  });

  it('shows an assignment’s timeline: assigned, upload task and its attempts, uploaded, the aircraft’s logs since, their tasks', async () => {
    const r = harness.db.repositories;
    const upload = createTaskMessage(TaskType.UPLOAD_PARTNER_JOB, { assignId: ids.assignA, customerId: ids.a, partnerCode: PartnerCode.SATLOC }, { taskId: `upload:${ids.assignA}:1`, createdAt: new Date() });
    await r.taskTrackers.start(upload, 1, 'worker-1', 60_000);
    await r.taskTrackers.recordFailure(upload.taskId, 'worker-1', 1, { action: 'retry', delayMs: 1000, category: 'partner-down', reason: 'SatLoc answered 503' });
    await r.taskTrackers.start(upload, 2, 'worker-2', 60_000);
    await r.jobAssigns.markUploaded(ids.a, ids.assignA, '90001');
    await r.taskTrackers.complete(upload.taskId, 'worker-2');
    const log = await logOfA('FAILED_WITH_BYTES');
    const processing = createTaskMessage(
      TaskType.PROCESS_PARTNER_DATA_FILE,
      { storedFileId: ids.jobA, contentHash: 'a'.repeat(64), partnerCode: PartnerCode.SATLOC, customerId: ids.a, trackerId: log.id, reason: 'reprocess' },
      { taskId: `reprocess:${log.id}:t`, createdAt: new Date() },
    );
    await r.taskTrackers.start(processing, 1, 'worker-1', 60_000);

    const response = await app.inject({ url: `/api/assignments/${ids.assignA}/timeline`, headers: customerA });
    expect(response.statusCode, response.body).toBe(200);
    const timeline = response.json() as {
      uploadTasks: { taskId: string; state: string; attempt: number }[];
      logs: { tracker: { id: string }; matched: boolean; tasks: { taskId: string }[] }[];
      events: { step: string; taskId?: string; trackerId?: string; detail?: string }[];
    };
    expect(timeline.uploadTasks).toEqual([expect.objectContaining({ taskId: upload.taskId, state: 'COMPLETED', attempt: 2 })]);
    const mine = timeline.logs.find((l) => l.tracker.id === log.id);
    expect(mine).toMatchObject({ matched: false, tasks: [{ taskId: processing.taskId }] });
    const steps = timeline.events.map((e) => e.step);
    for (const step of ['assigned', 'upload_task', 'uploaded', 'log_listed', 'log_downloaded', 'processing_task', 'log_failed']) expect(steps).toContain(step);
    expect(steps.indexOf('assigned')).toBeLessThan(steps.indexOf('uploaded'));
    expect(timeline.events.find((e) => e.step === 'log_failed' && e.trackerId === log.id)?.detail).toMatch(/data-format: decoder could not read record 12/);
    expect(timeline.events.find((e) => e.step === 'uploaded')?.detail).toBe('partner job 90001');

    expect((await app.inject({ url: `/api/assignments/${ids.assignA}/timeline`, headers: customerB })).statusCode).toBe(404);
    expect((await app.inject({ url: `/api/assignments/${'b'.repeat(24)}/timeline`, headers: admin })).statusCode).toBe(404);
  });
});
