import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LonLat } from '../geometry/geojson.types.js';
import { jobFileFromGeoJson, jobFileToGeoJson } from './job-file.geojson.js';
import { readJobFile } from './job-file.reader.js';
import { JobFileError, type JobFile } from './job-file.types.js';
import { writeJobFile } from './job-file.writer.js';

const SAMPLE_LF = [
  '.JOB 4711 North Field 7',
  '.VERSION 2',
  '.POL 1 Boundary',
  'INC',
  '45.123456 -93.654321',
  '45.124456 -93.654321',
  '45.124456 -93.652321',
  '.POL 2 Pond',
  'EXC',
  '45.123800 -93.653800',
  '45.123900 -93.653800',
  '45.123900 -93.653700',
  '',
].join('\n');

function expectJobError(text: string, code: string, line: number): void {
  let caught: unknown;
  try {
    readJobFile(text);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(JobFileError);
  expect(caught).toMatchObject({ code, line });
  expect((caught as Error).message).toContain(line > 0 ? `line ${line}` : '.JOB');
}

describe('readJobFile', () => {
  it('reads header, version and polygons, turning "lat lon" into [lon, lat]', () => {
    const job = readJobFile(SAMPLE_LF);
    expect(job).toEqual({
      jobNumber: 4711,
      name: 'North Field 7',
      version: 2,
      polygons: [
        { index: 1, label: 'Boundary', kind: 'INC', ring: [[-93.654321, 45.123456], [-93.654321, 45.124456], [-93.652321, 45.124456]] },
        { index: 2, label: 'Pond', kind: 'EXC', ring: [[-93.6538, 45.1238], [-93.6538, 45.1239], [-93.6537, 45.1239]] },
      ],
    });
  });

  it('reads CRLF exactly like LF', () => {
    expect(readJobFile(SAMPLE_LF.replace(/\n/g, '\r\n'))).toEqual(readJobFile(SAMPLE_LF));
  });

  it('defaults to version 1 and accepts an empty label', () => {
    const job = readJobFile('.JOB 1 A\n.POL 3\nINC\n1 2\n1 3\n2 3\n');
    expect(job.version).toBe(1);
    expect(job.polygons[0]).toMatchObject({ index: 3, label: '', kind: 'INC' });
  });

  it('skips unknown directives with their data lines', () => {
    const job = readJobFile('.JOB 1 A\n.VERSION 1\n.PNT 1 marker\n1 2\n.POL 1 B\nEXC\n1 2\n1 3\n2 3\n');
    expect(job.polygons).toHaveLength(1);
    expect(job.polygons[0].kind).toBe('EXC');
  });

  it.each([
    ['', 'MISSING_JOB_HEADER', 0],
    ['.POL 1 B\nINC\n', 'MISSING_JOB_HEADER', 1],
    ['.JOB x A\n', 'BAD_JOB_HEADER', 1],
    ['.JOB 1 A\n.VERSION 3\n', 'BAD_VERSION', 2],
    ['.JOB 1 A\n.POL one\n', 'BAD_POLYGON_HEADER', 2],
    ['.JOB 1 A\n.POL 1 B\n45.1 -93.2\n', 'MISSING_POLYGON_KIND', 3],
    ['.JOB 1 A\n.POL 1 B\n', 'MISSING_POLYGON_KIND', 2],
    ['.JOB 1 A\n.POL 1 B\nINC\n45.1 -93.2\n45.1 east\n', 'BAD_COORDINATE', 5],
    ['.JOB 1 A\n.POL 1 B\nINC\n45.1 -93.2\n45.1 -93.2 7\n', 'BAD_COORDINATE', 5],
    ['.JOB 1 A\n.POL 1 B\nINC\n45.1 -93.2\n95.1 -93.2\n', 'COORDINATE_OUT_OF_RANGE', 5],
    ['.JOB 1 A\n.POL 1 B\nINC\n45.1 -93.2\n45.2 -93.2\n', 'TOO_FEW_VERTICES', 2],
    ['.JOB 1 A\n45.1 -93.2\n', 'DATA_OUTSIDE_POLYGON', 2],
    ['.JOB 1 A\r\n\r\n.POL 1 B\r\nINC\r\nEXC\r\n', 'MISSING_POLYGON_KIND', 5],
  ])('rejects %j with %s naming line %d', (text, code, line) => {
    expectJobError(text, code, line);
  });
});

describe('writeJobFile', () => {
  it('writes CRLF lines with 6-decimal "lat lon" and a trailing newline', () => {
    const text = writeJobFile(readJobFile(SAMPLE_LF));
    expect(text).toBe(SAMPLE_LF.replace(/\n/g, '\r\n'));
  });

  it('is deterministic and normalises -0, closing vertices and line breaks in names', () => {
    const job: JobFile = {
      jobNumber: 9,
      name: ' Two\nLines ',
      version: 1,
      polygons: [{ index: 1, label: 'B', kind: 'INC', ring: [[-0.0000001, 1], [1, 1], [1, 0], [-0.0000001, 1]] }],
    };
    const text = writeJobFile(job);
    expect(text).toBe(writeJobFile(structuredClone(job)));
    expect(text).toBe('.JOB 9 Two Lines\r\n.VERSION 1\r\n.POL 1 B\r\nINC\r\n1.000000 0.000000\r\n1.000000 1.000000\r\n0.000000 1.000000\r\n');
  });

  it('refuses jobs it could not write faithfully', () => {
    expect(() => writeJobFile({ jobNumber: -1, name: 'x', version: 2, polygons: [] })).toThrow(JobFileError);
    expect(() =>
      writeJobFile({ jobNumber: 1, name: 'x', version: 2, polygons: [{ index: 1, label: '', kind: 'INC', ring: [[0, 0], [1, 1]] }] }),
    ).toThrow(/fewer than 3/);
  });

  it('round-trips any job with 6-decimal coordinates, through LF and CRLF', () => {
    const coordinate = (limit: number) => fc.integer({ min: -limit * 1e6, max: limit * 1e6 }).map((v) => v / 1e6);
    const position = fc.tuple(coordinate(180), coordinate(90)).map(([lon, lat]): LonLat => [lon, lat]);
    const label = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n\t]+/g, ' ').trim());
    const job = fc.record({
      jobNumber: fc.nat(),
      name: label,
      version: fc.constantFrom<1 | 2>(1, 2),
      polygons: fc.array(
        fc.record({
          index: fc.nat({ max: 999 }),
          label,
          kind: fc.constantFrom<'INC' | 'EXC'>('INC', 'EXC'),
          ring: fc.array(position, { minLength: 3, maxLength: 8 }).filter((r) => r[0][0] !== r[r.length - 1][0] || r[0][1] !== r[r.length - 1][1]),
        }),
        { maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(job, (original) => {
        const crlf = writeJobFile(original);
        expect(readJobFile(crlf)).toEqual(original);
        expect(readJobFile(crlf.replace(/\r\n/g, '\n'))).toEqual(original);
        expect(writeJobFile(readJobFile(crlf))).toBe(crlf);
      }),
      { numRuns: 200 },
    );
  });
});

describe('GeoJSON helpers', () => {
  it('maps boundary rings to INC, holes and exclusions to EXC, and back', () => {
    const boundary = {
      type: 'Polygon' as const,
      coordinates: [
        [[10, 50], [10.01, 50], [10.01, 50.01], [10, 50.01], [10, 50]] as LonLat[],
        [[10.002, 50.002], [10.003, 50.002], [10.003, 50.003], [10.002, 50.002]] as LonLat[],
      ],
    };
    const exclusion = { type: 'Polygon' as const, coordinates: [[[10.005, 50.005], [10.006, 50.005], [10.006, 50.006], [10.005, 50.005]] as LonLat[]] };
    const job = jobFileFromGeoJson(12, 'Field', boundary, [exclusion]);
    expect(job.polygons.map((p) => [p.index, p.kind, p.label, p.ring.length])).toEqual([
      [1, 'INC', 'Boundary 1', 4],
      [2, 'EXC', 'Exclusion 1', 3],
      [3, 'EXC', 'Exclusion 2', 3],
    ]);
    const back = jobFileToGeoJson(readJobFile(writeJobFile(job)));
    expect(back.boundary).toEqual({ type: 'MultiPolygon', coordinates: [[boundary.coordinates[0]]] });
    expect(back.exclusions).toEqual([{ type: 'Polygon', coordinates: [boundary.coordinates[1]] }, exclusion]);
  });
});
