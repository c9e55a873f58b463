import { PartnerCode } from '@agair/domain-models';
import { testServices, uniqueName } from '@agair/testing';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPartnerServiceFactory, type PartnerServiceFactory } from '../partner-service.factory.js';
import type { PartnerService } from '../partner.contract.js';
import { secretForms } from '../redaction/secret.redactor.js';
import type { SatlocSimulator } from '../simulator/satloc-simulator.app.js';
import { deleteKeys, Redis } from '../testing/redis.test-helpers.js';
import { TEST_CREDS, TEST_PASSWORD, startSimulator } from '../testing/satloc.test-helpers.js';

let sim: SatlocSimulator;
let keyPrefix: string;
const connections: Redis[] = [];
const factories: PartnerServiceFactory[] = [];

/** A client as one replica would have it: its own Redis connection, factory and metrics. */
function replica(): PartnerService {
  const redis = new Redis(testServices().redisUrl, { maxRetriesPerRequest: 1 });
  connections.push(redis);
  const factory = createPartnerServiceFactory({
    redis,
    metrics: new Registry(),
    keyPrefix,
    satloc: { baseUrl: sim.baseUrl, timeoutMs: 5_000, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 } },
  });
  factories.push(factory);
  return factory.get(PartnerCode.SATLOC);
}

beforeEach(async () => {
  sim = await startSimulator();
  keyPrefix = `${uniqueName('partner_sdk_auth')}:`;
});
afterEach(async () => {
  await Promise.all(factories.splice(0).map((f) => f.close()));
  if (connections[0]) await deleteKeys(connections[0], keyPrefix);
  await Promise.all(connections.splice(0).map((c) => c.quit()));
  await sim.close();
});

describe('SatLoc auth cache in Redis', () => {
  it('authenticates once for 50 concurrent calls of one customer (single flight)', async () => {
    const service = replica();
    const lists = await Promise.all(Array.from({ length: 50 }, () => service.getAircraftList(TEST_CREDS)));
    expect(lists.every((l) => l.length === 2)).toBe(true);
    expect(sim.state.counters().requests.AuthenticateAPIUser).toBe(1);
  });

  it('shares the cached session with another replica, under a key without the password', async () => {
    await replica().getAircraftList(TEST_CREDS);
    await replica().getAircraftList(TEST_CREDS);
    expect(sim.state.authentications).toBe(1);

    const redis = connections[0];
    const key = `${keyPrefix}auth:SATLOC:${TEST_CREDS.customerId}`;
    const ttlMs = await redis.pttl(key);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(3600_000);
    const keys = await redis.keys(`${keyPrefix}*`);
    const values = await Promise.all(keys.map((k) => redis.get(k)));
    for (const text of [...keys, ...values.map(String)]) for (const form of secretForms(TEST_PASSWORD)) expect(text).not.toContain(form);
  });

  it('re-authenticates exactly once when the partner revokes the token mid-session', async () => {
    const service = replica();
    await service.getAircraftList(TEST_CREDS);
    const cached = await connections[0].get(`${keyPrefix}auth:SATLOC:${TEST_CREDS.customerId}`);
    sim.state.expireTokens();
    const lists = await Promise.all(Array.from({ length: 10 }, () => service.getAircraftList(TEST_CREDS)));
    expect(lists.every((l) => l.length === 2)).toBe(true);
    expect(sim.state.authentications).toBe(2);
    const refreshed = await connections[0].get(`${keyPrefix}auth:SATLOC:${TEST_CREDS.customerId}`);
    expect(refreshed).not.toBeNull();
    expect(refreshed).not.toBe(cached);
  });
});
