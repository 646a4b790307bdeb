/**
 * The state kube-proxy keeps per IP family, built from Services and EndpointSlices the way
 * its change trackers reduce them (kubernetes/kubernetes `pkg/proxy/serviceport.go`
 * `newBaseServiceInfo`, `endpointslicecache.go`, `topology.go`):
 *
 * - one entry per service port and family: `(namespace, name, port name, protocol)` with
 *   that family's ClusterIP, externalIPs, VIP-mode load-balancer IPs and source ranges;
 *   Services without a ClusterIP of the family (headless, ExternalName, single-stack of
 *   the other family) have none;
 * - its endpoints: slice ports matched by name *and* protocol, first address of each
 *   endpoint, the family's addresses only, unset conditions read as ready/serving true and
 *   terminating false, duplicates (same `ip:port`) merged preferring the local one, sorted
 *   by `ip:port` text as kube-proxy sorts them (`byEndpoint`), then categorised by
 *   `categorizeEndpoints`.
 *
 * Plain data, no mode-specific logic; `rules.ts` reads it.
 */
import type { CIDR } from '../model/ip.js';
import type { EndpointSlice, Protocol, Service } from '../model/types.js';
import { LABEL_SERVICE_NAME } from '../model/types.js';
import { categorizeEndpoints, isLocalEndpoint, type CategorizableEndpoint } from './categorize.js';
import type { EndpointTarget, FrontendKind, LoadBalancerAlgorithm } from './decision.js';
import { cidrFamily, joinHostPort, parseAddress, parseCIDROrUndefined, type Address, type Family } from './rules-net.js';

/** `core/v1` DefaultClientIPServiceAffinitySeconds. */
export const DEFAULT_AFFINITY_SECONDS = 10800;

/**
 * Cilium's per-Service choice of backend selection (`service.cilium.io/lb-algorithm`:
 * `maglev` or `random`; Documentation/network/kubernetes/kubeproxy-free.rst). Any other value
 * is ignored, as Cilium falls back to its configured `loadBalancer.algorithm`.
 */
export const ANNOTATION_LB_ALGORITHM = 'service.cilium.io/lb-algorithm';

/** The default service range when no ServiceCIDR objects are given (kubeadm's default). */
export const DEFAULT_SERVICE_CIDRS: readonly string[] = ['10.96.0.0/12'];

const PROTOCOLS: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP']);

/** One endpoint of one service port, before categorisation. */
interface SliceEndpoint extends CategorizableEndpoint {
  readonly ip: string;
  readonly port: number;
  readonly local: boolean;
  /** `ip:port` in `net.JoinHostPort` form: kube-proxy's endpoint key and sort key. */
  readonly key: string;
}

/** One service port of one family, with its endpoints categorised for this node. */
export interface ServicePortEntry {
  /** `namespace/name:portName` (the RuleDecision spelling; `ns/svc:` when unnamed). */
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** 0 when the port has none. */
  readonly nodePort: number;
  readonly clusterIP: string;
  readonly externalIPs: readonly string[];
  /** `status.loadBalancer.ingress[].ip` with ipMode unset or VIP. */
  readonly loadBalancerIPs: readonly string[];
  /** This family's `loadBalancerSourceRanges`, whitespace trimmed, invalid ones dropped. */
  readonly sourceRanges: readonly CIDR[];
  /** Non-zero only for `type: LoadBalancer` + `externalTrafficPolicy: Local`. */
  readonly healthCheckNodePort: number;
  readonly internalPolicyLocal: boolean;
  readonly externalPolicyLocal: boolean;
  readonly externallyAccessible: boolean;
  /** Set for `sessionAffinity: ClientIP`. */
  readonly affinitySeconds?: number;
  /** The Service's `service.cilium.io/lb-algorithm` annotation, when `maglev` or `random`. */
  readonly loadBalancerAlgorithm?: LoadBalancerAlgorithm;
  /** Endpoints for Cluster policy (topology applied); null when the port never uses them. */
  readonly clusterEndpoints: readonly EndpointTarget[] | null;
  /** Endpoints on this node; null when the port never uses Local policy. */
  readonly localEndpoints: readonly EndpointTarget[] | null;
  /** Usable endpoints exist somewhere (kube-proxy's `hasEndpoints`). */
  readonly hasEndpoints: boolean;
  /** IPs of every serving endpoint, any node (conntrack cleanup, pkg/proxy/conntrack/cleanup.go). */
  readonly servingEndpointIPs: readonly string[];
  /** Every endpoint of the port, any node or zone, in kube-proxy's order (affinity pruning, conntrack cleanup). */
  readonly allEndpoints: readonly { readonly ip: string; readonly port: number; readonly serving: boolean }[];
}

/** A frontend address of a service port: `(ip, protocol, port)` → entry. */
export interface AddressFrontend {
  readonly entry: ServicePortEntry;
  readonly kind: Exclude<FrontendKind, 'NodePort' | 'HealthCheckNodePort'>;
}

/** Everything one family's proxier knows. */
export interface FamilyState {
  readonly family: Family;
  /** Sorted by name, then protocol. */
  readonly entries: readonly ServicePortEntry[];
  /** Key `frontendKey(ip, protocol, port)`; the first entry (in `entries` order) wins a clash. */
  readonly addressFrontends: ReadonlyMap<string, AddressFrontend>;
  /** Key `nodePortKey(protocol, nodePort)`. */
  readonly nodePorts: ReadonlyMap<string, ServicePortEntry>;
  /** Every ClusterIP of the family, whatever its ports (nftables' `cluster-ips` set). */
  readonly clusterIPs: ReadonlySet<string>;
  /** Health-check node ports of the family's services. */
  readonly healthCheckNodePorts: ReadonlySet<number>;
  /** The family's service ranges (ServiceCIDR objects). */
  readonly serviceCIDRs: readonly CIDR[];
}

export function frontendKey(ip: string, protocol: Protocol, port: number): string {
  return `${ip} ${protocol} ${port}`;
}

export function nodePortKey(protocol: Protocol, nodePort: number): string {
  return `${protocol} ${nodePort}`;
}

/** The node as categorisation sees it. */
export interface StateNode {
  readonly name: string;
  readonly zone?: string;
}

/** The ClusterIP of the family: `clusterIPs` (or legacy `clusterIP`), "None"/"" mean none. */
function clusterIPOf(service: Service, family: Family): Address | undefined {
  const spec = service.spec ?? {};
  const ips = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  for (const text of ips) {
    const address = parseAddress(text);
    if (address && address.family === family) return address;
  }
  return undefined;
}

/** apiservice.ExternalPolicyLocal: only for NodePort/LoadBalancer or with externalIPs. */
function externalPolicyLocal(service: Service): boolean {
  const spec = service.spec;
  if (spec.type !== 'LoadBalancer' && spec.type !== 'NodePort' && (spec.externalIPs ?? []).length === 0) return false;
  return spec.externalTrafficPolicy === 'Local';
}

function addressesOfFamily(texts: readonly (string | undefined)[], family: Family): string[] {
  const out: string[] = [];
  for (const text of texts) {
    const address = parseAddress(text);
    if (address && address.family === family && !out.includes(address.text)) out.push(address.text);
  }
  return out;
}

function sliceService(slice: EndpointSlice): string | undefined {
  const service = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  return service ? `${slice.metadata.namespace ?? 'default'}/${service}` : undefined;
}

/** Endpoints of one service port of one family, deduplicated and sorted (see module comment). */
function sliceEndpoints(slices: readonly EndpointSlice[], portName: string, protocol: Protocol, family: Family, node: StateNode): SliceEndpoint[] {
  const byKey = new Map<string, SliceEndpoint>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    for (const port of slice.ports ?? []) {
      if ((port.name ?? '') !== portName || (port.protocol ?? 'TCP') !== protocol) continue;
      // pkg/proxy/endpointslicecache.go: "TODO: handle nil ports to mean 'all'"; 0 is invalid.
      if (port.port === undefined || port.port === null || port.port === 0) continue;
      for (const endpoint of slice.endpoints ?? []) {
        const address = parseAddress(endpoint.addresses?.[0]);
        if (!address || address.family !== family) continue;
        const conditions = endpoint.conditions ?? {};
        const nodeName = endpoint.nodeName ?? '';
        const candidate: { -readonly [K in keyof SliceEndpoint]: SliceEndpoint[K] } = {
          ip: address.text,
          port: port.port,
          key: joinHostPort(address.text, port.port),
          ready: conditions.ready ?? true,
          serving: conditions.serving ?? true,
          terminating: conditions.terminating ?? false,
          nodeName,
          local: isLocalEndpoint({ nodeName } as CategorizableEndpoint, node.name),
        };
        // Set only when present (no empty spread objects: this runs once per endpoint).
        if (endpoint.hints?.forZones?.length) candidate.zoneHints = endpoint.hints.forZones.map((z) => z.name);
        if (endpoint.hints?.forNodes?.length) candidate.nodeHints = endpoint.hints.forNodes.map((n) => n.name);
        const existing = byKey.get(candidate.key);
        if (!existing || candidate.local) byKey.set(candidate.key, candidate);
      }
    }
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function toTargets(endpoints: readonly SliceEndpoint[] | null, fallback: boolean): EndpointTarget[] | null {
  if (endpoints === null) return null;
  return endpoints.map((ep) => ({
    ip: ep.ip,
    port: ep.port,
    ...(ep.nodeName !== '' ? { nodeName: ep.nodeName } : {}),
    local: ep.local,
    terminating: fallback,
  }));
}

function buildEntries(service: Service, family: Family, slices: readonly EndpointSlice[], node: StateNode): ServicePortEntry[] {
  const spec = service.spec ?? {};
  // pkg/proxy/util ShouldSkipService: no ClusterIP ("None"/"") or ExternalName → no rules.
  if (spec.type === 'ExternalName') return [];
  const clusterIP = clusterIPOf(service, family);
  if (!clusterIP) return [];
  const namespace = service.metadata.namespace ?? 'default';
  const externalIPs = addressesOfFamily(spec.externalIPs ?? [], family);
  const loadBalancerIPs = addressesOfFamily(
    (service.status?.loadBalancer?.ingress ?? []).filter((ing) => ing.ipMode === undefined || ing.ipMode === 'VIP').map((ing) => ing.ip),
    family,
  );
  const sourceRanges: CIDR[] = [];
  for (const text of spec.loadBalancerSourceRanges ?? []) {
    const cidr = parseCIDROrUndefined(text.trim());
    if (cidr && cidrFamily(cidr) === family) sourceRanges.push(cidr);
  }
  const etpLocal = externalPolicyLocal(service);
  const itpLocal = spec.internalTrafficPolicy === 'Local';
  const needsHealthCheck = spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  const annotated = service.metadata.annotations?.[ANNOTATION_LB_ALGORITHM];
  const loadBalancerAlgorithm = annotated === 'maglev' || annotated === 'random' ? annotated : undefined;
  const affinitySeconds =
    spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS : undefined;

  const entries: ServicePortEntry[] = [];
  for (const port of spec.ports ?? []) {
    const protocol = (port.protocol ?? 'TCP') as Protocol;
    if (!PROTOCOLS.has(protocol)) continue;
    const portName = port.name ?? '';
    const nodePort = port.nodePort ?? 0;
    const externallyAccessible = nodePort !== 0 || externalIPs.length > 0 || loadBalancerIPs.length > 0;
    const endpoints = sliceEndpoints(slices, portName, protocol, family, node);
    const categorized = categorizeEndpoints(
      endpoints,
      { internalTrafficPolicy: itpLocal ? 'Local' : 'Cluster', externalTrafficPolicy: etpLocal ? 'Local' : 'Cluster', externallyAccessible },
      { name: node.name, ...(node.zone ? { zone: node.zone } : {}) },
    );
    // Each list falls back to serving+terminating endpoints only when it has no ready one.
    const clusterFallback = !endpoints.some((ep) => ep.ready);
    const localFallback = !endpoints.some((ep) => ep.ready && ep.local);
    entries.push({
      name: `${namespace}/${service.metadata.name}:${portName}`,
      protocol,
      port: port.port,
      nodePort,
      clusterIP: clusterIP.text,
      externalIPs,
      loadBalancerIPs,
      sourceRanges,
      healthCheckNodePort: needsHealthCheck ? spec.healthCheckNodePort ?? 0 : 0,
      internalPolicyLocal: itpLocal,
      externalPolicyLocal: etpLocal,
      externallyAccessible,
      ...(affinitySeconds !== undefined ? { affinitySeconds } : {}),
      ...(loadBalancerAlgorithm !== undefined ? { loadBalancerAlgorithm } : {}),
      clusterEndpoints: toTargets(categorized.clusterEndpoints, clusterFallback),
      localEndpoints: toTargets(categorized.localEndpoints, localFallback),
      hasEndpoints: categorized.hasAnyEndpoints,
      servingEndpointIPs: [...new Set(endpoints.filter((ep) => ep.serving).map((ep) => ep.ip))].sort(),
      allEndpoints: endpoints,
    });
  }
  return entries;
}

/** The key of a Service and of the slices that belong to it: `namespace/name`. */
export function serviceKeyOf(service: Service): string {
  return `${service.metadata.namespace ?? 'default'}/${service.metadata.name}`;
}

/** The Service a slice belongs to (`kubernetes.io/service-name`), as `namespace/name`. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  return sliceService(slice);
}

/** One service port's claim on a frontend key; the first claim in `entries` order wins. */
interface Claim<T> {
  readonly entry: ServicePortEntry;
  /** Order within the entry: the ClusterIP first, then externalIPs, then LB IPs. */
  readonly rank: number;
  readonly value: T;
}

function claimBefore(a: Claim<unknown>, b: Claim<unknown>): boolean {
  const x = a.entry;
  const y = b.entry;
  if (x.name !== y.name) return x.name < y.name;
  if (x.protocol !== y.protocol) return x.protocol < y.protocol;
  return a.rank < b.rank;
}

function entryOrder(a: ServicePortEntry, b: ServicePortEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}

/**
 * One family's state, kept per Service so a change costs the changed Service's ports
 * (kube-proxy's change trackers): `replaceService` swaps one Service's entries and updates
 * the frontend maps, the sets and their counts. Frontend clashes resolve as a full build
 * does: the claim of the first entry by name, then protocol (then ClusterIP before
 * externalIPs before LB IPs) wins.
 */
export class FamilyStateIndex implements FamilyState {
  readonly family: Family;
  private readonly node: StateNode;
  private readonly byService = new Map<string, readonly ServicePortEntry[]>();
  private readonly frontendClaims = new Map<string, Claim<AddressFrontend['kind']>[]>();
  private readonly nodePortClaims = new Map<string, Claim<undefined>[]>();
  private readonly frontendWinners = new Map<string, AddressFrontend>();
  private readonly nodePortWinners = new Map<string, ServicePortEntry>();
  private readonly clusterIPCounts = new Map<string, number>();
  private readonly clusterIPSet = new Set<string>();
  private readonly externalIPCounts = new Map<string, number>();
  private readonly externalIPSet = new Set<string>();
  private readonly healthCheckCounts = new Map<number, number>();
  private readonly healthCheckSet = new Set<number>();
  private sorted: ServicePortEntry[] | undefined = [];
  private ranges: CIDR[] = [];

  constructor(family: Family, node: StateNode) {
    this.family = family;
    this.node = node;
  }

  get entries(): readonly ServicePortEntry[] {
    if (this.sorted === undefined) this.sorted = [...this.byService.values()].flat().sort(entryOrder);
    return this.sorted;
  }

  get addressFrontends(): ReadonlyMap<string, AddressFrontend> {
    return this.frontendWinners;
  }

  get nodePorts(): ReadonlyMap<string, ServicePortEntry> {
    return this.nodePortWinners;
  }

  get clusterIPs(): ReadonlySet<string> {
    return this.clusterIPSet;
  }

  /** externalIPs and LoadBalancer IPs of the family's services (ipvs binds those that are not node addresses). */
  get externalFrontendIPs(): ReadonlySet<string> {
    return this.externalIPSet;
  }

  get healthCheckNodePorts(): ReadonlySet<number> {
    return this.healthCheckSet;
  }

  get serviceCIDRs(): readonly CIDR[] {
    return this.ranges;
  }

  /** The family's ranges among `serviceCIDRs` (both families' texts; invalid ones dropped). */
  setServiceCIDRs(serviceCIDRs: readonly string[]): void {
    const ranges: CIDR[] = [];
    for (const text of serviceCIDRs) {
      const cidr = parseCIDROrUndefined(text.trim());
      if (cidr && cidrFamily(cidr) === this.family) ranges.push(cidr);
    }
    this.ranges = ranges;
  }

  /** The entries of one Service (`namespace/name`), in port order. */
  entriesOf(key: string): readonly ServicePortEntry[] {
    return this.byService.get(key) ?? [];
  }

  /** Replaces the entries of the Service `key` with those of `service` over `slices` (its slices); undefined removes it. */
  replaceService(key: string, service: Service | undefined, slices: readonly EndpointSlice[]): void {
    for (const entry of this.byService.get(key) ?? []) this.unindex(entry);
    const entries = service ? buildEntries(service, this.family, slices, this.node) : [];
    if (entries.length > 0) this.byService.set(key, entries);
    else this.byService.delete(key);
    for (const entry of entries) this.index(entry);
    this.sorted = undefined;
  }

  /** Calls `visit` for each frontend address of the entry with its kind and rank (claim order). */
  private eachFrontend(entry: ServicePortEntry, visit: (ip: string, kind: AddressFrontend['kind'], rank: number) => void): void {
    visit(entry.clusterIP, 'ClusterIP', 0);
    let rank = 1;
    for (const ip of entry.externalIPs) visit(ip, 'ExternalIP', rank++);
    for (const ip of entry.loadBalancerIPs) visit(ip, 'LoadBalancer', rank++);
  }

  private index(entry: ServicePortEntry): void {
    this.eachFrontend(entry, (ip, kind, rank) => {
      const key = frontendKey(ip, entry.protocol, entry.port);
      const claim: Claim<AddressFrontend['kind']> = { entry, rank, value: kind };
      const list = this.frontendClaims.get(key);
      if (list === undefined) {
        this.frontendClaims.set(key, [claim]);
        this.frontendWinners.set(key, { entry, kind });
      } else {
        list.push(claim);
        this.elect(key);
      }
      if (rank > 0) count(this.externalIPCounts, this.externalIPSet, ip, 1);
    });
    count(this.clusterIPCounts, this.clusterIPSet, entry.clusterIP, 1);
    if (entry.nodePort !== 0) {
      const key = nodePortKey(entry.protocol, entry.nodePort);
      this.claim(this.nodePortClaims, key, { entry, rank: 0, value: undefined });
      this.electNodePort(key);
    }
    if (entry.healthCheckNodePort !== 0) count(this.healthCheckCounts, this.healthCheckSet, entry.healthCheckNodePort, 1);
  }

  private unindex(entry: ServicePortEntry): void {
    this.eachFrontend(entry, (ip, _kind, rank) => {
      const key = frontendKey(ip, entry.protocol, entry.port);
      this.release(this.frontendClaims, key, entry);
      this.elect(key);
      if (rank > 0) count(this.externalIPCounts, this.externalIPSet, ip, -1);
    });
    count(this.clusterIPCounts, this.clusterIPSet, entry.clusterIP, -1);
    if (entry.nodePort !== 0) {
      const key = nodePortKey(entry.protocol, entry.nodePort);
      this.release(this.nodePortClaims, key, entry);
      this.electNodePort(key);
    }
    if (entry.healthCheckNodePort !== 0) count(this.healthCheckCounts, this.healthCheckSet, entry.healthCheckNodePort, -1);
  }

  private claim<T>(claims: Map<string, Claim<T>[]>, key: string, claim: Claim<T>): void {
    const list = claims.get(key);
    if (list) list.push(claim);
    else claims.set(key, [claim]);
  }

  private release<T>(claims: Map<string, Claim<T>[]>, key: string, entry: ServicePortEntry): void {
    const list = claims.get(key);
    if (!list) return;
    const kept = list.filter((c) => c.entry !== entry);
    if (kept.length > 0) claims.set(key, kept);
    else claims.delete(key);
  }

  private first<T>(list: readonly Claim<T>[] | undefined): Claim<T> | undefined {
    let best: Claim<T> | undefined;
    for (const c of list ?? []) if (best === undefined || claimBefore(c, best)) best = c;
    return best;
  }

  private elect(key: string): void {
    const winner = this.first(this.frontendClaims.get(key));
    if (winner) this.frontendWinners.set(key, { entry: winner.entry, kind: winner.value });
    else this.frontendWinners.delete(key);
  }

  private electNodePort(key: string): void {
    const winner = this.first(this.nodePortClaims.get(key));
    if (winner) this.nodePortWinners.set(key, winner.entry);
    else this.nodePortWinners.delete(key);
  }
}

/** Adds `by` to a multiset's count of `value`, keeping `present` the set of values counted above 0. */
function count<T>(counts: Map<T, number>, present: Set<T>, value: T, by: 1 | -1): void {
  const n = (counts.get(value) ?? 0) + by;
  if (n > 0) {
    counts.set(value, n);
    present.add(value);
  } else {
    counts.delete(value);
    present.delete(value);
  }
}

/** Builds one family's state from scratch. `serviceCIDRs` are all ServiceCIDR ranges (both families). */
export function buildFamilyState(
  family: Family,
  services: readonly Service[],
  slices: readonly EndpointSlice[],
  serviceCIDRs: readonly string[],
  node: StateNode,
): FamilyStateIndex {
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const owner = sliceService(slice);
    if (owner === undefined) continue;
    const list = slicesByService.get(owner);
    if (list) list.push(slice);
    else slicesByService.set(owner, [slice]);
  }
  const state = new FamilyStateIndex(family, node);
  state.setServiceCIDRs(serviceCIDRs);
  for (const service of services) {
    const key = serviceKeyOf(service);
    state.replaceService(key, service, slicesByService.get(key) ?? []);
  }
  return state;
}
