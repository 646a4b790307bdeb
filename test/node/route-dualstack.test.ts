// `svcnet route` over a dual-stack cluster, as a user runs it: the built package in a real
// process, the manifests of test/node/fixtures/route-dualstack (a ServiceCIDR of both
// families, a dual-stack Node, a PreferDualStack Service with `clusterIPs: [10.96.0.10,
// fd00:10:96::a]` and one EndpointSlice per family, an IPv6 single-stack Service). IPv6 TCP
// packets to the Services' IPv6 ClusterIPs are DNATed to the IPv6 endpoints and their
// replies un-NATed; the real tshark checks the rewritten IPv6 addresses and ports and that
// every checksum is Good. Needs `npm run build:sdk` and tshark (as test/node/route.test.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINKTYPE, writeCapture, type Capture, type PcapRecord } from '../../sdk/pcap/index.js';
import { ethernet, ipv4, ipv6, tcp } from '../packet/samples.js';
import { GOOD, svcnet, tshark, useBuiltSvcnet } from './route-helpers.js';

const MANIFESTS = 'test/node/fixtures/route-dualstack';
const dir = useBuiltSvcnet('svcnet-route-dualstack-');

const FIELDS = ['ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'ip.checksum.status', 'tcp.checksum.status'] as const;

const SYN = 0x02;
const SYN_ACK = 0x12;
const ACK = 0x10;
const POD6 = 'fd00:244:1::9';

const tcp6 = (src: string, sport: number, dst: string, dport: number, flags = SYN) => ipv6({ src, dst }, tcp({ sport, dport, flags, data: [1, 2, 3, 4] }));
const tcp4 = (src: string, sport: number, dst: string, dport: number, flags = SYN) => ipv4({ src, dst }, tcp({ sport, dport, flags, data: [1, 2, 3, 4] }));
const dnat = (service: string, endpoint: string, flow: string) => ({ verdict: 'DNAT', service, endpoint, masquerade: false, flow });

interface Packet {
  ip: Uint8Array;
  verdict: Record<string, unknown>;
  /** The IPv6 (or IPv4) header and TCP ports of what leaves the node; absent: nothing. */
  out?: { src?: string; dst: string; sport: number; dport: number };
}

function capture(packets: readonly Packet[]): Capture {
  const records: PcapRecord[] = packets.map((p, index) => {
    const data = ethernet(p.ip);
    return { index, linkType: LINKTYPE.ETHERNET, timestamp: { seconds: 1_700_000_000n + BigInt(index), nanos: 1000 * (index + 1) }, data, originalLength: data.length };
  });
  return {
    format: 'pcap',
    header: { byteOrder: 'little', precision: 'micro', versionMajor: 2, versionMinor: 4, thisZone: 0, sigFigs: 0, snapLength: 262144, linkTypeField: LINKTYPE.ETHERNET },
    records,
  };
}

const CASES: { name: string; args?: string[]; packets: Packet[] }[] = [
  {
    name: '01 iptables: IPv6 to the dual-stack Service’s IPv6 ClusterIP is DNATed to the IPv6 endpoint, and back',
    packets: [
      { ip: tcp6(POD6, 40000, 'fd00:10:96::a', 80), verdict: dnat('ns1/web:http', '[fd00:244:1::5]:8080', 'new'), out: { src: POD6, dst: 'fd00:244:1::5', sport: 40000, dport: 8080 } },
      { ip: tcp6('fd00:244:1::5', 8080, POD6, 40000, SYN_ACK), verdict: dnat('ns1/web:http', '[fd00:244:1::5]:8080', 'reply'), out: { src: 'fd00:10:96::a', dst: POD6, sport: 80, dport: 40000 } },
      { ip: tcp6(POD6, 40000, 'fd00:10:96::a', 80, ACK), verdict: dnat('ns1/web:http', '[fd00:244:1::5]:8080', 'established'), out: { src: POD6, dst: 'fd00:244:1::5', sport: 40000, dport: 8080 } },
      { ip: tcp6(POD6, 40001, 'fd00:10:96::14', 80), verdict: dnat('ns1/v6only:http', '[fd00:244:1::6]:8080', 'new'), out: { src: POD6, dst: 'fd00:244:1::6', sport: 40001, dport: 8080 } },
      { ip: tcp4('10.244.1.9', 40002, '10.96.0.10', 80), verdict: dnat('ns1/web:http', '10.244.1.5:8080', 'new'), out: { dst: '10.244.1.5', sport: 40002, dport: 8080 } },
    ],
  },
  {
    name: '02 nftables: the IPv6 service range is known (an unallocated address in it is dropped)',
    args: ['--mode', 'nftables'],
    packets: [
      { ip: tcp6(POD6, 41000, 'fd00:10:96::a', 80), verdict: dnat('ns1/web:http', '[fd00:244:1::5]:8080', 'new'), out: { src: POD6, dst: 'fd00:244:1::5', sport: 41000, dport: 8080 } },
      { ip: tcp6(POD6, 41001, 'fd00:10:96::99', 80), verdict: { verdict: 'DROP', masquerade: false, flow: 'new', reason: 'unallocated service IP' } },
    ],
  },
];

describe('svcnet route, dual-stack', () => {
  it.each(CASES)('$name', async (c) => {
    const base = join(dir(), c.name.slice(0, 2));
    writeFileSync(`${base}.in`, writeCapture(capture(c.packets)));
    const r = await svcnet(['route', '--manifests', MANIFESTS, '--node', 'node-a', '--in', `${base}.in`, '--out', `${base}.out`, '--verdicts', `${base}.jsonl`, ...(c.args ?? [])]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('svcnet route: applied 1 Namespace, 1 ServiceCIDR, 1 Node, 2 Services, 3 EndpointSlices from test/node/fixtures/route-dualstack');

    const lines = readFileSync(`${base}.jsonl`, 'utf8').trimEnd().split('\n');
    expect(lines).toEqual(c.packets.map((p, index) => JSON.stringify({ index, ...p.verdict })));

    const kept = c.packets.filter((p) => p.out !== undefined);
    const rows = tshark(`${base}.out`, FIELDS);
    expect(rows).toHaveLength(kept.length);
    kept.forEach((p, k) => {
      const row = rows[k];
      const out = p.out!;
      if (out.src === undefined) {
        expect(row['ip.dst'], `packet ${k}`).toEqual([out.dst]);
        expect(row['ip.checksum.status'], `packet ${k} IPv4 header checksum`).toEqual([GOOD]);
      } else {
        expect([row['ipv6.src'], row['ipv6.dst']], `packet ${k}`).toEqual([[out.src], [out.dst]]);
      }
      expect([row['tcp.srcport'], row['tcp.dstport']], `packet ${k}`).toEqual([[String(out.sport)], [String(out.dport)]]);
      expect(row['tcp.checksum.status'], `packet ${k} TCP checksum`).toEqual([GOOD]);
    });
  });
});
