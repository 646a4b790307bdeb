// Properties of both codecs: read(write(x)) == x for every byte order, precision and
// resolution; and fuzzing — random bytes, truncations and mutated files only ever produce a
// capture or a PcapError, and truncations keep every record before the cut.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PCAP_MAGIC_MICRO,
  PCAP_MAGIC_NANO,
  PcapError,
  readCapture,
  readPcap,
  readPcapng,
  writeCapture,
  writePcap,
  writePcapng,
  type Capture,
  type PcapFile,
  type PcapRecord,
  type PcapngFile,
  type PcapngInterface,
} from '../../sdk/pcap/index.js';
import { block, concat, shb, u32 } from './helpers.js';

const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const byteOrder = fc.constantFrom('little' as const, 'big' as const);
const MAX_DATA = 64;
const snapLength = fc.oneof(fc.constant(0), fc.integer({ min: MAX_DATA, max: 0xffffffff }));
const data = fc.uint8Array({ maxLength: MAX_DATA });

const pcapFile: fc.Arbitrary<PcapFile> = fc
  .record({
    byteOrder,
    precision: fc.constantFrom('micro' as const, 'nano' as const),
    versionMinor: fc.integer({ min: 0, max: 4 }),
    thisZone: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    sigFigs: uint32,
    snapLength,
    linkTypeField: uint32,
  })
  .chain((h) => {
    const header = { ...h, versionMajor: 2 };
    const nanos = h.precision === 'micro' ? fc.integer({ min: 0, max: 999_999 }).map((us) => us * 1000) : fc.integer({ min: 0, max: 999_999_999 });
    const record = fc.record({ seconds: uint32, nanos, data, originalLength: uint32 });
    return fc.array(record, { maxLength: 12 }).map(
      (rs): PcapFile => ({
        format: 'pcap',
        header,
        records: rs.map((r, index) => ({
          index,
          linkType: h.linkTypeField & 0xffff,
          timestamp: { seconds: BigInt(r.seconds), nanos: r.nanos },
          data: r.data,
          originalLength: r.originalLength,
        })),
      }),
    );
  });

const pcapngInterface: fc.Arbitrary<PcapngInterface> = fc
  .record(
    {
      linkType: fc.integer({ min: 0, max: 0xffff }),
      snapLength,
      exponent: fc.integer({ min: 0, max: 19 }),
      tsOffset: fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }),
      name: fc.string({ unit: 'grapheme', maxLength: 12 }),
      fcsLength: fc.integer({ min: 0, max: 255 }),
    },
    { requiredKeys: ['linkType', 'snapLength', 'exponent', 'tsOffset'] },
  )
  .map(({ exponent, ...i }) => ({ section: 0, tsResolution: { base: 10 as const, exponent }, ...i }));

/** A timestamp that the interface can express exactly in 64 bits of ticks. */
function timestampFor(iface: PcapngInterface): fc.Arbitrary<PcapRecord['timestamp']> {
  const e = iface.tsResolution.exponent;
  const perSecond = 10n ** BigInt(e);
  const maxSeconds = ((1n << 64n) - 1n) / perSecond - 1n;
  const nanos = e >= 9 ? fc.integer({ min: 0, max: 999_999_999 }) : fc.integer({ min: 0, max: 10 ** e - 1 }).map((t) => t * 10 ** (9 - e));
  return fc.record({ seconds: fc.bigInt({ min: 0n, max: maxSeconds }).map((s) => s + iface.tsOffset), nanos });
}

const pcapngFile: fc.Arbitrary<PcapngFile> = fc
  .record({ byteOrder, interfaces: fc.array(pcapngInterface, { minLength: 1, maxLength: 4 }) })
  .chain(({ byteOrder: order, interfaces }) => {
    const record = fc.nat({ max: interfaces.length - 1 }).chain((interfaceId) =>
      fc.record({ interfaceId: fc.constant(interfaceId), timestamp: timestampFor(interfaces[interfaceId]), data, originalLength: uint32 }),
    );
    return fc.array(record, { maxLength: 12 }).map(
      (rs): PcapngFile => ({
        format: 'pcapng',
        byteOrder: order,
        interfaces,
        records: rs.map((r, index) => ({ index, linkType: interfaces[r.interfaceId].linkType, ...r })),
      }),
    );
  });

const anyCapture: fc.Arbitrary<Capture> = fc.oneof(pcapFile, pcapngFile);

/** Runs the reader; returns the capture or the PcapError, and fails on anything else. */
function attempt(bytes: Uint8Array): Capture | PcapError {
  try {
    return readCapture(bytes);
  } catch (e) {
    if (!(e instanceof PcapError)) throw new Error(`reader threw ${String(e)} instead of a PcapError`, { cause: e });
    expect(e.offset === undefined || (e.offset >= 0 && e.offset <= bytes.length)).toBe(true);
    return e;
  }
}

function expectWellFormed(c: Capture): void {
  c.records.forEach((r, i) => {
    expect(r.index).toBe(i);
    expect(r.timestamp.nanos).toBeGreaterThanOrEqual(0);
    expect(r.timestamp.nanos).toBeLessThan(1e9);
    expect(r.data).toBeInstanceOf(Uint8Array);
  });
}

describe('round trips', () => {
  it('01 classic pcap: read(write(x)) == x (both byte orders, µs and ns)', () => {
    fc.assert(
      fc.property(pcapFile, (file) => {
        expect(readPcap(writePcap(file))).toEqual(file);
      }),
      { numRuns: 300 },
    );
  });

  it('02 pcapng: read(write(x)) == x (both byte orders, resolutions 10^0–10^-19, offsets, names)', () => {
    fc.assert(
      fc.property(pcapngFile, (file) => {
        expect(readPcapng(writePcapng(file))).toEqual(file);
      }),
      { numRuns: 300 },
    );
  });

  it('03 writing is deterministic and stable: write(read(write(x))) == write(x)', () => {
    fc.assert(
      fc.property(anyCapture, (capture) => {
        const bytes = writeCapture(capture);
        expect(writeCapture(readCapture(bytes))).toEqual(bytes);
      }),
    );
  });

  it('04 the other byte order writes other bytes that read back the same records', () => {
    fc.assert(
      fc.property(anyCapture, (capture) => {
        const flipped: Capture =
          capture.format === 'pcap'
            ? { ...capture, header: { ...capture.header, byteOrder: capture.header.byteOrder === 'little' ? 'big' : 'little' } }
            : { ...capture, byteOrder: capture.byteOrder === 'little' ? 'big' : 'little' };
        const a = writeCapture(capture);
        const b = writeCapture(flipped);
        expect(a.length).toBe(b.length);
        expect(b).not.toEqual(a);
        expect(readCapture(b).records).toEqual(capture.records);
      }),
    );
  });
});

describe('fuzzing', () => {
  const prefixes = [
    new Uint8Array(0),
    u32(PCAP_MAGIC_MICRO, 'little'),
    u32(PCAP_MAGIC_NANO, 'big'),
    concat(u32(PCAP_MAGIC_MICRO, 'big'), Uint8Array.of(0, 2, 0, 4)),
    Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a),
    shb('little'),
    shb('big'),
  ];

  it('05 random bytes after every magic: a capture or a PcapError, nothing else', () => {
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 400 }), (prefix, tail) => {
        const result = attempt(concat(prefix, tail));
        if (!(result instanceof PcapError)) expectWellFormed(result);
      }),
      { numRuns: 2000 },
    );
  });

  it('06 random pcapng blocks (plausible lengths, random bodies): a capture or a PcapError', () => {
    const randomBlock = fc
      .record({ order: byteOrder, type: fc.constantFrom(1, 2, 3, 4, 5, 6, 0x0a0d0d0a, 0xbad, 77), body: fc.uint8Array({ maxLength: 48 }) })
      .map(({ order, type, body }) => ({ order, bytes: block(order, type, body) }));
    fc.assert(
      fc.property(byteOrder, fc.array(randomBlock, { maxLength: 8 }), (order, blocks) => {
        const result = attempt(concat(shb(order), ...blocks.map((b) => b.bytes)));
        if (!(result instanceof PcapError)) expectWellFormed(result);
      }),
      { numRuns: 2000 },
    );
  });

  it('07 a file cut anywhere keeps every record before the cut (and reports the cut)', () => {
    fc.assert(
      fc.property(anyCapture, fc.double({ min: 0, max: 1, noNaN: true }), (capture, where) => {
        const bytes = writeCapture(capture);
        const cut = Math.floor(where * bytes.length);
        const result = attempt(bytes.subarray(0, cut));
        const headerLength = capture.format === 'pcap' ? 24 : 28;
        if (result instanceof PcapError) {
          if (cut >= headerLength) {
            expect(result.truncated).toBe(true);
            const kept = result.partial?.records ?? [];
            expect(kept).toEqual(capture.records.slice(0, kept.length));
          }
        } else {
          expect(result.records).toEqual(capture.records.slice(0, result.records.length));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('08 mutated files (header and length bytes too): a capture or a PcapError', () => {
    fc.assert(
      fc.property(
        anyCapture,
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (capture, mutations) => {
          const bytes = writeCapture(capture).slice();
          for (const [where, value] of mutations) bytes[Math.floor(where * bytes.length)] = value;
          const result = attempt(bytes);
          if (!(result instanceof PcapError)) expectWellFormed(result);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('09 huge declared lengths are reported, not allocated or waited for', () => {
    const classic = concat(u32(PCAP_MAGIC_MICRO, 'little'), Uint8Array.of(2, 0, 4, 0), new Uint8Array(8), u32(0xffffffff, 'little'), u32(1, 'little'));
    const e1 = attempt(concat(classic, new Uint8Array(8), u32(0xfffffff0, 'little'), u32(0xfffffff0, 'little'), new Uint8Array(10)));
    expect(e1).toBeInstanceOf(PcapError);
    expect((e1 as PcapError).message).toBe('record 0 at byte 24: cut short in the middle of a packet (caplen 4294967280, 10 bytes remain)');
    const e2 = attempt(concat(shb('big'), u32(6, 'big'), u32(0xfffffff0, 'big'), new Uint8Array(24)));
    expect((e2 as PcapError).message).toBe('record 0 at byte 28: cut short in the middle of a packet (block length 4294967280, 32 bytes remain)');
  });

  it('10 a million bytes of minimal blocks and empty records read in one pass', () => {
    const empty = block('little', 77, new Uint8Array(0));
    const ng = attempt(concat(shb('little'), ...Array.from({ length: 80_000 }, () => empty)));
    expect(ng).not.toBeInstanceOf(PcapError);
    const header = concat(u32(PCAP_MAGIC_NANO, 'little'), Uint8Array.of(2, 0, 4, 0), new Uint8Array(8), u32(0, 'little'), u32(1, 'little'));
    const classic = attempt(concat(header, new Uint8Array(16 * 60_000)));
    expect((classic as Capture).records).toHaveLength(60_000);
  });
});
