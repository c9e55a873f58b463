import type { Static, TObject } from 'typebox';
import { loadConfig } from '../config/load-config.js';
import type { HttpApp } from '../http/create-http-app.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { handleShutdown, runMain } from './shutdown.js';

/** What every app's config carries (see RuntimeEnv). */
interface RuntimeConfig {
  NODE_ENV: string;
  LOG_LEVEL: string;
  LOG_FORMAT: 'auto' | 'json' | 'pretty';
  SHUTDOWN_TIMEOUT_MS: number;
}

export interface RunningService {
  /** Stop taking work, drain, close connections. */
  close(): Promise<void>;
}

export interface ServiceDefinition<T extends TObject> {
  name: string;
  configSchema: T;
  start(config: Static<T>, logger: Logger): Promise<RunningService>;
}

/**
 * A process entry point: config validated once (one message naming every problem, exit 1),
 * a logger (JSON in production, pretty on a TTY), the service started, and an orderly
 * SIGTERM/SIGINT shutdown bounded by SHUTDOWN_TIMEOUT_MS.
 */
export function runService<T extends TObject>(definition: ServiceDefinition<T>): void {
  runMain(definition.name, async () => {
    const config = loadConfig(definition.configSchema);
    const runtime = config as unknown as RuntimeConfig;
    const logger = createLogger({
      name: definition.name,
      level: runtime.LOG_LEVEL,
      pretty: runtime.LOG_FORMAT === 'auto' ? process.stdout.isTTY && runtime.NODE_ENV !== 'production' : runtime.LOG_FORMAT === 'pretty',
    });
    const service = await definition.start(config, logger);
    handleShutdown({ logger, timeoutMs: runtime.SHUTDOWN_TIMEOUT_MS, close: () => service.close() });
  });
}

/** Listens on the configured address and returns the app as a running service. */
export async function listen(app: HttpApp, config: { HTTP_HOST: string; HTTP_PORT: number }): Promise<RunningService> {
  await app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
  return { close: () => app.close() };
}
