import { PartnerCode } from '@agair/domain-models';
import { Registry } from 'prom-client';
import type { PartnerLogger } from '../logger.js';
import type { PartnerCredentials } from '../partner.contract.js';
import { createPartnerServiceFactory, type PartnerServiceFactory } from '../partner-service.factory.js';
import type { PartnerStateStore } from '../resilience/partner-state.store.js';
import { MemoryPartnerStateStore } from '../resilience/memory-partner-state.store.js';
import type { SatlocPartnerService } from '../satloc/satloc.client.js';
import type { SatlocClientSettings } from '../satloc/satloc.config.js';
import { createSatlocSimulator, type SatlocSimulator, type SatlocSimulatorOptions } from '../simulator/satloc-simulator.app.js';

/** A password with characters that change under URL encoding, so every encoded form is checked. */
export const TEST_PASSWORD = 'Fly&Spray#2024!secret pw';

export const TEST_CREDS: PartnerCredentials = { customerId: '665f1c2ab3e4d5f6a7b8c9d0', username: 'ops@valley-ag', password: TEST_PASSWORD };
export const OTHER_CREDS: PartnerCredentials = { customerId: '665f1c2ab3e4d5f6a7b8c9d1', username: 'ops@hill-ag', password: 'hill-password-1' };

export const SEED = {
  companies: [
    { companyId: 'valley', name: 'Valley Ag Aviation' },
    { companyId: 'hill', name: 'Hill Top Spraying' },
  ],
  users: [
    { username: TEST_CREDS.username, password: TEST_PASSWORD, companyId: 'valley' },
    { username: OTHER_CREDS.username, password: OTHER_CREDS.password, companyId: 'hill' },
  ],
  aircraft: [
    { aircraftId: '101', companyId: 'valley', tailNumber: 'N101AG', name: 'Air Tractor 802' },
    { aircraftId: '102', companyId: 'valley', tailNumber: 'N102AG', name: 'Thrush 510G' },
    { aircraftId: 'H-7', companyId: 'hill', tailNumber: 'N77HT', name: 'Air Tractor 502' },
  ],
};

/** A small field (about 300 m × 200 m) with one exclusion zone, as a .JOB file. */
export const TEST_JOB_TEXT = [
  '.JOB 4711 North Paddock',
  '.VERSION 2',
  '.POL 1 Field',
  'INC',
  '40.100000 -98.300000',
  '40.100000 -98.296475',
  '40.101800 -98.296475',
  '40.101800 -98.300000',
  '.POL 2 Pond',
  'EXC',
  '40.100600 -98.298800',
  '40.100600 -98.298200',
  '40.101000 -98.298200',
  '40.101000 -98.298800',
  '',
].join('\r\n');

export async function startSimulator(options: SatlocSimulatorOptions = {}): Promise<SatlocSimulator> {
  const sim = await createSatlocSimulator({ initial: SEED, ...options });
  await sim.listen();
  return sim;
}

export interface TestClient {
  factory: PartnerServiceFactory;
  service: SatlocPartnerService;
  registry: Registry;
}

/** A SatLoc client on the simulator with fast timings; state in memory unless a store is given. */
export function testClient(
  baseUrl: string,
  options: { store?: PartnerStateStore; logger?: PartnerLogger; keyPrefix?: string; satloc?: Partial<SatlocClientSettings> } = {},
): TestClient {
  const registry = new Registry();
  const factory = createPartnerServiceFactory({
    stateStore: options.store ?? new MemoryPartnerStateStore(),
    metrics: registry,
    logger: options.logger,
    keyPrefix: options.keyPrefix,
    satloc: {
      baseUrl,
      timeoutMs: 2_000,
      downloadIdleTimeoutMs: 1_000,
      random: () => 0.5,
      ...options.satloc,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000, ...options.satloc?.retry },
      breaker: { failureThreshold: 50, failureWindowMs: 60_000, openMs: 200, probeTimeoutMs: 2_000, ...options.satloc?.breaker },
    },
  });
  return { factory, service: factory.get(PartnerCode.SATLOC) as SatlocPartnerService, registry };
}
