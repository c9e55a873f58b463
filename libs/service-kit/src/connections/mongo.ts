import { MongoClient, type Db } from 'mongodb';
import type { Dependency } from '../health/dependency.js';
import { redactUrl, type Logger } from '../logging/logger.js';

export interface MongoSettings {
  url: string;
  appName: string;
  logger: Logger;
  /** How long an operation waits for a reachable server before failing. */
  serverSelectionTimeoutMs?: number;
  maxPoolSize?: number;
}

/**
 * One MongoClient per process. The driver connects lazily and reconnects by itself, so a
 * service starts even while the database is away and reports not-ready until it is back.
 * The database is the one named in the URL's path.
 */
export class MongoConnection implements Dependency {
  readonly name = 'mongodb';
  readonly client: MongoClient;
  readonly db: Db;

  constructor(settings: MongoSettings) {
    this.client = new MongoClient(settings.url, {
      appName: settings.appName,
      serverSelectionTimeoutMS: settings.serverSelectionTimeoutMs ?? 5000,
      maxPoolSize: settings.maxPoolSize ?? 20,
      // FerretDB 1.x has no retryable-writes support (no replica set); writes are made idempotent instead.
      retryWrites: false,
    });
    const dbName = new URL(settings.url.replace(/^mongodb\+srv:/, 'mongodb:')).pathname.replace(/^\//, '');
    if (!dbName) throw new Error(`MONGO_URL must name a database, e.g. mongodb://host:27017/agair (got ${redactUrl(settings.url)})`);
    this.db = this.client.db(dbName);
    this.client.on('serverHeartbeatFailed', (event) => settings.logger.warn({ dependency: this.name, reason: event.failure.message }, 'MongoDB heartbeat failed'));
  }

  async check(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
