import { randomBytes } from 'node:crypto';
import { AssignStatus, COVERAGE_LAYERS, MAX_FIELD_POSITIONS, PartnerCode, TaskType, createTaskMessage, type JobCreate, type Polygon } from '@agair/domain-models';
import type { TaskQueueTopology } from '@agair/messaging';
import type { SatlocSimulator } from '@agair/partner-sdk/simulator';
import { RetentionSweeper, refreshJobApplicationRecord, retentionPolicy, type Database } from '@agair/runtime';
import { computeApplicationStatistics, decodeFlightLogBuffer, fieldShapes, packCoverageLayers, simulateFlight } from '@agair/satloc-parser';
import { Role, loadConfig, type ChannelWrapper, type HttpApp, type Redis } from '@agair/service-kit';
import { uniqueName, waitFor, type LogCapture } from '@agair/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobBody, square, startAssignApiHarness, type AssignApiHarness } from '../test/assign-api.harness.js';
import { buildApp } from './app.js';
import { AssignApiConfig } from './config.js';

let harness: AssignApiHarness;
const token = (sub: string, role: Role, customerId?: string) => harness.bearer(sub, role, customerId);

/** `printRoutes` tree → [method, path] of every route. */
function routesOf(app: HttpApp): [string, string][] {
  const out: [string, string][] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    const path = stack.join('');
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean)) out.push([method, path]);
  }
  return out;
}

describe('assign-api against FerretDB, RabbitMQ, Redis and the SatLoc simulator', () => {
  let app: HttpApp;
  let sim: SatlocSimulator;
  let logs: LogCapture;
  let db: Database;
  let redis: Redis;
  let channel: ChannelWrapper;
  let topology: TaskQueueTopology;
  let config: AssignApiConfig;

  const ids = { customerA: '', customerB: '', partner: '', internalPilot: '', satlocPilot: '', satlocPilot2: '', pilotB: '', inactivePilot: '', systemUser: '' };
  let customerA: Record<string, string>;
  let customerB: Record<string, string>;
  let admin: Record<string, string>;
  let service: Record<string, string>;

  async function createJob(headers: Record<string, string>, customerId: string, name: string): Promise<string> {
    const response = await app.inject({ method: 'POST', url: '/api/jobs', headers, payload: jobBody(customerId, name) });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id as string;
  }

  async function queuedTasks(): Promise<{ body: { type: string; payload: Record<string, string> }; headers: Record<string, unknown> }[]> {
    const out = [];
    for (;;) {
      const message = await channel.get(topology.main, { noAck: true });
      if (!message) return out;
      out.push({ body: JSON.parse(message.content.toString('utf8')), headers: message.properties.headers ?? {} });
    }
  }

  async function resetPartnerState(): Promise<void> {
    sim.faults.clear();
    const keys = await redis.keys(`${config.PARTNER_STATE_KEY_PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
  }

  beforeAll(async () => {
    harness = await startAssignApiHarness({
      runPrefix: 'it_assign',
      simInitial: {
        companies: [{ companyId: 'c1', name: 'Prairie Ag Air' }],
        users: [{ username: 'prairie-api', password: 'sim-secret-pw-9', companyId: 'c1' }],
        aircraft: [
          { aircraftId: '101', companyId: 'c1', tailNumber: 'N101PA', name: 'AT-802 #1' },
          { aircraftId: '102', companyId: 'c1', tailNumber: 'N102PA', name: 'AT-802 #2' },
        ],
      },
      env: { IDEMPOTENCY_WAIT_MS: '10000' },
      logLevel: 'info',
    });
    ({ app, sim, logs, db, redis, channel, topology, config } = harness);
    admin = token('ops', Role.ADMIN);
    service = token('export-client', Role.SERVICE);

    const r = db.repositories;
    ids.customerA = (await r.customers.create({ name: 'Prairie Ag Air', partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] })).id;
    ids.customerB = (await r.customers.create({ name: 'Other Flying Co', partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] })).id;
    ids.partner = (
      await r.partners.create({ code: PartnerCode.SATLOC, name: 'SatLoc', baseUrl: sim.baseUrl, capabilities: ['job_upload', 'log_download', 'aircraft_list', 'health_check'] })
    ).id;
    ids.internalPilot = await harness.createUser('pilot-internal', ids.customerA);
    ids.satlocPilot = await harness.createUser('pilot-satloc', ids.customerA, '101');
    ids.satlocPilot2 = await harness.createUser('pilot-satloc-2', ids.customerA, '102');
    ids.pilotB = await harness.createUser('pilot-b', ids.customerB);
    ids.inactivePilot = await harness.createUser('pilot-gone', ids.customerA);
    await r.internalUsers.deactivate(ids.inactivePilot);
    ids.systemUser = (
      await r.partnerSystemUsers.create({ partnerId: ids.partner, customerId: ids.customerA, username: 'prairie-api', password: 'sim-secret-pw-9', partnerCode: PartnerCode.SATLOC })
    ).id;
    customerA = token('alice', Role.CUSTOMER, ids.customerA);
    customerB = token('bob', Role.CUSTOMER, ids.customerB);
  });

  afterEach(async () => {
    await resetPartnerState();
  });

  afterAll(async () => {
    await harness?.close();
  });

  describe('OpenAPI document', () => {
    it('covers every route with tags, a success response schema, error responses and security', async () => {
      const document = (await app.inject('/documentation/json')).json() as {
        paths: Record<string, Record<string, { tags?: string[]; security?: unknown[]; responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
      };
      const routes = routesOf(app).filter(([method, path]) => method !== 'HEAD' && !path.startsWith('/documentation'));
      expect(routes.length).toBe(22); // 19 API routes + health/live, health/ready, metrics
      for (const [method, path] of routes) {
        const operation = document.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
        expect(operation, `${method} ${path} in the OpenAPI document`).toBeDefined();
        expect(operation?.tags?.length, `${method} ${path} tags`).toBeGreaterThan(0);
        const success = operation?.responses?.['200'] ?? operation?.responses?.['201'] ?? operation?.responses?.['202'];
        expect(Object.values(success?.content ?? {})[0]?.schema, `${method} ${path} success schema`).toBeDefined();
        if (path.startsWith('/api/')) {
          expect(operation?.security, `${method} ${path} security`).toEqual([{ bearerAuth: [] }]);
          for (const status of ['400', '401', '404']) {
            if (status === '404' && path === '/api/jobs') continue;
            if (status === '404' && path === '/api/export/newJobs') continue;
            if (status === '404' && (path === '/api/logs' || path === '/api/operator-actions')) continue;
            expect(operation?.responses?.[status], `${method} ${path} declares ${status}`).toBeDefined();
          }
        }
      }
      const listed = routes.map(([m, p]) => `${m} ${p}`);
      for (const expected of [
        'POST /api/jobs',
        'GET /api/jobs',
        'GET /api/jobs/:jobId',
        'POST /api/jobs/:jobId/assign',
        'POST /api/jobs/assign',
        'GET /api/export/newJobs',
        'POST /api/export/downloadJob',
        'GET /api/jobs/:jobId/applications',
        'GET /api/jobs/:jobId/coverage',
        'GET /api/logs',
        'POST /api/logs/:trackerId/reprocess',
        'POST /api/jobs/:jobId/reprocess',
        'POST /api/logs/reprocess',
        'POST /api/logs/:trackerId/redownload',
        'POST /api/logs/:trackerId/skip',
        'POST /api/logs/upload',
        'POST /api/logs/:trackerId/match',
        'GET /api/operator-actions',
        'GET /api/assignments/:assignId/timeline',
      ]) {
        expect(listed).toContain(expected);
      }
    });

    it('serves health, metrics and docs without a token', async () => {
      expect((await app.inject('/health/live')).statusCode).toBe(200);
      expect((await app.inject('/metrics')).statusCode).toBe(200);
      expect((await app.inject('/documentation/json')).statusCode).toBe(200);
    });
  });

  describe('jobs', () => {
    it('creates a job for the caller and reads it back; another customer gets 404', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'North 40');
      const own = await app.inject({ url: `/api/jobs/${jobId}`, headers: customerA });
      expect(own.json()).toMatchObject({ id: jobId, customerId: ids.customerA, name: 'North 40', exclusions: [expect.objectContaining({ type: 'Polygon' })] });
      expect((await app.inject({ url: `/api/jobs/${jobId}`, headers: customerB })).statusCode).toBe(404);
      expect((await app.inject({ url: `/api/jobs/${jobId}`, headers: admin })).json()).toMatchObject({ id: jobId });
      expect((await app.inject({ url: `/api/jobs/${jobId}`, headers: service })).statusCode).toBe(200);
      expect((await app.inject({ url: '/api/jobs/aaaaaaaaaaaaaaaaaaaaaaaa', headers: customerA })).statusCode).toBe(404);
      expect((await app.inject({ url: '/api/jobs/not-an-id', headers: customerA })).statusCode).toBe(400);
      expect((await app.inject({ url: `/api/jobs/${jobId}` })).statusCode).toBe(401);
    });

    it('lists only the caller’s jobs; admin must name the customer', async () => {
      await createJob(admin, ids.customerB, 'B field');
      const listA = (await app.inject({ url: '/api/jobs', headers: customerA })).json() as { jobs: { customerId: string }[] };
      expect(listA.jobs.length).toBeGreaterThan(0);
      expect(listA.jobs.every((j) => j.customerId === ids.customerA)).toBe(true);
      // A customer naming another customer still gets its own list.
      const probing = (await app.inject({ url: `/api/jobs?customerId=${ids.customerB}`, headers: customerA })).json() as { customerId: string };
      expect(probing.customerId).toBe(ids.customerA);
      expect((await app.inject({ url: '/api/jobs', headers: admin })).statusCode).toBe(400);
      const listB = (await app.inject({ url: `/api/jobs?customerId=${ids.customerB}`, headers: admin })).json() as { jobs: { name: string }[] };
      expect(listB.jobs.map((j) => j.name)).toEqual(['B field']);
      expect((await app.inject({ url: '/api/jobs?limit=1000', headers: customerA })).statusCode).toBe(400);
      expect((await app.inject({ url: '/api/jobs?extra=1', headers: customerA })).statusCode).toBe(400);
      expect((await app.inject({ url: '/api/jobs' })).statusCode).toBe(401);
    });

    it('takes a job as large as its schema allows, while a route for ids refuses a big body before reading it (413)', async () => {
      // A circle of MAX_FIELD_POSITIONS positions written at full precision: ~200 KB of JSON.
      const n = MAX_FIELD_POSITIONS - 1;
      const ring = Array.from({ length: n }, (_, i): [number, number] => [-97.3 + 0.01 * Math.cos((2 * Math.PI * i) / n) + 1e-15, 38.3 + 0.01 * Math.sin((2 * Math.PI * i) / n) + 1e-15]);
      const boundary: Polygon = { type: 'Polygon', coordinates: [[...ring, ring[0] as [number, number]]] };
      const big = JSON.stringify({ customerId: ids.customerA, name: 'Round field', boundary, productName: 'p', targetRateLPerHa: 10, units: 'metric' });
      expect(big.length).toBeGreaterThan(150_000);
      const created = await app.inject({ method: 'POST', url: '/api/jobs', headers: { ...customerA, 'content-type': 'application/json' }, payload: big });
      expect(created.statusCode, created.body.slice(0, 300)).toBe(201);

      const padded = JSON.stringify({ asUsers: [{ uid: 'a'.repeat(24) }], pad: 'x'.repeat(70 * 1024) });
      const export_ = await app.inject({ method: 'POST', url: '/api/export/downloadJob', headers: { ...customerA, 'content-type': 'application/json' }, payload: padded });
      expect(export_.statusCode).toBe(413);
      expect((await app.inject({ method: 'POST', url: '/api/jobs', headers: { ...customerA, 'content-type': 'application/json' }, payload: 'x'.repeat(1024 * 1024 + 1) })).statusCode).toBe(413);
    });

    it('refuses bad bodies (400 naming the geometry problem), other roles (403) and other customers (404)', async () => {
      const good: JobCreate = { customerId: ids.customerA, name: 'x', boundary: square(0, 0), productName: 'p', targetRateLPerHa: 10, units: 'metric' };
      const post = (headers: Record<string, string>, payload: unknown) => app.inject({ method: 'POST', url: '/api/jobs', headers, payload: payload as object });
      const unclosed = await post(customerA, { ...good, boundary: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] } });
      expect(unclosed.statusCode).toBe(400);
      expect(unclosed.json().message).toMatch(/\/boundary\/coordinates\/0: ring is not closed/);
      const exclusion = await post(customerA, { ...good, exclusions: [{ type: 'Polygon', coordinates: [[[0, 0], [0, 0], [0, 0], [0, 0]]] }] });
      expect(exclusion.json().message).toMatch(/\/exclusions\/0\/coordinates\/0: ring has 1 distinct/);
      expect((await post(customerA, { ...good, targetRateLPerHa: 'lots' })).statusCode).toBe(400);
      expect((await post(customerA, { ...good, colour: 'red' })).statusCode).toBe(400);
      expect((await post(customerA, { ...good, name: 'n'.repeat(201) })).statusCode).toBe(400);
      expect((await post(customerA, { ...good, boundary: { type: 'Point', coordinates: [0, 0] } })).statusCode).toBe(400);
      expect((await post({}, good)).statusCode).toBe(401);
      expect((await post(service, good)).statusCode).toBe(403);
      expect((await post(customerB, good)).statusCode).toBe(404);
      expect((await post(admin, { ...good, customerId: 'bbbbbbbbbbbbbbbbbbbbbbbb' })).statusCode).toBe(404);
    });

    it('refuses a field that would be costly or meaningless to process: 400 naming the problem, nothing stored', async () => {
      const post = (payload: JobCreate) => app.inject({ method: 'POST', url: '/api/jobs', headers: customerA, payload });
      const body = (name: string, boundary: JobCreate['boundary'], exclusions: JobCreate['exclusions'] = []): JobCreate => ({
        ...jobBody(ids.customerA, name),
        boundary,
        exclusions,
      });
      const refused = async (payload: JobCreate, pattern: RegExp) => {
        const response = await post(payload);
        expect(response.statusCode, response.body).toBe(400);
        const error = response.json() as { message: string; details: { problems: string[] } };
        expect(error.details.problems).toEqual([expect.stringMatching(pattern)]);
        expect(error.message).toBe(`Invalid geometry: ${error.details.problems[0]}`);
      };

      const bowTie: [number, number][] = [[-97.5, 38.5], [-97.49, 38.51], [-97.49, 38.5], [-97.5, 38.51], [-97.5, 38.5]];
      await refused(body('bow tie', { type: 'Polygon', coordinates: [bowTie] }), /^\/boundary\/coordinates\/0: ring is self-intersecting: edges cross at \[-97\.495, 38\.505\]/);

      // 9,999 vertices of a 400 m circle and the closing position: within the schema's ring limit, over the field cap.
      const circle = Array.from({ length: 9_999 }, (_, i): [number, number] => {
        const angle = (2 * Math.PI * i) / 9_999;
        return [-97.5 + 0.0046 * Math.cos(angle), 38.5 + 0.0036 * Math.sin(angle)];
      });
      await refused(body('huge ring', { type: 'Polygon', coordinates: [[...circle, circle[0]]] }), /^\/: boundary and exclusions have 10000 positions together; at most 5000 are allowed$/);

      const field = square(-97.5, 38.5);
      await refused(body('exclusion outside', field, [square(-97.48, 38.5, 0.002)]), /^\/exclusions\/0: exclusion lies outside the boundary$/);
      await refused(body('exclusion across', field, [square(-97.491, 38.505, 0.002)]), /^\/exclusions\/0: exclusion crosses the boundary/);
      await refused(body('tiny', square(-97.5, 38.5, 0.00001)), /^\/boundary: the field area \(boundary minus exclusions\) is \d+(\.\d)? m²; at least 100 m² is needed$/);

      const listed = (await app.inject({ url: '/api/jobs?limit=100', headers: customerA })).json() as { jobs: { name: string }[] };
      expect(listed.jobs.filter((j) => ['bow tie', 'huge ring', 'exclusion outside', 'exclusion across', 'tiny'].includes(j.name))).toEqual([]);
    });
  });

  describe('assign', () => {
    it('uploads at once to a healthy partner (UPLOADED, extJobId) and keeps internal users NEW', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Healthy upload');
      const response = await app.inject({
        method: 'POST',
        url: `/api/jobs/${jobId}/assign`,
        headers: customerA,
        payload: { dlOp: { type: 1 }, asUsers: [{ uid: ids.satlocPilot, notes: 'east side first' }, { uid: ids.internalPilot }] },
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ ok: true, jobId, errors: [], unassigned: [] });
      const satloc = body.assignments.find((a: { userId: string }) => a.userId === ids.satlocPilot);
      expect(satloc).toMatchObject({ partnerCode: 'SATLOC', syncStatus: 'synced', status: 'UPLOADED', created: true });
      expect(satloc.externalJobId).toEqual(expect.any(String));
      expect(body.assignments.find((a: { userId: string }) => a.userId === ids.internalPilot)).toMatchObject({
        partnerCode: null,
        syncStatus: 'not_applicable',
        status: 'NEW',
        externalJobId: null,
      });

      const stored = await db.repositories.jobAssigns.findById(ids.customerA, satloc.assignId);
      expect(stored).toMatchObject({ status: AssignStatus.UPLOADED, extJobId: satloc.externalJobId, notes: 'east side first' });
      const simJob = [...sim.state.jobs.values()].find((j) => j.aircraftId === '101' && j.job.name === 'Healthy upload');
      expect(simJob?.jobText).toMatch(/^\.JOB \d+ Healthy upload/);
      expect(await queuedTasks()).toEqual([]);

      const metrics = (await app.inject('/metrics')).body;
      expect(metrics).toMatch(/agair_assignments_total\{[^}]*partner_code="SATLOC"[^}]*outcome="synced"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/agair_assignments_total\{[^}]*partner_code="none"[^}]*outcome="internal"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/agair_assign_to_uploaded_seconds_count\{[^}]*partner_code="SATLOC"[^}]*\} [1-9]/);

      const uploaded = logs.records().find((l) => l['msg'] === 'job uploaded to the partner' && l['assignId'] === satloc.assignId);
      expect(uploaded).toMatchObject({ customerId: ids.customerA, partnerCode: 'SATLOC', extJobId: satloc.externalJobId });
      expect(logs.text).not.toContain('sim-secret-pw-9');
    });

    /** Switches the registry's permission off, returning what switches it on again. */
    async function inactivePartner(): Promise<() => Promise<unknown>> {
      const partner = await db.repositories.partners.findByCode(PartnerCode.SATLOC);
      if (!partner) throw new Error('expected the SatLoc partner');
      await db.repositories.partners.deactivate(partner.id);
      return () => db.repositories.partners.update(partner.id, { active: true });
    }
    async function unsubscribedCustomer(): Promise<() => Promise<unknown>> {
      await db.repositories.customers.update(ids.customerA, { partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: false }] });
      return () => db.repositories.customers.update(ids.customerA, { partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] });
    }

    it.each([
      ['an inactive partner', inactivePartner, 'PARTNER_INACTIVE', /partner SATLOC is inactive/],
      ['a partner the customer has only an inactive subscription to', unsubscribedCustomer, 'PARTNER_NOT_SUBSCRIBED', /has no active SATLOC subscription/],
    ])('calls %s for nothing, health check included, and reports the upload failed with why', async (_case, switchOff, code, reason) => {
      const jobId = await createJob(customerA, ids.customerA, `Not enabled: ${code}`);
      const switchOn = await switchOff();
      try {
        const before = sim.state.requests.length;
        const response = await app.inject({ method: 'POST', url: `/api/jobs/${jobId}/assign`, headers: customerA, payload: { asUsers: [{ uid: ids.satlocPilot }] } });
        expect(response.statusCode).toBe(200);
        const body = response.json();
        expect(body.errors).toEqual([expect.objectContaining({ userId: ids.satlocPilot, code, message: expect.stringMatching(reason) })]);
        expect(body.assignments[0]).toMatchObject({ syncStatus: 'failed', status: 'NEW' });
        expect(sim.state.requests.length - before, 'requests to the partner').toBe(0);
        expect(await queuedTasks()).toEqual([]);
        const stored = await db.repositories.jobAssigns.findById(ids.customerA, body.assignments[0].assignId);
        expect(stored?.upload.lastError).toMatch(reason);
      } finally {
        await switchOn();
      }
    });

    it('queues UPLOAD_PARTNER_JOB on partner_tasks when the simulator is down', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Partner down');
      sim.faults.set('*', { failure: { kind: 'down' } });
      const response = await app.inject({ method: 'POST', url: '/api/jobs/assign', headers: customerA, payload: { jobId, asUsers: [{ uid: ids.satlocPilot }] } });
      expect(response.statusCode, response.body).toBe(200);
      const [assignment] = response.json().assignments;
      expect(assignment).toMatchObject({ userId: ids.satlocPilot, partnerCode: 'SATLOC', syncStatus: 'queued', status: 'NEW', externalJobId: null });
      const tasks = await waitFor(async () => {
        const found = await queuedTasks();
        return found.length > 0 ? found : undefined;
      });
      expect(tasks).toHaveLength(1);
      expect(tasks[0]?.body).toMatchObject({ type: 'UPLOAD_PARTNER_JOB', payload: { assignId: assignment.assignId, customerId: ids.customerA, partnerCode: 'SATLOC' } });
      expect(tasks[0]?.headers).toMatchObject({ 'x-task-type': 'UPLOAD_PARTNER_JOB', 'x-partner-code': 'SATLOC', 'x-attempt': 1 });
      expect(await db.repositories.jobAssigns.findById(ids.customerA, assignment.assignId)).toMatchObject({ status: AssignStatus.NEW, upload: { syncStatus: 'queued' } });
      expect((await app.inject('/metrics')).body).toMatch(/agair_assignments_total\{[^}]*partner_code="SATLOC"[^}]*outcome="queued"[^}]*\} [1-9]/);
    });

    it('queues an upload slower than the budget without waiting for it; the late upload still lands', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Slow partner');
      sim.faults.set('UploadJobData', { latencyMs: 4000 });
      const response = await app.inject({ method: 'POST', url: `/api/jobs/${jobId}/assign`, headers: customerA, payload: { asUsers: [{ uid: ids.satlocPilot2 }] } });
      const [assignment] = response.json().assignments;
      expect(assignment).toMatchObject({ syncStatus: 'queued', status: 'NEW' });
      expect((await queuedTasks()).map((t) => t.body.payload['assignId'])).toEqual([assignment.assignId]);
      const late = await waitFor(async () => {
        const a = await db.repositories.jobAssigns.findById(ids.customerA, assignment.assignId);
        return a?.status === AssignStatus.UPLOADED ? a : undefined;
      });
      expect(late.extJobId).toEqual(expect.any(String));
    });

    it('reports each user: unknown and deactivated users are errors, the others are still assigned', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Mixed users');
      const response = await app.inject({
        method: 'POST',
        url: `/api/jobs/${jobId}/assign`,
        headers: customerA,
        payload: { asUsers: [{ uid: ids.internalPilot }, { uid: 'cccccccccccccccccccccccc' }, { uid: ids.inactivePilot }, { uid: ids.pilotB }] },
      });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.ok).toBe(false);
      expect(body.assignments.map((a: { userId: string }) => a.userId)).toEqual([ids.internalPilot]);
      expect(body.errors).toEqual([
        expect.objectContaining({ userId: 'cccccccccccccccccccccccc', code: 'USER_NOT_FOUND' }),
        expect.objectContaining({ userId: ids.inactivePilot, code: 'USER_INACTIVE' }),
        // Another customer's pilot is simply unknown here.
        expect.objectContaining({ userId: ids.pilotB, code: 'USER_NOT_FOUND' }),
      ]);
    });

    it('unassigns NEW assignments and keeps uploaded ones', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Unassign');
      await app.inject({ method: 'POST', url: `/api/jobs/${jobId}/assign`, headers: customerA, payload: { asUsers: [{ uid: ids.internalPilot }, { uid: ids.satlocPilot }] } });
      const response = await app.inject({
        method: 'POST',
        url: `/api/jobs/${jobId}/assign`,
        headers: customerA,
        payload: { avUsers: [{ uid: ids.internalPilot }, { uid: ids.satlocPilot }, { uid: ids.satlocPilot2 }] },
      });
      const body = response.json();
      expect(body.unassigned).toEqual([ids.internalPilot]);
      expect(body.errors.map((e: { userId: string; code: string }) => [e.userId, e.code])).toEqual([
        [ids.satlocPilot, 'ALREADY_UPLOADED'],
        [ids.satlocPilot2, 'NOT_ASSIGNED'],
      ]);
      const left = await db.repositories.jobAssigns.listByJob(ids.customerA, jobId);
      expect(left.map((a) => a.userId)).toEqual([ids.satlocPilot]);
    });

    it('refuses to unassign while the job is being sent to the aircraft, and keeps the assignment', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Unassign mid-upload');
      sim.faults.set('UploadJobData', { latencyMs: 1500 });
      const assigning = app.inject({ method: 'POST', url: `/api/jobs/${jobId}/assign`, headers: customerA, payload: { asUsers: [{ uid: ids.satlocPilot2 }] } });
      const inFlight = await waitFor(async () => {
        const [a] = await db.repositories.jobAssigns.listByJob(ids.customerA, jobId);
        return a && (await db.repositories.jobAssigns.uploadClaimedUntil(ids.customerA, a.id)) ? a : undefined;
      });
      const response = await app.inject({ method: 'POST', url: `/api/jobs/${jobId}/assign`, headers: customerA, payload: { avUsers: [{ uid: ids.satlocPilot2 }] } });
      expect(response.json().errors.map((e: { code: string }) => e.code)).toEqual(['UPLOAD_IN_PROGRESS']);
      expect((await assigning).json().assignments[0]).toMatchObject({ assignId: inFlight.id, syncStatus: 'synced' });
      expect((await db.repositories.jobAssigns.listByJob(ids.customerA, jobId)).map((a) => a.status)).toEqual([AssignStatus.UPLOADED]);
    });

    it('refuses a partner system user id with a 400 naming it, and bad bodies', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Bad bodies');
      const post = (payload: unknown, url = `/api/jobs/${jobId}/assign`) => app.inject({ method: 'POST', url, headers: customerA, payload: payload as object });
      const systemUser = await post({ asUsers: [{ uid: ids.internalPilot }, { uid: ids.systemUser }] });
      expect(systemUser.statusCode).toBe(400);
      expect(systemUser.json().message).toContain(ids.systemUser);
      expect(systemUser.json().message).toMatch(/partner system user/);
      expect(await db.repositories.jobAssigns.listByJob(ids.customerA, jobId)).toEqual([]);
      expect((await post({ asUsers: 'everyone' })).statusCode).toBe(400);
      expect((await post({ asUsers: [{ uid: 42 }] })).statusCode).toBe(400);
      expect((await post({ asUsers: [{ uid: ids.internalPilot, priority: 'high' }] })).statusCode).toBe(400);
      expect((await post({ asUsers: [], everyone: true })).statusCode).toBe(400);
      expect((await post({ asUsers: [{ uid: ids.internalPilot, notes: 'n'.repeat(2001) }] })).statusCode).toBe(400);
      expect((await post({ asUsers: Array.from({ length: 101 }, () => ({ uid: ids.internalPilot })) })).statusCode).toBe(400);
      expect((await post({})).statusCode).toBe(400);
      expect((await post({ asUsers: [{ uid: ids.internalPilot }], avUsers: [{ uid: ids.internalPilot }] })).statusCode).toBe(400);
      expect((await post({ asUsers: [{ uid: ids.internalPilot }] }, '/api/jobs/assign')).statusCode).toBe(400); // no jobId
    });

    it('answers 401 without a token, 403 for the service role, 404 for a missing or another customer’s job', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Auth');
      const payload = { asUsers: [{ uid: ids.internalPilot }] };
      expect((await app.inject({ method: 'POST', url: `/api/jobs/${jobId}/assign`, payload })).statusCode).toBe(401);
      expect((await app.inject({ method: 'POST', url: '/api/jobs/assign', payload: { jobId, ...payload } })).statusCode).toBe(401);
      expect((await app.inject({ method: 'POST', url: `/api/jobs/${jobId}/assign`, headers: service, payload })).statusCode).toBe(403);
      expect((await app.inject({ method: 'POST', url: '/api/jobs/assign', headers: service, payload: { jobId, ...payload } })).statusCode).toBe(403);
      expect((await app.inject({ method: 'POST', url: `/api/jobs/${jobId}/assign`, headers: customerB, payload: { asUsers: [{ uid: ids.pilotB }] } })).statusCode).toBe(404);
      expect((await app.inject({ method: 'POST', url: '/api/jobs/assign', headers: customerB, payload: { jobId, asUsers: [{ uid: ids.pilotB }] } })).statusCode).toBe(404);
      expect((await app.inject({ method: 'POST', url: '/api/jobs/dddddddddddddddddddddddd/assign', headers: customerA, payload })).statusCode).toBe(404);
      expect(await db.repositories.jobAssigns.listByJob(ids.customerA, jobId)).toEqual([]);
      // An admin reaches any customer's job by id.
      const byAdmin = await app.inject({ method: 'POST', url: `/api/jobs/${jobId}/assign`, headers: admin, payload });
      expect(byAdmin.json()).toMatchObject({ ok: true, assignments: [expect.objectContaining({ userId: ids.internalPilot })] });
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the first response to a repeat and uploads once', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Idempotent');
      const before = sim.state.jobs.size;
      const key = uniqueName('assign-42');
      const request = { method: 'POST' as const, url: `/api/jobs/${jobId}/assign`, headers: { ...customerA, 'idempotency-key': key }, payload: { asUsers: [{ uid: ids.satlocPilot }] } };
      const first = await app.inject(request);
      const second = await app.inject(request);
      expect(second.statusCode).toBe(200);
      expect(second.json()).toEqual(first.json());
      expect(first.json().assignments[0].created).toBe(true);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(sim.state.jobs.size).toBe(before + 1);
      expect(await db.repositories.jobAssigns.listByJob(ids.customerA, jobId)).toHaveLength(1);

      const reused = await app.inject({ ...request, payload: { asUsers: [{ uid: ids.internalPilot }] } });
      expect(reused.statusCode).toBe(422);
      expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
      // Keys belong to a caller: another caller's same key is a new request.
      const otherCaller = await app.inject({ ...request, headers: { ...token(uniqueName('alice'), Role.CUSTOMER, ids.customerA), 'idempotency-key': key } });
      expect(otherCaller.headers['idempotent-replayed']).toBeUndefined();
      expect(otherCaller.json().assignments[0].created).toBe(false);
    });

    it('makes a concurrent duplicate wait for the first and reuse its response', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Concurrent');
      const before = sim.state.jobs.size;
      sim.faults.set('UploadJobData', { latencyMs: 600 });
      const request = { method: 'POST' as const, url: '/api/jobs/assign', headers: { ...customerA, 'idempotency-key': uniqueName('concurrent') }, payload: { jobId, asUsers: [{ uid: ids.satlocPilot2 }] } };
      const [a, b] = await Promise.all([app.inject(request), app.inject(request)]);
      expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
      expect(a.json()).toEqual(b.json());
      expect([a.headers['idempotent-replayed'], b.headers['idempotent-replayed']].filter(Boolean)).toEqual(['true']);
      expect(sim.state.jobs.size).toBe(before + 1);
    });

    it('sends the job to the partner once when 20 identical assign requests arrive together, without a key', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Twenty at once');
      const before = sim.state.jobs.size;
      // Slow enough that every request reaches the upload while the first is still sending.
      sim.faults.set('UploadJobData', { latencyMs: 600 });
      const request = { method: 'POST' as const, url: '/api/jobs/assign', headers: customerA, payload: { jobId, asUsers: [{ uid: ids.satlocPilot2 }] } };
      const responses = await Promise.all(Array.from({ length: 20 }, () => app.inject(request)));
      expect(responses.map((r) => r.statusCode)).toEqual(Array.from({ length: 20 }, () => 200));
      const assignIds = new Set(responses.map((r) => r.json().assignments[0].assignId as string));
      expect(assignIds.size).toBe(1);
      const [assignId] = [...assignIds] as [string];
      const uploaded = await waitFor(async () => {
        const a = await db.repositories.jobAssigns.findById(ids.customerA, assignId);
        return a?.status === AssignStatus.UPLOADED ? a : undefined;
      });
      expect(uploaded.upload.attempts).toBe(1);
      expect(sim.state.jobs.size - before, 'jobs the partner received').toBe(1);
      // The others were queued behind the upload (a worker would find it done); nothing else reached the partner.
      const queued = await queuedTasks();
      expect(queued.every((t) => t.body.payload['assignId'] === assignId)).toBe(true);
      expect(responses.filter((r) => r.json().assignments[0].syncStatus === 'synced').length + queued.length).toBeGreaterThanOrEqual(20);
    });

    it('refuses malformed keys', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Bad key');
      const send = (key: string) =>
        app.inject({ method: 'POST', url: `/api/jobs/${jobId}/assign`, headers: { ...customerA, 'idempotency-key': key }, payload: { asUsers: [{ uid: ids.internalPilot }] } });
      expect((await send('k'.repeat(201))).statusCode).toBe(400);
      expect((await send(' padded ')).statusCode).toBe(400);
    });
  });

  describe('export', () => {
    it('lists new jobs grouped internal / partners and downloads them, marking internal assignments DOWNLOADED', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Export me');
      await app.inject({ method: 'POST', url: `/api/jobs/${jobId}/assign`, headers: customerA, payload: { asUsers: [{ uid: ids.internalPilot }, { uid: ids.satlocPilot }] } });
      const listed = (await app.inject({ url: '/api/export/newJobs', headers: customerA })).json();
      expect(listed.internal).toContainEqual(expect.objectContaining({ jobId, jobName: 'Export me', userId: ids.internalPilot, status: 'NEW', syncStatus: 'not_applicable' }));
      expect(listed.partners.satloc).toContainEqual(expect.objectContaining({ jobId, userId: ids.satlocPilot, status: 'UPLOADED', syncStatus: 'synced', externalJobId: expect.any(String) }));
      const forPilot = (await app.inject({ url: `/api/export/newJobs?userId=${ids.satlocPilot}`, headers: customerA })).json();
      expect(forPilot.internal).toEqual([]);

      const native = await app.inject({ method: 'POST', url: '/api/export/downloadJob', headers: customerA, payload: { jobId, partnerType: 'satloc', format: 'native' } });
      expect(native.statusCode).toBe(200);
      expect(native.headers['content-type']).toMatch(/^text\/plain/);
      expect(native.headers['content-disposition']).toMatch(/^attachment; filename="\d+\.JOB"$/);
      expect(native.body).toMatch(/^\.JOB \d+ Export me\r?\n\.VERSION 2/);
      expect(native.body).toMatch(/EXC/);
      expect(native.headers['x-assignments-downloaded']).toBe('1');

      const afterDownload = (await app.inject({ url: '/api/export/newJobs', headers: customerA })).json();
      expect(afterDownload.internal.map((j: { jobId: string }) => j.jobId)).not.toContain(jobId);
      const assigns = await db.repositories.jobAssigns.listByJob(ids.customerA, jobId);
      expect(assigns.find((a) => a.userId === ids.internalPilot)?.status).toBe(AssignStatus.DOWNLOADED);
      expect(assigns.find((a) => a.userId === ids.satlocPilot)?.status).toBe(AssignStatus.UPLOADED);

      const converted = await app.inject({ method: 'POST', url: '/api/export/downloadJob', headers: service, payload: { jobId, partnerType: 'SATLOC', format: 'converted' } });
      expect(converted.headers['content-type']).toMatch(/^application\/geo\+json/);
      expect(converted.json()).toMatchObject({ type: 'FeatureCollection', features: [expect.objectContaining({ properties: expect.objectContaining({ role: 'boundary' }) }), expect.anything()] });
      const internal = await app.inject({ method: 'POST', url: '/api/export/downloadJob', headers: admin, payload: { jobId, partnerType: 'internal' } });
      expect(internal.json()).toMatchObject({ id: jobId, name: 'Export me' });
    });

    it('refuses bad requests, missing tokens and other customers’ jobs', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Export guarded');
      const download = (headers: Record<string, string>, payload: unknown) => app.inject({ method: 'POST', url: '/api/export/downloadJob', headers, payload: payload as object });
      expect((await download(customerA, { jobId, partnerType: 'satloc', format: 'pdf' })).statusCode).toBe(400);
      expect((await download(customerA, { jobId, partnerType: 'satloc', extra: 1 })).statusCode).toBe(400);
      expect((await download(customerA, { jobId: 12, partnerType: 'satloc' })).statusCode).toBe(400);
      expect((await download({}, { jobId, partnerType: 'satloc' })).statusCode).toBe(401);
      expect((await download(customerB, { jobId, partnerType: 'satloc' })).statusCode).toBe(404);
      expect((await download(customerA, { jobId: 'eeeeeeeeeeeeeeeeeeeeeeee', partnerType: 'satloc' })).statusCode).toBe(404);
      expect((await download(customerA, { jobId, partnerType: 'agidronex', format: 'native' })).statusCode).toBe(501);
      expect((await app.inject({ url: '/api/export/newJobs' })).statusCode).toBe(401);
      expect((await app.inject({ url: '/api/export/newJobs', headers: service })).statusCode).toBe(400);
      expect((await app.inject({ url: `/api/export/newJobs?customerId=${ids.customerA}`, headers: service })).statusCode).toBe(200);
      expect((await app.inject({ url: '/api/export/newJobs?status=all', headers: customerA })).statusCode).toBe(400);
      const bInternal = (await app.inject({ url: '/api/export/newJobs', headers: customerB })).json();
      expect(bInternal.internal.map((j: { jobId: string }) => j.jobId)).not.toContain(jobId);
    });
  });

  describe('results', () => {
    /** A log's application record, as the sync-worker stores it. */
    async function saveLog(
      jobId: string,
      boundary: Parameters<typeof computeApplicationStatistics>[1]['boundary'],
      bytes: Uint8Array,
      log: { logId: string; storedFileId: string; contentHash: string; startedAt: string; trackerId?: string },
    ) {
      const statistics = await computeApplicationStatistics(decodeFlightLogBuffer(bytes).records, { boundary, includePassFootprints: false });
      return db.repositories.applicationRecords.saveProcessedLog(
        {
          partnerCode: PartnerCode.SATLOC,
          customerId: ids.customerA,
          trackerId: log.trackerId ?? null,
          logId: log.logId,
          aircraftId: '101',
          fileName: `${log.logId}.bin`,
          storedFileId: log.storedFileId,
          contentHash: log.contentHash,
          extJobId: 'SL-1',
          jobId,
          assignId: null,
          match: { method: 'job_id_in_header', confidence: 1 },
          decoder: { format: 'agair-log', version: '1' },
          records: { read: 100, skipped: 0, corrupt: 0 },
          processing: { stage: 'done', startedAt: log.startedAt, finishedAt: log.startedAt, durationMs: 1000 },
          summary: statistics.summary,
        },
        statistics.passes,
        { layers: packCoverageLayers(statistics.coverage), swaths: statistics.swaths },
      );
    }

    it('totals a job flown in two overlapping loads as one application: shared ground once, as overlap; skipped and all four layers', async () => {
      // 400 × 300 m, 20 lines of 20 m: load 1 flies lines 0–11, load 2 lines 10–19 (lines 10 and 11 twice).
      const plan = { boundaryM: fieldShapes.rectangle(400, 300), originLatDeg: 38.5, originLonDeg: -97.5, gpsNoiseM: 0.1 };
      const lines = Array.from({ length: 20 }, (_, i) => i);
      const loads = [
        simulateFlight({ ...plan, seed: 31, skipPassIndices: lines.filter((i) => i > 11), startTimeMs: Date.UTC(2024, 4, 2, 7, 0, 0) }),
        simulateFlight({ ...plan, seed: 32, skipPassIndices: lines.filter((i) => i < 10), startTimeMs: Date.UTC(2024, 4, 2, 9, 0, 0) }),
      ];
      const field = loads[0].field;
      const created = await app.inject({ method: 'POST', url: '/api/jobs', headers: customerA, payload: { ...jobBody(ids.customerA, 'Two loads'), boundary: field.boundary, exclusions: [] } });
      expect(created.statusCode, created.body).toBe(201);
      const jobId = created.json().id as string;
      for (const [n, load] of loads.entries()) {
        await saveLog(jobId, field.boundary, load.bytes, {
          logId: `LOAD-${n + 1}`,
          storedFileId: `ffffffffffffffffffffff0${n}`,
          contentHash: randomBytes(32).toString('hex'),
          startedAt: '2024-05-02T09:00:00.000Z',
        });
        await refreshJobApplicationRecord({ repositories: db.repositories }, ids.customerA, jobId);
      }

      const applications = await app.inject({ url: `/api/jobs/${jobId}/applications`, headers: customerA });
      expect(applications.statusCode).toBe(200);
      const body = applications.json();
      expect(body.files.map((f: { logId: string }) => f.logId)).toEqual(['LOAD-1', 'LOAD-2']);
      const [first, second] = body.files.map((f: { summary: { treatedAreaHa: number } }) => f.summary);
      const job = body.totals.summary;
      expect(body.totals).toMatchObject({ fileCount: 2, upToDate: true });
      // 12 ha field; lines 10 and 11 (2 × 20 m × 300 m = 1.2 ha) flown twice. The union counts
      // them once and as overlap; the per-log sum would count them twice.
      expect(job.fieldAreaHa).toBeCloseTo(12, 1);
      expect(first.treatedAreaHa + second.treatedAreaHa - job.treatedAreaHa).toBeCloseTo(1.2, 1);
      expect(job.overlapAreaHa).toBeGreaterThan(1.15);
      expect(job.overlapAreaHa).toBeLessThan(1.25 + first.overlapAreaHa + second.overlapAreaHa);
      expect(job.treatedAreaHa).toBeCloseTo(12, 1);
      expect(job.skippedAreaHa).toBeLessThan(0.1);
      expect(job.skippedPctOfField).toBeCloseTo((job.skippedAreaHa / job.fieldAreaHa) * 100, 1);
      expect(job.volumeAppliedL).toBeCloseTo(first.volumeAppliedL + second.volumeAppliedL, 3);
      expect(job.averageRateLPerHa).toBeCloseTo(30, 0);
      expect(job.startTime).toBe(first.startTime);
      expect(job.endTime).toBe(second.endTime);

      const coverage = await app.inject({ url: `/api/jobs/${jobId}/coverage`, headers: service });
      expect(coverage.statusCode).toBe(200);
      expect(coverage.headers['content-type']).toMatch(/^application\/geo\+json/);
      const collection = coverage.json();
      expect(collection.features.map((f: { properties: { layer: string } }) => f.properties.layer)).toEqual([...COVERAGE_LAYERS]);
      const overlap = collection.features.find((f: { properties: { layer: string } }) => f.properties.layer === 'overlap');
      expect(overlap.properties).toMatchObject({ scope: 'job', areaHa: job.overlapAreaHa, fileId: null });
      expect(overlap.geometry.coordinates.length).toBeGreaterThan(0);
      const withLogs = (await app.inject({ url: `/api/jobs/${jobId}/coverage?include=logs`, headers: customerA })).json();
      expect(withLogs.features).toHaveLength(12);
      expect(withLogs.features.filter((f: { properties: { scope: string } }) => f.properties.scope === 'log').map((f: { properties: { logId: string } }) => f.properties.logId)).toEqual([
        ...COVERAGE_LAYERS.map(() => 'LOAD-1'),
        ...COVERAGE_LAYERS.map(() => 'LOAD-2'),
      ]);
      expect((await app.inject({ url: `/api/jobs/${jobId}/coverage?include=everything`, headers: customerA })).statusCode).toBe(400);
    });

    it('keeps the application record readable after the retention sweep removed the raw log and the finished trackers', async () => {
      const load = simulateFlight({ boundaryM: fieldShapes.rectangle(300, 200), originLatDeg: 38.5, originLonDeg: -97.5, gpsNoiseM: 0.1, seed: 41 });
      const created = await app.inject({ method: 'POST', url: '/api/jobs', headers: customerA, payload: { ...jobBody(ids.customerA, 'Kept'), boundary: load.field.boundary, exclusions: [] } });
      expect(created.statusCode, created.body).toBe(201);
      const jobId = created.json().id as string;
      const r = db.repositories;
      const owner = 'it-retention';
      const logId = `RET-${randomBytes(4).toString('hex')}`;
      // The path a collected log takes: listed, downloaded into GridFS, processed under its trackers.
      const { tracker } = await r.partnerLogTrackers.upsertPending({ partnerCode: PartnerCode.SATLOC, customerId: ids.customerA, aircraftId: '101', logId, fileName: `${logId}.log` });
      await r.partnerLogTrackers.claimForDownload(tracker.id, owner, 60_000);
      const stored = await r.logFiles.store(load.bytes, { fileName: `${logId}.log`, partnerCode: PartnerCode.SATLOC, customerId: ids.customerA, logId });
      await r.partnerLogTrackers.markDownloaded(tracker.id, owner, stored);
      await r.partnerLogTrackers.claimForProcessing(tracker.id, owner, 60_000);
      const taskId = `process-${logId}`;
      const payload = { trackerId: tracker.id, partnerCode: PartnerCode.SATLOC, customerId: ids.customerA, aircraftId: '101', logId, storedFileId: stored.storedFileId, contentHash: stored.contentHash };
      await r.taskTrackers.start(createTaskMessage(TaskType.PROCESS_PARTNER_LOG, payload, { taskId, createdAt: new Date() }), 1, owner, 60_000);
      const saved = await saveLog(jobId, load.field.boundary, load.bytes, { logId, trackerId: tracker.id, storedFileId: stored.storedFileId, contentHash: stored.contentHash, startedAt: new Date().toISOString() });
      await refreshJobApplicationRecord({ repositories: r }, ids.customerA, jobId);
      await r.partnerLogTrackers.markProcessed(tracker.id, owner, { applicationFileId: saved.file.id });
      await r.taskTrackers.complete(taskId, owner);

      const read = async () => ({
        applications: (await app.inject({ url: `/api/jobs/${jobId}/applications`, headers: customerA })).json(),
        coverage: (await app.inject({ url: `/api/jobs/${jobId}/coverage?include=logs`, headers: customerA })).json(),
      });
      const before = await read();
      expect(before.applications.totals).toMatchObject({ fileCount: 1, upToDate: true });
      expect(before.coverage.features).toHaveLength(COVERAGE_LAYERS.length * 2);

      await new Promise((resolve) => setTimeout(resolve, 1100));
      const policy = retentionPolicy({
        RETENTION_RAW_LOGS: '1s',
        RETENTION_TASK_TRACKERS: '1s',
        RETENTION_POLL_RUNS: '1s',
        RETENTION_SYNC_REQUESTS: '1s',
        RETENTION_BATCH_PAUSE_MS: 0,
      });
      const report = await new RetentionSweeper(r, policy).sweep();
      expect(report.kinds.raw_logs.removed).toBeGreaterThanOrEqual(1);
      expect(await r.logFiles.findById(stored.storedFileId)).toBeNull();
      expect(await r.taskTrackers.findByTaskId(taskId)).toBeNull();
      expect(await r.partnerLogTrackers.findById(ids.customerA, tracker.id)).toMatchObject({ state: 'PROCESSED', storedFileId: null, applicationFileId: saved.file.id });

      expect(await read()).toEqual(before);
    });

    it('answers an empty result for an unflown job, 404 for other customers, 401 without a token, 400 for a bad id', async () => {
      const jobId = await createJob(customerA, ids.customerA, 'Not flown');
      expect((await app.inject({ url: `/api/jobs/${jobId}/applications`, headers: admin })).json()).toMatchObject({ files: [], totals: null });
      expect((await app.inject({ url: `/api/jobs/${jobId}/coverage`, headers: customerA })).json()).toEqual({ type: 'FeatureCollection', features: [] });
      for (const kind of ['applications', 'coverage']) {
        expect((await app.inject({ url: `/api/jobs/${jobId}/${kind}`, headers: customerB })).statusCode).toBe(404);
        expect((await app.inject({ url: `/api/jobs/ffffffffffffffffffffffff/${kind}`, headers: customerA })).statusCode).toBe(404);
        expect((await app.inject({ url: `/api/jobs/${jobId}/${kind}` })).statusCode).toBe(401);
        expect((await app.inject({ url: `/api/jobs/xyz/${kind}`, headers: customerA })).statusCode).toBe(400);
      }
    });
  });

  describe('rate limiting', () => {
    it('limits each caller separately, counted in Redis', async () => {
      const limited = await buildApp(loadConfig(AssignApiConfig, { ...harness.env, RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '60000' }), harness.silent);
      try {
        // Until its Redis connection is up, a new app counts in memory (degraded): wait for it, so all counts are in Redis.
        await waitFor(async () => ((await limited.inject('/health/ready')).json().status === 'ready' ? true : undefined), { what: 'the rate-limited app ready with Redis', timeoutMs: 30_000 });
        const first = token(uniqueName('ratelimited'), Role.CUSTOMER, ids.customerA);
        const second = token(uniqueName('ratelimited'), Role.CUSTOMER, ids.customerA);
        const statuses = [];
        for (let i = 0; i < 3; i += 1) statuses.push((await limited.inject({ url: '/api/jobs', headers: first })).statusCode);
        expect(statuses).toEqual([200, 200, 429]);
        const refused = await limited.inject({ url: '/api/jobs', headers: first });
        expect(refused.json().code).toBe('RATE_LIMITED');
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        expect((await limited.inject({ url: '/api/jobs', headers: second })).statusCode).toBe(200);
      } finally {
        await limited.close();
      }
    });
  });
});
