// A dual-stack Cluster end to end: service CIDRs of both families (constructor and
// ServiceCIDR objects), Services created, re-sent, upgraded and downgraded through the store,
// dual-stack pods from dual-stack nodes, one EndpointSlice per family, and cluster DNS
// answering A and AAAA for them.
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import type { ChangeEvent } from '../../sdk/cluster/cluster.js';
import { createClusterDns, type ClusterDns } from '../../sdk/dns/clusterdns.js';
import { decodeMessage, encodeQuery } from '../../sdk/dns/wire.js';
import { DNS_UDP } from '../../sdk/engine/dnsplane.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import type { IPFamily, Service, ServiceInput, ServiceSpec } from '../../sdk/model/types.js';
import { makeServiceCIDR, validationErrorOf } from '../model/builders.js';

setDefaultCoreSource(nodeCoreSource);

const NOW = new Date('2024-05-01T12:00:00Z');
const DUAL = ['10.96.0.0/12', 'fd00:10:96::/112'];
const familyOf = (ip: string): IPFamily => (ip.includes(':') ? 'IPv6' : 'IPv4');
const svc = (name: string, spec: Partial<ServiceSpec> = {}, namespace = 'default'): ServiceInput => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec },
});
const ipFields = (s: Service) => ({ policy: s.spec.ipFamilyPolicy, families: s.spec.ipFamilies, clusterIPs: s.spec.clusterIPs });

describe('Cluster: service CIDRs of both families', () => {
  it.each([
    { desc: '01 default: IPv4 single-stack, as before', cidrs: undefined, families: ['IPv4'], kubernetes: '10.96.0.1', dns: '10.96.0.10', serviceCIDR: ['10.96.0.0/12'] },
    { desc: '02 IPv4 primary, IPv6 secondary: built-ins stay IPv4 single-stack', cidrs: DUAL, families: ['IPv4', 'IPv6'], kubernetes: '10.96.0.1', dns: '10.96.0.10', serviceCIDR: DUAL },
    { desc: '03 IPv6 primary: built-ins on the IPv6 range', cidrs: ['fd00:10:96::/112', '10.96.0.0/12'], families: ['IPv6', 'IPv4'], kubernetes: 'fd00:10:96::1', dns: 'fd00:10:96::a', serviceCIDR: ['fd00:10:96::/112', '10.96.0.0/12'] },
  ])('$desc', ({ cidrs, families, kubernetes, dns, serviceCIDR }) => {
    const c = new Cluster({ now: () => NOW, ...(cidrs ? { serviceCIDRs: cidrs } : {}) });
    expect(c.serviceIPFamilies()).toEqual(families);
    expect(c.getServiceCIDR('kubernetes')?.spec.cidrs).toEqual(serviceCIDR);
    const api = c.getService('default', 'kubernetes')!;
    expect(ipFields(api)).toEqual({ policy: 'SingleStack', families: [familyOf(kubernetes)], clusterIPs: [kubernetes] });
    expect(c.getService('kube-system', 'kube-dns')?.spec.clusterIPs).toEqual([dns]);
  });

  it('04 a dual-stack Service: both addresses, in their ranges; re-sending the manifest changes nothing', () => {
    const c = new Cluster({ now: () => NOW, serviceCIDRs: DUAL });
    const created = c.createService(svc('web', { ipFamilyPolicy: 'PreferDualStack' }));
    expect(created.spec.ipFamilies).toEqual(['IPv4', 'IPv6']);
    expect(created.spec.clusterIPs![0]).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\./);
    expect(created.spec.clusterIPs![1]).toMatch(/^fd00:10:96::[0-9a-f]{1,4}$/);
    expect(c.ipamState().clusterIPs).toEqual(expect.arrayContaining(created.spec.clusterIPs!));
    const rv = c.resourceVersion;
    c.applyService(svc('web', { ipFamilyPolicy: 'PreferDualStack' }));
    c.applyService(svc('web'));
    expect(c.resourceVersion).toBe(rv);
  });

  it('05 upgrade and downgrade by re-applying with another policy', () => {
    const c = new Cluster({ now: () => NOW, serviceCIDRs: DUAL });
    const events: string[] = [];
    c.on('Service', (e: ChangeEvent) => events.push(`${e.type} ${e.object.metadata.name}`));
    const single = c.createService(svc('web'));
    const up = c.applyService(svc('web', { ipFamilyPolicy: 'PreferDualStack' }));
    expect(ipFields(up)).toEqual({ policy: 'PreferDualStack', families: ['IPv4', 'IPv6'], clusterIPs: [single.spec.clusterIP, up.spec.clusterIPs![1]] });
    expect(familyOf(up.spec.clusterIPs![1])).toBe('IPv6');
    const required = c.applyService(svc('web', { ipFamilyPolicy: 'RequireDualStack' }));
    expect(required.spec.clusterIPs).toEqual(up.spec.clusterIPs);
    const down = c.applyService(svc('web', { ipFamilyPolicy: 'SingleStack' }));
    expect(ipFields(down)).toEqual({ policy: 'SingleStack', families: ['IPv4'], clusterIPs: [single.spec.clusterIP] });
    expect(c.ipamState().clusterIPs).not.toContain(up.spec.clusterIPs![1]);
    expect(events).toEqual(['ADDED web', 'MODIFIED web', 'MODIFIED web', 'MODIFIED web']);
  });

  it.each([
    {
      desc: '06 RequireDualStack on an IPv4 cluster',
      input: svc('web', { ipFamilyPolicy: 'RequireDualStack' }),
      message: 'Service "web" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    },
    {
      desc: '07 an IPv6 clusterIP on an IPv4 cluster',
      input: svc('web', { clusterIP: 'fd00:10:96::a' }),
      message: 'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"fd00:10:96::a"}: IPv6 is not configured on this cluster',
    },
    {
      desc: '08 ipFamilies [IPv6] on an IPv4 cluster',
      input: svc('web', { ipFamilies: ['IPv6'] }),
      message: 'Service "web" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster',
    },
  ])('$desc is refused with the API server message, changing nothing', ({ input, message }) => {
    const c = new Cluster({ now: () => NOW });
    const before = c.ipamState();
    expect(validationErrorOf(() => c.createService(input)).message).toBe(message);
    expect(c.ipamState()).toEqual(before);
    expect(c.getService('default', 'web')).toBeUndefined();
  });

  it('09 a ServiceCIDR of the other family makes a default cluster dual-stack until it goes', () => {
    const c = new Cluster({ now: () => NOW });
    c.createServiceCIDR(makeServiceCIDR('v6', ['fd00:20::/112']));
    expect(c.serviceIPFamilies()).toEqual(['IPv4', 'IPv6']);
    const web = c.createService(svc('web', { ipFamilyPolicy: 'RequireDualStack' }));
    expect(web.spec.clusterIPs![1]).toMatch(/^fd00:20::/);
    // The finalizer keeps the ServiceCIDR while an address of it is in use.
    c.deleteServiceCIDR('v6');
    expect(c.getServiceCIDR('v6')?.metadata.deletionTimestamp).toBeDefined();
    expect(c.serviceIPFamilies()).toEqual(['IPv4']);
    c.deleteService('default', 'web');
    expect(c.getServiceCIDR('v6')).toBeUndefined();
    expect(validationErrorOf(() => c.createService(svc('web', { ipFamilyPolicy: 'RequireDualStack' }))).message).toContain('this cluster is not configured for dual-stack services');
  });

  it('10 a rejected batch leaves both families as they were', () => {
    const c = new Cluster({ now: () => NOW, serviceCIDRs: DUAL });
    const before = c.ipamState();
    expect(() =>
      c.batch(() => {
        c.createService(svc('a', { ipFamilyPolicy: 'RequireDualStack' }));
        c.createService(svc('b', { ipFamilies: ['IPv6'] }));
        c.createService(svc('bad', { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4', 'IPv6'] }));
      }),
    ).toThrow("must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified");
    expect(c.ipamState()).toEqual(before);
  });

  it('11 a headless dual-stack Service gets its families and no address', () => {
    const c = new Cluster({ now: () => NOW, serviceCIDRs: DUAL });
    const before = c.ipamState().clusterIPs;
    const headless = c.createService(svc('db', { clusterIP: 'None', ipFamilyPolicy: 'PreferDualStack' }));
    expect(ipFields(headless)).toEqual({ policy: 'PreferDualStack', families: ['IPv4', 'IPv6'], clusterIPs: ['None'] });
    const selectorless = c.createService(svc('ext', { clusterIP: 'None', selector: undefined }));
    expect(ipFields(selectorless)).toEqual({ policy: 'RequireDualStack', families: ['IPv4', 'IPv6'], clusterIPs: ['None'] });
    expect(c.ipamState().clusterIPs).toEqual(before);
  });
});

describe('Cluster with controllers: dual-stack pods and one EndpointSlice per family', () => {
  function setup(podCIDRs: string[]) {
    const c = new Cluster({ now: () => NOW, serviceCIDRs: DUAL, controllers: true });
    c.createNode({ metadata: { name: 'node-a' }, spec: { podCIDRs }, status: { addresses: [{ type: 'InternalIP', address: '192.168.0.2' }] } });
    c.createDeployment({
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] } } },
    });
    return c;
  }

  it('01 pods on a dual-stack node get an address of each pod CIDR, in the node order', () => {
    const c = setup(['10.244.1.0/24', 'fd00:244:1::/64']);
    const pods = c.listPods('default');
    const ips = pods.map((p) => p.status?.podIPs?.map((x) => x.ip) ?? []).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(ips).toEqual([
      ['10.244.1.2', 'fd00:244:1::2'],
      ['10.244.1.3', 'fd00:244:1::3'],
    ]);
    expect(pods.every((p) => p.status?.podIP === p.status?.podIPs?.[0].ip)).toBe(true);
    const v6first = setup(['fd00:244:1::/64', '10.244.1.0/24']).listPods('default');
    expect(v6first.map((p) => p.status?.podIPs?.map((x) => familyOf(x.ip)))).toEqual([
      ['IPv6', 'IPv4'],
      ['IPv6', 'IPv4'],
    ]);
  });

  it.each([
    { desc: '02 PreferDualStack: an IPv4 and an IPv6 slice', spec: { ipFamilyPolicy: 'PreferDualStack' as const }, families: ['IPv4', 'IPv6'] },
    { desc: '03 IPv4 single-stack: the IPv4 slice only', spec: {}, families: ['IPv4'] },
    { desc: '04 IPv6 single-stack: the IPv6 slice only', spec: { ipFamilies: ['IPv6' as const] }, families: ['IPv6'] },
    { desc: '05 headless, both families: both slices', spec: { clusterIP: 'None', ipFamilyPolicy: 'RequireDualStack' as const }, families: ['IPv4', 'IPv6'] },
  ])('$desc', ({ spec, families }) => {
    const c = setup(['10.244.1.0/24', 'fd00:244:1::/64']);
    c.createService(svc('web', spec));
    const slices = c.listEndpointSlices('default', { serviceName: 'web' });
    expect(slices.map((s) => s.addressType).sort()).toEqual([...families].sort());
    const pods = c.listPods('default');
    for (const s of slices) {
      const want = pods.map((p) => p.status!.podIPs!.find((x) => familyOf(x.ip) === s.addressType)!.ip).sort();
      expect(s.endpoints.flatMap((e) => e.addresses).sort()).toEqual(want);
      expect(s.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    }
    // v1 Endpoints carry the primary family only (the endpoints controller's one address per pod).
    const primary = c.getService('default', 'web')!.spec.ipFamilies![0];
    const addresses = c.getEndpoints('default', 'web')!.subsets!.flatMap((ss) => ss.addresses ?? []).map((a) => familyOf(a.ip));
    expect(addresses.length).toBe(pods.length);
    expect(new Set(addresses)).toEqual(new Set([primary]));
  });

  it('06 an upgrade adds the IPv6 slice, a downgrade removes it', () => {
    const c = setup(['10.244.1.0/24', 'fd00:244:1::/64']);
    c.createService(svc('web'));
    const types = () => c.listEndpointSlices('default', { serviceName: 'web' }).map((s) => s.addressType).sort();
    expect(types()).toEqual(['IPv4']);
    c.applyService(svc('web', { ipFamilyPolicy: 'PreferDualStack' }));
    expect(types()).toEqual(['IPv4', 'IPv6']);
    c.applyService(svc('web', { ipFamilyPolicy: 'SingleStack' }));
    expect(types()).toEqual(['IPv4']);
  });
});

describe('Cluster DNS for a dual-stack cluster (createClusterDns)', () => {
  function answers(dns: ClusterDns, name: string, type: 'A' | 'AAAA'): string[] {
    const out = new Uint8Array(65535);
    const n = dns.answer(encodeQuery(name, { id: 7, type }), DNS_UDP, out);
    expect(n).toBeGreaterThan(0);
    return decodeMessage(out.subarray(0, n))
      .answers.map((rr) => ('address' in rr ? `${rr.type} ${rr.address}` : rr.type))
      .sort();
  }

  it('01 A and AAAA for a dual-stack Service, AAAA only for an IPv6 one, and both for a headless dual-stack one', async () => {
    const c = new Cluster({ now: () => NOW, serviceCIDRs: DUAL });
    const web = c.createService(svc('web', { ipFamilyPolicy: 'RequireDualStack' }));
    const six = c.createService(svc('six', { ipFamilies: ['IPv6'] }));
    c.createService(svc('db', { clusterIP: 'None', ipFamilyPolicy: 'RequireDualStack' }));
    for (const [type, ip] of [['IPv4', '10.244.1.5'], ['IPv6', 'fd00:244:1::5']] as const) {
      c.createEndpointSlice({
        metadata: { name: `db-${type.toLowerCase()}`, namespace: 'default', labels: { 'kubernetes.io/service-name': 'db' } },
        addressType: type,
        endpoints: [{ addresses: [ip], conditions: { ready: true } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      });
    }
    const dns = await createClusterDns(c, { now: () => NOW.getTime() });
    const [v4, v6] = web.spec.clusterIPs!;
    expect(answers(dns, 'web.default.svc.cluster.local', 'A')).toEqual([`A ${v4}`]);
    expect(answers(dns, 'web.default.svc.cluster.local', 'AAAA')).toEqual([`AAAA ${v6}`]);
    expect(answers(dns, 'six.default.svc.cluster.local', 'A')).toEqual([]);
    expect(answers(dns, 'six.default.svc.cluster.local', 'AAAA')).toEqual([`AAAA ${six.spec.clusterIP}`]);
    expect(answers(dns, 'db.default.svc.cluster.local', 'A')).toEqual(['A 10.244.1.5']);
    expect(answers(dns, 'db.default.svc.cluster.local', 'AAAA')).toEqual(['AAAA fd00:244:1::5']);
    // An upgrade reaches the DNS: the AAAA record appears.
    const up = c.applyService(svc('plain', {}));
    expect(answers(dns, 'plain.default.svc.cluster.local', 'AAAA')).toEqual([]);
    c.applyService(svc('plain', { ipFamilyPolicy: 'PreferDualStack' }));
    expect(answers(dns, 'plain.default.svc.cluster.local', 'AAAA')).toEqual([`AAAA ${c.getService('default', 'plain')!.spec.clusterIPs![1]}`]);
    expect(answers(dns, 'plain.default.svc.cluster.local', 'A')).toEqual([`A ${up.spec.clusterIP}`]);
  });
});
