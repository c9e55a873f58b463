/**
 * Errors raised by the persistence layer. Like the domain errors they carry a stable `code`
 * and never a stored value: only ids, collection and index names.
 */
export abstract class PersistenceError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A string that is not a 24-character lower-case hex ObjectId. */
export class InvalidObjectIdError extends PersistenceError {
  readonly code = 'INVALID_ID';
  constructor(readonly field: string) {
    super(`${field} is not a 24-character lower-case hex ObjectId`);
  }
}

/** A write that a unique index refused, e.g. a second partner with the same code. */
export class DuplicateRecordError extends PersistenceError {
  readonly code = 'DUPLICATE';
  constructor(
    readonly collection: string,
    readonly what: string,
    options?: ErrorOptions,
  ) {
    super(`${collection}: ${what} already exists`, options);
  }
}

/** An index the code declares exists on the server under the same name with another definition. */
export class IndexConflictError extends PersistenceError {
  readonly code = 'INDEX_CONFLICT';
  constructor(
    readonly collection: string,
    readonly indexName: string,
    options?: ErrorOptions,
  ) {
    super(
      `${collection}: index ${indexName} exists with a different definition; drop it (or rename the declared one) and restart`,
      options,
    );
  }
}

/** A value FerretDB 1.x (or BSON) cannot store: NaN/±Infinity, a key with `.` or `$`. */
export class UnstorableValueError extends PersistenceError {
  readonly code = 'UNSTORABLE_VALUE';
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`);
  }
}
