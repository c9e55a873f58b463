import { setTimeout as sleep } from 'node:timers/promises';
import type { Dependency } from '../health/dependency.js';
import type { Logger } from '../logging/logger.js';

/**
 * Runs a start-up step that needs a dependency which may not be up yet (creating indexes while
 * the database is away): tried again after a growing pause (0.5 s, 1 s, … at most 5 s) until it
 * succeeds, or until `giveUp` says so for a failure, which is then thrown. A failure is logged on
 * the first attempt and every tenth after it.
 */
export async function retryStartupStep(step: () => Promise<unknown>, options: { what: string; logger: Logger; giveUp: (err: unknown) => boolean }): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await step();
      return;
    } catch (err) {
      if (options.giveUp(err)) throw err;
      if (attempt % 10 === 1) options.logger.warn({ attempt, reason: (err as Error).message }, `${options.what} failed; retrying`);
      await sleep(Math.min(500 * attempt, 5000));
    }
  }
}

/** A readiness check that fails until start-up work running in the background has finished. */
export interface StartupGate extends Dependency {
  /** The work is done: readiness passes from now on. */
  open(): void;
}

/**
 * For work an app starts in the background so that it can start (and answer probes) while, say,
 * the database is still away: the app reports not-ready with `pending` until `open()`.
 */
export function startupGate(name: string, pending: string): StartupGate {
  let open = false;
  return {
    name,
    check: async () => {
      if (!open) throw new Error(pending);
    },
    close: async () => undefined,
    open: () => {
      open = true;
    },
  };
}
