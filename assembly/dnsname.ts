// Domain names in wire form (RFC 1035 §3.1) over flat memory: validation, case folding,
// hashing, comparison. Every function here may load whole words up to DNS_WORD_PAD bytes
// past a name's end; callers keep names in padded regions (layout.ts, "DNS half").

import { DNS_MAX_NAME, DNS_MAX_LABEL } from "./layout";

// @ts-ignore: decorator
@inline const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
// @ts-ignore: decorator
@inline const HIGH: u64 = 0x8080_8080_8080_8080;
// @ts-ignore: decorator
@inline const HASH_SEED: u64 = 0x5eed_d0c5_0000_0000;
// @ts-ignore: decorator
@inline const HASH_P1: u64 = 0x9e37_79b1_85eb_ca87; // xxh64 primes
// @ts-ignore: decorator
@inline const HASH_P2: u64 = 0xc2b2_ae3d_27d4_eb4f;

/**
 * Folds A–Z to a–z in eight bytes at once; every other byte (label lengths < 0x40, digits,
 * `-`, `_`, bytes ≥ 0x80) is unchanged. Per byte b < 0x80: b + 0x3f carries into bit 7
 * iff b ≥ 'A', b + 0x25 iff b > 'Z'; no sum crosses its byte.
 */
// @ts-ignore: decorator
@inline export function lower64(x: u64): u64 {
  const low = x & LOW7;
  const upper = ~x & ((low + 0x3f3f_3f3f_3f3f_3f3f) ^ (low + 0x2525_2525_2525_2525)) & HIGH;
  return x | (upper >> 2);
}

/** Copies `n` bytes folded to lower case, in words (writes up to 7 bytes past dst + n). */
// @ts-ignore: decorator
@inline export function lowerCopy(dst: usize, src: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i += 8) store<u64>(dst + i, lower64(load<u64>(src + i)));
}

/** Mask of the low `n` bytes of a word, 0 < n < 8. */
// @ts-ignore: decorator
@inline function lowBytes(n: u32): u64 {
  return (<u64>1 << (<u64>n << 3)) - 1;
}

/** Hash of a lower-case wire name (xxh64-style word rounds, murmur finaliser). */
export function nameHash(p: usize, n: u32): u32 {
  let h: u64 = HASH_SEED ^ <u64>n;
  let i: u32 = 0;
  for (; i + 8 <= n; i += 8) {
    h = rotl<u64>(h ^ (load<u64>(p + i) * HASH_P2), 31) * HASH_P1;
  }
  if (i < n) h = rotl<u64>(h ^ ((load<u64>(p + i) & lowBytes(n - i)) * HASH_P2), 31) * HASH_P1;
  h ^= h >> 33;
  h *= HASH_P2;
  h ^= h >> 29;
  return <u32>h ^ <u32>(h >> 32);
}

/** Byte equality of two spans of `n` bytes. */
export function sameBytes(a: usize, b: usize, n: u32): bool {
  let i: u32 = 0;
  for (; i + 8 <= n; i += 8) {
    if (load<u64>(a + i) != load<u64>(b + i)) return false;
  }
  return i == n || ((load<u64>(a + i) ^ load<u64>(b + i)) & lowBytes(n - i)) == 0;
}

/** ASCII case-insensitive equality of two spans of `n` bytes (RFC 1035 §2.3.3). */
export function sameName(a: usize, b: usize, n: u32): bool {
  let i: u32 = 0;
  for (; i + 8 <= n; i += 8) {
    if (lower64(load<u64>(a + i)) != lower64(load<u64>(b + i))) return false;
  }
  return i == n || ((lower64(load<u64>(a + i)) ^ lower64(load<u64>(b + i))) & lowBytes(n - i)) == 0;
}

/** Small copy in words and bytes; reads and writes exactly `n` bytes. */
// @ts-ignore: decorator
@inline export function copyBytes(dst: usize, src: usize, n: u32): void {
  if (n > 64) {
    memory.copy(dst, src, n);
    return;
  }
  let i: u32 = 0;
  for (; i + 8 <= n; i += 8) store<u64>(dst + i, load<u64>(src + i));
  for (; i < n; i++) store<u8>(dst + i, load<u8>(src + i));
}

/**
 * Length of the uncompressed wire name at `p` (root label included) when it is well formed
 * and ends within `max` bytes: labels of 1..63 bytes, at most 255 bytes in all, no
 * compression pointers. Returns 0 otherwise. Control path: the SDK's names are checked,
 * never trusted.
 */
export function checkedNameLength(p: usize, max: u32): u32 {
  let at: u32 = 0;
  while (true) {
    if (at >= max || at >= DNS_MAX_NAME) return 0;
    const label = <u32>load<u8>(p + at);
    if (label == 0) return at + 1;
    if (label > DNS_MAX_LABEL) return 0;
    at += 1 + label;
  }
}

/** Length of a name already known to be well formed (stored RDATA names). */
export function storedNameLength(p: usize): u32 {
  let at: u32 = 0;
  while (true) {
    const label = <u32>load<u8>(p + at);
    if (label == 0) return at + 1;
    at += 1 + label;
  }
}

/**
 * Offsets of the labels of a well-formed name into `out` (one byte each, the root label
 * excluded); returns how many.
 */
export function labelOffsets(p: usize, out: usize): u32 {
  let at: u32 = 0;
  let count: u32 = 0;
  while (true) {
    const label = <u32>load<u8>(p + at);
    if (label == 0) return count;
    store<u8>(out + count, <u8>at);
    count++;
    at += 1 + label;
  }
}

/** Folds a name to lower case in place (control path). */
export function lowerInPlace(p: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (c - 0x41 < 26) store<u8>(p + i, <u8>(c | 0x20));
  }
}
