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
