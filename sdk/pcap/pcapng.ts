/**
 * pcapng reader and writer (draft-ietf-opsawg-pcapng, "PCAP Now Generic").
 *
 *   Every block, in its section's byte order:
 *     0  block type u32     4  block total length u32 (≥ 12, multiple of 4)
 *     8  body …             len−4  block total length again
 *   Section Header Block 0x0A0D0D0A (type reads the same in both orders):
 *     8  byte-order magic 0x1A2B3C4D   12 major u16 = 1   14 minor u16 = 0   16 section length i64   24 options
 *   Interface Description Block 1:
 *     8  linktype u16   10 reserved u16   12 snaplen u32   16 options (if_name 2, if_tsresol 9, if_fcslen 13, if_tsoffset 14)
 *   Enhanced Packet Block 6:
 *     8  interface id u32   12 timestamp high u32   16 timestamp low u32   20 caplen u32   24 origlen u32   28 data, padded to 4   options
 *   Simple Packet Block 3:   8 origlen u32   12 data (interface 0, no timestamp)
 *   Packet Block 2 (obsolete): 8 interface id u16   10 drops u16   then as EPB from offset 12
 *   Options: code u16, length u16, value padded to 4; code 0 (opt_endofopt) ends the list.
 *
 * The reader walks every section (each Section Header Block starts a new interface list and
 * may switch byte order), skips blocks it does not interpret (name resolution, statistics,
 * decryption secrets, custom, unknown) by their length, and refuses blocks whose two length
 * fields disagree. Timestamps are 64-bit tick counts in the interface's `if_tsresol` plus
 * `if_tsoffset` seconds; ticks finer than a nanosecond are truncated to the nanosecond.
 * Simple Packet Blocks carry no timestamp: their records get 0 s.
 *
 * The writer emits one section: SHB, one IDB per interface (in order, so record
 * `interfaceId`s stay valid), one EPB per record. Interfaces keep their resolution, except
 * power-of-two ones, which are written in nanoseconds.
 */

import {
  ByteView,
  ByteWriter,
  PcapError,
  isUint32,
  timestampProblem,
  type ByteOrder,
  type PcapRecord,
  type PcapTimestamp,
  type PcapngFile,
  type PcapngInterface,
  type TimestampResolution,
} from './types.js';

export const PCAPNG_BLOCK_SHB = 0x0a0d0d0a;
export const PCAPNG_BLOCK_IDB = 1;
export const PCAPNG_BLOCK_OPB = 2;
export const PCAPNG_BLOCK_SPB = 3;
export const PCAPNG_BLOCK_EPB = 6;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_FCSLEN = 13;
const IF_TSOFFSET = 14;

const MICROSECONDS: TimestampResolution = { base: 10, exponent: 6 };
const NANOSECONDS: TimestampResolution = { base: 10, exponent: 9 };
const BILLION = 1_000_000_000n;
const TWO_64 = 1n << 64n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const pad4 = (n: number) => (n + 3) & ~3;

function ticksPerSecond(res: TimestampResolution): bigint {
  return res.base === 10 ? 10n ** BigInt(res.exponent) : 1n << BigInt(res.exponent);
}

/** Ticks since the epoch (before the interface's offset) → exact seconds + nanoseconds. */
function ticksToTimestamp(ticks: bigint, perSecond: bigint, offset: bigint): PcapTimestamp {
  const fraction = ticks % perSecond;
  return { seconds: ticks / perSecond + offset, nanos: Number((fraction * BILLION) / perSecond) };
}

/** True when the file starts with a Section Header Block type. */
export function isPcapng(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a;
}

interface InterfaceState {
  readonly global: number;
  readonly info: PcapngInterface;
  readonly perSecond: bigint;
}

/**
 * Reads a pcapng file. Throws PcapError on anything malformed; see PcapError for the
 * partial result of a file cut short.
 */
export function readPcapng(bytes: Uint8Array): PcapngFile {
  if (!isPcapng(bytes)) throw new PcapError('not a pcapng file (no Section Header Block at the start)', { offset: 0 });
  const interfaces: PcapngInterface[] = [];
  const records: PcapRecord[] = [];
  let firstOrder: ByteOrder | undefined;
  let r: ByteView | undefined;
  let section = -1;
  let local: InterfaceState[] = [];

  const fail = (detail: string, offset: number, opts: { record?: boolean; truncated?: boolean } = {}): never => {
    throw new PcapError(detail, {
      offset,
      recordIndex: opts.record ? records.length : undefined,
      truncated: opts.truncated,
      partial: firstOrder ? { format: 'pcapng', byteOrder: firstOrder, interfaces, records } : undefined,
    });
  };

  let at = 0;
  while (at < bytes.length) {
    const remaining = bytes.length - at;
    if (remaining < 12) fail(`cut short in the middle of a block (${remaining} bytes left, a block needs at least 12)`, at, { truncated: true });
    const isSection = isPcapng(bytes.subarray(at, at + 4));
    if (isSection) {
      const order = byteOrderAt(bytes, at + 8);
      if (!order) fail('Section Header Block has no byte-order magic 1a2b3c4d', at + 8);
      r = new ByteView(bytes, order!);
    }
    const view = r!;
    const type = view.u32(at);
    const blockLength = view.u32(at + 4);
    if (blockLength < 12 || blockLength % 4 !== 0) fail(`block type 0x${type.toString(16)}: total length ${blockLength} is not a multiple of 4 of at least 12`, at + 4);
    const packet = type === PCAPNG_BLOCK_EPB || type === PCAPNG_BLOCK_SPB || type === PCAPNG_BLOCK_OPB;
    if (blockLength > remaining) {
      fail(`cut short in the middle of a ${packet ? 'packet' : 'block'} (block length ${blockLength}, ${remaining} bytes remain)`, at, { record: packet, truncated: true });
    }
    const trailer = view.u32(at + blockLength - 4);
    if (trailer !== blockLength) fail(`block lengths disagree (${blockLength} at the start, ${trailer} at the end)`, at, { record: packet });
    const end = at + blockLength - 4; // first byte after the body

    switch (type) {
      case PCAPNG_BLOCK_SHB: {
        if (blockLength < 28) fail(`Section Header Block length ${blockLength} is below 28`, at + 4);
        const major = view.u16(at + 12);
        const minor = view.u16(at + 14);
        // libpcap also accepts 1.2, written by some early tools and otherwise identical.
        if (major !== 1 || (minor !== 0 && minor !== 2)) fail(`unsupported pcapng version ${major}.${minor} (expected 1.0)`, at + 12);
        firstOrder ??= view.little ? 'little' : 'big';
        section++;
        local = [];
        break;
      }
      case PCAPNG_BLOCK_IDB: {
        if (blockLength < 20) fail(`Interface Description Block length ${blockLength} is below 20`, at + 4);
        const info = readInterface(view, at, end, section, fail);
        local.push({ global: interfaces.length, info, perSecond: ticksPerSecond(info.tsResolution) });
        interfaces.push(info);
        break;
      }
      case PCAPNG_BLOCK_EPB:
      case PCAPNG_BLOCK_OPB: {
        if (blockLength < 32) fail(`packet block length ${blockLength} is below 32`, at + 4, { record: true });
        const interfaceId = type === PCAPNG_BLOCK_EPB ? view.u32(at + 8) : view.u16(at + 8);
        const iface = local[interfaceId];
        if (!iface) fail(`interface ${interfaceId} is not described in this section (it has ${local.length})`, at + 8, { record: true });
        const ticks = (BigInt(view.u32(at + 12)) << 32n) | BigInt(view.u32(at + 16));
        const capturedLength = view.u32(at + 20);
        const originalLength = view.u32(at + 24);
        if (iface.info.snapLength !== 0 && capturedLength > iface.info.snapLength) {
          fail(`caplen ${capturedLength} exceeds snaplen ${iface.info.snapLength}`, at + 20, { record: true });
        }
        if (pad4(capturedLength) > end - (at + 28)) fail(`caplen ${capturedLength} does not fit its ${blockLength}-byte block`, at + 20, { record: true });
        records.push({
          index: records.length,
          interfaceId: iface.global,
          linkType: iface.info.linkType,
          timestamp: ticksToTimestamp(ticks, iface.perSecond, iface.info.tsOffset),
          data: view.copy(at + 28, capturedLength),
          originalLength,
        });
        break;
      }
      case PCAPNG_BLOCK_SPB: {
        if (blockLength < 16) fail(`Simple Packet Block length ${blockLength} is below 16`, at + 4, { record: true });
        const iface = local[0];
        if (!iface) fail('Simple Packet Block before any Interface Description Block in this section', at, { record: true });
        const originalLength = view.u32(at + 8);
        // libpcap's rule: the bytes in the block, but no more than the wire length or snaplen.
        let capturedLength = Math.min(end - (at + 12), originalLength);
        if (iface.info.snapLength !== 0) capturedLength = Math.min(capturedLength, iface.info.snapLength);
        records.push({
          index: records.length,
          interfaceId: iface.global,
          linkType: iface.info.linkType,
          timestamp: { seconds: 0n, nanos: 0 },
          data: view.copy(at + 12, capturedLength),
          originalLength,
        });
        break;
      }
      default:
        break; // NRB, ISB, DSB, custom and unknown blocks: skipped by length.
    }
    at += blockLength;
  }
  return { format: 'pcapng', byteOrder: firstOrder!, interfaces, records };
}

function byteOrderAt(bytes: Uint8Array, at: number): ByteOrder | undefined {
  const b = bytes.subarray(at, at + 4);
  if (b.length < 4) return undefined;
  if (b[0] === 0x4d && b[1] === 0x3c && b[2] === 0x2b && b[3] === 0x1a) return 'little';
  if (b[0] === 0x1a && b[1] === 0x2b && b[2] === 0x3c && b[3] === 0x4d) return 'big';
  return undefined;
}

function readInterface(
  view: ByteView,
  at: number,
  end: number,
  section: number,
  fail: (detail: string, offset: number) => never,
): PcapngInterface {
  let tsResolution = MICROSECONDS;
  let tsOffset = 0n;
  let name: string | undefined;
  let fcsLength: number | undefined;
  const seen = new Set<number>();
  let o = at + 16;
  while (end - o >= 4) {
    const code = view.u16(o);
    const length = view.u16(o + 2);
    if (code === OPT_ENDOFOPT) break;
    const value = o + 4;
    if (pad4(length) > end - value) fail(`interface option ${code} of ${length} bytes runs past its block`, o);
    const expectLength = (n: number, what: string) => {
      if (length !== n) fail(`${what} option has ${length} bytes (expected ${n})`, o);
    };
    // The first occurrence of a single-valued option counts, as in Wireshark.
    if (!seen.has(code)) {
      seen.add(code);
      if (code === IF_TSRESOL) {
        expectLength(1, 'if_tsresol');
        const v = view.bytes[value];
        tsResolution = v & 0x80 ? { base: 2, exponent: v & 0x7f } : { base: 10, exponent: v };
      } else if (code === IF_TSOFFSET) {
        expectLength(8, 'if_tsoffset');
        tsOffset = view.i64(value);
      } else if (code === IF_FCSLEN) {
        expectLength(1, 'if_fcslen');
        fcsLength = view.bytes[value];
      } else if (code === IF_NAME) {
        name = new TextDecoder().decode(view.bytes.subarray(value, value + length));
      }
    }
    o = value + pad4(length);
  }
  return {
    section,
    linkType: view.u16(at + 8),
    snapLength: view.u32(at + 12),
    tsResolution,
    tsOffset,
    ...(name !== undefined ? { name } : {}),
    ...(fcsLength !== undefined ? { fcsLength } : {}),
  };
}

// ---------------------------------------------------------------------------- writer

function interfaceProblem(i: PcapngInterface): string | undefined {
  if (!Number.isInteger(i.linkType) || i.linkType < 0 || i.linkType > 0xffff) return `link type ${i.linkType} is not a uint16`;
  if (!isUint32(i.snapLength)) return `snaplen ${i.snapLength} is not a uint32`;
  const res = i.tsResolution;
  if ((res.base !== 10 && res.base !== 2) || !Number.isInteger(res.exponent) || res.exponent < 0 || res.exponent > 127) {
    return `timestamp resolution ${res.base}^-${res.exponent} is not 10^-(0–127) or 2^-(0–127)`;
  }
  if (typeof i.tsOffset !== 'bigint' || i.tsOffset < INT64_MIN || i.tsOffset > INT64_MAX) return `if_tsoffset ${String(i.tsOffset)} is not an int64 bigint`;
  if (i.fcsLength !== undefined && (!Number.isInteger(i.fcsLength) || i.fcsLength < 0 || i.fcsLength > 255)) return `if_fcslen ${i.fcsLength} is not a uint8`;
  return undefined;
}

/** The resolution an interface is written with: power-of-two ones become nanoseconds. */
function writtenResolution(res: TimestampResolution): TimestampResolution {
  return res.base === 2 ? NANOSECONDS : res;
}

/** Options of one IDB as [code, value] pairs. */
function interfaceOptions(i: PcapngInterface, order: ByteOrder): [number, Uint8Array][] {
  const options: [number, Uint8Array][] = [];
  if (i.name !== undefined) options.push([IF_NAME, new TextEncoder().encode(i.name)]);
  const res = writtenResolution(i.tsResolution);
  if (res.base !== MICROSECONDS.base || res.exponent !== MICROSECONDS.exponent) options.push([IF_TSRESOL, Uint8Array.of(res.exponent)]);
  if (i.fcsLength !== undefined) options.push([IF_FCSLEN, Uint8Array.of(i.fcsLength)]);
  if (i.tsOffset !== 0n) {
    const v = new Uint8Array(8);
    new DataView(v.buffer).setBigInt64(0, i.tsOffset, order === 'little');
    options.push([IF_TSOFFSET, v]);
  }
  return options;
}

/** 20 bytes of fixed fields and lengths, each option padded, opt_endofopt when there are options. */
function interfaceBlockLength(options: [number, Uint8Array][]): number {
  return 20 + (options.length ? options.reduce((sum, [, v]) => sum + 4 + pad4(v.length), 0) + 4 : 0);
}

/** Ticks to write for a timestamp, or a problem. */
function timestampTicks(ts: PcapTimestamp, res: TimestampResolution, offset: bigint): bigint | string {
  const perSecond = ticksPerSecond(res);
  const fraction = res.exponent >= 9 ? BigInt(ts.nanos) * 10n ** BigInt(res.exponent - 9) : BigInt(ts.nanos) / 10n ** BigInt(9 - res.exponent);
  const ticks = (ts.seconds - offset) * perSecond + fraction;
  if (ticks < 0n || ticks >= TWO_64) return `timestamp ${ts.seconds}.${String(ts.nanos).padStart(9, '0')} s does not fit 64 bits of 10^-${res.exponent} s after if_tsoffset ${offset}`;
  return ticks;
}

/**
 * Writes a pcapng file in `byteOrder`: one section with every interface and an Enhanced
 * Packet Block per record. A record's `interfaceId` (default 0) selects its interface.
 * Throws PcapError for anything the reader would refuse.
 */
export function writePcapng(file: Pick<PcapngFile, 'byteOrder' | 'interfaces' | 'records'>): Uint8Array {
  const { byteOrder, interfaces, records } = file;
  if (byteOrder !== 'little' && byteOrder !== 'big') throw new PcapError(`byte order ${String(byteOrder)} is not little or big`);
  const optionLists = interfaces.map((iface, n) => {
    const problem = interfaceProblem(iface);
    if (problem) throw new PcapError(`interface ${n}: ${problem}`);
    return interfaceOptions(iface, byteOrder);
  });
  const ticks: bigint[] = [];
  let length = 28;
  for (const options of optionLists) length += interfaceBlockLength(options);
  records.forEach((rec, n) => {
    const fail = (detail: string): never => {
      throw new PcapError(detail, { recordIndex: n });
    };
    const id = rec.interfaceId ?? 0;
    const iface = interfaces[id];
    if (!iface) fail(`interface ${id} is not among the ${interfaces.length} interfaces`);
    if (rec.linkType !== iface.linkType) fail(`link type ${rec.linkType} differs from interface ${id}'s ${iface.linkType}`);
    if (iface.snapLength !== 0 && rec.data.length > iface.snapLength) fail(`caplen ${rec.data.length} exceeds snaplen ${iface.snapLength}`);
    if (!isUint32(rec.originalLength)) fail(`original length ${rec.originalLength} is not a uint32`);
    const tsProblem = timestampProblem(rec.timestamp);
    if (tsProblem) fail(tsProblem);
    const t = timestampTicks(rec.timestamp, writtenResolution(iface.tsResolution), iface.tsOffset);
    if (typeof t === 'string') fail(t);
    ticks.push(t as bigint);
    length += 32 + pad4(rec.data.length);
  });

  const w = new ByteWriter(length, byteOrder);
  w.u32(PCAPNG_BLOCK_SHB);
  w.u32(28);
  w.u32(PCAPNG_BYTE_ORDER_MAGIC);
  w.u16(1);
  w.u16(0);
  w.i64(-1n); // section length not specified
  w.u32(28);
  interfaces.forEach((iface, n) => {
    const options = optionLists[n];
    const blockLength = interfaceBlockLength(options);
    w.u32(PCAPNG_BLOCK_IDB);
    w.u32(blockLength);
    w.u16(iface.linkType);
    w.u16(0);
    w.u32(iface.snapLength);
    for (const [code, value] of options) {
      w.u16(code);
      w.u16(value.length);
      w.raw(value);
      w.pad4();
    }
    if (options.length) w.u32(OPT_ENDOFOPT); // code 0, length 0
    w.u32(blockLength);
  });
  records.forEach((rec, n) => {
    const blockLength = 32 + pad4(rec.data.length);
    w.u32(PCAPNG_BLOCK_EPB);
    w.u32(blockLength);
    w.u32(rec.interfaceId ?? 0);
    w.u32(Number(ticks[n] >> 32n));
    w.u32(Number(ticks[n] & 0xffffffffn));
    w.u32(rec.data.length);
    w.u32(rec.originalLength);
    w.raw(rec.data);
    w.pad4();
    w.u32(blockLength);
  });
  return w.bytes;
}
