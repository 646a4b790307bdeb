/**
 * Predicates over a Service's spec, shared by validation, defaulting and allocation so each
 * rule lives in one place. Sources: `k8s.io/kubernetes/pkg/api/service/util.go` and
 * `pkg/registry/core/service/storage/alloc.go`.
 */

import { CLUSTER_IP_NONE } from './types.js';
import type { Service, ServiceSpec } from './types.js';

type WithSpec = { spec?: ServiceSpec } | Service;

function specOf(svc: WithSpec): ServiceSpec {
  return svc.spec ?? {};
}

/** Headless: `clusterIPs` is exactly `["None"]` (Kubernetes reads the plural field). */
export function isHeadlessService(svc: WithSpec): boolean {
  const ips = specOf(svc).clusterIPs;
  return ips !== undefined && ips.length === 1 && ips[0] === CLUSTER_IP_NONE;
}

/** Gets a virtual IP from the service CIDRs: not ExternalName and not headless. */
export function allocatesClusterIP(svc: WithSpec): boolean {
  return specOf(svc).type !== 'ExternalName' && !isHeadlessService(svc);
}

/**
 * Reachable from outside the cluster: NodePort, LoadBalancer, or ClusterIP with external
 * IPs. These take an `externalTrafficPolicy`.
 */
export function isExternallyAccessible(svc: WithSpec): boolean {
  const spec = specOf(svc);
  return (
    spec.type === 'LoadBalancer' ||
    spec.type === 'NodePort' ||
    (spec.type === 'ClusterIP' && (spec.externalIPs?.length ?? 0) > 0)
  );
}

/** A LoadBalancer with `externalTrafficPolicy: Local` gets a `healthCheckNodePort`. */
export function needsHealthCheck(svc: WithSpec): boolean {
  const spec = specOf(svc);
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

/**
 * Whether ports without a `nodePort` get one allocated: NodePort always, LoadBalancer
 * unless `allocateLoadBalancerNodePorts` is false. Explicit requests are honoured either way.
 */
export function allocatesNodePorts(svc: WithSpec): boolean {
  const spec = specOf(svc);
  if (spec.type === 'NodePort') return true;
  if (spec.type === 'LoadBalancer') return spec.allocateLoadBalancerNodePorts !== false;
  return false;
}

/** Types that may carry node ports at all. */
export function mayHaveNodePorts(svc: WithSpec): boolean {
  const t = specOf(svc).type;
  return t === 'NodePort' || t === 'LoadBalancer';
}

/** The distinct node ports a Service holds (ports sharing a number share a node port). */
export function serviceNodePorts(svc: WithSpec): number[] {
  const out: number[] = [];
  for (const p of specOf(svc).ports ?? []) {
    if (p.nodePort && !out.includes(p.nodePort)) out.push(p.nodePort);
  }
  return out;
}
