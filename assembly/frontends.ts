// Frontend table: (IPv4 address, port, protocol) → service port id.
// Layout and probing rules: see layout.ts ("Frontend slot").

import {
  FRONTEND_BYTES, FRONTEND_SHIFT, FRONTEND_KEY, FRONTEND_ID, FRONTEND_KIND,
  FRONTEND_INITIAL_SLOTS,
} from "./layout";
import { frontendHash } from "./hash";
import { ST_OK, ST_EXISTS, ST_NOT_FOUND } from "./status";

/** Base address of the slot array. */
export let frontendBase: usize = 0;
/** Slot count minus one (the slot count is a power of two). */
export let frontendMask: u32 = 0;
/** Number of bound frontends. */
export let frontendCount: u32 = 0;

// @ts-ignore: decorator
@inline export function frontendKey(address: u32, portProto: u32): u64 {
  return <u64>address | (<u64>portProto << 32);
}

// @ts-ignore: decorator
@inline export function portProto(port: u32, protocol: u32): u32 {
  return (port & 0xffff) | ((protocol & 0xff) << 16);
}

// @ts-ignore: decorator
@inline function slotAt(base: usize, slot: u32): usize {
  return base + (<usize>slot << FRONTEND_SHIFT);
}

export function initFrontends(): void {
  frontendBase = allocSlots(FRONTEND_INITIAL_SLOTS);
  frontendMask = FRONTEND_INITIAL_SLOTS - 1;
  frontendCount = 0;
}

function allocSlots(slots: u32): usize {
  const bytes = <usize>slots << FRONTEND_SHIFT;
  const base = heap.alloc(bytes);
  memory.fill(base, 0, bytes);
  return base;
}

/**
 * Slot address of `key` in the table at (base, mask), or 0 when absent.
 * The kernel inlines its own copy of this loop over locals.
 */
export function findSlot(key: u64, hash: u32): usize {
  const base = frontendBase;
  const mask = frontendMask;
  let slot = hash & mask;
  while (true) {
    const at = slotAt(base, slot);
    if (load<u32>(at, FRONTEND_ID) == 0) return 0;
    if (load<u64>(at, FRONTEND_KEY) == key) return at;
    slot = (slot + 1) & mask;
  }
}

/** Service port id bound to the key, or 0. */
export function lookupFrontend(address: u32, port: u32, protocol: u32): u32 {
  const pp = portProto(port, protocol);
  const at = findSlot(frontendKey(address, pp), frontendHash(address, pp));
  return at == 0 ? 0 : load<u32>(at, FRONTEND_ID);
}

function insertSlot(base: usize, mask: u32, key: u64, hash: u32, id: u32, kind: u32): void {
  let slot = hash & mask;
  while (load<u32>(slotAt(base, slot), FRONTEND_ID) != 0) slot = (slot + 1) & mask;
  const at = slotAt(base, slot);
  store<u64>(at, key, FRONTEND_KEY);
  store<u32>(at, id, FRONTEND_ID);
  store<u32>(at, kind & 0xff, FRONTEND_KIND);
}

/** Doubles the table and re-inserts every entry. Control path only. */
function growFrontends(): void {
  const oldBase = frontendBase;
  const oldSlots = frontendMask + 1;
  const slots = oldSlots << 1;
  const base = allocSlots(slots);
  const mask = slots - 1;
  for (let s: u32 = 0; s < oldSlots; s++) {
    const at = slotAt(oldBase, s);
    const id = load<u32>(at, FRONTEND_ID);
    if (id == 0) continue;
    const key = load<u64>(at, FRONTEND_KEY);
    const hash = frontendHash(<u32>key, <u32>(key >>> 32));
    insertSlot(base, mask, key, hash, id, load<u8>(at, FRONTEND_KIND));
  }
  heap.free(oldBase);
  frontendBase = base;
  frontendMask = mask;
}

export function addFrontend(address: u32, port: u32, protocol: u32, kind: u32, id: u32): i32 {
  const pp = portProto(port, protocol);
  const key = frontendKey(address, pp);
  const hash = frontendHash(address, pp);
  if (findSlot(key, hash) != 0) return ST_EXISTS;
  if ((frontendCount + 1) << 1 > frontendMask + 1) growFrontends();
  insertSlot(frontendBase, frontendMask, key, hash, id, kind);
  frontendCount++;
  assert(frontendCount << 1 <= frontendMask + 1, "frontend table above half load");
  return ST_OK;
}

/**
 * Removes a key by backward-shift deletion (Knuth, TAOCP vol. 3, 6.4, Algorithm R):
 * later entries of the probe run move back into the hole, so no tombstones accumulate
 * and lookups stay as short as right after insertion.
 */
export function removeFrontend(address: u32, port: u32, protocol: u32): i32 {
  const pp = portProto(port, protocol);
  const found = findSlot(frontendKey(address, pp), frontendHash(address, pp));
  if (found == 0) return ST_NOT_FOUND;
  const base = frontendBase;
  const mask = frontendMask;
  let hole = <u32>((found - base) >>> FRONTEND_SHIFT);
  let next = hole;
  while (true) {
    next = (next + 1) & mask;
    const at = slotAt(base, next);
    if (load<u32>(at, FRONTEND_ID) == 0) break;
    const key = load<u64>(at, FRONTEND_KEY);
    const home = frontendHash(<u32>key, <u32>(key >>> 32)) & mask;
    // The entry at `next` may fill the hole only if its home is not cyclically in (hole, next].
    const stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (stays) continue;
    memory.copy(slotAt(base, hole), at, FRONTEND_BYTES);
    hole = next;
  }
  memory.fill(slotAt(base, hole), 0, FRONTEND_BYTES);
  assert(frontendCount > 0, "frontend count underflow");
  frontendCount--;
  return ST_OK;
}

export function frontendBytes(): usize {
  return <usize>(frontendMask + 1) << FRONTEND_SHIFT;
}
