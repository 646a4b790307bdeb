// kubectl's AGE format: apimachinery's HumanDuration at every range boundary (spec §2.6).
import { describe, expect, it } from 'vitest';
import { humanDuration } from '../../sdk/api/duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration', () => {
  it.each([
    { desc: '01 more than a second in the future is invalid', ms: -2 * s, want: '<invalid>' },
    { desc: '02 far in the future is invalid', ms: -3 * h, want: '<invalid>' },
    { desc: '03 −1.999s is tolerated clock skew', ms: -1999, want: '0s' },
    { desc: '04 −1s is tolerated clock skew', ms: -1 * s, want: '0s' },
    { desc: '05 −1ms rounds to 0s', ms: -1, want: '0s' },
    { desc: '06 zero', ms: 0, want: '0s' },
    { desc: '07 sub-second truncates', ms: 999, want: '0s' },
    { desc: '08 seconds', ms: 45 * s, want: '45s' },
    { desc: '09 119s is still seconds', ms: 119 * s, want: '119s' },
    { desc: '10 119.999s truncates to 119s', ms: 120 * s - 1, want: '119s' },
    { desc: '11 120s becomes 2m', ms: 120 * s, want: '2m' },
    { desc: '12 2m1s', ms: 121 * s, want: '2m1s' },
    { desc: '13 5m1s', ms: 5 * m + 1 * s, want: '5m1s' },
    { desc: '14 9m59s is the last XmYs', ms: 10 * m - 1 * s, want: '9m59s' },
    { desc: '15 10m drops the seconds', ms: 10 * m, want: '10m' },
    { desc: '16 10m59s shows whole minutes', ms: 10 * m + 59 * s, want: '10m' },
    { desc: '17 32m', ms: 32 * m, want: '32m' },
    { desc: '18 179m', ms: 179 * m, want: '179m' },
    { desc: '19 179m59s is still minutes', ms: 3 * h - 1 * s, want: '179m' },
    { desc: '20 3h becomes hours', ms: 3 * h, want: '3h' },
    { desc: '21 3h15m', ms: 3 * h + 15 * m, want: '3h15m' },
    { desc: '22 7h', ms: 7 * h, want: '7h' },
    { desc: '23 7h59m', ms: 7 * h + 59 * m, want: '7h59m' },
    { desc: '24 7h59m59s drops the seconds', ms: 8 * h - 1 * s, want: '7h59m' },
    { desc: '25 8h drops the minutes', ms: 8 * h, want: '8h' },
    { desc: '26 12h30m shows whole hours', ms: 12 * h + 30 * m, want: '12h' },
    { desc: '27 47h', ms: 47 * h, want: '47h' },
    { desc: '28 47h59m is still hours', ms: 48 * h - 1 * m, want: '47h' },
    { desc: '29 48h becomes 2d', ms: 48 * h, want: '2d' },
    { desc: '30 2d23h', ms: 2 * d + 23 * h, want: '2d23h' },
    { desc: '31 2d23h59m drops the minutes', ms: 3 * d - 1 * m, want: '2d23h' },
    { desc: '32 5d', ms: 5 * d, want: '5d' },
    { desc: '33 7d23h is the last XdYh', ms: 8 * d - 1 * h, want: '7d23h' },
    { desc: '34 8d drops the hours', ms: 8 * d, want: '8d' },
    { desc: '35 8d12h shows whole days', ms: 8 * d + 12 * h, want: '8d' },
    { desc: '36 30d', ms: 30 * d, want: '30d' },
    { desc: '37 400d', ms: 400 * d, want: '400d' },
    { desc: '38 729d is still days', ms: 729 * d + 23 * h, want: '729d' },
    { desc: '39 730d becomes 2y', ms: 2 * y, want: '2y' },
    { desc: '40 2y1d', ms: 2 * y + 1 * d, want: '2y1d' },
    { desc: '41 7y364d is the last XyYd', ms: 8 * y - 1 * h, want: '7y364d' },
    { desc: '42 8y drops the days', ms: 8 * y, want: '8y' },
    { desc: '43 9y100d shows whole years', ms: 9 * y + 100 * d, want: '9y' },
    { desc: '44 leap days are not years: 365 days is 365d', ms: 365 * d, want: '365d' },
  ])('$desc', ({ ms, want }) => {
    expect(humanDuration(ms)).toBe(want);
  });
});
