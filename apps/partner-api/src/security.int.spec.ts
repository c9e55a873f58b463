import { PartnerCode, Role, type Polygon } from '@agair/domain-models';
import type { SatlocSimulator } from '@agair/partner-sdk/simulator';
import { PARTNERS_COLLECTION, USERS_COLLECTION, type Repositories } from '@agair/persistence';
import { partnerTaskTopology } from '@agair/runtime';
import { MongoConnection, RedisConnection, type HttpApp } from '@agair/service-kit';
import {
  LogCapture,
  PRINCIPALS,
  authRow, serviceRouteRows,
  fuzzRoutes,
  invalidTokenHeaders,
  routeTable,
  runAuthMatrix,
  type AuthCase,
  type PrincipalName,
  type RouteOperation, secretForms as forms } from '@agair/testing';
import { startPartnerApiHarness, type PartnerApiHarness } from '../test/partner-api.harness.js';
import type { ChannelWrapper } from 'amqp-connection-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerApiConfig } from './config.js';

/*
 * Security evidence for partner-api: the authorization matrix over every served route, schema
 * fuzzing of every route, and secrets (partner passwords) kept out of responses, logs, metrics,
 * queue messages and the database. app.int.spec.ts checks responses and logs of its own run
 * for passwords too; this file adds metrics, queue messages, the raw `users` documents and the
 * SatLoc auth URL (the password travels in its query string).
 */

let harness: PartnerApiHarness;
let jwtSecret: string;
let run: string;
const issuer = 'agair';
const audience = 'agair-api';
const SIM_PASSWORD = 'Sim p@ss/wörd&"q"=+%1';
const SECRETS = {
  sim: SIM_PASSWORD,
  created: 'Cr3ated p@ss?&"c"#%2',
  updated: 'Upd@ted s€cret/&=+3',
  updatedViaUsers: 'V1a-users p@ss &"u"4',
  refused: 'Wr0ng p@ss&"w"=%5',
};
const ABSENT_ID = 'aaaaaaaaaaaaaaaaaaaaaaaa';

function bearer(role: Role, customerId?: string): Record<string, string> {
  return harness.bearer(role, customerId);
}


const square = (lon: number, lat: number, d: number): Polygon => ({
  type: 'Polygon',
  coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]],
});

describe('partner-api security', () => {
  let app: HttpApp;
  let sim: SatlocSimulator;
  let mongo: MongoConnection;
  let repos: Repositories;
  let redis: RedisConnection;
  let channel: ChannelWrapper;
  let config: PartnerApiConfig;
  let routes: RouteOperation[];
  let logs: LogCapture;
  const responses: string[] = [];
  const ids = { satloc: '', a: '', b: '', psuA: '', psuB: '', pilotA: '', pilotB: '', assignA: '', assignB: '' };
  let headersOf: Record<PrincipalName, Record<string, string>>;
  let usernames = 0;

  async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) {
    const response = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    responses.push(response.body, JSON.stringify(response.headers));
    return response;
  }

  /** An active AGIDRONEX partner (made again if a matrix row deleted or deactivated it). */
  async function agidronexId(): Promise<string> {
    const existing = await repos.partners.findByCode(PartnerCode.AGIDRONEX);
    if (existing?.active) return existing.id;
    if (existing) return (await repos.partners.update(existing.id, { active: true }))?.id ?? '';
    return (await repos.partners.create({ code: PartnerCode.AGIDRONEX, name: 'Agidronex', baseUrl: 'https://drones.example/api', capabilities: [] })).id;
  }

  /** Customer A without an active AGIDRONEX account, so one can be created. */
  async function freeAgidronexAccountOfA(): Promise<string> {
    const partnerId = await agidronexId();
    for (const user of await repos.partnerSystemUsers.listByCustomer(ids.a, { partnerCode: PartnerCode.AGIDRONEX })) await repos.partnerSystemUsers.deactivate(user.id);
    return partnerId;
  }

  async function freshAgidronexAccountOfA(): Promise<string> {
    const partnerId = await freeAgidronexAccountOfA();
    return (await repos.partnerSystemUsers.create({ partnerId, customerId: ids.a, username: `a.drone.${usernames++}`, password: 'drone-pass', partnerCode: PartnerCode.AGIDRONEX })).id;
  }

  async function freshInternalUserOfA(): Promise<string> {
    return (await repos.internalUsers.create({ username: `${run}.tmp.${usernames++}`, name: 'Temp', role: Role.CUSTOMER, customerId: ids.a })).id;
  }

  beforeAll(async () => {
    harness = await startPartnerApiHarness({
      runPrefix: 'it_pa_sec',
      simInitial: {
        companies: [{ companyId: 'acme', name: 'Acme Aerial' }],
        users: [{ username: 'acme.api', password: SIM_PASSWORD, companyId: 'acme' }],
        aircraft: [{ aircraftId: '101', companyId: 'acme', tailNumber: 'N101AT', name: 'Air Tractor 802' }],
      },
    });
    ({ run, jwtSecret, sim, config, app, logs, mongo, repos, redis, channel } = harness);

    ids.satloc = (await repos.partners.create({ code: PartnerCode.SATLOC, name: 'SatLoc', baseUrl: sim.baseUrl, capabilities: ['job_upload', 'log_download', 'aircraft_list', 'health_check'] })).id;
    ids.a = (await repos.customers.create({ name: 'Acme Aerial', partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] })).id;
    ids.b = (await repos.customers.create({ name: 'Beta Ag', partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] })).id;
    ids.psuA = (await repos.partnerSystemUsers.create({ partnerId: ids.satloc, customerId: ids.a, username: 'acme.api', password: SIM_PASSWORD, partnerCode: PartnerCode.SATLOC })).id;
    const user = (name: string, customerId: string, aircraftId: string) =>
      repos.internalUsers.create({ username: `${run}.${name}`, name, role: Role.CUSTOMER, customerId, partnerInfo: { partnerCode: PartnerCode.SATLOC, partnerAircraftId: aircraftId } });
    ids.pilotA = (await user('pilot.a', ids.a, '101')).id;
    ids.pilotB = (await user('pilot.b', ids.b, '900')).id;
    const jobA = await repos.jobs.create({ customerId: ids.a, name: 'North field', boundary: square(-97.5, 38.2, 0.004), productName: 'Glyphosate', targetRateLPerHa: 10, units: 'metric' });
    const jobB = await repos.jobs.create({ customerId: ids.b, name: 'South field', boundary: square(-97.6, 38.1, 0.004), productName: 'Water', targetRateLPerHa: 5, units: 'metric' });
    ids.assignA = (await repos.jobAssigns.assign({ jobId: jobA.id, userId: ids.pilotA, customerId: ids.a, partnerCode: 'SATLOC', partnerAircraftId: '101' })).assign.id;
    ids.assignB = (await repos.jobAssigns.assign({ jobId: jobB.id, userId: ids.pilotB, customerId: ids.b, partnerCode: 'SATLOC', partnerAircraftId: '900' })).assign.id;

    headersOf = {
      ...invalidTokenHeaders({ jwtSecret, issuer, audience }),
      customerA: bearer(Role.CUSTOMER, ids.a),
      customerB: bearer(Role.CUSTOMER, ids.b),
      admin: bearer(Role.ADMIN),
      service: bearer(Role.SERVICE),
    };
    routes = await routeTable(app);
  });

  afterAll(async () => {
    await harness?.close();
  });

  /**
   * Who gets what, per route. Requests address customer A's records, so customer B gets 404 on
   * every route that reads or changes a record of A (never 403, never 200); lists scoped to the
   * caller answer B with its own (empty) data. Rows whose target a call destroys build a fresh one.
   */
  function authTable(): Record<string, AuthCase> {
    const ok = { customerA: 200, customerB: 200, admin: 200, service: 200 };
    const readA = { customerA: 200, customerB: 404, admin: 200, service: 200 };
    const writeA = { customerA: 200, customerB: 404, admin: 200, service: 403 };
    const adminOnly = (status: number) => ({ customerA: 403, customerB: 403, admin: status, service: 403 });
    return {
      ...serviceRouteRows(),
      'GET /api/partners': authRow(() => ({ url: '/api/partners' }), ok),
      'POST /api/partners': authRow(async (who) => {
        // The code is unique and only two exist: the admin's call gets AGIDRONEX removed first.
        if (who === 'admin') await mongo.db.collection(PARTNERS_COLLECTION).deleteMany({ code: PartnerCode.AGIDRONEX });
        return { url: '/api/partners', payload: { code: 'AGIDRONEX', name: 'Agidronex', baseUrl: 'https://drones.example/api', capabilities: [] } };
      }, adminOnly(201)),
      'GET /api/partners/:id': authRow(() => ({ url: `/api/partners/${ids.satloc}` }), ok),
      'PUT /api/partners/:id': authRow(() => ({ url: `/api/partners/${ids.satloc}`, payload: { name: 'SatLoc' } }), adminOnly(200)),
      'DELETE /api/partners/:id': authRow(async (who) => ({ url: `/api/partners/${who === 'admin' ? await agidronexId() : ids.satloc}` }), adminOnly(200)),
      'GET /api/partners/:id/status': authRow(() => ({ url: `/api/partners/${ids.satloc}/status?customerId=${ids.a}` }), readA),
      'GET /api/partners/systemUsers': authRow(() => ({ url: `/api/partners/systemUsers?customerId=${ids.a}` }), readA),
      'POST /api/partners/systemUsers': authRow(async (who) => {
        const partnerId = who === 'customerA' || who === 'admin' ? await freeAgidronexAccountOfA() : await agidronexId();
        return { url: '/api/partners/systemUsers', payload: { partnerId, customerId: ids.a, username: `a.drone.${usernames++}`, password: 'drone-pass' } };
      }, { ...writeA, customerA: 201, admin: 201 }),
      'POST /api/partners/systemUsers/testAuth': authRow(
        () => ({ url: '/api/partners/systemUsers/testAuth', payload: { partnerCode: 'SATLOC', customerId: ids.a, username: 'acme.api', password: SIM_PASSWORD } }),
        writeA,
      ),
      'GET /api/partners/systemUsers/:id': authRow(() => ({ url: `/api/partners/systemUsers/${ids.psuA}` }), readA),
      'PUT /api/partners/systemUsers/:id': authRow(() => ({ url: `/api/partners/systemUsers/${ids.psuA}`, payload: { username: 'acme.api' } }), writeA),
      'DELETE /api/partners/systemUsers/:id': authRow(async () => ({ url: `/api/partners/systemUsers/${await freshAgidronexAccountOfA()}` }), writeA),
      'GET /api/partners/customers': authRow(() => ({ url: '/api/partners/customers?partnerCode=SATLOC' }), ok),
      'GET /api/partners/aircraft': authRow(() => ({ url: `/api/partners/aircraft?partnerCode=SATLOC&customerId=${ids.a}` }), readA),
      'POST /api/partners/uploadJob': authRow(() => ({ url: '/api/partners/uploadJob', payload: { assignId: ids.assignA, customerId: ids.a } }), readA),
      'POST /api/partners/syncData': authRow(() => ({ url: '/api/partners/syncData', payload: { partnerCode: 'SATLOC', customerId: ids.a } }), {
        customerA: 202,
        customerB: 404,
        admin: 202,
        service: 202,
      }),
      'POST /api/customers': authRow(() => ({ url: '/api/customers', payload: { name: `Gamma ${usernames++}` } }), adminOnly(201)),
      'GET /api/customers': authRow(() => ({ url: '/api/customers' }), ok),
      'GET /api/customers/:id': authRow(() => ({ url: `/api/customers/${ids.a}` }), readA),
      'PATCH /api/customers/:id': authRow(() => ({ url: `/api/customers/${ids.a}`, payload: { name: 'Acme Aerial' } }), adminOnly(200)),
      'POST /api/users': authRow(() => ({ url: '/api/users', payload: { username: `${run}.new.${usernames++}`, name: 'New', role: 'customer', customerId: ids.a } }), {
        ...writeA,
        customerA: 201,
        admin: 201,
      }),
      'GET /api/users': authRow(() => ({ url: `/api/users?customerId=${ids.a}` }), readA),
      'GET /api/users/:id': authRow(() => ({ url: `/api/users/${ids.pilotA}` }), readA),
      'PUT /api/users/:id': authRow(() => ({ url: `/api/users/${ids.pilotA}`, payload: { name: 'Pilot A' } }), writeA),
      'DELETE /api/users/:id': authRow(async () => ({ url: `/api/users/${await freshInternalUserOfA()}` }), writeA),
    };
  }

  it('authorization matrix: every served route × every principal gets the status of the table', async () => {
    const result = await runAuthMatrix(app, routes, authTable(), headersOf);
    expect(result.failures).toEqual([]);
    expect(routes.length).toBe(28);
    expect(result.checked).toBe(routes.length * PRINCIPALS.length);
  });

  it('a route missing from the table fails the matrix', async () => {
    const { ['GET /api/users/:id']: _dropped, ...incomplete } = authTable();
    const result = await runAuthMatrix(app, routes.filter((r) => r.key.startsWith('GET /api/users')), incomplete, headersOf);
    expect(result.failures).toContain('GET /api/users/:id: served but missing from the authorization table');
  });

  describe('secrets', () => {
    it('partner passwords never appear in responses, logs, metrics, queue messages or Redis, and are encrypted at rest', async () => {
      const { admin, customerA, customerB } = headersOf;
      const created = await call('POST', '/api/partners/systemUsers', admin, { partnerId: ids.satloc, customerId: ids.b, username: 'beta.api', password: SECRETS.created });
      expect(created.statusCode, created.body).toBe(201);
      ids.psuB = created.json().id;
      expect((await call('PUT', `/api/partners/systemUsers/${ids.psuB}`, customerB, { password: SECRETS.updated })).statusCode).toBe(200);
      expect((await call('PUT', `/api/users/${ids.psuB}`, admin, { password: SECRETS.updatedViaUsers })).statusCode).toBe(200);
      const good = await call('POST', '/api/partners/systemUsers/testAuth', customerA, { partnerCode: 'SATLOC', username: 'acme.api', password: SIM_PASSWORD });
      expect(good.json()).toMatchObject({ ok: true });
      const refused = await call('POST', '/api/partners/systemUsers/testAuth', customerA, { partnerCode: 'SATLOC', username: 'acme.api', password: SECRETS.refused });
      expect(refused.json()).toMatchObject({ ok: false, category: 'auth' });
      // The stored passwords travel to SatLoc in the auth URL's query string: an accepted one (A) and a refused one (B).
      expect((await call('GET', '/api/partners/aircraft?partnerCode=SATLOC', customerA)).statusCode).toBe(200);
      const rejected = await call('GET', '/api/partners/aircraft?partnerCode=SATLOC', customerB);
      expect(rejected.statusCode, rejected.body).toBe(422);
      // A queued upload: its task message and headers are searched too.
      sim.faults.set('*', { failure: { kind: 'down' } });
      try {
        const queued = await call('POST', '/api/partners/uploadJob', customerB, { assignId: ids.assignB });
        expect(queued.statusCode, queued.body).toBe(202);
      } finally {
        sim.faults.clear();
      }

      const topology = partnerTaskTopology(config);
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
      expect(metrics.body).toContain('http_request_duration_seconds');
      const sessions = await redis.client.keys(`${run}:*`);
      const sessionValues = await Promise.all(sessions.map(async (key) => `${key} ${(await redis.client.get(key).catch(() => '')) ?? ''}`));
      const rawUsers = await mongo.db.collection(USERS_COLLECTION).find({}).toArray();

      const places: Record<string, string> = {
        responses: responses.join('\n'),
        logs: logs.text,
        metrics: metrics.body,
        'queue messages': messages.join('\n'),
        redis: sessionValues.join('\n'),
        'users documents': JSON.stringify(rawUsers),
      };
      expect(logs.lines.length).toBeGreaterThan(20);
      for (const [place, text] of Object.entries(places)) {
        for (const secret of Object.values(SECRETS)) {
          for (const form of forms(secret)) expect(text.includes(form), `a form of a password is in the ${place}: ${form}`).toBe(false);
        }
      }
      // The auth URL, if a log line carries it at all, has its password scrubbed.
      expect(logs.text).not.toMatch(/password=(?!\*\*\*)[^&"\s]/i);
      // Encrypted at rest: the accounts hold ciphertext, never a password field.
      const accounts = rawUsers.filter((doc) => doc['credentials'] !== undefined);
      expect(accounts.length).toBeGreaterThanOrEqual(2);
      for (const doc of accounts) {
        expect(doc).not.toHaveProperty('password');
        expect(doc['credentials']).toMatchObject({ keyId: 'k1', ciphertext: expect.any(String) });
      }
      expect(logs.text.includes(headersOf.admin.authorization?.slice('Bearer '.length) ?? '-')).toBe(false);
      expect(logs.text.includes(jwtSecret)).toBe(false);
    });
  });

  it('fuzzing every route from its schema: never a 5xx, always a JSON error body, still live', async () => {
    const fuzzCustomer = (await repos.customers.create({ name: 'Fuzz target' })).id;
    const bases = {
      'GET /api/partners/:id': { params: { id: ids.satloc } },
      'PUT /api/partners/:id': { params: { id: ids.satloc }, body: { name: 'SatLoc' } },
      'DELETE /api/partners/:id': { params: { id: ABSENT_ID } },
      'GET /api/partners/:id/status': { params: { id: ids.satloc }, query: { customerId: ids.a } },
      'GET /api/partners/systemUsers': { query: { customerId: ids.a } },
      'POST /api/partners': { body: { code: 'SATLOC', name: 'SatLoc', baseUrl: sim.baseUrl, capabilities: [] } },
      'POST /api/partners/systemUsers': { body: { partnerId: ids.satloc, customerId: ids.a, username: 'fuzz.user', password: 'fuzz-pass' } },
      'POST /api/partners/systemUsers/testAuth': { body: { partnerCode: 'SATLOC', customerId: ids.a, username: 'acme.api', password: 'not-the-password' } },
      'GET /api/partners/systemUsers/:id': { params: { id: ids.psuA } },
      'PUT /api/partners/systemUsers/:id': { params: { id: ABSENT_ID }, body: { username: 'acme.api' } },
      'DELETE /api/partners/systemUsers/:id': { params: { id: ABSENT_ID } },
      'GET /api/partners/customers': { query: { partnerCode: 'SATLOC' } },
      'GET /api/partners/aircraft': { query: { partnerCode: 'SATLOC', customerId: ids.a } },
      'POST /api/partners/uploadJob': { body: { assignId: ids.assignA, customerId: ids.a } },
      'POST /api/partners/syncData': { body: { partnerCode: 'SATLOC', customerId: ids.a } },
      'POST /api/customers': { body: { name: 'Fuzz customer' } },
      'GET /api/customers/:id': { params: { id: ids.a } },
      'PATCH /api/customers/:id': { params: { id: fuzzCustomer }, body: { name: 'Fuzz target', partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }], active: true } },
      'POST /api/users': { body: { username: `${run}.fuzz`, name: 'Fuzz', role: 'customer', customerId: ids.a } },
      'GET /api/users': { query: { customerId: ids.a } },
      'GET /api/users/:id': { params: { id: ids.pilotA } },
      'PUT /api/users/:id': { params: { id: ids.pilotA }, body: { name: 'Pilot A' } },
      'DELETE /api/users/:id': { params: { id: ABSENT_ID } },
    };
    const report = await fuzzRoutes(app, routes, { headers: headersOf.admin, numRuns: 30, seed: 20_240_501, bases });
    const fuzzed = Object.keys(report.runs);
    expect(fuzzed.length).toBeGreaterThanOrEqual(25);
    expect(Object.values(report.runs).every((n) => n === 30)).toBe(true);
    expect(Object.keys(report.statuses).every((status) => Number(status) < 500)).toBe(true);
    expect((await app.inject('/health/live')).statusCode).toBe(200);
  });
});
