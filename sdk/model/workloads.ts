/**
 * Nodes, Deployments and ReplicaSets: defaults, validation with field paths (after
 * `k8s.io/kubernetes pkg/apis/apps/validation` and `pkg/apis/core/validation`, reduced to the
 * fields svcnet models), and the pod-template hash the Deployment controller names
 * ReplicaSets with.
 */

import { FieldError, fieldErrors as fe } from './errors.js';
import { labelSelectorRequirements, matchesRequirements } from './labels.js';
import { nameIsDNSSubdomain } from './names.js';
import { deepCopy, deepEqual } from './objects.js';
import { NAME_SUFFIX_ALPHABET } from './random.js';
import { LABEL_POD_TEMPLATE_HASH } from './types.js';
import type { Deployment, Node, Pod, PodTemplateSpec, ReplicaSet, WorkloadSelector } from './types.js';
import { cidrErrors, containerErrors, dns1123LabelErrors, labelErrors, objectMetaErrors, objectMetaUpdateErrors } from './validate.js';

const NODE_ADDRESS_TYPES = ['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS'] as const;
const OPERATORS = ['DoesNotExist', 'Exists', 'In', 'NotIn'] as const;

// ---------------------------------------------------------------------------- hash

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`. */
export function fnv32a(text: string, hash = 0x811c9dc5): number {
  const bytes = new TextEncoder().encode(text);
  let h = hash >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * `rand.SafeEncodeString`: each character mapped to the name-suffix alphabet by its code
 * modulo the alphabet's length.
 */
export function safeEncodeString(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += NAME_SUFFIX_ALPHABET[text.charCodeAt(i) % NAME_SUFFIX_ALPHABET.length];
  return out;
}

function canonicalJSON(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * `controller.ComputeHash`: FNV-32a of the pod template (here its canonical JSON, with any
 * `pod-template-hash` label left out, where Kubernetes hashes Go's spew dump), then the
 * collision count, printed in decimal and safe-encoded: up to 10 characters, e.g.
 * `7f69798f94`. Equal templates hash equally; the values differ from a real cluster's.
 */
export function podTemplateHash(template: PodTemplateSpec, collisionCount?: number): string {
  const t = deepCopy(template);
  if (t.metadata?.labels) delete t.metadata.labels[LABEL_POD_TEMPLATE_HASH];
  let h = fnv32a(canonicalJSON(t));
  if (collisionCount !== undefined) h = fnv32a(String(collisionCount >>> 0), h);
  return safeEncodeString(String(h));
}

/** Two templates are the same, ignoring the `pod-template-hash` label (`EqualIgnoreHash`). */
export function equalIgnoreHash(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  const x = deepCopy(a);
  const y = deepCopy(b);
  for (const t of [x, y]) {
    if (t.metadata?.labels) {
      delete t.metadata.labels[LABEL_POD_TEMPLATE_HASH];
      if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
    }
    if (t.metadata && Object.keys(t.metadata).length === 0) delete t.metadata;
  }
  return deepEqual(x, y);
}

/** Whether a workload selector selects `labels`; an empty selector selects nothing. */
export function workloadSelects(selector: WorkloadSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (selector === undefined) return false;
  const reqs = labelSelectorRequirements({ matchLabels: selector.matchLabels ?? {}, matchExpressions: selector.matchExpressions ?? [] });
  return reqs.length > 0 && matchesRequirements(reqs, labels);
}

// ---------------------------------------------------------------------------- defaults

function setTemplateDefaults(template: PodTemplateSpec): void {
  template.spec ??= { containers: [] };
  for (const c of template.spec.containers ?? []) for (const p of c.ports ?? []) p.protocol ??= 'TCP';
}

export function setDeploymentDefaults(d: Deployment): Deployment {
  d.spec ??= {} as Deployment['spec'];
  d.spec.replicas ??= 1;
  d.spec.revisionHistoryLimit ??= 10;
  if (d.spec.template) setTemplateDefaults(d.spec.template);
  return d;
}

export function setReplicaSetDefaults(rs: ReplicaSet): ReplicaSet {
  rs.spec ??= {} as ReplicaSet['spec'];
  rs.spec.replicas ??= 1;
  if (rs.spec.template) setTemplateDefaults(rs.spec.template);
  return rs;
}

/** `spec.podCIDRs` and `spec.podCIDR` kept in step, as the API server does. */
export function setNodeDefaults(node: Node): Node {
  const spec = (node.spec ??= {});
  if (spec.podCIDR && (spec.podCIDRs === undefined || spec.podCIDRs.length === 0)) spec.podCIDRs = [spec.podCIDR];
  if (!spec.podCIDR && spec.podCIDRs && spec.podCIDRs.length > 0) spec.podCIDR = spec.podCIDRs[0];
  return node;
}

// ---------------------------------------------------------------------------- validation

function selectorErrors(selector: WorkloadSelector | undefined, path: string): FieldError[] {
  if (selector === undefined || selector === null) return [fe.required(path)];
  const errs = labelErrors(selector.matchLabels, `${path}.matchLabels`);
  (selector.matchExpressions ?? []).forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    if (!(OPERATORS as readonly string[]).includes(e.operator)) errs.push(fe.notSupported(`${p}.operator`, e.operator, OPERATORS));
    const n = e.values?.length ?? 0;
    if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0) errs.push(fe.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0) errs.push(fe.forbidden(`${p}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
  });
  const empty = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  if (errs.length === 0 && empty) errs.push(fe.invalid(path, selector, 'empty selector is invalid for deployment'));
  return errs;
}

function templateErrors(template: PodTemplateSpec | undefined, selector: WorkloadSelector | undefined, path: string): FieldError[] {
  if (template === undefined || template === null) return [fe.required(path)];
  const errs = labelErrors(template.metadata?.labels, `${path}.metadata.labels`);
  if (selector !== undefined && errs.length === 0 && !workloadSelects(selector, template.metadata?.labels) && selectorErrors(selector, 'x').length === 0) {
    errs.push(fe.invalid(`${path}.metadata.labels`, template.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
  }
  const pod = { spec: template.spec ?? { containers: [] } } as Pod;
  for (const e of containerErrors(pod)) errs.push(new FieldError(e.reason, `${path}.${e.field}`, e.value, e.detail));
  const spec = template.spec;
  if (spec?.hostname) errs.push(...dns1123LabelErrors(spec.hostname, `${path}.spec.hostname`));
  if (spec?.subdomain) errs.push(...dns1123LabelErrors(spec.subdomain, `${path}.spec.subdomain`));
  return errs;
}

function replicasErrors(replicas: unknown, path: string): FieldError[] {
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) return [fe.invalid(path, replicas, 'must be an integer')];
  if (replicas < 0) return [fe.invalid(path, replicas, 'must be greater than or equal to 0')];
  return [];
}

function workloadErrors(obj: Deployment | ReplicaSet): FieldError[] {
  const errs = objectMetaErrors(obj.metadata, true, nameIsDNSSubdomain);
  const spec = obj.spec ?? ({} as Deployment['spec']);
  errs.push(...replicasErrors(spec.replicas, 'spec.replicas'));
  errs.push(...selectorErrors(spec.selector, 'spec.selector'));
  errs.push(...templateErrors(spec.template, spec.selector, 'spec.template'));
  return errs;
}

/** `ValidateDeployment`. */
export function deploymentErrors(d: Deployment): FieldError[] {
  const errs = workloadErrors(d);
  const limit = d.spec?.revisionHistoryLimit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) errs.push(fe.invalid('spec.revisionHistoryLimit', limit, 'must be greater than or equal to 0'));
  return errs;
}

/** `ValidateDeploymentUpdate`: in apps/v1 the selector is immutable. */
export function deploymentUpdateErrors(next: Deployment, prev: Deployment): FieldError[] {
  const errs = objectMetaUpdateErrors(next.metadata, prev.metadata);
  if (!deepEqual(next.spec?.selector, prev.spec?.selector)) errs.push(fe.immutable('spec.selector', next.spec?.selector));
  errs.push(...deploymentErrors(next));
  return errs;
}

/** `ValidateReplicaSet`. */
export function replicaSetErrors(rs: ReplicaSet): FieldError[] {
  return workloadErrors(rs);
}

export function replicaSetUpdateErrors(next: ReplicaSet, prev: ReplicaSet): FieldError[] {
  const errs = objectMetaUpdateErrors(next.metadata, prev.metadata);
  if (!deepEqual(next.spec?.selector, prev.spec?.selector)) errs.push(fe.immutable('spec.selector', next.spec?.selector));
  errs.push(...replicaSetErrors(next));
  return errs;
}

/** `ValidateNode`, reduced: the name, pod CIDRs (at most one per family) and addresses. */
export function nodeErrors(node: Node): FieldError[] {
  const errs = objectMetaErrors(node.metadata, false, nameIsDNSSubdomain);
  const cidrs = node.spec?.podCIDRs ?? [];
  cidrs.forEach((c, i) => errs.push(...cidrErrors(c, `spec.podCIDRs[${i}]`)));
  if (cidrs.length > 2) errs.push(fe.tooMany('spec.podCIDRs', cidrs.length, 2));
  if (node.spec?.podCIDR && cidrs.length > 0 && node.spec.podCIDR !== cidrs[0]) {
    errs.push(fe.invalid('spec.podCIDR', node.spec.podCIDR, 'must equal `spec.podCIDRs[0]`'));
  }
  (node.status?.addresses ?? []).forEach((a, i) => {
    const p = `status.addresses[${i}]`;
    if (!(NODE_ADDRESS_TYPES as readonly string[]).includes(a.type)) errs.push(fe.notSupported(`${p}.type`, a.type, NODE_ADDRESS_TYPES));
    if (!a.address) errs.push(fe.required(`${p}.address`));
  });
  return errs;
}

export function nodeUpdateErrors(next: Node, prev: Node): FieldError[] {
  const errs = objectMetaUpdateErrors(next.metadata, prev.metadata);
  const before = prev.spec?.podCIDRs ?? [];
  if (before.length > 0 && !deepEqual(next.spec?.podCIDRs ?? [], before)) errs.push(fe.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  errs.push(...nodeErrors(next));
  return errs;
}
