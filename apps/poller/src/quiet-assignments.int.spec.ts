import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AssignStatus, PartnerCode, type JobAssign } from '@agair/domain-models';
import { APPLICATION_FILES_COLLECTION, CredentialCipher, JOB_ASSIGNS_COLLECTION, createRepositories, ensureIndexes, type Repositories } from '@agair/persistence';
import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endQuietPolling } from './quiet-assignments.js';

const QUIET_MS = 1000;

describe('polling ends for assignments gone quiet', () => {
  const client = new MongoClient(withDatabase(testServices().mongoUrl, uniqueName('it_quiet')), { retryWrites: false });
  const customerId = new ObjectId().toHexString();
  let repositories: Repositories;
  let seq = 0;

  async function uploaded(aircraftId: string): Promise<JobAssign> {
    const n = ++seq;
    const { assign } = await repositories.jobAssigns.assign({
      jobId: new ObjectId().toHexString(),
      userId: new ObjectId().toHexString(),
      customerId,
      partnerCode: PartnerCode.SATLOC,
      partnerAircraftId: aircraftId,
    });
    const done = await repositories.jobAssigns.markUploaded(customerId, assign.id, String(9000 + n));
    if (!done) throw new Error('not uploaded');
    return done;
  }

  /** A log matched to the assignment, processed now (only what the quiet check reads of it). */
  async function logProcessedFor(assign: JobAssign): Promise<void> {
    const now = new Date();
    await client
      .db()
      .collection(APPLICATION_FILES_COLLECTION)
      .insertOne({ customerId: new ObjectId(customerId), assignId: new ObjectId(assign.id), contentHash: randomBytes(32).toString('hex'), createdAt: now, updatedAt: now });
  }

  async function polledIds(): Promise<string[]> {
    const groups = await repositories.jobAssigns.findUploadedGroupedByPartnerCustomer({ partnerCode: PartnerCode.SATLOC });
    return groups.filter((g) => g.customerId === customerId).flatMap((g) => g.assigns.map((a) => a.id));
  }

  beforeAll(async () => {
    await ensureIndexes(client.db());
    repositories = createRepositories(client.db(), { credentialKeys: CredentialCipher.fromConfig({ keys: { k1: randomBytes(32).toString('base64') }, activeKeyId: 'k1' }) });
  });

  afterAll(async () => {
    await client.db().dropDatabase();
    await client.close();
  });

  it('ends polling after the quiet period since the upload and the latest log; uploading again polls again', async () => {
    const quiet = await uploaded('101');
    const flying = await uploaded('101');
    const legacy = await uploaded('102');
    // Written before polling could end: no pollingEndedAt field at all.
    await client.db().collection(JOB_ASSIGNS_COLLECTION).updateOne({ _id: new ObjectId(legacy.id) }, { $unset: { pollingEndedAt: '' } });
    await sleep(QUIET_MS + 100);
    // Checked as of now: what follows may take longer than the quiet period on a slow machine.
    const checkedAt = new Date();
    await logProcessedFor(flying);
    const fresh = await uploaded('103');
    expect((await polledIds()).sort()).toEqual([quiet.id, flying.id, legacy.id, fresh.id].sort());

    const ended = await endQuietPolling(repositories, QUIET_MS, checkedAt);
    expect(ended.map((a) => a.id).sort()).toEqual([quiet.id, legacy.id].sort());
    expect(ended.every((a) => a.pollingEndedAt !== null && a.status === AssignStatus.UPLOADED)).toBe(true);
    expect((await polledIds()).sort()).toEqual([flying.id, fresh.id].sort());
    // Nothing more to end, and an ended assignment is not looked at again.
    expect(await endQuietPolling(repositories, QUIET_MS, checkedAt)).toEqual([]);

    // Its log goes quiet too: then it ends.
    await sleep(QUIET_MS + 100);
    expect((await endQuietPolling(repositories, QUIET_MS, new Date())).map((a) => a.id).sort()).toEqual([flying.id, fresh.id].sort());

    // Sent again (a changed job), it is polled again.
    await repositories.jobAssigns.reopen(customerId, quiet.id);
    const again = await repositories.jobAssigns.markUploaded(customerId, quiet.id, '9999');
    expect(again?.pollingEndedAt).toBeNull();
    expect(await polledIds()).toEqual([quiet.id]);
  });

  it('does not end polling for an assignment uploaded again while it was being checked', async () => {
    const assign = await uploaded('104');
    await sleep(QUIET_MS + 100);
    await repositories.jobAssigns.reopen(customerId, assign.id);
    await repositories.jobAssigns.markUploaded(customerId, assign.id, '9998');
    // The check saw the old upload; the assignment has moved on since.
    expect(await repositories.jobAssigns.endPolling(assign)).toBeNull();
    expect((await repositories.jobAssigns.findById(customerId, assign.id))?.pollingEndedAt).toBeNull();
  });
});
