// Builders for test objects, in the style of Kubernetes' makeTestService(ns, name, tweak):
// a valid object by default, with the few fields a case cares about overridden.
import type {
  EndpointSlice,
  Endpoint,
  Namespace,
  ObjectMeta,
  Pod,
  PodSpec,
  PodStatus,
  Service,
  ServiceCIDR,
  ServiceSpec,
} from '../../sdk/model/types.js';
import { ValidationError } from '../../sdk/model/errors.js';
import type { StatusCause } from '../../sdk/model/errors.js';

export function makeService(spec: Partial<ServiceSpec> = {}, meta: Partial<ObjectMeta> = {}, tweak?: (s: Service) => void): Service {
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'svc', namespace: 'default', ...meta },
    spec: { selector: { app: 'svc' }, ports: [{ port: 80 }], ...spec },
  };
  tweak?.(svc);
  return svc;
}

export function makeNamespace(name: string, meta: Partial<ObjectMeta> = {}): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...meta } };
}

export function makeEndpoint(ip: string, extra: Partial<Endpoint> = {}): Endpoint {
  return { addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-a', ...extra };
}

export function makeSlice(
  service: string,
  suffix = 'abcde',
  endpoints: Endpoint[] = [makeEndpoint('10.1.0.5')],
  extra: Partial<EndpointSlice> = {},
  meta: Partial<ObjectMeta> = {},
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-${suffix}`, namespace: 'default', labels: { 'kubernetes.io/service-name': service }, ...meta },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: '', protocol: 'TCP', port: 8080 }],
    ...extra,
  };
}

/** A running, Ready pod with one container, in `default` unless `meta` says otherwise; `ip` null: no IP yet. */
export function makePod(name: string, ip: string | null = '10.1.0.5', meta: Partial<ObjectMeta> = {}, spec: Partial<PodSpec> = {}, status: Partial<PodStatus> = {}): Pod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name }, ...meta },
    spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'example/app' }], ...spec },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], ...status },
  };
  if (ip !== null) pod.status = { ...pod.status, podIP: ip, podIPs: [{ ip }], ...status };
  return pod;
}

export function makeServiceCIDR(name: string, cidrs: string[]): ServiceCIDR {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name }, spec: { cidrs } };
}

/** The ValidationError `fn` throws (fails the test if it throws anything else or nothing). */
export function validationErrorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

export function causesOf(fn: () => unknown): StatusCause[] {
  return validationErrorOf(fn).causes;
}

/** Throws what `fn` throws, or fails. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, nothing was thrown');
}
