// Random Services, EndpointSlice churn and packets through one Cluster with three node
// proxies attached — wasm release, wasm debug and the reference — which must route every
// packet identically after every change.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import type { EndpointSlice, Service } from '../../sdk/model/types.js';
import { NodeProxy } from '../../sdk/proxy/nodeproxy.js';
import { createWasmDataPlane } from '../../sdk/engine/core.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { ReferenceDataPlane } from '../../sdk/reference/dataplane.js';
import { PACKET_RECORD_WORDS } from '../../sdk/engine/records.js';
import { parseIPv4 } from '../../sdk/model/ip.js';

setDefaultCoreSource(nodeCoreSource);

const SERVICE_NAMES = ['a', 'b', 'c', 'd'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const clusterIP = (i: number) => `10.96.1.${10 + i}`;

const servicePortArb = fc.record({
  name: fc.constantFrom('http', 'dns', 'metrics'),
  port: fc.constantFrom(53, 80, 443),
  protocol: fc.constantFrom(...PROTOCOLS),
});

const commandArb = fc.oneof(
  fc.record({
    op: fc.constant('service' as const),
    service: fc.nat(SERVICE_NAMES.length - 1),
    ports: fc.uniqueArray(servicePortArb, { minLength: 1, maxLength: 3, selector: (p) => p.name }),
  }),
  fc.record({ op: fc.constant('deleteService' as const), service: fc.nat(SERVICE_NAMES.length - 1) }),
  fc.record({
    op: fc.constant('slice' as const),
    service: fc.nat(SERVICE_NAMES.length - 1),
    slice: fc.nat(1),
    endpoints: fc.array(
      fc.record({ host: fc.nat(7), ready: fc.boolean(), serving: fc.boolean(), terminating: fc.boolean() }),
      { maxLength: 6 },
    ),
    ports: fc.uniqueArray(
      fc.record({ name: fc.constantFrom('http', 'dns', 'metrics'), port: fc.integer({ min: 1, max: 9 }), protocol: fc.constantFrom(...PROTOCOLS) }),
      { maxLength: 3, selector: (p) => `${p.name}` },
    ),
  }),
  fc.record({ op: fc.constant('deleteSlice' as const), service: fc.nat(SERVICE_NAMES.length - 1), slice: fc.nat(1) }),
);

type Command = typeof commandArb extends fc.Arbitrary<infer T> ? T : never;

function apply(cluster: Cluster, command: Command): void {
  const name = SERVICE_NAMES[command.service];
  switch (command.op) {
    case 'service':
      cluster.applyService({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'default' },
        spec: { clusterIP: clusterIP(command.service), selector: { app: name }, ports: command.ports.map((p) => ({ ...p })) },
      } as Service);
      return;
    case 'deleteService':
      if (cluster.getService('default', name)) cluster.deleteService('default', name);
      return;
    case 'slice':
      cluster.applyEndpointSlice({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${name}-${command.slice}`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        endpoints: command.endpoints.map((e) => ({
          addresses: [`10.1.0.${e.host + 1}`],
          conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
        })),
        ports: command.ports.map((p) => ({ name: p.name, port: 8000 + p.port, protocol: p.protocol })),
      } as EndpointSlice);
      return;
    case 'deleteSlice':
      if (cluster.getEndpointSlice('default', `${name}-${command.slice}`)) cluster.deleteEndpointSlice('default', `${name}-${command.slice}`);
      return;
  }
}

/** Every (ClusterIP, port, protocol) the commands can create, from a few sources. */
function probePackets(): Uint32Array {
  const packets: number[] = [];
  for (let s = 0; s < SERVICE_NAMES.length; s++) {
    for (const port of [53, 80, 443, 8080]) {
      for (const protocol of [6, 17, 132]) {
        for (let source = 0; source < 4; source++) {
          packets.push(parseIPv4(`10.1.${source}.200`), parseIPv4(clusterIP(s)), (30000 + source) | (port << 16), protocol);
        }
      }
    }
  }
  return Uint32Array.from(packets);
}

describe('node proxies on wasm (release, debug) and reference agree under random churn', () => {
  it('01 identical verdict records after every change', async () => {
    const packets = probePackets();
    expect(packets.length / PACKET_RECORD_WORDS).toBe(192);
    let dnats = 0;
    let rejects = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 40 }), async (commands) => {
        const cluster = new Cluster({ builtins: false });
        cluster.createNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
        const proxies = [
          new NodeProxy(await createWasmDataPlane({ target: 'release' }), { nodeName: 'n' }),
          new NodeProxy(await createWasmDataPlane({ target: 'debug' }), { nodeName: 'n' }),
          new NodeProxy(new ReferenceDataPlane(), { nodeName: 'n' }),
        ];
        for (const proxy of proxies) proxy.attach(cluster);
        for (const command of commands) {
          try {
            apply(cluster, command);
          } catch (error) {
            // Duplicate (port, protocol) pairs are generated on purpose: a rejected change
            // must leave all three proxies as they were, which the comparison below checks.
            if ((error as { code?: string }).code !== 'Invalid') throw error;
            rejected++;
          }
          const [release, debug, reference] = proxies.map((p) => p.routeBatch(packets));
          expect(release).toEqual(reference);
          expect(debug).toEqual(reference);
          for (let i = 0; i < reference.length; i += 4) {
            if ((reference[i] & 0xff) === 1) dnats++;
            if ((reference[i] & 0xff) === 2) rejects++;
          }
        }
      }),
      // A fixed seed keeps CI deterministic (and the coverage floor below meaningful);
      // set FC_SEED to explore other programs locally.
      { numRuns: 150, seed: Number(process.env.FC_SEED ?? 20261125) },
    );
    // The generator must reach every verdict, or the agreement above says little.
    expect(dnats).toBeGreaterThan(50);
    expect(rejects).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(0);
  }, 120_000);
});
