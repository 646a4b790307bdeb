// Hashes used by the tables and by endpoint choice. The flow hash must match
// `flowHash` in sdk/engine/records.ts bit for bit (differential tests compare them).
// MurmurHash3 x86_32 (Austin Appleby, public domain): see
// https://github.com/aappleby/smhasher/blob/master/src/MurmurHash3.cpp

// @ts-ignore: decorator
@inline const C1: u32 = 0xcc9e2d51;
// @ts-ignore: decorator
@inline const C2: u32 = 0x1b873593;
// @ts-ignore: decorator
@inline const FLOW_HASH_SEED: u32 = 0x5eedc0de;
// @ts-ignore: decorator
@inline const GOLDEN: u32 = 0x9e3779b1;

// @ts-ignore: decorator
@inline export function fmix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

// @ts-ignore: decorator
@inline function mixWord(h: u32, k: u32): u32 {
  k *= C1;
  k = rotl<u32>(k, 15);
  k *= C2;
  h ^= k;
  h = rotl<u32>(h, 13);
  return h * 5 + 0xe6546b64;
}

/** Murmur3 over (source, destination, ports word, protocol); 16 bytes of input. */
// @ts-ignore: decorator
@inline export function flowHash(source: u32, destination: u32, ports: u32, protocol: u32): u32 {
  let h = FLOW_HASH_SEED;
  h = mixWord(h, source);
  h = mixWord(h, destination);
  h = mixWord(h, ports);
  h = mixWord(h, protocol);
  return fmix32(h ^ 16);
}

/** Uniform index in [0, n) from a 32-bit hash ("fastrange", Lemire 2016). */
// @ts-ignore: decorator
@inline export function pickIndex(hash: u32, n: u32): u32 {
  return <u32>((<u64>hash * <u64>n) >>> 32);
}

/** Home slot hash of a frontend key (address, port | protocol << 16). */
// @ts-ignore: decorator
@inline export function frontendHash(address: u32, portProto: u32): u32 {
  return fmix32(address + portProto * GOLDEN);
}
