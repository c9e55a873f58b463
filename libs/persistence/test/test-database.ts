import { MongoClient, type Db } from 'mongodb';
import { ensureIndexes } from '../src/index.js';

export interface TestDatabase {
  client: MongoClient;
  db: Db;
  /** Drops the database and closes the client. */
  drop(): Promise<void>;
}

/** A private database (the one named in `url`) with every index created, as services do at start-up. */
export async function openTestDatabase(url: string): Promise<TestDatabase> {
  // FerretDB 1.x has no retryable writes (no replica set); the services turn them off too.
  const client = new MongoClient(url, { retryWrites: false, serverSelectionTimeoutMS: 5000 });
  const db = client.db();
  await ensureIndexes(db);
  return {
    client,
    db,
    drop: async () => {
      await db.dropDatabase();
      await client.close();
    },
  };
}
