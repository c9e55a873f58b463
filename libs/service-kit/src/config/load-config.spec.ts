import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { AmqpEnv, MongoEnv, RuntimeEnv } from './common.js';
import { ConfigError, loadConfig } from './load-config.js';

const Schema = Type.Object({ ...RuntimeEnv, ...MongoEnv, ...AmqpEnv, PORT: Type.Integer({ minimum: 1, maximum: 65535 }) });

describe('loadConfig', () => {
  it('applies defaults and converts strings to the schema types', () => {
    const config = loadConfig(Schema, { MONGO_URL: 'mongodb://127.0.0.1:27017/agair', AMQP_URL: 'amqp://localhost', PORT: '8080' });
    expect(config).toMatchObject({ NODE_ENV: 'development', LOG_LEVEL: 'info', PORT: 8080, AMQP_HEARTBEAT_S: 10, QUEUE_PREFIX: '' });
  });

  it('names every problem in one error and never echoes a value', () => {
    const attempt = () =>
      loadConfig(Schema, { AMQP_URL: 'http://user:hunter2@host', PORT: 'eighty', LOG_LEVEL: 'loud', UNRELATED: 'x' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/MONGO_URL is required/);
      expect(problems).toMatch(/AMQP_URL/);
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/LOG_LEVEL/);
      expect(problems).not.toMatch(/UNRELATED/);
      expect((err as Error).message).not.toContain('hunter2');
      expect((err as Error).message).toMatch(/^Invalid configuration \(4 problems\)/);
    }
  });

  it('treats an empty variable as unset', () => {
    expect(() => loadConfig(Schema, { MONGO_URL: '', AMQP_URL: 'amqp://x', PORT: '1' })).toThrow(/MONGO_URL is required/);
  });
});
