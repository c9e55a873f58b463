/** Query parameters and header-like fields whose values are secrets. */
const SECRET_PARAMS = ['password', 'pwd', 'passwd', 'token', 'access_token', 'apikey', 'api_key', 'secret'];

const SECRET_QUERY = new RegExp(`([?&;](?:${SECRET_PARAMS.join('|')})=)[^&#\\s"']*`, 'gi');
const BEARER = /(bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

/** Replaces secret query values (`password=***`) and bearer tokens in any text, e.g. a URL. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_QUERY, '$1***').replace(BEARER, '$1***');
}

/**
 * A copy of a low-level error (undici, DNS, socket) that is safe to attach as a `cause`: only
 * its name, code and scrubbed message, never its request options or stack frames holding URLs.
 * `secrets` are exact strings (the password, a token) removed wherever they appear.
 */
export function sanitizeCause(error: unknown, secrets: readonly string[] = []): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  let message = redactSecrets(source.message);
  for (const secret of secrets) {
    if (secret.length > 0) message = message.split(secret).join('***');
  }
  const copy = new Error(message);
  copy.name = source.name;
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') (copy as Error & { code: string | number }).code = code;
  copy.stack = `${copy.name}: ${message}`;
  return copy;
}

/** A secret as it may appear in text: raw, percent-encoded, and form-encoded (query strings). */
export function secretForms(secret: string): string[] {
  if (secret === '') return [];
  const forms = new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]);
  return [...forms];
}
