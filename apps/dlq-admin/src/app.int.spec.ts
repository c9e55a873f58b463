import { randomUUID } from 'node:crypto';
import { DeadLetterQueueAdmin, assertTaskTopology, taskQueueTopology } from '@agair/messaging';
import { LogCapture, testServices, uniqueName, waitFor, withDatabase } from '@agair/testing';
import { MongoConnection, Role, createLogger, loadConfig, mintToken, type HttpApp } from '@agair/service-kit';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { DlqAdminConfig } from './config.js';

const secret = 'd'.repeat(40);
const admin = { authorization: `Bearer ${mintToken({ jwtSecret: secret, issuer: 'agair', audience: 'agair-api', sub: 'ops', role: Role.ADMIN })}` };
const customer = {
  authorization: `Bearer ${mintToken({ jwtSecret: secret, issuer: 'agair', audience: 'agair-api', sub: 'c', role: Role.CUSTOMER, customerId: 'c'.repeat(24) })}`,
};
const ARCHIVE_TTL_MS = 3_600_000;

describe('dlq-admin against RabbitMQ and MongoDB', () => {
  let app: HttpApp;
  let connection: AmqpConnectionManager;
  let channel: ChannelWrapper;
  const mongoUrl = withDatabase(testServices().mongoUrl, uniqueName('it_dlq_admin'));
  const topology = taskQueueTopology(uniqueName('it_dlq'), { retryTiersMs: [1000] });
  const queue = topology.main;
  const archive = DeadLetterQueueAdmin.archiveQueueOf(topology.failed);

  function configFor(): DlqAdminConfig {
    return loadConfig(DlqAdminConfig, {
      AMQP_URL: testServices().amqpUrl,
      MONGO_URL: mongoUrl,
      JWT_SECRET: secret,
      HTTP_PORT: '0',
      AMQP_RECONNECT_S: '1',
      DLQ_ARCHIVE_TTL_MS: String(ARCHIVE_TTL_MS),
      RATE_LIMIT_MAX: '100000',
    });
  }

  async function startApp(): Promise<HttpApp> {
    const started = await buildApp(configFor(), createLogger({ name: 'dlq-admin', level: 'silent', destination: new LogCapture() }));
    await started.ready();
    await waitFor(async () => ((await started.inject('/health/ready')).statusCode === 200 ? true : undefined), { what: 'dlq-admin ready' });
    return started;
  }

  async function deadLetter(partnerCode: string, n: number): Promise<string> {
    const taskId = randomUUID();
    await channel.sendToQueue(topology.failed, Buffer.from(JSON.stringify({ taskId, n })), {
      persistent: true,
      messageId: taskId,
      headers: { 'x-task-id': taskId, 'x-task-type': 'UPLOAD_PARTNER_JOB', 'x-partner-code': partnerCode, 'x-attempt': 5, 'x-error-category': 'partner-down', 'x-last-error': `boom ${n}` },
    });
    return taskId;
  }

  async function list(on: HttpApp = app): Promise<{ ids: string[]; confirmation: { expectedCount: number; listingToken: string } }> {
    const response = await on.inject({ url: `/api/dlq/${queue}/list?limit=200`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json();
    return { ids: page.messages.map((m: { taskId: string }) => m.taskId), confirmation: page.confirmation };
  }

  async function listIds(): Promise<string[]> {
    return (await list()).ids;
  }

  async function archived(): Promise<{ taskId: string; archiveId: string; archivedBy: string; archivedAt: string; expiresAt: string; headers: Record<string, unknown> }[]> {
    const response = await app.inject({ url: `/api/dlq/${queue}/archive?limit=200`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().messages;
  }

  async function drainMain(): Promise<{ taskId: string; headers: Record<string, unknown> }[]> {
    const out: { taskId: string; headers: Record<string, unknown> }[] = [];
    for (;;) {
      const msg = await channel.get(queue, { noAck: true });
      if (!msg) return out;
      out.push({ taskId: String(msg.properties.messageId), headers: msg.properties.headers ?? {} });
    }
  }

  async function actions(query = `queue=${queue}&limit=50`): Promise<{ id: string; action: string; actor: string; outcome: string; counts: Record<string, number>; taskIds: string[]; error: string | null; parameters: Record<string, unknown> }[]> {
    const response = await app.inject({ url: `/api/dlq/actions?${query}`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().actions;
  }

  function purge(payload?: object, on: HttpApp = app) {
    return on.inject({ method: 'POST', url: `/api/dlq/${queue}/purge`, headers: admin, ...(payload ? { payload } : {}) });
  }

  /** A raw channel on a connection of its own: a second dlq-admin, as the broker sees it. */
  async function otherConnectionChannel(): Promise<{ channel: Channel; close(): Promise<void> }> {
    const other = amqp.connect([testServices().amqpUrl]);
    const wrapper = other.createChannel({ setup: async () => undefined });
    await wrapper.waitForConnect();
    const raw = await (other.connection as NonNullable<typeof other.connection>).createChannel();
    raw.on('error', () => undefined);
    return {
      channel: raw,
      close: async () => {
        await raw.close().catch(() => undefined);
        await wrapper.close();
        await other.close();
      },
    };
  }

  beforeAll(async () => {
    app = await startApp();
    connection = amqp.connect([testServices().amqpUrl]);
    channel = connection.createChannel({
      setup: async (ch: ConfirmChannel) => {
        await assertTaskTopology(ch, topology);
        await ch.assertQueue(archive, { durable: true, arguments: { 'x-queue-type': 'classic' } });
      },
    });
    await channel.waitForConnect();
  });

  beforeEach(async () => {
    for (const q of [topology.failed, queue, archive]) await channel.purgeQueue(q);
  });

  afterAll(async () => {
    for (const q of [queue, topology.failed, archive, ...topology.tiers.map((t) => t.queue)]) await channel.deleteQueue(q).catch(() => undefined);
    await channel.close();
    await connection.close();
    await app.close();
    const mongo = new MongoConnection({ url: mongoUrl, appName: 'dlq-admin-test', logger: createLogger({ name: 'test', level: 'silent', destination: new LogCapture() }) });
    await mongo.db.dropDatabase();
    await mongo.close();
  });

  it('refuses callers without a token (401) and non-admins (403)', async () => {
    expect((await app.inject({ url: `/api/dlq/${queue}/list` })).statusCode).toBe(401);
    expect((await app.inject({ url: `/api/dlq/${queue}/list`, headers: customer })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: `/api/dlq/${queue}/purge`, headers: customer })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/dlq/actions', headers: customer })).statusCode).toBe(403);
  });

  it('answers 404 for an unknown queue and 400 for a bad name or body', async () => {
    expect((await app.inject({ url: '/api/dlq/no_such_queue_xyz/list', headers: admin })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/dlq/no_such_queue_xyz/archive', headers: admin })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/dlq/..%2Fetc/list', headers: admin })).statusCode).toBe(400);
    expect((await app.inject({ url: `/api/dlq/${queue}/list?limit=100000`, headers: admin })).statusCode).toBe(400);
    const badBody = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryByPosition`, headers: admin, payload: { position: 'first' } });
    expect(badBody.statusCode).toBe(400);
    const extra = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryByHeader`, headers: admin, payload: { headerName: 'x', headerValue: 'y', all: true } });
    expect(extra.statusCode).toBe(400);
  });

  it('lists without consuming or reordering, with the failure headers and a purge confirmation', async () => {
    const ids = [await deadLetter('SATLOC', 0), await deadLetter('AGIDRONEX', 1), await deadLetter('SATLOC', 2)];
    const first = await list();
    expect(first.ids).toEqual(ids);
    expect(await list()).toEqual(first);
    const page = (await app.inject({ url: `/api/dlq/${queue}/list?offset=1&limit=1`, headers: admin })).json();
    expect(page).toMatchObject({ total: 3, offset: 1, limit: 1, deadLetterQueue: topology.failed, confirmation: { expectedCount: 3 } });
    expect(page.messages).toEqual([
      expect.objectContaining({ position: 1, taskId: ids[1], partnerCode: 'AGIDRONEX', errorCategory: 'partner-down', lastError: 'boom 1', attempt: 5, originalQueue: queue }),
    ]);
    expect(page.messages[0].payloadPreview).toContain(ids[1]);
  });

  it('retryByHeader moves exactly the matching messages back with the attempt reset and an audit header, and records it', async () => {
    const ids = [await deadLetter('SATLOC', 0), await deadLetter('AGIDRONEX', 1), await deadLetter('SATLOC', 2), await deadLetter('AGIDRONEX', 3)];
    const response = await app.inject({
      method: 'POST',
      url: `/api/dlq/${queue}/retryByHeader`,
      headers: admin,
      payload: { headerName: 'x-partner-code', headerValue: 'SATLOC' },
    });
    expect(response.json()).toMatchObject({ moved: 2, left: 2, notMoved: [] });
    expect(await listIds()).toEqual([ids[1], ids[3]]);
    const back = await drainMain();
    expect(back.map((m) => m.taskId)).toEqual([ids[0], ids[2]]);
    expect(back[0]?.headers).toMatchObject({ 'x-attempt': 1, 'x-dlq-retries': 1, 'x-partner-code': 'SATLOC' });
    expect(typeof back[0]?.headers['x-dlq-retried-at']).toBe('string');
    const [recorded] = await actions();
    expect(recorded).toMatchObject({
      id: response.json().actionId,
      action: 'retryByHeader',
      actor: 'ops',
      outcome: 'succeeded',
      parameters: { headerName: 'x-partner-code', headerValue: 'SATLOC' },
      counts: { moved: 2, left: 2, notMoved: 0 },
      taskIds: [ids[0], ids[2]],
    });
  });

  it('retryByPosition moves the one message at that position; beyond the end is 404, recorded as refused', async () => {
    const ids = [await deadLetter('SATLOC', 0), await deadLetter('SATLOC', 1), await deadLetter('SATLOC', 2)];
    const response = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryByPosition`, headers: admin, payload: { position: 1 } });
    expect(response.json()).toMatchObject({ moved: 1, left: 2 });
    expect(await listIds()).toEqual([ids[0], ids[2]]);
    expect((await drainMain()).map((m) => m.taskId)).toEqual([ids[1]]);
    const beyond = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryByPosition`, headers: admin, payload: { position: 5 } });
    expect(beyond.statusCode).toBe(404);
    expect(await listIds()).toEqual([ids[0], ids[2]]);
    const [refused, moved] = await actions();
    expect(refused).toMatchObject({ action: 'retryByPosition', outcome: 'refused', parameters: { position: 5 }, taskIds: [] });
    expect(refused?.error).toMatch(/^NOT_FOUND/);
    expect(moved).toMatchObject({ action: 'retryByPosition', outcome: 'succeeded', taskIds: [ids[1]] });
  });

  it('retryAll moves everything back', async () => {
    const ids = [await deadLetter('SATLOC', 0), await deadLetter('SATLOC', 1)];
    expect((await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryAll`, headers: admin })).json()).toMatchObject({ moved: 2, left: 0 });
    expect((await drainMain()).map((m) => m.taskId)).toEqual(ids);
  });

  describe('a retry whose queue no longer exists', () => {
    /** A message the broker dead-lettered from `from` (rejected there), as the sync-worker's queue does. */
    async function deadLetteredFrom(from: string): Promise<string> {
      const taskId = randomUUID();
      await channel.assertQueue(from, { durable: true, arguments: { 'x-queue-type': 'classic', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': topology.failed } });
      await channel.sendToQueue(from, Buffer.from(JSON.stringify({ taskId })), { messageId: taskId, headers: { 'x-task-id': taskId } });
      const msg = await waitFor(async () => (await channel.get(from, { noAck: false })) || undefined, { what: `the message in ${from}` });
      channel.nack(msg, false, false);
      await waitFor(async () => ((await channel.checkQueue(topology.failed)).messageCount > 0 ? true : undefined), { what: 'the message dead-lettered' });
      await channel.deleteQueue(from);
      return taskId;
    }

    it('keeps the message in the DLQ and reports it, while the others move (retryAll: 200 with notMoved)', async () => {
      const gone = uniqueName('it_dlq_gone');
      const stranded = await deadLetteredFrom(gone);
      const fine = await deadLetter('SATLOC', 1);
      const listed = (await app.inject({ url: `/api/dlq/${queue}/list`, headers: admin })).json();
      expect(listed.messages.map((m: { originalQueue: string }) => m.originalQueue)).toEqual([gone, queue]);

      const response = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryAll`, headers: admin });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ moved: 1, left: 1, notMoved: [{ queue: gone, messages: 1 }] });
      expect(await listIds()).toEqual([stranded]);
      expect((await drainMain()).map((m) => m.taskId)).toEqual([fine]);
      const [recorded] = await actions();
      expect(recorded).toMatchObject({ action: 'retryAll', outcome: 'partial', counts: { moved: 1, notMoved: 1 }, taskIds: [fine] });
      expect(recorded?.error).toContain(gone);
    });

    it('answers 409 TARGET_QUEUE_MISSING when nothing could move, and the message stays', async () => {
      const gone = uniqueName('it_dlq_gone');
      const stranded = await deadLetteredFrom(gone);
      const response = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryByPosition`, headers: admin, payload: { position: 0 } });
      expect(response.statusCode, response.body).toBe(409);
      expect(response.json()).toMatchObject({ code: 'TARGET_QUEUE_MISSING', details: { notMoved: [{ queue: gone, messages: 1 }] } });
      expect(response.json().message).toContain(gone);
      expect(await listIds()).toEqual([stranded]);
      expect(await drainMain()).toEqual([]);
      expect((await actions())[0]).toMatchObject({ action: 'retryByPosition', outcome: 'failed', counts: { moved: 0, notMoved: 1 } });
    });
  });

  describe('purge', () => {
    it('without a confirmation: 400 PURGE_CONFIRMATION_REQUIRED saying what to send, and nothing moves', async () => {
      const ids = [await deadLetter('SATLOC', 0), await deadLetter('SATLOC', 1)];
      for (const payload of [undefined, {}, { expectedCount: 2 }]) {
        const response = await purge(payload);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ code: 'PURGE_CONFIRMATION_REQUIRED' });
        expect(response.json().message).toContain('listingToken');
      }
      expect(await listIds()).toEqual(ids);
      expect(await archived()).toEqual([]);
    });

    it('with a stale confirmation (more messages since, or others in their place): 409 PURGE_CONFIRMATION_STALE, nothing moves, recorded as refused', async () => {
      const ids = [await deadLetter('SATLOC', 0), await deadLetter('SATLOC', 1)];
      const { confirmation } = await list();
      ids.push(await deadLetter('SATLOC', 2));
      const grown = await purge(confirmation);
      expect(grown.statusCode).toBe(409);
      expect(grown.json()).toMatchObject({ code: 'PURGE_CONFIRMATION_STALE', details: { expectedCount: 2, actualCount: 3 } });
      expect(await listIds()).toEqual(ids);

      // As many messages as listed, but not the same ones: one retried, another dead-lettered since.
      const sameCount = await list();
      expect((await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryByPosition`, headers: admin, payload: { position: 0 } })).statusCode).toBe(200);
      const replacement = await deadLetter('SATLOC', 3);
      const swapped = await purge(sameCount.confirmation);
      expect(swapped.statusCode).toBe(409);
      expect(swapped.json()).toMatchObject({ code: 'PURGE_CONFIRMATION_STALE', details: { expectedCount: 3, actualCount: 3 } });
      expect(await listIds()).toEqual([ids[1], ids[2], replacement]);
      expect(await archived()).toEqual([]);

      // A token of another queue's listing, or a made-up one, does not confirm this one either.
      const madeUp = await purge({ expectedCount: 3, listingToken: `3.${'A'.repeat(43)}` });
      expect(madeUp.statusCode).toBe(409);
      expect(await listIds()).toEqual([ids[1], ids[2], replacement]);

      const [latest] = await actions();
      expect(latest).toMatchObject({ action: 'purge', outcome: 'refused', taskIds: [] });
      expect(latest?.error).toMatch(/^PURGE_CONFIRMATION_STALE/);
    });

    it('with the confirmation of the latest listing: archives every message (listable), empties the DLQ, and records who did it', async () => {
      const ids = [await deadLetter('SATLOC', 0), await deadLetter('AGIDRONEX', 1), await deadLetter('SATLOC', 2)];
      const { confirmation } = await list();
      const response = await purge(confirmation);
      expect(response.statusCode, response.body).toBe(200);
      const result = response.json();
      expect(result).toMatchObject({ queue, deadLetterQueue: topology.failed, archiveQueue: archive, archived: 3, left: 0 });
      expect(await listIds()).toEqual([]);

      const kept = await archived();
      expect(kept.map((m) => m.taskId)).toEqual(ids);
      for (const message of kept) {
        expect(message.archiveId).toMatch(/^[0-9a-f-]{36}$/);
        expect(message.archivedBy).toBe('ops');
        expect(Date.parse(message.expiresAt) - Date.parse(message.archivedAt)).toBe(ARCHIVE_TTL_MS);
        expect(message.headers).toMatchObject({ 'x-last-error': expect.stringMatching(/^boom/), 'x-dlq-original-queue': queue });
      }
      expect(result.expiresAt).toBe(kept[0]?.expiresAt);

      const [recorded] = await actions();
      expect(recorded).toMatchObject({
        id: result.actionId,
        action: 'purge',
        actor: 'ops',
        outcome: 'succeeded',
        parameters: { expectedCount: 3, listingToken: confirmation.listingToken },
        counts: { archived: 3, left: 0 },
        taskIds: ids,
      });
    });

    it('a listing of only the head confirms the count and the messages it saw', async () => {
      const ids = [await deadLetter('SATLOC', 0), await deadLetter('SATLOC', 1), await deadLetter('SATLOC', 2)];
      const head = (await app.inject({ url: `/api/dlq/${queue}/list?limit=1`, headers: admin })).json();
      expect(head.confirmation.expectedCount).toBe(3);
      expect((await purge(head.confirmation)).json()).toMatchObject({ archived: 3, left: 0 });
      expect((await archived()).map((m) => m.taskId)).toEqual(ids);
    });
  });

  describe('restore', () => {
    async function purgeAll(): Promise<string[]> {
      const ids = [await deadLetter('SATLOC', 0), await deadLetter('AGIDRONEX', 1), await deadLetter('SATLOC', 2)];
      expect((await purge((await list()).confirmation)).statusCode).toBe(200);
      return ids;
    }

    it('by ids, back to the DLQ as it was (no archive headers); the rest stay archived; recorded', async () => {
      const ids = await purgeAll();
      const kept = await archived();
      const chosen = [kept[0]?.archiveId, kept[2]?.archiveId] as string[];
      const unknown = randomUUID();
      const response = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/archive/restore`, headers: admin, payload: { ids: [...chosen, unknown] } });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ restored: 2, left: 1, notFound: [unknown], notMoved: [] });
      expect(await listIds()).toEqual([ids[0], ids[2]]);
      expect((await archived()).map((m) => m.taskId)).toEqual([ids[1]]);

      const back = (await app.inject({ url: `/api/dlq/${queue}/list`, headers: admin })).json().messages;
      expect(back[0]).toMatchObject({ attempt: 5, lastError: 'boom 0', originalQueue: queue });
      expect(Object.keys(back[0].headers).filter((h) => h.startsWith('x-dlq-archive'))).toEqual([]);

      // Restored once: the same ids again are not in the archive any more.
      const again = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/archive/restore`, headers: admin, payload: { ids: chosen } });
      expect(again.statusCode).toBe(404);

      const [refused, restored] = await actions();
      expect(refused).toMatchObject({ action: 'restore', outcome: 'refused' });
      expect(restored).toMatchObject({
        id: response.json().actionId,
        action: 'restore',
        actor: 'ops',
        outcome: 'succeeded',
        parameters: { ids: [...chosen, unknown], all: false, to: 'dead-letter-queue' },
        counts: { restored: 2, left: 1, notFound: 1 },
        taskIds: [ids[0], ids[2]],
      });
    });

    it('all, straight to the work queue to run again', async () => {
      const ids = await purgeAll();
      const response = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/archive/restore`, headers: admin, payload: { all: true, to: 'work-queue' } });
      expect(response.json()).toMatchObject({ restored: 3, left: 0, notFound: [] });
      expect(await archived()).toEqual([]);
      expect(await listIds()).toEqual([]);
      const back = await drainMain();
      expect(back.map((m) => m.taskId)).toEqual(ids);
      expect(back[0]?.headers).toMatchObject({ 'x-attempt': 1, 'x-dlq-retries': 1 });
      expect(Object.keys(back[0]?.headers ?? {}).filter((h) => h.startsWith('x-dlq-archive') || h === 'x-dlq-original-queue')).toEqual([]);
      expect((await actions())[0]).toMatchObject({ action: 'restore', outcome: 'succeeded', parameters: { all: true, to: 'work-queue' }, taskIds: ids });
    });
  });

  describe('one mover per queue', () => {
    it('while another dlq-admin holds the queue: 409 DLQ_BUSY for every operation, nothing moves; afterwards it works', async () => {
      const ids = [await deadLetter('SATLOC', 0), await deadLetter('SATLOC', 1)];
      const { confirmation } = await list();
      const other = await otherConnectionChannel();
      try {
        const lock = await DeadLetterQueueAdmin.holdMoverLock(other.channel, topology.failed);
        for (const [method, url, payload] of [
          ['POST', `/api/dlq/${queue}/purge`, confirmation],
          ['POST', `/api/dlq/${queue}/retryAll`, undefined],
          ['POST', `/api/dlq/${queue}/archive/restore`, { all: true }],
          ['GET', `/api/dlq/${queue}/list`, undefined],
        ] as const) {
          const response = await app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });
          expect(response.statusCode, `${method} ${url}`).toBe(409);
          expect(response.json()).toMatchObject({ code: 'DLQ_BUSY' });
        }
        expect((await actions()).slice(0, 3).map((a) => [a.action, a.outcome])).toEqual([
          ['restore', 'refused'],
          ['retryAll', 'refused'],
          ['purge', 'refused'],
        ]);
        await lock.release();
      } finally {
        await other.close();
      }
      expect(await listIds()).toEqual(ids);
      expect((await purge(confirmation)).statusCode).toBe(200);
    });

    it('two instances moving the same queue at once: each answers 200 or 409, and every message ends up in exactly one place', async () => {
      const second = await startApp();
      try {
        const ids = [await deadLetter('SATLOC', 0), await deadLetter('SATLOC', 1), await deadLetter('SATLOC', 2)];
        const { confirmation } = await list();
        const [purged, retried] = await Promise.all([
          purge(confirmation),
          second.inject({ method: 'POST', url: `/api/dlq/${queue}/retryAll`, headers: admin }),
        ]);
        expect([200, 409]).toContain(purged.statusCode);
        expect([200, 409]).toContain(retried.statusCode);
        expect([purged.statusCode, retried.statusCode]).toContain(200);
        const where = [...(await listIds()), ...(await archived()).map((m) => m.taskId), ...(await drainMain()).map((m) => m.taskId)];
        expect(where.sort()).toEqual([...ids].sort());
        // The lock was let go: the second instance can move the queue now.
        expect((await second.inject({ method: 'POST', url: `/api/dlq/${queue}/retryAll`, headers: admin })).statusCode).toBe(200);
      } finally {
        await second.close();
      }
    });
  });

  it('lists the audit trail newest first by cursor, for one queue or all', async () => {
    for (let n = 0; n < 3; n++) await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryAll`, headers: admin });
    const first = (await app.inject({ url: `/api/dlq/actions?queue=${topology.failed}&limit=2`, headers: admin })).json();
    expect(first.actions).toHaveLength(2);
    expect(first.next).toBe(first.actions[1].id);
    const second = (await app.inject({ url: `/api/dlq/actions?queue=${queue}&limit=2&cursor=${first.next}`, headers: admin })).json();
    expect(second.actions[0].id < first.actions[1].id).toBe(true);
    expect(first.actions.every((a: { queue: string; deadLetterQueue: string }) => a.queue === queue && a.deadLetterQueue === topology.failed)).toBe(true);
    expect((await actions('queue=it_dlq_no_such_queue')).length).toBe(0);
    expect((await actions('limit=1')).length).toBe(1);
    expect((await app.inject({ url: '/api/dlq/actions?cursor=nope', headers: admin })).statusCode).toBe(400);
  });
});
