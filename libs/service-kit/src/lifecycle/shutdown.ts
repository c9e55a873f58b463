import { ConfigError } from '../config/load-config.js';
import type { Logger } from '../logging/logger.js';

export interface ShutdownSettings {
  logger: Logger;
  /** After this long the process exits 1 whatever is still running. */
  timeoutMs: number;
  /** Stop taking work, finish or hand back in-flight work, close connections. */
  close: () => Promise<void>;
  /** For tests: what to call instead of process.exit. */
  exit?: (code: number) => void;
}

/**
 * SIGTERM/SIGINT → `close()` → exit 0; a close that fails or overruns → exit 1; a second
 * signal exits at once. An unhandled rejection is logged and also leads to an orderly stop.
 */
export function handleShutdown(settings: ShutdownSettings): { shutdown: (reason: string, code?: number) => void } {
  const exit = settings.exit ?? ((code: number) => process.exit(code));
  let stopping = false;

  const shutdown = (reason: string, code = 0): void => {
    if (stopping) {
      settings.logger.warn({ reason }, 'second stop request: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    settings.logger.info({ reason, timeoutMs: settings.timeoutMs }, 'shutting down');
    const timer = setTimeout(() => {
      settings.logger.error({ timeoutMs: settings.timeoutMs }, 'shutdown timed out');
      exit(1);
    }, settings.timeoutMs);
    timer.unref();
    settings.close().then(
      () => {
        clearTimeout(timer);
        settings.logger.info('stopped');
        exit(code);
      },
      (err: unknown) => {
        clearTimeout(timer);
        settings.logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };

  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => {
    settings.logger.error({ err }, 'unhandled rejection');
    shutdown('unhandledRejection', 1);
  });
  return { shutdown };
}

/**
 * Runs a service's entry point. A configuration error prints one message naming every
 * problem and exits 1; any other start-up failure is printed with its stack and exits 1.
 */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
    } else {
      process.stderr.write(`${service}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(1);
  });
}
