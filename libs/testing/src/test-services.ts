import { randomBytes } from 'node:crypto';

/** Where the integration tests find their services. */
export interface TestServiceUrls {
  /** mongodb://host:port/<db>; tests derive their own database name from it (see withDatabase). */
  mongoUrl: string;
  amqpUrl: string;
  redisUrl: string;
  /** The command that controls the broker (stop_app / start_app), e.g. ['rabbitmqctl']. */
  rabbitmqctl: string[];
  /** How the services were found: from the environment, or started as containers. */
  source: 'environment' | 'testcontainers';
}

export interface StartedTestServices {
  urls: TestServiceUrls;
  stop(): Promise<void>;
}

export const HOW_TO_PROVIDE_SERVICES = [
  'Integration tests need MongoDB (or FerretDB), RabbitMQ and Redis. Either:',
  '  - set MONGO_URL, AMQP_URL and REDIS_URL (on a machine without Docker, `eval "$(bash tools/services/up.sh)"`',
  '    starts FerretDB on the local PostgreSQL, RabbitMQ and Redis on loopback and prints those variables); or',
  '  - run a Docker engine, so that testcontainers can start mongo:7, rabbitmq:4-management and redis:7.',
].join('\n');

/**
 * Services from MONGO_URL / AMQP_URL / REDIS_URL where set; containers for the rest. Where
 * neither works this throws with instructions: integration tests are never silently skipped.
 */
export async function startTestServices(
  // eslint-disable-next-line no-restricted-properties -- the test harness reads service URLs from the environment
  env: Record<string, string | undefined> = process.env,
  startContainers: typeof startServiceContainers = startServiceContainers,
): Promise<StartedTestServices> {
  const fromEnv = { mongoUrl: env['MONGO_URL'], amqpUrl: env['AMQP_URL'], redisUrl: env['REDIS_URL'] };
  const rabbitmqctl = (env['RABBITMQCTL'] ?? 'rabbitmqctl').split(' ').filter(Boolean);
  if (fromEnv.mongoUrl && fromEnv.amqpUrl && fromEnv.redisUrl) {
    return {
      urls: { mongoUrl: fromEnv.mongoUrl, amqpUrl: fromEnv.amqpUrl, redisUrl: fromEnv.redisUrl, rabbitmqctl, source: 'environment' },
      stop: async () => undefined,
    };
  }

  try {
    return await startContainers(fromEnv, rabbitmqctl);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`${HOW_TO_PROVIDE_SERVICES}\n(testcontainers could not start them: ${reason})`, { cause: err });
  }
}

async function startServiceContainers(
  fromEnv: { mongoUrl: string | undefined; amqpUrl: string | undefined; redisUrl: string | undefined },
  rabbitmqctl: string[],
): Promise<StartedTestServices> {
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const { MongoDBContainer } = await import('@testcontainers/mongodb');
    const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
    const { RedisContainer } = await import('@testcontainers/redis');
    let { mongoUrl, amqpUrl, redisUrl } = fromEnv;
    let ctl = rabbitmqctl;
    if (!mongoUrl) {
      const mongo = await new MongoDBContainer('mongo:7').start();
      stops.push(() => mongo.stop());
      mongoUrl = withDatabase(`${mongo.getConnectionString()}?directConnection=true`, 'agair');
    }
    if (!amqpUrl) {
      const rabbit = await new RabbitMQContainer('rabbitmq:4-management').start();
      stops.push(() => rabbit.stop());
      amqpUrl = rabbit.getAmqpUrl();
      ctl = ['docker', 'exec', rabbit.getId(), 'rabbitmqctl'];
    }
    if (!redisUrl) {
      const redis = await new RedisContainer('redis:7').start();
      stops.push(() => redis.stop());
      redisUrl = redis.getConnectionUrl();
    }
    return {
      urls: { mongoUrl, amqpUrl, redisUrl, rabbitmqctl: ctl, source: 'testcontainers' },
      stop: async () => {
        await Promise.allSettled(stops.map((stop) => stop()));
      },
    };
  } catch (err) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw err;
  }
}

/** The same server with another database: `mongodb://h:27017/agair?x=1` → `mongodb://h:27017/<name>?x=1`. */
export function withDatabase(mongoUrl: string, database: string): string {
  const url = new URL(mongoUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A name no other test run uses: for databases, queues and key prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}
