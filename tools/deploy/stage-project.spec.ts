import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from './deploy-tools.js';

const stageScript = repoPath('tools/deploy/stage-project.mjs');
const healthcheckScript = repoPath('docker/healthcheck.mjs');

/** A small workspace: app -> lib-a -> lib-b, plus an unrelated lib and a test-only lib. */
function fixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'agair-stage-'));
  const write = (path: string, content: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const pkg = (name: string, deps: Record<string, string> = {}, tags: string[] = ['type:lib']) => JSON.stringify({ name, dependencies: deps, nx: { tags } });
  write('package.json', JSON.stringify({ name: 'root', workspaces: ['apps/*', 'libs/*'] }));
  write('package-lock.json', '{}');
  write('apps/shop/package.json', pkg('@x/shop', { '@x/lib-a': '*', fastify: '5' }, ['type:app']));
  write('apps/shop/tsconfig.app.json', '{}');
  write('apps/shop/dist/main.js', 'export {};');
  write('apps/shop/dist/main.js.map', '{}');
  write('apps/shop/dist/main.d.ts', 'export {};');
  write('apps/shop/dist/tsconfig.app.tsbuildinfo', '{}');
  write('apps/shop/src/main.ts', 'export {};');
  write('libs/lib-a/package.json', pkg('@x/lib-a', { '@x/lib-b': '*' }));
  write('libs/lib-a/tsconfig.lib.json', '{}');
  write('libs/lib-a/dist/index.js', 'export {};');
  write('libs/lib-b/package.json', pkg('@x/lib-b'));
  write('libs/lib-b/tsconfig.lib.json', '{}');
  write('libs/lib-b/dist/nested/util.js', 'export {};');
  write('libs/unrelated/package.json', pkg('@x/unrelated'));
  write('libs/unrelated/dist/index.js', 'export {};');
  write('libs/helpers/package.json', pkg('@x/helpers', {}, ['type:testing']));
  write('apps/broken/package.json', pkg('@x/broken', { '@x/helpers': '*' }, ['type:app']));
  write('apps/unbuilt/package.json', pkg('@x/unbuilt', { '@x/lib-b': '*' }, ['type:app']));
  return root;
}

function run(root: string, ...args: string[]) {
  return spawnSync('node', [stageScript, ...args], { cwd: root, encoding: 'utf8' });
}

describe('tools/deploy/stage-project.mjs (used by docker/Dockerfile)', () => {
  let root: string;
  beforeAll(() => {
    root = fixture();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists the tsconfig of the project and of each workspace library it needs at run time', () => {
    const result = run(root, 'tsconfigs', 'apps/shop');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split(' ')).toEqual(['apps/shop/tsconfig.app.json', 'libs/lib-a/tsconfig.lib.json', 'libs/lib-b/tsconfig.lib.json']);
  });

  it('stages package.json and the compiled JavaScript of exactly that closure, without declarations or build info', () => {
    const out = join(root, 'out');
    expect(run(root, 'stage', 'apps/shop', out).status).toBe(0);
    for (const file of ['apps/shop/package.json', 'apps/shop/dist/main.js', 'apps/shop/dist/main.js.map', 'libs/lib-a/dist/index.js', 'libs/lib-b/dist/nested/util.js']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    for (const file of ['apps/shop/dist/main.d.ts', 'apps/shop/dist/tsconfig.app.tsbuildinfo', 'apps/shop/src/main.ts', 'libs/unrelated', 'libs/helpers']) {
      expect(existsSync(join(out, file)), file).toBe(false);
    }
    expect(JSON.parse(readFileSync(join(out, 'libs/lib-a/package.json'), 'utf8')).name).toBe('@x/lib-a');
  });

  it('copies the manifests npm ci needs: root package.json, lock file and every workspace package.json', () => {
    const out = join(root, 'manifests');
    expect(run(root, 'manifests', out).status).toBe(0);
    for (const file of ['package.json', 'package-lock.json', 'apps/shop/package.json', 'libs/helpers/package.json', 'libs/unrelated/package.json']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    expect(existsSync(join(out, 'apps/shop/dist'))).toBe(false);
  });

  it('refuses a test-only package in the production closure, an unbuilt project and an unknown one', () => {
    const testing = run(root, 'tsconfigs', 'apps/broken');
    expect(testing.status).toBe(1);
    expect(testing.stderr).toContain('@x/helpers is test-only');
    const unbuilt = run(root, 'stage', 'apps/unbuilt', join(root, 'out-unbuilt'));
    expect(unbuilt.status).toBe(1);
    expect(unbuilt.stderr).toContain('apps/unbuilt/dist does not exist');
    expect(run(root, 'tsconfigs', 'apps/missing').stderr).toContain('is not a workspace package');
  });

  it('finds no test-only library in the production closure of any real app', () => {
    for (const app of ['partner-api', 'assign-api', 'dlq-admin', 'poller', 'sync-worker']) {
      const configs = execFileSync('node', [stageScript, 'tsconfigs', `apps/${app}`], { cwd: repoPath(), encoding: 'utf8' });
      expect(configs).toContain(`apps/${app}/tsconfig.app.json`);
      expect(configs).not.toContain('libs/testing');
    }
  });
});

describe('docker/healthcheck.mjs (the images\' HEALTHCHECK)', () => {
  let server: Server;
  let port = 0;
  const statusByPath: Record<string, number> = { '/health/live': 200, '/health/ready': 503, '/api/Satloc/IsAlive': 200 };

  beforeAll(async () => {
    server = createServer((request, response) => {
      response.statusCode = statusByPath[request.url ?? ''] ?? 404;
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  // asynchronous: the server answering the probe runs in this process
  const probe = (env: Record<string, string>) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn('node', [healthcheckScript], { env: { PATH: process.env.PATH ?? '', ...env } });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (status) => resolve({ status, stderr }));
    });

  it('exits 0 when the app answers 2xx on /health/live at HTTP_PORT', async () => {
    expect((await probe({ HTTP_PORT: String(port) })).status).toBe(0);
  });

  it('exits 1 when the path answers 5xx, when nothing listens and when no port is set', async () => {
    const notReady = await probe({ HTTP_PORT: String(port), HEALTHCHECK_PATH: '/health/ready' });
    expect(notReady.status).toBe(1);
    expect(notReady.stderr).toContain('503');
    const closedPort = await probe({ HTTP_PORT: '1' });
    expect(closedPort.status).toBe(1);
    expect((await probe({})).status).toBe(1);
  });

  it('HEALTHCHECK_PORT and HEALTHCHECK_PATH select the simulator endpoint', async () => {
    expect((await probe({ HEALTHCHECK_PORT: String(port), HEALTHCHECK_PATH: '/api/Satloc/IsAlive' })).status).toBe(0);
  });
});
