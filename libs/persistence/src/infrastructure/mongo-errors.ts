import { MongoBulkWriteError, MongoNetworkError, MongoNotConnectedError, MongoServerError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';

/** Server error code for a unique index violation (E11000). */
export const DUPLICATE_KEY_CODE = 11000;

/*
 * FerretDB 1.x reports E11000 for inserts, but an *update* that breaks a unique index comes
 * back as InternalError (code 1) carrying PostgreSQL's unique_violation (SQLSTATE 23505).
 */
const FERRETDB_INTERNAL_ERROR = 1;
const POSTGRES_UNIQUE_VIOLATION = /SQLSTATE 23505|duplicate key value violates unique constraint/;

/** Whether `err` is a unique-index violation, from a single write or any write of a bulk write, on MongoDB or FerretDB. */
export function isDuplicateKeyError(err: unknown): boolean {
  if (err instanceof MongoBulkWriteError) {
    if (isDuplicate(err.code, err.message)) return true;
    const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    return writeErrors.some((e) => e !== undefined && isDuplicate(e.code, e.errmsg ?? ''));
  }
  if (err instanceof MongoServerError) return isDuplicate(err.code, err.message);
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === DUPLICATE_KEY_CODE;
}

function isDuplicate(code: unknown, message: string): boolean {
  return code === DUPLICATE_KEY_CODE || (code === FERRETDB_INTERNAL_ERROR && POSTGRES_UNIQUE_VIOLATION.test(message));
}

/*
 * FerretDB answers with InternalError when its PostgreSQL is away or restarting (connection
 * refused; SQLSTATE 57P01–57P03: admin shutdown, crash shutdown, cannot connect now).
 */
const POSTGRES_UNAVAILABLE = /connection refused|failed to connect|SQLSTATE 57P0[1-3]|database system is (starting up|shutting down)/i;

/**
 * Whether `err` says the database cannot be reached right now (no server, a dropped connection,
 * PostgreSQL behind FerretDB away), as opposed to an error in what was asked: the operation may
 * well succeed once the database is back.
 */
export function isDatabaseUnavailableError(err: unknown): boolean {
  if (err instanceof MongoNetworkError || err instanceof MongoServerSelectionError) return true;
  if (err instanceof MongoNotConnectedError || err instanceof MongoTopologyClosedError) return true;
  if (err instanceof MongoServerError) return err.code === FERRETDB_INTERNAL_ERROR && POSTGRES_UNAVAILABLE.test(err.message);
  return false;
}
