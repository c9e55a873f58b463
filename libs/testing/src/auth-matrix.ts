import { createHmac } from 'node:crypto';
import type { InjectableApp, InjectRequest, RouteOperation } from './route-table.js';

/** The callers every route is tried with. */
export const PRINCIPALS = ['none', 'expired', 'wrongSignature', 'customerA', 'customerB', 'admin', 'service'] as const;
export type PrincipalName = (typeof PRINCIPALS)[number];

/** The request one principal sends; built per principal so a destructive route can get a fresh target. */
export interface AuthRequest {
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}

/** One row of an authorization table: the request and the status each principal must get. */
export interface AuthCase {
  request: (who: PrincipalName) => AuthRequest | Promise<AuthRequest>;
  expect: Record<PrincipalName, number>;
}

/** 401 for the three callers without a valid token. */
export const WITHOUT_VALID_TOKEN = { none: 401, expired: 401, wrongSignature: 401 } as const;

/** A row for a route behind auth: 401 without a valid token, `statuses` for the four valid callers. */
export function authRow(request: AuthCase['request'], statuses: Record<'customerA' | 'customerB' | 'admin' | 'service', number>): AuthCase {
  return { request, expect: { ...WITHOUT_VALID_TOKEN, ...statuses } };
}

/** A row for a public route: 200 for everyone, token or not. */
export function publicRoute(url: string): AuthCase {
  return { request: () => ({ url }), expect: { none: 200, expired: 200, wrongSignature: 200, customerA: 200, customerB: 200, admin: 200, service: 200 } };
}

/** The rows of the routes every service has (service-kit's health and metrics routes), all public. */
export function serviceRouteRows(): Record<string, AuthCase> {
  return {
    'GET /health/live': publicRoute('/health/live'),
    'GET /health/ready': publicRoute('/health/ready'),
    'GET /metrics': publicRoute('/metrics'),
  };
}

export interface AuthMatrixResult {
  /** Requests sent (routes × principals). */
  checked: number;
  /** One line per wrong status, route missing from the table, or table row without a route. */
  failures: string[];
  /** `route → principal → status` actually seen, for a readable failure message. */
  seen: Record<string, Partial<Record<PrincipalName, number>>>;
}

/**
 * Sends every route of `routes` as every principal and compares the status with the table. A
 * route without a row (a new route) and a row without a route are failures too. Error bodies
 * must be the platform's JSON shape.
 */
export async function runAuthMatrix(
  app: InjectableApp,
  routes: readonly RouteOperation[],
  table: Record<string, AuthCase>,
  headersOf: Record<PrincipalName, Record<string, string>>,
): Promise<AuthMatrixResult> {
  const failures: string[] = [];
  const seen: AuthMatrixResult['seen'] = {};
  let checked = 0;
  const keys = new Set(routes.map((r) => r.key));
  for (const key of Object.keys(table)) if (!keys.has(key)) failures.push(`${key}: in the table but not served`);
  for (const route of routes) {
    const row = table[route.key];
    if (!row) {
      failures.push(`${route.key}: served but missing from the authorization table`);
      continue;
    }
    const statuses: Partial<Record<PrincipalName, number>> = {};
    seen[route.key] = statuses;
    for (const who of PRINCIPALS) {
      const request = await row.request(who);
      const injected: InjectRequest = { method: route.method, url: request.url, headers: { ...headersOf[who], ...request.headers } };
      if (request.payload !== undefined) injected.payload = request.payload as object;
      const response = await app.inject(injected);
      checked++;
      statuses[who] = response.statusCode;
      if (response.statusCode !== row.expect[who]) {
        failures.push(`${route.key} as ${who}: expected ${row.expect[who]}, got ${response.statusCode} ${response.body.slice(0, 200)}`);
      } else if (response.statusCode >= 400) {
        const problem = errorBodyProblem(response.statusCode, response.body);
        if (problem) failures.push(`${route.key} as ${who}: ${problem}`);
      }
    }
  }
  return { checked, failures, seen };
}

/** Why `body` is not the platform's JSON error body for `statusCode`, or null when it is. */
export function errorBodyProblem(statusCode: number, body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `error body is not JSON: ${body.slice(0, 200)}`;
  }
  if (parsed === null || typeof parsed !== 'object') return `error body is not an object: ${body.slice(0, 200)}`;
  const error = parsed as Record<string, unknown>;
  if (error['statusCode'] !== statusCode) return `error body statusCode ${String(error['statusCode'])} ≠ ${statusCode}`;
  if (typeof error['code'] !== 'string' || error['code'] === '') return `error body without a code: ${body.slice(0, 200)}`;
  if (typeof error['message'] !== 'string') return `error body without a message: ${body.slice(0, 200)}`;
  return null;
}

/**
 * An HS256 JWT with exactly these claims (no defaults added): for tokens a minting helper
 * refuses to make, such as an expired one (`exp` in the past).
 */
export function signHs256Jwt(claims: Record<string, unknown>, secret: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** Headers of the three callers without a valid token: none, expired (an hour ago), and signed with another secret. */
export function invalidTokenHeaders(settings: { jwtSecret: string; issuer: string; audience: string }): Record<'none' | 'expired' | 'wrongSignature', Record<string, string>> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'intruder', role: 'admin', iss: settings.issuer, aud: settings.audience };
  const expired = signHs256Jwt({ ...claims, iat: now - 7200, exp: now - 3600 }, settings.jwtSecret);
  const forged = signHs256Jwt({ ...claims, iat: now, exp: now + 3600 }, `${settings.jwtSecret}-not-the-secret`);
  return { none: {}, expired: { authorization: `Bearer ${expired}` }, wrongSignature: { authorization: `Bearer ${forged}` } };
}
