import { AmqpEnv, AuthEnv, HttpEnv, RuntimeEnv } from '@agair/service-kit';
import { Type, type Static } from 'typebox';

export const DlqAdminConfig = Type.Object({
  ...RuntimeEnv,
  ...HttpEnv,
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003, description: 'port of the REST API' }),
  ...AmqpEnv,
  ...AuthEnv,
  DLQ_LIST_MAX: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'largest offset+limit a listing may walk' }),
});
export type DlqAdminConfig = Static<typeof DlqAdminConfig>;
