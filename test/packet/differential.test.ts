// The wasm kernels (debug and release) against the TypeScript reference, on generated
// valid packets and on mutated and random bytes: the same 128-byte parsed records, reason
// codes and checksum states, the same reply bytes (or refusal), the same bytes and result
// after a random rewrite.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Frame } from '../../sdk/engine/packets.js';
import { PARSE_SKIP_IPV4_CHECKSUM, parsePacket, reasonName } from '../../sdk/packet/parse.js';
import { type PacketSpec, type RewriteSpec, anyRewriteArb, buildPacket, l3OffsetOf, linkTypeOf, packetArb, rewriteFor, shrinkPacket } from './generators.js';
import { TARGETS, run } from './harness.js';
import { SAMPLE_LIST, hex } from './samples.js';

const RUNS = Number(process.env.PACKET_FUZZ_RUNS ?? 120);

/** A mutation of a valid frame: byte flips, a truncation, bytes appended, or the IP length lowered (frame cut there). */
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.nat(90), { minLength: 1, maxLength: 3 }), value: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 3, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.array(fc.nat(), { minLength: 1, maxLength: 1 }), value: fc.constant([] as number[]) }),
  fc.record({ kind: fc.constant('append' as const), at: fc.constant([] as number[]), value: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }) }),
  fc.record({ kind: fc.constant('shrink' as const), at: fc.array(fc.nat(120), { minLength: 1, maxLength: 1 }), value: fc.constant([] as number[]) }),
);

type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

function mutate(spec: PacketSpec, bytes: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'shrink') return shrinkPacket(spec, bytes, Math.min(m.at[0], bytes.length - l3OffsetOf(spec)));
  if (m.kind === 'truncate') return bytes.slice(0, m.at[0] % (bytes.length + 1));
  if (m.kind === 'append') return Uint8Array.from([...bytes, ...m.value]);
  const out = bytes.slice();
  m.at.forEach((a, i) => {
    if (out.length) out[a % out.length] = m.value[i];
  });
  return out;
}

const caseArb = fc.record({ spec: packetArb, rewrite: anyRewriteArb, mutation: fc.option(mutationArb, { freq: 2 }) });
const randomArb = fc.record({ bytes: fc.uint8Array({ maxLength: 120 }), linkType: fc.constantFrom(1, 101, 228, 229, 0, 113), rewrite: anyRewriteArb });

/**
 * Runs both engines; each frame's rewrite takes addresses of the family the reference
 * parses it as (a mutation may turn IPv4 into IPv6).
 */
async function compare(target: (typeof TARGETS)[number], frames: Frame[], specs: RewriteSpec[], parseFlags = 0): Promise<void> {
  const rewrites = frames.map((f, i) => rewriteFor({ family: parsePacket(f.bytes, f.linkType).family }, specs[i]));
  const ts = await run('ts', frames, { rewrites, replies: true, parseFlags });
  const wasm = await run(target, frames, { rewrites, replies: true, parseFlags });
  frames.forEach((f, i) => {
    const where = `frame ${i} (${reasonName(ts.parsed[i].reason)}): ${hex(f.bytes)} link ${f.linkType}`;
    expect(hex(wasm.records[i]), where).toBe(hex(ts.records[i]));
    expect(wasm.checksums[i], where).toBe(ts.checksums[i]);
    const [a, b] = [wasm.replies[i], ts.replies[i]];
    expect(typeof a === 'number' ? a : hex(a), where).toEqual(typeof b === 'number' ? b : hex(b));
    expect(wasm.natResults[i], where).toBe(ts.natResults[i]);
    expect(hex(wasm.rewritten[i]), where).toBe(hex(ts.rewritten[i]));
  });
}

describe.each(TARGETS)('wasm %s vs the TypeScript reference', (target) => {
  test('01 generated packets (every shape), mutated or not, with random rewrites', async () => {
    let usable = 0;
    await fc.assert(
      // Half the batches skip the IPv4 header checksum, so mutations reach the layers above it.
      fc.asyncProperty(fc.array(caseArb, { minLength: 1, maxLength: 24 }), fc.boolean(), async (cases, skipIpv4Checksum) => {
        const frames = cases.map((c) => {
          const bytes = buildPacket(c.spec as PacketSpec);
          return { bytes: c.mutation ? mutate(c.spec as PacketSpec, bytes, c.mutation) : bytes, linkType: linkTypeOf(c.spec as PacketSpec) };
        });
        await compare(target, frames, cases.map((c) => c.rewrite), skipIpv4Checksum ? PARSE_SKIP_IPV4_CHECKSUM : 0);
        usable += cases.filter((c) => c.mutation === null).length;
      }),
      { numRuns: RUNS, seed: 0x5eed },
    );
    expect(usable).toBeGreaterThan(RUNS);
  });

  test('02 random bytes on every link type (and unknown ones)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(randomArb, { minLength: 1, maxLength: 24 }), fc.boolean(), async (cases, skipIpv4Checksum) => {
        const frames = cases.map((c) => ({ bytes: c.bytes, linkType: c.linkType }));
        await compare(target, frames, cases.map((c) => c.rewrite), skipIpv4Checksum ? PARSE_SKIP_IPV4_CHECKSUM : 0);
      }),
      { numRuns: RUNS, seed: 0xbad },
    );
  });

  test('03 every single-byte change and every truncation of the golden packets', async () => {
    const frames: Frame[] = [];
    for (const sample of SAMPLE_LIST) {
      const b = sample.bytes;
      for (let at = 0; at < b.length; at++) {
        for (const value of [0, 0xff, b[at] ^ 0x80, b[at] ^ 0x01, (b[at] + 8) & 0xff, (b[at] - 8) & 0xff, (b[at] - 1) & 0xff, b[at] >> 1]) {
          const m = b.slice();
          m[at] = value;
          frames.push({ bytes: m, linkType: sample.linkType });
        }
      }
      for (let n = 0; n < b.length; n++) frames.push({ bytes: b.slice(0, n), linkType: sample.linkType });
    }
    const specs = frames.map((_f, i) => ({ flags: (i * 37) & 0xff, a: 0x0a000000 + i, b: 0xc0a80000 + i, sport: i & 0xffff, dport: (i * 7) & 0xffff }));
    for (const flags of [0, PARSE_SKIP_IPV4_CHECKSUM]) {
      for (let start = 0; start < frames.length; start += 512) await compare(target, frames.slice(start, start + 512), specs.slice(start, start + 512), flags);
    }
    expect(frames.length).toBeGreaterThan(5000);
  });

  test('04 the shapes the generator covers all parse (a floor for the differential)', async () => {
    const seen = new Set<string>();
    fc.sample(packetArb, { numRuns: 400, seed: 7 }).forEach((s) => seen.add(`${s.family}/${s.proto}`));
    expect(seen.size).toBe(18);
    const frames = fc.sample(packetArb, { numRuns: 200, seed: 7 }).map((s) => ({ bytes: buildPacket(s as PacketSpec), linkType: linkTypeOf(s as PacketSpec) }));
    const out = await run(target, frames);
    expect(out.parsed.map((p) => reasonName(p.reason)).filter((r) => r !== 'OK')).toEqual([]);
  });
});
