// The manifest loader: numbered fixtures in test/node/fixtures/, and a property that any
// text at all either loads or is rejected with a ManifestError that left the cluster as it was.
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import { ManifestError, applyManifests, loadManifests, parseManifests } from '../../sdk/node/manifests.js';
import { NAME_SUFFIX_ALPHABET } from '../../sdk/model/random.js';
import type { EndpointSlice } from '../../sdk/model/types.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const example = (name: string): string => fileURLToPath(new URL(`../../examples/kiamol-ch03/${name}`, import.meta.url));
const SUFFIX = `[${NAME_SUFFIX_ALPHABET}]{5}`;
const NOW = new Date('2024-05-01T12:00:00Z');

async function load(name: string, cluster = new Cluster()): Promise<{ cluster: Cluster; warnings: string[]; applied: Record<string, number> }> {
  const warnings: string[] = [];
  const { applied } = await loadManifests(cluster, [fixture(name)], { warn: (line) => warnings.push(line) });
  return { cluster, warnings, applied };
}

async function rejection(name: string): Promise<{ error: ManifestError; cluster: Cluster; before: string }> {
  const cluster = new Cluster();
  const before = cluster.resourceVersion;
  try {
    await loadManifests(cluster, [fixture(name)]);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return { error: error as ManifestError, cluster, before };
  }
  throw new Error(`${name} loaded, expected a ManifestError`);
}

describe('loadManifests', () => {
  it('01 multi-document YAML is applied in dependency order, empty documents skipped, namespace defaulted', async () => {
    const { cluster, applied } = await load('01-multi-document.yaml');
    expect(applied).toEqual({ Namespace: 1, Service: 2, EndpointSlice: 1 });
    expect(cluster.getService('team-a', 'web')?.spec.clusterIP).toBe('10.96.100.10');
    expect(cluster.getService('default', 'greeter')?.spec.clusterIP).toBe('None');
    const [slice] = cluster.listEndpointSlices('team-a', { serviceName: 'web' });
    expect(slice.metadata.name).toBe('web-abcde');
    expect(slice.endpoints.map((e) => [e.addresses[0], e.hostname, e.conditions?.ready])).toEqual([
      ['10.1.2.3', 'web-0', true],
      ['10.1.2.4', undefined, false],
    ]);
  });

  it('02 a JSON List is expanded into its items', async () => {
    const { cluster, applied } = await load('02-list.json');
    expect(applied).toEqual({ Service: 1, EndpointSlice: 1 });
    expect(cluster.getService('default', 'db')?.spec.ports?.[0]).toMatchObject({ name: 'pg', port: 5432, protocol: 'TCP' });
    expect(cluster.getEndpointSlice('default', 'db-x1x2x')?.endpoints[0].addresses).toEqual(['10.1.9.9']);
  });

  it('03 v1 Endpoints are mirrored to EndpointSlices as the mirroring controller does', async () => {
    const { cluster, warnings } = await load('03-endpoints-mirroring.yaml');
    const [api] = cluster.listEndpointSlices('default', { serviceName: 'numbers-api' });
    expect(api.metadata.name).toMatch(/^numbers-api-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(api.metadata.labels).toEqual({
      app: 'numbers',
      'kubernetes.io/service-name': 'numbers-api',
      'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io',
    });
    expect(api.addressType).toBe('IPv4');
    expect(api.endpoints).toEqual([{ addresses: ['192.168.123.234'], conditions: { ready: true } }]);
    expect(api.ports).toEqual([{ name: '', port: 80, protocol: 'TCP' }]);

    const legacy = cluster.listEndpointSlices('default', { serviceName: 'legacy' });
    const v4 = legacy.find((s) => s.addressType === 'IPv4')!;
    const v6 = legacy.find((s) => s.addressType === 'IPv6')!;
    expect(v4.endpoints).toEqual([
      { addresses: ['10.2.0.1'], conditions: { ready: true }, hostname: 'legacy-0', nodeName: 'node-a' },
      { addresses: ['10.2.0.2'], conditions: { ready: false } },
    ]);
    expect(v6.endpoints).toEqual([{ addresses: ['fd00::1'], conditions: { ready: true } }]);
    expect(v4.ports?.map((p) => `${p.name}:${p.port}`)).toEqual(['http:8080', 'metrics:9090']);

    expect(cluster.listEndpointSlices('default', { serviceName: 'orphan' })).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/03-endpoints-mirroring\.yaml: document 5 \(Endpoints default\/orphan\): not mirrored to EndpointSlices: no Service default\/orphan$/)]);

    // Reloading gives the same slice names: nothing new is created.
    const again = new Cluster();
    await loadManifests(again, [fixture('03-endpoints-mirroring.yaml')]);
    expect(again.listEndpointSlices().map((s) => s.metadata.name)).toEqual(cluster.listEndpointSlices().map((s) => s.metadata.name));
  });

  it('04 unknown kinds are reported with file, document and kind, and skipped', async () => {
    const { cluster, warnings, applied } = await load('04-unknown-kinds.yaml');
    expect(applied).toEqual({ Service: 1 });
    expect(cluster.getService('default', 'sleep-2')).toBeDefined();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/04-unknown-kinds\.yaml: document 1 \(StatefulSet sleep-1\): skipped: svcnet does not model kind StatefulSet \(apps\/v1\)$/);
    expect(warnings[1]).toMatch(/document 2 \(ConfigMap settings\): skipped: svcnet does not model kind ConfigMap \(v1\)$/);
  });

  it('05 an invalid object names file, document, object and field, and nothing is applied', async () => {
    const { error, cluster, before } = await rejection('05-invalid-port.yaml');
    expect(error.message).toBe(
      `${fixture('05-invalid-port.yaml')}: document 2 (Service default/web): spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`,
    );
    expect(error.problems).toHaveLength(1);
    expect(cluster.getNamespace('shop')).toBeUndefined();
    expect(cluster.getService('shop', 'api')).toBeUndefined();
    expect(cluster.resourceVersion).toBe(before);
  });

  it('06 a YAML syntax error names the document, line and column', async () => {
    const { error, cluster } = await rejection('06-syntax-error.yaml');
    expect(error.message).toMatch(/06-syntax-error\.yaml: document 2: YAML syntax error at line 16, column 1: /);
    expect(cluster.getService('default', 'fine')).toBeUndefined();
  });

  it('07 wrong field types are reported per field, as the API decoder would', async () => {
    const { error } = await rejection('07-type-errors.yaml');
    expect(error.problems.map((p) => `${p.document} ${p.object ?? '-'} ${p.message}`)).toEqual([
      '1 Service default/typed spec.ports: Invalid value: "80": expected an array, got string',
      '1 Service default/typed metadata.labels.version: Invalid value: 1: expected a string, got number',
      '2 Service default/half spec.ports[0].port: Invalid value: "80": expected an integer, got string',
      '3 - apiVersion: Required value',
    ]);
  });

  it('08 a folder is read recursively, .yaml/.yml/.json only', async () => {
    const { cluster, applied } = await load('08-folder');
    expect(applied).toEqual({ Namespace: 1, Service: 1 });
    expect(cluster.getService('folder-ns', 'nested')?.spec.ports?.[0].port).toBe(443);
  });

  it('09 an object in a missing namespace is rejected like the API server does', async () => {
    const { error } = await rejection('09-missing-namespace.yaml');
    expect(error.message).toMatch(/09-missing-namespace\.yaml: document 1 \(Service nowhere\/lost\): namespaces "nowhere" not found$/);
  });

  it('10 `kubectl get -o yaml` output loads: server-set metadata is dropped, built-ins are updated', async () => {
    const { cluster, applied } = await load('10-kubectl-dump.yaml');
    expect(applied).toEqual({ Service: 2, EndpointSlice: 1 });
    const api = cluster.getService('default', 'numbers-api')!;
    expect(api.spec.clusterIP).toBe('10.103.155.91');
    expect(api.metadata.uid).not.toBe('3f2d3f5e-0d8e-4c55-9c0b-1d1a2b3c4d5e');
    expect(api.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    expect(cluster.getEndpointSlice('default', 'numbers-api-5v8mq')?.endpoints[0].targetRef?.name).toBe('numbers-api-7c6b8fcd9d-hx2wp');
  });

  it('11 pods keep the status they were recorded with', async () => {
    const { cluster, applied } = await load('11-pods.yaml');
    expect(applied).toEqual({ Pod: 1 });
    const pod = cluster.getPod('default', 'sleep-1-6c9b5f7d58-jw4xz')!;
    expect(pod.status?.podIP).toBe('10.1.0.42');
    expect(pod.status?.phase).toBe('Running');
  });

  it('12 several paths load as one batch; a missing path is reported', async () => {
    const cluster = new Cluster();
    await loadManifests(cluster, [fixture('02-list.json'), fixture('12-headless-many.yaml')]);
    expect(cluster.listEndpointSlices('default', { serviceName: 'many' })[0].endpoints).toHaveLength(60);
    await expect(loadManifests(new Cluster(), [fixture('nope.yaml')])).rejects.toThrow(/nope\.yaml: no such file or directory/);
  });

  it('13 a document that is not a mapping is rejected', async () => {
    const { error } = await rejection('13-not-an-object.yaml');
    expect(error.problems.map((p) => p.message)).toEqual([
      'expected a Kubernetes object (a mapping with apiVersion and kind), got array',
      'expected a Kubernetes object (a mapping with apiVersion and kind), got string',
    ]);
  });
});

describe('loadManifests: every workload kind, following the cluster\'s mode', () => {
  const podView = (c: Cluster): string[] => c.listPods().map((p) => `${p.metadata.name} ${p.spec.nodeName} ${p.status?.podIP}`);

  it.each([
    {
      no: '15a',
      desc: 'controllers on: the Deployment makes its ReplicaSet and pods; the dump\'s ReplicaSet and its pod are skipped, not duplicated',
      controllers: true,
      applied: { Node: 1, Service: 1, Deployment: 1, Pod: 1 },
      skipped: [
        /document 3 \(ReplicaSet default\/web-5d8f7b6c9\): skipped: Deployment default\/web in these manifests makes its own ReplicaSets \(the cluster runs controllers\)$/,
        /document 4 \(Pod default\/web-5d8f7b6c9-q2x7k\): skipped: ReplicaSet default\/web-5d8f7b6c9 in these manifests makes its own pods \(the cluster runs controllers\)$/,
      ],
    },
    {
      no: '15b',
      desc: 'controllers off: everything stored as given, no pods made',
      controllers: false,
      applied: { Node: 1, Service: 1, Deployment: 1, ReplicaSet: 1, Pod: 2 },
      skipped: [],
    },
  ])('$no $desc', async ({ controllers, applied, skipped }) => {
    const cluster = new Cluster({ now: () => NOW, controllers });
    const got = await load('14-workloads-dump.yaml', cluster);
    expect(got.applied).toEqual(applied);
    expect(got.warnings).toHaveLength(skipped.length);
    skipped.forEach((re, i) => expect(got.warnings[i]).toMatch(re));
    expect(cluster.getNode('node-a')?.spec?.podCIDR).toBe('10.244.1.0/24');
    expect(cluster.listDeployments().map((d) => d.metadata.name)).toEqual(['web']);
    if (controllers) {
      const [rs] = cluster.listReplicaSets();
      expect(cluster.listReplicaSets()).toHaveLength(1);
      expect(rs.metadata.name).not.toBe('web-5d8f7b6c9');
      expect(rs.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web', uid: cluster.getDeployment('default', 'web')!.metadata.uid });
      const pods = podView(cluster);
      expect(pods).toHaveLength(3);
      expect(pods).toContain('debug node-a 10.244.1.9');
      const made = cluster.listPods('default', { labelSelector: 'app=web' });
      expect(made).toHaveLength(2);
      for (const p of made) {
        expect(p.metadata.name).toMatch(new RegExp(`^${rs.metadata.name}-${SUFFIX}$`));
        expect(p.status?.podIP).toMatch(/^10\.244\.1\.\d+$/);
        expect(p.status?.podIP).not.toBe('10.244.1.9');
      }
      const [slice] = cluster.listEndpointSlices('default', { serviceName: 'web' });
      expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
      expect(slice.endpoints.map((e) => [e.addresses[0], e.zone]).sort()).toEqual(made.map((p) => [p.status!.podIP, 'zone-a']).sort());
      expect(cluster.getDeployment('default', 'web')?.status?.readyReplicas).toBe(2);
    } else {
      expect(cluster.listReplicaSets().map((r) => r.metadata.name)).toEqual(['web-5d8f7b6c9']);
      expect(podView(cluster)).toEqual(['debug node-a 10.244.1.9', 'web-5d8f7b6c9-q2x7k node-a 10.244.1.5']);
      expect(cluster.listEndpointSlices('default', { serviceName: 'web' })).toEqual([]);
      expect(cluster.listEndpoints()).toEqual([]);
    }
  });

  it('16 controllers on: the mirroring controller mirrors hand-written Endpoints; the loader only reports what it will not mirror', async () => {
    const cluster = new Cluster({ now: () => NOW, controllers: true });
    const { warnings, applied } = await load('03-endpoints-mirroring.yaml', cluster);
    expect(applied).toEqual({ Service: 2, Endpoints: 3 });
    expect(warnings).toEqual([expect.stringMatching(/document 5 \(Endpoints default\/orphan\): not mirrored to EndpointSlices: no Service default\/orphan$/)]);
    const [api] = cluster.listEndpointSlices('default', { serviceName: 'numbers-api' });
    expect(api.metadata.name).toMatch(new RegExp(`^numbers-api-${SUFFIX}$`));
    expect(api.metadata.labels?.['endpointslice.kubernetes.io/managed-by']).toBe('endpointslicemirroring-controller.k8s.io');
    expect(api.endpoints).toEqual([{ addresses: ['192.168.123.234'], conditions: { ready: true } }]);
    expect(cluster.listEndpointSlices('default', { serviceName: 'legacy' }).map((s) => s.addressType).sort()).toEqual(['IPv4', 'IPv6']);
    // The orphan is stored, and mirrored once its Service exists.
    expect(cluster.getEndpoints('default', 'orphan')?.subsets).toEqual([{ addresses: [{ ip: '10.3.0.1' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
    cluster.createService({ metadata: { name: 'orphan', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    expect(cluster.listEndpointSlices('default', { serviceName: 'orphan' }).map((s) => s.endpoints[0].addresses[0])).toEqual(['10.3.0.1']);
  });

  it.each([
    { no: '17a', controllers: true, ip: undefined, line: /not mirrored: the Service has a selector, so the endpoints controller owns this Endpoints and rewrites it$/ },
    { no: '17b', controllers: false, ip: '10.1.0.43', line: undefined },
  ])('$no an Endpoints of a Service with a selector (controllers $controllers)', async ({ controllers, ip, line }) => {
    const cluster = new Cluster({ now: () => NOW, controllers });
    const { warnings } = await load('16-endpoints-of-a-selector-service.yaml', cluster);
    expect(warnings).toHaveLength(line ? 1 : 0);
    if (line) expect(warnings[0]).toMatch(line);
    // On: rewritten from the (no) pods. Off: stored and mirrored as recorded.
    expect(cluster.getEndpoints('default', 'sleep-2')?.subsets.flatMap((s) => s.addresses ?? []).map((a) => a.ip)[0]).toBe(ip);
    expect(cluster.listEndpointSlices('default', { serviceName: 'sleep-2' }).flatMap((s) => s.endpoints.map((e) => e.addresses[0]))).toEqual(ip ? [ip] : []);
  });

  it('18 invalid Endpoints are reported with file, document and field, as the API server words them', async () => {
    const { error, cluster, before } = await rejection('15-invalid-endpoints.yaml');
    expect(error.problems.map((p) => `${p.document} ${p.object} ${p.message}`)).toEqual([
      '2 Endpoints default/legacy subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      '2 Endpoints default/legacy subsets[0].ports[0].name: Required value',
      '2 Endpoints default/legacy subsets[0].ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]);
    expect([cluster.resourceVersion, cluster.getService('default', 'legacy')]).toEqual([before, undefined]);
  });
});

describe('loadManifests: controller failures', () => {
  it('22 objects the controllers cannot reconcile reject the load as a ManifestError, leaving the cluster as it was', () => {
    const text = [
      'apiVersion: v1\nkind: Node\nmetadata: {name: tiny}\nspec: {podCIDR: "10.9.0.0/31"}',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web}]}',
    ].join('\n---\n');
    const cluster = new Cluster({ now: () => NOW, controllers: true });
    const rv = cluster.resourceVersion;
    let error: unknown;
    try {
      applyManifests(cluster, parseManifests(text, 'tiny.yaml'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).message).toBe(
      "tiny.yaml: the cluster's controllers could not reconcile these objects: svcnet: node tiny: pod CIDR 10.9.0.0/31 is too small",
    );
    expect([cluster.resourceVersion, cluster.listNodes(), cluster.listDeployments()]).toEqual([rv, [], []]);
  });
});

describe('examples/kiamol-ch03 through a cluster with controllers, in the chapter\'s order', () => {
  it('19 every file applies; Services, Endpoints and slices are the book\'s', async () => {
    const cluster = new Cluster({ now: () => NOW, controllers: true });
    const warnings: string[] = [];
    const apply = (file: string) => loadManifests(cluster, [example(file)], { warn: (line) => warnings.push(line) });
    const svc = (name: string) => cluster.getService('default', name)!;
    const endpointsCell = (name: string): string =>
      cluster
        .getEndpoints('default', name)
        ?.subsets.flatMap((s) => (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${p.port}`)))
        .join(',') || '<none>';
    const podIP = (app: string): string => cluster.listPods('default', { labelSelector: `app=${app}` })[0].status!.podIP!;
    const sliceOf = (name: string): EndpointSlice[] => cluster.listEndpointSlices('default', { serviceName: name });

    // 3.2 Routing traffic between Pods.
    for (const file of ['sleep/sleep1.yaml', 'sleep/sleep2.yaml', 'sleep/sleep2-service.yaml', 'numbers/api.yaml', 'numbers/web.yaml', 'numbers/api-service.yaml']) {
      expect((await apply(file)).applied).toEqual(file.includes('service') ? { Service: 1 } : { Deployment: 1 });
    }
    expect(svc('sleep-2').spec).toMatchObject({ type: 'ClusterIP', ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] });
    expect(endpointsCell('sleep-2')).toBe(`${podIP('sleep-2')}:80`);
    expect(endpointsCell('numbers-api')).toBe(`${podIP('numbers-api')}:80`);
    expect(podIP('sleep-1')).toMatch(/^10\.1\.0\.\d+$/);

    // 3.3 Routing external traffic to Pods.
    await apply('numbers/web-service.yaml');
    expect(svc('numbers-web').spec).toMatchObject({ type: 'LoadBalancer', ports: [{ port: 8080, targetPort: 80 }] });
    expect(svc('numbers-web').spec.ports![0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(svc('numbers-web').status?.loadBalancer?.ingress).toEqual([{ hostname: 'localhost' }]);
    expect(endpointsCell('numbers-web')).toBe(`${podIP('numbers-web')}:80`);
    await apply('numbers-services/web-service-nodePort.yaml');
    expect(svc('numbers-web-node').spec).toMatchObject({ type: 'NodePort', ports: [{ port: 8080, targetPort: 80, nodePort: 30080 }] });
    expect(svc('numbers-web-node').status?.loadBalancer?.ingress).toBeUndefined();

    // 3.4 Routing traffic outside Kubernetes: delete the Service, apply the variant.
    cluster.deleteService('default', 'numbers-api');
    await apply('numbers-services/api-service-externalName.yaml');
    expect(svc('numbers-api').spec).toMatchObject({ type: 'ExternalName', externalName: 'raw.githubusercontent.com' });
    expect(svc('numbers-api').spec.clusterIP).toBeUndefined();
    expect([cluster.getEndpoints('default', 'numbers-api'), sliceOf('numbers-api')]).toEqual([undefined, []]);
    cluster.deleteService('default', 'numbers-api');
    expect((await apply('numbers-services/api-service-headless.yaml')).applied).toEqual({ Service: 1, Endpoints: 1 });
    expect(svc('numbers-api').spec.clusterIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(svc('numbers-api').spec.selector).toBeUndefined();
    expect(endpointsCell('numbers-api')).toBe('192.168.123.234:80');
    const [mirroredSlice] = sliceOf('numbers-api');
    expect(sliceOf('numbers-api')).toHaveLength(1);
    expect(mirroredSlice.metadata.name).toMatch(new RegExp(`^numbers-api-${SUFFIX}$`));
    expect(mirroredSlice.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'numbers-api', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' });
    expect([mirroredSlice.addressType, mirroredSlice.ports, mirroredSlice.endpoints]).toEqual(['IPv4', [{ name: '', port: 80, protocol: 'TCP' }], [{ addresses: ['192.168.123.234'], conditions: { ready: true } }]]);

    // 3.5: the endpoint follows the pod; without pods the Service keeps its ClusterIP.
    const oldIP = podIP('sleep-2');
    cluster.deletePods('default', { labelSelector: 'app=sleep-2' });
    expect(podIP('sleep-2')).not.toBe(oldIP);
    expect(endpointsCell('sleep-2')).toBe(`${podIP('sleep-2')}:80`);
    cluster.deleteDeployment('default', 'sleep-2');
    expect(endpointsCell('sleep-2')).toBe('<none>');

    // 3.6 Lab: the solution's Services replace numbers-api (gaining a selector) and numbers-web.
    await apply('lab/deployments.yaml');
    await apply('lab/solution/services.yaml');
    expect(endpointsCell('numbers-api')).toBe(`${cluster.listPods('default', { labelSelector: 'app=lab-numbers-api,version=v1' })[0].status!.podIP}:80`);
    expect(sliceOf('numbers-api').map((s) => s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'])).toEqual(['endpointslice-controller.k8s.io']);
    expect(endpointsCell('numbers-web')).toBe(`${cluster.listPods('default', { labelSelector: 'app=lab-numbers-web,version=v2' })[0].status!.podIP}:80`);
    expect(svc('numbers-web').spec.ports).toMatchObject([{ port: 8088, targetPort: 80 }]);
    expect(svc('numbers-web').status?.loadBalancer?.ingress).toEqual([{ hostname: 'localhost' }]);

    // The seed's hello-kubernetes NodePort.
    await apply('hello-kubernetes.yaml');
    expect(svc('hello-kubernetes').spec).toMatchObject({ type: 'NodePort', ports: [{ port: 80, targetPort: 8080, nodePort: 31655 }] });
    expect(endpointsCell('hello-kubernetes')).toBe(`${podIP('hello-kubernetes')}:8080`);

    expect(warnings).toEqual([]);
    expect(new Set(cluster.listPods().map((p) => p.status!.podIP)).size).toBe(cluster.listPods().length);
  });

  it('20 the whole folder applies in one batch: the chapter\'s end state, with the variants and the lab over the originals', async () => {
    const cluster = new Cluster({ now: () => NOW, controllers: true });
    const { applied } = await loadManifests(cluster, [example('')]);
    // Files are read in path order, so numbers-services/* and lab/solution/* come after numbers/*
    // and re-apply numbers-api and numbers-web, as `kubectl apply -f` of the folder would.
    expect(applied).toEqual({ Deployment: 8, Service: 9, Endpoints: 1 });
    expect(cluster.listServices('default').map((s) => `${s.metadata.name} ${s.spec.type}`)).toEqual([
      'hello-kubernetes NodePort',
      'kubernetes ClusterIP',
      'numbers-api ClusterIP',
      'numbers-web LoadBalancer',
      'numbers-web-node NodePort',
      'sleep-2 ClusterIP',
    ]);
    expect(cluster.listPods()).toHaveLength(8);
  });
});

// ---------------------------------------------------------------------------- property

const KINDS = ['Namespace', 'Service', 'EndpointSlice', 'Endpoints', 'ServiceCIDR', 'Pod', 'List', 'Deployment', 'ReplicaSet', 'Node', 42, null];
const VERSIONS = ['v1', 'discovery.k8s.io/v1', 'networking.k8s.io/v1', 'apps/v1', 'v2', true];

const json = fc.jsonValue({ maxDepth: 3 });
const objectLike = fc.record(
  {
    apiVersion: fc.constantFrom(...VERSIONS),
    kind: fc.constantFrom(...KINDS),
    metadata: fc.oneof(
      fc.record({ name: fc.oneof(fc.constantFrom('web', 'db', 'Bad_Name', ''), json), namespace: fc.oneof(fc.constantFrom('default', 'kube-system', 'nope'), json), labels: json }, { requiredKeys: [] }),
      json,
    ),
    spec: fc.oneof(
      fc.record({ clusterIP: fc.oneof(fc.constantFrom('10.96.5.5', 'None', 'x'), json), ports: fc.oneof(fc.array(fc.record({ port: json, name: json })), json), cidrs: json, selector: json, containers: json }, { requiredKeys: [] }),
      json,
    ),
    status: json,
    addressType: fc.oneof(fc.constantFrom('IPv4', 'IPv6', 'FQDN'), json),
    endpoints: fc.oneof(fc.array(fc.record({ addresses: json, conditions: json, hostname: json }, { requiredKeys: [] })), json),
    ports: json,
    subsets: fc.oneof(fc.array(fc.record({ addresses: fc.oneof(fc.array(fc.record({ ip: json })), json), ports: json }, { requiredKeys: [] })), json),
    items: json,
  },
  { requiredKeys: [] },
);

const FIXTURE_TEXTS = ['01-multi-document.yaml', '03-endpoints-mirroring.yaml', '10-kubectl-dump.yaml', '14-workloads-dump.yaml'].map((f) => readFileSync(fixture(f), 'utf8'));
const mutated = fc
  .tuple(fc.constantFrom(...FIXTURE_TEXTS), fc.array(fc.tuple(fc.nat(), fc.nat(8), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 4 }))
  .map(([text, edits]) => edits.reduce((t, [at, cut, insert]) => t.slice(0, at % (t.length + 1)) + insert + t.slice((at % (t.length + 1)) + cut), text));

const texts = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  json.map((v) => JSON.stringify(v)),
  fc.array(objectLike, { maxLength: 4 }).map((docs) => docs.map((d) => stringify(d)).join('---\n')),
  objectLike.map((d) => JSON.stringify(d)),
  mutated,
);

describe('property', () => {
  it.each([
    { no: '14', controllers: false, runs: Number(process.env.PROP_RUNS ?? 600) },
    { no: '21', controllers: true, runs: Math.ceil(Number(process.env.PROP_RUNS ?? 600) / 3) },
  ])('$no any YAML or JSON text loads or throws a ManifestError; a rejection changes nothing (controllers $controllers)', ({ controllers, runs }) => {
    fc.assert(
      fc.property(texts, (text) => {
        const cluster = new Cluster({ seed: 1, controllers });
        const before = JSON.stringify([cluster.listNamespaces(), cluster.listServices(), cluster.listEndpointSlices(), cluster.resourceVersion]);
        try {
          const docs = parseManifests(text, 'random.yaml');
          applyManifests(cluster, docs, { warn: () => {} });
        } catch (error) {
          if (!(error instanceof ManifestError)) throw error;
          expect(error.problems.length).toBeGreaterThan(0);
          for (const p of error.problems) expect(p.file).toBe('random.yaml');
          const after = JSON.stringify([cluster.listNamespaces(), cluster.listServices(), cluster.listEndpointSlices(), cluster.resourceVersion]);
          expect(after).toBe(before);
        }
      }),
      { numRuns: runs },
    );
  }, 600_000);
});
