// The wasm frame engine (sdk/engine/frames.ts) and its core parts (assembly/flowcache.ts,
// assembly/frames.ts): the layout mirror, the flow cache's control calls, and what the fast
// path does and does not do, each case also held to the reference frame engine's results.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  FK_DIRECTION, FK_DST, FK_FAMILY, FK_NAT_FLAGS, FK_NEW_PORTS, FK_PORTS, FK_PROTOCOL, FK_SRC, FK_TOKEN,
  FLOW4_SLOT_BYTES, FLOW6_SLOT_BYTES, FLOW_KEY_STAGING_BYTES, FRAME_VERDICT_BYTES,
  type FrameCoreExports, type WasmFrameEngine, type WasmFrameEngineOptions, createWasmFrameEngine,
} from '../../sdk/engine/frames.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { ST_BAD_ARGUMENT, ST_NO_MEMORY, ST_NOT_FOUND, ST_OK } from '../../sdk/engine/records.js';
import { parseIPv6 } from '../../sdk/model/ip.js';
import type { EndpointSlice, Service } from '../../sdk/model/types.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { CHECKSUM_VALID, LINKTYPE_ETHERNET, parsePacket, verifyChecksums } from '../../sdk/packet/parse.js';
import { parseKubeProxyConfiguration } from '../../sdk/proxy/config.js';
import { ConntrackTable, type ConntrackEntry, type RemovalCause, type ServicePortState } from '../../sdk/proxy/conntrack.js';
import type { FlowTuple } from '../../sdk/proxy/decision.js';
import type { Frame, FrameResult } from '../../sdk/proxy/frame-engine.js';
import { REASON_NO_MASQUERADE_ADDRESS, createReferenceFrameEngine, type ReferenceFrameEngine } from '../../sdk/proxy/reference-frames.js';
import { ethernet, hex, icmp, ipv4, ipv6, tcp, udp } from '../packet/samples.js';

setDefaultCoreSource(nodeCoreSource);

const TARGETS = ['debug', 'release'] as const;
type Target = (typeof TARGETS)[number];

// ---------------------------------------------------------------------------------------
// Cluster: ns/web has a ClusterIP (and an IPv6 one), TCP 80 → 8080 and UDP 53 → 5353, two
// endpoints; the node is 192.168.0.2 (and 2001:db8::2 unless a case removes it).

const VIP = '10.96.0.10';
const VIP6 = 'fd00:96::a';
const NODE_IP = '192.168.0.2';
const POD = '10.0.0.5';
const OFF_CLUSTER = '203.0.113.7';
const POD6 = 'fd00:10::5';
const OFF_CLUSTER6 = '2001:db8:ffff::7';
const ENDPOINTS = ['10.0.1.5', '10.0.2.6'];
const ENDPOINTS6 = ['fd00:10:1::5', 'fd00:10:2::6'];

const SERVICES: Service[] = [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'ns' },
    spec: {
      clusterIP: VIP,
      clusterIPs: [VIP, VIP6],
      ipFamilies: ['IPv4', 'IPv6'],
      ipFamilyPolicy: 'RequireDualStack',
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' },
      ],
    },
  } as Service,
];

function slices(v4: string[] = ENDPOINTS): EndpointSlice[] {
  const ports = [
    { name: 'http', port: 8080, protocol: 'TCP' as const },
    { name: 'dns', port: 5353, protocol: 'UDP' as const },
  ];
  const label = { 'kubernetes.io/service-name': 'web' };
  return [
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-v4', namespace: 'ns', labels: label }, addressType: 'IPv4', endpoints: v4.map((ip) => ({ addresses: [ip] })), ports },
    { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-v6', namespace: 'ns', labels: label }, addressType: 'IPv6', endpoints: ENDPOINTS6.map((ip) => ({ addresses: [ip] })), ports },
  ] as EndpointSlice[];
}

interface PairOptions {
  nodeV6?: boolean;
  conntrack?: WasmFrameEngineOptions['conntrack'];
  flowCacheFlows?: number;
}

interface Pair {
  wasm: WasmFrameEngine;
  reference: ReferenceFrameEngine;
  /** Runs frames through both engines, expects identical results, returns the wasm engine's. */
  run(frames: Frame[]): FrameResult[];
}

async function pair(target: Target, o: PairOptions = {}): Promise<Pair> {
  const { config } = parseKubeProxyConfiguration({ clusterCIDR: '10.0.0.0/8,fd00:10::/48' }, { mode: 'iptables' });
  const options = {
    services: SERVICES,
    slices: slices(),
    serviceCIDRs: ['10.96.0.0/12', 'fd00:96::/112'],
    node: { name: 'node-a', addresses: [NODE_IP, ...(o.nodeV6 === false ? [] : ['2001:db8::2'])], podCIDRs: ['10.0.0.0/24', 'fd00:10::/64'] },
    config,
    seed: 42,
    ...(o.conntrack ? { conntrack: o.conntrack } : {}),
  };
  const wasm = await createWasmFrameEngine({ ...options, target, ...(o.flowCacheFlows !== undefined ? { flowCacheFlows: o.flowCacheFlows, flowCacheFlowsV6: o.flowCacheFlows } : {}) });
  const reference = createReferenceFrameEngine(options);
  return {
    wasm,
    reference,
    run(frames) {
      const expected = reference.process(frames);
      const actual = wasm.process(frames);
      expect(actual.map(show)).toEqual(expected.map(show));
      return actual;
    },
  };
}

function show(r: FrameResult): unknown {
  const { output, ...rest } = r;
  return { ...rest, ...(output ? { output: hex(output) } : {}) };
}

// ---------------------------------------------------------------------------------------
// Frames

const T0 = 1_700_000_000_000;
const SYN = 0x02;
const ACK = 0x10;
const PSH_ACK = 0x18;
const SYN_ACK = 0x12;
const FIN_ACK = 0x11;
const RST = 0x04;

function frame(packet: Uint8Array, timeMs: number): Frame {
  return { data: ethernet(packet), linkType: LINKTYPE_ETHERNET, timeMs };
}

function ip(src: string, dst: string, segment: ReturnType<typeof tcp>): Uint8Array {
  return src.includes(':') ? ipv6({ src, dst }, segment) : ipv4({ src, dst }, segment);
}

/** One TCP connection to the service: the client's side and the endpoint's (once known). */
class Connection {
  endpoint = '';
  endpointPort = 0;
  /** Where the client's packets leave from (the client, or the node when masqueraded). */
  source = '';
  sourcePort = 0;

  constructor(
    readonly client: string,
    readonly clientPort: number,
    readonly vip = client.includes(':') ? VIP6 : VIP,
    readonly port = 80,
  ) {}

  out(flags: number, timeMs: number, data: number[] = []): Frame {
    return frame(ip(this.client, this.vip, tcp({ sport: this.clientPort, dport: this.port, flags, data })), timeMs);
  }

  back(flags: number, timeMs: number, data: number[] = []): Frame {
    return frame(ip(this.endpoint, this.source, tcp({ sport: this.endpointPort, dport: this.sourcePort, flags, data })), timeMs);
  }

  /** Learns the translation from the result of the first packet. */
  learn(result: FrameResult): void {
    const out = parsePacket(result.output as Uint8Array, LINKTYPE_ETHERNET);
    const text = (a: number | Uint8Array) => (typeof a === 'number' ? [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.') : '');
    this.endpoint = result.endpoint!.startsWith('[') ? result.endpoint!.slice(1, result.endpoint!.lastIndexOf(']')) : result.endpoint!.split(':')[0];
    this.endpointPort = out.dstPort;
    this.source = typeof out.src === 'number' ? text(out.src) : this.client;
    this.sourcePort = out.srcPort;
  }

  /** SYN, SYN/ACK, ACK: the flow is ESTABLISHED and ASSURED afterwards. */
  handshake(p: Pair, timeMs: number): FrameResult[] {
    const [syn] = p.run([this.out(SYN, timeMs)]);
    this.learn(syn);
    return [syn, ...p.run([this.back(SYN_ACK, timeMs + 1), this.out(ACK, timeMs + 2)])];
  }
}

// ---------------------------------------------------------------------------------------
// Layout and flow cache control calls

describe.each(TARGETS)('flow cache control calls (%s core)', (target) => {
  async function core(flows = 8, flows6 = 8): Promise<{ core: FrameCoreExports; stage: (key: Key) => void }> {
    const engine = await createWasmFrameEngine({ services: [], slices: [], node: { name: 'n', addresses: [NODE_IP] }, config: parseKubeProxyConfiguration({}, { mode: 'iptables' }).config, target, flowCacheFlows: flows, flowCacheFlowsV6: flows6 });
    const c = engine.exports;
    const stage = (key: Key): void => {
      const bytes = new Uint8Array(c.memory.buffer, c.flowKeyStagingPtr() >>> 0, FLOW_KEY_STAGING_BYTES);
      const view = new DataView(bytes.buffer, bytes.byteOffset, FLOW_KEY_STAGING_BYTES);
      bytes.fill(0);
      view.setUint8(FK_FAMILY, key.family);
      view.setUint8(FK_PROTOCOL, key.protocol);
      view.setUint8(FK_DIRECTION, key.direction ?? 0);
      view.setUint8(FK_NAT_FLAGS, 0);
      view.setUint32(FK_PORTS, key.ports >>> 0, true);
      view.setUint32(FK_NEW_PORTS, 0, true);
      view.setUint32(FK_TOKEN, key.token ?? 1, true);
      if (key.family === 6) {
        const v6 = (n: number) => parseIPv6(`fd00::${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`);
        bytes.set(v6(key.src), FK_SRC);
        bytes.set(v6(key.dst), FK_DST);
      } else {
        view.setUint32(FK_SRC, key.src >>> 0, true);
        view.setUint32(FK_DST, key.dst >>> 0, true);
      }
    };
    return { core: c, stage };
  }

  interface Key {
    family: number;
    protocol: number;
    src: number;
    dst: number;
    ports: number;
    token?: number;
    direction?: number;
  }

  test('1. the layout signature agrees with the SDK mirror', async () => {
    const { core: c } = await core();
    expect(c.framesLayoutSignature() >>> 0).toBe((FLOW4_SLOT_BYTES | (FLOW6_SLOT_BYTES << 8) | (FLOW_KEY_STAGING_BYTES << 16) | (FRAME_VERDICT_BYTES << 24)) >>> 0);
  });

  const k4: Key = { family: 4, protocol: 6, src: 0x0a000005, dst: 0x0a60000a, ports: 40000 | (80 << 16) };
  const k6: Key = { family: 6, protocol: 17, src: 5, dst: 10, ports: 40000 | (53 << 16) };
  const cases: { name: string; steps: { key: Key; call: 'insert' | 'remove' | 'lookup'; expect: number }[] }[] = [
    {
      name: '2. insert, lookup, update in place, remove (IPv4)',
      steps: [
        { key: k4, call: 'lookup', expect: 0 },
        { key: { ...k4, token: 3 }, call: 'insert', expect: ST_OK },
        { key: k4, call: 'lookup', expect: 3 },
        { key: { ...k4, token: 5 }, call: 'insert', expect: ST_OK },
        { key: k4, call: 'lookup', expect: 5 },
        { key: { ...k4, ports: 40001 | (80 << 16) }, call: 'lookup', expect: 0 },
        { key: { ...k4, protocol: 17 }, call: 'lookup', expect: 0 },
        { key: k4, call: 'remove', expect: ST_OK },
        { key: k4, call: 'remove', expect: ST_NOT_FOUND },
        { key: k4, call: 'lookup', expect: 0 },
      ],
    },
    {
      name: '3. insert, lookup, remove (IPv6), apart from an IPv4 key with the same numbers',
      steps: [
        { key: { ...k6, token: 2 }, call: 'insert', expect: ST_OK },
        { key: { ...k6, family: 4 }, call: 'lookup', expect: 0 },
        { key: k6, call: 'lookup', expect: 2 },
        { key: { ...k6, dst: 11 }, call: 'lookup', expect: 0 },
        { key: k6, call: 'remove', expect: ST_OK },
        { key: k6, call: 'lookup', expect: 0 },
      ],
    },
    {
      name: '4. bad arguments change nothing',
      steps: [
        { key: { ...k4, family: 5 }, call: 'insert', expect: ST_BAD_ARGUMENT },
        { key: { ...k4, token: 0 }, call: 'insert', expect: ST_BAD_ARGUMENT },
                { key: { ...k4, direction: 2 }, call: 'insert', expect: ST_BAD_ARGUMENT },
        { key: k4, call: 'lookup', expect: 0 },
        { key: { ...k4, family: 5 }, call: 'remove', expect: ST_NOT_FOUND },
      ],
    },
  ];
  test.each(cases)('$name', async ({ steps }) => {
    const { core: c, stage } = await core();
    steps.forEach((s, i) => {
      stage(s.key);
      const got = s.call === 'insert' ? c.flowCacheInsert() : s.call === 'remove' ? c.flowCacheRemove() : c.flowCacheLookup() >>> 0;
      expect(got, `step ${i}: ${s.call}`).toBe(s.expect);
    });
  });

  test('5. a full table refuses keys (two per flow per family) and takes them again after a removal', async () => {
    const { core: c, stage } = await core(2, 1);
    for (const [family, limit] of [[4, 4], [6, 2]] as const) {
      for (let i = 0; i < limit; i++) {
        stage({ ...k4, family, src: i + 1, token: 1 });
        expect(c.flowCacheInsert(), `IPv${family} key ${i}`).toBe(ST_OK);
      }
      stage({ ...k4, family, src: 100, token: 1 });
      expect(c.flowCacheInsert()).toBe(ST_NO_MEMORY);
      expect(c.flowCacheKeys(family)).toBe(limit);
      stage({ ...k4, family, src: 1, token: 1 });
      expect(c.flowCacheRemove()).toBe(ST_OK);
      stage({ ...k4, family, src: 100, token: 1 });
      expect(c.flowCacheInsert()).toBe(ST_OK);
    }
  });

  test('6. random inserts and removals agree with a map (backward-shift deletion keeps every probe run whole)', async () => {
    const keyArb = fc.record({ family: fc.constantFrom(4, 6), protocol: fc.constantFrom(6, 17, 132), src: fc.integer({ min: 1, max: 6 }), dst: fc.integer({ min: 1, max: 3 }), ports: fc.integer({ min: 0, max: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ key: keyArb, insert: fc.boolean(), token: fc.integer({ min: 1, max: 16 }) }), { maxLength: 200 }), async (ops) => {
        const { core: c, stage } = await core(16, 16);
        const model = new Map<string, number>();
        const name = (k: Key) => `${k.family}|${k.protocol}|${k.src}|${k.dst}|${k.ports}`;
        for (const op of ops) {
          stage({ ...op.key, token: op.token });
          if (op.insert) {
            expect(c.flowCacheInsert()).toBe(ST_OK);
            model.set(name(op.key), op.token);
          } else {
            expect(c.flowCacheRemove()).toBe(model.delete(name(op.key)) ? ST_OK : ST_NOT_FOUND);
          }
          for (const [k, token] of model) {
            const [family, protocol, src, dst, ports] = k.split('|').map(Number);
            stage({ family, protocol, src, dst, ports });
            expect(c.flowCacheLookup() >>> 0).toBe(token);
          }
        }
        expect(c.flowCacheKeys(4) + c.flowCacheKeys(6)).toBe(model.size);
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// The fast path

describe.each(TARGETS)('fast path (%s core)', (target) => {
  test('7. after the handshake, no later packet of the flow takes the slow path; replies are translated back', async () => {
    const p = await pair(target);
    const c = new Connection(POD, 40000);
    c.handshake(p, T0);
    const before = p.wasm.stats();
    expect(before.cachedFlows).toBe(1);
    const frames: Frame[] = [];
    for (let i = 0; i < 100; i++) frames.push(i % 2 === 0 ? c.out(PSH_ACK, T0 + 10 + i, [i, i]) : c.back(PSH_ACK, T0 + 10 + i, [i]));
    const results = p.run(frames);
    const after = p.wasm.stats();
    expect(after.slowPathFrames - before.slowPathFrames).toBe(0);
    expect(after.fastPathFrames - before.fastPathFrames).toBe(100);
    const reply = parsePacket(results[1].output as Uint8Array, LINKTYPE_ETHERNET);
    expect(results[1]).toMatchObject({ verdict: 'DNAT', flow: 'reply', servicePort: 'ns/web:http', masquerade: false });
    expect([reply.src, reply.srcPort, reply.dst, reply.dstPort]).toEqual([0x0a60000a, 80, 0x0a000005, 40000]);
    expect(results[0]).toMatchObject({ verdict: 'DNAT', flow: 'established', endpoint: `${c.endpoint}:8080` });
    for (const r of results) {
      const out = parsePacket(r.output as Uint8Array, LINKTYPE_ETHERNET);
      expect(verifyChecksums(r.output as Uint8Array, out)).toBe(CHECKSUM_VALID | (CHECKSUM_VALID << 2));
    }
    expect(p.wasm.cachedCounters([...p.wasm.flows.conntrack.entries()][0])?.packets).toEqual([50, 50]);
  });

  test('8. masqueraded flows: the source leaves as the node address, replies go back to the client', async () => {
    const p = await pair(target);
    const c = new Connection(OFF_CLUSTER, 40001);
    c.handshake(p, T0);
    const [out, back] = p.run([c.out(PSH_ACK, T0 + 5, [1]), c.back(PSH_ACK, T0 + 6, [2])]);
    expect(p.wasm.stats().fastPathFrames).toBe(2);
    const o = parsePacket(out.output as Uint8Array, LINKTYPE_ETHERNET);
    const b = parsePacket(back.output as Uint8Array, LINKTYPE_ETHERNET);
    expect(out.masquerade).toBe(true);
    expect(o.src).toBe(0xc0a80002);
    expect([b.src, b.srcPort, b.dst, b.dstPort]).toEqual([0x0a60000a, 80, 0xcb007107, 40001]);
  });

  const closing = [
    { name: '9. a FIN', flags: FIN_ACK },
    { name: '10. an RST', flags: RST },
    { name: '11. a SYN on the established flow', flags: SYN },
  ];
  test.each(closing)('$name takes the slow path, and the flow leaves the cache when conntrack leaves ESTABLISHED', async ({ flags }) => {
    const p = await pair(target);
    const c = new Connection(POD, 40002);
    c.handshake(p, T0);
    p.run([c.out(PSH_ACK, T0 + 10, [1])]);
    const before = p.wasm.stats();
    p.run([c.out(flags, T0 + 11), c.out(ACK, T0 + 12), c.back(ACK, T0 + 13)]);
    const after = p.wasm.stats();
    expect(after.punts.tcpFlags - before.punts.tcpFlags).toBe(1);
    const state = [...p.reference.flows.conntrack.entries()][0]?.tcp?.state;
    expect(after.cachedFlows).toBe(state === 'ESTABLISHED' ? 1 : 0);
  });

  test('12. a full cache: flows beyond it stay on the slow path, with the same results', async () => {
    const p = await pair(target, { flowCacheFlows: 1 });
    const a = new Connection(POD, 41000);
    const b = new Connection(POD, 41001);
    a.handshake(p, T0);
    b.handshake(p, T0 + 3);
    const stats = p.wasm.stats();
    expect(stats.cachedFlows).toBe(1);
    expect(stats.cacheRefused).toBe(1);
    const before = p.wasm.stats();
    p.run([a.out(PSH_ACK, T0 + 10), b.out(PSH_ACK, T0 + 11), a.back(ACK, T0 + 12), b.back(ACK, T0 + 13)]);
    const after = p.wasm.stats();
    expect(after.fastPathFrames - before.fastPathFrames).toBe(2);
    expect(after.punts.miss - before.punts.miss).toBe(2);
  });

  test('13. a flow that only takes the fast path is not expired as idle', async () => {
    const p = await pair(target, { conntrack: { tcpEstablishedTimeout: 10 } });
    const c = new Connection(POD, 42000);
    c.handshake(p, T0);
    const frames: Frame[] = [];
    for (let t = 4000; t <= 60_000; t += 4000) frames.push(c.out(ACK, T0 + t));
    p.run(frames);
    const fastOnly = p.wasm.stats();
    expect(fastOnly.fastPathFrames).toBeGreaterThan(frames.length / 2);
    expect(fastOnly.expired).toBe(0);
    // A new flow runs the table's expiry at t = 65 s: the active flow survives it.
    p.run([new Connection(POD, 42001).out(SYN, T0 + 65_000)]);
    const stats = p.wasm.stats();
    expect(stats.expired).toBe(0);
    expect(stats.entries).toBe(2);
    const [entry] = [...p.wasm.flows.conntrack.entries()];
    expect(entry.deadline).toBe(T0 + 60_000 + 10_000);
    expect(p.run([c.out(ACK, T0 + 66_000)])[0].flow).toBe('established');
  });

  test('14. an idle flow expires: its next packet is a new flow, as in the reference', async () => {
    const p = await pair(target, { conntrack: { tcpEstablishedTimeout: 10 } });
    const c = new Connection(POD, 43000);
    c.handshake(p, T0);
    p.run([c.out(ACK, T0 + 1000)]);
    const [late] = p.run([c.out(ACK, T0 + 1000 + 10_000)]);
    expect(late.flow).toBe('new');
    expect(p.wasm.stats().expired).toBe(1);
  });

  test('15. a packet timed before a frame already seen takes the slow path (conntrack would move the deadline back)', async () => {
    const p = await pair(target, { conntrack: { tcpEstablishedTimeout: 10 } });
    const c = new Connection(POD, 44000);
    const other = new Connection(POD, 44001);
    c.handshake(p, T0);
    other.handshake(p, T0 + 3);
    p.run([c.out(ACK, T0 + 5000)]);
    const before = p.wasm.stats();
    p.run([c.out(ACK, T0 + 3000), other.out(ACK, T0 + 9000), c.back(ACK, T0 + 8000), c.out(ACK, T0 + 9500)]);
    const after = p.wasm.stats();
    expect(after.punts.timeBack - before.punts.timeBack).toBe(2);
    expect(after.fastPathFrames - before.fastPathFrames).toBe(2);
    p.wasm.syncFlows();
    expect([...p.wasm.flows.conntrack.entries()].map((e) => e.deadline)).toEqual([...p.reference.flows.conntrack.entries()].map((e) => e.deadline));
  });

  test('16. UDP: original packets go fast before a reply, both ways once assured; the UDP cleanup drops the cached flow', async () => {
    const p = await pair(target);
    const out = (t: number) => frame(ipv4({ src: POD, dst: VIP }, udp({ sport: 50000, dport: 53, data: [1, 2] })), t);
    const [first] = p.run([out(T0)]);
    const endpoint = first.endpoint!.split(':')[0];
    const back = (t: number) => frame(ipv4({ src: endpoint, dst: POD }, udp({ sport: 5353, dport: 50000, data: [3] })), t);
    p.run([out(T0 + 100), out(T0 + 200)]);
    expect(p.wasm.stats().fastPathFrames).toBe(2);
    p.run([back(T0 + 300), out(T0 + 2500), back(T0 + 2600), out(T0 + 2700)]);
    const assured = p.wasm.stats();
    expect(assured.fastPathFrames).toBe(4); // the reply and the packet that assures the stream take the slow path
    expect(p.wasm.cachedKeys().ipv4).toBe(2);

    // The endpoint leaves the service: kube-proxy's UDP cleanup deletes the entry.
    const remaining = ENDPOINTS.filter((ip) => ip !== endpoint);
    const ports: ServicePortState[] = [{ servicePort: 'ns/web:dns', protocol: 'UDP', family: 4, frontendIPs: [VIP], port: 53, endpoints: remaining.map((ip) => ({ ip, port: 5353, serving: true })) }];
    expect(p.wasm.flows.endpointsChanged(ports).conntrackEntriesRemoved).toBe(1);
    expect(p.reference.flows.endpointsChanged(ports).conntrackEntriesRemoved).toBe(1);
    expect(p.wasm.cachedKeys().ipv4).toBe(0);
    expect(p.wasm.stats().cachedFlows).toBe(0);
    const [again] = p.run([out(T0 + 2800)]);
    expect(again.flow).toBe('new');
  });

  test('17. IPv6 flows are cached and forwarded by the fast path', async () => {
    const p = await pair(target);
    const c = new Connection(POD6, 45000);
    c.handshake(p, T0);
    const results = p.run([c.out(PSH_ACK, T0 + 10, [1]), c.back(PSH_ACK, T0 + 11, [2])]);
    expect(p.wasm.stats().fastPathFrames).toBe(2);
    expect(p.wasm.cachedKeys()).toEqual({ ipv4: 0, ipv6: 2 });
    expect(results.map((r) => r.flow)).toEqual(['established', 'reply']);
  });

  test('18. a masqueraded flow of a family the node has no address of is dropped both ways and never cached', async () => {
    const p = await pair(target, { nodeV6: false });
    const c = new Connection(OFF_CLUSTER6, 46000);
    const [syn] = p.run([c.out(SYN, T0)]);
    expect(syn).toMatchObject({ verdict: 'DROP', reason: REASON_NO_MASQUERADE_ADDRESS });
    const later = p.run([c.out(ACK, T0 + 1), c.out(PSH_ACK, T0 + 2)]);
    expect(later.map((r) => r.verdict)).toEqual(['DROP', 'DROP']);
    expect(p.wasm.stats().cachedFlows).toBe(0);
  });

  test('19. an ICMP error about a cached flow takes the slow path and is translated like the reference; the flow stays cached', async () => {
    const p = await pair(target);
    const c = new Connection(POD, 47000);
    c.handshake(p, T0);
    const quoted = ipv4({ src: c.source, dst: c.endpoint }, tcp({ sport: c.sourcePort, dport: c.endpointPort, flags: PSH_ACK, data: [1, 2, 3, 4] }));
    const error = frame(ipv4({ src: c.endpoint, dst: c.source }, icmp({ type: 3, code: 3, data: quoted.subarray(0, 48) })), T0 + 10);
    const before = p.wasm.stats();
    const [r] = p.run([error, c.out(ACK, T0 + 11)]);
    const after = p.wasm.stats();
    expect(r).toMatchObject({ verdict: 'DNAT', flow: 'reply' });
    expect(after.punts.protocol - before.punts.protocol).toBe(1);
    expect(after.fastPathFrames - before.fastPathFrames).toBe(1);
  });

  test('20. frames the parser refuses, odd link types and empty frames are dropped as the reference drops them', async () => {
    const p = await pair(target);
    const c = new Connection(POD, 49000);
    const good = c.out(SYN, T0);
    const results = p.run([
      { data: good.data, linkType: 65537, timeMs: T0 },
      { data: good.data, linkType: -1, timeMs: T0 },
      { data: new Uint8Array(0), linkType: LINKTYPE_ETHERNET, timeMs: T0 },
      { data: good.data.subarray(0, 30), linkType: LINKTYPE_ETHERNET, timeMs: T0 },
      { data: good.data, linkType: 229, timeMs: Number.NaN },
    ]);
    expect(results.map((r) => [r.verdict, r.reason])).toEqual([
      ['DROP', 'UNSUPPORTED_LINK_TYPE'],
      ['DROP', 'UNSUPPORTED_LINK_TYPE'],
      ['DROP', 'TRUNCATED_LINK'],
      ['DROP', 'TRUNCATED_L3'],
      ['DROP', 'UNSUPPORTED_VERSION'],
    ]);
  });

  test('21. batches larger than the kernel batch are split without changing any result', async () => {
    const { config } = parseKubeProxyConfiguration({ clusterCIDR: '10.0.0.0/8' }, { mode: 'iptables' });
    const options = { services: SERVICES, slices: slices(), node: { name: 'node-a', addresses: [NODE_IP] }, config, seed: 9 };
    const wasm = await createWasmFrameEngine({ ...options, target, batchFrames: 7 });
    const reference = createReferenceFrameEngine(options);
    const frames: Frame[] = [];
    const connections = [0, 1, 2].map((i) => new Connection(POD, 48000 + i));
    for (const c of connections) {
      const [syn] = reference.process([c.out(SYN, T0)]);
      c.learn(syn);
    }
    const scratch = createReferenceFrameEngine(options);
    for (const c of connections) frames.push(c.out(SYN, T0));
    for (const c of connections) frames.push(c.back(SYN_ACK, T0 + 1), c.out(ACK, T0 + 2));
    for (let i = 0; i < 40; i++) for (const c of connections) frames.push(i % 2 ? c.back(ACK, T0 + 3 + i) : c.out(PSH_ACK, T0 + 3 + i, [i]));
    expect(wasm.process(frames).map(show)).toEqual(scratch.process(frames).map(show));
    expect(wasm.stats().fastPathFrames).toBe(120);
  });
});

// ---------------------------------------------------------------------------------------
// The conntrack hooks the engine relies on (sdk/proxy/conntrack.ts)

describe('conntrack hooks for a fast path', () => {
  const settings = { tcpEstablishedTimeout: 100, udpTimeout: 30, udpStreamTimeout: 120, sctpTimeouts: { cookieWait: 3, established: 210 } };
  const tuple = (protocol: FlowTuple['protocol']): FlowTuple => ({ family: 4, protocol, srcIP: '10.0.0.5', srcPort: 40000, dstIP: '10.96.0.10', dstPort: 80 });
  const translated = (t: FlowTuple): FlowTuple => ({ ...t, dstIP: '10.0.1.5', dstPort: 8080 });
  /** Packets after the first: direction and TCP flags, at a time (ms). */
  type Step = { reply: boolean; flags?: number; at: number };
  const NONE = undefined;
  const cases: { name: string; protocol: FlowTuple['protocol']; first: number; steps: Step[]; original: [number, number] | undefined; reply: [number, number] | undefined }[] = [
    { name: '22. TCP SYN_SENT: nothing is timer-only', protocol: 'TCP', first: SYN, steps: [], original: NONE, reply: NONE },
    { name: '23. TCP SYN_RECV', protocol: 'TCP', first: SYN, steps: [{ reply: true, flags: SYN_ACK, at: 1 }], original: NONE, reply: NONE },
    { name: '24. TCP ESTABLISHED and ASSURED: ACKs both ways', protocol: 'TCP', first: SYN, steps: [{ reply: true, flags: SYN_ACK, at: 1 }, { reply: false, flags: ACK, at: 2 }], original: [100_000, -Infinity], reply: [100_000, -Infinity] },
    { name: '25. TCP picked up mid-stream (ESTABLISHED, no reply yet)', protocol: 'TCP', first: ACK, steps: [], original: NONE, reply: NONE },
    { name: '26. TCP FIN_WAIT', protocol: 'TCP', first: SYN, steps: [{ reply: true, flags: SYN_ACK, at: 1 }, { reply: false, flags: ACK, at: 2 }, { reply: false, flags: FIN_ACK, at: 3 }], original: NONE, reply: NONE },
    { name: '27. UDP before a reply: the original direction', protocol: 'UDP', first: 0, steps: [], original: [30_000, -Infinity], reply: NONE },
    { name: '28. UDP replied, not yet a stream', protocol: 'UDP', first: 0, steps: [{ reply: true, at: 100 }], original: NONE, reply: NONE },
    { name: '29. UDP stream (ASSURED): both ways after creation + 2 s', protocol: 'UDP', first: 0, steps: [{ reply: true, at: 100 }, { reply: false, at: 2500 }], original: [120_000, 2000], reply: [120_000, 2000] },
    { name: '30. SCTP before a reply: the original direction', protocol: 'SCTP', first: 0, steps: [], original: [3000, -Infinity], reply: NONE },
    { name: '31. SCTP ESTABLISHED: both ways', protocol: 'SCTP', first: 0, steps: [{ reply: true, at: 10 }], original: [210_000, -Infinity], reply: [210_000, -Infinity] },
  ];
  test.each(cases)('$name', ({ protocol, first, steps, original, reply }) => {
    const table = new ConntrackTable(settings);
    const t = tuple(protocol);
    const entry = table.create(t, translated(t), { verdict: 'DNAT', masquerade: false }, 0, first);
    for (const step of steps) table.track({ entry, direction: step.reply ? 'reply' : 'original' }, step.flags ?? 0, step.at);
    const shape = (x: { timeoutMs: number; notBeforeMs: number } | undefined) => (x ? [x.timeoutMs, x.notBeforeMs] : undefined);
    expect(shape(table.timerOnlyTracking(entry, 'original'))).toEqual(original);
    expect(shape(table.timerOnlyTracking(entry, 'reply'))).toEqual(reply);
  });

  test('32. recordForwarded: the timer and the last TCP packet; `due` can keep an entry alive; `removed` hears every removal', () => {
    const table = new ConntrackTable(settings);
    const removed: [number, RemovalCause][] = [];
    const forwardedUntil = new Map<number, number>();
    table.observe({
      removed: (e, cause) => removed.push([e.id, cause]),
      due: (e) => {
        const deadline = forwardedUntil.get(e.id);
        if (deadline !== undefined) table.recordForwarded(e, deadline, 'reply');
      },
    });
    const established = (port: number): ConntrackEntry => {
      const t = { ...tuple('TCP'), srcPort: port };
      const e = table.create(t, translated(t), { verdict: 'DNAT', masquerade: false }, 0, SYN);
      table.track({ entry: e, direction: 'reply' }, SYN_ACK, 1);
      table.track({ entry: e, direction: 'original' }, ACK, 2);
      return e;
    };
    const active = established(1);
    const idle = established(2);
    expect(table.nextDeadline()).toBe(60_001); // SYN_RECV's timer is still queued
    forwardedUntil.set(active.id, 500_000);
    expect(table.expire(100_002)).toBe(1);
    expect(removed).toEqual([[idle.id, 'expired']]);
    expect(active.deadline).toBe(500_000);
    expect([active.tcp?.lastIndex, active.tcp?.lastDir]).toEqual(['ACK', 'reply']);
    // Queued timers of the past are only a lower bound until `expire` passes them.
    expect(table.nextDeadline()).toBeLessThanOrEqual(500_000);
    expect(table.expire(499_999)).toBe(0);
    expect(table.nextDeadline()).toBe(500_000);
    table.flush();
    expect(removed).toEqual([[idle.id, 'expired'], [active.id, 'flushed']]);
  });
});
