// fast-check generators of packets (built with samples.ts, checksums from scratch) and of
// rewrites, shared by the NAT property test, the differential test and the fuzz test.

import fc from 'fast-check';
import { parseIPv6 } from '../../sdk/model/ip.js';
import type { NatRewrite } from '../../sdk/packet/nat.js';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_RAW } from '../../sdk/packet/parse.js';
import { type Ext, type L4, ethernet, icmp, ipv4, ipv6, opaque, sctp, tcp, udp } from './samples.js';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const common = {
  family: fc.constantFrom(4 as const, 6 as const),
  sport: u16,
  dport: u16,
  data: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 48 }),
  a: u32,
  b: u32,
  /** 0 raw (101), 1 LINKTYPE_IPV4/IPV6, 2 Ethernet, 3 Ethernet + 802.1Q. */
  link: fc.integer({ min: 0, max: 3 }),
  options: fc.boolean(),
  tcpFlags: fc.integer({ min: 0, max: 255 }),
};

/** Packets whose ports a rewrite can always reach: TCP, UDP (with and without checksum), SCTP, ICMP echo. */
export const validPacketArb = fc.record({ ...common, proto: fc.constantFrom('tcp', 'udp', 'udp0', 'sctp', 'echo') });

/** Every shape the parser accepts, ICMP errors and fragments included. */
export const packetArb = fc.record({
  ...common,
  proto: fc.constantFrom('tcp', 'udp', 'udp0', 'sctp', 'echo', 'icmpError', 'fragFirst', 'fragLater', 'other'),
  inner: fc.constantFrom('tcp', 'udp', 'echo', 'sctp'),
  innerBytes: fc.integer({ min: 4, max: 40 }),
  fragUnits: fc.integer({ min: 1, max: 100 }),
});

export type PacketSpec = {
  family: 4 | 6;
  proto: string;
  sport: number;
  dport: number;
  data: number[];
  a: number;
  b: number;
  link: number;
  options: boolean;
  tcpFlags: number;
  inner?: string;
  innerBytes?: number;
  fragUnits?: number;
};

export function v4text(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function v6text(n: number, m: number): string {
  return `fd00:${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}::${(m & 0xffff).toString(16)}:${(m >>> 16).toString(16)}`;
}

function l4Of(kind: string, s: PacketSpec, v6: boolean): L4 {
  if (kind === 'tcp') return tcp({ sport: s.sport, dport: s.dport, data: s.data, flags: s.tcpFlags, seq: s.a });
  if (kind === 'udp') return udp({ sport: s.sport, dport: s.dport, data: s.data });
  if (kind === 'udp0') return udp({ sport: s.sport, dport: s.dport, data: s.data, checksum: v6 ? undefined : 'none' });
  if (kind === 'sctp') return sctp({ sport: s.sport, dport: s.dport, vtag: s.a, chunks: [0, 3, 0, 4 + s.data.length, ...s.data] });
  if (kind === 'echo') return icmp({ type: v6 ? 128 : 8, rest: ((s.sport << 16) | 1) >>> 0, data: s.data, v6 });
  return opaque(47, s.data);
}

function ip(s: PacketSpec, l4: L4, o: { fragOffset?: number; mf?: boolean; finish?: boolean; swap?: boolean } = {}): Uint8Array {
  const [x, y] = o.swap ? [s.b, s.a] : [s.a, s.b];
  if (s.family === 4) {
    return ipv4({ src: v4text(x), dst: v4text(y), options: s.options ? [1, 1, 0x94, 4, 0, 0, 0, 0] : [], fragOffset: o.fragOffset, mf: o.mf, protocol: l4.protocol }, l4, o.finish ?? true);
  }
  const ext: Ext[] = s.options ? [{ kind: 0 }, { kind: 60, length: 1 }] : [];
  if (o.fragOffset !== undefined || o.mf) ext.push({ kind: 44, offset: o.fragOffset ?? 0, more: o.mf, id: s.a });
  return ipv6({ src: v6text(x, y), dst: v6text(y, x), ext }, l4, o.finish ?? true);
}

/** The frame of a spec (link layer per `link`). */
export function buildPacket(s: PacketSpec): Uint8Array {
  const v6 = s.family === 6;
  let packet: Uint8Array;
  if (s.proto === 'icmpError') {
    const original = ip(s, l4Of(s.inner ?? 'udp', s, v6), { swap: true });
    const header = v6 ? 40 + (s.options ? 24 : 0) : 20 + (s.options ? 8 : 0);
    const embedded = original.slice(0, Math.min(original.length, header + (s.innerBytes ?? 8)));
    packet = ip(s, icmp({ type: v6 ? 1 : 3, code: v6 ? 4 : 3, data: embedded, v6 }));
  } else if (s.proto === 'fragFirst') {
    // A first fragment, MF set: the whole TCP header and data, 8-byte units in all.
    const n = 4 + (s.data.length & ~7);
    const l4 = l4Of('tcp', { ...s, data: [...s.data, 0, 0, 0, 0].slice(0, n) }, v6);
    packet = ip(s, l4, { mf: true, fragOffset: v6 ? 0 : undefined });
  } else if (s.proto === 'fragLater') {
    packet = ip(s, opaque(v6 ? 17 : 6, s.data.length ? s.data : [1]), { fragOffset: (s.fragUnits ?? 1) * 8, finish: false });
  } else {
    packet = ip(s, l4Of(s.proto, s, v6));
  }
  if (s.link >= 2) return ethernet(packet, { vlan: s.link === 3 ? 42 : undefined });
  return packet;
}

/** Offset of the IP header in `buildPacket`'s frame. */
export function l3OffsetOf(s: PacketSpec): number {
  return s.link === 3 ? 18 : s.link === 2 ? 14 : 0;
}

/**
 * The frame with its IP length field lowered to `ipLength` (IPv4 total length, header
 * checksum redone; IPv6 total minus 40) and the frame cut right after it: the upper
 * layers then end early, right at the frame's last byte.
 */
export function shrinkPacket(s: PacketSpec, bytes: Uint8Array, ipLength: number): Uint8Array {
  const l3 = l3OffsetOf(s);
  const out = bytes.slice(0, l3 + ipLength);
  if (s.family === 4) {
    if (ipLength < 20) return out;
    out[l3 + 2] = ipLength >>> 8;
    out[l3 + 3] = ipLength & 0xff;
    out[l3 + 10] = 0;
    out[l3 + 11] = 0;
    const ihl = Math.min((out[l3] & 15) * 4, ipLength);
    let sum = 0;
    for (let i = 0; i < ihl; i += 2) sum += (out[l3 + i] << 8) | out[l3 + i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    out[l3 + 10] = (~sum >>> 8) & 0xff;
    out[l3 + 11] = ~sum & 0xff;
  } else if (ipLength >= 40) {
    out[l3 + 4] = (ipLength - 40) >>> 8;
    out[l3 + 5] = (ipLength - 40) & 0xff;
  }
  return out;
}

export function linkTypeOf(s: PacketSpec): number {
  if (s.link >= 2) return LINKTYPE_ETHERNET;
  if (s.link === 1) return s.family === 4 ? LINKTYPE_IPV4 : LINKTYPE_IPV6;
  return LINKTYPE_RAW;
}

const rewriteFields = { a: u32, b: u32, sport: u16, dport: u16 };

/** Rewrites of the outer addresses and ports (at least one flag). */
export const rewriteArb = fc.record({ ...rewriteFields, flags: fc.integer({ min: 1, max: 15 }) });

/** Any flag combination, the embedded-packet ones included. */
export const anyRewriteArb = fc.record({ ...rewriteFields, flags: fc.integer({ min: 0, max: 255 }) });

export type RewriteSpec = { flags: number; a: number; b: number; sport: number; dport: number };

export function rewriteFor(s: { family: number }, r: RewriteSpec): NatRewrite {
  return {
    flags: r.flags,
    src: s.family === 4 ? r.a : parseIPv6(v6text(r.a, r.b)),
    dst: s.family === 4 ? r.b : parseIPv6(v6text(r.b, r.a)),
    srcPort: r.sport,
    dstPort: r.dport,
  };
}
