import type { GeoJsonMultiPolygon, GeoJsonPolygon, LonLat } from '../geometry/geojson.types.js';
import type { ApplicationSummary, ApplicationWeather, CoverageCollection } from './application-statistics.types.js';
import type { CoverageFigures } from './coverage-layers.js';
import type { LayerName } from './coverage-scan.js';
import { multiPolyArea, projectGeoJson } from './planar-geometry.js';
import { PlanarProjection } from './planar-projection.js';
import { M2_PER_HA, clean, cleanOrNull, haToAc, lPerHaToGalPerAc } from './units.js';

/** What a summary needs besides the coverage areas; a log and a job fill it the same way. */
export interface SummaryInputs {
  startTime: string | null;
  endTime: string | null;
  flightTimeS: number;
  sprayTimeS: number;
  distanceFlownM: number;
  sprayedDistanceM: number;
  passCount: number;
  grossSprayedAreaM2: number;
  volumeL: number;
  targetRateLPerHa: number | null;
  weather: ApplicationWeather;
}

/** The stored summary: rounded, no NaN or Infinity. The rate is volume over the gross swath area. */
export function summariseCoverage(areas: CoverageFigures, x: SummaryInputs): ApplicationSummary {
  const grossHa = x.grossSprayedAreaM2 / M2_PER_HA;
  const averageRate = grossHa > 0 ? x.volumeL / grossHa : null;
  const target = x.targetRateLPerHa;
  return {
    startTime: x.startTime,
    endTime: x.endTime,
    flightTimeS: clean(x.flightTimeS, 3),
    sprayTimeS: clean(x.sprayTimeS, 3),
    distanceFlownM: clean(x.distanceFlownM, 3),
    sprayedDistanceM: clean(x.sprayedDistanceM, 3),
    passCount: x.passCount,
    fieldAreaHa: clean(areas.fieldM2 / M2_PER_HA),
    treatedAreaHa: clean(areas.treatedM2 / M2_PER_HA),
    treatedAreaAc: clean(haToAc(areas.treatedM2 / M2_PER_HA)),
    overlapAreaHa: clean(areas.overlapM2 / M2_PER_HA),
    insideBoundaryAreaHa: clean(areas.insideM2 / M2_PER_HA),
    offTargetAreaHa: clean(areas.offTargetM2 / M2_PER_HA),
    skippedAreaHa: clean(areas.skippedM2 / M2_PER_HA),
    skippedPctOfField: areas.fieldM2 > 0 ? clean((areas.skippedM2 / areas.fieldM2) * 100, 3) : null,
    grossSprayedAreaHa: clean(grossHa),
    volumeAppliedL: clean(x.volumeL),
    averageRateLPerHa: cleanOrNull(averageRate, 4),
    averageRateGalPerAc: averageRate === null ? null : cleanOrNull(lPerHaToGalPerAc(averageRate), 4),
    targetRateLPerHa: cleanOrNull(target, 4),
    rateDeviationPct: averageRate !== null && target !== null && target > 0 ? cleanOrNull(((averageRate - target) / target) * 100, 3) : null,
    weather: x.weather,
  };
}

const LAYER_AREA: Record<LayerName, keyof CoverageFigures> = { treated: 'treatedM2', overlap: 'overlapM2', offTarget: 'offTargetM2', skipped: 'skippedM2' };
const EMPTY: GeoJsonMultiPolygon = { type: 'MultiPolygon', coordinates: [] };

/** One feature per layer; its area is the measured one (the outline is simplified for maps). */
export function coverageFeatures(layers: Record<LayerName, GeoJsonMultiPolygon> | null, areas: CoverageFigures): CoverageCollection['features'] {
  return (Object.keys(LAYER_AREA) as LayerName[]).map((layer) => ({
    type: 'Feature' as const,
    geometry: layers?.[layer] ?? EMPTY,
    properties: { layer, areaHa: clean(areas[LAYER_AREA[layer]] / M2_PER_HA), passIndex: null, volumeL: null, averageRateLPerHa: null },
  }));
}

export function boundaryPositions(boundary: GeoJsonPolygon | GeoJsonMultiPolygon): LonLat[] {
  return (boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.coordinates).flatMap((p) => p.flat());
}

/** Boundary minus exclusions, in a projection centred on the field itself. */
export function fieldAreaM2(field: { boundary: GeoJsonPolygon | GeoJsonMultiPolygon; exclusions?: readonly GeoJsonPolygon[] }): number {
  const projection = PlanarProjection.around(boundaryPositions(field.boundary));
  const excluded = (field.exclusions ?? []).reduce((sum, e) => sum + multiPolyArea(projectGeoJson(e, projection)), 0);
  return Math.max(0, multiPolyArea(projectGeoJson(field.boundary, projection)) - excluded);
}
