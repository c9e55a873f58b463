import { ObjectId } from 'mongodb';
import { UnstorableValueError } from './persistence.errors.js';

/**
 * Throws `UnstorableValueError` for what FerretDB 1.x cannot store and MongoDB would: NaN and
 * ±Infinity, keys containing `.` or starting with `$`, NUL in strings or keys, and an array
 * directly inside an array. Run on documents built from computed data (statistics, counters)
 * before writing them, so both servers accept or refuse the same documents.
 */
export function assertStorable(value: unknown, path = ''): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UnstorableValueError(path || '/', 'NaN and ±Infinity cannot be stored');
    return;
  }
  if (typeof value === 'string') {
    if (value.includes('\0')) throw new UnstorableValueError(path || '/', 'strings cannot contain NUL');
    return;
  }
  if (value === null || typeof value !== 'object' || value instanceof Date || value instanceof ObjectId || value instanceof Uint8Array) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (Array.isArray(item)) throw new UnstorableValueError(`${path}/${i}`, 'an array directly inside an array cannot be stored');
      assertStorable(item, `${path}/${i}`);
    });
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('.') || key.startsWith('$') || key.includes('\0')) {
      throw new UnstorableValueError(`${path}/${key.replace(/[^\w-]/g, '?')}`, 'keys cannot contain "." or NUL or start with "$"');
    }
    if (item !== undefined) assertStorable(item, `${path}/${key}`);
  }
}
