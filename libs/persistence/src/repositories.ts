import type { Db } from 'mongodb';
import { ApplicationRecordRepository } from './application-records/application-record.repository.js';
import { CredentialCipher } from './credentials/credential-cipher.js';
import type { CredentialKeyRing } from './credentials/credential-keys.parser.js';
import { CustomerRepository } from './customers/customer.repository.js';
import { DlqActionRepository } from './dlq-actions/dlq-action.repository.js';
import { WriteTokenSweeper } from './infrastructure/guarded-write.js';
import { systemClock, type Clock } from './infrastructure/timestamp.mapper.js';
import { JobAssignRepository } from './job-assigns/job-assign.repository.js';
import { JobRepository } from './jobs/job.repository.js';
import { LogFileStore } from './log-files/log-file.store.js';
import { OperatorActionRepository } from './operator-actions/operator-action.repository.js';
import { PartnerLogTrackerRepository } from './partner-log-trackers/partner-log-tracker.repository.js';
import { PartnerRepository } from './partners/partner.repository.js';
import { PollRunRepository } from './poll-runs/poll-run.repository.js';
import { SyncRequestRepository } from './sync-requests/sync-request.repository.js';
import { TaskTrackerRepository } from './task-trackers/task-tracker.repository.js';
import { InternalUserRepository } from './users/internal-user.repository.js';
import { PartnerSystemUserRepository } from './users/partner-system-user.repository.js';

export interface RepositoryOptions {
  /**
   * Credential keys: a ready `CredentialCipher`, a parsed key ring, or configuration strings
   * (`keys` as `id:base64,id:base64` or `{ id: base64 }`, plus `activeKeyId`).
   */
  credentialKeys: CredentialCipher | CredentialKeyRing | { keys: string | Readonly<Record<string, string>>; activeKeyId: string };
  /** Attempts ceiling written on new task trackers (default 5). */
  taskMaxAttempts?: number;
  clock?: Clock;
}

export interface Repositories {
  partners: PartnerRepository;
  customers: CustomerRepository;
  internalUsers: InternalUserRepository;
  partnerSystemUsers: PartnerSystemUserRepository;
  jobs: JobRepository;
  jobAssigns: JobAssignRepository;
  partnerLogTrackers: PartnerLogTrackerRepository;
  taskTrackers: TaskTrackerRepository;
  applicationRecords: ApplicationRecordRepository;
  logFiles: LogFileStore;
  pollRuns: PollRunRepository;
  syncRequests: SyncRequestRepository;
  operatorActions: OperatorActionRepository;
  dlqActions: DlqActionRepository;
  writeTokens: WriteTokenSweeper;
}

/** Every repository over one database. Create indexes separately with `ensureIndexes(db)`. */
export function createRepositories(db: Db, options: RepositoryOptions): Repositories {
  const clock = options.clock ?? systemClock;
  const cipher = toCipher(options.credentialKeys);
  return {
    partners: new PartnerRepository(db, clock),
    customers: new CustomerRepository(db, clock),
    internalUsers: new InternalUserRepository(db, clock),
    partnerSystemUsers: new PartnerSystemUserRepository(db, cipher, clock),
    jobs: new JobRepository(db, clock),
    jobAssigns: new JobAssignRepository(db, clock),
    partnerLogTrackers: new PartnerLogTrackerRepository(db, clock),
    taskTrackers: new TaskTrackerRepository(db, { clock, ...(options.taskMaxAttempts ? { maxAttempts: options.taskMaxAttempts } : {}) }),
    applicationRecords: new ApplicationRecordRepository(db, clock),
    logFiles: new LogFileStore(db),
    pollRuns: new PollRunRepository(db, clock),
    syncRequests: new SyncRequestRepository(db, clock),
    operatorActions: new OperatorActionRepository(db, clock),
    dlqActions: new DlqActionRepository(db, clock),
    writeTokens: new WriteTokenSweeper(db),
  };
}

function toCipher(keys: RepositoryOptions['credentialKeys']): CredentialCipher {
  if (keys instanceof CredentialCipher) return keys;
  if ('keys' in keys && keys.keys instanceof Map) return new CredentialCipher(keys as CredentialKeyRing);
  return CredentialCipher.fromConfig(keys as { keys: string | Readonly<Record<string, string>>; activeKeyId: string });
}
