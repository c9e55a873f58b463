import { MongoServerError, type Db } from 'mongodb';
import { IndexConflictError } from './persistence.errors.js';

/**
 * An index a repository needs, declared beside it. Only what both MongoDB 7 and FerretDB 1.x
 * support: plain ascending/descending keys, optionally unique (no TTL, partial, sparse,
 * collation, 2dsphere).
 */
export interface IndexSpec {
  collection: string;
  name: string;
  /** Field order matters: it is the index's key order. */
  key: Readonly<Record<string, 1 | -1>>;
  unique?: boolean;
}

/** An index an older version declared and this one no longer wants. */
export interface RetiredIndex {
  collection: string;
  name: string;
}

export interface EnsuredIndexes {
  collections: number;
  indexes: number;
}

// IndexOptionsConflict / IndexKeySpecsConflict: an index with the same key or name differs.
const INDEX_CONFLICT_CODES = new Set([85, 86]);

/**
 * Creates the indexes, idempotently: an identical existing index is left alone; one with the
 * same name but another definition is an `IndexConflictError`. Existing indexes are listed
 * first and only missing ones are created, one call each: FerretDB 1.24 panics on a
 * createIndexes call that repeats several existing indexes, and accepts some redefinitions
 * silently, so the server is checked again afterwards.
 */
export async function applyIndexSpecs(db: Db, specs: readonly IndexSpec[]): Promise<EnsuredIndexes> {
  assertDistinctNames(specs);
  const byCollection = new Map<string, IndexSpec[]>();
  for (const spec of specs) byCollection.set(spec.collection, [...(byCollection.get(spec.collection) ?? []), spec]);

  for (const [collectionName, collectionSpecs] of byCollection) {
    const collection = db.collection(collectionName);
    const before = await listIndexes(db, collectionName);
    for (const spec of collectionSpecs) {
      const found = before.find((index) => index.name === spec.name);
      if (found) {
        if (!sameDefinition(spec, found)) throw new IndexConflictError(collectionName, spec.name);
        continue;
      }
      try {
        await collection.createIndex({ ...spec.key }, { name: spec.name, ...(spec.unique ? { unique: true } : {}) });
      } catch (err) {
        if (err instanceof MongoServerError && typeof err.code === 'number' && INDEX_CONFLICT_CODES.has(err.code)) {
          throw new IndexConflictError(collectionName, spec.name, { cause: err });
        }
        throw err;
      }
    }
    const after = await listIndexes(db, collectionName);
    for (const spec of collectionSpecs) {
      const found = after.find((index) => index.name === spec.name);
      if (!found || !sameDefinition(spec, found)) throw new IndexConflictError(collectionName, spec.name);
    }
  }
  return { collections: byCollection.size, indexes: specs.length };
}

interface ExistingIndex {
  name: string;
  key: Record<string, unknown>;
  unique: boolean;
}

/** Drops the retired indexes that exist; idempotent. Returns how many it dropped. */
export async function dropRetiredIndexes(db: Db, retired: readonly RetiredIndex[]): Promise<number> {
  let dropped = 0;
  for (const { collection, name } of retired) {
    if (!(await listIndexes(db, collection)).some((index) => index.name === name)) continue;
    try {
      await db.collection(collection).dropIndex(name);
      dropped++;
    } catch (err) {
      // IndexNotFound: another instance dropped it first.
      if (!(err instanceof MongoServerError && err.code === 27)) throw err;
    }
  }
  return dropped;
}

// NamespaceNotFound: the collection does not exist yet, so it has no indexes.
const NAMESPACE_NOT_FOUND = 26;

async function listIndexes(db: Db, collectionName: string): Promise<ExistingIndex[]> {
  try {
    const indexes = await db.collection(collectionName).listIndexes().toArray();
    return indexes.map((index) => ({
      name: String(index['name']),
      key: index['key'] as Record<string, unknown>,
      unique: index['unique'] === true,
    }));
  } catch (err) {
    if (err instanceof MongoServerError && err.code === NAMESPACE_NOT_FOUND) return [];
    throw err;
  }
}

function sameDefinition(spec: IndexSpec, existing: ExistingIndex): boolean {
  const declared = Object.entries(spec.key);
  const actual = Object.entries(existing.key).map(([field, direction]) => [field, Number(direction)] as const);
  return (
    (spec.unique ?? false) === existing.unique &&
    declared.length === actual.length &&
    declared.every(([field, direction], i) => actual[i][0] === field && actual[i][1] === direction)
  );
}

function assertDistinctNames(specs: readonly IndexSpec[]): void {
  const seen = new Set<string>();
  for (const spec of specs) {
    const id = `${spec.collection}/${spec.name}`;
    if (seen.has(id)) throw new Error(`index ${id} is declared twice`);
    seen.add(id);
  }
}
