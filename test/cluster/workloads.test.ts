import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import type { ChangeEvent } from '../../sdk/cluster/cluster.js';
import { AlreadyExistsError, NotFoundError, ValidationError } from '../../sdk/model/errors.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const dep = (name: string, replicas = 1) => ({
  metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c' }] } } },
});

function setup(controllers = false) {
  const clock = { now: NOW };
  const cluster = new Cluster({ now: () => new Date(clock.now), controllers });
  const events: string[] = [];
  cluster.on('*', (e: ChangeEvent) => events.push(`${e.type} ${e.kind} ${e.object.metadata.name} ${e.resourceVersion}`));
  return { cluster, clock, events };
}

describe('Cluster: Nodes, Deployments, ReplicaSets, Endpoints', () => {
  it('01 Node CRUD with events; cluster-scoped; duplicates and unknown names rejected', () => {
    const { cluster, events } = setup();
    const n = cluster.createNode({ metadata: { name: 'n1', namespace: 'ignored', labels: { 'topology.kubernetes.io/zone': 'z' } }, spec: { podCIDR: '10.2.0.0/24' } });
    expect(n).toMatchObject({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', generation: 1 }, spec: { podCIDRs: ['10.2.0.0/24'] } });
    expect(n.metadata.namespace).toBeUndefined();
    expect(() => cluster.createNode({ metadata: { name: 'n1' } })).toThrow(AlreadyExistsError);
    cluster.applyNode({ metadata: { name: 'n1', labels: { a: 'b' } }, spec: { podCIDR: '10.2.0.0/24' } });
    cluster.applyNode(cluster.getNode('n1')!);
    cluster.deleteNode('n1');
    expect(() => cluster.deleteNode('n1')).toThrow(NotFoundError);
    expect(events.map((e) => e.split(' ').slice(0, 3).join(' '))).toEqual(['ADDED Node n1', 'MODIFIED Node n1', 'DELETED Node n1']);
  });

  it('02 Deployment CRUD: defaults, generation bumps on spec change only, conflicts, not-found errors name the qualified resource', () => {
    const { cluster } = setup();
    const d = cluster.createDeployment(dep('web'));
    expect(d).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 1, revisionHistoryLimit: 10 }, metadata: { generation: 1 } });
    const scaled = cluster.scaleDeployment('default', 'web', 3);
    expect([scaled.spec.replicas, scaled.metadata.generation]).toEqual([3, 2]);
    const labelled = cluster.updateDeployment({ ...scaled, metadata: { ...scaled.metadata, labels: { x: 'y' } } });
    expect(labelled.metadata.generation).toBe(2);
    expect(() => cluster.updateDeployment({ ...d })).toThrow(/Operation cannot be fulfilled on deployments\.apps "web"/);
    expect(() => cluster.deleteDeployment('default', 'nope')).toThrow('deployments.apps "nope" not found');
    expect(() => cluster.createDeployment({ ...dep('web'), metadata: { name: 'web', namespace: 'nope' } })).toThrow(NotFoundError);
    expect(cluster.listDeployments().map((x) => x.metadata.name)).toEqual(['web']);
  });

  it('03 ReplicaSets through apply; invalid ones report Deployment-style field paths', () => {
    const { cluster } = setup();
    const rs = cluster.apply({ apiVersion: 'apps/v1', kind: 'ReplicaSet', ...dep('r') });
    expect(rs.kind).toBe('ReplicaSet');
    expect(cluster.getReplicaSet('default', 'r')?.spec.replicas).toBe(1);
    let error: unknown;
    try {
      cluster.createReplicaSet({ ...dep('q'), spec: { ...dep('q').spec, replicas: -1 } });
    } catch (e) {
      error = e;
    }
    expect((error as ValidationError).message).toBe('ReplicaSet.apps "q" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect(() => cluster.apply({ apiVersion: 'v1', kind: 'Deployment', ...dep('w') } as never)).toThrow(/no matches for kind "Deployment" in version "v1"/);
  });

  it('04 without controllers no Endpoints are derived (only written ones exist); with them, one per Service with a selector and the API server\'s', () => {
    const plain = setup().cluster;
    expect(plain.listEndpoints()).toEqual([]);
    plain.createEndpoints({ metadata: { name: 'ext', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.9.0.1' }] }] });
    expect(plain.listEndpoints().map((e) => e.metadata.name)).toEqual(['ext']);
    const { cluster } = setup(true);
    expect(cluster.listEndpoints().map((e) => `${e.metadata.namespace}/${e.metadata.name}`)).toEqual(['default/kubernetes', 'kube-system/kube-dns']);
  });

  it('05 addConsumer replay includes the new kinds', () => {
    const { cluster } = setup(true);
    cluster.createDeployment(dep('web'));
    const kinds = new Set<string>();
    cluster.addConsumer({ applyChanges: (changes) => changes.forEach((c) => kinds.add(c.kind)) }, { replay: true });
    expect([...kinds].sort()).toEqual(['Deployment', 'EndpointSlice', 'Endpoints', 'Namespace', 'Node', 'Pod', 'ReplicaSet', 'Service', 'ServiceCIDR']);
  });

  it('06 graceful deletion without controllers: marked, a second delete cannot lengthen it, advance finishes it; bad grace rejected', () => {
    const { cluster, events } = setup();
    cluster.createPod({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } });
    const marked = cluster.deletePod('default', 'p', { gracePeriodSeconds: 30 });
    expect(marked.metadata.deletionTimestamp).toBe('2024-05-01T12:00:30Z');
    expect(cluster.deletePod('default', 'p', { gracePeriodSeconds: 60 }).metadata.deletionTimestamp).toBe('2024-05-01T12:00:30Z');
    expect(cluster.deletePod('default', 'p', { gracePeriodSeconds: 10 }).metadata.deletionTimestamp).toBe('2024-05-01T12:00:10Z');
    expect(() => cluster.deletePod('default', 'p', { gracePeriodSeconds: -1 })).toThrow(/gracePeriodSeconds/);
    expect(cluster.advance(9_000)).toEqual([]);
    expect(cluster.now().toISOString()).toBe('2024-05-01T12:00:09.000Z');
    expect(cluster.advance(1_000).map((p) => p.metadata.name)).toEqual(['p']);
    expect(events.map((e) => e.split(' ').slice(0, 2).join(' '))).toEqual(['ADDED Pod', 'MODIFIED Pod', 'MODIFIED Pod', 'DELETED Pod']);
    expect(() => cluster.advance(-1)).toThrow(RangeError);
  });

  it('07 a failed batch rolls back advance() too', () => {
    const { cluster } = setup();
    expect(() =>
      cluster.batch(() => {
        cluster.advance(5_000);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(cluster.now().getTime()).toBe(NOW);
  });

  it('08 namespace deletion emits DELETED for the workload kinds, Deployments first, the Namespace last', () => {
    const { cluster, events } = setup(true);
    cluster.createNamespace({ metadata: { name: 'team' } });
    cluster.createDeployment({ ...dep('web'), metadata: { name: 'web', namespace: 'team' } });
    events.length = 0;
    cluster.deleteNamespace('team');
    const kinds = events.map((e) => e.split(' ').slice(0, 2).join(' '));
    expect(kinds[0]).toBe('DELETED Deployment');
    expect(kinds.at(-1)).toBe('DELETED Namespace');
    expect(kinds).toContain('DELETED ReplicaSet');
    expect(kinds).toContain('DELETED Pod');
    expect(kinds.every((k) => k.startsWith('DELETED'))).toBe(true);
  });
});
