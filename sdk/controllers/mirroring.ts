/**
 * The EndpointSliceMirroring controller (`k8s.io/kubernetes pkg/controller/endpointslicemirroring`):
 * the hand-written v1 Endpoints of a Service without a selector is mirrored into
 * EndpointSlices, which is what kube-proxy and cluster DNS read.
 *
 * An Endpoints is mirrored while a Service of the same name exists and has no selector,
 * and the Endpoints has neither the label `endpointslice.kubernetes.io/skip-mirror=true`
 * (the API server puts it on `default/kubernetes`) nor the leader-election annotation.
 * Otherwise, and when the Endpoints or the Service goes, its mirrored slices are deleted.
 *
 * What is mirrored (`reconcile`, `newEndpointSlice`, `addressToEndpoint`): the subsets,
 * repacked (`RepackSubsets`), give one slice per distinct port set and address family,
 * named `<endpoints>-<5 random characters>`, with the Endpoints' labels plus
 * `kubernetes.io/service-name=<endpoints>` and
 * `endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io`, its
 * annotations but `endpoints.kubernetes.io/last-change-trigger-time` and kubectl's
 * last-applied configuration, and a controller owner reference to the Endpoints. Ready
 * addresses become endpoints with `ready: true`, not-ready ones `ready: false` (no serving or
 * terminating condition), with the address's hostname, nodeName and targetRef; ports keep
 * their names (`""` when unnamed). At most 1000 addresses of a subset are mirrored (ready
 * ones first); addresses that are not IPs are skipped (the API server rejects them anyway).
 *
 * Reconciling keeps the first existing slice of each port set and address family (updated
 * in place when its content differs), deletes the others, creates the missing ones, and
 * reuses a slice due for deletion (same address family) instead of creating one
 * (`recycleSlices`). A hand edit of a mirrored slice is undone at once; slices of other
 * managers are never touched.
 */

import type { ChangeEvent } from '../cluster/cluster.js';
import { repackEndpointSubsets } from '../model/defaults.js';
import { ipFamilyOf } from '../model/ip.js';
import { deepCopy, deepEqual } from '../model/objects.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SKIP_MIRROR, MIRRORING_CONTROLLER_NAME } from '../model/types.js';
import type { Endpoint, EndpointPort, EndpointSlice, EndpointSliceInput, Endpoints, ObjectMeta, OwnerReference, Service } from '../model/types.js';
import { keyOf, splitKey } from './store.js';
import type { Controller, ControllerStore } from './store.js';

/** `--mirroring-max-endpoints-per-subset` of kube-controller-manager. */
export const MIRRORING_MAX_ENDPOINTS_PER_SUBSET = 1000;

/** `resourcelock.LeaderElectionRecordAnnotationKey`: Endpoints used as a lock are not mirrored. */
export const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A mirrored slice's content: everything but its metadata. */
export interface MirroredSlice {
  addressType: 'IPv4' | 'IPv6';
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export interface MirroredEndpoints {
  slices: MirroredSlice[];
  /** Addresses left out: beyond the per-subset limit, or not IPs. */
  skipped: number;
}

export const isMirroredSlice = (s: EndpointSlice): boolean => s.metadata.labels?.[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER_NAME;

/** `shouldMirror`: no skip-mirror label, no leader-election annotation. */
export function shouldMirror(ep: Endpoints): boolean {
  return ep.metadata.labels?.[LABEL_SKIP_MIRROR] !== 'true' && ep.metadata.annotations?.[LEADER_ELECTION_ANNOTATION] === undefined;
}

/** Whether a Service's Endpoints is mirrored: it has no selector (nil or empty), whatever its type. */
export const mirrorsEndpointsOf = (svc: Service): boolean => Object.keys(svc.spec.selector ?? {}).length === 0;

const portsKey = (ports: readonly EndpointPort[] | undefined): string =>
  JSON.stringify((ports ?? []).map((p) => [p.name ?? '', p.port ?? null, p.protocol ?? 'TCP', p.appProtocol ?? null]));

const sliceKey = (addressType: string, ports: readonly EndpointPort[] | undefined): string => `${addressType}/${portsKey(ports)}`;

/** The slices an Endpoints object mirrors to (see the module comment), in subset order, IPv4 before IPv6. */
export function mirrorEndpoints(ep: Endpoints, maxPerSubset = MIRRORING_MAX_ENDPOINTS_PER_SUBSET): MirroredEndpoints {
  const slices: MirroredSlice[] = [];
  let skipped = 0;
  for (const subset of repackEndpointSubsets(ep.subsets ?? [])) {
    const ports: EndpointPort[] = (subset.ports ?? []).map((p) => {
      const port: EndpointPort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
      if (p.appProtocol !== undefined) port.appProtocol = p.appProtocol;
      return port;
    });
    const byFamily = { IPv4: [] as Endpoint[], IPv6: [] as Endpoint[] };
    const entries = [...(subset.addresses ?? []).map((a) => ({ a, ready: true })), ...(subset.notReadyAddresses ?? []).map((a) => ({ a, ready: false }))];
    let added = 0;
    for (const { a, ready } of entries) {
      if (added >= maxPerSubset) break;
      const family = ipFamilyOf(a.ip);
      if (family === undefined) continue;
      const endpoint: Endpoint = { addresses: [a.ip], conditions: { ready } };
      if (a.hostname) endpoint.hostname = a.hostname;
      if (a.nodeName) endpoint.nodeName = a.nodeName;
      if (a.targetRef) endpoint.targetRef = deepCopy(a.targetRef);
      byFamily[family].push(endpoint);
      added++;
    }
    skipped += entries.length - added;
    for (const addressType of ['IPv4', 'IPv6'] as const) {
      if (byFamily[addressType].length > 0) slices.push({ addressType, ports: deepCopy(ports), endpoints: byFamily[addressType] });
    }
  }
  return { slices, skipped };
}

/** Labels, annotations and owner of the slices mirrored from `ep` (`newEndpointSlice`). */
export function mirroredSliceMeta(ep: Endpoints): Pick<ObjectMeta, 'labels' | 'annotations' | 'ownerReferences'> {
  const meta: Pick<ObjectMeta, 'labels' | 'annotations' | 'ownerReferences'> = {
    labels: { ...ep.metadata.labels, [LABEL_SERVICE_NAME]: ep.metadata.name, [LABEL_MANAGED_BY]: MIRRORING_CONTROLLER_NAME },
  };
  const annotations = { ...ep.metadata.annotations };
  delete annotations[LAST_CHANGE_TRIGGER_TIME];
  delete annotations[LAST_APPLIED];
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  if (ep.metadata.uid) {
    const owner: OwnerReference = { apiVersion: 'v1', kind: 'Endpoints', name: ep.metadata.name, uid: ep.metadata.uid, controller: true, blockOwnerDeletion: true };
    meta.ownerReferences = [owner];
  }
  return meta;
}

/** A mirrored slice to create: named `name`, or `<endpoints>-<5 random characters>` by generateName. */
export function mirroredSliceInput(ep: Endpoints, slice: MirroredSlice, name?: string): EndpointSliceInput {
  const metadata: EndpointSliceInput['metadata'] = { namespace: ep.metadata.namespace, ...deepCopy(mirroredSliceMeta(ep)) };
  if (name !== undefined) metadata.name = name;
  else metadata.generateName = `${ep.metadata.name}-`;
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata, addressType: slice.addressType, endpoints: deepCopy(slice.endpoints), ports: deepCopy(slice.ports) };
}

/** `existing` changed to hold `slice` (same name), or undefined when it already does. */
function updatedSlice(existing: EndpointSlice, ep: Endpoints, slice: MirroredSlice): EndpointSlice | undefined {
  const meta = mirroredSliceMeta(ep);
  const next = deepCopy(existing);
  next.metadata.labels = meta.labels;
  if (meta.annotations) next.metadata.annotations = meta.annotations;
  else delete next.metadata.annotations;
  if (meta.ownerReferences) next.metadata.ownerReferences = meta.ownerReferences;
  else delete next.metadata.ownerReferences;
  next.addressType = slice.addressType;
  next.ports = deepCopy(slice.ports);
  next.endpoints = deepCopy(slice.endpoints);
  return deepEqual(next, existing) ? undefined : next;
}

export class EndpointSliceMirroringController implements Controller {
  reconcile(changes: readonly ChangeEvent[], store: ControllerStore): void {
    const keys = new Set<string>();
    for (const c of changes) {
      if (c.kind === 'Endpoints' || c.kind === 'Service') keys.add(keyOf(c.object.metadata.namespace, c.object.metadata.name));
      else if (c.kind === 'EndpointSlice') {
        for (const s of [c.object, c.previous] as (EndpointSlice | undefined)[]) {
          const svc = s?.metadata.labels?.[LABEL_SERVICE_NAME];
          if (s !== undefined && svc !== undefined && isMirroredSlice(s)) keys.add(keyOf(s.metadata.namespace, svc));
        }
      }
    }
    for (const key of [...keys].sort()) this.#sync(store, ...splitKey(key));
  }

  #sync(store: ControllerStore, ns: string, name: string): void {
    const existing = store.slices(ns, name).filter(isMirroredSlice);
    const ep = store.endpoints(ns, name);
    const svc = store.service(ns, name);
    if (ep === undefined || svc === undefined || !shouldMirror(ep) || !mirrorsEndpointsOf(svc)) {
      for (const s of existing) store.deleteSlice(ns, s.metadata.name);
      return;
    }
    const byKey = new Map<string, EndpointSlice[]>();
    for (const s of existing) {
      const k = sliceKey(s.addressType, s.ports);
      byKey.set(k, [...(byKey.get(k) ?? []), s]);
    }
    const creates: MirroredSlice[] = [];
    const updates: { slice: EndpointSlice; want: MirroredSlice }[] = [];
    const deletes: EndpointSlice[] = [];
    for (const want of mirrorEndpoints(ep).slices) {
      const k = sliceKey(want.addressType, want.ports);
      const [first, ...rest] = byKey.get(k) ?? [];
      byKey.delete(k);
      deletes.push(...rest);
      if (first === undefined) creates.push(want);
      else updates.push({ slice: first, want });
    }
    for (const rest of byKey.values()) deletes.push(...rest);
    // `recycleSlices`: a slice due for deletion takes a new slice's place (same address family).
    for (let i = 0; i < creates.length; i++) {
      const j = deletes.findIndex((s) => s.addressType === creates[i].addressType);
      if (j < 0) continue;
      updates.push({ slice: deletes[j], want: creates[i] });
      deletes.splice(j, 1);
      creates.splice(i--, 1);
    }
    for (const want of creates) store.createSlice(mirroredSliceInput(ep, want));
    for (const { slice, want } of updates) {
      const next = updatedSlice(slice, ep, want);
      if (next !== undefined) store.updateSlice(next);
    }
    for (const s of deletes) store.deleteSlice(ns, s.metadata.name);
  }
}
