// Raw IP packets: parse, NAT rewrite in place, ICMP/ICMPv6 port unreachable, checksum
// verification. Records: layout.ts ("Raw packets"). Reference implementation, step for
// step: sdk/packet/{parse,nat,icmp}.ts — the differential tests hold the two to the same
// record bytes, reason codes and output bytes, so a change here is a change there.
//
// Frames are untrusted: every read goes through `u8At`/`be16At`/`be32At`/`bytesAt`, which
// the callers bound by the frame length first (debug builds assert it again), and every
// write of the rewrite is bounded by the same checks before the first byte changes. Only
// `reserveRegions` (behind the export `packetReserve`) allocates; nothing else here
// allocates or grows memory.
//
// The per-frame functions (`parseFrame`, `rewriteFrame`, `buildUnreachableFrame`,
// `frameChecksums`) take a frame pointer and length, so other kernels can call them on
// frames they hold elsewhere; the batch functions run them over the regions.
//
// Decisions (why each check exists) are documented once, in sdk/packet/parse.ts, nat.ts
// and icmp.ts.

import {
  FRAME_DESC_BYTES, FRAME_OFFSET, FRAME_LENGTH, FRAME_LINK_TYPE, PARSED_BYTES,
  PARSED_REASON, PARSED_FAMILY, PARSED_PROTOCOL, PARSED_TCP_FLAGS, PARSED_FRAG_FLAGS,
  PARSED_TTL, PARSED_ICMP_TYPE, PARSED_ICMP_CODE, PARSED_L3_OFFSET, PARSED_L4_OFFSET,
  PARSED_SRC_PORT, PARSED_DST_PORT, PARSED_PAYLOAD_LENGTH, PARSED_FRAG_OFFSET,
  PARSED_FRAG_ID, PARSED_SRC, PARSED_DST, PARSED_IP_END, PARSED_L4_WORD,
  PARSED_INNER_FLAGS, PARSED_INNER_PROTOCOL, PARSED_INNER_L3_OFFSET,
  PARSED_INNER_L4_OFFSET, PARSED_INNER_SRC_PORT, PARSED_INNER_DST_PORT, PARSED_INNER_SRC,
  PARSED_INNER_DST, REWRITE_BYTES, REWRITE_FLAGS, REWRITE_RESULT, REWRITE_SRC_PORT,
  REWRITE_DST_PORT, REWRITE_SRC, REWRITE_DST, PACKET_REPLY_BYTES, PACKET_MAX_RECORDS,
  PACKET_MAX_AREA_BYTES,
} from "./layout";
import { ST_OK, ST_BATCH_TOO_LARGE } from "./status";
import {
  internetChecksum, pseudoHeaderSum, wordDelta, applyDelta, crc32cUpdate,
} from "./checksum";

// ---------------------------------------------------------------------------------------
// Codes (mirrored in sdk/packet; test/packet/layout.test.ts compares them)

// @ts-ignore: decorator
@inline export const LINKTYPE_ETHERNET: u32 = 1;
// @ts-ignore: decorator
@inline export const LINKTYPE_RAW: u32 = 101;
// @ts-ignore: decorator
@inline export const LINKTYPE_IPV4: u32 = 228;
// @ts-ignore: decorator
@inline export const LINKTYPE_IPV6: u32 = 229;

// @ts-ignore: decorator
@inline const ETHERTYPE_IPV4: u32 = 0x0800;
// @ts-ignore: decorator
@inline const ETHERTYPE_IPV6: u32 = 0x86dd;
// @ts-ignore: decorator
@inline const ETHERTYPE_VLAN: u32 = 0x8100;

// @ts-ignore: decorator
@inline const PROTO_ICMP: u32 = 1;
// @ts-ignore: decorator
@inline const PROTO_TCP: u32 = 6;
// @ts-ignore: decorator
@inline const PROTO_UDP: u32 = 17;
// @ts-ignore: decorator
@inline const PROTO_AH: u32 = 51;
// @ts-ignore: decorator
@inline const PROTO_ICMPV6: u32 = 58;
// @ts-ignore: decorator
@inline const PROTO_SCTP: u32 = 132;
// @ts-ignore: decorator
@inline const EXT_HOP_BY_HOP: u32 = 0;
// @ts-ignore: decorator
@inline const EXT_ROUTING: u32 = 43;
// @ts-ignore: decorator
@inline const EXT_FRAGMENT: u32 = 44;
// @ts-ignore: decorator
@inline const EXT_DESTINATION: u32 = 60;

// @ts-ignore: decorator
@inline export const MAX_EXTENSION_HEADERS: u32 = 8;

// Parse reasons (record byte 0).
// @ts-ignore: decorator
@inline export const PARSE_OK: u32 = 0;
// @ts-ignore: decorator
@inline export const PARSE_BAD_DESCRIPTOR: u32 = 1;
// @ts-ignore: decorator
@inline export const PARSE_UNSUPPORTED_LINK_TYPE: u32 = 2;
// @ts-ignore: decorator
@inline export const PARSE_TRUNCATED_LINK: u32 = 3;
// @ts-ignore: decorator
@inline export const PARSE_NOT_IP: u32 = 4;
// @ts-ignore: decorator
@inline export const PARSE_TRUNCATED_L3: u32 = 5;
// @ts-ignore: decorator
@inline export const PARSE_UNSUPPORTED_VERSION: u32 = 6;
// @ts-ignore: decorator
@inline export const PARSE_VERSION_MISMATCH: u32 = 7;
// @ts-ignore: decorator
@inline export const PARSE_BAD_IHL: u32 = 8;
// @ts-ignore: decorator
@inline export const PARSE_BAD_IPV4_CHECKSUM: u32 = 9;
// @ts-ignore: decorator
@inline export const PARSE_BAD_TOTAL_LENGTH: u32 = 10;
// @ts-ignore: decorator
@inline export const PARSE_BAD_FRAGMENT: u32 = 11;
// @ts-ignore: decorator
@inline export const PARSE_HOP_BY_HOP_NOT_FIRST: u32 = 12;
// @ts-ignore: decorator
@inline export const PARSE_TRUNCATED_EXT_HEADER: u32 = 13;
// @ts-ignore: decorator
@inline export const PARSE_EXT_HEADER_CHAIN_TOO_LONG: u32 = 14;
// @ts-ignore: decorator
@inline export const PARSE_TRUNCATED_L4: u32 = 15;
// @ts-ignore: decorator
@inline export const PARSE_BAD_TCP_OFFSET: u32 = 16;
// @ts-ignore: decorator
@inline export const PARSE_BAD_UDP_LENGTH: u32 = 17;
// @ts-ignore: decorator
@inline export const PARSE_BAD_ICMP_EMBEDDED: u32 = 18;

/** Parse flag: do not verify the IPv4 header checksum. */
// @ts-ignore: decorator
@inline export const PARSE_SKIP_IPV4_CHECKSUM: u32 = 1;

// Fragment flags (record byte 4).
// @ts-ignore: decorator
@inline export const FRAG_IS_FRAGMENT: u32 = 1;
// @ts-ignore: decorator
@inline export const FRAG_FIRST: u32 = 2;
// @ts-ignore: decorator
@inline export const FRAG_MORE: u32 = 4;
// @ts-ignore: decorator
@inline export const FRAG_DONT_FRAGMENT: u32 = 8;
// @ts-ignore: decorator
@inline export const FRAG_HEADER: u32 = 16;

// Embedded-packet flags (record byte 64).
// @ts-ignore: decorator
@inline export const INNER_PRESENT: u32 = 1;
// @ts-ignore: decorator
@inline export const INNER_PORTS: u32 = 2;
// @ts-ignore: decorator
@inline export const INNER_LATER_FRAGMENT: u32 = 4;

// Rewrite flags (rewrite record byte 0).
// @ts-ignore: decorator
@inline export const NAT_SRC_ADDR: u32 = 0x01;
// @ts-ignore: decorator
@inline export const NAT_SRC_PORT: u32 = 0x02;
// @ts-ignore: decorator
@inline export const NAT_DST_ADDR: u32 = 0x04;
// @ts-ignore: decorator
@inline export const NAT_DST_PORT: u32 = 0x08;
// @ts-ignore: decorator
@inline export const NAT_INNER_SRC_ADDR: u32 = 0x10;
// @ts-ignore: decorator
@inline export const NAT_INNER_SRC_PORT: u32 = 0x20;
// @ts-ignore: decorator
@inline export const NAT_INNER_DST_ADDR: u32 = 0x40;
// @ts-ignore: decorator
@inline export const NAT_INNER_DST_PORT: u32 = 0x80;
// @ts-ignore: decorator
@inline const NAT_INNER_ALL: u32 = 0xf0;

// Rewrite results (rewrite record byte 1), bits; 0 = done as asked.
// @ts-ignore: decorator
@inline export const NAT_PORTS_IGNORED: u32 = 0x01;
// @ts-ignore: decorator
@inline export const NAT_EMBEDDED_IGNORED: u32 = 0x02;
// @ts-ignore: decorator
@inline export const NAT_CHECKSUM_STALE: u32 = 0x04;
// @ts-ignore: decorator
@inline export const NAT_BAD_RECORD: u32 = 0x40;
// @ts-ignore: decorator
@inline export const NAT_NOT_PARSED: u32 = 0x80;

// Unreachable refusals (returned negated).
// @ts-ignore: decorator
@inline export const UNREACH_NOT_PARSED: i32 = 1;
// @ts-ignore: decorator
@inline export const UNREACH_LATER_FRAGMENT: i32 = 2;
// @ts-ignore: decorator
@inline export const UNREACH_ICMP_ERROR: i32 = 3;
// @ts-ignore: decorator
@inline export const UNREACH_SOURCE_NOT_UNICAST: i32 = 4;
// @ts-ignore: decorator
@inline export const UNREACH_DESTINATION_NOT_UNICAST: i32 = 5;
// @ts-ignore: decorator
@inline export const UNREACH_BAD_CHECKSUM: i32 = 6;
// @ts-ignore: decorator
@inline export const UNREACH_NO_ROOM: i32 = 7;
// @ts-ignore: decorator
@inline export const UNREACH_BAD_INDEX: i32 = 8;
/** Unreachable flag: send even when the L4 checksum is bad. */
// @ts-ignore: decorator
@inline export const UNREACH_SKIP_CHECKSUM_CHECK: u32 = 1;
// @ts-ignore: decorator
@inline const ICMP4_QUOTE_MAX: u32 = 548; // 576 − 20 − 8 (RFC 1812 §4.3.2.3, Linux __icmp_send)
// @ts-ignore: decorator
@inline const ICMP6_QUOTE_MAX: u32 = 1232; // 1280 − 40 − 8 (RFC 4443 §2.4 (c))

// Checksum states (`frameChecksums`: IPv4 header in bits 0–1, L4 in bits 2–3).
// @ts-ignore: decorator
@inline export const CHECKSUM_ABSENT: u32 = 0;
// @ts-ignore: decorator
@inline export const CHECKSUM_VALID: u32 = 1;
// @ts-ignore: decorator
@inline export const CHECKSUM_BAD: u32 = 2;

// ---------------------------------------------------------------------------------------
// Bounded access to the current frame

let frame: usize = 0;
let frameLength: u32 = 0;

// @ts-ignore: decorator
@inline function u8At(o: u32): u32 {
  assert(o < frameLength, "packet read past the frame");
  return <u32>load<u8>(frame + o);
}

// @ts-ignore: decorator
@inline function be16At(o: u32): u32 {
  assert(<u64>o + 2 <= <u64>frameLength, "packet read past the frame");
  return <u32>bswap<u16>(load<u16>(frame + o));
}

// @ts-ignore: decorator
@inline function be32At(o: u32): u32 {
  assert(<u64>o + 4 <= <u64>frameLength, "packet read past the frame");
  return bswap<u32>(load<u32>(frame + o));
}

/** Address of `n` frame bytes at `o`, for copies and sums. */
// @ts-ignore: decorator
@inline function bytesAt(o: u32, n: u32): usize {
  assert(<u64>o + <u64>n <= <u64>frameLength, "packet read past the frame");
  return frame + o;
}

// @ts-ignore: decorator
@inline function putBE16(o: u32, value: u32): void {
  assert(<u64>o + 2 <= <u64>frameLength, "packet write past the frame");
  store<u16>(frame + o, bswap<u16>(<u16>value));
}

// ---------------------------------------------------------------------------------------
// ICMP classification

/** ICMP types whose body is the original datagram (RFC 792; Linux `icmp_pointers[].error`). */
// @ts-ignore: decorator
@inline function isIcmpError(family: u32, type: u32): bool {
  return family == 4
    ? type == 3 || type == 4 || type == 5 || type == 11 || type == 12
    : type >= 1 && type <= 4;
}

/** ICMP messages keyed by an identifier at bytes 4..5 (echo, timestamp, information, mask; ICMPv6 echo). */
// @ts-ignore: decorator
@inline function isIcmpQuery(family: u32, type: u32): bool {
  return family == 4
    ? type == 0 || type == 8 || (type >= 13 && type <= 18)
    : type == 128 || type == 129;
}

// @ts-ignore: decorator
@inline function icmpProtocolOf(family: u32): u32 {
  return family == 4 ? PROTO_ICMP : PROTO_ICMPV6;
}

// ---------------------------------------------------------------------------------------
// Parse

// Result of `walkIPv6Chain`.
let walkReason: u32 = 0;
let walkNext: u32 = 0;
let walkOffset: u32 = 0;
let walkFragment = false;
let walkFragOffset: u32 = 0;
let walkMore = false;
let walkFragId: u32 = 0;

/**
 * Walks IPv6 extension headers from `first` (right after the fixed header) to `end`:
 * hop-by-hop (first only), routing, destination options, AH ((len + 2) × 4 bytes, RFC
 * 4302), fragment (8 bytes). Any other next header ends the chain. Stops after a
 * non-first fragment's header.
 */
function walkIPv6Chain(first: u32, nextHeader: u32, end: u32): void {
  walkReason = PARSE_OK;
  walkFragment = false;
  walkFragOffset = 0;
  walkMore = false;
  walkFragId = 0;
  let count: u32 = 0;
  let off = first;
  let nh = nextHeader;
  while (true) {
    if (nh != EXT_HOP_BY_HOP && nh != EXT_ROUTING && nh != EXT_DESTINATION && nh != PROTO_AH && nh != EXT_FRAGMENT) break;
    if (nh == EXT_HOP_BY_HOP && off != first) {
      walkReason = PARSE_HOP_BY_HOP_NOT_FIRST;
      break;
    }
    if (++count > MAX_EXTENSION_HEADERS) {
      walkReason = PARSE_EXT_HEADER_CHAIN_TOO_LONG;
      break;
    }
    if (nh == EXT_FRAGMENT) {
      if (off + 8 > end) {
        walkReason = PARSE_TRUNCATED_EXT_HEADER;
        break;
      }
      if (walkFragment) {
        walkReason = PARSE_BAD_FRAGMENT;
        break;
      }
      const word = be16At(off + 2);
      walkFragment = true;
      walkFragOffset = word & 0xfff8;
      walkMore = (word & 1) != 0;
      walkFragId = be32At(off + 4);
      nh = u8At(off);
      off += 8;
      if (walkFragOffset > 0) break;
      continue;
    }
    if (off + 2 > end) {
      walkReason = PARSE_TRUNCATED_EXT_HEADER;
      break;
    }
    const length = nh == PROTO_AH ? (u8At(off + 1) + 2) << 2 : (u8At(off + 1) + 1) << 3;
    if (off + length > end) {
      walkReason = PARSE_TRUNCATED_EXT_HEADER;
      break;
    }
    nh = u8At(off);
    off += length;
  }
  walkNext = nh;
  walkOffset = off;
}

/**
 * Parses the frame [ptr, ptr + length) captured on `linkType` into the 128-byte record
 * at `rec`; returns the reason (also in the record). Reads nothing outside the frame.
 */
export function parseFrame(ptr: usize, length: u32, linkType: u32, flags: u32, rec: usize): u32 {
  memory.fill(rec, 0, PARSED_BYTES);
  frame = ptr;
  frameLength = length;
  const reason = parseInto(rec, length, linkType, flags);
  store<u8>(rec, <u8>reason, PARSED_REASON);
  return reason;
}

function parseInto(rec: usize, len: u32, linkType: u32, flags: u32): u32 {
  let l3: u32 = 0;
  let want: u32 = 0;
  if (linkType == LINKTYPE_ETHERNET) {
    if (len < 14) return PARSE_TRUNCATED_LINK;
    let etherType = be16At(12);
    l3 = 14;
    if (etherType == ETHERTYPE_VLAN) {
      if (len < 18) return PARSE_TRUNCATED_LINK;
      etherType = be16At(16);
      l3 = 18;
    }
    store<u16>(rec, <u16>l3, PARSED_L3_OFFSET);
    if (etherType == ETHERTYPE_IPV4) want = 4;
    else if (etherType == ETHERTYPE_IPV6) want = 6;
    else return PARSE_NOT_IP;
  } else if (linkType == LINKTYPE_IPV4) {
    want = 4;
  } else if (linkType == LINKTYPE_IPV6) {
    want = 6;
  } else if (linkType != LINKTYPE_RAW) {
    return PARSE_UNSUPPORTED_LINK_TYPE;
  }
  if (l3 >= len) return PARSE_TRUNCATED_L3;
  const version = u8At(l3) >> 4;
  if (version != 4 && version != 6) return PARSE_UNSUPPORTED_VERSION;
  if (want != 0 && version != want) return PARSE_VERSION_MISMATCH;
  store<u8>(rec, <u8>version, PARSED_FAMILY);
  return version == 4 ? parseIPv4(rec, len, l3, flags) : parseIPv6(rec, len, l3);
}

/**
 * The IPv4 header checksum verifies: its words, checksum included, sum to 0xffff. Sums
 * 32-bit words (IHL counts them) in either byte order (RFC 1071 §2(B)); the hot case of
 * `parseFrame`, so it skips `onesSum`'s general loop.
 */
// @ts-ignore: decorator
@inline function ipv4HeaderValid(p: usize, ihl: u32): bool {
  let acc: u64 = 0;
  for (let i: u32 = 0; i < ihl; i += 4) acc += <u64>load<u32>(p + i);
  acc = (acc & 0xffff_ffff) + (acc >> 32);
  let s = <u32>acc + <u32>(acc >> 32);
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s == 0xffff;
}

function parseIPv4(rec: usize, len: u32, l3: u32, flags: u32): u32 {
  const avail = len - l3;
  if (avail < 20) return PARSE_TRUNCATED_L3;
  const ihl = (u8At(l3) & 15) << 2;
  if (ihl < 20) return PARSE_BAD_IHL;
  if (ihl > avail) return PARSE_TRUNCATED_L3;
  // Linux ip_rcv_core: header checksum before the total length checks.
  if ((flags & PARSE_SKIP_IPV4_CHECKSUM) == 0 && !ipv4HeaderValid(bytesAt(l3, ihl), ihl)) return PARSE_BAD_IPV4_CHECKSUM;
  const total = be16At(l3 + 2);
  if (total < ihl) return PARSE_BAD_TOTAL_LENGTH;
  if (total > avail) return PARSE_TRUNCATED_L3;
  const ipEnd = l3 + total;
  store<u32>(rec, ipEnd, PARSED_IP_END);
  store<u8>(rec, <u8>u8At(l3 + 8), PARSED_TTL);
  const protocol = u8At(l3 + 9);
  store<u8>(rec, <u8>protocol, PARSED_PROTOCOL);
  store<u32>(rec, be32At(l3 + 12), PARSED_SRC);
  store<u32>(rec, be32At(l3 + 16), PARSED_DST);
  store<u32>(rec, be16At(l3 + 4), PARSED_FRAG_ID);
  const word = be16At(l3 + 6);
  const offset = (word & 0x1fff) << 3;
  let fragFlags: u32 = (word & 0x4000) != 0 ? FRAG_DONT_FRAGMENT : 0;
  if ((word & 0x2000) != 0 || offset != 0) {
    fragFlags |= FRAG_IS_FRAGMENT;
    if ((word & 0x2000) != 0) fragFlags |= FRAG_MORE;
    if (offset == 0) fragFlags |= FRAG_FIRST;
  }
  store<u8>(rec, <u8>fragFlags, PARSED_FRAG_FLAGS);
  store<u16>(rec, <u16>offset, PARSED_FRAG_OFFSET);
  const payload = total - ihl;
  if (offset + payload > 0xffff) return PARSE_BAD_FRAGMENT;
  if (offset > 0) {
    store<u16>(rec, <u16>payload, PARSED_PAYLOAD_LENGTH);
    return PARSE_OK;
  }
  return parseL4(rec, l3 + ihl, ipEnd, protocol, 4, fragFlags);
}

function parseIPv6(rec: usize, len: u32, l3: u32): u32 {
  const avail = len - l3;
  if (avail < 40) return PARSE_TRUNCATED_L3;
  const payload = be16At(l3 + 4);
  if (payload + 40 > avail) return PARSE_TRUNCATED_L3;
  const ipEnd = l3 + 40 + payload;
  store<u32>(rec, ipEnd, PARSED_IP_END);
  store<u8>(rec, <u8>u8At(l3 + 7), PARSED_TTL);
  memory.copy(rec + PARSED_SRC, bytesAt(l3 + 8, 32), 32); // source and destination, adjacent in both
  walkIPv6Chain(l3 + 40, u8At(l3 + 6), ipEnd);
  store<u8>(rec, <u8>walkNext, PARSED_PROTOCOL);
  let fragFlags: u32 = 0;
  if (walkFragment) {
    fragFlags = FRAG_HEADER;
    store<u32>(rec, walkFragId, PARSED_FRAG_ID);
    store<u16>(rec, <u16>walkFragOffset, PARSED_FRAG_OFFSET);
    if (walkMore || walkFragOffset != 0) {
      fragFlags |= FRAG_IS_FRAGMENT;
      if (walkMore) fragFlags |= FRAG_MORE;
      if (walkFragOffset == 0) fragFlags |= FRAG_FIRST;
    }
    store<u8>(rec, <u8>fragFlags, PARSED_FRAG_FLAGS);
  }
  if (walkReason != PARSE_OK) return walkReason;
  if (walkFragment) {
    // RFC 8200 §4.5: at most 65535 reassembled bytes; non-last fragments in 8-byte units.
    const data = ipEnd - walkOffset;
    if (walkFragOffset + data > 0xffff || (walkMore && (data & 7) != 0)) return PARSE_BAD_FRAGMENT;
    if (walkFragOffset > 0) {
      store<u16>(rec, <u16>data, PARSED_PAYLOAD_LENGTH);
      return PARSE_OK;
    }
  }
  return parseL4(rec, walkOffset, ipEnd, walkNext, 6, fragFlags);
}

function parseL4(rec: usize, l4: u32, ipEnd: u32, protocol: u32, family: u32, fragFlags: u32): u32 {
  store<u16>(rec, <u16>l4, PARSED_L4_OFFSET);
  const avail = ipEnd - l4;
  if (protocol == PROTO_TCP) {
    if (avail < 20) return PARSE_TRUNCATED_L4;
    store<u16>(rec, <u16>be16At(l4), PARSED_SRC_PORT);
    store<u16>(rec, <u16>be16At(l4 + 2), PARSED_DST_PORT);
    store<u32>(rec, be32At(l4 + 4), PARSED_L4_WORD);
    store<u8>(rec, <u8>u8At(l4 + 13), PARSED_TCP_FLAGS);
    const dataOffset = (u8At(l4 + 12) >> 4) << 2;
    if (dataOffset < 20 || dataOffset > avail) return PARSE_BAD_TCP_OFFSET;
    store<u16>(rec, <u16>(avail - dataOffset), PARSED_PAYLOAD_LENGTH);
    return PARSE_OK;
  }
  if (protocol == PROTO_UDP) {
    if (avail < 8) return PARSE_TRUNCATED_L4;
    store<u16>(rec, <u16>be16At(l4), PARSED_SRC_PORT);
    store<u16>(rec, <u16>be16At(l4 + 2), PARSED_DST_PORT);
    const udpLength = be16At(l4 + 4);
    if (udpLength < 8 || (udpLength > avail && (fragFlags & FRAG_IS_FRAGMENT) == 0)) return PARSE_BAD_UDP_LENGTH;
    store<u16>(rec, <u16>(avail - 8), PARSED_PAYLOAD_LENGTH);
    return PARSE_OK;
  }
  if (protocol == PROTO_SCTP) {
    if (avail < 12) return PARSE_TRUNCATED_L4;
    store<u16>(rec, <u16>be16At(l4), PARSED_SRC_PORT);
    store<u16>(rec, <u16>be16At(l4 + 2), PARSED_DST_PORT);
    store<u32>(rec, be32At(l4 + 4), PARSED_L4_WORD);
    store<u16>(rec, <u16>(avail - 12), PARSED_PAYLOAD_LENGTH);
    return PARSE_OK;
  }
  if (protocol == icmpProtocolOf(family)) {
    if (avail < 8) return PARSE_TRUNCATED_L4;
    const type = u8At(l4);
    store<u8>(rec, <u8>type, PARSED_ICMP_TYPE);
    store<u8>(rec, <u8>u8At(l4 + 1), PARSED_ICMP_CODE);
    store<u32>(rec, be32At(l4 + 4), PARSED_L4_WORD);
    store<u16>(rec, <u16>(avail - 8), PARSED_PAYLOAD_LENGTH);
    if (isIcmpQuery(family, type)) {
      const id = be16At(l4 + 4);
      store<u16>(rec, <u16>id, PARSED_SRC_PORT);
      store<u16>(rec, <u16>id, PARSED_DST_PORT);
      return PARSE_OK;
    }
    if (isIcmpError(family, type) && !parseEmbedded(rec, l4 + 8, ipEnd, family)) return PARSE_BAD_ICMP_EMBEDDED;
    return PARSE_OK;
  }
  store<u16>(rec, <u16>avail, PARSED_PAYLOAD_LENGTH);
  return PARSE_OK;
}

/**
 * The packet inside an ICMP error, from `start` to the outer packet's `end`, into the
 * record's second half. False (and that half zeroed) when its addresses, or the ports of
 * TCP/UDP/SCTP, are not all there.
 */
function parseEmbedded(rec: usize, start: u32, end: u32, family: u32): bool {
  const avail = end - start;
  let l4: u32;
  let protocol: u32;
  let flags: u32 = INNER_PRESENT;
  store<u16>(rec, <u16>start, PARSED_INNER_L3_OFFSET);
  if (family == 4) {
    if (avail < 20 || (u8At(start) >> 4) != 4) return embeddedFailed(rec);
    const ihl = (u8At(start) & 15) << 2;
    if (ihl < 20 || ihl > avail) return embeddedFailed(rec);
    protocol = u8At(start + 9);
    store<u32>(rec, be32At(start + 12), PARSED_INNER_SRC);
    store<u32>(rec, be32At(start + 16), PARSED_INNER_DST);
    if ((be16At(start + 6) & 0x1fff) != 0) return embeddedDone(rec, flags | INNER_LATER_FRAGMENT, protocol);
    l4 = start + ihl;
  } else {
    if (avail < 40 || (u8At(start) >> 4) != 6) return embeddedFailed(rec);
    memory.copy(rec + PARSED_INNER_SRC, bytesAt(start + 8, 32), 32);
    walkIPv6Chain(start + 40, u8At(start + 6), end);
    if (walkReason != PARSE_OK) return embeddedFailed(rec);
    protocol = walkNext;
    if (walkFragOffset > 0) return embeddedDone(rec, flags | INNER_LATER_FRAGMENT, protocol);
    l4 = walkOffset;
  }
  store<u16>(rec, <u16>l4, PARSED_INNER_L4_OFFSET);
  const rest = end - l4;
  if (protocol == PROTO_TCP || protocol == PROTO_UDP || protocol == PROTO_SCTP) {
    if (rest < 4) return embeddedFailed(rec);
    store<u16>(rec, <u16>be16At(l4), PARSED_INNER_SRC_PORT);
    store<u16>(rec, <u16>be16At(l4 + 2), PARSED_INNER_DST_PORT);
    flags |= INNER_PORTS;
  } else if (protocol == icmpProtocolOf(family) && rest >= 8 && isIcmpQuery(family, u8At(l4))) {
    const id = be16At(l4 + 4);
    store<u16>(rec, <u16>id, PARSED_INNER_SRC_PORT);
    store<u16>(rec, <u16>id, PARSED_INNER_DST_PORT);
    flags |= INNER_PORTS;
  }
  return embeddedDone(rec, flags, protocol);
}

function embeddedDone(rec: usize, flags: u32, protocol: u32): bool {
  store<u8>(rec, <u8>flags, PARSED_INNER_FLAGS);
  store<u8>(rec, <u8>protocol, PARSED_INNER_PROTOCOL);
  return true;
}

function embeddedFailed(rec: usize): bool {
  memory.fill(rec + PARSED_INNER_FLAGS, 0, PARSED_BYTES - PARSED_INNER_FLAGS);
  return false;
}

// ---------------------------------------------------------------------------------------
// Checksum verification

/**
 * Checksum states of a parsed frame: the IPv4 header (bits 0–1) and the L4 checksum
 * (bits 2–3), CHECKSUM_*. 0 for a dropped packet. See sdk/packet/parse.ts `verifyChecksums`.
 */
export function frameChecksums(ptr: usize, length: u32, rec: usize): u32 {
  if (load<u8>(rec, PARSED_REASON) != PARSE_OK) return 0;
  frame = ptr;
  frameLength = length;
  const family = <u32>load<u8>(rec, PARSED_FAMILY);
  const l3 = <u32>load<u16>(rec, PARSED_L3_OFFSET);
  const end = load<u32>(rec, PARSED_IP_END);
  if (end > length) return 0;
  let l3State = CHECKSUM_ABSENT;
  if (family == 4) {
    const ihl = (u8At(l3) & 15) << 2;
    l3State = ipv4HeaderValid(bytesAt(l3, ihl), ihl) ? CHECKSUM_VALID : CHECKSUM_BAD;
  }
  const l4State = l4ChecksumState(
    family, l3, <u32>load<u16>(rec, PARSED_L4_OFFSET), end,
    <u32>load<u8>(rec, PARSED_PROTOCOL), <u32>load<u8>(rec, PARSED_FRAG_FLAGS),
  );
  return l3State | (l4State << 2);
}

// @ts-ignore: decorator
@inline function sumState(check: u32): u32 {
  return check == 0 ? CHECKSUM_VALID : CHECKSUM_BAD;
}

/** Pseudo-header sum from the frame's own addresses. */
// @ts-ignore: decorator
@inline function framePseudoSum(family: u32, l3: u32, protocol: u32, length: u32): u32 {
  return family == 4
    ? pseudoHeaderSum(bytesAt(l3 + 12, 8), 8, protocol, length)
    : pseudoHeaderSum(bytesAt(l3 + 8, 32), 32, protocol, length);
}

const zeroWord: usize = memory.data(4, 4);

/** CRC32c of the SCTP packet [l4, end) with its checksum field taken as zero. */
function sctpCrc(l4: u32, end: u32): u32 {
  let crc = crc32cUpdate(0xffff_ffff, bytesAt(l4, 8), 8);
  crc = crc32cUpdate(crc, zeroWord, 4);
  crc = crc32cUpdate(crc, bytesAt(l4 + 12, end - l4 - 12), end - l4 - 12);
  return ~crc;
}

function l4ChecksumState(family: u32, l3: u32, l4: u32, end: u32, protocol: u32, fragFlags: u32): u32 {
  if (l4 == 0 || (fragFlags & FRAG_IS_FRAGMENT) != 0) return CHECKSUM_ABSENT;
  if (protocol == PROTO_TCP) {
    return sumState(internetChecksum(bytesAt(l4, end - l4), end - l4, framePseudoSum(family, l3, PROTO_TCP, end - l4)));
  }
  if (protocol == PROTO_UDP) {
    if (be16At(l4 + 6) == 0) return family == 4 ? CHECKSUM_ABSENT : CHECKSUM_BAD;
    const udpLength = be16At(l4 + 4);
    return sumState(internetChecksum(bytesAt(l4, udpLength), udpLength, framePseudoSum(family, l3, PROTO_UDP, udpLength)));
  }
  if (protocol == PROTO_SCTP) {
    return sctpCrc(l4, end) == load<u32>(bytesAt(l4 + 8, 4)) ? CHECKSUM_VALID : CHECKSUM_BAD;
  }
  if (protocol == PROTO_ICMP && family == 4) return sumState(internetChecksum(bytesAt(l4, end - l4), end - l4, 0));
  if (protocol == PROTO_ICMPV6 && family == 6) {
    return sumState(internetChecksum(bytesAt(l4, end - l4), end - l4, framePseudoSum(6, l3, PROTO_ICMPV6, end - l4)));
  }
  return CHECKSUM_ABSENT;
}

// ---------------------------------------------------------------------------------------
// NAT rewrite

/**
 * Writes a new address from the rewrite record (`value`: 4 bytes host order for IPv4, 16
 * bytes network order for IPv6) at frame offset `at`; returns the checksum delta.
 */
function replaceAddress(at: u32, value: usize, family: u32): u32 {
  if (family == 4) {
    const old = be32At(at);
    const next = load<u32>(value);
    assert(<u64>at + 4 <= <u64>frameLength, "packet write past the frame");
    store<u32>(frame + at, bswap<u32>(next));
    return wordDelta(old >>> 16, next >>> 16) + wordDelta(old & 0xffff, next & 0xffff);
  }
  let delta: u32 = 0;
  for (let i: u32 = 0; i < 16; i += 2) {
    delta += wordDelta(be16At(at + i), <u32>bswap<u16>(load<u16>(value + i)));
  }
  memory.copy(frame + at, value, 16);
  return delta;
}

/** Replaces the 16-bit word at `at`; returns the checksum delta. */
function replaceWord(at: u32, value: u32): u32 {
  const delta = wordDelta(be16At(at), value);
  putBE16(at, value);
  return delta;
}

/** Applies `delta` to the checksum at `at`; returns the delta of that word itself. */
function fixChecksum(at: u32, delta: u32, udp: bool): u32 {
  const old = be16At(at);
  let next = applyDelta(old, delta);
  if (udp && next == 0) next = 0xffff;
  putBE16(at, next);
  return wordDelta(old, next);
}

// @ts-ignore: decorator
@inline function l4Needed(protocol: u32, family: u32): u32 {
  if (protocol == PROTO_TCP) return 20;
  if (protocol == PROTO_UDP || protocol == icmpProtocolOf(family)) return 8;
  if (protocol == PROTO_SCTP) return 12;
  return 0;
}

/** Every offset the rewrite will touch lies inside the frame (checked before any write). */
function recordFits(rec: usize, length: u32, embedded: bool): bool {
  const family = <u32>load<u8>(rec, PARSED_FAMILY);
  if (family != 4 && family != 6) return false;
  const header: u32 = family == 4 ? 20 : 40;
  const end = load<u32>(rec, PARSED_IP_END);
  const l3 = <u32>load<u16>(rec, PARSED_L3_OFFSET);
  if (end > length || l3 + header > end) return false;
  const l4 = <u32>load<u16>(rec, PARSED_L4_OFFSET);
  if (l4 == 0) return true;
  if (l4 < l3 + header || l4 + l4Needed(<u32>load<u8>(rec, PARSED_PROTOCOL), family) > end) return false;
  if (!embedded) return true;
  const innerL3 = <u32>load<u16>(rec, PARSED_INNER_L3_OFFSET);
  if (innerL3 < l4 + 8 || innerL3 + header > end) return false;
  if ((<u32>load<u8>(rec, PARSED_INNER_FLAGS) & INNER_PORTS) == 0) return true;
  const innerL4 = <u32>load<u16>(rec, PARSED_INNER_L4_OFFSET);
  const innerIcmp = <u32>load<u8>(rec, PARSED_INNER_PROTOCOL) == icmpProtocolOf(family);
  return innerL4 >= innerL3 + header && innerL4 + (innerIcmp ? 8 : 4) <= end;
}

/**
 * Rewrites the frame [ptr, ptr + length), parsed into `rec`, as the rewrite record `rw`
 * asks; returns NAT_* result bits (0 = done as asked). Writes only inside the frame.
 */
export function rewriteFrame(ptr: usize, length: u32, rec: usize, rw: usize): u32 {
  if (load<u8>(rec, PARSED_REASON) != PARSE_OK) return NAT_NOT_PARSED;
  const flags = <u32>load<u8>(rw, REWRITE_FLAGS);
  if (flags == 0) return 0;
  frame = ptr;
  frameLength = length;
  const family = <u32>load<u8>(rec, PARSED_FAMILY);
  const protocol = <u32>load<u8>(rec, PARSED_PROTOCOL);
  const l4 = <u32>load<u16>(rec, PARSED_L4_OFFSET);
  const icmpType = <u32>load<u8>(rec, PARSED_ICMP_TYPE);
  const isIcmp = protocol == icmpProtocolOf(family) && l4 != 0;
  const embedded = (flags & NAT_INNER_ALL) != 0 && isIcmp && isIcmpError(family, icmpType) &&
    (<u32>load<u8>(rec, PARSED_INNER_FLAGS) & INNER_PRESENT) != 0;
  if (!recordFits(rec, length, embedded)) return NAT_BAD_RECORD;

  let result: u32 = 0;
  const l3 = <u32>load<u16>(rec, PARSED_L3_OFFSET);
  let addressDelta: u32 = 0;
  if ((flags & NAT_SRC_ADDR) != 0) addressDelta += replaceAddress(l3 + (family == 4 ? 12 : 8), rw + REWRITE_SRC, family);
  if ((flags & NAT_DST_ADDR) != 0) addressDelta += replaceAddress(l3 + (family == 4 ? 16 : 24), rw + REWRITE_DST, family);
  if (family == 4 && (flags & (NAT_SRC_ADDR | NAT_DST_ADDR)) != 0) fixChecksum(l3 + 10, addressDelta, false);

  const wantsPorts = (flags & (NAT_SRC_PORT | NAT_DST_PORT)) != 0;
  if ((flags & NAT_INNER_ALL) != 0 && !embedded) result |= NAT_EMBEDDED_IGNORED;
  if (l4 == 0) return result | (wantsPorts ? NAT_PORTS_IGNORED : 0);
  const end = load<u32>(rec, PARSED_IP_END);
  const fragment = (<u32>load<u8>(rec, PARSED_FRAG_FLAGS) & FRAG_IS_FRAGMENT) != 0;
  const srcPort = <u32>load<u16>(rw, REWRITE_SRC_PORT);
  const dstPort = <u32>load<u16>(rw, REWRITE_DST_PORT);

  if (protocol == PROTO_TCP || protocol == PROTO_UDP || protocol == PROTO_SCTP) {
    let portDelta: u32 = 0;
    if ((flags & NAT_SRC_PORT) != 0) portDelta += replaceWord(l4, srcPort);
    if ((flags & NAT_DST_PORT) != 0) portDelta += replaceWord(l4 + 2, dstPort);
    if (protocol == PROTO_TCP) {
      fixChecksum(l4 + 16, addressDelta + portDelta, false);
    } else if (protocol == PROTO_UDP) {
      if (be16At(l4 + 6) != 0) {
        fixChecksum(l4 + 6, addressDelta + portDelta, true);
      } else if (family == 6) {
        const udpLength = be16At(l4 + 4);
        if (fragment || l4 + udpLength > end) {
          result |= NAT_CHECKSUM_STALE;
        } else {
          let sum = internetChecksum(bytesAt(l4, udpLength), udpLength, framePseudoSum(6, l3, PROTO_UDP, udpLength));
          if (sum == 0) sum = 0xffff;
          putBE16(l4 + 6, sum);
        }
      }
    } else if (wantsPorts) {
      if (fragment) {
        result |= NAT_CHECKSUM_STALE;
      } else {
        const crc = sctpCrc(l4, end);
        assert(<u64>l4 + 12 <= <u64>frameLength, "packet write past the frame");
        store<u32>(frame + l4 + 8, crc); // least significant byte first (RFC 4960 App. B)
      }
    }
    return result;
  }

  if (isIcmp) {
    let icmpDelta: u32 = family == 6 ? addressDelta : 0;
    if (isIcmpQuery(family, icmpType)) {
      if (wantsPorts) icmpDelta += replaceWord(l4 + 4, (flags & NAT_SRC_PORT) != 0 ? srcPort : dstPort);
    } else if (wantsPorts) {
      result |= NAT_PORTS_IGNORED;
    }
    if (embedded) icmpDelta += rewriteEmbedded(rec, rw, flags, family, end);
    fixChecksum(l4 + 2, icmpDelta, false);
    return result;
  }
  return result | (wantsPorts ? NAT_PORTS_IGNORED : 0);
}

/** Translates the packet inside an ICMP error; returns the delta of every word it changed. */
function rewriteEmbedded(rec: usize, rw: usize, flags: u32, family: u32, end: u32): u32 {
  const l3 = <u32>load<u16>(rec, PARSED_INNER_L3_OFFSET);
  let outerDelta: u32 = 0;
  let addressDelta: u32 = 0;
  if ((flags & NAT_INNER_SRC_ADDR) != 0) addressDelta += replaceAddress(l3 + (family == 4 ? 12 : 8), rw + REWRITE_DST, family);
  if ((flags & NAT_INNER_DST_ADDR) != 0) addressDelta += replaceAddress(l3 + (family == 4 ? 16 : 24), rw + REWRITE_SRC, family);
  outerDelta += addressDelta;
  if (family == 4 && (flags & (NAT_INNER_SRC_ADDR | NAT_INNER_DST_ADDR)) != 0) outerDelta += fixChecksum(l3 + 10, addressDelta, false);
  if ((<u32>load<u8>(rec, PARSED_INNER_FLAGS) & INNER_PORTS) == 0) return outerDelta;

  const l4 = <u32>load<u16>(rec, PARSED_INNER_L4_OFFSET);
  const protocol = <u32>load<u8>(rec, PARSED_INNER_PROTOCOL);
  const srcPort = <u32>load<u16>(rw, REWRITE_SRC_PORT);
  const dstPort = <u32>load<u16>(rw, REWRITE_DST_PORT);
  let portDelta: u32 = 0;
  if (protocol == icmpProtocolOf(family)) {
    // An embedded echo: its identifier plays both ports.
    if ((flags & (NAT_INNER_SRC_PORT | NAT_INNER_DST_PORT)) != 0) {
      portDelta = replaceWord(l4 + 4, (flags & NAT_INNER_SRC_PORT) != 0 ? dstPort : srcPort);
    }
    outerDelta += portDelta;
    outerDelta += fixChecksum(l4 + 2, (family == 6 ? addressDelta : 0) + portDelta, false);
    return outerDelta;
  }
  if ((flags & NAT_INNER_SRC_PORT) != 0) portDelta += replaceWord(l4, dstPort);
  if ((flags & NAT_INNER_DST_PORT) != 0) portDelta += replaceWord(l4 + 2, srcPort);
  outerDelta += portDelta;
  if (protocol == PROTO_TCP && l4 + 20 <= end) {
    outerDelta += fixChecksum(l4 + 16, addressDelta + portDelta, false);
  } else if (protocol == PROTO_UDP && l4 + 8 <= end && be16At(l4 + 6) != 0) {
    outerDelta += fixChecksum(l4 + 6, addressDelta + portDelta, true);
  }
  return outerDelta;
}

// ---------------------------------------------------------------------------------------
// ICMP / ICMPv6 port unreachable (see sdk/packet/icmp.ts for the rules)

function unreachableRefusal(rec: usize, linkType: u32, flags: u32): i32 {
  if (load<u8>(rec, PARSED_REASON) != PARSE_OK) return UNREACH_NOT_PARSED;
  const fragFlags = <u32>load<u8>(rec, PARSED_FRAG_FLAGS);
  if ((fragFlags & FRAG_IS_FRAGMENT) != 0 && load<u16>(rec, PARSED_FRAG_OFFSET) > 0) return UNREACH_LATER_FRAGMENT;
  const l3 = <u32>load<u16>(rec, PARSED_L3_OFFSET);
  const family = <u32>load<u8>(rec, PARSED_FAMILY);
  const protocol = <u32>load<u8>(rec, PARSED_PROTOCOL);
  const icmpType = <u32>load<u8>(rec, PARSED_ICMP_TYPE);
  if (family == 4) {
    if (protocol == PROTO_ICMP && (isIcmpError(4, icmpType) || icmpType > 18)) return UNREACH_ICMP_ERROR;
    const top = be32At(l3 + 12) >>> 24;
    if (top == 0 || top >= 224) return UNREACH_SOURCE_NOT_UNICAST;
    if ((be32At(l3 + 16) >>> 28) >= 0xe) return UNREACH_DESTINATION_NOT_UNICAST;
  } else {
    if (protocol == PROTO_ICMPV6 && (icmpType < 128 || icmpType == 137)) return UNREACH_ICMP_ERROR;
    const source = bytesAt(l3 + 8, 16);
    if (load<u8>(source) == 0xff || (load<u64>(source) | load<u64>(source, 8)) == 0) return UNREACH_SOURCE_NOT_UNICAST;
    if (u8At(l3 + 24) == 0xff) return UNREACH_DESTINATION_NOT_UNICAST;
  }
  if (linkType == LINKTYPE_ETHERNET && (u8At(0) & 1) != 0) return UNREACH_DESTINATION_NOT_UNICAST;
  if ((flags & UNREACH_SKIP_CHECKSUM_CHECK) == 0 && protocol != PROTO_SCTP) {
    const l4 = <u32>load<u16>(rec, PARSED_L4_OFFSET);
    const zeroUdp = protocol == PROTO_UDP && be16At(l4 + 6) == 0;
    if (!zeroUdp && l4ChecksumState(family, l3, l4, load<u32>(rec, PARSED_IP_END), protocol, fragFlags) == CHECKSUM_BAD) {
      return UNREACH_BAD_CHECKSUM;
    }
  }
  return 0;
}

/**
 * Writes the port unreachable for the frame [ptr, ptr + length) (parsed into `rec`,
 * captured on `linkType`) at [out, out + capacity). Returns its length or a negated
 * UNREACH_* code. `out` must not overlap the frame (the export checks).
 */
export function buildUnreachableFrame(ptr: usize, length: u32, linkType: u32, rec: usize, out: usize, capacity: u32, flags: u32): i32 {
  frame = ptr;
  frameLength = length;
  const refusal = unreachableRefusal(rec, linkType, flags);
  if (refusal != 0) return -refusal;
  const l3 = <u32>load<u16>(rec, PARSED_L3_OFFSET);
  const family = <u32>load<u8>(rec, PARSED_FAMILY);
  const original = load<u32>(rec, PARSED_IP_END) - l3;
  const link: u32 = linkType == LINKTYPE_ETHERNET ? l3 : 0;
  const quote = family == 4
    ? (original < ICMP4_QUOTE_MAX ? original : ICMP4_QUOTE_MAX)
    : (original < ICMP6_QUOTE_MAX ? original : ICMP6_QUOTE_MAX);
  const total = link + (family == 4 ? 28 : 48) + quote;
  if (total > capacity) return -UNREACH_NO_ROOM;
  if (link != 0) {
    memory.copy(out, bytesAt(6, 6), 6);
    memory.copy(out + 6, bytesAt(0, 6), 6);
    memory.copy(out + 12, bytesAt(12, l3 - 12), l3 - 12);
  }
  const o = out + link;
  if (family == 4) {
    memory.fill(o, 0, 28);
    store<u8>(o, 0x45);
    store<u8>(o, <u8>((u8At(l3 + 1) & 0x1e) | 0xc0), 1);
    store<u16>(o, bswap<u16>(<u16>(28 + quote)), 2);
    store<u8>(o, 64, 8);
    store<u8>(o, <u8>PROTO_ICMP, 9);
    store<u32>(o, load<u32>(bytesAt(l3 + 16, 4)), 12);
    store<u32>(o, load<u32>(bytesAt(l3 + 12, 4)), 16);
    store<u16>(o, bswap<u16>(<u16>internetChecksum(o, 20, 0)), 10);
    store<u8>(o, 3, 20);
    store<u8>(o, 3, 21);
    memory.copy(o + 28, bytesAt(l3, quote), quote);
    store<u16>(o, bswap<u16>(<u16>internetChecksum(o + 20, 8 + quote, 0)), 22);
  } else {
    memory.fill(o, 0, 48);
    store<u8>(o, 0x60);
    store<u16>(o, bswap<u16>(<u16>(8 + quote)), 4);
    store<u8>(o, <u8>PROTO_ICMPV6, 6);
    store<u8>(o, 64, 7);
    memory.copy(o + 8, bytesAt(l3 + 24, 16), 16);
    memory.copy(o + 24, bytesAt(l3 + 8, 16), 16);
    store<u8>(o, 1, 40);
    store<u8>(o, 4, 41);
    memory.copy(o + 48, bytesAt(l3, quote), quote);
    const pseudo = pseudoHeaderSum(o + 8, 32, PROTO_ICMPV6, 8 + quote);
    store<u16>(o, bswap<u16>(<u16>internetChecksum(o + 40, 8 + quote, pseudo)), 42);
  }
  return <i32>total;
}

// ---------------------------------------------------------------------------------------
// Regions and batch kernels (exports in index.ts)

export let packetArea: usize = 0;
export let packetAreaBytes: u32 = 0;
export let descriptors: usize = 0;
export let parsedRecords: usize = 0;
export let rewriteRecords: usize = 0;
export let packetCapacity: u32 = 0;
export const replyBuffer: usize = memory.data(PACKET_REPLY_BYTES, 16);

/** Grows the regions to `count` records and `bytes` of packet area (contents are not kept). */
export function reserveRegions(count: u32, bytes: u32): i32 {
  if (count > PACKET_MAX_RECORDS || bytes > PACKET_MAX_AREA_BYTES) return ST_BATCH_TOO_LARGE;
  if (count <= packetCapacity && bytes <= packetAreaBytes) return ST_OK;
  if (count < packetCapacity) count = packetCapacity;
  if (bytes < packetAreaBytes) bytes = packetAreaBytes;
  if (packetArea != 0) {
    heap.free(rewriteRecords);
    heap.free(parsedRecords);
    heap.free(descriptors);
    heap.free(packetArea);
  }
  packetArea = heap.alloc(<usize>bytes);
  descriptors = heap.alloc(<usize>count * FRAME_DESC_BYTES);
  memory.fill(descriptors, 0, <usize>count * FRAME_DESC_BYTES);
  parsedRecords = heap.alloc(<usize>count * PARSED_BYTES);
  memory.fill(parsedRecords, 0, <usize>count * PARSED_BYTES);
  rewriteRecords = heap.alloc(<usize>count * REWRITE_BYTES);
  memory.fill(rewriteRecords, 0, <usize>count * REWRITE_BYTES);
  packetAreaBytes = bytes;
  packetCapacity = count;
  return ST_OK;
}

/** Descriptor i's frame, or false when it is not wholly inside the packet area. */
// @ts-ignore: decorator
@inline function descriptorFits(desc: usize): bool {
  return <u64>load<u32>(desc, FRAME_OFFSET) + <u64>load<u32>(desc, FRAME_LENGTH) <= <u64>packetAreaBytes;
}

/** Parses frames 0..count-1 (count ≤ packetCapacity, checked by the export); returns how many are usable. */
export function parseBatch(count: u32, flags: u32): u32 {
  const area = packetArea;
  let usable: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const desc = descriptors + <usize>i * FRAME_DESC_BYTES;
    const rec = parsedRecords + <usize>i * PARSED_BYTES;
    if (!descriptorFits(desc)) {
      memory.fill(rec, 0, PARSED_BYTES);
      store<u8>(rec, <u8>PARSE_BAD_DESCRIPTOR, PARSED_REASON);
      continue;
    }
    const reason = parseFrame(
      area + load<u32>(desc, FRAME_OFFSET), load<u32>(desc, FRAME_LENGTH),
      <u32>load<u16>(desc, FRAME_LINK_TYPE), flags, rec,
    );
    usable += <u32>(reason == PARSE_OK);
  }
  return usable;
}

/** Rewrites frames 0..count-1 as their rewrite records ask; each result goes to its record. */
export function natBatch(count: u32): void {
  const area = packetArea;
  for (let i: u32 = 0; i < count; i++) {
    const desc = descriptors + <usize>i * FRAME_DESC_BYTES;
    const rec = parsedRecords + <usize>i * PARSED_BYTES;
    const rw = rewriteRecords + <usize>i * REWRITE_BYTES;
    let result: u32;
    if (load<u8>(rec, PARSED_REASON) != PARSE_OK) result = NAT_NOT_PARSED;
    else if (!descriptorFits(desc)) result = NAT_BAD_RECORD;
    else result = rewriteFrame(area + load<u32>(desc, FRAME_OFFSET), load<u32>(desc, FRAME_LENGTH), rec, rw);
    store<u8>(rw, <u8>result, REWRITE_RESULT);
  }
}

/** The unreachable for frame `index` into [out, out + capacity), which must be inside memory and apart from the frame. */
export function unreachableAt(index: u32, out: usize, capacity: u32, flags: u32): i32 {
  if (index >= packetCapacity) return -UNREACH_BAD_INDEX;
  const desc = descriptors + <usize>index * FRAME_DESC_BYTES;
  const rec = parsedRecords + <usize>index * PARSED_BYTES;
  if (load<u8>(rec, PARSED_REASON) != PARSE_OK) return -UNREACH_NOT_PARSED;
  if (!descriptorFits(desc)) return -UNREACH_NOT_PARSED;
  const ptr = packetArea + load<u32>(desc, FRAME_OFFSET);
  const length = load<u32>(desc, FRAME_LENGTH);
  const memoryEnd = <u64>memory.size() << 16;
  if (<u64>out + <u64>capacity > memoryEnd) return -UNREACH_NO_ROOM;
  if (<u64>out < <u64>ptr + <u64>length && <u64>ptr < <u64>out + <u64>capacity) return -UNREACH_NO_ROOM;
  return buildUnreachableFrame(ptr, length, <u32>load<u16>(desc, FRAME_LINK_TYPE), rec, out, capacity, flags);
}

/** Checksum states of frame `index` (0 for an index beyond the records or a dropped packet). */
export function checksumsAt(index: u32): u32 {
  if (index >= packetCapacity) return 0;
  const desc = descriptors + <usize>index * FRAME_DESC_BYTES;
  if (!descriptorFits(desc)) return 0;
  return frameChecksums(packetArea + load<u32>(desc, FRAME_OFFSET), load<u32>(desc, FRAME_LENGTH), parsedRecords + <usize>index * PARSED_BYTES);
}

export function regionBytes(): usize {
  return <usize>packetAreaBytes + <usize>packetCapacity * (FRAME_DESC_BYTES + PARSED_BYTES + REWRITE_BYTES);
}
