// The DNS benchmarks' cluster and queries, shared by the in-process bench (bench/dns.ts),
// the plain dns-packet server (bench/dns-plain-server.ts) and bench/dns-server.sh.
//
// N ClusterIP Services spread over 10 namespaces, each with one named port (`http`, so an
// SRV name) and an EndpointSlice of E ready endpoints; ClusterIPs and pod IPs are fixed by
// the index, so every run and every server sees the same names. The query mix is 60% A on
// a Service name, 20% SRV on `_http._tcp.<svc>`, 20% A on a missing Service (NXDOMAIN),
// drawn uniformly with a fixed seed.
//
// Run as a script, it writes the files dns-server.sh needs:
//   node --import tsx bench/dns-workload.ts <dir> [services] [queries]
//   → <dir>/manifest.yaml, <dir>/queries.txt (dnsperf format), <dir>/cluster.local.zone (NSD)

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Cluster } from '../sdk/cluster/cluster.js';
import { clusterRecords, formatRRset, resolveRecordOptions, type RRset } from '../sdk/dns/records.js';
import { formatIPv4 } from '../sdk/model/ip.js';
import { Random } from '../sdk/model/random.js';
import { LABEL_SERVICE_NAME } from '../sdk/model/types.js';
import type { EndpointSlice, Namespace, Service } from '../sdk/model/types.js';

export const DNS_NAMESPACES = 10;
export const DNS_ZONE = 'cluster.local';

export interface DnsWorkload {
  services: number;
  endpoints: number;
  namespaces: Namespace[];
  serviceObjects: Service[];
  slices: EndpointSlice[];
}

export interface DnsQuery {
  name: string;
  type: 'A' | 'SRV';
  /** What the answer must be. */
  expect: 'A' | 'SRV' | 'NXDOMAIN';
}

const SERVICE_BASE = (10 << 24) | (96 << 16) | 1000; // 10.96.3.232 on: clear of 10.96.0.1 and 10.96.0.10
const POD_BASE = (10 << 24) | (1 << 16);

const namespaceOf = (i: number): string => `ns-${i % DNS_NAMESPACES}`;
const serviceNameOf = (i: number): string => `svc-${i}`;

export function makeDnsWorkload(services: number, endpoints: number): DnsWorkload {
  if (services > 900_000) throw new RangeError('at most 900k services fit the 10.96.0.0/12 service range here');
  const namespaces: Namespace[] = [];
  for (let n = 0; n < Math.min(DNS_NAMESPACES, services); n++) namespaces.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
  const serviceObjects: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < services; i++) {
    const namespace = namespaceOf(i);
    const name = serviceNameOf(i);
    serviceObjects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: { clusterIP: formatIPv4(SERVICE_BASE + i), selector: { app: name }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] },
    });
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-bench`, namespace, labels: { [LABEL_SERVICE_NAME]: name } },
      addressType: 'IPv4',
      endpoints: Array.from({ length: endpoints }, (_, e) => ({ addresses: [formatIPv4(POD_BASE + i * endpoints + e)], conditions: { ready: true } })),
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    });
  }
  return { services, endpoints, namespaces, serviceObjects, slices };
}

/** A fresh Cluster (built-ins plus the workload), applied in one batch. */
export function dnsWorkloadCluster(workload: DnsWorkload): Cluster {
  const cluster = new Cluster();
  cluster.batch(() => {
    for (const ns of workload.namespaces) cluster.applyNamespace(ns);
    for (const svc of workload.serviceObjects) cluster.applyService(svc);
    for (const slice of workload.slices) cluster.applyEndpointSlice(slice);
  });
  return cluster;
}

/** `count` queries of the 60/20/20 A/SRV/NXDOMAIN mix. */
export function makeDnsQueries(workload: DnsWorkload, count: number, seed = 0x0d45): DnsQuery[] {
  const random = new Random(seed);
  const out: DnsQuery[] = [];
  for (let q = 0; q < count; q++) {
    const i = random.int(workload.services);
    const base = `${serviceNameOf(i)}.${namespaceOf(i)}.svc.${DNS_ZONE}`;
    const roll = random.int(10);
    if (roll < 6) out.push({ name: base, type: 'A', expect: 'A' });
    else if (roll < 8) out.push({ name: `_http._tcp.${base}`, type: 'SRV', expect: 'SRV' });
    else out.push({ name: `missing-${i}.${namespaceOf(i)}.svc.${DNS_ZONE}`, type: 'A', expect: 'NXDOMAIN' });
  }
  return out;
}

/** Every RRset svcnet derives for the workload's cluster (the cluster domain and reverse zones). */
export function dnsWorkloadRecords(cluster: Cluster): { rrsets: readonly RRset[]; names: readonly string[] } {
  return clusterRecords(
    { namespaces: cluster.listNamespaces(), services: cluster.listServices(), endpointSlices: cluster.listEndpointSlices() },
    { serial: 1 },
    resolveRecordOptions({}),
  );
}

/** A multi-document manifest of the workload (what `svcnet dns serve --manifests` reads). */
export function dnsWorkloadManifest(workload: DnsWorkload): string {
  const docs = [...workload.namespaces, ...workload.serviceObjects, ...workload.slices];
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

/** An NSD zone file for the cluster domain with the same RRsets. */
export function dnsZoneFile(cluster: Cluster): string {
  const { rrsets } = dnsWorkloadRecords(cluster);
  const inZone = rrsets.filter((r) => r.owner === DNS_ZONE || r.owner.endsWith(`.${DNS_ZONE}`));
  const soa = inZone.filter((r) => r.type === 'SOA');
  const rest = inZone.filter((r) => r.type !== 'SOA');
  return [`$ORIGIN ${DNS_ZONE}.`, ...soa.flatMap(formatRRset), ...rest.flatMap(formatRRset), ''].join('\n');
}

async function main(): Promise<void> {
  const [dir, servicesText = '10000', queriesText = '100000'] = process.argv.slice(2);
  if (!dir) throw new Error('usage: node --import tsx bench/dns-workload.ts <dir> [services] [queries]');
  const services = Number(servicesText);
  const workload = makeDnsWorkload(services, 3);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.yaml'), dnsWorkloadManifest(workload));
  const queries = makeDnsQueries(workload, Number(queriesText));
  writeFileSync(join(dir, 'queries.txt'), queries.map((q) => `${q.name} ${q.type}\n`).join(''));
  writeFileSync(join(dir, `${DNS_ZONE}.zone`), dnsZoneFile(dnsWorkloadCluster(workload)));
  process.stderr.write(`wrote ${dir}/manifest.yaml (${services} services × 3 endpoints), queries.txt (${queries.length}), ${DNS_ZONE}.zone\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
