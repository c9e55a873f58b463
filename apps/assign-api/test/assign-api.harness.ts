import { randomBytes } from 'node:crypto';
import { PartnerCode, type JobCreate, type Polygon } from '@agair/domain-models';
import type { TaskQueueTopology } from '@agair/messaging';
import { createSatlocSimulator, type SatlocSimulator, type SimSeed } from '@agair/partner-sdk/simulator';
import { openDatabase, partnerTaskTopology, type Database } from '@agair/runtime';
import { AmqpConnection, Redis, Role, createLogger, loadConfig, mintToken, type ChannelWrapper, type HttpApp, type Logger } from '@agair/service-kit';
import { LogCapture, testServices, uniqueName, waitFor, withDatabase } from '@agair/testing';
import { buildApp } from '../src/app.js';
import { AssignApiConfig } from '../src/config.js';

/** A square field of `size` degrees whose south-west corner is at (`lon`, `lat`). */
export function square(lon: number, lat: number, size = 0.01): Polygon {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
      ],
    ],
  };
}

/** A job of `customerId` over a field in Kansas with one exclusion zone, as `POST /api/jobs` takes it. */
export function jobBody(customerId: string, name: string): JobCreate {
  return {
    customerId,
    name,
    boundary: square(-97.5, 38.5),
    exclusions: [square(-97.498, 38.502, 0.002)],
    productName: 'Fungicide X',
    targetRateLPerHa: 20,
    units: 'metric',
  };
}

/** What `startAssignApiHarness` started, for one test file; `close()` it in `afterAll`. */
export interface AssignApiHarness {
  /** Unique name of this run: the database, queue prefix and Redis prefixes derive from it. */
  run: string;
  jwtSecret: string;
  sim: SatlocSimulator;
  /** The environment `config` was loaded from, for a test that builds another app beside this one. */
  env: Record<string, string>;
  config: AssignApiConfig;
  /** The app, ready (`/health/ready` answers 200). */
  app: HttpApp;
  /** Every log line the app wrote. */
  logs: LogCapture;
  /** A logger that writes nothing. */
  silent: Logger;
  /** The app's database, opened again for the test. */
  db: Database;
  redis: Redis;
  amqp: AmqpConnection;
  /** A broker channel to look at the task queues. */
  channel: ChannelWrapper;
  /** Queues of the partner tasks (UPLOAD_PARTNER_JOB among them) the app publishes to. */
  topology: TaskQueueTopology;
  /** Authorization header of a token the app accepts. */
  bearer(sub: string, role: Role, customerId?: string): Record<string, string>;
  /** Creates an internal user (a pilot) of the customer, flying SatLoc aircraft `aircraftId` where given; resolves to its id. */
  createUser(name: string, customerId: string, aircraftId?: string): Promise<string>;
  /** Closes the app and the connections, and deletes the run's queues, Redis keys and database. */
  close(): Promise<void>;
}

/**
 * assign-api built in-process against the real services, with a database, queue prefix and
 * Redis prefixes of its own and an in-process SatLoc simulator seeded with `simInitial`; plus
 * the database, Redis and a broker channel for the test to look behind the API. `env` adds to
 * (or overrides) the app's environment; `logLevel` (a pino level, `trace` unless given) is the
 * level of the captured app log.
 */
export async function startAssignApiHarness(options: {
  runPrefix: string;
  simInitial: SimSeed;
  env?: Record<string, string>;
  logLevel?: string;
}): Promise<AssignApiHarness> {
  const run = uniqueName(options.runPrefix);
  const jwtSecret = randomBytes(32).toString('hex');
  const logLevel = options.logLevel ?? 'trace';
  const sim = await createSatlocSimulator({ initial: options.simInitial });
  await sim.listen();
  const { mongoUrl, amqpUrl, redisUrl } = testServices();
  const dbUrl = withDatabase(mongoUrl, run);
  const env: Record<string, string> = {
    MONGO_URL: dbUrl,
    AMQP_URL: amqpUrl,
    REDIS_URL: redisUrl,
    AMQP_RECONNECT_S: '1',
    HTTP_PORT: '0',
    JWT_SECRET: jwtSecret,
    CREDENTIAL_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    CREDENTIAL_ACTIVE_KEY_ID: 'k1',
    SATLOC_BASE_URL: sim.baseUrl,
    SATLOC_TIMEOUT_MS: '2000',
    QUEUE_PREFIX: `${run}_`,
    PARTNER_STATE_KEY_PREFIX: `${run}:partner:`,
    IDEMPOTENCY_REDIS_PREFIX: `${run}:idem:`,
    ASSIGN_UPLOAD_TIMEOUT_MS: '2500',
    PARTNER_HEALTH_CACHE_MS: '0',
    RATE_LIMIT_MAX: '100000',
    RATE_LIMIT_IP_MAX: '100000',
    LOG_LEVEL: logLevel,
    ...options.env,
  };
  const config = loadConfig(AssignApiConfig, env);
  const topology = partnerTaskTopology(config);
  const logs = new LogCapture();
  const app = await buildApp(config, createLogger({ name: 'assign-api', level: logLevel, destination: logs }));
  await app.ready();
  await waitFor(async () => ((await app.inject('/health/ready')).statusCode === 200 ? true : undefined), { what: 'assign-api ready', timeoutMs: 60_000 });

  const silent = createLogger({ name: 'test', level: 'silent', destination: new LogCapture() });
  const db = openDatabase({ url: dbUrl, appName: `${run}-test`, logger: silent, credentialKeys: config.CREDENTIAL_KEYS, activeCredentialKeyId: config.CREDENTIAL_ACTIVE_KEY_ID });
  const redis = new Redis(redisUrl);
  const amqp = new AmqpConnection({ url: amqpUrl, connectionName: `${run}-test`, logger: silent, heartbeatS: 10, reconnectS: 1 });
  const channel = amqp.createChannel({ name: `${run}-test`, setup: async () => undefined, publishTimeoutMs: 5000 });
  await channel.waitForConnect();

  return {
    run,
    jwtSecret,
    sim,
    env,
    config,
    app,
    logs,
    silent,
    db,
    redis,
    amqp,
    channel,
    topology,
    bearer: (sub, role, customerId) => {
      const jwt = mintToken({ jwtSecret, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, sub, role, ...(customerId ? { customerId } : {}) });
      return { authorization: `Bearer ${jwt}` };
    },
    createUser: async (name, customerId, aircraftId) =>
      (
        await db.repositories.internalUsers.create({
          username: `${name}.${run}`,
          name,
          role: Role.CUSTOMER,
          customerId,
          partnerInfo: aircraftId ? { partnerCode: PartnerCode.SATLOC, partnerAircraftId: aircraftId } : null,
        })
      ).id,
    close: async () => {
      await app.close();
      for (const queue of [topology.main, topology.failed, ...topology.tiers.map((t) => t.queue)]) await channel.deleteQueue(queue).catch(() => undefined);
      await channel.close();
      await amqp.close();
      const redisKeys = await redis.keys(`${run}:*`);
      if (redisKeys.length > 0) await redis.del(...redisKeys);
      redis.disconnect();
      await db.mongo.db.dropDatabase().catch(() => undefined);
      await db.mongo.close();
      await sim.close();
    },
  };
}
