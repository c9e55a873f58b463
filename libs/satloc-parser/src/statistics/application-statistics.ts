import type { EnvironmentRecord, FlightLogRecord } from '../flight-log/flight-log.records.js';
import { FlightLogDecoding } from '../flight-log/flight-log.stream.js';
import type { LonLat } from '../geometry/geojson.types.js';
import type {
  ApplicationFieldOptions,
  ApplicationPass,
  ApplicationStatistics,
  ApplicationStatisticsOptions,
  ApplicationWeather,
  FlightAccumulatorOptions,
  MinMaxAvg,
  RecordUsage,
  SwathSet,
  WeatherSample,
} from './application-statistics.types.js';
import { boundaryPositions, coverageFeatures, fieldAreaM2, summariseCoverage } from './application-summary.js';
import { computeCoverage } from './coverage-layers.js';
import { flatRingArea, type PlanarRingXY } from './coverage-scan.js';
import { projectGeoJson, simplifyPolyline, toGeoJsonMultiPolygon, type MultiPoly, type XY } from './planar-geometry.js';
import { PlanarProjection } from './planar-projection.js';
import { M2_PER_HA, clean, cleanDegrees, cleanOrNull, galPerAcToLPerHa, isPlausibleTimeMs, toIso } from './units.js';

interface PassPoint {
  x: number;
  y: number;
  t: number;
  headingDeg: number;
}

interface Spray {
  onT: number;
  offT: number | null;
  volumeL: number;
  swathWidthM: number;
  points: PassPoint[];
}

interface Fix {
  t: number;
  x: number;
  y: number;
  headingDeg: number;
  speedMps: number;
}

interface Transition {
  t: number;
  on: boolean;
  spray: Spray;
}

/** A straight-ish piece of a pass: a swath footprint ring, planar. */
interface Strip {
  passIndex: number;
  ring: PlanarRingXY;
}

/** What a log's records give once read: independent of the field it is measured against. */
interface FlightGeometry {
  strips: Strip[];
  passes: ApplicationPass[];
  grossAreaM2: number;
  sprayTimeMs: number;
  sprayedDistanceM: number;
}

const DEG = Math.PI / 180;
/** Heading change between two fixes that starts a new strip (a turn with the boom on). */
const STRIP_BREAK_DEG = 30;
/** Edge simplification; well below GNSS noise, so areas move by far less than 0.1 %. */
const EDGE_TOLERANCE_M = 0.02;

class MinMaxAvgTracker {
  min = Infinity;
  max = -Infinity;
  weighted = 0;
  weight = 0;
  sum = 0;
  count = 0;
  include(v: number): void {
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.sum += v;
    this.count++;
  }
  result(): MinMaxAvg | null {
    if (this.count === 0) return null;
    const avg = this.weight > 0 ? this.weighted / this.weight : this.sum / this.count;
    return { min: clean(this.min, 3), max: clean(this.max, 3), avg: clean(avg, 3) };
  }
}

/**
 * Application statistics of one flight log, fed record by record in log order (streaming:
 * memory holds the simplified spray geometry, not the records). See README.md for definitions.
 */
export class ApplicationStatisticsAccumulator {
  /** Centred on the first fix: a log is measured against any field near it (candidate jobs). */
  private projection: PlanarProjection | null = null;
  private readonly minFlightSpeedMps: number;
  private readonly maxFixGapMs: number;
  private readonly usage: RecordUsage = { fixesUsed: 0, fixesRejected: 0, recordsOutOfTimeRange: 0 };

  private firstFixT: number | null = null;
  private lastFix: Fix | null = null;
  private firstRecordT: number | null = null;
  private lastRecordT: number | null = null;
  private distanceFlownM = 0;
  private flightTimeMs = 0;
  private swathWidthM: number;
  private spraying = false;
  private readonly sprays: Spray[] = [];
  private pending: Transition[] = [];
  /** The spray whose path is being recorded (its start is placed, its end not yet). */
  private openGeometry: Spray | null = null;
  private clock: number | null = null;
  private flowLPerMin = 0;
  private flowTargetLPerHa = 0;
  private flowTargetWeighted = 0;
  private flowTargetWeight = 0;
  private volumeL = 0;
  private headerTargetLPerHa: number | null = null;
  private env: EnvironmentRecord | null = null;
  private atSprayStart: WeatherSample | null = null;
  private awaitingStartSample = false;
  private atSprayEnd: WeatherSample | null = null;
  private awaitingEndSample = false;
  private readonly wind = new MinMaxAvgTracker();
  private readonly temperature = new MinMaxAvgTracker();
  private readonly humidity = new MinMaxAvgTracker();
  private windSin = 0;
  private windCos = 0;
  private windSamples = 0;

  private geometry: FlightGeometry | null = null;

  constructor(options: FlightAccumulatorOptions = {}) {
    this.swathWidthM = options.defaultSwathWidthM ?? 0;
    this.minFlightSpeedMps = options.minFlightSpeedMps ?? 10;
    this.maxFixGapMs = (options.maxFixGapS ?? 60) * 1000;
  }

  add(record: FlightLogRecord): void {
    if (this.geometry !== null) throw new Error('add() after finish(): the flight is already measured');
    const t = record.timeMs;
    if (!isPlausibleTimeMs(t)) {
      this.usage.recordsOutOfTimeRange++;
      return;
    }
    if (this.firstRecordT === null || t < this.firstRecordT) this.firstRecordT = t;
    if (this.lastRecordT === null || t > this.lastRecordT) this.lastRecordT = t;
    switch (record.type) {
      case 'gnssFix':
        this.addFix(t, record.latDeg, record.lonDeg, record.headingDeg, record.groundSpeedMps, record.fixQuality);
        return;
      case 'sprayState': {
        this.advance(t);
        const allSections = record.sectionCount >= 32 ? 0xffffffff : (1 << record.sectionCount) - 1;
        const on = record.boomOn && (record.sectionCount === 0 || (record.sectionMask & allSections) !== 0);
        if (on !== this.spraying) this.transition(t, on);
        return;
      }
      case 'flow':
        this.advance(t);
        this.flowLPerMin = Number.isFinite(record.flowLPerMin) ? record.flowLPerMin : 0;
        this.flowTargetLPerHa = record.targetRateLPerHa;
        return;
      case 'environment':
        this.advance(t);
        this.env = record;
        if (this.awaitingStartSample) {
          this.atSprayStart = sample(record);
          this.awaitingStartSample = false;
        }
        if (this.awaitingEndSample) {
          this.atSprayEnd = sample(record);
          this.awaitingEndSample = false;
        }
        if (this.spraying) this.includeWeather(record);
        return;
      case 'swath':
        if (Number.isFinite(record.swathWidthM) && record.swathWidthM >= 0 && record.swathWidthM <= 500) this.swathWidthM = record.swathWidthM;
        return;
      case 'jobHeader':
        if (record.targetRate > 0) this.headerTargetLPerHa = record.rateUnit === 'gal/ac' ? galPerAcToLPerHa(record.targetRate) : record.targetRate;
        return;
      default:
        return;
    }
  }

  private addFix(t: number, latDeg: number, lonDeg: number, headingDeg: number, speedMps: number, quality: number): void {
    const last = this.lastFix;
    if (quality === 0 || !(Math.abs(latDeg) <= 90) || !(Math.abs(lonDeg) <= 180) || (last !== null && t <= last.t)) {
      this.usage.fixesRejected++;
      return;
    }
    this.usage.fixesUsed++;
    const projection = (this.projection ??= new PlanarProjection(lonDeg, latDeg));
    const fix: Fix = { t, x: projection.x(lonDeg), y: projection.y(latDeg), headingDeg, speedMps };
    if (this.firstFixT === null) this.firstFixT = t;
    if (last !== null) {
      this.distanceFlownM += Math.hypot(fix.x - last.x, fix.y - last.y);
      const dt = t - last.t;
      if (dt <= this.maxFixGapMs && Math.max(last.speedMps, speedMps) >= this.minFlightSpeedMps) this.flightTimeMs += dt;
    }
    // Place boom transitions that happened since the previous fix.
    let i = 0;
    for (; i < this.pending.length && this.pending[i].t <= t; i++) this.place(this.pending[i], last, fix);
    if (i > 0) this.pending = this.pending.slice(i);
    if (this.openGeometry !== null) pushPoint(this.openGeometry.points, { x: fix.x, y: fix.y, t, headingDeg });
    this.lastFix = fix;
  }

  /** Position of a transition: interpolated between the fixes around it (the aircraft flies straight between fixes). */
  private place(tr: Transition, before: Fix | null, after: Fix): void {
    let point: PassPoint;
    if (before === null || after.t <= before.t) point = { x: after.x, y: after.y, t: tr.t, headingDeg: after.headingDeg };
    else {
      const f = Math.min(1, Math.max(0, (tr.t - before.t) / (after.t - before.t)));
      point = {
        x: before.x + (after.x - before.x) * f,
        y: before.y + (after.y - before.y) * f,
        t: tr.t,
        headingDeg: lerpHeading(before.headingDeg, after.headingDeg, f),
      };
    }
    if (tr.on) {
      tr.spray.points = [point];
      this.openGeometry = tr.spray;
    } else {
      pushPoint(tr.spray.points, point);
      if (this.openGeometry === tr.spray) this.openGeometry = null;
    }
  }

  private transition(t: number, on: boolean): void {
    this.spraying = on;
    let spray: Spray;
    if (on) {
      spray = { onT: t, offT: null, volumeL: 0, swathWidthM: this.swathWidthM, points: [] };
      this.sprays.push(spray);
      if (this.atSprayStart === null && !this.awaitingStartSample) {
        if (this.env) this.atSprayStart = sample(this.env);
        else this.awaitingStartSample = true;
      }
      if (this.env) this.includeWeather(this.env);
    } else {
      spray = this.sprays[this.sprays.length - 1];
      spray.offT = t;
      if (this.env) {
        this.atSprayEnd = sample(this.env);
        this.awaitingEndSample = false;
      } else this.awaitingEndSample = true;
    }
    const tr: Transition = { t, on, spray };
    // A transition logged after a later fix (or at its very time) is placed at that fix.
    if (this.lastFix !== null && t <= this.lastFix.t) this.place(tr, null, this.lastFix);
    else this.pending.push(tr);
  }

  /** Integrates flow and weather over time up to `t`. */
  private advance(t: number): void {
    if (this.clock === null) {
      this.clock = t;
      return;
    }
    if (t <= this.clock) return;
    const dt = t - this.clock;
    this.clock = t;
    if (!this.spraying) return;
    const volume = (this.flowLPerMin * dt) / 60000;
    this.volumeL += volume;
    this.sprays[this.sprays.length - 1].volumeL += volume;
    if (this.flowTargetLPerHa > 0) {
      this.flowTargetWeighted += this.flowTargetLPerHa * dt;
      this.flowTargetWeight += dt;
    }
    const env = this.env;
    if (env !== null) {
      this.wind.weighted += env.windSpeedMps * dt;
      this.wind.weight += dt;
      this.temperature.weighted += env.temperatureC * dt;
      this.temperature.weight += dt;
      this.humidity.weighted += env.humidityPct * dt;
      this.humidity.weight += dt;
      this.windSin += Math.sin(env.windDirectionDeg * DEG) * dt;
      this.windCos += Math.cos(env.windDirectionDeg * DEG) * dt;
    }
  }

  private includeWeather(env: EnvironmentRecord): void {
    this.wind.include(env.windSpeedMps);
    this.temperature.include(env.temperatureC);
    this.humidity.include(env.humidityPct);
    this.windSamples++;
    if (this.wind.weight === 0) {
      // Fallback for the mean direction when no spraying time has elapsed yet.
      this.windSin += Math.sin(env.windDirectionDeg * DEG) * 1e-9;
      this.windCos += Math.cos(env.windDirectionDeg * DEG) * 1e-9;
    }
  }

  /**
   * The application record of the log against a field. May be called more than once (one log,
   * several candidate jobs): the records are read once, each call only measures.
   */
  finish(field: ApplicationFieldOptions): ApplicationStatistics {
    const flight = this.flightGeometry();
    const projection = this.projection ?? PlanarProjection.around(boundaryPositions(field.boundary));
    const exclusions = field.exclusions ?? [];
    const coverage = computeCoverage({
      swaths: flight.strips.map((s) => s.ring),
      boundary: projectGeoJson(field.boundary, projection),
      exclusions: exclusions.map((e) => projectGeoJson(e, projection)),
      fieldAreaM2: fieldAreaM2(field),
      projection,
      withLayers: field.withLayers ?? true,
    });
    const target =
      field.targetRateLPerHa ?? this.headerTargetLPerHa ?? (this.flowTargetWeight > 0 ? this.flowTargetWeighted / this.flowTargetWeight : null);
    const startT = this.firstFixT ?? this.firstRecordT;
    const endT = this.lastFix?.t ?? this.lastRecordT;
    const summary = summariseCoverage(coverage.areas, {
      startTime: startT === null ? null : toIso(startT),
      endTime: endT === null ? null : toIso(endT),
      flightTimeS: this.flightTimeMs / 1000,
      sprayTimeS: flight.sprayTimeMs / 1000,
      distanceFlownM: this.distanceFlownM,
      sprayedDistanceM: flight.sprayedDistanceM,
      passCount: flight.passes.length,
      grossSprayedAreaM2: flight.grossAreaM2,
      volumeL: this.volumeL,
      targetRateLPerHa: target,
      weather: this.weather(),
    });

    const features = coverageFeatures(coverage.layers, coverage.areas);
    if (field.includePassFootprints ?? true) {
      flight.passes.forEach((pass, i) => {
        const rings: MultiPoly = flight.strips.filter((s) => s.passIndex === i).map((s) => [unflatten(s.ring)]);
        features.push({
          type: 'Feature',
          geometry: toGeoJsonMultiPolygon(rings, projection),
          properties: { layer: 'pass', areaHa: pass.sprayedAreaHa, passIndex: i, volumeL: pass.volumeL, averageRateLPerHa: pass.averageRateLPerHa },
        });
      });
    }
    return {
      summary,
      passes: flight.passes,
      coverage: { type: 'FeatureCollection', features },
      swaths: toSwathSet(flight.strips, projection),
      field: { boundary: field.boundary, exclusions },
      usage: { ...this.usage },
    };
  }

  /** Ends the record stream (once) and builds the passes and their swath strips. */
  private flightGeometry(): FlightGeometry {
    if (this.geometry !== null) return this.geometry;
    if (this.spraying && this.lastRecordT !== null) {
      this.advance(this.lastRecordT);
      this.transition(this.lastRecordT, false);
    }
    if (this.lastFix !== null) for (const tr of this.pending) this.place(tr, null, this.lastFix);
    this.pending = [];

    const projection = this.projection;
    const strips: Strip[] = [];
    const passes: ApplicationPass[] = [];
    let grossAreaM2 = 0;
    let sprayTimeMs = 0;
    let sprayedDistanceM = 0;
    for (const spray of this.sprays) {
      const offT = spray.offT ?? spray.onT;
      const points = spray.points;
      const distanceM = pathLength(points);
      if (offT <= spray.onT && distanceM === 0) continue;
      const passIndex = passes.length;
      const passStrips = buildStrips(points, spray.swathWidthM / 2, passIndex);
      strips.push(...passStrips);
      const areaM2 = passStrips.reduce((sum, s) => sum + Math.abs(flatRingArea(s.ring)), 0);
      grossAreaM2 += areaM2;
      sprayTimeMs += offT - spray.onT;
      sprayedDistanceM += distanceM;
      const durationS = (offT - spray.onT) / 1000;
      const first = points[0];
      const last = points[points.length - 1];
      passes.push({
        passIndex,
        startTime: toIso(spray.onT),
        endTime: toIso(offT),
        durationS: clean(durationS, 3),
        distanceM: clean(distanceM, 3),
        sprayedAreaHa: clean(areaM2 / M2_PER_HA),
        volumeL: clean(spray.volumeL),
        averageRateLPerHa: areaM2 > 0 ? cleanOrNull(spray.volumeL / (areaM2 / M2_PER_HA), 4) : null,
        averageSpeedMps: durationS > 0 ? clean(distanceM / durationS, 3) : 0,
        headingDeg: cleanDegrees(meanHeading(points)),
        swathWidthM: clean(spray.swathWidthM, 3),
        startPosition: first && projection ? roundLonLat(projection.toLonLat(first.x, first.y)) : [0, 0],
        endPosition: last && projection ? roundLonLat(projection.toLonLat(last.x, last.y)) : [0, 0],
      });
    }
    this.geometry = { strips, passes, grossAreaM2, sprayTimeMs, sprayedDistanceM };
    return this.geometry;
  }

  private weather(): ApplicationWeather {
    const direction = this.windSamples > 0 ? (Math.atan2(this.windSin, this.windCos) / DEG + 360) % 360 : null;
    return {
      atSprayStart: this.atSprayStart,
      atSprayEnd: this.atSprayEnd,
      windSpeedMps: this.wind.result(),
      windDirectionDeg: direction === null ? null : cleanDegrees(direction),
      temperatureC: this.temperature.result(),
      humidityPct: this.humidity.result(),
    };
  }
}

export type RecordSource = Iterable<FlightLogRecord> | AsyncIterable<FlightLogRecord> | FlightLogDecoding;

/** Statistics of one log: records from an array, a generator, or a streaming decoding. */
export async function computeApplicationStatistics(records: RecordSource, options: ApplicationStatisticsOptions): Promise<ApplicationStatistics> {
  const accumulator = await accumulateFlight(records, options);
  return accumulator.finish(options);
}

/** Reads a log's records once; measure the result against one field or several with `finish`. */
export async function accumulateFlight(records: RecordSource, options: FlightAccumulatorOptions = {}): Promise<ApplicationStatisticsAccumulator> {
  const accumulator = new ApplicationStatisticsAccumulator(options);
  if (records instanceof FlightLogDecoding) {
    for await (const batch of records.batches()) for (const record of batch) accumulator.add(record);
  } else if (Symbol.asyncIterator in records) {
    for await (const record of records) accumulator.add(record);
  } else {
    for (const record of records) accumulator.add(record);
  }
  return accumulator;
}

function sample(env: EnvironmentRecord): WeatherSample {
  return {
    time: toIso(env.timeMs),
    windSpeedMps: clean(env.windSpeedMps, 3),
    windDirectionDeg: clean(env.windDirectionDeg, 3),
    temperatureC: clean(env.temperatureC, 3),
    humidityPct: clean(env.humidityPct, 3),
  };
}

function pushPoint(points: PassPoint[], p: PassPoint): void {
  const last = points[points.length - 1];
  if (last !== undefined && last.x === p.x && last.y === p.y) return;
  points.push(p);
}

function pathLength(points: PassPoint[]): number {
  let d = 0;
  for (let i = 1; i < points.length; i++) d += Math.hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
  return d;
}

function lerpHeading(a: number, b: number, f: number): number {
  const delta = ((((b - a) % 360) + 540) % 360) - 180;
  return (a + delta * f + 360) % 360;
}

function headingDelta(a: number, b: number): number {
  return Math.abs(((((b - a) % 360) + 540) % 360) - 180);
}

function meanHeading(points: PassPoint[]): number {
  let s = 0;
  let c = 0;
  for (let i = 1; i < points.length; i++) {
    const dx = points[i].x - points[i - 1].x;
    const dy = points[i].y - points[i - 1].y;
    s += dx;
    c += dy;
  }
  if (s === 0 && c === 0) return points.length > 0 ? points[0].headingDeg : 0;
  return (Math.atan2(s, c) / DEG + 360) % 360;
}

/** Swath footprint of a pass: one ring per straight-ish run (split where the heading jumps). */
function buildStrips(points: PassPoint[], halfWidthM: number, passIndex: number): Strip[] {
  if (points.length < 2 || !(halfWidthM > 0)) return [];
  const runs: PassPoint[][] = [];
  let run: PassPoint[] = [points[0]];
  for (let i = 1; i < points.length; i++) {
    run.push(points[i]);
    if (i + 1 < points.length && headingDelta(points[i].headingDeg, points[i + 1].headingDeg) > STRIP_BREAK_DEG) {
      runs.push(run);
      run = [points[i]];
    }
  }
  runs.push(run);
  const strips: Strip[] = [];
  for (const r of runs) {
    if (r.length < 2 || pathLength(r) < 0.01) continue;
    const left: XY[] = [];
    const right: XY[] = [];
    for (const p of r) {
      const nx = Math.cos(p.headingDeg * DEG) * halfWidthM;
      const ny = -Math.sin(p.headingDeg * DEG) * halfWidthM;
      left.push([p.x - nx, p.y - ny]);
      right.push([p.x + nx, p.y + ny]);
    }
    const l = simplifyPolyline(left, EDGE_TOLERANCE_M);
    const rr = simplifyPolyline(right, EDGE_TOLERANCE_M);
    const ring = new Float64Array(2 * (l.length + rr.length));
    let k = 0;
    for (const [x, y] of l) {
      ring[k++] = x;
      ring[k++] = y;
    }
    for (let i = rr.length - 1; i >= 0; i--) {
      ring[k++] = rr[i][0];
      ring[k++] = rr[i][1];
    }
    strips.push({ passIndex, ring });
  }
  return strips;
}

function toSwathSet(strips: readonly Strip[], projection: PlanarProjection | null): SwathSet {
  const ringStarts = new Uint32Array(strips.length + 1);
  let vertices = 0;
  strips.forEach((s, i) => {
    ringStarts[i] = vertices;
    vertices += s.ring.length >> 1;
  });
  ringStarts[strips.length] = vertices;
  const lonLat = new Float64Array(2 * vertices);
  if (projection === null) return { lonLat, ringStarts };
  let k = 0;
  for (const { ring } of strips) {
    for (let i = 0; i < ring.length; i += 2) {
      const [lon, lat] = projection.toLonLat(ring[i], ring[i + 1]);
      lonLat[k++] = lon;
      lonLat[k++] = lat;
    }
  }
  return { lonLat, ringStarts };
}

function unflatten(ring: PlanarRingXY): XY[] {
  const out: XY[] = [];
  for (let i = 0; i < ring.length; i += 2) out.push([ring[i], ring[i + 1]]);
  return out;
}

function roundLonLat([lon, lat]: LonLat): LonLat {
  return [Math.round(lon * 1e8) / 1e8, Math.round(lat * 1e8) / 1e8];
}
