import { AmqpEnv, HttpEnv, RuntimeEnv } from '@agair/service-kit';
import { Type, type Static } from 'typebox';

export const DlqAdminConfig = Type.Object({
  ...RuntimeEnv,
  ...HttpEnv,
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003, description: 'port of the REST API' }),
  ...AmqpEnv,
});
export type DlqAdminConfig = Static<typeof DlqAdminConfig>;
