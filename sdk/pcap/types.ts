/**
 * Shapes shared by the classic pcap and pcapng codecs, and their error type.
 *
 * Timestamps are exact: whole seconds as a bigint (pcapng allows 64-bit tick counts at any
 * resolution) and nanoseconds 0–999 999 999. Record bytes are copies, never views of the
 * input, so a caller may rewrite them in place.
 */

export type ByteOrder = 'little' | 'big';

/** Seconds since the epoch (UTC) and the nanoseconds within that second. */
export interface PcapTimestamp {
  readonly seconds: bigint;
  /** 0–999 999 999. */
  readonly nanos: number;
}

/** One captured packet, in file order. */
export interface PcapRecord {
  /** 0-based position among the packet records of the file (all sections of a pcapng). */
  readonly index: number;
  /** pcapng: index into `PcapngFile.interfaces` (counted over all sections). Absent for pcap. */
  readonly interfaceId?: number;
  /** LINKTYPE_* value (16 bits) of the packet's link-layer header. */
  readonly linkType: number;
  readonly timestamp: PcapTimestamp;
  /** The captured bytes (caplen of them). */
  readonly data: Uint8Array;
  /** The packet's length on the wire (≥ data.length unless the writer lied). */
  readonly originalLength: number;
}

/**
 * The 24-byte classic pcap file header (draft-ietf-opsawg-pcap §4, pcap-savefile(5)).
 * `linkTypeField` is the whole 32-bit "LinkType and additional information" field, FCS bits
 * included; `pcapLinkType` / `pcapFcsLength` split it.
 */
export interface PcapHeader {
  readonly byteOrder: ByteOrder;
  /** Magic a1b2c3d4 = microseconds, a1b23c4d = nanoseconds. */
  readonly precision: 'micro' | 'nano';
  /** 2 (only major version there is). */
  readonly versionMajor: number;
  /** 4 in every current writer; 0–4 accepted. */
  readonly versionMinor: number;
  /** Reserved1 (historically `thiszone`, GMT offset), int32; written back as read. */
  readonly thisZone: number;
  /** Reserved2 (historically `sigfigs`), uint32; written back as read. */
  readonly sigFigs: number;
  /** Largest caplen of any record; 0 is read as "no limit". */
  readonly snapLength: number;
  readonly linkTypeField: number;
}

export interface PcapFile {
  readonly format: 'pcap';
  readonly header: PcapHeader;
  readonly records: readonly PcapRecord[];
}

/** A pcapng timestamp unit: 10^-exponent or 2^-exponent seconds (`if_tsresol`). */
export interface TimestampResolution {
  readonly base: 10 | 2;
  /** 0–127. */
  readonly exponent: number;
}

/** A pcapng Interface Description Block. */
export interface PcapngInterface {
  /** 0-based section (Section Header Block) the interface was described in. */
  readonly section: number;
  readonly linkType: number;
  /** 0 = no limit. */
  readonly snapLength: number;
  /** `if_tsresol`; absent option = microseconds (base 10, exponent 6). */
  readonly tsResolution: TimestampResolution;
  /** `if_tsoffset` in seconds, added to every timestamp; absent option = 0. */
  readonly tsOffset: bigint;
  /** `if_name`. */
  readonly name?: string;
  /** `if_fcslen`, bytes of FCS at the end of each packet. */
  readonly fcsLength?: number;
}

export interface PcapngFile {
  readonly format: 'pcapng';
  /** Byte order of the first section (each section declares its own). */
  readonly byteOrder: ByteOrder;
  readonly interfaces: readonly PcapngInterface[];
  readonly records: readonly PcapRecord[];
}

export type Capture = PcapFile | PcapngFile;

/**
 * LINKTYPE_* values (https://www.tcpdump.org/linktypes.html) this project meets. pcap
 * and pcapng share them.
 */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/**
 * Every failure of the readers and writers. The message reads
 * `record 3 at byte 1234: caplen 70000 exceeds snaplen 65535` (the caller prepends the file
 * name); `record N` is absent for file or block headers, `at byte` for writer errors.
 *
 * Errors met after the file header carry `partial`: the capture as far as it was read
 * (header, interfaces and the records before the failing one). `truncated` marks the file
 * ending in the middle of a record — tcpdump and tshark report that as an error too ("cut
 * short in the middle of a packet"), after handing out the packets before it.
 */
export class PcapError extends Error {
  override readonly name = 'PcapError';
  /** The failure without its position. */
  readonly detail: string;
  /** Byte offset of the record, block or field that failed; undefined for writer errors. */
  readonly offset: number | undefined;
  /** Index of the packet record being read or written, when the error concerns one. */
  readonly recordIndex: number | undefined;
  readonly truncated: boolean;
  readonly partial: Capture | undefined;

  constructor(detail: string, where: { offset?: number; recordIndex?: number; truncated?: boolean; partial?: Capture } = {}) {
    const position = [
      where.recordIndex !== undefined ? `record ${where.recordIndex}` : '',
      where.offset !== undefined ? `at byte ${where.offset}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    super(position ? `${position}: ${detail}` : detail);
    this.detail = detail;
    this.offset = where.offset;
    this.recordIndex = where.recordIndex;
    this.truncated = where.truncated ?? false;
    this.partial = where.partial;
  }
}

/** The LINKTYPE_* value in a classic header's 32-bit field (libpcap `LT_LINKTYPE`). */
export function pcapLinkType(linkTypeField: number): number {
  return linkTypeField & 0xffff;
}

/**
 * Bytes of FCS at the end of every packet per the classic header's link-type field, or
 * undefined when the file does not say. Bit 26 (`LT_FCS_LENGTH_PRESENT`) set means bits
 * 28–31 hold the FCS length in 16-bit words (libpcap `pcap/dlt.h`, `LT_FCS_LENGTH`).
 */
export function pcapFcsLength(linkTypeField: number): number | undefined {
  return linkTypeField & 0x04000000 ? ((linkTypeField >>> 28) & 0xf) * 2 : undefined;
}

/** The classic header's link-type field for a link type and an optional FCS length in bytes. */
export function pcapLinkTypeField(linkType: number, fcsLengthBytes?: number): number {
  if (fcsLengthBytes === undefined) return linkType & 0xffff;
  return ((((fcsLengthBytes / 2) & 0xf) << 28) | 0x04000000 | (linkType & 0xffff)) >>> 0;
}

// ---------------------------------------------------------------------------- byte access

/** Bounds-unchecked reads in one byte order; callers check lengths before reading. */
export class ByteView {
  readonly view: DataView;
  readonly little: boolean;

  constructor(
    readonly bytes: Uint8Array,
    order: ByteOrder,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.little = order === 'little';
  }

  u16(at: number): number {
    return this.view.getUint16(at, this.little);
  }

  u32(at: number): number {
    return this.view.getUint32(at, this.little);
  }

  i32(at: number): number {
    return this.view.getInt32(at, this.little);
  }

  i64(at: number): bigint {
    return this.view.getBigInt64(at, this.little);
  }

  /** A copy of `length` bytes at `at`; callers have checked the range (asserted here). */
  copy(at: number, length: number): Uint8Array {
    if (at < 0 || at + length > this.bytes.length) throw new RangeError(`svcnet: pcap read of ${length} bytes at ${at} is outside the ${this.bytes.length}-byte input`);
    return new Uint8Array(this.bytes.subarray(at, at + length));
  }
}

/** Writes into a preallocated buffer in one byte order. */
export class ByteWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly little: boolean;
  at = 0;

  constructor(length: number, order: ByteOrder) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
    this.little = order === 'little';
  }

  u8(v: number): void {
    this.bytes[this.at++] = v;
  }

  u16(v: number): void {
    this.view.setUint16(this.at, v, this.little);
    this.at += 2;
  }

  u32(v: number): void {
    this.view.setUint32(this.at, v >>> 0, this.little);
    this.at += 4;
  }

  i32(v: number): void {
    this.view.setInt32(this.at, v, this.little);
    this.at += 4;
  }

  i64(v: bigint): void {
    this.view.setBigInt64(this.at, v, this.little);
    this.at += 8;
  }

  raw(data: Uint8Array): void {
    this.bytes.set(data, this.at);
    this.at += data.length;
  }

  /** Zero bytes up to the next multiple of 4 (buffers start zeroed). */
  pad4(): void {
    this.at = (this.at + 3) & ~3;
  }
}

export function isUint32(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/** Checks a timestamp's shape; returns a problem or undefined. */
export function timestampProblem(ts: PcapTimestamp): string | undefined {
  if (typeof ts.seconds !== 'bigint') return `timestamp seconds ${String(ts.seconds)} is not a bigint`;
  if (!Number.isInteger(ts.nanos) || ts.nanos < 0 || ts.nanos > 999_999_999) return `timestamp nanos ${ts.nanos} is not 0–999999999`;
  return undefined;
}
