import { describe, expect, it } from 'vitest';
import { CustomerCreateSchema, CustomerSchema, CustomerUpdateSchema, PartnerAircraftSchema, isSubscribedTo, type Customer } from './customer.schema.js';
import { schemaProblems } from './validation.js';

const customer: Customer = {
  id: '665f1c2ab3e4d5f6a7b8c9d1',
  name: 'Prairie Ag Aviation Ltd.',
  email: 'dispatch@prairie-ag.example',
  partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true, since: '2024-01-15T00:00:00Z' }],
  active: true,
  createdAt: '2024-01-15T00:00:00Z',
  updatedAt: '2024-04-02T12:30:00Z',
};

describe('Customer', () => {
  it('accepts a stored customer, with or without an email', () => {
    expect(schemaProblems(CustomerSchema, customer)).toEqual([]);
    expect(schemaProblems(CustomerSchema, { ...customer, email: null, partnerSubscriptions: [] })).toEqual([]);
  });

  it('rejects a bad email, an unknown partner in a subscription and a missing field', () => {
    expect(schemaProblems(CustomerSchema, { ...customer, email: 'dispatch' })).toContainEqual(expect.stringContaining('/email'));
    expect(
      schemaProblems(CustomerSchema, { ...customer, partnerSubscriptions: [{ partnerCode: 'TRIMBLE', active: true, since: '2024-01-15T00:00:00Z' }] }),
    ).toContainEqual(expect.stringContaining('/partnerSubscriptions/0/partnerCode'));
    const { active: _active, ...noActive } = customer;
    expect(schemaProblems(CustomerSchema, noActive)).toContainEqual(expect.stringContaining('active'));
  });

  it('is subscribed to a partner only while it and its subscription to that partner are active', () => {
    expect(isSubscribedTo(customer, 'SATLOC')).toBe(true);
    expect(isSubscribedTo(customer, 'AGIDRONEX')).toBe(false);
    const lapsed: Customer = { ...customer, partnerSubscriptions: [{ partnerCode: 'SATLOC', active: false, since: customer.createdAt }] };
    expect(isSubscribedTo(lapsed, 'SATLOC')).toBe(false);
    expect(isSubscribedTo({ ...customer, partnerSubscriptions: [] }, 'SATLOC')).toBe(false);
    expect(isSubscribedTo({ ...customer, active: false }, 'SATLOC')).toBe(false);
  });
});

describe('Customer request bodies', () => {
  it('accept a create and an update', () => {
    expect(schemaProblems(CustomerCreateSchema, { name: 'Prairie Ag Aviation Ltd.', partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true }] })).toEqual([]);
    expect(schemaProblems(CustomerUpdateSchema, { email: null })).toEqual([]);
  });

  it('reject extra fields, a client-chosen subscription date and an empty update', () => {
    expect(schemaProblems(CustomerCreateSchema, { name: 'X', id: customer.id })).toEqual(['/: unknown property id']);
    expect(
      schemaProblems(CustomerCreateSchema, { name: 'X', partnerSubscriptions: [{ partnerCode: 'SATLOC', active: true, since: '2024-01-15T00:00:00Z' }] }),
    ).toEqual(['/partnerSubscriptions/0: unknown property since']);
    expect(schemaProblems(CustomerUpdateSchema, {}).length).toBeGreaterThan(0);
  });
});

describe('PartnerAircraft', () => {
  it('accepts a listed aircraft, linked or not', () => {
    const aircraft = { partnerCode: 'SATLOC', customerId: customer.id, partnerAircraftId: 'AC-10442', name: 'AT-802 C-GXYZ', userId: null };
    expect(schemaProblems(PartnerAircraftSchema, aircraft)).toEqual([]);
    expect(schemaProblems(PartnerAircraftSchema, { ...aircraft, userId: '665f1c2ab3e4d5f6a7b8c9d2' })).toEqual([]);
    expect(schemaProblems(PartnerAircraftSchema, { ...aircraft, partnerAircraftId: '' })).toContainEqual(expect.stringContaining('/partnerAircraftId'));
  });
});
