import { describe, expect, it } from 'vitest';
import type { FlightLogRecord, GnssFixRecord } from '../flight-log/flight-log.records.js';
import { decodeFlightLogBuffer } from '../flight-log/flight-log.stream.js';
import type { GeoJsonPolygon, LonLat } from '../geometry/geojson.types.js';
import { fieldShapes } from '../simulator/field-shapes.js';
import { simulateFlight } from '../simulator/flight-simulator.js';
import { ApplicationStatisticsAccumulator, computeApplicationStatistics } from './application-statistics.js';
import { combineJobStatistics } from './job-statistics.js';
import { StatisticsError } from './statistics.error.js';

const T0 = Date.UTC(2025, 5, 1, 6, 0, 0);
// About 100 m × 100 m at 40° N.
const FIELD: GeoJsonPolygon = { type: 'Polygon', coordinates: [[[-98, 40], [-97.99883, 40], [-97.99883, 40.0009], [-98, 40.0009], [-98, 40]]] };

function fix(tS: number, lat: number, lon = -97.9994, speed = 50): GnssFixRecord {
  return { type: 'gnssFix', timeMs: T0 + tS * 1000, latDeg: lat, lonDeg: lon, altitudeM: 250, groundSpeedMps: speed, headingDeg: 0, fixQuality: 2, satellites: 12, hdop: 0.9, differentialAgeS: 2 };
}

function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(hasNonFinite);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasNonFinite);
  return false;
}

function signedArea(ring: LonLat[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) sum += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return sum / 2;
}

function isValidRing(ring: LonLat[]): boolean {
  const [a, z] = [ring[0], ring[ring.length - 1]];
  return ring.length >= 4 && a[0] === z[0] && a[1] === z[1] && ring.every(([lon, lat]) => Math.abs(lon) <= 180 && Math.abs(lat) <= 90);
}

describe('computeApplicationStatistics', () => {
  it('gives zeros and nulls, never NaN, for a log with no records', async () => {
    const { summary, passes, coverage } = await computeApplicationStatistics([], { boundary: FIELD });
    expect(passes).toEqual([]);
    expect(summary).toMatchObject({ startTime: null, endTime: null, passCount: 0, treatedAreaHa: 0, volumeAppliedL: 0, averageRateLPerHa: null, rateDeviationPct: null });
    expect(summary.fieldAreaHa).toBeGreaterThan(0.9);
    expect(summary.skippedAreaHa).toBeCloseTo(summary.fieldAreaHa, 6);
    expect(summary.weather).toEqual({ atSprayStart: null, atSprayEnd: null, windSpeedMps: null, windDirectionDeg: null, temperatureC: null, humidityPct: null });
    expect(coverage.features.map((f) => f.properties.layer)).toEqual(['treated', 'overlap', 'offTarget', 'skipped']);
    expect(coverage.features.map((f) => f.geometry.coordinates.length)).toEqual([0, 0, 0, 1]);
    expect(summary.skippedPctOfField).toBe(100);
    expect(hasNonFinite(summary)).toBe(false);
  });

  it('one pass north through the field: area = swath × sprayed length, volume = flow × time', async () => {
    const records: FlightLogRecord[] = [
      { type: 'jobHeader', timeMs: T0, jobId: 'J', aircraftId: 'A', pilot: 'P', product: 'X', targetRate: 3, rateUnit: 'gal/ac' },
      { type: 'swath', timeMs: T0, swathWidthM: 20 },
      { type: 'environment', timeMs: T0, windSpeedMps: 2, windDirectionDeg: 350, temperatureC: 20, humidityPct: 50 },
      fix(0, 39.9995),
      fix(1, 40.0),
      { type: 'sprayState', timeMs: T0 + 1500, boomOn: true, sectionMask: 1, sectionCount: 1 },
      { type: 'flow', timeMs: T0 + 1500, targetRateLPerHa: 28, actualRateLPerHa: 28, flowLPerMin: 60, pressureKPa: 300 },
      fix(2, 40.0005),
      { type: 'environment', timeMs: T0 + 2000, windSpeedMps: 4, windDirectionDeg: 10, temperatureC: 22, humidityPct: 40 },
      { type: 'sprayState', timeMs: T0 + 2500, boomOn: false, sectionMask: 0, sectionCount: 1 },
      { type: 'flow', timeMs: T0 + 2500, targetRateLPerHa: 28, actualRateLPerHa: 0, flowLPerMin: 0, pressureKPa: 0 },
      fix(3, 40.001),
      fix(4, 40.0015),
    ];
    const { summary, passes, coverage } = await computeApplicationStatistics(records, { boundary: FIELD });
    const metresPerDegLat = 111_034.6; // at 40° N
    const sprayedM = 0.0005 * metresPerDegLat;
    expect(summary.passCount).toBe(1);
    expect(summary.sprayTimeS).toBe(1);
    expect(summary.sprayedDistanceM).toBeCloseTo(sprayedM, 0);
    expect(summary.treatedAreaHa).toBeCloseTo((sprayedM * 20) / 1e4, 3);
    expect(summary.volumeAppliedL).toBe(1);
    expect(summary.flightTimeS).toBe(4);
    expect(summary.targetRateLPerHa).toBeCloseTo(28.062, 3); // 3 gal/ac from the header
    expect((summary.averageRateGalPerAc ?? 0) / (summary.averageRateLPerHa ?? 1)).toBeCloseTo(0.1069, 4);
    expect(summary.startTime).toBe('2025-06-01T06:00:00.000Z');
    expect(summary.endTime).toBe('2025-06-01T06:00:04.000Z');
    expect(summary.weather.atSprayStart?.windSpeedMps).toBe(2);
    expect(summary.weather.atSprayEnd?.windSpeedMps).toBe(4);
    expect(summary.weather.windSpeedMps).toEqual({ min: 2, max: 4, avg: 3 });
    expect(summary.weather.windDirectionDeg).toBeCloseTo(0, 1); // circular mean of 350° and 10°
    expect(passes[0]).toMatchObject({ passIndex: 0, durationS: 1, volumeL: 1, swathWidthM: 20, startTime: '2025-06-01T06:00:01.500Z' });
    expect(passes[0].headingDeg).toBeCloseTo(0, 3);
    expect(passes[0].startPosition[1]).toBeCloseTo(40.00025, 7);
    expect(coverage.features.find((f) => f.properties.layer === 'treated')?.geometry.coordinates).toHaveLength(1);
    for (const feature of coverage.features) {
      for (const polygon of feature.geometry.coordinates) {
        polygon.forEach((ring, i) => {
          expect(isValidRing(ring)).toBe(true);
          expect(signedArea(ring) > 0).toBe(i === 0); // RFC 7946: outer counter-clockwise, holes clockwise
        });
      }
    }
    expect(hasNonFinite({ summary, passes, coverage })).toBe(false);
  });

  it('ignores fixes without a solution, going back in time, or with impossible timestamps', () => {
    const acc = new ApplicationStatisticsAccumulator();
    acc.add(fix(0, 40));
    acc.add({ ...fix(1, 40.0001), fixQuality: 0 });
    acc.add(fix(-5, 40.0002));
    acc.add({ ...fix(2, 40.0003), timeMs: 5 });
    acc.add({ ...fix(3, 91) });
    acc.add(fix(4, 40.0004));
    const { usage, summary } = acc.finish({ boundary: FIELD });
    expect(usage).toEqual({ fixesUsed: 2, fixesRejected: 3, recordsOutOfTimeRange: 1 });
    expect(summary.distanceFlownM).toBeCloseTo(0.0004 * 111_034.6, 0);
  });

  it('survives a damaged simulated log and still reports sane numbers', async () => {
    const sim = simulateFlight({ seed: 7, boundaryM: fieldShapes.rectangle(200, 150), faults: { corruptRecords: 25, garbageRuns: 5, unknownRecords: 10, truncateAtFraction: 0.8 } });
    const { records, stats } = decodeFlightLogBuffer(sim.bytes);
    expect(stats.recordsCorrupt).toBeGreaterThan(0);
    const result = await computeApplicationStatistics(records, { boundary: sim.field.boundary });
    expect(hasNonFinite(result)).toBe(false);
    expect(result.summary.treatedAreaHa).toBeGreaterThan(0.5 * (sim.groundTruth?.treatedAreaHa ?? Infinity));
    expect(result.summary.treatedAreaHa).toBeLessThan(1.01 * (sim.groundTruth?.treatedAreaHa ?? 0));
  });
});

describe('measuring one log against several fields', () => {
  it('reads the records once and measures each field; a log far from any field keeps its true area', async () => {
    const sim = simulateFlight({ seed: 3, boundaryM: fieldShapes.rectangle(300, 200), gpsNoiseM: 0.1 });
    const acc = new ApplicationStatisticsAccumulator();
    for (const record of decodeFlightLogBuffer(sim.bytes).records) acc.add(record);
    const onField = acc.finish({ boundary: sim.field.boundary, includePassFootprints: false });
    // A field 1,000 km away and no field at all: nothing inside, the same treated area.
    const far: GeoJsonPolygon = { type: 'Polygon', coordinates: [sim.field.boundary.coordinates[0].map(([lon, lat]): LonLat => [lon, lat + 9])] };
    const elsewhere = acc.finish({ boundary: far, withLayers: false, includePassFootprints: false });
    const nowhere = acc.finish({ boundary: { type: 'MultiPolygon', coordinates: [] }, withLayers: false });
    const truth = sim.groundTruth?.treatedAreaHa ?? 0;
    expect(Math.abs(onField.summary.treatedAreaHa - truth) / truth).toBeLessThan(0.01);
    expect(elsewhere.summary.treatedAreaHa).toBeCloseTo(onField.summary.treatedAreaHa, 6);
    expect(elsewhere.summary.insideBoundaryAreaHa).toBe(0);
    // The same degrees span fewer metres 9° further north; measured in its own projection.
    const cos = (deg: number) => Math.cos((deg * Math.PI) / 180);
    expect(elsewhere.summary.fieldAreaHa / ((6 * cos(49.1)) / cos(40.1))).toBeCloseTo(1, 2);
    expect(nowhere.summary.treatedAreaHa).toBeCloseTo(onField.summary.treatedAreaHa, 6);
    expect(nowhere.summary.offTargetAreaHa).toBeCloseTo(onField.summary.treatedAreaHa, 6);
    expect(nowhere.summary.skippedPctOfField).toBeNull();
    expect(elsewhere.coverage.features.every((f) => f.geometry.coordinates.length === 0)).toBe(true);
  });

  it('measures a log against an awkward but valid field (a 4,002-vertex saw-tooth edge) correctly', async () => {
    const teeth = 2000;
    const saw: [number, number][] = [[0, 0], [1000, 0]];
    for (let i = teeth; i >= 0; i--) saw.push([(1000 * i) / teeth, 300 + (i % 2 === 0 ? 0 : 6)]);
    const sim = simulateFlight({ seed: 5, boundaryM: saw, passHeadingDeg: 0 });
    const truth = sim.groundTruth;
    if (truth === null) throw new Error('no ground truth');
    const { summary } = await computeApplicationStatistics(decodeFlightLogBuffer(sim.bytes).records, { boundary: sim.field.boundary, includePassFootprints: false });
    expect(sim.field.boundary.coordinates[0]).toHaveLength(teeth + 4);
    expect(Math.abs(summary.treatedAreaHa - truth.treatedAreaHa) / truth.fieldAreaHa).toBeLessThan(0.005);
    expect(Math.abs(summary.skippedAreaHa - truth.skippedAreaHa) / truth.fieldAreaHa).toBeLessThan(0.005);
    expect(Math.abs(summary.offTargetAreaHa - truth.offTargetAreaHa) / truth.fieldAreaHa).toBeLessThan(0.01);
  });

  it('fails a log whose geometry exceeds the work bound with a typed reason', async () => {
    // 60,000 fixes circling with the boom on, 400 m swath: every row crosses thousands of strips.
    const records: FlightLogRecord[] = [
      { type: 'swath', timeMs: T0, swathWidthM: 400 },
      { type: 'sprayState', timeMs: T0, boomOn: true, sectionMask: 1, sectionCount: 1 },
    ];
    for (let i = 0; i < 60_000; i++) {
      const a = (i * 31 * Math.PI) / 180;
      records.push({ ...fix(i / 5, 40 + 0.01 * Math.sin(a), -98 + 0.013 * Math.cos(a)), headingDeg: (i * 31) % 360 });
    }
    const error = await computeApplicationStatistics(records, { boundary: FIELD }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StatisticsError);
    expect((error as StatisticsError).code).toBe('TOO_COMPLEX');
    expect((error as StatisticsError).message).toMatch(/edge crossings .*limit/);
  });
});

describe('combineJobStatistics', () => {
  it('counts ground sprayed by two logs once in treated and once in overlap; adds volumes and times', async () => {
    const base = { boundaryM: fieldShapes.rectangle(300, 200), passHeadingDeg: 0, gpsNoiseM: 0.1 };
    const first = simulateFlight({ ...base, seed: 1 });
    const second = simulateFlight({ ...base, seed: 2, startTimeMs: Date.UTC(2025, 5, 1, 9, 0, 0) });
    const options = { boundary: first.field.boundary, includePassFootprints: false };
    const a = await computeApplicationStatistics(decodeFlightLogBuffer(first.bytes).records, options);
    const b = await computeApplicationStatistics(decodeFlightLogBuffer(second.bytes).records, options);
    const job = combineJobStatistics([a, b], { boundary: first.field.boundary });
    const field = a.summary.fieldAreaHa;
    expect(job.summary.volumeAppliedL).toBeCloseTo(a.summary.volumeAppliedL + b.summary.volumeAppliedL, 4);
    expect(job.summary.passCount).toBe(a.summary.passCount + b.summary.passCount);
    expect(Math.abs(job.summary.treatedAreaHa - a.summary.treatedAreaHa) / field).toBeLessThan(0.005);
    expect(Math.abs(job.summary.overlapAreaHa - a.summary.treatedAreaHa) / field).toBeLessThan(0.01);
    expect(job.summary.skippedAreaHa).toBeLessThanOrEqual(Math.min(a.summary.skippedAreaHa, b.summary.skippedAreaHa) + 1e-6);
    expect(job.summary.startTime).toBe(a.summary.startTime);
    expect(job.summary.endTime).toBe(b.summary.endTime);
    expect(job.summary.averageRateLPerHa).toBeCloseTo(30, 0);
    expect(job.coverage.features.map((f) => f.properties.layer)).toEqual(['treated', 'overlap', 'offTarget', 'skipped']);
    expect(job.coverage.features.find((f) => f.properties.layer === 'overlap')?.geometry.coordinates.length).toBeGreaterThan(0);
    // One log alone is its own job.
    const alone = combineJobStatistics([a], { boundary: first.field.boundary });
    // (Field-centred instead of log-centred projection, so the rows fall elsewhere: within 0.1 % of the field.)
    expect(Math.abs(alone.summary.treatedAreaHa - a.summary.treatedAreaHa) / field).toBeLessThan(0.001);
    expect(Math.abs(alone.summary.overlapAreaHa - a.summary.overlapAreaHa) / field).toBeLessThan(0.001);
  });
});
