import { BrokerUnavailableError, DeadLetterQueueAdmin, QueueNotFoundError } from '@agair/messaging';
import { BadRequestError, NotFoundError, Role, ServiceUnavailableError, errorResponses, type HttpApp } from '@agair/service-kit';
import { DeadLetterPage, ListQuery, MoveResult, PurgeResult, QueueParams, RetryByHeaderBody, RetryByPositionBody } from './dlq.schemas.js';

const tags = ['dlq'];
const config = { roles: [Role.ADMIN] };
const errors = errorResponses(400, 401, 403, 404, 429, 503);

async function translate<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof QueueNotFoundError) throw new NotFoundError('Queue');
    if (err instanceof BrokerUnavailableError) throw new ServiceUnavailableError('BROKER_UNAVAILABLE', 'RabbitMQ is not reachable; try again', 5);
    throw err;
  }
}

export function registerDlqRoutes(app: HttpApp, admin: DeadLetterQueueAdmin, listMax: number): void {
  app.get(
    '/api/dlq/:queueName/list',
    {
      config,
      schema: {
        tags,
        summary: 'List dead-lettered messages without removing or reordering them',
        params: QueueParams,
        querystring: ListQuery,
        response: { 200: DeadLetterPage, ...errors },
      },
    },
    async (request) => {
      const { offset, limit } = request.query;
      if (offset + limit > listMax) throw new BadRequestError(`offset + limit may not exceed ${listMax}`);
      return translate(() => admin.list(request.params.queueName, offset, limit));
    },
  );

  app.post(
    '/api/dlq/:queueName/retryAll',
    {
      config,
      schema: { tags, summary: 'Send every dead-lettered message back to its queue', params: QueueParams, response: { 200: MoveResult, ...errors } },
    },
    async (request) => translate(() => admin.retryAll(request.params.queueName)),
  );

  app.post(
    '/api/dlq/:queueName/retryByPosition',
    {
      config,
      schema: {
        tags,
        summary: 'Send the message at one position back to its queue',
        params: QueueParams,
        body: RetryByPositionBody,
        response: { 200: MoveResult, ...errors },
      },
    },
    async (request) => {
      const result = await translate(() => admin.retryByPosition(request.params.queueName, request.body.position));
      if (result.moved === 0) throw new NotFoundError(`Message at position ${request.body.position}`);
      return result;
    },
  );

  app.post(
    '/api/dlq/:queueName/retryByHeader',
    {
      config,
      schema: {
        tags,
        summary: 'Send back the messages whose header has the given value (e.g. x-partner-code = SATLOC)',
        params: QueueParams,
        body: RetryByHeaderBody,
        response: { 200: MoveResult, ...errors },
      },
    },
    async (request) => translate(() => admin.retryByHeader(request.params.queueName, request.body.headerName, request.body.headerValue)),
  );

  app.post(
    '/api/dlq/:queueName/purge',
    {
      config,
      schema: { tags, summary: 'Delete every message of the DLQ', params: QueueParams, response: { 200: PurgeResult, ...errors } },
    },
    async (request) => translate(() => admin.purge(request.params.queueName)),
  );
}
