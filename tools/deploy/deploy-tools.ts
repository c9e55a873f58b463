import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

/** Repository root (this file lives in tools/deploy/). */
export const repoRoot = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}

export function readText(...parts: string[]): string {
  return readFileSync(repoPath(...parts), 'utf8');
}

/** YAML as the deploy files use it: anchors and `<<` merge keys resolved. */
export function readYaml(...parts: string[]): unknown {
  return parseYaml(readText(...parts), { merge: true });
}

/** A Kubernetes object as rendered: only the fields every object has are typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
      return doc.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null);
}

/** Builds (once, cached outside the repo) and returns the pinned kustomize binary. */
export function kustomizeBinary(): string {
  return execFileSync('bash', [repoPath('tools/deploy/kustomize.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** Builds (once, cached outside the repo) and returns the pinned promtool binary. */
export function promtoolBinary(): string {
  return execFileSync('bash', [repoPath('tools/deploy/promtool.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export function renderOverlay(kustomize: string, overlay: string): KubeObject[] {
  const text = execFileSync(kustomize, ['build', repoPath('k8s/overlays', overlay)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return parseManifests(text);
}

export interface SchemaSources {
  kubernetesVersion: string;
  kubernetes: string;
  kedaVersion: string;
  keda: string;
  composeGoVersion: string;
  composeGo: string;
}

/** Directories of the pinned schema sources in the Go module cache (downloaded once). */
export function schemaSources(): SchemaSources {
  const out = execFileSync('bash', [repoPath('tools/deploy/schemas.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out) as SchemaSources;
}

/** The deployable apps, from apps/*. */
export function appNames(): string[] {
  return readdirSync(repoPath('apps'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(repoPath('apps', entry.name, 'package.json')))
    .map((entry) => entry.name)
    .sort();
}

/** The default of HTTP_PORT in the app's configuration schema (apps/<app>/src/config.ts). */
export function appDefaultPort(app: string): number {
  const source = readText('apps', app, 'src/config.ts');
  const match = /HTTP_PORT:\s*Type\.Integer\(\{[^}]*\bdefault:\s*(\d+)/.exec(source);
  if (!match) throw new Error(`apps/${app}/src/config.ts declares no HTTP_PORT default`);
  return Number(match[1]);
}

/** SHUTDOWN_TIMEOUT_MS default of every app (service-kit's RuntimeEnv). */
export function defaultShutdownTimeoutMs(): number {
  const source = readText('libs/service-kit/src/config/common.ts');
  const match = /SHUTDOWN_TIMEOUT_MS:\s*Type\.Integer\(\{[^}]*\bdefault:\s*([\d_]+)/.exec(source);
  if (!match) throw new Error('libs/service-kit/src/config/common.ts declares no SHUTDOWN_TIMEOUT_MS default');
  return Number(match[1].replaceAll('_', ''));
}

/**
 * Where `tsc --build` writes a project's compiled entry: `<project>/<outDir>/<entry relative to rootDir>.js`,
 * read from the project's build tsconfig; throws when the TypeScript entry does not exist.
 */
export function builtEntryPoint(projectDir: string, tsconfigName: string, sourceEntry: string): string {
  const tsconfig = JSON.parse(readText(projectDir, tsconfigName)) as { compilerOptions?: { rootDir?: string; outDir?: string } };
  const rootDir = (tsconfig.compilerOptions?.rootDir ?? '.').replace(/^\.\/|\/$/g, '');
  const outDir = (tsconfig.compilerOptions?.outDir ?? '.').replace(/^\.\/|\/$/g, '');
  if (!existsSync(repoPath(projectDir, sourceEntry))) throw new Error(`${projectDir}/${sourceEntry} does not exist`);
  if (!sourceEntry.startsWith(`${rootDir}/`)) throw new Error(`${sourceEntry} is outside rootDir ${rootDir} of ${projectDir}/${tsconfigName}`);
  return `${projectDir}/${outDir}/${sourceEntry.slice(rootDir.length + 1).replace(/\.ts$/, '.js')}`;
}

/**
 * Every interval, in minutes, between the runs of a cron expression over one day (UTC, as the
 * poller schedules it): `[1]` for every minute, `[15]` for every quarter hour.
 */
export function cronIntervalsMinutes(expression: string): number[] {
  const runs = new Cron(expression, { timezone: 'UTC' }).nextRuns(1441, '2026-01-05T00:00:00Z').filter((run) => run.getTime() <= Date.parse('2026-01-06T00:00:00Z'));
  const intervals = runs.slice(1).map((run, i) => (run.getTime() - (runs[i] as Date).getTime()) / 60_000);
  return [...new Set(intervals)];
}
