// Pods in the Cluster store: CRUD, events, label selectors, namespace cascade, replay, and
// the node proxy's indifference to them.
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import type { ChangeEvent } from '../../sdk/cluster/cluster.js';
import { AlreadyExistsError, BadRequestError, ConflictError, NotFoundError, ValidationError } from '../../sdk/model/errors.js';
import { NodeProxy } from '../../sdk/proxy/nodeproxy.js';
import { ReferenceDataPlane } from '../../sdk/reference/dataplane.js';
import { makeNamespace, makePod, makeService, makeSlice, makeEndpoint } from '../model/builders.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const newCluster = (): Cluster => new Cluster({ now: () => NOW });

function events(cluster: Cluster): string[] {
  const out: string[] = [];
  cluster.on('*', (e) => out.push(`${e.type} ${e.kind} ${e.object.metadata.namespace ?? ''}/${e.object.metadata.name}`));
  return out;
}

describe('Pod CRUD', () => {
  it('01 create stores a normalised pod and sends ADDED', () => {
    const c = newCluster();
    const seen = events(c);
    const pod = c.createPod(makePod('web-1', '10.1.0.7', {}, { containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 80 }] }] }));
    expect(pod.apiVersion).toBe('v1');
    expect(pod.kind).toBe('Pod');
    expect(pod.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(pod.metadata.creationTimestamp).toBe('2024-05-01T12:00:00Z');
    expect(pod.spec.containers[0].ports).toEqual([{ name: 'http', containerPort: 80, protocol: 'TCP' }]);
    expect(pod.status).toMatchObject({ phase: 'Running', podIP: '10.1.0.7', podIPs: [{ ip: '10.1.0.7' }] });
    expect(seen).toEqual(['ADDED Pod default/web-1']);
    expect(c.getPod('default', 'web-1')).toEqual(pod);
  });

  it('02 the namespace must exist', () => {
    expect(() => newCluster().createPod(makePod('a', '10.1.0.5', { namespace: 'nope' }))).toThrow(NotFoundError);
    expect(() => newCluster().createPod(makePod('a', '10.1.0.5', { namespace: 'nope' }))).toThrow('namespaces "nope" not found');
  });

  it('03 a duplicate name is AlreadyExists', () => {
    const c = newCluster();
    c.createPod(makePod('a'));
    expect(() => c.createPod(makePod('a'))).toThrow(AlreadyExistsError);
    expect(() => c.createPod(makePod('a'))).toThrow('pods "a" already exists');
  });

  it('04 an invalid pod is rejected with the API server message', () => {
    expect(() => newCluster().createPod(makePod('a', '10.1.0.5', {}, { containers: [] }))).toThrow(ValidationError);
    expect(() => newCluster().createPod(makePod('a', '10.1.0.5', {}, { containers: [] }))).toThrow('Pod "a" is invalid: spec.containers: Required value');
  });

  it('05 generateName gives a name', () => {
    const pod = newCluster().createPod({ ...makePod('x'), metadata: { generateName: 'sleep-1-6c9b5f7d58-', namespace: 'default' } });
    expect(pod.metadata.name).toMatch(/^sleep-1-6c9b5f7d58-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('06 update changes status; without status it keeps the stored one', () => {
    const c = newCluster();
    const seen = events(c);
    const created = c.createPod(makePod('a', null, {}, {}, { phase: 'Pending', conditions: [] }));
    const running = c.updatePod({ ...created, status: { phase: 'Running', podIP: '10.1.0.9', conditions: [{ type: 'Ready', status: 'True' }] } });
    expect(running.status).toMatchObject({ phase: 'Running', podIPs: [{ ip: '10.1.0.9' }] });
    const relabelled = c.updatePod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', labels: { app: 'b' } }, spec: running.spec });
    expect(relabelled.status?.podIP).toBe('10.1.0.9');
    expect(seen).toEqual(['ADDED Pod default/a', 'MODIFIED Pod default/a', 'MODIFIED Pod default/a']);
  });

  it('07 an identical update is a no-op: no event, no resourceVersion bump', () => {
    const c = newCluster();
    const pod = c.createPod(makePod('a'));
    const seen = events(c);
    const rv = c.resourceVersion;
    expect(c.updatePod(pod)).toEqual(pod);
    expect(c.applyPod(makePod('a'))).toEqual(pod);
    expect(seen).toEqual([]);
    expect(c.resourceVersion).toBe(rv);
  });

  it('08 a stale resourceVersion is a Conflict', () => {
    const c = newCluster();
    const pod = c.createPod(makePod('a'));
    c.updatePod({ ...pod, metadata: { ...pod.metadata, labels: { v: '2' } } });
    expect(() => c.updatePod({ ...pod, metadata: { ...pod.metadata, labels: { v: '3' } } })).toThrow(ConflictError);
  });

  it('09 the spec is fixed except images and binding', () => {
    const c = newCluster();
    const pod = c.createPod(makePod('a', '10.1.0.5', {}, { nodeName: undefined }));
    expect(c.updatePod({ ...pod, spec: { ...pod.spec, nodeName: 'node-b' } }).spec.nodeName).toBe('node-b');
    expect(() => c.applyPod({ ...makePod('a'), spec: { ...pod.spec, nodeName: 'node-b', hostname: 'h' } })).toThrow(/spec: Forbidden: pod updates may not change fields/);
  });

  it('10 delete sends DELETED with the last state; a second delete is NotFound', () => {
    const c = newCluster();
    c.createPod(makePod('a'));
    const seen = events(c);
    expect(c.deletePod('default', 'a').metadata.name).toBe('a');
    expect(c.getPod('default', 'a')).toBeUndefined();
    expect(() => c.deletePod('default', 'a')).toThrow('pods "a" not found');
    expect(seen).toEqual(['DELETED Pod default/a']);
  });

  it('11 apply dispatches on kind Pod', () => {
    const c = newCluster();
    expect(c.apply({ ...makePod('a'), kind: 'Pod' }).kind).toBe('Pod');
    expect(() => c.apply({ ...makePod('b'), kind: 'Pod', apiVersion: 'apps/v1' as never })).toThrow(BadRequestError);
  });

  it('12 getters return copies; stored pods stay frozen', () => {
    const c = newCluster();
    const pod = c.createPod(makePod('a'));
    pod.metadata.labels!.app = 'changed';
    expect(c.getPod('default', 'a')!.metadata.labels!.app).toBe('a');
  });
});

describe('listPods', () => {
  const c = newCluster();
  c.createNamespace(makeNamespace('team'));
  c.createPod(makePod('b', '10.1.0.2', { labels: { app: 'web', tier: 'front' } }));
  c.createPod(makePod('a', '10.1.0.1', { labels: { app: 'web', tier: 'back' } }));
  c.createPod(makePod('c', '10.1.0.3', { namespace: 'team', labels: { app: 'db' } }));
  const names = (list: { metadata: { namespace?: string; name: string } }[]): string[] => list.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

  it.each([
    { desc: '01 all, by namespace then name', ns: undefined, selector: undefined, want: ['default/a', 'default/b', 'team/c'] },
    { desc: '02 one namespace', ns: 'team', selector: undefined, want: ['team/c'] },
    { desc: '03 a selector string (kubectl -l)', ns: undefined, selector: 'app=web,tier!=back', want: ['default/b'] },
    { desc: '04 set-based', ns: undefined, selector: 'app in (db,web),!tier', want: ['team/c'] },
    { desc: '05 an equality map', ns: 'default', selector: { app: 'web' }, want: ['default/a', 'default/b'] },
    { desc: '06 a LabelSelector', ns: undefined, selector: { matchExpressions: [{ key: 'tier', operator: 'Exists' as const }] }, want: ['default/a', 'default/b'] },
    { desc: '07 an unknown namespace', ns: 'nope', selector: undefined, want: [] },
  ])('$desc', ({ ns, selector, want }) => {
    expect(names(c.listPods(ns, { labelSelector: selector }))).toEqual(want);
  });

  it('08 a malformed selector is a BadRequest', () => {
    expect(() => c.listPods(undefined, { labelSelector: 'app in (' })).toThrow(BadRequestError);
  });
});

describe('pods and the rest of the store', () => {
  it('01 deleting a namespace deletes its pods first, in the same batch', () => {
    const c = newCluster();
    c.createNamespace(makeNamespace('team'));
    c.createService(makeService({}, { name: 'web', namespace: 'team' }));
    c.createEndpointSlice(makeSlice('web', 'abcde', [makeEndpoint('10.1.0.5')], {}, { namespace: 'team' }));
    c.createPod(makePod('web-1', '10.1.0.5', { namespace: 'team' }));
    const batches: string[][] = [];
    c.addConsumer({ applyChanges: (changes) => batches.push(changes.map((e) => `${e.type} ${e.kind} ${e.object.metadata.name}`)) });
    c.deleteNamespace('team');
    expect(batches).toEqual([['DELETED Pod web-1', 'DELETED EndpointSlice web-abcde', 'DELETED Service web', 'DELETED Namespace team']]);
    expect(c.listPods('team')).toEqual([]);
  });

  it('02 replay hands consumers the pods too', () => {
    const c = newCluster();
    c.createPod(makePod('a'));
    const kinds: string[] = [];
    c.addConsumer({ applyChanges: (changes) => kinds.push(...changes.map((e) => e.kind)) }, { replay: true });
    expect(kinds.filter((k) => k === 'Pod')).toHaveLength(1);
    expect(kinds.indexOf('Pod')).toBe(kinds.length - 1);
  });

  it('03 a pod write rolled back in a batch reaches no consumer', () => {
    const c = newCluster();
    const seen: ChangeEvent[] = [];
    c.addConsumer({ applyChanges: (changes) => seen.push(...changes) });
    expect(() =>
      c.batch(() => {
        c.createPod(makePod('a'));
        c.createPod(makePod('B'));
      }),
    ).toThrow(ValidationError);
    expect(seen).toEqual([]);
    expect(c.getPod('default', 'a')).toBeUndefined();
  });

  it('04 the node proxy ignores pods: no data-plane call, no sync', () => {
    const c = newCluster();
    let calls = 0;
    const inner = new ReferenceDataPlane();
    const counting = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (!['reserveBatch', 'inputView', 'outputView', 'routeBatch'].includes(String(prop))) calls++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const proxy = new NodeProxy(counting, { nodeName: 'node-a' });
    proxy.attach(c);
    const before = calls;
    c.createPod(makePod('a'));
    c.updatePod({ ...c.getPod('default', 'a')!, status: { phase: 'Failed' } });
    c.deletePod('default', 'a');
    expect(calls).toBe(before);
  });
});
