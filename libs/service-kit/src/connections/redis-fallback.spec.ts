import { LogCapture } from '@agair/testing';
import { ReplyError, type Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/metrics.js';
import { RedisFallback } from './redis-fallback.js';

/** The one thing RedisFallback reads of the client: its connection status. */
function client(status: string): { status: string } {
  return { status };
}

function setup(redis: { status: string }) {
  const logs = new LogCapture();
  const metrics = createMetricsRegistry('fallback-test');
  const fallback = new RedisFallback({ redis: redis as unknown as Redis, metrics, logger: createLogger({ name: 'fallback-test', level: 'info', destination: logs }), timeoutMs: 50 });
  const degraded = async (feature: string) =>
    (await metrics.getSingleMetricAsString('agair_degraded_total')).split('\n').find((line) => line.includes(`feature="${feature}"`))?.split(' ').pop();
  return { logs, fallback, degraded };
}

describe('RedisFallback', () => {
  it('uses Redis while it answers, and counts nothing', async () => {
    const { fallback, degraded, logs } = setup(client('ready'));
    expect(await fallback.run('idempotency', async () => 'from redis', () => 'from memory')).toBe('from redis');
    expect(await degraded('idempotency')).toBeUndefined();
    expect(logs.records().filter((l) => Number(l['level']) >= 40)).toEqual([]);
  });

  it('skips Redis at once while the client is not ready: the command is never sent', async () => {
    const { fallback, degraded } = setup(client('reconnecting'));
    let sent = 0;
    const primary = async () => {
      sent += 1;
      return 'from redis';
    };
    expect(await fallback.run('rate_limit', primary, () => 'from memory')).toBe('from memory');
    expect(await fallback.run('rate_limit', primary, () => 'from memory')).toBe('from memory');
    expect(sent).toBe(0);
    expect(await degraded('rate_limit')).toBe('2');
  });

  it('goes on without Redis when it does not answer before the deadline, or the connection fails', async () => {
    const { fallback, degraded } = setup(client('ready'));
    const hanging = () => new Promise<string>(() => undefined);
    expect(await fallback.run('partner_state', hanging, () => 'from memory')).toBe('from memory');
    const closed = async (): Promise<string> => {
      throw new Error('Connection is closed.');
    };
    expect(await fallback.run('partner_state', closed, () => 'from memory')).toBe('from memory');
    expect(await degraded('partner_state')).toBe('2');
  });

  it('rethrows an error Redis answered (a script error is a bug, not an outage)', async () => {
    const { fallback, degraded } = setup(client('ready'));
    const scriptError = async (): Promise<string> => {
      throw new ReplyError('ERR Error running script');
    };
    await expect(fallback.run('idempotency', scriptError, () => 'from memory')).rejects.toThrow(/running script/);
    expect(await degraded('idempotency')).toBeUndefined();
  });

  it('warns once per outage and feature, and says when the feature uses Redis again', async () => {
    const redis = client('reconnecting');
    const { fallback, logs } = setup(redis);
    for (let i = 0; i < 3; i++) await fallback.run('rate_limit', async () => 1, () => 0);
    await fallback.run('idempotency', async () => 1, () => 0);
    const warnings = () => logs.records().filter((l) => l['level'] === 40);
    expect(warnings().map((w) => w['feature'])).toEqual(['rate_limit', 'idempotency']);
    expect(warnings()[0]).toMatchObject({ dependency: 'redis', reason: 'Redis connection is reconnecting' });

    redis.status = 'ready';
    await fallback.run('rate_limit', async () => 1, () => 0);
    await fallback.run('rate_limit', async () => 1, () => 0);
    expect(logs.records().filter((l) => String(l['msg']).startsWith('Redis answers again')).map((l) => l['feature'])).toEqual(['rate_limit']);

    redis.status = 'reconnecting';
    await fallback.run('rate_limit', async () => 1, () => 0);
    expect(warnings().map((w) => w['feature'])).toEqual(['rate_limit', 'idempotency', 'rate_limit']);
  });
});
