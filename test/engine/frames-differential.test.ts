// Differential test of the wasm frame engine (sdk/engine/frames.ts, debug and release
// cores) against the reference frame engine (sdk/proxy/reference-frames.ts): fast-check
// generates a cluster (services with TCP/UDP/SCTP ports, 0–3 endpoints, affinity, dual
// stack), the node's settings (mode, small conntrack timeouts and table, a small flow cache,
// a small kernel batch) and a capture — handshakes, data both ways, FIN/RST, UDP and SCTP
// exchanges, ICMP errors quoting a flow, echo requests, fragments, garbage, bad checksums,
// idle gaps past the timeouts and timestamps that go back. Reply frames are built from what
// the reference engine sent (its translated addresses and ports), so they hit the flows.
//
// Both engines must return identical FrameResults, output bytes included, for every frame,
// whatever batches the wasm engine is given; afterwards their conntrack tables (entries,
// states, deadlines, TCP tracking) and flow statistics must be identical too.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createWasmFrameEngine } from '../../sdk/engine/frames.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import type { EndpointSlice, Protocol, Service } from '../../sdk/model/types.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_RAW, REASON_OK, parsePacket } from '../../sdk/packet/parse.js';
import { parseKubeProxyConfiguration, type ProxyMode } from '../../sdk/proxy/config.js';
import type { ConntrackEntry } from '../../sdk/proxy/conntrack.js';
import type { Frame, FrameResult } from '../../sdk/proxy/frame-engine.js';
import { createReferenceFrameEngine, type FrameEngineOptions } from '../../sdk/proxy/reference-frames.js';
import { formatIPv4, formatIPv6 } from '../../sdk/model/ip.js';
import { type L4, addr, be32, concat, ethernet, hex, icmp, ipv4, ipv6, opaque, sctp, tcp, udp } from '../packet/samples.js';

setDefaultCoreSource(nodeCoreSource);

const TARGETS = ['debug', 'release'] as const;
const TIMEOUT = 300_000;

// ---------------------------------------------------------------------------------------
// Scenario

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const PROTOCOL_NUMBER: Record<Protocol, number> = { TCP: 6, UDP: 17, SCTP: 132 };
/** Pods in this node's CIDR, a pod elsewhere in the cluster, an off-cluster client (masqueraded), the node itself. */
const CLIENTS_V4 = ['10.0.0.5', '10.1.2.3', '203.0.113.7', '192.168.0.2'];
const CLIENTS_V6 = ['fd00:10::5', 'fd00:10:1::3', '2001:db8:ffff::7', '2001:db8::2'];

const EVENT_KINDS = [
  'session', 'session', 'session', 'session', 'session', 'session',
  'syn', 'ack', 'data', 'data', 'data', 'fin', 'rst',
  'synack', 'replyAck', 'replyData', 'replyData', 'replyData', 'replyFin', 'replyRst',
  'icmpError', 'echo', 'fragments', 'laterFragment', 'garbage', 'badChecksum',
] as const;
type EventKind = (typeof EVENT_KINDS)[number];

const serviceArb = fc.record({
  protocols: fc.subarray([...PROTOCOLS], { minLength: 1 }),
  endpoints: fc.integer({ min: 0, max: 3 }),
  affinity: fc.boolean(),
  dualStack: fc.boolean(),
});
type ServiceGen = (typeof serviceArb) extends fc.Arbitrary<infer T> ? T : never;

const flowArb = fc.record({
  client: fc.integer({ min: 0, max: CLIENTS_V4.length - 1 }),
  service: fc.nat(),
  port: fc.nat(),
  sport: fc.integer({ min: 1024, max: 65535 }),
  v6: fc.boolean(),
});
type FlowGen = (typeof flowArb) extends fc.Arbitrary<infer T> ? T : never;

const eventArb = fc.record({
  flow: fc.nat(),
  kind: fc.constantFrom(...EVENT_KINDS),
  dt: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 3000 }), weight: 12 },
    { arbitrary: fc.integer({ min: 20_000, max: 150_000 }), weight: 1 },
    { arbitrary: fc.integer({ min: -5000, max: -1 }), weight: 1 },
  ),
  ethernet: fc.boolean(),
  garbage: fc.uint8Array({ minLength: 0, maxLength: 60 }),
  /** `session`: after the handshake (or a first exchange), packets each way, close together. */
  steps: fc.array(fc.record({ dt: fc.integer({ min: 0, max: 1500 }), reply: fc.boolean() }), { maxLength: 24, size: 'medium' }),
});
type EventGen = (typeof eventArb) extends fc.Arbitrary<infer T> ? T : never;

const scenarioArb = fc.record({
  mode: fc.constantFrom<ProxyMode>('iptables', 'nftables', 'ipvs'),
  services: fc.array(serviceArb, { minLength: 1, maxLength: 3 }),
  nodeV6: fc.boolean(),
  conntrack: fc.record({
    tcpEstablishedTimeout: fc.integer({ min: 10, max: 200 }),
    udpTimeout: fc.integer({ min: 2, max: 30 }),
    udpStreamTimeout: fc.integer({ min: 5, max: 120 }),
    maxEntries: fc.integer({ min: 2, max: 40 }),
  }),
  flowCacheFlows: fc.integer({ min: 1, max: 16 }),
  batchFrames: fc.integer({ min: 1, max: 160 }), // past 8 + 16 + 32: the kernel's groups grow to 64 frames
  flows: fc.array(flowArb, { minLength: 1, maxLength: 8 }),
  events: fc.array(eventArb, { minLength: 1, maxLength: 120, size: 'medium' }),
  chunks: fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 10 }),
  seed: fc.integer({ min: 1, max: 1000 }),
});
type Scenario = (typeof scenarioArb) extends fc.Arbitrary<infer T> ? T : never;

// ---------------------------------------------------------------------------------------
// Cluster

function clusterIP(i: number, v6: boolean): string {
  return v6 ? `fd00:96::${(10 + i).toString(16)}` : `10.96.0.${10 + i}`;
}

function endpointIP(service: number, e: number, v6: boolean): string {
  return v6 ? `fd00:10:${service + 2}::${e + 1}` : `10.${service + 2}.0.${e + 1}`;
}

function servicePorts(s: ServiceGen): { name: string; port: number; targetPort: number; protocol: Protocol }[] {
  return s.protocols.map((protocol, j) => ({ name: protocol.toLowerCase(), port: 80 + j, targetPort: 8080 + j, protocol }));
}

function engineOptions(s: Scenario): FrameEngineOptions & { conntrack: Scenario['conntrack'] } {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  s.services.forEach((gen, i) => {
    const name = `svc${i}`;
    const ports = servicePorts(gen);
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'ns' },
      spec: {
        clusterIP: clusterIP(i, false),
        clusterIPs: gen.dualStack ? [clusterIP(i, false), clusterIP(i, true)] : [clusterIP(i, false)],
        ipFamilies: gen.dualStack ? ['IPv4', 'IPv6'] : ['IPv4'],
        ipFamilyPolicy: gen.dualStack ? 'RequireDualStack' : 'SingleStack',
        ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol })),
        ...(gen.affinity ? { sessionAffinity: 'ClientIP' as const } : {}),
      },
    } as Service);
    for (const v6 of gen.dualStack ? [false, true] : [false]) {
      slices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${name}-${v6 ? 'v6' : 'v4'}`, namespace: 'ns', labels: { 'kubernetes.io/service-name': name } },
        addressType: v6 ? 'IPv6' : 'IPv4',
        endpoints: Array.from({ length: gen.endpoints }, (_, e) => ({ addresses: [endpointIP(i, e, v6)], conditions: { ready: true } })),
        ports: ports.map((p) => ({ name: p.name, port: p.targetPort, protocol: p.protocol })),
      } as EndpointSlice);
    }
  });
  const { config } = parseKubeProxyConfiguration({ clusterCIDR: '10.0.0.0/8,fd00:10::/48' }, { mode: s.mode });
  return {
    services,
    slices,
    serviceCIDRs: ['10.96.0.0/12', 'fd00:96::/112'],
    node: { name: 'node-a', addresses: ['192.168.0.2', ...(s.nodeV6 ? ['2001:db8::2'] : [])], podCIDRs: ['10.0.0.0/24', 'fd00:10::/64'] },
    config,
    seed: s.seed,
    conntrack: s.conntrack,
  };
}

// ---------------------------------------------------------------------------------------
// Capture: frames built against the reference engine's outputs

/** Where a flow's packets leave the node (from the reference's output): the reply tuple inverted. */
interface Leaves {
  src: string;
  sport: number;
  dst: string;
  dport: number;
}

interface FlowState {
  family: 4 | 6;
  protocol: Protocol;
  client: string;
  vip: string;
  sport: number;
  dport: number;
  fallbackReplySource: string;
  leaves?: Leaves;
}

const TCP_FLAGS: Partial<Record<EventKind, number>> = {
  syn: 0x02, ack: 0x10, data: 0x18, fin: 0x11, rst: 0x04,
  synack: 0x12, replyAck: 0x10, replyData: 0x18, replyFin: 0x11, replyRst: 0x14,
};

function l4(protocol: Protocol, sport: number, dport: number, kind: EventKind, payload: number[]): L4 {
  if (protocol === 'TCP') return tcp({ sport, dport, flags: TCP_FLAGS[kind] ?? 0x18, data: payload });
  if (protocol === 'UDP') return udp({ sport, dport, data: payload });
  // An SCTP DATA chunk (RFC 4960 §3.3.1) carrying the payload (padded to 4 bytes).
  const data = [...payload, ...new Array((4 - (payload.length % 4)) % 4).fill(0)];
  return sctp({ sport, dport, vtag: 0x01020304, chunks: [0, 3, 0, 16 + data.length, ...be32(1), 0, 1, 0, 0, ...be32(0), ...data] });
}

function ip(family: 4 | 6, src: string, dst: string, segment: L4, id = 0x1c46): Uint8Array {
  return family === 4 ? ipv4({ src, dst, id }, segment) : ipv6({ src, dst }, segment);
}

function frameOf(packet: Uint8Array, e: EventGen, timeMs: number): Frame {
  return e.ethernet ? { data: ethernet(packet), linkType: LINKTYPE_ETHERNET, timeMs } : { data: packet, linkType: LINKTYPE_RAW, timeMs };
}

/** The packets of one event (usually one; `fragments` gives two). */
function packetsOf(f: FlowState, e: EventGen, fragmentId: number): Uint8Array[] {
  const payload = [...e.garbage.subarray(0, 12)];
  const kind = e.kind;
  const reply = kind.startsWith('reply') || kind === 'synack';
  if (reply) {
    const l = f.leaves;
    const src = l ? l.dst : f.fallbackReplySource;
    const sport = l ? l.dport : 8080;
    const dst = l ? l.src : f.client;
    const dport = l ? l.sport : f.sport;
    return [ip(f.family, src, dst, l4(f.protocol, sport, dport, kind, payload))];
  }
  switch (kind) {
    case 'icmpError': {
      const l = f.leaves;
      if (!l) return [ip(f.family, f.client, f.vip, icmp({ type: f.family === 4 ? 8 : 128, rest: 0x0100_0001, v6: f.family === 6 }))];
      // The endpoint side answers the packet as it left the node: port/host unreachable to its source.
      const quoted = ip(f.family, l.src, l.dst, l4(f.protocol, l.sport, l.dport, 'data', payload));
      const message = f.family === 4 ? icmp({ type: 3, code: 3, data: quoted.subarray(0, 48) }) : icmp({ type: 1, code: 4, v6: true, data: quoted.subarray(0, 68) });
      return [ip(f.family, l.dst, l.src, message)];
    }
    case 'echo':
      return [ip(f.family, f.client, f.vip, icmp({ type: f.family === 4 ? 8 : 128, rest: (f.sport << 16) | 1, v6: f.family === 6 }))];
    case 'fragments':
    case 'laterFragment': {
      // A 48-byte L4 segment split after 24 bytes (the whole L4 header is in the first fragment).
      const whole = l4(f.protocol, f.sport, f.dport, 'data', Array.from({ length: 48 - (f.protocol === 'TCP' ? 20 : f.protocol === 'UDP' ? 8 : 28) }, (_, i) => i));
      const bytes = whole.bytes.slice();
      whole.finish(addr(f.client), addr(f.vip), bytes);
      const first = opaque(PROTOCOL_NUMBER[f.protocol], [...bytes.subarray(0, 24)]);
      const later = opaque(PROTOCOL_NUMBER[f.protocol], [...bytes.subarray(24)]);
      const firstPacket =
        f.family === 4
          ? ipv4({ src: f.client, dst: f.vip, id: fragmentId, mf: true }, first)
          : ipv6({ src: f.client, dst: f.vip, ext: [{ kind: 44, offset: 0, more: true, id: fragmentId }] }, first);
      const laterPacket =
        f.family === 4
          ? ipv4({ src: f.client, dst: f.vip, id: fragmentId, fragOffset: 24 }, later)
          : ipv6({ src: f.client, dst: f.vip, ext: [{ kind: 44, offset: 24, more: false, id: fragmentId }] }, later);
      return kind === 'fragments' ? [firstPacket, laterPacket] : [laterPacket];
    }
    case 'badChecksum':
      if (f.family === 4) return [ipv4({ src: f.client, dst: f.vip, checksum: 0x1234 }, l4(f.protocol, f.sport, f.dport, 'data', payload))];
      return [ip(f.family, f.client, f.vip, l4(f.protocol, f.sport, f.dport, 'data', payload))];
    default:
      return [ip(f.family, f.client, f.vip, l4(f.protocol, f.sport, f.dport, kind, payload))];
  }
}

/** Updates where the flow's packets leave the node from a result of one of its original-direction packets. */
function learn(f: FlowState, frame: Frame, result: FrameResult): void {
  if (!result.output || result.flow === 'reply' || !['DNAT', 'PASS', 'ACCEPT'].includes(result.verdict)) return;
  const out = parsePacket(result.output, frame.linkType);
  const sent = parsePacket(frame.data, frame.linkType);
  if (out.reason !== REASON_OK || sent.reason !== REASON_OK || out.protocol !== PROTOCOL_NUMBER[f.protocol]) return;
  if (sent.srcPort !== f.sport || sent.dstPort !== f.dport || out.l4Offset === 0) return;
  const text = (a: number | Uint8Array) => (typeof a === 'number' ? formatIPv4(a) : formatIPv6(a));
  f.leaves = { src: text(out.src), sport: out.srcPort, dst: text(out.dst), dport: out.dstPort };
}

interface Capture {
  frames: Frame[];
  expected: FrameResult[];
  kinds: string[];
  reference: ReturnType<typeof createReferenceFrameEngine>;
}

function capture(s: Scenario): Capture {
  const reference = createReferenceFrameEngine(engineOptions(s));
  const flows: FlowState[] = s.flows.map((g: FlowGen) => {
    const serviceIndex = g.service % s.services.length;
    const service = s.services[serviceIndex];
    const ports = servicePorts(service);
    const port = ports[g.port % ports.length];
    const family = g.v6 && service.dualStack ? 6 : 4;
    return {
      family,
      protocol: port.protocol,
      client: (family === 6 ? CLIENTS_V6 : CLIENTS_V4)[g.client],
      vip: clusterIP(serviceIndex, family === 6),
      sport: g.sport,
      dport: port.port,
      fallbackReplySource: endpointIP(serviceIndex, 0, family === 6),
    };
  });
  const frames: Frame[] = [];
  const expected: FrameResult[] = [];
  const kinds: string[] = [];
  let time = 1_700_000_000_000;
  const emit = (f: FlowState, e: EventGen, n: number): void => {
    const packets = e.kind === 'garbage' ? [e.garbage] : packetsOf(f, e, 0x4000 + n);
    for (const packet of packets) {
      const frame = e.kind === 'garbage' ? { data: packet, linkType: e.ethernet ? LINKTYPE_ETHERNET : LINKTYPE_RAW, timeMs: time } : frameOf(packet, e, time);
      const result = reference.processFrame(frame);
      if (!e.kind.startsWith('reply') && e.kind !== 'synack') learn(f, frame, result);
      frames.push(frame);
      expected.push(result);
      kinds.push(`${e.kind} ${f.protocol}/IPv${f.family} ${f.client}:${f.sport} → ${f.vip}:${f.dport} at +${time - 1_700_000_000_000} ms`);
    }
  };
  s.events.forEach((e: EventGen, n: number) => {
    time += e.dt;
    const f = flows[e.flow % flows.length];
    if (e.kind !== 'session') {
      emit(f, e, n);
      return;
    }
    const opening: EventKind[] = f.protocol === 'TCP' ? ['syn', 'synack', 'ack'] : ['data', 'replyData'];
    for (const kind of opening) emit(f, { ...e, kind }, n);
    for (const step of e.steps) {
      time += step.dt;
      emit(f, { ...e, kind: step.reply ? 'replyData' : 'data' }, n);
    }
  });
  return { frames, expected, kinds, reference };
}

// ---------------------------------------------------------------------------------------
// Comparison

function show(r: FrameResult | undefined): unknown {
  if (!r) return r;
  const { output, ...rest } = r;
  return { ...rest, ...(output ? { output: hex(output) } : {}) };
}

function entryState(e: ConntrackEntry): unknown {
  return {
    id: e.id,
    original: e.original,
    reply: e.reply,
    nat: e.nat,
    deadline: e.deadline,
    seenReply: e.seenReply,
    assured: e.assured,
    tcp: e.tcp,
    sctpEstablished: e.sctpEstablished,
  };
}

interface Coverage {
  cacheRefused: number;
  fastPathFrames: number;
  slowPathFrames: number;
  punts: Record<string, number>;
  verdicts: Set<string>;
}

async function runScenario(target: (typeof TARGETS)[number], s: Scenario, coverage: Coverage): Promise<void> {
  const { frames, expected, kinds, reference } = capture(s);
  const wasm = await createWasmFrameEngine({ ...engineOptions(s), target, flowCacheFlows: s.flowCacheFlows, flowCacheFlowsV6: s.flowCacheFlows, batchFrames: s.batchFrames });
  const actual: FrameResult[] = [];
  let at = 0;
  for (let c = 0; at < frames.length; c++) {
    const size = s.chunks[c % s.chunks.length];
    actual.push(...wasm.process(frames.slice(at, at + size)));
    at += size;
  }
  expect(actual.length).toBe(frames.length);
  for (let i = 0; i < frames.length; i++) {
    if (JSON.stringify(show(actual[i])) !== JSON.stringify(show(expected[i]))) {
      expect.fail(`frame ${i} (${kinds[i]}): wasm ${JSON.stringify(show(actual[i]))}\n  reference ${JSON.stringify(show(expected[i]))}`);
    }
  }
  wasm.syncFlows();
  expect([...wasm.flows.conntrack.entries()].map(entryState)).toEqual([...reference.flows.conntrack.entries()].map(entryState));
  const stats = wasm.stats();
  const { fragmentedDatagrams, fastPathFrames, slowPathFrames, punts, cachedFlows, cacheRefused, ...flowStats } = stats;
  expect(flowStats).toEqual(reference.flows.stats());
  expect(fragmentedDatagrams).toBe(reference.stats().fragmentedDatagrams);
  expect(fastPathFrames + slowPathFrames).toBe(frames.length);
  expect(cachedFlows).toBeLessThanOrEqual(Math.min(flowStats.entries, 2 * s.flowCacheFlows)); // IPv4 and IPv6 each
  coverage.cacheRefused += cacheRefused;
  coverage.fastPathFrames += fastPathFrames;
  coverage.slowPathFrames += slowPathFrames;
  for (const [reason, n] of Object.entries(punts)) coverage.punts[reason] = (coverage.punts[reason] ?? 0) + n;
  for (const r of expected) coverage.verdicts.add(`${r.verdict}/${r.flow}`);
}

describe.each(TARGETS)('wasm frame engine (%s core) vs reference frame engine', (target) => {
  test(
    '1. generated clusters and captures: identical results, output bytes, conntrack tables and statistics',
    async () => {
      const coverage: Coverage = { cacheRefused: 0, fastPathFrames: 0, slowPathFrames: 0, punts: {}, verdicts: new Set() };
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (s) => {
          await runScenario(target, s, coverage);
        }),
        { numRuns: target === 'debug' ? 150 : 300, seed: 0x5eed_f4a3 },
      );
      // The property is only as good as what it reached: both paths, every punt reason that
      // traffic can cause, and every verdict a flow can get.
      expect(coverage.fastPathFrames).toBeGreaterThan(1000);
      expect(coverage.cacheRefused, 'a full flow cache').toBeGreaterThan(0);
      for (const reason of ['parse', 'fragment', 'protocol', 'tcpFlags', 'miss', 'timer', 'expiry', 'timeBack']) expect(coverage.punts[reason], reason).toBeGreaterThan(0);
      for (const v of ['DNAT/new', 'DNAT/established', 'DNAT/reply', 'REJECT/new', 'DROP/new', 'PASS/new', 'PASS/established']) expect(coverage.verdicts, v).toContain(v);
    },
    TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------
// Packets of cached flows with every header field the fast path looks at varied: what its
// quick IPv4 parse and rewrite accept must come out exactly as the general parser and
// rewrite (and the reference) make it, and what they refuse must take the general path.

/** Mostly `clean`, sometimes a draw of `other`. */
function rarely<T>(clean: T, other: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constant(clean), weight: 6 }, { arbitrary: other, weight: 1 });
}

const mutationArb = fc.record({
  reply: fc.boolean(),
  udp: fc.boolean(),
  link: fc.constantFrom('ethernet', 'ethernet', 'vlan', 'raw', 'ipv4'),
  tcpFlags: rarely(0x18, fc.integer({ min: 0, max: 255 })),
  dataOffset: rarely<number | undefined>(undefined, fc.integer({ min: 0, max: 15 })),
  ipOptions: rarely(false, fc.constant(true)),
  df: fc.boolean(),
  mf: rarely(false, fc.constant(true)),
  ttl: fc.integer({ min: 0, max: 255 }),
  badChecksum: rarely(false, fc.constant(true)),
  totalLengthDelta: rarely<number | undefined>(undefined, fc.integer({ min: -30, max: 30 })),
  udpChecksum: fc.constantFrom<'computed' | 'none'>('computed', 'computed', 'none'),
  udpLengthDelta: rarely<number | undefined>(undefined, fc.integer({ min: -10, max: 10 })),
  payload: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
  padding: rarely(0, fc.integer({ min: 1, max: 12 })),
  truncate: rarely<number | undefined>(undefined, fc.integer({ min: 0, max: 90 })),
  dt: fc.integer({ min: 0, max: 500 }),
});

describe.each(TARGETS)('wasm frame engine (%s core): quick and general parsing of cached flows', (target) => {
  test(
    '2. mutated packets of established TCP and assured UDP flows: identical results and bytes',
    async () => {
      let fast = 0;
      let total = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(mutationArb, { minLength: 1, maxLength: 60, size: 'medium' }), fc.boolean(), async (mutations, masquerade) => {
          const s: Scenario = {
            mode: 'iptables',
            services: [{ protocols: ['TCP', 'UDP'], endpoints: 1, affinity: false, dualStack: false }],
            nodeV6: false,
            conntrack: { tcpEstablishedTimeout: 1000, udpTimeout: 30, udpStreamTimeout: 1000, maxEntries: 100 },
            flowCacheFlows: 8,
            batchFrames: 16,
            flows: [],
            events: [],
            chunks: [7],
            seed: 1,
          };
          const options = engineOptions(s);
          const reference = createReferenceFrameEngine(options);
          const wasm = await createWasmFrameEngine({ ...options, target, flowCacheFlows: 8, batchFrames: 16 });
          const client = masquerade ? '203.0.113.7' : '10.0.0.5';
          const source = masquerade ? '192.168.0.2' : client;
          const endpoint = endpointIP(0, 0, false);
          const vip = clusterIP(0, false);
          let time = 1_700_000_000_000;
          const frames: Frame[] = [];
          const raw = (packet: Uint8Array) => frames.push({ data: ethernet(packet), linkType: LINKTYPE_ETHERNET, timeMs: time });
          // Establish: TCP handshake, UDP exchange assured after 2 s (the source port stays: no clash).
          raw(ipv4({ src: client, dst: vip }, tcp({ sport: 40000, dport: 80, flags: 0x02 })));
          raw(ipv4({ src: endpoint, dst: source }, tcp({ sport: 8080, dport: 40000, flags: 0x12 })));
          raw(ipv4({ src: client, dst: vip }, tcp({ sport: 40000, dport: 80, flags: 0x10 })));
          raw(ipv4({ src: client, dst: vip }, udp({ sport: 40001, dport: 81, data: [1] })));
          raw(ipv4({ src: endpoint, dst: source }, udp({ sport: 8081, dport: 40001, data: [2] })));
          time += 2500;
          raw(ipv4({ src: client, dst: vip }, udp({ sport: 40001, dport: 81, data: [3] })));
          for (const m of mutations) {
            time += m.dt;
            const [src, dst, sport, dport] = m.reply ? [endpoint, source, m.udp ? 8081 : 8080, m.udp ? 40001 : 40000] : [client, vip, m.udp ? 40001 : 40000, m.udp ? 81 : 80];
            const segment = m.udp
              ? udp({ sport, dport, data: m.payload, checksum: m.udpChecksum === 'none' ? 'none' : undefined, ...(m.udpLengthDelta !== undefined ? { length: Math.max(0, 8 + m.payload.length + m.udpLengthDelta) } : {}) })
              : tcp({ sport, dport, flags: m.tcpFlags, data: m.payload, ...(m.dataOffset !== undefined ? { dataOffset: m.dataOffset } : {}) });
            const options4 = m.ipOptions ? [1, 1, 1, 0] : [];
            const length = 20 + options4.length + segment.bytes.length;
            let packet = ipv4(
              {
                src, dst, df: m.df, mf: m.mf, ttl: m.ttl, options: options4,
                ...(m.badChecksum ? { checksum: 0x1234 } : {}),
                ...(m.totalLengthDelta !== undefined ? { totalLength: Math.max(0, Math.min(0xffff, length + m.totalLengthDelta)) } : {}),
              },
              segment,
            );
            if (m.padding > 0) packet = concat(packet, new Uint8Array(m.padding).fill(0xee));
            let frame: Frame =
              m.link === 'ethernet' ? { data: ethernet(packet), linkType: LINKTYPE_ETHERNET, timeMs: time }
              : m.link === 'vlan' ? { data: ethernet(packet, { vlan: 7 }), linkType: LINKTYPE_ETHERNET, timeMs: time }
              : { data: packet, linkType: m.link === 'raw' ? LINKTYPE_RAW : LINKTYPE_IPV4, timeMs: time };
            if (m.truncate !== undefined) frame = { ...frame, data: frame.data.subarray(0, Math.min(frame.data.length, m.truncate)) };
            frames.push(frame);
          }
          const expected = reference.process(frames);
          const actual: FrameResult[] = [];
          for (let at = 0; at < frames.length; at += 7) actual.push(...wasm.process(frames.slice(at, at + 7)));
          for (let i = 0; i < frames.length; i++) {
            if (JSON.stringify(show(actual[i])) !== JSON.stringify(show(expected[i]))) {
              expect.fail(`frame ${i} (${i < 6 ? 'setup' : JSON.stringify(mutations[i - 6])}): wasm ${JSON.stringify(show(actual[i]))}\n  reference ${JSON.stringify(show(expected[i]))}`);
            }
          }
          wasm.syncFlows();
          expect([...wasm.flows.conntrack.entries()].map(entryState)).toEqual([...reference.flows.conntrack.entries()].map(entryState));
          fast += wasm.stats().fastPathFrames;
          total += mutations.length;
        }),
        { numRuns: target === 'debug' ? 100 : 300, seed: 0x0f1a_9e5d },
      );
      // Most mutated frames are clean enough for the fast path; the rest exercise the refusals.
      expect(fast).toBeGreaterThan(total / 4);
      expect(fast).toBeLessThan(total);
    },
    TIMEOUT,
  );
});
