// Differential: random clusters (Services of every type, dual-stack, slices with random
// readiness, namespaces, pods) served by ClusterDns on the wasm core (release and debug)
// and on the reference plane, attached to the same Cluster; random queries (derived names
// in random case, junk names, every type, EDNS sizes and versions, UDP/TCP, mutated
// bytes). Both responses are decoded with dns-packet and must agree on header flags,
// RCODE and every section as a multiset of records, names compared exactly (the case echo
// is part of the contract); then byte for byte, which the contract also requires.
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import { ClusterDns, type ClusterDnsOptions } from '../../sdk/dns/clusterdns.js';
import { encodeName } from '../../sdk/dns/names.js';
import { RR_TYPE_CODES } from '../../sdk/dns/records.js';
import type { DnsPlane } from '../../sdk/engine/dnsplane.js';
import { DNS_TCP, DNS_UDP } from '../../sdk/engine/dnsplane.js';
import { createWasmDnsPlane } from '../../sdk/engine/dnscore.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import type { ChangeEvent } from '../../sdk/cluster/cluster.js';
import type { Endpoint, EndpointSlice, KubeObject, Namespace, Service } from '../../sdk/model/types.js';
import { makeEndpoint, makeNamespace, makePod, makeService, makeSlice } from '../model/builders.js';
import { ReferenceDnsPlane } from './reference.js';

setDefaultCoreSource(nodeCoreSource);

const NOW = Date.parse('2024-05-01T12:00:00Z');
const TIMEOUT = 180_000;
const NAMESPACES = ['default', 'team', 'ops'];

// ------------------------------------------------------------------------------ clusters

type Spec =
  | { kind: 'ns'; name: string }
  | { kind: 'svc'; ns: number; name: number; type: 'ClusterIP' | 'DualStack' | 'IPv6' | 'Headless' | 'ExternalName'; ports: { name: number; port: number; udp: boolean }[]; target: number; publish: boolean }
  | { kind: 'slice'; ns: number; service: number; suffix: number; v6: boolean; endpoints: { ip: number; ready: boolean | null; hostname: number; pod: number }[]; ports: { name: number; port: number | null; udp: boolean }[] }
  | { kind: 'pod'; ns: number; name: number; ip: number; v6: boolean; remove: boolean }
  | { kind: 'delete'; what: 'svc' | 'slice' | 'ns'; ns: number; name: number }
  | { kind: 'big'; ns: number; name: number; endpoints: number; v6: boolean; hostnames: boolean };

const PORT_NAMES = ['', 'http', 'dns', 'metrics', 'grpc'];

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ns' as const), name: fc.constantFrom('team', 'ops') }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('svc' as const),
      ns: fc.integer({ min: 0, max: 2 }),
      name: fc.integer({ min: 0, max: 5 }),
      type: fc.constantFrom('ClusterIP' as const, 'DualStack' as const, 'IPv6' as const, 'Headless' as const, 'ExternalName' as const),
      ports: fc.uniqueArray(fc.record({ name: fc.integer({ min: 0, max: 4 }), port: fc.constantFrom(53, 80, 443, 8080, 9153), udp: fc.boolean() }), {
        maxLength: 3,
        selector: (p) => p.name,
      }),
      target: fc.integer({ min: 0, max: 7 }),
      publish: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('slice' as const),
      ns: fc.integer({ min: 0, max: 2 }),
      service: fc.integer({ min: 0, max: 5 }),
      suffix: fc.integer({ min: 0, max: 1 }),
      v6: fc.boolean(),
      endpoints: fc.array(fc.record({ ip: fc.integer({ min: 1, max: 12 }), ready: fc.constantFrom(true, true, false, null), hostname: fc.integer({ min: 0, max: 3 }), pod: fc.integer({ min: 0, max: 3 }) }), { maxLength: 8 }),
      ports: fc.uniqueArray(fc.record({ name: fc.integer({ min: 0, max: 4 }), port: fc.option(fc.constantFrom(53, 80, 8080, 9153), { nil: null }), udp: fc.boolean() }), {
        maxLength: 3,
        selector: (p) => p.name,
      }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pod' as const), ns: fc.integer({ min: 0, max: 2 }), name: fc.integer({ min: 0, max: 5 }), ip: fc.integer({ min: 1, max: 12 }), v6: fc.boolean(), remove: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), what: fc.constantFrom('svc' as const, 'slice' as const, 'ns' as const), ns: fc.integer({ min: 0, max: 2 }), name: fc.integer({ min: 0, max: 5 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('big' as const), ns: fc.integer({ min: 0, max: 2 }), name: fc.integer({ min: 0, max: 5 }), endpoints: fc.integer({ min: 20, max: 120 }), v6: fc.boolean(), hostnames: fc.boolean() }),
  },
);

const ip4 = (n: number): string => `10.3.${n >> 8}.${n & 255}`;
const ip6 = (n: number): string => (n % 3 === 0 ? `fd00:3::${n.toString(16)}:0` : `fd00:3::${n.toString(16)}`);

/** ExternalName targets: in-zone Services (chains, loops), out of zone, an IP literal. */
function externalTarget(t: number): string {
  if (t < 5) return `s${t}.${NAMESPACES[t % 3]}.svc.cluster.local`;
  return ['example.com', 'Mixed.Case.Example', '192.168.123.234'][t - 5];
}

function applySpec(cluster: Cluster, s: Spec): void {
  try {
    switch (s.kind) {
      case 'ns':
        cluster.applyNamespace(makeNamespace(s.name));
        break;
      case 'svc': {
        const ns = NAMESPACES[s.ns];
        const name = `s${s.name}`;
        const ports = s.ports.map((p) => ({ ...(PORT_NAMES[p.name] || s.ports.length > 1 ? { name: PORT_NAMES[p.name] || 'p0' } : {}), port: p.port, protocol: p.udp ? ('UDP' as const) : ('TCP' as const) }));
        let spec: Partial<Service['spec']>;
        switch (s.type) {
          case 'ExternalName':
            spec = { type: 'ExternalName', externalName: externalTarget(s.target), ports: undefined, selector: undefined };
            break;
          case 'Headless':
            spec = { clusterIP: 'None', ports, publishNotReadyAddresses: s.publish };
            break;
          case 'DualStack':
            spec = { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'], ports: ports.length ? ports : [{ port: 80 }], publishNotReadyAddresses: s.publish };
            break;
          case 'IPv6':
            spec = { ipFamilies: ['IPv6'], ports: ports.length ? ports : [{ port: 80 }] };
            break;
          default:
            spec = { ports: ports.length ? ports : [{ port: 80 }], publishNotReadyAddresses: s.publish };
        }
        if (cluster.getService(ns, name)) cluster.deleteService(ns, name);
        cluster.createService(makeService(spec, { name, namespace: ns }));
        break;
      }
      case 'slice': {
        const ns = NAMESPACES[s.ns];
        const endpoints: Endpoint[] = s.endpoints.map((e) =>
          makeEndpoint(s.v6 ? ip6(e.ip) : ip4(e.ip), {
            conditions: e.ready === null ? undefined : { ready: e.ready },
            ...(e.hostname ? { hostname: `host-${e.hostname}` } : {}),
            ...(e.pod ? { targetRef: { kind: 'Pod', namespace: ns, name: `pod-${e.pod}-${e.ip}` } } : {}),
          }),
        );
        const ports = s.ports.map((p) => ({ name: PORT_NAMES[p.name], protocol: p.udp ? ('UDP' as const) : ('TCP' as const), ...(p.port === null ? {} : { port: p.port }) }));
        const slice: EndpointSlice = makeSlice(`s${s.service}`, `x${s.suffix}${s.v6 ? 'v' : 'f'}zz`, endpoints, { ports, addressType: s.v6 ? 'IPv6' : 'IPv4' }, { namespace: ns });
        cluster.applyEndpointSlice(slice);
        break;
      }
      case 'pod': {
        const ns = NAMESPACES[s.ns];
        if (s.remove) cluster.deletePod(ns, `p${s.name}`);
        else cluster.applyPod(makePod(`p${s.name}`, s.v6 ? ip6(s.ip) : ip4(s.ip), { namespace: ns }));
        break;
      }
      case 'big': {
        // A headless Service whose answers overflow 512 bytes: truncation and TCP.
        const ns = NAMESPACES[s.ns];
        const name = `s${s.name}`;
        if (cluster.getService(ns, name)) cluster.deleteService(ns, name);
        cluster.createService(makeService({ clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }, { name, namespace: ns }));
        const endpoints = Array.from({ length: s.endpoints }, (_, i) =>
          makeEndpoint(s.v6 ? ip6(i + 1) : ip4(i + 1), s.hostnames ? { hostname: `member-${i}` } : {}),
        );
        cluster.applyEndpointSlice(makeSlice(name, `big${s.v6 ? 'v' : 'f'}z`, endpoints, { ports: [{ name: 'http', protocol: 'TCP', port: 8080 }], addressType: s.v6 ? 'IPv6' : 'IPv4' }, { namespace: ns }));
        break;
      }
      case 'delete': {
        const ns = NAMESPACES[s.ns];
        if (s.what === 'svc') cluster.deleteService(ns, `s${s.name}`);
        else if (s.what === 'slice') cluster.deleteEndpointSlice(ns, `s${s.name}-x0fzz`);
        else cluster.deleteNamespace(NAMESPACES[1 + (s.name % 2)]);
        break;
      }
    }
  } catch {
    // Rejected writes are part of the churn: they change nothing.
  }
}

function newCluster(): Cluster {
  const cluster = new Cluster({ now: () => new Date(NOW), serviceCIDRs: ['10.96.0.0/12', 'fd00:96::/108'] });
  cluster.applyNamespace(makeNamespace('team'));
  return cluster;
}

// ------------------------------------------------------------------------------ queries

const TYPES = [1, 28, 33, 12, 16, 6, 2, 15, 5, 255, 252, 251, 99, 41, 0, 65];
/** Query types, the ones the table answers more often. */
const QUERY_TYPES = [1, 1, 1, 28, 28, 33, 33, 33, 12, 12, 5, ...TYPES];

interface QuerySpec {
  pick: number;
  junk: number;
  caseMask: number;
  type: number;
  transport: number;
  cls: number;
  edns: { size: number; version: number; dnssecOk: boolean } | null;
  id: number;
  rd: boolean;
}

const querySpecArb: fc.Arbitrary<QuerySpec> = fc.record({
  pick: fc.nat(),
  junk: fc.integer({ min: 0, max: 22 }),
  caseMask: fc.nat(),
  type: fc.constantFrom(...QUERY_TYPES),
  transport: fc.constantFrom(DNS_UDP, DNS_UDP, DNS_TCP),
  cls: fc.oneof({ weight: 12, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constantFrom(3, 255) }),
  edns: fc.option(
    fc.record({
      size: fc.constantFrom(0, 512, 600, 1232, 4096, 65535),
      version: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
      dnssecOk: fc.boolean(),
    }),
    { nil: null },
  ),
  id: fc.integer({ min: 0, max: 0xffff }),
  rd: fc.boolean(),
});

function junkName(n: number, pick: number): string {
  const ns = NAMESPACES[pick % 3];
  return [
    `nope.${ns}.svc.cluster.local`,
    `s${pick % 6}.nope.svc.cluster.local`,
    `a.b.s${pick % 6}.${ns}.svc.cluster.local`,
    `x.s${pick % 6}.${ns}.svc.cluster.local`,
    `${ip4(pick % 14).replaceAll('.', '-')}.${ns}.pod.cluster.local`,
    `10-3-0-0${pick % 9}.${ns}.pod.cluster.local`,
    `${pick % 256}.0.3.10.in-addr.arpa`,
    'example.com',
    'cluster.local',
    '',
    `${ns}.pod.cluster.local`,
    `_http._tcp.s${pick % 6}.${ns}.svc.cluster.local`,
    'in-addr.arpa',
  ][n];
}

function withCase(name: string, mask: number): string {
  let out = '';
  for (let i = 0; i < name.length; i++) out += (mask >> i % 30) & 1 ? name[i].toUpperCase() : name[i];
  return out;
}

function buildQuery(name: string, q: QuerySpec): Uint8Array {
  const nameBytes = new Uint8Array(256);
  const n = encodeName(name, nameBytes, 0);
  const opt = q.edns ? 11 : 0;
  const out = new Uint8Array(12 + n + 4 + opt);
  const view = new DataView(out.buffer);
  view.setUint16(0, q.id);
  view.setUint16(2, q.rd ? 0x0100 : 0);
  view.setUint16(4, 1);
  view.setUint16(10, q.edns ? 1 : 0);
  out.set(nameBytes.subarray(0, n), 12);
  view.setUint16(12 + n, q.type);
  view.setUint16(14 + n, q.cls);
  if (q.edns) {
    const at = 16 + n;
    view.setUint16(at + 1, 41);
    view.setUint16(at + 3, q.edns.size);
    out[at + 6] = q.edns.version;
    out[at + 7] = q.edns.dnssecOk ? 0x80 : 0;
  }
  return out;
}

// ------------------------------------------------------------------------------ comparison

interface Normalized {
  result: number;
  id?: number;
  flags?: number;
  rcode?: string;
  questions?: string[];
  sections?: string[][];
}

function normalize(result: number, buf: Uint8Array): Normalized {
  if (result < 0) return { result };
  const p = dnsPacket.decode(Buffer.from(buf.subarray(0, result))) as ReturnType<typeof dnsPacket.decode> & { rcode: string; flags: number };
  const record = (a: unknown): string => JSON.stringify(a);
  return {
    result,
    id: p.id,
    flags: p.flags,
    rcode: p.rcode,
    questions: (p.questions ?? []).map(record),
    sections: [p.answers ?? [], p.authorities ?? [], p.additionals ?? []].map((s) => s.map(record).sort()),
  };
}

interface Pair {
  name: string;
  create: () => Promise<DnsPlane>;
}

const PAIRS: Pair[] = [
  { name: 'wasm-release', create: () => createWasmDnsPlane({ target: 'release' }) },
  { name: 'wasm-debug', create: () => createWasmDnsPlane({ target: 'debug' }) },
];

const optionsArb: fc.Arbitrary<ClusterDnsOptions> = fc.record({
  pods: fc.constantFrom('disabled' as const, 'insecure' as const, 'verified' as const),
  ttl: fc.constantFrom(0, 5, 30, 3600),
  ignoreEmptyService: fc.boolean(),
  endpointPodNames: fc.boolean(),
  forwardOutOfZone: fc.boolean(),
  reverseZones: fc.boolean(),
});

/** Every name either table holds, to draw queries from. */
function tableNames(dns: ClusterDns): string[] {
  const names = new Set<string>([...dns.records().map((r) => r.owner), ...dns.names()]);
  for (const rr of dns.records()) for (const rd of rr.rdata) if ('target' in rd) names.add(rd.target);
  return [...names].sort();
}

function compare(a: ClusterDns, b: ClusterDns, query: Uint8Array, transport: number, outA: Uint8Array, outB: Uint8Array, context: string): void {
  const na = a.answer(query, transport, outA);
  const nb = b.answer(query, transport, outB);
  const left = normalize(na, outA);
  const right = normalize(nb, outB);
  expect(left, context).toEqual(right);
  if (na > 0) expect(Buffer.from(outA.subarray(0, na)).toString('hex'), `${context}: bytes`).toBe(Buffer.from(outB.subarray(0, nb)).toString('hex'));
}

describe.each(PAIRS)('differential: $name vs reference', ({ create }) => {
  test(
    'random clusters, churn and queries agree on every response',
    async () => {
      const outA = new Uint8Array(65535);
      const outB = new Uint8Array(65535);
      await fc.assert(
        fc.asyncProperty(
          fc.array(specArb, { minLength: 4, maxLength: 40 }),
          fc.array(specArb, { maxLength: 12 }),
          optionsArb,
          fc.array(querySpecArb, { minLength: 40, maxLength: 120 }),
          async (initial, churn, options, queries) => {
            const cluster = newCluster();
            for (const s of initial) applySpec(cluster, s);
            const wasm = new ClusterDns(await create(), { now: () => NOW, ...options });
            const reference = new ClusterDns(new ReferenceDnsPlane(), { now: () => NOW, ...options });
            wasm.attach(cluster);
            reference.attach(cluster);
            const run = (phase: string): void => {
              const names = tableNames(reference);
              const rrsets = reference.records();
              expect(wasm.plane.nameCount()).toBe(reference.plane.nameCount());
              for (const q of queries) {
                // A held RRset with its own type, a held name with any type, or junk.
                let base: string;
                let query = q;
                if (q.junk < 8 && rrsets.length > 0) {
                  const rr = rrsets[q.pick % rrsets.length];
                  base = rr.owner;
                  query = { ...q, type: RR_TYPE_CODES[rr.type] };
                } else if (q.junk < 14 && names.length > 0) {
                  base = names[q.pick % names.length];
                } else {
                  base = junkName(q.junk % 13, q.pick);
                }
                const name = withCase(base, q.caseMask);
                compare(wasm, reference, buildQuery(name, query), q.transport, outA, outB, `${phase} ${name} type ${query.type} class ${q.cls} ${JSON.stringify(q.edns)} ${q.transport === DNS_TCP ? 'tcp' : 'udp'}`);
              }
            };
            run('initial');
            for (const s of churn) applySpec(cluster, s);
            run('after churn');
            wasm.detach();
            reference.detach();
          },
        ),
        { numRuns: 60 },
      );
    },
    TIMEOUT,
  );

  test(
    'mutated and hostile query bytes agree (DROP, NOTIMP, FORMERR, BADVERS and answers alike)',
    async () => {
      const cluster = newCluster();
      for (const [i, type] of (['ClusterIP', 'Headless', 'ExternalName', 'DualStack'] as const).entries()) {
        applySpec(cluster, { kind: 'svc', ns: 0, name: i, type, ports: [{ name: 1, port: 80, udp: false }], target: 1, publish: false });
        applySpec(cluster, { kind: 'slice', ns: 0, service: i, suffix: 0, v6: false, endpoints: [{ ip: i + 1, ready: true, hostname: 1, pod: 0 }], ports: [{ name: 1, port: 80, udp: false }] });
      }
      const wasm = new ClusterDns(await create(), { now: () => NOW, pods: 'insecure' });
      const reference = new ClusterDns(new ReferenceDnsPlane(), { now: () => NOW, pods: 'insecure' });
      wasm.attach(cluster);
      reference.attach(cluster);
      const outA = new Uint8Array(65535);
      const outB = new Uint8Array(65535);
      const seeds = ['s0.default.svc.cluster.local', 's1.default.svc.cluster.local', 's2.default.svc.cluster.local', '10-3-0-1.default.pod.cluster.local', 'cluster.local'].map((n, i) =>
        buildQuery(n, { pick: 0, junk: 0, caseMask: 0, type: TYPES[i], transport: DNS_UDP, cls: 1, edns: i % 2 ? { size: 1232, version: 0, dnssecOk: false } : null, id: 99, rd: true }),
      );
      const mutation = fc.record({
        seed: fc.integer({ min: 0, max: seeds.length - 1 }),
        flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 5 }),
        cut: fc.option(fc.nat(), { nil: undefined }),
        extra: fc.uint8Array({ maxLength: 40 }),
        transport: fc.constantFrom(DNS_UDP, DNS_TCP),
      });
      fc.assert(
        fc.property(mutation, ({ seed, flips, cut, extra, transport }) => {
          let bytes = Uint8Array.from([...seeds[seed], ...extra]);
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
          compare(wasm, reference, bytes, transport, outA, outB, Buffer.from(bytes).toString('hex'));
        }),
        { numRuns: 4000 },
      );
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(DNS_UDP, DNS_TCP), (bytes, transport) => {
          compare(wasm, reference, bytes, transport, outA, outB, Buffer.from(bytes).toString('hex'));
        }),
        { numRuns: 2000 },
      );
    },
    TIMEOUT,
  );

  test(
    'truncation boundaries: every size of answer, every UDP limit',
    async () => {
      const cluster = newCluster();
      const wasm = new ClusterDns(await create(), { now: () => NOW });
      const reference = new ClusterDns(new ReferenceDnsPlane(), { now: () => NOW });
      wasm.attach(cluster);
      reference.attach(cluster);
      const outA = new Uint8Array(65535);
      const outB = new Uint8Array(65535);
      let truncated = 0;
      for (const [i, n] of [1, 7, 13, 19, 26, 33, 41, 52, 64, 90, 130].entries()) {
        applySpec(cluster, { kind: 'big', ns: i % 2, name: i % 6, endpoints: n, v6: i % 3 === 1, hostnames: i % 2 === 0 });
        const service = `s${i % 6}.${NAMESPACES[i % 2]}.svc.cluster.local`;
        for (const name of [service, `_http._tcp.${service}`, withCase(service, 0x2a5a5)]) {
          for (const type of [1, 28, 33]) {
            for (const size of [null, 0, 512, 513, 600, 700, 800, 900, 1000, 1232, 1400, 2000, 4096]) {
              for (const transport of size === null ? [DNS_UDP, DNS_TCP] : [DNS_UDP]) {
                const q: QuerySpec = { pick: 0, junk: 0, caseMask: 0, type, transport, cls: 1, edns: size === null ? null : { size, version: 0, dnssecOk: size % 2 === 0 }, id: 7, rd: true };
                compare(wasm, reference, buildQuery(name, q), transport, outA, outB, `${name} type ${type} size ${size} transport ${transport}`);
                if (outB[2] & 0x02) truncated++;
              }
            }
          }
        }
      }
      expect(truncated).toBeGreaterThan(50);
    },
    TIMEOUT,
  );

  test(
    'dual-stack and IPv6 Services fed straight to ClusterDns (the store allocates IPv4 only)',
    async () => {
      const outA = new Uint8Array(65535);
      const outB = new Uint8Array(65535);
      const objectsArb = fc.record({
        services: fc.array(
          fc.record({
            ns: fc.integer({ min: 0, max: 1 }),
            name: fc.integer({ min: 0, max: 4 }),
            families: fc.constantFrom(['IPv4'], ['IPv6'], ['IPv4', 'IPv6'], ['IPv6', 'IPv4'], ['None']),
            ip: fc.integer({ min: 1, max: 200 }),
            ports: fc.uniqueArray(fc.record({ name: fc.integer({ min: 0, max: 4 }), port: fc.constantFrom(53, 80, 443), udp: fc.boolean() }), { maxLength: 3, selector: (p) => p.name }),
          }),
          { maxLength: 8 },
        ),
        slices: fc.array(
          fc.record({
            ns: fc.integer({ min: 0, max: 1 }),
            service: fc.integer({ min: 0, max: 4 }),
            v6: fc.boolean(),
            endpoints: fc.array(fc.record({ ip: fc.integer({ min: 1, max: 40 }), ready: fc.constantFrom(true, false, null), hostname: fc.integer({ min: 0, max: 2 }) }), { maxLength: 6 }),
            ports: fc.uniqueArray(fc.record({ name: fc.integer({ min: 0, max: 4 }), port: fc.constantFrom(53, 8080), udp: fc.boolean() }), { maxLength: 2, selector: (p) => p.name }),
          }),
          { maxLength: 8 },
        ),
      });
      type Generated<A> = A extends fc.Arbitrary<infer T> ? T : never;
      const toObjects = (o: Generated<typeof objectsArb>): KubeObject[] => {
        const out = new Map<string, KubeObject>();
        for (const ns of NAMESPACES.slice(0, 2)) {
          const n: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
          out.set(`Namespace/${ns}`, n);
        }
        for (const s of o.services) {
          const ns = NAMESPACES[s.ns];
          const ips = s.families[0] === 'None' ? ['None'] : s.families.map((f) => (f === 'IPv4' ? `10.96.1.${s.ip}` : `fd00:96::${s.ip.toString(16)}`));
          const svc: Service = {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: `s${s.name}`, namespace: ns },
            spec: {
              type: 'ClusterIP',
              clusterIP: ips[0],
              clusterIPs: ips,
              ports: s.ports.map((p) => ({ name: PORT_NAMES[p.name] || (s.ports.length > 1 ? 'p0' : ''), port: p.port, protocol: p.udp ? 'UDP' : 'TCP' })),
            },
          };
          out.set(`Service/${ns}/s${s.name}`, svc);
        }
        o.slices.forEach((sl, i) => {
          const ns = NAMESPACES[sl.ns];
          const slice: EndpointSlice = {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: { name: `s${sl.service}-${i}`, namespace: ns, labels: { 'kubernetes.io/service-name': `s${sl.service}` } },
            addressType: sl.v6 ? 'IPv6' : 'IPv4',
            endpoints: sl.endpoints.map((e) => ({
              addresses: [sl.v6 ? ip6(e.ip) : ip4(e.ip)],
              ...(e.ready === null ? {} : { conditions: { ready: e.ready } }),
              ...(e.hostname ? { hostname: `h${e.hostname}` } : {}),
            })),
            ports: sl.ports.map((p) => ({ name: PORT_NAMES[p.name], port: p.port, protocol: p.udp ? 'UDP' : 'TCP' })),
          };
          out.set(`EndpointSlice/${ns}/${slice.metadata.name}`, slice);
        });
        return [...out.values()];
      };
      const events = (before: KubeObject[], after: KubeObject[]): ChangeEvent[] => {
        const key = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        const old = new Map(before.map((o) => [key(o), o]));
        const next = new Map(after.map((o) => [key(o), o]));
        const out: ChangeEvent[] = [];
        for (const [k, o] of next) out.push(old.has(k) ? { type: 'MODIFIED', kind: o.kind, object: o, previous: old.get(k), resourceVersion: '' } : { type: 'ADDED', kind: o.kind, object: o, resourceVersion: '' });
        for (const [k, o] of old) if (!next.has(k)) out.push({ type: 'DELETED', kind: o.kind, object: o, resourceVersion: '' });
        return out;
      };
      await fc.assert(
        fc.asyncProperty(objectsArb, objectsArb, fc.array(querySpecArb, { minLength: 30, maxLength: 80 }), async (first, second, queries) => {
          const wasm = new ClusterDns(await create(), { now: () => NOW, pods: 'verified', endpointPodNames: true });
          const reference = new ClusterDns(new ReferenceDnsPlane(), { now: () => NOW, pods: 'verified', endpointPodNames: true });
          const a = toObjects(first);
          const b = toObjects(second);
          for (const change of [events([], a), events(a, b)]) {
            wasm.applyChanges(change);
            reference.applyChanges(change);
            const rrsets = reference.records();
            expect(wasm.plane.nameCount()).toBe(reference.plane.nameCount());
            for (const q of queries) {
              const rr = rrsets[q.pick % rrsets.length];
              const name = q.junk < 14 ? withCase(rr.owner, q.caseMask) : junkName(q.junk % 13, q.pick);
              const query = q.junk < 8 ? { ...q, type: RR_TYPE_CODES[rr.type] } : q;
              compare(wasm, reference, buildQuery(name, query), q.transport, outA, outB, `${name} type ${query.type}`);
            }
          }
        }),
        { numRuns: 40 },
      );
    },
    TIMEOUT,
  );
});
