/**
 * Parsing raw IP packets, plain TypeScript over Uint8Array (browser-safe): the reference
 * for `assembly/packet.ts` and the record codec of its parsed-packet region. Both follow
 * the same algorithm step for step, so they agree on every field, reason code and on the
 * fields a dropped packet keeps (everything written before the failing check).
 *
 * Layout of the 128-byte record: assembly/layout.ts, "Raw packets".
 *
 * Decisions (each also written where it is checked):
 * - The IPv4 header checksum is verified (Linux `ip_rcv_core` drops a bad one before
 *   netfilter sees the packet, so kube-proxy never routes it): BAD_IPV4_CHECKSUM, unless
 *   PARSE_SKIP_IPV4_CHECKSUM is passed (captures with header checksum offload).
 * - L4 checksums are not verified here (`verifyChecksums` does it on request): a router
 *   forwards packets with bad TCP/UDP checksums; netfilter conntrack marks them INVALID
 *   only with `nf_conntrack_checksum=1` at PRE_ROUTING, which is the caller's policy.
 * - A total length beyond the captured bytes is TRUNCATED_L3 (Linux counts it in
 *   IPSTATS_MIB_INTRUNCATEDPKTS); a total length below the header length is
 *   BAD_TOTAL_LENGTH. Bytes after the IP packet (Ethernet padding) are ignored.
 * - IPv6 jumbograms (payload length 0 with a Jumbo option) are not supported: the payload
 *   is taken as empty, so the next header reads as truncated.
 * - The walk over IPv6 extension headers stops after MAX_EXTENSION_HEADERS headers
 *   (RFC 8200 §4.1 orders at most 6 in a valid packet; cilium's datapath stops at 4,
 *   IPV6_MAX_HEADERS in bpf/lib/ipv6.h).
 * - A first fragment must hold the whole L4 header (RFC 7112 for IPv6, the "tiny
 *   fragment" rule of RFC 1858 for IPv4): without it the first fragment cannot decide a
 *   flow, so it is dropped as TRUNCATED_L4 / BAD_TCP_OFFSET, and so are its followers.
 * - An ICMP error whose embedded packet does not yield addresses (and ports, for TCP,
 *   UDP, SCTP) is BAD_ICMP_EMBEDDED: conntrack cannot relate it to a flow
 *   (`icmp_error_message` fails, the packet has no conntrack entry, and kube-proxy's
 *   `-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`, kubernetes#74839, drops it).
 */

import { internetChecksum, pseudoHeaderSum as pseudoSum, readBE16, readBE32, sctpChecksum as sctpCrc } from './checksum.js';

/** An address as the core's records hold it: IPv4 as a host-order u32, IPv6 as 16 bytes. */
export type IpAddress = number | Uint8Array;

// ---------------------------------------------------------------------------------------
// Link types (pcap LINKTYPE_* values, https://www.tcpdump.org/linktypes.html)

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ESP = 50;
export const PROTO_AH = 51;
export const PROTO_ICMPV6 = 58;
export const PROTO_NONE = 59;
export const PROTO_SCTP = 132;
export const EXT_HOP_BY_HOP = 0;
export const EXT_ROUTING = 43;
export const EXT_FRAGMENT = 44;
export const EXT_DESTINATION = 60;

/** Extension headers walked before EXT_HEADER_CHAIN_TOO_LONG. */
export const MAX_EXTENSION_HEADERS = 8;

// ---------------------------------------------------------------------------------------
// Drop reasons (record byte 0). 0 = the packet is usable.

export const REASON_OK = 0;
/** The descriptor's bytes fall outside the packet area (wasm kernel only). */
export const REASON_BAD_DESCRIPTOR = 1;
export const REASON_UNSUPPORTED_LINK_TYPE = 2;
/** Shorter than the Ethernet (and 802.1Q) header. */
export const REASON_TRUNCATED_LINK = 3;
/** An EtherType other than IPv4, IPv6 or one 802.1Q tag over them (ARP, QinQ, LLDP, …). */
export const REASON_NOT_IP = 4;
export const REASON_TRUNCATED_L3 = 5;
/** IP version nibble neither 4 nor 6. */
export const REASON_UNSUPPORTED_VERSION = 6;
/** The version nibble contradicts the EtherType or the link type (228/229). */
export const REASON_VERSION_MISMATCH = 7;
export const REASON_BAD_IHL = 8;
export const REASON_BAD_IPV4_CHECKSUM = 9;
export const REASON_BAD_TOTAL_LENGTH = 10;
/** Offset + length beyond 65535, a second IPv6 fragment header, or an IPv6 non-last fragment whose length is not a multiple of 8 (RFC 8200 §4.5). */
export const REASON_BAD_FRAGMENT = 11;
/** Hop-by-hop options anywhere but right after the IPv6 header (RFC 8200 §4.3). */
export const REASON_HOP_BY_HOP_NOT_FIRST = 12;
export const REASON_TRUNCATED_EXT_HEADER = 13;
export const REASON_EXT_HEADER_CHAIN_TOO_LONG = 14;
export const REASON_TRUNCATED_L4 = 15;
/** TCP data offset below 5 words or beyond the segment. */
export const REASON_BAD_TCP_OFFSET = 16;
/** UDP length below 8, or (unfragmented) beyond the IP payload — conntrack's "truncated/malformed packet". */
export const REASON_BAD_UDP_LENGTH = 17;
export const REASON_BAD_ICMP_EMBEDDED = 18;

/** Names of the reasons, indexed by code. */
export const REASON_NAMES: readonly string[] = [
  'OK',
  'BAD_DESCRIPTOR',
  'UNSUPPORTED_LINK_TYPE',
  'TRUNCATED_LINK',
  'NOT_IP',
  'TRUNCATED_L3',
  'UNSUPPORTED_VERSION',
  'VERSION_MISMATCH',
  'BAD_IHL',
  'BAD_IPV4_CHECKSUM',
  'BAD_TOTAL_LENGTH',
  'BAD_FRAGMENT',
  'HOP_BY_HOP_NOT_FIRST',
  'TRUNCATED_EXT_HEADER',
  'EXT_HEADER_CHAIN_TOO_LONG',
  'TRUNCATED_L4',
  'BAD_TCP_OFFSET',
  'BAD_UDP_LENGTH',
  'BAD_ICMP_EMBEDDED',
];

export function reasonName(code: number): string {
  return REASON_NAMES[code] ?? `REASON_${code}`;
}

/** Parse flags. */
export const PARSE_SKIP_IPV4_CHECKSUM = 1;

/** Fragment flags (record byte 4). */
export const FRAG_IS_FRAGMENT = 1; // MF set or offset > 0
export const FRAG_FIRST = 2; // a fragment with offset 0
export const FRAG_MORE = 4; // MF / M flag
export const FRAG_DONT_FRAGMENT = 8; // IPv4 DF
export const FRAG_HEADER = 16; // IPv6 fragment header present (also atomic fragments, RFC 6946)

/** Embedded-packet flags (record byte 64). */
export const INNER_PRESENT = 1;
/** Ports (or the ICMP echo identifier, in both) were read from the embedded L4 header. */
export const INNER_PORTS = 2;
/** The embedded packet is a non-first fragment: no L4 header. */
export const INNER_LATER_FRAGMENT = 4;

// ---------------------------------------------------------------------------------------
// Parsed record (mirror of layout.ts; test/packet/layout.test.ts compares them)

export const PARSED_RECORD_BYTES = 128;
export const PARSED_REASON = 0;
export const PARSED_FAMILY = 1;
export const PARSED_PROTOCOL = 2;
export const PARSED_TCP_FLAGS = 3;
export const PARSED_FRAG_FLAGS = 4;
export const PARSED_TTL = 5;
export const PARSED_ICMP_TYPE = 6;
export const PARSED_ICMP_CODE = 7;
export const PARSED_L3_OFFSET = 8;
export const PARSED_L4_OFFSET = 10;
export const PARSED_SRC_PORT = 12;
export const PARSED_DST_PORT = 14;
export const PARSED_PAYLOAD_LENGTH = 16;
export const PARSED_FRAG_OFFSET = 18;
export const PARSED_FRAG_ID = 20;
export const PARSED_SRC = 24;
export const PARSED_DST = 40;
export const PARSED_IP_END = 56;
export const PARSED_L4_WORD = 60;
export const PARSED_INNER_FLAGS = 64;
export const PARSED_INNER_PROTOCOL = 65;
export const PARSED_INNER_L3_OFFSET = 68;
export const PARSED_INNER_L4_OFFSET = 70;
export const PARSED_INNER_SRC_PORT = 72;
export const PARSED_INNER_DST_PORT = 74;
export const PARSED_INNER_SRC = 80;
export const PARSED_INNER_DST = 96;

/** The packet an ICMP error carries (its first bytes), as far as conntrack needs it. */
export interface EmbeddedPacket {
  flags: number;
  protocol: number;
  l3Offset: number;
  /** 0 for a non-first fragment. */
  l4Offset: number;
  srcPort: number;
  dstPort: number;
  src: IpAddress;
  dst: IpAddress;
}

export interface ParsedPacket {
  /** REASON_* (0 = usable). On a drop the other fields hold what was parsed before the failing check. */
  reason: number;
  /** 4, 6, or 0 when the IP header was not reached. */
  family: number;
  /** IPv4 protocol / the IPv6 header chain's upper-layer next header. */
  protocol: number;
  tcpFlags: number;
  fragFlags: number;
  /** TTL / hop limit. */
  ttl: number;
  icmpType: number;
  icmpCode: number;
  /** Offset of the IP header in the frame. */
  l3Offset: number;
  /** Offset of the L4 header in the frame; 0 for a non-first fragment (no L4 header). */
  l4Offset: number;
  /** TCP/UDP/SCTP source port; the identifier for ICMP echo-like messages (in both ports). */
  srcPort: number;
  dstPort: number;
  /** Bytes after the L4 header up to the IP packet's end (non-first fragments: the fragment's data). */
  payloadLength: number;
  /** Fragment offset in bytes. */
  fragOffset: number;
  /** IPv4 identification / IPv6 fragment header identification. */
  fragId: number;
  src: IpAddress;
  dst: IpAddress;
  /** Offset just past the IP packet (l3Offset + total length). */
  ipEnd: number;
  /** TCP: sequence number; SCTP: verification tag; ICMP/ICMPv6: header bytes 4..7 (echo: id << 16 | sequence; PTB: MTU). */
  l4Word: number;
  /** ICMP errors: the embedded original packet. */
  inner: EmbeddedPacket | null;
}

export function emptyParsed(): ParsedPacket {
  return {
    reason: 0, family: 0, protocol: 0, tcpFlags: 0, fragFlags: 0, ttl: 0, icmpType: 0, icmpCode: 0,
    l3Offset: 0, l4Offset: 0, srcPort: 0, dstPort: 0, payloadLength: 0, fragOffset: 0, fragId: 0,
    src: 0, dst: 0, ipEnd: 0, l4Word: 0, inner: null,
  };
}

/** ICMP types whose body is the original datagram (RFC 792; Linux `icmp_pointers[].error`). */
export function isIcmpError(family: number, type: number): boolean {
  return family === 4 ? type === 3 || type === 4 || type === 5 || type === 11 || type === 12 : type >= 1 && type <= 4;
}

/** ICMP messages keyed by an identifier at bytes 4..5 (echo, timestamp, information, address mask; ICMPv6 echo). */
export function isIcmpQuery(family: number, type: number): boolean {
  return family === 4 ? type === 0 || type === 8 || (type >= 13 && type <= 18) : type === 128 || type === 129;
}

function icmpProtocolOf(family: number): number {
  return family === 4 ? PROTO_ICMP : PROTO_ICMPV6;
}

/** Result of walking an IPv6 header chain. */
interface ChainWalk {
  reason: number;
  nextHeader: number;
  offset: number;
  /** Set when a fragment header was crossed. */
  fragment: boolean;
  fragOffset: number;
  more: boolean;
  fragId: number;
}

/**
 * Walks IPv6 extension headers from `offset` (right after the fixed header) to `end`:
 * hop-by-hop (first only), routing, destination options, AH (length in 4-byte units + 2,
 * RFC 4302), fragment (8 bytes). Any other next header ends the chain (ESP and "no next
 * header" included). Stops at a non-first fragment: the rest of the chain is in the
 * first fragment.
 */
function walkIPv6Chain(bytes: Uint8Array, first: number, nextHeader: number, end: number): ChainWalk {
  const walk: ChainWalk = { reason: 0, nextHeader, offset: first, fragment: false, fragOffset: 0, more: false, fragId: 0 };
  let count = 0;
  let off = first;
  let nh = nextHeader;
  for (;;) {
    if (nh !== EXT_HOP_BY_HOP && nh !== EXT_ROUTING && nh !== EXT_DESTINATION && nh !== PROTO_AH && nh !== EXT_FRAGMENT) break;
    if (nh === EXT_HOP_BY_HOP && off !== first) {
      walk.reason = REASON_HOP_BY_HOP_NOT_FIRST;
      break;
    }
    if (++count > MAX_EXTENSION_HEADERS) {
      walk.reason = REASON_EXT_HEADER_CHAIN_TOO_LONG;
      break;
    }
    if (nh === EXT_FRAGMENT) {
      if (off + 8 > end) {
        walk.reason = REASON_TRUNCATED_EXT_HEADER;
        break;
      }
      if (walk.fragment) {
        walk.reason = REASON_BAD_FRAGMENT;
        break;
      }
      const word = readBE16(bytes, off + 2);
      walk.fragment = true;
      walk.fragOffset = word & 0xfff8;
      walk.more = (word & 1) !== 0;
      walk.fragId = readBE32(bytes, off + 4);
      nh = bytes[off];
      off += 8;
      if (walk.fragOffset > 0) break;
      continue;
    }
    if (off + 2 > end) {
      walk.reason = REASON_TRUNCATED_EXT_HEADER;
      break;
    }
    const length = nh === PROTO_AH ? (bytes[off + 1] + 2) * 4 : (bytes[off + 1] + 1) * 8;
    if (off + length > end) {
      walk.reason = REASON_TRUNCATED_EXT_HEADER;
      break;
    }
    nh = bytes[off];
    off += length;
  }
  walk.nextHeader = nh;
  walk.offset = off;
  return walk;
}

/**
 * Parses one frame of `length` bytes (default: all of `bytes`) captured on `linkType`.
 * Never reads outside [0, length) and never throws.
 */
export function parsePacket(bytes: Uint8Array, linkType: number, flags = 0, length = bytes.length): ParsedPacket {
  const p = emptyParsed();
  p.reason = parseInto(p, bytes, Math.min(length, bytes.length), linkType, flags);
  return p;
}

function parseInto(p: ParsedPacket, bytes: Uint8Array, len: number, linkType: number, flags: number): number {
  let l3 = 0;
  let want = 0;
  if (linkType === LINKTYPE_ETHERNET) {
    if (len < 14) return REASON_TRUNCATED_LINK;
    let etherType = readBE16(bytes, 12);
    l3 = 14;
    if (etherType === ETHERTYPE_VLAN) {
      if (len < 18) return REASON_TRUNCATED_LINK;
      etherType = readBE16(bytes, 16);
      l3 = 18;
    }
    p.l3Offset = l3;
    if (etherType === ETHERTYPE_IPV4) want = 4;
    else if (etherType === ETHERTYPE_IPV6) want = 6;
    else return REASON_NOT_IP;
  } else if (linkType === LINKTYPE_IPV4) {
    want = 4;
  } else if (linkType === LINKTYPE_IPV6) {
    want = 6;
  } else if (linkType !== LINKTYPE_RAW) {
    return REASON_UNSUPPORTED_LINK_TYPE;
  }
  if (l3 >= len) return REASON_TRUNCATED_L3;
  const version = bytes[l3] >>> 4;
  if (version !== 4 && version !== 6) return REASON_UNSUPPORTED_VERSION;
  if (want !== 0 && version !== want) return REASON_VERSION_MISMATCH;
  p.family = version;
  return version === 4 ? parseIPv4(p, bytes, len, l3, flags) : parseIPv6(p, bytes, len, l3);
}

function parseIPv4(p: ParsedPacket, bytes: Uint8Array, len: number, l3: number, flags: number): number {
  const avail = len - l3;
  if (avail < 20) return REASON_TRUNCATED_L3;
  const ihl = (bytes[l3] & 15) * 4;
  if (ihl < 20) return REASON_BAD_IHL;
  if (ihl > avail) return REASON_TRUNCATED_L3;
  // Linux ip_rcv_core: header checksum before the total length checks.
  if ((flags & PARSE_SKIP_IPV4_CHECKSUM) === 0 && internetChecksum(bytes, l3, l3 + ihl) !== 0) return REASON_BAD_IPV4_CHECKSUM;
  const total = readBE16(bytes, l3 + 2);
  if (total < ihl) return REASON_BAD_TOTAL_LENGTH;
  if (total > avail) return REASON_TRUNCATED_L3;
  const ipEnd = l3 + total;
  p.ipEnd = ipEnd;
  p.ttl = bytes[l3 + 8];
  p.protocol = bytes[l3 + 9];
  p.src = readBE32(bytes, l3 + 12);
  p.dst = readBE32(bytes, l3 + 16);
  p.fragId = readBE16(bytes, l3 + 4);
  const word = readBE16(bytes, l3 + 6);
  const offset = (word & 0x1fff) * 8;
  let fragFlags = (word & 0x4000) !== 0 ? FRAG_DONT_FRAGMENT : 0;
  if ((word & 0x2000) !== 0 || offset !== 0) {
    fragFlags |= FRAG_IS_FRAGMENT;
    if ((word & 0x2000) !== 0) fragFlags |= FRAG_MORE;
    if (offset === 0) fragFlags |= FRAG_FIRST;
  }
  p.fragFlags = fragFlags;
  p.fragOffset = offset;
  const payload = total - ihl;
  // Reassembly would exceed the maximum datagram ("ping of death").
  if (offset + payload > 0xffff) return REASON_BAD_FRAGMENT;
  if (offset > 0) {
    p.payloadLength = payload;
    return REASON_OK;
  }
  return parseL4(p, bytes, l3 + ihl, ipEnd, p.protocol);
}

function parseIPv6(p: ParsedPacket, bytes: Uint8Array, len: number, l3: number): number {
  const avail = len - l3;
  p.src = new Uint8Array(16);
  p.dst = new Uint8Array(16);
  if (avail < 40) return REASON_TRUNCATED_L3;
  const payload = readBE16(bytes, l3 + 4);
  if (40 + payload > avail) return REASON_TRUNCATED_L3;
  const ipEnd = l3 + 40 + payload;
  p.ipEnd = ipEnd;
  p.ttl = bytes[l3 + 7];
  p.src = bytes.slice(l3 + 8, l3 + 24);
  p.dst = bytes.slice(l3 + 24, l3 + 40);
  const walk = walkIPv6Chain(bytes, l3 + 40, bytes[l3 + 6], ipEnd);
  p.protocol = walk.nextHeader;
  if (walk.fragment) {
    p.fragFlags = FRAG_HEADER;
    p.fragId = walk.fragId;
    p.fragOffset = walk.fragOffset;
    if (walk.more || walk.fragOffset !== 0) {
      p.fragFlags |= FRAG_IS_FRAGMENT;
      if (walk.more) p.fragFlags |= FRAG_MORE;
      if (walk.fragOffset === 0) p.fragFlags |= FRAG_FIRST;
    }
  }
  if (walk.reason !== REASON_OK) return walk.reason;
  if (walk.fragment) {
    // RFC 8200 §4.5: the reassembled payload may not exceed 65535 bytes, and every
    // fragment but the last carries a multiple of 8 bytes.
    const data = ipEnd - walk.offset;
    if (walk.fragOffset + data > 0xffff || (walk.more && (data & 7) !== 0)) return REASON_BAD_FRAGMENT;
    if (walk.fragOffset > 0) {
      p.payloadLength = data;
      return REASON_OK;
    }
  }
  return parseL4(p, bytes, walk.offset, ipEnd, walk.nextHeader);
}

function parseL4(p: ParsedPacket, bytes: Uint8Array, l4: number, ipEnd: number, protocol: number): number {
  p.l4Offset = l4;
  const avail = ipEnd - l4;
  if (protocol === PROTO_TCP) {
    if (avail < 20) return REASON_TRUNCATED_L4;
    p.srcPort = readBE16(bytes, l4);
    p.dstPort = readBE16(bytes, l4 + 2);
    p.l4Word = readBE32(bytes, l4 + 4);
    p.tcpFlags = bytes[l4 + 13];
    const dataOffset = (bytes[l4 + 12] >>> 4) * 4;
    if (dataOffset < 20 || dataOffset > avail) return REASON_BAD_TCP_OFFSET;
    p.payloadLength = avail - dataOffset;
    return REASON_OK;
  }
  if (protocol === PROTO_UDP) {
    if (avail < 8) return REASON_TRUNCATED_L4;
    p.srcPort = readBE16(bytes, l4);
    p.dstPort = readBE16(bytes, l4 + 2);
    const udpLength = readBE16(bytes, l4 + 4);
    // A first fragment carries only part of the datagram the length describes.
    if (udpLength < 8 || (udpLength > avail && (p.fragFlags & FRAG_IS_FRAGMENT) === 0)) return REASON_BAD_UDP_LENGTH;
    p.payloadLength = avail - 8;
    return REASON_OK;
  }
  if (protocol === PROTO_SCTP) {
    if (avail < 12) return REASON_TRUNCATED_L4;
    p.srcPort = readBE16(bytes, l4);
    p.dstPort = readBE16(bytes, l4 + 2);
    p.l4Word = readBE32(bytes, l4 + 4);
    p.payloadLength = avail - 12;
    return REASON_OK;
  }
  if (protocol === icmpProtocolOf(p.family)) {
    if (avail < 8) return REASON_TRUNCATED_L4;
    const type = bytes[l4];
    p.icmpType = type;
    p.icmpCode = bytes[l4 + 1];
    p.l4Word = readBE32(bytes, l4 + 4);
    p.payloadLength = avail - 8;
    if (isIcmpQuery(p.family, type)) {
      p.srcPort = readBE16(bytes, l4 + 4);
      p.dstPort = p.srcPort;
      return REASON_OK;
    }
    if (isIcmpError(p.family, type)) {
      const inner = parseEmbedded(bytes, l4 + 8, ipEnd, p.family);
      if (inner === null) return REASON_BAD_ICMP_EMBEDDED;
      p.inner = inner;
    }
    return REASON_OK;
  }
  p.payloadLength = avail;
  return REASON_OK;
}

/**
 * The packet inside an ICMP error, from `start` to `end` (the outer packet's end): the
 * original IP header and at least the first 8 bytes of its payload (RFC 792, RFC 4443
 * §3). Returns null when addresses, or the ports of TCP/UDP/SCTP, are not all there.
 */
function parseEmbedded(bytes: Uint8Array, start: number, end: number, family: number): EmbeddedPacket | null {
  const avail = end - start;
  const inner: EmbeddedPacket = { flags: INNER_PRESENT, protocol: 0, l3Offset: start, l4Offset: 0, srcPort: 0, dstPort: 0, src: 0, dst: 0 };
  let l4: number;
  if (family === 4) {
    if (avail < 20 || bytes[start] >>> 4 !== 4) return null;
    const ihl = (bytes[start] & 15) * 4;
    if (ihl < 20 || ihl > avail) return null;
    inner.protocol = bytes[start + 9];
    inner.src = readBE32(bytes, start + 12);
    inner.dst = readBE32(bytes, start + 16);
    if ((readBE16(bytes, start + 6) & 0x1fff) !== 0) {
      inner.flags |= INNER_LATER_FRAGMENT;
      return inner;
    }
    l4 = start + ihl;
  } else {
    if (avail < 40 || bytes[start] >>> 4 !== 6) return null;
    inner.src = bytes.slice(start + 8, start + 24);
    inner.dst = bytes.slice(start + 24, start + 40);
    const walk = walkIPv6Chain(bytes, start + 40, bytes[start + 6], end);
    if (walk.reason !== REASON_OK) return null;
    inner.protocol = walk.nextHeader;
    if (walk.fragOffset > 0) {
      inner.flags |= INNER_LATER_FRAGMENT;
      return inner;
    }
    l4 = walk.offset;
  }
  inner.l4Offset = l4;
  const rest = end - l4;
  const protocol = inner.protocol;
  if (protocol === PROTO_TCP || protocol === PROTO_UDP || protocol === PROTO_SCTP) {
    if (rest < 4) return null;
    inner.srcPort = readBE16(bytes, l4);
    inner.dstPort = readBE16(bytes, l4 + 2);
    inner.flags |= INNER_PORTS;
  } else if (protocol === icmpProtocolOf(family) && rest >= 8 && isIcmpQuery(family, bytes[l4])) {
    inner.srcPort = readBE16(bytes, l4 + 4);
    inner.dstPort = inner.srcPort;
    inner.flags |= INNER_PORTS;
  }
  return inner;
}

// ---------------------------------------------------------------------------------------
// Record codec

function writeAddress(view: DataView, bytes: Uint8Array, at: number, address: IpAddress): void {
  if (typeof address === 'number') view.setUint32(at, address >>> 0, true);
  else bytes.set(address.subarray(0, 16), at);
}

function readAddress(bytes: Uint8Array, view: DataView, at: number, family: number): IpAddress {
  if (family === 6) return bytes.slice(at, at + 16);
  return family === 4 ? view.getUint32(at, true) : 0;
}

/** Writes `p` as a 128-byte record at `bytes[at]` (zeroing the record first). */
export function writeParsedRecord(p: ParsedPacket, bytes: Uint8Array, at: number): void {
  bytes.fill(0, at, at + PARSED_RECORD_BYTES);
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, PARSED_RECORD_BYTES);
  const record = bytes.subarray(at, at + PARSED_RECORD_BYTES);
  view.setUint8(PARSED_REASON, p.reason);
  view.setUint8(PARSED_FAMILY, p.family);
  view.setUint8(PARSED_PROTOCOL, p.protocol);
  view.setUint8(PARSED_TCP_FLAGS, p.tcpFlags);
  view.setUint8(PARSED_FRAG_FLAGS, p.fragFlags);
  view.setUint8(PARSED_TTL, p.ttl);
  view.setUint8(PARSED_ICMP_TYPE, p.icmpType);
  view.setUint8(PARSED_ICMP_CODE, p.icmpCode);
  view.setUint16(PARSED_L3_OFFSET, p.l3Offset, true);
  view.setUint16(PARSED_L4_OFFSET, p.l4Offset, true);
  view.setUint16(PARSED_SRC_PORT, p.srcPort, true);
  view.setUint16(PARSED_DST_PORT, p.dstPort, true);
  view.setUint16(PARSED_PAYLOAD_LENGTH, p.payloadLength, true);
  view.setUint16(PARSED_FRAG_OFFSET, p.fragOffset, true);
  view.setUint32(PARSED_FRAG_ID, p.fragId >>> 0, true);
  writeAddress(view, record, PARSED_SRC, p.src);
  writeAddress(view, record, PARSED_DST, p.dst);
  view.setUint32(PARSED_IP_END, p.ipEnd, true);
  view.setUint32(PARSED_L4_WORD, p.l4Word >>> 0, true);
  const inner = p.inner;
  if (inner) {
    view.setUint8(PARSED_INNER_FLAGS, inner.flags);
    view.setUint8(PARSED_INNER_PROTOCOL, inner.protocol);
    view.setUint16(PARSED_INNER_L3_OFFSET, inner.l3Offset, true);
    view.setUint16(PARSED_INNER_L4_OFFSET, inner.l4Offset, true);
    view.setUint16(PARSED_INNER_SRC_PORT, inner.srcPort, true);
    view.setUint16(PARSED_INNER_DST_PORT, inner.dstPort, true);
    writeAddress(view, record, PARSED_INNER_SRC, inner.src);
    writeAddress(view, record, PARSED_INNER_DST, inner.dst);
  }
}

/** Reads a 128-byte record at `bytes[at]`. */
export function readParsedRecord(bytes: Uint8Array, at: number): ParsedPacket {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, PARSED_RECORD_BYTES);
  const record = bytes.subarray(at, at + PARSED_RECORD_BYTES);
  const family = view.getUint8(PARSED_FAMILY);
  const innerFlags = view.getUint8(PARSED_INNER_FLAGS);
  return {
    reason: view.getUint8(PARSED_REASON),
    family,
    protocol: view.getUint8(PARSED_PROTOCOL),
    tcpFlags: view.getUint8(PARSED_TCP_FLAGS),
    fragFlags: view.getUint8(PARSED_FRAG_FLAGS),
    ttl: view.getUint8(PARSED_TTL),
    icmpType: view.getUint8(PARSED_ICMP_TYPE),
    icmpCode: view.getUint8(PARSED_ICMP_CODE),
    l3Offset: view.getUint16(PARSED_L3_OFFSET, true),
    l4Offset: view.getUint16(PARSED_L4_OFFSET, true),
    srcPort: view.getUint16(PARSED_SRC_PORT, true),
    dstPort: view.getUint16(PARSED_DST_PORT, true),
    payloadLength: view.getUint16(PARSED_PAYLOAD_LENGTH, true),
    fragOffset: view.getUint16(PARSED_FRAG_OFFSET, true),
    fragId: view.getUint32(PARSED_FRAG_ID, true),
    src: readAddress(record, view, PARSED_SRC, family),
    dst: readAddress(record, view, PARSED_DST, family),
    ipEnd: view.getUint32(PARSED_IP_END, true),
    l4Word: view.getUint32(PARSED_L4_WORD, true),
    inner:
      innerFlags === 0
        ? null
        : {
            flags: innerFlags,
            protocol: view.getUint8(PARSED_INNER_PROTOCOL),
            l3Offset: view.getUint16(PARSED_INNER_L3_OFFSET, true),
            l4Offset: view.getUint16(PARSED_INNER_L4_OFFSET, true),
            srcPort: view.getUint16(PARSED_INNER_SRC_PORT, true),
            dstPort: view.getUint16(PARSED_INNER_DST_PORT, true),
            src: readAddress(record, view, PARSED_INNER_SRC, family),
            dst: readAddress(record, view, PARSED_INNER_DST, family),
          },
  };
}

// ---------------------------------------------------------------------------------------
// Checksum verification

/** Checksum states returned by `verifyChecksums`, two bits each. */
export const CHECKSUM_ABSENT = 0; // no such checksum, or not verifiable here (fragment, dropped packet)
export const CHECKSUM_VALID = 1;
export const CHECKSUM_BAD = 2;

/**
 * Verifies the IPv4 header checksum (bits 0–1) and the L4 checksum (bits 2–3) of a parsed
 * packet: TCP and UDP with their pseudo-header (UDP over IPv4 with checksum 0 has none;
 * over IPv6, 0 is BAD, RFC 8200 §8.1), SCTP's CRC32c, ICMP, and ICMPv6 with its
 * pseudo-header. Fragments' L4 checksums cover the whole datagram and read ABSENT.
 */
export function verifyChecksums(bytes: Uint8Array, p: ParsedPacket): number {
  if (p.reason !== REASON_OK) return 0;
  const l3 = p.l3Offset;
  const end = p.ipEnd;
  let l3State = CHECKSUM_ABSENT;
  if (p.family === 4) l3State = internetChecksum(bytes, l3, l3 + (bytes[l3] & 15) * 4) === 0 ? CHECKSUM_VALID : CHECKSUM_BAD;
  return l3State | (l4ChecksumState(bytes, p.family, l3, p.l4Offset, end, p.protocol, p.fragFlags) << 2);
}

export function l4ChecksumState(bytes: Uint8Array, family: number, l3: number, l4: number, end: number, protocol: number, fragFlags: number): number {
  if (l4 === 0 || (fragFlags & FRAG_IS_FRAGMENT) !== 0) return CHECKSUM_ABSENT;
  const verdict = (sum: number): number => (sum === 0 ? CHECKSUM_VALID : CHECKSUM_BAD);
  if (protocol === PROTO_TCP) {
    return verdict(internetChecksum(bytes, l4, end, pseudoSum(bytes, family, l3, PROTO_TCP, end - l4)));
  }
  if (protocol === PROTO_UDP) {
    if (readBE16(bytes, l4 + 6) === 0) return family === 4 ? CHECKSUM_ABSENT : CHECKSUM_BAD;
    const udpLength = readBE16(bytes, l4 + 4);
    return verdict(internetChecksum(bytes, l4, l4 + udpLength, pseudoSum(bytes, family, l3, PROTO_UDP, udpLength)));
  }
  if (protocol === PROTO_SCTP) {
    const stored = (bytes[l4 + 8] | (bytes[l4 + 9] << 8) | (bytes[l4 + 10] << 16) | (bytes[l4 + 11] << 24)) >>> 0;
    return sctpCrc(bytes, l4, end) === stored ? CHECKSUM_VALID : CHECKSUM_BAD;
  }
  if (protocol === PROTO_ICMP && family === 4) return verdict(internetChecksum(bytes, l4, end));
  if (protocol === PROTO_ICMPV6 && family === 6) {
    return verdict(internetChecksum(bytes, l4, end, pseudoSum(bytes, 6, l3, PROTO_ICMPV6, end - l4)));
  }
  return CHECKSUM_ABSENT;
}
