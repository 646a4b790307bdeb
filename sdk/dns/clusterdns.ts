import type { Cluster, ChangeEvent, ClusterConsumer } from '../cluster/cluster.js';
import type { EndpointSlice, Namespace, Pod, Service } from '../model/types.js';
import { LABEL_SERVICE_NAME } from '../model/types.js';
import type { DnsPlane } from '../engine/dnsplane.js';
import { DNS_PODS_DISABLED, DNS_PODS_INSECURE, DNS_PODS_VERIFIED } from '../engine/dnsplane.js';
import { createWasmDnsPlane } from '../engine/dnscore.js';
import type { CoreTarget, WasmSource } from '../engine/exports.js';
import { ST_OK, STATUS_NAMES } from '../engine/records.js';
import {
  RR_TYPE_CODES,
  encodeRRset,
  formatRData,
  isKubeDnsService,
  namespaceRecords,
  podRRset,
  podRecordAddresses,
  ptrRRset,
  resolveRecordOptions,
  servedZones,
  serviceRecords,
  sortRRsets,
  zoneRecords,
  type PtrClaim,
  type RRset,
  type RecordOptions,
  type RecordOptionsInput,
  type RecordSet,
} from './records.js';

export interface ClusterDnsOptions extends RecordOptionsInput {
  /** Out-of-zone queries give DNS_FORWARD (the server forwards them) instead of REFUSED. */
  forwardOutOfZone?: boolean;
  /** Clock in milliseconds since the epoch (default `Date.now`); the SOA serial is its seconds. */
  now?: () => number;
}

/** What one sync wrote to the data plane; a change that alters no RRset writes nothing. */
export interface DnsSyncStats {
  /** Owners of records recomputed: Services, Namespaces, reverse names, pod IPs, the zone apex. */
  recomputed: number;
  /** `setRRset` calls that added or replaced an RRset. */
  rrsetsWritten: number;
  /** `setRRset` calls that removed one. */
  rrsetsRemoved: number;
  /** `setExists` calls that declared a name. */
  namesDeclared: number;
  /** `setExists` calls that undeclared one. */
  namesUndeclared: number;
}

interface AppliedRRset {
  readonly rrset: RRset;
  /** TTL and RDATA in presentation form: equal keys, equal RRsets. */
  readonly key: string;
}

/** What the data plane holds for one owner of records (a Service, a namespace…). */
interface Applied {
  readonly rrsets: Map<string, AppliedRRset>;
  readonly names: Set<string>;
}

const PODS_MODES = { disabled: DNS_PODS_DISABLED, insecure: DNS_PODS_INSECURE, verified: DNS_PODS_VERIFIED } as const;
const ZONE = 'zone';

function emptyStats(): DnsSyncStats {
  return { recomputed: 0, rrsetsWritten: 0, rrsetsRemoved: 0, namesDeclared: 0, namesUndeclared: 0 };
}

function rrsetKey(rrset: RRset): string {
  return `${rrset.ttl}|${rrset.rdata.map(formatRData).join('|')}`;
}

const objectKey = (o: { metadata: { namespace?: string; name: string } }): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;

/**
 * Cluster DNS over a data plane: follows a Cluster's Namespaces, Services, EndpointSlices
 * and (with `pods: 'verified'`) Pods, derives the name table (records.ts) and writes the
 * data plane only the RRsets and names that differ from what it wrote before — the
 * pattern of kube-proxy's change trackers (pkg/proxy/servicechangetracker.go), keyed here
 * by the owner of the records: a Service change recomputes that Service's names and the
 * reverse names of its addresses, nothing else. Every change of one cluster batch is one
 * sync; events fire after the data plane reflects it (ClusterConsumer).
 *
 * The SOA serial is the Unix time of the last sync that changed the table
 * (CoreDNS: the time of the last relevant API change); a sync that changes nothing keeps it.
 */
export class ClusterDns implements ClusterConsumer {
  readonly plane: DnsPlane;
  readonly options: RecordOptions;
  /** The zones served: the cluster domain, then `in-addr.arpa` and `ip6.arpa` when reverse zones are on. */
  readonly zones: readonly string[];
  readonly forwardOutOfZone: boolean;
  /** What the last sync wrote. */
  lastSync: DnsSyncStats = emptyStats();

  private readonly now: () => number;
  private serialValue: number;
  private readonly namespaces = new Set<string>();
  private readonly services = new Map<string, Service>();
  private readonly slicesByService = new Map<string, Map<string, EndpointSlice>>();
  private readonly sliceOwners = new Map<string, string>();
  private readonly claimsByService = new Map<string, readonly PtrClaim[]>();
  private readonly claimsByAddress = new Map<string, Map<string, PtrClaim[]>>();
  private readonly podAddresses = new Map<string, readonly string[]>();
  private readonly podAddressRefs = new Map<string, number>();
  private readonly applied = new Map<string, Applied>();
  private stopFollowing: (() => void) | undefined;

  /**
   * Configures the data plane (zones, pods mode, forwarding) and writes the zone apex.
   * Throws RangeError/TypeError on bad options, Error when the plane refuses.
   */
  constructor(plane: DnsPlane, options: ClusterDnsOptions = {}) {
    this.plane = plane;
    this.options = resolveRecordOptions(options);
    this.zones = servedZones(this.options);
    this.forwardOutOfZone = options.forwardOutOfZone ?? false;
    this.now = options.now ?? Date.now;
    this.serialValue = this.clockSerial();
    this.check(plane.configure({ zones: this.zones, podsMode: PODS_MODES[this.options.pods], forwardOutOfZone: this.forwardOutOfZone }), 'configure');
    this.sync(new Set([ZONE]), false);
  }

  /** The SOA serial in use. */
  get serial(): number {
    return this.serialValue;
  }

  /**
   * Loads the cluster's current objects (one batch), then follows its changes. Returns a
   * function that stops following; the table stays as it is.
   */
  attach(cluster: Cluster): () => void {
    if (this.stopFollowing) throw new Error('svcnet: this ClusterDns is already attached to a cluster');
    const remove = cluster.addConsumer(this, { replay: true });
    const stop = (): void => {
      if (this.stopFollowing !== stop) return;
      remove();
      this.stopFollowing = undefined;
    };
    this.stopFollowing = stop;
    return stop;
  }

  /** Stops following the attached cluster (no-op when not attached); the table stays. */
  detach(): void {
    this.stopFollowing?.();
  }

  /** ClusterConsumer: called with every committed batch, before its events. */
  applyChanges(changes: readonly ChangeEvent[]): void {
    const dirty = new Set<string>();
    for (const change of changes) {
      switch (change.kind) {
        case 'Namespace':
          this.trackNamespace(change as ChangeEvent<Namespace>, dirty);
          break;
        case 'Service':
          this.trackService(change as ChangeEvent<Service>, dirty);
          break;
        case 'EndpointSlice':
          this.trackSlice(change as ChangeEvent<EndpointSlice>, dirty);
          break;
        case 'Pod':
          if (this.options.pods === 'verified') this.trackPod(change as ChangeEvent<Pod>, dirty);
          break;
      }
    }
    if (dirty.size > 0) this.sync(dirty, true);
    else this.lastSync = emptyStats();
  }

  /** Answers one wire-format query (see DnsPlane.answer); `out` must hold 65535 bytes. */
  answer(query: Uint8Array, transport: number, out: Uint8Array): number {
    return this.plane.answer(query, transport, out);
  }

  /** Every RRset the data plane holds, sorted by owner then type. */
  records(): RRset[] {
    const out: RRset[] = [];
    for (const a of this.applied.values()) for (const r of a.rrsets.values()) out.push(r.rrset);
    return sortRRsets(out);
  }

  /** The names declared to exist without RRsets, sorted. */
  names(): string[] {
    const out: string[] = [];
    for (const a of this.applied.values()) out.push(...a.names);
    return out.sort();
  }

  // ------------------------------------------------------------------------ tracking

  private trackNamespace(change: ChangeEvent<Namespace>, dirty: Set<string>): void {
    const name = change.object.metadata.name;
    const exists = change.type !== 'DELETED';
    if (exists === this.namespaces.has(name)) return;
    if (exists) this.namespaces.add(name);
    else this.namespaces.delete(name);
    dirty.add(`ns:${name}`);
  }

  private trackService(change: ChangeEvent<Service>, dirty: Set<string>): void {
    const key = objectKey(change.object);
    if (change.type === 'DELETED') this.services.delete(key);
    else this.services.set(key, change.object);
    dirty.add(`svc:${key}`);
    if (key === 'kube-system/kube-dns') dirty.add(ZONE);
  }

  private trackSlice(change: ChangeEvent<EndpointSlice>, dirty: Set<string>): void {
    const slice = change.object;
    const sliceKey = objectKey(slice);
    const previous = this.sliceOwners.get(sliceKey);
    if (previous !== undefined) {
      this.slicesByService.get(previous)?.delete(sliceKey);
      if (this.slicesByService.get(previous)?.size === 0) this.slicesByService.delete(previous);
      this.sliceOwners.delete(sliceKey);
      dirty.add(`svc:${previous}`);
    }
    if (change.type === 'DELETED') return;
    const service = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!service) return;
    const owner = `${slice.metadata.namespace ?? 'default'}/${service}`;
    let bySlice = this.slicesByService.get(owner);
    if (!bySlice) this.slicesByService.set(owner, (bySlice = new Map()));
    bySlice.set(sliceKey, slice);
    this.sliceOwners.set(sliceKey, owner);
    dirty.add(`svc:${owner}`);
  }

  private trackPod(change: ChangeEvent<Pod>, dirty: Set<string>): void {
    const pod = change.object;
    const ns = pod.metadata.namespace ?? 'default';
    const key = objectKey(pod);
    const before = this.podAddresses.get(key) ?? [];
    const after = change.type === 'DELETED' ? [] : podRecordAddresses(pod);
    if (before.length === after.length && before.every((a, i) => a === after[i])) return;
    for (const ip of before) this.refPodAddress(`${ns}/${ip}`, -1, dirty);
    for (const ip of after) this.refPodAddress(`${ns}/${ip}`, 1, dirty);
    if (after.length > 0) this.podAddresses.set(key, after);
    else this.podAddresses.delete(key);
  }

  private refPodAddress(key: string, delta: number, dirty: Set<string>): void {
    const n = (this.podAddressRefs.get(key) ?? 0) + delta;
    if (n > 0) this.podAddressRefs.set(key, n);
    else this.podAddressRefs.delete(key);
    dirty.add(`pod:${key}`);
  }

  /** Replaces a Service's reverse-name claims; marks the addresses whose claims changed. */
  private setClaims(serviceKey: string, claims: readonly PtrClaim[], dirty: Set<string>): void {
    const before = this.claimsByService.get(serviceKey) ?? [];
    const group = (list: readonly PtrClaim[]): Map<string, PtrClaim[]> => {
      const m = new Map<string, PtrClaim[]>();
      for (const c of list) {
        let l = m.get(c.address);
        if (!l) m.set(c.address, (l = []));
        l.push(c);
      }
      return m;
    };
    const old = group(before);
    const next = group(claims);
    for (const address of new Set([...old.keys(), ...next.keys()])) {
      const a = old.get(address) ?? [];
      const b = next.get(address) ?? [];
      if (a.length === b.length && a.every((c, i) => c.target === b[i].target && c.clusterIP === b[i].clusterIP)) continue;
      let byService = this.claimsByAddress.get(address);
      if (b.length > 0) {
        if (!byService) this.claimsByAddress.set(address, (byService = new Map()));
        byService.set(serviceKey, b);
      } else if (byService) {
        byService.delete(serviceKey);
        if (byService.size === 0) this.claimsByAddress.delete(address);
      }
      dirty.add(`ptr:${address}`);
    }
    if (claims.length > 0) this.claimsByService.set(serviceKey, claims);
    else this.claimsByService.delete(serviceKey);
  }

  // ------------------------------------------------------------------------ sync

  /** The records of one owner as they should be now. */
  private desired(owner: string, dirty: Set<string>): RecordSet {
    const colon = owner.indexOf(':');
    const kind = colon < 0 ? owner : owner.slice(0, colon);
    const key = owner.slice(colon + 1);
    switch (kind) {
      case 'svc': {
        const service = this.services.get(key);
        if (service === undefined) {
          this.setClaims(key, [], dirty);
          return { rrsets: [], names: [] };
        }
        const records = serviceRecords(service, [...(this.slicesByService.get(key)?.values() ?? [])], this.options);
        this.setClaims(key, records.ptrClaims, dirty);
        return records;
      }
      case 'ns':
        return this.namespaces.has(key) ? namespaceRecords(key, this.options) : { rrsets: [], names: [] };
      case 'ptr': {
        const claims = [...(this.claimsByAddress.get(key)?.values() ?? [])].flat();
        const rr = ptrRRset(key, claims, this.options);
        return { rrsets: rr ? [rr] : [], names: [] };
      }
      case 'pod': {
        if (!this.podAddressRefs.has(key)) return { rrsets: [], names: [] };
        const slash = key.indexOf('/');
        const rr = podRRset(key.slice(0, slash), key.slice(slash + 1), this.options);
        return { rrsets: rr ? [rr] : [], names: [] };
      }
      default: {
        const kubeDns = this.services.get('kube-system/kube-dns');
        return zoneRecords({ serial: this.serialValue, kubeDns: kubeDns !== undefined && isKubeDnsService(kubeDns) }, this.options);
      }
    }
  }

  /**
   * Recomputes the dirty owners (Services first, since they mark reverse names dirty),
   * bumps the serial when anything changed, and writes removals before additions.
   */
  private sync(dirty: Set<string>, bumpSerial: boolean): void {
    const stats = emptyStats();
    const next = new Map<string, RecordSet>();
    // Services first: recomputing one marks the reverse names of its addresses dirty.
    for (const owner of [...dirty].filter((o) => o.startsWith('svc:')).sort()) next.set(owner, this.desired(owner, dirty));
    for (const owner of [...dirty].filter((o) => !o.startsWith('svc:') && o !== ZONE).sort()) next.set(owner, this.desired(owner, dirty));
    let changed = false;
    for (const [owner, set] of next) if (this.differs(owner, set)) changed = true;
    if (changed && bumpSerial) {
      const serial = this.clockSerial();
      if (serial !== this.serialValue) {
        this.serialValue = serial;
        dirty.add(ZONE);
      }
    }
    if (dirty.has(ZONE)) next.set(ZONE, this.desired(ZONE, dirty));
    stats.recomputed = next.size;
    for (const [owner, set] of next) this.write(owner, set, 'remove', stats);
    for (const [owner, set] of next) this.write(owner, set, 'add', stats);
    this.lastSync = stats;
  }

  private differs(owner: string, set: RecordSet): boolean {
    const applied = this.applied.get(owner);
    if (!applied) return set.rrsets.length > 0 || set.names.length > 0;
    if (applied.rrsets.size !== set.rrsets.length || applied.names.size !== set.names.length) return true;
    for (const rr of set.rrsets) if (applied.rrsets.get(`${rr.owner}|${rr.type}`)?.key !== rrsetKey(rr)) return true;
    for (const n of set.names) if (!applied.names.has(n)) return true;
    return false;
  }

  /** Writes one owner's difference: in the `remove` pass what went away, in `add` what is new. */
  private write(owner: string, set: RecordSet, pass: 'remove' | 'add', stats: DnsSyncStats): void {
    let applied = this.applied.get(owner);
    if (pass === 'remove') {
      if (!applied) return;
      const keep = new Set(set.rrsets.map((rr) => `${rr.owner}|${rr.type}`));
      for (const [key, a] of applied.rrsets) {
        if (keep.has(key)) continue;
        this.check(this.plane.setRRset(a.rrset.owner, RR_TYPE_CODES[a.rrset.type], 0, []), 'setRRset');
        applied.rrsets.delete(key);
        stats.rrsetsRemoved++;
      }
      const names = new Set(set.names);
      for (const name of [...applied.names]) {
        if (names.has(name)) continue;
        this.check(this.plane.setExists(name, false), 'setExists');
        applied.names.delete(name);
        stats.namesUndeclared++;
      }
      if (applied.rrsets.size === 0 && applied.names.size === 0) this.applied.delete(owner);
      return;
    }
    if (set.rrsets.length === 0 && set.names.length === 0) return;
    if (!applied) this.applied.set(owner, (applied = { rrsets: new Map(), names: new Set() }));
    for (const rr of set.rrsets) {
      const key = `${rr.owner}|${rr.type}`;
      const value = rrsetKey(rr);
      if (applied.rrsets.get(key)?.key === value) continue;
      this.check(this.plane.setRRset(rr.owner, RR_TYPE_CODES[rr.type], rr.ttl, encodeRRset(rr)), 'setRRset');
      applied.rrsets.set(key, { rrset: rr, key: value });
      stats.rrsetsWritten++;
    }
    for (const name of set.names) {
      if (applied.names.has(name)) continue;
      this.check(this.plane.setExists(name, true), 'setExists');
      applied.names.add(name);
      stats.namesDeclared++;
    }
  }

  private clockSerial(): number {
    return Math.floor(this.now() / 1000) >>> 0;
  }

  private check(status: number, call: string): void {
    if (status !== ST_OK) {
      throw new Error(`svcnet: DNS data plane ${this.plane.kind} refused ${call}: ${STATUS_NAMES[status] ?? status} (a svcnet bug)`);
    }
  }
}

export interface CreateClusterDnsOptions extends ClusterDnsOptions {
  /** The data plane; default a fresh wasm core (`createWasmDnsPlane`). */
  plane?: DnsPlane;
  /** Core build for the default plane: `release` (default) or `debug`. */
  target?: CoreTarget;
  /** Explicit source of the core's bytes for the default plane. */
  wasm?: WasmSource;
}

/** Creates cluster DNS on a fresh data plane, loaded with the cluster and following it. */
export async function createClusterDns(cluster: Cluster, options: CreateClusterDnsOptions = {}): Promise<ClusterDns> {
  const plane = options.plane ?? (await createWasmDnsPlane({ target: options.target, wasm: options.wasm }));
  const dns = new ClusterDns(plane, options);
  dns.attach(cluster);
  return dns;
}
