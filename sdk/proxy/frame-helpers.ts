/**
 * What the two frame engines share — the reference (reference-frames.ts) and the wasm one
 * (sdk/engine/frames.ts), which must give the same results for the same frames — so each
 * rule exists once: the flow layer they are built on, the tuple a parsed packet hands it,
 * the result and rewrites of its decision, and the table of fragmented datagrams.
 * Plain TypeScript, browser-safe; reference-frames.ts describes the per-frame steps.
 */

import type { EndpointSlice, Protocol, Service } from '../model/types.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../model/ip.js';
import {
  FRAG_IS_FRAGMENT,
  INNER_LATER_FRAGMENT,
  INNER_PORTS,
  PROTO_SCTP,
  PROTO_TCP,
  PROTO_UDP,
  REASON_OK,
  isIcmpError,
  parsePacket,
  type IpAddress,
  type ParsedPacket,
} from '../packet/parse.js';
import { NAT_DST_ADDR, NAT_DST_PORT, NAT_INNER_DST_ADDR, NAT_INNER_DST_PORT, NAT_INNER_SRC_ADDR, NAT_INNER_SRC_PORT, NAT_SRC_ADDR, NAT_SRC_PORT, type NatRewrite } from '../packet/nat.js';
import type { ProxyConfig } from './config.js';
import { conntrackSettingsFromConfig, type ConntrackSettings } from './conntrack.js';
import type { EndpointTarget, FlowTuple, LoadBalancerAlgorithm, RuleDecision } from './decision.js';
import { FlowProcessor, type FlowResult, type MaglevHook, type PacketInfo } from './flows.js';
import type { FrameResult } from './frame-engine.js';
import { DEFAULT_MAGLEV_TABLE_SIZE, buildMaglevTable, maglevLookup } from './maglev.js';
import { KubeProxyRules, type NodeView } from './rules.js';
import { joinHostPort, parseAddress } from './rules-net.js';
import { endpointKey, flowHash, isModelledIPVSScheduler } from './schedulers.js';

/** What every frame engine is built from: the cluster state one node proxy sees, and the node. */
export interface FrameEngineOptions {
  services: readonly Service[];
  slices: readonly EndpointSlice[];
  /** The ranges of the ServiceCIDR objects; default `10.96.0.0/12`. */
  serviceCIDRs?: readonly string[];
  node: NodeView;
  config: ProxyConfig;
  /** Seed of the random endpoint selection (iptables, nftables); default FlowProcessor's. */
  seed?: number;
  /**
   * Endpoint selection in iptables and nftables mode, as Cilium's `loadBalancer.algorithm`:
   * `random` (default: the mode's own) or `maglev` (consistent hashing: every node picks the
   * same endpoint for the same flow). A Service's `service.cilium.io/lb-algorithm`
   * annotation overrides it. In ipvs mode the scheduler decides (`mh` is Maglev).
   */
  loadBalancerAlgorithm?: LoadBalancerAlgorithm;
  /** Maglev table size M, a prime (default 16381, Cilium's; `CILIUM_MAGLEV_TABLE_SIZES` are Cilium's choices). */
  maglevTableSize?: number;
  /** Base64 of 12 bytes, equal on every node (Cilium's `maglev.hashSeed`; default Cilium's). */
  maglevHashSeed?: string;
}

/** The options of the flow layer and fragment table both engines run (the reference's, the wasm engine's slow path). */
export interface FlowLayerOptions extends FrameEngineOptions {
  /** Overrides of the conntrack settings derived from `config.conntrack` (e.g. `maxEntries`). */
  conntrack?: Partial<ConntrackSettings>;
  /** Datagrams whose first fragment is remembered for their followers (default 8192). */
  maxFragmentedDatagrams?: number;
}

/** Reason of a non-first fragment whose first fragment was not seen. */
export const REASON_FRAGMENT_WITHOUT_FIRST = 'fragment without first';
/** Reason of a masqueraded packet of a family the node has no address of. */
export const REASON_NO_MASQUERADE_ADDRESS = 'no node address to masquerade with';

/** Reassembly timeouts in ms: Linux `ipfrag_time` (30 s) and `ip6frag_time` (60 s). */
const FRAGMENT_TIMEOUT_MS: Readonly<Record<4 | 6, number>> = { 4: 30_000, 6: 60_000 };
const DEFAULT_MAX_FRAGMENTED_DATAGRAMS = 8192;

/** IPVS mh's default table size (CONFIG_IP_VS_MH_TAB_INDEX 12 → 65521, net/netfilter/ipvs/ip_vs_mh.c). */
const IPVS_MH_TABLE_SIZE = 65521;
/** Maglev tables one flow layer keeps. */
const MAGLEV_CACHED_TABLES = 1024;

/** Addresses handed to the flow layer for a family the node has no address of; turned into DROP. */
export const NO_ADDRESS: Readonly<Record<4 | 6, string>> = { 4: '0.0.0.0', 6: '::' };

const PROTOCOL_NAMES: Readonly<Record<number, Protocol>> = { [PROTO_TCP]: 'TCP', [PROTO_UDP]: 'UDP', [PROTO_SCTP]: 'SCTP' };

// ---------------------------------------------------------------------------- the flow layer

/** The rules and flow processor of one engine, and the masquerade source per family. */
export interface FlowLayer {
  readonly rules: KubeProxyRules;
  readonly flows: FlowProcessor;
  /** The node's primary address per family, `NO_ADDRESS` where it has none. */
  readonly masqueradeIPs: Readonly<Record<4 | 6, string>>;
}

/**
 * Builds the flow layer of a frame engine over `options`' snapshot; `now` is the engine's
 * clock (the capture time of the frame being processed). `decider`: what the flow processor
 * asks for a first packet's decision, given the rules (default their own `decide`; the wasm
 * engine asks its core's decision cache). Throws a RangeError for an ipvs scheduler that is
 * not modelled.
 */
export function createFlowLayer(options: FlowLayerOptions, now: () => number, decider?: (rules: KubeProxyRules) => (tuple: FlowTuple) => RuleDecision): FlowLayer {
  const { config, node } = options;
  if (config.mode === 'ipvs' && config.ipvs.scheduler !== 'mh' && !isModelledIPVSScheduler(config.ipvs.scheduler)) {
    throw new RangeError(`ipvs.scheduler ${JSON.stringify(config.ipvs.scheduler)} is not modelled (modelled: rr, wrr, lc, wlc, sed, nq, sh, dh, mh)`);
  }
  const rules = new KubeProxyRules({ node, config });
  rules.setState(options.services, options.slices, options.serviceCIDRs);
  const masqueradeIPs = { 4: primaryAddress(node, 4) ?? NO_ADDRESS[4], 6: primaryAddress(node, 6) ?? NO_ADDRESS[6] };
  const flows = new FlowProcessor(decider ? decider(rules) : (tuple) => rules.decide(tuple), {
    mode: config.mode,
    scheduler: config.ipvs.scheduler,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    now,
    conntrack: { ...conntrackSettingsFromConfig(config.conntrack), ...options.conntrack },
    masqueradeIP: (family) => masqueradeIPs[family],
    // ip_vs_mh hashes the client address alone (no IP_VS_SVC_F_SCHED_MH_PORT from kube-proxy).
    ...(config.mode === 'ipvs'
      ? config.ipvs.scheduler === 'mh'
        ? { maglev: ipvsMaglevHook(), flowHash: (t: FlowTuple) => flowHash(t, false) }
        : {}
      : { maglev: serviceMaglevHook(options) }),
  });
  return { rules, flows, masqueradeIPs };
}

/** The first of the node's addresses of `family` (the masquerade source), if any. */
function primaryAddress(node: NodeView, family: 4 | 6): string | undefined {
  for (const text of node.addresses) {
    const address = parseAddress(text);
    if (address?.family === family) return address.text;
  }
  return undefined;
}

/**
 * Maglev tables (built lazily) per service port and endpoint set, keyed by `ip:port` names.
 * At most MAGLEV_CACHED_TABLES are kept (endpoint churn would otherwise keep every old set's
 * table); past that the cache starts over.
 */
class MaglevTables {
  private readonly tables = new Map<string, Int32Array>();

  constructor(
    private readonly tableSize: number,
    private readonly seed?: string,
  ) {
    // Refuse a bad size or seed now, not at the first flow.
    buildMaglevTable([], tableSize, seed !== undefined ? { seed } : {});
  }

  table(servicePort: string, endpoints: readonly EndpointTarget[]): Int32Array {
    const names = endpoints.map((e) => endpointKey(e));
    const key = `${servicePort}|${names.join(',')}`;
    let table = this.tables.get(key);
    if (table === undefined) {
      if (this.tables.size >= MAGLEV_CACHED_TABLES) this.tables.clear();
      table = buildMaglevTable(names.map((name) => ({ name })), this.tableSize, this.seed !== undefined ? { seed: this.seed } : {});
      this.tables.set(key, table);
    }
    return table;
  }
}

/** A Maglev hook over the tables `tableFor` gives, for the decisions `uses` accepts. */
function maglevHook(tableFor: (servicePort: string, endpoints: readonly EndpointTarget[]) => Int32Array, uses: (decision: RuleDecision) => boolean): MaglevHook {
  return (servicePort, endpoints, decision) => {
    if (!uses(decision)) return undefined;
    const table = tableFor(servicePort, endpoints);
    return (hash) => maglevLookup(table, hash);
  };
}

/**
 * ipvs `mh`: every virtual server. The slot a client lands on differs from the kernel's (other
 * hash functions); the consistency and balance of the construction do not.
 */
function ipvsMaglevHook(): MaglevHook {
  const tables = new MaglevTables(IPVS_MH_TABLE_SIZE);
  return maglevHook((servicePort, endpoints) => tables.table(servicePort, endpoints), () => true);
}

/**
 * iptables and nftables mode: Maglev for the service ports whose annotation says `maglev`,
 * or, without one, when the node's `loadBalancerAlgorithm` does. The slot a client lands on
 * differs from Cilium's (another flow hash); the consistency and balance do not.
 */
function serviceMaglevHook(options: FlowLayerOptions): MaglevHook {
  const nodeDefault = options.loadBalancerAlgorithm ?? 'random';
  if (nodeDefault !== 'random' && nodeDefault !== 'maglev') throw new RangeError(`loadBalancerAlgorithm must be random or maglev, got ${JSON.stringify(nodeDefault)}`);
  let tables: MaglevTables | undefined;
  const make = (): MaglevTables => new MaglevTables(options.maglevTableSize ?? DEFAULT_MAGLEV_TABLE_SIZE, options.maglevHashSeed);
  if (nodeDefault === 'maglev' || options.maglevTableSize !== undefined || options.maglevHashSeed !== undefined) tables = make();
  return maglevHook(
    (servicePort, endpoints) => (tables ??= make()).table(servicePort, endpoints),
    (decision) => (decision.loadBalancerAlgorithm ?? nodeDefault) === 'maglev',
  );
}

// ---------------------------------------------------------------------------- one packet

/** What a parsed packet hands the flow layer: its tuple and the packet details of `FlowProcessor.process`. */
export interface PacketFlow {
  readonly tuple: FlowTuple;
  /** The quoted packet of an ICMP/ICMPv6 error (RELATED traffic). */
  readonly embedded: FlowTuple | undefined;
  readonly packet: PacketInfo;
}

/**
 * The flow of a parsed packet (not a later fragment): TCP, UDP and SCTP by their ports,
 * ICMP errors quoting one of them by their addresses with the quoted tuple as `embedded`;
 * undefined for everything else (kube-proxy's rules match TCP, UDP and SCTP only).
 */
export function packetFlow(p: ParsedPacket): PacketFlow | undefined {
  const family = p.family as 4 | 6;
  const src = addressText(family, p.src);
  const dst = addressText(family, p.dst);
  const protocol = PROTOCOL_NAMES[p.protocol];
  if (protocol !== undefined) {
    return { tuple: { family, protocol, srcIP: src, srcPort: p.srcPort, dstIP: dst, dstPort: p.dstPort }, embedded: undefined, packet: protocol === 'TCP' ? { tcpFlags: p.tcpFlags } : {} };
  }
  if (p.l4Offset !== 0 && isIcmpError(family, p.icmpType) && p.inner !== null) {
    const inner = p.inner;
    const innerProtocol = PROTOCOL_NAMES[inner.protocol];
    if (innerProtocol !== undefined && (inner.flags & INNER_PORTS) !== 0 && (inner.flags & INNER_LATER_FRAGMENT) === 0) {
      const embedded: FlowTuple = { family, protocol: innerProtocol, srcIP: addressText(family, inner.src), srcPort: inner.srcPort, dstIP: addressText(family, inner.dst), dstPort: inner.dstPort };
      return { tuple: { family, protocol: innerProtocol, srcIP: src, srcPort: 0, dstIP: dst, dstPort: 0 }, embedded, packet: { embedded } };
    }
  }
  return undefined;
}

/** How an engine turns a decision into bytes, for the frame being processed. */
export interface FrameWriter {
  /** The ICMP/ICMPv6 port unreachable answering the frame, or undefined when the kernel sends none. */
  unreachable(): Uint8Array | undefined;
  /** The frame's bytes after `rewrites` in order (one with no flags changes nothing): a copy the caller keeps. */
  rewritten(rewrites: readonly NatRewrite[]): Uint8Array;
}

/** The result of the flow layer's decision about a packet, output bytes made by `writer`. */
export function frameOutcome(tuple: FlowTuple, embedded: FlowTuple | undefined, flow: FlowResult, masqueradeIPs: Readonly<Record<4 | 6, string>>, writer: FrameWriter): FrameResult {
  // Key order verdict, flow, servicePort, endpoint, masquerade, then reason or output.
  const base = { verdict: flow.verdict, flow: flow.flow } as FrameResult;
  if (flow.servicePort !== undefined) base.servicePort = flow.servicePort;
  if (flow.verdict === 'DNAT' && flow.endpoint) base.endpoint = joinHostPort(flow.endpoint.ip, flow.endpoint.port);
  base.masquerade = flow.masquerade;
  switch (flow.verdict) {
    case 'DROP':
      if (flow.reason !== undefined) base.reason = flow.reason;
      return base;
    case 'REJECT': {
      const reply = writer.unreachable();
      if (flow.reason !== undefined) base.reason = flow.reason;
      if (reply !== undefined) base.output = reply;
      return base;
    }
  }
  const translated = flow.translated ?? tuple;
  if (flow.masquerade && unmasqueradable(masqueradeIPs, tuple, translated, flow)) return drop(flow.flow, REASON_NO_MASQUERADE_ADDRESS, base);
  if (embedded && flow.translatedEmbedded) {
    // The quoted packet first (its fields mirrored into the record), then the outer header.
    const inner = flow.translatedEmbedded;
    const innerRewrite: NatRewrite = {
      flags: (inner.srcIP !== embedded.srcIP ? NAT_INNER_SRC_ADDR : 0) | (inner.dstIP !== embedded.dstIP ? NAT_INNER_DST_ADDR : 0) | (inner.srcPort !== embedded.srcPort ? NAT_INNER_SRC_PORT : 0) | (inner.dstPort !== embedded.dstPort ? NAT_INNER_DST_PORT : 0),
      src: addressValue(inner.dstIP),
      dst: addressValue(inner.srcIP),
      srcPort: inner.dstPort,
      dstPort: inner.srcPort,
    };
    base.output = writer.rewritten([innerRewrite, addressRewrite(tuple, translated)]);
  } else {
    const r = addressRewrite(tuple, translated);
    if (translated.srcPort !== tuple.srcPort) r.flags |= NAT_SRC_PORT;
    if (translated.dstPort !== tuple.dstPort) r.flags |= NAT_DST_PORT;
    r.srcPort = translated.srcPort;
    r.dstPort = translated.dstPort;
    base.output = writer.rewritten([r]);
  }
  return base;
}

/** A masqueraded packet whose family has no node address (established entries included). */
function unmasqueradable(masqueradeIPs: Readonly<Record<4 | 6, string>>, tuple: FlowTuple, translated: FlowTuple, flow: FlowResult): boolean {
  const missing = NO_ADDRESS[tuple.family];
  if (masqueradeIPs[tuple.family] !== missing) return false;
  return flow.flow === 'reply' ? tuple.dstIP === missing : translated.srcIP === missing;
}

/** A DROP result (keeping `base`'s service port). */
export function drop(flow: FrameResult['flow'], reason: string, base?: FrameResult): FrameResult {
  return {
    verdict: 'DROP',
    flow,
    ...(base?.servicePort !== undefined ? { servicePort: base.servicePort } : {}),
    masquerade: false,
    reason,
  };
}

/** Canonical text of a parsed address (what the rules and conntrack compare). */
function addressText(family: 4 | 6, address: IpAddress): string {
  return typeof address === 'number' ? (family === 4 ? formatIPv4(address) : '') : formatIPv6(address);
}

/** The record form of a canonical address text. */
function addressValue(text: string): IpAddress {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

/** Address changes between what arrived and what leaves. */
function addressRewrite(before: FlowTuple, after: FlowTuple): NatRewrite {
  return {
    flags: (after.srcIP !== before.srcIP ? NAT_SRC_ADDR : 0) | (after.dstIP !== before.dstIP ? NAT_DST_ADDR : 0),
    src: addressValue(after.srcIP),
    dst: addressValue(after.dstIP),
    srcPort: 0,
    dstPort: 0,
  };
}

// ---------------------------------------------------------------------------- fragments

/** The fate of a fragmented datagram, decided by its first fragment. */
interface FragmentedDatagram {
  readonly result: FrameResult;
  /** New addresses for the followers (absent: unchanged). */
  readonly src?: IpAddress;
  readonly dst?: IpAddress;
  readonly expiresMs: number;
}

/**
 * First fragments' fates, for the rest of their datagrams, by Linux's reassembly key
 * (family, protocol, source, destination, identification); bounded, the oldest datagram
 * forgotten first, and each kept for the family's reassembly timeout.
 */
export class FragmentTable {
  private readonly datagrams = new Map<string, FragmentedDatagram>();
  private readonly capacity: number;

  constructor(capacity = DEFAULT_MAX_FRAGMENTED_DATAGRAMS) {
    this.capacity = capacity;
  }

  /** Datagrams remembered now. */
  get size(): number {
    return this.datagrams.size;
  }

  /** Keeps a first fragment's fate `result` for the rest of its datagram (no-op for an unfragmented packet); returns `result`. */
  remember(p: ParsedPacket, linkType: number, result: FrameResult, nowMs: number): FrameResult {
    if ((p.fragFlags & FRAG_IS_FRAGMENT) === 0) return result;
    const family = p.family as 4 | 6;
    let src: IpAddress | undefined;
    let dst: IpAddress | undefined;
    if (result.output && (result.verdict === 'DNAT' || result.verdict === 'PASS' || result.verdict === 'ACCEPT')) {
      const out = parsePacket(result.output, linkType);
      if (out.reason === REASON_OK) {
        if (addressText(family, out.src) !== addressText(family, p.src)) src = out.src;
        if (addressText(family, out.dst) !== addressText(family, p.dst)) dst = out.dst;
      }
    }
    this.expire(nowMs);
    const key = fragmentKey(p);
    this.datagrams.delete(key);
    if (this.datagrams.size >= this.capacity) {
      const oldest = this.datagrams.keys().next();
      if (!oldest.done) this.datagrams.delete(oldest.value);
    }
    const { output: _output, ...decided } = result;
    this.datagrams.set(key, { result: decided, ...(src !== undefined ? { src } : {}), ...(dst !== undefined ? { dst } : {}), expiresMs: nowMs + FRAGMENT_TIMEOUT_MS[family] });
    return result;
  }

  /** The result of a non-first fragment: its first fragment's fate, addresses rewritten by `writer` as the first's were. */
  follow(p: ParsedPacket, nowMs: number, writer: FrameWriter): FrameResult {
    this.expire(nowMs);
    const datagram = this.datagrams.get(fragmentKey(p));
    if (datagram === undefined || datagram.expiresMs <= nowMs) return drop('new', REASON_FRAGMENT_WITHOUT_FIRST);
    const result = datagram.result;
    if (result.verdict === 'DROP' || result.verdict === 'REJECT') return { ...result };
    const output = writer.rewritten([{ flags: (datagram.src !== undefined ? NAT_SRC_ADDR : 0) | (datagram.dst !== undefined ? NAT_DST_ADDR : 0), src: datagram.src ?? 0, dst: datagram.dst ?? 0, srcPort: 0, dstPort: 0 }]);
    return { ...result, output };
  }

  /** Forgets datagrams past their reassembly timeout, oldest first. */
  private expire(nowMs: number): void {
    for (const [key, datagram] of this.datagrams) {
      if (datagram.expiresMs > nowMs) break;
      this.datagrams.delete(key);
    }
  }
}

function fragmentKey(p: ParsedPacket): string {
  return `${p.family}|${p.protocol}|${addressText(p.family as 4 | 6, p.src)}|${addressText(p.family as 4 | 6, p.dst)}|${p.fragId}`;
}
