import { Role } from '@agair/service-kit';
import { degradedWarnings, metricSample, readinessSummary, startOwnRedisServer, waitForDependencyDown, type OwnRedisServer } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPartnerApiHarness, type PartnerApiHarness } from '../test/partner-api.harness.js';

const SECRET = 'acme-sim-password-7';

// The app runs against a Redis server of this file's own, which the test stops: never the machine's.
describe('partner-api with Redis down', () => {
  let redisServer: OwnRedisServer;
  let harness: PartnerApiHarness;
  let admin: Record<string, string>;
  let customerId: string;
  const degradedCount = (feature: string) => metricSample(harness.app, 'agair_degraded_total', { dependency: 'redis', feature });

  beforeAll(async () => {
    redisServer = await startOwnRedisServer();
    harness = await startPartnerApiHarness({
      runPrefix: 'it_pa_redis_down',
      simInitial: {
        companies: [{ companyId: 'acme', name: 'Acme Aerial' }],
        users: [{ username: 'acme.api', password: SECRET, companyId: 'acme' }],
        aircraft: [{ aircraftId: '101', companyId: 'acme', tailNumber: 'N101AT', name: 'Air Tractor 802' }],
      },
      env: { REDIS_URL: redisServer.url },
    });
    const { app, sim } = harness;
    admin = harness.bearer(Role.ADMIN);
    const post = async (url: string, payload: object) => {
      const response = await app.inject({ method: 'POST', url, headers: admin, payload });
      expect(response.statusCode, response.body).toBe(201);
      return response.json().id as string;
    };
    const partnerId = await post('/api/partners', { code: 'SATLOC', name: 'SatLoc', baseUrl: sim.baseUrl, capabilities: ['job_upload', 'log_download', 'aircraft_list', 'health_check'] });
    customerId = await post('/api/customers', { name: 'Acme Aerial', partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] });
    await post('/api/partners/systemUsers', { partnerId, customerId, username: 'acme.api', password: SECRET });
    expect((await app.inject('/health/ready')).json()).toMatchObject({ status: 'ready' });

    await redisServer.stop();
    await waitForDependencyDown(app, 'redis');
  });

  afterAll(async () => {
    await harness?.close();
    await redisServer?.stop();
  });

  it('stays ready, reporting Redis down and the service degraded', async () => {
    expect(await readinessSummary(harness.app)).toEqual({ statusCode: 200, status: 'degraded', down: [{ name: 'redis', optional: true }] });
  });

  it('answers authenticated routes, the partner ones included (session and breaker kept in the process)', async () => {
    const rateLimitBefore = await degradedCount('rate_limit');
    const customers = await harness.app.inject({ method: 'GET', url: '/api/customers', headers: admin });
    expect(customers.statusCode, customers.body).toBe(200);

    const aircraft = await harness.app.inject({ method: 'GET', url: `/api/partners/aircraft?partnerCode=SATLOC&customerId=${customerId}`, headers: admin });
    expect(aircraft.statusCode, aircraft.body).toBe(200);
    expect(aircraft.json()).toEqual([expect.objectContaining({ partnerAircraftId: '101', tailNumber: 'N101AT' })]);

    // Two requests, each counted twice: per client address and per caller.
    expect(await degradedCount('rate_limit')).toBe(rateLimitBefore + 4);
    expect(await degradedCount('partner_state')).toBeGreaterThan(0);
    expect(degradedWarnings(harness.logs.records(), 'redis')).toEqual(['partner_state', 'rate_limit']);
  });
});
