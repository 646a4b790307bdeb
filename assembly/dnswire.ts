// The answer kernel: one wire-format query in, one response out (RFC 1035 §4.1).
//
// The query is untrusted network input: every read goes through `byteAt`/`be16At`, which
// the callers bound by the message length first (debug builds assert it again), so no
// answer depends on a byte past the message. The kernel never allocates and never grows
// memory; its only writes outside the output are the static scratch below and the glue
// stamps of name records.
//
// Order of decisions: DROP (shorter than a header, QR set) → NOTIMP (opcode ≠ QUERY) →
// FORMERR (QDCOUNT ≠ 1, a malformed name or record anywhere, counts that lie, a bad OPT)
// → BADVERS (EDNS version ≠ 0) → REFUSED / DNS_FORWARD (class ≠ IN or no zone) → REFUSED
// (AXFR, IXFR) → the zone's data.
//
// Response shape: NOTIMP and FORMERR are a bare header (the question may be what failed
// to parse). Every other response echoes the question as received (pointers expanded,
// case kept) and ends with an OPT record when the query had one.
//
// Compression (RFC 1035 §4.1.4): a name is written label by label; before each label the
// remaining suffix is looked up in the dictionary (layout.ts, "Compression dictionary"),
// earliest entry first, case-insensitively; a hit ends the name with a pointer. Literal
// labels at offsets below 0x4000 become entries. The question's suffixes are the first
// entries (implicit: compared label by label from the right). Answer records owned by
// the question name point at offset 12; the records of a CNAME target point at the target
// written in the CNAME's RDATA; glue owners point at the target inside the SRV/NS/MX
// RDATA. SRV targets are written as stored (RFC 2782: no compression) and
// are not entries; a target ending in the question's zone gets that suffix in the
// question's case (CoreDNS's handler keeps the query's zone case).
// A negative answer's SOA usually shares only the zone with the question; it is then
// written from a shape derived on the control path (layout.ts, "Zone entry"), with the
// same bytes the general writer would produce.

import {
  DNS_TCP, DNS_DROP, DNS_FORWARD, DNS_NO_SPACE, DNS_OUT_SLACK, DNS_MAX_MESSAGE,
  DNS_EDNS_UDP_SIZE, DNS_PODS_INSECURE, DNS_POD_DEFAULT_TTL, DNS_MAX_CNAME_LINKS,
  DICT_ENTRY_BYTES, DICT_OFFSET, DICT_LENGTH, DICT_SOURCE, DNS_DICT_ENTRIES,
  RRSET_TYPE, RRSET_COUNT, RRSET_BYTES, RRSET_HEADER_BYTES, RR_FIXED_BYTES,
  ZONE_LENGTH, ZONE_HASH, ZONE_NAME, ZONE_SOA, ZONE_SOA_MPREFIX, ZONE_SOA_RPREFIX,
  ZONE_SOA_MLAST, ZONE_SOA_RLAST, ZONE_SOA_SHAPED, NAME_GLUE_STAMP, DNS_WORD_PAD,
} from "./layout";
import {
  TYPE_A, TYPE_NS, TYPE_CNAME, TYPE_SOA, TYPE_MX, TYPE_AAAA, TYPE_SRV, TYPE_OPT,
  TYPE_IXFR, TYPE_AXFR, CLASS_IN, RDATA_OPAQUE, RDATA_NAME, RDATA_MX, RDATA_SRV,
  rdataKind, findName, findRRset, zoneOf, zoneAt, at, clusterZone, podsMode,
  forwardOutOfZone, clearGlueStamps,
} from "./dnstable";
import {
  nameHash, sameName, lowerCopy, copyBytes, storedNameLength, labelOffsets,
} from "./dnsname";

// @ts-ignore: decorator
@inline const RCODE_NOERROR: u32 = 0;
// @ts-ignore: decorator
@inline const RCODE_FORMERR: u32 = 1;
// @ts-ignore: decorator
@inline const RCODE_NXDOMAIN: u32 = 3;
// @ts-ignore: decorator
@inline const RCODE_NOTIMP: u32 = 4;
// @ts-ignore: decorator
@inline const RCODE_REFUSED: u32 = 5;
// @ts-ignore: decorator
@inline const RCODE_BADVERS: u32 = 16; // RFC 6891 §6.1.3: extended, upper 8 bits in the OPT
// @ts-ignore: decorator
@inline const HEADER_BYTES: u32 = 12;
// @ts-ignore: decorator
@inline const OPT_BYTES: u32 = 11;
// @ts-ignore: decorator
@inline const MAX_JUMPS: u32 = 127;
// @ts-ignore: decorator
@inline const FLAG_QR: u32 = 0x8000;
// @ts-ignore: decorator
@inline const FLAG_AA: u32 = 0x0400;
// @ts-ignore: decorator
@inline const FLAG_TC: u32 = 0x0200;
// @ts-ignore: decorator
@inline const FLAG_RD: u32 = 0x0100;

// Scratch: the question name as received (pointers expanded) and folded, label offsets,
// a second name for RDATA targets, the compression dictionary, the CNAME chain.
const qOriginal: usize = memory.data(256 + DNS_WORD_PAD, 8);
const qLower: usize = memory.data(256 + DNS_WORD_PAD, 8);
const qLabels: usize = memory.data(128, 8);
const tLower: usize = memory.data(256 + DNS_WORD_PAD, 8);
const tLabels: usize = memory.data(128, 8);
const dict: usize = memory.data(DNS_DICT_ENTRIES * DICT_ENTRY_BYTES, 8);
const visited: usize = memory.data((DNS_MAX_CNAME_LINKS + 1) * 4, 8);
const nLabels: usize = memory.data(128, 8);

// The message being answered, and its ID (as stored: network order).
let msg: usize = 0;
let msgLength: u32 = 0;
let queryId: u16 = 0;
// The response being written: base, write offset, size limit (OPT excluded).
let out: usize = 0;
let pos: u32 = 0;
let cap: u32 = 0;
let anCount: u32 = 0;
let nsCount: u32 = 0;
let arCount: u32 = 0;
let truncated: bool = false;
/** Dictionary entries written in this response (the question's suffixes are implicit). */
let dictCount: u32 = 0;
/** Offset of the last name written by `writeName` (its first label, or where it points). */
let nameAt: u32 = 0;
// The question.
let qLength: u32 = 0;
let qLabelCount: u32 = 0;
let qType: u32 = 0;
let qZone: i32 = -1;
let qZoneLength: u32 = 0;
// parseName results.
let parsedLength: u32 = 0;
let parsedLabels: u32 = 0;
// EDNS0 (RFC 6891 §6.1.2).
let hasOpt: bool = false;
let udpSize: u32 = 0;
let ednsVersion: u32 = 0;
let doBit: u32 = 0;
/** Answer epoch of glue stamps (name records), so each glue target goes in once. */
let glueEpoch: u32 = 0;
/** podAddress result. */
let podIp: u32 = 0;

// @ts-ignore: decorator
@inline function byteAt(p: u32): u32 {
  assert(p < msgLength, "DNS read past the message");
  return <u32>load<u8>(msg + p);
}

// @ts-ignore: decorator
@inline function be16At(p: u32): u32 {
  assert(p + 2 <= msgLength, "DNS read past the message");
  return <u32>bswap<u16>(load<u16>(msg + p));
}

// @ts-ignore: decorator
@inline function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

// @ts-ignore: decorator
@inline function putBe16(p: usize, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}

/**
 * Parses the name at `start` (RFC 1035 §4.1.4). A pointer must point before the first
 * byte of the run of labels that holds it, so each jump moves strictly backwards and no
 * loop is possible; jumps are also capped. Labels over 63 bytes, the reserved label types
 * 0x40/0x80, and names over 255 bytes are errors. With `copy`, the expanded name goes to
 * qOriginal and its label offsets to qLabels. Returns the offset after the name, or -1.
 */
function parseName(start: u32, copy: bool): i32 {
  const length = msgLength;
  let cur = start;
  let run = start;
  let expanded: u32 = 0;
  let after: i32 = -1;
  let jumps: u32 = 0;
  let labels: u32 = 0;
  while (true) {
    if (cur >= length) return -1;
    const b = byteAt(cur);
    if (b == 0) {
      if (copy) copyBytes(qOriginal + expanded, msg + run, cur - run + 1);
      parsedLength = expanded + (cur - run) + 1;
      parsedLabels = labels;
      return after < 0 ? <i32>(cur + 1) : after;
    }
    if (b < 0x40) {
      const offset = expanded + (cur - run);
      if (offset + b + 2 > 255) return -1; // the label and at least the root byte
      if (copy) store<u8>(qLabels + labels, <u8>offset);
      labels++;
      cur += 1 + b;
      continue;
    }
    if (b < 0xc0 || cur + 1 >= length) return -1;
    const target = ((b & 0x3f) << 8) | byteAt(cur + 1);
    if (target >= run || ++jumps > MAX_JUMPS) return -1;
    if (copy) copyBytes(qOriginal + expanded, msg + run, cur - run);
    expanded += cur - run;
    if (after < 0) after = <i32>(cur + 2);
    cur = target;
    run = target;
  }
}

/**
 * Skips one resource record (RFC 1035 §4.1.3) of the answer, authority or additional
 * section, checking that it lies inside the message; reads the OPT record (RFC 6891
 * §6.1.1: only in the additional section, at most one, owner the root, options whole).
 */
function parseRecord(start: u32, additional: bool): i32 {
  const named = parseName(start, false);
  if (named < 0) return -1;
  const p = <u32>named;
  if (p + 10 > msgLength) return -1;
  const type = be16At(p);
  const end = p + 10 + be16At(p + 8);
  if (end > msgLength) return -1;
  if (type == TYPE_OPT) {
    if (!additional || hasOpt || p != start + 1) return -1;
    let o = p + 10;
    while (o < end) {
      if (o + 4 > end) return -1;
      o += 4 + be16At(o + 2);
    }
    if (o != end) return -1;
    hasOpt = true;
    udpSize = be16At(p + 2);
    ednsVersion = byteAt(p + 5);
    doBit = byteAt(p + 6) & 0x80;
  }
  return <i32>end;
}

function headerOnly(opcode: u32, rd: u32, rcode: u32): i32 {
  const o = out;
  store<u16>(o, queryId);
  putBe16(o + 2, FLAG_QR | (opcode << 11) | rd | rcode);
  store<u64>(o + 4, 0);
  return HEADER_BYTES;
}

/**
 * Answers the query (m, length) into (o, room). Returns the response length, DNS_DROP,
 * DNS_FORWARD, or DNS_NO_SPACE when `room` is below the response's limit + slack.
 */
export function answerQuery(m: usize, length: u32, transport: u32, o: usize, room: u32): i32 {
  if (length < HEADER_BYTES) return DNS_DROP;
  msg = m;
  msgLength = length;
  const flags = be16At(2);
  if ((flags & FLAG_QR) != 0) return DNS_DROP;
  if (room < HEADER_BYTES) return DNS_NO_SPACE;
  queryId = load<u16>(m);
  out = o;
  const opcode = (flags >> 11) & 0xf;
  const rd = flags & FLAG_RD;
  if (opcode != 0) return headerOnly(opcode, rd, RCODE_NOTIMP);
  if (be16At(4) != 1) return headerOnly(0, rd, RCODE_FORMERR);
  const named = parseName(HEADER_BYTES, true);
  if (named < 0) return headerOnly(0, rd, RCODE_FORMERR);
  let p = <u32>named;
  qLength = parsedLength;
  qLabelCount = parsedLabels;
  if (p + 4 > length) return headerOnly(0, rd, RCODE_FORMERR);
  qType = be16At(p);
  const qClass = be16At(p + 2);
  p += 4;
  hasOpt = false;
  udpSize = 0;
  ednsVersion = 0;
  doBit = 0;
  const skipped = be16At(6) + be16At(8);
  for (let i: u32 = 0; i < skipped; i++) {
    const next = parseRecord(p, false);
    if (next < 0) return headerOnly(0, rd, RCODE_FORMERR);
    p = <u32>next;
  }
  const additional = be16At(10);
  for (let i: u32 = 0; i < additional; i++) {
    const next = parseRecord(p, true);
    if (next < 0) return headerOnly(0, rd, RCODE_FORMERR);
    p = <u32>next;
  }
  // Bytes after the last record are ignored. Nothing below reads the message again.

  lowerCopy(qLower, qOriginal, qLength);
  qZone = qClass == CLASS_IN ? zoneOf(qLower, qLength, qLabels, qLabelCount) : -1;
  if (qZone < 0 && forwardOutOfZone && ednsVersion == 0) return DNS_FORWARD;

  // RFC 6891 §6.2.5: max(512, advertised) over UDP.
  let limit: u32 = 512;
  if (transport == DNS_TCP) limit = DNS_MAX_MESSAGE;
  else if (hasOpt && udpSize > 512) limit = udpSize;
  if (room < limit + DNS_OUT_SLACK) return DNS_NO_SPACE;
  cap = limit - (hasOpt ? OPT_BYTES : 0);

  // Header (counts and flags at the end), then the question as received.
  pos = HEADER_BYTES;
  copyBytes(o + pos, qOriginal, qLength);
  pos += qLength;
  putBe16(o + pos, qType);
  putBe16(o + pos + 2, qClass);
  pos += 4;
  anCount = 0;
  nsCount = 0;
  arCount = 0;
  truncated = false;
  dictCount = 0;

  if (ednsVersion != 0) return finish(rd, RCODE_BADVERS, false);
  if (qZone < 0 || qType == TYPE_AXFR || qType == TYPE_IXFR) return finish(rd, RCODE_REFUSED, false);
  qZoneLength = load<u32>(zoneAt(<u32>qZone), ZONE_LENGTH);
  return finish(rd, resolve(), true);
}

function finish(rd: u32, rcode: u32, authoritative: bool): i32 {
  const o = out;
  if (hasOpt) {
    // RFC 6891 §6.1.2: root owner, class = our UDP size, TTL = extended RCODE, version 0,
    // DO (copied, RFC 3225 §3), Z; no options.
    const w = o + pos;
    store<u8>(w, 0);
    putBe16(w + 1, TYPE_OPT);
    putBe16(w + 3, DNS_EDNS_UDP_SIZE);
    store<u8>(w + 5, <u8>(rcode >> 4));
    store<u8>(w + 6, 0);
    store<u8>(w + 7, <u8>doBit);
    store<u8>(w + 8, 0);
    putBe16(w + 9, 0);
    pos += OPT_BYTES;
    arCount++;
  }
  store<u16>(o, queryId);
  putBe16(o + 2, FLAG_QR | (authoritative ? FLAG_AA : 0) | (truncated ? FLAG_TC : 0) | rd | (rcode & 0xf));
  putBe16(o + 4, 1);
  putBe16(o + 6, anCount);
  putBe16(o + 8, nsCount);
  putBe16(o + 10, arCount);
  return <i32>pos;
}

// ---------------------------------------------------------------------------------------
// Resolution inside a zone

/** Looks the question up; writes the answer, authority and additional records; returns the RCODE. */
function resolve(): u32 {
  const zlen = qZoneLength;
  // CoreDNS answers SOA only at the apex; below it, NODATA whether the name exists or not.
  if (qType == TYPE_SOA && qLength > zlen) return negative(RCODE_NOERROR, qZone);
  const record = findName(qLower, qLength, nameHash(qLower, qLength));
  if (record == 0) {
    if (podsMode == DNS_PODS_INSECURE && qZone == clusterZone && podAddress(qLower, qLength, qLabels, qLabelCount, zlen)) {
      if (qType != TYPE_A) return negative(RCODE_NOERROR, qZone);
      writePodA(HEADER_BYTES);
      return RCODE_NOERROR;
    }
    return negative(RCODE_NXDOMAIN, qZone);
  }
  const r = at(record);
  const set = findRRset(r, qType);
  if (set != 0) {
    answerSet(set, HEADER_BYTES);
    return RCODE_NOERROR;
  }
  if (qType != TYPE_CNAME) {
    const cname = findRRset(r, TYPE_CNAME);
    if (cname != 0) return chase(record, cname);
  }
  return negative(RCODE_NOERROR, qZone);
}

/** Writes an answer RRset owned by the name at `owner`, then its glue. */
function answerSet(set: usize, owner: u32): void {
  const start = pos;
  const written = writeSet(set, <i32>owner, 0, 0);
  if (written == 0) return;
  anCount += written;
  const type = <u32>load<u16>(set, RRSET_TYPE);
  if (type == TYPE_SRV || type == TYPE_NS || type == TYPE_MX) addGlue(set, start, type);
}

/** RFC 2308 §2.1/§2.2: a negative answer carries the zone's SOA in the authority section. */
function negative(rcode: u32, zone: i32): u32 {
  const z = zoneAt(<u32>zone);
  const set = load<u32>(z, ZONE_SOA);
  if (set == 0) return rcode;
  const soa = at(set);
  if (zone == qZone && dictCount == 0 && load<u8>(z, ZONE_SOA_SHAPED) != 0 && !nearQuestion(z)) {
    writeShapedSoa(z, soa);
  } else {
    nsCount += writeSet(soa, -1, z + ZONE_NAME, load<u32>(z, ZONE_LENGTH));
  }
  return rcode;
}

/**
 * Whether the question's label above its zone may equal the SOA's MNAME or RNAME label
 * above the zone (layout.ts, "Zone entry"); bytes only, so a false alarm just takes the
 * general writer.
 */
function nearQuestion(z: usize): bool {
  const above = qLength - qZoneLength; // question bytes before the zone suffix
  if (above == 0) return false;
  const soa = at(load<u32>(z, ZONE_SOA)) + RRSET_HEADER_BYTES + RR_FIXED_BYTES;
  const mlast = <u32>load<u8>(z, ZONE_SOA_MLAST);
  const rlast = <u32>load<u8>(z, ZONE_SOA_RLAST);
  const mprefix = <u32>load<u8>(z, ZONE_SOA_MPREFIX);
  if (mlast != 0xff) {
    const label = mprefix - mlast; // length byte + bytes
    if (label <= above && sameName(soa + mlast, qLower + above - label, label)) return true;
  }
  if (rlast != 0xff) {
    const rname = soa + mprefix + qZoneLength;
    const label = <u32>load<u8>(z, ZONE_SOA_RPREFIX) - rlast;
    if (label <= above && sameName(rname + rlast, qLower + above - label, label)) return true;
  }
  return false;
}

/** The SOA as compression writes it when only the question's zone suffix is shared. */
function writeShapedSoa(z: usize, soa: usize): void {
  if (truncated) return;
  const mprefix = <u32>load<u8>(z, ZONE_SOA_MPREFIX);
  const rprefix = <u32>load<u8>(z, ZONE_SOA_RPREFIX);
  const zlen = qZoneLength;
  const rdlength = mprefix + 2 + rprefix + 2 + 20;
  if (pos + RR_FIXED_BYTES + rdlength > cap) {
    truncated = true;
    return;
  }
  const pointer = 0xc000 | (HEADER_BYTES + qLength - zlen);
  const rec = soa + RRSET_HEADER_BYTES;
  const mname = rec + RR_FIXED_BYTES;
  const rname = mname + mprefix + zlen;
  let w = out + pos;
  putBe16(w, pointer);
  store<u64>(w + 2, load<u64>(rec + 2)); // type, class, ttl
  putBe16(w + 10, rdlength);
  w += RR_FIXED_BYTES;
  copyBytes(w, mname, mprefix);
  putBe16(w + mprefix, pointer);
  w += mprefix + 2;
  copyBytes(w, rname, rprefix);
  putBe16(w + rprefix, pointer);
  copyBytes(w + rprefix + 2, rname + rprefix + zlen, 20);
  pos += RR_FIXED_BYTES + rdlength;
  nsCount++;
}

/**
 * Follows the CNAME at the question name (RFC 1034 §4.3.2 step 3a) while targets stay in
 * the served zones, at most DNS_MAX_CNAME_LINKS links, never revisiting a name. A chain
 * that ends at a missing name is NXDOMAIN, one that ends at a name without the type is
 * NODATA (RFC 2308 §2.1, §2.2, RFC 6604 §3: the RCODE is the last name's), both with the
 * last zone's SOA; except AAAA, where CoreDNS drops the chain and answers NODATA.
 */
function chase(record: u32, cname: usize): u32 {
  const startPos = pos;
  const startDict = dictCount;
  let owner: u32 = HEADER_BYTES;
  let set = cname;
  store<u32>(visited, record);
  let seen: u32 = 1;
  let rcode = RCODE_NOERROR;
  let zone: i32 = qZone;
  while (true) {
    const written = writeSet(set, <i32>owner, 0, 0);
    if (written == 0) return RCODE_NOERROR; // truncated
    anCount += written;
    owner = nameAt;
    const target = set + RRSET_HEADER_BYTES + RR_FIXED_BYTES;
    const tlen = be16(set + RRSET_HEADER_BYTES + 10);
    lowerCopy(tLower, target, tlen);
    const tcount = labelOffsets(tLower, tLabels);
    zone = zoneOf(tLower, tlen, tLabels, tcount);
    if (zone < 0) return RCODE_NOERROR; // out of zone: the resolver follows it
    const next = findName(tLower, tlen, nameHash(tLower, tlen));
    if (next == 0) {
      const zlen = load<u32>(zoneAt(<u32>zone), ZONE_LENGTH);
      if (podsMode == DNS_PODS_INSECURE && zone == clusterZone && podAddress(tLower, tlen, tLabels, tcount, zlen)) {
        if (qType == TYPE_A) {
          writePodA(owner);
          return RCODE_NOERROR;
        }
      } else {
        rcode = RCODE_NXDOMAIN;
      }
      break;
    }
    const n = at(next);
    const data = findRRset(n, qType);
    if (data != 0) {
      answerSet(data, owner);
      return RCODE_NOERROR;
    }
    let loop = false;
    for (let i: u32 = 0; i < seen; i++) loop = loop || load<u32>(visited + (i << 2)) == next;
    if (loop || seen >= DNS_MAX_CNAME_LINKS) break;
    const more = findRRset(n, TYPE_CNAME);
    if (more == 0) break;
    store<u32>(visited + (seen << 2), next);
    seen++;
    set = more;
  }
  if (qType == TYPE_AAAA) {
    pos = startPos;
    dictCount = startDict;
    anCount = 0;
    return negative(RCODE_NOERROR, qZone);
  }
  return negative(rcode, zone);
}

/**
 * CoreDNS `pods insecure`: the name is `a-b-c-d.<ns>.pod.<zone>` (four decimal octets,
 * no leading zeros) and `<ns>.pod.<zone>` exists. Sets podIp.
 */
function podAddress(p: usize, n: u32, labels: usize, count: u32, zlen: u32): bool {
  // Exactly three labels above the zone, the third `pod`.
  if (zlen == 1 ? count != 3 : count < 4 || <u32>load<u8>(labels + 3) != n - zlen) return false;
  const l1 = <u32>load<u8>(labels + 1);
  const l2 = <u32>load<u8>(labels + 2);
  if (load<u32>(p + l2) != 0x646f_7003) return false; // 03 'p' 'o' 'd'
  // a-b-c-d
  const first = <u32>load<u8>(p);
  let value: u32 = 0;
  let octet: u32 = 0;
  let digits: u32 = 0;
  let groups: u32 = 0;
  for (let i: u32 = 1; i <= first; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 0x2d) {
      if (digits == 0 || groups == 3) return false;
      value = (value << 8) | octet;
      groups++;
      octet = 0;
      digits = 0;
    } else if (c - 0x30 < 10) {
      if (digits != 0 && octet == 0) return false; // leading zero
      octet = octet * 10 + (c - 0x30);
      digits++;
      if (octet > 255) return false;
    } else {
      return false;
    }
  }
  if (groups != 3 || digits == 0) return false;
  if (findName(p + l1, n - l1, nameHash(p + l1, n - l1)) == 0) return false;
  podIp = (value << 8) | octet;
  return true;
}

/** The A record of a synthesized pod name; TTL = the cluster zone SOA's MINIMUM (CoreDNS sets both to its ttl). */
function writePodA(owner: u32): void {
  if (pos + 16 > cap) {
    truncated = true;
    return;
  }
  let ttl = DNS_POD_DEFAULT_TTL;
  const z = zoneAt(<u32>clusterZone);
  const apex = findName(z + ZONE_NAME, load<u32>(z, ZONE_LENGTH), load<u32>(z, ZONE_HASH));
  if (apex != 0) {
    const soa = findRRset(at(apex), TYPE_SOA);
    if (soa != 0) {
      const rec = soa + RRSET_HEADER_BYTES;
      ttl = bswap<u32>(load<u32>(rec + RR_FIXED_BYTES + be16(rec + 10) - 4));
    }
  }
  const w = out + pos;
  putBe16(w, 0xc000 | owner);
  putBe16(w + 2, TYPE_A);
  putBe16(w + 4, CLASS_IN);
  store<u32>(w + 6, bswap<u32>(ttl));
  putBe16(w + 10, 4);
  store<u32>(w + 12, bswap<u32>(podIp));
  pos += 16;
  anCount++;
}

// ---------------------------------------------------------------------------------------
// Writing records

/**
 * Writes a whole RRset (RFC 2181 §5: never part of one) owned by the name at message
 * offset `owner`, or, when owner < 0, by the name (ownerName, ownerLength) compressed.
 * Returns the records written, or 0 when the RRset does not fit: the response is then cut
 * here (everything written from this RRset on is rolled back) and TC set.
 */
function writeSet(set: usize, owner: i32, ownerName: usize, ownerLength: u32): u32 {
  if (truncated) return 0;
  const type = <u32>load<u16>(set, RRSET_TYPE);
  const count = <u32>load<u16>(set, RRSET_COUNT);
  const bytes = load<u32>(set, RRSET_BYTES);
  const kind = rdataKind(type);
  let rec = set + RRSET_HEADER_BYTES;
  const o = out;
  const start = pos;
  if ((kind == RDATA_OPAQUE || kind == RDATA_SRV) && owner >= 0) {
    // The stored image is the wire form: one copy, then owner pointers if not the
    // question, and the zone case of SRV targets.
    if (start + bytes > cap) return cut(start, dictCount);
    copyBytes(o + start, rec, bytes);
    if (owner != <i32>HEADER_BYTES || (kind == RDATA_SRV && qZoneLength > 1)) {
      const pointer = bswap<u16>(<u16>(0xc000 | owner));
      let w = o + start;
      const end = w + bytes;
      while (w < end) {
        store<u16>(w, pointer);
        const rdlength = be16(w + 10);
        if (kind == RDATA_SRV) zoneCase(w + RR_FIXED_BYTES + 6, rdlength - 6);
        w += RR_FIXED_BYTES + rdlength;
      }
    }
    pos = start + bytes;
    return count;
  }
  const startDict = dictCount;
  const end = rec + bytes;
  while (rec < end) {
    const rdlength = be16(rec + 10);
    if (owner >= 0) {
      putBe16(o + pos, 0xc000 | <u32>owner);
      pos += 2;
    } else {
      writeName(ownerName, ownerLength);
    }
    store<u64>(o + pos, load<u64>(rec + 2)); // type, class, ttl
    pos += 8;
    const rdata = rec + RR_FIXED_BYTES;
    if (kind == RDATA_OPAQUE || kind == RDATA_SRV) {
      if (pos + 2 + rdlength > cap) return cut(start, startDict);
      copyBytes(o + pos, rec + 10, 2 + rdlength);
      if (kind == RDATA_SRV) zoneCase(o + pos + 2 + 6, rdlength - 6);
      pos += 2 + rdlength;
    } else {
      const lengthAt = pos;
      pos += 2;
      if (kind == RDATA_NAME) {
        writeName(rdata, rdlength);
      } else if (kind == RDATA_MX) {
        store<u16>(o + pos, load<u16>(rdata));
        pos += 2;
        writeName(rdata + 2, rdlength - 2);
      } else {
        const m = storedNameLength(rdata);
        writeName(rdata, m);
        const r = storedNameLength(rdata + m);
        writeName(rdata + m, r);
        copyBytes(o + pos, rdata + m + r, 20);
        pos += 20;
      }
      putBe16(o + lengthAt, pos - lengthAt - 2);
      // At most one record past the limit, within DNS_OUT_SLACK.
      if (pos > cap) return cut(start, startDict);
    }
    rec = rdata + rdlength;
  }
  return count;
}

function cut(start: u32, startDict: u32): u32 {
  pos = start;
  dictCount = startDict;
  truncated = true;
  return 0;
}

/** SRV target at `target` (in the response): the question's zone suffix takes its case. */
function zoneCase(target: usize, length: u32): void {
  const zlen = qZoneLength;
  if (zlen <= 1 || length < zlen) return;
  const start = length - zlen;
  let o: u32 = 0;
  while (o < start) o += 1 + <u32>load<u8>(target + o);
  if (o != start) return;
  const suffix = qLength - zlen;
  if (sameName(target + start, qLower + suffix, zlen)) copyBytes(target + start, qOriginal + suffix, zlen);
}

/**
 * Writes the uncompressed well-formed name (p, n) with compression; sets nameAt.
 * The question's suffixes are the earliest entries of the dictionary, so they are not
 * stored: the longest label-aligned suffix the name shares with the question is found by
 * comparing labels from the right, and only suffixes longer than that are looked up among
 * the entries written since.
 */
function writeName(p: usize, n: u32): void {
  const o = out;
  const count = labelOffsets(p, nLabels);
  let i = <i32>count - 1;
  let j = <i32>qLabelCount - 1;
  while (i >= 0 && j >= 0) {
    const a = <u32>load<u8>(nLabels + i);
    const b = <u32>load<u8>(qLabels + j);
    const length = <u32>load<u8>(p + a);
    if (length != <u32>load<u8>(qLower + b) || !sameName(p + a + 1, qLower + b + 1, length)) break;
    i--;
    j--;
  }
  const shared = <u32>(i + 1); // labels shared.. are the question's labels j + 1..
  const entries = dictCount;
  for (let t: u32 = 0; t < count; t++) {
    const at = <u32>load<u8>(nLabels + t);
    let found: i32 = -1;
    if (t >= shared) {
      found = <i32>(HEADER_BYTES + <u32>load<u8>(qLabels + (<u32>(j + 1) + t - shared)));
    } else {
      const rest = n - at;
      for (let e: u32 = 0; e < entries; e++) {
        const d = dict + <usize>e * DICT_ENTRY_BYTES;
        if (<u32>load<u16>(d, DICT_LENGTH) == rest && sameName(load<u32>(d, DICT_SOURCE), p + at, rest)) {
          found = <i32>load<u16>(d, DICT_OFFSET);
          break;
        }
      }
    }
    if (found >= 0) {
      if (t == 0) nameAt = <u32>found;
      putBe16(o + pos, 0xc000 | <u32>found);
      pos += 2;
      return;
    }
    if (t == 0) nameAt = pos;
    if (pos < 0x4000 && dictCount < DNS_DICT_ENTRIES) {
      const d = dict + <usize>dictCount * DICT_ENTRY_BYTES;
      store<u16>(d, <u16>pos, DICT_OFFSET);
      store<u16>(d, <u16>(n - at), DICT_LENGTH);
      store<u32>(d, p + at, DICT_SOURCE);
      dictCount++;
    }
    const label = 1 + <u32>load<u8>(p + at);
    copyBytes(o + pos, p + at, label);
    pos += label;
  }
  if (count == 0) nameAt = pos;
  store<u8>(o + pos, 0);
  pos++;
}

/**
 * Additional-section glue (RFC 1035 §3.3.9, §3.3.11, RFC 2782): the A and AAAA RRsets of
 * each SRV/NS/MX target held in the table, each target once, in record order. `start` is
 * where the answer RRset's records begin in the response (their owners are pointers).
 */
function addGlue(set: usize, start: u32, type: u32): void {
  if (truncated) return;
  glueEpoch++;
  if (glueEpoch == 0) {
    clearGlueStamps();
    glueEpoch = 1;
  }
  const skip: u32 = type == TYPE_SRV ? 6 : type == TYPE_MX ? 2 : 0;
  let rec = set + RRSET_HEADER_BYTES;
  const end = rec + load<u32>(set, RRSET_BYTES);
  let w = start;
  while (rec < end) {
    const rdlength = be16(rec + 10);
    const name = rec + RR_FIXED_BYTES + skip;
    const n = rdlength - skip;
    const targetAt = w + RR_FIXED_BYTES + skip;
    lowerCopy(tLower, name, n);
    const target = findName(tLower, n, nameHash(tLower, n));
    if (target != 0) {
      const t = at(target);
      if (load<u32>(t, NAME_GLUE_STAMP) != glueEpoch) {
        store<u32>(t, glueEpoch, NAME_GLUE_STAMP);
        const owner: i32 = targetAt < 0x4000 ? <i32>targetAt : -1;
        const a = findRRset(t, TYPE_A);
        if (a != 0) arCount += writeSet(a, owner, name, n);
        const aaaa = findRRset(t, TYPE_AAAA);
        if (aaaa != 0) arCount += writeSet(aaaa, owner, name, n);
        if (truncated) return;
      }
    }
    rec += RR_FIXED_BYTES + rdlength;
    w += RR_FIXED_BYTES + be16(out + w + 10);
  }
}
