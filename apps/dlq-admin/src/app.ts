import { DeadLetterQueueAdmin } from '@agair/messaging';
import { DlqActionRepository, dlqActionIndexes, ensureIndexes } from '@agair/persistence';
import { AmqpConnection, MongoConnection, authSettings, createHttpApp, createMetricsRegistry, registerAuth, retryStartupStep, startupGate, type HttpApp, type Logger } from '@agair/service-kit';
import { DlqActionRecorder } from './audit/dlq-action.recorder.js';
import type { DlqAdminConfig } from './config.js';
import { registerDlqActionRoutes } from './routes/dlq-actions.routes.js';
import { registerDlqArchiveRoutes } from './routes/dlq-archive.routes.js';
import type { DlqRouteContext } from './routes/dlq-route.context.js';
import { registerDlqRoutes } from './routes/dlq.routes.js';

export const SERVICE_NAME = 'dlq-admin';

/**
 * Builds the dlq-admin service: the queues themselves on RabbitMQ (messages, archive, the mover
 * lock), and the audit trail of its actions in MongoDB.
 */
export async function buildApp(config: DlqAdminConfig, logger: Logger): Promise<HttpApp> {
  const amqp = new AmqpConnection({
    url: config.AMQP_URL,
    connectionName: SERVICE_NAME,
    logger,
    heartbeatS: config.AMQP_HEARTBEAT_S,
    reconnectS: config.AMQP_RECONNECT_S,
  });
  const mongo = new MongoConnection({ url: config.MONGO_URL, appName: SERVICE_NAME, logger });
  // The audit collection's index is created in the background; the service is not ready until it exists.
  const indexes = startupGate('indexes', 'database indexes are being created');
  const app = await createHttpApp({
    name: SERVICE_NAME,
    version: config.APP_VERSION,
    description: 'Queue-native inspection, replay, archive and restore of dead-lettered messages, every action audited. Admin only.',
    logger,
    metrics: createMetricsRegistry(SERVICE_NAME),
    dependencies: [amqp, mongo, indexes],
    trustProxy: config.HTTP_TRUST_PROXY,
  });
  let closing = false;
  app.addHook('onClose', async () => {
    closing = true;
  });
  app.addHook('onReady', async () => {
    void retryStartupStep(() => ensureIndexes(mongo.db, dlqActionIndexes), { what: 'creating indexes', logger, giveUp: () => closing }).then(
      () => indexes.open(),
      (err: unknown) => {
        if (!closing) logger.error({ err }, 'creating database indexes failed; the service stays not-ready');
      },
    );
  });
  // Counted in memory: dlq-admin runs one replica (k8s/base/dlq-admin) and has no Redis.
  await registerAuth(app, authSettings(config));
  const actions = new DlqActionRepository(mongo.db);
  const context: DlqRouteContext = {
    admin: new DeadLetterQueueAdmin(amqp.manager, { archiveTtlMs: config.DLQ_ARCHIVE_TTL_MS }),
    recorder: new DlqActionRecorder(actions, logger),
    actions,
    listMax: config.DLQ_LIST_MAX,
  };
  registerDlqActionRoutes(app, context);
  registerDlqRoutes(app, context);
  registerDlqArchiveRoutes(app, context);
  return app;
}
