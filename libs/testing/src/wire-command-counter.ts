import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a MongoDB-wire server (MongoDB or FerretDB) that counts the
 * commands passing through it by name, for any number of client processes: point an app's
 * MONGO_URL at `url` and read `counts()`. Bytes are forwarded unchanged; only the client →
 * server direction is parsed (message header, then an OP_MSG's body document's first key).
 */
export interface WireCommandCounter {
  /** `mongodb://127.0.0.1:<port>/<database>` — the target's database, through the proxy. */
  url: string;
  counts(): Map<string, number>;
  /** The same by `command collection` (e.g. `find partner_log_trackers`), where the command names one. */
  countsByCollection(): Map<string, number>;
  /** Commands other than connection upkeep (hello, isMaster, ping, endSessions, …). */
  workCommands(): number;
  reset(): void;
  close(): Promise<void>;
}

const OP_MSG = 2013;
const OP_QUERY = 2004;
/** Connection handshakes, monitoring and session cleanup: not work an app asked for. */
const UPKEEP = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'endSessions', 'buildInfo', 'buildinfo', 'getParameter', 'saslStart', 'saslContinue']);

export async function startWireCommandCounter(targetUrl: string): Promise<WireCommandCounter> {
  const target = new URL(targetUrl);
  const host = target.hostname;
  const port = Number(target.port || 27017);
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') throw new Error(`the command counter proxies loopback servers only, not ${host}`);
  const counts = new Map<string, number>();
  const byCollection = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host, port });
    sockets.add(client).add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 16 && pending.length >= pending.readInt32LE(0)) {
        const length = pending.readInt32LE(0);
        const { name, collection } = commandOf(pending.subarray(0, length));
        counts.set(name, (counts.get(name) ?? 0) + 1);
        const key = collection === null ? name : `${name} ${collection}`;
        byCollection.set(key, (byCollection.get(key) ?? 0) + 1);
        pending = pending.subarray(length);
      }
    });
    upstream.pipe(client);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', closeBoth).on('error', closeBoth);
    upstream.on('close', closeBoth).on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the command counter did not get a TCP port');
  return {
    url: `mongodb://127.0.0.1:${address.port}${target.pathname}${target.search}`,
    counts: () => new Map(counts),
    countsByCollection: () => new Map(byCollection),
    workCommands: () => [...counts].reduce((sum, [name, n]) => sum + (UPKEEP.has(name) ? 0 : n), 0),
    reset: () => {
      counts.clear();
      byCollection.clear();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The command of one wire message: an OP_MSG's body document's first key (e.g. `find`), and its
 * value when that is a string (the collection the command works on).
 */
function commandOf(message: Buffer): { name: string; collection: string | null } {
  const opCode = message.readInt32LE(12);
  if (opCode === OP_QUERY) return { name: 'isMaster', collection: null };
  if (opCode !== OP_MSG || message.length < 26) return { name: `op:${opCode}`, collection: null };
  // flagBits (4 bytes) at 16; section kind at 20; a kind-0 section's BSON document at 21:
  // int32 length, then the first element: type byte (at 25), its name as a C string, its value.
  if (message[20] !== 0) return { name: 'op:msg-sequence-first', collection: null };
  const nameStart = 26;
  const nameEnd = message.indexOf(0, nameStart);
  if (nameEnd <= nameStart) return { name: 'op:msg', collection: null };
  const name = message.toString('utf8', nameStart, nameEnd);
  const BSON_STRING = 0x02;
  if (message[25] !== BSON_STRING || nameEnd + 5 > message.length) return { name, collection: null };
  const valueLength = message.readInt32LE(nameEnd + 1);
  return { name, collection: message.toString('utf8', nameEnd + 5, nameEnd + 5 + valueLength - 1) };
}
