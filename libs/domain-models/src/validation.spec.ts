import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { Nullable } from './common.schema.js';
import { AreaGeometrySchema } from './geo.schema.js';
import { AssignStatusSchema } from './job-assign.schema.js';
import { PartnerCodeSchema } from './enums.js';
import { isValid, schemaProblems } from './validation.js';

describe('schemaProblems', () => {
  it('is empty for a valid value', () => {
    expect(schemaProblems(PartnerCodeSchema, 'SATLOC')).toEqual([]);
  });

  it('says which values an enum allows, numeric or text, in one line', () => {
    expect(schemaProblems(AssignStatusSchema, 7)).toEqual(['/: must be one of 0, 1, 2']);
    expect(schemaProblems(Type.Object({ code: PartnerCodeSchema }), { code: 'TRIMBLE' })).toEqual(['/code: must be one of "SATLOC", "AGIDRONEX"']);
  });

  it('reports the real problem of a nullable field, not "must be null"', () => {
    const schema = Type.Object({ lease: Nullable(Type.Object({ owner: Type.String(), expiresAt: Type.String() })) });
    expect(schemaProblems(schema, { lease: { owner: 'w1' } })).toEqual(['/lease: must have required properties expiresAt']);
    expect(schemaProblems(schema, { lease: 5 })).toEqual(expect.arrayContaining([expect.stringMatching(/^\/lease: must be (object|null)/)]));
  });

  it('reports only the variant a tagged value claims to be', () => {
    const tooShort = { type: 'Polygon', coordinates: [[[1, 2], [3, 4], [1, 2]]] };
    expect(schemaProblems(AreaGeometrySchema, tooShort)).toEqual(['/coordinates/0: must not have fewer than 4 items']);
  });

  it('names an unknown tag with the tags allowed', () => {
    expect(schemaProblems(AreaGeometrySchema, { type: 'Point', coordinates: [1, 2] })).toContainEqual('/type: must be one of "Polygon", "MultiPolygon"');
  });

  it('names unknown properties once, and prefixes a base path', () => {
    const schema = Type.Object({ a: Type.String() }, { additionalProperties: false });
    expect(schemaProblems(schema, { a: 'x', b: 1, c: 2 }, '/body')).toEqual(['/body: unknown properties b, c']);
  });

  it('never echoes the offending value', () => {
    const schema = Type.Object({ password: Type.String({ maxLength: 4 }) });
    expect(schemaProblems(schema, { password: 'hunter2-secret' }).join(' ')).not.toContain('hunter2');
  });
});

describe('isValid', () => {
  it('agrees with schemaProblems', () => {
    expect(isValid(PartnerCodeSchema, 'AGIDRONEX')).toBe(true);
    expect(isValid(PartnerCodeSchema, 'agidronex')).toBe(false);
  });
});
