/**
 * A flow layer (a frame engine's rules and flow processor) kept in step with a live
 * Cluster, as kube-proxy follows the API server: it watches Services, EndpointSlices and
 * ServiceCIDRs only (never pods), and after each sync
 *
 *  - the rules are rebuilt from the objects (`KubeProxyRules.setState`; the wasm engine's
 *    decision cache sees the new generation and starts empty);
 *  - session affinity to endpoints and service ports that left is forgotten, IPVS virtual
 *    servers that lost their frontend go;
 *  - when a Service whose endpoints changed has a UDP port (kube-proxy's
 *    `UpdateEndpointsMapResult.ConntrackCleanupRequired`, pkg/proxy/endpointschangetracker.go)
 *    the UDP conntrack cleanup runs (spec §9, pkg/proxy/conntrack/cleanup.go).
 *
 * TCP and SCTP flows keep their endpoint whatever happens to the service (conntrack
 * entries are never touched here). A rebuild reads the whole state: its cost grows with the
 * cluster, once per committed batch.
 */

import type { ChangeEvent, Cluster } from '../cluster/cluster.js';
import { LABEL_SERVICE_NAME, type EndpointSlice, type KubeObject, type Service, type ServiceCIDR } from '../model/types.js';
import { DEFAULT_SERVICE_CIDRS } from './rules-state.js';
import type { FlowProcessor } from './flows.js';
import type { KubeProxyRules } from './rules.js';

/** What a frame engine exposes of its flow layer (both engines do). */
export interface FollowingEngine {
  readonly rules: KubeProxyRules;
  readonly flows: FlowProcessor;
}

export interface FollowStats {
  /** Batches applied (the replay included). */
  syncs: number;
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
 * ServiceCIDRs first). The engine's state so far — flows, affinity — is kept.
 */
export function followCluster(cluster: Cluster, engine: FollowingEngine): ClusterFollower {
  const services = new Map<string, Service>();
  const slices = new Map<string, EndpointSlice>();
  const cidrs = new Map<string, ServiceCIDR>();
  const stats: FollowStats = { syncs: 0, conntrackEntriesRemoved: 0, affinityRecordsRemoved: 0 };

  const applyChanges = (changes: readonly ChangeEvent[]): void => {
    /** Services (namespace/name) whose Service or slices changed. */
    const touched = new Set<string>();
    const wasUDP = new Set<string>();
    let relevant = false;
    for (const change of changes) {
      const key = objectKey(change.object);
      let map: Map<string, KubeObject>;
      switch (change.kind) {
        case 'Service':
          map = services as Map<string, KubeObject>;
          touched.add(key);
          if (hasUDPPort(services.get(key))) wasUDP.add(key);
          break;
        case 'EndpointSlice': {
          map = slices as Map<string, KubeObject>;
          const owner = (change.previous ?? change.object).metadata.labels?.[LABEL_SERVICE_NAME];
          if (owner !== undefined) touched.add(`${change.object.metadata.namespace ?? ''}/${owner}`);
          break;
        }
        case 'ServiceCIDR':
          map = cidrs as Map<string, KubeObject>;
          break;
        default:
          continue;
      }
      relevant = true;
      if (change.type === 'DELETED') map.delete(key);
      else map.set(key, change.object);
    }
    if (!relevant) return;
    const ranges = [...cidrs.values()].flatMap((c) => c.spec.cidrs);
    engine.rules.setState([...services.values()], [...slices.values()], ranges.length > 0 ? ranges : DEFAULT_SERVICE_CIDRS);
    const cleanupRequired = [...touched].some((key) => wasUDP.has(key) || hasUDPPort(services.get(key)));
    const result = engine.flows.endpointsChanged(engine.rules.servicePortStates(), cleanupRequired);
    stats.syncs++;
    stats.conntrackEntriesRemoved += result.conntrackEntriesRemoved;
    stats.affinityRecordsRemoved += result.affinityRecordsRemoved;
  };

  const remove = cluster.addConsumer({ applyChanges }, { replay: true });
  return { stats, detach: remove };
}
