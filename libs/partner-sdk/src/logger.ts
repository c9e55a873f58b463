type LogFn = (fields: Record<string, unknown>, message?: string) => void;

/** The subset of pino's logger the SDK uses; a pino logger fits as it is. */
export interface PartnerLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => undefined;
export const silentLogger: PartnerLogger = { debug: noop, info: noop, warn: noop, error: noop };
