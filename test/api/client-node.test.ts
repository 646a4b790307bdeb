/**
 * @kubernetes/client-node 1.4 (the version that runs on Node 20) against svcnet's API: typed
 * list calls and an informer following the seed's sleep-2 story (spec/kubectl.md §4: connect,
 * add, update when the pod is replaced, update when the deployment goes, delete).
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCluster } from '../../sdk/cluster/seed.js';
import type { Cluster } from '../../sdk/cluster/cluster.js';
import { startApiServer } from '../../sdk/node/api-server.js';
import type { RunningApiServer } from '../../sdk/node/api-server.js';

let cluster: Cluster;
let api: RunningApiServer;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  cluster = seedCluster();
  api = await startApiServer(cluster, { port: 0 });
  kc = new k8s.KubeConfig();
  kc.loadFromClusterAndUser({ name: 'svcnet', server: api.url, skipTLSVerify: true }, { name: 'svcnet' });
});
afterAll(async () => {
  await api.close();
});

/** Resolves when `predicate` holds, polling the recorded events. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('@kubernetes/client-node against svcnet', () => {
  it('case 1: typed lists and reads', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const services = await core.listServiceForAllNamespaces();
    expect(services.items.map((s) => `${s.metadata!.namespace}/${s.metadata!.name}`)).toContain('kube-system/kube-dns');
    const svc = await core.readNamespacedService({ name: 'numbers-api', namespace: 'default' });
    expect(svc.spec!.clusterIP).toBe('10.103.155.91');
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const deployments = await apps.listNamespacedDeployment({ namespace: 'default', labelSelector: 'app=sleep-2' });
    expect(deployments.items.map((d) => d.metadata!.name)).toEqual(['sleep-2']);
  });

  it('case 2: a 404 surfaces as an ApiException with the Status body', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await expect(core.readNamespacedService({ name: 'nope', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
  });

  it('case 3: an EndpointSlice informer follows the seed session', async () => {
    const disc = kc.makeApiClient(k8s.DiscoveryV1Api);
    const selector = 'kubernetes.io/service-name=sleep-2';
    const informer = k8s.makeInformer(
      kc,
      '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
      () => disc.listNamespacedEndpointSlice({ namespace: 'default', labelSelector: selector }),
      selector,
    );
    const seen: string[] = [];
    const addresses = (s: k8s.V1EndpointSlice): string => (s.endpoints ?? []).map((e) => e.addresses[0]).join(',') || '-';
    informer.on('add', (s) => seen.push(`add ${addresses(s)}`));
    informer.on('update', (s) => seen.push(`update ${addresses(s)}`));
    informer.on('delete', (s) => seen.push(`delete ${addresses(s)}`));
    informer.on('error', () => {});
    await informer.start();
    try {
      await until(() => seen.length === 1, 'the initial add');
      expect(seen).toEqual(['add 10.1.0.43']);
      cluster.deletePods('default', { labelSelector: 'app=sleep-2' });
      const newIP = cluster.listPods('default', { labelSelector: 'app=sleep-2' })[0].status!.podIP!;
      await until(() => seen.includes(`update ${newIP}`), 'the moved endpoint');
      cluster.deleteDeployment('default', 'sleep-2');
      await until(() => seen[seen.length - 1] === 'update -', 'the emptied slice');
      cluster.deleteService('default', 'sleep-2');
      await until(() => seen[seen.length - 1] === 'delete -', 'the slice deletion');
      expect(informer.list('default')).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});
