// The DNS byte heap: name records and RRset blocks, 16-byte granules, size-class free
// lists. Layout and classes: layout.ts ("Byte heap"). Allocation may move the region
// (offsets stay valid); it happens in control calls only.

import {
  HEAP_GRANULE, HEAP_SMALL_LIMIT, HEAP_CLASSES, HEAP_INITIAL_BYTES, HEAP_MAX_BYTES,
  DNS_WORD_PAD,
} from "./layout";

/** Base address of the heap region; offset o lives at dnsHeapBase + o. */
export let dnsHeapBase: usize = 0;
/** Bytes that may be handed out (the region holds DNS_WORD_PAD more). */
let heapCapacity: u32 = 0;
/** Bump pointer: bytes below it were handed out at least once. */
let heapTop: u32 = 0;
/** Bytes currently handed out (for accounting and tests). */
export let heapLive: u32 = 0;
/** Head of each size class's free list (heap offset, 0 = empty). */
const freeHeads: usize = memory.data(HEAP_CLASSES * 4);

export function initHeap(): void {
  heapCapacity = HEAP_INITIAL_BYTES;
  dnsHeapBase = heap.alloc(<usize>heapCapacity + DNS_WORD_PAD);
  memory.fill(dnsHeapBase, 0, <usize>heapCapacity + DNS_WORD_PAD);
  heapTop = HEAP_GRANULE; // offset 0 means "none"
  heapLive = 0;
  memory.fill(freeHeads, 0, HEAP_CLASSES * 4);
}

/** Block size of a request: 16-byte steps up to 1 KiB, then powers of two. */
// @ts-ignore: decorator
@inline export function blockBytes(bytes: u32): u32 {
  if (bytes <= HEAP_SMALL_LIMIT) return (bytes + HEAP_GRANULE - 1) & ~(HEAP_GRANULE - 1);
  return <u32>1 << (32 - clz<u32>(bytes - 1));
}

// @ts-ignore: decorator
@inline function sizeClass(block: u32): u32 {
  if (block <= HEAP_SMALL_LIMIT) return (block >> 4) - 1;
  return 64 + (31 - clz<u32>(block)) - 11;
}

/**
 * True when blocks of `first` and `second` bytes (0 = none) can be allocated without the
 * heap passing HEAP_MAX_BYTES. Conservative: free lists are not counted.
 */
export function heapCanHold(first: u32, second: u32): bool {
  const limit = HEAP_MAX_BYTES >> 1;
  if (first > limit || second > limit) return false;
  const a: u64 = first == 0 ? 0 : blockBytes(first);
  const b: u64 = second == 0 ? 0 : blockBytes(second);
  return <u64>heapTop + a + b <= <u64>HEAP_MAX_BYTES;
}

/** Allocates a zeroed block of at least `bytes`; returns its offset. Check heapCanHold first. */
export function heapAlloc(bytes: u32): u32 {
  const block = blockBytes(bytes);
  const cls = sizeClass(block);
  assert(cls < HEAP_CLASSES, "heap request above the largest size class");
  const head = freeHeads + (<usize>cls << 2);
  let offset = load<u32>(head);
  if (offset != 0) {
    store<u32>(head, load<u32>(dnsHeapBase + offset));
  } else {
    const needed = <u64>heapTop + block;
    assert(needed <= <u64>HEAP_MAX_BYTES, "heap above its limit");
    if (needed > <u64>heapCapacity) {
      let capacity = <u64>heapCapacity << 1;
      while (capacity < needed) capacity <<= 1;
      if (capacity > <u64>HEAP_MAX_BYTES) capacity = HEAP_MAX_BYTES;
      dnsHeapBase = heap.realloc(dnsHeapBase, <usize>capacity + DNS_WORD_PAD);
      memory.fill(dnsHeapBase + heapCapacity, 0, <usize>(<u32>capacity - heapCapacity) + DNS_WORD_PAD);
      heapCapacity = <u32>capacity;
    }
    offset = heapTop;
    heapTop += block;
  }
  memory.fill(dnsHeapBase + offset, 0, block);
  heapLive += block;
  return offset;
}

/** Returns a block of `bytes` (the size it was allocated with) to its free list. */
export function heapFree(offset: u32, bytes: u32): void {
  const block = blockBytes(bytes);
  assert(offset != 0 && offset + block <= heapTop, "freed block lies outside the heap");
  const head = freeHeads + (<usize>sizeClass(block) << 2);
  store<u32>(dnsHeapBase + offset, load<u32>(head));
  store<u32>(head, offset);
  heapLive -= block;
}

export function heapBytes(): usize {
  return <usize>heapCapacity + DNS_WORD_PAD;
}
