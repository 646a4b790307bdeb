/**
 * Raw IP packets in plain TypeScript (browser-safe): parse IPv4/IPv6 frames (raw IP or
 * Ethernet with one 802.1Q tag) down to TCP/UDP/SCTP/ICMP, rewrite addresses and ports in
 * place with every checksum kept right, and build the ICMP/ICMPv6 port unreachable of a
 * REJECT. The reference for the wasm kernels (`sdk/engine/packets.ts`), with the same
 * records and codes.
 */
export * from './checksum.js';
export * from './parse.js';
export * from './nat.js';
export * from './icmp.js';
