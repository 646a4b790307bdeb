/**
 * Validation with the rules, field paths and messages of the Kubernetes API server:
 * `pkg/apis/core/validation/validation.go` (ValidateService, ValidateNamespace,
 * ValidateObjectMeta), `pkg/apis/discovery/validation` (ValidateEndpointSlice) and
 * `pkg/apis/networking/validation` (ValidateServiceCIDR). Each rule is written once here;
 * the Cluster and the public `validate*` functions both call these.
 *
 * `*Errors` functions return every field error of an object that has already been
 * defaulted (as the API server validates after decoding and defaulting). `validate*`
 * functions default a copy first and throw one `ValidationError` listing all errors.
 *
 * Not checked: rules that only hold after allocation (a `healthCheckNodePort` is required
 * once allocated), which the IPAM guarantees instead; cluster configuration (IP families
 * the cluster serves, the service CIDRs, the node port range), which `controllers/ipam.ts`
 * checks.
 */

import {
  FieldError,
  GoLiteral,
  ValidationError,
  fieldErrors as fe,
  goQuote,
  goStrings,
} from './errors.js';
import { defaultEndpoints, defaultEndpointSlice, defaultNamespace, defaultPod, defaultService, goIPFamilies, MAX_CLIENT_IP_TIMEOUT_SECONDS } from './defaults.js';
import type { ServiceDefaultsOptions } from './defaults.js';
import { ipFamilyOf, isCIDR, isIP, isIPv4, isIPv6, parseIP, specialRangeOf } from './ip.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from './names.js';
import { deepCopy, deepEqual } from './objects.js';
import { isExternallyAccessible, isHeadlessService, needsHealthCheck } from './service.js';
import { CLUSTER_IP_NONE } from './types.js';
import type {
  EndpointAddress,
  Endpoints,
  EndpointsInput,
  EndpointSlice,
  EndpointSliceInput,
  InputMeta,
  Namespace,
  NamespaceInput,
  Pod,
  PodInput,
  ResourceKind,
  Service,
  ServiceCIDR,
  ServiceCIDRInput,
  ServiceInput,
  ServicePort,
} from './types.js';

// ---------------------------------------------------------------------------- paths

const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
const index = (path: string, i: number): string => `${path}[${i}]`;

// ---------------------------------------------------------------------------- constants

export const SUPPORTED_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export const SUPPORTED_SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
export const SUPPORTED_SESSION_AFFINITIES = ['ClientIP', 'None'] as const;
export const SUPPORTED_TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;
export const SUPPORTED_IP_FAMILIES = ['IPv4', 'IPv6'] as const;
export const SUPPORTED_IP_FAMILY_POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const;
/** Kubernetes 1.32 accepts only PreferClose. */
export const SUPPORTED_TRAFFIC_DISTRIBUTIONS = ['PreferClose'] as const;
export const SUPPORTED_LOAD_BALANCER_IP_MODES = ['VIP', 'Proxy'] as const;
export const SUPPORTED_ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'] as const;
export const SUPPORTED_POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;
export const SUPPORTED_CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/** `discovery/validation`: limits per EndpointSlice. */
export const MAX_ENDPOINTS_PER_SLICE = 1000;
export const MAX_ADDRESSES_PER_ENDPOINT = 100;
export const MAX_PORTS_PER_SLICE = 20000;
export const MAX_TOPOLOGY_LABELS = 16;
export const MAX_ZONE_HINTS = 8;
export const MAX_NODE_HINTS = 8;
/** `TotalAnnotationSizeLimitB`: 256 KiB over all annotation keys and values. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Finalizers that need no domain prefix (`standardFinalizers` in core validation). */
const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];

const has = (list: readonly string[], value: unknown): boolean => typeof value === 'string' && list.includes(value);

// ---------------------------------------------------------------------------- shared rules

export type NameValidator = (name: string, prefix: boolean) => string[];

/** `ValidateLabels`: keys are qualified names, values label values; errors on the map's path. */
export function labelErrors(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(fe.invalid(path, k, msg));
    if (typeof v !== 'string') {
      errs.push(fe.invalid(path, v, 'must be a string'));
      continue;
    }
    for (const msg of isValidLabelValue(v)) errs.push(fe.invalid(path, v, msg));
  }
  return errs;
}

/** `ValidateQualifiedName`. */
export function qualifiedNameErrors(value: string, path: string): FieldError[] {
  return isQualifiedName(value).map((msg) => fe.invalid(path, value, msg));
}

/** `ValidateDNS1123Label`. */
export function dns1123LabelErrors(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((msg) => fe.invalid(path, value, msg));
}

/** `ValidateDNS1123Subdomain`. */
export function dns1123SubdomainErrors(value: string, path: string): FieldError[] {
  return isDNS1123Subdomain(value).map((msg) => fe.invalid(path, value, msg));
}

function annotationErrors(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    // Annotation keys are qualified names, compared case-insensitively.
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(fe.invalid(path, k, msg));
    size += k.length + String(v).length;
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fe.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

function finalizerErrors(finalizers: readonly string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const name of finalizers ?? []) {
    const msgs = isQualifiedName(name);
    for (const msg of msgs) errs.push(fe.invalid(path, name, msg));
    if (msgs.length === 0 && !name.includes('/') && !STANDARD_FINALIZERS.includes(name)) {
      errs.push(fe.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

function ownerReferenceErrors(meta: InputMeta, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  for (const ref of meta.ownerReferences ?? []) {
    const version = (ref.apiVersion ?? '').split('/').pop() ?? '';
    if (!version) errs.push(fe.invalid(child(path, 'apiVersion'), ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(fe.invalid(child(path, 'kind'), ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) errs.push(fe.invalid(child(path, 'name'), ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(fe.invalid(child(path, 'uid'), ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller) controllers.push(`${ref.kind}/${ref.name}`);
  }
  if (controllers.length > 1) {
    errs.push(
      fe.invalid(
        path,
        new GoLiteral(`[]v1.OwnerReference{...}`),
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers[0]} and ${controllers[1]}`,
      ),
    );
  }
  return errs;
}

/** `ValidateObjectMeta`. */
export function objectMetaErrors(
  meta: InputMeta | undefined,
  requiresNamespace: boolean,
  nameFn: NameValidator,
  path = 'metadata',
): FieldError[] {
  const m: InputMeta = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of nameFn(m.generateName, true)) errs.push(fe.invalid(child(path, 'generateName'), m.generateName, msg));
  }
  if (!m.name) {
    errs.push(fe.required(child(path, 'name'), 'name or generateName is required'));
  } else {
    for (const msg of nameFn(m.name, false)) errs.push(fe.invalid(child(path, 'name'), m.name, msg));
  }
  if (requiresNamespace) {
    if (!m.namespace) errs.push(fe.required(child(path, 'namespace')));
    else for (const msg of nameIsDNSLabel(m.namespace)) errs.push(fe.invalid(child(path, 'namespace'), m.namespace, msg));
  } else if (m.namespace) {
    errs.push(fe.forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  errs.push(...labelErrors(m.labels, child(path, 'labels')));
  errs.push(...annotationErrors(m.annotations, child(path, 'annotations')));
  errs.push(...ownerReferenceErrors(m, child(path, 'ownerReferences')));
  errs.push(...finalizerErrors(m.finalizers, child(path, 'finalizers')));
  return errs;
}

/** `ValidateObjectMetaUpdate`: identity fields may not change. */
export function objectMetaUpdateErrors(next: InputMeta, prev: InputMeta, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  if ((next.name ?? '') !== (prev.name ?? '')) errs.push(fe.immutable(child(path, 'name'), next.name ?? ''));
  if ((next.namespace ?? '') !== (prev.namespace ?? '')) errs.push(fe.immutable(child(path, 'namespace'), next.namespace ?? ''));
  if ((next.uid ?? '') !== (prev.uid ?? '')) errs.push(fe.immutable(child(path, 'uid'), next.uid ?? ''));
  return errs;
}

/** `IsValidIP` then `ValidateNonSpecialIP`, as for external IPs and endpoint addresses. */
function nonSpecialIPErrors(value: string, path: string): FieldError[] {
  const special = specialRangeOf(parseIP(value));
  switch (special) {
    case 'unspecified':
      return [fe.invalid(path, value, `may not be unspecified (${value})`)];
    case 'loopback':
      return [fe.invalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
    case 'link-local':
      return [fe.invalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
    case 'link-local-multicast':
      return [fe.invalid(path, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
    default:
      return [];
  }
}

const IP_EXAMPLE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const CIDR_EXAMPLE = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

export function ipErrors(value: string, path: string): FieldError[] {
  return isIP(value) ? [] : [fe.invalid(path, value, IP_EXAMPLE)];
}

export function cidrErrors(value: string, path: string): FieldError[] {
  return isCIDR(value) ? [] : [fe.invalid(path, value, CIDR_EXAMPLE)];
}

/** `IsFullyQualifiedDomainName`: a DNS-1123 subdomain of at least two labels; one trailing dot allowed. */
function fqdnErrors(value: string, path: string): FieldError[] {
  if (value.length === 0) return [fe.required(path)];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const sub = isDNS1123Subdomain(name);
  if (sub.length > 0) return [fe.invalid(path, name, sub.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [fe.invalid(path, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const msgs = isDNS1123Label(label);
    if (msgs.length > 0) return [fe.invalid(path, label, msgs.join(','))];
  }
  return [];
}

function throwIfAny(kind: ResourceKind, meta: InputMeta | undefined, errs: FieldError[]): void {
  if (errs.length > 0) throw new ValidationError(kind, meta?.namespace, meta?.name ?? meta?.generateName ?? '', errs);
}

// ---------------------------------------------------------------------------- Namespace

/** `ValidateNamespace`: a DNS-1123 label name, no namespace, valid finalizers. */
export function namespaceErrors(ns: Namespace): FieldError[] {
  const errs = objectMetaErrors(ns.metadata, false, nameIsDNSLabel);
  errs.push(...finalizerErrors(ns.spec?.finalizers, 'spec.finalizers'));
  return errs;
}

export function namespaceUpdateErrors(next: Namespace, prev: Namespace): FieldError[] {
  return [...objectMetaUpdateErrors(next.metadata, prev.metadata), ...namespaceErrors(next)];
}

export function validateNamespace(ns: Namespace | NamespaceInput): void {
  const d = defaultNamespace(ns);
  throwIfAny('Namespace', d.metadata, namespaceErrors(d));
}

// ---------------------------------------------------------------------------- Service

/** Go's `%#v` of the `core.ServicePort{Protocol, Port}` key the duplicate check reports. */
function servicePortKeyLiteral(protocol: string | undefined, port: number): GoLiteral {
  return new GoLiteral(
    `core.ServicePort{Name:"", Protocol:${goQuote(protocol ?? '')}, AppProtocol:(*string)(nil), Port:${port}, ` +
      `TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
  );
}

function targetPortErrors(target: unknown, path: string): FieldError[] {
  if (typeof target === 'number') return isValidPortNum(target).map((msg) => fe.invalid(path, target, msg));
  if (typeof target === 'string') return isValidPortName(target).map((msg) => fe.invalid(path, target, msg));
  return [fe.invalid(path, target ?? null, `unknown type: ${typeof target}`)];
}

function servicePortErrors(sp: ServicePort, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = sp.name ?? '';
  if (requireName && name.length === 0) {
    errs.push(fe.required(child(path, 'name')));
  } else if (name.length > 0) {
    // Service port names are DNS-1123 labels (IANA_SVC_NAME is for container ports).
    errs.push(...dns1123LabelErrors(name, child(path, 'name')));
    if (names.has(name)) errs.push(fe.duplicate(child(path, 'name'), name));
    else names.add(name);
  }
  for (const msg of isValidPortNum(sp.port)) errs.push(fe.invalid(child(path, 'port'), sp.port ?? null, msg));
  if (!sp.protocol) errs.push(fe.required(child(path, 'protocol')));
  else if (!has(SUPPORTED_PROTOCOLS, sp.protocol)) errs.push(fe.notSupported(child(path, 'protocol'), sp.protocol, SUPPORTED_PROTOCOLS));
  errs.push(...targetPortErrors(sp.targetPort, child(path, 'targetPort')));
  if (sp.appProtocol !== undefined) errs.push(...qualifiedNameErrors(sp.appProtocol, child(path, 'appProtocol')));
  return errs;
}

/**
 * `ValidateServiceClusterIPsRelatedFields`: `clusterIP` and `clusterIPs` agree, at most two
 * valid IPs of different families (or `None` alone), supported and distinct families and
 * policy, each IP of the family `ipFamilies` gives it. The Service registry runs it before
 * initialising the IP family fields, and validation again.
 */
export function serviceClusterIPsErrors(svc: Service): FieldError[] {
  const spec = svc.spec;
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ipsPath = 'spec.clusterIPs';
  const ips = spec.clusterIPs ?? [];
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(fe.required(ipsPath));
    else if (ips[0] !== spec.clusterIP) errs.push(fe.invalid(ipsPath, goStrings(spec.clusterIPs), 'first value must match `clusterIP`'));
  } else if (ips.length > 0) {
    errs.push(fe.invalid(ipsPath, goStrings(spec.clusterIPs), 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((family, i) => {
    if (!has(SUPPORTED_IP_FAMILIES, family)) errs.push(fe.notSupported(index('spec.ipFamilies', i), family, SUPPORTED_IP_FAMILIES));
    if (seen.has(family)) errs.push(fe.duplicate(index('spec.ipFamilies', i), family));
    seen.add(family);
  });
  if (spec.ipFamilyPolicy !== undefined && !has(SUPPORTED_IP_FAMILY_POLICIES, spec.ipFamilyPolicy)) {
    errs.push(fe.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, SUPPORTED_IP_FAMILY_POLICIES));
  }
  let invalidIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === CLUSTER_IP_NONE) {
      if (ips.length > 1) {
        invalidIPs = true;
        errs.push(fe.invalid(ipsPath, goStrings(ips), "'None' must be the first and only value"));
      }
      return;
    }
    const e = ipErrors(ip, index(ipsPath, i));
    if (e.length > 0) invalidIPs = true;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(fe.invalid(ipsPath, goStrings(ips), 'may only hold up to 2 values'));
  if (invalidIPs) return errs;
  if (ips.length > 1) {
    const families = new Set(ips.map((ip) => ipFamilyOf(ip)));
    if (families.size !== ips.length) errs.push(fe.invalid(ipsPath, goStrings(ips), 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadlessService(svc) && ips.length > 0 && (spec.ipFamilies?.length ?? 0) > 0) {
    const families = spec.ipFamilies ?? [];
    ips.forEach((ip, i) => {
      if (i >= families.length) return;
      if (families[i] === 'IPv4' && isIPv6(ip)) {
        errs.push(fe.invalid(index(ipsPath, i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      }
      if (families[i] === 'IPv6' && !isIPv6(ip)) {
        errs.push(fe.invalid(index(ipsPath, i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
      }
    });
  }
  return errs;
}

function sessionAffinityErrors(svc: Service): FieldError[] {
  const spec = svc.spec;
  const errs: FieldError[] = [];
  if (!spec.sessionAffinity) errs.push(fe.required('spec.sessionAffinity'));
  else if (!has(SUPPORTED_SESSION_AFFINITIES, spec.sessionAffinity)) {
    errs.push(fe.notSupported('spec.sessionAffinity', spec.sessionAffinity, SUPPORTED_SESSION_AFFINITIES));
  }
  const configPath = 'spec.sessionAffinityConfig';
  if (spec.sessionAffinity === 'ClientIP') {
    const when = 'when session affinity type is ClientIP';
    const config = spec.sessionAffinityConfig;
    if (config === undefined) return [...errs, fe.required(configPath, when)];
    if (config.clientIP === undefined) return [...errs, fe.required(child(configPath, 'clientIP'), when)];
    const timeout = config.clientIP.timeoutSeconds;
    const timeoutPath = child(configPath, 'clientIP.timeoutSeconds');
    if (timeout === undefined) return [...errs, fe.required(timeoutPath, when)];
    if (!Number.isInteger(timeout) || timeout <= 0 || timeout > MAX_CLIENT_IP_TIMEOUT_SECONDS) {
      errs.push(fe.invalid(timeoutPath, timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_TIMEOUT_SECONDS}`));
    }
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig !== undefined) {
    errs.push(fe.forbidden(configPath, 'must not be set when session affinity is None'));
  }
  return errs;
}

function trafficPolicyErrors(svc: Service): FieldError[] {
  const spec = svc.spec;
  const errs: FieldError[] = [];
  if (!isExternallyAccessible(svc)) {
    if (spec.externalTrafficPolicy) {
      errs.push(fe.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    }
  } else if (!spec.externalTrafficPolicy) {
    errs.push(fe.required('spec.externalTrafficPolicy'));
  } else if (!has(SUPPORTED_TRAFFIC_POLICIES, spec.externalTrafficPolicy)) {
    errs.push(fe.notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, SUPPORTED_TRAFFIC_POLICIES));
  }
  if (!needsHealthCheck(svc)) {
    if (spec.healthCheckNodePort) {
      errs.push(
        fe.invalid(
          'spec.healthCheckNodePort',
          spec.healthCheckNodePort,
          "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
      );
    }
  } else if (spec.healthCheckNodePort) {
    for (const msg of isValidPortNum(spec.healthCheckNodePort)) errs.push(fe.invalid('spec.healthCheckNodePort', spec.healthCheckNodePort, msg));
  }
  if (spec.internalTrafficPolicy === undefined) {
    if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') errs.push(fe.required('spec.internalTrafficPolicy'));
  } else if (!has(SUPPORTED_TRAFFIC_POLICIES, spec.internalTrafficPolicy)) {
    errs.push(fe.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, SUPPORTED_TRAFFIC_POLICIES));
  }
  if (spec.trafficDistribution !== undefined && !has(SUPPORTED_TRAFFIC_DISTRIBUTIONS, spec.trafficDistribution)) {
    errs.push(fe.notSupported('spec.trafficDistribution', spec.trafficDistribution, SUPPORTED_TRAFFIC_DISTRIBUTIONS));
  }
  return errs;
}

/** `ValidateLoadBalancerStatus`: the stored status must make sense for the spec. */
function serviceStatusErrors(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  const path = 'status.loadBalancer.ingress';
  if (ingress.length > 0 && svc.spec.type !== 'LoadBalancer') {
    errs.push(fe.forbidden(path, "may only be used when `spec.type` is 'LoadBalancer'"));
  }
  ingress.forEach((ing, i) => {
    const p = index(path, i);
    if (ing.ip) errs.push(...(isIP(ing.ip) ? [] : [fe.invalid(child(p, 'ip'), ing.ip, 'must be a valid IP address')]));
    if (ing.ipMode !== undefined) {
      if (!ing.ip) errs.push(fe.forbidden(child(p, 'ipMode'), 'may not be specified when `ip` is not set'));
      else if (!has(SUPPORTED_LOAD_BALANCER_IP_MODES, ing.ipMode)) {
        errs.push(fe.notSupported(child(p, 'ipMode'), ing.ipMode, SUPPORTED_LOAD_BALANCER_IP_MODES));
      }
    }
    if (ing.hostname) {
      for (const msg of isDNS1123Subdomain(ing.hostname)) errs.push(fe.invalid(child(p, 'hostname'), ing.hostname, msg));
      if (isIP(ing.hostname)) errs.push(fe.invalid(child(p, 'hostname'), ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/**
 * `ValidateService` (plus the load-balancer status, which the SDK stores with the spec)
 * on a defaulted Service.
 */
export function serviceErrors(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const s: Service = spec === svc.spec ? svc : { ...svc, spec };
  const errs = objectMetaErrors(s.metadata, true, nameIsDNS1035Label);
  const headless = isHeadlessService(s);
  const ports = spec.ports ?? [];

  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(fe.required('spec.ports'));
  switch (spec.type) {
    case 'LoadBalancer':
      if (headless) errs.push(fe.invalid('spec.clusterIPs[0]', CLUSTER_IP_NONE, "may not be set to 'None' for LoadBalancer services"));
      break;
    case 'NodePort':
      if (headless) errs.push(fe.invalid('spec.clusterIPs[0]', CLUSTER_IP_NONE, "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if ((spec.clusterIPs?.length ?? 0) > 0) errs.push(fe.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if ((spec.ipFamilies?.length ?? 0) > 0) errs.push(fe.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined) errs.push(fe.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      // The value is a CNAME target and may be fully qualified with a trailing dot.
      const cname = (spec.externalName ?? '').replace(/\.$/, '');
      if (cname.length > 0) errs.push(...dns1123SubdomainErrors(cname, 'spec.externalName'));
      else errs.push(fe.required('spec.externalName'));
      break;
    }
  }

  const names = new Set<string>();
  ports.forEach((sp, i) => errs.push(...servicePortErrors(sp, ports.length > 1, names, index('spec.ports', i))));

  if (spec.selector !== undefined) errs.push(...labelErrors(spec.selector, 'spec.selector'));
  errs.push(...sessionAffinityErrors(s));
  errs.push(...serviceClusterIPsErrors(s));

  (spec.externalIPs ?? []).forEach((ip, i) => {
    const p = index('spec.externalIPs', i);
    const e = ipErrors(ip, p);
    errs.push(...(e.length > 0 ? e : nonSpecialIPErrors(ip, p)));
  });

  if (!spec.type) errs.push(fe.required('spec.type'));
  else if (!has(SUPPORTED_SERVICE_TYPES, spec.type)) errs.push(fe.notSupported('spec.type', spec.type, SUPPORTED_SERVICE_TYPES));

  if (spec.type === 'ClusterIP') {
    ports.forEach((sp, i) => {
      if (sp.nodePort) errs.push(fe.forbidden(index('spec.ports', i) + '.nodePort', "may not be used when `type` is 'ClusterIP'"));
    });
  }
  if (spec.type === 'ExternalName') {
    // The API server tolerates these; the SDK has no node ports to give an ExternalName.
    ports.forEach((sp, i) => {
      if (sp.nodePort) errs.push(fe.forbidden(index('spec.ports', i) + '.nodePort', "may not be used when `type` is 'ExternalName'"));
    });
  }

  // Node ports are unique per (protocol, nodePort); a TCP and a UDP port may share one.
  const nodePorts = new Set<string>();
  ports.forEach((sp, i) => {
    if (!sp.nodePort) return;
    const k = `${sp.protocol}/${sp.nodePort}`;
    if (nodePorts.has(k)) errs.push(fe.duplicate(index('spec.ports', i) + '.nodePort', sp.nodePort));
    nodePorts.add(k);
  });
  // Ports are unique per (protocol, port).
  const portKeys = new Set<string>();
  ports.forEach((sp, i) => {
    const k = `${sp.protocol}/${sp.port}`;
    if (portKeys.has(k)) errs.push(fe.duplicate(index('spec.ports', i), servicePortKeyLiteral(sp.protocol, sp.port)));
    portKeys.add(k);
  });

  if ((spec.loadBalancerSourceRanges?.length ?? 0) > 0) {
    // The capitalised path is Kubernetes' own, kept for identical messages.
    const path = 'spec.LoadBalancerSourceRanges';
    if (spec.type !== 'LoadBalancer') errs.push(fe.forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    spec.loadBalancerSourceRanges!.forEach((v, i) => errs.push(...cidrErrors(v.trim(), index(path, i))));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.type !== 'LoadBalancer') {
    errs.push(fe.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) {
    // Kubernetes reports this one without the `spec.` prefix.
    errs.push(fe.required('allocateLoadBalancerNodePorts'));
  }
  if (spec.loadBalancerClass !== undefined) {
    if (spec.type === 'LoadBalancer') errs.push(...qualifiedNameErrors(spec.loadBalancerClass, 'spec.loadBalancerClass'));
    else errs.push(fe.forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  errs.push(...trafficPolicyErrors(s));
  errs.push(...serviceStatusErrors(s));
  return errs;
}

/**
 * `validateUpgradeDowngradeClusterIPs`: the cluster IPs may not change, except that a
 * secondary may be added, or dropped with `ipFamilyPolicy: SingleStack`; the primary may
 * never be unset. Not checked to, from or between ExternalName, nor between headless.
 */
function clusterIPsUpdateErrors(next: Service, prev: Service): FieldError[] {
  if (next.spec.type === 'ExternalName' || prev.spec.type === 'ExternalName') return [];
  if (isHeadlessService(next) && isHeadlessService(prev)) return [];
  const errs: FieldError[] = [];
  const oldIPs = prev.spec.clusterIPs ?? [];
  const newIPs = next.spec.clusterIPs ?? [];
  const value = goStrings(next.spec.clusterIPs);
  if (oldIPs.length === newIPs.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== newIPs[i]) errs.push(fe.invalid(index('spec.clusterIPs', i), value, 'may not change once set'));
    });
  } else if (oldIPs.length > newIPs.length) {
    if (newIPs.length === 0) errs.push(fe.invalid('spec.clusterIPs[0]', value, 'primary clusterIP can not be unset'));
    else if (newIPs[0] !== oldIPs[0]) errs.push(fe.invalid('spec.clusterIPs[0]', value, 'may not change once set'));
    if (newIPs.length === 1 && next.spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(fe.invalid('spec.ipFamilyPolicy', next.spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    errs.push(fe.invalid('spec.clusterIPs[0]', value, 'may not change once set'));
  }
  return errs;
}

/**
 * `validateUpgradeDowngradeIPFamilies`: the same for `ipFamilies`, except that headless
 * Services, and Services turning headless or back, may change them. The values printed
 * are upstream's (some of these errors print the cluster IPs).
 */
function ipFamiliesUpdateErrors(next: Service, prev: Service): FieldError[] {
  if (next.spec.type === 'ExternalName' || prev.spec.type === 'ExternalName') return [];
  if (isHeadlessService(next) || isHeadlessService(prev)) return [];
  const errs: FieldError[] = [];
  const oldF = prev.spec.ipFamilies ?? [];
  const newF = next.spec.ipFamilies ?? [];
  const ipsValue = goStrings(next.spec.clusterIPs);
  if (oldF.length === newF.length) {
    oldF.forEach((family, i) => {
      if (family !== newF[i]) errs.push(fe.invalid('spec.ipFamilies[0]', goIPFamilies(next.spec.ipFamilies), 'may not change once set'));
    });
  } else if (oldF.length > newF.length) {
    if ((next.spec.clusterIPs?.length ?? 0) === 0) errs.push(fe.invalid('spec.ipFamilies[0]', goIPFamilies(next.spec.ipFamilies), 'primary ipFamily can not be unset'));
    if (newF.length > 0 && newF[0] !== oldF[0]) errs.push(fe.invalid('spec.ipFamilies[0]', ipsValue, 'may not change once set'));
    if (newF.length === 1 && next.spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(fe.invalid('spec.ipFamilyPolicy', next.spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (oldF.length > 0 && newF.length > 0 && newF[0] !== oldF[0]) {
    errs.push(fe.invalid('spec.ipFamilies[0]', ipsValue, 'may not change once set'));
  }
  return errs;
}

/**
 * `ValidateServiceUpdate`: identity fixed; cluster IPs and IP families may gain or lose a
 * secondary (an upgrade to or downgrade from dual-stack) but not change otherwise, except
 * to and from ExternalName; the load balancer class and the health check node port are
 * fixed for the life of the Service; then `ValidateService`.
 */
export function serviceUpdateErrors(next: Service, prev: Service): FieldError[] {
  const errs = objectMetaUpdateErrors(next.metadata, prev.metadata);
  errs.push(...clusterIPsUpdateErrors(next, prev));
  errs.push(...ipFamiliesUpdateErrors(next, prev));
  if (prev.spec.type === 'LoadBalancer' && next.spec.type === 'LoadBalancer' && prev.spec.loadBalancerClass !== next.spec.loadBalancerClass) {
    errs.push(fe.invalid('spec.loadBalancerClass', next.spec.loadBalancerClass ?? null, 'may not change once set'));
  }
  if (needsHealthCheck(prev) && needsHealthCheck(next) && (prev.spec.healthCheckNodePort ?? 0) !== (next.spec.healthCheckNodePort ?? 0)) {
    errs.push(fe.forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  errs.push(...serviceErrors(next));
  return errs;
}

/**
 * Validates a Service as the API server would accept it on create: defaults are applied to
 * a copy, then every rule runs. Throws one `ValidationError` listing all field errors.
 */
export function validateService(svc: Service | ServiceInput, options?: ServiceDefaultsOptions): void {
  const d = defaultService(svc, options);
  throwIfAny('Service', d.metadata, serviceErrors(d));
}

// ---------------------------------------------------------------------------- EndpointSlice

function endpointErrors(eps: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const endpoints = eps.endpoints ?? [];
  if (endpoints.length > MAX_ENDPOINTS_PER_SLICE) return [fe.tooMany('endpoints', endpoints.length, MAX_ENDPOINTS_PER_SLICE)];
  endpoints.forEach((ep, i) => {
    const path = index('endpoints', i);
    const addrPath = child(path, 'addresses');
    const addresses = ep.addresses ?? [];
    if (addresses.length === 0) errs.push(fe.required(addrPath, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES_PER_ENDPOINT) errs.push(fe.tooMany(addrPath, addresses.length, MAX_ADDRESSES_PER_ENDPOINT));
    addresses.forEach((address, j) => {
      const p = index(addrPath, j);
      switch (eps.addressType) {
        case 'IPv4':
          if (!isIPv4(address)) errs.push(fe.invalid(p, address, 'must be a valid IPv4 address'));
          else errs.push(...nonSpecialIPErrors(address, p));
          break;
        case 'IPv6':
          if (!isIPv6(address)) errs.push(fe.invalid(p, address, 'must be a valid IPv6 address'));
          else errs.push(...nonSpecialIPErrors(address, p));
          break;
        case 'FQDN':
          errs.push(...fqdnErrors(address, p));
          break;
      }
    });
    if (ep.nodeName !== undefined) {
      for (const msg of nameIsDNSSubdomain(ep.nodeName)) errs.push(fe.invalid(child(path, 'nodeName'), ep.nodeName, msg));
    }
    const topology = ep.deprecatedTopology ?? {};
    const topologyPath = child(path, 'deprecatedTopology');
    if (Object.keys(topology).length > MAX_TOPOLOGY_LABELS) {
      errs.push(fe.tooMany(topologyPath, Object.keys(topology).length, MAX_TOPOLOGY_LABELS));
    }
    errs.push(...labelErrors(topology, topologyPath));
    if (ep.hostname !== undefined) errs.push(...dns1123LabelErrors(ep.hostname, child(path, 'hostname')));
    if (ep.hints !== undefined) errs.push(...hintErrors(ep.hints, child(path, 'hints')));
  });
  return errs;
}

function hintErrors(hints: NonNullable<EndpointSlice['endpoints'][number]['hints']>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const zones = hints.forZones ?? [];
  const zonesPath = child(path, 'forZones');
  if (zones.length > MAX_ZONE_HINTS) {
    errs.push(fe.tooMany(zonesPath, zones.length, MAX_ZONE_HINTS));
  } else {
    const seen = new Set<string>();
    zones.forEach((z, i) => {
      const p = child(index(zonesPath, i), 'name');
      if (seen.has(z.name)) errs.push(fe.duplicate(p, z.name));
      seen.add(z.name);
      for (const msg of isValidLabelValue(z.name)) errs.push(fe.invalid(p, z.name, msg));
    });
  }
  const nodes = hints.forNodes ?? [];
  const nodesPath = child(path, 'forNodes');
  if (nodes.length > MAX_NODE_HINTS) {
    errs.push(fe.tooMany(nodesPath, nodes.length, MAX_NODE_HINTS));
  } else {
    const seen = new Set<string>();
    nodes.forEach((n, i) => {
      const p = child(index(nodesPath, i), 'name');
      if (seen.has(n.name)) errs.push(fe.duplicate(p, n.name));
      seen.add(n.name);
      for (const msg of nameIsDNSSubdomain(n.name)) errs.push(fe.invalid(p, n.name, msg));
    });
  }
  return errs;
}

function endpointPortErrors(eps: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const ports = eps.ports ?? [];
  if (ports.length > MAX_PORTS_PER_SLICE) return [fe.tooMany('ports', ports.length, MAX_PORTS_PER_SLICE)];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const path = index('ports', i);
    const name = port.name ?? '';
    if (name.length > 0) errs.push(...dns1123LabelErrors(name, child(path, 'name')));
    if (names.has(name)) errs.push(fe.duplicate(child(path, 'name'), name));
    else names.add(name);
    if (!port.protocol) errs.push(fe.required(child(path, 'protocol')));
    else if (!has(SUPPORTED_PROTOCOLS, port.protocol)) errs.push(fe.notSupported(child(path, 'protocol'), port.protocol, SUPPORTED_PROTOCOLS));
    // Not checked by Kubernetes; a data plane cannot route to port 0 or 70000.
    if (port.port !== undefined) for (const msg of isValidPortNum(port.port)) errs.push(fe.invalid(child(path, 'port'), port.port, msg));
    if (port.appProtocol !== undefined) errs.push(...qualifiedNameErrors(port.appProtocol, child(path, 'appProtocol')));
  });
  return errs;
}

/**
 * `ValidateEndpointSlice` on a defaulted slice: a DNS-1123 subdomain name, a supported
 * addressType, addresses valid for that type (not unspecified, loopback or link-local),
 * at most 1000 endpoints of at most 100 addresses, DNS-1123 label port names, unique.
 * The `kubernetes.io/service-name` label is optional.
 */
export function endpointSliceErrors(eps: EndpointSlice): FieldError[] {
  const errs = objectMetaErrors(eps.metadata, true, nameIsDNSSubdomain);
  if (!eps.addressType) errs.push(fe.required('addressType'));
  else if (!has(SUPPORTED_ADDRESS_TYPES, eps.addressType)) errs.push(fe.notSupported('addressType', eps.addressType, SUPPORTED_ADDRESS_TYPES));
  errs.push(...endpointErrors(eps));
  errs.push(...endpointPortErrors(eps));
  return errs;
}

/** `ValidateEndpointSliceUpdate`: addressType is immutable. */
export function endpointSliceUpdateErrors(next: EndpointSlice, prev: EndpointSlice): FieldError[] {
  const errs = objectMetaUpdateErrors(next.metadata, prev.metadata);
  errs.push(...endpointSliceErrors(next));
  if (next.addressType !== prev.addressType) errs.push(fe.immutable('addressType', next.addressType));
  return errs;
}

export function validateEndpointSlice(eps: EndpointSlice | EndpointSliceInput): void {
  const d = defaultEndpointSlice(eps);
  throwIfAny('EndpointSlice', d.metadata, endpointSliceErrors(d));
}

// ---------------------------------------------------------------------------- v1 Endpoints

/**
 * `validateEndpointAddress`: `IsValidIP`, then `ValidateNonSpecialIP`, which repeats the
 * invalid-IP error in its own words (an invalid IP reports both lines, as the 1.32 API
 * server does); a DNS-1123 label hostname; a DNS subdomain nodeName.
 */
function endpointAddressErrors(address: EndpointAddress, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ip = typeof address?.ip === 'string' ? address.ip : '';
  const ipPath = child(path, 'ip');
  const valid = isIP(ip);
  if (!valid) errs.push(fe.invalid(ipPath, ip, IP_EXAMPLE));
  if (address?.hostname) errs.push(...dns1123LabelErrors(address.hostname, child(path, 'hostname')));
  if (address?.nodeName !== undefined) {
    for (const msg of nameIsDNSSubdomain(address.nodeName)) errs.push(fe.invalid(child(path, 'nodeName'), address.nodeName, msg));
  }
  errs.push(...(valid ? nonSpecialIPErrors(ip, ipPath) : [fe.invalid(ipPath, ip, 'must be a valid IP address')]));
  return errs;
}

/**
 * `ValidateEndpoints` on a defaulted object (core validation): a DNS subdomain name; each
 * subset with at least one address (ready or not), valid addresses, and ports that are
 * named (DNS-1123 labels) when there are several, numbered 1–65535, TCP, UDP or SCTP,
 * with a qualified-name appProtocol. One addition: port names must be unique within a
 * subset (Kubernetes does not check it, but the mirrored EndpointSlice would be invalid).
 */
export function endpointsErrors(ep: Endpoints): FieldError[] {
  const errs = objectMetaErrors(ep.metadata, true, nameIsDNSSubdomain);
  const subsets = Array.isArray(ep.subsets) ? ep.subsets : [];
  subsets.forEach((subset, i) => {
    const path = index('subsets', i);
    const addresses = subset?.addresses ?? [];
    const notReady = subset?.notReadyAddresses ?? [];
    if (addresses.length === 0 && notReady.length === 0) {
      errs.push(fe.required(path, 'must specify `addresses` or `notReadyAddresses`'));
    }
    addresses.forEach((a, j) => errs.push(...endpointAddressErrors(a, index(child(path, 'addresses'), j))));
    notReady.forEach((a, j) => errs.push(...endpointAddressErrors(a, index(child(path, 'notReadyAddresses'), j))));
    const ports = subset?.ports ?? [];
    const names = new Set<string>();
    ports.forEach((port, k) => {
      const p = index(child(path, 'ports'), k);
      const name = port?.name ?? '';
      if (ports.length > 1 && name.length === 0) errs.push(fe.required(child(p, 'name')));
      else if (name.length > 0) errs.push(...dns1123LabelErrors(name, child(p, 'name')));
      if (name.length > 0 && names.has(name)) errs.push(fe.duplicate(child(p, 'name'), name));
      names.add(name);
      const number = port?.port ?? 0;
      for (const msg of isValidPortNum(number)) errs.push(fe.invalid(child(p, 'port'), number, msg));
      if (!port?.protocol) errs.push(fe.required(child(p, 'protocol')));
      else if (!has(SUPPORTED_PROTOCOLS, port.protocol)) errs.push(fe.notSupported(child(p, 'protocol'), port.protocol, SUPPORTED_PROTOCOLS));
      if (port?.appProtocol !== undefined) errs.push(...qualifiedNameErrors(port.appProtocol, child(p, 'appProtocol')));
    });
  });
  return errs;
}

/** `ValidateEndpointsUpdate`: identity fields fixed, then `endpointsErrors`. */
export function endpointsUpdateErrors(next: Endpoints, prev: Endpoints): FieldError[] {
  return [...objectMetaUpdateErrors(next.metadata, prev.metadata), ...endpointsErrors(next)];
}

export function validateEndpoints(ep: Endpoints | EndpointsInput): void {
  const d = defaultEndpoints(ep);
  throwIfAny('Endpoints', d.metadata, endpointsErrors(d));
}

// ---------------------------------------------------------------------------- ServiceCIDR

/** `ValidateServiceCIDR`: a DNS subdomain name; one CIDR, or two of different families. */
export function serviceCIDRErrors(cidr: ServiceCIDR): FieldError[] {
  const errs = objectMetaErrors(cidr.metadata, false, nameIsDNSSubdomain);
  const path = 'spec.cidrs';
  const cidrs = cidr.spec?.cidrs ?? [];
  const specLiteral = (): GoLiteral => new GoLiteral(`networking.ServiceCIDRSpec{CIDRs:${goStrings(cidr.spec?.cidrs).text}}`);
  if (cidrs.length === 0) return [...errs, fe.required(path, 'at least one CIDR required')];
  if (cidrs.length > 2) return [...errs, fe.invalid(path, specLiteral(), 'may only hold up to 2 values')];
  cidrs.forEach((c, i) => errs.push(...cidrErrors(c, index(path, i))));
  if (cidrs.length === 2 && isCIDR(cidrs[0]) && isCIDR(cidrs[1])) {
    const f0 = cidrs[0].includes(':');
    const f1 = cidrs[1].includes(':');
    if (f0 === f1) errs.push(fe.invalid(path, specLiteral(), 'may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64'));
  }
  return errs;
}

/** `ValidateServiceCIDRUpdate`: the CIDRs are immutable. */
export function serviceCIDRUpdateErrors(next: ServiceCIDR, prev: ServiceCIDR): FieldError[] {
  const errs = objectMetaUpdateErrors(next.metadata, prev.metadata);
  const a = next.spec?.cidrs ?? [];
  const b = prev.spec?.cidrs ?? [];
  if (a.length !== b.length || a.some((v, i) => v !== b[i])) errs.push(fe.immutable('spec.cidrs', goStrings(a)));
  errs.push(...serviceCIDRErrors(next));
  return errs;
}

export function validateServiceCIDR(cidr: ServiceCIDR | ServiceCIDRInput): void {
  const d = deepCopy(cidr) as ServiceCIDR;
  d.metadata ??= {} as ServiceCIDR['metadata'];
  throwIfAny('ServiceCIDR', d.metadata, serviceCIDRErrors(d));
}

// ---------------------------------------------------------------------------- Pod

export function containerErrors(pod: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const containers = pod.spec?.containers ?? [];
  if (containers.length === 0) return [fe.required('spec.containers')];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const path = index('spec.containers', i);
    const name = c.name ?? '';
    if (name.length === 0) errs.push(fe.required(child(path, 'name')));
    else {
      errs.push(...dns1123LabelErrors(name, child(path, 'name')));
      if (names.has(name)) errs.push(fe.duplicate(child(path, 'name'), name));
      names.add(name);
    }
    // validateContainerPorts: names are unique within a container.
    const portNames = new Set<string>();
    (c.ports ?? []).forEach((port, j) => {
      const p = index(child(path, 'ports'), j);
      if (port.name !== undefined && port.name !== '') {
        for (const msg of isValidPortName(port.name)) errs.push(fe.invalid(child(p, 'name'), port.name, msg));
        if (portNames.has(port.name)) errs.push(fe.duplicate(child(p, 'name'), port.name));
        portNames.add(port.name);
      }
      if (port.containerPort === 0 || port.containerPort === undefined) errs.push(fe.required(child(p, 'containerPort')));
      else for (const msg of isValidPortNum(port.containerPort)) errs.push(fe.invalid(child(p, 'containerPort'), port.containerPort, msg));
      if (port.hostPort !== undefined && port.hostPort !== 0) {
        for (const msg of isValidPortNum(port.hostPort)) errs.push(fe.invalid(child(p, 'hostPort'), port.hostPort, msg));
      }
      if (!port.protocol) errs.push(fe.required(child(p, 'protocol')));
      else if (!has(SUPPORTED_PROTOCOLS, port.protocol)) errs.push(fe.notSupported(child(p, 'protocol'), port.protocol, SUPPORTED_PROTOCOLS));
      if (port.hostIP !== undefined && port.hostIP !== '') errs.push(...ipErrors(port.hostIP, child(p, 'hostIP')));
    });
  });
  return errs;
}

function podStatusErrors(pod: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const status = pod.status ?? {};
  if (status.phase !== undefined && !has(SUPPORTED_POD_PHASES, status.phase)) {
    errs.push(fe.notSupported('status.phase', status.phase, SUPPORTED_POD_PHASES));
  }
  if (status.hostIP !== undefined && status.hostIP !== '') errs.push(...ipErrors(status.hostIP, 'status.hostIP'));
  // validatePodIPs: valid IPs, at most one per family, no duplicates.
  const podIPs = status.podIPs ?? [];
  podIPs.forEach((podIP, i) => errs.push(...ipErrors(podIP?.ip ?? '', index('status.podIPs', i))));
  if (podIPs.length > 1) {
    const families = podIPs.map((p) => ipFamilyOf(p?.ip ?? ''));
    const dualStack = podIPs.length === 2 && families[0] !== undefined && families[1] !== undefined && families[0] !== families[1];
    if (!dualStack) {
      errs.push(fe.invalid('status.podIPs', new GoLiteral(`[]core.PodIP{${podIPs.map((p) => `core.PodIP{IP:${goQuote(p?.ip ?? '')}}`).join(', ')}}`), 'may specify no more than one IP for each IP family'));
    }
    const seen = new Set<string>();
    podIPs.forEach((p, i) => {
      if (seen.has(p.ip)) errs.push(fe.duplicate(index('status.podIPs', i), new GoLiteral(`core.PodIP{IP:${goQuote(p.ip)}}`)));
      seen.add(p.ip);
    });
  }
  (status.conditions ?? []).forEach((c, i) => {
    const p = index('status.conditions', i);
    if (!c.type) errs.push(fe.required(child(p, 'type')));
    if (!has(SUPPORTED_CONDITION_STATUSES, c.status)) errs.push(fe.notSupported(child(p, 'status'), c.status ?? '', SUPPORTED_CONDITION_STATUSES));
  });
  return errs;
}

/**
 * `ValidatePodCreate`, restricted to the fields svcnet models: a DNS-1123 subdomain name,
 * containers with unique DNS-1123 label names and valid ports, DNS-1123 label `hostname`
 * and `subdomain`, a DNS subdomain `nodeName`; and the status rules of
 * `ValidatePodStatusUpdate` (the store has no status subresource): a known phase, valid
 * and dual-stack-only `podIPs`, condition statuses True/False/Unknown.
 */
export function podErrors(pod: Pod): FieldError[] {
  const errs = objectMetaErrors(pod.metadata, true, nameIsDNSSubdomain);
  const spec = pod.spec ?? { containers: [] };
  errs.push(...containerErrors(pod));
  if (spec.nodeName) for (const msg of nameIsDNSSubdomain(spec.nodeName)) errs.push(fe.invalid('spec.nodeName', spec.nodeName, msg));
  if (spec.hostname) errs.push(...dns1123LabelErrors(spec.hostname, 'spec.hostname'));
  if (spec.subdomain) errs.push(...dns1123LabelErrors(spec.subdomain, 'spec.subdomain'));
  errs.push(...podStatusErrors(pod));
  return errs;
}

/** The spec fields an update may change: container images, and `nodeName` while unset (binding). */
const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image` and `spec.nodeName` (only to bind an unscheduled pod)';

/** `ValidatePodUpdate`: identity and the spec are fixed, except images and binding; then `podErrors`. */
export function podUpdateErrors(next: Pod, prev: Pod): FieldError[] {
  const errs = objectMetaUpdateErrors(next.metadata, prev.metadata);
  const a = deepCopy(next.spec ?? { containers: [] });
  const b = deepCopy(prev.spec ?? { containers: [] });
  if (!b.nodeName) delete a.nodeName;
  (a.containers ?? []).forEach((c, i) => {
    const old = b.containers?.[i];
    if (old !== undefined) c.image = old.image;
  });
  if (!deepEqual(a, b)) errs.push(fe.forbidden('spec', POD_UPDATE_FORBIDDEN));
  errs.push(...podErrors(next));
  return errs;
}

export function validatePod(pod: Pod | PodInput): void {
  const d = defaultPod(pod);
  throwIfAny('Pod', d.metadata, podErrors(d));
}
