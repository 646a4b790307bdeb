// IP family fields of Services: `initIPFamilyFields` (pkg/registry/core/service/storage/alloc.go)
// without a cluster to ask (defaultService) and against a given one, and the dual-stack rules
// of ValidateServiceUpdate (`validateUpgradeDowngradeClusterIPs`, `...IPFamilies`).
import { describe, expect, it } from 'vitest';
import { defaultService, initIPFamilyFields, prepareServiceUpdate } from '../../sdk/model/defaults.js';
import { serviceClusterIPsErrors, serviceUpdateErrors } from '../../sdk/model/validate.js';
import type { IPFamily, Service, ServiceSpec } from '../../sdk/model/types.js';
import { makeService } from './builders.js';

const raw = (spec: Partial<ServiceSpec>): Service => defaultService(makeService(spec), { skipIPFamilies: true });

describe('initIPFamilyFields', () => {
  it.each<{ desc: string; spec: Partial<ServiceSpec>; cluster: IPFamily[]; strict: boolean; want: Partial<ServiceSpec>; errors?: string[] }>([
    { desc: '01 no cluster to ask: a requested IPv6 address sets the family', spec: { clusterIP: 'fd00::10' }, cluster: ['IPv4'], strict: false, want: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'] } },
    { desc: '02 the API server: the same request is refused', spec: { clusterIP: 'fd00::10' }, cluster: ['IPv4'], strict: true, want: { ipFamilies: undefined }, errors: ['spec.clusterIPs[0]: Invalid value: []string{"fd00::10"}: IPv6 is not configured on this cluster'] },
    { desc: '03 PreferDualStack on a dual-stack cluster gets both families', spec: { ipFamilyPolicy: 'PreferDualStack' }, cluster: ['IPv6', 'IPv4'], strict: true, want: { ipFamilies: ['IPv6', 'IPv4'] } },
    { desc: '04 the family of a requested address comes first', spec: { ipFamilyPolicy: 'PreferDualStack', clusterIP: '10.96.0.9' }, cluster: ['IPv6', 'IPv4'], strict: true, want: { ipFamilies: ['IPv4', 'IPv6'] } },
    { desc: '05 two requested addresses set both families in their order', spec: { ipFamilyPolicy: 'RequireDualStack', clusterIP: 'fd00::9', clusterIPs: ['fd00::9', '10.96.0.9'] }, cluster: ['IPv4', 'IPv6'], strict: true, want: { ipFamilies: ['IPv6', 'IPv4'] } },
    { desc: '06 RequireDualStack without a cluster is kept, single family', spec: { ipFamilyPolicy: 'RequireDualStack' }, cluster: ['IPv4'], strict: false, want: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4'] } },
    { desc: '07 headless IPv6 without selector adds IPv4', spec: { clusterIP: 'None', selector: undefined, ipFamilies: ['IPv6'] }, cluster: ['IPv4'], strict: true, want: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] } },
    { desc: '08 headless without selector, SingleStack: one family', spec: { clusterIP: 'None', selector: undefined, ipFamilyPolicy: 'SingleStack' }, cluster: ['IPv4', 'IPv6'], strict: true, want: { ipFamilies: ['IPv4'] } },
    { desc: '09 ExternalName: untouched', spec: { type: 'ExternalName', externalName: 'a.example', selector: undefined }, cluster: ['IPv4', 'IPv6'], strict: true, want: { ipFamilyPolicy: undefined, ipFamilies: undefined } },
  ])('$desc', ({ spec, cluster, strict, want, errors }) => {
    const svc = raw(spec);
    const errs = initIPFamilyFields(svc, undefined, { clusterFamilies: cluster, strict, prevalidate: serviceClusterIPsErrors });
    expect(errs.map(String)).toEqual(errors ?? []);
    for (const [k, v] of Object.entries(want)) expect(svc.spec[k as keyof ServiceSpec]).toEqual(v);
  });

  it('10 prevalidation errors stop the initialisation after the policy default', () => {
    const svc = raw({ clusterIP: 'None', clusterIPs: ['None', '10.96.0.1'] });
    const errs = initIPFamilyFields(svc, undefined, { clusterFamilies: ['IPv4', 'IPv6'], prevalidate: serviceClusterIPsErrors });
    expect(errs.map(String)).toEqual([`spec.clusterIPs: Invalid value: []string{"None", "10.96.0.1"}: 'None' must be the first and only value`]);
    expect(svc.spec.ipFamilies).toBeUndefined();
  });

  it('11 an update adopts the stored policy when the client sends none', () => {
    const prev = defaultService(makeService({ ipFamilyPolicy: 'PreferDualStack', clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9', 'fd00::9'] }), { ipFamilies: ['IPv4', 'IPv6'] });
    const next = raw({ clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9', 'fd00::9'] });
    expect(initIPFamilyFields(next, prev, { clusterFamilies: ['IPv4', 'IPv6'] })).toEqual([]);
    expect([next.spec.ipFamilyPolicy, next.spec.ipFamilies]).toEqual(['PreferDualStack', ['IPv4', 'IPv6']]);
  });

  it('12 prepareServiceUpdate (re-sent manifest) keeps families; with SingleStack it downgrades', () => {
    const prev = defaultService(makeService({ ipFamilyPolicy: 'RequireDualStack', clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9', 'fd00::9'] }), { ipFamilies: ['IPv4', 'IPv6'] });
    const resent = prepareServiceUpdate(makeService(), prev, { ipFamilies: ['IPv4', 'IPv6'] });
    expect([resent.spec.ipFamilyPolicy, resent.spec.clusterIPs, resent.spec.ipFamilies]).toEqual(['RequireDualStack', ['10.96.0.9', 'fd00::9'], ['IPv4', 'IPv6']]);
    const single = prepareServiceUpdate(makeService({ ipFamilyPolicy: 'SingleStack' }), prev, { ipFamilies: ['IPv4', 'IPv6'] });
    expect([single.spec.clusterIPs, single.spec.ipFamilies]).toEqual([['10.96.0.9'], ['IPv4']]);
  });
});

describe('serviceUpdateErrors: upgrades and downgrades', () => {
  const dual = (): Service =>
    defaultService(makeService({ ipFamilyPolicy: 'RequireDualStack', clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9', 'fd00::9'] }), { ipFamilies: ['IPv4', 'IPv6'] });
  const single = (): Service => defaultService(makeService({ clusterIP: '10.96.0.9' }), { ipFamilies: ['IPv4', 'IPv6'] });

  it.each<{ desc: string; prev: () => Service; change: (s: Service) => void; want: string[] }>([
    {
      desc: '01 releasing the secondary cluster IP needs SingleStack',
      prev: dual,
      change: (s) => (s.spec.clusterIPs = ['10.96.0.9']),
      want: ["spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": must be set to 'SingleStack' when releasing the secondary clusterIP"],
    },
    {
      desc: '02 releasing the secondary family needs SingleStack',
      prev: dual,
      change: (s) => (s.spec.ipFamilies = ['IPv4']),
      want: ["spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": must be set to 'SingleStack' when releasing the secondary ipFamily"],
    },
    {
      desc: '03 a downgrade with SingleStack is accepted',
      prev: dual,
      change: (s) => {
        s.spec.ipFamilyPolicy = 'SingleStack';
        s.spec.clusterIPs = ['10.96.0.9'];
        s.spec.ipFamilies = ['IPv4'];
      },
      want: [],
    },
    {
      desc: '04 the secondary cluster IP may not change',
      prev: dual,
      change: (s) => (s.spec.clusterIPs = ['10.96.0.9', 'fd00::10']),
      want: ['spec.clusterIPs[1]: Invalid value: []string{"10.96.0.9", "fd00::10"}: may not change once set'],
    },
    {
      desc: '05 families may not be swapped (reported at ipFamilies[0] for each, as upstream)',
      prev: dual,
      change: (s) => (s.spec.ipFamilies = ['IPv6', 'IPv4']),
      want: [
        'spec.ipFamilies[0]: Invalid value: []core.IPFamily{"IPv6", "IPv4"}: may not change once set',
        'spec.ipFamilies[0]: Invalid value: []core.IPFamily{"IPv6", "IPv4"}: may not change once set',
      ],
    },
    { desc: '06 an upgrade adding a secondary is accepted', prev: single, change: (s) => {
      s.spec.ipFamilyPolicy = 'PreferDualStack';
      s.spec.clusterIPs = ['10.96.0.9', 'fd00::9'];
      s.spec.ipFamilies = ['IPv4', 'IPv6'];
    }, want: [] },
    {
      desc: '07 an upgrade may not change the primary family (the value printed is clusterIPs, as upstream)',
      prev: single,
      change: (s) => {
        s.spec.ipFamilyPolicy = 'PreferDualStack';
        s.spec.ipFamilies = ['IPv6', 'IPv4'];
      },
      want: ['spec.ipFamilies[0]: Invalid value: []string{"10.96.0.9"}: may not change once set'],
    },
    {
      desc: '08 headless Services may change families',
      prev: () => defaultService(makeService({ clusterIP: 'None' }), { ipFamilies: ['IPv4', 'IPv6'] }),
      change: (s) => {
        s.spec.ipFamilyPolicy = 'PreferDualStack';
        s.spec.ipFamilies = ['IPv6', 'IPv4'];
      },
      want: [],
    },
  ])('$desc', ({ prev, change, want }) => {
    const old = prev();
    const next = structuredClone(old);
    change(next);
    const got = serviceUpdateErrors(next, old).map(String);
    expect(got.filter((e) => !e.includes('expected an IPv'))).toEqual(want);
  });
});
