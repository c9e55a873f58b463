/**
 * The routes an app really serves, read from the app itself: Fastify's route tree
 * (`printRoutes`) cross-checked with the OpenAPI document (`/documentation/json`), so a test
 * generated from it cannot forget a route and a route missing from the docs is caught.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The subset of JSON Schema the OpenAPI documents of our apps use. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  examples?: unknown[];
  $ref?: string;
}

export interface RouteParam {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

/** One operation of the app, as served and as documented. */
export interface RouteOperation {
  method: HttpMethod;
  /** Fastify's pattern, e.g. `/api/partners/:id`. */
  url: string;
  /** `GET /api/partners/:id`: the key of expectation tables. */
  key: string;
  pathParams: RouteParam[];
  query: RouteParam[];
  /** The JSON request body schema, or null when the route takes no body. */
  body: JsonSchema | null;
  /** Whether the document marks the route as needing a bearer token. */
  secured: boolean;
}

export interface InjectedResponse {
  statusCode: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
}

export interface InjectRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  payload?: string | object;
}

/** What the helpers need of a Fastify app (structurally: `HttpApp` fits). */
export interface InjectableApp {
  printRoutes(options: { commonPrefix: false }): string;
  inject(options: InjectRequest): Promise<InjectedResponse>;
}

const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** `[method, path]` of every route in Fastify's route tree (`printRoutes({ commonPrefix: false })`); HEAD and OPTIONS left out. */
export function parseRouteTree(tree: string): { method: HttpMethod; url: string }[] {
  const out: { method: HttpMethod; url: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    const url = stack.join('');
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim())) {
      if (METHODS.includes(method)) out.push({ method: method as HttpMethod, url });
    }
  }
  return out;
}

interface OpenApiParameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: JsonSchema;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

interface OpenApiDocument {
  paths?: Record<string, Record<string, OpenApiOperation>>;
}

/**
 * Every operation the app serves, from its OpenAPI document, after checking that the document
 * and Fastify's route tree list the same routes (documentation UI routes aside). Throws, naming
 * them, when a served route is undocumented or a documented one is not served.
 */
export async function routeTable(app: InjectableApp, documentUrl = '/documentation/json'): Promise<RouteOperation[]> {
  const served = parseRouteTree(app.printRoutes({ commonPrefix: false })).filter((r) => !r.url.startsWith('/documentation'));
  const response = await app.inject({ method: 'GET', url: documentUrl });
  if (response.statusCode !== 200) throw new Error(`${documentUrl} answered ${response.statusCode}`);
  const document = JSON.parse(response.body) as OpenApiDocument;
  const documented: RouteOperation[] = [];
  for (const [openApiPath, operations] of Object.entries(document.paths ?? {})) {
    const url = openApiPath.replace(/\{(\w+)\}/g, ':$1');
    for (const [verb, operation] of Object.entries(operations)) {
      const method = verb.toUpperCase();
      if (!METHODS.includes(method)) continue;
      const parameters = operation.parameters ?? [];
      const param = (p: OpenApiParameter): RouteParam => ({ name: p.name, required: p.required === true, schema: p.schema ?? {} });
      documented.push({
        method: method as HttpMethod,
        url,
        key: `${method} ${url}`,
        pathParams: parameters.filter((p) => p.in === 'path').map(param),
        query: parameters.filter((p) => p.in === 'query').map(param),
        body: operation.requestBody?.content?.['application/json']?.schema ?? null,
        secured: (operation.security ?? []).length > 0,
      });
    }
  }
  const servedKeys = new Set(served.map((r) => `${r.method} ${r.url}`));
  const documentedKeys = new Set(documented.map((r) => r.key));
  const undocumented = [...servedKeys].filter((k) => !documentedKeys.has(k));
  const notServed = [...documentedKeys].filter((k) => !servedKeys.has(k));
  if (undocumented.length > 0 || notServed.length > 0) {
    throw new Error(`route table mismatch: served but not in ${documentUrl}: [${undocumented.join(', ')}]; documented but not served: [${notServed.join(', ')}]`);
  }
  return documented.sort((a, b) => a.key.localeCompare(b.key));
}

/** `/api/x/:id` with `{ id }` → `/api/x/<id>`; values are percent-encoded unless `raw`. */
export function fillPath(url: string, params: Record<string, string>, options: { raw?: boolean } = {}): string {
  return url.replace(/:(\w+)/g, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${url}`);
    return options.raw ? value : encodeURIComponent(value);
  });
}

/** `?a=1&b=x` from an object (undefined values left out), or '' when empty. */
export function queryString(query: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(query).filter((e): e is [string, string | number | boolean] => e[1] !== undefined);
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

/**
 * A small value the schema accepts: required properties only (plus `include`d optional ones),
 * the first branch of a union, minimum lengths and counts. Strings with a pattern use the
 * schema's first example or `strings[pattern]`; `overrides` replace top-level properties.
 */
export function sampleFromSchema(
  schema: JsonSchema,
  options: { overrides?: Record<string, unknown>; strings?: Record<string, string>; include?: readonly string[] } = {},
): unknown {
  const value = sample(schema, options.strings ?? {}, options.include ?? []);
  if (options.overrides && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const merged: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [k, v] of Object.entries(options.overrides)) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    return merged;
  }
  return value;
}

function sample(schema: JsonSchema, strings: Record<string, string>, include: readonly string[]): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.examples && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  const branch = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (branch) return sample(branch, strings, include);
  if (schema.allOf && schema.allOf.length > 0) {
    return Object.assign({}, ...schema.allOf.map((s) => sample(s, strings, include) as object));
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        if ((schema.required ?? []).includes(name) || include.includes(name)) out[name] = sample(property, strings, include);
      }
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items ?? {}, strings, include));
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'string': {
      if (schema.pattern !== undefined && strings[schema.pattern] !== undefined) return strings[schema.pattern];
      if (schema.format === 'date-time') return new Date(0).toISOString();
      if (schema.format === 'email') return 'someone@example.com';
      if (schema.format === 'uri') return 'https://example.com/';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    }
    default:
      return null;
  }
}
