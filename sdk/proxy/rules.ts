/**
 * kube-proxy's rule semantics as a plain model: for the first packet of a flow, which
 * frontend it hits, which endpoints it may be DNATed to, whether it is masqueraded, or why
 * it is rejected, dropped, accepted or passed — in iptables, nftables or ipvs mode. This is
 * the oracle the wasm core is tested against; selection, affinity state and conntrack
 * belong to the flow layer, which consumes the `RuleDecision`.
 *
 * Each mode is written as the path a packet takes through the hooks that mode programs,
 * in their order, citing kubernetes/kubernetes `pkg/proxy/<mode>/proxier.go`:
 *
 * - iptables: nat KUBE-SERVICES (one rule per service address, then the KUBE-NODEPORTS jump)
 *   DNATs; a packet it leaves alone meets the filter chains: KUBE-FIREWALL (INPUT, OUTPUT),
 *   KUBE-PROXY-FIREWALL (all), KUBE-NODEPORTS health-check ACCEPT (INPUT), KUBE-SERVICES
 *   (FORWARD, OUTPUT: ClusterIP REJECT/DROP) and KUBE-EXTERNAL-SERVICES (INPUT, FORWARD:
 *   external REJECT/DROP).
 * - nftables: `firewall-check` (before DNAT), the `services` chain (`service-ips` vmap, then
 *   `service-nodeports`; a vmap `goto` never comes back), then the filter chains:
 *   input: `nodeport-endpoints-check`, `service-endpoints-check`; forward and output:
 *   `service-endpoints-check`, `cluster-ips-check`.
 * - ipvs: iptables only marks for masquerade; every ClusterIP/externalIP/LB IP is bound on
 *   kube-ipvs0 (local), so remote packets meet filter INPUT (KUBE-IPVS-FILTER,
 *   KUBE-PROXY-FIREWALL, KUBE-NODE-PORT) before IPVS at LOCAL_IN; node-originated packets
 *   meet IPVS at LOCAL_OUT first, then KUBE-IPVS-OUT-FILTER.
 *
 * Hook model: a packet from a node-local address is locally generated (OUTPUT, then INPUT if
 * its destination is local); any other packet is received (INPUT when the destination is
 * local, FORWARD otherwise). Local addresses are the node's addresses, 127.0.0.0/8 and ::1
 * (and in ipvs mode the addresses bound on kube-ipvs0).
 *
 * Where the modes differ (each row is tested in test/proxy/packet-flows.test.ts or rules.test.ts):
 *
 * | case                                  | iptables                 | nftables         | ipvs                                   |
 * |---------------------------------------|--------------------------|------------------|----------------------------------------|
 * | ClusterIP, port no service defines    | PASS                     | REJECT           | REJECT (also bound externalIPs/LB IPs) |
 * | unallocated service-CIDR address      | PASS                     | DROP             | PASS                                   |
 * | NodePort addresses by default         | every local address      | primary node IPs | node addresses, no loopback            |
 * | localhost NodePorts                   | IPv4, masqueraded        | none             | none                                   |
 * | health-check node port                | ACCEPT (TCP)             | PASS (no rule)   | ACCEPT (TCP/UDP/SCTP bitmap:port)      |
 * | Local policy, no local endpoint       | DROP                     | DROP             | cluster endpoints (kk#97081), REJECT if none |
 * | eTP Local, pod or node source         | cluster endpoints        | cluster endpoints| local endpoints, not masqueraded       |
 * | LB source ranges, no endpoints        | REJECT                   | DROP             | DROP                                   |
 * | node → remote external IP, no endpoints | PASS (not in OUTPUT)   | REJECT           | REJECT                                 |
 * | hairpin masquerade                    | every endpoint           | every endpoint   | local endpoints (KUBE-LOOP-BACK)       |
 * | session affinity key                  | service port             | service port     | virtual server (frontend)              |
 *
 * ipvs answers a virtual server without real servers with ICMP port unreachable from the
 * kernel (`ip_vs_leave`), hence REJECT. KUBE-FIREWALL drops only packets that were not
 * DNATed (`! --ctstate RELATED,ESTABLISHED,DNAT`), so a localhost NodePort also answers a
 * non-loopback source; other packets from outside 127.0.0.0/8 to it are dropped.
 *
 * Candidate endpoints are listed in kube-proxy's order: sorted by the `ip:port` text
 * (`net.JoinHostPort`; byte order, so `10.0.0.10:80` sorts before `10.0.0.1:80`), which is
 * the order of the iptables `statistic` rules and the nftables `numgen` vmap.
 *
 * Browser-safe; no IO.
 */
import { formatCIDR, type CIDR } from '../model/ip.js';
import type { EndpointSlice, Protocol, Service } from '../model/types.js';
import type { ProxyConfig } from './config.js';
import type { ServicePortState } from './conntrack.js';
import type { EndpointTarget, FlowTuple, FrontendKind, RuleDecision, Verdict } from './decision.js';
import {
  LOOPBACK_INTERFACE_ADDRESSES,
  anyCIDRHas,
  cidrFamily,
  cidrHas,
  isIPv6LinkLocal,
  isLoopback,
  parseAddress,
  parseCIDROrUndefined,
  type Address,
  type Family,
} from './rules-net.js';
import {
  DEFAULT_SERVICE_CIDRS,
  buildFamilyState,
  frontendKey,
  nodePortKey,
  type AddressFrontend,
  type FamilyStateIndex,
  type ServicePortEntry,
} from './rules-state.js';

export { DEFAULT_AFFINITY_SECONDS, DEFAULT_SERVICE_CIDRS } from './rules-state.js';

// ---------------------------------------------------------------------------- reasons

/** The service port has no usable endpoint anywhere (REJECT). */
export const REASON_NO_ENDPOINTS = 'no endpoints';
/** Local policy and no endpoint on this node (DROP; REJECT in ipvs mode, see `decide`). */
export const REASON_NO_LOCAL_ENDPOINTS = 'no local endpoints';
/** LoadBalancer IP traffic from a source outside `loadBalancerSourceRanges` (DROP). */
export const REASON_SOURCE_RANGES = 'source not in loadBalancerSourceRanges';
/** An allocated service address on a port no service defines (nftables, ipvs: REJECT). */
export const REASON_UNDEFINED_PORT = 'undefined port on a service IP';
/** An address in the service CIDRs that no Service holds (nftables: DROP). */
export const REASON_UNALLOCATED_SERVICE_IP = 'unallocated service IP';
/** Packet to 127.0.0.0/8 from outside it that no rule DNATed (iptables KUBE-FIREWALL: DROP). */
export const REASON_LOCALNET = 'non-loopback source to 127.0.0.0/8';
/** The health-check node port of an eTP Local LoadBalancer service (ACCEPT). */
export const REASON_HEALTH_CHECK = 'health check node port';
/** Nothing of kube-proxy's matched (PASS). */
export const REASON_NO_MATCH = 'no matching rule';
/** The tuple's addresses are not valid addresses of its family (PASS). */
export const REASON_INVALID_TUPLE = 'invalid flow tuple';

export const RULE_REASONS: readonly string[] = [
  REASON_NO_ENDPOINTS,
  REASON_NO_LOCAL_ENDPOINTS,
  REASON_SOURCE_RANGES,
  REASON_UNDEFINED_PORT,
  REASON_UNALLOCATED_SERVICE_IP,
  REASON_LOCALNET,
  REASON_HEALTH_CHECK,
  REASON_NO_MATCH,
  REASON_INVALID_TUPLE,
];

// ---------------------------------------------------------------------------- public types

/** This node, as kube-proxy sees it. */
export interface NodeView {
  name: string;
  /** The node's addresses, primary first per family. Loopback addresses are always local. */
  addresses: string[];
  /** `topology.kubernetes.io/zone` label. */
  zone?: string;
  /** `spec.podCIDRs` (used by `detectLocalMode: NodeCIDR`, and as the bridge's pods for the interface modes). */
  podCIDRs?: string[];
}

export interface KubeProxyRulesOptions {
  node: NodeView;
  config: ProxyConfig;
}

/** A UDP frontend for conntrack cleanup (proxy.md §9; pkg/proxy/conntrack/cleanup.go). */
export interface UDPFrontend {
  /** The service address; absent for node ports. */
  ip?: string;
  /** The service port, or the node port. */
  port: number;
  nodePort: boolean;
  /** IPs of the service port's serving endpoints (any node, any topology), sorted. */
  servingEndpointIPs: string[];
}

/** One Service's change for `KubeProxyRules.updateServices`. */
export interface ServiceUpdate {
  /** `namespace/name`. */
  key: string;
  /** The Service now; absent when it was deleted. */
  service?: Service;
  /** Its EndpointSlices now (`kubernetes.io/service-name` = its name, same namespace). */
  slices: readonly EndpointSlice[];
}

/** `KubeProxyRules.sourceClassification` of one family. */
export interface FamilySourceClassification {
  /** The node's addresses of the family (canonical text); with loopback, the `srcLocal` sources. */
  nodeAddresses: string[];
  /** The local-traffic detector's CIDRs (`a.b.c.d/n`); empty when the family has no detector. */
  podCIDRs: string[];
  /** `decide` reads every source of the family exactly (see `readsExactSource`). */
  exactSource: boolean;
}

export type SourceClassification = Record<Family, FamilySourceClassification>;

// ---------------------------------------------------------------------------- per-family setup

/** kube-proxy's LocalTrafficDetector for one family (cmd/kube-proxy/app/server_linux.go getLocalDetectors). */
interface LocalDetector {
  readonly implemented: boolean;
  /** A source in one of these is "local" (a pod): `-s <cidr>` / `ip saddr <cidr>`. */
  readonly podCIDRs: readonly CIDR[];
}

/** The node addresses that accept NodePort traffic in one family. */
interface NodePortAddressing {
  /** `nodePortAddresses` has no CIDR of this family, or holds the zero CIDR (`NodePortAddresses.MatchAll`). */
  readonly matchAll: boolean;
  /** `GetNodeIPs`: local interface addresses inside the CIDRs (loopback included) when not matchAll. */
  readonly nodeIPs: readonly Address[];
  /** Some CIDR is loopback or holds 127.0.0.0 (`ContainsIPv4Loopback`); IPv4 only. */
  readonly containsIPv4Loopback: boolean;
}

interface FamilyContext {
  readonly state: FamilyStateIndex;
  readonly detector: LocalDetector;
  readonly nodePorts: NodePortAddressing;
  /** The family's primary node IP (`proxier.nodeIP`), for the source-range node rule. */
  readonly primaryIP?: Address;
  /** iptables: localhost NodePorts and KUBE-FIREWALL are on (IPv4, flag on, loopback in nodePortAddresses). */
  readonly localhostNodePorts: boolean;
  /**
   * ipvs: addresses bound on kube-ipvs0 (syncService: ClusterIPs always; externalIPs and LB IPs
   * unless a node address has them); no address outside ipvs mode. Reads the live state.
   */
  readonly boundVIPs: { has(ip: string): boolean };
  /** ipvs: node IPs that carry NodePort virtual servers (no loopback, no IPv6 link-local). */
  readonly ipvsNodeIPs: ReadonlySet<string>;
}

/** A packet with parsed, canonical addresses and where it comes from / goes to. */
interface Packet {
  readonly protocol: Protocol;
  readonly src: Address;
  readonly dst: Address;
  readonly dstPort: number;
  /** Source is a node or loopback address (locally generated: OUTPUT hook; `addrtype --src-type LOCAL`). */
  readonly srcLocal: boolean;
  /** Destination is a node or loopback address (INPUT hook; `addrtype --dst-type LOCAL`); ipvs adds its bound VIPs. */
  readonly dstLocal: boolean;
}

/** Generations `destinationsChangedSince` can answer for. */
const CHANGE_LOG_LENGTH = 64;

const IPV4_ZERO_CIDR = '0.0.0.0/0';
const IPV6_ZERO_CIDR = '::/0';
const IPV4_LOOPBACK_START = parseAddress('127.0.0.0') as Address;

// ---------------------------------------------------------------------------- the model

export class KubeProxyRules {
  private readonly node: NodeView;
  private readonly config: ProxyConfig;
  private readonly nodeAddresses: readonly Address[];
  /** Canonical texts of `nodeAddresses`. */
  private readonly nodeAddressTexts: ReadonlySet<string>;
  private families: Record<Family, FamilyContext>;
  private stateGeneration = 0;
  /**
   * What each recent generation changed: the destination addresses whose decisions may
   * differ, or undefined for anything (`destinationsChangedSince`).
   */
  private changeLog: { generation: number; destinations: readonly string[] | undefined }[] = [];

  constructor(options: KubeProxyRulesOptions) {
    this.node = options.node;
    this.config = options.config;
    const addresses: Address[] = [];
    for (const text of options.node.addresses) {
      const address = parseAddress(text);
      if (address && !addresses.some((a) => a.text === address.text)) addresses.push(address);
    }
    this.nodeAddresses = addresses;
    this.nodeAddressTexts = new Set(addresses.map((a) => a.text));
    this.families = { 4: this.context(4, [], [], DEFAULT_SERVICE_CIDRS), 6: this.context(6, [], [], DEFAULT_SERVICE_CIDRS) };
  }

  /**
   * Replaces the state (kube-proxy watches Services and EndpointSlices only).
   * `serviceCIDRs`: the ranges of the ServiceCIDR objects; default `10.96.0.0/12`.
   */
  setState(services: readonly Service[], slices: readonly EndpointSlice[], serviceCIDRs: readonly string[] = DEFAULT_SERVICE_CIDRS): void {
    this.logChange(undefined);
    this.families = { 4: this.context(4, services, slices, serviceCIDRs), 6: this.context(6, services, slices, serviceCIDRs) };
  }

  /**
   * Replaces the Services named in `updates` (`namespace/name`; `service` absent: deleted) with
   * their EndpointSlices — kube-proxy's change trackers: the cost is the changed Services'.
   */
  updateServices(updates: readonly ServiceUpdate[]): void {
    if (updates.length === 0) return;
    // A Service's ports decide packets to its frontend addresses, old and new — unless node
    // ports are involved (they answer on every local address) or a family keys decisions on
    // exact sources (ipvs compares sources with ClusterIPs): then anything may change.
    let destinations: Set<string> | undefined = new Set<string>();
    const note = (entries: readonly ServicePortEntry[]): void => {
      for (const e of entries) {
        if (e.nodePort !== 0 || e.healthCheckNodePort !== 0) destinations = undefined;
        destinations?.add(e.clusterIP);
        for (const ip of e.externalIPs) destinations?.add(ip);
        for (const ip of e.loadBalancerIPs) destinations?.add(ip);
      }
    };
    for (const family of [4, 6] as const) {
      const ctx = this.families[family];
      if (this.readsEverySource(ctx)) destinations = undefined;
      for (const u of updates) {
        note(ctx.state.entriesOf(u.key));
        ctx.state.replaceService(u.key, u.service, u.slices);
        note(ctx.state.entriesOf(u.key));
      }
    }
    this.logChange(destinations === undefined ? undefined : [...destinations]);
  }

  /**
   * The destination addresses whose decisions may have changed since `generation`, or
   * undefined when any may have (or the generation is too old to tell).
   */
  destinationsChangedSince(generation: number): readonly string[] | undefined {
    if (generation === this.stateGeneration) return [];
    const first = this.changeLog.findIndex((c) => c.generation === generation + 1);
    if (first < 0) return undefined;
    const out = new Set<string>();
    for (const change of this.changeLog.slice(first)) {
      if (change.destinations === undefined) return undefined;
      for (const d of change.destinations) out.add(d);
    }
    return [...out];
  }

  private logChange(destinations: readonly string[] | undefined): void {
    this.stateGeneration++;
    this.changeLog.push({ generation: this.stateGeneration, destinations });
    if (this.changeLog.length > CHANGE_LOG_LENGTH) this.changeLog.splice(0, this.changeLog.length - CHANGE_LOG_LENGTH);
  }

  /** Replaces the service ranges (the ranges of the ServiceCIDR objects). */
  setServiceCIDRs(serviceCIDRs: readonly string[]): void {
    this.logChange(undefined);
    for (const family of [4, 6] as const) this.families[family].state.setServiceCIDRs(serviceCIDRs);
  }

  /** Whether a service port of either family has this frontend address and port, or this node port (IPVS keeps the virtual server). */
  hasFrontend(protocol: Protocol, ip: string, port: number): boolean {
    for (const family of [4, 6] as const) {
      const state = this.families[family].state;
      if (state.addressFrontends.has(frontendKey(ip, protocol, port)) || state.nodePorts.has(nodePortKey(protocol, port))) return true;
    }
    return false;
  }

  /** `servicePortStates` of the Services named (`namespace/name`), both families. */
  servicePortStatesOf(keys: Iterable<string>): ServicePortState[] {
    const out: ServicePortState[] = [];
    for (const key of keys) {
      for (const family of [4, 6] as const) {
        for (const entry of this.families[family].state.entriesOf(key)) out.push(servicePortState(entry, family));
      }
    }
    return out;
  }

  /** Counts state changes: a decision made under one generation may not hold under the next. */
  get generation(): number {
    return this.stateGeneration;
  }

  /** Decision for the first packet of a flow. */
  decide(packet: FlowTuple): RuleDecision {
    const src = parseAddress(packet.srcIP);
    const dst = parseAddress(packet.dstIP);
    if (!src || !dst || src.family !== packet.family || dst.family !== packet.family) return pass(REASON_INVALID_TUPLE);
    const p: Packet = {
      protocol: packet.protocol,
      src,
      dst,
      dstPort: packet.dstPort,
      srcLocal: this.isNodeLocal(src),
      dstLocal: this.isNodeLocal(dst),
    };
    const ctx = this.families[packet.family];
    switch (this.config.mode) {
      case 'iptables':
        return this.decideIptables(ctx, p);
      case 'nftables':
        return this.decideNftables(ctx, p);
      case 'ipvs':
        return this.decideIpvs(ctx, p);
    }
  }

  /**
   * What `decide` reads of a packet's source, per family — the key of the core's decision
   * cache (sdk/engine/decisions.ts): whether the source is a node address or loopback
   * (`srcLocal`), whether it is loopback, and whether the local-traffic detector calls it a
   * pod. Apart from these, `decide` reads the source itself only where `readsExactSource`
   * says so, and never the source port.
   */
  sourceClassification(): SourceClassification {
    const family = (f: Family): FamilySourceClassification => {
      const ctx = this.families[f];
      return {
        nodeAddresses: this.nodeAddresses.filter((a) => a.family === f).map((a) => a.text),
        podCIDRs: ctx.detector.implemented ? ctx.detector.podCIDRs.map(formatCIDR) : [],
        exactSource: this.readsEverySource(ctx),
      };
    };
    return { 4: family(4), 6: family(6) };
  }

  /** ipvsMasquerade compares every source with the ClusterIP frontends when the family has neither masqueradeAll nor a detector. */
  private readsEverySource(ctx: FamilyContext): boolean {
    return this.config.mode === 'ipvs' && !this.config.masqueradeAll && !ctx.detector.implemented;
  }

  /**
   * Whether `decide(packet)` reads the source address beyond `sourceClassification`: the
   * destination is a LoadBalancer frontend with `loadBalancerSourceRanges` (the firewall
   * compares the source with the ranges and with the LB IPs), or the family's
   * `exactSource` holds. Invalid tuples: false (they PASS whatever the source).
   */
  readsExactSource(packet: FlowTuple): boolean {
    const dst = parseAddress(packet.dstIP);
    if (!dst || dst.family !== packet.family) return false;
    const ctx = this.families[packet.family];
    if (this.readsEverySource(ctx)) return true;
    const hit = ctx.state.addressFrontends.get(frontendKey(dst.text, packet.protocol, packet.dstPort));
    return hit !== undefined && hit.kind === 'LoadBalancer' && hit.entry.sourceRanges.length > 0;
  }

  /**
   * UDP service frontends and UDP node ports with their serving endpoint IPs, both families
   * (spec §9). Upstream matches conntrack entries on the original destination IP alone for
   * service addresses and on the destination port alone for node ports; `port` of an
   * address frontend is the service port, for callers that want the narrower key.
   */
  udpFrontends(): UDPFrontend[] {
    const out: UDPFrontend[] = [];
    for (const family of [4, 6] as const) {
      for (const entry of this.families[family].state.entries) {
        if (entry.protocol !== 'UDP') continue;
        const servingEndpointIPs = [...entry.servingEndpointIPs];
        for (const ip of [entry.clusterIP, ...entry.externalIPs, ...entry.loadBalancerIPs]) {
          out.push({ ip, port: entry.port, nodePort: false, servingEndpointIPs: [...servingEndpointIPs] });
        }
        if (entry.nodePort !== 0) out.push({ port: entry.nodePort, nodePort: true, servingEndpointIPs: [...servingEndpointIPs] });
      }
    }
    return out;
  }

  /**
   * Every service port of both families as the flow layer's `endpointsChanged` takes them
   * (sdk/proxy/conntrack.ts `ServicePortState`): frontend IPs, port, node port, and every
   * endpoint with its serving condition.
   */
  servicePortStates(): ServicePortState[] {
    const out: ServicePortState[] = [];
    for (const family of [4, 6] as const) {
      for (const entry of this.families[family].state.entries) out.push(servicePortState(entry, family));
    }
    return out;
  }

  // -------------------------------------------------------------------------- setup

  private context(family: Family, services: readonly Service[], slices: readonly EndpointSlice[], serviceCIDRs: readonly string[]): FamilyContext {
    const state = buildFamilyState(family, services, slices, serviceCIDRs, { name: this.node.name, ...(this.node.zone ? { zone: this.node.zone } : {}) });
    const nodeAddresses = this.nodeAddresses.filter((a) => a.family === family);
    const nodePorts = this.nodePortAddressing(family);
    const nodeAddressTexts = new Set(nodeAddresses.map((a) => a.text));
    const ipvs = this.config.mode === 'ipvs';
    const boundVIPs = { has: (ip: string): boolean => ipvs && (state.clusterIPs.has(ip) || (state.externalFrontendIPs.has(ip) && !nodeAddressTexts.has(ip))) };
    // ipvs syncProxyRules: MatchAll = every node address but loopback and IPv6 link-local
    // (isValidForSet); otherwise GetNodeIPs without loopback.
    const ipvsNodeIPs = new Set<string>(
      (nodePorts.matchAll ? nodeAddresses : nodePorts.nodeIPs).filter((a) => !isLoopback(a) && !isIPv6LinkLocal(a)).map((a) => a.text),
    );
    const localhostNodePorts = this.config.mode === 'iptables' && this.config.localhostNodePorts && family === 4 && nodePorts.containsIPv4Loopback;
    const primaryIP = nodeAddresses[0];
    return {
      state,
      detector: this.localDetector(family),
      nodePorts,
      ...(primaryIP ? { primaryIP } : {}),
      localhostNodePorts,
      boundVIPs,
      ipvsNodeIPs,
    };
  }

  /** getLocalDetectors: the family's first clusterCIDR / node podCIDR, or the interface modes. */
  private localDetector(family: Family): LocalDetector {
    const ofFamily = (texts: readonly string[]): CIDR[] =>
      texts.map((t) => parseCIDROrUndefined(t.trim())).filter((c): c is CIDR => c !== undefined && cidrFamily(c) === family);
    const podCIDRs = ofFamily(this.node.podCIDRs ?? []);
    switch (this.config.detectLocalMode) {
      case 'ClusterCIDR': {
        const first = ofFamily(this.config.clusterCIDRs)[0];
        return first ? { implemented: true, podCIDRs: [first] } : { implemented: false, podCIDRs: [] };
      }
      case 'NodeCIDR': {
        const first = podCIDRs[0];
        return first ? { implemented: true, podCIDRs: [first] } : { implemented: false, podCIDRs: [] };
      }
      case 'BridgeInterface':
      case 'InterfaceNamePrefix':
        // `-i <bridge>` / `-i <prefix>+`: a tuple has no interface, so packets from this
        // node's pod CIDRs stand for packets arriving on the pod interfaces.
        return { implemented: true, podCIDRs };
    }
  }

  /**
   * proxyutil.NewNodePortAddresses for one family, after server.go turned `primary` into the
   * node's primary IPs (/32, /128; a family without one ends up matching all).
   */
  private nodePortAddressing(family: Family): NodePortAddressing {
    const setting = this.config.nodePortAddresses;
    let texts: string[];
    if (setting.kind === 'all') texts = [];
    else if (setting.kind === 'primary') {
      texts = [];
      for (const f of [4, 6] as const) {
        const primary = this.nodeAddresses.find((a) => a.family === f);
        if (primary && !isLoopback(primary)) texts.push(`${primary.text}/${f === 4 ? 32 : 128}`);
      }
    } else texts = [...setting.cidrs];

    const ofFamily = texts.filter((t) => {
      const cidr = parseCIDROrUndefined(t);
      return cidr !== undefined && cidrFamily(cidr) === family;
    });
    if (ofFamily.length === 0) ofFamily.push(family === 4 ? IPV4_ZERO_CIDR : IPV6_ZERO_CIDR);
    const cidrs: CIDR[] = [];
    let matchAll = false;
    let containsIPv4Loopback = false;
    for (const text of ofFamily) {
      const cidr = parseCIDROrUndefined(text) as CIDR;
      // `cidr.IP.IsLoopback() || cidr.Contains(127.0.0.0)`; cidr.IP is the network address.
      if (cidr.family === 'IPv4' && (cidr.address >>> 24 === 127 || cidrHas(cidr, IPV4_LOOPBACK_START))) containsIPv4Loopback = true;
      if (text === IPV4_ZERO_CIDR || text === IPV6_ZERO_CIDR) {
        matchAll = true;
        break;
      }
      cidrs.push(cidr);
    }
    const interfaceAddresses = [...this.nodeAddresses, ...LOOPBACK_INTERFACE_ADDRESSES].filter((a) => a.family === family);
    const nodeIPs = matchAll ? [] : interfaceAddresses.filter((a) => anyCIDRHas(cidrs, a));
    return { matchAll, nodeIPs, containsIPv4Loopback };
  }

  private isNodeLocal(address: Address): boolean {
    return isLoopback(address) || this.nodeAddressTexts.has(address.text);
  }

  // -------------------------------------------------------------------------- shared chains

  /** The local-traffic detector's `IfLocal`: the source is a pod. */
  private isPodSource(ctx: FamilyContext, p: Packet): boolean {
    return ctx.detector.implemented && anyCIDRHas(ctx.detector.podCIDRs, p.src);
  }

  /**
   * ClusterIP traffic (iptables/nftables internal chain, KUBE-SVC/KUBE-SVL): masquerade with
   * masqueradeAll, else off-cluster sources when a detector exists, else never.
   */
  private internalTraffic(ctx: FamilyContext, entry: ServicePortEntry, p: Packet): RuleDecision | undefined {
    const endpoints = entry.internalPolicyLocal ? entry.localEndpoints : entry.clusterEndpoints;
    const masquerade = this.config.masqueradeAll || (ctx.detector.implemented && !this.isPodSource(ctx, p));
    return dnat(entry, 'ClusterIP', endpoints, masquerade);
  }

  /**
   * The external chain (KUBE-EXT / `external-…`) of NodePort, externalIP and LB traffic.
   * eTP Cluster: masquerade, cluster endpoints. eTP Local: pods short-circuit to the cluster
   * endpoints unmasqueraded (only with a detector); node-local sources are masqueraded and
   * sent to the cluster endpoints; the rest go to the local endpoints unmasqueraded, or fall
   * through (undefined) when there are none.
   */
  private externalTraffic(ctx: FamilyContext, entry: ServicePortEntry, kind: FrontendKind, p: Packet): RuleDecision | undefined {
    if (!entry.externalPolicyLocal) return dnat(entry, kind, entry.clusterEndpoints, true);
    if (this.isPodSource(ctx, p)) return dnat(entry, kind, entry.clusterEndpoints, false);
    if (p.srcLocal) return dnat(entry, kind, entry.clusterEndpoints, true);
    return dnat(entry, kind, entry.localEndpoints, false);
  }

  /**
   * loadBalancerSourceRanges: the source is in a range, or one range holds the node's
   * primary IP and the source is one of the LB IPs allowed with it (iptables/nftables: any of
   * the service port's LB IPs; ipvs: the destination LB IP itself).
   */
  private sourceAllowed(ctx: FamilyContext, entry: ServicePortEntry, p: Packet, lbSourceIPs: readonly string[]): boolean {
    if (anyCIDRHas(entry.sourceRanges, p.src)) return true;
    const primary = ctx.primaryIP;
    const allowFromNode = primary !== undefined && anyCIDRHas(entry.sourceRanges, primary);
    return allowFromNode && lbSourceIPs.includes(p.src.text);
  }

  private noEndpointVerdict(entry: ServicePortEntry, kind: FrontendKind): RuleDecision {
    return entry.hasEndpoints ? block('DROP', REASON_NO_LOCAL_ENDPOINTS, entry, kind) : block('REJECT', REASON_NO_ENDPOINTS, entry, kind);
  }

  /** The hooks a non-DNATed packet passes, in order (see the module comment). */
  private hooks(p: Packet, dstLocal: boolean): ('OUTPUT' | 'INPUT' | 'FORWARD')[] {
    if (p.srcLocal) return dstLocal ? ['OUTPUT', 'INPUT'] : ['OUTPUT'];
    return dstLocal ? ['INPUT'] : ['FORWARD'];
  }

  /**
   * The filter chains a non-DNATed packet meets, hook by hook (`chainsOf` lists one hook's
   * chains in rule order): the first verdict, or PASS when none has one.
   */
  private firstFilterVerdict(p: Packet, chainsOf: (hook: 'OUTPUT' | 'INPUT' | 'FORWARD') => (() => RuleDecision | undefined)[]): RuleDecision {
    for (const hook of this.hooks(p, p.dstLocal)) {
      for (const chain of chainsOf(hook)) {
        const decision = chain();
        if (decision) return decision;
      }
    }
    return pass(REASON_NO_MATCH);
  }

  /**
   * The node-port rule (iptables KUBE-NODEPORTS, nftables `nodeports` → `service-nodeports`
   * vmap): external traffic to the node port's service port, when it has endpoints.
   */
  private nodePortTraffic(ctx: FamilyContext, p: Packet): RuleDecision | undefined {
    const entry = ctx.state.nodePorts.get(nodePortKey(p.protocol, p.dstPort));
    return entry && entry.hasEndpoints ? this.externalTraffic(ctx, entry, 'NodePort', p) : undefined;
  }

  // -------------------------------------------------------------------------- iptables

  /** pkg/proxy/iptables/proxier.go syncProxyRules. */
  private decideIptables(ctx: FamilyContext, p: Packet): RuleDecision {
    const state = ctx.state;
    const hit = state.addressFrontends.get(frontendKey(p.dst.text, p.protocol, p.dstPort));

    // nat KUBE-SERVICES: the service-address rule, which may return without a DNAT…
    if (hit) {
      const { entry, kind } = hit;
      let decision: RuleDecision | undefined;
      if (kind === 'ClusterIP') {
        if (hasInternalEndpoints(entry)) decision = this.internalTraffic(ctx, entry, p);
      } else if (entry.hasEndpoints) {
        // KUBE-FW-…: only allowed sources reach KUBE-EXT; the rest leave the chain un-DNATed.
        const firewalled = kind === 'LoadBalancer' && entry.sourceRanges.length > 0 && !this.sourceAllowed(ctx, entry, p, entry.loadBalancerIPs);
        if (!firewalled) decision = this.externalTraffic(ctx, entry, kind, p);
      }
      if (decision) return decision;
    }
    // …then the last rule: KUBE-NODEPORTS for the addresses nodePortAddresses accepts.
    if (this.iptablesNodePortDestination(ctx, p)) {
      const decision = this.nodePortTraffic(ctx, p);
      if (decision) return decision;
    }

    // filter: the packet still has its original destination.
    return this.firstFilterVerdict(p, (hook) =>
      hook === 'OUTPUT'
        ? [() => this.iptablesKubeFirewall(ctx, p), () => this.iptablesProxyFirewall(ctx, hit, p), () => this.iptablesFilterServices(hit)]
        : hook === 'INPUT'
          ? [
              () => this.iptablesKubeFirewall(ctx, p),
              () => this.iptablesProxyFirewall(ctx, hit, p),
              () => this.iptablesHealthCheck(ctx, p),
              () => this.iptablesExternalServices(ctx, hit, p),
            ]
          : [() => this.iptablesProxyFirewall(ctx, hit, p), () => this.iptablesFilterServices(hit), () => this.iptablesExternalServices(ctx, hit, p)],
    );
  }

  /**
   * The KUBE-NODEPORTS jump: nodePortAddresses empty → `--dst-type LOCAL` minus 127.0.0.0/8
   * without localhost NodePorts and minus ::1; else `-d <ip>` per GetNodeIPs address
   * (loopback ones only for IPv4 with localhost NodePorts).
   */
  private iptablesNodePortDestination(ctx: FamilyContext, p: Packet): boolean {
    const loopbackOK = p.dst.family === 4 && ctx.localhostNodePorts;
    if (ctx.nodePorts.matchAll) return p.dstLocal && (!isLoopback(p.dst) || loopbackOK);
    return ctx.nodePorts.nodeIPs.some((a) => a.text === p.dst.text && (!isLoopback(a) || loopbackOK));
  }

  /**
   * KUBE-FIREWALL (with localhost NodePorts, IPv4): `-d 127.0.0.0/8 ! -s 127.0.0.0/8
   * ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP` (CVE-2020-8558). A localhost NodePort
   * packet that was DNATed is not dropped by it, whatever its source.
   */
  private iptablesKubeFirewall(ctx: FamilyContext, p: Packet): RuleDecision | undefined {
    if (!ctx.localhostNodePorts || !isLoopback(p.dst) || isLoopback(p.src)) return undefined;
    return block('DROP', REASON_LOCALNET);
  }

  /** KUBE-PROXY-FIREWALL: `-d <lbip> --dport <port> -j DROP` for LB IPs with source ranges (and endpoints). */
  private iptablesProxyFirewall(ctx: FamilyContext, hit: AddressFrontend | undefined, p: Packet): RuleDecision | undefined {
    if (!hit || hit.kind !== 'LoadBalancer' || !hit.entry.hasEndpoints || hit.entry.sourceRanges.length === 0) return undefined;
    // Allowed sources reach here only when the EXT chain had nothing for them (eTP Local).
    const reason = this.sourceAllowed(ctx, hit.entry, p, hit.entry.loadBalancerIPs) ? REASON_NO_LOCAL_ENDPOINTS : REASON_SOURCE_RANGES;
    return block('DROP', reason, hit.entry, 'LoadBalancer');
  }

  /** filter KUBE-NODEPORTS: `-p tcp --dport <healthCheckNodePort> -j ACCEPT`. */
  private iptablesHealthCheck(ctx: FamilyContext, p: Packet): RuleDecision | undefined {
    if (p.protocol !== 'TCP' || !ctx.state.healthCheckNodePorts.has(p.dstPort)) return undefined;
    return accept(ctx, p.dstPort);
  }

  /** filter KUBE-SERVICES: ClusterIP REJECT (no endpoints) or DROP (iTP Local, none here). */
  private iptablesFilterServices(hit: AddressFrontend | undefined): RuleDecision | undefined {
    if (!hit || hit.kind !== 'ClusterIP' || hasInternalEndpoints(hit.entry)) return undefined;
    return this.noEndpointVerdict(hit.entry, 'ClusterIP');
  }

  /**
   * KUBE-EXTERNAL-SERVICES: externalIP/LB REJECT or DROP, and NodePort REJECT or DROP on any
   * `--dst-type LOCAL` destination (not limited by nodePortAddresses).
   */
  private iptablesExternalServices(ctx: FamilyContext, hit: AddressFrontend | undefined, p: Packet): RuleDecision | undefined {
    if (hit && hit.kind !== 'ClusterIP' && !hasExternalEndpoints(hit.entry)) return this.noEndpointVerdict(hit.entry, hit.kind);
    if (!p.dstLocal) return undefined;
    const entry = ctx.state.nodePorts.get(nodePortKey(p.protocol, p.dstPort));
    if (entry && !hasExternalEndpoints(entry)) return this.noEndpointVerdict(entry, 'NodePort');
    return undefined;
  }

  // -------------------------------------------------------------------------- nftables

  /** pkg/proxy/nftables/proxier.go syncProxyRules / setupNFTables. */
  private decideNftables(ctx: FamilyContext, p: Packet): RuleDecision {
    const state = ctx.state;
    const hit = state.addressFrontends.get(frontendKey(p.dst.text, p.protocol, p.dstPort));

    // firewall-check (priority dstnat-10, before DNAT): `firewall-ips` has every LB IP with
    // source ranges, whether or not the service has endpoints.
    if (hit && hit.kind === 'LoadBalancer' && hit.entry.sourceRanges.length > 0 && !this.sourceAllowed(ctx, hit.entry, p, hit.entry.loadBalancerIPs)) {
      return block('DROP', REASON_SOURCE_RANGES, hit.entry, 'LoadBalancer');
    }

    // services: `service-ips` vmap (element present only with endpoints); a hit is a goto, so
    // the nodeport rule after it is not reached.
    const serviceIPPresent = hit !== undefined && (hit.kind === 'ClusterIP' ? hasInternalEndpoints(hit.entry) : hit.entry.hasEndpoints);
    if (hit && serviceIPPresent) {
      const decision = hit.kind === 'ClusterIP' ? this.internalTraffic(ctx, hit.entry, p) : this.externalTraffic(ctx, hit.entry, hit.kind, p);
      if (decision) return decision;
    } else if (this.nftablesNodePortDestination(ctx, p)) {
      const decision = this.nodePortTraffic(ctx, p);
      if (decision) return decision;
    }

    return this.firstFilterVerdict(p, (hook) =>
      hook === 'INPUT'
        ? [() => this.nftablesNodePortEndpointsCheck(ctx, p), () => this.nftablesServiceEndpointsCheck(hit)]
        : [() => this.nftablesServiceEndpointsCheck(hit), () => this.nftablesClusterIPsCheck(ctx, p)],
    );
  }

  /**
   * `nodeport-ips`: matchAll → `fib daddr type local` and not loopback; else the GetNodeIPs
   * addresses without loopback (nftables has no localhost NodePorts).
   */
  private nftablesNodePortDestination(ctx: FamilyContext, p: Packet): boolean {
    if (isLoopback(p.dst)) return false;
    if (ctx.nodePorts.matchAll) return p.dstLocal;
    return ctx.nodePorts.nodeIPs.some((a) => a.text === p.dst.text);
  }

  /** `no-endpoint-services`: ClusterIP/externalIP/LB elements → reject or drop. */
  private nftablesServiceEndpointsCheck(hit: AddressFrontend | undefined): RuleDecision | undefined {
    if (!hit) return undefined;
    const usable = hit.kind === 'ClusterIP' ? hasInternalEndpoints(hit.entry) : hasExternalEndpoints(hit.entry);
    return usable ? undefined : this.noEndpointVerdict(hit.entry, hit.kind);
  }

  /** `no-endpoint-nodeports`, for destinations in `nodeport-ips`. */
  private nftablesNodePortEndpointsCheck(ctx: FamilyContext, p: Packet): RuleDecision | undefined {
    if (!this.nftablesNodePortDestination(ctx, p)) return undefined;
    const entry = ctx.state.nodePorts.get(nodePortKey(p.protocol, p.dstPort));
    if (!entry || hasExternalEndpoints(entry)) return undefined;
    return this.noEndpointVerdict(entry, 'NodePort');
  }

  /** `cluster-ips-check`: reject an allocated ClusterIP's other ports; drop the rest of the service CIDRs. */
  private nftablesClusterIPsCheck(ctx: FamilyContext, p: Packet): RuleDecision | undefined {
    if (ctx.state.clusterIPs.has(p.dst.text)) return block('REJECT', REASON_UNDEFINED_PORT);
    if (anyCIDRHas(ctx.state.serviceCIDRs, p.dst)) return block('DROP', REASON_UNALLOCATED_SERVICE_IP);
    return undefined;
  }

  // -------------------------------------------------------------------------- ipvs

  /** pkg/proxy/ipvs/proxier.go syncProxyRules, writeIptablesRules, syncEndpoint. */
  private decideIpvs(ctx: FamilyContext, p: Packet): RuleDecision {
    const state = ctx.state;
    const addressHit = state.addressFrontends.get(frontendKey(p.dst.text, p.protocol, p.dstPort));
    let virtualServer: { entry: ServicePortEntry; kind: FrontendKind } | undefined = addressHit;
    if (!virtualServer && ctx.ipvsNodeIPs.has(p.dst.text)) {
      const entry = state.nodePorts.get(nodePortKey(p.protocol, p.dstPort));
      if (entry) virtualServer = { entry, kind: 'NodePort' };
    }
    const dstLocal = p.dstLocal || ctx.boundVIPs.has(p.dst.text);

    if (p.srcLocal && virtualServer) {
      // IPVS at LOCAL_OUT, then filter OUTPUT KUBE-IPVS-OUT-FILTER: an LB IP source to its
      // own virtual server is dropped when no source range holds the node IP (kk#119656).
      const decision = this.ipvsVirtualServer(ctx, virtualServer.entry, virtualServer.kind, p);
      if (decision.verdict === 'DNAT' && virtualServer.kind === 'LoadBalancer' && this.ipvsNoNodeAccess(ctx, virtualServer.entry, p)) {
        return block('DROP', REASON_SOURCE_RANGES, virtualServer.entry, 'LoadBalancer');
      }
      return decision;
    }
    // Nothing of ipvs mode filters or translates a packet that is not for a local address.
    if (!dstLocal) return pass(REASON_NO_MATCH);

    // filter INPUT: KUBE-IPVS-FILTER, KUBE-PROXY-FIREWALL, KUBE-NODE-PORT.
    if (ctx.boundVIPs.has(p.dst.text) && !addressHit && !state.healthCheckNodePorts.has(p.dstPort)) {
      return block('REJECT', REASON_UNDEFINED_PORT);
    }
    if (addressHit && addressHit.kind === 'LoadBalancer' && addressHit.entry.sourceRanges.length > 0 && !this.sourceAllowed(ctx, addressHit.entry, p, [p.dst.text])) {
      return block('DROP', REASON_SOURCE_RANGES, addressHit.entry, 'LoadBalancer');
    }
    const accepted = state.healthCheckNodePorts.has(p.dstPort);
    // IPVS at LOCAL_IN.
    if (virtualServer) return this.ipvsVirtualServer(ctx, virtualServer.entry, virtualServer.kind, p);
    if (accepted) return accept(ctx, p.dstPort);
    return pass(REASON_NO_MATCH);
  }

  /**
   * One virtual server. syncEndpoint: policy Local uses the local endpoints, or the cluster
   * endpoints when there are none (kk#97081, also for internalTrafficPolicy); no real server
   * → the kernel answers ICMP port unreachable (ip_vs_leave), i.e. REJECT.
   */
  private ipvsVirtualServer(ctx: FamilyContext, entry: ServicePortEntry, kind: FrontendKind, p: Packet): RuleDecision {
    const onlyLocal = kind === 'ClusterIP' ? entry.internalPolicyLocal : entry.externalPolicyLocal;
    const local = entry.localEndpoints ?? [];
    const endpoints = onlyLocal && local.length > 0 ? local : entry.clusterEndpoints ?? [];
    if (endpoints.length === 0) return entry.hasEndpoints ? block('REJECT', REASON_NO_LOCAL_ENDPOINTS, entry, kind) : block('REJECT', REASON_NO_ENDPOINTS, entry, kind);
    const decision = dnat(entry, kind, endpoints, this.ipvsMasquerade(ctx, p)) as RuleDecision;
    decision.hairpinLocalOnly = true;
    if (decision.affinity) decision.affinity.scope = 'frontend';
    return decision;
  }

  /**
   * nat KUBE-SERVICES in ipvs mode, in rule order: loopback sources RETURN; LB set →
   * KUBE-LOAD-BALANCER (eTP Local RETURN, else mark); ClusterIP set (masqueradeAll, else off-
   * cluster sources with a detector, else sources that are themselves a ClusterIP:port);
   * externalIP sets (eTP Cluster marks; both ACCEPT, ending the chain); `--dst-type LOCAL` →
   * KUBE-NODE-PORT (eTP Local node ports RETURN, others mark).
   */
  private ipvsMasquerade(ctx: FamilyContext, p: Packet): boolean {
    if (isLoopback(p.src)) return false;
    const state = ctx.state;
    const hit = state.addressFrontends.get(frontendKey(p.dst.text, p.protocol, p.dstPort));
    let mark = false;
    if (hit?.kind === 'LoadBalancer' && !hit.entry.externalPolicyLocal) mark = true;
    if (hit?.kind === 'ClusterIP') {
      if (this.config.masqueradeAll) mark = true;
      else if (ctx.detector.implemented) mark ||= !this.isPodSource(ctx, p);
    }
    if (!this.config.masqueradeAll && !ctx.detector.implemented) {
      const bySource = state.addressFrontends.get(frontendKey(p.src.text, p.protocol, p.dstPort));
      if (bySource?.kind === 'ClusterIP') mark = true;
    }
    if (hit?.kind === 'ExternalIP') return mark || !hit.entry.externalPolicyLocal;
    if (p.dstLocal || ctx.boundVIPs.has(p.dst.text)) {
      const nodePortEntry = state.nodePorts.get(nodePortKey(p.protocol, p.dstPort));
      // SCTP node ports are hash:ip,port sets of the node IPs; TCP/UDP are port bitmaps.
      const inSet = nodePortEntry !== undefined && (p.protocol !== 'SCTP' || ctx.ipvsNodeIPs.has(p.dst.text));
      if (inSet && !nodePortEntry.externalPolicyLocal) mark = true;
    }
    return mark;
  }

  /** KUBE-IPVS-OUT-FILTER: `-s <lbip> -m ipvs --vaddr <lbip> --vport <port> -j DROP` when no range holds the node IP. */
  private ipvsNoNodeAccess(ctx: FamilyContext, entry: ServicePortEntry, p: Packet): boolean {
    if (entry.sourceRanges.length === 0 || p.src.text !== p.dst.text) return false;
    const primary = ctx.primaryIP;
    return !(primary !== undefined && anyCIDRHas(entry.sourceRanges, primary));
  }
}

// ---------------------------------------------------------------------------- decisions

function servicePortState(entry: ServicePortEntry, family: Family): ServicePortState {
  return {
    servicePort: entry.name,
    protocol: entry.protocol,
    family,
    frontendIPs: [entry.clusterIP, ...entry.externalIPs, ...entry.loadBalancerIPs],
    port: entry.port,
    ...(entry.nodePort !== 0 ? { nodePort: entry.nodePort } : {}),
    endpoints: entry.allEndpoints.map((e) => ({ ip: e.ip, port: e.port, serving: e.serving })),
  };
}

function hasInternalEndpoints(entry: ServicePortEntry): boolean {
  return entry.hasEndpoints && (!entry.internalPolicyLocal || (entry.localEndpoints ?? []).length > 0);
}

function hasExternalEndpoints(entry: ServicePortEntry): boolean {
  return entry.hasEndpoints && (!entry.externalPolicyLocal || (entry.localEndpoints ?? []).length > 0);
}

/** A DNAT to `endpoints`, or undefined (fall through) when the list is empty. */
function dnat(entry: ServicePortEntry, frontend: FrontendKind, endpoints: readonly EndpointTarget[] | null, masquerade: boolean): RuleDecision | undefined {
  if (!endpoints || endpoints.length === 0) return undefined;
  const decision: RuleDecision = { verdict: 'DNAT', servicePort: entry.name, frontend, endpoints: copyEndpoints(endpoints), masquerade, hairpinMasquerade: true };
  if (entry.affinitySeconds !== undefined) decision.affinity = { timeoutSeconds: entry.affinitySeconds };
  if (entry.loadBalancerAlgorithm !== undefined) decision.loadBalancerAlgorithm = entry.loadBalancerAlgorithm;
  return decision;
}

/** Fresh copies of the candidates (a decision never shares objects with the state), keys in the state's order. */
function copyEndpoints(endpoints: readonly EndpointTarget[]): EndpointTarget[] {
  const n = endpoints.length;
  const copies = new Array<EndpointTarget>(n);
  for (let i = 0; i < n; i++) {
    const ep = endpoints[i];
    copies[i] =
      ep.nodeName !== undefined
        ? { ip: ep.ip, port: ep.port, nodeName: ep.nodeName, local: ep.local, terminating: ep.terminating }
        : { ip: ep.ip, port: ep.port, local: ep.local, terminating: ep.terminating };
  }
  return copies;
}

function block(verdict: Exclude<Verdict, 'DNAT' | 'PASS' | 'ACCEPT'>, reason: string, entry?: ServicePortEntry, frontend?: FrontendKind): RuleDecision {
  return {
    verdict,
    ...(entry ? { servicePort: entry.name } : {}),
    ...(frontend ? { frontend } : {}),
    endpoints: [],
    masquerade: false,
    hairpinMasquerade: false,
    reason,
  };
}

function accept(ctx: FamilyContext, healthCheckNodePort: number): RuleDecision {
  const entry = ctx.state.entries.find((e) => e.healthCheckNodePort === healthCheckNodePort);
  return {
    verdict: 'ACCEPT',
    ...(entry ? { servicePort: entry.name } : {}),
    frontend: 'HealthCheckNodePort',
    endpoints: [],
    masquerade: false,
    hairpinMasquerade: false,
    reason: REASON_HEALTH_CHECK,
  };
}

function pass(reason: string): RuleDecision {
  return { verdict: 'PASS', endpoints: [], masquerade: false, hairpinMasquerade: false, reason };
}
