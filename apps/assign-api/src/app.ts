import multipart from '@fastify/multipart';
import { TaskType } from '@agair/domain-models';
import { createPartners, createTaskPublisher, openConnections, partnerTaskTopology } from '@agair/runtime';
import { RedisFallback, createHttpApp, createMetricsRegistry, optionalDependency, authSettings, registerAuth, startupGate, type Dependency, type HttpApp, type Logger } from '@agair/service-kit';
import { AssignMetrics } from './assign/assign.metrics.js';
import { JobAssignmentService } from './assign/job-assignment.service.js';
import { LogOperationsService } from './operations/log-operations.service.js';
import { PartnerHealthGate } from './assign/partner-health.gate.js';
import type { AssignApiConfig } from './config.js';
import { IdempotencyStore } from './idempotency/idempotency.store.js';
import { registerAssignRoutes } from './routes/assign.routes.js';
import { registerExportRoutes } from './routes/export.routes.js';
import { registerJobRoutes } from './routes/jobs.routes.js';
import { registerOperationRoutes } from './routes/operations.routes.js';
import { registerResultRoutes } from './routes/results.routes.js';
import type { RouteContext } from './routes/route-context.js';

export const SERVICE_NAME = 'assign-api';

/** One reprocessing request queues at most this many logs: a bounded burst, and a clear 422 beyond. */
const MAX_LOGS_PER_OPERATOR_REQUEST = 10_000;

/** Something to close with the app that is not a connection readiness should ask about. */
function closer(name: string, close: () => Promise<void>): Dependency {
  return { name, check: async () => undefined, close };
}

/** Builds the assign-api service with its connections; `main.ts` listens, tests inject requests. */
export async function buildApp(config: AssignApiConfig, logger: Logger): Promise<HttpApp> {
  const { database, amqp, redis } = openConnections(config, SERVICE_NAME, logger);
  const metrics = createMetricsRegistry(SERVICE_NAME);
  // Rate limits, idempotency keys and partner state go on without Redis while it is away (degraded).
  const redisFallback = new RedisFallback({ redis: redis.client, metrics, logger, timeoutMs: config.REDIS_REQUEST_TIMEOUT_MS });
  const partners = createPartners(redis, metrics, config, logger, redisFallback);
  const publisher = createTaskPublisher(amqp, partnerTaskTopology(config, TaskType.UPLOAD_PARTNER_JOB), config, logger);
  // Operators' reprocessing goes to the processing pool's queue (the same queue unless pools are split).
  const processPublisher = createTaskPublisher(amqp, partnerTaskTopology(config, TaskType.PROCESS_PARTNER_DATA_FILE), config, logger);

  // Indexes (the unique (jobId, userId) of assignments among them) are created in the background;
  // the service reports not-ready until they exist, so it can start while the database is away.
  const indexes = startupGate('indexes', 'database indexes are being created');

  const app = await createHttpApp({
    name: SERVICE_NAME,
    version: config.APP_VERSION,
    description:
      'Job creation and assignment to pilots/aircraft, immediate or queued upload to partner systems, job export for internal clients, and application results.',
    logger,
    metrics,
    // Closed in reverse order: publisher and partner pools before the connections they use.
    dependencies: [database.mongo, amqp, optionalDependency(redis), indexes, closer('partners', () => partners.close()), closer('task-publisher', () => publisher.close()), closer('process-task-publisher', () => processPublisher.close())],
    docs: true,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
    trustProxy: config.HTTP_TRUST_PROXY,
  });
  await registerAuth(app, authSettings(config, { redis: redis.client, fallback: redisFallback }));

  // Manually uploaded flight logs (POST /api/logs/upload): streamed to GridFS as they arrive, one
  // file per request, no larger than a collected log may be. The well-kept fastify plugin, not a parser of our own.
  await app.register(multipart, { limits: { fileSize: config.PARTNER_LOG_MAX_BYTES, files: 1, fields: 10, parts: 11 } });

  app.addHook('onReady', async () => {
    void database.ensureIndexes().then(
      () => indexes.open(),
      (err: unknown) => logger.error({ err }, 'creating database indexes failed; the service stays not-ready'),
    );
  });

  const assignMetrics = new AssignMetrics(metrics);
  const health = new PartnerHealthGate({
    check: (partnerCode) => partners.get(partnerCode).healthCheck(),
    cacheMs: config.PARTNER_HEALTH_CACHE_MS,
    timeoutMs: config.ASSIGN_UPLOAD_TIMEOUT_MS,
  });
  const context: RouteContext = {
    repositories: database.repositories,
    assignments: new JobAssignmentService({
      repositories: database.repositories,
      partners,
      publisher,
      health,
      metrics: assignMetrics,
      logger,
      uploadTimeoutMs: config.ASSIGN_UPLOAD_TIMEOUT_MS,
      enqueueTimeoutMs: config.ASSIGN_ENQUEUE_TIMEOUT_MS,
      uploadClaimMs: config.UPLOAD_CLAIM_MS,
      removeAssignment: (customerId, assignId) => database.repositories.jobAssigns.removeUnsent(customerId, assignId),
    }),
    logOperations: new LogOperationsService({ repositories: database.repositories, publisher: processPublisher, logger, maxLogsPerRequest: MAX_LOGS_PER_OPERATOR_REQUEST }),
    idempotency: new IdempotencyStore({
      redis: redis.client,
      fallback: redisFallback,
      prefix: config.IDEMPOTENCY_REDIS_PREFIX,
      ttlS: config.IDEMPOTENCY_TTL_S,
      // Longer than any request may take (upload and enqueue budgets plus database time).
      pendingTtlMs: Math.max(60_000, 3 * (config.ASSIGN_UPLOAD_TIMEOUT_MS + config.ASSIGN_ENQUEUE_TIMEOUT_MS)),
      waitMs: config.IDEMPOTENCY_WAIT_MS,
    }),
  };

  registerJobRoutes(app, context);
  registerAssignRoutes(app, context);
  registerExportRoutes(app, context);
  registerResultRoutes(app, context);
  registerOperationRoutes(app, context);
  return app;
}
