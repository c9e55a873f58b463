import type { Static } from 'typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { InvalidTaskError } from './errors.js';
import {
  MAX_LAST_ERROR_HEADER_LENGTH,
  ProcessPartnerDataFilePayloadSchema,
  ProcessPartnerLogPayloadSchema,
  TaskHeaders,
  TaskMessageSchema,
  UploadPartnerJobPayloadSchema,
  createTaskMessage,
  parseTaskMessage,
  taskFailureHeaders,
  taskHeaders,
  taskPayloadSchema,
  type TaskMessage,
  type TaskPayloads,
} from './task-catalogue.js';
import { TaskType } from './task-type.js';
import { schemaProblems } from './validation.js';

const customerId = '665f1c2ab3e4d5f6a7b8c9d1';
const contentHash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const examples: TaskMessage[] = [
  {
    taskId: '6f1c1e8e-3c43-4f9e-9b7e-1c7f0a6f2d11',
    type: 'UPLOAD_PARTNER_JOB',
    payload: { assignId: '665f1c2ab3e4d5f6a7b8c9f0', customerId, partnerCode: 'SATLOC' },
    createdAt: '2024-06-10T05:19:00.000Z',
  },
  {
    taskId: 'log:665f1c2ab3e4d5f6a7b8ca00:1',
    type: 'PROCESS_PARTNER_LOG',
    payload: {
      trackerId: '665f1c2ab3e4d5f6a7b8ca00',
      partnerCode: 'SATLOC',
      customerId,
      aircraftId: 'AC-10442',
      logId: '2024-06-10_0512_AC-10442',
      storedFileId: '665f1c2ab3e4d5f6a7b8ca01',
      contentHash,
    },
    createdAt: '2024-06-10T09:00:02.000Z',
  },
  {
    taskId: '0b6e3a0e-55a1-4c3c-8f57-3b9a4c0e9e21',
    type: 'PROCESS_PARTNER_DATA_FILE',
    payload: { storedFileId: '665f1c2ab3e4d5f6a7b8ca01', contentHash, partnerCode: 'SATLOC', customerId, reason: 'manual_upload' },
    createdAt: '2024-06-11T10:00:00.000Z',
  },
];

describe('task payload schemas', () => {
  it('one per task type', () => {
    expect(taskPayloadSchema(TaskType.UPLOAD_PARTNER_JOB)).toBe(UploadPartnerJobPayloadSchema);
    expect(taskPayloadSchema(TaskType.PROCESS_PARTNER_LOG)).toBe(ProcessPartnerLogPayloadSchema);
    expect(taskPayloadSchema(TaskType.PROCESS_PARTNER_DATA_FILE)).toBe(ProcessPartnerDataFilePayloadSchema);
  });

  it('the examples are valid messages of the documented JSON Schema', () => {
    for (const message of examples) expect(schemaProblems(TaskMessageSchema, message)).toEqual([]);
  });

  it('types agree: the schema union is the TaskMessage union, and the payload map is per type', () => {
    expectTypeOf<Static<typeof TaskMessageSchema>>().toEqualTypeOf<TaskMessage>();
    expectTypeOf<TaskPayloads['PROCESS_PARTNER_DATA_FILE']['trackerId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<TaskMessage<'UPLOAD_PARTNER_JOB'>['payload']>().toEqualTypeOf<TaskPayloads['UPLOAD_PARTNER_JOB']>();
  });
});

describe('parseTaskMessage', () => {
  it.each(examples.map((m) => [m.type, m] as const))('round trips %s as object, JSON text and bytes', (_type, message) => {
    const json = JSON.stringify(message);
    expect(parseTaskMessage(JSON.parse(json))).toEqual(message);
    expect(parseTaskMessage(json)).toEqual(message);
    expect(parseTaskMessage(Buffer.from(json))).toEqual(message);
  });

  it('narrows the payload by type', () => {
    const message = parseTaskMessage(JSON.stringify(examples[1]));
    if (message.type !== 'PROCESS_PARTNER_LOG') throw new Error('wrong type');
    expectTypeOf(message.payload).toEqualTypeOf<TaskPayloads['PROCESS_PARTNER_LOG']>();
    expect(message.payload.logId).toBe('2024-06-10_0512_AC-10442');
  });

  it('drops fields it does not know, so a newer producer does not break an older consumer', () => {
    const withExtras = { ...examples[0], traceparent: '00-abc', payload: { ...examples[0].payload, priority: 5 } };
    expect(parseTaskMessage(withExtras)).toEqual(examples[0]);
  });

  it('lists every payload problem with its path', () => {
    const { storedFileId: _storedFileId, ...payload } = examples[1].payload as TaskPayloads['PROCESS_PARTNER_LOG'];
    const bad = { ...examples[1], payload: { ...payload, contentHash: 'abc', partnerCode: 'satloc' } };
    const error = captureError(() => parseTaskMessage(bad));
    expect(error).toBeInstanceOf(InvalidTaskError);
    expect(error.code).toBe('INVALID_TASK');
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/payload: .*storedFileId/),
        expect.stringMatching(/^\/payload\/contentHash: /),
        '/payload/partnerCode: must be one of "SATLOC", "AGIDRONEX"',
      ]),
    );
  });

  it('rejects an unknown task type, a missing task id and a bad timestamp', () => {
    const error = captureError(() => parseTaskMessage({ type: 'SYNC_EVERYTHING', payload: {}, createdAt: 'yesterday' }));
    expect(error.problems).toEqual(
      expect.arrayContaining([expect.stringContaining('taskId'), expect.stringMatching(/^\/type: /), expect.stringMatching(/^\/createdAt: /)]),
    );
  });

  it('rejects a body that is not JSON, or not an object', () => {
    expect(captureError(() => parseTaskMessage('{"taskId": ')).problems).toEqual([expect.stringMatching(/^body is not JSON/)]);
    expect(captureError(() => parseTaskMessage(Buffer.from('[]'))).problems.length).toBeGreaterThan(0);
    expect(captureError(() => parseTaskMessage(null)).problems.length).toBeGreaterThan(0);
  });

  it('rejects a payload of another task type', () => {
    const swapped = { ...examples[0], type: 'PROCESS_PARTNER_LOG' };
    expect(captureError(() => parseTaskMessage(swapped)).problems).toContainEqual(expect.stringContaining('trackerId'));
  });

  it('checks the headers against the body when given', () => {
    const message = examples[1];
    const headers = { ...taskHeaders(message, 3), 'x-delivery-count': 0 };
    expect(parseTaskMessage(message, headers)).toEqual(message);
    const error = captureError(() => parseTaskMessage(message, { ...headers, [TaskHeaders.TYPE]: 'UPLOAD_PARTNER_JOB', [TaskHeaders.TASK_ID]: 'other-task-id' }));
    expect(error.problems).toEqual([
      'header x-task-type is "UPLOAD_PARTNER_JOB" but the body says "PROCESS_PARTNER_LOG"',
      'header x-task-id is "other-task-id" but the body says "log:665f1c2ab3e4d5f6a7b8ca00:1"',
    ]);
    expect(parseTaskMessage(message, { [TaskHeaders.PARTNER_CODE]: Buffer.from('SATLOC') })).toEqual(message);
  });
});

describe('createTaskMessage', () => {
  it('builds a message that parses back to itself', () => {
    const message = createTaskMessage('UPLOAD_PARTNER_JOB', examples[0].payload as TaskPayloads['UPLOAD_PARTNER_JOB'], {
      taskId: examples[0].taskId,
      createdAt: new Date('2024-06-10T05:19:00Z'),
    });
    expect(message).toEqual(examples[0]);
    expect(parseTaskMessage(JSON.stringify(message))).toEqual(message);
  });

  it('refuses to build an invalid message', () => {
    const payload = { assignId: 'not-an-id', customerId, partnerCode: 'SATLOC' as const };
    expect(() => createTaskMessage('UPLOAD_PARTNER_JOB', payload, { taskId: 'short', createdAt: new Date() })).toThrow(InvalidTaskError);
  });
});

describe('task headers', () => {
  it('names the headers as the design does, plus the outage a task is waiting out', () => {
    expect(TaskHeaders).toEqual({
      TYPE: 'x-task-type',
      PARTNER_CODE: 'x-partner-code',
      TASK_ID: 'x-task-id',
      ATTEMPT: 'x-attempt',
      ERROR_CATEGORY: 'x-error-category',
      LAST_ERROR: 'x-last-error',
      OUTAGE_SINCE: 'x-outage-since',
    });
  });

  it('builds publish headers from a message and rejects attempt 0', () => {
    expect(taskHeaders(examples[2], 1)).toEqual({
      'x-task-type': 'PROCESS_PARTNER_DATA_FILE',
      'x-partner-code': 'SATLOC',
      'x-task-id': examples[2].taskId,
      'x-attempt': 1,
    });
    expect(() => taskHeaders(examples[2], 0)).toThrow(RangeError);
  });

  it('keeps the error header to one bounded line', () => {
    const headers = taskFailureHeaders('partner-down', `503 Service Unavailable\n${'x'.repeat(2000)}`);
    expect(headers['x-error-category']).toBe('partner-down');
    expect(headers['x-last-error']).toHaveLength(MAX_LAST_ERROR_HEADER_LENGTH);
    expect(headers['x-last-error']).toMatch(/^503 Service Unavailable x+…$/);
    expect(taskFailureHeaders('auth', ' 401 ').valueOf()).toEqual({ 'x-error-category': 'auth', 'x-last-error': '401' });
  });
});

function captureError(fn: () => unknown): InvalidTaskError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidTaskError) return err;
    throw err;
  }
  throw new Error('expected an InvalidTaskError');
}
