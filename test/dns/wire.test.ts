// The browser-safe codec: queries against dns-packet, responses (compressed ones from a
// data plane too) decoded equal to dns-packet's reading, precise errors, and fuzzing.
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DnsWireError, decodeMessage, encodeQuery, rcodeName, typeCode, typeName, type DnsMessage, type DnsRecord } from '../../sdk/dns/wire.js';
import { ClusterDns } from '../../sdk/dns/clusterdns.js';
import { seedCluster } from '../../sdk/cluster/seed.js';
import { DNS_TCP, DNS_UDP } from '../../sdk/engine/dnsplane.js';
import { ReferenceDnsPlane } from './reference.js';

type PacketAnswer = { name: string; type: string; class?: string; ttl?: number; data?: unknown };

/** dns-packet's reading of a record in this codec's shape. */
function fromPacket(a: PacketAnswer): Record<string, unknown> {
  const base = { name: a.name === '.' ? '' : a.name, typeCode: typeCode(a.type), class: 1, ttl: a.ttl ?? 0, type: a.type };
  const d = a.data as never as Record<string, unknown> & string & Buffer[];
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return { ...base, address: d };
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { ...base, target: d };
    case 'SRV':
      return { ...base, priority: d.priority, weight: d.weight, port: d.port, target: d.target };
    case 'MX':
      return { ...base, preference: d.preference, exchange: d.exchange };
    case 'TXT':
      return { ...base, strings: d.map((b: Buffer) => b.toString('latin1')) };
    case 'SOA':
      return { ...base, mname: d.mname, rname: d.rname, serial: d.serial, refresh: d.refresh, retry: d.retry, expire: d.expire, minimum: d.minimum };
    default:
      return base;
  }
}

function expectSameAsPacket(buf: Uint8Array): DnsMessage {
  const mine = decodeMessage(buf);
  const theirs = dnsPacket.decode(Buffer.from(buf)) as ReturnType<typeof dnsPacket.decode> & { rcode: string; flags: number };
  expect(mine.id).toBe(theirs.id ?? 0);
  expect(rcodeName(mine.rcode & 0xf)).toBe(theirs.rcode);
  expect(mine.flags).toMatchObject({ qr: theirs.flag_qr, aa: theirs.flag_aa, tc: theirs.flag_tc, rd: theirs.flag_rd, ra: theirs.flag_ra, ad: theirs.flag_ad, cd: theirs.flag_cd });
  expect(mine.questions.map((q) => [q.name, q.type])).toEqual((theirs.questions ?? []).map((q) => [q.name === '.' ? '' : q.name, q.type]));
  expect(mine.answers).toEqual((theirs.answers ?? []).map((a) => fromPacket(a as PacketAnswer)));
  expect(mine.authorities).toEqual((theirs.authorities ?? []).map((a) => fromPacket(a as PacketAnswer)));
  expect(mine.additionals).toEqual((theirs.additionals ?? []).filter((a) => a.type !== 'OPT').map((a) => fromPacket(a as PacketAnswer)));
  const opt = (theirs.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize: number } | undefined;
  expect(mine.edns?.udpPayloadSize).toBe(opt?.udpPayloadSize);
  return mine;
}

describe('encodeQuery', () => {
  it.each([
    { desc: '01 an A query with RD', name: 'numbers-api.default.svc.cluster.local', options: { id: 4242 }, type: 'A', rd: true, opt: undefined },
    { desc: '02 SRV, trailing dot, RD off', name: '_dns._udp.kube-dns.kube-system.svc.cluster.local.', options: { id: 1, type: 'SRV', rd: false }, type: 'SRV', rd: false, opt: undefined },
    { desc: '03 a type by number, EDNS0 with 1232 bytes', name: 'cluster.local', options: { type: 6, edns: true }, type: 'SOA', rd: true, opt: 1232 },
    { desc: '04 an unknown type (RFC 3597 name), EDNS0 size given', name: 'x.cluster.local', options: { type: 'TYPE65280', edns: { udpPayloadSize: 4096 } }, type: 'UNKNOWN_65280', rd: true, opt: 4096 },
    { desc: '05 the root', name: '.', options: { type: 'NS' }, type: 'NS', rd: true, opt: undefined },
  ])('$desc', ({ name, options, type, rd, opt }) => {
    const q = encodeQuery(name, options);
    const p = dnsPacket.decode(Buffer.from(q));
    expect(p.id).toBe(options.id ?? 0);
    expect(p.type).toBe('query');
    expect(p.flag_rd).toBe(rd);
    expect(p.questions).toEqual([{ name: name === '.' ? '.' : name.replace(/\.$/, ''), type, class: 'IN' }]);
    const o = (p.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize: number } | undefined;
    expect(o?.udpPayloadSize).toBe(opt);
    expect(decodeMessage(q).questions[0].typeCode).toBe(typeCode(options.type ?? 'A'));
  });

  it.each([
    { desc: '06 a label over 63 bytes', name: `${'a'.repeat(64)}.local`, error: /longer than 63 bytes/ },
    { desc: '07 an empty label', name: 'a..local', error: /empty label/ },
    { desc: '08 a name over 255 bytes', name: Array(5).fill('a'.repeat(60)).join('.'), error: /longer than 255 bytes/ },
    { desc: '09 an unknown type name', name: 'a', type: 'BOGUS', error: /unknown RR type "BOGUS"/ },
    { desc: '10 an id out of range', name: 'a', id: 70000, error: /query id 70000/ },
  ])('$desc is refused', ({ name, type, id, error }) => {
    expect(() => encodeQuery(name, { type, id })).toThrow(error);
  });

  it('11 escapes give exact label bytes', () => {
    const q = encodeQuery('a\\.b.c\\032d', { type: 'A' });
    const m = decodeMessage(q);
    expect(m.questions[0].name).toBe('a\\.b.c\\032d');
  });
});

describe('decodeMessage', () => {
  it('01 every decoded type, as dns-packet reads it', () => {
    const buf = dnsPacket.encode({
      type: 'response',
      id: 77,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED,
      questions: [{ name: 'numbers-api.default.svc.cluster.local', type: 'A', class: 'IN' }],
      answers: [
        { name: 'numbers-api.default.svc.cluster.local', type: 'A', ttl: 5, data: '10.103.155.91' },
        { name: 'web.default.svc.cluster.local', type: 'AAAA', ttl: 5, data: 'fd00::20' },
        { name: 'ext.default.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'raw.githubusercontent.com' },
        { name: '91.155.103.10.in-addr.arpa', type: 'PTR', ttl: 5, data: 'numbers-api.default.svc.cluster.local' },
        { name: '_dns._udp.kube-dns.kube-system.svc.cluster.local', type: 'SRV', ttl: 5, data: { priority: 0, weight: 100, port: 53, target: 'kube-dns.kube-system.svc.cluster.local' } },
        { name: 'cluster.local', type: 'MX', ttl: 5, data: { preference: 10, exchange: 'mail.cluster.local' } },
        { name: 'dns-version.cluster.local', type: 'TXT', ttl: 28800, data: ['1.1.0', 'second'] },
      ],
      authorities: [
        { name: 'cluster.local', type: 'SOA', ttl: 5, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1714564800, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } },
        { name: 'cluster.local', type: 'NS', ttl: 5, data: 'kube-dns.kube-system.svc.cluster.local' },
      ],
      additionals: [
        { name: 'kube-dns.kube-system.svc.cluster.local', type: 'A', ttl: 5, data: '10.96.0.10' },
        { name: '.', type: 'OPT', udpPayloadSize: 1232, flags: 0, options: [] } as never,
      ],
    });
    const m = expectSameAsPacket(buf);
    expect(m.flags).toMatchObject({ qr: true, aa: true, rd: true, tc: false });
    expect(m.edns).toEqual({ udpPayloadSize: 1232, extendedRcode: 0, version: 0, dnssecOk: false, options: [] });
  });

  it('02 unknown and undecoded types keep their raw RDATA', () => {
    const buf = dnsPacket.encode({ type: 'response', answers: [{ name: 'x', type: 'HINFO', data: { cpu: 'a', os: 'b' } } as never] });
    const rr = decodeMessage(buf).answers[0] as DnsRecord & { data: Uint8Array };
    expect(rr.type).toBe('HINFO');
    expect(Array.from(rr.data)).toEqual([1, 97, 1, 98]);
    expect(typeName(65280)).toBe('TYPE65280');
  });

  it('03 compressed responses of a data plane decode as dns-packet reads them', () => {
    const cluster = seedCluster({ now: () => new Date('2024-05-01T12:00:00Z') });
    const dns = new ClusterDns(new ReferenceDnsPlane(), { now: () => 1714564800000 });
    dns.attach(cluster);
    const out = new Uint8Array(65535);
    const queries: [string, string][] = [
      ['NUMBERS-API.default.svc.CLUSTER.local', 'A'],
      ['_dns._udp.kube-dns.kube-system.svc.cluster.local', 'SRV'],
      ['kube-dns.kube-system.svc.cluster.local', 'SRV'],
      ['cluster.local', 'NS'],
      ['cluster.local', 'SOA'],
      ['nope.default.svc.cluster.local', 'A'],
      ['91.155.103.10.in-addr.arpa', 'PTR'],
      ['dns-version.cluster.local', 'TXT'],
    ];
    for (const [name, type] of queries) {
      for (const transport of [DNS_UDP, DNS_TCP]) {
        const n = dns.answer(encodeQuery(name, { type, id: 9, edns: transport === DNS_TCP }), transport, out);
        const m = expectSameAsPacket(out.subarray(0, n));
        expect(m.questions[0].name).toBe(name);
      }
    }
  });

  it('04 the extended RCODE of an OPT record joins the header RCODE', () => {
    const buf = dnsPacket.encode({ type: 'response', additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 512, extendedRcode: 1, flags: dnsPacket.DNSSEC_OK, options: [] } as never] });
    const m = decodeMessage(buf);
    expect(m.rcode).toBe(16);
    expect(rcodeName(m.rcode)).toBe('BADVERS');
    expect(m.edns?.dnssecOk).toBe(true);
  });
});

const header = (id: number, flags: number, qd: number, an: number, ns: number, ar: number): number[] =>
  [id >> 8, id & 255, flags >> 8, flags & 255, 0, qd, 0, an, 0, ns, 0, ar];
const name = (...labels: string[]): number[] => [...labels.flatMap((l) => [l.length, ...Array.from(l, (c) => c.charCodeAt(0))]), 0];
const rr = (owner: number[], type: number, rdata: number[], rdlength = rdata.length): number[] => [...owner, 0, type, 0, 1, 0, 0, 0, 5, rdlength >> 8, rdlength & 255, ...rdata];
const question = [...name('a', 'local'), 0, 1, 0, 1];

describe('decodeMessage errors', () => {
  const cases: { desc: string; bytes: number[]; error: string; offset: number }[] = [
    { desc: '01 a short header', bytes: header(1, 0x8000, 0, 0, 0, 0).slice(0, 11), error: 'DNS message truncated at byte 11 while reading the header', offset: 10 },
    { desc: '02 a missing question', bytes: header(1, 0x8000, 1, 0, 0, 0), error: 'DNS message truncated at byte 12 while reading question 1', offset: 12 },
    {
      desc: '03 a count that lies',
      bytes: [...header(1, 0x8000, 1, 2, 0, 0), ...question, ...rr([0xc0, 12], 1, [10, 0, 0, 1])],
      error: 'DNS message truncated at byte 41 while reading RR 2 of the answer section',
      offset: 41,
    },
    {
      desc: '04 RDATA past the end',
      bytes: [...header(1, 0x8000, 1, 1, 0, 0), ...question, ...rr([0xc0, 12], 1, [10, 0], 4)],
      error: 'DNS message truncated at byte 39 while reading RR 1 of the answer section',
      offset: 37,
    },
    {
      desc: '05 a pointer to itself (a loop)',
      bytes: [...header(1, 0x8000, 1, 0, 0, 0), 0xc0, 12, 0, 1, 0, 1],
      error: 'DNS message: the name at byte 12 in question 1 has a compression pointer at byte 12 to byte 12, which is not before it (RFC 1035 §4.1.4)',
      offset: 12,
    },
    {
      desc: '06 a forward pointer',
      bytes: [...header(1, 0x8000, 1, 0, 0, 0), 1, 97, 0xc0, 20, 0, 1, 0, 1],
      error: 'DNS message: the name at byte 12 in question 1 has a compression pointer at byte 14 to byte 20, which is not before it (RFC 1035 §4.1.4)',
      offset: 14,
    },
    {
      desc: '07 a reserved label type',
      bytes: [...header(1, 0x8000, 1, 0, 0, 0), 0x41, 0, 1, 0, 1],
      error: 'DNS message: the name at byte 12 in question 1 has a label of unsupported type 0x40 at byte 12',
      offset: 12,
    },
    {
      desc: '08 a name over 255 bytes',
      bytes: [...header(1, 0x8000, 1, 0, 0, 0), ...name(...Array(5).fill('b'.repeat(63))), 0, 1, 0, 1],
      error: 'DNS message: the name at byte 12 in question 1 is longer than 255 bytes',
      offset: 204,
    },
    {
      desc: '09 A RDATA of the wrong size',
      bytes: [...header(1, 0x8000, 1, 1, 0, 0), ...question, ...rr([0xc0, 12], 1, [10, 0, 0, 1, 9])],
      error: 'DNS message: A RDATA of RR 1 of the answer section is 5 bytes, expected 4',
      offset: 37,
    },
    {
      desc: '10 a CNAME with bytes after its name',
      bytes: [...header(1, 0x8000, 1, 1, 0, 0), ...question, ...rr([0xc0, 12], 5, [...name('b'), 7])],
      error: 'DNS message: CNAME RDATA of RR 1 of the answer section is 4 bytes, but its data ends at byte 40 instead of 41',
      offset: 37,
    },
    {
      desc: '11 a name that runs past its RDATA',
      bytes: [...header(1, 0x8000, 1, 1, 0, 0), ...question, ...rr([0xc0, 12], 5, [...name('bbbb')], 3), 0, 0],
      error: 'DNS message: RDATA of RR 1 of the answer section ends at byte 40, but its data needs byte 41',
      offset: 37,
    },
    {
      desc: '12 an OPT record in the answer section',
      bytes: [...header(1, 0x8000, 1, 1, 0, 0), ...question, 0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0],
      error: 'DNS message: RR 1 of the answer section is an OPT record, which belongs in the additional section',
      offset: 25,
    },
    {
      desc: '13 a second OPT record (RFC 6891 §6.1.1)',
      bytes: [...header(1, 0x8000, 1, 0, 0, 2), ...question, ...[0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0], ...[0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0]],
      error: 'DNS message: RR 2 of the additional section is a second OPT record (RFC 6891 §6.1.1)',
      offset: 36,
    },
    {
      desc: '14 an OPT record not owned by the root',
      bytes: [...header(1, 0x8000, 1, 0, 0, 1), ...question, ...name('x'), 0, 41, 4, 208, 0, 0, 0, 0, 0, 0],
      error: 'DNS message: the OPT record (RR 1 of the additional section) must be owned by the root, not "x"',
      offset: 25,
    },
  ];

  it.each(cases)('$desc', ({ bytes, error, offset }) => {
    let thrown: unknown;
    try {
      decodeMessage(Uint8Array.from(bytes));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DnsWireError);
    expect((thrown as DnsWireError).message).toBe(error);
    expect((thrown as DnsWireError).offset).toBe(offset);
  });
});

describe('decodeMessage fuzzing', () => {
  /** Decodes or throws a DnsWireError; anything else (RangeError from a typed array…) fails. */
  function decodeOrWireError(bytes: Uint8Array): void {
    try {
      decodeMessage(bytes);
    } catch (e) {
      if (!(e instanceof DnsWireError)) throw e;
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(e.offset).toBeLessThanOrEqual(bytes.length + 2);
    }
  }

  it('01 random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => decodeOrWireError(bytes)), { numRuns: 3000 });
  });

  it('02 random headers over random bodies (counts that lie)', () => {
    const arb = fc.tuple(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }), fc.uint8Array({ maxLength: 300 }));
    fc.assert(fc.property(arb, ([counts, body]) => decodeOrWireError(Uint8Array.from([...header(1, 0x8400, counts[0], counts[1], counts[2], counts[3]), ...body]))), { numRuns: 3000 });
  });

  it('03 mutated responses of a data plane', () => {
    const cluster = seedCluster({ now: () => new Date('2024-05-01T12:00:00Z') });
    const dns = new ClusterDns(new ReferenceDnsPlane(), { now: () => 1714564800000 });
    dns.attach(cluster);
    const out = new Uint8Array(65535);
    const seeds = [
      ['kube-dns.kube-system.svc.cluster.local', 'SRV'],
      ['cluster.local', 'NS'],
      ['nope.cluster.local', 'A'],
      ['91.155.103.10.in-addr.arpa', 'PTR'],
    ].map(([n, t]) => out.slice(0, dns.answer(encodeQuery(n, { type: t, edns: true }), DNS_UDP, out)));
    const mutation = fc.record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, flips, cut }) => {
        const bytes = seeds[seed].slice();
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        decodeOrWireError(cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1)));
      }),
      { numRuns: 5000 },
    );
  });

  it('04 a long chain of backward pointers ends', () => {
    const bytes = [...header(1, 0x8000, 1, 0, 0, 0), 1, 97, 0];
    for (let i = 0; i < 200; i++) bytes.push(0xc0 | ((bytes.length - 2) >> 8), (bytes.length - 2) & 255);
    const start = bytes.length - 2;
    bytes[4] = 0;
    bytes[5] = 1;
    const q = Uint8Array.from([...bytes.slice(0, 12), ...bytes.slice(12), 0xc0 | (start >> 8), start & 255, 0, 1, 0, 1]);
    decodeOrWireError(q);
  });
});
