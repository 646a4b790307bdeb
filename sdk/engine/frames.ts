/**
 * The wasm frame engine: the `FrameEngine` contract (sdk/proxy/frame-engine.ts) with a fast
 * path in the core for the packets of established flows and their replies, and the
 * TypeScript flow layer as its slow path. It gives the same `FrameResult`s, output bytes
 * included, as the reference engine (sdk/proxy/reference-frames.ts) for the same frames
 * and seed; test/engine/frames*.test.ts hold the two to it.
 *
 * How a batch runs (all frames in capture order):
 *
 * 1. The frames are copied into the core's packet area, with their capture times.
 * 2. The frames kernel (assembly/frames.ts) parses each frame and looks its tuple up in the
 *    flow cache (assembly/flowcache.ts). A packet whose tracking could change nothing but
 *    its flow's timer — TCP ACKs of ESTABLISHED, ASSURED flows; UDP and SCTP packets the
 *    conntrack trackers only re-time (`ConntrackTable.timerOnlyTracking`) — is rewritten in
 *    place as its cached key says (incremental checksums) and the key's deadline is set to
 *    now + timeout. The kernel stops at the first frame it cannot handle so (a PUNT).
 * 3. The punted frame runs the reference's slow path, step for step: its parsed record (the
 *    core's parser is the reference's, differential-tested) gives the tuple,
 *    `FlowProcessor.process` decides — a new flow's rule decision comes from the core's
 *    decision cache (sdk/engine/decisions.ts), keyed by the frame's parsed record, and the
 *    rules decide only keys it has not seen — the core's `rewriteFrame` / `buildUnreachable`
 *    make the bytes. Then the engine mirrors the flow's conntrack entry into the cache: both
 *    keys installed while the entry is timer-only, removed when it is not or when the entry
 *    goes (a `ConntrackObserver` hears of expiry, eviction, UDP cleanup, reopening,
 *    resets). The kernel resumes after the punted frame.
 *
 * FlowProcessor stays authoritative: the fast path only repeats a translation it decided,
 * for packets whose tracking is a pure timer refresh, and what it did reaches the conntrack
 * table exactly, but lazily — before the slow path touches the flow, and when the table
 * finds a cached entry due for expiry (`ConntrackObserver.due`): the deadline of the key
 * stamped last, and for TCP the direction of that last ACK. That is exact because the
 * kernel forwards no frame timed before a frame it has seen (so fast-path deadlines only
 * grow, and the latest is the flow's), and no frame timed at or after the table's expiry
 * horizon (`ConntrackTable.nextDeadline`: the slow path runs the table's expiry where the
 * reference would, whatever order times come in).
 *
 * Two ways in: `process(frames)` (the contract: a result object and a copy of the output
 * bytes per frame) and, for pipelines that keep frames in flat buffers, `reserve` /
 * `views()` / `run(count)`, which leaves fast-path frames rewritten in place with their
 * verdict records and reports only slow-path results.
 */

import { instantiate } from '@assemblyscript/loader';
import type { CoreTarget, WasmSource } from './exports.js';
import { compileCore } from './load.js';
import { CoreDecisionCache, type DecisionCacheStats, type DecisionCoreExports } from './decisions.js';
import { ST_NO_MEMORY, ST_OK } from './records.js';
import { PACKET_REPLY_BYTES, type PacketCoreExports } from './packets.js';
import { parseIPv4, parseIPv6 } from '../model/ip.js';
import type { Protocol } from '../model/types.js';
import {
  FRAG_IS_FRAGMENT,
  PARSED_RECORD_BYTES,
  PROTO_SCTP,
  PROTO_TCP,
  PROTO_UDP,
  REASON_OK,
  readParsedRecord,
  reasonName,
} from '../packet/parse.js';
import { NAT_DST_ADDR, NAT_DST_PORT, NAT_SRC_ADDR, NAT_SRC_PORT, REWRITE_RECORD_BYTES, writeRewriteRecord, type NatRewrite } from '../packet/nat.js';
import { invertTuple, type ConntrackEntry, type ConntrackObserver, type Direction } from '../proxy/conntrack.js';
import type { FlowTuple, RuleDecision } from '../proxy/decision.js';
import type { FlowProcessor, FlowResult, FlowStats } from '../proxy/flows.js';
import type { Frame, FrameEngine, FrameResult } from '../proxy/frame-engine.js';
import { FragmentTable, NO_ADDRESS, createFlowLayer, drop, frameOutcome, packetFlow, type FlowLayerOptions, type FrameWriter } from '../proxy/frame-helpers.js';
import type { KubeProxyRules } from '../proxy/rules.js';
import { joinHostPort } from '../proxy/rules-net.js';

// ---------------------------------------------------------------------------------------
// Core exports and layout mirror (assembly/layout.ts, "Flow cache and frames kernel";
// test/engine/frames.test.ts compares them)

/** The flow cache and frames kernel exports of the core (`assembly/index.ts`), on top of the raw-packet ones. */
export interface FrameCoreExports extends PacketCoreExports, DecisionCoreExports {
  flowCacheReserve(flows: number, flows6: number): number;
  flowCacheClear(): void;
  flowKeyStagingPtr(): number;
  flowCacheInsert(): number;
  flowCacheRead(clear: number): number;
  flowCacheRemove(): number;
  flowCacheLookup(): number;
  flowCacheKeys(family: number): number;
  framesReserve(count: number, bytes: number): number;
  framesCapacity(): number;
  frameTimesPtr(): number;
  frameVerdictsPtr(): number;
  frameCountersPtr(): number;
  frameTimeFloor(): number;
  processFrames(start: number, end: number, parseFlags: number, horizon: number): number;
  rewriteFrameAt(index: number): number;
  framesMemoryBytes(): number;
  framesLayoutSignature(): number;
}

export const FLOW4_SLOT_BYTES = 64;
export const FLOW6_SLOT_BYTES = 128;
export const FLOW_CACHE_MAX_FLOWS = 0x0010_0000;

/** Flow key staging record fields. */
export const FLOW_KEY_STAGING_BYTES = 128;
export const FK_FAMILY = 0;
export const FK_PROTOCOL = 1;
export const FK_DIRECTION = 2;
export const FK_NAT_FLAGS = 3;
export const FK_PORTS = 4;
export const FK_NEW_PORTS = 8;
export const FK_TOKEN = 12;
export const FK_SRC = 16;
export const FK_DST = 32;
export const FK_NEW_SRC = 48;
export const FK_NEW_DST = 64;
export const FK_DEADLINE = 80;
export const FK_TIMEOUT = 88;
export const FK_SEQUENCE = 96;
export const FK_PACKETS = 100;
export const FK_BYTES = 104;

/** Frame verdict record. */
export const FRAME_VERDICT_BYTES = 8;
export const FRAME_VERDICT_OUTCOME = 0;
export const FRAME_VERDICT_PUNT_REASON = 1;
export const FRAME_VERDICT_DIRECTION = 2;
export const FRAME_VERDICT_NAT_RESULT = 3;
export const FRAME_VERDICT_TOKEN = 4;
export const FRAME_FAST = 1;
export const FRAME_PUNT = 2;

/** Why a frame took the slow path (frame verdict byte 1). */
export const PUNT_PARSE = 1;
export const PUNT_FRAGMENT = 2;
export const PUNT_PROTOCOL = 3;
export const PUNT_TCP_FLAGS = 4;
export const PUNT_MISS = 5;
export const PUNT_TIMER = 6;
export const PUNT_EXPIRY = 7;
export const PUNT_TIME_BACK = 8;
export const PUNT_REASON_NAMES: readonly string[] = ['', 'parse', 'fragment', 'protocol', 'tcpFlags', 'miss', 'timer', 'expiry', 'timeBack'];

export const FRAME_COUNTERS = 16;
export const FRAME_COUNTER_FAST_PACKETS = 0;
export const FRAME_COUNTER_FAST_BYTES = 1;
export const FRAME_COUNTER_PUNTS = 1;

const FRAME_DESCRIPTOR_WORDS = 4;

/** Views over the frame regions; valid until the next reserve (the only calls that grow memory). */
export interface FrameViews {
  readonly capacity: number;
  /** The packet area: frames anywhere in it. */
  readonly area: Uint8Array;
  /** 4 words per frame: [offset into `area`, length, link type, 0]. */
  readonly descriptors: Uint32Array;
  /** Capture time (ms) per frame. */
  readonly times: Float64Array;
  /** FRAME_VERDICT_BYTES per frame, written by the kernel. */
  readonly verdicts: Uint8Array;
  readonly verdictWords: Uint32Array;
  readonly parsed: Uint8Array;
  readonly rewrites: Uint8Array;
}

// ---------------------------------------------------------------------------------------
// Options, stats

export interface WasmFrameEngineOptions extends FlowLayerOptions {
  /** `release` (default) or `debug` (asserts on, for tests). */
  target?: CoreTarget;
  /** Explicit source of the core's bytes. */
  wasm?: WasmSource;
  /** IPv4 flows the fast path can hold (default 65536; 256 B of slots each); more are handled by the slow path alone. */
  flowCacheFlows?: number;
  /** IPv6 flows the fast path can hold (default 16384; 512 B of slots each). */
  flowCacheFlowsV6?: number;
  /** Frames copied into the core per kernel run (default 4096; `process` splits larger batches). */
  batchFrames?: number;
  /** First-packet decisions the core keeps (default 16384; 96 B each; sdk/engine/decisions.ts). */
  decisionCacheEntries?: number;
}

export interface FrameEngineStats extends FlowStats {
  fragmentedDatagrams: number;
  /** Frames the core forwarded on its own. */
  fastPathFrames: number;
  /** Frames the slow path handled. */
  slowPathFrames: number;
  /** The same, by why the core punted them (keys: PUNT_REASON_NAMES). */
  punts: Record<string, number>;
  /** Conntrack entries mirrored in the flow cache now. */
  cachedFlows: number;
  /** Entries that could not be cached (cache full). */
  cacheRefused: number;
}

// ---------------------------------------------------------------------------------------
// The engine

const PROTOCOL_NUMBERS: Readonly<Record<Protocol, number>> = { TCP: PROTO_TCP, UDP: PROTO_UDP, SCTP: PROTO_SCTP };
const DEFAULT_FLOW_CACHE_FLOWS = 65536;
const DEFAULT_FLOW_CACHE_FLOWS_V6 = 16384;
const DEFAULT_BATCH_FRAMES = 4096;
const DEFAULT_DECISION_CACHE_ENTRIES = 16384;

/** A conntrack entry mirrored in the flow cache. */
interface CachedFlow {
  readonly token: number;
  readonly entry: ConntrackEntry;
  /** DIRECTION_BITS of the keys installed. */
  keys: number;
  /** What the result of a fast-path packet says: [original, reply]. */
  readonly results: readonly [ResultTemplate, ResultTemplate];
  /** Staging record images of the two keys (key and rewrite; the timer is written per call). */
  readonly images: readonly [Uint8Array, Uint8Array];
}

export class WasmFrameEngine implements FrameEngine {
  readonly kind = 'wasm';
  readonly target: CoreTarget;
  readonly rules: KubeProxyRules;
  readonly flows: FlowProcessor;
  /** The core's first-packet decisions (the flow processor asks it instead of the rules). */
  readonly decisions: CoreDecisionCache;
  private readonly core: FrameCoreExports;
  /** The frame whose slow path is running (its parsed record is the core's key), −1 outside one. */
  private slowFrame = -1;
  private nowMs = 0;
  private readonly masqueradeIPs: Readonly<Record<4 | 6, string>>;
  private readonly fragments: FragmentTable;
  private readonly batchFrames: number;

  // Flow cache mirror.
  private readonly cached = new Map<number, CachedFlow>();
  private readonly byToken: (CachedFlow | undefined)[] = [];
  private readonly freeTokens: number[] = [];
  private nextToken = 1;
  private cacheRefused = 0;

  // Views (re-made when memory moves).
  private buffer: ArrayBuffer;
  private frameViews!: FrameViews;
  private staging!: Uint8Array;
  private stagingView!: DataView;
  private counters!: BigUint64Array;

  constructor(core: FrameCoreExports, target: CoreTarget, options: WasmFrameEngineOptions) {
    // The same flow layer as the reference engine, built the same way (same seed, same clock).
    const layer = createFlowLayer(options, () => this.nowMs, () => (tuple) => this.decideFirstPacket(tuple));
    this.core = core;
    this.target = target;
    this.rules = layer.rules;
    this.flows = layer.flows;
    this.masqueradeIPs = layer.masqueradeIPs;
    this.fragments = new FragmentTable(options.maxFragmentedDatagrams);
    this.decisions = new CoreDecisionCache(core, this.rules, { maxEntries: options.decisionCacheEntries ?? DEFAULT_DECISION_CACHE_ENTRIES });
    this.batchFrames = Math.max(1, Math.floor(options.batchFrames ?? DEFAULT_BATCH_FRAMES));

    const flows = Math.floor(options.flowCacheFlows ?? DEFAULT_FLOW_CACHE_FLOWS);
    const flows6 = Math.floor(options.flowCacheFlowsV6 ?? DEFAULT_FLOW_CACHE_FLOWS_V6);
    if (!(flows >= 0 && flows <= FLOW_CACHE_MAX_FLOWS && flows6 >= 0 && flows6 <= FLOW_CACHE_MAX_FLOWS)) {
      throw new RangeError(`svcnet: a flow cache of ${flows} IPv4 and ${flows6} IPv6 flows is not within 0..${FLOW_CACHE_MAX_FLOWS} each`);
    }
    if (core.flowCacheReserve(flows, flows6) !== ST_OK) throw new RangeError(`svcnet: the core refused a flow cache of ${flows} + ${flows6} flows`);
    if (core.framesReserve(this.batchFrames, this.batchFrames * 128) !== ST_OK) throw new RangeError(`svcnet: the core refused ${this.batchFrames} frames`);
    this.buffer = core.memory.buffer;
    this.makeViews();

    const observer: ConntrackObserver = {
      removed: (entry) => this.uncache(entry),
      due: (entry) => this.bringIn(entry),
    };
    this.flows.conntrack.observe(observer);
  }

  /** The raw exports, for tests and benchmarks. */
  get exports(): FrameCoreExports {
    return this.core;
  }

  // -------------------------------------------------------------------------- contract

  process(frames: readonly Frame[]): FrameResult[] {
    const results: FrameResult[] = new Array<FrameResult>(frames.length);
    for (let start = 0; start < frames.length; start += this.batchFrames) {
      const count = Math.min(this.batchFrames, frames.length - start);
      this.load(frames, start, count);
      this.runInto(count, results, start);
    }
    return results;
  }

  // -------------------------------------------------------------------------- batch API

  /**
   * Views over the frame regions, for callers that write frames themselves (`run`): frame i
   * is `area[descriptors[4i] .. + descriptors[4i+1])`, link type `descriptors[4i+2]`, time
   * `times[i]`. Valid until `reserve`.
   */
  views(): FrameViews {
    if (this.core.memory.buffer !== this.buffer) this.makeViews();
    return this.frameViews;
  }

  /** Ensures room for `count` frames and `bytes` of frame bytes (region contents are not kept). */
  reserve(count: number, bytes: number): FrameViews {
    const v = this.views();
    if (count <= v.capacity && bytes <= v.area.length) return v;
    if (this.core.framesReserve(Math.max(count, v.capacity), Math.max(bytes, v.area.length)) !== ST_OK) {
      throw new RangeError(`svcnet: ${count} frames / ${bytes} bytes is more than the frame kernel accepts`);
    }
    this.makeViews();
    return this.frameViews;
  }

  /** Copies frames[start .. start + count) into the regions (frames back to back). */
  load(frames: readonly Frame[], start: number, count: number): void {
    let bytes = 0;
    for (let i = 0; i < count; i++) bytes += frames[start + i].data.length;
    const v = this.reserve(count, bytes);
    const { area, descriptors, times } = v;
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const f = frames[start + i];
      const w = i * FRAME_DESCRIPTOR_WORDS;
      area.set(f.data, offset);
      descriptors[w] = offset;
      descriptors[w + 1] = f.data.length;
      // The descriptor holds 16 bits; a link type beyond them is one no parser knows either way.
      descriptors[w + 2] = Number.isInteger(f.linkType) && f.linkType >= 0 && f.linkType <= 0xffff ? f.linkType : 0xffff;
      descriptors[w + 3] = 0;
      times[i] = f.timeMs;
      offset += f.data.length;
    }
  }

  /**
   * Processes frames 0..count-1 as they sit in the regions (`load`, or written through
   * `views()`), in order. Fast-path frames are rewritten in place (their verdict records
   * say FRAME_FAST); punted frames run the slow path, which leaves its output in the area
   * too when it rewrites. Every frame's result (bytes copied out) goes to `onResult` in
   * order — fast-path frames' only when `reportFastFrames`, for pipelines that take their
   * bytes from the area and their fate from the verdict records. Returns how many frames
   * took the slow path.
   */
  run(count: number, onResult?: (index: number, result: FrameResult) => void, reportFastFrames = true): number {
    if (onResult === undefined || !reportFastFrames) {
      return this.kernelRuns(count, (index) => {
        const result = this.slowPath(index);
        onResult?.(index, result);
      });
    }
    const results = new Array<FrameResult>(count);
    const punts = this.runInto(count, results, 0);
    for (let i = 0; i < count; i++) onResult(i, results[i]);
    return punts;
  }

  /**
   * The kernel over frames 0..count-1, calling `slowPath(i)` for each punted frame, in
   * order, and `forwarded(from, to)` after each run of fast-path frames. Returns the punts.
   */
  private kernelRuns(count: number, slowPath: (index: number) => void, forwarded?: (from: number, to: number) => void): number {
    const v = this.views();
    if (count > v.capacity) throw new RangeError(`svcnet: ${count} frames exceed the reserved ${v.capacity}`);
    let punts = 0;
    let i = 0;
    while (i < count) {
      const stop = this.core.processFrames(i, count, 0, this.flows.conntrack.nextDeadline());
      if (stop < 0) throw new RangeError(`svcnet: ${count} frames exceed the kernel's capacity`);
      if (stop > i) forwarded?.(i, stop);
      if (stop >= count) break;
      slowPath(stop);
      punts++;
      i = stop + 1;
    }
    if (count > 0) this.nowMs = v.times[count - 1];
    return punts;
  }

  /**
   * Runs frames 0..count-1 into results[at ..]. Fast-path results are described as soon as
   * the kernel forwards them (a later slow path may retire their flow and hand its token to
   * another); their bytes are cut from one copy of the area made at the end, since every
   * frame's final bytes are in place by then.
   */
  private runInto(count: number, results: FrameResult[], at: number): number {
    const fast: number[] = [];
    const punts = this.kernelRuns(
      count,
      (index) => {
        results[at + index] = this.slowPath(index);
      },
      (from, to) => {
        const v = this.frameViews;
        for (let k = from; k < to; k++) {
          const flow = this.byToken[v.verdictWords[k * 2 + 1]] as CachedFlow;
          results[at + k] = fastResult(flow.results[v.verdicts[k * FRAME_VERDICT_BYTES + FRAME_VERDICT_DIRECTION]], undefined);
          fast.push(k);
        }
      },
    );
    if (fast.length > 0) {
      const v = this.frameViews;
      let end = 0;
      for (const k of fast) end = Math.max(end, v.descriptors[k * FRAME_DESCRIPTOR_WORDS] + v.descriptors[k * FRAME_DESCRIPTOR_WORDS + 1]);
      const copy = v.area.slice(0, end);
      for (const k of fast) {
        const w = k * FRAME_DESCRIPTOR_WORDS;
        results[at + k].output = new Uint8Array(copy.buffer, v.descriptors[w], v.descriptors[w + 1]);
      }
    }
    return punts;
  }

  /** Flow-layer and fast-path statistics (brings fast-path timers into the conntrack table first). */
  stats(): FrameEngineStats {
    this.syncFlows();
    this.views();
    const c = this.counters;
    const punts: Record<string, number> = {};
    let slowPathFrames = 0;
    for (let r = 1; r < PUNT_REASON_NAMES.length; r++) {
      const n = Number(c[FRAME_COUNTER_PUNTS + r]);
      punts[PUNT_REASON_NAMES[r]] = n;
      slowPathFrames += n;
    }
    return {
      ...this.flows.stats(),
      fragmentedDatagrams: this.fragments.size,
      fastPathFrames: Number(c[FRAME_COUNTER_FAST_PACKETS]),
      slowPathFrames,
      punts,
      cachedFlows: this.cached.size,
      cacheRefused: this.cacheRefused,
    };
  }

  /** Brings every fast-path refresh into the conntrack table now (its entries' `deadline`s are then current). */
  syncFlows(): void {
    for (const flow of this.cached.values()) this.bringIn(flow.entry);
  }

  /**
   * Fast-path packets (a wrapping u32) and IP bytes of a cached entry since its keys were installed,
   * per direction [original, reply]; undefined when it is not cached.
   */
  cachedCounters(entry: ConntrackEntry): { packets: [number, number]; bytes: [number, number] } | undefined {
    const flow = this.cached.get(entry.id);
    if (!flow) return undefined;
    const packets: [number, number] = [0, 0];
    const bytes: [number, number] = [0, 0];
    for (const d of [0, 1] as const) {
      if ((flow.keys & (1 << d)) === 0 || this.readKey(flow.images[d], false) !== ST_OK) continue;
      packets[d] = this.stagingView.getUint32(FK_PACKETS, true);
      bytes[d] = Number(this.stagingView.getBigUint64(FK_BYTES, true));
    }
    return { packets, bytes };
  }

  /** Keys in the core's flow cache, per family. */
  cachedKeys(): { ipv4: number; ipv6: number } {
    return { ipv4: this.core.flowCacheKeys(4) >>> 0, ipv6: this.core.flowCacheKeys(6) >>> 0 };
  }

  memoryBytes(): number {
    return (this.core.packetMemoryBytes() >>> 0) + (this.core.framesMemoryBytes() >>> 0);
  }

  private makeViews(): void {
    const core = this.core;
    this.buffer = core.memory.buffer;
    const capacity = core.framesCapacity() >>> 0;
    const verdicts = new Uint8Array(this.buffer, core.frameVerdictsPtr() >>> 0, capacity * FRAME_VERDICT_BYTES);
    this.frameViews = {
      capacity,
      area: new Uint8Array(this.buffer, core.packetAreaPtr() >>> 0, core.packetAreaBytes() >>> 0),
      descriptors: new Uint32Array(this.buffer, core.packetDescriptorsPtr() >>> 0, capacity * FRAME_DESCRIPTOR_WORDS),
      times: new Float64Array(this.buffer, core.frameTimesPtr() >>> 0, capacity),
      verdicts,
      verdictWords: new Uint32Array(this.buffer, verdicts.byteOffset, capacity * 2),
      parsed: new Uint8Array(this.buffer, core.packetParsedPtr() >>> 0, capacity * PARSED_RECORD_BYTES),
      rewrites: new Uint8Array(this.buffer, core.packetRewritesPtr() >>> 0, capacity * REWRITE_RECORD_BYTES),
    };
    this.staging = new Uint8Array(this.buffer, core.flowKeyStagingPtr() >>> 0, FLOW_KEY_STAGING_BYTES);
    this.stagingView = new DataView(this.buffer, this.staging.byteOffset, FLOW_KEY_STAGING_BYTES);
    this.counters = new BigUint64Array(this.buffer, core.frameCountersPtr() >>> 0, FRAME_COUNTERS);
  }

  // -------------------------------------------------------------------------- slow path
  // Step for step the reference engine's `processFrame` (sdk/proxy/reference-frames.ts),
  // on the core's parsed record and bytes.

  private frameBytes(index: number): Uint8Array {
    const v = this.frameViews;
    const w = index * FRAME_DESCRIPTOR_WORDS;
    return v.area.subarray(v.descriptors[w], v.descriptors[w] + v.descriptors[w + 1]);
  }

  private slowPath(index: number): FrameResult {
    const v = this.views();
    this.nowMs = v.times[index];
    const linkType = v.descriptors[index * FRAME_DESCRIPTOR_WORDS + 2];
    const p = readParsedRecord(v.parsed, index * PARSED_RECORD_BYTES);
    if (p.reason !== REASON_OK) return drop('new', reasonName(p.reason));
    const writer = this.frameWriter(index);
    if ((p.fragFlags & FRAG_IS_FRAGMENT) !== 0 && p.fragOffset > 0) return this.fragments.follow(p, this.nowMs, writer);

    const packet = packetFlow(p);
    if (packet === undefined) return this.fragments.remember(p, linkType, { verdict: 'PASS', flow: 'new', masquerade: false, output: writer.rewritten([]) }, this.nowMs);
    const { tuple, embedded } = packet;
    if (embedded === undefined) {
      // What the fast path did to this flow reaches the table before the flow layer reads it.
      const known = this.flows.conntrack.lookup(tuple);
      if (known) this.bringIn(known.entry);
    }
    this.slowFrame = index;
    let flow: FlowResult;
    try {
      flow = this.flows.process(tuple, packet.packet);
    } finally {
      this.slowFrame = -1;
    }
    const result = this.fragments.remember(p, linkType, frameOutcome(tuple, embedded, flow, this.masqueradeIPs, writer), this.nowMs);
    if (embedded === undefined) {
      const after = this.flows.conntrack.lookup(tuple);
      if (after) this.mirror(after.entry);
    }
    return result;
  }

  /** Output bytes of frame `index` from the core: `rewriteFrame` in place (then a copy), `buildUnreachable` for REJECT. */
  private frameWriter(index: number): FrameWriter {
    return {
      unreachable: () => this.unreachable(index),
      rewritten: (rewrites: readonly NatRewrite[]) => {
        for (const r of rewrites) this.rewrite(index, r);
        return this.frameBytes(index).slice();
      },
    };
  }

  /** Rewrites frame `index` in place with the core's `rewriteFrame` (nothing for no flags). */
  private rewrite(index: number, r: NatRewrite): void {
    if (r.flags === 0) return;
    writeRewriteRecord(r, this.views().rewrites, index * REWRITE_RECORD_BYTES);
    this.core.rewriteFrameAt(index);
  }

  /** The core's port unreachable for frame `index` (a copy), or undefined when the kernel would send none. */
  private unreachable(index: number): Uint8Array | undefined {
    const out = this.core.packetReplyPtr() >>> 0;
    const n = this.core.buildUnreachable(index, out, PACKET_REPLY_BYTES, 0);
    if (n < 0) return undefined;
    return new Uint8Array(this.core.memory.buffer, out, n).slice();
  }

  /** A first packet's decision: from the core, keyed by the slow-path frame's parsed record when there is one. */
  private decideFirstPacket(tuple: FlowTuple): RuleDecision {
    return this.slowFrame >= 0 ? this.decisions.decideFrame(this.slowFrame, tuple) : this.decisions.decide(tuple);
  }

  /** The decision cache's counters. */
  decisionStats(): DecisionCacheStats {
    return this.decisions.stats();
  }

  // -------------------------------------------------------------------------- cache mirror

  /** Copies a key image into the staging record and reads the key back (`clear`: mark it read). */
  private readKey(image: Uint8Array, clear: boolean): number {
    this.views();
    this.staging.set(image);
    return this.core.flowCacheRead(clear ? 1 : 0);
  }

  /**
   * Reports what the fast path did to `entry` since last time (nothing when it did
   * nothing): the deadline of the key stamped last — the kernel forwards no frame timed
   * before one it has seen, so that is the latest deadline, and stamps break ties.
   */
  private bringIn(entry: ConntrackEntry): void {
    const flow = this.cached.get(entry.id);
    if (!flow) return;
    let deadline = Number.NEGATIVE_INFINITY;
    let sequence = 0;
    let direction: Direction | undefined;
    for (const d of [0, 1] as const) {
      if ((flow.keys & (1 << d)) === 0) continue;
      if (this.readKey(flow.images[d], true) !== ST_OK) throw new Error('svcnet: a cached key went missing from the flow cache');
      const stamp = this.stagingView.getUint32(FK_SEQUENCE, true);
      if (stamp === 0) continue;
      const keyDeadline = this.stagingView.getFloat64(FK_DEADLINE, true);
      if (direction === undefined || keyDeadline > deadline || (keyDeadline === deadline && ((stamp - sequence) | 0) > 0)) {
        deadline = keyDeadline;
        sequence = stamp;
        direction = d === 0 ? 'original' : 'reply';
      }
    }
    if (direction !== undefined) this.flows.conntrack.recordForwarded(entry, deadline, direction);
  }

  /** Makes the cache hold exactly the timer-only directions of `entry`, with its timer. */
  private mirror(entry: ConntrackEntry): void {
    const table = this.flows.conntrack;
    const original = table.timerOnlyTracking(entry, 'original');
    const reply = table.timerOnlyTracking(entry, 'reply');
    const family = entry.original.family;
    const droppedByMasquerade = entry.nat.masquerade && this.masqueradeIPs[family] === NO_ADDRESS[family];
    // The kernel keys no "not before" time: later frames are timed at or after this one
    // (the time floor), so the timer-only window must already be open now.
    const timer = original ?? reply;
    let flow = this.cached.get(entry.id);
    if (!timer || droppedByMasquerade || !(timer.notBeforeMs < this.nowMs)) {
      if (flow) this.uncache(entry);
      return;
    }
    if (!flow) {
      const token = this.freeTokens.pop() ?? this.nextToken++;
      flow = {
        token,
        entry,
        keys: 0,
        results: [new ResultTemplate(entry, 'established'), new ResultTemplate(entry, 'reply')],
        images: [keyImage(entry.original, invertTuple(entry.reply), 'original', token), keyImage(entry.reply, invertTuple(entry.original), 'reply', token)],
      };
      this.cached.set(entry.id, flow);
      this.byToken[token] = flow;
    }
    // Both directions share the flow's timer (the tracker's timeout is the same both ways).
    const timeoutMs = timer.timeoutMs;
    this.setKey(flow, 0, original !== undefined, entry.deadline, timeoutMs);
    this.setKey(flow, 1, reply !== undefined, entry.deadline, timeoutMs);
    if (flow.keys === 0) {
      this.uncache(entry);
      this.cacheRefused++;
    }
  }

  /** Installs (with the timer) or removes the key of direction `d` (0 original, 1 reply) of a cached flow. */
  private setKey(flow: CachedFlow, d: 0 | 1, wanted: boolean, deadline = 0, timeoutMs = 0): void {
    const bit = 1 << d;
    const installed = (flow.keys & bit) !== 0;
    if (!wanted && !installed) return;
    this.views();
    this.staging.set(flow.images[d]);
    if (wanted) {
      this.stagingView.setFloat64(FK_DEADLINE, deadline, true);
      this.stagingView.setFloat64(FK_TIMEOUT, timeoutMs, true);
      const status = this.core.flowCacheInsert();
      if (status === ST_OK) flow.keys |= bit;
      else if (status === ST_NO_MEMORY) flow.keys &= ~bit;
      else throw new Error(`svcnet: flowCacheInsert returned ${status}`);
    } else {
      this.core.flowCacheRemove();
      flow.keys &= ~bit;
    }
  }

  /** Drops a conntrack entry's keys and token (the observer calls it when the entry goes). */
  private uncache(entry: ConntrackEntry): void {
    const flow = this.cached.get(entry.id);
    if (!flow) return;
    this.setKey(flow, 0, false);
    this.setKey(flow, 1, false);
    this.cached.delete(entry.id);
    this.byToken[flow.token] = undefined;
    this.freeTokens.push(flow.token);
  }
}

/** Compiles (once per target, shared with the other bindings) and instantiates a fresh core for one engine. */
export async function createWasmFrameEngine(options: WasmFrameEngineOptions): Promise<WasmFrameEngine> {
  const target = options.target ?? 'release';
  const module = await compileCore(target, options.wasm);
  const { exports } = await instantiate<Record<string, unknown>>(module, {});
  return new WasmFrameEngine(exports as unknown as FrameCoreExports, target, options);
}

// ---------------------------------------------------------------------------- helpers

/**
 * What the result of a later packet of a cached flow says (FlowProcessor's `translate`, as
 * the reference reports it). One class, so `fastResult` reads it monomorphically.
 */
class ResultTemplate {
  readonly verdict: FrameResult['verdict'];
  readonly flow: 'established' | 'reply';
  readonly servicePort: string | undefined;
  readonly endpoint: string | undefined;
  readonly masquerade: boolean;

  constructor(entry: ConntrackEntry, flow: 'established' | 'reply') {
    const nat = entry.nat;
    this.verdict = nat.verdict;
    this.flow = flow;
    this.servicePort = nat.servicePort;
    this.endpoint = nat.verdict === 'DNAT' && nat.endpoint ? joinHostPort(nat.endpoint.ip, nat.endpoint.port) : undefined;
    this.masquerade = nat.masquerade;
  }
}

/**
 * The result of a fast-path packet: the reference's fields in the reference's order, absent
 * ones left out. Object literals: building it with a spread costs about a hundred times more.
 */
function fastResult(t: ResultTemplate, output: Uint8Array | undefined): FrameResult {
  if (t.servicePort !== undefined) {
    if (t.endpoint !== undefined) return { verdict: t.verdict, flow: t.flow, servicePort: t.servicePort, endpoint: t.endpoint, masquerade: t.masquerade, output };
    return { verdict: t.verdict, flow: t.flow, servicePort: t.servicePort, masquerade: t.masquerade, output };
  }
  if (t.endpoint !== undefined) return { verdict: t.verdict, flow: t.flow, endpoint: t.endpoint, masquerade: t.masquerade, output };
  return { verdict: t.verdict, flow: t.flow, masquerade: t.masquerade, output };
}

/**
 * The staging record of one key: the packet's tuple, what leaves the node (FlowProcessor's
 * `translate`), the rewrite flags of the fields that change, the direction and the token.
 */
function keyImage(tuple: FlowTuple, translated: FlowTuple, direction: Direction, token: number): Uint8Array {
  const image = new Uint8Array(FLOW_KEY_STAGING_BYTES);
  const v = new DataView(image.buffer);
  v.setUint8(FK_FAMILY, tuple.family);
  v.setUint8(FK_PROTOCOL, PROTOCOL_NUMBERS[tuple.protocol]);
  v.setUint8(FK_DIRECTION, direction === 'reply' ? 1 : 0);
  v.setUint8(
    FK_NAT_FLAGS,
    (translated.srcIP !== tuple.srcIP ? NAT_SRC_ADDR : 0) |
      (translated.dstIP !== tuple.dstIP ? NAT_DST_ADDR : 0) |
      (translated.srcPort !== tuple.srcPort ? NAT_SRC_PORT : 0) |
      (translated.dstPort !== tuple.dstPort ? NAT_DST_PORT : 0),
  );
  v.setUint32(FK_PORTS, (tuple.srcPort | (tuple.dstPort << 16)) >>> 0, true);
  v.setUint32(FK_NEW_PORTS, (translated.srcPort | (translated.dstPort << 16)) >>> 0, true);
  v.setUint32(FK_TOKEN, token, true);
  for (const [field, text] of [[FK_SRC, tuple.srcIP], [FK_DST, tuple.dstIP], [FK_NEW_SRC, translated.srcIP], [FK_NEW_DST, translated.dstIP]] as const) {
    if (text.includes(':')) image.set(parseIPv6(text), field);
    else v.setUint32(field, parseIPv4(text) >>> 0, true);
  }
  return image;
}
