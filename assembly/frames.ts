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
import { home4, home6, next4, next6, probe4, probe6, flow4Base, swapPortBytes, KEY_TAIL_MASK } from "./flowcache";
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
//
// Both take the packet's words as they load (little-endian, so byte-swapped) and swap
// nothing: an IPv4 key and its rewrite are kept in packet byte order (layout.ts), and the
// one's complement arithmetic of the checksums gives the same bytes on swapped words
// (RFC 1071 §2(B): the sum of swapped words is the swapped sum, carries included).

// Scratch per frame of a group (GROUP_ENTRY bytes), written by stage 1 unless noted:
//   0 home slot, then (stage 3) the key's slot or 0; 4 IPv4 header (quick); 8 the key as
//   an IPv4 slot holds it: source, destination, ports, protocol (IPv6: ports and protocol
//   as its slot holds them, the addresses stay in the parsed record); 21 family; 22 quick
//   (1: parsed by `quickParse`; 0: the parsed record has the fields); 24 IP bytes; 28 the
//   slot after the home slot.
// @ts-ignore: decorator
@inline const GROUP: u32 = 64;
// @ts-ignore: decorator
@inline const GROUP_FIRST: u32 = 8;
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
  if ((load<u16>(ip, 6) & 0xff3f) != 0) return false; // MF or a fragment offset (bits 0x3fff, read little-endian)
  const protocol = <u32>load<u8>(ip, 9);
  const avail = total - 20;
  const t = ip + 20;
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
  store<u32>(e, <u32>ip, 4);
  store<u64>(e, load<u64>(ip, 12), 8); // source, destination
  store<u32>(e, load<u32>(t), 16); // source port, destination port
  store<u8>(e, <u8>protocol, 20);
  store<u8>(e, 4, 21);
  store<u8>(e, 1, 22);
  store<u32>(e, total, 24);
  return true;
}

/** Replaces the 16-bit word at `at` with `value` (both as loaded); the checksum delta. */
// @ts-ignore: decorator
@inline function putWord(at: usize, value: u32): u32 {
  const delta = wordDelta(<u32>load<u16>(at), value);
  store<u16>(at, <u16>value);
  return delta;
}

/** Replaces the IPv4 address at `at` with `value` (as loaded); the checksum delta. */
// @ts-ignore: decorator
@inline function putAddress(at: usize, value: u32): u32 {
  const old = load<u32>(at);
  store<u32>(at, value);
  return wordDelta(old >>> 16, value >>> 16) + wordDelta(old & 0xffff, value & 0xffff);
}

/** Applies `delta` to the checksum at `at` (RFC 1624 eqn. 3; UDP sends a 0 result as 0xffff). */
// @ts-ignore: decorator
@inline function fixChecksum(at: usize, delta: u32, udp: bool): void {
  let next = applyDelta(<u32>load<u16>(at), delta);
  if (udp && next == 0) next = 0xffff; // 0 and 0xffff read the same in either byte order
  store<u16>(at, <u16>next);
}

/**
 * `rewriteFrame` for a quick-parsed frame (IPv4 header at `ip`) and an IPv4 key (slot
 * `at`): the same words, the same deltas, the same checksum updates in the same order;
 * always NAT result 0.
 */
// @ts-ignore: decorator
@inline function quickRewrite(ip: usize, protocol: u32, at: usize, natFlags: u32): void {
  const t = ip + 20;
  let addressDelta: u32 = 0;
  if ((natFlags & NAT_SRC_ADDR) != 0) addressDelta += putAddress(ip + 12, load<u32>(at, FLOW4_NEW_SRC));
  if ((natFlags & NAT_DST_ADDR) != 0) addressDelta += putAddress(ip + 16, load<u32>(at, FLOW4_NEW_DST));
  if ((natFlags & (NAT_SRC_ADDR | NAT_DST_ADDR)) != 0) fixChecksum(ip + 10, addressDelta, false);
  const ports = load<u32>(at, FLOW4_NEW_PORTS);
  let portDelta: u32 = 0;
  if ((natFlags & NAT_SRC_PORT) != 0) portDelta += putWord(t, ports & 0xffff);
  if ((natFlags & NAT_DST_PORT) != 0) portDelta += putWord(t + 2, ports >>> 16);
  if (protocol == PROTO_TCP) {
    fixChecksum(t + 16, addressDelta + portDelta, false);
  } else if (load<u16>(t, 6) != 0) {
    fixChecksum(t + 6, addressDelta + portDelta, true); // UDP over IPv4 without a checksum keeps none
  }
}

// ---------------------------------------------------------------------------------------
// The kernel
//
// Frames go through it in groups, in stages, so that the table misses of a group overlap:
//  1. parse and screen each frame in order, up to the first that must punt, and hash its
//     key to its home slot;
//  2. load a word of every home slot and of the slot after it, back to back. WebAssembly
//     has no prefetch: these loads are it, issued together so that their cache misses and
//     page walks are in flight together. At half load a key is in its home slot three
//     times in four and in the next one most other times (a slot is a cache line);
//  3. probe each frame's key (its lines are there by now);
//  4. in order, check the key's timer and forward the frame, or punt it.
// Stage 4 reads the slots afresh, so two frames of one flow in a group see each other's
// refresh; the earlier stages write nothing but the parsed records and the scratch.
// Groups start at GROUP_FIRST frames and double up to GROUP: a frame that punts ends the
// call, and with it its group, whose later frames were screened and looked up in vain.

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
    const family = load<u8>(rec, PARSED_FAMILY);
    const ports = load<u32>(rec, PARSED_SRC_PORT); // source port | destination port << 16
    if (family == 4) {
      store<u32>(e, bswap<u32>(load<u32>(rec, PARSED_SRC)), 8);
      store<u32>(e, bswap<u32>(load<u32>(rec, PARSED_DST)), 12);
      store<u32>(e, swapPortBytes(ports), 16);
    } else {
      store<u32>(e, ports, 16);
    }
    store<u8>(e, <u8>protocol, 20);
    store<u8>(e, family, 21);
    store<u32>(e, load<u32>(rec, PARSED_IP_END) - <u32>load<u16>(rec, PARSED_L3_OFFSET), 24);
  }
  const now = load<f64>(frameTimes + (<usize>i << 3));
  if (!(now < horizon)) return PUNT_EXPIRY;
  if (now < floor) return PUNT_TIME_BACK;
  if (flow4Base == 0) return PUNT_MISS;
  const ports = load<u32>(e, 16);
  const protocol = <u32>load<u8>(e, 20);
  if (load<u8>(e, 21) == 4) {
    const home = home4(load<u32>(e, 8), load<u32>(e, 12), ports, protocol);
    store<u32>(e, <u32>home);
    store<u32>(e, <u32>next4(home), 28);
  } else {
    const home = home6(parsedRecords + <usize>i * PARSED_BYTES + PARSED_SRC, ports, protocol); // PARSED_DST follows
    store<u32>(e, <u32>home);
    store<u32>(e, <u32>next6(home), 28);
  }
  return 0;
}

/** Stage 3 for frame `i`: its key's slot, or 0, into scratch entry `e`. */
// @ts-ignore: decorator
@inline function probe(i: u32, e: usize): void {
  const home = <usize>load<u32>(e);
  const at = load<u8>(e, 21) == 4
    ? probe4(home, load<u64>(e, 8), load<u64>(e, 16) & KEY_TAIL_MASK)
    : probe6(home, parsedRecords + <usize>i * PARSED_BYTES + PARSED_SRC, load<u32>(e, 16), <u32>load<u8>(e, 20));
  store<u32>(e, <u32>at);
}

/**
 * Stage 4 for frame `i`: forwards it (0) stamped `sequence`, or returns the PUNT_*
 * reason. The IPv6 and the general IPv4 ways are functions of their own, out of the way
 * of the quick one.
 */
// @ts-ignore: decorator
@inline function forward(i: u32, e: usize, sequence: u32): u32 {
  const at = <usize>load<u32>(e);
  if (at == 0) return PUNT_MISS;
  if (load<u8>(e, 21) != 4) return forward6(i, e, at, sequence);
  const now = load<f64>(frameTimes + (<usize>i << 3));
  const deadline = load<f64>(at, FLOW4_DEADLINE);
  const timeout = load<f64>(at, FLOW4_TIMEOUT);
  if (!(now < deadline && now + timeout >= deadline)) return PUNT_TIMER;
  const natFlags = <u32>load<u8>(at, FLOW4_NAT_FLAGS);
  let natResult: u32 = 0;
  if (natFlags != 0) {
    if (load<u8>(e, 22) != 0) quickRewrite(<usize>load<u32>(e, 4), <u32>load<u8>(e, 20), at, natFlags);
    else natResult = rewrite4(i, at, natFlags);
  }
  store<f64>(at, now + timeout, FLOW4_DEADLINE);
  store<u32>(at, sequence, FLOW4_SEQUENCE);
  store<u32>(at, load<u32>(at, FLOW4_PACKETS) + 1, FLOW4_PACKETS);
  store<u64>(at, load<u64>(at, FLOW4_BYTES_COUNT) + <u64>load<u32>(e, 24), FLOW4_BYTES_COUNT);
  storeFastVerdict(i, <u32>load<u8>(at, FLOW4_DIRECTION), natResult, load<u32>(at, FLOW4_TOKEN));
  return 0;
}

// @ts-ignore: decorator
@inline function storeFastVerdict(i: u32, direction: u32, natResult: u32, token: u32): void {
  store<u64>(frameVerdicts + (<usize>i << FRAME_VERDICT_SHIFT), <u64>FRAME_FAST | (<u64>direction << 16) | (<u64>natResult << 24) | (<u64>token << 32), FRAME_VERDICT_OUTCOME);
}

/** `rewriteFrame` on frame `i` (parsed into its record) with the rewrite of IPv4 slot `at`; the NAT_* result. */
function rewrite4(i: u32, at: usize, natFlags: u32): u32 {
  const rw = rewriteScratch;
  store<u32>(rw, natFlags, REWRITE_FLAGS);
  store<u32>(rw, swapPortBytes(load<u32>(at, FLOW4_NEW_PORTS)), REWRITE_SRC_PORT);
  store<u32>(rw, bswap<u32>(load<u32>(at, FLOW4_NEW_SRC)), REWRITE_SRC);
  store<u32>(rw, bswap<u32>(load<u32>(at, FLOW4_NEW_DST)), REWRITE_DST);
  const desc = descriptors + <usize>i * FRAME_DESC_BYTES;
  return rewriteFrame(packetArea + load<u32>(desc, FRAME_OFFSET), load<u32>(desc, FRAME_LENGTH), parsedRecords + <usize>i * PARSED_BYTES, rw);
}

/** Stage 4 for frame `i` with an IPv6 key (slot `at`): `forward` for that family. */
function forward6(i: u32, e: usize, at: usize, sequence: u32): u32 {
  const now = load<f64>(frameTimes + (<usize>i << 3));
  const deadline = load<f64>(at, FLOW6_DEADLINE);
  const timeout = load<f64>(at, FLOW6_TIMEOUT);
  if (!(now < deadline && now + timeout >= deadline)) return PUNT_TIMER;
  const natFlags = <u32>load<u8>(at, FLOW6_NAT_FLAGS);
  let natResult: u32 = 0;
  if (natFlags != 0) {
    const rw = rewriteScratch;
    store<u32>(rw, natFlags, REWRITE_FLAGS);
    store<u32>(rw, load<u32>(at, FLOW6_NEW_PORTS), REWRITE_SRC_PORT);
    memory.copy(rw + REWRITE_SRC, at + FLOW6_NEW_SRC, 16);
    memory.copy(rw + REWRITE_DST, at + FLOW6_NEW_DST, 16);
    const desc = descriptors + <usize>i * FRAME_DESC_BYTES;
    natResult = rewriteFrame(packetArea + load<u32>(desc, FRAME_OFFSET), load<u32>(desc, FRAME_LENGTH), parsedRecords + <usize>i * PARSED_BYTES, rw);
  }
  store<f64>(at, now + timeout, FLOW6_DEADLINE);
  store<u32>(at, sequence, FLOW6_SEQUENCE);
  store<u32>(at, load<u32>(at, FLOW6_PACKETS) + 1, FLOW6_PACKETS);
  store<u64>(at, load<u64>(at, FLOW6_BYTES_COUNT) + <u64>load<u32>(e, 24), FLOW6_BYTES_COUNT);
  storeFastVerdict(i, <u32>load<u8>(at, FLOW6_DIRECTION), natResult, load<u32>(at, FLOW6_TOKEN));
  return 0;
}

/**
 * Hands frame `i` to the slow path: full parsed record, verdict record, counter. The time
 * floor becomes the later of `floor` (the frames before it) and its time.
 */
function punt(i: u32, e: usize, reason: u32, parseFlags: u32, floor: f64): u32 {
  if (load<u8>(e, 22) != 0) {
    const desc = descriptors + <usize>i * FRAME_DESC_BYTES;
    parseFrame(packetArea + load<u32>(desc, FRAME_OFFSET), load<u32>(desc, FRAME_LENGTH), <u32>load<u16>(desc, FRAME_LINK_TYPE), parseFlags, parsedRecords + <usize>i * PARSED_BYTES);
  }
  store<u64>(frameVerdicts + (<usize>i << FRAME_VERDICT_SHIFT), <u64>FRAME_PUNT | (<u64>reason << 8), FRAME_VERDICT_OUTCOME);
  bump(FRAME_COUNTER_PUNTS + reason, 1);
  const now = load<f64>(frameTimes + (<usize>i << 3));
  timeFloor = now > floor ? now : floor;
  return i;
}

/** Why stage 1 stopped its group early (PUNT_*), 0 when it screened every frame. */
let screenStop: u32 = 0;
/** The latest time of the frames screened so far in this call and the frames before them. */
let screenFloor: f64 = 0;
/** Why stage 4 stopped its group early (PUNT_*). */
let forwardStop: u32 = 0;

// Stages 1 and 4 are functions of their own, called once per group rather than inlined
// into one loop: the engine allocates registers per function, so each keeps its values
// in them instead of spilling the other's.

/** Stage 1 over frames i..groupEnd-1, up to the first that must punt; how many passed. */
function screenGroup(i: u32, groupEnd: u32, parseFlags: u32, horizon: f64): u32 {
  let floor = screenFloor;
  let n: u32 = 0;
  let reason: u32 = 0;
  for (; i + n < groupEnd; n++) {
    reason = screen(i + n, groupScratch + (<usize>n << GROUP_SHIFT), parseFlags, horizon, floor);
    if (reason != 0) break;
    const now = load<f64>(frameTimes + (<usize>(i + n) << 3));
    if (now > floor) floor = now;
  }
  screenFloor = floor;
  screenStop = reason;
  return n;
}

/** Stages 2 and 3 over the `n` screened frames from frame `i`. */
function lookUpGroup(i: u32, n: u32): void {
  for (let j: u32 = 0; j < n; j++) {
    const e = groupScratch + (<usize>j << GROUP_SHIFT);
    load<u32>(<usize>load<u32>(e));
    load<u32>(<usize>load<u32>(e, 28));
  }
  for (let j: u32 = 0; j < n; j++) probe(i + j, groupScratch + (<usize>j << GROUP_SHIFT));
}

/**
 * Stage 4 over the `n` screened frames from frame `i`, in order, up to the first that
 * must punt (why: `forwardStop`); how many it forwarded. Counts and stamps them.
 */
function forwardGroup(i: u32, n: u32): u32 {
  let sequence = stamp;
  let bytes: u64 = 0;
  let j: u32 = 0;
  let reason: u32 = 0;
  for (; j < n; j++) {
    const e = groupScratch + (<usize>j << GROUP_SHIFT);
    reason = forward(i + j, e, sequence + 2);
    if (reason != 0) break;
    sequence += 2;
    bytes += <u64>load<u32>(e, 24);
  }
  stamp = sequence;
  bump(FRAME_COUNTER_FAST_PACKETS, j);
  bump(FRAME_COUNTER_FAST_BYTES, bytes);
  forwardStop = reason;
  return j;
}

/**
 * Runs frames start..end-1 (end ≤ `usableFrames()`, checked by the export) until the first
 * frame that must take the slow path. Returns that frame's index (its verdict record says
 * FRAME_PUNT and why; its parsed record is filled), or `end` when every frame took the
 * fast path. `horizon`: frames at or after this time (ms) punt.
 */
export function processRange(start: u32, end: u32, parseFlags: u32, horizon: f64): u32 {
  screenFloor = timeFloor;
  let i = start;
  let size = GROUP_FIRST;
  while (i < end) {
    const floorBefore = screenFloor;
    const n = screenGroup(i, end - i < size ? end : i + size, parseFlags, horizon);
    const screenReason = screenStop;
    lookUpGroup(i, n);
    const forwarded = forwardGroup(i, n);
    if (forwarded < n) {
      let floor = floorBefore;
      for (let k: u32 = 0; k < forwarded; k++) {
        const now = load<f64>(frameTimes + (<usize>(i + k) << 3));
        if (now > floor) floor = now;
      }
      return punt(i + forwarded, groupScratch + (<usize>forwarded << GROUP_SHIFT), forwardStop, parseFlags, floor);
    }
    if (screenReason != 0) return punt(i + n, groupScratch + (<usize>n << GROUP_SHIFT), screenReason, parseFlags, screenFloor);
    i += n;
    if (size < GROUP) size <<= 1;
  }
  timeFloor = screenFloor;
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
