import { Type } from 'typebox';

const QueueName = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$',
  description: 'the work queue (e.g. partner_tasks); its DLQ is <queueName>_failed',
});

export const QueueParams = Type.Object({ queueName: QueueName }, { additionalProperties: false });

export const ListQuery = Type.Object(
  {
    offset: Type.Integer({ minimum: 0, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

const NullableString = Type.Union([Type.String(), Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });

const deadLetterFields = {
  position: Type.Integer({ description: '0 = head of the queue' }),
  messageId: NullableString,
  taskId: NullableString,
  taskType: NullableString,
  partnerCode: NullableString,
  attempt: Type.Union([Type.Integer(), Type.Null()]),
  errorCategory: NullableString,
  lastError: NullableString,
  deathReason: Type.Union([Type.String(), Type.Null()], { description: 'set when the broker dead-lettered it: rejected, expired, delivery_limit' }),
  originalQueue: Type.String({ description: 'where a retry sends it' }),
  publishedAt: Type.Union([Timestamp, Type.Null()]),
  headers: Type.Record(Type.String(), Type.Unknown()),
  payloadBytes: Type.Integer(),
  payloadPreview: Type.String({ description: 'first 500 characters of the body' }),
};

export const DeadLetterMessage = Type.Object(deadLetterFields);

const ListingToken = Type.String({
  pattern: '^[0-9]{1,6}\\.[A-Za-z0-9_-]{43}$',
  description: 'the listingToken of the DLQ listing this purge confirms',
});
const ExpectedCount = Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'the DLQ message count (total) of that listing' });

export const PurgeConfirmation = Type.Object(
  { expectedCount: ExpectedCount, listingToken: ListingToken },
  { description: 'send both back as the body of POST …/purge: the purge is refused (409) unless the DLQ still holds what was listed' },
);

export const DeadLetterPage = Type.Object({
  queue: Type.String(),
  deadLetterQueue: Type.String(),
  total: Type.Integer({ description: 'messages in the DLQ now' }),
  offset: Type.Integer(),
  limit: Type.Integer(),
  messages: Type.Array(DeadLetterMessage),
  confirmation: PurgeConfirmation,
});

const ActionId = Type.String({ pattern: '^[0-9a-f]{24}$', description: 'the audit record of this action (GET /api/dlq/actions)' });

const NotMoved = Type.Object({
  queue: Type.String({ description: 'the queue the messages were to go to' }),
  messages: Type.Integer(),
  reason: Type.String(),
});
const NotMovedList = Type.Array(NotMoved, { description: 'chosen messages that stayed where they were because their queue does not exist' });

export const MoveResult = Type.Object({
  queue: Type.String(),
  deadLetterQueue: Type.String(),
  moved: Type.Integer({ description: 'messages sent back to their queue' }),
  left: Type.Integer({ description: 'messages still in the DLQ' }),
  notMoved: NotMovedList,
  actionId: ActionId,
});

export const PurgeBody = Type.Object(
  { expectedCount: Type.Optional(ExpectedCount), listingToken: Type.Optional(ListingToken) },
  { additionalProperties: false, description: 'the confirmation of a preceding GET …/list (its `confirmation`); both are needed' },
);

export const PurgeResult = Type.Object({
  queue: Type.String(),
  deadLetterQueue: Type.String(),
  archiveQueue: Type.String(),
  archived: Type.Integer({ description: 'messages moved from the DLQ into the archive' }),
  left: Type.Integer({ description: 'messages in the DLQ now: those that arrived after the listing' }),
  expiresAt: Timestamp,
  actionId: ActionId,
});

export const ArchivedMessage = Type.Object({
  ...deadLetterFields,
  archiveId: Type.Union([Type.String(), Type.Null()], { description: 'what POST …/archive/restore takes in ids' }),
  archivedAt: Type.Union([Timestamp, Type.Null()]),
  archivedBy: NullableString,
  expiresAt: Type.Union([Timestamp, Type.Null()], { description: 'when the broker drops it from the archive' }),
});

export const ArchivePage = Type.Object({
  queue: Type.String(),
  deadLetterQueue: Type.String(),
  archiveQueue: Type.String(),
  total: Type.Integer({ description: 'messages in the archive now' }),
  offset: Type.Integer(),
  limit: Type.Integer(),
  messages: Type.Array(ArchivedMessage),
});

export const RestoreBody = Type.Object(
  {
    ids: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'an archiveId from GET …/archive' }), { minItems: 1, maxItems: 1000, uniqueItems: true }),
    ),
    all: Type.Optional(Type.Literal(true, { description: 'every archived message of this DLQ' })),
    to: Type.Union([Type.Literal('dead-letter-queue'), Type.Literal('work-queue')], {
      default: 'dead-letter-queue',
      description: 'dead-letter-queue: back where it was purged from; work-queue: straight back to the queue it failed on, to run again',
    }),
  },
  { additionalProperties: false, description: 'exactly one of ids and all' },
);

export const RestoreResult = Type.Object({
  queue: Type.String(),
  deadLetterQueue: Type.String(),
  archiveQueue: Type.String(),
  restored: Type.Integer(),
  left: Type.Integer({ description: 'messages still in the archive' }),
  notFound: Type.Array(Type.String(), { description: 'ids not in the archive (never there, restored already, or expired)' }),
  notMoved: NotMovedList,
  actionId: ActionId,
});

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

const Cursor = Type.String({ pattern: '^[0-9a-f]{24}$', description: 'the `next` of the previous page' });

export const ActionListQuery = Type.Object(
  {
    queue: Type.Optional({ ...QueueName, description: 'only this work queue’s actions (its DLQ’s name works too)' }),
    cursor: Type.Optional(Cursor),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

const ScalarOrList = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null(), Type.Array(Type.String())]);

export const DlqActionSchema = Type.Object({
  id: ActionId,
  at: Timestamp,
  finishedAt: Type.Union([Timestamp, Type.Null()], { description: 'null while running, or when the end could not be recorded' }),
  actor: Type.String({ description: 'the subject of the token that asked' }),
  action: Type.String({ description: 'retryAll, retryByPosition, retryByHeader, purge, restore' }),
  queue: Type.String(),
  deadLetterQueue: Type.String(),
  parameters: Type.Record(Type.String(), ScalarOrList, { description: 'what was asked' }),
  outcome: Type.Union([Type.Literal('started'), Type.Literal('succeeded'), Type.Literal('partial'), Type.Literal('refused'), Type.Literal('failed')], {
    description: 'started (running, or its end could not be recorded), succeeded, partial (some messages stayed: their queue does not exist), refused (nothing done), failed',
  }),
  counts: Type.Record(Type.String(), Type.Integer()),
  taskIds: Type.Array(Type.String(), { description: 'the tasks moved (the first 1000)' }),
  taskIdsOmitted: Type.Integer(),
  error: NullableString,
});

export const DlqActionPage = Type.Object({
  actions: Type.Array(DlqActionSchema),
  next: Type.Union([Cursor, Type.Null()], { description: 'cursor of the next page; null on the last page' }),
});
