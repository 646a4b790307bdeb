// Every region and record of the core, in one place.
//
// Conventions
// -----------
// * Little-endian (WebAssembly's byte order). Addresses and ports are numbers in host
//   order: 10.96.0.1 is the u32 0x0A600001. Network byte order appears only in raw packet
//   frames (a later kernel), which swap at the edge.
// * Protocols are IANA numbers (6 TCP, 17 UDP, 132 SCTP).
// * Ids are 1-based; 0 means "none" in every table, so zeroed memory is an empty slot
//   (the katran / cilium convention: slot 0 reserved).
// * The SDK mirror of this file is `sdk/engine/records.ts`; `test/engine/layout.test.ts`
//   checks that the two agree.
//
// Memory map
// ----------
//
//   0            __heap_base                                                     memory.size
//   ├────────────┼──────────────┬──────────────┬─────────────┬──────────────┬─────────────┤
//   │ static data│ batch input  │ batch output │ frontend    │ service port │ backend     │
//   │ (free-list │ 16 B/record  │ 16 B/record  │ table       │ table        │ pool        │
//   │  heads)    │              │              │ 16 B/slot   │ 16 B/record  │ 8 B/entry   │
//   └────────────┴──────────────┴──────────────┴─────────────┴──────────────┴─────────────┘
//
// Regions are carved from the stub runtime's bump allocator (`heap.alloc`) and move only
// when they grow, which happens only inside control calls (`heap.realloc` grows the last
// block in place; any other block is copied and its old bytes are not reused — the waste
// is bounded by the geometric sum of earlier sizes, i.e. below the live size). The order
// above is the start-up order; after growth the regions may sit in any order. Batch
// kernels read the region bases into locals once and never allocate.
//
// Dual stack: the tables below are the IPv4 family. IPv6 adds a frontend table with
// 16-byte addresses (48 B slots) and a backend pool with 20 B entries; both reuse the
// service port table (its `family` byte says which pool `backendBase` indexes).

// ---------------------------------------------------------------------------------------
// Packet record (input of `routeBatch`), 16 bytes
//
//   0       4       8   10  12 13 14  16
//   ├───────┼───────┼───┼───┼──┼──┼───┤
//   │ src   │ dst   │sp │dp │pr│fl│ - │     sp/dp: source/destination port (u16)
//   └───────┴───────┴───┴───┴──┴──┴───┘     pr: protocol (u8), fl: record flags (0)

// @ts-ignore: decorator
@inline export const PACKET_BYTES: u32 = 16;
// @ts-ignore: decorator
@inline export const PACKET_SRC: u32 = 0;
// @ts-ignore: decorator
@inline export const PACKET_DST: u32 = 4;
// @ts-ignore: decorator
@inline export const PACKET_PORTS: u32 = 8; // u32: source port | destination port << 16
// @ts-ignore: decorator
@inline export const PACKET_PROTO: u32 = 12;

// ---------------------------------------------------------------------------------------
// Verdict record (output of `routeBatch`), 16 bytes
//
//   0  1  2   4          8          12   14  16
//   ├──┼──┼───┼──────────┼──────────┼────┼───┤
//   │vd│rf│ - │ svc port │ endpoint │ ep │ - │   vd: VERDICT_*, rf: RESULT_* flags
//   │  │  │   │ id       │ address  │port│   │   endpoint fields are 0 unless DNAT
//   └──┴──┴───┴──────────┴──────────┴────┴───┘

// @ts-ignore: decorator
@inline export const VERDICT_BYTES: u32 = 16;
// @ts-ignore: decorator
@inline export const VERDICT_KIND: u32 = 0; // u8
// @ts-ignore: decorator
@inline export const VERDICT_FLAGS: u32 = 1; // u8
// @ts-ignore: decorator
@inline export const VERDICT_SERVICE_PORT: u32 = 4;
// @ts-ignore: decorator
@inline export const VERDICT_ENDPOINT_ADDR: u32 = 8;
// @ts-ignore: decorator
@inline export const VERDICT_ENDPOINT_PORT: u32 = 12;

// @ts-ignore: decorator
@inline export const VERDICT_PASS: u32 = 0;
// @ts-ignore: decorator
@inline export const VERDICT_DNAT: u32 = 1;
// @ts-ignore: decorator
@inline export const VERDICT_REJECT: u32 = 2;
// @ts-ignore: decorator
@inline export const VERDICT_DROP: u32 = 3;
// @ts-ignore: decorator
@inline export const VERDICT_ACCEPT: u32 = 4;

// @ts-ignore: decorator
@inline export const RESULT_MASQUERADE: u32 = 1;

// ---------------------------------------------------------------------------------------
// Frontend slot, 16 bytes; open addressing with linear probing over a power-of-two
// table, load factor at most 1/2, deletion by backward shift (no tombstones).
//
//   0          4      6   7   8            12  13  14   16
//   ├──────────┼──────┼───┼───┼────────────┼───┼───┼────┤
//   │ address  │ port │pr │ 0 │ svc port id│ k │fl │  - │   key = bytes 0..7 as one u64
//   └──────────┴──────┴───┴───┴────────────┴───┴───┴────┘   id 0 = empty slot
//                                                          k: FRONTEND_* kind, fl: flags

// @ts-ignore: decorator
@inline export const FRONTEND_BYTES: u32 = 16;
// @ts-ignore: decorator
@inline export const FRONTEND_SHIFT: u32 = 4;
// @ts-ignore: decorator
@inline export const FRONTEND_KEY: u32 = 0; // u64
// @ts-ignore: decorator
@inline export const FRONTEND_ID: u32 = 8;
// @ts-ignore: decorator
@inline export const FRONTEND_KIND: u32 = 12; // u8
// @ts-ignore: decorator
@inline export const FRONTEND_INITIAL_SLOTS: u32 = 1024;

// @ts-ignore: decorator
@inline export const FRONTEND_CLUSTER_IP: u32 = 0;
// @ts-ignore: decorator
@inline export const FRONTEND_EXTERNAL_IP: u32 = 1;
// @ts-ignore: decorator
@inline export const FRONTEND_LOAD_BALANCER: u32 = 2;
// @ts-ignore: decorator
@inline export const FRONTEND_NODE_PORT: u32 = 3;

// ---------------------------------------------------------------------------------------
// Service port record, 16 bytes, indexed by service port id (record 0 unused). The
// kernel reads bytes 0..7 of the one record a packet hits; 16 bytes keep 10k service
// ports in 160 KiB, inside L2.
//
//   0             4             8             12   13   14   15   16
//   ├─────────────┼─────────────┼─────────────┼────┼────┼────┼────┤
//   │ backend base│ backend     │ SDK flags   │cls │live│fam │sel │
//   │ (entry idx) │ count       │ (F_SP_*)    │    │    │    │    │
//   └─────────────┴─────────────┴─────────────┴────┴────┴────┴────┘
//   cls: 0 = no backend range, else log2(range capacity) + 1; live: 1 while the service
//   port exists; fam: 4 or 6; sel: selection mode (0 = uniform flow hash).
//   Per-port state that later issues add (affinity timeout, Maglev ring base, counters)
//   goes in a parallel table indexed by the same id, so this record keeps its size.

// @ts-ignore: decorator
@inline export const SERVICE_PORT_BYTES: u32 = 16;
// @ts-ignore: decorator
@inline export const SERVICE_PORT_SHIFT: u32 = 4;
// @ts-ignore: decorator
@inline export const SP_BACKEND_BASE: u32 = 0;
// @ts-ignore: decorator
@inline export const SP_BACKEND_COUNT: u32 = 4;
// @ts-ignore: decorator
@inline export const SP_FLAGS: u32 = 8;
// @ts-ignore: decorator
@inline export const SP_CLASS: u32 = 12; // u8
// @ts-ignore: decorator
@inline export const SP_LIVE: u32 = 13; // u8
// @ts-ignore: decorator
@inline export const SP_FAMILY: u32 = 14; // u8: 4 or 6
// @ts-ignore: decorator
@inline export const SP_SELECTION: u32 = 15; // u8: 0 = uniform flow hash
// @ts-ignore: decorator
@inline export const SERVICE_PORT_INITIAL_RECORDS: u32 = 256;
// @ts-ignore: decorator
@inline export const MAX_SERVICE_PORT_ID: u32 = 0x00ff_ffff;

// ---------------------------------------------------------------------------------------
// Backend entry, 8 bytes, in one pool. A service port owns the contiguous range
// [base, base + capacity); capacity is a power of two ("size class" log2(capacity)).
// A freed range is pushed on its class's free list: its first entry's address word holds
// the next free range's base + 1 (0 ends the list).
//
//   0          4      6      8
//   ├──────────┼──────┼──────┤
//   │ address  │ port │flags │   flags: F_BE_* (reserved: local, terminating, ...)
//   └──────────┴──────┴──────┘

// @ts-ignore: decorator
@inline export const BACKEND_BYTES: u32 = 8;
// @ts-ignore: decorator
@inline export const BACKEND_SHIFT: u32 = 3;
// @ts-ignore: decorator
@inline export const BACKEND_ADDR: u32 = 0;
// @ts-ignore: decorator
@inline export const BACKEND_PORT: u32 = 4; // u16
// @ts-ignore: decorator
@inline export const BACKEND_FLAGS: u32 = 6; // u16
// @ts-ignore: decorator
@inline export const BACKEND_INITIAL_ENTRIES: u32 = 4096;
// @ts-ignore: decorator
@inline export const BACKEND_SIZE_CLASSES: u32 = 32;
// @ts-ignore: decorator
@inline export const MAX_BACKENDS_PER_SERVICE_PORT: u32 = 0x0010_0000;
/** The pool's ceiling: 2^27 entries = 1 GiB, the largest block the stub runtime hands out
 *  (rt/common.ts BLOCK_MAXSIZE is 2^30 - 4, so one entry less). */
// @ts-ignore: decorator
@inline export const MAX_BACKEND_POOL_ENTRIES: u32 = 0x07ff_ffff;

// ---------------------------------------------------------------------------------------
// Batch buffers: input and output records, same capacity.

// @ts-ignore: decorator
@inline export const BATCH_INITIAL_RECORDS: u32 = 1024;
