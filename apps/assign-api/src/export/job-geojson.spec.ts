import type { Job } from '@agair/domain-models';
import { describe, expect, it } from 'vitest';
import { jobToFeatureCollection, safeFileName } from './job-geojson.js';

const square = (x: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x, 0],
      [x + 1, 0],
      [x + 1, 1],
      [x, 1],
      [x, 0],
    ] as [number, number][],
  ],
});

describe('jobToFeatureCollection', () => {
  it('gives the boundary with the job fields and one feature per exclusion', () => {
    const job = {
      id: '665f1c2ab3e4d5f6a7b8c9d0',
      customerId: '665f1c2ab3e4d5f6a7b8c9d1',
      name: 'North 40',
      boundary: square(0),
      exclusions: [square(10), square(20)],
      productName: 'Fungicide X',
      targetRateLPerHa: 18,
      units: 'metric',
      notes: '',
      active: true,
      createdAt: '2024-05-02T07:00:00.000Z',
      updatedAt: '2024-05-02T07:00:00.000Z',
    } satisfies Job;
    const collection = jobToFeatureCollection(job);
    expect(collection.features).toHaveLength(3);
    expect(collection.features[0]).toMatchObject({ geometry: job.boundary, properties: { role: 'boundary', name: 'North 40', targetRateLPerHa: 18 } });
    expect(collection.features.slice(1).map((f) => [f.geometry, f.properties?.['role']])).toEqual([
      [square(10), 'exclusion'],
      [square(20), 'exclusion'],
    ]);
  });
});

describe('safeFileName', () => {
  it('keeps file names free of quotes, slashes and leading dots', () => {
    expect(safeFileName('North 40 "east"/../x', '.geojson')).toBe('North_40_east_.._x.geojson');
    expect(safeFileName('../../etc', '.json')).toBe('etc.json');
    expect(safeFileName('', '.json')).toBe('job.json');
  });
});
