import type { PlanarRing } from './field-shapes.js';
import { ringIntervals } from './ground-truth.js';

export type Interval = [number, number];

/** A line across the field in the pass frame (u along the passes, v across). */
export interface PassLine {
  /** Position in flying order among the lines that cross the field. */
  index: number;
  v: number;
  /** Direction of its first flight: even lines towards +u, odd lines back. */
  dir: 1 | -1;
  /** The straight flown over it, run-in and run-out included. */
  minU: number;
  maxU: number;
  /** Where the boom is open when the line is sprayed in full, in increasing u. */
  sprayU: Interval[];
}

/** One flight along a line, with the part of it sprayed this time (possibly none). */
export interface LineVisit {
  line: PassLine;
  dir: 1 | -1;
  sprayU: Interval[];
}

export interface LineLayout {
  swathWidthM: number;
  passSpacingM: number;
  sprayLeadM: number;
  runInM: number;
}

/** Back-and-forth lines at the pass spacing over field-minus-exclusions; lines that miss the field are dropped. */
export function passLines(boundaryUv: PlanarRing, exclusionsUv: readonly PlanarRing[], layout: LineLayout): PassLine[] {
  const { swathWidthM, passSpacingM, sprayLeadM: lead, runInM } = layout;
  const vs = boundaryUv.map(([, v]) => v);
  const vMin = Math.min(...vs);
  const vMax = Math.max(...vs);
  const lineCount = Math.max(1, Math.ceil((vMax - vMin - swathWidthM) / passSpacingM - 1e-9) + 1);
  const lines: PassLine[] = [];
  for (let k = 0; k < lineCount; k++) {
    const v = vMin + swathWidthM / 2 + k * passSpacingM;
    const inField = subtractIntervals(ringIntervals(boundaryUv, v), exclusionsUv.flatMap((ring) => ringIntervals(ring, v)));
    if (inField.length === 0) continue;
    const index = lines.length;
    lines.push({
      index,
      v,
      dir: index % 2 === 0 ? 1 : -1,
      minU: Math.min(...inField.map(([a]) => a)) - Math.max(lead, 0) - runInM,
      maxU: Math.max(...inField.map(([, b]) => b)) + Math.max(lead, 0) + runInM,
      sprayU: mergeIntervals(inField.map(([a, b]): Interval => [a - lead, b + lead]).filter(([a, b]) => b - a > 0.5)),
    });
  }
  return lines;
}

/** Every line once in flying order, skipped lines flown with the boom off. */
export function planVisits(lines: readonly PassLine[], skipIndices: ReadonlySet<number>): LineVisit[] {
  return lines.map((line) => ({ line, dir: line.dir, sprayU: skipIndices.has(line.index) ? [] : line.sprayU }));
}

/**
 * Cuts the visits into `loads` consecutive parts of equal sprayed length. A cut falls inside a
 * spray interval: the line is then flown in both loads, sprayed up to the cut in the first and
 * from the cut on in the second.
 */
export function splitIntoLoads(visits: readonly LineVisit[], loads: number): LineVisit[][] {
  const total = visits.reduce((sum, visit) => sum + sprayedLength(visit.sprayU), 0);
  if (loads > 1 && !(total > 0)) throw new RangeError('nothing is sprayed, so there is nothing to split into loads');
  const result: LineVisit[][] = [];
  let current: LineVisit[] = [];
  let cut = 1;
  let done = 0;
  for (const visit of visits) {
    let pieces: Interval[] = [];
    const flown = visit.dir > 0 ? visit.sprayU : [...visit.sprayU].reverse();
    for (const [a, b] of flown) {
      let from = visit.dir > 0 ? a : b;
      const to = visit.dir > 0 ? b : a;
      while (cut < loads && done + Math.abs(to - from) > (total * cut) / loads) {
        const at = from + visit.dir * ((total * cut) / loads - done);
        pieces.push(ordered(from, at));
        current.push(withPieces(visit, pieces));
        result.push(current);
        current = [];
        pieces = [];
        done += Math.abs(at - from);
        from = at;
        cut++;
      }
      pieces.push(ordered(from, to));
      done += Math.abs(to - from);
    }
    current.push(withPieces(visit, pieces));
  }
  result.push(current);
  return result;
}

/** Lines flown again in full after `lastDir`, each turning back onto the next. */
export function reflyVisits(lines: readonly PassLine[], indices: readonly number[], lastDir: 1 | -1): LineVisit[] {
  let dir = lastDir;
  return indices.map((i) => {
    const line = lines[i];
    if (!Number.isInteger(i) || line === undefined) throw new RangeError(`reflyLines: there is no line ${i} (0–${lines.length - 1})`);
    dir = dir > 0 ? -1 : 1;
    return { line, dir, sprayU: line.sprayU };
  });
}

export function sprayedLength(intervals: readonly Interval[]): number {
  return intervals.reduce((sum, [a, b]) => sum + (b - a), 0);
}

function withPieces(visit: LineVisit, pieces: Interval[]): LineVisit {
  const sprayU = pieces.filter(([a, b]) => b - a > 1e-9).sort((x, y) => x[0] - y[0]);
  return { line: visit.line, dir: visit.dir, sprayU };
}

function ordered(a: number, b: number): Interval {
  return a <= b ? [a, b] : [b, a];
}

function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const out: Interval[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function subtractIntervals(from: Interval[], remove: Interval[]): Interval[] {
  let result = mergeIntervals(from);
  for (const [ra, rb] of mergeIntervals(remove)) {
    const next: Interval[] = [];
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
