import { readFile } from 'node:fs/promises';
import { seedCluster } from '../cluster/seed.js';
import type { Cluster } from '../cluster/cluster.js';
import type { EndpointSlice } from '../model/types.js';
import { createNodeProxy } from '../proxy/create.js';
import type { NodeProxy, PacketInput, RouteResult } from '../proxy/nodeproxy.js';
import { setDefaultCoreSource } from '../engine/load.js';
import { nodeCoreSource } from './load-node.js';
import { formatTable } from './table.js';

setDefaultCoreSource(nodeCoreSource);

const USAGE = `Usage: svcnet <command> [options]

Commands:
  quickstart [--engine wasm|reference] [--target release|debug]
             Boot the seed's cluster (kiamol chapter 3 on Docker Desktop), program a
             node proxy for node docker-desktop, route packets from a pod to every
             service, then replay the seed's session: delete the sleep-2 pod (the
             endpoint moves), delete the sleep-2 deployment (no endpoints: REJECT).
  version    Print svcnet's version.
  help       Print this text.
`;

export class UsageError extends Error {}

interface Flags {
  [name: string]: string | undefined;
}

/** Parses `--name value` and `--name=value` flags; rejects anything it does not know. */
export function parseFlags(args: readonly string[], known: readonly string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!known.includes(name)) throw new UsageError(`unknown flag --${name} (known: ${known.map((k) => `--${k}`).join(', ')})`);
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    flags[name] = value;
  }
  return flags;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  return value as T;
}

/** Runs one CLI invocation; returns the exit code. Output goes to the given streams. */
export async function main(args: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'quickstart':
        return await quickstart(rest, out, err);
      case 'version':
      case '--version':
        out.write(`${await version()}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.write(USAGE);
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err.write(`svcnet: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const SLEEP_1_POD = '10.1.0.42';

async function quickstart(args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const flags = parseFlags(args, ['engine', 'target']);
  const engine = oneOf('engine', flags.engine, ['wasm', 'reference'] as const, 'wasm');
  const target = oneOf('target', flags.target, ['release', 'debug'] as const, 'release');
  err.write(`svcnet: booting the seed's cluster and a ${engine} data plane${engine === 'wasm' ? ` (${target} core)` : ''}\n`);
  const cluster = seedCluster();
  const proxy = await createNodeProxy(cluster, { nodeName: 'docker-desktop', engine, target });

  out.write(`Node proxy for docker-desktop: ${proxy.servicePortCount} service ports, ${proxy.dataPlane.frontendCount()} frontends, ${proxy.dataPlane.memoryBytes()} bytes of tables\n\n`);
  out.write(`${servicePortTable(cluster)}\n\n`);

  out.write(`Packets from pod sleep-1 (${SLEEP_1_POD}) to every ClusterIP:\n`);
  const packets: PacketInput[] = [];
  for (const service of cluster.listServices()) {
    const ip = service.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    for (const port of service.spec?.ports ?? []) {
      packets.push({ source: SLEEP_1_POD, sourcePort: 40000 + packets.length, destination: ip, destinationPort: port.port, protocol: port.protocol ?? 'TCP' });
    }
  }
  packets.push({ source: SLEEP_1_POD, sourcePort: 41000, destination: '10.103.155.91', destinationPort: 8080, protocol: 'TCP' });
  out.write(`${routeTable(proxy, packets)}\n\n`);

  const toSleep2: PacketInput = { source: SLEEP_1_POD, sourcePort: 42000, destination: '10.98.208.225', destinationPort: 80, protocol: 'TCP' };
  out.write('$ kubectl delete pods -l app=sleep-2      # the ReplicaSet replaces the pod: 10.1.0.43 → 10.1.0.51\n');
  replaceSleep2Endpoints(cluster, ['10.1.0.51']);
  out.write(`${routeTable(proxy, [toSleep2])}\n\n`);
  out.write('$ kubectl delete deploy sleep-2           # no pod matches app=sleep-2 any more\n');
  replaceSleep2Endpoints(cluster, []);
  out.write(`${routeTable(proxy, [toSleep2])}\n`);
  out.write('\nThe ClusterIP 10.98.208.225 stays; with no endpoints behind it the node rejects the packet (ICMP port unreachable).\n');
  return 0;
}

function replaceSleep2Endpoints(cluster: Cluster, addresses: string[]): void {
  const [slice] = cluster.listEndpointSlices('default', { serviceName: 'sleep-2' });
  const next: EndpointSlice = {
    ...slice,
    endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'docker-desktop' })),
  };
  cluster.applyEndpointSlice(next);
}

function servicePortTable(cluster: Cluster): string {
  const rows: string[][] = [];
  for (const service of cluster.listServices()) {
    const ns = service.metadata.namespace ?? 'default';
    const slices = cluster.listEndpointSlices(ns, { serviceName: service.metadata.name });
    for (const port of service.spec?.ports ?? []) {
      const endpoints: string[] = [];
      for (const slice of slices) {
        const slicePort = slice.ports?.find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
        if (!slicePort) continue;
        for (const ep of slice.endpoints) if (ep.conditions?.ready ?? true) endpoints.push(`${ep.addresses[0]}:${slicePort.port}`);
      }
      rows.push([
        `${ns}/${service.metadata.name}${port.name ? `:${port.name}` : ''}`,
        service.spec?.type ?? 'ClusterIP',
        `${service.spec?.clusterIP}:${port.port}/${port.protocol ?? 'TCP'}`,
        endpoints.length ? endpoints.join(',') : '<none>',
      ]);
    }
  }
  return formatTable(['SERVICE PORT', 'TYPE', 'FRONTEND', 'ENDPOINTS'], rows);
}

function describe(result: RouteResult): string {
  switch (result.verdict) {
    case 'DNAT':
      return `${result.endpoint!.address}:${result.endpoint!.port}`;
    case 'REJECT':
      return 'ICMP port unreachable (no endpoints)';
    case 'PASS':
      return 'not a service frontend';
    default:
      return '';
  }
}

function routeTable(proxy: NodeProxy, packets: readonly PacketInput[]): string {
  const rows = packets.map((p) => {
    const result = proxy.route(p);
    return [
      `${p.source}:${p.sourcePort ?? 0}`,
      `${p.destination}:${p.destinationPort}/${p.protocol ?? 'TCP'}`,
      result.verdict,
      result.servicePort ?? '-',
      describe(result),
    ];
  });
  return formatTable(['SOURCE', 'DESTINATION', 'VERDICT', 'SERVICE PORT', 'TO'], rows);
}
