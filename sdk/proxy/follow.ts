/**
 * A flow layer (a frame engine's or KubeProxy's rules and flow processor) kept in step with
 * a live Cluster, as kube-proxy follows the API server: it watches Services, EndpointSlices
 * and ServiceCIDRs only (never pods), and after each committed batch
 *
 *  - the rules of the Services the batch touched (their Service or one of their slices
 *    changed) are rebuilt, and only those (`KubeProxyRules.updateServices`, kube-proxy's
 *    change trackers); the wasm engine's decision cache sees the new generation and starts
 *    empty;
 *  - session affinity to those service ports' departed endpoints is forgotten, IPVS virtual
 *    servers whose frontend went go;
 *  - when a touched Service has a UDP port (kube-proxy's
 *    `UpdateEndpointsMapResult.ConntrackCleanupRequired`, pkg/proxy/endpointschangetracker.go)
 *    the UDP conntrack cleanup runs for its ports (spec §9, pkg/proxy/conntrack/cleanup.go).
 *
 * TCP and SCTP flows keep their endpoint whatever happens to the service (conntrack
 * entries are never touched here).
 */

import type { ChangeEvent, Cluster } from '../cluster/cluster.js';
import type { EndpointSlice, KubeObject, Service, ServiceCIDR } from '../model/types.js';
import { DEFAULT_SERVICE_CIDRS, serviceKeyOf, sliceServiceKey } from './rules-state.js';
import type { EndpointsChangedResult, FlowProcessor } from './flows.js';
import type { KubeProxyRules } from './rules.js';

/** What a frame engine exposes of its flow layer (both engines do). */
export interface FollowingEngine {
  readonly rules: KubeProxyRules;
  readonly flows: FlowProcessor;
}

export interface FollowStats {
  /** Batches applied (the replay included). */
  syncs: number;
  /** Services rebuilt, summed over the syncs. */
  servicesUpdated: number;
  /** Conntrack entries the UDP cleanup deleted. */
  conntrackEntriesRemoved: number;
  /** Affinity records forgotten with their endpoint or service port. */
  affinityRecordsRemoved: number;
}

/** The follower of one engine: `detach()` stops following; `stats` counts what the syncs did. */
export interface ClusterFollower {
  readonly stats: FollowStats;
  detach(): void;
}

function objectKey(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

function hasUDPPort(service: Service | undefined): boolean {
  return service?.spec?.ports?.some((p) => (p.protocol ?? 'TCP') === 'UDP') ?? false;
}

/**
 * Attaches `engine` to `cluster` (replaying its current Services, EndpointSlices and
 * ServiceCIDRs first: the engine's rules then hold exactly the cluster's). The engine's
 * flows and affinity so far are kept.
 */
export function followCluster(cluster: Cluster, engine: FollowingEngine): ClusterFollower {
  const services = new Map<string, Service>();
  /** Slices by the Service they belong to, then by `namespace/name`. */
  const slicesByService = new Map<string, Map<string, EndpointSlice>>();
  const cidrs = new Map<string, ServiceCIDR>();
  const stats: FollowStats = { syncs: 0, servicesUpdated: 0, conntrackEntriesRemoved: 0, affinityRecordsRemoved: 0 };
  let first = true;

  const moveSlice = (owner: string | undefined, key: string, slice: EndpointSlice | undefined): void => {
    if (owner === undefined) return;
    let byKey = slicesByService.get(owner);
    if (slice) {
      if (!byKey) slicesByService.set(owner, (byKey = new Map()));
      byKey.set(key, slice);
    } else if (byKey) {
      byKey.delete(key);
      if (byKey.size === 0) slicesByService.delete(owner);
    }
  };

  /**
   * A Service's slices by name: an endpoint in two slices is taken from the first by name
   * (pkg/proxy/endpointslicecache.go walks its slices in name order), as a full build over
   * the store's sorted list does.
   */
  const slicesOf = (service: string): EndpointSlice[] => {
    const byKey = slicesByService.get(service);
    if (!byKey) return [];
    return [...byKey.keys()].sort().map((key) => byKey.get(key) as EndpointSlice);
  };

  const applyChanges = (changes: readonly ChangeEvent[]): void => {
    /** Services (namespace/name) whose Service or slices changed. */
    const touched = new Set<string>();
    const wasUDP = new Set<string>();
    let cidrsChanged = false;
    for (const change of changes) {
      switch (change.kind) {
        case 'Service': {
          const key = serviceKeyOf(change.object as Service);
          touched.add(key);
          if (hasUDPPort(services.get(key))) wasUDP.add(key);
          if (change.type === 'DELETED') services.delete(key);
          else services.set(key, change.object as Service);
          break;
        }
        case 'EndpointSlice': {
          const key = objectKey(change.object);
          const before = change.previous ? sliceServiceKey(change.previous as EndpointSlice) : undefined;
          const after = sliceServiceKey(change.object as EndpointSlice);
          moveSlice(before, key, undefined);
          if (change.type !== 'DELETED') moveSlice(after, key, change.object as EndpointSlice);
          if (before !== undefined) touched.add(before);
          if (after !== undefined) touched.add(after);
          break;
        }
        case 'ServiceCIDR':
          cidrsChanged = true;
          if (change.type === 'DELETED') cidrs.delete(objectKey(change.object));
          else cidrs.set(objectKey(change.object), change.object as ServiceCIDR);
          break;
        default:
          break;
      }
    }
    if (touched.size === 0 && !cidrsChanged) return;
    const { rules, flows } = engine;
    const ranges = (): readonly string[] => {
      const texts = [...cidrs.values()].flatMap((c) => c.spec.cidrs);
      return texts.length > 0 ? texts : DEFAULT_SERVICE_CIDRS;
    };
    const cleanupRequired = [...touched].some((key) => wasUDP.has(key) || hasUDPPort(services.get(key)));
    let result: EndpointsChangedResult;
    if (first) {
      // The engine was built from another snapshot: from now on it holds the cluster's state alone.
      first = false;
      rules.setState([...services.values()], [...slicesByService.keys()].flatMap(slicesOf), ranges());
      result = flows.endpointsChanged(rules.servicePortStates(), cleanupRequired);
    } else {
      if (cidrsChanged) rules.setServiceCIDRs(ranges());
      const before = rules.servicePortStatesOf(touched).map((sp) => sp.servicePort);
      rules.updateServices(
        [...touched].map((key) => {
          const service = services.get(key);
          return { key, ...(service ? { service } : {}), slices: slicesOf(key) };
        }),
      );
      const changed = rules.servicePortStatesOf(touched);
      const now = new Set(changed.map((sp) => sp.servicePort));
      const removed = before.filter((name) => !now.has(name));
      result = flows.servicePortsChanged(changed, removed, cleanupRequired, (protocol, ip, port) => rules.hasFrontend(protocol, ip, port));
    }
    stats.syncs++;
    stats.servicesUpdated += touched.size;
    stats.conntrackEntriesRemoved += result.conntrackEntriesRemoved;
    stats.affinityRecordsRemoved += result.affinityRecordsRemoved;
  };

  const remove = cluster.addConsumer({ applyChanges }, { replay: true });
  return { stats, detach: remove };
}
