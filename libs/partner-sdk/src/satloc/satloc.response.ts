import type { TSchema, Static } from 'typebox';
import { Value } from 'typebox/value';
import { PartnerAuthError, PartnerDataFormatError, PartnerNotFoundError } from '../errors/partner.errors.js';

/** Recursively lower-cases object keys, so `IsSuccess`, `isSuccess` and `ISSUCCESS` read alike. */
export function lowerCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerCaseKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k.toLowerCase()] = lowerCaseKeys(v);
    return out;
  }
  return value;
}

const ENVELOPE_KEYS = new Set(['issuccess', 'errormessage', 'result']);

export interface ResponseContext {
  partnerCode: string;
  endpoint: string;
  httpStatus: number;
  /** Exact strings to remove from any message taken from the partner (e.g. the password). */
  secrets: readonly string[];
}

/**
 * The payload of a response, with or without an `{IsSuccess, ErrorMessage, Result}` envelope.
 * An envelope saying `IsSuccess: false` becomes a PartnerError (auth, not found, or data
 * format: the partner refused what we sent).
 */
export function unwrapEnvelope(body: unknown, ctx: ResponseContext): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const keys = Object.keys(body);
  const isEnvelope = keys.includes('issuccess') || (keys.includes('result') && keys.every((k) => ENVELOPE_KEYS.has(k)));
  if (!isEnvelope) return body;
  const envelope = body as { issuccess?: unknown; errormessage?: unknown; result?: unknown };
  if (envelope.issuccess !== undefined && typeof envelope.issuccess !== 'boolean') {
    throw dataFormat(ctx, '/IsSuccess', 'expected a boolean');
  }
  if (envelope.issuccess === false) {
    const reason = scrub(typeof envelope.errormessage === 'string' ? envelope.errormessage : 'no error message', ctx.secrets);
    throw refusal(reason, ctx);
  }
  return envelope.result;
}

/** Validates `payload` against `schema`; on mismatch names the endpoint and the first bad field. */
export function validatePayload<T extends TSchema>(schema: T, payload: unknown, ctx: ResponseContext): Static<T> {
  if (Value.Check(schema, payload)) return payload as Static<T>;
  const first = [...Value.Errors(schema, payload)].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  const field = first?.instancePath || '/';
  throw dataFormat(ctx, field, first?.message ?? 'does not match the expected shape');
}

export function dataFormat(ctx: ResponseContext, field: string, problem: string): PartnerDataFormatError {
  return new PartnerDataFormatError(`${ctx.partnerCode} ${ctx.endpoint}: unexpected response at ${field}: ${problem}`, {
    partnerCode: ctx.partnerCode,
    endpoint: ctx.endpoint,
    httpStatus: ctx.httpStatus,
    field,
  });
}

function refusal(reason: string, ctx: ResponseContext): Error {
  const details = { partnerCode: ctx.partnerCode, endpoint: ctx.endpoint, httpStatus: ctx.httpStatus };
  const message = `${ctx.partnerCode} ${ctx.endpoint} refused: ${reason}`;
  if (/not\s*found|unknown|does not exist/i.test(reason)) return new PartnerNotFoundError(message, details);
  if (/auth|token|password|credential|login|unauthori[sz]ed|expired/i.test(reason)) {
    return new PartnerAuthError(message, { ...details, credentialsRejected: ctx.endpoint === 'AuthenticateAPIUser' });
  }
  return new PartnerDataFormatError(message, details);
}

/** Removes exact secrets from partner-provided text and caps its length. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}
