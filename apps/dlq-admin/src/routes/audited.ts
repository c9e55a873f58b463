import { DeadLetterQueueAdmin, type NotMoved } from '@agair/messaging';
import type { DlqActionValue } from '@agair/persistence';
import { principalOf } from '@agair/service-kit';
import type { ActionSummary } from '../audit/dlq-action.recorder.js';
import type { DlqRouteContext } from './dlq-route.context.js';
import { translate } from './dlq.errors.js';

/** Who asks what of which queue, for the audit record. */
export interface ActionRequest {
  /** The token's subject. */
  actor: string;
  queueName: string;
  action: string;
  parameters: Record<string, DlqActionValue>;
}

/** The action a request asks for on its queue, by its caller. */
export function asked(
  request: Parameters<typeof principalOf>[0] & { params: { queueName: string } },
  action: string,
  parameters: Record<string, DlqActionValue>,
): ActionRequest {
  return { actor: principalOf(request).sub, queueName: request.params.queueName, action, parameters };
}

/** Runs one dlq-admin action under its audit record; the response carries the record's id. */
export async function audited<T extends object>(
  context: DlqRouteContext,
  { actor, queueName, action, parameters }: ActionRequest,
  work: (actor: string) => Promise<T>,
  summarize: (result: T) => ActionSummary,
): Promise<T & { actionId: string }> {
  const { queue, deadLetterQueue } = DeadLetterQueueAdmin.namesFor(queueName);
  const { result, actionId } = await context.recorder.record(
    { actor, action, queue, deadLetterQueue, parameters },
    () => translate(() => work(actor)),
    summarize,
  );
  return { ...result, actionId };
}

/** The audit summary of a move: partial when some chosen messages stayed because their queue does not exist, failed when all did. */
export function moveSummary(moved: number, notMoved: readonly NotMoved[], counts: Record<string, number>, taskIds: readonly string[]): ActionSummary {
  const stayed = notMoved.reduce((sum, n) => sum + n.messages, 0);
  return {
    outcome: stayed === 0 ? 'succeeded' : moved > 0 ? 'partial' : 'failed',
    counts: { ...counts, notMoved: stayed },
    taskIds,
    error: stayed === 0 ? null : `TARGET_QUEUE_MISSING: ${notMoved.map((n) => n.reason).join('; ')}`,
  };
}
