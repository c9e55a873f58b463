import { PartnerCode, TaskType, createTaskMessage } from '@agair/domain-models';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import { describe, expect, it } from 'vitest';
import type { MessagingLogger } from './logger.js';
import { PublishBufferFullError, PublishFailedError, TaskPublisher } from './task-publisher.js';
import { taskQueueTopology } from './task-queue.topology.js';

const silent: MessagingLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const task = createTaskMessage(
  TaskType.UPLOAD_PARTNER_JOB,
  { assignId: 'a'.repeat(24), customerId: 'c'.repeat(24), partnerCode: PartnerCode.SATLOC },
  { taskId: 'task-0001', createdAt: new Date('2026-01-01T00:00:00Z') },
);

/** A connection whose channel answers publishes as `outcomes` says, in order (then confirms). */
function fakeConnection(outcomes: ('confirm' | 'reject' | 'hang')[]) {
  const sent: { queue: string; headers: Record<string, unknown> }[] = [];
  const channel = {
    sendToQueue: async (queue: string, _content: Buffer, options: { headers: Record<string, unknown> }) => {
      sent.push({ queue, headers: options.headers });
      const outcome = outcomes.shift() ?? 'confirm';
      if (outcome === 'reject') throw new Error('channel closed');
      if (outcome === 'hang') await new Promise(() => undefined);
    },
    waitForConnect: async () => undefined,
    close: async () => undefined,
    on: () => channel,
  };
  return { connection: { createChannel: () => channel } as unknown as AmqpConnectionManager, sent };
}

describe('TaskPublisher', () => {
  const topology = taskQueueTopology('partner_tasks');

  it('sends a publish again when the broker did not confirm it (the manager does not)', async () => {
    const { connection, sent } = fakeConnection(['reject', 'reject', 'confirm']);
    const publisher = new TaskPublisher({ connection, topology, logger: silent, publishTimeoutMs: 1000, maxAttempts: 5 });
    await publisher.publish(task);
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatchObject({ queue: 'partner_tasks', headers: { 'x-task-id': 'task-0001', 'x-task-type': 'UPLOAD_PARTNER_JOB', 'x-attempt': 1, 'x-partner-code': 'SATLOC' } });
  });

  it('gives up with PublishFailedError after its attempts', async () => {
    const { connection } = fakeConnection(['reject', 'reject']);
    const publisher = new TaskPublisher({ connection, topology, logger: silent, publishTimeoutMs: 1000, maxAttempts: 2 });
    await expect(publisher.publish(task)).rejects.toBeInstanceOf(PublishFailedError);
  });

  it('refuses new publishes while too many wait for the broker, instead of buffering without bound', async () => {
    const { connection } = fakeConnection(['hang', 'hang']);
    const publisher = new TaskPublisher({ connection, topology, logger: silent, publishTimeoutMs: 1000, maxPendingPublishes: 2 });
    void publisher.publish(task);
    void publisher.publish(task);
    expect(publisher.pendingPublishes).toBe(2);
    await expect(publisher.publish(task)).rejects.toBeInstanceOf(PublishBufferFullError);
  });
});
