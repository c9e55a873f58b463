import { PartnerCode } from '@agair/domain-models';
import { createSatlocSimulator, type SatlocSimulator } from '@agair/partner-sdk/simulator';
import { RedisConnection, createLogger, createMetricsRegistry, loadConfig } from '@agair/service-kit';
import { testServices, uniqueName } from '@agair/testing';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerEnv } from './config.js';
import { createPartners } from './partners.js';

const PartnerConfigSchema = Type.Object(PartnerEnv);
const credentials = { customerId: 'c'.repeat(24), username: 'prairie-api', password: 'Sim-Passw0rd!' };

describe('SatLoc authentication verb from the environment (SATLOC_AUTH_METHOD)', () => {
  const logger = createLogger({ name: 'partners-test', level: 'silent' });
  const prefix = `${uniqueName('it_auth')}:`;
  let redis: RedisConnection;
  let sim: SatlocSimulator;

  beforeAll(async () => {
    redis = new RedisConnection({ url: testServices().redisUrl, connectionName: 'runtime-partners-test', logger });
    sim = await createSatlocSimulator({
      initial: {
        companies: [{ companyId: 'C1', name: 'Prairie Aerial' }],
        users: [{ username: credentials.username, password: credentials.password, companyId: 'C1' }],
        aircraft: [{ aircraftId: '101', companyId: 'C1', tailNumber: 'N101PA', name: 'AT-802' }],
      },
    });
    await sim.listen();
  });

  afterAll(async () => {
    const keys = await redis.client.keys(`${prefix}*`);
    if (keys.length > 0) await redis.client.del(...keys);
    await redis.close();
    await sim.close();
  });

  it('is GET by default, as SatLoc documents it; POST when configured; anything else is a configuration error', async () => {
    for (const [env, sent] of [[{}, 'GET'], [{ SATLOC_AUTH_METHOD: 'POST' }, 'POST']] as const) {
      const config = loadConfig(PartnerConfigSchema, { SATLOC_BASE_URL: sim.baseUrl, PARTNER_STATE_KEY_PREFIX: `${prefix}${sent}:`, ...env });
      const partners = createPartners(redis, createMetricsRegistry('partners-test'), config, logger);
      try {
        sim.state.requests.splice(0);
        await partners.get(PartnerCode.SATLOC).getAircraftList(credentials);
        expect(sim.state.requests.filter((r) => r.endpoint === 'AuthenticateAPIUser').map((r) => r.method)).toEqual([sent]);
      } finally {
        await partners.close();
      }
    }
    expect(() => loadConfig(PartnerConfigSchema, { SATLOC_BASE_URL: sim.baseUrl, SATLOC_AUTH_METHOD: 'PUT' })).toThrow(/SATLOC_AUTH_METHOD/);
  });
});
