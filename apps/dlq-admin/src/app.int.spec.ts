import { randomUUID } from 'node:crypto';
import { assertTaskTopology, taskQueueTopology } from '@agair/messaging';
import { LogCapture, testServices, uniqueName, waitFor } from '@agair/testing';
import { Role, createLogger, loadConfig, mintToken, type HttpApp } from '@agair/service-kit';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { DlqAdminConfig } from './config.js';

const secret = 'd'.repeat(40);
const admin = { authorization: `Bearer ${mintToken({ jwtSecret: secret, issuer: 'agair', audience: 'agair-api', sub: 'ops', role: Role.ADMIN })}` };
const customer = {
  authorization: `Bearer ${mintToken({ jwtSecret: secret, issuer: 'agair', audience: 'agair-api', sub: 'c', role: Role.CUSTOMER, customerId: 'c'.repeat(24) })}`,
};

describe('dlq-admin against RabbitMQ', () => {
  let app: HttpApp;
  let connection: AmqpConnectionManager;
  let channel: ChannelWrapper;
  const topology = taskQueueTopology(uniqueName('it_dlq'), { retryTiersMs: [1000] });
  const queue = topology.main;

  async function deadLetter(partnerCode: string, n: number): Promise<string> {
    const taskId = randomUUID();
    await channel.sendToQueue(topology.failed, Buffer.from(JSON.stringify({ taskId, n })), {
      persistent: true,
      messageId: taskId,
      headers: { 'x-task-id': taskId, 'x-task-type': 'UPLOAD_PARTNER_JOB', 'x-partner-code': partnerCode, 'x-attempt': 5, 'x-error-category': 'partner-down', 'x-last-error': `boom ${n}` },
    });
    return taskId;
  }

  async function listIds(): Promise<string[]> {
    const response = await app.inject({ url: `/api/dlq/${queue}/list?limit=200`, headers: admin });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().messages.map((m: { taskId: string }) => m.taskId);
  }

  async function drainMain(): Promise<{ taskId: string; headers: Record<string, unknown> }[]> {
    const out: { taskId: string; headers: Record<string, unknown> }[] = [];
    for (;;) {
      const msg = await channel.get(queue, { noAck: true });
      if (!msg) return out;
      out.push({ taskId: String(msg.properties.messageId), headers: msg.properties.headers ?? {} });
    }
  }

  beforeAll(async () => {
    const config = loadConfig(DlqAdminConfig, { AMQP_URL: testServices().amqpUrl, JWT_SECRET: secret, HTTP_PORT: '0', AMQP_RECONNECT_S: '1' });
    app = await buildApp(config, createLogger({ name: 'dlq-admin', level: 'silent', destination: new LogCapture() }));
    await app.ready();
    connection = amqp.connect([testServices().amqpUrl]);
    channel = connection.createChannel({ setup: (ch: ConfirmChannel) => assertTaskTopology(ch, topology) });
    await channel.waitForConnect();
    await waitFor(async () => ((await app.inject('/health/ready')).statusCode === 200 ? true : undefined), { what: 'dlq-admin ready' });
  });

  beforeEach(async () => {
    await channel.purgeQueue(topology.failed);
    await channel.purgeQueue(queue);
  });

  afterAll(async () => {
    for (const q of [queue, topology.failed, ...topology.tiers.map((t) => t.queue)]) await channel.deleteQueue(q).catch(() => undefined);
    await channel.close();
    await connection.close();
    await app.close();
  });

  it('refuses callers without a token (401) and non-admins (403)', async () => {
    expect((await app.inject({ url: `/api/dlq/${queue}/list` })).statusCode).toBe(401);
    expect((await app.inject({ url: `/api/dlq/${queue}/list`, headers: customer })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: `/api/dlq/${queue}/purge`, headers: customer })).statusCode).toBe(403);
  });

  it('answers 404 for an unknown queue and 400 for a bad name or body', async () => {
    expect((await app.inject({ url: '/api/dlq/no_such_queue_xyz/list', headers: admin })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/dlq/..%2Fetc/list', headers: admin })).statusCode).toBe(400);
    expect((await app.inject({ url: `/api/dlq/${queue}/list?limit=100000`, headers: admin })).statusCode).toBe(400);
    const badBody = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryByPosition`, headers: admin, payload: { position: 'first' } });
    expect(badBody.statusCode).toBe(400);
    const extra = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryByHeader`, headers: admin, payload: { headerName: 'x', headerValue: 'y', all: true } });
    expect(extra.statusCode).toBe(400);
  });

  it('lists without consuming or reordering, with the failure headers', async () => {
    const ids = [await deadLetter('SATLOC', 0), await deadLetter('AGIDRONEX', 1), await deadLetter('SATLOC', 2)];
    expect(await listIds()).toEqual(ids);
    expect(await listIds()).toEqual(ids);
    const page = (await app.inject({ url: `/api/dlq/${queue}/list?offset=1&limit=1`, headers: admin })).json();
    expect(page).toMatchObject({ total: 3, offset: 1, limit: 1, deadLetterQueue: topology.failed });
    expect(page.messages).toEqual([
      expect.objectContaining({ position: 1, taskId: ids[1], partnerCode: 'AGIDRONEX', errorCategory: 'partner-down', lastError: 'boom 1', attempt: 5, originalQueue: queue }),
    ]);
    expect(page.messages[0].payloadPreview).toContain(ids[1]);
  });

  it('retryByHeader moves exactly the matching messages back with the attempt reset and an audit header', async () => {
    const ids = [await deadLetter('SATLOC', 0), await deadLetter('AGIDRONEX', 1), await deadLetter('SATLOC', 2), await deadLetter('AGIDRONEX', 3)];
    const response = await app.inject({
      method: 'POST',
      url: `/api/dlq/${queue}/retryByHeader`,
      headers: admin,
      payload: { headerName: 'x-partner-code', headerValue: 'SATLOC' },
    });
    expect(response.json()).toMatchObject({ moved: 2, left: 2 });
    expect(await listIds()).toEqual([ids[1], ids[3]]);
    const back = await drainMain();
    expect(back.map((m) => m.taskId)).toEqual([ids[0], ids[2]]);
    expect(back[0]?.headers).toMatchObject({ 'x-attempt': 1, 'x-dlq-retries': 1, 'x-partner-code': 'SATLOC' });
    expect(typeof back[0]?.headers['x-dlq-retried-at']).toBe('string');
  });

  it('retryByPosition moves the one message at that position; beyond the end is 404', async () => {
    const ids = [await deadLetter('SATLOC', 0), await deadLetter('SATLOC', 1), await deadLetter('SATLOC', 2)];
    const response = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryByPosition`, headers: admin, payload: { position: 1 } });
    expect(response.json()).toMatchObject({ moved: 1, left: 2 });
    expect(await listIds()).toEqual([ids[0], ids[2]]);
    expect((await drainMain()).map((m) => m.taskId)).toEqual([ids[1]]);
    const beyond = await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryByPosition`, headers: admin, payload: { position: 5 } });
    expect(beyond.statusCode).toBe(404);
    expect(await listIds()).toEqual([ids[0], ids[2]]);
  });

  it('retryAll moves everything back and purge empties the DLQ', async () => {
    const ids = [await deadLetter('SATLOC', 0), await deadLetter('SATLOC', 1)];
    expect((await app.inject({ method: 'POST', url: `/api/dlq/${queue}/retryAll`, headers: admin })).json()).toMatchObject({ moved: 2, left: 0 });
    expect((await drainMain()).map((m) => m.taskId)).toEqual(ids);
    await deadLetter('SATLOC', 3);
    await deadLetter('SATLOC', 4);
    expect((await app.inject({ method: 'POST', url: `/api/dlq/${queue}/purge`, headers: admin })).json()).toMatchObject({ purged: 2 });
    expect(await listIds()).toEqual([]);
  });
});
