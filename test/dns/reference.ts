// The reference DNS data plane: the DnsPlane contract (sdk/engine/dnsplane.ts) in plain
// TypeScript, written from the contract for clarity rather than speed: Maps from
// lower-case wire names to RRsets, a query walker, a response writer with the contract's
// name compression. It is the oracle of the differential tests and the baseline of the
// DNS benchmark.
//
// Where the contract leaves a choice open, this follows the decisions documented at the
// top of assembly/dnswire.ts (order of checks, header-only NOTIMP/FORMERR, BADVERS,
// compression dictionary, glue, pod A TTL), since clients can see them.
//
// dns-packet is not used to build responses: its encoder never compresses names, and the
// contract's UDP size limit and TC bit depend on the compressed size. Tests use dns-packet
// to decode what both planes send.

import type { DnsPlane, DnsZoneConfig } from '../../sdk/engine/dnsplane.js';
import {
  DNS_DROP,
  DNS_EDNS_UDP_SIZE,
  DNS_FORWARD,
  DNS_PODS_INSECURE,
  DNS_PODS_VERIFIED,
  DNS_TCP,
  RCODE_FORMERR,
  RCODE_NOERROR,
  RCODE_NOTIMP,
  RCODE_NXDOMAIN,
  RCODE_REFUSED,
  TYPE_A,
  TYPE_AAAA,
  TYPE_AXFR,
  TYPE_CNAME,
  TYPE_IXFR,
  TYPE_MX,
  TYPE_NS,
  TYPE_OPT,
  TYPE_PTR,
  TYPE_SOA,
  TYPE_SRV,
} from '../../sdk/engine/dnsplane.js';
import { ST_BAD_ARGUMENT, ST_OK } from '../../sdk/engine/records.js';

const RCODE_BADVERS = 16;
const HEADER = 12;
const OPT_BYTES = 11;
const MAX_MESSAGE = 65535;
const MAX_NAME = 255;
const MAX_LABEL = 63;
const MAX_JUMPS = 127;
const MAX_CNAME_LINKS = 8;
const DICT_ENTRIES = 256;
const POD_DEFAULT_TTL = 5;
const MAX_ZONES = 32;

/** Wire names are kept as binary strings (one char per byte), lower-cased A–Z only. */
type Key = string;

interface StoredRRset {
  readonly type: number;
  readonly ttl: number;
  readonly rdata: readonly Uint8Array[];
}

interface NameEntry {
  declared: boolean;
  readonly rrsets: Map<number, StoredRRset>;
}

interface Zone {
  /** Lower-case wire name. */
  readonly key: Key;
  readonly wire: Uint8Array;
}

const enum Kind {
  Opaque,
  Name,
  Mx,
  Soa,
  Srv,
}

function kindOf(type: number): Kind {
  if (type === TYPE_CNAME || type === TYPE_NS || type === TYPE_PTR) return Kind.Name;
  if (type === TYPE_MX) return Kind.Mx;
  if (type === TYPE_SOA) return Kind.Soa;
  if (type === TYPE_SRV) return Kind.Srv;
  return Kind.Opaque;
}

function fold(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

function keyOf(bytes: Uint8Array, start = 0, end = bytes.length): Key {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(fold(bytes[i]));
  return s;
}

/** The binding's owner-name rule: letters, digits, `-`, `_`; labels 1–63; 255 bytes; `''`/`.` is the root. */
function ownerWire(name: string): Uint8Array | undefined {
  const text = name.endsWith('.') ? name.slice(0, -1) : name;
  if (text === '') return Uint8Array.of(0);
  const out: number[] = [];
  for (const label of text.split('.')) {
    if (label.length === 0 || label.length > MAX_LABEL) return undefined;
    if (!/^[A-Za-z0-9_-]+$/.test(label)) return undefined;
    out.push(label.length);
    for (let i = 0; i < label.length; i++) out.push(fold(label.charCodeAt(i)));
  }
  out.push(0);
  return out.length > MAX_NAME ? undefined : Uint8Array.from(out);
}

/** Length of a well-formed uncompressed name at `p` that ends within `max` bytes, else 0. */
function checkedNameLength(bytes: Uint8Array, p: number, max: number): number {
  let at = 0;
  for (;;) {
    if (at >= max || at >= MAX_NAME) return 0;
    const label = bytes[p + at];
    if (label === 0) return at + 1;
    if (label > MAX_LABEL) return 0;
    at += 1 + label;
  }
}

function rdataFits(type: number, rd: Uint8Array): boolean {
  const n = rd.length;
  if (type === TYPE_A) return n === 4;
  if (type === TYPE_AAAA) return n === 16;
  switch (kindOf(type)) {
    case Kind.Name:
      return n > 0 && checkedNameLength(rd, 0, n) === n;
    case Kind.Mx:
      return n > 2 && checkedNameLength(rd, 2, n - 2) === n - 2;
    case Kind.Srv:
      return n > 6 && checkedNameLength(rd, 6, n - 6) === n - 6;
    case Kind.Soa: {
      const m = checkedNameLength(rd, 0, n);
      if (m === 0) return false;
      const r = checkedNameLength(rd, m, n - m);
      return r !== 0 && m + r + 20 === n;
    }
    default:
      return true;
  }
}

/** Label start offsets of a well-formed wire name. */
function labelOffsets(wire: Uint8Array | Key): number[] {
  const at = (i: number): number => (typeof wire === 'string' ? wire.charCodeAt(i) : wire[i]);
  const out: number[] = [];
  let o = 0;
  while (at(o) !== 0) {
    out.push(o);
    o += 1 + at(o);
  }
  return out;
}

export class ReferenceDnsPlane implements DnsPlane {
  readonly kind = 'reference';

  #zones: Zone[] = [];
  #clusterZone: Zone | undefined;
  #podsMode = 0;
  #forward = false;
  readonly #names = new Map<Key, NameEntry>();
  #bytes = 0;
  /** The response is written here first: names are written before their fit is checked. */
  readonly #scratch = new Uint8Array(MAX_MESSAGE + 1024);

  configure(config: DnsZoneConfig): number {
    const zones = config.zones;
    if (zones.length === 0 || zones.length > MAX_ZONES) return ST_BAD_ARGUMENT;
    if (!Number.isInteger(config.podsMode) || config.podsMode < 0 || config.podsMode > DNS_PODS_VERIFIED) return ST_BAD_ARGUMENT;
    const parsed: Zone[] = [];
    for (const z of zones) {
      const wire = ownerWire(z);
      if (!wire) return ST_BAD_ARGUMENT;
      parsed.push({ key: keyOf(wire), wire });
    }
    this.#clusterZone = parsed[0];
    // Longest first; equal lengths keep their order (Array.prototype.sort is stable).
    this.#zones = [...parsed].sort((a, b) => b.wire.length - a.wire.length);
    this.#podsMode = config.podsMode;
    this.#forward = config.forwardOutOfZone;
    return ST_OK;
  }

  /** The longest zone the lower-case wire name ends with, at a label boundary. */
  #zoneOf(key: Key, labels: readonly number[]): Zone | undefined {
    for (const zone of this.#zones) {
      const zlen = zone.key.length;
      if (zlen > key.length) continue;
      const start = key.length - zlen;
      if (zlen > 1 && !labels.includes(start)) continue;
      if (key.endsWith(zone.key)) return zone;
    }
    return undefined;
  }

  #owner(name: string): Key | undefined {
    const wire = ownerWire(name);
    if (!wire) return undefined;
    const key = keyOf(wire);
    return this.#zoneOf(key, labelOffsets(key)) ? key : undefined;
  }

  setRRset(owner: string, type: number, ttl: number, rdata: readonly Uint8Array[]): number {
    if (!Number.isInteger(type) || type < 1 || type > 0xffff || type === TYPE_OPT || (type >= 249 && type <= 255)) return ST_BAD_ARGUMENT;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 0x7fffffff) return ST_BAD_ARGUMENT;
    if (rdata.length > 0xffff) return ST_BAD_ARGUMENT;
    if (type === TYPE_CNAME && rdata.length > 1) return ST_BAD_ARGUMENT;
    for (const rd of rdata) if (rd.length > 0xffff || !rdataFits(type, rd)) return ST_BAD_ARGUMENT;
    const key = this.#owner(owner);
    if (key === undefined) return ST_BAD_ARGUMENT;
    let entry = this.#names.get(key);
    const old = entry?.rrsets.get(type);
    if (old) this.#bytes -= old.rdata.reduce((n, r) => n + 12 + r.length, 16);
    if (rdata.length === 0) {
      if (entry) {
        entry.rrsets.delete(type);
        this.#dropIfEmpty(key, entry);
      }
      return ST_OK;
    }
    if (!entry) {
      entry = { declared: false, rrsets: new Map() };
      this.#names.set(key, entry);
    }
    entry.rrsets.set(type, { type, ttl, rdata: rdata.map((r) => r.slice()) });
    this.#bytes += rdata.reduce((n, r) => n + 12 + r.length, 16);
    return ST_OK;
  }

  setExists(owner: string, exists: boolean): number {
    const key = this.#owner(owner);
    if (key === undefined) return ST_BAD_ARGUMENT;
    let entry = this.#names.get(key);
    if (exists) {
      if (!entry) this.#names.set(key, (entry = { declared: false, rrsets: new Map() }));
      entry.declared = true;
    } else if (entry) {
      entry.declared = false;
      this.#dropIfEmpty(key, entry);
    }
    return ST_OK;
  }

  #dropIfEmpty(key: Key, entry: NameEntry): void {
    if (entry.rrsets.size === 0 && !entry.declared) this.#names.delete(key);
  }

  nameCount(): number {
    return this.#names.size;
  }

  memoryBytes(): number {
    let names = 0;
    for (const key of this.#names.keys()) names += 32 + key.length;
    return names + this.#bytes;
  }

  answer(query: Uint8Array, transport: number, out: Uint8Array): number {
    const n = new Answer(this, query, transport, this.#scratch).run();
    if (n < 0) return n;
    if (out.length < n) throw new RangeError(`svcnet: the response needs ${n} bytes, the output holds ${out.length}`);
    out.set(this.#scratch.subarray(0, n));
    return n;
  }

  // Read access for Answer.
  get zones(): readonly Zone[] {
    return this.#zones;
  }
  get clusterZone(): Zone | undefined {
    return this.#clusterZone;
  }
  get podsMode(): number {
    return this.#podsMode;
  }
  get forward(): boolean {
    return this.#forward;
  }
  lookup(key: Key): NameEntry | undefined {
    return this.#names.get(key);
  }
  zoneOf(key: Key, labels: readonly number[]): Zone | undefined {
    return this.#zoneOf(key, labels);
  }
}

/** One query being answered: the walker's results and the response being written. */
class Answer {
  readonly msg: Uint8Array;
  pos = 0;
  cap = 0;
  an = 0;
  ns = 0;
  ar = 0;
  truncated = false;
  /** Compression dictionary: suffix keys in insertion order, and key → message offset. */
  readonly dictKeys: Key[] = [];
  readonly dict = new Map<Key, number>();
  nameAt = 0;
  // The question.
  qOriginal: Uint8Array = new Uint8Array(0);
  qKey: Key = '';
  qLabels: number[] = [];
  qType = 0;
  qZone: Zone | undefined;
  // EDNS.
  hasOpt = false;
  udpSize = 0;
  ednsVersion = 0;
  doBit = 0;

  constructor(
    readonly plane: ReferenceDnsPlane,
    query: Uint8Array,
    readonly transport: number,
    readonly out: Uint8Array,
  ) {
    this.msg = query;
  }

  be16(p: number): number {
    return (this.msg[p] << 8) | this.msg[p + 1];
  }

  /**
   * Parses a name (RFC 1035 §4.1.4): a pointer must point before the run of labels that
   * holds it, at most 127 jumps, labels under 64 bytes, 255 bytes in all. Returns the
   * offset after the name and the expanded bytes, or undefined.
   */
  parseName(start: number): { next: number; expanded: Uint8Array; labels: number[] } | undefined {
    const msg = this.msg;
    const length = msg.length;
    const parts: Uint8Array[] = [];
    const labels: number[] = [];
    let cur = start;
    let run = start;
    let expanded = 0;
    let after = -1;
    let jumps = 0;
    for (;;) {
      if (cur >= length) return undefined;
      const b = msg[cur];
      if (b === 0) {
        parts.push(msg.subarray(run, cur + 1));
        const bytes = new Uint8Array(expanded + (cur - run) + 1);
        let o = 0;
        for (const p of parts) {
          bytes.set(p, o);
          o += p.length;
        }
        return { next: after < 0 ? cur + 1 : after, expanded: bytes, labels };
      }
      if (b < 0x40) {
        const offset = expanded + (cur - run);
        if (offset + b + 2 > MAX_NAME) return undefined;
        labels.push(offset);
        cur += 1 + b;
        continue;
      }
      if (b < 0xc0 || cur + 1 >= length) return undefined;
      const target = ((b & 0x3f) << 8) | msg[cur + 1];
      if (target >= run || ++jumps > MAX_JUMPS) return undefined;
      parts.push(msg.subarray(run, cur));
      expanded += cur - run;
      if (after < 0) after = cur + 2;
      cur = target;
      run = target;
    }
  }

  /** Skips one RR of the answer/authority/additional section; reads the OPT record. */
  parseRecord(start: number, additional: boolean): number {
    const named = this.parseName(start);
    if (!named) return -1;
    const p = named.next;
    const length = this.msg.length;
    if (p + 10 > length) return -1;
    const type = this.be16(p);
    const end = p + 10 + this.be16(p + 8);
    if (end > length) return -1;
    if (type === TYPE_OPT) {
      // RFC 6891 §6.1.1: additional section only, at most one, owned by the root.
      if (!additional || this.hasOpt || p !== start + 1) return -1;
      let o = p + 10;
      while (o < end) {
        if (o + 4 > end) return -1;
        o += 4 + this.be16(o + 2);
      }
      if (o !== end) return -1;
      this.hasOpt = true;
      this.udpSize = this.be16(p + 2);
      this.ednsVersion = this.msg[p + 5];
      this.doBit = this.msg[p + 6] & 0x80;
    }
    return end;
  }

  headerOnly(opcode: number, rd: number, rcode: number): number {
    const o = this.out;
    o.fill(0, 0, HEADER);
    o[0] = this.msg[0];
    o[1] = this.msg[1];
    const flags = 0x8000 | (opcode << 11) | rd | rcode;
    o[2] = flags >>> 8;
    o[3] = flags & 0xff;
    return HEADER;
  }

  /** The response length in `out`, or DNS_DROP / DNS_FORWARD. */
  run(): number {
    const msg = this.msg;
    const length = msg.length;
    if (length < HEADER) return DNS_DROP;
    const flags = this.be16(2);
    if ((flags & 0x8000) !== 0) return DNS_DROP;
    const opcode = (flags >>> 11) & 0xf;
    const rd = flags & 0x0100;
    if (opcode !== 0) return this.headerOnly(opcode, rd, RCODE_NOTIMP);
    if (this.be16(4) !== 1) return this.headerOnly(0, rd, RCODE_FORMERR);
    const q = this.parseName(HEADER);
    if (!q) return this.headerOnly(0, rd, RCODE_FORMERR);
    let p = q.next;
    if (p + 4 > length) return this.headerOnly(0, rd, RCODE_FORMERR);
    this.qOriginal = q.expanded;
    this.qLabels = q.labels;
    this.qType = this.be16(p);
    const qClass = this.be16(p + 2);
    p += 4;
    const skipped = this.be16(6) + this.be16(8);
    for (let i = 0; i < skipped; i++) {
      p = this.parseRecord(p, false);
      if (p < 0) return this.headerOnly(0, rd, RCODE_FORMERR);
    }
    const additional = this.be16(10);
    for (let i = 0; i < additional; i++) {
      p = this.parseRecord(p, true);
      if (p < 0) return this.headerOnly(0, rd, RCODE_FORMERR);
    }
    // Bytes after the last record are ignored.

    this.qKey = keyOf(this.qOriginal);
    this.qZone = qClass === 1 ? this.plane.zoneOf(this.qKey, this.qLabels) : undefined;
    if (this.qZone === undefined && this.plane.forward && this.ednsVersion === 0) return DNS_FORWARD;

    // RFC 6891 §6.2.5: max(512, advertised) over UDP, 65535 over TCP; room kept for the OPT.
    let limit = 512;
    if (this.transport === DNS_TCP) limit = MAX_MESSAGE;
    else if (this.hasOpt && this.udpSize > 512) limit = this.udpSize;
    this.cap = limit - (this.hasOpt ? OPT_BYTES : 0);

    this.pos = HEADER;
    this.out.set(this.qOriginal, this.pos);
    this.pos += this.qOriginal.length;
    this.put16(this.qType);
    this.put16(qClass);

    if (this.ednsVersion !== 0) return this.finish(rd, RCODE_BADVERS, false);
    if (this.qZone === undefined || this.qType === TYPE_AXFR || this.qType === TYPE_IXFR) return this.finish(rd, RCODE_REFUSED, false);
    for (const o of this.qLabels) this.addEntry(HEADER + o, this.qKey.slice(o));
    return this.finish(rd, this.resolve(), true);
  }

  finish(rd: number, rcode: number, authoritative: boolean): number {
    if (this.hasOpt) {
      // RFC 6891 §6.1.2/§6.1.3: root owner, our UDP size, extended RCODE, version 0, DO copied.
      this.out[this.pos++] = 0;
      this.put16(TYPE_OPT);
      this.put16(DNS_EDNS_UDP_SIZE);
      this.out[this.pos++] = rcode >>> 4;
      this.out[this.pos++] = 0;
      this.out[this.pos++] = this.doBit;
      this.out[this.pos++] = 0;
      this.put16(0);
      this.ar++;
    }
    const o = this.out;
    o[0] = this.msg[0];
    o[1] = this.msg[1];
    const flags = 0x8000 | (authoritative ? 0x0400 : 0) | (this.truncated ? 0x0200 : 0) | rd | (rcode & 0xf);
    this.set16(2, flags);
    this.set16(4, 1);
    this.set16(6, this.an);
    this.set16(8, this.ns);
    this.set16(10, this.ar);
    return this.pos;
  }

  put16(v: number): void {
    this.out[this.pos++] = (v >>> 8) & 0xff;
    this.out[this.pos++] = v & 0xff;
  }

  set16(at: number, v: number): void {
    this.out[at] = (v >>> 8) & 0xff;
    this.out[at + 1] = v & 0xff;
  }

  // ------------------------------------------------------------------------ resolution

  resolve(): number {
    const plane = this.plane;
    const zone = this.qZone!;
    const zlen = zone.wire.length;
    // CoreDNS answers SOA only at the apex; below it, NODATA whether the name exists or not.
    if (this.qType === TYPE_SOA && this.qOriginal.length > zlen) return this.negative(RCODE_NOERROR, zone);
    const entry = plane.lookup(this.qKey);
    if (!entry) {
      const ip = plane.podsMode === DNS_PODS_INSECURE && zone === plane.clusterZone ? this.podAddress(this.qKey, zone) : undefined;
      if (ip !== undefined) {
        if (this.qType !== TYPE_A) return this.negative(RCODE_NOERROR, zone);
        this.writePodA(HEADER, ip);
        return RCODE_NOERROR;
      }
      return this.negative(RCODE_NXDOMAIN, zone);
    }
    const set = entry.rrsets.get(this.qType);
    if (set) {
      this.answerSet(set, HEADER);
      return RCODE_NOERROR;
    }
    if (this.qType !== TYPE_CNAME) {
      const cname = entry.rrsets.get(TYPE_CNAME);
      if (cname) return this.chase(entry, cname);
    }
    return this.negative(RCODE_NOERROR, zone);
  }

  answerSet(set: StoredRRset, owner: number): void {
    const start = this.pos;
    const written = this.writeSet(set, owner);
    if (written === 0) return;
    this.an += written;
    if (set.type === TYPE_SRV || set.type === TYPE_NS || set.type === TYPE_MX) this.addGlue(set, start);
  }

  /** RFC 2308 §2.1/§2.2: negative answers carry the zone's SOA in the authority section. */
  negative(rcode: number, zone: Zone): number {
    const soa = this.plane.lookup(zone.key)?.rrsets.get(TYPE_SOA);
    if (soa) this.ns += this.writeSet(soa, -1, zone.wire);
    return rcode;
  }

  /**
   * Follows a CNAME chain while the targets stay in the served zones (RFC 1034 §4.3.2,
   * at most 8 links, no name twice). The RCODE is the last name's (RFC 6604 §3), with the
   * last zone's SOA; an AAAA query whose chain finds no AAAA drops the chain (CoreDNS).
   */
  chase(first: NameEntry, cname: StoredRRset): number {
    const plane = this.plane;
    const startPos = this.pos;
    const startDict = this.dictKeys.length;
    let owner = HEADER;
    let set = cname;
    const visited: NameEntry[] = [first];
    let rcode = RCODE_NOERROR;
    let zone = this.qZone!;
    for (;;) {
      const written = this.writeSet(set, owner);
      if (written === 0) return RCODE_NOERROR;
      this.an += written;
      owner = this.nameAt;
      const target = set.rdata[0];
      const tKey = keyOf(target);
      const tLabels = labelOffsets(target);
      const tZone = plane.zoneOf(tKey, tLabels);
      if (tZone === undefined) return RCODE_NOERROR;
      zone = tZone;
      const next = plane.lookup(tKey);
      if (!next) {
        const ip = plane.podsMode === DNS_PODS_INSECURE && zone === plane.clusterZone ? this.podAddress(tKey, zone) : undefined;
        if (ip !== undefined) {
          if (this.qType === TYPE_A) {
            this.writePodA(owner, ip);
            return RCODE_NOERROR;
          }
        } else {
          rcode = RCODE_NXDOMAIN;
        }
        break;
      }
      const data = next.rrsets.get(this.qType);
      if (data) {
        this.answerSet(data, owner);
        return RCODE_NOERROR;
      }
      if (visited.includes(next) || visited.length >= MAX_CNAME_LINKS) break;
      const more = next.rrsets.get(TYPE_CNAME);
      if (!more) break;
      visited.push(next);
      set = more;
    }
    if (this.qType === TYPE_AAAA) {
      this.pos = startPos;
      this.rollbackDict(startDict);
      this.an = 0;
      return this.negative(RCODE_NOERROR, this.qZone!);
    }
    return this.negative(rcode, zone);
  }

  /**
   * `pods insecure`: `a-b-c-d.<ns>.pod.<zone>` (four decimal octets, no leading zeros) whose
   * `<ns>.pod.<zone>` exists. Returns the address bytes.
   */
  podAddress(key: Key, zone: Zone): number[] | undefined {
    const labels = labelOffsets(key);
    const zlen = zone.key.length;
    if (zlen === 1 ? labels.length !== 3 : labels.length < 4 || labels[3] !== key.length - zlen) return undefined;
    if (key.slice(labels[2], labels[2] + 4) !== '\u0003pod') return undefined;
    const first = key.slice(1, 1 + key.charCodeAt(0));
    const m = /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/.exec(first);
    if (!m) return undefined;
    const octets = m.slice(1).map((d) => (d.length > 1 && d[0] === '0' ? 256 : Number(d)));
    if (octets.some((o) => o > 255)) return undefined;
    if (!this.plane.lookup(key.slice(labels[1]))) return undefined;
    return octets;
  }

  /** The A record of a pod name; TTL = the cluster zone SOA's MINIMUM (or 5 without one). */
  writePodA(owner: number, ip: readonly number[]): void {
    if (this.pos + 16 > this.cap) {
      this.truncated = true;
      return;
    }
    let ttl = POD_DEFAULT_TTL;
    const cz = this.plane.clusterZone;
    const soa = cz ? this.plane.lookup(cz.key)?.rrsets.get(TYPE_SOA) : undefined;
    if (soa) {
      const rd = soa.rdata[0];
      const n = rd.length;
      ttl = ((rd[n - 4] << 24) | (rd[n - 3] << 16) | (rd[n - 2] << 8) | rd[n - 1]) >>> 0;
    }
    this.put16(0xc000 | owner);
    this.put16(TYPE_A);
    this.put16(1);
    this.put32(ttl);
    this.put16(4);
    for (const b of ip) this.out[this.pos++] = b;
    this.an++;
  }

  put32(v: number): void {
    this.put16((v >>> 16) & 0xffff);
    this.put16(v & 0xffff);
  }

  // ------------------------------------------------------------------------ writing

  addEntry(offset: number, key: Key): void {
    if (offset >= 0x4000 || this.dictKeys.length >= DICT_ENTRIES) return;
    this.dictKeys.push(key);
    if (!this.dict.has(key)) this.dict.set(key, offset);
  }

  rollbackDict(mark: number): void {
    while (this.dictKeys.length > mark) {
      const key = this.dictKeys.pop()!;
      if (!this.dictKeys.includes(key)) this.dict.delete(key);
    }
  }

  /** Writes an uncompressed wire name compressed (RFC 1035 §4.1.4); sets nameAt. */
  writeName(name: Uint8Array, start = 0): void {
    let i = start;
    let first = true;
    for (;;) {
      const label = name[i];
      if (label === 0) {
        if (first) this.nameAt = this.pos;
        this.out[this.pos++] = 0;
        return;
      }
      const rest = keyOf(name, i, i + this.nameLength(name, i));
      const found = this.dict.get(rest);
      if (found !== undefined) {
        if (first) this.nameAt = found;
        this.put16(0xc000 | found);
        return;
      }
      if (first) {
        this.nameAt = this.pos;
        first = false;
      }
      this.addEntry(this.pos, rest);
      this.out.set(name.subarray(i, i + 1 + label), this.pos);
      this.pos += 1 + label;
      i += 1 + label;
    }
  }

  nameLength(name: Uint8Array, start: number): number {
    let at = start;
    while (name[at] !== 0) at += 1 + name[at];
    return at + 1 - start;
  }

  /**
   * Writes a whole RRset (RFC 2181 §5) owned by the name at offset `owner`, or by
   * `ownerName` compressed when owner < 0. Returns the records written, or 0 when it does
   * not fit: then everything from this RRset on is dropped and TC set.
   */
  writeSet(set: StoredRRset, owner: number, ownerName?: Uint8Array): number {
    if (this.truncated) return 0;
    const kind = kindOf(set.type);
    const start = this.pos;
    const startDict = this.dictKeys.length;
    for (const rd of set.rdata) {
      if (owner >= 0) this.put16(0xc000 | owner);
      else this.writeName(ownerName!);
      this.put16(set.type);
      this.put16(1);
      this.put32(set.ttl);
      if (kind === Kind.Opaque || kind === Kind.Srv) {
        if (this.pos + 2 + rd.length > this.cap) return this.cut(start, startDict);
        this.put16(rd.length);
        this.out.set(rd, this.pos);
        if (kind === Kind.Srv) this.zoneCase(this.pos + 6, rd.length - 6);
        this.pos += rd.length;
      } else {
        const lengthAt = this.pos;
        this.pos += 2;
        if (kind === Kind.Name) {
          this.writeName(rd);
        } else if (kind === Kind.Mx) {
          this.out[this.pos++] = rd[0];
          this.out[this.pos++] = rd[1];
          this.writeName(rd, 2);
        } else {
          const m = this.nameLength(rd, 0);
          const r = this.nameLength(rd, m);
          this.writeName(rd, 0);
          this.writeName(rd, m);
          this.out.set(rd.subarray(m + r, m + r + 20), this.pos);
          this.pos += 20;
        }
        this.set16(lengthAt, this.pos - lengthAt - 2);
        if (this.pos > this.cap) return this.cut(start, startDict);
      }
    }
    return set.rdata.length;
  }

  cut(start: number, startDict: number): number {
    this.pos = start;
    this.rollbackDict(startDict);
    this.truncated = true;
    return 0;
  }

  /** An SRV target ending in the question's zone gets that suffix in the question's case. */
  zoneCase(target: number, length: number): void {
    const zlen = this.qZone!.wire.length;
    if (zlen <= 1 || length < zlen) return;
    const start = length - zlen;
    let o = 0;
    while (o < start) o += 1 + this.out[target + o];
    if (o !== start) return;
    const suffix = this.qOriginal.length - zlen;
    if (keyOf(this.out, target + start, target + length) === this.qKey.slice(suffix)) {
      this.out.set(this.qOriginal.subarray(suffix), target + start);
    }
  }

  /**
   * Additional-section glue: the A and AAAA RRsets of each SRV/NS/MX target held in the
   * table, each target once, in record order; owners point at the target in the answer.
   */
  addGlue(set: StoredRRset, start: number): void {
    if (this.truncated) return;
    const skip = set.type === TYPE_SRV ? 6 : set.type === TYPE_MX ? 2 : 0;
    const seen = new Set<NameEntry>();
    let w = start;
    for (const rd of set.rdata) {
      const name = rd.subarray(skip);
      const targetAt = w + 12 + skip;
      const target = this.plane.lookup(keyOf(name));
      if (target && !seen.has(target)) {
        seen.add(target);
        const owner = targetAt < 0x4000 ? targetAt : -1;
        const a = target.rrsets.get(TYPE_A);
        if (a) this.ar += this.writeSet(a, owner, name);
        const aaaa = target.rrsets.get(TYPE_AAAA);
        if (aaaa) this.ar += this.writeSet(aaaa, owner, name);
        if (this.truncated) return;
      }
      w += 12 + ((this.out[w + 10] << 8) | this.out[w + 11]);
    }
  }
}
