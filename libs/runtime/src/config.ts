import { Type } from 'typebox';

/** Partner credentials are encrypted at rest with these keys (AES-256-GCM). */
export const CredentialEnv = {
  CREDENTIAL_KEYS: Type.String({
    minLength: 1,
    description: 'keyId:base64-of-32-bytes[,keyId:base64…]; old keys stay listed until rotated out',
  }),
  CREDENTIAL_ACTIVE_KEY_ID: Type.String({ minLength: 1, maxLength: 64, description: 'key id that encrypts new credentials' }),
};

export const PartnerEnv = {
  SATLOC_BASE_URL: Type.String({ pattern: '^https?://', description: 'SatLoc Cloud API root, ending in /api/Satloc' }),
  SATLOC_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 15_000, description: 'deadline of one SatLoc request' }),
  SATLOC_AUTH_METHOD: Type.Union([Type.Literal('GET'), Type.Literal('POST')], {
    default: 'GET',
    description: 'HTTP method of SatLoc AuthenticateAPIUser: GET as documented, POST for an account that wants it',
  }),
  PARTNER_STATE_KEY_PREFIX: Type.String({
    default: 'agair:partner:',
    pattern: '^[A-Za-z0-9:_-]{1,64}$',
    description: 'Redis key prefix of partner sessions and circuit breakers; the same in every app',
  }),
  PARTNER_LOG_MAX_BYTES: Type.Integer({ minimum: 1024, default: 256 * 1024 * 1024, description: 'largest flight log accepted' }),
  UPLOAD_CLAIM_MS: Type.Integer({
    minimum: 1000,
    maximum: 3_600_000,
    default: 120_000,
    description: "how long one caller owns an assignment's upload before another may send the job; far above SATLOC_TIMEOUT_MS with its retries",
  }),
};

export const TaskQueueEnv = {
  TASK_QUEUE: Type.String({ default: 'partner_tasks', pattern: '^[a-z0-9_]+$', description: 'work queue name (QUEUE_PREFIX is prepended)' }),
  TASK_QUEUE_UPLOAD: Type.String({
    default: '',
    pattern: '^[a-z0-9_]*$',
    description: 'queue of UPLOAD_PARTNER_JOB tasks, for a dedicated upload pool (empty: TASK_QUEUE)',
  }),
  TASK_QUEUE_PROCESS: Type.String({
    default: '',
    pattern: '^[a-z0-9_]*$',
    description: 'queue of PROCESS_PARTNER_LOG / PROCESS_PARTNER_DATA_FILE tasks, for a dedicated processing pool (empty: TASK_QUEUE)',
  }),
  TASK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: 8, description: 'attempts before a task is dead-lettered' }),
  TASK_MAX_OUTAGE_MS: Type.Integer({
    minimum: 1000,
    maximum: 86_400_000,
    default: 3_600_000,
    description: 'a task failing because the database, broker or Redis is away waits this long, without using attempts, before it is dead-lettered',
  }),
  TASK_DELIVERY_LIMIT: Type.Integer({ minimum: 1, maximum: 100, default: 5, description: 'deliveries without an ack before the broker dead-letters a message' }),
  TASK_RETRY_DELAY_SCALE: Type.Number({
    minimum: 0.0001,
    maximum: 100,
    default: 1,
    description: 'multiplies every retry backoff (e.g. 0.01 in a demo to retry in seconds, not minutes)',
  }),
  TASK_RETRY_TIERS_MS: Type.String({
    default: '1000,5000,30000,120000,600000,3600000',
    // Positive integers only: a 0 ms tier would pass here and stop the app at start-up with a stack trace.
    pattern: '^[1-9]\\d*(,[1-9]\\d*)*$',
    description: 'retry delay queues, milliseconds, comma-separated',
  }),
};
