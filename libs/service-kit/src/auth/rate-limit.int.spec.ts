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

  async function replica(): Promise<HttpApp> {
    const app = await createHttpApp({
      name: 'rate-test',
      version: '1',
      logger: createLogger({ name: 'rate-test', level: 'silent', destination: new LogCapture() }),
      metrics: createMetricsRegistry('rate-test'),
      dependencies: [],
    });
    await registerAuth(app, { ...settings, rateLimit: { redis, max: 3, timeWindowMs: 60_000 } });
    app.get('/things', { config: { roles: [Role.ADMIN] }, schema: { response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }));
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
});
