// Service port table and backend pool. Layout: see layout.ts ("Service port record",
// "Backend entry").

import {
  SERVICE_PORT_SHIFT, SERVICE_PORT_BYTES, SP_BACKEND_BASE, SP_BACKEND_COUNT,
  SP_CLASS, SP_FLAGS, SP_LIVE, SP_FAMILY, SERVICE_PORT_INITIAL_RECORDS,
  MAX_SERVICE_PORT_ID, BACKEND_SHIFT, BACKEND_ADDR, BACKEND_PORT, BACKEND_FLAGS,
  BACKEND_INITIAL_ENTRIES, BACKEND_SIZE_CLASSES, MAX_BACKENDS_PER_SERVICE_PORT, MAX_BACKEND_POOL_ENTRIES,
} from "./layout";
import { ST_OK, ST_NOT_FOUND, ST_BAD_ARGUMENT, ST_NO_MEMORY } from "./status";

/** Base of the service port records; record `id` is at base + id * 16. */
export let servicePortBase: usize = 0;
/** Number of records the table holds (ids 0 .. servicePortRecords - 1). */
export let servicePortRecords: u32 = 0;
/** Base of the backend pool; entry `i` is at base + i * 8. */
export let backendPoolBase: usize = 0;
/** Entries the pool holds. */
let backendPoolEntries: u32 = 0;
/** Entries handed out by the bump pointer (free ranges are below it). */
let backendPoolUsed: u32 = 0;
/** Head of each size class's free list: base + 1 of a free range, 0 = empty. */
const freeHeads: usize = memory.data(BACKEND_SIZE_CLASSES * 4);

// @ts-ignore: decorator
@inline export function servicePortAt(id: u32): usize {
  return servicePortBase + (<usize>id << SERVICE_PORT_SHIFT);
}

// @ts-ignore: decorator
@inline function backendAt(index: u32): usize {
  return backendPoolBase + (<usize>index << BACKEND_SHIFT);
}

export function initServices(): void {
  const spBytes = <usize>SERVICE_PORT_INITIAL_RECORDS << SERVICE_PORT_SHIFT;
  servicePortBase = heap.alloc(spBytes);
  memory.fill(servicePortBase, 0, spBytes);
  servicePortRecords = SERVICE_PORT_INITIAL_RECORDS;
  const poolBytes = <usize>BACKEND_INITIAL_ENTRIES << BACKEND_SHIFT;
  backendPoolBase = heap.alloc(poolBytes);
  backendPoolEntries = BACKEND_INITIAL_ENTRIES;
  backendPoolUsed = 0;
  memory.fill(freeHeads, 0, BACKEND_SIZE_CLASSES * 4);
}

export function isLive(id: u32): bool {
  return id != 0 && id < servicePortRecords && load<u8>(servicePortAt(id), SP_LIVE) != 0;
}

export function upsertServicePort(id: u32, flags: u32): i32 {
  if (id == 0 || id > MAX_SERVICE_PORT_ID) return ST_BAD_ARGUMENT;
  if (id >= servicePortRecords) {
    let records = servicePortRecords << 1;
    if (records <= id) records = id + 1;
    const oldBytes = <usize>servicePortRecords << SERVICE_PORT_SHIFT;
    const bytes = <usize>records << SERVICE_PORT_SHIFT;
    servicePortBase = heap.realloc(servicePortBase, bytes);
    memory.fill(servicePortBase + oldBytes, 0, bytes - oldBytes);
    servicePortRecords = records;
  }
  const at = servicePortAt(id);
  store<u32>(at, flags, SP_FLAGS);
  if (load<u8>(at, SP_LIVE) == 0) {
    store<u8>(at, 1, SP_LIVE);
    store<u8>(at, 4, SP_FAMILY);
  }
  return ST_OK;
}

export function removeServicePort(id: u32): i32 {
  if (id == 0 || id > MAX_SERVICE_PORT_ID) return ST_BAD_ARGUMENT;
  if (!isLive(id)) return ST_NOT_FOUND;
  const at = servicePortAt(id);
  const capacity = rangeCapacity(at);
  if (capacity != 0) freeRange(load<u32>(at, SP_BACKEND_BASE), capacity);
  memory.fill(at, 0, SERVICE_PORT_BYTES);
  return ST_OK;
}

export function servicePortFlags(id: u32): u32 {
  return isLive(id) ? load<u32>(servicePortAt(id), SP_FLAGS) : 0;
}

export function backendCount(id: u32): u32 {
  return isLive(id) ? load<u32>(servicePortAt(id), SP_BACKEND_COUNT) : 0;
}

/** allocRange's answer when the pool cannot grow any more. */
// @ts-ignore: decorator
@inline const NO_RANGE: u32 = 0xffff_ffff;

// @ts-ignore: decorator
@inline function sizeClass(capacity: u32): u32 {
  return 31 - clz<u32>(capacity);
}

/** Capacity of a record's backend range (0 when it has none). */
// @ts-ignore: decorator
@inline function rangeCapacity(record: usize): u32 {
  const cls = <u32>load<u8>(record, SP_CLASS);
  return cls == 0 ? 0 : <u32>1 << (cls - 1);
}

/** Takes a range of `capacity` entries (a power of two) from its free list or the pool; NO_RANGE when the pool is full. */
function allocRange(capacity: u32): u32 {
  const head = freeHeads + (<usize>sizeClass(capacity) << 2);
  const free = load<u32>(head);
  if (free != 0) {
    const base = free - 1;
    store<u32>(head, load<u32>(backendAt(base), BACKEND_ADDR));
    return base;
  }
  const needed = <u64>backendPoolUsed + capacity;
  if (needed > <u64>MAX_BACKEND_POOL_ENTRIES) return NO_RANGE;
  if (needed > <u64>backendPoolEntries) {
    let entries = <u64>backendPoolEntries << 1;
    if (entries < needed) entries = needed;
    if (entries > <u64>MAX_BACKEND_POOL_ENTRIES) entries = MAX_BACKEND_POOL_ENTRIES;
    backendPoolBase = heap.realloc(backendPoolBase, <usize>entries << BACKEND_SHIFT);
    backendPoolEntries = <u32>entries;
  }
  const base = backendPoolUsed;
  backendPoolUsed += capacity;
  assert(backendPoolUsed <= backendPoolEntries, "backend pool overflow");
  return base;
}

function freeRange(base: u32, capacity: u32): void {
  assert(capacity != 0 && (capacity & (capacity - 1)) == 0, "backend range capacity is not a power of two");
  assert(<u64>base + capacity <= <u64>backendPoolUsed, "freed backend range lies outside the pool");
  const head = freeHeads + (<usize>sizeClass(capacity) << 2);
  store<u32>(backendAt(base), load<u32>(head), BACKEND_ADDR);
  store<u32>(head, base + 1);
}

/**
 * Sets the backend count of a service port. Entries below min(old, new) keep their
 * values; entries from the old count up to the new one are zeroed. The range moves to a
 * larger size class only when it overflows, and is released when the count drops to 0.
 */
export function setBackendCount(id: u32, count: u32): i32 {
  if (id == 0 || id > MAX_SERVICE_PORT_ID || count > MAX_BACKENDS_PER_SERVICE_PORT) {
    return ST_BAD_ARGUMENT;
  }
  if (!isLive(id)) return ST_NOT_FOUND;
  const at = servicePortAt(id);
  const oldCount = load<u32>(at, SP_BACKEND_COUNT);
  const capacity = rangeCapacity(at);
  if (count == 0) {
    if (capacity != 0) freeRange(load<u32>(at, SP_BACKEND_BASE), capacity);
    store<u32>(at, 0, SP_BACKEND_BASE);
    store<u8>(at, 0, SP_CLASS);
  } else if (count > capacity) {
    const newCapacity = count == 1 ? 1 : <u32>1 << (32 - clz<u32>(count - 1));
    const base = allocRange(newCapacity); // may move the pool, never the records
    if (base == NO_RANGE) return ST_NO_MEMORY;
    if (capacity != 0) {
      const oldBase = load<u32>(at, SP_BACKEND_BASE);
      memory.copy(backendAt(base), backendAt(oldBase), <usize>oldCount << BACKEND_SHIFT);
      freeRange(oldBase, capacity);
    }
    memory.fill(backendAt(base + oldCount), 0, <usize>(count - oldCount) << BACKEND_SHIFT);
    store<u32>(at, base, SP_BACKEND_BASE);
    store<u8>(at, <u8>(sizeClass(newCapacity) + 1), SP_CLASS);
  } else if (count > oldCount) {
    const base = load<u32>(at, SP_BACKEND_BASE);
    memory.fill(backendAt(base + oldCount), 0, <usize>(count - oldCount) << BACKEND_SHIFT);
  }
  store<u32>(at, count, SP_BACKEND_COUNT);
  return ST_OK;
}

export function writeBackend(id: u32, index: u32, address: u32, port: u32, flags: u32): i32 {
  if (id == 0 || id > MAX_SERVICE_PORT_ID || port > 0xffff || flags > 0xffff) return ST_BAD_ARGUMENT;
  if (!isLive(id)) return ST_NOT_FOUND;
  const at = servicePortAt(id);
  if (index >= load<u32>(at, SP_BACKEND_COUNT)) return ST_BAD_ARGUMENT;
  const entry = backendAt(load<u32>(at, SP_BACKEND_BASE) + index);
  store<u32>(entry, address, BACKEND_ADDR);
  store<u16>(entry, <u16>port, BACKEND_PORT);
  store<u16>(entry, <u16>flags, BACKEND_FLAGS);
  return ST_OK;
}

export function servicePortBytes(): usize {
  return <usize>servicePortRecords << SERVICE_PORT_SHIFT;
}

export function backendPoolBytes(): usize {
  return <usize>backendPoolEntries << BACKEND_SHIFT;
}
