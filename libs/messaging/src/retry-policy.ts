import type { ErrorCategory } from '@agair/domain-models';

/** What to do with a failed delivery. */
export type RetryDecision =
  | {
      action: 'retry';
      delayMs: number;
      category: ErrorCategory;
      reason: string;
      /**
       * An infrastructure outage (database, broker or cache unreachable), not a fault of the task:
       * the attempt does not count, and the consumer retries with its own growing delay until
       * the outage has lasted its `maxOutageMs` (`delayMs` is then ignored).
       */
      outage?: boolean;
    }
  | { action: 'dead-letter'; category: ErrorCategory; reason: string };

/** Decides from the error and the attempt that just failed (1-based). Supplied by the app. */
export type RetryPolicy = (error: unknown, attempt: number) => RetryDecision;
