// DNS answer buffers: the single-query input/output pair and the batch areas.
// Layouts: layout.ts ("Answer buffers", "Batch").

import {
  DNS_MAX_MESSAGE, DNS_OUT_SLACK, DNS_INPUT_INITIAL_BYTES, DNS_WORD_PAD, DNS_DROP,
  DNS_NO_SPACE, DNS_BATCH_ENTRY_BYTES, DNS_QUERY_OFFSET, DNS_QUERY_LENGTH,
  DNS_QUERY_TRANSPORT, DNS_RESPONSE_OFFSET, DNS_RESPONSE_RESULT, DNS_BATCH_MAX_QUERIES,
  DNS_BATCH_MAX_BYTES,
} from "./layout";
import { ST_OK, ST_BATCH_TOO_LARGE } from "./status";
import { answerQuery } from "./dnswire";

export let dnsInput: usize = 0;
export let dnsInputCapacity: u32 = 0;
export let dnsOutput: usize = 0;

export let batchQueryIndex: usize = 0;
export let batchQueries: usize = 0;
export let batchResponseIndex: usize = 0;
export let batchResponses: usize = 0;
export let batchCapacity: u32 = 0;
export let batchQueryBytes: u32 = 0;
export let batchResponseBytes: u32 = 0;

export function initBuffers(): void {
  dnsInputCapacity = DNS_INPUT_INITIAL_BYTES;
  dnsInput = heap.alloc(<usize>dnsInputCapacity + DNS_WORD_PAD);
  dnsOutput = heap.alloc(<usize>DNS_MAX_MESSAGE + DNS_OUT_SLACK + DNS_WORD_PAD);
}

export function reserveInput(bytes: u32): i32 {
  if (bytes <= dnsInputCapacity) return ST_OK;
  if (bytes > DNS_BATCH_MAX_BYTES) return ST_BATCH_TOO_LARGE;
  heap.free(dnsInput);
  dnsInput = heap.alloc(<usize>bytes + DNS_WORD_PAD);
  dnsInputCapacity = bytes;
  return ST_OK;
}

/** Answers the query at the input buffer's start into the output buffer. */
export function answerOne(length: u32, transport: u32): i32 {
  if (length > dnsInputCapacity) return DNS_DROP;
  return answerQuery(dnsInput, length, transport, dnsOutput, DNS_MAX_MESSAGE + DNS_OUT_SLACK);
}

/** Grows the batch areas to hold at least `count` queries and the given byte sizes. */
export function reserveBatch(count: u32, queryBytes: u32, responseBytes: u32): i32 {
  if (count > DNS_BATCH_MAX_QUERIES || queryBytes > DNS_BATCH_MAX_BYTES || responseBytes > DNS_BATCH_MAX_BYTES) {
    return ST_BATCH_TOO_LARGE;
  }
  if (count <= batchCapacity && queryBytes <= batchQueryBytes && responseBytes <= batchResponseBytes) return ST_OK;
  if (count < batchCapacity) count = batchCapacity;
  if (queryBytes < batchQueryBytes) queryBytes = batchQueryBytes;
  if (responseBytes < batchResponseBytes) responseBytes = batchResponseBytes;
  if (batchCapacity != 0) {
    heap.free(batchResponses);
    heap.free(batchResponseIndex);
    heap.free(batchQueries);
    heap.free(batchQueryIndex);
  }
  const index = <usize>count * DNS_BATCH_ENTRY_BYTES;
  batchQueryIndex = heap.alloc(index);
  memory.fill(batchQueryIndex, 0, index);
  batchQueries = heap.alloc(<usize>queryBytes + DNS_WORD_PAD);
  batchResponseIndex = heap.alloc(index);
  memory.fill(batchResponseIndex, 0, index);
  batchResponses = heap.alloc(<usize>responseBytes + DNS_WORD_PAD);
  batchCapacity = count;
  batchQueryBytes = queryBytes;
  batchResponseBytes = responseBytes;
  return ST_OK;
}

/**
 * Answers `count` queries of the batch areas (count ≤ batchCapacity, checked by the
 * export). Returns how many were answered: fewer when the response area fills up.
 */
export function answerBatch(count: u32): u32 {
  const queryIndex = batchQueryIndex;
  const queries = batchQueries;
  const queryBytes = <u64>batchQueryBytes;
  const responseIndex = batchResponseIndex;
  const responses = batchResponses;
  const responseBytes = batchResponseBytes;
  let used: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const entry = queryIndex + <usize>i * DNS_BATCH_ENTRY_BYTES;
    const offset = load<u32>(entry, DNS_QUERY_OFFSET);
    const length = <u32>load<u16>(entry, DNS_QUERY_LENGTH);
    const transport = <u32>load<u8>(entry, DNS_QUERY_TRANSPORT);
    let result: i32 = DNS_DROP;
    if (<u64>offset + length <= queryBytes) {
      result = answerQuery(queries + offset, length, transport, responses + used, responseBytes - used);
      if (result == DNS_NO_SPACE) return i;
    }
    const response = responseIndex + <usize>i * DNS_BATCH_ENTRY_BYTES;
    store<u32>(response, used, DNS_RESPONSE_OFFSET);
    store<i32>(response, result, DNS_RESPONSE_RESULT);
    if (result > 0) used += <u32>result;
  }
  return count;
}

export function bufferBytes(): usize {
  return <usize>dnsInputCapacity + DNS_MAX_MESSAGE + DNS_OUT_SLACK + 2 * DNS_WORD_PAD +
    (batchCapacity == 0 ? 0 : <usize>batchCapacity * DNS_BATCH_ENTRY_BYTES * 2 + batchQueryBytes + batchResponseBytes + 2 * DNS_WORD_PAD);
}
