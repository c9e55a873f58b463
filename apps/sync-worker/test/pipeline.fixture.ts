import { randomBytes, randomUUID } from 'node:crypto';
import {
  AssignStatus,
  PartnerCode,
  Role,
  TaskType,
  UploadSyncStatus,
  createTaskMessage,
  type Job,
  type JobAssign,
  type MultiPolygon,
  type Polygon,
} from '@agair/domain-models';
import { TaskPublisher } from '@agair/messaging';
import { CredentialCipher, createRepositories, ensureIndexes, type Repositories } from '@agair/persistence';
import { createSatlocSimulator, type SatlocSimulator } from '@agair/partner-sdk/simulator';
import { partnerTaskTopology } from '@agair/runtime';
import { startServiceProcess, testServices, uniqueName, waitFor, withDatabase, type ServiceProcess } from '@agair/testing';
import amqp, { type AmqpConnectionManager } from 'amqp-connection-manager';
import { MongoClient, type Db } from 'mongodb';

const M_PER_DEG_LAT = 111_320;
const PARTNER_PASSWORD = 'Sim-Passw0rd!';

/** An axis-aligned field of `widthM` × `heightM` metres with its south-west corner at (lon, lat). */
export function rectangle(lon: number, lat: number, widthM: number, heightM: number): Polygon {
  const dLon = widthM / (M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180));
  const dLat = heightM / M_PER_DEG_LAT;
  return {
    type: 'Polygon',
    coordinates: [[[lon, lat], [lon + dLon, lat], [lon + dLon, lat + dLat], [lon, lat + dLat], [lon, lat]]],
  };
}

export interface PipelineWorld {
  prefix: string;
  env: Record<string, string>;
  db: Db;
  repositories: Repositories;
  simulator: SatlocSimulator;
  publisher: TaskPublisher;
  amqp: AmqpConnectionManager;
  customerId: string;
  /** The customer's SatLoc password (what must never be logged). */
  partnerPassword: string;
  pilotId: string;
  aircraftId: string;
  processes: ServiceProcess[];
  /** Runs an app as a process on this world's services (assign-api needs a `JWT_SECRET` in `extraEnv`). */
  start(app: 'sync-worker' | 'poller' | 'assign-api', extraEnv?: Record<string, string>): Promise<ServiceProcess>;
  createJob(name: string, boundary: Polygon | MultiPolygon, exclusions?: Polygon[]): Promise<Job>;
  /** Assigns the job to the pilot and queues its upload, as assign-api does when the partner is away. */
  assignQueued(job: Job): Promise<JobAssign>;
  /** Queues the upload of an existing assignment again, as a caller does after a refused request. */
  resubmitUpload(assign: JobAssign): Promise<void>;
  /** An out-of-cycle collection, as partner-api's syncData asks for. */
  requestSync(): Promise<string>;
  /** Waits until the assignment is UPLOADED (default: up to 30 s) and returns it. */
  uploaded(assignId: string, wait?: { timeoutMs?: number; what?: string }): Promise<JobAssign>;
  /** Waits until the assignment's upload is `failed` (default: up to 30 s) and returns it. */
  uploadFailed(assignId: string, wait?: { timeoutMs?: number; what?: string }): Promise<JobAssign>;
  close(): Promise<void>;
}

/**
 * A private world for one test file: its own database, queue prefix, SatLoc simulator (one
 * company, user and aircraft), a partner, a customer with SatLoc credentials and a pilot flying
 * the simulator's aircraft. The apps run as processes against it.
 */
export async function createPipelineWorld(options: { uploadQueue?: string } = {}): Promise<PipelineWorld> {
  const services = testServices();
  const prefix = `${uniqueName('it')}_`;
  const mongoUrl = withDatabase(services.mongoUrl, uniqueName('it_pipeline'));
  const credentialKeys = `k1:${randomBytes(32).toString('base64')}`;
  const aircraftId = '101';
  const simulator = await createSatlocSimulator({
    seed: 7,
    initial: {
      companies: [{ companyId: 'C1', name: 'Prairie Aerial' }],
      users: [{ username: 'prairie-api', password: PARTNER_PASSWORD, companyId: 'C1' }],
      aircraft: [{ aircraftId, companyId: 'C1', tailNumber: 'N101PA', name: 'AT-802' }],
    },
    logProduction: { mode: 'manual' },
  });
  await simulator.listen();

  const client = new MongoClient(mongoUrl, { retryWrites: false });
  const db = client.db();
  await ensureIndexes(db);
  const [keyId, key] = credentialKeys.split(':') as [string, string];
  const repositories = createRepositories(db, { credentialKeys: CredentialCipher.fromConfig({ keys: { [keyId]: key }, activeKeyId: keyId }) });

  const partner = await repositories.partners.create({
    code: PartnerCode.SATLOC,
    name: 'SatLoc Cloud (simulator)',
    baseUrl: simulator.baseUrl,
    capabilities: ['job_upload', 'log_download', 'aircraft_list', 'health_check'],
  });
  const customer = await repositories.customers.create({ name: `Prairie Aerial ${prefix}`, partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] });
  await repositories.partnerSystemUsers.create({
    partnerId: partner.id,
    partnerCode: PartnerCode.SATLOC,
    customerId: customer.id,
    username: 'prairie-api',
    password: PARTNER_PASSWORD,
  });
  const pilot = await repositories.internalUsers.create({
    username: `pilot-${prefix}`,
    name: 'Dana Pilot',
    role: Role.CUSTOMER,
    customerId: customer.id,
    partnerInfo: { partnerCode: PartnerCode.SATLOC, partnerAircraftId: aircraftId },
  });

  const env: Record<string, string> = {
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    MONGO_URL: mongoUrl,
    AMQP_URL: services.amqpUrl,
    REDIS_URL: services.redisUrl,
    QUEUE_PREFIX: prefix,
    AMQP_RECONNECT_S: '1',
    CREDENTIAL_KEYS: credentialKeys,
    CREDENTIAL_ACTIVE_KEY_ID: keyId,
    SATLOC_BASE_URL: simulator.baseUrl,
    SATLOC_TIMEOUT_MS: '5000',
    TASK_RETRY_TIERS_MS: '500,1000,2000,4000',
    // Only syncData requests trigger cycles in tests: the cron is set far away.
    POLL_CRON: '0 0 1 1 *',
    POLL_SYNC_CHECK_MS: '300',
    POLL_LEADER_TTL_MS: '3000',
    SHUTDOWN_TIMEOUT_MS: '10000',
    // Partner sessions and breakers of this world only: a fault injected here opens no one else's breaker.
    PARTNER_STATE_KEY_PREFIX: `${prefix}partner:`,
    TASK_QUEUE_UPLOAD: options.uploadQueue ?? '',
  };
  const connection = amqp.connect([services.amqpUrl], { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1 });
  const queueConfig = {
    QUEUE_PREFIX: prefix,
    TASK_QUEUE: 'partner_tasks',
    TASK_QUEUE_UPLOAD: options.uploadQueue ?? '',
    TASK_DELIVERY_LIMIT: 5,
    TASK_RETRY_TIERS_MS: env['TASK_RETRY_TIERS_MS'] as string,
    AMQP_PUBLISH_TIMEOUT_MS: 10_000,
  };
  const topology = partnerTaskTopology(queueConfig, TaskType.UPLOAD_PARTNER_JOB);
  const topologies = [topology, partnerTaskTopology(queueConfig, TaskType.PROCESS_PARTNER_LOG)];
  const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const publisher = new TaskPublisher({ connection, topology, logger: silent, publishTimeoutMs: 10_000 });
  await publisher.waitForConnect();

  const processes: ServiceProcess[] = [];
  /** The assignment once `done` says so. */
  const assignmentWhen = (assignId: string, done: (assign: JobAssign | null) => boolean, wait: { timeoutMs?: number; what: string }): Promise<JobAssign> =>
    waitFor(
      async () => {
        const current = await repositories.jobAssigns.findById(customer.id, assignId);
        return current && done(current) ? current : undefined;
      },
      { timeoutMs: wait.timeoutMs ?? 30_000, what: wait.what },
    );

  return {
    prefix,
    env,
    db,
    repositories,
    simulator,
    publisher,
    amqp: connection,
    customerId: customer.id,
    partnerPassword: PARTNER_PASSWORD,
    pilotId: pilot.id,
    aircraftId,
    processes,
    async start(app, extraEnv = {}) {
      const process = startServiceProcess(app, { ...env, ...extraEnv });
      processes.push(process);
      await process.waitForUrl();
      return process;
    },
    createJob: (name, boundary, exclusions = []) =>
      repositories.jobs.create({
        customerId: customer.id,
        name,
        boundary,
        exclusions,
        productName: 'Glyphosate 41%',
        targetRateLPerHa: 20,
        units: 'metric',
      }),
    async assignQueued(job) {
      const { assign } = await repositories.jobAssigns.assign({
        jobId: job.id,
        userId: pilot.id,
        customerId: customer.id,
        partnerCode: PartnerCode.SATLOC,
        partnerAircraftId: aircraftId,
      });
      await repositories.jobAssigns.markUploadQueued(customer.id, assign.id);
      await publisher.publish(
        createTaskMessage(
          TaskType.UPLOAD_PARTNER_JOB,
          { assignId: assign.id, customerId: customer.id, partnerCode: PartnerCode.SATLOC },
          { taskId: `upload:${randomUUID()}`, createdAt: new Date() },
        ),
      );
      return assign;
    },
    async resubmitUpload(assign) {
      await publisher.publish(
        createTaskMessage(
          TaskType.UPLOAD_PARTNER_JOB,
          { assignId: assign.id, customerId: customer.id, partnerCode: PartnerCode.SATLOC },
          { taskId: `upload:${randomUUID()}`, createdAt: new Date() },
        ),
      );
    },
    uploaded(assignId, wait = {}) {
      return assignmentWhen(assignId, isUploaded, { what: 'assignment UPLOADED', ...wait });
    },
    uploadFailed(assignId, wait = {}) {
      return assignmentWhen(assignId, (a) => a?.upload.syncStatus === UploadSyncStatus.FAILED, { what: 'the upload failed', ...wait });
    },
    async requestSync() {
      const request = await repositories.syncRequests.create({ partnerCode: PartnerCode.SATLOC, customerId: customer.id, requestedBy: 'test' });
      return request.id;
    },
    async close() {
      await Promise.allSettled(processes.map((p) => p.stop()));
      await publisher.close();
      const channel = connection.createChannel({ setup: async () => undefined });
      await channel.waitForConnect();
      for (const t of topologies) {
        for (const q of [t.main, t.failed, ...t.tiers.map((tier) => tier.queue)]) await channel.deleteQueue(q).catch(() => undefined);
      }
      await channel.close();
      await connection.close();
      await simulator.close();
      await db.dropDatabase();
      await client.close();
    },
  };
}

export const isUploaded = (assign: JobAssign | null): assign is JobAssign => assign?.status === AssignStatus.UPLOADED;
