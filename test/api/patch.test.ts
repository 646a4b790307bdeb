import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GENERIC_INVALID_MESSAGE,
  MAX_JSON_PATCH_OPERATIONS,
  PatchError,
  applyJsonPatch,
  applyMergePatch,
  applyPatch,
  applyStrategicMergePatch,
  patchTypeOf,
} from '../../sdk/api/patch.js';
import type { PatchErrorStatus, PatchType } from '../../sdk/api/patch.js';
import { SvcnetError } from '../../sdk/model/errors.js';
import { RFC6902_APPENDIX_A } from './patch-fixtures/rfc6902.js';
import { RFC7386_APPENDIX_A } from './patch-fixtures/rfc7386.js';

type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------- helpers

/** Freezes every object inside `value`: a patch function that writes to its inputs throws (ESM is strict). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) deepFreeze((value as Obj)[key]);
    Object.freeze(value);
  }
  return value;
}

/** No object inside `value` is frozen: a result built from frozen inputs shares none of their objects. */
function sharesNoFrozenObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Object.isFrozen(value)) return false;
  return Object.keys(value).every((key) => sharesNoFrozenObject((value as Obj)[key]));
}

/** Runs `fn` on frozen copies of `inputs` (a write to them throws) and checks the result is built from fresh objects. */
function onFrozen<R>(inputs: unknown[], fn: (...frozen: unknown[]) => R): R {
  const frozen = inputs.map((input) => deepFreeze(structuredClone(input)));
  const result = fn(...frozen);
  expect(sharesNoFrozenObject(result)).toBe(true);
  return result;
}

function thrown(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PatchError);
    return error as PatchError;
  }
  throw new Error('expected a PatchError, nothing was thrown');
}

function service(spec: Obj, metadata: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', ...metadata }, spec };
}

function deployment(podSpec: Obj, spec: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec }, ...spec },
  };
}

/** A strategic merge patch of a Deployment's pod template spec. */
function templatePatch(podSpec: Obj): Obj {
  return { spec: { template: { spec: podSpec } } };
}

function pod(spec: Obj, status: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default' }, spec, status };
}

function withMeta(object: Obj, metadata: Obj): Obj {
  return { ...object, metadata: { ...(object.metadata as Obj), ...metadata } };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const web = (image = 'nginx:1.25', extra: Obj = {}): Obj => ({ name: 'web', image, ...extra });
const sidecar: Obj = { name: 'sidecar', image: 'busybox' };

// ---------------------------------------------------------------------------- content types

describe('patchTypeOf', () => {
  it.each<{ desc: string; contentType: string | undefined; want: PatchType | undefined }>([
    { desc: '01 strategic merge patch', contentType: 'application/strategic-merge-patch+json', want: 'strategic' },
    { desc: '02 JSON merge patch', contentType: 'application/merge-patch+json', want: 'merge' },
    { desc: '03 JSON patch', contentType: 'application/json-patch+json', want: 'json' },
    { desc: '04 parameters and case are ignored', contentType: 'Application/Merge-Patch+JSON; charset=utf-8', want: 'merge' },
    { desc: '05 plain JSON is not a patch type', contentType: 'application/json', want: undefined },
    { desc: '06 server-side apply is not supported', contentType: 'application/apply-patch+yaml', want: undefined },
    { desc: '07 no Content-Type', contentType: undefined, want: undefined },
  ])('$desc', ({ contentType, want }) => {
    expect(patchTypeOf(contentType)).toBe(want);
  });
});

// ---------------------------------------------------------------------------- strategic merge patch

interface StrategicCase {
  desc: string;
  kind: string;
  original: Obj;
  patch: unknown;
  want: Obj;
}

const KUBECTL_REAPPLY_BODY =
  '{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"new\\":true}"}},' +
  '"spec":{"$setElementOrder/ports":[{"port":80}],"ports":[{"port":80},{"$patch":"delete","port":8080}]}}';

describe('applyStrategicMergePatch', () => {
  it.each<StrategicCase>([
    {
      desc: '01 kubectl apply re-apply body (spec §3.1): port 8080 becomes 80, the rest is merged',
      kind: 'Service',
      original: service(
        { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 80, protocol: 'TCP' }] },
        { resourceVersion: '12', annotations: { [LAST_APPLIED]: '{"old":true}', team: 'blue' } },
      ),
      patch: JSON.parse(KUBECTL_REAPPLY_BODY),
      want: service(
        { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { app: 'web' }, ports: [{ port: 80 }] },
        { resourceVersion: '12', annotations: { [LAST_APPLIED]: '{"new":true}', team: 'blue' } },
      ),
    },
    {
      desc: '02 labels: null removes one, a new one is added',
      kind: 'Service',
      original: service({}, { labels: { app: 'web', tier: 'old' } }),
      patch: { metadata: { labels: { tier: null, team: 'blue' } } },
      want: service({}, { labels: { app: 'web', team: 'blue' } }),
    },
    {
      desc: '03 a container image changes by name; the other container and the order stay',
      kind: 'Deployment',
      original: deployment({ containers: [sidecar, web('nginx:1.25', { ports: [{ containerPort: 80 }] })] }),
      patch: templatePatch({ containers: [{ name: 'web', image: 'nginx:1.27' }] }),
      want: deployment({ containers: [sidecar, web('nginx:1.27', { ports: [{ containerPort: 80 }] })] }),
    },
    {
      desc: '04 env merges by name: B changes, C is added, A stays',
      kind: 'Deployment',
      original: deployment({ containers: [web('x', { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] })] }),
      patch: templatePatch({ containers: [{ name: 'web', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] }),
      want: deployment({ containers: [web('x', { env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }] })] }),
    },
    {
      desc: '05 container ports merge by containerPort',
      kind: 'Deployment',
      original: deployment({ containers: [web('x', { ports: [{ containerPort: 80, name: 'http' }] })] }),
      patch: templatePatch({ containers: [{ name: 'web', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, name: 'https' }] }] }),
      want: deployment({ containers: [web('x', { ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 443, name: 'https' }] })] }),
    },
    {
      desc: '06 finalizers are a union: patch items in patch order, then the server-only ones',
      kind: 'Service',
      original: service({}, { finalizers: ['a', 'c'] }),
      patch: { metadata: { finalizers: ['b', 'a'] } },
      want: service({}, { finalizers: ['b', 'a', 'c'] }),
    },
    {
      desc: '07 $deleteFromPrimitiveList removes scalars (a missing one is ignored)',
      kind: 'Pod',
      original: withMeta(pod({ containers: [web()] }), { finalizers: ['a', 'b', 'c'] }),
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'z'] } },
      want: withMeta(pod({ containers: [web()] }), { finalizers: ['a', 'c'] }),
    },
    {
      desc: '08 $patch: replace on a map replaces it',
      kind: 'Service',
      original: service({ selector: { app: 'web', tier: 'front' } }),
      patch: { spec: { selector: { $patch: 'replace', app: 'api' } } },
      want: service({ selector: { app: 'api' } }),
    },
    {
      desc: '09 $patch: replace in a list makes the rest of the patch list the list',
      kind: 'Service',
      original: service({ ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] }),
      patch: { spec: { ports: [{ $patch: 'replace' }, { port: 8080, targetPort: 80 }] } },
      want: service({ ports: [{ port: 8080, targetPort: 80 }] }),
    },
    {
      desc: '10 $patch: delete on a map empties it',
      kind: 'Service',
      original: service({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } }),
      patch: { spec: { sessionAffinityConfig: { $patch: 'delete' } } },
      want: service({ sessionAffinity: 'ClientIP', sessionAffinityConfig: {} }),
    },
    {
      desc: '11 $patch: delete in a list removes the element with that merge key',
      kind: 'Deployment',
      original: deployment({ containers: [sidecar, web()] }),
      patch: templatePatch({ containers: [{ $patch: 'delete', name: 'sidecar' }] }),
      want: deployment({ containers: [web()] }),
    },
    {
      desc: '12 $retainKeys clears the keys it does not list',
      kind: 'Deployment',
      original: deployment({ containers: [web()] }, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } }),
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
      want: deployment({ containers: [web()] }, { strategy: { type: 'Recreate' } }),
    },
    {
      desc: '13 $setElementOrder orders the merged list',
      kind: 'Deployment',
      original: deployment({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }),
      patch: templatePatch({ '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }], containers: [{ name: 'a', image: 'a:2' }] }),
      want: deployment({ containers: [{ name: 'c' }, { name: 'a', image: 'a:2' }, { name: 'b' }] }),
    },
    {
      desc: '14 $setElementOrder orders a list of scalars',
      kind: 'Service',
      original: service({}, { finalizers: ['a', 'c'] }),
      patch: { metadata: { '$setElementOrder/finalizers': ['c', 'b', 'a'], finalizers: ['b'] } },
      want: service({}, { finalizers: ['c', 'b', 'a'] }),
    },
    {
      desc: '15 kubectl-style nested order: env of one container, in a merged containers list',
      kind: 'Deployment',
      original: deployment({ containers: [sidecar, web('x', { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] })] }),
      patch: templatePatch({
        '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }],
        containers: [{ name: 'web', '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }], env: [{ name: 'B', value: '3' }] }],
      }),
      want: deployment({ containers: [sidecar, web('x', { env: [{ name: 'B', value: '3' }, { name: 'A', value: '1' }] })] }),
    },
    {
      desc: '16 without $setElementOrder a new element comes before the server-only ones',
      kind: 'Service',
      original: service({ ports: [{ port: 80 }] }),
      patch: { spec: { ports: [{ port: 443 }] } },
      want: service({ ports: [{ port: 443 }, { port: 80 }] }),
    },
    {
      desc: '17 Service ports merge on port alone: 53/UDP takes the patch, 53/TCP is untouched',
      kind: 'Service',
      original: service({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
      patch: { spec: { ports: [{ port: 53, targetPort: 5353 }] } },
      want: service({ ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
    },
    {
      desc: '18 atomic: Service externalIPs are replaced',
      kind: 'Service',
      original: service({ externalIPs: ['192.0.2.1', '192.0.2.2'] }),
      patch: { spec: { externalIPs: ['192.0.2.3'] } },
      want: service({ externalIPs: ['192.0.2.3'] }),
    },
    {
      desc: '19 atomic: EndpointSlice endpoints are replaced',
      kind: 'EndpointSlice',
      original: { kind: 'EndpointSlice', metadata: { name: 'web-abcde' }, endpoints: [{ addresses: ['10.1.0.5'] }, { addresses: ['10.1.0.6'] }] },
      patch: { endpoints: [{ addresses: ['10.1.0.7'], conditions: { ready: true } }] },
      want: { kind: 'EndpointSlice', metadata: { name: 'web-abcde' }, endpoints: [{ addresses: ['10.1.0.7'], conditions: { ready: true } }] },
    },
    {
      desc: '20 atomic: Endpoints subsets are replaced',
      kind: 'Endpoints',
      original: { kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '10.1.0.5' }], ports: [{ port: 80 }] }] },
      patch: { subsets: [{ addresses: [{ ip: '10.1.0.9' }], ports: [{ port: 80 }] }] },
      want: { kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '10.1.0.9' }], ports: [{ port: 80 }] }] },
    },
    {
      desc: '21 atomic: Pod tolerations and container args are replaced',
      kind: 'Pod',
      original: pod({ tolerations: [{ key: 'a', operator: 'Exists' }], containers: [web('x', { args: ['-v', '-x'] })] }),
      patch: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }], containers: [{ name: 'web', args: ['-q'] }] } },
      want: pod({ tolerations: [{ key: 'b', operator: 'Exists' }], containers: [web('x', { args: ['-q'] })] }),
    },
    {
      desc: '22 Node: podCIDRs merge as a set, addresses by type, taints are atomic',
      kind: 'Node',
      original: {
        kind: 'Node',
        metadata: { name: 'docker-desktop' },
        spec: { podCIDRs: ['10.1.0.0/16'], taints: [{ key: 'a', effect: 'NoSchedule' }] },
        status: { addresses: [{ type: 'InternalIP', address: '192.168.65.3' }, { type: 'Hostname', address: 'docker-desktop' }] },
      },
      patch: {
        spec: { podCIDRs: ['fd00::/64'], taints: [{ key: 'b', effect: 'NoExecute' }] },
        status: { addresses: [{ type: 'InternalIP', address: '192.168.65.4' }] },
      },
      want: {
        kind: 'Node',
        metadata: { name: 'docker-desktop' },
        spec: { podCIDRs: ['fd00::/64', '10.1.0.0/16'], taints: [{ key: 'b', effect: 'NoExecute' }] },
        status: { addresses: [{ type: 'InternalIP', address: '192.168.65.4' }, { type: 'Hostname', address: 'docker-desktop' }] },
      },
    },
    {
      desc: '23 Pod status conditions merge by type',
      kind: 'Pod',
      original: pod({ containers: [web()] }, { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] }),
      patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      want: pod({ containers: [web()] }, { conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] }),
    },
    {
      desc: '24 ownerReferences merge by uid',
      kind: 'Pod',
      original: withMeta(pod({ containers: [web()] }), { ownerReferences: [{ uid: 'u1', kind: 'ReplicaSet', name: 'web-7f69798f94' }] }),
      patch: { metadata: { ownerReferences: [{ uid: 'u1', controller: true }] } },
      want: withMeta(pod({ containers: [web()] }), { ownerReferences: [{ uid: 'u1', kind: 'ReplicaSet', name: 'web-7f69798f94', controller: true }] }),
    },
    {
      desc: '25 a new field drops nulls in the patch value',
      kind: 'Service',
      original: service({ type: 'ClusterIP' }),
      patch: { spec: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 60, stale: null } } } },
      want: service({ type: 'ClusterIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
    },
    {
      desc: '26 a new merge list drops its $patch elements',
      kind: 'Deployment',
      original: deployment({ containers: [web()] }),
      patch: templatePatch({ containers: [{ name: 'web', env: [{ name: 'A', value: '1' }, { $patch: 'delete', name: 'B' }] }] }),
      want: deployment({ containers: [web('nginx:1.25', { env: [{ name: 'A', value: '1' }] })] }),
    },
    {
      desc: '27 a map replaces a scalar of the same name',
      kind: 'Service',
      original: service({ selector: 'oops' }),
      patch: { spec: { selector: { app: 'web', gone: null } } },
      want: service({ selector: { app: 'web' } }),
    },
    {
      desc: '28 a null body changes nothing',
      kind: 'Service',
      original: service({ ports: [{ port: 80 }] }),
      patch: null,
      want: service({ ports: [{ port: 80 }] }),
    },
  ])('$desc', ({ kind, original, patch, want }) => {
    const got = onFrozen([original, patch], (o, p) => applyStrategicMergePatch(o, p, kind));
    expect(got).toEqual(want);
  });

  it('29 a "__proto__" key is a label, not a prototype', () => {
    const patch = JSON.parse('{"metadata":{"labels":{"__proto__":"x","app":"web"}}}');
    const got = applyStrategicMergePatch(service({}), patch, 'Service') as { metadata: { labels: Obj } };
    expect(Object.getPrototypeOf(got.metadata.labels)).toBe(Object.prototype);
    expect(Object.keys(got.metadata.labels)).toEqual(['__proto__', 'app']);
    expect(Object.getOwnPropertyDescriptor(got.metadata.labels, '__proto__')?.value).toBe('x');
  });

  it.each<{ desc: string; kind: string; original?: Obj; patch: unknown; status: PatchErrorStatus; message: string; path?: string }>([
    { desc: '01 an array body', kind: 'Service', patch: [], status: 400, message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' },
    { desc: '02 a string body', kind: 'Service', patch: 'spec', status: 400, message: 'json: cannot unmarshal string into Go value of type map[string]interface {}' },
    { desc: '03 $patch: bogus in a map', kind: 'Service', patch: { spec: { $patch: 'bogus' } }, status: 500, message: 'spec: unknown patch type: bogus in map: map[$patch:bogus]', path: 'spec' },
    {
      desc: '04 $patch: bogus in a list element',
      kind: 'Service',
      original: service({ ports: [{ port: 80 }] }),
      patch: { spec: { ports: [{ $patch: 'bogus', port: 80 }] } },
      status: 500,
      message: 'spec.ports[0]: unknown patch type: bogus in map: map[$patch:bogus port:80]',
      path: 'spec.ports[0]',
    },
    { desc: '05 $patch: merge in a map is rejected upstream', kind: 'Service', patch: { metadata: { labels: { $patch: 'merge' } } }, status: 500, message: 'metadata.labels: unknown patch type: merge in map: map[$patch:merge]', path: 'metadata.labels' },
    {
      desc: '06 $patch: merge in a list is rejected upstream',
      kind: 'Service',
      original: service({ ports: [{ port: 80 }] }),
      patch: { spec: { ports: [{ $patch: 'merge' }] } },
      status: 500,
      message: 'spec.ports[0]: merging lists cannot yet be specified in the patch',
      path: 'spec.ports[0]',
    },
    {
      desc: '07 a ports element without the merge key',
      kind: 'Service',
      original: service({ ports: [{ port: 80 }] }),
      patch: { spec: { ports: [{ targetPort: 441 }] } },
      status: 500,
      message: 'spec.ports[0]: map: map[targetPort:441] does not contain declared merge key: port',
      path: 'spec.ports[0]',
    },
    {
      desc: '08 a container without a name (kubectl prints the same text after "Error from server:")',
      kind: 'Deployment',
      original: deployment({ containers: [sidecar, web()] }),
      patch: templatePatch({ containers: [{ name: 'web' }, { image: 'httpd' }] }),
      status: 500,
      message: 'spec.template.spec.containers[1]: map: map[image:httpd] does not contain declared merge key: name',
      path: 'spec.template.spec.containers[1]',
    },
    {
      desc: '09 a $patch: delete element without the merge key',
      kind: 'Service',
      original: service({ ports: [{ port: 80 }] }),
      patch: { spec: { ports: [{ $patch: 'delete' }] } },
      status: 500,
      message: 'spec.ports[0]: map: map[$patch:delete] does not contain declared merge key: port',
      path: 'spec.ports[0]',
    },
    {
      desc: '10 a $setElementOrder that is not a list',
      kind: 'Service',
      patch: { spec: { '$setElementOrder/ports': 'port' } },
      status: 500,
      message: 'spec.$setElementOrder/ports: expected a []interface {}, but received a string',
      path: 'spec.$setElementOrder/ports',
    },
    {
      desc: '11 a patch list out of $setElementOrder order',
      kind: 'Service',
      original: service({ ports: [{ port: 80 }, { port: 443 }] }),
      patch: { spec: { '$setElementOrder/ports': [{ port: 80 }], ports: [{ port: 443 }] } },
      status: 500,
      message: "spec.$setElementOrder/ports: the order in patch list:\n[map[port:443]]\n doesn't match $setElementOrder list:\n[map[port:80]]",
      path: 'spec.$setElementOrder/ports',
    },
    { desc: '12 $retainKeys that is not a list', kind: 'Deployment', patch: { spec: { strategy: { $retainKeys: 'type' } } }, status: 400, message: 'spec.strategy: invalid patch format of retainKeys', path: 'spec.strategy' },
    {
      desc: '13 a patched key missing from $retainKeys',
      kind: 'Deployment',
      original: deployment({ containers: [web()] }, { strategy: { type: 'Recreate' } }),
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
      status: 400,
      message: 'spec.strategy: invalid patch format of retainKeys',
      path: 'spec.strategy',
    },
    {
      desc: '14 $deleteFromPrimitiveList that is not a list',
      kind: 'Service',
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } },
      status: 400,
      message: 'metadata.$deleteFromPrimitiveList/finalizers: invalid patch format of primitive list',
      path: 'metadata.$deleteFromPrimitiveList/finalizers',
    },
    { desc: '15 a $setElementOrder key without "/"', kind: 'Service', patch: { spec: { $setElementOrderports: [] } }, status: 400, message: 'spec.$setElementOrderports: invalid patch format of setElementOrder list', path: 'spec.$setElementOrderports' },
    {
      desc: '16 a list of lists',
      kind: 'Service',
      original: service({}, { finalizers: ['a'] }),
      patch: { metadata: { finalizers: [['b']] } },
      status: 422,
      message: 'metadata.finalizers: lists of lists are not supported',
      path: 'metadata.finalizers',
    },
    {
      desc: '17 list elements of different types',
      kind: 'Service',
      original: service({}, { finalizers: ['a'] }),
      patch: { metadata: { finalizers: [1] } },
      status: 500,
      message: 'metadata.finalizers: list element types are not identical: [[a] [1]]',
      path: 'metadata.finalizers',
    },
    {
      desc: '18 a kind without a strategic-merge schema',
      kind: 'ConfigMap',
      patch: { data: {} },
      status: 415,
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json',
    },
  ])('malformed $desc', ({ kind, original, patch, status, message, path }) => {
    const error = thrown(() => onFrozen([original ?? service({ ports: [{ port: 80 }] }), patch], (o, p) => applyStrategicMergePatch(o, p, kind)));
    expect(error.message).toBe(message);
    expect(error.httpStatus).toBe(status);
    expect(error.path).toBe(path ?? '');
  });
});

// ---------------------------------------------------------------------------- JSON merge patch

describe('applyMergePatch (RFC 7386)', () => {
  it.each(RFC7386_APPENDIX_A)('appendix A $desc', ({ target, patch, want }) => {
    const got = onFrozen([JSON.parse(target), JSON.parse(patch)], (t, p) => applyMergePatch(t, p));
    expect(got).toEqual(JSON.parse(want));
  });

  // A simple generator of nested objects, with keys that collide often and keys that are
  // dangerous as plain assignments.
  const key = fc.constantFrom('a', 'b', 'c', 'spec', '__proto__', 'constructor', 'toString');
  const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -3, max: 3 }), fc.string({ maxLength: 2 }));
  const { object } = fc.letrec((tie) => ({
    value: fc.oneof({ maxDepth: 3 }, scalar, fc.array(scalar, { maxLength: 3 }), tie('object')),
    object: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((entries) => {
      const built: Obj = {};
      for (const [k, v] of entries) Object.defineProperty(built, k, { value: v, writable: true, enumerable: true, configurable: true });
      return built;
    }),
  }));

  it('01 property: never throws, never mutates its (frozen) inputs, idempotent, no prototype pollution', () => {
    fc.assert(
      fc.property(object, object, (target, diff) => {
        const before = JSON.stringify([target, diff]);
        deepFreeze(target);
        deepFreeze(diff);
        const once = applyMergePatch(target, diff);
        expect(JSON.stringify([target, diff])).toBe(before);
        expect(sharesNoFrozenObject(once)).toBe(true);
        expect(Object.getPrototypeOf(once)).toBe(Object.prototype);
        expect(applyMergePatch(once, diff)).toEqual(once);
        expect(({} as Obj).a).toBeUndefined();
      }),
      { seed: 7386, numRuns: 500 },
    );
  });

  it('02 property: away from list merge keys and directives, a strategic merge patch is a JSON merge patch', () => {
    fc.assert(
      fc.property(object, object, (target, diff) => {
        expect(applyStrategicMergePatch(target, diff, 'Service')).toEqual(applyMergePatch(target, diff));
      }),
      { seed: 7386, numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------- JSON patch

describe('applyJsonPatch (RFC 6902)', () => {
  it.each(RFC6902_APPENDIX_A)('appendix $desc', ({ doc, patch, want, error }) => {
    const run = (): unknown => onFrozen([JSON.parse(doc), JSON.parse(patch)], (d, p) => applyJsonPatch(d, p));
    if (error === undefined) {
      expect(run()).toEqual(JSON.parse(want!));
    } else {
      const failed = thrown(run);
      expect(failed.message).toMatch(error);
      expect(failed.httpStatus).toBe(422);
      expect(failed.code).toBe('Invalid');
    }
  });

  it.each<{ desc: string; doc: unknown; patch: unknown; want: unknown }>([
    { desc: '01 replace spec.replicas', doc: deployment({}), patch: [{ op: 'replace', path: '/spec/replicas', value: 5 }], want: deployment({}, { replicas: 5 }) },
    {
      desc: '02 "~1" in a label key is "/"',
      doc: service({}, { labels: {} }),
      patch: [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'web' }],
      want: service({}, { labels: { 'app.kubernetes.io/name': 'web' } }),
    },
    { desc: '03 "" replaces the whole document', doc: { a: 1 }, patch: [{ op: 'replace', path: '', value: { b: 2 } }], want: { b: 2 } },
    { desc: '04 copy', doc: { a: { b: [1] } }, patch: [{ op: 'copy', from: '/a', path: '/c' }], want: { a: { b: [1] }, c: { b: [1] } } },
    { desc: '05 test a null value', doc: { a: null }, patch: [{ op: 'test', path: '/a', value: null }], want: { a: null } },
    { desc: '06 move onto itself changes nothing', doc: { a: 1 }, patch: [{ op: 'move', from: '/a', path: '/a' }], want: { a: 1 } },
    { desc: '07 add replaces an existing member', doc: { a: 1 }, patch: [{ op: 'add', path: '/a', value: [2] }], want: { a: [2] } },
    { desc: '08 test compares objects regardless of member order', doc: { a: { x: 1, y: 2 } }, patch: [{ op: 'test', path: '/a', value: { y: 2, x: 1 } }], want: { a: { x: 1, y: 2 } } },
    { desc: '09 an empty patch', doc: { a: 1 }, patch: [], want: { a: 1 } },
  ])('$desc', ({ doc, patch, want }) => {
    expect(onFrozen([doc, patch], (d, p) => applyJsonPatch(d, p))).toEqual(want);
  });

  it.each<{ desc: string; doc?: unknown; patch: unknown; status: PatchErrorStatus; message: string; path?: string }>([
    { desc: '01 an object body', patch: { op: 'add' }, status: 400, message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch' },
    { desc: '02 a null body', patch: null, status: 400, message: 'a JSON patch must be an array of operations, not null' },
    { desc: '03 an operation that is not an object', patch: ['add'], status: 400, message: 'json: cannot unmarshal string into Go value of type jsonpatch.Operation' },
    {
      desc: '04 a pointer without a leading "/"',
      patch: [{ op: 'replace', path: 'spec/replicas', value: 3 }],
      status: 422,
      message: 'replace operation has an invalid path "spec/replicas": a JSON pointer must be empty or start with "/"',
      path: 'spec/replicas',
    },
    {
      desc: '05 a "~" escape other than ~0 and ~1',
      patch: [{ op: 'add', path: '/metadata/labels/a~2b', value: 'x' }],
      status: 422,
      message: 'add operation has an invalid path "/metadata/labels/a~2b": "~" must be followed by "0" or "1"',
      path: '/metadata/labels/a~2b',
    },
    { desc: '06 an unknown op', patch: [{ op: 'patch', path: '/a' }], status: 422, message: 'Unexpected kind: patch' },
    { desc: '07 no op', patch: [{ path: '/a' }], status: 422, message: 'Unexpected kind: unknown' },
    { desc: '08 no path', patch: [{ op: 'add', value: 1 }], status: 422, message: 'add operation failed to decode path: missing value' },
    { desc: '09 add without a value', patch: [{ op: 'add', path: '/x' }], status: 422, message: 'add operation for path /x has no value', path: '/x' },
    {
      desc: '10 an index with a leading zero',
      doc: { foo: [1, 2] },
      patch: [{ op: 'add', path: '/foo/01', value: 0 }],
      status: 422,
      message: "error in add for path: '/foo/01': value was not a proper array index: '01'",
      path: '/foo/01',
    },
    {
      desc: '11 an index past the end',
      doc: { foo: [1] },
      patch: [{ op: 'add', path: '/foo/5', value: 0 }],
      status: 422,
      message: "error in add for path: '/foo/5': Unable to access invalid index: 5: invalid index referenced",
      path: '/foo/5',
    },
    {
      desc: '12 "-" is only for add',
      doc: { foo: [1] },
      patch: [{ op: 'remove', path: '/foo/-' }],
      status: 422,
      message: "error in remove for path: '/foo/-': Unable to access invalid index: -: invalid index referenced",
      path: '/foo/-',
    },
    {
      desc: '13 a value cannot move into its own child',
      doc: { a: { b: {} } },
      patch: [{ op: 'move', from: '/a', path: '/a/b/c' }],
      status: 422,
      message: 'move operation does not apply: cannot move /a into its own child /a/b/c',
      path: '/a/b/c',
    },
    {
      desc: '14 replace of a missing member',
      doc: deployment({}),
      patch: [{ op: 'replace', path: '/spec/paused', value: true }],
      status: 422,
      message: 'replace operation does not apply: doc is missing key: /spec/paused: missing value',
      path: '/spec/paused',
    },
    { desc: '15 remove of the whole document', patch: [{ op: 'remove', path: '' }], status: 422, message: 'remove operation does not apply: the whole document cannot be removed' },
    {
      desc: '16 a failing later operation applies nothing',
      doc: { a: 1 },
      patch: [{ op: 'replace', path: '/a', value: 2 }, { op: 'test', path: '/a', value: 1 }],
      status: 422,
      message: 'testing value /a failed: test failed',
      path: '/a',
    },
    {
      desc: '17 more operations than the API server accepts',
      patch: Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '', value: {} })),
      status: 413,
      message: `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${MAX_JSON_PATCH_OPERATIONS + 1}`,
    },
  ])('malformed $desc', ({ doc, patch, status, message, path }) => {
    const error = thrown(() => onFrozen([doc ?? {}, patch], (d, p) => applyJsonPatch(d, p)));
    expect(error.message).toBe(message);
    expect(error.httpStatus).toBe(status);
    expect(error.path).toBe(path ?? '');
  });
});

// ---------------------------------------------------------------------------- dispatch and errors

describe('applyPatch', () => {
  it.each<{ desc: string; type: PatchType; patch: unknown; want: Obj }>([
    { desc: '01 strategic merges Service ports by port', type: 'strategic', patch: { spec: { ports: [{ port: 80, name: 'http' }] } }, want: service({ ports: [{ port: 80, name: 'http' }, { port: 443 }] }) },
    { desc: '02 merge replaces the ports list', type: 'merge', patch: { spec: { ports: [{ port: 80, name: 'http' }] } }, want: service({ ports: [{ port: 80, name: 'http' }] }) },
    { desc: '03 json', type: 'json', patch: [{ op: 'remove', path: '/spec/ports/1' }], want: service({ ports: [{ port: 80 }] }) },
  ])('$desc', ({ type, patch, want }) => {
    expect(onFrozen([service({ ports: [{ port: 80 }, { port: 443 }] }), patch], (o, p) => applyPatch(o, p, type, 'Service'))).toEqual(want);
  });

  it.each<{ desc: string; type: PatchType; patch: unknown; status: PatchErrorStatus; message: string }>([
    { desc: '04 a merge patch must be an object (evanphx/json-patch ErrBadJSONPatch)', type: 'merge', patch: ['x'], status: 400, message: 'Invalid JSON Patch' },
    { desc: '05 a null merge patch', type: 'merge', patch: null, status: 400, message: 'Invalid JSON Patch' },
    { desc: '06 a JSON patch must leave an object', type: 'json', patch: [{ op: 'replace', path: '', value: 1 }], status: 422, message: 'the patched document is not a JSON object' },
  ])('$desc', ({ type, patch, status, message }) => {
    const error = thrown(() => applyPatch(service({}), patch, type, 'Service'));
    expect([error.httpStatus, error.message]).toEqual([status, message]);
  });

  it('07 a non-object original is a caller bug (TypeError)', () => {
    expect(() => applyPatch([], {}, 'merge', 'Service')).toThrow(TypeError);
  });
});

describe('PatchError carries the API server Status', () => {
  it.each<{ desc: string; error: () => PatchError; code: string; status: number; statusMessage: string; causes: { message: string }[] }>([
    {
      desc: '01 a failed JSON patch test: 422 Invalid, generic message, detail in causes',
      error: () => thrown(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])),
      code: 'Invalid',
      status: 422,
      statusMessage: GENERIC_INVALID_MESSAGE,
      causes: [{ message: 'testing value /a failed: test failed' }],
    },
    {
      desc: '02 a missing merge key: 500 with reason Unknown ("")',
      error: () => thrown(() => applyStrategicMergePatch(service({ ports: [{ port: 80 }] }), { spec: { ports: [{}] } }, 'Service')),
      code: '',
      status: 500,
      statusMessage: 'spec.ports[0]: map: map[] does not contain declared merge key: port',
      causes: [],
    },
    {
      desc: '03 a bad $retainKeys: 400 BadRequest',
      error: () => thrown(() => applyStrategicMergePatch(service({}), { spec: { $retainKeys: 1 } }, 'Service')),
      code: 'BadRequest',
      status: 400,
      statusMessage: 'spec: invalid patch format of retainKeys',
      causes: [],
    },
    {
      desc: '04 too many operations: 413 with the API server prefix',
      error: () => thrown(() => applyJsonPatch({}, Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({})))),
      code: 'RequestEntityTooLarge',
      status: 413,
      statusMessage: `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${MAX_JSON_PATCH_OPERATIONS + 1}`,
      causes: [],
    },
  ])('$desc', ({ error, code, status, statusMessage, causes }) => {
    const e = error();
    expect(e).toBeInstanceOf(SvcnetError);
    expect({ code: e.code, status: e.httpStatus, statusMessage: e.statusMessage, causes: e.causes }).toEqual({ code, status, statusMessage, causes });
  });
});
