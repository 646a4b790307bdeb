/**
 * Record formats shared by every data plane (the wasm core and the pure-TypeScript
 * reference). This file is the TypeScript mirror of `assembly/layout.ts`; the two must
 * agree byte for byte, and `test/engine/layout.test.ts` checks that they do.
 *
 * All multi-byte fields are little-endian (WebAssembly's byte order) and hold numbers in
 * host order: the IPv4 address 10.96.0.1 is the u32 0x0A600001, not network-order bytes.
 * Protocols are IANA protocol numbers, so raw packets can later be mapped without a table.
 *
 * Packet record (input of `route`), 16 bytes = 4 words:
 *
 * ```
 *  word  bytes  field
 *  0     0..3   source IPv4 address            u32
 *  1     4..7   destination IPv4 address       u32
 *  2     8..9   source port                    u16  (low half of word 2)
 *        10..11 destination port               u16  (high half of word 2)
 *  3     12     protocol (6 TCP, 17 UDP, 132 SCTP) u8
 *        13     record flags (reserved, 0)     u8
 *        14..15 reserved, 0                    u16
 * ```
 *
 * Verdict record (output of `route`), 16 bytes = 4 words:
 *
 * ```
 *  word  bytes  field
 *  0     0      verdict (VERDICT_*)            u8
 *        1      result flags (RESULT_*)        u8   bit 0 = masquerade
 *        2..3   reserved, 0                    u16
 *  1     4..7   service port id (0 = none)     u32
 *  2     8..11  endpoint IPv4 address          u32  (DNAT only, else 0)
 *  3     12..13 endpoint port                  u16  (DNAT only, else 0)
 *        14..15 reserved, 0                    u16
 * ```
 */

export const PACKET_RECORD_WORDS = 4;
export const PACKET_RECORD_BYTES = 16;
export const VERDICT_RECORD_WORDS = 4;
export const VERDICT_RECORD_BYTES = 16;

/** IANA protocol numbers used in records. */
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_SCTP = 132;

/** The destination is no service frontend: the packet goes on untouched. */
export const VERDICT_PASS = 0;
/** Destination rewritten to the chosen endpoint. */
export const VERDICT_DNAT = 1;
/** The service has no usable endpoints: ICMP port unreachable back to the source. */
export const VERDICT_REJECT = 2;
/** Reserved for traffic policies and source ranges (next issues). */
export const VERDICT_DROP = 3;
/** Reserved for the health-check node port (next issues). */
export const VERDICT_ACCEPT = 4;

export const VERDICT_NAMES = ['PASS', 'DNAT', 'REJECT', 'DROP', 'ACCEPT'] as const;
export type VerdictName = (typeof VERDICT_NAMES)[number];

/** Result flag: the packet's source must be masqueraded (always 0 for now). */
export const RESULT_MASQUERADE = 1;

/** Frontend kinds stored with each frontend (only ClusterIP is routed so far). */
export const FRONTEND_CLUSTER_IP = 0;
export const FRONTEND_EXTERNAL_IP = 1;
export const FRONTEND_LOAD_BALANCER = 2;
export const FRONTEND_NODE_PORT = 3;

/** Status codes returned by control calls (mirrors `assembly/status.ts`). */
export const ST_OK = 0;
/** The frontend key is already bound to a service port. */
export const ST_EXISTS = 1;
/** No such frontend or service port. */
export const ST_NOT_FOUND = 2;
/** A service port id of 0 or above the limit, or an argument out of range. */
export const ST_BAD_ARGUMENT = 3;
/** The batch does not fit the buffers that were reserved for it. */
export const ST_BATCH_TOO_LARGE = 4;

/** A table would outgrow its ceiling (the backend pool holds at most MAX_BACKEND_POOL_ENTRIES). */
export const ST_NO_MEMORY = 5;

export const STATUS_NAMES = ['OK', 'EXISTS', 'NOT_FOUND', 'BAD_ARGUMENT', 'BATCH_TOO_LARGE', 'NO_MEMORY'] as const;

/** Largest service port id a data plane accepts (ids are 1-based; 0 means "none"). */
export const MAX_SERVICE_PORT_ID = 0x00ff_ffff;
/** Largest number of backends one service port may hold. */
export const MAX_BACKENDS_PER_SERVICE_PORT = 0x0010_0000;
/** Entries the backend pool of a data plane may hold in all (ranges are powers of two). */
export const MAX_BACKEND_POOL_ENTRIES = 0x07ff_ffff;

/**
 * Flow hash: each word of the packet record is multiplied by its own odd constant, the
 * four products are xored (independent multiplies, no serial chain) and MurmurHash3's
 * 32-bit finaliser avalanches the result:
 *
 *   fmix32(((source ^ SEED) * C1) ^ (destination * C2) ^ (ports * C3) ^ (protocol * C4))
 *
 * with ports = sourcePort | destinationPort << 16 (word 2 of the packet record), protocol
 * = the record's protocol byte alone (not word 3), and all products mod 2^32.
 * Endpoint choice is `floor(hash * n / 2^32)` ("fastrange", Lemire 2016): uniform over
 * n endpoints, and the same 5-tuple always picks the same index for the same n.
 */
export const FLOW_HASH_SEED = 0x5eed_c0de;
export const FLOW_HASH_C1 = 0xcc9e2d51;
export const FLOW_HASH_C2 = 0x1b873593;
export const FLOW_HASH_C3 = 0x85ebca77;
export const FLOW_HASH_C4 = 0x27d4eb2f;

/** MurmurHash3's 32-bit finaliser. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The flow hash of a packet record's fields; returns an unsigned 32-bit number. */
export function flowHash(source: number, destination: number, ports: number, protocol: number): number {
  return fmix32(
    Math.imul(source ^ FLOW_HASH_SEED, FLOW_HASH_C1) ^
      Math.imul(destination, FLOW_HASH_C2) ^
      Math.imul(ports, FLOW_HASH_C3) ^
      Math.imul(protocol, FLOW_HASH_C4),
  );
}

/** Index of the endpoint chosen for `hash` among `count` endpoints (count ≥ 1). */
export function pickIndex(hash: number, count: number): number {
  // hash < 2^32 and count ≤ 2^20, so the product is exact in a double.
  return Math.floor((hash * count) / 4294967296);
}
