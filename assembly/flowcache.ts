// Flow cache: the fast path's copy of the conntrack tuples whose next packet FlowProcessor
// (sdk/proxy/flows.ts) would only translate and re-time. Layouts: layout.ts ("Flow cache
// and frames kernel").
//
// One key per tuple a packet can carry: the original direction (client → frontend) and
// the reply direction (endpoint → masquerade address or client), each with the rewrite
// that direction gets, the flow's timer as the fast path last saw it in that direction,
// and counters. The SDK (sdk/engine/frames.ts) installs, refreshes, reads and removes keys
// to mirror FlowProcessor's conntrack table; the core never decides a translation of its
// own. Everything a fast-path packet needs is in its key's 64-byte slot (IPv4), so a packet
// touches one cache line of the table (two when its key is not in its home slot). IPv4 keys
// and rewrites are kept in packet byte order (layout.ts): the kernel hashes, compares and
// writes a frame's words as they load; the control calls swap the staged host-order values.
//
// Tables: one per family (IPv4 slots 64 B, IPv6 slots 128 B), open addressing with linear
// probing over a power-of-two slot array, at most half full, deletion by backward shift
// (no tombstones), as the frontend table (frontends.ts). Capacity is set by
// `reserveFlowCache`; a full table refuses insertions (the slow path keeps working without
// them). Only `reserveFlowCache` allocates.

import {
  FLOW_KEY_STAGING_BYTES, FK_FAMILY, FK_PROTOCOL, FK_DIRECTION, FK_NAT_FLAGS, FK_PORTS,
  FK_NEW_PORTS, FK_TOKEN, FK_SRC, FK_DST, FK_NEW_SRC, FK_NEW_DST, FK_DEADLINE, FK_TIMEOUT,
  FK_SEQUENCE, FK_PACKETS, FK_BYTES,
  FLOW4_BYTES, FLOW4_SHIFT, FLOW4_SRC, FLOW4_DST, FLOW4_PORTS, FLOW4_PROTOCOL, FLOW4_DIRECTION,
  FLOW4_NAT_FLAGS, FLOW4_NEW_SRC, FLOW4_NEW_DST, FLOW4_NEW_PORTS, FLOW4_TOKEN, FLOW4_DEADLINE,
  FLOW4_TIMEOUT, FLOW4_SEQUENCE, FLOW4_PACKETS, FLOW4_BYTES_COUNT,
  FLOW6_BYTES, FLOW6_SHIFT, FLOW6_SRC, FLOW6_DST, FLOW6_PORTS, FLOW6_PROTOCOL, FLOW6_DIRECTION,
  FLOW6_NAT_FLAGS, FLOW6_NEW_PORTS, FLOW6_TOKEN, FLOW6_NEW_SRC, FLOW6_NEW_DST, FLOW6_DEADLINE,
  FLOW6_TIMEOUT, FLOW6_SEQUENCE, FLOW6_PACKETS, FLOW6_BYTES_COUNT,
  FLOW_CACHE_MAX_FLOWS,
} from "./layout";
import { flowHash, fmix32 } from "./hash";
import { ST_OK, ST_NOT_FOUND, ST_BAD_ARGUMENT, ST_NO_MEMORY } from "./status";

export let flow4Base: usize = 0;
export let flow4Mask: u32 = 0;
export let flow4Count: u32 = 0;
let flow4Limit: u32 = 0;

export let flow6Base: usize = 0;
export let flow6Mask: u32 = 0;
export let flow6Count: u32 = 0;
let flow6Limit: u32 = 0;

/** Staging record of the control calls (insert, read, remove, lookup). */
export const flowKeyStaging: usize = memory.data(FLOW_KEY_STAGING_BYTES, 16);

// Bytes 8..15 of a key compared as one u64: ports and protocol (bytes 8..12 of an IPv4
// slot, 32..36 of an IPv6 slot).
// @ts-ignore: decorator
@inline export const KEY_TAIL_MASK: u64 = 0x0000_00ff_ffff_ffff;

/**
 * `source port | destination port << 16` with the bytes of each port swapped: host order
 * (the staging and parsed records) ↔ packet order (IPv4 slots), either way.
 */
// @ts-ignore: decorator
@inline export function swapPortBytes(ports: u32): u32 {
  return rotr<u32>(bswap<u32>(ports), 16);
}

// ---------------------------------------------------------------------------------------
// Hashes

/** Home hash of an IPv4 key (packet order); the flow hash of the route kernel over the same words. */
// @ts-ignore: decorator
@inline export function flow4Hash(src: u32, dst: u32, ports: u32, protocol: u32): u32 {
  return flowHash(src, dst, ports, protocol);
}

/**
 * Home hash of an IPv6 key: the eight address words, each multiplied by its own odd
 * constant (independent multiplies, as `flowHash`), xored with the ports and protocol,
 * then MurmurHash3's finaliser.
 */
// @ts-ignore: decorator
@inline export function flow6Hash(addresses: usize, ports: u32, protocol: u32): u32 {
  const h =
    (load<u32>(addresses) * 0xcc9e_2d51) ^ (load<u32>(addresses, 4) * 0x1b87_3593) ^
    (load<u32>(addresses, 8) * 0x85eb_ca77) ^ (load<u32>(addresses, 12) * 0x27d4_eb2f) ^
    (load<u32>(addresses, 16) * 0x9e37_79b1) ^ (load<u32>(addresses, 20) * 0x85eb_ca6b) ^
    (load<u32>(addresses, 24) * 0xc2b2_ae35) ^ (load<u32>(addresses, 28) * 0x1656_67b1) ^
    (ports * 0xd3a2_646c) ^ protocol;
  return fmix32(h);
}

// ---------------------------------------------------------------------------------------
// Lookup (the kernel inlines these; home and probe are split so that a kernel can touch the
// home slots of several packets before it probes any)

/** Home slot of an IPv4 key, packet order (where its probe run starts). */
// @ts-ignore: decorator
@inline export function home4(src: u32, dst: u32, ports: u32, protocol: u32): usize {
  return flow4Base + (<usize>(flow4Hash(src, dst, ports, protocol) & flow4Mask) << FLOW4_SHIFT);
}

/** The IPv4 slot after `at` (the first after the last). */
// @ts-ignore: decorator
@inline export function next4(at: usize): usize {
  return flow4Base + ((at - flow4Base + FLOW4_BYTES) & (<usize>flow4Mask << FLOW4_SHIFT));
}

/**
 * Slot of the IPv4 key `head` (source | destination << 32) and `tail` (ports | protocol
 * << 32), packet order, probing from its home slot `at`, or 0.
 */
// @ts-ignore: decorator
@inline export function probe4(at: usize, head: u64, tail: u64): usize {
  while (true) {
    if (load<u32>(at, FLOW4_TOKEN) == 0) return 0;
    if (load<u64>(at, FLOW4_SRC) == head && (load<u64>(at, FLOW4_PORTS) & KEY_TAIL_MASK) == tail) return at;
    at = next4(at);
  }
}

/** Slot of the IPv4 key, packet order, or 0. */
// @ts-ignore: decorator
@inline export function find4(src: u32, dst: u32, ports: u32, protocol: u32): usize {
  return probe4(home4(src, dst, ports, protocol), <u64>src | (<u64>dst << 32), <u64>ports | (<u64>protocol << 32));
}

/** Home slot of an IPv6 key whose source and destination are the 32 bytes at `addresses`. */
// @ts-ignore: decorator
@inline export function home6(addresses: usize, ports: u32, protocol: u32): usize {
  return flow6Base + (<usize>(flow6Hash(addresses, ports, protocol) & flow6Mask) << FLOW6_SHIFT);
}

/** The IPv6 slot after `at` (the first after the last). */
// @ts-ignore: decorator
@inline export function next6(at: usize): usize {
  return flow6Base + ((at - flow6Base + FLOW6_BYTES) & (<usize>flow6Mask << FLOW6_SHIFT));
}

/** Slot of the IPv6 key, probing from its home slot `at`, or 0. */
// @ts-ignore: decorator
@inline export function probe6(at: usize, addresses: usize, ports: u32, protocol: u32): usize {
  const tail = <u64>ports | (<u64>protocol << 32);
  const a0 = load<u64>(addresses);
  const a1 = load<u64>(addresses, 8);
  const a2 = load<u64>(addresses, 16);
  const a3 = load<u64>(addresses, 24);
  while (true) {
    if (load<u32>(at, FLOW6_TOKEN) == 0) return 0;
    if (
      load<u64>(at, FLOW6_SRC) == a0 && load<u64>(at, FLOW6_SRC + 8) == a1 &&
      load<u64>(at, FLOW6_DST) == a2 && load<u64>(at, FLOW6_DST + 8) == a3 &&
      (load<u64>(at, FLOW6_PORTS) & KEY_TAIL_MASK) == tail
    ) return at;
    at = next6(at);
  }
}

/** Slot of the IPv6 key, or 0. */
// @ts-ignore: decorator
@inline export function find6(addresses: usize, ports: u32, protocol: u32): usize {
  return probe6(home6(addresses, ports, protocol), addresses, ports, protocol);
}

// ---------------------------------------------------------------------------------------
// Control calls

/** Smallest power of two ≥ n (n ≥ 1). */
function pow2AtLeast(n: u32): u32 {
  return n <= 1 ? 1 : <u32>1 << (32 - clz(n - 1));
}

/**
 * (Re)allocates the cache for `flows` IPv4 flows and `flows6` IPv6 flows (two keys each)
 * and empties it. ST_BAD_ARGUMENT when either exceeds FLOW_CACHE_MAX_FLOWS.
 */
export function reserveFlowCache(flows: u32, flows6: u32): i32 {
  if (flows > FLOW_CACHE_MAX_FLOWS || flows6 > FLOW_CACHE_MAX_FLOWS) return ST_BAD_ARGUMENT;
  if (flow4Base != 0) {
    heap.free(flow6Base);
    heap.free(flow4Base);
  }
  // Two keys per flow, at most half the slots used.
  const slots4 = pow2AtLeast(flows << 2 < 16 ? 16 : flows << 2);
  flow4Base = heap.alloc(<usize>slots4 << FLOW4_SHIFT);
  memory.fill(flow4Base, 0, <usize>slots4 << FLOW4_SHIFT);
  flow4Mask = slots4 - 1;
  flow4Limit = flows << 1;
  flow4Count = 0;

  const slots6 = pow2AtLeast(flows6 << 2 < 16 ? 16 : flows6 << 2);
  flow6Base = heap.alloc(<usize>slots6 << FLOW6_SHIFT);
  memory.fill(flow6Base, 0, <usize>slots6 << FLOW6_SHIFT);
  flow6Mask = slots6 - 1;
  flow6Limit = flows6 << 1;
  flow6Count = 0;
  return ST_OK;
}

/** Removes every key. */
export function clearFlowCache(): void {
  if (flow4Base == 0) return;
  memory.fill(flow4Base, 0, <usize>(flow4Mask + 1) << FLOW4_SHIFT);
  memory.fill(flow6Base, 0, <usize>(flow6Mask + 1) << FLOW6_SHIFT);
  flow4Count = 0;
  flow6Count = 0;
}

/** Slot of the staged key in its family's table, or 0 (also 0 for a bad family). */
function findStaged(): usize {
  const s = flowKeyStaging;
  const family = <u32>load<u8>(s, FK_FAMILY);
  const ports = load<u32>(s, FK_PORTS);
  const protocol = <u32>load<u8>(s, FK_PROTOCOL);
  if (flow4Base == 0) return 0;
  if (family == 4) return find4(bswap<u32>(load<u32>(s, FK_SRC)), bswap<u32>(load<u32>(s, FK_DST)), swapPortBytes(ports), protocol);
  if (family == 6) return find6(s + FK_SRC, ports, protocol); // FK_DST follows FK_SRC
  return 0;
}

/** Token of the staged key, or 0. */
export function lookupStaged(): u32 {
  const at = findStaged();
  if (at == 0) return 0;
  return load<u8>(flowKeyStaging, FK_FAMILY) == 4 ? load<u32>(at, FLOW4_TOKEN) : load<u32>(at, FLOW6_TOKEN);
}

/** Writes the staged value (direction, rewrite, token, timer; sequence cleared) into an IPv4 slot. */
function writeValue4(at: usize): void {
  const s = flowKeyStaging;
  store<u8>(at, load<u8>(s, FK_DIRECTION), FLOW4_DIRECTION);
  store<u8>(at, load<u8>(s, FK_NAT_FLAGS), FLOW4_NAT_FLAGS);
  store<u32>(at, bswap<u32>(load<u32>(s, FK_NEW_SRC)), FLOW4_NEW_SRC);
  store<u32>(at, bswap<u32>(load<u32>(s, FK_NEW_DST)), FLOW4_NEW_DST);
  store<u32>(at, swapPortBytes(load<u32>(s, FK_NEW_PORTS)), FLOW4_NEW_PORTS);
  store<u32>(at, load<u32>(s, FK_TOKEN), FLOW4_TOKEN);
  store<f64>(at, load<f64>(s, FK_DEADLINE), FLOW4_DEADLINE);
  store<f64>(at, load<f64>(s, FK_TIMEOUT), FLOW4_TIMEOUT);
  store<u32>(at, 0, FLOW4_SEQUENCE);
}

function writeValue6(at: usize): void {
  const s = flowKeyStaging;
  store<u8>(at, load<u8>(s, FK_DIRECTION), FLOW6_DIRECTION);
  store<u8>(at, load<u8>(s, FK_NAT_FLAGS), FLOW6_NAT_FLAGS);
  memory.copy(at + FLOW6_NEW_SRC, s + FK_NEW_SRC, 16);
  memory.copy(at + FLOW6_NEW_DST, s + FK_NEW_DST, 16);
  store<u32>(at, load<u32>(s, FK_NEW_PORTS), FLOW6_NEW_PORTS);
  store<u32>(at, load<u32>(s, FK_TOKEN), FLOW6_TOKEN);
  store<f64>(at, load<f64>(s, FK_DEADLINE), FLOW6_DEADLINE);
  store<f64>(at, load<f64>(s, FK_TIMEOUT), FLOW6_TIMEOUT);
  store<u32>(at, 0, FLOW6_SEQUENCE);
}

/**
 * Inserts the staged key with its value and timer, or replaces the value and timer of an
 * existing one (its counters are kept; a new key's start at 0). Either way its sequence
 * is cleared. ST_NO_MEMORY when its family's table is full (nothing changes),
 * ST_BAD_ARGUMENT for a bad family, direction or token 0.
 */
export function insertStaged(): i32 {
  const s = flowKeyStaging;
  const family = <u32>load<u8>(s, FK_FAMILY);
  if (flow4Base == 0 || (family != 4 && family != 6) || load<u32>(s, FK_TOKEN) == 0 || load<u8>(s, FK_DIRECTION) > 1) return ST_BAD_ARGUMENT;
  const found = findStaged();
  if (found != 0) {
    if (family == 4) writeValue4(found);
    else writeValue6(found);
    return ST_OK;
  }
  const ports = load<u32>(s, FK_PORTS);
  const protocol = <u32>load<u8>(s, FK_PROTOCOL);
  if (family == 4) {
    if (flow4Count >= flow4Limit) return ST_NO_MEMORY;
    const src = bswap<u32>(load<u32>(s, FK_SRC));
    const dst = bswap<u32>(load<u32>(s, FK_DST));
    const ports4 = swapPortBytes(ports);
    let slot = flow4Hash(src, dst, ports4, protocol) & flow4Mask;
    while (load<u32>(flow4Base + (<usize>slot << FLOW4_SHIFT), FLOW4_TOKEN) != 0) slot = (slot + 1) & flow4Mask;
    const at = flow4Base + (<usize>slot << FLOW4_SHIFT);
    memory.fill(at, 0, FLOW4_BYTES);
    store<u32>(at, src, FLOW4_SRC);
    store<u32>(at, dst, FLOW4_DST);
    store<u32>(at, ports4, FLOW4_PORTS);
    store<u8>(at, <u8>protocol, FLOW4_PROTOCOL);
    writeValue4(at);
    flow4Count++;
    assert(flow4Count << 1 <= flow4Mask + 1, "flow cache above half load");
    return ST_OK;
  }
  if (flow6Count >= flow6Limit) return ST_NO_MEMORY;
  let slot = flow6Hash(s + FK_SRC, ports, protocol) & flow6Mask;
  while (load<u32>(flow6Base + (<usize>slot << FLOW6_SHIFT), FLOW6_TOKEN) != 0) slot = (slot + 1) & flow6Mask;
  const at = flow6Base + (<usize>slot << FLOW6_SHIFT);
  memory.fill(at, 0, FLOW6_BYTES);
  memory.copy(at + FLOW6_SRC, s + FK_SRC, 16);
  memory.copy(at + FLOW6_DST, s + FK_DST, 16);
  store<u32>(at, ports, FLOW6_PORTS);
  store<u8>(at, <u8>protocol, FLOW6_PROTOCOL);
  writeValue6(at);
  flow6Count++;
  assert(flow6Count << 1 <= flow6Mask + 1, "flow cache above half load");
  return ST_OK;
}

/**
 * Copies the staged key's timer, sequence and counters into the staging record (FK_DEADLINE,
 * FK_TIMEOUT, FK_SEQUENCE, FK_PACKETS, FK_BYTES); with `clear`, then clears its sequence
 * (the SDK has taken in what the fast path did). ST_OK or ST_NOT_FOUND.
 */
export function readStaged(clear: bool): i32 {
  const at = findStaged();
  if (at == 0) return ST_NOT_FOUND;
  const s = flowKeyStaging;
  if (load<u8>(s, FK_FAMILY) == 4) {
    store<f64>(s, load<f64>(at, FLOW4_DEADLINE), FK_DEADLINE);
    store<f64>(s, load<f64>(at, FLOW4_TIMEOUT), FK_TIMEOUT);
    store<u32>(s, load<u32>(at, FLOW4_SEQUENCE), FK_SEQUENCE);
    store<u32>(s, load<u32>(at, FLOW4_PACKETS), FK_PACKETS);
    store<u64>(s, load<u64>(at, FLOW4_BYTES_COUNT), FK_BYTES);
    if (clear) store<u32>(at, 0, FLOW4_SEQUENCE);
  } else {
    store<f64>(s, load<f64>(at, FLOW6_DEADLINE), FK_DEADLINE);
    store<f64>(s, load<f64>(at, FLOW6_TIMEOUT), FK_TIMEOUT);
    store<u32>(s, load<u32>(at, FLOW6_SEQUENCE), FK_SEQUENCE);
    store<u32>(s, load<u32>(at, FLOW6_PACKETS), FK_PACKETS);
    store<u64>(s, load<u64>(at, FLOW6_BYTES_COUNT), FK_BYTES);
    if (clear) store<u32>(at, 0, FLOW6_SEQUENCE);
  }
  return ST_OK;
}

/**
 * Removes the staged key by backward-shift deletion (Knuth, TAOCP vol. 3, 6.4, Algorithm
 * R; see frontends.ts): later keys of the probe run move back into the hole.
 */
export function removeStaged(): i32 {
  const found = findStaged();
  if (found == 0) return ST_NOT_FOUND;
  if (load<u8>(flowKeyStaging, FK_FAMILY) == 4) {
    const base = flow4Base;
    const mask = flow4Mask;
    let hole = <u32>((found - base) >>> FLOW4_SHIFT);
    let next = hole;
    while (true) {
      next = (next + 1) & mask;
      const at = base + (<usize>next << FLOW4_SHIFT);
      if (load<u32>(at, FLOW4_TOKEN) == 0) break;
      const home = flow4Hash(load<u32>(at, FLOW4_SRC), load<u32>(at, FLOW4_DST), load<u32>(at, FLOW4_PORTS), <u32>load<u8>(at, FLOW4_PROTOCOL)) & mask;
      // The key at `next` may fill the hole only if its home is not cyclically in (hole, next].
      if (hole <= next ? hole < home && home <= next : hole < home || home <= next) continue;
      memory.copy(base + (<usize>hole << FLOW4_SHIFT), at, FLOW4_BYTES);
      hole = next;
    }
    memory.fill(base + (<usize>hole << FLOW4_SHIFT), 0, FLOW4_BYTES);
    flow4Count--;
    return ST_OK;
  }
  const base = flow6Base;
  const mask = flow6Mask;
  let hole = <u32>((found - base) >>> FLOW6_SHIFT);
  let next = hole;
  while (true) {
    next = (next + 1) & mask;
    const at = base + (<usize>next << FLOW6_SHIFT);
    if (load<u32>(at, FLOW6_TOKEN) == 0) break;
    const home = flow6Hash(at + FLOW6_SRC, load<u32>(at, FLOW6_PORTS), <u32>load<u8>(at, FLOW6_PROTOCOL)) & mask;
    if (hole <= next ? hole < home && home <= next : hole < home || home <= next) continue;
    memory.copy(base + (<usize>hole << FLOW6_SHIFT), at, FLOW6_BYTES);
    hole = next;
  }
  memory.fill(base + (<usize>hole << FLOW6_SHIFT), 0, FLOW6_BYTES);
  flow6Count--;
  return ST_OK;
}

export function flowCacheBytes(): usize {
  if (flow4Base == 0) return 0;
  return (<usize>(flow4Mask + 1) << FLOW4_SHIFT) + (<usize>(flow6Mask + 1) << FLOW6_SHIFT);
}
