// Packet builders and the golden packets of the packet tests. Checksums here are computed
// by this file's own from-scratch code (RFC 1071 full sum, bitwise CRC32c), independent
// of sdk/packet, so the tests can use them as the oracle.
//
// `SAMPLES` holds each golden frame with its pcap link type; `pcapFile` writes frames of
// one link type as a classic pcap file (e.g. for `tshark -r x.pcap -o tcp.check_checksum:TRUE`).

import { parseIPv4, parseIPv6 } from '../../sdk/model/ip.js';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_RAW } from '../../sdk/packet/parse.js';

// ---------------------------------------------------------------------------------------
// Independent checksums

/** RFC 1071, the plain way: sum big-endian words, fold, complement. 0 over a message means it verifies. */
export function rfc1071(bytes: Uint8Array, start = 0, end = bytes.length, extra = 0): number {
  let sum = extra;
  for (let i = start; i < end; i += 2) sum += (bytes[i] << 8) | (i + 1 < end ? bytes[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

/** CRC32c bit by bit (RFC 3309 polynomial, reflected), no table. */
export function crc32cBitwise(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i];
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pseudo(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  let sum = protocol + (length & 0xffff) + Math.floor(length / 65536);
  for (const a of [src, dst]) for (let i = 0; i < a.length; i += 2) sum += (a[i] << 8) | a[i + 1];
  return sum;
}

// ---------------------------------------------------------------------------------------
// Bytes

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function be16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

export function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

/** Address bytes of a text address (v4 or v6). */
export function addr(text: string): Uint8Array {
  if (text.includes(':')) return parseIPv6(text);
  return Uint8Array.from(be32(parseIPv4(text)));
}

// ---------------------------------------------------------------------------------------
// L4

export interface L4 {
  protocol: number;
  /** Header + data, checksum field zero; `finish` fills the checksum from the IP addresses. */
  bytes: Uint8Array;
  finish(src: Uint8Array, dst: Uint8Array, bytes: Uint8Array): void;
}

export function tcp(o: { sport: number; dport: number; seq?: number; ack?: number; flags?: number; window?: number; options?: number[]; data?: number[]; dataOffset?: number; checksum?: number }): L4 {
  const options = o.options ?? [];
  const header = 20 + options.length;
  const dataOffset = o.dataOffset ?? header / 4;
  const bytes = Uint8Array.from([
    ...be16(o.sport), ...be16(o.dport), ...be32(o.seq ?? 1), ...be32(o.ack ?? 0),
    dataOffset << 4, o.flags ?? 0x02, ...be16(o.window ?? 64240), 0, 0, 0, 0, ...options, ...(o.data ?? []),
  ]);
  return {
    protocol: 6,
    bytes,
    finish(src, dst, b) {
      const c = o.checksum ?? rfc1071(b, 0, b.length, pseudo(src, dst, 6, b.length));
      b[16] = c >>> 8;
      b[17] = c & 0xff;
    },
  };
}

export function udp(o: { sport: number; dport: number; data?: number[]; length?: number; checksum?: number | 'none' }): L4 {
  const data = o.data ?? [];
  const bytes = Uint8Array.from([...be16(o.sport), ...be16(o.dport), ...be16(o.length ?? 8 + data.length), 0, 0, ...data]);
  return {
    protocol: 17,
    bytes,
    finish(src, dst, b) {
      if (o.checksum === 'none') return;
      let c = o.checksum ?? rfc1071(b, 0, b.length, pseudo(src, dst, 17, b.length));
      if (o.checksum === undefined && c === 0) c = 0xffff;
      b[6] = c >>> 8;
      b[7] = c & 0xff;
    },
  };
}

/** SCTP common header + chunks; CRC32c stored least significant byte first (RFC 4960 App. B). */
export function sctp(o: { sport: number; dport: number; vtag?: number; chunks: number[]; crc?: number }): L4 {
  const bytes = Uint8Array.from([...be16(o.sport), ...be16(o.dport), ...be32(o.vtag ?? 0), 0, 0, 0, 0, ...o.chunks]);
  return {
    protocol: 132,
    bytes,
    finish(_src, _dst, b) {
      const c = o.crc ?? crc32cBitwise(b);
      b[8] = c & 0xff;
      b[9] = (c >>> 8) & 0xff;
      b[10] = (c >>> 16) & 0xff;
      b[11] = c >>> 24;
    },
  };
}

/** An SCTP INIT chunk (RFC 4960 §3.3.2), 20 bytes. */
export function sctpInit(initiateTag: number, tsn: number): number[] {
  return [1, 0, ...be16(20), ...be32(initiateTag), ...be32(65535), ...be16(10), ...be16(10), ...be32(tsn)];
}

/** ICMP (v4, no pseudo-header) or ICMPv6 (`v6`: pseudo-header) message. */
export function icmp(o: { type: number; code?: number; rest?: number; data?: number[] | Uint8Array; v6?: boolean; checksum?: number }): L4 {
  const bytes = Uint8Array.from([o.type, o.code ?? 0, 0, 0, ...be32(o.rest ?? 0), ...(o.data ?? [])]);
  return {
    protocol: o.v6 ? 58 : 1,
    bytes,
    finish(src, dst, b) {
      const c = o.checksum ?? (o.v6 ? rfc1071(b, 0, b.length, pseudo(src, dst, 58, b.length)) : rfc1071(b));
      b[2] = c >>> 8;
      b[3] = c & 0xff;
    },
  };
}

/** Any protocol number, opaque payload. */
export function opaque(protocol: number, data: number[]): L4 {
  return { protocol, bytes: Uint8Array.from(data), finish() {} };
}

// ---------------------------------------------------------------------------------------
// L3

export interface V4Options {
  src: string;
  dst: string;
  ttl?: number;
  tos?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragOffset?: number;
  options?: number[];
  /** Override the header checksum. */
  checksum?: number;
  /** Override the total length. */
  totalLength?: number;
  protocol?: number;
}

/** An IPv4 packet around `l4` (its checksum finished first; a fragment may carry `l4` bytes as they are). */
export function ipv4(o: V4Options, l4: L4, finishL4 = true): Uint8Array {
  const src = addr(o.src);
  const dst = addr(o.dst);
  const payload = l4.bytes.slice();
  if (finishL4) l4.finish(src, dst, payload);
  const options = o.options ?? [];
  const ihl = 20 + options.length;
  const frag = (o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) / 8);
  const header = Uint8Array.from([
    0x40 | (ihl / 4), o.tos ?? 0, ...be16(o.totalLength ?? ihl + payload.length), ...be16(o.id ?? 0x1c46), ...be16(frag),
    o.ttl ?? 64, o.protocol ?? l4.protocol, 0, 0, ...src, ...dst, ...options,
  ]);
  const c = o.checksum ?? rfc1071(header);
  header[10] = c >>> 8;
  header[11] = c & 0xff;
  return concat(header, payload);
}

/** An IPv6 extension header: hop-by-hop (0), routing (43), destination options (60) as 8-byte units; `fragment` (44); AH (51). */
export type Ext =
  | { kind: 0 | 43 | 60; length?: number; body?: number[] }
  | { kind: 44; offset?: number; more?: boolean; id?: number }
  | { kind: 51; words?: number };

function extBytes(e: Ext, next: number): number[] {
  if (e.kind === 44) return [next, 0, ...be16((e.offset ?? 0) | (e.more ? 1 : 0)), ...be32(e.id ?? 0xdeadbeef)];
  if (e.kind === 51) {
    const words = e.words ?? 4; // (len + 2) * 4 bytes; 4 → 24 bytes
    return [next, words, 0, 0, ...be32(0x100), ...be32(1), ...new Array((words + 2) * 4 - 12).fill(0xaa)];
  }
  const units = e.length ?? 0;
  const body = e.body ?? [1, 4, 0, 0, 0, 0]; // PadN
  const bytes = [next, units, ...body];
  while (bytes.length < (units + 1) * 8) bytes.push(0);
  return bytes.slice(0, (units + 1) * 8);
}

export interface V6Options {
  src: string;
  dst: string;
  hopLimit?: number;
  ext?: Ext[];
  /** Override the payload length. */
  payloadLength?: number;
}

export function ipv6(o: V6Options, l4: L4, finishL4 = true): Uint8Array {
  const src = addr(o.src);
  const dst = addr(o.dst);
  const payload = l4.bytes.slice();
  if (finishL4) l4.finish(src, dst, payload);
  const ext = o.ext ?? [];
  const chain: number[] = [];
  ext.forEach((e, i) => chain.push(...extBytes(e, i + 1 < ext.length ? ext[i + 1].kind : l4.protocol)));
  const first = ext.length ? ext[0].kind : l4.protocol;
  const header = Uint8Array.from([0x60, 0, 0, 0, ...be16(o.payloadLength ?? chain.length + payload.length), first, o.hopLimit ?? 64, ...src, ...dst]);
  return concat(header, Uint8Array.from(chain), payload);
}

export const MAC_A = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0a];
export const MAC_B = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0b];

/** An Ethernet II frame (optionally one 802.1Q tag) around an IP packet. */
export function ethernet(packet: Uint8Array, o: { vlan?: number; etherType?: number; dst?: number[]; src?: number[] } = {}): Uint8Array {
  const etherType = o.etherType ?? (packet[0] >>> 4 === 6 ? 0x86dd : 0x0800);
  const tag = o.vlan === undefined ? [] : [0x81, 0x00, ...be16(o.vlan)];
  return concat(Uint8Array.from([...(o.dst ?? MAC_B), ...(o.src ?? MAC_A), ...tag, ...be16(etherType)]), packet);
}

// ---------------------------------------------------------------------------------------
// Golden packets

export interface Sample {
  name: string;
  linkType: number;
  bytes: Uint8Array;
}

const TCP_SYN = ipv4({ src: '10.0.0.1', dst: '10.96.0.10', df: true }, tcp({ sport: 12345, dport: 80, seq: 0x01020304, flags: 0x02, options: [2, 4, 0x05, 0xb4] }));

export const SAMPLES = {
  /** 1. IPv4/TCP SYN with an MSS option, DF. */
  tcpSyn: { name: 'IPv4 TCP SYN', linkType: LINKTYPE_RAW, bytes: TCP_SYN },
  /** 2. IPv4 with a Router Alert option (RFC 2113), UDP with a 4-byte payload. */
  ipv4OptionsUdp: {
    name: 'IPv4 options + UDP',
    linkType: LINKTYPE_IPV4,
    bytes: ipv4({ src: '10.244.1.5', dst: '10.96.0.10', ttl: 63, options: [0x94, 0x04, 0x00, 0x00] }, udp({ sport: 40053, dport: 9000, data: [0xde, 0xad, 0xbe, 0xef] })),
  },
  /** 3. IPv6 hop-by-hop + fragment header (first fragment, M=1), UDP. */
  ipv6HopFragUdp: {
    name: 'IPv6 HBH + fragment + UDP',
    linkType: LINKTYPE_IPV6,
    bytes: ipv6({ src: 'fd00::1', dst: 'fd00::a', ext: [{ kind: 0 }, { kind: 44, offset: 0, more: true, id: 0xdeadbeef }] }, udp({ sport: 40000, dport: 53, length: 8 + 16 + 64, data: new Array(16).fill(7) })),
  },
  /** 4. SCTP INIT over IPv4 (verification tag 0, RFC 4960 §8.5.1). */
  sctpInit: {
    name: 'IPv4 SCTP INIT',
    linkType: LINKTYPE_RAW,
    bytes: ipv4({ src: '10.0.0.1', dst: '10.96.0.20' }, sctp({ sport: 5000, dport: 36412, vtag: 0, chunks: sctpInit(0x11223344, 1000) })),
  },
  /** 5. ICMP echo request, id 0x1234 seq 1. */
  icmpEcho: {
    name: 'ICMP echo request',
    linkType: LINKTYPE_RAW,
    bytes: ipv4({ src: '10.0.0.1', dst: '10.96.0.10' }, icmp({ type: 8, rest: 0x12340001, data: [1, 2, 3, 4, 5, 6, 7, 8] })),
  },
  /** 6. ICMP port unreachable from an endpoint, embedding the first 28 bytes of a TCP SYN (1) as DNATed to 10.244.1.5. */
  icmpErrorTcp: {
    name: 'ICMP error with embedded TCP',
    linkType: LINKTYPE_RAW,
    bytes: ipv4(
      { src: '10.244.1.5', dst: '10.0.0.1', tos: 0xc0 },
      icmp({ type: 3, code: 3, data: ipv4({ src: '10.0.0.1', dst: '10.244.1.5', df: true }, tcp({ sport: 12345, dport: 8080, seq: 0x01020304 })).slice(0, 28) }),
    ),
  },
  /** 7. Ethernet + 802.1Q (VLAN 100) + IPv6 TCP ACK with payload. */
  vlanIpv6Tcp: {
    name: '802.1Q IPv6 TCP',
    linkType: LINKTYPE_ETHERNET,
    bytes: ethernet(ipv6({ src: '2001:db8::1', dst: 'fd00:10:96::a', hopLimit: 57 }, tcp({ sport: 50000, dport: 443, seq: 7, ack: 9, flags: 0x18, data: [0x16, 3, 1, 0, 5] })), { vlan: 100 }),
  },
  /** 8. IPv4 non-first fragment (offset 1480, MF clear) of a UDP datagram. */
  ipv4LaterFragment: {
    name: 'IPv4 later fragment',
    linkType: LINKTYPE_RAW,
    bytes: ipv4({ src: '10.0.0.1', dst: '10.96.0.10', id: 0x4242, fragOffset: 1480, protocol: 17 }, opaque(17, new Array(40).fill(0x55)), false),
  },
  /** 9. ICMPv6 echo request over Ethernet. */
  icmp6Echo: {
    name: 'ICMPv6 echo request',
    linkType: LINKTYPE_ETHERNET,
    bytes: ethernet(ipv6({ src: 'fd00::1', dst: 'fd00:10:96::a' }, icmp({ type: 128, rest: 0x00070003, data: [9, 9, 9, 9], v6: true }))),
  },
  /** 10. ICMPv6 port unreachable embedding an IPv6 UDP packet. */
  icmp6ErrorUdp: {
    name: 'ICMPv6 error with embedded UDP',
    linkType: LINKTYPE_RAW,
    bytes: ipv6(
      { src: 'fd00:244::5', dst: 'fd00::1' },
      icmp({ type: 1, code: 4, v6: true, data: ipv6({ src: 'fd00::1', dst: 'fd00:244::5' }, udp({ sport: 40000, dport: 5353, data: [1, 2, 3, 4] })) }),
    ),
  },
  /** 11. Ethernet IPv4 UDP (a REJECT candidate). */
  etherUdp: {
    name: 'Ethernet IPv4 UDP',
    linkType: LINKTYPE_ETHERNET,
    bytes: ethernet(ipv4({ src: '192.168.1.20', dst: '10.96.0.30', id: 7 }, udp({ sport: 33333, dport: 9999, data: new Array(20).fill(0x61) }))),
  },
  /** 12. IPv4 UDP with no checksum (0). */
  udpNoChecksum: {
    name: 'IPv4 UDP without checksum',
    linkType: LINKTYPE_RAW,
    bytes: ipv4({ src: '10.0.0.2', dst: '10.96.0.10' }, udp({ sport: 1000, dport: 9053, data: [1, 2, 3], checksum: 'none' })),
  },
} satisfies Record<string, Sample>;

export const SAMPLE_LIST: Sample[] = Object.values(SAMPLES);

// ---------------------------------------------------------------------------------------
// pcap

/** A classic little-endian pcap file (microsecond timestamps, one second apart) of frames on one link type. */
export function pcapFile(frames: readonly Uint8Array[], linkType: number): Uint8Array {
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, 0xa1b2c3d4, true);
  header.setUint16(4, 2, true);
  header.setUint16(6, 4, true);
  header.setUint32(16, 262144, true);
  header.setUint32(20, linkType, true);
  const parts: Uint8Array[] = [new Uint8Array(header.buffer)];
  frames.forEach((f, i) => {
    const record = new DataView(new ArrayBuffer(16));
    record.setUint32(0, 1_700_000_000 + i, true);
    record.setUint32(8, f.length, true);
    record.setUint32(12, f.length, true);
    parts.push(new Uint8Array(record.buffer), f);
  });
  return concat(...parts);
}
