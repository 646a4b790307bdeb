import { instantiate } from '@assemblyscript/loader';
import type { CoreTarget, WasmSource } from './exports.js';
import { compileCore } from './load.js';
import { ST_OK } from './records.js';
import {
  type NatRewrite,
  REWRITE_RECORD_BYTES,
  REWRITE_RESULT,
  writeRewriteRecord,
} from '../packet/nat.js';
import { PARSED_RECORD_BYTES, type ParsedPacket, readParsedRecord } from '../packet/parse.js';
import { UNREACH_MAX_BYTES } from '../packet/icmp.js';

/**
 * The raw-packet exports of the core (`assembly/index.ts`, "Raw packets"). Numbers only;
 * u32 results must be read with `>>> 0`.
 */
export interface PacketCoreExports {
  readonly memory: WebAssembly.Memory;
  packetReserve(count: number, bytes: number): number;
  packetCapacity(): number;
  packetAreaPtr(): number;
  packetAreaBytes(): number;
  packetDescriptorsPtr(): number;
  packetParsedPtr(): number;
  packetRewritesPtr(): number;
  packetReplyPtr(): number;
  parsePackets(count: number, flags: number): number;
  natPackets(count: number): number;
  buildUnreachable(index: number, outPtr: number, outCap: number, flags: number): number;
  verifyPacketChecksums(index: number): number;
  internetChecksumOf(ptr: number, length: number): number;
  crc32cOf(ptr: number, length: number): number;
  packetMemoryBytes(): number;
  packetLayoutSignature(): number;
}

/** Frame descriptor record (layout.ts, "Frame descriptor"): 4 u32 words. */
export const FRAME_DESCRIPTOR_BYTES = 16;
export const FRAME_DESCRIPTOR_WORDS = 4;
/** Bytes of the static reply buffer (`packetReplyPtr`). */
export const PACKET_REPLY_BYTES = UNREACH_MAX_BYTES;

/** One frame to load: its bytes and pcap link type. */
export interface Frame {
  bytes: Uint8Array;
  linkType: number;
}

/**
 * Views over the packet regions. Valid until the next `reserve` (the only call that
 * grows memory); `WasmPacketKernel.views` always returns current ones.
 *
 * - `area`: the packet area; frames anywhere in it
 * - `descriptors`: 4 words per frame: [offset into `area`, length, link type, 0]
 * - `parsed`: 128-byte parsed records (decode with `readParsedRecord`)
 * - `rewrites`: 48-byte rewrite records (encode with `writeRewriteRecord`; byte 1 of each
 *   is the NAT result after `nat`)
 */
export interface PacketViews {
  readonly capacity: number;
  readonly area: Uint8Array;
  readonly descriptors: Uint32Array;
  readonly parsed: Uint8Array;
  readonly rewrites: Uint8Array;
}

export interface WasmPacketKernelOptions {
  /** `release` (default) or `debug` (asserts on, for tests). */
  target?: CoreTarget;
  /** Explicit source of the core's bytes. */
  wasm?: WasmSource;
}

/**
 * The core's raw-packet kernels (parse, NAT rewrite, ICMP unreachable) over their
 * regions. Each instance owns one wasm instance. The batch path: `reserve`, write frames
 * and descriptors through `views()` (or `load`), `parse(n)`, write rewrite records,
 * `nat(n)`, read the frames back from the area. The kernels never grow memory, so views
 * stay valid across them.
 */
export class WasmPacketKernel {
  readonly kind = 'wasm';
  readonly target: CoreTarget;
  private readonly core: PacketCoreExports;
  private buffer: ArrayBuffer;
  private current: PacketViews;

  constructor(core: PacketCoreExports, target: CoreTarget) {
    this.core = core;
    this.target = target;
    this.buffer = core.memory.buffer;
    this.current = this.makeViews();
  }

  /** The raw exports, for tests and benchmarks; views over memory go stale on growth. */
  get exports(): PacketCoreExports {
    return this.core;
  }

  private makeViews(): PacketViews {
    const core = this.core;
    this.buffer = core.memory.buffer;
    const capacity = core.packetCapacity() >>> 0;
    return {
      capacity,
      area: new Uint8Array(this.buffer, core.packetAreaPtr() >>> 0, core.packetAreaBytes() >>> 0),
      descriptors: new Uint32Array(this.buffer, core.packetDescriptorsPtr() >>> 0, capacity * FRAME_DESCRIPTOR_WORDS),
      parsed: new Uint8Array(this.buffer, core.packetParsedPtr() >>> 0, capacity * PARSED_RECORD_BYTES),
      rewrites: new Uint8Array(this.buffer, core.packetRewritesPtr() >>> 0, capacity * REWRITE_RECORD_BYTES),
    };
  }

  /** Current views (re-made if memory moved). */
  views(): PacketViews {
    if (this.core.memory.buffer !== this.buffer) this.current = this.makeViews();
    return this.current;
  }

  /**
   * Ensures room for `count` frames and `bytes` of frame bytes; throws when the core
   * refuses. Region contents are not kept across a growth.
   */
  reserve(count: number, bytes: number): PacketViews {
    const status = this.core.packetReserve(count, bytes);
    if (status !== ST_OK) throw new RangeError(`svcnet: ${count} frames / ${bytes} bytes is more than the packet kernel accepts`);
    this.current = this.makeViews();
    return this.current;
  }

  /** Copies frames into the area back to back and writes their descriptors (reserving as needed). */
  load(frames: readonly Frame[]): PacketViews {
    let bytes = 0;
    for (const f of frames) bytes += f.bytes.length;
    let v = this.views();
    if (frames.length > v.capacity || bytes > v.area.length) {
      v = this.reserve(Math.max(frames.length, v.capacity), Math.max(bytes, v.area.length));
    }
    let offset = 0;
    frames.forEach((f, i) => {
      v.area.set(f.bytes, offset);
      v.descriptors.set([offset, f.bytes.length, f.linkType & 0xffff, 0], i * FRAME_DESCRIPTOR_WORDS);
      offset += f.bytes.length;
    });
    return v;
  }

  /** Parses frames 0..count-1; returns how many are usable (reason 0). */
  parse(count: number, flags = 0): number {
    const n = this.core.parsePackets(count, flags);
    if (n < 0) throw new RangeError(`svcnet: a batch of ${count} frames exceeds the reserved ${this.current.capacity}`);
    return n;
  }

  /** The parsed record of frame `index`. */
  parsed(index: number): ParsedPacket {
    return readParsedRecord(this.views().parsed, index * PARSED_RECORD_BYTES);
  }

  /** Writes the rewrite record of frame `index`. */
  setRewrite(index: number, rewrite: NatRewrite): void {
    writeRewriteRecord(rewrite, this.views().rewrites, index * REWRITE_RECORD_BYTES);
  }

  /** Rewrites frames 0..count-1 in place as their rewrite records ask. */
  nat(count: number): void {
    if (this.core.natPackets(count) < 0) throw new RangeError(`svcnet: a batch of ${count} frames exceeds the reserved ${this.current.capacity}`);
  }

  /** NAT_* result bits of frame `index` after `nat`. */
  natResult(index: number): number {
    return this.views().rewrites[index * REWRITE_RECORD_BYTES + REWRITE_RESULT];
  }

  /** The bytes of frame `index` in the area (a view: copy it to keep it). */
  frame(index: number): Uint8Array {
    const v = this.views();
    const w = index * FRAME_DESCRIPTOR_WORDS;
    return v.area.subarray(v.descriptors[w], v.descriptors[w] + v.descriptors[w + 1]);
  }

  /** The port unreachable for parsed frame `index` (a copy), or a negated UNREACH_* code. */
  unreachable(index: number, flags = 0): Uint8Array | number {
    const out = this.core.packetReplyPtr() >>> 0;
    const n = this.core.buildUnreachable(index, out, PACKET_REPLY_BYTES, flags);
    if (n < 0) return n;
    return new Uint8Array(this.core.memory.buffer, out, n).slice();
  }

  /** Checksum states of parsed frame `index` (IPv4 header bits 0–1, L4 bits 2–3). */
  checksums(index: number): number {
    return this.core.verifyPacketChecksums(index) >>> 0;
  }

  memoryBytes(): number {
    return this.core.packetMemoryBytes() >>> 0;
  }
}

/** Compiles (once per target, shared with the other bindings) and instantiates a fresh core. */
export async function createWasmPacketKernel(options: WasmPacketKernelOptions = {}): Promise<WasmPacketKernel> {
  const target = options.target ?? 'release';
  const module = await compileCore(target, options.wasm);
  const { exports } = await instantiate<Record<string, unknown>>(module, {});
  return new WasmPacketKernel(exports as unknown as PacketCoreExports, target);
}
