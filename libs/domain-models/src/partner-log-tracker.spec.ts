import { describe, expect, it } from 'vitest';
import { PartnerLogTrackerSchema, type PartnerLogTracker } from './partner-log-tracker.schema.js';
import { schemaProblems } from './validation.js';

const processing: PartnerLogTracker = {
  id: '665f1c2ab3e4d5f6a7b8ca00',
  partnerCode: 'SATLOC',
  customerId: '665f1c2ab3e4d5f6a7b8c9d1',
  aircraftId: 'AC-10442',
  logId: '2024-06-10_0512_AC-10442',
  fileName: 'AC10442_20240610_0512.log',
  loggedAt: '2024-06-10T05:12:00Z',
  state: 'PROCESSING',
  attempts: 1,
  lease: { owner: 'sync-worker-7c9f:41', expiresAt: '2024-06-10T09:05:00Z' },
  contentHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  storedFileId: '665f1c2ab3e4d5f6a7b8ca01',
  sizeBytes: 1_482_113,
  enqueuedAt: '2024-06-10T09:00:02Z',
  error: null,
  skip: null,
  applicationFileId: null,
  matchOverride: null,
  downloadedAt: '2024-06-10T09:00:01Z',
  processedAt: null,
  rawLogRemovedAt: null,
  createdAt: '2024-06-10T08:59:50Z',
  updatedAt: '2024-06-10T09:00:05Z',
};

describe('PartnerLogTracker', () => {
  it('accepts a tracker being processed and a freshly listed one', () => {
    expect(schemaProblems(PartnerLogTrackerSchema, processing)).toEqual([]);
    const pending = {
      ...processing,
      state: 'PENDING',
      attempts: 0,
      lease: null,
      contentHash: null,
      storedFileId: null,
      sizeBytes: null,
      enqueuedAt: null,
      loggedAt: null,
      downloadedAt: null,
    };
    expect(schemaProblems(PartnerLogTrackerSchema, pending)).toEqual([]);
  });

  it('accepts a failure with its category', () => {
    const failed = { ...processing, state: 'FAILED', lease: null, error: { category: 'data-format', message: 'record 912: CRC mismatch', at: '2024-06-10T09:00:06Z' } };
    expect(schemaProblems(PartnerLogTrackerSchema, failed)).toEqual([]);
  });

  it('accepts a log skipped for a reason and one failed with a reason code; refuses an unknown skip reason', () => {
    const skipped = { ...processing, state: 'SKIPPED', lease: null, skip: { reason: 'nothing_applied', message: 'ferry flight, spray never on', at: '2024-06-10T09:00:06Z' } };
    expect(schemaProblems(PartnerLogTrackerSchema, skipped)).toEqual([]);
    const unsupported = {
      ...processing,
      state: 'FAILED',
      lease: null,
      error: { category: 'data-format', reason: 'unsupported_format', message: 'unsupported_format: no decoder recognises this file', at: '2024-06-10T09:00:06Z' },
    };
    expect(schemaProblems(PartnerLogTrackerSchema, unsupported)).toEqual([]);
    expect(schemaProblems(PartnerLogTrackerSchema, { ...skipped, skip: { ...skipped.skip, reason: 'boring' } })).toContainEqual(expect.stringContaining('/skip'));
    expect(schemaProblems(PartnerLogTrackerSchema, { ...unsupported, error: { ...unsupported.error, reason: 'Unsupported Format' } })).toContainEqual(
      expect.stringContaining('/error'),
    );
  });

  it('rejects an unknown state, an upper-case or short hash, a lease without expiry and an unknown error category', () => {
    expect(schemaProblems(PartnerLogTrackerSchema, { ...processing, state: 'DONE' })).toContainEqual(expect.stringContaining('/state'));
    expect(schemaProblems(PartnerLogTrackerSchema, { ...processing, contentHash: processing.contentHash?.toUpperCase() })).toContainEqual(
      expect.stringContaining('/contentHash'),
    );
    expect(schemaProblems(PartnerLogTrackerSchema, { ...processing, contentHash: 'e3b0c442' })).toContainEqual(expect.stringContaining('/contentHash'));
    expect(schemaProblems(PartnerLogTrackerSchema, { ...processing, lease: { owner: 'w1' } })).toContainEqual(expect.stringContaining('/lease'));
    expect(
      schemaProblems(PartnerLogTrackerSchema, { ...processing, error: { category: 'timeout', message: 'x', at: '2024-06-10T09:00:06Z' } }),
    ).toContainEqual(expect.stringContaining('/error'));
  });

  it('rejects fractional attempts and a missing log id', () => {
    expect(schemaProblems(PartnerLogTrackerSchema, { ...processing, attempts: 1.5 })).toContainEqual(expect.stringContaining('/attempts'));
    const { logId: _logId, ...noLogId } = processing;
    expect(schemaProblems(PartnerLogTrackerSchema, noLogId)).toContainEqual(expect.stringContaining('logId'));
  });
});
