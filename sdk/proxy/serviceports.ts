import type { Service } from '../model/types.js';
import { parseIPv4 } from '../model/ip.js';
import { FRONTEND_CLUSTER_IP, PROTO_SCTP, PROTO_TCP, PROTO_UDP } from '../engine/records.js';

/** IANA numbers of the protocols a Service port may use. */
export const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { TCP: PROTO_TCP, UDP: PROTO_UDP, SCTP: PROTO_SCTP };
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = { [PROTO_TCP]: 'TCP', [PROTO_UDP]: 'UDP', [PROTO_SCTP]: 'SCTP' };

/** One (address, port, protocol) a service port answers on. */
export interface Frontend {
  readonly address: number;
  readonly port: number;
  readonly protocol: number;
  readonly kind: number;
}

/**
 * What a node proxy keeps of one Service port: a reduced, normalised record, like
 * kube-proxy's BaseServicePortInfo ("intentionally small"), so that comparing two of them
 * is cheap and an edit that changes nothing the data plane uses is a no-op.
 */
export interface ServicePortInfo {
  /** kube-proxy's ServicePortName: `namespace/name:portName` (`namespace/name` when unnamed). */
  readonly name: string;
  /** `namespace/name` of the Service. */
  readonly service: string;
  /** The Service port's name ('' when unnamed): EndpointSlice ports are matched by it. */
  readonly portName: string;
  readonly protocol: number;
  readonly port: number;
  /** Frontends sorted by (address, port, protocol). */
  readonly frontends: readonly Frontend[];
  /** Flags the SDK computed for the core (none defined yet). */
  readonly flags: number;
}

export function servicePortName(namespace: string, name: string, portName: string): string {
  return portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`;
}

/**
 * The service ports a Service contributes to the data plane. ExternalName and headless
 * Services contribute none (kube-proxy installs no rules for them); ClusterIP frontends
 * are taken from `clusterIPs` (IPv4 entries; IPv6 comes with the IPv6 tables).
 */
export function servicePortsOf(service: Service): ServicePortInfo[] {
  const spec = service.spec ?? {};
  if (spec.type === 'ExternalName') return [];
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [])
    .filter((ip) => ip && ip !== 'None' && !ip.includes(':'));
  if (clusterIPs.length === 0) return [];
  const namespace = service.metadata.namespace ?? 'default';
  const name = service.metadata.name;
  const result: ServicePortInfo[] = [];
  for (const port of spec.ports ?? []) {
    const protocol = PROTOCOL_NUMBERS[port.protocol ?? 'TCP'];
    if (protocol === undefined) continue;
    const portName = port.name ?? '';
    const frontends = clusterIPs
      .map((ip) => ({ address: parseIPv4(ip), port: port.port, protocol, kind: FRONTEND_CLUSTER_IP }))
      .sort(compareFrontends);
    result.push({
      name: servicePortName(namespace, name, portName),
      service: `${namespace}/${name}`,
      portName,
      protocol,
      port: port.port,
      frontends,
      flags: 0,
    });
  }
  return result;
}

export function compareFrontends(a: Frontend, b: Frontend): number {
  return a.address - b.address || a.port - b.port || a.protocol - b.protocol || a.kind - b.kind;
}

export function sameFrontend(a: Frontend, b: Frontend): boolean {
  return a.address === b.address && a.port === b.port && a.protocol === b.protocol && a.kind === b.kind;
}
