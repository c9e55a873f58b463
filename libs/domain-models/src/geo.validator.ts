import { InvalidGeometryError } from './errors.js';
import type { AreaGeometry, Feature, FeatureCollection, LinearRing, Polygon, Position } from './geo.schema.js';

type GeoJsonArea = AreaGeometry | Feature | FeatureCollection;

/**
 * Rules JSON Schema cannot express, for a value that already passed its schema: every ring is
 * closed (last position equals first) and encloses an area (at least three distinct
 * positions). Returns one message per problem with the ring's JSON pointer under `basePath`,
 * e.g. `/boundary/coordinates/0: ring is not closed …`; empty when the geometry is sound.
 * Winding order is not checked (RFC 7946 says not to reject on winding); self-intersection,
 * containment and size are a job field's rules, checked by `fieldProblems`.
 */
export function geometryProblems(geometry: GeoJsonArea, basePath = ''): string[] {
  switch (geometry.type) {
    case 'Polygon':
      return polygonProblems(geometry.coordinates, `${basePath}/coordinates`);
    case 'MultiPolygon':
      return geometry.coordinates.flatMap((rings, i) => polygonProblems(rings, `${basePath}/coordinates/${i}`));
    case 'Feature':
      return geometryProblems(geometry.geometry, `${basePath}/geometry`);
    case 'FeatureCollection':
      return geometry.features.flatMap((feature, i) => geometryProblems(feature, `${basePath}/features/${i}`));
  }
}

/** Throws `InvalidGeometryError` listing every problem `geometryProblems` finds. */
export function assertValidGeometry(geometry: GeoJsonArea, basePath = ''): void {
  const problems = geometryProblems(geometry, basePath);
  if (problems.length > 0) throw new InvalidGeometryError(problems);
}

/** Problems of one ring; `path` is its JSON pointer. */
export function linearRingProblems(ring: LinearRing, path = ''): string[] {
  const where = path === '' ? '/' : path;
  if (ring.length < 4) return [`${where}: ring has ${ring.length} positions; a closed ring needs at least 4`];
  const problems: string[] = [];
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (!samePosition(first, last)) {
    problems.push(`${where}: ring is not closed: first position ${show(first)} differs from last ${show(last)}`);
  }
  const distinct = new Set(ring.map(([lon, lat]) => `${lon},${lat}`));
  if (distinct.size < 3) problems.push(`${where}: ring has ${distinct.size} distinct positions; it needs at least 3 to enclose an area`);
  return problems;
}

function polygonProblems(rings: readonly LinearRing[], path: string): string[] {
  return rings.flatMap((ring, i) => linearRingProblems(ring, `${path}/${i}`));
}

function samePosition(a: Position, b: Position): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

function show([lon, lat]: Position): string {
  return `[${lon}, ${lat}]`;
}

/** Most positions a job's boundary and exclusions may have together. Above it nothing else is checked. */
export const MAX_FIELD_POSITIONS = 5_000;
/** Smallest field area (boundary minus exclusions) a job may have, in m². */
export const MIN_FIELD_AREA_M2 = 100;
/** Largest field area (boundary minus exclusions) a job may have, in hectares. */
export const MAX_FIELD_AREA_HA = 20_000;
/** Largest east–west or north–south extent of a job's boundary, in metres. */
export const MAX_FIELD_EXTENT_M = 50_000;

/** Past this many intersection problems the rest would only repeat the point; the sweep stops. */
const MAX_TOPOLOGY_PROBLEMS = 20;
/** Touches kept between rings: real fields need a few per shared vertex, an adversarial fan millions. */
const MAX_CONTACTS = 10 * MAX_FIELD_POSITIONS;
/** Distance (degrees, ≈ 0.1 mm) under which a point counts as on a line, so a vertex snapped onto an edge touches it. */
const ON_LINE_DEG = 1e-9;
const EARTH_RADIUS_M = 6_371_008.8;
const M2_PER_HA = 10_000;

/**
 * What makes a job's field (its boundary and exclusions) workable, as messages with JSON
 * pointers under `basePath` (`/boundary/coordinates/0: …`, `/exclusions/1: …`); empty when sound:
 * - at most `MAX_FIELD_POSITIONS` positions in all — checked first, and above it nothing else is;
 * - everything `geometryProblems` checks; if that finds a problem, the rest is not checked;
 * - no ring intersects or touches itself (repeated consecutive positions are fine), no ring of
 *   a polygon crosses another of it, every hole lies inside its exterior ring, and MultiPolygon
 *   parts do not overlap (they may touch);
 * - every exclusion lies inside the boundary (it may touch it and share edges with it; one whose
 *   ring encloses a hole of the boundary is accepted);
 * - the boundary spans at most `MAX_FIELD_EXTENT_M` either way (so one crossing the antimeridian,
 *   which RFC 7946 says to cut in two, is refused), and the field's area — boundary minus
 *   exclusions, on a local equirectangular projection; overlapping exclusions count twice — is
 *   from `MIN_FIELD_AREA_M2` to `MAX_FIELD_AREA_HA`; not checked when anything above failed.
 */
export function fieldProblems(boundary: AreaGeometry, exclusions: readonly Polygon[], basePath = ''): string[] {
  const positions = areaPositions(boundary) + exclusions.reduce((sum, exclusion) => sum + areaPositions(exclusion), 0);
  if (positions > MAX_FIELD_POSITIONS) {
    const where = basePath === '' ? '/' : basePath;
    return [`${where}: boundary and exclusions have ${positions} positions together; at most ${MAX_FIELD_POSITIONS} are allowed`];
  }
  const ringProblems = [
    ...geometryProblems(boundary, `${basePath}/boundary`),
    ...exclusions.flatMap((exclusion, i) => geometryProblems(exclusion, `${basePath}/exclusions/${i}`)),
  ];
  if (ringProblems.length > 0) return ringProblems;

  const field = fieldOf(boundary, exclusions, basePath);
  const extent = extentProblems(field, `${basePath}/boundary`);
  const topology = topologyProblems(field);
  // The area of a ring that crosses itself or another means nothing, and a flat projection of a huge one little.
  const area = extent.length === 0 && topology.length === 0 ? areaProblems(field, `${basePath}/boundary`) : [];
  return [...extent, ...topology, ...area];
}

function areaPositions(geometry: AreaGeometry): number {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let count = 0;
  for (const rings of polygons) for (const ring of rings) count += ring.length;
  return count;
}

interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

interface FieldRing {
  path: string;
  /** Closed, without repeated consecutive positions. */
  points: Position[];
  polygon: number;
  box: Box;
  /** Its edges are `Field.edges[firstEdge]` to `Field.edges[firstEdge + points.length - 2]`. */
  firstEdge: number;
}

interface FieldPolygon {
  path: string;
  exclusion: boolean;
  /** Indexes into `Field.rings`, exterior first. */
  rings: number[];
}

interface Edge {
  ring: number;
  /** From `points[index]` to `points[index + 1]` of its ring. */
  index: number;
  a: Position;
  b: Position;
  box: Box;
}

interface Field {
  polygons: FieldPolygon[];
  rings: FieldRing[];
  edges: Edge[];
  /** Number of boundary polygons; exclusions follow them in `polygons`. */
  boundaryParts: number;
  boundaryPath: string;
}

function fieldOf(boundary: AreaGeometry, exclusions: readonly Polygon[], basePath: string): Field {
  const base = `${basePath}/boundary`;
  const field: Field = { polygons: [], rings: [], edges: [], boundaryParts: 0, boundaryPath: base };
  const add = (rings: readonly LinearRing[], path: string, ringPath: string, exclusion: boolean) => {
    const polygon: FieldPolygon = { path, exclusion, rings: [] };
    const polygonIndex = field.polygons.push(polygon) - 1;
    rings.forEach((ring, r) => {
      const points = withoutRepeats(ring);
      const ringIndex = field.rings.push({ path: `${ringPath}/${r}`, points, polygon: polygonIndex, box: boxOf(points), firstEdge: field.edges.length }) - 1;
      polygon.rings.push(ringIndex);
      for (let i = 0; i + 1 < points.length; i++) {
        field.edges.push({ ring: ringIndex, index: i, a: points[i], b: points[i + 1], box: boxOf([points[i], points[i + 1]]) });
      }
    });
  };
  if (boundary.type === 'Polygon') add(boundary.coordinates, base, `${base}/coordinates`, false);
  else boundary.coordinates.forEach((rings, i) => add(rings, `${base}/coordinates/${i}`, `${base}/coordinates/${i}`, false));
  field.boundaryParts = field.polygons.length;
  exclusions.forEach((exclusion, i) => add(exclusion.coordinates, `${basePath}/exclusions/${i}`, `${basePath}/exclusions/${i}/coordinates`, true));
  return field;
}

function withoutRepeats(ring: LinearRing): Position[] {
  const out: Position[] = [];
  for (const p of ring) if (out.length === 0 || !samePosition(out[out.length - 1], p)) out.push(p);
  return out;
}

function boxOf(points: readonly Position[]): Box {
  const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const [x, y] of points) {
    box.minX = Math.min(box.minX, x);
    box.minY = Math.min(box.minY, y);
    box.maxX = Math.max(box.maxX, x);
    box.maxY = Math.max(box.maxY, y);
  }
  return box;
}

function boxesMeet(a: Box, b: Box): boolean {
  return a.minX <= b.maxX + ON_LINE_DEG && b.minX <= a.maxX + ON_LINE_DEG && a.minY <= b.maxY + ON_LINE_DEG && b.minY <= a.maxY + ON_LINE_DEG;
}

function inBox([x, y]: Position, box: Box): boolean {
  return x >= box.minX - ON_LINE_DEG && x <= box.maxX + ON_LINE_DEG && y >= box.minY - ON_LINE_DEG && y <= box.maxY + ON_LINE_DEG;
}

/** Planar metres around the boundary's centre: equirectangular, longitude scaled by cos(latitude). */
interface Projection {
  lon0: number;
  lat0: number;
  /** Metres per degree of longitude and of latitude. */
  kx: number;
  ky: number;
}

function projectionOf(box: Box): Projection {
  const lat0 = (box.minY + box.maxY) / 2;
  const ky = (Math.PI / 180) * EARTH_RADIUS_M;
  return { lon0: (box.minX + box.maxX) / 2, lat0, kx: ky * Math.cos((lat0 * Math.PI) / 180), ky };
}

function boundaryBox(field: Field): Box {
  return boxOf(field.polygons.slice(0, field.boundaryParts).flatMap((polygon) => field.rings[polygon.rings[0]].points));
}

function extentProblems(field: Field, path: string): string[] {
  const box = boundaryBox(field);
  const projection = projectionOf(box);
  const problems: string[] = [];
  const width = (box.maxX - box.minX) * projection.kx;
  const height = (box.maxY - box.minY) * projection.ky;
  if (width > MAX_FIELD_EXTENT_M) {
    const antimeridian = box.maxX - box.minX > 180 ? ' (a boundary crossing the antimeridian must be cut in two there, as RFC 7946 says)' : '';
    problems.push(`${path}: the boundary is ${km(width)} km wide (east–west); at most ${km(MAX_FIELD_EXTENT_M)} km is allowed${antimeridian}`);
  }
  if (height > MAX_FIELD_EXTENT_M) {
    problems.push(`${path}: the boundary is ${km(height)} km tall (north–south); at most ${km(MAX_FIELD_EXTENT_M)} km is allowed`);
  }
  return problems;
}

function areaProblems(field: Field, path: string): string[] {
  const projection = projectionOf(boundaryBox(field));
  let area = 0;
  for (const [i, polygon] of field.polygons.entries()) {
    const [exterior, ...holes] = polygon.rings.map((r) => ringAreaM2(field.rings[r].points, projection));
    const polygonArea = exterior - holes.reduce((sum, hole) => sum + hole, 0);
    area += i < field.boundaryParts ? polygonArea : -polygonArea;
  }
  const what = 'the field area (boundary minus exclusions)';
  if (area < MIN_FIELD_AREA_M2) return [`${path}: ${what} is ${round(Math.max(area, 0), 1)} m²; at least ${MIN_FIELD_AREA_M2} m² is needed`];
  if (area > MAX_FIELD_AREA_HA * M2_PER_HA) return [`${path}: ${what} is ${round(area / M2_PER_HA, 1)} ha; at most ${MAX_FIELD_AREA_HA} ha is allowed`];
  return [];
}

/** Shoelace area of a closed ring, in m², whatever its winding. */
function ringAreaM2(points: readonly Position[], { lon0, lat0, kx, ky }: Projection): number {
  let twice = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const x1 = (points[i][0] - lon0) * kx;
    const y1 = (points[i][1] - lat0) * ky;
    const x2 = (points[i + 1][0] - lon0) * kx;
    const y2 = (points[i + 1][1] - lat0) * ky;
    twice += x1 * y2 - x2 * y1;
  }
  return Math.abs(twice) / 2;
}

/** A place where two edges meet without crossing: a point (`t0 === t1`) or a shared stretch, as parameters along the edge. */
interface Contact {
  /** The other edge's ring. */
  ring: number;
  t0: number;
  t1: number;
}

type Hit =
  | { kind: 'cross'; at: Position }
  | { kind: 'touch'; at: Position; s: number; t: number }
  | { kind: 'overlap'; at: Position; s: readonly [number, number]; t: readonly [number, number] };

/** Which rule a pair of rings is under: one ring, two rings of one polygon, two boundary parts, an exclusion and the boundary. */
type Pairing = 'self' | 'sibling' | 'parts' | 'exclusion' | 'none';

function pairingOf(field: Field, r1: number, r2: number): Pairing {
  if (r1 === r2) return 'self';
  const ring1 = field.rings[r1];
  const ring2 = field.rings[r2];
  if (ring1.polygon === ring2.polygon) return 'sibling';
  const x1 = field.polygons[ring1.polygon].exclusion;
  const x2 = field.polygons[ring2.polygon].exclusion;
  if (!x1 && !x2) return 'parts';
  // Exclusions may overlap one another, and an exclusion's holes are inside it, so only its exterior meets the boundary.
  if (x1 !== x2 && isExterior(field, x1 ? r1 : r2)) return 'exclusion';
  return 'none';
}

function isExterior(field: Field, ring: number): boolean {
  return field.polygons[field.rings[ring].polygon].rings[0] === ring;
}

class ProblemList {
  readonly messages: string[] = [];
  private readonly keys = new Set<string>();
  /** Rings found to intersect themselves. */
  readonly selfIntersecting = new Set<number>();

  get full(): boolean {
    return this.messages.length >= MAX_TOPOLOGY_PROBLEMS;
  }

  add(key: string, message: string): void {
    if (this.full || this.keys.has(key)) return;
    this.keys.add(key);
    this.messages.push(message);
  }
}

function topologyProblems(field: Field): string[] {
  const problems = new ProblemList();
  const contacts = sweep(field, problems);
  // Point location needs simple rings; a crossing already reported between rings keeps its key, so it is not repeated.
  if (problems.selfIntersecting.size === 0 && !problems.full) {
    if (contacts === null) {
      problems.add('contacts', `${field.boundaryPath}: rings touch one another in more than ${MAX_CONTACTS} places; simplify the geometry`);
    } else {
      containmentProblems(field, contacts, problems);
    }
  }
  if (problems.full) problems.messages.push(`${field.boundaryPath}: further geometry problems not listed (first ${MAX_TOPOLOGY_PROBLEMS} shown)`);
  return problems.messages;
}

/**
 * Finds the edges that meet, without testing every pair: edges sorted by their smallest x, and
 * each compared only with the following edges whose x-range starts before its own ends and whose
 * y-ranges overlap (sort and sweep). Near-linear for real fields; still quadratic for an
 * adversarial ring of long edges that all overlap, which the position cap bounds (5 000
 * positions: at most ~12.5 M cheap pair tests). Intersections become problems; touches between
 * rings whose relation matters are returned per edge for the containment tests (null when there
 * are more than `MAX_CONTACTS`).
 */
function sweep(field: Field, problems: ProblemList): Map<number, Contact[]> | null {
  const { edges, rings } = field;
  const order = edges.map((_, i) => i).sort((i, j) => edges[i].box.minX - edges[j].box.minX);
  const contacts = new Map<number, Contact[]>();
  let contactCount = 0;
  // Pairs of rings already reported: one finding per pair, and no more tests of them.
  const reported = new Set<number>();
  const pairKey = (r1: number, r2: number) => Math.min(r1, r2) * rings.length + Math.max(r1, r2);
  const note = (edge: number, contact: Contact) => {
    const list = contacts.get(edge);
    if (list) list.push(contact);
    else contacts.set(edge, [contact]);
  };
  for (let oi = 0; oi < order.length && !problems.full; oi++) {
    const si = order[oi];
    const s = edges[si];
    for (let oj = oi + 1; oj < order.length; oj++) {
      const ti = order[oj];
      const t = edges[ti];
      if (t.box.minX > s.box.maxX + ON_LINE_DEG) break;
      if (t.box.minY > s.box.maxY + ON_LINE_DEG || t.box.maxY < s.box.minY - ON_LINE_DEG) continue;
      const pairing = pairingOf(field, s.ring, t.ring);
      if (pairing === 'none' || reported.has(pairKey(s.ring, t.ring))) continue;
      const hit = intersection(s, t);
      if (hit === null) continue;
      if (pairing === 'self') {
        if (adjacent(field, s, t) && hit.kind !== 'overlap') continue;
        const ring = rings[s.ring];
        problems.selfIntersecting.add(s.ring);
        reported.add(pairKey(s.ring, s.ring));
        const how = hit.kind === 'cross' ? 'edges cross at' : hit.kind === 'touch' ? 'it touches itself at' : 'edges overlap from';
        problems.add(`self:${s.ring}`, `${ring.path}: ring is self-intersecting: ${how} ${showPoint(hit.at)}`);
        continue;
      }
      if (hit.kind === 'cross') {
        reported.add(pairKey(s.ring, t.ring));
        crossingProblem(field, s.ring, t.ring, pairing, hit.at, problems);
        continue;
      }
      if (contactCount >= MAX_CONTACTS) return null;
      contactCount++;
      if (hit.kind === 'touch') {
        note(si, { ring: t.ring, t0: hit.s, t1: hit.s });
        note(ti, { ring: s.ring, t0: hit.t, t1: hit.t });
      } else {
        note(si, { ring: t.ring, t0: hit.s[0], t1: hit.s[1] });
        note(ti, { ring: s.ring, t0: hit.t[0], t1: hit.t[1] });
      }
    }
  }
  return contacts;
}

/** Edges next to each other in one ring share a vertex; only doubling back over each other is wrong. */
function adjacent(field: Field, s: Edge, t: Edge): boolean {
  const last = field.rings[s.ring].points.length - 2;
  const [lo, hi] = s.index < t.index ? [s.index, t.index] : [t.index, s.index];
  return hi - lo === 1 || (lo === 0 && hi === last);
}

function crossingProblem(field: Field, r1: number, r2: number, pairing: Exclude<Pairing, 'self' | 'none'>, at: Position, problems: ProblemList): void {
  const [first, second] = r1 < r2 ? [field.rings[r1], field.rings[r2]] : [field.rings[r2], field.rings[r1]];
  const [p1, p2] = [field.polygons[first.polygon], field.polygons[second.polygon]];
  // Keys match those of containmentProblems, so a crossing is not reported again as "not inside".
  if (pairing === 'sibling') {
    const [low, high] = r1 < r2 ? [r1, r2] : [r2, r1];
    const exterior = isExterior(field, low);
    problems.add(exterior ? `hole:${high}` : `holes:${low}:${high}`, `${second.path}: hole crosses ${exterior ? 'its exterior ring' : 'hole'} ${first.path} at ${showPoint(at)}`);
  } else if (pairing === 'parts') {
    problems.add(`parts:${first.polygon}:${second.polygon}`, `${p2.path}: MultiPolygon part overlaps part ${p1.path} (edges cross at ${showPoint(at)})`);
  } else {
    const [exclusion, index, ring] = p1.exclusion ? [p1, first.polygon, second] : [p2, second.polygon, first];
    problems.add(`exclusion:${index}`, `${exclusion.path}: exclusion crosses the boundary (ring ${ring.path}) at ${showPoint(at)}; it must lie inside the boundary`);
  }
}

/** Holes inside their exterior, parts apart, exclusions inside the boundary; every ring is simple and no two cross. */
function containmentProblems(field: Field, contacts: Map<number, Contact[]>, problems: ProblemList): void {
  const { polygons, rings } = field;
  for (const polygon of polygons) {
    const [exterior, ...holes] = polygon.rings;
    for (const hole of holes) {
      if (problems.full) return;
      const inExterior = placesOf(field, contacts, hole, (r) => r === exterior, (p) => locateInRing(p, rings[exterior]));
      if (inExterior.outside || !inExterior.inside) {
        problems.add(`hole:${hole}`, `${rings[hole].path}: hole is not inside its exterior ring ${rings[exterior].path}`);
      }
    }
  }
  const parts = polygons.slice(0, field.boundaryParts);
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j < parts.length; j++) {
      if (problems.full) return;
      if (!boxesMeet(rings[parts[i].rings[0]].box, rings[parts[j].rings[0]].box)) continue;
      if (reachesInto(field, contacts, parts[j], parts[i]) || reachesInto(field, contacts, parts[i], parts[j])) {
        problems.add(`parts:${i}:${j}`, `${parts[j].path}: MultiPolygon part overlaps part ${parts[i].path}`);
      }
    }
  }
  const isBoundaryRing = (r: number) => rings[r].polygon < field.boundaryParts;
  for (let x = field.boundaryParts; x < polygons.length; x++) {
    if (problems.full) return;
    const places = placesOf(field, contacts, polygons[x].rings[0], isBoundaryRing, (p) => locateInArea(field, parts, p));
    if (!places.inside && !places.on) problems.add(`exclusion:${x}`, `${polygons[x].path}: exclusion lies outside the boundary`);
    else if (places.outside) problems.add(`exclusion:${x}`, `${polygons[x].path}: exclusion lies partly outside the boundary`);
  }
}

/** Does part `a`'s exterior reach into part `b`'s area (or coincide with `b`'s exterior)? */
function reachesInto(field: Field, contacts: Map<number, Contact[]>, a: FieldPolygon, b: FieldPolygon): boolean {
  const inB = (r: number) => field.rings[r].polygon === field.rings[b.rings[0]].polygon;
  const places = placesOf(field, contacts, a.rings[0], inB, (p) => locateInPolygon(field, b, p));
  if (places.inside) return true;
  if (places.outside) return false;
  // Every piece of a's exterior lies on b's rings: the same ring as b's exterior, or an island filling one of b's holes.
  const exterior = b.rings[0];
  const onExterior = placesOf(field, contacts, a.rings[0], (r) => r === exterior, (p) => locateInRing(p, field.rings[exterior]));
  return !onExterior.inside && !onExterior.outside;
}

type Place = 'inside' | 'outside' | 'on';

/**
 * Where ring `ring` lies relative to an area whose rings are `isTarget` and whose point location
 * is `locate`. With no crossings between them, the ring can change side only where it touches
 * a target ring, so its edges are cut at the recorded contacts and one point of each piece
 * tested; without contacts one vertex decides.
 */
function placesOf(
  field: Field,
  contacts: Map<number, Contact[]>,
  ring: number,
  isTarget: (ring: number) => boolean,
  locate: (p: Position) => Place,
): Record<Place, boolean> {
  const places = { inside: false, outside: false, on: false };
  const { firstEdge, points } = field.rings[ring];
  const edges = Array.from({ length: points.length - 1 }, (_, k) => firstEdge + k);
  const touching = edges.map((e) => (contacts.get(e) ?? []).filter((c) => isTarget(c.ring)));
  if (touching.every((list) => list.length === 0)) {
    places[locate(points[0])] = true;
    return places;
  }
  edges.forEach((e, k) => {
    const { a, b } = field.edges[e];
    const cuts = [...new Set([0, 1, ...touching[k].flatMap((c) => [c.t0, c.t1])])].sort((u, v) => u - v);
    for (let c = 0; c + 1 < cuts.length; c++) {
      const [u, v] = [cuts[c], cuts[c + 1]];
      if (v - u < 1e-12) continue;
      if (touching[k].some((contact) => contact.t0 <= u + 1e-12 && contact.t1 >= v - 1e-12)) {
        places.on = true;
        continue;
      }
      const m = (u + v) / 2;
      places[locate([a[0] + m * (b[0] - a[0]), a[1] + m * (b[1] - a[1])])] = true;
    }
  });
  return places;
}

/** Winding-number point location, with "on" for a point within `ON_LINE_DEG` of an edge. */
function locateInRing(p: Position, ring: FieldRing): Place {
  if (!inBox(p, ring.box)) return 'outside';
  const [x, y] = p;
  const points = ring.points;
  let winding = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i];
    const b = points[i + 1];
    // An edge wholly north, south or west of p neither carries p nor crosses its eastward ray.
    if ((a[1] < y - ON_LINE_DEG && b[1] < y - ON_LINE_DEG) || (a[1] > y + ON_LINE_DEG && b[1] > y + ON_LINE_DEG)) continue;
    if (a[0] < x - ON_LINE_DEG && b[0] < x - ON_LINE_DEG) continue;
    const side = orientation(a, b, p);
    if (side === 0 && (a[0] <= x + ON_LINE_DEG || b[0] <= x + ON_LINE_DEG)) return 'on';
    if (a[1] <= p[1]) {
      if (b[1] > p[1] && side > 0) winding++;
    } else if (b[1] <= p[1] && side < 0) {
      winding--;
    }
  }
  return winding === 0 ? 'outside' : 'inside';
}

function locateInPolygon(field: Field, polygon: FieldPolygon, p: Position): Place {
  const [exterior, ...holes] = polygon.rings;
  const place = locateInRing(p, field.rings[exterior]);
  if (place !== 'inside') return place;
  for (const hole of holes) {
    const inHole = locateInRing(p, field.rings[hole]);
    if (inHole === 'on') return 'on';
    if (inHole === 'inside') return 'outside';
  }
  return 'inside';
}

function locateInArea(field: Field, parts: readonly FieldPolygon[], p: Position): Place {
  let on = false;
  for (const part of parts) {
    const place = locateInPolygon(field, part, p);
    if (place === 'inside') return 'inside';
    if (place === 'on') on = true;
  }
  return on ? 'on' : 'outside';
}

/** Sign of the turn a → b → p: 1 left, -1 right, 0 when p is within `ON_LINE_DEG` of the line. */
function orientation(a: Position, b: Position, p: Position): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const cross = dx * (p[1] - a[1]) - dy * (p[0] - a[0]);
  if (cross * cross <= ON_LINE_DEG * ON_LINE_DEG * (dx * dx + dy * dy)) return 0;
  return cross > 0 ? 1 : -1;
}

/** Where along edge `e` (0 at `a`, 1 at `b`) point `p` on it lies. */
function parameter(e: Edge, p: Position): number {
  const dx = e.b[0] - e.a[0];
  const dy = e.b[1] - e.a[1];
  return Math.min(1, Math.max(0, ((p[0] - e.a[0]) * dx + (p[1] - e.a[1]) * dy) / (dx * dx + dy * dy)));
}

function intersection(s: Edge, t: Edge): Hit | null {
  const o1 = orientation(s.a, s.b, t.a);
  const o2 = orientation(s.a, s.b, t.b);
  if (o1 === 0 && o2 === 0) return collinearHit(s, t);
  const o3 = orientation(t.a, t.b, s.a);
  const o4 = orientation(t.a, t.b, s.b);
  if (o1 * o2 < 0 && o3 * o4 < 0) {
    const dx = s.b[0] - s.a[0];
    const dy = s.b[1] - s.a[1];
    const ex = t.b[0] - t.a[0];
    const ey = t.b[1] - t.a[1];
    const u = ((t.a[0] - s.a[0]) * ey - (t.a[1] - s.a[1]) * ex) / (dx * ey - dy * ex);
    return { kind: 'cross', at: [s.a[0] + u * dx, s.a[1] + u * dy] };
  }
  const touch = (at: Position): Hit => ({ kind: 'touch', at, s: parameter(s, at), t: parameter(t, at) });
  if (o1 === 0 && inBox(t.a, s.box)) return touch(t.a);
  if (o2 === 0 && inBox(t.b, s.box)) return touch(t.b);
  if (o3 === 0 && inBox(s.a, t.box)) return touch(s.a);
  if (o4 === 0 && inBox(s.b, t.box)) return touch(s.b);
  return null;
}

/** Two edges on one line: nothing, one shared end point, or a shared stretch. */
function collinearHit(s: Edge, t: Edge): Hit | null {
  const axis = Math.abs(s.b[0] - s.a[0]) >= Math.abs(s.b[1] - s.a[1]) ? 0 : 1;
  const along = (p: Position) => p[axis];
  const [s0, s1] = along(s.a) <= along(s.b) ? [s.a, s.b] : [s.b, s.a];
  const [t0, t1] = along(t.a) <= along(t.b) ? [t.a, t.b] : [t.b, t.a];
  const start = along(s0) >= along(t0) ? s0 : t0;
  const end = along(s1) <= along(t1) ? s1 : t1;
  if (along(start) > along(end)) return null;
  if (along(start) === along(end)) return { kind: 'touch', at: start, s: parameter(s, start), t: parameter(t, start) };
  const span = (e: Edge): [number, number] => {
    const u = parameter(e, start);
    const v = parameter(e, end);
    return u <= v ? [u, v] : [v, u];
  };
  return { kind: 'overlap', at: start, s: span(s), t: span(t) };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A computed point, to 7 decimals (≈ 1 cm). */
function showPoint([lon, lat]: Position): string {
  return show([round(lon, 7), round(lat, 7)]);
}

function km(metres: number): number {
  return round(metres / 1000, 1);
}
