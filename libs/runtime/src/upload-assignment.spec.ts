import { AssignStatus, PartnerCode, type Job, type JobAssign } from '@agair/domain-models';
import type { PartnerServiceFactory } from '@agair/partner-sdk';
import type { Repositories } from '@agair/persistence';
import { describe, expect, it, vi } from 'vitest';
import { createPartnerTaskRetryPolicy, RetryLaterTaskError } from './task-queue.js';
import { PartnerNotEnabledError } from './partner-access.js';
import { UploadInProgressError, uploadAssignment } from './upload-assignment.js';

const customerId = 'c'.repeat(24);
const assignId = 'a'.repeat(24);
const jobId = 'b'.repeat(24);

/** The repositories and partner uploadAssignment touches, with `markUploaded` failing `failures` times first. */
function world(
  failures: number,
  options: { claimed?: boolean; partnerFails?: boolean; partner?: { active: boolean; capabilities: string[] } | null; subscriptions?: { partnerCode: string; active: boolean }[] } = {},
) {
  const assign = { id: assignId, jobId, status: AssignStatus.NEW, extJobId: null, partnerCode: PartnerCode.SATLOC, partnerAircraftId: '101' } as unknown as JobAssign;
  const job = {
    id: jobId,
    name: 'North field',
    boundary: { type: 'Polygon', coordinates: [[[-97.5, 38.1], [-97.49, 38.1], [-97.49, 38.11], [-97.5, 38.1]]] },
    exclusions: [],
  } as unknown as Job;
  let calls = 0;
  const markUploaded = vi.fn(async (_c: string, _a: string, extJobId: string) => {
    calls += 1;
    if (calls <= failures) throw new Error('connection 4 to 127.0.0.1:27017 closed');
    return { ...assign, status: AssignStatus.UPLOADED, extJobId };
  });
  const uploadJobDataToAircraft = vi.fn(async () => {
    if (options.partnerFails) throw new Error('socket hang up');
    return { extJobId: '1001' };
  });
  const claimUpload = vi.fn(async () => options.claimed ?? true);
  const uploadClaimedUntil = vi.fn(async () => new Date(Date.now() + 10_000));
  const releaseUploadClaim = vi.fn(async () => true);
  const recordUploadFailure = vi.fn(async () => null);
  const partner = options.partner === undefined ? { active: true, capabilities: ['job_upload', 'log_download'] } : options.partner;
  const repositories = {
    partners: { findByCode: async () => partner },
    customers: { findById: async () => ({ id: customerId, active: true, partnerSubscriptions: options.subscriptions ?? [{ partnerCode: PartnerCode.SATLOC, active: true }] }) },
    jobAssigns: { findById: async () => assign, markUploaded, recordUploadFailure, claimUpload, releaseUploadClaim, uploadClaimedUntil },
    jobs: { findById: async () => job },
    partnerSystemUsers: { getCredentials: async () => ({ username: 'u', password: 'p' }) },
  } as unknown as Repositories;
  const partners = { get: () => ({ uploadJobDataToAircraft }) } as unknown as PartnerServiceFactory;
  return { repositories, partners, markUploaded, uploadJobDataToAircraft, claimUpload, releaseUploadClaim, recordUploadFailure };
}

describe('uploadAssignment: recording an upload the partner accepted', () => {
  it('waits out a database blip instead of failing (which would upload the job again)', async () => {
    const w = world(3);
    const outcome = await uploadAssignment({ ...w, recordRetryDelaysMs: [1, 1, 1, 1] }, customerId, assignId);
    expect(outcome).toMatchObject({ status: 'uploaded', extJobId: '1001' });
    expect(w.uploadJobDataToAircraft).toHaveBeenCalledTimes(1);
    expect(w.markUploaded).toHaveBeenCalledTimes(4);
  });

  it('gives up after its delays with an error naming the partner job, for the retry and the operator', async () => {
    const w = world(10);
    const upload = uploadAssignment({ ...w, recordRetryDelaysMs: [1, 1] }, customerId, assignId);
    await expect(upload).rejects.toThrow(`the partner accepted assignment ${assignId} as job 1001, but recording it failed: connection 4`);
    expect(w.markUploaded).toHaveBeenCalledTimes(3);
    expect(w.uploadJobDataToAircraft).toHaveBeenCalledTimes(1);
    // The partner has the job: the claim is kept, so a retry does not send it again at once.
    expect(w.releaseUploadClaim).not.toHaveBeenCalled();
  });
});

describe('uploadAssignment: one caller sends the job', () => {
  it('sends nothing while another caller holds the claim, and says so (a task retries later)', async () => {
    const w = world(0, { claimed: false });
    const error = await uploadAssignment(w, customerId, assignId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadInProgressError);
    expect(error).toBeInstanceOf(RetryLaterTaskError);
    expect(w.uploadJobDataToAircraft).not.toHaveBeenCalled();
    // A task looks again just after the other caller's claim runs out: a real wait, not scaled down.
    const decision = createPartnerTaskRetryPolicy(0.01)(error, 1);
    expect(decision).toMatchObject({ action: 'retry', category: 'internal' });
    expect(decision.action === 'retry' && decision.delayMs).toBeGreaterThan(9_000);
  });

  it('releases its claim when the job was not sent, so the retry may send it at once', async () => {
    const w = world(0, { partnerFails: true });
    await expect(uploadAssignment(w, customerId, assignId)).rejects.toThrow('socket hang up');
    expect(w.claimUpload).toHaveBeenCalledTimes(1);
    expect(w.releaseUploadClaim).toHaveBeenCalledTimes(1);
  });
});

describe('uploadAssignment: the partner registry governs', () => {
  it.each([
    ['inactive', { active: false, capabilities: ['job_upload'] }, 'PARTNER_INACTIVE', /partner SATLOC is inactive/],
    ['not registered', null, 'PARTNER_INACTIVE', /partner SATLOC is not registered/],
    ['without job_upload', { active: true, capabilities: ['log_download'] }, 'PARTNER_CAPABILITY_MISSING', /does not have the job_upload capability/],
    ['the customer has no subscription to', { subscriptions: [] }, 'PARTNER_NOT_SUBSCRIBED', /customer c{24} has no active SATLOC subscription/],
    ['the customer has an inactive subscription to', { subscriptions: [{ partnerCode: 'SATLOC', active: false }] }, 'PARTNER_NOT_SUBSCRIBED', /has no active SATLOC subscription/],
  ])('sends nothing to a partner %s, and records the upload failed with the reason', async (_case, registry, code, reason) => {
    const w = world(0, registry === null || 'capabilities' in registry ? { partner: registry } : registry);
    const error = await uploadAssignment(w, customerId, assignId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerNotEnabledError);
    expect(error).toMatchObject({ code, category: 'not-found' });
    expect((error as Error).message).toMatch(reason);
    expect(w.uploadJobDataToAircraft).not.toHaveBeenCalled();
    expect(w.claimUpload).not.toHaveBeenCalled();
    expect(w.recordUploadFailure).toHaveBeenCalledWith(customerId, assignId, { error: (error as Error).message, syncStatus: 'failed' });
    // A task dead-letters it at once (an admin's change, then a replay, is what helps).
    expect(createPartnerTaskRetryPolicy()(error, 1)).toMatchObject({ action: 'dead-letter', category: 'not-found' });
  });
});
