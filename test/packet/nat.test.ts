// NAT rewrite in place. Each case states the packet after the rewrite as samples.ts builds
// it from scratch (full checksums computed independently), so "incremental == full" is
// checked byte for byte; every rewritten packet is also audited with the independent sums.
// Run in the TypeScript reference and both wasm builds.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseIPv4, parseIPv6 } from '../../sdk/model/ip.js';
import {
  NAT_BAD_RECORD,
  NAT_CHECKSUM_STALE,
  NAT_DST_ADDR,
  NAT_DST_PORT,
  NAT_EMBEDDED_IGNORED,
  NAT_INNER_DST_ADDR,
  NAT_INNER_DST_PORT,
  NAT_INNER_SRC_ADDR,
  NAT_INNER_SRC_PORT,
  NAT_NOT_PARSED,
  NAT_PORTS_IGNORED,
  NAT_SRC_ADDR,
  type NatRewrite,
  natRewrite,
  rewritePacket,
} from '../../sdk/packet/nat.js';
import { LINKTYPE_ETHERNET, LINKTYPE_RAW, parsePacket } from '../../sdk/packet/parse.js';
import { validPacketArb, buildPacket, linkTypeOf, rewriteArb, rewriteFor } from './generators.js';
import { ENGINES, auditChecksums, run } from './harness.js';
import {
  SAMPLES,
  concat,
  ethernet,
  hex,
  icmp,
  ipv4,
  ipv6,
  opaque,
  rfc1071,
  sctp,
  sctpInit,
  tcp,
  udp,
} from './samples.js';

const v4 = parseIPv4;
const v6 = parseIPv6;

const synTcp = (sport: number, dport: number) => tcp({ sport, dport, seq: 0x01020304, flags: 0x02, options: [2, 4, 0x05, 0xb4] });
const synIp = (src: string, dst: string) => ({ src, dst, df: true });

/** A UDP destination port whose checksum comes out 0 after the rewrite (so it must be sent as 0xffff). */
function zeroChecksumPort(): number {
  for (let port = 1; port < 65536; port++) {
    const l4 = udp({ sport: 1000, dport: port, data: [0x12, 0x34], checksum: 0 });
    const bytes = ipv4({ src: '10.0.0.7', dst: '10.244.0.9' }, l4);
    // The checksum that would go in: RFC 1071 over the pseudo-header and datagram with 0 in the field.
    const src = bytes.subarray(12, 16);
    const dst = bytes.subarray(16, 20);
    let pseudo = 17 + 10;
    for (const a of [src, dst]) pseudo += ((a[0] << 8) | a[1]) + ((a[2] << 8) | a[3]);
    if (rfc1071(bytes, 20, 30, pseudo) === 0) return port;
  }
  throw new Error('no port gives a zero UDP checksum');
}
const ZERO_PORT = zeroChecksumPort();

interface NatCase {
  before: Uint8Array;
  linkType: number;
  rewrite: NatRewrite;
  after: Uint8Array;
  result: number;
}

const CASES: [string, string, NatCase][] = [
  ['01', 'DNAT IPv4 TCP to an endpoint', {
    before: SAMPLES.tcpSyn.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ dst: v4('10.244.1.5'), dstPort: 8080 }),
    after: ipv4(synIp('10.0.0.1', '10.244.1.5'), synTcp(12345, 8080)), result: 0,
  }],
  ['02', 'masquerade IPv4 TCP (source address and port)', {
    before: SAMPLES.tcpSyn.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ src: v4('192.168.0.10'), srcPort: 40001 }),
    after: ipv4(synIp('192.168.0.10', '10.96.0.10'), synTcp(40001, 80)), result: 0,
  }],
  ['03', 'DNAT + masquerade at once, address above 2^31', {
    before: SAMPLES.tcpSyn.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ src: v4('192.168.0.10'), srcPort: 65535, dst: v4('10.244.1.5'), dstPort: 1 }),
    after: ipv4(synIp('192.168.0.10', '10.244.1.5'), synTcp(65535, 1)), result: 0,
  }],
  ['04', 'IPv4 with options, UDP DNAT', {
    before: SAMPLES.ipv4OptionsUdp.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ dst: v4('10.244.2.7'), dstPort: 9001 }),
    after: ipv4({ src: '10.244.1.5', dst: '10.244.2.7', ttl: 63, options: [0x94, 0x04, 0x00, 0x00] }, udp({ sport: 40053, dport: 9001, data: [0xde, 0xad, 0xbe, 0xef] })),
    result: 0,
  }],
  ['05', 'UDP over IPv4 without a checksum keeps 0', {
    before: SAMPLES.udpNoChecksum.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ dst: v4('10.244.0.53'), dstPort: 1053 }),
    after: ipv4({ src: '10.0.0.2', dst: '10.244.0.53' }, udp({ sport: 1000, dport: 1053, data: [1, 2, 3], checksum: 'none' })), result: 0,
  }],
  ['06', 'a UDP checksum that comes out 0 is sent as 0xffff (RFC 768)', {
    before: ipv4({ src: '10.0.0.7', dst: '10.96.0.9' }, udp({ sport: 1000, dport: 53, data: [0x12, 0x34] })), linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ dst: v4('10.244.0.9'), dstPort: ZERO_PORT }),
    after: ipv4({ src: '10.0.0.7', dst: '10.244.0.9' }, udp({ sport: 1000, dport: ZERO_PORT, data: [0x12, 0x34], checksum: 0xffff })), result: 0,
  }],
  ['07', 'IPv6 TCP behind 802.1Q, DNAT', {
    before: SAMPLES.vlanIpv6Tcp.bytes, linkType: LINKTYPE_ETHERNET,
    rewrite: natRewrite({ dst: v6('fd00:244::1:5'), dstPort: 8443 }),
    after: ethernet(ipv6({ src: '2001:db8::1', dst: 'fd00:244::1:5', hopLimit: 57 }, tcp({ sport: 50000, dport: 8443, seq: 7, ack: 9, flags: 0x18, data: [0x16, 3, 1, 0, 5] })), { vlan: 100 }),
    result: 0,
  }],
  ['08', 'UDP over IPv6 with checksum 0 gets a full one', {
    before: ipv6({ src: 'fd00::1', dst: 'fd00::a' }, udp({ sport: 9, dport: 53, data: [1, 2, 3, 4, 5], checksum: 'none' })), linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ dst: v6('fd00::53') }),
    after: ipv6({ src: 'fd00::1', dst: 'fd00::53' }, udp({ sport: 9, dport: 53, data: [1, 2, 3, 4, 5] })), result: 0,
  }],
  ['09', 'SCTP port change recomputes the CRC32c', {
    before: SAMPLES.sctpInit.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ dst: v4('10.244.3.3'), dstPort: 38412 }),
    after: ipv4({ src: '10.0.0.1', dst: '10.244.3.3' }, sctp({ sport: 5000, dport: 38412, vtag: 0, chunks: sctpInit(0x11223344, 1000) })), result: 0,
  }],
  ['10', 'SCTP address change leaves the CRC (no pseudo-header)', {
    before: SAMPLES.sctpInit.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ src: v4('172.16.0.1') }),
    after: ipv4({ src: '172.16.0.1', dst: '10.96.0.20' }, sctp({ sport: 5000, dport: 36412, vtag: 0, chunks: sctpInit(0x11223344, 1000) })), result: 0,
  }],
  ['11', 'ICMP echo: the identifier takes the new source port', {
    before: SAMPLES.icmpEcho.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ src: v4('192.168.0.10'), srcPort: 0x4321 }),
    after: ipv4({ src: '192.168.0.10', dst: '10.96.0.10' }, icmp({ type: 8, rest: 0x43210001, data: [1, 2, 3, 4, 5, 6, 7, 8] })), result: 0,
  }],
  ['12', 'ICMPv6 echo: an address change enters the checksum (pseudo-header)', {
    before: SAMPLES.icmp6Echo.bytes, linkType: LINKTYPE_ETHERNET,
    rewrite: natRewrite({ dst: v6('fd00:244::7') }),
    after: ethernet(ipv6({ src: 'fd00::1', dst: 'fd00:244::7' }, icmp({ type: 128, rest: 0x00070003, data: [9, 9, 9, 9], v6: true }))), result: 0,
  }],
  ['13', 'ICMP error from an endpoint: outer source and the embedded packet back to the frontend', {
    before: SAMPLES.icmpErrorTcp.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ src: v4('10.96.0.10'), srcPort: 80, embedded: true }),
    after: ipv4(
      { src: '10.96.0.10', dst: '10.0.0.1', tos: 0xc0 },
      icmp({ type: 3, code: 3, data: ipv4(synIp('10.0.0.1', '10.96.0.10'), tcp({ sport: 12345, dport: 80, seq: 0x01020304 })).slice(0, 28) }),
    ),
    result: NAT_PORTS_IGNORED,
  }],
  ['14', 'ICMP error from a router: only the embedded packet and the outer destination change', {
    before: ipv4({ src: '10.1.1.1', dst: '192.168.0.10' }, icmp({ type: 11, data: ipv4(synIp('192.168.0.10', '10.244.1.5'), synTcp(40001, 8080)) })), linkType: LINKTYPE_RAW,
    rewrite: { flags: NAT_DST_ADDR | NAT_INNER_SRC_ADDR | NAT_INNER_SRC_PORT | NAT_INNER_DST_ADDR | NAT_INNER_DST_PORT, src: v4('10.96.0.10'), srcPort: 80, dst: v4('10.0.0.1'), dstPort: 12345 },
    after: ipv4({ src: '10.1.1.1', dst: '10.0.0.1' }, icmp({ type: 11, data: ipv4(synIp('10.0.0.1', '10.96.0.10'), synTcp(12345, 80)) })),
    result: 0,
  }],
  ['15', 'ICMPv6 error with embedded UDP (its checksum updated too)', {
    before: SAMPLES.icmp6ErrorUdp.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ src: v6('fd00:96::53'), srcPort: 53, embedded: true }),
    after: ipv6(
      { src: 'fd00:96::53', dst: 'fd00::1' },
      icmp({ type: 1, code: 4, v6: true, data: ipv6({ src: 'fd00::1', dst: 'fd00:96::53' }, udp({ sport: 40000, dport: 53, data: [1, 2, 3, 4] })) }),
    ),
    result: NAT_PORTS_IGNORED,
  }],
  ['16', 'a non-first fragment: addresses only', {
    before: SAMPLES.ipv4LaterFragment.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ dst: v4('10.244.1.5'), dstPort: 8080 }),
    after: ipv4({ src: '10.0.0.1', dst: '10.244.1.5', id: 0x4242, fragOffset: 1480, protocol: 17 }, opaque(17, new Array(40).fill(0x55)), false),
    result: NAT_PORTS_IGNORED,
  }],
  ['17', 'an IPv6 first fragment: UDP checksum updated incrementally', {
    before: SAMPLES.ipv6HopFragUdp.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ dst: v6('fd00:244::9'), dstPort: 5353 }),
    after: ipv6({ src: 'fd00::1', dst: 'fd00:244::9', ext: [{ kind: 0 }, { kind: 44, offset: 0, more: true, id: 0xdeadbeef }] }, udp({ sport: 40000, dport: 5353, length: 8 + 16 + 64, data: new Array(16).fill(7) })),
    result: 0,
  }],
  ['18', 'an SCTP first fragment cannot get its CRC recomputed', {
    before: ipv4({ src: '10.0.0.1', dst: '10.96.0.20', mf: true }, sctp({ sport: 5000, dport: 36412, chunks: sctpInit(1, 2) })), linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ dstPort: 1 }),
    after: concat(ipv4({ src: '10.0.0.1', dst: '10.96.0.20', mf: true }, sctp({ sport: 5000, dport: 1, chunks: sctpInit(1, 2), crc: 0 }))),
    result: NAT_CHECKSUM_STALE,
  }],
  ['19', 'embedded flags on a packet that is no ICMP error', {
    before: SAMPLES.tcpSyn.bytes, linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ dst: v4('10.244.1.5'), embedded: true }),
    after: ipv4(synIp('10.0.0.1', '10.244.1.5'), synTcp(12345, 80)), result: NAT_EMBEDDED_IGNORED,
  }],
  ['20', 'no flags: nothing changes', {
    before: SAMPLES.tcpSyn.bytes, linkType: LINKTYPE_RAW,
    rewrite: { flags: 0, src: v4('1.2.3.4'), srcPort: 1, dst: v4('5.6.7.8'), dstPort: 2 },
    after: SAMPLES.tcpSyn.bytes, result: 0,
  }],
  ['21', 'a dropped packet is not touched', {
    before: SAMPLES.tcpSyn.bytes.subarray(0, 30), linkType: LINKTYPE_RAW,
    rewrite: natRewrite({ dst: v4('10.244.1.5') }),
    after: SAMPLES.tcpSyn.bytes.subarray(0, 30), result: NAT_NOT_PARSED,
  }],
];

// Case 18 keeps the original CRC: patch it in (the builder above wrote 0 there).
CASES[17][2].after.set(CASES[17][2].before.subarray(28, 32), 28);

describe.each(ENGINES)('NAT rewrite (%s)', (engine) => {
  test.each(CASES)('%s %s', async (_n, _name, c) => {
    const out = await run(engine, [{ bytes: c.before, linkType: c.linkType }], { rewrites: [c.rewrite] });
    expect(hex(out.rewritten[0])).toBe(hex(c.after));
    expect(out.natResults[0]).toBe(c.result);
    if (out.parsed[0].reason === 0) {
      const again = parsePacket(out.rewritten[0], c.linkType);
      expect(again.reason).toBe(0);
      expect(auditChecksums(out.rewritten[0], again)).toEqual([]);
    }
  });
});

test('22 a record that does not fit the packet is refused before any write', () => {
  const bytes = SAMPLES.tcpSyn.bytes.slice();
  const p = parsePacket(bytes, LINKTYPE_RAW);
  const before = hex(bytes);
  expect(rewritePacket(bytes, { ...p, ipEnd: 200 }, natRewrite({ dst: 1 }))).toBe(NAT_BAD_RECORD);
  expect(rewritePacket(bytes, { ...p, l4Offset: 40 }, natRewrite({ dstPort: 1 }))).toBe(NAT_BAD_RECORD);
  expect(rewritePacket(bytes, { ...p, family: 6 }, natRewrite({ dst: 1 }))).toBe(NAT_BAD_RECORD);
  expect(hex(bytes)).toBe(before);
});

test('23 natRewrite: each given field sets its flag, embedded mirrors them', () => {
  expect(natRewrite({ src: 1, dstPort: 2 }).flags).toBe(NAT_SRC_ADDR | NAT_DST_PORT);
  expect(natRewrite({ src: 1, srcPort: 2, dst: 3, dstPort: 4, embedded: true }).flags).toBe(0xff);
  expect(natRewrite({ dst: 3, embedded: true }).flags).toBe(NAT_DST_ADDR | NAT_INNER_SRC_ADDR);
  expect(NAT_INNER_DST_ADDR | NAT_INNER_DST_PORT | NAT_INNER_SRC_PORT).toBe(0xe0);
});

test.each(ENGINES)('24 random packets × random rewrites: every checksum still verifies from scratch (%s)', async (engine) => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(validPacketArb, rewriteArb), { minLength: 1, maxLength: 16 }), async (cases) => {
      const frames = cases.map(([s]) => ({ bytes: buildPacket(s), linkType: linkTypeOf(s) }));
      const rewrites = cases.map(([s, r]) => rewriteFor(s, r));
      const out = await run(engine, frames, { rewrites });
      out.rewritten.forEach((bytes, i) => {
        const again = parsePacket(bytes, frames[i].linkType);
        expect(again.reason).toBe(0);
        expect(auditChecksums(bytes, again)).toEqual([]);
        const r = rewrites[i];
        if (r.flags & NAT_SRC_ADDR) expect(again.src).toEqual(r.src);
        if (r.flags & NAT_DST_ADDR) expect(again.dst).toEqual(r.dst);
        if (cases[i][0].proto !== 'echo') {
          if (r.flags & 2) expect(again.srcPort).toBe(r.srcPort);
          if (r.flags & NAT_DST_PORT) expect(again.dstPort).toBe(r.dstPort);
        }
      });
    }),
    { numRuns: engine === 'ts' ? 150 : 60 },
  );
});
