// The manifest loader: numbered fixtures in test/node/fixtures/, and a property that any
// text at all either loads or is rejected with a ManifestError that left the cluster as it was.
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import { ManifestError, applyManifests, loadManifests, parseManifests } from '../../sdk/node/manifests.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

async function load(name: string): Promise<{ cluster: Cluster; warnings: string[]; applied: Record<string, number> }> {
  const cluster = new Cluster();
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
    expect(warnings[0]).toMatch(/04-unknown-kinds\.yaml: document 1 \(Deployment sleep-1\): skipped: svcnet does not model kind Deployment \(apps\/v1\)$/);
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

// ---------------------------------------------------------------------------- property

const KINDS = ['Namespace', 'Service', 'EndpointSlice', 'Endpoints', 'ServiceCIDR', 'Pod', 'List', 'Deployment', 42, null];
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

const FIXTURE_TEXTS = ['01-multi-document.yaml', '03-endpoints-mirroring.yaml', '10-kubectl-dump.yaml'].map((f) => readFileSync(fixture(f), 'utf8'));
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
  it('14 any YAML or JSON text loads or throws a ManifestError; a rejection changes nothing', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const cluster = new Cluster({ seed: 1 });
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
      { numRuns: Number(process.env.PROP_RUNS ?? 600) },
    );
  }, 600_000);
});
