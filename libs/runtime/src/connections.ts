import { AmqpConnection, RedisConnection, type Logger } from '@agair/service-kit';
import { openDatabase, type Database } from './database.js';

export interface ConnectionsConfig {
  MONGO_URL: string;
  AMQP_URL: string;
  AMQP_HEARTBEAT_S: number;
  AMQP_RECONNECT_S: number;
  REDIS_URL: string;
  CREDENTIAL_KEYS: string;
  CREDENTIAL_ACTIVE_KEY_ID: string;
  /** Apps that consume tasks: the attempts a task tracker records, the same as the consumer's ceiling. */
  TASK_MAX_ATTEMPTS?: number;
}

export interface PlatformConnections {
  database: Database;
  amqp: AmqpConnection;
  redis: RedisConnection;
}

/**
 * MongoDB (with the repositories), RabbitMQ and Redis, each opened once per process and named
 * after the service (and its instance, for workers) so the broker and the database show who
 * is connected.
 */
export function openConnections(config: ConnectionsConfig, service: string, logger: Logger, instance?: string): PlatformConnections {
  const connectionName = instance ? `${service}:${instance}` : service;
  return {
    database: openDatabase({
      url: config.MONGO_URL,
      appName: service,
      logger,
      credentialKeys: config.CREDENTIAL_KEYS,
      activeCredentialKeyId: config.CREDENTIAL_ACTIVE_KEY_ID,
      ...(config.TASK_MAX_ATTEMPTS === undefined ? {} : { taskMaxAttempts: config.TASK_MAX_ATTEMPTS }),
    }),
    amqp: new AmqpConnection({
      url: config.AMQP_URL,
      connectionName,
      logger,
      heartbeatS: config.AMQP_HEARTBEAT_S,
      reconnectS: config.AMQP_RECONNECT_S,
    }),
    redis: new RedisConnection({ url: config.REDIS_URL, connectionName, logger }),
  };
}
