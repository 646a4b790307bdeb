// The core's export surface: numbers in, numbers out. No managed object crosses it.
// Control calls return ST_* status codes (status.ts) and may grow memory; `routeBatch`
// never allocates. Layouts: layout.ts.

import { ST_OK, ST_NOT_FOUND, ST_BAD_ARGUMENT, ST_BATCH_TOO_LARGE } from "./status";
import { MAX_SERVICE_PORT_ID, DNS_DROP } from "./layout";
import * as frontends from "./frontends";
import * as services from "./services";
import * as batch from "./batch";
import { routeRecords } from "./route";
import * as dnstable from "./dnstable";
import * as dnsbatch from "./dnsbatch";

// Initial tables, allocated by the module's start function at instantiation.
batch.initBatch();
frontends.initFrontends();
services.initServices();

export function upsertServicePort(id: u32, flags: u32): i32 {
  return services.upsertServicePort(id, flags);
}

export function removeServicePort(id: u32): i32 {
  return services.removeServicePort(id);
}

export function addFrontend(address: u32, port: u32, protocol: u32, kind: u32, id: u32): i32 {
  if (id == 0 || id > MAX_SERVICE_PORT_ID || port > 0xffff || protocol > 0xff || kind > 0xff) {
    return ST_BAD_ARGUMENT;
  }
  if (!services.isLive(id)) return ST_NOT_FOUND;
  return frontends.addFrontend(address, port, protocol, kind, id);
}

export function removeFrontend(address: u32, port: u32, protocol: u32): i32 {
  if (port > 0xffff || protocol > 0xff) return ST_BAD_ARGUMENT;
  return frontends.removeFrontend(address, port, protocol);
}

export function lookupFrontend(address: u32, port: u32, protocol: u32): u32 {
  if (port > 0xffff || protocol > 0xff) return 0;
  return frontends.lookupFrontend(address, port, protocol);
}

export function setBackendCount(id: u32, count: u32): i32 {
  return services.setBackendCount(id, count);
}

export function writeBackend(id: u32, index: u32, address: u32, port: u32, flags: u32): i32 {
  return services.writeBackend(id, index, address, port, flags);
}

export function backendCount(id: u32): u32 {
  return services.backendCount(id);
}

export function servicePortFlags(id: u32): u32 {
  return services.servicePortFlags(id);
}

export function frontendCount(): u32 {
  return frontends.frontendCount;
}

/** Ensures batch buffers for `capacity` records; returns ST_OK or ST_BATCH_TOO_LARGE. */
export function reserveBatch(capacity: u32): i32 {
  return batch.reserveBatch(capacity) ? ST_OK : ST_BATCH_TOO_LARGE;
}

export function batchInputPtr(): usize {
  return batch.batchInput;
}

export function batchOutputPtr(): usize {
  return batch.batchOutput;
}

export function batchCapacity(): u32 {
  return batch.batchCapacity;
}

/** Routes `count` records of the batch buffers; returns count or -ST_BATCH_TOO_LARGE. */
export function routeBatch(count: u32): i32 {
  if (count > batch.batchCapacity) return -ST_BATCH_TOO_LARGE;
  routeRecords(batch.batchInput, batch.batchOutput, count);
  return <i32>count;
}

/** Bytes held by the tables and batch buffers. */
export function memoryBytes(): usize {
  return frontends.frontendBytes() + services.servicePortBytes() + services.backendPoolBytes() +
    batch.batchBytes();
}

/** Layout facts for the SDK's layout test: size of each record in bytes, packed. */
export function layoutSignature(): u32 {
  // packet | verdict << 8 | frontend << 16 | service port << 24 (all < 256)
  return 16 | (16 << 8) | (16 << 16) | (16 << 24);
}

// ---------------------------------------------------------------------------------------
// DNS half. Layouts: layout.ts ("DNS half"). `dnsInit` allocates the DNS regions (the
// binding calls it once); until then control calls return ST_BAD_ARGUMENT and the kernels
// DNS_DROP. Control calls take their names and RDATA from the staging buffer.

export function dnsInit(): void {
  if (dnstable.dnsReady) return;
  dnstable.initTable();
  dnsbatch.initBuffers();
  dnstable.setReady();
}

export function dnsStagingPtr(): usize {
  return dnstable.stagingBase;
}

export function dnsStagingCapacity(): u32 {
  return dnstable.stagingCapacity;
}

/** Grows the staging buffer to at least `bytes`; ST_OK or ST_BATCH_TOO_LARGE. */
export function dnsReserveStaging(bytes: u32): i32 {
  if (!dnstable.dnsReady) return ST_BAD_ARGUMENT;
  return dnstable.reserveStaging(bytes);
}

/** Zones: `count` wire names, `bytes` in all, in staging (the first is the cluster domain). */
export function dnsConfigure(count: u32, bytes: u32, podsMode: u32, forwardOutOfZone: u32): i32 {
  return dnstable.configure(count, bytes, podsMode, forwardOutOfZone);
}

/** Staging: owner wire name (nameLength), then `bytes` of (rdlength u16 BE, RDATA) × count. */
export function dnsSetRRset(nameLength: u32, type: u32, ttl: u32, count: u32, bytes: u32): i32 {
  return dnstable.setRRset(nameLength, type, ttl, count, bytes);
}

/** Staging: owner wire name (nameLength). */
export function dnsSetExists(nameLength: u32, exists: u32): i32 {
  return dnstable.setExists(nameLength, exists);
}

export function dnsInputPtr(): usize {
  return dnsbatch.dnsInput;
}

export function dnsInputCapacity(): u32 {
  return dnsbatch.dnsInputCapacity;
}

export function dnsOutputPtr(): usize {
  return dnsbatch.dnsOutput;
}

/** Grows the query input buffer to at least `bytes`; ST_OK or ST_BATCH_TOO_LARGE. */
export function dnsReserveInput(bytes: u32): i32 {
  if (!dnstable.dnsReady) return ST_BAD_ARGUMENT;
  return dnsbatch.reserveInput(bytes);
}

/** Answers the query at dnsInputPtr(); the response is at dnsOutputPtr(). Length, DNS_DROP or DNS_FORWARD. */
export function dnsAnswer(length: u32, transport: u32): i32 {
  if (!dnstable.dnsReady) return DNS_DROP;
  return dnsbatch.answerOne(length, transport);
}

/** Ensures batch areas for `count` queries, `queryBytes` of queries, `responseBytes` of responses. */
export function dnsReserveBatch(count: u32, queryBytes: u32, responseBytes: u32): i32 {
  if (!dnstable.dnsReady) return ST_BAD_ARGUMENT;
  return dnsbatch.reserveBatch(count, queryBytes, responseBytes);
}

export function dnsBatchQueryIndexPtr(): usize {
  return dnsbatch.batchQueryIndex;
}

export function dnsBatchQueriesPtr(): usize {
  return dnsbatch.batchQueries;
}

export function dnsBatchResponseIndexPtr(): usize {
  return dnsbatch.batchResponseIndex;
}

export function dnsBatchResponsesPtr(): usize {
  return dnsbatch.batchResponses;
}

export function dnsBatchCapacity(): u32 {
  return dnsbatch.batchCapacity;
}

export function dnsBatchQueryBytes(): u32 {
  return dnsbatch.batchQueryBytes;
}

export function dnsBatchResponseBytes(): u32 {
  return dnsbatch.batchResponseBytes;
}

/** Answers `count` batch queries; returns how many (fewer when the response area is full) or -ST_BATCH_TOO_LARGE. */
export function dnsAnswerBatch(count: u32): i32 {
  if (!dnstable.dnsReady) return 0;
  if (count > dnsbatch.batchCapacity) return -ST_BATCH_TOO_LARGE;
  return <i32>dnsbatch.answerBatch(count);
}

export function dnsNameCount(): u32 {
  return dnstable.nameCount;
}

/** Bytes held by the DNS tables and buffers. */
export function dnsMemoryBytes(): usize {
  if (!dnstable.dnsReady) return 0;
  return dnstable.tableBytes() + dnsbatch.bufferBytes();
}

/** DNS layout facts for the layout test: name slot | RRset header << 8 | name header << 16 | batch entry << 24. */
export function dnsLayoutSignature(): u32 {
  return dnstable.nameSlotBytes() | (16 << 8) | (12 << 16) | (8 << 24);
}

// ---------------------------------------------------------------------------------------
// Raw packets. Layouts: layout.ts ("Raw packets"); codes: packet.ts. `packetReserve`
// allocates the regions and is the only call here that grows memory; the kernels work on
// records 0..count-1 of the regions and never allocate.

import * as packet from "./packet";
import * as checksum from "./checksum";

/** Grows the packet regions to `count` records and `bytes` of packet area; ST_OK or ST_BATCH_TOO_LARGE. Contents are not kept. */
export function packetReserve(count: u32, bytes: u32): i32 {
  return packet.reserveRegions(count, bytes);
}

export function packetCapacity(): u32 {
  return packet.packetCapacity;
}

export function packetAreaPtr(): usize {
  return packet.packetArea;
}

export function packetAreaBytes(): u32 {
  return packet.packetAreaBytes;
}

export function packetDescriptorsPtr(): usize {
  return packet.descriptors;
}

export function packetParsedPtr(): usize {
  return packet.parsedRecords;
}

export function packetRewritesPtr(): usize {
  return packet.rewriteRecords;
}

/** Static buffer of PACKET_REPLY_BYTES for `buildUnreachable`. */
export function packetReplyPtr(): usize {
  return packet.replyBuffer;
}

/** Parses frames 0..count-1 into parsed records; returns how many are usable (reason 0) or -ST_BATCH_TOO_LARGE. */
export function parsePackets(count: u32, flags: u32): i32 {
  if (count > packet.packetCapacity) return -ST_BATCH_TOO_LARGE;
  return <i32>packet.parseBatch(count, flags);
}

/** Rewrites frames 0..count-1 in place as their rewrite records ask (results in the records); count or -ST_BATCH_TOO_LARGE. */
export function natPackets(count: u32): i32 {
  if (count > packet.packetCapacity) return -ST_BATCH_TOO_LARGE;
  packet.natBatch(count);
  return <i32>count;
}

/** Writes the ICMP/ICMPv6 port unreachable for parsed frame `index` at outPtr; its length, or a negated UNREACH_* code. */
export function buildUnreachable(index: u32, outPtr: usize, outCap: u32, flags: u32): i32 {
  return packet.unreachableAt(index, outPtr, outCap, flags);
}

/** Checksum states of parsed frame `index`: IPv4 header in bits 0–1, L4 in bits 2–3 (CHECKSUM_*). */
export function verifyPacketChecksums(index: u32): u32 {
  return packet.checksumsAt(index);
}

/** RFC 1071 checksum of [ptr, ptr + length) (0 when the range leaves memory). */
export function internetChecksumOf(ptr: usize, length: u32): u32 {
  if (<u64>ptr + <u64>length > (<u64>memory.size() << 16)) return 0;
  return checksum.internetChecksum(ptr, length, 0);
}

/** CRC32c of [ptr, ptr + length) (0 when the range leaves memory). */
export function crc32cOf(ptr: usize, length: u32): u32 {
  if (<u64>ptr + <u64>length > (<u64>memory.size() << 16)) return 0;
  return checksum.crc32c(ptr, length);
}

/** Bytes held by the packet regions. */
export function packetMemoryBytes(): usize {
  return packet.regionBytes();
}

/** Packet layout facts for the layout test: descriptor | parsed record << 8 | rewrite record << 16. */
export function packetLayoutSignature(): u32 {
  return 16 | (128 << 8) | (48 << 16);
}

// ---------------------------------------------------------------------------------------
// Flow cache and frames kernel (the wasm frame engine's fast path). Layouts: layout.ts
// ("Flow cache and frames kernel"); rules: flowcache.ts, frames.ts. `flowCacheReserve`
// and `framesReserve` allocate; the kernel and the key calls never do.

import * as flowcache from "./flowcache";
import * as frames from "./frames";

/** (Re)allocates and empties the flow cache: room for `flows` IPv4 and `flows6` IPv6 flows. ST_OK or ST_BAD_ARGUMENT. */
export function flowCacheReserve(flows: u32, flows6: u32): i32 {
  return flowcache.reserveFlowCache(flows, flows6);
}

/** Removes every cached key. */
export function flowCacheClear(): void {
  flowcache.clearFlowCache();
}

/** The key staging record (FLOW_KEY_STAGING_BYTES) the calls below read and write. */
export function flowKeyStagingPtr(): usize {
  return flowcache.flowKeyStaging;
}

/** Inserts (or updates) the staged key with its timer: ST_OK, ST_NO_MEMORY when its table is full, ST_BAD_ARGUMENT. */
export function flowCacheInsert(): i32 {
  return flowcache.insertStaged();
}

/** Copies the staged key's timer, sequence and counters into the staging record (`clear` ≠ 0: then clears its sequence). ST_OK or ST_NOT_FOUND. */
export function flowCacheRead(clear: u32): i32 {
  return flowcache.readStaged(clear != 0);
}

/** Removes the staged key: ST_OK or ST_NOT_FOUND. */
export function flowCacheRemove(): i32 {
  return flowcache.removeStaged();
}

/** Token of the staged key, 0 when it is not cached. */
export function flowCacheLookup(): u32 {
  return flowcache.lookupStaged();
}

/** Keys cached in the table of `family` (4 or 6; 0 for any other value). */
export function flowCacheKeys(family: u32): u32 {
  return family == 6 ? flowcache.flow6Count : family == 4 ? flowcache.flow4Count : 0;
}

/** Grows the raw-packet regions and the frame times and verdicts; ST_OK or ST_BATCH_TOO_LARGE. Contents are not kept. */
export function framesReserve(count: u32, bytes: u32): i32 {
  return frames.reserveFrames(count, bytes);
}

/** Frames `processFrames` accepts (the smaller of the packet regions and the frame arrays). */
export function framesCapacity(): u32 {
  return frames.usableFrames();
}

export function frameTimesPtr(): usize {
  return frames.frameTimes;
}

export function frameVerdictsPtr(): usize {
  return frames.frameVerdicts;
}

/** The counters (FRAME_COUNTERS u64). */
export function frameCountersPtr(): usize {
  return frames.frameCounters;
}

/** The latest time (ms) of a frame the kernel forwarded or punted; frames before it punt. */
export function frameTimeFloor(): f64 {
  return frames.timeFloor;
}

/**
 * Runs frames start..end-1 until the first one that must take the slow path; returns its
 * index, `end` when none did, or -ST_BATCH_TOO_LARGE when end is beyond `framesCapacity()`.
 * `parseFlags`: PARSE_* flags of `parseFrame`; frames timed at or after `horizon` (ms) punt.
 */
export function processFrames(start: u32, end: u32, parseFlags: u32, horizon: f64): i32 {
  if (end > frames.usableFrames()) return -ST_BATCH_TOO_LARGE;
  if (start >= end) return <i32>end;
  return <i32>frames.processRange(start, end, parseFlags, horizon);
}

/** Rewrites frame `index` as its rewrite record asks (the slow path); NAT_* result bits, or 0xff for a bad index. */
export function rewriteFrameAt(index: u32): u32 {
  if (index >= packet.packetCapacity) return 0xff;
  return frames.rewriteAt(index);
}

/** Bytes held by the flow cache and the frame arrays. */
export function framesMemoryBytes(): usize {
  return flowcache.flowCacheBytes() + frames.framesBytes();
}

/** Layout facts: IPv4 slot | IPv6 slot << 8 | key staging record << 16 | frame verdict << 24. */
export function framesLayoutSignature(): u32 {
  return 64 | (128 << 8) | (128 << 16) | (8 << 24);
}

// ---------------------------------------------------------------------------------------
// Decision cache (first-packet rule decisions). Layouts: layout.ts ("Decision cache");
// rules: decisions.ts. `decisionsReserve` and `decisionsReserveBatch` allocate; lookups
// and inserts never do.

import * as decisions from "./decisions";

/** (Re)allocates an empty table for `entries` keys: ST_OK or ST_BAD_ARGUMENT. */
export function decisionsReserve(entries: u32): i32 {
  return decisions.reserveDecisions(entries);
}

/** Removes every key. */
export function decisionsClear(): void {
  decisions.clearDecisions();
}

/** Keys held (exact-source markers included). */
export function decisionsCount(): u32 {
  return decisions.decisionCount;
}

/** The configuration staging area `decisionsConfigure` reads. */
export function decisionConfigPtr(): usize {
  return decisions.decisionConfigStaging;
}

/** Sets one family's source classification from the configuration staging area and empties the table. */
export function decisionsConfigure(family: u32, addresses: u32, cidrs: u32, exact: u32): i32 {
  return decisions.configureDecisions(family, addresses, cidrs, exact);
}

/** The staging record the single calls read and write. */
export function decisionStagingPtr(): usize {
  return decisions.decisionStaging;
}

/** Looks the staging record up; returns the decision id, 0 on a miss. */
export function decisionLookup(): u32 {
  return decisions.lookupRecord(decisions.decisionStaging);
}

/** Looks frame `index`'s parsed record up (filling the staging record); the decision id, 0 on a miss. */
export function decisionLookupFrame(index: u32): u32 {
  return decisions.lookupFrame(index);
}

/** Inserts `decision` for the staging record as its lookup classified it (`exact` ≠ 0: the decision reads the source). */
export function decisionInsert(decision: u32, exact: u32): i32 {
  return decisions.insertRecord(decisions.decisionStaging, decision, exact != 0);
}

/** Marks the decisions kept for the staging record's destination (family, address) stale: ST_OK or ST_BAD_ARGUMENT. */
export function decisionInvalidate(): i32 {
  return decisions.invalidateDestination();
}

/** Room for `count` batch records: ST_OK or ST_BAD_ARGUMENT. */
export function decisionsReserveBatch(count: u32): i32 {
  return decisions.reserveDecisionBatch(count);
}

export function decisionBatchPtr(): usize {
  return decisions.decisionBatch;
}

export function decisionBatchCapacity(): u32 {
  return decisions.decisionBatchCapacity;
}

/** Looks batch records 0..count-1 up; returns the misses, or -ST_BATCH_TOO_LARGE beyond the capacity. */
export function decisionLookupBatch(count: u32): i32 {
  if (count > decisions.decisionBatchCapacity) return -ST_BATCH_TOO_LARGE;
  return <i32>decisions.lookupBatch(count);
}

/** Bytes held by the decision table and batch records. */
export function decisionsMemoryBytes(): usize {
  return decisions.decisionBytes();
}

/** Layout facts: slot | staging record << 8 | CIDR entry << 16. */
export function decisionsLayoutSignature(): u32 {
  return 48 | (64 << 8) | (20 << 16);
}
