import { BrokerUnavailableError, QueueBusyError, QueueNotFoundError, StaleConfirmationError, type NotMoved } from '@agair/messaging';
import { AppError, NotFoundError, ServiceUnavailableError } from '@agair/service-kit';

/** 409 while another dlq-admin (another replica) works on the same DLQ. */
export class DlqBusyError extends AppError {
  readonly retryAfterS = 1;
  constructor(message: string) {
    super(409, 'DLQ_BUSY', `${message}; try again when it is done`);
  }
}

/** Runs a queue operation, turning the messaging errors into HTTP ones. */
export async function translate<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof QueueNotFoundError) throw new NotFoundError('Queue');
    if (err instanceof BrokerUnavailableError) throw new ServiceUnavailableError('BROKER_UNAVAILABLE', 'RabbitMQ is not reachable; try again', 5);
    if (err instanceof QueueBusyError) throw new DlqBusyError(err.message);
    if (err instanceof StaleConfirmationError) {
      throw new AppError(409, 'PURGE_CONFIRMATION_STALE', `Nothing was purged: ${err.message}`, { expectedCount: err.expectedCount, actualCount: err.actualCount });
    }
    throw err;
  }
}

/** 409 when every chosen message stayed where it was because its queue does not exist. */
export function assertSomethingMoved(moved: number, notMoved: readonly NotMoved[]): void {
  if (moved > 0 || notMoved.length === 0) return;
  throw new AppError(409, 'TARGET_QUEUE_MISSING', `Nothing was moved: ${notMoved.map((n) => n.reason).join('; ')}`, { notMoved });
}
