import { describe, expect, it } from 'vitest';
import { InternalUserCreateSchema, InternalUserSchema, InternalUserUpdateSchema, type InternalUser } from './internal-user.schema.js';
import { schemaProblems } from './validation.js';

const pilot: InternalUser = {
  id: '665f1c2ab3e4d5f6a7b8c9d2',
  kind: 'INTERNAL',
  username: 'j.moreau',
  name: 'Julien Moreau — AT-802 C-GXYZ',
  email: null,
  role: 'customer',
  customerId: '665f1c2ab3e4d5f6a7b8c9d1',
  partnerInfo: { partnerCode: 'SATLOC', partnerAircraftId: 'AC-10442' },
  active: true,
  createdAt: '2024-01-20T09:00:00Z',
  updatedAt: '2024-01-20T09:00:00Z',
};

describe('InternalUser', () => {
  it('accepts a pilot linked to a partner aircraft, and an operator without a customer', () => {
    expect(schemaProblems(InternalUserSchema, pilot)).toEqual([]);
    expect(schemaProblems(InternalUserSchema, { ...pilot, role: 'admin', customerId: null, partnerInfo: null })).toEqual([]);
  });

  it('rejects partnerInfo without an aircraft id, a foreign kind, and a username with spaces', () => {
    expect(schemaProblems(InternalUserSchema, { ...pilot, partnerInfo: { partnerCode: 'SATLOC' } })).toContainEqual(expect.stringContaining('/partnerInfo'));
    expect(schemaProblems(InternalUserSchema, { ...pilot, kind: 'PARTNER_SYSTEM_USER' })).toContainEqual(expect.stringContaining('/kind'));
    expect(schemaProblems(InternalUserSchema, { ...pilot, username: 'j moreau' })).toContainEqual(expect.stringContaining('/username'));
  });
});

describe('InternalUser request bodies', () => {
  it('accept a create with partnerInfo and an update that unlinks the aircraft', () => {
    expect(
      schemaProblems(InternalUserCreateSchema, {
        username: 'j.moreau',
        name: 'Julien Moreau',
        role: 'customer',
        customerId: pilot.customerId,
        partnerInfo: pilot.partnerInfo,
      }),
    ).toEqual([]);
    expect(schemaProblems(InternalUserUpdateSchema, { partnerInfo: null })).toEqual([]);
  });

  it('reject an unknown role, server-owned fields and an empty update', () => {
    expect(schemaProblems(InternalUserCreateSchema, { username: 'a', name: 'A', role: 'pilot' })).toContainEqual(expect.stringContaining('/role'));
    expect(schemaProblems(InternalUserCreateSchema, { username: 'a', name: 'A', role: 'customer', kind: 'INTERNAL' })).toEqual(['/: unknown property kind']);
    expect(schemaProblems(InternalUserUpdateSchema, { username: 'renamed' })).toEqual(['/: unknown property username']);
    expect(schemaProblems(InternalUserUpdateSchema, {}).length).toBeGreaterThan(0);
  });
});
