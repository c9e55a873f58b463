import fc from 'fast-check';
import { errorBodyProblem } from './auth-matrix.js';
import { fillPath, sampleFromSchema, type InjectableApp, type InjectRequest, type JsonSchema, type RouteOperation } from './route-table.js';

/** Strings that try to leave a directory or cut a name short. */
export const PATH_TRAVERSAL_STRINGS: readonly string[] = [
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..\\..\\windows\\win.ini',
  '....//....//etc/passwd',
  'name\u0000.txt',
  '%00',
  '/etc/passwd',
  '.',
  '..',
];

/** Values a 24-hex ObjectId field must refuse (and operator objects a query must never see). */
export const INVALID_OBJECT_IDS: readonly unknown[] = [
  '',
  'abc',
  'z'.repeat(24),
  '0'.repeat(23),
  '0'.repeat(25),
  ' 000000000000000000000000',
  '00000000000000000000000g',
  '../000000000000000000000',
  { $gt: '' },
  { $ne: null },
  ['000000000000000000000000'],
  0,
];

export const HUGE_STRING_BYTES = 100_000;
export const DEEP_NESTING_LEVELS = 1000;

/** A ≥ 100 kB string (default), one character repeated. */
export function hugeString(bytes = HUGE_STRING_BYTES, character = 'A'): string {
  return character.repeat(bytes);
}

/** `[[[…]]]` or `{"a":{"a":…}}`, `levels` deep. */
export function deeplyNested(levels = DEEP_NESTING_LEVELS, kind: 'array' | 'object' = 'array'): unknown {
  let value: unknown = kind === 'array' ? [] : {};
  for (let i = 1; i < levels; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

const HUGE = hugeString();
const NESTED_ARRAY = deeplyNested(DEEP_NESTING_LEVELS, 'array');
const NESTED_OBJECT = deeplyNested(DEEP_NESTING_LEVELS, 'object');

/** Any JSON value a schema does not expect: wrong types, huge, deep, traversal, bad ids, operators. */
export function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, -1e308, '', [], {}, 'null', 'true', '0', '[]', '{}'),
    fc.constantFrom<unknown>(HUGE, NESTED_ARRAY, NESTED_OBJECT, [HUGE], { x: HUGE }),
    fc.constantFrom<unknown>(...PATH_TRAVERSAL_STRINGS),
    fc.constantFrom<unknown>(...INVALID_OBJECT_IDS),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

/** A path or query value: traversal, bad ids, huge, control characters, random text. */
export function hostileText(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...PATH_TRAVERSAL_STRINGS),
    fc.constantFrom(...INVALID_OBJECT_IDS.filter((v): v is string => typeof v === 'string')),
    fc.constantFrom(HUGE, '-1', '1e400', 'NaN', 'true', '[object Object]', '{"$gt":""}', '%', '%zz', '\r\nX-Injected: 1'),
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
  );
}

/** A request that works for the route: the base every mutation starts from. */
export interface FuzzBase {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

export interface FuzzCase {
  what: string;
  request: InjectRequest;
}

function objectFields(schema: JsonSchema | null): string[] {
  if (!schema) return [];
  const branch = schema.properties ? schema : (schema.anyOf?.[0] ?? schema.oneOf?.[0]);
  return Object.keys(branch?.properties ?? {});
}

function encodeQuery(query: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * Hostile variants of one route's request, from its schema: path parameters replaced (raw and
 * encoded), query values of the wrong type, repeated or unknown, bodies of the wrong type,
 * missing or extra fields, fields set to hostile values, malformed JSON and a wrong media type.
 */
export function fuzzCases(route: RouteOperation, base: FuzzBase = {}): fc.Arbitrary<FuzzCase> {
  // Path parameters the base does not give get a schema sample, so every route can be fuzzed.
  const params = { ...Object.fromEntries(route.pathParams.map((p) => [p.name, String(sampleFromSchema(p.schema))])), ...base.params };
  const query = base.query ?? {};
  const url = (p: Record<string, string>, raw = false) => fillPath(route.url, p, { raw });
  const build = (what: string, options: { params?: Record<string, string>; raw?: boolean; query?: Record<string, string | string[]>; body?: unknown; payload?: string; contentType?: string }): FuzzCase => {
    const request: InjectRequest = { method: route.method, url: url(options.params ?? params, options.raw) + encodeQuery(options.query ?? query) };
    if (options.payload !== undefined) {
      request.payload = options.payload;
      request.headers = { 'content-type': options.contentType ?? 'application/json' };
    } else if (options.body !== undefined || (route.body && base.body !== undefined)) {
      request.payload = JSON.stringify(options.body !== undefined ? options.body : base.body);
      request.headers = { 'content-type': 'application/json' };
    }
    return { what, request };
  };
  const variants: fc.Arbitrary<FuzzCase>[] = [];

  for (const param of route.pathParams) {
    variants.push(
      fc.tuple(hostileText(), fc.boolean()).map(([value, raw]) =>
        build(`path ${param.name}=${JSON.stringify(value.slice(0, 40))}${raw ? ' (raw)' : ''}`, { params: { ...params, [param.name]: value }, raw }),
      ),
    );
  }
  if (route.query.length > 0) {
    const names = route.query.map((q) => q.name);
    variants.push(
      fc.tuple(fc.constantFrom(...names), hostileText()).map(([name, value]) => build(`query ${name}=${JSON.stringify(value.slice(0, 40))}`, { query: { ...query, [name]: value } })),
      fc.tuple(fc.constantFrom(...names), fc.array(hostileText(), { minLength: 2, maxLength: 4 })).map(([name, values]) => build(`query ${name} repeated`, { query: { ...query, [name]: values } })),
    );
  }
  // Unknown query parameters apply to every route.
  variants.push(
    fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', '$where', 'a[b]'), hostileText()).map(([name, value]) => build(`query extra ${name}`, { query: { ...query, [name]: value } })),
  );

  if (route.body) {
    const fields = objectFields(route.body);
    const baseBody = (base.body ?? {}) as Record<string, unknown>;
    variants.push(
      hostileValue().map((value) => build(`body replaced by ${describe(value)}`, { body: value === undefined ? null : value })),
      fc.constantFrom('{', '{"a":', '[1,2', 'not json', '{"a":1}}', '\u0000', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}').map((payload) =>
        build(`malformed JSON ${JSON.stringify(payload)}`, { payload }),
      ),
      fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x').map((contentType) =>
        build(`content-type ${contentType}`, { payload: 'a=1', contentType }),
      ),
      fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', '$set', 'password', 'hasPassword'), hostileValue()).map(([name, value]) =>
        build(`body extra field ${name}`, { body: { ...baseBody, [name]: value } }),
      ),
    );
    if (fields.length > 0) {
      variants.push(
        fc.tuple(fc.constantFrom(...fields), hostileValue()).map(([name, value]) => build(`body ${name}=${describe(value)}`, { body: { ...baseBody, [name]: value } })),
        fc.subarray(fields, { minLength: 1 }).map((names) => {
          const body = { ...baseBody };
          for (const name of names) delete body[name];
          return build(`body without ${names.join(', ')}`, { body });
        }),
      );
    }
  }
  return fc.oneof(...variants);
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length} chars)` : text;
}

export interface FuzzOptions {
  /** Headers of every request (the caller's token). */
  headers: Record<string, string>;
  numRuns: number;
  seed: number;
  /** A working request per route key; the mutations start from it. */
  bases?: Record<string, FuzzBase>;
}

export interface FuzzReport {
  /** Requests sent per route key. */
  runs: Record<string, number>;
  /** Status codes seen, with counts. */
  statuses: Record<string, number>;
}

/**
 * Fuzzes every route that has a body, query or path parameters: never a 5xx, every error a JSON
 * error body, and the app still live afterwards. Fails (throws fast-check's report, with the
 * seed and the shrunk case) at the first violation.
 */
export async function fuzzRoutes(app: InjectableApp, routes: readonly RouteOperation[], options: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { runs: {}, statuses: {} };
  for (const route of routes) {
    if (!route.body && route.query.length === 0 && route.pathParams.length === 0) continue;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fuzzCases(route, options.bases?.[route.key]), async ({ what, request }) => {
        runs++;
        const response = await app.inject({ ...request, headers: { ...options.headers, ...request.headers } });
        report.statuses[String(response.statusCode)] = (report.statuses[String(response.statusCode)] ?? 0) + 1;
        const context = `${route.key} ${what}: ${response.statusCode} ${response.body.slice(0, 300)}`;
        if (response.statusCode >= 500) throw new Error(`server error for ${context}`);
        if (response.statusCode >= 400) {
          const problem = errorBodyProblem(response.statusCode, response.body);
          if (problem) throw new Error(`${problem} for ${context}`);
          if (!String(response.headers['content-type'] ?? '').startsWith('application/json')) throw new Error(`error is not application/json for ${context}`);
        }
      }),
      { numRuns: options.numRuns, seed: options.seed, endOnFailure: true, includeErrorInReport: true },
    );
    report.runs[route.key] = runs;
    const live = await app.inject({ method: 'GET', url: '/health/live' });
    if (live.statusCode !== 200) throw new Error(`/health/live answered ${live.statusCode} after fuzzing ${route.key}`);
  }
  return report;
}
