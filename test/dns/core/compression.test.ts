// Name compression edge cases of the wasm core, byte for byte against the reference plane
// (test/dns/reference.ts, which writes every name through the general dictionary). The
// core writes most negative answers' SOA through a precomputed shape (layout.ts, "Zone
// entry") and falls back to the general writer when the question shares more than the zone
// with MNAME or RNAME; both paths must give the reference's bytes.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createWasmDnsPlane } from '../../../sdk/engine/dnscore.js';
import { type DnsPlane, DNS_PODS_INSECURE, DNS_TCP, DNS_UDP } from '../../../sdk/engine/dnsplane.js';
import { setDefaultCoreSource } from '../../../sdk/engine/load.js';
import { ST_OK } from '../../../sdk/engine/records.js';
import { nodeCoreSource } from '../../../sdk/node/load-node.js';
import { ReferenceDnsPlane } from '../reference.js';
import { TYPES, buildQuery, rdA, rdMx, rdName, rdSoa, rdSrv, walk } from './wire.js';

setDefaultCoreSource(nodeCoreSource);

const LABELS = ['ns', 'dns', 'hostmaster', 'x', 'svc', 'default', 'NS', 'Dns', 'cluster', 'local', 'pod', 'web', '10-1-2-3'];
const SOAS: [string, string][] = [
  ['ns.dns.cluster.local', 'hostmaster.cluster.local'], // the CoreDNS shape
  ['cluster.local', 'hostmaster.cluster.local'], // MNAME = apex
  ['ns.x.cluster.local', 'hm.x.cluster.local'], // MNAME and RNAME share "x.cluster.local"
  ['ns.example.org', 'hostmaster.cluster.local'], // MNAME out of zone
  ['ns.dns.cluster.local', 'ns.dns.cluster.local'], // RNAME = MNAME
  ['dns.cluster.local', 'ns.dns.cluster.local'], // RNAME below MNAME
];

async function planes(soa: [string, string]): Promise<DnsPlane[]> {
  const list: DnsPlane[] = [await createWasmDnsPlane({ target: 'debug' }), await createWasmDnsPlane({ target: 'release' }), new ReferenceDnsPlane()];
  for (const p of list) {
    expect(p.configure({ zones: ['cluster.local', 'in-addr.arpa'], podsMode: DNS_PODS_INSECURE, forwardOutOfZone: false })).toBe(ST_OK);
    expect(p.setRRset('cluster.local', TYPES.SOA, 30, [rdSoa(soa[0], soa[1], 7, 7200, 1800, 86400, 30)])).toBe(ST_OK);
    expect(p.setRRset('cluster.local', TYPES.NS, 30, [rdName('ns.dns.cluster.local')])).toBe(ST_OK);
    expect(p.setRRset('ns.dns.cluster.local', TYPES.A, 30, [rdA('10.96.0.10')])).toBe(ST_OK);
    expect(p.setRRset('web.svc.cluster.local', TYPES.A, 30, [rdA('10.96.0.20')])).toBe(ST_OK);
    expect(p.setRRset('mx.svc.cluster.local', TYPES.MX, 30, [rdMx(1, 'web.svc.cluster.local'), rdMx(2, 'ns.dns.cluster.local')])).toBe(ST_OK);
    expect(p.setRRset('_a._tcp.svc.cluster.local', TYPES.SRV, 30, [rdSrv(0, 1, 1, 'web.svc.cluster.local'), rdSrv(0, 1, 2, 'ns.dns.cluster.local')])).toBe(ST_OK);
    expect(p.setRRset('alias.x.cluster.local', TYPES.CNAME, 30, [rdName('dns.cluster.local')])).toBe(ST_OK);
    expect(p.setRRset('dns.cluster.local', TYPES.CNAME, 30, [rdName('web.svc.cluster.local')])).toBe(ST_OK);
    expect(p.setRRset('1.2.3.4.in-addr.arpa', TYPES.PTR, 30, [rdName('hostmaster.cluster.local')])).toBe(ST_OK);
    expect(p.setExists('default.pod.cluster.local', true)).toBe(ST_OK);
  }
  return list;
}

function answers(list: DnsPlane[], query: Uint8Array, transport: number): string[] {
  const out = new Uint8Array(65535);
  return list.map((p) => {
    const n = p.answer(query, transport, out);
    return n < 0 ? String(n) : Buffer.from(out.subarray(0, n)).toString('hex');
  });
}

describe('compression against the reference', () => {
  test.each(SOAS.map((s, i) => [String(i + 1).padStart(2, '0'), s] as const))('%s SOA %j: random names and types agree byte for byte', async (_n, soa) => {
    const list = await planes(soa);
    const names = fc.array(fc.constantFrom(...LABELS), { minLength: 0, maxLength: 4 }).map((labels) => [...labels, 'cluster', 'local'].join('.'));
    const types = fc.constantFrom(TYPES.A, TYPES.AAAA, TYPES.SOA, TYPES.NS, TYPES.MX, TYPES.SRV, TYPES.CNAME, TYPES.TXT);
    fc.assert(
      fc.property(names, types, fc.boolean(), fc.boolean(), (name, type, edns, tcp) => {
        const query = buildQuery(name, { type, ...(edns ? { edns: { udp: 1232 } } : {}) });
        const [debug, release, reference] = answers(list, query, tcp ? DNS_TCP : DNS_UDP);
        expect(debug).toBe(reference);
        expect(release).toBe(reference);
        walk(Buffer.from(release, 'hex'));
      }),
      { numRuns: 400 },
    );
  });

  test('07 the fallback is taken where the question shares a label above the zone with the SOA', async () => {
    const [wasm] = await planes(SOAS[0]);
    const out = new Uint8Array(65535);
    // "nope.dns.cluster.local": MNAME ns.dns.cluster.local compresses to "ns" + a pointer at
    // the question's "dns" (offset 12 + 5), not at its zone suffix.
    const msg = walk(out.slice(0, wasm.answer(buildQuery('nope.dns.cluster.local'), DNS_UDP, out)));
    expect(Array.from(msg.authorities[0].rdata.subarray(0, 5))).toEqual([2, 0x6e, 0x73, 0xc0, 17]);
    // "hostmaster.cluster.local" itself: RNAME is one pointer to offset 12.
    const hm = walk(out.slice(0, wasm.answer(buildQuery('hostmaster.cluster.local'), DNS_UDP, out)));
    expect(Array.from(hm.authorities[0].rdata.subarray(-22, -20))).toEqual([0xc0, 12]);
  });

  test('08 replacing and removing the SOA, and re-configuring, keep negative answers right', async () => {
    const list = await planes(SOAS[0]);
    const check = (): void => {
      for (const name of ['nope.cluster.local', 'a.dns.cluster.local', 'x.hostmaster.cluster.local']) {
        const [debug, release, reference] = answers(list, buildQuery(name), DNS_UDP);
        expect(debug).toBe(reference);
        expect(release).toBe(reference);
      }
    };
    check();
    for (const p of list) expect(p.setRRset('cluster.local', TYPES.SOA, 60, [rdSoa('a.b.cluster.local', 'c.d.cluster.local', 9, 1, 2, 3, 4)])).toBe(ST_OK);
    check();
    for (const p of list) expect(p.setRRset('cluster.local', TYPES.SOA, 60, [])).toBe(ST_OK);
    check();
    for (const p of list) expect(p.setRRset('cluster.local', TYPES.SOA, 5, [rdSoa('ns.dns.cluster.local', 'hostmaster.cluster.local', 1, 2, 3, 4, 5)])).toBe(ST_OK);
    check();
    for (const p of list) expect(p.configure({ zones: ['svc.cluster.local', 'cluster.local'], podsMode: 0, forwardOutOfZone: false })).toBe(ST_OK);
    check();
  });
});
