/**
 * Request details of the Kubernetes API that are pure text handling: the `Accept` header
 * (Table or plain JSON), field selectors, and the URL path → resource mapping.
 */

import { BadRequestError } from '../model/errors.js';
import type { ApiResource } from './resources.js';
import { findResource } from './resources.js';

/**
 * True when the client asked for a server-side Table: kubectl's human output sends
 * `application/json;as=Table;v=v1;g=meta.k8s.io,…,application/json` (kubectl
 * pkg/cmd/get/get.go transformRequests); the first acceptable type wins.
 */
export function wantsTable(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    if (type !== 'application/json' && type !== '*/*') continue;
    const p = new Map(params.map((kv) => kv.split('=', 2).map((s) => s.trim()) as [string, string]));
    if (p.size === 0) return false;
    if (p.get('as') === 'Table' && p.get('g') === 'meta.k8s.io' && (p.get('v') === 'v1' || p.get('v') === 'v1beta1')) return true;
  }
  return false;
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/**
 * `fieldSelector=metadata.name=sleep-2,status.phase!=Running` (k8s.io/apimachinery
 * pkg/fields/selector.go: `=`, `==`, `!=`; `\` escapes `,` `=` `!` and `\` in values).
 */
export function parseFieldSelector(text: string | null | undefined): FieldRequirement[] {
  if (text === null || text === undefined || text.trim() === '') return [];
  const out: FieldRequirement[] = [];
  for (const term of splitUnescaped(text, ',')) {
    const m = /^([^=!]+)(==|!=|=)(.*)$/s.exec(term);
    if (m === null) throw new BadRequestError(`invalid selector: '${text}'; can't understand '${term}'`);
    out.push({ field: m[1].trim(), op: m[2] === '!=' ? '!=' : '=', value: unescapeSelectorValue(m[3]) });
  }
  return out;
}

function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      parts.push(cur);
      cur = '';
    } else cur += s[i];
  }
  parts.push(cur);
  return parts;
}

const unescapeSelectorValue = (v: string): string => v.replace(/\\(.)/g, '$1');

/** Fields each resource can be selected by (the API server's field label conversions). */
const FIELD_LABELS: Readonly<Record<string, readonly string[]>> = {
  pods: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  services: ['spec.clusterIP', 'spec.type'],
  nodes: ['spec.unschedulable'],
  namespaces: ['status.phase'],
  events: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  replicasets: ['status.replicas'],
};

/** Rejects fields the resource cannot be selected by, as the API server does. */
export function checkFieldSelector(resource: ApiResource, requirements: readonly FieldRequirement[]): void {
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(FIELD_LABELS[resource.plural] ?? [])]);
  for (const r of requirements) {
    if (!allowed.has(r.field)) throw new BadRequestError(`field label not supported: ${r.field}`);
  }
}

/** The value of a dotted field path in an object, as text (`true`/`false` for booleans, '' when absent). */
function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[key];
  }
  if (cur === undefined || cur === null) return path === 'spec.unschedulable' ? 'false' : '';
  return String(cur);
}

export function matchesFields(requirements: readonly FieldRequirement[], obj: unknown): boolean {
  for (const r of requirements) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** A parsed API path. */
export type ApiPath =
  | { kind: 'root'; path: '/api' | '/apis' | '/version' | '/openapi/v3' | '/openapi/v2' | '/healthz' | '/readyz' | '/livez' }
  | { kind: 'groupVersion'; group: string; version: string }
  | { kind: 'openapiGroupVersion'; group: string; version: string }
  | {
      kind: 'resource';
      resource: ApiResource;
      /** Namespace from the path (`/namespaces/<ns>/…`); undefined for cluster-wide or cluster-scoped. */
      namespace?: string;
      name?: string;
      subresource?: string;
    }
  | { kind: 'unknown' };

/**
 * Maps a URL path to what it names: `/api/v1/namespaces/default/services/sleep-2`,
 * `/apis/apps/v1/deployments`, `/api/v1/namespaces/default` (a Namespace object), …
 */
export function parseApiPath(pathname: string): ApiPath {
  const p = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  switch (p) {
    case '/api':
    case '/apis':
    case '/version':
    case '/openapi/v3':
    case '/openapi/v2':
    case '/healthz':
    case '/readyz':
    case '/livez':
      return { kind: 'root', path: p };
  }
  let segs: string[];
  try {
    segs = p.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return { kind: 'unknown' }; // a malformed %-escape names nothing
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'openapi' && segs[1] === 'v3') {
    if (segs[2] === 'api' && segs.length === 4) return { kind: 'openapiGroupVersion', group: '', version: segs[3] };
    if (segs[2] === 'apis' && segs.length === 5) return { kind: 'openapiGroupVersion', group: segs[3], version: segs[4] };
    return { kind: 'unknown' };
  }
  if (segs[0] === 'api' && segs.length >= 2) {
    group = '';
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 3) {
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else return { kind: 'unknown' };
  if (rest.length === 0) return { kind: 'groupVersion', group, version };
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length === 2 && group === '') {
    // /api/v1/namespaces/<name>: the Namespace object itself.
    const ns = findResource('', version, 'namespaces');
    return ns === undefined ? { kind: 'unknown' } : { kind: 'resource', resource: ns, name: rest[1] };
  }
  const resource = findResource(group, version, rest[0]);
  if (resource === undefined || rest.length > 3) return { kind: 'unknown' };
  if (namespace !== undefined && !resource.namespaced) return { kind: 'unknown' };
  return { kind: 'resource', resource, namespace, name: rest[1], subresource: rest[2] };
}
