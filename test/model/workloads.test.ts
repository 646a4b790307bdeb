import { describe, expect, it } from 'vitest';
import {
  deploymentErrors,
  equalIgnoreHash,
  fnv32a,
  nodeErrors,
  nodeUpdateErrors,
  podTemplateHash,
  replicaSetErrors,
  setDeploymentDefaults,
  setNodeDefaults,
  workloadSelects,
} from '../../sdk/model/workloads.js';
import type { Deployment, Node, ReplicaSet } from '../../sdk/model/types.js';

const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
const dep = (spec: Partial<Deployment['spec']> = {}, name = 'x'): Deployment =>
  setDeploymentDefaults({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels: { app: 'x' } }, template, ...spec } });
const node = (n: Partial<Node>): Node => setNodeDefaults({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, ...n });
const fields = (errs: { field: string }[]): string[] => errs.map((e) => e.field);

describe('workload model', () => {
  it.each([
    { desc: '01 empty string', text: '', want: 0x811c9dc5 },
    { desc: '02 "a"', text: 'a', want: 0xe40c292c },
    { desc: '03 "foobar"', text: 'foobar', want: 0xbf9cf968 },
  ])('$desc: FNV-32a test vectors', ({ text, want }) => {
    expect(fnv32a(text)).toBe(want);
  });

  it('04 pod-template-hash: up to 10 safe characters, stable across key order', () => {
    const a = podTemplateHash(template);
    const b = podTemplateHash({ spec: { containers: [{ image: 'i', name: 'c' }] }, metadata: { labels: { app: 'x' } } });
    expect(a).toBe(b);
    expect(a).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(equalIgnoreHash(template, { ...template, metadata: { labels: { app: 'x', 'pod-template-hash': a } } })).toBe(true);
  });

  it.each([
    { desc: '05 defaults are valid', d: dep(), want: [] },
    { desc: '06 replicas default to 1, history to 10', d: dep(), check: (d: Deployment) => [d.spec.replicas, d.spec.revisionHistoryLimit], value: [1, 10] },
    { desc: '07 negative replicas', d: dep({ replicas: -2 }), want: ['spec.replicas'] },
    { desc: '08 missing selector', d: dep({ selector: undefined as unknown as Deployment['spec']['selector'] }), want: ['spec.selector'] },
    { desc: '09 selector not matching', d: dep({ selector: { matchLabels: { app: 'y' } } }), want: ['spec.template.metadata.labels'] },
    { desc: '10 In without values', d: dep({ selector: { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'k', operator: 'In' }] } }), want: ['spec.selector.matchExpressions[0].values'] },
    { desc: '11 bad name', d: dep({}, 'Bad'), want: ['metadata.name'] },
    { desc: '12 bad port name in template', d: dep({ template: { ...template, spec: { containers: [{ name: 'c', ports: [{ name: 'Too_Bad', containerPort: 80, protocol: 'TCP' }] }] } } }), want: ['spec.template.spec.containers[0].ports[0].name'] },
  ])('$desc', ({ d, want, check, value }) => {
    if (want) expect(fields(deploymentErrors(d))).toEqual(want);
    if (check) expect(check(d)).toEqual(value);
  });

  it('13 ReplicaSets validate like Deployments', () => {
    const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'default' }, spec: { replicas: 1, selector: { matchLabels: { app: 'y' } }, template } };
    expect(fields(replicaSetErrors(rs))).toEqual(['spec.template.metadata.labels']);
  });

  it.each([
    { desc: '14 podCIDR fills podCIDRs', n: node({ spec: { podCIDR: '10.1.0.0/16' } }), want: [] },
    { desc: '15 bad podCIDR', n: node({ spec: { podCIDR: '10.1.0.0' } }), want: ['spec.podCIDRs[0]'] },
    { desc: '16 unknown address type', n: node({ status: { addresses: [{ type: 'Nope' as 'Hostname', address: 'x' }] } }), want: ['status.addresses[0].type'] },
    { desc: '17 empty address', n: node({ status: { addresses: [{ type: 'InternalIP', address: '' }] } }), want: ['status.addresses[0].address'] },
  ])('$desc', ({ n, want }) => {
    expect(fields(nodeErrors(n))).toEqual(want);
  });

  it('18 a node pod CIDR cannot change once set', () => {
    expect(fields(nodeUpdateErrors(node({ spec: { podCIDR: '10.2.0.0/16' } }), node({ spec: { podCIDR: '10.1.0.0/16' } })))).toEqual(['spec.podCIDRs']);
    expect(fields(nodeUpdateErrors(node({ spec: { podCIDR: '10.2.0.0/16' } }), node({})))).toEqual([]);
  });

  it.each([
    { desc: '19 matchLabels', sel: { matchLabels: { app: 'x' } }, labels: { app: 'x', b: 'c' } as Record<string, string>, want: true },
    { desc: '20 expressions', sel: { matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['a', 'b'] }] }, labels: { tier: 'b' } as Record<string, string>, want: true },
    { desc: '21 empty selects nothing', sel: {}, labels: { app: 'x' } as Record<string, string>, want: false },
  ])('$desc', ({ sel, labels, want }) => {
    expect(workloadSelects(sel, labels)).toBe(want);
  });
});
