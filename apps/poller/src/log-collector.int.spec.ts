import { randomBytes } from 'node:crypto';
import { PartnerCode, Role } from '@agair/domain-models';
import type { TaskPublisher } from '@agair/messaging';
import { MemoryPartnerStateStore, createPartnerServiceFactory, type PartnerServiceFactory } from '@agair/partner-sdk';
import { createSatlocSimulator, type SatlocSimulator } from '@agair/partner-sdk/simulator';
import { CredentialCipher, createRepositories, ensureIndexes, type Repositories } from '@agair/persistence';
import { createLogger, createMetricsRegistry } from '@agair/service-kit';
import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LogCollector } from './log-collector.js';
import { pollerMetrics } from './metrics.js';

const PASSWORD = 'Sim-Passw0rd!';

describe('log collection follows the partner registry (FerretDB and the SatLoc simulator)', () => {
  const client = new MongoClient(withDatabase(testServices().mongoUrl, uniqueName('it_collect')), { retryWrites: false });
  let repositories: Repositories;
  let simulator: SatlocSimulator;
  let partners: PartnerServiceFactory;
  let collector: LogCollector;
  const publish = vi.fn(async () => undefined);

  /** A customer at SatLoc with credentials, one aircraft, an UPLOADED assignment on it and a new log there. */
  async function flyingCustomer(name: string, companyId: string, aircraftId: string, subscribed: boolean): Promise<{ customerId: string; logId: string }> {
    simulator.state.seed({
      companies: [{ companyId, name }],
      users: [{ username: `${companyId}-api`, password: PASSWORD, companyId }],
      aircraft: [{ aircraftId, companyId, tailNumber: `N${aircraftId}`, name: 'AT-802' }],
    });
    const partner = await repositories.partners.findByCode(PartnerCode.SATLOC);
    if (!partner) throw new Error('expected the SatLoc partner');
    const customer = await repositories.customers.create({ name, partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: subscribed }] });
    await repositories.partnerSystemUsers.create({ partnerId: partner.id, partnerCode: PartnerCode.SATLOC, customerId: customer.id, username: `${companyId}-api`, password: PASSWORD });
    const pilot = await repositories.internalUsers.create({
      username: `pilot-${companyId}`,
      name: `Pilot ${aircraftId}`,
      role: Role.CUSTOMER,
      customerId: customer.id,
      partnerInfo: { partnerCode: PartnerCode.SATLOC, partnerAircraftId: aircraftId },
    });
    const { assign } = await repositories.jobAssigns.assign({ jobId: pilot.id, userId: pilot.id, customerId: customer.id, partnerCode: PartnerCode.SATLOC, partnerAircraftId: aircraftId });
    await repositories.jobAssigns.markUploaded(customer.id, assign.id, aircraftId);
    return { customerId: customer.id, logId: simulator.state.addRawLog({ aircraftId, bytes: randomBytes(2048) }).logId };
  }

  async function trackedLogIds(customerId: string): Promise<string[]> {
    return (await repositories.partnerLogTrackers.listByCustomer(customerId)).map((t) => t.logId);
  }

  beforeAll(async () => {
    await ensureIndexes(client.db());
    repositories = createRepositories(client.db(), { credentialKeys: CredentialCipher.fromConfig({ keys: { k1: randomBytes(32).toString('base64') }, activeKeyId: 'k1' }) });
    simulator = await createSatlocSimulator({ seed: 3, logProduction: { mode: 'manual' } });
    await simulator.listen();
    await repositories.partners.create({ code: PartnerCode.SATLOC, name: 'SatLoc', baseUrl: simulator.baseUrl, capabilities: ['job_upload', 'log_download'] });
    partners = createPartnerServiceFactory({ stateStore: new MemoryPartnerStateStore(), metrics: createMetricsRegistry('poller-test'), satloc: { baseUrl: simulator.baseUrl } });
    collector = new LogCollector(
      {
        repositories,
        partners,
        publisher: { publish } as unknown as TaskPublisher,
        logger: createLogger({ name: 'poller-test', level: 'silent' }),
        metrics: pollerMetrics(createMetricsRegistry('poller-test')),
      },
      { owner: 'it-poller', concurrency: 2, downloadLeaseMs: 60_000, maxAttempts: 3, maxLogBytes: 1024 * 1024, lookbackMs: 3_600_000 },
    );
  });

  afterAll(async () => {
    await partners?.close();
    await simulator?.close();
    await client.db().dropDatabase();
    await client.close();
  });

  it('calls the partner for nothing on behalf of a customer without an active subscription, and collects once it is subscribed', async () => {
    const subscribed = await flyingCustomer('Prairie Aerial', 'C1', '101', true);
    const unsubscribed = await flyingCustomer('Lapsed Ag', 'C2', '201', false);
    simulator.state.requests.splice(0);

    const run = await collector.runCycle();
    expect(run.errors).toEqual([]);
    expect(run.counters).toMatchObject({ customers: 1, aircraft: 1, downloaded: 1 });
    expect(await trackedLogIds(subscribed.customerId)).toEqual([subscribed.logId]);
    expect(await trackedLogIds(unsubscribed.customerId)).toEqual([]);
    // One login and one aircraft listed: the subscribed customer's.
    expect(simulator.state.requests.filter((r) => r.endpoint === 'AuthenticateAPIUser')).toHaveLength(1);
    expect(simulator.state.requests.filter((r) => r.endpoint === 'GetAircraftLogs')).toHaveLength(1);

    await repositories.customers.update(unsubscribed.customerId, { partnerSubscriptions: [{ partnerCode: PartnerCode.SATLOC, active: true }] });
    const next = await collector.runCycle();
    expect(next.counters).toMatchObject({ customers: 2, downloaded: 1 });
    expect(await trackedLogIds(unsubscribed.customerId)).toEqual([unsubscribed.logId]);
  });
});
