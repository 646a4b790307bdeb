// followCluster updates the rules per touched Service (KubeProxyRules.updateServices over
// FamilyStateIndex.replaceService), and the core's decision cache over them invalidates only
// the destinations the rules say changed; a full rebuild from the cluster's objects is the
// oracle for both.
// fast-check drives a Cluster through random Service / EndpointSlice changes — types,
// shared externalIPs (frontend clashes), node ports, traffic policies, UDP ports, slices that
// move between Services, deletions — and after every batch the followed rules and a fresh
// `setState` over the cluster's objects must decide every packet of a pool alike and report
// the same service ports, and the decision cache (kept warm across batches) must answer as
// the rebuilt rules do.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import type { Protocol } from '../../sdk/model/types.js';
import { parseKubeProxyConfiguration, type ProxyMode } from '../../sdk/proxy/config.js';
import type { FlowTuple } from '../../sdk/proxy/decision.js';
import { followCluster } from '../../sdk/proxy/follow.js';
import { createFlowLayer } from '../../sdk/proxy/frame-helpers.js';
import { KubeProxyRules, type NodeView } from '../../sdk/proxy/rules.js';
import { instantiateSync } from '@assemblyscript/loader';
import { CoreDecisionCache, type DecisionCoreExports } from '../../sdk/engine/decisions.js';
import { compileCore } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';

const CORE_MODULE = await compileCore('debug', await nodeCoreSource('debug'));

const NODE: NodeView = { name: 'node-a', addresses: ['192.168.0.2'], podCIDRs: ['10.1.0.0/24'] };
const NAMES = ['a', 'b', 'c', 'd'];
const EXTERNAL_IPS = ['192.0.2.1', '192.0.2.2'];
const ENDPOINT_IPS = ['10.1.0.5', '10.1.0.6', '10.1.1.5', '10.1.2.5'];
const PORTS: { name: string; port: number; protocol: Protocol }[] = [
  { name: 'http', port: 80, protocol: 'TCP' },
  { name: 'dns', port: 53, protocol: 'UDP' },
  { name: 'https', port: 443, protocol: 'TCP' },
];

const serviceOp = fc.record({
  op: fc.constant('service' as const),
  name: fc.constantFrom(...NAMES),
  type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
  ports: fc.subarray(PORTS, { minLength: 1 }),
  externalIPs: fc.subarray(EXTERNAL_IPS),
  local: fc.boolean(),
});
const sliceOp = fc.record({
  op: fc.constant('slice' as const),
  slice: fc.constantFrom('s1', 's2', 's3'),
  owner: fc.constantFrom(...NAMES),
  endpoints: fc.array(fc.record({ ip: fc.constantFrom(...ENDPOINT_IPS), ready: fc.boolean(), here: fc.boolean() }), { maxLength: 3 }),
  ports: fc.subarray(PORTS, { minLength: 1 }),
});
const deleteOp = fc.record({ op: fc.constantFrom('deleteService' as const, 'deleteSlice' as const), name: fc.constantFrom(...NAMES, 's1', 's2', 's3') });
const batchArb = fc.array(fc.oneof(serviceOp, serviceOp, sliceOp, sliceOp, deleteOp), { minLength: 1, maxLength: 4 });

type Op = fc.Arbitrary<unknown> extends never ? never : (typeof batchArb) extends fc.Arbitrary<(infer T)[]> ? T : never;

function apply(cluster: Cluster, op: Op): void {
  try {
    switch (op.op) {
      case 'service': {
        const existing = cluster.getService('default', op.name);
        cluster.applyService({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: op.name, namespace: 'default' },
          spec: {
            type: op.type,
            ...(existing?.spec.clusterIP ? { clusterIP: existing.spec.clusterIP } : {}),
            ports: op.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
            ...(op.externalIPs.length > 0 ? { externalIPs: op.externalIPs } : {}),
            ...(op.local && op.type !== 'ClusterIP' ? { externalTrafficPolicy: 'Local' as const } : {}),
          },
        });
        break;
      }
      case 'slice':
        cluster.applyEndpointSlice({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: op.slice, namespace: 'default', labels: { 'kubernetes.io/service-name': op.owner } },
          addressType: 'IPv4',
          endpoints: op.endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready }, nodeName: e.here ? 'node-a' : 'node-b' })),
          ports: op.ports.map((p) => ({ name: p.name, port: 8000 + p.port, protocol: p.protocol })),
        });
        break;
      case 'deleteService':
        if (cluster.getService('default', op.name)) cluster.deleteService('default', op.name);
        break;
      case 'deleteSlice':
        if (cluster.getEndpointSlice('default', op.name)) cluster.deleteEndpointSlice('default', op.name);
        break;
    }
  } catch (error) {
    // A change the cluster refuses (e.g. a type change that needs other fields) is simply not made.
    if (!(error instanceof Error) || !/invalid|Invalid|immutable|forbidden/.test(error.message)) throw error;
  }
}

/** Packets at every frontend the cluster has (and at nothing), from each kind of source. */
function tuples(cluster: Cluster): FlowTuple[] {
  const out: FlowTuple[] = [];
  const sources = ['10.1.0.9', '192.168.0.2', '203.0.113.5', '127.0.0.1'];
  const destinations: [string, number, Protocol][] = [];
  for (const svc of cluster.listServices('default')) {
    for (const p of svc.spec.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      for (const ip of [svc.spec.clusterIP as string, ...(svc.spec.externalIPs ?? [])]) destinations.push([ip, p.port, protocol]);
      if (p.nodePort) destinations.push(['192.168.0.2', p.nodePort, protocol], ['127.0.0.1', p.nodePort, protocol]);
    }
    if (svc.spec.healthCheckNodePort) destinations.push(['192.168.0.2', svc.spec.healthCheckNodePort, 'TCP']);
  }
  destinations.push(['10.96.0.200', 80, 'TCP'], ['192.0.2.1', 80, 'TCP'], ['192.0.2.2', 53, 'UDP']);
  for (const [dstIP, dstPort, protocol] of destinations) {
    for (const srcIP of sources) out.push({ family: 4, protocol, srcIP, srcPort: 40000, dstIP, dstPort });
  }
  return out;
}

describe('followCluster: incremental rules equal a full rebuild', () => {
  test.each<[number, ProxyMode]>([[1, 'iptables'], [2, 'nftables'], [3, 'ipvs']])('%i. %s mode, random change batches', (_n, mode) => {
    fc.assert(
      fc.property(fc.array(batchArb, { minLength: 1, maxLength: 8 }), (batches) => {
        const cluster = new Cluster({ seed: 3 });
        const { config } = parseKubeProxyConfiguration({ clusterCIDR: '10.1.0.0/16' }, { mode });
        const layer = createFlowLayer({ services: [], slices: [], node: NODE, config }, () => 0);
        const follower = followCluster(cluster, layer);
        const cache = new CoreDecisionCache(instantiateSync<Record<string, unknown>>(CORE_MODULE, {}).exports as unknown as DecisionCoreExports, layer.rules);
        for (const batch of batches) {
          cluster.batch(() => {
            for (const op of batch) apply(cluster, op);
          });
          const full = new KubeProxyRules({ node: NODE, config });
          full.setState(cluster.listServices(), cluster.listEndpointSlices(), cluster.listServiceCIDRs().flatMap((c) => c.spec.cidrs));
          for (const t of tuples(cluster)) {
            const expected = full.decide(t);
            expect(layer.rules.decide(t), JSON.stringify(t)).toEqual(expected);
            expect(cache.decide(t), `cache: ${JSON.stringify(t)}`).toEqual(expected);
          }
          const names = (r: KubeProxyRules) => r.servicePortStates().map((sp) => JSON.stringify(sp)).sort();
          expect(names(layer.rules)).toEqual(names(full));
          expect(layer.rules.udpFrontends().map((u) => JSON.stringify(u)).sort()).toEqual(full.udpFrontends().map((u) => JSON.stringify(u)).sort());
        }
        // The replay plus one sync per batch that touched something; never more.
        expect(follower.stats.syncs).toBeLessThanOrEqual(batches.length + 1);
      }),
      { numRuns: 60, seed: 0x5eed },
    );
  });

  test('4. a change that involves no node port invalidates the touched Service\'s addresses only; the other Services\' decisions stay', async () => {
    const cluster = new Cluster({ seed: 3 });
    const { config } = parseKubeProxyConfiguration({ clusterCIDR: '10.1.0.0/16' }, { mode: 'iptables' });
    const layer = createFlowLayer({ services: [], slices: [], node: NODE, config }, () => 0);
    followCluster(cluster, layer);
    const cache = new CoreDecisionCache(instantiateSync<Record<string, unknown>>(CORE_MODULE, {}).exports as unknown as DecisionCoreExports, layer.rules);
    for (const [name, slice] of [['a', 's1'], ['b', 's2']] as const) {
      apply(cluster, { op: 'service', name, type: 'ClusterIP', ports: [PORTS[0]], externalIPs: [], local: false });
      apply(cluster, { op: 'slice', slice, owner: name, endpoints: [{ ip: '10.1.1.5', ready: true, here: false }], ports: [PORTS[0]] });
    }
    const to = (name: string): FlowTuple => ({ family: 4, protocol: 'TCP', srcIP: '10.1.0.9', srcPort: 40000, dstIP: cluster.getService('default', name)?.spec.clusterIP as string, dstPort: 80 });
    cache.decide(to('a'));
    cache.decide(to('b'));
    const before = cache.stats();
    apply(cluster, { op: 'slice', slice: 's1', owner: 'a', endpoints: [{ ip: '10.1.2.5', ready: true, here: false }], ports: [PORTS[0]] });
    expect(cache.decide(to('a')).endpoints.map((e) => e.ip)).toEqual(['10.1.2.5']);
    expect(cache.decide(to('b')).endpoints.map((e) => e.ip)).toEqual(['10.1.1.5']);
    const after = cache.stats();
    expect(after.resets).toBe(before.resets);
    expect(after.invalidations - before.invalidations).toBe(1);
    expect([after.misses - before.misses, after.hits - before.hits]).toEqual([1, 1]);
  });
});
