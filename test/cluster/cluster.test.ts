import { describe, expect, it } from 'vitest';
import { Cluster, SERVICE_CIDR_FINALIZER } from '../../sdk/cluster/cluster.js';
import type { ChangeEvent } from '../../sdk/cluster/cluster.js';
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  ValidationError,
} from '../../sdk/model/errors.js';
import { cidrContains, parseCIDR, parseIPv4 } from '../../sdk/model/ip.js';
import type { Service } from '../../sdk/model/types.js';
import { makeNamespace, makeService, makeServiceCIDR, makeSlice, thrown, validationErrorOf } from '../model/builders.js';

const NOW = new Date('2024-05-01T12:00:00.250Z');
const newCluster = (options: ConstructorParameters<typeof Cluster>[0] = {}): Cluster => new Cluster({ now: () => NOW, ...options });

function recordEvents(cluster: Cluster): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  cluster.on('*', (e) => events.push(e));
  return events;
}

describe('built-ins', () => {
  it('01 the four namespaces of a kubeadm cluster', () => {
    expect(newCluster().listNamespaces().map((n) => n.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  });

  it('02 default/kubernetes', () => {
    const svc = newCluster().getService('default', 'kubernetes')!;
    expect(svc.spec.clusterIP).toBe('10.96.0.1');
    expect(svc.spec.ports).toEqual([{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }]);
    expect(svc.spec.selector).toBeUndefined();
    expect(svc.metadata.labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
    expect(svc.spec.type).toBe('ClusterIP');
  });

  it('03 kube-system/kube-dns', () => {
    const svc = newCluster().getService('kube-system', 'kube-dns')!;
    expect(svc.spec.clusterIP).toBe('10.96.0.10');
    expect(svc.spec.selector).toEqual({ 'k8s-app': 'kube-dns' });
    expect(svc.spec.ports!.map((p) => `${p.name} ${p.port}/${p.protocol}`)).toEqual(['dns 53/UDP', 'dns-tcp 53/TCP', 'metrics 9153/TCP']);
  });

  it('04 their IPs are reserved and the default ServiceCIDR exists', () => {
    const c = newCluster();
    expect(c.ipamState().clusterIPs).toEqual(['10.96.0.1', '10.96.0.10']);
    const cidr = c.getServiceCIDR('kubernetes')!;
    expect(cidr.spec.cidrs).toEqual(['10.96.0.0/12']);
    expect(cidr.metadata.finalizers).toEqual([SERVICE_CIDR_FINALIZER]);
    expect(() => c.createService(makeService({ clusterIP: '10.96.0.10' }))).toThrow('provided IP is already allocated');
  });

  it('05 follow custom service CIDRs', () => {
    const c = newCluster({ serviceCIDRs: ['172.20.0.0/16'] });
    expect(c.getService('default', 'kubernetes')!.spec.clusterIP).toBe('172.20.0.1');
    expect(c.getService('kube-system', 'kube-dns')!.spec.clusterIP).toBe('172.20.0.10');
  });

  it('06 builtins: false starts empty', () => {
    const c = newCluster({ builtins: false });
    expect(c.listNamespaces()).toEqual([]);
    expect(c.listServices()).toEqual([]);
    expect(c.listServiceCIDRs()).toEqual([]);
    expect(c.resourceVersion).toBe('0');
  });
});

describe('namespaces', () => {
  it('01 scope names: the same Service name in two namespaces', () => {
    const c = newCluster();
    c.createNamespace(makeNamespace('team'));
    c.createService(makeService({}, { name: 'web' }));
    c.createService(makeService({}, { name: 'web', namespace: 'team' }));
    expect(c.getService('default', 'web')!.spec.clusterIP).not.toBe(c.getService('team', 'web')!.spec.clusterIP);
    expect(c.listServices('team').map((s) => s.metadata.name)).toEqual(['web']);
    expect(c.listServices().map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual([
      'default/kubernetes',
      'default/web',
      'kube-system/kube-dns',
      'team/web',
    ]);
  });

  it('02 a Service in a missing namespace is NotFound on the namespace', () => {
    const c = newCluster();
    const e = thrown(() => c.createService(makeService({}, { namespace: 'nope' })));
    expect(e).toBeInstanceOf(NotFoundError);
    expect((e as Error).message).toBe('namespaces "nope" not found');
    expect(() => c.createEndpointSlice(makeSlice('web', 'abcde', undefined, {}, { namespace: 'nope' }))).toThrow('namespaces "nope" not found');
  });

  it('03 an omitted namespace means default', () => {
    const c = newCluster();
    const svc = c.createService({ metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
    expect(svc.metadata.namespace).toBe('default');
  });

  it('04 deleting a namespace deletes its contents first, in one batch', () => {
    const c = newCluster();
    c.createNamespace(makeNamespace('team'));
    c.createService(makeService({ type: 'NodePort' }, { name: 'web', namespace: 'team' }));
    c.createEndpointSlice(makeSlice('web', 'abcde', undefined, {}, { namespace: 'team' }));
    const batches: string[][] = [];
    c.addConsumer({ applyChanges: (changes) => batches.push(changes.map((e) => `${e.type} ${e.kind} ${e.object.metadata.name}`)) });
    const before = c.ipamState();
    c.deleteNamespace('team');
    expect(batches).toEqual([['DELETED EndpointSlice web-abcde', 'DELETED Service web', 'DELETED Namespace team']]);
    expect(c.getNamespace('team')).toBeUndefined();
    expect(c.listServices('team')).toEqual([]);
    expect(c.listEndpointSlices('team')).toEqual([]);
    expect(c.ipamState().clusterIPs.length).toBe(before.clusterIPs.length - 1);
    expect(c.ipamState().nodePorts).toEqual([]);
  });

  it.each(['default', 'kube-system', 'kube-public'])('05 refuses to delete %s', (name) => {
    const e = thrown(() => newCluster().deleteNamespace(name));
    expect(e).toBeInstanceOf(ForbiddenError);
    expect((e as Error).message).toBe(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
  });

  it('06 stores the name label, finalizer and phase', () => {
    const ns = newCluster().createNamespace(makeNamespace('team'));
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team' });
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(ns.status).toEqual({ phase: 'Active' });
  });

  it('07 a duplicate namespace is AlreadyExists', () => {
    expect(() => newCluster().createNamespace(makeNamespace('default'))).toThrow(new AlreadyExistsError('Namespace', undefined, 'default'));
  });

  it('08 deleting a missing namespace is NotFound', () => {
    expect(() => newCluster().deleteNamespace('nope')).toThrow('namespaces "nope" not found');
  });
});

describe('stored objects', () => {
  it('01 are normalised: defaults, allocation, server metadata', () => {
    const c = newCluster();
    const svc = c.createService(makeService({ type: 'NodePort' }, { name: 'web', uid: 'mine', creationTimestamp: '2000-01-01T00:00:00Z', generation: 9 }));
    expect(svc.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(svc.metadata.creationTimestamp).toBe('2024-05-01T12:00:00Z');
    expect(svc.metadata.generation).toBe(1);
    expect(svc.metadata.resourceVersion).toBe(c.resourceVersion);
    expect(svc.spec).toMatchObject({
      type: 'NodePort',
      sessionAffinity: 'None',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    });
    expect(cidrContains(parseCIDR('10.96.0.0/12'), parseIPv4(svc.spec.clusterIP!))).toBe(true);
    expect(svc.spec.clusterIPs).toEqual([svc.spec.clusterIP]);
    expect(svc.spec.ports![0]).toMatchObject({ port: 80, protocol: 'TCP', targetPort: 80 });
    expect(svc.spec.ports![0].nodePort).toBeGreaterThanOrEqual(30000);
  });

  it('02 getters and lists return copies', () => {
    const c = newCluster();
    c.createService(makeService({}, { name: 'web', labels: { app: 'web' } }));
    const got = c.getService('default', 'web')!;
    got.metadata.labels!.app = 'changed';
    got.spec.ports!.push({ port: 9 });
    c.listServices()[0].spec.type = 'NodePort';
    c.listEndpointSlices();
    const again = c.getService('default', 'web')!;
    expect(again.metadata.labels).toEqual({ app: 'web' });
    expect(again.spec.ports).toHaveLength(1);
    expect(c.listServices('default')[0].spec.type).toBe('ClusterIP');
  });

  it('03 inputs are copied too', () => {
    const c = newCluster();
    const input = makeService({}, { name: 'web' });
    c.createService(input);
    input.spec.ports![0].port = 1;
    expect(c.getService('default', 'web')!.spec.ports![0].port).toBe(80);
    expect(input.spec.clusterIP).toBeUndefined();
  });

  it('04 resourceVersion is a cluster-wide counter, one per change', () => {
    const c = newCluster({ builtins: false });
    c.createNamespace(makeNamespace('default'));
    expect(c.resourceVersion).toBe('1');
    const a = c.createService(makeService({}, { name: 'a' }));
    const b = c.createService(makeService({}, { name: 'b' }));
    expect([a.metadata.resourceVersion, b.metadata.resourceVersion, c.resourceVersion]).toEqual(['2', '3', '3']);
    c.deleteService('default', 'a');
    expect(c.resourceVersion).toBe('4');
  });

  it('05 generation bumps on a spec change only', () => {
    const c = newCluster();
    c.createService(makeService({}, { name: 'web' }));
    const relabelled = c.applyService(makeService({}, { name: 'web', labels: { tier: 'front' } }));
    expect(relabelled.metadata.generation).toBe(1);
    const changed = c.applyService(makeService({ ports: [{ port: 81 }] }, { name: 'web', labels: { tier: 'front' } }));
    expect(changed.metadata.generation).toBe(2);
  });

  it('06 an EndpointSlice generation also bumps on a label change', () => {
    const c = newCluster();
    c.createEndpointSlice(makeSlice('web'));
    const moved = c.applyEndpointSlice(makeSlice('web', 'abcde', undefined, {}, { labels: { 'kubernetes.io/service-name': 'other' } }));
    expect(moved.metadata.generation).toBe(2);
  });

  it('07 generateName makes a random-looking name', () => {
    const c = newCluster();
    const eps = c.createEndpointSlice({ ...makeSlice('web'), metadata: { generateName: 'web-', namespace: 'default' } });
    expect(eps.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('08 keys come in API order', () => {
    const svc = newCluster().createService({ spec: { ports: [{ port: 80 }] }, metadata: { name: 'web' } });
    expect(Object.keys(svc)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });
});

describe('updates', () => {
  it('01 a stale resourceVersion is a Conflict', () => {
    const c = newCluster();
    const v1 = c.createService(makeService({}, { name: 'web' }));
    c.updateService({ ...v1, spec: { ...v1.spec, ports: [{ port: 81 }] } });
    const e = thrown(() => c.updateService({ ...v1, spec: { ...v1.spec, ports: [{ port: 82 }] } }));
    expect(e).toBeInstanceOf(ConflictError);
    expect((e as Error).message).toBe(
      'Operation cannot be fulfilled on services "web": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('02 the current resourceVersion is accepted; none means unconditional', () => {
    const c = newCluster();
    const v1 = c.createService(makeService({}, { name: 'web' }));
    const v2 = c.updateService({ ...v1, metadata: { ...v1.metadata, labels: { a: 'b' } } });
    const v3 = c.updateService(makeService({}, { name: 'web', labels: { a: 'c' } }));
    expect(Number(v3.metadata.resourceVersion)).toBeGreaterThan(Number(v2.metadata.resourceVersion));
  });

  it('03 an identical update is a no-op: no event, no bump', () => {
    const c = newCluster();
    const stored = c.createService(makeService({ type: 'NodePort' }, { name: 'web' }));
    const events = recordEvents(c);
    const rv = c.resourceVersion;
    expect(c.updateService(stored)).toEqual(stored);
    expect(c.applyService(makeService({ type: 'NodePort' }, { name: 'web' }))).toEqual(stored);
    expect(c.applyEndpointSlice(makeSlice('web'))).toBeDefined();
    const slice = c.getEndpointSlice('default', 'web-abcde')!;
    const rv2 = c.resourceVersion;
    c.applyEndpointSlice(makeSlice('web'));
    c.updateEndpointSlice(slice);
    expect(events.map((e) => e.type)).toEqual(['ADDED']);
    expect([rv, rv2, c.resourceVersion]).toEqual([rv, String(Number(rv) + 1), rv2]);
  });

  it('04 the ClusterIP may not change', () => {
    const c = newCluster();
    c.createService(makeService({ clusterIP: '10.96.0.50' }, { name: 'web' }));
    const e = validationErrorOf(() => c.applyService(makeService({ clusterIP: '10.96.0.51' }, { name: 'web' })));
    expect(e.message).toBe('Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.51"}: may not change once set');
    expect(c.ipamState().clusterIPs).not.toContain('10.96.0.51');
  });

  it('05 the ClusterIP is fixed for the life of the Service', () => {
    const c = newCluster();
    const ip = c.createService(makeService({}, { name: 'web' })).spec.clusterIP;
    c.applyService(makeService({ type: 'NodePort' }, { name: 'web' }));
    c.applyService(makeService({ type: 'LoadBalancer', ports: [{ port: 8080, targetPort: 80 }] }, { name: 'web' }));
    c.applyService(makeService({ selector: { app: 'other' } }, { name: 'web' }));
    expect(c.getService('default', 'web')!.spec.clusterIP).toBe(ip);
    expect(c.ipamState().nodePorts).toEqual([]);
  });

  it('06 to ExternalName and back: the IP is released, then a new one allocated', () => {
    const c = newCluster();
    const ip = c.createService(makeService({ clusterIP: '10.96.0.50' }, { name: 'web' })).spec.clusterIP!;
    const ext = c.applyService(makeService({ type: 'ExternalName', externalName: 'raw.githubusercontent.com', ports: [] }, { name: 'web' }));
    expect(ext.spec.clusterIP).toBeUndefined();
    expect(c.ipamState().clusterIPs).not.toContain(ip);
    const back = c.applyService(makeService({ clusterIP: '10.96.0.50' }, { name: 'web' }));
    expect(back.spec.clusterIP).toBe('10.96.0.50');
  });

  it('07 updating a missing object is NotFound', () => {
    expect(() => newCluster().updateService(makeService({}, { name: 'nope' }))).toThrow('services "nope" not found');
    expect(() => newCluster().updateEndpointSlice(makeSlice('nope'))).toThrow('endpointslices.discovery.k8s.io "nope-abcde" not found');
  });

  it('08 a different uid is rejected', () => {
    const c = newCluster();
    c.createService(makeService({}, { name: 'web' }));
    expect(() => c.updateService(makeService({}, { name: 'web', uid: 'other' }))).toThrow('metadata.uid: Invalid value: "other": field is immutable');
  });

  it('09 EndpointSlice addressType is immutable', () => {
    const c = newCluster();
    c.createEndpointSlice(makeSlice('web'));
    expect(() => c.applyEndpointSlice(makeSlice('web', 'abcde', [], { addressType: 'IPv6' }))).toThrow('addressType: Invalid value: "IPv6": field is immutable');
  });

  it('10 node ports survive a re-apply that omits them', () => {
    const c = newCluster();
    const np = c.createService(makeService({ type: 'NodePort' }, { name: 'web' })).spec.ports![0].nodePort;
    expect(c.applyService(makeService({ type: 'NodePort' }, { name: 'web' })).spec.ports![0].nodePort).toBe(np);
  });
});

describe('create errors', () => {
  it('01 AlreadyExists', () => {
    const c = newCluster();
    c.createService(makeService({}, { name: 'web' }));
    const e = thrown(() => c.createService(makeService({}, { name: 'web' })));
    expect(e).toBeInstanceOf(AlreadyExistsError);
    expect((e as Error).message).toBe('services "web" already exists');
  });

  it('02 a resourceVersion on create is a BadRequest', () => {
    expect(() => newCluster().createService(makeService({}, { resourceVersion: '5' }))).toThrow(BadRequestError);
  });

  it('03 apply of an unknown kind is a BadRequest', () => {
    expect(() => newCluster().apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } as never)).toThrow('no matches for kind "ConfigMap" in version "v1"');
  });

  it('04 a wrong apiVersion is a BadRequest', () => {
    expect(() => newCluster().apply({ ...makeService(), apiVersion: 'apps/v1' } as never)).toThrow('no matches for kind "Service" in version "apps/v1"');
  });

  it('05 validation errors are typed and complete', () => {
    const e = thrown(() => newCluster().createService(makeService({ ports: [{ port: 0 }] }, { name: 'Web' })));
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).causes.map((c) => c.field)).toEqual(['metadata.name', 'spec.ports[0].port', 'spec.ports[0].targetPort']);
  });
});

describe('apply', () => {
  it('01 dispatches on kind', () => {
    const c = newCluster();
    expect(c.apply(makeNamespace('team')).kind).toBe('Namespace');
    expect(c.apply(makeService({}, { namespace: 'team' })).kind).toBe('Service');
    expect(c.apply(makeSlice('svc', 'abcde', undefined, {}, { namespace: 'team' })).kind).toBe('EndpointSlice');
    expect(c.apply(makeServiceCIDR('extra', ['10.200.0.0/24'])).kind).toBe('ServiceCIDR');
    expect(c.getService('team', 'svc')).toBeDefined();
  });

  it('02 creates then updates', () => {
    const c = newCluster();
    c.apply(makeService({}, { name: 'web' }));
    const svc = c.apply(makeService({}, { name: 'web', labels: { a: 'b' } })) as Service;
    expect(svc.metadata.labels).toEqual({ a: 'b' });
    expect(c.listServices('default').map((s) => s.metadata.name)).toEqual(['kubernetes', 'web']);
  });
});

describe('EndpointSlices', () => {
  it('01 list by service name, following relabels', () => {
    const c = newCluster();
    c.createEndpointSlice(makeSlice('web', 'aaaaa'));
    c.createEndpointSlice(makeSlice('web', 'bbbbb'));
    c.createEndpointSlice(makeSlice('api', 'ccccc'));
    expect(c.listEndpointSlices('default', { serviceName: 'web' }).map((s) => s.metadata.name)).toEqual(['web-aaaaa', 'web-bbbbb']);
    c.applyEndpointSlice(makeSlice('web', 'bbbbb', undefined, {}, { labels: { 'kubernetes.io/service-name': 'api' } }));
    expect(c.listEndpointSlices(undefined, { serviceName: 'api' }).map((s) => s.metadata.name)).toEqual(['api-ccccc', 'web-bbbbb']);
    c.deleteEndpointSlice('default', 'web-aaaaa');
    expect(c.listEndpointSlices('default', { serviceName: 'web' })).toEqual([]);
  });

  it('02 conditions are stored as given; ports are defaulted', () => {
    const c = newCluster();
    const eps = c.createEndpointSlice(makeSlice('web', 'abcde', [{ addresses: ['10.1.0.9'] }], { ports: [{ port: 80 }] }));
    expect(eps.endpoints[0].conditions).toBeUndefined();
    expect(eps.ports).toEqual([{ port: 80, name: '', protocol: 'TCP' }]);
  });
});

describe('IPAM through the Cluster', () => {
  it('01 a deleted Service releases its IP and node ports', () => {
    const c = newCluster();
    const svc = c.createService(makeService({ type: 'NodePort', clusterIP: '10.96.0.77', ports: [{ port: 80, nodePort: 30080 }] }, { name: 'web' }));
    c.deleteService('default', 'web');
    expect(c.ipamState().clusterIPs).not.toContain(svc.spec.clusterIP);
    expect(c.createService(makeService({ type: 'NodePort', clusterIP: '10.96.0.77', ports: [{ port: 80, nodePort: 30080 }] }, { name: 'again' })).spec.clusterIP).toBe('10.96.0.77');
  });

  it('02 addresses come from ServiceCIDR objects', () => {
    const c = newCluster({ builtins: false });
    c.createNamespace(makeNamespace('default'));
    c.createServiceCIDR(makeServiceCIDR('small', ['10.200.0.0/28']));
    const svc = c.createService(makeService({}, { name: 'web' }));
    expect(cidrContains(parseCIDR('10.200.0.0/28'), parseIPv4(svc.spec.clusterIP!))).toBe(true);
    expect(() => c.createService(makeService({ clusterIP: '10.96.0.5' }, { name: 'old' }))).toThrow(
      'the provided IP (10.96.0.5) is not in the valid range. The range of valid IPs is 10.200.0.0/28',
    );
  });

  it('03 a ServiceCIDR in use is kept until its last address is released', () => {
    const c = newCluster({ builtins: false });
    c.createNamespace(makeNamespace('default'));
    c.createServiceCIDR(makeServiceCIDR('a', ['10.200.0.0/24']));
    c.createService(makeService({ clusterIP: '10.200.0.9' }, { name: 'web' }));
    const events = recordEvents(c);
    const deleting = c.deleteServiceCIDR('a');
    expect(deleting.metadata.deletionTimestamp).toBe('2024-05-01T12:00:00Z');
    expect(c.getServiceCIDR('a')).toBeDefined();
    // No new addresses from it; the fallback range serves again.
    expect(cidrContains(parseCIDR('10.96.0.0/12'), parseIPv4(c.createService(makeService({}, { name: 'next' })).spec.clusterIP!))).toBe(true);
    c.deleteService('default', 'web');
    expect(c.getServiceCIDR('a')).toBeUndefined();
    expect(events.map((e) => `${e.type} ${e.kind}`)).toEqual(['MODIFIED ServiceCIDR', 'ADDED Service', 'DELETED Service', 'DELETED ServiceCIDR']);
  });

  it('04 an unused ServiceCIDR goes at once', () => {
    const c = newCluster();
    c.createServiceCIDR(makeServiceCIDR('extra', ['10.200.0.0/24']));
    c.deleteServiceCIDR('extra');
    expect(c.getServiceCIDR('extra')).toBeUndefined();
  });

  it('05 spec.cidrs is immutable', () => {
    const c = newCluster();
    c.createServiceCIDR(makeServiceCIDR('extra', ['10.200.0.0/24']));
    expect(() => c.applyServiceCIDR(makeServiceCIDR('extra', ['10.201.0.0/24']))).toThrow('field is immutable');
  });

  it('06 a full /29 fails with an InternalError and changes nothing', () => {
    const c = newCluster({ builtins: false, serviceCIDRs: ['10.0.0.0/29'] });
    c.createNamespace(makeNamespace('default'));
    for (let i = 0; i < 6; i++) c.createService(makeService({}, { name: `s${i}` }));
    const rv = c.resourceVersion;
    expect(() => c.createService(makeService({}, { name: 's6' }))).toThrow(InternalError);
    expect(c.resourceVersion).toBe(rv);
    expect(c.ipamState().clusterIPs.sort()).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  });

  it('07 the same seed and calls give the same addresses and uids', () => {
    const run = (): string[] => {
      const c = newCluster({ seed: 99 });
      return [1, 2, 3].flatMap((i) => {
        const s = c.createService(makeService({ type: 'NodePort' }, { name: `s${i}` }));
        return [s.spec.clusterIP!, String(s.spec.ports![0].nodePort), s.metadata.uid!];
      });
    };
    expect(run()).toEqual(run());
  });
});

describe('status', () => {
  it('01 an update without status keeps the stored load balancer status', () => {
    const c = newCluster();
    c.createService(makeService({ type: 'LoadBalancer' }, { name: 'web' }, (s) => (s.status = { loadBalancer: { ingress: [{ hostname: 'localhost' }] } })));
    const events: ChangeEvent[] = [];
    c.on('*', (e) => events.push(e));
    c.applyService(makeService({ type: 'LoadBalancer' }, { name: 'web' }));
    expect(events).toEqual([]);
    const relabelled = c.applyService(makeService({ type: 'LoadBalancer' }, { name: 'web', labels: { a: 'b' } }));
    expect(relabelled.status).toEqual({ loadBalancer: { ingress: [{ hostname: 'localhost' }] } });
  });

  it('02 leaving LoadBalancer clears it', () => {
    const c = newCluster();
    c.createService(makeService({ type: 'LoadBalancer' }, { name: 'web' }, (s) => (s.status = { loadBalancer: { ingress: [{ hostname: 'localhost' }] } })));
    expect(c.applyService(makeService({ type: 'NodePort' }, { name: 'web' })).status?.loadBalancer).toBeUndefined();
  });
});
