import type { ErrorCategory, ErrorInfo, Lease } from '@agair/domain-models';
import { toIso } from './timestamp.mapper.js';

/** A lease as stored: the expiry is a Date so `$lt: now` works. */
export interface LeaseDocument {
  owner: string;
  expiresAt: Date;
}

export interface ErrorInfoDocument {
  category: ErrorCategory;
  message: string;
  at: Date;
}

/** What a caller reports about a failure; the time is the repository's clock. */
export interface FailureInput {
  category: ErrorCategory;
  /** For operators; must hold no secret. Cut to 2000 characters. */
  message: string;
}

const MAX_ERROR_MESSAGE = 2000;

export function leaseFor(owner: string, leaseMs: number, now: Date): LeaseDocument {
  if (!owner) throw new RangeError('lease owner must be a non-empty string');
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new RangeError(`leaseMs must be a positive number, got ${leaseMs}`);
  return { owner, expiresAt: new Date(now.getTime() + leaseMs) };
}

export function toLease(doc: LeaseDocument | null): Lease | null {
  return doc && { owner: doc.owner, expiresAt: toIso(doc.expiresAt) };
}

export function errorInfoDocument(failure: FailureInput, at: Date): ErrorInfoDocument {
  return { category: failure.category, message: failure.message.slice(0, MAX_ERROR_MESSAGE), at };
}

export function toErrorInfo(doc: ErrorInfoDocument | null): ErrorInfo | null {
  return doc && { category: doc.category, message: doc.message, at: toIso(doc.at) };
}
