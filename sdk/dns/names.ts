/**
 * Domain names in presentation and wire form (RFC 1035 §2.3.1, §3.1, §5.1).
 *
 * Presentation names are written without the trailing dot (`numbers-api.default.svc.cluster.local`);
 * a trailing dot is accepted on input. `\.` and `\\` escape a literal dot or backslash in a
 * label and `\DDD` a byte (RFC 1035 §5.1); the SDK's own names never need them.
 */

import { parseIP } from '../model/ip.js';

/** RFC 1035 §2.3.4. */
export const MAX_LABEL_LENGTH = 63;
/** RFC 1035 §2.3.4: a name's wire form, length bytes and the root byte included. */
export const MAX_NAME_LENGTH = 255;

export class DnsNameError extends Error {
  override readonly name = 'DnsNameError';
}

/** The labels of a name, unescaped to bytes. The root (`''` or `'.'`) has none. */
export function nameLabels(name: string): Uint8Array[] {
  const text = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  if (text === '') return [];
  const labels: Uint8Array[] = [];
  let bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '.') {
      if (bytes.length === 0) throw new DnsNameError(`svcnet: ${JSON.stringify(name)} has an empty label`);
      labels.push(Uint8Array.from(bytes));
      bytes = [];
    } else if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) throw new DnsNameError(`svcnet: ${JSON.stringify(name)} ends in a lone backslash`);
      if (/[0-9]/.test(next)) {
        const digits = text.slice(i + 1, i + 4);
        if (!/^[0-9]{3}$/.test(digits) || Number(digits) > 255) {
          throw new DnsNameError(`svcnet: ${JSON.stringify(name)} has a bad \\DDD escape`);
        }
        bytes.push(Number(digits));
        i += 3;
      } else {
        bytes.push(...encoder.encode(next));
        i += 1;
      }
    } else {
      const code = c.charCodeAt(0);
      if (code < 0x80) bytes.push(code);
      else bytes.push(...encoder.encode(c));
    }
    if (bytes.length > MAX_LABEL_LENGTH) {
      throw new DnsNameError(`svcnet: a label of ${JSON.stringify(name)} is longer than ${MAX_LABEL_LENGTH} bytes`);
    }
  }
  if (bytes.length === 0) throw new DnsNameError(`svcnet: ${JSON.stringify(name)} has an empty label`);
  labels.push(Uint8Array.from(bytes));
  return labels;
}

/** Bytes of the uncompressed wire form; throws `DnsNameError` on a bad or too long name. */
export function nameEncodingLength(name: string): number {
  let n = 1;
  for (const label of nameLabels(name)) n += 1 + label.length;
  if (n > MAX_NAME_LENGTH) throw new DnsNameError(`svcnet: ${JSON.stringify(name)} is longer than ${MAX_NAME_LENGTH} bytes in wire form`);
  return n;
}

/**
 * Writes the uncompressed wire form of `name` into `buf` at `offset`; returns the bytes
 * written. Throws `DnsNameError` on a bad name and RangeError when `buf` is too small.
 */
export function encodeName(name: string, buf: Uint8Array, offset = 0): number {
  const labels = nameLabels(name);
  let n = 1;
  for (const label of labels) n += 1 + label.length;
  if (n > MAX_NAME_LENGTH) throw new DnsNameError(`svcnet: ${JSON.stringify(name)} is longer than ${MAX_NAME_LENGTH} bytes in wire form`);
  if (offset < 0 || offset + n > buf.length) throw new RangeError(`svcnet: ${n} bytes of name do not fit at offset ${offset} of a ${buf.length}-byte buffer`);
  let at = offset;
  for (const label of labels) {
    buf[at++] = label.length;
    buf.set(label, at);
    at += label.length;
  }
  buf[at++] = 0;
  return at - offset;
}

/** Whether `name` has a wire form (labels of 1–63 bytes, at most 255 bytes in all). */
export function isEncodableName(name: string): boolean {
  try {
    nameEncodingLength(name);
    return true;
  } catch {
    return false;
  }
}

/** Lower-case, without the trailing dot: the form names are compared and stored in. */
export function canonicalName(name: string): string {
  const text = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  return text.toLowerCase();
}

/** `a` is `b` or below it (both canonical). */
export function isSubdomain(a: string, b: string): boolean {
  if (b === '') return true;
  return a === b || a.endsWith('.' + b);
}

/** The text of one presentation label for a raw label (escaping as RFC 1035 §5.1). */
export function formatLabel(label: Uint8Array): string {
  let s = '';
  for (const b of label) {
    if (b === 0x2e) s += '\\.';
    else if (b === 0x5c) s += '\\\\';
    else if (b > 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\' + String(b).padStart(3, '0');
  }
  return s;
}

const HEX = '0123456789abcdef';

/**
 * The reverse-lookup name of an address: `d.c.b.a.in-addr.arpa` (RFC 1035 §3.5), or the
 * full 32-nibble `….ip6.arpa` (RFC 3596 §2.5). Throws InvalidAddressError.
 */
export function reverseName(address: string): string {
  const ip = parseIP(address);
  if (ip.family === 'IPv4') {
    const a = ip.address;
    return `${a & 255}.${(a >>> 8) & 255}.${(a >>> 16) & 255}.${a >>> 24}.in-addr.arpa`;
  }
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) {
    const b = ip.address[i];
    nibbles.push(HEX[b & 15], HEX[b >>> 4]);
  }
  return `${nibbles.join('.')}.ip6.arpa`;
}
