import { randomBytes } from 'node:crypto';
import { AssignStatus, IllegalTransitionError, UploadSyncStatus } from '@agair/domain-models';
import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../test/test-database.js';
import { newObjectIdString } from './infrastructure/object-id.mapper.js';
import { DuplicateRecordError } from './infrastructure/persistence.errors.js';
import { JOB_ASSIGNS_COLLECTION } from './job-assigns/job-assign.indexes.js';
import { createRepositories, type Repositories } from './repositories.js';

describe('repositories against FerretDB/MongoDB', () => {
  let database: TestDatabase;
  let repos: Repositories;

  beforeAll(async () => {
    database = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_repos')));
    repos = createRepositories(database.db, { credentialKeys: { keys: `k1:${randomBytes(32).toString('base64')}`, activeKeyId: 'k1' } });
  });

  afterAll(async () => {
    await database.drop();
  });

  describe('partners', () => {
    it('keeps codes unique, soft-deletes, and lists only active partners', async () => {
      const satloc = await repos.partners.create({ code: 'SATLOC', name: 'SatLoc', baseUrl: 'https://cloud.example/api/Satloc', capabilities: ['job_upload', 'log_download'] });
      await expect(
        repos.partners.create({ code: 'SATLOC', name: 'Again', baseUrl: 'https://x.example', capabilities: [] }),
      ).rejects.toBeInstanceOf(DuplicateRecordError);
      const drones = await repos.partners.create({ code: 'AGIDRONEX', name: 'Agidronex', baseUrl: 'https://d.example', capabilities: [] });
      expect((await repos.partners.listActive()).map((p) => p.code)).toEqual(['AGIDRONEX', 'SATLOC']);

      expect(await repos.partners.deactivate(drones.id)).toMatchObject({ active: false });
      expect((await repos.partners.listActive()).map((p) => p.code)).toEqual(['SATLOC']);
      expect(await repos.partners.findByCode('AGIDRONEX')).toMatchObject({ active: false });
      expect(await repos.partners.findById(satloc.id)).toEqual(satloc);
    });
  });

  describe('customers and internal users', () => {
    it('keeps subscriptions, links pilots to partner aircraft, and scopes by customer', async () => {
      const customer = await repos.customers.create({ name: 'Acme Aerial', partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] });
      expect(customer.partnerSubscriptions).toMatchObject([{ partnerCode: 'SATLOC', active: true }]);
      expect((await repos.customers.listSubscribedTo('SATLOC')).map((c) => c.id)).toContain(customer.id);
      const since = customer.partnerSubscriptions[0].since;
      const updated = await repos.customers.update(customer.id, { partnerSubscriptions: [{ partnerCode: 'SATLOC', active: false }] });
      expect(updated?.partnerSubscriptions).toEqual([{ partnerCode: 'SATLOC', active: false, since }]);
      expect((await repos.customers.listSubscribedTo('SATLOC')).map((c) => c.id)).not.toContain(customer.id);

      const pilot = await repos.internalUsers.create({
        username: 'pilot.one',
        name: 'Pilot One',
        role: 'customer',
        customerId: customer.id,
        partnerInfo: { partnerCode: 'SATLOC', partnerAircraftId: 'AC-77' },
      });
      await expect(repos.internalUsers.create({ username: 'PILOT.ONE', name: 'Dup', role: 'customer' })).rejects.toBeInstanceOf(DuplicateRecordError);
      expect(await repos.internalUsers.findByPartnerAircraft(customer.id, 'SATLOC', 'AC-77')).toEqual(pilot);
      expect(await repos.internalUsers.findByPartnerAircraft(newObjectIdString(), 'SATLOC', 'AC-77')).toBeNull();
      expect((await repos.internalUsers.listPartnerAircraft(customer.id, 'SATLOC')).map((u) => u.id)).toEqual([pilot.id]);

      await repos.internalUsers.deactivate(pilot.id);
      expect(await repos.internalUsers.listByCustomer(customer.id)).toEqual([]);
      expect(await repos.internalUsers.findByPartnerAircraft(customer.id, 'SATLOC', 'AC-77')).toBeNull();
      // Internal and partner system users share the collection but not their reads.
      expect(await repos.partnerSystemUsers.findById(pilot.id)).toBeNull();
    });
  });

  describe('job assignments', () => {
    const customerId = newObjectIdString();

    it('assigns idempotently and moves status only along the state machine', async () => {
      const input = { jobId: newObjectIdString(), userId: newObjectIdString(), customerId, partnerCode: 'SATLOC' as const, partnerAircraftId: 'AC-1' };
      const { assign, created } = await repos.jobAssigns.assign(input);
      expect(created).toBe(true);
      expect(assign).toMatchObject({ status: AssignStatus.NEW, upload: { attempts: 0, syncStatus: UploadSyncStatus.QUEUED } });
      expect(await repos.jobAssigns.assign(input)).toEqual({ assign, created: false });
      expect(await database.db.collection(JOB_ASSIGNS_COLLECTION).countDocuments({ partnerAircraftId: 'AC-1' })).toBe(1);

      await expect(repos.jobAssigns.changeStatus(customerId, assign.id, AssignStatus.DOWNLOADED, AssignStatus.UPLOADED)).rejects.toBeInstanceOf(
        IllegalTransitionError,
      );
      // Allowed move, but the assignment is not in the `from` state: a lost race, not an error.
      expect(await repos.jobAssigns.changeStatus(customerId, assign.id, AssignStatus.UPLOADED, AssignStatus.NEW)).toBeNull();
      expect(await repos.jobAssigns.markUploaded(newObjectIdString(), assign.id, 'SL-1')).toBeNull();

      const failed = await repos.jobAssigns.recordUploadFailure(customerId, assign.id, { error: 'partner down', syncStatus: UploadSyncStatus.QUEUED });
      expect(failed?.upload).toMatchObject({ attempts: 1, lastError: 'partner down', syncStatus: UploadSyncStatus.QUEUED });
      // The worker gives up on it: failed with the reason, the attempt not counted twice; only once.
      const givenUp = await repos.jobAssigns.markUploadGivenUp(customerId, assign.id, 'partner down (gave up after 8 attempts)');
      expect(givenUp?.upload).toMatchObject({ attempts: 1, lastError: 'partner down (gave up after 8 attempts)', syncStatus: UploadSyncStatus.FAILED });
      expect(await repos.jobAssigns.markUploadGivenUp(customerId, assign.id, 'again')).toBeNull();
      const uploaded = await repos.jobAssigns.markUploaded(customerId, assign.id, 'SL-1');
      expect(uploaded).toMatchObject({ status: AssignStatus.UPLOADED, extJobId: 'SL-1', upload: { attempts: 2, lastError: null, syncStatus: UploadSyncStatus.SYNCED } });
      expect(await repos.jobAssigns.markUploaded(customerId, assign.id, 'SL-2')).toBeNull();

      const reopened = await repos.jobAssigns.reopen(customerId, assign.id);
      expect(reopened).toMatchObject({ status: AssignStatus.NEW, upload: { syncStatus: UploadSyncStatus.QUEUED } });
    });

    it('gives the right to send an assignment to one caller at a time, until it uploads, gives up or its claim expires', async () => {
      const { assign } = await repos.jobAssigns.assign({ jobId: newObjectIdString(), userId: newObjectIdString(), customerId, partnerCode: 'SATLOC', partnerAircraftId: 'AC-claim' });
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => repos.jobAssigns.claimUpload(customerId, assign.id, `caller-${i}`, 60_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      const winner = `caller-${claims.indexOf(true)}`;
      expect((await repos.jobAssigns.uploadClaimedUntil(customerId, assign.id))?.getTime()).toBeGreaterThan(Date.now() + 50_000);
      // Only the holder releases it; then the next caller may claim.
      expect(await repos.jobAssigns.releaseUploadClaim(customerId, assign.id, 'someone-else')).toBe(false);
      expect(await repos.jobAssigns.releaseUploadClaim(customerId, assign.id, winner)).toBe(true);
      expect(await repos.jobAssigns.uploadClaimedUntil(customerId, assign.id)).toBeNull();
      // A claim whose holder died expires.
      expect(await repos.jobAssigns.claimUpload(customerId, assign.id, 'short-lived', 1)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await repos.jobAssigns.claimUpload(customerId, assign.id, 'next', 60_000)).toBe(true);
      // Uploaded: nothing more to claim, and no claim is left in flight.
      expect(await repos.jobAssigns.markUploaded(customerId, assign.id, 'SL-claimed')).not.toBeNull();
      expect(await repos.jobAssigns.uploadClaimedUntil(customerId, assign.id)).toBeNull();
      expect(await repos.jobAssigns.claimUpload(customerId, assign.id, 'late', 60_000)).toBe(false);
    });

    it('lets one of several concurrent uploads of the same assignment win', async () => {
      const { assign } = await repos.jobAssigns.assign({ jobId: newObjectIdString(), userId: newObjectIdString(), customerId, partnerCode: 'SATLOC', partnerAircraftId: 'AC-2' });
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => repos.jobAssigns.markUploaded(customerId, assign.id, `SL-${i}`)));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect((await repos.jobAssigns.findById(customerId, assign.id))?.upload.attempts).toBe(1);
    });

    it('groups UPLOADED assignments by partner and customer, with their aircraft', async () => {
      const other = newObjectIdString();
      const make = async (cust: string, aircraft: string | null) => {
        const { assign } = await repos.jobAssigns.assign({
          jobId: newObjectIdString(),
          userId: newObjectIdString(),
          customerId: cust,
          partnerCode: aircraft ? 'SATLOC' : null,
          partnerAircraftId: aircraft,
        });
        if (aircraft) await repos.jobAssigns.markUploaded(cust, assign.id, `SL-${aircraft}`);
        return assign;
      };
      await make(other, 'AC-9');
      await make(other, 'AC-3');
      await make(other, 'AC-9');
      await make(other, null);

      const groups = await repos.jobAssigns.findUploadedGroupedByPartnerCustomer();
      const group = groups.find((g) => g.customerId === other);
      expect(group).toMatchObject({ partnerCode: 'SATLOC', partnerAircraftIds: ['AC-3', 'AC-9'] });
      expect(group?.assigns).toHaveLength(3);
      expect(groups.filter((g) => g.customerId === other)).toHaveLength(1);
    });
  });

  describe('poll runs', () => {
    it('records a cycle from start to finish and lists recent ones newest first', async () => {
      const first = await repos.pollRuns.start({ owner: 'poller-1', partnerCode: 'SATLOC' });
      const second = await repos.pollRuns.start({ owner: 'poller-1' });
      const finished = await repos.pollRuns.finish(first.id, {
        counters: { assignments: 3, logsListed: 12, logsNew: 2 },
        errors: [{ customerId: newObjectIdString(), category: 'auth', message: 'SatLoc refused the credentials' }],
      });
      expect(finished).toMatchObject({ status: 'partial', counters: { logsNew: 2 }, errorCount: 1, errors: [{ category: 'auth' }] });
      expect(finished?.durationMs).toBeGreaterThanOrEqual(0);
      expect(await repos.pollRuns.finish(first.id, { counters: {} })).toBeNull();

      const recent = await repos.pollRuns.listRecent({ limit: 2 });
      expect(recent.map((r) => r.id)).toEqual([second.id, first.id]);
      expect(await repos.pollRuns.abandonStale(new Date(Date.now() + 1000))).toBe(1);
      expect(await repos.pollRuns.findById(second.id)).toMatchObject({ status: 'failed' });
    });
  });
});
