import { AmqpConnection, type HttpApp, type Logger, createHttpApp, createMetricsRegistry } from '@agair/service-kit';
import type { DlqAdminConfig } from './config.js';

export const SERVICE_NAME = 'dlq-admin';

/** Builds the dlq-admin service with its connections; `main.ts` listens, tests inject requests. */
export async function buildApp(config: DlqAdminConfig, logger: Logger): Promise<HttpApp> {
  const amqp = new AmqpConnection({
    url: config.AMQP_URL,
    connectionName: SERVICE_NAME,
    logger,
    heartbeatS: config.AMQP_HEARTBEAT_S,
    reconnectS: config.AMQP_RECONNECT_S,
  });
  return createHttpApp({
    name: SERVICE_NAME,
    version: config.APP_VERSION,
    description: 'Queue-native inspection and replay of dead-lettered messages.',
    logger,
    metrics: createMetricsRegistry(SERVICE_NAME),
    dependencies: [amqp],
    docs: true,
  });
}
