/**
 * Address helpers for the kube-proxy rules model (`rules.ts`): canonical text, families,
 * CIDR membership for IPv4 and IPv6, loopback, and Go's `net.JoinHostPort` form.
 *
 * Addresses in decisions are canonical text (dotted decimal; RFC 5952 for IPv6), so an
 * address written `fd00::0a` in a manifest and `fd00::a` in a packet compare equal.
 */
import { formatIP, ipv4Mask, parseCIDR, parseIP, type CIDR, type ParsedIP } from '../model/ip.js';

export type Family = 4 | 6;

/** A parsed address with its canonical text. */
export interface Address {
  readonly family: Family;
  readonly text: string;
  readonly ip: ParsedIP;
}

/** Parses an IPv4 or IPv6 address; undefined when the text is not one. */
export function parseAddress(text: string | undefined): Address | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    const ip = parseIP(text);
    return { family: ip.family === 'IPv4' ? 4 : 6, text: formatIP(ip), ip };
  } catch {
    return undefined;
  }
}

/** Parses a CIDR; undefined when invalid (kube-proxy drops unparsable CIDRs from its maps). */
export function parseCIDROrUndefined(text: string): CIDR | undefined {
  try {
    return parseCIDR(text);
  } catch {
    return undefined;
  }
}

export function cidrFamily(cidr: CIDR): Family {
  return cidr.family === 'IPv4' ? 4 : 6;
}

/** Whether `address` lies in `cidr` (false across families). */
export function cidrHas(cidr: CIDR, address: Address): boolean {
  const ip = address.ip;
  if (cidr.family === 'IPv4') {
    return ip.family === 'IPv4' && ((ip.address & ipv4Mask(cidr.prefix)) >>> 0) === cidr.address;
  }
  if (ip.family !== 'IPv6') return false;
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (ip.address[i] !== cidr.address[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip.address[full] & mask) === cidr.address[full];
}

export function anyCIDRHas(cidrs: readonly CIDR[], address: Address): boolean {
  for (const cidr of cidrs) if (cidrHas(cidr, address)) return true;
  return false;
}

/** 127.0.0.0/8 (RFC 1122 §3.2.1.3) or ::1 (RFC 4291 §2.5.3): Go's `net.IP.IsLoopback`. */
export function isLoopback(address: Address): boolean {
  const ip = address.ip;
  if (ip.family === 'IPv4') return ip.address >>> 24 === 127;
  for (let i = 0; i < 15; i++) if (ip.address[i] !== 0) return false;
  return ip.address[15] === 1;
}

/** fe80::/10 (RFC 4291 §2.5.6). */
export function isIPv6LinkLocal(address: Address): boolean {
  return address.ip.family === 'IPv6' && address.ip.address[0] === 0xfe && (address.ip.address[1] & 0xc0) === 0x80;
}

/** The loopback addresses the node's `lo` interface carries (kube-proxy's test network). */
export const LOOPBACK_INTERFACE_ADDRESSES: readonly Address[] = [parseAddress('127.0.0.1') as Address, parseAddress('::1') as Address];

/** Go's `net.JoinHostPort`: `10.0.0.1:80`, `[fd00::1]:80`. */
export function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
