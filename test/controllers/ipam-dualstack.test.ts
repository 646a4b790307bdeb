// Dual-stack service IPAM: the IPv6 allocator (sparse, KEP-3070 bands, /64 cap from
// `ipallocator.go`), and ServiceIPAM creating Services per family with the API server's
// `initIPFamilyFields` defaults and refusals (`pkg/registry/core/service/storage/alloc.go`).
import { describe, expect, it } from 'vitest';
import { AllocationError, IPv6ClusterIPAllocator, ServiceIPAM, bigIntToIPv6, ipv6ToBigInt } from '../../sdk/controllers/ipam.js';
import { defaultService } from '../../sdk/model/defaults.js';
import { InternalError, ValidationError } from '../../sdk/model/errors.js';
import { parseIPv6 } from '../../sdk/model/ip.js';
import { Random } from '../../sdk/model/random.js';
import type { IPFamily, IPFamilyPolicy, Service, ServiceSpec } from '../../sdk/model/types.js';
import { makeService, thrown, validationErrorOf } from '../model/builders.js';

const v6 = (text: string): bigint => ipv6ToBigInt(parseIPv6(text));
const DUAL = ['10.96.0.0/12', 'fd00:10:96::/112'];
const V6_FIRST = ['fd00:10:96::/112', '10.96.0.0/12'];
const V4_ONLY = ['10.96.0.0/12'];

/** A Service as the registry receives it: API defaults, IP families left to the IPAM. */
const raw = (spec: Partial<ServiceSpec> = {}, name = 'svc'): Service => defaultService(makeService(spec, { name }), { skipIPFamilies: true });
const messages = (fn: () => unknown): string[] => validationErrorOf(fn).causes.map((c) => `${c.field}: ${c.message}`);
const familyOf = (ip: string): IPFamily => (ip.includes(':') ? 'IPv6' : 'IPv4');

describe('IPv6ClusterIPAllocator', () => {
  it('01 honours a free address in range and prints it canonically', () => {
    const a = new IPv6ClusterIPAllocator(['fd00:10:96::/112'], new Random(1));
    a.allocateAddress('FD00:10:96:0:0:0:0:a');
    expect(a.allocatedAddresses()).toEqual(['fd00:10:96::a']);
    expect(a.has(v6('fd00:10:96::a'))).toBe(true);
  });

  it.each([
    { desc: '02 rejects an address out of range', ip: 'fd00:10:97::1', reason: 'not-in-range', message: 'the provided IP (fd00:10:97::1) is not in the valid range. The range of valid IPs is fd00:10:96::/112' },
    { desc: '03 rejects the network address', ip: 'fd00:10:96::', reason: 'not-in-range', message: 'the provided IP (fd00:10:96::) is not in the valid range. The range of valid IPs is fd00:10:96::/112' },
    { desc: '04 rejects an IPv4 address', ip: '10.96.0.1', reason: 'not-in-range', message: 'the provided IP (10.96.0.1) is not in the valid range. The range of valid IPs is fd00:10:96::/112' },
    { desc: '05 rejects an allocated address', ip: 'fd00:10:96::1', reason: 'allocated', message: 'provided IP is already allocated' },
  ])('$desc', ({ ip, reason, message }) => {
    const a = new IPv6ClusterIPAllocator(['fd00:10:96::/112'], new Random(1));
    a.allocateAddress('fd00:10:96::1');
    const e = thrown(() => a.allocateAddress(ip)) as AllocationError;
    expect(e).toBeInstanceOf(AllocationError);
    expect([e.reason, e.message]).toEqual([reason, message]);
  });

  it('06 the last address of an IPv6 range is usable (no broadcast; `NewIPAllocator`)', () => {
    const a = new IPv6ClusterIPAllocator(['fd00:10:96::/112'], new Random(1));
    a.allocateAddress('fd00:10:96::ffff');
    expect(a.allocatedAddresses()).toEqual(['fd00:10:96::ffff']);
  });

  it('07 a /120 hands out its 255 addresses (all but the network address), upper band first, then is full', () => {
    const a = new IPv6ClusterIPAllocator(['fd00:10:96::/120'], new Random(3));
    // /120: 256 addresses, lower band min(max(16, 256/16), 256) = 16 (::1-::10), upper ::11-::ff.
    const upper = Array.from({ length: 255 - 16 }, () => a.allocateNext());
    expect(upper.every((ip) => ip >= v6('fd00:10:96::11') && ip <= v6('fd00:10:96::ff'))).toBe(true);
    const lower = Array.from({ length: 16 }, () => a.allocateNext());
    expect(lower.map(bigIntToIPv6).sort()).toEqual(Array.from({ length: 16 }, (_, i) => `fd00:10:96::${(i + 1).toString(16)}`).sort());
    expect(new Set([...upper, ...lower]).size).toBe(255);
    const e = thrown(() => a.allocateNext()) as AllocationError;
    expect([e.reason, e.message]).toEqual(['full', 'range is full']);
    expect(a.release(v6('fd00:10:96::80'))).toBe(true);
    expect(bigIntToIPv6(a.allocateNext())).toBe('fd00:10:96::80');
  });

  it('08 a /64 is sparse: 2000 dynamic addresses, distinct, inside the upper band, the same for a seed', () => {
    const run = (seed: number): bigint[] => {
      const a = new IPv6ClusterIPAllocator(['fd00:1:2:3::/64'], new Random(seed));
      return Array.from({ length: 2000 }, () => a.allocateNext());
    };
    const ips = run(42);
    const first = v6('fd00:1:2:3::');
    expect(new Set(ips).size).toBe(2000);
    // Lower band of a /64: 256 addresses (`calculateRangeOffset` caps at 256).
    expect(ips.every((ip) => ip > first + 256n && ip <= first + 0xffff_ffff_ffff_ffffn)).toBe(true);
    // Spread over the whole range, not packed at its start.
    expect(ips.some((ip) => ip - first > 1n << 62n)).toBe(true);
    expect(run(42)).toEqual(ips);
    expect(run(43)).not.toEqual(ips);
  });

  it('09 CIDRs shorter than /64 and IPv4 CIDRs add no range', () => {
    const a = new IPv6ClusterIPAllocator(['fd00:10:96::/112'], new Random(1));
    a.addOwner('wide', ['fd00:99::/48', '10.200.0.0/24']);
    expect(a.activeCIDRs()).toEqual(['fd00:10:96::/112']);
    a.addOwner('narrow', ['fd00:99::/108']);
    expect(a.activeCIDRs()).toEqual(['fd00:99::/108']);
  });

  it('10 every change goes through the journal: undoing it restores the allocator and the PRNG', () => {
    const undo: (() => void)[] = [];
    const random = new Random(7);
    const a = new IPv6ClusterIPAllocator(['fd00:10:96::/112'], random, (u) => undo.push(u));
    a.allocateAddress('fd00:10:96::5');
    const mark = undo.length;
    const state = random.state;
    a.allocateNext();
    a.addOwner('extra', ['fd00:20::/120']);
    a.allocateNext();
    a.release(v6('fd00:10:96::5'));
    for (let i = undo.length - 1; i >= mark; i--) undo[i]();
    expect(random.state).toBe(state);
    expect(a.allocatedAddresses()).toEqual(['fd00:10:96::5']);
    expect(a.rangeStates()).toEqual([{ cidr: 'fd00:10:96::/112', owners: [], fallback: true, active: true, allocated: 1 }]);
  });
});

describe('ServiceIPAM: families served', () => {
  it.each([
    { desc: '01 default: IPv4 single-stack', cidrs: undefined, want: ['IPv4'] },
    { desc: '02 IPv4 primary, IPv6 secondary', cidrs: DUAL, want: ['IPv4', 'IPv6'] },
    { desc: '03 IPv6 primary, IPv4 secondary', cidrs: V6_FIRST, want: ['IPv6', 'IPv4'] },
    { desc: '04 IPv6 single-stack', cidrs: ['fd00:10:96::/112'], want: ['IPv6'] },
  ])('$desc', ({ cidrs, want }) => {
    expect(new ServiceIPAM(cidrs ? { serviceCIDRs: cidrs } : {}).families()).toEqual(want);
  });

  it('05 a ServiceCIDR of the other family makes the cluster dual-stack; removing it undoes that', () => {
    const ipam = new ServiceIPAM();
    ipam.addServiceCIDR('v6', ['fd00:20::/112']);
    expect(ipam.families()).toEqual(['IPv4', 'IPv6']);
    ipam.removeServiceCIDR('v6');
    expect(ipam.families()).toEqual(['IPv4']);
  });

  it.each([
    { desc: '06 no CIDR', cidrs: [], message: 'svcnet: at least one service CIDR is needed' },
    { desc: '07 an IPv6 CIDR shorter than /64', cidrs: ['10.96.0.0/12', 'fd00::/48'], message: 'svcnet: service CIDR fd00::/48: shortest allowed prefix length for service CIDR is 64, got 48' },
  ])('$desc is refused', ({ cidrs, message }) => {
    expect(() => new ServiceIPAM({ serviceCIDRs: cidrs })).toThrow(message);
  });
});

interface CreateCase {
  desc: string;
  cidrs: string[];
  spec: Partial<ServiceSpec>;
  want?: { policy?: IPFamilyPolicy; families?: IPFamily[]; ips?: string[] | IPFamily[] };
  errors?: string[];
}

describe('ServiceIPAM: creating Services (initIPFamilyFields, allocClusterIPs)', () => {
  const CASES: CreateCase[] = [
    { desc: '01 no policy: SingleStack in the primary family', cidrs: DUAL, spec: {}, want: { policy: 'SingleStack', families: ['IPv4'], ips: ['IPv4'] } },
    { desc: '02 PreferDualStack: both families, primary first', cidrs: DUAL, spec: { ipFamilyPolicy: 'PreferDualStack' }, want: { families: ['IPv4', 'IPv6'], ips: ['IPv4', 'IPv6'] } },
    { desc: '03 RequireDualStack with ipFamilies [IPv6]: IPv6 first, IPv4 added', cidrs: DUAL, spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6'] }, want: { families: ['IPv6', 'IPv4'], ips: ['IPv6', 'IPv4'] } },
    { desc: '04 ipFamilies [IPv6], SingleStack: one IPv6 address', cidrs: DUAL, spec: { ipFamilies: ['IPv6'] }, want: { policy: 'SingleStack', families: ['IPv6'], ips: ['IPv6'] } },
    { desc: '05 two requested addresses, PreferDualStack: both honoured', cidrs: DUAL, spec: { ipFamilyPolicy: 'PreferDualStack', clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50', 'fd00:10:96::50'] }, want: { families: ['IPv4', 'IPv6'], ips: ['10.96.0.50', 'fd00:10:96::50'] } },
    { desc: '06 a requested IPv6 address: the family follows it', cidrs: DUAL, spec: { clusterIP: 'fd00:10:96::60' }, want: { policy: 'SingleStack', families: ['IPv6'], ips: ['fd00:10:96::60'] } },
    { desc: '07 requested primary, RequireDualStack: the secondary is allocated', cidrs: DUAL, spec: { ipFamilyPolicy: 'RequireDualStack', clusterIP: 'fd00:10:96::70' }, want: { families: ['IPv6', 'IPv4'], ips: ['fd00:10:96::70', 'IPv4'] } },
    { desc: '08 PreferDualStack on an IPv4 cluster: IPv4 only', cidrs: V4_ONLY, spec: { ipFamilyPolicy: 'PreferDualStack' }, want: { policy: 'PreferDualStack', families: ['IPv4'], ips: ['IPv4'] } },
    { desc: '09 no policy on an IPv6-primary cluster: IPv6', cidrs: V6_FIRST, spec: {}, want: { families: ['IPv6'], ips: ['IPv6'] } },
    { desc: '10 headless without selector: RequireDualStack, both families, no address', cidrs: DUAL, spec: { clusterIP: 'None', selector: undefined }, want: { policy: 'RequireDualStack', families: ['IPv4', 'IPv6'], ips: ['None'] } },
    { desc: '11 headless without selector on an IPv4 cluster: still both families (upstream)', cidrs: V4_ONLY, spec: { clusterIP: 'None', selector: undefined }, want: { policy: 'RequireDualStack', families: ['IPv4', 'IPv6'], ips: ['None'] } },
    { desc: '12 headless with selector, PreferDualStack: both families, no address', cidrs: DUAL, spec: { clusterIP: 'None', ipFamilyPolicy: 'PreferDualStack' }, want: { families: ['IPv4', 'IPv6'], ips: ['None'] } },
    { desc: '13 headless with selector: SingleStack, the primary family', cidrs: V6_FIRST, spec: { clusterIP: 'None' }, want: { policy: 'SingleStack', families: ['IPv6'], ips: ['None'] } },
    { desc: '14 ExternalName: no policy, no families, no address', cidrs: DUAL, spec: { type: 'ExternalName', externalName: 'example.com', selector: undefined }, want: { policy: undefined, families: undefined, ips: undefined } },
    {
      desc: '15 RequireDualStack on a single-stack cluster',
      cidrs: V4_ONLY,
      spec: { ipFamilyPolicy: 'RequireDualStack' },
      errors: ['spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services'],
    },
    { desc: '16 a requested IPv6 address on an IPv4 cluster', cidrs: V4_ONLY, spec: { clusterIP: 'fd00::10' }, errors: ['spec.clusterIPs[0]: Invalid value: []string{"fd00::10"}: IPv6 is not configured on this cluster'] },
    { desc: '17 ipFamilies [IPv4] on an IPv6 cluster', cidrs: ['fd00:10:96::/112'], spec: { ipFamilies: ['IPv4'] }, errors: ['spec.ipFamilies[0]: Invalid value: "IPv4": not configured on this cluster'] },
    {
      desc: '18 SingleStack with two addresses',
      cidrs: DUAL,
      spec: { ipFamilyPolicy: 'SingleStack', clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50', 'fd00:10:96::50'] },
      errors: ["spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"],
    },
    {
      desc: '19 SingleStack with two families',
      cidrs: DUAL,
      spec: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4', 'IPv6'] },
      errors: ["spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"],
    },
    {
      desc: '20 no policy with two addresses: SingleStack, refused as upstream',
      cidrs: DUAL,
      spec: { clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50', 'fd00:10:96::50'] },
      errors: ["spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"],
    },
    {
      desc: '21 two addresses of one family (ValidateServiceClusterIPsRelatedFields first)',
      cidrs: DUAL,
      spec: { ipFamilyPolicy: 'RequireDualStack', clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50', '10.96.0.51'] },
      errors: ['spec.clusterIPs: Invalid value: []string{"10.96.0.50", "10.96.0.51"}: may specify no more than one IP for each IP family'],
    },
    {
      desc: '22 an address of the wrong family for ipFamilies',
      cidrs: DUAL,
      spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'], clusterIP: 'fd00:10:96::50', clusterIPs: ['fd00:10:96::50'] },
      errors: ['spec.clusterIPs[0]: Invalid value: "fd00:10:96::50": expected an IPv4 value as indicated by `ipFamilies[0]`'],
    },
    {
      desc: '23 a requested IPv6 address outside the IPv6 range: the IPv4 one is not kept',
      cidrs: DUAL,
      spec: { ipFamilyPolicy: 'PreferDualStack', clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00:99::1'] },
      errors: ['spec.clusterIPs: Invalid value: []string{"10.96.0.5", "fd00:99::1"}: failed to allocate IP fd00:99::1: the provided IP (fd00:99::1) is not in the valid range. The range of valid IPs is fd00:10:96::/112'],
    },
  ];

  it.each(CASES)('$desc', ({ cidrs, spec, want, errors }) => {
    const ipam = new ServiceIPAM({ serviceCIDRs: cidrs, seed: 5 });
    const svc = raw(spec);
    const before = ipam.snapshot();
    if (errors !== undefined) {
      expect(messages(() => ipam.allocate(svc))).toEqual(errors);
      expect(ipam.snapshot()).toEqual(before);
      return;
    }
    ipam.allocate(svc);
    const s = svc.spec;
    if (want && 'policy' in want) expect(s.ipFamilyPolicy).toBe(want.policy);
    if (want && 'families' in want) expect(s.ipFamilies).toEqual(want.families);
    if (want?.ips === undefined) {
      expect(s.clusterIPs).toBeUndefined();
    } else {
      expect(s.clusterIPs).toHaveLength(want.ips.length);
      want.ips.forEach((w, i) => {
        const got = s.clusterIPs![i];
        if (w === 'IPv4' || w === 'IPv6') expect(familyOf(got)).toBe(w);
        else expect(got).toBe(w);
      });
      expect(s.clusterIP).toBe(s.clusterIPs![0]);
      // What the IPAM holds is exactly the Service's addresses.
      const held = s.clusterIPs!.filter((ip) => ip !== 'None');
      expect(ipam.snapshot().clusterIPs.sort()).toEqual(held.sort());
      if (held.some((ip) => familyOf(ip) === 'IPv6')) expect(held.find((ip) => familyOf(ip) === 'IPv6')).toMatch(/^fd00:10:96::/);
    }
    // Idempotent: the initialisation run again changes nothing and reports nothing.
    const again = structuredClone(svc);
    expect(ipam.initIPFamilyFields(again)).toEqual([]);
    expect(again).toEqual(svc);
  });

  it('24 a taken primary under RequireDualStack: the error prints the marker of the secondary still to come', () => {
    const ipam = new ServiceIPAM({ serviceCIDRs: DUAL });
    ipam.allocate(raw({ clusterIP: '10.96.0.10' }, 'a'));
    expect(messages(() => ipam.allocate(raw({ ipFamilyPolicy: 'RequireDualStack', clusterIP: '10.96.0.10' }, 'b')))).toEqual([
      'spec.clusterIPs: Invalid value: []string{"10.96.0.10", ""}: failed to allocate IP 10.96.0.10: provided IP is already allocated',
    ]);
  });

  it('25 exhausting a /120 IPv6 range: dual-stack Services fail with an InternalError, leaving nothing behind; IPv4 ones still go', () => {
    const ipam = new ServiceIPAM({ serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/120'], seed: 9 });
    for (let i = 0; i < 255; i++) ipam.allocate(raw({ ipFamilyPolicy: i % 2 === 0 ? 'RequireDualStack' : 'PreferDualStack' }, `s${i}`));
    expect(ipam.snapshot().clusterIPs.filter((ip) => ip.includes(':'))).toHaveLength(255);
    const before = ipam.snapshot();
    for (const policy of ['RequireDualStack', 'PreferDualStack'] as const) {
      const e = thrown(() => ipam.allocate(raw({ ipFamilyPolicy: policy }, 'full')));
      expect(e).toBeInstanceOf(InternalError);
      expect((e as Error).message).toBe('Internal error occurred: failed to allocate a serviceIP: range is full');
      expect(ipam.snapshot()).toEqual(before);
    }
    expect(thrown(() => ipam.allocate(raw({ ipFamilies: ['IPv6'] }, 'v6')))).toBeInstanceOf(InternalError);
    const v4 = raw({}, 'v4');
    ipam.allocate(v4);
    expect(v4.spec.ipFamilies).toEqual(['IPv4']);
  });

  it('26 releasing a dual-stack Service frees both addresses', () => {
    const ipam = new ServiceIPAM({ serviceCIDRs: DUAL });
    const svc = raw({ ipFamilyPolicy: 'RequireDualStack' });
    ipam.allocate(svc);
    expect(ipam.snapshot().clusterIPs).toHaveLength(2);
    ipam.release(svc);
    expect(ipam.snapshot().clusterIPs).toEqual([]);
  });

  it('27 configErrors reports without changing the Service', () => {
    const ipam = new ServiceIPAM();
    const svc = raw({ ipFamilyPolicy: 'RequireDualStack' });
    const before = structuredClone(svc);
    expect(ipam.configErrors(svc).map(String)).toEqual(['spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services']);
    expect(svc).toEqual(before);
    expect(thrown(() => ipam.allocate(svc))).toBeInstanceOf(ValidationError);
  });
});

describe('ServiceIPAM: updates (updateClusterIPs)', () => {
  /** Stores `spec` on a dual-stack IPAM, then applies `change` to a copy and updates. */
  function updated(spec: Partial<ServiceSpec>, change: (s: Service) => void, cidrs = DUAL) {
    const ipam = new ServiceIPAM({ serviceCIDRs: cidrs, seed: 11 });
    const prev = raw(spec);
    ipam.allocate(prev);
    const next = structuredClone(prev);
    change(next);
    return { ipam, prev, next, run: () => ipam.update(prev, next) };
  }

  it('01 SingleStack → PreferDualStack adds the IPv6 address', () => {
    const { ipam, prev, next, run } = updated({}, (s) => (s.spec.ipFamilyPolicy = 'PreferDualStack'));
    run();
    expect(next.spec.ipFamilies).toEqual(['IPv4', 'IPv6']);
    expect(next.spec.clusterIPs![0]).toBe(prev.spec.clusterIP);
    expect(familyOf(next.spec.clusterIPs![1])).toBe('IPv6');
    expect(ipam.snapshot().clusterIPs).toEqual(next.spec.clusterIPs);
  });

  it('02 SingleStack → RequireDualStack with a requested secondary honours it', () => {
    const { next, run } = updated({}, (s) => {
      s.spec.ipFamilyPolicy = 'RequireDualStack';
      s.spec.clusterIPs = [s.spec.clusterIP!, 'fd00:10:96::99'];
    });
    run();
    expect(next.spec.clusterIPs![1]).toBe('fd00:10:96::99');
  });

  it('03 RequireDualStack → SingleStack drops and releases the secondary', () => {
    const { ipam, prev, next, run } = updated({ ipFamilyPolicy: 'RequireDualStack' }, (s) => (s.spec.ipFamilyPolicy = 'SingleStack'));
    run();
    expect(next.spec.clusterIPs).toEqual([prev.spec.clusterIPs![0]]);
    expect(next.spec.ipFamilies).toEqual(['IPv4']);
    expect(ipam.snapshot().clusterIPs).toEqual([prev.spec.clusterIPs![0]]);
  });

  it('04 RequireDualStack with the secondary removed but the policy kept is refused', () => {
    const { ipam, run } = updated({ ipFamilyPolicy: 'RequireDualStack' }, (s) => {
      s.spec.clusterIPs = s.spec.clusterIPs!.slice(0, 1);
      s.spec.ipFamilies = ['IPv4'];
    });
    const before = ipam.snapshot();
    expect(messages(run)).toEqual([
      "spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": must be 'SingleStack' to release the secondary cluster IP",
      "spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": must be 'SingleStack' to release the secondary IP family",
    ]);
    expect(ipam.snapshot()).toEqual(before);
  });

  it('05 a PreferDualStack Service sent back unchanged is not upgraded when the cluster became dual-stack', () => {
    const ipam = new ServiceIPAM({ seed: 1 });
    const prev = raw({ ipFamilyPolicy: 'PreferDualStack' });
    ipam.allocate(prev);
    ipam.addServiceCIDR('v6', ['fd00:20::/112']);
    const next = structuredClone(prev);
    ipam.update(prev, next);
    expect(next.spec.ipFamilies).toEqual(['IPv4']);
    expect(next.spec.clusterIPs).toHaveLength(1);
    // Asking for dual-stack explicitly upgrades it.
    const required = structuredClone(prev);
    required.spec.ipFamilyPolicy = 'RequireDualStack';
    ipam.update(prev, required);
    expect(required.spec.clusterIPs![1]).toMatch(/^fd00:20::/);
  });

  it('06 ExternalName → ClusterIP PreferDualStack allocates both; back to ExternalName releases both', () => {
    const ipam = new ServiceIPAM({ serviceCIDRs: DUAL });
    const ext = raw({ type: 'ExternalName', externalName: 'example.com', selector: undefined });
    ipam.allocate(ext);
    const cip = raw({ ipFamilyPolicy: 'PreferDualStack' });
    ipam.update(ext, cip);
    expect(cip.spec.clusterIPs!.map(familyOf)).toEqual(['IPv4', 'IPv6']);
    ipam.update(cip, ext);
    expect(ipam.snapshot().clusterIPs).toEqual([]);
  });

  it('07 an upgrade whose secondary range is full fails and keeps the stored addresses', () => {
    const ipam = new ServiceIPAM({ serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/126'] });
    for (let i = 0; i < 3; i++) ipam.allocate(raw({ ipFamilies: ['IPv6'] }, `v6-${i}`));
    const prev = raw({}, 'web');
    ipam.allocate(prev);
    const before = ipam.snapshot();
    const next = structuredClone(prev);
    next.spec.ipFamilyPolicy = 'PreferDualStack';
    expect(() => ipam.update(prev, next)).toThrow('Internal error occurred: failed to allocate a serviceIP: range is full');
    expect(ipam.snapshot()).toEqual(before);
  });
});
