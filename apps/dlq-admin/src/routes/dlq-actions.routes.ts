import { DeadLetterQueueAdmin } from '@agair/messaging';
import { isDatabaseUnavailableError } from '@agair/persistence';
import { ServiceUnavailableError, errorResponses, type HttpApp } from '@agair/service-kit';
import type { DlqRouteContext } from './dlq-route.context.js';
import { adminOnly, tags } from './dlq-route.context.js';
import { ActionListQuery, DlqActionPage } from './dlq.schemas.js';

export function registerDlqActionRoutes(app: HttpApp, context: DlqRouteContext): void {
  app.get(
    '/api/dlq/actions',
    {
      config: adminOnly,
      schema: {
        tags,
        summary: 'The audit trail of dlq-admin actions (retries, purges, restores), newest first, by cursor',
        querystring: ActionListQuery,
        response: { 200: DlqActionPage, ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request) => {
      const { queue, cursor, limit } = request.query;
      try {
        const page = await context.actions.page({
          limit,
          ...(queue ? { queue: DeadLetterQueueAdmin.namesFor(queue).queue } : {}),
          ...(cursor ? { after: cursor } : {}),
        });
        return { actions: page.items, next: page.next };
      } catch (err) {
        if (isDatabaseUnavailableError(err)) throw new ServiceUnavailableError('DATABASE_UNAVAILABLE', 'MongoDB is not reachable; try again', 5);
        throw err;
      }
    },
  );
}
