/*
 * Instants are stored as BSON dates (so range queries and sorting work) and returned as
 * ISO-8601 strings in UTC with milliseconds, which is what the domain schemas use.
 */

// RFC 3339 date-time with a zone (Z or ±hh:mm), as `format: date-time` accepts.
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** ISO-8601 string (with a time zone) or Date → Date. Throws RangeError for anything else. */
export function toDate(value: string | Date, field = 'timestamp'): Date {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError(`${field} is an invalid Date`);
    return value;
  }
  if (!ISO_WITH_ZONE.test(value)) throw new RangeError(`${field} is not an ISO-8601 date-time with a time zone`);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`${field} is not a valid date-time`);
  return date;
}

export function toDateOrNull(value: string | Date | null | undefined, field = 'timestamp'): Date | null {
  return value === null || value === undefined ? null : toDate(value, field);
}

/** Stored Date → `2024-05-02T07:41:09.120Z`. */
export function toIso(date: Date): string {
  return date.toISOString();
}

export function toIsoOrNull(date: Date | null | undefined): string | null {
  return date === null || date === undefined ? null : toIso(date);
}

/** Where "now" comes from; injected so tests and sweepers can reason about lease expiry. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
