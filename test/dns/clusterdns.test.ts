// ClusterDns end to end on every data plane: the seed's chapter-3 session, every row of
// dns.md §2's NXDOMAIN/NODATA table, the positive answers of §1/§3.3, options; then the
// delta discipline (only changed RRsets are written; no-ops write nothing) on a counting
// plane, and incremental updates against the one-pass derivation under random churn.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import { seedCluster } from '../../sdk/cluster/seed.js';
import { ClusterDns, createClusterDns, type ClusterDnsOptions } from '../../sdk/dns/clusterdns.js';
import { clusterRecords, formatRRset, resolveRecordOptions } from '../../sdk/dns/records.js';
import { decodeMessage, encodeQuery, rcodeName, type DnsRecord } from '../../sdk/dns/wire.js';
import type { DnsPlane, DnsZoneConfig } from '../../sdk/engine/dnsplane.js';
import { DNS_FORWARD, DNS_TCP, DNS_UDP } from '../../sdk/engine/dnsplane.js';
import { createWasmDnsPlane } from '../../sdk/engine/dnscore.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import type { EndpointSlice, Service } from '../../sdk/model/types.js';
import { makeEndpoint, makeNamespace, makePod, makeService, makeSlice } from '../model/builders.js';
import { ReferenceDnsPlane } from './reference.js';

setDefaultCoreSource(nodeCoreSource);

const NOW = Date.parse('2024-05-01T12:00:00Z');
const SERIAL = NOW / 1000;
const PLANES: { name: string; create: () => DnsPlane | Promise<DnsPlane> }[] = [
  { name: 'reference', create: () => new ReferenceDnsPlane() },
  { name: 'wasm-release', create: () => createWasmDnsPlane({ target: 'release' }) },
  { name: 'wasm-debug', create: () => createWasmDnsPlane({ target: 'debug' }) },
];

function rdataText(rr: DnsRecord): string {
  if ('address' in rr) return rr.address;
  if ('target' in rr && rr.type !== 'SRV') return rr.target;
  if (rr.type === 'SRV') return `${rr.priority} ${rr.weight} ${rr.port} ${rr.target}`;
  if (rr.type === 'TXT') return rr.strings.map((s) => JSON.stringify(s)).join(' ');
  if (rr.type === 'SOA') return `${rr.mname} ${rr.rname} ${rr.serial} ${rr.refresh} ${rr.retry} ${rr.expire} ${rr.minimum}`;
  if (rr.type === 'MX') return `${rr.preference} ${rr.exchange}`;
  return '';
}

const line = (rr: DnsRecord): string => `${rr.name} ${rr.ttl} ${rr.type} ${rdataText(rr)}`;

interface Reply {
  rcode: string;
  aa: boolean;
  tc: boolean;
  answer: string[];
  authority: string[];
  additional: string[];
}

function ask(dns: { answer: ClusterDns['answer'] }, name: string, type: string | number = 'A', transport = DNS_UDP): Reply | number {
  const out = new Uint8Array(65535);
  const n = dns.answer(encodeQuery(name, { id: 4711, type }), transport, out);
  if (n < 0) return n;
  const m = decodeMessage(out.subarray(0, n));
  expect(m.id).toBe(4711);
  expect(m.questions[0].name).toBe(name.replace(/\.$/, ''));
  const sorted = (list: DnsRecord[]): string[] => list.map(line).sort();
  return { rcode: rcodeName(m.rcode), aa: m.flags.aa, tc: m.flags.tc, answer: sorted(m.answers), authority: sorted(m.authorities), additional: sorted(m.additionals) };
}

function reply(dns: ClusterDns, name: string, type: string | number = 'A'): Reply {
  const r = ask(dns, name, type);
  if (typeof r === 'number') throw new Error(`expected a response, got ${r}`);
  return r;
}

const SOA = (serial = SERIAL): string => `cluster.local 5 SOA ns.dns.cluster.local hostmaster.cluster.local ${serial} 7200 1800 86400 5`;
const S = 'default.svc.cluster.local';

/** The seed plus the shapes §2 needs: a headless Service without ready endpoints, one without ports, two ExternalNames. */
function sessionCluster(): Cluster {
  const cluster = seedCluster({ now: () => new Date(NOW) });
  cluster.batch(() => {
    cluster.applyService(makeService({ clusterIP: 'None', ports: [{ port: 5432 }] }, { name: 'db' }));
    cluster.applyEndpointSlice(makeSlice('db', 'x1x1x', [makeEndpoint('10.1.0.60', { conditions: { ready: false } })], { ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }] }));
    cluster.applyService(makeService({ clusterIP: 'None', ports: [{ port: 80 }] }, { name: 'portless' }));
    cluster.applyEndpointSlice(makeSlice('portless', 'x2x2x', [makeEndpoint('10.1.0.61')], { ports: [] }));
    cluster.applyService(makeService({ type: 'ExternalName', externalName: 'raw.githubusercontent.com', ports: undefined }, { name: 'external' }));
    cluster.applyService(makeService({ type: 'ExternalName', externalName: `numbers-api.${S}`, ports: undefined }, { name: 'alias' }));
  });
  return cluster;
}

describe.each(PLANES)('ClusterDns on the $name plane', ({ create }) => {
  let dns: ClusterDns;
  let cluster: Cluster;
  let insecure: ClusterDns;
  let verified: ClusterDns;
  let strict: ClusterDns;

  beforeAll(async () => {
    cluster = sessionCluster();
    dns = new ClusterDns(await create(), { now: () => NOW });
    dns.attach(cluster);
    insecure = new ClusterDns(await create(), { now: () => NOW, pods: 'insecure' });
    insecure.attach(cluster);
    verified = new ClusterDns(await create(), { now: () => NOW, pods: 'verified' });
    verified.attach(cluster);
    strict = new ClusterDns(await create(), { now: () => NOW, ignoreEmptyService: true });
    strict.attach(cluster);
  });

  describe('the seed session (kiamol ch03, from sleep-1)', () => {
    it('01 numbers-api.default.svc.cluster.local A → 10.103.155.91', () => {
      expect(reply(dns, 'numbers-api.default.svc.cluster.local')).toEqual({
        rcode: 'NOERROR',
        aa: true,
        tc: false,
        answer: ['numbers-api.default.svc.cluster.local 5 A 10.103.155.91'],
        authority: [],
        additional: [],
      });
    });

    it('02 kube-dns.kube-system.svc.cluster.local A → 10.96.0.10', () => {
      expect(reply(dns, 'kube-dns.kube-system.svc.cluster.local').answer).toEqual(['kube-dns.kube-system.svc.cluster.local 5 A 10.96.0.10']);
    });

    it('03 the chapter misspells it (kue-system): NXDOMAIN', () => {
      expect(reply(dns, 'kube-dns.kue-system.svc.cluster.local')).toMatchObject({ rcode: 'NXDOMAIN', aa: true, answer: [], authority: [SOA()] });
    });
  });

  // dns.md §2, row by row. NODATA: NOERROR, no answer, the SOA in the authority section, AA.
  const NODATA = { rcode: 'NOERROR', aa: true, answer: [], authority: [SOA()] };
  const NXDOMAIN = { rcode: 'NXDOMAIN', aa: true, answer: [], authority: [SOA()] };
  describe('dns.md §2: NXDOMAIN vs NODATA', () => {
    it.each([
      { desc: '01 existing name, other type: AAAA on an IPv4-only Service', which: 'dns', name: `numbers-api.${S}`, type: 'AAAA', want: NODATA },
      { desc: '02 existing name, TXT', which: 'dns', name: `numbers-api.${S}`, type: 'TXT', want: NODATA },
      { desc: '03 existing name, MX', which: 'dns', name: `numbers-api.${S}`, type: 'MX', want: NODATA },
      { desc: '04 SOA below the apex, existing name (quirk)', which: 'dns', name: `numbers-api.${S}`, type: 'SOA', want: NODATA },
      { desc: '05 SOA below the apex, missing name (quirk: no existence check)', which: 'dns', name: `nope.${S}`, type: 'SOA', want: NODATA },
      { desc: '06 the apex, A', which: 'dns', name: 'cluster.local', type: 'A', want: NODATA },
      { desc: '07 svc.<zone>, AAAA', which: 'dns', name: 'svc.cluster.local', type: 'AAAA', want: NODATA },
      { desc: '08 pod.<zone>, SRV', which: 'dns', name: 'pod.cluster.local', type: 'SRV', want: NODATA },
      { desc: '09 <ns>.svc.<zone>, the namespace exists', which: 'dns', name: S, type: 'A', want: NODATA },
      { desc: '10 <ns>.pod.<zone>, the namespace exists (pods insecure)', which: 'insecure', name: 'default.pod.cluster.local', type: 'A', want: NODATA },
      { desc: '11 <ns>.svc.<zone>, the namespace is missing', which: 'dns', name: 'nope.svc.cluster.local', type: 'A', want: NXDOMAIN },
      { desc: '12 <ns>.pod.<zone>, the namespace is missing (pods insecure)', which: 'insecure', name: 'nope.pod.cluster.local', type: 'A', want: NXDOMAIN },
      { desc: '13 unknown service', which: 'dns', name: `nope.${S}`, type: 'A', want: NXDOMAIN },
      { desc: '14 unknown endpoint label', which: 'dns', name: `nope.numbers-api.${S}`, type: 'A', want: NXDOMAIN },
      { desc: '15 unknown _port._proto', which: 'dns', name: `_https._tcp.numbers-api.${S}`, type: 'SRV', want: NXDOMAIN },
      { desc: '16 headless Service with zero ready endpoints', which: 'dns', name: `db.${S}`, type: 'A', want: NXDOMAIN },
      { desc: '17 ClusterIP Service with zero endpoints: the A anyway (sleep-2 in the seed is emptied below)', which: 'dns', name: `kubernetes.${S}`, type: 'A', want: { rcode: 'NOERROR', answer: [`kubernetes.${S} 5 A 10.96.0.1`] } },
      { desc: '18 headless Service without ports, SRV', which: 'dns', name: `portless.${S}`, type: 'SRV', want: NODATA },
      { desc: '19 a second-level label other than svc/pod', which: 'dns', name: 'numbers-api.default.cluster.local', type: 'A', want: NXDOMAIN },
      { desc: '20 too many labels', which: 'dns', name: `a.b.numbers-api.${S}`, type: 'A', want: NXDOMAIN },
      { desc: '21 below an ExternalName', which: 'dns', name: `x.external.${S}`, type: 'A', want: NXDOMAIN },
      { desc: '22 another qtype, missing name (fake A lookup)', which: 'dns', name: `nope.${S}`, type: 'NAPTR', want: NXDOMAIN },
      { desc: '23 another qtype, existing name', which: 'dns', name: `numbers-api.${S}`, type: 'TYPE99', want: NODATA },
      { desc: '24 pod names with pods disabled', which: 'dns', name: '10-1-0-42.default.pod.cluster.local', type: 'A', want: NXDOMAIN },
      { desc: '25 AXFR: REFUSED, not authoritative', which: 'dns', name: 'cluster.local', type: 'AXFR', want: { rcode: 'REFUSED', aa: false, answer: [], authority: [] } },
      { desc: '26 IXFR: REFUSED', which: 'dns', name: 'cluster.local', type: 'IXFR', want: { rcode: 'REFUSED', aa: false } },
      // Not reproduced: "data not yet synced → SERVFAIL". The DnsPlane contract has no
      // not-ready state; ClusterDns loads the cluster synchronously in attach().
    ])('$desc', ({ which, name, type, want }) => {
      const target = { dns, insecure, verified, strict }[which as 'dns']!;
      expect(reply(target, name, type)).toMatchObject(want);
    });

    it('27 ClusterIP Service with zero endpoints: A anyway; NXDOMAIN with ignoreEmptyService', () => {
      const [slice] = cluster.listEndpointSlices('default', { serviceName: 'sleep-2' });
      cluster.applyEndpointSlice({ ...slice, endpoints: [] });
      try {
        expect(reply(dns, `sleep-2.${S}`)).toMatchObject({ rcode: 'NOERROR', answer: [`sleep-2.${S} 5 A 10.98.208.225`] });
        expect(reply(strict, `sleep-2.${S}`)).toMatchObject(NXDOMAIN);
        expect(reply(strict, `numbers-api.${S}`).answer).toEqual([`numbers-api.${S} 5 A 10.103.155.91`]);
      } finally {
        cluster.applyEndpointSlice({ ...slice, metadata: { ...slice.metadata, resourceVersion: undefined } });
      }
      expect(reply(strict, `sleep-2.${S}`).answer).toEqual([`sleep-2.${S} 5 A 10.98.208.225`]);
    });
  });

  describe('positive answers (dns.md §1, §3.3)', () => {
    it.each([
      { desc: '01 schema version (spec 2.2)', name: 'dns-version.cluster.local', type: 'TXT', answer: ['dns-version.cluster.local 28800 TXT "1.1.0"'], additional: [] },
      { desc: '02 SOA at the apex', name: 'cluster.local', type: 'SOA', answer: [SOA()], additional: [] },
      { desc: '03 NS at the apex, with kube-dns glue', name: 'cluster.local', type: 'NS', answer: ['cluster.local 5 NS kube-dns.kube-system.svc.cluster.local'], additional: ['kube-dns.kube-system.svc.cluster.local 5 A 10.96.0.10'] },
      {
        desc: '04 named-port SRV (spec 2.3.2), glue in the additional section',
        name: '_dns._udp.kube-dns.kube-system.svc.cluster.local',
        type: 'SRV',
        answer: ['_dns._udp.kube-dns.kube-system.svc.cluster.local 5 SRV 0 100 53 kube-dns.kube-system.svc.cluster.local'],
        additional: ['kube-dns.kube-system.svc.cluster.local 5 A 10.96.0.10'],
      },
      {
        desc: '05 bare-name SRV: every port (CoreDNS)',
        name: 'kube-dns.kube-system.svc.cluster.local',
        type: 'SRV',
        answer: ['kube-dns.kube-system.svc.cluster.local 5 SRV 0 33 53 kube-dns.kube-system.svc.cluster.local', 'kube-dns.kube-system.svc.cluster.local 5 SRV 0 33 9153 kube-dns.kube-system.svc.cluster.local'],
        additional: ['kube-dns.kube-system.svc.cluster.local 5 A 10.96.0.10'],
      },
      { desc: '06 ClusterIP PTR (spec 2.3.3)', name: '91.155.103.10.in-addr.arpa', type: 'PTR', answer: [`91.155.103.10.in-addr.arpa 5 PTR numbers-api.${S}`], additional: [] },
      { desc: '07 endpoint PTR', name: '47.0.1.10.in-addr.arpa', type: 'PTR', answer: [`47.0.1.10.in-addr.arpa 5 PTR 10-1-0-47.numbers-api.${S}`], additional: [] },
      { desc: '08 endpoint name under a ClusterIP Service', name: `10-1-0-47.numbers-api.${S}`, type: 'A', answer: [`10-1-0-47.numbers-api.${S} 5 A 10.1.0.47`], additional: [] },
      { desc: '09 ExternalName: the CNAME for an A query (target outside the zone)', name: `external.${S}`, type: 'A', answer: [`external.${S} 5 CNAME raw.githubusercontent.com`], additional: [] },
      {
        desc: '10 ExternalName inside the zone: CNAME then the target’s A',
        name: `alias.${S}`,
        type: 'A',
        answer: [`alias.${S} 5 CNAME numbers-api.${S}`, `numbers-api.${S} 5 A 10.103.155.91`],
        additional: [],
      },
    ])('$desc', ({ name, type, answer, additional }) => {
      expect(reply(dns, name, type)).toMatchObject({ rcode: 'NOERROR', aa: true, answer, additional });
    });

    it('11 AAAA through an in-zone CNAME whose target has none: NODATA without the CNAME', () => {
      expect(reply(dns, `alias.${S}`, 'AAAA')).toMatchObject(NODATA);
    });

    it('12 the owner name echoes the query’s case', () => {
      const out = new Uint8Array(65535);
      const n = dns.answer(encodeQuery('NUMBERS-API.Default.svc.cluster.local', { type: 'A' }), DNS_UDP, out);
      expect(decodeMessage(out.subarray(0, n)).answers[0].name).toBe('NUMBERS-API.Default.svc.cluster.local');
    });

    it('13 pods insecure: any a-b-c-d in an existing namespace', () => {
      expect(reply(insecure, '10-1-0-99.default.pod.cluster.local').answer).toEqual(['10-1-0-99.default.pod.cluster.local 5 A 10.1.0.99']);
      expect(reply(insecure, '10-1-0-99.nope.pod.cluster.local').rcode).toBe('NXDOMAIN');
    });

    it('14 pods verified: only IPs a pod in that namespace has', () => {
      expect(reply(verified, '10-1-0-42.default.pod.cluster.local').answer).toEqual(['10-1-0-42.default.pod.cluster.local 5 A 10.1.0.42']);
      expect(reply(verified, '10-1-0-99.default.pod.cluster.local').rcode).toBe('NXDOMAIN');
      expect(reply(verified, '10-1-0-2.default.pod.cluster.local').rcode).toBe('NXDOMAIN');
      expect(reply(verified, '10-1-0-2.kube-system.pod.cluster.local').answer).toEqual(['10-1-0-2.kube-system.pod.cluster.local 5 A 10.1.0.2']);
    });

    it('15 negative answers carry the SOA of the reverse zone there', () => {
      expect(reply(dns, '1.2.3.4.in-addr.arpa', 'PTR')).toMatchObject({
        rcode: 'NXDOMAIN',
        authority: [`in-addr.arpa 5 SOA ns.dns.in-addr.arpa hostmaster.in-addr.arpa ${SERIAL} 7200 1800 86400 5`],
      });
    });
  });

  describe('options', () => {
    it('01 ttl 30 (kubeadm) everywhere but the schema TXT; SOA TTL min(ttl, 300)', async () => {
      const d = new ClusterDns(await create(), { now: () => NOW, ttl: 30 });
      d.attach(cluster);
      expect(reply(d, `numbers-api.${S}`).answer).toEqual([`numbers-api.${S} 30 A 10.103.155.91`]);
      expect(reply(d, 'cluster.local', 'SOA').answer).toEqual([`cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local ${SERIAL} 7200 1800 86400 30`]);
      expect(reply(d, 'dns-version.cluster.local', 'TXT').answer).toEqual(['dns-version.cluster.local 28800 TXT "1.1.0"']);
      d.detach();
    });

    it('02 reverse zones off: PTR queries are not ours (REFUSED)', async () => {
      const d = new ClusterDns(await create(), { now: () => NOW, reverseZones: false });
      d.attach(cluster);
      expect(reply(d, '91.155.103.10.in-addr.arpa', 'PTR')).toMatchObject({ rcode: 'REFUSED', aa: false });
      d.detach();
    });

    it('03 forwardOutOfZone: out-of-zone queries come back as DNS_FORWARD', async () => {
      const d = new ClusterDns(await create(), { now: () => NOW, forwardOutOfZone: true });
      d.attach(cluster);
      expect(ask(d, 'example.com')).toBe(DNS_FORWARD);
      expect(reply(d, `numbers-api.${S}`).rcode).toBe('NOERROR');
      d.detach();
    });

    it('04 another cluster domain', async () => {
      const d = new ClusterDns(await create(), { now: () => NOW, clusterDomain: 'corp.internal' });
      d.attach(cluster);
      expect(reply(d, 'numbers-api.default.svc.corp.internal').answer).toEqual(['numbers-api.default.svc.corp.internal 5 A 10.103.155.91']);
      expect(reply(d, 'corp.internal', 'NS').answer).toEqual(['corp.internal 5 NS kube-dns.kube-system.svc.corp.internal']);
      expect(ask(d, `numbers-api.${S}`)).toMatchObject({ rcode: 'REFUSED' });
      d.detach();
    });

    it('05 endpoint_pod_names: endpoints named after their pods', async () => {
      const d = new ClusterDns(await create(), { now: () => NOW, endpointPodNames: true });
      d.attach(cluster);
      expect(reply(d, `numbers-api-7c6b8fcd9d-hx2wp.numbers-api.${S}`).answer).toEqual([`numbers-api-7c6b8fcd9d-hx2wp.numbers-api.${S} 5 A 10.1.0.47`]);
      expect(reply(d, '47.0.1.10.in-addr.arpa', 'PTR').answer).toEqual([`47.0.1.10.in-addr.arpa 5 PTR numbers-api-7c6b8fcd9d-hx2wp.numbers-api.${S}`]);
      d.detach();
    });

    it('06 TCP answers what UDP truncates', async () => {
      const c = new Cluster({ now: () => new Date(NOW) });
      const d = new ClusterDns(await create(), { now: () => NOW });
      d.attach(c);
      c.applyService(makeService({ clusterIP: 'None', ports: [{ port: 80 }] }, { name: 'big' }));
      c.applyEndpointSlice(makeSlice('big', 'aaaaa', Array.from({ length: 60 }, (_, i) => makeEndpoint(`10.2.0.${i + 1}`)), { ports: [{ name: 'http', protocol: 'TCP', port: 80 }] }));
      const udp = ask(d, `big.${S}`, 'SRV', DNS_UDP) as Reply;
      const tcp = ask(d, `big.${S}`, 'SRV', DNS_TCP) as Reply;
      expect(udp.tc).toBe(true);
      expect(tcp.tc).toBe(false);
      expect(tcp.answer).toHaveLength(60);
      expect(udp.answer.length).toBeLessThan(60);
    });
  });
});

// ------------------------------------------------------------------------------ deltas

type Call = string;

/** Records every control call (type as a mnemonic) and forwards it. */
class RecordingPlane implements DnsPlane {
  readonly kind = 'recording';
  readonly calls: Call[] = [];
  constructor(readonly inner: DnsPlane = new ReferenceDnsPlane()) {}
  configure(config: DnsZoneConfig): number {
    return this.inner.configure(config);
  }
  setRRset(owner: string, type: number, ttl: number, rdata: readonly Uint8Array[]): number {
    const name = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 16: 'TXT', 28: 'AAAA', 33: 'SRV' }[type] ?? String(type);
    this.calls.push(`${rdata.length === 0 ? 'remove' : 'set'} ${owner} ${name}`);
    return this.inner.setRRset(owner, type, ttl, rdata);
  }
  setExists(owner: string, exists: boolean): number {
    this.calls.push(`${exists ? 'declare' : 'undeclare'} ${owner}`);
    return this.inner.setExists(owner, exists);
  }
  answer(query: Uint8Array, transport: number, out: Uint8Array): number {
    return this.inner.answer(query, transport, out);
  }
  nameCount(): number {
    return this.inner.nameCount();
  }
  memoryBytes(): number {
    return this.inner.memoryBytes();
  }
  take(): Call[] {
    return this.calls.splice(0).sort();
  }
}

function fixture(options: ClusterDnsOptions = {}, clock = { now: NOW }): { cluster: Cluster; dns: ClusterDns; plane: RecordingPlane; clock: { now: number } } {
  const cluster = seedCluster({ now: () => new Date(NOW) });
  const plane = new RecordingPlane();
  const dns = new ClusterDns(plane, { now: () => clock.now, ...options });
  dns.attach(cluster);
  plane.take();
  return { cluster, dns, plane, clock };
}

/** Every RRset and name of the cluster in one pass (records.ts), as zone-file lines. */
function fullTable(cluster: Cluster, dns: ClusterDns): { rrsets: string[]; names: string[] } {
  const set = clusterRecords(
    { namespaces: cluster.listNamespaces(), services: cluster.listServices(), endpointSlices: cluster.listEndpointSlices(), pods: cluster.listPods() },
    { serial: dns.serial },
    dns.options,
  );
  return { rrsets: set.rrsets.flatMap(formatRRset), names: [...set.names] };
}

const applied = (dns: ClusterDns): { rrsets: string[]; names: string[] } => ({ rrsets: dns.records().flatMap(formatRRset), names: dns.names() });

describe('ClusterDns deltas', () => {
  it('01 attach writes the whole table once: what the one-pass derivation gives', () => {
    const cluster = seedCluster({ now: () => new Date(NOW) });
    const plane = new RecordingPlane();
    const dns = new ClusterDns(plane, { now: () => NOW });
    expect(dns.lastSync).toEqual({ recomputed: 1, rrsetsWritten: 5, rrsetsRemoved: 0, namesDeclared: 2, namesUndeclared: 0 });
    dns.attach(cluster);
    expect(dns.lastSync).toMatchObject({ rrsetsWritten: 48, rrsetsRemoved: 0, namesDeclared: 4 });
    expect(applied(dns)).toEqual(fullTable(cluster, dns));
    expect(plane.nameCount()).toBe(new Set([...dns.records().map((r) => r.owner), ...dns.names()]).size);
  });

  it('02 a no-op write (the same manifest again, a label) writes nothing', () => {
    const { cluster, dns, plane } = fixture();
    cluster.applyService(cluster.getService('default', 'numbers-api')!);
    const svc = cluster.getService('default', 'numbers-api')!;
    cluster.applyService({ ...svc, metadata: { ...svc.metadata, labels: { team: 'numbers' } } });
    expect(dns.lastSync).toEqual({ recomputed: 1, rrsetsWritten: 0, rrsetsRemoved: 0, namesDeclared: 0, namesUndeclared: 0 });
    expect(plane.take()).toEqual([]);
  });

  it('03 a port change rewrites that Service’s SRV only', () => {
    const { cluster, dns, plane } = fixture();
    const svc = cluster.getService('default', 'numbers-api')!;
    cluster.applyService({ ...svc, spec: { ...svc.spec, ports: [{ ...svc.spec.ports![0], port: 8080 }] } });
    expect(plane.take()).toEqual(['set numbers-api.default.svc.cluster.local SRV']);
    expect(dns.lastSync).toMatchObject({ rrsetsWritten: 1, rrsetsRemoved: 0 });
  });

  it('04 kubectl delete pods -l app=sleep-2: the endpoint moves; its names and PTRs follow, the VIP stays', () => {
    const { cluster, dns, plane } = fixture();
    const [slice] = cluster.listEndpointSlices('default', { serviceName: 'sleep-2' });
    cluster.applyEndpointSlice({ ...slice, endpoints: [makeEndpoint('10.1.0.51', { targetRef: { kind: 'Pod', namespace: 'default', name: 'sleep-2-7f69798f94-zz9xk' } })] });
    expect(plane.take()).toEqual([
      'remove 10-1-0-43.sleep-2.default.svc.cluster.local A',
      'remove 10-1-0-43.sleep-2.default.svc.cluster.local SRV',
      'remove 43.0.1.10.in-addr.arpa PTR',
      'set 10-1-0-51.sleep-2.default.svc.cluster.local A',
      'set 10-1-0-51.sleep-2.default.svc.cluster.local SRV',
      'set 51.0.1.10.in-addr.arpa PTR',
    ]);
    expect(dns.lastSync).toMatchObject({ rrsetsWritten: 3, rrsetsRemoved: 3 });
    expect(applied(dns)).toEqual(fullTable(cluster, dns));
  });

  it('05 kubectl delete deploy sleep-2: no endpoints; the ClusterIP name stays (A anyway)', () => {
    const { cluster, plane } = fixture();
    const [slice] = cluster.listEndpointSlices('default', { serviceName: 'sleep-2' });
    cluster.applyEndpointSlice({ ...slice, endpoints: [] });
    expect(plane.take()).toEqual([
      'remove 10-1-0-43.sleep-2.default.svc.cluster.local A',
      'remove 10-1-0-43.sleep-2.default.svc.cluster.local SRV',
      'remove 43.0.1.10.in-addr.arpa PTR',
    ]);
  });

  it('06 the serial follows the clock, only when something changed; the SOAs are rewritten then', () => {
    const { cluster, dns, plane, clock } = fixture();
    clock.now += 60_000;
    cluster.applyService(cluster.getService('default', 'numbers-api')!);
    expect(dns.serial).toBe(SERIAL);
    expect(plane.take()).toEqual([]);
    cluster.createService(makeService({ clusterIP: '10.96.0.77' }, { name: 'fresh' }));
    expect(dns.serial).toBe(SERIAL + 60);
    expect(plane.take()).toEqual([
      'set 77.0.96.10.in-addr.arpa PTR',
      'set cluster.local SOA',
      'set fresh.default.svc.cluster.local A',
      'set fresh.default.svc.cluster.local SRV',
      'set in-addr.arpa SOA',
      'set ip6.arpa SOA',
    ]);
    expect(reply(dns, 'cluster.local', 'SOA').answer[0]).toContain(` ${SERIAL + 60} `);
  });

  it('07 namespaces: create declares <ns>.svc, delete undeclares it and removes its Services', () => {
    const { cluster, plane } = fixture();
    cluster.createNamespace(makeNamespace('team'));
    expect(plane.take()).toEqual(['declare team.svc.cluster.local']);
    cluster.createService(makeService({ clusterIP: '10.96.0.78' }, { name: 'web', namespace: 'team' }));
    plane.take();
    cluster.deleteNamespace('team');
    expect(plane.take()).toEqual([
      'remove 78.0.96.10.in-addr.arpa PTR',
      'remove web.team.svc.cluster.local A',
      'remove web.team.svc.cluster.local SRV',
      'undeclare team.svc.cluster.local',
    ]);
  });

  it('08 a batch whose changes cancel out writes nothing', () => {
    const { cluster, dns, plane } = fixture();
    const [slice] = cluster.listEndpointSlices('default', { serviceName: 'numbers-api' });
    cluster.batch(() => {
      cluster.applyEndpointSlice({ ...slice, endpoints: [] });
      cluster.applyEndpointSlice({ ...slice, metadata: { ...slice.metadata, resourceVersion: undefined } });
    });
    expect(plane.take()).toEqual([]);
    expect(dns.lastSync).toMatchObject({ rrsetsWritten: 0, rrsetsRemoved: 0 });
  });

  it('09 deleting kube-dns points the NS at ns.dns.<zone>', () => {
    const { cluster, plane } = fixture();
    cluster.deleteEndpointSlice('kube-system', cluster.listEndpointSlices('kube-system', { serviceName: 'kube-dns' })[0].metadata.name);
    plane.take();
    cluster.deleteService('kube-system', 'kube-dns');
    const calls = plane.take();
    expect(calls).toContain('set cluster.local NS');
    expect(calls.filter((c) => !c.includes('kube-dns') && !c.startsWith('remove 10.0.96.10'))).toEqual(['set cluster.local NS']);
  });

  it('10 pods are ignored unless pods are verified', () => {
    const { cluster, plane } = fixture();
    cluster.createPod(makePod('extra', '10.1.0.90'));
    expect(plane.take()).toEqual([]);
  });

  it('11 pods verified: one record per namespace and IP, gone when the last pod with it goes', () => {
    const { cluster, plane } = fixture({ pods: 'verified' });
    cluster.createPod(makePod('a', '10.1.0.90'));
    expect(plane.take()).toEqual(['set 10-1-0-90.default.pod.cluster.local A']);
    cluster.createPod(makePod('b', '10.1.0.90'));
    expect(plane.take()).toEqual([]);
    cluster.deletePod('default', 'a');
    expect(plane.take()).toEqual([]);
    cluster.deletePod('default', 'b');
    expect(plane.take()).toEqual(['remove 10-1-0-90.default.pod.cluster.local A']);
  });

  it('12 events fire after the plane reflects the change', () => {
    const { cluster, dns } = fixture();
    const seen: string[] = [];
    cluster.on('Service', () => seen.push(reply(dns, `late.${S}`).answer.join()));
    cluster.createService(makeService({ clusterIP: '10.96.0.79' }, { name: 'late' }));
    expect(seen).toEqual([`late.${S} 5 A 10.96.0.79`]);
  });

  it('13 a batch another consumer rejects is undone in the plane too', () => {
    const { cluster, dns } = fixture();
    const before = applied(dns);
    cluster.addConsumer({
      applyChanges: (changes) => {
        if (changes.some((c) => c.object.metadata.name === 'doomed')) throw new Error('no');
      },
    });
    expect(() => cluster.createService(makeService({ clusterIP: '10.96.0.80' }, { name: 'doomed' }))).toThrow('no');
    expect(applied(dns)).toEqual(before);
    expect(reply(dns, `doomed.${S}`).rcode).toBe('NXDOMAIN');
  });

  it('14 detach stops following; the table stays', () => {
    const { cluster, dns, plane } = fixture();
    dns.detach();
    cluster.createService(makeService({ clusterIP: '10.96.0.81' }, { name: 'after' }));
    expect(plane.take()).toEqual([]);
    expect(reply(dns, `numbers-api.${S}`).rcode).toBe('NOERROR');
    expect(() => dns.attach(cluster)).not.toThrow();
  });

  it('15 a second attach while attached is an error', () => {
    const { cluster, dns } = fixture();
    expect(() => dns.attach(cluster)).toThrow(/already attached/);
  });
});

describe('ClusterDns under random churn', () => {
  type Op =
    | { kind: 'service'; name: number; type: 'ClusterIP' | 'Headless' | 'ExternalName'; ports: number; named: boolean; publish: boolean }
    | { kind: 'slice'; service: number; suffix: number; endpoints: { ip: number; ready: boolean | null; hostname: boolean }[]; ports: number }
    | { kind: 'deleteService'; name: number }
    | { kind: 'deleteSlice'; service: number; suffix: number }
    | { kind: 'namespace'; create: boolean }
    | { kind: 'pod'; name: number; ip: number; ns: boolean; remove: boolean };

  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('service' as const), name: fc.integer({ min: 0, max: 4 }), type: fc.constantFrom('ClusterIP' as const, 'Headless' as const, 'ExternalName' as const), ports: fc.integer({ min: 0, max: 2 }), named: fc.boolean(), publish: fc.boolean() }),
    fc.record({
      kind: fc.constant('slice' as const),
      service: fc.integer({ min: 0, max: 4 }),
      suffix: fc.integer({ min: 0, max: 1 }),
      endpoints: fc.array(fc.record({ ip: fc.integer({ min: 1, max: 6 }), ready: fc.constantFrom(true, false, null), hostname: fc.boolean() }), { maxLength: 4 }),
      ports: fc.integer({ min: 0, max: 2 }),
    }),
    fc.record({ kind: fc.constant('deleteService' as const), name: fc.integer({ min: 0, max: 4 }) }),
    fc.record({ kind: fc.constant('deleteSlice' as const), service: fc.integer({ min: 0, max: 4 }), suffix: fc.integer({ min: 0, max: 1 }) }),
    fc.record({ kind: fc.constant('namespace' as const), create: fc.boolean() }),
    fc.record({ kind: fc.constant('pod' as const), name: fc.integer({ min: 0, max: 3 }), ip: fc.integer({ min: 1, max: 4 }), ns: fc.boolean(), remove: fc.boolean() }),
  );

  function apply(cluster: Cluster, o: Op): void {
    const ns = 'default';
    try {
      switch (o.kind) {
        case 'service': {
          const ports = Array.from({ length: o.ports }, (_, i) => ({ port: 80 + i, ...(o.named || o.ports > 1 ? { name: `p${i}` } : {}) }));
          const spec: Partial<Service['spec']> =
            o.type === 'ExternalName'
              ? { type: 'ExternalName', externalName: o.name % 2 ? `s${(o.name + 1) % 5}.default.svc.cluster.local` : 'example.com', ports: undefined }
              : o.type === 'Headless'
                ? { clusterIP: 'None', ports, publishNotReadyAddresses: o.publish }
                : { ports: ports.length ? ports : [{ port: 80 }], publishNotReadyAddresses: o.publish };
          const existing = cluster.getService(ns, `s${o.name}`);
          if (existing) cluster.deleteService(ns, `s${o.name}`);
          cluster.createService(makeService(spec, { name: `s${o.name}` }));
          break;
        }
        case 'slice': {
          const endpoints = o.endpoints.map((e) =>
            makeEndpoint(`10.3.0.${e.ip}`, { conditions: e.ready === null ? undefined : { ready: e.ready }, ...(e.hostname ? { hostname: `h${e.ip}` } : {}) }),
          );
          const ports = Array.from({ length: o.ports }, (_, i) => ({ name: i === 0 ? '' : `p${i}`, protocol: 'TCP' as const, port: 8080 + i }));
          const slice: EndpointSlice = makeSlice(`s${o.service}`, `abc${o.suffix}x`, endpoints, { ports });
          cluster.applyEndpointSlice(slice);
          break;
        }
        case 'deleteService':
          cluster.deleteService(ns, `s${o.name}`);
          break;
        case 'deleteSlice':
          cluster.deleteEndpointSlice(ns, `s${o.service}-abc${o.suffix}x`);
          break;
        case 'namespace':
          if (o.create) cluster.createNamespace(makeNamespace('team'));
          else cluster.deleteNamespace('team');
          break;
        case 'pod': {
          const podNs = o.ns ? 'team' : 'default';
          if (o.remove) cluster.deletePod(podNs, `p${o.name}`);
          else cluster.applyPod(makePod(`p${o.name}`, `10.3.0.${o.ip}`, { namespace: podNs }));
          break;
        }
      }
    } catch {
      // Rejected writes (not found, already exists) change nothing; that is part of the churn.
    }
  }

  it('01 after every change the plane holds exactly the one-pass derivation', () => {
    const options = [{}, { pods: 'verified' as const, endpointPodNames: true }, { ignoreEmptyService: true, reverseZones: false }];
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), fc.integer({ min: 0, max: options.length - 1 }), (ops, which) => {
        const cluster = new Cluster({ now: () => new Date(NOW) });
        const plane = new ReferenceDnsPlane();
        let now = NOW;
        const dns = new ClusterDns(plane, { now: () => (now += 1000), ...options[which] });
        dns.attach(cluster);
        for (const o of ops) {
          apply(cluster, o);
          expect(applied(dns)).toEqual(fullTable(cluster, dns));
          expect(plane.nameCount()).toBe(new Set([...dns.records().map((r) => r.owner), ...dns.names()]).size);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('02 options are validated', () => {
    expect(() => new ClusterDns(new ReferenceDnsPlane(), { ttl: 7200 })).toThrow(/ttl must be an integer 0–3600/);
    expect(resolveRecordOptions({ clusterDomain: 'Cluster.Local.' }).zone).toBe('cluster.local');
  });
});

describe('createClusterDns', () => {
  it('01 on the default wasm core (release), loaded and following', async () => {
    const cluster = seedCluster({ now: () => new Date(NOW) });
    const dns = await createClusterDns(cluster, { now: () => NOW });
    expect(dns.plane.kind).toBe('wasm');
    expect(reply(dns, `numbers-api.${S}`).answer).toEqual([`numbers-api.${S} 5 A 10.103.155.91`]);
    cluster.createService(makeService({ clusterIP: '10.96.0.82' }, { name: 'new' }));
    expect(reply(dns, `new.${S}`).answer).toEqual([`new.${S} 5 A 10.96.0.82`]);
  });

  it('02 on a given plane', async () => {
    const plane = new ReferenceDnsPlane();
    const dns = await createClusterDns(seedCluster({ now: () => new Date(NOW) }), { plane, now: () => NOW });
    expect(dns.plane).toBe(plane);
    expect(plane.nameCount()).toBe(dns.records().length > 0 ? new Set([...dns.records().map((r) => r.owner), ...dns.names()]).size : -1);
  });
});
