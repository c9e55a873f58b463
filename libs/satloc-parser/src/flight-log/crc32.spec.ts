import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32View } from './crc32.js';

describe('crc32 (table)', () => {
  it('matches the CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('equals zlib.crc32 on any bytes (both the byte and the DataView routine), any sub-range, and when continued', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
        expect(crc32(bytes, start, end)).toBe(zlibCrc32(bytes.subarray(start, end)));
        const first = crc32(bytes, 0, start);
        expect(crc32(bytes, start, bytes.length, first)).toBe(zlibCrc32(bytes));
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        expect(crc32View(view, start, end)).toBe(zlibCrc32(bytes.subarray(start, end)));
        expect(crc32View(view, start, bytes.length, crc32View(view, 0, start))).toBe(zlibCrc32(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
