import type { GeoJsonMultiPolygon, GeoJsonPolygon } from '../geometry/geojson.types.js';
import type { ApplicationSummary, ApplicationWeather, CoverageCollection, MinMaxAvg, SwathSet } from './application-statistics.types.js';
import { boundaryPositions, coverageFeatures, fieldAreaM2, summariseCoverage } from './application-summary.js';
import { computeCoverage } from './coverage-layers.js';
import type { PlanarRingXY } from './coverage-scan.js';
import { projectGeoJson } from './planar-geometry.js';
import { PlanarProjection } from './planar-projection.js';
import { M2_PER_HA, clean, cleanDegrees } from './units.js';

const DEG = Math.PI / 180;

/** What a job's record needs of each of its logs: the stored summary and swaths. */
export interface LogForJob {
  summary: ApplicationSummary;
  swaths: SwathSet;
}

export interface JobField {
  boundary: GeoJsonPolygon | GeoJsonMultiPolygon;
  exclusions?: GeoJsonPolygon[];
  targetRateLPerHa?: number | null;
  /** Trace the outline of each layer. Default true. */
  withLayers?: boolean;
}

export interface JobStatistics {
  summary: ApplicationSummary;
  /** One feature per layer: treated, overlap, offTarget, skipped. */
  coverage: CoverageCollection;
}

/**
 * A job's application record from its logs, computed the way a log's is: coverage is the
 * union of every log's swaths (ground sprayed in two loads counts once as treated and once as
 * overlap), skipped is the field no log treated; volume, times and distances add up; the rate
 * is total volume over total swath area; weather spans the logs.
 */
export function combineJobStatistics(logs: readonly LogForJob[], field: JobField): JobStatistics {
  const positions = boundaryPositions(field.boundary);
  const firstSwath = logs.find((l) => l.swaths.lonLat.length >= 2)?.swaths.lonLat;
  const projection =
    positions.length > 0 || firstSwath === undefined ? PlanarProjection.around(positions) : new PlanarProjection(firstSwath[0], firstSwath[1]);
  const swaths = logs.flatMap((log) => projectSwaths(log.swaths, projection));
  const coverage = computeCoverage({
    swaths,
    boundary: projectGeoJson(field.boundary, projection),
    exclusions: (field.exclusions ?? []).map((e) => projectGeoJson(e, projection)),
    fieldAreaM2: fieldAreaM2(field),
    projection,
    withLayers: field.withLayers ?? true,
  });
  const sum = (pick: (s: ApplicationSummary) => number): number => logs.reduce((total, log) => total + pick(log.summary), 0);
  const starts = logs.map((l) => l.summary.startTime).filter((t): t is string => t !== null).sort();
  const ends = logs.map((l) => l.summary.endTime).filter((t): t is string => t !== null).sort();
  const summary = summariseCoverage(coverage.areas, {
    startTime: starts[0] ?? null,
    endTime: ends[ends.length - 1] ?? null,
    flightTimeS: sum((s) => s.flightTimeS),
    sprayTimeS: sum((s) => s.sprayTimeS),
    distanceFlownM: sum((s) => s.distanceFlownM),
    sprayedDistanceM: sum((s) => s.sprayedDistanceM),
    passCount: sum((s) => s.passCount),
    grossSprayedAreaM2: sum((s) => s.grossSprayedAreaHa) * M2_PER_HA,
    volumeL: sum((s) => s.volumeAppliedL),
    targetRateLPerHa: field.targetRateLPerHa ?? logs.map((l) => l.summary.targetRateLPerHa).find((t) => t !== null) ?? null,
    weather: combineWeather(logs.map((l) => l.summary)),
  });
  return { summary, coverage: { type: 'FeatureCollection', features: coverageFeatures(coverage.layers, coverage.areas) } };
}

function projectSwaths(set: SwathSet, projection: PlanarProjection): PlanarRingXY[] {
  const rings: PlanarRingXY[] = [];
  for (let i = 0; i + 1 < set.ringStarts.length; i++) {
    const from = set.ringStarts[i];
    const to = set.ringStarts[i + 1];
    const ring = new Float64Array(2 * (to - from));
    for (let k = from; k < to; k++) {
      ring[2 * (k - from)] = projection.x(set.lonLat[2 * k]);
      ring[2 * (k - from) + 1] = projection.y(set.lonLat[2 * k + 1]);
    }
    rings.push(ring);
  }
  return rings;
}

/** Weather across logs: the first start and last end sample, min of mins and max of maxes, averages weighted by spray time. */
function combineWeather(summaries: readonly ApplicationSummary[]): ApplicationWeather {
  const withWeather = summaries.filter((r) => r.weather.atSprayStart !== null || r.weather.windSpeedMps !== null);
  const byStart = [...withWeather].sort((a, b) => (a.startTime ?? '').localeCompare(b.startTime ?? ''));
  const first = byStart.find((r) => r.weather.atSprayStart !== null);
  const last = [...byStart].reverse().find((r) => r.weather.atSprayEnd !== null);
  const combine = (pick: (w: ApplicationWeather) => MinMaxAvg | null): MinMaxAvg | null => {
    const parts = summaries.map((r) => ({ v: pick(r.weather), w: r.sprayTimeS })).filter((p) => p.v !== null) as { v: MinMaxAvg; w: number }[];
    if (parts.length === 0) return null;
    const totalW = parts.reduce((a, p) => a + p.w, 0);
    const avg = totalW > 0 ? parts.reduce((a, p) => a + p.v.avg * p.w, 0) / totalW : parts.reduce((a, p) => a + p.v.avg, 0) / parts.length;
    return { min: Math.min(...parts.map((p) => p.v.min)), max: Math.max(...parts.map((p) => p.v.max)), avg: clean(avg, 3) };
  };
  let s = 0;
  let c = 0;
  let n = 0;
  for (const r of summaries) {
    const d = r.weather.windDirectionDeg;
    if (d === null) continue;
    const w = r.sprayTimeS > 0 ? r.sprayTimeS : 1e-9;
    s += Math.sin(d * DEG) * w;
    c += Math.cos(d * DEG) * w;
    n++;
  }
  return {
    atSprayStart: first?.weather.atSprayStart ?? null,
    atSprayEnd: last?.weather.atSprayEnd ?? null,
    windSpeedMps: combine((w) => w.windSpeedMps),
    windDirectionDeg: n > 0 ? cleanDegrees(Math.atan2(s, c) / DEG) : null,
    temperatureC: combine((w) => w.temperatureC),
    humidityPct: combine((w) => w.humidityPct),
  };
}
