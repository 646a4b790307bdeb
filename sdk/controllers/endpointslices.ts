/**
 * The EndpointSlice controller (`k8s.io/kubernetes pkg/controller/endpointslice`) and the
 * v1 Endpoints kept in step with the slices (what the endpoints controller and, for the
 * `kubernetes` Service, the API server maintain; `kubectl get endpoints` reads it).
 *
 * EndpointSlices: for each Service with a non-empty selector (not ExternalName), the pods
 * of its namespace that the selector matches and that have an IP and have not finished
 * become endpoints (`podToEndpoint`): `serving` = pod Ready, `terminating` = deletion
 * requested, `ready` = `publishNotReadyAddresses || (serving && !terminating)`; `hostname`
 * when the pod's `spec.hostname` is set and its `subdomain` is the Service's name;
 * `nodeName`, `zone` from the node's `topology.kubernetes.io/zone` label, `targetRef`.
 * Ports are resolved per pod (a named targetPort through the containers' ports with the
 * same protocol; a service port the pod cannot resolve is left out for that pod), and pods
 * with the same resolved ports share slices of at most 100 endpoints, named
 * `<service>-<5 random characters>` and labelled `kubernetes.io/service-name` and
 * `endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io`.
 *
 * Reconciling is incremental: a pod change reconciles only the Services whose selector
 * matches the pod's old or new labels; existing slices keep their endpoints in place
 * (updated or removed), new endpoints fill slices with room before new slices are made, and
 * a slice is written only when its endpoints or its set of ports change. A Service left
 * with no endpoints keeps one empty slice (no ports), as the controller's placeholder.
 * Slices of other managers (hand-written, mirrored) are never touched; Services without a
 * selector keep theirs. The controller reacts to Service and Pod changes only: a hand edit
 * of one of its slices stands until the next change of that Service or of its pods
 * (Kubernetes would resync sooner). When a Service goes, or loses its selector, its controller-managed
 * slices are deleted.
 *
 * Endpoints (`pkg/controller/endpoint`): the endpoints controller owns the Endpoints of each
 * Service with a selector (not ExternalName), built from the Service's controller-managed
 * slices: ready endpoints under `addresses`, not-ready ones that are not terminating under
 * `notReadyAddresses`, one subset per distinct port set, addresses sorted by IP;
 * `subsets: []` when there are none; labelled like the Service, plus
 * `service.kubernetes.io/headless` for a headless one. It is rewritten whenever the Service or its slices
 * change and recreated if deleted; a user's write to it stands only until then (Kubernetes
 * also resyncs periodically). The `default/kubernetes` Endpoints is the API server's
 * (`pkg/controlplane/reconcilers`): built from all that Service's slices and labelled
 * `endpointslice.kubernetes.io/skip-mirror=true`. The Endpoints of any other Service
 * without a selector is the user's: never created or changed here (when a Service loses
 * its selector, the Endpoints stays as last written, as upstream). When a Service is
 * deleted, the Endpoints of the same name goes with it, whoever wrote it: upstream's
 * `syncService` deletes it on "service not found", selector or not.
 */

import type { ChangeEvent } from '../cluster/cluster.js';
import { endpointConditions } from '../model/defaults.js';
import { ipFamilyOf } from '../model/ip.js';
import { deepCopy, deepEqual } from '../model/objects.js';
import { isPodReady, isPodTerminating, podIPsOf } from '../model/pod.js';
import { CLUSTER_IP_NONE, ENDPOINTSLICE_CONTROLLER_NAME, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SKIP_MIRROR, LABEL_TOPOLOGY_ZONE } from '../model/types.js';
import type {
  AddressType,
  Endpoint,
  EndpointAddress,
  EndpointPort,
  EndpointSlice,
  Endpoints,
  EndpointsPort,
  EndpointSubset,
  Pod,
  Service,
  ServicePort,
} from '../model/types.js';
import { keyOf, splitKey } from './store.js';
import type { Controller, ControllerStore } from './store.js';

/** `--max-endpoints-per-slice` of kube-controller-manager. */
export const MAX_ENDPOINTS_PER_SLICE_CONTROLLER = 100;

/** The Service's selector as the controllers use it: undefined when nil or empty, or for ExternalName. */
export function selectorOf(svc: Service): Record<string, string> | undefined {
  if (svc.spec.type === 'ExternalName') return undefined;
  const sel = svc.spec.selector;
  return sel !== undefined && Object.keys(sel).length > 0 ? sel : undefined;
}

function selects(sel: Record<string, string>, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (labels === undefined) return false;
  for (const k of Object.keys(sel)) if (labels[k] !== sel[k]) return false;
  return true;
}

export const isControllerManagedSlice = (s: EndpointSlice): boolean => s.metadata.labels?.[LABEL_MANAGED_BY] === ENDPOINTSLICE_CONTROLLER_NAME;

/** `podutil.FindPort`: the container port a service port targets on this pod, if any. */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  // A numeric string is a port number (intstr parsed from a string).
  return /^\d+$/.test(target) ? Number(target) : undefined;
}

function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol !== undefined) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/** Order-independent identity of a port list. */
function portsKey(ports: readonly EndpointPort[] | undefined): string {
  return (ports ?? [])
    .map((p) => `${p.name ?? ''}/${p.protocol ?? 'TCP'}/${p.port ?? '*'}/${p.appProtocol ?? ''}`)
    .sort()
    .join(',');
}

/** `podToEndpoint`. */
export function podToEndpoint(pod: Pod, svc: Service, address: string, zone: string | undefined): Endpoint {
  const serving = isPodReady(pod);
  const terminating = isPodTerminating(pod);
  const ep: Endpoint = {
    addresses: [address],
    conditions: { ready: svc.spec.publishNotReadyAddresses === true || (serving && !terminating), serving, terminating },
  };
  if (pod.spec.hostname && pod.spec.subdomain === svc.metadata.name) ep.hostname = pod.spec.hostname;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  if (zone !== undefined) ep.zone = zone;
  return ep;
}

interface Group {
  ports: EndpointPort[];
  /** address → endpoint, in pod-name order. */
  endpoints: Map<string, Endpoint>;
}

interface Planned {
  slice: EndpointSlice;
  group: Group | undefined;
  endpoints: Endpoint[];
}

export class EndpointSliceController implements Controller {
  reconcile(changes: readonly ChangeEvent[], store: ControllerStore): void {
    const keys = new Set<string>();
    for (const c of changes) {
      const meta = c.object.metadata;
      if (c.kind === 'Service') keys.add(keyOf(meta.namespace, meta.name));
      else if (c.kind === 'Pod') {
        const labels = [c.object.metadata.labels, c.previous?.metadata.labels];
        for (const svc of store.services(meta.namespace!)) {
          const sel = selectorOf(svc);
          if (sel !== undefined && labels.some((l) => selects(sel, l))) keys.add(keyOf(svc.metadata.namespace, svc.metadata.name));
        }
      }
    }
    for (const key of [...keys].sort()) this.#sync(store, ...splitKey(key));
  }

  #sync(store: ControllerStore, ns: string, name: string): void {
    const svc = store.service(ns, name);
    const managed = store.slices(ns, name).filter(isControllerManagedSlice);
    const sel = svc === undefined ? undefined : selectorOf(svc);
    if (svc === undefined || sel === undefined) {
      for (const s of managed) store.deleteSlice(ns, s.metadata.name);
      return;
    }
    const families: AddressType[] = svc.spec.ipFamilies && svc.spec.ipFamilies.length > 0 ? [...svc.spec.ipFamilies] : ['IPv4'];
    const pods = store
      .pods(ns)
      .filter((p) => selects(sel, p.metadata.labels) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && podIPsOf(p).length > 0);
    const zones = new Map<string, string | undefined>();
    const zoneOf = (node: string | undefined): string | undefined => {
      if (node === undefined) return undefined;
      if (!zones.has(node)) zones.set(node, store.node(node)?.metadata.labels?.[LABEL_TOPOLOGY_ZONE]);
      return zones.get(node);
    };
    families.forEach((family, i) => {
      const groups = new Map<string, Group>();
      for (const pod of pods) {
        const address = podIPsOf(pod).find((ip) => ipFamilyOf(ip) === family);
        if (address === undefined) continue;
        const ports = endpointPorts(svc, pod);
        const k = portsKey(ports);
        let g = groups.get(k);
        if (g === undefined) groups.set(k, (g = { ports, endpoints: new Map() }));
        if (!g.endpoints.has(address)) g.endpoints.set(address, podToEndpoint(pod, svc, address, zoneOf(pod.spec.nodeName)));
      }
      this.#reconcileFamily(store, svc, family, groups, managed.filter((s) => s.addressType === family), i === 0);
    });
    for (const s of managed) if (!families.includes(s.addressType)) store.deleteSlice(ns, s.metadata.name);
  }

  #reconcileFamily(store: ControllerStore, svc: Service, family: AddressType, groups: Map<string, Group>, existing: EndpointSlice[], placeholder: boolean): void {
    const ns = svc.metadata.namespace!;
    const placed = new Set<string>();
    const plans: Planned[] = [];
    for (const slice of existing) {
      const group = groups.get(portsKey(slice.ports));
      const endpoints: Endpoint[] = [];
      if (group !== undefined) {
        for (const ep of slice.endpoints) {
          const address = ep.addresses[0];
          const want = group.endpoints.get(address);
          if (want !== undefined && !placed.has(address) && endpoints.length < MAX_ENDPOINTS_PER_SLICE_CONTROLLER) {
            endpoints.push(want);
            placed.add(address);
          }
        }
      }
      plans.push({ slice, group, endpoints });
    }
    const creates: { group: Group; endpoints: Endpoint[] }[] = [];
    for (const group of groups.values()) {
      const rest = [...group.endpoints].filter(([a]) => !placed.has(a)).map(([, ep]) => ep);
      for (const plan of plans) {
        if (rest.length === 0) break;
        if (plan.group !== group) continue;
        const room = MAX_ENDPOINTS_PER_SLICE_CONTROLLER - plan.endpoints.length;
        if (room > 0) plan.endpoints.push(...rest.splice(0, room));
      }
      while (rest.length > 0) creates.push({ group, endpoints: rest.splice(0, MAX_ENDPOINTS_PER_SLICE_CONTROLLER) });
    }
    const keep = plans.filter((p) => p.group !== undefined && p.endpoints.length > 0);
    const drop = plans.filter((p) => !keep.includes(p));
    if (placeholder && keep.length === 0 && creates.length === 0) {
      // No endpoints: one empty slice stays (the first existing one, or a new one).
      const first = drop.shift();
      if (first === undefined) creates.push({ group: { ports: [], endpoints: new Map() }, endpoints: [] });
      else keep.push({ slice: first.slice, group: { ports: [], endpoints: new Map() }, endpoints: [] });
    }
    for (const p of keep) {
      const samePorts = portsKey(p.slice.ports) === portsKey(p.group!.ports);
      if (samePorts && deepEqual(p.slice.endpoints, p.endpoints)) continue;
      const next = deepCopy(p.slice);
      next.endpoints = deepCopy(p.endpoints);
      if (!samePorts) next.ports = deepCopy(p.group!.ports);
      store.updateSlice(next);
    }
    for (const p of drop) store.deleteSlice(ns, p.slice.metadata.name);
    for (const c of creates) {
      store.createSlice({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: `${svc.metadata.name}-`,
          namespace: ns,
          labels: { [LABEL_SERVICE_NAME]: svc.metadata.name, [LABEL_MANAGED_BY]: ENDPOINTSLICE_CONTROLLER_NAME },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        addressType: family,
        endpoints: deepCopy(c.endpoints),
        ports: deepCopy(c.group.ports),
      });
    }
  }
}

// ---------------------------------------------------------------------------- Endpoints

const byIP = (a: EndpointAddress, b: EndpointAddress): number => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);

/** The v1 Endpoints a Service's slices amount to (see the module comment). */
export function endpointsFromSlices(svc: Service, slices: readonly EndpointSlice[]): Endpoints {
  const subsets = new Map<string, { ports: EndpointsPort[]; ready: Map<string, EndpointAddress>; notReady: Map<string, EndpointAddress> }>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const ports: EndpointsPort[] = [];
    for (const p of slice.ports ?? []) {
      if (p.port === undefined) continue;
      const ep: EndpointsPort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
      if (!ep.name) delete ep.name;
      if (p.appProtocol !== undefined) ep.appProtocol = p.appProtocol;
      ports.push(ep);
    }
    const k = portsKey(ports);
    let subset = subsets.get(k);
    if (subset === undefined) subsets.set(k, (subset = { ports, ready: new Map(), notReady: new Map() }));
    for (const ep of slice.endpoints) {
      const c = endpointConditions(ep);
      const target = c.ready ? subset.ready : c.terminating ? undefined : subset.notReady;
      if (target === undefined) continue;
      for (const ip of ep.addresses) {
        const address: EndpointAddress = { ip };
        if (ep.hostname) address.hostname = ep.hostname;
        if (ep.nodeName) address.nodeName = ep.nodeName;
        if (ep.targetRef) address.targetRef = deepCopy(ep.targetRef);
        if (!target.has(ip)) target.set(ip, address);
      }
    }
  }
  const out: EndpointSubset[] = [];
  for (const s of subsets.values()) {
    for (const ip of s.ready.keys()) s.notReady.delete(ip);
    if (s.ready.size === 0 && s.notReady.size === 0) continue;
    const subset: EndpointSubset = {};
    if (s.ready.size > 0) subset.addresses = [...s.ready.values()].sort(byIP);
    if (s.notReady.size > 0) subset.notReadyAddresses = [...s.notReady.values()].sort(byIP);
    if (s.ports.length > 0) subset.ports = s.ports;
    out.push(subset);
  }
  const metadata: Endpoints['metadata'] = { name: svc.metadata.name, namespace: svc.metadata.namespace };
  if (svc.metadata.labels && Object.keys(svc.metadata.labels).length > 0) metadata.labels = { ...svc.metadata.labels };
  return { apiVersion: 'v1', kind: 'Endpoints', metadata, subsets: out };
}

/** `v1.IsHeadlessService`: the endpoints controller labels the Endpoints of a headless Service with it. */
export const LABEL_HEADLESS_SERVICE = 'service.kubernetes.io/headless';

/** The Service whose Endpoints and slice the API server keeps (`default/kubernetes`). */
export const isAPIServerService = (namespace: string | undefined, name: string): boolean => namespace === 'default' && name === 'kubernetes';

/** Keeps the Endpoints of Services with a selector (and of `default/kubernetes`) in step with their slices. */
export class EndpointsController implements Controller {
  reconcile(changes: readonly ChangeEvent[], store: ControllerStore): void {
    const keys = new Set<string>();
    const deletedServices = new Set<string>();
    for (const c of changes) {
      const meta = c.object.metadata;
      if (c.kind === 'Service') {
        keys.add(keyOf(meta.namespace, meta.name));
        if (c.type === 'DELETED') deletedServices.add(keyOf(meta.namespace, meta.name));
      } else if (c.kind === 'EndpointSlice') {
        for (const s of [c.object, c.previous] as (EndpointSlice | undefined)[]) {
          const svc = s?.metadata.labels?.[LABEL_SERVICE_NAME];
          if (svc !== undefined) keys.add(keyOf(s!.metadata.namespace, svc));
        }
      } else if (c.kind === 'Endpoints' && c.type === 'DELETED') {
        // A managed Endpoints that someone deleted is made again (`onEndpointsDelete`).
        keys.add(keyOf(meta.namespace, meta.name));
      }
    }
    for (const key of [...keys].sort()) {
      const [ns, name] = splitKey(key);
      const svc = store.service(ns, name);
      if (svc === undefined) {
        if (deletedServices.has(key) && store.endpoints(ns, name) !== undefined) store.putEndpoints(ns, name, undefined);
      } else if (isAPIServerService(ns, name)) {
        const ep = endpointsFromSlices(svc, store.slices(ns, name));
        ep.metadata.labels = { [LABEL_SKIP_MIRROR]: 'true' };
        store.putEndpoints(ns, name, ep);
      } else if (selectorOf(svc) !== undefined) {
        // The endpoints controller uses one address per pod, of the Service's primary family
        // (pkg/controller/endpoint: podToEndpointAddressForService), so v1 Endpoints of a
        // dual-stack Service list only that family.
        const primary = svc.spec.ipFamilies?.[0];
        const ep = endpointsFromSlices(svc, store.slices(ns, name).filter((s) => isControllerManagedSlice(s) && (primary === undefined || s.addressType === primary)));
        if (svc.spec.clusterIP === CLUSTER_IP_NONE) ep.metadata.labels = { ...ep.metadata.labels, [LABEL_HEADLESS_SERVICE]: '' };
        store.putEndpoints(ns, name, ep);
      }
    }
  }
}
