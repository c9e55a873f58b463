import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { isValid, PartnerSystemUserViewSchema } from '@agair/domain-models';
import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { CredentialCipher } from '../credentials/credential-cipher.js';
import { CredentialDecryptionError } from '../credentials/credential.errors.js';
import { newObjectIdString } from '../infrastructure/object-id.mapper.js';
import { DuplicateRecordError } from '../infrastructure/persistence.errors.js';
import { PartnerSystemUserRepository } from './partner-system-user.repository.js';
import { USERS_COLLECTION } from './user.indexes.js';

const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');
const password = 'Plaintext-Pa55word!';
const partnerId = newObjectIdString();

describe('PartnerSystemUserRepository against FerretDB/MongoDB', () => {
  let database: TestDatabase;
  let systemUsers: PartnerSystemUserRepository;

  beforeAll(async () => {
    database = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_users')));
    systemUsers = new PartnerSystemUserRepository(database.db, CredentialCipher.fromConfig({ keys: { old: oldKey }, activeKeyId: 'old' }));
  });

  afterAll(async () => {
    await database.drop();
  });

  it('stores no plaintext password anywhere in the raw document, and returns views without credentials', async () => {
    const customerId = newObjectIdString();
    const view = await systemUsers.create({ partnerId, partnerCode: 'SATLOC', customerId, username: 'acme.satloc', password });
    expect(isValid(PartnerSystemUserViewSchema, view)).toBe(true);
    expect(JSON.stringify(view)).not.toContain(password);
    expect(view).not.toHaveProperty('credentials');

    const raw = await database.db.collection(USERS_COLLECTION).findOne({ username: 'acme.satloc' });
    expect(raw).not.toBeNull();
    const rawText = JSON.stringify(raw);
    expect(rawText).not.toContain(password);
    expect(rawText).not.toContain(Buffer.from(password).toString('base64'));
    expect(rawText.toLowerCase()).not.toContain('password');
    expect(raw?.['credentials']).toMatchObject({ keyId: 'old' });

    const listed = await systemUsers.listByCustomer(customerId);
    expect(listed).toEqual([view]);
    expect(JSON.stringify(listed)).not.toContain(password);
  });

  it('gives workers the decrypted password, which serialising or inspecting does not reveal', async () => {
    const customerId = newObjectIdString();
    await systemUsers.create({ partnerId, partnerCode: 'SATLOC', customerId, username: 'crop.air', password });
    const credentials = await systemUsers.getCredentials(customerId, 'SATLOC');
    expect(credentials?.password).toBe(password);
    expect(credentials?.username).toBe('crop.air');
    expect(JSON.stringify(credentials)).not.toContain(password);
    expect(inspect(credentials)).not.toContain(password);
    expect(await systemUsers.getCredentials(customerId, 'AGIDRONEX')).toBeNull();
    expect(await systemUsers.getCredentials(newObjectIdString(), 'SATLOC')).toBeNull();
  });

  it('allows one active account per customer and partner; a soft delete frees the slot', async () => {
    const customerId = newObjectIdString();
    const first = await systemUsers.create({ partnerId, partnerCode: 'SATLOC', customerId, username: 'first', password });
    await expect(systemUsers.create({ partnerId, partnerCode: 'SATLOC', customerId, username: 'second', password })).rejects.toBeInstanceOf(
      DuplicateRecordError,
    );

    expect(await systemUsers.deactivate(first.id)).toMatchObject({ active: false });
    expect(await systemUsers.getCredentials(customerId, 'SATLOC')).toBeNull();
    const second = await systemUsers.create({ partnerId, partnerCode: 'SATLOC', customerId, username: 'second', password: 'another' });
    expect((await systemUsers.getCredentials(customerId, 'SATLOC'))?.systemUserId).toBe(second.id);
    // Reactivating the first now collides with the second.
    await expect(systemUsers.update(first.id, { active: true })).rejects.toBeInstanceOf(DuplicateRecordError);
    expect(await systemUsers.listByCustomer(customerId, { includeInactive: true })).toHaveLength(2);
  });

  it('replaces the password on update, re-encrypted', async () => {
    const customerId = newObjectIdString();
    const user = await systemUsers.create({ partnerId, partnerCode: 'SATLOC', customerId, username: 'rotating', password });
    await systemUsers.update(user.id, { password: 'brand-new-secret' });
    expect((await systemUsers.getCredentialsBySystemUserId(user.id))?.password).toBe('brand-new-secret');
  });

  it('rotates keys: old secrets still decrypt, rotation re-encrypts them under the new key', async () => {
    const customerId = newObjectIdString();
    await systemUsers.create({ partnerId, partnerCode: 'SATLOC', customerId, username: 'before.rotation', password });

    const both = new PartnerSystemUserRepository(database.db, CredentialCipher.fromConfig({ keys: { old: oldKey, new: newKey }, activeKeyId: 'new' }));
    expect((await both.getCredentials(customerId, 'SATLOC'))?.password).toBe(password);
    const rotation = await both.rotateCredentials();
    expect(rotation.rotated).toBeGreaterThan(0);
    expect(rotation.remaining).toBe(0);

    const onlyNew = new PartnerSystemUserRepository(database.db, CredentialCipher.fromConfig({ keys: { new: newKey }, activeKeyId: 'new' }));
    expect((await onlyNew.getCredentials(customerId, 'SATLOC'))?.password).toBe(password);
    const raw = await database.db.collection(USERS_COLLECTION).findOne({ username: 'before.rotation' });
    expect(raw?.['credentials']).toMatchObject({ keyId: 'new' });
  });

  it('refuses a secret copied from another record', async () => {
    const a = newObjectIdString();
    const b = newObjectIdString();
    const userA = await systemUsers.create({ partnerId, partnerCode: 'SATLOC', customerId: a, username: 'victim', password });
    const userB = await systemUsers.create({ partnerId, partnerCode: 'SATLOC', customerId: b, username: 'thief', password: 'x' });
    const users = database.db.collection(USERS_COLLECTION);
    const rawA = await users.findOne({ username: userA.username });
    await users.updateOne({ username: userB.username }, { $set: { credentials: rawA?.['credentials'] } });
    await expect(systemUsers.getCredentials(b, 'SATLOC')).rejects.toBeInstanceOf(CredentialDecryptionError);
  });
});
