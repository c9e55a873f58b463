/**
 * Statistics benchmark: what one flight log's application record costs, engine by engine, on
 * realistic logs (decimetre GNSS noise, 5 Hz fixes, 20 m swath, turns outside the field).
 *
 *   today       the engine before this one, kept in bench/baseline: every swath strip and every
 *               overlapping pair of strips through polyclip-ts (arbitrary-precision decimals)
 *   p-clipping  the same engine with polygon-clipping (the same sweep on doubles)
 *   clipper2    Clipper2 (clipper2-ts) on integer millimetres: union of the strips, overlap by a
 *               winding count ≥ 2, then off-target and skipped against the field — the four areas only
 *   ours        the scanline coverage count (src/statistics/coverage-scan.ts): the four areas
 *               and, in the production path, the traced outline of every layer
 *
 * Every engine starts from the same decoded records. Times are CPU time (user + system) of the
 * whole computation, median of `--runs` for the fast engines; the slow ones run once per input
 * and are skipped above `--budget-s` (reported as such, never as a figure).
 *
 *   npm run bench -w @agair/satloc-parser -- --only statistics   (or: npx tsx --conditions=@agair/source libs/satloc-parser/bench/statistics.bench.ts)
 */
import * as C from 'clipper2-ts';
import polygonClipping from 'polygon-clipping';
import {
  accumulateFlight,
  decodeFlightLogBuffer,
  fieldShapes,
  simulateFlight,
  type ApplicationStatistics,
  type FlightLogRecord,
  type GeoJsonPolygon,
  type SimulatedFlight,
} from '../src/index.js';
import { PlanarProjection } from '../src/statistics/planar-projection.js';
import { computeApplicationStatistics as computeWithPolygons } from './baseline/polygon-engine.js';
import { useClippingLibrary } from './baseline/polygon-geometry.js';
import * as polyclipTs from 'polyclip-ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const runs = arg('runs', 5);
const budgetS = arg('budget-s', 20);

interface Input {
  name: string;
  flight: SimulatedFlight;
  records: FlightLogRecord[];
}

function input(name: string, haOrSide: { widthM: number; heightM: number }, extra: { passHeadingDeg?: number; repetitions?: number; seed: number }): Input {
  const flight = simulateFlight({
    seed: extra.seed,
    boundaryM: fieldShapes.rectangle(haOrSide.widthM, haOrSide.heightM),
    gpsNoiseM: 0.1,
    passHeadingDeg: extra.passHeadingDeg ?? 0,
    repetitions: extra.repetitions ?? 1,
    groundTruth: false,
  });
  return { name, flight, records: decodeFlightLogBuffer(flight.bytes).records };
}

function cpuMs(work: () => unknown): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

async function cpuMsAsync(work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function ours(records: FlightLogRecord[], field: GeoJsonPolygon, withLayers: boolean): Promise<ApplicationStatistics> {
  const flight = await accumulateFlight(records);
  return flight.finish({ boundary: field, withLayers, includePassFootprints: false });
}

/** Clipper2 on the same swath strips ours builds: the four areas (m²). */
function clipper2Areas(statistics: ApplicationStatistics, field: GeoJsonPolygon): { treatedM2: number; overlapM2: number; offTargetM2: number; skippedM2: number } {
  const projection = PlanarProjection.around(field.coordinates[0]);
  const mm = (lon: number, lat: number): C.Point64 => ({ x: Math.round(projection.x(lon) * 1000), y: Math.round(projection.y(lat) * 1000) });
  const { lonLat, ringStarts } = statistics.swaths;
  const strips: C.Path64[] = [];
  for (let i = 0; i + 1 < ringStarts.length; i++) {
    const ring: C.Path64 = [];
    for (let k = ringStarts[i]; k < ringStarts[i + 1]; k++) ring.push(mm(lonLat[2 * k], lonLat[2 * k + 1]));
    strips.push(C.area(ring) < 0 ? ring.reverse() : ring);
  }
  const fieldPaths: C.Paths64 = [field.coordinates[0].map(([lon, lat]) => mm(lon, lat))];
  const treated = C.union(strips, C.FillRule.NonZero);
  const b = C.getBoundsPaths(strips);
  // Overlap = winding ≥ 2: add one clockwise rectangle around everything (winding −1) and keep what stays positive.
  const minus: C.Path64 = [{ x: b.left - 1, y: b.top - 1 }, { x: b.left - 1, y: b.bottom + 1 }, { x: b.right + 1, y: b.bottom + 1 }, { x: b.right + 1, y: b.top - 1 }];
  const overlap = C.union([...strips, C.area(minus) > 0 ? minus.reverse() : minus], C.FillRule.Positive);
  const offTarget = C.difference(treated, fieldPaths, C.FillRule.NonZero);
  const skipped = C.difference(fieldPaths, treated, C.FillRule.NonZero);
  const m2 = (paths: C.Paths64) => C.areaPaths(paths) / 1e6;
  return { treatedM2: m2(treated), overlapM2: m2(overlap), offTargetM2: m2(offTarget), skippedM2: m2(skipped) };
}

type Row = { input: string; log: string; engine: string; cpuMs: string; treated: string; overlap: string; offTarget: string; skipped: string; vsToday: string };

const inputs: Input[] = [
  input('20 ha', { widthM: 500, heightM: 400 }, { seed: 1 }),
  input('250 ha (~1 MB)', { widthM: 1581, heightM: 1581 }, { seed: 2 }),
  input('600 ha', { widthM: 3000, heightM: 2000 }, { seed: 3 }),
  input('200 ha at 25°', { widthM: 1414, heightM: 1414 }, { seed: 4, passHeadingDeg: 25 }),
  ...[1, 2, 4, 8].map((n) => input(`50 ha flown ${n}×`, { widthM: 800, heightM: 625 }, { seed: 5, repetitions: n })),
];

const rows: Row[] = [];
const skippedSlow = new Set<string>();
const ha = (m2: number) => (m2 / 1e4).toFixed(3);
for (const item of inputs) {
  const field = item.flight.field.boundary;
  const logMb = `${(item.flight.totalBytes / 1e6).toFixed(2)} MB`;
  const row = (engine: string, ms: number, a: { treatedM2: number; overlapM2: number; offTargetM2: number; skippedM2: number } | null, today: number | null): Row => ({
    input: item.name,
    log: logMb,
    engine,
    cpuMs: ms.toFixed(1),
    treated: a ? ha(a.treatedM2) : '—',
    overlap: a ? ha(a.overlapM2) : '—',
    offTarget: a ? ha(a.offTargetM2) : '—',
    skipped: a ? ha(a.skippedM2) : '—',
    vsToday: today === null ? '—' : `${(today / ms).toFixed(1)}×`,
  });
  const areasOf = (s: { treatedAreaHa: number; overlapAreaHa: number; offTargetAreaHa: number; skippedAreaHa: number }) => ({
    treatedM2: s.treatedAreaHa * 1e4,
    overlapM2: s.overlapAreaHa * 1e4,
    offTargetM2: s.offTargetAreaHa * 1e4,
    skippedM2: s.skippedAreaHa * 1e4,
  });

  // Slow engines: once each, skipped for an input once they overran the budget on a smaller one of the same series.
  let todayMs: number | null = null;
  for (const [engine, library] of [
    ['today (polyclip-ts)', polyclipTs],
    ['p-clipping', polygonClipping],
  ] as const) {
    const series = `${engine}:${item.name.replace(/\d+×$/, '')}`;
    if (skippedSlow.has(series) || skippedSlow.has(`${engine}:all`)) {
      rows.push({ ...row(engine, 0, null, null), cpuMs: `skipped (> ${budgetS} s before)` });
      continue;
    }
    useClippingLibrary(library as Parameters<typeof useClippingLibrary>[0]);
    let result: Awaited<ReturnType<typeof computeWithPolygons>> | null = null;
    let failure: string | null = null;
    const ms = await cpuMsAsync(async () => {
      try {
        result = await computeWithPolygons(item.records, { boundary: field, includePassFootprints: false });
      } catch (err) {
        failure = err instanceof Error ? err.message : String(err);
      }
    });
    if (engine.startsWith('today')) todayMs = ms;
    const done = result as Awaited<ReturnType<typeof computeWithPolygons>> | null;
    rows.push(failure ? { ...row(engine, ms, null, null), treated: `failed: ${String(failure).slice(0, 40)}` } : row(engine, ms, done && areasOf(done.summary), engine.startsWith('today') ? null : todayMs));
    if (ms > budgetS * 1000) skippedSlow.add(item.name.includes('×') ? series : `${engine}:all`);
  }

  // Fast engines: warm up once, then the median of `runs`.
  const warm = await ours(item.records, field, true);
  const clipperTimes: number[] = [];
  const accumulateTimes: number[] = [];
  let clipper: ReturnType<typeof clipper2Areas> | null = null;
  for (let i = 0; i < runs; i++) {
    accumulateTimes.push(await cpuMsAsync(() => accumulateFlight(item.records)));
    clipperTimes.push(cpuMs(() => (clipper = clipper2Areas(warm, field))));
  }
  // Clipper2 needs the strips too: charge it the record pass that builds them.
  rows.push(row('clipper2 (areas)', median(accumulateTimes) + median(clipperTimes), clipper, todayMs));
  for (const withLayers of [false, true]) {
    const times: number[] = [];
    let last: ApplicationStatistics | null = null;
    for (let i = 0; i < runs; i++) times.push(await cpuMsAsync(async () => (last = await ours(item.records, field, withLayers))));
    const done = last as ApplicationStatistics | null;
    rows.push(row(withLayers ? 'ours (areas + layers)' : 'ours (areas)', median(times), done && areasOf(done.summary), todayMs));
  }
}

const header: Row = { input: 'input', log: 'log', engine: 'engine', cpuMs: 'CPU ms', treated: 'treated ha', overlap: 'overlap ha', offTarget: 'off-target ha', skipped: 'skipped ha', vsToday: 'vs today' };
const keys = Object.keys(header) as (keyof Row)[];
const widths = keys.map((k) => Math.max(header[k].length, ...rows.map((r) => r[k].length)));
const line = (r: Row) => `| ${keys.map((k, i) => r[k].padEnd(widths[i])).join(' | ')} |`;
process.stdout.write(`${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
process.stdout.write(`\nruns: ${runs} (median) for clipper2 and ours; once for the polygon engines. Node ${process.version}.\n`);
