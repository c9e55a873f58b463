import type { TaskMessage } from '@agair/domain-models';
import type { PartnerServiceFactory } from '@agair/partner-sdk';
import type { Repositories } from '@agair/persistence';
import type { CredentialProbeLimiter } from './partners/credential-probe.limiter.js';
import type { PartnerHealthMonitor } from './partners/partner-health.monitor.js';

/** What the route handlers use; built once in app.ts. */
export interface PartnerApiContext {
  repositories: Repositories;
  partners: PartnerServiceFactory;
  health: PartnerHealthMonitor;
  /** Limits `testAuth` per customer and per partner username. */
  credentialProbes: CredentialProbeLimiter;
  /** `UPLOAD_CLAIM_MS`: how long an upload owns its assignment. */
  uploadClaimMs: number;
  /** Publishes to the partner task queue; rejects when the broker does not confirm in time. */
  publishTask(message: TaskMessage): Promise<void>;
}
