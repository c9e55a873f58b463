import type { GeoJsonPolygon, LonLat } from '../geometry/geojson.types.js';
import { FlightLogWriter } from '../flight-log/flight-log.writer.js';
import { FixQuality, MarkerCode, type FlightLogRecord } from '../flight-log/flight-log.records.js';
import { jobFileFromGeoJson } from '../job-file/job-file.geojson.js';
import type { JobFile } from '../job-file/job-file.types.js';
import type { PlanarPoint, PlanarRing } from './field-shapes.js';
import { FlightPath, type UV } from './flight-path.js';
import type {
  FlightPlan,
  PlannedSpraySegment,
  SimulatedFlight,
  SimulatedJob,
  SimulateFlightOptions,
  SimulateJobOptions,
} from './flight-simulator.types.js';
import { groundTruthOf, type SprayedStrip, type TruthSettings } from './ground-truth.js';
import { LocalTangentPlane } from './local-tangent-plane.js';
import { injectByteFaults } from './log-faults.js';
import { Prng } from './prng.js';
import { GnssNoise, Weather } from './simulated-sensors.js';
import { passLines, planVisits, reflyVisits, splitIntoLoads, type LineVisit, type PassLine } from './spray-plan.js';

export type {
  FlightPlan,
  GroundTruth,
  InjectedFaults,
  PlannedSpraySegment,
  SimulatedFlight,
  SimulatedJob,
  SimulateFlightOptions,
  SimulateJobOptions,
  SimulatorFaults,
  WindChange,
} from './flight-simulator.types.js';

const DEG = Math.PI / 180;
const DEFAULT_START_MS = Date.UTC(2025, 5, 1, 6, 0, 0);

/** What every load of a job shares: settings, the pass frame, the field and the random streams. */
interface JobContext {
  options: SimulateJobOptions;
  jobId: string;
  swathWidthM: number;
  passSpacingM: number;
  headingDeg: number;
  speedMps: number;
  fixIntervalMs: number;
  targetRateLPerHa: number;
  flowLPerMin: number;
  boomLagS: number;
  repetitions: number;
  noiseSigmaM: number;
  headingNoiseDeg: number;
  weatherIntervalMs: number;
  startMs: number;
  boundaryUv: PlanarRing;
  exclusionsUv: PlanarRing[];
  toXy: (u: number, v: number) => PlanarPoint;
  plane: LocalTangentPlane;
  field: { boundary: GeoJsonPolygon; exclusions: GeoJsonPolygon[] };
  jobFile: JobFile;
  truth: TruthSettings | null;
  rng: Prng;
  /** Boom lags come from their own stream, so a lag does not change the GNSS noise of the same seed. */
  lagRng: Prng;
  noise: GnssNoise;
  weather: Weather;
}

/** A line as flown in one load: the straight's ends and where it starts along the path. */
interface Leg {
  visit: LineVisit;
  startS: number;
  startU: number;
  endU: number;
}

interface FlownSegment extends SprayedStrip {
  lineIndex: number;
}

interface FlownLoad {
  flight: SimulatedFlight;
  segments: FlownSegment[];
}

/**
 * A seeded, deterministic crop-spraying flight over a field: back-and-forth passes at a swath,
 * turns with the boom off, changing wind, correlated GNSS noise. Writes the open-format log
 * and computes the ground truth from the flown spray segments (see ground-truth.ts), not from the log.
 */
export function simulateFlight(options: SimulateFlightOptions): SimulatedFlight {
  return simulateJob({ ...options, loads: 1, reflyLines: [] }).loads[0];
}

/**
 * A whole job flown in `loads` loads, one log each: the spray plan is cut by equal sprayed length
 * (mid-line: the next load re-enters the line and resumes at the cut), `reflyLines` are flown again
 * at the end of the last load, and the job's ground truth covers every load together.
 */
export function simulateJob(options: SimulateJobOptions): SimulatedJob {
  const loadCount = options.loads ?? 1;
  const ferryGapMs = Math.round((options.ferryGapS ?? 1200) * 1000);
  if (!Number.isInteger(loadCount) || loadCount < 1) throw new RangeError('loads must be a whole number, at least 1');
  if (!(ferryGapMs >= 0)) throw new RangeError('ferryGapS must not be negative');
  const job = prepareJob(options);
  const lines: PassLine[] = passLines(job.boundaryUv, job.exclusionsUv, {
    swathWidthM: job.swathWidthM,
    passSpacingM: job.passSpacingM,
    sprayLeadM: options.sprayLeadM ?? 0,
    runInM: options.runInM ?? 150,
  });
  if (lines.length === 0) throw new RangeError('the field is empty');
  const loads = splitIntoLoads(planVisits(lines, new Set(options.skipPassIndices ?? [])), loadCount);
  const lastLoad = loads[loads.length - 1];
  lastLoad.push(...reflyVisits(lines, options.reflyLines ?? [], lastLoad[lastLoad.length - 1].dir));

  const flown: FlownLoad[] = [];
  let startMs = job.startMs;
  loads.forEach((visits, i) => {
    const load = flyLoad(job, visits, startMs, i + 1 < loads.length);
    flown.push(load);
    startMs = load.flight.plan.endTimeMs + ferryGapMs;
  });
  const groundTruth =
    job.truth === null ? null : flown.length === 1 ? flown[0].flight.groundTruth : groundTruthOf(flown.flatMap((load) => load.segments), job.truth);
  return { loads: flown.map((load) => load.flight), field: job.field, jobFile: job.jobFile, groundTruth };
}

function prepareJob(options: SimulateJobOptions): JobContext {
  const swathWidthM = options.swathWidthM ?? 20;
  const passSpacingM = options.passSpacingM ?? swathWidthM;
  const speedMps = options.groundSpeedMps ?? 50;
  const boomLagS = options.boomLagS ?? 0;
  const faults = options.faults ?? {};
  if (options.onChunk !== undefined && (faults.corruptRecords || faults.garbageRuns || faults.truncateAtFraction !== undefined || faults.zeroLength)) {
    throw new RangeError('byte-level faults need the whole log in memory (no onChunk)');
  }
  if (!(swathWidthM > 0 && passSpacingM > 0 && speedMps > 0)) throw new RangeError('swath, spacing and speed must be positive');
  if (!(boomLagS >= 0)) throw new RangeError('boomLagS must not be negative');

  // Pass frame: u along the passes, v to their right.
  const headingDeg = options.passHeadingDeg ?? 0;
  const d: PlanarPoint = [Math.sin(headingDeg * DEG), Math.cos(headingDeg * DEG)];
  const n: PlanarPoint = [Math.cos(headingDeg * DEG), -Math.sin(headingDeg * DEG)];
  const toUv = ([x, y]: PlanarPoint): UV => [x * d[0] + y * d[1], x * n[0] + y * n[1]];
  const boundaryUv = options.boundaryM.map(toUv);
  const exclusionsUv = (options.exclusionsM ?? []).map((ring) => ring.map(toUv));

  const plane = new LocalTangentPlane(options.originLatDeg ?? 40.1, options.originLonDeg ?? -98.3);
  const lonLatRing = (ring: PlanarRing): LonLat[] => {
    const out = ring.map(([x, y]) => plane.toLonLat(x, y));
    out.push([out[0][0], out[0][1]]);
    return out;
  };
  const boundary: GeoJsonPolygon = { type: 'Polygon', coordinates: [lonLatRing(options.boundaryM)] };
  const exclusions: GeoJsonPolygon[] = (options.exclusionsM ?? []).map((ring) => ({ type: 'Polygon', coordinates: [lonLatRing(ring)] }));
  const jobId = options.jobId ?? `SIM-${options.seed}`;

  const targetRateLPerHa = options.targetRateLPerHa ?? 30;
  const flowLPerMin = (targetRateLPerHa * swathWidthM * speedMps * 60) / 10000;
  const fixIntervalMs = Math.round(1000 / (options.fixRateHz ?? 5));
  const noiseSigmaM = options.gpsNoiseM ?? 0.1;
  const startMs = options.startTimeMs ?? DEFAULT_START_MS;
  const rng = new Prng(options.seed);
  return {
    options,
    jobId,
    swathWidthM,
    passSpacingM,
    headingDeg,
    speedMps,
    fixIntervalMs,
    targetRateLPerHa,
    flowLPerMin,
    boomLagS,
    repetitions: Math.max(1, Math.floor(options.repetitions ?? 1)),
    noiseSigmaM,
    headingNoiseDeg: options.headingNoiseDeg ?? (noiseSigmaM > 0 ? 0.2 : 0),
    weatherIntervalMs: Math.max(200, Math.round((options.weatherIntervalS ?? 2) * 1000)),
    startMs,
    boundaryUv,
    exclusionsUv,
    toXy: (u, v) => [u * d[0] + v * n[0], u * d[1] + v * n[1]],
    plane,
    field: { boundary, exclusions },
    jobFile: jobFileFromGeoJson(Number.parseInt(String(options.seed), 10) >>> 0, jobId, boundary, exclusions),
    truth: (options.groundTruth ?? true) ? { swathWidthM, flowLPerMin, boundaryUv, exclusionsUv, stepM: options.groundTruthStepM ?? 0.1 } : null,
    rng,
    lagRng: new Prng((options.seed ^ 0x5bd1e995) >>> 0),
    noise: new GnssNoise(noiseSigmaM, fixIntervalMs, options.gpsNoiseCorrelationS ?? 30, rng),
    weather: new Weather(options, startMs, rng),
  };
}

/** One load: its route flown `repetitions` times into one log, from take-off at `startMs`. */
function flyLoad(job: JobContext, visits: readonly LineVisit[], startMs: number, reloadsAfter: boolean): FlownLoad {
  const { options, rng, speedMps, fixIntervalMs, targetRateLPerHa: targetRate, flowLPerMin } = job;
  const { path, legs } = route(visits, job.passSpacingM / 2);
  const flightDurationMs = Math.ceil(((path.lengthM / speedMps) * 1000) / fixIntervalMs) * fixIntervalMs;
  const repetitionMs = flightDurationMs + 60_000;
  const faults = options.faults ?? {};
  const streaming = options.onChunk !== undefined;
  const writer = new FlightLogWriter({ chunkSizeBytes: options.chunkSizeBytes, onChunk: options.onChunk });
  const recordStarts: number[] = [];
  const write = (record: FlightLogRecord): void => {
    if (!streaming) recordStarts.push(writer.totalBytes);
    writer.write(record);
  };
  const rtk = job.noiseSigmaM <= 0.05;
  let unknownLeft = faults.unknownRecords ?? 0;
  let unknownWritten = 0;
  const segments: FlownSegment[] = [];

  write({
    type: 'jobHeader',
    timeMs: startMs,
    jobId: job.jobId,
    aircraftId: options.aircraftId ?? 'N-SIM01',
    pilot: options.pilot ?? 'Sim Pilot',
    product: options.product ?? 'Water + tracer',
    targetRate,
    rateUnit: 'L/ha',
  });
  write({ type: 'marker', timeMs: startMs, code: MarkerCode.JobStart, text: 'job start' });
  job.noise.restart();

  for (let rep = 0; rep < job.repetitions; rep++) {
    const base = startMs + rep * repetitionMs;
    const timeline: { t: number; order: number; record: FlightLogRecord }[] = [];
    const add = (t: number, order: number, record: FlightLogRecord): void => {
      timeline.push({ t, order, record });
    };
    add(base, 0, { type: 'swath', timeMs: base, swathWidthM: job.swathWidthM });
    const sample = path.sampler();
    for (let ms = 0; ms <= flightDurationMs; ms += fixIntervalMs) {
      const { point, dirUv, onLine } = sample(Math.min((ms / 1000) * speedMps, path.lengthM));
      const [x, y] = job.toXy(point[0], point[1]);
      const [dx, dy] = job.noise.next();
      const [lon, lat] = job.plane.toLonLat(x + dx, y + dy);
      const dirXy = job.toXy(dirUv[0], dirUv[1]);
      const heading = Math.atan2(dirXy[0], dirXy[1]) / DEG + job.headingNoiseDeg * rng.normal();
      const height = onLine ? 3 + 0.3 * rng.normal() : 15 + rng.normal();
      add(base + ms, 1, {
        type: 'gnssFix',
        timeMs: base + ms,
        latDeg: lat,
        lonDeg: lon,
        altitudeM: 250 + height,
        groundSpeedMps: speedMps + 0.2 * rng.normal(),
        headingDeg: (heading + 360) % 360,
        fixQuality: rtk ? FixQuality.RtkFixed : FixQuality.Differential,
        satellites: rng.int(12, 18),
        hdop: Math.round(rng.uniform(0.6, 1.1) * 100) / 100,
        differentialAgeS: rtk ? 1 : Math.round(rng.uniform(1, 4) * 10) / 10,
      });
      if (ms % 1000 === 0) add(base + ms, 2, { type: 'laserAltitude', timeMs: base + ms, heightAboveGroundM: Math.max(0, height) });
      if (ms % job.weatherIntervalMs === 0) add(base + ms, 3, job.weather.observe(base + ms));
    }
    const flownNow = boomSegments(job, legs, base);
    segments.push(...flownNow);
    for (const { onMs: on, offMs: off } of flownNow) {
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
        if (!streaming) recordStarts.push(writer.totalBytes);
        writer.writeRaw(rng.int(0x40, 0x7f), payload);
        unknownWritten++;
      }
      write(timeline[i].record);
    }
    unknownLeft -= unknownAt.size;
  }
  const endMs = startMs + (job.repetitions - 1) * repetitionMs + flightDurationMs;
  if (reloadsAfter) write({ type: 'marker', timeMs: endMs, code: MarkerCode.Refill, text: 'out of product' });
  write({ type: 'marker', timeMs: endMs, code: MarkerCode.JobEnd, text: 'job end' });

  const whole = streaming ? Buffer.alloc(0) : writer.toBuffer();
  if (streaming) writer.end();
  const { bytes, injected } = injectByteFaults(whole, recordStarts, streaming ? {} : faults, rng, unknownWritten);
  const plan: FlightPlan = {
    swathWidthM: job.swathWidthM,
    passSpacingM: job.passSpacingM,
    passHeadingDeg: job.headingDeg,
    groundSpeedMps: speedMps,
    flowLPerMin,
    targetRateLPerHa: targetRate,
    lineCount: legs.length,
    spraySegments: segments.map((seg, passIndex) => plannedSegment(job, seg, passIndex)),
    startTimeMs: startMs,
    endTimeMs: endMs,
    pathLengthM: path.lengthM * job.repetitions,
  };
  const flight: SimulatedFlight = {
    bytes,
    totalBytes: streaming ? writer.totalBytes : bytes.length,
    recordsWritten: writer.totalRecords,
    field: job.field,
    jobFile: job.jobFile,
    plan,
    groundTruth: job.truth === null ? null : groundTruthOf(segments, job.truth),
    faults: injected,
  };
  return { flight, segments };
}

/** The visits joined by turns outside the field; each straight is stretched so that the turn starts and ends at one u. */
function route(visits: readonly LineVisit[], turnRadiusM: number): { path: FlightPath; legs: Leg[] } {
  const ends = visits.map((visit): [number, number] => (visit.dir > 0 ? [visit.line.minU, visit.line.maxU] : [visit.line.maxU, visit.line.minU]));
  for (let j = 0; j + 1 < visits.length; j++) {
    if (visits[j + 1].dir === visits[j].dir) throw new Error('consecutive lines must be flown in opposite directions');
    const turnU = visits[j].dir > 0 ? Math.max(ends[j][1], ends[j + 1][0]) : Math.min(ends[j][1], ends[j + 1][0]);
    ends[j][1] = turnU;
    ends[j + 1][0] = turnU;
  }
  const path = new FlightPath();
  const legs = visits.map((visit, j): Leg => {
    if (j > 0) path.reverseOnto(visit.line.v, turnRadiusM);
    const startS = path.lengthM;
    path.line(visit.line.v, ends[j][0], ends[j][1]);
    return { visit, startS, startU: ends[j][0], endU: ends[j][1] };
  });
  return { path, legs };
}

/**
 * The boom switches of one pass over the legs, each late by its own random lag, on whole
 * milliseconds (the log's resolution). A boom still open when the next interval of the same line
 * begins stays open; a switch-off due after the straight ends happens at its end.
 */
function boomSegments(job: JobContext, legs: readonly Leg[], baseMs: number): FlownSegment[] {
  const speed = job.speedMps;
  const out: FlownSegment[] = [];
  for (const leg of legs) {
    const { dir, line, sprayU } = leg.visit;
    const msAt = (u: number): number => Math.round(((leg.startS + Math.abs(u - leg.startU)) / speed + job.lagRng.uniform(0, job.boomLagS)) * 1000);
    const uAt = (ms: number): number => leg.startU + dir * ((ms / 1000) * speed - leg.startS);
    const legEndMs = Math.floor(((leg.startS + Math.abs(leg.endU - leg.startU)) / speed) * 1000);
    let open: { segment: FlownSegment; offMs: number } | null = null;
    for (const [a, b] of dir > 0 ? sprayU : [...sprayU].reverse()) {
      const onMs = msAt(dir > 0 ? a : b);
      const offMs = Math.min(legEndMs, msAt(dir > 0 ? b : a));
      if (open !== null && onMs <= open.offMs) {
        open.offMs = Math.max(open.offMs, offMs);
        open.segment.offMs = baseMs + open.offMs;
        open.segment.uOff = uAt(open.offMs);
        continue;
      }
      if (offMs <= onMs) continue;
      const segment: FlownSegment = { lineIndex: line.index, v: line.v, onMs: baseMs + onMs, offMs: baseMs + offMs, uOn: uAt(onMs), uOff: uAt(offMs) };
      out.push(segment);
      open = { segment, offMs };
    }
  }
  return out;
}

function plannedSegment(job: JobContext, seg: FlownSegment, passIndex: number): PlannedSpraySegment {
  return {
    passIndex,
    lineIndex: seg.lineIndex,
    startTimeMs: seg.onMs,
    endTimeMs: seg.offMs,
    start: job.plane.toLonLat(...job.toXy(seg.uOn, seg.v)),
    end: job.plane.toLonLat(...job.toXy(seg.uOff, seg.v)),
    lengthM: Math.abs(seg.uOff - seg.uOn),
    volumeL: (job.flowLPerMin * (seg.offMs - seg.onMs)) / 60000,
  };
}
