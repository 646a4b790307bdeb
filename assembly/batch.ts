// Batch buffers: `capacity` packet records in, as many verdict records out.

import { PACKET_BYTES, VERDICT_BYTES, BATCH_INITIAL_RECORDS } from "./layout";

export let batchInput: usize = 0;
export let batchOutput: usize = 0;
export let batchCapacity: u32 = 0;

export function initBatch(): void {
  batchCapacity = BATCH_INITIAL_RECORDS;
  batchInput = heap.alloc(<usize>batchCapacity * PACKET_BYTES);
  batchOutput = heap.alloc(<usize>batchCapacity * VERDICT_BYTES);
}

/** Grows both buffers to hold at least `capacity` records; returns false when too large. */
export function reserveBatch(capacity: u32): bool {
  if (capacity <= batchCapacity) return true;
  if (capacity > (1 << 24)) return false;
  heap.free(batchOutput);
  heap.free(batchInput);
  batchInput = heap.alloc(<usize>capacity * PACKET_BYTES);
  batchOutput = heap.alloc(<usize>capacity * VERDICT_BYTES);
  batchCapacity = capacity;
  return true;
}

export function batchBytes(): usize {
  return <usize>batchCapacity * (PACKET_BYTES + VERDICT_BYTES);
}
