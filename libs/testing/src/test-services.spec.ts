import { describe, expect, it } from 'vitest';
import { startTestServices, withDatabase } from './test-services.js';

describe('startTestServices', () => {
  it('uses the services named in the environment without starting anything', async () => {
    const services = await startTestServices({
      MONGO_URL: 'mongodb://127.0.0.1:27017/agair',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(services.urls).toMatchObject({ source: 'environment', rabbitmqctl: ['rabbitmqctl'], redisUrl: 'redis://127.0.0.1:6379' });
  });

  it('fails with instructions when a service is missing and no container runtime is available', async () => {
    const attempt = startTestServices({ MONGO_URL: 'mongodb://127.0.0.1:27017/agair' }, async () => {
      throw new Error('Could not find a working container runtime strategy');
    });
    await expect(attempt).rejects.toThrow(/set MONGO_URL, AMQP_URL and REDIS_URL[\s\S]*container runtime strategy/);
  });
});

describe('withDatabase', () => {
  it('replaces the database and keeps the options', () => {
    expect(withDatabase('mongodb://h:27017/agair?directConnection=true', 'it_x')).toBe('mongodb://h:27017/it_x?directConnection=true');
  });
});
