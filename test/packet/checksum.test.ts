// Internet checksum (RFC 1071) and CRC32c (RFC 3309 / RFC 3720 §B.4): known vectors, the
// incremental update (RFC 1624 eqn. 3) against the full sum, and the wasm primitives
// (32-bit-at-a-time sum, slicing-by-8 CRC) against the TypeScript ones.
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import type { WasmPacketKernel } from '../../sdk/engine/packets.js';
import {
  applyChecksumDelta,
  checksumDelta,
  checksumReplace16,
  crc32c,
  internetChecksum,
  readBE16,
  writeBE16,
} from '../../sdk/packet/checksum.js';
import { TARGETS, kernelFor } from './harness.js';
import { crc32cBitwise, fromHex, rfc1071 } from './samples.js';

/** RFC 3720 §B.4: the CRC bytes as transmitted, read least significant byte first. */
const CRC_VECTORS: [string, Uint8Array, number][] = [
  ['01 32 bytes of zeros', new Uint8Array(32), 0x8a9136aa],
  ['02 32 bytes of ones', new Uint8Array(32).fill(0xff), 0x62a8ab43],
  ['03 32 incrementing bytes', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
  ['04 32 decrementing bytes', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
  [
    '05 an iSCSI read command PDU',
    fromHex('01c00000 00000000 00000000 00000000 14000000 00000400 00000014 00000018 28000000 00000000 02000000 00000000'),
    0xd9963a56,
  ],
  ['06 "123456789" (the CRC-32C check value)', new TextEncoder().encode('123456789'), 0xe3069283],
];

describe('checksums in TypeScript', () => {
  test('01 RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, checksum 220d', () => {
    const bytes = fromHex('0001f203f4f5f6f7');
    expect(internetChecksum(bytes, 0, 8)).toBe(0x220d);
    expect(rfc1071(bytes)).toBe(0x220d);
  });

  test('02 an odd last byte is padded with zero', () => {
    const bytes = fromHex('0001f203f4f5f6f7ab');
    expect(internetChecksum(bytes, 0, 9)).toBe(rfc1071(fromHex('0001f203f4f5f6f7ab00')));
  });

  test.each(CRC_VECTORS)('03 CRC32c %s', (_name, bytes, crc) => {
    expect(crc32c(bytes)).toBe(crc);
    expect(crc32cBitwise(bytes)).toBe(crc);
  });

  test('04 incremental update of one word equals the full checksum (RFC 1624 eqn. 3)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 200 }), fc.nat(), fc.integer({ min: 0, max: 0xffff }), (data, at, value) => {
        const bytes = data.length % 2 === 0 ? data : data.subarray(0, data.length - 1);
        const word = (at % (bytes.length / 2)) * 2;
        const before = internetChecksum(bytes, 0, bytes.length);
        const old = readBE16(bytes, word);
        const changed = bytes.slice();
        writeBE16(changed, word, value);
        const full = rfc1071(changed);
        const incremental = checksumReplace16(before, old, value);
        // Equal, or the two encodings of zero (0x0000 / 0xffff) when the sum is zero.
        expect(incremental === full || (incremental ^ full) === 0xffff).toBe(true);
        // The incremental result verifies — except over all-zero data, the one input where
        // eqn. 3 yields 0x0000 and only 0xffff verifies (no real header is all zeros: the
        // pseudo-header alone holds the protocol).
        if (changed.some((b) => b !== 0)) expect(rfc1071(concatWord(changed, incremental))).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  test('05 one delta over several changed words serves a checksum like word-by-word updates', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 40, maxLength: 40 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(11), (data, value, at) => {
        const start = at * 2;
        const before = internetChecksum(data, 0, 40);
        const changed = data.slice();
        changed.set(value, start);
        const delta = checksumDelta(data.subarray(start, start + 16), value);
        const after = applyChecksumDelta(before, delta);
        expect(rfc1071(concatWord(changed, after))).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

function concatWord(bytes: Uint8Array, word: number): Uint8Array {
  const out = new Uint8Array(bytes.length + 2);
  out.set(bytes);
  writeBE16(out, bytes.length, word);
  return out;
}

describe.each(TARGETS)('checksum primitives in the %s core', (target) => {
  let k: WasmPacketKernel;
  let base: number;

  beforeAll(async () => {
    k = await kernelFor(target);
    k.reserve(16, 1 << 16);
    base = k.exports.packetAreaPtr() >>> 0;
  });

  function put(bytes: Uint8Array, offset = 0): number {
    k.views().area.set(bytes, offset);
    return base + offset;
  }

  test.each(CRC_VECTORS)('01 CRC32c %s', (_name, bytes, crc) => {
    expect(k.exports.crc32cOf(put(bytes), bytes.length) >>> 0).toBe(crc);
  });

  test('02 RFC 1071 §3 example', () => {
    expect(k.exports.internetChecksumOf(put(fromHex('0001f203f4f5f6f7')), 8)).toBe(0x220d);
  });

  test('03 sums and CRCs of random data at random alignments equal the TypeScript ones', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.nat(7), (data, shift) => {
        const at = put(data, shift);
        expect(k.exports.internetChecksumOf(at, data.length)).toBe(internetChecksum(data, 0, data.length));
        expect(k.exports.crc32cOf(at, data.length) >>> 0).toBe(crc32c(data));
      }),
      { numRuns: 400 },
    );
  });

  test('04 a range outside memory reads nothing and returns 0', () => {
    const end = k.exports.memory.buffer.byteLength;
    expect(k.exports.internetChecksumOf(end - 2, 4)).toBe(0);
    expect(k.exports.crc32cOf(end, 1)).toBe(0);
  });
});
