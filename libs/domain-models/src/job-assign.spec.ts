import { describe, expect, it } from 'vitest';
import {
  AssignStatusName,
  JobAssignBulkCreateSchema,
  JobAssignCreateSchema,
  JobAssignSchema,
  MAX_BULK_ASSIGNMENTS,
  type JobAssign,
} from './job-assign.schema.js';
import { schemaProblems } from './validation.js';

const uploaded: JobAssign = {
  id: '665f1c2ab3e4d5f6a7b8c9f0',
  jobId: '665f1c2ab3e4d5f6a7b8c9e0',
  userId: '665f1c2ab3e4d5f6a7b8c9d2',
  customerId: '665f1c2ab3e4d5f6a7b8c9d1',
  partnerCode: 'SATLOC',
  partnerAircraftId: 'AC-10442',
  status: 2,
  extJobId: '88123',
  notes: 'Spray before 10:00, wind from NW',
  upload: {
    attempts: 2,
    lastError: null,
    lastAttemptAt: '2024-06-10T05:20:03Z',
    uploadedAt: '2024-06-10T05:20:04Z',
    syncStatus: 'synced',
  },
  pollingEndedAt: null,
  createdAt: '2024-06-10T05:15:00Z',
  updatedAt: '2024-06-10T05:20:04Z',
};

describe('JobAssign', () => {
  it('accepts an uploaded partner assignment and a new internal one', () => {
    expect(schemaProblems(JobAssignSchema, uploaded)).toEqual([]);
    const internal = {
      ...uploaded,
      partnerCode: null,
      partnerAircraftId: null,
      status: 0,
      extJobId: null,
      upload: { attempts: 0, lastError: null, lastAttemptAt: null, uploadedAt: null, syncStatus: 'not_applicable' },
    };
    expect(schemaProblems(JobAssignSchema, internal)).toEqual([]);
  });

  it('rejects a status outside 0..2, a status given by name, negative attempts and an unknown sync status', () => {
    expect(schemaProblems(JobAssignSchema, { ...uploaded, status: 3 })).toContainEqual(expect.stringContaining('/status'));
    expect(schemaProblems(JobAssignSchema, { ...uploaded, status: 'UPLOADED' })).toContainEqual(expect.stringContaining('/status'));
    expect(schemaProblems(JobAssignSchema, { ...uploaded, upload: { ...uploaded.upload, attempts: -1 } })).toContainEqual(
      expect.stringContaining('/upload/attempts'),
    );
    expect(schemaProblems(JobAssignSchema, { ...uploaded, upload: { ...uploaded.upload, syncStatus: 'done' } })).toContainEqual(
      expect.stringContaining('/upload/syncStatus'),
    );
  });

  it('names the numeric statuses', () => {
    expect([0, 1, 2].map((s) => AssignStatusName[s as 0 | 1 | 2])).toEqual(['NEW', 'DOWNLOADED', 'UPLOADED']);
  });
});

describe('JobAssign request bodies', () => {
  it('accept a single and a bulk assignment', () => {
    expect(schemaProblems(JobAssignCreateSchema, { userId: uploaded.userId, notes: 'north half first' })).toEqual([]);
    expect(schemaProblems(JobAssignBulkCreateSchema, { assignments: [{ jobId: uploaded.jobId, userId: uploaded.userId }] })).toEqual([]);
  });

  it('reject a client-set status, an empty or over-long bulk list, and over-long notes', () => {
    expect(schemaProblems(JobAssignCreateSchema, { userId: uploaded.userId, status: 2 })).toEqual(['/: unknown property status']);
    expect(schemaProblems(JobAssignBulkCreateSchema, { assignments: [] })).toContainEqual(expect.stringContaining('/assignments'));
    const many = Array.from({ length: MAX_BULK_ASSIGNMENTS + 1 }, () => ({ jobId: uploaded.jobId, userId: uploaded.userId }));
    expect(schemaProblems(JobAssignBulkCreateSchema, { assignments: many })).toContainEqual(expect.stringContaining('/assignments'));
    expect(schemaProblems(JobAssignCreateSchema, { userId: uploaded.userId, notes: 'x'.repeat(2001) })).toContainEqual(expect.stringContaining('/notes'));
  });
});
