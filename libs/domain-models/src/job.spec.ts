import { describe, expect, it } from 'vitest';
import type { LinearRing, Polygon } from './geo.schema.js';
import { geometryProblems } from './geo.validator.js';
import { JobCreateSchema, JobSchema, JobUpdateSchema, MAX_EXCLUSIONS, type Job, type JobCreate } from './job.schema.js';
import { schemaProblems } from './validation.js';

const field: LinearRing = [
  [-106.6421, 52.1302],
  [-106.6301, 52.1302],
  [-106.6301, 52.1375],
  [-106.6421, 52.1375],
  [-106.6421, 52.1302],
];
const slough: Polygon = {
  type: 'Polygon',
  coordinates: [
    [
      [-106.635, 52.133],
      [-106.634, 52.133],
      [-106.634, 52.134],
      [-106.635, 52.133],
    ],
  ],
};

const create: JobCreate = {
  customerId: '665f1c2ab3e4d5f6a7b8c9d1',
  name: 'NE-14-37-5-W3 fungicide',
  boundary: { type: 'Polygon', coordinates: [field] },
  exclusions: [slough],
  productName: 'Proline 480 SC',
  targetRateLPerHa: 28,
  units: 'metric',
};

const job: Job = {
  id: '665f1c2ab3e4d5f6a7b8c9e0',
  customerId: create.customerId,
  name: create.name,
  boundary: create.boundary,
  exclusions: [slough],
  productName: create.productName,
  targetRateLPerHa: 28,
  units: 'metric',
  notes: '',
  active: true,
  createdAt: '2024-06-10T05:12:00Z',
  updatedAt: '2024-06-10T05:12:00Z',
};

describe('Job', () => {
  it('accepts a stored job with a polygon or a multipolygon boundary', () => {
    expect(schemaProblems(JobSchema, job)).toEqual([]);
    expect(schemaProblems(JobSchema, { ...job, boundary: { type: 'MultiPolygon', coordinates: [[field], slough.coordinates] } })).toEqual([]);
  });

  it('rejects exclusions given as a multipolygon and a zero target rate', () => {
    expect(schemaProblems(JobSchema, { ...job, exclusions: [{ type: 'MultiPolygon', coordinates: [[field]] }] })).toContainEqual(
      expect.stringContaining('/exclusions/0'),
    );
    expect(schemaProblems(JobSchema, { ...job, targetRateLPerHa: 0 })).toContainEqual(expect.stringContaining('/targetRateLPerHa'));
  });
});

describe('JobCreate', () => {
  it('accepts a request with or without exclusions', () => {
    expect(schemaProblems(JobCreateSchema, create)).toEqual([]);
    const { exclusions: _exclusions, ...noExclusions } = create;
    expect(schemaProblems(JobCreateSchema, noExclusions)).toEqual([]);
  });

  it('rejects a missing boundary, an extra field, a rate given as text, unknown units and lat/lon swapped', () => {
    const { boundary: _boundary, ...noBoundary } = create;
    expect(schemaProblems(JobCreateSchema, noBoundary)).toContainEqual(expect.stringContaining('boundary'));
    expect(schemaProblems(JobCreateSchema, { ...create, status: 0 })).toEqual(['/: unknown property status']);
    expect(schemaProblems(JobCreateSchema, { ...create, targetRateLPerHa: '28' })).toContainEqual(expect.stringContaining('/targetRateLPerHa'));
    expect(schemaProblems(JobCreateSchema, { ...create, units: 'imperial' })).toContainEqual(expect.stringContaining('/units'));
    const swapped = field.map(([lon, lat]) => [lat, lon]);
    expect(schemaProblems(JobCreateSchema, { ...create, boundary: { type: 'Polygon', coordinates: [swapped] } })).toContainEqual(
      // [lat, lon] puts -106.6 in the latitude slot.
      '/boundary/coordinates/0/0/1: must be >= -90',
    );
  });

  it('limits the number of exclusions', () => {
    const many = Array.from({ length: MAX_EXCLUSIONS + 1 }, () => slough);
    expect(schemaProblems(JobCreateSchema, { ...create, exclusions: many })).toContainEqual(expect.stringContaining('/exclusions'));
  });

  it('passes the schema with an open ring, which geometryProblems then reports', () => {
    const open = { ...create, boundary: { type: 'Polygon' as const, coordinates: [field.slice(0, 4)] } };
    expect(schemaProblems(JobCreateSchema, open)).toEqual([]);
    expect(geometryProblems(open.boundary, '/boundary')).toEqual([expect.stringContaining('/boundary/coordinates/0: ring is not closed')]);
  });
});

describe('JobUpdate', () => {
  it('accepts a rate change and rejects moving the job to another customer', () => {
    expect(schemaProblems(JobUpdateSchema, { targetRateLPerHa: 30, units: 'us' })).toEqual([]);
    expect(schemaProblems(JobUpdateSchema, { customerId: create.customerId })).toEqual(['/: unknown property customerId']);
  });
});
