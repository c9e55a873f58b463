import { describe, expect, it } from 'vitest';
import { PartnerCreateSchema, PartnerSchema, PartnerUpdateSchema, type Partner, type PartnerCreate } from './partner.schema.js';
import { schemaProblems } from './validation.js';

const satloc: Partner = {
  id: '665f1c2ab3e4d5f6a7b8c9d0',
  code: 'SATLOC',
  name: 'SatLoc Cloud',
  baseUrl: 'https://cloud.satloc.example/api/Satloc',
  capabilities: ['job_upload', 'log_download', 'aircraft_list', 'health_check'],
  active: true,
  createdAt: '2024-03-01T08:00:00.000Z',
  updatedAt: '2024-03-01T08:00:00.000Z',
};

describe('Partner', () => {
  it('accepts a stored partner', () => {
    expect(schemaProblems(PartnerSchema, satloc)).toEqual([]);
    expect(schemaProblems(PartnerSchema, { ...satloc, code: 'AGIDRONEX', capabilities: [], active: false })).toEqual([]);
  });

  it('rejects an unknown partner code, a non-http base URL, a repeated capability and a bad id', () => {
    expect(schemaProblems(PartnerSchema, { ...satloc, code: 'satloc' })).toContainEqual(expect.stringContaining('/code'));
    expect(schemaProblems(PartnerSchema, { ...satloc, baseUrl: 'ftp://cloud.satloc.example' })).toContainEqual(expect.stringContaining('/baseUrl'));
    expect(schemaProblems(PartnerSchema, { ...satloc, capabilities: ['job_upload', 'job_upload'] })).toContainEqual(expect.stringContaining('/capabilities'));
    expect(schemaProblems(PartnerSchema, { ...satloc, id: '665F1C2AB3E4D5F6A7B8C9D0' })).toContainEqual(expect.stringContaining('/id'));
    expect(schemaProblems(PartnerSchema, { ...satloc, updatedAt: '1 March 2024' })).toContainEqual(expect.stringContaining('/updatedAt'));
  });
});

describe('PartnerCreate', () => {
  const body: PartnerCreate = { code: 'SATLOC', name: 'SatLoc Cloud', baseUrl: 'https://cloud.satloc.example/api/Satloc', capabilities: ['job_upload'] };

  it('accepts a request body', () => {
    expect(schemaProblems(PartnerCreateSchema, body)).toEqual([]);
  });

  it('rejects a missing field, an extra field, a wrong type and an over-long name', () => {
    const { name: _name, ...noName } = body;
    expect(schemaProblems(PartnerCreateSchema, noName)).toContainEqual(expect.stringContaining('name'));
    expect(schemaProblems(PartnerCreateSchema, { ...body, id: satloc.id })).toEqual(['/: unknown property id']);
    expect(schemaProblems(PartnerCreateSchema, { ...body, active: 'yes' })).toContainEqual(expect.stringContaining('/active'));
    expect(schemaProblems(PartnerCreateSchema, { ...body, name: 'x'.repeat(201) })).toContainEqual(expect.stringContaining('/name'));
  });
});

describe('PartnerUpdate', () => {
  it('accepts a partial change and refuses to change the code or do nothing', () => {
    expect(schemaProblems(PartnerUpdateSchema, { active: false })).toEqual([]);
    expect(schemaProblems(PartnerUpdateSchema, { code: 'AGIDRONEX' })).toEqual(['/: unknown property code']);
    expect(schemaProblems(PartnerUpdateSchema, {}).length).toBeGreaterThan(0);
  });
});
