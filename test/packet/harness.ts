// Runs frames through the TypeScript reference and the wasm kernels the same way, and an
// independent checksum audit (this directory's samples.ts sums) of a parsed packet.

import { type Frame, type WasmPacketKernel, createWasmPacketKernel } from '../../sdk/engine/packets.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { UNREACH_MAX_BYTES, buildUnreachable } from '../../sdk/packet/icmp.js';
import { type NatRewrite, rewritePacket } from '../../sdk/packet/nat.js';
import {
  FRAG_IS_FRAGMENT,
  INNER_PRESENT,
  PARSED_RECORD_BYTES,
  type ParsedPacket,
  parsePacket,
  verifyChecksums,
  writeParsedRecord,
} from '../../sdk/packet/parse.js';
import { crc32cBitwise, rfc1071 } from './samples.js';

setDefaultCoreSource(nodeCoreSource);

export const TARGETS = ['debug', 'release'] as const;
export type Engine = 'ts' | (typeof TARGETS)[number];
export const ENGINES: readonly Engine[] = ['ts', ...TARGETS];

const kernels = new Map<string, Promise<WasmPacketKernel>>();

/** One kernel per build, shared by a test file. */
export function kernelFor(target: (typeof TARGETS)[number]): Promise<WasmPacketKernel> {
  let k = kernels.get(target);
  if (!k) {
    k = createWasmPacketKernel({ target });
    kernels.set(target, k);
  }
  return k;
}

/** What an engine makes of a batch of frames. */
export interface Outcome {
  records: Uint8Array[];
  parsed: ParsedPacket[];
  checksums: number[];
  /** Frames after the rewrite (when rewrites were given). */
  rewritten: Uint8Array[];
  natResults: number[];
  /** Reply bytes or the negated refusal, per frame. */
  replies: (Uint8Array | number)[];
}

export interface RunOptions {
  parseFlags?: number;
  rewrites?: (NatRewrite | null)[];
  unreachableFlags?: number;
  replies?: boolean;
}

/** Parses, verifies, optionally builds replies (from the frames as received), then rewrites. */
export async function run(engine: Engine, frames: readonly Frame[], o: RunOptions = {}): Promise<Outcome> {
  const out: Outcome = { records: [], parsed: [], checksums: [], rewritten: [], natResults: [], replies: [] };
  if (engine === 'ts') {
    for (let i = 0; i < frames.length; i++) {
      const bytes = frames[i].bytes.slice();
      const p = parsePacket(bytes, frames[i].linkType, o.parseFlags ?? 0);
      const record = new Uint8Array(PARSED_RECORD_BYTES);
      writeParsedRecord(p, record, 0);
      out.records.push(record);
      out.parsed.push(p);
      out.checksums.push(verifyChecksums(bytes, p));
      if (o.replies) {
        const reply = new Uint8Array(UNREACH_MAX_BYTES);
        const n = buildUnreachable(bytes, p, frames[i].linkType, reply, o.unreachableFlags ?? 0);
        out.replies.push(n < 0 ? n : reply.slice(0, n));
      }
      const r = o.rewrites?.[i];
      if (o.rewrites) {
        out.natResults.push(r ? rewritePacket(bytes, p, r) : 0);
        out.rewritten.push(bytes);
      }
    }
    return out;
  }
  const k = await kernelFor(engine);
  k.load(frames);
  k.parse(frames.length, o.parseFlags ?? 0);
  const views = k.views();
  for (let i = 0; i < frames.length; i++) {
    out.records.push(views.parsed.slice(i * PARSED_RECORD_BYTES, (i + 1) * PARSED_RECORD_BYTES));
    out.parsed.push(k.parsed(i));
    out.checksums.push(k.checksums(i));
    if (o.replies) out.replies.push(k.unreachable(i, o.unreachableFlags ?? 0));
  }
  if (o.rewrites) {
    frames.forEach((_f, i) => k.setRewrite(i, o.rewrites![i] ?? { flags: 0, src: 0, srcPort: 0, dst: 0, dstPort: 0 }));
    k.nat(frames.length);
    for (let i = 0; i < frames.length; i++) {
      out.natResults.push(k.natResult(i));
      out.rewritten.push(k.frame(i).slice());
    }
  }
  return out;
}

function be16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function pseudo(b: Uint8Array, p: ParsedPacket, protocol: number, length: number): number {
  const l3 = p.l3Offset;
  const [start, n] = p.family === 4 ? [l3 + 12, 8] : [l3 + 8, 32];
  let sum = protocol + length;
  for (let i = 0; i < n; i += 2) sum += be16(b, start + i);
  return sum;
}

/**
 * Recomputes every checksum of a parsed (reason 0) packet from scratch with the
 * independent sums and lists those that do not verify: `ip`, `l4`, `inner-ip`. L4
 * checksums of fragments and UDP/IPv4 without a checksum are skipped.
 */
export function auditChecksums(b: Uint8Array, p: ParsedPacket): string[] {
  const bad: string[] = [];
  const l3 = p.l3Offset;
  if (p.family === 4 && rfc1071(b, l3, l3 + (b[l3] & 15) * 4) !== 0) bad.push('ip');
  const l4 = p.l4Offset;
  const end = p.ipEnd;
  if (l4 !== 0 && (p.fragFlags & FRAG_IS_FRAGMENT) === 0) {
    if (p.protocol === 6 && rfc1071(b, l4, end, pseudo(b, p, 6, end - l4)) !== 0) bad.push('l4');
    if (p.protocol === 17 && !(p.family === 4 && be16(b, l4 + 6) === 0)) {
      const n = be16(b, l4 + 4);
      if (be16(b, l4 + 6) === 0 || rfc1071(b, l4, l4 + n, pseudo(b, p, 17, n)) !== 0) bad.push('l4');
    }
    if (p.protocol === 132) {
      const copy = b.slice(l4, end);
      copy.fill(0, 8, 12);
      const stored = (b[l4 + 8] | (b[l4 + 9] << 8) | (b[l4 + 10] << 16) | (b[l4 + 11] << 24)) >>> 0;
      if (crc32cBitwise(copy) !== stored) bad.push('l4');
    }
    if (p.protocol === 1 && p.family === 4 && rfc1071(b, l4, end) !== 0) bad.push('l4');
    if (p.protocol === 58 && p.family === 6 && rfc1071(b, l4, end, pseudo(b, p, 58, end - l4)) !== 0) bad.push('l4');
  }
  const inner = p.inner;
  if (inner && (inner.flags & INNER_PRESENT) !== 0 && p.family === 4) {
    const il3 = inner.l3Offset;
    if (rfc1071(b, il3, il3 + (b[il3] & 15) * 4) !== 0) bad.push('inner-ip');
  }
  return bad;
}
