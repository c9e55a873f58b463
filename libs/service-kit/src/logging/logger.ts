import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names whose values are secrets. Redacted wherever they appear up to three levels deep,
 * including in serialized requests (`req.headers.authorization`).
 */
export const SECRET_KEYS = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'apiKey',
  'api_key',
  'privateKey',
  'credentials',
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
] as const;

export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((k) => {
  const p = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const dot = p.startsWith('[') ? p : `.${p}`;
  return [p, `*${dot}`, `*.*${dot}`, `*.*.*${dot}`];
});

export interface LoggerSettings {
  name: string;
  level: string;
  /** Human-readable output (pino-pretty); defaults to true on a TTY outside production. */
  pretty?: boolean;
  /** Where to write; tests pass a capturing stream. */
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
    base: { service: settings.name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (settings.destination) return pino(options, settings.destination);
  if (settings.pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(options);
}

/** A request's path and query for an access log: query values whose names look secret become `***`. */
export function redactRequestUrl(pathAndQuery: string): string {
  if (!pathAndQuery.includes('?')) return pathAndQuery;
  const redacted = redactUrl(new URL(pathAndQuery, 'http://request.invalid').toString());
  return redacted.startsWith('http://request.invalid') ? redacted.slice('http://request.invalid'.length) : redacted;
}

/** `amqp://user:secret@host` → `amqp://user:***@host`, for logging connection targets. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const name of [...u.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(name)) u.searchParams.set(name, '***');
    }
    return u.toString();
  } catch {
    return '[unparseable url]';
  }
}
