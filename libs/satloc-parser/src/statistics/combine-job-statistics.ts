import type {
  ApplicationPass,
  ApplicationStatistics,
  ApplicationSummary,
  ApplicationWeather,
  CoverageCollection,
  CoverageLayer,
  MinMaxAvg,
} from './application-statistics.types.js';
import { difference, intersection, multiPolyArea, projectGeoJson, toGeoJsonMultiPolygon, unionAll, type MultiPoly } from './planar-geometry.js';
import { PlanarProjection } from './planar-projection.js';
import { M2_PER_HA, clean, cleanDegrees, cleanOrNull, haToAc, lPerHaToGalPerAc } from './units.js';

const DEG = Math.PI / 180;

/**
 * Per-job totals across several logs of the same job (the field of the first result is used).
 * Areas are recomputed from the coverage geometry, so ground sprayed in two logs counts once
 * in treated area and once in overlap; volumes, times and distances add up.
 */
export function combineJobStatistics(results: readonly ApplicationStatistics[]): ApplicationStatistics {
  if (results.length === 0) throw new RangeError('combineJobStatistics needs at least one result');
  if (results.length === 1) return results[0];
  const field = results[0].field;
  const boundary = field.boundary;
  const projection = PlanarProjection.around((boundary.type === 'Polygon' ? [boundary.coordinates] : boundary.coordinates).flatMap((p) => p.flat()));
  const fieldGeom = difference(projectGeoJson(boundary, projection), unionAll(field.exclusions.map((e) => projectGeoJson(e, projection))));
  const layer = (r: ApplicationStatistics, name: CoverageLayer): MultiPoly => {
    const f = r.coverage.features.find((x) => x.properties.layer === name);
    return f ? projectGeoJson(f.geometry, projection) : [];
  };
  const treatedEach = results.map((r) => layer(r, 'treated'));
  const overlapPieces = results.map((r) => layer(r, 'overlap'));
  for (let i = 0; i < treatedEach.length; i++) {
    for (let j = i + 1; j < treatedEach.length; j++) overlapPieces.push(intersection(treatedEach[i], treatedEach[j]));
  }
  const treated = unionAll(treatedEach);
  const overlap = unionAll(overlapPieces);
  const inside = intersection(treated, fieldGeom);
  const offTarget = difference(treated, fieldGeom);
  const fieldAreaM2 = multiPolyArea(fieldGeom);
  const treatedAreaM2 = multiPolyArea(treated);
  const insideAreaM2 = multiPolyArea(inside);

  const passes: ApplicationPass[] = results
    .flatMap((r) => r.passes)
    .sort((a, b) => a.startTime.localeCompare(b.startTime))
    .map((p, passIndex) => ({ ...p, passIndex }));
  const sum = (pick: (s: ApplicationSummary) => number): number => results.reduce((acc, r) => acc + pick(r.summary), 0);
  const volumeL = sum((s) => s.volumeAppliedL);
  const grossAreaHa = passes.reduce((acc, p) => acc + p.sprayedAreaHa, 0);
  const averageRate = grossAreaHa > 0 ? volumeL / grossAreaHa : null;
  const target = results.map((r) => r.summary.targetRateLPerHa).find((t) => t !== null) ?? null;
  const starts = results.map((r) => r.summary.startTime).filter((t): t is string => t !== null).sort();
  const ends = results.map((r) => r.summary.endTime).filter((t): t is string => t !== null).sort();

  const summary: ApplicationSummary = {
    startTime: starts[0] ?? null,
    endTime: ends[ends.length - 1] ?? null,
    flightTimeS: clean(sum((s) => s.flightTimeS), 3),
    sprayTimeS: clean(sum((s) => s.sprayTimeS), 3),
    distanceFlownM: clean(sum((s) => s.distanceFlownM), 3),
    sprayedDistanceM: clean(sum((s) => s.sprayedDistanceM), 3),
    passCount: passes.length,
    fieldAreaHa: clean(fieldAreaM2 / M2_PER_HA),
    treatedAreaHa: clean(treatedAreaM2 / M2_PER_HA),
    treatedAreaAc: clean(haToAc(treatedAreaM2 / M2_PER_HA)),
    overlapAreaHa: clean(multiPolyArea(overlap) / M2_PER_HA),
    insideBoundaryAreaHa: clean(insideAreaM2 / M2_PER_HA),
    offTargetAreaHa: clean(Math.max(0, treatedAreaM2 - insideAreaM2) / M2_PER_HA),
    skippedAreaHa: clean(Math.max(0, fieldAreaM2 - insideAreaM2) / M2_PER_HA),
    volumeAppliedL: clean(volumeL),
    averageRateLPerHa: cleanOrNull(averageRate, 4),
    averageRateGalPerAc: averageRate === null ? null : cleanOrNull(lPerHaToGalPerAc(averageRate), 4),
    targetRateLPerHa: target,
    rateDeviationPct: averageRate !== null && target !== null && target > 0 ? cleanOrNull(((averageRate - target) / target) * 100, 3) : null,
    weather: combineWeather(results),
  };

  const feature = (name: CoverageLayer, geom: MultiPoly) => ({
    type: 'Feature' as const,
    geometry: toGeoJsonMultiPolygon(geom, projection),
    properties: { layer: name, areaHa: clean(multiPolyArea(geom) / M2_PER_HA), passIndex: null, volumeL: null, averageRateLPerHa: null },
  });
  const coverage: CoverageCollection = {
    type: 'FeatureCollection',
    features: [feature('treated', treated), feature('overlap', overlap), feature('offTarget', offTarget)],
  };
  return {
    summary,
    passes,
    coverage,
    field,
    usage: {
      fixesUsed: results.reduce((a, r) => a + r.usage.fixesUsed, 0),
      fixesRejected: results.reduce((a, r) => a + r.usage.fixesRejected, 0),
      recordsOutOfTimeRange: results.reduce((a, r) => a + r.usage.recordsOutOfTimeRange, 0),
    },
  };
}

function combineWeather(results: readonly ApplicationStatistics[]): ApplicationWeather {
  const withWeather = results.filter((r) => r.summary.weather.atSprayStart !== null || r.summary.weather.windSpeedMps !== null);
  const byStart = [...withWeather].sort((a, b) => (a.summary.startTime ?? '').localeCompare(b.summary.startTime ?? ''));
  const first = byStart.find((r) => r.summary.weather.atSprayStart !== null);
  const last = [...byStart].reverse().find((r) => r.summary.weather.atSprayEnd !== null);
  const combine = (pick: (w: ApplicationWeather) => MinMaxAvg | null): MinMaxAvg | null => {
    const parts = results.map((r) => ({ v: pick(r.summary.weather), w: r.summary.sprayTimeS })).filter((p) => p.v !== null) as { v: MinMaxAvg; w: number }[];
    if (parts.length === 0) return null;
    const totalW = parts.reduce((a, p) => a + p.w, 0);
    const avg = totalW > 0 ? parts.reduce((a, p) => a + p.v.avg * p.w, 0) / totalW : parts.reduce((a, p) => a + p.v.avg, 0) / parts.length;
    return { min: Math.min(...parts.map((p) => p.v.min)), max: Math.max(...parts.map((p) => p.v.max)), avg: clean(avg, 3) };
  };
  let s = 0;
  let c = 0;
  let n = 0;
  for (const r of results) {
    const d = r.summary.weather.windDirectionDeg;
    if (d === null) continue;
    const w = r.summary.sprayTimeS > 0 ? r.summary.sprayTimeS : 1e-9;
    s += Math.sin(d * DEG) * w;
    c += Math.cos(d * DEG) * w;
    n++;
  }
  return {
    atSprayStart: first?.summary.weather.atSprayStart ?? null,
    atSprayEnd: last?.summary.weather.atSprayEnd ?? null,
    windSpeedMps: combine((w) => w.windSpeedMps),
    windDirectionDeg: n > 0 ? cleanDegrees(Math.atan2(s, c) / DEG) : null,
    temperatureC: combine((w) => w.temperatureC),
    humidityPct: combine((w) => w.humidityPct),
  };
}
