import { DeadLetterQueueAdmin } from '@agair/messaging';
import { AmqpConnection, createHttpApp, createMetricsRegistry, authSettings, registerAuth, type HttpApp, type Logger } from '@agair/service-kit';
import type { DlqAdminConfig } from './config.js';
import { registerDlqRoutes } from './routes/dlq.routes.js';

export const SERVICE_NAME = 'dlq-admin';

/** Builds the dlq-admin service: queue-native, RabbitMQ only. */
export async function buildApp(config: DlqAdminConfig, logger: Logger): Promise<HttpApp> {
  const amqp = new AmqpConnection({
    url: config.AMQP_URL,
    connectionName: SERVICE_NAME,
    logger,
    heartbeatS: config.AMQP_HEARTBEAT_S,
    reconnectS: config.AMQP_RECONNECT_S,
  });
  const app = await createHttpApp({
    name: SERVICE_NAME,
    version: config.APP_VERSION,
    description: 'Queue-native inspection and replay of dead-lettered messages. Admin only.',
    logger,
    metrics: createMetricsRegistry(SERVICE_NAME),
    dependencies: [amqp],
    trustProxy: config.HTTP_TRUST_PROXY,
  });
  // Counted in memory: this service talks to RabbitMQ only, and runs one replica (the DLQ admin is exclusive).
  await registerAuth(app, authSettings(config));
  registerDlqRoutes(app, new DeadLetterQueueAdmin(amqp.manager), config.DLQ_LIST_MAX);
  return app;
}
