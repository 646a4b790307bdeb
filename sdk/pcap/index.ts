/**
 * Packet capture files: classic pcap (both byte orders, µs and ns) and pcapng, read into
 * exact records and written back in the input's own format so a tool's output keeps the
 * input's link type, byte order and timestamps. Browser-safe (Uint8Array in, Uint8Array out).
 *
 *   const input = readCapture(bytes);                      // throws PcapError
 *   const output = writeCapture({ ...input, records: rewritten });
 *
 * Error messages name the record and byte (`record 3 at byte 1234: …`); prepend the file
 * name. A file cut short in the middle of a packet throws a PcapError with `truncated` set
 * and `partial` holding everything before it, like tcpdump and tshark, which report the
 * error after printing the packets before it.
 */

import { classicMagic, readPcap, writePcap } from './classic.js';
import { isPcapng, readPcapng, writePcapng } from './pcapng.js';
import { PcapError, type Capture } from './types.js';

export { readPcap, writePcap, classicMagic, PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO, PCAP_FILE_HEADER_LENGTH, PCAP_RECORD_HEADER_LENGTH } from './classic.js';
export {
  readPcapng,
  writePcapng,
  isPcapng,
  PCAPNG_BLOCK_SHB,
  PCAPNG_BLOCK_IDB,
  PCAPNG_BLOCK_OPB,
  PCAPNG_BLOCK_SPB,
  PCAPNG_BLOCK_EPB,
  PCAPNG_BYTE_ORDER_MAGIC,
} from './pcapng.js';
export { PcapError, LINKTYPE, pcapLinkType, pcapFcsLength, pcapLinkTypeField } from './types.js';
export type { ByteOrder, Capture, PcapFile, PcapHeader, PcapRecord, PcapTimestamp, PcapngFile, PcapngInterface, TimestampResolution } from './types.js';

/** 'pcap', 'pcapng', or undefined when the magic number is neither. */
export function detectCaptureFormat(bytes: Uint8Array): Capture['format'] | undefined {
  if (isPcapng(bytes)) return 'pcapng';
  if (classicMagic(bytes)) return 'pcap';
  return undefined;
}

/** Reads a classic pcap or pcapng file, chosen by its magic number. */
export function readCapture(bytes: Uint8Array): Capture {
  const format = detectCaptureFormat(bytes);
  if (format === 'pcapng') return readPcapng(bytes);
  if (format === 'pcap') return readPcap(bytes);
  if (bytes.length === 0) throw new PcapError('file is empty', { offset: 0 });
  const shown = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
  throw new PcapError(`unknown magic number 0x${shown} (not a pcap or pcapng file)`, { offset: 0 });
}

/** Writes a capture in its own format (pcap header or pcapng interfaces and byte order). */
export function writeCapture(capture: Capture): Uint8Array {
  return capture.format === 'pcapng' ? writePcapng(capture) : writePcap(capture);
}
