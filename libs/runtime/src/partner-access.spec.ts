import { PartnerCapability, PartnerCode, type Customer, type Partner } from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';
import { describe, expect, it, vi } from 'vitest';
import { PartnerNotEnabledError, assertPartnerEnabled, assertPartnerEnabledFor } from './partner-access.js';

const customerId = 'c'.repeat(24);
const subscribed = { id: customerId, active: true, partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true, since: '2026-01-01T00:00:00.000Z' }] };

function registry(partner: Partial<Partner> | null, customer: Partial<Customer> | null = subscribed) {
  const findByCode = vi.fn(async () => (partner ? { active: true, capabilities: ['job_upload', 'log_download'], ...partner } : null));
  const findById = vi.fn(async () => customer);
  return { partners: { findByCode }, customers: { findById } } as unknown as Pick<Repositories, 'partners' | 'customers'>;
}

async function refusal(work: Promise<void>): Promise<PartnerNotEnabledError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof PartnerNotEnabledError)) throw new Error(`expected a PartnerNotEnabledError, got ${String(error)}`);
  return error;
}

describe('assertPartnerEnabled: the partner registry', () => {
  it('lets an active partner with the capability be used', async () => {
    await expect(assertPartnerEnabled(registry({}), PartnerCode.SATLOC, PartnerCapability.JOB_UPLOAD)).resolves.toBeUndefined();
  });

  it.each([
    ['inactive', { active: false }, 'PARTNER_INACTIVE', /partner SATLOC is inactive/],
    ['not registered', null, 'PARTNER_INACTIVE', /partner SATLOC is not registered/],
    ['without the capability', { capabilities: ['job_upload'] }, 'PARTNER_CAPABILITY_MISSING', /does not have the log_download capability/],
  ])('refuses a partner %s', async (_case, partner, code, reason) => {
    const error = await refusal(assertPartnerEnabled(registry(partner as Partial<Partner> | null), PartnerCode.SATLOC, PartnerCapability.LOG_DOWNLOAD));
    expect(error).toMatchObject({ code, partnerCode: 'SATLOC', capability: 'log_download', category: 'not-found' });
    expect(error.message).toMatch(reason);
  });
});

describe('assertPartnerEnabledFor: the customer needs a subscription', () => {
  it('lets a subscribed customer use an enabled partner', async () => {
    await expect(assertPartnerEnabledFor(registry({}), customerId, PartnerCode.SATLOC, PartnerCapability.JOB_UPLOAD)).resolves.toBeUndefined();
  });

  it.each([
    ['no subscription', { partnerSubscriptions: [] }, /customer c{24} has no active SATLOC subscription/],
    ['a subscription to another partner only', { partnerSubscriptions: [{ partnerCode: PartnerCode.AGIDRONEX, active: true, since: '2026-01-01T00:00:00.000Z' }] }, /has no active SATLOC subscription/],
    ['an inactive subscription', { partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: false, since: '2026-01-01T00:00:00.000Z' }] }, /has no active SATLOC subscription/],
    ['the customer inactive', { active: false }, /customer c{24} is inactive/],
  ])('refuses a customer with %s', async (_case, change, reason) => {
    const error = await refusal(assertPartnerEnabledFor(registry({}, { ...subscribed, ...change } as Partial<Customer>), customerId, PartnerCode.SATLOC, PartnerCapability.JOB_UPLOAD));
    expect(error).toMatchObject({ code: 'PARTNER_NOT_SUBSCRIBED', partnerCode: 'SATLOC', capability: 'job_upload', category: 'not-found' });
    expect(error.message).toMatch(reason);
  });

  it('refuses an unknown customer', async () => {
    const error = await refusal(assertPartnerEnabledFor(registry({}, null), customerId, PartnerCode.SATLOC, PartnerCapability.JOB_UPLOAD));
    expect(error).toMatchObject({ code: 'PARTNER_NOT_SUBSCRIBED', message: `customer ${customerId} is not registered` });
  });

  it("reports the partner's refusal first when both are refused", async () => {
    const error = await refusal(assertPartnerEnabledFor(registry({ active: false }, null), customerId, PartnerCode.SATLOC, PartnerCapability.JOB_UPLOAD));
    expect(error.code).toBe('PARTNER_INACTIVE');
  });
});
