import { LogCapture, testServices, uniqueName } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { RedisConnection } from './redis.js';

describe('RedisConnection', () => {
  let redis: RedisConnection;
  const prefix = uniqueName('it');

  beforeAll(async () => {
    redis = new RedisConnection({
      url: testServices().redisUrl,
      connectionName: 'service-kit-test',
      logger: createLogger({ name: 'test', level: 'silent', destination: new LogCapture() }),
    });
    await redis.client.ping();
    await redis.check();
  });

  afterAll(async () => {
    await redis.close();
  });

  it('stores a value with a TTL and forgets it when the TTL runs out', async () => {
    const key = `${prefix}:auth:customer-1`;
    expect(await redis.client.set(key, 'token-value', 'PX', 300)).toBe('OK');
    expect(await redis.client.get(key)).toBe('token-value');
    const ttl = await redis.client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await redis.client.get(key)).toBeNull();
    expect(await redis.client.pttl(key)).toBe(-2);
  });

  it('SET NX gives a lock to one caller only', async () => {
    const key = `${prefix}:lease`;
    const results = await Promise.all(['a', 'b', 'c'].map((owner) => redis.client.set(key, owner, 'PX', 5000, 'NX')));
    expect(results.filter((r) => r === 'OK')).toHaveLength(1);
    await redis.client.del(key);
  });
});
