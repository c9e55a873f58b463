import { Type } from 'typebox';

export const QueueParams = Type.Object(
  {
    queueName: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$',
      description: 'the work queue (e.g. partner_tasks); its DLQ is <queueName>_failed',
    }),
  },
  { additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    offset: Type.Integer({ minimum: 0, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

export const DeadLetterMessage = Type.Object({
  position: Type.Integer({ description: '0 = head of the DLQ' }),
  messageId: Type.Union([Type.String(), Type.Null()]),
  taskId: Type.Union([Type.String(), Type.Null()]),
  taskType: Type.Union([Type.String(), Type.Null()]),
  partnerCode: Type.Union([Type.String(), Type.Null()]),
  attempt: Type.Union([Type.Integer(), Type.Null()]),
  errorCategory: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  deathReason: Type.Union([Type.String(), Type.Null()], { description: 'set when the broker dead-lettered it: rejected, expired, delivery_limit' }),
  originalQueue: Type.String(),
  publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  headers: Type.Record(Type.String(), Type.Unknown()),
  payloadBytes: Type.Integer(),
  payloadPreview: Type.String({ description: 'first 500 characters of the body' }),
});

export const DeadLetterPage = Type.Object({
  queue: Type.String(),
  deadLetterQueue: Type.String(),
  total: Type.Integer({ description: 'messages in the DLQ now' }),
  offset: Type.Integer(),
  limit: Type.Integer(),
  messages: Type.Array(DeadLetterMessage),
});

export const MoveResult = Type.Object({
  queue: Type.String(),
  deadLetterQueue: Type.String(),
  moved: Type.Integer({ description: 'messages sent back to their queue' }),
  left: Type.Integer({ description: 'messages still in the DLQ' }),
});

export const PurgeResult = Type.Object({ queue: Type.String(), deadLetterQueue: Type.String(), purged: Type.Integer() });

export const RetryByPositionBody = Type.Object(
  { position: Type.Integer({ minimum: 0, maximum: 100_000, description: '0 = head, as in the listing' }) },
  { additionalProperties: false },
);

export const RetryByHeaderBody = Type.Object(
  {
    headerName: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.-]+$', examples: ['x-partner-code'] }),
    headerValue: Type.String({ maxLength: 500, examples: ['SATLOC'] }),
  },
  { additionalProperties: false },
);
