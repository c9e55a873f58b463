import { taskHeaders, type TaskMessage } from '@agair/domain-models';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { watchChannelErrors } from './channel-errors.js';
import type { MessagingLogger } from './logger.js';
import { assertTaskTopology, type TaskQueueTopology } from './task-queue.topology.js';

export class PublishBufferFullError extends Error {
  override readonly name = 'PublishBufferFullError';
  constructor(limit: number) {
    super(`${limit} publishes are already waiting for the broker; refusing more until it is reachable`);
  }
}

export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
}

export interface TaskPublisherSettings {
  connection: AmqpConnectionManager;
  topology: TaskQueueTopology;
  logger: MessagingLogger;
  /** A publish not confirmed within this time is tried again (its first copy may still arrive). */
  publishTimeoutMs: number;
  /** Publishes allowed to wait (for a connection or a confirm) at once; beyond, publish() fails fast. */
  maxPendingPublishes?: number;
  /** Attempts per publish before PublishFailedError. */
  maxAttempts?: number;
}

export interface PublishOptions {
  /** 1 on first publish; the consumer increments it on retries. */
  attempt?: number;
  /** Another queue of the topology (a retry tier, the DLQ); default the main queue. */
  queue?: string;
  headers?: Record<string, string | number>;
  /** Per-message TTL, for delay tiers. */
  expirationMs?: number;
}

/**
 * Publishes task messages: persistent, confirmed by the broker, with the catalogue's headers.
 * The connection manager does not re-send a publish that was waiting for its confirm when the
 * connection dropped (notes/amqp.md), so a failed or timed-out publish is retried here; a
 * message may then arrive twice, never zero times. Consumers are idempotent.
 */
export class TaskPublisher {
  private readonly channel: ChannelWrapper;
  private pending = 0;
  private readonly maxPending: number;
  private readonly maxAttempts: number;

  constructor(private readonly settings: TaskPublisherSettings) {
    this.maxPending = settings.maxPendingPublishes ?? 10_000;
    this.maxAttempts = settings.maxAttempts ?? 5;
    this.channel = settings.connection.createChannel({
      name: 'task-publisher',
      confirm: true,
      json: false,
      publishTimeout: settings.publishTimeoutMs,
      setup: (channel: ConfirmChannel) => assertTaskTopology(channel, settings.topology),
    });
    watchChannelErrors(this.channel, settings.logger, 'task-publisher');
  }

  get pendingPublishes(): number {
    return this.pending;
  }

  /** Resolves once the broker has confirmed the message. */
  async publish(message: TaskMessage, options: PublishOptions = {}): Promise<void> {
    if (this.pending >= this.maxPending) throw new PublishBufferFullError(this.maxPending);
    const attempt = options.attempt ?? 1;
    const queue = options.queue ?? this.settings.topology.main;
    const content = Buffer.from(JSON.stringify(message));
    const headers = { ...taskHeaders(message, attempt), ...options.headers };
    this.pending += 1;
    try {
      for (let tryNo = 1; ; tryNo += 1) {
        try {
          await this.channel.sendToQueue(queue, content, {
            persistent: true,
            contentType: 'application/json',
            messageId: message.taskId,
            timestamp: Math.floor(Date.now() / 1000),
            headers,
            ...(options.expirationMs !== undefined ? { expiration: String(Math.max(0, Math.round(options.expirationMs))) } : {}),
          });
          return;
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          if (tryNo >= this.maxAttempts) {
            throw new PublishFailedError(`publishing task ${message.taskId} to ${queue} failed after ${tryNo} attempts: ${reason}`, {
              cause: err,
            });
          }
          this.settings.logger.warn({ taskId: message.taskId, queue, attempt: tryNo, reason }, 'publish not confirmed; trying again');
          await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** tryNo, 5000)));
        }
      }
    } finally {
      this.pending -= 1;
    }
  }

  async waitForConnect(): Promise<void> {
    await this.channel.waitForConnect();
  }

  async close(): Promise<void> {
    await this.channel.close();
  }
}
