/**
 * A small seeded PRNG and the identifiers drawn from it, so that a Cluster built with the
 * same seed and the same calls allocates the same IPs, ports, names and uids every time.
 * `state` is a public number so transactions can save and restore it.
 */

/** SplitMix32 (Steele, Lea, Flood 2014, 32-bit variant): fast, full period 2^32. */
export class Random {
  state: number;

  constructor(seed = 0x5eed) {
    this.state = seed >>> 0;
  }

  /** Next u32. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform integer in [0, n), n ≥ 1 (Lemire's multiply-shift; bias below 2^-32 * n). */
  int(n: number): number {
    return Math.floor((this.next() * n) / 4294967296);
  }
}

/**
 * Alphabet of Kubernetes' random name suffixes (`k8s.io/apimachinery/pkg/util/rand`):
 * no vowels and no confusable characters, so generated names never spell words.
 */
export const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Length of the suffix `generateName` appends (`SimpleNameGenerator`). */
export const NAME_SUFFIX_LENGTH = 5;

export function randomSuffix(random: Random, length = NAME_SUFFIX_LENGTH): string {
  let s = '';
  for (let i = 0; i < length; i++) s += NAME_SUFFIX_ALPHABET[random.int(NAME_SUFFIX_ALPHABET.length)];
  return s;
}

/**
 * `SimpleNameGenerator.GenerateName`: the base, cut so the result fits 63 characters, plus
 * five random characters.
 */
export function generateName(random: Random, base: string): string {
  const maxBase = 63 - NAME_SUFFIX_LENGTH;
  return (base.length > maxBase ? base.slice(0, maxBase) : base) + randomSuffix(random);
}

/** A version 4 UUID (RFC 9562 §5.4) drawn from the PRNG. */
export function randomUID(random: Random): string {
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  const a = random.next();
  const b = random.next();
  const c = random.next();
  const d = random.next();
  const bHex = hex(((b & 0xffff0fff) | 0x00004000) >>> 0);
  const cHex = hex(((c & 0x3fffffff) | 0x80000000) >>> 0);
  return `${hex(a)}-${bHex.slice(0, 4)}-${bHex.slice(4)}-${cHex.slice(0, 4)}-${cHex.slice(4)}${hex(d)}`;
}
