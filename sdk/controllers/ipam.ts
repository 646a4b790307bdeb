/**
 * Service IP and port allocation, after the Kubernetes API server's Service registry
 * (`pkg/registry/core/service/storage/alloc.go`, `ipallocator/`, `portallocator/`).
 *
 * - ClusterIPs come from the CIDRs of the cluster's ServiceCIDR objects; while there are
 *   none, from the fallback range (`--service-cluster-ip-range`, default 10.96.0.0/12).
 *   IPv4 only for now: IPv6 CIDRs of a ServiceCIDR are accepted and ignored, and a Service
 *   asking for IPv6 or dual-stack is rejected as the API server rejects it on a
 *   single-stack cluster.
 * - The network and broadcast addresses of a range are never handed out.
 * - A requested IP is honoured when it is free and inside an active range. Dynamic
 *   allocation draws from a seeded PRNG (no `Math.random`), upper band first (KEP-3070).
 * - NodePorts come from 30000–32767 the same way (KEP-3668 bands), for NodePort and
 *   LoadBalancer Services (unless `allocateLoadBalancerNodePorts: false`); ports sharing a
 *   port number share one node port; `healthCheckNodePort` for LoadBalancers with
 *   `externalTrafficPolicy: Local`.
 *
 * Every mutation is recorded in an undo journal, so the Cluster can roll a rejected batch
 * back exactly, PRNG state included. Each public ServiceIPAM call is atomic by itself too.
 */

import {
  FieldError,
  InternalError,
  ValidationError,
  fieldErrors as fe,
  goStrings,
} from '../model/errors.js';
import { cidrLast, formatCIDR, formatIPv4, parseCIDR, tryParseIPv4 } from '../model/ip.js';
import type { IPv4CIDR } from '../model/ip.js';
import { Random } from '../model/random.js';
import {
  allocatesClusterIP,
  allocatesNodePorts,
  isHeadlessService,
  mayHaveNodePorts,
  needsHealthCheck,
  serviceNodePorts,
} from '../model/service.js';
import type { IPFamily, Service } from '../model/types.js';
import { RangeBitmap, reservedBandSize } from './bitmap.js';

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';
/** The families this IPAM serves, primary first. */
export const CLUSTER_IP_FAMILIES: readonly IPFamily[] = ['IPv4'];

/** Receives the inverse of every mutation; replaying them in reverse undoes the changes. */
export interface Journal {
  record(undo: () => void): void;
}

export type AllocationFailure = 'allocated' | 'not-in-range' | 'full';

/** Raised by the allocators; ServiceIPAM turns it into the API server's errors. */
export class AllocationError extends Error {
  constructor(
    readonly reason: AllocationFailure,
    message: string,
  ) {
    super(message);
    this.name = 'AllocationError';
  }
}

type Record_ = (undo: () => void) => void;

// ---------------------------------------------------------------------------- ClusterIPs

interface IPRange {
  readonly key: string;
  readonly cidr: IPv4CIDR;
  /** First usable address: the network address + 1. */
  readonly base: number;
  readonly bits: RangeBitmap;
  readonly owners: Set<string>;
  readonly fallback: boolean;
}

function newRange(cidr: IPv4CIDR, fallback: boolean): IPRange {
  const total = 2 ** (32 - cidr.prefix);
  const usable = Math.max(0, total - 2);
  // KEP-3070: min(max(16, size/16), 256) addresses at the bottom for static requests.
  return {
    key: formatCIDR(cidr),
    cidr,
    base: cidr.address + 1,
    bits: new RangeBitmap(usable, Math.min(reservedBandSize(total, 16, 16, 256), usable)),
    owners: new Set(),
    fallback,
  };
}

function rangeContains(r: IPRange, ip: number): boolean {
  return ip >= r.base && ip < r.base + r.bits.size;
}

function ipv4CIDRs(cidrs: readonly string[]): IPv4CIDR[] {
  const out: IPv4CIDR[] = [];
  for (const c of cidrs) {
    const parsed = parseCIDR(c);
    if (parsed.family === 'IPv4') out.push(parsed);
  }
  return out;
}

/**
 * ClusterIP allocator over several ranges. The ranges of ServiceCIDR objects ("owners")
 * are active; with no owned range, the fallback ranges are. A range no longer owned keeps
 * tracking its allocated addresses until they are released.
 */
export class ClusterIPAllocator {
  private readonly ranges = new Map<string, IPRange>();
  private readonly allocatedIPs = new Set<number>();
  private active: IPRange[] = [];

  constructor(
    fallbackCIDRs: readonly string[],
    private readonly random: Random,
    private readonly record: Record_ = () => {},
  ) {
    for (const cidr of ipv4CIDRs(fallbackCIDRs)) {
      const r = newRange(cidr, true);
      if (!this.ranges.has(r.key)) this.ranges.set(r.key, r);
    }
    if (this.ranges.size === 0) throw new RangeError('svcnet: at least one IPv4 service CIDR is needed');
    this.refreshActive();
  }

  private refreshActive(): void {
    const owned = [...this.ranges.values()].filter((r) => r.owners.size > 0);
    this.active = owned.length > 0 ? owned : [...this.ranges.values()].filter((r) => r.fallback);
  }

  /** The CIDRs new addresses come from, in the order they are tried. */
  activeCIDRs(): string[] {
    return this.active.map((r) => r.key);
  }

  /** Makes the IPv4 CIDRs of ServiceCIDR `owner` active. */
  addOwner(owner: string, cidrs: readonly string[]): void {
    // Recorded first so that, replayed last, it sees the restored owners.
    this.record(() => this.refreshActive());
    for (const cidr of ipv4CIDRs(cidrs)) {
      const key = formatCIDR(cidr);
      let r = this.ranges.get(key);
      if (r === undefined) {
        const created = newRange(cidr, false);
        for (const ip of this.allocatedIPs) if (rangeContains(created, ip)) created.bits.set(ip - created.base);
        this.ranges.set(key, created);
        this.record(() => this.ranges.delete(key));
        r = created;
      }
      if (!r.owners.has(owner)) {
        const range = r;
        range.owners.add(owner);
        this.record(() => range.owners.delete(owner));
      }
    }
    this.refreshActive();
  }

  /** Stops allocating from the ranges of `owner`. */
  removeOwner(owner: string): void {
    this.record(() => this.refreshActive());
    for (const r of [...this.ranges.values()]) {
      if (!r.owners.delete(owner)) continue;
      this.record(() => r.owners.add(owner));
      this.dropIfUnused(r);
    }
    this.refreshActive();
  }

  private dropIfUnused(r: IPRange): void {
    if (r.fallback || r.owners.size > 0 || r.bits.count > 0) return;
    this.ranges.delete(r.key);
    this.record(() => {
      this.ranges.set(r.key, r);
    });
  }

  /** Allocated addresses inside `cidrs` that no active range covers. */
  orphanedIn(cidrs: readonly string[]): number {
    const within = ipv4CIDRs(cidrs);
    let n = 0;
    for (const ip of this.allocatedIPs) {
      const inside = within.some((c) => ip > c.address && ip < cidrLast(c));
      if (inside && !this.active.some((r) => rangeContains(r, ip))) n++;
    }
    return n;
  }

  has(ip: number): boolean {
    return this.allocatedIPs.has(ip >>> 0);
  }

  get size(): number {
    return this.allocatedIPs.size;
  }

  private mark(ip: number): void {
    this.markRaw(ip);
    this.record(() => this.unmark(ip));
  }

  /** Undo entries must not record, so `mark` without the journal. */
  private markRaw(ip: number): void {
    this.allocatedIPs.add(ip);
    for (const r of this.ranges.values()) if (rangeContains(r, ip)) r.bits.set(ip - r.base);
  }

  private unmark(ip: number): void {
    this.allocatedIPs.delete(ip);
    for (const r of this.ranges.values()) if (rangeContains(r, ip)) r.bits.clear(ip - r.base);
  }

  /** Reserves a specific address. Throws `AllocationError` (`not-in-range`, `allocated`). */
  allocate(ip: number): void {
    const a = ip >>> 0;
    if (!this.active.some((r) => rangeContains(r, a))) {
      throw new AllocationError(
        'not-in-range',
        `the provided IP (${formatIPv4(a)}) is not in the valid range. The range of valid IPs is ${this.activeCIDRs().join(', ')}`,
      );
    }
    if (this.allocatedIPs.has(a)) throw new AllocationError('allocated', 'provided IP is already allocated');
    this.mark(a);
  }

  /** Reserves a free address from the first active range that has one. */
  allocateNext(): number {
    for (const r of this.active) {
      if (r.bits.free === 0) continue;
      const state = this.random.state;
      this.record(() => {
        this.random.state = state;
      });
      const offset = r.bits.pickNext(this.random);
      if (offset < 0) continue;
      const ip = (r.base + offset) >>> 0;
      this.mark(ip);
      return ip;
    }
    throw new AllocationError('full', 'range is full');
  }

  /** Frees an address; false if it was not allocated. */
  release(ip: number): boolean {
    const a = ip >>> 0;
    if (!this.allocatedIPs.has(a)) return false;
    this.unmark(a);
    this.record(() => this.markRaw(a));
    for (const r of [...this.ranges.values()]) if (rangeContains(r, a)) this.dropIfUnused(r);
    return true;
  }

  /** Allocated addresses, ascending. */
  allocated(): number[] {
    return [...this.allocatedIPs].sort((x, y) => x - y);
  }

  rangeStates(): { cidr: string; owners: string[]; fallback: boolean; active: boolean; allocated: number }[] {
    return [...this.ranges.values()].map((r) => ({
      cidr: r.key,
      owners: [...r.owners].sort(),
      fallback: r.fallback,
      active: this.active.includes(r),
      allocated: r.bits.count,
    }));
  }
}

// ---------------------------------------------------------------------------- NodePorts

function parsePortRange(text: string): { base: number; size: number } {
  const m = /^(\d+)-(\d+)$/.exec(text);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!m || lo < 1 || hi > 65535 || lo > hi) throw new RangeError(`svcnet: invalid port range ${JSON.stringify(text)}`);
  return { base: lo, size: hi - lo + 1 };
}

/** Port allocator for `--service-node-port-range` (default 30000-32767). */
export class PortAllocator {
  readonly range: string;
  readonly base: number;
  private readonly bits: RangeBitmap;

  constructor(
    range: string,
    private readonly random: Random,
    private readonly record: Record_ = () => {},
  ) {
    const { base, size } = parsePortRange(range);
    this.range = range;
    this.base = base;
    // KEP-3668: min(max(16, size/32), 128) ports at the bottom for static requests.
    this.bits = new RangeBitmap(size, reservedBandSize(size, 16, 32, 128));
  }

  has(port: number): boolean {
    return this.bits.has(port - this.base);
  }

  /** Reserves a specific port. Throws `AllocationError` (`not-in-range`, `allocated`). */
  allocate(port: number): void {
    const offset = port - this.base;
    if (!Number.isInteger(port) || offset < 0 || offset >= this.bits.size) {
      throw new AllocationError('not-in-range', `provided port is not in the valid range. The range of valid ports is ${this.range}`);
    }
    if (!this.bits.set(offset)) throw new AllocationError('allocated', 'provided port is already allocated');
    this.record(() => this.bits.clear(offset));
  }

  allocateNext(): number {
    const state = this.random.state;
    this.record(() => {
      this.random.state = state;
    });
    const offset = this.bits.pickNext(this.random);
    if (offset < 0) throw new AllocationError('full', 'range is full');
    this.bits.set(offset);
    this.record(() => this.bits.clear(offset));
    return this.base + offset;
  }

  release(port: number): boolean {
    const offset = port - this.base;
    if (!this.bits.clear(offset)) return false;
    this.record(() => this.bits.set(offset));
    return true;
  }

  get size(): number {
    return this.bits.count;
  }

  allocated(): number[] {
    return this.bits.offsets().map((o) => o + this.base);
  }
}

// ---------------------------------------------------------------------------- Services

export interface ServiceIPAMOptions {
  /** Fallback service CIDRs, used while no ServiceCIDR object exists. Default 10.96.0.0/12. */
  serviceCIDRs?: readonly string[];
  /** Default `30000-32767`. */
  nodePortRange?: string;
  /** PRNG shared with the caller (its state is journaled here when drawn). */
  random?: Random;
  /** Seed of a private PRNG when `random` is not given. */
  seed?: number;
  /** Receives the undo of every mutation (the Cluster's transaction log). */
  journal?: Journal;
}

export interface IPAMSnapshot {
  ranges: { cidr: string; owners: string[]; fallback: boolean; active: boolean; allocated: number }[];
  clusterIPs: string[];
  nodePorts: number[];
  randomState: number;
}

function serviceName(svc: Service): [string | undefined, string] {
  return [svc.metadata.namespace, svc.metadata.name ?? ''];
}

/** Allocation for whole Services: create, update and delete. */
export class ServiceIPAM {
  readonly random: Random;
  readonly clusterIPs: ClusterIPAllocator;
  readonly nodePorts: PortAllocator;
  private readonly journal: Journal | undefined;
  private local: (() => void)[] | null = null;

  constructor(options: ServiceIPAMOptions = {}) {
    this.random = options.random ?? new Random(options.seed);
    this.journal = options.journal;
    const record: Record_ = (undo) => {
      if (this.local !== null) this.local.push(undo);
      else this.journal?.record(undo);
    };
    this.clusterIPs = new ClusterIPAllocator(options.serviceCIDRs ?? [DEFAULT_SERVICE_CIDR], this.random, record);
    this.nodePorts = new PortAllocator(options.nodePortRange ?? DEFAULT_NODE_PORT_RANGE, this.random, record);
  }

  /** Runs fn as one unit: undone locally on throw, handed to the journal on success. */
  private atomic<T>(fn: () => T): T {
    if (this.local !== null) return fn();
    const undo: (() => void)[] = [];
    this.local = undo;
    try {
      const result = fn();
      this.local = null;
      for (const u of undo) this.journal?.record(u);
      return result;
    } catch (e) {
      this.local = null;
      for (let i = undo.length - 1; i >= 0; i--) undo[i]();
      throw e;
    }
  }

  /**
   * Checks a defaulted Service against what this cluster serves (`initIPFamilyFields`):
   * IPv4 single-stack only. Headless Services without a selector take any families.
   */
  configErrors(svc: Service): FieldError[] {
    const spec = svc.spec;
    if (spec.type === 'ExternalName') return [];
    if (isHeadlessService(svc) && Object.keys(spec.selector ?? {}).length === 0) return [];
    const errs: FieldError[] = [];
    if (spec.ipFamilyPolicy === 'RequireDualStack') {
      errs.push(fe.invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
    }
    (spec.ipFamilies ?? []).forEach((family, i) => {
      if (!CLUSTER_IP_FAMILIES.includes(family)) errs.push(fe.invalid(`spec.ipFamilies[${i}]`, family, 'not configured on this cluster'));
    });
    return errs;
  }

  private throwConfigErrors(svc: Service): void {
    const errs = this.configErrors(svc);
    if (errs.length > 0) throw new ValidationError('Service', ...serviceName(svc), errs);
  }

  private allocClusterIP(svc: Service): void {
    const spec = svc.spec;
    if (spec.clusterIP) {
      const ip = tryParseIPv4(spec.clusterIP);
      try {
        if (ip === undefined) throw new AllocationError('not-in-range', `the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${this.clusterIPs.activeCIDRs().join(', ')}`);
        this.clusterIPs.allocate(ip);
      } catch (e) {
        if (!(e instanceof AllocationError)) throw e;
        throw new ValidationError('Service', ...serviceName(svc), [
          fe.invalid('spec.clusterIPs', goStrings(spec.clusterIPs ?? [spec.clusterIP]), `failed to allocate IP ${spec.clusterIP}: ${e.message}`),
        ]);
      }
      spec.clusterIPs = [spec.clusterIP];
      return;
    }
    let ip: number;
    try {
      ip = this.clusterIPs.allocateNext();
    } catch (e) {
      if (e instanceof AllocationError) throw new InternalError(`failed to allocate a serviceIP: ${e.message}`);
      throw e;
    }
    spec.clusterIP = formatIPv4(ip);
    spec.clusterIPs = [spec.clusterIP];
  }

  private nextNodePort(): number {
    try {
      return this.nodePorts.allocateNext();
    } catch (e) {
      if (e instanceof AllocationError) throw new InternalError(`failed to allocate a nodePort: ${e.message}`);
      throw e;
    }
  }

  /**
   * Requested node ports are reserved (unless `prev` already held them); ports without
   * one share the node port of a port with the same number, else get a new one.
   */
  private allocNodePorts(svc: Service, prev: Service | undefined): void {
    if (!mayHaveNodePorts(svc)) return;
    const ports = svc.spec.ports ?? [];
    const held = new Set(prev && mayHaveNodePorts(prev) ? serviceNodePorts(prev) : []);
    const claimed = new Set<number>();
    const byPortNumber = new Map<number, number>();
    ports.forEach((p, i) => {
      if (!p.nodePort) return;
      if (!held.has(p.nodePort) && !claimed.has(p.nodePort)) {
        try {
          this.nodePorts.allocate(p.nodePort);
        } catch (e) {
          if (!(e instanceof AllocationError)) throw e;
          throw new ValidationError('Service', ...serviceName(svc), [fe.invalid(`spec.ports[${i}].nodePort`, p.nodePort, e.message)]);
        }
        claimed.add(p.nodePort);
      }
      if (!byPortNumber.has(p.port)) byPortNumber.set(p.port, p.nodePort);
    });
    if (!allocatesNodePorts(svc)) return;
    for (const p of ports) {
      if (p.nodePort) continue;
      let np = byPortNumber.get(p.port);
      if (np === undefined) {
        np = this.nextNodePort();
        byPortNumber.set(p.port, np);
      }
      p.nodePort = np;
    }
  }

  private allocHealthCheck(svc: Service, held: number): void {
    const spec = svc.spec;
    const hc = spec.healthCheckNodePort ?? 0;
    if (hc === 0) {
      spec.healthCheckNodePort = this.nextNodePort();
      return;
    }
    if (hc === held) return;
    try {
      this.nodePorts.allocate(hc);
    } catch (e) {
      if (!(e instanceof AllocationError)) throw e;
      throw new ValidationError('Service', ...serviceName(svc), [
        fe.invalid('spec.healthCheckNodePort', hc, `failed to allocate requested HealthCheck NodePort ${hc}: ${e.message}`),
      ]);
    }
  }

  /**
   * Allocates what a new, defaulted and validated Service needs, writing the values into
   * it: `clusterIP`/`clusterIPs`, `ports[].nodePort`, `healthCheckNodePort`. Throws
   * `ValidationError` (requested value taken or out of range, unsupported family) or
   * `InternalError` (a range is full); nothing stays allocated then.
   */
  allocate(svc: Service): void {
    this.atomic(() => {
      this.throwConfigErrors(svc);
      if (allocatesClusterIP(svc)) this.allocClusterIP(svc);
      this.allocNodePorts(svc, undefined);
      if (needsHealthCheck(svc)) this.allocHealthCheck(svc, 0);
    });
  }

  /**
   * Moves a Service's allocations from `prev` (stored) to `next` (validated update):
   * allocates what is new, then frees what `next` no longer holds, so a port freed here
   * is not handed out again in the same call.
   */
  update(prev: Service, next: Service): void {
    this.atomic(() => {
      this.throwConfigErrors(next);
      const hadIP = allocatesClusterIP(prev);
      const needsIP = allocatesClusterIP(next);
      if (needsIP && !hadIP) this.allocClusterIP(next);
      this.allocNodePorts(next, prev);
      const oldHC = needsHealthCheck(prev) ? (prev.spec.healthCheckNodePort ?? 0) : 0;
      if (needsHealthCheck(next)) this.allocHealthCheck(next, oldHC);

      if (hadIP && !needsIP) this.releaseClusterIP(prev);
      const kept = new Set(mayHaveNodePorts(next) ? serviceNodePorts(next) : []);
      if (mayHaveNodePorts(prev)) for (const np of serviceNodePorts(prev)) if (!kept.has(np)) this.nodePorts.release(np);
      const newHC = needsHealthCheck(next) ? (next.spec.healthCheckNodePort ?? 0) : 0;
      if (oldHC !== 0 && oldHC !== newHC) this.nodePorts.release(oldHC);
    });
  }

  private releaseClusterIP(svc: Service): void {
    const ip = svc.spec.clusterIP ? tryParseIPv4(svc.spec.clusterIP) : undefined;
    if (ip !== undefined) this.clusterIPs.release(ip);
  }

  /** Frees everything a stored Service holds. */
  release(svc: Service): void {
    this.atomic(() => {
      if (allocatesClusterIP(svc)) this.releaseClusterIP(svc);
      if (mayHaveNodePorts(svc)) for (const np of serviceNodePorts(svc)) this.nodePorts.release(np);
      if (needsHealthCheck(svc) && svc.spec.healthCheckNodePort) this.nodePorts.release(svc.spec.healthCheckNodePort);
    });
  }

  addServiceCIDR(name: string, cidrs: readonly string[]): void {
    this.atomic(() => this.clusterIPs.addOwner(name, cidrs));
  }

  removeServiceCIDR(name: string): void {
    this.atomic(() => this.clusterIPs.removeOwner(name));
  }

  /** Allocated ClusterIPs inside `cidrs` that no active range covers any more. */
  orphanedIn(cidrs: readonly string[]): number {
    return this.clusterIPs.orphanedIn(cidrs);
  }

  snapshot(): IPAMSnapshot {
    return {
      ranges: this.clusterIPs.rangeStates(),
      clusterIPs: this.clusterIPs.allocated().map(formatIPv4),
      nodePorts: this.nodePorts.allocated(),
      randomState: this.random.state,
    };
  }
}
