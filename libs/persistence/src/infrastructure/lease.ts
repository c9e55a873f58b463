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
  /** Absent unless the failure has a stable code (`ErrorInfo.reason`). */
  reason?: string;
  at: Date;
}

/** What a caller reports about a failure; the time is the repository's clock. */
export interface FailureInput {
  category: ErrorCategory;
  /** For operators; must hold no secret. Cut to 2000 characters. */
  message: string;
  /** A stable snake_case code to filter on (`ErrorInfo.reason`), for the failures that have one. */
  reason?: string;
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
  const message = failure.message.slice(0, MAX_ERROR_MESSAGE);
  return failure.reason ? { category: failure.category, message, reason: failure.reason, at } : { category: failure.category, message, at };
}

export function toErrorInfo(doc: ErrorInfoDocument | null): ErrorInfo | null {
  if (!doc) return null;
  const info: ErrorInfo = { category: doc.category, message: doc.message, at: toIso(doc.at) };
  if (doc.reason) info.reason = doc.reason;
  return info;
}
