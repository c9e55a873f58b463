import { ErrorCategory, type PartnerCode } from '@agair/domain-models';

/**
 * Why a partner call failed. The domain categories (they travel in `x-error-category`) plus
 * `not-implemented` for a partner that is registered but has no client yet; domain-models has
 * no such category, see {@link toDomainErrorCategory}.
 */
export const PartnerErrorCategory = {
  NETWORK_TIMEOUT: ErrorCategory.NETWORK_TIMEOUT,
  AUTH: ErrorCategory.AUTH,
  RATE_LIMIT: ErrorCategory.RATE_LIMIT,
  DATA_FORMAT: ErrorCategory.DATA_FORMAT,
  PARTNER_DOWN: ErrorCategory.PARTNER_DOWN,
  NOT_FOUND: ErrorCategory.NOT_FOUND,
  NOT_IMPLEMENTED: 'not-implemented',
} as const;
export type PartnerErrorCategory = (typeof PartnerErrorCategory)[keyof typeof PartnerErrorCategory];

export interface PartnerErrorDetails {
  partnerCode: PartnerCode | string;
  /** The partner endpoint, e.g. `GetAircraftLogs`; never a URL with its query. */
  endpoint: string;
  /** HTTP status the partner answered with, when it answered. */
  httpStatus?: number;
  retryAfterMs?: number;
  /** Must never hold credentials: only sanitised errors go here (see `sanitizeCause`). */
  cause?: Error;
}

/**
 * Base of every failure a partner call can raise. Messages name the partner, the endpoint and
 * the reason, never a credential or a URL query string.
 */
export abstract class PartnerError extends Error {
  abstract readonly category: PartnerErrorCategory;
  /** Whether calling again later can succeed. */
  abstract readonly retryable: boolean;
  /** Status an API should answer with when this error reaches a request handler. */
  abstract readonly httpStatusHint: number;
  readonly partnerCode: string;
  readonly endpoint: string;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: PartnerErrorDetails) {
    super(message, details.cause ? { cause: details.cause } : undefined);
    this.name = new.target.name;
    this.partnerCode = details.partnerCode;
    this.endpoint = details.endpoint;
    this.httpStatus = details.httpStatus;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** A plain, secret-free summary for logs, task headers and API error details. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      category: this.category,
      retryable: this.retryable,
      partnerCode: this.partnerCode,
      endpoint: this.endpoint,
      httpStatus: this.httpStatus,
      retryAfterMs: this.retryAfterMs,
      message: this.message,
    };
  }
}

/** No answer in time, or the connection broke (reset, closed mid-body). Retried with backoff. */
export class PartnerNetworkTimeoutError extends PartnerError {
  readonly category = PartnerErrorCategory.NETWORK_TIMEOUT;
  readonly retryable = true;
  readonly httpStatusHint = 504;
}

/**
 * The partner refused the credentials or the token. `credentialsRejected` is true when
 * authentication itself failed (wrong username/password): retrying with the same credentials
 * cannot help, an operator must fix them.
 */
export class PartnerAuthError extends PartnerError {
  readonly category = PartnerErrorCategory.AUTH;
  readonly retryable = true;
  readonly httpStatusHint = 422;
  constructor(
    message: string,
    details: PartnerErrorDetails & { credentialsRejected?: boolean; circuitOpen?: boolean },
  ) {
    super(message, details);
    this.credentialsRejected = details.credentialsRejected ?? false;
    this.circuitOpen = details.circuitOpen ?? false;
  }
  readonly credentialsRejected: boolean;
  /** Rejected locally: this customer's authentications failed repeatedly a moment ago. */
  readonly circuitOpen: boolean;
}

/** HTTP 429. `retryAfterMs` comes from the partner's `Retry-After` when it sent one. */
export class PartnerRateLimitError extends PartnerError {
  readonly category = PartnerErrorCategory.RATE_LIMIT;
  readonly retryable = true;
  readonly httpStatusHint = 503;
}

/**
 * A response (or a request of ours) that does not have the expected shape: schema mismatch,
 * unparseable JSON, a download over its size cap, a request the partner rejected as invalid.
 * Retrying the same thing gives the same result.
 */
export class PartnerDataFormatError extends PartnerError {
  readonly category = PartnerErrorCategory.DATA_FORMAT;
  readonly retryable = false;
  readonly httpStatusHint = 502;
  /** JSON pointer (or header name) of the offending field, when there is one. */
  readonly field: string | undefined;
  constructor(message: string, details: PartnerErrorDetails & { field?: string }) {
    super(message, details);
    this.field = details.field;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field };
  }
}

/** 5xx, connection refused, or the shared circuit breaker is open. Retried with a long backoff. */
export class PartnerDownError extends PartnerError {
  readonly category = PartnerErrorCategory.PARTNER_DOWN;
  readonly retryable = true;
  readonly httpStatusHint = 503;
  /** Rejected locally without calling the partner, because the breaker is open. */
  readonly circuitOpen: boolean;
  constructor(message: string, details: PartnerErrorDetails & { circuitOpen?: boolean }) {
    super(message, details);
    this.circuitOpen = details.circuitOpen ?? false;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), circuitOpen: this.circuitOpen };
  }
}

/** The aircraft, log or job does not exist at the partner (HTTP 404). */
export class PartnerNotFoundError extends PartnerError {
  readonly category = PartnerErrorCategory.NOT_FOUND;
  readonly retryable = false;
  readonly httpStatusHint = 404;
}

/** The partner is registered (e.g. AGIDRONEX) but this platform has no client for it yet. */
export class PartnerNotImplementedError extends PartnerError {
  readonly category = PartnerErrorCategory.NOT_IMPLEMENTED;
  readonly retryable = false;
  readonly httpStatusHint = 501;
  constructor(partnerCode: string, operation: string) {
    super(`Partner ${partnerCode} is not implemented yet (${operation})`, { partnerCode, endpoint: operation });
  }
}

export function isPartnerError(error: unknown): error is PartnerError {
  return error instanceof PartnerError;
}

/**
 * The category for task headers and `ErrorInfo` (domain-models' `ErrorCategory`). A call to a
 * partner that is not implemented is a platform gap, so it maps to `internal`; any other error
 * that is not a PartnerError is `internal` too.
 */
export function toDomainErrorCategory(error: unknown): ErrorCategory {
  if (!(error instanceof PartnerError)) return ErrorCategory.INTERNAL;
  return error.category === PartnerErrorCategory.NOT_IMPLEMENTED ? ErrorCategory.INTERNAL : error.category;
}
