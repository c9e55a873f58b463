import type { Channel } from 'amqplib';

/** A delay queue: messages wait `ttlMs` at most, then dead-letter back to the work queue. */
export interface RetryTier {
  ttlMs: number;
  queue: string;
}

/** The queues of one work queue: itself, its dead-letter queue and its retry delay tiers. */
export interface TaskQueueTopology {
  main: string;
  failed: string;
  tiers: readonly RetryTier[];
  /** Deliveries of one message (crashes, requeues) before the broker dead-letters it as poison. */
  deliveryLimit: number;
}

export const DEFAULT_RETRY_TIERS_MS = [1_000, 5_000, 30_000, 120_000, 600_000, 3_600_000] as const;

export interface TopologyOptions {
  /** e.g. `dev_` in development; from config. */
  prefix?: string;
  deliveryLimit?: number;
  retryTiersMs?: readonly number[];
}

/** `partner_tasks` → `dev_partner_tasks`, `dev_partner_tasks_failed`, `dev_partner_tasks_retry_5s`, … */
export function taskQueueTopology(baseName: string, options: TopologyOptions = {}): TaskQueueTopology {
  const main = `${options.prefix ?? ''}${baseName}`;
  const tiersMs = [...(options.retryTiersMs ?? DEFAULT_RETRY_TIERS_MS)].sort((a, b) => a - b);
  if (tiersMs.length === 0 || tiersMs.some((t) => !Number.isInteger(t) || t <= 0)) {
    throw new RangeError('retry tiers must be positive integer milliseconds');
  }
  return {
    main,
    failed: `${main}_failed`,
    tiers: tiersMs.map((ttlMs) => ({ ttlMs, queue: `${main}_retry_${durationLabel(ttlMs)}` })),
    deliveryLimit: options.deliveryLimit ?? 5,
  };
}

/**
 * The tier for a wanted delay: the smallest whose TTL is at least the delay (the longest tier
 * for longer delays). Each message also carries its own expiration, so a jittered delay is
 * honoured; since every message in a tier wants a delay between the previous tier's TTL and
 * this one's, a message waits behind the queue head at most one tier's width.
 */
export function tierFor(topology: TaskQueueTopology, delayMs: number): RetryTier {
  const tiers = topology.tiers;
  return tiers.find((t) => t.ttlMs >= delayMs) ?? (tiers[tiers.length - 1] as RetryTier);
}

/**
 * Declares the queues; idempotent, run in every channel's setup (so again after a reconnect).
 * - main: durable quorum queue, at-least-once dead-lettering to `failed` (a message is not lost
 *   on its way to the DLQ), a delivery limit so a message that crashes its consumer cannot loop.
 * - failed: durable classic queue: requeued messages keep their positions there, which the
 *   non-destructive DLQ listing relies on (measured: a quorum queue reorders them).
 * - retry tiers: durable quorum queues whose expired messages dead-letter back to main.
 */
export async function assertTaskTopology(channel: Channel, topology: TaskQueueTopology): Promise<void> {
  await channel.assertQueue(topology.failed, { durable: true, arguments: { 'x-queue-type': 'classic' } });
  await channel.assertQueue(topology.main, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': topology.failed,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
      'x-delivery-limit': topology.deliveryLimit,
    },
  });
  for (const tier of topology.tiers) {
    await channel.assertQueue(tier.queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-message-ttl': tier.ttlMs,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': topology.main,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
  }
}

function durationLabel(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
