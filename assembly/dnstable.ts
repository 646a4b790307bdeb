// The DNS name table: lower-case wire names → name records → RRset blocks, the zone list,
// and the control calls that change them. Layouts: layout.ts ("DNS half").
// Control calls read their arguments from the staging buffer, check every length and
// RDATA shape, and leave the tables unchanged when they return anything but ST_OK
// (ST_BAD_ARGUMENT for bad input, ST_NO_MEMORY when the heap or the slots hit their limit).

import {
  NAME_SLOT_SHIFT, NAME_SLOT_BYTES, NAME_SLOT_HASH, NAME_SLOT_RECORD, NAME_INITIAL_SLOTS,
  NAME_MAX_SLOTS, NAME_FIRST_RRSET, NAME_GLUE_STAMP, NAME_LENGTH, NAME_FLAGS, NAME_BYTES,
  NAME_F_DECLARED, RRSET_NEXT, RRSET_TYPE, RRSET_COUNT, RRSET_BYTES, RRSET_TTL,
  RRSET_HEADER_BYTES, RR_FIXED_BYTES, RRSET_MAX_BYTES, RRSET_MAX_COUNT, ZONE_BYTES,
  ZONE_LENGTH, ZONE_HASH, ZONE_NAME, ZONE_SOA, ZONE_SOA_MPREFIX, ZONE_SOA_RPREFIX,
  ZONE_SOA_MLAST, ZONE_SOA_RLAST, ZONE_SOA_SHAPED, DNS_MAX_ZONES, DNS_WORD_PAD, STAGING_INITIAL_BYTES,
  STAGING_MAX_BYTES, DNS_PODS_VERIFIED, DNS_MAX_NAME,
} from "./layout";
import { ST_OK, ST_BAD_ARGUMENT, ST_BATCH_TOO_LARGE, ST_NO_MEMORY } from "./status";
import {
  nameHash, sameBytes, sameName, checkedNameLength, storedNameLength, lowerInPlace,
} from "./dnsname";
import { dnsHeapBase, heapAlloc, heapFree, heapCanHold, initHeap, heapBytes } from "./dnsheap";

// @ts-ignore: decorator
@inline export const TYPE_A: u32 = 1;
// @ts-ignore: decorator
@inline export const TYPE_NS: u32 = 2;
// @ts-ignore: decorator
@inline export const TYPE_CNAME: u32 = 5;
// @ts-ignore: decorator
@inline export const TYPE_SOA: u32 = 6;
// @ts-ignore: decorator
@inline export const TYPE_PTR: u32 = 12;
// @ts-ignore: decorator
@inline export const TYPE_MX: u32 = 15;
// @ts-ignore: decorator
@inline export const TYPE_AAAA: u32 = 28;
// @ts-ignore: decorator
@inline export const TYPE_SRV: u32 = 33;
// @ts-ignore: decorator
@inline export const TYPE_OPT: u32 = 41;
// @ts-ignore: decorator
@inline export const TYPE_IXFR: u32 = 251;
// @ts-ignore: decorator
@inline export const TYPE_AXFR: u32 = 252;
// @ts-ignore: decorator
@inline export const CLASS_IN: u32 = 1;

/** How the kernel writes a type's RDATA (RFC 3597 §4: only RFC 1035 types are compressed). */
// @ts-ignore: decorator
@inline export const RDATA_OPAQUE: u32 = 0;
// @ts-ignore: decorator
@inline export const RDATA_NAME: u32 = 1; // CNAME, NS, PTR: one name
// @ts-ignore: decorator
@inline export const RDATA_MX: u32 = 2; // preference, name
// @ts-ignore: decorator
@inline export const RDATA_SOA: u32 = 3; // mname, rname, five u32
// @ts-ignore: decorator
@inline export const RDATA_SRV: u32 = 4; // priority, weight, port, target (never compressed)

// @ts-ignore: decorator
@inline export function rdataKind(type: u32): u32 {
  if (type == TYPE_CNAME || type == TYPE_NS || type == TYPE_PTR) return RDATA_NAME;
  if (type == TYPE_MX) return RDATA_MX;
  if (type == TYPE_SOA) return RDATA_SOA;
  if (type == TYPE_SRV) return RDATA_SRV;
  return RDATA_OPAQUE;
}

/** Base of the name slots. */
export let nameSlotBase: usize = 0;
/** Slot count minus one (a power of two minus one). */
export let nameSlotMask: u32 = 0;
/** Names held (each exists: it has an RRset or was declared). */
export let nameCount: u32 = 0;

export let stagingBase: usize = 0;
export let stagingCapacity: u32 = 0;

/** Zone table, sorted longest name first. */
export const zoneTable: usize = memory.data(DNS_MAX_ZONES * ZONE_BYTES, 8);
export let zoneCount: u32 = 0;
/** Index in zoneTable of the cluster domain (the first zone configured), -1 when none. */
export let clusterZone: i32 = -1;
export let podsMode: u32 = 0;
export let forwardOutOfZone: bool = false;

export let dnsReady: bool = false;

export function setReady(): void {
  dnsReady = true;
}

// @ts-ignore: decorator
@inline export function zoneAt(index: u32): usize {
  return zoneTable + <usize>index * ZONE_BYTES;
}

// @ts-ignore: decorator
@inline function slotAt(base: usize, slot: u32): usize {
  return base + (<usize>slot << NAME_SLOT_SHIFT);
}

/** Address of a heap offset (valid until the next allocation). */
// @ts-ignore: decorator
@inline export function at(offset: u32): usize {
  return dnsHeapBase + offset;
}

export function initTable(): void {
  initHeap();
  nameSlotBase = allocSlots(NAME_INITIAL_SLOTS);
  nameSlotMask = NAME_INITIAL_SLOTS - 1;
  nameCount = 0;
  stagingCapacity = STAGING_INITIAL_BYTES;
  stagingBase = heap.alloc(<usize>stagingCapacity + DNS_WORD_PAD);
  zoneCount = 0;
  clusterZone = -1;
  podsMode = 0;
  forwardOutOfZone = false;
}

function allocSlots(slots: u32): usize {
  const bytes = <usize>slots << NAME_SLOT_SHIFT;
  const base = heap.alloc(bytes);
  memory.fill(base, 0, bytes);
  return base;
}

export function reserveStaging(bytes: u32): i32 {
  if (bytes <= stagingCapacity) return ST_OK;
  if (bytes > STAGING_MAX_BYTES) return ST_BATCH_TOO_LARGE;
  let capacity = stagingCapacity;
  while (capacity < bytes) capacity <<= 1;
  heap.free(stagingBase);
  stagingBase = heap.alloc(<usize>capacity + DNS_WORD_PAD);
  stagingCapacity = capacity;
  return ST_OK;
}

// ---------------------------------------------------------------------------------------
// Lookup

/**
 * Heap offset of the record of the lower-case wire name (p, n) with hash `hash`, or 0.
 * The kernel's lookups go through here too: one probe run, hash first, then the bytes.
 */
export function findName(p: usize, n: u32, hash: u32): u32 {
  const base = nameSlotBase;
  const mask = nameSlotMask;
  const heapBase = dnsHeapBase;
  let slot = hash & mask;
  while (true) {
    const s = slotAt(base, slot);
    const record = load<u32>(s, NAME_SLOT_RECORD);
    if (record == 0) return 0;
    if (load<u32>(s, NAME_SLOT_HASH) == hash) {
      const r = heapBase + record;
      if (<u32>load<u8>(r, NAME_LENGTH) == n && sameBytes(r + NAME_BYTES, p, n)) return record;
    }
    slot = (slot + 1) & mask;
  }
}

/** Address of the name's RRset of `type`, or 0. */
// @ts-ignore: decorator
@inline export function findRRset(record: usize, type: u32): usize {
  const heapBase = dnsHeapBase;
  let set = load<u32>(record, NAME_FIRST_RRSET);
  while (set != 0) {
    const s = heapBase + set;
    if (<u32>load<u16>(s, RRSET_TYPE) == type) return s;
    set = load<u32>(s, RRSET_NEXT);
  }
  return 0;
}

/**
 * Index of the longest zone the lower-case name (p, n) ends with, -1 when none. `labels`
 * holds the offsets of the name's `labelCount` labels (dnsname.labelOffsets).
 */
export function zoneOf(p: usize, n: u32, labels: usize, labelCount: u32): i32 {
  for (let z: u32 = 0; z < zoneCount; z++) {
    const zone = zoneAt(z);
    const zlen = load<u32>(zone, ZONE_LENGTH);
    if (zlen > n) continue;
    const start = n - zlen;
    if (zlen > 1) {
      // The suffix must begin at a label: only label offsets (or the root) qualify.
      let boundary = false;
      for (let l: u32 = 0; l < labelCount; l++) {
        const o = <u32>load<u8>(labels + l);
        if (o >= start) {
          boundary = o == start;
          break;
        }
      }
      if (!boundary) continue;
    }
    if (sameBytes(p + start, zone + ZONE_NAME, zlen)) return <i32>z;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------
// Insertion and removal

function insertSlot(base: usize, mask: u32, hash: u32, record: u32): void {
  let slot = hash & mask;
  while (load<u32>(slotAt(base, slot), NAME_SLOT_RECORD) != 0) slot = (slot + 1) & mask;
  const s = slotAt(base, slot);
  store<u32>(s, hash, NAME_SLOT_HASH);
  store<u32>(s, record, NAME_SLOT_RECORD);
}

/** Doubles the slot array and re-inserts every name by its stored hash. */
function growSlots(): void {
  const oldBase = nameSlotBase;
  const oldSlots = nameSlotMask + 1;
  const slots = oldSlots << 1;
  const base = allocSlots(slots);
  const mask = slots - 1;
  for (let i: u32 = 0; i < oldSlots; i++) {
    const s = slotAt(oldBase, i);
    const record = load<u32>(s, NAME_SLOT_RECORD);
    if (record != 0) insertSlot(base, mask, load<u32>(s, NAME_SLOT_HASH), record);
  }
  heap.free(oldBase);
  nameSlotBase = base;
  nameSlotMask = mask;
}

/** Room for one more name and `extra` heap bytes, checked before anything changes. */
function canAddName(nameLength: u32, extra: u32): bool {
  if ((nameCount + 1) << 1 > nameSlotMask + 1 && (nameSlotMask + 1) << 1 > NAME_MAX_SLOTS) return false;
  return heapCanHold(NAME_BYTES + nameLength, extra);
}

/** Adds the name (p, n) (known absent); returns its record offset. */
function addName(p: usize, n: u32, hash: u32): u32 {
  if ((nameCount + 1) << 1 > nameSlotMask + 1) growSlots();
  const record = heapAlloc(NAME_BYTES + n);
  const r = at(record);
  store<u8>(r, <u8>n, NAME_LENGTH);
  memory.copy(r + NAME_BYTES, p, n);
  insertSlot(nameSlotBase, nameSlotMask, hash, record);
  nameCount++;
  assert(nameCount << 1 <= nameSlotMask + 1, "name table above half load");
  return record;
}

/** Removes a name by backward-shift deletion (Knuth, TAOCP vol. 3, 6.4, Algorithm R). */
function removeName(record: u32, hash: u32): void {
  const base = nameSlotBase;
  const mask = nameSlotMask;
  let hole = hash & mask;
  while (load<u32>(slotAt(base, hole), NAME_SLOT_RECORD) != record) hole = (hole + 1) & mask;
  let next = hole;
  while (true) {
    next = (next + 1) & mask;
    const s = slotAt(base, next);
    if (load<u32>(s, NAME_SLOT_RECORD) == 0) break;
    const home = load<u32>(s, NAME_SLOT_HASH) & mask;
    const stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (stays) continue;
    store<u64>(slotAt(base, hole), load<u64>(s));
    hole = next;
  }
  store<u64>(slotAt(base, hole), 0);
  heapFree(record, NAME_BYTES + <u32>load<u8>(at(record), NAME_LENGTH));
  assert(nameCount > 0, "name count underflow");
  nameCount--;
}

function dropIfEmpty(record: u32, hash: u32): void {
  const r = at(record);
  if (load<u32>(r, NAME_FIRST_RRSET) == 0 && (<u32>load<u8>(r, NAME_FLAGS) & NAME_F_DECLARED) == 0) {
    removeName(record, hash);
  }
}

// ---------------------------------------------------------------------------------------
// Control calls

/** Checks and lower-cases the owner name at the staging start; returns its hash via ownerHash. */
let ownerHash: u32 = 0;

function stagedOwner(nameLength: u32): bool {
  if (!dnsReady || nameLength == 0 || nameLength > DNS_MAX_NAME || nameLength > stagingCapacity) return false;
  if (checkedNameLength(stagingBase, nameLength) != nameLength) return false;
  lowerInPlace(stagingBase, nameLength);
  if (inZoneCount(stagingBase, nameLength) < 0) return false;
  ownerHash = nameHash(stagingBase, nameLength);
  return true;
}

/** Longest zone of a checked lower-case name in staging, or -1. */
function inZoneCount(p: usize, n: u32): i32 {
  const labels = memory.data(128);
  let count: u32 = 0;
  let o: u32 = 0;
  while (true) {
    const l = <u32>load<u8>(p + o);
    if (l == 0) break;
    store<u8>(labels + count, <u8>o);
    count++;
    o += 1 + l;
  }
  return zoneOf(p, n, labels, count);
}

/**
 * Checks the RDATA of one record against its type's shape (RFC 1035 §3.3, 3596, 2782):
 * fixed sizes exact, names uncompressed and well formed, nothing left over.
 */
function rdataFits(type: u32, p: usize, n: u32): bool {
  if (type == TYPE_A) return n == 4;
  if (type == TYPE_AAAA) return n == 16;
  const kind = rdataKind(type);
  if (kind == RDATA_NAME) return n > 0 && checkedNameLength(p, n) == n;
  if (kind == RDATA_MX) return n > 2 && checkedNameLength(p + 2, n - 2) == n - 2;
  if (kind == RDATA_SRV) return n > 6 && checkedNameLength(p + 6, n - 6) == n - 6;
  if (kind == RDATA_SOA) {
    const m = checkedNameLength(p, n);
    if (m == 0) return false;
    const r = checkedNameLength(p + m, n - m);
    return r != 0 && m + r + 20 == n;
  }
  return true;
}

/**
 * Replaces the RRset (owner, type) with `count` records read from staging after the owner
 * name (`bytes` of `rdlength BE, RDATA` pairs). count 0 removes the RRset.
 */
export function setRRset(nameLength: u32, type: u32, ttl: u32, count: u32, bytes: u32): i32 {
  if (!stagedOwner(nameLength)) return ST_BAD_ARGUMENT;
  if (type == 0 || type > 0xffff || type == TYPE_OPT || (type >= 249 && type <= 255)) return ST_BAD_ARGUMENT;
  if (ttl > 0x7fff_ffff) return ST_BAD_ARGUMENT; // RFC 2181 §8
  if (count > RRSET_MAX_COUNT || <u64>nameLength + bytes > <u64>stagingCapacity) return ST_BAD_ARGUMENT;
  if (type == TYPE_CNAME && count > 1) return ST_BAD_ARGUMENT; // RFC 2181 §10.1: one CNAME per name
  // Shape of the records and size of the wire image.
  const records = stagingBase + nameLength;
  let o: u32 = 0;
  let image: u64 = 0;
  for (let i: u32 = 0; i < count; i++) {
    if (o + 2 > bytes) return ST_BAD_ARGUMENT;
    const rdlength = <u32>bswap<u16>(load<u16>(records + o));
    if (o + 2 + rdlength > bytes || !rdataFits(type, records + o + 2, rdlength)) return ST_BAD_ARGUMENT;
    o += 2 + rdlength;
    image += RR_FIXED_BYTES + rdlength;
  }
  if (o != bytes || image > RRSET_MAX_BYTES) return ST_BAD_ARGUMENT;
  const imageBytes = <u32>image;

  const status = replaceRRset(nameLength, type, ttl, count, imageBytes);
  if (type == TYPE_SOA) refreshZoneSoa();
  return status;
}

function replaceRRset(nameLength: u32, type: u32, ttl: u32, count: u32, imageBytes: u32): i32 {
  const records = stagingBase + nameLength;
  const owner = stagingBase;
  let record = findName(owner, nameLength, ownerHash);
  if (count == 0) {
    if (record != 0) {
      unlinkRRset(record, type);
      dropIfEmpty(record, ownerHash);
    }
    return ST_OK;
  }
  if (record == 0) {
    if (!canAddName(nameLength, RRSET_HEADER_BYTES + imageBytes)) return ST_NO_MEMORY;
    record = addName(owner, nameLength, ownerHash);
  } else if (!heapCanHold(RRSET_HEADER_BYTES + imageBytes, 0)) {
    return ST_NO_MEMORY;
  }
  const set = heapAlloc(RRSET_HEADER_BYTES + imageBytes); // may move the heap
  const s = at(set);
  store<u16>(s, <u16>type, RRSET_TYPE);
  store<u16>(s, <u16>count, RRSET_COUNT);
  store<u32>(s, imageBytes, RRSET_BYTES);
  store<u32>(s, ttl, RRSET_TTL);
  let w = s + RRSET_HEADER_BYTES;
  let o: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const rdlength = <u32>bswap<u16>(load<u16>(records + o));
    store<u16>(w, bswap<u16>(0xc00c));
    store<u16>(w, bswap<u16>(<u16>type), 2);
    store<u16>(w, bswap<u16>(<u16>CLASS_IN), 4);
    store<u32>(w, bswap<u32>(ttl), 6);
    store<u16>(w, bswap<u16>(<u16>rdlength), 10);
    memory.copy(w + RR_FIXED_BYTES, records + o + 2, rdlength);
    w += RR_FIXED_BYTES + rdlength;
    o += 2 + rdlength;
  }
  // Link in place of the old RRset of this type, or at the end.
  const r = at(record);
  let link = r + NAME_FIRST_RRSET;
  let current = load<u32>(link);
  while (current != 0) {
    const c = at(current);
    if (<u32>load<u16>(c, RRSET_TYPE) == type) {
      store<u32>(s, load<u32>(c, RRSET_NEXT), RRSET_NEXT);
      store<u32>(link, set);
      heapFree(current, RRSET_HEADER_BYTES + load<u32>(c, RRSET_BYTES));
      return ST_OK;
    }
    link = c + RRSET_NEXT;
    current = load<u32>(link);
  }
  store<u32>(link, set);
  return ST_OK;
}

function unlinkRRset(record: u32, type: u32): void {
  let link = at(record) + NAME_FIRST_RRSET;
  let current = load<u32>(link);
  while (current != 0) {
    const c = at(current);
    if (<u32>load<u16>(c, RRSET_TYPE) == type) {
      store<u32>(link, load<u32>(c, RRSET_NEXT));
      heapFree(current, RRSET_HEADER_BYTES + load<u32>(c, RRSET_BYTES));
      return;
    }
    link = c + RRSET_NEXT;
    current = load<u32>(link);
  }
}

/** Declares (exists ≠ 0) or undeclares the name at the staging start. */
export function setExists(nameLength: u32, exists: u32): i32 {
  if (!stagedOwner(nameLength)) return ST_BAD_ARGUMENT;
  let record = findName(stagingBase, nameLength, ownerHash);
  if (exists != 0) {
    if (record == 0) {
      if (!canAddName(nameLength, 0)) return ST_NO_MEMORY;
      record = addName(stagingBase, nameLength, ownerHash);
    }
    const r = at(record);
    store<u8>(r, <u8>(<u32>load<u8>(r, NAME_FLAGS) | NAME_F_DECLARED), NAME_FLAGS);
  } else if (record != 0) {
    const r = at(record);
    store<u8>(r, <u8>(<u32>load<u8>(r, NAME_FLAGS) & ~NAME_F_DECLARED), NAME_FLAGS);
    dropIfEmpty(record, ownerHash);
  }
  return ST_OK;
}

/**
 * Sets the zones (`count` wire names back to back in staging, `bytes` in all; the first is
 * the cluster domain), the pods mode and forwarding. Names already stored stay.
 */
export function configure(count: u32, bytes: u32, mode: u32, forward: u32): i32 {
  if (!dnsReady || count == 0 || count > DNS_MAX_ZONES || bytes > stagingCapacity) return ST_BAD_ARGUMENT;
  if (mode > DNS_PODS_VERIFIED) return ST_BAD_ARGUMENT;
  let o: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const n = checkedNameLength(stagingBase + o, bytes - o);
    if (n == 0 || o + n > bytes) return ST_BAD_ARGUMENT;
    o += n;
  }
  if (o != bytes) return ST_BAD_ARGUMENT;
  lowerInPlace(stagingBase, bytes);
  // Insertion sort by length, longest first; equal lengths keep their order.
  memory.fill(zoneTable, 0, DNS_MAX_ZONES * ZONE_BYTES);
  zoneCount = 0;
  clusterZone = -1;
  o = 0;
  for (let i: u32 = 0; i < count; i++) {
    const p = stagingBase + o;
    const n = checkedNameLength(p, bytes - o);
    o += n;
    let slot = zoneCount;
    while (slot > 0 && load<u32>(zoneAt(slot - 1), ZONE_LENGTH) < n) {
      memory.copy(zoneAt(slot), zoneAt(slot - 1), ZONE_BYTES);
      if (clusterZone == <i32>(slot - 1)) clusterZone = <i32>slot;
      slot--;
    }
    const zone = zoneAt(slot);
    memory.fill(zone, 0, ZONE_BYTES);
    store<u32>(zone, n, ZONE_LENGTH);
    memory.copy(zone + ZONE_NAME, p, n);
    store<u32>(zone, nameHash(zone + ZONE_NAME, n), ZONE_HASH);
    if (i == 0) clusterZone = <i32>slot;
    zoneCount++;
  }
  podsMode = mode;
  forwardOutOfZone = forward != 0;
  refreshZoneSoa();
  return ST_OK;
}

/**
 * Re-derives every zone's SOA fields (layout.ts, "Zone entry") from the table. Control
 * path, after configure and after any SOA RRset changes.
 */
function refreshZoneSoa(): void {
  for (let z: u32 = 0; z < zoneCount; z++) {
    const zone = zoneAt(z);
    const zlen = load<u32>(zone, ZONE_LENGTH);
    store<u32>(zone, 0, ZONE_SOA);
    store<u8>(zone, 0, ZONE_SOA_SHAPED);
    const apex = findName(zone + ZONE_NAME, zlen, load<u32>(zone, ZONE_HASH));
    if (apex == 0) continue;
    const soa = findRRset(at(apex), TYPE_SOA);
    if (soa == 0) continue;
    store<u32>(zone, <u32>(soa - dnsHeapBase), ZONE_SOA);
    if (zlen <= 1 || <u32>load<u16>(soa, RRSET_COUNT) != 1) continue;
    const mname = soa + RRSET_HEADER_BYTES + RR_FIXED_BYTES;
    const mlen = storedNameLength(mname);
    const rname = mname + mlen;
    const rlen = storedNameLength(rname);
    const mlast = lastLabelBefore(mname, mlen, zone + ZONE_NAME, zlen);
    const rlast = lastLabelBefore(rname, rlen, zone + ZONE_NAME, zlen);
    if (mlast < 0 || rlast < 0) continue;
    if (mlast < 0xff && rlast < 0xff) {
      const m = mname + <u32>mlast;
      const r = rname + <u32>rlast;
      const length = <u32>load<u8>(m);
      if (length == <u32>load<u8>(r) && sameName(m + 1, r + 1, length)) continue;
    }
    store<u8>(zone, <u8>(mlen - zlen), ZONE_SOA_MPREFIX);
    store<u8>(zone, <u8>(rlen - zlen), ZONE_SOA_RPREFIX);
    store<u8>(zone, <u8>mlast, ZONE_SOA_MLAST);
    store<u8>(zone, <u8>rlast, ZONE_SOA_RLAST);
    store<u8>(zone, 1, ZONE_SOA_SHAPED);
  }
}

/**
 * For a name (p, n) ending in the zone (z, zlen): the offset of its last label before the
 * zone suffix, 0xff when the name is the apex, -1 when it is not in the zone.
 */
function lastLabelBefore(p: usize, n: u32, z: usize, zlen: u32): i32 {
  if (n < zlen || !sameName(p + n - zlen, z, zlen)) return -1;
  if (n == zlen) return 0xff;
  let o: u32 = 0;
  while (true) {
    const next = o + 1 + <u32>load<u8>(p + o);
    if (next == n - zlen) return <i32>o;
    if (next > n - zlen) return -1;
    o = next;
  }
}

/** Resets every name's glue stamp (after the kernel's epoch counter wraps). */
export function clearGlueStamps(): void {
  const base = nameSlotBase;
  const slots = nameSlotMask + 1;
  for (let i: u32 = 0; i < slots; i++) {
    const record = load<u32>(slotAt(base, i), NAME_SLOT_RECORD);
    if (record != 0) store<u32>(at(record), 0, NAME_GLUE_STAMP);
  }
}

export function tableBytes(): usize {
  return (<usize>(nameSlotMask + 1) << NAME_SLOT_SHIFT) + heapBytes() + stagingCapacity + DNS_WORD_PAD;
}

/** Slot size check for the layout test. */
export function nameSlotBytes(): u32 {
  return NAME_SLOT_BYTES;
}
