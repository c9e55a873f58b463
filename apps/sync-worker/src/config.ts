import { CredentialEnv, PartnerEnv, TaskQueueEnv } from '@agair/runtime';
import { AmqpEnv, HttpEnv, MongoEnv, RedisEnv, RuntimeEnv } from '@agair/service-kit';
import { Type, type Static } from 'typebox';

export const SyncWorkerConfig = Type.Object({
  ...RuntimeEnv,
  ...HttpEnv,
  HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3005, description: 'port of the health and metrics listener' }),
  ...MongoEnv,
  ...AmqpEnv,
  ...RedisEnv,
  ...CredentialEnv,
  ...PartnerEnv,
  ...TaskQueueEnv,
  WORKER_ID: Type.String({ default: '', maxLength: 100, description: 'lease owner id; default host-pid' }),
  WORKER_PREFETCH: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'tasks handled at once' }),
  WORKER_TASK_TYPES: Type.String({
    default: 'UPLOAD_PARTNER_JOB,PROCESS_PARTNER_LOG,PROCESS_PARTNER_DATA_FILE',
    pattern: '^[A-Z_]+(,[A-Z_]+)*$',
    description: 'task types this worker handles (a dedicated pool consumes its own TASK_QUEUE)',
  }),
  STATISTICS_THREADS: Type.Integer({
    minimum: 1,
    maximum: 32,
    default: 1,
    description: 'worker threads that decode logs and compute application records, off the event loop (one per spare core)',
  }),
  TASK_LEASE_MS: Type.Integer({
    minimum: 1000,
    default: 10 * 60_000,
    description: 'how long a started task or log is owned without a renewal; renewed every third of it while the work runs',
  }),
});
export type SyncWorkerConfig = Static<typeof SyncWorkerConfig>;
