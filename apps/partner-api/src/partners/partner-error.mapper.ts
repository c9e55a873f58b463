import { ErrorCategory } from '@agair/domain-models';
import {
  PartnerAuthError,
  PartnerDataFormatError,
  PartnerDownError,
  PartnerNetworkTimeoutError,
  PartnerNotFoundError,
  PartnerNotImplementedError,
  PartnerRateLimitError,
  isPartnerError,
  type PartnerError,
} from '@agair/partner-sdk';
import { PartnerNotEnabledError, PermanentTaskError } from '@agair/runtime';
import {
  AppError,
  BadGatewayError,
  NotFoundError,
  NotImplementedError,
  ServiceUnavailableError,
  UnprocessableError,
} from '@agair/service-kit';

/** Whole seconds for a `Retry-After` header; undefined when the partner gave no hint. */
function retryAfterS(error: PartnerError): number | undefined {
  return error.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(error.retryAfterMs / 1000));
}

/**
 * A partner failure as the HTTP answer of a request that called the partner: down or circuit
 * open → 503 (with Retry-After when known), timeout → 504, rejected credentials → 422,
 * not implemented → 501, bad data from the partner → 502. The message is the SDK's, which
 * holds no credential.
 */
export function toHttpError(error: PartnerError): AppError {
  if (error instanceof PartnerDownError) {
    return error.circuitOpen
      ? new ServiceUnavailableError('PARTNER_CIRCUIT_OPEN', `${error.partnerCode} is failing; calls are paused for a while`, retryAfterS(error))
      : new ServiceUnavailableError('PARTNER_UNAVAILABLE', error.message, retryAfterS(error));
  }
  if (error instanceof PartnerRateLimitError) return new ServiceUnavailableError('PARTNER_RATE_LIMITED', error.message, retryAfterS(error));
  if (error instanceof PartnerNetworkTimeoutError) return new AppError(504, 'PARTNER_TIMEOUT', error.message);
  if (error instanceof PartnerAuthError) return new UnprocessableError('PARTNER_AUTH_FAILED', error.message);
  if (error instanceof PartnerDataFormatError) return new BadGatewayError('PARTNER_BAD_RESPONSE', error.message);
  if (error instanceof PartnerNotFoundError) return new AppError(404, 'PARTNER_NOT_FOUND', error.message);
  if (error instanceof PartnerNotImplementedError) return new NotImplementedError('PARTNER_NOT_IMPLEMENTED', error.message);
  return new BadGatewayError('PARTNER_ERROR', error.message);
}

/** Runs a partner call, turning its failures into HTTP errors; anything else is rethrown. */
export async function callPartner<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isPartnerError(err)) throw toHttpError(err);
    throw err;
  }
}

/** The upload use-case's permanent failures, as answers to a manual upload. */
export function permanentUploadError(error: PermanentTaskError): AppError {
  if (error instanceof PartnerNotEnabledError) return new UnprocessableError(error.code, error.message);
  switch (error.category) {
    case ErrorCategory.NOT_FOUND:
      return new NotFoundError('Assignment or job');
    case ErrorCategory.AUTH:
      return new UnprocessableError('NO_PARTNER_CREDENTIALS', 'The customer has no active system user on this partner');
    case ErrorCategory.DATA_FORMAT:
      return new UnprocessableError('NOT_A_PARTNER_ASSIGNMENT', error.message);
    default:
      return new UnprocessableError('UPLOAD_REFUSED', error.message);
  }
}
