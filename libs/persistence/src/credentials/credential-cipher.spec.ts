import { randomBytes } from 'node:crypto';
import { EncryptedSecretSchema, isValid } from '@agair/domain-models';
import { describe, expect, it } from 'vitest';
import { CredentialCipher } from './credential-cipher.js';
import { CredentialDecryptionError, CredentialKeyConfigError, UnknownCredentialKeyError } from './credential.errors.js';

const key2024 = randomBytes(32).toString('base64');
const key2025 = randomBytes(32).toString('base64');
const password = 'S3cret-pässwörd-for-SatLoc';

describe('CredentialCipher', () => {
  const cipher = CredentialCipher.fromConfig({ keys: `k2024:${key2024}`, activeKeyId: 'k2024' });

  it('round-trips a secret, in the EncryptedSecret shape of domain-models', () => {
    const secret = cipher.encrypt(password);
    expect(isValid(EncryptedSecretSchema, secret)).toBe(true);
    expect(secret.keyId).toBe('k2024');
    expect(cipher.decrypt(secret)).toBe(password);
  });

  it('puts no plaintext in the output, in any encoding', () => {
    const secret = cipher.encrypt(password);
    const serialised = JSON.stringify(secret);
    expect(serialised).not.toContain(password);
    expect(serialised).not.toContain(Buffer.from(password).toString('base64'));
    expect(serialised).not.toContain(Buffer.from(password).toString('hex'));
    expect(Buffer.from(secret.ciphertext, 'base64').includes(Buffer.from(password))).toBe(false);
  });

  it('uses a fresh IV each time, so the same password encrypts differently', () => {
    const a = cipher.encrypt(password);
    const b = cipher.encrypt(password);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('detects tampering with the ciphertext, the tag or the IV', () => {
    const secret = cipher.encrypt(password);
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] ^= 0x01;
      return bytes.toString('base64');
    };
    for (const tampered of [{ ...secret, ciphertext: flip(secret.ciphertext) }, { ...secret, tag: flip(secret.tag) }, { ...secret, iv: flip(secret.iv) }]) {
      expect(() => cipher.decrypt(tampered)).toThrow(CredentialDecryptionError);
    }
  });

  it('binds a secret to its record: decrypting under another context fails', () => {
    const secret = cipher.encrypt(password, { associatedData: 'users/aaa' });
    expect(cipher.decrypt(secret, { associatedData: 'users/aaa' })).toBe(password);
    expect(() => cipher.decrypt(secret, { associatedData: 'users/bbb' })).toThrow(CredentialDecryptionError);
  });

  it('names an unknown key id in a typed error', () => {
    const secret = { ...cipher.encrypt(password), keyId: 'k1999' };
    expect(() => cipher.decrypt(secret)).toThrow(UnknownCredentialKeyError);
    expect(() => cipher.decrypt(secret)).toThrow('k1999');
  });

  it('fails authentication when the same key id holds other key material', () => {
    const secret = cipher.encrypt(password);
    const impostor = CredentialCipher.fromConfig({ keys: `k2024:${key2025}`, activeKeyId: 'k2024' });
    expect(() => impostor.decrypt(secret)).toThrow(CredentialDecryptionError);
  });

  it('rotates: old secrets still decrypt, new ones use the active key, needsRotation tells which', () => {
    const old = cipher.encrypt(password);
    const rotated = CredentialCipher.fromConfig({ keys: `k2024:${key2024},k2025:${key2025}`, activeKeyId: 'k2025' });
    expect(rotated.decrypt(old)).toBe(password);
    expect(rotated.needsRotation(old)).toBe(true);
    const fresh = rotated.encrypt(password);
    expect(fresh.keyId).toBe('k2025');
    expect(rotated.needsRotation(fresh)).toBe(false);
    const reencrypted = rotated.rotate(old);
    expect(reencrypted.keyId).toBe('k2025');
    const onlyNew = CredentialCipher.fromConfig({ keys: { k2025: key2025 }, activeKeyId: 'k2025' });
    expect(onlyNew.decrypt(reencrypted)).toBe(password);
    expect(() => onlyNew.decrypt(old)).toThrow(UnknownCredentialKeyError);
  });

  it('keeps secrets out of error messages', () => {
    const secret = cipher.encrypt(password);
    try {
      cipher.decrypt({ ...secret, tag: Buffer.alloc(16).toString('base64') });
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain(password);
      expect((err as Error).cause).toBeUndefined();
    }
  });
});

describe('credential key configuration', () => {
  it('reports every problem at once, by key id, without echoing key material', () => {
    const short = randomBytes(16).toString('base64');
    try {
      CredentialCipher.fromConfig({ keys: `a:${short},b:not*base64,a:${key2024},nocolon`, activeKeyId: 'zzz' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CredentialKeyConfigError);
      const message = (err as Error).message;
      expect(message).toContain('key "a" is 16 bytes');
      expect(message).toContain('key "b" is not base64');
      expect(message).toContain('entry 4 is not "keyId:base64Key"');
      expect(message).toContain('active key id "zzz"');
      expect(message).not.toContain(short);
      expect(message).not.toContain(key2024);
    }
  });

  it('rejects a duplicated key id and an empty configuration', () => {
    expect(() => CredentialCipher.fromConfig({ keys: `a:${key2024},a:${key2025}`, activeKeyId: 'a' })).toThrow('given twice');
    expect(() => CredentialCipher.fromConfig({ keys: '', activeKeyId: 'a' })).toThrow('no keys configured');
  });
});
