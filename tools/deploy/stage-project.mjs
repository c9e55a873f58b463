#!/usr/bin/env node
// Used by docker/Dockerfile (plain Node, no dependencies, so it runs before anything is built).
//
//   node tools/deploy/stage-project.mjs tsconfigs <projectDir>         prints the tsconfig files that
//       `tsc --build` needs for the project and every workspace library it depends on at run time
//   node tools/deploy/stage-project.mjs manifests <outDir>             copies package.json,
//       package-lock.json and every workspace package's package.json to <outDir> (what `npm ci` reads)
//   node tools/deploy/stage-project.mjs stage <projectDir> <outDir>    copies package.json and the
//       compiled JavaScript (dist/, without declarations and build info) of the same projects to
//       <outDir>, keeping their paths relative to the repository root
//
// Run from the repository root. The production closure follows `dependencies` (and
// `optionalDependencies`) between workspace packages; a test-only package (Nx tag `type:testing`)
// in it is an error, as is a project whose dist/ has not been built.
import { cpSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = process.cwd();

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Workspace package name -> directory relative to the root, from the root's `workspaces` globs (`dir/*` or `dir`). */
function workspacePackages() {
  const patterns = readJson(join(root, 'package.json')).workspaces ?? [];
  const byName = new Map();
  for (const pattern of patterns) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => `${pattern.slice(0, -2)}/${entry.name}`)
      : [pattern];
    for (const dir of dirs) {
      const manifest = join(root, dir, 'package.json');
      if (existsSync(manifest)) byName.set(readJson(manifest).name, dir);
    }
  }
  return byName;
}

/** The project and the workspace packages it needs at run time, the project first. */
export function productionClosure(projectDir) {
  const packages = workspacePackages();
  const start = relative(root, resolve(root, projectDir)).split('\\').join('/');
  if (![...packages.values()].includes(start)) throw new Error(`${projectDir} is not a workspace package of ${root}`);
  const seen = [];
  const visit = (dir, via) => {
    if (seen.includes(dir)) return;
    const manifest = readJson(join(root, dir, 'package.json'));
    const tags = manifest.nx?.tags ?? [];
    if (tags.includes('type:testing')) throw new Error(`${manifest.name} is test-only but ${via} depends on it at run time`);
    seen.push(dir);
    const deps = { ...manifest.dependencies, ...manifest.optionalDependencies };
    for (const name of Object.keys(deps)) {
      const depDir = packages.get(name);
      if (depDir) visit(depDir, manifest.name);
    }
  };
  visit(start, start);
  return seen;
}

function buildConfig(dir) {
  for (const name of ['tsconfig.app.json', 'tsconfig.lib.json']) {
    if (existsSync(join(root, dir, name))) return `${dir}/${name}`;
  }
  throw new Error(`${dir} has neither tsconfig.app.json nor tsconfig.lib.json`);
}

const SKIPPED = /(\.d\.ts|\.d\.ts\.map|\.d\.mts|\.d\.cts|\.tsbuildinfo)$/;

function stage(projectDir, outDir) {
  for (const dir of productionClosure(projectDir)) {
    const dist = join(root, dir, 'dist');
    if (!existsSync(dist) || !statSync(dist).isDirectory()) throw new Error(`${dir}/dist does not exist: build it first`);
    cpSync(join(root, dir, 'package.json'), join(outDir, dir, 'package.json'));
    cpSync(dist, join(outDir, dir, 'dist'), { recursive: true, filter: (source) => !SKIPPED.test(source) });
  }
}

function copyManifests(outDir) {
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(root, file), join(outDir, file));
  for (const dir of workspacePackages().values()) cpSync(join(root, dir, 'package.json'), join(outDir, dir, 'package.json'));
}

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const [command, projectDir, outDir] = process.argv.slice(2);
  try {
    if (command === 'tsconfigs' && projectDir) {
      process.stdout.write(`${productionClosure(projectDir).map(buildConfig).join(' ')}\n`);
    } else if (command === 'manifests' && projectDir) {
      copyManifests(resolve(projectDir));
    } else if (command === 'stage' && projectDir && outDir) {
      stage(projectDir, resolve(outDir));
    } else {
      process.stderr.write('usage: stage-project.mjs tsconfigs <projectDir> | manifests <outDir> | stage <projectDir> <outDir>\n');
      process.exit(2);
    }
  } catch (error) {
    process.stderr.write(`stage-project: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
