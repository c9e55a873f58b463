import { TaskHeaders } from '@agair/domain-models';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, GetMessage } from 'amqplib';

export const DLQ_SUFFIX = '_failed';
/** Audit headers set on a message sent back from its DLQ. */
export const DlqHeaders = { RETRIED_AT: 'x-dlq-retried-at', RETRIES: 'x-dlq-retries' } as const;

export class QueueNotFoundError extends Error {
  override readonly name = 'QueueNotFoundError';
}
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}

export interface DeadLetterView {
  /** 0 = the head of the DLQ (the next message a retry would take). */
  position: number;
  messageId: string | null;
  taskId: string | null;
  taskType: string | null;
  partnerCode: string | null;
  attempt: number | null;
  errorCategory: string | null;
  lastError: string | null;
  /** Set when the broker dead-lettered it (rejected, expired, delivery_limit). */
  deathReason: string | null;
  originalQueue: string;
  publishedAt: string | null;
  headers: Record<string, unknown>;
  payloadBytes: number;
  payloadPreview: string;
}

export interface DeadLetterPage {
  queue: string;
  deadLetterQueue: string;
  total: number;
  offset: number;
  limit: number;
  messages: DeadLetterView[];
}

export interface MoveResult {
  queue: string;
  deadLetterQueue: string;
  moved: number;
  left: number;
}

const PREVIEW_CHARS = 500;

/**
 * Queue-native operations on the dead-letter queue `<queue>_failed` of any work queue: list
 * without losing or reordering anything, send messages back to their queue, purge.
 *
 * Listing fetches with `basic.get` (no ack) and closes the channel, which returns every
 * fetched message to its place (the DLQ is a classic queue: measured order-stable). A retry
 * publishes the copy to the original queue and waits for the broker's confirm before acking
 * the DLQ copy, so a crash in between duplicates a message rather than losing it. Operations on
 * one queue are serialised in this process; run one dlq-admin replica.
 */
export class DeadLetterQueueAdmin {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly connection: AmqpConnectionManager,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `partner_tasks` → `partner_tasks_failed`; a name already ending in `_failed` is the DLQ itself. */
  static namesFor(queue: string): { queue: string; deadLetterQueue: string } {
    return queue.endsWith(DLQ_SUFFIX)
      ? { queue: queue.slice(0, -DLQ_SUFFIX.length), deadLetterQueue: queue }
      : { queue, deadLetterQueue: `${queue}${DLQ_SUFFIX}` };
  }

  async list(queueName: string, offset: number, limit: number): Promise<DeadLetterPage> {
    const names = DeadLetterQueueAdmin.namesFor(queueName);
    return this.exclusive(names.deadLetterQueue, async () => {
      const total = await this.assertBothExist(names);
      const channel = await this.channel(false);
      try {
        const messages: DeadLetterView[] = [];
        for (let position = 0; position < Math.min(total, offset + limit); position += 1) {
          const msg = await channel.get(names.deadLetterQueue, { noAck: false });
          if (!msg) break;
          if (position >= offset) messages.push(view(msg, position, names.queue));
        }
        return { ...names, total, offset, limit, messages };
      } finally {
        // Closing returns every fetched (unacked) message to its place.
        await channel.close().catch(() => undefined);
      }
    });
  }

  retryAll(queueName: string): Promise<MoveResult> {
    return this.move(queueName, () => true);
  }

  retryByPosition(queueName: string, position: number): Promise<MoveResult> {
    return this.move(queueName, (_msg, index) => index === position, position + 1);
  }

  retryByHeader(queueName: string, headerName: string, headerValue: string): Promise<MoveResult> {
    return this.move(queueName, (msg) => headerText(msg.properties.headers?.[headerName]) === headerValue);
  }

  async purge(queueName: string): Promise<{ queue: string; deadLetterQueue: string; purged: number }> {
    const names = DeadLetterQueueAdmin.namesFor(queueName);
    return this.exclusive(names.deadLetterQueue, async () => {
      await this.assertBothExist(names);
      const channel = await this.channel(false);
      try {
        const { messageCount } = await channel.purgeQueue(names.deadLetterQueue);
        return { ...names, purged: messageCount };
      } finally {
        await channel.close().catch(() => undefined);
      }
    });
  }

  /**
   * Walks the DLQ from its head (at most `scan` messages, default all that are there now);
   * sends back the ones `select` picks, leaves the others where they were.
   */
  private async move(queueName: string, select: (msg: GetMessage, index: number) => boolean, scan?: number): Promise<MoveResult> {
    const names = DeadLetterQueueAdmin.namesFor(queueName);
    return this.exclusive(names.deadLetterQueue, async () => {
      const total = await this.assertBothExist(names);
      const limit = Math.min(total, scan ?? total);
      const reader = await this.channel(false);
      const writer = (await this.channel(true)) as ConfirmChannel;
      let moved = 0;
      try {
        for (let index = 0; index < limit; index += 1) {
          const msg = await reader.get(names.deadLetterQueue, { noAck: false });
          if (!msg) break;
          if (!select(msg, index)) continue;
          const original = originalQueue(msg, names.queue);
          await publishConfirmed(writer, original, msg.content, {
            ...msg.properties,
            headers: this.retryHeaders(msg.properties.headers ?? {}),
          });
          reader.ack(msg);
          moved += 1;
        }
      } finally {
        // Messages not picked return to their places when the reader closes.
        await reader.close().catch(() => undefined);
        await writer.close().catch(() => undefined);
      }
      const check = await this.channel(false);
      try {
        const { messageCount } = await check.checkQueue(names.deadLetterQueue);
        return { ...names, moved, left: messageCount };
      } finally {
        await check.close().catch(() => undefined);
      }
    });
  }

  private retryHeaders(headers: Record<string, unknown>): Record<string, unknown> {
    // A replay starts afresh: no broker death history, and no outage it was waiting out.
    const {
      'x-death': _death,
      'x-first-death-exchange': _e,
      'x-first-death-queue': _q,
      'x-first-death-reason': _r,
      [TaskHeaders.OUTAGE_SINCE]: _outage,
      ...rest
    } = headers;
    const retries = Number(rest[DlqHeaders.RETRIES] ?? 0) || 0;
    return {
      ...rest,
      [TaskHeaders.ATTEMPT]: 1,
      [DlqHeaders.RETRIES]: retries + 1,
      [DlqHeaders.RETRIED_AT]: this.now().toISOString(),
    };
  }

  /** Message count of the DLQ; QueueNotFoundError unless both the queue and its DLQ exist. */
  private async assertBothExist(names: { queue: string; deadLetterQueue: string }): Promise<number> {
    let count = 0;
    for (const name of [names.queue, names.deadLetterQueue]) {
      const channel = await this.channel(false);
      try {
        count = (await channel.checkQueue(name)).messageCount;
      } catch (err) {
        if ((err as { code?: number }).code === 404) throw new QueueNotFoundError(`queue ${name} does not exist`);
        throw err;
      } finally {
        await channel.close().catch(() => undefined);
      }
    }
    return count;
  }

  private async channel(confirm: boolean): Promise<Channel> {
    const connection = this.connection.connection;
    if (!connection) throw new BrokerUnavailableError('not connected to RabbitMQ');
    const channel = confirm ? await connection.createConfirmChannel() : await connection.createChannel();
    // A failed checkQueue closes the channel with an error event; the error is handled where it is awaited.
    channel.on('error', () => undefined);
    return channel;
  }

  private async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(key, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === next) this.locks.delete(key);
    }
  }
}

function publishConfirmed(channel: ConfirmChannel, queue: string, content: Buffer, options: object): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.sendToQueue(queue, content, options, (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
  });
}

interface DeathRecord {
  queue?: unknown;
  reason?: unknown;
}

function deaths(msg: GetMessage): DeathRecord[] {
  const raw = msg.properties.headers?.['x-death'];
  return Array.isArray(raw) ? (raw as DeathRecord[]) : [];
}

/** Where a retry sends the message: the queue the broker dead-lettered it from, else the DLQ's work queue. */
function originalQueue(msg: GetMessage, fallback: string): string {
  const queue = deaths(msg)[0]?.queue;
  // Messages that expired in a retry tier name the tier; their work queue is the fallback.
  return typeof queue === 'string' && !queue.includes('_retry_') ? queue : fallback;
}

function view(msg: GetMessage, position: number, queue: string): DeadLetterView {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const text = (name: string) => (headers[name] === undefined ? null : headerText(headers[name]));
  const attempt = Number(headers[TaskHeaders.ATTEMPT]);
  const death = deaths(msg)[0];
  const timestamp = msg.properties.timestamp as number | undefined;
  return {
    position,
    messageId: (msg.properties.messageId as string | undefined) ?? null,
    taskId: text(TaskHeaders.TASK_ID),
    taskType: text(TaskHeaders.TYPE),
    partnerCode: text(TaskHeaders.PARTNER_CODE),
    attempt: Number.isFinite(attempt) ? attempt : null,
    errorCategory: text(TaskHeaders.ERROR_CATEGORY),
    lastError: text(TaskHeaders.LAST_ERROR),
    deathReason: typeof death?.reason === 'string' ? death.reason : null,
    originalQueue: originalQueue(msg, queue),
    publishedAt: timestamp ? new Date(timestamp * 1000).toISOString() : null,
    headers: jsonSafe(headers) as Record<string, unknown>,
    payloadBytes: msg.content.length,
    payloadPreview: msg.content.toString('utf8', 0, Math.min(msg.content.length, PREVIEW_CHARS * 4)).slice(0, PREVIEW_CHARS),
  };
}

function headerText(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'string' ? value : JSON.stringify(jsonSafe(value));
}

/** AMQP header tables may hold Buffers, Dates and bigints: make them plain JSON. */
function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}
