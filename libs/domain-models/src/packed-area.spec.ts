import { describe, expect, it } from 'vitest';
import { packMultiPolygon, unpackMultiPolygon } from './packed-area.js';

describe('packed areas', () => {
  it('round-trips a MultiPolygon with holes to 1e-7 degree, and an empty one', () => {
    const coordinates = [
      [[[-97.5, 38.1], [-97.49, 38.1], [-97.49, 38.11], [-97.5, 38.1]]],
      [
        [[149.123456789, -34.5], [149.2, -34.5], [149.2, -34.4], [149.123456789, -34.5]],
        [[149.15, -34.48], [149.16, -34.48], [149.16, -34.47], [149.15, -34.48]],
      ],
    ];
    const unpacked = unpackMultiPolygon(packMultiPolygon(coordinates));
    expect(unpacked.coordinates.map((p) => p.map((r) => r.length))).toEqual([[4], [4, 4]]);
    unpacked.coordinates.flat(2).forEach(([lon, lat], i) => {
      const [x, y] = coordinates.flat(2)[i];
      expect(Math.abs(lon - x)).toBeLessThanOrEqual(5e-8);
      expect(Math.abs(lat - y)).toBeLessThanOrEqual(5e-8);
    });
    expect(unpackMultiPolygon(packMultiPolygon([]))).toEqual({ type: 'MultiPolygon', coordinates: [] });
  });

  it('refuses counts that do not match the positions', () => {
    const packed = packMultiPolygon([[[[0, 0], [1, 0], [1, 1], [0, 0]]]]);
    expect(() => unpackMultiPolygon({ parts: packed.parts, e7: packed.e7.subarray(2) })).toThrow(/corrupt/);
  });
});
