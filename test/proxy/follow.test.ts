// Frame engines following a live Cluster (sdk/proxy/follow.ts): Services, EndpointSlices
// and ServiceCIDRs change under running flows. The wasm engine (release core) and the
// reference engine follow the same cluster and must return identical results for every
// frame; the flows' fates are kube-proxy's: a UDP entry to an endpoint that left is
// cleaned up (the next packet is a new flow), a TCP connection keeps its endpoint, a new
// Service is routed at once, a deleted one no longer.
import { describe, expect, test } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import { createWasmFrameEngine } from '../../sdk/engine/frames.js';
import type { EndpointSlice } from '../../sdk/model/types.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { LINKTYPE_ETHERNET } from '../../sdk/packet/parse.js';
import { parseKubeProxyConfiguration } from '../../sdk/proxy/config.js';
import type { Frame, FrameResult } from '../../sdk/proxy/frame-engine.js';
import { followCluster } from '../../sdk/proxy/follow.js';
import { createReferenceFrameEngine, type FrameEngineOptions } from '../../sdk/proxy/reference-frames.js';
import { ethernet, hex, ipv4, tcp, udp } from '../packet/samples.js';

const T0 = 1_700_000_000_000;
const SYN = 0x02;
const ACK = 0x10;
const SYN_ACK = 0x12;
const POD = '10.0.0.5';
const VIP = '10.96.0.50';
const E1 = '10.1.0.1';
const E2 = '10.1.0.2';
const E3 = '10.1.0.3';

function frame(packet: Uint8Array, timeMs: number): Frame {
  return { data: ethernet(packet), linkType: LINKTYPE_ETHERNET, timeMs };
}

function slice(addresses: string[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'dns-1', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'dns' } },
    addressType: 'IPv4',
    endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [
      { name: 'dns', port: 5353, protocol: 'UDP' },
      { name: 'dns-tcp', port: 5353, protocol: 'TCP' },
    ],
  };
}

function show(r: FrameResult): unknown {
  const { output, ...rest } = r;
  return { ...rest, ...(output ? { output: hex(output) } : {}) };
}

async function setup() {
  const cluster = new Cluster({ seed: 7 });
  cluster.createNamespace({ metadata: { name: 'ns' } });
  const { config } = parseKubeProxyConfiguration({ clusterCIDR: '10.0.0.0/8' }, { mode: 'iptables' });
  // The engines start from an empty snapshot: everything they route comes from the cluster.
  const options: FrameEngineOptions = { services: [], slices: [], node: { name: 'node-1', addresses: ['192.168.0.2'], podCIDRs: ['10.0.0.0/24'] }, config, seed: 11 };
  const reference = createReferenceFrameEngine(options);
  const wasm = await createWasmFrameEngine({ ...options, target: 'release', wasm: await nodeCoreSource('release') });
  const followers = [followCluster(cluster, reference), followCluster(cluster, wasm)];
  const run = (frames: Frame[]): FrameResult[] => {
    const expected = reference.process(frames);
    const actual = wasm.process(frames);
    expect(actual.map(show)).toEqual(expected.map(show));
    return actual;
  };
  return { cluster, reference, wasm, followers, run };
}

const udpOut = (t: number) => frame(ipv4({ src: POD, dst: VIP }, udp({ sport: 50000, dport: 53, data: [1, 2] })), t);
const tcpOut = (flags: number, t: number) => frame(ipv4({ src: POD, dst: VIP }, tcp({ sport: 40001, dport: 53, flags })), t);

describe('frame engines follow a live Cluster', () => {
  test('1. a Service created after the engines is routed; before it, the address is nobody’s', async () => {
    const c = await setup();
    const [before] = c.run([udpOut(T0)]);
    expect(before.verdict).toBe('PASS');
    c.cluster.createService({ metadata: { name: 'dns', namespace: 'ns' }, spec: { clusterIP: VIP, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] } });
    c.cluster.createEndpointSlice(slice([E1, E2]));
    const [after] = c.run([udpOut(T0 + 31_000)]); // the PASS flow's UDP entry (30 s) has gone
    expect(after).toMatchObject({ verdict: 'DNAT', flow: 'new', servicePort: 'ns/dns:dns' });
    expect([`${E1}:5353`, `${E2}:5353`]).toContain(after.endpoint);
  });

  test('2. endpoints change: the UDP flow to a departed endpoint is cleaned up, the TCP connection keeps its endpoint', async () => {
    const c = await setup();
    c.cluster.createService({ metadata: { name: 'dns', namespace: 'ns' }, spec: { clusterIP: VIP, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] } });
    c.cluster.createEndpointSlice(slice([E1, E2]));
    const [udpFirst, syn] = c.run([udpOut(T0), tcpOut(SYN, T0 + 1)]);
    const tcpEndpoint = syn.endpoint!.split(':')[0];
    c.run([frame(ipv4({ src: tcpEndpoint, dst: POD }, tcp({ sport: 5353, dport: 40001, flags: SYN_ACK })), T0 + 2), tcpOut(ACK, T0 + 3)]);
    expect(c.run([udpOut(T0 + 4)])[0]).toMatchObject({ flow: 'established', endpoint: udpFirst.endpoint });

    // Both endpoints leave; E3 comes.
    c.cluster.updateEndpointSlice(slice([E3]));
    for (const follower of c.followers) expect(follower.stats.conntrackEntriesRemoved).toBe(1);
    const [udpAgain, tcpAgain] = c.run([udpOut(T0 + 5), tcpOut(ACK, T0 + 6)]);
    expect(udpAgain).toMatchObject({ flow: 'new', verdict: 'DNAT', endpoint: `${E3}:5353` });
    expect(tcpAgain).toMatchObject({ flow: 'established', endpoint: syn.endpoint });
  });

  test('3. a deleted Service: new flows pass; the decision cache drops its address only', async () => {
    const c = await setup();
    c.cluster.createService({ metadata: { name: 'dns', namespace: 'ns' }, spec: { clusterIP: VIP, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } });
    c.cluster.createEndpointSlice(slice([E1]));
    expect(c.run([udpOut(T0)])[0].verdict).toBe('DNAT');
    const before = c.wasm.decisionStats();
    c.cluster.deleteService('ns', 'dns');
    const [gone] = c.run([frame(ipv4({ src: POD, dst: VIP }, udp({ sport: 50001, dport: 53, data: [1] })), T0 + 1)]);
    expect(gone).toMatchObject({ flow: 'new', verdict: 'PASS' });
    const after = c.wasm.decisionStats();
    expect(after.resets).toBe(before.resets);
    expect(after.invalidations - before.invalidations).toBe(1);
    expect(after.misses - before.misses).toBe(1);
  });

  test('4. after detach, cluster changes no longer reach the engine', async () => {
    const c = await setup();
    for (const follower of c.followers) follower.detach();
    c.cluster.createService({ metadata: { name: 'dns', namespace: 'ns' }, spec: { clusterIP: VIP, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } });
    c.cluster.createEndpointSlice(slice([E1]));
    expect(c.run([udpOut(T0)])[0].verdict).toBe('PASS');
  });
});
