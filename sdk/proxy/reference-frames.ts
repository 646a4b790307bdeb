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

import { FRAG_IS_FRAGMENT, REASON_OK, parsePacket, reasonName, type ParsedPacket } from '../packet/parse.js';
import { rewritePacket, type NatRewrite } from '../packet/nat.js';
import { unreachableReply } from '../packet/icmp.js';
import type { FlowProcessor, FlowStats } from './flows.js';
import type { Frame, FrameEngine, FrameResult } from './frame-engine.js';
import { FragmentTable, createFlowLayer, drop, frameOutcome, packetFlow, type FlowLayerOptions, type FrameWriter } from './frame-helpers.js';
import type { KubeProxyRules } from './rules.js';

export { REASON_FRAGMENT_WITHOUT_FIRST, REASON_NO_MASQUERADE_ADDRESS, type FrameEngineOptions } from './frame-helpers.js';

/** The reference engine's options: the snapshot and node, conntrack overrides, the fragment table's bound. */
export type ReferenceFrameEngineOptions = FlowLayerOptions;

export class ReferenceFrameEngine implements FrameEngine {
  readonly rules: KubeProxyRules;
  readonly flows: FlowProcessor;
  private nowMs = 0;
  private readonly masqueradeIPs: Readonly<Record<4 | 6, string>>;
  private readonly fragments: FragmentTable;

  constructor(options: ReferenceFrameEngineOptions) {
    const layer = createFlowLayer(options, () => this.nowMs);
    this.rules = layer.rules;
    this.flows = layer.flows;
    this.masqueradeIPs = layer.masqueradeIPs;
    this.fragments = new FragmentTable(options.maxFragmentedDatagrams);
  }

  process(frames: readonly Frame[]): FrameResult[] {
    return frames.map((frame) => this.processFrame(frame));
  }

  /** One frame; `process` is this over the batch. */
  processFrame(frame: Frame): FrameResult {
    this.nowMs = frame.timeMs;
    const p = parsePacket(frame.data, frame.linkType);
    if (p.reason !== REASON_OK) return drop('new', reasonName(p.reason));
    const writer = frameWriter(frame, p);
    if ((p.fragFlags & FRAG_IS_FRAGMENT) !== 0 && p.fragOffset > 0) return this.fragments.follow(p, this.nowMs, writer);

    const packet = packetFlow(p);
    const result =
      packet === undefined
        ? { verdict: 'PASS' as const, flow: 'new' as const, masquerade: false, output: writer.rewritten([]) }
        : frameOutcome(packet.tuple, packet.embedded, this.flows.process(packet.tuple, packet.packet), this.masqueradeIPs, writer);
    return this.fragments.remember(p, frame.linkType, result, this.nowMs);
  }

  stats(): FlowStats & { fragmentedDatagrams: number } {
    return { ...this.flows.stats(), fragmentedDatagrams: this.fragments.size };
  }
}

/** The reference engine over one snapshot of Services, EndpointSlices and ServiceCIDRs. */
export function createReferenceFrameEngine(options: ReferenceFrameEngineOptions): ReferenceFrameEngine {
  return new ReferenceFrameEngine(options);
}

/** Output bytes of `frame` in TypeScript: `rewritePacket` on a copy, `unreachableReply` for REJECT. */
function frameWriter(frame: Frame, p: ParsedPacket): FrameWriter {
  return {
    unreachable: () => {
      const reply = unreachableReply(frame.data, p, frame.linkType);
      return typeof reply === 'number' ? undefined : reply;
    },
    rewritten: (rewrites: readonly NatRewrite[]) => {
      const output = frame.data.slice();
      // The result bits only report what a packet does not have (ports of a later fragment) or
      // a checksum that cannot be recomputed in a fragment (SCTP); the rewrite itself is done.
      for (const r of rewrites) if (r.flags !== 0) rewritePacket(output, p, r);
      return output;
    },
  };
}
