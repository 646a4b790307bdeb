import type { Cluster, ChangeEvent, ClusterConsumer } from '../cluster/cluster.js';
import type { EndpointSlice, Service } from '../model/types.js';
import type { DataPlane } from '../engine/dataplane.js';
import { parseIPv4, formatIPv4 } from '../model/ip.js';
import {
  PACKET_RECORD_WORDS, VERDICT_NAMES, RESULT_MASQUERADE, ST_OK, ST_EXISTS, STATUS_NAMES,
  MAX_BACKENDS_PER_SERVICE_PORT, MAX_SERVICE_PORT_ID, type VerdictName,
} from '../engine/records.js';
import {
  servicePortsOf, sameFrontend, PROTOCOL_NUMBERS, PROTOCOL_NAMES, type Frontend, type ServicePortInfo,
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

function frontendKey(f: Frontend): string {
  return `${formatIPv4(f.address)}:${f.port}/${PROTOCOL_NAMES[f.protocol] ?? f.protocol}`;
}

/** Slots per entry of NodeProxy's undo journal: map, key, had, old value. */
const JOURNAL_STRIDE = 4;

const ZERO_BACKEND: Backend = { address: 0, port: 0, flags: 0 };

/** (address, port) as one exact number (address < 2^32, port < 2^16: below 2^48). */
function backendKey(b: Backend): number {
  return b.address * 0x1_0000 + b.port;
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
 *
 * Backends keep their slots: a removed endpoint's slot takes a new endpoint (or the last
 * one), so adding or removing one endpoint writes one or two slots, whatever the set's
 * size. A sync is all-or-nothing towards the Cluster: when the data plane refuses a
 * write, the tracked state is restored, the data plane is re-synced to it, and the error
 * is rethrown (so the Cluster rolls the batch back).
 */
export class NodeProxy implements ClusterConsumer {
  readonly nodeName: string;
  readonly dataPlane: DataPlane;
  /** What the last sync wrote. */
  lastSync: SyncStats = emptyStats();

  private readonly services = new Map<string, ServicePortInfo[]>();
  private readonly slices = new Map<string, Map<string, SliceInfo>>();
  private readonly sliceOwners = new Map<string, string>();
  private readonly applied = new Map<string, Map<string, AppliedPort>>();
  /** Applied service ports by service port name. */
  private readonly portsByName = new Map<string, AppliedPort>();
  /** Frontends a service port wants but another one holds: key → names of the waiting ports. */
  private readonly waiting = new Map<string, Set<string>>();
  private readonly namesById: (string | undefined)[] = [];
  private readonly freeIds: number[] = [];
  private nextId = 1;
  private readonly batchCapacity: number;
  /**
   * Undo log of the tracker maps during one applyChanges, flat (no object per entry):
   * map, key, whether the key was present, its previous value — JOURNAL_STRIDE slots per write.
   */
  private journal: unknown[] = [];
  private detach: (() => void) | undefined;

  constructor(dataPlane: DataPlane, options: NodeProxyOptions) {
    const batchCapacity = options.batchCapacity ?? 4096;
    if (!Number.isInteger(batchCapacity) || batchCapacity < 1) {
      throw new RangeError(`svcnet: NodeProxy batchCapacity must be a positive integer, got ${batchCapacity}`);
    }
    this.dataPlane = dataPlane;
    this.nodeName = options.nodeName;
    this.batchCapacity = batchCapacity;
    dataPlane.reserveBatch(batchCapacity); // buffers only grow: this capacity stays available
  }

  /**
   * Frontend keys two service ports claim, as `address:port/protocol wanted by <port>`.
   * The first claimant keeps the key; a waiting one gets it when it is freed.
   */
  get conflicts(): string[] {
    const result: string[] = [];
    for (const [key, names] of this.waiting) for (const name of names) result.push(`${key} wanted by ${name}`);
    return result;
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
    this.journal = [];
    for (const change of changes) {
      if (change.kind === 'Service') this.trackService(change, touched);
      else if (change.kind === 'EndpointSlice') this.trackSlice(change, touched);
    }
    if (touched.size === 0) return;
    const keys = [...touched].sort();
    try {
      this.sync(keys);
    } catch (error) {
      this.undoJournal();
      try {
        this.sync(keys);
      } catch {
        // The data plane refuses its previous state too; the original error says why.
      }
      throw error;
    } finally {
      this.journal = [];
    }
  }

  private setTracked<K, V>(map: Map<K, V>, key: K, value: V | undefined): void {
    const had = map.has(key);
    this.journal.push(map, key, had, had ? map.get(key) : undefined);
    if (value === undefined) map.delete(key);
    else map.set(key, value);
  }

  /** Restores the tracker maps, newest write first. */
  private undoJournal(): void {
    const journal = this.journal;
    for (let i = journal.length - JOURNAL_STRIDE; i >= 0; i -= JOURNAL_STRIDE) {
      const map = journal[i] as Map<unknown, unknown>;
      if (journal[i + 2]) map.set(journal[i + 1], journal[i + 3]);
      else map.delete(journal[i + 1]);
    }
  }

  private trackService(change: ChangeEvent, touched: Set<string>): void {
    const service = change.object as Service;
    const key = `${service.metadata.namespace ?? 'default'}/${service.metadata.name}`;
    this.setTracked(this.services, key, change.type === 'DELETED' ? undefined : servicePortsOf(service));
    touched.add(key);
  }

  private trackSlice(change: ChangeEvent, touched: Set<string>): void {
    const slice = change.object as EndpointSlice;
    const sliceKey = `${slice.metadata.namespace ?? 'default'}/${slice.metadata.name}`;
    const previousOwner = this.sliceOwners.get(sliceKey);
    if (previousOwner !== undefined) {
      const bySlice = this.slices.get(previousOwner);
      if (bySlice) this.setTracked(bySlice, sliceKey, undefined);
      this.setTracked(this.sliceOwners, sliceKey, undefined);
      touched.add(previousOwner);
    }
    if (change.type === 'DELETED') return;
    const owner = sliceOwner(slice);
    const reduced = reduceSlice(slice);
    if (owner === undefined || reduced === undefined) return;
    let bySlice = this.slices.get(owner);
    if (!bySlice) this.setTracked(this.slices, owner, (bySlice = new Map()));
    this.setTracked(bySlice, sliceKey, reduced);
    this.setTracked(this.sliceOwners, sliceKey, owner);
    touched.add(owner);
  }

  /**
   * Programs the data plane for the touched services: everything is computed and checked
   * first, then removals are written, then additions, then waiting frontends retried.
   */
  private sync(serviceKeys: readonly string[]): void {
    const stats = emptyStats();
    const desired = new Map<string, Map<string, { info: ServicePortInfo; backends: Backend[] }>>();
    for (const key of serviceKeys) {
      const ports = new Map<string, { info: ServicePortInfo; backends: Backend[] }>();
      const slices = [...(this.slices.get(key)?.values() ?? [])];
      for (const info of this.services.get(key) ?? []) {
        const backends = clusterBackends(slices, info.portName, info.protocol);
        if (backends.length > MAX_BACKENDS_PER_SERVICE_PORT) {
          throw new RangeError(`svcnet: service port ${info.name} has ${backends.length} usable endpoints; a data plane holds at most ${MAX_BACKENDS_PER_SERVICE_PORT} per service port`);
        }
        ports.set(info.name, { info, backends });
      }
      desired.set(key, ports);
    }
    for (const key of serviceKeys) this.removeStale(key, desired.get(key)!, stats);
    for (const key of serviceKeys) this.addAndUpdate(key, desired.get(key)!, stats);
    if (this.waiting.size > 0) this.retryWaiting(stats);
    this.lastSync = stats;
  }

  private removeStale(key: string, desired: Map<string, { info: ServicePortInfo }>, stats: SyncStats): void {
    const applied = this.applied.get(key);
    if (!applied) return;
    for (const [name, port] of applied) {
      const next = desired.get(name);
      const keep = next ? next.info.frontends : [];
      if (this.waiting.size > 0) {
        for (const key of [...this.waiting.keys()]) {
          const names = this.waiting.get(key)!;
          if (names.has(name) && !keep.some((f) => frontendKey(f) === key)) {
            names.delete(name);
            if (names.size === 0) this.waiting.delete(key);
          }
        }
      }
      for (const frontend of [...port.frontends]) {
        if (keep.some((f) => sameFrontend(f, frontend))) continue;
        this.check(this.dataPlane.removeFrontend(frontend.address, frontend.port, frontend.protocol), 'removeFrontend');
        port.frontends = port.frontends.filter((f) => f !== frontend);
        stats.frontendsRemoved++;
      }
      if (!next) {
        this.check(this.dataPlane.removeServicePort(port.id), 'removeServicePort');
        this.namesById[port.id] = undefined;
        this.freeIds.push(port.id);
        applied.delete(name);
        this.portsByName.delete(name);
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
        const id = this.freeIds.length > 0 ? this.freeIds[this.freeIds.length - 1] : this.nextId;
        if (id > MAX_SERVICE_PORT_ID) throw new RangeError(`svcnet: more than ${MAX_SERVICE_PORT_ID} service ports`);
        this.check(this.dataPlane.upsertServicePort(id, info.flags), 'upsertServicePort');
        if (id === this.nextId) this.nextId++;
        else this.freeIds.pop();
        port = { id, info, frontends: [], backends: [] };
        applied.set(name, port);
        this.portsByName.set(name, port);
        this.namesById[id] = name;
        stats.servicePortsAdded++;
      } else if (port.info.flags !== info.flags) {
        this.check(this.dataPlane.upsertServicePort(port.id, info.flags), 'upsertServicePort');
        changed = true;
      }
      port.info = info;
      for (const frontend of info.frontends) {
        if (port.frontends.some((f) => sameFrontend(f, frontend))) continue;
        if (this.bindFrontend(port, frontend)) {
          stats.frontendsAdded++;
          changed = true;
        }
      }
      const writes = this.writeBackends(port, backends);
      stats.backendWrites += writes;
      if (!isNew && (changed || writes > 0)) stats.servicePortsUpdated++;
    }
  }

  /** Binds a frontend, or queues the port as waiting when another port holds the key. */
  private bindFrontend(port: AppliedPort, frontend: Frontend): boolean {
    const status = this.dataPlane.addFrontend(frontend.address, frontend.port, frontend.protocol, frontend.kind, port.id);
    const key = frontendKey(frontend);
    if (status === ST_EXISTS) {
      let names = this.waiting.get(key);
      if (!names) this.waiting.set(key, (names = new Set()));
      names.add(port.info.name);
      return false;
    }
    this.check(status, 'addFrontend');
    port.frontends.push(frontend);
    const names = this.waiting.get(key);
    if (names?.delete(port.info.name) && names.size === 0) this.waiting.delete(key);
    return true;
  }

  /** Gives freed frontend keys to the ports waiting for them, first come first served. */
  private retryWaiting(stats: SyncStats): void {
    for (const [key, names] of [...this.waiting]) {
      for (const name of [...names]) {
        const port = this.portsByName.get(name);
        const frontend = port?.info.frontends.find((f) => frontendKey(f) === key);
        if (!port || !frontend) {
          names.delete(name);
        } else if (this.bindFrontend(port, frontend)) {
          stats.frontendsAdded++;
          break;
        }
      }
      if (names.size === 0) this.waiting.delete(key);
    }
  }

  /**
   * Makes the port's backend slots hold `backends` (as a set; unique by address and port,
   * as clusterBackends returns them), moving as few slots as possible: kept endpoints stay
   * in their slot, new ones fill the slots of removed ones, then the end; leftover holes
   * are filled from the end and the count shrinks. Returns the number of data-plane writes.
   *
   * `port.backends` always mirrors the data plane, also when a write fails half-way (the
   * rollback re-syncs from it).
   */
  private writeBackends(port: AppliedPort, backends: readonly Backend[]): number {
    const old = port.backends;
    if (old.length === 0) return backends.length === 0 ? 0 : this.fillBackends(port, backends);
    const next: (Backend | undefined)[] = old.slice();
    // The table never holds more slots than max(old, new) while it is rearranged.
    const dirty = new Uint8Array(Math.max(old.length, backends.length));
    const wanted = new Map<number, Backend>();
    for (const b of backends) wanted.set(backendKey(b), b);
    const holes: number[] = [];
    for (let i = 0; i < old.length; i++) {
      const key = backendKey(old[i]);
      const w = wanted.get(key);
      if (w === undefined) {
        next[i] = undefined;
        holes.push(i);
        continue;
      }
      wanted.delete(key);
      if (!sameBackend(w, old[i])) {
        next[i] = w;
        dirty[i] = 1;
      }
    }
    const additions = wanted.size === 0 ? [] : [...wanted.values()];
    let a = 0;
    for (const hole of holes) {
      if (a === additions.length) break;
      next[hole] = additions[a++];
      dirty[hole] = 1;
    }
    while (a < additions.length) {
      next.push(additions[a++]);
      dirty[next.length - 1] = 1;
    }
    let end = next.length;
    for (const hole of holes) {
      if (next[hole] !== undefined) continue;
      while (end > 0 && next[end - 1] === undefined) end--;
      if (hole >= end) break;
      next[hole] = next[end - 1];
      next[end - 1] = undefined;
      dirty[hole] = 1;
      end--;
    }
    while (end > 0 && next[end - 1] === undefined) end--;
    next.length = end;

    let writes = 0;
    // `applied` is port.backends itself, updated as each write lands.
    const applied = old;
    if (next.length > old.length) {
      this.check(this.dataPlane.setBackendCount(port.id, next.length), 'setBackendCount');
      writes++;
      // New slots read as zero until written (DataPlane.setBackendCount).
      while (applied.length < next.length) applied.push(ZERO_BACKEND);
    }
    for (let i = 0; i < next.length; i++) {
      if (dirty[i] === 0) continue;
      const b = next[i]!;
      this.check(this.dataPlane.writeBackend(port.id, i, b.address, b.port, b.flags), 'writeBackend');
      applied[i] = b;
      writes++;
    }
    if (next.length < applied.length) {
      this.check(this.dataPlane.setBackendCount(port.id, next.length), 'setBackendCount');
      applied.length = next.length;
      writes++;
    }
    return writes;
  }

  /** writeBackends from no backends: one count, then every slot in order. */
  private fillBackends(port: AppliedPort, backends: readonly Backend[]): number {
    this.check(this.dataPlane.setBackendCount(port.id, backends.length), 'setBackendCount');
    const applied = port.backends;
    for (let i = 0; i < backends.length; i++) applied.push(ZERO_BACKEND);
    for (let i = 0; i < backends.length; i++) {
      const b = backends[i];
      this.check(this.dataPlane.writeBackend(port.id, i, b.address, b.port, b.flags), 'writeBackend');
      applied[i] = b;
    }
    return backends.length + 1;
  }

  private check(status: number, call: string): void {
    if (status !== ST_OK) {
      throw new Error(`svcnet: data plane ${this.dataPlane.kind} refused ${call}: ${STATUS_NAMES[status] ?? status}`);
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
    const input = this.dataPlane.inputView();
    input[0] = parseIPv4(packet.source);
    input[1] = parseIPv4(packet.destination);
    input[2] = sourcePort | (destinationPort << 16);
    input[3] = protocol;
    this.dataPlane.routeBatch(1);
    const out = this.dataPlane.outputView();
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
    const input = this.dataPlane.inputView();
    const verdicts = this.dataPlane.outputView();
    for (let done = 0; done < total; ) {
      const n = Math.min(this.batchCapacity, total - done);
      const words = n * PACKET_RECORD_WORDS;
      const from = done * PACKET_RECORD_WORDS;
      input.set(packets.subarray(from, from + words));
      this.dataPlane.routeBatch(n);
      output.set(verdicts.subarray(0, words), from);
      done += n;
    }
    return output;
  }
}
