/**
 * The contract of a frame engine: raw packets (as captured: link-layer frames) in, what
 * leaves the node out, one verdict per packet. A node proxy with kube-proxy's semantics
 * (`KubeProxyRules` for the first packet of a flow, `FlowProcessor` for selection, affinity
 * and connection tracking, `sdk/packet` for parsing, NAT and ICMP) behind one interface, so
 * the reference engine (TypeScript) and the wasm engine (a core fast path for established
 * flows) are interchangeable and differential-tested against each other.
 */

import type { FlowState } from './flows.js';
import type { Verdict } from './decision.js';

/** One captured frame. */
export interface Frame {
  /** The frame's bytes (link-layer header included for Ethernet). Engines never write into it. */
  data: Uint8Array;
  /** pcap link type: 1 Ethernet, 101 raw IP, 228 raw IPv4, 229 raw IPv6. */
  linkType: number;
  /** Capture time in milliseconds (drives conntrack and affinity clocks). */
  timeMs: number;
}

/** What the node did with one frame; the `--verdicts` JSON line is built from it. */
export interface FrameResult {
  verdict: Verdict;
  /** `new` for the first packet of a flow, `established` for later ones, `reply` for the way back. */
  flow: FlowState;
  /** `namespace/name:port-name` of the matched service port. */
  servicePort?: string;
  /** `ip:port` (IPv6 in brackets) of the chosen endpoint, for DNAT. */
  endpoint?: string;
  masquerade: boolean;
  /** Why for DROP and REJECT (and for packets that could not be parsed: the parse reason). */
  reason?: string;
  /**
   * The bytes that leave the node: the rewritten frame (DNAT, masquerade, reply translation),
   * the unchanged frame (PASS, ACCEPT), the ICMP/ICMPv6 unreachable for REJECT (same link
   * type), or undefined (DROP).
   */
  output?: Uint8Array;
}

export interface FrameEngine {
  /** Processes frames in order; results are index-aligned with the input. */
  process(frames: readonly Frame[]): FrameResult[];
}
