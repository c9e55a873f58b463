import { decodeFlightLogBuffer } from '@agair/satloc-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PartnerAuthError,
  PartnerDataFormatError,
  PartnerDownError,
  PartnerNetworkTimeoutError,
  PartnerNotFoundError,
  PartnerRateLimitError,
} from '../errors/partner.errors.js';
import { collectLogDownload } from '../log-download.collector.js';
import type { SatlocSimulator } from '../simulator/satloc-simulator.app.js';
import { OTHER_CREDS, TEST_CREDS, TEST_JOB_TEXT, startSimulator, testClient, type TestClient } from '../testing/satloc.test-helpers.js';

let sim: SatlocSimulator;
let client: TestClient;

beforeEach(async () => {
  sim = await startSimulator();
  client = testClient(sim.baseUrl);
});
afterEach(async () => {
  await client.factory.close();
  await sim.close();
});

const count = (endpoint: string): number => sim.state.counters().requests[endpoint] ?? 0;

async function uploadAndFly(): Promise<{ extJobId: string }> {
  const result = await client.service.uploadJobDataToAircraft(TEST_CREDS, { aircraftId: '101', jobFile: TEST_JOB_TEXT, fileName: 'north-paddock' });
  sim.produceLogs();
  return result;
}

describe('SatLoc client against the simulator', () => {
  it.each([
    ['GET (the default, as SatLoc documents it)', undefined, 'GET'],
    ['POST when configured', 'POST' as const, 'POST'],
  ])('authenticates with %s', async (_case, authMethod, sent) => {
    const configured = authMethod ? testClient(sim.baseUrl, { satloc: { authMethod } }) : client;
    try {
      await configured.service.getAircraftList(TEST_CREDS);
      expect(sim.state.requests.filter((r) => r.endpoint === 'AuthenticateAPIUser').map((r) => r.method)).toEqual([sent]);
    } finally {
      if (configured !== client) await configured.factory.close();
    }
  });

  it('lists only the aircraft of the customer whose credentials are used', async () => {
    expect(await client.service.getAircraftList(TEST_CREDS)).toEqual([
      { aircraftId: '101', tailNumber: 'N101AG', name: 'Air Tractor 802' },
      { aircraftId: '102', tailNumber: 'N102AG', name: 'Thrush 510G' },
    ]);
    expect((await client.service.getAircraftList(OTHER_CREDS)).map((a) => a.aircraftId)).toEqual(['H-7']);
  });

  it('uploads a .JOB file, then lists and downloads the flight log produced for it', async () => {
    const { extJobId } = await uploadAndFly();
    const stored = sim.state.jobs.get(Number(extJobId));
    expect(stored?.fileName).toBe('north-paddock.JOB');
    expect(stored?.job.polygons.map((p) => p.kind)).toEqual(['INC', 'EXC']);

    const logs = await client.service.getAircraftLogs(TEST_CREDS, '101');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ aircraftId: '101', extJobId });
    const download = await client.service.downloadAircraftLog(TEST_CREDS, logs[0], { maxBytes: 10 * 1024 * 1024 });
    const bytes = await collectLogDownload(download);
    expect(bytes.length).toBe(logs[0].sizeBytes);
    expect(download.receivedBytes).toBe(bytes.length);
    const decoded = await decodeFlightLogBuffer(bytes);
    expect(decoded.records.some((r) => r.type === 'jobHeader' && r.jobId === extJobId)).toBe(true);
  });

  it('filters logs by `since`', async () => {
    await uploadAndFly();
    expect(await client.service.getAircraftLogs(TEST_CREDS, '101', { since: new Date(Date.now() + 3600_000) })).toEqual([]);
  });

  it('reads the same data with or without envelope, in PascalCase or camelCase', async () => {
    await uploadAndFly();
    const seen: unknown[] = [];
    for (const envelope of [true, false]) {
      for (const casing of ['pascal', 'camel'] as const) {
        sim.responseStyle = { envelope, casing };
        await client.service.forgetCredentials(TEST_CREDS.customerId);
        seen.push([await client.service.getAircraftList(TEST_CREDS), await client.service.getAircraftLogs(TEST_CREDS, '101')]);
      }
    }
    expect(seen).toHaveLength(4);
    for (const result of seen) expect(result).toEqual(seen[0]);
  });

  it('sends a bearer token when one was issued', async () => {
    await client.service.getAircraftList(TEST_CREDS);
    const list = sim.state.requests.filter((r) => r.endpoint === 'GetAircraftList');
    expect(list.map((r) => r.hadAuthorization)).toEqual([true]);
  });

  it('sends no Authorization header when the partner issues no token', async () => {
    const tokenless = await startSimulator({ issueTokens: false });
    const other = testClient(tokenless.baseUrl);
    try {
      // Without tokens the simulator cannot tell callers apart: it shows every company's aircraft.
      expect(await other.service.getAircraftList(TEST_CREDS)).toHaveLength(3);
      const calls = tokenless.state.requests.filter((r) => r.endpoint !== 'AuthenticateAPIUser');
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((r) => !r.hadAuthorization)).toBe(true);
    } finally {
      await other.factory.close();
      await tokenless.close();
    }
  });

  it('authenticates once for many calls and for 50 concurrent calls (single flight)', async () => {
    await Promise.all(Array.from({ length: 50 }, () => client.service.getAircraftList(TEST_CREDS)));
    await client.service.getAircraftList(TEST_CREDS);
    expect(sim.state.authentications).toBe(1);
    expect(count('GetAircraftList')).toBe(51);
  });

  it('re-authenticates once when a token stops working mid-session', async () => {
    await client.service.getAircraftList(TEST_CREDS);
    sim.state.expireTokens();
    expect(await client.service.getAircraftList(TEST_CREDS)).toHaveLength(2);
    expect(sim.state.authentications).toBe(2);
    expect(sim.state.requests.filter((r) => r.endpoint === 'GetAircraftList').map((r) => r.status)).toEqual([200, 401, 200]);
  });

  it('gives up with an auth error when the fresh token is refused too', async () => {
    sim.faults.set('GetAircraftList', { failure: { kind: 'token-expired' } });
    const error = await client.service.getAircraftList(TEST_CREDS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerAuthError);
    expect(error).toMatchObject({ httpStatus: 401, credentialsRejected: false, retryable: true });
    expect(sim.state.authentications).toBe(2);
    expect(count('GetAircraftList')).toBe(2);
  });

  it('reports rejected credentials as a non-retried auth error', async () => {
    const error = await client.service.getAircraftList({ ...TEST_CREDS, password: 'wrong' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerAuthError);
    expect(error).toMatchObject({ endpoint: 'AuthenticateAPIUser', credentialsRejected: true });
    expect(count('AuthenticateAPIUser')).toBe(1);
  });
});

describe('error classes and in-call retries', () => {
  it('retries a 5xx on an idempotent call and succeeds', async () => {
    sim.faults.set('GetAircraftList', { failure: { kind: 'status', status: 502 }, times: 2 });
    expect(await client.service.getAircraftList(TEST_CREDS)).toHaveLength(2);
    expect(count('GetAircraftList')).toBe(3);
  });

  it('raises partner-down after the last attempt of a 5xx', async () => {
    sim.faults.set('GetAircraftList', { failure: { kind: 'status', status: 500 } });
    const error = await client.service.getAircraftList(TEST_CREDS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerDownError);
    expect(error).toMatchObject({ category: 'partner-down', retryable: true, httpStatus: 500, endpoint: 'GetAircraftList' });
    expect(count('GetAircraftList')).toBe(3);
  });

  it('treats a load balancer 503 page as partner-down', async () => {
    sim.faults.set('*', { failure: { kind: 'down' } });
    const error = await client.service.getAircraftList(TEST_CREDS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerDownError);
  });

  it('never retries an upload (not idempotent)', async () => {
    sim.faults.set('UploadJobData', { failure: { kind: 'status', status: 500 } });
    const error = await client.service
      .uploadJobDataToAircraft(TEST_CREDS, { aircraftId: '101', jobFile: TEST_JOB_TEXT, fileName: 'a.JOB' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerDownError);
    expect(count('UploadJobData')).toBe(1);
    expect(sim.state.jobs.size).toBe(0);
  });

  it('raises not-found without retrying', async () => {
    const error = await client.service.getAircraftLogs(TEST_CREDS, 'H-7').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerNotFoundError);
    expect(error).toMatchObject({ retryable: false, httpStatusHint: 404 });
    expect(count('GetAircraftLogs')).toBe(1);
  });

  it('refuses an invalid .JOB file before sending it', async () => {
    const error = await client.service
      .uploadJobDataToAircraft(TEST_CREDS, { aircraftId: '101', jobFile: 'not a job', fileName: 'x.JOB' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerDataFormatError);
    expect(error).toMatchObject({ field: 'jobFile', retryable: false });
    expect(count('UploadJobData')).toBe(0);
  });

  it('classifies a reset connection as a retryable network error', async () => {
    sim.faults.set('GetAircraftList', { failure: { kind: 'reset' }, times: 1 });
    expect(await client.service.getAircraftList(TEST_CREDS)).toHaveLength(2);
    sim.faults.set('GetAircraftList', { failure: { kind: 'reset' } });
    const error = await client.service.getAircraftList(TEST_CREDS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerNetworkTimeoutError);
    expect(error).toMatchObject({ category: 'network-timeout', retryable: true });
  });

  it('times out a call that gets no answer in time', async () => {
    const slow = testClient(sim.baseUrl, { satloc: { timeoutMs: 100, retry: { maxAttempts: 1 } } });
    await slow.service.verifyCredentials(TEST_CREDS);
    sim.faults.set('GetAircraftList', { latencyMs: 1_000 });
    const error = await slow.service.getAircraftList(TEST_CREDS).catch((e: unknown) => e);
    await slow.factory.close();
    expect(error).toBeInstanceOf(PartnerNetworkTimeoutError);
  });

  it('waits out a short Retry-After and then succeeds', async () => {
    sim.faults.set('GetAircraftList', { failure: { kind: 'rate-limit', retryAfterS: 1 }, times: 1 });
    expect(await client.service.getAircraftList(TEST_CREDS)).toHaveLength(2);
    expect(sim.state.requests.filter((r) => r.endpoint === 'GetAircraftList').map((r) => r.status)).toEqual([429, 200]);
  });

  it('hands a long Retry-After (HTTP-date) to the caller instead of waiting in the call', async () => {
    sim.faults.set('GetAircraftList', { failure: { kind: 'rate-limit', retryAfterS: 120, httpDate: true } });
    const error = await client.service.getAircraftList(TEST_CREDS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerRateLimitError);
    const retryAfterMs = (error as PartnerRateLimitError).retryAfterMs ?? 0;
    expect(retryAfterMs).toBeGreaterThan(100_000);
    expect(retryAfterMs).toBeLessThanOrEqual(120_000);
    expect(count('GetAircraftList')).toBe(1);
  });

  it('counts requests by endpoint and outcome, and auth cache use', async () => {
    sim.faults.set('GetAircraftList', { failure: { kind: 'status', status: 503 }, times: 1 });
    await client.service.getAircraftList(TEST_CREDS);
    await client.service.getAircraftList(TEST_CREDS);
    const text = await client.registry.metrics();
    expect(text).toContain('agair_partner_requests_total{partner_code="SATLOC",endpoint="GetAircraftList",outcome="partner-down"} 1');
    expect(text).toContain('agair_partner_requests_total{partner_code="SATLOC",endpoint="GetAircraftList",outcome="success"} 2');
    expect(text).toContain('agair_partner_auth_cache_total{partner_code="SATLOC",result="hit"} 1');
    expect(text).toContain('agair_partner_auth_cache_total{partner_code="SATLOC",result="miss"} 1');
    expect(text).toMatch(/agair_partner_request_duration_seconds_count\{partner_code="SATLOC",endpoint="AuthenticateAPIUser",outcome="success"\} 1/);
  });
});

describe('log downloads', () => {
  async function firstLog() {
    await uploadAndFly();
    const [log] = await client.service.getAircraftLogs(TEST_CREDS, '101');
    return log;
  }

  it('refuses a log announced larger than the cap without reading it', async () => {
    const log = await firstLog();
    const error = await client.service.downloadAircraftLog(TEST_CREDS, log, { maxBytes: 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerDataFormatError);
    expect(error).toMatchObject({ field: 'content-length', endpoint: 'GetAircraftLogData', retryable: false });
  });

  it('rejects a body cut short by a dropped connection as a retryable network error', async () => {
    const log = await firstLog();
    sim.faults.set('GetAircraftLogData', { truncate: { atBytes: 1000, mode: 'drop-connection' } });
    const download = await client.service.downloadAircraftLog(TEST_CREDS, log, { maxBytes: 10 * 1024 * 1024 });
    const error = await collectLogDownload(download).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerNetworkTimeoutError);
    expect((error as Error).message).toMatch(/cut short after \d+ of \d+ bytes/);
  });

  it('rejects a shorter file than the log list announced', async () => {
    const log = await firstLog();
    sim.faults.set('GetAircraftLogData', { truncate: { atBytes: 1000, mode: 'short-file' } });
    const error = await client.service.downloadAircraftLog(TEST_CREDS, log, { maxBytes: 10 * 1024 * 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerDataFormatError);
    expect((error as Error).message).toContain(`the log list says ${log.sizeBytes}`);
  });

  it('fails a download that stalls longer than the idle timeout', async () => {
    const log = await firstLog();
    sim.faults.set('GetAircraftLogData', { trickle: { chunkBytes: 512, intervalMs: 3_000 } });
    const download = await client.service.downloadAircraftLog(TEST_CREDS, log, { maxBytes: 10 * 1024 * 1024 });
    const error = await collectLogDownload(download).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerNetworkTimeoutError);
  });

  it('delivers a slow trickle that keeps moving', async () => {
    const log = await firstLog();
    sim.faults.set('GetAircraftLogData', { trickle: { chunkBytes: 16 * 1024, intervalMs: 5 } });
    const bytes = await collectLogDownload(await client.service.downloadAircraftLog(TEST_CREDS, log, { maxBytes: 10 * 1024 * 1024 }));
    expect(bytes.length).toBe(log.sizeBytes);
  });

  it('serves corrupt files with the right size (only the decoder can tell)', async () => {
    const log = await firstLog();
    sim.faults.set('GetAircraftLogData', { corruptBytes: 5 });
    const bytes = await collectLogDownload(await client.service.downloadAircraftLog(TEST_CREDS, log, { maxBytes: 10 * 1024 * 1024 }));
    expect(bytes.length).toBe(log.sizeBytes);
    expect(bytes.equals(sim.state.logs.get(log.logId)?.bytes ?? Buffer.alloc(0))).toBe(false);
  });
});
