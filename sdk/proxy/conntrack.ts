/**
 * A bounded connection-tracking table with Linux netfilter's semantics, as a node running
 * kube-proxy sees it: one entry per flow, found by its original-direction tuple and by its
 * expected reply tuple; per-protocol states and idle timeouts; early drop of unassured
 * entries when the table is full; the source-port choice of SNAT/masquerade; and
 * kube-proxy's UDP cleanup. The reference (oracle) for the wasm flow table; plain data,
 * browser-safe, driven by an explicit clock (milliseconds).
 *
 * Sources (torvalds/linux unless noted):
 *  - net/netfilter/nf_conntrack_proto_tcp.c — `tcp_conntracks` state table, `tcp_timeouts`,
 *    `nf_conntrack_tcp_packet` (reopen from TIME_WAIT/CLOSE, ignored packets, RST before
 *    any reply kills the entry, mid-stream pickup capped at the UNACK timeout, ASSURED on
 *    the ACK after SYN_RECV, no refresh on a retransmitted SYN).
 *  - net/netfilter/nf_conntrack_proto_udp.c — `nf_conntrack_udp_packet`: 30 s until a reply
 *    is seen, the 120 s stream timeout (and ASSURED, Linux ≥ 6.2) only for a flow still
 *    active 2 s after it was created.
 *  - net/netfilter/nf_conntrack_core.c — `nf_ct_is_expired` (alive while now < timeout),
 *    `early_drop` (a full table evicts an unassured entry, else the new flow is dropped).
 *  - net/netfilter/nf_nat_proto.c `nf_nat_l4proto_unique_tuple` — source port ranges.
 *  - kubernetes/kubernetes pkg/proxy/conntrack/cleanup.go `CleanStaleEntries` — UDP cleanup.
 *  - kubernetes/kubernetes pkg/proxy/apis/config/v1alpha1/defaults.go — kube-proxy sets
 *    tcp established 24 h and close-wait 1 h, conntrack max = max(32768·cores, 131072).
 *
 * Modelled coarsely (no sequence numbers or windows are tracked): `tcp_in_window` is assumed
 * to pass, so the RETRANS / UNACK-data / zero-window timeouts and the resync on a SYN/ACK
 * answering an ignored SYN do not occur. SCTP has no chunk types here: COOKIE_WAIT (3 s)
 * until a reply is seen, then ESTABLISHED (210 s, assured).
 */

import type { Protocol } from '../model/types.js';
import type { EndpointTarget, FlowTuple, FrontendKind, Verdict } from './decision.js';
import type { ConntrackTimeouts } from './config.js';

// ---------------------------------------------------------------------------- tuples

/** Map key of a tuple: protocol and both endpoints (canonical address text). */
export function tupleKey(t: FlowTuple): string {
  return `${t.protocol}|${t.srcIP}|${t.srcPort}|${t.dstIP}|${t.dstPort}`;
}

/** The tuple of a packet going the other way (`nf_ct_invert_tuple`). */
export function invertTuple(t: FlowTuple): FlowTuple {
  return { family: t.family, protocol: t.protocol, srcIP: t.dstIP, srcPort: t.dstPort, dstIP: t.srcIP, dstPort: t.srcPort };
}

export type Direction = 'original' | 'reply';

/**
 * Hash of a tuple's key fields (those of `tupleKey`), a small integer (V8 Smi) so the index
 * map needs no key string per packet. Equal tuples hash equal; collisions are chained.
 */
function tupleHash(protocol: string, srcIP: string, srcPort: number, dstIP: string, dstPort: number): number {
  let h = Math.imul(0x811c9dc5 ^ protocol.charCodeAt(0), 0x01000193);
  for (let i = 0; i < srcIP.length; i++) h = Math.imul(h ^ srcIP.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ srcPort, 0x01000193);
  for (let i = 0; i < dstIP.length; i++) h = Math.imul(h ^ dstIP.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ dstPort, 0x01000193);
  return (h ^ (h >>> 15)) & 0x3fffffff;
}

// ---------------------------------------------------------------------------- TCP

/** TCP header flag bits (RFC 9293 §3.1), as they sit in byte 13 of the header. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** Linux `enum tcp_conntrack`, in its numeric order (the order matters: reopen needs ≥ TIME_WAIT). */
export const TCP_STATES = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'] as const;
export type TcpState = (typeof TCP_STATES)[number];

/** States with a timeout, plus UNACK (the cap for a picked-up connection that saw no reply). */
export type TcpTimeoutName = Exclude<TcpState, 'NONE'> | 'UNACK';

type TcpTransition = TcpState | 'IGNORE' | 'INVALID';

/** `get_conntrack_index`: which row of the table a segment uses. RST wins, then SYN, FIN, ACK. */
type TcpIndex = 'SYN' | 'SYNACK' | 'FIN' | 'ACK' | 'RST' | 'NONE';

export function tcpIndexOf(flags: number): TcpIndex {
  if (flags & TCP_RST) return 'RST';
  if (flags & TCP_SYN) return flags & TCP_ACK ? 'SYNACK' : 'SYN';
  if (flags & TCP_FIN) return 'FIN';
  if (flags & TCP_ACK) return 'ACK';
  return 'NONE';
}

const sSS = 'SYN_SENT', sSR = 'SYN_RECV', sES = 'ESTABLISHED', sFW = 'FIN_WAIT', sCW = 'CLOSE_WAIT';
const sLA = 'LAST_ACK', sTW = 'TIME_WAIT', sCL = 'CLOSE', sS2 = 'SYN_SENT2', sIV = 'INVALID', sIG = 'IGNORE';

/**
 * `tcp_conntracks[dir][index][old state]` of a current kernel. Columns follow TCP_STATES:
 *            NONE SYN_SENT SYN_RECV ESTABL FIN_WAIT CLOSE_WAIT LAST_ACK TIME_WAIT CLOSE SYN_SENT2
 */
const TCP_TABLE: Record<Direction, Record<TcpIndex, readonly TcpTransition[]>> = {
  original: {
    SYN: [sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2],
    SYNACK: [sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR],
    FIN: [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    ACK: [sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV],
    RST: [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    NONE: [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  },
  reply: {
    SYN: [sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2],
    SYNACK: [sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR],
    FIN: [sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV],
    ACK: [sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG],
    RST: [sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
    NONE: [sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV],
  },
};

function tcpTransition(dir: Direction, index: TcpIndex, from: TcpState): TcpTransition {
  return TCP_TABLE[dir][index][TCP_STATES.indexOf(from)];
}

/**
 * Whether a flow's first packet can create a TCP entry (`tcp_new`): a SYN, or an ACK picking
 * up a connection mid-stream (nf_conntrack_tcp_loose = 1). Anything else is INVALID.
 */
export function opensTcpFlow(flags: number): boolean {
  const first = tcpTransition('original', tcpIndexOf(flags), 'NONE');
  return first === 'SYN_SENT' || first === 'ESTABLISHED';
}

/** Per-flow TCP tracking (the parts of `struct ip_ct_tcp` that do not need sequence numbers). */
export interface TcpTrack {
  state: TcpState;
  lastIndex: TcpIndex;
  lastDir: Direction;
  /** IP_CT_TCP_FLAG_CLOSE_INIT in either direction: a FIN moved the flow to FIN_WAIT. */
  closeInit: boolean;
  /** IP_CT_TCP_SIMULTANEOUS_OPEN. */
  simultaneousOpen: boolean;
  /** IP_CT_EXP_CHALLENGE_ACK: a SYN was ignored in LAST_ACK, so the next ACK is an RFC 5961 challenge. */
  challengeAckExpected: boolean;
}

// ---------------------------------------------------------------------------- settings

/** Idle timeouts (seconds) and size of the table. Every field defaults as described. */
export interface ConntrackSettings {
  /** `nf_conntrack_max`. Default 131072, kube-proxy's `conntrack.min` (it sets max(32768·cores, min)). */
  maxEntries?: number;
  /** Default 86400: kube-proxy's `conntrack.tcpEstablishedTimeout` (Linux alone: 432000). */
  tcpEstablishedTimeout?: number;
  /** Default 3600: kube-proxy's `conntrack.tcpCloseWaitTimeout` (Linux alone: 60). */
  tcpCloseWaitTimeout?: number;
  /** Other TCP states; defaults are Linux `tcp_timeouts`. */
  tcpTimeouts?: Partial<Record<TcpTimeoutName, number>>;
  /** `nf_conntrack_udp_timeout`, default 30. */
  udpTimeout?: number;
  /** `nf_conntrack_udp_timeout_stream`, default 120. */
  udpStreamTimeout?: number;
  /** `nf_conntrack_sctp_timeout_cookie_wait` (3) and `…_established` (210). */
  sctpTimeouts?: { cookieWait?: number; established?: number };
  /**
   * kube-proxy `conntrack.tcpBeLiberal`. When false (the default) kube-proxy installs
   * `-m conntrack --ctstate INVALID -j DROP` (nftables: `ct state invalid drop`), so packets
   * conntrack finds invalid are dropped; when true they pass without any translation
   * (kubernetes/kubernetes#74839).
   */
  tcpBeLiberal?: boolean;
}

/** Linux `tcp_timeouts` with kube-proxy's two overrides, seconds. */
export const DEFAULT_TCP_TIMEOUTS: Readonly<Record<TcpTimeoutName, number>> = {
  SYN_SENT: 120,
  SYN_RECV: 60,
  ESTABLISHED: 86400,
  FIN_WAIT: 120,
  CLOSE_WAIT: 3600,
  LAST_ACK: 30,
  TIME_WAIT: 120,
  CLOSE: 10,
  SYN_SENT2: 120,
  UNACK: 300,
};
export const DEFAULT_MAX_ENTRIES = 131072;
export const DEFAULT_UDP_TIMEOUT = 30;
export const DEFAULT_UDP_STREAM_TIMEOUT = 120;
/** A UDP flow becomes a stream only when a packet arrives more than this after creation. */
export const UDP_STREAM_DELAY_MS = 2000;

interface ResolvedSettings {
  maxEntries: number;
  tcp: Record<TcpTimeoutName, number>;
  udp: number;
  udpStream: number;
  sctpCookieWait: number;
  sctpEstablished: number;
  tcpBeLiberal: boolean;
}

function resolve(s: ConntrackSettings): ResolvedSettings {
  const tcp = { ...DEFAULT_TCP_TIMEOUTS, ...s.tcpTimeouts };
  if (s.tcpEstablishedTimeout !== undefined) tcp.ESTABLISHED = s.tcpEstablishedTimeout;
  if (s.tcpCloseWaitTimeout !== undefined) tcp.CLOSE_WAIT = s.tcpCloseWaitTimeout;
  const maxEntries = s.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`conntrack maxEntries must be a positive integer, got ${maxEntries}`);
  return {
    maxEntries,
    tcp,
    udp: s.udpTimeout ?? DEFAULT_UDP_TIMEOUT,
    udpStream: s.udpStreamTimeout ?? DEFAULT_UDP_STREAM_TIMEOUT,
    sctpCookieWait: s.sctpTimeouts?.cookieWait ?? 3,
    sctpEstablished: s.sctpTimeouts?.established ?? 210,
    tcpBeLiberal: s.tcpBeLiberal ?? false,
  };
}

/**
 * Settings from a parsed KubeProxyConfiguration: a 0 timeout means kube-proxy leaves the
 * kernel's value, i.e. Linux's default.
 */
export function conntrackSettingsFromConfig(timeouts: ConntrackTimeouts, extra: Pick<ConntrackSettings, 'maxEntries' | 'tcpBeLiberal'> = {}): ConntrackSettings {
  return {
    ...extra,
    tcpEstablishedTimeout: timeouts.tcpEstablished > 0 ? timeouts.tcpEstablished : 432000,
    tcpCloseWaitTimeout: timeouts.tcpCloseWait > 0 ? timeouts.tcpCloseWait : 60,
    udpTimeout: timeouts.udp > 0 ? timeouts.udp : DEFAULT_UDP_TIMEOUT,
    udpStreamTimeout: timeouts.udpStream > 0 ? timeouts.udpStream : DEFAULT_UDP_STREAM_TIMEOUT,
  };
}

// ---------------------------------------------------------------------------- entries

/** What the rules decided for the flow; replayed for every later packet. */
export interface FlowNat {
  verdict: Extract<Verdict, 'DNAT' | 'PASS' | 'ACCEPT'>;
  servicePort?: string;
  frontend?: FrontendKind;
  endpoint?: EndpointTarget;
  masquerade: boolean;
}

/**
 * Connections a real server is handling, as IPVS counts them (`activeconns` = TCP/SCTP
 * connections in ESTABLISHED, `inactconns` = the rest, which includes every UDP flow).
 */
export interface ConnectionCounter {
  active: number;
  inactive: number;
}

export interface ConntrackEntry {
  /** Creation sequence number (1, 2, …): early drop takes the lowest unassured one. */
  readonly id: number;
  /** The first packet's tuple, as it arrived. */
  readonly original: FlowTuple;
  /** The tuple replies carry (inverse of the translated original). */
  readonly reply: FlowTuple;
  readonly nat: FlowNat;
  readonly created: number;
  /** Time (ms) at which the entry dies unless refreshed: alive while now < deadline. */
  deadline: number;
  seenReply: boolean;
  assured: boolean;
  tcp?: TcpTrack;
  sctpEstablished?: boolean;
  /** IPVS real-server counters this connection is counted in (ipvs mode). */
  counter?: ConnectionCounter;
  /** @internal earliest deadline queued in the expiry heap for this entry. */
  queuedDeadline: number;
  /** @internal */
  removed: boolean;
}

/** Human-readable state: the TCP state, or UNREPLIED/REPLIED/ASSURED for UDP, SCTP's state. */
export function conntrackStateOf(e: ConntrackEntry): string {
  if (e.tcp) return e.tcp.state;
  if (e.original.protocol === 'SCTP') return e.sctpEstablished ? 'ESTABLISHED' : 'COOKIE_WAIT';
  return e.assured ? 'ASSURED' : e.seenReply ? 'REPLIED' : 'UNREPLIED';
}

/** Whether IPVS counts the connection as active (ESTABLISHED). */
function isActive(e: ConntrackEntry): boolean {
  return e.tcp ? e.tcp.state === 'ESTABLISHED' : e.sctpEstablished === true;
}

export type RemovalCause = 'expired' | 'evicted' | 'cleaned' | 'reopened' | 'reset' | 'flushed';

export interface ConntrackCounters {
  created: number;
  expired: number;
  /** Early drops to make room for a new flow. */
  evicted: number;
  /** New flows refused because the table was full of assured entries. */
  refused: number;
  /** Removed by kube-proxy's UDP cleanup. */
  cleaned: number;
  /** TCP entries closed and replaced by a new connection on the same tuple. */
  reopened: number;
  /** TCP entries deleted by an RST before any reply. */
  reset: number;
  /** Packets conntrack classified INVALID. */
  invalid: number;
}

/** Outcome of one packet on an existing entry. */
export type TrackOutcome =
  /** State updated (or left) and the timer refreshed as Linux does; translate the packet. */
  | 'tracked'
  /** Linux ignores the segment: no state change, no refresh, but it is translated. */
  | 'ignored'
  /** INVALID: no state change, no refresh; kube-proxy drops it unless tcpBeLiberal. */
  | 'invalid'
  /** A SYN reopens a closed connection: the entry is gone, treat the packet as a new flow. */
  | 'reopen';

// ---------------------------------------------------------------------------- expiry heap

interface HeapItem {
  deadline: number;
  seq: number;
  entry: ConntrackEntry;
}

/** Binary min-heap of (deadline, seq). */
class DeadlineHeap {
  private items: HeapItem[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): HeapItem | undefined {
    return this.items[0];
  }

  push(item: HeapItem): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }

  pop(): HeapItem | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items = [];
  }
}

function less(a: HeapItem, b: HeapItem): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

// ---------------------------------------------------------------------------- observers

/**
 * Watches a table from outside: the wasm frame engine (sdk/engine/frames.ts) keeps a
 * fast-path copy of established flows and must drop it when an entry goes, and bring in
 * what its fast path did before the table decides an entry is idle.
 */
export interface ConntrackObserver {
  /** The entry left the table (any cause; `flush` reports 'flushed'). */
  removed?(entry: ConntrackEntry, cause: RemovalCause): void;
  /**
   * `expire` found the entry's deadline ≤ now and is about to remove it: the last moment
   * to report packets forwarded elsewhere (`recordForwarded`), which may keep it alive.
   */
  due?(entry: ConntrackEntry, now: number): void;
}

/**
 * How the next packet of an entry in one direction is tracked when the tracker would change
 * nothing but the entry's timer: `deadline = now + timeoutMs`, valid for `now > notBeforeMs`.
 * For TCP this holds only for a segment with ACK set and SYN, FIN and RST clear.
 */
export interface TimerOnlyTracking {
  timeoutMs: number;
  notBeforeMs: number;
}

// ---------------------------------------------------------------------------- table

/** Where a packet's tuple was found. */
export interface TupleRef {
  entry: ConntrackEntry;
  direction: Direction;
}

/** A tuple's place in the table's index. */
interface IndexedRef extends TupleRef {
  /** The entry's tuple of `direction` (kept here to compare without reaching into the entry). */
  readonly tuple: FlowTuple;
  next: IndexedRef | undefined;
}

/**
 * The table. Every tuple of both directions is a key of one map (Linux hashes both
 * `tuplehash` entries of a conntrack into the same table), so a new entry whose reply tuple
 * is already someone's tuple is a clash the NAT layer must avoid by remapping the source port.
 */
export class ConntrackTable {
  readonly settings: Readonly<ResolvedSettings>;
  readonly counters: ConntrackCounters = { created: 0, expired: 0, evicted: 0, refused: 0, cleaned: 0, reopened: 0, reset: 0, invalid: 0 };
  /** Both tuples of every entry, by `tupleHash`; refs with the same hash are chained through `next`. */
  private readonly tuples = new Map<number, IndexedRef>();
  /** Live entries in creation order (Map keeps insertion order). */
  private readonly live = new Map<number, ConntrackEntry>();
  /**
   * Early-drop candidates: entries in creation order from `unassuredHead` on. An entry that
   * is removed or ASSURED (which it stays until removed) is skipped for good, so the scan for
   * the oldest unassured live entry is amortised O(1) (a Map iteration walks its deleted slots).
   */
  private unassured: ConntrackEntry[] = [];
  private unassuredHead = 0;
  private readonly heap = new DeadlineHeap();
  private nextId = 1;
  private heapSeq = 0;
  private observer: ConntrackObserver | undefined;

  constructor(settings: ConntrackSettings = {}) {
    this.settings = resolve(settings);
  }

  /** Installs the observer (one at a time; undefined removes it). */
  observe(observer: ConntrackObserver | undefined): void {
    this.observer = observer;
  }

  /**
   * Whether (and how) a packet of `entry` in `direction` would change nothing but its timer
   * — the packets a fast path may forward for the table and report with `recordForwarded`:
   *  - TCP in ESTABLISHED, ASSURED: an ACK without SYN/FIN/RST stays ESTABLISHED in either
   *    direction and refreshes the established timeout (`tcp_conntracks`, sES → sES);
   *  - UDP before any reply: original-direction packets refresh the 30 s timeout; once
   *    ASSURED (a stream), packets both ways refresh the stream timeout, provided they
   *    come more than UDP_STREAM_DELAY_MS after creation;
   *  - SCTP: before a reply, original-direction packets refresh COOKIE_WAIT; once
   *    ESTABLISHED, packets both ways refresh ESTABLISHED.
   * Undefined otherwise (the packet may change the entry's state).
   */
  timerOnlyTracking(entry: ConntrackEntry, direction: Direction): TimerOnlyTracking | undefined {
    if (entry.removed) return undefined;
    const s = this.settings;
    const always = Number.NEGATIVE_INFINITY;
    switch (entry.original.protocol) {
      case 'TCP':
        return entry.tcp?.state === 'ESTABLISHED' && entry.assured ? { timeoutMs: s.tcp.ESTABLISHED * 1000, notBeforeMs: always } : undefined;
      case 'UDP':
        if (!entry.seenReply) return direction === 'original' ? { timeoutMs: s.udp * 1000, notBeforeMs: always } : undefined;
        return entry.assured ? { timeoutMs: s.udpStream * 1000, notBeforeMs: entry.created + UDP_STREAM_DELAY_MS } : undefined;
      default:
        if (entry.sctpEstablished) return { timeoutMs: s.sctpEstablished * 1000, notBeforeMs: always };
        return direction === 'original' ? { timeoutMs: s.sctpCookieWait * 1000, notBeforeMs: always } : undefined;
    }
  }

  /**
   * Brings in packets of `entry` that were forwarded without this table, each of which the
   * tracker would have handled as `timerOnlyTracking` says: the last of them set the timer
   * to `deadline` and, for TCP, was an ACK in `lastDirection`. The entry's state is otherwise
   * unchanged.
   */
  recordForwarded(entry: ConntrackEntry, deadline: number, lastDirection: Direction): void {
    if (entry.removed) return;
    if (entry.tcp) {
      entry.tcp.lastIndex = 'ACK';
      entry.tcp.lastDir = lastDirection;
    }
    this.setDeadline(entry, deadline);
  }

  get size(): number {
    return this.live.size;
  }

  /** Live entries, oldest first. */
  entries(): IterableIterator<ConntrackEntry> {
    return this.live.values();
  }

  lookup(t: FlowTuple): TupleRef | undefined {
    return this.find(t.protocol, t.srcIP, t.srcPort, t.dstIP, t.dstPort);
  }

  /** `nf_conntrack_tuple_taken`: some entry already owns this tuple in either direction. */
  tupleTaken(t: FlowTuple): boolean {
    return this.find(t.protocol, t.srcIP, t.srcPort, t.dstIP, t.dstPort) !== undefined;
  }

  private find(protocol: Protocol, srcIP: string, srcPort: number, dstIP: string, dstPort: number): IndexedRef | undefined {
    for (let ref = this.tuples.get(tupleHash(protocol, srcIP, srcPort, dstIP, dstPort)); ref !== undefined; ref = ref.next) {
      const t = ref.tuple;
      if (t.srcPort === srcPort && t.dstPort === dstPort && t.protocol === protocol && t.srcIP === srcIP && t.dstIP === dstIP) return ref;
    }
    return undefined;
  }

  private index(entry: ConntrackEntry, direction: Direction): IndexedRef {
    const t = direction === 'original' ? entry.original : entry.reply;
    const hash = tupleHash(t.protocol, t.srcIP, t.srcPort, t.dstIP, t.dstPort);
    const ref: IndexedRef = { entry, direction, tuple: t, next: this.tuples.get(hash) };
    this.tuples.set(hash, ref);
    return ref;
  }

  private unindex(entry: ConntrackEntry, direction: Direction): void {
    const t = direction === 'original' ? entry.original : entry.reply;
    const hash = tupleHash(t.protocol, t.srcIP, t.srcPort, t.dstIP, t.dstPort);
    let previous: IndexedRef | undefined;
    for (let ref = this.tuples.get(hash); ref !== undefined; previous = ref, ref = ref.next) {
      if (ref.entry !== entry || ref.direction !== direction) continue;
      if (previous !== undefined) previous.next = ref.next;
      else if (ref.next !== undefined) this.tuples.set(hash, ref.next);
      else this.tuples.delete(hash);
      return;
    }
  }

  /**
   * A time no live entry expires before: `expire(now)` removes nothing while now is below
   * it (the earliest deadline queued for expiry; +Infinity when nothing is queued).
   */
  nextDeadline(): number {
    return this.heap.peek()?.deadline ?? Number.POSITIVE_INFINITY;
  }

  /** Removes every entry whose deadline is ≤ now. Returns how many. */
  expire(now: number): number {
    let n = 0;
    for (let top = this.heap.peek(); top && top.deadline <= now; top = this.heap.peek()) {
      this.heap.pop();
      const e = top.entry;
      if (e.removed) continue;
      if (e.deadline <= now) this.observer?.due?.(e, now);
      if (e.deadline <= now) {
        this.remove(e, 'expired');
        n++;
      } else if (top.deadline === e.queuedDeadline) {
        // Refreshed since queued: requeue at the current deadline.
        e.queuedDeadline = e.deadline;
        this.heap.push({ deadline: e.deadline, seq: this.heapSeq++, entry: e });
      }
    }
    return n;
  }

  /**
   * Makes room for one more entry: Linux's `__nf_conntrack_alloc` → `early_drop`. When the
   * table is full, the oldest entry that is not ASSURED is deleted (Linux takes the first
   * unassured entry of a few hash buckets; oldest-first is the deterministic stand-in).
   * Returns false when every entry is assured: the new flow must be dropped.
   */
  admit(now: number): boolean {
    this.expire(now);
    if (this.live.size < this.settings.maxEntries) return true;
    const oldest = this.oldestUnassured();
    if (oldest) {
      this.remove(oldest, 'evicted');
      return true;
    }
    this.counters.refused++;
    return false;
  }

  /** The live entry with the lowest id that is not ASSURED (skipped queue entries are dropped). */
  private oldestUnassured(): ConntrackEntry | undefined {
    const queue = this.unassured;
    let head = this.unassuredHead;
    while (head < queue.length && (queue[head].removed || queue[head].assured)) head++;
    if (head >= 1024 && head * 2 >= queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    this.unassuredHead = head;
    return head < queue.length ? queue[head] : undefined;
  }

  /**
   * `nf_nat_l4proto_unique_tuple` for a source rewrite: keeps `t.srcPort` when the reply tuple
   * it implies is free, else searches the port class of the original port (1–511, 600–1023,
   * 1024–65535) upwards from the next port, wrapping. Linux starts at a random or hashed
   * offset (kube-proxy masquerades with --random-fully); here the search is deterministic.
   * Returns undefined when the class is exhausted.
   */
  uniqueSource(t: FlowTuple): FlowTuple | undefined {
    // The reply tuple a source implies is the inverse of `t`: (dst → src).
    if (this.find(t.protocol, t.dstIP, t.dstPort, t.srcIP, t.srcPort) === undefined) return t;
    const [min, size] = t.srcPort < 512 ? [1, 511] : t.srcPort < 1024 ? [600, 424] : [1024, 64512];
    const start = (((t.srcPort - min + 1) % size) + size) % size;
    for (let i = 0; i < size; i++) {
      const srcPort = min + ((start + i) % size);
      if (this.find(t.protocol, t.dstIP, t.dstPort, t.srcIP, srcPort) === undefined) return { ...t, srcPort };
    }
    return undefined;
  }

  /**
   * Creates the entry for a new flow and runs its first packet through the protocol tracker.
   * `translated` is the first packet after NAT (equal to `original` when nothing is
   * rewritten); its inverse must be free (see `uniqueSource`). Call `admit` first, and for
   * TCP check `opensTcpFlow(tcpFlags)`.
   */
  create(original: FlowTuple, translated: FlowTuple, nat: FlowNat, now: number, tcpFlags: number, counter?: ConnectionCounter): ConntrackEntry {
    if (original.protocol === 'TCP' && !opensTcpFlow(tcpFlags)) throw new Error(`TCP flags 0x${tcpFlags.toString(16)} cannot open a flow`);
    const reply = invertTuple(translated);
    if (this.tupleTaken(original) || this.tupleTaken(reply)) throw new Error(`conntrack clash for ${tupleKey(original)} / ${tupleKey(reply)}`);
    const entry: ConntrackEntry = {
      id: this.nextId++,
      original,
      reply,
      nat,
      created: now,
      deadline: now,
      seenReply: false,
      assured: false,
      queuedDeadline: Number.POSITIVE_INFINITY,
      removed: false,
    };
    if (original.protocol === 'TCP') {
      entry.tcp = { state: 'NONE', lastIndex: 'NONE', lastDir: 'original', closeInit: false, simultaneousOpen: false, challengeAckExpected: false };
    }
    const originalRef = this.index(entry, 'original');
    this.index(entry, 'reply');
    this.live.set(entry.id, entry);
    this.unassured.push(entry);
    // A table that never fills never scans: drop the dead part of the queue now and then.
    if (this.unassured.length - this.unassuredHead > 2 * this.live.size + 1024) {
      this.unassured = this.unassured.slice(this.unassuredHead).filter((e) => !e.removed && !e.assured);
      this.unassuredHead = 0;
    }
    this.counters.created++;
    if (counter) {
      entry.counter = counter;
      counter.inactive++;
    }
    this.track(originalRef, tcpFlags, now);
    return entry;
  }

  /**
   * Runs a packet of an existing flow through the protocol tracker: state, ASSURED, timer.
   * `tcpFlags` is ignored for UDP and SCTP. The entry may be removed by the packet (an RST
   * before any reply, or a reopening SYN); check `entry.removed`.
   */
  track(ref: TupleRef, tcpFlags: number, now: number): TrackOutcome {
    const { entry, direction } = ref;
    const wasActive = isActive(entry);
    let outcome: TrackOutcome;
    switch (entry.original.protocol) {
      case 'TCP':
        outcome = this.trackTcp(entry, direction, tcpFlags, now);
        break;
      case 'UDP':
        outcome = this.trackUdp(entry, now);
        break;
      default:
        outcome = this.trackSctp(entry, direction, now);
    }
    if (outcome === 'invalid') this.counters.invalid++;
    if (outcome !== 'invalid' && outcome !== 'reopen' && direction === 'reply') entry.seenReply = true;
    if (!entry.removed && entry.counter && wasActive !== isActive(entry)) {
      if (wasActive) {
        entry.counter.active--;
        entry.counter.inactive++;
      } else {
        entry.counter.inactive--;
        entry.counter.active++;
      }
    }
    return outcome;
  }

  /** Deletes an entry (any cause), releasing its tuples and its IPVS counter. */
  remove(entry: ConntrackEntry, cause: RemovalCause): void {
    if (entry.removed) return;
    entry.removed = true;
    this.unindex(entry, 'original');
    this.unindex(entry, 'reply');
    this.live.delete(entry.id);
    if (entry.counter) {
      if (isActive(entry)) entry.counter.active--;
      else entry.counter.inactive--;
    }
    switch (cause) {
      case 'expired':
        this.counters.expired++;
        break;
      case 'evicted':
        this.counters.evicted++;
        break;
      case 'cleaned':
        this.counters.cleaned++;
        break;
      case 'reopened':
        this.counters.reopened++;
        break;
      case 'reset':
        this.counters.reset++;
        break;
      case 'flushed':
        break;
    }
    this.observer?.removed?.(entry, cause);
  }

  /** Deletes every entry. */
  flush(): void {
    for (const e of [...this.live.values()]) this.remove(e, 'flushed');
    this.heap.clear();
    this.unassured = [];
    this.unassuredHead = 0;
  }

  private refresh(entry: ConntrackEntry, now: number, timeoutSeconds: number): void {
    this.setDeadline(entry, now + timeoutSeconds * 1000);
  }

  private setDeadline(entry: ConntrackEntry, deadline: number): void {
    entry.deadline = deadline;
    if (entry.deadline < entry.queuedDeadline) {
      entry.queuedDeadline = entry.deadline;
      this.heap.push({ deadline: entry.deadline, seq: this.heapSeq++, entry });
    }
  }

  /** `nf_conntrack_tcp_packet` without the window checks. */
  private trackTcp(entry: ConntrackEntry, dir: Direction, flags: number, now: number): TrackOutcome {
    const tcp = entry.tcp as TcpTrack;
    const index = tcpIndexOf(flags);
    const oldState = tcp.state;
    let next = tcpTransition(dir, index, oldState);

    if (next === 'SYN_SENT' && TCP_STATES.indexOf(oldState) >= TCP_STATES.indexOf('TIME_WAIT')) {
      // RFC 1122 reopen from TIME_WAIT / an aborted connection: delete, look up again.
      if (tcp.closeInit || (tcp.lastDir === dir && tcp.lastIndex === 'RST')) {
        this.remove(entry, 'reopened');
        return 'reopen';
      }
      next = 'IGNORE';
    }
    if (next === 'IGNORE') {
      tcp.lastIndex = index;
      tcp.lastDir = dir;
      if (index === 'SYN' && dir === 'original') tcp.challengeAckExpected = oldState === 'LAST_ACK';
      return 'ignored';
    }
    if (next === 'INVALID') return 'invalid';
    if (next === 'TIME_WAIT' && oldState === 'LAST_ACK' && index === 'ACK' && tcp.lastDir !== dir && tcp.lastIndex === 'SYN' && tcp.challengeAckExpected) {
      // RFC 5961 challenge ACK answering the SYN we ignored: it does not ACK the last FIN.
      tcp.challengeAckExpected = false;
      return 'ignored';
    }
    if (next === 'SYN_SENT2') tcp.simultaneousOpen = true;
    if (next === 'SYN_RECV' && dir === 'reply' && index === 'ACK' && tcp.simultaneousOpen) next = 'ESTABLISHED';

    tcp.lastIndex = index;
    tcp.lastDir = dir;
    tcp.state = next;
    if (oldState !== next && next === 'FIN_WAIT') tcp.closeInit = true;

    const timeouts = this.settings.tcp;
    let timeout = index === 'RST' ? timeouts.CLOSE : timeouts[next as TcpTimeoutName];
    if (!entry.seenReply) {
      if (flags & TCP_RST) {
        // "If only reply is a RST, we can consider ourselves not to have an established
        // connection": the packet passes, the entry goes.
        this.remove(entry, 'reset');
        return 'tracked';
      }
      // A retransmitted SYN does not renew the timer (so port reuse cannot keep a stale NAT alive).
      if (index === 'SYN' && oldState === 'SYN_SENT') return 'tracked';
      if (next === 'ESTABLISHED' && timeout > timeouts.UNACK) timeout = timeouts.UNACK;
    } else if (!entry.assured && (oldState === 'SYN_RECV' || oldState === 'ESTABLISHED') && next === 'ESTABLISHED') {
      entry.assured = true;
    }
    this.refresh(entry, now, timeout);
    return 'tracked';
  }

  /** `nf_conntrack_udp_packet` (Linux ≥ 6.2). */
  private trackUdp(entry: ConntrackEntry, now: number): TrackOutcome {
    if (entry.seenReply) {
      const stream = now > entry.created + UDP_STREAM_DELAY_MS;
      this.refresh(entry, now, stream ? this.settings.udpStream : this.settings.udp);
      if (stream) entry.assured = true;
    } else {
      this.refresh(entry, now, this.settings.udp);
    }
    return 'tracked';
  }

  private trackSctp(entry: ConntrackEntry, dir: Direction, now: number): TrackOutcome {
    if (dir === 'reply' && !entry.sctpEstablished) {
      entry.sctpEstablished = true;
      entry.assured = true;
    }
    this.refresh(entry, now, entry.sctpEstablished ? this.settings.sctpEstablished : this.settings.sctpCookieWait);
    return 'tracked';
  }
}

/**
 * The flags a packet with unknown flags is given — those of a normal handshake and data
 * transfer: a SYN opens a flow, the client repeats its SYN until answered, the answer to a
 * SYN is a SYN/ACK, anything else is an ACK.
 */
export function impliedTcpFlags(ref: TupleRef | undefined): number {
  if (!ref) return TCP_SYN;
  if (ref.entry.tcp?.state !== 'SYN_SENT') return TCP_ACK;
  return ref.direction === 'reply' ? TCP_SYN | TCP_ACK : TCP_SYN;
}

// ---------------------------------------------------------------------------- UDP cleanup

/** One service port as kube-proxy's `CleanStaleEntries` sees it (one IP family). */
export interface ServicePortState {
  /** `namespace/name:portName`. */
  servicePort: string;
  protocol: Protocol;
  family: 4 | 6;
  /** ClusterIP, LoadBalancer ingress IPs (VIP mode) and externalIPs of this family. */
  frontendIPs: readonly string[];
  port: number;
  /** 0 or absent when the service has no NodePort. */
  nodePort?: number;
  /** Every endpoint of the port kube-proxy knows (whatever its node or zone). */
  endpoints: readonly { ip: string; port: number; serving: boolean }[];
}

/**
 * kube-proxy's `CleanStaleEntries` for one conntrack table: for every UDP service port with
 * at least one serving endpoint, a UDP entry is deleted when its original destination is a
 * frontend `IP:port` of that service port — or its original destination port is the
 * service port's NodePort (any address) — and its reply source is not a serving endpoint
 * IP. That removes entries to endpoints that left and "black hole" entries created while
 * the service had no endpoints (reply source = the VIP itself, never DNATed;
 * kubernetes/kubernetes#48370). TCP and SCTP are never touched; ports of services without
 * serving endpoints are skipped. Returns how many entries were removed.
 */
export function cleanStaleUdpEntries(table: ConntrackTable, servicePorts: readonly ServicePortState[]): number {
  const byFrontend = new Map<string, Set<string>>();
  const byNodePort = new Map<string, Set<string>>();
  for (const sp of servicePorts) {
    if (sp.protocol !== 'UDP') continue;
    const serving = new Set(sp.endpoints.filter((e) => e.serving).map((e) => e.ip));
    if (serving.size === 0) continue;
    for (const ip of sp.frontendIPs) byFrontend.set(`${ip}|${sp.port}`, serving);
    // kube-proxy's map is keyed by port alone, per family proxier.
    if (sp.nodePort) byNodePort.set(`${sp.family}|${sp.nodePort}`, serving);
  }
  const stale: ConntrackEntry[] = [];
  for (const e of table.entries()) {
    if (e.original.protocol !== 'UDP') continue;
    const replySource = e.reply.srcIP;
    const viaFrontend = byFrontend.get(`${e.original.dstIP}|${e.original.dstPort}`);
    const viaNodePort = byNodePort.get(`${e.original.family}|${e.original.dstPort}`);
    if ((viaFrontend && !viaFrontend.has(replySource)) || (viaNodePort && !viaNodePort.has(replySource))) stale.push(e);
  }
  for (const e of stale) table.remove(e, 'cleaned');
  return stale.length;
}
