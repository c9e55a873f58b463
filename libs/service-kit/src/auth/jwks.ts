import buildGetJwks from 'get-jwks';
import { ServiceUnavailableError, UnauthorizedError } from '../errors.js';
import { withTimeout } from '../health/dependency.js';

/** Algorithms a token from the identity provider may be signed with; HS256 stays for services and development. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;

/** The parts of a decoded token the key choice reads. */
export interface DecodedToken {
  header: { alg?: unknown; kid?: unknown };
}

/**
 * The verification key of a token: the shared HS256 secret for an HS256 token, else the
 * identity provider's public key named by the token's `kid`, from `jwksUrl` (fetched with
 * get-jwks, a well-kept library, and cached for `ttlMs`; a stale key is used while the provider
 * cannot be reached). The key follows the algorithm in the header, so an HS256 token is never
 * checked against a public key (the classic algorithm confusion).
 */
export function jwksKeyResolver(options: { jwksUrl: string; hmacSecret: string; ttlMs?: number; timeoutMs?: number }): (token: DecodedToken) => Promise<string> {
  const url = new URL(options.jwksUrl);
  const domain = `${url.origin}/`;
  const getJwks = buildGetJwks({ jwksPath: `${url.pathname.slice(1)}${url.search}`, ttl: options.ttlMs ?? 10 * 60_000, max: 50 });
  const timeoutMs = options.timeoutMs ?? 5000;
  return async (token) => {
    const { alg, kid } = token.header;
    if (alg === 'HS256') return options.hmacSecret;
    if (typeof alg !== 'string' || !(JWKS_ALGORITHMS as readonly string[]).includes(alg)) throw new UnauthorizedError('Invalid token (algorithm not accepted)');
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 200) throw new UnauthorizedError('Invalid token (no key id)');
    try {
      return await withTimeout(getJwks.getPublicKey({ domain, alg, kid }), timeoutMs, `the identity provider's keys did not arrive within ${timeoutMs} ms`);
    } catch (err) {
      if ((err as { code?: string }).code === 'JWK_NOT_FOUND') throw new UnauthorizedError('Invalid token (unknown key id)');
      throw new ServiceUnavailableError('JWKS_UNAVAILABLE', 'The identity provider’s signing keys cannot be read now; try again', 5);
    }
  };
}
