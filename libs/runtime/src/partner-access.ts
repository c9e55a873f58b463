import { ErrorCategory, isSubscribedTo, type Customer, type PartnerCapability, type PartnerCode } from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';
import { PermanentTaskError } from './task-queue.js';

export type PartnerNotEnabledCode = 'PARTNER_INACTIVE' | 'PARTNER_CAPABILITY_MISSING' | 'PARTNER_NOT_SUBSCRIBED';

/**
 * The partner registry does not allow this use of the partner now: it is unknown or inactive, or
 * lacks the capability, or the customer has no active subscription to it. No retry helps until an
 * admin changes the partner or the customer; a task goes to the DLQ with this reason, for a
 * replay after the change.
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

/**
 * `assertPartnerEnabled`, and the customer is active with an active subscription to the partner
 * (else `PARTNER_NOT_SUBSCRIBED`). The partner's verdict comes first when both fail.
 */
export async function assertPartnerEnabledFor(
  repositories: Pick<Repositories, 'partners' | 'customers'>,
  customerId: string,
  partnerCode: PartnerCode,
  capability: PartnerCapability,
): Promise<void> {
  const [, customer] = await Promise.all([assertPartnerEnabled(repositories, partnerCode, capability), repositories.customers.findById(customerId)]);
  if (!customer || !isSubscribedTo(customer, partnerCode)) {
    throw new PartnerNotEnabledError(partnerCode, capability, 'PARTNER_NOT_SUBSCRIBED', notSubscribedReason(customerId, partnerCode, customer));
  }
}

function notSubscribedReason(customerId: string, partnerCode: PartnerCode, customer: Customer | null): string {
  if (!customer) return `customer ${customerId} is not registered`;
  if (!customer.active) return `customer ${customerId} is inactive`;
  return `customer ${customerId} has no active ${partnerCode} subscription`;
}
