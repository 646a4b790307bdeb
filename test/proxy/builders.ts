// Builders for the kube-proxy rules tests (packet-flows, rules, reference-frames): Services,
// EndpointSlices with the fields kube-proxy reads (addresses, nodeName, conditions, hints),
// the test node of kube-proxy's proxier_test.go, and a KubeProxyRules instance over them.
import type { EndpointSlice, Protocol, Service, ServiceSpec, ServiceStatus } from '../../sdk/model/types.js';
import { parseKubeProxyConfiguration, type ProxyMode } from '../../sdk/proxy/config.js';
import { KubeProxyRules, type NodeView } from '../../sdk/proxy/rules.js';

/**
 * kube-proxy's test node (pkg/proxy/{iptables,nftables}/proxier_test.go): a primary and a
 * secondary address per family, and 192.168.99.11, which tests also use as an externalIP.
 */
export const TEST_NODE = 'test-node';
export const NODE_IP = '192.168.0.2';
export const NODE_IP_ALT = '192.168.1.2';
export const NODE_EXTERNAL_IP = '192.168.99.11';
export const NODE_IPV6 = '2001:db8::1';
export const NODE_IPV6_ALT = '2001:db8:1::2';

/** The test node with every address and pod CIDRs 10.0.0.0/24 and fd00:10::/64; `extra` replaces fields. */
export function testNode(extra: Partial<NodeView> = {}): NodeView {
  return { name: TEST_NODE, addresses: [NODE_IP, NODE_IP_ALT, NODE_EXTERNAL_IP, NODE_IPV6, NODE_IPV6_ALT], podCIDRs: ['10.0.0.0/24', 'fd00:10::/64'], ...extra };
}

export function service(namespace: string, name: string, spec: ServiceSpec, status?: ServiceStatus): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec, ...(status ? { status } : {}) };
}

/** `status.loadBalancer.ingress`: an address alone, or with its ipMode. */
export function lbStatus(...ips: (string | { ip: string; ipMode: 'VIP' | 'Proxy' })[]): ServiceStatus {
  return { loadBalancer: { ingress: ips.map((i) => (typeof i === 'string' ? { ip: i } : i)) } };
}

/** One endpoint; a field left out is left out of the object (kube-proxy's defaults apply). */
export interface EndpointSpec {
  ip: string;
  /** Default: no nodeName (not local). */
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  /** hints.forZones */
  zones?: string[];
  /** hints.forNodes */
  nodes?: string[];
}

export interface PortSpec {
  name?: string;
  port?: number;
  protocol?: Protocol;
}

export interface SliceOptions {
  /** Default IPv4. */
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  /** With the kubernetes.io/service-name label (default true). */
  labelled?: boolean;
  /** Default `<service>-<n>`, n counting every slice built. */
  name?: string;
}

let sliceCounter = 0;

export function endpointSlice(namespace: string, serviceName: string, endpoints: EndpointSpec[], ports: PortSpec[], options: SliceOptions = {}): EndpointSlice {
  sliceCounter++;
  const { addressType = 'IPv4', labelled = true, name = `${serviceName}-${sliceCounter}` } = options;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, ...(labelled ? { labels: { 'kubernetes.io/service-name': serviceName } } : {}) },
    addressType,
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.node ? { nodeName: e.node } : {}),
      ...(e.ready !== undefined || e.serving !== undefined || e.terminating !== undefined
        ? {
            conditions: {
              ...(e.ready !== undefined ? { ready: e.ready } : {}),
              ...(e.serving !== undefined ? { serving: e.serving } : {}),
              ...(e.terminating !== undefined ? { terminating: e.terminating } : {}),
            },
          }
        : {}),
      ...(e.zones || e.nodes
        ? { hints: { ...(e.zones ? { forZones: e.zones.map((zone) => ({ name: zone })) } : {}), ...(e.nodes ? { forNodes: e.nodes.map((node) => ({ name: node })) } : {}) } }
        : {}),
    })),
    ports: ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), ...(p.port !== undefined ? { port: p.port } : {}), ...(p.protocol ? { protocol: p.protocol } : {}) })),
  };
}

/** What a KubeProxyRules instance is built from besides the mode and the objects. */
export interface RulesSetup {
  node: NodeView;
  /** KubeProxyConfiguration fields (the mode comes from the argument). */
  config: Record<string, unknown>;
  /** setState's service CIDRs; undefined: its default. */
  serviceCIDRs?: string[] | undefined;
}

export function kubeProxyRules(mode: ProxyMode, services: Service[], slices: EndpointSlice[], setup: RulesSetup): KubeProxyRules {
  const { config } = parseKubeProxyConfiguration(setup.config, { mode });
  const rules = new KubeProxyRules({ node: setup.node, config });
  rules.setState(services, slices, setup.serviceCIDRs);
  return rules;
}
