import { CredentialKeyConfigError } from './credential.errors.js';

/** AES-256 key length. */
export const CREDENTIAL_KEY_BYTES = 32;

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Key ids mapped to 32-byte keys, plus the id new secrets are encrypted with. */
export interface CredentialKeyRing {
  keys: ReadonlyMap<string, Buffer>;
  activeKeyId: string;
}

/**
 * Parses keys as configuration gives them: `keys` is `id:base64,id:base64` (one env variable)
 * or an object `{ id: base64 }`; `activeKeyId` must be one of them. Every problem is reported
 * at once, by key id; key material never appears in a message.
 */
export function parseCredentialKeys(config: { keys: string | Readonly<Record<string, string>>; activeKeyId: string }): CredentialKeyRing {
  const problems: string[] = [];
  const entries: [string, string][] = [];
  if (typeof config.keys === 'string') {
    const items = config.keys.split(',').map((item) => item.trim()).filter((item) => item !== '');
    items.forEach((item, i) => {
      const colon = item.indexOf(':');
      if (colon <= 0) problems.push(`entry ${i + 1} is not "keyId:base64Key"`);
      else entries.push([item.slice(0, colon).trim(), item.slice(colon + 1).trim()]);
    });
  } else {
    entries.push(...Object.entries(config.keys));
  }

  const keys = new Map<string, Buffer>();
  for (const [keyId, encoded] of entries) {
    if (!KEY_ID.test(keyId)) {
      problems.push(`key id "${keyId.slice(0, 64)}" must be 1–64 characters of letters, digits and . _ -`);
      continue;
    }
    if (keys.has(keyId)) {
      problems.push(`key id "${keyId}" is given twice`);
      continue;
    }
    if (!BASE64.test(encoded)) {
      problems.push(`key "${keyId}" is not base64`);
      continue;
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== CREDENTIAL_KEY_BYTES) {
      problems.push(`key "${keyId}" is ${key.length} bytes; AES-256 needs ${CREDENTIAL_KEY_BYTES} (e.g. \`openssl rand -base64 32\`)`);
      continue;
    }
    keys.set(keyId, key);
  }
  if (entries.length === 0) problems.push('no keys configured');
  if (!config.activeKeyId) problems.push('no active key id configured');
  else if (!keys.has(config.activeKeyId) && !entries.some(([id]) => id === config.activeKeyId)) {
    problems.push(`active key id "${config.activeKeyId.slice(0, 64)}" is not among the configured keys`);
  }
  if (problems.length > 0) throw new CredentialKeyConfigError(problems);
  return { keys, activeKeyId: config.activeKeyId };
}
