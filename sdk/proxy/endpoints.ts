import type { EndpointSlice } from '../model/types.js';
import { parseIPv4 } from '../model/ip.js';
import { PROTOCOL_NUMBERS } from './serviceports.js';

/** What a node proxy keeps of one endpoint of one slice (kube-proxy uses addresses[0]). */
export interface EndpointInfo {
  readonly address: number;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly nodeName: string;
  readonly zone: string;
}

/** A reduced EndpointSlice: IPv4 endpoints and the ports they serve. */
export interface SliceInfo {
  readonly name: string;
  readonly ports: readonly { name: string; port: number; protocol: number }[];
  readonly endpoints: readonly EndpointInfo[];
}

/** One backend as the core stores it. */
export interface Backend {
  readonly address: number;
  readonly port: number;
  readonly flags: number;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** `namespace/service` a slice belongs to, or undefined when it carries no service label. */
export function sliceOwner(slice: EndpointSlice): string | undefined {
  const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return service ? `${slice.metadata.namespace ?? 'default'}/${service}` : undefined;
}

/**
 * Reduces a slice to what routing uses. Unset conditions are read as kube-proxy reads
 * them (pkg/proxy/endpointslicecache.go): ready and serving default to true, terminating
 * to false. Only IPv4 slices feed the IPv4 tables.
 */
export function reduceSlice(slice: EndpointSlice): SliceInfo | undefined {
  if (slice.addressType !== 'IPv4') return undefined;
  const ports = (slice.ports ?? [])
    .filter((p) => p.port !== undefined && p.port !== null)
    .map((p) => ({ name: p.name ?? '', port: p.port as number, protocol: PROTOCOL_NUMBERS[p.protocol ?? 'TCP'] ?? -1 }));
  const endpoints: EndpointInfo[] = [];
  for (const endpoint of slice.endpoints ?? []) {
    const first = endpoint.addresses?.[0];
    if (!first) continue;
    const conditions = endpoint.conditions ?? {};
    const ready = conditions.ready ?? true;
    endpoints.push({
      address: parseIPv4(first),
      ready,
      serving: conditions.serving ?? true,
      terminating: conditions.terminating ?? false,
      nodeName: endpoint.nodeName ?? '',
      zone: endpoint.zone ?? '',
    });
  }
  return { name: slice.metadata.name, ports, endpoints };
}

/**
 * The backends a service port uses for cluster traffic, per kube-proxy's
 * CategorizeEndpoints (pkg/proxy/topology.go): ready endpoints; when none is ready, the
 * endpoints that are serving and terminating. The endpoint port is the slice port whose
 * name and protocol equal the service port's. Sorted by (address, port) and de-duplicated.
 */
export function clusterBackends(slices: Iterable<SliceInfo>, portName: string, protocol: number): Backend[] {
  const ready: Backend[] = [];
  const fallback: Backend[] = [];
  for (const slice of slices) {
    const port = slice.ports.find((p) => p.name === portName && p.protocol === protocol);
    if (!port) continue;
    for (const endpoint of slice.endpoints) {
      if (endpoint.ready) ready.push({ address: endpoint.address, port: port.port, flags: 0 });
      else if (endpoint.serving && endpoint.terminating) fallback.push({ address: endpoint.address, port: port.port, flags: 0 });
    }
  }
  return sortUnique(ready.length > 0 ? ready : fallback);
}

function sortUnique(backends: Backend[]): Backend[] {
  backends.sort((a, b) => a.address - b.address || a.port - b.port);
  return backends.filter((b, i) => i === 0 || b.address !== backends[i - 1].address || b.port !== backends[i - 1].port);
}

export function sameBackend(a: Backend, b: Backend): boolean {
  return a.address === b.address && a.port === b.port && a.flags === b.flags;
}
