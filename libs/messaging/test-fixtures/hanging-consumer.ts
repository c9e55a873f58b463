/**
 * Test fixture: a consumer process whose handler announces the task it started and then never
 * finishes, so a test can kill the process mid-task. Arguments: AMQP URL, base queue name.
 */
import amqp from 'amqp-connection-manager';
import { HandlerRegistry, TaskConsumer, TaskPublisher, taskQueueTopology, type MessagingLogger } from '../src/index.js';

const [amqpUrl, queue] = process.argv.slice(2);
if (!amqpUrl || !queue) throw new Error('usage: hanging-consumer <amqpUrl> <queue>');

const logger: MessagingLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const connection = amqp.connect([amqpUrl], { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1 });
const topology = taskQueueTopology(queue, { retryTiersMs: [200, 400, 800, 1600], deliveryLimit: 3 });
const hang = async ({ message }: { message: { taskId: string } }) => {
  process.stdout.write(`started ${message.taskId}\n`);
  await new Promise(() => undefined);
};
const consumer = new TaskConsumer({
  connection,
  topology,
  registry: new HandlerRegistry()
    .register('UPLOAD_PARTNER_JOB', hang)
    .register('PROCESS_PARTNER_LOG', hang)
    .register('PROCESS_PARTNER_DATA_FILE', hang),
  publisher: new TaskPublisher({ connection, topology, logger, publishTimeoutMs: 5000 }),
  retryPolicy: () => ({ action: 'dead-letter', category: 'internal', reason: 'unexpected' }),
  logger,
  consumerId: `hanging-${process.pid}`,
  prefetch: 1,
  maxAttempts: 3,
  leaseMs: 60_000,
});
await consumer.start();
process.stdout.write('consuming\n');
