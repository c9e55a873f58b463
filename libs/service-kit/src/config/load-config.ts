import type { Static, TObject, TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** Thrown when the environment does not satisfy an app's config schema; names every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`);
  }
}

/** The JSON Schema keywords an environment variable's schema may use. */
type EnvSchema = TSchema & {
  default?: unknown;
  anyOf?: { const?: unknown }[];
  type?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  description?: string;
};

/**
 * Validates the environment against an app's TypeBox schema, once, at start-up. Defaults are
 * applied and strings converted to the schema's types (numbers, booleans). Unknown variables
 * are ignored: the environment holds much that is not ours.
 *
 * This is the only place in the code base that reads `process.env`.
 */
export function loadConfig<T extends TObject>(
  schema: T,
  // eslint-disable-next-line no-restricted-properties -- the one reader of the environment
  env: Record<string, string | undefined> = process.env,
): Static<T> {
  const required = new Set(schema.required ?? []);
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, property] of Object.entries(schema.properties) as [string, EnvSchema][]) {
    const raw = env[key];
    // An empty variable counts as unset, so `FOO=` falls back to the default or is reported missing.
    if (raw === undefined || raw === '') {
      if (property.default !== undefined) config[key] = Value.Clone(property.default);
      else if (required.has(key)) problems.push(`${key} is required${hint(property)}`);
      continue;
    }
    const value = Value.Convert(property, raw);
    if (Value.Check(property, value)) config[key] = value;
    // Never echo the value: it may be a secret.
    else problems.push(`${key} ${expectation(property)}${hint(property)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as Static<T>;
}

function expectation(property: EnvSchema): string {
  const literals = property.anyOf?.map((s) => s.const);
  if (literals && literals.every((l) => typeof l === 'string')) return `must be one of ${literals.join(', ')}`;
  switch (property.type) {
    case 'integer':
      return `must be an integer${range(property)}`;
    case 'number':
      return `must be a number${range(property)}`;
    case 'boolean':
      return 'must be true or false';
    default:
      return property.pattern ? `has the wrong form` : 'is invalid';
  }
}

function range(property: EnvSchema): string {
  const { minimum, maximum } = property;
  if (minimum !== undefined && maximum !== undefined) return ` from ${minimum} to ${maximum}`;
  if (minimum !== undefined) return ` ≥ ${minimum}`;
  if (maximum !== undefined) return ` ≤ ${maximum}`;
  return '';
}

function hint(property: EnvSchema): string {
  return property.description ? ` (${property.description})` : '';
}
