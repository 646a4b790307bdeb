/**
 * IP address and CIDR parsing for the tables the data plane keeps.
 *
 * IPv4 addresses are u32 numbers in host order (`10.96.0.1` is `0x0A600001`), the form
 * `sdk/engine/records.ts` uses. IPv6 addresses are 16-byte `Uint8Array`s in network order.
 *
 * Parsing is strict: IPv4 accepts only the dotted-decimal form of RFC 791 with no leading
 * zeros (RFC 6943 §3.1.1 "strict" form; Go's `netip.ParseAddr` and Kubernetes' strict IP
 * validation reject `010.0.0.1` because other parsers read it as octal). IPv6 accepts the
 * three text forms of RFC 4291 §2.2, and no zone index.
 */

import { InvalidAddressError } from './errors.js';

export type IPFamilyName = 'IPv4' | 'IPv6';

export interface IPv4CIDR {
  readonly family: 'IPv4';
  /** Network address (host bits cleared), u32 host order. */
  readonly address: number;
  readonly prefix: number;
}

export interface IPv6CIDR {
  readonly family: 'IPv6';
  /** Network address (host bits cleared), 16 bytes. */
  readonly address: Uint8Array;
  readonly prefix: number;
}

export type CIDR = IPv4CIDR | IPv6CIDR;

export type ParsedIP = { readonly family: 'IPv4'; readonly address: number } | { readonly family: 'IPv6'; readonly address: Uint8Array };

// ---------------------------------------------------------------------------- IPv4

const CH_0 = 48;
const CH_9 = 57;
const CH_DOT = 46;

/** Parses strict dotted decimal; returns the u32 or a reason string. */
function ipv4OrReason(text: string, from = 0): number | string {
  let value = 0;
  let octets = 0;
  let i = from;
  const n = text.length;
  while (true) {
    const start = i;
    let octet = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < CH_0 || c > CH_9) break;
      octet = octet * 10 + (c - CH_0);
      i++;
      if (i - start > 3) return `octet ${octets + 1} has more than 3 digits`;
    }
    if (i === start) return i < n ? `unexpected character ${JSON.stringify(text[i])}` : `octet ${octets + 1} is empty`;
    if (i - start > 1 && text.charCodeAt(start) === CH_0) return `octet ${octets + 1} has a leading zero`;
    if (octet > 255) return `octet ${octets + 1} is greater than 255`;
    value = value * 256 + octet;
    octets++;
    if (octets === 4) break;
    if (i >= n) return 'expected 4 octets';
    if (text.charCodeAt(i) !== CH_DOT) return `unexpected character ${JSON.stringify(text[i])}`;
    i++;
  }
  if (i !== n) return `unexpected character ${JSON.stringify(text[i])} after the fourth octet`;
  return value >>> 0;
}

/**
 * Parses a dotted-decimal IPv4 address into a u32 in host order. Throws
 * `InvalidAddressError` on anything but four decimal octets 0–255 without leading zeros.
 */
export function parseIPv4(text: string): number {
  const r = ipv4OrReason(text);
  if (typeof r === 'string') throw new InvalidAddressError(text, `invalid IPv4 address ${JSON.stringify(text)}: ${r}`);
  return r;
}

/** The u32 of an IPv4 address, or undefined when the text is not one. */
export function tryParseIPv4(text: string): number | undefined {
  const r = ipv4OrReason(text);
  return typeof r === 'number' ? r : undefined;
}

export function isIPv4(text: string): boolean {
  return typeof ipv4OrReason(text) === 'number';
}

/** Dotted decimal of a u32 (host order). */
export function formatIPv4(address: number): string {
  const a = address >>> 0;
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

// ---------------------------------------------------------------------------- IPv6

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * RFC 4291 §2.2: eight 16-bit pieces `x:x:x:x:x:x:x:x` (1–4 hex digits each); `::` once,
 * for one or more zero pieces; and the last 32 bits optionally as dotted decimal.
 */
function ipv6OrReason(text: string): Uint8Array | string {
  const n = text.length;
  if (n === 0) return 'empty';
  const pieces: number[] = [];
  let ellipsis = -1;
  let i = 0;
  if (text.startsWith('::')) {
    ellipsis = 0;
    i = 2;
  } else if (text.charCodeAt(0) === 58) {
    return 'leading single colon';
  }
  while (i < n) {
    const start = i;
    let piece = 0;
    while (i < n) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      piece = piece * 16 + h;
      i++;
    }
    if (i < n && text.charCodeAt(i) === CH_DOT) {
      // RFC 4291 §2.2 form 3: the low-order 32 bits in dotted decimal.
      if (pieces.length > 6) return 'too many pieces before the embedded IPv4 address';
      const v4 = ipv4OrReason(text, start);
      if (typeof v4 === 'string') return `embedded IPv4 address: ${v4}`;
      pieces.push(v4 >>> 16, v4 & 0xffff);
      i = n;
      break;
    }
    if (i === start) return i < n ? `unexpected character ${JSON.stringify(text[i])}` : 'empty piece';
    if (i - start > 4) return 'piece has more than 4 hex digits';
    pieces.push(piece);
    if (pieces.length > 8) return 'more than 8 pieces';
    if (i === n) break;
    if (text.charCodeAt(i) !== 58) return `unexpected character ${JSON.stringify(text[i])}`;
    i++;
    if (i < n && text.charCodeAt(i) === 58) {
      if (ellipsis >= 0) return "'::' appears more than once";
      ellipsis = pieces.length;
      i++;
    } else if (i === n) {
      return 'trailing single colon';
    }
  }
  if (ellipsis < 0) {
    if (pieces.length !== 8) return 'expected 8 pieces';
  } else if (pieces.length > 7) {
    return "'::' must stand for at least one piece";
  }
  const out = new Uint8Array(16);
  const tail = ellipsis < 0 ? 0 : pieces.length - ellipsis;
  const head = pieces.length - tail;
  for (let k = 0; k < head; k++) {
    out[2 * k] = pieces[k] >>> 8;
    out[2 * k + 1] = pieces[k] & 255;
  }
  for (let k = 0; k < tail; k++) {
    const slot = 8 - tail + k;
    out[2 * slot] = pieces[head + k] >>> 8;
    out[2 * slot + 1] = pieces[head + k] & 255;
  }
  return out;
}

/** Parses any RFC 4291 text form into 16 bytes; throws `InvalidAddressError`. */
export function parseIPv6(text: string): Uint8Array {
  const r = ipv6OrReason(text);
  if (typeof r === 'string') throw new InvalidAddressError(text, `invalid IPv6 address ${JSON.stringify(text)}: ${r}`);
  return r;
}

export function isIPv6(text: string): boolean {
  return typeof ipv6OrReason(text) !== 'string';
}

/**
 * RFC 5952 canonical text: lower case, no leading zeros, the longest run of two or more
 * zero pieces (the first on a tie) as `::`, and IPv4-mapped addresses as `::ffff:a.b.c.d`
 * (RFC 5952 §5).
 */
export function formatIPv6(bytes: Uint8Array): string {
  const pieces: number[] = [];
  for (let k = 0; k < 8; k++) pieces.push((bytes[2 * k] << 8) | bytes[2 * k + 1]);
  if (pieces.slice(0, 5).every((p) => p === 0) && pieces[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8; ) {
    if (pieces[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && pieces[e] === 0) e++;
    if (e - k > bestLen) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = (p: number): string => p.toString(16);
  if (bestStart < 0) return pieces.map(hex).join(':');
  const left = pieces.slice(0, bestStart).map(hex).join(':');
  const right = pieces.slice(bestStart + bestLen).map(hex).join(':');
  return `${left}::${right}`;
}

// ---------------------------------------------------------------------------- either family

/** Parses an IPv4 or IPv6 address; throws `InvalidAddressError`. */
export function parseIP(text: string): ParsedIP {
  const v4 = ipv4OrReason(text);
  if (typeof v4 === 'number') return { family: 'IPv4', address: v4 };
  const v6 = ipv6OrReason(text);
  if (typeof v6 !== 'string') return { family: 'IPv6', address: v6 };
  throw new InvalidAddressError(text, `invalid IP address ${JSON.stringify(text)}`);
}

export function isIP(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/** The family of a valid address, or undefined. */
export function ipFamilyOf(text: string): IPFamilyName | undefined {
  if (isIPv4(text)) return 'IPv4';
  if (isIPv6(text)) return 'IPv6';
  return undefined;
}

/** The canonical text of an address of either family (RFC 5952 for IPv6). */
export function formatIP(ip: ParsedIP): string {
  return ip.family === 'IPv4' ? formatIPv4(ip.address) : formatIPv6(ip.address);
}

/**
 * Address ranges that may not be used as endpoints or external IPs, as Kubernetes'
 * `ValidateNonSpecialIP` checks them (Go's `net.IP.IsUnspecified`, `IsLoopback`,
 * `IsLinkLocalUnicast`, `IsLinkLocalMulticast`).
 */
export type SpecialRange = 'unspecified' | 'loopback' | 'link-local' | 'link-local-multicast';

export function specialRangeOf(ip: ParsedIP): SpecialRange | undefined {
  if (ip.family === 'IPv4') {
    const a = ip.address;
    if (a === 0) return 'unspecified'; // 0.0.0.0, RFC 1122 §3.2.1.3
    if (a >>> 24 === 127) return 'loopback'; // 127.0.0.0/8, RFC 1122 §3.2.1.3
    if (a >>> 16 === 0xa9fe) return 'link-local'; // 169.254.0.0/16, RFC 3927
    if (a >>> 8 === 0xe00000) return 'link-local-multicast'; // 224.0.0.0/24, RFC 5771 §4
    return undefined;
  }
  const b = ip.address;
  let zeroTo15 = true;
  for (let k = 0; k < 15; k++) if (b[k] !== 0) zeroTo15 = false;
  if (zeroTo15 && b[15] === 0) return 'unspecified'; // ::, RFC 4291 §2.5.2
  if (zeroTo15 && b[15] === 1) return 'loopback'; // ::1, RFC 4291 §2.5.3
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return 'link-local'; // fe80::/10, RFC 4291 §2.5.6
  if (b[0] === 0xff && (b[1] & 0x0f) === 0x02) return 'link-local-multicast'; // ffx2::/16, RFC 4291 §2.7 scope 2
  return undefined;
}

// ---------------------------------------------------------------------------- CIDR

/** Mask of an IPv4 prefix length (JavaScript shifts by 32 are shifts by 0, hence the guard). */
export function ipv4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function prefixOrReason(text: string, max: number): number | string {
  if (text.length === 0) return 'missing prefix length';
  if (text.length > 1 && text.charCodeAt(0) === CH_0) return 'prefix length has a leading zero';
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < CH_0 || c > CH_9) return 'prefix length is not a decimal number';
    v = v * 10 + (c - CH_0);
    if (v > max) return `prefix length is greater than ${max}`;
  }
  return v;
}

/**
 * Parses `address/prefix` (RFC 4632 §3.1 notation; RFC 4291 §2.3 for IPv6). Host bits set
 * below the prefix are cleared, as Go's `net.ParseCIDR` does (`10.96.0.1/12` is
 * 10.96.0.0/12). Throws `InvalidAddressError`.
 */
export function parseCIDR(text: string): CIDR {
  const slash = text.indexOf('/');
  const fail = (why: string): never => {
    throw new InvalidAddressError(text, `invalid CIDR ${JSON.stringify(text)}: ${why}`);
  };
  if (slash < 0) return fail("missing '/'");
  const addr = text.slice(0, slash);
  const v4 = ipv4OrReason(addr);
  if (typeof v4 === 'number') {
    const prefix = prefixOrReason(text.slice(slash + 1), 32);
    if (typeof prefix === 'string') return fail(prefix);
    return { family: 'IPv4', address: (v4 & ipv4Mask(prefix)) >>> 0, prefix };
  }
  const v6 = ipv6OrReason(addr);
  if (typeof v6 === 'string') return fail(`address: ${isLikelyIPv4(addr) ? v4 : v6}`);
  const prefix = prefixOrReason(text.slice(slash + 1), 128);
  if (typeof prefix === 'string') return fail(prefix);
  const net = new Uint8Array(v6);
  for (let bit = prefix; bit < 128; bit++) net[bit >> 3] &= ~(0x80 >> (bit & 7));
  return { family: 'IPv6', address: net, prefix };
}

function isLikelyIPv4(text: string): boolean {
  return !text.includes(':');
}

export function isCIDR(text: string): boolean {
  try {
    parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

export function formatCIDR(cidr: CIDR): string {
  return cidr.family === 'IPv4'
    ? `${formatIPv4(cidr.address)}/${cidr.prefix}`
    : `${formatIPv6(cidr.address)}/${cidr.prefix}`;
}

/** Whether the IPv4 address (u32) lies in the CIDR. Always false for an IPv6 CIDR. */
export function cidrContains(cidr: CIDR, address: number): boolean {
  if (cidr.family !== 'IPv4') return false;
  return ((address & ipv4Mask(cidr.prefix)) >>> 0) === cidr.address;
}

/**
 * Number of addresses in the CIDR, network and broadcast included. Exact for IPv4; for
 * IPv6 a double, exact up to 2^53.
 */
export function cidrSize(cidr: CIDR): number {
  return 2 ** ((cidr.family === 'IPv4' ? 32 : 128) - cidr.prefix);
}

/** Last address of an IPv4 CIDR (the broadcast address for prefixes below 31). */
export function cidrLast(cidr: IPv4CIDR): number {
  return (cidr.address | ~ipv4Mask(cidr.prefix)) >>> 0;
}
