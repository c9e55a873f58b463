import type { LayerRows, ScanFrame } from './coverage-scan.js';
import type { XY } from './planar-geometry.js';

/** One traced piece: a ring in planar x, y (closed implicitly). */
export type TracedRing = XY[];

interface Piece {
  /** u, v pairs (flat) along the left and right ends of the piece's intervals, row by row. */
  left: number[];
  right: number[];
  lastA: number;
  lastB: number;
  lastU: number;
}

/**
 * Turns one layer's row intervals into polygons. Consecutive rows' intervals that overlap one
 * to one are joined into the same piece (their ends become its left and right outlines); where
 * intervals merge or split, the pieces there end half a row after their last row and new ones
 * start half a row before, so the pieces tile the layer without gaps. Each outline is then
 * simplified (Douglas–Peucker at `toleranceM`). Work is linear in the number of intervals.
 */
export function traceLayer(rows: LayerRows, rowStepM: number, frame: ScanFrame, toleranceM: number): TracedRing[] {
  const half = rowStepM / 2;
  const done: TracedRing[] = [];
  let open: Piece[] = [];
  let next: Piece[] = [];
  let matchesOfOpen = new Int32Array(64);
  let matchesOfNew = new Int32Array(64);
  let partnerOfNew = new Int32Array(64);
  const close = (piece: Piece): void => {
    piece.left.push(piece.lastU + half, piece.lastA);
    piece.right.push(piece.lastU + half, piece.lastB);
    done.push(toRing(piece, frame, toleranceM));
  };
  const { rowU, rowStart, values } = rows;
  for (let r = 0; r + 1 < rowStart.length; r++) {
    const u = rowU[r];
    // A jump over empty rows ends every piece.
    if (r > 0 && u - rowU[r - 1] > 1.5 * rowStepM) {
      for (const piece of open) close(piece);
      open = [];
    }
    const base = rowStart[r];
    const count = (rowStart[r + 1] - base) >> 1;
    if (open.length > matchesOfOpen.length) matchesOfOpen = new Int32Array(2 * open.length);
    if (count > matchesOfNew.length) {
      matchesOfNew = new Int32Array(2 * count);
      partnerOfNew = new Int32Array(2 * count);
    }
    matchesOfOpen.fill(0, 0, open.length);
    matchesOfNew.fill(0, 0, count);
    // Two-pointer walk: both lists are sorted and their intervals disjoint.
    for (let i = 0, j = 0; i < open.length && j < count; ) {
      const piece = open[i];
      const d = values[base + 2 * j + 1];
      if (piece.lastA < d && values[base + 2 * j] < piece.lastB) {
        matchesOfOpen[i]++;
        matchesOfNew[j]++;
        partnerOfNew[j] = i;
      }
      if (piece.lastB < d) i++;
      else j++;
    }
    next.length = 0;
    for (let j = 0; j < count; j++) {
      const a = values[base + 2 * j];
      const b = values[base + 2 * j + 1];
      const p = partnerOfNew[j];
      if (matchesOfNew[j] === 1 && matchesOfOpen[p] === 1) {
        const piece = open[p];
        piece.left.push(u, a);
        piece.right.push(u, b);
        piece.lastA = a;
        piece.lastB = b;
        piece.lastU = u;
        matchesOfOpen[p] = -1;
        next.push(piece);
      } else {
        next.push({ left: [u - half, a, u, a], right: [u - half, b, u, b], lastA: a, lastB: b, lastU: u });
      }
    }
    for (let i = 0; i < open.length; i++) if (matchesOfOpen[i] !== -1) close(open[i]);
    [open, next] = [next, open];
  }
  for (const piece of open) close(piece);
  return done;
}

function toRing(piece: Piece, frame: ScanFrame, toleranceM: number): TracedRing {
  const ring: TracedRing = [];
  const left = piece.left;
  const right = piece.right;
  for (const i of keptVertices(left, toleranceM)) ring.push([frame.toX(left[i], left[i + 1]), frame.toY(left[i], left[i + 1])]);
  const rightKept = keptVertices(right, toleranceM);
  for (let k = rightKept.length - 1; k >= 0; k--) {
    const i = rightKept[k];
    ring.push([frame.toX(right[i], right[i + 1]), frame.toY(right[i], right[i + 1])]);
  }
  return ring;
}

/** Douglas–Peucker over a flat u, v polyline; returns the kept vertices' offsets in order. */
function keptVertices(line: readonly number[], toleranceM: number): number[] {
  const n = line.length >> 1;
  if (n <= 2) return n === 2 ? [0, 2] : [0];
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const stack: number[] = [0, n - 1];
  const tol2 = toleranceM * toleranceM;
  while (stack.length > 0) {
    const last = stack.pop() as number;
    const first = stack.pop() as number;
    const ax = line[2 * first];
    const ay = line[2 * first + 1];
    const dx = line[2 * last] - ax;
    const dy = line[2 * last + 1] - ay;
    const len2 = dx * dx + dy * dy;
    let worst = -1;
    let worstD2 = tol2;
    for (let i = first + 1; i < last; i++) {
      const px = line[2 * i] - ax;
      const py = line[2 * i + 1] - ay;
      let t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - t * dx;
      const ey = py - t * dy;
      const d2 = ex * ex + ey * ey;
      if (d2 > worstD2) {
        worstD2 = d2;
        worst = i;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push(first, worst, worst, last);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i] === 1) out.push(2 * i);
  return out;
}
