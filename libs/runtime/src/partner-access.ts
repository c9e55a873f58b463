import { ErrorCategory, type PartnerCapability, type PartnerCode } from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';
import { PermanentTaskError } from './task-queue.js';

export type PartnerNotEnabledCode = 'PARTNER_INACTIVE' | 'PARTNER_CAPABILITY_MISSING';

/**
 * The partner registry does not allow this use of the partner now: it is unknown or inactive, or
 * lacks the capability. No retry helps until an admin changes the partner; a task goes to the
 * DLQ with this reason, for a replay after the change.
 */
export class PartnerNotEnabledError extends PermanentTaskError {
  override readonly name = 'PartnerNotEnabledError';
  constructor(
    readonly partnerCode: PartnerCode,
    readonly capability: PartnerCapability,
    readonly code: PartnerNotEnabledCode,
    message: string,
  ) {
    super(ErrorCategory.NOT_FOUND, message);
  }
}

/** Throws `PartnerNotEnabledError` unless the registry has `partnerCode` active with `capability`. */
export async function assertPartnerEnabled(repositories: Pick<Repositories, 'partners'>, partnerCode: PartnerCode, capability: PartnerCapability): Promise<void> {
  const partner = await repositories.partners.findByCode(partnerCode);
  if (!partner || !partner.active) {
    throw new PartnerNotEnabledError(partnerCode, capability, 'PARTNER_INACTIVE', `partner ${partnerCode} is ${partner ? 'inactive' : 'not registered'}`);
  }
  if (!partner.capabilities.includes(capability)) {
    throw new PartnerNotEnabledError(partnerCode, capability, 'PARTNER_CAPABILITY_MISSING', `partner ${partnerCode} does not have the ${capability} capability`);
  }
}
