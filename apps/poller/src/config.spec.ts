import { retentionPolicy } from '@agair/runtime';
import { ConfigError, loadConfig } from '@agair/service-kit';
import { describe, expect, it } from 'vitest';
import { PollerConfig } from './config.js';

const required = {
  MONGO_URL: 'mongodb://127.0.0.1:27017/agair',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  REDIS_URL: 'redis://127.0.0.1:6379',
  CREDENTIAL_KEYS: 'k1:AAAA',
  CREDENTIAL_ACTIVE_KEY_ID: 'k1',
  SATLOC_BASE_URL: 'http://127.0.0.1:5080/api/Satloc',
};

describe('PollerConfig', () => {
  it('polls every 15 minutes by default, with one leader lease of 30 s', () => {
    expect(loadConfig(PollerConfig, required)).toMatchObject({ POLL_CRON: '*/15 * * * *', POLL_LEADER_TTL_MS: 30_000, HTTP_PORT: 3004 });
  });

  it('keeps raw logs and task trackers 30 days, poll runs and sync requests 14, and refuses a retention that is not a duration', () => {
    const config = loadConfig(PollerConfig, required);
    expect(retentionPolicy(config)).toEqual({
      keepMs: { raw_logs: 30 * 86_400_000, task_trackers: 30 * 86_400_000, poll_runs: 14 * 86_400_000, sync_requests: 14 * 86_400_000 },
      batchSize: 100,
      batchPauseMs: 200,
      maxPerSweep: 20_000,
      dryRun: false,
    });
    const custom = loadConfig(PollerConfig, { ...required, RETENTION_RAW_LOGS: '12h', RETENTION_POLL_RUNS: 'forever', RETENTION_DRY_RUN: 'true' });
    expect(retentionPolicy(custom)).toMatchObject({ keepMs: { raw_logs: 12 * 3_600_000, poll_runs: null }, dryRun: true });
    expect(() => loadConfig(PollerConfig, { ...required, RETENTION_RAW_LOGS: '30 days' })).toThrow(/RETENTION_RAW_LOGS/);
  });

  it('names every missing variable', () => {
    try {
      loadConfig(PollerConfig, { MONGO_URL: required.MONGO_URL });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.split(' ')[0])).toEqual([
        'AMQP_URL',
        'REDIS_URL',
        'CREDENTIAL_KEYS',
        'CREDENTIAL_ACTIVE_KEY_ID',
        'SATLOC_BASE_URL',
      ]);
    }
  });
});
