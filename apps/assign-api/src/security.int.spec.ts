import { randomBytes } from 'node:crypto';
import { PartnerCode } from '@agair/domain-models';
import type { TaskQueueTopology } from '@agair/messaging';
import type { SatlocSimulator } from '@agair/partner-sdk/simulator';
import type { Database } from '@agair/runtime';
import { Role, type ChannelWrapper, type HttpApp, type Redis } from '@agair/service-kit';
import { PRINCIPALS, authRow, multipartBody, serviceRouteRows, fuzzRoutes, invalidTokenHeaders, routeTable, runAuthMatrix, type AuthCase, type LogCapture, type PrincipalName, type RouteOperation, secretForms as forms } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobBody, startAssignApiHarness, type AssignApiHarness } from '../test/assign-api.harness.js';
import type { AssignApiConfig } from './config.js';

/*
 * Security evidence for assign-api: the authorization matrix over every served route, schema
 * fuzzing of every route, and the stored partner passwords (used by uploads) kept out of
 * responses, logs, metrics and the upload task messages.
 */

let harness: AssignApiHarness;
let jwtSecret: string;
const PASSWORD_A = 'Pr@irie p@ss/wörd&"q"=+%1';
const PASSWORD_B_WRONG = 'B0gus st0red p@ss&"b"=%2';

function bearer(sub: string, role: Role, customerId?: string): Record<string, string> {
  return harness.bearer(sub, role, customerId);
}

describe('assign-api security', () => {
  const responses: string[] = [];
  let sim: SatlocSimulator;
  let app: HttpApp;
  let config: AssignApiConfig;
  let logs: LogCapture;
  let db: Database;
  let redis: Redis;
  let channel: ChannelWrapper;
  let topology: TaskQueueTopology;
  let routes: RouteOperation[];
  let headersOf: Record<PrincipalName, Record<string, string>>;
  const ids = { a: '', b: '', partner: '', internalPilotA: '', satlocPilotA: '', satlocPilotB: '', jobA: '', jobB: '', assignA: '', processedLogA: '', failedLogA: '', pendingLogA: '' };

  /** A log of customer A in `state`: listed, and for PROCESSED downloaded and processed (its bytes stored). */
  async function logOfA(name: string, state: 'PENDING' | 'FAILED' | 'PROCESSED'): Promise<string> {
    const r = db.repositories;
    const { tracker } = await r.partnerLogTrackers.upsertPending({ partnerCode: PartnerCode.SATLOC, customerId: ids.a, aircraftId: '101', logId: name, fileName: `${name}.log` });
    if (state === 'PENDING') return tracker.id;
    await r.partnerLogTrackers.claimForDownload(tracker.id, 'sec', 60_000);
    if (state === 'FAILED') {
      await r.partnerLogTrackers.markFailed(tracker.id, 'sec', { category: 'partner-down', message: 'gave up' });
      return tracker.id;
    }
    const stored = await r.logFiles.store(Buffer.from(`bytes of ${name}`), { fileName: `${name}.log`, partnerCode: PartnerCode.SATLOC, customerId: ids.a, logId: name });
    await r.partnerLogTrackers.markDownloaded(tracker.id, 'sec', stored);
    await r.partnerLogTrackers.claimForProcessing(tracker.id, 'sec', 60_000);
    await r.partnerLogTrackers.markProcessed(tracker.id, 'sec', { applicationFileId: ids.jobA });
    return tracker.id;
  }

  async function call(method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) {
    const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    responses.push(response.body, JSON.stringify(response.headers));
    return response;
  }

  beforeAll(async () => {
    harness = await startAssignApiHarness({
      runPrefix: 'it_assign_sec',
      simInitial: {
        companies: [{ companyId: 'c1', name: 'Prairie Ag Air' }],
        users: [{ username: 'prairie-api', password: PASSWORD_A, companyId: 'c1' }],
        aircraft: [{ aircraftId: '101', companyId: 'c1', tailNumber: 'N101PA', name: 'AT-802 #1' }],
      },
    });
    ({ jwtSecret, sim, config, app, logs, db, redis, channel, topology } = harness);

    const r = db.repositories;
    ids.a = (await r.customers.create({ name: 'Prairie Ag Air', partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] })).id;
    ids.b = (await r.customers.create({ name: 'Other Flying Co', partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] })).id;
    ids.partner = (await r.partners.create({ code: PartnerCode.SATLOC, name: 'SatLoc', baseUrl: sim.baseUrl, capabilities: ['job_upload', 'aircraft_list', 'health_check'] })).id;
    ids.internalPilotA = await harness.createUser('pilot-internal-a', ids.a);
    ids.satlocPilotA = await harness.createUser('pilot-satloc-a', ids.a, '101');
    ids.satlocPilotB = await harness.createUser('pilot-satloc-b', ids.b, '101');
    await r.partnerSystemUsers.create({ partnerId: ids.partner, customerId: ids.a, username: 'prairie-api', password: PASSWORD_A, partnerCode: PartnerCode.SATLOC });
    await r.partnerSystemUsers.create({ partnerId: ids.partner, customerId: ids.b, username: 'prairie-api', password: PASSWORD_B_WRONG, partnerCode: PartnerCode.SATLOC });
    ids.jobA = (await r.jobs.create(jobBody(ids.a, 'North 40'))).id;
    ids.jobB = (await r.jobs.create(jobBody(ids.b, 'B field'))).id;
    ids.assignA = (await r.jobAssigns.assign({ jobId: ids.jobA, userId: ids.satlocPilotA, customerId: ids.a, partnerCode: PartnerCode.SATLOC, partnerAircraftId: '101' })).assign.id;
    ids.processedLogA = await logOfA('SEC-PROCESSED', 'PROCESSED');
    ids.failedLogA = await logOfA('SEC-FAILED', 'FAILED');
    ids.pendingLogA = await logOfA('SEC-PENDING', 'PENDING');

    headersOf = {
      ...invalidTokenHeaders({ jwtSecret, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE }),
      customerA: bearer('alice', Role.CUSTOMER, ids.a),
      customerB: bearer('bob', Role.CUSTOMER, ids.b),
      admin: bearer('ops', Role.ADMIN),
      service: bearer('export-client', Role.SERVICE),
    };
    routes = await routeTable(app);
  });

  afterAll(async () => {
    await harness?.close();
  });

  /**
   * Requests address customer A's job, so customer B gets 404 on each (never 403 or 200). The
   * two lists answer a customer with its own data whatever customerId it names (documented):
   * B gets 200 with B's list, checked to hold nothing of A's below.
   */
  function authTable(): Record<string, AuthCase> {
    const readA = { customerA: 200, customerB: 404, admin: 200, service: 200 };
    const writeA = { customerA: 200, customerB: 404, admin: 200, service: 403 };
    const ownList = { customerA: 200, customerB: 200, admin: 200, service: 200 };
    const adminOnly = { customerA: 403, customerB: 403, admin: 200, service: 403 };
    const assign = { asUsers: [{ uid: ids.internalPilotA }] };
    return {
      ...serviceRouteRows(),
      'POST /api/jobs': authRow(() => ({ url: '/api/jobs', payload: jobBody(ids.a, 'Matrix job') }), { ...writeA, customerA: 201, admin: 201 }),
      'GET /api/jobs': authRow(() => ({ url: `/api/jobs?customerId=${ids.a}` }), ownList),
      'GET /api/jobs/:jobId': authRow(() => ({ url: `/api/jobs/${ids.jobA}` }), readA),
      'POST /api/jobs/:jobId/assign': authRow(() => ({ url: `/api/jobs/${ids.jobA}/assign`, payload: assign }), writeA),
      'POST /api/jobs/assign': authRow(() => ({ url: '/api/jobs/assign', payload: { jobId: ids.jobA, ...assign } }), writeA),
      'GET /api/export/newJobs': authRow(() => ({ url: `/api/export/newJobs?customerId=${ids.a}` }), ownList),
      'POST /api/export/downloadJob': authRow(() => ({ url: '/api/export/downloadJob', payload: { jobId: ids.jobA, partnerType: 'internal' } }), readA),
      'GET /api/jobs/:jobId/applications': authRow(() => ({ url: `/api/jobs/${ids.jobA}/applications` }), readA),
      'GET /api/jobs/:jobId/coverage': authRow(() => ({ url: `/api/jobs/${ids.jobA}/coverage` }), readA),
      // Operator actions: admin only. A repeat (the matrix calls each route once per principal) is idempotent.
      'GET /api/logs': authRow(() => ({ url: `/api/logs?customerId=${ids.a}` }), { ...ownList, service: 403 }),
      'POST /api/logs/:trackerId/reprocess': authRow(() => ({ url: `/api/logs/${ids.processedLogA}/reprocess`, payload: {} }), { ...adminOnly, admin: 202 }),
      'POST /api/jobs/:jobId/reprocess': authRow(() => ({ url: `/api/jobs/${ids.jobA}/reprocess`, payload: {} }), { ...adminOnly, admin: 202 }),
      'POST /api/logs/reprocess': authRow(() => ({ url: '/api/logs/reprocess', payload: { customerId: ids.a, since: '2020-01-01T00:00:00Z' } }), { ...adminOnly, admin: 202 }),
      'POST /api/logs/:trackerId/redownload': authRow(() => ({ url: `/api/logs/${ids.failedLogA}/redownload`, payload: {} }), adminOnly),
      'POST /api/logs/:trackerId/skip': authRow(() => ({ url: `/api/logs/${ids.pendingLogA}/skip`, payload: { reason: 'not ours' } }), adminOnly),
      'POST /api/logs/upload': authRow(() => {
        const body = multipartBody({ name: 'matrix.log', bytes: randomBytes(64) });
        return { url: `/api/logs/upload?customerId=${ids.a}&partnerCode=SATLOC&aircraftId=101`, headers: body.headers, payload: body.payload };
      }, { ...adminOnly, admin: 202 }),
      'POST /api/logs/:trackerId/match': authRow(() => ({ url: `/api/logs/${ids.processedLogA}/match`, payload: { jobId: ids.jobA } }), { ...adminOnly, admin: 202 }),
      'GET /api/operator-actions': authRow(() => ({ url: `/api/operator-actions?customerId=${ids.a}` }), adminOnly),
      'GET /api/assignments/:assignId/timeline': authRow(() => ({ url: `/api/assignments/${ids.assignA}/timeline` }), { ...readA, service: 403 }),
    };
  }

  it('authorization matrix: every served route × every principal gets the status of the table', async () => {
    const result = await runAuthMatrix(app, routes, authTable(), headersOf);
    expect(result.failures).toEqual([]);
    expect(routes.length).toBe(22);
    expect(result.checked).toBe(routes.length * PRINCIPALS.length);
    // The lists B may call with A's id are B's own.
    const jobs = (await call('GET', `/api/jobs?customerId=${ids.a}`, headersOf.customerB)).json() as { customerId: string; jobs: { id: string }[] };
    expect(jobs.customerId).toBe(ids.b);
    expect(jobs.jobs.map((j) => j.id)).not.toContain(ids.jobA);
    const newJobs = (await call('GET', `/api/export/newJobs?customerId=${ids.a}`, headersOf.customerB)).json() as { customerId: string; internal: unknown[] };
    expect(newJobs).toMatchObject({ customerId: ids.b, internal: [] });
  });

  it('a route missing from the table fails the matrix', async () => {
    const { ['GET /api/jobs/:jobId/coverage']: _dropped, ...incomplete } = authTable();
    const result = await runAuthMatrix(app, routes.filter((r) => r.key.includes('coverage')), incomplete, headersOf);
    expect(result.failures).toContain('GET /api/jobs/:jobId/coverage: served but missing from the authorization table');
  });

  it('stored partner passwords never appear in responses, logs, metrics or the upload task messages', async () => {
    // A: the partner accepts the stored password (the auth URL carries it) and the job is uploaded.
    const uploaded = await call('POST', `/api/jobs/${ids.jobA}/assign`, headersOf.customerA, { asUsers: [{ uid: ids.satlocPilotA }] });
    expect(uploaded.statusCode, uploaded.body).toBe(200);
    expect(uploaded.json().assignments[0]).toMatchObject({ status: 'UPLOADED', syncStatus: 'synced' });
    // B: the partner refuses B's stored password; then, with the partner down, the upload is queued.
    const refused = await call('POST', `/api/jobs/${ids.jobB}/assign`, headersOf.customerB, { asUsers: [{ uid: ids.satlocPilotB }] });
    expect(refused.statusCode, refused.body).toBe(200);
    sim.faults.set('*', { failure: { kind: 'down' } });
    try {
      const jobB2 = (await db.repositories.jobs.create(jobBody(ids.b, 'B second'))).id;
      const queued = await call('POST', `/api/jobs/${jobB2}/assign`, headersOf.customerB, { asUsers: [{ uid: ids.satlocPilotB }] });
      expect(queued.json().assignments[0], queued.body).toMatchObject({ syncStatus: 'queued' });
    } finally {
      sim.faults.clear();
    }
    const messages: string[] = [];
    for (const queue of [topology.main, topology.failed]) {
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (!message) break;
        messages.push(message.content.toString('utf8'), JSON.stringify(message.properties));
      }
    }
    expect(messages.length).toBeGreaterThanOrEqual(2);
    const metrics = await call('GET', '/metrics', {});
    const partnerKeys = await redis.keys(`${config.PARTNER_STATE_KEY_PREFIX}*`);
    const partnerState = await Promise.all(partnerKeys.map(async (key) => `${key} ${(await redis.get(key).catch(() => '')) ?? ''}`));
    const places: Record<string, string> = {
      responses: responses.join('\n'),
      logs: logs.text,
      metrics: metrics.body,
      'queue messages': messages.join('\n'),
      redis: partnerState.join('\n'),
    };
    expect(logs.lines.length).toBeGreaterThan(20);
    for (const [place, text] of Object.entries(places)) {
      for (const secret of [PASSWORD_A, PASSWORD_B_WRONG]) {
        for (const form of forms(secret)) expect(text.includes(form), `a form of a password is in the ${place}: ${form}`).toBe(false);
      }
    }
    expect(logs.text).not.toMatch(/password=(?!\*\*\*)[^&"\s]/i);
    expect(logs.text.includes(jwtSecret)).toBe(false);
    expect(logs.text.includes(headersOf.admin.authorization?.slice('Bearer '.length) ?? '-')).toBe(false);
  });

  it('fuzzing every route from its schema: never a 5xx, always a JSON error body, still live', async () => {
    const assign = { asUsers: [{ uid: ids.internalPilotA }] };
    const bases = {
      'POST /api/jobs': { body: jobBody(ids.a, 'Fuzz job') },
      'GET /api/jobs': { query: { customerId: ids.a } },
      'GET /api/jobs/:jobId': { params: { jobId: ids.jobA } },
      'POST /api/jobs/:jobId/assign': { params: { jobId: ids.jobA }, body: assign },
      'POST /api/jobs/assign': { body: { jobId: ids.jobA, ...assign } },
      'GET /api/export/newJobs': { query: { customerId: ids.a } },
      'POST /api/export/downloadJob': { body: { jobId: ids.jobA, partnerType: 'internal', format: 'native' } },
      'GET /api/jobs/:jobId/applications': { params: { jobId: ids.jobA } },
      'GET /api/jobs/:jobId/coverage': { params: { jobId: ids.jobA } },
      'GET /api/logs': { query: { customerId: ids.a } },
      'POST /api/logs/:trackerId/reprocess': { params: { trackerId: ids.processedLogA }, body: {} },
      'POST /api/jobs/:jobId/reprocess': { params: { jobId: ids.jobA }, body: {} },
      'POST /api/logs/reprocess': { body: { customerId: ids.a, since: '2020-01-01T00:00:00Z' } },
      'POST /api/logs/:trackerId/redownload': { params: { trackerId: ids.failedLogA }, body: {} },
      'POST /api/logs/:trackerId/skip': { params: { trackerId: ids.pendingLogA }, body: { reason: 'fuzz' } },
      'POST /api/logs/upload': { query: { customerId: ids.a, partnerCode: 'SATLOC', aircraftId: '101' } },
      'POST /api/logs/:trackerId/match': { params: { trackerId: ids.processedLogA }, body: { jobId: ids.jobA } },
      'GET /api/operator-actions': { query: { customerId: ids.a } },
      'GET /api/assignments/:assignId/timeline': { params: { assignId: ids.assignA } },
    };
    const report = await fuzzRoutes(app, routes, { headers: headersOf.admin, numRuns: 50, seed: 20_240_502, bases });
    expect(Object.keys(report.runs).sort()).toEqual(Object.keys(bases).sort());
    expect(Object.values(report.runs).every((n) => n === 50)).toBe(true);
    expect((await app.inject('/health/live')).statusCode).toBe(200);
  });
});
