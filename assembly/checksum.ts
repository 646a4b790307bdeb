// Checksums over packet bytes in linear memory (mirror: sdk/packet/checksum.ts).
//
// Internet checksum (RFC 1071): the one's complement sum of big-endian 16-bit words. The
// sum does not depend on byte order (RFC 1071 §2(B)), so `onesSum` adds little-endian
// words, 32 bits at a time into a u64, and swaps the folded result once. Every value this
// module takes or returns is a big-endian word as a number (0x4500 for bytes 45 00).
//
// Incremental update (RFC 1624 eqn. 3): HC' = ~(~HC + ~m + m'). `wordDelta` accumulates
// ~m + m' for each changed word (one delta can serve several checksums: an address change
// enters the IPv4 header, TCP/UDP and ICMPv6 checksums alike) and `applyDelta` folds it in.
//
// CRC32c (RFC 3309, RFC 4960 App. B): reflected polynomial 0x82F63B78, slicing-by-8 over a
// table built on first use (8 KiB of static memory).
//
// Callers bound every range by the packet first; nothing here checks lengths.

/** Folded one's complement sum of [p, p + n) as a big-endian 16-bit value (0 only for all-zero input). */
export function onesSum(p: usize, n: usize): u32 {
  let acc: u64 = 0;
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) {
    acc += <u64>load<u32>(p + i) + <u64>load<u32>(p + i, 4);
  }
  for (; i + 2 <= n; i += 2) acc += <u64>load<u16>(p + i);
  // A trailing byte is the high byte of a zero-padded big-endian word: the low byte of a
  // little-endian one.
  if (i < n) acc += <u64>load<u8>(p + i);
  acc = (acc & 0xffff_ffff) + (acc >> 32);
  acc = (acc & 0xffff_ffff) + (acc >> 32);
  let s = <u32>acc;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return <u32>bswap<u16>(<u16>s);
}

/** Folds a running sum of 16-bit values (any u32) to 16 bits. */
// @ts-ignore: decorator
@inline export function fold16(sum: u32): u32 {
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum & 0xffff) + (sum >>> 16);
}

/** The Internet checksum of [p, p + n) with `initial` (an unfolded big-endian sum) added. 0 = verifies. */
export function internetChecksum(p: usize, n: usize, initial: u32): u32 {
  return ~fold16(onesSum(p, n) + fold16(initial)) & 0xffff;
}

/** Sum of the TCP/UDP/ICMPv6 pseudo-header (RFC 793 §3.1, RFC 8200 §8.1); addresses at `addresses`, 8 or 32 bytes. */
export function pseudoHeaderSum(addresses: usize, addressBytes: usize, protocol: u32, length: u32): u32 {
  return onesSum(addresses, addressBytes) + protocol + (length & 0xffff) + (length >>> 16);
}

/** ~old + new for one 16-bit word, to add to a delta. */
// @ts-ignore: decorator
@inline export function wordDelta(oldWord: u32, newWord: u32): u32 {
  return (~oldWord & 0xffff) + (newWord & 0xffff);
}

/** RFC 1624 eqn. 3 with an accumulated delta. */
// @ts-ignore: decorator
@inline export function applyDelta(check: u32, delta: u32): u32 {
  return ~fold16((~check & 0xffff) + fold16(delta)) & 0xffff;
}

const crcTable: usize = memory.data(8 * 256 * 4, 16);
let crcReady = false;

function buildCrcTable(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ 0x82f6_3b78 : c >>> 1;
    store<u32>(crcTable + (<usize>n << 2), c);
  }
  // Table k maps a byte followed by k zero bytes (slicing-by-8, Intel 2008).
  for (let n: u32 = 0; n < 256; n++) {
    let c = load<u32>(crcTable + (<usize>n << 2));
    for (let k: u32 = 1; k < 8; k++) {
      c = load<u32>(crcTable + (<usize>(c & 0xff) << 2)) ^ (c >>> 8);
      store<u32>(crcTable + ((<usize>k << 10) + (<usize>n << 2)), c);
    }
  }
  crcReady = true;
}

// @ts-ignore: decorator
@inline function tableAt(k: u32, b: u32): u32 {
  return load<u32>(crcTable + (<usize>k << 10) + (<usize>b << 2));
}

/** Continues a CRC32c register (pre-inversion, start with 0xFFFFFFFF) over [p, p + n). */
export function crc32cUpdate(crc: u32, p: usize, n: usize): u32 {
  if (!crcReady) buildCrcTable();
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) {
    const lo = load<u32>(p + i) ^ crc;
    const hi = load<u32>(p + i, 4);
    crc =
      tableAt(7, lo & 0xff) ^ tableAt(6, (lo >>> 8) & 0xff) ^ tableAt(5, (lo >>> 16) & 0xff) ^ tableAt(4, lo >>> 24) ^
      tableAt(3, hi & 0xff) ^ tableAt(2, (hi >>> 8) & 0xff) ^ tableAt(1, (hi >>> 16) & 0xff) ^ tableAt(0, hi >>> 24);
  }
  for (; i < n; i++) crc = tableAt(0, (crc ^ load<u8>(p + i)) & 0xff) ^ (crc >>> 8);
  return crc;
}

/** CRC32c of [p, p + n) (RFC 3720 §B.4 vectors: 32 zero bytes → 0x8A9136AA). */
export function crc32c(p: usize, n: usize): u32 {
  return ~crc32cUpdate(0xffff_ffff, p, n);
}
