// The parser on golden packets (every field written out by hand from how samples.ts built
// them) and on one crafted packet per drop reason, in the TypeScript reference and both
// wasm builds.
import { describe, expect, test } from 'vitest';
import { parseIPv4, parseIPv6 } from '../../sdk/model/ip.js';
import {
  CHECKSUM_ABSENT,
  CHECKSUM_BAD,
  CHECKSUM_VALID,
  FRAG_DONT_FRAGMENT,
  FRAG_FIRST,
  FRAG_HEADER,
  FRAG_IS_FRAGMENT,
  FRAG_MORE,
  INNER_LATER_FRAGMENT,
  INNER_PORTS,
  INNER_PRESENT,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_RAW,
  PARSE_SKIP_IPV4_CHECKSUM,
  type ParsedPacket,
  reasonName,
} from '../../sdk/packet/parse.js';
import { ENGINES, TARGETS, kernelFor, run } from './harness.js';
import {
  SAMPLES,
  type Sample,
  addr,
  be16,
  concat,
  ethernet,
  icmp,
  ipv4,
  ipv6,
  opaque,
  rfc1071,
  sctp,
  tcp,
  udp,
} from './samples.js';

const v4 = parseIPv4;
const v6 = parseIPv6;

/** The frame with bytes replaced at `at`. */
function patch(bytes: Uint8Array, at: number, values: number[]): Uint8Array {
  const out = bytes.slice();
  out.set(values, at);
  return out;
}

/** Recomputes the IPv4 header checksum at `l3` (after a patch). */
function fixIp(bytes: Uint8Array, l3 = 0): Uint8Array {
  const out = bytes.slice();
  out[l3 + 10] = 0;
  out[l3 + 11] = 0;
  const c = rfc1071(out, l3, l3 + (out[l3] & 15) * 4);
  out[l3 + 10] = c >>> 8;
  out[l3 + 11] = c & 0xff;
  return out;
}

const S = SAMPLES;

const GOLDEN: [string, Sample, Partial<ParsedPacket>, number][] = [
  ['01', S.tcpSyn, {
    family: 4, protocol: 6, l3Offset: 0, l4Offset: 20, srcPort: 12345, dstPort: 80, tcpFlags: 0x02,
    fragFlags: FRAG_DONT_FRAGMENT, ttl: 64, fragId: 0x1c46, fragOffset: 0, payloadLength: 0,
    src: v4('10.0.0.1'), dst: v4('10.96.0.10'), ipEnd: 44, l4Word: 0x01020304, inner: null,
  }, CHECKSUM_VALID | (CHECKSUM_VALID << 2)],
  ['02', S.ipv4OptionsUdp, {
    family: 4, protocol: 17, l4Offset: 24, srcPort: 40053, dstPort: 9000, ttl: 63, fragFlags: 0, payloadLength: 4,
    src: v4('10.244.1.5'), dst: v4('10.96.0.10'), ipEnd: 36,
  }, CHECKSUM_VALID | (CHECKSUM_VALID << 2)],
  ['03', S.ipv6HopFragUdp, {
    family: 6, protocol: 17, l3Offset: 0, l4Offset: 56, srcPort: 40000, dstPort: 53,
    fragFlags: FRAG_HEADER | FRAG_IS_FRAGMENT | FRAG_FIRST | FRAG_MORE, fragId: 0xdeadbeef, fragOffset: 0,
    payloadLength: 16, src: v6('fd00::1'), dst: v6('fd00::a'), ipEnd: 80, ttl: 64,
  }, CHECKSUM_ABSENT],
  ['04', S.sctpInit, {
    family: 4, protocol: 132, l4Offset: 20, srcPort: 5000, dstPort: 36412, l4Word: 0, payloadLength: 20, ipEnd: 52,
    dst: v4('10.96.0.20'),
  }, CHECKSUM_VALID | (CHECKSUM_VALID << 2)],
  ['05', S.icmpEcho, {
    family: 4, protocol: 1, icmpType: 8, icmpCode: 0, srcPort: 0x1234, dstPort: 0x1234, l4Word: 0x12340001, payloadLength: 8,
  }, CHECKSUM_VALID | (CHECKSUM_VALID << 2)],
  ['06', S.icmpErrorTcp, {
    family: 4, protocol: 1, icmpType: 3, icmpCode: 3, srcPort: 0, dstPort: 0, payloadLength: 28, ipEnd: 56,
    src: v4('10.244.1.5'), dst: v4('10.0.0.1'),
    inner: { flags: INNER_PRESENT | INNER_PORTS, protocol: 6, l3Offset: 28, l4Offset: 48, srcPort: 12345, dstPort: 8080, src: v4('10.0.0.1'), dst: v4('10.244.1.5') },
  }, CHECKSUM_VALID | (CHECKSUM_VALID << 2)],
  ['07', S.vlanIpv6Tcp, {
    family: 6, protocol: 6, l3Offset: 18, l4Offset: 58, ttl: 57, tcpFlags: 0x18, srcPort: 50000, dstPort: 443,
    payloadLength: 5, l4Word: 7, ipEnd: 83, fragFlags: 0, src: v6('2001:db8::1'), dst: v6('fd00:10:96::a'),
  }, CHECKSUM_VALID << 2],
  ['08', S.ipv4LaterFragment, {
    family: 4, protocol: 17, l4Offset: 0, srcPort: 0, dstPort: 0, fragFlags: FRAG_IS_FRAGMENT, fragOffset: 1480,
    fragId: 0x4242, payloadLength: 40, ipEnd: 60,
  }, CHECKSUM_VALID],
  ['09', S.icmp6Echo, {
    family: 6, protocol: 58, l3Offset: 14, l4Offset: 54, icmpType: 128, srcPort: 7, dstPort: 7, l4Word: 0x00070003, payloadLength: 4,
  }, CHECKSUM_VALID << 2],
  ['10', S.icmp6ErrorUdp, {
    family: 6, protocol: 58, icmpType: 1, icmpCode: 4, l4Offset: 40, payloadLength: 52,
    inner: { flags: INNER_PRESENT | INNER_PORTS, protocol: 17, l3Offset: 48, l4Offset: 88, srcPort: 40000, dstPort: 5353, src: v6('fd00::1'), dst: v6('fd00:244::5') },
  }, CHECKSUM_VALID << 2],
  ['11', S.etherUdp, {
    family: 4, protocol: 17, l3Offset: 14, l4Offset: 34, srcPort: 33333, dstPort: 9999, fragId: 7, payloadLength: 20,
    src: v4('192.168.1.20'), dst: v4('10.96.0.30'), ipEnd: 62,
  }, CHECKSUM_VALID | (CHECKSUM_VALID << 2)],
  ['12', S.udpNoChecksum, { family: 4, protocol: 17, srcPort: 1000, dstPort: 9053, payloadLength: 3 }, CHECKSUM_VALID | (CHECKSUM_ABSENT << 2)],
];

const T = S.tcpSyn.bytes;
const ext9 = Array.from({ length: 9 }, () => ({ kind: 60 as const }));

/** [#, name, frame, link type, reason, fields the dropped record keeps (optional), parse flags]. */
const REASONS: [string, string, Uint8Array, number, string, Partial<ParsedPacket>?, number?][] = [
  ['01', 'unknown link type (Linux cooked)', T, 113, 'UNSUPPORTED_LINK_TYPE'],
  ['02', 'Ethernet header cut', ethernet(T).subarray(0, 10), LINKTYPE_ETHERNET, 'TRUNCATED_LINK'],
  ['03', '802.1Q tag cut', ethernet(T, { vlan: 5 }).subarray(0, 16), LINKTYPE_ETHERNET, 'TRUNCATED_LINK'],
  ['04', 'ARP', ethernet(new Uint8Array(28), { etherType: 0x0806 }), LINKTYPE_ETHERNET, 'NOT_IP', { l3Offset: 14, family: 0 }],
  ['05', 'QinQ outer tag', ethernet(T, { etherType: 0x88a8 }), LINKTYPE_ETHERNET, 'NOT_IP'],
  ['06', 'Ethernet header only', ethernet(new Uint8Array(0)), LINKTYPE_ETHERNET, 'TRUNCATED_L3', { l3Offset: 14 }],
  ['07', 'IPv4 header cut at 19 bytes', T.subarray(0, 19), LINKTYPE_RAW, 'TRUNCATED_L3', { family: 4 }],
  ['08', 'IPv6 header cut at 39 bytes', S.icmp6ErrorUdp.bytes.subarray(0, 39), LINKTYPE_RAW, 'TRUNCATED_L3', { family: 6 }],
  ['09', 'IPv4 total length beyond the capture', T.subarray(0, 40), LINKTYPE_RAW, 'TRUNCATED_L3'],
  ['10', 'IHL beyond the capture', patch(T, 0, [0x4f]), LINKTYPE_RAW, 'TRUNCATED_L3'],
  ['11', 'IPv6 payload length beyond the capture', S.icmp6ErrorUdp.bytes.subarray(0, 90), LINKTYPE_RAW, 'TRUNCATED_L3'],
  ['12', 'version 5', patch(T, 0, [0x55]), LINKTYPE_RAW, 'UNSUPPORTED_VERSION', { family: 0 }],
  ['13', 'IPv6 on LINKTYPE_IPV4', S.icmp6ErrorUdp.bytes, LINKTYPE_IPV4, 'VERSION_MISMATCH'],
  ['14', 'IPv4 on LINKTYPE_IPV6', T, LINKTYPE_IPV6, 'VERSION_MISMATCH'],
  ['15', 'IPv4 bytes under EtherType IPv6', ethernet(T, { etherType: 0x86dd }), LINKTYPE_ETHERNET, 'VERSION_MISMATCH'],
  ['16', 'IHL 4', fixIp(patch(T, 0, [0x44])), LINKTYPE_RAW, 'BAD_IHL', { family: 4 }],
  ['17', 'bad header checksum', patch(T, 10, [T[10] ^ 0xff]), LINKTYPE_RAW, 'BAD_IPV4_CHECKSUM', { family: 4, ipEnd: 0 }],
  ['18', 'total length below the header', fixIp(patch(T, 2, be16(19))), LINKTYPE_RAW, 'BAD_TOTAL_LENGTH'],
  ['19', 'fragment past 65535 bytes', ipv4({ src: '10.0.0.1', dst: '10.0.0.2', fragOffset: 65528, protocol: 17 }, opaque(17, new Array(16).fill(1)), false), LINKTYPE_RAW, 'BAD_FRAGMENT', { fragOffset: 65528, fragFlags: FRAG_IS_FRAGMENT }],
  ['20', 'two IPv6 fragment headers', ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: [{ kind: 44, more: true }, { kind: 44, more: true }] }, udp({ sport: 1, dport: 2, data: new Array(8).fill(0) })), LINKTYPE_RAW, 'BAD_FRAGMENT', { fragFlags: FRAG_HEADER | FRAG_IS_FRAGMENT | FRAG_FIRST | FRAG_MORE, protocol: 44 }],
  ['21', 'IPv6 non-last fragment not a multiple of 8 bytes', ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: [{ kind: 44, more: true }] }, udp({ sport: 1, dport: 2, data: [1, 2, 3] })), LINKTYPE_RAW, 'BAD_FRAGMENT'],
  ['22', 'IPv6 fragment past 65535 bytes', ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: [{ kind: 44, offset: 65528 }] }, opaque(17, new Array(16).fill(0))), LINKTYPE_RAW, 'BAD_FRAGMENT'],
  ['23', 'hop-by-hop after destination options', ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: [{ kind: 60 }, { kind: 0 }] }, udp({ sport: 1, dport: 2 })), LINKTYPE_RAW, 'HOP_BY_HOP_NOT_FIRST', { protocol: 0 }],
  ['24', 'routing header longer than the packet', ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: [{ kind: 43, length: 10 }], payloadLength: 16 }, opaque(59, [])).subarray(0, 56), LINKTYPE_RAW, 'TRUNCATED_EXT_HEADER'],
  ['25', 'fragment header cut', ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: [{ kind: 0 }, { kind: 44 }], payloadLength: 12 }, opaque(59, [])).subarray(0, 52), LINKTYPE_RAW, 'TRUNCATED_EXT_HEADER'],
  ['26', 'nine extension headers', ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: ext9 }, udp({ sport: 1, dport: 2 })), LINKTYPE_RAW, 'EXT_HEADER_CHAIN_TOO_LONG', { protocol: 60 }],
  ['27', 'TCP header cut at 10 bytes', ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6 }, opaque(6, new Array(10).fill(0))), LINKTYPE_RAW, 'TRUNCATED_L4', { l4Offset: 20, srcPort: 0 }],
  ['28', 'UDP header cut at 4 bytes', ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, opaque(17, [0, 53, 0, 53])), LINKTYPE_RAW, 'TRUNCATED_L4'],
  ['29', 'SCTP header cut at 8 bytes', ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, opaque(132, new Array(8).fill(0))), LINKTYPE_RAW, 'TRUNCATED_L4'],
  ['30', 'ICMP header cut at 4 bytes', ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, opaque(1, [8, 0, 0, 0])), LINKTYPE_RAW, 'TRUNCATED_L4'],
  ['31', 'IPv6 first fragment without the whole TCP header (RFC 7112)', ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: [{ kind: 44, more: true }] }, opaque(6, new Array(16).fill(0))), LINKTYPE_RAW, 'TRUNCATED_L4', { fragFlags: FRAG_HEADER | FRAG_IS_FRAGMENT | FRAG_FIRST | FRAG_MORE }],
  ['32', 'TCP data offset 4', ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ sport: 1111, dport: 80, dataOffset: 4, flags: 0x12 })), LINKTYPE_RAW, 'BAD_TCP_OFFSET', { srcPort: 1111, dstPort: 80, tcpFlags: 0x12, payloadLength: 0 }],
  ['33', 'TCP data offset beyond the segment', ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ sport: 1, dport: 80, dataOffset: 15 })), LINKTYPE_RAW, 'BAD_TCP_OFFSET'],
  ['34', 'UDP length 7', ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 1, dport: 53, length: 7 })), LINKTYPE_RAW, 'BAD_UDP_LENGTH', { srcPort: 1, dstPort: 53 }],
  ['35', 'UDP length beyond the datagram', ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ sport: 1, dport: 53, length: 30, data: [1] })), LINKTYPE_RAW, 'BAD_UDP_LENGTH'],
  ['36', 'ICMP error with 10 embedded bytes', ipv4({ src: '10.0.0.9', dst: '10.0.0.1' }, icmp({ type: 11, data: T.slice(0, 10) })), LINKTYPE_RAW, 'BAD_ICMP_EMBEDDED', { icmpType: 11, inner: null }],
  ['37', 'ICMP error embedding IPv6', ipv4({ src: '10.0.0.9', dst: '10.0.0.1' }, icmp({ type: 3, code: 1, data: S.icmp6ErrorUdp.bytes.slice(0, 48) })), LINKTYPE_RAW, 'BAD_ICMP_EMBEDDED'],
  ['38', 'ICMP error embedding only 2 bytes of TCP', ipv4({ src: '10.0.0.9', dst: '10.0.0.1' }, icmp({ type: 3, code: 3, data: T.slice(0, 22) })), LINKTYPE_RAW, 'BAD_ICMP_EMBEDDED'],
  ['39', 'ICMPv6 error with a truncated embedded header chain', ipv6({ src: 'fd00::9', dst: 'fd00::1' }, icmp({ type: 1, v6: true, data: ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: [{ kind: 60, length: 4 }] }, udp({ sport: 1, dport: 2 })).slice(0, 48) })), LINKTYPE_RAW, 'BAD_ICMP_EMBEDDED'],
  ['40', 'bad header checksum, verification skipped', patch(T, 10, [T[10] ^ 0xff]), LINKTYPE_RAW, 'OK', { srcPort: 12345 }, PARSE_SKIP_IPV4_CHECKSUM],
  ['41', 'Ethernet padding after a short packet', concat(ethernet(S.udpNoChecksum.bytes), new Uint8Array(29)), LINKTYPE_ETHERNET, 'OK', { ipEnd: 45, payloadLength: 3 }],
  ['42', 'ESP ends the IPv6 chain', ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: [{ kind: 0 }] }, opaque(50, [0, 0, 1, 0, 0, 0, 0, 1, 9, 9])), LINKTYPE_RAW, 'OK', { protocol: 50, l4Offset: 48, srcPort: 0, payloadLength: 10 }],
  ['43', 'AH walked (RFC 4302 length)', ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: [{ kind: 51 }] }, udp({ sport: 7, dport: 8 })), LINKTYPE_RAW, 'OK', { protocol: 17, l4Offset: 64, srcPort: 7 }],
  ['44', 'an embedded non-first fragment has no ports', ipv4({ src: '10.0.0.9', dst: '10.0.0.1' }, icmp({ type: 11, code: 1, data: S.ipv4LaterFragment.bytes.slice(0, 28) })), LINKTYPE_RAW, 'OK', { inner: { flags: INNER_PRESENT | INNER_LATER_FRAGMENT, protocol: 17, l3Offset: 28, l4Offset: 0, srcPort: 0, dstPort: 0, src: v4('10.0.0.1'), dst: v4('10.96.0.10') } }],
  ['45', 'atomic IPv6 fragment (RFC 6946) is a whole packet', ipv6({ src: 'fd00::1', dst: 'fd00::2', ext: [{ kind: 44 }] }, udp({ sport: 3, dport: 4, data: [1] })), LINKTYPE_RAW, 'OK', { fragFlags: FRAG_HEADER, srcPort: 3 }],
];

describe.each(ENGINES)('parse (%s)', (engine) => {
  test.each(GOLDEN)('golden %s', async (_n, sample, expected, checksums) => {
    const out = await run(engine, [{ bytes: sample.bytes, linkType: sample.linkType }]);
    expect(reasonName(out.parsed[0].reason)).toBe('OK');
    expect(out.parsed[0]).toMatchObject(expected);
    expect(out.checksums[0]).toBe(checksums);
  });

  test.each(REASONS)('reason %s: %s', async (_n, _name, bytes, linkType, reason, keeps, flags) => {
    const out = await run(engine, [{ bytes, linkType }], { parseFlags: flags ?? 0 });
    expect(reasonName(out.parsed[0].reason)).toBe(reason);
    if (keeps) expect(out.parsed[0]).toMatchObject(keeps);
  });

  test('a dropped packet verifies no checksum', async () => {
    const out = await run(engine, [{ bytes: patch(T, 10, [T[10] ^ 0xff]), linkType: LINKTYPE_RAW }]);
    expect(out.checksums[0]).toBe(0);
  });

  test('a corrupt TCP checksum reads BAD, a corrupt SCTP CRC too', async () => {
    const tcpBad = patch(T, 36, [T[36] ^ 1]);
    const sctpBad = patch(S.sctpInit.bytes, 28, [S.sctpInit.bytes[28] ^ 1]);
    const out = await run(engine, [{ bytes: tcpBad, linkType: LINKTYPE_RAW }, { bytes: sctpBad, linkType: LINKTYPE_RAW }]);
    expect(out.checksums).toEqual([CHECKSUM_VALID | (CHECKSUM_BAD << 2), CHECKSUM_VALID | (CHECKSUM_BAD << 2)]);
  });

  test('UDP over IPv6 with checksum 0 reads BAD (RFC 8200 §8.1)', async () => {
    const bytes = ipv6({ src: 'fd00::1', dst: 'fd00::2' }, udp({ sport: 1, dport: 2, data: [1], checksum: 'none' }));
    const out = await run(engine, [{ bytes, linkType: LINKTYPE_RAW }]);
    expect(out.checksums[0]).toBe(CHECKSUM_BAD << 2);
  });
});

describe.each(TARGETS)('descriptors (%s)', (target) => {
  test('a descriptor outside the packet area reads BAD_DESCRIPTOR', async () => {
    const k = await kernelFor(target);
    const v = k.load([{ bytes: T, linkType: LINKTYPE_RAW }, { bytes: T, linkType: LINKTYPE_RAW }]);
    v.descriptors[4] = v.area.length - 10;
    v.descriptors[5] = 11;
    expect(k.parse(2)).toBe(1);
    expect(reasonName(k.parsed(1).reason)).toBe('BAD_DESCRIPTOR');
    expect(k.exports.parsePackets(v.capacity + 1, 0)).toBeLessThan(0);
  });

  test('addresses above 2^31 come back unsigned', async () => {
    const k = await kernelFor(target);
    const bytes = ipv4({ src: '255.255.255.254', dst: '203.0.113.9' }, udp({ sport: 1, dport: 2 }));
    k.load([{ bytes, linkType: LINKTYPE_RAW }]);
    k.parse(1);
    expect([k.parsed(0).src, k.parsed(0).dst]).toEqual([0xfffffffe, v4('203.0.113.9')]);
    expect(addr('203.0.113.9')).toEqual(Uint8Array.from([203, 0, 113, 9]));
  });
});

test('sctp() builds what RFC 4960 describes: common header then chunks', () => {
  const l4 = sctp({ sport: 1, dport: 2, vtag: 3, chunks: [1, 0, 0, 4] });
  expect(Array.from(l4.bytes)).toEqual([0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 1, 0, 0, 4]);
});
