/**
 * kube-proxy's endpoint categorisation (kubernetes/kubernetes `pkg/proxy/topology.go`,
 * `CategorizeEndpoints` and `topologyModeFromHints`), as a pure function.
 *
 * Given every endpoint of one service port, the port's traffic policies and this node, it
 * returns the endpoints that Cluster-policy traffic may use (topology applied), the ones
 * Local-policy traffic may use, their union, and whether the service has usable endpoints
 * anywhere. "Usable" means ready; each list independently falls back to serving+terminating
 * endpoints when it would otherwise be empty.
 *
 * Shares no state and imports nothing; safe in browsers.
 */

/** What categorisation needs to know about one endpoint. */
export interface CategorizableEndpoint {
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** `endpoints[].nodeName` of the slice ('' when unset). */
  readonly nodeName: string;
  /** `hints.forZones[].name`; absent or empty = no zone hint. */
  readonly zoneHints?: readonly string[];
  /** `hints.forNodes[].name`; absent or empty = no node hint. */
  readonly nodeHints?: readonly string[];
}

export type TrafficPolicy = 'Cluster' | 'Local';

/** The service port's inputs (kube-proxy's `ServicePort` accessors). */
export interface CategorizeServicePort {
  /** `spec.internalTrafficPolicy`; unset = Cluster. */
  readonly internalTrafficPolicy?: TrafficPolicy;
  /** `spec.externalTrafficPolicy`; unset = Cluster. */
  readonly externalTrafficPolicy?: TrafficPolicy;
  /** Has externalIPs, load-balancer ingress IPs or a NodePort. */
  readonly externallyAccessible: boolean;
}

/** This node: its name and its `topology.kubernetes.io/zone` label ('' or absent = none). */
export interface CategorizeNode {
  readonly name: string;
  readonly zone?: string;
}

export interface CategorizeOptions {
  /**
   * Feature gate `PreferSameTrafficDistribution`: alpha (off) in 1.33, beta (on) in 1.34,
   * GA and locked on in 1.35 (pkg/features/kube_features.go). Default true.
   */
  readonly preferSameTrafficDistribution?: boolean;
}

export type TopologyMode = '' | 'PreferSameZone' | 'PreferSameNode';

export interface CategorizedEndpoints<T> {
  /**
   * Usable endpoints for Cluster-policy traffic, topology applied. `null` when the port never
   * uses Cluster policy (iTP Local and not externally accessible), or when there are no
   * endpoints at all (kube-proxy returns nil then).
   */
  readonly clusterEndpoints: T[] | null;
  /** Usable local endpoints. `null` when the port never uses Local policy, or no endpoints. */
  readonly localEndpoints: T[] | null;
  /**
   * Union of the two lists, without duplicates (by object identity): cluster endpoints in
   * input order, then local endpoints not already present. kube-proxy builds it from a Go
   * map (unordered); the set is the same.
   */
  readonly allReachableEndpoints: T[];
  /** Usable endpoints exist somewhere in the cluster (may be true with allReachable empty). */
  readonly hasAnyEndpoints: boolean;
  /** Topology mode applied to clusterEndpoints ('' = none; always '' when cluster is unused). */
  readonly topologyMode: TopologyMode;
}

/** `ServicePort.UsesClusterEndpoints`: iTP != Local, or externally accessible. */
export function usesClusterEndpoints(port: CategorizeServicePort): boolean {
  return port.internalTrafficPolicy !== 'Local' || port.externallyAccessible;
}

/** `ServicePort.UsesLocalEndpoints`: iTP == Local, or eTP == Local and externally accessible. */
export function usesLocalEndpoints(port: CategorizeServicePort): boolean {
  return port.internalTrafficPolicy === 'Local' || (port.externalTrafficPolicy === 'Local' && port.externallyAccessible);
}

/** kube-proxy's `IsLocal`: the slice names a node and it is this node. */
export function isLocalEndpoint(endpoint: CategorizableEndpoint, nodeName: string): boolean {
  return endpoint.nodeName !== '' && endpoint.nodeName === nodeName;
}

function hasHint(hints: readonly string[] | undefined, value: string): boolean {
  return hints !== undefined && hints.includes(value);
}

function hintCount(hints: readonly string[] | undefined): number {
  return hints === undefined ? 0 : hints.length;
}

/**
 * `topologyModeFromHints`: PreferSameNode when the gate is on, every ready endpoint has a
 * node hint and one names this node; else PreferSameZone when every ready endpoint has a
 * zone hint and one names this node's zone; else ''. Unready endpoints are not looked at.
 */
export function topologyModeFromHints(
  endpoints: readonly CategorizableEndpoint[],
  nodeName: string,
  zone: string,
  preferSameTrafficDistribution = true,
): TopologyMode {
  let hasReady = false;
  let hasForNode = false;
  let allNodeHints = true;
  let hasForZone = false;
  let allZoneHints = true;
  for (const endpoint of endpoints) {
    if (!endpoint.ready) continue;
    hasReady = true;
    if (hintCount(endpoint.nodeHints) === 0) allNodeHints = false;
    else if (hasHint(endpoint.nodeHints, nodeName)) hasForNode = true;
    if (hintCount(endpoint.zoneHints) === 0) allZoneHints = false;
    else if (hasHint(endpoint.zoneHints, zone)) hasForZone = true;
  }
  if (!hasReady) return '';
  if (preferSameTrafficDistribution && allNodeHints && hasForNode) return 'PreferSameNode';
  if (allZoneHints && hasForZone) return 'PreferSameZone';
  return '';
}

function availableForTopology(endpoint: CategorizableEndpoint, mode: TopologyMode, nodeName: string, zone: string): boolean {
  switch (mode) {
    case '':
      return true;
    case 'PreferSameNode':
      return hasHint(endpoint.nodeHints, nodeName);
    case 'PreferSameZone':
      return hasHint(endpoint.zoneHints, zone);
  }
}

/** kube-proxy's `CategorizeEndpoints` (see the module comment). */
export function categorizeEndpoints<T extends CategorizableEndpoint>(
  endpoints: readonly T[],
  port: CategorizeServicePort,
  node: CategorizeNode,
  options: CategorizeOptions = {},
): CategorizedEndpoints<T> {
  if (endpoints.length === 0) {
    return { clusterEndpoints: null, localEndpoints: null, allReachableEndpoints: [], hasAnyEndpoints: false, topologyMode: '' };
  }
  const nodeName = node.name;
  const zone = node.zone ?? '';
  const gate = options.preferSameTrafficDistribution ?? true;
  const servingTerminating = (ep: T): boolean => ep.serving && ep.terminating;

  let topologyMode: TopologyMode = '';
  let clusterEndpoints: T[] | null = null;
  let localEndpoints: T[] | null = null;
  let hasAnyEndpoints = false;
  let useServingTerminating = false;

  const usesCluster = usesClusterEndpoints(port);
  if (usesCluster) {
    topologyMode = topologyModeFromHints(endpoints, nodeName, zone, gate);
    clusterEndpoints = endpoints.filter((ep) => ep.ready && availableForTopology(ep, topologyMode, nodeName, zone));
    // No ready endpoint anywhere (topology already fell back to '' if none in this
    // node/zone): use serving+terminating ones, topology not applied.
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter(servingTerminating);
    if (clusterEndpoints.length > 0) hasAnyEndpoints = true;
  }

  if (!usesLocalEndpoints(port)) {
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints ?? [], hasAnyEndpoints, topologyMode };
  }

  let hasLocalReady = false;
  let hasLocalServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      hasAnyEndpoints = true;
      if (isLocalEndpoint(ep, nodeName)) hasLocalReady = true;
    } else if (servingTerminating(ep)) {
      hasAnyEndpoints = true;
      if (isLocalEndpoint(ep, nodeName)) hasLocalServingTerminating = true;
    }
  }
  if (hasLocalReady) {
    localEndpoints = endpoints.filter((ep) => isLocalEndpoint(ep, nodeName) && ep.ready);
  } else if (hasLocalServingTerminating) {
    useServingTerminating = true;
    localEndpoints = endpoints.filter((ep) => isLocalEndpoint(ep, nodeName) && servingTerminating(ep));
  } else {
    localEndpoints = [];
  }

  if (!usesCluster || clusterEndpoints === null) {
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: localEndpoints, hasAnyEndpoints, topologyMode };
  }
  if (topologyMode === '' && !useServingTerminating) {
    // clusterEndpoints holds every ready endpoint, localEndpoints only ready ones: superset.
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: clusterEndpoints, hasAnyEndpoints, topologyMode };
  }
  const seen = new Set<T>(clusterEndpoints);
  const all = clusterEndpoints.slice();
  for (const ep of localEndpoints) {
    if (!seen.has(ep)) {
      seen.add(ep);
      all.push(ep);
    }
  }
  return { clusterEndpoints, localEndpoints, allReachableEndpoints: all, hasAnyEndpoints, topologyMode };
}
