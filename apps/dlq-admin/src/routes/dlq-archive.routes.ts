import { AppError, NotFoundError, optionalBody, type HttpApp } from '@agair/service-kit';
import { asked, audited, moveSummary } from './audited.js';
import type { DlqRouteContext } from './dlq-route.context.js';
import { adminOnly, listWindow, queueErrors, tags } from './dlq-route.context.js';
import { assertSomethingMoved, translate } from './dlq.errors.js';
import { ArchivePage, ListQuery, QueueParams, RestoreBody, RestoreResult } from './dlq.schemas.js';

export function registerDlqArchiveRoutes(app: HttpApp, context: DlqRouteContext): void {
  const { admin, listMax } = context;

  app.get(
    '/api/dlq/:queueName/archive',
    {
      config: adminOnly,
      schema: {
        tags,
        summary: 'List the purged messages kept in the DLQ’s archive, oldest first, without removing or reordering them',
        params: QueueParams,
        querystring: ListQuery,
        response: { 200: ArchivePage, ...queueErrors },
      },
    },
    async (request) => {
      const { offset, limit } = listWindow(request.query, listMax);
      return translate(() => admin.listArchive(request.params.queueName, offset, limit));
    },
  );

  app.post(
    '/api/dlq/:queueName/archive/restore',
    {
      config: adminOnly,
      ...optionalBody,
      schema: {
        tags,
        summary: 'Move archived messages (by archiveId, or all) back to the DLQ or straight to the queue they failed on',
        params: QueueParams,
        body: RestoreBody,
        response: { 200: RestoreResult, ...queueErrors },
      },
    },
    async (request) => {
      const { ids, all, to } = request.body;
      if ((ids === undefined) === (all === undefined)) {
        throw new AppError(400, 'RESTORE_SELECTION_REQUIRED', 'Send either { "ids": [<archiveId>, …] } (from GET /api/dlq/:queueName/archive) or { "all": true }, not both');
      }
      const restore = async () => {
        const restored = await admin.restore(request.params.queueName, ids ? { ids } : { all: true }, to);
        if (ids && restored.notFound.length === ids.length) throw new NotFoundError('Archived messages with these ids');
        return restored;
      };
      const result = await audited(context, asked(request, 'restore', { ids: ids ?? null, all: all ?? false, to }), restore, (r) =>
        moveSummary(r.restored, r.notMoved, { restored: r.restored, left: r.left, notFound: r.notFound.length }, r.taskIds),
      );
      assertSomethingMoved(result.restored, result.notMoved);
      return result;
    },
  );
}
