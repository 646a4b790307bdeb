// The Pod kind: defaults, validation (messages as the API server words them), status
// helpers, and label selectors.
import { describe, expect, it } from 'vitest';
import { defaultPod } from '../../sdk/model/defaults.js';
import { podErrors, podUpdateErrors, validatePod } from '../../sdk/model/validate.js';
import { isPodReady, isPodTerminating, podIPsOf } from '../../sdk/model/pod.js';
import { labelSelectorRequirements, matchesLabelSelector, parseLabelSelector } from '../../sdk/model/labels.js';
import { BadRequestError } from '../../sdk/model/errors.js';
import type { Pod } from '../../sdk/model/types.js';
import { causesOf, makePod, validationErrorOf } from './builders.js';

const messages = (pod: Pod): string[] => podErrors(defaultPod(pod)).map(String);

describe('defaultPod', () => {
  it.each([
    { desc: '01 container ports default to TCP', pod: makePod('a', '10.1.0.5', {}, { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] }), want: (p: Pod) => p.spec.containers[0].ports![0].protocol, value: 'TCP' },
    { desc: '02 phase defaults to Pending', pod: { ...makePod('a', null), status: undefined }, want: (p: Pod) => p.status?.phase, value: 'Pending' },
    { desc: '03 a lone podIP becomes podIPs', pod: makePod('a', null, {}, {}, { podIP: '10.1.0.9' }), want: (p: Pod) => p.status?.podIPs, value: [{ ip: '10.1.0.9' }] },
    { desc: '04 podIPs fills podIP', pod: makePod('a', null, {}, {}, { podIPs: [{ ip: 'fd00::9' }, { ip: '10.1.0.9' }] }), want: (p: Pod) => p.status?.podIP, value: 'fd00::9' },
    {
      desc: '05 a podIP that differs from podIPs[0] wins (Convert_v1_PodStatus_To_core_PodStatus)',
      pod: makePod('a', null, {}, {}, { podIP: '10.1.0.7', podIPs: [{ ip: '10.1.0.9' }] }),
      want: (p: Pod) => p.status?.podIPs,
      value: [{ ip: '10.1.0.7' }],
    },
  ])('$desc', ({ pod, want, value }) => {
    expect(want(defaultPod(pod))).toEqual(value);
  });
});

describe('validatePod', () => {
  it('01 the seed-style pod is valid', () => {
    expect(messages(makePod('sleep-1-6c9b5f7d58-jw4xz', '10.1.0.42'))).toEqual([]);
  });

  it.each([
    { desc: '02 name is a DNS-1123 subdomain', pod: makePod('Bad_Name'), want: /^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/ },
    { desc: '03 dotted names are fine', pod: makePod('a.b'), want: null },
    { desc: '04 containers are required', pod: makePod('a', '10.1.0.5', {}, { containers: [] }), want: /^spec\.containers: Required value$/ },
    { desc: '05 container names are labels', pod: makePod('a', '10.1.0.5', {}, { containers: [{ name: 'A' }] }), want: /^spec\.containers\[0\]\.name: Invalid value: "A"/ },
    { desc: '06 container names are unique', pod: makePod('a', '10.1.0.5', {}, { containers: [{ name: 'c' }, { name: 'c' }] }), want: /^spec\.containers\[1\]\.name: Duplicate value: "c"$/ },
    {
      desc: '07 containerPort is 1–65535',
      pod: makePod('a', '10.1.0.5', {}, { containers: [{ name: 'c', ports: [{ containerPort: 70000 }] }] }),
      want: /^spec\.containers\[0\]\.ports\[0\]\.containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive$/,
    },
    {
      desc: '08 port names are IANA_SVC_NAMEs',
      pod: makePod('a', '10.1.0.5', {}, { containers: [{ name: 'c', ports: [{ name: 'way-too-long-name', containerPort: 80 }] }] }),
      want: /^spec\.containers\[0\]\.ports\[0\]\.name: Invalid value: "way-too-long-name": must be no more than 15 characters$/,
    },
    {
      desc: '09 port names are unique in a container',
      pod: makePod('a', '10.1.0.5', {}, { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81 }] }] }),
      want: /^spec\.containers\[0\]\.ports\[1\]\.name: Duplicate value: "http"$/,
    },
    { desc: '10 hostname is a label', pod: makePod('a', '10.1.0.5', {}, { hostname: 'a.b' }), want: /^spec\.hostname: Invalid value: "a\.b": must not contain dots$/ },
    { desc: '11 subdomain is a label', pod: makePod('a', '10.1.0.5', {}, { subdomain: 'Sub' }), want: /^spec\.subdomain: Invalid value: "Sub"/ },
    { desc: '12 nodeName is a subdomain', pod: makePod('a', '10.1.0.5', {}, { nodeName: 'Node_1' }), want: /^spec\.nodeName: Invalid value: "Node_1"/ },
    { desc: '13 pod IPs are IPs', pod: makePod('a', '10.1.0.300'), want: /^status\.podIPs\[0\]: Invalid value: "10\.1\.0\.300": must be a valid IP address/ },
    {
      desc: '14 at most one pod IP per family',
      pod: makePod('a', null, {}, {}, { podIPs: [{ ip: '10.1.0.5' }, { ip: '10.1.0.6' }] }),
      want: /^status\.podIPs: Invalid value: .*: may specify no more than one IP for each IP family$/,
    },
    { desc: '15 phase is known', pod: makePod('a', '10.1.0.5', {}, {}, { phase: 'Sleeping' as never }), want: /^status\.phase: Unsupported value: "Sleeping": supported values: "Failed", "Pending", "Running", "Succeeded", "Unknown"$/ },
    {
      desc: '16 condition status is True, False or Unknown',
      pod: makePod('a', '10.1.0.5', {}, {}, { conditions: [{ type: 'Ready', status: 'yes' as never }] }),
      want: /^status\.conditions\[0\]\.status: Unsupported value: "yes"/,
    },
    { desc: '17 namespace is required', pod: makePod('a', '10.1.0.5', { namespace: '' }), want: /^metadata\.namespace: Required value$/ },
  ])('$desc', ({ pod, want }) => {
    const got = messages(pod);
    if (want === null) expect(got).toEqual([]);
    else expect(got.some((m) => want.test(m)), got.join('\n')).toBe(true);
  });

  it('18 validatePod throws one ValidationError with the API server message', () => {
    const e = validationErrorOf(() => validatePod(makePod('a', '10.1.0.5', {}, { containers: [] })));
    expect(e.message).toBe('Pod "a" is invalid: spec.containers: Required value');
    expect(causesOf(() => validatePod(makePod('a', '10.1.0.5', {}, { containers: [] })))).toEqual([{ field: 'spec.containers', reason: 'FieldValueRequired', message: 'Required value' }]);
  });
});

describe('podUpdateErrors', () => {
  const prev = defaultPod(makePod('a', '10.1.0.5', {}, { nodeName: undefined }));
  it.each([
    { desc: '01 status, labels and images may change', next: (p: Pod) => ({ ...p, metadata: { ...p.metadata, labels: { x: 'y' } }, spec: { ...p.spec, containers: [{ ...p.spec.containers[0], image: 'example/app:v2' }] }, status: { phase: 'Failed' as const } }), ok: true },
    { desc: '02 an unscheduled pod may be bound', next: (p: Pod) => ({ ...p, spec: { ...p.spec, nodeName: 'node-b' } }), ok: true },
    { desc: '03 other spec fields are fixed', next: (p: Pod) => ({ ...p, spec: { ...p.spec, hostname: 'h' } }), ok: false },
    { desc: '04 containers cannot be added', next: (p: Pod) => ({ ...p, spec: { ...p.spec, containers: [...p.spec.containers, { name: 'b' }] } }), ok: false },
  ])('$desc', ({ next, ok }) => {
    const errs = podUpdateErrors(defaultPod(next(prev)), prev).map(String);
    if (ok) expect(errs).toEqual([]);
    else expect(errs).toEqual([expect.stringMatching(/^spec: Forbidden: pod updates may not change fields other than/)]);
  });

  it('05 a bound pod cannot move', () => {
    const bound = defaultPod(makePod('a', '10.1.0.5', {}, { nodeName: 'node-a' }));
    expect(podUpdateErrors(defaultPod({ ...bound, spec: { ...bound.spec, nodeName: 'node-b' } }), bound).map(String)).toHaveLength(1);
  });
});

describe('pod helpers', () => {
  it.each([
    { desc: '01 podIPs first', pod: makePod('a', null, {}, {}, { podIPs: [{ ip: 'fd00::1' }, { ip: '10.1.0.1' }] }), ips: ['fd00::1', '10.1.0.1'] },
    { desc: '02 else podIP', pod: makePod('a', null, {}, {}, { podIP: '10.1.0.2' }), ips: ['10.1.0.2'] },
    { desc: '03 none yet', pod: makePod('a', null, {}, {}, { phase: 'Pending' }), ips: [] },
  ])('$desc', ({ pod, ips }) => {
    expect(podIPsOf(pod)).toEqual(ips);
  });

  it('04 Ready is the Ready condition being True', () => {
    expect(isPodReady(makePod('a'))).toBe(true);
    expect(isPodReady(makePod('a', '10.1.0.5', {}, {}, { conditions: [{ type: 'Ready', status: 'False' }] }))).toBe(false);
    expect(isPodReady(makePod('a', '10.1.0.5', {}, {}, { conditions: [] }))).toBe(false);
  });

  it('05 terminating is a deletionTimestamp', () => {
    expect(isPodTerminating(makePod('a'))).toBe(false);
    expect(isPodTerminating(makePod('a', '10.1.0.5', { deletionTimestamp: '2024-05-01T12:00:00Z' }))).toBe(true);
  });
});

describe('label selectors', () => {
  const labels = { app: 'sleep-2', tier: 'web', 'pod-template-hash': '7f69798f94', n: '5' };
  it.each([
    { desc: '01 empty selects all', selector: '', match: true },
    { desc: '02 equality', selector: 'app=sleep-2', match: true },
    { desc: '03 double equals', selector: 'app==sleep-1', match: false },
    { desc: '04 inequality matches a missing key', selector: 'missing!=x', match: true },
    { desc: '05 inequality', selector: 'tier!=web', match: false },
    { desc: '06 set in', selector: 'tier in (db, web)', match: true },
    { desc: '07 set notin', selector: 'tier notin (web)', match: false },
    { desc: '08 exists', selector: 'pod-template-hash', match: true },
    { desc: '09 does not exist', selector: '!pod-template-hash', match: false },
    { desc: '10 all must hold', selector: 'app=sleep-2,tier=db', match: false },
    { desc: '11 integer comparison', selector: 'n>4,n<6', match: true },
    { desc: '12 an equality map', selector: { app: 'sleep-2' }, match: true },
    { desc: '13 a LabelSelector', selector: { matchLabels: { app: 'sleep-2' }, matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['web'] }] }, match: false },
  ])('$desc', ({ selector, match }) => {
    expect(matchesLabelSelector(selector, labels)).toBe(match);
  });

  it.each([
    { desc: '14 a dangling comma', selector: 'app=a,' },
    { desc: '15 an empty set', selector: 'app in ()' },
    { desc: '16 a bad key', selector: 'a b=c' },
    { desc: '17 a bad value', selector: 'app=-x' },
    { desc: '18 a non-integer bound', selector: 'n>x' },
  ])('$desc is a BadRequest', ({ selector }) => {
    expect(() => parseLabelSelector(selector)).toThrow(BadRequestError);
    expect(() => parseLabelSelector(selector)).toThrow(/^unable to parse requirement: /);
  });

  it('19 requirements of each form', () => {
    expect(labelSelectorRequirements('app=a,!b')).toEqual([
      { key: 'app', operator: 'In', values: ['a'] },
      { key: 'b', operator: 'DoesNotExist', values: [] },
    ]);
    expect(labelSelectorRequirements({ b: '2', a: '1' }).map((r) => r.key)).toEqual(['a', 'b']);
    expect(labelSelectorRequirements(undefined)).toEqual([]);
  });
});
