import { AmqpConnection, type HttpApp, type Logger, MongoConnection, RedisConnection, createHttpApp, createMetricsRegistry } from '@agair/service-kit';
import type { PollerConfig } from './config.js';

export const SERVICE_NAME = 'poller';

/** Builds the poller service with its connections; `main.ts` listens, tests inject requests. */
export async function buildApp(config: PollerConfig, logger: Logger): Promise<HttpApp> {
  const mongo = new MongoConnection({ url: config.MONGO_URL, appName: SERVICE_NAME, logger });
  const amqp = new AmqpConnection({
    url: config.AMQP_URL,
    connectionName: SERVICE_NAME,
    logger,
    heartbeatS: config.AMQP_HEARTBEAT_S,
    reconnectS: config.AMQP_RECONNECT_S,
  });
  const redis = new RedisConnection({ url: config.REDIS_URL, connectionName: SERVICE_NAME, logger });
  return createHttpApp({
    name: SERVICE_NAME,
    version: config.APP_VERSION,
    description: 'Collects new flight logs from partners on a schedule.',
    logger,
    metrics: createMetricsRegistry(SERVICE_NAME),
    dependencies: [mongo, amqp, redis],
    docs: false,
  });
}
