/**
 * Service IP and port allocation, after the Kubernetes API server's Service registry
 * (`pkg/registry/core/service/storage/alloc.go`, `ipallocator/`, `portallocator/`).
 *
 * - ClusterIPs come from the CIDRs of the cluster's ServiceCIDR objects, per family; while a
 *   family has none, from that family's fallback ranges (`--service-cluster-ip-range`,
 *   default 10.96.0.0/12). The families with a range in use are the ones the cluster
 *   serves; the primary one is the family of the first fallback CIDR (the flag's order)
 *   while it is served.
 * - IPv4 ranges never hand out their network and broadcast addresses. IPv6 ranges skip
 *   the network address and use every other one up to the last (`ipallocator.go`,
 *   `NewIPAllocator`); a prefix shorter than /64 is refused ("shortest allowed prefix
 *   length for service CIDR is 64"; a ServiceCIDR holding one adds no range, as the API
 *   server's MetaAllocator skips it). IPv4 addresses are tracked in paged bitmaps, IPv6
 *   addresses in a sparse set, so a /64 costs nothing until used.
 * - A requested IP is honoured when it is free and inside an active range of its family.
 *   Dynamic allocation draws from a seeded PRNG (no `Math.random`), upper band first
 *   (KEP-3070: the lowest min(max(16, size/16), 256) addresses are kept for requests).
 * - IP families (`ipFamilyPolicy`, `ipFamilies`) are initialised and checked against the
 *   families served as `initIPFamilyFields` does (`sdk/model/defaults.ts`); on update a
 *   Service going from one to two families gets its secondary IP, and one going from two
 *   to one releases it (`updateClusterIPs`).
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
import { initIPFamilyFields } from '../model/defaults.js';
import { cidrLast, formatCIDR, formatIPv4, formatIPv6, ipFamilyOf, isIPv6, parseCIDR, parseIPv6, tryParseIPv4 } from '../model/ip.js';
import type { CIDR, IPv4CIDR, IPv6CIDR } from '../model/ip.js';
import { Random } from '../model/random.js';
import {
  allocatesClusterIP,
  allocatesNodePorts,
  mayHaveNodePorts,
  needsHealthCheck,
  serviceNodePorts,
} from '../model/service.js';
import { deepCopy } from '../model/objects.js';
import { CLUSTER_IP_NONE } from '../model/types.js';
import type { IPFamily, Service } from '../model/types.js';
import { serviceClusterIPsErrors } from '../model/validate.js';
import { RangeBitmap, reservedBandSize } from './bitmap.js';

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';
/** The families a default cluster (10.96.0.0/12) serves. `ServiceIPAM.families()` tells a given one's. */
export const CLUSTER_IP_FAMILIES: readonly IPFamily[] = ['IPv4'];
/** `NewIPAllocator`: IPv6 service ranges may not be larger than a /64. */
export const MIN_IPV6_SERVICE_PREFIX = 64;

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

/** `ErrNotInRange`'s text. */
function notInRange(ip: string, cidrs: readonly string[]): AllocationError {
  return new AllocationError('not-in-range', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidrs.join(', ')}`);
}

export interface RangeState {
  cidr: string;
  owners: string[];
  fallback: boolean;
  active: boolean;
  allocated: number;
}

// ---------------------------------------------------------------------------- ClusterIPs

/** What every ClusterIP range has, whatever its family. */
interface ClusterIPRange {
  readonly key: string;
  readonly owners: Set<string>;
  readonly fallback: boolean;
}

/**
 * The address arithmetic of one IP family, which is all the ClusterIP allocator's rules
 * (owners, fallback, bands, journal) need to know of it. `A` is an address, `C` a CIDR of
 * the family and `R` a range.
 */
interface FamilyArithmetic<A extends number | bigint, C extends CIDR, R extends ClusterIPRange> {
  readonly family: IPFamily;
  /** The CIDRs of this family among `cidrs` that may hold a range, in order. */
  cidrsOf(cidrs: readonly string[]): C[];
  newRange(cidr: C, fallback: boolean): R;
  /** Whether `ip` is one of the range's usable addresses. */
  contains(range: R, ip: A): boolean;
  /** Counts `ip` (inside the range) as allocated (+1) or free (-1) in the range's bookkeeping. */
  track(range: R, ip: A, delta: 1 | -1): void;
  /** Allocated addresses inside the range. */
  allocatedIn(range: R): number;
  /** Whether a dynamic allocation may find a free address in the range. */
  hasFree(range: R): boolean;
  /** A free address of the range drawn from `random`, upper band first; undefined when none. */
  pick(range: R, random: Random, allocated: ReadonlySet<A>): A | undefined;
  /** Whether `ip` is a usable address of `cidr` (for `orphanedIn`). */
  usableIn(cidr: C): (ip: A) => boolean;
  /** The canonical form of an address given by a caller. */
  normalize(ip: A): A;
  format(ip: A): string;
  /** The address of `text`, undefined when it is not an address of this family. */
  parse(text: string): A | undefined;
}

/**
 * ClusterIP allocator of one family over several ranges (CIDRs of the other family given to
 * it are ignored). The ranges of ServiceCIDR objects ("owners") are active; with no owned
 * range, the fallback ranges are. A range no longer owned keeps tracking its allocated
 * addresses until they are released.
 */
export class FamilyClusterIPAllocator<A extends number | bigint, C extends CIDR = CIDR, R extends ClusterIPRange = ClusterIPRange> {
  readonly family: IPFamily;
  private readonly ranges = new Map<string, R>();
  private readonly allocatedIPs = new Set<A>();
  private active: R[] = [];

  protected constructor(
    private readonly arithmetic: FamilyArithmetic<A, C, R>,
    fallbackCIDRs: readonly string[],
    private readonly random: Random,
    private readonly record: Record_,
  ) {
    this.family = arithmetic.family;
    for (const cidr of arithmetic.cidrsOf(fallbackCIDRs)) {
      const r = arithmetic.newRange(cidr, true);
      if (!this.ranges.has(r.key)) this.ranges.set(r.key, r);
    }
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

  /** Whether any range is active: the family is served. */
  get serving(): boolean {
    return this.active.length > 0;
  }

  /** Makes the CIDRs of this family of ServiceCIDR `owner` active. */
  addOwner(owner: string, cidrs: readonly string[]): void {
    // Recorded first so that, replayed last, it sees the restored owners.
    this.record(() => this.refreshActive());
    for (const cidr of this.arithmetic.cidrsOf(cidrs)) {
      const key = formatCIDR(cidr);
      let r = this.ranges.get(key);
      if (r === undefined) {
        const created = this.arithmetic.newRange(cidr, false);
        for (const ip of this.allocatedIPs) if (this.arithmetic.contains(created, ip)) this.arithmetic.track(created, ip, 1);
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

  private dropIfUnused(r: R): void {
    if (r.fallback || r.owners.size > 0 || this.arithmetic.allocatedIn(r) > 0) return;
    this.ranges.delete(r.key);
    this.record(() => {
      this.ranges.set(r.key, r);
    });
  }

  /** Allocated addresses inside `cidrs` that no active range covers. */
  orphanedIn(cidrs: readonly string[]): number {
    const within = this.arithmetic.cidrsOf(cidrs).map((c) => this.arithmetic.usableIn(c));
    let n = 0;
    for (const ip of this.allocatedIPs) {
      const inside = within.some((usable) => usable(ip));
      if (inside && !this.active.some((r) => this.arithmetic.contains(r, ip))) n++;
    }
    return n;
  }

  has(ip: A): boolean {
    return this.allocatedIPs.has(this.arithmetic.normalize(ip));
  }

  get size(): number {
    return this.allocatedIPs.size;
  }

  private mark(ip: A): void {
    this.markRaw(ip);
    this.record(() => this.unmark(ip));
  }

  /** Undo entries must not record, so `mark` without the journal. */
  private markRaw(ip: A): void {
    this.allocatedIPs.add(ip);
    for (const r of this.ranges.values()) if (this.arithmetic.contains(r, ip)) this.arithmetic.track(r, ip, 1);
  }

  private unmark(ip: A): void {
    this.allocatedIPs.delete(ip);
    for (const r of this.ranges.values()) if (this.arithmetic.contains(r, ip)) this.arithmetic.track(r, ip, -1);
  }

  /** Reserves a specific address. Throws `AllocationError` (`not-in-range`, `allocated`). */
  allocate(ip: A): void {
    const a = this.arithmetic.normalize(ip);
    if (!this.active.some((r) => this.arithmetic.contains(r, a))) throw notInRange(this.arithmetic.format(a), this.activeCIDRs());
    if (this.allocatedIPs.has(a)) throw new AllocationError('allocated', 'provided IP is already allocated');
    this.mark(a);
  }

  /** Reserves a free address from the first active range that has one. */
  allocateNext(): A {
    for (const r of this.active) {
      if (!this.arithmetic.hasFree(r)) continue;
      const state = this.random.state;
      this.record(() => {
        this.random.state = state;
      });
      const ip = this.arithmetic.pick(r, this.random, this.allocatedIPs);
      if (ip === undefined) continue;
      this.mark(ip);
      return ip;
    }
    throw new AllocationError('full', 'range is full');
  }

  /** Frees an address; false if it was not allocated. */
  release(ip: A): boolean {
    const a = this.arithmetic.normalize(ip);
    if (!this.allocatedIPs.has(a)) return false;
    this.unmark(a);
    this.record(() => this.markRaw(a));
    for (const r of [...this.ranges.values()]) if (this.arithmetic.contains(r, a)) this.dropIfUnused(r);
    return true;
  }

  /** Allocated addresses, ascending. */
  allocated(): A[] {
    return [...this.allocatedIPs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  }

  rangeStates(): RangeState[] {
    return [...this.ranges.values()].map((r) => ({
      cidr: r.key,
      owners: [...r.owners].sort(),
      fallback: r.fallback,
      active: this.active.includes(r),
      allocated: this.arithmetic.allocatedIn(r),
    }));
  }

  // The text forms ServiceIPAM uses for both families.

  /** `allocate` of the family's address text; any other text is not in range. */
  allocateAddress(text: string): void {
    const ip = this.arithmetic.parse(text);
    if (ip === undefined) throw notInRange(text, this.activeCIDRs());
    this.allocate(ip);
  }

  allocateNextAddress(): string {
    return this.arithmetic.format(this.allocateNext());
  }

  releaseAddress(text: string): boolean {
    const ip = this.arithmetic.parse(text);
    return ip !== undefined && this.release(ip);
  }

  allocatedAddresses(): string[] {
    return this.allocated().map((ip) => this.arithmetic.format(ip));
  }
}

// ---------------------------------------------------------------------------- IPv4 ClusterIPs

interface IPv4Range extends ClusterIPRange {
  /** First usable address: the network address + 1. */
  readonly base: number;
  readonly bits: RangeBitmap;
}

const ipv4Contains = (r: IPv4Range, ip: number): boolean => ip >= r.base && ip < r.base + r.bits.size;

/** IPv4 addresses are u32 numbers (`sdk/model/ip.ts`), tracked in a paged bitmap per range. */
const IPV4_ARITHMETIC: FamilyArithmetic<number, IPv4CIDR, IPv4Range> = {
  family: 'IPv4',
  cidrsOf: (cidrs) => cidrs.map((c) => parseCIDR(c)).filter((c): c is IPv4CIDR => c.family === 'IPv4'),
  newRange(cidr, fallback) {
    const total = 2 ** (32 - cidr.prefix);
    const usable = Math.max(0, total - 2);
    // KEP-3070: min(max(16, size/16), 256) addresses at the bottom for static requests.
    return {
      key: formatCIDR(cidr),
      base: cidr.address + 1,
      bits: new RangeBitmap(usable, Math.min(reservedBandSize(total, 16, 16, 256), usable)),
      owners: new Set(),
      fallback,
    };
  },
  contains: ipv4Contains,
  track(r, ip, delta) {
    if (delta > 0) r.bits.set(ip - r.base);
    else r.bits.clear(ip - r.base);
  },
  allocatedIn: (r) => r.bits.count,
  hasFree: (r) => r.bits.free > 0,
  pick(r, random) {
    const offset = r.bits.pickNext(random);
    return offset < 0 ? undefined : (r.base + offset) >>> 0;
  },
  usableIn: (c) => (ip) => ip > c.address && ip < cidrLast(c),
  normalize: (ip) => ip >>> 0,
  format: formatIPv4,
  parse: tryParseIPv4,
};

/** IPv4 ClusterIP allocator (IPv6 CIDRs given to it are ignored). Addresses are u32 numbers. */
export class ClusterIPAllocator extends FamilyClusterIPAllocator<number, IPv4CIDR, IPv4Range> {
  constructor(fallbackCIDRs: readonly string[], random: Random, record: Record_ = () => {}) {
    super(IPV4_ARITHMETIC, fallbackCIDRs, random, record);
  }
}

// ---------------------------------------------------------------------------- IPv6 ClusterIPs

/** An IPv6 address as a 128-bit unsigned integer. */
export function ipv6ToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** RFC 5952 text of a 128-bit unsigned integer. */
export function bigIntToIPv6(value: bigint): string {
  const bytes = new Uint8Array(16);
  let v = value;
  for (let i = 15; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return formatIPv6(bytes);
}

/** Uniform in [0, n), n ≥ 1 and at most 2^64: one PRNG draw up to 2^32, else two. */
function randomBelow(random: Random, n: bigint): bigint {
  if (n <= 0x1_0000_0000n) return BigInt(random.int(Number(n)));
  const wide = (BigInt(random.next()) << 32n) | BigInt(random.next());
  return wide % n;
}

/**
 * One IPv6 range. Offsets count from `first` (the network address + 1) up to `size - 1`
 * (the last address of the CIDR):
 *
 * ```
 *  network  first             first+reserved                         first+size-1
 *     ×       ├─ lower band ────────┼──────────── upper band ──────────────┤
 *             static requests first   dynamic: random start, scan up, wrap
 * ```
 */
interface IPv6Range extends ClusterIPRange {
  readonly first: bigint;
  readonly size: bigint;
  readonly reserved: bigint;
  /** Allocated addresses inside the range, and inside its lower band. */
  count: number;
  lower: number;
}

const ipv6Contains = (r: IPv6Range, ip: bigint): boolean => ip >= r.first && ip < r.first + r.size;

/** First free offset of `r` scanning [start, hi) then [lo, start); -1 when the band has none. */
function scanIPv6(r: IPv6Range, allocated: ReadonlySet<bigint>, start: bigint, lo: bigint, hi: bigint): bigint {
  for (let off = start; off < hi; off++) if (!allocated.has(r.first + off)) return off;
  for (let off = lo; off < start; off++) if (!allocated.has(r.first + off)) return off;
  return -1n;
}

/**
 * IPv6 addresses are bigints; a range keeps counts only (the allocated addresses are in the
 * allocator's sparse set), so a /64 costs nothing until used. CIDRs shorter than /64 hold
 * no range.
 */
const IPV6_ARITHMETIC: FamilyArithmetic<bigint, IPv6CIDR, IPv6Range> = {
  family: 'IPv6',
  cidrsOf: (cidrs) => cidrs.map((c) => parseCIDR(c)).filter((c): c is IPv6CIDR => c.family === 'IPv6' && c.prefix >= MIN_IPV6_SERVICE_PREFIX),
  newRange(cidr, fallback) {
    const hostBits = 128 - cidr.prefix;
    const size = (1n << BigInt(hostBits)) - 1n;
    // `calculateRangeOffset` over `netutils.RangeSize`, which saturates at 2^63 for 63 or more host bits.
    const rangeSize = hostBits >= 63 ? 2 ** 63 : 2 ** hostBits;
    const reserved = BigInt(reservedBandSize(rangeSize, 16, 16, 256));
    return {
      key: formatCIDR(cidr),
      first: ipv6ToBigInt(cidr.address) + 1n,
      size,
      reserved: reserved < size ? reserved : size,
      owners: new Set(),
      fallback,
      count: 0,
      lower: 0,
    };
  },
  contains: ipv6Contains,
  track(r, ip, delta) {
    r.count += delta;
    if (ip - r.first < r.reserved) r.lower += delta;
  },
  allocatedIn: (r) => r.count,
  hasFree: (r) => BigInt(r.count - r.lower) < r.size - r.reserved || BigInt(r.lower) < r.reserved,
  pick(r, random, allocated) {
    const upper = r.size - r.reserved;
    const offset =
      BigInt(r.count - r.lower) < upper
        ? scanIPv6(r, allocated, r.reserved + randomBelow(random, upper), r.reserved, r.size)
        : scanIPv6(r, allocated, randomBelow(random, r.reserved), 0n, r.reserved);
    return offset < 0n ? undefined : r.first + offset;
  },
  usableIn(c) {
    const network = ipv6ToBigInt(c.address);
    const last = network + (1n << BigInt(128 - c.prefix)) - 1n;
    return (ip) => ip > network && ip <= last;
  },
  normalize: (ip) => ip,
  format: bigIntToIPv6,
  parse: (text) => (isIPv6(text) ? ipv6ToBigInt(parseIPv6(text)) : undefined),
};

/** IPv6 ClusterIP allocator over ranges of up to 2^64 addresses. Addresses are bigints. */
export class IPv6ClusterIPAllocator extends FamilyClusterIPAllocator<bigint, IPv6CIDR, IPv6Range> {
  constructor(fallbackCIDRs: readonly string[], random: Random, record: Record_ = () => {}) {
    super(IPV6_ARITHMETIC, fallbackCIDRs, random, record);
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
  /**
   * Fallback service CIDRs (`--service-cluster-ip-range`: one, or one per family, primary
   * first), used for a family while no ServiceCIDR object holds a CIDR of it. Default
   * 10.96.0.0/12. IPv6 CIDRs must be /64 or longer.
   */
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
  /** IPv4 ranges, then IPv6 ranges. */
  ranges: RangeState[];
  /** Allocated ClusterIPs: IPv4 ascending, then IPv6 ascending. */
  clusterIPs: string[];
  nodePorts: number[];
  randomState: number;
}

function serviceName(svc: Service): [string | undefined, string] {
  return [svc.metadata.namespace, svc.metadata.name ?? ''];
}

type FamilyAllocator = ClusterIPAllocator | IPv6ClusterIPAllocator;

/** Allocation for whole Services: create, update and delete. */
export class ServiceIPAM {
  readonly random: Random;
  /** IPv4 ClusterIPs. */
  readonly clusterIPs: ClusterIPAllocator;
  readonly clusterIPv6s: IPv6ClusterIPAllocator;
  readonly nodePorts: PortAllocator;
  /** The family of the first fallback CIDR: primary whenever the cluster serves it. */
  readonly primaryFamily: IPFamily;
  private readonly journal: Journal | undefined;
  private local: (() => void)[] | null = null;

  /** Throws RangeError (no CIDR, an IPv6 CIDR shorter than /64) or InvalidAddressError. */
  constructor(options: ServiceIPAMOptions = {}) {
    this.random = options.random ?? new Random(options.seed);
    this.journal = options.journal;
    const record: Record_ = (undo) => {
      if (this.local !== null) this.local.push(undo);
      else this.journal?.record(undo);
    };
    const cidrs = options.serviceCIDRs ?? [DEFAULT_SERVICE_CIDR];
    if (cidrs.length === 0) throw new RangeError('svcnet: at least one service CIDR is needed');
    const parsed = cidrs.map((c) => parseCIDR(c));
    for (const [k, c] of parsed.entries()) {
      if (c.family === 'IPv6' && c.prefix < MIN_IPV6_SERVICE_PREFIX) {
        throw new RangeError(`svcnet: service CIDR ${cidrs[k]}: shortest allowed prefix length for service CIDR is ${MIN_IPV6_SERVICE_PREFIX}, got ${c.prefix}`);
      }
    }
    this.primaryFamily = parsed[0].family;
    this.clusterIPs = new ClusterIPAllocator(cidrs, this.random, record);
    this.clusterIPv6s = new IPv6ClusterIPAllocator(cidrs, this.random, record);
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
   * The IP families the cluster serves now (those with an active range), primary first:
   * `['IPv4']` single-stack, `['IPv4', 'IPv6']` or `['IPv6', 'IPv4']` dual-stack.
   */
  families(): IPFamily[] {
    const served = [this.clusterIPs, this.clusterIPv6s].filter((a) => a.serving).map((a) => a.family);
    return served.includes(this.primaryFamily) ? [this.primaryFamily, ...served.filter((f) => f !== this.primaryFamily)] : served;
  }

  private allocatorOf(family: IPFamily): FamilyAllocator {
    return family === 'IPv6' ? this.clusterIPv6s : this.clusterIPs;
  }

  /**
   * `initIPFamilyFields` against the families this cluster serves, in place: defaults
   * `ipFamilyPolicy` and `ipFamilies` of a create (`prev` undefined) or an update, and
   * returns the API server's field errors (`ValidateServiceClusterIPsRelatedFields` first,
   * then the cluster's refusals such as `spec.ipFamilyPolicy: Invalid value:
   * "RequireDualStack": this cluster is not configured for dual-stack services`).
   * Idempotent: `allocate` and `update` run it again.
   */
  initIPFamilyFields(svc: Service, prev?: Service): FieldError[] {
    return initIPFamilyFields(svc, prev, { clusterFamilies: this.families(), prevalidate: serviceClusterIPsErrors });
  }

  /** The errors `initIPFamilyFields` would report, leaving `svc` as it is. */
  configErrors(svc: Service, prev?: Service): FieldError[] {
    return this.initIPFamilyFields(deepCopy(svc), prev);
  }

  private throwIPFamilyErrors(svc: Service, prev?: Service): void {
    const errs = this.initIPFamilyFields(svc, prev);
    if (errs.length > 0) throw new ValidationError('Service', ...serviceName(svc), errs);
  }

  /**
   * Reserves `clusterIPs[i]` (or a free address when missing or empty) for each of the
   * Service's `ipFamilies` in family order, then writes `clusterIPs` and `clusterIP`
   * (`allocClusterIPs`). A requested address that is taken or out of range is a
   * ValidationError printing `clusterIPs` with an empty marker for each address still to
   * come, as upstream's does; a full range an InternalError.
   */
  private allocClusterIPs(svc: Service, from = 0): void {
    const spec = svc.spec;
    const families = spec.ipFamilies ?? [];
    const ips = [...(spec.clusterIPs ?? [])];
    while (ips.length < families.length) ips.push('');
    for (let i = from; i < families.length; i++) {
      const allocator = this.allocatorOf(families[i]);
      const requested = ips[i];
      try {
        if (requested) allocator.allocateAddress(requested);
        else ips[i] = allocator.allocateNextAddress();
      } catch (e) {
        if (!(e instanceof AllocationError)) throw e;
        if (!requested) throw new InternalError(`failed to allocate a serviceIP: ${e.message}`);
        throw new ValidationError('Service', ...serviceName(svc), [
          fe.invalid('spec.clusterIPs', goStrings(ips), `failed to allocate IP ${requested}: ${e.message}`),
        ]);
      }
    }
    spec.clusterIPs = ips;
    if (ips.length > 0) spec.clusterIP = ips[0];
  }

  private releaseClusterIP(ip: string): void {
    const family = ipFamilyOf(ip);
    if (family !== undefined) this.allocatorOf(family).releaseAddress(ip);
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
   * it: `ipFamilyPolicy`/`ipFamilies` (`initIPFamilyFields`), `clusterIP`/`clusterIPs`
   * (one per family; none for headless and ExternalName), `ports[].nodePort`,
   * `healthCheckNodePort`. Throws `ValidationError` (families the cluster does not serve,
   * requested value taken or out of range) or `InternalError` (a range is full); nothing
   * stays allocated then.
   */
  allocate(svc: Service): void {
    this.atomic(() => {
      this.throwIPFamilyErrors(svc);
      if (allocatesClusterIP(svc)) this.allocClusterIPs(svc);
      this.allocNodePorts(svc, undefined);
      if (needsHealthCheck(svc)) this.allocHealthCheck(svc, 0);
    });
  }

  /**
   * `updateClusterIPs`: from ExternalName, every family's address; to ExternalName, all
   * released; from one family to two (an upgrade), the secondary (`clusterIPs[1]` if
   * requested); from two to one (a downgrade), the secondary released. Headless Services
   * hold none. Returns the addresses to release once everything else succeeded.
   */
  private updateClusterIPs(prev: Service, next: Service): string[] {
    const wasExternal = prev.spec.type === 'ExternalName';
    const isExternal = next.spec.type === 'ExternalName';
    if (wasExternal && !isExternal) {
      if (allocatesClusterIP(next)) this.allocClusterIPs(next);
      return [];
    }
    if (prev.spec.clusterIPs?.[0] === CLUSTER_IP_NONE) return [];
    if (!wasExternal && isExternal) return (prev.spec.clusterIPs ?? []).filter((ip) => ip !== '');
    const oldFamilies = prev.spec.ipFamilies?.length ?? 0;
    const newFamilies = next.spec.ipFamilies?.length ?? 0;
    if (oldFamilies === 1 && newFamilies === 2) {
      this.allocClusterIPs(next, 1);
      return [];
    }
    if (oldFamilies === 2 && newFamilies === 1) {
      const secondary = prev.spec.clusterIPs?.[1];
      return secondary ? [secondary] : [];
    }
    return [];
  }

  /**
   * Moves a Service's allocations from `prev` (stored) to `next` (validated update):
   * initialises `next`'s IP family fields against `prev`, allocates what is new, then
   * frees what `next` no longer holds, so an address or port freed here is not handed out
   * again in the same call.
   */
  update(prev: Service, next: Service): void {
    this.atomic(() => {
      this.throwIPFamilyErrors(next, prev);
      const releasedIPs = this.updateClusterIPs(prev, next);
      this.allocNodePorts(next, prev);
      const oldHC = needsHealthCheck(prev) ? (prev.spec.healthCheckNodePort ?? 0) : 0;
      if (needsHealthCheck(next)) this.allocHealthCheck(next, oldHC);

      for (const ip of releasedIPs) this.releaseClusterIP(ip);
      const kept = new Set(mayHaveNodePorts(next) ? serviceNodePorts(next) : []);
      if (mayHaveNodePorts(prev)) for (const np of serviceNodePorts(prev)) if (!kept.has(np)) this.nodePorts.release(np);
      const newHC = needsHealthCheck(next) ? (next.spec.healthCheckNodePort ?? 0) : 0;
      if (oldHC !== 0 && oldHC !== newHC) this.nodePorts.release(oldHC);
    });
  }

  /** Frees everything a stored Service holds. */
  release(svc: Service): void {
    this.atomic(() => {
      if (allocatesClusterIP(svc)) for (const ip of svc.spec.clusterIPs ?? []) this.releaseClusterIP(ip);
      if (mayHaveNodePorts(svc)) for (const np of serviceNodePorts(svc)) this.nodePorts.release(np);
      if (needsHealthCheck(svc) && svc.spec.healthCheckNodePort) this.nodePorts.release(svc.spec.healthCheckNodePort);
    });
  }

  /** Makes the CIDRs of ServiceCIDR `name` (one per family) active for their families. */
  addServiceCIDR(name: string, cidrs: readonly string[]): void {
    this.atomic(() => {
      this.clusterIPs.addOwner(name, cidrs);
      this.clusterIPv6s.addOwner(name, cidrs);
    });
  }

  removeServiceCIDR(name: string): void {
    this.atomic(() => {
      this.clusterIPs.removeOwner(name);
      this.clusterIPv6s.removeOwner(name);
    });
  }

  /** Allocated ClusterIPs inside `cidrs` that no active range covers any more. */
  orphanedIn(cidrs: readonly string[]): number {
    return this.clusterIPs.orphanedIn(cidrs) + this.clusterIPv6s.orphanedIn(cidrs);
  }

  snapshot(): IPAMSnapshot {
    return {
      ranges: [...this.clusterIPs.rangeStates(), ...this.clusterIPv6s.rangeStates()],
      clusterIPs: [...this.clusterIPs.allocatedAddresses(), ...this.clusterIPv6s.allocatedAddresses()],
      nodePorts: this.nodePorts.allocated(),
      randomState: this.random.state,
    };
  }
}
