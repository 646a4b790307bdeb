/**
 * A small DNS message codec that runs in browsers: a decoder of whole messages (RFC 1035
 * §4.1; AAAA RFC 3596, SRV RFC 2782, OPT RFC 6891, unknown types as RFC 3597 `TYPEnnn`)
 * and an encoder of query messages. Every read is bounds-checked; malformed input throws
 * a `DnsWireError` naming the byte and the part of the message being read.
 *
 * Names are returned in presentation form without the trailing dot (the root is `''`),
 * with their case as received.
 */

import { formatIPv4, formatIPv6 } from '../model/ip.js';
import { encodeName, formatLabel, nameEncodingLength, MAX_NAME_LENGTH } from './names.js';

export class DnsWireError extends Error {
  override readonly name = 'DnsWireError';
  /** Byte offset where the failing read started. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

// ---------------------------------------------------------------------------- tables

/** Type mnemonics (RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 6891, RFC 1995/5936). */
export const TYPE_CODES: Readonly<Record<string, number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  OPT: 41,
  DS: 43,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  HTTPS: 65,
  CAA: 257,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
};

const TYPE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(TYPE_CODES).map(([k, v]) => [v, k]));

/** `A`, `SRV`…, or `TYPE<n>` (RFC 3597 §5) for types without a mnemonic here. */
export function typeName(code: number): string {
  return TYPE_NAMES.get(code) ?? `TYPE${code}`;
}

/** The number of a type mnemonic or `TYPE<n>`; throws RangeError on an unknown name. */
export function typeCode(name: string | number): number {
  if (typeof name === 'number') {
    if (!Number.isInteger(name) || name < 0 || name > 65535) throw new RangeError(`svcnet: RR type ${name} is not 0–65535`);
    return name;
  }
  const upper = name.toUpperCase();
  const code = TYPE_CODES[upper];
  if (code !== undefined) return code;
  const m = /^TYPE(\d{1,5})$/.exec(upper);
  if (m && Number(m[1]) <= 65535) return Number(m[1]);
  throw new RangeError(`svcnet: unknown RR type ${JSON.stringify(name)}`);
}

/** RCODE mnemonics (RFC 1035 §4.1.1, RFC 6895 §2.3). */
export const RCODE_NAMES: readonly string[] = [
  'NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE', 'DSOTYPENI',
];

export function rcodeName(code: number): string {
  return RCODE_NAMES[code] ?? (code === 16 ? 'BADVERS' : `RCODE${code}`);
}

export const OPCODE_NAMES: readonly string[] = ['QUERY', 'IQUERY', 'STATUS', 'OPCODE3', 'NOTIFY', 'UPDATE', 'DSO'];

export const CLASS_IN = 1;

// ---------------------------------------------------------------------------- message shapes

export interface DnsFlags {
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** The reserved Z bit (RFC 1035 §4.1.1; must be 0). */
  z: boolean;
  ad: boolean;
  cd: boolean;
}

export interface DnsQuestion {
  name: string;
  type: string;
  typeCode: number;
  class: number;
}

interface RecordBase {
  name: string;
  typeCode: number;
  class: number;
  ttl: number;
}

/** Types the decoder keeps as raw RDATA. */
export type OpaqueTypeName = 'HINFO' | 'NAPTR' | 'OPT' | 'DS' | 'RRSIG' | 'NSEC' | 'DNSKEY' | 'HTTPS' | 'CAA' | 'IXFR' | 'AXFR' | 'ANY' | `TYPE${number}`;

export type DnsRecord = RecordBase &
  (
    | { type: 'A' | 'AAAA'; address: string }
    | { type: 'CNAME' | 'NS' | 'PTR'; target: string }
    | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
    | { type: 'MX'; preference: number; exchange: string }
    | { type: 'TXT'; strings: string[] }
    | { type: 'SOA'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
    | { type: OpaqueTypeName; data: Uint8Array }
  );

export interface EdnsOption {
  code: number;
  data: Uint8Array;
}

/** The OPT pseudo-record (RFC 6891 §6.1.3), lifted out of the additional section. */
export interface Edns {
  udpPayloadSize: number;
  /** The upper 8 bits of the 12-bit RCODE. */
  extendedRcode: number;
  version: number;
  dnssecOk: boolean;
  options: EdnsOption[];
}

export interface DnsMessage {
  id: number;
  flags: DnsFlags;
  /** The full RCODE: header bits, plus the OPT record's extended bits when present. */
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  /** The additional section without the OPT record (see `edns`). */
  additionals: DnsRecord[];
  edns?: Edns;
}

// ---------------------------------------------------------------------------- decoding

const SECTION_NAMES = ['answer', 'authority', 'additional'] as const;
const MAX_POINTER_JUMPS = 128;

/** One char per byte, so TXT data survives whatever its encoding. */
function byteString(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

class Reader {
  readonly view: DataView;
  pos = 0;
  context = 'the header';

  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  need(n: number, at = this.pos, limit = this.buf.length): void {
    if (at + n > limit) {
      if (limit < this.buf.length) {
        throw new DnsWireError(`DNS message: RDATA of ${this.context} ends at byte ${limit}, but its data needs byte ${at + n - 1}`, at);
      }
      throw new DnsWireError(`DNS message truncated at byte ${this.buf.length} while reading ${this.context}`, at);
    }
  }

  u8(limit?: number): number {
    this.need(1, this.pos, limit);
    return this.buf[this.pos++];
  }

  u16(limit?: number): number {
    this.need(2, this.pos, limit);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(limit?: number): number {
    this.need(4, this.pos, limit);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number, limit?: number): Uint8Array {
    this.need(n, this.pos, limit);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /**
   * A possibly compressed name at `pos`. Pointers must point before the start of the
   * label run that contains them (RFC 1035 §4.1.4: "a prior occurrence"), which also
   * rules out loops; `limit` bounds the uncompressed part (the end of an RDATA).
   */
  name(limit = this.buf.length): string {
    const start = this.pos;
    const labels: string[] = [];
    let length = 1;
    let at = this.pos;
    let runStart = at;
    let jumped = false;
    let jumps = 0;
    for (;;) {
      const bound = jumped ? this.buf.length : limit;
      this.need(1, at, bound);
      const len = this.buf[at];
      if (len === 0) {
        at += 1;
        break;
      }
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        this.need(2, at, bound);
        const target = ((len & 0x3f) << 8) | this.buf[at + 1];
        if (target >= runStart) {
          throw new DnsWireError(`DNS message: the name at byte ${start} in ${this.context} has a compression pointer at byte ${at} to byte ${target}, which is not before it (RFC 1035 §4.1.4)`, at);
        }
        if (++jumps > MAX_POINTER_JUMPS) throw new DnsWireError(`DNS message: the name at byte ${start} in ${this.context} follows too many compression pointers`, at);
        if (!jumped) this.pos = at + 2;
        jumped = true;
        at = target;
        runStart = target;
        continue;
      }
      if (kind !== 0) {
        throw new DnsWireError(`DNS message: the name at byte ${start} in ${this.context} has a label of unsupported type 0x${kind.toString(16)} at byte ${at}`, at);
      }
      this.need(1 + len, at, bound);
      length += 1 + len;
      if (length > MAX_NAME_LENGTH) {
        throw new DnsWireError(`DNS message: the name at byte ${start} in ${this.context} is longer than ${MAX_NAME_LENGTH} bytes`, at);
      }
      labels.push(formatLabel(this.buf.subarray(at + 1, at + 1 + len)));
      at += 1 + len;
    }
    if (!jumped) this.pos = at;
    return labels.join('.');
  }
}

function decodeFlags(word: number): DnsFlags {
  return {
    qr: (word & 0x8000) !== 0,
    opcode: (word >>> 11) & 0xf,
    aa: (word & 0x0400) !== 0,
    tc: (word & 0x0200) !== 0,
    rd: (word & 0x0100) !== 0,
    ra: (word & 0x0080) !== 0,
    z: (word & 0x0040) !== 0,
    ad: (word & 0x0020) !== 0,
    cd: (word & 0x0010) !== 0,
  };
}

function fixedLength(r: Reader, type: string, rdlength: number, want: number, at: number): void {
  if (rdlength !== want) throw new DnsWireError(`DNS message: ${type} RDATA of ${r.context} is ${rdlength} bytes, expected ${want}`, at);
}

function decodeRData(r: Reader, base: RecordBase, rdlength: number): DnsRecord {
  const start = r.pos;
  const end = start + rdlength;
  r.need(rdlength);
  const type = typeName(base.typeCode);
  let out: DnsRecord;
  switch (base.typeCode) {
    case 1:
      fixedLength(r, type, rdlength, 4, start);
      out = { ...base, type: 'A', address: formatIPv4(r.u32()) };
      break;
    case 28:
      fixedLength(r, type, rdlength, 16, start);
      out = { ...base, type: 'AAAA', address: formatIPv6(r.bytes(16)) };
      break;
    case 2:
    case 5:
    case 12:
      out = { ...base, type: type as 'NS' | 'CNAME' | 'PTR', target: r.name(end) };
      break;
    case 15:
      out = { ...base, type: 'MX', preference: r.u16(end), exchange: r.name(end) };
      break;
    case 33:
      out = { ...base, type: 'SRV', priority: r.u16(end), weight: r.u16(end), port: r.u16(end), target: r.name(end) };
      break;
    case 16: {
      const strings: string[] = [];
      while (r.pos < end) {
        const n = r.u8(end);
        strings.push(byteString(r.bytes(n, end)));
      }
      out = { ...base, type: 'TXT', strings };
      break;
    }
    case 6: {
      const mname = r.name(end);
      const rname = r.name(end);
      out = { ...base, type: 'SOA', mname, rname, serial: r.u32(end), refresh: r.u32(end), retry: r.u32(end), expire: r.u32(end), minimum: r.u32(end) };
      break;
    }
    default:
      out = { ...base, type: type as OpaqueTypeName, data: r.bytes(rdlength) };
  }
  if (r.pos !== end) {
    throw new DnsWireError(`DNS message: ${type} RDATA of ${r.context} is ${rdlength} bytes, but its data ends at byte ${r.pos} instead of ${end}`, start);
  }
  return out;
}

function decodeOpt(r: Reader, rec: { name: string; cls: number; ttl: number; rdlength: number }, at: number): Edns {
  if (rec.name !== '') throw new DnsWireError(`DNS message: the OPT record (${r.context}) must be owned by the root, not ${JSON.stringify(rec.name)}`, at);
  const end = r.pos + rec.rdlength;
  r.need(rec.rdlength);
  const options: EdnsOption[] = [];
  while (r.pos < end) {
    const code = r.u16(end);
    const len = r.u16(end);
    options.push({ code, data: r.bytes(len, end) });
  }
  return {
    udpPayloadSize: rec.cls,
    extendedRcode: rec.ttl >>> 24,
    version: (rec.ttl >>> 16) & 0xff,
    dnssecOk: (rec.ttl & 0x8000) !== 0,
    options,
  };
}

/**
 * Decodes a DNS message. Throws `DnsWireError` on anything malformed: a short header or
 * section, a bad name (forward or looping pointer, label type 01/10, over 255 bytes), RDATA
 * whose length disagrees with its content, a second OPT record or one not at the root.
 * Bytes after the last section are ignored.
 */
export function decodeMessage(buf: Uint8Array): DnsMessage {
  const r = new Reader(buf);
  const id = r.u16();
  const flagsWord = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()];
  const flags = decodeFlags(flagsWord);
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    r.context = `question ${i + 1}`;
    const name = r.name();
    const code = r.u16();
    const cls = r.u16();
    questions.push({ name, type: typeName(code), typeCode: code, class: cls });
  }
  const sections: DnsRecord[][] = [[], [], []];
  let edns: Edns | undefined;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      r.context = `RR ${i + 1} of the ${SECTION_NAMES[s]} section`;
      const at = r.pos;
      const name = r.name();
      const code = r.u16();
      const cls = r.u16();
      const ttl = r.u32();
      const rdlength = r.u16();
      if (code === 41) {
        if (s !== 2) throw new DnsWireError(`DNS message: ${r.context} is an OPT record, which belongs in the additional section`, at);
        if (edns !== undefined) throw new DnsWireError(`DNS message: ${r.context} is a second OPT record (RFC 6891 §6.1.1)`, at);
        edns = decodeOpt(r, { name, cls, ttl, rdlength }, at);
        continue;
      }
      sections[s].push(decodeRData(r, { name, typeCode: code, class: cls, ttl }, rdlength));
    }
  }
  const message: DnsMessage = {
    id,
    flags,
    rcode: (flagsWord & 0xf) | ((edns?.extendedRcode ?? 0) << 4),
    questions,
    answers: sections[0],
    authorities: sections[1],
    additionals: sections[2],
  };
  if (edns) message.edns = edns;
  return message;
}

// ---------------------------------------------------------------------------- encoding

export interface QueryOptions {
  /** Message ID; default 0. */
  id?: number;
  /** `'A'`, `'SRV'`, `'TYPE65'`… or a number; default `'A'`. */
  type?: string | number;
  /** Default IN. */
  class?: number;
  /** Recursion desired; default true, as stub resolvers send. */
  rd?: boolean;
  /** Add an OPT record: true, or its fields (`udpPayloadSize` default 1232). */
  edns?: boolean | { udpPayloadSize?: number; dnssecOk?: boolean };
  /** Opcode; default 0 (QUERY). */
  opcode?: number;
}

/** A standard query for one name (RFC 1035 §4.1, one question, RD set unless told). */
export function encodeQuery(name: string, options: QueryOptions = {}): Uint8Array {
  const id = options.id ?? 0;
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new RangeError(`svcnet: query id ${id} is not 0–65535`);
  const opcode = options.opcode ?? 0;
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) throw new RangeError(`svcnet: opcode ${opcode} is not 0–15`);
  const type = typeCode(options.type ?? 'A');
  const cls = options.class ?? CLASS_IN;
  const edns = options.edns === true ? {} : options.edns || undefined;
  const nameLength = nameEncodingLength(name);
  const out = new Uint8Array(12 + nameLength + 4 + (edns ? 11 : 0));
  const view = new DataView(out.buffer);
  view.setUint16(0, id);
  view.setUint16(2, (opcode << 11) | ((options.rd ?? true) ? 0x0100 : 0));
  view.setUint16(4, 1);
  view.setUint16(10, edns ? 1 : 0);
  let at = 12 + encodeName(name, out, 12);
  view.setUint16(at, type);
  view.setUint16(at + 2, cls);
  at += 4;
  if (edns) {
    out[at] = 0;
    view.setUint16(at + 1, 41);
    view.setUint16(at + 3, edns.udpPayloadSize ?? 1232);
    view.setUint32(at + 5, edns.dnssecOk ? 0x8000 : 0);
    view.setUint16(at + 9, 0);
  }
  return out;
}
