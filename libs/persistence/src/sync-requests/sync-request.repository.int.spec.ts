import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { newObjectIdString } from '../infrastructure/object-id.mapper.js';
import { SyncRequestRepository, SyncRequestState } from './sync-request.repository.js';

describe('SyncRequestRepository against FerretDB/MongoDB', () => {
  let database: TestDatabase;
  let requests: SyncRequestRepository;
  const customerId = newObjectIdString();

  beforeAll(async () => {
    database = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_sync_requests')));
    requests = new SyncRequestRepository(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('hands each pending request to one claimer, oldest first, and records how it ended', async () => {
    const first = await requests.create({ partnerCode: 'SATLOC', customerId, aircraftId: '101', requestedBy: 'ops' });
    const second = await requests.create({ partnerCode: 'SATLOC', customerId, requestedBy: 'ops' });
    const claims = await Promise.all([requests.claimNext(), requests.claimNext(), requests.claimNext()]);
    const claimedIds = claims.filter((c) => c !== null).map((c) => c.id);
    expect(new Set(claimedIds).size).toBe(claimedIds.length);
    expect(claimedIds).toContain(first.id);

    const runId = newObjectIdString();
    expect(await requests.finish(first.id, { pollRunId: runId })).toMatchObject({ state: SyncRequestState.DONE, pollRunId: runId });
    expect(await requests.finish(first.id, { pollRunId: runId })).toBeNull();
    if (!claimedIds.includes(second.id)) expect(await requests.claimNext()).toMatchObject({ id: second.id });
    expect(await requests.finish(second.id, { pollRunId: null, error: 'partner down' })).toMatchObject({ state: SyncRequestState.FAILED, error: 'partner down' });
    expect(await requests.findById(customerId, first.id)).toMatchObject({ aircraftId: '101', requestedBy: 'ops' });
    expect(await requests.findById(newObjectIdString(), first.id)).toBeNull();
  });

  it('puts a request back when its poller died while running it', async () => {
    const request = await requests.create({ partnerCode: 'SATLOC', customerId, requestedBy: 'ops' });
    await requests.claimNext();
    expect(await requests.requeueStale(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(1);
    expect(await requests.findById(customerId, request.id)).toMatchObject({ state: SyncRequestState.PENDING });
  });
});
