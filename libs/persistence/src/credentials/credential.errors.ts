import { PersistenceError } from '../infrastructure/persistence.errors.js';

/** The key configuration is unusable. Names key ids and what is wrong, never key material. */
export class CredentialKeyConfigError extends PersistenceError {
  readonly code = 'CREDENTIAL_KEY_CONFIG';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid credential encryption keys: ${problems.join('; ')}`);
  }
}

/** A stored secret names a key this process was not given (rotated out too early?). */
export class UnknownCredentialKeyError extends PersistenceError {
  readonly code = 'CREDENTIAL_KEY_UNKNOWN';
  constructor(readonly keyId: string) {
    super(`Credential encrypted with key "${keyId}", which is not configured`);
  }
}

/**
 * A stored secret failed authentication: altered ciphertext, IV or tag, moved to another
 * record, or encrypted under different key material with the same key id.
 */
export class CredentialDecryptionError extends PersistenceError {
  readonly code = 'CREDENTIAL_DECRYPTION_FAILED';
  constructor(readonly keyId: string) {
    super(`Credential encrypted with key "${keyId}" failed authentication (tampered, moved or wrong key)`);
  }
}
