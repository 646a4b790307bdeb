/**
 * Endpoint selection for a new flow, per kube-proxy mode:
 *
 *  - iptables: the service chain holds one rule per endpoint i (0-based, of n) with
 *    `-m statistic --mode random --probability 1/(n−i)` (printed `%0.10f`, kube-proxy
 *    `computeProbability`), the last without a condition. Each rule draws anew, so
 *    P(i) = Π_{k<i}(1 − 1/(n−k)) · 1/(n−i) = ((n−1)/n)·((n−2)/(n−1))·…·1/(n−i) = 1/n:
 *    uniform, at the price of up to n−1 draws. `iptablesCascadePick` walks the cascade
 *    literally, with xt_statistic's test `(u32 & 0x7fffffff) < round(2^31 · p)`.
 *  - nftables: `numgen random mod n vmap {…}`; nft_ng_random computes
 *    `reciprocal_scale(u32, n)` = (u32 · n) >> 32.
 *  - ipvs: the kernel scheduler of the virtual server, per node (a virtual server is one
 *    frontend address:port: each ClusterIP, NodePort address, … has its own state).
 *    `IPVSVirtualServer` follows net/netfilter/ipvs/ip_vs_{rr,wrr,lc,wlc,sed,nq,sh,dh}.c.
 *  - Maglev (Cilium-style, via a hook): a lookup table indexed by a hash of the flow.
 *
 * Random sources are `() => number` in [0, 1) (e.g. `Random.next() / 2^32`).
 */

import { parseIPv4, parseIPv6 } from '../model/ip.js';
import type { Protocol } from '../model/types.js';
import type { IPVSScheduler } from './config.js';
import type { ConnectionCounter } from './conntrack.js';
import type { EndpointTarget, FlowTuple } from './decision.js';

// ---------------------------------------------------------------------------- iptables / nftables

/** The probability kube-proxy writes on endpoint rule i of n (`%0.10f`). */
export function iptablesRuleProbability(i: number, n: number): number {
  return Number((1 / (n - i)).toFixed(10));
}

/** Index picked by kube-proxy's iptables cascade, drawing from `random` once per rule evaluated. */
export function iptablesCascadePick(n: number, random: () => number): number {
  const thresholds = cascadeThresholds(n);
  for (let i = 0; i < n - 1; i++) {
    if (Math.floor(random() * 0x80000000) < thresholds[i]) return i;
  }
  return n - 1;
}

/** Cascade thresholds by endpoint count (index n), computed once per n. */
const CASCADE_THRESHOLDS: number[][] = [];

/**
 * xt_statistic matches when (get_random_u32() & 0x7FFFFFFF) < probability, where iptables
 * stores probability = lround(0x80000000 · p): that value for rules 0 … n − 2 of n.
 */
function cascadeThresholds(n: number): readonly number[] {
  let thresholds = CASCADE_THRESHOLDS[n];
  if (thresholds === undefined) {
    thresholds = [];
    for (let i = 0; i < n - 1; i++) thresholds.push(Math.round(0x80000000 * iptablesRuleProbability(i, n)));
    if (Number.isInteger(n) && n >= 0 && n <= 65536) CASCADE_THRESHOLDS[n] = thresholds;
  }
  return thresholds;
}

/** Index picked by nftables `numgen random mod n`. */
export function nftablesNumgenPick(n: number, random: () => number): number {
  const u32 = Math.floor(random() * 0x100000000);
  return Math.floor((u32 * n) / 0x100000000);
}

/** `ip:port` (`[ip]:port` for IPv6): identity of an endpoint / IPVS real server. */
export function endpointKey(ep: { ip: string; port: number }): string {
  return ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}

// ---------------------------------------------------------------------------- Maglev hook hash

/**
 * The hash handed to a Maglev lookup: FNV-1a (32-bit) of the flow's protocol, addresses and
 * ports. With ClientIP affinity the source port is left out, as Cilium zeroes it so one
 * client maps to one backend (cilium/cilium bpf/lib/lb.h). Cilium hashes with jhash, so
 * the slot a flow lands on differs from Cilium's; the distribution and consistency do not.
 */
export function flowHash(t: FlowTuple, withSourcePort = true): number {
  const text = `${t.protocol}|${t.srcIP}|${withSourcePort ? t.srcPort : 0}|${t.dstIP}|${t.dstPort}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ---------------------------------------------------------------------------- IPVS

/** The IPVS schedulers modelled here; `lblc`, `lblcr` and `mh` are not. */
export const MODELLED_IPVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'sed', 'nq', 'sh', 'dh'] as const;
export type ModelledIPVSScheduler = (typeof MODELLED_IPVS_SCHEDULERS)[number];

export function isModelledIPVSScheduler(s: IPVSScheduler): s is ModelledIPVSScheduler {
  return (MODELLED_IPVS_SCHEDULERS as readonly string[]).includes(s);
}

/** IP_VS_SH_TAB_SIZE / IP_VS_DH_TAB_SIZE (CONFIG_IP_VS_{SH,DH}_TAB_BITS = 8). */
export const IPVS_HASH_TABLE_SIZE = 256;

/** The 32-bit address sh/dh hash: IPv4 as a host-order u32, IPv6 as the XOR of its four words. */
export function ipvsAddressFold(family: 4 | 6, ip: string): number {
  if (family === 4) return parseIPv4(ip);
  const b = parseIPv6(ip);
  let x = 0;
  for (let k = 0; k < 16; k += 4) x ^= (b[k] << 24) | (b[k + 1] << 16) | (b[k + 2] << 8) | b[k + 3];
  return x >>> 0;
}

/**
 * `ip_vs_sh_hashkey` / `ip_vs_dh_hashkey`: (offset + (port + fold) · 2654435761) mod 256
 * (Knuth's multiplicative constant; only the low 8 bits survive the mask).
 */
export function ipvsHashBucket(fold: number, port = 0, offset = 0): number {
  return (offset + Math.imul((fold + port) >>> 0, 2654435761 | 0)) & (IPVS_HASH_TABLE_SIZE - 1);
}

/** One real server of a virtual server, with IPVS's connection counters. */
export interface IPVSDestination extends ConnectionCounter {
  readonly key: string;
  endpoint: EndpointTarget;
  /** kube-proxy sets 1; 0 while a TCP real server drains (graceful termination). */
  weight: number;
}

export interface IPVSVirtualServerOptions {
  /**
   * kube-proxy's graceful termination (pkg/proxy/ipvs/graceful_termination.go): a TCP real
   * server leaving the service keeps weight 0 until its ActiveConn + InactiveConn reach 0
   * (kube-proxy polls every minute; here it is deleted at the next sync after draining). UDP
   * and SCTP real servers are deleted at once. Default true.
   */
  gracefulTermination?: boolean;
}

/** Source and destination of the packet being scheduled. */
export interface IPVSPacket {
  family: 4 | 6;
  srcIP: string;
  dstIP: string;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * One IPVS virtual service on one node: its real-server list in kernel order and its
 * scheduler state.
 *
 * List order: `__ip_vs_update_dest` adds a new real server at the head of the list
 * (`list_add_rcu`). kube-proxy adds real servers in Go map order, so the kernel order is
 * not fixed; `sync` adds new endpoints in reverse candidate order, so a fresh service's list
 * is the candidate order and later additions go in front, as in the kernel.
 */
export class IPVSVirtualServer {
  readonly scheduler: ModelledIPVSScheduler;
  private readonly graceful: boolean;
  private list: IPVSDestination[] = [];
  /** Every destination object alive: listed, or removed but still counting connections (the kernel's dest_trash). */
  private readonly known = new Map<string, IPVSDestination>();
  /** rr `sched_data`: key of the last pick; undefined = the list head. */
  private rrLast: string | undefined;
  /** wrr `struct ip_vs_wrr_mark`. */
  private wrr = { cl: undefined as string | undefined, cw: 0, mw: 0, di: 1 };
  /** sh/dh bucket table. */
  private buckets: (IPVSDestination | undefined)[] = new Array(IPVS_HASH_TABLE_SIZE).fill(undefined);

  constructor(scheduler: IPVSScheduler, options: IPVSVirtualServerOptions = {}) {
    if (!isModelledIPVSScheduler(scheduler)) throw new Error(`IPVS scheduler ${JSON.stringify(scheduler)} is not modelled (supported: ${MODELLED_IPVS_SCHEDULERS.join(', ')})`);
    this.scheduler = scheduler;
    this.graceful = options.gracefulTermination ?? true;
  }

  /** Real servers in kernel list order. */
  destinations(): readonly IPVSDestination[] {
    return this.list;
  }

  destination(key: string): IPVSDestination | undefined {
    return this.known.get(key);
  }

  /** `ip_vs_add_dest`: at the list head; a destination still draining in the trash is revived with its counters. */
  addDestination(endpoint: EndpointTarget, weight = 1): IPVSDestination {
    const key = endpointKey(endpoint);
    if (this.list.some((d) => d.key === key)) throw new Error(`real server ${key} already exists`);
    const d = this.known.get(key) ?? { key, endpoint, weight, active: 0, inactive: 0 };
    d.endpoint = endpoint;
    d.weight = weight;
    this.known.set(key, d);
    this.list.unshift(d);
    this.destinationsChanged();
    return d;
  }

  /** `ip_vs_del_dest`. */
  removeDestination(key: string): void {
    const i = this.list.findIndex((d) => d.key === key);
    if (i < 0) return;
    const d = this.list[i];
    const previous = i > 0 ? this.list[i - 1].key : undefined;
    this.list.splice(i, 1);
    if (d.active + d.inactive === 0) this.known.delete(key);
    // ip_vs_rr_del_dest: a pointer at the removed server moves to the one before it.
    if (this.rrLast === key) this.rrLast = previous;
    this.destinationsChanged();
  }

  /** `ip_vs_edit_dest` with a new weight. */
  setWeight(key: string, weight: number): void {
    const d = this.list.find((x) => x.key === key);
    if (!d) throw new Error(`no real server ${key}`);
    d.weight = weight;
    this.destinationsChanged();
  }

  /**
   * kube-proxy's `syncEndpoint` for this virtual server: endpoints that left are deleted (or,
   * for TCP with connections, quiesced at weight 0 until drained), new ones added with weight
   * 1, a quiesced one that returns is deleted and re-added (`MoveRSOutofGracefulDeleteList`).
   */
  sync(candidates: readonly EndpointTarget[], protocol: Protocol): void {
    const wanted = new Set(candidates.map(endpointKey));
    for (const d of [...this.list]) {
      if (wanted.has(d.key)) continue;
      if (this.graceful && protocol === 'TCP' && d.active + d.inactive > 0) {
        if (d.weight !== 0) this.setWeight(d.key, 0);
      } else {
        this.removeDestination(d.key);
      }
    }
    for (let i = candidates.length - 1; i >= 0; i--) {
      const ep = candidates[i];
      const key = endpointKey(ep);
      const listed = this.list.find((d) => d.key === key);
      if (!listed) {
        this.addDestination(ep, 1);
      } else if (listed.weight === 0) {
        this.removeDestination(key);
        this.addDestination(ep, 1);
      }
    }
    for (const d of [...this.list]) if (d.weight === 0 && d.active + d.inactive === 0) this.removeDestination(d.key);
    for (const [key, d] of this.known) {
      if (d.active + d.inactive === 0 && !this.list.includes(d)) this.known.delete(key);
    }
  }

  /** The scheduler's pick for a new connection, or undefined ("no destination available"). */
  schedule(packet: IPVSPacket): IPVSDestination | undefined {
    switch (this.scheduler) {
      case 'rr':
        return this.roundRobin();
      case 'wrr':
        return this.weightedRoundRobin();
      case 'lc':
        return this.leastConnection();
      case 'wlc':
        return this.weightedLeast((d) => d.active * 256 + d.inactive, false);
      case 'sed':
        return this.weightedLeast((d) => d.active + 1, false);
      case 'nq':
        return this.weightedLeast((d) => d.active + 1, true);
      case 'sh':
        return this.hashed(ipvsAddressFold(packet.family, packet.srcIP));
      case 'dh':
        return this.hashed(ipvsAddressFold(packet.family, packet.dstIP));
    }
  }

  /** add_dest / del_dest / upd_dest hooks of the schedulers that keep state. */
  private destinationsChanged(): void {
    if (this.scheduler === 'wrr') {
      // ip_vs_wrr_dest_changed
      const positive = this.list.map((d) => d.weight).filter((w) => w > 0);
      const w = this.wrr;
      w.cl = undefined;
      w.di = positive.length ? positive.reduce(gcd) : 1;
      w.mw = Math.max(0, ...this.list.map((d) => d.weight)) - (w.di - 1);
      if (w.cw > w.mw || !w.cw) w.cw = w.mw;
      else if (w.di > 1) w.cw = Math.floor(w.cw / w.di) * w.di + 1;
    } else if (this.scheduler === 'sh') {
      // ip_vs_sh_reassign: walk the list, each server taking `weight` consecutive buckets.
      let p = 0;
      let count = 0;
      for (let i = 0; i < IPVS_HASH_TABLE_SIZE; i++) {
        const d = this.list.length ? this.list[p] : undefined;
        this.buckets[i] = d;
        if (d && ++count >= d.weight) {
          p = (p + 1) % this.list.length;
          count = 0;
        }
      }
    } else if (this.scheduler === 'dh') {
      // ip_vs_dh_reassign: one bucket per server in turn, weights ignored.
      for (let i = 0; i < IPVS_HASH_TABLE_SIZE; i++) this.buckets[i] = this.list.length ? this.list[i % this.list.length] : undefined;
    }
  }

  /** ip_vs_rr_schedule: the first server with weight > 0 after the last pick, wrapping, the last pick itself last. */
  private roundRobin(): IPVSDestination | undefined {
    const n = this.list.length;
    const start = this.rrLast === undefined ? -1 : this.list.findIndex((d) => d.key === this.rrLast);
    for (let i = 1; i <= n; i++) {
      const d = this.list[(start + i) % n];
      if (d.weight > 0) {
        this.rrLast = d.key;
        return d;
      }
    }
    return undefined;
  }

  /** ip_vs_wrr_schedule, pass by pass: cw runs from mw down to 1 in steps of di. */
  private weightedRoundRobin(): IPVSDestination | undefined {
    const w = this.wrr;
    if (w.mw === 0) return undefined;
    const last = w.cl === undefined ? -1 : this.list.findIndex((d) => d.key === w.cl);
    let pos = last;
    let stop: number | undefined;
    let lastPass = false;
    let restarted = false;
    for (;;) {
      for (let i = pos + 1; i < this.list.length; i++) {
        const d = this.list[i];
        if (d.weight >= w.cw) {
          w.cl = d.key;
          return d;
        }
        if (i === stop) {
          w.cl = d.key;
          return undefined;
        }
      }
      pos = -1;
      w.cw -= w.di;
      if (w.cw <= 0) {
        w.cw = w.mw;
        if (lastPass || last === -1) {
          w.cl = undefined;
          return undefined;
        }
        restarted = true;
      }
      lastPass = w.cw <= w.di;
      if (lastPass && restarted && last !== -1) stop = last;
    }
  }

  /** ip_vs_lc_schedule: least (active << 8) + inactive, first on ties, weight 0 skipped. */
  private leastConnection(): IPVSDestination | undefined {
    let least: IPVSDestination | undefined;
    let loh = 0;
    for (const d of this.list) {
      if (d.weight === 0) continue;
      const doh = d.active * 256 + d.inactive;
      if (!least || doh < loh) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }

  /**
   * wlc / sed / nq: least overhead/weight, compared as loh·w_d > doh·w_least. The first server
   * with weight > 0 seeds the search (wlc, sed); nq returns the first idle server at once.
   */
  private weightedLeast(overhead: (d: IPVSDestination) => number, idleFirst: boolean): IPVSDestination | undefined {
    let least: IPVSDestination | undefined;
    let loh = 0;
    for (const d of this.list) {
      if (!least || idleFirst) {
        if (d.weight <= 0) continue;
      }
      const doh = overhead(d);
      if (idleFirst && d.active === 0) return d;
      if (!least || loh * d.weight > doh * least.weight) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }

  /** sh / dh: the bucket's server, or nothing when it has weight ≤ 0 (no fallback flag). */
  private hashed(fold: number): IPVSDestination | undefined {
    const d = this.buckets[ipvsHashBucket(fold)];
    return d && d.weight > 0 ? d : undefined;
  }
}
