// Every region and record of the core, in one place.
//
// Conventions
// -----------
// * Little-endian (WebAssembly's byte order). Addresses and ports are numbers in host
//   order: 10.96.0.1 is the u32 0x0A600001. Network byte order appears only in raw packet
//   frames, which swap at the edge, and in the flow cache's IPv4 slots, which keep a
//   frame's words as it carries them (the frames kernel compares and writes them unswapped).
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

// =======================================================================================
// DNS half: name table, RRsets, answer kernel
// =======================================================================================
//
// Memory map (regions allocated by `dnsInit`, which the DNS binding calls once; a proxy-only
// instance never pays for them):
//
//   ┌────────────┬────────────────┬─────────────┬─────────────┬──────────────┬───────────────┐
//   │ name slots │ byte heap      │ staging     │ query input │ response     │ batch: query  │
//   │ 8 B/slot   │ name records + │ (arguments  │ (`dnsAnswer`│ output       │ index, query  │
//   │            │ RRset blocks   │  of control │  reads it)  │ 65535 + slack│ bytes, answer │
//   │            │ 16 B granules  │  calls)     │             │              │ index, answers│
//   └────────────┴────────────────┴─────────────┴─────────────┴──────────────┴───────────────┘
//   plus static scratch (memory.data): zone table, size-class heads, the question's copies,
//   the compression dictionary. Batch regions are empty until `dnsReserveBatch`.
//
// Names are stored in wire form (RFC 1035 §3.1: length-prefixed labels, ending with the
// root label 0; the length counts that 0), A–Z folded to a–z. Multi-byte fields of stored
// records are host order (little-endian) unless marked BE; the RRset wire images are
// network order because the kernel copies them into responses unchanged.
// Every region keeps DNS_WORD_PAD readable bytes past its last name so names are loaded
// and compared eight bytes at a time.

// @ts-ignore: decorator
@inline export const DNS_WORD_PAD: u32 = 16;
// @ts-ignore: decorator
@inline export const DNS_MAX_NAME: u32 = 255; // RFC 1035 §2.3.4, wire length with the root
// @ts-ignore: decorator
@inline export const DNS_MAX_LABEL: u32 = 63; // RFC 1035 §2.3.4

// ---------------------------------------------------------------------------------------
// Name slot, 8 bytes; open addressing with linear probing over a power-of-two table, load
// factor at most 1/2, deletion by backward shift (as the frontend table).
//
//   0          4            8
//   ├──────────┼────────────┤
//   │ hash     │ name record│   record: heap offset of the name record, 0 = empty slot
//   └──────────┴────────────┘

// @ts-ignore: decorator
@inline export const NAME_SLOT_BYTES: u32 = 8;
// @ts-ignore: decorator
@inline export const NAME_SLOT_SHIFT: u32 = 3;
// @ts-ignore: decorator
@inline export const NAME_SLOT_HASH: u32 = 0;
// @ts-ignore: decorator
@inline export const NAME_SLOT_RECORD: u32 = 4;
// @ts-ignore: decorator
@inline export const NAME_INITIAL_SLOTS: u32 = 1024;
// @ts-ignore: decorator
@inline export const NAME_MAX_SLOTS: u32 = 0x0400_0000; // 2^26 slots = 2^25 names

// ---------------------------------------------------------------------------------------
// Byte heap: one region addressed by u32 offsets from its base (so growth may move it),
// handed out in 16-byte granules; offset 0 is reserved and means "none". A block carries no
// header: its owner knows its size (a name record from its name length, an RRset block
// from its byte count). Freed blocks go on the free list of their size class; a free
// block's first word holds the next free block's offset (0 ends the list).
//
//   size class  block bytes
//   0 .. 63     16, 32, 48, … 1024           (16-byte steps)
//   64 .. 78    2048, 4096, … 2^25           (powers of two)
//
// Growth doubles the region (`heap.realloc`) inside control calls only; the last
// DNS_WORD_PAD bytes are never handed out.

// @ts-ignore: decorator
@inline export const HEAP_GRANULE: u32 = 16;
// @ts-ignore: decorator
@inline export const HEAP_SMALL_LIMIT: u32 = 1024;
// @ts-ignore: decorator
@inline export const HEAP_CLASSES: u32 = 80;
// @ts-ignore: decorator
@inline export const HEAP_INITIAL_BYTES: u32 = 0x0001_0000;
// @ts-ignore: decorator
@inline export const HEAP_MAX_BYTES: u32 = 0x2000_0000; // 512 MiB (a stub block stays below 2^30)

// ---------------------------------------------------------------------------------------
// Name record, 12 bytes + the name, in the byte heap.
//
//   0          4          8    9    10   12
//   ├──────────┼──────────┼────┼────┼────┼─────────────────────────┐
//   │ first    │ glue     │len │fl  │ -  │ name, wire form, lower  │
//   │ RRset    │ stamp    │    │    │    │ case (len bytes)        │
//   └──────────┴──────────┴────┴────┴────┴─────────────────────────┘
//   first RRset: heap offset of the first RRset block (0 = none); glue stamp: the answer
//   epoch that last added this name's glue (each target once per response); fl: NAME_F_*.
//   A record exists exactly while the name exists (an RRset, or NAME_F_DECLARED).

// @ts-ignore: decorator
@inline export const NAME_FIRST_RRSET: u32 = 0;
// @ts-ignore: decorator
@inline export const NAME_GLUE_STAMP: u32 = 4;
// @ts-ignore: decorator
@inline export const NAME_LENGTH: u32 = 8; // u8
// @ts-ignore: decorator
@inline export const NAME_FLAGS: u32 = 9; // u8
// @ts-ignore: decorator
@inline export const NAME_BYTES: u32 = 12;
// @ts-ignore: decorator
@inline export const NAME_F_DECLARED: u32 = 1;

// ---------------------------------------------------------------------------------------
// RRset block, 16 bytes + the records' wire image, in the byte heap. The RRsets of a name
// form a singly linked list (a name rarely holds more than two).
//
//   0          4      6      8          12         16
//   ├──────────┼──────┼──────┼──────────┼──────────┼──────────────────────────────┐
//   │ next     │ type │count │ bytes    │ ttl      │ records (bytes), wire image  │
//   └──────────┴──────┴──────┴──────────┴──────────┴──────────────────────────────┘
//
// Each record is stored as it goes on the wire (RFC 1035 §4.1.3), owner already
// compressed to the question name, RDATA names uncompressed as the SDK gave them:
//
//   0      2      4      6          10     12
//   ├──────┼──────┼──────┼──────────┼──────┼──────────────┐
//   │C0 0C │ type │00 01 │ ttl      │rdlen │ RDATA        │   all BE
//   └──────┴──────┴──────┴──────────┴──────┴──────────────┘
//
// so an A/AAAA/TXT/SRV RRset owned by the question name is answered by one copy.

// @ts-ignore: decorator
@inline export const RRSET_NEXT: u32 = 0;
// @ts-ignore: decorator
@inline export const RRSET_TYPE: u32 = 4; // u16
// @ts-ignore: decorator
@inline export const RRSET_COUNT: u32 = 6; // u16
// @ts-ignore: decorator
@inline export const RRSET_BYTES: u32 = 8;
// @ts-ignore: decorator
@inline export const RRSET_TTL: u32 = 12;
// @ts-ignore: decorator
@inline export const RRSET_HEADER_BYTES: u32 = 16;
// @ts-ignore: decorator
@inline export const RR_FIXED_BYTES: u32 = 12; // owner pointer + type + class + ttl + rdlength
// @ts-ignore: decorator
@inline export const RRSET_MAX_BYTES: u32 = 0x0100_0000; // 16 MiB of wire image
// @ts-ignore: decorator
@inline export const RRSET_MAX_COUNT: u32 = 0xffff;

// ---------------------------------------------------------------------------------------
// Zone entry, 280 bytes, in a static table of DNS_MAX_ZONES, sorted by name length, longest
// first (a query belongs to the longest zone it ends with). The SOA fields are derived on
// the control path (configure, any SOA change) so negative answers need no lookup.
//
//   0          4          8                                 264        268 269 270 271 272  280
//   ├──────────┼──────────┼─────────────────────────────────┼──────────┼───┼───┼───┼───┼───┼───┤
//   │ length   │ hash     │ apex name, wire form, lower case│ SOA RRset│mp │rp │ml │rl │ f │ - │
//   └──────────┴──────────┴─────────────────────────────────┴──────────┴───┴───┴───┴───┴───┴───┘
//   SOA RRset: heap offset of the apex's SOA RRset block (0 = none). When f = 1 the SOA has
//   one record whose MNAME and RNAME both end in the zone: mp/rp are the bytes before the
//   zone suffix, ml/rl the offsets of their last label before it (0xff = none), and the
//   labels at ml and rl differ. Then, as long as the question's label above the zone is
//   neither of them, compression writes the SOA as: the two prefixes literally, every zone
//   suffix (owner included) a pointer to the question's zone suffix.

// @ts-ignore: decorator
@inline export const ZONE_BYTES: u32 = 280;
// @ts-ignore: decorator
@inline export const ZONE_LENGTH: u32 = 0;
// @ts-ignore: decorator
@inline export const ZONE_HASH: u32 = 4;
// @ts-ignore: decorator
@inline export const ZONE_NAME: u32 = 8;
// @ts-ignore: decorator
@inline export const ZONE_SOA: u32 = 264;
// @ts-ignore: decorator
@inline export const ZONE_SOA_MPREFIX: u32 = 268; // u8
// @ts-ignore: decorator
@inline export const ZONE_SOA_RPREFIX: u32 = 269; // u8
// @ts-ignore: decorator
@inline export const ZONE_SOA_MLAST: u32 = 270; // u8
// @ts-ignore: decorator
@inline export const ZONE_SOA_RLAST: u32 = 271; // u8
// @ts-ignore: decorator
@inline export const ZONE_SOA_SHAPED: u32 = 272; // u8
// @ts-ignore: decorator
@inline export const DNS_MAX_ZONES: u32 = 32;

// ---------------------------------------------------------------------------------------
// Staging buffer: arguments of control calls (grown by `dnsReserveStaging`).
//
//   dnsConfigure(count, bytes, …)   │ zone 1 wire name │ zone 2 wire name │ …        (bytes)
//   dnsSetRRset(nameLen, …, bytes)  │ owner wire name (nameLen) │ records (bytes)     │
//                                     record: │ rdlength u16 BE │ RDATA, uncompressed │
//   dnsSetExists(nameLen, exists)   │ owner wire name (nameLen) │

// @ts-ignore: decorator
@inline export const STAGING_INITIAL_BYTES: u32 = 0x0001_0000;
// @ts-ignore: decorator
@inline export const STAGING_MAX_BYTES: u32 = 0x0200_0000;

// ---------------------------------------------------------------------------------------
// Answer buffers. `dnsAnswer(length, transport)` reads the query at the input buffer's
// start and writes the response at the output buffer's start. The output holds 65535 bytes
// plus DNS_OUT_SLACK: the kernel writes a name-bearing record before it knows whether it
// fits and rolls it back, so it may run past the response limit by less than the slack.

// @ts-ignore: decorator
@inline export const DNS_MAX_MESSAGE: u32 = 65535;
// @ts-ignore: decorator
@inline export const DNS_OUT_SLACK: u32 = 1024;
// @ts-ignore: decorator
@inline export const DNS_INPUT_INITIAL_BYTES: u32 = 0x0001_0000;

// ---------------------------------------------------------------------------------------
// Batch (`dnsAnswerBatch(count)`): queries back to back in the query area, one index entry
// per query; responses back to back in the answer area, one index entry per response.
//
//   query index entry, 8 bytes             response index entry, 8 bytes
//   0          4      6    7    8          0          4            8
//   ├──────────┼──────┼────┼────┤          ├──────────┼────────────┤
//   │ offset   │length│ tr │ 0  │          │ offset   │ result i32 │
//   └──────────┴──────┴────┴────┘          └──────────┴────────────┘
//   offset: into the query area;            offset: into the answer area; result: response
//   tr: DNS_UDP or DNS_TCP                  length, or DNS_DROP / DNS_FORWARD
//
// A response needs (its size limit + DNS_OUT_SLACK) free bytes in the answer area before it
// is written: 512 + 1024 for a plain UDP query, 65535 + 1024 over TCP. The kernel stops at
// the first query that does not fit and returns how many it answered. An index entry whose
// bytes fall outside the query area is answered DNS_DROP.

// @ts-ignore: decorator
@inline export const DNS_BATCH_ENTRY_BYTES: u32 = 8;
// @ts-ignore: decorator
@inline export const DNS_QUERY_OFFSET: u32 = 0;
// @ts-ignore: decorator
@inline export const DNS_QUERY_LENGTH: u32 = 4; // u16
// @ts-ignore: decorator
@inline export const DNS_QUERY_TRANSPORT: u32 = 6; // u8
// @ts-ignore: decorator
@inline export const DNS_RESPONSE_OFFSET: u32 = 0;
// @ts-ignore: decorator
@inline export const DNS_RESPONSE_RESULT: u32 = 4; // i32
// @ts-ignore: decorator
@inline export const DNS_BATCH_MAX_QUERIES: u32 = 0x0010_0000;
// @ts-ignore: decorator
@inline export const DNS_BATCH_MAX_BYTES: u32 = 0x1000_0000;

// Transports and kernel results (mirrored in sdk/engine/dnsplane.ts).
// @ts-ignore: decorator
@inline export const DNS_UDP: u32 = 0;
// @ts-ignore: decorator
@inline export const DNS_TCP: u32 = 1;
// @ts-ignore: decorator
@inline export const DNS_DROP: i32 = -1;
// @ts-ignore: decorator
@inline export const DNS_FORWARD: i32 = -2;
/** Kernel-internal: the response area has no room; the batch stops here. */
// @ts-ignore: decorator
@inline export const DNS_NO_SPACE: i32 = -3;

// @ts-ignore: decorator
@inline export const DNS_EDNS_UDP_SIZE: u32 = 1232;
// @ts-ignore: decorator
@inline export const DNS_PODS_DISABLED: u32 = 0;
// @ts-ignore: decorator
@inline export const DNS_PODS_INSECURE: u32 = 1;
// @ts-ignore: decorator
@inline export const DNS_PODS_VERIFIED: u32 = 2;
/** TTL of synthesized pod A records when the cluster zone has no SOA (CoreDNS's default ttl). */
// @ts-ignore: decorator
@inline export const DNS_POD_DEFAULT_TTL: u32 = 5;
/** CNAME links followed inside the served zones (CoreDNS stops after 8). */
// @ts-ignore: decorator
@inline export const DNS_MAX_CNAME_LINKS: u32 = 8;

// ---------------------------------------------------------------------------------------
// Compression dictionary entry, 8 bytes, static, DNS_DICT_ENTRIES of them (per response).
// One entry per suffix written literally at a message offset below 0x4000 (RFC 1035
// §4.1.4: pointers hold 14 bits), after the question; the question's own suffixes come
// first in the lookup order but need no entries (dnswire.ts `writeName` compares labels
// with the question from the right). Later names are compared against the entries'
// source bytes, case-insensitively, never against the message.
//
//   0      2      4          8
//   ├──────┼──────┼──────────┤
//   │offset│length│ source   │   offset: in the message; length: wire length of the suffix;
//   └──────┴──────┴──────────┘   source: address of the suffix's uncompressed bytes

// @ts-ignore: decorator
@inline export const DICT_ENTRY_BYTES: u32 = 8;
// @ts-ignore: decorator
@inline export const DICT_OFFSET: u32 = 0; // u16
// @ts-ignore: decorator
@inline export const DICT_LENGTH: u32 = 2; // u16
// @ts-ignore: decorator
@inline export const DICT_SOURCE: u32 = 4;
// @ts-ignore: decorator
@inline export const DNS_DICT_ENTRIES: u32 = 256;

// =======================================================================================
// Raw packets: frames in, parsed records, NAT rewrites, ICMP replies (assembly/packet.ts)
// =======================================================================================
//
// Regions, allocated by `packetReserve(count, bytes)` (the only call that grows them; a
// proxy-only instance never pays for them):
//
//   ┌──────────────────┬──────────────────┬──────────────────┬──────────────────┐
//   │ packet area      │ frame descriptors│ parsed records   │ rewrite records  │
//   │ `bytes` bytes:   │ 16 B × count     │ 128 B × count    │ 48 B × count     │
//   │ frames, anywhere │ (input)          │ (parsePackets)   │ (natPackets in,  │
//   │ in it            │                  │                  │  result out)     │
//   └──────────────────┴──────────────────┴──────────────────┴──────────────────┘
//   plus a static reply buffer (PACKET_REPLY_BYTES) for `buildUnreachable`.
//
// Record i of each region belongs to frame i. Frames are raw network bytes (network
// order); the records' numbers are host order like every other record here: an IPv4
// address is the u32 0x0A600001 for 10.96.0.1, stored little-endian. IPv6 addresses are
// 16 bytes in network order (as on the wire). Offsets in records count from the frame's
// first byte.

// ---------------------------------------------------------------------------------------
// Frame descriptor, 16 bytes (written by the caller)
//
//   0          4          8      10     12         16
//   ├──────────┼──────────┼──────┼──────┼──────────┤
//   │ offset   │ length   │ link │  0   │    0     │   offset/length: the frame's bytes in
//   │          │          │ type │      │          │   the packet area; link type: pcap
//   └──────────┴──────────┴──────┴──────┴──────────┘   LINKTYPE_* (1, 101, 228, 229)
//   A frame not wholly inside the packet area parses as PARSE_BAD_DESCRIPTOR.

// @ts-ignore: decorator
@inline export const FRAME_DESC_BYTES: u32 = 16;
// @ts-ignore: decorator
@inline export const FRAME_OFFSET: u32 = 0;
// @ts-ignore: decorator
@inline export const FRAME_LENGTH: u32 = 4;
// @ts-ignore: decorator
@inline export const FRAME_LINK_TYPE: u32 = 8; // u16

// ---------------------------------------------------------------------------------------
// Parsed record, 128 bytes: the outer packet in the first 64, the packet embedded in an
// ICMP error in the second 64 (zero otherwise), so kernels that ignore ICMP errors touch
// one cache line. `parsePackets` zeroes the record, then fills fields as it parses; a
// dropped packet (reason ≠ 0) keeps the fields parsed before the failing check.
//
//   0    1    2    3    4    5    6    7    8         10        12        14        16
//   ├────┼────┼────┼────┼────┼────┼────┼────┼─────────┼─────────┼─────────┼─────────┤
//   │rsn │fam │prot│tcpf│frag│ttl │ityp│icod│ l3 off  │ l4 off  │ src port│ dst port│
//   └────┴────┴────┴────┴────┴────┴────┴────┴─────────┴─────────┴─────────┴─────────┘
//   16        18        20                  24                                    40
//   ├─────────┼─────────┼───────────────────┼─────────────────────────────────────┤
//   │ payload │ frag off│ fragment id       │ source address (v4: u32, v6: 16 B)  │
//   └─────────┴─────────┴───────────────────┴─────────────────────────────────────┘
//   40                                    56                  60                  64
//   ├─────────────────────────────────────┼───────────────────┼───────────────────┤
//   │ destination address                 │ IP end            │ L4 word           │
//   └─────────────────────────────────────┴───────────────────┴───────────────────┘
//   64   65   66        68        70        72        74        76                  80
//   ├────┼────┼─────────┼─────────┼─────────┼─────────┼─────────┼───────────────────┤
//   │ifl │iprt│    0    │ in l3   │ in l4   │ in sport│ in dport│         0         │
//   └────┴────┴─────────┴─────────┴─────────┴─────────┴─────────┴───────────────────┘
//   80                                    96                                    112  128
//   ├─────────────────────────────────────┼─────────────────────────────────────┼────┤
//   │ embedded source address             │ embedded destination address        │ 0  │
//   └─────────────────────────────────────┴─────────────────────────────────────┴────┘
//
//   rsn: PARSE_* reason (0 = usable); fam: 4 / 6 (0 before the IP header); prot: IPv4
//   protocol or the IPv6 chain's upper-layer next header; tcpf: TCP flags byte (FIN 1,
//   SYN 2, RST 4, PSH 8, ACK 16, URG 32, ECE 64, CWR 128); frag: FRAG_* flags; ttl: TTL /
//   hop limit; ityp/icod: ICMP(v6) type and code.
//   l4 off: 0 for a non-first fragment (no L4 header). Ports: TCP/UDP/SCTP; ICMP echo-like
//   messages put their identifier in both. payload: bytes after the L4 header up to the
//   IP end (non-first fragments: the fragment's data). frag off: in bytes. fragment id:
//   IPv4 identification or the IPv6 fragment header's. IP end: l3 off + total length
//   (bytes after it, e.g. Ethernet padding, belong to no layer). L4 word: TCP sequence
//   number, SCTP verification tag, ICMP header bytes 4..7 (echo: id << 16 | sequence).
//   ifl: INNER_* flags (0 = no embedded packet); iprt: its protocol; in l3 / in l4: its
//   header offsets in the frame (in l4 = 0 when it is a non-first fragment).

// @ts-ignore: decorator
@inline export const PARSED_BYTES: u32 = 128;
// @ts-ignore: decorator
@inline export const PARSED_REASON: u32 = 0; // u8
// @ts-ignore: decorator
@inline export const PARSED_FAMILY: u32 = 1; // u8
// @ts-ignore: decorator
@inline export const PARSED_PROTOCOL: u32 = 2; // u8
// @ts-ignore: decorator
@inline export const PARSED_TCP_FLAGS: u32 = 3; // u8
// @ts-ignore: decorator
@inline export const PARSED_FRAG_FLAGS: u32 = 4; // u8
// @ts-ignore: decorator
@inline export const PARSED_TTL: u32 = 5; // u8
// @ts-ignore: decorator
@inline export const PARSED_ICMP_TYPE: u32 = 6; // u8
// @ts-ignore: decorator
@inline export const PARSED_ICMP_CODE: u32 = 7; // u8
// @ts-ignore: decorator
@inline export const PARSED_L3_OFFSET: u32 = 8; // u16
// @ts-ignore: decorator
@inline export const PARSED_L4_OFFSET: u32 = 10; // u16
// @ts-ignore: decorator
@inline export const PARSED_SRC_PORT: u32 = 12; // u16
// @ts-ignore: decorator
@inline export const PARSED_DST_PORT: u32 = 14; // u16
// @ts-ignore: decorator
@inline export const PARSED_PAYLOAD_LENGTH: u32 = 16; // u16
// @ts-ignore: decorator
@inline export const PARSED_FRAG_OFFSET: u32 = 18; // u16
// @ts-ignore: decorator
@inline export const PARSED_FRAG_ID: u32 = 20;
// @ts-ignore: decorator
@inline export const PARSED_SRC: u32 = 24; // 16 bytes
// @ts-ignore: decorator
@inline export const PARSED_DST: u32 = 40; // 16 bytes
// @ts-ignore: decorator
@inline export const PARSED_IP_END: u32 = 56;
// @ts-ignore: decorator
@inline export const PARSED_L4_WORD: u32 = 60;
// @ts-ignore: decorator
@inline export const PARSED_INNER_FLAGS: u32 = 64; // u8
// @ts-ignore: decorator
@inline export const PARSED_INNER_PROTOCOL: u32 = 65; // u8
// @ts-ignore: decorator
@inline export const PARSED_INNER_L3_OFFSET: u32 = 68; // u16
// @ts-ignore: decorator
@inline export const PARSED_INNER_L4_OFFSET: u32 = 70; // u16
// @ts-ignore: decorator
@inline export const PARSED_INNER_SRC_PORT: u32 = 72; // u16
// @ts-ignore: decorator
@inline export const PARSED_INNER_DST_PORT: u32 = 74; // u16
// @ts-ignore: decorator
@inline export const PARSED_INNER_SRC: u32 = 80; // 16 bytes
// @ts-ignore: decorator
@inline export const PARSED_INNER_DST: u32 = 96; // 16 bytes

// ---------------------------------------------------------------------------------------
// Rewrite record, 48 bytes (written by the caller; `natPackets` writes the result byte)
//
//   0    1    2         4         6         8                                    24
//   ├────┼────┼─────────┼─────────┼─────────┼─────────────────────────────────────┤
//   │flg │res │    0    │ src port│ dst port│ new source address (v4 u32 / v6)    │
//   └────┴────┴─────────┴─────────┴─────────┴─────────────────────────────────────┘
//   24                                    40                  48
//   ├─────────────────────────────────────┼───────────────────┤
//   │ new destination address             │         0         │
//   └─────────────────────────────────────┴───────────────────┘
//   flg: NAT_* flags selecting the fields to write (0 = leave the packet alone); the
//   NAT_INNER_* flags translate the packet inside an ICMP error from the mirrored fields
//   (its source ← the record's destination, its destination ← the record's source).
//   res: NAT_RESULT_* bits, 0 = done as asked.

// @ts-ignore: decorator
@inline export const REWRITE_BYTES: u32 = 48;
// @ts-ignore: decorator
@inline export const REWRITE_FLAGS: u32 = 0; // u8
// @ts-ignore: decorator
@inline export const REWRITE_RESULT: u32 = 1; // u8
// @ts-ignore: decorator
@inline export const REWRITE_SRC_PORT: u32 = 4; // u16
// @ts-ignore: decorator
@inline export const REWRITE_DST_PORT: u32 = 6; // u16
// @ts-ignore: decorator
@inline export const REWRITE_SRC: u32 = 8; // 16 bytes
// @ts-ignore: decorator
@inline export const REWRITE_DST: u32 = 24; // 16 bytes

// ---------------------------------------------------------------------------------------
// Limits

/** Largest ICMP reply: 802.1Q Ethernet header 18 + IPv6 40 + ICMPv6 8 + 1232 quoted bytes. */
// @ts-ignore: decorator
@inline export const PACKET_REPLY_BYTES: u32 = 1298;
// @ts-ignore: decorator
@inline export const PACKET_MAX_RECORDS: u32 = 0x0010_0000;
// @ts-ignore: decorator
@inline export const PACKET_MAX_AREA_BYTES: u32 = 0x1000_0000;

// =======================================================================================
// Flow cache and frames kernel: the wasm frame engine's fast path (assembly/flowcache.ts,
// assembly/frames.ts; SDK side sdk/engine/frames.ts)
// =======================================================================================
//
// Regions, allocated by `flowCacheReserve(flows, flows6)` (empties the cache) and
// `framesReserve(count, bytes)` (grows the raw-packet regions above and these arrays):
//
//   ┌──────────────────┬──────────────────┐   ┌─────────────┬─────────────┐
//   │ IPv4 key slots   │ IPv6 key slots   │   │ frame times │ frame       │
//   │ 64 B × 2^k ≥     │ 128 B × 2^k ≥    │   │ f64 × count │ verdicts    │
//   │ 4 × flows        │ 4 × flows6       │   │             │ 8 B × count │
//   └──────────────────┴──────────────────┘   └─────────────┴─────────────┘
//   plus static data: the key staging record (128 B), the kernel's scratch (a group's
//   slots, a rewrite record), the no-going-back time floor and the counters (16 × u64).
//
// A cached flow has two keys (original and reply direction) in its family's table, at most
// half of whose slots are used. Each key carries what a packet in its direction needs — the
// rewrite and the flow's timer — so a fast-path packet touches one slot. The SDK's token
// (any non-zero u32) names the flow; the core only hands it back in verdicts.
//
// Timers: `deadline` is conntrack's (alive while now < deadline); a fast-path packet sets
// its key's deadline to now + timeout and stamps its sequence. The two keys' deadlines may
// differ: the flow's is that of the key stamped last, which the SDK reads back (the kernel
// refuses frames timed before any frame it has already seen, so the latest deadline is the
// one with the latest time, and stamps break ties).

// ---------------------------------------------------------------------------------------
// IPv4 key slot, 64 bytes; open addressing, linear probing, backward-shift deletion.
//
//   0          4          8          12   13   14   15   16
//   ├──────────┼──────────┼──────────┼────┼────┼────┼────┤
//   │ source   │ dest.    │ ports    │prot│dir │nat │ 0  │   key = bytes 0..12
//   └──────────┴──────────┴──────────┴────┴────┴────┴────┘
//   16         20         24         28         32                    40
//   ├──────────┼──────────┼──────────┼──────────┼─────────────────────┤
//   │ new src  │ new dst  │ new ports│ token    │ deadline (f64 ms)   │   token 0 = empty
//   └──────────┴──────────┴──────────┴──────────┴─────────────────────┘
//   40                    48         52         56                    64
//   ├─────────────────────┼──────────┼──────────┼─────────────────────┤
//   │ timeout (f64 ms)    │ sequence │ packets  │ IP bytes (u64)      │
//   └─────────────────────┴──────────┴──────────┴─────────────────────┘
//   Packet byte order: source, destination, ports, new src, new dst and new ports hold
//   the bytes a frame carries (10.96.0.1 is bytes 0a 60 00 01; ports: the L4 header's
//   first 4 bytes, source port then destination port; new ports likewise); the staging
//   record has them in host order and the core swaps them at the edge.
//   dir: 0 original, 1 reply; nat: NAT_* rewrite flags (packet.ts) of this direction,
//   0 = forwarded unchanged; sequence: the kernel's stamp of the last fast-path packet
//   (odd, wrapping), 0 once the SDK has read it; packets: a wrapping u32.

// @ts-ignore: decorator
@inline export const FLOW4_BYTES: u32 = 64;
// @ts-ignore: decorator
@inline export const FLOW4_SHIFT: u32 = 6;
// @ts-ignore: decorator
@inline export const FLOW4_SRC: u32 = 0;
// @ts-ignore: decorator
@inline export const FLOW4_DST: u32 = 4;
// @ts-ignore: decorator
@inline export const FLOW4_PORTS: u32 = 8;
// @ts-ignore: decorator
@inline export const FLOW4_PROTOCOL: u32 = 12; // u8
// @ts-ignore: decorator
@inline export const FLOW4_DIRECTION: u32 = 13; // u8
// @ts-ignore: decorator
@inline export const FLOW4_NAT_FLAGS: u32 = 14; // u8
// @ts-ignore: decorator
@inline export const FLOW4_NEW_SRC: u32 = 16;
// @ts-ignore: decorator
@inline export const FLOW4_NEW_DST: u32 = 20;
// @ts-ignore: decorator
@inline export const FLOW4_NEW_PORTS: u32 = 24;
// @ts-ignore: decorator
@inline export const FLOW4_TOKEN: u32 = 28;
// @ts-ignore: decorator
@inline export const FLOW4_DEADLINE: u32 = 32; // f64
// @ts-ignore: decorator
@inline export const FLOW4_TIMEOUT: u32 = 40; // f64
// @ts-ignore: decorator
@inline export const FLOW4_SEQUENCE: u32 = 48;
// @ts-ignore: decorator
@inline export const FLOW4_PACKETS: u32 = 52;
// @ts-ignore: decorator
@inline export const FLOW4_BYTES_COUNT: u32 = 56; // u64

// ---------------------------------------------------------------------------------------
// IPv6 key slot, 128 bytes; same table rules. Addresses in network order (as parsed).
//
//   0                  16                 32         36   37   38   39   40         44         48
//   ├──────────────────┼──────────────────┼──────────┼────┼────┼────┼────┼──────────┼──────────┤
//   │ source (16)      │ destination (16) │ ports    │prot│dir │nat │ 0  │ new ports│ token    │
//   └──────────────────┴──────────────────┴──────────┴────┴────┴────┴────┴──────────┴──────────┘
//   48                 64                 80            88            96   100  104          112  128
//   ├──────────────────┼──────────────────┼─────────────┼─────────────┼────┼────┼────────────┼────┤
//   │ new source (16)  │ new dest. (16)   │ deadline    │ timeout     │seq │pkts│ IP bytes   │ 0  │
//   └──────────────────┴──────────────────┴─────────────┴─────────────┴────┴────┴────────────┴────┘

// @ts-ignore: decorator
@inline export const FLOW6_BYTES: u32 = 128;
// @ts-ignore: decorator
@inline export const FLOW6_SHIFT: u32 = 7;
// @ts-ignore: decorator
@inline export const FLOW6_SRC: u32 = 0;
// @ts-ignore: decorator
@inline export const FLOW6_DST: u32 = 16;
// @ts-ignore: decorator
@inline export const FLOW6_PORTS: u32 = 32;
// @ts-ignore: decorator
@inline export const FLOW6_PROTOCOL: u32 = 36; // u8
// @ts-ignore: decorator
@inline export const FLOW6_DIRECTION: u32 = 37; // u8
// @ts-ignore: decorator
@inline export const FLOW6_NAT_FLAGS: u32 = 38; // u8
// @ts-ignore: decorator
@inline export const FLOW6_NEW_PORTS: u32 = 40;
// @ts-ignore: decorator
@inline export const FLOW6_TOKEN: u32 = 44;
// @ts-ignore: decorator
@inline export const FLOW6_NEW_SRC: u32 = 48;
// @ts-ignore: decorator
@inline export const FLOW6_NEW_DST: u32 = 64;
// @ts-ignore: decorator
@inline export const FLOW6_DEADLINE: u32 = 80; // f64
// @ts-ignore: decorator
@inline export const FLOW6_TIMEOUT: u32 = 88; // f64
// @ts-ignore: decorator
@inline export const FLOW6_SEQUENCE: u32 = 96;
// @ts-ignore: decorator
@inline export const FLOW6_PACKETS: u32 = 100;
// @ts-ignore: decorator
@inline export const FLOW6_BYTES_COUNT: u32 = 104; // u64

/** Flows per family: 2^20 flows take 256 MiB of IPv4 slots, 512 MiB of IPv6 slots. */
// @ts-ignore: decorator
@inline export const FLOW_CACHE_MAX_FLOWS: u32 = 0x0010_0000;

// ---------------------------------------------------------------------------------------
// Flow key staging record, 128 bytes (static; argument and result of the flow cache
// control calls). Addresses as in a rewrite record: IPv4 a host-order u32 in the field's
// first 4 bytes, IPv6 16 bytes in network order.
//
//   0    1    2    3    4          8          12         16
//   ├────┼────┼────┼────┼──────────┼──────────┼──────────┤
//   │fam │prot│dir │nat │ ports    │ new ports│ token    │
//   └────┴────┴────┴────┴──────────┴──────────┴──────────┘
//   16                 32                 48                 64                 80
//   ├──────────────────┼──────────────────┼──────────────────┼──────────────────┤
//   │ source           │ destination      │ new source       │ new destination  │
//   └──────────────────┴──────────────────┴──────────────────┴──────────────────┘
//   80            88            96   100  104          112  128
//   ├─────────────┼─────────────┼────┼────┼────────────┼────┤
//   │ deadline    │ timeout     │seq │pkts│ IP bytes   │ 0  │   insert reads deadline and
//   └─────────────┴─────────────┴────┴────┴────────────┴────┘   timeout; read writes all five

// @ts-ignore: decorator
@inline export const FLOW_KEY_STAGING_BYTES: u32 = 128;
// @ts-ignore: decorator
@inline export const FK_FAMILY: u32 = 0; // u8
// @ts-ignore: decorator
@inline export const FK_PROTOCOL: u32 = 1; // u8
// @ts-ignore: decorator
@inline export const FK_DIRECTION: u32 = 2; // u8
// @ts-ignore: decorator
@inline export const FK_NAT_FLAGS: u32 = 3; // u8
// @ts-ignore: decorator
@inline export const FK_PORTS: u32 = 4;
// @ts-ignore: decorator
@inline export const FK_NEW_PORTS: u32 = 8;
// @ts-ignore: decorator
@inline export const FK_TOKEN: u32 = 12;
// @ts-ignore: decorator
@inline export const FK_SRC: u32 = 16;
// @ts-ignore: decorator
@inline export const FK_DST: u32 = 32;
// @ts-ignore: decorator
@inline export const FK_NEW_SRC: u32 = 48;
// @ts-ignore: decorator
@inline export const FK_NEW_DST: u32 = 64;
// @ts-ignore: decorator
@inline export const FK_DEADLINE: u32 = 80; // f64
// @ts-ignore: decorator
@inline export const FK_TIMEOUT: u32 = 88; // f64
// @ts-ignore: decorator
@inline export const FK_SEQUENCE: u32 = 96;
// @ts-ignore: decorator
@inline export const FK_PACKETS: u32 = 100;
// @ts-ignore: decorator
@inline export const FK_BYTES: u32 = 104; // u64

// ---------------------------------------------------------------------------------------
// Frame verdict record, 8 bytes (written by `processFrames`), one per frame
//
//   0    1    2    3    4          8
//   ├────┼────┼────┼────┼──────────┤
//   │out │why │dir │nat │ token    │   out: FRAME_FAST / FRAME_PUNT (0: not reached)
//   └────┴────┴────┴────┴──────────┘   why: PUNT_* (punts); dir, nat result (NAT_*
//                                      bits), token: the cached flow (fast path)

// @ts-ignore: decorator
@inline export const FRAME_VERDICT_BYTES: u32 = 8;
// @ts-ignore: decorator
@inline export const FRAME_VERDICT_SHIFT: u32 = 3;
// @ts-ignore: decorator
@inline export const FRAME_VERDICT_OUTCOME: u32 = 0; // u8
// @ts-ignore: decorator
@inline export const FRAME_VERDICT_PUNT_REASON: u32 = 1; // u8
// @ts-ignore: decorator
@inline export const FRAME_VERDICT_DIRECTION: u32 = 2; // u8
// @ts-ignore: decorator
@inline export const FRAME_VERDICT_NAT_RESULT: u32 = 3; // u8
// @ts-ignore: decorator
@inline export const FRAME_VERDICT_TOKEN: u32 = 4;

// @ts-ignore: decorator
@inline export const FRAME_FAST: u32 = 1;
// @ts-ignore: decorator
@inline export const FRAME_PUNT: u32 = 2;

// Why a frame took the slow path.
/** The parser refused it (or its descriptor is outside the packet area). */
// @ts-ignore: decorator
@inline export const PUNT_PARSE: u32 = 1;
/** A fragment (the slow path remembers first fragments for their followers). */
// @ts-ignore: decorator
@inline export const PUNT_FRAGMENT: u32 = 2;
/** Not TCP, UDP or SCTP (ICMP errors are RELATED traffic; the rest is the slow path's PASS). */
// @ts-ignore: decorator
@inline export const PUNT_PROTOCOL: u32 = 3;
/** TCP without ACK, or with SYN, FIN or RST: conntrack's state may change. */
// @ts-ignore: decorator
@inline export const PUNT_TCP_FLAGS: u32 = 4;
/** No cached key for the tuple. */
// @ts-ignore: decorator
@inline export const PUNT_MISS: u32 = 5;
/** The key's timer rules the fast path out (expired as far as this key knows, or it would move the deadline back). */
// @ts-ignore: decorator
@inline export const PUNT_TIMER: u32 = 6;
/** The frame's time reaches the SDK's expiry horizon: some conntrack entry may be due. */
// @ts-ignore: decorator
@inline export const PUNT_EXPIRY: u32 = 7;
/** The frame's time is before a frame already seen (conntrack would move deadlines back). */
// @ts-ignore: decorator
@inline export const PUNT_TIME_BACK: u32 = 8;

// Counters (u64 each, FRAME_COUNTERS of them): fast-path packets, their IP bytes, then
// punts by PUNT_* reason at FRAME_COUNTER_PUNTS + reason.
// @ts-ignore: decorator
@inline export const FRAME_COUNTERS: u32 = 16;
// @ts-ignore: decorator
@inline export const FRAME_COUNTER_FAST_PACKETS: u32 = 0;
// @ts-ignore: decorator
@inline export const FRAME_COUNTER_FAST_BYTES: u32 = 1;
// @ts-ignore: decorator
@inline export const FRAME_COUNTER_PUNTS: u32 = 1;

// =======================================================================================
// Decision cache: first-packet rule decisions (assembly/decisions.ts; SDK side
// sdk/engine/decisions.ts)
// =======================================================================================
//
// kube-proxy's rules (`KubeProxyRules.decide`, sdk/proxy/rules.ts) read of a packet its
// family, protocol, destination address and port, and three facts about its source: it is
// a node address or loopback (`srcLocal`), it is loopback, the local-traffic detector calls
// it a pod. Only some destinations make them read the source address itself (LoadBalancer
// frontends with loadBalancerSourceRanges; every destination of a family in ipvs mode
// without a detector: `KubeProxyRules.readsExactSource`), never the source port. So a
// decision, once the rules made it, holds for every packet with the same key, and the core
// keeps it under that key — the megaflow idea of Open vSwitch's datapath (Pfaff et al.,
// NSDI 2015): the first packet of every later flow with that key is decided here.
//
// Regions: the slot table, allocated by `decisionsReserve(entries)` (2^k ≥ 2 × entries
// slots, so at most half are used), plus static data: the source classification of each
// family (node addresses, detector CIDRs, the exact-source flag), the configuration
// staging area and the staging record. The SDK empties the table whenever the rules
// change (`decisionsClear`); there is no single deletion.

// ---------------------------------------------------------------------------------------
// Decision slot, 48 bytes; open addressing, linear probing.
//
//   0                  16                 32         34   35   36   37   38   40         44         48
//   ├──────────────────┼──────────────────┼──────────┼────┼────┼────┼────┼────┼──────────┼──────────┤
//   │ destination (16) │ source (16)      │ dst port │prot│fam │cls │kind│ 0  │ decision │ epoch    │
//   └──────────────────┴──────────────────┴──────────┴────┴────┴────┴────┴────┴──────────┴──────────┘
//   key = bytes 0..39. Addresses as in a rewrite record (IPv4: host-order u32 in the first
//   4 bytes, the rest 0; IPv6: 16 bytes, network order). kind DK_CLASS: the source field
//   is 0 and cls holds the SRC_* class bits; kind DK_EXACT: the source field is the
//   address, cls is 0. decision: the SDK's id (0 = empty slot); DECISION_EXACT on a class
//   key means "this destination reads the source: look the exact key up". epoch: the
//   destination's epoch when the decision was kept; a slot whose epoch differs from its
//   destination's current one is stale (a miss; the next insert overwrites it).
//
// Destination epochs: DECISION_EPOCH_BUCKETS u32 counters (static), indexed by a hash of
// the destination address. `decisionInvalidate` bumps one destination's bucket when the
// rules changed what that address decides (a Service's frontends changed); other
// destinations sharing the bucket only miss once more.

// @ts-ignore: decorator
@inline export const DECISION_SLOT_BYTES: u32 = 48;
// @ts-ignore: decorator
@inline export const DS_DST: u32 = 0;
// @ts-ignore: decorator
@inline export const DS_SRC: u32 = 16;
// @ts-ignore: decorator
@inline export const DS_PORT: u32 = 32; // u16
// @ts-ignore: decorator
@inline export const DS_PROTOCOL: u32 = 34; // u8
// @ts-ignore: decorator
@inline export const DS_FAMILY: u32 = 35; // u8
// @ts-ignore: decorator
@inline export const DS_CLASS: u32 = 36; // u8
// @ts-ignore: decorator
@inline export const DS_KIND: u32 = 37; // u8
// @ts-ignore: decorator
@inline export const DS_DECISION: u32 = 40;
// @ts-ignore: decorator
@inline export const DS_EPOCH: u32 = 44;
// @ts-ignore: decorator
@inline export const DS_KEY_BYTES: u32 = 40;
// @ts-ignore: decorator
@inline export const DECISION_EPOCH_BUCKETS: u32 = 4096;

// @ts-ignore: decorator
@inline export const DK_CLASS: u32 = 0;
// @ts-ignore: decorator
@inline export const DK_EXACT: u32 = 1;
/** Class-key marker: the decision depends on the exact source. */
// @ts-ignore: decorator
@inline export const DECISION_EXACT: u32 = 0xffff_ffff;

// Source class bits.
/** A node address or loopback (`srcLocal`: locally generated, OUTPUT hook). */
// @ts-ignore: decorator
@inline export const SRC_LOCAL: u32 = 1;
/** 127.0.0.0/8 or ::1. */
// @ts-ignore: decorator
@inline export const SRC_LOOPBACK: u32 = 2;
/** Inside the local-traffic detector's CIDRs (a pod). */
// @ts-ignore: decorator
@inline export const SRC_POD: u32 = 4;

/** Decisions the table may hold (2^21 slots × 48 B = 96 MiB). */
// @ts-ignore: decorator
@inline export const DECISION_MAX_ENTRIES: u32 = 0x0010_0000;

// ---------------------------------------------------------------------------------------
// Decision staging record, 64 bytes (static; argument and result of the lookup and
// insert calls; the batch kernel reads and writes records of the same layout).
//
//   0    1    2    3    4          8          12         16                 32                 48   64
//   ├────┼────┼────┼────┼──────────┼──────────┼──────────┼──────────────────┼──────────────────┼────┤
//   │fam │prot│cls │kind│ dst port │ decision │ 0        │ source (16)      │ destination (16) │ 0  │
//   └────┴────┴────┴────┴──────────┴──────────┴──────────┴──────────────────┴──────────────────┘
//   The caller writes fam, prot, dst port, source and destination. A lookup writes cls (the
//   source's class), kind (the key a miss must be inserted under: DK_EXACT when the family
//   reads exact sources or the class key said DECISION_EXACT) and decision (0 on a miss).

// @ts-ignore: decorator
@inline export const DECISION_RECORD_BYTES: u32 = 64;
// @ts-ignore: decorator
@inline export const DR_FAMILY: u32 = 0; // u8
// @ts-ignore: decorator
@inline export const DR_PROTOCOL: u32 = 1; // u8
// @ts-ignore: decorator
@inline export const DR_CLASS: u32 = 2; // u8
// @ts-ignore: decorator
@inline export const DR_KIND: u32 = 3; // u8
// @ts-ignore: decorator
@inline export const DR_PORT: u32 = 4; // u16
// @ts-ignore: decorator
@inline export const DR_DECISION: u32 = 8;
// @ts-ignore: decorator
@inline export const DR_SRC: u32 = 16;
// @ts-ignore: decorator
@inline export const DR_DST: u32 = 32;

// ---------------------------------------------------------------------------------------
// Source classification staging (static, DECISION_CONFIG_BYTES): `decisionsConfigure(
// family, addresses, cidrs, exact)` reads `addresses` node addresses, 16 bytes each (as in
// a slot), then `cidrs` detector CIDRs of 20 bytes: the network address (16) and the prefix
// length (u32).

// @ts-ignore: decorator
@inline export const DECISION_MAX_NODE_ADDRESSES: u32 = 32;
// @ts-ignore: decorator
@inline export const DECISION_MAX_CIDRS: u32 = 16;
// @ts-ignore: decorator
@inline export const DECISION_CIDR_BYTES: u32 = 20;
// @ts-ignore: decorator
@inline export const DECISION_CONFIG_BYTES: u32 = 832; // 32 × 16 + 16 × 20
