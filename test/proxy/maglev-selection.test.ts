// Maglev as the endpoint selection of iptables and nftables mode (Cilium's
// `loadBalancer.algorithm: maglev`, per Service `service.cilium.io/lb-algorithm`;
// proxy.md §3 and §11), through createKubeProxy on a live Cluster. What Maglev promises and
// random selection does not: every node picks the same endpoint for the same flow, the pick
// is the table slot of the flow's hash, and removing one endpoint moves few of the flows
// whose endpoint stayed.
import { describe, expect, test } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { buildMaglevTable, maglevLookup } from '../../sdk/proxy/maglev.js';
import type { ProxyMode } from '../../sdk/proxy/config.js';
import type { LoadBalancerAlgorithm } from '../../sdk/proxy/decision.js';
import { createKubeProxy, type KubeProxy, type KubeProxyOptions } from '../../sdk/proxy/kubeproxy.js';
import { flowHash } from '../../sdk/proxy/schedulers.js';

setDefaultCoreSource(nodeCoreSource);

const ANNOTATION = 'service.cilium.io/lb-algorithm';
const ENDPOINTS = Array.from({ length: 10 }, (_, i) => `10.1.${i}.5`);
const CLIENTS = 300;

interface ServiceSetup {
  name: string;
  annotation?: string;
  affinity?: boolean;
  endpoints?: string[];
}

function addService(cluster: Cluster, s: ServiceSetup): string {
  const svc = cluster.applyService({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.name, namespace: 'default', ...(s.annotation ? { annotations: { [ANNOTATION]: s.annotation } } : {}) },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...(s.affinity ? { sessionAffinity: 'ClientIP' as const } : {}) },
  });
  setEndpoints(cluster, s.name, s.endpoints ?? ENDPOINTS);
  return svc.spec.clusterIP as string;
}

function setEndpoints(cluster: Cluster, name: string, endpoints: string[]): void {
  cluster.applyEndpointSlice({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: endpoints.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080 }],
  });
}

/** A node of the cluster: its own seed, so random selection differs from node to node. */
function node(cluster: Cluster, name: string, seed: number, options: Partial<KubeProxyOptions> = {}): Promise<KubeProxy> {
  return createKubeProxy(cluster, { nodeName: name, nodeAddresses: [`192.168.0.${seed}`], seed, configuration: { clusterCIDR: '10.0.0.0/8' }, now: () => 1_700_000_000_000, ...options });
}

/** The endpoint IP each client's new flow (client i: 10.0.0.x, port 40000 + i) gets. */
function picks(proxy: KubeProxy, vip: string, sourcePort = (i: number) => 40000 + i): string[] {
  return Array.from({ length: CLIENTS }, (_, i) => {
    const r = proxy.route({ source: `10.0.${i >> 8}.${i & 255}`, sourcePort: sourcePort(i), destination: vip, destinationPort: 80 });
    expect(r.verdict).toBe('DNAT');
    return (r.endpoint as { ip: string }).ip;
  });
}

describe.each<ProxyMode>(['iptables', 'nftables'])('Maglev selection (%s mode)', (mode) => {
  test('1. node default maglev: two nodes with different random seeds pick the same endpoint for every flow; random ones do not', async () => {
    const cluster = new Cluster();
    const vip = addService(cluster, { name: 'web' });
    const [a, b] = await Promise.all([node(cluster, 'a', 11, { mode, loadBalancerAlgorithm: 'maglev' }), node(cluster, 'b', 12, { mode, loadBalancerAlgorithm: 'maglev' })]);
    expect(picks(a, vip)).toEqual(picks(b, vip));
    const [c, d] = await Promise.all([node(cluster, 'c', 11, { mode }), node(cluster, 'd', 12, { mode })]);
    const [pc, pd] = [picks(c, vip), picks(d, vip)];
    expect(pc.filter((ip, i) => ip !== pd[i]).length).toBeGreaterThan(CLIENTS / 2);
  });

  test('2. the pick is the Maglev table slot of the flow hash (M = 16381, names ip:port)', async () => {
    const cluster = new Cluster();
    const vip = addService(cluster, { name: 'web' });
    const proxy = await node(cluster, 'a', 11, { mode, loadBalancerAlgorithm: 'maglev' });
    const names = ENDPOINTS.map((ip) => `${ip}:8080`).sort();
    const table = buildMaglevTable(names.map((name) => ({ name })), 16381);
    const got = picks(proxy, vip);
    got.forEach((ip, i) => {
      const hash = flowHash({ family: 4, protocol: 'TCP', srcIP: `10.0.${i >> 8}.${i & 255}`, srcPort: 40000 + i, dstIP: vip, dstPort: 80 }, true);
      expect(`${ip}:8080`).toBe(names[maglevLookup(table, hash)]);
    });
    // A configurable prime table size changes the table.
    const small = await node(cluster, 'b', 12, { mode, loadBalancerAlgorithm: 'maglev', maglevTableSize: 251 });
    const smallTable = buildMaglevTable(names.map((name) => ({ name })), 251);
    picks(small, vip, (i) => 50000 + i).forEach((ip, i) => {
      const hash = flowHash({ family: 4, protocol: 'TCP', srcIP: `10.0.${i >> 8}.${i & 255}`, srcPort: 50000 + i, dstIP: vip, dstPort: 80 }, true);
      expect(`${ip}:8080`).toBe(names[maglevLookup(smallTable, hash)]);
    });
  });

  const annotationCases: [number, LoadBalancerAlgorithm | undefined, string | undefined, boolean][] = [
    [1, undefined, 'maglev', true],
    [2, 'maglev', 'random', false],
    [3, 'maglev', 'round-robin', true], // not a value Cilium knows: the node default holds
    [4, undefined, undefined, false],
  ];
  test.each(annotationCases)('3.%i node default %s, annotation %s → consistent across nodes: %s', async (_n, nodeDefault, annotation, consistent) => {
    const cluster = new Cluster();
    const vip = addService(cluster, { name: 'web', ...(annotation ? { annotation } : {}) });
    const options = { mode, ...(nodeDefault ? { loadBalancerAlgorithm: nodeDefault } : {}) };
    const [a, b] = await Promise.all([node(cluster, 'a', 11, options), node(cluster, 'b', 12, options)]);
    const [pa, pb] = [picks(a, vip), picks(b, vip)];
    if (consistent) expect(pa).toEqual(pb);
    else expect(pa.filter((ip, i) => ip !== pb[i]).length).toBeGreaterThan(CLIENTS / 2);
  });

  test('4. removing one endpoint moves few of the flows whose endpoint stayed (random: most of them)', async () => {
    for (const [algorithm, bound] of [['maglev', 0.1], ['random', 0.5]] as const) {
      const cluster = new Cluster();
      const vip = addService(cluster, { name: 'web' });
      const before = picks(await node(cluster, 'a', 11, { mode, loadBalancerAlgorithm: algorithm }), vip);
      setEndpoints(cluster, 'web', ENDPOINTS.slice(1));
      // The same flows, decided afresh after the change (a node without their conntrack entries).
      const after = picks(await node(cluster, 'b', 12, { mode, loadBalancerAlgorithm: algorithm }), vip);
      const stayed = before.map((ip, i) => [ip, after[i]] as const).filter(([ip]) => ip !== ENDPOINTS[0]);
      const moved = stayed.filter(([was, now]) => was !== now).length / stayed.length;
      if (algorithm === 'maglev') expect(moved, `${algorithm} moved ${moved}`).toBeLessThan(bound);
      else expect(moved, `${algorithm} moved ${moved}`).toBeGreaterThan(bound);
    }
  });

  test('5. with ClientIP affinity the hash leaves the source port out: one client, one endpoint, on every node', async () => {
    const cluster = new Cluster();
    const vip = addService(cluster, { name: 'web', affinity: true, annotation: 'maglev' });
    const [a, b] = await Promise.all([node(cluster, 'a', 11, { mode }), node(cluster, 'b', 12, { mode })]);
    for (let client = 0; client < 20; client++) {
      const route = (p: KubeProxy, port: number) => p.route({ source: `10.0.1.${client}`, sourcePort: port, destination: vip, destinationPort: 80 }).endpoint?.ip;
      const first = route(a, 40000);
      expect(route(b, 45000)).toBe(first);
      const names = ENDPOINTS.map((ip) => `${ip}:8080`).sort();
      const hash = flowHash({ family: 4, protocol: 'TCP', srcIP: `10.0.1.${client}`, srcPort: 40000, dstIP: vip, dstPort: 80 }, false);
      expect(`${first}:8080`).toBe(names[maglevLookup(buildMaglevTable(names.map((name) => ({ name }))), hash)]);
    }
  });

  test('6. a table size that is not prime, or a bad hash seed, is refused when the proxy is made', async () => {
    const cluster = new Cluster();
    await expect(node(cluster, 'a', 11, { mode, loadBalancerAlgorithm: 'maglev', maglevTableSize: 16380 })).rejects.toThrow(RangeError);
    await expect(node(cluster, 'a', 11, { mode, maglevHashSeed: 'not base64 of 12 bytes' })).rejects.toThrow(RangeError);
    await expect(node(cluster, 'a', 11, { mode, loadBalancerAlgorithm: 'hash' as LoadBalancerAlgorithm })).rejects.toThrow('loadBalancerAlgorithm must be random or maglev, got "hash"');
  });
});

describe('Maglev selection in ipvs mode', () => {
  test('7. the scheduler decides: the annotation is ignored (rr rotates through the endpoints)', async () => {
    const cluster = new Cluster();
    const vip = addService(cluster, { name: 'web', annotation: 'maglev' });
    const proxy = await node(cluster, 'a', 11, { mode: 'ipvs', configuration: { clusterCIDR: '10.0.0.0/8', ipvs: { scheduler: 'rr' } } });
    const got = picks(proxy, vip).slice(0, ENDPOINTS.length);
    expect(new Set(got).size).toBe(ENDPOINTS.length);
  });
});
