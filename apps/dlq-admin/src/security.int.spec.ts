import { randomBytes, randomUUID } from 'node:crypto';
import { DeadLetterQueueAdmin, assertTaskTopology, taskQueueTopology } from '@agair/messaging';
import { MongoConnection, Role, createLogger, loadConfig, mintToken, type HttpApp } from '@agair/service-kit';
import {
  LogCapture,
  PRINCIPALS,
  authRow, serviceRouteRows,
  fuzzRoutes,
  invalidTokenHeaders,
  routeTable,
  runAuthMatrix,
  testServices,
  uniqueName,
  waitFor,
  withDatabase,
  type AuthCase,
  type PrincipalName,
  type RouteOperation,
} from '@agair/testing';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { DlqAdminConfig } from './config.js';

/*
 * Security evidence for dlq-admin: every route × every principal (admin only), schema fuzzing
 * of the queue name and bodies, and the caller's token kept out of logs, metrics and the
 * messages it sends back to their queue.
 */

const jwtSecret = randomBytes(32).toString('hex');
const issuer = 'agair';
const audience = 'agair-api';
const CUSTOMER_A = 'a'.repeat(24);
const CUSTOMER_B = 'b'.repeat(24);

function bearer(sub: string, role: Role, customerId?: string): Record<string, string> {
  return { authorization: `Bearer ${mintToken({ jwtSecret, issuer, audience, sub, role, ...(customerId ? { customerId } : {}) })}` };
}

describe('dlq-admin security', () => {
  let app: HttpApp;
  let connection: AmqpConnectionManager;
  let channel: ChannelWrapper;
  let routes: RouteOperation[];
  let headersOf: Record<PrincipalName, Record<string, string>>;
  const logs = new LogCapture();
  const responses: string[] = [];
  const topology = taskQueueTopology(uniqueName('it_dlq_sec'), { retryTiersMs: [1000] });
  const queue = topology.main;
  const archive = DeadLetterQueueAdmin.archiveQueueOf(topology.failed);
  const mongoUrl = withDatabase(testServices().mongoUrl, uniqueName('it_dlq_sec'));

  /** The confirmation a purge needs: from a listing of the DLQ as it is now. */
  async function confirmation(): Promise<{ expectedCount: number; listingToken: string }> {
    return (await app.inject({ url: `/api/dlq/${queue}/list`, headers: headersOf.admin })).json().confirmation;
  }

  async function deadLetter(n: number): Promise<void> {
    const taskId = randomUUID();
    await channel.sendToQueue(topology.failed, Buffer.from(JSON.stringify({ taskId, n })), {
      persistent: true,
      messageId: taskId,
      headers: { 'x-task-id': taskId, 'x-task-type': 'UPLOAD_PARTNER_JOB', 'x-partner-code': 'SATLOC', 'x-attempt': 5, 'x-error-category': 'partner-down', 'x-last-error': `boom ${n}` },
    });
  }

  beforeAll(async () => {
    // The fuzzing sends thousands of requests as one caller: the rate limit has its own test (app.spec.ts).
    const config = loadConfig(DlqAdminConfig, {
      AMQP_URL: testServices().amqpUrl,
      MONGO_URL: mongoUrl,
      JWT_SECRET: jwtSecret,
      HTTP_PORT: '0',
      AMQP_RECONNECT_S: '1',
      RATE_LIMIT_MAX: '100000',
      RATE_LIMIT_IP_MAX: '100000',
    });
    app = await buildApp(config, createLogger({ name: 'dlq-admin', level: 'trace', destination: logs }));
    await app.ready();
    connection = amqp.connect([testServices().amqpUrl]);
    channel = connection.createChannel({ setup: (ch: ConfirmChannel) => assertTaskTopology(ch, topology) });
    await channel.waitForConnect();
    await waitFor(async () => ((await app.inject('/health/ready')).statusCode === 200 ? true : undefined), { what: 'dlq-admin ready' });
    headersOf = {
      ...invalidTokenHeaders({ jwtSecret, issuer, audience }),
      customerA: bearer('alice', Role.CUSTOMER, CUSTOMER_A),
      customerB: bearer('bob', Role.CUSTOMER, CUSTOMER_B),
      admin: bearer('ops', Role.ADMIN),
      service: bearer('sync-worker', Role.SERVICE),
    };
    routes = await routeTable(app);
  });

  afterAll(async () => {
    for (const q of [queue, topology.failed, archive, ...topology.tiers.map((t) => t.queue)]) await channel?.deleteQueue(q).catch(() => undefined);
    await channel?.close();
    await connection?.close();
    await app?.close();
    const mongo = new MongoConnection({ url: mongoUrl, appName: 'dlq-admin-test', logger: createLogger({ name: 'test', level: 'silent', destination: new LogCapture() }) });
    await mongo.db.dropDatabase();
    await mongo.close();
  });

  /** Admin only: customers (A or B) and services get 403, callers without a valid token 401. */
  function authTable(): Record<string, AuthCase> {
    const adminOnly = (request: AuthCase['request']): AuthCase => authRow(request, { customerA: 403, customerB: 403, service: 403, admin: 200 });
    return {
      ...serviceRouteRows(),
      'GET /api/dlq/:queueName/list': adminOnly(() => ({ url: `/api/dlq/${queue}/list` })),
      'POST /api/dlq/:queueName/retryAll': adminOnly(() => ({ url: `/api/dlq/${queue}/retryAll` })),
      // There must be a message at position 0 for the admin's call to move (else 404).
      'POST /api/dlq/:queueName/retryByPosition': adminOnly(async (who) => {
        if (who === 'admin') await deadLetter(0);
        return { url: `/api/dlq/${queue}/retryByPosition`, payload: { position: 0 } };
      }),
      'POST /api/dlq/:queueName/retryByHeader': adminOnly(() => ({ url: `/api/dlq/${queue}/retryByHeader`, payload: { headerName: 'x-partner-code', headerValue: 'SATLOC' } })),
      // The admin's purge carries the confirmation of a listing made just before (else 400 or 409).
      'POST /api/dlq/:queueName/purge': adminOnly(async (who) => ({
        url: `/api/dlq/${queue}/purge`,
        payload: who === 'admin' ? await confirmation() : { expectedCount: 0, listingToken: `0.${'A'.repeat(43)}` },
      })),
      'GET /api/dlq/:queueName/archive': adminOnly(() => ({ url: `/api/dlq/${queue}/archive` })),
      'POST /api/dlq/:queueName/archive/restore': adminOnly(() => ({ url: `/api/dlq/${queue}/archive/restore`, payload: { all: true } })),
      'GET /api/dlq/actions': adminOnly(() => ({ url: '/api/dlq/actions' })),
    };
  }

  it('authorization matrix: every served route × every principal gets the status of the table', async () => {
    const result = await runAuthMatrix(app, routes, authTable(), headersOf);
    expect(result.failures).toEqual([]);
    expect(routes.length).toBe(11);
    expect(result.checked).toBe(routes.length * PRINCIPALS.length);
  });

  it('a route missing from the table fails the matrix', async () => {
    const { ['POST /api/dlq/:queueName/purge']: _dropped, ...incomplete } = authTable();
    const result = await runAuthMatrix(app, routes.filter((r) => r.key.endsWith('/purge')), incomplete, headersOf);
    expect(result.failures).toContain('POST /api/dlq/:queueName/purge: served but missing from the authorization table');
  });

  it("the caller's token and the JWT secret never reach logs, metrics, responses or the messages sent back", async () => {
    await channel.assertQueue(archive, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    for (const q of [queue, topology.failed, archive]) await channel.purgeQueue(q);
    for (let n = 0; n < 3; n++) await deadLetter(n);
    for (const [method, url, payload] of [
      ['GET', `/api/dlq/${queue}/list`, undefined],
      ['POST', `/api/dlq/${queue}/retryByPosition`, { position: 1 }],
      ['POST', `/api/dlq/${queue}/retryByPosition`, { position: 'first' }],
      ['POST', `/api/dlq/${queue}/purge`, 'confirmation'],
      ['GET', `/api/dlq/${queue}/archive`, undefined],
      ['POST', `/api/dlq/${queue}/archive/restore`, { all: true, to: 'work-queue' }],
      ['POST', `/api/dlq/${queue}/retryByHeader`, { headerName: 'x-partner-code', headerValue: 'SATLOC' }],
      ['GET', '/api/dlq/actions', undefined],
    ] as const) {
      const body = payload === 'confirmation' ? await confirmation() : payload;
      const response = await app.inject({ method, url, headers: headersOf.admin, ...(body ? { payload: body } : {}) });
      responses.push(response.body, JSON.stringify(response.headers));
    }
    expect(responses.join('\n')).toContain('"archived":2');
    const sentBack: string[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (!message) break;
      sentBack.push(message.content.toString('utf8'), JSON.stringify(message.properties));
    }
    expect(sentBack.length).toBe(6); // three messages, body and properties each
    const metrics = (await app.inject('/metrics')).body;
    const token = headersOf.admin.authorization?.slice('Bearer '.length) ?? '';
    const signature = token.split('.')[2] ?? '';
    expect(signature.length).toBeGreaterThan(20);
    const places: Record<string, string> = { logs: logs.text, metrics, responses: responses.join('\n'), 'messages sent back': sentBack.join('\n') };
    expect(logs.lines.length).toBeGreaterThan(5);
    for (const [place, text] of Object.entries(places)) {
      for (const secret of [token, signature, jwtSecret]) expect(text.includes(secret), `a secret is in the ${place}`).toBe(false);
      expect(text, place).not.toMatch(/bearer\s+[A-Za-z0-9._-]{20,}/i);
    }
  });

  it('fuzzing every route from its schema: never a 5xx, always a JSON error body, still live', async () => {
    const bases = {
      'GET /api/dlq/:queueName/list': { params: { queueName: queue }, query: { offset: '0', limit: '10' } },
      'POST /api/dlq/:queueName/retryAll': { params: { queueName: queue } },
      'POST /api/dlq/:queueName/retryByPosition': { params: { queueName: queue }, body: { position: 0 } },
      'POST /api/dlq/:queueName/retryByHeader': { params: { queueName: queue }, body: { headerName: 'x-partner-code', headerValue: 'SATLOC' } },
      'POST /api/dlq/:queueName/purge': { params: { queueName: queue }, body: { expectedCount: 0, listingToken: `0.${'A'.repeat(43)}` } },
      'GET /api/dlq/:queueName/archive': { params: { queueName: queue }, query: { offset: '0', limit: '10' } },
      'POST /api/dlq/:queueName/archive/restore': { params: { queueName: queue }, body: { ids: [randomUUID()], to: 'dead-letter-queue' } },
      'GET /api/dlq/actions': { query: { queue, limit: '10' } },
    };
    const report = await fuzzRoutes(app, routes, { headers: headersOf.admin, numRuns: 50, seed: 20_240_503, bases });
    expect(Object.keys(report.runs).sort()).toEqual(Object.keys(bases).sort());
    expect(Object.values(report.runs).every((n) => n === 50)).toBe(true);
    expect((await app.inject('/health/ready')).statusCode).toBe(200);
  });
});
