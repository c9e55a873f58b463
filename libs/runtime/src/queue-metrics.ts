import type { TaskQueueTopology } from '@agair/messaging';
import { Gauge, metric, type AmqpConnection, type Registry } from '@agair/service-kit';

const CHECK_TIMEOUT_MS = 2000;

/**
 * `agair_queue_depth{queue}` and `agair_dlq_depth{queue}`, read from the broker when Prometheus
 * scrapes (passive queue checks on a short-lived channel). Absent while the broker is away.
 */
export function registerQueueDepthMetrics(registry: Registry, amqp: AmqpConnection, topologies: readonly TaskQueueTopology[]): void {
  const read = async (queue: string): Promise<number | null> => {
    const connection = amqp.manager.connection;
    if (!connection) return null;
    let channel: Awaited<ReturnType<typeof connection.createChannel>> | undefined;
    try {
      channel = await connection.createChannel();
      channel.on('error', () => undefined);
      const check = channel.checkQueue(queue);
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('queue check timed out')), CHECK_TIMEOUT_MS).unref());
      return (await Promise.race([check, timeout])).messageCount;
    } catch {
      return null;
    } finally {
      await channel?.close().catch(() => undefined);
    }
  };
  const gauge = (name: string, help: string, queues: readonly string[]) =>
    metric(
      registry,
      name,
      () =>
        new Gauge({
          name,
          help,
          labelNames: ['queue'],
          registers: [registry],
          async collect() {
            for (const queue of queues) {
              const depth = await read(queue);
              if (depth === null) this.remove({ queue });
              else this.set({ queue }, depth);
            }
          },
        }),
    );
  gauge('agair_queue_depth', 'Messages ready in the work queue', topologies.map((t) => t.main));
  gauge('agair_dlq_depth', 'Messages in the dead-letter queue', topologies.map((t) => t.failed));
}
