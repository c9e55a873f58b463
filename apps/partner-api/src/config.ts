import { AmqpEnv, AuthEnv, HttpEnv, MongoEnv, RedisEnv, RedisFallbackEnv, RuntimeEnv } from '@agair/service-kit';
import { CredentialEnv, PartnerEnv, TaskQueueEnv } from '@agair/runtime';
import { Type, type Static } from 'typebox';

export const PartnerApiConfig = Type.Object({
  ...RuntimeEnv,
  ...HttpEnv,
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001, description: 'port of the REST API' }),
  ...MongoEnv,
  ...AmqpEnv,
  ...RedisEnv,
  ...RedisFallbackEnv,
  ...AuthEnv,
  ...CredentialEnv,
  ...PartnerEnv,
  ...TaskQueueEnv,
  PARTNER_HEALTH_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 30_000,
    default: 2000,
    description: 'deadline of the health check that decides between an immediate and a queued upload',
  }),
  PARTNER_HEALTH_CACHE_MS: Type.Integer({
    minimum: 0,
    maximum: 300_000,
    default: 10_000,
    description: 'how long a partner health check result is reused (0 = check every time)',
  }),
  ENQUEUE_TIMEOUT_MS: Type.Integer({
    minimum: 500,
    maximum: 120_000,
    default: 10_000,
    description: 'how long a request waits for RabbitMQ to confirm a queued upload before answering 503',
  }),
  AUTH_TEST_CUSTOMER_MAX: Type.Integer({
    minimum: 1,
    default: 10,
    description: 'credential tests (testAuth) per customer per AUTH_TEST_CUSTOMER_WINDOW_MS, refused ones included; then 429 TOO_MANY_AUTH_TESTS',
  }),
  AUTH_TEST_CUSTOMER_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60_000, description: 'window of AUTH_TEST_CUSTOMER_MAX' }),
  AUTH_TEST_USERNAME_FAILURES_MAX: Type.Integer({
    minimum: 1,
    default: 5,
    description: 'credential tests of one partner username the partner refused, per AUTH_TEST_USERNAME_WINDOW_MS, over all customers; then 429 without calling the partner',
  }),
  AUTH_TEST_USERNAME_WINDOW_MS: Type.Integer({ minimum: 1000, default: 900_000, description: 'window of AUTH_TEST_USERNAME_FAILURES_MAX' }),
});
export type PartnerApiConfig = Static<typeof PartnerApiConfig>;
