import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32View, crc32ViewRange } from './crc32.js';

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
        expect(crc32ViewRange(view, start, end, 0)).toBe(zlibCrc32(bytes.subarray(start, end)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('crc32ViewRange (the decoder hot loop calls it)', () => {
  it('stays small enough for V8 to inline it (under --max-inlined-bytecode-size, 460 bytes)', () => {
    const source = fileURLToPath(new URL('./crc32.ts', import.meta.url));
    const script = `import(${JSON.stringify(source)}).then((m) => { const v = new DataView(new ArrayBuffer(64)); m.crc32ViewRange(v, 0, 40, 0); });`;
    const out = execFileSync(process.execPath, ['--print-bytecode', '--print-bytecode-filter=crc32ViewRange', '--import', 'tsx', '-e', script], {
      encoding: 'utf8',
    });
    const match = /Bytecode length: (\d+)/.exec(out);
    expect(match, out.slice(0, 500)).not.toBeNull();
    expect(Number(match?.[1])).toBeLessThan(460);
  });
});
