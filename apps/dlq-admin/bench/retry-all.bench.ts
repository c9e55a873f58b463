/**
 * How fast does dlq-admin send a dead-letter queue back? Publishes task messages straight into a
 * private `<prefix>partner_tasks_failed`, times `DeadLetterQueueAdmin.retryAll` moving them to
 * `<prefix>partner_tasks` (what `POST /api/dlq/:queue/retryAll` runs), and compares it with a bare
 * amqplib loop doing the same safe move (get → publish with confirm → ack, one at a time).
 *
 * retryAll runs twice: on a connection opened the way the app opens it (service-kit's
 * AmqpConnection, which sets TCP_NODELAY since this benchmark found the get → ack → get pattern
 * waiting ~40 ms per message on Nagle's algorithm) and on a bare manager with TCP_NODELAY.
 * Rounds alternate the order, so a noisy neighbour hurts every mode alike.
 *
 *   eval "$(bash tools/services/up.sh)" && npm run bench -w @agair/dlq-admin
 *   (options: --messages 10000 --deployed-messages 10000 --rounds 2)
 *
 * Needs AMQP_URL; touches only its own queues (deleted at the end).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { DeadLetterQueueAdmin, assertTaskTopology, taskQueueTopology } from '@agair/messaging';
import { AmqpConnection, createLogger } from '@agair/service-kit';
import { benchServices, uniqueName } from '@agair/testing';
import amqp from 'amqp-connection-manager';
import { connect, type Channel, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';

const { values: args } = parseArgs({
  options: { messages: { type: 'string', default: '10000' }, 'deployed-messages': { type: 'string', default: '10000' }, rounds: { type: 'string', default: '2' } },
});
const MESSAGES = Math.min(50_000, Math.max(1, Number(args.messages)));
/** Messages moved through the connection the app opens (before the TCP_NODELAY fix it managed ~20/s: see RESULTS.md). */
const DEPLOYED_MESSAGES = Math.min(MESSAGES, Math.max(1, Number(args['deployed-messages'])));
const ROUNDS = Math.min(5, Math.max(1, Number(args.rounds)));
const TIME_LIMIT_MS = 170_000;

const { AMQP_URL: amqpUrl } = benchServices(['AMQP_URL']);

const prefix = `${uniqueName('bench_dlq')}_`;
const topology = taskQueueTopology('partner_tasks', { prefix, retryTiersMs: [1000] });
const silent = createLogger({ name: 'dlq-bench', level: 'silent' });

/** A PROCESS_PARTNER_LOG task as the consumer dead-letters it: the catalogue's headers plus the failure. */
function deadLetter(i: number): { content: Buffer; options: Options.Publish } {
  const taskId = `plog:${i.toString(16).padStart(24, '0')}`;
  const message = {
    type: 'PROCESS_PARTNER_LOG',
    taskId,
    createdAt: new Date().toISOString(),
    payload: {
      trackerId: i.toString(16).padStart(24, '0'),
      partnerCode: 'SATLOC',
      customerId: '65f0c0ffee0000000000abcd',
      aircraftId: '101',
      logId: String(900_000 + i),
      storedFileId: (i + 1).toString(16).padStart(24, '0'),
      contentHash: randomBytes(32).toString('hex'),
    },
  };
  return {
    content: Buffer.from(JSON.stringify(message)),
    options: {
      persistent: true,
      contentType: 'application/json',
      messageId: taskId,
      timestamp: Math.floor(Date.now() / 1000),
      headers: {
        'x-task-type': 'PROCESS_PARTNER_LOG',
        'x-partner-code': 'SATLOC',
        'x-task-id': taskId,
        'x-attempt': 8,
        'x-error-category': 'internal',
        'x-last-error': 'tracker is PROCESSING; cannot process it now',
      },
    },
  };
}

async function fillDeadLetterQueue(channel: ConfirmChannel, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const { content, options } = deadLetter(i);
    if (!channel.sendToQueue(topology.failed, content, options)) await new Promise((resolve) => channel.once('drain', resolve));
    if (i % 1000 === 999) await channel.waitForConfirms();
  }
  await channel.waitForConfirms();
}

function publishConfirmed(channel: ConfirmChannel, queue: string, content: Buffer, options: Options.Publish): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.sendToQueue(queue, content, options, (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
  });
}

/** The baseline: the same at-least-once move with nothing around it. */
async function bareMove(connection: ChannelModel): Promise<number> {
  const reader: Channel = await connection.createChannel();
  const writer = await connection.createConfirmChannel();
  let moved = 0;
  try {
    for (;;) {
      const msg = await reader.get(topology.failed, { noAck: false });
      if (!msg) break;
      await publishConfirmed(writer, topology.main, msg.content, msg.properties as Options.Publish);
      reader.ack(msg);
      moved += 1;
    }
  } finally {
    await reader.close();
    await writer.close();
  }
  return moved;
}

type Mode = 'deployed' | 'noDelay' | 'bare';
const MODES: Record<Mode, { label: string; messages: number }> = {
  deployed: { label: 'ours: retryAll, connection as the app opens it (service-kit)', messages: DEPLOYED_MESSAGES },
  noDelay: { label: 'ours: retryAll, connection with noDelay', messages: MESSAGES },
  bare: { label: 'baseline: bare get → publish(confirm) → ack, noDelay', messages: MESSAGES },
};

interface Row {
  round: number;
  mode: Mode;
  moved: number;
  ms: number;
}

const connection = await connect(amqpUrl, { noDelay: true });
// What dlq-admin's buildApp opens (service-kit's AmqpConnection) …
const deployed = new AmqpConnection({ url: amqpUrl, connectionName: 'dlq-bench', logger: silent, heartbeatS: 10, reconnectS: 1 });
// … and a bare manager with TCP_NODELAY.
const withNoDelay = amqp.connect([amqpUrl], { heartbeatIntervalInSeconds: 10, reconnectTimeInSeconds: 1, connectionOptions: { noDelay: true } });
const rows: Row[] = [];
const benchStarted = Date.now();
try {
  const setup = await connection.createConfirmChannel();
  await assertTaskTopology(setup, topology);
  // connect() waits for the next 'connect' event, which may have fired already.
  await Promise.all([deployed.manager, withNoDelay].map((m) => (m.isConnected() ? undefined : once(m, 'connect'))));
  const admins = { deployed: new DeadLetterQueueAdmin(deployed.manager), noDelay: new DeadLetterQueueAdmin(withNoDelay) };

  for (let round = 1; round <= ROUNDS; round += 1) {
    // Odd rounds start with ours, even rounds with the baseline.
    const order: Mode[] = round % 2 === 1 ? ['noDelay', 'bare', 'deployed'] : ['bare', 'noDelay', 'deployed'];
    for (const mode of order) {
      if (Date.now() - benchStarted > TIME_LIMIT_MS) {
        process.stderr.write(`time limit reached: ${mode} of round ${round} not run\n`);
        continue;
      }
      const expected = MODES[mode].messages;
      await setup.purgeQueue(topology.main);
      await fillDeadLetterQueue(setup, expected);
      const started = performance.now();
      const moved = mode === 'bare' ? await bareMove(connection) : (await admins[mode].retryAll(topology.main)).moved;
      const ms = performance.now() - started;
      const { messageCount } = await setup.checkQueue(topology.main);
      if (moved !== expected || messageCount !== expected) throw new Error(`${mode}: moved ${moved}, ${messageCount} in the work queue, expected ${expected}`);
      rows.push({ round, mode, moved, ms });
    }
  }
  await setup.close();
} finally {
  const cleanup = await connection.createChannel();
  for (const queue of [topology.main, topology.failed, ...topology.tiers.map((t) => t.queue)]) await cleanup.deleteQueue(queue).catch(() => undefined);
  await cleanup.close().catch(() => undefined);
  await connection.close();
  await deployed.manager.close();
  await withNoDelay.close();
}

const rate = (r: Row) => r.moved / (r.ms / 1000);
const table: string[][] = rows.map((r) => [String(r.round), MODES[r.mode].label, String(r.moved), (r.ms / 1000).toFixed(1), rate(r).toFixed(0)]);
for (const round of [...new Set(rows.map((r) => r.round))]) {
  const bare = rows.find((r) => r.round === round && r.mode === 'bare');
  for (const mode of ['noDelay', 'deployed'] as const) {
    const ours = rows.find((r) => r.round === round && r.mode === mode);
    if (ours && bare) table.push([String(round), `ratio ${mode === 'noDelay' ? 'ours (noDelay)' : 'ours (as deployed)'} / baseline, messages/s`, '', '', `${((rate(ours) / rate(bare)) * 100).toFixed(1)} %`]);
  }
}
const header = ['round', 'mode', 'messages', 's', 'messages/s'];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
process.stdout.write(`dlq-admin retryAll (classic DLQ → quorum work queue, persistent messages, one confirmed publish at a time)\n`);
process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${table.map(line).join('\n')}\n`);
