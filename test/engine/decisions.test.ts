// The core's decision cache (sdk/engine/decisions.ts over assembly/decisions.ts; layout in
// assembly/layout.ts, "Decision cache"), debug and release cores. The claim under test: for
// every tuple, `cache.decide(tuple)` deep-equals `rules.decide(tuple)` whatever tuples came
// before — on random clusters, configurations and packets in two orders (case 2), for
// sources that share a class key and sources that must not (3, 4), across state changes (5)
// and a full table (6) — plus the raw exports' argument checks (7) and the batch kernel (8).

import { instantiate } from '@assemblyscript/loader';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  CoreDecisionCache,
  DECISION_CIDR_BYTES,
  DECISION_MAX_CIDRS,
  DECISION_MAX_ENTRIES,
  DECISION_MAX_NODE_ADDRESSES,
  DECISION_RECORD_BYTES,
  DECISION_SLOT_BYTES,
  DK_CLASS,
  DK_EXACT,
  DR_CLASS,
  DR_DECISION,
  DR_DST,
  DR_FAMILY,
  DR_KIND,
  DR_PORT,
  DR_PROTOCOL,
  DR_SRC,
  SRC_LOCAL,
  SRC_LOOPBACK,
  SRC_POD,
  createCoreDecisionCache,
  type DecisionCacheOptions,
  type DecisionCoreExports,
} from '../../sdk/engine/decisions.js';
import { compileCore } from '../../sdk/engine/load.js';
import { ST_BAD_ARGUMENT, ST_BATCH_TOO_LARGE, ST_OK } from '../../sdk/engine/records.js';
import { parseIP } from '../../sdk/model/ip.js';
import type { EndpointSlice, Protocol, Service } from '../../sdk/model/types.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import type { ProxyMode } from '../../sdk/proxy/config.js';
import type { FlowTuple, RuleDecision } from '../../sdk/proxy/decision.js';
import { REASON_INVALID_TUPLE, REASON_SOURCE_RANGES, type KubeProxyRules, type NodeView } from '../../sdk/proxy/rules.js';
import { endpointSlice, kubeProxyRules, lbStatus, service } from '../proxy/builders.js';
import { NODE_NAME, NODE_POD_CIDRS, NODE_V4, NODE_V6, SERVICE_CIDRS, buildScenario, decisionScenarioArb } from './decision-scenarios.js';

const TARGETS = ['debug', 'release'] as const;
type Target = (typeof TARGETS)[number];
const TIMEOUT = 120_000;

/** Each target compiled once; every cache gets a fresh instance of it. */
const MODULES: Record<Target, WebAssembly.Module> = {
  debug: await compileCore('debug', await nodeCoreSource('debug')),
  release: await compileCore('release', await nodeCoreSource('release')),
};

type RawCore = DecisionCoreExports & { packetCapacity(): number };

async function rawCore(target: Target): Promise<RawCore> {
  const { exports } = await instantiate<Record<string, unknown>>(MODULES[target], {});
  return exports as unknown as RawCore;
}

function newCache(rules: KubeProxyRules, target: Target, options: DecisionCacheOptions = {}): Promise<CoreDecisionCache> {
  return createCoreDecisionCache(rules, { ...options, target, wasm: MODULES[target] });
}

// ---------------------------------------------------------------------------------------
// A small cluster for the hand-written cases. ns/web: ClusterIP 10.96.0.10 / fd00:96::10,
// TCP 80, ClientIP affinity, an endpoint here and one on node-b. ns/lb: LoadBalancer
// 198.51.100.1 (TCP 443, node port 30443), loadBalancerSourceRanges 203.0.113.0/25 unless a
// case gives others, one endpoint on node-b.

const WEB_IP = '10.96.0.10';
const WEB_IP6 = 'fd00:96::10';
const LB_IP = '198.51.100.1';
const POD = '10.244.1.7';
const POD_2 = '10.244.1.8';
const REMOTE_POD = '10.244.2.7';
const POD6 = 'fd00:244:1::7';
const POD6_2 = 'fd00:244:1::8';
const OFF_CLUSTER = '203.0.113.2';
const OFF_CLUSTER_2 = '203.0.113.3';
const OFF_CLUSTER_BLOCKED = '203.0.113.200';

interface ClusterOptions {
  webEndpoints?: string[];
  sourceRanges?: string[];
  /** Leave ns/web out. */
  noWeb?: boolean;
}

function cluster(options: ClusterOptions = {}): { services: Service[]; slices: EndpointSlice[] } {
  const { webEndpoints = ['10.244.1.10', '10.244.2.10'], sourceRanges = ['203.0.113.0/25'], noWeb = false } = options;
  const web = service('ns', 'web', {
    clusterIP: WEB_IP,
    clusterIPs: [WEB_IP, WEB_IP6],
    ipFamilies: ['IPv4', 'IPv6'],
    ipFamilyPolicy: 'RequireDualStack',
    ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
    sessionAffinity: 'ClientIP',
  });
  const lb = service(
    'ns',
    'lb',
    { type: 'LoadBalancer', clusterIP: '10.96.0.20', ports: [{ name: 'https', port: 443, protocol: 'TCP', nodePort: 30443 }], loadBalancerSourceRanges: sourceRanges },
    lbStatus(LB_IP),
  );
  const endpoints = webEndpoints.map((ip) => ({ ip, node: ip.startsWith('10.244.1.') ? NODE_NAME : 'node-b' }));
  const slices = [
    endpointSlice('ns', 'web', endpoints, [{ name: 'http', port: 8080, protocol: 'TCP' }], { name: 'web-v4' }),
    endpointSlice('ns', 'web', [{ ip: 'fd00:244:1::10', node: NODE_NAME }], [{ name: 'http', port: 8080, protocol: 'TCP' }], { addressType: 'IPv6', name: 'web-v6' }),
    endpointSlice('ns', 'lb', [{ ip: '10.244.2.20', node: 'node-b' }], [{ name: 'https', port: 443, protocol: 'TCP' }], { name: 'lb-v4' }),
  ];
  return { services: noWeb ? [lb] : [web, lb], slices };
}

interface RulesOptions extends ClusterOptions {
  config?: Record<string, unknown>;
  node?: Partial<NodeView>;
}

const DEFAULT_CONFIG = { clusterCIDR: '10.244.0.0/16,fd00:244::/32' };

function testNode(extra: Partial<NodeView> = {}): NodeView {
  return { name: NODE_NAME, addresses: [...NODE_V4, ...NODE_V6], podCIDRs: NODE_POD_CIDRS, ...extra };
}

function makeRules(mode: ProxyMode, options: RulesOptions = {}): KubeProxyRules {
  const { services, slices } = cluster(options);
  return kubeProxyRules(mode, services, slices, { node: testNode(options.node), config: options.config ?? DEFAULT_CONFIG, serviceCIDRs: SERVICE_CIDRS });
}

function tuple(srcIP: string, dstIP: string, dstPort: number, protocol: Protocol = 'TCP'): FlowTuple {
  return { family: dstIP.includes(':') ? 6 : 4, protocol, srcIP, srcPort: 40000, dstIP, dstPort };
}

/** The decision and everything it holds are frozen, and writing to it throws (ESM code is strict). */
function expectFrozen(d: RuleDecision): void {
  expect(Object.isFrozen(d)).toBe(true);
  expect(Object.isFrozen(d.endpoints)).toBe(true);
  for (const endpoint of d.endpoints) expect(Object.isFrozen(endpoint)).toBe(true);
  if (d.affinity) expect(Object.isFrozen(d.affinity)).toBe(true);
  expect(() => {
    (d as { verdict: string }).verdict = 'PASS';
  }).toThrow(TypeError);
}

const PROTOCOL_NUMBERS: Record<Protocol, number> = { TCP: 6, UDP: 17, SCTP: 132 };

/** A staging/batch record (layout.ts "Decision staging record"): IPv4 as a host-order u32, IPv6 as 16 bytes. */
function writeRecord(view: DataView, at: number, t: FlowTuple): void {
  for (let i = 0; i < DECISION_RECORD_BYTES; i++) view.setUint8(at + i, 0);
  view.setUint8(at + DR_FAMILY, t.family);
  view.setUint8(at + DR_PROTOCOL, PROTOCOL_NUMBERS[t.protocol]);
  view.setUint16(at + DR_PORT, t.dstPort, true);
  // What a lookup must overwrite.
  view.setUint8(at + DR_CLASS, 0xee);
  view.setUint8(at + DR_KIND, 0xee);
  view.setUint32(at + DR_DECISION, 0xeeee_eeee, true);
  for (const [offset, text] of [[DR_SRC, t.srcIP], [DR_DST, t.dstIP]] as const) {
    const ip = parseIP(text);
    if (ip.family === 'IPv4') view.setUint32(at + offset, ip.address, true);
    else ip.address.forEach((byte, i) => view.setUint8(at + offset + i, byte));
  }
}

interface LookupResult {
  decision: number;
  cls: number;
  kind: number;
}

function readResult(view: DataView, at: number): LookupResult {
  return { decision: view.getUint32(at + DR_DECISION, true), cls: view.getUint8(at + DR_CLASS), kind: view.getUint8(at + DR_KIND) };
}

describe.each(TARGETS)('core decision cache (%s core)', (target) => {
  // -------------------------------------------------------------------------------------
  test('1. layout mirror: decisionsLayoutSignature() is slot | record << 8 | CIDR entry << 16 of the SDK constants', async () => {
    const core = await rawCore(target);
    const signature = core.decisionsLayoutSignature() >>> 0;
    expect(signature & 0xff).toBe(DECISION_SLOT_BYTES);
    expect((signature >>> 8) & 0xff).toBe(DECISION_RECORD_BYTES);
    expect(signature >>> 16).toBe(DECISION_CIDR_BYTES);
    expect([DECISION_SLOT_BYTES, DECISION_RECORD_BYTES, DECISION_CIDR_BYTES]).toEqual([48, 64, 20]);
    // A table of n keys holds 2^k ≥ 2n slots of DECISION_SLOT_BYTES (at least 16 slots).
    expect(core.decisionsReserve(100)).toBe(ST_OK);
    expect(core.decisionsMemoryBytes() >>> 0).toBe(256 * DECISION_SLOT_BYTES);
  });

  // -------------------------------------------------------------------------------------
  test(
    '2. random clusters, configurations and tuples, in two orders: every answer deep-equals rules.decide',
    async () => {
      const seen = { hits: 0, exactHits: 0, flushes: 0, runs: 0, verdicts: new Set<string>(), reasons: new Set<string>() };
      await fc.assert(
        fc.asyncProperty(decisionScenarioArb, async (s) => {
          const { rules, tuples, reordered, maxEntries } = buildScenario(s);
          const cache = await newCache(rules, target, maxEntries !== undefined ? { maxEntries } : {});
          const feed = (list: readonly FlowTuple[], pass: string): void => {
            list.forEach((t, i) => {
              const before = cache.stats().hits;
              const got = cache.decide(t);
              const want = rules.decide(t);
              expect(got, `${pass} pass, tuple ${i}: ${JSON.stringify(t)}`).toStrictEqual(want);
              const stats = cache.stats();
              expect(stats.entries).toBeLessThanOrEqual(cache.maxEntries);
              if (stats.hits > before && rules.readsExactSource(t)) seen.exactHits++;
              seen.verdicts.add(want.verdict);
              if (want.reason !== undefined) seen.reasons.add(want.reason);
            });
          };
          feed(tuples, 'first');
          const afterFirst = cache.stats();
          feed(reordered, 'second');
          const afterSecond = cache.stats();
          // Nothing changed the rules, so a key decided once stays until the table fills.
          expect(afterSecond.resets).toBe(0);
          if (afterSecond.flushes === afterFirst.flushes) expect(afterSecond.misses, 'second pass without a flush: every key was kept').toBe(afterFirst.misses);
          seen.hits += afterSecond.hits;
          seen.flushes += afterSecond.flushes;
          seen.runs++;
        }),
        { numRuns: target === 'debug' ? 500 : 800, seed: 0x0dec_15e5 },
      );
      // What the property reached: hits (class and exact keys), full tables, every verdict,
      // the source-range and invalid-tuple refusals.
      expect(seen.hits).toBeGreaterThan(seen.runs * 10);
      expect(seen.exactHits).toBeGreaterThan(0);
      expect(seen.flushes).toBeGreaterThan(0);
      for (const verdict of ['DNAT', 'REJECT', 'DROP', 'ACCEPT', 'PASS']) expect(seen.verdicts, verdict).toContain(verdict);
      for (const reason of [REASON_SOURCE_RANGES, REASON_INVALID_TUPLE]) expect(seen.reasons, reason).toContain(reason);
    },
    TIMEOUT,
  );

  // -------------------------------------------------------------------------------------
  describe('3. sharing: sources of one class share a key and a frozen decision; other classes and exact-keyed sources do not', () => {
    // `differ`: the two decisions differ, so sharing a key would be wrong.
    const cases: { name: string; mode?: ProxyMode; options?: RulesOptions; dst?: string; port?: number; first: string; second: string; shared: boolean; differ?: boolean }[] = [
      { name: 'two pods in the detector CIDR', first: POD, second: POD_2, shared: true },
      { name: 'two off-cluster sources', first: OFF_CLUSTER, second: OFF_CLUSTER_BLOCKED, shared: true },
      { name: '127.0.0.1 and 127.0.0.5 (local and loopback)', first: '127.0.0.1', second: '127.0.0.5', shared: true },
      { name: 'two node addresses', first: NODE_V4[0], second: NODE_V4[1], shared: true },
      { name: 'two IPv6 pods', dst: WEB_IP6, first: POD6, second: POD6_2, shared: true },
      { name: 'two IPv6 node addresses', dst: WEB_IP6, first: NODE_V6[0], second: NODE_V6[1], shared: true },
      { name: 'a pod and an off-cluster source (masqueraded)', first: POD, second: OFF_CLUSTER, shared: false, differ: true },
      { name: 'a node address and loopback', first: NODE_V4[0], second: '127.0.0.1', shared: false },
      // KUBE-FIREWALL (localhost node ports on): 127.0.0.0/8 from a non-loopback source, not DNATed, is dropped.
      { name: 'a node address and loopback to 127.0.0.1 on no node port', dst: '127.0.0.1', port: 9, first: NODE_V4[0], second: '127.0.0.1', shared: false, differ: true },
      { name: '::1 and an IPv6 node address', dst: WEB_IP6, first: '::1', second: NODE_V6[0], shared: false },
      { name: 'NodeCIDR detector: a pod here and a pod on another node', options: { config: { detectLocalMode: 'NodeCIDR' } }, first: POD, second: REMOTE_POD, shared: false },
      { name: 'nftables, two pods', mode: 'nftables', first: POD, second: POD_2, shared: true },
      { name: 'ipvs with a detector, two pods', mode: 'ipvs', first: POD, second: POD_2, shared: true },
      { name: 'ipvs without a detector: every source exact', mode: 'ipvs', options: { config: {} }, first: POD, second: POD_2, shared: false },
      // ipvs KUBE-SERVICES: a source that is itself a ClusterIP:port is masqueraded.
      { name: 'ipvs without a detector: a ClusterIP source and an off-cluster one', mode: 'ipvs', options: { config: {} }, first: WEB_IP, second: OFF_CLUSTER, shared: false, differ: true },
      { name: 'ipvs without a detector but masqueradeAll: shared', mode: 'ipvs', options: { config: { iptables: { masqueradeAll: true } } }, first: POD, second: POD_2, shared: true },
      {
        name: `more than ${DECISION_MAX_NODE_ADDRESSES} node addresses: IPv4 sources exact`,
        options: { node: { addresses: [...NODE_V4, ...Array.from({ length: DECISION_MAX_NODE_ADDRESSES }, (_, k) => `192.168.2.${k + 1}`)] } },
        first: OFF_CLUSTER,
        second: OFF_CLUSTER_BLOCKED,
        shared: false,
      },
      {
        name: `more than ${DECISION_MAX_CIDRS} detector CIDRs (InterfaceNamePrefix): IPv4 sources exact`,
        options: {
          config: { detectLocalMode: 'InterfaceNamePrefix', detectLocal: { interfaceNamePrefix: 'veth' } },
          node: { podCIDRs: [...NODE_POD_CIDRS, ...Array.from({ length: DECISION_MAX_CIDRS }, (_, k) => `10.245.${k}.0/24`)] },
        },
        first: POD,
        second: POD_2,
        shared: false,
      },
      { name: 'LB frontend with source ranges: two allowed sources', dst: LB_IP, port: 443, first: OFF_CLUSTER, second: OFF_CLUSTER_2, shared: false },
      { name: 'LB frontend with source ranges: an allowed and a blocked source', dst: LB_IP, port: 443, first: OFF_CLUSTER, second: OFF_CLUSTER_BLOCKED, shared: false, differ: true },
      { name: 'the same LB IP on another port (no frontend): shared', dst: LB_IP, port: 80, first: OFF_CLUSTER, second: OFF_CLUSTER_BLOCKED, shared: true },
    ];
    cases.forEach((c, i) => {
      test(`3.${i + 1} ${c.name}`, async () => {
        const rules = makeRules(c.mode ?? 'iptables', c.options);
        const cache = await newCache(rules, target);
        const dst = c.dst ?? WEB_IP;
        const port = c.port ?? 80;
        const first = cache.decide(tuple(c.first, dst, port));
        expect(first).toStrictEqual(rules.decide(tuple(c.first, dst, port)));
        expect(cache.stats()).toMatchObject({ hits: 0, misses: 1 });
        expectFrozen(first);
        const second = cache.decide(tuple(c.second, dst, port));
        expect(second).toStrictEqual(rules.decide(tuple(c.second, dst, port)));
        expectFrozen(second);
        if (c.differ) expect(second).not.toStrictEqual(first);
        if (c.shared) {
          expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 });
          expect(second).toBe(first);
        } else {
          expect(cache.stats()).toMatchObject({ hits: 0, misses: 2 });
          expect(second).not.toBe(first);
        }
        // Each source again: now a hit on its own key, the object handed out before.
        expect(cache.decide(tuple(c.first, dst, port))).toBe(first);
        expect(cache.decide(tuple(c.second, dst, port))).toBe(second);
      });
    });
  });

  // -------------------------------------------------------------------------------------
  describe('4. exact-source keys: an allowed and a blocked source of one class get their own decisions, in both orders', () => {
    const cases: { name: string; ranges: string[]; allowed: string; blocked: string }[] = [
      { name: 'off-cluster sources in and out of 203.0.113.0/25', ranges: ['203.0.113.0/25'], allowed: OFF_CLUSTER, blocked: OFF_CLUSTER_BLOCKED },
      { name: 'pods in and out of a /25 of the pod CIDR', ranges: ['10.244.1.0/25'], allowed: POD, blocked: '10.244.1.200' },
      // sourceAllowed: a range holds the node's primary IP, so the LB IP itself may connect.
      { name: 'the LB IP allowed by a range holding the node IP', ranges: ['192.168.0.2/32'], allowed: LB_IP, blocked: OFF_CLUSTER },
    ];
    const modes: ProxyMode[] = ['iptables', 'nftables', 'ipvs'];
    cases.forEach((c, i) => {
      modes.forEach((mode) => {
        test(`4.${i + 1} [${mode}] ${c.name}`, async () => {
          const rules = makeRules(mode, { sourceRanges: c.ranges });
          const allowed = tuple(c.allowed, LB_IP, 443);
          const blocked = tuple(c.blocked, LB_IP, 443);
          expect(rules.readsExactSource(allowed)).toBe(true);
          expect(rules.decide(allowed).verdict).toBe('DNAT');
          expect(rules.decide(blocked)).toMatchObject({ verdict: 'DROP', reason: REASON_SOURCE_RANGES });
          for (const order of [[allowed, blocked], [blocked, allowed]]) {
            const cache = await newCache(rules, target);
            const answers = order.map((t) => cache.decide(t));
            order.forEach((t, k) => expect(answers[k]).toStrictEqual(rules.decide(t)));
            expect(cache.stats()).toMatchObject({ hits: 0, misses: 2 });
            // Again, in the other order: both hits, each its own decision.
            [...order].reverse().forEach((t) => expect(cache.decide(t)).toBe(answers[order.indexOf(t)]));
            expect(cache.stats()).toMatchObject({ hits: 2, misses: 2 });
          }
        });
      });
    });
  });

  // -------------------------------------------------------------------------------------
  describe('5. generation: after setState the next answer is the new rules.decide', () => {
    const cases: { name: string; after: ClusterOptions; dst: string; port: number; sources: string[] }[] = [
      { name: 'other endpoints', after: { webEndpoints: ['10.244.2.30'] }, dst: WEB_IP, port: 80, sources: [POD] },
      { name: 'no endpoints (REJECT)', after: { webEndpoints: [] }, dst: WEB_IP, port: 80, sources: [POD] },
      { name: 'the service removed', after: { noWeb: true }, dst: WEB_IP, port: 80, sources: [POD] },
      // The old class key held an exact-source marker; after the change the sources share again.
      { name: 'source ranges removed from the LB', after: { sourceRanges: [] }, dst: LB_IP, port: 443, sources: [OFF_CLUSTER, OFF_CLUSTER_BLOCKED] },
      { name: 'source ranges added to the LB', after: { sourceRanges: ['203.0.113.128/25'] }, dst: LB_IP, port: 443, sources: [OFF_CLUSTER, OFF_CLUSTER_BLOCKED] },
    ];
    cases.forEach((c, i) => {
      test(`5.${i + 1} ${c.name}`, async () => {
        const rules = makeRules('iptables', c.dst === LB_IP && c.after.sourceRanges?.length ? { sourceRanges: [] } : {});
        const cache = await newCache(rules, target);
        const tuples = c.sources.map((src) => tuple(src, c.dst, c.port));
        const before = tuples.map((t) => cache.decide(t));
        tuples.forEach((t, k) => expect(before[k]).toStrictEqual(rules.decide(t)));
        const { services, slices } = cluster(c.after);
        rules.setState(services, slices, SERVICE_CIDRS);
        const after = tuples.map((t) => cache.decide(t));
        tuples.forEach((t, k) => expect(after[k]).toStrictEqual(rules.decide(t)));
        expect(after, 'some answer changed').not.toStrictEqual(before);
        expect(cache.stats().resets).toBe(1);
        // The new decisions are kept: asked again, both hit.
        const hits = cache.stats().hits;
        tuples.forEach((t, k) => expect(cache.decide(t)).toBe(after[k]));
        expect(cache.stats().hits).toBe(hits + tuples.length);
        expect(cache.stats().resets).toBe(1);
      });
    });

    test(`5.${cases.length + 1} setState with the same objects still empties the cache (a new generation)`, async () => {
      const rules = makeRules('iptables');
      const cache = await newCache(rules, target);
      const t = tuple(POD, WEB_IP, 80);
      const first = cache.decide(t);
      const { services, slices } = cluster();
      rules.setState(services, slices, SERVICE_CIDRS);
      const second = cache.decide(t);
      expect(second).toStrictEqual(first);
      expect(second).not.toBe(first);
      expect(cache.stats()).toMatchObject({ hits: 0, misses: 2, resets: 1 });
    });
  });

  // -------------------------------------------------------------------------------------
  describe('6. a full table empties itself: answers stay equal to decide, entries never pass maxEntries', () => {
    [2, 3, 4, 16].forEach((maxEntries, i) => {
      test(`6.${i + 1} maxEntries ${maxEntries}`, async () => {
        const rules = makeRules('iptables');
        const cache = await newCache(rules, target, { maxEntries });
        // 2^k ≥ 2 × maxEntries slots, at least 16.
        const slots = Math.max(16, 2 ** Math.ceil(Math.log2(2 * maxEntries)));
        expect(cache.stats()).toMatchObject({ maxEntries, entries: 0, memoryBytes: slots * DECISION_SLOT_BYTES });
        // Distinct class keys (ports of the ClusterIP) interleaved with exact-source keys of
        // the LB frontend (a marker and an exact key each), twice.
        const tuples: FlowTuple[] = [];
        for (let k = 0; k < 60; k++) {
          tuples.push(tuple(POD, WEB_IP, 70 + k));
          if (k % 3 === 0) tuples.push(tuple(`203.0.113.${k}`, LB_IP, 443));
        }
        for (const t of [...tuples, ...tuples]) {
          expect(cache.decide(t), JSON.stringify(t)).toStrictEqual(rules.decide(t));
          expect(cache.stats().entries).toBeLessThanOrEqual(maxEntries);
        }
        const stats = cache.stats();
        expect(stats.flushes).toBeGreaterThan(0);
        expect(stats.resets).toBe(0);
        // Right after a miss the key just inserted is there: asking again hits.
        const t = tuple(POD, WEB_IP, 5000);
        const d = cache.decide(t);
        const hits = cache.stats().hits;
        expect(cache.decide(t)).toBe(d);
        expect(cache.stats().hits).toBe(hits + 1);
      });
    });

    test('6.5 maxEntries outside 2..DECISION_MAX_ENTRIES is refused', async () => {
      const rules = makeRules('iptables');
      for (const maxEntries of [0, 1, 2.5, DECISION_MAX_ENTRIES + 1]) {
        await expect(newCache(rules, target, { maxEntries }), String(maxEntries)).rejects.toThrow(RangeError);
      }
    });
  });

  // -------------------------------------------------------------------------------------
  describe('7. bad arguments to the raw exports return statuses and change nothing', () => {
    const cidrAt = (core: RawCore, index: number, prefix: number): void => {
      const view = new DataView(core.memory.buffer, core.decisionConfigPtr() >>> 0);
      view.setUint32(index * DECISION_CIDR_BYTES + 16, prefix, true);
    };
    const cases: { name: string; call: (core: RawCore) => number; expected: number }[] = [
      { name: 'decisionsReserve(0)', call: (c) => c.decisionsReserve(0), expected: ST_BAD_ARGUMENT },
      { name: 'decisionsReserve(DECISION_MAX_ENTRIES + 1)', call: (c) => c.decisionsReserve(DECISION_MAX_ENTRIES + 1), expected: ST_BAD_ARGUMENT },
      { name: 'decisionsConfigure(5, …)', call: (c) => c.decisionsConfigure(5, 0, 0, 0), expected: ST_BAD_ARGUMENT },
      { name: 'decisionsConfigure(0, …)', call: (c) => c.decisionsConfigure(0, 0, 0, 0), expected: ST_BAD_ARGUMENT },
      { name: 'too many node addresses', call: (c) => c.decisionsConfigure(4, DECISION_MAX_NODE_ADDRESSES + 1, 0, 0), expected: ST_BAD_ARGUMENT },
      { name: 'too many CIDRs', call: (c) => c.decisionsConfigure(4, 0, DECISION_MAX_CIDRS + 1, 0), expected: ST_BAD_ARGUMENT },
      {
        name: 'an IPv4 CIDR with prefix 33 (after a valid one)',
        call: (c) => {
          cidrAt(c, 0, 8);
          cidrAt(c, 1, 33);
          return c.decisionsConfigure(4, 0, 2, 0);
        },
        expected: ST_BAD_ARGUMENT,
      },
      {
        name: 'an IPv6 CIDR with prefix 129',
        call: (c) => {
          cidrAt(c, 0, 129);
          return c.decisionsConfigure(6, 0, 1, 0);
        },
        expected: ST_BAD_ARGUMENT,
      },
      { name: 'decisionInsert(0, 0)', call: (c) => c.decisionInsert(0, 0), expected: ST_BAD_ARGUMENT },
      { name: 'decisionInsert(0xffffffff, 0) (the exact-source marker)', call: (c) => c.decisionInsert(0xffff_ffff, 0), expected: ST_BAD_ARGUMENT },
      { name: 'decisionInsert(0xffffffff, 1)', call: (c) => c.decisionInsert(0xffff_ffff, 1), expected: ST_BAD_ARGUMENT },
      { name: 'decisionLookupFrame(packetCapacity())', call: (c) => c.decisionLookupFrame(c.packetCapacity()), expected: 0 },
      { name: 'decisionLookupFrame(0xffffffff)', call: (c) => c.decisionLookupFrame(0xffff_ffff), expected: 0 },
      { name: 'decisionLookupBatch beyond the batch capacity', call: (c) => c.decisionLookupBatch((c.decisionBatchCapacity() >>> 0) + 1), expected: -ST_BATCH_TOO_LARGE },
      { name: 'decisionsReserveBatch(DECISION_MAX_ENTRIES + 1)', call: (c) => c.decisionsReserveBatch(DECISION_MAX_ENTRIES + 1), expected: ST_BAD_ARGUMENT },
    ];
    cases.forEach((c, i) => {
      test(`7.${i + 1} ${c.name}`, async () => {
        const core = await rawCore(target);
        const rules = makeRules('iptables');
        const cache = new CoreDecisionCache(core, rules, { maxEntries: 64 });
        // Warm: a pod, an off-cluster source, an IPv6 pod, and an exact-source LB key.
        const warm = [tuple(POD, WEB_IP, 80), tuple(OFF_CLUSTER, WEB_IP, 80), tuple(POD6, WEB_IP6, 80), tuple(OFF_CLUSTER, LB_IP, 443)];
        const decisions = warm.map((t) => cache.decide(t));
        const entries = core.decisionsCount();
        const memoryBytes = core.decisionsMemoryBytes();
        const batchCapacity = core.decisionBatchCapacity();

        expect(c.call(core)).toBe(c.expected);

        expect(core.decisionsCount()).toBe(entries);
        expect(core.decisionsMemoryBytes()).toBe(memoryBytes);
        expect(core.decisionBatchCapacity()).toBe(batchCapacity);
        // Same classification, same keys: another source of each class hits the decision kept.
        const again = [tuple(POD_2, WEB_IP, 80), tuple(OFF_CLUSTER_BLOCKED, WEB_IP, 80), tuple(POD6_2, WEB_IP6, 80), tuple(OFF_CLUSTER, LB_IP, 443)];
        const hits = cache.stats().hits;
        again.forEach((t, k) => expect(cache.decide(t)).toBe(decisions[k]));
        expect(cache.stats().hits).toBe(hits + again.length);
      });
    });
  });

  // -------------------------------------------------------------------------------------
  describe('8. the batch kernel: decisionLookupBatch answers as single lookups', () => {
    const setups: { name: string; mode: ProxyMode; config?: Record<string, unknown> }[] = [
      { name: 'iptables, class keys and LB exact keys', mode: 'iptables' },
      { name: 'ipvs without a detector: every key exact', mode: 'ipvs', config: {} },
    ];
    setups.forEach((setup, i) => {
      test(`8.${i + 1} ${setup.name}`, async () => {
        const core = await rawCore(target);
        const rules = makeRules(setup.mode, setup.config ? { config: setup.config } : {});
        const detector = setup.config === undefined;
        const familyExact = rules.sourceClassification()[4].exactSource;
        expect(familyExact).toBe(!detector);
        const cache = new CoreDecisionCache(core, rules);
        const sources4 = [POD, POD_2, REMOTE_POD, OFF_CLUSTER, OFF_CLUSTER_BLOCKED, NODE_V4[0], '127.0.0.1', '127.0.0.5'];
        const sources6 = [POD6, POD6_2, NODE_V6[0], '::1', '2001:db8:ff::2'];
        const tuples: FlowTuple[] = [];
        for (const src of sources4) for (const [dst, port] of [[WEB_IP, 80], [WEB_IP, 81], [LB_IP, 443], [NODE_V4[0], 30443]] as const) tuples.push(tuple(src, dst, port));
        for (const src of sources6) for (const port of [80, 81]) tuples.push(tuple(src, WEB_IP6, port));
        // Warm-up through single calls: every third tuple.
        tuples.forEach((t, k) => {
          if (k % 3 === 0) cache.decide(t);
        });

        const n = tuples.length + 1;
        expect(core.decisionsReserveBatch(n)).toBe(ST_OK);
        expect(core.decisionBatchCapacity()).toBeGreaterThanOrEqual(n);
        const batch = new DataView(core.memory.buffer, core.decisionBatchPtr() >>> 0, n * DECISION_RECORD_BYTES);
        tuples.forEach((t, k) => writeRecord(batch, k * DECISION_RECORD_BYTES, t));
        // A record of no family: a miss with decision 0.
        const last = tuples.length * DECISION_RECORD_BYTES;
        for (let b = 0; b < DECISION_RECORD_BYTES; b++) batch.setUint8(last + b, 0);
        batch.setUint32(last + DR_DECISION, 0xeeee_eeee, true);

        const misses = core.decisionLookupBatch(n);
        const view = new DataView(core.memory.buffer);
        const batchAt = core.decisionBatchPtr() >>> 0;
        const results = tuples.map((_, k) => readResult(view, batchAt + k * DECISION_RECORD_BYTES));
        expect(view.getUint32(batchAt + last + DR_DECISION, true)).toBe(0);
        expect(misses).toBe(results.filter((r) => r.decision === 0).length + 1);
        expect(misses).toBeGreaterThan(1);
        expect(misses).toBeLessThan(n);

        // Single lookups through the staging record: the same ids, classes and key kinds.
        const stagingAt = core.decisionStagingPtr() >>> 0;
        tuples.forEach((t, k) => {
          writeRecord(view, stagingAt, t);
          const id = core.decisionLookup();
          expect({ ...readResult(view, stagingAt), id }, JSON.stringify(t)).toStrictEqual({ ...results[k], id: results[k].decision });
          const src = parseIP(t.srcIP);
          const loopback = src.family === 'IPv4' ? src.address >>> 24 === 127 : t.srcIP === '::1';
          const local = loopback || [...NODE_V4, ...NODE_V6].includes(t.srcIP);
          const pod = detector && (t.srcIP.startsWith('10.244.') || t.srcIP.startsWith('fd00:244:'));
          expect(results[k].cls, `class of ${t.srcIP}`).toBe((local ? SRC_LOCAL : 0) | (loopback ? SRC_LOOPBACK : 0) | (pod ? SRC_POD : 0));
          // The kind a miss goes under: exact for an exact family; for an exact-source
          // destination only once a marker is under the class key (a miss of a new class
          // inserts the marker), so only hits are sure to say DK_EXACT there.
          const exact = rules.readsExactSource(t);
          if (familyExact || (exact && results[k].decision !== 0)) expect(results[k].kind, JSON.stringify(t)).toBe(DK_EXACT);
          else if (!exact) expect(results[k].kind, JSON.stringify(t)).toBe(DK_CLASS);
        });

        // The ids are the SDK's: a tuple the batch found is a hit there too, with decide's answer.
        tuples.forEach((t, k) => {
          if (results[k].decision === 0) return;
          const hits = cache.stats().hits;
          expect(cache.decide(t)).toStrictEqual(rules.decide(t));
          expect(cache.stats().hits).toBe(hits + 1);
        });
      });
    });
  });

  // -------------------------------------------------------------------------------------
  describe('9. keys the cache cannot hold are decided by the rules, uncached, and disturb nothing', () => {
    // ns/lb's node port 30443 on the node's primary address, from off the cluster.
    const nodePortTuple = (): FlowTuple => tuple(OFF_CLUSTER, NODE_V4[0], 30443);

    test('9.1 a port outside 0..65535 or not an integer does not reuse the decision of its low 16 bits', async () => {
      const rules = makeRules('iptables');
      const cache = await newCache(rules, target);
      const a = nodePortTuple();
      expect(cache.decide(a)).toStrictEqual(rules.decide(a));
      for (const dstPort of [30443 + 65536, 30443.5, 30443 - 65536]) {
        const odd = { ...a, dstPort };
        expect(cache.decide(odd), String(dstPort)).toStrictEqual(rules.decide(odd));
      }
      const junk = { ...a, protocol: 'constructor' as Protocol };
      expect(cache.decide(junk)).toStrictEqual(rules.decide(junk));
      expect(cache.stats()).toMatchObject({ entries: 1, misses: 1 });
    });

    test('9.2 decideFrame with an index beyond the packet capacity inserts nothing (the last staged key keeps its decision)', async () => {
      const rules = makeRules('iptables');
      const cache = await newCache(rules, target);
      const a = nodePortTuple();
      const first = cache.decide(a);
      const other = tuple(POD, '10.96.0.99', 80);
      expect(cache.decideFrame(1 << 30, other)).toStrictEqual(rules.decide(other));
      expect(cache.decide(a)).toBe(first);
      expect(cache.stats().entries).toBe(1);
    });
  });
});
