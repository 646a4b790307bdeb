/**
 * kube-proxy for one node of a live Cluster, packet by packet: the rules of the configured
 * mode (`KubeProxyRules`: every frontend, traffic policies, topology, masquerade, REJECT /
 * DROP / ACCEPT / PASS), the flow layer (`FlowProcessor`: selection, session affinity,
 * connection tracking, replies), kept in step with the cluster by `followCluster`. With the
 * `wasm` engine (default) the first packet of a flow takes its rule decision from the core's
 * decision cache (sdk/engine/decisions.ts); the rules decide only keys it has not seen.
 *
 * Packets are described by their header fields (no bytes): the frame engines
 * (sdk/engine/frames.ts, sdk/proxy/reference-frames.ts) take raw frames, `NodeProxy`
 * (`createNodeProxy`) is the stateless ClusterIP batch router.
 */

import type { Cluster } from '../cluster/cluster.js';
import { createCoreDecisionCache, type CoreDecisionCache, type DecisionCacheStats } from '../engine/decisions.js';
import type { CoreTarget, WasmSource } from '../engine/exports.js';
import type { Protocol } from '../model/types.js';
import { parseKubeProxyConfiguration, type ProxyConfig, type ProxyMode } from './config.js';
import type { ConntrackSettings } from './conntrack.js';
import type { FlowTuple, LoadBalancerAlgorithm } from './decision.js';
import type { FlowProcessor, FlowResult, FlowStats } from './flows.js';
import { followCluster, type ClusterFollower } from './follow.js';
import { createFlowLayer } from './frame-helpers.js';
import { nodeViewOf } from './node-view.js';
import type { KubeProxyRules, NodeView } from './rules.js';
import { parseAddress } from './rules-net.js';

export interface KubeProxyOptions {
  /** This node (endpoints' `nodeName`, the Node object's addresses, zone and pod CIDRs). */
  nodeName: string;
  /** The node's addresses, primary first (kube-proxy's `--node-ip`); default: its Node object's InternalIP, then ExternalIP addresses. */
  nodeAddresses?: string[];
  /** A KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) document; default kube-proxy's defaults. */
  configuration?: unknown;
  /** Overrides the document's `mode`. */
  mode?: ProxyMode;
  /** Who decides first packets: `wasm` (default: the core's decision cache, then the rules) or `reference` (the rules alone). */
  engine?: 'wasm' | 'reference';
  target?: CoreTarget;
  wasm?: WasmSource;
  /** First-packet decisions the core keeps (default 16384). */
  decisionCacheEntries?: number;
  /** Clock in milliseconds for conntrack and affinity timers (default `Date.now`). */
  now?: () => number;
  /** Seed of the selection's random source (default 0x5eed). */
  seed?: number;
  /** Overrides of the conntrack settings the configuration gives (e.g. `maxEntries`). */
  conntrack?: Partial<ConntrackSettings>;
  /** iptables/nftables selection, Cilium's `loadBalancer.algorithm`: `random` (default, the mode's) or `maglev`; the `service.cilium.io/lb-algorithm` annotation overrides it per Service. */
  loadBalancerAlgorithm?: LoadBalancerAlgorithm;
  /** Maglev table size, a prime (default 16381). */
  maglevTableSize?: number;
  /** Maglev hash seed, base64 of 12 bytes (default Cilium's). */
  maglevHashSeed?: string;
}

/** A packet by its header fields. */
export interface KubeProxyPacket {
  source: string;
  destination: string;
  /** Default 0. */
  sourcePort?: number;
  destinationPort: number;
  /** Default TCP. */
  protocol?: Protocol;
  /** TCP flags byte (SYN 0x02, ACK 0x10, …); default: those of a normal exchange (see `PacketInfo`). */
  tcpFlags?: number;
}

export interface KubeProxyStats extends FlowStats {
  /** Cluster syncs applied. */
  syncs: number;
  /** The decision cache's counters (wasm engine). */
  decisions?: DecisionCacheStats;
}

export class KubeProxy {
  readonly node: NodeView;
  readonly config: ProxyConfig;
  readonly rules: KubeProxyRules;
  readonly flows: FlowProcessor;
  /** The core's first-packet decisions (wasm engine). */
  readonly decisions: CoreDecisionCache | undefined;
  private readonly follower: ClusterFollower;

  /** Use `createKubeProxy`. */
  constructor(parts: { node: NodeView; config: ProxyConfig; rules: KubeProxyRules; flows: FlowProcessor; decisions: CoreDecisionCache | undefined; cluster: Cluster }) {
    this.node = parts.node;
    this.config = parts.config;
    this.rules = parts.rules;
    this.flows = parts.flows;
    this.decisions = parts.decisions;
    this.follower = followCluster(parts.cluster, this);
  }

  /**
   * What this node does with the packet: a new flow's verdict (DNAT to a picked endpoint,
   * REJECT, DROP, ACCEPT, PASS) and masquerade, or the translation of an established flow or
   * a reply; the flow state is updated. Throws a TypeError naming the field that is not an
   * address, port or protocol.
   */
  route(packet: KubeProxyPacket): FlowResult {
    return this.flows.process(tupleOf(packet), packet.tcpFlags !== undefined ? { tcpFlags: packet.tcpFlags } : {});
  }

  stats(): KubeProxyStats {
    return { ...this.flows.stats(), syncs: this.follower.stats.syncs, ...(this.decisions ? { decisions: this.decisions.stats() } : {}) };
  }

  /** Stops following the cluster (the flows stay). */
  detach(): void {
    this.follower.detach();
  }
}

/** kube-proxy for `options.nodeName` over `cluster`, following it from now on. */
export async function createKubeProxy(cluster: Cluster, options: KubeProxyOptions): Promise<KubeProxy> {
  const { config } = parseKubeProxyConfiguration(options.configuration ?? {}, options.mode ? { mode: options.mode } : {});
  const node = nodeOf(cluster, options);
  let decisions: CoreDecisionCache | undefined;
  const layer = createFlowLayer(
    {
      services: [],
      slices: [],
      node,
      config,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.conntrack ? { conntrack: options.conntrack } : {}),
      ...(options.loadBalancerAlgorithm !== undefined ? { loadBalancerAlgorithm: options.loadBalancerAlgorithm } : {}),
      ...(options.maglevTableSize !== undefined ? { maglevTableSize: options.maglevTableSize } : {}),
      ...(options.maglevHashSeed !== undefined ? { maglevHashSeed: options.maglevHashSeed } : {}),
    },
    options.now ?? Date.now,
    (rules) => (tuple) => (decisions ? decisions.decide(tuple) : rules.decide(tuple)),
  );
  if ((options.engine ?? 'wasm') === 'wasm') {
    decisions = await createCoreDecisionCache(layer.rules, {
      ...(options.target ? { target: options.target } : {}),
      ...(options.wasm ? { wasm: options.wasm } : {}),
      maxEntries: options.decisionCacheEntries ?? 16384,
    });
  }
  return new KubeProxy({ node, config, rules: layer.rules, flows: layer.flows, decisions, cluster });
}

function nodeOf(cluster: Cluster, options: KubeProxyOptions): NodeView {
  const object = cluster.getNode(options.nodeName);
  const addresses = options.nodeAddresses ?? [];
  for (const text of addresses) {
    if (!parseAddress(text)) throw new TypeError(`svcnet: nodeAddresses: ${JSON.stringify(text)} is not an IPv4 or IPv6 address`);
  }
  if (object) return nodeViewOf(object, addresses);
  if (addresses.length === 0) throw new TypeError(`svcnet: node ${JSON.stringify(options.nodeName)} is not in the cluster; create its Node object or give nodeAddresses`);
  return { name: options.nodeName, addresses: [...addresses] };
}

const PROTOCOLS: ReadonlySet<string> = new Set(['TCP', 'UDP', 'SCTP']);

function tupleOf(packet: KubeProxyPacket): FlowTuple {
  const src = parseAddress(packet.source);
  if (!src) throw new TypeError(`svcnet: route: source ${JSON.stringify(packet.source)} is not an IPv4 or IPv6 address`);
  const dst = parseAddress(packet.destination);
  if (!dst) throw new TypeError(`svcnet: route: destination ${JSON.stringify(packet.destination)} is not an IPv4 or IPv6 address`);
  if (src.family !== dst.family) throw new TypeError(`svcnet: route: source ${src.text} and destination ${dst.text} are of different families`);
  const sourcePort = packet.sourcePort ?? 0;
  for (const [field, value] of [['sourcePort', sourcePort], ['destinationPort', packet.destinationPort]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new TypeError(`svcnet: route: ${field} must be an integer in 0..65535, got ${value}`);
  }
  const protocol = packet.protocol ?? 'TCP';
  if (!PROTOCOLS.has(protocol)) throw new TypeError(`svcnet: route: protocol must be TCP, UDP or SCTP, got ${JSON.stringify(protocol)}`);
  return { family: src.family, protocol, srcIP: src.text, srcPort: sourcePort, dstIP: dst.text, dstPort: packet.destinationPort };
}
