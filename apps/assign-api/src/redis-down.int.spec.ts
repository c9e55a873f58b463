import { PartnerCode } from '@agair/domain-models';
import { Role } from '@agair/service-kit';
import { degradedWarnings, metricSample, readinessSummary, startOwnRedisServer, uniqueName, waitForDependencyDown, type OwnRedisServer } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobBody, startAssignApiHarness, type AssignApiHarness } from '../test/assign-api.harness.js';

const degradedCount = (harness: AssignApiHarness, feature: string) => metricSample(harness.app, 'agair_degraded_total', { dependency: 'redis', feature });

// The app runs against a Redis server of this file's own, which the test stops: never the machine's.
describe('assign-api with Redis down', () => {
  let redisServer: OwnRedisServer;
  let harness: AssignApiHarness;
  let customer: Record<string, string>;
  const ids = { customer: '', internalPilot: '', satlocPilot: '' };

  beforeAll(async () => {
    redisServer = await startOwnRedisServer();
    harness = await startAssignApiHarness({
      runPrefix: 'it_assign_redis_down',
      simInitial: {
        companies: [{ companyId: 'c1', name: 'Prairie Ag Air' }],
        users: [{ username: 'prairie-api', password: 'sim-secret-pw-9', companyId: 'c1' }],
        aircraft: [{ aircraftId: '101', companyId: 'c1', tailNumber: 'N101PA', name: 'AT-802 #1' }],
      },
      env: { REDIS_URL: redisServer.url },
      logLevel: 'info',
    });
    const r = harness.db.repositories;
    ids.customer = (await r.customers.create({ name: 'Prairie Ag Air', partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] })).id;
    const partner = await r.partners.create({ code: PartnerCode.SATLOC, name: 'SatLoc', baseUrl: harness.sim.baseUrl, capabilities: ['job_upload', 'log_download', 'aircraft_list', 'health_check'] });
    await r.partnerSystemUsers.create({ partnerId: partner.id, customerId: ids.customer, username: 'prairie-api', password: 'sim-secret-pw-9', partnerCode: PartnerCode.SATLOC });
    ids.internalPilot = await harness.createUser('pilot-internal', ids.customer);
    ids.satlocPilot = await harness.createUser('pilot-satloc', ids.customer, '101');
    customer = harness.bearer(uniqueName('alice'), Role.CUSTOMER, ids.customer);

    // With Redis up: ready, and a repeated key is replayed.
    expect((await harness.app.inject('/health/ready')).json()).toMatchObject({ status: 'ready' });
    const jobId = (await harness.app.inject({ method: 'POST', url: '/api/jobs', headers: customer, payload: jobBody(ids.customer, 'Before the outage') })).json().id as string;
    const keyed = { method: 'POST' as const, url: `/api/jobs/${jobId}/assign`, headers: { ...customer, 'idempotency-key': uniqueName('up') }, payload: { asUsers: [{ uid: ids.internalPilot }] } };
    expect((await harness.app.inject(keyed)).statusCode).toBe(200);
    expect((await harness.app.inject(keyed)).headers['idempotent-replayed']).toBe('true');

    await redisServer.stop();
    await waitForDependencyDown(harness.app, 'redis');
  });

  afterAll(async () => {
    await harness?.close();
    await redisServer?.stop();
  });

  it('stays ready, reporting Redis down and the service degraded', async () => {
    expect(await readinessSummary(harness.app)).toEqual({ statusCode: 200, status: 'degraded', down: [{ name: 'redis', optional: true }] });
  });

  it('answers authenticated reads and creates jobs (rate limits counted in memory)', async () => {
    const before = await degradedCount(harness, 'rate_limit');
    const created = await harness.app.inject({ method: 'POST', url: '/api/jobs', headers: customer, payload: jobBody(ids.customer, 'During the outage') });
    expect(created.statusCode, created.body).toBe(201);
    const listed = await harness.app.inject({ method: 'GET', url: '/api/jobs', headers: customer });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().jobs.map((j: { name: string }) => j.name)).toContain('During the outage');
    // Two requests, each counted twice: per client address and per caller.
    expect(await degradedCount(harness, 'rate_limit')).toBe(before + 4);
  });

  it('assigns with an Idempotency-Key without the guarantee: a repeat runs again, is not marked replayed, and still makes one assignment and one upload', async () => {
    const jobId = (await harness.app.inject({ method: 'POST', url: '/api/jobs', headers: customer, payload: jobBody(ids.customer, 'Keyed during the outage') })).json().id as string;
    const request = {
      method: 'POST' as const,
      url: `/api/jobs/${jobId}/assign`,
      headers: { ...customer, 'idempotency-key': uniqueName('down') },
      payload: { asUsers: [{ uid: ids.satlocPilot }] },
    };
    const idempotencyBefore = await degradedCount(harness, 'idempotency');

    const first = await harness.app.inject(request);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(first.json().assignments[0]).toMatchObject({ userId: ids.satlocPilot, syncStatus: 'synced', status: 'UPLOADED', created: true });

    const repeat = await harness.app.inject(request);
    expect(repeat.statusCode, repeat.body).toBe(200);
    expect(repeat.headers['idempotent-replayed']).toBeUndefined();
    expect(repeat.json().assignments[0]).toMatchObject({ assignId: first.json().assignments[0].assignId, created: false });

    expect(await harness.db.repositories.jobAssigns.listByJob(ids.customer, jobId)).toHaveLength(1);
    expect([...harness.sim.state.jobs.values()].filter((j) => j.job.name === 'Keyed during the outage')).toHaveLength(1);
    expect(await degradedCount(harness, 'idempotency')).toBe(idempotencyBefore + 2);
    // The upload's partner session and breaker were kept in the process.
    expect(await degradedCount(harness, 'partner_state')).toBeGreaterThan(0);
  });

  it('warns once per feature for the outage, not per request', async () => {
    expect(degradedWarnings(harness.logs.records(), 'redis')).toEqual(['idempotency', 'partner_state', 'rate_limit']);
  });
});
