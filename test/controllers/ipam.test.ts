import { describe, expect, it } from 'vitest';
import { AllocationError, ClusterIPAllocator, PortAllocator, ServiceIPAM } from '../../sdk/controllers/ipam.js';
import { defaultService } from '../../sdk/model/defaults.js';
import { InternalError, ValidationError } from '../../sdk/model/errors.js';
import { formatIPv4, parseIPv4 } from '../../sdk/model/ip.js';
import { Random } from '../../sdk/model/random.js';
import type { Service, ServiceSpec } from '../../sdk/model/types.js';
import { makeService, thrown, validationErrorOf } from '../model/builders.js';

const svc = (spec: Partial<ServiceSpec> = {}, name = 'svc'): Service => defaultService(makeService(spec, { name }));

describe('ClusterIPAllocator', () => {
  it('01 honours a free address in range', () => {
    const a = new ClusterIPAllocator(['10.96.0.0/12'], new Random(1));
    a.allocate(parseIPv4('10.96.0.10'));
    expect(a.has(parseIPv4('10.96.0.10'))).toBe(true);
  });

  it.each([
    { desc: '02 rejects an address out of range', ip: '10.0.0.1', reason: 'not-in-range', message: 'the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12' },
    { desc: '03 rejects the network address', ip: '10.96.0.0', reason: 'not-in-range', message: 'the provided IP (10.96.0.0) is not in the valid range. The range of valid IPs is 10.96.0.0/12' },
    { desc: '04 rejects the broadcast address', ip: '10.111.255.255', reason: 'not-in-range', message: 'the provided IP (10.111.255.255) is not in the valid range. The range of valid IPs is 10.96.0.0/12' },
    { desc: '05 rejects an allocated address', ip: '10.96.0.1', reason: 'allocated', message: 'provided IP is already allocated' },
  ])('$desc', ({ ip, reason, message }) => {
    const a = new ClusterIPAllocator(['10.96.0.0/12'], new Random(1));
    a.allocate(parseIPv4('10.96.0.1'));
    const e = thrown(() => a.allocate(parseIPv4(ip))) as AllocationError;
    expect(e).toBeInstanceOf(AllocationError);
    expect(e.reason).toBe(reason);
    expect(e.message).toBe(message);
  });

  it('06 a /29 hands out its six host addresses, never network or broadcast, then is full', () => {
    const a = new ClusterIPAllocator(['192.168.10.8/29'], new Random(7));
    const got = Array.from({ length: 6 }, () => formatIPv4(a.allocateNext())).sort();
    expect(got).toEqual(['192.168.10.10', '192.168.10.11', '192.168.10.12', '192.168.10.13', '192.168.10.14', '192.168.10.9']);
    const e = thrown(() => a.allocateNext()) as AllocationError;
    expect(e.reason).toBe('full');
    expect(e.message).toBe('range is full');
  });

  it('07 dynamic allocation prefers the upper band (KEP-3070)', () => {
    const a = new ClusterIPAllocator(['10.0.0.0/24'], new Random(9));
    // /24: 256 addresses, lower band min(max(16, 256/16), 256) = 16, i.e. 10.0.0.1-10.0.0.16.
    const ips = Array.from({ length: 254 - 16 }, () => a.allocateNext());
    expect(Math.min(...ips)).toBe(parseIPv4('10.0.0.17'));
    expect(formatIPv4(a.allocateNext())).toMatch(/^10\.0\.0\.([1-9]|1[0-6])$/);
  });

  it('08 is deterministic for a seed', () => {
    const seq = (seed: number): number[] => {
      const a = new ClusterIPAllocator(['10.96.0.0/12'], new Random(seed));
      return Array.from({ length: 20 }, () => a.allocateNext());
    };
    expect(seq(42)).toEqual(seq(42));
    expect(seq(42)).not.toEqual(seq(43));
  });

  it('09 a released address can be requested again', () => {
    const a = new ClusterIPAllocator(['10.96.0.0/12'], new Random(1));
    const ip = a.allocateNext();
    expect(a.release(ip)).toBe(true);
    expect(a.release(ip)).toBe(false);
    a.allocate(ip);
    expect(a.has(ip)).toBe(true);
  });

  it('10 owned ranges replace the fallback; an unowned range keeps its addresses until released', () => {
    const a = new ClusterIPAllocator(['10.96.0.0/12'], new Random(1));
    a.allocate(parseIPv4('10.96.0.20'));
    a.addOwner('extra', ['10.200.0.0/24', 'fd00::/64']);
    expect(a.activeCIDRs()).toEqual(['10.200.0.0/24']);
    expect((thrown(() => a.allocate(parseIPv4('10.96.0.21'))) as Error).message).toBe(
      'the provided IP (10.96.0.21) is not in the valid range. The range of valid IPs is 10.200.0.0/24',
    );
    a.allocate(parseIPv4('10.200.0.5'));
    a.removeOwner('extra');
    expect(a.activeCIDRs()).toEqual(['10.96.0.0/12']);
    expect(a.orphanedIn(['10.200.0.0/24'])).toBe(1);
    a.release(parseIPv4('10.200.0.5'));
    expect(a.orphanedIn(['10.200.0.0/24'])).toBe(0);
    expect(a.rangeStates().map((r) => r.cidr)).toEqual(['10.96.0.0/12']);
  });
});

describe('PortAllocator', () => {
  it.each([
    { desc: '01 below the range', port: 80, message: 'provided port is not in the valid range. The range of valid ports is 30000-32767' },
    { desc: '02 above the range', port: 32768, message: 'provided port is not in the valid range. The range of valid ports is 30000-32767' },
    { desc: '03 taken', port: 30080, message: 'provided port is already allocated' },
  ])('rejects a port $desc', ({ port, message }) => {
    const p = new PortAllocator('30000-32767', new Random(1));
    p.allocate(30080);
    expect(() => p.allocate(port)).toThrow(message);
  });

  it('04 dynamic ports come from the upper band (30086-32767) first', () => {
    const p = new PortAllocator('30000-32767', new Random(5));
    const ports = Array.from({ length: 500 }, () => p.allocateNext());
    expect(Math.min(...ports)).toBeGreaterThanOrEqual(30086);
    expect(Math.max(...ports)).toBeLessThanOrEqual(32767);
    expect(new Set(ports).size).toBe(500);
  });
});

describe('ServiceIPAM', () => {
  it('01 honours a requested ClusterIP', () => {
    const ipam = new ServiceIPAM();
    const s = svc({ clusterIP: '10.96.5.5' });
    ipam.allocate(s);
    expect(s.spec.clusterIP).toBe('10.96.5.5');
    expect(ipam.snapshot().clusterIPs).toEqual(['10.96.5.5']);
  });

  it('02 a taken ClusterIP is a ValidationError on spec.clusterIPs', () => {
    const ipam = new ServiceIPAM();
    ipam.allocate(svc({ clusterIP: '10.96.0.10' }, 'a'));
    const e = validationErrorOf(() => ipam.allocate(svc({ clusterIP: '10.96.0.10' }, 'b')));
    expect(e.message).toBe('Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated');
  });

  it('03 an out-of-range ClusterIP names the valid range', () => {
    const e = validationErrorOf(() => new ServiceIPAM().allocate(svc({ clusterIP: '1.1.1.1' })));
    expect(e.causes).toEqual([
      {
        field: 'spec.clusterIPs',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: []string{"1.1.1.1"}: failed to allocate IP 1.1.1.1: the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
      },
    ]);
  });

  it('04 exhausting a /29 is an InternalError, and leaves nothing half-allocated', () => {
    const ipam = new ServiceIPAM({ serviceCIDRs: ['10.0.0.0/29'] });
    for (let i = 0; i < 6; i++) ipam.allocate(svc({ type: 'NodePort' }, `s${i}`));
    const before = ipam.snapshot();
    const e = thrown(() => ipam.allocate(svc({ type: 'NodePort' }, 's6')));
    expect(e).toBeInstanceOf(InternalError);
    expect((e as Error).message).toBe('Internal error occurred: failed to allocate a serviceIP: range is full');
    expect(ipam.snapshot()).toEqual(before);
  });

  it('05 a failed node port request undoes the ClusterIP taken before it', () => {
    const ipam = new ServiceIPAM();
    ipam.allocate(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, 'a'));
    const before = ipam.snapshot();
    const e = validationErrorOf(() => ipam.allocate(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, 'b')));
    expect(e.causes[0]).toEqual({ field: 'spec.ports[0].nodePort', reason: 'FieldValueInvalid', message: 'Invalid value: 30080: provided port is already allocated' });
    expect(ipam.snapshot()).toEqual(before);
  });

  it('06 ports with the same number share a node port', () => {
    const s = svc({ type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] });
    const ipam = new ServiceIPAM();
    ipam.allocate(s);
    expect(s.spec.ports![0].nodePort).toBe(s.spec.ports![1].nodePort);
    expect(ipam.snapshot().nodePorts).toHaveLength(1);
  });

  it('07 LoadBalancers get node ports unless allocateLoadBalancerNodePorts is false', () => {
    const ipam = new ServiceIPAM();
    const lb = svc({ type: 'LoadBalancer' }, 'lb');
    const bare = svc({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false }, 'bare');
    ipam.allocate(lb);
    ipam.allocate(bare);
    expect(lb.spec.ports![0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(bare.spec.ports![0].nodePort).toBeUndefined();
  });

  it('08 a Local LoadBalancer gets a health check node port', () => {
    const s = svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    const ipam = new ServiceIPAM();
    ipam.allocate(s);
    expect(s.spec.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect(ipam.snapshot().nodePorts).toHaveLength(2);
    ipam.release(s);
    expect(ipam.snapshot().nodePorts).toEqual([]);
    expect(ipam.snapshot().clusterIPs).toEqual([]);
  });

  it('09 IPv6 and dual-stack are refused on this IPv4 cluster', () => {
    const ipam = new ServiceIPAM();
    expect(validationErrorOf(() => ipam.allocate(svc({ clusterIP: 'fd00::10' }))).causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster',
    ]);
    expect(validationErrorOf(() => ipam.allocate(svc({ ipFamilyPolicy: 'RequireDualStack' }))).causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    ]);
  });

  it('10 node port exhaustion is an InternalError', () => {
    const ipam = new ServiceIPAM({ nodePortRange: '30000-30001' });
    ipam.allocate(svc({ type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] }, 'a'));
    expect(() => ipam.allocate(svc({ type: 'NodePort' }, 'b'))).toThrow('Internal error occurred: failed to allocate a nodePort: range is full');
  });

  it('11 update: NodePort to ClusterIP frees the node ports; new ports get new ones', () => {
    const ipam = new ServiceIPAM();
    const prev = svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    ipam.allocate(prev);
    const next = structuredClone(prev);
    next.spec.type = 'ClusterIP';
    delete next.spec.ports![0].nodePort;
    delete next.spec.externalTrafficPolicy;
    ipam.update(prev, next);
    expect(ipam.snapshot().nodePorts).toEqual([]);
    const again = structuredClone(next);
    again.spec.type = 'NodePort';
    again.spec.externalTrafficPolicy = 'Cluster';
    ipam.update(next, again);
    expect(again.spec.ports![0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(again.spec.clusterIP).toBe(prev.spec.clusterIP);
  });

  it('12 ValidationErrors are typed', () => {
    const e = thrown(() => new ServiceIPAM().allocate(svc({ clusterIP: '10.0.0.1' })));
    expect(e).toBeInstanceOf(ValidationError);
  });
});
