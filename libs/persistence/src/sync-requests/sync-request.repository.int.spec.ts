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

  it('serves customers fairly: one customer’s many waiting requests do not hold another’s up', async () => {
    const own = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_sync_fair')));
    try {
      const repo = new SyncRequestRepository(own.db);
      const busy = newObjectIdString();
      const quiet = newObjectIdString();
      for (const aircraftId of ['1', '2', '3', '4']) await repo.create({ partnerCode: 'SATLOC', customerId: busy, aircraftId, requestedBy: 'ops' });
      await repo.create({ partnerCode: 'SATLOC', customerId: quiet, requestedBy: 'ops' });
      const order: string[] = [];
      for (let next = await repo.claimNext(); next; next = await repo.claimNext()) {
        order.push(next.customerId === busy ? 'busy' : 'quiet');
        await repo.finish(next.id, { pollRunId: null });
      }
      // Oldest first, until a customer not served lately waits: it goes before the busy one's next.
      expect(order).toEqual(['busy', 'quiet', 'busy', 'busy', 'busy']);
    } finally {
      await own.drop();
    }
  });

  it('returns a waiting request for a repeat, or the waiting whole-customer request that covers it', async () => {
    const other = newObjectIdString();
    const first = await requests.requestOnce({ partnerCode: 'SATLOC', customerId: other, aircraftId: '7', requestedBy: 'ops' });
    expect(first.deduplicated).toBe(false);
    expect(await requests.requestOnce({ partnerCode: 'SATLOC', customerId: other, aircraftId: '7', requestedBy: 'someone else' })).toEqual({ request: first.request, deduplicated: true });
    // Wider than what waits: a new request; then it covers every aircraft.
    const whole = await requests.requestOnce({ partnerCode: 'SATLOC', customerId: other, requestedBy: 'ops' });
    expect(whole).toMatchObject({ deduplicated: false, request: { aircraftId: null } });
    expect(await requests.requestOnce({ partnerCode: 'SATLOC', customerId: other, aircraftId: '8', requestedBy: 'ops' })).toMatchObject({ deduplicated: true, request: { id: whole.request.id } });
    // Another partner or customer is never merged in.
    expect((await requests.requestOnce({ partnerCode: 'AGIDRONEX', customerId: other, requestedBy: 'ops' })).deduplicated).toBe(false);
    expect((await requests.requestOnce({ partnerCode: 'SATLOC', customerId: newObjectIdString(), aircraftId: '7', requestedBy: 'ops' })).deduplicated).toBe(false);
  });
});
