// Golden wire-format responses (golden/*.hex; queries in golden.cases.ts; fixture in
// dnsplane.suite.ts), byte for byte, from both builds.
//
// How the files were verified: they were written once by scratch/golden-gen.mts from the
// release core, then (1) checked by hand against RFC 1035 §4.1 for a.hex and
// nxdomain-soa.hex (header flags 0x8500 / 0x8403, owner pointer c00c to the question, the
// SOA owner c01d = offset 29 = "\x07cluster" inside the question, RDLENGTH 0x2a = 9 + 13 +
// 20 for the compressed mname/rname), and (2) decoded with dns-packet below, every field
// compared with the fixture's values written out by hand. The strict walker (wire.ts)
// also checks that each pointer points backwards at a label start and that the SRV
// targets are uncompressed. A change in these bytes is a change in what clients see:
// regenerate only after deciding the new bytes are right, and re-check them this way.

import { readFileSync } from 'node:fs';
import * as dnsPacket from 'dns-packet';
import { describe, expect, test } from 'vitest';
import { createWasmDnsPlane } from '../../../sdk/engine/dnscore.js';
import { setDefaultCoreSource } from '../../../sdk/engine/load.js';
import { nodeCoreSource } from '../../../sdk/node/load-node.js';
import { loadFixture } from '../dnsplane.suite.js';
import { GOLDEN } from './golden.cases.js';
import { walk } from './wire.js';

setDefaultCoreSource(nodeCoreSource);

const Z = 'default.svc.cluster.local';

function golden(file: string): Buffer {
  const text = readFileSync(new URL(`./golden/${file}`, import.meta.url), 'utf8');
  return Buffer.from(text.split('\n').filter((l) => !l.startsWith('#')).join('').replace(/\s+/g, ''), 'hex');
}

/** dns-packet decodes `rcode` too; @types/dns-packet does not declare it. */
type Decoded = dnsPacket.DecodedPacket & { rcode: string };
type Field = { ttl?: number; data?: unknown };
const answers = (p: Decoded): unknown[] => (p.answers ?? []).map((a) => ({ name: a.name, type: a.type, ttl: (a as Field).ttl, data: (a as Field).data }));

/** Field-level expectations written from the fixture, independent of the bytes. */
const EXPECT: Record<string, (p: Decoded, bytes: Buffer) => void> = {
  'a.hex': (p) => {
    expect([p.id, p.flag_qr, p.flag_aa, p.flag_tc, p.flag_rd, p.flag_ra, p.rcode]).toEqual([0x1234, true, true, false, true, false, 'NOERROR']);
    expect(answers(p)).toEqual([{ name: `web.${Z}`, type: 'A', ttl: 30, data: '10.96.0.20' }]);
    expect([p.authorities?.length, p.additionals?.length]).toEqual([0, 0]);
  },
  'srv-glue.hex': (p) => {
    const zone = 'default.svc.Cluster.Local';
    expect([p.id, p.flag_aa, p.flag_tc, p.rcode]).toEqual([0x5352, true, false, 'NOERROR']);
    expect(answers(p)).toEqual([0, 1, 2].map((i) => ({ name: `_pg._tcp.db.${zone}`, type: 'SRV', ttl: 30, data: { priority: 0, weight: 33, port: 5432, target: `db-${i}.db.${zone}` } })));
    expect((p.additionals ?? []).map((a) => [a.name, a.type, (a as { data?: unknown }).data])).toEqual([
      [`db-0.db.${zone}`, 'A', '10.244.1.5'],
      [`db-1.db.${zone}`, 'A', '10.244.2.6'],
      [`db-1.db.${zone}`, 'AAAA', 'fd00::2:6'],
      [`db-2.db.${zone}`, 'A', '10.244.3.7'],
      ['.', 'OPT', undefined],
    ]);
    expect((p.additionals?.[4] as dnsPacket.OptAnswer).udpPayloadSize).toBe(1232);
  },
  'nxdomain-soa.hex': (p) => {
    expect([p.id, p.flag_aa, p.flag_rd, p.rcode]).toEqual([0x4e58, true, false, 'NXDOMAIN']);
    expect(p.answers).toEqual([]);
    expect((p.authorities ?? []).map((a) => [a.name, a.type, (a as Field).ttl, (a as Field).data])).toEqual([
      ['cluster.local', 'SOA', 30, { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1_700_000_000, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 }],
    ]);
  },
  'truncated-udp.hex': (p, bytes) => {
    expect([p.id, p.flag_aa, p.flag_tc, p.rcode]).toEqual([0x5443, true, true, 'NOERROR']);
    expect(bytes.length).toBeLessThanOrEqual(2400);
    expect(p.answers?.length).toBe(40);
    const glue = (p.additionals ?? []).filter((a) => a.type !== 'OPT');
    expect(glue.map((a) => [a.name, (a as { data?: unknown }).data])).toEqual(glue.map((_, i) => [`h${i}.big.${Z}`, `10.2.0.${i + 1}`]));
    // 12 header + 45 question + 10 × 52 + 30 × 53 SRV = 2167; with the 11-byte OPT reserved,
    // 222 bytes remain: 13 whole glue RRsets of 16 bytes (2386 bytes in all).
    expect(glue.length).toBe(13);
    expect(bytes.length).toBe(2386);
    expect(p.additionals?.at(-1)?.type).toBe('OPT');
  },
};

describe.each(['debug', 'release'] as const)('golden responses (%s)', (target) => {
  test.each(GOLDEN.map((g) => [g.file, g] as const))('%s', async (_file, g) => {
    const plane = await createWasmDnsPlane({ target });
    loadFixture(plane);
    const out = new Uint8Array(65535);
    const n = plane.answer(g.query, g.transport, out);
    const bytes = Buffer.from(out.subarray(0, n));
    const expected = golden(g.file);
    walk(expected);
    EXPECT[g.file](dnsPacket.decode(expected) as Decoded, expected);
    expect(bytes.toString('hex')).toBe(expected.toString('hex'));
  });
});
