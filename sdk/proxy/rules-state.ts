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
        const candidate: SliceEndpoint = {
          ip: address.text,
          port: port.port,
          key: joinHostPort(address.text, port.port),
          ready: conditions.ready ?? true,
          serving: conditions.serving ?? true,
          terminating: conditions.terminating ?? false,
          nodeName,
          local: isLocalEndpoint({ nodeName } as CategorizableEndpoint, node.name),
          ...(endpoint.hints?.forZones?.length ? { zoneHints: endpoint.hints.forZones.map((z) => z.name) } : {}),
          ...(endpoint.hints?.forNodes?.length ? { nodeHints: endpoint.hints.forNodes.map((n) => n.name) } : {}),
        };
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
      allEndpoints: endpoints.map((ep) => ({ ip: ep.ip, port: ep.port, serving: ep.serving })),
    });
  }
  return entries;
}

/** Builds one family's state. `serviceCIDRs` are all ServiceCIDR ranges (both families). */
export function buildFamilyState(
  family: Family,
  services: readonly Service[],
  slices: readonly EndpointSlice[],
  serviceCIDRs: readonly string[],
  node: StateNode,
): FamilyState {
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const owner = sliceService(slice);
    if (owner === undefined) continue;
    const list = slicesByService.get(owner);
    if (list) list.push(slice);
    else slicesByService.set(owner, [slice]);
  }

  const entries: ServicePortEntry[] = [];
  for (const service of services) {
    const key = `${service.metadata.namespace ?? 'default'}/${service.metadata.name}`;
    entries.push(...buildEntries(service, family, slicesByService.get(key) ?? [], node));
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));

  const addressFrontends = new Map<string, AddressFrontend>();
  const nodePorts = new Map<string, ServicePortEntry>();
  const clusterIPs = new Set<string>();
  const healthCheckNodePorts = new Set<number>();
  const add = (ip: string, entry: ServicePortEntry, kind: AddressFrontend['kind']): void => {
    const key = frontendKey(ip, entry.protocol, entry.port);
    if (!addressFrontends.has(key)) addressFrontends.set(key, { entry, kind });
  };
  for (const entry of entries) {
    clusterIPs.add(entry.clusterIP);
    add(entry.clusterIP, entry, 'ClusterIP');
    for (const ip of entry.externalIPs) add(ip, entry, 'ExternalIP');
    for (const ip of entry.loadBalancerIPs) add(ip, entry, 'LoadBalancer');
    if (entry.nodePort !== 0) {
      const key = nodePortKey(entry.protocol, entry.nodePort);
      if (!nodePorts.has(key)) nodePorts.set(key, entry);
    }
    if (entry.healthCheckNodePort !== 0) healthCheckNodePorts.add(entry.healthCheckNodePort);
  }

  const ranges: CIDR[] = [];
  for (const text of serviceCIDRs) {
    const cidr = parseCIDROrUndefined(text.trim());
    if (cidr && cidrFamily(cidr) === family) ranges.push(cidr);
  }
  return { family, entries, addressFrontends, nodePorts, clusterIPs, healthCheckNodePorts, serviceCIDRs: ranges };
}
