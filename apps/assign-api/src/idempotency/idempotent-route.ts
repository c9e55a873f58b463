import { AppError, BadRequestError, UnprocessableError } from '@agair/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { idempotencyKeyProblem, requestFingerprint, type IdempotencyStore, type StoredResponse } from './idempotency.store.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

class IdempotencyInProgressError extends AppError {
  constructor(readonly retryAfterS: number) {
    super(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry later');
  }
}

/**
 * Runs `work` at most once per (caller, Idempotency-Key): a repeat gets the first response
 * (header `Idempotent-Replayed: true`), a concurrent duplicate waits for it or gets 409, the
 * same key with another request gets 422. Without the header, or while Redis cannot answer
 * (degraded: see `IdempotencyStore`), `work` simply runs. Only responses below 500 are kept; a
 * thrown error releases the key so the client may retry.
 */
export async function idempotent(
  store: IdempotencyStore,
  request: FastifyRequest,
  reply: FastifyReply,
  callerId: string,
  work: () => Promise<StoredResponse>,
): Promise<FastifyReply> {
  const header = request.headers[IDEMPOTENCY_HEADER];
  if (header === undefined) return send(reply, await work());
  if (Array.isArray(header)) throw new BadRequestError('Send one Idempotency-Key header');
  const problem = idempotencyKeyProblem(header);
  if (problem) throw new BadRequestError(problem);

  const fingerprint = requestFingerprint(request.routeOptions.url ?? request.url, request.params, request.body);
  const begun = await store.begin(callerId, header, fingerprint);
  switch (begun.kind) {
    case 'unavailable':
      // Redis is away (the store warned and counted it): run without the guarantee, nothing to keep.
      return send(reply, await work());
    case 'replay':
      return reply.header(REPLAYED_HEADER, 'true').code(begun.response.statusCode).send(begun.response.body);
    case 'mismatch':
      throw new UnprocessableError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
    case 'in-progress':
      throw new IdempotencyInProgressError(1);
    case 'owner':
      break;
  }

  let response: StoredResponse;
  try {
    response = await work();
  } catch (err) {
    await store.release(begun.claim).catch((releaseErr: unknown) => request.log.warn({ err: releaseErr }, 'releasing an idempotency key failed'));
    throw err;
  }
  if (response.statusCode < 500) {
    const kept = await store.complete(begun.claim, response).catch((err: unknown) => {
      request.log.warn({ err }, 'storing an idempotent response failed');
      return 'failed' as const;
    });
    if (kept === 'lost') request.log.warn('idempotency claim expired before the request finished; a repeat may run again');
  } else {
    await store.release(begun.claim).catch(() => undefined);
  }
  return send(reply, response);
}

function send(reply: FastifyReply, response: StoredResponse): FastifyReply {
  return reply.code(response.statusCode).send(response.body);
}
