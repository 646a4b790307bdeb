// The kernels on hostile input. For random bytes and for mutations and truncations of
// valid packets, every frame gets a record with a known reason — no trap, no throw — and
// nothing outside a frame's bytes is read or written:
// - the debug build asserts every frame read and write against the frame length (an
//   out-of-bounds access aborts, which the loader turns into a thrown Error);
// - canaries: the same frames are parsed with different bytes around them in the packet
//   area (zeros, 0xff, random) and must give identical records; after a rewrite the bytes
//   between frames are unchanged;
// - the TypeScript reference, given a `length` shorter than its array, ignores the rest.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { natRewrite } from '../../sdk/packet/nat.js';
import { LINKTYPE_RAW, PARSED_RECORD_BYTES, REASON_NAMES, parsePacket } from '../../sdk/packet/parse.js';
import { rewritePacket } from '../../sdk/packet/nat.js';
import { buildUnreachable } from '../../sdk/packet/icmp.js';
import { type PacketSpec, anyRewriteArb, buildPacket, l3OffsetOf, linkTypeOf, packetArb, rewriteFor, shrinkPacket } from './generators.js';
import { TARGETS, kernelFor } from './harness.js';
import { SAMPLES, hex } from './samples.js';

const RUNS = Number(process.env.PACKET_FUZZ_RUNS ?? 120);

/** Frames: random bytes; a generated packet cut, flipped or both; or one whose IP length shrank (the frame cut there). */
const hostileArb = fc.oneof(
  fc.record({ bytes: fc.uint8Array({ maxLength: 200 }), linkType: fc.constantFrom(1, 101, 228, 229) }),
  fc.record({ spec: packetArb, length: fc.nat(120) }).map(({ spec, length }) => {
    const bytes = buildPacket(spec as PacketSpec);
    const ipLength = Math.min(length, bytes.length - l3OffsetOf(spec as PacketSpec));
    return { bytes: shrinkPacket(spec as PacketSpec, bytes, ipLength), linkType: linkTypeOf(spec as PacketSpec) };
  }),
  fc
    .record({ spec: packetArb, cut: fc.nat(), flips: fc.array(fc.tuple(fc.nat(120), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }) })
    .map(({ spec, cut, flips }) => {
      const bytes = buildPacket(spec as PacketSpec);
      for (const [at, v] of flips) if (bytes.length) bytes[at % bytes.length] = v;
      return { bytes: cut % 3 === 0 ? bytes.slice(0, cut % (bytes.length + 1)) : bytes, linkType: linkTypeOf(spec as PacketSpec) };
    }),
);

describe.each(TARGETS)('kernels on hostile input (%s)', (target) => {
  test('01 every frame gets a known reason, the same whatever surrounds it', async () => {
    const k = await kernelFor(target);
    await fc.assert(
      fc.asyncProperty(fc.array(hostileArb, { minLength: 1, maxLength: 20 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.nat(1), async (frames, noise, parseFlags) => {
        const total = frames.reduce((n, f) => n + f.bytes.length + 64, 64);
        k.reserve(frames.length, total);
        const records: string[][] = [];
        for (const fill of [0x00, 0xff, -1]) {
          const v = k.views();
          if (fill < 0) for (let i = 0; i < total; i++) v.area[i] = noise[i & 63];
          else v.area.fill(fill, 0, total);
          // Frames 64 bytes apart, the last one flush against the end of the used area.
          let at = 64;
          frames.forEach((f, i) => {
            v.area.set(f.bytes, at);
            v.descriptors.set([at, f.bytes.length, f.linkType, 0], i * 4);
            at += f.bytes.length + 64;
          });
          k.parse(frames.length, parseFlags);
          const got: string[] = [];
          for (let i = 0; i < frames.length; i++) {
            const record = v.parsed.subarray(i * PARSED_RECORD_BYTES, (i + 1) * PARSED_RECORD_BYTES);
            expect(record[0]).toBeLessThan(REASON_NAMES.length);
            got.push(hex(record));
            k.checksums(i);
            k.unreachable(i);
          }
          records.push(got);
        }
        expect(records[1]).toEqual(records[0]);
        expect(records[2]).toEqual(records[0]);
      }),
      { numRuns: RUNS },
    );
  });

  test('02 rewrites write only inside their frames', async () => {
    const k = await kernelFor(target);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(hostileArb, anyRewriteArb), { minLength: 1, maxLength: 20 }), async (cases) => {
        const total = cases.reduce((n, [f]) => n + f.bytes.length + 16, 16);
        k.reserve(cases.length, total);
        const v = k.views();
        v.area.fill(0xa5, 0, total);
        let at = 16;
        cases.forEach(([f, r], i) => {
          v.area.set(f.bytes, at);
          v.descriptors.set([at, f.bytes.length, f.linkType, 0], i * 4);
          at += f.bytes.length + 16;
          k.setRewrite(i, rewriteFor({ family: parsePacket(f.bytes, f.linkType).family }, r));
        });
        k.parse(cases.length);
        k.nat(cases.length);
        at = 16;
        const gaps: number[] = [];
        for (const [f] of cases) {
          for (let j = at - 16; j < at; j++) gaps.push(v.area[j]);
          at += f.bytes.length + 16;
        }
        for (let j = at - 16; j < total; j++) gaps.push(v.area[j]);
        expect(gaps.every((b) => b === 0xa5)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  test('03 a frame ending at the last byte of the packet area', async () => {
    const k = await kernelFor(target);
    const bytes = SAMPLES.icmpErrorTcp.bytes;
    const v = k.reserve(1, bytes.length);
    const start = v.area.length - bytes.length;
    v.area.set(bytes, start);
    v.descriptors.set([start, bytes.length, LINKTYPE_RAW, 0], 0);
    expect(k.parse(1)).toBe(1);
    for (let n = 0; n < bytes.length; n++) {
      v.area.copyWithin(v.area.length - n, start, start + n);
      v.descriptors.set([v.area.length - n, n, LINKTYPE_RAW, 0], 0);
      k.parse(1);
      expect(k.parsed(0).reason).not.toBe(0);
      v.area.set(bytes, start);
    }
  });
});

test('04 the TypeScript reference never throws and reads nothing past `length`', () => {
  fc.assert(
    fc.property(hostileArb, fc.uint8Array({ minLength: 1, maxLength: 64 }), anyRewriteArb, (f, tail, r) => {
      const alone = parsePacket(f.bytes, f.linkType);
      const withTail = new Uint8Array(f.bytes.length + tail.length);
      withTail.set(f.bytes);
      withTail.set(tail, f.bytes.length);
      expect(parsePacket(withTail, f.linkType, 0, f.bytes.length)).toEqual(alone);
      expect(alone.reason).toBeLessThan(REASON_NAMES.length);
      const out = new Uint8Array(1400);
      buildUnreachable(f.bytes, alone, f.linkType, out);
      const rewritten = withTail.slice();
      rewritePacket(rewritten, alone, rewriteFor({ family: alone.family }, r), f.bytes.length);
      expect(hex(rewritten.subarray(f.bytes.length))).toBe(hex(tail));
    }),
    { numRuns: RUNS * 10 },
  );
  expect(natRewrite({}).flags).toBe(0);
});
