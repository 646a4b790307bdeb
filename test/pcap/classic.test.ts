// Classic pcap: golden files in all four magic/byte-order combinations, the FCS bits of the
// link-type field, and every error the reader and writer report.
import { describe, expect, it } from 'vitest';
import {
  LINKTYPE,
  PcapError,
  pcapFcsLength,
  pcapLinkType,
  pcapLinkTypeField,
  readCapture,
  readPcap,
  writeCapture,
  writePcap,
  type PcapFile,
  type PcapHeader,
  type PcapRecord,
} from '../../sdk/pcap/index.js';
import { concat, hex } from './helpers.js';

const HEADER: PcapHeader = {
  byteOrder: 'little',
  precision: 'micro',
  versionMajor: 2,
  versionMinor: 4,
  thisZone: 0,
  sigFigs: 0,
  snapLength: 65535,
  linkTypeField: 1,
};

// Two records: 1700000000.123456 s (4 of 60 bytes) and 1700000001.000001 s (2 of 2 bytes).
const GOLDEN: { desc: string; bytes: Uint8Array; file: PcapFile }[] = [
  {
    desc: '01 little-endian, microseconds',
    bytes: hex(`
      d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000
      00f15365 40e20100 04000000 3c000000 deadbeef
      01f15365 01000000 02000000 02000000 cafe`),
    file: {
      format: 'pcap',
      header: HEADER,
      records: [
        { index: 0, linkType: 1, timestamp: { seconds: 1700000000n, nanos: 123456000 }, data: hex('deadbeef'), originalLength: 60 },
        { index: 1, linkType: 1, timestamp: { seconds: 1700000001n, nanos: 1000 }, data: hex('cafe'), originalLength: 2 },
      ],
    },
  },
  {
    desc: '02 big-endian, microseconds',
    bytes: hex(`
      a1b2c3d4 0002 0004 00000000 00000000 0000ffff 00000001
      6553f100 0001e240 00000004 0000003c deadbeef
      6553f101 00000001 00000002 00000002 cafe`),
    file: {
      format: 'pcap',
      header: { ...HEADER, byteOrder: 'big' },
      records: [
        { index: 0, linkType: 1, timestamp: { seconds: 1700000000n, nanos: 123456000 }, data: hex('deadbeef'), originalLength: 60 },
        { index: 1, linkType: 1, timestamp: { seconds: 1700000001n, nanos: 1000 }, data: hex('cafe'), originalLength: 2 },
      ],
    },
  },
  {
    desc: '03 little-endian, nanoseconds, raw IP, thiszone −3600 and sigfigs kept',
    bytes: hex(`
      4d3cb2a1 0200 0400 f0f1ffff 07000000 00000400 65000000
      00f15365 15cd5b07 04000000 04000000 45000014`),
    file: {
      format: 'pcap',
      header: { ...HEADER, precision: 'nano', thisZone: -3600, sigFigs: 7, snapLength: 262144, linkTypeField: LINKTYPE.RAW },
      records: [{ index: 0, linkType: 101, timestamp: { seconds: 1700000000n, nanos: 123456789 }, data: hex('45000014'), originalLength: 4 }],
    },
  },
  {
    desc: '04 big-endian, nanoseconds, version 2.2, no records',
    bytes: hex('a1b23c4d 0002 0002 00000000 00000000 0000ffff 00000001'),
    file: { format: 'pcap', header: { ...HEADER, byteOrder: 'big', precision: 'nano', versionMinor: 2 }, records: [] },
  },
  {
    desc: '05 the full 32-bit link-type field: Ethernet with a 4-byte FCS',
    bytes: hex(`
      d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000024
      00000000 00000000 01000000 01000000 aa`),
    file: {
      format: 'pcap',
      header: { ...HEADER, linkTypeField: 0x24000001 },
      records: [{ index: 0, linkType: 1, timestamp: { seconds: 0n, nanos: 0 }, data: hex('aa'), originalLength: 1 }],
    },
  },
];

describe('classic pcap golden files', () => {
  it.each(GOLDEN)('$desc: read', ({ bytes, file }) => {
    expect(readPcap(bytes)).toEqual(file);
    expect(readCapture(bytes)).toEqual(file);
  });

  it.each(GOLDEN)('$desc: written byte for byte', ({ bytes, file }) => {
    expect(writePcap(file)).toEqual(bytes);
    expect(writeCapture(file)).toEqual(bytes);
  });

  it('06 records are copies: rewriting one leaves the input alone', () => {
    const bytes = GOLDEN[0].bytes.slice();
    const data = readPcap(bytes).records[0].data as Uint8Array;
    data[0] = 0;
    expect(bytes[40]).toBe(0xde);
  });

  it('07 a Node Buffer input reads like a Uint8Array', () => {
    expect(readPcap(Buffer.from(GOLDEN[1].bytes))).toEqual(GOLDEN[1].file);
  });

  it('08 a fraction of a whole second (1 000 000 µs) carries into the seconds', () => {
    const bytes = hex('d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000  05000000 40420f00 00000000 00000000');
    expect(readPcap(bytes).records[0].timestamp).toEqual({ seconds: 6n, nanos: 0 });
  });

  it('09 a microsecond file drops the nanoseconds below a microsecond when written', () => {
    const rec: PcapRecord = { index: 0, linkType: 1, timestamp: { seconds: 5n, nanos: 123456789 }, data: new Uint8Array(0), originalLength: 0 };
    expect(readPcap(writePcap({ header: HEADER, records: [rec] })).records[0].timestamp).toEqual({ seconds: 5n, nanos: 123456000 });
  });

  it('10 snaplen 0 means no limit', () => {
    const big = new Uint8Array(70000);
    const file = { header: { ...HEADER, snapLength: 0 }, records: [{ index: 0, linkType: 1, timestamp: { seconds: 1n, nanos: 0 }, data: big, originalLength: 70000 }] };
    expect(readPcap(writePcap(file)).records[0].data).toHaveLength(70000);
  });

  it.each([
    { desc: '11 Ethernet, no FCS information', field: 1, linkType: 1, fcs: undefined },
    { desc: '12 Ethernet, 4-byte FCS', field: 0x24000001, linkType: 1, fcs: 4 },
    { desc: '13 raw IP, FCS known absent', field: 0x04000065, linkType: 101, fcs: 0 },
    { desc: '14 reserved bits set are ignored', field: 0x03ff0001, linkType: 1, fcs: undefined },
  ])('$desc: link-type field 0x$field', ({ field, linkType, fcs }) => {
    expect(pcapLinkType(field)).toBe(linkType);
    expect(pcapFcsLength(field)).toBe(fcs);
    if (!(field & 0x03ff0000)) expect(pcapLinkTypeField(linkType, fcs)).toBe(field);
  });
});

describe('classic pcap reader errors', () => {
  const header = GOLDEN[0].bytes.subarray(0, 24);
  const record0 = GOLDEN[0].bytes.subarray(24, 44);
  const cases = [
    { desc: '15 unknown magic', bytes: hex('00112233 0200 0400'), message: 'at byte 0: unknown magic number 0x00112233 (not a pcap or pcapng file)', truncated: false, partial: undefined },
    { desc: '16 an empty file', bytes: new Uint8Array(0), message: 'at byte 0: file is empty', truncated: false, partial: undefined },
    { desc: '17 a header cut short', bytes: header.subarray(0, 10), message: 'at byte 0: file header cut short (10 of 24 bytes)', truncated: true, partial: undefined },
    { desc: '18 version 3.0', bytes: concat(hex('d4c3b2a1 0300 0000'), header.subarray(8)), message: 'at byte 4: unsupported pcap version 3.0 (expected 2.4)', truncated: false, partial: undefined },
    { desc: '19 version 2.5', bytes: concat(hex('d4c3b2a1 0200 0500'), header.subarray(8)), message: 'at byte 4: unsupported pcap version 2.5 (expected 2.4)', truncated: false, partial: undefined },
    {
      desc: '20 caplen above snaplen',
      bytes: concat(header, record0, hex('00000000 00000000 70110100 70110100')),
      message: 'record 1 at byte 44: caplen 70000 exceeds snaplen 65535',
      truncated: false,
      partial: 1,
    },
    {
      desc: '21 a record header cut short',
      bytes: concat(header, record0, hex('00000000 00000000 0400')),
      message: 'record 1 at byte 44: cut short in the middle of a packet (record header needs 16 bytes, 10 remain)',
      truncated: true,
      partial: 1,
    },
    {
      desc: '22 packet bytes cut short',
      bytes: concat(header, record0, hex('00000000 00000000 04000000 04000000 aabb')),
      message: 'record 1 at byte 44: cut short in the middle of a packet (caplen 4, 2 bytes remain)',
      truncated: true,
      partial: 1,
    },
    {
      desc: '23 the first record cut short',
      bytes: concat(header, record0.subarray(0, 18)),
      message: 'record 0 at byte 24: cut short in the middle of a packet (caplen 4, 2 bytes remain)',
      truncated: true,
      partial: 0,
    },
  ];

  it.each(cases)('$desc', ({ bytes, message, truncated, partial }) => {
    let error: unknown;
    try {
      readCapture(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PcapError);
    const e = error as PcapError;
    expect(e.message).toBe(message);
    expect(e.truncated).toBe(truncated);
    if (partial === undefined) {
      expect(e.partial).toBeUndefined();
    } else {
      expect(e.partial?.records).toHaveLength(partial);
      expect(e.partial?.records).toEqual(GOLDEN[0].file.records.slice(0, partial));
      expect(e.partial?.format).toBe('pcap');
    }
  });

  it('24 errors carry the offset and record index as fields', () => {
    const e = (() => {
      try {
        readPcap(concat(header, record0, hex('00000000 00000000 70110100 70110100')));
      } catch (err) {
        return err as PcapError;
      }
      throw new Error('no error');
    })();
    expect([e.offset, e.recordIndex, e.detail]).toEqual([44, 1, 'caplen 70000 exceeds snaplen 65535']);
  });
});

describe('classic pcap writer errors', () => {
  const rec: PcapRecord = { index: 0, linkType: 1, timestamp: { seconds: 1n, nanos: 0 }, data: hex('00'), originalLength: 1 };
  it.each([
    { desc: '25 seconds beyond uint32', header: HEADER, record: { ...rec, timestamp: { seconds: 1n << 32n, nanos: 0 } }, message: 'record 0: timestamp seconds 4294967296 do not fit a pcap uint32' },
    { desc: '26 negative seconds', header: HEADER, record: { ...rec, timestamp: { seconds: -1n, nanos: 0 } }, message: 'record 0: timestamp seconds -1 do not fit a pcap uint32' },
    { desc: '27 nanos out of range', header: HEADER, record: { ...rec, timestamp: { seconds: 1n, nanos: 1e9 } }, message: 'record 0: timestamp nanos 1000000000 is not 0–999999999' },
    { desc: '28 another link type', header: HEADER, record: { ...rec, linkType: 101 }, message: "record 0: link type 101 differs from the file's 1" },
    { desc: '29 caplen above snaplen', header: { ...HEADER, snapLength: 0 + 1 }, record: { ...rec, data: hex('0000') }, message: 'record 0: caplen 2 exceeds snaplen 1' },
    { desc: '30 original length not uint32', header: HEADER, record: { ...rec, originalLength: -1 }, message: 'record 0: original length -1 is not a uint32' },
    { desc: '31 a header with version 1.0', header: { ...HEADER, versionMajor: 1 }, record: rec, message: 'pcap header: version 1.4 is not 2.0–2.4' },
    { desc: '32 a header with thisZone beyond int32', header: { ...HEADER, thisZone: 2 ** 31 }, record: rec, message: 'pcap header: thisZone 2147483648 is not an int32' },
    { desc: '33 a header with a negative link-type field', header: { ...HEADER, linkTypeField: -1 }, record: rec, message: 'pcap header: linkTypeField -1 is not a uint32' },
  ])('$desc', ({ header, record, message }) => {
    expect(() => writePcap({ header, records: [record] })).toThrow(new PcapError(message.replace(/^record 0: /, ''), message.startsWith('record') ? { recordIndex: 0 } : {}));
    expect(() => writePcap({ header, records: [record] })).toThrow(message);
  });
});
