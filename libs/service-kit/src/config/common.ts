import { Type } from 'typebox';

/** Environment variables shared by every app. Each app's schema spreads the groups it uses. */
export const RuntimeEnv = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
    description: 'development | test | production',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino level' },
  ),
  APP_VERSION: Type.String({ default: '0.0.0-dev', description: 'version reported in OpenAPI and metrics' }),
  LOG_FORMAT: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('pretty')], {
    default: 'auto',
    description: 'auto = pretty on a TTY outside production, JSON otherwise',
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 600_000, default: 25_000, description: 'drain budget on SIGTERM' }),
};

export const HttpEnv = {
  HTTP_HOST: Type.String({ default: '127.0.0.1', minLength: 1, description: 'interface to bind; 0.0.0.0 in containers' }),
  HTTP_TRUST_PROXY: Type.String({
    default: '',
    maxLength: 500,
    pattern: '^[0-9A-Fa-f.:/, ]*$',
    description: 'proxies trusted for X-Forwarded-For: a hop count (e.g. 1 behind one ingress) or comma-separated addresses/CIDRs; empty trusts none',
  }),
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, description: 'port of the HTTP listener' }),
};

export const MongoEnv = {
  MONGO_URL: Type.String({ pattern: '^mongodb(\\+srv)?://', description: 'mongodb://host:port/database' }),
};

export const AmqpEnv = {
  AMQP_URL: Type.String({ pattern: '^amqps?://', description: 'amqp://user:password@host:port/vhost' }),
  AMQP_HEARTBEAT_S: Type.Integer({ minimum: 1, maximum: 600, default: 10, description: 'AMQP heartbeat, seconds' }),
  AMQP_RECONNECT_S: Type.Integer({ minimum: 1, maximum: 60, default: 2, description: 'delay between reconnect attempts, seconds' }),
  AMQP_PUBLISH_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 300_000, default: 30_000, description: 'a publish not confirmed by then is failed' }),
  QUEUE_PREFIX: Type.String({ default: '', pattern: '^[a-z0-9_]*$', description: 'queue name prefix, e.g. dev_' }),
};

export const RedisEnv = {
  REDIS_URL: Type.String({ pattern: '^rediss?://', description: 'redis://host:port/db' }),
};

/** For an app that keeps answering without Redis (the APIs: rate limits, idempotency, partner state). */
export const RedisFallbackEnv = {
  REDIS_REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 10,
    maximum: 10_000,
    default: 250,
    description: 'how long a request waits for a Redis answer before it goes on without Redis (degraded)',
  }),
};

export const AuthEnv = {
  JWT_SECRET: Type.String({ minLength: 32, description: 'HS256 secret for bearer tokens, at least 32 characters' }),
  JWT_JWKS_URL: Type.String({
    default: '',
    pattern: '^(https?://.+)?$',
    description: "an identity provider's JSON Web Key Set URL: RS256/ES256 tokens are verified with its keys (by kid); empty: HS256 tokens only",
  }),
  JWT_ISSUER: Type.String({ default: 'agair', minLength: 1, description: 'expected iss claim' }),
  JWT_AUDIENCE: Type.String({ default: 'agair-api', minLength: 1, description: 'expected aud claim' }),
  JWT_MAX_LIFETIME_S: Type.Integer({
    minimum: 60,
    maximum: 30 * 86_400,
    default: 86_400,
    description: 'longest token lifetime accepted (exp − iat, seconds): a token minted to live longer is refused, whatever its exp',
  }),
  JWT_CLOCK_TOLERANCE_S: Type.Integer({ minimum: 0, maximum: 300, default: 30, description: 'clock skew allowed when checking exp, nbf and iat, seconds' }),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 300, description: 'requests per caller (token subject) per window, rejected ones included' }),
  RATE_LIMIT_IP_MAX: Type.Integer({
    minimum: 1,
    default: 3000,
    description: 'requests per client address per window, with or without a valid token (behind a proxy, set HTTP_TRUST_PROXY so this is the client’s address)',
  }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60_000, description: 'rate limit window' }),
};
