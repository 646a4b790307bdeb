import type { Cluster, ChangeEvent, ClusterConsumer } from '../cluster/cluster.js';
import type { EndpointSlice, Service } from '../model/types.js';
import type { DataPlane } from '../engine/dataplane.js';
import { parseIPv4, formatIPv4 } from '../model/ip.js';
import {
  PACKET_RECORD_WORDS, VERDICT_NAMES, RESULT_MASQUERADE, ST_OK, STATUS_NAMES, type VerdictName,
} from '../engine/records.js';
import {
  servicePortsOf, sameFrontend, PROTOCOL_NUMBERS, type Frontend, type ServicePortInfo,
} from './serviceports.js';
import { clusterBackends, reduceSlice, sameBackend, sliceOwner, type Backend, type SliceInfo } from './endpoints.js';

export interface NodeProxyOptions {
  /** The node this proxy runs on (endpoints' `nodeName` is compared with it). */
  nodeName: string;
  /** Records per call to the data plane's batch kernel (default 4096). */
  batchCapacity?: number;
}

/** A packet as `route` takes it: addresses as dotted quads, protocol by name. */
export interface PacketInput {
  source: string;
  destination: string;
  sourcePort?: number;
  destinationPort: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export interface RouteResult {
  verdict: VerdictName;
  /** kube-proxy's service port name (`namespace/name:port`) when a frontend matched. */
  servicePort?: string;
  /** The chosen endpoint (DNAT only). */
  endpoint?: { address: string; port: number };
  masquerade: boolean;
}

/** What one sync wrote to the data plane; an idempotent re-apply writes nothing. */
export interface SyncStats {
  servicePortsAdded: number;
  servicePortsRemoved: number;
  servicePortsUpdated: number;
  frontendsAdded: number;
  frontendsRemoved: number;
  backendWrites: number;
}

interface AppliedPort {
  readonly id: number;
  info: ServicePortInfo;
  frontends: Frontend[];
  backends: Backend[];
}

function emptyStats(): SyncStats {
  return { servicePortsAdded: 0, servicePortsRemoved: 0, servicePortsUpdated: 0, frontendsAdded: 0, frontendsRemoved: 0, backendWrites: 0 };
}

/**
 * The per-node proxy: watches Services and EndpointSlices (never pods, as kube-proxy
 * does), reduces them to service ports and backend sets, and programs a data plane with
 * the difference from what it last applied (kube-proxy's change trackers:
 * pkg/proxy/servicechangetracker.go, endpointslicecache.go). All changes of one cluster
 * batch are coalesced into one sync; a change that alters nothing the data plane uses
 * writes nothing.
 */
export class NodeProxy implements ClusterConsumer {
  readonly nodeName: string;
  readonly dataPlane: DataPlane;
  /** Frontend keys that two service ports claimed; the first one keeps the key. */
  readonly conflicts: string[] = [];
  /** What the last sync wrote. */
  lastSync: SyncStats = emptyStats();

  private readonly services = new Map<string, ServicePortInfo[]>();
  private readonly slices = new Map<string, Map<string, SliceInfo>>();
  private readonly sliceOwners = new Map<string, string>();
  private readonly applied = new Map<string, Map<string, AppliedPort>>();
  private readonly namesById: (string | undefined)[] = [];
  private readonly freeIds: number[] = [];
  private nextId = 1;
  private readonly batchCapacity: number;
  private input: Uint32Array;
  private output: Uint32Array;
  private detach: (() => void) | undefined;

  constructor(dataPlane: DataPlane, options: NodeProxyOptions) {
    this.dataPlane = dataPlane;
    this.nodeName = options.nodeName;
    this.batchCapacity = options.batchCapacity ?? 4096;
    this.input = dataPlane.reserveBatch(this.batchCapacity);
    this.output = dataPlane.outputView();
  }

  /**
   * Loads the cluster's current Services and EndpointSlices, programs the data plane and
   * follows later changes. Returns a function that stops following.
   */
  attach(cluster: Cluster): () => void {
    if (this.detach) throw new Error(`svcnet: node proxy ${this.nodeName} is already attached to a cluster`);
    const remove = cluster.addConsumer(this, { replay: true });
    this.detach = () => {
      remove();
      this.detach = undefined;
    };
    return this.detach;
  }

  /** ClusterConsumer: called by the cluster with every committed batch, before its events. */
  applyChanges(changes: readonly ChangeEvent[]): void {
    const touched = new Set<string>();
    for (const change of changes) {
      if (change.kind === 'Service') this.trackService(change, touched);
      else if (change.kind === 'EndpointSlice') this.trackSlice(change, touched);
    }
    if (touched.size > 0) this.sync([...touched].sort());
  }

  private trackService(change: ChangeEvent, touched: Set<string>): void {
    const service = change.object as Service;
    const key = `${service.metadata.namespace ?? 'default'}/${service.metadata.name}`;
    if (change.type === 'DELETED') this.services.delete(key);
    else this.services.set(key, servicePortsOf(service));
    touched.add(key);
  }

  private trackSlice(change: ChangeEvent, touched: Set<string>): void {
    const slice = change.object as EndpointSlice;
    const sliceKey = `${slice.metadata.namespace ?? 'default'}/${slice.metadata.name}`;
    const previousOwner = this.sliceOwners.get(sliceKey);
    if (previousOwner !== undefined) {
      this.slices.get(previousOwner)?.delete(sliceKey);
      this.sliceOwners.delete(sliceKey);
      touched.add(previousOwner);
    }
    if (change.type === 'DELETED') return;
    const owner = sliceOwner(slice);
    const reduced = reduceSlice(slice);
    if (owner === undefined || reduced === undefined) return;
    let bySlice = this.slices.get(owner);
    if (!bySlice) this.slices.set(owner, (bySlice = new Map()));
    bySlice.set(sliceKey, reduced);
    this.sliceOwners.set(sliceKey, owner);
    touched.add(owner);
  }

  /** Programs the data plane for the touched services: removals first, then additions. */
  private sync(serviceKeys: readonly string[]): void {
    const stats = emptyStats();
    const desired = new Map<string, Map<string, { info: ServicePortInfo; backends: Backend[] }>>();
    for (const key of serviceKeys) {
      const ports = new Map<string, { info: ServicePortInfo; backends: Backend[] }>();
      const slices = this.slices.get(key)?.values() ?? [];
      const sliceList = [...slices];
      for (const info of this.services.get(key) ?? []) {
        ports.set(info.name, { info, backends: clusterBackends(sliceList, info.portName, info.protocol) });
      }
      desired.set(key, ports);
    }
    for (const key of serviceKeys) this.removeStale(key, desired.get(key)!, stats);
    for (const key of serviceKeys) this.addAndUpdate(key, desired.get(key)!, stats);
    this.lastSync = stats;
    this.input = this.dataPlane.reserveBatch(this.batchCapacity);
    this.output = this.dataPlane.outputView();
  }

  private removeStale(key: string, desired: Map<string, { info: ServicePortInfo }>, stats: SyncStats): void {
    const applied = this.applied.get(key);
    if (!applied) return;
    for (const [name, port] of applied) {
      const next = desired.get(name);
      const keep = next ? next.info.frontends : [];
      const kept: Frontend[] = [];
      for (const frontend of port.frontends) {
        if (keep.some((f) => sameFrontend(f, frontend))) {
          kept.push(frontend);
        } else {
          this.check(this.dataPlane.removeFrontend(frontend.address, frontend.port, frontend.protocol), 'removeFrontend');
          stats.frontendsRemoved++;
        }
      }
      port.frontends = kept;
      if (!next) {
        this.check(this.dataPlane.removeServicePort(port.id), 'removeServicePort');
        this.namesById[port.id] = undefined;
        this.freeIds.push(port.id);
        applied.delete(name);
        stats.servicePortsRemoved++;
      }
    }
    if (applied.size === 0) this.applied.delete(key);
  }

  private addAndUpdate(key: string, desired: Map<string, { info: ServicePortInfo; backends: Backend[] }>, stats: SyncStats): void {
    if (desired.size === 0) return;
    let applied = this.applied.get(key);
    if (!applied) this.applied.set(key, (applied = new Map()));
    for (const [name, { info, backends }] of desired) {
      let port = applied.get(name);
      const isNew = port === undefined;
      let changed = false;
      if (!port) {
        const id = this.freeIds.pop() ?? this.nextId++;
        this.check(this.dataPlane.upsertServicePort(id, info.flags), 'upsertServicePort');
        port = { id, info, frontends: [], backends: [] };
        applied.set(name, port);
        this.namesById[id] = name;
        stats.servicePortsAdded++;
      } else if (port.info.flags !== info.flags) {
        this.check(this.dataPlane.upsertServicePort(port.id, info.flags), 'upsertServicePort');
        changed = true;
      }
      port.info = info;
      for (const frontend of info.frontends) {
        if (port.frontends.some((f) => sameFrontend(f, frontend))) continue;
        const status = this.dataPlane.addFrontend(frontend.address, frontend.port, frontend.protocol, frontend.kind, port.id);
        if (status === ST_OK) {
          port.frontends.push(frontend);
          stats.frontendsAdded++;
          changed = true;
        } else {
          this.conflicts.push(`${formatIPv4(frontend.address)}:${frontend.port}/${frontend.protocol} wanted by ${name}: ${STATUS_NAMES[status] ?? status}`);
        }
      }
      const writes = this.writeBackends(port, backends);
      stats.backendWrites += writes;
      if (!isNew && (changed || writes > 0)) stats.servicePortsUpdated++;
    }
  }

  /** Writes only the backend slots that differ from what was applied; returns the count. */
  private writeBackends(port: AppliedPort, backends: Backend[]): number {
    const old = port.backends;
    let writes = 0;
    if (old.length !== backends.length) {
      this.check(this.dataPlane.setBackendCount(port.id, backends.length), 'setBackendCount');
      writes++;
    }
    for (let i = 0; i < backends.length; i++) {
      if (i < old.length && sameBackend(old[i], backends[i])) continue;
      const b = backends[i];
      this.check(this.dataPlane.writeBackend(port.id, i, b.address, b.port, b.flags), 'writeBackend');
      writes++;
    }
    port.backends = backends;
    return writes;
  }

  private check(status: number, call: string): void {
    if (status !== ST_OK) {
      throw new Error(`svcnet: data plane ${this.dataPlane.kind} refused ${call}: ${STATUS_NAMES[status] ?? status} (a svcnet bug)`);
    }
  }

  /** The service port name of a data-plane id, as found in verdict records. */
  servicePortName(id: number): string | undefined {
    return this.namesById[id];
  }

  /** Number of service ports programmed. */
  get servicePortCount(): number {
    let n = 0;
    for (const ports of this.applied.values()) n += ports.size;
    return n;
  }

  /** Routes one packet (convenience; use routeBatch for throughput). */
  route(packet: PacketInput): RouteResult {
    const protocol = PROTOCOL_NUMBERS[packet.protocol ?? 'TCP'];
    if (protocol === undefined) throw new TypeError(`svcnet: unknown protocol ${JSON.stringify(packet.protocol)} (want TCP, UDP or SCTP)`);
    const destinationPort = packet.destinationPort;
    const sourcePort = packet.sourcePort ?? 0;
    for (const [field, value] of [['sourcePort', sourcePort], ['destinationPort', destinationPort]] as const) {
      if (!Number.isInteger(value) || value < 0 || value > 65535) throw new RangeError(`svcnet: packet.${field} must be an integer 0–65535, got ${value}`);
    }
    const input = this.input;
    input[0] = parseIPv4(packet.source);
    input[1] = parseIPv4(packet.destination);
    input[2] = sourcePort | (destinationPort << 16);
    input[3] = protocol;
    this.dataPlane.routeBatch(1);
    const out = this.output;
    const verdict = VERDICT_NAMES[out[0] & 0xff];
    const result: RouteResult = { verdict, masquerade: ((out[0] >>> 8) & RESULT_MASQUERADE) !== 0 };
    if (out[1] !== 0) result.servicePort = this.namesById[out[1]];
    if (verdict === 'DNAT') result.endpoint = { address: formatIPv4(out[2]), port: out[3] & 0xffff };
    return result;
  }

  /**
   * Routes packet records (4 words each, see sdk/engine/records.ts) into verdict records.
   * `output` must hold as many words as `packets`; no per-packet allocation happens.
   */
  routeBatch(packets: Uint32Array, output: Uint32Array = new Uint32Array(packets.length)): Uint32Array {
    if (packets.length % PACKET_RECORD_WORDS !== 0) throw new RangeError(`svcnet: packet records are ${PACKET_RECORD_WORDS} words; got ${packets.length} words`);
    if (output.length < packets.length) throw new RangeError(`svcnet: output holds ${output.length} words, need ${packets.length}`);
    const total = packets.length / PACKET_RECORD_WORDS;
    const input = this.input;
    for (let done = 0; done < total; ) {
      const n = Math.min(this.batchCapacity, total - done);
      const words = n * PACKET_RECORD_WORDS;
      const from = done * PACKET_RECORD_WORDS;
      input.set(packets.subarray(from, from + words));
      this.dataPlane.routeBatch(n);
      output.set(this.output.subarray(0, words), from);
      done += n;
    }
    return output;
  }
}
