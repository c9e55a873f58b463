import { TaskType, type TaskMessage } from '@agair/domain-models';
import { createPartners, createTaskPublisher, openConnections, partnerTaskTopology } from '@agair/runtime';
import { RedisFallback, createHttpApp, createMetricsRegistry, optionalDependency, authSettings, registerAuth, type HttpApp, type Logger } from '@agair/service-kit';
import type { PartnerApiConfig } from './config.js';
import type { PartnerApiContext } from './context.js';
import { CredentialProbeLimiter, credentialProbeLimits } from './partners/credential-probe.limiter.js';
import { PartnerHealthMonitor } from './partners/partner-health.monitor.js';
import { registerCustomerRoutes } from './routes/customers.routes.js';
import { registerPartnerOperationRoutes } from './routes/partner-operations.routes.js';
import { registerPartnerRoutes } from './routes/partners.routes.js';
import { registerSystemUserRoutes } from './routes/system-users.routes.js';
import { registerUserRoutes } from './routes/users.routes.js';

export const SERVICE_NAME = 'partner-api';

/** Builds the partner-api service with its connections; `main.ts` listens, tests inject requests. */
export async function buildApp(config: PartnerApiConfig, logger: Logger): Promise<HttpApp> {
  const { database, amqp, redis } = openConnections(config, SERVICE_NAME, logger);
  const metrics = createMetricsRegistry(SERVICE_NAME);
  // Rate limits and partner state go on without Redis while it is away (degraded).
  const redisFallback = new RedisFallback({ redis: redis.client, metrics, logger, timeoutMs: config.REDIS_REQUEST_TIMEOUT_MS });

  const app = await createHttpApp({
    name: SERVICE_NAME,
    version: config.APP_VERSION,
    description: 'Partners, partner system users (credentials), customers and users, aircraft, manual upload and sync triggers, partner status.',
    logger,
    metrics,
    dependencies: [database.mongo, amqp, optionalDependency(redis)],
    docs: true,
    trustProxy: config.HTTP_TRUST_PROXY,
  });
  await registerAuth(app, authSettings(config, { redis: redis.client, fallback: redisFallback }));

  const partners = createPartners(redis, metrics, config, logger, redisFallback);
  const publisher = createTaskPublisher(amqp, partnerTaskTopology(config, TaskType.UPLOAD_PARTNER_JOB), config, logger);

  const ctx: PartnerApiContext = {
    repositories: database.repositories,
    partners,
    health: new PartnerHealthMonitor(partners, { timeoutMs: config.PARTNER_HEALTH_TIMEOUT_MS, cacheMs: config.PARTNER_HEALTH_CACHE_MS }),
    credentialProbes: new CredentialProbeLimiter({
      redis: redis.client,
      guard: redisFallback.guard('rate_limit'),
      keyPrefix: `${config.PARTNER_STATE_KEY_PREFIX}auth-test:`,
      limits: credentialProbeLimits(config),
    }),
    uploadClaimMs: config.UPLOAD_CLAIM_MS,
    publishTask: (message: TaskMessage) => withDeadline(publisher.publish(message), config.ENQUEUE_TIMEOUT_MS, 'the broker did not confirm the task in time'),
  };

  app.addHook('onReady', async () => {
    await database.ensureIndexes();
  });
  app.addHook('onClose', async () => {
    await publisher.close().catch((err: unknown) => logger.warn({ reason: (err as Error).message }, 'closing the task publisher failed'));
    await partners.close();
  });

  registerPartnerRoutes(app, ctx);
  registerSystemUserRoutes(app, ctx);
  registerCustomerRoutes(app, ctx);
  registerUserRoutes(app, ctx);
  registerPartnerOperationRoutes(app, ctx);
  return app;
}

async function withDeadline<T>(work: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(message)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
