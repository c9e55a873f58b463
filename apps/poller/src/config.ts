import { CredentialEnv, DurationEnv, PartnerEnv, RetentionEnv, TaskQueueEnv } from '@agair/runtime';
import { AmqpEnv, HttpEnv, MongoEnv, RedisEnv, RuntimeEnv } from '@agair/service-kit';
import { Type, type Static } from 'typebox';

export const PollerConfig = Type.Object({
  ...RuntimeEnv,
  ...HttpEnv,
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3004, description: 'port of the health and metrics listener' }),
  ...MongoEnv,
  ...AmqpEnv,
  ...RedisEnv,
  ...CredentialEnv,
  ...PartnerEnv,
  ...TaskQueueEnv,
  ...RetentionEnv,
  POLL_CRON: Type.String({
    default: '*/15 * * * *',
    minLength: 9,
    maxLength: 100,
    description: 'when to poll (cron, UTC): every 15 min in production, every minute in development',
  }),
  POLLER_ID: Type.String({ default: '', maxLength: 100, description: 'lease owner id; default host-pid' }),
  POLL_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'aircraft listed and downloaded at once' }),
  POLL_LEADER_TTL_MS: Type.Integer({ minimum: 2000, maximum: 600_000, default: 30_000, description: 'leader lease; another replica takes over this long after the leader dies' }),
  POLL_DOWNLOAD_LEASE_MS: Type.Integer({ minimum: 1000, default: 5 * 60_000, description: 'how long a download is owned before the sweeper reclaims it' }),
  POLL_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: 5, description: 'download/processing attempts before a log is FAILED' }),
  POLL_SYNC_CHECK_MS: Type.Integer({ minimum: 200, maximum: 600_000, default: 2000, description: 'how often the leader looks for syncData requests' }),
  POLL_SWEEP_MS: Type.Integer({ minimum: 200, maximum: 3_600_000, default: 60_000, description: 'how often the leader reclaims expired leases' }),
  POLL_ASSIGNMENT_QUIET: DurationEnv(
    '30d',
    'an UPLOADED assignment stops being polled once this long has passed since its upload and since its latest log (forever: never)',
  ),
  POLL_LOOKBACK_H: Type.Integer({ minimum: 0, maximum: 24 * 365, default: 24, description: 'logs listed from this long before the assignment was uploaded' }),
});
export type PollerConfig = Static<typeof PollerConfig>;
