// Server-side Tables (printers.go cell rules, spec §2) and kubectl's rendering of them, with
// golden files copied from real kubectl output (spec §2.8 and the seed session).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { columnsFor, printTable, rowsFor, tableFor } from '../../sdk/api/tables.js';
import type { PrintOptions, Table } from '../../sdk/api/tables.js';
import { RESOURCE_KINDS } from '../../sdk/model/types.js';
import type {
  Deployment,
  DeploymentSpec,
  Endpoint,
  EndpointSlice,
  EndpointSubset,
  Endpoints,
  KubeObject,
  Namespace,
  Node,
  ObjectMeta,
  Pod,
  PodSpec,
  PodStatus,
  ReplicaSet,
  ResourceKind,
  Service,
  ServiceCIDR,
  ServiceSpec,
  ServiceStatus,
} from '../../sdk/model/types.js';

const NOW = new Date('2024-05-10T12:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A creationTimestamp `elapsed` ms before NOW, at the API's one-second resolution. */
const ago = (elapsed: number): string => new Date(NOW.getTime() - elapsed).toISOString().replace(/\.\d{3}Z$/, 'Z');

const meta = (name: string, extra: Partial<ObjectMeta> = {}): ObjectMeta => ({ name, namespace: 'default', creationTimestamp: ago(5 * MINUTE), ...extra });

function makeService(name: string, spec: Partial<ServiceSpec>, extra: { meta?: Partial<ObjectMeta>; status?: ServiceStatus } = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, extra.meta),
    spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }], ...spec },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

function makeEndpoints(name: string, subsets: EndpointSubset[], extra: Partial<ObjectMeta> = {}): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: meta(name, extra), subsets };
}

function makeSlice(name: string, slice: Partial<EndpointSlice>, extra: Partial<ObjectMeta> = {}): EndpointSlice {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta(name, extra), addressType: 'IPv4', endpoints: [], ...slice };
}

const endpoint = (...addresses: string[]): Endpoint => ({ addresses, conditions: { ready: true } });

const READY_CONDITIONS: PodStatus['conditions'] = [
  { type: 'Initialized', status: 'True' },
  { type: 'Ready', status: 'True' },
  { type: 'ContainersReady', status: 'True' },
  { type: 'PodScheduled', status: 'True' },
];

/** A running, ready pod on docker-desktop; `spec`/`status` fields override (status may carry upstream-only fields). */
function makePod(name: string, extra: { spec?: Partial<PodSpec> & Record<string, unknown>; status?: Partial<PodStatus> & Record<string, unknown>; meta?: Partial<ObjectMeta> } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(name, extra.meta),
    spec: { containers: [{ name: 'sleep', image: 'kiamol/ch03-sleep' }], nodeName: 'docker-desktop', ...extra.spec },
    status: { phase: 'Running', conditions: READY_CONDITIONS, podIP: '10.1.0.31', podIPs: [{ ip: '10.1.0.31' }], ...extra.status },
  };
}

function makeNode(name: string, extra: { labels?: Record<string, string>; status?: Record<string, unknown>; unschedulable?: boolean } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, creationTimestamp: ago(3 * DAY), labels: extra.labels ?? {} },
    spec: { unschedulable: extra.unschedulable },
    status: {
      addresses: [
        { type: 'InternalIP', address: '192.168.65.3' },
        { type: 'Hostname', address: name },
      ],
      conditions: [{ type: 'Ready', status: 'True' }],
      ...extra.status,
    },
  };
}

function makeDeployment(name: string, spec: Partial<DeploymentSpec> = {}, status: Deployment['status'] = { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 }): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, { creationTimestamp: ago(12 * HOUR) }),
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'sleep', image: 'kiamol/ch03-sleep' }] } },
      ...spec,
    },
    status,
  };
}

function makeReplicaSet(name: string, spec: Partial<ReplicaSet['spec']> = {}, status: ReplicaSet['status'] = { replicas: 1, readyReplicas: 1 }): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: meta(name, { creationTimestamp: ago(12 * HOUR) }),
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'sleep-2', 'pod-template-hash': '7f69798f94' } },
      template: { spec: { containers: [{ name: 'sleep', image: 'kiamol/ch03-sleep' }] } },
      ...spec,
    },
    status,
  };
}

const cellsOf = (kind: ResourceKind, obj: KubeObject): unknown[] => rowsFor(kind, [obj], { now: NOW })[0].cells;

// ---------------------------------------------------------------------------- columns

describe('columnsFor', () => {
  const shape = (kind: ResourceKind): string[] => columnsFor(kind).map((c) => `${c.name}:${c.type}:${c.priority}`);

  it.each([
    { desc: '01 Service', kind: 'Service', want: ['Name:string:0', 'Type:string:0', 'Cluster-IP:string:0', 'External-IP:string:0', 'Port(s):string:0', 'Age:string:0', 'Selector:string:1'] },
    { desc: '02 Endpoints', kind: 'Endpoints', want: ['Name:string:0', 'Endpoints:string:0', 'Age:string:0'] },
    { desc: '03 EndpointSlice', kind: 'EndpointSlice', want: ['Name:string:0', 'AddressType:string:0', 'Ports:string:0', 'Endpoints:string:0', 'Age:string:0'] },
    {
      desc: '04 Pod',
      kind: 'Pod',
      want: ['Name:string:0', 'Ready:string:0', 'Status:string:0', 'Restarts:string:0', 'Age:string:0', 'IP:string:1', 'Node:string:1', 'Nominated Node:string:1', 'Readiness Gates:string:1'],
    },
    { desc: '05 Namespace', kind: 'Namespace', want: ['Name:string:0', 'Status:string:0', 'Age:string:0'] },
    {
      desc: '06 Node',
      kind: 'Node',
      want: [
        'Name:string:0',
        'Status:string:0',
        'Roles:string:0',
        'Age:string:0',
        'Version:string:0',
        'Internal-IP:string:1',
        'External-IP:string:1',
        'OS-Image:string:1',
        'Kernel-Version:string:1',
        'Container-Runtime:string:1',
      ],
    },
    {
      desc: '07 Deployment',
      kind: 'Deployment',
      want: ['Name:string:0', 'Ready:string:0', 'Up-to-date:string:0', 'Available:string:0', 'Age:string:0', 'Containers:string:1', 'Images:string:1', 'Selector:string:1'],
    },
    {
      desc: '08 ReplicaSet (counts are integer columns)',
      kind: 'ReplicaSet',
      want: ['Name:string:0', 'Desired:integer:0', 'Current:integer:0', 'Ready:integer:0', 'Age:string:0', 'Containers:string:1', 'Images:string:1', 'Selector:string:1'],
    },
    { desc: '09 ServiceCIDR', kind: 'ServiceCIDR', want: ['Name:string:0', 'CIDRs:string:0', 'Age:string:0'] },
  ] as const)('$desc', ({ kind, want }) => {
    expect(shape(kind)).toEqual(want);
  });

  it('10 only the Name column has format "name", and every column has a description', () => {
    for (const kind of RESOURCE_KINDS) {
      const columns = columnsFor(kind);
      expect(columns.filter((c) => c.format === 'name').map((c) => c.name), kind).toEqual(['Name']);
      expect(columns[0].format, kind).toBe('name');
      expect(columns.every((c) => c.description.length > 0), kind).toBe(true);
    }
  });

  it('11 returns fresh copies', () => {
    columnsFor('Service')[0].name = 'changed';
    expect(columnsFor('Service')[0].name).toBe('Name');
  });

  it('12 an unknown kind is a TypeError', () => {
    expect(() => columnsFor('Secret' as ResourceKind)).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------- Service

describe('Service cells', () => {
  it.each([
    {
      desc: '01 ClusterIP: first clusterIP, <none> external, port/PROTO, selector',
      svc: makeService('sleep-2', { clusterIP: '10.98.2.165', clusterIPs: ['10.98.2.165'], selector: { app: 'sleep-2' } }),
      want: ['sleep-2', 'ClusterIP', '10.98.2.165', '<none>', '80/TCP', '5m', 'app=sleep-2'],
    },
    {
      desc: '02 NodePort: port:nodePort/PROTO',
      svc: makeService('hello-kubernetes', { type: 'NodePort', clusterIPs: ['10.104.8.8'], ports: [{ port: 80, nodePort: 31655, protocol: 'TCP' }] }),
      want: ['hello-kubernetes', 'NodePort', '10.104.8.8', '<none>', '80:31655/TCP', '5m', '<none>'],
    },
    {
      desc: '03 several ports joined without spaces, protocols kept',
      svc: makeService('kube-dns', {
        clusterIPs: ['10.96.0.10'],
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
          { name: 'metrics', port: 9153, protocol: 'TCP' },
        ],
      }),
      want: ['kube-dns', 'ClusterIP', '10.96.0.10', '<none>', '53/UDP,53/TCP,9153/TCP', '5m', '<none>'],
    },
    {
      desc: '04 no ports is <none>',
      svc: makeService('no-ports', { clusterIPs: ['10.96.0.20'], ports: [] }),
      want: ['no-ports', 'ClusterIP', '10.96.0.20', '<none>', '<none>', '5m', '<none>'],
    },
    {
      desc: '05 headless shows None',
      svc: makeService('headless', { clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' } }),
      want: ['headless', 'ClusterIP', 'None', '<none>', '80/TCP', '5m', 'app=db'],
    },
    {
      desc: '06 ExternalName: no cluster IP, externalName as EXTERNAL-IP',
      svc: makeService('numbers-api', { type: 'ExternalName', externalName: 'raw.githubusercontent.com', ports: [] }),
      want: ['numbers-api', 'ExternalName', '<none>', 'raw.githubusercontent.com', '<none>', '5m', '<none>'],
    },
    {
      desc: '07 LoadBalancer without ingress is <pending>',
      svc: makeService('lb', { type: 'LoadBalancer', clusterIPs: ['10.101.94.89'], ports: [{ port: 8080, nodePort: 30122, protocol: 'TCP' }] }),
      want: ['lb', 'LoadBalancer', '10.101.94.89', '<pending>', '8080:30122/TCP', '5m', '<none>'],
    },
    {
      desc: '08 LoadBalancer with a hostname ingress (Docker Desktop: localhost)',
      svc: makeService('numbers-web', { type: 'LoadBalancer', clusterIPs: ['10.101.94.89'] }, { status: { loadBalancer: { ingress: [{ hostname: 'localhost' }] } } }),
      want: ['numbers-web', 'LoadBalancer', '10.101.94.89', 'localhost', '80/TCP', '5m', '<none>'],
    },
    {
      desc: '09 LoadBalancer: ingress IPs (else hostname) unique and sorted, then externalIPs',
      svc: makeService(
        'lb',
        { type: 'LoadBalancer', clusterIPs: ['10.101.94.89'], externalIPs: ['192.0.2.9'] },
        { status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { ip: '10.0.0.1', hostname: 'ignored.example' }, { ip: '10.0.0.2' }, { hostname: 'a.example' }] } } },
      ),
      want: ['lb', 'LoadBalancer', '10.101.94.89', '10.0.0.1,10.0.0.2,a.example,192.0.2.9', '80/TCP', '5m', '<none>'],
    },
    {
      desc: '10 LoadBalancer with only externalIPs',
      svc: makeService('lb', { type: 'LoadBalancer', clusterIPs: ['10.101.94.89'], externalIPs: ['192.0.2.9', '192.0.2.8'] }),
      want: ['lb', 'LoadBalancer', '10.101.94.89', '192.0.2.9,192.0.2.8', '80/TCP', '5m', '<none>'],
    },
    {
      desc: '11 long ingress names are not cut (the server renders wide)',
      svc: makeService('lb', { type: 'LoadBalancer', clusterIPs: ['10.101.94.89'] }, { status: { loadBalancer: { ingress: [{ hostname: 'a-very-long-load-balancer.example.com' }] } } }),
      want: ['lb', 'LoadBalancer', '10.101.94.89', 'a-very-long-load-balancer.example.com', '80/TCP', '5m', '<none>'],
    },
    {
      desc: '12 ClusterIP and NodePort list externalIPs in order',
      svc: makeService('ext', { type: 'NodePort', clusterIPs: ['10.96.0.30'], externalIPs: ['192.0.2.2', '192.0.2.1'], ports: [{ port: 80, nodePort: 30001, protocol: 'TCP' }] }),
      want: ['ext', 'NodePort', '10.96.0.30', '192.0.2.2,192.0.2.1', '80:30001/TCP', '5m', '<none>'],
    },
    {
      desc: '13 selector keys sorted',
      svc: makeService('web', { clusterIPs: ['10.96.0.40'], selector: { tier: 'web', app: 'numbers' } }),
      want: ['web', 'ClusterIP', '10.96.0.40', '<none>', '80/TCP', '5m', 'app=numbers,tier=web'],
    },
    {
      desc: '14 dual-stack shows the primary cluster IP',
      svc: makeService('dual', { clusterIPs: ['fd00:10:96::1', '10.96.0.50'] }),
      want: ['dual', 'ClusterIP', 'fd00:10:96::1', '<none>', '80/TCP', '5m', '<none>'],
    },
    {
      desc: '15 no creationTimestamp is <unknown> age',
      svc: makeService('new', { clusterIPs: ['10.96.0.60'] }, { meta: { creationTimestamp: undefined } }),
      want: ['new', 'ClusterIP', '10.96.0.60', '<none>', '80/TCP', '<unknown>', '<none>'],
    },
    {
      desc: '16 an undefaulted type prints as upstream does for an empty type',
      svc: makeService('raw', { type: undefined, clusterIPs: ['10.96.0.70'] }),
      want: ['raw', '', '10.96.0.70', '<unknown>', '80/TCP', '5m', '<none>'],
    },
  ])('$desc', ({ svc, want }) => {
    expect(cellsOf('Service', svc)).toEqual(want);
  });
});

// ---------------------------------------------------------------------------- Endpoints

describe('Endpoints cells', () => {
  const ips = (...list: string[]) => list.map((ip) => ({ ip }));
  it.each([
    { desc: '01 one address, one port', subsets: [{ addresses: ips('10.1.0.43'), ports: [{ port: 80 }] }], want: '10.1.0.43:80' },
    { desc: '02 no subsets is <none>', subsets: [], want: '<none>' },
    {
      desc: '03 more than three: first three then + N more...',
      subsets: [{ addresses: ips('10.1.0.40', '10.1.0.41', '10.1.0.42', '10.1.0.43', '10.1.0.44'), ports: [{ port: 8080 }] }],
      want: '10.1.0.40:8080,10.1.0.41:8080,10.1.0.42:8080 + 2 more...',
    },
    { desc: '04 exactly three has no suffix', subsets: [{ addresses: ips('10.1.0.40', '10.1.0.41', '10.1.0.42'), ports: [{ port: 80 }] }], want: '10.1.0.40:80,10.1.0.41:80,10.1.0.42:80' },
    { desc: '05 IPv6 addresses are bracketed', subsets: [{ addresses: ips('fd00::7'), ports: [{ port: 80 }] }], want: '[fd00::7]:80' },
    { desc: '06 a subset without ports lists bare IPs', subsets: [{ addresses: ips('10.1.0.5', 'fd00::5') }], want: '10.1.0.5,fd00::5' },
    { desc: '07 notReadyAddresses are not shown', subsets: [{ addresses: ips('10.1.0.5'), notReadyAddresses: ips('10.1.0.6'), ports: [{ port: 80 }] }], want: '10.1.0.5:80' },
    { desc: '08 subsets with nothing ready print an empty cell (upstream)', subsets: [{ notReadyAddresses: ips('10.1.0.6'), ports: [{ port: 80 }] }], want: '' },
    {
      desc: '09 each port lists every address, ports in order; the total counts address × port',
      subsets: [{ addresses: ips('10.1.0.1', '10.1.0.2'), ports: [{ port: 80 }, { port: 443 }] }],
      want: '10.1.0.1:80,10.1.0.2:80,10.1.0.1:443 + 1 more...',
    },
    {
      desc: '10 entries run on across subsets',
      subsets: [
        { addresses: ips('10.1.0.1'), ports: [{ port: 80 }] },
        { addresses: ips('10.1.0.2', '10.1.0.3', '10.1.0.4'), ports: [{ port: 8080 }] },
      ],
      want: '10.1.0.1:80,10.1.0.2:8080,10.1.0.3:8080 + 1 more...',
    },
  ])('$desc', ({ subsets, want }) => {
    expect(cellsOf('Endpoints', makeEndpoints('sleep-2', subsets, { creationTimestamp: ago(12 * HOUR) }))).toEqual(['sleep-2', want, '12h']);
  });
});

// ---------------------------------------------------------------------------- EndpointSlice

describe('EndpointSlice cells', () => {
  it.each([
    { desc: '01 one port, one address', slice: { ports: [{ name: '', port: 80, protocol: 'TCP' as const }], endpoints: [endpoint('10.1.0.31')] }, want: ['IPv4', '80', '10.1.0.31'] },
    { desc: '02 no ports and no endpoints are <unset>', slice: { ports: [], endpoints: [] }, want: ['IPv4', '<unset>', '<unset>'] },
    { desc: '03 missing ports field is <unset>', slice: { endpoints: [endpoint('10.1.0.31')] }, want: ['IPv4', '<unset>', '10.1.0.31'] },
    { desc: '04 a nil port number is *', slice: { ports: [{}], endpoints: [] }, want: ['IPv4', '*', '<unset>'] },
    { desc: '05 a nil port number with a name prints the name', slice: { ports: [{ name: 'http' }], endpoints: [] }, want: ['IPv4', 'http', '<unset>'] },
    {
      desc: '06 more than three ports: + N more...',
      slice: { ports: [{ port: 80 }, { port: 81 }, { port: 82 }, { port: 83 }], endpoints: [] },
      want: ['IPv4', '80,81,82 + 1 more...', '<unset>'],
    },
    {
      desc: '07 every address of every endpoint, ready or not, three max',
      slice: { endpoints: [endpoint('10.1.0.1', '10.1.0.2'), { addresses: ['10.1.0.3'], conditions: { ready: false } }, endpoint('10.1.0.4'), endpoint('10.1.0.5')] },
      want: ['IPv4', '<unset>', '10.1.0.1,10.1.0.2,10.1.0.3 + 2 more...'],
    },
    { desc: '08 IPv6 slices list addresses without brackets', slice: { addressType: 'IPv6' as const, ports: [{ port: 80 }], endpoints: [endpoint('fd00::7')] }, want: ['IPv6', '80', 'fd00::7'] },
    { desc: '09 FQDN slices', slice: { addressType: 'FQDN' as const, ports: [{ port: 443 }], endpoints: [endpoint('example.com')] }, want: ['FQDN', '443', 'example.com'] },
  ])('$desc', ({ slice, want }) => {
    expect(cellsOf('EndpointSlice', makeSlice('sleep-2-x7k2p', slice))).toEqual(['sleep-2-x7k2p', ...want, '5m']);
  });
});

// ---------------------------------------------------------------------------- Pod

describe('Pod cells', () => {
  const finished = (elapsed: number) => ({ terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(elapsed) } });
  it.each([
    { desc: '01 running and ready (no container statuses: the Ready condition decides)', pod: makePod('p'), want: ['1/1', 'Running', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'] },
    {
      desc: '02 Ready condition False: 0/N',
      pod: makePod('p', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }),
      want: ['0/1', 'Running', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '03 two containers, ready',
      pod: makePod('p', { spec: { containers: [{ name: 'a' }, { name: 'b' }] } }),
      want: ['2/2', 'Running', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '04 deletionTimestamp shows Terminating',
      pod: makePod('p', { meta: { deletionTimestamp: ago(0), deletionGracePeriodSeconds: 30 } }),
      want: ['1/1', 'Terminating', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '05 a terminal phase is kept while deleting',
      pod: makePod('p', { meta: { deletionTimestamp: ago(0) }, status: { phase: 'Succeeded', conditions: [] } }),
      want: ['0/1', 'Succeeded', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '06 pending, unscheduled: no IP, no node',
      pod: makePod('p', { spec: { nodeName: undefined }, status: { phase: 'Pending', conditions: [], podIP: undefined, podIPs: undefined } }),
      want: ['0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      desc: '07 container statuses: waiting reason wins; restarts with the last restart age',
      pod: makePod('p', {
        spec: { containers: [{ name: 'a' }, { name: 'b' }] },
        status: {
          containerStatuses: [
            { name: 'a', ready: true, restartCount: 0, state: { running: {} } },
            { name: 'b', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: finished(2 * MINUTE) },
          ],
        },
      }),
      want: ['1/2', 'CrashLoopBackOff', '3 (2m ago)', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '08 restarts without a last termination time are a bare number',
      pod: makePod('p', { status: { containerStatuses: [{ name: 'sleep', ready: true, restartCount: 2, state: { running: {} } }] } }),
      want: ['1/1', 'Running', '2', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '09 the latest termination of all containers dates the restarts',
      pod: makePod('p', {
        spec: { containers: [{ name: 'a' }, { name: 'b' }] },
        status: {
          containerStatuses: [
            { name: 'a', ready: true, restartCount: 1, state: { running: {} }, lastState: finished(3 * HOUR) },
            { name: 'b', ready: true, restartCount: 1, state: { running: {} }, lastState: finished(40 * SECOND) },
          ],
        },
      }),
      want: ['2/2', 'Running', '2 (40s ago)', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '10 a terminated container with a reason',
      pod: makePod('p', { status: { phase: 'Succeeded', conditions: [], containerStatuses: [{ name: 'sleep', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } }),
      want: ['0/1', 'Completed', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '11 terminated without a reason: ExitCode:N',
      pod: makePod('p', { status: { phase: 'Failed', containerStatuses: [{ name: 'sleep', state: { terminated: { exitCode: 2 } } }] } }),
      want: ['0/1', 'ExitCode:2', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '12 terminated by a signal: Signal:N',
      pod: makePod('p', { status: { phase: 'Failed', containerStatuses: [{ name: 'sleep', state: { terminated: { exitCode: 137, signal: 9 } } }] } }),
      want: ['0/1', 'Signal:9', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '13 Completed with a container still running and Ready: Running',
      pod: makePod('p', {
        spec: { containers: [{ name: 'a' }, { name: 'b' }] },
        status: {
          containerStatuses: [
            { name: 'a', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
            { name: 'b', ready: true, state: { running: {} } },
          ],
        },
      }),
      want: ['1/2', 'Running', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '14 status.reason overrides the phase',
      pod: makePod('p', { status: { phase: 'Failed', reason: 'Evicted', conditions: [] } }),
      want: ['0/1', 'Evicted', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '15 deleting a pod on a lost node: Unknown',
      pod: makePod('p', { meta: { deletionTimestamp: ago(0) }, status: { reason: 'NodeLost' } }),
      want: ['1/1', 'Unknown', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '16 SchedulingGated',
      pod: makePod('p', { spec: { nodeName: undefined }, status: { phase: 'Pending', podIPs: [], podIP: undefined, conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } }),
      want: ['0/1', 'SchedulingGated', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
    {
      desc: '17 an init container waiting: Init:<reason>',
      pod: makePod('p', {
        spec: { initContainers: [{ name: 'init' }] },
        status: { phase: 'Pending', conditions: [], initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'ImagePullBackOff' } } }] },
      }),
      want: ['0/1', 'Init:ImagePullBackOff', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '18 init containers in progress: Init:i/n',
      pod: makePod('p', {
        spec: { initContainers: [{ name: 'one' }, { name: 'two' }] },
        status: {
          phase: 'Pending',
          conditions: [],
          initContainerStatuses: [
            { name: 'one', state: { terminated: { exitCode: 0 } } },
            { name: 'two', state: { running: {} } },
          ],
        },
      }),
      want: ['0/1', 'Init:1/2', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '19 a failed init container: Init:ExitCode:N',
      pod: makePod('p', {
        spec: { initContainers: [{ name: 'init' }] },
        status: { phase: 'Pending', conditions: [], initContainerStatuses: [{ name: 'init', restartCount: 1, state: { terminated: { exitCode: 3 } } }] },
      }),
      want: ['0/1', 'Init:ExitCode:3', '1', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '20 a started sidecar (restartPolicy Always) counts in READY',
      pod: makePod('p', {
        spec: { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
        status: {
          initContainerStatuses: [{ name: 'proxy', started: true, ready: true, state: { running: {} } }],
          containerStatuses: [{ name: 'sleep', ready: true, state: { running: {} } }],
        },
      }),
      want: ['2/2', 'Running', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '<none>'],
    },
    {
      desc: '21 readiness gates: true/total',
      pod: makePod('p', {
        spec: { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
        status: { conditions: [...READY_CONDITIONS!, { type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }] },
      }),
      want: ['1/1', 'Running', '0', '5m', '10.1.0.31', 'docker-desktop', '<none>', '1/2'],
    },
    {
      desc: '22 nominated node',
      pod: makePod('p', { status: { nominatedNodeName: 'node-b' } }),
      want: ['1/1', 'Running', '0', '5m', '10.1.0.31', 'docker-desktop', 'node-b', '<none>'],
    },
    {
      desc: '23 dual-stack: the primary pod IP',
      pod: makePod('p', { status: { podIP: 'fd00::31', podIPs: [{ ip: 'fd00::31' }, { ip: '10.1.0.31' }] } }),
      want: ['1/1', 'Running', '0', '5m', 'fd00::31', 'docker-desktop', '<none>', '<none>'],
    },
  ])('$desc', ({ pod, want }) => {
    expect(cellsOf('Pod', pod)).toEqual(['p', ...want]);
  });
});

// ---------------------------------------------------------------------------- Namespace, Node, ServiceCIDR

describe('Namespace, Node and ServiceCIDR cells', () => {
  const ns = (name: string, phase?: 'Active' | 'Terminating'): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, creationTimestamp: ago(2 * DAY + 23 * HOUR) }, status: { phase } });
  const nodeInfo = { kubeletVersion: 'v1.32.2', osImage: 'Docker Desktop', kernelVersion: '6.10.14-linuxkit', containerRuntimeVersion: 'docker://27.5.1' };

  it.each([
    { desc: '01 Namespace Active', kind: 'Namespace', obj: ns('default', 'Active'), want: ['default', 'Active', '2d23h'] },
    { desc: '02 Namespace Terminating', kind: 'Namespace', obj: ns('gone', 'Terminating'), want: ['gone', 'Terminating', '2d23h'] },
    {
      desc: '03 Node: Docker Desktop (control-plane role, node info)',
      kind: 'Node',
      obj: makeNode('docker-desktop', { labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/os': 'linux' }, status: { nodeInfo } }),
      want: ['docker-desktop', 'Ready', 'control-plane', '3d', 'v1.32.2', '192.168.65.3', '<none>', 'Docker Desktop', '6.10.14-linuxkit', 'docker://27.5.1'],
    },
    {
      desc: '04 Node NotReady, no roles, no node info',
      kind: 'Node',
      obj: makeNode('n1', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }),
      want: ['n1', 'NotReady', '<none>', '3d', '', '192.168.65.3', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    },
    {
      desc: '05 Node without a Ready condition is Unknown; other conditions do not count',
      kind: 'Node',
      obj: makeNode('n2', { status: { conditions: [{ type: 'MemoryPressure', status: 'False' }] } }),
      want: ['n2', 'Unknown', '<none>', '3d', '', '192.168.65.3', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    },
    {
      desc: '06 Node cordoned: Ready,SchedulingDisabled',
      kind: 'Node',
      obj: makeNode('n3', { unschedulable: true }),
      want: ['n3', 'Ready,SchedulingDisabled', '<none>', '3d', '', '192.168.65.3', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    },
    {
      desc: '07 Node roles from both label forms, sorted and unique; an empty role is ignored',
      kind: 'Node',
      obj: makeNode('n4', {
        labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/': '', 'kubernetes.io/role': 'infra' },
        status: { addresses: [{ type: 'ExternalIP', address: '203.0.113.4' }] },
      }),
      want: ['n4', 'Ready', 'control-plane,infra,worker', '3d', '', '<none>', '203.0.113.4', '<unknown>', '<unknown>', '<unknown>'],
    },
    {
      desc: '08 ServiceCIDR lists its CIDRs',
      kind: 'ServiceCIDR',
      obj: { apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'kubernetes', creationTimestamp: ago(3 * DAY) }, spec: { cidrs: ['10.96.0.0/12', 'fd00:10:96::/112'] } } satisfies ServiceCIDR,
      want: ['kubernetes', '10.96.0.0/12,fd00:10:96::/112', '3d'],
    },
  ] as { desc: string; kind: ResourceKind; obj: KubeObject; want: unknown[] }[])('$desc', ({ kind, obj, want }) => {
    expect(cellsOf(kind, obj)).toEqual(want);
  });
});

// ---------------------------------------------------------------------------- Deployment and ReplicaSet

describe('Deployment and ReplicaSet cells', () => {
  it.each([
    {
      desc: '01 Deployment: ready/desired, numeric up-to-date and available, wide containers/images/selector',
      obj: makeDeployment('sleep-2'),
      kind: 'Deployment',
      want: ['sleep-2', '1/1', 1, 1, '12h', 'sleep', 'kiamol/ch03-sleep', 'app=sleep-2'],
    },
    { desc: '02 Deployment without status', obj: { ...makeDeployment('web', { replicas: 2 }), status: undefined }, kind: 'Deployment', want: ['web', '0/2', 0, 0, '12h', 'sleep', 'kiamol/ch03-sleep', 'app=web'] },
    {
      desc: '03 Deployment with several containers',
      obj: makeDeployment('web', {
        template: {
          spec: {
            containers: [
              { name: 'web', image: 'kiamol/ch03-numbers-web' },
              { name: 'proxy', image: 'nginx:1.27' },
            ],
          },
        },
      }),
      kind: 'Deployment',
      want: ['web', '1/1', 1, 1, '12h', 'web,proxy', 'kiamol/ch03-numbers-web,nginx:1.27', 'app=web'],
    },
    {
      desc: '04 Deployment selector: requirements sorted by key, expressions as in/notin/exists/!',
      obj: makeDeployment('web', {
        selector: {
          matchLabels: { tier: 'web', app: 'numbers' },
          matchExpressions: [
            { key: 'legacy', operator: 'DoesNotExist' },
            { key: 'env', operator: 'In', values: ['qa', 'prod'] },
            { key: 'zone', operator: 'NotIn', values: ['b'] },
            { key: 'canary', operator: 'Exists' },
          ],
        },
      }),
      kind: 'Deployment',
      want: ['web', '1/1', 1, 1, '12h', 'sleep', 'kiamol/ch03-sleep', 'app=numbers,canary,env in (prod,qa),!legacy,tier=web,zone notin (b)'],
    },
    { desc: '05 Deployment with an empty selector prints an empty selector', obj: makeDeployment('web', { selector: {} }), kind: 'Deployment', want: ['web', '1/1', 1, 1, '12h', 'sleep', 'kiamol/ch03-sleep', ''] },
    {
      desc: '06 Deployment with an invalid selector: <invalid>',
      obj: makeDeployment('web', { selector: { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] } }),
      kind: 'Deployment',
      want: ['web', '1/1', 1, 1, '12h', 'sleep', 'kiamol/ch03-sleep', '<invalid>'],
    },
    {
      desc: '07 ReplicaSet: numeric desired/current/ready',
      obj: makeReplicaSet('sleep-2-7f69798f94'),
      kind: 'ReplicaSet',
      want: ['sleep-2-7f69798f94', 1, 1, 1, '12h', 'sleep', 'kiamol/ch03-sleep', 'app=sleep-2,pod-template-hash=7f69798f94'],
    },
    { desc: '08 ReplicaSet scaled to zero, no status', obj: { ...makeReplicaSet('old-rs', { replicas: 0 }), status: undefined }, kind: 'ReplicaSet', want: ['old-rs', 0, 0, 0, '12h', 'sleep', 'kiamol/ch03-sleep', 'app=sleep-2,pod-template-hash=7f69798f94'] },
    { desc: '09 ReplicaSet with an empty selector: <none>', obj: makeReplicaSet('rs', { selector: {} }), kind: 'ReplicaSet', want: ['rs', 1, 1, 1, '12h', 'sleep', 'kiamol/ch03-sleep', '<none>'] },
    {
      desc: '10 ReplicaSet with an invalid selector: <error>',
      obj: makeReplicaSet('rs', { selector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } }),
      kind: 'ReplicaSet',
      want: ['rs', 1, 1, 1, '12h', 'sleep', 'kiamol/ch03-sleep', '<error>'],
    },
  ] as { desc: string; kind: ResourceKind; obj: KubeObject; want: unknown[] }[])('$desc', ({ kind, obj, want }) => {
    expect(cellsOf(kind, obj)).toEqual(want);
  });
});

// ---------------------------------------------------------------------------- rows and tables

describe('rowsFor and tableFor', () => {
  const svc = makeService('sleep-2', { clusterIPs: ['10.98.2.165'], selector: { app: 'sleep-2' } }, { meta: { labels: { app: 'sleep-2' }, uid: 'u-1', resourceVersion: '7' } });

  it('01 every kind gives one cell per column, wide ones included', () => {
    const samples: KubeObject[] = [
      svc,
      makeEndpoints('e', []),
      makeSlice('s', {}),
      makePod('p'),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } },
      makeNode('n'),
      makeDeployment('d'),
      makeReplicaSet('r'),
      { apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'c' }, spec: { cidrs: ['10.96.0.0/12'] } },
    ];
    expect(samples.map((o) => o.kind).sort()).toEqual([...RESOURCE_KINDS].sort());
    for (const obj of samples) expect(cellsOf(obj.kind, obj).length, obj.kind).toBe(columnsFor(obj.kind).length);
  });

  it('02 rows keep the input order', () => {
    const rows = rowsFor('Service', [makeService('b', {}), makeService('a', {})], { now: NOW });
    expect(rows.map((r) => r.cells[0])).toEqual(['b', 'a']);
  });

  it('03 includeObject defaults to Metadata: a PartialObjectMetadata copy of the metadata', () => {
    const [row] = rowsFor('Service', [svc], { now: NOW });
    expect(row.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: svc.metadata });
    expect(row.object!.metadata).not.toBe(svc.metadata);
  });

  it('04 includeObject None leaves the object out', () => {
    const [row] = rowsFor('Service', [svc], { now: NOW, includeObject: 'None' });
    expect('object' in row).toBe(false);
  });

  it('05 includeObject Object carries a copy of the whole object', () => {
    const [row] = rowsFor('Service', [svc], { now: NOW, includeObject: 'Object' });
    expect(row.object).toEqual(svc);
    expect(row.object).not.toBe(svc);
  });

  it('06 an object of another kind is a TypeError', () => {
    expect(() => rowsFor('Pod', [svc], { now: NOW })).toThrow(TypeError);
  });

  it('07 tableFor: a meta.k8s.io/v1 Table with the resourceVersion', () => {
    const table = tableFor('Service', [svc], { now: NOW, resourceVersion: '123' });
    expect(table).toEqual({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '123' },
      columnDefinitions: columnsFor('Service'),
      rows: rowsFor('Service', [svc], { now: NOW }),
    });
    expect(JSON.parse(JSON.stringify(table))).toEqual(table);
  });

  it('08 tableFor without a resourceVersion has empty metadata, and an empty list has no rows', () => {
    const table = tableFor('Pod', [], { now: NOW });
    expect(table.metadata).toEqual({});
    expect(table.rows).toEqual([]);
    expect(table.columnDefinitions).toHaveLength(9);
  });
});

// ---------------------------------------------------------------------------- printTable

describe('printTable', () => {
  const pods = [
    makePod('sleep-1', { meta: { labels: { app: 'sleep-1', 'pod-template-hash': 'abc' } } }),
    makePod('sleep-2', { meta: { namespace: 'kube-system', labels: {} } }),
  ];
  const podTable = tableFor('Pod', pods, { now: NOW });
  const manual = (cells: unknown[][], extra: Partial<Table> = {}): Table => ({
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: '', priority: 0 },
      { name: 'Value', type: 'string', format: '', description: '', priority: 0 },
    ],
    rows: cells.map((c) => ({ cells: c })),
    ...extra,
  });

  it.each([
    {
      desc: '01 default: priority-0 columns, upper-cased headers, padding 3, last column not padded',
      table: podTable,
      options: {},
      want: ['NAME      READY   STATUS    RESTARTS   AGE', 'sleep-1   1/1     Running   0          5m', 'sleep-2   1/1     Running   0          5m'],
    },
    {
      desc: '02 wide adds the priority-1 columns',
      table: podTable,
      options: { wide: true },
      want: [
        'NAME      READY   STATUS    RESTARTS   AGE   IP          NODE             NOMINATED NODE   READINESS GATES',
        'sleep-1   1/1     Running   0          5m    10.1.0.31   docker-desktop   <none>           <none>',
        'sleep-2   1/1     Running   0          5m    10.1.0.31   docker-desktop   <none>           <none>',
      ],
    },
    {
      desc: '03 withNamespace prepends NAMESPACE from row.object',
      table: podTable,
      options: { withNamespace: true },
      want: ['NAMESPACE     NAME      READY   STATUS    RESTARTS   AGE', 'default       sleep-1   1/1     Running   0          5m', 'kube-system   sleep-2   1/1     Running   0          5m'],
    },
    {
      desc: '04 showLabels appends LABELS: k=v sorted, <none> when empty',
      table: podTable,
      options: { showLabels: true },
      want: [
        'NAME      READY   STATUS    RESTARTS   AGE   LABELS',
        'sleep-1   1/1     Running   0          5m    app=sleep-1,pod-template-hash=abc',
        'sleep-2   1/1     Running   0          5m    <none>',
      ],
    },
    {
      desc: '05 kindPrefix goes on the name column (get all)',
      table: podTable,
      options: { kindPrefix: 'pod/' },
      want: ['NAME          READY   STATUS    RESTARTS   AGE', 'pod/sleep-1   1/1     Running   0          5m', 'pod/sleep-2   1/1     Running   0          5m'],
    },
    {
      desc: '06 noHeaders',
      table: podTable,
      options: { noHeaders: true },
      want: ['sleep-1   1/1   Running   0     5m', 'sleep-2   1/1   Running   0     5m'],
    },
    {
      desc: '07 columns are at least 6 wide (tabwriter minwidth)',
      table: manual([['a', 'b']]),
      options: { noHeaders: true },
      want: ['a     b'],
    },
    {
      desc: '08 rows without an object get blank NAMESPACE and LABELS cells',
      table: manual([['x', 'y']]),
      options: { withNamespace: true, showLabels: true },
      want: ['NAMESPACE   NAME   VALUE   LABELS', '            x      y       '],
    },
    {
      desc: '09 string cells are cut at the first newline with ...',
      table: manual([['x', 'first line\nsecond line'], ['y', 'a\rb']]),
      options: {},
      want: ['NAME   VALUE', 'x      first line...', 'y      a...'],
    },
    {
      desc: '10 terminal escapes are neutralised',
      table: manual([['x', 'red\x1b[31m']]),
      options: {},
      want: ['NAME   VALUE', 'x      red^[[31m'],
    },
    {
      desc: '11 numbers, booleans and nulls',
      table: manual([
        [1, true],
        [null, 0],
      ]),
      options: {},
      want: ['NAME   VALUE', '1      true', '       0'],
    },
    {
      desc: '12 widths count characters, not bytes',
      table: manual([['ünïcödé', 'v']]),
      options: { noHeaders: true },
      want: ['ünïcödé   v'],
    },
  ] as { desc: string; table: Table; options: PrintOptions; want: string[] }[])('$desc', ({ table, options, want }) => {
    expect(printTable(table, options)).toBe(want.map((l) => `${l}\n`).join(''));
  });

  it('13 a table without rows prints nothing (kubectl reports "No resources found" on stderr)', () => {
    expect(printTable(tableFor('Service', [], { now: NOW }))).toBe('');
    expect(printTable(tableFor('Service', [], { now: NOW }), { noHeaders: true })).toBe('');
  });

  it('14 an embedded tab starts a new column block, as in Go tabwriter', () => {
    const table = manual([
      ['a', 'b\tc'],
      ['dd', 'e'],
    ]);
    expect(printTable(table, { noHeaders: true })).toBe('a     b     c\ndd    e\n');
  });
});

// ---------------------------------------------------------------------------- golden files (real kubectl output)

describe('golden: real kubectl v1.32 output', () => {
  const golden = (file: string): string => readFileSync(new URL(`./golden/${file}`, import.meta.url), 'utf8');

  /** A Service as the seed cluster has it (API defaults applied), created `elapsed` ago. */
  const seedService = (namespace: string, name: string, clusterIP: string, elapsed: number, spec: Partial<ServiceSpec> = {}, status?: ServiceStatus): Service =>
    makeService(name, { clusterIP, clusterIPs: [clusterIP], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None', ...spec }, { meta: { namespace, creationTimestamp: ago(elapsed) }, status });

  const kubeDns = (): Service =>
    seedService('kube-system', 'kube-dns', '10.96.0.10', 2 * DAY + 23 * HOUR + 12 * MINUTE, {
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    });

  const sleep2Endpoints = (subsets: EndpointSubset[]): Endpoints => makeEndpoints('sleep-2', subsets, { creationTimestamp: ago(12 * HOUR + 40 * MINUTE) });
  const readyAt = (ip: string): EndpointSubset[] => [{ addresses: [{ ip, nodeName: 'docker-desktop' }], ports: [{ port: 80, protocol: 'TCP' }] }];

  it.each([
    { desc: '01 seed: kubectl get endpoints sleep-2', file: 'seed-get-endpoints-sleep-2.txt', kind: 'Endpoints', objects: [sleep2Endpoints(readyAt('10.1.0.43'))], options: {} },
    { desc: '02 seed: get endpoints sleep-2 after the pod is replaced', file: 'seed-get-endpoints-sleep-2-after-pod-delete.txt', kind: 'Endpoints', objects: [sleep2Endpoints(readyAt('10.1.0.51'))], options: {} },
    { desc: '03 seed: get endpoints sleep-2 after the deployment is deleted', file: 'seed-get-endpoints-sleep-2-after-deploy-delete.txt', kind: 'Endpoints', objects: [sleep2Endpoints([])], options: {} },
    {
      desc: '04 seed: kubectl get svc --namespace default',
      file: 'seed-get-svc-namespace-default.txt',
      kind: 'Service',
      objects: [
        seedService('default', 'hello-kubernetes', '10.106.104.252', 2 * DAY + 23 * HOUR + 5 * MINUTE, { type: 'NodePort', ports: [{ port: 80, nodePort: 31655, protocol: 'TCP', targetPort: 8080 }] }),
        seedService('default', 'kubernetes', '10.96.0.1', 2 * DAY + 23 * HOUR + 30 * MINUTE, { ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] }),
        seedService('default', 'numbers-api', '10.103.155.91', 32 * MINUTE + 10 * SECOND, { selector: { app: 'numbers-api' } }),
        seedService(
          'default',
          'numbers-web',
          '10.107.18.45',
          79 * MINUTE + 59 * SECOND,
          { type: 'LoadBalancer', selector: { app: 'numbers-web' }, ports: [{ port: 8080, nodePort: 31421, protocol: 'TCP', targetPort: 80 }] },
          { loadBalancer: { ingress: [{ hostname: 'localhost' }] } },
        ),
        seedService('default', 'sleep-2', '10.98.208.225', 13 * HOUR + 2 * MINUTE, { selector: { app: 'sleep-2' } }),
      ],
      options: {},
    },
    { desc: '05 seed: kubectl get svc -n kube-system', file: 'seed-get-svc-n-kube-system.txt', kind: 'Service', objects: [kubeDns()], options: {} },
    {
      desc: '06 spec §2.8: kubectl get svc -A (server order kept)',
      file: 'spec-get-svc-A.txt',
      kind: 'Service',
      objects: [
        seedService('default', 'kubernetes', '10.96.0.1', 2 * DAY + 23 * HOUR + 59 * MINUTE, { ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
        seedService('default', 'sleep-2', '10.98.2.165', 32 * MINUTE, { selector: { app: 'sleep-2' } }),
        seedService(
          'default',
          'numbers-web',
          '10.101.94.89',
          12 * HOUR + 30 * MINUTE,
          { type: 'LoadBalancer', ports: [{ port: 8080, nodePort: 30122, protocol: 'TCP' }] },
          { loadBalancer: { ingress: [{ hostname: 'localhost' }] } },
        ),
        seedService('default', 'hello-kubernetes', '10.104.8.8', 51 * SECOND, { type: 'NodePort', ports: [{ port: 80, nodePort: 31655, protocol: 'TCP' }] }),
        kubeDns(),
      ],
      options: { withNamespace: true },
    },
    {
      desc: '07 spec §2.8: kubectl get endpointslices',
      file: 'spec-get-endpointslices.txt',
      kind: 'EndpointSlice',
      objects: [
        makeSlice('sleep-2-x7k2p', { ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: [{ addresses: ['10.1.0.31'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'docker-desktop' }] }, { creationTimestamp: ago(32 * MINUTE) }),
        makeSlice('numbers-web-abcde', { endpoints: [] }, { creationTimestamp: ago(12 * HOUR) }),
      ],
      options: {},
    },
    {
      desc: '08 spec §2.8: kubectl get pods -o wide',
      file: 'spec-get-pods-o-wide.txt',
      kind: 'Pod',
      objects: [makePod('sleep-2-789c9f5fb8-45gtv', { meta: { creationTimestamp: ago(5 * MINUTE + 1 * SECOND) } })],
      options: { wide: true },
    },
  ] as { desc: string; file: string; kind: ResourceKind; objects: KubeObject[]; options: PrintOptions }[])('$desc', ({ file, kind, objects, options }) => {
    expect(printTable(tableFor(kind, objects, { now: NOW }), options)).toBe(golden(file));
  });

  it('09 the live clock moves AGE and nothing else', () => {
    const later = new Date(NOW.getTime() + 3 * HOUR);
    const text = printTable(tableFor('Service', [kubeDns()], { now: later }));
    expect(text).toBe(golden('seed-get-svc-n-kube-system.txt').replace('2d23h', '3d2h'));
  });
});
