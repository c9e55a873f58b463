import { describe, expect, it } from 'vitest';
import { errorBodyProblem, runAuthMatrix, signHs256Jwt, type AuthCase } from './auth-matrix.js';
import { deeplyNested, fuzzRoutes } from './route-fuzz.js';
import { fillPath, parseRouteTree, routeTable, sampleFromSchema, type InjectableApp, type InjectRequest, type InjectedResponse, type JsonSchema } from './route-table.js';

/** `printRoutes({ commonPrefix: false })` of Fastify 5 for these routes. */
const TREE = [
  '├── /health/live (GET, HEAD)',
  '├── /metrics (GET, HEAD)',
  '├── /api/dlq/:queueName/purge (POST)',
  '└── /api/partners (GET, HEAD, POST)',
  '    ├── /systemUsers (GET, HEAD)',
  '    └── /:id (GET, HEAD, PUT)',
  '        └── /status (GET, HEAD)',
  '',
].join('\n');

const ID = { type: 'string', pattern: '^[0-9a-f]{24}$' } satisfies JsonSchema;
const body = { type: 'object', properties: { name: { type: 'string', maxLength: 10 }, partnerId: ID }, required: ['name', 'partnerId'], additionalProperties: false } satisfies JsonSchema;

const DOCUMENT = {
  paths: {
    '/health/live': { get: {} },
    '/metrics': { get: {} },
    '/api/dlq/{queueName}/purge': { post: { parameters: [{ name: 'queueName', in: 'path', required: true, schema: { type: 'string' } }], security: [{ bearerAuth: [] }] } },
    '/api/partners': { get: { security: [{ bearerAuth: [] }] }, post: { requestBody: { content: { 'application/json': { schema: body } } }, security: [{ bearerAuth: [] }] } },
    '/api/partners/systemUsers': { get: { parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }] } },
    '/api/partners/{id}': { get: { parameters: [{ name: 'id', in: 'path', required: true, schema: ID }] }, put: { parameters: [{ name: 'id', in: 'path', required: true, schema: ID }] } },
    '/api/partners/{id}/status': { get: { parameters: [{ name: 'id', in: 'path', required: true, schema: ID }] } },
  },
};

function fakeApp(tree: string, document: object, handle: (request: InjectRequest) => InjectedResponse): InjectableApp {
  return {
    printRoutes: () => tree,
    inject: async (request) => (request.url === '/documentation/json' ? { statusCode: 200, body: JSON.stringify(document), headers: {} } : handle(request)),
  };
}

const json = (statusCode: number, value: unknown): InjectedResponse => ({ statusCode, body: JSON.stringify(value), headers: { 'content-type': 'application/json; charset=utf-8' } });
const error = (statusCode: number) => json(statusCode, { statusCode, code: 'X', message: 'x' });

describe('route table', () => {
  it('reads every method and full path out of the nested route tree, without HEAD', () => {
    expect(parseRouteTree(TREE).map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /health/live',
      'GET /metrics',
      'POST /api/dlq/:queueName/purge',
      'GET /api/partners',
      'POST /api/partners',
      'GET /api/partners/systemUsers',
      'GET /api/partners/:id',
      'PUT /api/partners/:id',
      'GET /api/partners/:id/status',
    ]);
  });

  it('joins the document and the served routes, with parameters and body schemas', async () => {
    const routes = await routeTable(fakeApp(TREE, DOCUMENT, () => error(404)));
    expect(routes).toHaveLength(9);
    expect(routes.find((r) => r.key === 'POST /api/partners')).toMatchObject({ body, secured: true, pathParams: [] });
    expect(routes.find((r) => r.key === 'GET /api/partners/systemUsers')?.query).toEqual([{ name: 'limit', required: false, schema: { type: 'integer' } }]);
    expect(routes.find((r) => r.key === 'PUT /api/partners/:id')?.pathParams).toEqual([{ name: 'id', required: true, schema: ID }]);
  });

  it('fails when a served route is not documented, or a documented one not served', async () => {
    const tree = `${TREE}├── /api/hidden (DELETE)\n`;
    await expect(routeTable(fakeApp(tree, DOCUMENT, () => error(404)))).rejects.toThrow(/served but not in \/documentation\/json: \[DELETE \/api\/hidden\]/);
    const extra = { paths: { ...DOCUMENT.paths, '/api/ghost': { get: {} } } };
    await expect(routeTable(fakeApp(TREE, extra, () => error(404)))).rejects.toThrow(/documented but not served: \[GET \/api\/ghost\]/);
  });

  it('fills path parameters and builds a valid sample body from a schema', () => {
    expect(fillPath('/api/x/:id/y/:name', { id: '1', name: '../a b' })).toBe('/api/x/1/y/..%2Fa%20b');
    expect(fillPath('/api/x/:id', { id: '../..' }, { raw: true })).toBe('/api/x/../..');
    expect(sampleFromSchema(body, { strings: { '^[0-9a-f]{24}$': 'f'.repeat(24) } })).toEqual({ name: 'x', partnerId: 'f'.repeat(24) });
    expect(sampleFromSchema(body, { overrides: { name: 'n', extra: 1 } })).toMatchObject({ name: 'n', extra: 1 });
  });
});

describe('authorization matrix', () => {
  const routes = [
    { method: 'GET' as const, url: '/a', key: 'GET /a', pathParams: [], query: [], body: null, secured: true },
    { method: 'GET' as const, url: '/b', key: 'GET /b', pathParams: [], query: [], body: null, secured: true },
  ];
  const headers = { none: {}, expired: {}, wrongSignature: {}, customerA: { who: 'a' }, customerB: {}, admin: {}, service: {} };
  const app = fakeApp('', {}, (request) => (request.headers?.['who'] === 'a' ? json(200, {}) : error(401)));
  const everyone401: AuthCase['expect'] = { none: 401, expired: 401, wrongSignature: 401, customerA: 200, customerB: 401, admin: 401, service: 401 };

  it('passes when every status matches and reports a wrong one, a missing row and a stale row', async () => {
    const good = await runAuthMatrix(app, routes, { 'GET /a': { request: () => ({ url: '/a' }), expect: everyone401 }, 'GET /b': { request: () => ({ url: '/b' }), expect: everyone401 } }, headers);
    expect(good).toMatchObject({ failures: [], checked: 14 });
    const bad = await runAuthMatrix(app, routes, { 'GET /a': { request: () => ({ url: '/a' }), expect: { ...everyone401, admin: 200 } }, 'GET /gone': { request: () => ({ url: '/' }), expect: everyone401 } }, headers);
    expect(bad.failures).toEqual([
      'GET /gone: in the table but not served',
      expect.stringMatching(/^GET \/a as admin: expected 200, got 401/),
      'GET /b: served but missing from the authorization table',
    ]);
  });

  it('recognises the platform error body', () => {
    expect(errorBodyProblem(404, JSON.stringify({ statusCode: 404, code: 'NOT_FOUND', message: 'x' }))).toBeNull();
    expect(errorBodyProblem(404, 'Not Found')).toMatch(/not JSON/);
    expect(errorBodyProblem(404, JSON.stringify({ statusCode: 400, code: 'X', message: 'x' }))).toMatch(/statusCode 400/);
    expect(errorBodyProblem(400, JSON.stringify({ statusCode: 400, message: 'x' }))).toMatch(/without a code/);
  });

  it('signs an HS256 token with exactly the claims given', () => {
    const [header, claims] = signHs256Jwt({ sub: 's', exp: 1 }, 'secret').split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(claims ?? '', 'base64url').toString())).toEqual({ sub: 's', exp: 1 });
  });
});

describe('fuzzing', () => {
  const route = { method: 'POST' as const, url: '/api/partners/:id', key: 'POST /api/partners/:id', pathParams: [{ name: 'id', required: true, schema: ID }], query: [], body, secured: true };

  it('sends hostile variants and passes an app that answers them with 4xx JSON errors', async () => {
    const seen: InjectRequest[] = [];
    const app = fakeApp('', {}, (request) => {
      seen.push(request);
      return request.url === '/health/live' ? json(200, { status: 'ok' }) : error(400);
    });
    const report = await fuzzRoutes(app, [route], { headers: {}, numRuns: 200, seed: 7, bases: { [route.key]: { params: { id: 'f'.repeat(24) }, body: { name: 'n', partnerId: 'f'.repeat(24) } } } });
    expect(report.runs[route.key]).toBe(200);
    const payloads = seen.map((r) => String(r.payload ?? ''));
    expect(payloads.some((p) => p.length >= 100_000)).toBe(true);
    expect(payloads.some((p) => p.includes('['.repeat(1000)))).toBe(true);
    expect(payloads.some((p) => p.includes('{"a":'.repeat(999)))).toBe(true);
    expect(seen.some((r) => r.url.includes('..'))).toBe(true);
    expect(seen.some((r) => r.headers?.['content-type'] === 'text/plain')).toBe(true);
  });

  it('fails on a 5xx, on an error body that is not the JSON shape, and when the app dies', async () => {
    const options = { headers: {}, numRuns: 100, seed: 7 };
    const crashesOnArrays = fakeApp('', {}, (request) => (String(request.payload ?? '').startsWith('[') ? error(500) : request.url === '/health/live' ? json(200, {}) : error(400)));
    await expect(fuzzRoutes(crashesOnArrays, [route], options)).rejects.toThrow(/server error for POST \/api\/partners\/:id/);
    const textErrors = fakeApp('', {}, (request) => (request.url === '/health/live' ? json(200, {}) : { statusCode: 400, body: 'Bad Request', headers: {} }));
    await expect(fuzzRoutes(textErrors, [route], options)).rejects.toThrow(/not JSON/);
    const dead = fakeApp('', {}, (request) => (request.url === '/health/live' ? error(503) : error(400)));
    await expect(fuzzRoutes(dead, [route], options)).rejects.toThrow(/\/health\/live answered 503/);
  });

  it('nests as deep as asked', () => {
    expect(JSON.stringify(deeplyNested(1000, 'array'))).toBe(`${'['.repeat(1000)}${']'.repeat(1000)}`);
  });
});
