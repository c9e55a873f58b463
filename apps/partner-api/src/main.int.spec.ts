import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServiceProcess, testServices, waitFor, type ServiceProcess } from '@agair/testing';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** The variables the app needs besides its connections; valid, so only the ones under test are reported. */
const requiredBesidesConnections = {
  JWT_SECRET: 'p'.repeat(40),
  CREDENTIAL_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  CREDENTIAL_ACTIVE_KEY_ID: 'k1',
  SATLOC_BASE_URL: 'http://127.0.0.1:9/api/Satloc',
};

async function rabbitmqctl(...args: string[]): Promise<void> {
  const [command, ...prefix] = testServices().rabbitmqctl;
  if (!command) throw new Error('no rabbitmqctl command configured');
  await run(command, [...prefix, ...args], { timeout: 120_000 });
}

async function readiness(url: string): Promise<number> {
  const response = await fetch(`${url}/health/ready`);
  await response.body?.cancel();
  return response.status;
}

describe('partner-api as a process', () => {
  let service: ServiceProcess | undefined;

  afterAll(async () => {
    await service?.stop();
    // Leave the broker running whatever happened above.
    await rabbitmqctl('start_app').catch(() => undefined);
  });

  it('refuses to start without its configuration, naming every missing variable once', async () => {
    const bad = startServiceProcess('partner-api', { ...requiredBesidesConnections, HTTP_PORT: 'not-a-port', AMQP_URL: testServices().amqpUrl });
    expect(await bad.exited).toBe(1);
    const output = bad.output().trim();
    expect(output).toMatch(/^partner-api: Invalid configuration \(3 problems\)/);
    expect(output).toMatch(/MONGO_URL is required/);
    expect(output).toMatch(/REDIS_URL is required/);
    expect(output).toMatch(/HTTP_PORT must be an integer/);
    expect(output).not.toMatch(/at .*\.ts:\d+/); // no stack trace for a configuration error
  });

  it('is ready with its dependencies up, not ready while RabbitMQ is stopped, ready again after it restarts, and exits 0 on SIGTERM', async () => {
    const { mongoUrl, amqpUrl, redisUrl } = testServices();
    service = startServiceProcess('partner-api', {
      ...requiredBesidesConnections,
      HTTP_PORT: '0',
      MONGO_URL: mongoUrl,
      AMQP_URL: amqpUrl,
      REDIS_URL: redisUrl,
      AMQP_RECONNECT_S: '1',
      LOG_LEVEL: 'info',
    });
    const url = await service.waitForUrl();
    await waitFor(async () => ((await readiness(url)) === 200 ? true : undefined), { what: 'ready (200)' });

    await rabbitmqctl('stop_app');
    await waitFor(async () => ((await readiness(url)) === 503 ? true : undefined), { what: 'not ready (503)' });
    const body = (await (await fetch(`${url}/health/ready`)).json()) as { dependencies: { name: string; ok: boolean }[] };
    expect(body.dependencies.find((d) => d.name === 'rabbitmq')).toMatchObject({ ok: false });
    expect(body.dependencies.find((d) => d.name === 'mongodb')).toMatchObject({ ok: true });

    await rabbitmqctl('start_app');
    await waitFor(async () => ((await readiness(url)) === 200 ? true : undefined), { what: 'ready again (200)', timeoutMs: 60_000 });

    const stopping = service;
    service = undefined;
    // On failure, the process's own last words say why it did not stop cleanly.
    expect(await stopping.stop('SIGTERM'), stopping.output().slice(-4000)).toBe(0);
  });
});
