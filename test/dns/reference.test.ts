// The reference DNS data plane against the DnsPlane contract suite (the same cases the
// wasm core runs), plus what only the reference needs: its own bookkeeping.
import { describe, expect, it } from 'vitest';
import { ST_BAD_ARGUMENT, ST_OK } from '../../sdk/engine/records.js';
import { DNS_PODS_DISABLED } from '../../sdk/engine/dnsplane.js';
import { encodeRData } from '../../sdk/dns/records.js';
import { describeDnsPlane } from './dnsplane.suite.js';
import { ReferenceDnsPlane } from './reference.js';

describeDnsPlane('reference', () => new ReferenceDnsPlane());

describe('ReferenceDnsPlane bookkeeping', () => {
  const a = encodeRData({ type: 'A', address: '10.0.0.1' });

  it('01 names exist while they hold RRsets or are declared', () => {
    const plane = new ReferenceDnsPlane();
    expect(plane.configure({ zones: ['cluster.local'], podsMode: DNS_PODS_DISABLED, forwardOutOfZone: false })).toBe(ST_OK);
    expect(plane.setRRset('A.cluster.local.', 1, 5, [a])).toBe(ST_OK);
    expect(plane.setExists('a.cluster.local', true)).toBe(ST_OK);
    expect(plane.nameCount()).toBe(1);
    expect(plane.setRRset('a.cluster.local', 1, 5, [])).toBe(ST_OK);
    expect(plane.nameCount()).toBe(1);
    expect(plane.setExists('a.cluster.local', false)).toBe(ST_OK);
    expect(plane.nameCount()).toBe(0);
    expect(plane.memoryBytes()).toBe(0);
  });

  it.each([
    { desc: '02 an owner outside every zone', owner: 'a.example.com', type: 1, rdata: [a] },
    { desc: '03 a bad owner name', owner: 'a b.cluster.local', type: 1, rdata: [a] },
    { desc: '04 OPT is not an RRset', owner: 'a.cluster.local', type: 41, rdata: [a] },
    { desc: '05 nor are the meta types', owner: 'a.cluster.local', type: 255, rdata: [a] },
    { desc: '06 A RDATA must be 4 bytes', owner: 'a.cluster.local', type: 1, rdata: [Uint8Array.of(1, 2, 3)] },
    { desc: '07 one CNAME per name (RFC 2181 §10.1)', owner: 'a.cluster.local', type: 5, rdata: [Uint8Array.of(1, 98, 0), Uint8Array.of(1, 99, 0)] },
    { desc: '08 an RDATA name must be whole', owner: 'a.cluster.local', type: 12, rdata: [Uint8Array.of(3, 98, 0)] },
  ])('$desc: ST_BAD_ARGUMENT, nothing stored', ({ owner, type, rdata }) => {
    const plane = new ReferenceDnsPlane();
    plane.configure({ zones: ['cluster.local'], podsMode: DNS_PODS_DISABLED, forwardOutOfZone: false });
    expect(plane.setRRset(owner, type, 5, rdata)).toBe(ST_BAD_ARGUMENT);
    expect(plane.nameCount()).toBe(0);
  });

  it('09 configure refuses no zones, bad names and unknown pods modes', () => {
    const plane = new ReferenceDnsPlane();
    expect(plane.configure({ zones: [], podsMode: 0, forwardOutOfZone: false })).toBe(ST_BAD_ARGUMENT);
    expect(plane.configure({ zones: ['bad..zone'], podsMode: 0, forwardOutOfZone: false })).toBe(ST_BAD_ARGUMENT);
    expect(plane.configure({ zones: ['cluster.local'], podsMode: 3, forwardOutOfZone: false })).toBe(ST_BAD_ARGUMENT);
  });
});
