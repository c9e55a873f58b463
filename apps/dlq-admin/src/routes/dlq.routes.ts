import type { MoveResult as Moved } from '@agair/messaging';
import { AppError, NotFoundError, optionalBody, type HttpApp } from '@agair/service-kit';
import type { ActionSummary } from '../audit/dlq-action.recorder.js';
import { asked, audited, moveSummary } from './audited.js';
import type { DlqRouteContext } from './dlq-route.context.js';
import { adminOnly, listWindow, queueErrors, tags } from './dlq-route.context.js';
import { assertSomethingMoved, translate } from './dlq.errors.js';
import { DeadLetterPage, ListQuery, MoveResult, PurgeBody, PurgeResult, QueueParams, RetryByHeaderBody, RetryByPositionBody } from './dlq.schemas.js';

const retrySummary = (r: Moved): ActionSummary => moveSummary(r.moved, r.notMoved, { moved: r.moved, left: r.left }, r.taskIds);

export function registerDlqRoutes(app: HttpApp, context: DlqRouteContext): void {
  const { admin, listMax } = context;

  app.get(
    '/api/dlq/:queueName/list',
    {
      config: adminOnly,
      schema: {
        tags,
        summary: 'List dead-lettered messages without removing or reordering them; its confirmation is what a purge needs',
        params: QueueParams,
        querystring: ListQuery,
        response: { 200: DeadLetterPage, ...queueErrors },
      },
    },
    async (request) => {
      const { offset, limit } = listWindow(request.query, listMax);
      return translate(() => admin.list(request.params.queueName, offset, limit));
    },
  );

  app.post(
    '/api/dlq/:queueName/retryAll',
    {
      config: adminOnly,
      schema: { tags, summary: 'Send every dead-lettered message back to its queue', params: QueueParams, response: { 200: MoveResult, ...queueErrors } },
    },
    async (request) => {
      const result = await audited(context, asked(request, 'retryAll', {}), () => admin.retryAll(request.params.queueName), retrySummary);
      assertSomethingMoved(result.moved, result.notMoved);
      return result;
    },
  );

  app.post(
    '/api/dlq/:queueName/retryByPosition',
    {
      config: adminOnly,
      schema: {
        tags,
        summary: 'Send the message at one position back to its queue',
        params: QueueParams,
        body: RetryByPositionBody,
        response: { 200: MoveResult, ...queueErrors },
      },
    },
    async (request) => {
      const { position } = request.body;
      const moveOne = async () => {
        const moved = await admin.retryByPosition(request.params.queueName, position);
        if (moved.moved === 0 && moved.notMoved.length === 0) throw new NotFoundError(`Message at position ${position}`);
        return moved;
      };
      const result = await audited(context, asked(request, 'retryByPosition', { position }), moveOne, retrySummary);
      assertSomethingMoved(result.moved, result.notMoved);
      return result;
    },
  );

  app.post(
    '/api/dlq/:queueName/retryByHeader',
    {
      config: adminOnly,
      schema: {
        tags,
        summary: 'Send back the messages whose header has the given value (e.g. x-partner-code = SATLOC)',
        params: QueueParams,
        body: RetryByHeaderBody,
        response: { 200: MoveResult, ...queueErrors },
      },
    },
    async (request) => {
      const { headerName, headerValue } = request.body;
      const moveMatching = () => admin.retryByHeader(request.params.queueName, headerName, headerValue);
      const result = await audited(context, asked(request, 'retryByHeader', { headerName, headerValue }), moveMatching, retrySummary);
      assertSomethingMoved(result.moved, result.notMoved);
      return result;
    },
  );

  app.post(
    '/api/dlq/:queueName/purge',
    {
      config: adminOnly,
      ...optionalBody,
      schema: {
        tags,
        summary: 'Move every message of the DLQ into its archive (kept DLQ_ARCHIVE_TTL_MS, restorable), with the confirmation of a preceding listing',
        description:
          'Send the `confirmation` of GET /api/dlq/:queueName/list as the body. 400 PURGE_CONFIRMATION_REQUIRED without it; 409 PURGE_CONFIRMATION_STALE, and nothing moved, when the DLQ no longer holds what was listed.',
        params: QueueParams,
        body: PurgeBody,
        response: { 200: PurgeResult, ...queueErrors },
      },
    },
    async (request) => {
      const { expectedCount, listingToken } = request.body;
      if (expectedCount === undefined || listingToken === undefined) {
        throw new AppError(
          400,
          'PURGE_CONFIRMATION_REQUIRED',
          'Nothing was purged: list the DLQ first (GET /api/dlq/:queueName/list) and send its confirmation as the body: { "expectedCount": <total>, "listingToken": "<listingToken>" }',
        );
      }
      return audited(
        context,
        asked(request, 'purge', { expectedCount, listingToken }),
        (actor) => admin.purge(request.params.queueName, { expectedCount, listingToken }, actor),
        (r) => ({ counts: { archived: r.archived, left: r.left }, taskIds: r.taskIds }),
      );
    },
  );
}
