import { COVERAGE_LAYERS, packMultiPolygon, type PackedLayers } from '@agair/domain-models';
import type { CoverageCollection } from './application-statistics.types.js';

/** The four layers of a coverage collection in their compact form (for threads and storage). */
export function packCoverageLayers(coverage: CoverageCollection): PackedLayers {
  const layer = (name: string) => packMultiPolygon(coverage.features.find((f) => f.properties.layer === name)?.geometry.coordinates ?? []);
  return Object.fromEntries(COVERAGE_LAYERS.map((name) => [name, layer(name)])) as PackedLayers;
}
