import { EventEmitter } from 'node:events';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import { describe, expect, it } from 'vitest';
import { DeadLetterQueueAdmin, DlqHeaders, QueueBusyError, StaleConfirmationError } from './dead-letter-queue.admin.js';

/*
 * The order of a move against an in-memory broker that behaves as RabbitMQ does where it matters:
 * a fetched, unacked message returns to its place when its channel closes; a mandatory publish
 * to no queue is returned before it is confirmed; an exclusive queue belongs to one connection.
 * The same behaviour against a real broker: apps/dlq-admin/src/app.int.spec.ts.
 */

interface StoredMessage {
  content: Buffer;
  properties: { messageId?: string; expiration?: string; headers: Record<string, unknown> };
}

class FakeBroker {
  readonly queues = new Map<string, StoredMessage[]>();
  readonly owners = new Map<string, FakeConnection>();
  /** Queues whose publishes the broker nacks (a full queue with reject-publish). */
  readonly nacking = new Set<string>();

  constructor(names: readonly string[]) {
    for (const name of names) this.queues.set(name, []);
  }

  put(queue: string, taskId: string, extra: Partial<StoredMessage['properties']> = {}): void {
    this.queue(queue).push({ content: Buffer.from(JSON.stringify({ taskId })), properties: { messageId: taskId, headers: { 'x-task-id': taskId }, ...extra } });
  }

  ids(queue: string): string[] {
    return this.queue(queue).map((m) => String(m.properties.headers['x-task-id']));
  }

  queue(name: string): StoredMessage[] {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue ${name}`);
    return queue;
  }

  manager(): AmqpConnectionManager {
    return { connection: new FakeConnection(this) } as unknown as AmqpConnectionManager;
  }
}

class FakeConnection {
  constructor(readonly broker: FakeBroker) {}
  async createChannel(): Promise<FakeChannel> {
    return new FakeChannel(this);
  }
  async createConfirmChannel(): Promise<FakeChannel> {
    return new FakeChannel(this);
  }
}

class FakeChannel extends EventEmitter {
  private readonly unacked: { queue: string; message: StoredMessage }[] = [];
  private readonly broker: FakeBroker;

  constructor(private readonly connection: FakeConnection) {
    super();
    this.broker = connection.broker;
  }

  async get(queue: string): Promise<false | { content: Buffer; properties: StoredMessage['properties']; fields: object }> {
    const message = this.broker.queue(queue).shift();
    if (!message) return false;
    this.unacked.push({ queue, message });
    return { content: message.content, properties: structuredClone(message.properties), fields: {} };
  }

  ack(fetched: { content: Buffer }): void {
    const index = this.unacked.findIndex((u) => u.message.content === fetched.content);
    this.unacked.splice(index, 1);
  }

  async close(): Promise<void> {
    for (const { queue, message } of this.unacked.reverse()) this.broker.queue(queue).unshift(message);
    this.unacked.length = 0;
  }

  async checkQueue(queue: string): Promise<{ messageCount: number }> {
    if (!this.broker.queues.has(queue)) throw Object.assign(new Error('NOT_FOUND'), { code: 404 });
    return { messageCount: this.broker.queue(queue).length };
  }

  async assertQueue(queue: string, options: { exclusive?: boolean } = {}): Promise<void> {
    const owner = this.broker.owners.get(queue);
    if (owner && owner !== this.connection) throw Object.assign(new Error('RESOURCE_LOCKED'), { code: 405 });
    if (options.exclusive) this.broker.owners.set(queue, this.connection);
    if (!this.broker.queues.has(queue)) this.broker.queues.set(queue, []);
  }

  async deleteQueue(queue: string): Promise<void> {
    this.broker.queues.delete(queue);
    this.broker.owners.delete(queue);
  }

  sendToQueue(queue: string, content: Buffer, options: { mandatory?: boolean } & StoredMessage['properties'], confirmed: (err: unknown) => void): void {
    if (this.broker.nacking.has(queue)) return confirmed(new Error('nacked'));
    const target = this.broker.queues.get(queue);
    const { mandatory, ...properties } = options;
    if (!target) {
      if (mandatory) this.emit('return', { content });
    } else {
      target.push({ content, properties: structuredClone(properties) });
    }
    confirmed(null);
  }
}

const WORK = 'tasks';
const DLQ = 'tasks_failed';
const ARCHIVE = 'tasks_failed_archive';

function setUp(): { broker: FakeBroker; admin: DeadLetterQueueAdmin } {
  const broker = new FakeBroker([WORK, DLQ]);
  const admin = new DeadLetterQueueAdmin(broker.manager(), { archiveTtlMs: 60_000, now: () => new Date('2026-05-01T10:00:00Z') });
  return { broker, admin };
}

describe('DeadLetterQueueAdmin moves', () => {
  it('acks a retried message only when a queue took it: one whose queue is gone stays in the DLQ, in its place, and is reported', async () => {
    const { broker, admin } = setUp();
    broker.put(DLQ, 'a', { headers: { 'x-task-id': 'a', 'x-death': [{ queue: 'tasks_gone', reason: 'rejected' }] } });
    broker.put(DLQ, 'b');
    const result = await admin.retryAll(WORK);
    expect(result).toMatchObject({ moved: 1, left: 1, taskIds: ['b'], notMoved: [{ queue: 'tasks_gone', messages: 1 }] });
    expect(broker.ids(DLQ)).toEqual(['a']);
    expect(broker.ids(WORK)).toEqual(['b']);
  });

  it('leaves the message in the DLQ when the broker nacks the copy', async () => {
    const { broker, admin } = setUp();
    broker.put(DLQ, 'a');
    broker.nacking.add(WORK);
    await expect(admin.retryAll(WORK)).rejects.toThrow('nacked');
    expect(broker.ids(DLQ)).toEqual(['a']);
  });
});

describe('DeadLetterQueueAdmin purge and restore', () => {
  it('refuses a confirmation whose count or messages differ from the DLQ now, moving nothing', async () => {
    const { broker, admin } = setUp();
    broker.put(DLQ, 'a');
    broker.put(DLQ, 'b');
    const { confirmation } = await admin.list(WORK, 0, 10);
    broker.put(DLQ, 'c');
    await expect(admin.purge(WORK, confirmation, 'ops')).rejects.toBeInstanceOf(StaleConfirmationError);
    broker.queue(DLQ).shift();
    // Two messages again, but b and c, not a and b.
    await expect(admin.purge(WORK, confirmation, 'ops')).rejects.toThrow(/no longer holds the messages that were listed/);
    await expect(admin.purge(WORK, { expectedCount: 2, listingToken: 'made-up' }, 'ops')).rejects.toBeInstanceOf(StaleConfirmationError);
    expect(broker.ids(DLQ)).toEqual(['b', 'c']);
    expect(broker.queues.has(ARCHIVE)).toBe(false);
  });

  it('moves exactly the confirmed messages into the archive with the archive TTL, and restores them as they were', async () => {
    const { broker, admin } = setUp();
    broker.put(DLQ, 'a', { expiration: '5000', headers: { 'x-task-id': 'a' } });
    broker.put(DLQ, 'b');
    const { confirmation } = await admin.list(WORK, 0, 1);
    expect(confirmation.expectedCount).toBe(2);
    const result = await admin.purge(WORK, confirmation, 'ops');
    expect(result).toMatchObject({ archived: 2, left: 0, archiveQueue: ARCHIVE, expiresAt: '2026-05-01T10:01:00.000Z', taskIds: ['a', 'b'] });
    const [first] = broker.queue(ARCHIVE);
    expect(first?.properties.expiration).toBe('60000');
    expect(first?.properties.headers).toMatchObject({
      [DlqHeaders.ARCHIVED_BY]: 'ops',
      [DlqHeaders.ARCHIVED_AT]: '2026-05-01T10:00:00.000Z',
      [DlqHeaders.ORIGINAL_EXPIRATION]: '5000',
      [DlqHeaders.ORIGINAL_QUEUE]: WORK,
    });

    const page = await admin.listArchive(WORK, 0, 10);
    expect(page.messages.map((m) => [m.taskId, m.expiresAt])).toEqual([
      ['a', '2026-05-01T10:01:00.000Z'],
      ['b', '2026-05-01T10:01:00.000Z'],
    ]);
    const restored = await admin.restore(WORK, { ids: [page.messages[0]?.archiveId as string, 'not-archived'] }, 'dead-letter-queue');
    expect(restored).toMatchObject({ restored: 1, left: 1, notFound: ['not-archived'], taskIds: ['a'] });
    const [back] = broker.queue(DLQ);
    expect(back?.properties).toEqual({ messageId: 'a', expiration: '5000', headers: { 'x-task-id': 'a', [DlqHeaders.ORIGINAL_QUEUE]: WORK } });
  });
});

describe('DeadLetterQueueAdmin mover lock', () => {
  it('refuses every operation on a DLQ another connection holds, and works once it lets go', async () => {
    const { broker, admin } = setUp();
    broker.put(DLQ, 'a');
    const other = await new FakeConnection(broker).createChannel();
    const lock = await DeadLetterQueueAdmin.holdMoverLock(other as never, DLQ);
    await expect(admin.retryAll(WORK)).rejects.toBeInstanceOf(QueueBusyError);
    await expect(admin.list(WORK, 0, 10)).rejects.toBeInstanceOf(QueueBusyError);
    expect(broker.ids(DLQ)).toEqual(['a']);
    await lock.release();
    expect(await admin.retryAll(WORK)).toMatchObject({ moved: 1 });
  });

  it('runs operations of one process in turn rather than refusing them', async () => {
    const { broker, admin } = setUp();
    for (const id of ['a', 'b', 'c']) broker.put(DLQ, id);
    const [page, moved] = await Promise.all([admin.list(WORK, 0, 10), admin.retryByPosition(WORK, 1)]);
    expect(page.messages.map((m) => m.taskId)).toEqual(['a', 'b', 'c']);
    expect(moved).toMatchObject({ moved: 1, taskIds: ['b'] });
    expect(broker.owners.size).toBe(0);
  });
});
