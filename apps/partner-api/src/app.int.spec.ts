import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AssignStatus, Role, TaskType, UploadSyncStatus, type Polygon } from '@agair/domain-models';
import { SatlocEndpoint } from '@agair/partner-sdk';
import type { SatlocSimulator } from '@agair/partner-sdk/simulator';
import { PollRunStatus, SYNC_REQUESTS_COLLECTION, type Repositories } from '@agair/persistence';
import { partnerTaskTopology } from '@agair/runtime';
import { MongoConnection, RedisConnection, mintToken, type HttpApp } from '@agair/service-kit';
import { LogCapture, secretForms as forms } from '@agair/testing';
import { startPartnerApiHarness, type PartnerApiHarness } from '../test/partner-api.harness.js';
import type { ChannelWrapper } from 'amqp-connection-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerApiConfig } from './config.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

let harness: PartnerApiHarness;
let jwtSecret: string;
let run: string;
const SECRET = 'S3cr3t p@ss/wörd&"q"=+%';
const NEW_SECRET = 'N3w s€cret?&"x"#';
const ABSENT_ID = 'aaaaaaaaaaaaaaaaaaaaaaaa';

function token(role: Role, customerId?: string): Record<string, string> {
  return harness.bearer(role, customerId);
}


/** Full paths and verbs out of Fastify's route tree (`printRoutes`), whose lines nest by four characters. */
function servedRoutes(tree: string): { path: string; verb: string }[] {
  const stack: string[] = [];
  const out: { path: string; verb: string }[] = [];
  for (const line of tree.split('\n')) {
    const match = /^(.*?)[├└]── (\S+)(?: \(([A-Z, ]+)\))?/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (depth > 0 ? (stack[depth - 1] ?? '') : '') + (match[2] ?? '');
    stack.length = depth;
    stack[depth] = path;
    for (const verb of (match[3] ?? '').split(', ').filter(Boolean)) if (verb !== 'HEAD' && verb !== 'OPTIONS') out.push({ path, verb });
  }
  return out;
}

const square = (lon: number, lat: number, d: number): Polygon => ({
  type: 'Polygon',
  coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]],
});

describe('partner-api against FerretDB, RabbitMQ, Redis and the SatLoc simulator', () => {
  let app: HttpApp;
  let sim: SatlocSimulator;
  let mongo: MongoConnection;
  let repos: Repositories;
  let channel: ChannelWrapper;
  let redis: RedisConnection;
  let logs: LogCapture;
  const responses: string[] = [];
  let config: PartnerApiConfig;

  let admin: Record<string, string>;
  let service: Record<string, string>;
  let customerA: Record<string, string>;
  let customerB: Record<string, string>;
  const ids = {} as { satloc: string; agidronex: string; a: string; b: string; psuA: string; psuB: string; pilotA: string; pilotB: string; assignA: string; assignB: string; assignInternal: string };

  async function call(method: Method, url: string, headers?: Record<string, string>, payload?: unknown) {
    const response = await app.inject({ method, url, ...(headers ? { headers } : {}), ...(payload === undefined ? {} : { payload: payload as object }) });
    responses.push(response.body, JSON.stringify(response.headers));
    return response;
  }

  beforeAll(async () => {
    harness = await startPartnerApiHarness({
      runPrefix: 'it_pa',
      simInitial: {
        companies: [{ companyId: 'acme', name: 'Acme Aerial' }],
        users: [{ username: 'acme.api', password: SECRET, companyId: 'acme' }],
        aircraft: [
          { aircraftId: '101', companyId: 'acme', tailNumber: 'N101AT', name: 'Air Tractor 802' },
          { aircraftId: '102', companyId: 'acme', tailNumber: 'N102AT', name: 'Thrush 510' },
        ],
      },
    });
    ({ run, jwtSecret, sim, config, app, logs, mongo, repos, redis, channel } = harness);
    admin = token(Role.ADMIN);
    service = token(Role.SERVICE);

    // Seed through the API where it has a route, through the repositories where it has not (jobs, assignments).
    ids.satloc = (await call('POST', '/api/partners', admin, { code: 'SATLOC', name: 'SatLoc', baseUrl: sim.baseUrl, capabilities: ['job_upload', 'log_download', 'aircraft_list', 'health_check'] })).json().id;
    ids.agidronex = (await call('POST', '/api/partners', admin, { code: 'AGIDRONEX', name: 'Agidronex', baseUrl: 'https://drones.example/api', capabilities: [] })).json().id;
    ids.a = (await call('POST', '/api/customers', admin, { name: 'Acme Aerial', email: 'ops@acme.example', partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] })).json().id;
    ids.b = (await call('POST', '/api/customers', admin, { name: 'Beta Ag', partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] })).json().id;
    customerA = token(Role.CUSTOMER, ids.a);
    customerB = token(Role.CUSTOMER, ids.b);
    ids.psuA = (await call('POST', '/api/partners/systemUsers', customerA, { partnerId: ids.satloc, username: 'acme.api', password: SECRET })).json().id;
    ids.psuB = (await call('POST', '/api/partners/systemUsers', admin, { partnerId: ids.satloc, customerId: ids.b, username: 'beta.api', password: 'beta-password' })).json().id;
    ids.pilotA = (await call('POST', '/api/users', customerA, { username: `${run}.pilot.a`, name: 'Pilot A', role: 'customer', partnerInfo: { partnerCode: 'SATLOC', partnerAircraftId: '101' } })).json().id;
    ids.pilotB = (await call('POST', '/api/users', admin, { username: `${run}.pilot.b`, name: 'Pilot B', role: 'customer', customerId: ids.b, partnerInfo: { partnerCode: 'SATLOC', partnerAircraftId: '900' } })).json().id;
    const internalPilot = await repos.internalUsers.create({ username: `${run}.ground`, name: 'Ground rig', role: 'customer', customerId: ids.a });
    const jobA = await repos.jobs.create({ customerId: ids.a, name: 'North field', boundary: square(-97.5, 38.2, 0.004), productName: 'Glyphosate', targetRateLPerHa: 10, units: 'metric' });
    const jobB = await repos.jobs.create({ customerId: ids.b, name: 'South field', boundary: square(-97.6, 38.1, 0.004), productName: 'Water', targetRateLPerHa: 5, units: 'metric' });
    ids.assignA = (await repos.jobAssigns.assign({ jobId: jobA.id, userId: ids.pilotA, customerId: ids.a, partnerCode: 'SATLOC', partnerAircraftId: '101' })).assign.id;
    ids.assignB = (await repos.jobAssigns.assign({ jobId: jobB.id, userId: ids.pilotB, customerId: ids.b, partnerCode: 'SATLOC', partnerAircraftId: '900' })).assign.id;
    ids.assignInternal = (await repos.jobAssigns.assign({ jobId: jobA.id, userId: internalPilot.id, customerId: ids.a, partnerCode: null, partnerAircraftId: null })).assign.id;
    expect(Object.values(ids).every((id) => /^[0-9a-f]{24}$/.test(id)), JSON.stringify(ids)).toBe(true);
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function queuedTasks(): Promise<{ type: string; payload: Record<string, string>; headers: Record<string, unknown> }[]> {
    const out = [];
    for (;;) {
      const message = await channel.get(partnerTaskTopology(config).main, { noAck: true });
      if (!message) return out;
      out.push({ ...JSON.parse(message.content.toString('utf8')), headers: message.properties.headers ?? {} });
    }
  }

  /**
   * Every route with a request for each check: allowed roles (others get 403), a bad request,
   * and a request for a missing record and for another customer's one (both 404).
   */
  const routes = (): {
    method: Method;
    url: string;
    body?: unknown;
    roles: Role[];
    bad: { url?: string; body?: unknown }[];
    missing?: { url?: string; body?: unknown };
    othersAsA?: { url?: string; body?: unknown };
  }[] => [
    { method: 'GET', url: '/api/partners', roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE], bad: [{ url: '/api/partners?includeInactive=maybe' }, { url: '/api/partners?extra=1' }] },
    {
      method: 'POST',
      url: '/api/partners',
      body: { code: 'SATLOC', name: 'x', baseUrl: 'https://x.example', capabilities: [] },
      roles: [Role.ADMIN],
      bad: [{ body: { code: 'OTHER', name: 'x', baseUrl: 'https://x.example', capabilities: [] } }, { body: { code: 'SATLOC', name: 'x'.repeat(201), baseUrl: 'https://x.example', capabilities: [] } }, { body: { code: 'SATLOC', name: 'x', baseUrl: 'https://x.example', capabilities: [], secret: 1 } }],
    },
    { method: 'GET', url: `/api/partners/${ids.satloc}`, roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE], bad: [{ url: '/api/partners/not-an-id' }], missing: { url: `/api/partners/${ABSENT_ID}` } },
    { method: 'PUT', url: `/api/partners/${ids.satloc}`, body: { name: 'SatLoc Cloud' }, roles: [Role.ADMIN], bad: [{ body: { code: 'AGIDRONEX' } }, { body: {} }, { body: { name: 42 } }], missing: { url: `/api/partners/${ABSENT_ID}` } },
    { method: 'DELETE', url: `/api/partners/${ABSENT_ID}`, roles: [Role.ADMIN], bad: [{ url: '/api/partners/123' }], missing: {} },
    { method: 'GET', url: `/api/partners/${ids.satloc}/status`, roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE], bad: [{ url: `/api/partners/${ids.satloc}/status?customerId=zzz` }], missing: { url: `/api/partners/${ABSENT_ID}/status` }, othersAsA: { url: `/api/partners/${ids.satloc}/status?customerId=${ids.b}` } },
    { method: 'GET', url: '/api/partners/systemUsers', roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE], bad: [{ url: '/api/partners/systemUsers?limit=100000' }], othersAsA: { url: `/api/partners/systemUsers?customerId=${ids.b}` } },
    {
      method: 'POST',
      url: '/api/partners/systemUsers',
      body: { partnerId: ids.satloc, customerId: ids.a, username: 'x', password: 'y' },
      roles: [Role.ADMIN, Role.CUSTOMER],
      bad: [{ body: { partnerId: ids.satloc, customerId: ids.a, username: 'x', password: 5 } }, { body: { partnerId: ids.satloc, customerId: ids.a, username: 'x', password: 'p'.repeat(257) } }, { body: { partnerId: ids.satloc, customerId: ids.a, username: 'x', password: 'y', hasPassword: true } }],
      missing: { body: { partnerId: ABSENT_ID, customerId: ids.a, username: 'x', password: 'y' } },
      othersAsA: { body: { partnerId: ids.satloc, customerId: ids.b, username: 'x', password: 'y' } },
    },
    {
      method: 'POST',
      url: '/api/partners/systemUsers/testAuth',
      body: { partnerCode: 'SATLOC', customerId: ids.a, username: 'acme.api', password: SECRET },
      roles: [Role.ADMIN, Role.CUSTOMER],
      bad: [{ body: { partnerCode: 'SATLOC', customerId: ids.a, username: 'acme api!', password: SECRET } }, { body: { partnerCode: 'SATLOC', customerId: ids.a, username: 'a', password: 'p', systemUserId: ids.psuA } }],
      missing: { body: { partnerCode: 'SATLOC', customerId: ABSENT_ID, username: 'a', password: 'p' } },
      othersAsA: { body: { partnerCode: 'SATLOC', customerId: ids.b, username: 'a', password: 'p' } },
    },
    { method: 'GET', url: `/api/partners/systemUsers/${ids.psuA}`, roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE], bad: [{ url: '/api/partners/systemUsers/XYZ' }], missing: { url: `/api/partners/systemUsers/${ABSENT_ID}` }, othersAsA: { url: `/api/partners/systemUsers/${ids.psuB}` } },
    { method: 'PUT', url: `/api/partners/systemUsers/${ids.psuA}`, body: { username: 'acme.api' }, roles: [Role.ADMIN, Role.CUSTOMER], bad: [{ body: { partnerCode: 'AGIDRONEX' } }, { body: { password: '' } }], missing: { url: `/api/partners/systemUsers/${ABSENT_ID}` }, othersAsA: { url: `/api/partners/systemUsers/${ids.psuB}` } },
    { method: 'DELETE', url: `/api/partners/systemUsers/${ABSENT_ID}`, roles: [Role.ADMIN, Role.CUSTOMER], bad: [{ url: '/api/partners/systemUsers/1' }], missing: {}, othersAsA: { url: `/api/partners/systemUsers/${ids.psuB}` } },
    { method: 'GET', url: '/api/partners/customers?partnerCode=SATLOC', roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE], bad: [{ url: '/api/partners/customers' }, { url: '/api/partners/customers?partnerCode=FOO' }] },
    {
      method: 'GET',
      url: `/api/partners/aircraft?partnerCode=SATLOC&customerId=${ids.a}`,
      roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE],
      bad: [{ url: '/api/partners/aircraft?partnerCode=SATLOC&customerId=1' }, { url: `/api/partners/aircraft?customerId=${ids.a}` }],
      missing: { url: `/api/partners/aircraft?partnerCode=SATLOC&customerId=${ABSENT_ID}` },
      othersAsA: { url: `/api/partners/aircraft?partnerCode=SATLOC&customerId=${ids.b}` },
    },
    {
      method: 'POST',
      url: '/api/partners/uploadJob',
      body: { assignId: ids.assignA, customerId: ids.a },
      roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE],
      bad: [{ body: { assignId: 7, customerId: ids.a } }, { body: { assignId: ids.assignA, customerId: ids.a, force: true } }, { body: {} }],
      missing: { body: { assignId: ABSENT_ID, customerId: ids.a } },
      othersAsA: { body: { assignId: ids.assignB } },
    },
    {
      method: 'POST',
      url: '/api/partners/syncData',
      body: { partnerCode: 'SATLOC', customerId: ids.a },
      roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE],
      bad: [{ body: { partnerCode: 'SATLOC', customerId: ids.a, aircraftId: 'x'.repeat(65) } }, { body: { partnerCode: 'SATLOC', customerId: ids.a, all: true } }],
      missing: { body: { partnerCode: 'SATLOC', customerId: ids.a, aircraftId: 'no-such-aircraft' } },
      othersAsA: { body: { partnerCode: 'SATLOC', customerId: ids.b } },
    },
    { method: 'POST', url: '/api/customers', body: { name: 'Gamma' }, roles: [Role.ADMIN], bad: [{ body: { name: '' } }, { body: { name: 'G', active: false } }] },
    { method: 'GET', url: '/api/customers', roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE], bad: [{ url: '/api/customers?limit=0' }] },
    { method: 'GET', url: `/api/customers/${ids.a}`, roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE], bad: [{ url: '/api/customers/abc' }], missing: { url: `/api/customers/${ABSENT_ID}` }, othersAsA: { url: `/api/customers/${ids.b}` } },
    {
      method: 'PATCH',
      url: `/api/customers/${ids.a}`,
      body: { name: 'Acme Aerial' },
      roles: [Role.ADMIN],
      bad: [
        { body: {} },
        { body: { name: 'Acme Aerial', createdAt: '2024-01-01T00:00:00.000Z' } },
        { body: { partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }, { partnerCode: 'SATLOC', active: false }] } },
        { body: { partnerSubscriptions: [{ partnerCode: 'OTHER', active: true }] } },
        { url: '/api/customers/abc' },
      ],
      missing: { url: `/api/customers/${ABSENT_ID}` },
    },
    {
      method: 'POST',
      url: '/api/users',
      body: { username: 'someone', name: 'S', role: 'customer', customerId: ids.a },
      roles: [Role.ADMIN, Role.CUSTOMER],
      bad: [{ body: { username: 'has space', name: 'S', role: 'customer' } }, { body: { username: 's', name: 'S', role: 'pilot' } }, { body: { username: 's', name: 'S', role: 'customer', password: 'x' } }],
      missing: { body: { username: `${run}.nobody`, name: 'S', role: 'customer', customerId: ABSENT_ID } },
      othersAsA: { body: { username: `${run}.intruder`, name: 'S', role: 'customer', customerId: ids.b } },
    },
    { method: 'GET', url: `/api/users?customerId=${ids.a}`, roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE], bad: [{ url: '/api/users?customerId=a' }], othersAsA: { url: `/api/users?customerId=${ids.b}` } },
    { method: 'GET', url: `/api/users/${ids.pilotA}`, roles: [Role.ADMIN, Role.CUSTOMER, Role.SERVICE], bad: [{ url: '/api/users/pilot' }], missing: { url: `/api/users/${ABSENT_ID}` }, othersAsA: { url: `/api/users/${ids.pilotB}` } },
    { method: 'PUT', url: `/api/users/${ids.pilotA}`, body: { name: 'Pilot A.' }, roles: [Role.ADMIN, Role.CUSTOMER], bad: [{ body: { name: 'x', password: 'y' } }, { body: { kind: 'INTERNAL' } }], missing: { url: `/api/users/${ABSENT_ID}` }, othersAsA: { url: `/api/users/${ids.pilotB}` } },
    { method: 'DELETE', url: `/api/users/${ABSENT_ID}`, roles: [Role.ADMIN, Role.CUSTOMER], bad: [{ url: '/api/users/0' }], missing: {}, othersAsA: { url: `/api/users/${ids.psuB}` } },
  ];

  describe('every route', () => {
    it('answers 401 without a token or with a bad one', async () => {
      const forged = { authorization: `Bearer ${mintToken({ jwtSecret: 'x'.repeat(40), issuer: 'agair', audience: 'agair-api', sub: 'eve', role: Role.ADMIN })}` };
      for (const route of routes()) {
        expect((await call(route.method, route.url, undefined, route.body)).statusCode, `${route.method} ${route.url}`).toBe(401);
        expect((await call(route.method, route.url, forged, route.body)).statusCode, `${route.method} ${route.url} forged`).toBe(401);
      }
    });

    it('answers 403 to the roles a route does not allow', async () => {
      const byRole = { [Role.ADMIN]: admin, [Role.CUSTOMER]: customerA, [Role.SERVICE]: service };
      let checked = 0;
      for (const route of routes()) {
        for (const role of [Role.ADMIN, Role.CUSTOMER, Role.SERVICE].filter((r) => !route.roles.includes(r))) {
          const response = await call(route.method, route.url, byRole[role], route.body);
          expect(response.statusCode, `${role} ${route.method} ${route.url}`).toBe(403);
          expect(response.json()).toMatchObject({ code: 'FORBIDDEN' });
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(10);
    });

    it('answers 400 to bad bodies, params and queries (wrong types, extra fields, oversize)', async () => {
      for (const route of routes()) {
        for (const bad of route.bad) {
          const response = await call(route.method, bad.url ?? route.url, admin, bad.body ?? route.body);
          expect(response.statusCode, `${route.method} ${bad.url ?? route.url} ${JSON.stringify(bad.body ?? null)}: ${response.body}`).toBe(400);
        }
      }
    });

    it("answers 404 for a missing record and for another customer's record alike", async () => {
      for (const route of routes()) {
        if (route.missing) {
          const response = await call(route.method, route.missing.url ?? route.url, admin, route.missing.body ?? route.body);
          expect(response.statusCode, `missing: ${route.method} ${route.missing.url ?? route.url}: ${response.body}`).toBe(404);
        }
        if (route.othersAsA) {
          const response = await call(route.method, route.othersAsA.url ?? route.url, customerA, route.othersAsA.body ?? route.body);
          expect(response.statusCode, `other customer's: ${route.method} ${route.othersAsA.url ?? route.url}: ${response.body}`).toBe(404);
          expect(response.json().code).toBe('NOT_FOUND');
        }
      }
    });
  });

  describe('OpenAPI document', () => {
    it('covers every route of the app with tags, security and a response schema', async () => {
      const document = (await call('GET', '/documentation/json')).json() as {
        paths: Record<string, Record<string, { tags?: string[]; description?: string; security?: unknown[]; responses: Record<string, { content?: Record<string, { schema?: unknown }> }>; requestBody?: unknown }>>;
      };
      const served = servedRoutes(app.printRoutes({ commonPrefix: false })).filter((r) => !r.path.startsWith('/documentation'));
      expect(served).toContainEqual({ path: '/api/partners/systemUsers/testAuth', verb: 'POST' });
      expect(served).toContainEqual({ path: '/api/users/:id', verb: 'DELETE' });
      expect(served.length).toBe(28); // 25 API routes + health/live, health/ready, metrics
      for (const { path, verb } of served) {
        const openApiPath = path.replace(/:(\w+)/g, '{$1}');
        const operation = document.paths[openApiPath]?.[verb.toLowerCase()];
        expect(operation, `${verb} ${path} is documented`).toBeDefined();
        const success = Object.entries(operation?.responses ?? {}).find(([status]) => status.startsWith('2'));
        expect(success?.[1].content?.['application/json']?.schema ?? success?.[1].content?.['text/plain']?.schema, `${verb} ${path} has a response schema`).toBeDefined();
        expect(operation?.tags?.length, `${verb} ${path} has tags`).toBeGreaterThan(0);
        if (path.startsWith('/api/')) {
          expect(operation?.security, `${verb} ${path} is secured`).toEqual([{ bearerAuth: [] }]);
          expect(operation?.responses['401'], `${verb} ${path} documents 401`).toBeDefined();
        }
        if (['post', 'put', 'patch'].includes(verb.toLowerCase()) && path.startsWith('/api/')) expect(operation?.requestBody, `${verb} ${path} body`).toBeDefined();
      }
      expect(document.paths['/api/partners/{id}/status']?.['get']).toBeDefined();
      expect(document.paths['/api/customers/{id}']?.['patch']?.description).toMatch(/replaces the whole list.*PARTNER_NOT_SUBSCRIBED.*not polled/s);
    });
  });

  describe('partners', () => {
    it('lets customers read partners and only admin change them; delete is soft', async () => {
      const list = await call('GET', '/api/partners', customerA);
      expect(list.json().map((p: { code: string }) => p.code)).toEqual(['AGIDRONEX', 'SATLOC']);
      const duplicate = await call('POST', '/api/partners', admin, { code: 'SATLOC', name: 'Again', baseUrl: 'https://x.example', capabilities: [] });
      expect(duplicate.statusCode).toBe(409);
      const renamed = await call('PUT', `/api/partners/${ids.agidronex}`, admin, { name: 'Agidronex drones' });
      expect(renamed.json()).toMatchObject({ id: ids.agidronex, code: 'AGIDRONEX', name: 'Agidronex drones' });
      const deleted = await call('DELETE', `/api/partners/${ids.agidronex}`, admin);
      expect(deleted.json()).toMatchObject({ active: false });
      expect((await call('GET', `/api/partners/${ids.agidronex}`, customerA)).statusCode).toBe(404);
      expect((await call('GET', `/api/partners/${ids.agidronex}`, admin)).json()).toMatchObject({ active: false });
      expect((await call('GET', '/api/partners', service)).json().map((p: { code: string }) => p.code)).toEqual(['SATLOC']);
      expect((await call('GET', '/api/partners?includeInactive=true', admin)).json()).toHaveLength(2);
      expect((await call('PUT', `/api/partners/${ids.agidronex}`, admin, { active: true })).json()).toMatchObject({ active: true });
    });
  });

  describe('customers and users', () => {
    it('shows a customer only itself, and its partner subscription with its stored account', async () => {
      expect((await call('GET', '/api/customers', customerA)).json().map((c: { id: string }) => c.id)).toEqual([ids.a]);
      const all = (await call('GET', '/api/customers', admin)).json().map((c: { id: string }) => c.id);
      expect(all).toEqual(expect.arrayContaining([ids.a, ids.b]));
      expect((await call('GET', `/api/customers/${ids.a}`, customerA)).json()).toMatchObject({ id: ids.a, name: 'Acme Aerial' });

      const subscribed = (await call('GET', '/api/partners/customers?partnerCode=SATLOC', admin)).json();
      expect(subscribed).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: ids.a, subscription: expect.objectContaining({ partnerCode: 'SATLOC', active: true }), systemUser: expect.objectContaining({ id: ids.psuA, username: 'acme.api' }) }),
          expect.objectContaining({ id: ids.b, systemUser: expect.objectContaining({ id: ids.psuB }) }),
        ]),
      );
      expect((await call('GET', '/api/partners/customers?partnerCode=SATLOC', customerA)).json().map((c: { id: string }) => c.id)).toEqual([ids.a]);
      expect((await call('GET', '/api/partners/customers?partnerCode=AGIDRONEX', admin)).json()).toEqual([]);
    });

    it('PATCH changes a customer and replaces its subscriptions, admin only; the change shows in the customer and in the subscribed list', async () => {
      const url = (id: string) => `/api/customers/${id}`;
      const created = await call('POST', '/api/customers', admin, { name: 'Gamma Air', partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] });
      expect(created.statusCode, created.body).toBe(201);
      const gamma = created.json();
      const satlocSince = gamma.partnerSubscriptions[0].since;
      const subscribedTo = async (partnerCode: string) => (await call('GET', `/api/partners/customers?partnerCode=${partnerCode}`, admin)).json().map((c: { id: string }) => c.id);
      expect(await subscribedTo('SATLOC')).toContain(gamma.id);

      const paused = await call('PATCH', url(gamma.id), admin, { partnerSubscriptions: [{ partnerCode: 'SATLOC', active: false }, { partnerCode: 'AGIDRONEX', active: true }] });
      expect(paused.statusCode, paused.body).toBe(200);
      expect(paused.json()).toMatchObject({
        id: gamma.id,
        name: 'Gamma Air',
        active: true,
        partnerSubscriptions: [
          { partnerCode: 'SATLOC', active: false, since: satlocSince },
          { partnerCode: 'AGIDRONEX', active: true },
        ],
      });
      expect((await call('GET', url(gamma.id), admin)).json()).toEqual(paused.json());
      expect(await subscribedTo('SATLOC')).not.toContain(gamma.id);
      expect(await subscribedTo('AGIDRONEX')).toContain(gamma.id);

      // The list is replaced: AGIDRONEX, left out, is gone; SATLOC keeps its `since`.
      const resumed = (await call('PATCH', url(gamma.id), admin, { partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] })).json();
      expect(resumed.partnerSubscriptions).toEqual([{ partnerCode: 'SATLOC', active: true, since: satlocSince }]);
      expect(await subscribedTo('SATLOC')).toContain(gamma.id);
      expect(await subscribedTo('AGIDRONEX')).not.toContain(gamma.id);

      // A partner listed twice is refused, on update and on create alike, and changes nothing.
      const twice = [{ partnerCode: 'SATLOC', active: false }, { partnerCode: 'SATLOC', active: true }];
      for (const refused of [await call('PATCH', url(gamma.id), admin, { partnerSubscriptions: twice }), await call('POST', '/api/customers', admin, { name: 'Twice', partnerSubscriptions: twice })]) {
        expect(refused.statusCode, refused.body).toBe(400);
        expect(refused.json()).toMatchObject({ code: 'BAD_REQUEST', message: 'partnerSubscriptions lists SATLOC more than once' });
      }
      expect((await call('GET', url(gamma.id), admin)).json()).toEqual(resumed);

      expect((await call('PATCH', url(gamma.id), admin, {})).statusCode).toBe(400);
      expect((await call('PATCH', url(gamma.id), admin, { name: 'Gamma', partnerCode: 'SATLOC' })).statusCode).toBe(400);
      expect((await call('PATCH', url(ABSENT_ID), admin, { name: 'Nobody' })).json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
      const own = await call('PATCH', url(gamma.id), token(Role.CUSTOMER, gamma.id), { partnerSubscriptions: [] });
      expect(own.statusCode, 'a customer may not change itself').toBe(403);
      expect((await call('PATCH', url(gamma.id), undefined, { partnerSubscriptions: [] })).statusCode).toBe(401);
      expect((await call('GET', url(gamma.id), admin)).json()).toEqual(resumed);

      // An inactive customer is subscribed to nothing, whatever its subscriptions say.
      const deactivated = (await call('PATCH', url(gamma.id), admin, { active: false })).json();
      expect(deactivated).toMatchObject({ active: false, partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] });
      expect(await subscribedTo('SATLOC')).not.toContain(gamma.id);
    });

    it('creates pilots with partnerInfo, lists them per customer, and serves both user kinds by id', async () => {
      const pilots = (await call('GET', '/api/users', customerA)).json();
      expect(pilots.map((u: { id: string }) => u.id)).toContain(ids.pilotA);
      expect(pilots.map((u: { id: string }) => u.id)).not.toContain(ids.pilotB);
      expect((await call('GET', '/api/users', admin)).statusCode).toBe(400); // admin must name the customer

      const pilot = (await call('GET', `/api/users/${ids.pilotA}`, customerA)).json();
      expect(pilot).toMatchObject({ kind: 'INTERNAL', customerId: ids.a, partnerInfo: { partnerCode: 'SATLOC', partnerAircraftId: '101' } });

      const systemUser = (await call('GET', `/api/users/${ids.psuA}`, customerA)).json();
      expect(systemUser).toMatchObject({
        kind: 'PARTNER_SYSTEM_USER',
        hasPassword: true,
        partner: { id: ids.satloc, code: 'SATLOC' },
        customer: { id: ids.a, name: 'Acme Aerial' },
      });
      expect(JSON.stringify(systemUser)).not.toMatch(/credentials|ciphertext/);

      const escalation = await call('POST', '/api/users', customerA, { username: `${run}.boss`, name: 'Boss', role: 'admin' });
      expect(escalation.statusCode).toBe(403);
      const duplicate = await call('POST', '/api/users', customerA, { username: `${run}.PILOT.A`, name: 'Again', role: 'customer' });
      expect(duplicate.statusCode).toBe(409);
      expect((await call('POST', '/api/users', admin, { username: `${run}.orphan`, name: 'No customer', role: 'customer', partnerInfo: { partnerCode: 'SATLOC', partnerAircraftId: '5' } })).statusCode).toBe(400);

      const renamed = await call('PUT', `/api/users/${ids.pilotA}`, customerA, { name: 'Pilot Alpha' });
      expect(renamed.json()).toMatchObject({ name: 'Pilot Alpha', kind: 'INTERNAL' });
      const wrongKind = await call('PUT', `/api/users/${ids.pilotA}`, customerA, { username: 'renamed' });
      expect(wrongKind.statusCode).toBe(400);
      const wrongKindPsu = await call('PUT', `/api/users/${ids.psuA}`, customerA, { name: 'x' });
      expect(wrongKindPsu.statusCode).toBe(400);

      const extra = (await call('POST', '/api/users', customerA, { username: `${run}.temp`, name: 'Temp', role: 'customer' })).json();
      expect(extra).toMatchObject({ customerId: ids.a, active: true });
      expect((await call('DELETE', `/api/users/${extra.id}`, customerA)).json()).toMatchObject({ id: extra.id, active: false });
      expect((await call('GET', '/api/users', customerA)).json().map((u: { id: string }) => u.id)).not.toContain(extra.id);
    });
  });

  describe('partner system users', () => {
    it('stores credentials write-only, scopes them by customer and soft-deletes through either route', async () => {
      const mine = (await call('GET', '/api/partners/systemUsers', customerA)).json();
      expect(mine.map((u: { id: string }) => u.id)).toEqual([ids.psuA]);
      const all = (await call('GET', '/api/partners/systemUsers?partnerCode=SATLOC', service)).json();
      expect(all.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([ids.psuA, ids.psuB]));
      for (const user of all) expect(Object.keys(user)).not.toContain('password');

      const second = await call('POST', '/api/partners/systemUsers', customerA, { partnerId: ids.satloc, username: 'acme.other', password: 'x' });
      expect(second.statusCode).toBe(409); // one active account per customer and partner

      const extra = (await call('POST', '/api/partners/systemUsers', admin, { partnerId: ids.agidronex, customerId: ids.a, username: 'acme.drone', password: 'drone-pass' })).json();
      expect(extra).toMatchObject({ partnerCode: 'AGIDRONEX', customerId: ids.a, hasPassword: true });
      expect((await call('DELETE', `/api/users/${extra.id}`, customerA)).json()).toMatchObject({ active: false });
      expect((await call('GET', `/api/partners/systemUsers/${extra.id}`, customerA)).json()).toMatchObject({ active: false });
      const again = (await call('POST', '/api/partners/systemUsers', customerA, { partnerId: ids.agidronex, username: 'acme.drone2', password: 'p' })).json();
      expect((await call('DELETE', `/api/partners/systemUsers/${again.id}`, admin)).json()).toMatchObject({ active: false });
    });

    it('testAuth answers ok for good credentials and the classified refusal for bad ones, storing nothing', async () => {
      const before = await mongo.db.collection('users').countDocuments();
      const good = await call('POST', '/api/partners/systemUsers/testAuth', customerA, { partnerCode: 'SATLOC', username: 'acme.api', password: SECRET });
      expect(good.statusCode).toBe(200);
      expect(good.json()).toMatchObject({ ok: true, partnerCode: 'SATLOC' });
      // Right after a success for the same username, a wrong password must still be refused.
      const bad = await call('POST', '/api/partners/systemUsers/testAuth', customerA, { partnerCode: 'SATLOC', username: 'acme.api', password: `${SECRET}-wrong` });
      expect(bad.statusCode).toBe(200);
      expect(bad.json()).toMatchObject({ ok: false, category: 'auth' });
      expect(typeof bad.json().message).toBe('string');
      expect(await mongo.db.collection('users').countDocuments()).toBe(before);
      expect(await redis.client.keys(`${run}:auth:*auth-test*`)).toEqual([]);
    });

    it('a password change drops the cached partner session, so the next call authenticates with the new password', async () => {
      // A session for customer A is cached by the aircraft call.
      expect((await call('GET', '/api/partners/aircraft?partnerCode=SATLOC', customerA)).statusCode).toBe(200);
      expect(await redis.client.exists(`${run}:auth:SATLOC:${ids.a}`)).toBe(1);
      sim.state.users.set('acme.api', { username: 'acme.api', password: NEW_SECRET, companyId: 'acme' });
      const changed = await call('PUT', `/api/partners/systemUsers/${ids.psuA}`, customerA, { password: NEW_SECRET });
      expect(changed.statusCode).toBe(200);
      expect(changed.json()).toMatchObject({ id: ids.psuA, hasPassword: true });
      expect(await redis.client.exists(`${run}:auth:SATLOC:${ids.a}`)).toBe(0);
      expect((await call('GET', '/api/partners/aircraft?partnerCode=SATLOC', customerA)).statusCode).toBe(200);
      // Back to the first password, through the generic users route.
      sim.state.users.set('acme.api', { username: 'acme.api', password: SECRET, companyId: 'acme' });
      expect((await call('PUT', `/api/users/${ids.psuA}`, customerA, { password: SECRET })).statusCode).toBe(200);
      expect(await redis.client.exists(`${run}:auth:SATLOC:${ids.a}`)).toBe(0);
      expect((await call('POST', '/api/partners/systemUsers/testAuth', admin, { partnerCode: 'SATLOC', customerId: ids.a, username: 'acme.api', password: NEW_SECRET })).json()).toMatchObject({ ok: false });
    });
  });

  describe('testAuth limits', () => {
    const TEST_AUTH = '/api/partners/systemUsers/testAuth';
    const authRequests = () => sim.state.requestCounts.get(SatlocEndpoint.AUTHENTICATE) ?? 0;

    async function newCustomer(name: string): Promise<{ id: string; headers: Record<string, string> }> {
      const id = (await call('POST', '/api/customers', admin, { name, partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] })).json().id as string;
      return { id, headers: token(Role.CUSTOMER, id) };
    }

    it('after AUTH_TEST_USERNAME_FAILURES_MAX refusals of a username: 429 with Retry-After and no call to the partner, whichever customer asks and with the right password too', async () => {
      expect(config.AUTH_TEST_USERNAME_FAILURES_MAX).toBe(5);
      sim.state.users.set('gamma.api', { username: 'gamma.api', password: 'gamma-pass', companyId: 'acme' });
      sim.state.users.set('delta.api', { username: 'delta.api', password: 'delta-pass', companyId: 'acme' });
      const gamma = await newCustomer('Gamma Air');
      const delta = await newCustomer('Delta Ag');
      for (let i = 0; i < 5; i++) {
        const refused = await call('POST', TEST_AUTH, gamma.headers, { partnerCode: 'SATLOC', username: 'gamma.api', password: `guess-${i}` });
        expect(refused.json()).toMatchObject({ ok: false, category: 'auth' });
      }
      const before = authRequests();
      const blocked = await call('POST', TEST_AUTH, gamma.headers, { partnerCode: 'SATLOC', username: 'gamma.api', password: 'gamma-pass' });
      expect(blocked.statusCode, blocked.body).toBe(429);
      expect(blocked.json()).toMatchObject({ code: 'TOO_MANY_AUTH_TESTS' });
      const retryAfterS = Number(blocked.headers['retry-after']);
      expect(retryAfterS).toBeGreaterThan(config.AUTH_TEST_USERNAME_WINDOW_MS / 1000 - 120);
      expect(retryAfterS).toBeLessThanOrEqual(config.AUTH_TEST_USERNAME_WINDOW_MS / 1000);
      // Another customer gets no guesses of its own at that username, however spelled...
      expect((await call('POST', TEST_AUTH, delta.headers, { partnerCode: 'SATLOC', username: 'Gamma.API', password: 'gamma-pass' })).statusCode).toBe(429);
      expect(authRequests(), 'authentications sent to the partner').toBe(before);
      // ...and tests its own account as before.
      expect((await call('POST', TEST_AUTH, delta.headers, { partnerCode: 'SATLOC', username: 'delta.api', password: 'delta-pass' })).json()).toMatchObject({ ok: true });
      expect(authRequests()).toBe(before + 1);
    });

    it('past AUTH_TEST_CUSTOMER_MAX tests of a customer in a window: 429 with Retry-After, also for an admin naming it, and no call to the partner; other customers go on', async () => {
      expect(config.AUTH_TEST_CUSTOMER_MAX).toBe(10);
      sim.state.users.set('epsilon.api', { username: 'epsilon.api', password: 'epsilon-pass', companyId: 'acme' });
      const epsilon = await newCustomer('Epsilon Spray');
      const body = { partnerCode: 'SATLOC', username: 'epsilon.api', password: 'epsilon-pass' };
      // Ten accepted tests of one username: past its failure limit, but only refusals count there.
      for (let i = 0; i < 10; i++) expect((await call('POST', TEST_AUTH, epsilon.headers, body)).json()).toMatchObject({ ok: true });
      const before = authRequests();
      const blocked = await call('POST', TEST_AUTH, epsilon.headers, body);
      expect(blocked.statusCode, blocked.body).toBe(429);
      expect(blocked.json()).toMatchObject({ code: 'TOO_MANY_AUTH_TESTS' });
      const retryAfterS = Number(blocked.headers['retry-after']);
      expect(retryAfterS).toBeGreaterThanOrEqual(1);
      expect(retryAfterS).toBeLessThanOrEqual(config.AUTH_TEST_CUSTOMER_WINDOW_MS / 1000);
      expect((await call('POST', TEST_AUTH, admin, { ...body, customerId: epsilon.id })).statusCode).toBe(429);
      expect(authRequests(), 'authentications sent to the partner').toBe(before);
      expect((await call('POST', TEST_AUTH, customerA, { partnerCode: 'SATLOC', username: 'acme.api', password: SECRET })).json()).toMatchObject({ ok: true });
    });

    it("tests only within the caller's customer: another customer's id is 404 and a username another customer stores is 409, neither calling the partner; its owner may test it", async () => {
      const before = authRequests();
      expect((await call('POST', TEST_AUTH, customerA, { partnerCode: 'SATLOC', customerId: ids.b, username: 'beta.api', password: 'guess' })).statusCode).toBe(404);
      const taken = await call('POST', TEST_AUTH, customerA, { partnerCode: 'SATLOC', username: 'BETA.api', password: 'guess' });
      expect(taken.statusCode, taken.body).toBe(409);
      expect(taken.json()).toMatchObject({ code: 'PARTNER_USERNAME_TAKEN' });
      expect((await call('POST', TEST_AUTH, admin, { partnerCode: 'SATLOC', customerId: ids.a, username: 'beta.api', password: 'guess' })).json()).toMatchObject({ code: 'PARTNER_USERNAME_TAKEN' });
      expect(authRequests(), 'authentications sent to the partner').toBe(before);
      expect((await call('POST', TEST_AUTH, customerB, { partnerCode: 'SATLOC', username: 'beta.api', password: 'beta-password' })).statusCode).toBe(200);
      expect(authRequests()).toBe(before + 1);
    });
  });

  describe('partner operations with the partner up', () => {
    it("lists a customer's aircraft live from the partner, linked to its pilots", async () => {
      const aircraft = (await call('GET', `/api/partners/aircraft?partnerCode=SATLOC&customerId=${ids.a}`, service)).json();
      expect(aircraft).toEqual([
        { partnerCode: 'SATLOC', customerId: ids.a, partnerAircraftId: '101', name: 'Air Tractor 802', tailNumber: 'N101AT', userId: ids.pilotA },
        { partnerCode: 'SATLOC', customerId: ids.a, partnerAircraftId: '102', name: 'Thrush 510', tailNumber: 'N102AT', userId: null },
      ]);
      const noAccount = await call('GET', '/api/partners/aircraft?partnerCode=AGIDRONEX', customerA);
      expect(noAccount.statusCode).toBe(501);
    });

    it('syncData writes a PENDING request for the poller and answers 202 with its id; a repeat while it waits is the same request', async () => {
      const first = await call('POST', '/api/partners/syncData', customerA, { partnerCode: 'SATLOC', aircraftId: '101' });
      expect(first.statusCode).toBe(202);
      const body = first.json();
      expect(body).toMatchObject({ state: 'PENDING', partnerCode: 'SATLOC', customerId: ids.a, aircraftId: '101' });
      const stored = await mongo.db.collection(SYNC_REQUESTS_COLLECTION).findOne({});
      expect(stored).toMatchObject({ partnerCode: 'SATLOC', aircraftId: '101', state: 'PENDING', requestedBy: `${run}-customer-${ids.a}` });
      expect(stored?.['customerId'].toHexString()).toBe(ids.a);
      expect(stored?.['requestedAt']).toBeInstanceOf(Date);
      expect(await repos.syncRequests.findById(ids.a, body.requestId)).toMatchObject({ state: 'PENDING', aircraftId: '101' });
      const whole = (await call('POST', '/api/partners/syncData', service, { partnerCode: 'SATLOC', customerId: ids.a })).json();
      expect(whole).toMatchObject({ aircraftId: null, state: 'PENDING', deduplicated: false });
      expect(await mongo.db.collection(SYNC_REQUESTS_COLLECTION).countDocuments({ state: 'PENDING' })).toBe(2);
      // Repeats while they wait are the same requests: the same aircraft, or one the whole-customer request covers.
      const again = (await call('POST', '/api/partners/syncData', customerA, { partnerCode: 'SATLOC', aircraftId: '101' })).json();
      expect(again).toMatchObject({ requestId: body.requestId, deduplicated: true });
      const covered = await repos.syncRequests.requestOnce({ partnerCode: 'SATLOC', customerId: ids.a, aircraftId: '102', requestedBy: 'ops' });
      expect(covered).toMatchObject({ request: { id: whole.requestId, aircraftId: null }, deduplicated: true });
      expect((await call('POST', '/api/partners/syncData', service, { partnerCode: 'SATLOC', customerId: ids.a })).json()).toMatchObject({ requestId: whole.requestId, deduplicated: true });
      expect(await mongo.db.collection(SYNC_REQUESTS_COLLECTION).countDocuments({ state: 'PENDING' })).toBe(2);
      expect((await call('POST', '/api/partners/syncData', admin, { partnerCode: 'SATLOC' })).statusCode).toBe(400);
    });

    it('uploadJob answers 422 PARTNER_NOT_SUBSCRIBED without calling the partner for a customer whose subscription is inactive, and records why', async () => {
      const unsubscribed = await call('PATCH', `/api/customers/${ids.a}`, admin, { partnerSubscriptions: [{ partnerCode: 'SATLOC', active: false }] });
      expect(unsubscribed.statusCode, unsubscribed.body).toBe(200);
      try {
        const before = sim.state.requests.length;
        const response = await call('POST', '/api/partners/uploadJob', customerA, { assignId: ids.assignA });
        expect(response.statusCode, response.body).toBe(422);
        expect(response.json()).toMatchObject({ code: 'PARTNER_NOT_SUBSCRIBED' });
        expect(sim.state.requests.length - before, 'requests to the partner').toBe(0);
        const assign = await repos.jobAssigns.findById(ids.a, ids.assignA);
        expect(assign).toMatchObject({ status: AssignStatus.NEW, upload: { syncStatus: 'failed', lastError: `customer ${ids.a} has no active SATLOC subscription` } });
      } finally {
        expect((await call('PATCH', `/api/customers/${ids.a}`, admin, { partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] })).statusCode).toBe(200);
      }
    });

    it('uploadJob sends a healthy partner the job immediately and records the extJobId; again is a no-op', async () => {
      const response = await call('POST', '/api/partners/uploadJob', customerA, { assignId: ids.assignA });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ outcome: 'uploaded', assignId: ids.assignA, syncStatus: 'synced', taskId: null });
      expect(body.extJobId).toEqual(expect.any(String));
      const assign = await repos.jobAssigns.findById(ids.a, ids.assignA);
      expect(assign).toMatchObject({ status: AssignStatus.UPLOADED, extJobId: body.extJobId });
      const again = (await call('POST', '/api/partners/uploadJob', admin, { assignId: ids.assignA, customerId: ids.a })).json();
      expect(again).toMatchObject({ outcome: 'already_uploaded', extJobId: body.extJobId });
      const internal = await call('POST', '/api/partners/uploadJob', customerA, { assignId: ids.assignInternal });
      expect(internal.statusCode).toBe(422);
      expect(internal.json().code).toBe('NOT_A_PARTNER_ASSIGNMENT');
    });

    it('status reports online, active jobs, pending uploads, the last successful sync and recent errors', async () => {
      const runRecord = await repos.pollRuns.start({ owner: 'poller-test', partnerCode: 'SATLOC' });
      await repos.pollRuns.finish(runRecord.id, { counters: { assignments: 1 } });
      const failing = await repos.pollRuns.start({ owner: 'poller-test', partnerCode: null });
      await repos.pollRuns.finish(failing.id, {
        counters: {},
        errors: [
          { partnerCode: 'SATLOC', customerId: ids.b, category: 'network-timeout', message: 'GetAircraftLogs timed out' },
          { partnerCode: 'SATLOC', customerId: ids.a, category: 'auth', message: 'credentials rejected' },
        ],
        status: PollRunStatus.PARTIAL,
      });
      const status = (await call('GET', `/api/partners/${ids.satloc}/status`, admin)).json();
      expect(status).toMatchObject({ partnerCode: 'SATLOC', status: 'online', breakerState: 'closed', activeJobs: 1, pendingUploads: 1, lastHealthCheck: { up: true } });
      expect(status.lastSuccessfulSyncAt).toEqual(expect.any(String));
      expect(status.lastPollRun).toMatchObject({ id: failing.id, status: 'partial', errorCount: 2 });
      expect(status.recentErrors.map((e: { message: string }) => e.message).sort()).toEqual(['GetAircraftLogs timed out', 'credentials rejected']);
      const mine = (await call('GET', `/api/partners/${ids.satloc}/status`, customerB)).json();
      expect(mine).toMatchObject({ activeJobs: 0, pendingUploads: 1 });
      expect(mine.recentErrors.map((e: { customerId: string }) => e.customerId)).toEqual([ids.b]);
    });
  });

  describe('with the partner down', () => {
    beforeAll(() => {
      sim.faults.set('*', { failure: { kind: 'down' } });
    });
    afterAll(() => {
      sim.faults.clear();
    });

    it('aircraft answers 503 with a classified error', async () => {
      const response = await call('GET', '/api/partners/aircraft?partnerCode=SATLOC', customerB);
      expect(response.statusCode, response.body).toBe(503);
      expect(['PARTNER_UNAVAILABLE', 'PARTNER_CIRCUIT_OPEN']).toContain(response.json().code);
    });

    it('testAuth answers 503, not a refusal', async () => {
      const response = await call('POST', '/api/partners/systemUsers/testAuth', customerA, { partnerCode: 'SATLOC', username: 'acme.api', password: SECRET });
      expect(response.statusCode, response.body).toBe(503);
    });

    it('uploadJob queues UPLOAD_PARTNER_JOB and answers 202', async () => {
      await queuedTasks();
      const response = await call('POST', '/api/partners/uploadJob', service, { assignId: ids.assignB, customerId: ids.b });
      expect(response.statusCode, response.body).toBe(202);
      const body = response.json();
      expect(body).toMatchObject({ outcome: 'queued', assignId: ids.assignB, syncStatus: UploadSyncStatus.QUEUED, extJobId: null, reason: { category: 'partner-down' } });
      const tasks = await queuedTasks();
      expect(tasks).toEqual([
        expect.objectContaining({
          type: TaskType.UPLOAD_PARTNER_JOB,
          payload: { assignId: ids.assignB, customerId: ids.b, partnerCode: 'SATLOC' },
          headers: expect.objectContaining({ 'x-task-id': body.taskId, 'x-task-type': 'UPLOAD_PARTNER_JOB', 'x-partner-code': 'SATLOC', 'x-attempt': 1 }),
        }),
      ]);
      expect(await repos.jobAssigns.findById(ids.b, ids.assignB)).toMatchObject({ status: AssignStatus.NEW, upload: { syncStatus: 'queued' } });
    });

    it('status reports the partner offline', async () => {
      const status = (await call('GET', `/api/partners/${ids.satloc}/status`, service)).json();
      expect(status).toMatchObject({ status: 'offline', lastHealthCheck: { up: false } });
    });
  });

  describe('secrets', () => {
    it('no partner password or token appears in any response or log line, in any encoding', async () => {
      // Failing paths too: a wrong password, and a create that conflicts.
      await call('POST', '/api/partners/systemUsers/testAuth', customerA, { partnerCode: 'SATLOC', username: 'acme.api', password: NEW_SECRET });
      await call('POST', '/api/partners/systemUsers', customerA, { partnerId: ids.satloc, username: 'acme.dup', password: NEW_SECRET });
      await call('PUT', `/api/partners/systemUsers/${ids.psuA}`, customerA, { password: 1234 });
      expect(logs.lines.length).toBeGreaterThan(50);
      const haystack = [...logs.lines, ...responses].join('\n');
      for (const secret of [SECRET, NEW_SECRET, 'beta-password', 'drone-pass']) {
        for (const form of forms(secret)) expect(haystack.includes(form), `a form of a password leaked: ${form}`).toBe(false);
      }
      const bearer = admin['authorization']?.slice('Bearer '.length) ?? '';
      expect(logs.text.includes(bearer)).toBe(false);
      expect(logs.text.includes(jwtSecret)).toBe(false);
      const sessions = await redis.client.keys(`${run}:auth:*`);
      for (const key of sessions) {
        const value = (await redis.client.get(key)) ?? '';
        for (const form of forms(SECRET)) expect(value.includes(form)).toBe(false);
      }
    });
  });
});

describe('testAuth memory', () => {
  let probes: PartnerApiHarness;
  const CALLS = 10_000;
  const CONCURRENCY = 20;

  beforeAll(async () => {
    probes = await startPartnerApiHarness({
      runPrefix: 'it_pa_probe',
      simInitial: { companies: [{ companyId: 'acme', name: 'Acme Aerial' }], users: [{ username: 'acme.api', password: SECRET, companyId: 'acme' }] },
      // Limits out of the way: every call reaches the partner, which is what used to leave state behind.
      env: { AUTH_TEST_CUSTOMER_MAX: String(10 * CALLS), AUTH_TEST_USERNAME_FAILURES_MAX: String(10 * CALLS) },
    });
    await probes.repos.partners.create({ code: 'SATLOC', name: 'SatLoc', baseUrl: probes.sim.baseUrl, capabilities: ['health_check'] });
  });

  afterAll(async () => {
    await probes?.close();
  });

  /** `global.gc` when vitest runs with --expose-gc; otherwise switched on here (the int config does not expose it). */
  function garbageCollector(): () => void {
    if (typeof globalThis.gc === 'function') return globalThis.gc;
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  }

  it(`${CALLS} testAuth calls, accepted and refused, leave less than 5 MB of heap behind`, { timeout: 600_000 }, async () => {
    const gc = garbageCollector();
    const customerId = (await probes.repos.customers.create({ name: 'Acme Aerial', partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] })).id;
    const headers = probes.bearer(Role.CUSTOMER, customerId);
    const outcomes = { accepted: 0, refused: 0, other: 0 };
    const testAuth = async (i: number) => {
      const password = i % 2 === 0 ? SECRET : `${SECRET}-wrong`;
      const response = await probes.app.inject({ method: 'POST', url: '/api/partners/systemUsers/testAuth', headers, payload: { partnerCode: 'SATLOC', username: 'acme.api', password } });
      const body = response.statusCode === 200 ? (response.json() as { ok: boolean }) : null;
      outcomes[body === null ? 'other' : body.ok ? 'accepted' : 'refused'] += 1;
    };
    const runCalls = async (count: number) => {
      for (let i = 0; i < count; i += CONCURRENCY) await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count - i) }, (_, j) => testAuth(i + j)));
    };
    // What the test process itself keeps: log lines, the simulator's tokens and request records.
    const heapUsedAfterGc = async () => {
      probes.logs.lines.length = 0;
      probes.sim.state.expireTokens();
      probes.sim.state.resetCounters();
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      return process.memoryUsage().heapUsed;
    };

    await runCalls(500); // warm-up: pools, compiled code, metric label sets
    const before = await heapUsedAfterGc();
    await runCalls(CALLS);
    expect(outcomes).toEqual({ accepted: (500 + CALLS) / 2, refused: (500 + CALLS) / 2, other: 0 });
    expect(probes.sim.state.requestCounts.get(SatlocEndpoint.AUTHENTICATE), 'authentications sent to the partner').toBe(CALLS);
    const after = await heapUsedAfterGc();
    const growthMb = (after - before) / 1024 / 1024;
    console.log(`testAuth memory: heap after gc ${(before / 1024 / 1024).toFixed(1)} MB -> ${(after / 1024 / 1024).toFixed(1)} MB over ${CALLS} calls: ${growthMb.toFixed(2)} MB`);
    expect(growthMb).toBeLessThan(5);
    expect(await probes.redis.client.keys(`${probes.run}:auth:*`)).toEqual([]);
    expect(await probes.redis.client.keys(`${probes.run}:breaker:*auth-test*`)).toEqual([]);
  });
});
