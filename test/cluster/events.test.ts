import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import type { ChangeEvent, ClusterConsumer } from '../../sdk/cluster/cluster.js';
import { Emitter } from '../../sdk/cluster/events.js';
import type { Service } from '../../sdk/model/types.js';
import { makeNamespace, makeService, makeSlice, thrown } from '../model/builders.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const newCluster = (): Cluster => new Cluster({ now: () => NOW });

const summary = (e: ChangeEvent): string => `${e.type} ${e.kind} ${e.object.metadata.namespace ? e.object.metadata.namespace + '/' : ''}${e.object.metadata.name}`;

/** Everything observable about a cluster, for before/after comparisons. */
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

class RecordingConsumer implements ClusterConsumer {
  batches: string[][] = [];
  failNext = false;
  applyChanges(changes: readonly ChangeEvent[]): void {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('data plane full');
    }
    this.batches.push(changes.map(summary));
  }
}

describe('Emitter', () => {
  it('01 calls listeners in order and unsubscribes', () => {
    const e = new Emitter<{ a: number }>();
    const seen: string[] = [];
    const off = e.on('a', (n) => seen.push(`1:${n}`));
    e.on('a', (n) => seen.push(`2:${n}`));
    e.emit('a', 1);
    off();
    off();
    e.emit('a', 2);
    expect(seen).toEqual(['1:1', '2:1', '2:2']);
    expect(e.listenerCount('a')).toBe(1);
  });

  it('02 collects listener errors and keeps going', () => {
    const e = new Emitter<{ a: number }>();
    const seen: number[] = [];
    e.on('a', () => {
      throw new Error('boom');
    });
    e.on('a', (n) => seen.push(n));
    const errors = e.emit('a', 7);
    expect(seen).toEqual([7]);
    expect(errors).toHaveLength(1);
  });

  it('03 once fires once; the same function may subscribe twice', () => {
    const e = new Emitter<{ a: number }>();
    let n = 0;
    const f = (): void => {
      n++;
    };
    e.once('a', f);
    e.on('a', f);
    e.on('a', f);
    e.emit('a', 0);
    e.emit('a', 0);
    expect(n).toBe(5);
  });
});

describe('change events', () => {
  it('01 create, update, delete: types, order and resourceVersions', () => {
    const c = newCluster();
    const events: ChangeEvent[] = [];
    c.on('*', (e) => events.push(e));
    c.createService(makeService({}, { name: 'web' }));
    c.applyService(makeService({ ports: [{ port: 81 }] }, { name: 'web' }));
    c.deleteService('default', 'web');
    expect(events.map(summary)).toEqual(['ADDED Service default/web', 'MODIFIED Service default/web', 'DELETED Service default/web']);
    const rvs = events.map((e) => Number(e.resourceVersion));
    expect(rvs[1]).toBe(rvs[0] + 1);
    expect(rvs[2]).toBe(rvs[1] + 1);
    expect(events.map((e) => e.object.metadata.resourceVersion)).toEqual(events.map((e) => e.resourceVersion));
    expect((events[1].previous as Service).spec).toMatchObject({ ports: [{ port: 80 }] });
    expect(c.resourceVersion).toBe(events[2].resourceVersion);
  });

  it('02 listeners filter by kind', () => {
    const c = newCluster();
    const services: string[] = [];
    const all: string[] = [];
    c.on('Service', (e) => services.push(summary(e)));
    c.on('*', (e) => all.push(summary(e)));
    c.createNamespace(makeNamespace('team'));
    c.createService(makeService({}, { name: 'web', namespace: 'team' }));
    c.createEndpointSlice(makeSlice('web', 'abcde', undefined, {}, { namespace: 'team' }));
    expect(services).toEqual(['ADDED Service team/web']);
    expect(all).toEqual(['ADDED Namespace team', 'ADDED Service team/web', 'ADDED EndpointSlice team/web-abcde']);
  });

  it('03 listeners get deep copies', () => {
    const c = newCluster();
    const seen: ChangeEvent[] = [];
    c.on('Service', (e) => {
      e.object.metadata.labels = { mutated: 'yes' };
      (e.object as { spec: { ports: unknown[] } }).spec.ports.length = 0;
    });
    c.on('Service', (e) => seen.push(e));
    c.createService(makeService({}, { name: 'web' }));
    expect(seen[0].object.metadata.labels).toBeUndefined();
    expect(c.getService('default', 'web')!.spec.ports).toHaveLength(1);
  });

  it('04 fire after consumers have applied the change', () => {
    const c = newCluster();
    const log: string[] = [];
    c.addConsumer({ applyChanges: (changes) => log.push(`consumer ${changes.map(summary).join(',')}`) });
    c.on('*', (e) => log.push(`listener ${summary(e)}`));
    c.batch(() => {
      c.createService(makeService({}, { name: 'a' }));
      c.createService(makeService({}, { name: 'b' }));
      log.push('end of batch');
    });
    expect(log).toEqual(['end of batch', 'consumer ADDED Service default/a,ADDED Service default/b', 'listener ADDED Service default/a', 'listener ADDED Service default/b']);
  });

  it('05 consumers get frozen objects', () => {
    const c = newCluster();
    let frozen = false;
    c.addConsumer({ applyChanges: (changes) => (frozen = Object.isFrozen(changes[0].object.metadata)) });
    c.createService(makeService({}, { name: 'web' }));
    expect(frozen).toBe(true);
  });

  it('06 a listener may write; its events come after the current ones', () => {
    const c = newCluster();
    const seen: string[] = [];
    c.on('Service', (e) => {
      seen.push(summary(e));
      if (e.type === 'ADDED' && e.object.metadata.name === 'a') c.createEndpointSlice(makeSlice('a'));
    });
    c.on('*', (e) => seen.push(`* ${summary(e)}`));
    c.batch(() => {
      c.createService(makeService({}, { name: 'a' }));
      c.createService(makeService({}, { name: 'b' }));
    });
    expect(seen).toEqual([
      'ADDED Service default/a',
      '* ADDED Service default/a',
      'ADDED Service default/b',
      '* ADDED Service default/b',
      '* ADDED EndpointSlice default/a-abcde',
    ]);
  });

  it('07 a failing listener does not undo the change; the error is rethrown after delivery', () => {
    const c = newCluster();
    const seen: string[] = [];
    c.on('Service', () => {
      throw new Error('listener broke');
    });
    c.on('Service', (e) => seen.push(summary(e)));
    expect(() => c.createService(makeService({}, { name: 'web' }))).toThrow('listener broke');
    expect(seen).toEqual(['ADDED Service default/web']);
    expect(c.getService('default', 'web')).toBeDefined();
  });

  it('08 a rejected write fires nothing', () => {
    const c = newCluster();
    const consumer = new RecordingConsumer();
    const events: ChangeEvent[] = [];
    c.addConsumer(consumer);
    c.on('*', (e) => events.push(e));
    expect(() => c.createService(makeService({ ports: [{ port: 0 }] }))).toThrow();
    expect(consumer.batches).toEqual([]);
    expect(events).toEqual([]);
  });

  it('09 addConsumer can replay the current state', () => {
    const c = newCluster();
    const consumer = new RecordingConsumer();
    c.addConsumer(consumer, { replay: true });
    expect(consumer.batches).toHaveLength(1);
    expect(consumer.batches[0]).toContain('ADDED Service default/kubernetes');
    expect(consumer.batches[0][0]).toBe('ADDED Namespace default');
  });

  it('10 a removed consumer hears nothing more', () => {
    const c = newCluster();
    const consumer = new RecordingConsumer();
    const remove = c.addConsumer(consumer);
    remove();
    c.createService(makeService());
    expect(consumer.batches).toEqual([]);
  });
});

describe('batch', () => {
  it('01 commits all changes in one applyChanges call, in order', () => {
    const c = newCluster();
    const consumer = new RecordingConsumer();
    c.addConsumer(consumer);
    const result = c.batch(() => {
      c.createService(makeService({}, { name: 'web' }));
      c.createEndpointSlice(makeSlice('web'));
      c.applyService(makeService({ ports: [{ port: 81 }] }, { name: 'web' }));
      return 'done';
    });
    expect(result).toBe('done');
    expect(consumer.batches).toEqual([['ADDED Service default/web', 'ADDED EndpointSlice default/web-abcde', 'MODIFIED Service default/web']]);
  });

  it('02 a throw in the middle leaves store, IPAM, consumers and listeners untouched', () => {
    const c = newCluster();
    c.createService(makeService({ type: 'NodePort' }, { name: 'keep' }));
    const consumer = new RecordingConsumer();
    const events: ChangeEvent[] = [];
    c.addConsumer(consumer);
    c.on('*', (e) => events.push(e));
    const before = snapshot(c);
    const e = thrown(() =>
      c.batch(() => {
        c.createNamespace(makeNamespace('team'));
        c.createService(makeService({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' }, { name: 'lb', namespace: 'team' }));
        c.deleteService('default', 'keep');
        c.createEndpointSlice(makeSlice('lb', 'abcde', undefined, {}, { namespace: 'team' }));
        throw new Error('caller changed its mind');
      }),
    );
    expect((e as Error).message).toBe('caller changed its mind');
    expect(snapshot(c)).toEqual(before);
    expect(consumer.batches).toEqual([]);
    expect(events).toEqual([]);
  });

  it('03 a rejected write inside a batch rolls the whole batch back', () => {
    const c = newCluster();
    const before = snapshot(c);
    expect(() =>
      c.batch(() => {
        c.createService(makeService({}, { name: 'ok' }));
        c.createService(makeService({}, { name: 'Bad_Name' }));
      }),
    ).toThrow('Service "Bad_Name" is invalid');
    expect(snapshot(c)).toEqual(before);
  });

  it('04 a nested batch that throws rolls back only its own changes', () => {
    const c = newCluster();
    const consumer = new RecordingConsumer();
    c.addConsumer(consumer);
    c.batch(() => {
      c.createService(makeService({}, { name: 'outer' }));
      try {
        c.batch(() => {
          c.createService(makeService({}, { name: 'inner' }));
          throw new Error('inner');
        });
      } catch {
        // the outer batch goes on
      }
    });
    expect(c.getService('default', 'inner')).toBeUndefined();
    expect(consumer.batches).toEqual([['ADDED Service default/outer']]);
  });

  it('05 a caught rejected write inside a batch leaves the rest to commit', () => {
    const c = newCluster();
    c.batch(() => {
      c.createService(makeService({}, { name: 'a' }));
      expect(() => c.createService(makeService({}, { name: 'a' }))).toThrow('already exists');
      c.createService(makeService({}, { name: 'b' }));
    });
    expect(c.listServices('default').map((s) => s.metadata.name)).toEqual(['a', 'b', 'kubernetes']);
  });

  it('06 a failing consumer rolls the batch back and the others are compensated', () => {
    const c = newCluster();
    const first = new RecordingConsumer();
    const second = new RecordingConsumer();
    const events: ChangeEvent[] = [];
    c.addConsumer(first);
    c.addConsumer(second);
    c.on('*', (e) => events.push(e));
    c.createService(makeService({}, { name: 'keep' }));
    first.batches = [];
    second.batches = [];
    events.length = 0;
    const before = snapshot(c);
    second.failNext = true;
    expect(() =>
      c.batch(() => {
        c.createService(makeService({}, { name: 'web' }));
        c.applyService(makeService({ ports: [{ port: 81 }] }, { name: 'keep' }));
      }),
    ).toThrow('data plane full');
    expect(snapshot(c)).toEqual(before);
    expect(first.batches).toEqual([
      ['ADDED Service default/web', 'MODIFIED Service default/keep'],
      ['MODIFIED Service default/keep', 'DELETED Service default/web'],
    ]);
    expect(second.batches).toEqual([]);
    expect(events).toEqual([]);
  });

  it('07 consumers may not write while applying', () => {
    const c = newCluster();
    c.addConsumer({ applyChanges: () => c.createNamespace(makeNamespace('x')) });
    expect(() => c.createNamespace(makeNamespace('team'))).toThrow('may not change the cluster from applyChanges');
    expect(c.getNamespace('team')).toBeUndefined();
  });

  it('08 an async function is refused and rolled back', () => {
    const c = newCluster();
    const before = snapshot(c);
    expect(() =>
      c.batch(async () => {
        c.createService(makeService({}, { name: 'web' }));
      }),
    ).toThrow('batch() takes a synchronous function');
    expect(snapshot(c)).toEqual(before);
  });

  it('09 a batch whose changes cancel out still commits both changes', () => {
    const c = newCluster();
    const consumer = new RecordingConsumer();
    c.addConsumer(consumer);
    c.batch(() => {
      c.createService(makeService({}, { name: 'tmp' }));
      c.deleteService('default', 'tmp');
    });
    expect(consumer.batches).toEqual([['ADDED Service default/tmp', 'DELETED Service default/tmp']]);
  });

  it('10 an empty batch calls nobody', () => {
    const c = newCluster();
    const consumer = new RecordingConsumer();
    c.addConsumer(consumer);
    const rv = c.resourceVersion;
    c.batch(() => undefined);
    expect(consumer.batches).toEqual([]);
    expect(c.resourceVersion).toBe(rv);
  });
});
