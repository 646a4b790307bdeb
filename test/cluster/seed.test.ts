import { describe, expect, it } from 'vitest';
import { SEED_ENDPOINT_SLICES, SEED_PODS, SEED_SERVICES, seedCluster } from '../../sdk/cluster/seed.js';
import { isPodReady, podIPsOf } from '../../sdk/model/pod.js';
import type { Service } from '../../sdk/model/types.js';
import { makeService } from '../model/builders.js';

const NOW = new Date('2024-05-01T12:00:00Z');

/** kubectl's PORT(S) cell (printers.go makePortString). */
const portsCell = (svc: Service): string =>
  (svc.spec.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');

/** kubectl's EXTERNAL-IP cell for the types in the seed. */
const externalCell = (svc: Service): string =>
  svc.spec.type === 'LoadBalancer'
    ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname).join(',') || '<pending>'
    : (svc.spec.externalIPs ?? []).join(',') || '<none>';

/** kubectl's AGE cell (HumanDuration) for the ranges the seed uses. */
function age(created: string): string {
  const s = Math.round((NOW.getTime() - Date.parse(created)) / 1000);
  const m = Math.floor(s / 60);
  const h = Math.floor(s / 3600);
  if (m < 180) return `${m}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
}

describe('seedCluster', () => {
  const cluster = seedCluster({ now: () => NOW });

  it.each([
    { desc: '01 hello-kubernetes', row: 'default hello-kubernetes NodePort 10.106.104.252 <none> 80:31655/TCP 2d23h' },
    { desc: '02 kubernetes', row: 'default kubernetes ClusterIP 10.96.0.1 <none> 443/TCP 2d23h' },
    { desc: '03 numbers-api', row: 'default numbers-api ClusterIP 10.103.155.91 <none> 80/TCP 32m' },
    { desc: '04 numbers-web', row: 'default numbers-web LoadBalancer 10.107.18.45 localhost 8080:31421/TCP 79m' },
    { desc: '05 sleep-2', row: 'default sleep-2 ClusterIP 10.98.208.225 <none> 80/TCP 13h' },
    { desc: '06 kube-dns', row: 'kube-system kube-dns ClusterIP 10.96.0.10 <none> 53/UDP,53/TCP,9153/TCP 2d23h' },
  ])('$desc matches the seed table', ({ row }) => {
    const [ns, name] = row.split(' ');
    const svc = cluster.getService(ns, name)!;
    expect([ns, name, svc.spec.type, svc.spec.clusterIP, externalCell(svc), portsCell(svc), age(svc.metadata.creationTimestamp!)].join(' ')).toBe(row);
  });

  it('07 holds exactly the seed services, in kubectl get svc -A order', () => {
    expect(cluster.listServices().map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(
      SEED_SERVICES.map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
    );
  });

  it('08 target ports and selectors', () => {
    const target = (name: string): unknown => cluster.getService('default', name)!.spec.ports![0].targetPort;
    expect([target('hello-kubernetes'), target('numbers-api'), target('numbers-web'), target('sleep-2')]).toEqual([8080, 80, 80, 80]);
    for (const name of ['hello-kubernetes', 'numbers-api', 'numbers-web', 'sleep-2']) {
      expect(cluster.getService('default', name)!.spec.selector).toEqual({ app: name });
    }
  });

  it('09 one EndpointSlice per service, labelled and named like the controller does', () => {
    for (const svc of cluster.listServices()) {
      const slices = cluster.listEndpointSlices(svc.metadata.namespace, { serviceName: svc.metadata.name });
      expect(slices).toHaveLength(1);
      const slice = slices[0];
      if (svc.metadata.name === 'kubernetes') {
        expect(slice.metadata.name).toBe('kubernetes');
        continue;
      }
      expect(slice.metadata.name).toMatch(new RegExp(`^${svc.metadata.name}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(slice.metadata.labels).toEqual({
        'kubernetes.io/service-name': svc.metadata.name,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      });
      for (const ep of slice.endpoints) {
        expect(ep.nodeName).toBe('docker-desktop');
        expect(ep.addresses[0]).toMatch(/^10\.1\.\d+\.\d+$/);
        expect(ep.targetRef?.kind).toBe('Pod');
      }
    }
  });

  it.each([
    { desc: '10 sleep-2 is the seed pod', service: 'sleep-2', ns: 'default', want: ['10.1.0.43:80/TCP'] },
    { desc: '11 kubernetes is the API server', service: 'kubernetes', ns: 'default', want: ['192.168.65.3:6443/TCP'] },
    {
      desc: '12 kube-dns is two coredns pods',
      service: 'kube-dns',
      ns: 'kube-system',
      want: ['10.1.0.2:53/TCP', '10.1.0.2:53/UDP', '10.1.0.2:9153/TCP', '10.1.0.3:53/TCP', '10.1.0.3:53/UDP', '10.1.0.3:9153/TCP'],
    },
  ])('$desc', ({ service, ns, want }) => {
    const [slice] = cluster.listEndpointSlices(ns, { serviceName: service });
    const got = slice.endpoints.flatMap((ep) => (slice.ports ?? []).map((p) => `${ep.addresses[0]}:${p.port}/${p.protocol}`));
    expect(got).toEqual(want);
  });

  it('13 the sleep-2 pod is the one the seed deleted', () => {
    const [slice] = cluster.listEndpointSlices('default', { serviceName: 'sleep-2' });
    expect(slice.endpoints[0].targetRef?.name).toBe('sleep-2-7f69798f94-q8ffc');
  });

  it('14 exports the seed as plain frozen data', () => {
    expect(SEED_SERVICES).toHaveLength(6);
    expect(SEED_ENDPOINT_SLICES).toHaveLength(6);
    expect(Object.isFrozen(SEED_SERVICES[0].spec)).toBe(true);
    expect(JSON.parse(JSON.stringify(SEED_SERVICES))).toEqual(SEED_SERVICES);
  });

  it('15 builds the same services without built-ins', () => {
    const other = seedCluster({ builtins: false, now: () => NOW });
    const view = (c: typeof cluster): string[] => c.listServices().map((s) => `${s.metadata.name} ${s.spec.clusterIP} ${portsCell(s)}`);
    expect(view(other)).toEqual(view(cluster));
  });

  it('16 new services avoid the seed addresses and node ports', () => {
    const c = seedCluster({ now: () => NOW });
    const taken = new Set(c.ipamState().clusterIPs);
    const ports = new Set(c.ipamState().nodePorts);
    for (let i = 0; i < 50; i++) {
      const svc = c.createService(makeService({ type: 'NodePort' }, { name: `s${i}` }));
      expect(taken.has(svc.spec.clusterIP!)).toBe(false);
      expect(ports.has(svc.spec.ports![0].nodePort!)).toBe(false);
    }
  });

  it('17 every slice endpoint with a targetRef is a seed pod with that IP, Ready on docker-desktop', () => {
    let checked = 0;
    for (const slice of cluster.listEndpointSlices()) {
      for (const ep of slice.endpoints) {
        if (!ep.targetRef) continue;
        const pod = cluster.getPod(ep.targetRef.namespace!, ep.targetRef.name!);
        expect(pod, ep.targetRef.name).toBeDefined();
        expect(podIPsOf(pod!)).toEqual(ep.addresses);
        expect(isPodReady(pod!)).toBe(true);
        expect(pod!.status?.phase).toBe('Running');
        expect(pod!.spec.nodeName).toBe('docker-desktop');
        checked++;
      }
    }
    expect(checked).toBe(6);
  });

  it.each([
    { desc: '18 sleep-1 has no Service', selector: 'app=sleep-1', ns: 'default', want: ['sleep-1-6c9b5f7d58-jw4xz 10.1.0.42'] },
    { desc: '19 sleep-2 is the pod the chapter deletes', selector: 'app=sleep-2', ns: 'default', want: ['sleep-2-7f69798f94-q8ffc 10.1.0.43'] },
    { desc: '20 two coredns pods in kube-system', selector: 'k8s-app=kube-dns', ns: 'kube-system', want: ['coredns-7db6d8ff4d-2xnzq 10.1.0.2', 'coredns-7db6d8ff4d-tfwkv 10.1.0.3'] },
  ])('$desc', ({ selector, ns, want }) => {
    expect(cluster.listPods(ns, { labelSelector: selector }).map((p) => `${p.metadata.name} ${p.status?.podIP}`)).toEqual(want);
  });

  it('21 no Service selects sleep-1; every other app label has its Service', () => {
    const selected = new Set(cluster.listServices().map((s) => s.spec.selector?.app).filter(Boolean));
    const apps = cluster.listPods('default').map((p) => p.metadata.labels!.app);
    expect(apps.filter((a) => !selected.has(a))).toEqual(['sleep-1']);
  });

  it('22 pods are as old as their Service; sleep-1 as sleep-2; coredns as the cluster', () => {
    const podAge = (ns: string, selector: string): string => age(cluster.listPods(ns, { labelSelector: selector })[0].metadata.creationTimestamp!);
    expect([podAge('default', 'app=numbers-api'), podAge('default', 'app=sleep-1'), podAge('kube-system', 'k8s-app=kube-dns')]).toEqual(['32m', '13h', '2d23h']);
  });

  it('23 exports the pods as plain frozen data', () => {
    expect(SEED_PODS).toHaveLength(7);
    expect(Object.isFrozen(SEED_PODS[0].status)).toBe(true);
    expect(cluster.listPods()).toHaveLength(7);
  });
});
