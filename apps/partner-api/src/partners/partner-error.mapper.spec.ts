import { ErrorCategory } from '@agair/domain-models';
import {
  PartnerAuthError,
  PartnerDataFormatError,
  PartnerDownError,
  PartnerNetworkTimeoutError,
  PartnerNotFoundError,
  PartnerNotImplementedError,
  PartnerRateLimitError,
} from '@agair/partner-sdk';
import { PermanentTaskError } from '@agair/runtime';
import { describe, expect, it } from 'vitest';
import { callPartner, permanentUploadError, toHttpError } from './partner-error.mapper.js';

const where = { partnerCode: 'SATLOC', endpoint: 'GetAircraftList' };

describe('partner failures as HTTP answers', () => {
  it.each([
    [new PartnerDownError('SatLoc answered 503', where), 503, 'PARTNER_UNAVAILABLE'],
    [new PartnerDownError('open', { ...where, circuitOpen: true, retryAfterMs: 12_300 }), 503, 'PARTNER_CIRCUIT_OPEN'],
    [new PartnerRateLimitError('429', { ...where, retryAfterMs: 2000 }), 503, 'PARTNER_RATE_LIMITED'],
    [new PartnerNetworkTimeoutError('timed out', where), 504, 'PARTNER_TIMEOUT'],
    [new PartnerAuthError('rejected', { ...where, credentialsRejected: true }), 422, 'PARTNER_AUTH_FAILED'],
    [new PartnerDataFormatError('bad payload', where), 502, 'PARTNER_BAD_RESPONSE'],
    [new PartnerNotFoundError('no such aircraft', where), 404, 'PARTNER_NOT_FOUND'],
    [new PartnerNotImplementedError('AGIDRONEX', 'getAircraftList'), 501, 'PARTNER_NOT_IMPLEMENTED'],
  ])('%s → %i %s', (error, status, code) => {
    const mapped = toHttpError(error);
    expect(mapped.statusCode).toBe(status);
    expect(mapped.code).toBe(code);
  });

  it('passes the partner Retry-After on as whole seconds, rounded up', () => {
    expect(toHttpError(new PartnerDownError('open', { ...where, circuitOpen: true, retryAfterMs: 12_300 }))).toMatchObject({ retryAfterS: 13 });
    expect(toHttpError(new PartnerRateLimitError('429', { ...where, retryAfterMs: 10 }))).toMatchObject({ retryAfterS: 1 });
    expect(toHttpError(new PartnerDownError('503', where))).toMatchObject({ retryAfterS: undefined });
  });

  it('callPartner maps partner errors and rethrows anything else untouched', async () => {
    await expect(callPartner(async () => Promise.reject(new PartnerNetworkTimeoutError('slow', where)))).rejects.toMatchObject({ statusCode: 504 });
    const bug = new TypeError('bug');
    await expect(callPartner(async () => Promise.reject(bug))).rejects.toBe(bug);
    await expect(callPartner(async () => 7)).resolves.toBe(7);
  });

  it('maps the upload use-case permanent failures to 404 and 422', () => {
    expect(permanentUploadError(new PermanentTaskError(ErrorCategory.NOT_FOUND, 'assignment x not found'))).toMatchObject({ statusCode: 404 });
    expect(permanentUploadError(new PermanentTaskError(ErrorCategory.AUTH, 'no credentials'))).toMatchObject({ statusCode: 422, code: 'NO_PARTNER_CREDENTIALS' });
    expect(permanentUploadError(new PermanentTaskError(ErrorCategory.DATA_FORMAT, 'not a partner aircraft'))).toMatchObject({ statusCode: 422, code: 'NOT_A_PARTNER_ASSIGNMENT' });
  });
});
