import type { TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';
import {
  EncryptedSecretSchema,
  PartnerAuthTestRequestSchema,
  PartnerCredentialPlaintextSchema,
  PartnerSystemUserCreateSchema,
  PartnerSystemUserSchema,
  PartnerSystemUserUpdateSchema,
  PartnerSystemUserViewSchema,
  toPartnerSystemUserView,
  type PartnerSystemUser,
} from './partner-system-user.schema.js';
import { UserSchema, UserViewSchema } from './user.schema.js';
import { schemaProblems } from './validation.js';

const stored: PartnerSystemUser = {
  id: '665f1c2ab3e4d5f6a7b8c9d3',
  kind: 'PARTNER_SYSTEM_USER',
  partnerId: '665f1c2ab3e4d5f6a7b8c9d0',
  partnerCode: 'SATLOC',
  customerId: '665f1c2ab3e4d5f6a7b8c9d1',
  username: 'prairie-ag-api',
  credentials: {
    keyId: 'partner-creds-2024-01',
    iv: 'q83vEjRWeJCrze8S',
    tag: 'c2VjcmV0LXRhZy0xNmJ5dA==',
    ciphertext: 'Zm9vYmFyYmF6cXV4cXV1eA==',
  },
  active: true,
  createdAt: '2024-01-20T09:00:00Z',
  updatedAt: '2024-02-11T16:45:10.5Z',
};

/** Every property name declared anywhere in a schema. */
function propertyNames(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const item of schema) propertyNames(item, found);
  else if (schema !== null && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if ((key === 'properties' || key === 'patternProperties') && value !== null && typeof value === 'object') {
        for (const name of Object.keys(value)) found.add(name);
      }
      propertyNames(value, found);
    }
  }
  return found;
}

describe('EncryptedSecret', () => {
  it('accepts AES-256-GCM parts in base64 with GCM sizes', () => {
    expect(schemaProblems(EncryptedSecretSchema, stored.credentials)).toEqual([]);
  });

  it('rejects a non-base64 ciphertext, a wrong IV size and a missing key id', () => {
    expect(schemaProblems(EncryptedSecretSchema, { ...stored.credentials, ciphertext: 'hunter2!' })).toContainEqual(expect.stringContaining('/ciphertext'));
    expect(schemaProblems(EncryptedSecretSchema, { ...stored.credentials, iv: 'AAAAAAAAAAAAAAAAAAAAAA==' })).toContainEqual(expect.stringContaining('/iv'));
    const { keyId: _keyId, ...noKey } = stored.credentials;
    expect(schemaProblems(EncryptedSecretSchema, noKey)).toContainEqual(expect.stringContaining('keyId'));
  });
});

describe('PartnerSystemUser (stored)', () => {
  it('accepts a stored record and requires its encrypted credentials', () => {
    expect(schemaProblems(PartnerSystemUserSchema, stored)).toEqual([]);
    const { credentials: _credentials, ...noCredentials } = stored;
    expect(schemaProblems(PartnerSystemUserSchema, noCredentials)).toContainEqual(expect.stringContaining('credentials'));
  });

  it('refuses a password stored in clear beside the credentials', () => {
    expect(schemaProblems(PartnerSystemUserSchema, { ...stored, password: 'hunter2' })).toEqual(['/: unknown property password']);
  });

  it('is one of the two kinds of the users collection', () => {
    expect(schemaProblems(UserSchema, stored)).toEqual([]);
  });
});

describe('PartnerSystemUserView (response)', () => {
  it('has no credentials or password property at any depth', () => {
    for (const schema of [PartnerSystemUserViewSchema, UserViewSchema] as TSchema[]) {
      const names = propertyNames(schema);
      expect(names.has('username')).toBe(true); // the walk does see properties
      for (const secret of ['credentials', 'password', 'ciphertext', 'iv', 'tag', 'keyId']) expect(names.has(secret)).toBe(false);
    }
  });

  it('fails validation if credentials or a password leak into it', () => {
    const view = toPartnerSystemUserView(stored);
    expect(schemaProblems(PartnerSystemUserViewSchema, view)).toEqual([]);
    expect(schemaProblems(PartnerSystemUserViewSchema, { ...view, credentials: stored.credentials })).toEqual(['/: unknown property credentials']);
    expect(schemaProblems(PartnerSystemUserViewSchema, { ...view, password: 'hunter2' })).toEqual(['/: unknown property password']);
    expect(schemaProblems(UserViewSchema, { ...view, credentials: stored.credentials }).length).toBeGreaterThan(0);
  });

  it('toPartnerSystemUserView copies no secret, even one added to the record at run time', () => {
    const view = toPartnerSystemUserView({ ...stored, password: 'hunter2' } as PartnerSystemUser);
    expect(view).toEqual({
      id: stored.id,
      kind: 'PARTNER_SYSTEM_USER',
      partnerId: stored.partnerId,
      partnerCode: 'SATLOC',
      customerId: stored.customerId,
      username: 'prairie-ag-api',
      hasPassword: true,
      active: true,
      createdAt: stored.createdAt,
      updatedAt: stored.updatedAt,
    });
    expect(JSON.stringify(view)).not.toMatch(/hunter2|ciphertext|Zm9vYmFy/);
  });
});

describe('PartnerSystemUser request bodies', () => {
  const create = { partnerId: stored.partnerId, customerId: stored.customerId, username: 'prairie-ag-api', password: 'S3cure!pass' };

  it('accept a create with a password and an update of the password alone', () => {
    expect(schemaProblems(PartnerSystemUserCreateSchema, create)).toEqual([]);
    expect(schemaProblems(PartnerSystemUserUpdateSchema, { password: 'N3w!pass' })).toEqual([]);
  });

  it('mark the password write-only for the API documentation', () => {
    expect((PartnerSystemUserCreateSchema.properties.password as { writeOnly?: boolean }).writeOnly).toBe(true);
  });

  it('reject a missing or empty or over-long password, client-supplied credentials and an empty update', () => {
    const { password: _password, ...noPassword } = create;
    expect(schemaProblems(PartnerSystemUserCreateSchema, noPassword)).toContainEqual(expect.stringContaining('password'));
    expect(schemaProblems(PartnerSystemUserCreateSchema, { ...create, password: '' })).toContainEqual(expect.stringContaining('/password'));
    expect(schemaProblems(PartnerSystemUserCreateSchema, { ...create, password: 'x'.repeat(257) })).toContainEqual(expect.stringContaining('/password'));
    expect(schemaProblems(PartnerSystemUserCreateSchema, { ...create, credentials: stored.credentials })).toEqual(['/: unknown property credentials']);
    expect(schemaProblems(PartnerSystemUserUpdateSchema, { partnerCode: 'AGIDRONEX' })).toEqual(['/: unknown property partnerCode']);
    expect(schemaProblems(PartnerSystemUserUpdateSchema, {}).length).toBeGreaterThan(0);
  });

  it('testAuth takes a stored account or credentials to try, not a mix', () => {
    expect(schemaProblems(PartnerAuthTestRequestSchema, { systemUserId: stored.id })).toEqual([]);
    expect(schemaProblems(PartnerAuthTestRequestSchema, { partnerId: stored.partnerId, username: 'u', password: 'p' })).toEqual([]);
    expect(schemaProblems(PartnerAuthTestRequestSchema, { systemUserId: stored.id, password: 'p' }).length).toBeGreaterThan(0);
  });

  it('the plaintext inside the ciphertext is just the password', () => {
    expect(schemaProblems(PartnerCredentialPlaintextSchema, { password: 'S3cure!pass' })).toEqual([]);
    expect(schemaProblems(PartnerCredentialPlaintextSchema, { password: 'p', username: 'u' })).toEqual(['/: unknown property username']);
  });
});
