import { MongoServerError, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { isDuplicateKeyError } from './mongo-errors.js';
import { fromObjectId, isObjectIdString, newObjectIdString, toObjectId, toObjectIdOrNull } from './object-id.mapper.js';
import { InvalidObjectIdError, UnstorableValueError } from './persistence.errors.js';
import { assertStorable } from './storable.js';
import { toDate, toDateOrNull, toIso, toIsoOrNull } from './timestamp.mapper.js';

describe('id mapping', () => {
  it('maps a domain id to an ObjectId and back unchanged', () => {
    const id = '665f1c2ab3e4d5f6a7b8c9d0';
    const objectId = toObjectId(id);
    expect(objectId).toBeInstanceOf(ObjectId);
    expect(fromObjectId(objectId)).toBe(id);
    expect(isObjectIdString(newObjectIdString())).toBe(true);
  });

  it('refuses anything but 24 lower-case hex characters, naming the field and not the value', () => {
    for (const bad of ['665F1C2AB3E4D5F6A7B8C9D0', '665f1c2ab3e4d5f6a7b8c9d', 'zz5f1c2ab3e4d5f6a7b8c9d0', '{"$gt":""}']) {
      expect(() => toObjectId(bad, 'jobId')).toThrow(InvalidObjectIdError);
    }
    expect(() => toObjectId('secret-looking-value', 'jobId')).toThrow(/^jobId is not/);
    expect(toObjectIdOrNull(null)).toBeNull();
  });
});

describe('timestamp mapping', () => {
  it('stores an ISO string as a Date and returns it in UTC with milliseconds', () => {
    const date = toDate('2024-05-02T09:41:09.12+02:00');
    expect(date).toBeInstanceOf(Date);
    expect(toIso(date)).toBe('2024-05-02T07:41:09.120Z');
    expect(toIsoOrNull(null)).toBeNull();
    expect(toDateOrNull(undefined)).toBeNull();
  });

  it('refuses strings without a time zone or that are not dates', () => {
    expect(() => toDate('2024-05-02T07:41:09', 'loggedAt')).toThrow('loggedAt');
    expect(() => toDate('yesterday')).toThrow(RangeError);
    expect(() => toDate('2024-13-45T99:00:00Z')).toThrow(RangeError);
  });
});

describe('isDuplicateKeyError', () => {
  it('recognises E11000 and nothing else', () => {
    expect(isDuplicateKeyError(new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' }))).toBe(true);
    expect(isDuplicateKeyError(new MongoServerError({ code: 2, errmsg: 'bad value' }))).toBe(false);
    // FerretDB 1.x: an update breaking a unique index surfaces as InternalError with PostgreSQL's code.
    const ferretUpdate = 'ERROR: duplicate key value violates unique constraint "users_1_idx" (SQLSTATE 23505)';
    expect(isDuplicateKeyError(new MongoServerError({ code: 1, errmsg: ferretUpdate }))).toBe(true);
    expect(isDuplicateKeyError(new MongoServerError({ code: 1, errmsg: 'connection reset' }))).toBe(false);
    expect(isDuplicateKeyError(new Error('E11000'))).toBe(false);
    expect(isDuplicateKeyError(null)).toBe(false);
  });
});

describe('assertStorable', () => {
  it('accepts plain documents with dates, ids and flat arrays', () => {
    expect(() => assertStorable({ a: 1, b: [1, { c: [2, 3] }], d: new Date(), e: new ObjectId(), f: null })).not.toThrow();
  });

  it('refuses what FerretDB 1.x cannot store, with the path', () => {
    expect(() => assertStorable({ summary: { rate: Number.NaN } })).toThrow('/summary/rate');
    expect(() => assertStorable({ x: [Infinity] })).toThrow(UnstorableValueError);
    expect(() => assertStorable({ counters: { 'a.b': 1 } })).toThrow('keys cannot contain');
    expect(() => assertStorable({ $where: 1 })).toThrow(UnstorableValueError);
    expect(() => assertStorable({ coordinates: [[1, 2]] })).toThrow('/coordinates/0');
  });
});
