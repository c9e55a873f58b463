/** One instruction of a Dockerfile, continuation lines joined, comments dropped. */
export interface DockerInstruction {
  keyword: string;
  /** The text after the keyword. */
  args: string;
  line: number;
}

export interface DockerStage {
  name: string | undefined;
  /** The FROM image or the stage it builds on. */
  base: string;
  instructions: DockerInstruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Map<string, string | undefined>;
  stages: DockerStage[];
}

/** Parses the instructions of a Dockerfile (the subset of the syntax these files use: no heredocs). */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: DockerInstruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (pending === '' && /^\s*(#|$)/.test(line)) return;
    if (pending !== '' && /^\s*#/.test(line)) return;
    if (pending === '') start = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const match = /^(\w+)\s*(.*)$/s.exec(full);
    if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: start });
  });

  const globalArgs = new Map<string, string | undefined>();
  const stages: DockerStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const parts = instruction.args.split(/\s+/).filter((part) => !part.startsWith('--'));
      stages.push({ base: parts[0], name: parts[1]?.toUpperCase() === 'AS' ? parts[2] : undefined, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name, value] = splitArg(instruction.args);
        globalArgs.set(name, value);
      }
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

function splitArg(args: string): [string, string | undefined] {
  const eq = args.indexOf('=');
  return eq < 0 ? [args.trim(), undefined] : [args.slice(0, eq).trim(), unquote(args.slice(eq + 1).trim())];
}

function unquote(value: string): string {
  return /^".*"$|^'.*'$/.test(value) ? value.slice(1, -1) : value;
}

/** `${NAME}` and `$NAME` replaced from `vars`; unknown names become empty, as Docker does. */
export function substitute(text: string, vars: ReadonlyMap<string, string | undefined>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_all, braced: string | undefined, bare: string | undefined) => vars.get((braced ?? bare) as string) ?? '');
}

export interface CopyInstruction {
  from: string | undefined;
  sources: string[];
  destination: string;
  line: number;
}

export function copyOf(instruction: DockerInstruction): CopyInstruction {
  const words = instruction.args.startsWith('[') ? (JSON.parse(instruction.args) as string[]) : instruction.args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths[paths.length - 1], line: instruction.line };
}

/** The stages a target is built from, base first (following FROM <stage> chains). */
export function stageChain(dockerfile: Dockerfile, target: string): DockerStage[] {
  const chain: DockerStage[] = [];
  let stage = dockerfile.stages.find((s) => s.name === target);
  while (stage) {
    chain.unshift(stage);
    const base = stage.base;
    stage = dockerfile.stages.find((s) => s.name === base);
  }
  if (chain.length === 0) throw new Error(`no stage ${target}`);
  return chain;
}

/**
 * What a target runs, as Docker resolves it: the last WORKDIR, ENV, USER and exec-form CMD along its
 * stage chain, with build arguments (stage ARGs fall back to the global defaults) substituted.
 */
export function resolveTarget(dockerfile: Dockerfile, target: string, buildArgs: Readonly<Record<string, string>>) {
  let workdir = '/';
  let user: string | undefined;
  let cmd: string[] | undefined;
  let healthcheck: string | undefined;
  const env = new Map<string, string>();
  for (const stage of stageChain(dockerfile, target)) {
    const vars = new Map<string, string | undefined>(env);
    for (const instruction of stage.instructions) {
      const args = substitute(instruction.args, vars);
      switch (instruction.keyword) {
        case 'ARG': {
          const [name, fallback] = splitArg(instruction.args);
          vars.set(name, buildArgs[name] ?? (fallback !== undefined ? substitute(fallback, vars) : dockerfile.globalArgs.get(name)));
          break;
        }
        case 'ENV':
          for (const match of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) {
            env.set(match[1], unquote(match[2]));
            vars.set(match[1], unquote(match[2]));
          }
          break;
        case 'WORKDIR':
          workdir = args.startsWith('/') ? args : `${workdir.replace(/\/$/, '')}/${args}`;
          break;
        case 'USER':
          user = args;
          break;
        case 'CMD':
          cmd = JSON.parse(instruction.args) as string[];
          break;
        case 'HEALTHCHECK':
          healthcheck = args;
          break;
      }
    }
  }
  return { workdir, user, cmd, env, healthcheck };
}
