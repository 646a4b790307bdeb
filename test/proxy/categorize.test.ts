// categorizeEndpoints against kube-proxy's own table (kubernetes/kubernetes
// pkg/proxy/topology_test.go, TestCategorizeEndpoints) plus same-node hints and proxy.md §6.
import { describe, expect, it } from 'vitest';
import {
  categorizeEndpoints,
  topologyModeFromHints,
  usesClusterEndpoints,
  usesLocalEndpoints,
  type CategorizableEndpoint,
  type CategorizeServicePort,
} from '../../sdk/proxy/categorize.js';

const NODE = 'node-1';

interface Ep extends CategorizableEndpoint {
  readonly id: string;
}

interface EpSpec {
  zones?: string[];
  nodes?: string[];
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  local?: boolean;
}

// Go zero values, as the upstream table builds BaseEndpointInfo: unset booleans are false.
function ep(id: string, spec: EpSpec = {}): Ep {
  return {
    id,
    ready: spec.ready ?? false,
    serving: spec.serving ?? false,
    terminating: spec.terminating ?? false,
    nodeName: spec.local ? NODE : 'node-2',
    ...(spec.zones ? { zoneHints: spec.zones } : {}),
    ...(spec.nodes ? { nodeHints: spec.nodes } : {}),
  };
}

// BaseServicePortInfo{internalPolicyLocal, externalPolicyLocal, nodePort}: nodePort != 0
// makes the port externally accessible.
function svc(p: { itp?: boolean; etp?: boolean; nodePort?: boolean } = {}): CategorizeServicePort {
  return {
    internalTrafficPolicy: p.itp ? 'Local' : 'Cluster',
    externalTrafficPolicy: p.etp ? 'Local' : 'Cluster',
    externallyAccessible: p.nodePort ?? false,
  };
}

interface Case {
  name: string;
  zone?: string;
  gate?: boolean;
  port: CategorizeServicePort;
  endpoints: Ep[];
  cluster: string[] | null;
  local: string[] | null;
  all?: string[];
  onlyRemote?: boolean;
  mode?: string;
}

const R = { ready: true };
const A4 = (zones: [string, string, string, string]): Ep[] =>
  zones.map((z, i) => ep(`10.1.2.${3 + i}:80`, { zones: [z], ...R }));

// Cases 1–26: upstream TestCategorizeEndpoints, in its order.
const upstream: Case[] = [
  { name: 'should use topology since all endpoints have hints, node has a zone label and there are endpoints for the node\'s zone', zone: 'zone-a', port: svc(), endpoints: A4(['zone-a', 'zone-b', 'zone-c', 'zone-a']), cluster: ['10.1.2.3:80', '10.1.2.6:80'], local: null },
  {
    name: 'externalTrafficPolicy: Local, topology ignored for Local endpoints', zone: 'zone-a', port: svc({ etp: true, nodePort: true }),
    endpoints: [ep('10.1.2.3:80', { zones: ['zone-a'], ...R, local: true }), ep('10.1.2.4:80', { zones: ['zone-b'], ...R, local: true }), ep('10.1.2.5:80', { zones: ['zone-c'], ...R }), ep('10.1.2.6:80', { zones: ['zone-a'], ...R })],
    cluster: ['10.1.2.3:80', '10.1.2.6:80'], local: ['10.1.2.3:80', '10.1.2.4:80'], all: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.6:80'],
  },
  {
    name: 'internalTrafficPolicy: Local, topology ignored for Local endpoints', zone: 'zone-a', port: svc({ itp: true, nodePort: true }),
    endpoints: [ep('10.1.2.3:80', { zones: ['zone-a'], ...R, local: true }), ep('10.1.2.4:80', { zones: ['zone-b'], ...R, local: true }), ep('10.1.2.5:80', { zones: ['zone-c'], ...R }), ep('10.1.2.6:80', { zones: ['zone-a'], ...R })],
    cluster: ['10.1.2.3:80', '10.1.2.6:80'], local: ['10.1.2.3:80', '10.1.2.4:80'], all: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.6:80'],
  },
  { name: 'empty node labels', port: svc(), endpoints: [ep('10.1.2.3:80', { zones: ['zone-a'], ...R })], cluster: ['10.1.2.3:80'], local: null },
  { name: 'empty zone label', zone: '', port: svc(), endpoints: [ep('10.1.2.3:80', { zones: ['zone-a'], ...R })], cluster: ['10.1.2.3:80'], local: null },
  { name: 'node in different zone, no endpoint filtering', zone: 'zone-b', port: svc(), endpoints: [ep('10.1.2.3:80', { zones: ['zone-a'], ...R })], cluster: ['10.1.2.3:80'], local: null },
  {
    name: 'unready endpoint', zone: 'zone-a', port: svc(),
    endpoints: [ep('10.1.2.3:80', { zones: ['zone-a'], ...R }), ep('10.1.2.4:80', { zones: ['zone-b'], ...R }), ep('10.1.2.5:80', { zones: ['zone-c'], ...R }), ep('10.1.2.6:80', { zones: ['zone-a'], ready: false })],
    cluster: ['10.1.2.3:80'], local: null,
  },
  {
    name: 'only unready endpoints in same zone (should not filter)', zone: 'zone-a', port: svc(),
    endpoints: [ep('10.1.2.3:80', { zones: ['zone-a'], ready: false }), ep('10.1.2.4:80', { zones: ['zone-b'], ...R }), ep('10.1.2.5:80', { zones: ['zone-c'], ...R }), ep('10.1.2.6:80', { zones: ['zone-a'], ready: false })],
    cluster: ['10.1.2.4:80', '10.1.2.5:80'], local: null,
  },
  {
    name: 'missing hints, no filtering applied', zone: 'zone-a', port: svc(),
    endpoints: [ep('10.1.2.3:80', { zones: ['zone-a'], ...R }), ep('10.1.2.4:80', { zones: ['zone-b'], ...R }), ep('10.1.2.5:80', { ...R }), ep('10.1.2.6:80', { zones: ['zone-a'], ...R })],
    cluster: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.5:80', '10.1.2.6:80'], local: null,
  },
  {
    name: 'multiple hints per endpoint, filtering includes any endpoint with zone included', zone: 'zone-c', port: svc(),
    endpoints: [ep('10.1.2.3:80', { zones: ['zone-a', 'zone-b', 'zone-c'], ...R }), ep('10.1.2.4:80', { zones: ['zone-b', 'zone-c'], ...R }), ep('10.1.2.5:80', { zones: ['zone-b', 'zone-d'], ...R }), ep('10.1.2.6:80', { zones: ['zone-c'], ...R })],
    cluster: ['10.1.2.3:80', '10.1.2.4:80', '10.1.2.6:80'], local: null,
  },
  {
    name: 'conflicting topology and localness require merging allEndpoints', zone: 'zone-a', port: svc({ etp: true, nodePort: true }),
    endpoints: [ep('10.0.0.0:80', { zones: ['zone-a'], ...R, local: true }), ep('10.0.0.1:80', { zones: ['zone-b'], ...R, local: true }), ep('10.0.0.2:80', { zones: ['zone-a'], ...R }), ep('10.0.0.3:80', { zones: ['zone-b'], ...R })],
    cluster: ['10.0.0.0:80', '10.0.0.2:80'], local: ['10.0.0.0:80', '10.0.0.1:80'], all: ['10.0.0.0:80', '10.0.0.1:80', '10.0.0.2:80'],
  },
  { name: 'internalTrafficPolicy: Local, with empty endpoints', port: svc({ itp: true }), endpoints: [], cluster: null, local: [] },
  { name: 'internalTrafficPolicy: Local, but all endpoints are remote', port: svc({ itp: true }), endpoints: [ep('10.0.0.0:80', R), ep('10.0.0.1:80', R)], cluster: null, local: [], onlyRemote: true },
  { name: 'internalTrafficPolicy: Local, all endpoints are local', port: svc({ itp: true }), endpoints: [ep('10.0.0.0:80', { ...R, local: true }), ep('10.0.0.1:80', { ...R, local: true })], cluster: null, local: ['10.0.0.0:80', '10.0.0.1:80'] },
  { name: 'internalTrafficPolicy: Local, some endpoints are local', port: svc({ itp: true }), endpoints: [ep('10.0.0.0:80', { ...R, local: true }), ep('10.0.0.1:80', R)], cluster: null, local: ['10.0.0.0:80'] },
  { name: 'Cluster traffic policy, endpoints not Ready', port: svc(), endpoints: [ep('10.0.0.0:80'), ep('10.0.0.1:80')], cluster: [], local: null },
  { name: 'Cluster traffic policy, some endpoints are Ready', port: svc(), endpoints: [ep('10.0.0.0:80'), ep('10.0.0.1:80', R)], cluster: ['10.0.0.1:80'], local: null },
  {
    name: 'Cluster traffic policy, all endpoints are terminating', port: svc(),
    endpoints: [ep('10.0.0.0:80', { serving: true, terminating: true, local: true }), ep('10.0.0.1:80', { serving: true, terminating: true })],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'], local: null,
  },
  { name: 'iTP: Local, eTP: Cluster, some endpoints local', port: svc({ itp: true, nodePort: true }), endpoints: [ep('10.0.0.0:80', { ...R, local: true }), ep('10.0.0.1:80', R)], cluster: ['10.0.0.0:80', '10.0.0.1:80'], local: ['10.0.0.0:80'], all: ['10.0.0.0:80', '10.0.0.1:80'] },
  { name: 'iTP: Cluster, eTP: Local, some endpoints local', port: svc({ etp: true, nodePort: true }), endpoints: [ep('10.0.0.0:80', { ...R, local: true }), ep('10.0.0.1:80', R)], cluster: ['10.0.0.0:80', '10.0.0.1:80'], local: ['10.0.0.0:80'], all: ['10.0.0.0:80', '10.0.0.1:80'] },
  { name: 'iTP: Local, eTP: Local, some endpoints local', port: svc({ itp: true, etp: true, nodePort: true }), endpoints: [ep('10.0.0.0:80', { ...R, local: true }), ep('10.0.0.1:80', R)], cluster: ['10.0.0.0:80', '10.0.0.1:80'], local: ['10.0.0.0:80'], all: ['10.0.0.0:80', '10.0.0.1:80'] },
  { name: 'iTP: Local, eTP: Local, all endpoints remote', port: svc({ itp: true, etp: true, nodePort: true }), endpoints: [ep('10.0.0.0:80', R), ep('10.0.0.1:80', R)], cluster: ['10.0.0.0:80', '10.0.0.1:80'], local: [], all: ['10.0.0.0:80', '10.0.0.1:80'] },
  {
    name: 'iTP: Local, eTP: Local, all endpoints remote and terminating', port: svc({ itp: true, etp: true, nodePort: true }),
    endpoints: [ep('10.0.0.0:80', { serving: true, terminating: true }), ep('10.0.0.1:80', { serving: true, terminating: true })],
    cluster: ['10.0.0.0:80', '10.0.0.1:80'], local: [], all: ['10.0.0.0:80', '10.0.0.1:80'], onlyRemote: true,
  },
  {
    name: 'iTP: Cluster, eTP: Local, with terminating endpoints', port: svc({ etp: true, nodePort: true }),
    endpoints: [ep('10.0.0.0:80', R), ep('10.0.0.1:80', { local: true }), ep('10.0.0.2:80', { serving: true, terminating: true, local: true }), ep('10.0.0.3:80', { serving: true, terminating: true })],
    cluster: ['10.0.0.0:80'], local: ['10.0.0.2:80'], all: ['10.0.0.0:80', '10.0.0.2:80'],
  },
  { name: 'externalTrafficPolicy ignored if not externally accessible', port: svc({ etp: true }), endpoints: [ep('10.0.0.0:80', R), ep('10.0.0.1:80', { ...R, local: true })], cluster: ['10.0.0.0:80', '10.0.0.1:80'], local: null, all: ['10.0.0.0:80', '10.0.0.1:80'] },
  { name: 'no cluster endpoints for iTP:Local internal-only service', port: svc({ itp: true }), endpoints: [ep('10.0.0.0:80', R), ep('10.0.0.1:80', { ...R, local: true })], cluster: null, local: ['10.0.0.1:80'], all: ['10.0.0.1:80'] },
];

// Cases 27–34: same-node hints (PreferSameTrafficDistribution), derived from topologyModeFromHints.
const sameNode: Case[] = [
  {
    name: 'all ready endpoints have node hints, one for this node: PreferSameNode', zone: 'zone-a', port: svc(), mode: 'PreferSameNode',
    endpoints: [ep('10.0.0.1:80', { nodes: [NODE], zones: ['zone-a'], ...R, local: true }), ep('10.0.0.2:80', { nodes: ['node-2'], zones: ['zone-a'], ...R }), ep('10.0.0.3:80', { nodes: ['node-3'], zones: ['zone-b'], ...R })],
    cluster: ['10.0.0.1:80'], local: null,
  },
  {
    name: 'gate off: node hints ignored, zone hints used', zone: 'zone-a', gate: false, port: svc(), mode: 'PreferSameZone',
    endpoints: [ep('10.0.0.1:80', { nodes: [NODE], zones: ['zone-a'], ...R, local: true }), ep('10.0.0.2:80', { nodes: ['node-2'], zones: ['zone-a'], ...R }), ep('10.0.0.3:80', { nodes: ['node-3'], zones: ['zone-b'], ...R })],
    cluster: ['10.0.0.1:80', '10.0.0.2:80'], local: null,
  },
  {
    name: 'node hints present but none for this node: falls back to zone', zone: 'zone-a', port: svc(), mode: 'PreferSameZone',
    endpoints: [ep('10.0.0.2:80', { nodes: ['node-2'], zones: ['zone-a'], ...R }), ep('10.0.0.3:80', { nodes: ['node-3'], zones: ['zone-b'], ...R })],
    cluster: ['10.0.0.2:80'], local: null,
  },
  {
    name: 'one ready endpoint lacks a node hint: same-node ignored, zone used', zone: 'zone-b', port: svc(), mode: 'PreferSameZone',
    endpoints: [ep('10.0.0.1:80', { nodes: [NODE], zones: ['zone-a'], ...R }), ep('10.0.0.2:80', { zones: ['zone-b'], ...R })],
    cluster: ['10.0.0.2:80'], local: null,
  },
  {
    name: 'unready endpoint without node hint does not disable same-node', zone: 'zone-a', port: svc(), mode: 'PreferSameNode',
    endpoints: [ep('10.0.0.1:80', { nodes: [NODE], ...R }), ep('10.0.0.2:80', { nodes: ['node-2'], ...R }), ep('10.0.0.3:80', { ready: false, serving: true, terminating: true })],
    cluster: ['10.0.0.1:80'], local: null,
  },
  {
    name: 'node hints only, node has no zone label: PreferSameNode still applies', port: svc(), mode: 'PreferSameNode',
    endpoints: [ep('10.0.0.1:80', { nodes: [NODE], ...R }), ep('10.0.0.2:80', { nodes: ['node-2'], ...R })],
    cluster: ['10.0.0.1:80'], local: null,
  },
  {
    name: 'empty node-hint list counts as missing', port: svc(), mode: '',
    endpoints: [ep('10.0.0.1:80', { nodes: [NODE], ...R }), ep('10.0.0.2:80', { nodes: [], ...R })],
    cluster: ['10.0.0.1:80', '10.0.0.2:80'], local: null,
  },
  {
    name: 'PreferSameNode with eTP Local merges allEndpoints', zone: 'zone-a', port: svc({ etp: true, nodePort: true }), mode: 'PreferSameNode',
    endpoints: [ep('10.0.0.1:80', { nodes: ['node-2'], ...R, local: true }), ep('10.0.0.2:80', { nodes: [NODE], ...R })],
    cluster: ['10.0.0.2:80'], local: ['10.0.0.1:80'], all: ['10.0.0.2:80', '10.0.0.1:80'],
  },
];

function ids(list: readonly Ep[] | null): string[] | null {
  return list === null ? null : list.map((e) => e.id).sort();
}

function check(tc: Case): void {
  const got = categorizeEndpoints(tc.endpoints, tc.port, { name: NODE, zone: tc.zone ?? '' }, tc.gate === undefined ? {} : { preferSameTrafficDistribution: tc.gate });
  // Upstream semantics: an expected nil requires nil; an expected (possibly empty) set
  // requires the same members (nil counts as empty).
  if (tc.cluster === null) expect(got.clusterEndpoints).toBeNull();
  else expect(ids(got.clusterEndpoints) ?? []).toEqual([...tc.cluster].sort());
  if (tc.local === null) expect(got.localEndpoints).toBeNull();
  else expect(ids(got.localEndpoints) ?? []).toEqual([...tc.local].sort());
  const expectedAll = tc.cluster !== null && tc.local === null ? tc.cluster : tc.local !== null && tc.cluster === null ? tc.local : tc.all ?? [];
  expect(ids(got.allReachableEndpoints)).toEqual([...expectedAll].sort());
  expect(new Set(got.allReachableEndpoints).size).toBe(got.allReachableEndpoints.length);
  expect(got.hasAnyEndpoints).toBe(expectedAll.length > 0 || (tc.onlyRemote ?? false));
  if (tc.mode !== undefined) expect(got.topologyMode).toBe(tc.mode);
}

describe('categorizeEndpoints: kube-proxy TestCategorizeEndpoints', () => {
  it('ports all 26 upstream cases', () => expect(upstream.length).toBe(26));
  upstream.forEach((tc, i) => it(`${i + 1}. ${tc.name}`, () => check(tc)));
});

describe('categorizeEndpoints: same-node hints', () => {
  sameNode.forEach((tc, i) => it(`${upstream.length + i + 1}. ${tc.name}`, () => check(tc)));
});

describe('categorizeEndpoints: proxy.md §6', () => {
  it('§6.1 UsesClusterEndpoints / UsesLocalEndpoints', () => {
    const rows: [CategorizeServicePort, boolean, boolean][] = [
      [svc(), true, false],
      [svc({ itp: true }), false, true],
      [svc({ itp: true, nodePort: true }), true, true],
      [svc({ etp: true }), true, false],
      [svc({ etp: true, nodePort: true }), true, true],
      [svc({ itp: true, etp: true, nodePort: true }), true, true],
    ];
    for (const [port, cluster, local] of rows) {
      expect(usesClusterEndpoints(port)).toBe(cluster);
      expect(usesLocalEndpoints(port)).toBe(local);
    }
    // Unset policies mean Cluster.
    expect(usesClusterEndpoints({ externallyAccessible: false })).toBe(true);
    expect(usesLocalEndpoints({ externallyAccessible: true })).toBe(false);
  });

  it('§6.2 zone hints: no filtering when a ready endpoint lacks a hint or none names the zone', () => {
    expect(topologyModeFromHints([ep('a', { zones: ['z1'], ...R }), ep('b', R)], NODE, 'z1')).toBe('');
    expect(topologyModeFromHints([ep('a', { zones: ['z1'], ...R })], NODE, 'z2')).toBe('');
    expect(topologyModeFromHints([ep('a', { zones: ['z1'], ...R })], NODE, 'z1')).toBe('PreferSameZone');
    expect(topologyModeFromHints([ep('a', { zones: ['z1'] })], NODE, 'z1')).toBe('');
    expect(topologyModeFromHints([], NODE, 'z1')).toBe('');
  });

  it('§6.3 topology is not applied to the serving+terminating fallback', () => {
    const eps = [ep('a', { zones: ['z1'], serving: true, terminating: true }), ep('b', { zones: ['z2'], serving: true, terminating: true })];
    const got = categorizeEndpoints(eps, svc(), { name: NODE, zone: 'z1' });
    expect(ids(got.clusterEndpoints)).toEqual(['a', 'b']);
    expect(got.topologyMode).toBe('');
  });

  it('§6.3 serving but not terminating, and terminating but not serving, are never used', () => {
    const eps = [ep('a', { serving: true, local: true }), ep('b', { terminating: true, local: true })];
    const got = categorizeEndpoints(eps, svc({ etp: true, nodePort: true }), { name: NODE });
    expect(got.clusterEndpoints).toEqual([]);
    expect(got.localEndpoints).toEqual([]);
    expect(got.allReachableEndpoints).toEqual([]);
    expect(got.hasAnyEndpoints).toBe(false);
  });

  it('§6.4 local ready endpoints win over local terminating ones', () => {
    const eps = [ep('a', { ...R, local: true }), ep('b', { serving: true, terminating: true, local: true })];
    const got = categorizeEndpoints(eps, svc({ itp: true }), { name: NODE });
    expect(ids(got.localEndpoints)).toEqual(['a']);
  });

  it('§6.4 local fallback is independent of the cluster list', () => {
    // Ready endpoints exist remotely (cluster uses them) while local falls back to terminating.
    const eps = [ep('r', R), ep('t', { serving: true, terminating: true, local: true })];
    const got = categorizeEndpoints(eps, svc({ etp: true, nodePort: true }), { name: NODE });
    expect(ids(got.clusterEndpoints)).toEqual(['r']);
    expect(ids(got.localEndpoints)).toEqual(['t']);
    expect(ids(got.allReachableEndpoints)).toEqual(['r', 't']);
  });

  it('endpoints with no nodeName are never local, even for a nameless node', () => {
    const e: Ep = { id: 'x', ready: true, serving: true, terminating: false, nodeName: '' };
    const got = categorizeEndpoints([e], svc({ itp: true }), { name: '' });
    expect(got.localEndpoints).toEqual([]);
    expect(got.hasAnyEndpoints).toBe(true);
  });

  it('does not mutate its input and is deterministic', () => {
    const eps = A4(['zone-a', 'zone-b', 'zone-c', 'zone-a']);
    const copy = JSON.stringify(eps);
    const a = categorizeEndpoints(eps, svc({ etp: true, nodePort: true }), { name: NODE, zone: 'zone-a' });
    const b = categorizeEndpoints(eps, svc({ etp: true, nodePort: true }), { name: NODE, zone: 'zone-a' });
    expect(JSON.stringify(eps)).toBe(copy);
    expect(a).toEqual(b);
  });
});
