import { simulateFlight, type GroundTruth, type JobFile, type LonLat } from '@agair/satloc-parser';

const WGS84_A = 6378137;
const WGS84_E2 = 6.69437999014e-3;
const DEG = Math.PI / 180;

export interface ProducedLog {
  bytes: Buffer;
  /** Index of the `.POL` (INC) flown. */
  polygonIndex: number;
  groundTruth: GroundTruth | null;
  plan: { swathWidthM: number; passCount: number; startTimeMs: number; endTimeMs: number };
}

export interface ProduceOptions {
  seed: number;
  aircraftId: string;
  extJobId: string;
  startTimeMs: number;
  swathWidthM?: number;
  targetRateLPerHa?: number;
}

/**
 * Flies every treated area (INC polygon) of an uploaded job with satloc-parser's seeded flight
 * simulator: one log per INC polygon, with the EXC polygons that lie inside it as exclusions.
 * Coordinates go to local metres around the polygon's first vertex with the same ellipsoid
 * scales the flight simulator uses to come back, so the flown field is the uploaded one.
 */
export function produceFlightLogs(job: JobFile, options: ProduceOptions): ProducedLog[] {
  const included = job.polygons.filter((p) => p.kind === 'INC');
  const excluded = job.polygons.filter((p) => p.kind === 'EXC');
  let startTimeMs = options.startTimeMs;
  return included.map((polygon, i) => {
    const [originLon, originLat] = polygon.ring[0];
    const toMetres = metresAround(originLat, originLon);
    const boundaryM = polygon.ring.map(toMetres);
    const exclusionsM = excluded.filter((e) => e.ring.every((pt) => pointInRing(pt, polygon.ring))).map((e) => e.ring.map(toMetres));
    const flight = simulateFlight({
      seed: options.seed + i,
      boundaryM,
      exclusionsM,
      originLatDeg: originLat,
      originLonDeg: originLon,
      swathWidthM: options.swathWidthM,
      targetRateLPerHa: options.targetRateLPerHa,
      startTimeMs,
      jobId: options.extJobId,
      aircraftId: options.aircraftId,
      pilot: 'Simulated Pilot',
      product: 'Simulated Product',
    });
    startTimeMs = flight.plan.endTimeMs + 10 * 60_000;
    return {
      bytes: flight.bytes,
      polygonIndex: polygon.index,
      groundTruth: flight.groundTruth,
      plan: {
        swathWidthM: flight.plan.swathWidthM,
        passCount: flight.plan.spraySegments.length,
        startTimeMs: flight.plan.startTimeMs,
        endTimeMs: flight.plan.endTimeMs,
      },
    };
  });
}

function metresAround(originLatDeg: number, originLonDeg: number): (p: LonLat) => [number, number] {
  const s = Math.sin(originLatDeg * DEG);
  const w = Math.sqrt(1 - WGS84_E2 * s * s);
  const metresPerDegLat = ((WGS84_A * (1 - WGS84_E2)) / (w * w * w)) * DEG;
  const metresPerDegLon = (WGS84_A / w) * Math.cos(originLatDeg * DEG) * DEG;
  return ([lon, lat]) => [(lon - originLonDeg) * metresPerDegLon, (lat - originLatDeg) * metresPerDegLat];
}

function pointInRing([x, y]: LonLat, ring: readonly LonLat[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

