import { createHash, randomUUID, type Hash } from 'node:crypto';
import { TaskHeaders } from '@agair/domain-models';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, GetMessage, MessageProperties } from 'amqplib';

export const DLQ_SUFFIX = '_failed';
/** `<queue>_failed_archive`: where a purge moves a DLQ's messages, kept for the archive TTL. */
export const ARCHIVE_SUFFIX = '_archive';
/** 14 days. */
export const DEFAULT_ARCHIVE_TTL_MS = 14 * 86_400_000;
/** RabbitMQ refuses a message TTL above 2^32 − 1 ms (about 49.7 days). */
export const MAX_ARCHIVE_TTL_MS = 4_294_967_295;

/** Headers set on a message sent back from its DLQ, or kept in the archive. */
export const DlqHeaders = {
  RETRIED_AT: 'x-dlq-retried-at',
  RETRIES: 'x-dlq-retries',
  /** The queue a retry sends it to, written when it is archived: the broker may not keep a client's copy of `x-death`. */
  ORIGINAL_QUEUE: 'x-dlq-original-queue',
  ARCHIVE_ID: 'x-dlq-archive-id',
  ARCHIVED_AT: 'x-dlq-archived-at',
  ARCHIVED_BY: 'x-dlq-archived-by',
  /** The message's own expiration, if it had one, while the archive's replaces it. */
  ORIGINAL_EXPIRATION: 'x-dlq-original-expiration',
} as const;

const ARCHIVE_ONLY_HEADERS = [DlqHeaders.ARCHIVE_ID, DlqHeaders.ARCHIVED_AT, DlqHeaders.ARCHIVED_BY, DlqHeaders.ORIGINAL_EXPIRATION] as const;

export class QueueNotFoundError extends Error {
  override readonly name = 'QueueNotFoundError';
}
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}
/** Another process (another dlq-admin replica) is working on this DLQ now. */
export class QueueBusyError extends Error {
  override readonly name = 'QueueBusyError';
}
/** A purge whose confirmation does not describe the DLQ as it is now: nothing was moved. */
export class StaleConfirmationError extends Error {
  override readonly name = 'StaleConfirmationError';
  constructor(
    message: string,
    readonly expectedCount: number,
    readonly actualCount: number,
  ) {
    super(message);
  }
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

/**
 * What a purge must send back: the DLQ's message count when it was listed, and a token over the
 * messages the listing walked (positions 0 to offset + limit − 1).
 */
export interface PurgeConfirmation {
  expectedCount: number;
  listingToken: string;
}

export interface DeadLetterPage {
  queue: string;
  deadLetterQueue: string;
  total: number;
  offset: number;
  limit: number;
  messages: DeadLetterView[];
  confirmation: PurgeConfirmation;
}

/** Chosen messages that stayed where they were because no queue took them. */
export interface NotMoved {
  queue: string;
  messages: number;
  reason: string;
}

export interface MoveResult {
  queue: string;
  deadLetterQueue: string;
  moved: number;
  left: number;
  notMoved: NotMoved[];
  /** `x-task-id` (else the message id) of each message moved. */
  taskIds: string[];
}

export interface ArchiveResult {
  queue: string;
  deadLetterQueue: string;
  archiveQueue: string;
  archived: number;
  /** Messages in the DLQ afterwards: the ones that arrived after the listing. */
  left: number;
  expiresAt: string;
  taskIds: string[];
}

export interface ArchivedView extends DeadLetterView {
  archiveId: string | null;
  archivedAt: string | null;
  archivedBy: string | null;
  expiresAt: string | null;
}

export interface ArchivePage {
  queue: string;
  deadLetterQueue: string;
  archiveQueue: string;
  total: number;
  offset: number;
  limit: number;
  messages: ArchivedView[];
}

/** Back to the DLQ (to look at again) or to the queue it failed on (to run again). */
export type RestoreTarget = 'dead-letter-queue' | 'work-queue';
export type RestoreSelection = { ids: readonly string[] } | { all: true };

export interface RestoreResult {
  queue: string;
  deadLetterQueue: string;
  archiveQueue: string;
  restored: number;
  /** Messages still in the archive. */
  left: number;
  /** Asked-for archive ids that are not in the archive (never there, restored already, or expired). */
  notFound: string[];
  notMoved: NotMoved[];
  taskIds: string[];
}

export interface DeadLetterQueueAdminOptions {
  /** How long a purged message is kept in the archive; default 14 days, at most `MAX_ARCHIVE_TTL_MS`. */
  archiveTtlMs?: number;
  now?: () => Date;
}

interface QueueNames {
  queue: string;
  deadLetterQueue: string;
}

const PREVIEW_CHARS = 500;
const RESOURCE_LOCKED = 405;
const NOT_FOUND = 404;

/**
 * Queue-native operations on the dead-letter queue `<queue>_failed` of any work queue: list
 * without losing or reordering anything, send messages back to their queue, purge them into an
 * archive queue and restore them from it.
 *
 * Listing fetches with `basic.get` (no ack) and closes the channel, which returns every fetched
 * message to its place (the DLQ is a classic queue: measured order-stable). Every move (retry,
 * purge, restore) publishes the copy with `mandatory` on a confirm channel and acks the original
 * only once the broker has confirmed it *and* not returned it as unroutable (a queue that does not
 * exist: without `mandatory` the default exchange drops it and still confirms). A crash in between
 * duplicates a message rather than losing it.
 *
 * One operation at a time per DLQ: serialised in this process, and across processes by a broker
 * lock (an exclusive queue held on the connection that does the work; see `holdMoverLock`).
 *
 * The archive is a classic queue beside the DLQ rather than a database collection: the copy keeps
 * the message byte for byte with its AMQP properties, moving in and out is the same confirmed move
 * as a retry, and the broker expires it (per-message TTL) without a sweeper.
 */
export class DeadLetterQueueAdmin {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly archiveTtlMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly connection: AmqpConnectionManager,
    options: DeadLetterQueueAdminOptions = {},
  ) {
    this.archiveTtlMs = options.archiveTtlMs ?? DEFAULT_ARCHIVE_TTL_MS;
    if (!Number.isInteger(this.archiveTtlMs) || this.archiveTtlMs < 1 || this.archiveTtlMs > MAX_ARCHIVE_TTL_MS) {
      throw new RangeError(`archiveTtlMs must be an integer from 1 to ${MAX_ARCHIVE_TTL_MS}`);
    }
    this.now = options.now ?? (() => new Date());
  }

  /** `partner_tasks` → `partner_tasks_failed`; a name already ending in `_failed` is the DLQ itself. */
  static namesFor(queue: string): QueueNames {
    return queue.endsWith(DLQ_SUFFIX)
      ? { queue: queue.slice(0, -DLQ_SUFFIX.length), deadLetterQueue: queue }
      : { queue, deadLetterQueue: `${queue}${DLQ_SUFFIX}` };
  }

  static archiveQueueOf(deadLetterQueue: string): string {
    return `${deadLetterQueue}${ARCHIVE_SUFFIX}`;
  }

  /** The exclusive queue whose holder is the one mover of a DLQ. */
  static moverLockOf(deadLetterQueue: string): string {
    return `dlq-admin.lock.${deadLetterQueue}`;
  }

  /**
   * Takes the mover lock of a DLQ on `channel`'s connection, as a dlq-admin at work does; `QueueBusyError`
   * when another connection holds it. It is released by `release()` or when the connection closes,
   * so a process that dies or loses the broker lets go of it at once, and one that lost the broker
   * cannot be moving messages any more either.
   */
  static async holdMoverLock(channel: Channel, deadLetterQueue: string): Promise<{ release(): Promise<void> }> {
    const name = DeadLetterQueueAdmin.moverLockOf(deadLetterQueue);
    try {
      await channel.assertQueue(name, { exclusive: true, durable: false, arguments: { 'x-queue-type': 'classic' } });
    } catch (err) {
      if ((err as { code?: number }).code === RESOURCE_LOCKED) throw new QueueBusyError(`another dlq-admin is working on ${deadLetterQueue}`);
      throw err;
    }
    return { release: async () => void (await channel.deleteQueue(name)) };
  }

  async list(queueName: string, offset: number, limit: number): Promise<DeadLetterPage> {
    const names = DeadLetterQueueAdmin.namesFor(queueName);
    return this.exclusive(names, async () => {
      const total = await this.assertBothExist(names);
      const messages: DeadLetterView[] = [];
      const fingerprint = new ListingFingerprint(names.deadLetterQueue, total);
      await this.peek(names.deadLetterQueue, Math.min(total, offset + limit), (msg, position) => {
        fingerprint.add(msg);
        if (position >= offset) messages.push(view(msg, position, names.queue));
      });
      return { ...names, total, offset, limit, messages, confirmation: { expectedCount: total, listingToken: fingerprint.token() } };
    });
  }

  retryAll(queueName: string): Promise<MoveResult> {
    return this.retry(queueName, () => true);
  }

  retryByPosition(queueName: string, position: number): Promise<MoveResult> {
    return this.retry(queueName, (_msg, index) => index === position, position + 1);
  }

  retryByHeader(queueName: string, headerName: string, headerValue: string): Promise<MoveResult> {
    return this.retry(queueName, (msg) => headerText(msg.properties.headers?.[headerName]) === headerValue);
  }

  /**
   * Moves the DLQ's messages into its archive, where they are kept for the archive TTL. Only with
   * a confirmation from a listing that still describes the DLQ: the same count, and the same
   * messages at the positions that listing walked; else `StaleConfirmationError` and nothing moves.
   * Exactly `expectedCount` messages are moved, so one that arrived since stays in the DLQ.
   */
  async purge(queueName: string, confirmation: PurgeConfirmation, actor: string): Promise<ArchiveResult> {
    const names = DeadLetterQueueAdmin.namesFor(queueName);
    const walked = ListingFingerprint.walkedBy(confirmation.listingToken);
    return this.exclusive(names, async () => {
      const total = await this.assertBothExist(names);
      const stale = (why: string) => new StaleConfirmationError(`${why}; list the DLQ again and send the new confirmation`, confirmation.expectedCount, total);
      if (total !== confirmation.expectedCount) throw stale(`the DLQ holds ${total} messages, not ${confirmation.expectedCount}`);
      if (walked === null || walked > total) throw stale('the listing token does not belong to this DLQ');
      const archiveQueue = DeadLetterQueueAdmin.archiveQueueOf(names.deadLetterQueue);
      const archivedAt = this.now();
      const taskIds: string[] = [];
      await this.transferring(async (reader, writer) => {
        const held: GetMessage[] = [];
        const fingerprint = new ListingFingerprint(names.deadLetterQueue, total);
        for (let index = 0; index < walked; index += 1) {
          const msg = await reader.get(names.deadLetterQueue, { noAck: false });
          if (!msg) break;
          held.push(msg);
          fingerprint.add(msg);
        }
        // Thrown before anything moved; closing the reader returns the held messages.
        if (fingerprint.token() !== confirmation.listingToken) throw stale('the DLQ no longer holds the messages that were listed');
        await writer.channel.assertQueue(archiveQueue, { durable: true, arguments: { 'x-queue-type': 'classic' } });
        const archive = async (msg: GetMessage) => {
          const properties = this.archiveProperties(msg, names.queue, actor, archivedAt);
          if (!(await writer.publish(archiveQueue, msg.content, properties))) throw new QueueNotFoundError(`queue ${archiveQueue} does not exist`);
          reader.ack(msg);
          taskIds.push(taskIdOf(msg));
        };
        for (const msg of held) await archive(msg);
        for (let index = held.length; index < total; index += 1) {
          const msg = await reader.get(names.deadLetterQueue, { noAck: false });
          if (!msg) break;
          await archive(msg);
        }
      });
      return {
        ...names,
        archiveQueue,
        archived: taskIds.length,
        left: await this.messageCount(names.deadLetterQueue),
        expiresAt: new Date(archivedAt.getTime() + this.archiveTtlMs).toISOString(),
        taskIds,
      };
    });
  }

  /** The archive's messages from its head (the oldest, first to expire), without removing or reordering them. */
  async listArchive(queueName: string, offset: number, limit: number): Promise<ArchivePage> {
    const names = DeadLetterQueueAdmin.namesFor(queueName);
    const archiveQueue = DeadLetterQueueAdmin.archiveQueueOf(names.deadLetterQueue);
    return this.exclusive(names, async () => {
      await this.assertBothExist(names);
      const total = await this.messageCount(archiveQueue);
      const messages: ArchivedView[] = [];
      await this.peek(archiveQueue, Math.min(total, offset + limit), (msg, position) => {
        if (position >= offset) messages.push(archivedView(msg, position, names.queue));
      });
      return { ...names, archiveQueue, total, offset, limit, messages };
    });
  }

  /** Moves archived messages (by archive id, or all) back to the DLQ or to the queue they failed on. */
  async restore(queueName: string, selection: RestoreSelection, to: RestoreTarget): Promise<RestoreResult> {
    const names = DeadLetterQueueAdmin.namesFor(queueName);
    const archiveQueue = DeadLetterQueueAdmin.archiveQueueOf(names.deadLetterQueue);
    const wanted = 'ids' in selection ? new Set(selection.ids) : null;
    return this.exclusive(names, async () => {
      await this.assertBothExist(names);
      const total = await this.messageCount(archiveQueue);
      const found = new Set<string>();
      const pick = (msg: GetMessage) => {
        if (wanted === null) return true;
        const id = headerText(msg.properties.headers?.[DlqHeaders.ARCHIVE_ID]);
        if (!wanted.has(id) || found.has(id)) return false;
        found.add(id);
        return true;
      };
      const destination = (msg: GetMessage) => {
        const properties = restoredProperties(msg);
        return to === 'dead-letter-queue'
          ? { queue: names.deadLetterQueue, properties }
          : { queue: originalQueue(msg, names.queue), properties: { ...properties, headers: this.retryHeaders(properties.headers) } };
      };
      const allFound = () => wanted !== null && found.size === wanted.size;
      const { taskIds, notMoved } = await this.move(archiveQueue, total, pick, destination, allFound);
      return {
        ...names,
        archiveQueue,
        restored: taskIds.length,
        left: await this.messageCount(archiveQueue),
        notFound: wanted === null ? [] : [...wanted].filter((id) => !found.has(id)),
        notMoved,
        taskIds,
      };
    });
  }

  /** Shows `visit` the first `count` messages of `queue`, in order, and leaves them where they are. */
  private async peek(queue: string, count: number, visit: (msg: GetMessage, position: number) => void): Promise<void> {
    const channel = await this.channel(false);
    try {
      for (let position = 0; position < count; position += 1) {
        const msg = await channel.get(queue, { noAck: false });
        if (!msg) break;
        visit(msg, position);
      }
    } finally {
      // Closing returns every fetched (unacked) message to its place.
      await channel.close().catch(() => undefined);
    }
  }

  /** Walks the DLQ from its head (at most `scan` messages, default all that are there now) and sends back the ones `select` picks. */
  private async retry(queueName: string, select: (msg: GetMessage, index: number) => boolean, scan?: number): Promise<MoveResult> {
    const names = DeadLetterQueueAdmin.namesFor(queueName);
    return this.exclusive(names, async () => {
      const total = await this.assertBothExist(names);
      const { taskIds, notMoved } = await this.move(names.deadLetterQueue, Math.min(total, scan ?? total), select, (msg) => ({
        queue: originalQueue(msg, names.queue),
        properties: { ...msg.properties, headers: this.retryHeaders(msg.properties.headers ?? {}) },
      }));
      return { ...names, moved: taskIds.length, left: await this.messageCount(names.deadLetterQueue), notMoved, taskIds };
    });
  }

  /**
   * Takes up to `limit` messages from the head of `source`; republishes each one `select` picks to
   * where `destination` says, acking it once the broker has confirmed and routed the copy. A picked
   * message no queue took stays where it was, counted in `notMoved`; so do the ones not picked.
   */
  private async move(
    source: string,
    limit: number,
    select: (msg: GetMessage, index: number) => boolean,
    destination: (msg: GetMessage) => { queue: string; properties: PublishProperties },
    done: () => boolean = () => false,
  ): Promise<{ taskIds: string[]; notMoved: NotMoved[] }> {
    const taskIds: string[] = [];
    const unroutable = new Map<string, number>();
    await this.transferring(async (reader, writer) => {
      for (let index = 0; index < limit && !done(); index += 1) {
        const msg = await reader.get(source, { noAck: false });
        if (!msg) break;
        if (!select(msg, index)) continue;
        const target = destination(msg);
        if (await writer.publish(target.queue, msg.content, target.properties)) {
          reader.ack(msg);
          taskIds.push(taskIdOf(msg));
        } else {
          unroutable.set(target.queue, (unroutable.get(target.queue) ?? 0) + 1);
        }
      }
    });
    const notMoved = [...unroutable].map(([queue, messages]) => ({ queue, messages, reason: `queue ${queue} does not exist; the messages stay where they were` }));
    return { taskIds, notMoved };
  }

  /** A reader (whose close returns every message it fetched and did not ack) and a confirming, return-aware writer. */
  private async transferring(work: (reader: Channel, writer: ConfirmedPublisher) => Promise<void>): Promise<void> {
    const reader = await this.channel(false);
    let writerChannel: ConfirmChannel | undefined;
    try {
      writerChannel = (await this.channel(true)) as ConfirmChannel;
      await work(reader, new ConfirmedPublisher(writerChannel));
    } finally {
      await reader.close().catch(() => undefined);
      await writerChannel?.close().catch(() => undefined);
    }
  }

  private archiveProperties(msg: GetMessage, workQueue: string, actor: string, archivedAt: Date): PublishProperties {
    const { expiration, headers = {}, ...rest } = msg.properties;
    return {
      ...rest,
      // Per message rather than the queue's x-message-ttl: a changed TTL then applies to new archives
      // without redeclaring the queue (which the broker refuses when its arguments differ).
      expiration: String(this.archiveTtlMs),
      headers: {
        ...headers,
        [DlqHeaders.ORIGINAL_QUEUE]: originalQueue(msg, workQueue),
        [DlqHeaders.ARCHIVE_ID]: randomUUID(),
        [DlqHeaders.ARCHIVED_AT]: archivedAt.toISOString(),
        [DlqHeaders.ARCHIVED_BY]: actor,
        ...(expiration === undefined || expiration === null ? {} : { [DlqHeaders.ORIGINAL_EXPIRATION]: String(expiration) }),
      },
    };
  }

  private retryHeaders(headers: Record<string, unknown>): Record<string, unknown> {
    // A replay starts afresh: no broker death history, and no outage it was waiting out.
    const {
      'x-death': _death,
      'x-first-death-exchange': _e,
      'x-first-death-queue': _q,
      'x-first-death-reason': _r,
      [TaskHeaders.OUTAGE_SINCE]: _outage,
      [DlqHeaders.ORIGINAL_QUEUE]: _original,
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
  private async assertBothExist(names: QueueNames): Promise<number> {
    await this.messageCount(names.queue, { required: true });
    return this.messageCount(names.deadLetterQueue, { required: true });
  }

  /** Messages ready in `queue`; 0 for a queue that does not exist, unless it is `required`. */
  private async messageCount(queue: string, options: { required?: boolean } = {}): Promise<number> {
    const channel = await this.channel(false);
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } catch (err) {
      if ((err as { code?: number }).code !== NOT_FOUND) throw err;
      if (options.required) throw new QueueNotFoundError(`queue ${queue} does not exist`);
      return 0;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  private async channel(confirm: boolean): Promise<Channel> {
    const connection = this.connection.connection;
    if (!connection) throw new BrokerUnavailableError('not connected to RabbitMQ');
    const channel = confirm ? await connection.createConfirmChannel() : await connection.createChannel();
    // A failed checkQueue closes the channel with an error event; the error is handled where it is awaited.
    channel.on('error', () => undefined);
    return channel;
  }

  /** One operation at a time per DLQ: in turn within this process, and refused (`QueueBusyError`) while another process holds it. */
  private async exclusive<T>(names: QueueNames, work: () => Promise<T>): Promise<T> {
    const key = names.deadLetterQueue;
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.underMoverLock(key, work));
    this.locks.set(key, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === next) this.locks.delete(key);
    }
  }

  private async underMoverLock<T>(deadLetterQueue: string, work: () => Promise<T>): Promise<T> {
    const channel = await this.channel(false);
    try {
      const lock = await DeadLetterQueueAdmin.holdMoverLock(channel, deadLetterQueue);
      try {
        return await work();
      } finally {
        // Should the delete fail, the lock lasts until this connection closes; this process's next
        // operation on the DLQ takes it again (same connection) and releases it.
        await lock.release().catch(() => undefined);
      }
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}

type PublishProperties = Partial<MessageProperties> & { headers: Record<string, unknown> };

/**
 * Publishes one message at a time with `mandatory` and waits for the confirm. The broker sends a
 * basic.return for an unroutable message before its confirm, so with one publish outstanding the
 * return belongs to the publish being awaited.
 */
class ConfirmedPublisher {
  private returned = false;

  constructor(readonly channel: ConfirmChannel) {
    channel.on('return', () => {
      this.returned = true;
    });
  }

  /** True once the broker confirmed the message into a queue; false when no queue took it. Rejects on a nack. */
  async publish(queue: string, content: Buffer, properties: PublishProperties): Promise<boolean> {
    this.returned = false;
    await new Promise<void>((resolve, reject) => {
      this.channel.sendToQueue(queue, content, { ...properties, mandatory: true }, (err) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
      );
    });
    return !this.returned;
  }
}

/**
 * A digest of the DLQ as a listing saw it: its name, its message count, and each message it
 * walked (id, timestamp, task id, body) in order. The token names how many it walked, so a purge
 * can walk as many and compare.
 */
class ListingFingerprint {
  private readonly hash: Hash;
  private walked = 0;

  constructor(deadLetterQueue: string, total: number) {
    this.hash = createHash('sha256').update(`${deadLetterQueue}\n${total}\n`);
  }

  /** How many messages a token's listing walked; null for a token this class did not make. */
  static walkedBy(token: string): number | null {
    const match = /^(\d{1,6})\.[A-Za-z0-9_-]{43}$/.exec(token);
    return match ? Number(match[1]) : null;
  }

  add(msg: GetMessage): void {
    this.walked += 1;
    const identity = [msg.properties.messageId ?? '', msg.properties.timestamp ?? '', headerText(msg.properties.headers?.[TaskHeaders.TASK_ID] ?? '')].join('\n');
    this.hash.update(createHash('sha256').update(identity).update('\n').update(msg.content).digest());
  }

  token(): string {
    return `${this.walked}.${this.hash.copy().update(`\n${this.walked}`).digest('base64url')}`;
  }
}

function taskIdOf(msg: GetMessage): string {
  const taskId = msg.properties.headers?.[TaskHeaders.TASK_ID];
  if (taskId !== undefined && taskId !== null) return headerText(taskId);
  return typeof msg.properties.messageId === 'string' ? msg.properties.messageId : '';
}

/** An archived message's properties as it was before the archive: its own expiration, no archive headers. */
function restoredProperties(msg: GetMessage): PublishProperties {
  const { expiration: _archiveTtl, headers = {}, ...rest } = msg.properties;
  const original = headers[DlqHeaders.ORIGINAL_EXPIRATION];
  const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !(ARCHIVE_ONLY_HEADERS as readonly string[]).includes(name)));
  return { ...rest, ...(original === undefined ? {} : { expiration: headerText(original) }), headers: kept };
}

interface DeathRecord {
  queue?: unknown;
  reason?: unknown;
}

function deaths(msg: GetMessage): DeathRecord[] {
  const raw = msg.properties.headers?.['x-death'];
  return Array.isArray(raw) ? (raw as DeathRecord[]) : [];
}

/**
 * Where a retry sends the message: the queue the broker dead-lettered it from, else the one
 * recorded when it was archived, else the DLQ's work queue.
 */
function originalQueue(msg: GetMessage, fallback: string): string {
  const queue = deaths(msg)[0]?.queue;
  // Messages that expired in a retry tier name the tier; their work queue is the fallback.
  if (typeof queue === 'string' && !queue.includes('_retry_')) return queue;
  const recorded = msg.properties.headers?.[DlqHeaders.ORIGINAL_QUEUE];
  return recorded === undefined || recorded === null ? fallback : headerText(recorded);
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

function archivedView(msg: GetMessage, position: number, queue: string): ArchivedView {
  const headers = msg.properties.headers ?? {};
  const text = (name: string) => (headers[name] === undefined || headers[name] === null ? null : headerText(headers[name]));
  const archivedAt = text(DlqHeaders.ARCHIVED_AT);
  const ttlMs = Number(msg.properties.expiration);
  const archivedMs = archivedAt === null ? Number.NaN : Date.parse(archivedAt);
  return {
    ...view(msg, position, queue),
    archiveId: text(DlqHeaders.ARCHIVE_ID),
    archivedAt,
    archivedBy: text(DlqHeaders.ARCHIVED_BY),
    expiresAt: Number.isFinite(ttlMs) && Number.isFinite(archivedMs) ? new Date(archivedMs + ttlMs).toISOString() : null,
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
