import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { waitFor } from './wait-for.js';

/** A Redis server of the test's own, to stop without touching the machine's shared one. */
export interface OwnRedisServer {
  url: string;
  /** Stops the server (SIGKILL: an outage, not a shutdown) and waits for the process to end. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** True when a Redis server answers PING on `port` (inline command, no client library needed). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('utf8').startsWith('+PONG'));
    });
  });
}

/**
 * Starts `redis-server` (on PATH, as `tools/services/up.sh` expects) on a free loopback port,
 * without persistence, and resolves once it answers PING.
 */
export async function startOwnRedisServer(): Promise<OwnRedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start redis-server (install Redis, as tools/services/up.sh expects): ${err.message}`))),
  );
  void spawnError.catch(() => undefined);
  try {
    await Promise.race([spawnError, waitFor(async () => ((await answersPing(port)) ? true : undefined), { what: `redis-server on port ${port}`, timeoutMs: 10_000 })]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
