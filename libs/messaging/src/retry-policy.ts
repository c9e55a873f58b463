import type { ErrorCategory } from '@agair/domain-models';

/** What to do with a failed delivery. */
export type RetryDecision =
  | { action: 'retry'; delayMs: number; category: ErrorCategory; reason: string }
  | { action: 'dead-letter'; category: ErrorCategory; reason: string };

/** Decides from the error and the attempt that just failed (1-based). Supplied by the app. */
export type RetryPolicy = (error: unknown, attempt: number) => RetryDecision;
