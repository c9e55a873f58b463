import { DEFAULT_ARCHIVE_TTL_MS, MAX_ARCHIVE_TTL_MS } from '@agair/messaging';
import { AmqpEnv, AuthEnv, HttpEnv, MongoEnv, RuntimeEnv } from '@agair/service-kit';
import { Type, type Static } from 'typebox';

export const DlqAdminConfig = Type.Object({
  ...RuntimeEnv,
  ...HttpEnv,
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003, description: 'port of the REST API' }),
  ...AmqpEnv,
  ...MongoEnv,
  ...AuthEnv,
  DLQ_LIST_MAX: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'largest offset+limit a listing may walk' }),
  DLQ_ARCHIVE_TTL_MS: Type.Integer({
    minimum: 60_000,
    maximum: MAX_ARCHIVE_TTL_MS,
    default: DEFAULT_ARCHIVE_TTL_MS,
    description: 'how long a purged message is kept in the archive queue, ms (default 14 days; at most 2^32 − 1 ms, about 49.7 days, the broker’s limit)',
  }),
});
export type DlqAdminConfig = Static<typeof DlqAdminConfig>;
