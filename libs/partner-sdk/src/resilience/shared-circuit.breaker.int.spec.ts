import { PartnerCode } from '@agair/domain-models';
import { testServices, uniqueName, waitFor } from '@agair/testing';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartnerDownError } from '../errors/partner.errors.js';
import { createPartnerServiceFactory, type PartnerServiceFactory } from '../partner-service.factory.js';
import type { SatlocPartnerService } from '../satloc/satloc.client.js';
import type { SatlocSimulator } from '../simulator/satloc-simulator.app.js';
import { deleteKeys, Redis } from '../testing/redis.test-helpers.js';
import { TEST_CREDS, startSimulator } from '../testing/satloc.test-helpers.js';

const OPEN_MS = 400;

let sim: SatlocSimulator;
let keyPrefix: string;
const connections: Redis[] = [];
const factories: PartnerServiceFactory[] = [];

function replica(): SatlocPartnerService {
  const redis = new Redis(testServices().redisUrl, { maxRetriesPerRequest: 1 });
  connections.push(redis);
  const factory = createPartnerServiceFactory({
    redis,
    metrics: new Registry(),
    keyPrefix,
    satloc: {
      baseUrl: sim.baseUrl,
      timeoutMs: 5_000,
      retry: { maxAttempts: 1 },
      breaker: { failureThreshold: 3, failureWindowMs: 30_000, openMs: OPEN_MS, probeTimeoutMs: 5_000 },
    },
  });
  factories.push(factory);
  return factory.get(PartnerCode.SATLOC) as SatlocPartnerService;
}

const listCalls = (): number => sim.state.counters().requests.GetAircraftList ?? 0;

beforeEach(async () => {
  sim = await startSimulator();
  keyPrefix = `${uniqueName('partner_sdk_breaker')}:`;
});
afterEach(async () => {
  await Promise.all(factories.splice(0).map((f) => f.close()));
  if (connections[0]) await deleteKeys(connections[0], keyPrefix);
  await Promise.all(connections.splice(0).map((c) => c.quit()));
  await sim.close();
});

describe('circuit breaker shared through Redis', () => {
  it('opens after failures on one replica, rejects fast on both, and closes after one successful probe', async () => {
    const a = replica();
    const b = replica();
    await a.verifyCredentials(TEST_CREDS);
    await b.verifyCredentials(TEST_CREDS);

    sim.faults.set('GetAircraftList', { failure: { kind: 'status', status: 503 } });
    for (let i = 0; i < 3; i++) await expect(a.getAircraftList(TEST_CREDS)).rejects.toBeInstanceOf(PartnerDownError);
    expect(listCalls()).toBe(3);

    // Open: neither replica reaches the partner.
    for (const replicaService of [a, b]) {
      const error = await replicaService.getAircraftList(TEST_CREDS).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PartnerDownError);
      expect(error).toMatchObject({ circuitOpen: true, retryable: true });
    }
    expect(listCalls()).toBe(3);
    expect(await b.breakerState()).toBe('open');
    expect((await b.healthCheck()).reason).toBe('circuit-open');

    // The partner recovers; once the open period ends, exactly one call across replicas probes.
    sim.faults.clear();
    sim.faults.set('GetAircraftList', { latencyMs: 300 });
    await waitFor(async () => ((await b.breakerState()) === 'half-open' ? true : undefined), { timeoutMs: 5_000, intervalMs: 50, what: 'half-open' });
    const results = await Promise.allSettled([...Array.from({ length: 5 }, () => a.getAircraftList(TEST_CREDS)), ...Array.from({ length: 5 }, () => b.getAircraftList(TEST_CREDS))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof PartnerDownError)).toBe(true);
    expect(listCalls()).toBe(4);

    // Closed for everyone.
    sim.faults.clear();
    expect(await b.breakerState()).toBe('closed');
    expect(await b.getAircraftList(TEST_CREDS)).toHaveLength(2);
    expect(await a.getAircraftList(TEST_CREDS)).toHaveLength(2);
  });

  it('reopens when the half-open probe fails', async () => {
    const a = replica();
    const b = replica();
    await a.verifyCredentials(TEST_CREDS);
    sim.faults.set('GetAircraftList', { failure: { kind: 'status', status: 500 } });
    for (let i = 0; i < 3; i++) await a.getAircraftList(TEST_CREDS).catch(() => undefined);
    await waitFor(async () => ((await b.breakerState()) === 'half-open' ? true : undefined), { timeoutMs: 5_000, intervalMs: 50, what: 'half-open' });
    await expect(b.getAircraftList(TEST_CREDS)).rejects.toMatchObject({ circuitOpen: false, httpStatus: 500 });
    expect(await a.breakerState()).toBe('open');
    expect(listCalls()).toBe(4);
  });
});
