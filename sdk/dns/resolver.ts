/**
 * A pod's stub resolver, emulated against any DNS answerer (a ClusterDns, a data plane):
 * the resolv.conf kubelet writes for `dnsPolicy: ClusterFirst`
 * (kubernetes/kubernetes pkg/kubelet/network/dns/dns.go: search `<ns>.svc.<zone>
 * svc.<zone> <zone>`, `options ndots:5`), walked by the rules of glibc
 * (resolv/res_query.c `__res_context_search`) or musl (src/network/lookup_name.c
 * `name_from_dns_search`). The result lists every query sent, so the cost of ndots:5 is
 * visible: `example.com` takes four names, three of them NXDOMAIN.
 *
 * One record type per lookup; real resolvers send A and AAAA together, doubling the count.
 */

import { DNS_DROP, DNS_FORWARD, DNS_TCP, DNS_UDP } from '../engine/dnsplane.js';
import { decodeMessage, encodeQuery, rcodeName, typeCode, typeName, type DnsRecord } from './wire.js';
import { DEFAULT_CLUSTER_DOMAIN } from './records.js';
import { canonicalName } from './names.js';

/** Anything that answers wire-format queries the way `DnsPlane.answer` does. */
export interface DnsAnswerer {
  answer(query: Uint8Array, transport: number, out: Uint8Array): number;
}

export type Libc = 'glibc' | 'musl';

export interface ResolveOptions {
  /** The pod's namespace, first in the search list. Default `default`. */
  namespace?: string;
  /** Record type to look up. Default `A`. */
  type?: string | number;
  /** `options ndots:n`, capped at 15 as both libcs do. Default 5 (kubelet's). */
  ndots?: number;
  /** The whole search list; default `podSearchList(namespace, clusterDomain)`. */
  searches?: readonly string[];
  /** Default glibc. */
  libc?: Libc;
  /** Default `cluster.local`. */
  clusterDomain?: string;
  /** Send an EDNS0 OPT record (`options edns0`). Default false. */
  edns?: boolean;
}

/**
 * What one query got. `rcode` is the response's RCODE name, or `FORWARDED` when the
 * answerer hands an out-of-zone query upstream (its fate is unknown here) and `DROPPED`
 * when it drops the query (the client would time out).
 */
export interface ResolveQuery {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
  rcode: string;
  /** RRs in the answer section. */
  answerCount: number;
}

export interface ResolveResult {
  /** The name that answered; when none did, the name whose failure the resolver reports. */
  name: string;
  /** RCODE name of that query (`NOERROR` with no answers is NODATA). */
  rcode: string;
  /** Whether records of the asked type came back. */
  found: boolean;
  /** Its answer section (CNAMEs included). */
  answers: DnsRecord[];
  /** Every query sent, in order. */
  queries: ResolveQuery[];
}

/**
 * The search list kubelet writes for `dnsPolicy: ClusterFirst`: `<ns>.svc.<zone>`,
 * `svc.<zone>`, `<zone>`, then `extra` (the node's search domains, `dnsConfig.searches`),
 * without duplicates.
 */
export function podSearchList(namespace = 'default', clusterDomain = DEFAULT_CLUSTER_DOMAIN, extra: readonly string[] = []): string[] {
  const zone = canonicalName(clusterDomain);
  const out: string[] = [];
  for (const d of [`${namespace}.svc.${zone}`, `svc.${zone}`, zone, ...extra]) {
    const c = d.replace(/\.$/, '');
    if (c !== '' && !out.includes(c)) out.push(c);
  }
  return out;
}

type Outcome = 'answer' | 'nxdomain' | 'nodata' | 'servfail' | 'stop';

interface Attempt {
  name: string;
  outcome: Outcome;
  rcode: string;
  answers: DnsRecord[];
}

const OUT_SIZE = 65535;

/**
 * Resolves `name` as a pod would. Rules (dns.md §4.2):
 * - a trailing dot: the name as is, only;
 * - dots ≥ ndots: glibc tries the name as is first, then the search list; musl tries it
 *   as is only;
 * - dots < ndots: each search domain in order, then the name as is;
 * - glibc goes on after NXDOMAIN, NODATA and SERVFAIL (anything else ends the search
 *   list, though the name as is is still tried if it was not yet); musl goes on after
 *   NXDOMAIN only.
 * A truncated UDP answer is asked again over TCP.
 */
export function resolve(dns: DnsAnswerer, name: string, options: ResolveOptions = {}): ResolveResult {
  const libc = options.libc ?? 'glibc';
  if (libc !== 'glibc' && libc !== 'musl') throw new TypeError(`svcnet: libc must be 'glibc' or 'musl', got ${JSON.stringify(libc)}`);
  const qtype = typeCode(options.type ?? 'A');
  const ndots = Math.min(15, Math.max(0, Math.floor(options.ndots ?? 5)));
  const searches = options.searches ?? podSearchList(options.namespace ?? 'default', options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
  const queries: ResolveQuery[] = [];
  const out = new Uint8Array(OUT_SIZE);
  let nextId = 1;

  const ask = (qname: string): Attempt => {
    let transport = DNS_UDP;
    for (;;) {
      const id = nextId++ & 0xffff;
      const query = encodeQuery(qname, { id, type: qtype, edns: options.edns ?? false });
      const n = dns.answer(query, transport, out);
      const entry: ResolveQuery = { name: qname, type: typeName(qtype), transport: transport === DNS_UDP ? 'udp' : 'tcp', rcode: '', answerCount: 0 };
      queries.push(entry);
      if (n === DNS_FORWARD || n === DNS_DROP || n < 0) {
        entry.rcode = n === DNS_FORWARD ? 'FORWARDED' : 'DROPPED';
        return { name: qname, outcome: 'stop', rcode: entry.rcode, answers: [] };
      }
      const message = decodeMessage(out.subarray(0, n));
      entry.rcode = rcodeName(message.rcode);
      entry.answerCount = message.answers.length;
      if (message.flags.tc && transport === DNS_UDP) {
        transport = DNS_TCP;
        continue;
      }
      const found = message.answers.some((rr) => rr.typeCode === qtype || qtype === 255);
      let outcome: Outcome;
      if (message.rcode === 0) outcome = found ? 'answer' : 'nodata';
      else if (message.rcode === 3) outcome = 'nxdomain';
      else if (message.rcode === 2) outcome = 'servfail';
      else outcome = 'stop';
      return { name: qname, outcome, rcode: entry.rcode, answers: message.answers };
    }
  };

  const finish = (chosen: Attempt): ResolveResult => ({
    name: chosen.name,
    rcode: chosen.rcode,
    found: chosen.outcome === 'answer',
    answers: chosen.answers,
    queries,
  });

  const trailingDot = name.endsWith('.') && name.length > 1;
  const base = trailingDot ? name.slice(0, -1) : name;
  if (trailingDot) return finish(ask(base));
  let dots = 0;
  for (const c of base) if (c === '.') dots++;
  const withDomain = (domain: string): string => (domain === '' ? base : `${base}.${domain}`);

  if (libc === 'musl') {
    if (dots >= ndots) return finish(ask(base));
    for (const domain of searches) {
      const a = ask(withDomain(domain));
      if (a.outcome !== 'nxdomain') return finish(a);
    }
    return finish(ask(base));
  }

  // glibc: see res_query.c for `saved_herrno`, `got_nodata`, `got_servfail`.
  let asIs: Attempt | undefined;
  let nodata: Attempt | undefined;
  let servfail: Attempt | undefined;
  let last: Attempt | undefined;
  if (dots >= ndots) {
    asIs = ask(base);
    if (asIs.outcome === 'answer') return finish(asIs);
    last = asIs;
  }
  for (const domain of searches) {
    const a = ask(withDomain(domain));
    last = a;
    if (a.outcome === 'answer') return finish(a);
    if (a.outcome === 'nodata') nodata ??= a;
    else if (a.outcome === 'servfail') servfail ??= a;
    else if (a.outcome !== 'nxdomain') break;
  }
  if (asIs === undefined) {
    const a = ask(base);
    if (a.outcome === 'answer') return finish(a);
    last = a;
  }
  return finish(asIs ?? nodata ?? servfail ?? last!);
}
