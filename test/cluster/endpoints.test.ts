// Writable v1 Endpoints in the Cluster store: validation with the API server's messages
// (core validation `ValidateEndpoints`), CRUD with events and resourceVersions, and the
// 1.32 API server's repacking of subsets.
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import type { ChangeEvent } from '../../sdk/cluster/cluster.js';
import { AlreadyExistsError, ConflictError, NotFoundError, ValidationError } from '../../sdk/model/errors.js';
import type { EndpointsInput, EndpointSubset } from '../../sdk/model/types.js';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN, QUALIFIED } from '../model/messages.js';

const NOW = new Date('2024-05-01T12:00:00Z');

function setup(controllers = false) {
  const cluster = new Cluster({ now: () => NOW, controllers });
  const events: string[] = [];
  cluster.on('Endpoints', (e: ChangeEvent) => events.push(`${e.type} ${e.object.metadata.name} ${e.resourceVersion}`));
  return { cluster, events };
}

const endpoints = (name: string, subsets: EndpointSubset[], extra: Partial<EndpointsInput['metadata']> = {}): EndpointsInput => ({
  metadata: { name, namespace: 'default', ...extra },
  subsets,
});

const one = (ip: string, port = 80): EndpointSubset[] => [{ addresses: [{ ip }], ports: [{ port }] }];

function invalid(input: EndpointsInput): string {
  const { cluster } = setup();
  const rv = cluster.resourceVersion;
  try {
    cluster.createEndpoints(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect(cluster.resourceVersion).toBe(rv);
    return (error as ValidationError).message;
  }
  throw new Error('created, expected a ValidationError');
}

const IP_EXAMPLE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

describe('Endpoints validation (ValidateEndpoints)', () => {
  it.each([
    {
      no: '01',
      desc: 'an address that is not an IP reports IsValidIP and ValidateNonSpecialIP',
      input: endpoints('e', one('not-an-ip')),
      message: `Endpoints "e" is invalid: [subsets[0].addresses[0].ip: Invalid value: "not-an-ip": ${IP_EXAMPLE}, subsets[0].addresses[0].ip: Invalid value: "not-an-ip": must be a valid IP address]`,
    },
    {
      no: '02',
      desc: 'loopback',
      input: endpoints('e', one('127.0.0.1')),
      message: 'Endpoints "e" is invalid: subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    },
    {
      no: '03',
      desc: 'IPv6 loopback',
      input: endpoints('e', one('::1')),
      message: 'Endpoints "e" is invalid: subsets[0].addresses[0].ip: Invalid value: "::1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    },
    {
      no: '04',
      desc: 'link-local',
      input: endpoints('e', one('169.254.169.254')),
      message: 'Endpoints "e" is invalid: subsets[0].addresses[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    },
    {
      no: '05',
      desc: 'link-local multicast, in notReadyAddresses',
      input: endpoints('e', [{ addresses: [{ ip: '10.0.0.1' }], notReadyAddresses: [{ ip: '224.0.0.5' }], ports: [{ port: 80 }] }]),
      message: 'Endpoints "e" is invalid: subsets[0].notReadyAddresses[0].ip: Invalid value: "224.0.0.5": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
    },
    {
      no: '06',
      desc: 'unspecified',
      input: endpoints('e', one('0.0.0.0')),
      message: 'Endpoints "e" is invalid: subsets[0].addresses[0].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
    },
    {
      no: '07',
      desc: 'port 0',
      input: endpoints('e', one('10.0.0.1', 0)),
      message: 'Endpoints "e" is invalid: subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    },
    {
      no: '08',
      desc: 'port 65536',
      input: endpoints('e', one('10.0.0.1', 65536)),
      message: 'Endpoints "e" is invalid: subsets[0].ports[0].port: Invalid value: 65536: must be between 1 and 65535, inclusive',
    },
    {
      no: '09',
      desc: 'several ports need names',
      input: endpoints('e', [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'http', port: 80 }, { port: 81 }] }]),
      message: 'Endpoints "e" is invalid: subsets[0].ports[1].name: Required value',
    },
    {
      no: '10',
      desc: 'a port name must be a DNS-1123 label',
      input: endpoints('e', [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'Http', port: 80 }] }]),
      message: `Endpoints "e" is invalid: subsets[0].ports[0].name: Invalid value: "Http": ${DNS1123_LABEL}`,
    },
    {
      no: '11',
      desc: 'port names are unique in a subset',
      input: endpoints('e', [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }]),
      message: 'Endpoints "e" is invalid: subsets[0].ports[1].name: Duplicate value: "http"',
    },
    {
      no: '12',
      desc: 'protocol TCP, UDP or SCTP',
      input: endpoints('e', [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80, protocol: 'HTTP' as 'TCP' }] }]),
      message: 'Endpoints "e" is invalid: subsets[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    },
    {
      no: '13',
      desc: 'a subset needs an address',
      input: endpoints('e', [{ ports: [{ port: 80 }] }]),
      message: 'Endpoints "e" is invalid: subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`',
    },
    {
      no: '14',
      desc: 'hostname is a DNS-1123 label, nodeName a DNS subdomain',
      input: endpoints('e', [{ addresses: [{ ip: '10.0.0.1', hostname: 'Web_0', nodeName: 'Node_1' }], ports: [{ port: 80 }] }]),
      message: `Endpoints "e" is invalid: [subsets[0].addresses[0].hostname: Invalid value: "Web_0": ${DNS1123_LABEL}, subsets[0].addresses[0].nodeName: Invalid value: "Node_1": ${DNS1123_SUBDOMAIN}]`,
    },
    {
      no: '15',
      desc: 'the name is a DNS subdomain',
      input: endpoints('Bad_Name', one('10.0.0.1')),
      message: `Endpoints "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${DNS1123_SUBDOMAIN}`,
    },
    {
      no: '16',
      desc: 'appProtocol is a qualified name',
      input: endpoints('e', [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80, appProtocol: '-h2c' }] }]),
      message: `Endpoints "e" is invalid: subsets[0].ports[0].appProtocol: Invalid value: "-h2c": ${QUALIFIED}`,
    },
  ])('$no $desc', ({ input, message }) => {
    expect(invalid(input)).toBe(message);
  });

  it('17 valid: no ports, IPv6, a not-ready address, an unnamed single port', () => {
    const { cluster } = setup();
    const got = cluster.createEndpoints(endpoints('e', [{ addresses: [{ ip: 'fd00::1' }] }, { notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ port: 8080 }] }]));
    expect(got.subsets).toEqual([{ addresses: [{ ip: 'fd00::1' }] }, { notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });
});

describe('Endpoints CRUD', () => {
  it('18 create, update, no-op update, apply and delete: events and resourceVersions', () => {
    const { cluster, events } = setup();
    const created = cluster.createEndpoints(endpoints('ext', one('192.168.123.234')));
    expect(created).toMatchObject({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: 'default', resourceVersion: cluster.resourceVersion } });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toBe('2024-05-01T12:00:00Z');
    expect(created.subsets).toEqual([{ addresses: [{ ip: '192.168.123.234' }], ports: [{ port: 80, protocol: 'TCP' }] }]);

    const updated = cluster.updateEndpoints({ ...created, subsets: one('192.168.123.235') });
    expect(Number(updated.metadata.resourceVersion)).toBe(Number(created.metadata.resourceVersion) + 1);
    expect(updated.metadata.uid).toBe(created.metadata.uid);
    const rv = cluster.resourceVersion;
    cluster.updateEndpoints(updated);
    cluster.applyEndpoints(endpoints('ext', one('192.168.123.235')));
    expect(cluster.resourceVersion).toBe(rv);
    cluster.apply({ apiVersion: 'v1', kind: 'Endpoints', ...endpoints('ext', one('192.168.123.236')) });
    expect(cluster.getEndpoints('default', 'ext')!.subsets[0].addresses).toEqual([{ ip: '192.168.123.236' }]);
    const deleted = cluster.deleteEndpoints('default', 'ext');
    expect(deleted.metadata.name).toBe('ext');
    expect(cluster.getEndpoints('default', 'ext')).toBeUndefined();
    expect(events.map((e) => e.split(' ').slice(0, 2).join(' '))).toEqual(['ADDED ext', 'MODIFIED ext', 'MODIFIED ext', 'DELETED ext']);
    expect(cluster.listEndpoints('default').map((e) => e.metadata.name)).toEqual([]);
  });

  it.each([
    { no: '19a', desc: 'create twice', act: (c: Cluster) => c.createEndpoints(endpoints('ext', one('10.0.0.1'))), error: AlreadyExistsError, message: 'endpoints "ext" already exists' },
    { no: '19b', desc: 'update a missing one', act: (c: Cluster) => c.updateEndpoints(endpoints('nope', one('10.0.0.1'))), error: NotFoundError, message: 'endpoints "nope" not found' },
    { no: '19c', desc: 'delete a missing one', act: (c: Cluster) => c.deleteEndpoints('default', 'nope'), error: NotFoundError, message: 'endpoints "nope" not found' },
    { no: '19d', desc: 'in a missing namespace', act: (c: Cluster) => c.createEndpoints({ ...endpoints('x', one('10.0.0.1')), metadata: { name: 'x', namespace: 'nowhere' } }), error: NotFoundError, message: 'namespaces "nowhere" not found' },
    {
      no: '19e',
      desc: 'a stale resourceVersion',
      act: (c: Cluster) => c.updateEndpoints({ ...endpoints('ext', one('10.0.0.2')), metadata: { name: 'ext', namespace: 'default', resourceVersion: '1' } }),
      error: ConflictError,
      message: 'Operation cannot be fulfilled on endpoints "ext": the object has been modified; please apply your changes to the latest version and try again',
    },
  ])('$no $desc is rejected and changes nothing', ({ act, error, message }) => {
    const { cluster, events } = setup();
    cluster.createEndpoints(endpoints('ext', one('10.0.0.1')));
    events.length = 0;
    const rv = cluster.resourceVersion;
    expect(() => act(cluster)).toThrow(error);
    expect(() => act(cluster)).toThrow(message);
    expect([cluster.resourceVersion, events]).toEqual([rv, []]);
  });

  it.each([
    {
      no: '20a',
      desc: 'subsets with the same ports merge; addresses sorted by IP',
      subsets: [
        { addresses: [{ ip: '10.0.0.9' }], ports: [{ port: 80 }] },
        { addresses: [{ ip: '10.0.0.10' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }] },
      ],
      want: [{ addresses: [{ ip: '10.0.0.10' }, { ip: '10.0.0.2' }, { ip: '10.0.0.9' }], ports: [{ port: 80, protocol: 'TCP' }] }],
    },
    {
      no: '20b',
      desc: 'not ready trumps ready; duplicates go',
      subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.1' }], notReadyAddresses: [{ ip: '10.0.0.2' }], ports: [{ port: 80 }] }],
      want: [{ addresses: [{ ip: '10.0.0.1' }], notReadyAddresses: [{ ip: '10.0.0.2' }], ports: [{ port: 80, protocol: 'TCP' }] }],
    },
    {
      no: '20c',
      desc: 'ports regroup by the addresses that serve them',
      subsets: [
        { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] },
        { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'c', port: 82 }] },
      ],
      want: [
        { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'a', port: 80, protocol: 'TCP' }, { name: 'b', port: 81, protocol: 'TCP' }] },
        { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'c', port: 82, protocol: 'TCP' }] },
      ],
    },
    {
      no: '20d',
      desc: 'the same IP with two targetRef uids is two addresses',
      subsets: [{ addresses: [{ ip: '10.0.0.1', targetRef: { kind: 'Pod', name: 'b', uid: 'u2' } }, { ip: '10.0.0.1', targetRef: { kind: 'Pod', name: 'a', uid: 'u1' } }], ports: [{ port: 80 }] }],
      want: [{ addresses: [{ ip: '10.0.0.1', targetRef: { kind: 'Pod', name: 'a', uid: 'u1' } }, { ip: '10.0.0.1', targetRef: { kind: 'Pod', name: 'b', uid: 'u2' } }], ports: [{ port: 80, protocol: 'TCP' }] }],
    },
  ])('$no repacking (RepackSubsets): $desc', ({ subsets, want }) => {
    const { cluster } = setup();
    expect(cluster.createEndpoints(endpoints('e', subsets as EndpointSubset[])).subsets).toEqual(want);
    // A repacked object sent back is no change.
    const rv = cluster.resourceVersion;
    cluster.applyEndpoints(endpoints('e', subsets as EndpointSubset[]));
    expect(cluster.resourceVersion).toBe(rv);
  });

  it('21 a rejected Endpoints inside a batch rolls the whole batch back', () => {
    const { cluster, events } = setup(true);
    const rv = cluster.resourceVersion;
    expect(() =>
      cluster.batch(() => {
        cluster.createService({ metadata: { name: 'ext', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
        cluster.createEndpoints(endpoints('ext', one('127.0.0.1')));
      }),
    ).toThrow(ValidationError);
    expect([cluster.resourceVersion, events, cluster.getService('default', 'ext'), cluster.listEndpointSlices('default', { serviceName: 'ext' })]).toEqual([rv, [], undefined, []]);
  });

  it('22 namespace deletion takes hand-written Endpoints; runsControllers reports the mode', () => {
    const { cluster } = setup();
    expect(cluster.runsControllers).toBe(false);
    expect(setup(true).cluster.runsControllers).toBe(true);
    cluster.createNamespace({ metadata: { name: 'team' } });
    cluster.createEndpoints({ ...endpoints('x', one('10.0.0.1')), metadata: { name: 'x', namespace: 'team' } });
    cluster.deleteNamespace('team');
    expect(cluster.listEndpoints('team')).toEqual([]);
  });
});
