import { ConfigError } from '@agair/service-kit';
import { describe, expect, it } from 'vitest';
import { workerTaskTypes } from './app.js';

describe('workerTaskTypes (pool selection)', () => {
  it('accepts a subset of the task catalogue, without duplicates', () => {
    expect(workerTaskTypes('PROCESS_PARTNER_LOG,PROCESS_PARTNER_DATA_FILE,PROCESS_PARTNER_LOG')).toEqual(['PROCESS_PARTNER_LOG', 'PROCESS_PARTNER_DATA_FILE']);
  });

  it('refuses unknown or no task types with a configuration error naming them', () => {
    expect(() => workerTaskTypes('UPLOAD_PARTNER_JOB,SEND_FAX')).toThrow(ConfigError);
    expect(() => workerTaskTypes('UPLOAD_PARTNER_JOB,SEND_FAX')).toThrow(/unknown: SEND_FAX/);
    expect(() => workerTaskTypes('')).toThrow(/none given/);
  });
});
