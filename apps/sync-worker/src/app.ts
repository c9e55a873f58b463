import { hostname } from 'node:os';
import { TaskType } from '@agair/domain-models';
import { HandlerRegistry, TaskConsumer } from '@agair/messaging';
import { createPartners, createPartnerTaskRetryPolicy, createTaskPublisher, openConnections, partnerTaskTopology, registerQueueDepthMetrics, taskQueueName } from '@agair/runtime';
import { ConfigError, createHttpApp, createMetricsRegistry, type HttpApp, type Logger, type RunningService } from '@agair/service-kit';
import type { SyncWorkerConfig } from './config.js';
import { giveUpProcessing, processPartnerDataFileHandler, processPartnerLogHandler } from './handlers/process-log.handlers.js';
import { giveUpUpload, uploadPartnerJobHandler } from './handlers/upload-partner-job.handler.js';
import { syncWorkerMetrics } from './metrics.js';
import { createComputePool } from './processing/compute-pool.js';

export const SERVICE_NAME = 'sync-worker';

export interface SyncWorker extends RunningService {
  /** Health and metrics listener. */
  app: HttpApp;
  /** One per queue the worker's task types travel on. */
  consumers: TaskConsumer[];
  /** Creates indexes, then starts consuming (dependencies first, work second). */
  start(): Promise<void>;
}

export function workerTaskTypes(list: string): TaskType[] {
  const known = Object.values(TaskType) as string[];
  const types = [...new Set(list.split(',').filter(Boolean))];
  const unknown = types.filter((t) => !known.includes(t));
  if (unknown.length > 0 || types.length === 0) {
    throw new ConfigError([`WORKER_TASK_TYPES must list task types among ${known.join(', ')} (unknown: ${unknown.join(', ') || 'none given'})`]);
  }
  return types as TaskType[];
}

/** Builds the worker: connections, the partner_tasks consumer with one handler per task type, health. */
export async function buildWorker(config: SyncWorkerConfig, logger: Logger): Promise<SyncWorker> {
  const types = workerTaskTypes(config.WORKER_TASK_TYPES);
  const workerId = config.WORKER_ID || `${hostname()}-${process.pid}`;
  const registry = createMetricsRegistry(SERVICE_NAME);
  const metrics = syncWorkerMetrics(registry);
  const { database, amqp, redis } = openConnections(config, SERVICE_NAME, logger, workerId);
  const partners = createPartners(redis, registry, config, logger);
  const { repositories } = database;
  const processes = types.includes(TaskType.PROCESS_PARTNER_LOG) || types.includes(TaskType.PROCESS_PARTNER_DATA_FILE);
  const compute = processes ? createComputePool(config.STATISTICS_THREADS) : null;
  const processDeps = () => {
    if (compute === null) throw new Error('no statistics threads in a worker that does not process logs');
    return { repositories, logger, metrics, workerId, leaseMs: config.TASK_LEASE_MS, compute };
  };
  const registerHandler = (handlers: HandlerRegistry, type: TaskType): HandlerRegistry => {
    switch (type) {
      case TaskType.UPLOAD_PARTNER_JOB:
        return handlers.register(type, uploadPartnerJobHandler({ repositories, partners, logger, claimMs: config.UPLOAD_CLAIM_MS }), { onGiveUp: giveUpUpload({ repositories, logger }) });
      case TaskType.PROCESS_PARTNER_LOG:
        return handlers.register(type, processPartnerLogHandler(processDeps()), { onGiveUp: giveUpProcessing({ repositories, logger }) });
      case TaskType.PROCESS_PARTNER_DATA_FILE:
        return handlers.register(type, processPartnerDataFileHandler(processDeps()), { onGiveUp: giveUpProcessing({ repositories, logger }) });
    }
  };

  // One consumer per queue the selected task types travel on (one, unless pools have their own).
  const byQueue = new Map<string, TaskType[]>();
  for (const type of types) byQueue.set(taskQueueName(type, config), [...(byQueue.get(taskQueueName(type, config)) ?? []), type]);
  const pools = [...byQueue.values()].map((queueTypes) => {
    const topology = partnerTaskTopology(config, queueTypes[0]);
    const publisher = createTaskPublisher(amqp, topology, config, logger);
    const handlers = new HandlerRegistry();
    for (const type of queueTypes) registerHandler(handlers, type);
    const consumer = new TaskConsumer({
      connection: amqp.manager,
      topology,
      registry: handlers,
      publisher,
      retryPolicy: createPartnerTaskRetryPolicy(config.TASK_RETRY_DELAY_SCALE),
      tracker: repositories.taskTrackers,
      logger,
      consumerId: workerId,
      prefetch: config.WORKER_PREFETCH,
      maxAttempts: config.TASK_MAX_ATTEMPTS,
      maxOutageMs: config.TASK_MAX_OUTAGE_MS,
      leaseMs: config.TASK_LEASE_MS,
      onOutcome: ({ type, outcome, category, durationMs }) => {
        metrics.tasks.inc({ task_type: type, outcome, error_category: category ?? 'none' });
        if (outcome === 'retried') metrics.retries.inc({ task_type: type, error_category: category ?? 'internal' });
        if (outcome === 'dead_lettered') metrics.exhausted.inc({ task_type: type, error_category: category ?? 'internal' });
        metrics.duration.observe({ task_type: type }, durationMs / 1000);
      },
    });
    return { topology, publisher, consumer, types: queueTypes };
  });
  registerQueueDepthMetrics(registry, amqp, pools.map((p) => p.topology));

  const app = await createHttpApp({
    name: SERVICE_NAME,
    version: config.APP_VERSION,
    logger,
    metrics: registry,
    dependencies: [database.mongo, amqp, redis],
    docs: false,
  });

  return {
    app,
    consumers: pools.map((p) => p.consumer),
    start: async () => {
      await database.ensureIndexes();
      for (const pool of pools) {
        await pool.consumer.start(pool.types);
        logger.info({ workerId, types: pool.types, prefetch: config.WORKER_PREFETCH, queue: pool.topology.main }, 'consuming partner tasks');
      }
    },
    close: async () => {
      // Leave time after the drain to close connections within SHUTDOWN_TIMEOUT_MS.
      await Promise.all(pools.map((p) => p.consumer.stop(Math.max(1000, config.SHUTDOWN_TIMEOUT_MS - 5000))));
      await Promise.all(pools.map((p) => p.publisher.close()));
      await partners.close();
      await compute?.close();
      await app.close();
    },
  };
}
