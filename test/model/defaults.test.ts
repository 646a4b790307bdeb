import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CLIENT_IP_TIMEOUT_SECONDS,
  defaultEndpointSlice,
  defaultNamespace,
  defaultService,
  endpointConditions,
  normalizeClusterIPs,
  prepareServiceUpdate,
} from '../../sdk/model/defaults.js';
import type { Service, ServiceSpec } from '../../sdk/model/types.js';
import { makeNamespace, makeService, makeSlice } from './builders.js';

describe('defaultService', () => {
  it.each<{ desc: string; spec: Partial<ServiceSpec>; want: Partial<ServiceSpec> }>([
    { desc: '01 type is ClusterIP', spec: {}, want: { type: 'ClusterIP' } },
    { desc: '02 sessionAffinity is None', spec: {}, want: { sessionAffinity: 'None' } },
    { desc: '03 internalTrafficPolicy is Cluster', spec: {}, want: { internalTrafficPolicy: 'Cluster' } },
    { desc: '04 single-stack IPv4', spec: {}, want: { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' } },
    { desc: '05 ClusterIP has no externalTrafficPolicy', spec: {}, want: { externalTrafficPolicy: undefined } },
    { desc: '06 NodePort gets externalTrafficPolicy Cluster', spec: { type: 'NodePort' }, want: { externalTrafficPolicy: 'Cluster' } },
    { desc: '07 LoadBalancer gets eTP Cluster and node ports', spec: { type: 'LoadBalancer' }, want: { externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true } },
    { desc: '08 ClusterIP with external IPs gets eTP Cluster', spec: { externalIPs: ['192.0.2.1'] }, want: { externalTrafficPolicy: 'Cluster' } },
    { desc: '09 ClientIP gets the 3 h timeout', spec: { sessionAffinity: 'ClientIP' }, want: { sessionAffinityConfig: { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT_SECONDS } } } },
    { desc: '10 a given timeout is kept', spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, want: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } } },
    { desc: '11 None drops an affinity config', spec: { sessionAffinity: 'None', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, want: { sessionAffinityConfig: undefined } },
    { desc: '12 clusterIPs mirror clusterIP', spec: { clusterIP: '10.96.0.5' }, want: { clusterIPs: ['10.96.0.5'] } },
    { desc: '13 ExternalName gets no families or iTP', spec: { type: 'ExternalName', externalName: 'example.com' }, want: { ipFamilies: undefined, ipFamilyPolicy: undefined, internalTrafficPolicy: undefined } },
    // As the API server: both families, whatever the cluster serves (kubernetes/kubernetes#99555).
    { desc: '14 headless without selector is RequireDualStack with both families', spec: { clusterIP: 'None', selector: undefined }, want: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] } },
    { desc: '15 headless with selector is SingleStack', spec: { clusterIP: 'None' }, want: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] } },
    { desc: '16 the family follows a requested IPv6 address', spec: { clusterIP: 'fd00::10' }, want: { ipFamilies: ['IPv6'] } },
    { desc: '17 NodePort has no allocateLoadBalancerNodePorts', spec: { type: 'NodePort' }, want: { allocateLoadBalancerNodePorts: undefined } },
  ])('$desc', ({ spec, want }) => {
    const got = defaultService(makeService(spec)).spec;
    for (const [k, v] of Object.entries(want)) expect(got[k as keyof ServiceSpec]).toEqual(v);
  });

  it.each([
    { desc: '01 missing targetPort', port: { port: 80 }, want: 80 },
    { desc: '02 targetPort 0', port: { port: 80, targetPort: 0 }, want: 80 },
    { desc: '03 targetPort ""', port: { port: 80, targetPort: '' }, want: 80 },
    { desc: '04 a given number is kept', port: { port: 8080, targetPort: 80 }, want: 80 },
    { desc: '05 a given name is kept', port: { port: 80, targetPort: 'http' }, want: 'http' },
  ])('targetPort: $desc', ({ port, want }) => {
    const got = defaultService(makeService({ ports: [port] })).spec.ports![0];
    expect(got.targetPort).toBe(want);
    expect(got.protocol).toBe('TCP');
  });

  it('18 fills apiVersion and kind and leaves the input alone', () => {
    const input = { metadata: { name: 'x' }, spec: { ports: [{ port: 80 }] } };
    const before = structuredClone(input);
    const got = defaultService(input);
    expect(got.apiVersion).toBe('v1');
    expect(got.kind).toBe('Service');
    expect(input).toEqual(before);
  });

  it('19 LoadBalancer ingress IPs get ipMode VIP', () => {
    const svc = makeService({ type: 'LoadBalancer' }, {}, (s) => (s.status = { loadBalancer: { ingress: [{ ip: '192.0.2.7' }, { hostname: 'localhost' }] } }));
    expect(defaultService(svc).status!.loadBalancer!.ingress).toEqual([{ ip: '192.0.2.7', ipMode: 'VIP' }, { hostname: 'localhost' }]);
  });
});

describe('normalizeClusterIPs and prepareServiceUpdate', () => {
  const stored = (spec: Partial<ServiceSpec> = {}): Service => {
    const s = defaultService(makeService({ clusterIP: '10.96.0.50', ...spec }));
    return s;
  };

  it('01 an update without clusterIP keeps the allocated one', () => {
    const prev = stored();
    const next = prepareServiceUpdate(makeService(), prev);
    expect(next.spec.clusterIP).toBe('10.96.0.50');
    expect(next.spec.clusterIPs).toEqual(['10.96.0.50']);
  });

  it('02 changing clusterIP alone rewrites clusterIPs (for validation to reject)', () => {
    const prev = stored();
    const next = structuredClone(prev);
    next.spec.clusterIP = '10.96.0.51';
    normalizeClusterIPs(next, prev);
    expect(next.spec.clusterIPs).toEqual(['10.96.0.51']);
  });

  it('03 node ports are carried over by port name', () => {
    const prev = defaultService(makeService({ type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'https', port: 443, nodePort: 30443 }] }));
    const next = prepareServiceUpdate(makeService({ type: 'NodePort', ports: [{ name: 'https', port: 8443 }, { name: 'http', port: 80 }] }), prev);
    expect(next.spec.ports!.map((p) => p.nodePort)).toEqual([30443, 30080]);
  });

  it('04 NodePort to ClusterIP drops unchanged node ports', () => {
    const prev = defaultService(makeService({ type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ port: 80, nodePort: 30080 }] }));
    const next = structuredClone(prev);
    next.spec.type = 'ClusterIP';
    prepareServiceUpdate(next, prev);
    expect(next.spec.ports![0].nodePort).toBeUndefined();
    expect(next.spec.externalTrafficPolicy).toBeUndefined();
  });

  it('05 ClusterIP to ExternalName drops the cluster IP fields', () => {
    const prev = stored();
    const next = structuredClone(prev);
    next.spec.type = 'ExternalName';
    next.spec.externalName = 'example.com';
    prepareServiceUpdate(next, prev);
    expect(next.spec.clusterIP).toBeUndefined();
    expect(next.spec.clusterIPs).toBeUndefined();
    expect(next.spec.ipFamilies).toBeUndefined();
    expect(next.spec.ipFamilyPolicy).toBeUndefined();
  });

  it('06 LoadBalancer to ClusterIP clears the load balancer status', () => {
    const prev = defaultService(makeService({ type: 'LoadBalancer', clusterIP: '10.96.0.50' }, {}, (s) => (s.status = { loadBalancer: { ingress: [{ hostname: 'localhost' }] } })));
    const next = structuredClone(prev);
    next.spec.type = 'ClusterIP';
    prepareServiceUpdate(next, prev);
    expect(next.status?.loadBalancer).toBeUndefined();
    expect(next.spec.allocateLoadBalancerNodePorts).toBeUndefined();
  });
});

describe('EndpointSlice defaults and conditions', () => {
  it('01 ports default to name "" and TCP', () => {
    const eps = defaultEndpointSlice(makeSlice('web', 'abcde', [], { ports: [{ port: 80 }, { port: 53, protocol: 'UDP', name: 'dns' }] }));
    expect(eps.ports).toEqual([
      { port: 80, name: '', protocol: 'TCP' },
      { port: 53, protocol: 'UDP', name: 'dns' },
    ]);
  });

  it('02 conditions are kept as given', () => {
    const eps = defaultEndpointSlice(makeSlice('web', 'abcde', [{ addresses: ['10.1.0.9'] }]));
    expect(eps.endpoints[0].conditions).toBeUndefined();
  });

  it.each([
    { desc: '01 nil everything: ready and serving', conditions: undefined, want: { ready: true, serving: true, terminating: false } },
    { desc: '02 empty conditions: same', conditions: {}, want: { ready: true, serving: true, terminating: false } },
    { desc: '03 not ready, serving nil defers to ready', conditions: { ready: false }, want: { ready: false, serving: false, terminating: false } },
    { desc: '04 terminating but still serving', conditions: { ready: false, serving: true, terminating: true }, want: { ready: false, serving: true, terminating: true } },
    { desc: '05 ready, serving explicitly false', conditions: { ready: true, serving: false }, want: { ready: true, serving: false, terminating: false } },
  ])('endpointConditions $desc', ({ conditions, want }) => {
    expect(endpointConditions({ conditions })).toEqual(want);
  });
});

describe('Namespace defaults', () => {
  it('01 finalizer, phase and the metadata.name label', () => {
    const ns = defaultNamespace(makeNamespace('team', { labels: { team: 'a' } }));
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(ns.status).toEqual({ phase: 'Active' });
    expect(ns.metadata.labels).toEqual({ team: 'a', 'kubernetes.io/metadata.name': 'team' });
  });
});
