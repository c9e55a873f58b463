import { Redis } from 'ioredis';
import type { Dependency } from '../health/dependency.js';
import type { Logger } from '../logging/logger.js';

export { Redis };

export interface RedisSettings {
  url: string;
  connectionName: string;
  logger: Logger;
  /** Commands issued while disconnected fail after this many reconnect attempts. */
  maxRetriesPerRequest?: number;
}

/** The process's Redis client (cache and locks only, never a work channel). Reconnects forever. */
export class RedisConnection implements Dependency {
  readonly name = 'redis';
  readonly client: Redis;
  private lastError: string | undefined;

  constructor(settings: RedisSettings) {
    const logger = settings.logger.child({ dependency: this.name });
    this.client = new Redis(settings.url, {
      connectionName: settings.connectionName,
      maxRetriesPerRequest: settings.maxRetriesPerRequest ?? 2,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      enableOfflineQueue: true,
    });
    // ioredis emits an error per failed reconnect: log each distinct one once.
    this.client.on('error', (err: Error) => {
      if (err.message !== this.lastError) logger.warn({ reason: err.message }, 'Redis error');
      this.lastError = err.message;
    });
    this.client.on('ready', () => {
      if (this.lastError) logger.info('Redis connection restored');
      this.lastError = undefined;
    });
  }

  async check(): Promise<void> {
    if (this.client.status !== 'ready') throw new Error(`Redis connection is ${this.client.status}`);
    await this.client.ping();
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
