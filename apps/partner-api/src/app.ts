import { AmqpConnection, type HttpApp, type Logger, MongoConnection, RedisConnection, createHttpApp, createMetricsRegistry } from '@agair/service-kit';
import type { PartnerApiConfig } from './config.js';

export const SERVICE_NAME = 'partner-api';

/** Builds the partner-api service with its connections; `main.ts` listens, tests inject requests. */
export async function buildApp(config: PartnerApiConfig, logger: Logger): Promise<HttpApp> {
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
    description: 'Partners, partner system users (credentials), customers, aircraft, manual upload and sync triggers, partner status.',
    logger,
    metrics: createMetricsRegistry(SERVICE_NAME),
    dependencies: [mongo, amqp, redis],
    docs: true,
  });
}
