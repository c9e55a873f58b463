import { PartnerCode } from '@agair/domain-models';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PartnerNotImplementedError } from './errors/partner.errors.js';
import { createPartnerServiceFactory } from './partner-service.factory.js';
import { MemoryPartnerStateStore } from './resilience/memory-partner-state.store.js';

const factory = () =>
  createPartnerServiceFactory({
    stateStore: new MemoryPartnerStateStore(),
    metrics: new Registry(),
    satloc: { baseUrl: 'http://127.0.0.1:9/api/Satloc' },
  });

describe('createPartnerServiceFactory', () => {
  it('reuses one instance per partner code and base URL', async () => {
    const f = factory();
    const a = f.get(PartnerCode.SATLOC);
    expect(f.get(PartnerCode.SATLOC)).toBe(a);
    expect(f.get(PartnerCode.SATLOC, { baseUrl: 'http://127.0.0.1:9/api/Satloc' })).toBe(a);
    expect(f.get(PartnerCode.SATLOC, { baseUrl: 'http://127.0.0.2:9/api/Satloc' })).not.toBe(a);
    expect(a.capabilities).toEqual(['health_check', 'aircraft_list', 'log_download', 'job_upload']);
    await f.close();
  });

  it('answers every AGIDRONEX call with a typed not-implemented error (501)', async () => {
    const f = factory();
    const drone = f.get(PartnerCode.AGIDRONEX);
    expect(drone.capabilities).toEqual([]);
    const creds = { customerId: 'c', username: 'u', password: 'p' };
    const calls = [
      drone.healthCheck(),
      drone.verifyCredentials(creds),
      drone.getAircraftList(creds),
      drone.getAircraftLogs(creds, 'a'),
      drone.downloadAircraftLog(creds, 'l', { maxBytes: 1 }),
      drone.uploadJobDataToAircraft(creds, { aircraftId: 'a', jobFile: '', fileName: 'x.JOB' }),
    ];
    for (const call of calls) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PartnerNotImplementedError);
      expect(error).toMatchObject({ category: 'not-implemented', httpStatusHint: 501, retryable: false, partnerCode: 'AGIDRONEX' });
    }
    expect(f.planned).toContain('AGIDRONEX');
    await f.close();
  });

  it('refuses an unknown partner code with the same typed error', () => {
    expect(() => factory().get('ACME')).toThrow(PartnerNotImplementedError);
  });

  it('names storage paths per partner, customer, aircraft and log with safe characters', () => {
    const path = factory()
      .get(PartnerCode.SATLOC)
      .resolveLogStoragePath({ customerId: 'c1', aircraftId: 'N 101/AG', logId: '77', fileName: '../x.alog' });
    expect(path).toBe('satloc/c1/N_101_AG/77/__x.alog');
  });
});
