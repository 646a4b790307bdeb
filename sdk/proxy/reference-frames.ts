/**
 * The reference frame engine: the `FrameEngine` contract (frame-engine.ts) assembled from
 * the TypeScript parts — `sdk/packet` to parse, rewrite and reject, `KubeProxyRules` for
 * the first packet of a flow, `FlowProcessor` for selection, affinity and conntrack. The
 * oracle the wasm engine is differential-tested against; plain TypeScript, browser-safe.
 *
 * Per frame, in capture order (the capture time drives the conntrack and affinity clocks):
 *
 * 1. Parse. A frame the parser refuses is DROP with the parser's reason name
 *    (`TRUNCATED_L4`, `BAD_IPV4_CHECKSUM`, …; sdk/packet/parse.ts explains each).
 * 2. A non-first fragment carries no ports, so it follows the decision of its datagram's
 *    first fragment, found by (family, protocol, source, destination, identification) —
 *    the key of Linux's reassembly queue (net/ipv4/ip_fragment.c `ip4_frag_match`,
 *    net/ipv6/reassembly.c). Linux reassembles before conntrack (nf_defrag), so the whole
 *    datagram meets one fate: DNAT/masquerade rewrite its addresses, DROP drops it, a
 *    REJECT's ICMP answers the first fragment only (no ICMP error about a non-first
 *    fragment: RFC 1122 §3.2.2, RFC 4443 §2.4 (e)). Without a first fragment seen within
 *    the reassembly timeout (`net.ipv4.ipfrag_time` 30 s, `net.ipv6.ip6frag_time` 60 s)
 *    it is DROP `fragment without first` (first fragments that arrive after their
 *    followers are not reordered here). The table is bounded (oldest datagram forgotten).
 * 3. TCP, UDP and SCTP go through `FlowProcessor.process` with the TCP flags of the
 *    segment; ICMP/ICMPv6 errors quoting a TCP, UDP or SCTP packet go through it as
 *    RELATED traffic (`embedded`), and both their headers are translated. Everything else
 *    (ICMP echo, other protocols, errors quoting them) is PASS, unchanged: kube-proxy's
 *    rules match TCP, UDP and SCTP only.
 * 4. Output: DNAT, masquerade and reply translation rewrite a copy of the frame with
 *    `rewritePacket` (checksums updated incrementally; for ICMP errors the embedded packet
 *    too, then the outer header); PASS and ACCEPT leave a copy unchanged (unless conntrack
 *    had to change a clashing source port); REJECT produces the ICMP/ICMPv6 port
 *    unreachable of `unreachableReply` in the frame's link type; DROP produces nothing.
 *    A REJECT the kernel would not answer produces nothing either (`unreachableRefusal`:
 *    a source that is not one host, a multicast/broadcast destination, a bad L4 checksum,
 *    an ICMP error); its verdict stays REJECT.
 *
 * The masquerade source is the node's primary address of the packet's family (the first
 * of `NodeView.addresses`); with no address of that family the packet is DROP, as Linux's
 * MASQUERADE drops a packet it finds no source address for (nf_nat_masquerade.c).
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
  reasonName,
  type IpAddress,
  type ParsedPacket,
  parsePacket,
} from '../packet/parse.js';
import { NAT_DST_ADDR, NAT_DST_PORT, NAT_INNER_DST_ADDR, NAT_INNER_DST_PORT, NAT_INNER_SRC_ADDR, NAT_INNER_SRC_PORT, NAT_SRC_ADDR, NAT_SRC_PORT, rewritePacket, type NatRewrite } from '../packet/nat.js';
import { unreachableReply } from '../packet/icmp.js';
import type { ProxyConfig } from './config.js';
import { conntrackSettingsFromConfig, type ConntrackSettings } from './conntrack.js';
import type { FlowTuple } from './decision.js';
import { FlowProcessor, type FlowResult, type FlowStats, type MaglevHook } from './flows.js';
import type { Frame, FrameEngine, FrameResult } from './frame-engine.js';
import { buildMaglevTable, maglevLookup } from './maglev.js';
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
}

export interface ReferenceFrameEngineOptions extends FrameEngineOptions {
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

/** Addresses handed to the flow layer for a family the node has no address of; turned into DROP. */
const NO_ADDRESS: Readonly<Record<4 | 6, string>> = { 4: '0.0.0.0', 6: '::' };

const PROTOCOL_NAMES: Readonly<Record<number, Protocol>> = { [PROTO_TCP]: 'TCP', [PROTO_UDP]: 'UDP', [PROTO_SCTP]: 'SCTP' };

/** The fate of a fragmented datagram, decided by its first fragment. */
interface FragmentedDatagram {
  readonly result: FrameResult;
  /** New addresses for the followers (absent: unchanged). */
  readonly src?: IpAddress;
  readonly dst?: IpAddress;
  readonly expiresMs: number;
}

export class ReferenceFrameEngine implements FrameEngine {
  readonly rules: KubeProxyRules;
  readonly flows: FlowProcessor;
  private nowMs = 0;
  private readonly masqueradeIPs: Record<4 | 6, string>;
  private readonly fragments = new Map<string, FragmentedDatagram>();
  private readonly maxFragmentedDatagrams: number;

  constructor(options: ReferenceFrameEngineOptions) {
    const { config, node } = options;
    if (config.mode === 'ipvs' && config.ipvs.scheduler !== 'mh' && !isModelledIPVSScheduler(config.ipvs.scheduler)) {
      throw new RangeError(`ipvs.scheduler ${JSON.stringify(config.ipvs.scheduler)} is not modelled (modelled: rr, wrr, lc, wlc, sed, nq, sh, dh, mh)`);
    }
    this.rules = new KubeProxyRules({ node, config });
    this.rules.setState(options.services, options.slices, options.serviceCIDRs);
    this.masqueradeIPs = { 4: primaryAddress(node, 4) ?? NO_ADDRESS[4], 6: primaryAddress(node, 6) ?? NO_ADDRESS[6] };
    this.maxFragmentedDatagrams = options.maxFragmentedDatagrams ?? DEFAULT_MAX_FRAGMENTED_DATAGRAMS;
    this.flows = new FlowProcessor((tuple) => this.rules.decide(tuple), {
      mode: config.mode,
      scheduler: config.ipvs.scheduler,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      now: () => this.nowMs,
      conntrack: { ...conntrackSettingsFromConfig(config.conntrack), ...options.conntrack },
      masqueradeIP: (family) => this.masqueradeIPs[family],
      // ip_vs_mh hashes the client address alone (no IP_VS_SVC_F_SCHED_MH_PORT from kube-proxy).
      ...(config.mode === 'ipvs' && config.ipvs.scheduler === 'mh' ? { maglev: ipvsMaglevHook(), flowHash: (t: FlowTuple) => flowHash(t, false) } : {}),
    });
  }

  process(frames: readonly Frame[]): FrameResult[] {
    return frames.map((frame) => this.processFrame(frame));
  }

  /** One frame; `process` is this over the batch. */
  processFrame(frame: Frame): FrameResult {
    this.nowMs = frame.timeMs;
    const p = parsePacket(frame.data, frame.linkType);
    if (p.reason !== REASON_OK) return drop('new', reasonName(p.reason));
    if ((p.fragFlags & FRAG_IS_FRAGMENT) !== 0 && p.fragOffset > 0) return this.followFirstFragment(frame, p);

    const family = p.family as 4 | 6;
    const src = addressText(family, p.src);
    const dst = addressText(family, p.dst);
    const protocol = PROTOCOL_NAMES[p.protocol];
    let tuple: FlowTuple | undefined;
    let embedded: FlowTuple | undefined;
    if (protocol !== undefined) {
      tuple = { family, protocol, srcIP: src, srcPort: p.srcPort, dstIP: dst, dstPort: p.dstPort };
    } else if (p.l4Offset !== 0 && isIcmpError(family, p.icmpType) && p.inner !== null) {
      const inner = p.inner;
      const innerProtocol = PROTOCOL_NAMES[inner.protocol];
      if (innerProtocol !== undefined && (inner.flags & INNER_PORTS) !== 0 && (inner.flags & INNER_LATER_FRAGMENT) === 0) {
        embedded = { family, protocol: innerProtocol, srcIP: addressText(family, inner.src), srcPort: inner.srcPort, dstIP: addressText(family, inner.dst), dstPort: inner.dstPort };
        tuple = { family, protocol: innerProtocol, srcIP: src, srcPort: 0, dstIP: dst, dstPort: 0 };
      }
    }
    if (tuple === undefined) return this.remember(frame, p, { verdict: 'PASS', flow: 'new', masquerade: false, output: frame.data.slice() });

    const flow = this.flows.process(tuple, embedded ? { embedded } : protocol === 'TCP' ? { tcpFlags: p.tcpFlags } : {});
    return this.remember(frame, p, this.outcome(frame, p, tuple, embedded, flow));
  }

  stats(): FlowStats & { fragmentedDatagrams: number } {
    return { ...this.flows.stats(), fragmentedDatagrams: this.fragments.size };
  }

  // -------------------------------------------------------------------------- one packet

  private outcome(frame: Frame, p: ParsedPacket, tuple: FlowTuple, embedded: FlowTuple | undefined, flow: FlowResult): FrameResult {
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
        const reply = unreachableReply(frame.data, p, frame.linkType);
        if (flow.reason !== undefined) base.reason = flow.reason;
        if (typeof reply !== 'number') base.output = reply;
        return base;
      }
    }
    const translated = flow.translated ?? tuple;
    if (flow.masquerade && this.unmasqueradable(tuple, translated, flow)) return drop(flow.flow, REASON_NO_MASQUERADE_ADDRESS, base);
    const output = frame.data.slice();
    if (embedded && flow.translatedEmbedded) {
      // The quoted packet first (its fields mirrored into the record), then the outer header.
      const inner = flow.translatedEmbedded;
      rewrite(output, p, {
        flags: (inner.srcIP !== embedded.srcIP ? NAT_INNER_SRC_ADDR : 0) | (inner.dstIP !== embedded.dstIP ? NAT_INNER_DST_ADDR : 0) | (inner.srcPort !== embedded.srcPort ? NAT_INNER_SRC_PORT : 0) | (inner.dstPort !== embedded.dstPort ? NAT_INNER_DST_PORT : 0),
        src: addressValue(inner.dstIP),
        dst: addressValue(inner.srcIP),
        srcPort: inner.dstPort,
        dstPort: inner.srcPort,
      });
      rewrite(output, p, addressRewrite(tuple, translated));
    } else {
      const r = addressRewrite(tuple, translated);
      if (translated.srcPort !== tuple.srcPort) r.flags |= NAT_SRC_PORT;
      if (translated.dstPort !== tuple.dstPort) r.flags |= NAT_DST_PORT;
      r.srcPort = translated.srcPort;
      r.dstPort = translated.dstPort;
      rewrite(output, p, r);
    }
    base.output = output;
    return base;
  }

  /** A masqueraded packet whose family has no node address (established entries included). */
  private unmasqueradable(tuple: FlowTuple, translated: FlowTuple, flow: FlowResult): boolean {
    const missing = NO_ADDRESS[tuple.family];
    if (this.masqueradeIPs[tuple.family] !== missing) return false;
    return flow.flow === 'reply' ? tuple.dstIP === missing : translated.srcIP === missing;
  }

  // -------------------------------------------------------------------------- fragments

  /** Keeps a first fragment's fate for the rest of its datagram. */
  private remember(frame: Frame, p: ParsedPacket, result: FrameResult): FrameResult {
    if ((p.fragFlags & FRAG_IS_FRAGMENT) === 0) return result;
    const family = p.family as 4 | 6;
    let src: IpAddress | undefined;
    let dst: IpAddress | undefined;
    if (result.output && (result.verdict === 'DNAT' || result.verdict === 'PASS' || result.verdict === 'ACCEPT')) {
      const out = parsePacket(result.output, frame.linkType);
      if (out.reason === REASON_OK) {
        if (addressText(family, out.src) !== addressText(family, p.src)) src = out.src;
        if (addressText(family, out.dst) !== addressText(family, p.dst)) dst = out.dst;
      }
    }
    this.expireFragments();
    const key = fragmentKey(p);
    this.fragments.delete(key);
    if (this.fragments.size >= this.maxFragmentedDatagrams) {
      const oldest = this.fragments.keys().next();
      if (!oldest.done) this.fragments.delete(oldest.value);
    }
    const { output: _output, ...decided } = result;
    this.fragments.set(key, { result: decided, ...(src !== undefined ? { src } : {}), ...(dst !== undefined ? { dst } : {}), expiresMs: this.nowMs + FRAGMENT_TIMEOUT_MS[family] });
    return result;
  }

  private followFirstFragment(frame: Frame, p: ParsedPacket): FrameResult {
    this.expireFragments();
    const datagram = this.fragments.get(fragmentKey(p));
    if (datagram === undefined || datagram.expiresMs <= this.nowMs) return drop('new', REASON_FRAGMENT_WITHOUT_FIRST);
    const result = datagram.result;
    if (result.verdict === 'DROP' || result.verdict === 'REJECT') return { ...result };
    const output = frame.data.slice();
    rewrite(output, p, { flags: (datagram.src !== undefined ? NAT_SRC_ADDR : 0) | (datagram.dst !== undefined ? NAT_DST_ADDR : 0), src: datagram.src ?? 0, dst: datagram.dst ?? 0, srcPort: 0, dstPort: 0 });
    return { ...result, output };
  }

  /** Forgets datagrams past their reassembly timeout, oldest first. */
  private expireFragments(): void {
    for (const [key, datagram] of this.fragments) {
      if (datagram.expiresMs > this.nowMs) break;
      this.fragments.delete(key);
    }
  }
}

/** The reference engine over one snapshot of Services, EndpointSlices and ServiceCIDRs. */
export function createReferenceFrameEngine(options: ReferenceFrameEngineOptions): ReferenceFrameEngine {
  return new ReferenceFrameEngine(options);
}

// ---------------------------------------------------------------------------- helpers

function drop(flow: FrameResult['flow'], reason: string, base?: FrameResult): FrameResult {
  return {
    verdict: 'DROP',
    flow,
    ...(base?.servicePort !== undefined ? { servicePort: base.servicePort } : {}),
    masquerade: false,
    reason,
  };
}

function primaryAddress(node: NodeView, family: 4 | 6): string | undefined {
  for (const text of node.addresses) {
    const address = parseAddress(text);
    if (address?.family === family) return address.text;
  }
  return undefined;
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

function rewrite(bytes: Uint8Array, p: ParsedPacket, r: NatRewrite): void {
  if (r.flags === 0) return;
  // The result bits only report what a packet does not have (ports of a later fragment) or
  // a checksum that cannot be recomputed in a fragment (SCTP); the rewrite itself is done.
  rewritePacket(bytes, p, r);
}

function fragmentKey(p: ParsedPacket): string {
  return `${p.family}|${p.protocol}|${addressText(p.family as 4 | 6, p.src)}|${addressText(p.family as 4 | 6, p.dst)}|${p.fragId}`;
}

/**
 * ipvs `mh`: one Maglev table (built lazily) per service port and endpoint set, keyed by
 * `ip:port` names. The slot a client lands on differs from the kernel's (other hash
 * functions); the consistency and balance of the construction do not.
 */
function ipvsMaglevHook(): MaglevHook {
  const tables = new Map<string, Int32Array>();
  return (servicePort, endpoints) => {
    const names = endpoints.map((e) => endpointKey(e));
    const key = `${servicePort}|${names.join(',')}`;
    let table = tables.get(key);
    if (table === undefined) {
      table = buildMaglevTable(names.map((name) => ({ name })), IPVS_MH_TABLE_SIZE);
      tables.set(key, table);
    }
    const built = table;
    return (hash) => maglevLookup(built, hash);
  };
}
