// Builders for pcap tests, written independently of sdk/pcap: hex literals, raw pcapng
// blocks, and IPv4/UDP packets with valid checksums.
import type { ByteOrder } from '../../sdk/pcap/index.js';

/** Bytes from hex with any whitespace (`'d4c3b2a1 0200'`). */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`bad hex: ${text}`);
  return Uint8Array.from({ length: clean.length / 2 }, (_, i) => parseInt(clean.slice(i * 2, i * 2 + 2), 16));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Fixed-width unsigned integers in one byte order. */
export function u16(v: number, order: ByteOrder): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, order === 'little');
  return b;
}

export function u32(v: number, order: ByteOrder): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, order === 'little');
  return b;
}

export function i64(v: bigint, order: ByteOrder): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v, order === 'little');
  return b;
}

const padTo4 = (b: Uint8Array) => concat(b, new Uint8Array((4 - (b.length % 4)) % 4));

/** A pcapng block: type, total length, body padded to 4, total length. */
export function block(order: ByteOrder, type: number, body: Uint8Array): Uint8Array {
  const padded = padTo4(body);
  const length = 12 + padded.length;
  return concat(u32(type, order), u32(length, order), padded, u32(length, order));
}

/** One pcapng option (code, length, value padded); `end` is opt_endofopt. */
export function option(order: ByteOrder, code: number, value: Uint8Array): Uint8Array {
  return concat(u16(code, order), u16(value.length, order), padTo4(value));
}
export const endOfOptions = new Uint8Array(4);

export function shb(order: ByteOrder, version: [number, number] = [1, 0]): Uint8Array {
  return block(order, 0x0a0d0d0a, concat(u32(0x1a2b3c4d, order), u16(version[0], order), u16(version[1], order), i64(-1n, order)));
}

export function idb(order: ByteOrder, linkType: number, snapLength: number, ...options: Uint8Array[]): Uint8Array {
  const opts = options.length ? concat(...options, endOfOptions) : new Uint8Array(0);
  return block(order, 1, concat(u16(linkType, order), u16(0, order), u32(snapLength, order), opts));
}

export function epb(order: ByteOrder, interfaceId: number, ticks: bigint, data: Uint8Array, originalLength = data.length): Uint8Array {
  return block(
    order,
    6,
    concat(u32(interfaceId, order), u32(Number(ticks >> 32n), order), u32(Number(ticks & 0xffffffffn), order), u32(data.length, order), u32(originalLength, order), data),
  );
}

// ---------------------------------------------------------------------------- packets

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}

/** An IPv4/UDP packet (no options, DF clear) with valid IPv4 and UDP checksums. */
export function ipv4Udp(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const udpLength = 8 + payload.length;
  const total = 20 + udpLength;
  const p = new Uint8Array(total);
  const v = new DataView(p.buffer);
  p[0] = 0x45;
  v.setUint16(2, total);
  v.setUint16(4, 0x1234); // identification
  p[8] = 64; // TTL
  p[9] = 17; // UDP
  p.set(ipv4Bytes(src), 12);
  p.set(ipv4Bytes(dst), 16);
  v.setUint16(10, checksum(p.subarray(0, 20)));
  v.setUint16(20, sport);
  v.setUint16(22, dport);
  v.setUint16(24, udpLength);
  p.set(payload, 28);
  const pseudo = concat(p.subarray(12, 20), Uint8Array.of(0, 17, udpLength >> 8, udpLength & 0xff), p.subarray(20));
  v.setUint16(26, checksum(pseudo) || 0xffff);
  return p;
}

/** An Ethernet II frame carrying an IPv4 packet. */
export function ethernet(ipPacket: Uint8Array): Uint8Array {
  return concat(hex('02 00 00 00 00 02  02 00 00 00 00 01  08 00'), ipPacket);
}
