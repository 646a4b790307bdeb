import { describe, expect, it } from 'vitest';
import { RangeBitmap, reservedBandSize } from '../../sdk/controllers/bitmap.js';
import { Random } from '../../sdk/model/random.js';

describe('reservedBandSize', () => {
  it.each([
    { desc: '01 a /12 reserves 256 addresses (KEP-3070)', size: 2 ** 20, min: 16, step: 16, max: 256, want: 256 },
    { desc: '02 a /24 reserves 16', size: 256, min: 16, step: 16, max: 256, want: 16 },
    { desc: '03 a /20 reserves 256', size: 4096, min: 16, step: 16, max: 256, want: 256 },
    { desc: '04 a /22 reserves 64', size: 1024, min: 16, step: 16, max: 256, want: 64 },
    { desc: '05 a /28 reserves nothing', size: 16, min: 16, step: 16, max: 256, want: 0 },
    { desc: '06 30000-32767 reserves 86 ports (KEP-3668)', size: 2768, min: 16, step: 32, max: 128, want: 86 },
  ])('$desc', ({ size, min, step, max, want }) => {
    expect(reservedBandSize(size, min, step, max)).toBe(want);
  });
});

describe('RangeBitmap', () => {
  it('01 sets, clears and counts', () => {
    const b = new RangeBitmap(100, 10);
    expect(b.set(5)).toBe(true);
    expect(b.set(5)).toBe(false);
    expect(b.set(100)).toBe(false);
    expect(b.set(-1)).toBe(false);
    expect(b.has(5)).toBe(true);
    expect(b.count).toBe(1);
    expect(b.clear(5)).toBe(true);
    expect(b.clear(5)).toBe(false);
    expect(b.count).toBe(0);
  });

  it('02 picks from the upper band while it has room', () => {
    const b = new RangeBitmap(64, 16);
    const r = new Random(1);
    for (let i = 0; i < 48; i++) {
      const o = b.pickNext(r);
      expect(o).toBeGreaterThanOrEqual(16);
      b.set(o);
    }
    const o = b.pickNext(r);
    expect(o).toBeLessThan(16);
  });

  it('03 returns -1 when full', () => {
    const b = new RangeBitmap(40, 8);
    const r = new Random(2);
    for (let i = 0; i < 40; i++) b.set(b.pickNext(r));
    expect(b.free).toBe(0);
    expect(b.pickNext(r)).toBe(-1);
  });

  it('04 finds the last free bit across words and pages', () => {
    const size = 70000;
    const b = new RangeBitmap(size, 0);
    for (let i = 0; i < size; i++) if (i !== 65537) b.set(i);
    expect(b.pickNext(new Random(3))).toBe(65537);
  });

  it('05 lists set offsets in order', () => {
    const b = new RangeBitmap(5000, 0);
    for (const o of [4999, 0, 31, 32, 2767]) b.set(o);
    expect(b.offsets()).toEqual([0, 31, 32, 2767, 4999]);
  });

  it('06 a huge range costs nothing until used', () => {
    const b = new RangeBitmap(2 ** 24, 256);
    const o = b.pickNext(new Random(4));
    expect(o).toBeGreaterThanOrEqual(256);
    expect(b.set(o)).toBe(true);
    expect(b.offsets()).toEqual([o]);
  });
});
