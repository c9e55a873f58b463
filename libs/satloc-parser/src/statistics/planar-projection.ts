import type { LonLat } from '../geometry/geojson.types.js';

const A = 6378137;
const E2 = 6.69437999014e-3;
const RAD = Math.PI / 180;

/**
 * Local planar projection in metres around a field (equirectangular with the WGS84 meridian
 * and prime-vertical radii at the centre). Over a few kilometres its area error is below
 * 1e-6 relative, far inside what the statistics report.
 */
export class PlanarProjection {
  private readonly kx: number;
  private readonly ky: number;

  constructor(
    readonly centreLonDeg: number,
    readonly centreLatDeg: number,
  ) {
    const s = Math.sin(centreLatDeg * RAD);
    const w = Math.sqrt(1 - E2 * s * s);
    this.ky = ((A * (1 - E2)) / (w * w * w)) * RAD;
    this.kx = (A / w) * Math.cos(centreLatDeg * RAD) * RAD;
  }

  static around(positions: readonly LonLat[]): PlanarProjection {
    let minLon = Infinity;
    let maxLon = -Infinity;
    let minLat = Infinity;
    let maxLat = -Infinity;
    for (const [lon, lat] of positions) {
      if (lon < minLon) minLon = lon;
      if (lon > maxLon) maxLon = lon;
      if (lat < minLat) minLat = lat;
      if (lat > maxLat) maxLat = lat;
    }
    if (!Number.isFinite(minLon + maxLon + minLat + maxLat)) return new PlanarProjection(0, 0);
    return new PlanarProjection((minLon + maxLon) / 2, (minLat + maxLat) / 2);
  }

  x(lonDeg: number): number {
    let dLon = lonDeg - this.centreLonDeg;
    if (dLon > 180) dLon -= 360;
    else if (dLon < -180) dLon += 360;
    return dLon * this.kx;
  }

  y(latDeg: number): number {
    return (latDeg - this.centreLatDeg) * this.ky;
  }

  toLonLat(xM: number, yM: number): LonLat {
    let lon = this.centreLonDeg + xM / this.kx;
    if (lon > 180) lon -= 360;
    else if (lon < -180) lon += 360;
    return [lon, this.centreLatDeg + yM / this.ky];
  }
}
