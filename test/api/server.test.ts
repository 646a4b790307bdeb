/**
 * The Kubernetes-compatible API over real HTTP (node:http on a free loopback port), driven
 * with fetch the way kubectl and client-node send their requests (spec/kubectl.md §3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCluster } from '../../sdk/cluster/seed.js';
import type { Cluster } from '../../sdk/cluster/cluster.js';
import { startApiServer } from '../../sdk/node/api-server.js';
import type { RunningApiServer } from '../../sdk/node/api-server.js';

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

let cluster: Cluster;
let api: RunningApiServer;

beforeAll(async () => {
  cluster = seedCluster();
  api = await startApiServer(cluster, { port: 0 });
});
afterAll(async () => {
  await api.close();
});

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  contentType: string | null;
}

async function call(method: string, path: string, options: { body?: unknown; accept?: string; contentType?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const res = await fetch(`${api.url}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), contentType: res.headers.get('content-type') };
}

describe('discovery and version', () => {
  it.each([
    [1, '/api', (b: any) => expect(b).toMatchObject({ kind: 'APIVersions', versions: ['v1'] })],
    [2, '/apis', (b: any) => expect(b.groups.map((g: any) => g.preferredVersion.groupVersion)).toEqual(['apps/v1', 'discovery.k8s.io/v1', 'networking.k8s.io/v1'])],
    [
      3,
      '/api/v1',
      (b: any) => {
        const svc = b.resources.find((r: any) => r.name === 'services');
        expect(svc).toMatchObject({ kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'] });
        expect(b.resources.find((r: any) => r.name === 'endpoints').shortNames).toEqual(['ep']);
      },
    ],
    [4, '/apis/apps/v1', (b: any) => expect(b.resources.map((r: any) => r.name)).toEqual(['deployments', 'deployments/scale', 'replicasets'])],
    [5, '/version', (b: any) => expect(b).toMatchObject({ major: '1', minor: '32' })],
    [6, '/openapi/v3', (b: any) => expect(Object.keys(b.paths)).toEqual(['api/v1', 'apis/apps/v1', 'apis/discovery.k8s.io/v1', 'apis/networking.k8s.io/v1'])],
    [
      7,
      '/openapi/v3/api/v1',
      (b: any) => {
        const op = b.paths['/api/v1/namespaces/{namespace}/services/{name}'].patch;
        expect(op['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Service' });
        expect(op.parameters.map((p: any) => p.name)).toContain('fieldValidation');
      },
    ],
  ])('case %i: GET %s', async (_n, path, check) => {
    const r = await call('GET', path);
    expect(r.status).toBe(200);
    check(r.body);
  });

  it('case 8: an unknown path is a 404 Status', async () => {
    const r = await call('GET', '/apis/batch/v1/jobs');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
  });
});

describe('reads', () => {
  it('case 1: a namespaced list as a Table has kubectl\'s columns and one row per service', async () => {
    const r = await call('GET', '/api/v1/namespaces/default/services?limit=500', { accept: TABLE_ACCEPT });
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('Table');
    expect(r.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    const names = r.body.rows.map((row: any) => row.cells[0]);
    expect(names).toEqual(['hello-kubernetes', 'kubernetes', 'numbers-api', 'numbers-web', 'sleep-2']);
    const web = r.body.rows.find((row: any) => row.cells[0] === 'numbers-web');
    expect(web.cells.slice(1, 5)).toEqual(['LoadBalancer', '10.107.18.45', 'localhost', '8080:31421/TCP']);
    expect(web.object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'numbers-web', namespace: 'default' } });
  });

  it('case 2: without as=Table a list is a typed List with the cluster resourceVersion', async () => {
    const r = await call('GET', '/api/v1/namespaces/kube-system/services');
    expect(r.body).toMatchObject({ kind: 'ServiceList', apiVersion: 'v1', metadata: { resourceVersion: cluster.resourceVersion } });
    expect(r.body.items.map((s: any) => s.metadata.name)).toEqual(['kube-dns']);
  });

  it('case 3: a cluster-wide list spans namespaces', async () => {
    const r = await call('GET', '/api/v1/services');
    expect(r.body.items.map((s: any) => `${s.metadata.namespace}/${s.metadata.name}`)).toContain('kube-system/kube-dns');
  });

  it('case 4: label and field selectors filter', async () => {
    const byLabel = await call('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dsleep-2');
    expect(byLabel.body.items).toHaveLength(1);
    const name = byLabel.body.items[0].metadata.name;
    const byField = await call('GET', `/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3D${name}`);
    expect(byField.body.items.map((p: any) => p.metadata.name)).toEqual([name]);
    const notIn = await call('GET', '/api/v1/namespaces/default/pods?labelSelector=app%20notin%20(sleep-2)');
    expect(notIn.body.items.map((p: any) => p.metadata.labels.app)).not.toContain('sleep-2');
  });

  it('case 5: an unsupported field selector is 400', async () => {
    const r = await call('GET', '/api/v1/namespaces/default/services?fieldSelector=spec.bogus%3Dx');
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('field label not supported: spec.bogus');
  });

  it('case 6: a single GET as Table has one row; a missing object is NotFound', async () => {
    const one = await call('GET', '/api/v1/namespaces/default/endpoints/sleep-2', { accept: TABLE_ACCEPT });
    expect(one.body.rows).toHaveLength(1);
    expect(one.body.rows[0].cells[1]).toBe('10.1.0.43:80');
    const missing = await call('GET', '/api/v1/namespaces/default/services/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ reason: 'NotFound', message: 'services "nope" not found', details: { name: 'nope', kind: 'services' } });
  });

  it('case 7: the Namespace object lives at /api/v1/namespaces/<name>', async () => {
    const r = await call('GET', '/api/v1/namespaces/kube-system');
    expect(r.body).toMatchObject({ kind: 'Namespace', metadata: { name: 'kube-system' } });
  });
});

describe('writes', () => {
  const svc = (name: string, port = 80) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port }] } });

  it('case 1: POST creates (201) with a ClusterIP; a second POST is AlreadyExists (409)', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/services?fieldManager=kubectl-create&fieldValidation=Strict', { body: svc('w1') });
    expect(r.status).toBe(201);
    expect(r.body.spec.clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\./);
    const again = await call('POST', '/api/v1/namespaces/default/services', { body: svc('w1') });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ reason: 'AlreadyExists', message: 'services "w1" already exists' });
  });

  it.each([
    [2, 'malformed JSON', '{"kind":', 400, 'BadRequest'],
    [3, 'a JSON array', '[]', 400, 'BadRequest'],
    [4, 'a port out of range', svc('w-bad', 70000), 422, 'Invalid'],
    [5, 'an invalid name', svc('Not_A_Name'), 422, 'Invalid'],
    [6, 'a namespace other than the path', { ...svc('w-ns'), metadata: { name: 'w-ns', namespace: 'kube-system' } }, 400, 'BadRequest'],
    [7, 'an unknown field under Strict', { ...svc('w-strict'), spec: { portz: [] } }, 400, 'BadRequest'],
    [8, 'a kind that does not match the URL', { ...svc('w-kind'), kind: 'Pod' }, 400, 'BadRequest'],
  ])('case %i: %s is refused and nothing is stored', async (_n, _what, body, code, reason) => {
    const rv = cluster.resourceVersion;
    const r = await call('POST', '/api/v1/namespaces/default/services?fieldValidation=Strict', { body });
    expect(r.status).toBe(code);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason, code });
    expect(cluster.resourceVersion).toBe(rv);
  });

  it('case 9: Invalid names the field in message and causes', async () => {
    const body = svc('w-port', 0);
    (body.spec.ports[0] as { targetPort?: number }).targetPort = 80;
    const r = await call('POST', '/api/v1/namespaces/default/services', { body });
    expect(r.body.message).toBe('Service "w-port" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
    expect(r.body.details.causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be between 1 and 65535, inclusive', field: 'spec.ports[0].port' }]);
  });

  it('case 10: the unknown field is named in the strict decoding error', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/services?fieldValidation=Strict', { body: { ...svc('w-strict2'), spec: { ports: [{ port: 80 }], portz: 1 } } });
    expect(r.body.message).toBe('Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.portz"');
  });

  it('case 11: strategic-merge PATCH (kubectl apply) replaces a port by merge key', async () => {
    await call('POST', '/api/v1/namespaces/default/services', { body: svc('w-patch', 8080) });
    const patch = { metadata: { annotations: { a: 'b' } }, spec: { '$setElementOrder/ports': [{ port: 80 }], ports: [{ port: 80 }, { $patch: 'delete', port: 8080 }] } };
    const r = await call('PATCH', '/api/v1/namespaces/default/services/w-patch?fieldManager=kubectl-client-side-apply', { body: patch, contentType: 'application/strategic-merge-patch+json' });
    expect(r.status).toBe(200);
    expect(r.body.spec.ports.map((p: any) => p.port)).toEqual([80]);
    expect(r.body.metadata.annotations).toEqual({ a: 'b' });
    expect(cluster.getService('default', 'w-patch')!.spec.ports!.map((p) => p.port)).toEqual([80]);
  });

  it('case 12: a PATCH with an unsupported content type is 415', async () => {
    const r = await call('PATCH', '/api/v1/namespaces/default/services/w-patch', { body: {}, contentType: 'application/apply-patch+yaml' });
    expect(r.status).toBe(415);
  });

  it('case 13: PUT with a stale resourceVersion is a Conflict', async () => {
    const current = (await call('GET', '/api/v1/namespaces/default/services/w-patch')).body;
    await call('PATCH', '/api/v1/namespaces/default/services/w-patch', { body: { metadata: { labels: { x: 'y' } } }, contentType: 'application/merge-patch+json' });
    const r = await call('PUT', '/api/v1/namespaces/default/services/w-patch', { body: current });
    expect(r.status).toBe(409);
    expect(r.body.reason).toBe('Conflict');
  });

  it('case 14: DELETE of a deployment cascades to its pods and leaves the service with <none>', async () => {
    const r = await call('DELETE', '/apis/apps/v1/namespaces/default/deployments/numbers-api', { body: { propagationPolicy: 'Background' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'numbers-api', group: 'apps', kind: 'deployments' } });
    expect(cluster.listPods('default', { labelSelector: 'app=numbers-api' })).toEqual([]);
    const ep = await call('GET', '/api/v1/namespaces/default/endpoints/numbers-api', { accept: TABLE_ACCEPT });
    expect(ep.body.rows[0].cells[1]).toBe('<none>');
    const gone = await call('GET', '/apis/apps/v1/namespaces/default/deployments/numbers-api');
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe('deployments.apps "numbers-api" not found');
  });

  it('case 15: deployments/scale changes the replica count', async () => {
    const r = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/sleep-1/scale', { body: { spec: { replicas: 3 } }, contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kind: 'Scale', spec: { replicas: 3 } });
    expect(cluster.listPods('default', { labelSelector: 'app=sleep-1' })).toHaveLength(3);
  });

  it('case 17: a value of the wrong JSON type is refused while decoding, as Go\'s decoder words it', async () => {
    const rv = cluster.resourceVersion;
    const r = await call('POST', '/api/v1/namespaces/default/services', { body: { metadata: { name: 'w-type' }, spec: { ports: [{ port: '80' }] } } });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32');
    expect(cluster.resourceVersion).toBe(rv);
  });

  it('case 16: a write into a missing namespace is NotFound', async () => {
    const r = await call('POST', '/api/v1/namespaces/nowhere/services', { body: svc('w-x') });
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('namespaces "nowhere" not found');
  });
});

describe('watch', () => {
  /** Reads newline-delimited events from a watch until `count` arrive. */
  async function watchEvents(path: string, count: number, during: () => Promise<void>, accept = 'application/json'): Promise<any[]> {
    const controller = new AbortController();
    const res = await fetch(`${api.url}${path}`, { headers: { accept }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const events: any[] = [];
    let buffered = '';
    const pump = (async () => {
      const decoder = new TextDecoder();
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buffered.slice(0, nl)));
          buffered = buffered.slice(nl + 1);
        }
      }
    })();
    await during();
    await pump;
    controller.abort();
    return events;
  }

  it('case 1: a watch from the list resourceVersion sees the pod replacement through a label selector', async () => {
    const list = await call('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dsleep-2');
    const rv = list.body.metadata.resourceVersion;
    const old = list.body.items[0].metadata.name;
    const events = await watchEvents(`/api/v1/namespaces/default/pods?labelSelector=app%3Dsleep-2&watch=true&resourceVersion=${rv}`, 2, async () => {
      const del = await call('DELETE', `/api/v1/namespaces/default/pods/${old}`, { body: { propagationPolicy: 'Background' } });
      expect(del.status).toBe(200);
    });
    const seen = events.map((e) => `${e.type} ${e.object.metadata.name === old ? 'old' : 'new'}`);
    expect(seen).toContain('DELETED old');
    expect(seen).toContain('ADDED new');
  });

  it('case 2: a Table watch sends Table objects with rows', async () => {
    const rv = cluster.resourceVersion;
    const events = await watchEvents(`/api/v1/namespaces/default/services?watch=true&resourceVersion=${rv}`, 1, async () => {
      await call('POST', '/api/v1/namespaces/default/services', { body: { metadata: { name: 'w-watch' }, spec: { ports: [{ port: 81 }] } } });
    }, TABLE_ACCEPT);
    expect(events[0].type).toBe('ADDED');
    expect(events[0].object.kind).toBe('Table');
    expect(events[0].object.rows[0].cells[0]).toBe('w-watch');
  });

  it('case 3: a resourceVersion older than the history is 410 Expired', async () => {
    const small = await startApiServer(seedCluster(), { port: 0, historySize: 1 });
    try {
      small.handler.cluster.createNamespace({ metadata: { name: 'a' } });
      small.handler.cluster.createNamespace({ metadata: { name: 'b' } });
      const res = await fetch(`${small.url}/api/v1/namespaces?watch=true&resourceVersion=1`);
      const text = await res.text();
      expect(JSON.parse(text.trim())).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    } finally {
      await small.close();
    }
  });
});
