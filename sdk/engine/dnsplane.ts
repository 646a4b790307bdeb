/**
 * The contract of the cluster DNS data plane: the wasm core's DNS half (binding in
 * `sdk/engine/dnscore.ts`) and the pure-TypeScript reference built on `dns-packet`
 * (`test/dns/reference.ts`, plain TypeScript written from this contract). The SDK's ClusterDns (`sdk/dns/`) derives every RRset from
 * the cluster (Kubernetes DNS specification 1.1.0, CoreDNS's choices where it is silent:
 * ../shared/spec/dns.md) and writes only the RRsets that changed. The data plane holds
 * names and RRsets and answers wire-format queries; it knows nothing of Services.
 *
 * What the data plane decides (so both implementations must agree byte for byte on the
 * answer sections, and on everything else a client can see):
 * - header: ID copied, QR=1, opcode copied, AA=1 on every answer from a served zone, RD
 *   copied, RA=0; RCODE per the rules below;
 * - the question echoed exactly as received (its case kept); answer owner names point at
 *   the question name, so they echo its case;
 * - FORMERR for malformed queries (QDCOUNT ≠ 1, truncated or looping names, labels over 63
 *   bytes, names over 255, counts that lie, a bad OPT record), NOTIMP for opcodes other
 *   than QUERY, REFUSED for AXFR/IXFR and for names outside every zone (or DNS_FORWARD when
 *   `forwardOutOfZone` is set, so the server can forward);
 * - existence: a name exists when it holds an RRset or was declared with `setExists`;
 *   a missing name gives NXDOMAIN, an existing name without the asked type gives NODATA
 *   (NOERROR, empty answer); both negative forms carry the zone's SOA RRset, as the SDK
 *   wrote it at the apex, in the authority section;
 * - CoreDNS quirks: an SOA query on any name below the apex gives NODATA; a CNAME at the
 *   name is answered for every type, then chased inside the served zones (at most 8 links;
 *   the target's RRset follows the CNAME); an AAAA query whose in-zone CNAME target has no
 *   AAAA gives NODATA without the CNAME;
 * - pods `insecure` mode: `a-b-c-d.<ns>.pod.<zone>` is answered with A a.b.c.d when
 *   `<ns>.pod.<zone>` exists (the SDK declares namespaces), without any stored record;
 * - additional section: A and AAAA RRsets of the targets of SRV, NS and MX answers that
 *   exist in the table (glue), each once;
 * - EDNS0: a query with an OPT record gets an OPT record back (UDP size DNS_EDNS_UDP_SIZE,
 *   no options); the response size limit is max(512, the query's advertised size) over
 *   UDP and 65535 over TCP; a response over the limit is cut to whole RRsets that fit,
 *   TC set, and still carries the question and OPT;
 * - name compression: owner names and RFC 1035 RDATA names (CNAME, NS, PTR, SOA, MX) are
 *   compressed against names already written; SRV targets are never compressed
 *   (RFC 2782) but their in-zone suffix is written in the question's case, as CoreDNS
 *   does;
 * - details the implementations share: FORMERR and NOTIMP answers are a bare header with
 *   AA clear; REFUSED echoes the question (and OPT) with AA clear; a class other than IN
 *   is out of zone; an OPT with EDNS version ≠ 0 gets BADVERS (RFC 6891 §6.1.3); the DO
 *   bit is copied; ANY is an ordinary type (NODATA); glue that does not fit also sets TC
 *   (stricter than RFC 2181 §9); CNAME chains that end without data carry the SOA
 *   (RFC 2308 §2.1); the full list is at the top of assembly/dnswire.ts.
 */
export interface DnsPlane {
  readonly kind: string;

  /** Sets the zones and modes. Returns ST_OK or ST_BAD_ARGUMENT (no zone, bad name). */
  configure(config: DnsZoneConfig): number;

  /**
   * Replaces the RRset (owner, type, class IN). `owner` is a domain name in presentation
   * form, with or without the trailing dot, any case (stored lower-case); `rdata` holds
   * each record's RDATA in wire format with uncompressed names. An empty list removes the
   * RRset. Costs work proportional to this RRset. Returns ST_OK or ST_BAD_ARGUMENT (bad
   * name, RDATA over 65535 bytes, owner outside every zone).
   */
  setRRset(owner: string, type: number, ttl: number, rdata: readonly Uint8Array[]): number;

  /** Declares (or undeclares) that a name exists even without RRsets. */
  setExists(owner: string, exists: boolean): number;

  /**
   * Answers one query message. `transport` is DNS_UDP or DNS_TCP (size limits above).
   * Writes the response into `out` and returns its length, or DNS_DROP (not a query: QR
   * set, shorter than a header) or DNS_FORWARD (out of zone, forwarding on).
   * `out` must hold 65535 bytes.
   */
  answer(query: Uint8Array, transport: number, out: Uint8Array): number;

  /** Number of names held (existing names, with or without RRsets). */
  nameCount(): number;

  /** Bytes of memory the tables occupy. */
  memoryBytes(): number;
}

export interface DnsZoneConfig {
  /**
   * Authoritative zones, e.g. ['cluster.local', 'in-addr.arpa', 'ip6.arpa']. The first
   * is the cluster domain (pod records live under it). A query belongs to the longest
   * zone it ends with.
   */
  zones: readonly string[];
  /** DNS_PODS_DISABLED, DNS_PODS_INSECURE or DNS_PODS_VERIFIED (records written by the SDK). */
  podsMode: number;
  /** Out-of-zone queries return DNS_FORWARD instead of a REFUSED answer. */
  forwardOutOfZone: boolean;
}

export const DNS_UDP = 0;
export const DNS_TCP = 1;
/** `answer` result: drop the message silently. */
export const DNS_DROP = -1;
/** `answer` result: out of zone with forwarding on; the server forwards the query as is. */
export const DNS_FORWARD = -2;
/** The UDP payload size svcnet advertises in its OPT records (DNS Flag Day 2020). */
export const DNS_EDNS_UDP_SIZE = 1232;

export const DNS_PODS_DISABLED = 0;
export const DNS_PODS_INSECURE = 1;
export const DNS_PODS_VERIFIED = 2;

/** RR types (RFC 1035, 3596, 2782, 6891). */
export const TYPE_A = 1;
export const TYPE_NS = 2;
export const TYPE_CNAME = 5;
export const TYPE_SOA = 6;
export const TYPE_PTR = 12;
export const TYPE_MX = 15;
export const TYPE_TXT = 16;
export const TYPE_AAAA = 28;
export const TYPE_SRV = 33;
export const TYPE_OPT = 41;
export const TYPE_IXFR = 251;
export const TYPE_AXFR = 252;
export const TYPE_ANY = 255;
export const CLASS_IN = 1;

/** RCODEs (RFC 1035 §4.1.1). */
export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;
export const RCODE_REFUSED = 5;
