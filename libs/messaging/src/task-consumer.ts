import { InvalidTaskError, TaskHeaders, parseTaskMessage, taskFailureHeaders, type ErrorCategory, type TaskMessage, type TaskType } from '@agair/domain-models';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { watchChannelErrors } from './channel-errors.js';
import type { HandlerRegistry, TaskContext, TaskGiveUp } from './handler-registry.js';
import type { MessagingLogger } from './logger.js';
import type { RetryDecision, RetryPolicy } from './retry-policy.js';
import type { TaskPublisher } from './task-publisher.js';
import { keepLeaseAlive } from './lease-keeper.js';
import { assertTaskTopology, tierFor, type TaskQueueTopology } from './task-queue.topology.js';
import type { TaskTrackerPort } from './task-tracker.port.js';

export type TaskOutcome = 'completed' | 'skipped_duplicate' | 'busy' | 'retried' | 'deferred_outage' | 'dead_lettered' | 'requeued';

const DEFAULT_MAX_OUTAGE_MS = 3_600_000;
const DEFAULT_OUTAGE_RETRY_MAX_DELAY_MS = 30_000;
const OUTAGE_RETRY_MIN_DELAY_MS = 1000;

export interface TaskConsumerSettings {
  connection: AmqpConnectionManager;
  topology: TaskQueueTopology;
  registry: HandlerRegistry;
  /** Used to move failed deliveries to a retry tier or the DLQ, with headers saying why. */
  publisher: TaskPublisher;
  retryPolicy: RetryPolicy;
  tracker?: TaskTrackerPort;
  logger: MessagingLogger;
  /** Identifies this consumer in task leases, e.g. `sync-worker-<pod>-<pid>`. */
  consumerId: string;
  /** Unacknowledged deliveries at once (also the concurrency of handlers). */
  prefetch: number;
  /** A task attempted this many times is dead-lettered whatever the policy says. */
  maxAttempts: number;
  /** How long a started task is owned before another consumer may take it over. */
  leaseMs: number;
  /** Delay before a duplicate delivery of a task another consumer is running is looked at again. */
  busyDelayMs?: number;
  /**
   * A task failing because the infrastructure is away (the policy's `outage` decisions, or a
   * delivery that could not be settled) waits it out this long, without using up its attempts,
   * before it is dead-lettered. Default one hour.
   */
  maxOutageMs?: number;
  /** Longest wait between two tries during an outage: how late work resumes once it ends. Default 30 s. */
  outageRetryMaxDelayMs?: number;
  /** Observes every delivery's outcome (metrics). */
  onOutcome?: (outcome: { type: TaskType | 'unknown'; outcome: TaskOutcome; category?: string; durationMs: number }) => void;
}

/**
 * Consumes a task queue with manual acks and a bounded prefetch (set in the channel setup, so
 * it holds again after a reconnect). Every delivery is acknowledged on the channel it came from;
 * a delivery whose channel has closed is not acknowledged at all (the broker redelivers it), as
 * acking it on a new channel would ack the wrong message or kill the connection (notes/amqp.md).
 */
export class TaskConsumer {
  private channel: ChannelWrapper | undefined;
  private readonly closedChannels = new WeakSet<Channel>();
  private readonly consumerTags = new Map<Channel, string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private stopping = false;

  constructor(private readonly settings: TaskConsumerSettings) {}

  /** Refuses to start unless every task type has exactly one handler. */
  async start(types?: readonly TaskType[]): Promise<void> {
    this.settings.registry.assertHandles(types);
    const { topology, prefetch } = this.settings;
    this.channel = this.settings.connection.createChannel({
      name: 'task-consumer',
      confirm: true,
      json: false,
      setup: async (channel: ConfirmChannel) => {
        channel.once('close', () => this.closedChannels.add(channel));
        await assertTaskTopology(channel, topology);
        await channel.prefetch(prefetch);
        if (this.stopping) return;
        const { consumerTag } = await channel.consume(topology.main, (msg) => msg && this.track(this.deliver(channel, msg)), {
          noAck: false,
        });
        this.consumerTags.set(channel, consumerTag);
      },
    });
    watchChannelErrors(this.channel, this.settings.logger, 'task-consumer');
    await this.channel.waitForConnect();
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Stops taking deliveries, waits up to `timeoutMs` for running handlers, then closes the
   * channel: deliveries still unacknowledged go back to the queue.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const channel = this.channel;
    if (!channel) return;
    await channel.addSetup(async (ch: Channel) => {
      const tag = this.consumerTags.get(ch);
      if (tag) await ch.cancel(tag).catch(() => undefined);
    });
    const drained = Promise.allSettled([...this.inFlight]);
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeoutMs).unref()),
    ]);
    if (timedOut) {
      this.settings.logger.warn({ inFlight: this.inFlight.size }, 'handlers still running at shutdown: their deliveries return to the queue');
      this.abort.abort();
    }
    await channel.close();
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Never throws: an exception escaping a consume callback would drop the whole connection. */
  private async deliver(channel: Channel, msg: ConsumeMessage): Promise<void> {
    const started = performance.now();
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const attempt = Math.max(1, Number(headers[TaskHeaders.ATTEMPT] ?? 1) || 1);
    let type: TaskType | 'unknown' = 'unknown';
    let outcome: TaskOutcome = 'requeued';
    let category: string | undefined;
    let message: TaskMessage | undefined;
    try {
      try {
        message = parseTaskMessage(msg.content, headers);
      } catch (err) {
        if (!(err instanceof InvalidTaskError)) throw err;
        await this.deadLetterRaw(msg, attempt, err.message);
        this.ack(channel, msg);
        category = 'data-format';
        outcome = 'dead_lettered';
        return;
      }
      type = message.type;
      ({ outcome, category } = await this.process(channel, msg, message, attempt));
    } catch (err) {
      // Could not settle the delivery (the database or the broker away, e.g. the tracker
      // unreachable): put it aside for a while rather than hand it straight back, as an immediate
      // requeue would spin through the broker's delivery limit into the DLQ within seconds.
      if (message && (await this.deferForOutage(channel, msg, message, attempt, err))) {
        outcome = 'deferred_outage';
      } else {
        this.settings.logger.error({ err, taskId: headers[TaskHeaders.TASK_ID] }, 'delivery could not be settled; requeueing');
        this.nack(channel, msg);
      }
    } finally {
      this.settings.onOutcome?.({ type, outcome, category, durationMs: performance.now() - started });
    }
  }

  private async process(
    channel: Channel,
    msg: ConsumeMessage,
    message: TaskMessage,
    attempt: number,
  ): Promise<{ outcome: TaskOutcome; category?: string }> {
    const { tracker, consumerId, leaseMs, logger } = this.settings;
    const log = { taskId: message.taskId, taskType: message.type, partnerCode: message.payload.partnerCode, attempt };

    const handler = this.settings.registry.get(message.type);
    if (!handler) {
      // Producers and this worker disagree on which queue the type travels on: a configuration
      // error no retry fixes. Park the message where an operator sees it.
      const reason = `no handler for ${message.type} on queue ${this.settings.topology.main}`;
      await this.settings.publisher.publish(message, {
        attempt,
        queue: this.settings.topology.failed,
        headers: { ...taskFailureHeaders('internal', reason) },
      });
      logger.error({ ...log, reason }, 'task dead-lettered');
      this.ack(channel, msg);
      return { outcome: 'dead_lettered', category: 'internal' };
    }

    const start = tracker ? await tracker.start(message, attempt, consumerId, leaseMs) : { status: 'run' as const, trackerTaskId: message.taskId };
    if (start.status === 'completed') {
      logger.info(log, 'task already completed; acknowledging duplicate delivery');
      this.ack(channel, msg);
      return { outcome: 'skipped_duplicate' };
    }
    if (start.status === 'busy') {
      const delayMs = this.settings.busyDelayMs ?? 5000;
      await this.settings.publisher.publish(message, {
        attempt,
        queue: tierFor(this.settings.topology, delayMs).queue,
        expirationMs: delayMs,
      });
      this.ack(channel, msg);
      return { outcome: 'busy' };
    }

    // A handler may run longer than the lease (a slow partner, a big log): renew it at a third of
    // its length, so the stuck-task sweeper does not hand a live task to another consumer.
    const lease = tracker
      ? keepLeaseAlive({
          renew: () => tracker.renew(start.trackerTaskId, consumerId, leaseMs),
          leaseMs,
          onLost: () => logger.warn(log, 'task lease lost while the handler runs; another consumer may take the task over'),
          onError: (err) => logger.warn({ ...log, err }, 'could not renew the task lease; trying again'),
        })
      : null;
    const context = { message, attempt, signal: this.abort.signal, logger };
    try {
      await handler(context);
    } catch (err) {
      lease?.stop();
      const decision = this.decide(err, attempt, msg);
      if (decision.action === 'retry' && decision.outage) {
        // The tracker is likely as unreachable as whatever failed: a best effort, and the task
        // waits the outage out either way.
        await tracker?.recordFailure(start.trackerTaskId, consumerId, attempt, decision).catch(() => undefined);
        await this.defer(message, attempt, msg, decision.reason, decision.category);
        this.ack(channel, msg);
        return { outcome: 'deferred_outage', category: decision.category };
      }
      await tracker?.recordFailure(start.trackerTaskId, consumerId, attempt, decision);
      if (decision.action === 'dead-letter') await this.giveUp(context, decision, log);
      const failure = taskFailureHeaders(decision.category, decision.reason);
      if (decision.action === 'retry') {
        await this.settings.publisher.publish(message, {
          attempt: attempt + 1,
          queue: tierFor(this.settings.topology, decision.delayMs).queue,
          expirationMs: decision.delayMs,
          headers: { ...failure },
        });
        logger.warn({ ...log, category: decision.category, delayMs: decision.delayMs, reason: decision.reason }, 'task failed; retrying');
        this.ack(channel, msg);
        return { outcome: 'retried', category: decision.category };
      }
      await this.settings.publisher.publish(message, { attempt, queue: this.settings.topology.failed, headers: { ...failure } });
      logger.error({ ...log, category: decision.category, reason: decision.reason }, 'task failed; dead-lettered');
      this.ack(channel, msg);
      return { outcome: 'dead_lettered', category: decision.category };
    }
    lease?.stop();
    await tracker?.complete(start.trackerTaskId, consumerId);
    this.ack(channel, msg);
    logger.info(log, 'task completed');
    return { outcome: 'completed' };
  }

  /**
   * The handler's give-up step, if it has one. Its failure (the database away) does not keep the
   * task from the DLQ, where it matters most: the record then keeps its last state, as it would
   * without the step, and a warning says so.
   */
  private async giveUp(context: TaskContext, decision: TaskGiveUp, log: Record<string, unknown>): Promise<void> {
    const onGiveUp = this.settings.registry.giveUpHandler(context.message.type);
    if (!onGiveUp) return;
    try {
      await onGiveUp(context, { category: decision.category, reason: decision.reason });
    } catch (err) {
      this.settings.logger.warn({ ...log, err }, 'could not record that the task was given up; its record keeps its last state');
    }
  }

  private decide(err: unknown, attempt: number, msg: ConsumeMessage): RetryDecision {
    let decision: RetryDecision;
    try {
      decision = this.settings.retryPolicy(err, attempt);
    } catch {
      decision = { action: 'retry', delayMs: 5000, category: 'internal', reason: String(err) };
    }
    if (decision.action === 'retry' && decision.outage) {
      const lastedMs = Date.now() - outageSince(msg);
      const maxOutageMs = this.settings.maxOutageMs ?? DEFAULT_MAX_OUTAGE_MS;
      if (lastedMs <= maxOutageMs) return decision;
      return { action: 'dead-letter', category: decision.category, reason: `${decision.reason} (gave up after waiting out an outage for ${Math.round(lastedMs / 1000)} s)` };
    }
    if (decision.action === 'retry' && attempt >= this.settings.maxAttempts) {
      return { action: 'dead-letter', category: decision.category, reason: `${decision.reason} (gave up after ${attempt} attempts)` };
    }
    return decision;
  }

  /**
   * Publishes the task to a delay tier with the same attempt number and the time its outage
   * began; the wait grows with the outage (half of it so far, within bounds), so a long outage
   * costs few deliveries and work resumes soon after it ends.
   */
  private async defer(message: TaskMessage, attempt: number, msg: ConsumeMessage, reason: string, category: ErrorCategory): Promise<void> {
    const since = outageSince(msg);
    const maxDelayMs = this.settings.outageRetryMaxDelayMs ?? DEFAULT_OUTAGE_RETRY_MAX_DELAY_MS;
    const delayMs = Math.min(maxDelayMs, Math.max(OUTAGE_RETRY_MIN_DELAY_MS, (Date.now() - since) / 2));
    await this.settings.publisher.publish(message, {
      attempt,
      queue: tierFor(this.settings.topology, delayMs).queue,
      expirationMs: delayMs,
      headers: { ...taskFailureHeaders(category, reason), [TaskHeaders.OUTAGE_SINCE]: since },
    });
    this.settings.logger.warn(
      { taskId: message.taskId, taskType: message.type, attempt, delayMs: Math.round(delayMs), outageS: Math.round((Date.now() - since) / 1000), reason },
      'infrastructure unavailable; task deferred without using an attempt',
    );
  }

  /** True when the delivery was put aside on a delay tier (and acknowledged); false when even that failed. */
  private async deferForOutage(channel: Channel, msg: ConsumeMessage, message: TaskMessage, attempt: number, err: unknown): Promise<boolean> {
    const maxOutageMs = this.settings.maxOutageMs ?? DEFAULT_MAX_OUTAGE_MS;
    if (Date.now() - outageSince(msg) > maxOutageMs) return false; // the broker's delivery limit takes it from here
    try {
      await this.defer(message, attempt, msg, err instanceof Error ? err.message : String(err), 'internal');
    } catch {
      return false;
    }
    this.ack(channel, msg);
    return true;
  }

  /** A body that is not a valid task can never succeed: straight to the DLQ, bytes unchanged. */
  private async deadLetterRaw(msg: ConsumeMessage, attempt: number, reason: string): Promise<void> {
    const channel = this.channel;
    if (!channel) throw new Error('consumer not started');
    await channel.sendToQueue(this.settings.topology.failed, msg.content, {
      persistent: true,
      contentType: msg.properties.contentType,
      messageId: msg.properties.messageId,
      headers: { ...(msg.properties.headers ?? {}), [TaskHeaders.ATTEMPT]: attempt, ...taskFailureHeaders('data-format', reason) },
    });
    this.settings.logger.error({ reason, messageId: msg.properties.messageId }, 'invalid task message; dead-lettered');
  }

  private ack(channel: Channel, msg: ConsumeMessage): void {
    if (this.closedChannels.has(channel)) return;
    try {
      channel.ack(msg);
    } catch (err) {
      this.settings.logger.warn({ reason: (err as Error).message }, 'ack dropped: channel closed; the broker will redeliver');
    }
  }

  private nack(channel: Channel, msg: ConsumeMessage): void {
    if (this.closedChannels.has(channel)) return;
    try {
      channel.nack(msg, false, true);
    } catch (err) {
      this.settings.logger.warn({ reason: (err as Error).message }, 'nack dropped: channel closed; the broker will redeliver');
    }
  }
}

/** When the outage this delivery is waiting out began: its header, or now for a first failure. */
function outageSince(msg: ConsumeMessage): number {
  const value = Number((msg.properties.headers ?? {})[TaskHeaders.OUTAGE_SINCE]);
  return Number.isFinite(value) && value > 0 ? value : Date.now();
}
