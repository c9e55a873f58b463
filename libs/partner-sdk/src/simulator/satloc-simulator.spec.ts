import { decodeFlightLogBuffer } from '@agair/satloc-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CREDS, TEST_JOB_TEXT, startSimulator } from '../testing/satloc.test-helpers.js';
import type { SatlocSimulator } from './satloc-simulator.app.js';

let sim: SatlocSimulator;
beforeEach(async () => {
  sim = await startSimulator({ seed: 7 });
});
afterEach(async () => {
  await sim.close();
});

const admin = (path: string, init?: { method?: string; body?: unknown }) =>
  fetch(`${sim.url}/__admin${path}`, {
    method: init?.method ?? 'GET',
    headers: init?.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });

async function tokenFor(method: 'GET' | 'POST' = 'GET'): Promise<string> {
  const q = new URLSearchParams({ username: TEST_CREDS.username, password: TEST_CREDS.password });
  const res = await fetch(`${sim.baseUrl}/AuthenticateAPIUser?${q}`, { method });
  const body = (await res.json()) as { Result: { Token: string } };
  return body.Result.Token;
}

async function upload(token: string): Promise<number> {
  const form = new FormData();
  form.append('aircraftId', '101');
  form.append('file', new Blob([TEST_JOB_TEXT]), 'paddock.JOB');
  const res = await fetch(`${sim.baseUrl}/UploadJobData`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { Result: { JobId: number } }).Result.JobId;
}

describe('SatLoc Cloud simulator', () => {
  it('authenticates with GET, as documented, and with POST', async () => {
    for (const method of ['GET', 'POST'] as const) expect(await tokenFor(method)).toEqual(expect.any(String));
    expect(sim.state.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    expect(sim.state.authentications).toBe(2);
  });

  it('flies an uploaded job and keeps the ground truth of the log', async () => {
    const jobId = await upload(await tokenFor());
    const produced = (await (await admin('/logs/produce', { method: 'POST', body: {} })).json()) as { produced: { logId: string }[] };
    expect(produced.produced).toHaveLength(1);
    const truth = (await (await admin(`/logs/${produced.produced[0].logId}/ground-truth`)).json()) as {
      jobId: number;
      groundTruth: { fieldAreaHa: number; treatedAreaHa: number; volumeAppliedL: number };
    };
    expect(truth.jobId).toBe(jobId);
    // The .JOB field is ~300 m × 200 m minus a ~50 m × 45 m pond: about 5.8 ha.
    expect(truth.groundTruth.fieldAreaHa).toBeGreaterThan(5.4);
    expect(truth.groundTruth.fieldAreaHa).toBeLessThan(6.2);
    expect(truth.groundTruth.volumeAppliedL).toBeGreaterThan(0);

    const bytes = sim.state.logs.get(produced.produced[0].logId)?.bytes ?? Buffer.alloc(0);
    const decoded = await decodeFlightLogBuffer(bytes);
    expect(decoded.records.filter((r) => r.type === 'gnssFix').length).toBeGreaterThan(100);
  });

  it('produces logs by itself after an upload in timer mode', async () => {
    const timed = await startSimulator({ logProduction: { mode: 'timer', delayMs: 10 } });
    try {
      const q = new URLSearchParams({ username: TEST_CREDS.username, password: TEST_CREDS.password });
      const token = ((await (await fetch(`${timed.baseUrl}/AuthenticateAPIUser?${q}`)).json()) as { Result: { Token: string } }).Result.Token;
      const form = new FormData();
      form.append('aircraftId', '101');
      form.append('file', new Blob([TEST_JOB_TEXT]), 'p.JOB');
      await fetch(`${timed.baseUrl}/UploadJobData`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
      for (let i = 0; i < 100 && timed.state.logs.size === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(timed.state.logs.size).toBe(1);
    } finally {
      await timed.close();
    }
  });

  it('sets and clears faults through the admin API', async () => {
    const set = await admin('/faults/GetAircraftList', { method: 'PUT', body: { failure: { kind: 'status', status: 503 }, times: 1 } });
    expect(set.status).toBe(200);
    const token = await tokenFor();
    const call = () => fetch(`${sim.baseUrl}/GetAircraftList`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call()).status).toBe(503);
    expect((await call()).status).toBe(200);
    expect((await admin('/faults/Nope', { method: 'PUT', body: {} })).status).toBe(404);
    expect((await admin('/faults/IsAlive', { method: 'PUT', body: { latencyMs: -1 } })).status).toBe(400);
    const counters = (await (await admin('/counters')).json()) as { requests: Record<string, number>; authentications: number };
    expect(counters).toMatchObject({ authentications: 1, requests: { GetAircraftList: 2, AuthenticateAPIUser: 1 } });
  });

  it('refuses a token after the admin expires tokens', async () => {
    const token = await tokenFor();
    await admin('/tokens/expire', { method: 'POST' });
    const res = await fetch(`${sim.baseUrl}/GetAircraftList`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  it('rejects an upload that is not a valid .JOB file', async () => {
    const form = new FormData();
    form.append('aircraftId', '101');
    form.append('file', new Blob(['hello']), 'x.JOB');
    const res = await fetch(`${sim.baseUrl}/UploadJobData`, { method: 'POST', body: form, headers: { authorization: `Bearer ${await tokenFor()}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { ErrorMessage: string }).ErrorMessage).toMatch(/Invalid job file/);
  });

  it('guards the admin API with a token when configured', async () => {
    const guarded = await startSimulator({ adminToken: 'let-me-in' });
    try {
      expect((await fetch(`${guarded.url}/__admin/counters`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/__admin/counters`, { headers: { 'x-admin-token': 'let-me-in' } })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
