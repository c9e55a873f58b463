/** Planar field outlines in metres (x east, y north) around the simulator's origin, for tests, demos and benches. */
export type PlanarPoint = [x: number, y: number];
export type PlanarRing = PlanarPoint[];

export const fieldShapes = {
  rectangle(widthM: number, heightM: number): PlanarRing {
    return [[0, 0], [widthM, 0], [widthM, heightM], [0, heightM]];
  },
  /** An L: a full-height left leg and a bottom leg, each `legM` thick. */
  lShape(widthM: number, heightM: number, legM: number): PlanarRing {
    return [[0, 0], [widthM, 0], [widthM, legM], [legM, legM], [legM, heightM], [0, heightM]];
  },
  /** A U open to the north: concave, so passes across it cross the gap with the boom off. */
  uShape(widthM: number, heightM: number, armM: number, baseM: number): PlanarRing {
    return [[0, 0], [widthM, 0], [widthM, heightM], [widthM - armM, heightM], [widthM - armM, baseM], [armM, baseM], [armM, heightM], [0, heightM]];
  },
  /** A convex polygon with `sides` vertices on an ellipse. */
  polygon(sides: number, radiusXM: number, radiusYM: number, rotationDeg = 0): PlanarRing {
    const ring: PlanarRing = [];
    for (let i = 0; i < sides; i++) {
      const a = (2 * Math.PI * i) / sides + (rotationDeg * Math.PI) / 180;
      ring.push([radiusXM + radiusXM * Math.cos(a), radiusYM + radiusYM * Math.sin(a)]);
    }
    return ring;
  },
  /** A quadrilateral with no right angles. */
  trapezoid(bottomM: number, topM: number, heightM: number, skewM: number): PlanarRing {
    return [[0, 0], [bottomM, 0], [skewM + topM, heightM], [skewM, heightM]];
  },
  translate(ring: PlanarRing, dxM: number, dyM: number): PlanarRing {
    return ring.map(([x, y]) => [x + dxM, y + dyM]);
  },
};
