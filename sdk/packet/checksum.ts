/**
 * Checksums of raw packets, plain TypeScript over Uint8Array (browser-safe). The reference
 * for `assembly/checksum.ts`, and the independent from-scratch oracle the tests use against
 * the incremental updates of the NAT rewrite.
 *
 * - The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement
 *   sum of the data taken as big-endian 16-bit words, an odd last byte padded with zero.
 *   IPv4 header, TCP, UDP, ICMP and ICMPv6 use it; TCP, UDP and ICMPv6 add a pseudo-header
 *   (RFC 793 §3.1, RFC 768, RFC 8200 §8.1).
 * - Incremental update (RFC 1624 eqn. 3): HC' = ~(~HC + ~m + m') for a 16-bit field that
 *   changes from m to m'. Unlike eqn. 2 it never produces -0 (0x0000) from a valid
 *   checksum unless the true sum is +0, and a corrupt checksum stays corrupt.
 * - CRC32c (Castagnoli; RFC 3309, RFC 4960 Appendix B): SCTP's checksum, reflected
 *   polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF.
 */

/** Adds the bytes [start, end) to a running one's complement sum (not folded). */
export function onesSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) sum += bytes[i] << 8;
  // Unfolded: below 2^53 (exact in a double) for any packet-sized input.
  return sum;
}

/** Folds a one's complement sum to 16 bits (end-around carry). */
export function foldSum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The Internet checksum of [start, end): ~fold(sum). A message verifies when this is 0 over it. */
export function internetChecksum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  return ~foldSum(onesSum(bytes, start, end, initial)) & 0xffff;
}

/**
 * The pseudo-header sum of TCP/UDP/ICMPv6 (family 4 or 6): source and destination addresses, the
 * protocol (next header) and the upper-layer length. The IPv4 form (RFC 793 §3.1) and the
 * IPv6 form (RFC 8200 §8.1) have the same one's complement sum, since zero padding adds
 * nothing.
 */
export function pseudoHeaderSum(bytes: Uint8Array, family: number, l3Offset: number, protocol: number, length: number): number {
  const addressBytes = family === 4 ? 8 : 32;
  const addressStart = l3Offset + (family === 4 ? 12 : 8);
  return onesSum(bytes, addressStart, addressStart + addressBytes) + protocol + (length & 0xffff) + Math.floor(length / 0x10000);
}

/** RFC 1624 eqn. 3 for one 16-bit word: the checksum after `oldWord` became `newWord`. */
export function checksumReplace16(check: number, oldWord: number, newWord: number): number {
  return ~foldSum((~check & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}

/**
 * Accumulates the change of a field into a delta for `applyChecksumDelta`: for each
 * 16-bit word, ~old + new (RFC 1624 eqn. 3 split in two, so one delta serves several
 * checksums). `oldBytes`/`newBytes` are read as big-endian words over [0, length).
 */
export function checksumDelta(oldBytes: Uint8Array, newBytes: Uint8Array, delta = 0): number {
  for (let i = 0; i + 1 < oldBytes.length; i += 2) {
    delta += (~((oldBytes[i] << 8) | oldBytes[i + 1]) & 0xffff) + ((newBytes[i] << 8) | newBytes[i + 1]);
  }
  return delta;
}

/** Adds the change of one 16-bit word to a delta. */
export function wordDelta(oldWord: number, newWord: number, delta = 0): number {
  return delta + (~oldWord & 0xffff) + (newWord & 0xffff);
}

/** Applies an accumulated delta to a checksum: ~(~HC + Σ(~m + m')). */
export function applyChecksumDelta(check: number, delta: number): number {
  return ~foldSum((~check & 0xffff) + delta) & 0xffff;
}

let crcTable: Uint32Array | null = null;

function crc32cTable(): Uint32Array {
  if (crcTable) return crcTable;
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  crcTable = table;
  return table;
}

/**
 * CRC32c of [start, end) (RFC 3720 §B.4 test vectors hold). SCTP stores the result in
 * the checksum field least significant byte first (RFC 4960 Appendix B: the reflected
 * CRC's first byte goes first on the wire).
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const table = crc32cTable();
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC32c of an SCTP packet [start, end) with its checksum field (bytes 8..11) taken as zero. */
export function sctpChecksum(bytes: Uint8Array, start: number, end: number): number {
  const table = crc32cTable();
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    const b = i - start >= 8 && i - start < 12 ? 0 : bytes[i];
    crc = table[(crc ^ b) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function readBE16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

export function readBE32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

export function writeBE16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 8) & 0xff;
  bytes[at + 1] = value & 0xff;
}

export function writeBE32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 24) & 0xff;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}
