// pcapng: golden files in both byte orders, timestamp resolutions and offsets, several
// sections, the other packet blocks, skipped blocks, and every error.
import { describe, expect, it } from 'vitest';
import {
  PcapError,
  readCapture,
  readPcapng,
  writeCapture,
  writePcapng,
  type ByteOrder,
  type PcapRecord,
  type PcapngFile,
  type PcapngInterface,
} from '../../sdk/pcap/index.js';
import { block, concat, epb, hex, i64, idb, option, shb, u16, u32 } from './helpers.js';

const NS_INTERFACE: PcapngInterface = { section: 0, linkType: 1, snapLength: 262144, tsResolution: { base: 10, exponent: 9 }, tsOffset: 0n };
const GOLDEN_RECORD: PcapRecord = { index: 0, interfaceId: 0, linkType: 1, timestamp: { seconds: 1700000000n, nanos: 123456789 }, data: hex('0102030405'), originalLength: 60 };

// SHB, IDB (Ethernet, snaplen 262144, if_tsresol 9), EPB at 1700000000.123456789 s.
const GOLDEN: { desc: string; bytes: Uint8Array; file: PcapngFile }[] = [
  {
    desc: '01 little-endian',
    bytes: hex(`
      0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffff ffffffff 1c000000
      01000000 20000000 0100 0000 00000400 0900 0100 09000000 00000000 20000000
      06000000 28000000 00000000 fe9c9717 15cd853d 05000000 3c000000 01020304 05000000 28000000`),
    file: { format: 'pcapng', byteOrder: 'little', interfaces: [NS_INTERFACE], records: [GOLDEN_RECORD] },
  },
  {
    desc: '02 big-endian',
    bytes: hex(`
      0a0d0d0a 0000001c 1a2b3c4d 0001 0000 ffffffff ffffffff 0000001c
      00000001 00000020 0001 0000 00040000 0009 0001 09000000 00000000 00000020
      00000006 00000028 00000000 17979cfe 3d85cd15 00000005 0000003c 01020304 05000000 00000028`),
    file: { format: 'pcapng', byteOrder: 'big', interfaces: [NS_INTERFACE], records: [GOLDEN_RECORD] },
  },
];

function readError(bytes: Uint8Array): PcapError {
  try {
    readCapture(bytes);
  } catch (e) {
    if (e instanceof PcapError) return e;
    throw e;
  }
  throw new Error('read did not fail');
}

describe('pcapng golden files', () => {
  it.each(GOLDEN)('$desc: read', ({ bytes, file }) => {
    expect(readPcapng(bytes)).toEqual(file);
    expect(readCapture(bytes)).toEqual(file);
  });

  it.each(GOLDEN)('$desc: written byte for byte', ({ bytes, file }) => {
    expect(writePcapng(file)).toEqual(bytes);
    expect(writeCapture(file)).toEqual(bytes);
  });
});

describe.each<ByteOrder>(['little', 'big'])('pcapng reading (%s-endian)', (o) => {
  const oneRecord = (ifaceOptions: Uint8Array[], ticks: bigint) => readPcapng(concat(shb(o), idb(o, 1, 0, ...ifaceOptions), epb(o, 0, ticks, hex('aa'))));

  it.each([
    { desc: '03 no if_tsresol = microseconds', options: [] as Uint8Array[], ticks: 1700000000123456n, ts: { seconds: 1700000000n, nanos: 123456000 }, res: { base: 10, exponent: 6 } },
    { desc: '04 10^-3 (milliseconds)', options: [Uint8Array.of(3)], ticks: 1700000000123n, ts: { seconds: 1700000000n, nanos: 123000000 }, res: { base: 10, exponent: 3 } },
    { desc: '05 10^0 (seconds)', options: [Uint8Array.of(0)], ticks: 1700000000n, ts: { seconds: 1700000000n, nanos: 0 }, res: { base: 10, exponent: 0 } },
    { desc: '06 10^-12: sub-nanosecond ticks truncated', options: [Uint8Array.of(12)], ticks: 1000_123456789_999n, ts: { seconds: 1000n, nanos: 123456789 }, res: { base: 10, exponent: 12 } },
    { desc: '07 2^-20 (power-of-two form, MSB set)', options: [Uint8Array.of(0x94)], ticks: (5n << 20n) + (1n << 19n), ts: { seconds: 5n, nanos: 500000000 }, res: { base: 2, exponent: 20 } },
    { desc: '08 2^-10 rounds down to the nanosecond', options: [Uint8Array.of(0x8a)], ticks: 1n, ts: { seconds: 0n, nanos: 976562 }, res: { base: 2, exponent: 10 } },
    { desc: '09 the largest 64-bit tick count in µs', options: [], ticks: (1n << 64n) - 1n, ts: { seconds: 18446744073709n, nanos: 551615000 }, res: { base: 10, exponent: 6 } },
  ])('$desc', ({ options, ticks, ts, res }) => {
    const file = oneRecord(options.map((v) => option(o, 9, v)), ticks);
    expect(file.interfaces[0].tsResolution).toEqual(res);
    expect(file.records[0].timestamp).toEqual(ts);
  });

  it.each([
    { desc: '10 a positive if_tsoffset', offset: 1_000_000_000n, ticks: 1_500_000n, ts: { seconds: 1_000_000_001n, nanos: 500_000_000 } },
    { desc: '11 a negative if_tsoffset', offset: -10n, ticks: 5_250_000n, ts: { seconds: -5n, nanos: 250_000_000 } },
  ])('$desc is added to the seconds', ({ offset, ticks, ts }) => {
    const file = oneRecord([option(o, 14, i64(offset, o))], ticks);
    expect(file.interfaces[0].tsOffset).toBe(offset);
    expect(file.records[0].timestamp).toEqual(ts);
  });

  it('12 if_name and if_fcslen are kept; unknown options and a repeated if_tsresol are ignored', () => {
    const file = oneRecord(
      [option(o, 2, new TextEncoder().encode('eth0')), option(o, 13, Uint8Array.of(4)), option(o, 9, Uint8Array.of(9)), option(o, 9, Uint8Array.of(3)), option(o, 0x1234, hex('ffffff'))],
      7n,
    );
    expect(file.interfaces[0]).toEqual({ section: 0, linkType: 1, snapLength: 0, tsResolution: { base: 10, exponent: 9 }, tsOffset: 0n, name: 'eth0', fcsLength: 4 });
    expect(file.records[0].timestamp).toEqual({ seconds: 0n, nanos: 7 });
  });

  it('13 several interfaces; options after EPB data are skipped', () => {
    const epbWithOptions = block(
      o,
      6,
      concat(u32(1, o), u32(0, o), u32(2_000_000, o), u32(3, o), u32(3, o), hex('abcdef00'), option(o, 2, u32(0, o)), new Uint8Array(4)),
    );
    const file = readPcapng(concat(shb(o), idb(o, 1, 0), idb(o, 101, 0), epb(o, 0, 1_000_000n, hex('01')), epbWithOptions));
    expect(file.records.map((r) => [r.interfaceId, r.linkType, Array.from(r.data), r.timestamp.seconds])).toEqual([
      [0, 1, [1], 1n],
      [1, 101, [0xab, 0xcd, 0xef], 2n],
    ]);
  });

  it('14 Simple Packet Blocks use interface 0: caplen = min(block bytes, original length, snaplen); no timestamp', () => {
    const file = readPcapng(
      concat(
        shb(o),
        idb(o, 1, 4),
        block(o, 3, concat(u32(10, o), hex('0102030405060708'))), // snaplen 4 cuts
        block(o, 3, concat(u32(3, o), hex('090a0b00'))), // original length 3 ends before the padding
      ),
    );
    expect(file.records.map((r) => [Array.from(r.data), r.originalLength, r.interfaceId, r.timestamp])).toEqual([
      [[1, 2, 3, 4], 10, 0, { seconds: 0n, nanos: 0 }],
      [[9, 10, 11], 3, 0, { seconds: 0n, nanos: 0 }],
    ]);
  });

  it('15 the obsolete Packet Block (16-bit interface id, drops count)', () => {
    const opb = block(o, 2, concat(u16(1, o), u16(7, o), u32(0, o), u32(3_000_000, o), u32(2, o), u32(9, o), hex('beef')));
    const file = readPcapng(concat(shb(o), idb(o, 1, 0), idb(o, 228, 0), opb));
    expect(file.records).toEqual([{ index: 0, interfaceId: 1, linkType: 228, timestamp: { seconds: 3n, nanos: 0 }, data: hex('beef'), originalLength: 9 }]);
  });

  it('16 name resolution, statistics, decryption secrets, custom and unknown blocks are skipped', () => {
    const file = readPcapng(
      concat(
        shb(o),
        block(o, 4, hex('0000 0000')), // NRB
        idb(o, 1, 0),
        block(o, 5, concat(u32(0, o), u32(0, o), u32(0, o))), // ISB
        block(o, 0x0a, hex('544c534b 00000000')), // DSB
        block(o, 0x40000bad, hex('00007e6e 01020304')), // custom, do not copy
        block(o, 0x12345678, new Uint8Array(100)),
        epb(o, 0, 1n, hex('42')),
      ),
    );
    expect(file.records.map((r) => Array.from(r.data))).toEqual([[0x42]]);
  });

  it('17 a file with a section header only has no interfaces and no records', () => {
    expect(readPcapng(shb(o))).toEqual({ format: 'pcapng', byteOrder: o, interfaces: [], records: [] });
  });

  it('18 version 1.2 is read like 1.0 (libpcap does)', () => {
    expect(readPcapng(shb(o, [1, 2])).records).toEqual([]);
  });
});

describe('pcapng sections', () => {
  // Section 0 little-endian with two interfaces; section 1 big-endian with one (its local id 0).
  const bytes = concat(
    shb('little'),
    idb('little', 1, 0),
    idb('little', 101, 0, option('little', 9, Uint8Array.of(9))),
    epb('little', 1, 5_000_000_001n, hex('01')),
    epb('little', 0, 6_000_000n, hex('02')),
    shb('big'),
    idb('big', 228, 0, option('big', 2, new TextEncoder().encode('tun0'))),
    epb('big', 0, 7_000_000n, hex('03')),
  );

  it('19 interfaces are numbered over all sections; records point at them', () => {
    const file = readPcapng(bytes);
    expect(file.byteOrder).toBe('little');
    expect(file.interfaces.map((i) => [i.section, i.linkType, i.name])).toEqual([
      [0, 1, undefined],
      [0, 101, undefined],
      [1, 228, 'tun0'],
    ]);
    expect(file.records.map((r) => [r.index, r.interfaceId, r.linkType, r.timestamp])).toEqual([
      [0, 1, 101, { seconds: 5n, nanos: 1 }],
      [1, 0, 1, { seconds: 6n, nanos: 0 }],
      [2, 2, 228, { seconds: 7n, nanos: 0 }],
    ]);
  });

  it('20 a new section forgets the previous interfaces', () => {
    const e = readError(concat(shb('little'), idb('little', 1, 0), idb('little', 1, 0), shb('big'), idb('big', 1, 0), epb('big', 1, 0n, hex('00'))));
    expect(e.message).toBe('record 0 at byte 124: interface 1 is not described in this section (it has 1)');
  });

  it('21 written back as one section: same records, interfaces, interface ids', () => {
    const file = readPcapng(bytes);
    const again = readPcapng(writePcapng(file));
    expect(again.records).toEqual(file.records);
    expect(again.interfaces).toEqual(file.interfaces.map((i) => ({ ...i, section: 0 })));
  });
});

describe('pcapng writer', () => {
  it('22 power-of-two resolutions are written in nanoseconds, timestamps unchanged', () => {
    const file = readPcapng(concat(shb('little'), idb('little', 1, 0, option('little', 9, Uint8Array.of(0x94))), epb('little', 0, (5n << 20n) + 3n, hex('00'))));
    const again = readPcapng(writePcapng(file));
    expect(again.interfaces[0].tsResolution).toEqual({ base: 10, exponent: 9 });
    expect(again.records[0].timestamp).toEqual(file.records[0].timestamp);
  });

  it('23 if_tsoffset, if_name and if_fcslen survive a round trip', () => {
    const iface: PcapngInterface = { section: 0, linkType: 1, snapLength: 0, tsResolution: { base: 10, exponent: 6 }, tsOffset: -86400n, name: 'ens3', fcsLength: 4 };
    const rec: PcapRecord = { index: 0, interfaceId: 0, linkType: 1, timestamp: { seconds: -86000n, nanos: 5000 }, data: hex('00'), originalLength: 1 };
    expect(readPcapng(writePcapng({ byteOrder: 'big', interfaces: [iface], records: [rec] }))).toEqual({ format: 'pcapng', byteOrder: 'big', interfaces: [iface], records: [rec] });
  });

  const base = { byteOrder: 'little' as const, interfaces: [{ ...NS_INTERFACE, snapLength: 4 }] };
  const rec = { ...GOLDEN_RECORD, data: hex('00') };
  it.each([
    { desc: '24 an undefined interface', file: { ...base, records: [{ ...rec, interfaceId: 1 }] }, message: 'record 0: interface 1 is not among the 1 interfaces' },
    { desc: '25 another link type', file: { ...base, records: [{ ...rec, linkType: 101 }] }, message: "record 0: link type 101 differs from interface 0's 1" },
    { desc: '26 caplen above snaplen', file: { ...base, records: [{ ...rec, data: hex('0001020304') }] }, message: 'record 0: caplen 5 exceeds snaplen 4' },
    { desc: '27 a time before the epoch with no offset', file: { ...base, records: [{ ...rec, timestamp: { seconds: -1n, nanos: 0 } }] }, message: 'record 0: timestamp -1.000000000 s does not fit 64 bits of 10^-9 s after if_tsoffset 0' },
    { desc: '28 a time beyond 64 bits of nanoseconds', file: { ...base, records: [{ ...rec, timestamp: { seconds: 1n << 40n, nanos: 0 } }] }, message: 'record 0: timestamp 1099511627776.000000000 s does not fit 64 bits of 10^-9 s after if_tsoffset 0' },
    { desc: '29 nanos out of range', file: { ...base, records: [{ ...rec, timestamp: { seconds: 1n, nanos: -1 } }] }, message: 'record 0: timestamp nanos -1 is not 0–999999999' },
    { desc: '30 a link type beyond 16 bits', file: { ...base, interfaces: [{ ...NS_INTERFACE, linkType: 70000 }], records: [] }, message: 'interface 0: link type 70000 is not a uint16' },
    { desc: '31 a resolution base of 3', file: { ...base, interfaces: [{ ...NS_INTERFACE, tsResolution: { base: 3 as 10, exponent: 1 } }], records: [] }, message: 'interface 0: timestamp resolution 3^-1 is not 10^-(0–127) or 2^-(0–127)' },
    { desc: '32 an FCS length over 255', file: { ...base, interfaces: [{ ...NS_INTERFACE, fcsLength: 256 }], records: [] }, message: 'interface 0: if_fcslen 256 is not a uint8' },
  ])('$desc is refused', ({ file, message }) => {
    expect(() => writePcapng(file)).toThrow(PcapError);
    expect(() => writePcapng(file)).toThrow(message);
  });
});

describe('pcapng reader errors', () => {
  const o = 'little' as const;
  const head = concat(shb(o), idb(o, 1, 8));
  const good = epb(o, 0, 1n, hex('0102'));
  const lengthAt = (b: Uint8Array, at: number, v: number) => {
    const copy = b.slice();
    new DataView(copy.buffer).setUint32(at, v, true);
    return copy;
  };
  it.each([
    { desc: '33 no Section Header Block', bytes: concat(idb(o, 1, 0), shb(o)), message: 'at byte 0: unknown magic number 0x01000000 (not a pcap or pcapng file)', partial: undefined, truncated: false },
    { desc: '34 a bad byte-order magic', bytes: lengthAt(shb(o), 8, 0x11223344), message: 'at byte 8: Section Header Block has no byte-order magic 1a2b3c4d', partial: undefined, truncated: false },
    { desc: '35 version 2.0', bytes: shb(o, [2, 0]), message: 'at byte 12: unsupported pcapng version 2.0 (expected 1.0)', partial: undefined, truncated: false },
    { desc: '36 a block length not a multiple of 4', bytes: concat(head, lengthAt(good, 4, 37)), message: 'at byte 52: block type 0x6: total length 37 is not a multiple of 4 of at least 12', partial: 0, truncated: false },
    { desc: '37 a block length below 12', bytes: concat(head, lengthAt(good, 4, 8)), message: 'at byte 52: block type 0x6: total length 8 is not a multiple of 4 of at least 12', partial: 0, truncated: false },
    { desc: '38 lengths that disagree', bytes: concat(head, good, lengthAt(good, good.length - 4, 40)), message: 'record 1 at byte 84: block lengths disagree (36 at the start, 40 at the end)', partial: 1, truncated: false },
    { desc: '39 an undescribed interface', bytes: concat(head, epb(o, 3, 1n, hex('01'))), message: 'record 0 at byte 56: interface 3 is not described in this section (it has 1)', partial: 0, truncated: false },
    { desc: '40 caplen above snaplen', bytes: concat(head, good, epb(o, 0, 1n, new Uint8Array(9))), message: 'record 1 at byte 104: caplen 9 exceeds snaplen 8', partial: 1, truncated: false },
    { desc: '41 caplen beyond the block', bytes: concat(head, lengthAt(good, 20, 8)), message: 'record 0 at byte 68: caplen 8 does not fit its 36-byte block', partial: 0, truncated: false },
    { desc: '42 a packet block cut short', bytes: concat(head, good, good.subarray(0, 30)), message: 'record 1 at byte 84: cut short in the middle of a packet (block length 36, 30 bytes remain)', partial: 1, truncated: true },
    { desc: '43 fewer than 12 bytes of a block', bytes: concat(head, good, good.subarray(0, 6)), message: 'at byte 84: cut short in the middle of a block (6 bytes left, a block needs at least 12)', partial: 1, truncated: true },
    { desc: '44 an interface block cut short', bytes: concat(shb(o), idb(o, 1, 0).subarray(0, 16)), message: 'at byte 28: cut short in the middle of a block (block length 20, 16 bytes remain)', partial: 0, truncated: true },
    { desc: '45 an option running past its block', bytes: concat(shb(o), block(o, 1, concat(u16(1, o), u16(0, o), u32(0, o), u16(9, o), u16(40, o), new Uint8Array(4)))), message: 'at byte 44: interface option 9 of 40 bytes runs past its block', partial: 0, truncated: false },
    { desc: '46 if_tsresol of 2 bytes', bytes: concat(shb(o), idb(o, 1, 0, option(o, 9, hex('0600')))), message: 'at byte 44: if_tsresol option has 2 bytes (expected 1)', partial: 0, truncated: false },
    { desc: '47 a Simple Packet Block before any interface', bytes: concat(shb(o), block(o, 3, concat(u32(1, o), hex('aa')))), message: 'record 0 at byte 28: Simple Packet Block before any Interface Description Block in this section', partial: 0, truncated: false },
    { desc: '48 an Enhanced Packet Block before any interface', bytes: concat(shb(o), epb(o, 0, 0n, hex('aa'))), message: 'record 0 at byte 36: interface 0 is not described in this section (it has 0)', partial: 0, truncated: false },
    { desc: '49 a short Section Header Block', bytes: block(o, 0x0a0d0d0a, concat(u32(0x1a2b3c4d, o), u16(1, o), u16(0, o))), message: 'at byte 4: Section Header Block length 20 is below 28', partial: undefined, truncated: false },
    { desc: '50 a short Interface Description Block', bytes: concat(shb(o), block(o, 1, u32(1, o))), message: 'at byte 32: Interface Description Block length 16 is below 20', partial: 0, truncated: false },
    { desc: '51 a short Enhanced Packet Block', bytes: concat(head, block(o, 6, new Uint8Array(16))), message: 'record 0 at byte 52: packet block length 28 is below 32', partial: 0, truncated: false },
  ])('$desc', ({ bytes, message, partial, truncated }) => {
    const e = readError(bytes);
    expect(e.message).toBe(message);
    expect(e.truncated).toBe(truncated);
    if (partial === undefined) expect(e.partial).toBeUndefined();
    else expect(e.partial?.records).toHaveLength(partial);
  });
});
