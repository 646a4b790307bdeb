// Frames kernel: the fast path of the wasm frame engine (sdk/engine/frames.ts). Records:
// layout.ts ("Flow cache and frames kernel").
//
// For each frame of a range: parse it, look its tuple up in the flow cache (flowcache.ts),
// and when the packet can change nothing but its flow's timer, do what FlowProcessor
// would: rewrite it in place as the key says (incremental checksums), set the key's
// deadline to now + timeout and count it. Anything else is PUNTed: the kernel stops at
// the first such frame and returns its index, so the SDK runs the slow path on it, mirrors
// what changed into the cache, and resumes after it — frames are handled in capture order,
// and no frame is fast-pathed against a cache the slow path has yet to update.
//
// What may take the fast path (everything else punts):
//  - the frame parses (PARSE_OK) and is not a fragment (the slow path keeps fragment state);
//  - TCP with ACK set and SYN, FIN and RST clear (the only segments that leave an
//    ESTABLISHED conntrack entry as it is; the SDK caches TCP flows only while they are
//    ESTABLISHED and ASSURED), UDP, or SCTP (conntrack here models no chunk types);
//  - its time is not before a frame the kernel has already seen or handed to the slow
//    path (the time floor): conntrack sets a deadline to now + timeout even when that
//    moves it back, which the two keys' separate deadlines could not follow;
//  - its time is below the SDK's expiry horizon (no conntrack entry can be due yet: the
//    slow path expires entries at the first frame that reaches it, so skipping the
//    table's expiry on fast-path frames changes nothing);
//  - its tuple is a cached key whose deadline is after now (the entry is alive, as
//    conntrack's `nf_ct_is_expired`; a key whose deadline is behind the other key's only
//    punts early) and not after now + timeout.
//
// Parsing: IPv4 TCP and UDP frames without options, VLAN tag or fragmentation go through a
// quick parse and rewrite written for them (the same checks and the same checksum
// arithmetic as packet.ts's `parseFrame` and `rewriteFrame`, which the differential tests
// hold them to); every other frame through those general functions. A punted frame always
// leaves its full parsed record for the slow path.
//
// Never allocates, never grows memory; reads and writes only inside the frames (each
// access is bounded by the frame's length first) and the regions.

import {
  FRAME_DESC_BYTES, FRAME_OFFSET, FRAME_LENGTH, FRAME_LINK_TYPE, PARSED_BYTES,
  PARSED_REASON, PARSED_FAMILY, PARSED_PROTOCOL, PARSED_TCP_FLAGS, PARSED_FRAG_FLAGS,
  PARSED_L3_OFFSET, PARSED_SRC_PORT, PARSED_SRC, PARSED_DST, PARSED_IP_END,
  REWRITE_BYTES, REWRITE_FLAGS, REWRITE_RESULT, REWRITE_SRC_PORT, REWRITE_SRC, REWRITE_DST,
  FLOW4_NEW_SRC, FLOW4_NEW_DST, FLOW4_NEW_PORTS, FLOW4_TOKEN, FLOW4_DIRECTION, FLOW4_NAT_FLAGS,
  FLOW4_DEADLINE, FLOW4_TIMEOUT, FLOW4_SEQUENCE, FLOW4_PACKETS, FLOW4_BYTES_COUNT,
  FLOW6_NEW_SRC, FLOW6_NEW_DST, FLOW6_NEW_PORTS, FLOW6_TOKEN, FLOW6_DIRECTION, FLOW6_NAT_FLAGS,
  FLOW6_DEADLINE, FLOW6_TIMEOUT, FLOW6_SEQUENCE, FLOW6_PACKETS, FLOW6_BYTES_COUNT,
  FRAME_VERDICT_BYTES, FRAME_VERDICT_SHIFT, FRAME_VERDICT_OUTCOME,
  FRAME_FAST, FRAME_PUNT, PUNT_PARSE, PUNT_FRAGMENT, PUNT_PROTOCOL, PUNT_TCP_FLAGS,
  PUNT_MISS, PUNT_TIMER, PUNT_EXPIRY, PUNT_TIME_BACK, FRAME_COUNTERS, FRAME_COUNTER_FAST_PACKETS,
  FRAME_COUNTER_FAST_BYTES, FRAME_COUNTER_PUNTS,
} from "./layout";
import {
  parseFrame, rewriteFrame, reserveRegions, packetArea, packetAreaBytes, descriptors,
  parsedRecords, rewriteRecords, packetCapacity, PARSE_OK, PARSE_BAD_DESCRIPTOR, FRAG_IS_FRAGMENT,
  PARSE_SKIP_IPV4_CHECKSUM, LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_IPV4, NAT_NOT_PARSED,
  NAT_BAD_RECORD, NAT_SRC_ADDR, NAT_DST_ADDR, NAT_SRC_PORT, NAT_DST_PORT,
} from "./packet";
import { home4, home6, probe4, probe6, flow4Base } from "./flowcache";
import { wordDelta, applyDelta } from "./checksum";
import { ST_OK } from "./status";

// @ts-ignore: decorator
@inline const PROTO_TCP: u32 = 6;
// @ts-ignore: decorator
@inline const PROTO_UDP: u32 = 17;
// @ts-ignore: decorator
@inline const PROTO_SCTP: u32 = 132;
// TCP flags (RFC 9293 §3.1): FIN 1, SYN 2, RST 4, ACK 16.
// @ts-ignore: decorator
@inline const TCP_STATE_FLAGS: u32 = 0x17;
// @ts-ignore: decorator
@inline const TCP_ACK: u32 = 0x10;

/** Capture time (ms, f64) of frame i. */
export let frameTimes: usize = 0;
/** Verdict record of frame i (FRAME_VERDICT_BYTES each). */
export let frameVerdicts: usize = 0;
/** Records both arrays hold. */
export let framesCapacity: u32 = 0;
/** The latest time of a frame the kernel forwarded or handed to the slow path. */
export let timeFloor: f64 = -Infinity;
/** Stamps of fast-path packets: odd, so never 0 (the SDK's "read" mark). */
let stamp: u32 = 1;

/** The rewrite record the general path hands `rewriteFrame`. */
const rewriteScratch: usize = memory.data(REWRITE_BYTES, 16);
/** u64 counters: fast packets, fast IP bytes, punts by reason (index FRAME_COUNTER_PUNTS + PUNT_*). */
export const frameCounters: usize = memory.data(FRAME_COUNTERS << 3, 8);

/**
 * Grows the packet regions (packet.ts `reserveRegions`) and the frame times and verdicts
 * to at least `count` frames and `bytes` of frame bytes. Contents are not kept.
 */
export function reserveFrames(count: u32, bytes: u32): i32 {
  const status = reserveRegions(count, bytes);
  if (status != ST_OK) return status;
  const capacity = packetCapacity;
  if (capacity > framesCapacity) {
    if (frameTimes != 0) {
      heap.free(frameVerdicts);
      heap.free(frameTimes);
    }
    frameTimes = heap.alloc(<usize>capacity << 3);
    memory.fill(frameTimes, 0, <usize>capacity << 3);
    frameVerdicts = heap.alloc(<usize>capacity << FRAME_VERDICT_SHIFT);
    memory.fill(frameVerdicts, 0, <usize>capacity << FRAME_VERDICT_SHIFT);
    framesCapacity = capacity;
  }
  return ST_OK;
}

/** Frames the kernel may be given: what both the packet regions and this file's arrays hold. */
export function usableFrames(): u32 {
  return packetCapacity < framesCapacity ? packetCapacity : framesCapacity;
}

// @ts-ignore: decorator
@inline function bump(counter: u32, by: u64): void {
  const at = frameCounters + (<usize>counter << 3);
  store<u64>(at, load<u64>(at) + by);
}

// ---------------------------------------------------------------------------------------
// Quick parse and rewrite: IPv4, no options, not a fragment, TCP (ACK, no SYN/FIN/RST) or
// UDP, on Ethernet without a VLAN tag or raw IP. Accepts a frame only when `parseFrame`
// would parse it with reason PARSE_OK and the same fields; anything else returns false
// and goes the general way.

// Scratch per frame of a group (GROUP_ENTRY bytes):
//   0 home slot (stage 1), then the key's slot or 0 (stage 2); 4 a touched word;
//   8 source, 12 destination (IPv4, host order); 16 ports; 20 protocol; 21 family;
//   22 quick (1: parsed by `quickParse`, whose fields are here; 0: the parsed record has
//   them); 24 l3 offset; 26 l4 offset; 28 IP end.
// @ts-ignore: decorator
@inline const GROUP: u32 = 8;
// @ts-ignore: decorator
@inline const GROUP_ENTRY: u32 = 32;
// @ts-ignore: decorator
@inline const GROUP_SHIFT: u32 = 5;
const groupScratch: usize = memory.data(GROUP * GROUP_ENTRY, 16);

// @ts-ignore: decorator
@inline function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

/** Fills the scratch entry `e` from the frame [p, p + length), or returns false. */
// @ts-ignore: decorator
@inline function quickParse(p: usize, length: u32, linkType: u32, parseFlags: u32, e: usize): bool {
  let l3: u32 = 0;
  if (linkType == LINKTYPE_ETHERNET) {
    if (length < 14 || load<u16>(p, 12) != 0x0008) return false; // EtherType 0x0800, read little-endian
    l3 = 14;
  } else if (linkType != LINKTYPE_RAW && linkType != LINKTYPE_IPV4) {
    return false;
  }
  if (length - l3 < 20) return false;
  const ip = p + l3;
  if (load<u8>(ip) != 0x45) return false; // version 4, 20-byte header
  if ((parseFlags & PARSE_SKIP_IPV4_CHECKSUM) == 0) {
    // RFC 1071 §2(B): the header's words, checksum included, sum to 0xffff in either byte order.
    let acc = <u64>load<u32>(ip) + <u64>load<u32>(ip, 4) + <u64>load<u32>(ip, 8) + <u64>load<u32>(ip, 12) + <u64>load<u32>(ip, 16);
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    let sum = <u32>acc + <u32>(acc >> 32);
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    if (sum != 0xffff) return false;
  }
  const total = be16(ip + 2);
  if (total < 20 || total > length - l3) return false;
  if ((be16(ip + 6) & 0x3fff) != 0) return false; // MF or a fragment offset
  const protocol = <u32>load<u8>(ip, 9);
  const l4 = l3 + 20;
  const avail = total - 20;
  const t = p + l4;
  if (protocol == PROTO_TCP) {
    if (avail < 20) return false;
    const dataOffset = (<u32>load<u8>(t, 12) >> 4) << 2;
    if (dataOffset < 20 || dataOffset > avail) return false;
    if ((<u32>load<u8>(t, 13) & TCP_STATE_FLAGS) != TCP_ACK) return false;
  } else if (protocol == PROTO_UDP) {
    if (avail < 8) return false;
    const udpLength = be16(t + 4);
    if (udpLength < 8 || udpLength > avail) return false;
  } else {
    return false;
  }
  store<u32>(e, bswap<u32>(load<u32>(ip, 12)), 8);
  store<u32>(e, bswap<u32>(load<u32>(ip, 16)), 12);
  store<u32>(e, be16(t) | (be16(t + 2) << 16), 16);
  store<u8>(e, <u8>protocol, 20);
  store<u8>(e, 4, 21);
  store<u8>(e, 1, 22);
  store<u16>(e, <u16>l3, 24);
  store<u16>(e, <u16>l4, 26);
  store<u32>(e, l3 + total, 28);
  return true;
}

/** Replaces the big-endian word at `at` with `value`; the checksum delta. */
// @ts-ignore: decorator
@inline function putWord(at: usize, value: u32): u32 {
  const delta = wordDelta(be16(at), value);
  store<u16>(at, bswap<u16>(<u16>value));
  return delta;
}

/** Replaces the IPv4 address at `at` with `value` (host order); the checksum delta. */
// @ts-ignore: decorator
@inline function putAddress(at: usize, value: u32): u32 {
  const old = bswap<u32>(load<u32>(at));
  store<u32>(at, bswap<u32>(value));
  return wordDelta(old >>> 16, value >>> 16) + wordDelta(old & 0xffff, value & 0xffff);
}

/** Applies `delta` to the checksum at `at` (RFC 1624 eqn. 3; UDP sends a 0 result as 0xffff). */
// @ts-ignore: decorator
@inline function fixChecksum(at: usize, delta: u32, udp: bool): void {
  let next = applyDelta(be16(at), delta);
  if (udp && next == 0) next = 0xffff;
  store<u16>(at, bswap<u16>(<u16>next));
}

/**
 * `rewriteFrame` for a quick-parsed frame and an IPv4 key (slot `at`): the same words,
 * the same deltas, the same checksum updates in the same order; always NAT result 0.
 */
// @ts-ignore: decorator
@inline function quickRewrite(p: usize, e: usize, at: usize, natFlags: u32): void {
  const ip = p + <usize>load<u16>(e, 24);
  const t = p + <usize>load<u16>(e, 26);
  let addressDelta: u32 = 0;
  if ((natFlags & NAT_SRC_ADDR) != 0) addressDelta += putAddress(ip + 12, load<u32>(at, FLOW4_NEW_SRC));
  if ((natFlags & NAT_DST_ADDR) != 0) addressDelta += putAddress(ip + 16, load<u32>(at, FLOW4_NEW_DST));
  if ((natFlags & (NAT_SRC_ADDR | NAT_DST_ADDR)) != 0) fixChecksum(ip + 10, addressDelta, false);
  const ports = load<u32>(at, FLOW4_NEW_PORTS);
  let portDelta: u32 = 0;
  if ((natFlags & NAT_SRC_PORT) != 0) portDelta += putWord(t, ports & 0xffff);
  if ((natFlags & NAT_DST_PORT) != 0) portDelta += putWord(t + 2, ports >>> 16);
  if (load<u8>(e, 20) == PROTO_TCP) {
    fixChecksum(t + 16, addressDelta + portDelta, false);
  } else if (load<u16>(t, 6) != 0) {
    fixChecksum(t + 6, addressDelta + portDelta, true); // UDP over IPv4 without a checksum keeps none
  }
}

// ---------------------------------------------------------------------------------------
// The kernel
//
// Frames go through it in groups of GROUP, in three stages, so that the table misses of a
// group overlap (as the route kernel, route.ts, overlaps those of 4 packets):
//  1. parse and screen each frame in order, up to the first that must punt, and touch its
//     key's home slot;
//  2. probe each frame's key (the slot is there by now, or its next one is on the way);
//  3. in order, check the key's timer and forward the frame, or punt it.
// Stage 3 reads the slots afresh, so two frames of one flow in a group see each other's
// refresh; stages 1 and 2 write nothing but the parsed records and the scratch.

/** Stage 1 for frame `i` into scratch entry `e`: 0, or the PUNT_* reason. */
// @ts-ignore: decorator
@inline function screen(i: u32, e: usize, parseFlags: u32, horizon: f64, floor: f64): u32 {
  const desc = descriptors + <usize>i * FRAME_DESC_BYTES;
  const offset = load<u32>(desc, FRAME_OFFSET);
  const length = load<u32>(desc, FRAME_LENGTH);
  store<u8>(e, 0, 22);
  if (<u64>offset + <u64>length > <u64>packetAreaBytes) {
    const rec = parsedRecords + <usize>i * PARSED_BYTES;
    memory.fill(rec, 0, PARSED_BYTES);
    store<u8>(rec, <u8>PARSE_BAD_DESCRIPTOR, PARSED_REASON);
    return PUNT_PARSE;
  }
  const p = packetArea + offset;
  const linkType = <u32>load<u16>(desc, FRAME_LINK_TYPE);
  if (!quickParse(p, length, linkType, parseFlags, e)) {
    const rec = parsedRecords + <usize>i * PARSED_BYTES;
    if (parseFrame(p, length, linkType, parseFlags, rec) != PARSE_OK) return PUNT_PARSE;
    if ((<u32>load<u8>(rec, PARSED_FRAG_FLAGS) & FRAG_IS_FRAGMENT) != 0) return PUNT_FRAGMENT;
    const protocol = <u32>load<u8>(rec, PARSED_PROTOCOL);
    if (protocol == PROTO_TCP) {
      if ((<u32>load<u8>(rec, PARSED_TCP_FLAGS) & TCP_STATE_FLAGS) != TCP_ACK) return PUNT_TCP_FLAGS;
    } else if (protocol != PROTO_UDP && protocol != PROTO_SCTP) {
      return PUNT_PROTOCOL;
    }
    store<u32>(e, load<u32>(rec, PARSED_SRC), 8);
    store<u32>(e, load<u32>(rec, PARSED_DST), 12);
    store<u32>(e, load<u32>(rec, PARSED_SRC_PORT), 16); // source port | destination port << 16
    store<u8>(e, <u8>protocol, 20);
    store<u8>(e, load<u8>(rec, PARSED_FAMILY), 21);
  }
  const now = load<f64>(frameTimes + (<usize>i << 3));
  if (!(now < horizon)) return PUNT_EXPIRY;
  if (now < floor) return PUNT_TIME_BACK;
  if (flow4Base == 0) return PUNT_MISS;
  const ports = load<u32>(e, 16);
  const protocol = <u32>load<u8>(e, 20);
  let home: usize;
  if (load<u8>(e, 21) == 4) {
    home = home4(load<u32>(e, 8), load<u32>(e, 12), ports, protocol);
    store<u32>(e, load<u32>(home, FLOW4_TOKEN), 4);
  } else {
    home = home6(parsedRecords + <usize>i * PARSED_BYTES + PARSED_SRC, ports, protocol); // PARSED_DST follows
    store<u32>(e, load<u32>(home, FLOW6_TOKEN), 4);
  }
  store<u32>(e, <u32>home);
  return 0;
}

/** Stage 2 for frame `i`: its key's slot, or 0, into scratch entry `e`. */
// @ts-ignore: decorator
@inline function probe(i: u32, e: usize): void {
  const home = <usize>load<u32>(e);
  const ports = load<u32>(e, 16);
  const protocol = <u32>load<u8>(e, 20);
  const at = load<u8>(e, 21) == 4
    ? probe4(home, load<u32>(e, 8), load<u32>(e, 12), ports, protocol)
    : probe6(home, parsedRecords + <usize>i * PARSED_BYTES + PARSED_SRC, ports, protocol);
  store<u32>(e, <u32>at);
}

/** Stage 3 for frame `i`: forwards it (0) or returns the PUNT_* reason. */
// @ts-ignore: decorator
@inline function forward(i: u32, e: usize): u32 {
  const at = <usize>load<u32>(e);
  if (at == 0) return PUNT_MISS;
  const v4 = load<u8>(e, 21) == 4;
  const deadlineAt = at + (v4 ? FLOW4_DEADLINE : FLOW6_DEADLINE);
  const now = load<f64>(frameTimes + (<usize>i << 3));
  const deadline = load<f64>(deadlineAt);
  const timeout = load<f64>(at + (v4 ? FLOW4_TIMEOUT : FLOW6_TIMEOUT));
  if (!(now < deadline && now + timeout >= deadline)) return PUNT_TIMER;

  const desc = descriptors + <usize>i * FRAME_DESC_BYTES;
  const p = packetArea + load<u32>(desc, FRAME_OFFSET);
  let direction: u32;
  let natFlags: u32;
  let token: u32;
  let natResult: u32 = 0;
  let ipBytes: u64;
  if (v4) {
    direction = <u32>load<u8>(at, FLOW4_DIRECTION);
    natFlags = <u32>load<u8>(at, FLOW4_NAT_FLAGS);
    token = load<u32>(at, FLOW4_TOKEN);
  } else {
    direction = <u32>load<u8>(at, FLOW6_DIRECTION);
    natFlags = <u32>load<u8>(at, FLOW6_NAT_FLAGS);
    token = load<u32>(at, FLOW6_TOKEN);
  }
  if (load<u8>(e, 22) != 0) {
    if (natFlags != 0) quickRewrite(p, e, at, natFlags);
    ipBytes = <u64>(load<u32>(e, 28) - <u32>load<u16>(e, 24));
  } else {
    const rec = parsedRecords + <usize>i * PARSED_BYTES;
    if (natFlags != 0) {
      const rw = rewriteScratch;
      store<u32>(rw, natFlags, REWRITE_FLAGS);
      if (v4) {
        store<u32>(rw, load<u32>(at, FLOW4_NEW_PORTS), REWRITE_SRC_PORT);
        store<u32>(rw, load<u32>(at, FLOW4_NEW_SRC), REWRITE_SRC);
        store<u32>(rw, load<u32>(at, FLOW4_NEW_DST), REWRITE_DST);
      } else {
        store<u32>(rw, load<u32>(at, FLOW6_NEW_PORTS), REWRITE_SRC_PORT);
        memory.copy(rw + REWRITE_SRC, at + FLOW6_NEW_SRC, 16);
        memory.copy(rw + REWRITE_DST, at + FLOW6_NEW_DST, 16);
      }
      natResult = rewriteFrame(p, load<u32>(desc, FRAME_LENGTH), rec, rw);
    }
    ipBytes = <u64>(load<u32>(rec, PARSED_IP_END) - <u32>load<u16>(rec, PARSED_L3_OFFSET));
  }

  store<f64>(deadlineAt, now + timeout);
  stamp += 2;
  if (v4) {
    store<u32>(at, stamp, FLOW4_SEQUENCE);
    store<u32>(at, load<u32>(at, FLOW4_PACKETS) + 1, FLOW4_PACKETS);
    store<u64>(at, load<u64>(at, FLOW4_BYTES_COUNT) + ipBytes, FLOW4_BYTES_COUNT);
  } else {
    store<u32>(at, stamp, FLOW6_SEQUENCE);
    store<u32>(at, load<u32>(at, FLOW6_PACKETS) + 1, FLOW6_PACKETS);
    store<u64>(at, load<u64>(at, FLOW6_BYTES_COUNT) + ipBytes, FLOW6_BYTES_COUNT);
  }
  if (now > timeFloor) timeFloor = now;
  store<u64>(frameVerdicts + (<usize>i << FRAME_VERDICT_SHIFT), <u64>FRAME_FAST | (<u64>direction << 16) | (<u64>natResult << 24) | (<u64>token << 32), FRAME_VERDICT_OUTCOME);
  bump(FRAME_COUNTER_FAST_PACKETS, 1);
  bump(FRAME_COUNTER_FAST_BYTES, ipBytes);
  return 0;
}

/** Hands frame `i` to the slow path: full parsed record, verdict record, counter, time floor. */
function punt(i: u32, e: usize, reason: u32, parseFlags: u32): u32 {
  if (load<u8>(e, 22) != 0) {
    const desc = descriptors + <usize>i * FRAME_DESC_BYTES;
    parseFrame(packetArea + load<u32>(desc, FRAME_OFFSET), load<u32>(desc, FRAME_LENGTH), <u32>load<u16>(desc, FRAME_LINK_TYPE), parseFlags, parsedRecords + <usize>i * PARSED_BYTES);
  }
  store<u64>(frameVerdicts + (<usize>i << FRAME_VERDICT_SHIFT), <u64>FRAME_PUNT | (<u64>reason << 8), FRAME_VERDICT_OUTCOME);
  bump(FRAME_COUNTER_PUNTS + reason, 1);
  const now = load<f64>(frameTimes + (<usize>i << 3));
  if (now > timeFloor) timeFloor = now;
  return i;
}

/** Why stage 1 stopped a group early (PUNT_*), 0 when it screened the whole group. */
let screenedReason: u32 = 0;
/** The latest time among frames screened so far in this call (frames before it go back). */
let screenedFloor: f64 = 0;

/** Stage 1 over frames i..end-1 (at most GROUP) into the scratch bank; how many passed. */
// @ts-ignore: decorator
@inline function screenGroup(i: u32, end: u32, bank: usize, parseFlags: u32, horizon: f64): u32 {
  const groupEnd = end - i < GROUP ? end : i + GROUP;
  let n: u32 = 0;
  screenedReason = 0;
  for (; i + n < groupEnd; n++) {
    const reason = screen(i + n, bank + (<usize>n << GROUP_SHIFT), parseFlags, horizon, screenedFloor);
    if (reason != 0) {
      screenedReason = reason;
      break;
    }
    const now = load<f64>(frameTimes + (<usize>(i + n) << 3));
    if (now > screenedFloor) screenedFloor = now;
  }
  return n;
}

/**
 * Runs frames start..end-1 (end ≤ `usableFrames()`, checked by the export) until the first
 * frame that must take the slow path. Returns that frame's index (its verdict record says
 * FRAME_PUNT and why; its parsed record is filled), or `end` when every frame took the
 * fast path. `horizon`: frames at or after this time (ms) punt.
 */
export function processRange(start: u32, end: u32, parseFlags: u32, horizon: f64): u32 {
  screenedFloor = timeFloor;
  let i = start;
  while (i < end) {
    const n = screenGroup(i, end, groupScratch, parseFlags, horizon);
    const reason = screenedReason;
    for (let j: u32 = 0; j < n; j++) probe(i + j, groupScratch + (<usize>j << GROUP_SHIFT));
    for (let j: u32 = 0; j < n; j++) {
      const e = groupScratch + (<usize>j << GROUP_SHIFT);
      const late = forward(i + j, e);
      if (late != 0) return punt(i + j, e, late, parseFlags);
    }
    if (reason != 0) return punt(i + n, groupScratch + (<usize>n << GROUP_SHIFT), reason, parseFlags);
    i += n;
  }
  return end;
}

/**
 * Rewrites frame `index` in place as its rewrite record (packet.ts region) asks, for the
 * slow path; the NAT_* result goes to the record's result byte and is returned.
 */
export function rewriteAt(index: u32): u32 {
  const desc = descriptors + <usize>index * FRAME_DESC_BYTES;
  const rec = parsedRecords + <usize>index * PARSED_BYTES;
  const rw = rewriteRecords + <usize>index * REWRITE_BYTES;
  let result: u32;
  if (load<u8>(rec, PARSED_REASON) != PARSE_OK) result = NAT_NOT_PARSED;
  else if (<u64>load<u32>(desc, FRAME_OFFSET) + <u64>load<u32>(desc, FRAME_LENGTH) > <u64>packetAreaBytes) result = NAT_BAD_RECORD;
  else result = rewriteFrame(packetArea + load<u32>(desc, FRAME_OFFSET), load<u32>(desc, FRAME_LENGTH), rec, rw);
  store<u8>(rw, <u8>result, REWRITE_RESULT);
  return result;
}

export function framesBytes(): usize {
  return <usize>framesCapacity * (8 + FRAME_VERDICT_BYTES);
}
