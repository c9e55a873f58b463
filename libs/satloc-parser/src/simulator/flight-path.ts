/** A point in the pass frame: u along the passes, v across them. */
export type UV = [u: number, v: number];

/** A straight (curvature 0) or circular piece of the flight path, in the pass frame. */
export interface PathPiece {
  startS: number;
  lengthM: number;
  from: UV;
  /** Direction at `from`, radians from +u towards +v. */
  headingRad: number;
  /** Signed 1 / radius (positive turns from +u towards +v); 0 on straights. */
  curvaturePerM: number;
  /** On a spray line (low and level) rather than in a turn. */
  onLine: boolean;
}

export interface PathSample {
  point: UV;
  dirUv: UV;
  onLine: boolean;
}

/** Where a piece ends and which way it points there. */
export function sampleAt(piece: PathPiece, s: number): PathSample {
  const t = Math.min(piece.lengthM, Math.max(0, s - piece.startS));
  const k = piece.curvaturePerM;
  const heading = piece.headingRad + k * t;
  const [u0, v0] = piece.from;
  const point: UV =
    k === 0
      ? [u0 + t * Math.cos(heading), v0 + t * Math.sin(heading)]
      : [u0 + (Math.sin(heading) - Math.sin(piece.headingRad)) / k, v0 + (Math.cos(piece.headingRad) - Math.cos(heading)) / k];
  return { point, dirUv: [Math.cos(heading), Math.sin(heading)], onLine: piece.onLine };
}

/** A continuous path of straights along the passes joined by turns, sampled by distance flown. */
export class FlightPath {
  readonly pieces: PathPiece[] = [];
  lengthM = 0;

  /** A spray line flown along u from `fromU` to `toU` at `v`. */
  line(v: number, fromU: number, toU: number): void {
    this.push([fromU, v], toU >= fromU ? 0 : Math.PI, 0, Math.abs(toU - fromU), true);
  }

  /**
   * Reverses direction from the end of the current line onto the line at `toV`, at the current u:
   * two quarter turns of `radiusM` and a straight between them, or, when the lines are closer
   * than two radii (the same line flown back), a bulb turn that first swings away from `toV`.
   */
  reverseOnto(toV: number, radiusM: number): void {
    const { point, dirUv } = this.end();
    const dir = dirUv[0] >= 0 ? 1 : -1;
    const gap = Math.abs(toV - point[1]);
    const side = toV >= point[1] ? 1 : -1;
    const towards = (side * dir) / radiusM;
    if (gap >= 2 * radiusM - 1e-9) {
      this.turn(towards, Math.PI / 2);
      this.straightAhead(gap - 2 * radiusM);
      this.turn(towards, Math.PI / 2);
      return;
    }
    const swing = Math.acos((gap + 2 * radiusM) / (4 * radiusM));
    this.turn(-towards, swing);
    this.turn(towards, Math.PI + 2 * swing);
    this.turn(-towards, swing);
  }

  /** A sampler for distances that only increase: it walks the pieces once. */
  sampler(): (s: number) => PathSample {
    let index = 0;
    return (s: number): PathSample => {
      while (index + 1 < this.pieces.length && this.pieces[index].startS + this.pieces[index].lengthM < s) index++;
      return sampleAt(this.pieces[index], s);
    };
  }

  private end(): { point: UV; dirUv: UV } {
    const last = this.pieces[this.pieces.length - 1];
    return sampleAt(last, last.startS + last.lengthM);
  }

  private turn(curvaturePerM: number, angleRad: number): void {
    const { point, dirUv } = this.end();
    this.push(point, Math.atan2(dirUv[1], dirUv[0]), curvaturePerM, angleRad / Math.abs(curvaturePerM), false);
  }

  private straightAhead(lengthM: number): void {
    if (lengthM <= 1e-9) return;
    const { point, dirUv } = this.end();
    this.push(point, Math.atan2(dirUv[1], dirUv[0]), 0, lengthM, false);
  }

  private push(from: UV, headingRad: number, curvaturePerM: number, lengthM: number, onLine: boolean): void {
    this.pieces.push({ startS: this.lengthM, lengthM, from, headingRad, curvaturePerM, onLine });
    this.lengthM += lengthM;
  }
}
