import { randomBytes } from 'node:crypto';
import { createLogger } from '@agair/service-kit';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';

const settings = {
  // Not connected: the driver connects on first use, and nothing here uses it.
  url: 'mongodb://127.0.0.1:1/unused',
  appName: 'database-spec',
  logger: createLogger({ name: 'database-spec', level: 'silent' }),
  credentialKeys: `k1:${randomBytes(32).toString('base64')}`,
  activeCredentialKeyId: 'k1',
};

describe('openDatabase', () => {
  it("writes the consumer's attempts ceiling on task trackers, so the stuck-task sweep fails a task where the consumer would", async () => {
    const database = openDatabase({ ...settings, taskMaxAttempts: 8 });
    expect(database.repositories.taskTrackers.maxAttempts).toBe(8);
    await database.mongo.close();
  });

  it('keeps the repository default when the app consumes no tasks', async () => {
    const database = openDatabase(settings);
    expect(database.repositories.taskTrackers.maxAttempts).toBe(5);
    await database.mongo.close();
  });
});
