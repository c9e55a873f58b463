import type { LonLat } from '../geometry/geojson.types.js';

const WGS84_A = 6378137;
const WGS84_E2 = 6.69437999014e-3;
const DEG = Math.PI / 180;

/**
 * The simulator's map from local metres (x east, y north) to WGS84 around an origin: scales
 * from the ellipsoid's meridian and prime-vertical radii at the origin. Within a few km the
 * distortion is far below the accuracy the tests ask for.
 */
export class LocalTangentPlane {
  readonly metresPerDegLat: number;
  readonly metresPerDegLon: number;

  constructor(
    readonly originLatDeg: number,
    readonly originLonDeg: number,
  ) {
    const s = Math.sin(originLatDeg * DEG);
    const w = Math.sqrt(1 - WGS84_E2 * s * s);
    const meridianRadius = (WGS84_A * (1 - WGS84_E2)) / (w * w * w);
    const primeVerticalRadius = WGS84_A / w;
    this.metresPerDegLat = meridianRadius * DEG;
    this.metresPerDegLon = primeVerticalRadius * Math.cos(originLatDeg * DEG) * DEG;
  }

  toLonLat(xM: number, yM: number): LonLat {
    return [this.originLonDeg + xM / this.metresPerDegLon, this.originLatDeg + yM / this.metresPerDegLat];
  }
}
