/**
 * API defaults, applied the way the API server applies them before validation:
 * `SetDefaults_Service` / `SetDefaults_EndpointPort` (`pkg/apis/{core,discovery}/v1/defaults.go`), plus
 * the normalisation the Service registry does before allocation (`normalizeClusterIPs`
 * in `pkg/registry/core/service/strategy.go`, IP family defaults from
 * `storage/alloc.go` initIPFamilyFields). `set*Defaults` mutate in place; `default*`
 * return a defaulted deep copy.
 */

import { GoLiteral, fieldErrors as fe, goQuote, goStrings } from './errors.js';
import type { FieldError } from './errors.js';
import { deepCopy } from './objects.js';
import { ipFamilyOf } from './ip.js';
import {
  isExternallyAccessible,
  mayHaveNodePorts,
  needsHealthCheck,
} from './service.js';
import {
  API_VERSION_DISCOVERY_V1,
  API_VERSION_V1,
  CLUSTER_IP_NONE,
  LABEL_METADATA_NAME,
  KIND_ENDPOINT_SLICE,
  KIND_ENDPOINTS,
  KIND_NAMESPACE,
  KIND_POD,
  KIND_SERVICE,
} from './types.js';
import type {
  Endpoint,
  EndpointSlice,
  EndpointSliceInput,
  EndpointAddress,
  Endpoints,
  EndpointsInput,
  EndpointsPort,
  EndpointSubset,
  IPFamily,
  IPFamilyPolicy,
  Namespace,
  NamespaceInput,
  ObjectMeta,
  Pod,
  PodInput,
  Service,
  ServiceInput,
} from './types.js';

/** `v1.DefaultClientIPServiceAffinitySeconds`: three hours. */
export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;
/** `core.MaxClientIPServiceAffinitySeconds`: one day. */
export const MAX_CLIENT_IP_TIMEOUT_SECONDS = 86400;
/** The finalizer every Namespace carries until its contents are gone. */
export const NAMESPACE_FINALIZER = 'kubernetes';

export interface ServiceDefaultsOptions {
  /** The cluster's service IP families, primary first. Default `['IPv4']`. */
  ipFamilies?: readonly IPFamily[];
  /**
   * Leave `ipFamilyPolicy` and `ipFamilies` as given: the caller initialises them against
   * its cluster (`ServiceIPAM.initIPFamilyFields`, which reports what the cluster does not
   * serve). Default false.
   */
  skipIPFamilies?: boolean;
}

/**
 * Keeps `clusterIP` and `clusterIPs` in step (`normalizeClusterIPs`). On create, a lone
 * `clusterIP` is copied into `clusterIPs`. On update (`prev` given): a client that sent
 * only `clusterIP` keeps the stored `clusterIPs`; clearing `clusterIP` clears an unchanged
 * `clusterIPs`; changing `clusterIP` alone rewrites `clusterIPs` (and validation then
 * rejects the change).
 */
export function normalizeClusterIPs(next: Service, prev?: Service): void {
  const spec = next.spec;
  if (prev === undefined) {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  const oldIP = prev.spec.clusterIP ?? '';
  const newIP = spec.clusterIP ?? '';
  if (prev.spec.clusterIPs?.length && !spec.clusterIPs?.length && oldIP === newIP) {
    spec.clusterIPs = [...prev.spec.clusterIPs];
  }
  if (oldIP !== newIP) {
    const same = sameList(prev.spec.clusterIPs, spec.clusterIPs);
    if (oldIP !== '' && newIP === '' && same) delete spec.clusterIPs;
    if (newIP !== '' && same) spec.clusterIPs = [newIP];
  }
}

function sameList<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** `SetDefaults_Service` alone (what the API server applies when decoding a request). */
export function setServiceAPIDefaults(svc: Service): Service {
  const spec = svc.spec;
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') {
    delete spec.sessionAffinityConfig;
  } else if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT_SECONDS } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const port of spec.ports ?? []) {
    if (!port.protocol) port.protocol = 'TCP';
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (isExternallyAccessible(svc) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer')) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
    for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
      if (ingress.ip && ingress.ipMode === undefined) ingress.ipMode = 'VIP';
    }
  }
  return svc;
}

/**
 * Everything a new Service gets before validation, in place: `SetDefaults_Service`,
 * `clusterIPs` mirroring `clusterIP`, and the IP family fields.
 */
export function setServiceDefaults(svc: Service, options: ServiceDefaultsOptions = {}): Service {
  setServiceAPIDefaults(svc);
  normalizeClusterIPs(svc);
  if (!options.skipIPFamilies) setIPFamilyDefaults(svc, options.ipFamilies ?? ['IPv4']);
  return svc;
}

/**
 * Prepares an update the way the Service registry does, in place, given the stored
 * object: API defaults; fields that no longer apply to a new type are dropped when the
 * client left them unchanged (`dropTypeDependentFields`); values the server allocated and
 * the client omitted are carried over, so re-sending a manifest is a no-op
 * (`patchAllocatedValues`; node ports are matched by port name); then the cluster-IP and
 * IP-family normalisation of `setServiceDefaults`.
 */
export function prepareServiceUpdate(next: Service, prev: Service, options: ServiceDefaultsOptions = {}): Service {
  setServiceAPIDefaults(next);
  dropTypeDependentFields(next, prev);
  patchAllocatedValues(next, prev);
  normalizeClusterIPs(next, prev);
  if (!options.skipIPFamilies) setIPFamilyDefaults(next, options.ipFamilies ?? ['IPv4'], prev);
  return next;
}

function hasClusterIPField(svc: Service): boolean {
  return svc.spec.type !== 'ExternalName';
}

function dropTypeDependentFields(next: Service, prev: Service): void {
  const spec = next.spec;
  const old = prev.spec;
  if (hasClusterIPField(prev) && !hasClusterIPField(next)) {
    if ((old.clusterIP ?? '') === (spec.clusterIP ?? '') && sameList(old.clusterIPs, spec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameList(old.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies;
    if (old.ipFamilyPolicy === spec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (mayHaveNodePorts(prev) && !mayHaveNodePorts(next)) {
    const sameNodePorts = sameList(
      (old.ports ?? []).map((p) => p.nodePort ?? 0),
      (spec.ports ?? []).map((p) => p.nodePort ?? 0),
    );
    if (sameNodePorts) for (const p of spec.ports ?? []) delete p.nodePort;
  }
  if (needsHealthCheck(prev) && !needsHealthCheck(next) && (old.healthCheckNodePort ?? 0) === (spec.healthCheckNodePort ?? 0)) {
    delete spec.healthCheckNodePort;
  }
  if (old.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts === old.allocateLoadBalancerNodePorts) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if (spec.loadBalancerClass === old.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (isExternallyAccessible(prev) && !isExternallyAccessible(next) && spec.externalTrafficPolicy === old.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  if (spec.type !== 'LoadBalancer' && next.status?.loadBalancer) {
    delete next.status.loadBalancer;
    if (Object.keys(next.status).length === 0) delete next.status;
  }
}

function patchAllocatedValues(next: Service, prev: Service): void {
  const spec = next.spec;
  const old = prev.spec;
  if (hasClusterIPField(prev) && hasClusterIPField(next)) {
    if (!spec.clusterIP && old.clusterIP) spec.clusterIP = old.clusterIP;
    if (!spec.clusterIPs?.length && old.clusterIPs?.length) spec.clusterIPs = [...old.clusterIPs];
    if (!spec.ipFamilies?.length && old.ipFamilies?.length) spec.ipFamilies = [...old.ipFamilies];
    if (spec.ipFamilyPolicy === undefined && old.ipFamilyPolicy !== undefined) spec.ipFamilyPolicy = old.ipFamilyPolicy;
  }
  if (mayHaveNodePorts(prev) && mayHaveNodePorts(next)) {
    // Node ports the client named explicitly in both versions cannot be patched in.
    const newUsed = new Set((spec.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0));
    const used = new Set((old.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0 && newUsed.has(n)));
    const byName = new Map<string, number>();
    for (const p of old.ports ?? []) byName.set(p.name ?? '', p.nodePort ?? 0);
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const oldValue = byName.get(p.name ?? '') ?? 0;
      if (oldValue !== 0 && !used.has(oldValue)) p.nodePort = oldValue;
    }
  }
  if (needsHealthCheck(prev) && needsHealthCheck(next) && !spec.healthCheckNodePort && old.healthCheckNodePort) {
    spec.healthCheckNodePort = old.healthCheckNodePort;
  }
}

// ---------------------------------------------------------------------------- IP families

export interface IPFamilyInitOptions {
  /** The families the cluster serves, primary (`--service-cluster-ip-range[0]`) first. */
  clusterFamilies: readonly IPFamily[];
  /**
   * true: as the API server, report what the cluster does not serve and stop there.
   * false: default regardless (no cluster to ask): a family inferred from a requested IP is
   * taken whether or not the cluster serves it, and nothing is reported but the policy
   * conflicts. Default true.
   */
  strict?: boolean;
  /**
   * `ValidateServiceClusterIPsRelatedFields`, which the API server runs right after the
   * policy default; its errors end the initialisation and are returned.
   */
  prevalidate?: (svc: Service) => FieldError[];
}

const otherFamily = (f: IPFamily): IPFamily => (f === 'IPv4' ? 'IPv6' : 'IPv4');

/** Go's `%#v` of a `[]core.IPFamily`, the value some family errors print. */
export function goIPFamilies(families: readonly IPFamily[] | undefined): GoLiteral {
  if (families === undefined) return new GoLiteral('[]core.IPFamily(nil)');
  return new GoLiteral(`[]core.IPFamily{${families.map(goQuote).join(', ')}}`);
}

/** The policy as a field error prints it (a nil pointer prints `null`). */
const policyValue = (p: IPFamilyPolicy | undefined): IPFamilyPolicy | null => p ?? null;

/**
 * A PreferDualStack Service updated without touching its cluster IPs or families keeps
 * them, even if the cluster gained or lost a family since (`isMatchingPreferDualStackClusterIPFields`).
 */
function isMatchingPreferDualStack(next: Service, prev: Service): boolean {
  const spec = next.spec;
  const old = prev.spec;
  if (spec.ipFamilyPolicy === undefined || old.type !== spec.type) return false;
  if (spec.type !== 'ClusterIP' && spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') return false;
  if (spec.ipFamilyPolicy !== 'PreferDualStack') return false;
  if (old.ipFamilyPolicy !== undefined && old.ipFamilyPolicy !== 'PreferDualStack') return false;
  return sameList(old.clusterIPs, spec.clusterIPs) && sameList(old.ipFamilies, spec.ipFamilies);
}

/** More than zero given, fewer than before (`reducedClusterIPs`, `reducedIPFamilies`). */
const reduced = (next: readonly unknown[] | undefined, prev: readonly unknown[] | undefined): boolean =>
  (next?.length ?? 0) > 0 && (next?.length ?? 0) < (prev?.length ?? 0);

/**
 * `initIPFamilyFields` of the Service registry (`pkg/registry/core/service/storage/alloc.go`),
 * in place, for a create (`prev` undefined) or an update. In this order:
 * - ExternalName: nothing. An unchanged PreferDualStack Service: nothing (no silent
 *   upgrade or downgrade when the cluster's families change).
 * - `ipFamilyPolicy`: the stored one on update, else RequireDualStack for a headless
 *   Service without a selector, else SingleStack.
 * - On update, SingleStack with `clusterIPs`/`ipFamilies` as stored drops the secondary
 *   (a downgrade); another policy may not drop one.
 * - SingleStack may not come with two cluster IPs or two families.
 * - Families are inferred from the requested cluster IPs (`<family> is not configured on
 *   this cluster` at `spec.clusterIPs[i]` when the cluster lacks it).
 * - Headless without selector: the primary family by default, plus the other one unless
 *   SingleStack, whatever the cluster serves; nothing else is checked.
 * - RequireDualStack needs a dual-stack cluster; every family must be one the cluster serves.
 * - No family yet: the cluster's primary; not SingleStack on a dual-stack cluster: both.
 * Returns the field errors with the API server's paths and messages (empty: accepted).
 */
export function initIPFamilyFields(svc: Service, prev: Service | undefined, options: IPFamilyInitOptions): FieldError[] {
  const spec = svc.spec;
  if (spec.type === 'ExternalName') return [];
  if (prev !== undefined && isMatchingPreferDualStack(svc, prev)) return [];
  const strict = options.strict ?? true;
  const cluster = options.clusterFamilies;
  const primary: IPFamily = cluster[0] ?? 'IPv4';
  const headlessWithoutSelector = spec.clusterIP === CLUSTER_IP_NONE && Object.keys(spec.selector ?? {}).length === 0;

  if (spec.ipFamilyPolicy === undefined) {
    if (prev?.spec.ipFamilyPolicy !== undefined) spec.ipFamilyPolicy = prev.spec.ipFamilyPolicy;
    else spec.ipFamilyPolicy = headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack';
  }
  const pre = options.prevalidate?.(svc) ?? [];
  if (pre.length > 0) return pre;

  const errs: FieldError[] = [];
  const policy = spec.ipFamilyPolicy;
  if (prev !== undefined) {
    if (policy === 'SingleStack') {
      // ClusterIPs[0] is immutable, so keeping it alone is a downgrade.
      if (sameList(prev.spec.clusterIPs, spec.clusterIPs) && (spec.clusterIPs?.length ?? 0) > 1) spec.clusterIPs = spec.clusterIPs!.slice(0, 1);
      if (sameList(prev.spec.ipFamilies, spec.ipFamilies) && (spec.ipFamilies?.length ?? 0) > 1) spec.ipFamilies = spec.ipFamilies!.slice(0, 1);
    } else {
      if (reduced(spec.clusterIPs, prev.spec.clusterIPs)) {
        errs.push(fe.invalid('spec.ipFamilyPolicy', policyValue(policy), "must be 'SingleStack' to release the secondary cluster IP"));
      }
      if (reduced(spec.ipFamilies, prev.spec.ipFamilies)) {
        errs.push(fe.invalid('spec.ipFamilyPolicy', policyValue(policy), "must be 'SingleStack' to release the secondary IP family"));
      }
    }
  }
  if (policy === 'SingleStack') {
    if (spec.clusterIPs?.length === 2) {
      errs.push(fe.invalid('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    }
    if (spec.ipFamilies?.length === 2) {
      errs.push(fe.invalid('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
    }
  }

  const families: IPFamily[] = [...(spec.ipFamilies ?? [])];
  const clusterIPs = spec.clusterIPs ?? [];
  for (let i = 0; i < clusterIPs.length; i++) {
    if (clusterIPs[i] === CLUSTER_IP_NONE) break;
    const family = ipFamilyOf(clusterIPs[i]);
    if (family === undefined || i < families.length) continue;
    if (strict && !cluster.includes(family)) {
      errs.push(fe.invalid(`spec.clusterIPs[${i}]`, goStrings(clusterIPs), `${family} is not configured on this cluster`));
    } else {
      families.push(family);
    }
  }
  if (families.length > 0 || spec.ipFamilies !== undefined) spec.ipFamilies = families;
  if (strict && errs.length > 0) return errs;

  if (headlessWithoutSelector) {
    if (families.length === 0) families.push(primary);
    if (families.length < 2 && policy !== 'SingleStack') families.push(otherFamily(families[0]));
    spec.ipFamilies = families;
    return errs;
  }

  if (strict) {
    if (policy === 'RequireDualStack' && cluster.length < 2) {
      errs.push(fe.invalid('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services'));
    }
    families.forEach((family, i) => {
      if (!cluster.includes(family)) errs.push(fe.invalid(`spec.ipFamilies[${i}]`, family, 'not configured on this cluster'));
    });
    if (errs.length > 0) return errs;
  }
  if (families.length === 0) families.push(primary);
  if (policy !== 'SingleStack' && families.length === 1 && cluster.length === 2) families.push(otherFamily(families[0]));
  spec.ipFamilies = families;
  return errs;
}

/**
 * `ipFamilyPolicy` and `ipFamilies` as the Service registry fills them
 * (`initIPFamilyFields`), without a cluster to refuse anything: families not in
 * `clusterFamilies` that requested IPs imply are taken as they are.
 */
export function setIPFamilyDefaults(svc: Service, clusterFamilies: readonly IPFamily[] = ['IPv4'], prev?: Service): void {
  initIPFamilyFields(svc, prev, { clusterFamilies, strict: false });
}

/** A deep copy of an object or input with its apiVersion and kind set and metadata present: where every `defaultX` starts. */
function typedCopy<T extends { apiVersion: string; kind: string; metadata: ObjectMeta }>(input: unknown, apiVersion: string, kind: string): T {
  const copy = deepCopy(input) as T;
  copy.apiVersion = apiVersion;
  copy.kind = kind;
  copy.metadata ??= {} as ObjectMeta;
  return copy;
}

/** A defaulted deep copy; fills in apiVersion, kind and an empty spec when missing. */
export function defaultService(svc: Service | ServiceInput, options?: ServiceDefaultsOptions): Service {
  const copy = typedCopy<Service>(svc, API_VERSION_V1, KIND_SERVICE);
  copy.spec ??= {};
  return setServiceDefaults(copy, options);
}

/** Namespace create defaults: the `kubernetes` finalizer, phase Active, the name label. */
export function setNamespaceDefaults(ns: Namespace): Namespace {
  ns.spec ??= {};
  const finalizers = ns.spec.finalizers ?? [];
  if (!finalizers.includes(NAMESPACE_FINALIZER)) finalizers.push(NAMESPACE_FINALIZER);
  ns.spec.finalizers = finalizers;
  ns.status = { ...ns.status, phase: ns.status?.phase ?? 'Active' };
  if (ns.metadata.name) ns.metadata.labels = { ...ns.metadata.labels, [LABEL_METADATA_NAME]: ns.metadata.name };
  return ns;
}

export function defaultNamespace(ns: Namespace | NamespaceInput): Namespace {
  const copy = typedCopy<Namespace>(ns, API_VERSION_V1, KIND_NAMESPACE);
  return setNamespaceDefaults(copy);
}

/** `SetDefaults_EndpointPort`: name `""`, protocol TCP. Conditions are left as given. */
export function setEndpointSliceDefaults(eps: EndpointSlice): EndpointSlice {
  eps.endpoints ??= [];
  for (const port of eps.ports ?? []) {
    port.name ??= '';
    port.protocol ??= 'TCP';
  }
  return eps;
}

export function defaultEndpointSlice(eps: EndpointSlice | EndpointSliceInput): EndpointSlice {
  const copy = typedCopy<EndpointSlice>(eps, API_VERSION_DISCOVERY_V1, KIND_ENDPOINT_SLICE);
  return setEndpointSliceDefaults(copy);
}

export interface EffectiveConditions {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/**
 * The conditions an endpoint has in effect, per the discovery/v1 API docs: an unset
 * `ready` is an unknown state that consumers treat as ready; an unset `serving` defers to
 * `ready`; an unset `terminating` is false.
 */
export function endpointConditions(ep: Pick<Endpoint, 'conditions'>): EffectiveConditions {
  const c = ep.conditions ?? {};
  const ready = c.ready ?? true;
  return { ready, serving: c.serving ?? ready, terminating: c.terminating ?? false };
}

/**
 * Pod defaults: container port protocol TCP (`SetDefaults_ContainerPort`), phase Pending
 * when no status says otherwise, and `podIP`/`podIPs` kept in step the way the v1→internal
 * conversion does (`Convert_v1_PodStatus_To_core_PodStatus`): a `podIP` that differs from
 * `podIPs[0]` wins, a lone `podIP` becomes `podIPs`, and `podIP` is `podIPs[0]`.
 */
export function setPodDefaults(pod: Pod): Pod {
  pod.spec ??= { containers: [] };
  for (const container of pod.spec.containers ?? []) {
    for (const port of container.ports ?? []) port.protocol ??= 'TCP';
  }
  const status = (pod.status ??= {});
  status.phase ??= 'Pending';
  const podIP = status.podIP ?? '';
  const podIPs = status.podIPs ?? [];
  if (podIP !== '' && (podIPs.length === 0 || podIPs[0].ip !== podIP)) status.podIPs = [{ ip: podIP }];
  if ((status.podIPs?.length ?? 0) > 0) status.podIP = status.podIPs![0].ip;
  else delete status.podIPs;
  return pod;
}

export function defaultPod(pod: Pod | PodInput): Pod {
  const copy = typedCopy<Pod>(pod, API_VERSION_V1, KIND_POD);
  return setPodDefaults(copy);
}

// ---------------------------------------------------------------------------- v1 Endpoints

/** `SetDefaults_EndpointPort` (core/v1): protocol TCP. */
export function setEndpointsDefaults(ep: Endpoints): Endpoints {
  ep.subsets ??= [];
  for (const subset of ep.subsets) {
    for (const port of subset?.ports ?? []) {
      if (port && !port.protocol) port.protocol = 'TCP';
    }
  }
  return ep;
}

export function defaultEndpoints(ep: Endpoints | EndpointsInput): Endpoints {
  const copy = typedCopy<Endpoints>(ep, API_VERSION_V1, KIND_ENDPOINTS);
  return setEndpointsDefaults(copy);
}

const portIdentity = (p: EndpointsPort): string => JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? null]);

/**
 * `RepackSubsets` (`pkg/api/v1/endpoints/util.go`), which the 1.32 API server runs on every
 * Endpoints write (`endpointsStrategy.Canonicalize`): subsets are expanded to
 * (address, port) pairs and regrouped so that each subset holds the ports shared by
 * exactly the same addresses. An address is identified by its IP and `targetRef.uid`; the
 * first occurrence keeps its hostname, nodeName and targetRef; listed both ready and not
 * ready for a port, it is not ready. Addresses are sorted by IP then uid, as upstream.
 * Upstream orders ports and subsets by a hash of their content; here they keep the order
 * in which they first appear. Call on a valid (validated) object.
 */
export function repackEndpointSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const addresses = new Map<string, EndpointAddress>();
  /** Port identity (or '' for "no ports") → its port and address key → ready. */
  const byPort = new Map<string, { port: EndpointsPort | undefined; ready: Map<string, boolean> }>();
  const note = (address: EndpointAddress, ready: boolean, port: EndpointsPort | undefined): void => {
    const key = `${address.ip}\u0000${address.targetRef?.uid ?? ''}`;
    if (!addresses.has(key)) addresses.set(key, deepCopy(address));
    const id = port === undefined ? '' : portIdentity(port);
    let entry = byPort.get(id);
    if (entry === undefined) byPort.set(id, (entry = { port: port && deepCopy(port), ready: new Map() }));
    // Not ready always trumps ready.
    if (entry.ready.get(key) !== false) entry.ready.set(key, ready);
  };
  for (const subset of subsets) {
    const ports: (EndpointsPort | undefined)[] = subset.ports && subset.ports.length > 0 ? subset.ports : [undefined];
    for (const port of ports) {
      for (const a of subset.addresses ?? []) note(a, true, port);
      for (const a of subset.notReadyAddresses ?? []) note(a, false, port);
    }
  }
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointsPort[] }>();
  for (const { port, ready } of byPort.values()) {
    const signature = [...ready].map(([k, r]) => `${k}=${r}`).sort().join('\u0001');
    let group = groups.get(signature);
    if (group === undefined) groups.set(signature, (group = { ready, ports: [] }));
    if (port !== undefined) group.ports.push(port);
  }
  const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const out: EndpointSubset[] = [];
  for (const { ready, ports } of groups.values()) {
    const keys = [...ready.keys()].sort((a, b) => {
      const x = addresses.get(a)!;
      const y = addresses.get(b)!;
      return compare(x.ip, y.ip) || compare(x.targetRef?.uid ?? '', y.targetRef?.uid ?? '');
    });
    const subset: EndpointSubset = {};
    const readyAddresses = keys.filter((k) => ready.get(k)).map((k) => deepCopy(addresses.get(k)!));
    const notReadyAddresses = keys.filter((k) => !ready.get(k)).map((k) => deepCopy(addresses.get(k)!));
    if (readyAddresses.length > 0) subset.addresses = readyAddresses;
    if (notReadyAddresses.length > 0) subset.notReadyAddresses = notReadyAddresses;
    if (ports.length > 0) subset.ports = ports;
    out.push(subset);
  }
  return out;
}
