import { CredentialEnv, PartnerEnv, TaskQueueEnv } from '@agair/runtime';
import { AmqpEnv, AuthEnv, HttpEnv, MongoEnv, RedisEnv, RedisFallbackEnv, RuntimeEnv } from '@agair/service-kit';
import { Type, type Static } from 'typebox';

export const AssignApiConfig = Type.Object({
  ...RuntimeEnv,
  ...HttpEnv,
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3002, description: 'port of the REST API' }),
  ...MongoEnv,
  ...AmqpEnv,
  ...RedisEnv,
  ...RedisFallbackEnv,
  ...AuthEnv,
  ...CredentialEnv,
  ...PartnerEnv,
  ...TaskQueueEnv,
  ASSIGN_UPLOAD_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 5000,
    description: 'budget of an immediate partner upload (health check included) before the upload is queued instead',
  }),
  ASSIGN_ENQUEUE_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 10_000,
    description: 'how long a request waits for the broker to confirm an UPLOAD_PARTNER_JOB task',
  }),
  PARTNER_HEALTH_CACHE_MS: Type.Integer({
    minimum: 0,
    maximum: 600_000,
    default: 15_000,
    description: 'how long a partner health check result is reused before IsAlive is asked again',
  }),
  IDEMPOTENCY_TTL_S: Type.Integer({ minimum: 60, maximum: 7 * 86_400, default: 86_400, description: 'how long an Idempotency-Key and its response are kept' }),
  IDEMPOTENCY_REDIS_PREFIX: Type.String({
    default: 'agair:idem:assign-api:',
    minLength: 1,
    maxLength: 100,
    pattern: '^[A-Za-z0-9:_-]+$',
    description: 'Redis key prefix of idempotency keys',
  }),
  IDEMPOTENCY_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 5000,
    description: 'how long a duplicate request waits for the first one with the same key before 409',
  }),
  HTTP_BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 1024 * 1024,
    default: 64 * 1024,
    description: 'largest request body of a route that does not say otherwise (a job and an assignment list have their own limits, sized to their schemas)',
  }),
});
export type AssignApiConfig = Static<typeof AssignApiConfig>;
