import { PartnerCode, type PartnerCapability } from '@agair/domain-models';
import { PartnerNotImplementedError } from '../errors/partner.errors.js';
import { logStoragePath, type LogStoragePathInput, type PartnerHealth, type PartnerService } from '../partner.contract.js';

/**
 * A partner that is registered and planned but has no client yet (AGIDRONEX). Every call
 * rejects with PartnerNotImplementedError (`httpStatusHint` 501), so an API answers clearly
 * instead of crashing, and a worker dead-letters the task.
 */
export class NotImplementedPartnerService implements PartnerService {
  readonly capabilities: readonly PartnerCapability[] = [];

  constructor(readonly partnerCode: PartnerCode = PartnerCode.AGIDRONEX) {}

  healthCheck(): Promise<PartnerHealth> {
    return this.reject('healthCheck');
  }
  verifyCredentials(): Promise<void> {
    return this.reject('verifyCredentials');
  }
  getAircraftList(): Promise<never> {
    return this.reject('getAircraftList');
  }
  getAircraftLogs(): Promise<never> {
    return this.reject('getAircraftLogs');
  }
  downloadAircraftLog(): Promise<never> {
    return this.reject('downloadAircraftLog');
  }
  uploadJobDataToAircraft(): Promise<never> {
    return this.reject('uploadJobDataToAircraft');
  }
  forgetCredentials(): Promise<void> {
    return Promise.resolve();
  }
  /** Pure naming: works for every partner, so stored files stay addressable. */
  resolveLogStoragePath(input: LogStoragePathInput): string {
    return logStoragePath(this.partnerCode, input);
  }

  private reject(operation: string): Promise<never> {
    return Promise.reject(new PartnerNotImplementedError(this.partnerCode, operation));
  }
}
