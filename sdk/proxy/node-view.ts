/**
 * A Node object as kube-proxy sees its own node: node IPs from `status.addresses`,
 * InternalIP first, then ExternalIP (pkg/util/node GetNodeHostIPs), the
 * `topology.kubernetes.io/zone` label, `spec.podCIDRs`. Browser-safe.
 */
import { LABEL_TOPOLOGY_ZONE, type Node } from '../model/types.js';
import type { NodeView } from './rules.js';
import { parseAddress } from './rules-net.js';

/** Thrown when a node has no address kube-proxy could use. */
export class NodeViewError extends Error {
  override name = 'NodeViewError';
}

/**
 * The node view of `node`; `addresses` (primary first) replace its status addresses when
 * given (kube-proxy's `--node-ip`).
 */
export function nodeViewOf(node: Node, addresses: readonly string[] = []): NodeView {
  const name = node.metadata.name;
  let ips = [...addresses];
  if (ips.length === 0) {
    const all = node.status?.addresses ?? [];
    ips = [...all.filter((a) => a.type === 'InternalIP'), ...all.filter((a) => a.type === 'ExternalIP')].map((a) => a.address).filter((a) => parseAddress(a) !== undefined);
    if (ips.length === 0) throw new NodeViewError(`node ${name} has no InternalIP or ExternalIP address in status.addresses`);
  }
  const zone = node.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
  const podCIDRs = node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : []);
  return { name, addresses: ips, ...(zone ? { zone } : {}), ...(podCIDRs.length > 0 ? { podCIDRs: [...podCIDRs] } : {}) };
}
