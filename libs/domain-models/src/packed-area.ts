import type { ApplicationLayers, CoverageLayerName, LayerGeometry } from './application.schema.js';

/**
 * A MultiPolygon in two typed arrays, for coverage layers that can hold tens of thousands of
 * vertices: cheap to pass between threads (copied as bytes) and to store (one binary field each,
 * no nested arrays for FerretDB). `parts` is [polygon count, then per polygon its ring count,
 * then per ring its position count]; `e7` holds lon, lat pairs in units of 1e-7 degree (about
 * 1 cm), rings closed as in GeoJSON.
 */
export interface PackedArea {
  parts: Uint32Array;
  e7: Int32Array;
}

export type PackedLayers = Record<CoverageLayerName, PackedArea>;

const E7 = 1e7;

export function packMultiPolygon(coordinates: readonly (readonly (readonly (readonly number[])[])[])[]): PackedArea {
  const parts: number[] = [coordinates.length];
  let positions = 0;
  for (const polygon of coordinates) {
    parts.push(polygon.length);
    for (const ring of polygon) {
      parts.push(ring.length);
      positions += ring.length;
    }
  }
  const e7 = new Int32Array(2 * positions);
  let k = 0;
  for (const polygon of coordinates) {
    for (const ring of polygon) {
      for (const position of ring) {
        e7[k++] = Math.round(position[0] * E7);
        e7[k++] = Math.round(position[1] * E7);
      }
    }
  }
  return { parts: Uint32Array.from(parts), e7 };
}

export function unpackMultiPolygon(packed: PackedArea): LayerGeometry {
  const { parts, e7 } = packed;
  const coordinates: [number, number][][][] = [];
  let p = 1;
  let k = 0;
  for (let polygonIndex = 0; polygonIndex < (parts[0] ?? 0); polygonIndex++) {
    const rings: [number, number][][] = [];
    const ringCount = parts[p++];
    for (let r = 0; r < ringCount; r++) {
      const count = parts[p++];
      const ring: [number, number][] = new Array(count);
      for (let i = 0; i < count; i++, k += 2) ring[i] = [e7[k] / E7, e7[k + 1] / E7];
      rings.push(ring);
    }
    coordinates.push(rings);
  }
  if (p !== parts.length || k !== e7.length) throw new Error('packed area is corrupt: its counts do not match its positions');
  return { type: 'MultiPolygon', coordinates };
}

export function unpackLayers(packed: PackedLayers): ApplicationLayers {
  return {
    treated: unpackMultiPolygon(packed.treated),
    overlap: unpackMultiPolygon(packed.overlap),
    offTarget: unpackMultiPolygon(packed.offTarget),
    skipped: unpackMultiPolygon(packed.skipped),
  };
}
