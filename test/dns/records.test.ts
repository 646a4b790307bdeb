// The name table as pure functions: one numbered case per rule of dns.md §1 (the spec's
// table), §3.3 (CoreDNS's answers) and §2 (negative answers, as existence), asserting the
// RRsets as zone-file lines.
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import {
  clusterRecords,
  dashedIP,
  encodeRData,
  endpointLabel,
  formatRRset,
  namespaceRecords,
  podRRset,
  podRecordAddresses,
  ptrRRset,
  resolveRecordOptions,
  serviceRecords,
  srvWeight,
  zoneRecords,
  type RData,
  type RRset,
  type RecordOptionsInput,
  type RecordSet,
} from '../../sdk/dns/records.js';
import { reverseName } from '../../sdk/dns/names.js';
import type { Endpoint, EndpointSlice, Service, ServicePort } from '../../sdk/model/types.js';
import { makePod } from '../model/builders.js';

const SERIAL = 1714564800;
const opts = (o: RecordOptionsInput = {}) => resolveRecordOptions(o);
const lines = (set: RecordSet | readonly RRset[]): string[] => ('rrsets' in set ? set.rrsets : set).flatMap(formatRRset);

type Port = Partial<ServicePort> & { port: number };

function clusterIP(name: string, ips: string[], ports: Port[] = [{ port: 80 }], extra: Partial<Service['spec']> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { type: 'ClusterIP', clusterIP: ips[0], clusterIPs: ips, ports: ports.map((p) => ({ protocol: 'TCP', ...p })), ...extra },
  };
}

function headless(name: string, extra: Partial<Service['spec']> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ...extra } };
}

function externalName(name: string, target: string): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'ExternalName', externalName: target } };
}

type Ep = { ip: string | string[]; ready?: boolean; hostname?: string; pod?: string };

function slice(service: string, endpoints: Ep[], ports: { name?: string; port?: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[] = [{ port: 8080 }], suffix = 'abcde', addressType: EndpointSlice['addressType'] = 'IPv4'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-${suffix}`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType,
    endpoints: endpoints.map((e): Endpoint => {
      const ep: Endpoint = { addresses: Array.isArray(e.ip) ? e.ip : [e.ip] };
      if (e.ready !== undefined) ep.conditions = { ready: e.ready };
      if (e.hostname) ep.hostname = e.hostname;
      if (e.pod) ep.targetRef = { kind: 'Pod', namespace: 'default', name: e.pod };
      return ep;
    }),
    ports: ports.map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', ...(p.port === undefined ? {} : { port: p.port }) })),
  };
}

const SVC = 'default.svc.cluster.local';
const V6_20 = `0.2.${'0.'.repeat(28)}d.f.ip6.arpa`;

interface Case {
  desc: string;
  service: Service;
  slices?: EndpointSlice[];
  options?: RecordOptionsInput;
  want: string[];
}

describe('serviceRecords', () => {
  const cases: Case[] = [
    {
      desc: '01 ClusterIP: A of the cluster IP (spec 2.3.1), bare-name SRV (CoreDNS)',
      service: clusterIP('web', ['10.96.0.20']),
      want: [`web.${SVC}. 5 IN A 10.96.0.20`, `web.${SVC}. 5 IN SRV 0 100 80 web.${SVC}.`],
    },
    {
      desc: '02 ClusterIP IPv6: AAAA',
      service: clusterIP('web', ['fd00::20']),
      want: [`web.${SVC}. 5 IN AAAA fd00::20`, `web.${SVC}. 5 IN SRV 0 100 80 web.${SVC}.`],
    },
    {
      desc: '03 dual-stack: A and AAAA; one SRV of weight 50 (weight before de-duplication)',
      service: clusterIP('web', ['10.96.0.20', 'fd00::20'], [{ name: 'http', port: 80 }]),
      want: [
        `_http._tcp.web.${SVC}. 5 IN A 10.96.0.20`,
        `_http._tcp.web.${SVC}. 5 IN AAAA fd00::20`,
        `_http._tcp.web.${SVC}. 5 IN SRV 0 50 80 web.${SVC}.`,
        `web.${SVC}. 5 IN A 10.96.0.20`,
        `web.${SVC}. 5 IN AAAA fd00::20`,
        `web.${SVC}. 5 IN SRV 0 50 80 web.${SVC}.`,
      ],
    },
    {
      desc: '04 named ports: _<port>._<proto> SRV to the Service name and the Service port, never targetPort (spec 2.3.2)',
      service: clusterIP('web', ['10.96.0.20'], [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ]),
      want: [
        `_dns._udp.web.${SVC}. 5 IN A 10.96.0.20`,
        `_dns._udp.web.${SVC}. 5 IN SRV 0 100 53 web.${SVC}.`,
        `_http._tcp.web.${SVC}. 5 IN A 10.96.0.20`,
        `_http._tcp.web.${SVC}. 5 IN SRV 0 100 80 web.${SVC}.`,
        `web.${SVC}. 5 IN A 10.96.0.20`,
        `web.${SVC}. 5 IN SRV 0 50 53 web.${SVC}.`,
        `web.${SVC}. 5 IN SRV 0 50 80 web.${SVC}.`,
      ],
    },
    {
      desc: '05 ports sharing a number collapse to one SRV (kube-dns: 53/UDP, 53/TCP, 9153/TCP → weight 33)',
      service: clusterIP('dns', ['10.96.0.10'], [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53 },
        { name: 'metrics', port: 9153 },
      ]),
      options: {},
      want: [
        `_dns-tcp._tcp.dns.${SVC}. 5 IN A 10.96.0.10`,
        `_dns-tcp._tcp.dns.${SVC}. 5 IN SRV 0 100 53 dns.${SVC}.`,
        `_dns._udp.dns.${SVC}. 5 IN A 10.96.0.10`,
        `_dns._udp.dns.${SVC}. 5 IN SRV 0 100 53 dns.${SVC}.`,
        `_metrics._tcp.dns.${SVC}. 5 IN A 10.96.0.10`,
        `_metrics._tcp.dns.${SVC}. 5 IN SRV 0 100 9153 dns.${SVC}.`,
        `dns.${SVC}. 5 IN A 10.96.0.10`,
        `dns.${SVC}. 5 IN SRV 0 33 53 dns.${SVC}.`,
        `dns.${SVC}. 5 IN SRV 0 33 9153 dns.${SVC}.`,
      ],
    },
    {
      desc: '06 a ClusterIP Service with no endpoints still has its A (CoreDNS; NXDOMAIN only with ignore empty_service)',
      service: clusterIP('sleep-2', ['10.98.208.225']),
      slices: [slice('sleep-2', [])],
      want: [`sleep-2.${SVC}. 5 IN A 10.98.208.225`, `sleep-2.${SVC}. 5 IN SRV 0 100 80 sleep-2.${SVC}.`],
    },
    {
      desc: '07 ignoreEmptyService: no ready endpoint removes every name of a ClusterIP Service',
      service: clusterIP('sleep-2', ['10.98.208.225'], [{ name: 'http', port: 80 }]),
      slices: [slice('sleep-2', [{ ip: '10.1.0.43', ready: false }])],
      options: { ignoreEmptyService: true },
      want: [],
    },
    {
      desc: '08 ignoreEmptyService with a ready endpoint changes nothing',
      service: clusterIP('sleep-2', ['10.98.208.225']),
      slices: [slice('sleep-2', [{ ip: '10.1.0.43' }], [{ port: 80 }])],
      options: { ignoreEmptyService: true },
      want: [
        `10-1-0-43.sleep-2.${SVC}. 5 IN A 10.1.0.43`,
        `10-1-0-43.sleep-2.${SVC}. 5 IN SRV 0 100 80 10-1-0-43.sleep-2.${SVC}.`,
        `sleep-2.${SVC}. 5 IN A 10.98.208.225`,
        `sleep-2.${SVC}. 5 IN SRV 0 100 80 sleep-2.${SVC}.`,
      ],
    },
    {
      desc: '09 endpoint names under a ClusterIP Service: the endpoint IP, the slice port (CoreDNS extension)',
      service: clusterIP('web', ['10.96.0.20']),
      slices: [slice('web', [{ ip: '10.1.0.5' }], [{ port: 8080 }])],
      want: [
        `10-1-0-5.web.${SVC}. 5 IN A 10.1.0.5`,
        `10-1-0-5.web.${SVC}. 5 IN SRV 0 100 8080 10-1-0-5.web.${SVC}.`,
        `web.${SVC}. 5 IN A 10.96.0.20`,
        `web.${SVC}. 5 IN SRV 0 100 80 web.${SVC}.`,
      ],
    },
    {
      desc: '10 headless: one A per ready endpoint (spec 2.4.1); unready ones are left out',
      service: headless('db'),
      slices: [slice('db', [{ ip: '10.1.0.2' }, { ip: '10.1.0.1' }, { ip: '10.1.0.3', ready: false }], [{ port: 5432 }])],
      want: [
        `10-1-0-1.db.${SVC}. 5 IN A 10.1.0.1`,
        `10-1-0-1.db.${SVC}. 5 IN SRV 0 100 5432 10-1-0-1.db.${SVC}.`,
        `10-1-0-2.db.${SVC}. 5 IN A 10.1.0.2`,
        `10-1-0-2.db.${SVC}. 5 IN SRV 0 100 5432 10-1-0-2.db.${SVC}.`,
        `db.${SVC}. 5 IN A 10.1.0.1`,
        `db.${SVC}. 5 IN A 10.1.0.2`,
        `db.${SVC}. 5 IN SRV 0 50 5432 10-1-0-1.db.${SVC}.`,
        `db.${SVC}. 5 IN SRV 0 50 5432 10-1-0-2.db.${SVC}.`,
      ],
    },
    {
      desc: '11 headless with no ready endpoint: no name at all (NXDOMAIN, kubernetes/dns#234)',
      service: headless('db'),
      slices: [slice('db', [{ ip: '10.1.0.1', ready: false }])],
      want: [],
    },
    {
      desc: '12 conditions.ready nil counts as ready (object/endpoint.go)',
      service: headless('db'),
      slices: [slice('db', [{ ip: '10.1.0.1' }], [{ port: 5432 }])],
      want: [
        `10-1-0-1.db.${SVC}. 5 IN A 10.1.0.1`,
        `10-1-0-1.db.${SVC}. 5 IN SRV 0 100 5432 10-1-0-1.db.${SVC}.`,
        `db.${SVC}. 5 IN A 10.1.0.1`,
        `db.${SVC}. 5 IN SRV 0 100 5432 10-1-0-1.db.${SVC}.`,
      ],
    },
    {
      desc: '13 publishNotReadyAddresses: unready endpoints count as ready',
      service: headless('db', { publishNotReadyAddresses: true }),
      slices: [slice('db', [{ ip: '10.1.0.1', ready: false }], [{ port: 5432 }])],
      want: [
        `10-1-0-1.db.${SVC}. 5 IN A 10.1.0.1`,
        `10-1-0-1.db.${SVC}. 5 IN SRV 0 100 5432 10-1-0-1.db.${SVC}.`,
        `db.${SVC}. 5 IN A 10.1.0.1`,
        `db.${SVC}. 5 IN SRV 0 100 5432 10-1-0-1.db.${SVC}.`,
      ],
    },
    {
      desc: '14 hostnames: <hostname>.<svc> holds each IP with that hostname (spec 2.4.1)',
      service: headless('web'),
      slices: [slice('web', [{ ip: '10.1.0.1', hostname: 'web-0' }, { ip: '10.1.0.2', hostname: 'web-0' }, { ip: '10.1.0.3', hostname: 'web-1' }], [{ port: 80 }])],
      want: [
        `web-0.web.${SVC}. 5 IN A 10.1.0.1`,
        `web-0.web.${SVC}. 5 IN A 10.1.0.2`,
        `web-0.web.${SVC}. 5 IN SRV 0 50 80 web-0.web.${SVC}.`,
        `web-1.web.${SVC}. 5 IN A 10.1.0.3`,
        `web-1.web.${SVC}. 5 IN SRV 0 100 80 web-1.web.${SVC}.`,
        `web.${SVC}. 5 IN A 10.1.0.1`,
        `web.${SVC}. 5 IN A 10.1.0.2`,
        `web.${SVC}. 5 IN A 10.1.0.3`,
        `web.${SVC}. 5 IN SRV 0 33 80 web-0.web.${SVC}.`,
        `web.${SVC}. 5 IN SRV 0 33 80 web-1.web.${SVC}.`,
      ],
    },
    {
      desc: '15 headless named ports: N ready endpoints × M named slice ports (spec 2.4.2)',
      service: headless('web'),
      slices: [slice('web', [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }], [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }])],
      want: [
        `10-1-0-1.web.${SVC}. 5 IN A 10.1.0.1`,
        `10-1-0-1.web.${SVC}. 5 IN SRV 0 50 8080 10-1-0-1.web.${SVC}.`,
        `10-1-0-1.web.${SVC}. 5 IN SRV 0 50 9090 10-1-0-1.web.${SVC}.`,
        `10-1-0-2.web.${SVC}. 5 IN A 10.1.0.2`,
        `10-1-0-2.web.${SVC}. 5 IN SRV 0 50 8080 10-1-0-2.web.${SVC}.`,
        `10-1-0-2.web.${SVC}. 5 IN SRV 0 50 9090 10-1-0-2.web.${SVC}.`,
        `_http._tcp.web.${SVC}. 5 IN A 10.1.0.1`,
        `_http._tcp.web.${SVC}. 5 IN A 10.1.0.2`,
        `_http._tcp.web.${SVC}. 5 IN SRV 0 50 8080 10-1-0-1.web.${SVC}.`,
        `_http._tcp.web.${SVC}. 5 IN SRV 0 50 8080 10-1-0-2.web.${SVC}.`,
        `_metrics._tcp.web.${SVC}. 5 IN A 10.1.0.1`,
        `_metrics._tcp.web.${SVC}. 5 IN A 10.1.0.2`,
        `_metrics._tcp.web.${SVC}. 5 IN SRV 0 50 9090 10-1-0-1.web.${SVC}.`,
        `_metrics._tcp.web.${SVC}. 5 IN SRV 0 50 9090 10-1-0-2.web.${SVC}.`,
        `web.${SVC}. 5 IN A 10.1.0.1`,
        `web.${SVC}. 5 IN A 10.1.0.2`,
        `web.${SVC}. 5 IN SRV 0 25 8080 10-1-0-1.web.${SVC}.`,
        `web.${SVC}. 5 IN SRV 0 25 9090 10-1-0-1.web.${SVC}.`,
        `web.${SVC}. 5 IN SRV 0 25 8080 10-1-0-2.web.${SVC}.`,
        `web.${SVC}. 5 IN SRV 0 25 9090 10-1-0-2.web.${SVC}.`,
      ],
    },
    {
      desc: '16 headless slice without ports: A records, no SRV (the −1 port sentinel is dropped)',
      service: headless('db'),
      slices: [slice('db', [{ ip: '10.1.0.1' }], [])],
      want: [`10-1-0-1.db.${SVC}. 5 IN A 10.1.0.1`, `db.${SVC}. 5 IN A 10.1.0.1`],
    },
    {
      desc: '17 six headless addresses: weight 16 (⌊100/6⌋)',
      service: headless('six'),
      slices: [slice('six', [1, 2, 3, 4, 5, 6].map((i) => ({ ip: `10.1.0.${i}`, hostname: `h${i}` })), [{ port: 80 }])],
      want: [
        ...[1, 2, 3, 4, 5, 6].flatMap((i) => [`h${i}.six.${SVC}. 5 IN A 10.1.0.${i}`, `h${i}.six.${SVC}. 5 IN SRV 0 100 80 h${i}.six.${SVC}.`]),
        ...[1, 2, 3, 4, 5, 6].map((i) => `six.${SVC}. 5 IN A 10.1.0.${i}`),
        ...[1, 2, 3, 4, 5, 6].map((i) => `six.${SVC}. 5 IN SRV 0 16 80 h${i}.six.${SVC}.`),
      ],
    },
    {
      desc: '18 headless dual-stack: IPv4 and IPv6 slices, IPv6 dashed label with the --0 rule',
      service: headless('db'),
      slices: [slice('db', [{ ip: '10.1.0.1' }], [{ port: 80 }]), slice('db', [{ ip: '2001:db8::' }], [{ port: 80 }], 'v6abc', 'IPv6')],
      want: [
        `10-1-0-1.db.${SVC}. 5 IN A 10.1.0.1`,
        `10-1-0-1.db.${SVC}. 5 IN SRV 0 100 80 10-1-0-1.db.${SVC}.`,
        `2001-db8--0.db.${SVC}. 5 IN AAAA 2001:db8::`,
        `2001-db8--0.db.${SVC}. 5 IN SRV 0 100 80 2001-db8--0.db.${SVC}.`,
        `db.${SVC}. 5 IN A 10.1.0.1`,
        `db.${SVC}. 5 IN AAAA 2001:db8::`,
        `db.${SVC}. 5 IN SRV 0 50 80 10-1-0-1.db.${SVC}.`,
        `db.${SVC}. 5 IN SRV 0 50 80 2001-db8--0.db.${SVC}.`,
      ],
    },
    {
      desc: '19 endpoint_pod_names: an endpoint without hostname is named after its pod',
      service: headless('db'),
      slices: [slice('db', [{ ip: '10.1.0.1', pod: 'db-7c6b8fcd9d-hx2wp' }, { ip: '10.1.0.2', pod: 'db-2', hostname: 'primary' }], [])],
      options: { endpointPodNames: true },
      want: [
        `db-7c6b8fcd9d-hx2wp.db.${SVC}. 5 IN A 10.1.0.1`,
        `db.${SVC}. 5 IN A 10.1.0.1`,
        `db.${SVC}. 5 IN A 10.1.0.2`,
        `primary.db.${SVC}. 5 IN A 10.1.0.2`,
      ],
    },
    {
      desc: '20 ExternalName: CNAME to the fully qualified externalName (spec 2.5), nothing below it',
      service: externalName('numbers-api', 'raw.githubusercontent.com.'),
      slices: [slice('numbers-api', [{ ip: '10.1.0.9' }])],
      want: [`numbers-api.${SVC}. 5 IN CNAME raw.githubusercontent.com.`],
    },
    {
      desc: '21 ExternalName with an IP literal: nothing (CoreDNS ignores it: NXDOMAIN)',
      service: externalName('ip', '192.168.123.234'),
      want: [],
    },
    {
      desc: '22 slices of other Services, FQDN slices and bad addresses are ignored',
      service: headless('db'),
      slices: [
        slice('other', [{ ip: '10.1.0.7' }]),
        slice('db', [{ ip: 'db.example.com' }], [{ port: 80 }], 'fqdnx', 'FQDN'),
        slice('db', [{ ip: ['10.1.0.1', '10.1.0.300'] }], [], 'badip'),
      ],
      want: [`10-1-0-1.db.${SVC}. 5 IN A 10.1.0.1`, `db.${SVC}. 5 IN A 10.1.0.1`],
    },
    {
      desc: '23 TTL is configurable (kubeadm: 30), and the cluster domain',
      service: clusterIP('web', ['10.96.0.20']),
      options: { ttl: 30, clusterDomain: 'Corp.Example.' },
      want: ['web.default.svc.corp.example. 30 IN A 10.96.0.20', 'web.default.svc.corp.example. 30 IN SRV 0 100 80 web.default.svc.corp.example.'],
    },
    {
      desc: '24 a ClusterIP Service without ports: the A stays (−1 sentinel), no SRV',
      service: clusterIP('bare', ['10.96.0.21'], []),
      want: [`bare.${SVC}. 5 IN A 10.96.0.21`],
    },
  ];

  it.each(cases)('$desc', ({ service, slices, options, want }) => {
    expect(lines(serviceRecords(service, slices ?? [], opts(options)))).toEqual(want);
  });

  it.each([
    {
      desc: '25 ClusterIP claims: each cluster IP, and each ready endpoint under its label',
      service: clusterIP('web', ['10.96.0.20', 'fd00::20']),
      slices: [slice('web', [{ ip: '10.1.0.5' }, { ip: '10.1.0.6', ready: false }])],
      options: {},
      want: [`10.96.0.20 web.${SVC} vip`, `fd00::20 web.${SVC} vip`, `10.1.0.5 10-1-0-5.web.${SVC} endpoint`],
    },
    {
      desc: '26 headless claims: ready endpoints only (spec 2.4.3)',
      service: headless('db'),
      slices: [slice('db', [{ ip: '10.1.0.1', hostname: 'db-0' }, { ip: '10.1.0.2', ready: false }])],
      options: {},
      want: [`10.1.0.1 db-0.db.${SVC} endpoint`],
    },
    {
      desc: '27 ignoreEmptyService keeps the cluster IP claim (reverse.go does not check it)',
      service: clusterIP('web', ['10.96.0.20']),
      slices: [],
      options: { ignoreEmptyService: true },
      want: [`10.96.0.20 web.${SVC} vip`],
    },
  ])('$desc', ({ service, slices, options, want }) => {
    const claims = serviceRecords(service, slices, opts(options)).ptrClaims;
    expect(claims.map((c) => `${c.address} ${c.target} ${c.clusterIP ? 'vip' : 'endpoint'}`)).toEqual(want);
  });
});

describe('endpoint labels (CoreDNS endpointHostname)', () => {
  it.each([
    { desc: '01 the hostname wins', ip: '10.1.0.1', hostname: 'web-0', pod: 'web-abc', podNames: true, want: 'web-0' },
    { desc: '02 the pod name with endpoint_pod_names', ip: '10.1.0.1', hostname: undefined, pod: 'web-abc', podNames: true, want: 'web-abc' },
    { desc: '03 the pod name is ignored without it', ip: '10.1.0.1', hostname: undefined, pod: 'web-abc', podNames: false, want: '10-1-0-1' },
    { desc: '04 a 63-character pod name is used', ip: '10.1.0.1', hostname: undefined, pod: 'p'.repeat(63), podNames: true, want: 'p'.repeat(63) },
    { desc: '05 a 64-character pod name is not (object/endpoint.go: < 64)', ip: '10.1.0.1', hostname: undefined, pod: 'p'.repeat(64), podNames: true, want: '10-1-0-1' },
    { desc: '06 IPv6: colons to dashes', ip: '5678:abcd::1', hostname: undefined, pod: undefined, podNames: false, want: '5678-abcd--1' },
    { desc: '07 IPv6 ending in :: gets a 0', ip: '2001:db8::', hostname: undefined, pod: undefined, podNames: false, want: '2001-db8--0' },
    { desc: '08 a dotted pod name cannot be one label', ip: '10.1.0.1', hostname: undefined, pod: 'a.b', podNames: true, want: '10-1-0-1' },
  ])('$desc', ({ ip, hostname, pod, podNames, want }) => {
    expect(endpointLabel(ip, hostname, pod, podNames)).toBe(want);
  });

  it('09 dashedIP', () => {
    expect([dashedIP('10.1.0.42'), dashedIP('::'), dashedIP('fd00::1:0')]).toEqual(['10-1-0-42', '--0', 'fd00--1-0']);
  });
});

describe('ptrRRset and reverse names', () => {
  const o = opts();
  it.each([
    { desc: '01 IPv4 in-addr.arpa (RFC 1035 §3.5)', ip: '10.103.155.91', want: '91.155.103.10.in-addr.arpa' },
    { desc: '02 IPv6: all 32 nibbles (spec 2.3.3, RFC 3596 §2.5)', ip: 'fd00::20', want: V6_20 },
  ])('$desc', ({ ip, want }) => {
    expect(reverseName(ip)).toBe(want);
  });

  it.each([
    {
      desc: '03 a cluster IP claim wins and gives one PTR (reverse.go)',
      claims: [
        { address: '10.96.0.20', target: `b.${SVC}`, clusterIP: false },
        { address: '10.96.0.20', target: `web.${SVC}`, clusterIP: true },
      ],
      want: [`20.0.96.10.in-addr.arpa. 5 IN PTR web.${SVC}.`],
    },
    {
      desc: '04 an endpoint IP behind two Services gives two PTRs',
      claims: [
        { address: '10.1.0.5', target: `10-1-0-5.web.${SVC}`, clusterIP: false },
        { address: '10.1.0.5', target: `10-1-0-5.api.${SVC}`, clusterIP: false },
      ],
      want: [`5.0.1.10.in-addr.arpa. 5 IN PTR 10-1-0-5.api.${SVC}.`, `5.0.1.10.in-addr.arpa. 5 IN PTR 10-1-0-5.web.${SVC}.`],
    },
    { desc: '05 the same claim twice gives one PTR', claims: [0, 1].map(() => ({ address: 'fd00::20', target: `web.${SVC}`, clusterIP: true })), want: [`${V6_20}. 5 IN PTR web.${SVC}.`] },
  ])('$desc', ({ claims, want }) => {
    expect(formatRRset(ptrRRset(claims[0].address, claims, o)!)).toEqual(want);
  });

  it('06 no claims, or reverse zones off: no PTR', () => {
    expect(ptrRRset('10.1.0.5', [], o)).toBeUndefined();
    expect(ptrRRset('10.1.0.5', [{ address: '10.1.0.5', target: `x.${SVC}`, clusterIP: true }], opts({ reverseZones: false }))).toBeUndefined();
  });
});

describe('zone apex, namespaces, pods', () => {
  it.each([
    {
      desc: '01 SOA, NS to kube-dns, schema TXT, svc and pod names, reverse-zone SOAs',
      state: { serial: SERIAL, kubeDns: true },
      options: {},
      want: [
        `cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${SERIAL} 7200 1800 86400 5`,
        'cluster.local. 5 IN NS kube-dns.kube-system.svc.cluster.local.',
        'dns-version.cluster.local. 28800 IN TXT "1.1.0"',
        `in-addr.arpa. 5 IN SOA ns.dns.in-addr.arpa. hostmaster.in-addr.arpa. ${SERIAL} 7200 1800 86400 5`,
        `ip6.arpa. 5 IN SOA ns.dns.ip6.arpa. hostmaster.ip6.arpa. ${SERIAL} 7200 1800 86400 5`,
      ],
      names: ['svc.cluster.local', 'pod.cluster.local'],
    },
    {
      desc: '02 without kube-dns the NS is ns.dns.<zone>; the SOA TTL is capped at 300, its minimum is the ttl',
      state: { serial: 7, kubeDns: false },
      options: { ttl: 600, reverseZones: false },
      want: [
        'cluster.local. 300 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 600',
        'cluster.local. 600 IN NS ns.dns.cluster.local.',
        'dns-version.cluster.local. 28800 IN TXT "1.1.0"',
      ],
      names: ['svc.cluster.local', 'pod.cluster.local'],
    },
  ])('$desc', ({ state, options, want, names }) => {
    const set = zoneRecords(state, opts(options));
    expect(lines(set)).toEqual(want);
    expect(set.names).toEqual(names);
  });

  it.each([
    { desc: '03 pods disabled: <ns>.svc only (CoreDNS findPods: NXDOMAIN below pod.<zone>)', pods: 'disabled' as const, want: ['team.svc.cluster.local'] },
    { desc: '04 pods insecure: <ns>.pod too (the data plane answers names below it)', pods: 'insecure' as const, want: ['team.svc.cluster.local', 'team.pod.cluster.local'] },
    { desc: '05 pods verified: the same', pods: 'verified' as const, want: ['team.svc.cluster.local', 'team.pod.cluster.local'] },
  ])('$desc', ({ pods, want }) => {
    expect(namespaceRecords('team', opts({ pods })).names).toEqual(want);
  });

  it.each([
    { desc: '06 verified: A at a-b-c-d.<ns>.pod.<zone>', pods: 'verified' as const, ip: '10.1.0.42', want: ['10-1-0-42.default.pod.cluster.local. 5 IN A 10.1.0.42'] },
    { desc: '07 verified IPv6: AAAA, colons to dashes', pods: 'verified' as const, ip: 'fd00::5', want: ['fd00--5.default.pod.cluster.local. 5 IN AAAA fd00::5'] },
    { desc: '08 insecure: no record (the data plane synthesises them)', pods: 'insecure' as const, ip: '10.1.0.42', want: [] },
    { desc: '09 disabled: no record', pods: 'disabled' as const, ip: '10.1.0.42', want: [] },
  ])('$desc', ({ pods, ip, want }) => {
    const rr = podRRset('default', ip, opts({ pods }));
    expect(rr ? formatRRset(rr) : []).toEqual(want);
  });

  it('10 a pod gives records for each of its IPs while it is not terminating', () => {
    expect(podRecordAddresses(makePod('a', null, {}, {}, { podIPs: [{ ip: '10.1.0.5' }, { ip: 'FD00:0::5' }] }))).toEqual(['10.1.0.5', 'fd00::5']);
    expect(podRecordAddresses(makePod('a', '10.1.0.5', { deletionTimestamp: '2024-05-01T12:00:00Z' }))).toEqual([]);
    expect(podRecordAddresses(makePod('a', null, {}, {}, { phase: 'Pending' }))).toEqual([]);
  });
});

describe('dns.md §2 as existence (clusterRecords)', () => {
  const objects = {
    namespaces: [{ metadata: { name: 'default' } }, { metadata: { name: 'kube-system' } }],
    services: [
      clusterIP('numbers-api', ['10.103.155.91'], [{ name: 'http', port: 80 }]),
      clusterIP('sleep-2', ['10.98.208.225']),
      headless('db'),
      headless('portless'),
      externalName('external', 'example.com'),
    ],
    endpointSlices: [
      slice('numbers-api', [{ ip: '10.1.0.47' }], [{ name: 'http', port: 80 }]),
      slice('sleep-2', []),
      slice('db', [{ ip: '10.1.0.1', ready: false }]),
      slice('portless', [{ ip: '10.1.0.9' }], []),
    ],
    pods: [makePod('numbers-api-1', '10.1.0.47')],
  };
  const exists = (set: RecordSet, name: string): boolean => set.names.includes(name) || set.rrsets.some((r) => r.owner === name);
  const types = (set: RecordSet, name: string): string[] => set.rrsets.filter((r) => r.owner === name).map((r) => r.type);

  it.each([
    { desc: '01 an existing name holds only some types (AAAA, TXT, MX → NODATA)', name: `numbers-api.${SVC}`, exists: true, types: ['A', 'SRV'] },
    { desc: '02 the apex exists', name: 'cluster.local', exists: true, types: ['SOA', 'NS'] },
    { desc: '03 svc.<zone> exists (NODATA)', name: 'svc.cluster.local', exists: true, types: [] },
    { desc: '04 pod.<zone> exists (NODATA)', name: 'pod.cluster.local', exists: true, types: [] },
    { desc: '05 an existing namespace exists (NODATA)', name: SVC, exists: true, types: [] },
    { desc: '06 a missing namespace does not (NXDOMAIN)', name: 'nope.svc.cluster.local', exists: false, types: [] },
    { desc: '07 an unknown service does not', name: `nope.${SVC}`, exists: false, types: [] },
    { desc: '08 an unknown endpoint label does not', name: `nope.numbers-api.${SVC}`, exists: false, types: [] },
    { desc: '09 an unknown _port._proto does not', name: `_https._tcp.numbers-api.${SVC}`, exists: false, types: [] },
    { desc: '10 a headless Service without ready endpoints does not', name: `db.${SVC}`, exists: false, types: [] },
    { desc: '11 a ClusterIP Service without endpoints does (A anyway)', name: `sleep-2.${SVC}`, exists: true, types: ['A', 'SRV'] },
    { desc: '12 a headless Service without ports has no SRV (NODATA)', name: `portless.${SVC}`, exists: true, types: ['A'] },
    { desc: '13 below an ExternalName nothing exists', name: `x.external.${SVC}`, exists: false, types: [] },
    { desc: '14 pod names with pods disabled do not exist', name: '10-1-0-47.default.pod.cluster.local', exists: false, types: [] },
    { desc: '15 <ns>.pod.<zone> with pods disabled does not exist', name: 'default.pod.cluster.local', exists: false, types: [] },
  ])('$desc', ({ name, exists: want, types: wantTypes }) => {
    const set = clusterRecords(objects, { serial: SERIAL }, opts());
    expect(exists(set, name)).toBe(want);
    expect(types(set, name)).toEqual(wantTypes);
  });

  it('16 with ignoreEmptyService the empty ClusterIP Service is gone; with pods verified the pod name exists', () => {
    const set = clusterRecords(objects, { serial: SERIAL }, opts({ ignoreEmptyService: true, pods: 'verified' }));
    expect(exists(set, `sleep-2.${SVC}`)).toBe(false);
    expect(types(set, '10-1-0-47.default.pod.cluster.local')).toEqual(['A']);
    expect(exists(set, 'default.pod.cluster.local')).toBe(true);
  });
});

describe('RDATA wire encoding', () => {
  /** RDATA as dns-packet encodes it: one answer owned by `x`, RDATA from byte 25. */
  const packetRData = (type: string, data: unknown): Uint8Array =>
    Uint8Array.from(dnsPacket.encode({ type: 'response', answers: [{ name: 'x', type, data } as never] }).subarray(25));

  it.each<{ desc: string; rd: RData; type: string; data: unknown }>([
    { desc: '01 A', rd: { type: 'A', address: '10.103.155.91' }, type: 'A', data: '10.103.155.91' },
    { desc: '02 AAAA', rd: { type: 'AAAA', address: 'fd00::20' }, type: 'AAAA', data: 'fd00::20' },
    { desc: '03 SRV, target uncompressed', rd: { type: 'SRV', priority: 0, weight: 33, port: 53, target: 'kube-dns.kube-system.svc.cluster.local' }, type: 'SRV', data: { priority: 0, weight: 33, port: 53, target: 'kube-dns.kube-system.svc.cluster.local' } },
    { desc: '04 PTR', rd: { type: 'PTR', target: 'numbers-api.default.svc.cluster.local' }, type: 'PTR', data: 'numbers-api.default.svc.cluster.local' },
    { desc: '05 CNAME', rd: { type: 'CNAME', target: 'raw.githubusercontent.com' }, type: 'CNAME', data: 'raw.githubusercontent.com' },
    { desc: '06 NS', rd: { type: 'NS', target: 'ns.dns.cluster.local' }, type: 'NS', data: 'ns.dns.cluster.local' },
    { desc: '07 TXT', rd: { type: 'TXT', strings: ['1.1.0'] }, type: 'TXT', data: ['1.1.0'] },
    {
      desc: '08 SOA',
      rd: { type: 'SOA', mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: SERIAL, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
      type: 'SOA',
      data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: SERIAL, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
    },
  ])('$desc matches dns-packet', ({ rd, type, data }) => {
    expect(encodeRData(rd)).toEqual(packetRData(type, data));
  });

  it('09 a family mismatch is an error', () => {
    expect(() => encodeRData({ type: 'A', address: 'fd00::1' })).toThrow(RangeError);
    expect(() => encodeRData({ type: 'AAAA', address: '10.0.0.1' })).toThrow(RangeError);
  });
});

describe('SRV weight and options', () => {
  it.each([
    { n: 1, want: 100 },
    { n: 2, want: 50 },
    { n: 3, want: 33 },
    { n: 6, want: 16 },
    { n: 100, want: 1 },
    { n: 150, want: 1 },
  ])('weight of $n backends is $want (⌊100/n⌋, at least 1)', ({ n, want }) => {
    expect(srvWeight(n)).toBe(want);
  });

  it.each([
    { desc: '01 ttl above 3600', input: { ttl: 3601 }, error: /ttl must be an integer 0–3600/ },
    { desc: '02 negative ttl', input: { ttl: -1 }, error: /ttl must be an integer 0–3600/ },
    { desc: '03 fractional ttl', input: { ttl: 1.5 }, error: /ttl must be an integer 0–3600/ },
    { desc: '04 unknown pods mode', input: { pods: 'on' as never }, error: /pods must be 'disabled', 'insecure' or 'verified'/ },
    { desc: '05 bad cluster domain', input: { clusterDomain: 'bad..name' }, error: /clusterDomain "bad\.\.name" is not a valid domain name/ },
  ])('$desc is rejected', ({ input, error }) => {
    expect(() => resolveRecordOptions(input)).toThrow(error);
  });

  it('06 defaults: cluster.local, ttl 5, pods disabled, reverse zones on', () => {
    expect(resolveRecordOptions()).toEqual({ zone: 'cluster.local', ttl: 5, ignoreEmptyService: false, endpointPodNames: false, pods: 'disabled', reverseZones: true });
  });
});
