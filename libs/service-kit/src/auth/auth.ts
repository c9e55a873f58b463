import jwt from '@fastify/jwt';
import rateLimit_, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { Role } from '@agair/domain-models';
import type { FastifyRequest } from 'fastify';
import { createSigner } from 'fast-jwt';
import type { Redis } from 'ioredis';
import type { RedisFallback } from '../connections/redis-fallback.js';
import { AppError, ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../errors.js';
import type { HttpApp } from '../http/create-http-app.js';
import { JWKS_ALGORITHMS, jwksKeyResolver, type DecodedToken } from './jwks.js';
import { degradableRateLimitStore } from './rate-limit.store.js';

export { Role };

/** Who is calling: from a verified bearer token. */
export interface Principal {
  /** The caller's id: a user id, or a service name. */
  sub: string;
  role: Role;
  /** Set for the `customer` role: the only customer whose data the caller may see. */
  customerId: string | null;
}

interface TokenClaims {
  sub: string;
  role: Role;
  customerId?: string;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: Principal;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed on the route (default: admin only). */
    roles?: readonly Role[];
    /** No token needed (health, metrics, documentation). */
    public?: boolean;
  }
}

export interface AuthSettings {
  /** HS256 secret shared with whoever mints tokens (≥ 32 characters). */
  jwtSecret: string;
  /**
   * An identity provider's key set (`JWT_JWKS_URL`): RS256 and ES256 tokens are then verified
   * with its public keys (by `kid`), HS256 ones still with `jwtSecret`. Same claims either way.
   */
  jwksUrl?: string;
  issuer: string;
  audience: string;
  /** Longest lifetime (exp − iat) a token may have been minted with; default 1 day. */
  maxLifetimeS?: number;
  /** Clock skew allowed on exp, nbf and iat; default 30 s. */
  clockToleranceS?: number;
  /**
   * Requests per window, counted in Redis so every replica shares the count; without `redis`, in
   * the process's memory (a service that has no Redis and runs one replica). With `fallback` too,
   * counted in memory while Redis cannot answer (see `degradableRateLimitStore`). `max` is per
   * caller (token subject), `ipMax` per client address (default 10 × `max`).
   */
  rateLimit?: { redis?: Redis; fallback?: RedisFallback; max: number; ipMax?: number; timeWindowMs: number };
}

/** The part of an API's configuration auth reads (`AuthEnv`). */
export interface AuthConfig {
  JWT_SECRET: string;
  JWT_JWKS_URL: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWT_MAX_LIFETIME_S: number;
  JWT_CLOCK_TOLERANCE_S: number;
  RATE_LIMIT_MAX: number;
  RATE_LIMIT_IP_MAX: number;
  RATE_LIMIT_WINDOW_MS: number;
}

/** `AuthSettings` from an API's configuration; `store` says where rate limits are counted (memory when omitted). */
export function authSettings(config: AuthConfig, store: { redis?: Redis; fallback?: RedisFallback } = {}): AuthSettings {
  return {
    jwtSecret: config.JWT_SECRET,
    ...(config.JWT_JWKS_URL ? { jwksUrl: config.JWT_JWKS_URL } : {}),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    maxLifetimeS: config.JWT_MAX_LIFETIME_S,
    clockToleranceS: config.JWT_CLOCK_TOLERANCE_S,
    rateLimit: { ...store, max: config.RATE_LIMIT_MAX, ipMax: config.RATE_LIMIT_IP_MAX, timeWindowMs: config.RATE_LIMIT_WINDOW_MS },
  };
}

/** Claims every token must carry: who, for whom, from whom, since when and until when. */
const REQUIRED_CLAIMS = ['sub', 'iss', 'aud', 'iat', 'exp'];
const DEFAULT_MAX_LIFETIME_S = 86_400;
const DEFAULT_CLOCK_TOLERANCE_S = 30;

/** True when the token was not minted to live longer than allowed (its exp − iat). */
function withinLifetime(payload: { iat?: unknown; exp?: unknown }, maxLifetimeS: number): boolean {
  return typeof payload.iat === 'number' && typeof payload.exp === 'number' && payload.exp - payload.iat <= maxLifetimeS;
}

const PUBLIC_PREFIXES = ['/health/', '/metrics', '/documentation'];

function isPublic(request: FastifyRequest): boolean {
  if (request.routeOptions.config?.public) return true;
  const url = request.routeOptions.url;
  return url !== undefined && PUBLIC_PREFIXES.some((prefix) => url === prefix || url.startsWith(prefix));
}

/**
 * Bearer JWT on every route but health, metrics and docs: 401 without a valid token (missing,
 * expired, wrong signature, wrong issuer/audience, a required claim missing — sub, iss, aud,
 * iat, exp — or minted to live longer than `maxLifetimeS`), 403 when the route does not allow
 * the role. Routes declare `config: { roles: [...] }`; the OpenAPI document marks them as secured.
 *
 * Rate limits run first, before the body is read or validated, and count every request,
 * rejected ones included: per client address before the token is looked at (so requests with
 * no or a bad token are counted too), then per token subject before the role check.
 */
export async function registerAuth(app: HttpApp, settings: AuthSettings): Promise<void> {
  if (settings.jwtSecret.length < 32) throw new Error('the JWT secret must be at least 32 characters');
  const maxLifetimeS = settings.maxLifetimeS ?? DEFAULT_MAX_LIFETIME_S;
  const keyOf = settings.jwksUrl ? jwksKeyResolver({ jwksUrl: settings.jwksUrl, hmacSecret: settings.jwtSecret }) : null;
  await app.register(jwt, {
    // With a key set, the key is chosen per token from its header (decoded whole for that).
    secret: keyOf ? async (_request: FastifyRequest, token: unknown) => keyOf(token as DecodedToken) : settings.jwtSecret,
    ...(keyOf ? { decode: { complete: true } } : {}),
    sign: { algorithm: 'HS256', iss: settings.issuer, aud: settings.audience },
    verify: {
      algorithms: keyOf ? ['HS256', ...JWKS_ALGORITHMS] : ['HS256'],
      allowedIss: settings.issuer,
      allowedAud: settings.audience,
      requiredClaims: REQUIRED_CLAIMS,
      clockTolerance: (settings.clockToleranceS ?? DEFAULT_CLOCK_TOLERANCE_S) * 1000,
    },
    trusted: (_request, payload) => withinLifetime(payload as { iat?: unknown; exp?: unknown }, maxLifetimeS),
    formatUser: (claims) => ({ sub: claims.sub, role: claims.role, customerId: claims.customerId ?? null }),
  });

  app.addHook('onRoute', (route) => {
    const url = route.url;
    if (route.config?.public || PUBLIC_PREFIXES.some((prefix) => url === prefix || url.startsWith(prefix))) return;
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }] };
  });

  const limits = settings.rateLimit ? await rateLimiters(app, settings.rateLimit) : null;
  if (limits) app.addHook('onRequest', limits.perAddress);

  app.addHook('onRequest', async (request) => {
    if (isPublic(request)) return;
    try {
      await request.jwtVerify();
    } catch (err) {
      if (err instanceof AppError) throw err; // the key set's own answer (unknown key id, provider away)
      throw new UnauthorizedError(unauthorizedMessage((err as { code?: string }).code, maxLifetimeS));
    }
    const principal = request.user;
    if (!Object.values(Role).includes(principal.role) || (principal.role === Role.CUSTOMER && !principal.customerId)) {
      throw new UnauthorizedError('Invalid token');
    }
  });

  if (limits) app.addHook('onRequest', limits.perCaller);

  app.addHook('onRequest', async (request) => {
    if (isPublic(request)) return;
    const principal = principalOf(request);
    const roles = request.routeOptions.config?.roles ?? [Role.ADMIN];
    if (!roles.includes(principal.role)) throw new ForbiddenError(`The ${principal.role} role may not call this route`);
  });
}

function unauthorizedMessage(code: string | undefined, maxLifetimeS: number): string {
  switch (code) {
    case 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED':
      return 'Token expired';
    case 'FST_JWT_NO_AUTHORIZATION_IN_HEADER':
      return 'Authentication required: send Authorization: Bearer <token>';
    case 'FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED':
      return `Token lifetime (exp − iat) longer than the ${maxLifetimeS} s allowed`;
    default:
      return `Invalid token (signature, issuer, audience, or a missing claim: ${REQUIRED_CLAIMS.join(', ')})`;
  }
}

type RequestHook = (request: FastifyRequest) => Promise<void>;

/**
 * The two counters, as onRequest hooks. @fastify/rate-limit runs one limiter per request (its
 * own hooks skip a request another already counted), so both are built with its
 * `createRateLimit`, which only counts, and refuse here.
 */
async function rateLimiters(app: HttpApp, rateLimit: NonNullable<AuthSettings['rateLimit']>): Promise<{ perAddress: RequestHook; perCaller: RequestHook }> {
  await app.register(rateLimit_, {
    global: false,
    max: rateLimit.max,
    timeWindow: rateLimit.timeWindowMs,
    ...rateLimitStore(rateLimit, RATE_LIMIT_NAMESPACE),
    nameSpace: RATE_LIMIT_NAMESPACE,
  });
  const limiter = (max: number, key: (request: FastifyRequest) => string): RequestHook => {
    const count = app.createRateLimit({ max, timeWindow: rateLimit.timeWindowMs, keyGenerator: key });
    return async (request) => {
      if (isPublic(request)) return;
      const result = await count(request);
      if (!result.isAllowed && result.isExceeded) throw new TooManyRequestsError(Math.max(1, result.ttlInSeconds));
    };
  };
  return {
    perAddress: limiter(rateLimit.ipMax ?? 10 * rateLimit.max, (request) => `ip:${request.ip}`),
    perCaller: limiter(rateLimit.max, (request) => `sub:${principalOf(request).sub}`),
  };
}

const RATE_LIMIT_NAMESPACE = 'agair:rate:';

function rateLimitStore(rateLimit: NonNullable<AuthSettings['rateLimit']>, nameSpace: string): { redis?: Redis; store?: FastifyRateLimitStoreCtor } {
  if (!rateLimit.redis) return {};
  if (!rateLimit.fallback) return { redis: rateLimit.redis };
  return { store: degradableRateLimitStore(rateLimit.redis, rateLimit.fallback, nameSpace) };
}

/** The caller, on a route that requires authentication. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.user) throw new UnauthorizedError();
  return request.user;
}

/**
 * The customer a request may act for. A customer acts only for itself (an id of another
 * customer in the request is ignored: the scoped query then finds nothing and answers 404,
 * so ids cannot be probed); admin and service act for the customer named, or all when none is.
 */
export function customerScope(principal: Principal, requested?: string): string | undefined {
  if (principal.role === Role.CUSTOMER) return principal.customerId ?? undefined;
  return requested;
}

export interface MintTokenOptions {
  jwtSecret: string;
  issuer: string;
  audience: string;
  sub: string;
  role: Role;
  customerId?: string;
  expiresInS?: number;
}

/** Mints a token the APIs accept (tests, local use: tools/auth/mint-token.ts). */
export function mintToken(options: MintTokenOptions): string {
  const sign = createSigner({
    key: options.jwtSecret,
    algorithm: 'HS256',
    iss: options.issuer,
    aud: options.audience,
    expiresIn: (options.expiresInS ?? 3600) * 1000,
  });
  return sign({ sub: options.sub, role: options.role, ...(options.customerId ? { customerId: options.customerId } : {}) });
}
