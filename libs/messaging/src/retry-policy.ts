import type { ErrorCategory } from '@agair/domain-models';

/** What to do with a failed delivery. */
export type RetryDecision =
  | { action: 'retry'; delayMs: number; category: ErrorCategory; reason: string }
  | { action: 'dead-letter'; category: ErrorCategory; reason: string };

/** Decides from the error and the attempt that just failed (1-based). Supplied by the app. */
export type RetryPolicy = (error: unknown, attempt: number) => RetryDecision;

/**
 * Exponential backoff with full jitter: a uniformly random delay in [0, min(cap, base·2^(attempt-1))]
 * (AWS Architecture Blog, "Exponential Backoff And Jitter"), never below `floorMs`.
 */
export function fullJitterDelayMs(attempt: number, { baseMs, capMs, floorMs = 0, random = Math.random }: {
  baseMs: number;
  capMs: number;
  floorMs?: number;
  random?: () => number;
}): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(floorMs, Math.round(random() * ceiling));
}
