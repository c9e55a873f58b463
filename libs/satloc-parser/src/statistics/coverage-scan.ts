import { StatisticsError } from './statistics.error.js';

/** A ring in planar metres: x0, y0, x1, y1, … (not closed: the last vertex joins the first). */
export type PlanarRingXY = Float64Array<ArrayBufferLike>;

export interface CoverageScanInput {
  /** Swath footprints: each is one sprayed strip; a point is covered n times when n strips hold it. */
  swaths: readonly PlanarRingXY[];
  /** Field boundary rings (exteriors and holes of every part), read with the even–odd rule. */
  boundary: readonly PlanarRingXY[];
  /** Exclusion zones, each a list of rings (exterior, then holes). */
  exclusions: readonly (readonly PlanarRingXY[])[];
  /** Direction the rows are cut across, degrees clockwise from north: the passes' mean heading. */
  passHeadingDeg: number;
  /** Preferred row spacing along the passes; coarser when the rows would exceed `maxRows`. */
  rowStepM: number;
  maxRows: number;
  /** Collect each layer's intervals for `traceLayer` on every `layerRowEvery`-th row (0: none). */
  layerRowEvery: number;
  /** Most edge-row crossings the scan may visit before it refuses the input. */
  maxCrossings: number;
}

export interface CoverageAreas {
  treatedM2: number;
  overlapM2: number;
  insideM2: number;
  offTargetM2: number;
  /** Field area as the scan saw it (the exact one comes from the rings). */
  fieldM2: number;
  skippedM2: number;
}

export const LAYERS = ['treated', 'overlap', 'offTarget', 'skipped'] as const;
export type LayerName = (typeof LAYERS)[number];

/** Intervals [v0, v1] of one layer on each row, in the scan frame (u along the passes, v across). */
export interface LayerRows {
  /** Row centre u of each row; rows more than one step apart have nothing between them. */
  rowU: Float64Array;
  /** Row r's intervals are the v0, v1 pairs in `values[rowStart[r] .. rowStart[r + 1])`. */
  rowStart: Int32Array;
  values: Float64Array;
}

/** Appends rows of intervals without an allocation per row. */
class LayerRowsBuilder {
  private values = new Float64Array(1024);
  private length = 0;
  private rowU = new Float64Array(256);
  private rowStart = new Int32Array(257);
  private rows = 0;

  startRow(u: number): void {
    if (this.rows + 1 >= this.rowU.length) {
      this.rowU = growF(this.rowU);
      this.rowStart = grow(this.rowStart);
    }
    this.rowU[this.rows++] = u;
    this.rowStart[this.rows] = this.length;
  }

  push(v0: number, v1: number): void {
    if (this.length + 2 > this.values.length) this.values = growF(this.values);
    this.values[this.length++] = v0;
    this.values[this.length++] = v1;
    this.rowStart[this.rows] = this.length;
  }

  build(): LayerRows {
    return { rowU: this.rowU.subarray(0, this.rows), rowStart: this.rowStart.subarray(0, this.rows + 1), values: this.values.subarray(0, this.length) };
  }
}

export interface CoverageScan {
  areas: CoverageAreas;
  rowStepM: number;
  /** Distance between the rows in `layers`. */
  layerRowStepM: number;
  /** The scan frame: u = x·du + y·dv… see `toXY`. */
  frame: ScanFrame;
  layers: Record<LayerName, LayerRows> | null;
  crossings: number;
}

export class ScanFrame {
  /** Unit vector along the passes (u) and across them (v), in x (east), y (north). */
  readonly ux: number;
  readonly uy: number;
  readonly vx: number;
  readonly vy: number;

  constructor(headingDeg: number) {
    const a = (headingDeg * Math.PI) / 180;
    this.ux = Math.sin(a);
    this.uy = Math.cos(a);
    this.vx = Math.cos(a);
    this.vy = -Math.sin(a);
  }

  u(x: number, y: number): number {
    return x * this.ux + y * this.uy;
  }

  v(x: number, y: number): number {
    return x * this.vx + y * this.vy;
  }

  /** Back to planar x, y (the frame is orthonormal). */
  toX(u: number, v: number): number {
    return u * this.ux + v * this.vx;
  }

  toY(u: number, v: number): number {
    return u * this.uy + v * this.vy;
  }
}

const KIND_SWATH = 0;
const KIND_BOUNDARY = 1;
const KIND_EXCLUSION = 2;

const TREATED = 1;
const OVERLAP = 2;
const OFF_TARGET = 4;
const SKIPPED = 8;
const LAYER_BITS = [TREATED, OVERLAP, OFF_TARGET, SKIPPED];

/** Edges of every ring in the scan frame, as parallel typed arrays (no object per edge). */
class EdgeTable {
  count = 0;
  u0: Float64Array;
  u1: Float64Array;
  v0: Float64Array;
  slope: Float64Array;
  wind: Int8Array;
  kind: Uint8Array;
  owner: Int32Array;

  constructor(capacity: number) {
    this.u0 = new Float64Array(capacity);
    this.u1 = new Float64Array(capacity);
    this.v0 = new Float64Array(capacity);
    this.slope = new Float64Array(capacity);
    this.wind = new Int8Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.owner = new Int32Array(capacity);
  }

  addRing(ring: PlanarRingXY, frame: ScanFrame, kind: number, owner: number): void {
    const n = ring.length >> 1;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      const ua = frame.u(ring[2 * i], ring[2 * i + 1]);
      const va = frame.v(ring[2 * i], ring[2 * i + 1]);
      const ub = frame.u(ring[2 * j], ring[2 * j + 1]);
      const vb = frame.v(ring[2 * j], ring[2 * j + 1]);
      // Edges along a row never cross one; the rows on either side see their neighbours.
      if (ua === ub || !Number.isFinite(ua + ub + va + vb)) continue;
      const e = this.count++;
      const forward = ua < ub;
      this.u0[e] = forward ? ua : ub;
      this.u1[e] = forward ? ub : ua;
      this.v0[e] = forward ? va : vb;
      this.slope[e] = (vb - va) / (ub - ua);
      this.wind[e] = forward ? 1 : -1;
      this.kind[e] = kind;
      this.owner[e] = owner;
    }
  }
}

/** Signed shoelace area of a flat ring. */
export function flatRingArea(ring: PlanarRingXY): number {
  let sum = 0;
  const n = ring.length >> 1;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    sum += ring[2 * i] * ring[2 * j + 1] - ring[2 * j] * ring[2 * i + 1];
  }
  return sum / 2;
}

function ringVertexCount(rings: readonly PlanarRingXY[]): number {
  let n = 0;
  for (const r of rings) n += r.length >> 1;
  return n;
}

/**
 * Coverage counting by scanlines. Rows are cut across the passes every `rowStepM`; on each
 * row the swath, boundary and exclusion edges crossing it are sorted along the row and walked
 * once, keeping the number of strips over each stretch (non-zero winding per strip) and
 * whether it lies in the field. Stretch lengths times the row step give the areas.
 *
 * Why not polygon clipping: with GNSS noise the edges of neighbouring and re-flown strips
 * cross each other every few metres, and a clipper's work grows with those crossings, i.e.
 * with pairs of strips (Clipper2: 39 ms for a 250 ha log, 2.7 s when the same field is flown
 * 8 times; see bench/RESULTS.md). Here the work is the number of edge–row crossings: linear in
 * the sprayed length, and the edges along the passes are measured exactly (only edges across
 * the passes, boom on/off lines and field edges, are sampled at the row step).
 */
export function scanCoverage(input: CoverageScanInput): CoverageScan {
  const frame = new ScanFrame(input.passHeadingDeg);
  const exclusionRings = input.exclusions.flat();
  const edges = new EdgeTable(ringVertexCount(input.swaths) + ringVertexCount(input.boundary) + ringVertexCount(exclusionRings));
  input.swaths.forEach((ring, i) => edges.addRing(ring, frame, KIND_SWATH, i));
  for (const ring of input.boundary) edges.addRing(ring, frame, KIND_BOUNDARY, 0);
  input.exclusions.forEach((rings, i) => {
    for (const ring of rings) edges.addRing(ring, frame, KIND_EXCLUSION, i);
  });

  const empty: CoverageScan = {
    areas: { treatedM2: 0, overlapM2: 0, insideM2: 0, offTargetM2: 0, fieldM2: 0, skippedM2: 0 },
    rowStepM: input.rowStepM,
    layerRowStepM: input.rowStepM * input.layerRowEvery,
    frame,
    layers: input.layerRowEvery > 0 ? emptyLayers() : null,
    crossings: 0,
  };
  if (edges.count === 0) return empty;

  // Rows are only visited where there are edges: a candidate field far from the swaths must
  // neither coarsen the step nor cost rows in between.
  const swathSpan = { min: Infinity, max: -Infinity };
  const fieldSpan = { min: Infinity, max: -Infinity };
  for (let e = 0; e < edges.count; e++) {
    const span = edges.kind[e] === KIND_SWATH ? swathSpan : fieldSpan;
    if (edges.u0[e] < span.min) span.min = edges.u0[e];
    if (edges.u1[e] > span.max) span.max = edges.u1[e];
  }
  const uMin = Math.min(swathSpan.min, fieldSpan.min);
  const uMax = Math.max(swathSpan.max, fieldSpan.max);
  const h = Math.max(input.rowStepM, (spanLength(swathSpan) + spanLength(fieldSpan) - spanOverlap(swathSpan, fieldSpan)) / input.maxRows);
  let crossingEstimate = 0;
  for (let e = 0; e < edges.count; e++) crossingEstimate += (edges.u1[e] - edges.u0[e]) / h + 1;
  if (crossingEstimate > input.maxCrossings) {
    throw new StatisticsError('TOO_COMPLEX', `coverage needs ~${Math.round(crossingEstimate)} edge crossings at a ${h} m row step (limit ${input.maxCrossings})`);
  }

  const order = sortedBy(edges.u0, edges.count);
  // Rows on a grid fixed in the frame, not at the data's edge: the same swaths give the same
  // areas whatever field (or no field) they are measured against.
  const uFirst = Math.floor(uMin / h) * h;
  const rowCount = Math.max(1, Math.ceil((uMax - uFirst) / h));
  const windOf = new Int32Array(input.swaths.length);
  const exclusionParity = new Uint8Array(input.exclusions.length);
  let active = new Int32Array(64);
  let activeV = new Float64Array(64);
  let activeCount = 0;
  let next = 0;
  let crossings = 0;
  let treated = 0;
  let overlap = 0;
  let inside = 0;
  let offTarget = 0;
  let field = 0;
  let skipped = 0;

  const every = input.layerRowEvery;
  const layerRows = every > 0 ? LAYERS.map(() => new LayerRowsBuilder()) : null;
  const openAt = new Float64Array(4);

  for (let r = 0; r < rowCount; r++) {
    if (activeCount === 0) {
      if (next >= order.length) break;
      // Nothing on the rows before the next edge starts: jump to it (on the layer grid).
      const first = Math.ceil((edges.u0[order[next]] - uFirst) / h - 0.5);
      const target = every > 0 ? Math.floor(first / every) * every : first;
      if (target > r) r = target;
      if (r >= rowCount) break;
    }
    const u = uFirst + (r + 0.5) * h;
    // Drop edges that ended (half-open [u0, u1): each vertex is counted by one edge).
    let kept = 0;
    for (let i = 0; i < activeCount; i++) {
      const e = active[i];
      if (edges.u1[e] > u) {
        active[kept] = e;
        activeV[kept] = activeV[i];
        kept++;
      }
    }
    activeCount = kept;
    while (next < order.length && edges.u0[order[next]] <= u) {
      const e = order[next++];
      if (edges.u1[e] <= u) continue;
      if (activeCount === active.length) {
        active = grow(active);
        activeV = growF(activeV);
      }
      active[activeCount++] = e;
    }
    for (let i = 0; i < activeCount; i++) {
      const e = active[i];
      activeV[i] = edges.v0[e] + (u - edges.u0[e]) * edges.slope[e];
    }
    // Nearly sorted from the previous row: insertion sort is linear here.
    for (let i = 1; i < activeCount; i++) {
      const v = activeV[i];
      const e = active[i];
      let j = i - 1;
      while (j >= 0 && activeV[j] > v) {
        activeV[j + 1] = activeV[j];
        active[j + 1] = active[j];
        j--;
      }
      activeV[j + 1] = v;
      active[j + 1] = e;
    }
    crossings += activeCount;

    let cover = 0;
    let boundaryParity = 0;
    let excluded = 0;
    let state = 0;
    let lastV = 0;
    const layerRow = every > 0 && r % every === 0;
    if (layerRows !== null && layerRow) for (let l = 0; l < 4; l++) layerRows[l].startRow(u);
    for (let i = 0; i < activeCount; i++) {
      const e = active[i];
      const v = activeV[i];
      if (i > 0 && v > lastV) {
        const len = v - lastV;
        const inField = boundaryParity === 1 && excluded === 0;
        if (cover >= 1) treated += len;
        if (cover >= 2) overlap += len;
        if (inField) {
          field += len;
          if (cover >= 1) inside += len;
          else skipped += len;
        } else if (cover >= 1) offTarget += len;
      }
      const kind = edges.kind[e];
      if (kind === KIND_SWATH) {
        const owner = edges.owner[e];
        const before = windOf[owner];
        const after = before + edges.wind[e];
        windOf[owner] = after;
        if (before === 0 && after !== 0) cover++;
        else if (before !== 0 && after === 0) cover--;
      } else if (kind === KIND_BOUNDARY) {
        boundaryParity ^= 1;
      } else {
        const owner = edges.owner[e];
        exclusionParity[owner] ^= 1;
        excluded += exclusionParity[owner] === 1 ? 1 : -1;
      }
      if (layerRows !== null && layerRow) {
        const inField = boundaryParity === 1 && excluded === 0;
        const nextState = (cover >= 1 ? TREATED : 0) | (cover >= 2 ? OVERLAP : 0) | (cover >= 1 && !inField ? OFF_TARGET : 0) | (cover === 0 && inField ? SKIPPED : 0);
        const changed = nextState ^ state;
        if (changed !== 0) {
          for (let l = 0; l < 4; l++) {
            if ((changed & LAYER_BITS[l]) === 0) continue;
            if ((nextState & LAYER_BITS[l]) !== 0) openAt[l] = v;
            else if (v > openAt[l]) layerRows[l].push(openAt[l], v);
          }
          state = nextState;
        }
      }
      lastV = v;
    }
  }
  if (crossings > input.maxCrossings) {
    throw new StatisticsError('TOO_COMPLEX', `coverage needed ${crossings} edge crossings (limit ${input.maxCrossings})`);
  }

  return {
    areas: { treatedM2: treated * h, overlapM2: overlap * h, insideM2: inside * h, offTargetM2: offTarget * h, fieldM2: field * h, skippedM2: skipped * h },
    rowStepM: h,
    layerRowStepM: h * every,
    frame,
    layers: layerRows === null ? null : { treated: layerRows[0].build(), overlap: layerRows[1].build(), offTarget: layerRows[2].build(), skipped: layerRows[3].build() },
    crossings,
  };
}

function emptyLayers(): Record<LayerName, LayerRows> {
  const none = (): LayerRows => ({ rowU: new Float64Array(0), rowStart: new Int32Array(1), values: new Float64Array(0) });
  return { treated: none(), overlap: none(), offTarget: none(), skipped: none() };
}

function spanLength(span: { min: number; max: number }): number {
  return span.max > span.min ? span.max - span.min : 0;
}

function spanOverlap(a: { min: number; max: number }, b: { min: number; max: number }): number {
  return Math.max(0, Math.min(a.max, b.max) - Math.max(a.min, b.min));
}

function sortedBy(keys: Float64Array, count: number): Int32Array {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order.sort((a, b) => keys[a] - keys[b]);
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function growF(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
