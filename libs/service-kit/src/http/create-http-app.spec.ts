import { LogCapture } from '@agair/testing';
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, TooManyRequestsError } from '../errors.js';
import { optionalDependency, type Dependency } from '../health/dependency.js';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/metrics.js';
import { createHttpApp, type HttpApp } from './create-http-app.js';
import { errorResponses } from './schemas.js';

class FakeDependency implements Dependency {
  healthy = true;
  closed = false;
  constructor(readonly name: string) {}
  async check(): Promise<void> {
    if (!this.healthy) throw new Error(`${this.name} is down`);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

async function build(dependencies: Dependency[] = [], capture = new LogCapture()): Promise<HttpApp> {
  const app = await createHttpApp({
    name: 'test-api',
    version: '1.2.3',
    logger: createLogger({ name: 'test-api', level: 'info', destination: capture }),
    metrics: createMetricsRegistry('test-api'),
    dependencies,
  });
  app.post(
    '/things/:id',
    {
      schema: {
        tags: ['things'],
        params: Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{24}$' }) }),
        body: Type.Object({ name: Type.String({ maxLength: 10 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ id: Type.String(), name: Type.String() }), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      if (request.body.name === 'missing') throw new NotFoundError('Thing');
      if (request.body.name === 'busy') throw new TooManyRequestsError(7);
      if (request.body.name === 'crash') throw new Error('connection string mongodb://admin:s3cret@db failed');
      return { id: request.params.id, name: request.body.name };
    },
  );
  app.get(
    '/page',
    {
      schema: {
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ limit: Type.Integer() }) },
      },
    },
    async (request) => ({ limit: request.query.limit }),
  );
  await app.ready();
  return app;
}

const id = 'a'.repeat(24);

describe('createHttpApp', () => {
  let app: HttpApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('serves a validated route', async () => {
    app = await build();
    const response = await app.inject({ method: 'POST', url: `/things/${id}`, payload: { name: 'boom' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id, name: 'boom' });
    expect(response.headers['x-request-id']).toBeTruthy();
  });

  it.each([
    ['a wrong type', { name: 42 }],
    ['an extra field', { name: 'ok', admin: true }],
    ['an oversize string', { name: 'x'.repeat(11) }],
    ['a missing field', {}],
  ])('answers 400 VALIDATION_FAILED for %s', async (_case, payload) => {
    app = await build();
    const response = await app.inject({ method: 'POST', url: `/things/${id}`, payload });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', error: 'Bad Request' });
  });

  it('fills in query defaults and converts query strings to numbers', async () => {
    app = await build();
    expect((await app.inject('/page')).json()).toEqual({ limit: 20 });
    expect((await app.inject('/page?limit=7')).json()).toEqual({ limit: 7 });
    expect((await app.inject('/page?limit=700')).statusCode).toBe(400);
    expect((await app.inject('/page?limit=abc')).statusCode).toBe(400);
  });

  it('answers 400 for malformed JSON and for a bad path parameter', async () => {
    app = await build();
    const badJson = await app.inject({ method: 'POST', url: `/things/${id}`, headers: { 'content-type': 'application/json' }, payload: '{"name":' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().code).toBe('FST_ERR_CTP_INVALID_JSON_BODY');
    const badParam = await app.inject({ method: 'POST', url: '/things/not-an-id', payload: { name: 'x' } });
    expect(badParam.statusCode).toBe(400);
  });

  it('maps typed errors to their status and code, with Retry-After for rate limits', async () => {
    app = await build();
    const missing = await app.inject({ method: 'POST', url: `/things/${id}`, payload: { name: 'missing' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND', message: 'Thing not found' });
    const busy = await app.inject({ method: 'POST', url: `/things/${id}`, payload: { name: 'busy' } });
    expect(busy.statusCode).toBe(429);
    expect(busy.headers['retry-after']).toBe('7');
  });

  it('reveals nothing internal in a 500 body but logs the error', async () => {
    const capture = new LogCapture();
    app = await build([], capture);
    const response = await app.inject({ method: 'POST', url: `/things/${id}`, payload: { name: 'crash' } });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      statusCode: 500,
      code: 'INTERNAL',
      error: 'Internal Server Error',
      message: 'Internal server error',
      requestId: response.headers['x-request-id'],
    });
    expect(response.body).not.toMatch(/s3cret|mongodb|stack/);
    expect(capture.text).toMatch(/request failed/);
  });

  it('logs one access line per request, with its id, status and duration, and none for health and metrics', async () => {
    const capture = new LogCapture();
    app = await build([], capture);
    const response = await app.inject({ method: 'POST', url: `/things/${id}`, payload: { name: 'ok' } });
    await app.inject({ method: 'POST', url: `/things/${id}`, payload: { name: 'missing' } });
    await app.inject({ method: 'GET', url: '/health/live' });
    await app.inject({ method: 'GET', url: '/metrics' });
    await app.inject({ method: 'GET', url: '/page?limit=5&token=abc123&apiKey=k9' });
    const access = capture.records().filter((r) => r['msg'] === 'request completed');
    expect(access).toHaveLength(3);
    expect(access[0]).toMatchObject({ reqId: response.headers['x-request-id'], method: 'POST', url: `/things/${id}`, statusCode: 200 });
    expect(access[0]?.['responseTimeMs']).toEqual(expect.any(Number));
    expect(access[1]).toMatchObject({ statusCode: 404 });
    expect(access[2]?.['url']).toBe('/page?limit=5&token=***&apiKey=***');
    expect(capture.text).not.toMatch(/abc123|k9/);
    expect(capture.records().filter((r) => r['msg'] === 'incoming request')).toEqual([]);
  });

  it('answers unknown routes with a JSON 404', async () => {
    app = await build();
    const response = await app.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', message: 'Route GET /nowhere not found' });
  });

  it('reports readiness per dependency: 200 when all answer, 503 naming the one that does not', async () => {
    const mongo = new FakeDependency('mongodb');
    const rabbit = new FakeDependency('rabbitmq');
    app = await build([mongo, rabbit]);
    expect((await app.inject('/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await app.inject('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().status).toBe('ready');

    rabbit.healthy = false;
    const notReady = await app.inject('/health/ready');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json().dependencies).toEqual([
      expect.objectContaining({ name: 'mongodb', ok: true }),
      expect.objectContaining({ name: 'rabbitmq', ok: false, error: 'rabbitmq is down' }),
    ]);
  });

  it('stays ready while an optional dependency is down, reporting it and the status degraded', async () => {
    const mongo = new FakeDependency('mongodb');
    const redis = new FakeDependency('redis');
    app = await build([mongo, optionalDependency(redis)]);
    expect((await app.inject('/health/ready')).json()).toMatchObject({ status: 'ready', dependencies: [{ name: 'mongodb', ok: true }, { name: 'redis', ok: true, optional: true }] });

    redis.healthy = false;
    const degraded = await app.inject('/health/ready');
    expect(degraded.statusCode).toBe(200);
    expect(degraded.json()).toEqual({
      status: 'degraded',
      dependencies: [expect.objectContaining({ name: 'mongodb', ok: true }), expect.objectContaining({ name: 'redis', ok: false, optional: true, error: 'redis is down' })],
    });

    mongo.healthy = false;
    expect((await app.inject('/health/ready')).statusCode).toBe(503);
    await app.close();
    app = undefined;
    expect(redis.closed).toBe(true);
  });

  it('closes its dependencies when it closes, in reverse order', async () => {
    const order: string[] = [];
    const dependency = (name: string): Dependency => ({ name, check: async () => undefined, close: async () => void order.push(name) });
    const local = await build([dependency('mongodb'), dependency('rabbitmq'), dependency('redis')]);
    await local.close();
    expect(order).toEqual(['redis', 'rabbitmq', 'mongodb']);
  });

  it('exposes Prometheus metrics with request durations by route pattern', async () => {
    app = await build();
    await app.inject({ method: 'POST', url: `/things/${id}`, payload: { name: 'x' } });
    const metrics = await app.inject('/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/things\/:id"[^}]*status_code="200"[^}]*\} 1/);
    expect(metrics.body).toMatch(/process_cpu_user_seconds_total/);
  });

  it('publishes an OpenAPI document with the routes, their tags and response schemas', async () => {
    app = await build();
    const doc = (await app.inject('/documentation/json')).json();
    expect(doc.info).toMatchObject({ title: 'test-api', version: '1.2.3' });
    expect(doc.paths['/things/{id}'].post.tags).toEqual(['things']);
    expect(Object.keys(doc.paths['/things/{id}'].post.responses)).toEqual(['200', '400', '404']);
    expect(doc.paths['/health/ready'].get.responses['503']).toBeDefined();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
