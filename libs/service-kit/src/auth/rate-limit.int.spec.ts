import { randomInt } from 'node:crypto';
import { LogCapture, testServices } from '@agair/testing';
import { Redis } from 'ioredis';
import { Type } from 'typebox';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpApp, type HttpApp } from '../http/create-http-app.js';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/metrics.js';
import { Role, mintToken, registerAuth } from './auth.js';

const settings = { jwtSecret: 'r'.repeat(40), issuer: 'agair', audience: 'agair-api' };

describe('rate limiting per caller, shared through Redis', () => {
  const redis = new Redis(testServices().redisUrl);
  const apps: HttpApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis.quit();
  });

  async function replica(limits: { max?: number; ipMax?: number } = {}): Promise<HttpApp> {
    const app = await createHttpApp({
      name: 'rate-test',
      version: '1',
      logger: createLogger({ name: 'rate-test', level: 'silent', destination: new LogCapture() }),
      metrics: createMetricsRegistry('rate-test'),
      dependencies: [],
    });
    await registerAuth(app, { ...settings, rateLimit: { redis, max: limits.max ?? 3, ipMax: limits.ipMax ?? 1_000_000, timeWindowMs: 60_000 } });
    app.get('/things', { config: { roles: [Role.ADMIN] }, schema: { response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }));
    app.post(
      '/things',
      { config: { roles: [Role.ADMIN, Role.CUSTOMER] }, schema: { body: Type.Object({ name: Type.String({ maxLength: 10 }) }), response: { 200: Type.Object({ ok: Type.Boolean() }) } } },
      async () => ({ ok: true }),
    );
    await app.ready();
    apps.push(app);
    return app;
  }

  it('counts one caller across replicas and answers 429 with Retry-After; other callers are unaffected', async () => {
    const [a, b] = [await replica(), await replica()];
    const caller = { authorization: `Bearer ${mintToken({ ...settings, sub: `ops-${Date.now()}`, role: Role.ADMIN })}` };
    const other = { authorization: `Bearer ${mintToken({ ...settings, sub: `other-${Date.now()}`, role: Role.ADMIN })}` };
    const statuses = [];
    for (const app of [a, b, a, b]) statuses.push((await app.inject({ url: '/things', headers: caller })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await a.inject({ url: '/things', headers: caller });
    expect(limited.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await b.inject({ url: '/things', headers: other })).statusCode).toBe(200);
    // Health stays reachable for probes whatever the limits.
    for (let i = 0; i < 5; i++) expect((await a.inject({ url: '/health/live' })).statusCode).toBe(200);
  });

  it('counts rejected requests too, before the body is read: bad bodies, wrong roles and (per address) bad tokens', async () => {
    const app = await replica({ max: 3, ipMax: 6 });
    // An address of its own (the Redis counts outlive a test run; other suites call from 127.0.0.1).
    const remoteAddress = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
    const send = (request: { method?: 'GET' | 'POST'; headers?: Record<string, string>; payload?: string | object }) => app.inject({ url: '/things', remoteAddress, ...request });
    const caller = { authorization: `Bearer ${mintToken({ ...settings, sub: `bad-bodies-${Date.now()}`, role: Role.CUSTOMER, customerId: 'c1' })}` };
    const invalid = { name: 'far too long for the schema' };
    const statuses = [];
    statuses.push((await send({ method: 'POST', headers: caller, payload: invalid })).statusCode);
    statuses.push((await send({ headers: caller })).statusCode); // a role the route refuses
    statuses.push((await send({ method: 'POST', headers: caller, payload: invalid })).statusCode);
    // Over the limit, a body larger than the app accepts is refused before it is read: 429, not 413.
    statuses.push((await send({ method: 'POST', headers: { ...caller, 'content-type': 'application/json' }, payload: 'x'.repeat(2 * 1024 * 1024) })).statusCode);
    expect(statuses).toEqual([400, 403, 400, 429]);

    // Requests without a valid token are counted per client address, with every other request from it.
    const noToken = [];
    for (let i = 0; i < 3; i++) noToken.push((await send({ headers: { authorization: 'Bearer nope' } })).statusCode);
    expect(noToken).toEqual([401, 401, 429]); // the address had made 4 requests above: the 7th is over 6
  });
});
