/** Predicates over a Pod's status, shared by the store, the seed and ClusterDns. */

import type { Pod } from './types.js';

/** The pod's IPs, primary first: `status.podIPs`, else `status.podIP`. */
export function podIPsOf(pod: Pick<Pod, 'status'>): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip) => !!ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

/** The Ready condition is True (`podutil.IsPodReady`). */
export function isPodReady(pod: Pick<Pod, 'status'>): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A deletion has been requested: the pod is terminating and gives up its name records. */
export function isPodTerminating(pod: Pick<Pod, 'metadata'>): boolean {
  return !!pod.metadata.deletionTimestamp;
}
