// The reference frame engine: frames built from scratch (test/packet/samples.ts, checksums
// computed independently) go through parse → rules → flows → rewrite, and each output is
// parsed back: addresses and ports as kube-proxy leaves them, every checksum valid
// (`verifyChecksums`; the ICMP reply's quoted header checked on its own), unchanged bytes
// for PASS/ACCEPT, nothing for DROP. Each numbered case is a sequence of frames through one
// engine, in order, with the capture clock given per frame.
import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6 } from '../../sdk/model/ip.js';
import type { EndpointSlice, Service } from '../../sdk/model/types.js';
import { internetChecksum } from '../../sdk/packet/checksum.js';
import {
  CHECKSUM_ABSENT,
  CHECKSUM_VALID,
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  REASON_OK,
  parsePacket,
  verifyChecksums,
  type IpAddress,
} from '../../sdk/packet/parse.js';
import { parseKubeProxyConfiguration, type ProxyMode } from '../../sdk/proxy/config.js';
import type { FrameResult } from '../../sdk/proxy/frame-engine.js';
import {
  REASON_FRAGMENT_WITHOUT_FIRST,
  REASON_NO_MASQUERADE_ADDRESS,
  createReferenceFrameEngine,
  type ReferenceFrameEngineOptions,
} from '../../sdk/proxy/reference-frames.js';
import { REASON_NO_ENDPOINTS, REASON_NO_LOCAL_ENDPOINTS, REASON_SOURCE_RANGES, REASON_UNALLOCATED_SERVICE_IP } from '../../sdk/proxy/rules.js';
import { MAC_A, MAC_B, ethernet, icmp, ipv4, ipv6, opaque, tcp, udp } from '../packet/samples.js';
import { endpointSlice, lbStatus, service } from './builders.js';

// Node 192.168.0.2 / fd00:192::2 in zone-a with pods 10.244.1.0/24 and fd00:244:1::/64;
// clusterCIDR 10.244.0.0/16 + fd00:244::/32; off-cluster clients in 198.18.0.0/15 and
// 2001:db8::/32; LB source range 203.0.113.0/24.
const NODE = 'node-a';
const [NODE_IP, NODE_IP6] = ['192.168.0.2', 'fd00:192::2'];
const [POD, POD6] = ['10.244.1.9', 'fd00:244:1::9'];
const [CLIENT, CLIENT6] = ['198.18.0.9', '2001:db8::9'];

const VALID_V4 = CHECKSUM_VALID | (CHECKSUM_VALID << 2);
const VALID_V6 = CHECKSUM_ABSENT | (CHECKSUM_VALID << 2);

/** A slice named `name` of ready endpoints of ns1/`serviceName`; a port's protocol defaults to TCP. */
function slice(name: string, serviceName: string, family: 'IPv4' | 'IPv6', endpoints: [ip: string, node: string][], ports: [name: string, port: number, protocol?: 'TCP' | 'UDP'][]): EndpointSlice {
  const ready = endpoints.map(([ip, node]) => ({ ip, node, ready: true }));
  return endpointSlice('ns1', serviceName, ready, ports.map(([portName, port, protocol = 'TCP']) => ({ name: portName, port, protocol })), { addressType: family, name });
}

const SERVICES: Service[] = [
  service('ns1', 'web', { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00:10:96::a'], ipFamilies: ['IPv4', 'IPv6'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] }),
  service('ns1', 'three', { type: 'ClusterIP', clusterIP: '10.96.0.11', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
  service('ns1', 'api', { type: 'NodePort', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20', 'fd00:10:96::14'], ports: [{ name: 'http', port: 8080, nodePort: 30080, protocol: 'TCP' }] }),
  service('ns1', 'lb', { type: 'LoadBalancer', clusterIP: '10.96.0.30', loadBalancerSourceRanges: ['203.0.113.0/24'], ports: [{ name: 'https', port: 443, nodePort: 30443, protocol: 'TCP' }] }, lbStatus('198.51.100.10')),
  service('ns1', 'local', { type: 'LoadBalancer', clusterIP: '10.96.0.40', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, ports: [{ name: 'http', port: 80, nodePort: 30081, protocol: 'TCP' }] }, lbStatus('198.51.100.11')),
  service('ns1', 'empty', { type: 'ClusterIP', clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50', 'fd00:10:96::32'], ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] }),
];

const SLICES: EndpointSlice[] = [
  slice('web-v4', 'web', 'IPv4', [['10.244.1.5', NODE]], [['http', 8080], ['dns', 5353, 'UDP']]),
  slice('web-v6', 'web', 'IPv6', [['fd00:244:1::5', NODE]], [['http', 8080], ['dns', 5353, 'UDP']]),
  slice('three-1', 'three', 'IPv4', [['10.244.1.21', NODE], ['10.244.1.22', NODE], ['10.244.2.23', 'node-b']], [['http', 8080]]),
  slice('api-v4', 'api', 'IPv4', [['10.244.2.7', 'node-b']], [['http', 8080]]),
  slice('api-v6', 'api', 'IPv6', [['fd00:244:2::7', 'node-b']], [['http', 8080]]),
  slice('lb-1', 'lb', 'IPv4', [['10.244.1.6', NODE]], [['https', 8443]]),
  slice('local-1', 'local', 'IPv4', [['10.244.2.8', 'node-b']], [['http', 8080]]),
];

function options(mode: ProxyMode = 'iptables', extra: Partial<ReferenceFrameEngineOptions> = {}): ReferenceFrameEngineOptions {
  return {
    services: SERVICES,
    slices: SLICES,
    serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/112'],
    node: { name: NODE, addresses: [NODE_IP, NODE_IP6], zone: 'zone-a', podCIDRs: ['10.244.1.0/24', 'fd00:244:1::/64'] },
    config: parseKubeProxyConfiguration({ clusterCIDR: '10.244.0.0/16,fd00:244::/32' }, { mode }).config,
    seed: 7,
    ...extra,
  };
}

// ---------------------------------------------------------------------------- frames

const SYN = 0x02;
const SYN_ACK = 0x12;
const ACK = 0x10;

const tcp4 = (src: string, sport: number, dst: string, dport: number, flags = SYN) => ipv4({ src, dst }, tcp({ sport, dport, flags, data: [1, 2, 3] }));
const tcp6 = (src: string, sport: number, dst: string, dport: number, flags = SYN) => ipv6({ src, dst }, tcp({ sport, dport, flags, data: [1, 2, 3] }));
const udp4 = (src: string, sport: number, dst: string, dport: number) => ipv4({ src, dst }, udp({ sport, dport, data: [9, 8, 7, 6] }));
const udp6 = (src: string, sport: number, dst: string, dport: number) => ipv6({ src, dst }, udp({ sport, dport, data: [9, 8, 7, 6] }));

/** A UDP datagram of 24 data bytes in two IPv4 fragments (16 + 16 bytes of IP payload). */
function udpFragments4(src: string, sport: number, dst: string, dport: number, id: number): [Uint8Array, Uint8Array] {
  const whole = ipv4({ src, dst, id }, udp({ sport, dport, data: new Array(24).fill(0x5a) }));
  const payload = whole.subarray(20);
  const first = ipv4({ src, dst, id, mf: true }, opaque(17, [...payload.subarray(0, 16)]), false);
  const second = ipv4({ src, dst, id, fragOffset: 16, protocol: 17 }, opaque(17, [...payload.subarray(16)]), false);
  return [first, second];
}

/** The same datagram over IPv6: fragment headers, 16 + 16 bytes. */
function udpFragments6(src: string, sport: number, dst: string, dport: number, id: number): [Uint8Array, Uint8Array] {
  const whole = ipv6({ src, dst }, udp({ sport, dport, data: new Array(24).fill(0x5a) }));
  const payload = whole.subarray(40);
  const first = ipv6({ src, dst, ext: [{ kind: 44, offset: 0, more: true, id }] }, opaque(17, [...payload.subarray(0, 16)]), false);
  const second = ipv6({ src, dst, ext: [{ kind: 44, offset: 16, more: false, id }] }, opaque(17, [...payload.subarray(16)]), false);
  return [first, second];
}

// ---------------------------------------------------------------------------- expectations

/** What leaves the node: nothing, the input unchanged, or a packet with these fields. */
type Out =
  | 'none'
  | 'unchanged'
  | { src: string; dst: string; sport?: number; dport?: number; icmp?: [type: number, code: number]; quoted?: { src: string; dst: string; sport: number; dport: number }; checksums: number };

interface Step {
  frame: Uint8Array;
  linkType?: number;
  /** Capture time, ms (default: 1 ms after the previous frame). */
  at?: number;
  result: Omit<FrameResult, 'output'>;
  out: Out;
}

interface Case {
  name: string;
  options?: ReferenceFrameEngineOptions;
  steps: Step[];
}

function text(family: number, a: IpAddress): string {
  return typeof a === 'number' ? formatIPv4(a) : family === 6 ? formatIPv6(a) : '';
}

function checkOutput(step: Step, got: FrameResult): void {
  const linkType = step.linkType ?? LINKTYPE_RAW;
  if (step.out === 'none') {
    expect(got.output).toBeUndefined();
    return;
  }
  expect(got.output).toBeDefined();
  const out = got.output as Uint8Array;
  if (step.out === 'unchanged') {
    expect(out).toEqual(step.frame);
    expect(out).not.toBe(step.frame);
    return;
  }
  const p = parsePacket(out, linkType);
  expect(p.reason).toBe(REASON_OK);
  expect(text(p.family, p.src)).toBe(step.out.src);
  expect(text(p.family, p.dst)).toBe(step.out.dst);
  if (step.out.sport !== undefined) expect(p.srcPort).toBe(step.out.sport);
  if (step.out.dport !== undefined) expect(p.dstPort).toBe(step.out.dport);
  if (step.out.icmp) expect([p.icmpType, p.icmpCode]).toEqual(step.out.icmp);
  expect(verifyChecksums(out, p)).toBe(step.out.checksums);
  if (step.out.quoted) {
    const inner = p.inner!;
    expect({ src: text(p.family, inner.src), dst: text(p.family, inner.dst), sport: inner.srcPort, dport: inner.dstPort }).toEqual(step.out.quoted);
    if (p.family === 4) expect(internetChecksum(out, inner.l3Offset, inner.l3Offset + 20)).toBe(0);
  }
}

function run(c: Case): void {
  const engine = createReferenceFrameEngine(c.options ?? options());
  let now = 1_000;
  for (const [i, step] of c.steps.entries()) {
    now = step.at ?? now + 1;
    const [got] = engine.process([{ data: step.frame, linkType: step.linkType ?? LINKTYPE_RAW, timeMs: now }]);
    const { output: _output, ...result } = got as FrameResult;
    expect(result, `frame ${i}`).toEqual(step.result);
    checkOutput(step, got as FrameResult);
  }
}

const dnat = (servicePort: string, endpoint: string, flow: FrameResult['flow'] = 'new', masquerade = false): Omit<FrameResult, 'output'> => ({ verdict: 'DNAT', flow, servicePort, endpoint, masquerade });
const pass = (flow: FrameResult['flow'] = 'new'): Omit<FrameResult, 'output'> => ({ verdict: 'PASS', flow, masquerade: false });
const blocked = (verdict: 'DROP' | 'REJECT', reason: string, servicePort?: string, flow: FrameResult['flow'] = 'new'): Omit<FrameResult, 'output'> => ({
  verdict,
  flow,
  ...(servicePort ? { servicePort } : {}),
  masquerade: false,
  reason,
});

// ---------------------------------------------------------------------------- cases

const [FRAG4_FIRST, FRAG4_SECOND] = udpFragments4(POD, 4000, '10.96.0.10', 53, 0x4242);
const [FRAG6_FIRST, FRAG6_SECOND] = udpFragments6(POD6, 4000, 'fd00:10:96::a', 53, 0x1234);
const [REJ_FIRST, REJ_SECOND] = udpFragments4(POD, 4001, '10.96.0.50', 5353, 0x5151);
const [LB_FIRST, LB_SECOND] = udpFragments4(POD, 4002, '198.51.100.99', 53, 0x6161);

/** An ICMP port unreachable from the endpoint about the DNATed SYN of case 7. */
const ICMP_FROM_ENDPOINT = ipv4(
  { src: '10.244.1.5', dst: POD, tos: 0xc0 },
  icmp({ type: 3, code: 3, data: tcp4(POD, 40100, '10.244.1.5', 8080).slice(0, 28) }),
);

const CASES: Case[] = [
  {
    name: '01 DNAT: a pod SYN to a ClusterIP leaves for the endpoint with valid IPv4 and TCP checksums',
    steps: [{ frame: tcp4(POD, 40000, '10.96.0.10', 80), result: dnat('ns1/web:http', '10.244.1.5:8080'), out: { src: POD, dst: '10.244.1.5', sport: 40000, dport: 8080, checksums: VALID_V4 } }],
  },
  {
    name: '02 DNAT over IPv6 in an Ethernet frame: endpoint in brackets, TCP checksum valid',
    steps: [
      {
        frame: ethernet(tcp6(POD6, 40000, 'fd00:10:96::a', 80)),
        linkType: LINKTYPE_ETHERNET,
        result: dnat('ns1/web:http', '[fd00:244:1::5]:8080'),
        out: { src: POD6, dst: 'fd00:244:1::5', sport: 40000, dport: 8080, checksums: VALID_V6 },
      },
    ],
  },
  {
    name: '03 the reply is reverse-translated (source back to the ClusterIP:port), then the flow is established',
    steps: [
      { frame: tcp4(POD, 40001, '10.96.0.10', 80), result: dnat('ns1/web:http', '10.244.1.5:8080'), out: { src: POD, dst: '10.244.1.5', checksums: VALID_V4 } },
      { frame: tcp4('10.244.1.5', 8080, POD, 40001, SYN_ACK), result: dnat('ns1/web:http', '10.244.1.5:8080', 'reply'), out: { src: '10.96.0.10', dst: POD, sport: 80, dport: 40001, checksums: VALID_V4 } },
      { frame: tcp4(POD, 40001, '10.96.0.10', 80, ACK), result: dnat('ns1/web:http', '10.244.1.5:8080', 'established'), out: { src: POD, dst: '10.244.1.5', dport: 8080, checksums: VALID_V4 } },
    ],
  },
  {
    name: '04 masquerade: an off-cluster client to a NodePort leaves from the node primary IP; the reply goes back to the client',
    steps: [
      { frame: tcp4(CLIENT, 5555, NODE_IP, 30080), result: dnat('ns1/api:http', '10.244.2.7:8080', 'new', true), out: { src: NODE_IP, dst: '10.244.2.7', sport: 5555, dport: 8080, checksums: VALID_V4 } },
      { frame: tcp4('10.244.2.7', 8080, NODE_IP, 5555, SYN_ACK), result: dnat('ns1/api:http', '10.244.2.7:8080', 'reply', true), out: { src: NODE_IP, dst: CLIENT, sport: 30080, dport: 5555, checksums: VALID_V4 } },
    ],
  },
  {
    name: '05 masquerade over IPv6: the node primary IPv6 address is the source',
    steps: [
      {
        frame: tcp6(CLIENT6, 5555, NODE_IP6, 30080),
        result: dnat('ns1/api:http', '[fd00:244:2::7]:8080', 'new', true),
        out: { src: NODE_IP6, dst: 'fd00:244:2::7', sport: 5555, dport: 8080, checksums: VALID_V6 },
      },
    ],
  },
  {
    name: '06 masquerade with no node address of the family: DROP',
    options: options('iptables', { node: { name: NODE, addresses: [NODE_IP], podCIDRs: ['10.244.1.0/24'] } }),
    steps: [
      { frame: tcp6(CLIENT6, 5555, 'fd00:10:96::14', 8080), result: blocked('DROP', REASON_NO_MASQUERADE_ADDRESS, 'ns1/api:http'), out: 'none' },
      { frame: tcp4(CLIENT, 5555, NODE_IP, 30080), result: dnat('ns1/api:http', '10.244.2.7:8080', 'new', true), out: { src: NODE_IP, dst: '10.244.2.7', checksums: VALID_V4 } },
    ],
  },
  {
    name: '07 an ICMP error from the endpoint about a DNATed flow: outer source and quoted destination back to the ClusterIP',
    steps: [
      { frame: tcp4(POD, 40100, '10.96.0.10', 80), result: dnat('ns1/web:http', '10.244.1.5:8080'), out: { src: POD, dst: '10.244.1.5', checksums: VALID_V4 } },
      {
        frame: ICMP_FROM_ENDPOINT,
        result: dnat('ns1/web:http', '10.244.1.5:8080', 'reply'),
        out: { src: '10.96.0.10', dst: POD, icmp: [3, 3], quoted: { src: POD, dst: '10.96.0.10', sport: 40100, dport: 80 }, checksums: VALID_V4 },
      },
    ],
  },
  {
    name: '08 REJECT: UDP to a service without endpoints is answered with ICMP port unreachable from the ClusterIP (MACs swapped)',
    steps: [
      {
        frame: ethernet(udp4(POD, 5000, '10.96.0.50', 5353)),
        linkType: LINKTYPE_ETHERNET,
        result: blocked('REJECT', REASON_NO_ENDPOINTS, 'ns1/empty:dns'),
        out: { src: '10.96.0.50', dst: POD, icmp: [3, 3], quoted: { src: POD, dst: '10.96.0.50', sport: 5000, dport: 5353 }, checksums: VALID_V4 },
      },
    ],
  },
  {
    name: '09 REJECT over IPv6: ICMPv6 port unreachable (type 1 code 4) with a valid checksum',
    steps: [
      {
        frame: udp6(POD6, 5000, 'fd00:10:96::32', 5353),
        result: blocked('REJECT', REASON_NO_ENDPOINTS, 'ns1/empty:dns'),
        out: { src: 'fd00:10:96::32', dst: POD6, icmp: [1, 4], quoted: { src: POD6, dst: 'fd00:10:96::32', sport: 5000, dport: 5353 }, checksums: VALID_V6 },
      },
    ],
  },
  {
    name: '10 REJECT the kernel does not answer (bad UDP checksum, nf_reject_verify_csum): verdict REJECT, no output',
    steps: [
      { frame: ipv4({ src: POD, dst: '10.96.0.50' }, udp({ sport: 5000, dport: 5353, data: [1, 2], checksum: 0x1234 })), result: blocked('REJECT', REASON_NO_ENDPOINTS, 'ns1/empty:dns'), out: 'none' },
    ],
  },
  {
    name: '11 DROP produces nothing: LB source outside loadBalancerSourceRanges, eTP Local without a local endpoint',
    steps: [
      { frame: tcp4('198.18.0.1', 5555, '198.51.100.10', 443), result: blocked('DROP', REASON_SOURCE_RANGES, 'ns1/lb:https'), out: 'none' },
      { frame: tcp4('198.18.0.2', 5555, '198.51.100.11', 80), result: blocked('DROP', REASON_NO_LOCAL_ENDPOINTS, 'ns1/local:http'), out: 'none' },
      { frame: tcp4('203.0.113.5', 5555, '198.51.100.10', 443), result: dnat('ns1/lb:https', '10.244.1.6:8443', 'new', true), out: { src: NODE_IP, dst: '10.244.1.6', dport: 8443, checksums: VALID_V4 } },
    ],
  },
  {
    name: '12 PASS and ACCEPT leave the bytes unchanged: pod to pod, ICMP echo, the health-check node port',
    steps: [
      { frame: tcp4(POD, 40000, '10.244.2.9', 8080), result: pass(), out: 'unchanged' },
      { frame: ethernet(udp6(POD6, 40000, 'fd00:244:2::9', 53)), linkType: LINKTYPE_ETHERNET, result: pass(), out: 'unchanged' },
      { frame: ipv4({ src: POD, dst: '10.96.0.10' }, icmp({ type: 8, rest: 0x12340001, data: [1, 2, 3, 4] })), result: pass(), out: 'unchanged' },
      { frame: tcp4('198.18.0.3', 5555, NODE_IP, 32000), result: { verdict: 'ACCEPT', flow: 'new', servicePort: 'ns1/local:http', masquerade: false }, out: 'unchanged' },
    ],
  },
  {
    name: '13 frames the parser refuses are DROP with its reason',
    steps: [
      { frame: tcp4(POD, 40000, '10.96.0.10', 80).slice(0, 30), result: blocked('DROP', 'TRUNCATED_L3'), out: 'none' },
      { frame: ipv4({ src: POD, dst: '10.96.0.10', checksum: 0xbeef }, tcp({ sport: 1, dport: 80 })), result: blocked('DROP', 'BAD_IPV4_CHECKSUM'), out: 'none' },
      { frame: ethernet(new Uint8Array(28), { etherType: 0x0806 }), linkType: LINKTYPE_ETHERNET, result: blocked('DROP', 'NOT_IP'), out: 'none' },
    ],
  },
  {
    name: '14 fragments: the later fragment follows its first (addresses rewritten), over IPv4 and IPv6',
    steps: [
      { frame: FRAG4_FIRST, result: dnat('ns1/web:dns', '10.244.1.5:5353'), out: { src: POD, dst: '10.244.1.5', sport: 4000, dport: 5353, checksums: CHECKSUM_VALID } },
      { frame: FRAG4_SECOND, result: dnat('ns1/web:dns', '10.244.1.5:5353'), out: { src: POD, dst: '10.244.1.5', checksums: CHECKSUM_VALID } },
      { frame: FRAG6_FIRST, result: dnat('ns1/web:dns', '[fd00:244:1::5]:5353'), out: { src: POD6, dst: 'fd00:244:1::5', sport: 4000, dport: 5353, checksums: CHECKSUM_ABSENT } },
      { frame: FRAG6_SECOND, result: dnat('ns1/web:dns', '[fd00:244:1::5]:5353'), out: { src: POD6, dst: 'fd00:244:1::5', checksums: CHECKSUM_ABSENT } },
    ],
  },
  {
    name: '15 fragments: without its first, or after the reassembly timeout (30 s), a later fragment is DROP',
    steps: [
      { frame: FRAG4_SECOND, result: blocked('DROP', REASON_FRAGMENT_WITHOUT_FIRST), out: 'none' },
      { frame: FRAG4_FIRST, at: 10_000, result: dnat('ns1/web:dns', '10.244.1.5:5353'), out: { src: POD, dst: '10.244.1.5', checksums: CHECKSUM_VALID } },
      { frame: FRAG4_SECOND, at: 40_001, result: blocked('DROP', REASON_FRAGMENT_WITHOUT_FIRST), out: 'none' },
    ],
  },
  {
    name: '16 fragments: a rejected datagram gets one ICMP reply (to its first fragment); a passed one stays unchanged',
    steps: [
      { frame: REJ_FIRST, result: blocked('REJECT', REASON_NO_ENDPOINTS, 'ns1/empty:dns'), out: { src: '10.96.0.50', dst: POD, icmp: [3, 3], checksums: VALID_V4 } },
      { frame: REJ_SECOND, result: blocked('REJECT', REASON_NO_ENDPOINTS, 'ns1/empty:dns'), out: 'none' },
      { frame: LB_FIRST, result: pass(), out: 'unchanged' },
      { frame: LB_SECOND, result: pass(), out: 'unchanged' },
    ],
  },
  {
    name: '17 the capture clock drives conntrack: a UDP flow idle past 30 s is new again',
    steps: [
      { frame: udp4(POD, 6000, '10.96.0.10', 53), at: 0, result: dnat('ns1/web:dns', '10.244.1.5:5353'), out: { src: POD, dst: '10.244.1.5', checksums: VALID_V4 } },
      { frame: udp4(POD, 6000, '10.96.0.10', 53), at: 29_999, result: dnat('ns1/web:dns', '10.244.1.5:5353', 'established'), out: { src: POD, dst: '10.244.1.5', checksums: VALID_V4 } },
      { frame: udp4(POD, 6000, '10.96.0.10', 53), at: 60_000, result: dnat('ns1/web:dns', '10.244.1.5:5353', 'new'), out: { src: POD, dst: '10.244.1.5', checksums: VALID_V4 } },
    ],
  },
  {
    name: '18 nftables mode: an address in the service CIDRs that no Service holds is DROP (IPv6 too)',
    options: options('nftables'),
    steps: [
      { frame: tcp4(POD, 40000, '10.96.0.99', 80), result: blocked('DROP', REASON_UNALLOCATED_SERVICE_IP), out: 'none' },
      { frame: tcp6(POD6, 40000, 'fd00:10:96::99', 80), result: blocked('DROP', REASON_UNALLOCATED_SERVICE_IP), out: 'none' },
      { frame: tcp4(POD, 40000, '10.96.0.10', 80), result: dnat('ns1/web:http', '10.244.1.5:8080'), out: { src: POD, dst: '10.244.1.5', checksums: VALID_V4 } },
    ],
  },
];

describe('reference frame engine', () => {
  it.each(CASES)('$name', (c) => run(c));

  it('19 an established flow keeps its endpoint while new flows spread over all three', () => {
    for (const mode of ['iptables', 'nftables', 'ipvs'] as const) {
      const engine = createReferenceFrameEngine(options(mode));
      const chosen = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const sport = 41000 + i;
        const [first] = engine.process([{ data: tcp4(POD, sport, '10.96.0.11', 80), linkType: LINKTYPE_RAW, timeMs: i * 10 }]);
        expect(first?.verdict).toBe('DNAT');
        chosen.add(first?.endpoint as string);
        const later = engine.process([
          { data: tcp4(first?.endpoint?.split(':')[0] as string, 8080, POD, sport, SYN_ACK), linkType: LINKTYPE_RAW, timeMs: i * 10 + 1 },
          { data: tcp4(POD, sport, '10.96.0.11', 80, ACK), linkType: LINKTYPE_RAW, timeMs: i * 10 + 2 },
          { data: tcp4(POD, sport, '10.96.0.11', 80, ACK), linkType: LINKTYPE_RAW, timeMs: i * 10 + 3 },
        ]);
        expect(later.map((r) => [r.flow, r.endpoint]), `${mode} flow ${i}`).toEqual([
          ['reply', first?.endpoint],
          ['established', first?.endpoint],
          ['established', first?.endpoint],
        ]);
        const out = parsePacket(later[2]?.output as Uint8Array, LINKTYPE_RAW);
        expect(`${formatIPv4(out.dst as number)}:${out.dstPort}`).toBe(first?.endpoint);
      }
      expect([...chosen].sort(), mode).toEqual(['10.244.1.21:8080', '10.244.1.22:8080', '10.244.2.23:8080']);
    }
  });

  it('20 ipvs mh: one client address sticks to one endpoint; lblc is refused as not modelled', () => {
    const mh = (scheduler: string) => options('ipvs', { config: parseKubeProxyConfiguration({ mode: 'ipvs', clusterCIDR: '10.244.0.0/16', ipvs: { scheduler } }).config });
    const engine = createReferenceFrameEngine(mh('mh'));
    const results = engine.process(Array.from({ length: 10 }, (_, i) => ({ data: tcp4(POD, 42000 + i, '10.96.0.11', 80), linkType: LINKTYPE_RAW, timeMs: i })));
    expect(new Set(results.map((r) => r.endpoint)).size).toBe(1);
    expect(results.every((r) => r.verdict === 'DNAT')).toBe(true);
    expect(() => createReferenceFrameEngine(mh('lblc'))).toThrow(/ipvs.scheduler "lblc" is not modelled/);
  });

  it('21 process never writes into its input frames and returns one result per frame, in order', () => {
    const engine = createReferenceFrameEngine(options());
    const frames = [tcp4(POD, 43000, '10.96.0.10', 80), tcp4(CLIENT, 43001, NODE_IP, 30080), udp4(POD, 43002, '10.96.0.50', 5353), tcp4(POD, 43003, '10.244.2.9', 80)];
    const copies = frames.map((f) => f.slice());
    const results = engine.process(frames.map((data, i) => ({ data, linkType: LINKTYPE_RAW, timeMs: i })));
    expect(results.map((r) => r.verdict)).toEqual(['DNAT', 'DNAT', 'REJECT', 'PASS']);
    expect(frames).toEqual(copies);
    expect(engine.stats()).toMatchObject({ entries: 3, created: 3 });
  });

  it('22 an Ethernet REJECT swaps the MAC addresses and keeps the EtherType', () => {
    const engine = createReferenceFrameEngine(options());
    const [result] = engine.process([{ data: ethernet(udp4(POD, 5000, '10.96.0.50', 5353)), linkType: LINKTYPE_ETHERNET, timeMs: 0 }]);
    const out = result?.output as Uint8Array;
    expect([...out.subarray(0, 6)]).toEqual(MAC_A);
    expect([...out.subarray(6, 12)]).toEqual(MAC_B);
    expect([out[12], out[13]]).toEqual([0x08, 0x00]);
  });

  it('23 the rewritten fragments reassemble into a datagram whose UDP checksum is valid', () => {
    const engine = createReferenceFrameEngine(options());
    const outputs = engine.process([FRAG4_FIRST, FRAG4_SECOND].map((data, i) => ({ data, linkType: LINKTYPE_RAW, timeMs: i }))).map((r) => r.output as Uint8Array);
    const payload = new Uint8Array([...outputs[0]!.subarray(20), ...outputs[1]!.subarray(20)]);
    const whole = ipv4({ src: POD, dst: '10.244.1.5', id: 0x4242 }, opaque(17, [...payload]), false);
    const p = parsePacket(whole, LINKTYPE_RAW);
    expect([p.srcPort, p.dstPort]).toEqual([4000, 5353]);
    expect(verifyChecksums(whole, p)).toBe(VALID_V4);
  });
});
