import { LogCapture } from '@agair/testing';
import { Role, createLogger, loadConfig, mintToken, type HttpApp } from '@agair/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { DlqAdminConfig } from './config.js';

const secret = 's'.repeat(40);
const token = (role: Role) =>
  mintToken({ jwtSecret: secret, issuer: 'agair', audience: 'agair-api', sub: `${role}-1`, role, ...(role === Role.CUSTOMER ? { customerId: 'c'.repeat(24) } : {}) });

describe('dlq-admin without a broker', () => {
  let app: HttpApp;
  beforeAll(async () => {
    // Port 1 answers nothing: every check below must be decided before the broker or the database is needed.
    const config = loadConfig(DlqAdminConfig, { AMQP_URL: 'amqp://127.0.0.1:1', MONGO_URL: 'mongodb://127.0.0.1:1/agair', JWT_SECRET: secret, AMQP_RECONNECT_S: '60' });
    app = await buildApp(config, createLogger({ name: 'dlq-admin', level: 'silent', destination: new LogCapture() }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('documents every DLQ route with a response schema per status and bearer security', async () => {
    const doc = (await app.inject('/documentation/json')).json();
    const queueStatuses = ['200', '400', '401', '403', '404', '409', '429', '503'];
    for (const [path, method, statuses] of [
      ['/api/dlq/{queueName}/list', 'get', queueStatuses],
      ['/api/dlq/{queueName}/retryAll', 'post', queueStatuses],
      ['/api/dlq/{queueName}/retryByPosition', 'post', queueStatuses],
      ['/api/dlq/{queueName}/retryByHeader', 'post', queueStatuses],
      ['/api/dlq/{queueName}/purge', 'post', queueStatuses],
      ['/api/dlq/{queueName}/archive', 'get', queueStatuses],
      ['/api/dlq/{queueName}/archive/restore', 'post', queueStatuses],
      ['/api/dlq/actions', 'get', ['200', '400', '401', '403', '429', '503']],
    ] as const) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation.security).toEqual([{ bearerAuth: [] }]);
      expect(Object.keys(operation.responses).sort()).toEqual([...statuses].sort());
    }
  });

  it('refuses a purge without the confirmation of a listing, saying what to send, before it needs the broker', async () => {
    const admin = { authorization: `Bearer ${token(Role.ADMIN)}` };
    for (const payload of [undefined, {}, { expectedCount: 3 }]) {
      const response = await app.inject({ method: 'POST', url: '/api/dlq/partner_tasks/purge', headers: admin, ...(payload ? { payload } : {}) });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json()).toMatchObject({ code: 'PURGE_CONFIRMATION_REQUIRED' });
      expect(response.json().message).toMatch(/expectedCount.*listingToken/);
    }
    const malformed = await app.inject({
      method: 'POST',
      url: '/api/dlq/partner_tasks/purge',
      headers: { authorization: `Bearer ${token(Role.ADMIN)}` },
      payload: { expectedCount: 3, listingToken: 'not-a-token' },
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses a restore that names neither ids nor all, or both', async () => {
    const admin = { authorization: `Bearer ${token(Role.ADMIN)}` };
    const id = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    for (const payload of [undefined, { to: 'work-queue' }, { ids: [id], all: true }]) {
      const response = await app.inject({ method: 'POST', url: '/api/dlq/partner_tasks/archive/restore', headers: admin, ...(payload ? { payload } : {}) });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json()).toMatchObject({ code: 'RESTORE_SELECTION_REQUIRED' });
    }
  });

  // The driver gives up on the database after its 5 s server selection timeout.
  it('records an action before it runs: while MongoDB is away a retry is refused with 503 and nothing is done', { timeout: 20_000 }, async () => {
    const response = await app.inject({ method: 'POST', url: '/api/dlq/partner_tasks/retryAll', headers: { authorization: `Bearer ${token(Role.ADMIN)}` } });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(response.headers['retry-after']).toBe('5');
  });

  it('answers 401 without a token and 403 for the customer and service roles', async () => {
    expect((await app.inject({ url: '/api/dlq/partner_tasks/list' })).statusCode).toBe(401);
    for (const role of [Role.CUSTOMER, Role.SERVICE]) {
      const response = await app.inject({ method: 'POST', url: '/api/dlq/partner_tasks/retryAll', headers: { authorization: `Bearer ${token(role)}` } });
      expect(response.statusCode).toBe(403);
    }
  });

  it('answers 400 for a queue name that is not a queue name', async () => {
    const response = await app.inject({ url: '/api/dlq/..%2F..%2Fetc/list', headers: { authorization: `Bearer ${token(Role.ADMIN)}` } });
    expect(response.statusCode).toBe(400);
  });

  it('answers 503 (not a crash) while the broker is unreachable, and is not ready', async () => {
    const response = await app.inject({ url: '/api/dlq/partner_tasks/list', headers: { authorization: `Bearer ${token(Role.ADMIN)}` } });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'BROKER_UNAVAILABLE' });
    expect(response.headers['retry-after']).toBe('5');
    expect((await app.inject('/health/ready')).statusCode).toBe(503);
  });

  it('limits each caller to RATE_LIMIT_MAX requests per window with a 429 and Retry-After; other callers go on', async () => {
    const limited = await buildApp(
      loadConfig(DlqAdminConfig, {
        AMQP_URL: 'amqp://127.0.0.1:1',
        MONGO_URL: 'mongodb://127.0.0.1:1/agair',
        JWT_SECRET: secret,
        AMQP_RECONNECT_S: '60',
        RATE_LIMIT_MAX: '2',
        RATE_LIMIT_WINDOW_MS: '60000',
      }),
      createLogger({ name: 'dlq-admin', level: 'silent', destination: new LogCapture() }),
    );
    try {
      const as = (sub: string) => ({
        url: '/api/dlq/partner_tasks/list',
        headers: { authorization: `Bearer ${mintToken({ jwtSecret: secret, issuer: 'agair', audience: 'agair-api', sub, role: Role.ADMIN })}` },
      });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.inject(as('ops-1'))).statusCode);
      expect(statuses).toEqual([503, 503, 429]);
      const refused = await limited.inject(as('ops-1'));
      expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect((await limited.inject(as('ops-2'))).statusCode).toBe(503);
      // Health and metrics are never limited.
      expect((await limited.inject('/health/live')).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
