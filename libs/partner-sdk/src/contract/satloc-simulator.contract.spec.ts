import { PartnerCode } from '@agair/domain-models';
import { TEST_CREDS, TEST_JOB_TEXT, startSimulator, testClient } from '../testing/satloc.test-helpers.js';
import { describePartnerServiceContract } from './partner-service.contract.suite.js';

describePartnerServiceContract(
  'SatLoc client against the simulator',
  async () => {
    const sim = await startSimulator();
    const { factory } = testClient(sim.baseUrl);
    return {
      service: factory.get(PartnerCode.SATLOC),
      creds: TEST_CREDS,
      jobText: TEST_JOB_TEXT,
      produceLogs: async () => {
        sim.produceLogs();
      },
      close: async () => {
        await factory.close();
        await sim.close();
      },
    };
  },
  { uploadAircraftId: '101' },
);
