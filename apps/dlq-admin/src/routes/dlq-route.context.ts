import type { DeadLetterQueueAdmin } from '@agair/messaging';
import type { DlqActionRepository } from '@agair/persistence';
import { BadRequestError, Role, errorResponses } from '@agair/service-kit';
import type { DlqActionRecorder } from '../audit/dlq-action.recorder.js';

export interface DlqRouteContext {
  admin: DeadLetterQueueAdmin;
  recorder: DlqActionRecorder;
  actions: DlqActionRepository;
  /** DLQ_LIST_MAX: the largest offset + limit a listing may walk. */
  listMax: number;
}

export const tags = ['dlq'];
export const adminOnly = { roles: [Role.ADMIN] };
/** A queue operation: 404 no such queue, 409 another dlq-admin is on it (DLQ_BUSY) or what was asked no longer fits, 503 broker or database away. */
export const queueErrors = errorResponses(400, 401, 403, 404, 409, 429, 503);

/** The window of a listing; 400 when it would walk further into the queue than DLQ_LIST_MAX allows. */
export function listWindow(query: { offset: number; limit: number }, listMax: number): { offset: number; limit: number } {
  if (query.offset + query.limit > listMax) throw new BadRequestError(`offset + limit may not exceed ${listMax}`);
  return query;
}
