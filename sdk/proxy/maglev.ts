/**
 * Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network
 * Load Balancer", NSDI 2016, §3.4), built the way Cilium builds its per-service lookup
 * tables (cilium/cilium `pkg/maglev/maglev.go`, `pkg/murmur3/murmur3.go`), so that a table
 * computed here for the same backend names, seed and size should equal Cilium's slot for
 * slot. (Checked: the hash against MurmurHash3 reference vectors, the weighted slot counts
 * against Cilium's own maglev_test.go; not checked against a running Cilium.)
 *
 * Construction, for a prime table size M and N backends:
 *   offset_i = h1(name_i) mod M,  skip_i = h2(name_i) mod (M − 1) + 1
 *   preference list perm_i[j] = (offset_i + j·skip_i) mod M   (a permutation: M is prime)
 * where (h1, h2) is MurmurHash3 x64_128 of the UTF-8 name seeded with the first 4 bytes
 * (big-endian) of the base64 12-byte hash seed — Cilium's `getOffsetAndSkip`. Backends are
 * sorted by name (bytewise, as Go compares strings) before filling so every node builds the
 * same table whatever order it learnt the backends in. Filling takes turns in that order;
 * each turn claims the first still-empty slot of the backend's preference list.
 *
 * Weights follow Cilium's weighted round-robin of turns (itself from envoyproxy/envoy#2982):
 * each backend starts with a counter weight/N; on round n a backend whose (n+1)·weight is
 * below the (truncated) counter passes its turn to the next backend, otherwise it takes the
 * turn and its counter grows by the sum of weights. This only applies when the integer mean
 * weight exceeds 1 (`weightSum / N > 1`), exactly as upstream. A weight of 0 removes the
 * backend from the table (it takes no new flows); weights are Cilium's uint16 range.
 *
 * To reproduce Cilium's tables, name backends with `ciliumBackendHashString` and use the
 * same `seed` (Cilium's `--bpf-lb-maglev-hash-seed`, default `JLfvgnHc2kaSUFaI`).
 *
 * No scratch permutation matrix is kept (Cilium's grows with N·M): each backend's next
 * preference is computed incrementally. Pure functions over typed arrays; browser-safe.
 */

/** The table sizes Cilium accepts for `--bpf-lb-maglev-table-size` (all prime). */
export const CILIUM_MAGLEV_TABLE_SIZES: readonly number[] = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071];

/** Cilium's default M; "M > 100·N" keeps backends within ≈1 % of each other (≈160 backends). */
export const DEFAULT_MAGLEV_TABLE_SIZE = 16381;

/** Cilium's `DefaultHashSeed` (base64 of 12 bytes). */
export const DEFAULT_MAGLEV_HASH_SEED = 'JLfvgnHc2kaSUFaI';

/** Largest M accepted here; the table is an Int32Array of M entries. */
export const MAX_MAGLEV_TABLE_SIZE = 1 << 24;

/** Cilium's backend weights are uint16; an absent weight is 1. */
export const MAX_MAGLEV_WEIGHT = 65535;

/** The value of a slot that no backend holds (only when there are no backends). */
export const MAGLEV_EMPTY_SLOT = -1;

export interface MaglevBackend {
  /** The string hashed for offset/skip and sorted on; must be unique within one table. */
  readonly name: string;
  /** 0–65535, default 1. 0 = in the list but given no slots. */
  readonly weight?: number;
}

export interface MaglevOptions {
  /** Base64 of exactly 12 bytes, equal on all nodes; default Cilium's `DEFAULT_MAGLEV_HASH_SEED`. */
  readonly seed?: string;
}

/** A backend reduced to its preference list, for `populateMaglevTable`. */
export interface MaglevPreference {
  readonly offset: number;
  readonly skip: number;
  readonly weight?: number;
}

/** The three uint32 seeds Cilium derives from the 12 seed bytes (big-endian words). */
export interface MaglevSeeds {
  /** Seeds MurmurHash3 for offset/skip. */
  readonly murmur: number;
  /** jhash seeds of the datapath's 5-tuple hash (`SeedJhash0/1`), for callers that mimic it. */
  readonly jhash0: number;
  readonly jhash1: number;
}

// ---------------------------------------------------------------------------- validation

export function isPrime(n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

function checkTableSize(m: number): void {
  if (!Number.isSafeInteger(m) || m < 2 || m > MAX_MAGLEV_TABLE_SIZE || !isPrime(m)) {
    throw new RangeError(
      `svcnet: Maglev table size ${m} is not a prime number between 2 and ${MAX_MAGLEV_TABLE_SIZE} ` +
        `(Cilium accepts ${CILIUM_MAGLEV_TABLE_SIZES.join(', ')}; default ${DEFAULT_MAGLEV_TABLE_SIZE})`,
    );
  }
}

function checkWeight(weight: number | undefined, what: string): number {
  const w = weight ?? 1;
  if (!Number.isInteger(w) || w < 0 || w > MAX_MAGLEV_WEIGHT) {
    throw new RangeError(`svcnet: Maglev weight ${weight} of ${what} is not an integer 0–${MAX_MAGLEV_WEIGHT}`);
  }
  return w;
}

/** Decodes a Cilium hash seed (base64 of 12 bytes) into its three big-endian words. */
export function decodeMaglevSeed(seed: string = DEFAULT_MAGLEV_HASH_SEED): MaglevSeeds {
  let bytes: Uint8Array;
  try {
    // Standard alphabet with padding, like Go's base64.StdEncoding.
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(seed) || seed.length % 4 !== 0) throw new Error('bad base64');
    bytes = Uint8Array.from(atob(seed), (c) => c.charCodeAt(0));
  } catch {
    throw new RangeError(`svcnet: cannot decode base64 Maglev hash seed ${JSON.stringify(seed)}`);
  }
  if (bytes.length !== 12) throw new RangeError(`svcnet: decoded Maglev hash seed is ${bytes.length} bytes (not 12 bytes)`);
  const word = (i: number) => ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
  return { murmur: word(0), jhash0: word(4), jhash1: word(8) };
}

// ---------------------------------------------------------------------------- MurmurHash3

const MASK64 = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n;
const C2 = 0x4cf5ad432745937fn;

function rotl64(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK64;
}

function fmix64(k: bigint): bigint {
  k ^= k >> 33n;
  k = (k * 0xff51afd7ed558ccdn) & MASK64;
  k ^= k >> 33n;
  k = (k * 0xc4ceb9fe1a85ec53n) & MASK64;
  k ^= k >> 33n;
  return k;
}

/** Little-endian 64-bit word of `data` at `at`, `n` bytes (1–8; missing high bytes are 0). */
function readLE64(data: Uint8Array, at: number, n: number): bigint {
  let lo = 0;
  let hi = 0;
  for (let b = Math.min(n, 4) - 1; b >= 0; b--) lo = lo * 256 + data[at + b];
  for (let b = n - 1; b >= 4; b--) hi = hi * 256 + data[at + b];
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * MurmurHash3_x64_128 (aappleby/smhasher `src/MurmurHash3.cpp`) with a 32-bit seed, as
 * Cilium's `murmur3.Hash128` computes it on little-endian machines. Returns [h1, h2].
 */
export function murmur3x64_128(data: Uint8Array, seed: number): [bigint, bigint] {
  const nblocks = Math.floor(data.length / 16);
  let h1 = BigInt(seed >>> 0);
  let h2 = h1;
  for (let i = 0; i < nblocks; i++) {
    let k1 = readLE64(data, i * 16, 8);
    let k2 = readLE64(data, i * 16 + 8, 8);
    k1 = (rotl64((k1 * C1) & MASK64, 31n) * C2) & MASK64;
    h1 = rotl64(h1 ^ k1, 27n);
    h1 = (((h1 + h2) & MASK64) * 5n + 0x52dce729n) & MASK64;
    k2 = (rotl64((k2 * C2) & MASK64, 33n) * C1) & MASK64;
    h2 = rotl64(h2 ^ k2, 31n);
    h2 = (((h2 + h1) & MASK64) * 5n + 0x38495ab5n) & MASK64;
  }
  const tail = nblocks * 16;
  const rest = data.length - tail;
  if (rest > 8) {
    const k2 = readLE64(data, tail + 8, rest - 8);
    h2 ^= (rotl64((k2 * C2) & MASK64, 33n) * C1) & MASK64;
  }
  if (rest > 0) {
    const k1 = readLE64(data, tail, Math.min(rest, 8));
    h1 ^= (rotl64((k1 * C1) & MASK64, 31n) * C2) & MASK64;
  }
  const len = BigInt(data.length);
  h1 ^= len;
  h2 ^= len;
  h1 = (h1 + h2) & MASK64;
  h2 = (h2 + h1) & MASK64;
  h1 = fmix64(h1);
  h2 = fmix64(h2);
  h1 = (h1 + h2) & MASK64;
  h2 = (h2 + h1) & MASK64;
  return [h1, h2];
}

const utf8 = new TextEncoder();

/** Cilium's `getOffsetAndSkip` for one backend name. */
export function maglevOffsetAndSkip(name: string, tableSize: number, murmurSeed: number): { offset: number; skip: number } {
  const [h1, h2] = murmur3x64_128(utf8.encode(name), murmurSeed);
  const m = BigInt(tableSize);
  return { offset: Number(h1 % m), skip: Number(h2 % (m - 1n)) + 1 };
}

/**
 * Cilium's `BackendInfo.hashString` (`pkg/maglev/maglev.go`), the name it hashes and sorts:
 * `[10.0.0.1:80/TCP,State:active]`, `[[fd00::1]:80/UDP,State:active]`, `/i` after the
 * protocol for internal-scope backends. `address` must already be canonical (IPv6 in RFC 5952
 * form, as Go's netip prints it).
 */
export function ciliumBackendHashString(backend: { address: string; port: number; protocol: 'TCP' | 'UDP' | 'SCTP' | 'ANY'; internalScope?: boolean }): string {
  const host = backend.address.includes(':') ? `[${backend.address}]` : backend.address;
  return `[${host}:${backend.port}/${backend.protocol}${backend.internalScope ? '/i' : ''},State:active]`;
}

// ---------------------------------------------------------------------------- construction

/** The preference list of one backend: `perm[j] = (offset + j·skip) mod M`. */
export function permutation(offset: number, skip: number, tableSize: number): Uint32Array {
  checkPreference({ offset, skip }, tableSize, 0);
  const perm = new Uint32Array(tableSize);
  let at = offset;
  for (let j = 0; j < tableSize; j++) {
    perm[j] = at;
    at += skip;
    if (at >= tableSize) at -= tableSize;
  }
  return perm;
}

function checkPreference(p: MaglevPreference, m: number, i: number): void {
  if (!Number.isInteger(p.offset) || p.offset < 0 || p.offset >= m || !Number.isInteger(p.skip) || p.skip < 1 || p.skip >= m) {
    throw new RangeError(`svcnet: Maglev backend ${i}: offset ${p.offset} must be 0–${m - 1} and skip ${p.skip} 1–${m - 1} for M=${m}`);
  }
}

/**
 * Fills a table of size M (prime) from explicit preference lists, taking turns in the given
 * order — the paper's Pseudocode 1 with Cilium's weighted turns. Slot values are indices
 * into `backends`; all slots are `MAGLEV_EMPTY_SLOT` when no backend has a positive weight.
 */
export function populateMaglevTable(backends: readonly MaglevPreference[], tableSize: number): Int32Array {
  checkTableSize(tableSize);
  const table = new Int32Array(tableSize).fill(MAGLEV_EMPTY_SLOT);
  // Weight-0 backends take no turns; `order` maps turn positions back to caller indices.
  const order: number[] = [];
  const weights: number[] = [];
  backends.forEach((b, i) => {
    checkPreference(b, tableSize, i);
    const w = checkWeight(b.weight, `backend ${i}`);
    if (w > 0) {
      order.push(i);
      weights.push(w);
    }
  });
  const n = order.length;
  if (n === 0) return table;

  const position = new Float64Array(n); // current preference-list entry of each backend
  const skip = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    position[t] = backends[order[t]].offset;
    skip[t] = backends[order[t]].skip;
  }
  let weightSum = 0;
  for (const w of weights) weightSum += w;
  const weightsUsed = Math.floor(weightSum / n) > 1;
  const counter = weights.map((w) => w / n);

  for (let round = 0; round < tableSize; round++) {
    let t = round % n;
    if (weightsUsed) {
      // Ends within n steps: summed over all backends, (round+1)·Σw ≥ Σcounters, so at
      // least one backend is not behind its share.
      while ((round + 1) * weights[t] < Math.trunc(counter[t])) t = (t + 1) % n;
      counter[t] += weightSum;
    }
    let slot = position[t];
    while (table[slot] !== MAGLEV_EMPTY_SLOT) {
      slot += skip[t];
      if (slot >= tableSize) slot -= tableSize;
    }
    table[slot] = order[t];
    slot += skip[t];
    position[t] = slot >= tableSize ? slot - tableSize : slot;
  }
  return table;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * The Maglev lookup table of `backends` (size M, prime, default 16381). Slot values are
 * indices into `backends` as given (the table itself does not depend on that order);
 * `MAGLEV_EMPTY_SLOT` everywhere when the list is empty or every weight is 0. Throws
 * RangeError for a non-prime M, a bad seed, a bad weight or duplicate names.
 */
export function buildMaglevTable(
  backends: readonly MaglevBackend[],
  tableSize: number = DEFAULT_MAGLEV_TABLE_SIZE,
  options: MaglevOptions = {},
): Int32Array {
  checkTableSize(tableSize);
  const { murmur } = decodeMaglevSeed(options.seed);
  const keyed = backends.map((b, index) => ({ index, bytes: utf8.encode(b.name), weight: checkWeight(b.weight, JSON.stringify(b.name)) }));
  keyed.sort((a, b) => compareBytes(a.bytes, b.bytes));
  for (let i = 1; i < keyed.length; i++) {
    if (compareBytes(keyed[i - 1].bytes, keyed[i].bytes) === 0) {
      throw new RangeError(`svcnet: Maglev backend name ${JSON.stringify(backends[keyed[i].index].name)} appears twice`);
    }
  }
  const m = BigInt(tableSize);
  const prefs = keyed.map((k) => {
    const [h1, h2] = murmur3x64_128(k.bytes, murmur);
    return { offset: Number(h1 % m), skip: Number(h2 % (m - 1n)) + 1, weight: k.weight };
  });
  const table = populateMaglevTable(prefs, tableSize);
  for (let s = 0; s < tableSize; s++) if (table[s] !== MAGLEV_EMPTY_SLOT) table[s] = keyed[table[s]].index;
  return table;
}

/**
 * The backend index for a flow hash: `table[hash mod M]` (Cilium: jhash of the 5-tuple).
 * `hash` is a non-negative integer (number or bigint); returns `MAGLEV_EMPTY_SLOT` for an
 * empty table.
 */
export function maglevLookup(table: Int32Array, hash: number | bigint): number {
  if (table.length === 0) return MAGLEV_EMPTY_SLOT;
  if (typeof hash === 'bigint') {
    if (hash < 0n) throw new RangeError(`svcnet: Maglev hash ${hash} is negative`);
    return table[Number(hash % BigInt(table.length))];
  }
  if (!Number.isSafeInteger(hash) || hash < 0) throw new RangeError(`svcnet: Maglev hash ${hash} is not a non-negative integer`);
  return table[hash % table.length];
}
