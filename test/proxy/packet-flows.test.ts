// Packet-flow tests of the kube-proxy rules model (sdk/proxy/rules.ts), written like
// kube-proxy's own tracer tests (pkg/proxy/{iptables,nftables}/proxier_test.go,
// runPacketFlowTests): source, destination, port, protocol → DNAT targets in kube-proxy's
// order, or REJECT / DROP / ACCEPT, or "" (PASS), and whether the packet is masqueraded.
// Each table runs in the modes it names, with per-mode expectations where the modes differ.
//
// Conventions (kube-proxy's): pod IPs 10.0.0.0/8 (this node's pods 10.0.0.0/24) · ClusterIPs
// 172.30.0.0/16 · node 192.168.0.2 (primary), 192.168.1.2, 192.168.99.11 (also an
// externalIP) · LB IPs 1.2.3.4, 5.6.7.8 · off-cluster 203.0.113.0/24 · LB source range
// 203.0.113.0/25.
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Protocol, Service, ServicePort, ServiceSpec } from '../../sdk/model/types.js';
import type { ProxyMode } from '../../sdk/proxy/config.js';
import type { FlowTuple, RuleDecision } from '../../sdk/proxy/decision.js';
import { instantiateSync } from '@assemblyscript/loader';
import { CoreDecisionCache, type DecisionCoreExports } from '../../sdk/engine/decisions.js';
import { compileCore } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import {
  KubeProxyRules,
  REASON_HEALTH_CHECK,
  REASON_LOCALNET,
  REASON_NO_ENDPOINTS,
  REASON_NO_LOCAL_ENDPOINTS,
  REASON_NO_MATCH,
  REASON_SOURCE_RANGES,
  REASON_UNALLOCATED_SERVICE_IP,
  REASON_UNDEFINED_PORT,
  type NodeView,
} from '../../sdk/proxy/rules.js';
import { joinHostPort } from '../../sdk/proxy/rules-net.js';
import {
  NODE_EXTERNAL_IP,
  NODE_IP,
  NODE_IP_ALT,
  NODE_IPV6,
  NODE_IPV6_ALT,
  TEST_NODE,
  endpointSlice,
  kubeProxyRules,
  lbStatus,
  service,
  testNode,
} from './builders.js';

/** The debug core (asserts on), for the decision cache each table also runs through. */
const CORE_MODULE = await compileCore('debug', await nodeCoreSource('debug'));

const EXTERNAL_CLIENT = '203.0.113.2';
const EXTERNAL_CLIENT_BLOCKED = '203.0.113.130';
const POD = '10.0.0.2';
const REMOTE_POD = '10.0.5.2';

const SERVICE_CIDRS = ['172.30.0.0/16', 'fd00:172:30::/112'];

/** Options for one rules instance: the KubeProxyConfiguration fields and the node. */
interface Setup {
  /** Extra KubeProxyConfiguration fields; default `clusterCIDR: 10.0.0.0/8,fd00:10::/64`. */
  config?: Record<string, unknown>;
  node?: Partial<NodeView>;
  serviceCIDRs?: string[];
}

function makeRules(mode: ProxyMode, services: Service[], slices: EndpointSlice[], setup: Setup = {}): KubeProxyRules {
  const config = { clusterCIDR: '10.0.0.0/8,fd00:10::/64', ...(setup.config ?? {}) };
  return kubeProxyRules(mode, services, slices, { node: testNode(setup.node), config, serviceCIDRs: setup.serviceCIDRs ?? SERVICE_CIDRS });
}

type PerMode<T> = Record<ProxyMode, T>;

/** Per-mode expectation: iptables, nftables, ipvs. */
function modes<T>(iptables: T, nftables: T, ipvs: T): PerMode<T> {
  return { iptables, nftables, ipvs };
}

/**
 * One packet-flow case, as kube-proxy's packetFlowTest: `out` is the DNAT targets
 * ("ip:port, ip:port", kube-proxy's order), or REJECT / DROP / ACCEPT, or "" for PASS.
 */
interface Flow {
  name: string;
  src: string;
  dst: string;
  port: number;
  proto?: Protocol;
  out: string | PerMode<string>;
  /** Masqueraded (mark set anywhere on the path, the hairpin rule included). Default false. */
  masq?: boolean | PerMode<boolean>;
  reason?: string | PerMode<string | undefined>;
}

function pick<T>(value: T | PerMode<T> | undefined, mode: ProxyMode): T | undefined {
  if (value !== null && typeof value === 'object' && 'iptables' in (value as object)) return (value as PerMode<T>)[mode];
  return value as T | undefined;
}

/** kube-proxy's tracer output for a decision. */
function traceOutput(d: RuleDecision): string {
  if (d.verdict === 'DNAT') return d.endpoints.map((e) => joinHostPort(e.ip, e.port)).join(', ');
  return d.verdict === 'PASS' ? '' : d.verdict;
}

/** Whether the tracer would see the masquerade mark: the decision's, or an endpoint chain's hairpin rule. */
function traceMasquerade(d: RuleDecision, src: string): boolean {
  return d.masquerade || (d.hairpinMasquerade && d.endpoints.some((e) => e.ip === src && (!d.hairpinLocalOnly || e.local)));
}

function flowTuple(flow: Pick<Flow, 'src' | 'dst' | 'port' | 'proto'>): FlowTuple {
  const family = flow.dst.includes(':') ? 6 : 4;
  return { family, protocol: flow.proto ?? 'TCP', srcIP: flow.src, srcPort: 40000, dstIP: flow.dst, dstPort: flow.port };
}

function decideFlow(rules: KubeProxyRules, flow: Pick<Flow, 'src' | 'dst' | 'port' | 'proto'>): RuleDecision {
  return rules.decide(flowTuple(flow));
}

/**
 * Registers one numbered test per (mode, case): `<table>.<n> [mode] name`.
 * `build(mode)` makes the rules for the mode.
 */
function runPacketFlowTests(table: number, modeList: readonly ProxyMode[], build: (mode: ProxyMode) => KubeProxyRules, flows: readonly Flow[]): void {
  for (const mode of modeList) {
    const rules = build(mode);
    // The core's decision cache over the same rules sees the table's flows in order, so
    // later flows hit keys earlier ones left: each answer must still be `decide`'s.
    let cache: CoreDecisionCache | undefined;
    flows.forEach((flow, i) => {
      it(`${table}.${i + 1} [${mode}] ${flow.name}`, () => {
        const d = decideFlow(rules, flow);
        cache ??= new CoreDecisionCache(instantiateSync<Record<string, unknown>>(CORE_MODULE, {}).exports as unknown as DecisionCoreExports, rules);
        expect(cache.decide(flowTuple(flow)), 'the core decision cache').toEqual(d);
        expect(traceOutput(d), `verdict ${d.verdict} (${d.reason ?? ''})`).toBe(pick(flow.out, mode));
        expect(traceMasquerade(d, flow.src), 'masquerade').toBe(pick(flow.masq, mode) ?? false);
        const reason = pick(flow.reason, mode);
        if (reason !== undefined) expect(d.reason).toBe(reason);
        if (d.verdict === 'DNAT') expect(d.reason).toBeUndefined();
        else expect(d.endpoints).toEqual([]);
      });
    });
  }
}

const ALL_MODES: readonly ProxyMode[] = ['iptables', 'nftables', 'ipvs'];

// ---------------------------------------------------------------------------- tables

const P80: ServicePort = { name: 'p80', port: 80, protocol: 'TCP' };
const P80_NODE_PORT: ServicePort = { ...P80, nodePort: 3001 };
const EP1 = '10.180.0.1:80';
const EP2 = '10.180.2.1:80';
const BOTH = `${EP1}, ${EP2}`;

describe('1. ClusterIP basics: ports by name, protocols apart, undefined ports and unallocated IPs (TestClusterIPGeneral)', () => {
  const services = [
    service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    service('ns2', 'svc2', {
      clusterIP: '172.30.0.42',
      ports: [
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
        { name: 'dns-udp', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 5353 },
        { name: 'dns-sctp', port: 53, protocol: 'SCTP' },
      ],
    }),
  ];
  const slices = [
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1', node: TEST_NODE }], [{ name: 'http', port: 80, protocol: 'TCP' }]),
    endpointSlice('ns2', 'svc2', [{ ip: '10.180.0.1', node: TEST_NODE }, { ip: '10.180.2.1', node: 'node2' }], [
      { name: 'http', port: 80, protocol: 'TCP' },
      { name: 'https', port: 8443, protocol: 'TCP' },
      { name: 'dns-udp', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 5353, protocol: 'TCP' },
      { name: 'dns-sctp', port: 53, protocol: 'SCTP' },
    ]),
  ];
  runPacketFlowTests(1, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'simple clusterIP', src: '10.180.0.2', dst: '172.30.0.41', port: 80, out: '10.180.0.1:80' },
    { name: 'hairpin to cluster IP', src: '10.180.0.1', dst: '172.30.0.41', port: 80, out: '10.180.0.1:80', masq: true },
    { name: 'clusterIP with multiple endpoints', src: '10.180.0.2', dst: '172.30.0.42', port: 80, out: '10.180.0.1:80, 10.180.2.1:80' },
    { name: 'clusterIP with TargetPort (endpoint port found by port name)', src: '10.180.0.2', dst: '172.30.0.42', port: 443, out: '10.180.0.1:8443, 10.180.2.1:8443' },
    { name: 'TCP, UDP and SCTP on the same port (TCP)', src: '10.180.0.2', dst: '172.30.0.42', port: 53, proto: 'TCP', out: '10.180.0.1:5353, 10.180.2.1:5353' },
    { name: 'TCP, UDP and SCTP on the same port (UDP)', src: '10.180.0.2', dst: '172.30.0.42', port: 53, proto: 'UDP', out: '10.180.0.1:53, 10.180.2.1:53' },
    { name: 'TCP, UDP and SCTP on the same port (SCTP)', src: '10.180.0.2', dst: '172.30.0.42', port: 53, proto: 'SCTP', out: '10.180.0.1:53, 10.180.2.1:53' },
    {
      name: 'TCP-only port does not match UDP traffic (allocated ClusterIP, undefined port)',
      src: '10.180.0.2', dst: '172.30.0.42', port: 80, proto: 'UDP',
      out: modes('', 'REJECT', 'REJECT'),
      reason: modes(REASON_NO_MATCH, REASON_UNDEFINED_PORT, REASON_UNDEFINED_PORT),
    },
    { name: "svc1 does not accept svc2's ports", src: '10.180.0.2', dst: '172.30.0.41', port: 443, out: modes('', 'REJECT', 'REJECT') },
    {
      name: 'packet to unallocated cluster IP',
      src: '10.180.0.2', dst: '172.30.0.50', port: 80,
      out: modes('', 'DROP', ''),
      reason: modes(REASON_NO_MATCH, REASON_UNALLOCATED_SERVICE_IP, REASON_NO_MATCH),
    },
    { name: 'address outside the service CIDRs', src: '10.180.0.2', dst: '172.31.0.50', port: 80, out: '' },
    { name: 'ClusterIP from off-cluster is masqueraded', src: EXTERNAL_CLIENT, dst: '172.30.0.41', port: 80, out: '10.180.0.1:80', masq: true },
    { name: 'ClusterIP from the node is masqueraded (not in clusterCIDR)', src: NODE_IP, dst: '172.30.0.41', port: 80, out: '10.180.0.1:80', masq: true },
    { name: 'ClusterIP from a pod on another node is not masqueraded', src: REMOTE_POD, dst: '172.30.0.41', port: 80, out: '10.180.0.1:80' },
  ]);
});

describe('2. LoadBalancer with loadBalancerSourceRanges (TestLoadBalancer)', () => {
  // The second source range's whitespace is tolerated (regression test upstream).
  const ranges = ['192.168.0.0/24', ' 203.0.113.0/25'];
  const services = [service('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', externalIPs: ['192.168.99.33'], ports: [P80_NODE_PORT], loadBalancerSourceRanges: ranges }, lbStatus('1.2.3.4', '5.6.7.8'))];
  const slices = [endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }], [P80])];
  runPacketFlowTests(2, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'pod to cluster IP', src: POD, dst: '172.30.0.41', port: 80, out: EP1 },
    { name: 'external to nodePort', src: EXTERNAL_CLIENT, dst: NODE_IP, port: 3001, out: EP1, masq: true },
    { name: 'nodePort bypasses LoadBalancerSourceRanges', src: EXTERNAL_CLIENT_BLOCKED, dst: NODE_IP, port: 3001, out: EP1, masq: true },
    { name: 'accepted external to LB1', src: EXTERNAL_CLIENT, dst: '1.2.3.4', port: 80, out: EP1, masq: true },
    { name: 'accepted external to LB2', src: EXTERNAL_CLIENT, dst: '5.6.7.8', port: 80, out: EP1, masq: true },
    { name: 'blocked external to LB1', src: EXTERNAL_CLIENT_BLOCKED, dst: '1.2.3.4', port: 80, out: 'DROP', reason: REASON_SOURCE_RANGES },
    { name: 'blocked external to LB2', src: EXTERNAL_CLIENT_BLOCKED, dst: '5.6.7.8', port: 80, out: 'DROP', reason: REASON_SOURCE_RANGES },
    { name: 'pod to LB1 (blocked: pod CIDR not listed)', src: POD, dst: '1.2.3.4', port: 80, out: 'DROP', reason: REASON_SOURCE_RANGES },
    { name: 'node to LB1 (allowed by LoadBalancerSourceRanges)', src: NODE_IP, dst: '1.2.3.4', port: 80, out: EP1, masq: true },
    { name: 'same node to LB1, SNATted to LB1 (implicitly allowed)', src: '1.2.3.4', dst: '1.2.3.4', port: 80, out: EP1, masq: true },
    { name: 'same node to LB2, SNATted to LB2 (implicitly allowed)', src: '5.6.7.8', dst: '5.6.7.8', port: 80, out: EP1, masq: true },
    {
      name: 'LB1 as source to LB2 (ipvs allows only the destination LB IP itself)',
      src: '1.2.3.4', dst: '5.6.7.8', port: 80,
      out: modes(EP1, EP1, 'DROP'),
      masq: modes(true, true, false),
    },
    { name: 'blocked source to the ClusterIP (ranges apply to LB IPs only)', src: EXTERNAL_CLIENT_BLOCKED, dst: '172.30.0.41', port: 80, out: EP1, masq: true },
    { name: 'blocked source to an externalIP (ranges apply to LB IPs only)', src: EXTERNAL_CLIENT_BLOCKED, dst: '192.168.99.33', port: 80, out: EP1, masq: true },
  ]);
});

describe('3. loadBalancerSourceRanges: pod CIDR listed, node IP not listed, no endpoints', () => {
  const lb = (name: string, ip: string, ranges: string[]): Service =>
    service('ns1', name, { type: 'LoadBalancer', clusterIP: `172.30.0.${ip.split('.')[3]}`, ports: [{ ...P80, nodePort: 3000 + Number(ip.split('.')[3]) }], loadBalancerSourceRanges: ranges }, lbStatus(ip));
  const services = [lb('podok', '1.1.1.1', ['10.0.0.0/8']), lb('nonode', '2.2.2.2', ['203.0.113.0/25']), lb('empty', '3.3.3.3', ['203.0.113.0/25']), lb('v6only', '4.4.4.4', ['2001:db8:99::/64'])];
  const slices = [endpointSlice('ns1', 'podok', [{ ip: '10.180.0.1' }], [P80]), endpointSlice('ns1', 'nonode', [{ ip: '10.180.0.1' }], [P80]), endpointSlice('ns1', 'v6only', [{ ip: '10.180.0.1' }], [P80])];
  runPacketFlowTests(3, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'pod allowed when the pod CIDR is listed', src: POD, dst: '1.1.1.1', port: 80, out: EP1, masq: true },
    { name: 'external blocked when only the pod CIDR is listed', src: EXTERNAL_CLIENT, dst: '1.1.1.1', port: 80, out: 'DROP' },
    { name: 'node IP outside the ranges: the node itself is blocked', src: NODE_IP, dst: '2.2.2.2', port: 80, out: modes('DROP', 'DROP', EP1), masq: modes(false, false, true) },
    { name: 'node IP outside the ranges: the LB IP as source is blocked', src: '2.2.2.2', dst: '2.2.2.2', port: 80, out: 'DROP', reason: REASON_SOURCE_RANGES },
    {
      name: 'no endpoints, blocked source: iptables rejects (no firewall chain without endpoints), nftables/ipvs firewall first',
      src: EXTERNAL_CLIENT_BLOCKED, dst: '3.3.3.3', port: 80,
      out: modes('REJECT', 'DROP', 'DROP'),
      reason: modes(REASON_NO_ENDPOINTS, REASON_SOURCE_RANGES, REASON_SOURCE_RANGES),
    },
    { name: 'no endpoints, allowed source: REJECT', src: EXTERNAL_CLIENT, dst: '3.3.3.3', port: 80, out: 'REJECT', reason: REASON_NO_ENDPOINTS },
    { name: 'ranges of the other family only: no firewall for this family', src: EXTERNAL_CLIENT_BLOCKED, dst: '4.4.4.4', port: 80, out: EP1, masq: true },
  ]);
});

describe('4. Services with no endpoints reject on every frontend (TestNoEndpointsReject)', () => {
  const services = [service('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', externalIPs: [NODE_EXTERNAL_IP], ports: [P80_NODE_PORT] }, lbStatus('1.2.3.4'))];
  runPacketFlowTests(4, ALL_MODES, (mode) => makeRules(mode, services, []), [
    { name: 'pod to cluster IP with no endpoints', src: POD, dst: '172.30.0.41', port: 80, out: 'REJECT', reason: REASON_NO_ENDPOINTS },
    { name: 'external to external IP with no endpoints', src: EXTERNAL_CLIENT, dst: NODE_EXTERNAL_IP, port: 80, out: 'REJECT' },
    { name: 'pod to NodePort with no endpoints', src: POD, dst: NODE_IP, port: 3001, out: 'REJECT' },
    { name: 'external to NodePort with no endpoints', src: EXTERNAL_CLIENT, dst: NODE_IP, port: 3001, out: 'REJECT' },
    { name: 'pod to LoadBalancer IP with no endpoints', src: POD, dst: '1.2.3.4', port: 80, out: 'REJECT' },
    { name: 'external to LoadBalancer IP with no endpoints', src: EXTERNAL_CLIENT, dst: '1.2.3.4', port: 80, out: 'REJECT' },
    { name: 'node to NodePort with no endpoints', src: NODE_IP, dst: NODE_IP, port: 3001, out: 'REJECT' },
    {
      name: 'node to a remote LB IP with no endpoints (iptables: KUBE-EXTERNAL-SERVICES is not hooked in OUTPUT)',
      src: NODE_IP, dst: '1.2.3.4', port: 80,
      out: modes('', 'REJECT', 'REJECT'),
    },
    {
      name: 'NodePort with no endpoints on a secondary node IP (nftables: not in nodeport-ips)',
      src: EXTERNAL_CLIENT, dst: NODE_IP_ALT, port: 3001,
      out: modes('REJECT', '', 'REJECT'),
    },
    {
      name: 'localhost NodePort with no endpoints (iptables rejects on any --dst-type LOCAL)',
      src: '127.0.0.1', dst: '127.0.0.1', port: 3001,
      out: modes('REJECT', '', ''),
    },
    { name: 'node port number on a non-node address with no endpoints', src: EXTERNAL_CLIENT, dst: '198.51.100.7', port: 3001, out: '' },
  ]);
});

/** Tables 5 and 6: ns1/svc1, an eTP Local LoadBalancer (1.2.3.4) with an externalIP on the node and health check node port 30000. */
function etpLocalLoadBalancer(port: ServicePort): Service {
  return service('ns1', 'svc1', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.41', externalIPs: [NODE_EXTERNAL_IP], ports: [port], healthCheckNodePort: 30000 }, lbStatus('1.2.3.4'));
}

describe('5. externalTrafficPolicy: Local with a local endpoint (TestExternalTrafficPolicyLocal)', () => {
  const services = [etpLocalLoadBalancer({ ...P80_NODE_PORT, targetPort: 80 })];
  const slices = [endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', node: TEST_NODE }], [P80])];
  const LOCAL = EP2;
  runPacketFlowTests(5, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'pod to cluster IP hits both endpoints, unmasqueraded', src: POD, dst: '172.30.0.41', port: 80, out: BOTH },
    { name: 'pod to external IP: short-circuit to both endpoints (ipvs: local only), unmasqueraded', src: POD, dst: NODE_EXTERNAL_IP, port: 80, out: modes(BOTH, BOTH, LOCAL) },
    { name: 'external to external IP hits only local endpoint, unmasqueraded', src: EXTERNAL_CLIENT, dst: NODE_EXTERNAL_IP, port: 80, out: LOCAL },
    { name: 'pod to LB IP: short-circuit (ipvs: local only), unmasqueraded', src: POD, dst: '1.2.3.4', port: 80, out: modes(BOTH, BOTH, LOCAL) },
    { name: 'external to LB IP hits only local endpoint, unmasqueraded', src: EXTERNAL_CLIENT, dst: '1.2.3.4', port: 80, out: LOCAL },
    { name: 'pod to NodePort: short-circuit (ipvs: local only), unmasqueraded', src: POD, dst: NODE_IP, port: 3001, out: modes(BOTH, BOTH, LOCAL) },
    { name: 'external to NodePort hits only local endpoint, unmasqueraded', src: EXTERNAL_CLIENT, dst: NODE_IP, port: 3001, out: LOCAL },
    { name: 'node to NodePort: all endpoints, masqueraded (ipvs: local, not)', src: NODE_IP, dst: NODE_IP, port: 3001, out: modes(BOTH, BOTH, LOCAL), masq: modes(true, true, false) },
    { name: 'node to LB IP: all endpoints, masqueraded (ipvs: local, not)', src: NODE_IP, dst: '1.2.3.4', port: 80, out: modes(BOTH, BOTH, LOCAL), masq: modes(true, true, false) },
    {
      name: 'health check node port: iptables and ipvs ACCEPT, nftables adds no rule',
      src: EXTERNAL_CLIENT, dst: NODE_IP, port: 30000,
      out: modes('ACCEPT', '', 'ACCEPT'),
      reason: modes(REASON_HEALTH_CHECK, REASON_NO_MATCH, REASON_HEALTH_CHECK),
    },
    { name: 'health check node port over UDP (iptables accepts TCP only; ipvs bitmap:port any)', src: EXTERNAL_CLIENT, dst: NODE_IP, port: 30000, proto: 'UDP', out: modes('', '', 'ACCEPT') },
    { name: 'health check node port on a non-node address', src: EXTERNAL_CLIENT, dst: '198.51.100.7', port: 30000, out: '' },
    {
      name: 'health check port number on the ClusterIP (nftables: undefined port; ipvs: KUBE-IPVS-FILTER lets health-check ports through, KUBE-NODE-PORT accepts)',
      src: POD, dst: '172.30.0.41', port: 30000,
      out: modes('', 'REJECT', 'ACCEPT'),
    },
  ]);
});

describe('6. externalTrafficPolicy: Local with no local endpoint', () => {
  const services = [etpLocalLoadBalancer(P80_NODE_PORT)];
  const slices = [endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1', node: 'node2' }], [P80])];
  runPacketFlowTests(6, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'external to LB IP: DROP (ipvs: falls back to cluster endpoints)', src: EXTERNAL_CLIENT, dst: '1.2.3.4', port: 80, out: modes('DROP', 'DROP', EP1), reason: modes(REASON_NO_LOCAL_ENDPOINTS, REASON_NO_LOCAL_ENDPOINTS, undefined) },
    { name: 'external to NodePort: DROP (ipvs: cluster endpoints)', src: EXTERNAL_CLIENT, dst: NODE_IP, port: 3001, out: modes('DROP', 'DROP', EP1) },
    { name: 'external to external IP: DROP (ipvs: cluster endpoints)', src: EXTERNAL_CLIENT, dst: NODE_EXTERNAL_IP, port: 80, out: modes('DROP', 'DROP', EP1) },
    { name: 'pod to LB IP short-circuits to cluster endpoints, unmasqueraded', src: POD, dst: '1.2.3.4', port: 80, out: EP1 },
    { name: 'pod to NodePort short-circuits, unmasqueraded', src: POD, dst: NODE_IP, port: 3001, out: EP1 },
    { name: 'node to NodePort: cluster endpoints, masqueraded (ipvs: not)', src: NODE_IP, dst: NODE_IP, port: 3001, out: EP1, masq: modes(true, true, false) },
    { name: 'localhost NodePort: iptables masquerades LOCAL traffic to cluster endpoints', src: '127.0.0.1', dst: '127.0.0.1', port: 3001, out: modes(EP1, '', ''), masq: modes(true, false, false) },
    { name: 'ClusterIP is not affected by eTP', src: EXTERNAL_CLIENT, dst: '172.30.0.41', port: 80, out: EP1, masq: true },
  ]);
});

describe('7. externalTrafficPolicy: Local without a local-traffic detector (no clusterCIDR)', () => {
  const services = [
    service('ns1', 'svc1', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.41', ports: [P80_NODE_PORT], healthCheckNodePort: 30000 }, lbStatus('1.2.3.4')),
  ];
  const slices = [endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1', node: 'node2' }], [P80])];
  runPacketFlowTests(7, ALL_MODES, (mode) => makeRules(mode, services, slices, { config: { clusterCIDR: '' } }), [
    { name: 'pod to LB IP is not short-circuited: DROP (ipvs: cluster endpoints)', src: POD, dst: '1.2.3.4', port: 80, out: modes('DROP', 'DROP', EP1) },
    { name: 'node to LB IP still masqueraded to cluster endpoints (ipvs: not masqueraded)', src: NODE_IP, dst: '1.2.3.4', port: 80, out: EP1, masq: modes(true, true, false) },
    { name: 'off-cluster to ClusterIP is not masqueraded without a detector', src: EXTERNAL_CLIENT, dst: '172.30.0.41', port: 80, out: EP1 },
    { name: 'pod to ClusterIP is not masqueraded', src: POD, dst: '172.30.0.41', port: 80, out: EP1 },
    { name: 'ipvs without a detector masquerades sources that are a ClusterIP of this port', src: '172.30.0.41', dst: '172.30.0.41', port: 80, out: EP1, masq: modes(false, false, true) },
  ]);
});

describe('8. internalTrafficPolicy: Local', () => {
  const services = [
    service('ns1', 'itp-remote', { clusterIP: '172.30.0.41', internalTrafficPolicy: 'Local', ports: [P80] }),
    service('ns1', 'itp-nodeport', { type: 'NodePort', clusterIP: '172.30.0.42', internalTrafficPolicy: 'Local', ports: [{ ...P80, nodePort: 3002 }] }),
    service('ns1', 'itp-local', { clusterIP: '172.30.0.43', internalTrafficPolicy: 'Local', ports: [P80] }),
  ];
  const slices = [
    endpointSlice('ns1', 'itp-remote', [{ ip: '10.180.0.1', node: 'node2' }], [P80]),
    endpointSlice('ns1', 'itp-nodeport', [{ ip: '10.180.0.1', node: 'node2' }], [P80]),
    endpointSlice('ns1', 'itp-local', [{ ip: '10.180.0.1', node: 'node2' }, { ip: '10.180.2.1', node: TEST_NODE }], [P80]),
  ];
  runPacketFlowTests(8, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'no local endpoint: ClusterIP DROP (ipvs: virtual server without real servers rejects)', src: POD, dst: '172.30.0.41', port: 80, out: modes('DROP', 'DROP', 'REJECT'), reason: REASON_NO_LOCAL_ENDPOINTS },
    { name: 'no local endpoint, externally accessible: ClusterIP DROP (ipvs: cluster endpoints)', src: POD, dst: '172.30.0.42', port: 80, out: modes('DROP', 'DROP', EP1) },
    { name: 'iTP never applies to NodePort traffic', src: EXTERNAL_CLIENT, dst: NODE_IP, port: 3002, out: EP1, masq: true },
    { name: 'local endpoint: ClusterIP goes to it only', src: POD, dst: '172.30.0.43', port: 80, out: EP2 },
    { name: 'iTP does not change masquerade (off-cluster source)', src: EXTERNAL_CLIENT, dst: '172.30.0.43', port: 80, out: EP2, masq: true },
  ]);
});

describe('9. Masquerade of ClusterIP traffic per local-traffic detector and masqueradeAll (proxy.md §8)', () => {
  const services = [service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [P80] })];
  const slices = [endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }], [P80])];
  const variants: { label: string; config: Record<string, unknown>; pod: boolean; remotePod: boolean; external: boolean }[] = [
    { label: 'ClusterCIDR 10.0.0.0/8', config: {}, pod: false, remotePod: false, external: true },
    { label: 'NodeCIDR (podCIDR 10.0.0.0/24)', config: { detectLocalMode: 'NodeCIDR' }, pod: false, remotePod: true, external: true },
    { label: 'BridgeInterface (this node\'s pods)', config: { detectLocalMode: 'BridgeInterface', detectLocal: { bridgeInterface: 'cbr0' } }, pod: false, remotePod: true, external: true },
    { label: 'InterfaceNamePrefix (this node\'s pods)', config: { detectLocalMode: 'InterfaceNamePrefix', detectLocal: { interfaceNamePrefix: 'veth' } }, pod: false, remotePod: true, external: true },
    { label: 'no detector (clusterCIDR unset)', config: { clusterCIDR: '' }, pod: false, remotePod: false, external: false },
    { label: 'masqueradeAll', config: { iptables: { masqueradeAll: true }, nftables: { masqueradeAll: true } }, pod: true, remotePod: true, external: true },
  ];
  variants.forEach((v, i) => {
    describe(`9.${i + 1} ${v.label}`, () => {
      runPacketFlowTests(9 * 100 + i + 1, ALL_MODES, (mode) => makeRules(mode, services, slices, { config: v.config }), [
        { name: 'pod on this node', src: POD, dst: '172.30.0.41', port: 80, out: EP1, masq: v.pod },
        { name: 'pod on another node', src: REMOTE_POD, dst: '172.30.0.41', port: 80, out: EP1, masq: v.remotePod },
        { name: 'off-cluster source', src: EXTERNAL_CLIENT, dst: '172.30.0.41', port: 80, out: EP1, masq: v.external },
      ]);
    });
  });
  describe('9.7 NodeCIDR with no podCIDR on the node: no detector', () => {
    runPacketFlowTests(907, ['iptables', 'nftables'], (mode) => makeRules(mode, services, slices, { config: { detectLocalMode: 'NodeCIDR' }, node: { podCIDRs: [] } }), [
      { name: 'off-cluster source not masqueraded', src: EXTERNAL_CLIENT, dst: '172.30.0.41', port: 80, out: EP1 },
    ]);
  });
  describe('9.8 masqueradeAll does not touch eTP Local external traffic', () => {
    const etp = [service('ns1', 'svc1', { type: 'NodePort', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.41', ports: [P80_NODE_PORT] })];
    const local = [endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1', node: TEST_NODE }], [P80])];
    runPacketFlowTests(908, ALL_MODES, (mode) => makeRules(mode, etp, local, { config: { iptables: { masqueradeAll: true }, nftables: { masqueradeAll: true } } }), [
      { name: 'external to NodePort keeps the client address', src: EXTERNAL_CLIENT, dst: NODE_IP, port: 3001, out: EP1 },
      { name: 'pod to ClusterIP is masqueraded', src: POD, dst: '172.30.0.41', port: 80, out: EP1, masq: true },
    ]);
  });
  describe('9.9 nftables reads nftables.masqueradeAll, iptables and ipvs read iptables.masqueradeAll', () => {
    runPacketFlowTests(909, ALL_MODES, (mode) => makeRules(mode, services, slices, { config: { iptables: { masqueradeAll: true } } }), [
      { name: 'pod to ClusterIP', src: POD, dst: '172.30.0.41', port: 80, out: EP1, masq: modes(true, false, true) },
    ]);
  });
});

describe('10. NodePort addresses per mode and localhost NodePorts (TestNodePorts)', () => {
  const services = [
    service('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.41', ports: [P80_NODE_PORT] }),
    service('ns1', 'svc6', { type: 'NodePort', clusterIP: 'fd00:172:30::41', ipFamilies: ['IPv6'], ports: [P80_NODE_PORT] }),
  ];
  const slices = [
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', node: TEST_NODE }], [P80]),
    endpointSlice('ns1', 'svc6', [{ ip: 'fd00:10:180::1' }, { ip: 'fd00:10:180::2:1', node: TEST_NODE }], [P80], { addressType: 'IPv6' }),
  ];
  const V6 = '[fd00:10:180::1]:80, [fd00:10:180::2:1]:80';
  // Most flows here go to node port 3001: DNATed to the endpoints (BOTH; V6 for IPv6) and
  // masqueraded, or not a node port there and passed ("").
  const toNodePort = (name: string, src: string, dst: string, out = BOTH): Flow => ({ name, src, dst, port: 3001, out, masq: true });
  const passes = (name: string, src: string, dst: string, port = 3001): Flow => ({ name, src, dst, port, out: '' });
  // Flows that more than one case has.
  const EXTERNAL_TO_PRIMARY = toNodePort('external to nodePort', EXTERNAL_CLIENT, NODE_IP);
  const NODE_TO_PRIMARY = toNodePort('node to nodePort', NODE_IP, NODE_IP);
  const EXTERNAL_TO_SECONDARY = toNodePort('external to nodePort on secondary IP', EXTERNAL_CLIENT, NODE_IP_ALT);
  const SECONDARY_IGNORED = passes('secondary nodeIP ignores NodePorts', EXTERNAL_CLIENT, NODE_IP_ALT);
  const LOCALHOST_IGNORED = passes('localhost to nodePort is ignored', '127.0.0.1', '127.0.0.1');
  const NO_LOCALHOST = passes('no localhost NodePorts', '127.0.0.1', '127.0.0.1');
  const IPV6_TO_SECONDARY = toNodePort('IPv6 secondary', '2600:5200::1', NODE_IPV6_ALT, V6);
  const cases: { label: string; mode: ProxyMode; config: Record<string, unknown>; flows: Flow[] }[] = [
    {
      label: 'iptables, defaults (every local address, localhost NodePorts on)',
      mode: 'iptables',
      config: {},
      flows: [
        EXTERNAL_TO_PRIMARY,
        NODE_TO_PRIMARY,
        EXTERNAL_TO_SECONDARY,
        toNodePort('localhost to nodePort gets masqueraded', '127.0.0.1', '127.0.0.1'),
        toNodePort('localhost NodePorts answer all of 127.0.0.0/8', '127.0.0.1', '127.0.0.53'),
        toNodePort('non-loopback source to a localhost NodePort: DNATed, so KUBE-FIREWALL lets it through', EXTERNAL_CLIENT, '127.0.0.1'),
        { name: 'non-loopback source to another 127.0.0.1 port: KUBE-FIREWALL drops', src: EXTERNAL_CLIENT, dst: '127.0.0.1', port: 22, out: 'DROP', reason: REASON_LOCALNET },
        passes('loopback source to another 127.0.0.1 port passes', '127.0.0.1', '127.0.0.1', 22),
        passes('remote address is not a node port', EXTERNAL_CLIENT, '198.51.100.7'),
        toNodePort('IPv6 external to nodePort', '2600:5200::1', NODE_IPV6, V6),
        toNodePort('IPv6 secondary IP', '2600:5200::1', NODE_IPV6_ALT, V6),
        passes('IPv6 localhost is never a node port', '::1', '::1'),
      ],
    },
    {
      label: 'iptables, localhostNodePorts: false',
      mode: 'iptables',
      config: { iptables: { localhostNodePorts: false } },
      flows: [
        LOCALHOST_IGNORED,
        passes('no KUBE-FIREWALL: non-loopback source to 127.0.0.1:22 passes', EXTERNAL_CLIENT, '127.0.0.1', 22),
        toNodePort('secondary IP still accepted', EXTERNAL_CLIENT, NODE_IP_ALT),
      ],
    },
    {
      label: 'iptables, localhostNodePorts false, localhost in nodePortAddresses',
      mode: 'iptables',
      config: { iptables: { localhostNodePorts: false }, nodePortAddresses: ['192.168.0.0/24', '127.0.0.1/32'] },
      flows: [
        LOCALHOST_IGNORED,
        SECONDARY_IGNORED,
        toNodePort('primary in the CIDR', EXTERNAL_CLIENT, NODE_IP),
      ],
    },
    {
      label: 'iptables, nodePortAddresses without loopback (localhost NodePorts off, no KUBE-FIREWALL)',
      mode: 'iptables',
      config: { nodePortAddresses: ['192.168.0.0/24', '192.168.1.0/24', '2001:db8::/64'] },
      flows: [
        EXTERNAL_TO_SECONDARY,
        passes('node address outside the CIDRs', EXTERNAL_CLIENT, NODE_EXTERNAL_IP),
        LOCALHOST_IGNORED,
        passes('non-loopback source to 127.0.0.1:22 passes', EXTERNAL_CLIENT, '127.0.0.1', 22),
        passes('IPv6 secondary outside 2001:db8::/64 ignores NodePorts', '2600:5200::1', NODE_IPV6_ALT),
        toNodePort('IPv6 primary in 2001:db8::/64', '2600:5200::1', NODE_IPV6, V6),
      ],
    },
    {
      label: 'iptables, only IPv4 CIDRs: IPv6 matches every local address',
      mode: 'iptables',
      config: { nodePortAddresses: ['192.168.0.0/24'] },
      flows: [toNodePort('IPv6 secondary accepted', '2600:5200::1', NODE_IPV6_ALT, V6)],
    },
    {
      label: 'nftables, defaults (primary node IPs only)',
      mode: 'nftables',
      config: {},
      flows: [
        EXTERNAL_TO_PRIMARY,
        NODE_TO_PRIMARY,
        SECONDARY_IGNORED,
        NO_LOCALHOST,
        toNodePort('IPv6 primary', '2600:5200::1', NODE_IPV6, V6),
        passes('IPv6 secondary ignored', '2600:5200::1', NODE_IPV6_ALT),
      ],
    },
    {
      label: 'nftables, multiple nodePortAddresses',
      mode: 'nftables',
      config: { nodePortAddresses: ['192.168.0.0/24', '192.168.1.0/24', '2001:db8::/64', '2001:db8:1::2/128'] },
      flows: [EXTERNAL_TO_SECONDARY, IPV6_TO_SECONDARY],
    },
    {
      label: 'nftables, 0.0.0.0/0 (every local address but loopback)',
      mode: 'nftables',
      config: { nodePortAddresses: ['0.0.0.0/0'] },
      flows: [
        toNodePort('secondary IP accepted', EXTERNAL_CLIENT, NODE_IP_ALT),
        passes('loopback still excluded', '127.0.0.1', '127.0.0.1'),
        toNodePort('IPv6 has no CIDR of its own: every local address', '2600:5200::1', NODE_IPV6_ALT, V6),
      ],
    },
    {
      label: 'iptables, nodePortAddresses: [primary]',
      mode: 'iptables',
      config: { nodePortAddresses: ['primary'] },
      flows: [
        toNodePort('primary accepted', EXTERNAL_CLIENT, NODE_IP),
        passes('secondary ignored', EXTERNAL_CLIENT, NODE_IP_ALT),
        passes('no localhost NodePorts (primary /32 holds no loopback)', '127.0.0.1', '127.0.0.1'),
      ],
    },
    {
      label: 'iptables, 127.0.0.1/32 in nodePortAddresses: the lo address only',
      mode: 'iptables',
      config: { nodePortAddresses: ['127.0.0.1/32', '192.168.0.0/24'] },
      flows: [
        toNodePort('localhost to nodePort', '127.0.0.1', '127.0.0.1'),
        passes('another 127.0.0.0/8 address is not an interface address', '127.0.0.1', '127.0.0.2'),
        { name: 'KUBE-FIREWALL is on', src: EXTERNAL_CLIENT, dst: '127.0.0.1', port: 22, out: 'DROP' },
      ],
    },
    {
      label: 'ipvs, loopback in nodePortAddresses: still no virtual server on it',
      mode: 'ipvs',
      config: { nodePortAddresses: ['127.0.0.0/8', '192.168.0.0/24'] },
      flows: [
        passes('localhost to nodePort', '127.0.0.1', '127.0.0.1'),
        toNodePort('primary', EXTERNAL_CLIENT, NODE_IP),
      ],
    },
    {
      label: 'ipvs, defaults (every node address, no loopback)',
      mode: 'ipvs',
      config: {},
      flows: [
        EXTERNAL_TO_SECONDARY,
        NO_LOCALHOST,
        IPV6_TO_SECONDARY,
      ],
    },
  ];
  cases.forEach((c, i) => {
    describe(`10.${i + 1} ${c.label}`, () => {
      runPacketFlowTests(1000 + i + 1, [c.mode], (mode) => makeRules(mode, services, slices, { config: c.config }), c.flows);
    });
  });
  describe(`10.${cases.length + 1} an IPv6 link-local node address`, () => {
    runPacketFlowTests(1000 + cases.length + 1, ALL_MODES, (mode) => makeRules(mode, services, slices, { node: { addresses: [NODE_IP, NODE_IPV6, 'fe80::1'] }, config: { nodePortAddresses: ['0.0.0.0/0'] } }), [
      { name: 'NodePort on it (ipvs keeps link-local addresses out of its node IPs)', src: 'fe80::2', dst: 'fe80::1', port: 3001, out: modes(V6, V6, ''), masq: modes(true, true, false) },
    ]);
  });
});

describe('11. Frontend kinds: LB ipMode, headless, ExternalName', () => {
  const services = [
    service('ns1', 'vip', { type: 'LoadBalancer', clusterIP: '172.30.0.41', ports: [P80_NODE_PORT] }, lbStatus({ ip: '1.2.3.4', ipMode: 'VIP' }, { ip: '5.6.7.8', ipMode: 'Proxy' })),
    service('ns1', 'headless', { clusterIP: 'None', ports: [P80] }),
    service('ns1', 'external-name', { type: 'ExternalName', externalName: 'example.com', clusterIP: '172.30.0.60', ports: [P80] }),
  ];
  const slices = [endpointSlice('ns1', 'vip', [{ ip: '10.180.0.1' }], [P80]), endpointSlice('ns1', 'headless', [{ ip: '10.180.0.9' }], [P80]), endpointSlice('ns1', 'external-name', [{ ip: '10.180.0.8' }], [P80])];
  runPacketFlowTests(11, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'ipMode VIP is a frontend', src: EXTERNAL_CLIENT, dst: '1.2.3.4', port: 80, out: EP1, masq: true },
    { name: 'ipMode Proxy gets no rule', src: EXTERNAL_CLIENT, dst: '5.6.7.8', port: 80, out: '' },
    { name: 'headless: no rules for its pods', src: POD, dst: '10.180.0.9', port: 80, out: '' },
    { name: 'headless: the LB service still works beside it', src: POD, dst: '172.30.0.41', port: 80, out: EP1 },
    { name: 'ExternalName gets no rules even with a clusterIP recorded (nftables: an unallocated service IP)', src: POD, dst: '172.30.0.60', port: 80, out: modes('', 'DROP', '') },
  ]);
});

describe('12. Endpoint ports by name and protocol', () => {
  const services = [
    service('ns1', 'byname', { clusterIP: '172.30.0.41', ports: [{ name: 'web', port: 80, protocol: 'TCP', targetPort: 'http' }] }),
    service('ns1', 'wrongproto', { clusterIP: '172.30.0.42', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
    service('ns1', 'unnamed', { clusterIP: '172.30.0.43', ports: [{ port: 80, protocol: 'TCP' }] }),
    service('ns1', 'noport', { clusterIP: '172.30.0.44', ports: [P80] }),
  ];
  const slices = [
    endpointSlice('ns1', 'byname', [{ ip: '10.180.0.1' }], [{ name: 'other', port: 9999, protocol: 'TCP' }, { name: 'web', port: 8080, protocol: 'TCP' }]),
    endpointSlice('ns1', 'wrongproto', [{ ip: '10.180.0.1' }], [{ name: 'dns', port: 53, protocol: 'TCP' }]),
    endpointSlice('ns1', 'unnamed', [{ ip: '10.180.0.1' }], [{ port: 8000 }]),
    endpointSlice('ns1', 'noport', [{ ip: '10.180.0.1' }], [{ name: 'p80' }]),
  ];
  runPacketFlowTests(12, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'slice port chosen by the service port name, not its number', src: POD, dst: '172.30.0.41', port: 80, out: '10.180.0.1:8080' },
    { name: 'slice port with the same name but another protocol is not an endpoint', src: POD, dst: '172.30.0.42', port: 53, proto: 'UDP', out: 'REJECT', reason: REASON_NO_ENDPOINTS },
    { name: 'unnamed port matches the unnamed slice port (protocol defaults to TCP)', src: POD, dst: '172.30.0.43', port: 80, out: '10.180.0.1:8000' },
    { name: 'slice port without a number is ignored', src: POD, dst: '172.30.0.44', port: 80, out: 'REJECT' },
  ]);
});

describe('13. Dual-stack: every clusterIPs entry, families kept apart', () => {
  const spec: ServiceSpec = { type: 'LoadBalancer', clusterIP: '172.30.0.41', clusterIPs: ['172.30.0.41', 'fd00:172:30::41'], ipFamilies: ['IPv4', 'IPv6'], externalIPs: ['192.168.99.33', '2001:db8:99::33'], ports: [P80_NODE_PORT] };
  const services = [service('ns1', 'svc1', spec, lbStatus('1.2.3.4', '2001:db8:aa::1'))];
  const slices = [
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }], [P80]),
    endpointSlice('ns1', 'svc1', [{ ip: 'fd00:10:180::1' }], [P80], { addressType: 'IPv6' }),
  ];
  const V6 = '[fd00:10:180::1]:80';
  runPacketFlowTests(13, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'IPv4 ClusterIP to IPv4 endpoints', src: POD, dst: '172.30.0.41', port: 80, out: EP1 },
    { name: 'IPv6 ClusterIP (second clusterIPs entry) to IPv6 endpoints', src: 'fd00:10::2', dst: 'fd00:172:30::41', port: 80, out: V6 },
    { name: 'IPv6 ClusterIP written non-canonically matches', src: 'fd00:10::2', dst: 'fd00:172:30:0:0:0:0:41', port: 80, out: V6 },
    { name: 'IPv6 externalIP', src: '2600:5200::1', dst: '2001:db8:99::33', port: 80, out: V6, masq: true },
    { name: 'IPv6 LB ingress IP', src: '2600:5200::1', dst: '2001:db8:aa::1', port: 80, out: V6, masq: true },
    { name: 'IPv6 NodePort', src: '2600:5200::1', dst: NODE_IPV6, port: 3001, out: V6, masq: true },
    { name: 'IPv6 off-cluster source to ClusterIP is masqueraded (fd00:10::/64 detector)', src: '2600:5200::1', dst: 'fd00:172:30::41', port: 80, out: V6, masq: true },
    { name: 'an IPv6 packet never hits IPv4 rules (IPv4-mapped ClusterIP)', src: 'fd00:10::2', dst: '::ffff:172.30.0.41', port: 80, out: '' },
    { name: 'IPv6 unallocated service address', src: 'fd00:10::2', dst: 'fd00:172:30::99', port: 80, out: modes('', 'DROP', '') },
  ]);
});

describe('14. Categorisation through packets: terminating fallback, topology hints', () => {
  const svc = (name: string, ip: string): Service => service('ns1', name, { clusterIP: ip, ports: [P80] });
  const services = [svc('terminating', '172.30.0.41'), svc('notserving', '172.30.0.42'), svc('mixed', '172.30.0.43'), svc('zones', '172.30.0.44'), svc('nodes', '172.30.0.45'), svc('partial', '172.30.0.46')];
  const slices = [
    endpointSlice('ns1', 'terminating', [{ ip: '10.180.0.1', ready: false, serving: true, terminating: true }, { ip: '10.180.0.2', ready: false, serving: false, terminating: true }], [P80]),
    endpointSlice('ns1', 'notserving', [{ ip: '10.180.0.1', ready: false, serving: false, terminating: true }], [P80]),
    endpointSlice('ns1', 'mixed', [{ ip: '10.180.0.1', ready: false, serving: true, terminating: true }, { ip: '10.180.0.2' }], [P80]),
    endpointSlice('ns1', 'zones', [{ ip: '10.180.0.1', zones: ['zone-a'] }, { ip: '10.180.0.2', zones: ['zone-b'] }, { ip: '10.180.0.3', zones: ['zone-a'] }], [P80]),
    endpointSlice('ns1', 'nodes', [{ ip: '10.180.0.1', nodes: ['other'] }, { ip: '10.180.0.2', nodes: [TEST_NODE] }], [P80]),
    endpointSlice('ns1', 'partial', [{ ip: '10.180.0.1', zones: ['zone-b'] }, { ip: '10.180.0.2' }], [P80]),
  ];
  runPacketFlowTests(14, ALL_MODES, (mode) => makeRules(mode, services, slices, { node: { zone: 'zone-a' } }), [
    { name: 'only serving+terminating endpoints: used as fallback', src: POD, dst: '172.30.0.41', port: 80, out: '10.180.0.1:80' },
    { name: 'terminating and not serving: no usable endpoint', src: POD, dst: '172.30.0.42', port: 80, out: 'REJECT' },
    { name: 'ready endpoints win over terminating ones', src: POD, dst: '172.30.0.43', port: 80, out: '10.180.0.2:80' },
    { name: 'zone hints: endpoints hinted for this node\'s zone', src: POD, dst: '172.30.0.44', port: 80, out: '10.180.0.1:80, 10.180.0.3:80' },
    { name: 'node hints: endpoints hinted for this node (PreferSameNode)', src: POD, dst: '172.30.0.45', port: 80, out: '10.180.0.2:80' },
    { name: 'hints on some endpoints only: no topology filtering', src: POD, dst: '172.30.0.46', port: 80, out: '10.180.0.1:80, 10.180.0.2:80' },
  ]);
});

describe('15. ipvs virtual servers: bound addresses, loopback sources, hairpin of local endpoints', () => {
  const services = [service('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', externalIPs: ['192.168.99.33', NODE_EXTERNAL_IP], ports: [P80_NODE_PORT], loadBalancerSourceRanges: ['203.0.113.0/25'] }, lbStatus('1.2.3.4'))];
  const slices = [endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1', node: TEST_NODE }, { ip: '10.180.2.1' }], [P80])];
  runPacketFlowTests(15, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'undefined port on a bound externalIP (ipvs KUBE-IPVS-FILTER rejects)', src: EXTERNAL_CLIENT, dst: '192.168.99.33', port: 8080, out: modes('', '', 'REJECT') },
    { name: 'undefined port on an externalIP that is a node address passes', src: EXTERNAL_CLIENT, dst: NODE_EXTERNAL_IP, port: 8080, out: '' },
    { name: 'undefined port on a LB IP (ipvs rejects)', src: EXTERNAL_CLIENT, dst: '1.2.3.4', port: 8080, out: modes('', '', 'REJECT') },
    { name: 'loopback source to ClusterIP: ipvs marks nothing for 127.0.0.0/8 sources', src: '127.0.0.1', dst: '172.30.0.41', port: 80, out: BOTH, masq: modes(true, true, false) },
    { name: 'hairpin from a local endpoint', src: '10.180.0.1', dst: '172.30.0.41', port: 80, out: BOTH, masq: true },
    { name: 'hairpin from a remote endpoint (ipvs KUBE-LOOP-BACK has local endpoints only)', src: '10.180.2.1', dst: '172.30.0.41', port: 80, out: BOTH, masq: modes(true, true, false) },
    { name: 'the LB IP as its own source, node IP not in the ranges (ipvs KUBE-IPVS-OUT-FILTER)', src: '1.2.3.4', dst: '1.2.3.4', port: 80, out: 'DROP' },
  ]);
});

describe('16. Service CIDRs for nftables (ServiceCIDR objects; default 10.96.0.0/12)', () => {
  const services = [service('ns1', 'svc1', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] })];
  const slices = [endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }], [{ name: 'dns', port: 53, protocol: 'UDP' }])];
  const build = (serviceCIDRs: string[] | undefined) => (mode: ProxyMode) => kubeProxyRules(mode, services, slices, { node: testNode(), config: { clusterCIDR: '10.0.0.0/8' }, serviceCIDRs });
  describe('16.1 default range', () => {
    runPacketFlowTests(1601, ['nftables'], build(undefined), [
      { name: 'allocated', src: POD, dst: '10.96.0.10', port: 53, proto: 'UDP', out: '10.180.0.1:53' },
      { name: 'unallocated inside 10.96.0.0/12', src: POD, dst: '10.100.0.1', port: 53, proto: 'UDP', out: 'DROP' },
      { name: 'outside 10.96.0.0/12', src: POD, dst: '10.112.0.1', port: 53, proto: 'UDP', out: '' },
    ]);
  });
  describe('16.2 no ServiceCIDRs: no drop rule', () => {
    runPacketFlowTests(1602, ['nftables'], build([]), [
      { name: 'unallocated passes', src: POD, dst: '10.100.0.1', port: 53, proto: 'UDP', out: '' },
      { name: 'allocated ClusterIP, undefined port still rejects', src: POD, dst: '10.96.0.10', port: 54, proto: 'UDP', out: 'REJECT' },
    ]);
  });
});

describe('17. LoadBalancer IP that is a node address, node IP outside the source ranges', () => {
  const services = [
    service('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', ports: [P80_NODE_PORT], loadBalancerSourceRanges: ['203.0.113.0/25'] }, lbStatus(NODE_EXTERNAL_IP)),
  ];
  const slices = [endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }], [P80])];
  runPacketFlowTests(17, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'the LB IP as its own source: DROP (ipvs: KUBE-IPVS-OUT-FILTER after IPVS at LOCAL_OUT)', src: NODE_EXTERNAL_IP, dst: NODE_EXTERNAL_IP, port: 80, out: 'DROP', reason: REASON_SOURCE_RANGES },
    { name: 'another node address as source: DROP (ipvs: node traffic skips INPUT filters)', src: NODE_IP, dst: NODE_EXTERNAL_IP, port: 80, out: modes('DROP', 'DROP', EP1), masq: modes(false, false, true) },
    { name: 'allowed external source', src: EXTERNAL_CLIENT, dst: NODE_EXTERNAL_IP, port: 80, out: EP1, masq: true },
  ]);
});

describe('18. A service-address match that falls through: iptables continues to KUBE-NODEPORTS, an nftables vmap goto does not', () => {
  const services = [
    // eTP Local externalIP on a node address, no local endpoint, port 3005…
    service('ns1', 'a', { type: 'NodePort', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.41', externalIPs: [NODE_EXTERNAL_IP], ports: [{ name: 'p', port: 3005, protocol: 'TCP', nodePort: 3006 }] }),
    // …and another service's node port 3005.
    service('ns1', 'b', { type: 'NodePort', clusterIP: '172.30.0.42', ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 3005 }] }),
  ];
  const slices = [endpointSlice('ns1', 'a', [{ ip: '10.180.0.1', node: 'node2' }], [{ name: 'p', port: 80 }]), endpointSlice('ns1', 'b', [{ ip: '10.180.9.9', node: 'node2' }], [{ name: 'p', port: 80 }])];
  runPacketFlowTests(18, ALL_MODES, (mode) => makeRules(mode, services, slices, { config: { nodePortAddresses: ['0.0.0.0/0'] } }), [
    { name: 'external to the externalIP:3005', src: EXTERNAL_CLIENT, dst: NODE_EXTERNAL_IP, port: 3005, out: modes('10.180.9.9:80', 'DROP', EP1), masq: modes(true, false, false) },
  ]);
});

describe('19. loadBalancerSourceRanges with externalTrafficPolicy: Local and no local endpoint', () => {
  const services = [
    service('ns1', 'svc1', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.41', ports: [P80_NODE_PORT], loadBalancerSourceRanges: ['203.0.113.0/25'], healthCheckNodePort: 30000 }, lbStatus('6.6.6.6')),
  ];
  const slices = [endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1', node: 'node2' }], [P80])];
  runPacketFlowTests(19, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'allowed source dropped for want of a local endpoint (ipvs: cluster endpoints)', src: EXTERNAL_CLIENT, dst: '6.6.6.6', port: 80, out: modes('DROP', 'DROP', EP1), reason: modes(REASON_NO_LOCAL_ENDPOINTS, REASON_NO_LOCAL_ENDPOINTS, undefined) },
    { name: 'blocked source dropped by the firewall', src: EXTERNAL_CLIENT_BLOCKED, dst: '6.6.6.6', port: 80, out: 'DROP', reason: REASON_SOURCE_RANGES },
  ]);
});

describe('20. ipvs KUBE-NODE-PORT marks any local destination whose port is a TCP/UDP node port (SCTP: node IPs only)', () => {
  const services = [
    service('ns1', 'x', { clusterIP: '172.30.0.50', ports: [{ name: 't', port: 3011, protocol: 'TCP' }, { name: 's', port: 3010, protocol: 'SCTP' }] }),
    service('ns1', 'y', { type: 'NodePort', clusterIP: '172.30.0.51', ports: [{ name: 't', port: 80, protocol: 'TCP', nodePort: 3011 }, { name: 's', port: 81, protocol: 'SCTP', nodePort: 3010 }] }),
  ];
  const slices = [
    endpointSlice('ns1', 'x', [{ ip: '10.180.0.1' }], [{ name: 't', port: 3011, protocol: 'TCP' }, { name: 's', port: 3010, protocol: 'SCTP' }]),
    endpointSlice('ns1', 'y', [{ ip: '10.180.0.2' }], [{ name: 't', port: 80, protocol: 'TCP' }, { name: 's', port: 81, protocol: 'SCTP' }]),
  ];
  runPacketFlowTests(20, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'pod to a ClusterIP on a port that is also a TCP node port', src: POD, dst: '172.30.0.50', port: 3011, out: '10.180.0.1:3011', masq: modes(false, false, true) },
    { name: 'pod to a ClusterIP on a port that is also an SCTP node port', src: POD, dst: '172.30.0.50', port: 3010, proto: 'SCTP', out: '10.180.0.1:3010' },
    { name: 'SCTP node port on the node IP is masqueraded', src: POD, dst: NODE_IP, port: 3010, proto: 'SCTP', out: '10.180.0.2:81', masq: true },
  ]);
});

describe('21. Fields kube-proxy reads only for some service types', () => {
  const services = [
    service('ns1', 'np-local', { type: 'NodePort', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.41', healthCheckNodePort: 30001, ports: [P80_NODE_PORT] }),
    service('ns1', 'lb-cluster', { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', clusterIP: '172.30.0.42', healthCheckNodePort: 30002, ports: [{ ...P80, nodePort: 3002 }] }, lbStatus('7.7.7.1')),
    // type ClusterIP with eTP Local and a recorded LB ingress: ExternalPolicyLocal is false.
    service('ns1', 'cip-local', { type: 'ClusterIP', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.43', ports: [P80] }, lbStatus('7.7.7.3')),
  ];
  const slices = ['np-local', 'lb-cluster', 'cip-local'].map((name) => endpointSlice('ns1', name, [{ ip: '10.180.0.1', node: 'node2' }, { ip: '10.180.2.1', node: TEST_NODE }], [P80]));
  runPacketFlowTests(21, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'healthCheckNodePort of a NodePort service is not a health check port', src: EXTERNAL_CLIENT, dst: NODE_IP, port: 30001, out: '' },
    { name: 'healthCheckNodePort of an eTP Cluster LoadBalancer is not either', src: EXTERNAL_CLIENT, dst: NODE_IP, port: 30002, out: '' },
    { name: 'eTP Local on a ClusterIP-type service is ignored: its LB IP is eTP Cluster', src: EXTERNAL_CLIENT, dst: '7.7.7.3', port: 80, out: BOTH, masq: true },
    { name: 'eTP Local NodePort: local endpoint only', src: EXTERNAL_CLIENT, dst: NODE_IP, port: 3001, out: EP2 },
  ]);
});

describe('22. externalIPs alone make a service externally accessible (eTP Local without a node port)', () => {
  const services = [service('ns1', 'svc1', { type: 'ClusterIP', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.41', externalIPs: ['192.168.99.44'], ports: [P80] })];
  const slices = [endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1', node: 'node2' }, { ip: '10.180.2.1', node: TEST_NODE }], [P80])];
  runPacketFlowTests(22, ALL_MODES, (mode) => makeRules(mode, services, slices), [
    { name: 'external to the externalIP: local endpoint only, client address kept', src: EXTERNAL_CLIENT, dst: '192.168.99.44', port: 80, out: EP2 },
    { name: 'pod to the ClusterIP: every endpoint', src: POD, dst: '172.30.0.41', port: 80, out: BOTH },
  ]);
});
