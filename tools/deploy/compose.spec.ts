import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { appDefaultPort, appNames, cronIntervalsMinutes, readYaml, repoPath, schemaSources } from './deploy-tools.js';

interface ComposeService {
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: object;
  read_only?: boolean;
  stop_grace_period?: string;
  build?: object;
}
const compose = readYaml('docker/compose.yml') as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
let composeGoVersion = '';
let validateCompose: ((data: unknown) => boolean) & { errors?: unknown };

beforeAll(() => {
  const sources = schemaSources();
  composeGoVersion = sources.composeGoVersion;
  const schema = JSON.parse(readFileSync(join(sources.composeGo, 'schema/compose-spec.json'), 'utf8')) as object;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  validateCompose = ajv.compile(schema);
});

function seconds(duration: string | undefined): number {
  const match = /^(\d+)(s|m)$/.exec(duration ?? '');
  if (!match) return 10; // Docker's default
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

describe('docker/compose.yml', () => {
  it('validates against the Compose specification schema', () => {
    const valid = validateCompose(compose);
    expect(validateCompose.errors ?? [], `compose-spec.json of compose-go ${composeGoVersion}`).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema rejects what Compose rejects (so the check above can fail)', () => {
    expect(validateCompose({ services: { x: { image: 'a', restart: 'sometimes', portz: [] } } })).toBe(false);
  });

  it('runs MongoDB 7, RabbitMQ 4 with management, Redis 7, the five apps, the simulator, Prometheus and Grafana', () => {
    expect(compose.services.mongo.image).toBe('mongo:7');
    expect(compose.services.rabbitmq.image).toBe('rabbitmq:4-management');
    expect(compose.services.redis.image).toBe('redis:7');
    for (const name of [...appNames(), 'satloc-simulator', 'prometheus', 'grafana']) expect(compose.services[name], name).toBeDefined();
    for (const name of ['mongo', 'rabbitmq', 'redis']) expect(compose.services[name].healthcheck, `${name} healthcheck`).toBeDefined();
  });

  it.each(appNames())('%s: production settings, its port, the services by their compose names, drain time before SIGKILL', (app) => {
    const service = compose.services[app];
    const env = service.environment ?? {};
    const port = appDefaultPort(app);
    expect(env.NODE_ENV).toBe('production');
    expect(env.HTTP_HOST).toBe('0.0.0.0');
    expect(env.HTTP_PORT).toBe(String(port));
    expect(service.ports).toContain(`127.0.0.1:${port}:${port}`);
    expect(env.AMQP_URL).toMatch(/^amqp:\/\/[^@]+@rabbitmq:5672/);
    expect(service.depends_on?.rabbitmq?.condition).toBe('service_healthy');
    if (app !== 'dlq-admin') {
      expect(env.MONGO_URL).toMatch(/^mongodb:\/\/mongo:27017\//);
      expect(env.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
      expect(service.depends_on?.mongo?.condition).toBe('service_healthy');
      expect(service.depends_on?.redis?.condition).toBe('service_healthy');
    }
    const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 25_000);
    expect(seconds(service.stop_grace_period)).toBeGreaterThanOrEqual(shutdownMs / 1000 + 5);
    expect(service.read_only).toBe(true);
  });

  it('the poller polls every minute, the development interval, unless POLL_CRON is set', () => {
    const cron = compose.services.poller.environment?.POLL_CRON ?? '';
    expect(cron).toMatch(/^\$\{POLL_CRON:-.+\}$/);
    expect(cronIntervalsMinutes(cron.replace(/^\$\{POLL_CRON:-(.+)\}$/, '$1'))).toEqual([1]);
  });

  it('secrets are development placeholders that the environment overrides', () => {
    for (const app of appNames()) {
      const env = compose.services[app].environment ?? {};
      for (const name of ['JWT_SECRET', 'CREDENTIAL_KEYS']) expect(env[name], `${app} ${name}`).toMatch(/^\$\{\w+:-.*\}$/);
    }
  });

  it('every file it bind-mounts exists', () => {
    const named = new Set(Object.keys(compose.volumes ?? {}));
    const binds = Object.values(compose.services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => volume.split(':')[0])
      .filter((source) => !named.has(source));
    expect(binds.length).toBeGreaterThan(0);
    for (const source of binds) expect(existsSync(repoPath('docker', source)), source).toBe(true);
  });
});
