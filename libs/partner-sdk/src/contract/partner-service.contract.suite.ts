import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerAuthError, PartnerNotFoundError } from '../errors/partner.errors.js';
import { collectLogDownload } from '../log-download.collector.js';
import type { PartnerCredentials, PartnerLogSummary, PartnerService } from '../partner.contract.js';

export interface ContractTarget {
  service: PartnerService;
  creds: PartnerCredentials;
  /** The `.JOB` text uploaded by the upload case. */
  jobText: string;
  /** Makes the partner produce logs for uploaded jobs (simulator); null on a real account. */
  produceLogs: (() => Promise<void>) | null;
  close(): Promise<void>;
}

/**
 * What every PartnerService must do, run against the simulator in CI and against a real SatLoc
 * account by `npm run test:contract:satloc`. Read-only except the upload case.
 */
export interface ContractOptions {
  /** Aircraft that may receive a small test job; null: the upload case is reported as skipped. */
  uploadAircraftId: string | null;
  maxLogBytes?: number;
}

export function describePartnerServiceContract(name: string, setup: () => Promise<ContractTarget>, options: ContractOptions): void {
  const maxBytes = options.maxLogBytes ?? 256 * 1024 * 1024;
  const uploadAircraftId = options.uploadAircraftId;

  describe(`partner contract: ${name}`, () => {
    let target: ContractTarget;
    beforeAll(async () => {
      target = await setup();
    });
    afterAll(async () => {
      await target?.close();
    });

    it('reports itself healthy', async () => {
      const health = await target.service.healthCheck();
      expect(health).toMatchObject({ up: true, reason: null, breakerState: 'closed' });
    });

    it('accepts the account and rejects a wrong password as an auth error', async () => {
      await target.service.verifyCredentials(target.creds);
      const error = await target.service
        .verifyCredentials({ ...target.creds, customerId: `${target.creds.customerId}-wrong`, password: `${target.creds.password}-wrong` })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PartnerAuthError);
      expect(error).toMatchObject({ credentialsRejected: true });
    });

    it('lists aircraft with unique string ids', async () => {
      const aircraft = await target.service.getAircraftList(target.creds);
      expect(aircraft.length).toBeGreaterThan(0);
      for (const a of aircraft) expect(typeof a.aircraftId).toBe('string');
      expect(new Set(aircraft.map((a) => a.aircraftId)).size).toBe(aircraft.length);
    });

    // Uploading changes the account: on a real one it runs only when an aircraft is named for it,
    // and vitest lists it as skipped otherwise.
    it.skipIf(uploadAircraftId === null)('uploads a job file and returns the partner job id (needs an upload aircraft)', async () => {
      const result = await target.service.uploadJobDataToAircraft(target.creds, {
        aircraftId: uploadAircraftId as string,
        jobFile: target.jobText,
        fileName: 'agair-contract-test',
      });
      expect(result.extJobId).toMatch(/\S/);
      await target.produceLogs?.();
    });

    it('lists well-formed logs for every aircraft and downloads one whole', async () => {
      const aircraft = await target.service.getAircraftList(target.creds);
      let found: PartnerLogSummary | undefined;
      for (const a of aircraft) {
        const logs = await target.service.getAircraftLogs(target.creds, a.aircraftId);
        for (const log of logs) {
          expect(log.logId).toMatch(/\S/);
          expect(log.fileName).toMatch(/\S/);
          expect(log.sizeBytes === null || log.sizeBytes >= 0).toBe(true);
          expect(log.recordedAt === null || !Number.isNaN(Date.parse(log.recordedAt))).toBe(true);
        }
        found ??= logs.find((l) => l.sizeBytes === null || l.sizeBytes <= maxBytes);
      }
      expect(found, 'the account has no flight log to download').toBeDefined();
      const log = found as PartnerLogSummary;
      const bytes = await collectLogDownload(await target.service.downloadAircraftLog(target.creds, log, { maxBytes }));
      expect(bytes.length).toBeGreaterThan(0);
      if (log.sizeBytes !== null) expect(bytes.length).toBe(log.sizeBytes);
    });

    it('answers an unknown aircraft with not-found or an empty list', async () => {
      const result = await target.service.getAircraftLogs(target.creds, 'agair-no-such-aircraft-0000').catch((e: unknown) => e);
      if (Array.isArray(result)) expect(result).toEqual([]);
      else expect(result).toBeInstanceOf(PartnerNotFoundError);
    });
  });
}
