import { DlqActionOutcome, isDatabaseUnavailableError, type DlqActionEnd, type DlqActionRepository, type DlqActionStart } from '@agair/persistence';
import { AppError, ServiceUnavailableError, type Logger } from '@agair/service-kit';

/** What an action came to, for its audit record. */
export type ActionSummary = Omit<DlqActionEnd, 'outcome'> & { outcome?: DlqActionEnd['outcome'] };

/**
 * Records every dlq-admin action in `dlq_actions`: before it runs (no record, no action: 503 while
 * MongoDB is away), then how it ended. An action that ran but whose end could not be recorded
 * keeps its `started` record, which still says who asked what and when.
 */
export class DlqActionRecorder {
  constructor(
    private readonly actions: DlqActionRepository,
    private readonly logger: Logger,
  ) {}

  async record<T>(action: DlqActionStart, work: () => Promise<T>, summarize: (result: T) => ActionSummary): Promise<{ result: T; actionId: string }> {
    let actionId: string;
    try {
      actionId = (await this.actions.start(action)).id;
    } catch (err) {
      if (isDatabaseUnavailableError(err)) {
        throw new ServiceUnavailableError('DATABASE_UNAVAILABLE', 'The audit trail (MongoDB) is not reachable, so nothing was done; try again', 5);
      }
      throw err;
    }
    let result: T;
    try {
      result = await work();
    } catch (err) {
      await this.finish(actionId, action, endOfFailure(err));
      throw err;
    }
    const summary = summarize(result);
    await this.finish(actionId, action, { ...summary, outcome: summary.outcome ?? DlqActionOutcome.SUCCEEDED });
    return { result, actionId };
  }

  private async finish(actionId: string, action: DlqActionStart, end: DlqActionEnd): Promise<void> {
    try {
      await this.actions.finish(actionId, end);
    } catch (err) {
      this.logger.error({ err, dlqActionId: actionId, action: action.action, queue: action.queue }, 'recording how a DLQ action ended failed; its audit record stays "started"');
    }
  }
}

function endOfFailure(err: unknown): DlqActionEnd {
  if (err instanceof AppError) return { outcome: err.statusCode < 500 ? DlqActionOutcome.REFUSED : DlqActionOutcome.FAILED, error: `${err.code}: ${err.message}` };
  return { outcome: DlqActionOutcome.FAILED, error: err instanceof Error ? err.message : String(err) };
}
