// Random clusters, kube-proxy configurations and first packets for the decision cache tests
// (test/engine/decisions.test.ts): the cache (sdk/engine/decisions.ts) must answer every
// tuple exactly as `KubeProxyRules.decide` (sdk/proxy/rules.ts), so the generators aim at
// everything `decide` reads — each source class, exact-source destinations, every frontend
// kind, the per-mode node-port addressing — and at inputs it must refuse the same way.
//
// Address plan (IPv4 / IPv6):
//   node             192.168.0.2 (primary), 192.168.1.2 / 2001:db8::1, 2001:db8:1::2
//   node pod CIDR    10.244.1.0/24 / fd00:244:1::/64      (pods on this node: .1.x)
//   cluster CIDR     10.244.0.0/16 / fd00:244::/32        (pods elsewhere: .2.x)
//   ClusterIPs       10.96.0.10+i / fd00:96::10+i          service CIDRs 10.96.0.0/16, fd00:96::/112
//   externalIPs      203.0.113.10, 192.168.0.2 (a node address), 2001:db8:ff::10, 198.51.100.1
//   LB ingress       198.51.100.1-2, 192.168.1.2 (a node address), 2001:db8:b::1-2
//   off-cluster      203.0.113.2 (in 203.0.113.0/25), 203.0.113.200 (outside), 2001:db8:ff::2
import fc from 'fast-check';
import type { EndpointSlice, Protocol, Service, ServicePort, ServiceSpec } from '../../sdk/model/types.js';
import type { DetectLocalMode, ProxyMode } from '../../sdk/proxy/config.js';
import type { FlowTuple } from '../../sdk/proxy/decision.js';
import type { KubeProxyRules, NodeView } from '../../sdk/proxy/rules.js';
import { endpointSlice, kubeProxyRules, lbStatus, service, type EndpointSpec } from '../proxy/builders.js';

export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
export const NODE_NAME = 'node-a';
export const NODE_V4 = ['192.168.0.2', '192.168.1.2'];
export const NODE_V6 = ['2001:db8::1', '2001:db8:1::2'];
export const NODE_POD_CIDRS = ['10.244.1.0/24', 'fd00:244:1::/64'];
export const SERVICE_CIDRS = ['10.96.0.0/16', 'fd00:96::/112'];
export const SERVICE_PORTS = [80, 443, 53, 8080];

const CLUSTER_CIDRS = ['', '', '10.244.0.0/16', 'fd00:244::/32', '10.244.0.0/16,fd00:244::/32', '192.168.0.0/16'];
const DETECT_LOCAL_MODES: readonly DetectLocalMode[] = ['ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix'];
const NODE_PORT_CIDRS = ['192.168.0.0/24', '127.0.0.0/8', '2001:db8::/64', '0.0.0.0/0', '::/0', '10.0.0.0/8'];
const EXTERNAL_IPS = ['203.0.113.10', '192.168.0.2', '2001:db8:ff::10', '198.51.100.1'];
const INGRESS_IPS = ['198.51.100.1', '198.51.100.2', '192.168.1.2', '2001:db8:b::1', '2001:db8:b::2'];
/** Ranges as users write them: with whitespace, a node /32, invalid text (dropped by kube-proxy). */
const SOURCE_RANGES = ['203.0.113.0/25', '10.244.0.0/16', '192.168.0.2/32', '198.51.100.0/24', ' 203.0.113.128/26 ', '2001:db8:ff::/64', 'fd00:244::/32', 'bogus'];

/** Sources of every class: pods here / elsewhere / outside the cluster CIDR, node, loopback, off-cluster in and out of the ranges, service addresses. */
const SOURCES_V4 = [
  '10.244.1.7', '10.244.1.8', '10.244.2.7', '10.1.2.3', '192.168.0.2', '192.168.1.2', '127.0.0.1', '127.0.0.5',
  '203.0.113.2', '203.0.113.200', '198.51.100.1', '10.96.0.10', '10.244.1.10', '203.0.113.10',
];
const SOURCES_V6 = [
  'fd00:244:1::7', 'fd00:244:1::8', 'fd00:244:2::7', 'fd00:1::3', '2001:db8::1', '2001:db8:1::2', '::1',
  '2001:db8:ff::2', '2001:db8:ff:1::2', '2001:db8:b::1', 'fd00:96::10', 'fd00:244:1::10', '::ffff:10.244.1.7',
];
/** Texts `decide` refuses (REASON_INVALID_TUPLE): not addresses, a zone, octal-looking IPv4. */
export const INVALID_ADDRESSES = ['', 'not-an-ip', '10.0.0.256', '010.0.0.1', 'fe80::1%eth0', '2001:db8::1::2'];
const LOOPBACK_DESTINATIONS = ['127.0.0.1', '127.0.0.5', '::1'];
const UNALLOCATED_SERVICE_IPS = ['10.96.0.200', 'fd00:96::ff'];

const endpointArb = fc.record({
  where: fc.constantFrom('local', 'remote', 'unset'),
  ready: fc.option(fc.boolean(), { nil: undefined }),
  serving: fc.option(fc.boolean(), { nil: undefined }),
  terminating: fc.option(fc.boolean(), { nil: undefined }),
  zone: fc.constantFrom<string | undefined>(undefined, undefined, 'zone-a', 'zone-b'),
});

const serviceArb = fc.record({
  type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
  family: fc.constantFrom('v4', 'v4', 'v6', 'dual'),
  ports: fc.array(fc.record({ protocol: fc.constantFrom(...PROTOCOLS), port: fc.constantFrom(...SERVICE_PORTS) }), { minLength: 1, maxLength: 3 }),
  externalIPs: fc.subarray(EXTERNAL_IPS, { maxLength: 2 }),
  ingress: fc.subarray(INGRESS_IPS, { maxLength: 3 }),
  proxyIngress: fc.boolean(),
  sourceRanges: fc.oneof(fc.constant<string[]>([]), fc.subarray(SOURCE_RANGES, { minLength: 1, maxLength: 3 })),
  externalLocal: fc.boolean(),
  internalLocal: fc.boolean(),
  affinity: fc.constantFrom<number | null | undefined>(undefined, undefined, null, 60),
  healthCheck: fc.boolean(),
  trafficDistribution: fc.boolean(),
  endpoints: fc.array(endpointArb, { maxLength: 4 }),
});
type ServiceGen = (typeof serviceArb) extends fc.Arbitrary<infer T> ? T : never;

const tupleArb = fc.record({
  /** A frontend of the cluster (address and port, or node address and node/health-check port), or anything from the pools. */
  aim: fc.oneof({ arbitrary: fc.constant('frontend' as const), weight: 4 }, { arbitrary: fc.constant('nodePort' as const), weight: 2 }, { arbitrary: fc.constant('any' as const), weight: 3 }),
  src: fc.nat(),
  /** Often a second tuple to the same destination from another source of the pool: the pairs that share or split keys. */
  twin: fc.option(fc.nat(), { freq: 2, nil: undefined }),
  dst: fc.nat(),
  port: fc.nat(),
  protocol: fc.constantFrom(...PROTOCOLS),
  /**
   * Mostly a source of the destination's family and the tuple of that family; sometimes the
   * tuple says the other family, the source is of the other family, or not an address.
   */
  oddity: fc.oneof(
    { arbitrary: fc.constant('none' as const), weight: 12 },
    { arbitrary: fc.constantFrom('family' as const, 'source' as const, 'invalid' as const), weight: 1 },
  ),
});

type TupleGen = (typeof tupleArb) extends fc.Arbitrary<infer T> ? T : never;

export const decisionScenarioArb = fc.record({
  mode: fc.constantFrom<ProxyMode>('iptables', 'nftables', 'ipvs'),
  clusterCIDR: fc.constantFrom(...CLUSTER_CIDRS),
  detectLocalMode: fc.constantFrom(...DETECT_LOCAL_MODES),
  masqueradeAll: fc.boolean(),
  nodePortAddresses: fc.oneof(fc.constant(undefined), fc.constant(['primary']), fc.subarray(NODE_PORT_CIDRS, { minLength: 1, maxLength: 3 })),
  localhostNodePorts: fc.boolean(),
  nodeFamilies: fc.constantFrom('v4', 'v6', 'dual', 'dual'),
  nodePodCIDRs: fc.boolean(),
  /** 40 more IPv4 node addresses: past DECISION_MAX_NODE_ADDRESSES, IPv4 sources are keyed exactly. */
  manyNodeAddresses: fc.oneof({ arbitrary: fc.constant(false), weight: 6 }, { arbitrary: fc.constant(true), weight: 1 }),
  /** 17 more IPv4 pod CIDRs: past DECISION_MAX_CIDRS for the interface detectors. */
  manyPodCIDRs: fc.oneof({ arbitrary: fc.constant(false), weight: 6 }, { arbitrary: fc.constant(true), weight: 1 }),
  zone: fc.constantFrom<string | undefined>(undefined, 'zone-a'),
  serviceCIDRs: fc.constantFrom<string[] | undefined>(SERVICE_CIDRS, SERVICE_CIDRS, undefined),
  services: fc.array(serviceArb, { minLength: 1, maxLength: 4 }),
  randomDestinations: fc.tuple(fc.ipV4(), fc.ipV6()),
  randomPorts: fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 3 }),
  maxEntries: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.integer({ min: 2, max: 24 }), weight: 1 }),
  tuples: fc.array(tupleArb, { minLength: 20, maxLength: 160 }),
  shuffleSeed: fc.integer(),
});
export type DecisionScenario = (typeof decisionScenarioArb) extends fc.Arbitrary<infer T> ? T : never;

export interface BuiltScenario {
  rules: KubeProxyRules;
  /** The tuples in the generated order. */
  tuples: FlowTuple[];
  /** The same tuples in another order. */
  reordered: FlowTuple[];
  maxEntries: number | undefined;
}

function clusterIPOf(i: number, v6: boolean): string {
  return v6 ? `fd00:96::${(0x10 + i).toString(16)}` : `10.96.0.${10 + i}`;
}

function endpointIP(service: number, e: number, local: boolean, v6: boolean): string {
  const subnet = local ? 1 : 2;
  return v6 ? `fd00:244:${subnet}::${(0x10 + service * 8 + e).toString(16)}` : `10.244.${subnet}.${10 + service * 8 + e}`;
}

function nodePort(service: number, port: number): number {
  return 30000 + service * 10 + port;
}

function healthCheckPort(service: number): number {
  return 32000 + service;
}

function buildService(i: number, gen: ServiceGen): { svc: Service; slices: EndpointSlice[] } {
  const name = `svc${i}`;
  const families = gen.family === 'dual' ? [false, true] : [gen.family === 'v6'];
  const ips = families.map((v6) => clusterIPOf(i, v6));
  const external = gen.type !== 'ClusterIP';
  const ports: ServicePort[] = gen.ports.map((p, j) => ({
    name: `p${j}`,
    protocol: p.protocol,
    port: p.port,
    targetPort: 9000 + j,
    ...(external ? { nodePort: nodePort(i, j) } : {}),
  }));
  const lb = gen.type === 'LoadBalancer';
  const spec: ServiceSpec = {
      type: gen.type,
      clusterIP: ips[0],
      clusterIPs: ips,
      ipFamilies: families.map((v6) => (v6 ? ('IPv6' as const) : ('IPv4' as const))),
      ipFamilyPolicy: families.length > 1 ? 'RequireDualStack' : 'SingleStack',
      ports,
      ...(gen.externalIPs.length > 0 ? { externalIPs: gen.externalIPs } : {}),
      ...(lb && gen.sourceRanges.length > 0 ? { loadBalancerSourceRanges: gen.sourceRanges } : {}),
      ...(gen.externalLocal ? { externalTrafficPolicy: 'Local' as const } : {}),
      ...(gen.internalLocal ? { internalTrafficPolicy: 'Local' as const } : {}),
      ...(gen.affinity !== undefined
        ? { sessionAffinity: 'ClientIP' as const, ...(gen.affinity !== null ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: gen.affinity } } } : {}) }
        : {}),
      ...(lb && gen.externalLocal && gen.healthCheck ? { healthCheckNodePort: healthCheckPort(i) } : {}),
      ...(gen.trafficDistribution ? { trafficDistribution: 'PreferClose' } : {}),
  };
  const svc = service(
    'ns',
    name,
    spec,
    // The first ingress in Proxy mode when asked: kube-proxy programs no rules for it.
    lb ? lbStatus(...gen.ingress.map((ip, k) => (k === 0 && gen.proxyIngress ? { ip, ipMode: 'Proxy' as const } : ip))) : undefined,
  );
  const slices = families.map((v6) => {
    const endpoints: EndpointSpec[] = gen.endpoints.map((e, k) => ({
      ip: endpointIP(i, k, e.where === 'local', v6),
      ...(e.where === 'local' ? { node: NODE_NAME } : e.where === 'remote' ? { node: 'node-b' } : {}),
      ...(e.ready !== undefined ? { ready: e.ready } : {}),
      ...(e.serving !== undefined ? { serving: e.serving } : {}),
      ...(e.terminating !== undefined ? { terminating: e.terminating } : {}),
      ...(e.zone ? { zones: [e.zone] } : {}),
    }));
    return endpointSlice('ns', name, endpoints, ports.map((p, j) => ({ name: p.name, port: 9000 + j, protocol: p.protocol })), {
      addressType: v6 ? 'IPv6' : 'IPv4',
      name: `${name}-${v6 ? 'v6' : 'v4'}`,
    });
  });
  return { svc, slices };
}

function node(s: DecisionScenario): NodeView {
  const addresses = [
    ...(s.nodeFamilies !== 'v6' ? NODE_V4 : []),
    ...(s.nodeFamilies !== 'v4' ? NODE_V6 : []),
    ...(s.manyNodeAddresses ? Array.from({ length: 40 }, (_, k) => `192.168.2.${k + 1}`) : []),
  ];
  const podCIDRs = s.nodePodCIDRs ? [...NODE_POD_CIDRS, ...(s.manyPodCIDRs ? Array.from({ length: 17 }, (_, k) => `10.245.${k}.0/24`) : [])] : [];
  return { name: NODE_NAME, addresses, podCIDRs, ...(s.zone ? { zone: s.zone } : {}) };
}

function proxyConfig(s: DecisionScenario): Record<string, unknown> {
  return {
    ...(s.clusterCIDR !== '' ? { clusterCIDR: s.clusterCIDR } : {}),
    detectLocalMode: s.detectLocalMode,
    detectLocal: { bridgeInterface: 'cbr0', interfaceNamePrefix: 'veth' },
    ...(s.nodePortAddresses ? { nodePortAddresses: s.nodePortAddresses } : {}),
    iptables: { masqueradeAll: s.masqueradeAll, localhostNodePorts: s.localhostNodePorts },
    nftables: { masqueradeAll: s.masqueradeAll },
  };
}

function familyOf(text: string): 4 | 6 {
  return text.includes(':') ? 6 : 4;
}

/** A small deterministic shuffle (mulberry32), so the second order is part of the scenario. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The rules of a scenario and its tuples in two orders. */
export function buildScenario(s: DecisionScenario): BuiltScenario {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  s.services.forEach((gen, i) => {
    const built = buildService(i, gen);
    services.push(built.svc);
    slices.push(...built.slices);
  });
  const rules = kubeProxyRules(s.mode, services, slices, { node: node(s), config: proxyConfig(s), serviceCIDRs: s.serviceCIDRs });

  const destinations = [
    ...s.services.flatMap((_, i) => [clusterIPOf(i, false), clusterIPOf(i, true)]),
    ...EXTERNAL_IPS,
    ...INGRESS_IPS,
    ...NODE_V4,
    ...NODE_V6,
    ...LOOPBACK_DESTINATIONS,
    ...UNALLOCATED_SERVICE_IPS,
    ...s.randomDestinations,
    ...INVALID_ADDRESSES.slice(0, 3),
  ];
  const ports = [
    ...SERVICE_PORTS,
    ...s.services.flatMap((gen, i) => [...gen.ports.map((_, j) => nodePort(i, j)), healthCheckPort(i)]),
    ...s.randomPorts,
  ];
  // Frontends as the services define them (kube-proxy may program none for some: Proxy-mode
  // ingress, the other family's externalIPs), and the node-port ones on every node address.
  const frontends: { ip: string; port: number; protocol: Protocol }[] = [];
  const nodePorts: { port: number; protocol: Protocol }[] = [];
  s.services.forEach((gen, i) => {
    const addresses = [clusterIPOf(i, gen.family === 'v6'), ...(gen.family === 'dual' ? [clusterIPOf(i, true)] : []), ...gen.externalIPs];
    if (gen.type === 'LoadBalancer') addresses.push(...gen.ingress);
    gen.ports.forEach((p, j) => {
      for (const ip of addresses) frontends.push({ ip, port: p.port, protocol: p.protocol });
      if (gen.type !== 'ClusterIP') nodePorts.push({ port: nodePort(i, j), protocol: p.protocol });
    });
    if (gen.type === 'LoadBalancer' && gen.externalLocal && gen.healthCheck) for (const protocol of PROTOCOLS) nodePorts.push({ port: healthCheckPort(i), protocol });
  });
  const nodeDestinations = [...NODE_V4, ...NODE_V6, ...LOOPBACK_DESTINATIONS, '192.168.2.7'];
  const aimed = (t: TupleGen): { dstIP: string; dstPort: number; protocol: Protocol } => {
    if (t.aim === 'frontend' && frontends.length > 0) {
      const f = frontends[t.dst % frontends.length];
      return { dstIP: f.ip, dstPort: f.port, protocol: f.protocol };
    }
    if (t.aim === 'nodePort' && nodePorts.length > 0) {
      const n = nodePorts[t.port % nodePorts.length];
      return { dstIP: nodeDestinations[t.dst % nodeDestinations.length], dstPort: n.port, protocol: n.protocol };
    }
    return { dstIP: destinations[t.dst % destinations.length], dstPort: ports[t.port % ports.length], protocol: t.protocol };
  };
  // ClusterIPs as sources: ipvs without a detector masquerades a source that is a ClusterIP:port.
  const sources4 = [...SOURCES_V4, ...s.services.map((_, i) => clusterIPOf(i, false))];
  const sources6 = [...SOURCES_V6, ...s.services.map((_, i) => clusterIPOf(i, true))];
  const tuples = s.tuples.flatMap((t): FlowTuple[] => {
    const { dstIP, dstPort, protocol } = aimed(t);
    const own = familyOf(dstIP);
    const other = own === 4 ? 6 : 4;
    const sources = t.oddity === 'invalid' ? INVALID_ADDRESSES : (t.oddity === 'source' ? other : own) === 4 ? sources4 : sources6;
    const first: FlowTuple = {
      family: t.oddity === 'family' ? other : own,
      protocol,
      srcIP: sources[t.src % sources.length],
      srcPort: 40000 + (t.src % 1000),
      dstIP,
      dstPort,
    };
    return t.twin === undefined ? [first] : [first, { ...first, srcIP: sources[t.twin % sources.length], srcPort: 50000 + (t.twin % 1000) }];
  });
  return { rules, tuples, reordered: shuffled(tuples, s.shuffleSeed), maxEntries: s.maxEntries };
}
