// Decision cache: the rules' decision for the first packet of a flow, kept under what the
// rules read of the packet (layout.ts, "Decision cache"). The SDK (sdk/engine/decisions.ts)
// configures the source classification, inserts each decision the TypeScript rules make on
// a miss, and empties the table when the rules change. Lookups never allocate; only
// `reserveDecisions` and `reserveDecisionBatch` do.

import {
  DECISION_SLOT_BYTES, DS_DST, DS_SRC, DS_PORT, DS_PROTOCOL, DS_FAMILY, DS_CLASS, DS_KIND,
  DS_DECISION, DS_EPOCH, DECISION_EPOCH_BUCKETS, DK_CLASS, DK_EXACT, DECISION_EXACT, SRC_LOCAL, SRC_LOOPBACK, SRC_POD,
  DECISION_MAX_ENTRIES, DECISION_RECORD_BYTES, DR_FAMILY, DR_PROTOCOL, DR_CLASS, DR_KIND,
  DR_PORT, DR_DECISION, DR_SRC, DR_DST, DECISION_MAX_NODE_ADDRESSES, DECISION_MAX_CIDRS,
  DECISION_CIDR_BYTES, DECISION_CONFIG_BYTES,
  PARSED_BYTES, PARSED_FAMILY, PARSED_PROTOCOL, PARSED_DST_PORT, PARSED_SRC, PARSED_DST,
} from "./layout";
import { fmix32 } from "./hash";
import { ST_OK, ST_BAD_ARGUMENT, ST_NO_MEMORY } from "./status";
import { parsedRecords, packetCapacity } from "./packet";

/** Slot array (0 until reserved). */
export let decisionBase: usize = 0;
/** Slot count minus one (a power of two minus one). */
let decisionMask: u32 = 0;
/** Keys the table may hold (half its slots). */
let decisionLimit: u32 = 0;
/** Keys held (class markers included). */
export let decisionCount: u32 = 0;

/** Batch records (`reserveDecisionBatch`) and how many fit. */
export let decisionBatch: usize = 0;
export let decisionBatchCapacity: u32 = 0;

/** The staging record the SDK's single calls go through. */
export const decisionStaging: usize = memory.data(DECISION_RECORD_BYTES, 16);
/** Configuration staging (`configureDecisions` reads it). */
export const decisionConfigStaging: usize = memory.data(DECISION_CONFIG_BYTES, 16);
/** The key being probed: the slot's bytes 0..39, built per lookup. */
const probeKey: usize = memory.data(DECISION_SLOT_BYTES, 16);
/** Destination epochs (layout.ts, "Destination epochs"). */
const destinationEpochs: usize = memory.data(DECISION_EPOCH_BUCKETS << 2, 4);

// Source classification, per family (index 0: IPv4, 1: IPv6): node addresses as in a slot
// (16 bytes), detector CIDRs as (network (16), prefix length u32) of DECISION_CIDR_BYTES.
const nodeAddresses: usize = memory.data(2 * DECISION_MAX_NODE_ADDRESSES * 16, 16);
const detectorCIDRs: usize = memory.data(2 * DECISION_MAX_CIDRS * DECISION_CIDR_BYTES, 16);
const nodeAddressCount: usize = memory.data(8, 4); // u32 per family
const detectorCIDRCount: usize = memory.data(8, 4); // u32 per family
const exactSource: usize = memory.data(2, 1); // u8 per family

// @ts-ignore: decorator
@inline function familyIndex(family: u32): u32 {
  return family == 6 ? 1 : 0;
}

// @ts-ignore: decorator
@inline function sameAddress(a: usize, b: usize): bool {
  return load<u64>(a) == load<u64>(b) && load<u64>(a, 8) == load<u64>(b, 8);
}

function pow2AtLeast(n: u32): u32 {
  let p: u32 = 16;
  while (p < n) p <<= 1;
  return p;
}

// ---------------------------------------------------------------------------------------
// Control

/** (Re)allocates an empty table for `entries` keys. ST_BAD_ARGUMENT when 0 or above DECISION_MAX_ENTRIES. */
export function reserveDecisions(entries: u32): i32 {
  if (entries == 0 || entries > DECISION_MAX_ENTRIES) return ST_BAD_ARGUMENT;
  if (decisionBase != 0) heap.free(decisionBase);
  const slots = pow2AtLeast(entries << 1);
  const bytes = <usize>slots * DECISION_SLOT_BYTES;
  decisionBase = heap.alloc(bytes);
  memory.fill(decisionBase, 0, bytes);
  decisionMask = slots - 1;
  decisionLimit = entries;
  decisionCount = 0;
  return ST_OK;
}

/** Removes every key. */
export function clearDecisions(): void {
  if (decisionBase == 0) return;
  memory.fill(decisionBase, 0, <usize>(decisionMask + 1) * DECISION_SLOT_BYTES);
  decisionCount = 0;
}

/** Room for `count` batch records (contents not kept). ST_BAD_ARGUMENT above DECISION_MAX_ENTRIES. */
export function reserveDecisionBatch(count: u32): i32 {
  if (count > DECISION_MAX_ENTRIES) return ST_BAD_ARGUMENT;
  if (count <= decisionBatchCapacity) return ST_OK;
  if (decisionBatch != 0) heap.free(decisionBatch);
  const bytes = <usize>count * DECISION_RECORD_BYTES;
  decisionBatch = heap.alloc(bytes);
  memory.fill(decisionBatch, 0, bytes);
  decisionBatchCapacity = count;
  return ST_OK;
}

/**
 * Sets the source classification of `family` (4 or 6) from the configuration staging area:
 * `addresses` node addresses, then `cidrs` detector CIDRs; `exact` ≠ 0 when the family's
 * decisions read exact sources. Empties the table (its keys were classified the old way).
 */
export function configureDecisions(family: u32, addresses: u32, cidrs: u32, exact: u32): i32 {
  if ((family != 4 && family != 6) || addresses > DECISION_MAX_NODE_ADDRESSES || cidrs > DECISION_MAX_CIDRS) return ST_BAD_ARGUMENT;
  const limit: u32 = family == 4 ? 32 : 128;
  const cidrsAt = decisionConfigStaging + (<usize>addresses << 4);
  for (let i: u32 = 0; i < cidrs; i++) {
    if (load<u32>(cidrsAt + <usize>i * DECISION_CIDR_BYTES, 16) > limit) return ST_BAD_ARGUMENT;
  }
  const f = familyIndex(family);
  memory.copy(nodeAddresses + (<usize>f * DECISION_MAX_NODE_ADDRESSES << 4), decisionConfigStaging, <usize>addresses << 4);
  memory.copy(detectorCIDRs + <usize>f * DECISION_MAX_CIDRS * DECISION_CIDR_BYTES, cidrsAt, <usize>cidrs * DECISION_CIDR_BYTES);
  store<u32>(nodeAddressCount + (<usize>f << 2), addresses);
  store<u32>(detectorCIDRCount + (<usize>f << 2), cidrs);
  store<u8>(exactSource + f, exact != 0 ? 1 : 0);
  clearDecisions();
  return ST_OK;
}

// ---------------------------------------------------------------------------------------
// Source classification

/** The SRC_* bits of `address` (16 bytes as in a slot) in `family`. */
function classify(family: u32, address: usize): u32 {
  const f = familyIndex(family);
  let bits: u32 = 0;
  const loopback = family == 4
    ? load<u32>(address) >>> 24 == 127
    : load<u64>(address) == 0 && load<u64>(address, 8) == 0x0100_0000_0000_0000; // ::1, byte 15 = 1
  if (loopback) {
    bits = SRC_LOCAL | SRC_LOOPBACK;
  } else {
    const nodes = nodeAddresses + (<usize>f * DECISION_MAX_NODE_ADDRESSES << 4);
    const n = load<u32>(nodeAddressCount + (<usize>f << 2));
    for (let i: u32 = 0; i < n; i++) {
      if (sameAddress(nodes + (<usize>i << 4), address)) {
        bits = SRC_LOCAL;
        break;
      }
    }
  }
  const cidrs = detectorCIDRs + <usize>f * DECISION_MAX_CIDRS * DECISION_CIDR_BYTES;
  const m = load<u32>(detectorCIDRCount + (<usize>f << 2));
  for (let i: u32 = 0; i < m; i++) {
    const cidr = cidrs + <usize>i * DECISION_CIDR_BYTES;
    if (inCIDR(family, address, cidr, load<u32>(cidr, 16))) {
      bits |= SRC_POD;
      break;
    }
  }
  return bits;
}

/** Whether `address` lies in the CIDR whose network address is at `network`. */
function inCIDR(family: u32, address: usize, network: usize, prefix: u32): bool {
  if (family == 4) {
    const mask: u32 = prefix == 0 ? 0 : <u32>0xffff_ffff << (32 - prefix);
    return (load<u32>(address) & mask) == (load<u32>(network) & mask);
  }
  const whole = prefix >>> 3;
  for (let i: u32 = 0; i < whole; i++) {
    if (load<u8>(address + i) != load<u8>(network + i)) return false;
  }
  const rest = prefix & 7;
  if (rest == 0) return true;
  const mask: u32 = (0xff << (8 - rest)) & 0xff;
  return (<u32>load<u8>(address + whole) & mask) == (<u32>load<u8>(network + whole) & mask);
}

// ---------------------------------------------------------------------------------------
// Keys

/** Builds the probe key of record `r`: the class key (kind DK_CLASS) or the exact key. */
// @ts-ignore: decorator
@inline function buildKey(r: usize, kind: u32, cls: u32): void {
  const k = probeKey;
  memory.copy(k + DS_DST, r + DR_DST, 16);
  if (kind == DK_EXACT) {
    memory.copy(k + DS_SRC, r + DR_SRC, 16);
  } else {
    store<u64>(k, 0, DS_SRC);
    store<u64>(k, 0, DS_SRC + 8);
  }
  store<u16>(k, load<u16>(r, DR_PORT), DS_PORT);
  store<u8>(k, load<u8>(r, DR_PROTOCOL), DS_PROTOCOL);
  store<u8>(k, load<u8>(r, DR_FAMILY), DS_FAMILY);
  store<u8>(k, <u8>(kind == DK_EXACT ? 0 : cls), DS_CLASS);
  store<u8>(k, <u8>kind, DS_KIND);
  store<u16>(k, 0, DS_KIND + 1);
}

/** Hash of the probe key's 40 bytes (ten words, Murmur3-style mixing, fmix32 at the end). */
function keyHash(): u32 {
  let h: u32 = 0x5eed_dec1;
  for (let i: usize = 0; i < 40; i += 4) {
    h ^= load<u32>(probeKey + i) * 0xcc9e2d51;
    h = rotl<u32>(h, 13) * 5 + 0xe6546b64;
  }
  return fmix32(h);
}

// @ts-ignore: decorator
@inline function sameKey(slot: usize): bool {
  const k = probeKey;
  return load<u64>(slot) == load<u64>(k) && load<u64>(slot, 8) == load<u64>(k, 8) &&
    load<u64>(slot, 16) == load<u64>(k, 16) && load<u64>(slot, 24) == load<u64>(k, 24) &&
    load<u64>(slot, 32) == load<u64>(k, 32);
}

/** The epoch counter of the destination address at `address` (16 bytes). */
// @ts-ignore: decorator
@inline function epochOf(address: usize): usize {
  const h = fmix32(load<u32>(address) ^ (load<u32>(address, 4) * 0xcc9e2d51) ^ (load<u32>(address, 8) * 0x1b873593) ^ (load<u32>(address, 12) * 0xe6546b64));
  return destinationEpochs + (<usize>(h & (DECISION_EPOCH_BUCKETS - 1)) << 2);
}

/** The decision a slot holds for its destination's current epoch: 0 when empty or stale. */
// @ts-ignore: decorator
@inline function freshDecision(at: usize): u32 {
  const decision = load<u32>(at, DS_DECISION);
  return decision != 0 && load<u32>(at, DS_EPOCH) == load<u32>(epochOf(probeKey + DS_DST)) ? decision : 0;
}

/** Marks every decision kept for the staging record's destination stale. */
export function invalidateDestination(): i32 {
  const r = decisionStaging;
  const family = <u32>load<u8>(r, DR_FAMILY);
  if (family != 4 && family != 6) return ST_BAD_ARGUMENT;
  const at = epochOf(r + DR_DST);
  store<u32>(at, load<u32>(at) + 1);
  return ST_OK;
}

/** The slot holding the probe key, or the empty slot where it would go. */
function probe(): usize {
  const mask = decisionMask;
  let slot = keyHash() & mask;
  while (true) {
    const at = decisionBase + <usize>slot * DECISION_SLOT_BYTES;
    if (load<u32>(at, DS_DECISION) == 0 || sameKey(at)) return at;
    slot = (slot + 1) & mask;
  }
}

// ---------------------------------------------------------------------------------------
// Lookup and insert

/**
 * Looks record `r` up (layout.ts, "Decision staging record"): writes its class, the kind of
 * key a miss goes under and the decision (0 on a miss); returns the decision.
 */
export function lookupRecord(r: usize): u32 {
  const family = <u32>load<u8>(r, DR_FAMILY);
  if (decisionBase == 0 || (family != 4 && family != 6)) {
    store<u32>(r, 0, DR_DECISION);
    return 0;
  }
  const cls = classify(family, r + DR_SRC);
  store<u8>(r, <u8>cls, DR_CLASS);
  let kind = load<u8>(exactSource + familyIndex(family)) != 0 ? DK_EXACT : DK_CLASS;
  buildKey(r, kind, cls);
  let decision = freshDecision(probe());
  if (decision == DECISION_EXACT) {
    kind = DK_EXACT;
    buildKey(r, kind, cls);
    decision = freshDecision(probe());
  }
  store<u8>(r, <u8>kind, DR_KIND);
  store<u32>(r, decision, DR_DECISION);
  return decision;
}

/** Writes the probe key into its slot with `decision` (updating an existing key); false when full. */
function place(decision: u32): bool {
  const at = probe();
  if (load<u32>(at, DS_DECISION) == 0) {
    if (decisionCount >= decisionLimit) return false;
    memory.copy(at, probeKey, DS_DECISION);
    decisionCount++;
  }
  store<u32>(at, decision, DS_DECISION);
  store<u32>(at, load<u32>(epochOf(probeKey + DS_DST)), DS_EPOCH);
  return true;
}

/**
 * Inserts `decision` for the record `r` that `lookupRecord` classified: under the key kind
 * it named, and — when `exact` is set and it named DK_CLASS — a DECISION_EXACT marker under
 * the class key first, then the exact key. ST_NO_MEMORY when the table has no room for the
 * keys (nothing is written), ST_BAD_ARGUMENT for decision 0 or DECISION_EXACT.
 */
export function insertRecord(r: usize, decision: u32, exact: bool): i32 {
  if (decisionBase == 0 || decision == 0 || decision == DECISION_EXACT) return ST_BAD_ARGUMENT;
  const family = <u32>load<u8>(r, DR_FAMILY);
  if (family != 4 && family != 6) return ST_BAD_ARGUMENT;
  const cls = <u32>load<u8>(r, DR_CLASS);
  const kind = <u32>load<u8>(r, DR_KIND);
  const marker = exact && kind == DK_CLASS;
  if (decisionCount + (marker ? 2 : 1) > decisionLimit) return ST_NO_MEMORY;
  if (marker) {
    buildKey(r, DK_CLASS, cls);
    place(DECISION_EXACT);
    buildKey(r, DK_EXACT, cls);
  } else {
    buildKey(r, kind, cls);
  }
  place(decision);
  return ST_OK;
}

/** Fills the staging record from frame `index`'s parsed record and looks it up (0 also for a bad index, which stages family 0). */
export function lookupFrame(index: u32): u32 {
  const r = decisionStaging;
  if (index >= packetCapacity) {
    store<u8>(r, 0, DR_FAMILY); // nothing staged: an insert is refused
    store<u32>(r, 0, DR_DECISION);
    return 0;
  }
  const p = parsedRecords + <usize>index * PARSED_BYTES;
  const family = <u32>load<u8>(p, PARSED_FAMILY);
  store<u8>(r, <u8>family, DR_FAMILY);
  store<u8>(r, load<u8>(p, PARSED_PROTOCOL), DR_PROTOCOL);
  store<u16>(r, load<u16>(p, PARSED_DST_PORT), DR_PORT);
  if (family == 4) {
    store<u64>(r, <u64>load<u32>(p, PARSED_SRC), DR_SRC);
    store<u64>(r, 0, DR_SRC + 8);
    store<u64>(r, <u64>load<u32>(p, PARSED_DST), DR_DST);
    store<u64>(r, 0, DR_DST + 8);
  } else {
    memory.copy(r + DR_SRC, p + PARSED_SRC, 16);
    memory.copy(r + DR_DST, p + PARSED_DST, 16);
  }
  return lookupRecord(r);
}

/** Looks batch records 0..count-1 up in order; returns how many missed. */
export function lookupBatch(count: u32): u32 {
  let misses: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    if (lookupRecord(decisionBatch + <usize>i * DECISION_RECORD_BYTES) == 0) misses++;
  }
  return misses;
}

/** Bytes held by the table and the batch records. */
export function decisionBytes(): usize {
  return (decisionBase == 0 ? 0 : <usize>(decisionMask + 1) * DECISION_SLOT_BYTES) + <usize>decisionBatchCapacity * DECISION_RECORD_BYTES;
}
