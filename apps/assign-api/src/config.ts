import { AmqpEnv, HttpEnv, MongoEnv, RedisEnv, RuntimeEnv } from '@agair/service-kit';
import { Type, type Static } from 'typebox';

export const AssignApiConfig = Type.Object({
  ...RuntimeEnv,
  ...HttpEnv,
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3002, description: 'port of the REST API' }),
  ...MongoEnv,
  ...AmqpEnv,
  ...RedisEnv,
});
export type AssignApiConfig = Static<typeof AssignApiConfig>;
