import { randomBytes, randomUUID } from 'node:crypto';
import { PartnerCode, TaskType, createTaskMessage, type TaskMessage } from '@agair/domain-models';
import { HandlerRegistry, TaskConsumer, TaskPublisher, type MessagingLogger } from '@agair/messaging';
import { CredentialCipher, createRepositories, ensureIndexes } from '@agair/persistence';
import { testServices, uniqueName, waitFor, withDatabase } from '@agair/testing';
import amqp from 'amqp-connection-manager';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { partnerTaskRetryPolicy, partnerTaskTopology } from './task-queue.js';

const silent: MessagingLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('exactly-once effects under at-least-once delivery', () => {
  const prefix = `${uniqueName('it')}_`;
  const client = new MongoClient(withDatabase(testServices().mongoUrl, uniqueName('it_exactly_once')), { retryWrites: false });
  const connections = [0, 1, 2].map(() => amqp.connect([testServices().amqpUrl], { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1 }));
  const topology = partnerTaskTopology({ QUEUE_PREFIX: prefix, TASK_QUEUE: 'partner_tasks', TASK_DELIVERY_LIMIT: 5, TASK_RETRY_TIERS_MS: '500,1000', AMQP_PUBLISH_TIMEOUT_MS: 10_000 });
  const stops: (() => Promise<void>)[] = [];

  afterAll(async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
    const channel = connections[0]?.createChannel({ setup: async () => undefined });
    await channel?.waitForConnect();
    for (const q of [topology.main, topology.failed, ...topology.tiers.map((t) => t.queue)]) await channel?.deleteQueue(q).catch(() => undefined);
    await channel?.close();
    await Promise.allSettled(connections.map((c) => c.close()));
    await client.db().dropDatabase();
    await client.close();
  });

  it('two consumers racing for 500 tasks, each published twice: every task takes effect exactly once', async () => {
    const db = client.db();
    await ensureIndexes(db);
    const repositories = createRepositories(db, { credentialKeys: CredentialCipher.fromConfig({ keys: { k1: randomBytes(32).toString('base64') }, activeKeyId: 'k1' }) });
    const effects = db.collection<{ taskId: string; consumer: string }>('effects');

    const consumers = ['consumer-a', 'consumer-b'].map((consumerId, i) => {
      const connection = connections[i + 1];
      if (!connection) throw new Error('no connection');
      const publisher = new TaskPublisher({ connection, topology, logger: silent, publishTimeoutMs: 10_000 });
      const effect = async ({ message }: { message: TaskMessage }) => {
        // The effect: one document per application. Inserts never collide, so doubles would show.
        await effects.insertOne({ taskId: message.taskId, consumer: consumerId });
      };
      const consumer = new TaskConsumer({
        connection,
        topology,
        registry: new HandlerRegistry()
          .register(TaskType.UPLOAD_PARTNER_JOB, effect)
          .register(TaskType.PROCESS_PARTNER_LOG, effect)
          .register(TaskType.PROCESS_PARTNER_DATA_FILE, effect),
        publisher,
        retryPolicy: partnerTaskRetryPolicy,
        tracker: repositories.taskTrackers,
        logger: silent,
        consumerId,
        prefetch: 10,
        maxAttempts: 5,
        leaseMs: 60_000,
      });
      stops.push(async () => {
        await consumer.stop(2000);
        await publisher.close();
      });
      return consumer;
    });
    await Promise.all(consumers.map((c) => c.start()));

    const producerConnection = connections[0];
    if (!producerConnection) throw new Error('no connection');
    const producer = new TaskPublisher({ connection: producerConnection, topology, logger: silent, publishTimeoutMs: 10_000 });
    stops.push(() => producer.close());
    const tasks = Array.from({ length: 500 }, (_, i) =>
      createTaskMessage(
        TaskType.UPLOAD_PARTNER_JOB,
        { assignId: i.toString(16).padStart(24, '0'), customerId: 'c'.repeat(24), partnerCode: PartnerCode.SATLOC },
        { taskId: `race:${randomUUID()}`, createdAt: new Date() },
      ),
    );
    // Every task twice, as a producer re-sending after a lost confirm would.
    await Promise.all([...tasks, ...tasks].map((task) => producer.publish(task)));

    await waitFor(async () => ((await effects.countDocuments()) >= 500 ? true : undefined), { timeoutMs: 120_000, what: '500 effects' });
    // Let any duplicate still in flight finish, then count.
    await waitFor(async () => {
      const channel = producerConnection.createChannel({ setup: async () => undefined });
      await channel.waitForConnect();
      const { messageCount } = await channel.checkQueue(topology.main);
      await channel.close();
      return messageCount === 0 ? true : undefined;
    }, { timeoutMs: 60_000, what: 'queue drained' });
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const all = await effects.find().toArray();
    const perTask = new Map<string, number>();
    for (const e of all) perTask.set(e.taskId, (perTask.get(e.taskId) ?? 0) + 1);
    expect(perTask.size).toBe(500);
    expect([...perTask.values()].filter((n) => n !== 1)).toEqual([]);
    // Both consumers took part in the race.
    expect(new Set(all.map((e) => e.consumer)).size).toBe(2);
  });
});
