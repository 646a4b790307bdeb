// createKubeProxy (sdk/proxy/kubeproxy.ts): kube-proxy for one node of a live Cluster,
// packet by packet. The seed's cluster (kiamol ch. 3 on Docker Desktop) routed with the wasm
// engine (first packets from the core's decision cache) and with the reference (rules
// alone): identical results for every packet, flows that follow kube-proxy's rules while
// the cluster changes, and errors that name what was wrong.
import { describe, expect, test } from 'vitest';
import { SEED_NODE_IP, SEED_NODE_NAME, seedCluster } from '../../sdk/cluster/seed.js';
import { Cluster } from '../../sdk/cluster/cluster.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { ProxyConfigError } from '../../sdk/proxy/config.js';
import type { FlowResult } from '../../sdk/proxy/flows.js';
import { createKubeProxy, type KubeProxy, type KubeProxyPacket } from '../../sdk/proxy/kubeproxy.js';

setDefaultCoreSource(nodeCoreSource);

const NUMBERS_API = '10.103.155.91';
const HELLO_NODE_PORT = 31655;
const SLEEP_1 = '10.1.0.42';
const SLEEP_2 = '10.1.0.43';
const SYN = 0x02;
const ACK = 0x10;
const SYN_ACK = 0x12;

async function pair(cluster: Cluster, configuration: unknown = { clusterCIDR: '10.1.0.0/16' }): Promise<{ wasm: KubeProxy; reference: KubeProxy; route: (p: KubeProxyPacket) => FlowResult }> {
  let t = 1_700_000_000_000;
  const now = () => t;
  const wasm = await createKubeProxy(cluster, { nodeName: SEED_NODE_NAME, configuration, now, target: 'debug' });
  const reference = await createKubeProxy(cluster, { nodeName: SEED_NODE_NAME, configuration, now, engine: 'reference' });
  return {
    wasm,
    reference,
    route(p) {
      t += 10;
      const expected = reference.route(p);
      const actual = wasm.route(p);
      expect(actual).toEqual(expected);
      return actual;
    },
  };
}

describe('createKubeProxy on the seed cluster', () => {
  test('1. a ClusterIP flow from a pod: DNAT to numbers-api, then established, replies translated back', async () => {
    const p = await pair(seedCluster());
    expect(p.wasm.node).toEqual({ name: SEED_NODE_NAME, addresses: [SEED_NODE_IP], podCIDRs: ['10.1.0.0/16'] });
    const out = { source: SLEEP_1, sourcePort: 43512, destination: NUMBERS_API, destinationPort: 80 };
    const first = p.route({ ...out, tcpFlags: SYN });
    expect(first).toMatchObject({ flow: 'new', verdict: 'DNAT', servicePort: 'default/numbers-api:', frontend: 'ClusterIP', endpoint: { ip: '10.1.0.47', port: 80 }, masquerade: false });
    const reply = p.route({ source: '10.1.0.47', sourcePort: 80, destination: SLEEP_1, destinationPort: 43512, tcpFlags: SYN_ACK });
    expect(reply).toMatchObject({ flow: 'reply', translated: { srcIP: NUMBERS_API, srcPort: 80, dstIP: SLEEP_1 } });
    expect(p.route({ ...out, tcpFlags: ACK })).toMatchObject({ flow: 'established', endpoint: { ip: '10.1.0.47', port: 80 }, conntrack: 'ESTABLISHED' });
  });

  test('2. the second pod to the same Service is decided by the core (a hit), the same decision', async () => {
    const p = await pair(seedCluster());
    p.route({ source: SLEEP_1, sourcePort: 40000, destination: NUMBERS_API, destinationPort: 80 });
    const before = p.wasm.stats().decisions!;
    expect(p.route({ source: SLEEP_2, sourcePort: 40001, destination: NUMBERS_API, destinationPort: 80 })).toMatchObject({ verdict: 'DNAT', endpoint: { ip: '10.1.0.47', port: 80 } });
    const after = p.wasm.stats().decisions!;
    expect(after.hits - before.hits).toBe(1);
    expect(after.misses).toBe(before.misses);
    expect(p.reference.stats().decisions).toBeUndefined();
  });

  test('3. a NodePort on the node address from off the cluster: DNAT, masqueraded; an unused port passes', async () => {
    const p = await pair(seedCluster());
    expect(p.route({ source: '192.168.65.1', sourcePort: 50000, destination: SEED_NODE_IP, destinationPort: HELLO_NODE_PORT })).toMatchObject({
      verdict: 'DNAT',
      frontend: 'NodePort',
      masquerade: true,
      translated: { srcIP: SEED_NODE_IP },
    });
    expect(p.route({ source: '192.168.65.1', sourcePort: 50001, destination: SEED_NODE_IP, destinationPort: 31999 })).toMatchObject({ verdict: 'PASS' });
  });

  test('4. numbers-api deleted: the established connection keeps its endpoint, a new flow to its address passes', async () => {
    const cluster = seedCluster();
    const p = await pair(cluster);
    const out = { source: SLEEP_1, sourcePort: 43000, destination: NUMBERS_API, destinationPort: 80 };
    p.route({ ...out, tcpFlags: SYN });
    p.route({ source: '10.1.0.47', sourcePort: 80, destination: SLEEP_1, destinationPort: 43000, tcpFlags: SYN_ACK });
    p.route({ ...out, tcpFlags: ACK });
    const syncs = p.wasm.stats().syncs;
    cluster.deleteService('default', 'numbers-api');
    expect(p.wasm.stats().syncs).toBe(syncs + 1);
    expect(p.route({ ...out, tcpFlags: ACK })).toMatchObject({ flow: 'established', endpoint: { ip: '10.1.0.47', port: 80 } });
    expect(p.route({ ...out, sourcePort: 43001, tcpFlags: SYN })).toMatchObject({ flow: 'new', verdict: 'PASS' });
  });

  test('5. ipvs mode from a KubeProxyConfiguration document; bad documents and packets are refused with the field named', async () => {
    const p = await pair(seedCluster(), { apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration', mode: 'ipvs', clusterCIDR: '10.1.0.0/16', ipvs: { scheduler: 'rr' } });
    expect(p.wasm.config.mode).toBe('ipvs');
    expect(p.route({ source: SLEEP_1, sourcePort: 40000, destination: NUMBERS_API, destinationPort: 81 })).toMatchObject({ verdict: 'REJECT', reason: 'undefined port on a service IP' });

    await expect(createKubeProxy(seedCluster(), { nodeName: SEED_NODE_NAME, configuration: { mode: 'userspace' } })).rejects.toThrow(ProxyConfigError);
    await expect(createKubeProxy(new Cluster(), { nodeName: 'node-9' })).rejects.toThrow('node "node-9" is not in the cluster; create its Node object or give nodeAddresses');
    await expect(createKubeProxy(new Cluster(), { nodeName: 'node-9', nodeAddresses: ['10.0.0.300'] })).rejects.toThrow('nodeAddresses: "10.0.0.300" is not an IPv4 or IPv6 address');
    const cases: [Partial<KubeProxyPacket>, string][] = [
      [{ source: 'sleep-1' }, 'source "sleep-1" is not an IPv4 or IPv6 address'],
      [{ destination: 'fd00::1' }, 'are of different families'],
      [{ destinationPort: 70000 }, 'destinationPort must be an integer in 0..65535, got 70000'],
      [{ sourcePort: -1 }, 'sourcePort must be an integer in 0..65535, got -1'],
      [{ protocol: 'ICMP' as never }, 'protocol must be TCP, UDP or SCTP, got "ICMP"'],
    ];
    const entries = p.wasm.stats().entries;
    for (const [change, message] of cases) {
      expect(() => p.wasm.route({ source: SLEEP_1, destination: NUMBERS_API, destinationPort: 80, ...change })).toThrow(message);
    }
    expect(p.wasm.stats().entries).toBe(entries);
  });

  test('6. a node given by addresses alone (no Node object); detach stops following', async () => {
    const cluster = new Cluster();
    const proxy = await createKubeProxy(cluster, { nodeName: 'node-1', nodeAddresses: ['192.168.0.2'], engine: 'wasm', target: 'debug' });
    expect(proxy.node).toEqual({ name: 'node-1', addresses: ['192.168.0.2'] });
    proxy.detach();
    const web = cluster.applyService({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    cluster.applyEndpointSlice({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.1.0.9'], conditions: { ready: true } }],
      ports: [{ port: 8080 }],
    });
    expect(proxy.route({ source: '10.1.0.5', destination: web.spec.clusterIP as string, destinationPort: 80 }).verdict).toBe('PASS');
  });
});
