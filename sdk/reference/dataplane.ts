import type { DataPlane } from '../engine/dataplane.js';
import {
  MAX_BACKENDS_PER_SERVICE_PORT,
  MAX_SERVICE_PORT_ID,
  PACKET_RECORD_WORDS,
  ST_BAD_ARGUMENT,
  ST_BATCH_TOO_LARGE,
  ST_EXISTS,
  ST_NOT_FOUND,
  ST_OK,
  VERDICT_DNAT,
  VERDICT_RECORD_WORDS,
  VERDICT_REJECT,
  MAX_BACKEND_POOL_ENTRIES,
  ST_NO_MEMORY,
} from '../engine/records.js';

/**
 * Tables (typed arrays indexed by numbers; the same shapes as `assembly/layout.ts`):
 *
 * ```
 *  frontends     4 words per slot, open addressing, linear probing, power-of-two slots,
 *                load factor ≤ 1/2, backward-shift deletion
 *                  [address, port | protocol << 16, service port id (0 = empty), kind]
 *  servicePorts  4 words per id (record 0 unused)
 *                  [backend base, backend count, backend capacity, flags]
 *  live          1 byte per id, 1 while the service port exists
 *  pool          2 words per backend entry
 *                  [address, port | flags << 16]
 *                a service port owns entries [base, base + capacity), capacity a power of two
 *  freeHeads     per size class log2(capacity): base + 1 of a free range (0 = empty);
 *                a free range's first address word links to the next one
 * ```
 *
 * Words are stored in Int32Arrays and the batch buffers are read and written through
 * Int32Array aliases: every value the kernel touches stays an int32, so V8 keeps it in
 * word32 registers (u32 values ≥ 2^31 would otherwise become doubles). The public views
 * are Uint32Arrays over the same buffers. Compare a u32 argument with a stored word as
 * `arg | 0`.
 *
 * Arguments are coerced with `>>> 0` (ToUint32), which is what a wasm `u32` parameter does
 * with a JS number, so both data planes see the same values for any input.
 */

const FRONTEND_INITIAL_SLOTS = 1024;
const SERVICE_PORT_INITIAL_RECORDS = 256;
const BACKEND_INITIAL_ENTRIES = 4096;
const BACKEND_SIZE_CLASSES = 32;
const BATCH_INITIAL_RECORDS = 1024;
const BATCH_MAX_RECORDS = 1 << 24;
const GOLDEN = 0x9e3779b1;

/** Home-slot hash of a frontend key: fmix32(address + portProto * golden ratio). */
function frontendHash(address: number, portProto: number): number {
  let h = (address + Math.imul(portProto, GOLDEN)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function sizeClass(capacity: number): number {
  return 31 - Math.clz32(capacity);
}

export class ReferenceDataPlane implements DataPlane {
  readonly kind = 'reference';

  private frontends: Int32Array;
  private frontendMask: number;
  private frontendTotal: number;
  private servicePorts: Int32Array;
  private live: Uint8Array;
  private pool: Int32Array;
  private poolUsed: number;
  private readonly freeHeads: Int32Array;
  private input: Uint32Array;
  private output: Uint32Array;
  private inputWords: Int32Array;
  private outputWords: Int32Array;
  private batchCapacity: number;

  constructor() {
    this.frontends = new Int32Array(FRONTEND_INITIAL_SLOTS * 4);
    this.frontendMask = FRONTEND_INITIAL_SLOTS - 1;
    this.frontendTotal = 0;
    this.servicePorts = new Int32Array(SERVICE_PORT_INITIAL_RECORDS * 4);
    this.live = new Uint8Array(SERVICE_PORT_INITIAL_RECORDS);
    this.pool = new Int32Array(BACKEND_INITIAL_ENTRIES * 2);
    this.poolUsed = 0;
    this.freeHeads = new Int32Array(BACKEND_SIZE_CLASSES);
    this.batchCapacity = BATCH_INITIAL_RECORDS;
    this.input = new Uint32Array(BATCH_INITIAL_RECORDS * PACKET_RECORD_WORDS);
    this.output = new Uint32Array(BATCH_INITIAL_RECORDS * VERDICT_RECORD_WORDS);
    this.inputWords = new Int32Array(this.input.buffer);
    this.outputWords = new Int32Array(this.output.buffer);
  }

  // ── service ports ────────────────────────────────────────────────────────────────────

  private isLive(id: number): boolean {
    return id !== 0 && id < this.live.length && this.live[id] !== 0;
  }

  upsertServicePort(id: number, flags: number): number {
    id >>>= 0;
    if (id === 0 || id > MAX_SERVICE_PORT_ID) return ST_BAD_ARGUMENT;
    if (id >= this.live.length) {
      let records = this.live.length << 1;
      if (records <= id) records = id + 1;
      const servicePorts = new Int32Array(records * 4);
      servicePorts.set(this.servicePorts);
      this.servicePorts = servicePorts;
      const live = new Uint8Array(records);
      live.set(this.live);
      this.live = live;
    }
    this.servicePorts[(id << 2) + 3] = flags;
    this.live[id] = 1;
    return ST_OK;
  }

  removeServicePort(id: number): number {
    id >>>= 0;
    if (id === 0 || id > MAX_SERVICE_PORT_ID) return ST_BAD_ARGUMENT;
    if (!this.isLive(id)) return ST_NOT_FOUND;
    const sp = this.servicePorts;
    const at = id << 2;
    if (sp[at + 2] !== 0) this.freeRange(sp[at], sp[at + 2]);
    sp.fill(0, at, at + 4);
    this.live[id] = 0;
    return ST_OK;
  }

  backendCount(id: number): number {
    id >>>= 0;
    return this.isLive(id) ? this.servicePorts[(id << 2) + 1] : 0;
  }

  // ── backend pool ─────────────────────────────────────────────────────────────────────

  /** Takes a range of `capacity` entries (a power of two) from its free list or the pool top; -1 when the pool is full. */
  private allocRange(capacity: number): number {
    const cls = sizeClass(capacity);
    const free = this.freeHeads[cls];
    if (free !== 0) {
      const base = free - 1;
      this.freeHeads[cls] = this.pool[base << 1];
      return base;
    }
    const needed = this.poolUsed + capacity;
    if (needed > MAX_BACKEND_POOL_ENTRIES) return -1;
    const entries = this.pool.length >>> 1;
    if (needed > entries) {
      let grown = entries * 2;
      if (grown < needed) grown = needed;
      if (grown > MAX_BACKEND_POOL_ENTRIES) grown = MAX_BACKEND_POOL_ENTRIES;
      const pool = new Int32Array(grown * 2);
      pool.set(this.pool.subarray(0, this.poolUsed << 1));
      this.pool = pool;
    }
    const base = this.poolUsed;
    this.poolUsed = needed;
    return base;
  }

  private freeRange(base: number, capacity: number): void {
    const cls = sizeClass(capacity);
    this.pool[base << 1] = this.freeHeads[cls];
    this.freeHeads[cls] = base + 1;
  }

  /**
   * Entries below min(old, new) keep their values; entries from the old count up to the
   * new one are zeroed. The range moves to a larger size class only when it overflows and
   * is released when the count drops to 0.
   */
  setBackendCount(id: number, count: number): number {
    id >>>= 0;
    count >>>= 0;
    if (id === 0 || id > MAX_SERVICE_PORT_ID || count > MAX_BACKENDS_PER_SERVICE_PORT) return ST_BAD_ARGUMENT;
    if (!this.isLive(id)) return ST_NOT_FOUND;
    const at = id << 2;
    const sp = this.servicePorts;
    const oldCount = sp[at + 1];
    const capacity = sp[at + 2];
    if (count === 0) {
      if (capacity !== 0) this.freeRange(sp[at], capacity);
      sp[at] = 0;
      sp[at + 2] = 0;
    } else if (count > capacity) {
      const newCapacity = count === 1 ? 1 : 1 << (32 - Math.clz32(count - 1));
      const base = this.allocRange(newCapacity);
      if (base < 0) return ST_NO_MEMORY;
      const pool = this.pool;
      if (capacity !== 0) {
        const oldBase = sp[at];
        pool.copyWithin(base << 1, oldBase << 1, (oldBase + oldCount) << 1);
        this.freeRange(oldBase, capacity);
      }
      pool.fill(0, (base + oldCount) << 1, (base + count) << 1);
      sp[at] = base;
      sp[at + 2] = newCapacity;
    } else if (count > oldCount) {
      const base = sp[at];
      this.pool.fill(0, (base + oldCount) << 1, (base + count) << 1);
    }
    sp[at + 1] = count;
    return ST_OK;
  }

  writeBackend(id: number, index: number, address: number, port: number, flags: number): number {
    id >>>= 0;
    index >>>= 0;
    port >>>= 0;
    flags >>>= 0;
    if (id === 0 || id > MAX_SERVICE_PORT_ID || port > 0xffff || flags > 0xffff) return ST_BAD_ARGUMENT;
    if (!this.isLive(id)) return ST_NOT_FOUND;
    const at = id << 2;
    if (index >= this.servicePorts[at + 1]) return ST_BAD_ARGUMENT;
    const entry = (this.servicePorts[at] + index) << 1;
    this.pool[entry] = address;
    this.pool[entry + 1] = port | (flags << 16);
    return ST_OK;
  }

  // ── frontends ────────────────────────────────────────────────────────────────────────

  /** Word offset of the slot holding the key (`address` as int32), or -1. */
  private findSlot(address: number, portProto: number): number {
    const table = this.frontends;
    const mask = this.frontendMask;
    let slot = frontendHash(address, portProto) & mask;
    for (;;) {
      const at = slot << 2;
      if (table[at + 2] === 0) return -1;
      if (table[at] === address && table[at + 1] === portProto) return at;
      slot = (slot + 1) & mask;
    }
  }

  private static insertSlot(table: Int32Array, mask: number, address: number, portProto: number, id: number, kind: number): void {
    let slot = frontendHash(address, portProto) & mask;
    while (table[(slot << 2) + 2] !== 0) slot = (slot + 1) & mask;
    const at = slot << 2;
    table[at] = address;
    table[at + 1] = portProto;
    table[at + 2] = id;
    table[at + 3] = kind;
  }

  private growFrontends(): void {
    const old = this.frontends;
    const slots = (this.frontendMask + 1) << 1;
    const table = new Int32Array(slots * 4);
    const mask = slots - 1;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at + 2] !== 0) ReferenceDataPlane.insertSlot(table, mask, old[at], old[at + 1], old[at + 2], old[at + 3]);
    }
    this.frontends = table;
    this.frontendMask = mask;
  }

  addFrontend(address: number, port: number, protocol: number, kind: number, id: number): number {
    address >>>= 0;
    port >>>= 0;
    protocol >>>= 0;
    kind >>>= 0;
    id >>>= 0;
    if (id === 0 || id > MAX_SERVICE_PORT_ID || port > 0xffff || protocol > 0xff || kind > 0xff) return ST_BAD_ARGUMENT;
    if (!this.isLive(id)) return ST_NOT_FOUND;
    const portProto = port | (protocol << 16);
    address |= 0;
    if (this.findSlot(address, portProto) >= 0) return ST_EXISTS;
    if ((this.frontendTotal + 1) * 2 > this.frontendMask + 1) this.growFrontends();
    ReferenceDataPlane.insertSlot(this.frontends, this.frontendMask, address, portProto, id, kind);
    this.frontendTotal++;
    return ST_OK;
  }

  /**
   * Backward-shift deletion (Knuth, TAOCP vol. 3, 6.4, Algorithm R): later entries of the
   * probe run move back into the hole, so no tombstones accumulate.
   */
  removeFrontend(address: number, port: number, protocol: number): number {
    address >>>= 0;
    port >>>= 0;
    protocol >>>= 0;
    if (port > 0xffff || protocol > 0xff) return ST_BAD_ARGUMENT;
    const found = this.findSlot(address | 0, port | (protocol << 16));
    if (found < 0) return ST_NOT_FOUND;
    const table = this.frontends;
    const mask = this.frontendMask;
    let hole = found >>> 2;
    let next = hole;
    for (;;) {
      next = (next + 1) & mask;
      const at = next << 2;
      if (table[at + 2] === 0) break;
      const home = frontendHash(table[at], table[at + 1]) & mask;
      // The entry at `next` may fill the hole only if its home is not cyclically in (hole, next].
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      table.copyWithin(hole << 2, at, at + 4);
      hole = next;
    }
    table.fill(0, hole << 2, (hole << 2) + 4);
    this.frontendTotal--;
    return ST_OK;
  }

  frontendCount(): number {
    return this.frontendTotal;
  }

  // ── batches ──────────────────────────────────────────────────────────────────────────

  /**
   * Buffers only grow (like the core's): `routeBatch` accepts up to the largest capacity
   * ever reserved (at least 1024). The returned view covers `capacity` records; the output
   * view covers the whole buffer.
   */
  reserveBatch(capacity: number): Uint32Array {
    capacity >>>= 0;
    if (capacity > BATCH_MAX_RECORDS) {
      throw new RangeError(`svcnet: a batch of ${capacity} records is larger than the reference accepts`);
    }
    if (capacity > this.batchCapacity) {
      this.input = new Uint32Array(capacity * PACKET_RECORD_WORDS);
      this.output = new Uint32Array(capacity * VERDICT_RECORD_WORDS);
      this.inputWords = new Int32Array(this.input.buffer);
      this.outputWords = new Int32Array(this.output.buffer);
      this.batchCapacity = capacity;
    }
    return this.input.subarray(0, capacity * PACKET_RECORD_WORDS);
  }

  inputView(): Uint32Array {
    return this.input;
  }

  outputView(): Uint32Array {
    return this.output;
  }

  routeBatch(count: number): number {
    count >>>= 0;
    if (count > this.batchCapacity) return -ST_BATCH_TOO_LARGE;
    const input = this.inputWords;
    const output = this.outputWords;
    const table = this.frontends;
    const mask = this.frontendMask;
    const servicePorts = this.servicePorts;
    const pool = this.pool;
    // Module bindings are re-read on every use; locals are registers.
    const dnat = VERDICT_DNAT;
    const reject = VERDICT_REJECT;
    const end = count << 2;
    for (let r = 0; r < end; r += 4) {
      const destination = input[r + 1];
      const ports = input[r + 2];
      const protocol = input[r + 3] & 0xff;
      const portProto = (ports >>> 16) | (protocol << 16);

      // frontendHash, inlined
      let h = (destination + Math.imul(portProto, GOLDEN)) | 0;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      let slot = h & mask;
      let id = 0;
      for (;;) {
        const at = slot << 2;
        const candidate = table[at + 2];
        if (candidate === 0) break;
        if (table[at] === destination && table[at + 1] === portProto) {
          id = candidate;
          break;
        }
        slot = (slot + 1) & mask;
      }

      if (id === 0) {
        output[r] = 0;
        output[r + 1] = 0;
        output[r + 2] = 0;
        output[r + 3] = 0;
        continue;
      }
      const record = id << 2;
      const n = servicePorts[record + 1];
      if (n === 0) {
        output[r] = reject;
        output[r + 1] = id;
        output[r + 2] = 0;
        output[r + 3] = 0;
        continue;
      }

      // flowHash (see records.ts), inlined
      let f =
        Math.imul(input[r] ^ 0x5eedc0de, 0xcc9e2d51) ^
        Math.imul(destination, 0x1b873593) ^
        Math.imul(ports, 0x85ebca77) ^
        Math.imul(protocol, 0x27d4eb2f);
      f ^= f >>> 16;
      f = Math.imul(f, 0x85ebca6b);
      f ^= f >>> 13;
      f = Math.imul(f, 0xc2b2ae35);
      f ^= f >>> 16;

      // pickIndex: floor(hash * n / 2^32); the product is exact in a double (n ≤ 2^20)
      // and the quotient is below 2^20, so truncation with `| 0` is the floor.
      const entry = (servicePorts[record] + (((f >>> 0) * n * 2.3283064365386963e-10) | 0)) << 1;
      output[r] = dnat;
      output[r + 1] = id;
      output[r + 2] = pool[entry];
      output[r + 3] = pool[entry + 1] & 0xffff;
    }
    return count;
  }

  memoryBytes(): number {
    return (
      this.frontends.byteLength +
      this.servicePorts.byteLength +
      this.live.byteLength +
      this.pool.byteLength +
      this.freeHeads.byteLength +
      this.input.byteLength +
      this.output.byteLength
    );
  }
}
