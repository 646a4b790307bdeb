/**
 * Classic pcap ("libpcap savefile") reader and writer (draft-ietf-opsawg-pcap,
 * pcap-savefile(5)), both byte orders, micro- and nanosecond timestamps.
 *
 *   File header (24 bytes), every field in the writer's byte order:
 *     0  magic        a1b2c3d4 (µs) | a1b23c4d (ns); read byte-swapped = other byte order
 *     4  major u16 = 2, minor u16 = 4
 *     8  reserved1 i32 (thiszone)   12  reserved2 u32 (sigfigs)
 *    16  snaplen u32
 *    20  linktype u32: bits 0–15 LINKTYPE, 26 FCS-length-present, 28–31 FCS length (16-bit words)
 *   Record header (16 bytes), then caplen bytes of packet, no padding:
 *     0  ts_sec u32   4  ts_usec | ts_nsec u32   8  caplen u32   12  origlen u32
 */

import {
  ByteView,
  ByteWriter,
  PcapError,
  isUint32,
  pcapLinkType,
  timestampProblem,
  type ByteOrder,
  type PcapFile,
  type PcapHeader,
  type PcapRecord,
} from './types.js';

export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
export const PCAP_FILE_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;

/** The byte order and precision a classic magic number announces, read little-endian. */
export function classicMagic(bytes: Uint8Array): { byteOrder: ByteOrder; precision: 'micro' | 'nano' } | undefined {
  if (bytes.length < 4) return undefined;
  const le = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
  const be = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  if (le === PCAP_MAGIC_MICRO) return { byteOrder: 'little', precision: 'micro' };
  if (le === PCAP_MAGIC_NANO) return { byteOrder: 'little', precision: 'nano' };
  if (be === PCAP_MAGIC_MICRO) return { byteOrder: 'big', precision: 'micro' };
  if (be === PCAP_MAGIC_NANO) return { byteOrder: 'big', precision: 'nano' };
  return undefined;
}

/**
 * Reads a classic pcap file. Throws PcapError on anything malformed; see PcapError for the
 * partial result of a file cut short. A record whose caplen exceeds a non-zero snaplen is
 * an error (libpcap would silently cut it).
 */
export function readPcap(bytes: Uint8Array): PcapFile {
  const magic = classicMagic(bytes);
  if (!magic) {
    const shown = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
    throw new PcapError(bytes.length < 4 ? 'file too short for a pcap magic number' : `unknown magic number 0x${shown} (not a classic pcap file)`, { offset: 0 });
  }
  if (bytes.length < PCAP_FILE_HEADER_LENGTH) {
    throw new PcapError(`file header cut short (${bytes.length} of 24 bytes)`, { offset: 0, truncated: true });
  }
  const r = new ByteView(bytes, magic.byteOrder);
  const versionMajor = r.u16(4);
  const versionMinor = r.u16(6);
  if (versionMajor !== 2 || versionMinor > 4) {
    throw new PcapError(`unsupported pcap version ${versionMajor}.${versionMinor} (expected 2.4)`, { offset: 4 });
  }
  const header: PcapHeader = {
    byteOrder: magic.byteOrder,
    precision: magic.precision,
    versionMajor,
    versionMinor,
    thisZone: r.i32(8),
    sigFigs: r.u32(12),
    snapLength: r.u32(16),
    linkTypeField: r.u32(20),
  };
  const linkType = pcapLinkType(header.linkTypeField);
  const fractionLimit = magic.precision === 'micro' ? 1_000_000 : 1_000_000_000;
  const fractionScale = magic.precision === 'micro' ? 1000 : 1;
  const records: PcapRecord[] = [];
  const fail = (detail: string, offset: number, truncated = false): never => {
    throw new PcapError(detail, { offset, recordIndex: records.length, truncated, partial: { format: 'pcap', header, records } });
  };

  let at = PCAP_FILE_HEADER_LENGTH;
  while (at < bytes.length) {
    const remaining = bytes.length - at;
    if (remaining < PCAP_RECORD_HEADER_LENGTH) {
      fail(`cut short in the middle of a packet (record header needs 16 bytes, ${remaining} remain)`, at, true);
    }
    const seconds = r.u32(at);
    const fraction = r.u32(at + 4);
    const capturedLength = r.u32(at + 8);
    const originalLength = r.u32(at + 12);
    if (header.snapLength !== 0 && capturedLength > header.snapLength) {
      fail(`caplen ${capturedLength} exceeds snaplen ${header.snapLength}`, at);
    }
    if (capturedLength > remaining - PCAP_RECORD_HEADER_LENGTH) {
      fail(`cut short in the middle of a packet (caplen ${capturedLength}, ${remaining - PCAP_RECORD_HEADER_LENGTH} bytes remain)`, at, true);
    }
    records.push({
      index: records.length,
      linkType,
      // A fraction of a second or more (some writers round up to 1 000 000 µs) carries over.
      timestamp: { seconds: BigInt(seconds + Math.floor(fraction / fractionLimit)), nanos: (fraction % fractionLimit) * fractionScale },
      data: r.copy(at + PCAP_RECORD_HEADER_LENGTH, capturedLength),
      originalLength,
    });
    at += PCAP_RECORD_HEADER_LENGTH + capturedLength;
  }
  return { format: 'pcap', header, records };
}

function headerProblem(h: PcapHeader): string | undefined {
  if (h.byteOrder !== 'little' && h.byteOrder !== 'big') return `byte order ${String(h.byteOrder)} is not little or big`;
  if (h.precision !== 'micro' && h.precision !== 'nano') return `precision ${String(h.precision)} is not micro or nano`;
  if (h.versionMajor !== 2 || !Number.isInteger(h.versionMinor) || h.versionMinor < 0 || h.versionMinor > 4) return `version ${h.versionMajor}.${h.versionMinor} is not 2.0–2.4`;
  if (!Number.isInteger(h.thisZone) || h.thisZone < -0x80000000 || h.thisZone > 0x7fffffff) return `thisZone ${h.thisZone} is not an int32`;
  for (const [name, v] of [['sigFigs', h.sigFigs], ['snapLength', h.snapLength], ['linkTypeField', h.linkTypeField]] as const) {
    if (!isUint32(v)) return `${name} ${v} is not a uint32`;
  }
  return undefined;
}

/**
 * Writes a classic pcap file with the header's byte order, precision and fields. Timestamps
 * are written at the header's precision: nanoseconds below a microsecond are dropped in a
 * microsecond file. Throws PcapError for a record the reader would refuse (caplen above a
 * non-zero snaplen, seconds outside uint32, another link type than the header's).
 */
export function writePcap(file: Pick<PcapFile, 'header' | 'records'>): Uint8Array {
  const { header, records } = file;
  const problem = headerProblem(header);
  if (problem) throw new PcapError(`pcap header: ${problem}`);
  const linkType = pcapLinkType(header.linkTypeField);
  let length = PCAP_FILE_HEADER_LENGTH;
  records.forEach((rec, i) => {
    const fail = (detail: string): never => {
      throw new PcapError(detail, { recordIndex: i });
    };
    const tsProblem = timestampProblem(rec.timestamp);
    if (tsProblem) fail(tsProblem);
    if (rec.timestamp.seconds < 0n || rec.timestamp.seconds > 0xffffffffn) fail(`timestamp seconds ${rec.timestamp.seconds} do not fit a pcap uint32`);
    if (rec.linkType !== linkType) fail(`link type ${rec.linkType} differs from the file's ${linkType}`);
    if (header.snapLength !== 0 && rec.data.length > header.snapLength) fail(`caplen ${rec.data.length} exceeds snaplen ${header.snapLength}`);
    if (!isUint32(rec.originalLength)) fail(`original length ${rec.originalLength} is not a uint32`);
    length += PCAP_RECORD_HEADER_LENGTH + rec.data.length;
  });

  const w = new ByteWriter(length, header.byteOrder);
  w.u32(header.precision === 'micro' ? PCAP_MAGIC_MICRO : PCAP_MAGIC_NANO);
  w.u16(header.versionMajor);
  w.u16(header.versionMinor);
  w.i32(header.thisZone);
  w.u32(header.sigFigs);
  w.u32(header.snapLength);
  w.u32(header.linkTypeField);
  const divisor = header.precision === 'micro' ? 1000 : 1;
  for (const rec of records) {
    w.u32(Number(rec.timestamp.seconds));
    w.u32(Math.floor(rec.timestamp.nanos / divisor));
    w.u32(rec.data.length);
    w.u32(rec.originalLength);
    w.raw(rec.data);
  }
  return w.bytes;
}
