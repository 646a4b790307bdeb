// KubeProxyRules (sdk/proxy/rules.ts) as an API: the shape of its decisions (service port
// names, frontend kinds, endpoint targets and their order, affinity, ipvs flags, reasons),
// how it reads EndpointSlices (kube-proxy's endpointslicecache.go), setState replacing
// state, and udpFrontends for conntrack cleanup (pkg/proxy/conntrack/cleanup.go).
// Packet fates per mode are in packet-flows.test.ts.
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Protocol, Service, ServiceSpec, ServiceStatus } from '../../sdk/model/types.js';
import { parseKubeProxyConfiguration, type ProxyMode } from '../../sdk/proxy/config.js';
import type { FlowTuple, RuleDecision } from '../../sdk/proxy/decision.js';
import { cidrHas, isLoopback, joinHostPort, parseAddress, parseCIDROrUndefined } from '../../sdk/proxy/rules-net.js';
import {
  DEFAULT_AFFINITY_SECONDS,
  KubeProxyRules,
  REASON_HEALTH_CHECK,
  REASON_INVALID_TUPLE,
  REASON_NO_ENDPOINTS,
  REASON_NO_MATCH,
  RULE_REASONS,
} from '../../sdk/proxy/rules.js';
import { NODE_IP, NODE_IPV6, TEST_NODE as NODE, endpointSlice, kubeProxyRules, service, type EndpointSpec, type PortSpec, type SliceOptions } from './builders.js';

function svc(name: string, spec: ServiceSpec, status?: ServiceStatus): Service {
  return service('ns1', name, spec, status);
}

function eps(serviceName: string, endpoints: EndpointSpec[], ports: PortSpec[], options: SliceOptions = {}): EndpointSlice {
  return endpointSlice('ns1', serviceName, endpoints, ports, options);
}

/** The test node with one address per family, clusterCIDR 10.0.0.0/8 (IPv4 only), service CIDR 172.30.0.0/16. */
function rules(mode: ProxyMode, services: Service[], slices: EndpointSlice[]): KubeProxyRules {
  return kubeProxyRules(mode, services, slices, { node: { name: NODE, addresses: [NODE_IP, NODE_IPV6] }, config: { clusterCIDR: '10.0.0.0/8' }, serviceCIDRs: ['172.30.0.0/16'] });
}

function packet(dstIP: string, dstPort: number, extra: Partial<FlowTuple> = {}): FlowTuple {
  return { family: dstIP.includes(':') ? 6 : 4, protocol: 'TCP', srcIP: dstIP.includes(':') ? 'fd00:10::2' : '10.0.0.2', srcPort: 40000, dstIP, dstPort, ...extra };
}

const P80 = { name: 'p80', port: 80, protocol: 'TCP' as const };
const targets = (d: RuleDecision): string[] => d.endpoints.map((e) => `${e.ip}:${e.port}`);

describe('decision shape', () => {
  const services = [
    svc('svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', externalIPs: ['192.168.99.33'], ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 3001 }] }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } }),
    svc('unnamed', { clusterIP: '172.30.0.42', ports: [{ port: 80 }] }),
    svc('empty', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.43', ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 3003 }], healthCheckNodePort: 30000 }),
  ];
  const slices = [eps('svc1', [{ ip: '10.180.0.1', node: NODE }], [P80]), eps('unnamed', [{ ip: '10.180.0.2' }], [{ port: 8080 }])];
  const r = rules('iptables', services, slices);

  const frontends: [string, string, number, string][] = [
    ['1', '172.30.0.41', 80, 'ClusterIP'],
    ['2', '192.168.99.33', 80, 'ExternalIP'],
    ['3', '1.2.3.4', 80, 'LoadBalancer'],
    ['4', '192.168.0.2', 3001, 'NodePort'],
  ];
  it.each(frontends)('1.%s frontend kind of %s:%i is %s', (_n, ip, port, kind) => {
    const d = r.decide(packet(ip, port));
    expect(d.verdict).toBe('DNAT');
    expect(d.frontend).toBe(kind);
    expect(d.servicePort).toBe('ns1/svc1:p80');
  });

  it('1.5 an unnamed service port is spelled ns/name: with an empty port name', () => {
    expect(r.decide(packet('172.30.0.42', 80)).servicePort).toBe('ns1/unnamed:');
  });

  it('1.6 endpoint targets carry nodeName, local and the fallback flag', () => {
    const d = r.decide(packet('172.30.0.41', 80));
    expect(d.endpoints).toEqual([{ ip: '10.180.0.1', port: 80, nodeName: NODE, local: true, terminating: false }]);
    expect(r.decide(packet('172.30.0.42', 80)).endpoints).toEqual([{ ip: '10.180.0.2', port: 8080, local: false, terminating: false }]);
  });

  it('1.7 REJECT names the service port and frontend', () => {
    const d = r.decide(packet('172.30.0.43', 80));
    expect(d).toMatchObject({ verdict: 'REJECT', servicePort: 'ns1/empty:p80', frontend: 'ClusterIP', reason: REASON_NO_ENDPOINTS, endpoints: [], masquerade: false });
  });

  it('1.8 health-check ACCEPT names the service port', () => {
    const d = r.decide(packet('192.168.0.2', 30000, { srcIP: '203.0.113.2' }));
    expect(d).toMatchObject({ verdict: 'ACCEPT', servicePort: 'ns1/empty:p80', frontend: 'HealthCheckNodePort', reason: REASON_HEALTH_CHECK });
  });

  it('1.9 PASS carries a reason and nothing else', () => {
    expect(r.decide(packet('198.51.100.1', 80))).toEqual({ verdict: 'PASS', endpoints: [], masquerade: false, hairpinMasquerade: false, reason: REASON_NO_MATCH });
  });

  const invalid: [string, FlowTuple][] = [
    ['1', { ...packet('172.30.0.41', 80), dstIP: 'not-an-ip' }],
    ['2', { ...packet('172.30.0.41', 80), family: 6 }],
    ['3', { ...packet('172.30.0.41', 80), srcIP: 'fd00::1' }],
    ['4', { ...packet('172.30.0.41', 80), dstIP: '172.030.0.41' }],
  ];
  it.each(invalid)('1.10.%s an invalid tuple passes with a reason', (_n, tuple) => {
    expect(r.decide(tuple)).toMatchObject({ verdict: 'PASS', reason: REASON_INVALID_TUPLE });
  });

  it('1.11 decisions are independent copies', () => {
    const a = r.decide(packet('172.30.0.41', 80));
    a.endpoints[0]!.port = 1;
    expect(r.decide(packet('172.30.0.41', 80)).endpoints[0]!.port).toBe(80);
  });

  it('1.12 reason constants are distinct', () => {
    expect(new Set(RULE_REASONS).size).toBe(RULE_REASONS.length);
  });
});

describe('endpoints from EndpointSlices', () => {
  it('2.1 candidates are sorted by ip:port text, as kube-proxy sorts them ("10.180.0.10:80" < "10.180.0.1:80")', () => {
    const r = rules('nftables', [svc('s', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] })], [eps('s', [{ ip: '10.180.0.2' }, { ip: '10.180.0.10' }, { ip: '10.180.0.1' }], [P80])]);
    expect(targets(r.decide(packet('172.30.0.41', 80)))).toEqual(['10.180.0.10:80', '10.180.0.1:80', '10.180.0.2:80']);
  });

  it('2.2 IPv6 candidates sort by their bracketed text', () => {
    const s = svc('s', { clusterIP: 'fd00:172:30::41', ports: [{ name: 'p80', port: 80 }] });
    const r = rules('iptables', [s], [eps('s', [{ ip: 'fd00::b' }, { ip: 'fd00::10' }, { ip: 'fd00::a' }], [P80], { addressType: 'IPv6' })]);
    expect(targets(r.decide(packet('fd00:172:30::41', 80)))).toEqual(['fd00::10:80', 'fd00::a:80', 'fd00::b:80']);
  });

  it('2.3 the same ip:port in two slices is one endpoint, the local copy preferred', () => {
    const s = svc('s', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] });
    const r = rules('iptables', [s], [eps('s', [{ ip: '10.180.0.1', node: 'other' }], [P80]), eps('s', [{ ip: '10.180.0.1', node: NODE }], [P80])]);
    expect(r.decide(packet('172.30.0.41', 80)).endpoints).toEqual([{ ip: '10.180.0.1', port: 80, nodeName: NODE, local: true, terminating: false }]);
  });

  it('2.4 the same IP with two port numbers for the port name is two endpoints', () => {
    const s = svc('s', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] });
    const r = rules('iptables', [s], [eps('s', [{ ip: '10.180.0.1' }], [P80]), eps('s', [{ ip: '10.180.0.1' }], [{ name: 'p80', port: 81 }])]);
    expect(targets(r.decide(packet('172.30.0.41', 80)))).toEqual(['10.180.0.1:80', '10.180.0.1:81']);
  });

  const ignored: [string, EndpointSlice][] = [
    ['1 no kubernetes.io/service-name label', eps('s', [{ ip: '10.180.0.9' }], [P80], { labelled: false })],
    ['2 another namespace', endpointSlice('ns2', 's', [{ ip: '10.180.0.9' }], [P80])],
    ['3 FQDN address type', eps('s', [{ ip: '10.180.0.9' }], [P80], { addressType: 'FQDN' })],
    ['4 an IPv6 address for the IPv4 service', eps('s', [{ ip: 'fd00::9' }], [P80])],
    ['5 port 0', eps('s', [{ ip: '10.180.0.9' }], [{ name: 'p80', port: 0 }])],
  ];
  it.each(ignored)('2.5.%s: not an endpoint', (_n, extra) => {
    const s = svc('s', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] });
    const r = rules('iptables', [s], [eps('s', [{ ip: '10.180.0.1' }], [P80]), extra]);
    expect(targets(r.decide(packet('172.30.0.41', 80)))).toEqual(['10.180.0.1:80']);
  });

  it('2.6 unset conditions read as ready, serving, not terminating', () => {
    const s = svc('s', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] });
    const slice = eps('s', [{ ip: '10.180.0.1' }], [P80]);
    delete (slice.endpoints[0] as { conditions?: unknown }).conditions;
    const d = rules('iptables', [s], [slice]).decide(packet('172.30.0.41', 80));
    expect(d.endpoints).toEqual([{ ip: '10.180.0.1', port: 80, local: false, terminating: false }]);
  });

  it('2.7 the serving+terminating fallback is flagged terminating', () => {
    const s = svc('s', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] });
    const d = rules('iptables', [s], [eps('s', [{ ip: '10.180.0.1', ready: false, serving: true, terminating: true }], [P80])]).decide(packet('172.30.0.41', 80));
    expect(d.endpoints).toEqual([{ ip: '10.180.0.1', port: 80, local: false, terminating: true }]);
  });

  it('2.8 the local list of eTP Local falls back to local serving+terminating endpoints', () => {
    const s = svc('s', { type: 'NodePort', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const slice = eps('s', [{ ip: '10.180.0.1', node: NODE, ready: false, serving: true, terminating: true }, { ip: '10.180.0.2', node: 'other' }], [P80]);
    const d = rules('iptables', [s], [slice]).decide(packet('192.168.0.2', 3001, { srcIP: '203.0.113.2' }));
    expect(d.endpoints).toEqual([{ ip: '10.180.0.1', port: 80, nodeName: NODE, local: true, terminating: true }]);
    expect(d.masquerade).toBe(false);
  });
});

describe('session affinity', () => {
  const make = (spec: Partial<ServiceSpec>): Service[] => [svc('s', { type: 'NodePort', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, nodePort: 3001 }], ...spec })];
  const slices = [eps('s', [{ ip: '10.180.0.1' }], [P80])];
  const cases: [string, ProxyMode, Partial<ServiceSpec>, RuleDecision['affinity']][] = [
    ['1', 'iptables', { sessionAffinity: 'ClientIP' }, { timeoutSeconds: DEFAULT_AFFINITY_SECONDS }],
    ['2', 'nftables', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, { timeoutSeconds: 60 }],
    ['3', 'iptables', { sessionAffinity: 'None', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, undefined],
    ['4', 'nftables', {}, undefined],
    ['5', 'ipvs', { sessionAffinity: 'ClientIP' }, { timeoutSeconds: 10800, scope: 'frontend' }],
  ];
  it.each(cases)('3.%s [%s] %j → %j', (_n, mode, spec, affinity) => {
    const r = rules(mode, make(spec), slices);
    for (const [ip, port] of [['172.30.0.41', 80], ['192.168.0.2', 3001]] as const) {
      const d = r.decide(packet(ip, port));
      expect(d.verdict).toBe('DNAT');
      expect(d.affinity).toEqual(affinity);
    }
  });
  it('3.6 the default is 10800 seconds (core/v1 DefaultClientIPServiceAffinitySeconds)', () => {
    expect(DEFAULT_AFFINITY_SECONDS).toBe(10800);
  });
});

describe('hairpin flags per mode', () => {
  const s = [svc('s', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] })];
  const slices = [eps('s', [{ ip: '10.180.0.1' }], [P80])];
  const cases: [string, ProxyMode, boolean | undefined][] = [
    ['1', 'iptables', undefined],
    ['2', 'nftables', undefined],
    ['3', 'ipvs', true],
  ];
  it.each(cases)('4.%s [%s] hairpinMasquerade on every DNAT, hairpinLocalOnly %s', (_n, mode, localOnly) => {
    const d = rules(mode, s, slices).decide(packet('172.30.0.41', 80));
    expect(d.hairpinMasquerade).toBe(true);
    expect(d.hairpinLocalOnly).toBe(localOnly);
  });
});

describe('setState', () => {
  it('5.1 without state every packet passes', () => {
    const { config } = parseKubeProxyConfiguration({}, { mode: 'nftables' });
    const r = new KubeProxyRules({ node: { name: NODE, addresses: ['192.168.0.2'] }, config });
    expect(r.decide(packet('172.30.0.41', 80)).verdict).toBe('PASS');
    expect(r.udpFrontends()).toEqual([]);
  });

  it('5.2 replaces the previous state', () => {
    const r = rules('iptables', [svc('a', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] })], [eps('a', [{ ip: '10.180.0.1' }], [P80])]);
    expect(r.decide(packet('172.30.0.41', 80)).verdict).toBe('DNAT');
    r.setState([svc('b', { clusterIP: '172.30.0.42', ports: [{ name: 'p80', port: 80 }] })], [eps('b', [{ ip: '10.180.0.2' }], [P80])]);
    expect(r.decide(packet('172.30.0.41', 80)).verdict).toBe('PASS');
    expect(targets(r.decide(packet('172.30.0.42', 80)))).toEqual(['10.180.0.2:80']);
  });

  it('5.3 two services claiming one externalIP:port: the first by name wins, whatever the input order', () => {
    const a = svc('a', { clusterIP: '172.30.0.41', externalIPs: ['192.168.99.9'], ports: [{ name: 'p80', port: 80 }] });
    const b = svc('b', { clusterIP: '172.30.0.42', externalIPs: ['192.168.99.9'], ports: [{ name: 'p80', port: 80 }] });
    const slices = [eps('a', [{ ip: '10.180.0.1' }], [P80]), eps('b', [{ ip: '10.180.0.2' }], [P80])];
    for (const order of [[a, b], [b, a]]) {
      expect(rules('iptables', order, slices).decide(packet('192.168.99.9', 80)).servicePort).toBe('ns1/a:p80');
    }
  });

  it('5.4 legacy spec.clusterIP without clusterIPs is the IPv4 ClusterIP', () => {
    const r = rules('iptables', [svc('a', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] })], [eps('a', [{ ip: '10.180.0.1' }], [P80])]);
    expect(r.decide(packet('172.30.0.41', 80)).verdict).toBe('DNAT');
  });

  it('5.5 a ports entry with an unknown protocol is skipped', () => {
    const r = rules('iptables', [svc('a', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, protocol: 'ICMP' as Protocol }] })], []);
    expect(r.decide(packet('172.30.0.41', 80)).verdict).toBe('PASS');
  });
});

describe('udpFrontends (conntrack cleanup input)', () => {
  it('6.1 every UDP service address and node port with the serving endpoint IPs, both families', () => {
    const services = [
      svc('dns', { type: 'LoadBalancer', clusterIP: '172.30.0.10', clusterIPs: ['172.30.0.10', 'fd00:172:30::10'], externalIPs: ['192.168.99.10'], ports: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', nodePort: 30054 }] }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8', ipMode: 'Proxy' }] } }),
    ];
    const slices = [
      eps('dns', [{ ip: '10.180.0.2' }, { ip: '10.180.0.1', ready: false, serving: true, terminating: true }, { ip: '10.180.0.3', ready: false, serving: false }], [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]),
      eps('dns', [{ ip: 'fd00::1' }], [{ name: 'dns', port: 53, protocol: 'UDP' }], { addressType: 'IPv6' }),
    ];
    const v4 = ['10.180.0.1', '10.180.0.2'];
    expect(rules('iptables', services, slices).udpFrontends()).toEqual([
      { ip: '172.30.0.10', port: 53, nodePort: false, servingEndpointIPs: v4 },
      { ip: '192.168.99.10', port: 53, nodePort: false, servingEndpointIPs: v4 },
      { ip: '1.2.3.4', port: 53, nodePort: false, servingEndpointIPs: v4 },
      { port: 30053, nodePort: true, servingEndpointIPs: v4 },
      { ip: 'fd00:172:30::10', port: 53, nodePort: false, servingEndpointIPs: ['fd00::1'] },
      { port: 30053, nodePort: true, servingEndpointIPs: ['fd00::1'] },
    ]);
  });

  it('6.2 a UDP service without endpoints is listed with none', () => {
    const r = rules('nftables', [svc('u', { clusterIP: '172.30.0.11', ports: [{ name: 'u', port: 9000, protocol: 'UDP' }] })], []);
    expect(r.udpFrontends()).toEqual([{ ip: '172.30.0.11', port: 9000, nodePort: false, servingEndpointIPs: [] }]);
  });
});

describe('local detector per family', () => {
  it('7.1 clusterCIDR of one family leaves the other without a detector', () => {
    const s = svc('s', { clusterIP: '172.30.0.41', clusterIPs: ['172.30.0.41', 'fd00:172:30::41'], ports: [{ name: 'p80', port: 80 }] });
    const slices = [eps('s', [{ ip: '10.180.0.1' }], [P80]), eps('s', [{ ip: 'fd00::1' }], [P80], { addressType: 'IPv6' })];
    const r = rules('iptables', [s], slices);
    // IPv4: detector 10.0.0.0/8 → off-cluster masqueraded; IPv6: none → not.
    expect(r.decide(packet('172.30.0.41', 80, { srcIP: '203.0.113.2' })).masquerade).toBe(true);
    expect(r.decide(packet('fd00:172:30::41', 80, { srcIP: '2600::1' })).masquerade).toBe(false);
  });
});

describe('address helpers (rules-net.ts)', () => {
  const contains: [string, string, string, boolean][] = [
    ['1', '10.0.0.0/8', '10.255.1.2', true],
    ['2', '10.0.0.0/8', '11.0.0.1', false],
    ['3', '203.0.113.0/25', '203.0.113.127', true],
    ['4', '203.0.113.0/25', '203.0.113.128', false],
    ['5', '2001:db8::/64', '2001:db8::ffff', true],
    ['6', '2001:db8::/64', '2001:db8:0:1::1', false],
    ['7', '2001:db8:a000::/35', '2001:db8:bfff::1', true],
    ['8', '2001:db8:a000::/35', '2001:db8:c000::1', false],
    ['9', '::/0', 'fd00::1', true],
    ['10', '0.0.0.0/0', 'fd00::1', false],
    ['11', '::/0', '10.0.0.1', false],
  ];
  it.each(contains)('8.%s %s contains %s: %s', (_n, cidr, ip, expected) => {
    expect(cidrHas(parseCIDROrUndefined(cidr)!, parseAddress(ip)!)).toBe(expected);
  });

  const loopback: [string, string, boolean][] = [
    ['1', '127.0.0.1', true],
    ['2', '127.255.0.9', true],
    ['3', '128.0.0.1', false],
    ['4', '::1', true],
    ['5', '::2', false],
  ];
  it.each(loopback)('8.12.%s %s is loopback: %s', (_n, ip, expected) => {
    expect(isLoopback(parseAddress(ip)!)).toBe(expected);
  });

  it('8.13 canonical text and JoinHostPort', () => {
    expect(parseAddress('FD00:0:0::0A')!.text).toBe('fd00::a');
    expect(joinHostPort('fd00::a', 80)).toBe('[fd00::a]:80');
    expect(joinHostPort('10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(parseAddress('010.0.0.1')).toBeUndefined();
  });
});
