import { LogCapture } from '@agair/testing';
import { Redis } from 'ioredis';
import { Type } from 'typebox';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisFallback } from '../connections/redis-fallback.js';
import { createHttpApp } from '../http/create-http-app.js';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/metrics.js';
import { Role, mintToken, registerAuth } from './auth.js';

const settings = { jwtSecret: 'd'.repeat(40), issuer: 'agair', audience: 'agair-api' };

describe('rate limits while Redis is away', () => {
  // Never connected (lazy): the client stays in status `wait`, as good as down for the limiter.
  const redis = new Redis({ port: 1, lazyConnect: true });
  afterAll(() => redis.disconnect());

  it('are counted per replica in memory, with one warning and a degraded count per count taken', async () => {
    const logs = new LogCapture();
    const metrics = createMetricsRegistry('rate-degraded-test');
    const logger = createLogger({ name: 'rate-degraded-test', level: 'info', destination: logs });
    const app = await createHttpApp({ name: 'rate-degraded-test', version: '1', logger, metrics, dependencies: [] });
    const fallback = new RedisFallback({ redis, metrics, logger, timeoutMs: 100 });
    await registerAuth(app, { ...settings, rateLimit: { redis, fallback, max: 2, timeWindowMs: 60_000 } });
    app.get('/things', { config: { roles: [Role.ADMIN] }, schema: { response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }));
    await app.ready();
    try {
      const caller = { authorization: `Bearer ${mintToken({ ...settings, sub: 'ops', role: Role.ADMIN })}` };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await app.inject({ url: '/things', headers: caller })).statusCode);
      expect(statuses).toEqual([200, 200, 429]);
      // Each request counted twice, per client address and per caller.
      expect(await metrics.getSingleMetricAsString('agair_degraded_total')).toContain('agair_degraded_total{dependency="redis",feature="rate_limit",service="rate-degraded-test"} 6');
      const warnings = logs.records().filter((line) => line['level'] === 40 && line['feature'] === 'rate_limit');
      expect(warnings).toHaveLength(1);
      expect(redis.status).toBe('wait');
    } finally {
      await app.close();
    }
  });
});
