/**
 * The contract between kube-proxy's rule semantics (which frontend a packet hits, which
 * endpoints it may go to, whether it is masqueraded, or why it is dropped/rejected) and the
 * flow layer (selection, session affinity, connection tracking). Plain data, browser-safe.
 *
 * Addresses are canonical text (`10.96.0.10`, `fd00::a`); the wasm core mirrors these
 * semantics with numeric records, and this contract is the oracle it is tested against.
 */

import type { Protocol } from '../model/types.js';

/** What the node does with a packet (issue 3). */
export type Verdict = 'DNAT' | 'REJECT' | 'DROP' | 'ACCEPT' | 'PASS';

/** Which kind of frontend address a packet matched. */
export type FrontendKind = 'ClusterIP' | 'ExternalIP' | 'LoadBalancer' | 'NodePort' | 'HealthCheckNodePort';

/** The first packet of a flow, as the rules see it (after parsing; no payload). */
export interface FlowTuple {
  family: 4 | 6;
  protocol: Protocol;
  srcIP: string;
  srcPort: number;
  dstIP: string;
  dstPort: number;
}

/** One endpoint a DNAT may pick. `ip`/`port` are the translated destination. */
export interface EndpointTarget {
  ip: string;
  port: number;
  /** `nodeName` of the slice endpoint, when given. */
  nodeName?: string;
  /** True when the endpoint is on this node (kube-proxy's `IsLocal`). */
  local: boolean;
  /** Only serving+terminating endpoints were left (the fallback of CategorizeEndpoints). */
  terminating: boolean;
}

/** Session affinity of the service port (`sessionAffinity: ClientIP`). */
export interface AffinityConfig {
  timeoutSeconds: number;
  /**
   * What one client's affinity is keyed on besides its source IP. Absent: the service port
   * (iptables `recent` lists and nftables affinity sets are per endpoint of the service port,
   * whichever frontend was used). `frontend`: the frontend address and port (ipvs mode: each
   * virtual server is persistent on its own).
   */
  scope?: 'frontend';
}

/**
 * How a new flow's endpoint is picked besides the mode's own selection: `maglev` — a Maglev
 * table per service port and endpoint set, indexed by a hash of the flow (Cilium's
 * `loadBalancer.algorithm` / `service.cilium.io/lb-algorithm`); `random` — the mode's.
 */
export type LoadBalancerAlgorithm = 'random' | 'maglev';

/**
 * The rules' decision for the first packet of a flow. For DNAT the flow layer picks one
 * of `endpoints` (by the mode's selection, affinity first) and then masquerades when
 * `masquerade` is true, or when the picked endpoint's IP equals the source (hairpin, when
 * `hairpinMasquerade`).
 */
export interface RuleDecision {
  verdict: Verdict;
  /** `namespace/name:portName` (portName may be empty: `ns1/svc1:`), for matched service ports. */
  servicePort?: string;
  frontend?: FrontendKind;
  /** DNAT candidates, in the order kube-proxy would list them (sorted by IP:port). Non-empty iff verdict is DNAT. */
  endpoints: EndpointTarget[];
  /** Masquerade regardless of the pick (off-cluster source, external eTP Cluster, masqueradeAll, …). */
  masquerade: boolean;
  /** Masquerade when the picked endpoint is the source itself (kube-proxy's per-endpoint hairpin rule). */
  hairpinMasquerade: boolean;
  /**
   * The hairpin rule exists for endpoints on this node only (`EndpointTarget.local`): ipvs
   * mode's KUBE-LOOP-BACK ipset holds local endpoints only. Absent: every endpoint.
   */
  hairpinLocalOnly?: boolean;
  affinity?: AffinityConfig;
  /** The Service's `service.cilium.io/lb-algorithm` annotation, when it names one (DNAT only). */
  loadBalancerAlgorithm?: LoadBalancerAlgorithm;
  /** Why DROP / REJECT / ACCEPT / PASS (e.g. `no endpoints`, `no local endpoints`, `source not in loadBalancerSourceRanges`). */
  reason?: string;
}
