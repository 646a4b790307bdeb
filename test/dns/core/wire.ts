// Wire helpers for the DNS data plane tests: presentation → RDATA builders, a query
// builder that can also produce hostile messages, and a strict response walker that checks
// every compression pointer (RFC 1035 §4.1.4) independently of dns-packet.

export const TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, IXFR: 251, AXFR: 252, ANY: 255 } as const;

/** Wire form of a presentation name (no escapes), case kept. */
export function wireName(name: string): Uint8Array {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const bytes: number[] = [];
  if (trimmed.length > 0) {
    for (const label of trimmed.split('.')) {
      bytes.push(label.length);
      for (let i = 0; i < label.length; i++) bytes.push(label.charCodeAt(i));
    }
  }
  bytes.push(0);
  return Uint8Array.from(bytes);
}

export function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const u16 = (v: number): number[] => [(v >>> 8) & 255, v & 255];
export const u32 = (v: number): number[] => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

export const rdA = (ip: string): Uint8Array => Uint8Array.from(ip.split('.').map(Number));

export function rdAAAA(ip: string): Uint8Array {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Uint8Array.from(groups.flatMap((g) => u16(parseInt(g, 16))));
}

export const rdName = (name: string): Uint8Array => wireName(name);
export const rdSrv = (priority: number, weight: number, port: number, target: string): Uint8Array =>
  concat(u16(priority), u16(weight), u16(port), wireName(target));
export const rdMx = (preference: number, exchange: string): Uint8Array => concat(u16(preference), wireName(exchange));
export const rdTxt = (...strings: string[]): Uint8Array =>
  concat(...strings.map((s) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))]));
export const rdSoa = (mname: string, rname: string, serial: number, refresh: number, retry: number, expire: number, minimum: number): Uint8Array =>
  concat(wireName(mname), wireName(rname), u32(serial), u32(refresh), u32(retry), u32(expire), u32(minimum));

export interface QueryOptions {
  id?: number;
  type?: number;
  qclass?: number;
  rd?: boolean;
  opcode?: number;
  /** Extra header flag bits ORed in (e.g. 0x8000 QR, 0x0010 CD). */
  flags?: number;
  /** Adds an OPT record (RFC 6891). */
  edns?: { udp?: number; do?: boolean; version?: number; options?: Uint8Array };
}

/** A well-formed query with one question (and an OPT when asked). */
export function buildQuery(name: string, options: QueryOptions = {}): Uint8Array {
  const id = options.id ?? 0x1234;
  const flags = ((options.opcode ?? 0) << 11) | (options.rd === false ? 0 : 0x0100) | (options.flags ?? 0);
  const question = concat(wireName(name), u16(options.type ?? TYPES.A), u16(options.qclass ?? 1));
  const opt = options.edns
    ? concat(
        [0],
        u16(TYPES.OPT),
        u16(options.edns.udp ?? 1232),
        [0, options.edns.version ?? 0, options.edns.do ? 0x80 : 0, 0],
        u16(options.edns.options?.length ?? 0),
        options.edns.options ?? [],
      )
    : new Uint8Array(0);
  return concat(u16(id), u16(flags), u16(1), u16(0), u16(0), u16(options.edns ? 1 : 0), question, opt);
}

export interface WireRecord {
  /** Offset of the record's first byte. */
  offset: number;
  name: string;
  /** Offset the owner points at when the owner is a single pointer, else -1. */
  ownerPointer: number;
  type: number;
  klass: number;
  ttl: number;
  rdata: Uint8Array;
  /** RDATA names (CNAME/NS/PTR/MX/SOA/SRV), decoded, case kept. */
  names: string[];
  /** Whether any RDATA name used a pointer. */
  rdataCompressed: boolean;
}

export interface WireMessage {
  id: number;
  flags: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  z: number;
  rcode: number;
  questionBytes: Uint8Array;
  question?: { name: string; type: number; klass: number };
  answers: WireRecord[];
  authorities: WireRecord[];
  additionals: WireRecord[];
}

/**
 * Walks a response strictly: every name's pointers must point backwards at the start of a
 * label already seen in an earlier name (or earlier in the same name), names must be ≤ 255
 * bytes with labels ≤ 63, every record must end inside the message, RDATA names must fill
 * their RDATA exactly, SRV targets must not be compressed, and the message must end exactly
 * after the last record. Throws with a description on the first violation.
 */
export function walk(buf: Uint8Array): WireMessage {
  if (buf.length < 12) throw new Error(`message of ${buf.length} bytes is shorter than a header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const labelStarts = new Set<number>();
  const r16 = (o: number): number => {
    if (o + 2 > buf.length) throw new Error(`read at ${o} past the end (${buf.length})`);
    return view.getUint16(o);
  };
  const readName = (start: number): { name: string; end: number; pointer: number; compressed: boolean } => {
    const labels: string[] = [];
    let o = start;
    let end = -1;
    let pointer = -1;
    let length = 1;
    const pending: number[] = [];
    for (let guard = 0; ; guard++) {
      if (guard > 300) throw new Error(`name at ${start} does not end`);
      if (o >= buf.length) throw new Error(`name at ${start} runs past the end`);
      const b = buf[o];
      if (b === 0) {
        if (end < 0) end = o + 1;
        break;
      }
      if (b >= 0xc0) {
        const target = ((b & 0x3f) << 8) | buf[o + 1];
        if (o + 1 >= buf.length) throw new Error(`pointer at ${o} runs past the end`);
        if (target >= o) throw new Error(`pointer at ${o} points forward to ${target}`);
        if (!labelStarts.has(target)) throw new Error(`pointer at ${o} points at ${target}, not a label start`);
        if (o === start) pointer = target;
        if (end < 0) end = o + 2;
        o = target;
        continue;
      }
      if (b > 63) throw new Error(`label type ${b.toString(16)} at ${o}`);
      if (end < 0) pending.push(o);
      labels.push(String.fromCharCode(...buf.subarray(o + 1, o + 1 + b)));
      length += 1 + b;
      if (length > 255) throw new Error(`name at ${start} longer than 255`);
      o += 1 + b;
    }
    for (const p of pending) labelStarts.add(p);
    return { name: labels.join('.'), end, pointer, compressed: end !== o + 1 || pointer >= 0 };
  };
  const flags = r16(2);
  const counts = [r16(4), r16(6), r16(8), r16(10)];
  let o = 12;
  let question: WireMessage['question'];
  for (let i = 0; i < counts[0]; i++) {
    const n = readName(o);
    question = { name: n.name, type: r16(n.end), klass: r16(n.end + 2) };
    o = n.end + 4;
  }
  const questionBytes = buf.slice(12, o);
  const sections: WireRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      const offset = o;
      const owner = readName(o);
      o = owner.end;
      const type = r16(o);
      const klass = r16(o + 2);
      const ttl = view.getUint32(o + 4);
      const rdlength = r16(o + 8);
      const rstart = o + 10;
      const rend = rstart + rdlength;
      if (rend > buf.length) throw new Error(`record at ${offset} runs past the end`);
      const names: string[] = [];
      let compressed = false;
      const nameAt = (at: number): number => {
        const n = readName(at);
        names.push(n.name);
        compressed ||= n.compressed;
        return n.end;
      };
      let r = rstart;
      if (type === TYPES.CNAME || type === TYPES.NS || type === TYPES.PTR) r = nameAt(r);
      else if (type === TYPES.MX) r = nameAt(r + 2);
      else if (type === TYPES.SOA) r = nameAt(nameAt(r)) + 20;
      else if (type === TYPES.SRV) {
        r = nameAt(r + 6);
        if (compressed) throw new Error(`SRV target at ${rstart + 6} is compressed`);
      } else r = rend;
      if (r !== rend) throw new Error(`RDATA of the ${type} record at ${offset} is ${rdlength} bytes, its fields ${r - rstart}`);
      sections[s].push({
        offset,
        name: owner.name,
        ownerPointer: owner.pointer,
        type,
        klass,
        ttl,
        rdata: buf.slice(rstart, rend),
        names,
        rdataCompressed: compressed,
      });
      o = rend;
    }
  }
  if (o !== buf.length) throw new Error(`${buf.length - o} bytes after the last record`);
  return {
    id: r16(0),
    flags,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 15,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    z: (flags >> 4) & 7,
    rcode: flags & 15,
    questionBytes,
    question,
    answers: sections[0],
    authorities: sections[1],
    additionals: sections[2],
  };
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
