import { AmqpConnection, type HttpApp, type Logger, MongoConnection, RedisConnection, createHttpApp, createMetricsRegistry } from '@agair/service-kit';
import type { AssignApiConfig } from './config.js';

export const SERVICE_NAME = 'assign-api';

/** Builds the assign-api service with its connections; `main.ts` listens, tests inject requests. */
export async function buildApp(config: AssignApiConfig, logger: Logger): Promise<HttpApp> {
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
    description: 'Job assignment to pilots and aircraft, immediate or queued upload to partners, job export and application results.',
    logger,
    metrics: createMetricsRegistry(SERVICE_NAME),
    dependencies: [mongo, amqp, redis],
    docs: true,
  });
}
