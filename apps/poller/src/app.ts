import { hostname } from 'node:os';
import { TaskType } from '@agair/domain-models';
import {
  RetentionSweeper,
  createPartners,
  createTaskPublisher,
  openConnections,
  parseDuration,
  partnerTaskTopology,
  registerQueueDepthMetrics,
  retentionPolicy,
} from '@agair/runtime';
import { createHttpApp, createMetricsRegistry, type HttpApp, type Logger, type RunningService } from '@agair/service-kit';
import type { PollerConfig } from './config.js';
import { LeaderLease } from './leader-lease.js';
import { LogCollector } from './log-collector.js';
import { pollerMetrics } from './metrics.js';
import { PollScheduler } from './poll-scheduler.js';
import { RetentionRunner } from './retention-runner.js';

export const SERVICE_NAME = 'poller';

export interface Poller extends RunningService {
  app: HttpApp;
  collector: LogCollector;
  scheduler: PollScheduler;
  lease: LeaderLease;
  retention: RetentionRunner;
  start(): Promise<void>;
}

export async function buildPoller(config: PollerConfig, logger: Logger): Promise<Poller> {
  const owner = config.POLLER_ID || `${hostname()}-${process.pid}`;
  const registry = createMetricsRegistry(SERVICE_NAME);
  const metrics = pollerMetrics(registry);
  const { database, amqp, redis } = openConnections(config, SERVICE_NAME, logger, owner);
  const partners = createPartners(redis, registry, config, logger);
  const topology = partnerTaskTopology(config, TaskType.PROCESS_PARTNER_LOG);
  const publisher = createTaskPublisher(amqp, topology, config, logger);
  registerQueueDepthMetrics(registry, amqp, [topology]);

  const collector = new LogCollector(
    { repositories: database.repositories, partners, publisher, logger, metrics },
    {
      owner,
      concurrency: config.POLL_CONCURRENCY,
      downloadLeaseMs: config.POLL_DOWNLOAD_LEASE_MS,
      maxAttempts: config.POLL_MAX_ATTEMPTS,
      maxLogBytes: config.PARTNER_LOG_MAX_BYTES,
      lookbackMs: config.POLL_LOOKBACK_H * 3_600_000,
    },
  );
  const lease = new LeaderLease(redis.client, `agair:${config.QUEUE_PREFIX}poller:leader`, owner, config.POLL_LEADER_TTL_MS);
  let stopping = false;
  const retention = new RetentionRunner({
    sweeper: new RetentionSweeper(database.repositories, retentionPolicy(config)),
    lease,
    logger,
    metrics,
    isStopping: () => stopping,
  });
  const scheduler = new PollScheduler(
    { repositories: database.repositories, collector, lease, retention, logger, metrics },
    {
      cron: config.POLL_CRON,
      syncCheckMs: config.POLL_SYNC_CHECK_MS,
      sweepMs: config.POLL_SWEEP_MS,
      retentionMs: config.RETENTION_SWEEP_MS,
      assignmentQuietMs: parseDuration(config.POLL_ASSIGNMENT_QUIET),
      leaderTtlMs: config.POLL_LEADER_TTL_MS,
      maxAttempts: config.POLL_MAX_ATTEMPTS,
    },
  );
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
    collector,
    scheduler,
    lease,
    retention,
    start: async () => {
      await database.ensureIndexes();
      await publisher.waitForConnect();
      scheduler.start();
      logger.info({ owner, cron: config.POLL_CRON }, 'poller started');
    },
    close: async () => {
      stopping = true;
      await scheduler.stop();
      await publisher.close();
      await partners.close();
      await app.close();
    },
  };
}
