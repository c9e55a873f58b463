import { ObjectId } from 'mongodb';
import { InvalidObjectIdError } from './persistence.errors.js';

const OBJECT_ID_HEX = /^[0-9a-f]{24}$/;

/** Whether `id` is an id as the domain writes it: 24 lower-case hex characters. */
export function isObjectIdString(id: string): boolean {
  return OBJECT_ID_HEX.test(id);
}

/** Domain id → stored `_id`. Throws `InvalidObjectIdError` naming `field` (never echoing the value). */
export function toObjectId(id: string, field = 'id'): ObjectId {
  if (!isObjectIdString(id)) throw new InvalidObjectIdError(field);
  return ObjectId.createFromHexString(id);
}

export function toObjectIdOrNull(id: string | null | undefined, field = 'id'): ObjectId | null {
  return id === null || id === undefined ? null : toObjectId(id, field);
}

/** Stored `_id` → domain id (lower-case hex). */
export function fromObjectId(id: ObjectId): string {
  return id.toHexString();
}

export function fromObjectIdOrNull(id: ObjectId | null | undefined): string | null {
  return id === null || id === undefined ? null : fromObjectId(id);
}

/** A fresh id in the domain's form, for records whose id must be known before the insert. */
export function newObjectIdString(): string {
  return new ObjectId().toHexString();
}
