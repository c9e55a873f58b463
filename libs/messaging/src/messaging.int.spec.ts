import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { ErrorCategory, PartnerCode, TaskHeaders, TaskType, createTaskMessage, type TaskMessage } from '@agair/domain-models';
import { testServices, uniqueName, waitFor } from '@agair/testing';
import amqp, { type AmqpConnectionManager } from 'amqp-connection-manager';
import type { GetMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HandlerRegistry } from './handler-registry.js';
import type { MessagingLogger } from './logger.js';
import type { RetryPolicy } from './retry-policy.js';
import { TaskConsumer, type TaskConsumerSettings } from './task-consumer.js';
import { TaskPublisher } from './task-publisher.js';
import type { TaskTrackerPort } from './task-tracker.port.js';
import { taskQueueTopology, type TaskQueueTopology } from './task-queue.topology.js';

const run = promisify(execFile);
const silent: MessagingLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const customerId = 'c'.repeat(24);

function uploadTask(n: number): TaskMessage {
  return createTaskMessage(
    TaskType.UPLOAD_PARTNER_JOB,
    { assignId: n.toString(16).padStart(24, '0'), customerId, partnerCode: PartnerCode.SATLOC },
    { taskId: randomUUID(), createdAt: new Date() },
  );
}

class RetryableError extends Error {}
class OutageError extends Error {}
class DataFormatError extends Error {}

const policy: RetryPolicy = (error, attempt) =>
  error instanceof DataFormatError
    ? { action: 'dead-letter', category: ErrorCategory.DATA_FORMAT, reason: error.message }
    : { action: 'retry', delayMs: 150 * 2 ** (attempt - 1), category: ErrorCategory.NETWORK_TIMEOUT, reason: String((error as Error).message) };

describe('task messaging against RabbitMQ', () => {
  const connections: AmqpConnectionManager[] = [];
  const topologies: TaskQueueTopology[] = [];
  const closers: (() => Promise<void>)[] = [];

  function connect(): AmqpConnectionManager {
    const connection = amqp.connect([testServices().amqpUrl], { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 0.2 });
    connections.push(connection);
    return connection;
  }

  function topology(): TaskQueueTopology {
    const t = taskQueueTopology(uniqueName('it_tasks'), { retryTiersMs: [200, 400, 800, 1600], deliveryLimit: 3 });
    topologies.push(t);
    return t;
  }

  function publisherFor(t: TaskQueueTopology, connection = connect()): TaskPublisher {
    const publisher = new TaskPublisher({ connection, topology: t, logger: silent, publishTimeoutMs: 5000, maxAttempts: 10 });
    closers.push(() => publisher.close());
    return publisher;
  }

  /** A consumer of `t` with the tests' defaults (policy, silent logger, prefetch 1, 3 attempts, 10 s lease); stopped after the test. */
  function consumerFor(t: TaskQueueTopology, registry: HandlerRegistry, publisher: TaskPublisher, overrides: Partial<TaskConsumerSettings> = {}): TaskConsumer {
    const consumer = new TaskConsumer({
      connection: connect(),
      topology: t,
      registry,
      publisher,
      retryPolicy: policy,
      logger: silent,
      consumerId: 'test',
      prefetch: 1,
      maxAttempts: 3,
      leaseMs: 10_000,
      ...overrides,
    });
    closers.push(() => consumer.stop(5000));
    return consumer;
  }

  /** Reads the DLQ without removing anything for good. */
  async function drainQueue(queue: string): Promise<GetMessage[]> {
    const channel = connect().createChannel({ name: 'reader', setup: async () => undefined });
    await channel.waitForConnect();
    const messages: GetMessage[] = [];
    for (;;) {
      const msg = await channel.get(queue, { noAck: true });
      if (!msg) break;
      messages.push(msg);
    }
    await channel.close();
    return messages;
  }

  afterEach(async () => {
    await Promise.allSettled(closers.splice(0).map((close) => close()));
  });

  afterAll(async () => {
    const admin = connect().createChannel({ name: 'cleanup', setup: async () => undefined });
    await admin.waitForConnect();
    for (const t of topologies) {
      for (const q of [t.main, t.failed, ...t.tiers.map((tier) => tier.queue)]) await admin.deleteQueue(q).catch(() => undefined);
    }
    await Promise.allSettled(connections.map((c) => c.close()));
  });

  beforeAll(async () => {
    // The broker must be up: a previous test file may have just restarted it.
    await run(testServices().rabbitmqctl[0] ?? 'rabbitmqctl', [...testServices().rabbitmqctl.slice(1), 'await_startup'], { timeout: 60_000 }).catch(
      () => undefined,
    );
  });

  it('refuses to start a consumer without a handler for every task type', async () => {
    const t = topology();
    const registry = new HandlerRegistry().register(TaskType.UPLOAD_PARTNER_JOB, async () => undefined);
    const consumer = consumerFor(t, registry, publisherFor(t));
    await expect(consumer.start()).rejects.toThrow(/no handler registered for PROCESS_PARTNER_LOG, PROCESS_PARTNER_DATA_FILE/);
    expect(() => registry.register(TaskType.UPLOAD_PARTNER_JOB, async () => undefined)).toThrow(/already registered/);
  });

  it('retries a failing task with growing delays, then dead-letters it with the reason; a data-format error goes there at once', async () => {
    const t = topology();
    const publisher = publisherFor(t);
    const attempts = new Map<string, { attempt: number; at: number }[]>();
    const givenUp: { taskId: string; attempt: number; category: string; reason: string }[] = [];
    const registry = new HandlerRegistry()
      .register(
        TaskType.UPLOAD_PARTNER_JOB,
        async ({ message, attempt }) => {
          attempts.set(message.taskId, [...(attempts.get(message.taskId) ?? []), { attempt, at: Date.now() }]);
          if (message.payload.assignId.endsWith('1')) throw new RetryableError('partner timed out');
          throw new DataFormatError('job boundary has an open ring');
        },
        {
          onGiveUp: async ({ message, attempt }, { category, reason }) => {
            givenUp.push({ taskId: message.taskId, attempt, category, reason });
            // A give-up step that fails (the database away) does not keep the task from the DLQ.
            if (category === ErrorCategory.DATA_FORMAT) throw new Error('database unreachable');
          },
        },
      )
      .register(TaskType.PROCESS_PARTNER_LOG, async () => undefined)
      .register(TaskType.PROCESS_PARTNER_DATA_FILE, async () => undefined);
    const consumer = consumerFor(t, registry, publisher, { prefetch: 5, maxAttempts: 4 });
    await consumer.start();

    const retryable = uploadTask(1);
    const badData = uploadTask(2);
    await publisher.publish(retryable);
    await publisher.publish(badData);

    await waitFor(() => ((attempts.get(retryable.taskId)?.length ?? 0) >= 4 ? true : undefined), { timeoutMs: 20_000, what: '4 attempts' });
    const dead = await waitFor(
      async () => {
        const messages = await drainQueue(t.failed);
        return messages.length === 2 ? messages : undefined;
      },
      { what: 'two dead-lettered tasks' },
    );

    const seen = attempts.get(retryable.taskId) ?? [];
    expect(seen.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    const gaps = seen.slice(1).map((a, i) => a.at - (seen[i]?.at ?? 0));
    // 150, 300, 600 ms wanted: each wait longer than the one before.
    expect(gaps[0]).toBeGreaterThanOrEqual(140);
    expect(gaps[1]).toBeGreaterThan(gaps[0] ?? 0);
    expect(gaps[2]).toBeGreaterThan(gaps[1] ?? 0);
    expect(attempts.get(badData.taskId)).toHaveLength(1);

    const byId = new Map(dead.map((m) => [m.properties.headers?.[TaskHeaders.TASK_ID], m]));
    expect(byId.get(retryable.taskId)?.properties.headers).toMatchObject({
      [TaskHeaders.ERROR_CATEGORY]: 'network-timeout',
      [TaskHeaders.ATTEMPT]: 4,
      [TaskHeaders.TYPE]: 'UPLOAD_PARTNER_JOB',
    });
    expect(String(byId.get(retryable.taskId)?.properties.headers?.[TaskHeaders.LAST_ERROR])).toMatch(/partner timed out.*gave up after 4 attempts/);
    expect(byId.get(badData.taskId)?.properties.headers).toMatchObject({ [TaskHeaders.ERROR_CATEGORY]: 'data-format', [TaskHeaders.ATTEMPT]: 1 });
    expect(JSON.parse(byId.get(badData.taskId)?.content.toString() ?? '{}')).toEqual(badData);

    // The give-up step ran once per dead-lettered task, after its last attempt, never for a retry.
    expect(givenUp.sort((a, b) => a.attempt - b.attempt)).toEqual([
      { taskId: badData.taskId, attempt: 1, category: ErrorCategory.DATA_FORMAT, reason: 'job boundary has an open ring' },
      { taskId: retryable.taskId, attempt: 4, category: ErrorCategory.NETWORK_TIMEOUT, reason: expect.stringMatching(/partner timed out.*gave up after 4 attempts/) as unknown as string },
    ]);
  });

  it('waits out an infrastructure outage without using attempts: nothing requeued at once, nothing in the DLQ, each task done once', async () => {
    const t = topology();
    const publisher = publisherFor(t);
    let down = true;
    const outagePolicy: RetryPolicy = (error, attempt) =>
      error instanceof OutageError ? { action: 'retry', delayMs: 0, category: ErrorCategory.INTERNAL, reason: error.message, outage: true } : policy(error, attempt);
    // One task finds its tracker unreachable (the delivery cannot even start), the other fails inside its handler.
    const trackerDown = uploadTask(41);
    const handlerDown = uploadTask(42);
    const tracker: TaskTrackerPort = {
      start: async (message) => {
        if (down && message.taskId === trackerDown.taskId) throw new OutageError('server selection timed out');
        return { status: 'run', trackerTaskId: message.taskId };
      },
      complete: async () => undefined,
      recordFailure: async () => undefined,
      renew: async () => true,
    };
    const runs: { taskId: string; attempt: number }[] = [];
    const outcomes: string[] = [];
    const registry = new HandlerRegistry()
      .register(TaskType.UPLOAD_PARTNER_JOB, async ({ message, attempt }) => {
        runs.push({ taskId: message.taskId, attempt });
        if (down && message.taskId === handlerDown.taskId) throw new OutageError('connection reset by the database');
      })
      .register(TaskType.PROCESS_PARTNER_LOG, async () => undefined)
      .register(TaskType.PROCESS_PARTNER_DATA_FILE, async () => undefined);
    // Three attempts and three deliveries would each be used up many times over during this outage.
    const consumer = consumerFor(t, registry, publisher, {
      tracker,
      retryPolicy: outagePolicy,
      maxAttempts: 3,
      outageRetryMaxDelayMs: 400,
      onOutcome: ({ outcome }) => void outcomes.push(outcome),
    });
    await consumer.start();
    await publisher.publish(trackerDown);
    await publisher.publish(handlerDown);

    await waitFor(() => (outcomes.filter((o) => o === 'deferred_outage').length >= 12 ? true : undefined), { timeoutMs: 20_000, what: 'the outage waited out' });
    down = false;
    await waitFor(() => (outcomes.filter((o) => o === 'completed').length === 2 ? true : undefined), { timeoutMs: 10_000, what: 'both tasks completed' });

    expect(outcomes).not.toContain('requeued');
    expect(outcomes).not.toContain('dead_lettered');
    // Every run of the handler-side task was its first attempt: the outage used none.
    expect(new Set(runs.filter((r) => r.taskId === handlerDown.taskId).map((r) => r.attempt))).toEqual(new Set([1]));
    expect(runs.filter((r) => r.taskId === trackerDown.taskId)).toEqual([{ taskId: trackerDown.taskId, attempt: 1 }]);
    expect(await drainQueue(t.failed)).toEqual([]);
  });

  it('dead-letters a task once its outage has lasted maxOutageMs, with the reason, after its give-up step', async () => {
    const t = topology();
    const publisher = publisherFor(t);
    const givenUp: string[] = [];
    const registry = new HandlerRegistry()
      .register(
        TaskType.UPLOAD_PARTNER_JOB,
        async () => {
          throw new OutageError('database unreachable');
        },
        { onGiveUp: async ({ message }) => void givenUp.push(message.taskId) },
      )
      .register(TaskType.PROCESS_PARTNER_LOG, async () => undefined)
      .register(TaskType.PROCESS_PARTNER_DATA_FILE, async () => undefined);
    const consumer = consumerFor(t, registry, publisher, {
      retryPolicy: (error, attempt) =>
        error instanceof OutageError ? { action: 'retry', delayMs: 0, category: ErrorCategory.INTERNAL, reason: error.message, outage: true } : policy(error, attempt),
      maxOutageMs: 1500,
      outageRetryMaxDelayMs: 200,
    });
    await consumer.start();
    const task = uploadTask(43);
    await publisher.publish(task);
    const [dead] = await waitFor(async () => {
      const found = await drainQueue(t.failed);
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 15_000, what: 'the task in the DLQ' });
    const headers = dead?.properties.headers ?? {};
    expect(headers[TaskHeaders.TASK_ID]).toBe(task.taskId);
    expect(headers[TaskHeaders.ATTEMPT]).toBe(1);
    expect(String(headers[TaskHeaders.LAST_ERROR])).toMatch(/database unreachable \(gave up after waiting out an outage for \d+ s\)/);
    expect(givenUp).toEqual([task.taskId]);
  });

  it('renews the task lease while a handler outlives it, stops at the end, and warns when the lease is lost', async () => {
    const t = topology();
    const publisher = publisherFor(t);
    const renewals: { taskId: string; owner: string; leaseMs: number; at: number }[] = [];
    let holdLease = true;
    const tracker: TaskTrackerPort = {
      start: async (message) => ({ status: 'run', trackerTaskId: message.taskId }),
      complete: async () => undefined,
      recordFailure: async () => undefined,
      renew: async (taskId, owner, leaseMs) => {
        renewals.push({ taskId, owner, leaseMs, at: Date.now() });
        return holdLease;
      },
    };
    const warnings: string[] = [];
    const logger: MessagingLogger = { ...silent, warn: (_fields, message) => void warnings.push(String(message)) };
    const done: string[] = [];
    const registry = new HandlerRegistry()
      .register(TaskType.UPLOAD_PARTNER_JOB, async ({ message }) => {
        await new Promise((resolve) => setTimeout(resolve, 1300));
        done.push(message.taskId);
      })
      .register(TaskType.PROCESS_PARTNER_LOG, async () => undefined)
      .register(TaskType.PROCESS_PARTNER_DATA_FILE, async () => undefined);
    const consumer = consumerFor(t, registry, publisher, { tracker, logger, consumerId: 'lease-test', maxAttempts: 4, leaseMs: 300 });
    await consumer.start();

    const long = uploadTask(31);
    await publisher.publish(long);
    await waitFor(() => (done.includes(long.taskId) ? true : undefined), { timeoutMs: 10_000, what: 'the long task' });
    const finishedAt = Date.now();
    // A renewal every 100 ms (a third of the lease) while the 1.3 s handler ran.
    expect(renewals.length).toBeGreaterThanOrEqual(6);
    expect(renewals.every((r) => r.taskId === long.taskId && r.owner === 'lease-test' && r.leaseMs === 300)).toBe(true);
    const count = renewals.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(renewals.length, 'no renewal after the task finished').toBe(count);
    expect(renewals.every((r) => r.at <= finishedAt)).toBe(true);
    expect(warnings).toEqual([]);

    holdLease = false;
    const lost = uploadTask(32);
    await publisher.publish(lost);
    await waitFor(() => (done.includes(lost.taskId) ? true : undefined), { timeoutMs: 10_000, what: 'the task whose lease is lost' });
    expect(warnings.filter((w) => /task lease lost/.test(w))).toHaveLength(1);
    expect(renewals.filter((r) => r.taskId === lost.taskId)).toHaveLength(1);
  });

  it('logs a channel setup the broker refuses instead of letting it stop the process (no unhandled rejection)', async () => {
    const t = topology();
    // The work queue already exists as a classic queue: declaring it quorum is refused (PRECONDITION_FAILED).
    const admin = connect().createChannel({ name: 'conflict', setup: async () => undefined });
    await admin.waitForConnect();
    await admin.assertQueue(t.main, { durable: true });
    await admin.close();
    const warnings: string[] = [];
    const logger: MessagingLogger = { ...silent, warn: (_obj, msg) => warnings.push(msg ?? '') };
    const publisher = new TaskPublisher({ connection: connect(), topology: t, logger, publishTimeoutMs: 1000, maxAttempts: 1 });
    closers.push(() => publisher.close());
    // Vitest fails the run on an unhandled rejection; the warning is what the refusal becomes.
    await waitFor(() => (warnings.includes('channel setup failed; it is set up again on the next connection') ? true : undefined), { timeoutMs: 10_000, what: 'the setup failure logged' });
  });

  it('parks a task of a type this pool does not handle in the DLQ at once, naming the queue', async () => {
    const t = topology();
    const publisher = publisherFor(t);
    const handled: string[] = [];
    const consumer = consumerFor(t, new HandlerRegistry().register(TaskType.UPLOAD_PARTNER_JOB, async ({ message }) => void handled.push(message.taskId)), publisher, { consumerId: 'upload-pool' });
    await consumer.start([TaskType.UPLOAD_PARTNER_JOB]);
    const stray = createTaskMessage(
      TaskType.PROCESS_PARTNER_DATA_FILE,
      { storedFileId: 'f'.repeat(24), contentHash: 'a'.repeat(64), partnerCode: PartnerCode.SATLOC, customerId, reason: 'reprocess' },
      { taskId: randomUUID(), createdAt: new Date() },
    );
    await publisher.publish(stray);
    const dead = await waitFor(async () => (await drainQueue(t.failed))[0], { what: 'the stray task in the DLQ' });
    expect(dead.properties.headers).toMatchObject({ [TaskHeaders.TASK_ID]: stray.taskId, [TaskHeaders.ERROR_CATEGORY]: 'internal' });
    expect(String(dead.properties.headers?.[TaskHeaders.LAST_ERROR])).toContain(`no handler for PROCESS_PARTNER_DATA_FILE on queue ${t.main}`);
    expect(handled).toEqual([]);
  });

  it('dead-letters a message that is not a valid task without calling any handler', async () => {
    const t = topology();
    const publisher = publisherFor(t);
    let handled = 0;
    const registry = new HandlerRegistry()
      .register(TaskType.UPLOAD_PARTNER_JOB, async () => void handled++)
      .register(TaskType.PROCESS_PARTNER_LOG, async () => void handled++)
      .register(TaskType.PROCESS_PARTNER_DATA_FILE, async () => void handled++);
    const consumer = consumerFor(t, registry, publisher);
    await consumer.start();
    const raw = connect().createChannel({ name: 'raw', setup: async () => undefined });
    await raw.waitForConnect();
    await raw.sendToQueue(t.main, Buffer.from('{"taskId": 42'), { persistent: true });
    const dead = await waitFor(async () => (await drainQueue(t.failed))[0], { what: 'dead-lettered garbage' });
    expect(dead.content.toString()).toBe('{"taskId": 42');
    expect(dead.properties.headers?.[TaskHeaders.ERROR_CATEGORY]).toBe('data-format');
    expect(String(dead.properties.headers?.[TaskHeaders.LAST_ERROR])).toMatch(/not JSON/);
    expect(handled).toBe(0);
    await raw.close();
  });

  it('loses no confirmed publish when the broker drops the connection during a burst of 1,000', async () => {
    const t = topology();
    const connection = connect();
    const publisher = new TaskPublisher({ connection, topology: t, logger: silent, publishTimeoutMs: 5000, maxAttempts: 10 });
    closers.push(() => publisher.close());
    await publisher.waitForConnect();
    let droppedAt: number | null = null;
    connection.on('disconnect', () => (droppedAt ??= Date.now()));
    const tasks = Array.from({ length: 1000 }, (_, i) => uploadTask(i));
    const confirmedAt: number[] = [];
    // Paced over a few seconds so that the drop lands in the middle of the burst.
    const burst = (async () => {
      const pending: Promise<void>[] = [];
      for (const task of tasks) {
        pending.push(publisher.publish(task).then(() => void confirmedAt.push(Date.now())));
        await new Promise((resolve) => setTimeout(resolve, 4));
      }
      await Promise.all(pending);
    })();
    await waitFor(() => (confirmedAt.length >= 100 ? true : undefined), { what: '100 confirms' });
    const [command, ...prefix] = testServices().rabbitmqctl;
    await run(command ?? 'rabbitmqctl', [...prefix, 'close_all_connections', 'test: drop during burst']);
    await burst;
    expect(confirmedAt).toHaveLength(1000);
    // The connection really dropped mid-burst: publishes were confirmed before and after it.
    expect(droppedAt).not.toBeNull();
    expect(confirmedAt.filter((at) => at < (droppedAt ?? 0)).length).toBeGreaterThan(0);
    expect(confirmedAt.filter((at) => at > (droppedAt ?? 0)).length).toBeGreaterThan(0);

    const ids = new Set((await drainQueue(t.main)).map((m) => String(m.properties.messageId)));
    expect(tasks.filter((task) => !ids.has(task.taskId))).toEqual([]);
  });

  it('redelivers the task of a consumer killed mid-task, and it completes once', async () => {
    const t = topology();
    const publisher = publisherFor(t);
    await publisher.waitForConnect();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@agair/source', new URL('../test-fixtures/hanging-consumer.ts', import.meta.url).pathname, testServices().amqpUrl, t.main],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => (output.includes('consuming') ? true : undefined), { what: 'child consumer' });

    const task = uploadTask(7);
    await publisher.publish(task);
    await waitFor(() => (output.includes(`started ${task.taskId}`) ? true : undefined), { what: 'child started the task' });
    child.kill('SIGKILL');
    await exited;

    const completions: string[] = [];
    const registry = new HandlerRegistry()
      .register(TaskType.UPLOAD_PARTNER_JOB, async ({ message }) => void completions.push(message.taskId))
      .register(TaskType.PROCESS_PARTNER_LOG, async () => undefined)
      .register(TaskType.PROCESS_PARTNER_DATA_FILE, async () => undefined);
    const outcomes: string[] = [];
    const consumer = consumerFor(t, registry, publisher, { consumerId: 'survivor', onOutcome: ({ outcome }) => void outcomes.push(outcome) });
    await consumer.start();
    await waitFor(() => (completions.length > 0 ? true : undefined), { what: 'redelivered task completed' });
    // Nothing else arrives: the task completed exactly once and the queue is empty.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(completions).toEqual([task.taskId]);
    expect(outcomes).toEqual(['completed']);
    expect(await drainQueue(t.main)).toEqual([]);
  });
});
