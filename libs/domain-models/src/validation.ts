import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

type ValidationError = ReturnType<typeof Value.Errors>[number];

/**
 * Every way `value` fails `schema`, one line each as `<json-pointer>: <reason>`, in a form fit
 * for an error response or a log line; pointers are prefixed with `basePath` when the value sits
 * inside a larger document. Empty when the value is valid. Values themselves are never echoed,
 * since a field may hold a secret.
 */
export function schemaProblems(schema: TSchema, value: unknown, basePath = ''): string[] {
  if (Value.Check(schema, value)) return [];
  const errors = simplify(Value.Errors(schema, value), schema);
  const problems = new Set<string>();
  for (const error of errors) {
    const where = basePath + error.instancePath || '/';
    problems.add(`${where}: ${describe(error)}`);
  }
  return [...problems];
}

/** Type guard over a TypeBox schema. */
export function isValid<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return Value.Check(schema, value);
}

/**
 * Validators report every failed branch of a union. For an enum (a union of literals) that is
 * one "must be equal to constant" per value; for a nullable field, "must be null" beside the
 * real problem; for a union of objects told apart by `type` or `kind`, the problems of every
 * variant the value is not. Keep what helps: merge the literals into "must be one of …", drop
 * "must be null" and the variants ruled out by their tag, and drop the generic "must match a
 * schema in anyOf" whenever something more precise is said.
 */
function simplify(errors: ValidationError[], schema: TSchema): ValidationError[] {
  // `additionalProperties: false` reports each extra key twice: as a failed `false` schema at
  // the key and at the object naming the keys. Keep the second.
  let kept = errors.filter((e) => !(e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')));

  const ruledOut = new Set<string>(); // `<union schema path>/anyOf/<branch>` whose tag does not match
  const branchesWithErrors = new Map<string, Set<string>>(); // union schema path → failing branches
  for (const e of kept) {
    for (const [union, branch] of unionBranches(e.schemaPath)) {
      const set = branchesWithErrors.get(union) ?? new Set<string>();
      set.add(branch);
      branchesWithErrors.set(union, set);
      if (e.keyword === 'const' && /^\/properties\/(type|kind)$/.test(e.schemaPath.slice(branch.length))) ruledOut.add(branch);
    }
  }
  const isRuledOut = (e: ValidationError) =>
    unionBranches(e.schemaPath).some(([union, branch]) => {
      if (!ruledOut.has(branch)) return false;
      // Only when another variant is still in the running; else the tag itself is the problem.
      return [...(branchesWithErrors.get(union) ?? [])].some((b) => !ruledOut.has(b));
    });
  kept = kept.filter((e) => !isRuledOut(e));

  kept = kept.filter((e) => {
    if (e.keyword !== 'type' || (e.params as { type?: unknown }).type !== 'null') return true;
    const branches = unionBranches(e.schemaPath);
    if (branches.length === 0) return true;
    const [union, branch] = branches[branches.length - 1];
    return ![...(branchesWithErrors.get(union) ?? [])].some((b) => b !== branch);
  });

  const result: ValidationError[] = [];
  const constsByPath = new Map<string, ValidationError[]>();
  for (const e of kept) {
    if (e.keyword !== 'const') continue;
    constsByPath.set(e.instancePath, [...(constsByPath.get(e.instancePath) ?? []), e]);
  }
  for (const [path, consts] of constsByPath) {
    const allowed = [...new Set(consts.flatMap((e) => allowedLiterals(schema, e).map((v) => JSON.stringify(v))))];
    const message = allowed.length === 1 ? `must be ${allowed[0]}` : `must be one of ${allowed.join(', ')}`;
    result.push({ keyword: 'enum', schemaPath: consts[0].schemaPath, instancePath: path, params: { allowedValues: allowed }, message });
  }
  for (const e of kept) {
    if (e.keyword === 'const') continue;
    if (e.keyword === 'anyOf' && [...kept, ...result].some((o) => o !== e && o.keyword !== 'anyOf' && isAtOrBelow(o.instancePath, e.instancePath))) continue;
    result.push(e);
  }
  return result;
}

/** For each `anyOf` in a schema path: [path of the union, path of the branch taken]. */
function unionBranches(schemaPath: string): [string, string][] {
  const found: [string, string][] = [];
  for (const match of schemaPath.matchAll(/\/anyOf\/\d+/g)) {
    const union = schemaPath.slice(0, match.index);
    found.push([union, union + match[0]]);
  }
  return found;
}

/**
 * The values a failed `const` allows: all the literals of its enum when it is one branch of a
 * union of literals (the validator may not report every branch), else its own value.
 */
function allowedLiterals(schema: TSchema, error: ValidationError): unknown[] {
  const own = (error.params as { allowedValue: unknown }).allowedValue;
  const match = /^(.*)\/anyOf\/\d+$/.exec(error.schemaPath);
  if (!match) return [own];
  const union = resolvePointer(schema, match[1]) as { anyOf?: unknown[] } | undefined;
  const branches = union?.anyOf ?? [];
  const literals = branches.map((b) => (b !== null && typeof b === 'object' && 'const' in b ? (b as { const: unknown }).const : undefined));
  return literals.length > 0 && literals.every((l) => l !== undefined) ? literals : [own];
}

/** Follows a `#/a/b/0` schema path into a schema object. */
function resolvePointer(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.replace(/^#\/?/, '').split('/').filter((p) => p !== '')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function isAtOrBelow(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

function describe(error: ValidationError): string {
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperties: string[] }).additionalProperties;
    return `unknown propert${extra.length === 1 ? 'y' : 'ies'} ${extra.join(', ')}`;
  }
  return error.message;
}
