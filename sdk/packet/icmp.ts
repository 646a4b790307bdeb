/**
 * The ICMP / ICMPv6 "port unreachable" a REJECT sends back, plain TypeScript
 * (browser-safe): the reference for the wasm export `buildUnreachable`.
 *
 * kube-proxy rejects with `-j REJECT` (iptables; `--reject-with icmp-port-unreachable`
 * by default, ICMPv6 port unreachable over IPv6) or nftables' `reject`; the kernel's
 * `nf_send_unreach` / `nf_send_unreach6` hand the packet to `icmp_send` / `icmp6_send`.
 * The reply built here is what those produce:
 *
 * - IPv4: type 3 code 3; source = the address the client targeted (the original
 *   destination, e.g. the ClusterIP), destination = the client; TTL 64; TOS
 *   `(tos & 0x1e) | 0xc0` (precedence "internetwork control", Linux `__icmp_send`); no IP
 *   options; identification 0 and DF clear (Linux picks an ident; any value serves a
 *   reply this size). Payload: the original IP packet from its header on, as much as fits
 *   a 576-byte reply (548 bytes) — RFC 1812 §4.3.2.3 and Linux `__icmp_send` ("room" is
 *   capped at 576), more than RFC 792's header + 8 bytes, which it includes.
 * - IPv6: type 1 code 4; hop limit 64; traffic class and flow label 0; payload: as much
 *   of the original packet as fits 1280 bytes (1232 bytes; RFC 4443 §2.4 (c), §3.1);
 *   checksum with the pseudo-header.
 * - Ethernet input: the reply gets the frame's Ethernet header with the MAC addresses
 *   swapped, the 802.1Q tag (if any) and EtherType kept.
 *
 * Refusals (RFC 1122 §3.2.2, RFC 4443 §2.4 (e); Linux `icmp_send`, `nf_send_unreach`):
 * packets the parser dropped; non-first fragments; ICMP errors (and unknown ICMP types)
 * and ICMPv6 errors and redirects; sources that are not one host (IPv4 0/8, 224/4,
 * 240/4 incl. broadcast; IPv6 :: and ff00::/8); IP multicast/broadcast destinations and
 * frames sent to an Ethernet group address; and, as `nf_reject_verify_csum`, a bad TCP,
 * UDP (non-zero) or ICMP checksum — unless UNREACH_SKIP_CHECKSUM_CHECK is passed.
 */

import { internetChecksum, pseudoHeaderSum, readBE16, readBE32, writeBE16 } from './checksum.js';
import {
  CHECKSUM_BAD,
  FRAG_IS_FRAGMENT,
  LINKTYPE_ETHERNET,
  type ParsedPacket,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_SCTP,
  PROTO_UDP,
  REASON_OK,
  isIcmpError,
  l4ChecksumState,
} from './parse.js';

/** Refusal codes; `buildUnreachable` returns them negated. */
export const UNREACH_NOT_PARSED = 1;
export const UNREACH_LATER_FRAGMENT = 2;
export const UNREACH_ICMP_ERROR = 3;
export const UNREACH_SOURCE_NOT_UNICAST = 4;
export const UNREACH_DESTINATION_NOT_UNICAST = 5;
export const UNREACH_BAD_CHECKSUM = 6;
/** The output cannot hold the reply (or, in wasm, is not a valid region apart from the packet). */
export const UNREACH_NO_ROOM = 7;
/** The packet index is beyond the reserved records (wasm only). */
export const UNREACH_BAD_INDEX = 8;

export const UNREACH_REFUSAL_NAMES: readonly string[] = [
  '',
  'NOT_PARSED',
  'LATER_FRAGMENT',
  'ICMP_ERROR',
  'SOURCE_NOT_UNICAST',
  'DESTINATION_NOT_UNICAST',
  'BAD_CHECKSUM',
  'NO_ROOM',
  'BAD_INDEX',
];

/** Flags. */
export const UNREACH_SKIP_CHECKSUM_CHECK = 1;

/** Original bytes an IPv4 reply carries at most: 576 − 20 − 8. */
export const ICMP4_QUOTE_MAX = 548;
/** Original bytes an ICMPv6 reply carries at most: 1280 − 40 − 8. */
export const ICMP6_QUOTE_MAX = 1232;
/** The largest reply: 802.1Q Ethernet header + IPv6 + ICMPv6 + quote. */
export const UNREACH_MAX_BYTES = 18 + 40 + 8 + ICMP6_QUOTE_MAX;

function v4NotOneHost(address: number): boolean {
  const top = address >>> 24;
  return top === 0 || top >= 224;
}

function v6Unspecified(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < 16; i++) if (bytes[at + i] !== 0) return false;
  return true;
}

/** Why no reply may be sent (a refusal code), or 0. */
export function unreachableRefusal(bytes: Uint8Array, p: ParsedPacket, linkType: number, flags = 0): number {
  if (p.reason !== REASON_OK) return UNREACH_NOT_PARSED;
  if ((p.fragFlags & FRAG_IS_FRAGMENT) !== 0 && p.fragOffset > 0) return UNREACH_LATER_FRAGMENT;
  const l3 = p.l3Offset;
  const family = p.family;
  if (family === 4) {
    if (p.protocol === PROTO_ICMP && (isIcmpError(4, p.icmpType) || p.icmpType > 18)) return UNREACH_ICMP_ERROR;
    if (v4NotOneHost(readBE32(bytes, l3 + 12))) return UNREACH_SOURCE_NOT_UNICAST;
    if (readBE32(bytes, l3 + 16) >>> 28 >= 0xe) return UNREACH_DESTINATION_NOT_UNICAST;
  } else {
    if (p.protocol === PROTO_ICMPV6 && (p.icmpType < 128 || p.icmpType === 137)) return UNREACH_ICMP_ERROR;
    if (bytes[l3 + 8] === 0xff || v6Unspecified(bytes, l3 + 8)) return UNREACH_SOURCE_NOT_UNICAST;
    if (bytes[l3 + 24] === 0xff) return UNREACH_DESTINATION_NOT_UNICAST;
  }
  if (linkType === LINKTYPE_ETHERNET && (bytes[0] & 1) !== 0) return UNREACH_DESTINATION_NOT_UNICAST;
  if ((flags & UNREACH_SKIP_CHECKSUM_CHECK) === 0 && p.protocol !== PROTO_SCTP) {
    const l4 = p.l4Offset;
    const zeroUdp = p.protocol === PROTO_UDP && readBE16(bytes, l4 + 6) === 0;
    if (!zeroUdp && l4ChecksumState(bytes, family, l3, l4, p.ipEnd, p.protocol, p.fragFlags) === CHECKSUM_BAD) return UNREACH_BAD_CHECKSUM;
  }
  return 0;
}

/** Length of the reply to a packet that may have one. */
export function unreachableLength(p: ParsedPacket, linkType: number): number {
  const link = linkType === LINKTYPE_ETHERNET ? p.l3Offset : 0;
  const original = p.ipEnd - p.l3Offset;
  return p.family === 4 ? link + 28 + Math.min(original, ICMP4_QUOTE_MAX) : link + 48 + Math.min(original, ICMP6_QUOTE_MAX);
}

/**
 * Writes the port unreachable for the frame `bytes` (parsed as `p`, captured on
 * `linkType`) into `out` from index 0. Returns its length, or a negated UNREACH_* code.
 */
export function buildUnreachable(bytes: Uint8Array, p: ParsedPacket, linkType: number, out: Uint8Array, flags = 0): number {
  const refusal = unreachableRefusal(bytes, p, linkType, flags);
  if (refusal !== 0) return -refusal;
  const length = unreachableLength(p, linkType);
  if (out.length < length) return -UNREACH_NO_ROOM;
  const l3 = p.l3Offset;
  let o = 0;
  if (linkType === LINKTYPE_ETHERNET) {
    out.set(bytes.subarray(6, 12), 0);
    out.set(bytes.subarray(0, 6), 6);
    out.set(bytes.subarray(12, l3), 12);
    o = l3;
  }
  if (p.family === 4) {
    const quote = Math.min(p.ipEnd - l3, ICMP4_QUOTE_MAX);
    out.fill(0, o, o + 28);
    out[o] = 0x45;
    out[o + 1] = (bytes[l3 + 1] & 0x1e) | 0xc0;
    writeBE16(out, o + 2, 28 + quote);
    out[o + 8] = 64;
    out[o + 9] = PROTO_ICMP;
    out.set(bytes.subarray(l3 + 16, l3 + 20), o + 12);
    out.set(bytes.subarray(l3 + 12, l3 + 16), o + 16);
    writeBE16(out, o + 10, internetChecksum(out, o, o + 20));
    out[o + 20] = 3;
    out[o + 21] = 3;
    out.set(bytes.subarray(l3, l3 + quote), o + 28);
    writeBE16(out, o + 22, internetChecksum(out, o + 20, o + 28 + quote));
  } else {
    const quote = Math.min(p.ipEnd - l3, ICMP6_QUOTE_MAX);
    out.fill(0, o, o + 48);
    out[o] = 0x60;
    writeBE16(out, o + 4, 8 + quote);
    out[o + 6] = PROTO_ICMPV6;
    out[o + 7] = 64;
    out.set(bytes.subarray(l3 + 24, l3 + 40), o + 8);
    out.set(bytes.subarray(l3 + 8, l3 + 24), o + 24);
    out[o + 40] = 1;
    out[o + 41] = 4;
    out.set(bytes.subarray(l3, l3 + quote), o + 48);
    writeBE16(out, o + 42, internetChecksum(out, o + 40, o + 48 + quote, pseudoHeaderSum(out, 6, o, PROTO_ICMPV6, 8 + quote)));
  }
  return length;
}

/** `buildUnreachable` into a fresh array of the reply's size; a negated UNREACH_* code when refused. */
export function unreachableReply(bytes: Uint8Array, p: ParsedPacket, linkType: number, flags = 0): Uint8Array | number {
  const out = new Uint8Array(UNREACH_MAX_BYTES);
  const n = buildUnreachable(bytes, p, linkType, out, flags);
  return n < 0 ? n : out.slice(0, n);
}
