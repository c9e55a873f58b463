import { AmqpEnv, HttpEnv, MongoEnv, RedisEnv, RuntimeEnv } from '@agair/service-kit';
import { Type, type Static } from 'typebox';

export const PollerConfig = Type.Object({
  ...RuntimeEnv,
  ...HttpEnv,
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3004, description: 'port of the health and metrics listener' }),
  ...MongoEnv,
  ...AmqpEnv,
  ...RedisEnv,
});
export type PollerConfig = Static<typeof PollerConfig>;
