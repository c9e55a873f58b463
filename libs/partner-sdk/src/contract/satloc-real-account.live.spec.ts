import { PartnerCode } from '@agair/domain-models';
import { Registry } from 'prom-client';
import { createPartnerServiceFactory } from '../partner-service.factory.js';
import { MemoryPartnerStateStore } from '../resilience/memory-partner-state.store.js';
import { TEST_JOB_TEXT } from '../testing/satloc.test-helpers.js';
import { describePartnerServiceContract } from './partner-service.contract.suite.js';

// Run with `npm run test:contract:satloc` (libs/partner-sdk). Never part of the unit or
// integration runs: it talks to a real SatLoc Cloud account.
const env = {
  baseUrl: process.env.SATLOC_BASE_URL,
  username: process.env.SATLOC_USERNAME,
  password: process.env.SATLOC_PASSWORD,
  uploadAircraftId: process.env.SATLOC_CONTRACT_UPLOAD_AIRCRAFT_ID,
};
const missing = (['SATLOC_BASE_URL', 'SATLOC_USERNAME', 'SATLOC_PASSWORD'] as const).filter((name) => !process.env[name]);
if (missing.length > 0) {
  throw new Error(
    `The SatLoc contract run needs ${missing.join(', ')} (base URL ending in /api/Satloc, and an account's credentials); ` +
      'SATLOC_CONTRACT_UPLOAD_AIRCRAFT_ID optionally names an aircraft that may receive a test job.',
  );
}

describePartnerServiceContract(
  `SatLoc client against ${env.baseUrl}`,
  async () => {
    const factory = createPartnerServiceFactory({
      stateStore: new MemoryPartnerStateStore(),
      metrics: new Registry(),
      satloc: { baseUrl: env.baseUrl as string, timeoutMs: 30_000 },
    });
    return {
      service: factory.get(PartnerCode.SATLOC),
      creds: { customerId: 'contract-test', username: env.username as string, password: env.password as string },
      jobText: TEST_JOB_TEXT,
      produceLogs: null,
      close: () => factory.close(),
    };
  },
  { uploadAircraftId: env.uploadAircraftId ?? null },
);
