import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptedSecret } from '@agair/domain-models';
import { CREDENTIAL_KEY_BYTES, parseCredentialKeys, type CredentialKeyRing } from './credential-keys.parser.js';
import { CredentialDecryptionError, CredentialKeyConfigError, UnknownCredentialKeyError } from './credential.errors.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface CipherContext {
  /**
   * Bound to the ciphertext (GCM additional authenticated data), e.g. the record's id: a
   * secret copied onto another record then fails to decrypt.
   */
  associatedData?: string;
}

/**
 * AES-256-GCM for partner credentials. Each secret names its key (`keyId`), so keys rotate:
 * new secrets use the active key, secrets under older configured keys still decrypt, and
 * `needsRotation` tells which to re-encrypt. A fresh random 96-bit IV per encryption.
 */
export class CredentialCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  readonly activeKeyId: string;

  constructor(ring: CredentialKeyRing) {
    const active = ring.keys.get(ring.activeKeyId);
    if (!active) throw new CredentialKeyConfigError([`active key id "${ring.activeKeyId}" is not among the configured keys`]);
    for (const [keyId, key] of ring.keys) {
      if (key.length !== CREDENTIAL_KEY_BYTES) throw new CredentialKeyConfigError([`key "${keyId}" is ${key.length} bytes; AES-256 needs ${CREDENTIAL_KEY_BYTES}`]);
    }
    // Copies, so a caller zeroing or reusing its buffers cannot change ours.
    this.keys = new Map([...ring.keys].map(([keyId, key]) => [keyId, Buffer.from(key)]));
    this.activeKeyId = ring.activeKeyId;
  }

  /** From configuration strings: see `parseCredentialKeys`. */
  static fromConfig(config: { keys: string | Readonly<Record<string, string>>; activeKeyId: string }): CredentialCipher {
    return new CredentialCipher(parseCredentialKeys(config));
  }

  get keyIds(): readonly string[] {
    return [...this.keys.keys()];
  }

  encrypt(plaintext: string, context: CipherContext = {}): EncryptedSecret {
    const key = this.keys.get(this.activeKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(this.activeKeyId, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      keyId: this.activeKeyId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  }

  /**
   * Throws `UnknownCredentialKeyError` when the key id is not configured and
   * `CredentialDecryptionError` when authentication fails; neither carries any secret.
   */
  decrypt(secret: EncryptedSecret, context: CipherContext = {}): string {
    const key = this.keys.get(secret.keyId);
    if (!key) throw new UnknownCredentialKeyError(secret.keyId);
    const iv = Buffer.from(secret.iv, 'base64');
    const tag = Buffer.from(secret.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new CredentialDecryptionError(secret.keyId);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(secret.keyId, context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(secret.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // The cause is dropped on purpose: OpenSSL's message adds nothing and nothing may leak.
      throw new CredentialDecryptionError(secret.keyId);
    }
  }

  /** True when the secret was encrypted under a key other than the active one. */
  needsRotation(secret: EncryptedSecret): boolean {
    return secret.keyId !== this.activeKeyId;
  }

  /** Re-encrypts under the active key (a no-op copy when it already uses it). */
  rotate(secret: EncryptedSecret, context: CipherContext = {}): EncryptedSecret {
    if (!this.needsRotation(secret)) return { ...secret };
    return this.encrypt(this.decrypt(secret, context), context);
  }
}

// The key id is authenticated too, so a secret relabelled with another key id fails.
function aad(keyId: string, context: CipherContext): Buffer {
  return Buffer.from(`agair-credential:v1:${keyId}:${context.associatedData ?? ''}`, 'utf8');
}
