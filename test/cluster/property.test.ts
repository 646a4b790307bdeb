// Property: a rejected operation changes nothing. Cluster A runs a random mix of valid and
// invalid operations; after each rejection its full snapshot (every list, the IPAM state
// and its PRNG, the resourceVersion) must equal the one before, and no consumer or
// listener may have heard of it. Cluster B replays only what A accepted; at the end both
// must be identical — so rejected operations did not even consume randomness.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Cluster } from '../../sdk/cluster/cluster.js';
import type { ServiceType } from '../../sdk/model/types.js';
import { makeEndpoint, makeNamespace, makeService, makeServiceCIDR, makeSlice } from '../model/builders.js';

const NOW = new Date('2024-05-01T12:00:00Z');

const NAMESPACES = ['default', 'team', 'ops', 'Bad_NS'] as const;
const SERVICES = ['web', 'api', 'db', 'Bad'] as const;
const TYPES: (ServiceType | 'Magic')[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'Magic'];
const CLUSTER_IPS = [undefined, '10.96.0.50', '10.96.0.51', '10.0.0.5', 'None', 'garbage'] as const;
const PORTS = [80, 443, 53, 0] as const;
const NODE_PORTS = [undefined, 30080, 30081, 80] as const;
const ADDRESSES = ['10.1.0.5', '10.1.0.6', '127.0.0.1', 'fd00::1'] as const;
const CIDRS = [['10.0.0.0/28'], ['10.0.0.0/33'], ['10.200.0.0/24', 'fd00::/64']] as const;

type Op =
  | { op: 'createNamespace'; ns: string }
  | { op: 'deleteNamespace'; ns: string }
  | { op: 'applyService'; ns: string; name: string; type: string; clusterIP?: string; port: number; nodePort?: number; eTPLocal: boolean }
  | { op: 'updateStale'; ns: string; name: string }
  | { op: 'deleteService'; ns: string; name: string }
  | { op: 'applySlice'; ns: string; service: string; address: string }
  | { op: 'deleteSlice'; ns: string; service: string }
  | { op: 'createCIDR'; cidrs: readonly string[] }
  | { op: 'deleteCIDR'; name: string }
  | { op: 'batch'; ops: Op[]; fail: boolean };

const ns = fc.constantFrom(...NAMESPACES);
const svcName = fc.constantFrom(...SERVICES);

const simpleOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('createNamespace' as const), ns }),
  fc.record({ op: fc.constant('deleteNamespace' as const), ns }),
  fc.record(
    {
      op: fc.constant('applyService' as const),
      ns,
      name: svcName,
      type: fc.constantFrom(...TYPES),
      clusterIP: fc.constantFrom(...CLUSTER_IPS),
      port: fc.constantFrom(...PORTS),
      nodePort: fc.constantFrom(...NODE_PORTS),
      eTPLocal: fc.boolean(),
    },
    { requiredKeys: ['op', 'ns', 'name', 'type', 'port', 'eTPLocal'] },
  ),
  fc.record({ op: fc.constant('updateStale' as const), ns, name: svcName }),
  fc.record({ op: fc.constant('deleteService' as const), ns, name: svcName }),
  fc.record({ op: fc.constant('applySlice' as const), ns, service: svcName, address: fc.constantFrom(...ADDRESSES) }),
  fc.record({ op: fc.constant('deleteSlice' as const), ns, service: svcName }),
  fc.record({ op: fc.constant('createCIDR' as const), cidrs: fc.constantFrom(...CIDRS) }),
  fc.record({ op: fc.constant('deleteCIDR' as const), name: fc.constantFrom('extra', 'kubernetes') }),
);

const anyOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: simpleOp },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('batch' as const), ops: fc.array(simpleOp, { minLength: 1, maxLength: 4 }), fail: fc.boolean() }) },
);

function run(c: Cluster, o: Op): void {
  switch (o.op) {
    case 'createNamespace':
      c.createNamespace(makeNamespace(o.ns));
      return;
    case 'deleteNamespace':
      c.deleteNamespace(o.ns);
      return;
    case 'applyService': {
      const external = o.type === 'ExternalName';
      c.applyService(
        makeService(
          {
            type: o.type as ServiceType,
            clusterIP: o.clusterIP,
            externalName: external ? 'example.com' : undefined,
            externalTrafficPolicy: o.eTPLocal && o.type !== 'ClusterIP' && !external ? 'Local' : undefined,
            ports: [{ name: 'p', port: o.port, nodePort: o.nodePort }, { name: 'q', port: 8443, protocol: 'UDP' }],
          },
          { name: o.name, namespace: o.ns },
        ),
      );
      return;
    }
    case 'updateStale': {
      const current = c.getService(o.ns, o.name);
      c.updateService(current ? { ...current, metadata: { ...current.metadata, resourceVersion: '1', labels: { x: 'y' } } } : makeService({}, { name: o.name, namespace: o.ns }));
      return;
    }
    case 'deleteService':
      c.deleteService(o.ns, o.name);
      return;
    case 'applySlice':
      c.applyEndpointSlice(makeSlice(o.service, 'abcde', [makeEndpoint(o.address)], {}, { namespace: o.ns }));
      return;
    case 'deleteSlice':
      c.deleteEndpointSlice(o.ns, `${o.service}-abcde`);
      return;
    case 'createCIDR':
      c.createServiceCIDR(makeServiceCIDR('extra', [...o.cidrs]));
      return;
    case 'deleteCIDR':
      c.deleteServiceCIDR(o.name);
      return;
    case 'batch':
      c.batch(() => {
        for (const inner of o.ops) run(c, inner);
        if (o.fail) throw new Error('batch aborted');
      });
      return;
  }
}

function snapshot(c: Cluster): unknown {
  return {
    rv: c.resourceVersion,
    namespaces: c.listNamespaces(),
    services: c.listServices(),
    slices: c.listEndpointSlices(),
    cidrs: c.listServiceCIDRs(),
    ipam: c.ipamState(),
  };
}

describe('rejected operations change nothing', () => {
  it('01 random sequences of valid and invalid operations', () => {
    let rejected = 0;
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(anyOp, { maxLength: 30 }), (ops) => {
        const a = new Cluster({ now: () => NOW, seed: 7 });
        const b = new Cluster({ now: () => NOW, seed: 7 });
        let consumerCalls = 0;
        let listenerCalls = 0;
        a.addConsumer({ applyChanges: () => void consumerCalls++ });
        a.on('*', () => void listenerCalls++);
        for (const o of ops) {
          const before = snapshot(a);
          const calls = [consumerCalls, listenerCalls];
          let ok = true;
          try {
            run(a, o);
          } catch {
            ok = false;
          }
          if (ok) {
            accepted++;
            run(b, o);
          } else {
            rejected++;
            expect(snapshot(a)).toEqual(before);
            expect([consumerCalls, listenerCalls]).toEqual(calls);
          }
        }
        expect(snapshot(b)).toEqual(snapshot(a));
      }),
      { numRuns: 200 },
    );
    // The generator must exercise both outcomes.
    expect(rejected).toBeGreaterThan(100);
    expect(accepted).toBeGreaterThan(100);
  });
});
