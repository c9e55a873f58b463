import type { JobCreate, MultiPolygon } from '@agair/domain-models';
import { testServices, uniqueName, withDatabase } from '@agair/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/test-database.js';
import { newObjectIdString } from '../infrastructure/object-id.mapper.js';
import { JOBS_COLLECTION } from './job.indexes.js';
import { JobRepository } from './job.repository.js';

const customerId = newObjectIdString();

const jobInput: JobCreate = {
  customerId,
  name: 'North 40 — corn',
  boundary: {
    type: 'Polygon',
    coordinates: [
      [
        [-97.123456789012, 38.100001],
        [-97.100002, 38.100001],
        [-97.100002, 38.120003],
        [-97.123456789012, 38.120003],
        [-97.123456789012, 38.100001],
      ],
    ],
  },
  exclusions: [
    {
      type: 'Polygon',
      coordinates: [
        [
          [-97.115, 38.105],
          [-97.11, 38.105],
          [-97.11, 38.11],
          [-97.115, 38.11],
          [-97.115, 38.105],
        ],
      ],
    },
  ],
  productName: 'Glyphosate 41%',
  targetRateLPerHa: 46.77,
  units: 'us',
  notes: 'watch the power line on the east edge',
};

function containsNestedArray(value: unknown): boolean {
  if (Array.isArray(value)) return value.some((item) => Array.isArray(item) || containsNestedArray(item));
  if (value && typeof value === 'object' && !(value instanceof Date)) return Object.values(value).some(containsNestedArray);
  return false;
}

describe('JobRepository against FerretDB/MongoDB', () => {
  let database: TestDatabase;
  let jobs: JobRepository;

  beforeAll(async () => {
    database = await openTestDatabase(withDatabase(testServices().mongoUrl, uniqueName('it_jobs')));
    jobs = new JobRepository(database.db);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('stores a boundary with an exclusion zone and reads back exactly the same GeoJSON', async () => {
    const created = await jobs.create(jobInput);
    const read = await jobs.findById(customerId, created.id);
    expect(read).toStrictEqual(created);
    expect(read?.boundary).toStrictEqual(jobInput.boundary);
    expect(read?.exclusions).toStrictEqual(jobInput.exclusions);

    const raw = await database.db.collection(JOBS_COLLECTION).findOne({ name: jobInput.name });
    expect(containsNestedArray(raw)).toBe(false);
    expect(raw?.['boundaryBox']).toEqual({ minLon: -97.123456789012, minLat: 38.100001, maxLon: -97.100002, maxLat: 38.120003 });
  });

  it('stores a MultiPolygon boundary through the same mapping', async () => {
    const boundary: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [jobInput.boundary.coordinates as MultiPolygon['coordinates'][number], [[[10, 50], [10.5, 50], [10.5, 50.25], [10, 50]]]],
    };
    const created = await jobs.create({ ...jobInput, name: 'two parts', boundary, exclusions: [] });
    expect((await jobs.findById(customerId, created.id))?.boundary).toStrictEqual(boundary);
  });

  it('scopes reads to the customer', async () => {
    const created = await jobs.create({ ...jobInput, name: 'scoped' });
    expect(await jobs.findById(newObjectIdString(), created.id)).toBeNull();
    expect(await jobs.update(newObjectIdString(), created.id, { name: 'hijacked' })).toBeNull();
    expect((await jobs.listByCustomer(customerId)).map((j) => j.id)).toContain(created.id);
    expect(await jobs.listByCustomer(newObjectIdString())).toEqual([]);
  });

  it('finds jobs by bounding box and updates geometry through the mapping', async () => {
    const created = await jobs.create({ ...jobInput, name: 'box search' });
    const near = await jobs.listIntersectingBox(customerId, { minLon: -97.11, minLat: 38.11, maxLon: -97.0, maxLat: 38.2 });
    expect(near.map((j) => j.id)).toContain(created.id);
    const far = await jobs.listIntersectingBox(customerId, { minLon: 0, minLat: 0, maxLon: 1, maxLat: 1 });
    expect(far.map((j) => j.id)).not.toContain(created.id);

    const moved = await jobs.update(customerId, created.id, { boundary: { type: 'Polygon', coordinates: [[[0.1, 0.1], [0.2, 0.1], [0.2, 0.2], [0.1, 0.1]]] } });
    expect(moved?.boundary.coordinates).toEqual([[[0.1, 0.1], [0.2, 0.1], [0.2, 0.2], [0.1, 0.1]]]);
    expect((await jobs.listIntersectingBox(customerId, { minLon: 0, minLat: 0, maxLon: 1, maxLat: 1 })).map((j) => j.id)).toContain(created.id);
  });

  it('rejects an unclosed ring before writing anything', async () => {
    const open = { type: 'Polygon' as const, coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]] as [number, number][]] };
    await expect(jobs.create({ ...jobInput, name: 'open ring', boundary: open })).rejects.toThrow('not closed');
    expect(await database.db.collection(JOBS_COLLECTION).countDocuments({ name: 'open ring' })).toBe(0);
  });
});
