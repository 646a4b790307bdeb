// The real tshark (Debian package tshark, installed by scripts/ensure-system-deps.sh) reads
// what the writers produce: same timestamps to the nanosecond, same addresses, valid IPv4
// and UDP checksums in the test packets; and it agrees with the reader on exotic pcapng
// (power-of-two resolution, if_tsoffset) and on a file cut short.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LINKTYPE,
  PcapError,
  readCapture,
  writeCapture,
  type Capture,
  type PcapHeader,
  type PcapRecord,
  type PcapngInterface,
} from '../../sdk/pcap/index.js';
import { concat, epb, ethernet, i64, idb, ipv4Udp, option, shb } from './helpers.js';

const FIELDS = ['frame.time_epoch', 'ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport', 'ip.checksum.status', 'udp.checksum.status'];
const CHECKSUM_GOOD = '1'; // Wireshark's PROTO_CHECKSUM_E_GOOD

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'svcnet-pcap-'));
});

const MISSING = 'tshark is not installed: these tests need it. Run `bash scripts/ensure-system-deps.sh` (installs the Debian package tshark).';

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface TsharkRun {
  rows: string[][];
  status: number;
  stderr: string;
}

/** Runs tshark on a file and splits its field output; a non-zero exit is returned, not thrown. */
function tshark(name: string, bytes: Uint8Array): TsharkRun {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const args = ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', ...FIELDS.flatMap((f) => ['-e', f])];
  let stdout: string;
  let status = 0;
  let stderr = '';
  try {
    stdout = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const failed = e as { code?: string; stdout?: string; stderr?: string; status?: number };
    if (failed.code === 'ENOENT') throw new Error(MISSING);
    stdout = failed.stdout ?? '';
    stderr = failed.stderr ?? '';
    status = failed.status ?? -1;
  }
  const rows = stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
  return { rows, status, stderr };
}

interface Flow {
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

const FLOWS: Flow[] = [
  { src: '10.0.0.1', dst: '10.96.0.10', sport: 40000, dport: 53 },
  { src: '192.168.7.20', dst: '10.244.1.5', sport: 5353, dport: 8080 },
  { src: '172.16.0.9', dst: '10.96.12.34', sport: 12345, dport: 443 },
];

function packet(flow: Flow, linkType: number, n: number): Uint8Array {
  const ip = ipv4Udp(flow.src, flow.dst, flow.sport, flow.dport, Uint8Array.from({ length: 5 + n }, (_, i) => i));
  return linkType === LINKTYPE.ETHERNET ? ethernet(ip) : ip;
}

function records(linkType: number, times: PcapRecord['timestamp'][], interfaceIds?: number[]): PcapRecord[] {
  return times.map((timestamp, index) => {
    const data = packet(FLOWS[index % FLOWS.length], linkType, index);
    return { index, linkType, timestamp, data, originalLength: data.length, ...(interfaceIds ? { interfaceId: interfaceIds[index] } : {}) };
  });
}

function header(byteOrder: PcapHeader['byteOrder'], precision: PcapHeader['precision'], linkType: number): PcapHeader {
  return { byteOrder, precision, versionMajor: 2, versionMinor: 4, thisZone: 0, sigFigs: 0, snapLength: 65535, linkTypeField: linkType };
}

const epoch = (t: PcapRecord['timestamp']) => `${t.seconds}.${String(t.nanos).padStart(9, '0')}`;

/** What tshark must print for each record of a capture. */
function expectedRows(capture: Capture): string[][] {
  return capture.records.map((r, i) => {
    const f = FLOWS[i % FLOWS.length];
    return [epoch(r.timestamp), f.src, f.dst, String(f.sport), String(f.dport), CHECKSUM_GOOD, CHECKSUM_GOOD];
  });
}

const MICRO_TIMES = [
  { seconds: 1700000000n, nanos: 123456000 },
  { seconds: 1700000001n, nanos: 1000 },
  { seconds: 4294967295n, nanos: 999999000 },
];
const NANO_TIMES = [
  { seconds: 1700000000n, nanos: 123456789 },
  { seconds: 1700000000n, nanos: 123456790 },
  { seconds: 0n, nanos: 1 },
];
const ETH_NS: PcapngInterface = { section: 0, linkType: LINKTYPE.ETHERNET, snapLength: 262144, tsResolution: { base: 10, exponent: 9 }, tsOffset: 0n, name: 'eth0' };
const RAW_US: PcapngInterface = { section: 0, linkType: LINKTYPE.RAW, snapLength: 0, tsResolution: { base: 10, exponent: 6 }, tsOffset: 0n };

const CASES: { desc: string; capture: Capture }[] = [
  { desc: '01 pcap, little-endian, µs, Ethernet', capture: { format: 'pcap', header: header('little', 'micro', LINKTYPE.ETHERNET), records: records(LINKTYPE.ETHERNET, MICRO_TIMES) } },
  { desc: '02 pcap, big-endian, µs, raw IP', capture: { format: 'pcap', header: header('big', 'micro', LINKTYPE.RAW), records: records(LINKTYPE.RAW, MICRO_TIMES) } },
  { desc: '03 pcap, little-endian, ns, raw IPv4 (228)', capture: { format: 'pcap', header: header('little', 'nano', LINKTYPE.IPV4), records: records(LINKTYPE.IPV4, NANO_TIMES) } },
  { desc: '04 pcap, big-endian, ns, Ethernet', capture: { format: 'pcap', header: header('big', 'nano', LINKTYPE.ETHERNET), records: records(LINKTYPE.ETHERNET, NANO_TIMES) } },
  {
    desc: '05 pcapng, little-endian, one Ethernet interface in ns',
    capture: { format: 'pcapng', byteOrder: 'little', interfaces: [ETH_NS], records: records(LINKTYPE.ETHERNET, NANO_TIMES, [0, 0, 0]) },
  },
  {
    desc: '06 pcapng, big-endian, Ethernet (ns) and raw IP (µs) interfaces interleaved',
    capture: {
      format: 'pcapng',
      byteOrder: 'big',
      interfaces: [ETH_NS, RAW_US],
      records: [...records(LINKTYPE.ETHERNET, NANO_TIMES.slice(0, 1), [0]), ...records(LINKTYPE.RAW, MICRO_TIMES.slice(0, 2), [1, 1])].map((r, index) => {
        const data = packet(FLOWS[index], r.linkType, index);
        return { ...r, index, data, originalLength: data.length };
      }),
    },
  },
];

describe('tshark reads what the writers write', () => {
  it.each(CASES)('$desc', ({ desc, capture }) => {
    const bytes = writeCapture(capture);
    expect(readCapture(bytes)).toEqual(capture);
    const run = tshark(`${desc.slice(0, 2)}.${capture.format}`, bytes);
    expect(run.status, run.stderr).toBe(0);
    expect(run.rows).toEqual(expectedRows(capture));
  });
});

describe('tshark and the reader agree', () => {
  const p = (i: number) => packet(FLOWS[i], LINKTYPE.ETHERNET, i);

  it.each([
    {
      desc: '07 if_tsresol 2^-20, one tick past 5.5 s (both truncate to 953 ns)',
      bytes: concat(shb('big'), idb('big', 1, 0, option('big', 9, Uint8Array.of(0x94))), epb('big', 0, (5n << 20n) + (1n << 19n) + 1n, p(0))),
      times: ['5.500000953'],
    },
    {
      desc: '08 if_tsoffset 1000 s added to 5 s of µs ticks',
      bytes: concat(shb('little'), idb('little', 1, 0, option('little', 14, i64(1000n, 'little'))), epb('little', 0, 5_000_000n, p(0))),
      times: ['1005.000000000'],
    },
    {
      desc: '09 two sections in different byte orders',
      bytes: concat(shb('little'), idb('little', 1, 0), epb('little', 0, 1_000_001n, p(0)), shb('big'), idb('big', 1, 0, option('big', 9, Uint8Array.of(9))), epb('big', 0, 2_000_000_002n, p(1))),
      times: ['1.000001000', '2.000000002'],
    },
  ])('$desc', ({ desc, bytes, times }) => {
    const mine = readCapture(bytes);
    expect(mine.records.map((r) => epoch(r.timestamp))).toEqual(times);
    const run = tshark(`${desc.slice(0, 2)}.pcapng`, bytes);
    expect(run.status, run.stderr).toBe(0);
    expect(run.rows.map((row) => row[0])).toEqual(times);
    expect(run.rows.map((row) => row.slice(1, 3))).toEqual(times.map((_, i) => [FLOWS[i].src, FLOWS[i].dst]));
  });

  it.each(CASES.filter((_, i) => i === 0 || i === 5))('10 $desc, cut in the middle of the last packet: both report it after the packets before', ({ capture }) => {
    const bytes = writeCapture(capture);
    const cut = bytes.subarray(0, bytes.length - 10);
    const run = tshark(`cut.${capture.format}`, cut);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/cut short in the middle of a packet/);
    let error: PcapError | undefined;
    try {
      readCapture(cut);
    } catch (e) {
      error = e as PcapError;
    }
    expect(error).toBeInstanceOf(PcapError);
    expect(error?.truncated).toBe(true);
    expect(error?.message).toMatch(new RegExp(`^record ${capture.records.length - 1} at byte \\d+: cut short in the middle of a packet`));
    expect(error?.partial?.records).toEqual(capture.records.slice(0, -1));
    expect(run.rows).toEqual(expectedRows(capture).slice(0, -1));
  });
});
