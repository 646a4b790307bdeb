/**
 * The API resources svcnet serves, as API discovery describes them (`APIResourceList`,
 * k8s.io/apimachinery pkg/apis/meta/v1 types.go) — one table that routing, discovery,
 * the OpenAPI document and kubectl's short names all read.
 *
 * Short names and categories are the real API server's (`kubectl api-resources` on v1.32):
 * `categories: ["all"]` on pods, services, deployments and replicasets is what makes
 * `kubectl get all` list exactly those.
 */

import type { ResourceKind } from '../model/types.js';

export interface ApiResource {
  /** svcnet's kind, or `Event` (served read-only and always empty). */
  kind: ResourceKind | 'Event';
  /** API group; '' is the core group (`/api/v1`). */
  group: string;
  version: string;
  /** The URL segment: `services`. */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  verbs: readonly string[];
}

const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const READ_WRITE_NO_COLLECTION = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] as const;
const READ_ONLY = ['get', 'list', 'watch'] as const;

export const API_RESOURCES: readonly ApiResource[] = [
  { kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'], categories: [], verbs: READ_WRITE_NO_COLLECTION },
  { kind: 'Service', group: '', version: 'v1', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'], categories: ['all'], verbs: READ_WRITE },
  { kind: 'Endpoints', group: '', version: 'v1', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'], categories: [], verbs: READ_WRITE },
  { kind: 'Pod', group: '', version: 'v1', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'], verbs: READ_WRITE },
  { kind: 'Node', group: '', version: 'v1', plural: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'], categories: [], verbs: READ_WRITE },
  { kind: 'Event', group: '', version: 'v1', plural: 'events', singular: 'event', namespaced: true, shortNames: ['ev'], categories: [], verbs: READ_ONLY },
  { kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], verbs: READ_WRITE },
  { kind: 'ReplicaSet', group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', namespaced: true, shortNames: ['rs'], categories: ['all'], verbs: READ_WRITE },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', singular: 'endpointslice', namespaced: true, shortNames: [], categories: [], verbs: READ_WRITE },
  { kind: 'ServiceCIDR', group: 'networking.k8s.io', version: 'v1', plural: 'servicecidrs', singular: 'servicecidr', namespaced: false, shortNames: [], categories: [], verbs: READ_WRITE },
];

/** `group/version`, or `v1` for the core group. */
export const groupVersionOf = (r: Pick<ApiResource, 'group' | 'version'>): string => (r.group === '' ? r.version : `${r.group}/${r.version}`);

/** The API groups other than core, in discovery order, with their one version. */
export const API_GROUPS: readonly { name: string; version: string }[] = [...new Set(API_RESOURCES.filter((r) => r.group !== '').map((r) => `${r.group}\n${r.version}`))].map((s) => {
  const [name, version] = s.split('\n');
  return { name, version };
});

/** The resource served at `group/version` + plural, if any. */
export function findResource(group: string, version: string, plural: string): ApiResource | undefined {
  return API_RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The resource of a svcnet kind. */
export function resourceOfKind(kind: ResourceKind | 'Event'): ApiResource {
  const r = API_RESOURCES.find((x) => x.kind === kind);
  if (r === undefined) throw new Error(`svcnet: no API resource for kind ${kind}`);
  return r;
}
