import { describe, expect, it } from 'vitest';
import type { AreaGeometry, LinearRing, Polygon, Position } from './geo.schema.js';
import { MAX_FIELD_POSITIONS, fieldProblems } from './geo.validator.js';

/*
 * Fields are drawn in metres east and north of a point in Kansas, so areas and extents are
 * easy to read; `at` converts to [lon, lat] the same way for every ring, so a vertex two rings
 * share is the same pair of numbers.
 */
const LON0 = -97.5;
const LAT0 = 38.5;
const M_PER_DEG_LAT = 111_195;

function at(x: number, y: number, lon0 = LON0, lat0 = LAT0): Position {
  return [lon0 + x / (M_PER_DEG_LAT * Math.cos((lat0 * Math.PI) / 180)), lat0 + y / M_PER_DEG_LAT];
}

/** A closed ring through points given in metres. */
function ring(...points: [number, number][]): LinearRing {
  return [...points, points[0]].map(([x, y]) => at(x, y));
}

function rect(x: number, y: number, width: number, height: number): LinearRing {
  return ring([x, y], [x + width, y], [x + width, y + height], [x, y + height]);
}

function circle(cx: number, cy: number, radius: number, vertices: number): LinearRing {
  return ring(...Array.from({ length: vertices }, (_, i): [number, number] => {
    const angle = (2 * Math.PI * i) / vertices;
    return [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)];
  }));
}

const polygon = (...rings: LinearRing[]): Polygon => ({ type: 'Polygon', coordinates: rings });
const multi = (...parts: LinearRing[][]): AreaGeometry => ({ type: 'MultiPolygon', coordinates: parts });

// An 800 m × 500 m field (40 ha).
const square = polygon(rect(0, 0, 800, 500));

describe('fieldProblems: sound fields', () => {
  it('accepts a 500-vertex circular field (≈ 50 ha) with three exclusions', () => {
    const boundary = polygon(circle(0, 0, 400, 500));
    const exclusions = [polygon(circle(100, 100, 30, 24)), polygon(rect(-200, -50, 60, 40)), polygon(ring([0, -300], [50, -250], [-40, -260]))];
    expect(fieldProblems(boundary, exclusions)).toEqual([]);
  });

  it('accepts a concave (U-shaped) field with an exclusion in one arm, and a hole', () => {
    const u = ring([0, 0], [600, 0], [600, 500], [400, 500], [400, 150], [200, 150], [200, 500], [0, 500]);
    expect(fieldProblems(polygon(u), [polygon(rect(450, 250, 100, 100))])).toEqual([]);
    expect(fieldProblems(polygon(u, rect(50, 50, 100, 300)), [])).toEqual([]);
  });

  it('accepts repeated consecutive positions', () => {
    const [a, b, c, d] = rect(0, 0, 800, 500);
    expect(fieldProblems(polygon([a, a, b, c, c, c, d, a, a]), [])).toEqual([]);
  });

  it('accepts exclusions that touch the boundary or share an edge with it, and exclusions that overlap each other', () => {
    const strip = polygon(rect(0, 0, 800, 30)); // a buffer strip along the south edge
    const corner = polygon(ring([800, 500], [700, 500], [750, 450])); // a triangle in the north-east corner
    const onEdge = polygon(ring([400, 0], [450, 60], [350, 60])); // a vertex on the south edge
    const overlapping = [polygon(rect(100, 100, 100, 100)), polygon(rect(150, 150, 100, 100))];
    expect(fieldProblems(square, [strip, corner, onEdge, ...overlapping])).toEqual([]);
  });

  it('accepts a hole touching its exterior at one point', () => {
    expect(fieldProblems(polygon(rect(0, 0, 800, 500), ring([400, 0], [450, 100], [350, 100])), [])).toEqual([]);
  });

  it('accepts MultiPolygon parts that are apart, touch along an edge, or sit as an island in a hole', () => {
    expect(fieldProblems(multi([rect(0, 0, 200, 200)], [rect(300, 0, 200, 200)]), [])).toEqual([]);
    expect(fieldProblems(multi([rect(0, 0, 200, 200)], [rect(200, 0, 200, 200)]), [])).toEqual([]);
    expect(fieldProblems(multi([rect(0, 0, 600, 600), rect(200, 200, 200, 200)], [rect(250, 250, 100, 100)]), [])).toEqual([]);
  });

  it('accepts a field near the antimeridian', () => {
    const near = [at(0, 0, 179.99, -17), at(500, 0, 179.99, -17), at(500, 500, 179.99, -17), at(0, 500, 179.99, -17), at(0, 0, 179.99, -17)];
    expect(near.every(([lon]) => lon > 179.99 - 1e-9 && lon < 180)).toBe(true);
    expect(fieldProblems(polygon(near), [])).toEqual([]);
  });
});

describe('fieldProblems: rings that intersect', () => {
  it('refuses a bow-tie boundary, naming the ring and the crossing', () => {
    const bowTie = ring([0, 0], [800, 500], [800, 0], [0, 500]);
    expect(fieldProblems(polygon(bowTie), [])).toEqual([
      expect.stringMatching(/^\/boundary\/coordinates\/0: ring is self-intersecting: edges cross at \[-97\.49\d+, 38\.50\d+\]$/),
    ]);
  });

  it('refuses a ring that touches itself at a vertex (a figure eight)', () => {
    const eight = ring([0, 0], [400, 0], [200, 250], [400, 500], [0, 500], [200, 250]);
    expect(fieldProblems(polygon(eight), [])).toEqual([expect.stringMatching(/^\/boundary\/coordinates\/0: ring is self-intersecting: it touches itself at /)]);
  });

  it('refuses a ring with a vertex on one of its own edges, and one that doubles back on itself', () => {
    const pinched = ring([0, 0], [800, 0], [800, 500], [400, 0], [0, 500]);
    expect(fieldProblems(polygon(pinched), [])).toEqual([expect.stringContaining('/boundary/coordinates/0: ring is self-intersecting: it touches itself')]);
    const spike = ring([0, 0], [800, 0], [900, 0], [800, 0], [800, 500], [0, 500]);
    expect(fieldProblems(polygon(spike), [])).toEqual([expect.stringContaining('/boundary/coordinates/0: ring is self-intersecting')]);
    // Doubling back without revisiting a vertex: east to 900 m, back west to 600 m.
    const back = ring([0, 0], [900, 0], [600, 0], [600, 500], [0, 500]);
    expect(fieldProblems(polygon(back), [])).toEqual([expect.stringContaining('/boundary/coordinates/0: ring is self-intersecting')]);
  });

  it('refuses a self-intersecting exclusion or hole, with its path', () => {
    const bowTie = ring([100, 100], [200, 200], [200, 100], [100, 200]);
    expect(fieldProblems(square, [polygon(rect(10, 10, 20, 20)), polygon(bowTie)])).toEqual([
      expect.stringMatching(/^\/exclusions\/1\/coordinates\/0: ring is self-intersecting/),
    ]);
    expect(fieldProblems(polygon(rect(0, 0, 800, 500), bowTie), [])).toEqual([expect.stringMatching(/^\/boundary\/coordinates\/1: ring is self-intersecting/)]);
  });

  it('refuses a hole crossing its exterior, and a hole outside it', () => {
    expect(fieldProblems(polygon(rect(0, 0, 800, 500), rect(700, 100, 200, 100)), [])).toEqual([
      expect.stringMatching(/^\/boundary\/coordinates\/1: hole crosses its exterior ring \/boundary\/coordinates\/0 at /),
    ]);
    expect(fieldProblems(polygon(rect(0, 0, 800, 500), rect(900, 100, 200, 100)), [])).toEqual([
      '/boundary/coordinates/1: hole is not inside its exterior ring /boundary/coordinates/0',
    ]);
  });

  it('refuses two holes that cross', () => {
    expect(fieldProblems(polygon(rect(0, 0, 800, 500), rect(100, 100, 100, 100), rect(150, 150, 100, 100)), [])).toEqual([
      expect.stringMatching(/^\/boundary\/coordinates\/2: hole crosses hole \/boundary\/coordinates\/1 at /),
    ]);
  });

  it('refuses MultiPolygon parts that cross, nest, or repeat', () => {
    expect(fieldProblems(multi([rect(0, 0, 200, 200)], [rect(100, 100, 200, 200)]), [])).toEqual([
      expect.stringMatching(/^\/boundary\/coordinates\/1: MultiPolygon part overlaps part \/boundary\/coordinates\/0 \(edges cross at /),
    ]);
    expect(fieldProblems(multi([rect(0, 0, 600, 600)], [rect(200, 200, 100, 100)]), [])).toEqual([
      '/boundary/coordinates/1: MultiPolygon part overlaps part /boundary/coordinates/0',
    ]);
    expect(fieldProblems(multi([rect(0, 0, 200, 200)], [rect(0, 0, 200, 200)]), [])).toEqual([
      '/boundary/coordinates/1: MultiPolygon part overlaps part /boundary/coordinates/0',
    ]);
    // Two squares sharing their top and bottom lines: no edge crosses, but they overlap.
    expect(fieldProblems(multi([rect(0, 0, 200, 200)], [rect(100, 0, 200, 200)]), [])).toEqual([
      '/boundary/coordinates/1: MultiPolygon part overlaps part /boundary/coordinates/0',
    ]);
  });
});

describe('fieldProblems: exclusions', () => {
  it('refuses an exclusion partly outside the boundary', () => {
    expect(fieldProblems(square, [polygon(rect(100, 100, 50, 50)), polygon(rect(750, 200, 100, 100))])).toEqual([
      expect.stringMatching(/^\/exclusions\/1: exclusion crosses the boundary \(ring \/boundary\/coordinates\/0\) at \[.*\]; it must lie inside the boundary$/),
    ]);
  });

  it('refuses an exclusion partly outside that meets the boundary only at its vertices', () => {
    const kite = ring([200, 0], [400, -100], [600, 0], [400, 300]);
    expect(fieldProblems(square, [polygon(kite)])).toEqual(['/exclusions/0: exclusion lies partly outside the boundary']);
  });

  it('refuses an exclusion bridging the notch of a U-shaped field', () => {
    const u = ring([0, 0], [600, 0], [600, 500], [400, 500], [400, 150], [200, 150], [200, 500], [0, 500]);
    expect(fieldProblems(polygon(u), [polygon(rect(100, 300, 400, 100))])).toEqual([expect.stringMatching(/^\/exclusions\/0: exclusion crosses the boundary/)]);
  });

  it('refuses an exclusion wholly outside the boundary, or in a hole of it, or touching it from outside', () => {
    expect(fieldProblems(square, [polygon(rect(1000, 100, 50, 50))])).toEqual(['/exclusions/0: exclusion lies outside the boundary']);
    expect(fieldProblems(polygon(rect(0, 0, 800, 500), rect(100, 100, 200, 200)), [polygon(rect(150, 150, 50, 50))])).toEqual([
      '/exclusions/0: exclusion lies outside the boundary',
    ]);
    expect(fieldProblems(square, [polygon(ring([400, 0], [450, -60], [350, -60]))])).toEqual(['/exclusions/0: exclusion lies outside the boundary']);
  });

  it('checks exclusions against every part of a MultiPolygon boundary', () => {
    const twoParts = multi([rect(0, 0, 200, 200)], [rect(300, 0, 200, 200)]);
    expect(fieldProblems(twoParts, [polygon(rect(350, 50, 50, 50))])).toEqual([]);
    expect(fieldProblems(twoParts, [polygon(rect(220, 50, 50, 50))])).toEqual(['/exclusions/0: exclusion lies outside the boundary']);
  });
});

describe('fieldProblems: size', () => {
  it(`refuses a 10,000-position boundary, naming the count and the cap (${MAX_FIELD_POSITIONS}), and checks nothing else`, () => {
    const huge = polygon(circle(0, 0, 400, 9_999));
    expect(huge.coordinates[0]).toHaveLength(10_000);
    expect(fieldProblems(huge, [])).toEqual(['/: boundary and exclusions have 10000 positions together; at most 5000 are allowed']);
    expect(fieldProblems(huge, [], '/job')).toEqual(['/job: boundary and exclusions have 10000 positions together; at most 5000 are allowed']);
  });

  it('counts exclusions towards the cap', () => {
    const boundary = polygon(circle(0, 0, 400, 3_999));
    expect(fieldProblems(boundary, [polygon(circle(0, 0, 100, 999))])).toEqual([]);
    expect(fieldProblems(boundary, [polygon(circle(0, 0, 100, 999)), polygon(rect(200, 0, 10, 10))])).toEqual([
      '/: boundary and exclusions have 5005 positions together; at most 5000 are allowed',
    ]);
  });

  it('refuses a 2 m² field, and a field that exclusions leave smaller than 100 m²', () => {
    expect(fieldProblems(polygon(rect(0, 0, 2, 1)), [])).toEqual([
      expect.stringMatching(/^\/boundary: the field area \(boundary minus exclusions\) is 2(\.0)? m²; at least 100 m² is needed$/),
    ]);
    expect(fieldProblems(polygon(rect(0, 0, 20, 20)), [])).toEqual([]);
    expect(fieldProblems(polygon(rect(0, 0, 20, 20)), [polygon(rect(1, 1, 18, 18))])).toEqual([
      expect.stringMatching(/^\/boundary: the field area \(boundary minus exclusions\) is 7\d(\.\d)? m²; at least 100 m² is needed$/),
    ]);
  });

  it('refuses a field over 20,000 ha', () => {
    expect(fieldProblems(polygon(rect(0, 0, 15_000, 15_000)), [])).toEqual([
      expect.stringMatching(/^\/boundary: the field area \(boundary minus exclusions\) is 22\d{3}(\.\d)? ha; at most 20000 ha is allowed$/),
    ]);
  });

  it('refuses a boundary 60 km long, either way', () => {
    expect(fieldProblems(polygon(rect(0, 0, 60_000, 200)), [])).toEqual([
      expect.stringMatching(/^\/boundary: the boundary is 60(\.\d)? km wide \(east–west\); at most 50 km is allowed$/),
    ]);
    expect(fieldProblems(polygon(rect(0, 0, 200, 60_000)), [])).toEqual([
      expect.stringMatching(/^\/boundary: the boundary is 60(\.\d)? km tall \(north–south\); at most 50 km is allowed$/),
    ]);
  });

  it('refuses a boundary drawn across the antimeridian, saying to cut it', () => {
    const across: LinearRing = [[179.995, -17], [-179.995, -17], [-179.995, -16.995], [179.995, -16.995], [179.995, -17]];
    expect(fieldProblems(polygon(across), [])).toEqual([expect.stringContaining('wide (east–west); at most 50 km is allowed (a boundary crossing the antimeridian must be cut')]);
  });
});

describe('fieldProblems: paths and bounds', () => {
  it('reports ring problems from geometryProblems under basePath and skips the rest', () => {
    const open = rect(0, 0, 800, 500).slice(0, 4);
    expect(fieldProblems(polygon(open), [polygon(rect(1000, 0, 10, 10))], '/job')).toEqual([
      expect.stringMatching(/^\/job\/boundary\/coordinates\/0: ring is not closed/),
    ]);
  });

  it('lists at most 20 intersection problems', () => {
    const bowTies = Array.from({ length: 30 }, (_, i) => polygon(ring([10 * i, 10], [10 * i + 5, 20], [10 * i + 5, 10], [10 * i, 20])));
    const problems = fieldProblems(square, bowTies);
    expect(problems).toHaveLength(21);
    expect(problems[20]).toBe('/boundary: further geometry problems not listed (first 20 shown)');
  });

  it('stays fast for a ring of 4,999 long edges that all overlap in x (the sweep’s worst case)', () => {
    // A zig-zag of full-width edges, one metre apart, closed down the west side.
    const zigzag: [number, number][] = Array.from({ length: 4_996 }, (_, i) => [i % 2 === 0 ? 0 : 800, i]);
    const comb = ring(...zigzag, [-10, 4_995], [-10, 0]);
    const started = performance.now();
    expect(fieldProblems(polygon(comb), [])).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('stays fast for a star whose 4,999 edges nearly all cross one another', () => {
    const points = Array.from({ length: 4_999 }, (_, i): [number, number] => {
      const angle = (2 * Math.PI * i * 2_497) / 4_999;
      return [400 * Math.cos(angle), 400 * Math.sin(angle)];
    });
    const started = performance.now();
    expect(fieldProblems(polygon(ring(...points)), [])).toEqual([expect.stringContaining('ring is self-intersecting')]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
