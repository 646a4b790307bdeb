// `npx svcnet route` end to end, as a user runs it: the built package in a real process, the
// manifests of test/node/fixtures/route (a Node, ClusterIP, NodePort, LoadBalancer with
// source ranges, eTP Local, a v1 Endpoints, a ServiceCIDR, a KubeProxyConfiguration), input
// captures generated here (Ethernet and raw IP, µs and ns, both byte orders, pcapng; IPv4 and
// IPv6). The output capture is read back (format, link type, timestamps) and checked by the
// real tshark — rewritten addresses and ports, and every checksum "Good" — and the verdict
// lines are compared in full. Needs `npm run build:sdk` (the suite's pretest builds) and
// tshark (scripts/ensure-system-deps.sh installs it).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINKTYPE, readCapture, writeCapture, type Capture, type PcapRecord, type PcapTimestamp } from '../../sdk/pcap/index.js';
import { ethernet, ipv4, ipv6, tcp, udp } from '../packet/samples.js';
import { GOOD, svcnet, tshark as tsharkFields, useBuiltSvcnet } from './route-helpers.js';
import { routeOptions } from '../../sdk/node/route.js';

const MANIFESTS = 'test/node/fixtures/route';
const dir = useBuiltSvcnet('svcnet-route-');

// ---------------------------------------------------------------------------- tshark

const TSHARK_FIELDS = [
  'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'icmp.type', 'icmpv6.type',
  'ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'icmp.checksum.status', 'icmpv6.checksum.status',
] as const;
type TsharkField = (typeof TSHARK_FIELDS)[number];
const CHECKSUM_FIELDS: readonly TsharkField[] = ['ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'icmp.checksum.status', 'icmpv6.checksum.status'];
const tshark = (file: string) => tsharkFields(file, TSHARK_FIELDS);

/** What tshark must show for one output packet (outer header). */
interface Seen {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** ICMP or ICMPv6 type. */
  icmp?: number;
}

function seen(row: Record<TsharkField, string[]>): Seen {
  const v6 = row['ipv6.src'].length > 0 && row['ip.src'].length === 0;
  const first = (f: TsharkField): string | undefined => row[f][0];
  const port = (a: TsharkField, b: TsharkField): number | undefined => {
    const text = first(a) ?? first(b);
    return text === undefined ? undefined : Number(text);
  };
  const icmp = first('icmp.type') ?? first('icmpv6.type');
  const sport = port('tcp.srcport', 'udp.srcport');
  const dport = port('tcp.dstport', 'udp.dstport');
  return {
    src: (v6 ? first('ipv6.src') : first('ip.src')) as string,
    dst: (v6 ? first('ipv6.dst') : first('ip.dst')) as string,
    ...(icmp !== undefined ? { icmp: Number(icmp) } : { ...(sport !== undefined ? { sport } : {}), ...(dport !== undefined ? { dport } : {}) }),
  };
}

// ---------------------------------------------------------------------------- captures

const SYN = 0x02;
const SYN_ACK = 0x12;
const ACK = 0x10;
const POD = '10.244.1.9';
const POD6 = 'fd00:244:1::9';
const NODE_IP = '192.168.0.2';
const CLIENT = '198.18.0.9';

const tcp4 = (src: string, sport: number, dst: string, dport: number, flags = SYN) => ipv4({ src, dst }, tcp({ sport, dport, flags, data: [1, 2, 3, 4] }));
const tcp6 = (src: string, sport: number, dst: string, dport: number, flags = SYN) => ipv6({ src, dst }, tcp({ sport, dport, flags, data: [1, 2, 3, 4] }));
const udp4 = (src: string, sport: number, dst: string, dport: number) => ipv4({ src, dst }, udp({ sport, dport, data: [5, 6, 7] }));
const udp6 = (src: string, sport: number, dst: string, dport: number) => ipv6({ src, dst }, udp({ sport, dport, data: [5, 6, 7] }));

interface Packet {
  /** The IP packet (framed per the capture's link type). */
  ip: Uint8Array;
  /** The verdict line, minus `index`. */
  verdict: Record<string, unknown>;
  /** What leaves the node; absent: nothing. `'same'`: the input, byte for byte. */
  out?: Seen | 'same';
}

interface CaptureCase {
  name: string;
  format: 'pcap' | 'pcapng';
  byteOrder: 'little' | 'big';
  precision: 'micro' | 'nano';
  linkType: number;
  args?: string[];
  packets: Packet[];
}

const dnat = (service: string, endpoint: string, flow: string, masquerade = false) => ({ verdict: 'DNAT', service, endpoint, masquerade, flow });
const pass = { verdict: 'PASS', masquerade: false, flow: 'new' };

const CASES: CaptureCase[] = [
  {
    name: '01 Ethernet, little-endian, µs, IPv4 and IPv6, iptables (the manifests’ KubeProxyConfiguration)',
    format: 'pcap',
    byteOrder: 'little',
    precision: 'micro',
    linkType: LINKTYPE.ETHERNET,
    packets: [
      { ip: tcp4(POD, 40000, '10.96.0.10', 80), verdict: dnat('ns1/web:http', '10.244.1.5:8080', 'new'), out: { src: POD, dst: '10.244.1.5', sport: 40000, dport: 8080 } },
      { ip: tcp4('10.244.1.5', 8080, POD, 40000, SYN_ACK), verdict: dnat('ns1/web:http', '10.244.1.5:8080', 'reply'), out: { src: '10.96.0.10', dst: POD, sport: 80, dport: 40000 } },
      { ip: tcp4(POD, 40000, '10.96.0.10', 80, ACK), verdict: dnat('ns1/web:http', '10.244.1.5:8080', 'established'), out: { src: POD, dst: '10.244.1.5', sport: 40000, dport: 8080 } },
      { ip: tcp4(CLIENT, 5555, NODE_IP, 30080), verdict: dnat('ns1/api:http', '10.244.2.7:8080', 'new', true), out: { src: NODE_IP, dst: '10.244.2.7', sport: 5555, dport: 8080 } },
      { ip: tcp4('10.244.2.7', 8080, NODE_IP, 5555, SYN_ACK), verdict: dnat('ns1/api:http', '10.244.2.7:8080', 'reply', true), out: { src: NODE_IP, dst: CLIENT, sport: 30080, dport: 5555 } },
      { ip: tcp4('203.0.113.5', 5556, '198.51.100.10', 443), verdict: dnat('ns1/lb:https', '10.244.1.6:8443', 'new', true), out: { src: NODE_IP, dst: '10.244.1.6', sport: 5556, dport: 8443 } },
      { ip: tcp4('198.18.0.1', 5557, '198.51.100.10', 443), verdict: { verdict: 'DROP', service: 'ns1/lb:https', masquerade: false, flow: 'new', reason: 'source not in loadBalancerSourceRanges' } },
      { ip: tcp4('198.18.0.2', 5558, '198.51.100.11', 80), verdict: { verdict: 'DROP', service: 'ns1/local:http', masquerade: false, flow: 'new', reason: 'no local endpoints' } },
      { ip: tcp4('198.18.0.3', 5559, NODE_IP, 32000), verdict: { verdict: 'ACCEPT', service: 'ns1/local:http', masquerade: false, flow: 'new' }, out: 'same' },
      { ip: udp4(POD, 5000, '10.96.0.50', 5353), verdict: { verdict: 'REJECT', service: 'ns1/empty:dns', masquerade: false, flow: 'new', reason: 'no endpoints' }, out: { src: '10.96.0.50', dst: POD, icmp: 3 } },
      { ip: udp4(POD, 5001, '8.8.8.8', 53), verdict: pass, out: 'same' },
      { ip: tcp6(POD6, 40000, 'fd00:244:2::7', 8080), verdict: pass, out: 'same' },
      { ip: udp6(POD6, 5002, 'fd00:10:96::99', 53), verdict: pass, out: 'same' },
    ],
  },
  {
    name: '02 raw IP, big-endian, ns, IPv4 and IPv6, --mode nftables over the manifests’ configuration',
    format: 'pcap',
    byteOrder: 'big',
    precision: 'nano',
    linkType: LINKTYPE.RAW,
    args: ['--mode', 'nftables'],
    packets: [
      { ip: tcp4(POD, 40001, '10.96.0.10', 80), verdict: dnat('ns1/web:http', '10.244.1.5:8080', 'new'), out: { src: POD, dst: '10.244.1.5', sport: 40001, dport: 8080 } },
      { ip: tcp4(POD, 40002, '10.96.0.10', 81), verdict: { verdict: 'REJECT', masquerade: false, flow: 'new', reason: 'undefined port on a service IP' }, out: { src: '10.96.0.10', dst: POD, icmp: 3 } },
      { ip: tcp4(POD, 40003, '10.96.0.99', 80), verdict: { verdict: 'DROP', masquerade: false, flow: 'new', reason: 'unallocated service IP' } },
      { ip: tcp4('198.18.0.3', 5559, NODE_IP, 32000), verdict: pass, out: 'same' },
      { ip: tcp6(POD6, 40004, 'fd00:10:96::99', 80), verdict: { verdict: 'DROP', masquerade: false, flow: 'new', reason: 'unallocated service IP' } },
      { ip: udp6(POD6, 5003, 'fd00:244:2::7', 53), verdict: pass, out: 'same' },
    ],
  },
  {
    name: '03 pcapng, Ethernet, --node-ip replaces the Node’s addresses',
    format: 'pcapng',
    byteOrder: 'little',
    precision: 'nano',
    linkType: LINKTYPE.ETHERNET,
    args: ['--node-ip', '192.168.0.99', '--node-ip', 'fd00:192::99'],
    packets: [
      { ip: tcp4(CLIENT, 6000, '192.168.0.99', 30080), verdict: dnat('ns1/api:http', '10.244.2.7:8080', 'new', true), out: { src: '192.168.0.99', dst: '10.244.2.7', sport: 6000, dport: 8080 } },
      { ip: tcp4(CLIENT, 6001, NODE_IP, 30080), verdict: pass, out: 'same' },
    ],
  },
];

function timestampOf(c: CaptureCase, i: number): PcapTimestamp {
  return { seconds: 1_700_000_000n + BigInt(i), nanos: c.precision === 'micro' ? 123_000 * (i + 1) : 123_457 * (i + 1) };
}

function captureOf(c: CaptureCase): Capture {
  const records: PcapRecord[] = c.packets.map((p, index) => {
    const data = c.linkType === LINKTYPE.ETHERNET ? ethernet(p.ip) : p.ip;
    return { index, linkType: c.linkType, timestamp: timestampOf(c, index), data, originalLength: data.length, ...(c.format === 'pcapng' ? { interfaceId: 0 } : {}) };
  });
  if (c.format === 'pcapng') {
    return { format: 'pcapng', byteOrder: c.byteOrder, interfaces: [{ section: 0, linkType: c.linkType, snapLength: 262144, tsResolution: { base: 10, exponent: 9 }, tsOffset: 0n, name: 'eth0' }], records };
  }
  return {
    format: 'pcap',
    header: { byteOrder: c.byteOrder, precision: c.precision, versionMajor: 2, versionMinor: 4, thisZone: 0, sigFigs: 0, snapLength: 262144, linkTypeField: c.linkType },
    records,
  };
}

describe('svcnet route', () => {
  it('18 --lb-algorithm and --maglev-table-size reach the engine options', () => {
    const base = ['--manifests', MANIFESTS, '--node', 'node-a', '--in', 'a.pcap', '--out', 'b.pcap'];
    expect(routeOptions([...base, '--lb-algorithm', 'maglev', '--maglev-table-size', '251'])).toMatchObject({ loadBalancerAlgorithm: 'maglev', maglevTableSize: 251 });
    expect(routeOptions(base)).not.toHaveProperty('loadBalancerAlgorithm');
  });

  it.each(CASES)('$name', async (c) => {
    const input = captureOf(c);
    const base = join(dir(), c.name.slice(0, 2));
    writeFileSync(`${base}.in`, writeCapture(input));
    const r = await svcnet(['route', '--manifests', MANIFESTS, '--node', 'node-a', '--in', `${base}.in`, '--out', `${base}.out`, '--verdicts', `${base}.jsonl`, ...(c.args ?? [])]);
    expect(r.stderr).not.toContain('Error');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');

    // One verdict line per input packet, in order, exactly.
    const lines = readFileSync(`${base}.jsonl`, 'utf8').trimEnd().split('\n');
    expect(lines).toEqual(c.packets.map((p, index) => JSON.stringify({ index, ...p.verdict })));

    // The output: same format, byte order, link type; the surviving packets with their input timestamps.
    const output = readCapture(readFileSync(`${base}.out`));
    const kept = c.packets.map((p, i) => ({ p, i })).filter(({ p }) => p.out !== undefined);
    if (output.format === 'pcap' && input.format === 'pcap') expect(output.header).toEqual(input.header);
    else expect(output).toMatchObject({ format: 'pcapng', byteOrder: c.byteOrder, interfaces: (input as Extract<Capture, { format: 'pcapng' }>).interfaces });
    expect(output.records.map((rec) => [rec.linkType, rec.timestamp])).toEqual(kept.map(({ i }) => [c.linkType, timestampOf(c, i)]));
    kept.forEach(({ p, i }, k) => {
      if (p.out === 'same') expect(output.records[k]?.data, `packet ${i}`).toEqual(input.records[i]?.data);
    });

    // The real tshark: addresses and ports as they leave the node, every checksum Good.
    const rows = tshark(`${base}.out`);
    expect(rows).toHaveLength(kept.length);
    kept.forEach(({ p, i }, k) => {
      const row = rows[k] as Record<TsharkField, string[]>;
      if (p.out !== 'same') expect(seen(row), `packet ${i}`).toEqual(p.out);
      const statuses = CHECKSUM_FIELDS.flatMap((f) => row[f]);
      expect(statuses.length, `packet ${i} has checksums`).toBeGreaterThan(0);
      expect(statuses.every((s) => s === GOOD), `packet ${i} checksums ${JSON.stringify(statuses)}`).toBe(true);
    });

    expect(r.stderr).toContain(`svcnet route: ${c.packets.length} packets: `);
    const count = (v: string) => c.packets.filter((p) => p.verdict.verdict === v).length;
    expect(r.stderr).toContain(`${count('DNAT')} DNAT, ${count('REJECT')} REJECT, ${count('DROP')} DROP, ${count('ACCEPT')} ACCEPT, ${count('PASS')} PASS; ${kept.length} written to ${base}.out`);
  });

  it.each(CASES)('--engine wasm writes the same capture and verdicts as the reference: $name', async (c) => {
    const base = join(dir(), `wasm-${c.name.slice(0, 2)}`);
    writeFileSync(`${base}.in`, writeCapture(captureOf(c)));
    const run = (engine: string) =>
      svcnet(['route', '--manifests', MANIFESTS, '--node', 'node-a', '--in', `${base}.in`, '--out', `${base}.${engine}.out`, '--verdicts', `${base}.${engine}.jsonl`, '--engine', engine, ...(c.args ?? [])]);
    const [reference, wasm] = [await run('reference'), await run('wasm')];
    expect([reference.code, wasm.code], wasm.stderr).toEqual([0, 0]);
    expect(wasm.stderr).toContain('wasm engine');
    expect(readFileSync(`${base}.wasm.jsonl`, 'utf8')).toBe(readFileSync(`${base}.reference.jsonl`, 'utf8'));
    expect(readFileSync(`${base}.wasm.out`)).toEqual(readFileSync(`${base}.reference.out`));
  });

  it('04 reports progress every 100000 packets of a long capture', async () => {
    const frame = tcp4(POD, 40000, '10.96.0.10', 80);
    const total = 100_001;
    const header = { byteOrder: 'little', precision: 'micro', versionMajor: 2, versionMinor: 4, thisZone: 0, sigFigs: 0, snapLength: 65535, linkTypeField: LINKTYPE.RAW } as const;
    const records: PcapRecord[] = Array.from({ length: total }, (_, index) => ({ index, linkType: LINKTYPE.RAW, timestamp: { seconds: 1_700_000_000n, nanos: index * 1000 }, data: frame, originalLength: frame.length }));
    writeFileSync(join(dir(), 'long.in'), writeCapture({ format: 'pcap', header, records }));
    const r = await svcnet(['route', '--manifests', MANIFESTS, '--node', 'node-a', '--in', join(dir(), 'long.in'), '--out', join(dir(), 'long.out')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('svcnet route: 100000/100001 packets\n');
    expect(r.stderr).toContain(`svcnet route: 100001 packets: 100001 DNAT, 0 REJECT, 0 DROP, 0 ACCEPT, 0 PASS; 100001 written to ${join(dir(), 'long.out')}`);
  }, 60_000);

  describe('errors name the file (and the record) on stderr, exit code 1', () => {
    const cases: { name: string; setup: () => string[]; message: RegExp }[] = [
      {
        name: '05 missing input capture',
        setup: () => ['--in', join(dir(), 'missing.pcap')],
        message: /^svcnet route: .*missing\.pcap: no such file or directory$/m,
      },
      {
        name: '06 capture cut short in its third record',
        setup: () => {
          const c = captureOf(CASES[0] as CaptureCase);
          const bytes = writeCapture({ ...c, records: c.records.slice(0, 3) } as Capture);
          const thirdAt = 24 + (16 + (c.records[0]?.data.length ?? 0)) + (16 + (c.records[1]?.data.length ?? 0));
          writeFileSync(join(dir(), 'cut.pcap'), bytes.subarray(0, bytes.length - 5));
          return ['--in', join(dir(), 'cut.pcap'), '--expect', String(thirdAt)];
        },
        message: /cut\.pcap: record 2 at byte (\d+): cut short in the middle of a packet/,
      },
      {
        name: '07 not a capture at all',
        setup: () => {
          writeFileSync(join(dir(), 'text.pcap'), 'hello, world\n');
          return ['--in', join(dir(), 'text.pcap')];
        },
        message: /text\.pcap: at byte 0: unknown magic number 0x68656c6c/,
      },
      {
        name: '08 unknown node',
        setup: () => ['--node', 'node-z'],
        message: /svcnet route: node "node-z" is not in test\/node\/fixtures\/route \(add its Node object, or give its addresses with --node-ip\)/,
      },
      {
        name: '09 bad configuration field',
        setup: () => {
          writeFileSync(join(dir(), 'bad.yaml'), 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\nipvs:\n  scheduler: fastest\n');
          return ['--config', join(dir(), 'bad.yaml')];
        },
        message: /bad\.yaml: ipvs\.scheduler: Unsupported value: "fastest": supported values: "rr"/,
      },
      {
        name: '10 missing manifests folder',
        setup: () => ['--manifests', join(dir(), 'no-such-dir')],
        message: /the manifests were not applied:\n.*no-such-dir: no such file or directory/,
      },
      {
        name: '11 capture of a link type route does not read (Linux cooked)',
        setup: () => {
          const data = new Uint8Array(16);
          writeFileSync(
            join(dir(), 'sll.pcap'),
            writeCapture({ format: 'pcap', header: { byteOrder: 'little', precision: 'micro', versionMajor: 2, versionMinor: 4, thisZone: 0, sigFigs: 0, snapLength: 65535, linkTypeField: LINKTYPE.LINUX_SLL }, records: [{ index: 0, linkType: LINKTYPE.LINUX_SLL, timestamp: { seconds: 1n, nanos: 0 }, data, originalLength: 16 }] }),
          );
          return ['--in', join(dir(), 'sll.pcap')];
        },
        message: /sll\.pcap: record 0: link type 113 is not supported/,
      },
    ];
    it.each(cases)('$name', async ({ setup, message }) => {
      const extra = setup();
      const expectAt = extra.indexOf('--expect');
      const at = expectAt >= 0 ? Number(extra.splice(expectAt, 2)[1]) : undefined;
      const flags = new Map<string, string>([['--manifests', MANIFESTS], ['--node', 'node-a'], ['--in', join(dir(), 'unused.pcap')], ['--out', join(dir(), 'error.out')]]);
      for (let i = 0; i < extra.length; i += 2) flags.set(extra[i] as string, extra[i + 1] as string);
      const r = await svcnet(['route', ...[...flags].flat()]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      if (at !== undefined) expect(Number(message.exec(r.stderr)?.[1])).toBe(at);
      expect(r.stderr).not.toContain('Usage:');
    });
  });

  it.each([
    ['12', ['--node', 'node-a', '--in', 'a.pcap', '--out', 'b.pcap'], /route needs --manifests/],
    ['13', ['--manifests', MANIFESTS, '--node', 'node-a', '--in', 'a.pcap', '--out', 'b.pcap', '--engine', 'ebpf'], /--engine must be one of reference, wasm; got "ebpf"/],
    ['14', ['--manifests', MANIFESTS, '--node', 'node-a', '--in', 'a.pcap', '--out', 'b.pcap', '--mode', 'userspace'], /--mode must be one of iptables, nftables, ipvs; got "userspace"/],
    ['15', ['--manifests', MANIFESTS, '--node', 'node-a', '--in', 'a.pcap', '--out', 'b.pcap', '--node-ip', 'node-a'], /--node-ip must be an IPv4 or IPv6 address; got "node-a"/],
    ['16', ['--manifests', MANIFESTS, '--node', 'node-a', '--in', 'a.pcap', '--out', 'b.pcap', '--lb-algorithm', 'hash'], /--lb-algorithm must be random or maglev; got "hash"/],
    ['17', ['--manifests', MANIFESTS, '--node', 'node-a', '--in', 'a.pcap', '--out', 'b.pcap', '--maglev-table-size', '16380'], /--maglev-table-size must be a prime up to 16777216 \(Cilium uses 251, 509, .*\); got "16380"/],
  ])('%s usage errors exit 2 with the usage text', async (_n, args, message) => {
    const r = await svcnet(['route', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage: svcnet');
  });
});
