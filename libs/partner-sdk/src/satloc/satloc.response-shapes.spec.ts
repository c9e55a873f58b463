import { PartnerCode } from '@agair/domain-models';
import { Registry } from 'prom-client';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartnerAuthError, PartnerDataFormatError, PartnerNotFoundError } from '../errors/partner.errors.js';
import { createPartnerServiceFactory, type PartnerServiceFactory } from '../partner-service.factory.js';
import type { PartnerService } from '../partner.contract.js';
import { MemoryPartnerStateStore } from '../resilience/memory-partner-state.store.js';
import { secretForms } from '../redaction/secret.redactor.js';

const ORIGIN = 'https://satloc.test';
const creds = { customerId: 'c1', username: 'u1', password: 'p&ss word#1' };

let agent: MockAgent;
let factory: PartnerServiceFactory;
let service: PartnerService;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  factory = createPartnerServiceFactory({
    stateStore: new MemoryPartnerStateStore(),
    metrics: new Registry(),
    dispatcher: agent,
    satloc: { baseUrl: `${ORIGIN}/api/Satloc`, retry: { maxAttempts: 1 } },
  });
  service = factory.get(PartnerCode.SATLOC);
});
afterEach(async () => {
  await factory.close();
  await agent.close();
});

const pool = () => agent.get(ORIGIN);
const endpoint = (name: string) => (path: string) => path.startsWith(`/api/Satloc/${name}`);

function authReturns(body: unknown, status = 200): void {
  pool().intercept({ path: endpoint('AuthenticateAPIUser'), method: 'GET' }).reply(status, body as object).persist();
}
function listReturns(body: unknown): void {
  pool().intercept({ path: endpoint('GetAircraftList'), method: 'GET' }).reply(200, body as object);
}

describe('response shapes', () => {
  it.each([
    ['PascalCase envelope', { IsSuccess: true, ErrorMessage: null, Result: { Token: 't1' } }],
    ['camelCase envelope', { isSuccess: true, errorMessage: null, result: { token: 't1', expiresIn: 600 } }],
    ['bare object', { AccessToken: 't1' }],
    ['bare string', 't1'],
  ])('accepts an auth answer as a %s and sends its token', async (_name, body) => {
    authReturns(body);
    let authorization: unknown;
    pool()
      .intercept({ path: endpoint('GetAircraftList'), method: 'GET' })
      .reply(200, (opts) => {
        authorization = (opts.headers as Record<string, string>).authorization;
        return [{ aircraftId: 7 }];
      });
    expect(await service.getAircraftList(creds)).toEqual([{ aircraftId: '7', tailNumber: null, name: null }]);
    expect(authorization).toBe('Bearer t1');
  });

  it('names the endpoint and the field when a response does not match', async () => {
    authReturns({ IsSuccess: true, Result: 'tok' });
    listReturns({ IsSuccess: true, Result: [{ AircraftId: 1 }, { TailNumber: 'N1' }] });
    const error = await service.getAircraftList(creds).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerDataFormatError);
    expect(error).toMatchObject({ endpoint: 'GetAircraftList', field: '/1', retryable: false });
    expect((error as Error).message).toContain('GetAircraftList');
  });

  it('names a nested field of the wrong type', async () => {
    authReturns('tok');
    pool()
      .intercept({ path: endpoint('GetAircraftLogs'), method: 'GET' })
      .reply(200, { Result: [{ LogId: 5, FileName: 'a.log', FileSize: 'big' }] });
    const error = await service.getAircraftLogs(creds, '1').catch((e: unknown) => e);
    expect(error).toMatchObject({ category: 'data-format', endpoint: 'GetAircraftLogs' });
    expect((error as PartnerDataFormatError).field).toMatch(/^\/0\/filesize/);
  });

  it('reports a body that is not JSON as a data-format error', async () => {
    authReturns('tok');
    pool().intercept({ path: endpoint('GetAircraftList'), method: 'GET' }).reply(200, '{"Result": [', { headers: { 'content-type': 'application/json' } });
    expect(await service.getAircraftList(creds).catch((e: unknown) => e)).toMatchObject({ category: 'data-format', field: 'body' });
  });

  it('turns IsSuccess=false into the matching error', async () => {
    authReturns('tok');
    pool().intercept({ path: endpoint('GetAircraftLogs'), method: 'GET' }).reply(200, { IsSuccess: false, ErrorMessage: 'Aircraft not found' });
    expect(await service.getAircraftLogs(creds, '9').catch((e: unknown) => e)).toBeInstanceOf(PartnerNotFoundError);
  });

  it('treats IsSuccess=false from AuthenticateAPIUser as rejected credentials', async () => {
    authReturns({ IsSuccess: false, ErrorMessage: 'Login failed' });
    const error = await service.verifyCredentials(creds).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerAuthError);
    expect(error).toMatchObject({ credentialsRejected: true });
  });

  it('scrubs the password when the partner echoes the request URL in an error', async () => {
    pool()
      .intercept({ path: endpoint('AuthenticateAPIUser'), method: 'GET' })
      .reply((opts) => ({ statusCode: 400, data: { Message: `Bad request: ${opts.path}` } }));
    const error = (await service.verifyCredentials(creds).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PartnerDataFormatError);
    expect(error.message).toContain('password=***');
    for (const form of secretForms(creds.password)) expect(error.message).not.toContain(form);
  });
});
