import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appDefaultPort, appNames, builtEntryPoint, readText, readYaml, repoPath } from './deploy-tools.js';
import { copyOf, parseDockerfile, resolveTarget, stageChain } from './dockerfile.parser.js';

const dockerfile = parseDockerfile(readText('docker/Dockerfile'));
const ignorePatterns = readText('docker/Dockerfile.dockerignore')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** Whether the build context leaves this path out (the .dockerignore patterns these files use: `**`, `*`, literal paths). */
function ignored(path: string): boolean {
  const clean = path.replace(/^\.\//, '').replace(/\/$/, '');
  return ignorePatterns.some((pattern) => {
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .split('**/')
        .map((part) => part.replace(/\*/g, '[^/]*'))
        .join('(?:.*/)?')}(?:/.*)?$`,
    );
    return regex.test(clean);
  });
}

const contextCopies = dockerfile.stages.flatMap((stage) =>
  stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD').map(copyOf).filter((copy) => copy.from === undefined),
);

interface ComposeBuild { context: string; dockerfile: string; target?: string; args?: Record<string, string> }
const compose = readYaml('docker/compose.yml') as { services: Record<string, { build?: ComposeBuild }> };

describe('docker/Dockerfile', () => {
  it('copies from the build context only files that exist and that .dockerignore keeps', () => {
    expect(contextCopies.flatMap((copy) => copy.sources)).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.base.json', 'apps/', 'libs/', 'tools/deploy/stage-project.mjs', 'docker/healthcheck.mjs']),
    );
    for (const copy of contextCopies) {
      for (const source of copy.sources) {
        expect(existsSync(repoPath(source)), `line ${copy.line}: ${source} exists`).toBe(true);
        expect(ignored(source), `line ${copy.line}: ${source} is not excluded by Dockerfile.dockerignore`).toBe(false);
      }
    }
  });

  it('keeps dependencies, build output and git data out of the build context', () => {
    for (const path of ['node_modules', 'apps/poller/node_modules', 'libs/service-kit/dist', 'apps/poller/dist/main.js', '.git', 'libs/x/out-tsc']) {
      expect(ignored(path), path).toBe(true);
    }
    expect(ignored('apps/poller/src/main.ts')).toBe(false);
  });

  it('gives `npm ci` the manifest of every workspace package (the lock file must match them)', () => {
    const manifests = dockerfile.stages.find((s) => s.name === 'manifests');
    const copies = (manifests?.instructions ?? []).filter((i) => i.keyword === 'COPY').map(copyOf);
    expect(copies).toEqual([expect.objectContaining({ from: 'sources', sources: ['/manifests/'] })]);
    const extract = dockerfile.stages.find((s) => s.name === 'sources')?.instructions.find((i) => i.keyword === 'RUN');
    expect(extract?.args).toBe('node tools/deploy/stage-project.mjs manifests /manifests');

    const out = mkdtempSync(join(tmpdir(), 'agair-manifests-'));
    try {
      execFileSync('node', [repoPath('tools/deploy/stage-project.mjs'), 'manifests', out], { cwd: repoPath() });
      const workspaces = ['apps', 'libs'].flatMap((dir) =>
        readdirSync(repoPath(dir), { withFileTypes: true })
          .filter((entry) => entry.isDirectory() && existsSync(repoPath(dir, entry.name, 'package.json')))
          .map((entry) => `${dir}/${entry.name}/package.json`),
      );
      const staged = readdirSync(out, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(out, join(entry.parentPath, entry.name)));
      expect(staged.sort()).toEqual(['package-lock.json', 'package.json', ...workspaces].sort());
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('installs only the production dependencies of the one project, and no package manager reaches the runtime image', () => {
    const prodDeps = dockerfile.stages.find((s) => s.name === 'prod-deps');
    const install = prodDeps?.instructions.find((i) => i.keyword === 'RUN' && i.args.includes('npm ci'));
    expect(install?.args).toMatch(/--omit=dev/);
    expect(install?.args).toMatch(/--workspace="?\$PROJECT_DIR/);
    const runtime = dockerfile.stages.find((s) => s.name === 'runtime');
    expect(runtime?.base).toMatch(/node/i);
    const runtimeCopies = (runtime?.instructions ?? []).filter((i) => i.keyword === 'COPY').map(copyOf);
    expect(runtimeCopies.filter((c) => c.from !== undefined).map((c) => c.from).sort()).toEqual(['build', 'prod-deps']);
    expect(runtime?.instructions.find((i) => i.keyword === 'RUN')?.args).toMatch(/rm -rf .*\/npm /);
  });

  it("each image's production install holds no test tooling (the image's npm ci, dry run on the staged manifests)", () => {
    // npm ci --omit=dev --workspace=<app> keeps an app's devDependencies that are workspace links or
    // (npm 10) its own devDependencies: test tools are declared at the root only. This replays the
    // prod-deps stage's install, without downloading anything, and reads what it would add.
    const install = dockerfile.stages.find((s) => s.name === 'prod-deps')?.instructions.find((i) => i.keyword === 'RUN' && i.args.includes('npm ci'));
    const flags = (install?.args.match(/npm ci (.*?) --workspace/)?.[1] ?? '').split(' ').filter(Boolean);
    expect(flags).toContain('--omit=dev');
    const out = mkdtempSync(join(tmpdir(), 'agair-prod-deps-'));
    try {
      execFileSync('node', [repoPath('tools/deploy/stage-project.mjs'), 'manifests', out], { cwd: repoPath() });
      const testTools = /^add (@agair\/testing|testcontainers|@testcontainers\/.*|vitest|vite|fast-check|autocannon|tsx|typescript|eslint|nx) /;
      for (const project of [...appNames().map((app) => `apps/${app}`), 'libs/partner-sdk']) {
        const added = execFileSync('npm', ['ci', ...flags, `--workspace=${project}`, '--dry-run', '--offline'], { cwd: out, encoding: 'utf8' })
          .split('\n')
          .filter((line) => line.startsWith('add '));
        expect(added.length, project).toBeGreaterThan(20);
        expect(added.filter((line) => testTools.test(line)), project).toEqual([]);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('every COPY --from names an earlier stage', () => {
    const names: string[] = [];
    for (const stage of dockerfile.stages) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY').map(copyOf)) {
        if (copy.from !== undefined) expect(names, `line ${copy.line}`).toContain(copy.from);
      }
      if (stage.name) names.push(stage.name);
    }
  });

  it.each(appNames())('target app for %s starts apps/<app>/dist/main.js, as the build writes it, non-root, with NODE_ENV=production and a HEALTHCHECK', (app) => {
    const built = builtEntryPoint(`apps/${app}`, 'tsconfig.app.json', 'src/main.ts');
    expect(built).toBe(`apps/${app}/dist/main.js`);
    const manifest = JSON.parse(readText('apps', app, 'package.json')) as { main?: string };
    expect(manifest.main?.replace(/^\.\//, '')).toBe('dist/main.js');

    const resolved = resolveTarget(dockerfile, 'app', { PROJECT_DIR: `apps/${app}`, HTTP_PORT: String(appDefaultPort(app)) });
    expect(resolved.cmd?.[0]).toBe('node');
    const script = resolved.cmd?.[1] ?? '';
    const absolute = script.startsWith('/') ? script : `${resolved.workdir}/${script}`;
    expect(absolute).toBe(`/app/${built}`);
    expect(resolved.user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(resolved.env.get('NODE_ENV')).toBe('production');
    expect(resolved.env.get('HTTP_HOST')).toBe('0.0.0.0');
    expect(resolved.env.get('HTTP_PORT')).toBe(String(appDefaultPort(app)));
    expect(resolved.healthcheck).toContain('/opt/agair/healthcheck.mjs');
    expect(resolved.env.get('HEALTHCHECK_PATH')).toBe('/health/live');
  });

  it('target satloc-simulator starts the simulator entry point the partner-sdk build writes', () => {
    const built = builtEntryPoint('libs/partner-sdk', 'tsconfig.lib.json', 'src/simulator/main.ts');
    const resolved = resolveTarget(dockerfile, 'satloc-simulator', { PROJECT_DIR: 'libs/partner-sdk' });
    expect(`${resolved.workdir}/${resolved.cmd?.[1]}`).toBe(`/app/${built}`);
    expect(resolved.cmd).toEqual(expect.arrayContaining(['--host', '0.0.0.0']));
    expect(resolved.user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(resolved.healthcheck).toContain('/opt/agair/healthcheck.mjs');
  });

  it('the app target is the default (last) stage and both final targets build on the runtime stage', () => {
    expect(dockerfile.stages[dockerfile.stages.length - 1].name).toBe('app');
    for (const target of ['app', 'satloc-simulator']) expect(stageChain(dockerfile, target).map((s) => s.name)).toContain('runtime');
  });
});

describe('docker/compose.yml builds', () => {
  it.each(appNames())('%s from docker/Dockerfile with its project dir and default port', (app) => {
    const build = compose.services[app]?.build;
    expect(build?.dockerfile).toBe('docker/Dockerfile');
    expect(build?.context).toBe('..');
    expect(build?.target ?? 'app').toBe('app');
    expect(build?.args).toEqual({ PROJECT_DIR: `apps/${app}`, HTTP_PORT: String(appDefaultPort(app)) });
  });

  it('the simulator from the satloc-simulator target of libs/partner-sdk', () => {
    expect(compose.services['satloc-simulator']?.build).toMatchObject({ dockerfile: 'docker/Dockerfile', target: 'satloc-simulator', args: { PROJECT_DIR: 'libs/partner-sdk' } });
  });
});
