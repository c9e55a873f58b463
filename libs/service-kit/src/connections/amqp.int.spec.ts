import { LogCapture, testServices, uniqueName, waitFor } from '@agair/testing';
import type { ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { AmqpConnection } from './amqp.js';

describe('AmqpConnection against RabbitMQ', () => {
  let amqp: AmqpConnection;
  const queue = uniqueName('it_tasks');

  beforeAll(async () => {
    amqp = new AmqpConnection({
      url: testServices().amqpUrl,
      connectionName: 'service-kit-test',
      logger: createLogger({ name: 'test', level: 'silent', destination: new LogCapture() }),
      heartbeatS: 5,
      reconnectS: 1,
    });
    await waitFor(() => (amqp.isConnected() ? true : undefined), { what: 'RabbitMQ connection' });
  });

  afterAll(async () => {
    const admin = amqp.createChannel({ name: 'cleanup', publishTimeoutMs: 5000, setup: async () => undefined });
    await admin.waitForConnect();
    await admin.deleteQueue(queue);
    await admin.close();
    await amqp.close();
  });

  it('publishes with confirms to a durable queue, and redelivers an unacked message after the consumer channel closes', async () => {
    const publisher = amqp.createChannel({
      name: 'publisher',
      publishTimeoutMs: 5000,
      setup: async (channel) => {
        await channel.assertQueue(queue, { durable: true });
      },
    });
    await publisher.waitForConnect();
    // Resolves only once the broker has confirmed the message.
    await publisher.sendToQueue(queue, Buffer.from(JSON.stringify({ taskId: 't-1' })), {
      persistent: true,
      headers: { 'x-task-type': 'UPLOAD_PARTNER_JOB', 'x-task-id': 't-1' },
    });

    // First consumer takes the message and closes its channel without acking.
    let first: ConsumeMessage | undefined;
    const consumer1 = amqp.createChannel({
      name: 'consumer-1',
      publishTimeoutMs: 5000,
      setup: async (channel) => {
        await channel.prefetch(1);
        await channel.consume(queue, (msg) => (first = msg ?? undefined), { noAck: false });
      },
    });
    await consumer1.waitForConnect();
    first = await waitFor(() => first, { what: 'first delivery' });
    expect(first.fields.redelivered).toBe(false);
    expect(first.properties.deliveryMode).toBe(2);
    expect(first.properties.headers?.['x-task-id']).toBe('t-1');

    // Close the channel that holds the unacked delivery: the broker must hand the message to the next consumer.
    await consumer1.close();

    const acked: ConsumeMessage[] = [];
    const consumer2 = amqp.createChannel({
      name: 'consumer-2',
      publishTimeoutMs: 5000,
      setup: async (channel) => {
        await channel.prefetch(1);
        await channel.consume(
          queue,
          (msg) => {
            if (!msg) return;
            channel.ack(msg);
            acked.push(msg);
          },
          { noAck: false },
        );
      },
    });
    await consumer2.waitForConnect();
    const redelivered = await waitFor(() => acked[0], { what: 'redelivery' });
    expect(redelivered.fields.redelivered).toBe(true);
    expect(JSON.parse(redelivered.content.toString())).toEqual({ taskId: 't-1' });

    await consumer2.close();
    const check = amqp.createChannel({ name: 'check', publishTimeoutMs: 5000, setup: async () => undefined });
    await check.waitForConnect();
    // Acked: nothing left in the queue.
    expect((await check.checkQueue(queue)).messageCount).toBe(0);
    await check.close();
    await publisher.close();
  });
});
