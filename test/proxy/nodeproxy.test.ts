// NodeProxy: Services + EndpointSlices → data-plane deltas, run against every engine.
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import type { EndpointSlice, Service } from '../../sdk/model/types.js';
import { NodeProxy } from '../../sdk/proxy/nodeproxy.js';
import type { DataPlane } from '../../sdk/engine/dataplane.js';
import { ReferenceDataPlane } from '../../sdk/reference/dataplane.js';
import { createWasmDataPlane } from '../../sdk/engine/core.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { PACKET_RECORD_WORDS } from '../../sdk/engine/records.js';
import { parseIPv4 } from '../../sdk/model/ip.js';

setDefaultCoreSource(nodeCoreSource);

type EndpointSpec = { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean; node?: string };

function makeService(name: string, clusterIP: string, ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP'; targetPort?: number | string }[], extra: Partial<Service['spec']> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { clusterIP, selector: { app: name }, ports, ...extra },
  } as Service;
}

function makeSlice(service: string, suffix: string, endpoints: EndpointSpec[], ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-${suffix}`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      nodeName: e.node ?? 'node-a',
    })),
    ports,
  } as EndpointSlice;
}

/** Wraps a data plane and counts the control calls that reach it. */
class CountingDataPlane implements DataPlane {
  readonly kind: string;
  calls = 0;
  constructor(private readonly inner: DataPlane) {
    this.kind = inner.kind;
  }
  private count<T>(value: T): T {
    this.calls++;
    return value;
  }
  upsertServicePort(id: number, flags: number) { return this.count(this.inner.upsertServicePort(id, flags)); }
  removeServicePort(id: number) { return this.count(this.inner.removeServicePort(id)); }
  addFrontend(a: number, p: number, pr: number, k: number, id: number) { return this.count(this.inner.addFrontend(a, p, pr, k, id)); }
  removeFrontend(a: number, p: number, pr: number) { return this.count(this.inner.removeFrontend(a, p, pr)); }
  setBackendCount(id: number, n: number) { return this.count(this.inner.setBackendCount(id, n)); }
  writeBackend(id: number, i: number, a: number, p: number, f: number) { return this.count(this.inner.writeBackend(id, i, a, p, f)); }
  reserveBatch(n: number) { return this.inner.reserveBatch(n); }
  inputView() { return this.inner.inputView(); }
  outputView() { return this.inner.outputView(); }
  routeBatch(n: number) { return this.inner.routeBatch(n); }
  frontendCount() { return this.inner.frontendCount(); }
  backendCount(id: number) { return this.inner.backendCount(id); }
  memoryBytes() { return this.inner.memoryBytes(); }
}

const ENGINES: [string, () => Promise<DataPlane>][] = [
  ['reference', async () => new ReferenceDataPlane()],
  ['wasm-debug', () => createWasmDataPlane({ target: 'debug' })],
  ['wasm-release', () => createWasmDataPlane({ target: 'release' })],
];

describe.each(ENGINES)('NodeProxy on %s', (_engine, create) => {
  async function setup(batchCapacity?: number) {
    const cluster = new Cluster({ builtins: false });
    cluster.createNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    const dataPlane = new CountingDataPlane(await create());
    const proxy = new NodeProxy(dataPlane, { nodeName: 'node-a', batchCapacity });
    proxy.attach(cluster);
    return { cluster, proxy, dataPlane };
  }
  const from = (destination: string, destinationPort: number, protocol: 'TCP' | 'UDP' | 'SCTP' = 'TCP', sourcePort = 40000) =>
    ({ source: '10.1.0.99', sourcePort, destination, destinationPort, protocol });

  it('01 programs a ClusterIP service and DNATs to its endpoint', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('web', '10.96.0.20', [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('web', 'a', [{ ip: '10.1.0.5' }], [{ port: 8080 }]));
    expect(proxy.route(from('10.96.0.20', 80))).toEqual({ verdict: 'DNAT', servicePort: 'default/web', endpoint: { address: '10.1.0.5', port: 8080 }, masquerade: false });
  });

  it('02 headless and ExternalName services get no frontends', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('headless', 'None', [{ port: 80 }]));
    cluster.applyService({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.com' } } as Service);
    expect(proxy.dataPlane.frontendCount()).toBe(0);
    expect(proxy.servicePortCount).toBe(0);
  });

  it('03 the endpoint port comes from the slice port with the service port name', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('api', '10.96.0.21', [{ name: 'https', port: 443, targetPort: 'https' }, { name: 'metrics', port: 9090 }]));
    cluster.applyEndpointSlice(makeSlice('api', 'a', [{ ip: '10.1.0.6' }], [{ name: 'metrics', port: 9100 }, { name: 'https', port: 8443 }]));
    expect(proxy.route(from('10.96.0.21', 443)).endpoint).toEqual({ address: '10.1.0.6', port: 8443 });
    expect(proxy.route(from('10.96.0.21', 9090)).endpoint).toEqual({ address: '10.1.0.6', port: 9100 });
    expect(proxy.route(from('10.96.0.21', 443)).servicePort).toBe('default/api:https');
  });

  it('04 TCP, UDP and SCTP ports are kept apart', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('dns', '10.96.0.30', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]));
    cluster.applyEndpointSlice(makeSlice('dns', 'a', [{ ip: '10.1.0.7' }], [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'dns-tcp', port: 5354, protocol: 'TCP' }]));
    expect(proxy.route(from('10.96.0.30', 53, 'UDP')).endpoint?.port).toBe(5353);
    expect(proxy.route(from('10.96.0.30', 53, 'TCP')).endpoint?.port).toBe(5354);
    expect(proxy.route(from('10.96.0.30', 53, 'SCTP')).verdict).toBe('PASS');
  });

  it('05 a slice port with another protocol does not serve the service port', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('u', '10.96.0.31', [{ name: 'x', port: 80, protocol: 'TCP' }]));
    cluster.applyEndpointSlice(makeSlice('u', 'a', [{ ip: '10.1.0.8' }], [{ name: 'x', port: 80, protocol: 'UDP' }]));
    expect(proxy.route(from('10.96.0.31', 80)).verdict).toBe('REJECT');
  });

  it('06 only ready endpoints are used; serving+terminating ones only when none is ready', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('t', '10.96.0.32', [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('t', 'a', [
      { ip: '10.1.0.10', ready: false, serving: true, terminating: true },
      { ip: '10.1.0.11' },
      { ip: '10.1.0.12', ready: false, serving: false },
    ], [{ port: 80 }]));
    for (let sp = 1; sp < 200; sp++) expect(proxy.route(from('10.96.0.32', 80, 'TCP', sp)).endpoint?.address).toBe('10.1.0.11');
    cluster.applyEndpointSlice(makeSlice('t', 'a', [
      { ip: '10.1.0.10', ready: false, serving: true, terminating: true },
      { ip: '10.1.0.12', ready: false, serving: false },
    ], [{ port: 80 }]));
    for (let sp = 1; sp < 200; sp++) expect(proxy.route(from('10.96.0.32', 80, 'TCP', sp)).endpoint?.address).toBe('10.1.0.10');
    cluster.applyEndpointSlice(makeSlice('t', 'a', [{ ip: '10.1.0.12', ready: false, serving: false }], [{ port: 80 }]));
    expect(proxy.route(from('10.96.0.32', 80)).verdict).toBe('REJECT');
  });

  it('07 reordering a slice writes nothing (endpoints are sorted before diffing)', async () => {
    const { cluster, proxy, dataPlane } = await setup();
    cluster.applyService(makeService('r', '10.96.0.33', [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('r', 'a', [{ ip: '10.1.0.3' }, { ip: '10.1.0.1' }, { ip: '10.1.0.2' }], [{ port: 80 }]));
    const before = dataPlane.calls;
    cluster.applyEndpointSlice(makeSlice('r', 'a', [{ ip: '10.1.0.2' }, { ip: '10.1.0.3' }, { ip: '10.1.0.1' }], [{ port: 80 }]));
    expect(dataPlane.calls).toBe(before);
    expect(proxy.lastSync.backendWrites).toBe(0);
  });

  it('08 re-applying the same objects to the proxy writes nothing', async () => {
    const { cluster, proxy, dataPlane } = await setup();
    cluster.applyService(makeService('i', '10.96.0.34', [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('i', 'a', [{ ip: '10.1.0.4' }], [{ port: 80 }]));
    const before = dataPlane.calls;
    proxy.applyChanges([
      { type: 'MODIFIED', kind: 'Service', object: cluster.getService('default', 'i')!, resourceVersion: '' },
      { type: 'MODIFIED', kind: 'EndpointSlice', object: cluster.getEndpointSlice('default', 'i-a')!, resourceVersion: '' },
    ]);
    expect(dataPlane.calls).toBe(before);
    expect(proxy.lastSync).toEqual({ servicePortsAdded: 0, servicePortsRemoved: 0, servicePortsUpdated: 0, frontendsAdded: 0, frontendsRemoved: 0, backendWrites: 0 });
  });

  it('09 replacing one pod of ten writes the changed slots only', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('ten', '10.96.0.35', [{ port: 80 }]));
    const ips = Array.from({ length: 10 }, (_, i) => ({ ip: `10.1.1.${10 + i}` }));
    cluster.applyEndpointSlice(makeSlice('ten', 'a', ips, [{ port: 80 }]));
    expect(proxy.lastSync.backendWrites).toBe(11); // set count + 10 slots
    const replaced = ips.map((e) => (e.ip === '10.1.1.19' ? { ip: '10.1.1.99' } : e));
    cluster.applyEndpointSlice(makeSlice('ten', 'a', replaced, [{ port: 80 }]));
    expect(proxy.lastSync.backendWrites).toBe(1);
    expect(proxy.lastSync.servicePortsUpdated).toBe(1);
  });

  it('10 the seed: the endpoint moves to the new pod, then <none> rejects, and the ClusterIP stays', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('sleep-2', '10.98.208.225', [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('sleep-2', 'x', [{ ip: '10.1.0.43' }], [{ port: 80 }]));
    expect(proxy.route(from('10.98.208.225', 80)).endpoint?.address).toBe('10.1.0.43');
    cluster.applyEndpointSlice(makeSlice('sleep-2', 'x', [{ ip: '10.1.0.51' }], [{ port: 80 }]));
    expect(proxy.route(from('10.98.208.225', 80)).endpoint?.address).toBe('10.1.0.51');
    cluster.applyEndpointSlice(makeSlice('sleep-2', 'x', [], [{ port: 80 }]));
    expect(proxy.route(from('10.98.208.225', 80))).toEqual({ verdict: 'REJECT', servicePort: 'default/sleep-2', masquerade: false });
  });

  it('11 deleting a service unbinds its frontends and reuses its id', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('gone', '10.96.0.36', [{ port: 80 }]));
    cluster.deleteService('default', 'gone');
    expect(proxy.route(from('10.96.0.36', 80)).verdict).toBe('PASS');
    expect(proxy.dataPlane.frontendCount()).toBe(0);
    cluster.applyService(makeService('next', '10.96.0.37', [{ port: 80 }]));
    expect(proxy.route(from('10.96.0.37', 80)).servicePort).toBe('default/next');
  });

  it('12 a batch is one sync; a change undone inside it writes nothing', async () => {
    const { cluster, proxy, dataPlane } = await setup();
    cluster.applyService(makeService('b', '10.96.0.38', [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('b', 'a', [{ ip: '10.1.0.40' }], [{ port: 80 }]));
    const before = dataPlane.calls;
    cluster.batch(() => {
      cluster.applyEndpointSlice(makeSlice('b', 'a', [{ ip: '10.1.0.41' }], [{ port: 80 }]));
      cluster.applyEndpointSlice(makeSlice('b', 'a', [{ ip: '10.1.0.40' }], [{ port: 80 }]));
    });
    expect(dataPlane.calls).toBe(before);
  });

  it('13 events fire after the data plane reflects the change', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('ev', '10.96.0.39', [{ port: 80 }]));
    const seen: string[] = [];
    cluster.on('EndpointSlice', () => {
      seen.push(proxy.route(from('10.96.0.39', 80)).endpoint?.address ?? 'none');
    });
    cluster.applyEndpointSlice(makeSlice('ev', 'a', [{ ip: '10.1.0.50' }], [{ port: 80 }]));
    expect(seen).toEqual(['10.1.0.50']);
  });

  it('14 a rejected change leaves the data plane untouched', async () => {
    const { cluster, proxy, dataPlane } = await setup();
    cluster.applyService(makeService('keep', '10.96.0.40', [{ port: 80 }]));
    const before = dataPlane.calls;
    expect(() => cluster.applyService(makeService('keep', '10.96.0.40', [{ port: 0 }]))).toThrow(/spec\.ports\[0\]\.port/);
    expect(() => cluster.batch(() => {
      cluster.applyEndpointSlice(makeSlice('keep', 'a', [{ ip: '10.1.0.60' }], [{ port: 80 }]));
      cluster.applyService(makeService('Bad_Name', '10.96.0.41', [{ port: 80 }]));
    })).toThrow();
    expect(dataPlane.calls).toBe(before);
    expect(proxy.route(from('10.96.0.40', 80)).verdict).toBe('REJECT');
  });

  it('15 endpoints of several slices are merged', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('m', '10.96.0.42', [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('m', 'a', [{ ip: '10.1.2.1' }], [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('m', 'b', [{ ip: '10.1.2.2' }], [{ port: 80 }]));
    const seen = new Set<string>();
    for (let sp = 1; sp < 300; sp++) seen.add(proxy.route(from('10.96.0.42', 80, 'TCP', sp)).endpoint!.address);
    expect([...seen].sort()).toEqual(['10.1.2.1', '10.1.2.2']);
    expect(proxy.dataPlane.backendCount(1)).toBe(2);
  });

  it('16 a slice relabelled to another service moves its endpoints', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('one', '10.96.0.43', [{ port: 80 }]));
    cluster.applyService(makeService('two', '10.96.0.44', [{ port: 80 }]));
    const slice = makeSlice('one', 'a', [{ ip: '10.1.3.1' }], [{ port: 80 }]);
    cluster.applyEndpointSlice(slice);
    cluster.applyEndpointSlice({ ...slice, metadata: { ...slice.metadata, labels: { 'kubernetes.io/service-name': 'two' } } });
    expect(proxy.route(from('10.96.0.43', 80)).verdict).toBe('REJECT');
    expect(proxy.route(from('10.96.0.44', 80)).endpoint?.address).toBe('10.1.3.1');
  });

  it('17 routeBatch equals route packet by packet, across chunk boundaries', async () => {
    const { cluster, proxy } = await setup(7);
    cluster.applyService(makeService('bb', '10.96.0.45', [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('bb', 'a', [{ ip: '10.1.4.1' }, { ip: '10.1.4.2' }, { ip: '10.1.4.3' }], [{ port: 80 }]));
    const n = 50;
    const packets = new Uint32Array(n * PACKET_RECORD_WORDS);
    for (let i = 0; i < n; i++) {
      packets.set([parseIPv4('10.1.0.99'), parseIPv4(i % 5 === 0 ? '10.96.0.46' : '10.96.0.45'), (1000 + i) | (80 << 16), 6], i * 4);
    }
    const out = proxy.routeBatch(packets);
    for (let i = 0; i < n; i++) {
      const single = proxy.route(from(i % 5 === 0 ? '10.96.0.46' : '10.96.0.45', 80, 'TCP', 1000 + i));
      expect(out[i * 4] & 0xff).toBe(single.verdict === 'DNAT' ? 1 : 0);
      if (single.endpoint) expect(out[i * 4 + 2]).toBe(parseIPv4(single.endpoint.address));
    }
  });

  it('18 deleting the namespace removes its service ports', async () => {
    const { cluster, proxy } = await setup();
    cluster.createNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    cluster.applyService({ ...makeService('svc', '10.96.0.47', [{ port: 80 }]), metadata: { name: 'svc', namespace: 'team' } });
    expect(proxy.route(from('10.96.0.47', 80)).servicePort).toBe('team/svc');
    cluster.deleteNamespace('team');
    expect(proxy.route(from('10.96.0.47', 80)).verdict).toBe('PASS');
    expect(proxy.servicePortCount).toBe(0);
  });

  it('19 adding or removing one endpoint of a thousand writes at most two slots', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('big', '10.96.0.48', [{ port: 80 }]));
    const ips = Array.from({ length: 1000 }, (_, i) => ({ ip: `10.2.${(i >> 8) & 255}.${i & 255}` }));
    cluster.applyEndpointSlice(makeSlice('big', 'a', ips.slice(0, 990), [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('big', 'a', [{ ip: '10.0.0.1' }, ...ips.slice(0, 990)], [{ port: 80 }]));
    expect(proxy.lastSync.backendWrites).toBe(2); // count + the new slot
    cluster.applyEndpointSlice(makeSlice('big', 'a', [{ ip: '10.0.0.1' }, ...ips.slice(1, 990)], [{ port: 80 }]));
    expect(proxy.lastSync.backendWrites).toBe(2); // the last slot moves into the hole, count shrinks
    cluster.applyEndpointSlice(makeSlice('big', 'a', [{ ip: '10.0.0.2' }, ...ips.slice(1, 990)], [{ port: 80 }]));
    expect(proxy.lastSync.backendWrites).toBe(1); // a replacement takes the slot it frees
    const seen = new Set<string>();
    for (let sp = 1; sp < 20000; sp++) seen.add(proxy.route(from('10.96.0.48', 80, 'TCP', sp)).endpoint!.address);
    expect(seen.size).toBe(990);
    expect(seen.has('10.0.0.2') && !seen.has('10.0.0.1') && !seen.has('10.2.0.0')).toBe(true);
  });

  it('20 a frontend two service ports claim goes to the waiting one when freed', async () => {
    const { proxy } = await setup();
    const a = { ...makeService('a', '10.96.0.49', [{ port: 80 }]) };
    const b = { ...makeService('b', '10.96.0.49', [{ port: 80 }]) };
    proxy.applyChanges([
      { type: 'ADDED', kind: 'Service', object: a, resourceVersion: '' },
      { type: 'ADDED', kind: 'Service', object: b, resourceVersion: '' },
    ]);
    expect(proxy.route(from('10.96.0.49', 80)).servicePort).toBe('default/a');
    expect(proxy.conflicts).toEqual(['10.96.0.49:80/TCP wanted by default/b']);
    proxy.applyChanges([{ type: 'DELETED', kind: 'Service', object: a, resourceVersion: '' }]);
    expect(proxy.route(from('10.96.0.49', 80)).servicePort).toBe('default/b');
    expect(proxy.conflicts).toEqual([]);
  });

  it('21 a write the data plane refuses rolls the proxy back with the cluster', async () => {
    const { cluster, proxy, dataPlane } = await setup();
    cluster.applyService(makeService('ok', '10.96.0.50', [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('ok', 'a', [{ ip: '10.1.5.1' }], [{ port: 80 }]));
    const refuse = dataPlane as unknown as { setBackendCount(id: number, n: number): number };
    const original = refuse.setBackendCount.bind(dataPlane);
    refuse.setBackendCount = (id, n) => (n === 7 ? 3 /* ST_BAD_ARGUMENT */ : original(id, n));
    const seven = Array.from({ length: 7 }, (_, i) => ({ ip: `10.1.6.${i + 1}` }));
    expect(() => cluster.batch(() => {
      cluster.applyService(makeService('new', '10.96.0.51', [{ port: 80 }]));
      cluster.applyEndpointSlice(makeSlice('ok', 'a', [{ ip: '10.1.5.2' }], [{ port: 80 }]));
      cluster.applyEndpointSlice(makeSlice('new', 'a', seven, [{ port: 80 }]));
    })).toThrow(/refused setBackendCount: BAD_ARGUMENT/);
    refuse.setBackendCount = original;
    expect(cluster.getService('default', 'new')).toBeUndefined();
    expect(proxy.route(from('10.96.0.51', 80)).verdict).toBe('PASS');
    expect(proxy.route(from('10.96.0.50', 80)).endpoint?.address).toBe('10.1.5.1');
    cluster.applyService(makeService('new', '10.96.0.51', [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('new', 'a', seven, [{ port: 80 }]));
    expect(proxy.route(from('10.96.0.51', 80)).verdict).toBe('DNAT');
  });

  it('22 routing still works after someone else reserves a larger batch on the data plane', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('v', '10.96.0.52', [{ port: 80 }]));
    cluster.applyEndpointSlice(makeSlice('v', 'a', [{ ip: '10.1.7.1' }], [{ port: 80 }]));
    proxy.dataPlane.reserveBatch(50_000);
    expect(proxy.route(from('10.200.0.1', 80)).verdict).toBe('PASS');
    expect(proxy.route(from('10.96.0.52', 80)).endpoint?.address).toBe('10.1.7.1');
  });

  it('23 an endpoint with serving unset, not ready and terminating is a fallback (kube-proxy reads serving nil as true)', async () => {
    const { cluster, proxy } = await setup();
    cluster.applyService(makeService('s', '10.96.0.53', [{ port: 80 }]));
    const slice = makeSlice('s', 'a', [{ ip: '10.1.8.1' }], [{ port: 80 }]);
    slice.endpoints[0].conditions = { ready: false, terminating: true };
    cluster.applyEndpointSlice(slice);
    expect(proxy.route(from('10.96.0.53', 80)).endpoint?.address).toBe('10.1.8.1');
  });

  it('24 a batch capacity below one is refused', async () => {
    expect(() => new NodeProxy(new ReferenceDataPlane(), { nodeName: 'n', batchCapacity: 0 })).toThrow(/batchCapacity must be a positive integer/);
  });
});

