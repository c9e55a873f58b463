import { describe, expect, it } from 'vitest';
import { TaskTrackerSchema, type TaskTracker } from './task-tracker.schema.js';
import { schemaProblems } from './validation.js';

const retried: TaskTracker = {
  taskId: '6f1c1e8e-3c43-4f9e-9b7e-1c7f0a6f2d11',
  type: 'UPLOAD_PARTNER_JOB',
  partnerCode: 'SATLOC',
  customerId: '665f1c2ab3e4d5f6a7b8c9d1',
  state: 'PROCESSING',
  attempt: 2,
  maxAttempts: 5,
  retryOf: null,
  retriedBy: null,
  lease: { owner: 'sync-worker-7c9f:41', expiresAt: '2024-06-10T05:21:00Z' },
  startedAt: '2024-06-10T05:20:00Z',
  finishedAt: null,
  lastError: { category: 'network-timeout', message: 'UploadJobData timed out after 30000 ms', at: '2024-06-10T05:19:30Z' },
  result: null,
  subject: { kind: 'job_assign', id: '665f1c2ab3e4d5f6a7b8c9f1' },
  createdAt: '2024-06-10T05:19:00Z',
  updatedAt: '2024-06-10T05:20:00Z',
};

describe('TaskTracker', () => {
  it('accepts a task on its second attempt and a completed replay of a failed task', () => {
    expect(schemaProblems(TaskTrackerSchema, retried)).toEqual([]);
    const replay = {
      ...retried,
      taskId: 'log:665f1c2ab3e4d5f6a7b8ca00:2',
      type: 'PROCESS_PARTNER_LOG',
      state: 'COMPLETED',
      attempt: 1,
      retryOf: 'log:665f1c2ab3e4d5f6a7b8ca00:1',
      lease: null,
      finishedAt: '2024-06-10T05:20:09Z',
      lastError: null,
      result: { kind: 'application_file', id: '665f1c2ab3e4d5f6a7b8cb00' },
    };
    expect(schemaProblems(TaskTrackerSchema, replay)).toEqual([]);
  });

  it('rejects attempt 0, an unknown task type, a task id with spaces and an unknown result kind', () => {
    expect(schemaProblems(TaskTrackerSchema, { ...retried, attempt: 0 })).toContainEqual(expect.stringContaining('/attempt'));
    expect(schemaProblems(TaskTrackerSchema, { ...retried, type: 'SYNC_ALL' })).toContainEqual(expect.stringContaining('/type'));
    expect(schemaProblems(TaskTrackerSchema, { ...retried, taskId: 'task one two' })).toContainEqual(expect.stringContaining('/taskId'));
    expect(schemaProblems(TaskTrackerSchema, { ...retried, result: { kind: 'job', id: '665f1c2ab3e4d5f6a7b8cb00' } })).toContainEqual(
      expect.stringContaining('/result'),
    );
  });
});
