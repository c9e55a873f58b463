import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection, Db, Document, Filter, ObjectId, UpdateFilter, WithId } from 'mongodb';
import { WRITE_TOKENS_COLLECTION } from './guarded-write.indexes.js';
import { isDuplicateKeyError } from './mongo-errors.js';
import { PersistenceError } from './persistence.errors.js';

/*
 * Why this exists: FerretDB 1.x runs findAndModify and update as "query, then replace the
 * whole document by _id" with nothing in between holding a lock (handler/msg_findandmodify.go
 * → backends/postgresql UpdateAll). Two concurrent `findOneAndUpdate({ _id, state: 'A' }, …)`
 * can both match and both "win" — measured here: up to 47 of 50 concurrent claims succeeded.
 * The only atomic primitive FerretDB 1.x offers is the unique index (PostgreSQL UNIQUE).
 *
 * So every guarded document carries `version`, and the right to write version v → v + 1 is
 * held by whoever inserts the token `<collection>/<id>/<v>/<generation>` into `write_tokens`
 * (unique _id: one inserter wins). The holder applies its change with a filter on
 * `{ _id, version: v }`. With no other writer at version v, FerretDB's query-then-replace
 * cannot interleave. On MongoDB the same steps are simply redundant.
 *
 * After a successful write the token stays: version v is history, so no writer that reads the
 * document again ever asks for it, and one that read it just before simply re-reads, as it would
 * while the token was held. Leaving it saves a delete per write; `sweepWriteTokens` removes old
 * tokens in bulk (the poller's sweep). A token whose write did not happen is deleted at once.
 *
 * A writer that dies between token and update leaves the token behind; once it is older than
 * `abandonedTokenMs` the next writer uses the next generation. This assumes no live writer
 * pauses longer than that between its token insert and its update (default 30 s, far above a
 * few milliseconds of two round trips).
 */

export interface VersionedDocument extends Document {
  _id: ObjectId;
  /** Incremented by every guarded write. New documents start at 0. */
  version: number;
}

export interface GuardedWriterOptions {
  /** A token older than this is treated as left by a dead writer. */
  abandonedTokenMs?: number;
  /** How long a writer waits for another to finish with the same document before giving up. */
  conflictTimeoutMs?: number;
}

interface WriteTokenDocument {
  _id: string;
  at: Date;
}

/** Another writer kept the document busy for longer than `conflictTimeoutMs`: retry later. */
export class WriteConflictError extends PersistenceError {
  readonly code = 'WRITE_CONFLICT';
  constructor(readonly collection: string) {
    super(`${collection}: the document stayed busy with another write; try again`);
  }
}

const MAX_GENERATIONS = 16;

/** Single-document conditional updates that are atomic on FerretDB 1.x as well as MongoDB. */
export class GuardedWriter {
  private readonly tokens: Collection<WriteTokenDocument>;
  private readonly abandonedTokenMs: number;
  private readonly conflictTimeoutMs: number;

  constructor(db: Db, options: GuardedWriterOptions = {}) {
    this.tokens = db.collection<WriteTokenDocument>(WRITE_TOKENS_COLLECTION);
    this.abandonedTokenMs = options.abandonedTokenMs ?? 30_000;
    this.conflictTimeoutMs = options.conflictTimeoutMs ?? 5_000;
  }

  /**
   * Applies `update` to the one document matching `filter`, if there is one, as a single
   * atomic step: the behaviour of `findOneAndUpdate(filter, update, { returnDocument: 'after' })`
   * on MongoDB. `update` may be a function of the matched document. Returns the updated
   * document, or null when no document matches (any more). Throws `WriteConflictError` when
   * the document stays locked by another writer beyond `conflictTimeoutMs`.
   */
  async update<T extends VersionedDocument>(
    collection: Collection<T>,
    filter: Filter<T>,
    update: UpdateFilter<T> | ((current: WithId<T>) => UpdateFilter<T>),
  ): Promise<WithId<T> | null> {
    // Tokens and deadlines use the wall clock, never a repository's injectable clock: they are
    // about real elapsed time.
    const deadline = Date.now() + this.conflictTimeoutMs;
    for (;;) {
      const current = await collection.findOne(filter);
      if (!current) return null;
      const token = await this.acquire(collection.collectionName, current._id, current.version);
      if (token) {
        let written = false;
        try {
          const change = typeof update === 'function' ? update(current) : update;
          const updated = await collection.findOneAndUpdate(
            { _id: current._id, version: current.version } as Filter<T>,
            // The driver's UpdateFilter typing cannot follow a generic `version` field through $inc.
            { ...change, $inc: { ...(change.$inc ?? {}), version: 1 } } as unknown as UpdateFilter<T>,
            { returnDocument: 'after' },
          );
          written = updated !== null;
          if (updated) return updated;
          // The version moved between our read and our token (its writer had finished): read again.
        } finally {
          if (!written) await this.tokens.deleteOne({ _id: token });
        }
      } else if (Date.now() > deadline) {
        throw new WriteConflictError(collection.collectionName);
      } else {
        await sleep(3 + Math.floor(Math.random() * 12));
      }
    }
  }

  /** Deletes tokens older than `olderThan`: those of finished writes and of writers that died mid-write. */
  async sweepWriteTokens(olderThan: Date): Promise<number> {
    return sweepWriteTokens(this.tokens, olderThan);
  }

  /** The token's id, or null when a live writer holds this version. */
  private async acquire(collectionName: string, id: ObjectId, version: number): Promise<string | null> {
    for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
      const tokenId = `${collectionName}/${id.toHexString()}/${version}/${generation}`;
      try {
        await this.tokens.insertOne({ _id: tokenId, at: new Date() });
        return tokenId;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const holder = await this.tokens.findOne({ _id: tokenId });
      // Gone already (its writer finished): the caller re-reads the document and tries again.
      if (!holder) return null;
      const abandoned = Date.now() - holder.at.getTime() > this.abandonedTokenMs;
      if (!abandoned) return null;
    }
    return null;
  }
}

/** Old write tokens, for the leader's periodic sweep. */
export class WriteTokenSweeper {
  private readonly tokens: Collection<WriteTokenDocument>;

  constructor(db: Db) {
    this.tokens = db.collection<WriteTokenDocument>(WRITE_TOKENS_COLLECTION);
  }

  /** Deletes tokens older than `olderThan` (keep them for well over `abandonedTokenMs`). */
  sweep(olderThan: Date): Promise<number> {
    return sweepWriteTokens(this.tokens, olderThan);
  }
}

async function sweepWriteTokens(tokens: Collection<WriteTokenDocument>, olderThan: Date): Promise<number> {
  const result = await tokens.deleteMany({ at: { $lt: olderThan } });
  return result.deletedCount;
}
