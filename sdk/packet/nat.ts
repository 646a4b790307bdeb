/**
 * NAT rewrite in place, plain TypeScript (browser-safe): the reference for the wasm
 * kernel `natPackets` (assembly/packet.ts). Addresses and ports change; every checksum
 * that covers them is updated incrementally (RFC 1624 eqn. 3), so a corrupt checksum stays
 * corrupt, as in Linux's `nf_nat_*_manip_pkt`:
 *
 * - IPv4 header checksum: address changes.
 * - TCP (offset 16) and UDP (offset 6): address changes (pseudo-header) and port changes.
 *   UDP over IPv4 with checksum 0 (none) keeps 0; an updated UDP checksum that comes out
 *   0 is sent as 0xFFFF (RFC 768). UDP over IPv6 with checksum 0 (invalid, RFC 8200 §8.1)
 *   gets a full checksum when the datagram is whole, and stays 0 (CHECKSUM_STALE) in a
 *   fragment.
 * - SCTP: no pseudo-header, so address changes leave it; a port change recomputes the
 *   CRC32c over the whole SCTP packet (RFC 4960 App. B), impossible in a fragment
 *   (CHECKSUM_STALE).
 * - ICMP/ICMPv6 echo-like messages: the identifier takes the new source port (else the
 *   new destination port); ICMPv6's checksum also follows the address change.
 * - ICMP errors: with the NAT_INNER_* flags the embedded packet is translated too, as
 *   Linux's `nf_nat_icmp_reply_translation` does. The embedded packet travels the other
 *   way, so its source takes the record's destination and its destination the record's
 *   source. Its IPv4 header checksum and its UDP checksum (or TCP checksum, when the
 *   whole 20-byte TCP header is embedded — Linux's rule) are updated, and the outer ICMP
 *   checksum follows every word changed inside the message. An embedded SCTP CRC cannot
 *   be recomputed from a truncated packet and is left as it is.
 * - A non-first fragment has no L4 header: only the addresses change (PORTS_IGNORED).
 *
 * The parsed record is not updated: it keeps describing the packet as received.
 */

import {
  applyChecksumDelta,
  crc32c,
  internetChecksum,
  pseudoHeaderSum,
  readBE16,
  readBE32,
  wordDelta,
  writeBE16,
  writeBE32,
} from './checksum.js';
import {
  FRAG_IS_FRAGMENT,
  INNER_PORTS,
  INNER_PRESENT,
  type IpAddress,
  type ParsedPacket,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_SCTP,
  PROTO_TCP,
  PROTO_UDP,
  REASON_OK,
  isIcmpError,
  isIcmpQuery,
} from './parse.js';

// Rewrite flags (record byte 0).
export const NAT_SRC_ADDR = 0x01;
export const NAT_SRC_PORT = 0x02;
export const NAT_DST_ADDR = 0x04;
export const NAT_DST_PORT = 0x08;
/** ICMP errors: the embedded packet's source address ← the record's destination address. */
export const NAT_INNER_SRC_ADDR = 0x10;
/** ICMP errors: the embedded packet's source port ← the record's destination port. */
export const NAT_INNER_SRC_PORT = 0x20;
/** ICMP errors: the embedded packet's destination address ← the record's source address. */
export const NAT_INNER_DST_ADDR = 0x40;
/** ICMP errors: the embedded packet's destination port ← the record's source port. */
export const NAT_INNER_DST_PORT = 0x80;
export const NAT_INNER_ALL = 0xf0;

// Result bits (record byte 1); 0 = everything asked for was done.
/** Ports were asked for but the packet has none here (non-first fragment, ICMP error, other protocols). */
export const NAT_PORTS_IGNORED = 0x01;
/** NAT_INNER_* was asked for but the packet is no ICMP error with an embedded packet. */
export const NAT_EMBEDDED_IGNORED = 0x02;
/** A checksum could not be updated (SCTP or zero-checksum UDP over IPv6 in a fragment). */
export const NAT_CHECKSUM_STALE = 0x04;
/** The parsed record does not fit the packet; nothing was written. */
export const NAT_BAD_RECORD = 0x40;
/** The packet was dropped by the parser (reason ≠ 0); nothing was written. */
export const NAT_NOT_PARSED = 0x80;

// Rewrite record (mirror of layout.ts, "Raw packets").
export const REWRITE_RECORD_BYTES = 48;
export const REWRITE_FLAGS = 0;
export const REWRITE_RESULT = 1;
export const REWRITE_SRC_PORT = 4;
export const REWRITE_DST_PORT = 6;
export const REWRITE_SRC = 8;
export const REWRITE_DST = 24;

/** New addresses and ports; only the fields selected by `flags` are used. */
export interface NatRewrite {
  flags: number;
  src: IpAddress;
  srcPort: number;
  dst: IpAddress;
  dstPort: number;
}

/** A rewrite from optional fields: each given field sets its flag. `embedded` adds the mirrored NAT_INNER_* flags. */
export function natRewrite(fields: { src?: IpAddress; srcPort?: number; dst?: IpAddress; dstPort?: number; embedded?: boolean }): NatRewrite {
  let flags = 0;
  if (fields.src !== undefined) flags |= NAT_SRC_ADDR | (fields.embedded ? NAT_INNER_DST_ADDR : 0);
  if (fields.srcPort !== undefined) flags |= NAT_SRC_PORT | (fields.embedded ? NAT_INNER_DST_PORT : 0);
  if (fields.dst !== undefined) flags |= NAT_DST_ADDR | (fields.embedded ? NAT_INNER_SRC_ADDR : 0);
  if (fields.dstPort !== undefined) flags |= NAT_DST_PORT | (fields.embedded ? NAT_INNER_SRC_PORT : 0);
  return { flags, src: fields.src ?? 0, srcPort: fields.srcPort ?? 0, dst: fields.dst ?? 0, dstPort: fields.dstPort ?? 0 };
}

export function writeRewriteRecord(r: NatRewrite, bytes: Uint8Array, at: number): void {
  bytes.fill(0, at, at + REWRITE_RECORD_BYTES);
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, REWRITE_RECORD_BYTES);
  view.setUint8(REWRITE_FLAGS, r.flags);
  view.setUint16(REWRITE_SRC_PORT, r.srcPort, true);
  view.setUint16(REWRITE_DST_PORT, r.dstPort, true);
  for (const [field, address] of [[REWRITE_SRC, r.src], [REWRITE_DST, r.dst]] as const) {
    if (typeof address === 'number') view.setUint32(field, address >>> 0, true);
    else bytes.set(address.subarray(0, 16), at + field);
  }
}

/** The address bytes as they go on the wire (4 or 16). */
function addressBytes(address: IpAddress, family: number): Uint8Array {
  const out = new Uint8Array(family === 4 ? 4 : 16);
  if (family === 4) writeBE32(out, 0, typeof address === 'number' ? address : readBE32(address, 0));
  else if (typeof address !== 'number') out.set(address.subarray(0, 16));
  return out;
}

/** Replaces `length` bytes at `at` with `value`; returns the checksum delta of the change. */
function replaceBytes(bytes: Uint8Array, at: number, value: Uint8Array): number {
  let delta = 0;
  for (let i = 0; i < value.length; i += 2) {
    delta = wordDelta(readBE16(bytes, at + i), (value[i] << 8) | value[i + 1], delta);
  }
  bytes.set(value, at);
  return delta;
}

/** Replaces the 16-bit word at `at`; returns the checksum delta. */
function replaceWord(bytes: Uint8Array, at: number, value: number): number {
  const delta = wordDelta(readBE16(bytes, at), value);
  writeBE16(bytes, at, value);
  return delta;
}

/** Applies `delta` to the checksum at `at`; returns the delta of that checksum word itself. */
function fixChecksum(bytes: Uint8Array, at: number, delta: number, udp: boolean): number {
  const old = readBE16(bytes, at);
  let next = applyChecksumDelta(old, delta);
  if (udp && next === 0) next = 0xffff;
  writeBE16(bytes, at, next);
  return wordDelta(old, next);
}

/** Header bytes the rewrite needs at the L4 offset. */
function l4Needed(protocol: number, family: number): number {
  if (protocol === PROTO_TCP) return 20;
  if (protocol === PROTO_UDP || protocol === (family === 4 ? PROTO_ICMP : PROTO_ICMPV6)) return 8;
  if (protocol === PROTO_SCTP) return 12;
  return 0;
}

/**
 * Checks that every offset the rewrite will touch lies inside the packet, before anything
 * is written (the record may come from anywhere).
 */
function recordFits(p: ParsedPacket, length: number, embedded: boolean): boolean {
  const family = p.family;
  if (family !== 4 && family !== 6) return false;
  const header = family === 4 ? 20 : 40;
  const end = p.ipEnd;
  if (end > length || p.l3Offset + header > end) return false;
  const l4 = p.l4Offset;
  if (l4 === 0) return true;
  if (l4 < p.l3Offset + header || l4 + l4Needed(p.protocol, family) > end) return false;
  if (!embedded) return true;
  const inner = p.inner!;
  if (inner.l3Offset < l4 + 8 || inner.l3Offset + header > end) return false;
  if ((inner.flags & INNER_PORTS) === 0) return true;
  const innerIcmp = inner.protocol === (family === 4 ? PROTO_ICMP : PROTO_ICMPV6);
  return inner.l4Offset >= inner.l3Offset + header && inner.l4Offset + (innerIcmp ? 8 : 4) <= end;
}

/**
 * Rewrites the packet `bytes[0, length)` described by `p` in place. Returns NAT_* result
 * bits (0 = all done). Never writes outside [0, length).
 */
export function rewritePacket(bytes: Uint8Array, p: ParsedPacket, r: NatRewrite, length = bytes.length): number {
  if (p.reason !== REASON_OK) return NAT_NOT_PARSED;
  const flags = r.flags & 0xff;
  if (flags === 0) return 0;
  const family = p.family;
  const protocol = p.protocol;
  const icmpProtocol = family === 4 ? PROTO_ICMP : PROTO_ICMPV6;
  const isIcmp = protocol === icmpProtocol && p.l4Offset !== 0;
  const embedded = (flags & NAT_INNER_ALL) !== 0 && isIcmp && isIcmpError(family, p.icmpType) && p.inner !== null && (p.inner.flags & INNER_PRESENT) !== 0;
  if (!recordFits(p, Math.min(length, bytes.length), embedded)) return NAT_BAD_RECORD;

  let result = 0;
  const l3 = p.l3Offset;
  const srcBytes = addressBytes(r.src, family);
  const dstBytes = addressBytes(r.dst, family);
  const srcAt = l3 + (family === 4 ? 12 : 8);
  const dstAt = l3 + (family === 4 ? 16 : 24);
  let addressDelta = 0;
  if (flags & NAT_SRC_ADDR) addressDelta += replaceBytes(bytes, srcAt, srcBytes);
  if (flags & NAT_DST_ADDR) addressDelta += replaceBytes(bytes, dstAt, dstBytes);
  if (family === 4 && (flags & (NAT_SRC_ADDR | NAT_DST_ADDR))) fixChecksum(bytes, l3 + 10, addressDelta, false);

  const wantsPorts = (flags & (NAT_SRC_PORT | NAT_DST_PORT)) !== 0;
  if ((flags & NAT_INNER_ALL) !== 0 && !embedded) result |= NAT_EMBEDDED_IGNORED;
  const l4 = p.l4Offset;
  if (l4 === 0) return result | (wantsPorts ? NAT_PORTS_IGNORED : 0);
  const end = p.ipEnd;
  const fragment = (p.fragFlags & FRAG_IS_FRAGMENT) !== 0;

  if (protocol === PROTO_TCP || protocol === PROTO_UDP || protocol === PROTO_SCTP) {
    let portDelta = 0;
    if (flags & NAT_SRC_PORT) portDelta += replaceWord(bytes, l4, r.srcPort & 0xffff);
    if (flags & NAT_DST_PORT) portDelta += replaceWord(bytes, l4 + 2, r.dstPort & 0xffff);
    if (protocol === PROTO_TCP) {
      fixChecksum(bytes, l4 + 16, addressDelta + portDelta, false);
    } else if (protocol === PROTO_UDP) {
      const check = readBE16(bytes, l4 + 6);
      if (check !== 0) {
        fixChecksum(bytes, l4 + 6, addressDelta + portDelta, true);
      } else if (family === 6) {
        const udpLength = readBE16(bytes, l4 + 4);
        if (fragment || l4 + udpLength > end) {
          result |= NAT_CHECKSUM_STALE;
        } else {
          let sum = internetChecksum(bytes, l4, l4 + udpLength, pseudoHeaderSum(bytes, 6, l3, PROTO_UDP, udpLength));
          if (sum === 0) sum = 0xffff;
          writeBE16(bytes, l4 + 6, sum);
        }
      }
    } else if (wantsPorts) {
      if (fragment) {
        result |= NAT_CHECKSUM_STALE;
      } else {
        bytes.fill(0, l4 + 8, l4 + 12);
        const crc = crc32c(bytes, l4, end);
        bytes[l4 + 8] = crc & 0xff;
        bytes[l4 + 9] = (crc >>> 8) & 0xff;
        bytes[l4 + 10] = (crc >>> 16) & 0xff;
        bytes[l4 + 11] = crc >>> 24;
      }
    }
    return result;
  }

  if (isIcmp) {
    let icmpDelta = family === 6 ? addressDelta : 0;
    if (isIcmpQuery(family, p.icmpType)) {
      if (wantsPorts) icmpDelta += replaceWord(bytes, l4 + 4, ((flags & NAT_SRC_PORT) ? r.srcPort : r.dstPort) & 0xffff);
    } else if (wantsPorts) {
      result |= NAT_PORTS_IGNORED;
    }
    if (embedded) icmpDelta += rewriteEmbedded(bytes, p, r, flags, srcBytes, dstBytes);
    fixChecksum(bytes, l4 + 2, icmpDelta, false);
    return result;
  }
  return result | (wantsPorts ? NAT_PORTS_IGNORED : 0);
}

/**
 * Translates the packet inside an ICMP error (bounds checked by `recordFits`). Returns
 * the checksum delta of every word it changed, for the outer ICMP checksum.
 */
function rewriteEmbedded(bytes: Uint8Array, p: ParsedPacket, r: NatRewrite, flags: number, srcBytes: Uint8Array, dstBytes: Uint8Array): number {
  const family = p.family;
  const inner = p.inner!;
  const end = p.ipEnd;
  const l3 = inner.l3Offset;
  let outerDelta = 0;
  let addressDelta = 0;
  if (flags & NAT_INNER_SRC_ADDR) addressDelta += replaceBytes(bytes, l3 + (family === 4 ? 12 : 8), dstBytes);
  if (flags & NAT_INNER_DST_ADDR) addressDelta += replaceBytes(bytes, l3 + (family === 4 ? 16 : 24), srcBytes);
  outerDelta += addressDelta;
  if (family === 4 && (flags & (NAT_INNER_SRC_ADDR | NAT_INNER_DST_ADDR))) outerDelta += fixChecksum(bytes, l3 + 10, addressDelta, false);
  if ((inner.flags & INNER_PORTS) === 0) return outerDelta;

  const l4 = inner.l4Offset;
  const protocol = inner.protocol;
  let portDelta = 0;
  if (protocol === (family === 4 ? PROTO_ICMP : PROTO_ICMPV6)) {
    // An embedded echo: its identifier plays both ports.
    if (flags & (NAT_INNER_SRC_PORT | NAT_INNER_DST_PORT)) {
      portDelta = replaceWord(bytes, l4 + 4, ((flags & NAT_INNER_SRC_PORT) ? r.dstPort : r.srcPort) & 0xffff);
    }
    outerDelta += portDelta;
    outerDelta += fixChecksum(bytes, l4 + 2, (family === 6 ? addressDelta : 0) + portDelta, false);
    return outerDelta;
  }
  if (flags & NAT_INNER_SRC_PORT) portDelta += replaceWord(bytes, l4, r.dstPort & 0xffff);
  if (flags & NAT_INNER_DST_PORT) portDelta += replaceWord(bytes, l4 + 2, r.srcPort & 0xffff);
  outerDelta += portDelta;
  if (protocol === PROTO_TCP && l4 + 20 <= end) {
    outerDelta += fixChecksum(bytes, l4 + 16, addressDelta + portDelta, false);
  } else if (protocol === PROTO_UDP && l4 + 8 <= end && readBE16(bytes, l4 + 6) !== 0) {
    outerDelta += fixChecksum(bytes, l4 + 6, addressDelta + portDelta, true);
  }
  return outerDelta;
}
