// The ICMP / ICMPv6 port unreachable of a REJECT: expected replies built from scratch
// with samples.ts (so every byte and checksum is checked independently), the size caps
// (576 / 1280 bytes), Ethernet MAC swap with the 802.1Q tag kept, and every refusal.
// Run in the TypeScript reference and both wasm builds.
import { describe, expect, test } from 'vitest';
import {
  UNREACH_BAD_CHECKSUM,
  UNREACH_BAD_INDEX,
  UNREACH_DESTINATION_NOT_UNICAST,
  UNREACH_ICMP_ERROR,
  UNREACH_LATER_FRAGMENT,
  UNREACH_NOT_PARSED,
  UNREACH_NO_ROOM,
  UNREACH_SKIP_CHECKSUM_CHECK,
  UNREACH_SOURCE_NOT_UNICAST,
  buildUnreachable,
} from '../../sdk/packet/icmp.js';
import { LINKTYPE_ETHERNET, LINKTYPE_IPV6, LINKTYPE_RAW, parsePacket } from '../../sdk/packet/parse.js';
import { ENGINES, TARGETS, auditChecksums, kernelFor, run } from './harness.js';
import { MAC_A, MAC_B, SAMPLES, ethernet, hex, icmp, ipv4, ipv6, tcp, udp } from './samples.js';

const S = SAMPLES;
const bigUdp4 = ipv4({ src: '10.0.0.1', dst: '10.96.0.30', tos: 0x10 }, udp({ sport: 5000, dport: 53, data: new Array(1372).fill(0x33) }));
const bigUdp6 = ipv6({ src: 'fd00::1', dst: 'fd00:96::30' }, udp({ sport: 5000, dport: 53, data: new Array(1452).fill(0x33) }));

/** [#, name, frame, link type, expected reply]. */
const REPLIES: [string, string, Uint8Array, number, Uint8Array][] = [
  ['01', 'IPv4 TCP SYN: the whole 44-byte packet quoted', S.tcpSyn.bytes, LINKTYPE_RAW,
    ipv4({ src: '10.96.0.10', dst: '10.0.0.1', ttl: 64, id: 0, tos: 0xc0 }, icmp({ type: 3, code: 3, data: S.tcpSyn.bytes }))],
  ['02', 'IPv4 UDP over Ethernet: MACs swapped', S.etherUdp.bytes, LINKTYPE_ETHERNET,
    ethernet(ipv4({ src: '10.96.0.30', dst: '192.168.1.20', id: 0, tos: 0xc0 }, icmp({ type: 3, code: 3, data: S.etherUdp.bytes.subarray(14) })), { dst: MAC_A, src: MAC_B })],
  ['03', 'IPv4 1400 bytes: the reply stops at 576 (548 quoted), TOS bits kept under precedence 6', bigUdp4, LINKTYPE_RAW,
    ipv4({ src: '10.96.0.30', dst: '10.0.0.1', id: 0, tos: 0xd0 }, icmp({ type: 3, code: 3, data: bigUdp4.subarray(0, 548) }))],
  ['04', 'IPv6 TCP behind 802.1Q: tag kept, MACs swapped', S.vlanIpv6Tcp.bytes, LINKTYPE_ETHERNET,
    ethernet(ipv6({ src: 'fd00:10:96::a', dst: '2001:db8::1', hopLimit: 64 }, icmp({ type: 1, code: 4, v6: true, data: S.vlanIpv6Tcp.bytes.subarray(18) })), { vlan: 100, dst: MAC_A, src: MAC_B })],
  ['05', 'IPv6 1500 bytes: the reply stops at 1280 (1232 quoted)', bigUdp6, LINKTYPE_IPV6,
    ipv6({ src: 'fd00:96::30', dst: 'fd00::1' }, icmp({ type: 1, code: 4, v6: true, data: bigUdp6.subarray(0, 1232) }))],
  ['06', 'SCTP INIT', S.sctpInit.bytes, LINKTYPE_RAW,
    ipv4({ src: '10.96.0.20', dst: '10.0.0.1', id: 0, tos: 0xc0 }, icmp({ type: 3, code: 3, data: S.sctpInit.bytes }))],
  ['07', 'an IPv6 first fragment is answered', S.ipv6HopFragUdp.bytes, LINKTYPE_RAW,
    ipv6({ src: 'fd00::a', dst: 'fd00::1' }, icmp({ type: 1, code: 4, v6: true, data: S.ipv6HopFragUdp.bytes }))],
  ['08', 'UDP without a checksum is not verified (nf_reject_verify_csum)', S.udpNoChecksum.bytes, LINKTYPE_RAW,
    ipv4({ src: '10.96.0.10', dst: '10.0.0.2', id: 0, tos: 0xc0 }, icmp({ type: 3, code: 3, data: S.udpNoChecksum.bytes }))],
];

const badTcp = S.tcpSyn.bytes.slice();
badTcp[36] ^= 1;

/** [#, name, frame, link type, refusal, flags]. */
const REFUSALS: [string, string, Uint8Array, number, number, number?][] = [
  ['01', 'a dropped packet', S.tcpSyn.bytes.subarray(0, 30), LINKTYPE_RAW, UNREACH_NOT_PARSED],
  ['02', 'a non-first fragment', S.ipv4LaterFragment.bytes, LINKTYPE_RAW, UNREACH_LATER_FRAGMENT],
  ['03', 'an ICMP error', S.icmpErrorTcp.bytes, LINKTYPE_RAW, UNREACH_ICMP_ERROR],
  ['04', 'an ICMPv6 error', S.icmp6ErrorUdp.bytes, LINKTYPE_RAW, UNREACH_ICMP_ERROR],
  ['05', 'an ICMPv6 redirect', ipv6({ src: 'fe80::1', dst: 'fd00::1' }, icmp({ type: 137, v6: true, data: new Array(32).fill(0) })), LINKTYPE_RAW, UNREACH_ICMP_ERROR],
  ['06', 'an unknown ICMP type', ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, icmp({ type: 40 })), LINKTYPE_RAW, UNREACH_ICMP_ERROR],
  ['07', 'source 0.0.0.0', ipv4({ src: '0.0.0.0', dst: '10.96.0.10' }, udp({ sport: 68, dport: 67 })), LINKTYPE_RAW, UNREACH_SOURCE_NOT_UNICAST],
  ['08', 'multicast source', ipv4({ src: '224.0.0.9', dst: '10.96.0.10' }, udp({ sport: 1, dport: 2 })), LINKTYPE_RAW, UNREACH_SOURCE_NOT_UNICAST],
  ['09', 'broadcast source', ipv4({ src: '255.255.255.255', dst: '10.96.0.10' }, udp({ sport: 1, dport: 2 })), LINKTYPE_RAW, UNREACH_SOURCE_NOT_UNICAST],
  ['10', 'multicast destination', ipv4({ src: '10.0.0.1', dst: '239.1.1.1' }, udp({ sport: 1, dport: 2 })), LINKTYPE_RAW, UNREACH_DESTINATION_NOT_UNICAST],
  ['11', 'broadcast destination', ipv4({ src: '10.0.0.1', dst: '255.255.255.255' }, udp({ sport: 1, dport: 2 })), LINKTYPE_RAW, UNREACH_DESTINATION_NOT_UNICAST],
  ['12', 'unspecified IPv6 source', ipv6({ src: '::', dst: 'fd00::a' }, udp({ sport: 1, dport: 2 })), LINKTYPE_RAW, UNREACH_SOURCE_NOT_UNICAST],
  ['13', 'multicast IPv6 source', ipv6({ src: 'ff02::1', dst: 'fd00::a' }, udp({ sport: 1, dport: 2 })), LINKTYPE_RAW, UNREACH_SOURCE_NOT_UNICAST],
  ['14', 'multicast IPv6 destination', ipv6({ src: 'fd00::1', dst: 'ff02::fb' }, udp({ sport: 5353, dport: 5353 })), LINKTYPE_RAW, UNREACH_DESTINATION_NOT_UNICAST],
  ['15', 'an Ethernet broadcast frame', ethernet(S.tcpSyn.bytes, { dst: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] }), LINKTYPE_ETHERNET, UNREACH_DESTINATION_NOT_UNICAST],
  ['16', 'a bad TCP checksum (nf_send_unreach verifies it)', badTcp, LINKTYPE_RAW, UNREACH_BAD_CHECKSUM],
];

describe.each(ENGINES)('port unreachable (%s)', (engine) => {
  test.each(REPLIES)('reply %s %s', async (_n, _name, bytes, linkType, expected) => {
    const out = await run(engine, [{ bytes, linkType }], { replies: true });
    const reply = out.replies[0];
    expect(typeof reply).toBe('object');
    expect(hex(reply as Uint8Array)).toBe(hex(expected));
    const parsed = parsePacket(reply as Uint8Array, linkType === LINKTYPE_ETHERNET ? LINKTYPE_ETHERNET : LINKTYPE_RAW);
    expect(parsed.reason).toBe(0);
    expect(auditChecksums(reply as Uint8Array, parsed)).toEqual([]);
  });

  test.each(REFUSALS)('refusal %s %s', async (_n, _name, bytes, linkType, refusal, flags) => {
    const out = await run(engine, [{ bytes, linkType }], { replies: true, unreachableFlags: flags ?? 0 });
    expect(out.replies[0]).toBe(-refusal);
  });

  test('17 UNREACH_SKIP_CHECKSUM_CHECK answers a bad TCP checksum', async () => {
    const out = await run(engine, [{ bytes: badTcp, linkType: LINKTYPE_RAW }], { replies: true, unreachableFlags: UNREACH_SKIP_CHECKSUM_CHECK });
    expect((out.replies[0] as Uint8Array).length).toBe(72);
  });

  test('18 the reply to a reply is refused (it is an ICMP error)', async () => {
    const first = await run(engine, [{ bytes: S.tcpSyn.bytes, linkType: LINKTYPE_RAW }], { replies: true });
    const second = await run(engine, [{ bytes: first.replies[0] as Uint8Array, linkType: LINKTYPE_RAW }], { replies: true });
    expect(second.replies[0]).toBe(-UNREACH_ICMP_ERROR);
    expect(second.parsed[0].inner).toMatchObject({ srcPort: 12345, dstPort: 80 });
  });
});

test('19 an output too small is refused (TypeScript)', () => {
  const p = parsePacket(S.tcpSyn.bytes, LINKTYPE_RAW);
  expect(buildUnreachable(S.tcpSyn.bytes, p, LINKTYPE_RAW, new Uint8Array(71))).toBe(-UNREACH_NO_ROOM);
  expect(buildUnreachable(S.tcpSyn.bytes, p, LINKTYPE_RAW, new Uint8Array(72))).toBe(72);
});

describe.each(TARGETS)('buildUnreachable arguments (%s)', (target) => {
  test('20 index beyond the records, output too small, outside memory or over the frame', async () => {
    const k = await kernelFor(target);
    const v = k.load([{ bytes: S.tcpSyn.bytes, linkType: LINKTYPE_RAW }, { bytes: S.tcpSyn.bytes, linkType: LINKTYPE_RAW }]);
    k.parse(2);
    const e = k.exports;
    const reply = e.packetReplyPtr() >>> 0;
    expect(e.buildUnreachable(v.capacity, reply, 2000, 0)).toBe(-UNREACH_BAD_INDEX);
    expect(e.buildUnreachable(0, reply, 71, 0)).toBe(-UNREACH_NO_ROOM);
    expect(e.buildUnreachable(0, e.memory.buffer.byteLength - 10, 100, 0)).toBe(-UNREACH_NO_ROOM);
    const frame = (e.packetAreaPtr() >>> 0) + v.descriptors[0];
    expect(e.buildUnreachable(0, frame + 10, 100, 0)).toBe(-UNREACH_NO_ROOM);
    // Right after the frame (the second frame's bytes) is allowed, and leaves the first alone.
    expect(e.buildUnreachable(0, frame + 44, 72, 0)).toBe(72);
    expect(hex(k.frame(0))).toBe(hex(S.tcpSyn.bytes));
  });
});

test('21 tcp() and udp() build what samples.ts promises (sanity of the oracle)', () => {
  const t = tcp({ sport: 1, dport: 2 }).bytes;
  expect([t.length, t[12] >> 4, t[13]]).toEqual([20, 5, 0x02]);
  expect(Array.from(udp({ sport: 1, dport: 2, data: [9] }).bytes)).toEqual([0, 1, 0, 2, 0, 9, 0, 0, 9]);
});
