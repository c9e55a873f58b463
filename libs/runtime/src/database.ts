import { CredentialCipher, createRepositories, ensureIndexes, type Repositories } from '@agair/persistence';
import { ConfigError, MongoConnection, retryStartupStep, type Logger } from '@agair/service-kit';

export interface Database {
  mongo: MongoConnection;
  repositories: Repositories;
  /** Creates every collection's indexes; idempotent. Retries while the database is unreachable. */
  ensureIndexes(): Promise<void>;
}

export interface DatabaseSettings {
  url: string;
  appName: string;
  logger: Logger;
  credentialKeys: string;
  activeCredentialKeyId: string;
  /** How long start-up waits for the database before giving up. */
  startupTimeoutMs?: number;
  /** `TASK_MAX_ATTEMPTS`: written on each task tracker, so the stuck-task sweep fails a task where the consumer would. */
  taskMaxAttempts?: number;
}

export function openDatabase(settings: DatabaseSettings): Database {
  let cipher: CredentialCipher;
  try {
    cipher = CredentialCipher.fromConfig({ keys: settings.credentialKeys, activeKeyId: settings.activeCredentialKeyId });
  } catch (err) {
    // The message names the bad key id or length, never key material.
    throw new ConfigError([`CREDENTIAL_KEYS / CREDENTIAL_ACTIVE_KEY_ID: ${(err as Error).message}`]);
  }
  const mongo = new MongoConnection({ url: settings.url, appName: settings.appName, logger: settings.logger });
  const repositories = createRepositories(mongo.db, { credentialKeys: cipher, ...(settings.taskMaxAttempts === undefined ? {} : { taskMaxAttempts: settings.taskMaxAttempts }) });
  return {
    mongo,
    repositories,
    ensureIndexes: async () => {
      const deadline = Date.now() + (settings.startupTimeoutMs ?? 60_000);
      await retryStartupStep(() => ensureIndexes(mongo.db), { what: 'creating indexes', logger: settings.logger, giveUp: () => Date.now() > deadline });
    },
  };
}
