/**
 * The cluster DNS name table as pure functions of cluster objects: every RRset the
 * Kubernetes DNS specification (kubernetes/dns `docs/specification.md`, schema 1.1.0)
 * requires, with CoreDNS's *kubernetes* plugin choices where the spec is silent
 * (coredns/coredns `plugin/kubernetes/kubernetes.go` findServices/findPods, `reverse.go`,
 * `plugin/backend_lookup.go`; see shared/spec/dns.md §1–3). Negative answers are expressed
 * as existence: a name that must give NXDOMAIN is simply absent, one that must give NODATA
 * holds other RRsets or is declared to exist (the data plane decides the rest:
 * sdk/engine/dnsplane.ts).
 *
 * Owner names and RDATA names are canonical: lower-case, no trailing dot. RDATA lists are
 * sorted and de-duplicated, so a reordered slice derives the same RRsets.
 */

import { formatIPv4, formatIPv6, parseIP, type ParsedIP } from '../model/ip.js';
import { isHeadlessService } from '../model/service.js';
import { podIPsOf, isPodTerminating } from '../model/pod.js';
import { LABEL_SERVICE_NAME } from '../model/types.js';
import type { EndpointSlice, Pod, Service } from '../model/types.js';
import { canonicalName, encodeName, isEncodableName, nameEncodingLength, reverseName } from './names.js';

// ---------------------------------------------------------------------------- record data

export type RRType = 'A' | 'AAAA' | 'CNAME' | 'NS' | 'PTR' | 'SRV' | 'TXT' | 'SOA';

/** RR type numbers (RFC 1035 §3.2.2, RFC 3596, RFC 2782). */
export const RR_TYPE_CODES: Readonly<Record<RRType, number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
};

export type RData =
  | { readonly type: 'A' | 'AAAA'; readonly address: string }
  | { readonly type: 'CNAME' | 'NS' | 'PTR'; readonly target: string }
  | { readonly type: 'SRV'; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }
  | { readonly type: 'TXT'; readonly strings: readonly string[] }
  | {
      readonly type: 'SOA';
      readonly mname: string;
      readonly rname: string;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    };

/** One RRset: every record of one type at one owner, class IN. */
export interface RRset {
  readonly owner: string;
  readonly type: RRType;
  readonly ttl: number;
  readonly rdata: readonly RData[];
}

/** RRsets plus the names that exist without RRsets of their own (NODATA, not NXDOMAIN). */
export interface RecordSet {
  readonly rrsets: readonly RRset[];
  readonly names: readonly string[];
}

/** The RDATA in presentation form, as `dig` prints it (names fully qualified). */
export function formatRData(rd: RData): string {
  switch (rd.type) {
    case 'A':
    case 'AAAA':
      return rd.address;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return `${rd.target}.`;
    case 'SRV':
      return `${rd.priority} ${rd.weight} ${rd.port} ${rd.target}.`;
    case 'TXT':
      return rd.strings.map((s) => JSON.stringify(s)).join(' ');
    case 'SOA':
      return `${rd.mname}. ${rd.rname}. ${rd.serial} ${rd.refresh} ${rd.retry} ${rd.expire} ${rd.minimum}`;
  }
}

/** Zone-file lines: `numbers-api.default.svc.cluster.local. 5 IN A 10.103.155.91`. */
export function formatRRset(rrset: RRset): string[] {
  return rrset.rdata.map((rd) => `${rrset.owner}. ${rrset.ttl} IN ${rrset.type} ${formatRData(rd)}`);
}

const utf8 = new TextEncoder();

/** The RDATA in wire form, names uncompressed (RFC 1035 §3.3, RFC 3596 §2.2, RFC 2782). */
export function encodeRData(rd: RData): Uint8Array {
  switch (rd.type) {
    case 'A': {
      const ip = parseIP(rd.address);
      if (ip.family !== 'IPv4') throw new RangeError(`svcnet: A record needs an IPv4 address, got ${rd.address}`);
      const a = ip.address;
      return Uint8Array.of(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255);
    }
    case 'AAAA': {
      const ip = parseIP(rd.address);
      if (ip.family !== 'IPv6') throw new RangeError(`svcnet: AAAA record needs an IPv6 address, got ${rd.address}`);
      return Uint8Array.from(ip.address);
    }
    case 'CNAME':
    case 'NS':
    case 'PTR': {
      const out = new Uint8Array(nameEncodingLength(rd.target));
      encodeName(rd.target, out, 0);
      return out;
    }
    case 'SRV': {
      const out = new Uint8Array(6 + nameEncodingLength(rd.target));
      const view = new DataView(out.buffer);
      view.setUint16(0, rd.priority);
      view.setUint16(2, rd.weight);
      view.setUint16(4, rd.port);
      encodeName(rd.target, out, 6);
      return out;
    }
    case 'TXT': {
      const parts = rd.strings.map((s) => utf8.encode(s));
      const out = new Uint8Array(parts.reduce((n, p) => n + 1 + p.length, 0));
      let at = 0;
      for (const p of parts) {
        if (p.length > 255) throw new RangeError('svcnet: a TXT character-string is longer than 255 bytes');
        out[at++] = p.length;
        out.set(p, at);
        at += p.length;
      }
      return out;
    }
    case 'SOA': {
      const m = nameEncodingLength(rd.mname);
      const r = nameEncodingLength(rd.rname);
      const out = new Uint8Array(m + r + 20);
      encodeName(rd.mname, out, 0);
      encodeName(rd.rname, out, m);
      const view = new DataView(out.buffer, m + r);
      view.setUint32(0, rd.serial >>> 0);
      view.setUint32(4, rd.refresh >>> 0);
      view.setUint32(8, rd.retry >>> 0);
      view.setUint32(12, rd.expire >>> 0);
      view.setUint32(16, rd.minimum >>> 0);
      return out;
    }
  }
}

/** Each record's RDATA in wire form, as `DnsPlane.setRRset` takes it. */
export function encodeRRset(rrset: RRset): Uint8Array[] {
  return rrset.rdata.map(encodeRData);
}

// ---------------------------------------------------------------------------- options

export type PodsMode = 'disabled' | 'insecure' | 'verified';

/** What the derivation depends on; `resolveRecordOptions` fills the defaults. */
export interface RecordOptions {
  /** The cluster domain, canonical (`cluster.local`). */
  readonly zone: string;
  /** TTL of every record but the schema TXT (0–3600). */
  readonly ttl: number;
  /** CoreDNS `ignore empty_service`: a ClusterIP Service without ready endpoints is absent. */
  readonly ignoreEmptyService: boolean;
  /** CoreDNS `endpoint_pod_names`: endpoints without a hostname are named after their pod. */
  readonly endpointPodNames: boolean;
  /** CoreDNS `pods`: `<a-b-c-d>.<ns>.pod.<zone>` records. */
  readonly pods: PodsMode;
  /** Serve PTRs in `in-addr.arpa` and `ip6.arpa`. */
  readonly reverseZones: boolean;
}

export interface RecordOptionsInput {
  clusterDomain?: string;
  ttl?: number;
  ignoreEmptyService?: boolean;
  endpointPodNames?: boolean;
  pods?: PodsMode;
  reverseZones?: boolean;
}

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** CoreDNS's default `ttl` (kubeadm sets 30). */
export const DEFAULT_TTL = 5;
export const MAX_TTL = 3600;
/** `DNSSchemaVersion` (coredns/coredns plugin/kubernetes/kubernetes.go). */
export const DNS_SCHEMA_VERSION = '1.1.0';
/** TTL CoreDNS gives the `dns-version` TXT record. */
export const SCHEMA_VERSION_TTL = 28800;
/** CoreDNS caps the SOA RR's own TTL at 300 s (plugin/backend_lookup.go SOA). */
export const MAX_SOA_TTL = 300;
export const SOA_REFRESH = 7200;
export const SOA_RETRY = 1800;
export const SOA_EXPIRE = 86400;
export const REVERSE_ZONES = ['in-addr.arpa', 'ip6.arpa'] as const;

/** Validates options and fills defaults; throws RangeError or TypeError. */
export function resolveRecordOptions(input: RecordOptionsInput = {}): RecordOptions {
  const zone = canonicalName(input.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
  if (zone === '' || !isEncodableName(zone)) throw new RangeError(`svcnet: clusterDomain ${JSON.stringify(input.clusterDomain)} is not a valid domain name`);
  const ttl = input.ttl ?? DEFAULT_TTL;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) throw new RangeError(`svcnet: ttl must be an integer 0–${MAX_TTL}, got ${ttl}`);
  const pods = input.pods ?? 'disabled';
  if (pods !== 'disabled' && pods !== 'insecure' && pods !== 'verified') {
    throw new TypeError(`svcnet: pods must be 'disabled', 'insecure' or 'verified', got ${JSON.stringify(pods)}`);
  }
  return {
    zone,
    ttl,
    ignoreEmptyService: input.ignoreEmptyService ?? false,
    endpointPodNames: input.endpointPodNames ?? false,
    pods,
    reverseZones: input.reverseZones ?? true,
  };
}

/** The zones a data plane serves: the cluster domain first, then the reverse zones. */
export function servedZones(options: RecordOptions): string[] {
  return options.reverseZones ? [options.zone, ...REVERSE_ZONES] : [options.zone];
}

// ---------------------------------------------------------------------------- addresses and labels

interface Address {
  /** Canonical text (RFC 5952 for IPv6). */
  readonly text: string;
  readonly family: 'IPv4' | 'IPv6';
  /** Sort key: family, then the address bytes. */
  readonly key: string;
}

function address(text: string): Address | undefined {
  let ip: ParsedIP;
  try {
    ip = parseIP(text);
  } catch {
    return undefined;
  }
  if (ip.family === 'IPv4') return { text: formatIPv4(ip.address), family: 'IPv4', key: `4${(ip.address >>> 0).toString(16).padStart(8, '0')}` };
  let hex = '6';
  for (const b of ip.address) hex += b.toString(16).padStart(2, '0');
  return { text: formatIPv6(ip.address), family: 'IPv6', key: hex };
}

/**
 * CoreDNS's label for an endpoint IP (`endpointHostname`): IPv4 `.`→`-`; IPv6 `:`→`-`,
 * with `0` appended when that ends in `-` (`2001:db8::` → `2001-db8--0`).
 */
export function dashedIP(ip: string): string {
  if (ip.includes('.') && !ip.includes(':')) return ip.replaceAll('.', '-');
  const dashed = ip.replaceAll(':', '-');
  return dashed.endsWith('-') ? `${dashed}0` : dashed;
}

/**
 * An endpoint's DNS label (CoreDNS `endpointHostname`): its `hostname`; else, with
 * `endpoint_pod_names`, its pod's name when under 64 characters (object/endpoint.go); else
 * the dashed IP. svcnet also skips a pod name with a dot, which cannot be one label.
 */
export function endpointLabel(ip: string, hostname: string | undefined, podName: string | undefined, endpointPodNames: boolean): string {
  if (hostname) return hostname.toLowerCase();
  if (endpointPodNames && podName && podName.length < 64 && !podName.includes('.')) return podName.toLowerCase();
  return dashedIP(ip);
}

/** The pod-record label of a pod IP: `a-b-c-d`, or the IPv6 text with `:`→`-` (CoreDNS findPods reverses it). */
export function podLabel(ip: string): string {
  return ip.includes(':') ? ip.replaceAll(':', '-') : ip.replaceAll('.', '-');
}

// ---------------------------------------------------------------------------- backends

/**
 * One CoreDNS backend record (`msg.Service`): an address, a port (−1 when the Service or
 * slice has none) and the name an SRV points at.
 */
interface Backend {
  readonly address: Address;
  readonly port: number;
  readonly target: string;
}

function byKey<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

/** A/AAAA RRsets of the distinct backend addresses (backend_lookup.go A/AAAA). */
function addressRRsets(owner: string, backends: readonly Backend[], ttl: number, out: RRset[]): void {
  for (const family of ['IPv4', 'IPv6'] as const) {
    const seen = new Map<string, Address>();
    for (const b of backends) if (b.address.family === family) seen.set(b.address.key, b.address);
    if (seen.size === 0) continue;
    const type = family === 'IPv4' ? 'A' : 'AAAA';
    const rdata = [...seen.values()].sort(byKey((a) => a.key)).map((a): RData => ({ type, address: a.text }));
    out.push({ owner, type, ttl, rdata });
  }
}

/**
 * The SRV RRset of backends (backend_lookup.go SRV): priority 0; weight ⌊100/n⌋, at least
 * 1, where n counts every backend, port −1 and duplicates included; then port −1 records
 * are dropped and duplicate (target, port) pairs collapsed.
 */
export function srvWeight(backendCount: number): number {
  return Math.max(1, Math.floor(100 / backendCount));
}

function srvRRset(owner: string, backends: readonly Backend[], ttl: number, out: RRset[]): void {
  if (backends.length === 0) return;
  const weight = srvWeight(backends.length);
  const seen = new Map<string, RData>();
  for (const b of backends) {
    if (b.port < 0) continue;
    const key = `${b.target}\u0000${String(b.port).padStart(5, '0')}`;
    if (!seen.has(key)) seen.set(key, { type: 'SRV', priority: 0, weight, port: b.port, target: b.target });
  }
  if (seen.size === 0) return;
  const rdata = [...seen.entries()].sort(byKey(([k]) => k)).map(([, v]) => v);
  out.push({ owner, type: 'SRV', ttl, rdata });
}

/** The RRsets a name with these backends holds: A, AAAA and SRV. No backends, no name. */
function backendRRsets(owner: string, backends: readonly Backend[], ttl: number, out: RRset[]): void {
  if (backends.length === 0 || !isEncodableName(owner)) return;
  addressRRsets(owner, backends, ttl, out);
  srvRRset(owner, backends, ttl, out);
}

// ---------------------------------------------------------------------------- services

interface SlicePort {
  readonly name: string;
  /** Lower-case, as matched against `_<proto>` labels. */
  readonly protocol: string;
  readonly port: number;
}

interface ReadyEndpoint {
  readonly address: Address;
  readonly label: string;
  readonly ports: readonly SlicePort[];
}

/** `<svc>.<ns>.svc.<zone>`. */
export function serviceName(namespace: string, name: string, zone: string): string {
  return `${name}.${namespace}.svc.${zone}`.toLowerCase();
}

/** Whether a slice belongs to the Service (label `kubernetes.io/service-name`, same namespace). */
export function sliceBelongsTo(slice: EndpointSlice, service: Service): boolean {
  return (
    slice.metadata.labels?.[LABEL_SERVICE_NAME] === service.metadata.name &&
    (slice.metadata.namespace ?? 'default') === (service.metadata.namespace ?? 'default')
  );
}

/**
 * The endpoints CoreDNS publishes (object/endpoint.go EndpointSliceToEndpoints): every
 * address of every ready endpoint (`conditions.ready`, nil = ready), or of every endpoint
 * when the Service sets `publishNotReadyAddresses`; with the slice's ports, or a port −1
 * sentinel when it has none. FQDN slices and unparsable addresses are skipped.
 */
function readyEndpoints(service: Service, slices: readonly EndpointSlice[], options: RecordOptions): ReadyEndpoint[] {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const out: ReadyEndpoint[] = [];
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const ports: SlicePort[] =
      (slice.ports ?? []).length === 0
        ? [{ name: '', protocol: '', port: -1 }]
        : (slice.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? '').toLowerCase(), port: p.port ?? -1 }));
    for (const endpoint of slice.endpoints ?? []) {
      const ready = publishNotReady || (endpoint.conditions?.ready ?? true);
      if (!ready) continue;
      for (const text of endpoint.addresses ?? []) {
        const a = address(text);
        if (a === undefined) continue;
        const podName = endpoint.targetRef?.name;
        out.push({ address: a, label: endpointLabel(a.text, endpoint.hostname, podName, options.endpointPodNames), ports });
      }
    }
  }
  return out;
}

/** A reverse-lookup claim on an IP by one Service (reverse.go serviceRecordForIP). */
export interface PtrClaim {
  /** Canonical address text. */
  readonly address: string;
  /** The PTR target. */
  readonly target: string;
  /** A ClusterIP (which wins over endpoint claims) rather than an endpoint address. */
  readonly clusterIP: boolean;
}

export interface ServiceRecords extends RecordSet {
  /** The Service's claims on reverse names; `ptrRRset` combines the claims of all Services. */
  readonly ptrClaims: readonly PtrClaim[];
}

const EMPTY_SERVICE: ServiceRecords = { rrsets: [], names: [], ptrClaims: [] };
function portLabels(name: string, protocol: string): string {
  return `_${name}._${protocol}`;
}

/**
 * The RRsets of one Service and its EndpointSlices (only slices that belong to it are used):
 *
 * - ExternalName: `CNAME <externalName>` at `<svc>.<ns>.svc.<zone>`; an IP literal gives
 *   nothing (NXDOMAIN), and no endpoint or port names exist below it.
 * - ClusterIP (any type with cluster IPs): A/AAAA of every cluster IP (dual-stack gives
 *   both); SRV on the bare name for every port and at `_<port>._<proto>` for each named
 *   port (target the Service name, the Service port, weight over ports × IPs). Present with
 *   no endpoints, unless `ignoreEmptyService`, which removes every name of the Service
 *   (its cluster IPs keep their PTRs).
 * - Headless: one A/AAAA per distinct ready address; SRV per ready endpoint × slice port
 *   (target `<label>.<svc>…`, the slice port); `_<port>._<proto>` for each named slice
 *   port. No ready endpoints: no name at all (NXDOMAIN, spec 2.4.1).
 * - Both ClusterIP and headless: `<label>.<svc>.<ns>.svc.<zone>` for each endpoint label
 *   (A/AAAA of its addresses, SRV of its ports).
 * - PTR claims: each cluster IP, and each ready endpoint address (`<label>.<svc>…`).
 */
export function serviceRecords(service: Service, slices: readonly EndpointSlice[], options: RecordOptions): ServiceRecords {
  const ns = service.metadata.namespace ?? 'default';
  const svcName = serviceName(ns, service.metadata.name, options.zone);
  if (!isEncodableName(svcName)) return EMPTY_SERVICE;
  const spec = service.spec ?? {};
  const ttl = options.ttl;
  const own = slices.filter((s) => sliceBelongsTo(s, service));
  const endpoints = readyEndpoints(service, own, options);
  const rrsets: RRset[] = [];
  const ptrClaims: PtrClaim[] = [];

  if (spec.type === 'ExternalName') {
    const target = canonicalName(spec.externalName ?? '');
    if (target !== '' && address(target) === undefined && isEncodableName(target)) {
      rrsets.push({ owner: svcName, type: 'CNAME', ttl, rdata: [{ type: 'CNAME', target }] });
    }
  } else if (isHeadlessService(service)) {
    const all: Backend[] = [];
    const named = new Map<string, Backend[]>();
    for (const ep of endpoints) {
      const target = `${ep.label}.${svcName}`;
      for (const p of ep.ports) {
        all.push({ address: ep.address, port: p.port, target });
        if (p.name !== '' && p.protocol !== '') {
          const key = portLabels(p.name, p.protocol);
          let list = named.get(key);
          if (!list) named.set(key, (list = []));
          list.push({ address: ep.address, port: p.port, target });
        }
      }
    }
    backendRRsets(svcName, all, ttl, rrsets);
    for (const [labels, backends] of named) backendRRsets(`${labels}.${svcName}`, backends, ttl, rrsets);
  } else {
    // reverse.go does not apply `ignore empty_service`: the VIP keeps its PTR.
    const hidden = options.ignoreEmptyService && endpoints.length === 0;
    const clusterIPs = (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).map(address).filter((a): a is Address => a !== undefined);
    // object/service.go: a Service without ports gets a −1 sentinel, so its VIP still resolves.
    const ports = (spec.ports ?? []).length === 0 ? [{ name: '', protocol: '', port: -1 }] : (spec.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port }));
    const all: Backend[] = [];
    for (const p of ports) for (const ip of clusterIPs) all.push({ address: ip, port: p.port, target: svcName });
    if (!hidden) backendRRsets(svcName, all, ttl, rrsets);
    for (const p of ports) {
      if (hidden || p.name === '' || p.protocol === '') continue;
      backendRRsets(`${portLabels(p.name, p.protocol)}.${svcName}`, clusterIPs.map((ip) => ({ address: ip, port: p.port, target: svcName })), ttl, rrsets);
    }
    for (const ip of clusterIPs) ptrClaims.push({ address: ip.text, target: svcName, clusterIP: true });
  }

  if (spec.type !== 'ExternalName') {
    const byLabel = new Map<string, Backend[]>();
    for (const ep of endpoints) {
      const target = `${ep.label}.${svcName}`;
      let list = byLabel.get(target);
      if (!list) byLabel.set(target, (list = []));
      for (const p of ep.ports) list.push({ address: ep.address, port: p.port, target });
    }
    for (const [owner, backends] of byLabel) backendRRsets(owner, backends, ttl, rrsets);
  }
  for (const ep of endpoints) {
    const target = `${ep.label}.${svcName}`;
    if (isEncodableName(target)) ptrClaims.push({ address: ep.address.text, target, clusterIP: false });
  }
  return { rrsets: sortRRsets(rrsets), names: [], ptrClaims };
}

// ---------------------------------------------------------------------------- reverse

/**
 * The PTR RRset of an address from every Service's claims on it (reverse.go): a ClusterIP
 * claim wins and gives one PTR (the first target in name order if several claim it);
 * otherwise every endpoint claim gives one, so an IP behind two Services has two PTRs.
 * Undefined when nothing claims the address or reverse zones are off.
 */
export function ptrRRset(addressText: string, claims: readonly PtrClaim[], options: RecordOptions): RRset | undefined {
  if (!options.reverseZones || claims.length === 0) return undefined;
  const a = address(addressText);
  if (a === undefined) return undefined;
  const owner = reverseName(a.text);
  const vip = claims.filter((c) => c.clusterIP).map((c) => c.target).sort();
  const targets = vip.length > 0 ? [vip[0]] : [...new Set(claims.map((c) => c.target))].sort();
  return { owner, type: 'PTR', ttl: options.ttl, rdata: targets.map((target): RData => ({ type: 'PTR', target })) };
}

// ---------------------------------------------------------------------------- namespaces and pods

/**
 * The names a Namespace makes exist (findServices/findPods "empty service/pod name"):
 * `<ns>.svc.<zone>`, and `<ns>.pod.<zone>` unless pods are disabled (CoreDNS answers
 * NXDOMAIN below `pod.<zone>` then). The insecure-mode data plane answers pod names below
 * a declared `<ns>.pod.<zone>`.
 */
export function namespaceRecords(namespace: string, options: RecordOptions): RecordSet {
  const names = [`${namespace}.svc.${options.zone}`.toLowerCase()];
  if (options.pods !== 'disabled') names.push(`${namespace}.pod.${options.zone}`.toLowerCase());
  return { rrsets: [], names: names.filter(isEncodableName) };
}

/**
 * The addresses a Pod gives pod records in `verified` mode: each of its IPs (canonical),
 * while it is not terminating (object/pod.go ignores terminating pods).
 */
export function podRecordAddresses(pod: Pod): string[] {
  if (isPodTerminating(pod)) return [];
  const out: string[] = [];
  for (const ip of podIPsOf(pod)) {
    const a = address(ip);
    if (a !== undefined && !out.includes(a.text)) out.push(a.text);
  }
  return out;
}

/** `<a-b-c-d>.<ns>.pod.<zone>` for a pod IP. */
export function podRecordName(namespace: string, ip: string, zone: string): string {
  return `${podLabel(ip)}.${namespace}.pod.${zone}`.toLowerCase();
}

/**
 * The `verified`-mode record of a pod IP in a namespace (findPods): A or AAAA of the IP at
 * `<dashed-ip>.<ns>.pod.<zone>`. In other modes there is none (`insecure` is the data
 * plane's, `disabled` has no pod names).
 */
export function podRRset(namespace: string, ip: string, options: RecordOptions): RRset | undefined {
  if (options.pods !== 'verified') return undefined;
  const a = address(ip);
  if (a === undefined) return undefined;
  const owner = podRecordName(namespace, a.text, options.zone);
  if (!isEncodableName(owner)) return undefined;
  return { owner, type: a.family === 'IPv4' ? 'A' : 'AAAA', ttl: options.ttl, rdata: [{ type: a.family === 'IPv4' ? 'A' : 'AAAA', address: a.text }] };
}

// ---------------------------------------------------------------------------- zone apex

export interface ZoneState {
  /** SOA serial: Unix time (seconds) of the last change that altered the table. */
  readonly serial: number;
  /** Whether `kube-system/kube-dns` exists (with a cluster IP): the NS record names it. */
  readonly kubeDns: boolean;
}

/** `kube-dns.kube-system.svc.<zone>`, the Service that fronts the cluster DNS. */
export function kubeDnsName(zone: string): string {
  return `kube-dns.kube-system.svc.${zone}`;
}

/** The SOA CoreDNS sends for a zone (plugin/backend_lookup.go SOA). */
export function soaRRset(zone: string, serial: number, ttl: number): RRset {
  return {
    owner: zone,
    type: 'SOA',
    ttl: Math.min(ttl, MAX_SOA_TTL),
    rdata: [
      {
        type: 'SOA',
        mname: zone === '' ? 'ns.dns' : `ns.dns.${zone}`,
        rname: zone === '' ? 'hostmaster' : `hostmaster.${zone}`,
        serial: serial >>> 0,
        refresh: SOA_REFRESH,
        retry: SOA_RETRY,
        expire: SOA_EXPIRE,
        minimum: ttl,
      },
    ],
  };
}

/**
 * The apex records: SOA at each served zone; NS at the cluster domain
 * (`kube-dns.kube-system.svc.<zone>` while that Service exists, else `ns.dns.<zone>`);
 * `dns-version.<zone> TXT "1.1.0"` (spec 2.2, TTL 28800); and `svc.<zone>`, `pod.<zone>`,
 * which exist without records (parse.go: NODATA).
 */
export function zoneRecords(state: ZoneState, options: RecordOptions): RecordSet {
  const zone = options.zone;
  const rrsets: RRset[] = [soaRRset(zone, state.serial, options.ttl)];
  const ns = state.kubeDns ? kubeDnsName(zone) : `ns.dns.${zone}`;
  rrsets.push({ owner: zone, type: 'NS', ttl: options.ttl, rdata: [{ type: 'NS', target: ns }] });
  const version = `dns-version.${zone}`;
  if (isEncodableName(version)) {
    rrsets.push({ owner: version, type: 'TXT', ttl: SCHEMA_VERSION_TTL, rdata: [{ type: 'TXT', strings: [DNS_SCHEMA_VERSION] }] });
  }
  if (options.reverseZones) for (const z of REVERSE_ZONES) rrsets.push(soaRRset(z, state.serial, options.ttl));
  const names = [`svc.${zone}`, `pod.${zone}`].filter(isEncodableName);
  return { rrsets: sortRRsets(rrsets), names };
}

/** Whether a Service is the one the NS record names. */
export function isKubeDnsService(service: Service): boolean {
  return service.metadata.name === 'kube-dns' && service.metadata.namespace === 'kube-system' && service.spec?.type !== 'ExternalName';
}

// ---------------------------------------------------------------------------- the whole table

export interface ClusterObjects {
  readonly namespaces: readonly { metadata: { name: string } }[];
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly pods?: readonly Pod[];
}

/**
 * Every RRset and declared name of a cluster, derived in one pass: the oracle that
 * ClusterDns's incremental updates must equal. Sorted by owner, then type.
 */
export function clusterRecords(objects: ClusterObjects, state: { serial: number }, options: RecordOptions): RecordSet {
  const rrsets: RRset[] = [];
  const names: string[] = [];
  const add = (set: RecordSet): void => {
    rrsets.push(...set.rrsets);
    names.push(...set.names);
  };
  const kubeDns = objects.services.some(isKubeDnsService);
  add(zoneRecords({ serial: state.serial, kubeDns }, options));
  for (const ns of objects.namespaces) add(namespaceRecords(ns.metadata.name, options));
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of objects.endpointSlices) {
    const owner = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (owner === undefined) continue;
    const key = `${slice.metadata.namespace ?? 'default'}/${owner}`;
    let list = slicesByService.get(key);
    if (!list) slicesByService.set(key, (list = []));
    list.push(slice);
  }
  const claims = new Map<string, PtrClaim[]>();
  for (const service of objects.services) {
    const key = `${service.metadata.namespace ?? 'default'}/${service.metadata.name}`;
    const set = serviceRecords(service, slicesByService.get(key) ?? [], options);
    add(set);
    for (const claim of set.ptrClaims) {
      let list = claims.get(claim.address);
      if (!list) claims.set(claim.address, (list = []));
      list.push(claim);
    }
  }
  for (const [ip, list] of claims) {
    const ptr = ptrRRset(ip, list, options);
    if (ptr) rrsets.push(ptr);
  }
  if (options.pods === 'verified') {
    const seen = new Set<string>();
    for (const pod of objects.pods ?? []) {
      const ns = pod.metadata.namespace ?? 'default';
      for (const ip of podRecordAddresses(pod)) {
        const rr = podRRset(ns, ip, options);
        if (rr && !seen.has(rr.owner)) {
          seen.add(rr.owner);
          rrsets.push(rr);
        }
      }
    }
  }
  return { rrsets: sortRRsets(rrsets), names: [...new Set(names)].sort() };
}

const TYPE_ORDER: Readonly<Record<RRType, number>> = { SOA: 0, NS: 1, A: 2, AAAA: 3, CNAME: 4, PTR: 5, SRV: 6, TXT: 7 };

/** Sorts by owner, then SOA, NS, A, AAAA, CNAME, PTR, SRV, TXT. */
export function sortRRsets(rrsets: RRset[]): RRset[] {
  return rrsets.sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : TYPE_ORDER[a.type] - TYPE_ORDER[b.type]));
}

