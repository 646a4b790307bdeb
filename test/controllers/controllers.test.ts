import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import type { ChangeEvent } from '../../sdk/cluster/cluster.js';
import { seedCluster } from '../../sdk/cluster/seed.js';
import { MAX_ENDPOINTS_PER_SLICE_CONTROLLER } from '../../sdk/controllers/endpointslices.js';
import { ValidationError } from '../../sdk/model/errors.js';
import { NAME_SUFFIX_ALPHABET } from '../../sdk/model/random.js';
import { podTemplateHash, safeEncodeString } from '../../sdk/model/workloads.js';
import type { Container, DeploymentInput, PodInput, ServiceInput } from '../../sdk/model/types.js';

const START = Date.parse('2024-05-01T12:00:00Z');
const SUFFIX = `[${NAME_SUFFIX_ALPHABET}]`;

function setup(options: { controllers?: boolean } = {}) {
  const clock = { now: START };
  const cluster = new Cluster({ now: () => new Date(clock.now), controllers: options.controllers ?? true });
  const events: ChangeEvent[] = [];
  cluster.on('*', (e) => events.push(e));
  const take = (): string[] => events.splice(0).map((e) => `${e.type} ${e.kind} ${e.object.metadata.name}`);
  return { cluster, clock, events, take };
}

const SLEEP: Container = { name: 'sleep', image: 'kiamol/ch03-sleep' };

function deployment(name: string, replicas = 1, containers: Container[] = [SLEEP], labels: Record<string, string> = { app: name }): DeploymentInput {
  return {
    metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers } } },
  };
}

function service(name: string, selector: Record<string, string> | undefined, ports: ServiceInput['spec']['ports'] = [{ port: 80 }], extra: Partial<ServiceInput['spec']> = {}): ServiceInput {
  return { metadata: { name, namespace: 'default' }, spec: { ...(selector ? { selector } : {}), ports, ...extra } };
}

function pod(name: string, ip: string, labels: Record<string, string>, extra: { ready?: boolean; containers?: Container[]; hostname?: string; subdomain?: string; nodeName?: string } = {}): PodInput {
  return {
    metadata: { name, namespace: 'default', labels },
    spec: {
      containers: extra.containers ?? [SLEEP],
      nodeName: extra.nodeName ?? 'docker-desktop',
      ...(extra.hostname ? { hostname: extra.hostname } : {}),
      ...(extra.subdomain ? { subdomain: extra.subdomain } : {}),
    },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
  };
}

const ips = (c: Cluster, svc: string): string[] =>
  c
    .listEndpointSlices('default', { serviceName: svc })
    .flatMap((s) => s.endpoints.map((e) => e.addresses[0]))
    .sort();

describe('workloads: Deployment → ReplicaSet → Pods', () => {
  it('01 a Deployment makes <deploy>-<hash> and <rs>-<5> pods, Running and Ready, IPs from the default node', () => {
    const { cluster } = setup();
    cluster.createDeployment(deployment('web', 2));
    const [rs] = cluster.listReplicaSets('default');
    const hash = rs.metadata.labels!['pod-template-hash'];
    expect(hash).toMatch(new RegExp(`^${SUFFIX}{1,10}$`));
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.ownerReferences).toMatchObject([{ kind: 'Deployment', name: 'web', controller: true }]);
    expect(rs.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    const pods = cluster.listPods('default');
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(new RegExp(`^web-${hash}-${SUFFIX}{5}$`));
      expect(p.metadata.ownerReferences).toMatchObject([{ kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid }]);
      expect(p.status).toMatchObject({ phase: 'Running', hostIP: '192.168.65.3' });
      expect(p.spec.nodeName).toBe('docker-desktop');
    }
    expect(pods.map((p) => p.status!.podIP).sort()).toEqual(['10.1.0.2', '10.1.0.3']);
    expect(cluster.getNode('docker-desktop')?.spec).toEqual({ podCIDR: '10.1.0.0/16', podCIDRs: ['10.1.0.0/16'] });
    expect(cluster.listDeployments('default')[0].status).toEqual({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(rs.status).toMatchObject({ replicas: 2, readyReplicas: 2 });
  });

  it.each([
    { desc: '02a same template, same hash', a: deployment('x').spec.template, b: deployment('x').spec.template, same: true },
    { desc: '02b another image, another hash', a: deployment('x').spec.template, b: deployment('x', 1, [{ name: 'sleep', image: 'other' }]).spec.template, same: false },
    { desc: '02c the hash label is ignored', a: deployment('x').spec.template, b: { ...deployment('x').spec.template, metadata: { labels: { app: 'x', 'pod-template-hash': 'zzz' } } }, same: true },
  ])('$desc', ({ a, b, same }) => {
    expect(podTemplateHash(a) === podTemplateHash(b)).toBe(same);
    expect(podTemplateHash(a, 1)).not.toBe(podTemplateHash(a));
  });

  it('02d safe encoding maps decimal digits into the suffix alphabet', () => {
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });

  it('03 deleting a pod: the ReplicaSet replaces it with a new name and a new IP; IPs are never reused while live', () => {
    const { cluster } = setup();
    cluster.createDeployment(deployment('web'));
    cluster.createService(service('web', { app: 'web' }));
    const seen = new Set<string>();
    const names = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const [p] = cluster.listPods('default');
      seen.add(p.status!.podIP!);
      names.add(p.metadata.name);
      expect(ips(cluster, 'web')).toEqual([p.status!.podIP]);
      cluster.deletePod('default', p.metadata.name);
    }
    expect(seen.size).toBe(5);
    expect(names.size).toBe(5);
    expect(cluster.listPods('default')).toHaveLength(1);
  });

  it.each([
    { desc: '04a scale up', from: 1, to: 3 },
    { desc: '04b scale down', from: 3, to: 1 },
    { desc: '04c scale to zero', from: 2, to: 0 },
  ])('$desc', ({ from, to }) => {
    const { cluster } = setup();
    cluster.createDeployment(deployment('web', from));
    cluster.createService(service('web', { app: 'web' }));
    cluster.scaleDeployment('default', 'web', to);
    expect(cluster.listPods('default')).toHaveLength(to);
    expect(ips(cluster, 'web')).toHaveLength(to);
    expect(cluster.listReplicaSets('default')[0].spec.replicas).toBe(to);
    expect(cluster.listDeployments('default')[0].status?.readyReplicas).toBe(to);
  });

  it('05 deleting a Deployment cascades to its ReplicaSet and pods in one batch; the Service keeps its ClusterIP', () => {
    const { cluster, take } = setup();
    cluster.createDeployment(deployment('web', 2));
    const svc = cluster.createService(service('web', { app: 'web' }));
    take();
    cluster.deleteDeployment('default', 'web');
    const got = take();
    expect(got.slice(0, 2)).toEqual(['DELETED Deployment web', expect.stringMatching(/^DELETED ReplicaSet web-/)]);
    expect(got.filter((e) => e.startsWith('DELETED Pod'))).toHaveLength(2);
    expect(got.slice(-2)).toEqual([expect.stringMatching(/^MODIFIED EndpointSlice web-/), 'MODIFIED Endpoints web']);
    expect(cluster.listReplicaSets()).toEqual([]);
    expect(cluster.listPods()).toEqual([]);
    expect(cluster.getService('default', 'web')!.spec.clusterIP).toBe(svc.spec.clusterIP);
    const slices = cluster.listEndpointSlices('default', { serviceName: 'web' });
    expect(slices.map((s) => [s.endpoints, s.ports])).toEqual([[[], []]]);
    expect(cluster.getEndpoints('default', 'web')!.subsets).toEqual([]);
  });

  it('06 a new template rolls out: a new ReplicaSet, the old one scaled to 0', () => {
    const { cluster } = setup();
    cluster.createDeployment(deployment('web', 2));
    cluster.updateDeployment(deployment('web', 2, [{ name: 'sleep', image: 'v2' }]));
    const rss = cluster.listReplicaSets('default');
    expect(rss).toHaveLength(2);
    expect(rss.map((r) => r.spec.replicas).sort()).toEqual([0, 2]);
    expect(cluster.listPods('default').map((p) => p.spec.containers[0].image)).toEqual(['v2', 'v2']);
  });

  it('07 namespace deletion takes Deployments, ReplicaSets, pods and Endpoints', () => {
    const { cluster } = setup();
    cluster.createNamespace({ metadata: { name: 'team' } });
    cluster.createDeployment({ ...deployment('web'), metadata: { name: 'web', namespace: 'team' } });
    cluster.createService({ ...service('web', { app: 'web' }), metadata: { name: 'web', namespace: 'team' } });
    cluster.deleteNamespace('team');
    expect([cluster.listDeployments('team'), cluster.listReplicaSets('team'), cluster.listPods('team'), cluster.listEndpoints('team')]).toEqual([[], [], [], []]);
  });

  it('08 without controllers a Deployment is only stored', () => {
    const { cluster } = setup({ controllers: false });
    cluster.createDeployment(deployment('web'));
    expect([cluster.listReplicaSets().length, cluster.listPods().length, cluster.listNodes().length]).toEqual([0, 0, 0]);
  });

  it.each([
    { desc: '09a selector does not match the template', d: { ...deployment('x'), spec: { ...deployment('x').spec, selector: { matchLabels: { app: 'y' } } } }, field: 'spec.template.metadata.labels' },
    { desc: '09b negative replicas', d: deployment('x', -1), field: 'spec.replicas' },
    { desc: '09c no containers', d: deployment('x', 1, []), field: 'spec.template.spec.containers' },
    { desc: '09d bad container name', d: deployment('x', 1, [{ name: 'Bad_Name' }]), field: 'spec.template.spec.containers[0].name' },
    { desc: '09e empty selector', d: { ...deployment('x'), spec: { ...deployment('x').spec, selector: {} } }, field: 'spec.selector' },
  ])('$desc is rejected with the field path, leaving no trace', ({ d, field }) => {
    const { cluster, take } = setup();
    const rv = cluster.resourceVersion;
    let error: unknown;
    try {
      cluster.createDeployment(d as DeploymentInput);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors.map((e) => e.field)).toContain(field);
    expect([cluster.resourceVersion, take(), cluster.listDeployments()]).toEqual([rv, [], []]);
  });

  it('10 the selector of a Deployment is immutable', () => {
    const { cluster } = setup();
    cluster.createDeployment(deployment('web'));
    const changed = deployment('web', 1, [SLEEP], { app: 'other' });
    expect(() => cluster.updateDeployment(changed)).toThrow(/spec\.selector: Invalid value: .*field is immutable/);
  });
});

describe('graceful pod deletion', () => {
  it('11 Terminating: deletionTimestamp set, endpoint ready=false serving terminating, a replacement at once; advance finishes it', () => {
    const { cluster, take } = setup();
    cluster.createDeployment(deployment('web'));
    cluster.createService(service('web', { app: 'web' }));
    const [old] = cluster.listPods('default');
    take();
    const marked = cluster.deletePod('default', old.metadata.name, { gracePeriodSeconds: 30 });
    expect(marked.metadata).toMatchObject({ deletionTimestamp: '2024-05-01T12:00:30Z', deletionGracePeriodSeconds: 30 });
    const eps = cluster.listEndpointSlices('default', { serviceName: 'web' })[0].endpoints;
    const byName = Object.fromEntries(eps.map((e) => [e.targetRef!.name, e.conditions]));
    expect(byName[old.metadata.name]).toEqual({ ready: false, serving: true, terminating: true });
    expect(eps.filter((e) => e.conditions?.ready)).toHaveLength(1);
    expect(cluster.listPods('default')).toHaveLength(2);
    // v1 Endpoints leaves terminating pods out.
    const subsets = cluster.getEndpoints('default', 'web')!.subsets;
    expect(subsets.flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]).map((a) => a.targetRef?.name)).not.toContain(old.metadata.name);
    take();
    expect(cluster.advance(29_000)).toEqual([]);
    expect(take()).toEqual([]);
    expect(cluster.advance(1_000).map((p) => p.metadata.name)).toEqual([old.metadata.name]);
    expect(take()).toEqual([`DELETED Pod ${old.metadata.name}`, expect.stringMatching(/^MODIFIED EndpointSlice web-/)]);
    expect(cluster.listPods('default')).toHaveLength(1);
    expect(ips(cluster, 'web')).toHaveLength(1);
  });

  it('12 publishNotReadyAddresses keeps a terminating endpoint ready', () => {
    const { cluster } = setup();
    cluster.createService(service('web', { app: 'web' }, [{ port: 80 }], { publishNotReadyAddresses: true }));
    cluster.createPod(pod('p', '10.1.0.9', { app: 'web' }));
    cluster.deletePod('default', 'p', { gracePeriodSeconds: 10 });
    expect(cluster.listEndpointSlices('default', { serviceName: 'web' })[0].endpoints[0].conditions).toEqual({ ready: true, serving: true, terminating: true });
  });

  it('13 deletePods by label selector (kubectl delete pods -l)', () => {
    const { cluster } = setup();
    cluster.createDeployment(deployment('a', 2));
    cluster.createDeployment(deployment('b', 1));
    const gone = cluster.deletePods('default', { labelSelector: 'app=a' });
    expect(gone.map((p) => p.metadata.labels!.app)).toEqual(['a', 'a']);
    expect(cluster.listPods('default', { labelSelector: 'app=a' }).map((p) => p.metadata.name)).not.toContain(gone[0].metadata.name);
    expect(cluster.listPods('default')).toHaveLength(3);
  });
});

describe('EndpointSlice controller', () => {
  it('14 slices are named <svc>-<5> with the controller labels, ports and targetRefs', () => {
    const { cluster } = setup();
    cluster.createNode({ metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } }, spec: { podCIDR: '10.2.0.0/24' } });
    const svc = cluster.createService(service('web', { app: 'web' }, [{ name: 'http', port: 80, targetPort: 8080 }]));
    const p = cluster.createPod(pod('p1', '10.2.0.5', { app: 'web' }, { nodeName: 'n1', hostname: 'h1', subdomain: 'web' }));
    const [slice] = cluster.listEndpointSlices('default', { serviceName: 'web' });
    expect(slice.metadata.name).toMatch(new RegExp(`^web-${SUFFIX}{5}$`));
    expect(slice.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(slice.metadata.ownerReferences).toMatchObject([{ kind: 'Service', name: 'web', uid: svc.metadata.uid }]);
    expect(slice.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080 }]);
    expect(slice.endpoints).toEqual([
      {
        addresses: ['10.2.0.5'],
        conditions: { ready: true, serving: true, terminating: false },
        hostname: 'h1',
        targetRef: { kind: 'Pod', namespace: 'default', name: 'p1', uid: p.metadata.uid },
        nodeName: 'n1',
        zone: 'z1',
      },
    ]);
  });

  it.each([
    { desc: '15a a subdomain naming another service gives no hostname', subdomain: 'other', hostname: undefined },
    { desc: '15b no subdomain gives no hostname', subdomain: undefined, hostname: undefined },
    { desc: '15c subdomain = service name gives the hostname', subdomain: 'web', hostname: 'h1' },
  ])('$desc', ({ subdomain, hostname }) => {
    const { cluster } = setup();
    cluster.createService(service('web', { app: 'web' }));
    cluster.createPod(pod('p1', '10.1.0.5', { app: 'web' }, { hostname: 'h1', subdomain }));
    expect(cluster.listEndpointSlices('default', { serviceName: 'web' })[0].endpoints[0].hostname).toBe(hostname);
  });

  it('16 a not-ready pod: ready=false serving=false; Endpoints lists it under notReadyAddresses', () => {
    const { cluster } = setup();
    cluster.createService(service('web', { app: 'web' }, [{ name: 'http', port: 80 }]));
    cluster.createPod(pod('a', '10.1.0.7', { app: 'web' }));
    cluster.createPod(pod('b', '10.1.0.6', { app: 'web' }, { ready: false }));
    const eps = cluster.listEndpointSlices('default', { serviceName: 'web' })[0].endpoints;
    expect(eps.find((e) => e.addresses[0] === '10.1.0.6')!.conditions).toEqual({ ready: false, serving: false, terminating: false });
    expect(cluster.getEndpoints('default', 'web')!.subsets).toEqual([
      {
        addresses: [{ ip: '10.1.0.7', nodeName: 'docker-desktop', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: cluster.getPod('default', 'a')!.metadata.uid } }],
        notReadyAddresses: [{ ip: '10.1.0.6', nodeName: 'docker-desktop', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: cluster.getPod('default', 'b')!.metadata.uid } }],
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      },
    ]);
  });

  it('17 named targetPorts resolve per pod; pods with different ports get different slices', () => {
    const { cluster } = setup();
    cluster.createService(service('web', { app: 'web' }, [{ name: 'web', port: 80, targetPort: 'http' }]));
    cluster.createPod(pod('a', '10.1.0.5', { app: 'web' }, { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] }));
    cluster.createPod(pod('b', '10.1.0.6', { app: 'web' }, { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 9090 }] }] }));
    cluster.createPod(pod('c', '10.1.0.7', { app: 'web' }, { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080, protocol: 'UDP' }] }] }));
    const view = cluster
      .listEndpointSlices('default', { serviceName: 'web' })
      .map((s) => `${(s.ports ?? []).map((p) => p.port).join(',') || '-'} ${s.endpoints.map((e) => e.addresses[0]).join(',')}`)
      .sort();
    expect(view).toEqual(['- 10.1.0.7', '8080 10.1.0.5', '9090 10.1.0.6']);
    const subsets = cluster.getEndpoints('default', 'web')!.subsets.map((s) => `${(s.ports ?? []).map((p) => p.port).join(',') || '-'} ${(s.addresses ?? []).map((a) => a.ip).join(',')}`);
    expect(subsets.sort()).toEqual(['- 10.1.0.7', '8080 10.1.0.5', '9090 10.1.0.6']);
  });

  it('18 more than 100 pods make 2 slices of at most 100; scaling down empties, then drops, the extra slice', () => {
    const { cluster } = setup();
    cluster.createService(service('web', { app: 'web' }));
    cluster.createDeployment(deployment('web', 105));
    const sizes = (): number[] => cluster.listEndpointSlices('default', { serviceName: 'web' }).map((s) => s.endpoints.length).sort((a, b) => b - a);
    expect(sizes()).toEqual([MAX_ENDPOINTS_PER_SLICE_CONTROLLER, 5]);
    expect(new Set(ips(cluster, 'web')).size).toBe(105);
    cluster.scaleDeployment('default', 'web', 3);
    expect(sizes().reduce((a, b) => a + b, 0)).toBe(3);
    expect(sizes().length).toBeLessThanOrEqual(2);
    cluster.scaleDeployment('default', 'web', 0);
    expect(sizes()).toEqual([0]);
  });

  it('19 selector changes move the endpoints; removing the selector deletes the controller slices but not hand-written ones, and leaves the Endpoints (then mirrored, as upstream)', () => {
    const { cluster, take } = setup();
    cluster.createPod(pod('a', '10.1.0.5', { app: 'a' }));
    cluster.createPod(pod('b', '10.1.0.6', { app: 'b' }));
    cluster.createService(service('web', { app: 'a' }));
    expect(ips(cluster, 'web')).toEqual(['10.1.0.5']);
    cluster.updateService(service('web', { app: 'b' }));
    expect(ips(cluster, 'web')).toEqual(['10.1.0.6']);
    cluster.createEndpointSlice({
      metadata: { name: 'web-manual', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['192.0.2.1'] }],
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
    });
    // The Endpoints reflects the pods only, not the hand-written slice.
    expect(cluster.getEndpoints('default', 'web')!.subsets.flatMap((s) => s.addresses!.map((a) => a.ip))).toEqual(['10.1.0.6']);
    take();
    cluster.updateService(service('web', undefined));
    // The endpoints controller lets go of the Endpoints as last written (upstream returns
    // early for a nil selector); the mirroring controller then mirrors it.
    expect(take()).toEqual(['MODIFIED Service web', expect.stringMatching(/^DELETED EndpointSlice web-/), expect.stringMatching(/^ADDED EndpointSlice web-/)]);
    const slices = cluster.listEndpointSlices('default', { serviceName: 'web' });
    expect(slices.map((s) => [s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] ?? 'hand-written', s.endpoints.map((e) => e.addresses[0])]).sort()).toEqual([
      ['endpointslicemirroring-controller.k8s.io', ['10.1.0.6']],
      ['hand-written', ['192.0.2.1']],
    ]);
    expect(cluster.getEndpoints('default', 'web')!.subsets.flatMap((s) => s.addresses!.map((a) => a.ip))).toEqual(['10.1.0.6']);
    // Label changes on a pod move it in and out.
    cluster.updateService(service('web', { app: 'b' }));
    cluster.updatePod({ ...cluster.getPod('default', 'a')!, metadata: { ...cluster.getPod('default', 'a')!.metadata, labels: { app: 'b' } } });
    expect(ips(cluster, 'web')).toEqual(['10.1.0.5', '10.1.0.6', '192.0.2.1']);
  });

  it('20 updates are incremental: a pod change touches only services that select it; no-op writes make no events', () => {
    const { cluster, take } = setup();
    cluster.createService(service('a', { app: 'a' }));
    cluster.createService(service('b', { app: 'b' }));
    cluster.createDeployment(deployment('a'));
    cluster.createDeployment(deployment('b'));
    take();
    const [pa] = cluster.listPods('default', { labelSelector: 'app=a' });
    cluster.deletePod('default', pa.metadata.name);
    const got = take();
    expect(got.some((e) => / (EndpointSlice|Endpoints) b/.test(e))).toBe(false);
    expect(got.filter((e) => / (EndpointSlice|Endpoints) a/.test(e))).toHaveLength(2);
    // No-ops: the same Deployment, Service and pod again; a label no selector uses.
    const rv = cluster.resourceVersion;
    cluster.applyDeployment(deployment('a'));
    cluster.applyService(service('a', { app: 'a' }));
    const [pb] = cluster.listPods('default', { labelSelector: 'app=b' });
    cluster.applyPod(pb);
    expect([cluster.resourceVersion, take()]).toEqual([rv, []]);
    cluster.updatePod({ ...pb, metadata: { ...pb.metadata, labels: { ...pb.metadata.labels, extra: 'x' } } });
    expect(take()).toEqual([`MODIFIED Pod ${pb.metadata.name}`]);
  });

  it('21 batch atomicity: a rejected change inside a batch leaves no trace (no pods, no slices, no IPs used)', () => {
    const { cluster, take } = setup();
    cluster.createService(service('web', { app: 'web' }));
    take();
    const rv = cluster.resourceVersion;
    expect(() =>
      cluster.batch(() => {
        cluster.createDeployment(deployment('web', 3));
        cluster.createService(service('Bad_Name', { app: 'web' }));
      }),
    ).toThrow(ValidationError);
    expect([cluster.resourceVersion, take(), cluster.listPods(), cluster.listReplicaSets(), cluster.listNodes()]).toEqual([rv, [], [], [], []]);
    expect(ips(cluster, 'web')).toEqual([]);
    cluster.createDeployment(deployment('web', 1));
    expect(cluster.listPods()[0].status!.podIP).toBe('10.1.0.2');
  });

  it('22 the batch commits as one: consumers get the caller\'s changes and the controllers\' in one call, in order', () => {
    const { cluster } = setup();
    const batches: string[][] = [];
    cluster.addConsumer({ applyChanges: (changes) => batches.push(changes.map((c) => `${c.type} ${c.kind}`)) });
    cluster.createService(service('web', { app: 'web' }));
    batches.length = 0;
    cluster.createDeployment(deployment('web'));
    expect(batches).toHaveLength(1);
    const at = (e: string): number => batches[0].indexOf(e);
    expect(at('ADDED Deployment')).toBe(0);
    expect([at('ADDED ReplicaSet'), at('ADDED Node'), at('ADDED Pod')].every((i, k, a) => i > 0 && (k === 0 || i > a[k - 1]))).toBe(true);
    expect(batches[0]).toContain('ADDED EndpointSlice');
    const rvs: number[] = [];
    cluster.on('*', (e) => rvs.push(Number(e.resourceVersion)));
    cluster.scaleDeployment('default', 'web', 2);
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
  });

  it('23 ExternalName and selector-less services get no controller slices and no Endpoints; default/kubernetes gets the API server\'s', () => {
    const { cluster } = setup();
    cluster.createPod(pod('a', '10.1.0.5', { app: 'a' }));
    cluster.createService(service('ext', { app: 'a' }, undefined, { type: 'ExternalName', externalName: 'example.com' }));
    cluster.createService(service('bare', undefined));
    cluster.createService(service('sel', { app: 'a' }));
    expect(cluster.listEndpointSlices('default', { serviceName: 'ext' })).toEqual([]);
    expect(cluster.listEndpointSlices('default', { serviceName: 'bare' })).toEqual([]);
    expect(cluster.listEndpoints('default').map((e) => [e.metadata.name, e.metadata.labels, e.subsets.length])).toEqual([
      ['kubernetes', { 'endpointslice.kubernetes.io/skip-mirror': 'true' }, 0],
      ['sel', undefined, 1],
    ]);
    cluster.deleteService('default', 'sel');
    expect(cluster.getEndpoints('default', 'sel')).toBeUndefined();
  });
});

describe('the seed session', () => {
  const NOW = new Date('2024-05-01T12:00:00Z');

  it('24 kubectl get endpoints sleep-2 → delete pods -l app=sleep-2 → the endpoint moves → delete deploy sleep-2 → <none>, ClusterIP kept', () => {
    const cluster = seedCluster({ now: () => NOW });
    const endpointsCell = (): string =>
      cluster
        .getEndpoints('default', 'sleep-2')!
        .subsets.flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${p.port}`)))
        .join(',') || '<none>';
    expect(endpointsCell()).toBe('10.1.0.43:80');
    expect(cluster.listDeployments().map((d) => `${d.metadata.namespace}/${d.metadata.name} ${d.status?.readyReplicas}/${d.spec.replicas}`)).toEqual([
      'default/hello-kubernetes 1/1',
      'default/numbers-api 1/1',
      'default/numbers-web 1/1',
      'default/sleep-1 1/1',
      'default/sleep-2 1/1',
      'kube-system/coredns 2/2',
    ]);
    expect(cluster.listReplicaSets('default').map((r) => r.metadata.name)).toContain('sleep-2-7f69798f94');

    const deleted = cluster.deletePods('default', { labelSelector: 'app=sleep-2' });
    expect(deleted.map((p) => p.metadata.name)).toEqual(['sleep-2-7f69798f94-q8ffc']);
    const [replacement] = cluster.listPods('default', { labelSelector: 'app=sleep-2' });
    expect(replacement.metadata.name).toMatch(new RegExp(`^sleep-2-7f69798f94-${SUFFIX}{5}$`));
    expect(replacement.metadata.name).not.toBe('sleep-2-7f69798f94-q8ffc');
    const newIP = replacement.status!.podIP!;
    expect(newIP).toMatch(/^10\.1\.\d+\.\d+$/);
    expect(new Set(cluster.listPods().map((p) => p.status!.podIP)).size).toBe(cluster.listPods().length);
    expect(newIP).not.toBe('10.1.0.43');
    expect(endpointsCell()).toBe(`${newIP}:80`);
    const [slice] = cluster.listEndpointSlices('default', { serviceName: 'sleep-2' });
    expect(slice.metadata.name).toBe('sleep-2-x7k2p');
    expect(slice.endpoints[0].targetRef?.name).toBe(replacement.metadata.name);

    cluster.deleteDeployment('default', 'sleep-2');
    expect(endpointsCell()).toBe('<none>');
    expect(cluster.listEndpointSlices('default', { serviceName: 'sleep-2' }).map((s) => s.endpoints)).toEqual([[]]);
    expect(cluster.getService('default', 'sleep-2')!.spec.clusterIP).toBe('10.98.208.225');
    expect(cluster.listPods('default', { labelSelector: 'app=sleep-2' })).toEqual([]);
    // The other services are untouched.
    expect(ips(cluster, 'numbers-api')).toEqual(['10.1.0.47']);
  });

  it('25 the seed Endpoints: kube-dns lists both coredns pods, kubernetes the API server', () => {
    const cluster = seedCluster({ now: () => NOW });
    const cell = (ns: string, name: string): string[] =>
      cluster.getEndpoints(ns, name)!.subsets.flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${p.port}/${p.protocol}`)));
    expect(cell('kube-system', 'kube-dns')).toEqual(['10.1.0.2:53/TCP', '10.1.0.2:53/UDP', '10.1.0.2:9153/TCP', '10.1.0.3:53/TCP', '10.1.0.3:53/UDP', '10.1.0.3:9153/TCP']);
    expect(cell('default', 'kubernetes')).toEqual(['192.168.65.3:6443/TCP']);
    expect(cluster.getEndpoints('default', 'sleep-2')!.metadata.creationTimestamp).toBe(cluster.getService('default', 'sleep-2')!.metadata.creationTimestamp);
  });
});
