/**
 * Allocation bitmap over the offsets [0, size), split like Kubernetes' allocators into a
 * lower band of `reserved` offsets kept for static requests and an upper band that dynamic
 * allocation prefers (KEP-3070 for service IPs, KEP-3668 for node ports;
 * `randomScanStrategyWithOffset` in `pkg/registry/core/service/allocator/bitmap.go`).
 *
 * ```
 *  offset 0                reserved                                   size
 *         ├── lower band ────┼──────────────── upper band ───────────────┤
 *         static first        dynamic: random start, scan up, wrap;
 *                             the lower band only when the upper is full
 * ```
 *
 * Bits live in pages of 1024 u32 words (32768 offsets), created on first use, with a
 * population count per page, so a /12 costs nothing until used and a scan skips full
 * words and full pages. Per-band counts make "is it full?" O(1); the expected cost of
 * `allocateNext` is O(1) while the band is not nearly full, O(size / 32) at worst.
 */

import type { Random } from '../model/random.js';

const PAGE_WORDS = 1024;
const PAGE_BITS = PAGE_WORDS * 32;
const PAGE_SHIFT = 15;

/** Index of the lowest set bit of a non-zero 32-bit value. */
function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

export class RangeBitmap {
  readonly size: number;
  /** Offsets below this are the lower (static) band. */
  readonly reserved: number;
  private readonly pages: (Uint32Array | undefined)[];
  private readonly pageCounts: Uint32Array;
  private total = 0;
  private lower = 0;

  constructor(size: number, reserved: number) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`bitmap size must be a non-negative integer, got ${size}`);
    this.size = size;
    this.reserved = Math.min(Math.max(0, reserved), size);
    const pageCount = Math.ceil(size / PAGE_BITS);
    this.pages = new Array(pageCount);
    this.pageCounts = new Uint32Array(pageCount);
  }

  /** Number of offsets set. */
  get count(): number {
    return this.total;
  }

  /** Number of free offsets. */
  get free(): number {
    return this.size - this.total;
  }

  has(offset: number): boolean {
    if (offset < 0 || offset >= this.size) return false;
    const page = this.pages[offset >>> PAGE_SHIFT];
    return page !== undefined && (page[(offset >>> 5) & (PAGE_WORDS - 1)] & (1 << (offset & 31))) !== 0;
  }

  /** Sets the offset; returns false if it was already set or is out of range. */
  set(offset: number): boolean {
    if (offset < 0 || offset >= this.size || !Number.isInteger(offset)) return false;
    const p = offset >>> PAGE_SHIFT;
    let page = this.pages[p];
    if (page === undefined) {
      page = new Uint32Array(Math.min(PAGE_WORDS, Math.ceil((this.size - p * PAGE_BITS) / 32)));
      this.pages[p] = page;
    }
    const w = (offset >>> 5) & (PAGE_WORDS - 1);
    const bit = 1 << (offset & 31);
    if ((page[w] & bit) !== 0) return false;
    page[w] |= bit;
    this.pageCounts[p]++;
    this.total++;
    if (offset < this.reserved) this.lower++;
    return true;
  }

  /** Clears the offset; returns false if it was not set. */
  clear(offset: number): boolean {
    if (!this.has(offset)) return false;
    const p = offset >>> PAGE_SHIFT;
    const page = this.pages[p]!;
    page[(offset >>> 5) & (PAGE_WORDS - 1)] &= ~(1 << (offset & 31));
    this.pageCounts[p]--;
    this.total--;
    if (offset < this.reserved) this.lower--;
    return true;
  }

  /** First clear offset in [from, to), or -1. */
  private findClear(from: number, to: number): number {
    let i = from;
    while (i < to) {
      const p = i >>> PAGE_SHIFT;
      const page = this.pages[p];
      if (page === undefined) return i;
      if (this.pageCounts[p] === PAGE_BITS) {
        i = (p + 1) << PAGE_SHIFT;
        continue;
      }
      const w = (i >>> 5) & (PAGE_WORDS - 1);
      // Treat the bits below i in this word as taken.
      const word = page[w] | ((1 << (i & 31)) - 1);
      if (word !== -1) {
        const found = (i & ~31) + lowestBit(~word);
        return found < to ? found : -1;
      }
      i = (i & ~31) + 32;
    }
    return -1;
  }

  /** First clear offset scanning [start, hi) then [lo, start), or -1. */
  private scanFrom(start: number, lo: number, hi: number): number {
    const a = this.findClear(start, hi);
    return a >= 0 ? a : this.findClear(lo, start);
  }

  /**
   * Picks a free offset without setting it: a random start in the upper band, scanning up
   * and wrapping; the lower band only once the upper band is full. -1 when full.
   */
  pickNext(random: Random): number {
    const upperSize = this.size - this.reserved;
    if (this.total - this.lower < upperSize) {
      return this.scanFrom(this.reserved + random.int(upperSize), this.reserved, this.size);
    }
    if (this.lower < this.reserved) {
      return this.scanFrom(random.int(this.reserved), 0, this.reserved);
    }
    return -1;
  }

  /** Every set offset, ascending (for snapshots and tests; O(size / 32)). */
  offsets(): number[] {
    const out: number[] = [];
    this.pages.forEach((page, p) => {
      if (page === undefined || this.pageCounts[p] === 0) return;
      for (let w = 0; w < page.length; w++) {
        let word = page[w];
        while (word !== 0) {
          const b = lowestBit(word);
          out.push(p * PAGE_BITS + w * 32 + b);
          word &= word - 1;
        }
      }
    });
    return out;
  }
}

/**
 * Size of the lower band: `min(max(min, size / step), max)`, and 0 for ranges of `min`
 * or fewer. Service IPs use (16, 16, 256) over the CIDR size (KEP-3070); node ports
 * (16, 32, 128) over the port count (KEP-3668).
 */
export function reservedBandSize(size: number, min: number, step: number, max: number): number {
  if (size <= min) return 0;
  return Math.min(Math.max(min, Math.floor(size / step)), max);
}
