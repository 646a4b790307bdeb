// The EndpointSliceMirroring controller, the endpoints controller's ownership rule (it
// manages the Endpoints of Services with a selector only), and Docker Desktop's
// LoadBalancer ingress — all running inside the Cluster's commit.
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import type { ChangeEvent } from '../../sdk/cluster/cluster.js';
import { mirrorEndpoints } from '../../sdk/controllers/mirroring.js';
import { NAME_SUFFIX_ALPHABET } from '../../sdk/model/random.js';
import type { EndpointSlice, EndpointsInput, EndpointSubset, PodInput, ServiceInput } from '../../sdk/model/types.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const SUFFIX = `[${NAME_SUFFIX_ALPHABET}]{5}`;
const MIRROR = 'endpointslicemirroring-controller.k8s.io';

function setup(controllers = true) {
  const cluster = new Cluster({ now: () => NOW, controllers });
  const events: string[] = [];
  cluster.on('*', (e: ChangeEvent) => events.push(`${e.type} ${e.kind} ${e.object.metadata.name}`));
  const take = (): string[] => events.splice(0);
  return { cluster, take };
}

const service = (name: string, spec: Partial<ServiceInput['spec']> = {}): ServiceInput => ({
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ port: 80 }], ...spec },
});

const endpoints = (name: string, subsets: EndpointSubset[], meta: Partial<EndpointsInput['metadata']> = {}): EndpointsInput => ({
  metadata: { name, namespace: 'default', ...meta },
  subsets,
});

const pod = (name: string, ip: string, labels: Record<string, string>): PodInput => ({
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c' }], nodeName: 'docker-desktop' },
  status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
});

const mirrored = (c: Cluster, name: string): EndpointSlice[] =>
  c.listEndpointSlices('default', { serviceName: name }).filter((s) => s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === MIRROR);

/** `<addressType> <ports> <address>:<ready>…` of each mirrored slice, sorted. */
const view = (c: Cluster, name: string): string[] =>
  mirrored(c, name)
    .map((s) => `${s.addressType} ${(s.ports ?? []).map((p) => `${p.name || '-'}/${p.port}`).join(',') || '*'} ${s.endpoints.map((e) => `${e.addresses[0]}:${e.conditions?.ready}`).join(',')}`)
    .sort();

describe('EndpointSliceMirroring controller', () => {
  it('01 a selector-less Service and its Endpoints: one mirrored slice per port set and family, with the Endpoints\' labels, annotations and owner', () => {
    const { cluster } = setup();
    cluster.createService(service('legacy', { ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] }));
    const ep = cluster.createEndpoints(
      endpoints(
        'legacy',
        [
          {
            addresses: [{ ip: '10.2.0.1', hostname: 'legacy-0', nodeName: 'node-a' }, { ip: 'fd00::1' }],
            notReadyAddresses: [{ ip: '10.2.0.2' }],
            ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090, appProtocol: 'http' }],
          },
        ],
        {
          labels: { app: 'legacy' },
          annotations: { team: 'a', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'endpoints.kubernetes.io/last-change-trigger-time': '2024-05-01T12:00:00Z' },
        },
      ),
    );
    const slices = mirrored(cluster, 'legacy');
    expect(slices).toHaveLength(2);
    const v4 = slices.find((s) => s.addressType === 'IPv4')!;
    const v6 = slices.find((s) => s.addressType === 'IPv6')!;
    expect(v4.metadata.name).toMatch(new RegExp(`^legacy-${SUFFIX}$`));
    expect(v4.metadata.labels).toEqual({ app: 'legacy', 'kubernetes.io/service-name': 'legacy', 'endpointslice.kubernetes.io/managed-by': MIRROR });
    expect(v4.metadata.annotations).toEqual({ team: 'a' });
    expect(v4.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Endpoints', name: 'legacy', uid: ep.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(v4.endpoints).toEqual([
      { addresses: ['10.2.0.1'], conditions: { ready: true }, hostname: 'legacy-0', nodeName: 'node-a' },
      { addresses: ['10.2.0.2'], conditions: { ready: false } },
    ]);
    expect(v4.ports).toEqual([
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9090, protocol: 'TCP', appProtocol: 'http' },
    ]);
    expect(v6.endpoints).toEqual([{ addresses: ['fd00::1'], conditions: { ready: true } }]);
  });

  it('02 updates: new addresses update the slice in place; new ports reuse the slice; a second port set adds a slice', () => {
    const { cluster, take } = setup();
    cluster.createService(service('ext'));
    cluster.createEndpoints(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }], ports: [{ port: 80 }] }]));
    const [first] = mirrored(cluster, 'ext');
    take();
    cluster.applyEndpoints(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }, { ip: '192.168.123.235' }], ports: [{ port: 80 }] }]));
    expect(take()).toEqual(['MODIFIED Endpoints ext', `MODIFIED EndpointSlice ${first.metadata.name}`]);
    expect(view(cluster, 'ext')).toEqual(['IPv4 -/80 192.168.123.234:true,192.168.123.235:true']);
    cluster.applyEndpoints(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }], ports: [{ port: 8080 }] }]));
    expect(take()).toEqual(['MODIFIED Endpoints ext', `MODIFIED EndpointSlice ${first.metadata.name}`]);
    expect(view(cluster, 'ext')).toEqual(['IPv4 -/8080 192.168.123.234:true']);
    cluster.applyEndpoints(
      endpoints('ext', [
        { addresses: [{ ip: '192.168.123.234' }], ports: [{ port: 8080 }] },
        { addresses: [{ ip: '192.168.123.236' }], ports: [{ port: 9090 }] },
      ]),
    );
    expect(view(cluster, 'ext')).toEqual(['IPv4 -/8080 192.168.123.234:true', 'IPv4 -/9090 192.168.123.236:true']);
    expect(mirrored(cluster, 'ext').map((s) => s.metadata.name)).toContain(first.metadata.name);
    // The same content again changes nothing.
    take();
    cluster.applyService(service('ext'));
    expect(take()).toEqual([]);
  });

  it.each([
    { no: '03a', desc: 'the Endpoints is deleted', act: (c: Cluster) => c.deleteEndpoints('default', 'ext'), endpointsLeft: false },
    { no: '03b', desc: 'the Service is deleted (and the endpoints controller deletes the Endpoints, as upstream)', act: (c: Cluster) => c.deleteService('default', 'ext'), endpointsLeft: false },
    { no: '03c', desc: 'the Endpoints gets skip-mirror=true', act: (c: Cluster) => c.applyEndpoints(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }] }], { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } })), endpointsLeft: true },
    { no: '03d', desc: 'the Endpoints becomes a leader-election lock', act: (c: Cluster) => c.applyEndpoints(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }] }], { annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } })), endpointsLeft: true },
    { no: '03e', desc: 'the Service gains a selector (the endpoints controller takes the Endpoints over)', act: (c: Cluster) => c.applyService(service('ext', { selector: { app: 'x' } })), endpointsLeft: true },
    { no: '03f', desc: 'the namespace goes', act: (c: Cluster) => c.deleteNamespace('team'), endpointsLeft: false },
  ])('$no mirrored slices go when $desc', ({ no, act, endpointsLeft }) => {
    const { cluster } = setup();
    const ns = no === '03f' ? 'team' : 'default';
    if (ns === 'team') cluster.createNamespace({ metadata: { name: 'team' } });
    const inNs = <T extends { metadata: object }>(o: T): T => ({ ...o, metadata: { ...o.metadata, namespace: ns } });
    cluster.createService(inNs(service('ext')));
    cluster.createEndpoints(inNs(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }] }])));
    const mirroredIn = (): EndpointSlice[] => cluster.listEndpointSlices(ns, { serviceName: 'ext' }).filter((s) => s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === MIRROR);
    expect(mirroredIn()).toHaveLength(1);
    act(cluster);
    expect(mirroredIn()).toEqual([]);
    expect(cluster.getEndpoints(ns, 'ext') !== undefined).toBe(endpointsLeft);
  });

  it('04 skip-mirror removed, selector removed again: mirroring resumes', () => {
    const { cluster } = setup();
    cluster.createService(service('ext', { selector: { app: 'x' } }));
    cluster.applyService(service('ext'));
    expect(cluster.getEndpoints('default', 'ext')).toMatchObject({ subsets: [] });
    cluster.applyEndpoints(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }] }], { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }));
    expect(view(cluster, 'ext')).toEqual([]);
    cluster.applyEndpoints(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }] }]));
    expect(view(cluster, 'ext')).toEqual(['IPv4 * 192.168.123.234:true']);
  });

  it('05 an Endpoints written before its Service is mirrored when the Service comes', () => {
    const { cluster } = setup();
    cluster.createEndpoints(endpoints('later', [{ addresses: [{ ip: '10.3.0.1' }], ports: [{ port: 80 }] }]));
    expect(view(cluster, 'later')).toEqual([]);
    cluster.createService(service('later'));
    expect(view(cluster, 'later')).toEqual(['IPv4 -/80 10.3.0.1:true']);
    // ExternalName Services have no selector either: upstream mirrors theirs too.
    cluster.createEndpoints(endpoints('named', [{ addresses: [{ ip: '10.3.0.2' }] }]));
    cluster.createService(service('named', { type: 'ExternalName', externalName: 'example.com', ports: undefined }));
    expect(view(cluster, 'named')).toEqual(['IPv4 * 10.3.0.2:true']);
  });

  it('06 a hand edit of a mirrored slice is undone; a deleted one is made again', () => {
    const { cluster } = setup();
    cluster.createService(service('ext'));
    cluster.createEndpoints(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }], ports: [{ port: 80 }] }]));
    const [slice] = mirrored(cluster, 'ext');
    cluster.updateEndpointSlice({ ...slice, endpoints: [{ addresses: ['10.0.0.66'] }] });
    expect(view(cluster, 'ext')).toEqual(['IPv4 -/80 192.168.123.234:true']);
    cluster.deleteEndpointSlice('default', slice.metadata.name);
    expect(view(cluster, 'ext')).toEqual(['IPv4 -/80 192.168.123.234:true']);
    expect(mirrored(cluster, 'ext')[0].metadata.name).not.toBe(slice.metadata.name);
  });

  it.each([
    { no: '07a', desc: 'ready addresses first, then not-ready, up to 1000 per subset', ready: 990, notReady: 20, want: { ready: 990, notReady: 10, skipped: 10 } },
    { no: '07b', desc: 'exactly 1000', ready: 1000, notReady: 0, want: { ready: 1000, notReady: 0, skipped: 0 } },
    { no: '07c', desc: 'more ready than the limit', ready: 1003, notReady: 2, want: { ready: 1000, notReady: 0, skipped: 5 } },
  ])('$no mirrorEndpoints: $desc', ({ ready, notReady, want }) => {
    const ip = (i: number): string => `10.0.${i >> 8}.${i & 255}`;
    const ep = {
      apiVersion: 'v1' as const,
      kind: 'Endpoints' as const,
      metadata: { name: 'big', namespace: 'default' },
      subsets: [
        {
          addresses: Array.from({ length: ready }, (_, i) => ({ ip: ip(i) })),
          notReadyAddresses: Array.from({ length: notReady }, (_, i) => ({ ip: ip(ready + i) })),
          ports: [{ port: 80, protocol: 'TCP' as const }],
        },
      ],
    };
    const { slices, skipped } = mirrorEndpoints(ep);
    expect(slices).toHaveLength(1);
    const got = slices[0].endpoints;
    expect([got.filter((e) => e.conditions?.ready).length, got.filter((e) => !e.conditions?.ready).length, skipped]).toEqual([want.ready, want.notReady, want.skipped]);
    // Through the Cluster, the stored slice is the same.
    const { cluster } = setup();
    cluster.createService(service('big'));
    cluster.createEndpoints(ep);
    expect(mirrored(cluster, 'big').map((s) => s.endpoints.length)).toEqual([want.ready + want.notReady]);
  });

  it('08 without controllers nothing is mirrored', () => {
    const { cluster } = setup(false);
    cluster.createService(service('ext'));
    cluster.createEndpoints(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }] }]));
    expect(cluster.listEndpointSlices('default', { serviceName: 'ext' })).toEqual([]);
  });
});

describe('endpoints controller: Services with a selector only', () => {
  it('09 a selector-less Service gets no Endpoints; a user\'s survives Service updates untouched', () => {
    const { cluster, take } = setup();
    cluster.createService(service('ext'));
    expect(cluster.getEndpoints('default', 'ext')).toBeUndefined();
    const ep = cluster.createEndpoints(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }], ports: [{ port: 80 }] }], { annotations: { note: 'mine' } }));
    take();
    cluster.applyService(service('ext', { ports: [{ port: 8080 }] }));
    expect(take().filter((e) => e.includes('Endpoints '))).toEqual([]);
    expect(cluster.getEndpoints('default', 'ext')).toEqual(ep);
  });

  it('10 a user write to a managed Endpoints stands until the Service\'s next change, which overwrites it', () => {
    const { cluster } = setup();
    cluster.createService(service('web', { selector: { app: 'web' } }));
    cluster.createPod(pod('a', '10.1.0.5', { app: 'web' }));
    const managed = cluster.getEndpoints('default', 'web')!;
    cluster.updateEndpoints({ ...managed, subsets: [{ addresses: [{ ip: '10.9.9.9' }], ports: [{ port: 80 }] }] });
    expect(cluster.getEndpoints('default', 'web')!.subsets[0].addresses).toEqual([{ ip: '10.9.9.9' }]);
    expect(view(cluster, 'web')).toEqual([]);
    cluster.createPod(pod('b', '10.1.0.6', { app: 'web' }));
    expect(cluster.getEndpoints('default', 'web')!.subsets[0].addresses!.map((a) => a.ip)).toEqual(['10.1.0.5', '10.1.0.6']);
  });

  it('11 a deleted managed Endpoints is made again at once; the user\'s stays deleted', () => {
    const { cluster } = setup();
    cluster.createService(service('web', { selector: { app: 'web' } }));
    cluster.createPod(pod('a', '10.1.0.5', { app: 'web' }));
    cluster.deleteEndpoints('default', 'web');
    expect(cluster.getEndpoints('default', 'web')!.subsets[0].addresses!.map((a) => a.ip)).toEqual(['10.1.0.5']);
    cluster.createService(service('ext'));
    cluster.createEndpoints(endpoints('ext', [{ addresses: [{ ip: '192.168.123.234' }] }]));
    cluster.deleteEndpoints('default', 'ext');
    expect(cluster.getEndpoints('default', 'ext')).toBeUndefined();
  });

  it.each([
    { no: '12a', desc: 'ClusterIP with a selector: the Service\'s labels', spec: { selector: { app: 'web' } }, labels: { tier: 'front' }, want: { tier: 'front' } },
    { no: '12b', desc: 'headless with a selector: plus service.kubernetes.io/headless', spec: { selector: { app: 'web' }, clusterIP: 'None' }, labels: undefined, want: { 'service.kubernetes.io/headless': '' } },
    { no: '12c', desc: 'ExternalName with a selector: none (issue 105986)', spec: { selector: { app: 'web' }, type: 'ExternalName' as const, externalName: 'example.com' }, labels: undefined, want: null },
    { no: '12d', desc: 'no selector: none', spec: {}, labels: undefined, want: null },
  ])('$no Endpoints labels: $desc', ({ spec, labels, want }) => {
    const { cluster } = setup();
    cluster.createService({ ...service('web', spec), metadata: { name: 'web', namespace: 'default', ...(labels ? { labels } : {}) } });
    const ep = cluster.getEndpoints('default', 'web');
    expect(ep === undefined ? null : (ep.metadata.labels ?? {})).toEqual(want);
  });

  it('13 default/kubernetes is the API server\'s: labelled skip-mirror, so never mirrored', () => {
    const { cluster } = setup();
    cluster.createEndpointSlice({
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['192.168.65.3'], conditions: { ready: true } }],
      ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
    });
    const ep = cluster.getEndpoints('default', 'kubernetes')!;
    expect(ep.metadata.labels).toEqual({ 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    expect(ep.subsets).toEqual([{ addresses: [{ ip: '192.168.65.3' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    expect(cluster.listEndpointSlices('default', { serviceName: 'kubernetes' }).map((s) => s.metadata.name)).toEqual(['kubernetes']);
  });
});

describe('LoadBalancer ingress (Docker Desktop)', () => {
  const ingress = (c: Cluster, name: string) => c.getService('default', name)!.status?.loadBalancer?.ingress;

  it.each([
    { no: '14a', desc: 'a LoadBalancer gets localhost', steps: [{ type: 'LoadBalancer' as const }], want: [{ hostname: 'localhost' }] },
    { no: '14b', desc: 'a ClusterIP gets none', steps: [{ type: 'ClusterIP' as const }], want: undefined },
    { no: '14c', desc: 'ClusterIP turned LoadBalancer gets localhost', steps: [{ type: 'ClusterIP' as const }, { type: 'LoadBalancer' as const }], want: [{ hostname: 'localhost' }] },
    { no: '14d', desc: 'LoadBalancer turned NodePort loses it', steps: [{ type: 'LoadBalancer' as const }, { type: 'NodePort' as const }], want: undefined },
    { no: '14e', desc: 'a hand-written ingress is replaced by localhost', steps: [{ type: 'LoadBalancer' as const, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } }], want: [{ hostname: 'localhost' }] },
  ])('$no $desc', ({ steps, want }) => {
    const { cluster } = setup();
    for (const { type, status } of steps as { type: 'LoadBalancer' | 'ClusterIP' | 'NodePort'; status?: ServiceInput['status'] }[]) {
      cluster.applyService({ ...service('web', { type, selector: { app: 'web' } }), ...(status ? { status } : {}) });
    }
    expect(ingress(cluster, 'web')).toEqual(want);
  });

  it('15 the ingress is set in the Service\'s own batch; re-applying the manifest changes nothing; without controllers none', () => {
    const { cluster, take } = setup();
    cluster.createService(service('web', { type: 'LoadBalancer', selector: { app: 'web' } }));
    expect(take().filter((e) => e.includes(' Service '))).toEqual(['ADDED Service web', 'MODIFIED Service web']);
    const rv = cluster.resourceVersion;
    cluster.applyService(service('web', { type: 'LoadBalancer', selector: { app: 'web' } }));
    expect([cluster.resourceVersion, ingress(cluster, 'web')]).toEqual([rv, [{ hostname: 'localhost' }]]);
    const plain = setup(false).cluster;
    plain.createService(service('web', { type: 'LoadBalancer', selector: { app: 'web' } }));
    expect(ingress(plain, 'web')).toBeUndefined();
  });
});
