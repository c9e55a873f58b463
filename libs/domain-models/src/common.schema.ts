import { Type, type Static, type TLiteral, type TNull, type TSchema, type TSchemaOptions, type TUnion } from 'typebox';

/**
 * A JSON Schema `anyOf` of literals built from the values of a `const` enum object, typed as
 * the union of those values. Used for every enum so the schema and the type cannot drift.
 */
export function literalUnion<const T extends readonly (string | number)[]>(
  values: T,
  options?: TSchemaOptions,
): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  // The mapped tuple type is what `values.map(Type.Literal)` produces at run time; TypeScript
  // cannot follow a map over a tuple, hence the cast.
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as unknown as TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;
}

/** `T | null`. Absent-vs-null: stored and returned shapes use null, never a missing key. */
export function Nullable<T extends TSchema>(schema: T): TUnion<[T, TNull]> {
  return Type.Union([schema, Type.Null()]);
}

/**
 * A MongoDB ObjectId as its canonical 24-character lower-case hex string. All our ids,
 * including job ids, are these strings: the legacy system's numeric job ids are not carried
 * over (the partner's own job id is `extJobId`, a string).
 */
export const ObjectIdStringSchema = Type.String({
  pattern: '^[0-9a-f]{24}$',
  minLength: 24,
  maxLength: 24,
  description: 'MongoDB ObjectId, 24 lower-case hex characters',
  examples: ['665f1c2ab3e4d5f6a7b8c9d0'],
});
export type ObjectIdString = Static<typeof ObjectIdStringSchema>;

/** An instant as an RFC 3339 / ISO-8601 string with a time zone, e.g. `2024-05-02T07:41:09.120Z`. */
export const TimestampSchema = Type.String({ format: 'date-time', maxLength: 40, description: 'ISO-8601 date-time with time zone' });
export type Timestamp = Static<typeof TimestampSchema>;

/** SHA-256 of a file's bytes, lower-case hex: the identity of downloaded log content. */
export const Sha256HexSchema = Type.String({ pattern: '^[0-9a-f]{64}$', minLength: 64, maxLength: 64, description: 'SHA-256, 64 lower-case hex characters' });
export type Sha256Hex = Static<typeof Sha256HexSchema>;

/**
 * Task ids travel in the `x-task-id` header and key the TaskTracker. A random UUID, or a
 * deterministic key when the producer wants duplicates to collapse (e.g. `log:<trackerId>:1`).
 */
export const TaskIdSchema = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$',
  minLength: 8,
  maxLength: 128,
  description: 'task id: 8–128 characters of letters, digits and . _ : -',
});
export type TaskId = Static<typeof TaskIdSchema>;

/** A partner's identifier for an aircraft (SatLoc aircraft id). Opaque to us. */
export const PartnerAircraftIdSchema = Type.String({ minLength: 1, maxLength: 64 });
/** A partner's identifier for a flight log. Opaque to us. */
export const PartnerLogIdSchema = Type.String({ minLength: 1, maxLength: 128 });

/** Display name of a person, partner, customer, job… */
export const NameSchema = Type.String({ minLength: 1, maxLength: 200 });
export const NotesSchema = Type.String({ maxLength: 2000 });
export const EmailSchema = Type.String({ format: 'email', maxLength: 254 });

/**
 * A claim on a record in a transient state. Whoever holds an unexpired lease owns the work;
 * a sweeper may reclaim the record once `expiresAt` has passed.
 */
export const LeaseSchema = Type.Object(
  {
    owner: Type.String({ minLength: 1, maxLength: 200, description: 'worker instance id, e.g. host:pid' }),
    expiresAt: TimestampSchema,
  },
  { additionalProperties: false },
);
export type Lease = Static<typeof LeaseSchema>;
