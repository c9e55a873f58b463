/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib and PNG use), table-driven,
 * eight bytes per step ("slicing-by-8"), then one four-byte step, then bytes. On the 20–60 byte
 * records of a flight log this is several times faster than `zlib.crc32`, whose cost is
 * dominated by the call into C++ (see bench/RESULTS.md); it returns the same value (checked in
 * crc32.spec.ts).
 */
const TABLES = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/** CRC-32 of `bytes[start, end)`, unsigned. `previous` continues an earlier CRC (like zlib.crc32's second argument). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  const t = TABLES;
  let c = ~previous;
  let i = start;
  const end8 = end - 7;
  while (i < end8) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c =
      t[1792 + (c & 0xff)] ^
      t[1536 + ((c >>> 8) & 0xff)] ^
      t[1280 + ((c >>> 16) & 0xff)] ^
      t[1024 + (c >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
    i += 8;
  }
  if (i + 4 <= end) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
    i += 4;
  }
  while (i < end) c = t[(c ^ bytes[i++]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * The same CRC-32 over `view` bytes [start, end): reads four bytes per load (one bounds check
 * instead of four). Equal to {@link crc32}. A wrapper with defaults around {@link crc32ViewRange}.
 */
export function crc32View(view: DataView, start = 0, end = view.byteLength, previous = 0): number {
  return crc32ViewRange(view, start, end, previous);
}

/**
 * {@link crc32View} without default arguments: the routine the decoder's hot loop calls.
 *
 * Keep this function's bytecode under V8's inlining limit (`--max-inlined-bytecode-size`, 460
 * bytes in Node 20): it is 437 bytes now (`node --print-bytecode
 * --print-bytecode-filter=crc32ViewRange`). At 473 bytes (default parameters in the same function)
 * V8 never inlined it, and both the decoder and the validate-only pass ran at about 55 % of
 * their speed with it inlined (bench/RESULTS.md).
 */
export function crc32ViewRange(view: DataView, start: number, end: number, previous: number): number {
  const t = TABLES;
  let c = ~previous;
  let i = start;
  const end8 = end - 7;
  while (i < end8) {
    c ^= view.getInt32(i, true);
    const next = view.getInt32(i + 4, true);
    c =
      t[1792 + (c & 0xff)] ^
      t[1536 + ((c >>> 8) & 0xff)] ^
      t[1280 + ((c >>> 16) & 0xff)] ^
      t[1024 + (c >>> 24)] ^
      t[768 + (next & 0xff)] ^
      t[512 + ((next >>> 8) & 0xff)] ^
      t[256 + ((next >>> 16) & 0xff)] ^
      t[next >>> 24];
    i += 8;
  }
  if (i + 4 <= end) {
    c ^= view.getInt32(i, true);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
    i += 4;
  }
  while (i < end) c = t[(c ^ view.getUint8(i++)) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
