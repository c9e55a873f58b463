import { AmqpEnv, HttpEnv, MongoEnv, RedisEnv, RuntimeEnv } from '@agair/service-kit';
import { Type, type Static } from 'typebox';

export const PartnerApiConfig = Type.Object({
  ...RuntimeEnv,
  ...HttpEnv,
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001, description: 'port of the REST API' }),
  ...MongoEnv,
  ...AmqpEnv,
  ...RedisEnv,
});
export type PartnerApiConfig = Static<typeof PartnerApiConfig>;
