import type { GeoJsonPolygon, LonLat } from '../geometry/geojson.types.js';
import { FlightLogWriter } from '../flight-log/flight-log.writer.js';
import { FixQuality, MarkerCode, type FlightLogRecord } from '../flight-log/flight-log.records.js';
import { jobFileFromGeoJson } from '../job-file/job-file.geojson.js';
import type { JobFile } from '../job-file/job-file.types.js';
import type { PlanarPoint, PlanarRing } from './field-shapes.js';
import { rasteriseGroundTruth, ringIntervals, type TruthRectangle } from './ground-truth.js';
import { LocalTangentPlane } from './local-tangent-plane.js';
import { Prng } from './prng.js';

export interface WindChange {
  /** Seconds after take-off. */
  atS: number;
  speedMps: number;
  directionDeg: number;
}

export interface SimulatorFaults {
  /** Records of unknown types (0x40–0x7f) slipped in between real ones. */
  unknownRecords?: number;
  /** Records that get one bit flipped after writing (not the first two). */
  corruptRecords?: number;
  /** Runs of random bytes inserted between records. */
  garbageRuns?: number;
  /** Cut the file at this fraction of its length (0–1), usually inside a record. */
  truncateAtFraction?: number;
  /** Produce an empty file. */
  zeroLength?: boolean;
}

export interface SimulateFlightOptions {
  seed: number;
  /** Field outline in metres (x east, y north) around the origin. */
  boundaryM: PlanarRing;
  /** Exclusion zones inside the boundary, disjoint, in metres. */
  exclusionsM?: PlanarRing[];
  originLatDeg?: number;
  originLonDeg?: number;
  swathWidthM?: number;
  /** Distance between pass centre lines; smaller than the swath gives overlap. Default: the swath. */
  passSpacingM?: number;
  /** Direction of the passes, degrees clockwise from north. */
  passHeadingDeg?: number;
  groundSpeedMps?: number;
  fixRateHz?: number;
  targetRateLPerHa?: number;
  /** The boom opens this far before the field edge and closes this far after it (negative: late on, early off). */
  sprayLeadM?: number;
  /** Lines (0-based, in flying order) flown with the boom off: skipped strips. */
  skipPassIndices?: number[];
  /** Standard deviation of the GNSS position error per axis (Gauss–Markov, correlated in time). */
  gpsNoiseM?: number;
  gpsNoiseCorrelationS?: number;
  headingNoiseDeg?: number;
  startTimeMs?: number;
  windSpeedMps?: number;
  windDirectionDeg?: number;
  windChanges?: WindChange[];
  temperatureC?: number;
  humidityPct?: number;
  weatherIntervalS?: number;
  /** Straight flight before the first and after the last spray point of each line. */
  runInM?: number;
  jobId?: string;
  aircraftId?: string;
  pilot?: string;
  product?: string;
  /** Fly the whole plan this many times in one log (long logs for benchmarks). Ground truth needs 1. */
  repetitions?: number;
  /** Compute the ground truth (default true; it needs repetitions = 1). */
  groundTruth?: boolean;
  /** Strip height of the ground-truth rasteriser. Default 0.1 m. */
  groundTruthStepM?: number;
  chunkSizeBytes?: number;
  /** Stream the log out instead of keeping it (then `bytes` is empty and byte faults are refused). */
  onChunk?: (chunk: Buffer) => void;
  faults?: SimulatorFaults;
}

export interface PlannedSpraySegment {
  passIndex: number;
  lineIndex: number;
  startTimeMs: number;
  endTimeMs: number;
  start: LonLat;
  end: LonLat;
  lengthM: number;
  volumeL: number;
}

export interface FlightPlan {
  swathWidthM: number;
  passSpacingM: number;
  passHeadingDeg: number;
  groundSpeedMps: number;
  flowLPerMin: number;
  targetRateLPerHa: number;
  lineCount: number;
  spraySegments: PlannedSpraySegment[];
  startTimeMs: number;
  endTimeMs: number;
  pathLengthM: number;
}

export interface GroundTruth {
  fieldAreaHa: number;
  treatedAreaHa: number;
  overlapAreaHa: number;
  insideBoundaryAreaHa: number;
  offTargetAreaHa: number;
  skippedAreaHa: number;
  volumeAppliedL: number;
  sprayTimeS: number;
  sprayedDistanceM: number;
  passCount: number;
}

export interface InjectedFaults {
  unknownRecordsWritten: number;
  corruptedRecordOffsets: number[];
  garbageOffsets: number[];
  truncatedAtByte: number | null;
  zeroLength: boolean;
}

export interface SimulatedFlight {
  /** The log (empty when streamed through `onChunk`). */
  bytes: Buffer;
  totalBytes: number;
  recordsWritten: number;
  field: { boundary: GeoJsonPolygon; exclusions: GeoJsonPolygon[] };
  jobFile: JobFile;
  plan: FlightPlan;
  groundTruth: GroundTruth | null;
  faults: InjectedFaults;
}

type UV = [u: number, v: number];

interface Primitive {
  startS: number;
  lengthM: number;
  /** Straight: from → to. Arc: centre, radius, start angle, sweep (radians, signed). */
  from: UV;
  to: UV;
  arc: { centre: UV; radius: number; startAngle: number; sweep: number } | null;
}

interface Line {
  index: number;
  v: number;
  dir: 1 | -1;
  startU: number;
  endU: number;
  spray: [number, number][];
  startS: number;
}

const DEG = Math.PI / 180;
const DEFAULT_START_MS = Date.UTC(2025, 5, 1, 6, 0, 0);

/**
 * A seeded, deterministic crop-spraying flight over a field: back-and-forth passes at a swath,
 * turns with the boom off, changing wind, correlated GNSS noise. Writes the open-format log
 * and computes the ground truth from the plan (see ground-truth.ts), not from the log.
 */
export function simulateFlight(options: SimulateFlightOptions): SimulatedFlight {
  const rng = new Prng(options.seed);
  const swathWidthM = options.swathWidthM ?? 20;
  const passSpacingM = options.passSpacingM ?? swathWidthM;
  const headingDeg = options.passHeadingDeg ?? 0;
  const speed = options.groundSpeedMps ?? 50;
  const fixIntervalMs = Math.round(1000 / (options.fixRateHz ?? 5));
  const targetRate = options.targetRateLPerHa ?? 30;
  const lead = options.sprayLeadM ?? 0;
  const runIn = options.runInM ?? 150;
  const t0 = options.startTimeMs ?? DEFAULT_START_MS;
  const repetitions = Math.max(1, Math.floor(options.repetitions ?? 1));
  const faults = options.faults ?? {};
  const streaming = options.onChunk !== undefined;
  if (streaming && (faults.corruptRecords || faults.garbageRuns || faults.truncateAtFraction !== undefined || faults.zeroLength)) {
    throw new RangeError('byte-level faults need the whole log in memory (no onChunk)');
  }
  if (!(swathWidthM > 0 && passSpacingM > 0 && speed > 0)) throw new RangeError('swath, spacing and speed must be positive');

  // Pass frame: u along the passes, v to their right.
  const d: PlanarPoint = [Math.sin(headingDeg * DEG), Math.cos(headingDeg * DEG)];
  const n: PlanarPoint = [Math.cos(headingDeg * DEG), -Math.sin(headingDeg * DEG)];
  const toUv = ([x, y]: PlanarPoint): UV => [x * d[0] + y * d[1], x * n[0] + y * n[1]];
  const toXy = (u: number, v: number): PlanarPoint => [u * d[0] + v * n[0], u * d[1] + v * n[1]];
  const boundaryUv = options.boundaryM.map(toUv);
  const exclusionsUv = (options.exclusionsM ?? []).map((ring) => ring.map(toUv));

  // Lines across the field and the field intervals on each.
  const vs = boundaryUv.map(([, v]) => v);
  const vMin = Math.min(...vs);
  const vMax = Math.max(...vs);
  const lineCount = Math.max(1, Math.ceil((vMax - vMin - swathWidthM) / passSpacingM - 1e-9) + 1);
  const skip = new Set(options.skipPassIndices ?? []);
  const lines: Line[] = [];
  for (let k = 0; k < lineCount; k++) {
    const v = vMin + swathWidthM / 2 + k * passSpacingM;
    const inField = subtractIntervals(ringIntervals(boundaryUv, v), exclusionsUv.flatMap((ring) => ringIntervals(ring, v)));
    if (inField.length === 0) continue;
    const index = lines.length;
    const spray = mergeIntervals(inField.map(([a, b]): [number, number] => [a - lead, b + lead]).filter(([a, b]) => b - a > 0.5));
    const minU = Math.min(...inField.map(([a]) => a)) - Math.max(lead, 0) - runIn;
    const maxU = Math.max(...inField.map(([, b]) => b)) + Math.max(lead, 0) + runIn;
    const dir: 1 | -1 = index % 2 === 0 ? 1 : -1;
    lines.push({ index, v, dir, startU: dir > 0 ? minU : maxU, endU: dir > 0 ? maxU : minU, spray: skip.has(index) ? [] : spray, startS: 0 });
  }
  if (lines.length === 0) throw new RangeError('the field is empty');
  for (let j = 0; j + 1 < lines.length; j++) {
    const turnU = lines[j].dir > 0 ? Math.max(lines[j].endU, lines[j + 1].startU) : Math.min(lines[j].endU, lines[j + 1].startU);
    lines[j].endU = turnU;
    lines[j + 1].startU = turnU;
  }

  // Path: lines joined by half-circle turns outside the field.
  const path: Primitive[] = [];
  let s = 0;
  for (let j = 0; j < lines.length; j++) {
    const line = lines[j];
    line.startS = s;
    const len = Math.abs(line.endU - line.startU);
    path.push({ startS: s, lengthM: len, from: [line.startU, line.v], to: [line.endU, line.v], arc: null });
    s += len;
    if (j + 1 < lines.length) {
      const next = lines[j + 1];
      const radius = (next.v - line.v) / 2;
      const sweep = line.dir > 0 ? Math.PI : -Math.PI;
      path.push({
        startS: s,
        lengthM: Math.PI * radius,
        from: [line.endU, line.v],
        to: [next.startU, next.v],
        arc: { centre: [line.endU, (line.v + next.v) / 2], radius, startAngle: -Math.PI / 2, sweep },
      });
      s += Math.PI * radius;
    }
  }
  const pathLength = s;
  const flightDurationMs = Math.ceil((pathLength / speed) * 1000 / fixIntervalMs) * fixIntervalMs;

  // Spray segments, with on/off instants on whole milliseconds (the log's resolution).
  const flowLPerMin = (targetRate * swathWidthM * speed * 60) / 10000;
  const plane = new LocalTangentPlane(options.originLatDeg ?? 40.1, options.originLonDeg ?? -98.3);
  const segments: { line: Line; onMs: number; offMs: number; uOn: number; uOff: number }[] = [];
  for (const line of lines) {
    const ordered = line.dir > 0 ? line.spray : [...line.spray].reverse();
    for (const [a, b] of ordered) {
      const [first, last] = line.dir > 0 ? [a, b] : [b, a];
      const onMs = Math.round(((line.startS + Math.abs(first - line.startU)) / speed) * 1000);
      const offMs = Math.round(((line.startS + Math.abs(last - line.startU)) / speed) * 1000);
      if (offMs <= onMs) continue;
      const uAt = (ms: number): number => line.startU + line.dir * ((ms / 1000) * speed - line.startS);
      segments.push({ line, onMs, offMs, uOn: uAt(onMs), uOff: uAt(offMs) });
    }
  }
  const planSegments: PlannedSpraySegment[] = segments.map((seg, passIndex) => ({
    passIndex,
    lineIndex: seg.line.index,
    startTimeMs: t0 + seg.onMs,
    endTimeMs: t0 + seg.offMs,
    start: plane.toLonLat(...toXy(seg.uOn, seg.line.v)),
    end: plane.toLonLat(...toXy(seg.uOff, seg.line.v)),
    lengthM: Math.abs(seg.uOff - seg.uOn),
    volumeL: (flowLPerMin * (seg.offMs - seg.onMs)) / 60000,
  }));

  // The log.
  const writer = new FlightLogWriter({ chunkSizeBytes: options.chunkSizeBytes, onChunk: options.onChunk });
  const recordStarts: number[] = [];
  const track = !streaming;
  const write = (record: FlightLogRecord): void => {
    if (track) recordStarts.push(writer.totalBytes);
    writer.write(record);
  };
  const noiseSigma = options.gpsNoiseM ?? 0;
  const headingNoise = options.headingNoiseDeg ?? (noiseSigma > 0 ? 0.2 : 0);
  const gm = Math.exp(-fixIntervalMs / 1000 / (options.gpsNoiseCorrelationS ?? 30));
  const gmScale = Math.sqrt(1 - gm * gm) * noiseSigma;
  let noiseX = rng.normal() * noiseSigma;
  let noiseY = rng.normal() * noiseSigma;
  const windChanges = [...(options.windChanges ?? [])].sort((a, b) => a.atS - b.atS);
  let windSpeed = options.windSpeedMps ?? 3;
  let windDir = options.windDirectionDeg ?? 270;
  let temperature = options.temperatureC ?? 18;
  let humidity = options.humidityPct ?? 60;
  const weatherMs = Math.max(200, Math.round((options.weatherIntervalS ?? 2) * 1000));
  let unknownLeft = faults.unknownRecords ?? 0;
  let unknownWritten = 0;
  const repetitionMs = flightDurationMs + 60_000;

  write({
    type: 'jobHeader',
    timeMs: t0,
    jobId: options.jobId ?? `SIM-${options.seed}`,
    aircraftId: options.aircraftId ?? 'N-SIM01',
    pilot: options.pilot ?? 'Sim Pilot',
    product: options.product ?? 'Water + tracer',
    targetRate,
    rateUnit: 'L/ha',
  });
  write({ type: 'marker', timeMs: t0, code: MarkerCode.JobStart, text: 'job start' });

  for (let rep = 0; rep < repetitions; rep++) {
    const base = t0 + rep * repetitionMs;
    const timeline: { t: number; order: number; record: FlightLogRecord }[] = [];
    const add = (t: number, order: number, record: FlightLogRecord): void => {
      timeline.push({ t, order, record });
    };
    add(base, 0, { type: 'swath', timeMs: base, swathWidthM });
    let primitive = 0;
    for (let ms = 0; ms <= flightDurationMs; ms += fixIntervalMs) {
      const along = Math.min((ms / 1000) * speed, pathLength);
      while (primitive + 1 < path.length && path[primitive].startS + path[primitive].lengthM < along) primitive++;
      const { point, dirUv, onLine } = evaluate(path[primitive], along);
      const [x, y] = toXy(point[0], point[1]);
      noiseX = gm * noiseX + gmScale * rng.normal();
      noiseY = gm * noiseY + gmScale * rng.normal();
      const [lon, lat] = plane.toLonLat(x + noiseX, y + noiseY);
      const dirXy = toXy(dirUv[0], dirUv[1]);
      const heading = Math.atan2(dirXy[0], dirXy[1]) / DEG + headingNoise * rng.normal();
      const height = onLine ? 3 + 0.3 * rng.normal() : 15 + rng.normal();
      add(base + ms, 1, {
        type: 'gnssFix',
        timeMs: base + ms,
        latDeg: lat,
        lonDeg: lon,
        altitudeM: 250 + height,
        groundSpeedMps: speed + 0.2 * rng.normal(),
        headingDeg: (heading + 360) % 360,
        fixQuality: noiseSigma <= 0.05 ? FixQuality.RtkFixed : FixQuality.Differential,
        satellites: rng.int(12, 18),
        hdop: Math.round(rng.uniform(0.6, 1.1) * 100) / 100,
        differentialAgeS: noiseSigma <= 0.05 ? 1 : Math.round(rng.uniform(1, 4) * 10) / 10,
      });
      if (ms % 1000 === 0) add(base + ms, 2, { type: 'laserAltitude', timeMs: base + ms, heightAboveGroundM: Math.max(0, height) });
      if (ms % weatherMs === 0) {
        const elapsedS = (rep * repetitionMs + ms) / 1000;
        while (windChanges.length > 0 && windChanges[0].atS <= elapsedS) {
          const change = windChanges.shift() as WindChange;
          windSpeed = change.speedMps;
          windDir = change.directionDeg;
        }
        windSpeed = Math.max(0, windSpeed + 0.1 * rng.normal());
        windDir = (windDir + 2 * rng.normal() + 360) % 360;
        temperature += 0.01 + 0.02 * rng.normal();
        humidity = Math.min(100, Math.max(5, humidity - 0.02 + 0.05 * rng.normal()));
        add(base + ms, 3, { type: 'environment', timeMs: base + ms, windSpeedMps: windSpeed, windDirectionDeg: windDir, temperatureC: temperature, humidityPct: humidity });
      }
    }
    for (const seg of segments) {
      const on = base + seg.onMs;
      const off = base + seg.offMs;
      add(on, 4, { type: 'sprayState', timeMs: on, boomOn: true, sectionMask: 0x3ff, sectionCount: 10 });
      add(on, 5, { type: 'flow', timeMs: on, targetRateLPerHa: targetRate, actualRateLPerHa: targetRate, flowLPerMin, pressureKPa: 275 });
      for (let t = Math.ceil(on / 1000) * 1000; t < off; t += 1000) {
        if (t > on) add(t, 5, { type: 'flow', timeMs: t, targetRateLPerHa: targetRate, actualRateLPerHa: targetRate, flowLPerMin, pressureKPa: 275 + rng.normal() });
      }
      add(off, 4, { type: 'sprayState', timeMs: off, boomOn: false, sectionMask: 0, sectionCount: 10 });
      add(off, 5, { type: 'flow', timeMs: off, targetRateLPerHa: targetRate, actualRateLPerHa: 0, flowLPerMin: 0, pressureKPa: 0 });
    }
    timeline.sort((a, b) => a.t - b.t || a.order - b.order);
    const unknownAt = new Set<number>();
    while (unknownLeft > 0 && unknownAt.size < timeline.length && unknownAt.size < unknownLeft) unknownAt.add(rng.int(0, timeline.length - 1));
    for (let i = 0; i < timeline.length; i++) {
      if (unknownAt.has(i)) {
        const payload = new Uint8Array(rng.int(0, 64)).map(() => rng.int(0, 255));
        if (track) recordStarts.push(writer.totalBytes);
        writer.writeRaw(rng.int(0x40, 0x7f), payload);
        unknownWritten++;
      }
      write(timeline[i].record);
    }
    unknownLeft -= unknownAt.size;
  }
  const endMs = t0 + (repetitions - 1) * repetitionMs + flightDurationMs;
  write({ type: 'marker', timeMs: endMs, code: MarkerCode.JobEnd, text: 'job end' });

  // Byte-level faults.
  let bytes = streaming ? Buffer.alloc(0) : writer.toBuffer();
  if (streaming) writer.end();
  const injected: InjectedFaults = { unknownRecordsWritten: unknownWritten, corruptedRecordOffsets: [], garbageOffsets: [], truncatedAtByte: null, zeroLength: false };
  if (!streaming) {
    const corruptCount = Math.min(faults.corruptRecords ?? 0, Math.max(0, recordStarts.length - 2));
    const chosen = new Set<number>();
    while (chosen.size < corruptCount) chosen.add(rng.int(2, recordStarts.length - 1));
    for (const i of [...chosen].sort((a, b) => a - b)) {
      const start = recordStarts[i];
      const end = i + 1 < recordStarts.length ? recordStarts[i + 1] : bytes.length;
      const at = rng.int(start, end - 1);
      bytes[at] ^= 1 << rng.int(0, 7);
      injected.corruptedRecordOffsets.push(start);
    }
    const garbageRuns = faults.garbageRuns ?? 0;
    if (garbageRuns > 0) {
      const cuts = new Set<number>();
      while (cuts.size < Math.min(garbageRuns, recordStarts.length - 1)) cuts.add(rng.int(1, recordStarts.length - 1));
      const parts: Buffer[] = [];
      const inserted: { at: number; length: number }[] = [];
      let from = 0;
      let shift = 0;
      for (const i of [...cuts].sort((a, b) => a - b)) {
        parts.push(bytes.subarray(from, recordStarts[i]));
        const garbage = Buffer.from(new Uint8Array(rng.int(1, 200)).map(() => rng.int(0, 255)));
        garbage[0] = 0x00; // never a sync byte, so the damage starts exactly here
        injected.garbageOffsets.push(recordStarts[i] + shift);
        inserted.push({ at: recordStarts[i], length: garbage.length });
        shift += garbage.length;
        parts.push(garbage);
        from = recordStarts[i];
      }
      parts.push(bytes.subarray(from));
      injected.corruptedRecordOffsets = injected.corruptedRecordOffsets.map(
        (o) => o + inserted.filter((g) => g.at <= o).reduce((sum, g) => sum + g.length, 0),
      );
      bytes = Buffer.concat(parts);
    }
    if (faults.truncateAtFraction !== undefined) {
      const at = Math.max(0, Math.min(bytes.length, Math.floor(bytes.length * faults.truncateAtFraction)));
      bytes = bytes.subarray(0, at);
      injected.truncatedAtByte = at;
    }
    if (faults.zeroLength) {
      bytes = Buffer.alloc(0);
      injected.zeroLength = true;
    }
  }

  const lonLatRing = (ring: PlanarRing): LonLat[] => {
    const out = ring.map(([x, y]) => plane.toLonLat(x, y));
    out.push([out[0][0], out[0][1]]);
    return out;
  };
  const boundary: GeoJsonPolygon = { type: 'Polygon', coordinates: [lonLatRing(options.boundaryM)] };
  const exclusions: GeoJsonPolygon[] = (options.exclusionsM ?? []).map((ring) => ({ type: 'Polygon', coordinates: [lonLatRing(ring)] }));

  let groundTruth: GroundTruth | null = null;
  if ((options.groundTruth ?? true) && repetitions === 1) {
    const rectangles: TruthRectangle[] = segments.map((seg) => ({
      u0: Math.min(seg.uOn, seg.uOff),
      u1: Math.max(seg.uOn, seg.uOff),
      v0: seg.line.v - swathWidthM / 2,
      v1: seg.line.v + swathWidthM / 2,
    }));
    const areas = rasteriseGroundTruth(rectangles, boundaryUv, exclusionsUv, options.groundTruthStepM ?? 0.1);
    groundTruth = {
      fieldAreaHa: areas.fieldAreaM2 / 1e4,
      treatedAreaHa: areas.treatedAreaM2 / 1e4,
      overlapAreaHa: areas.overlapAreaM2 / 1e4,
      insideBoundaryAreaHa: areas.insideFieldAreaM2 / 1e4,
      offTargetAreaHa: areas.offTargetAreaM2 / 1e4,
      skippedAreaHa: areas.skippedAreaM2 / 1e4,
      volumeAppliedL: planSegments.reduce((sum, seg) => sum + seg.volumeL, 0),
      sprayTimeS: segments.reduce((sum, seg) => sum + (seg.offMs - seg.onMs) / 1000, 0),
      sprayedDistanceM: planSegments.reduce((sum, seg) => sum + seg.lengthM, 0),
      passCount: segments.length,
    };
  }

  return {
    bytes,
    totalBytes: streaming ? writer.totalBytes : bytes.length,
    recordsWritten: writer.totalRecords,
    field: { boundary, exclusions },
    jobFile: jobFileFromGeoJson(Number.parseInt(String(options.seed), 10) >>> 0, options.jobId ?? `SIM-${options.seed}`, boundary, exclusions),
    plan: {
      swathWidthM,
      passSpacingM,
      passHeadingDeg: headingDeg,
      groundSpeedMps: speed,
      flowLPerMin,
      targetRateLPerHa: targetRate,
      lineCount: lines.length,
      spraySegments: planSegments,
      startTimeMs: t0,
      endTimeMs: endMs,
      pathLengthM: pathLength * repetitions,
    },
    groundTruth,
    faults: injected,
  };
}

function evaluate(p: Primitive, s: number): { point: UV; dirUv: UV; onLine: boolean } {
  const t = p.lengthM > 0 ? Math.min(1, Math.max(0, (s - p.startS) / p.lengthM)) : 0;
  if (p.arc === null) {
    const du = p.to[0] - p.from[0];
    const dv = p.to[1] - p.from[1];
    const len = Math.hypot(du, dv) || 1;
    return { point: [p.from[0] + du * t, p.from[1] + dv * t], dirUv: [du / len, dv / len], onLine: true };
  }
  const { centre, radius, startAngle, sweep } = p.arc;
  const a = startAngle + sweep * t;
  const sign = Math.sign(sweep);
  return { point: [centre[0] + radius * Math.cos(a), centre[1] + radius * Math.sin(a)], dirUv: [-Math.sin(a) * sign, Math.cos(a) * sign], onLine: false };
}

function mergeIntervals(intervals: [number, number][]): [number, number][] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function subtractIntervals(from: [number, number][], remove: [number, number][]): [number, number][] {
  let result = mergeIntervals(from);
  for (const [ra, rb] of mergeIntervals(remove)) {
    const next: [number, number][] = [];
    for (const [a, b] of result) {
      if (rb <= a || ra >= b) next.push([a, b]);
      else {
        if (ra > a) next.push([a, ra]);
        if (rb < b) next.push([rb, b]);
      }
    }
    result = next;
  }
  return result;
}
