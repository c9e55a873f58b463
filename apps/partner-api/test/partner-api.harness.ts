import { randomBytes } from 'node:crypto';
import { createSatlocSimulator, type SatlocSimulator, type SimSeed } from '@agair/partner-sdk/simulator';
import { createRepositories, type Repositories } from '@agair/persistence';
import { partnerTaskTopology } from '@agair/runtime';
import { MongoConnection, RedisConnection, createLogger, loadConfig, mintToken, type HttpApp, type Role } from '@agair/service-kit';
import { LogCapture, testServices, uniqueName, withDatabase } from '@agair/testing';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { buildApp } from '../src/app.js';
import { PartnerApiConfig } from '../src/config.js';

export interface PartnerApiHarness {
  run: string;
  jwtSecret: string;
  sim: SatlocSimulator;
  config: PartnerApiConfig;
  app: HttpApp;
  /** Every log line the app wrote. */
  logs: LogCapture;
  mongo: MongoConnection;
  repos: Repositories;
  redis: RedisConnection;
  connection: AmqpConnectionManager;
  channel: ChannelWrapper;
  /** Authorization header of a token the app accepts. */
  bearer(role: Role, customerId?: string): Record<string, string>;
  close(): Promise<void>;
}

/**
 * partner-api built in-process against the real services, with a database, queue prefix and
 * Redis prefix of its own and an in-process SatLoc simulator seeded with `simInitial`; plus the
 * repositories, Redis and a broker channel for the test to look behind the API. `env` adds to (or
 * overrides) the app's environment.
 */
export async function startPartnerApiHarness(options: { runPrefix: string; simInitial: SimSeed; env?: Record<string, string> }): Promise<PartnerApiHarness> {
  const run = uniqueName(options.runPrefix);
  const jwtSecret = randomBytes(32).toString('hex');
  const sim = await createSatlocSimulator({ initial: options.simInitial });
  await sim.listen();
  const { mongoUrl, amqpUrl, redisUrl } = testServices();
  const dbUrl = withDatabase(mongoUrl, run);
  const keys = `k1:${randomBytes(32).toString('base64')}`;
  const config = loadConfig(PartnerApiConfig, {
    MONGO_URL: dbUrl,
    AMQP_URL: amqpUrl,
    REDIS_URL: redisUrl,
    HTTP_PORT: '0',
    JWT_SECRET: jwtSecret,
    CREDENTIAL_KEYS: keys,
    CREDENTIAL_ACTIVE_KEY_ID: 'k1',
    SATLOC_BASE_URL: sim.baseUrl,
    SATLOC_TIMEOUT_MS: '2000',
    QUEUE_PREFIX: `${run}_`,
    TASK_RETRY_TIERS_MS: '1000',
    PARTNER_HEALTH_CACHE_MS: '0',
    PARTNER_HEALTH_TIMEOUT_MS: '1500',
    PARTNER_STATE_KEY_PREFIX: `${run}:`,
    RATE_LIMIT_MAX: '100000',
    RATE_LIMIT_IP_MAX: '100000',
    ENQUEUE_TIMEOUT_MS: '5000',
    AMQP_RECONNECT_S: '1',
    ...options.env,
  });
  const logs = new LogCapture();
  const app = await buildApp(config, createLogger({ name: 'partner-api', level: 'trace', destination: logs }));
  await app.ready();

  const silent = createLogger({ name: 'test', level: 'silent', destination: new LogCapture() });
  const mongo = new MongoConnection({ url: dbUrl, appName: `${run}-test`, logger: silent });
  const repos = createRepositories(mongo.db, { credentialKeys: { keys, activeKeyId: 'k1' } });
  const redis = new RedisConnection({ url: redisUrl, connectionName: `${run}-test`, logger: silent });
  const connection = amqp.connect([amqpUrl]);
  const channel = connection.createChannel({ setup: async (_ch: ConfirmChannel) => undefined });
  await channel.waitForConnect();

  return {
    run,
    jwtSecret,
    sim,
    config,
    app,
    logs,
    mongo,
    repos,
    redis,
    connection,
    channel,
    bearer: (role, customerId) => {
      const jwt = mintToken({ jwtSecret, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, sub: `${run}-${role}-${customerId ?? 'all'}`, role, ...(customerId ? { customerId } : {}) });
      return { authorization: `Bearer ${jwt}` };
    },
    close: async () => {
      const topology = partnerTaskTopology(config);
      for (const q of [topology.main, topology.failed, ...topology.tiers.map((t) => t.queue)]) await channel.deleteQueue(q).catch(() => undefined);
      await channel.close();
      await connection.close();
      await app.close();
      await mongo.db.dropDatabase().catch(() => undefined);
      await mongo.close();
      const redisKeys = await redis.client.keys(`${run}:*`);
      if (redisKeys.length > 0) await redis.client.del(...redisKeys);
      await redis.close();
      await sim.close();
    },
  };
}
