import { readFile } from 'node:fs/promises';
import { seedCluster } from '../cluster/seed.js';
import { createNodeProxy } from '../proxy/create.js';
import type { NodeProxy, PacketInput, RouteResult } from '../proxy/nodeproxy.js';
import { installNodeLoader } from './load-node.js';
import { formatTable } from './table.js';
import { Cluster } from '../cluster/cluster.js';
import { createClusterDns } from '../dns/clusterdns.js';
import type { ClusterDns } from '../dns/clusterdns.js';
import { DnsServerError, parseHostPort, startDnsServer } from './dns-server.js';
import { ManifestError, loadManifests } from './manifests.js';
import { ApiServerError } from './api-server.js';
import { serve, serveInstructions } from './serve.js';
import { PodNotFoundError, inProcessExchange, nslookup, podDnsContext, udpExchange } from './nslookup.js';
import { routeCommand } from './route.js';

installNodeLoader();

const USAGE = `Usage: svcnet <command> [options]

Commands:
  serve [--manifests <file|dir>]... [--empty] [--listen 127.0.0.1:6443] [--dns-listen 127.0.0.1:5353]
        [--no-dns] [--kubeconfig .svcnet/kubeconfig] [--cluster-domain cluster.local]
        [--upstream <ip:port>] [--verbose]
             svcnet's main job: boot the seed's cluster (or, with --empty, a fresh one;
             or the manifests' objects, with the controllers running), serve its Kubernetes API for kubectl (plain HTTP)
             and its cluster DNS (UDP+TCP), write a kubeconfig (context svcnet). Runs
             until SIGINT or SIGTERM.
  quickstart [--engine wasm|reference] [--target release|debug]
             Boot the seed's cluster (kiamol chapter 3 on Docker Desktop), program a
             node proxy for node docker-desktop, route packets from a pod to every
             service, then replay the seed's session: delete the sleep-2 pod (the
             endpoint moves), delete the sleep-2 deployment (no endpoints: REJECT).
  dns serve [--manifests <file|dir>]... [--listen 127.0.0.1:5353]
            [--cluster-domain cluster.local] [--ttl 5] [--pods disabled|insecure|verified]
            [--ignore-empty-service] [--endpoint-pod-names] [--upstream <ip:port>]
            [--target release|debug]
             Serve the cluster DNS over UDP and TCP on one address: the seed's cluster,
             or the objects in the manifests (YAML/JSON files or folders). Out-of-zone
             names go to --upstream, else get REFUSED. Runs until SIGINT or SIGTERM.
  nslookup <name> [--from <pod> | --from deploy/<name>] [--namespace <ns>]
           [--manifests <file|dir>]... [--server <ip:port>] [--cluster-domain cluster.local]
             Print what busybox nslookup prints inside that pod (the seed's sleep pods
             run alpine 3.15): A and AAAA queries, a dotless name tried under the pod's
             search domains. Answered in process, or with --server by a running
             \`svcnet dns serve\` over UDP (the output still names the pod's nameserver,
             the kube-dns ClusterIP, as the pod's packets are sent there).
  route --manifests <file|dir>... --node <name> --in <in.pcap> --out <out.pcap>
        [--verdicts <out.jsonl>] [--config <KubeProxyConfiguration yaml>]
        [--mode iptables|nftables|ipvs] [--node-ip <ip>]... [--engine reference|wasm]
        [--lb-algorithm random|maglev] [--maglev-table-size <prime>]
             Route a capture (pcap or pcapng; Ethernet or raw IP) through that node's
             kube-proxy, as the manifests' Services and EndpointSlices program it:
             --out gets the packets as they leave the node (DNAT/masquerade rewritten,
             REJECT answered with ICMP port unreachable, DROP absent), --verdicts one
             JSON line per packet. Node addresses: --node-ip (primary first), else the
             Node's InternalIP/ExternalIP addresses. --lb-algorithm maglev: Maglev
             consistent hashing instead of random picks (iptables, nftables; a Service's
             service.cilium.io/lb-algorithm annotation overrides it).
  version    Print svcnet's version.
  help       Print this text.
`;

export class UsageError extends Error {}

interface Flags {
  [name: string]: string | undefined;
}

export interface FlagSpec {
  /** Flags that take no value: `--name` (or `--name=true|false`). */
  boolean?: readonly string[];
  /** Flags that may be given more than once; all values are kept, in order. */
  repeatable?: readonly string[];
  /** How many positional arguments the command takes. Default 0. */
  positionals?: number;
}

export interface ParsedArgs {
  /** The value of each flag given (booleans: `'true'` or `'false'`; repeatable: the last). */
  flags: Flags;
  /** Every value of each repeatable flag. */
  lists: Record<string, string[]>;
  positionals: string[];
}

/**
 * Parses `--name value`, `--name=value`, boolean `--name` and positional arguments
 * (anything after `--` is positional); rejects anything it does not know.
 */
export function parseArgs(args: readonly string[], known: readonly string[], spec: FlagSpec = {}): ParsedArgs {
  const flags: Flags = {};
  const lists: Record<string, string[]> = {};
  const positionals: string[] = [];
  const booleans = spec.boolean ?? [];
  const repeatable = spec.repeatable ?? [];
  const maxPositionals = spec.positionals ?? 0;
  const all = [...known, ...booleans];
  let flagsDone = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (flagsDone || !arg.startsWith('--') || arg === '--') {
      if (arg === '--' && !flagsDone) {
        flagsDone = true;
        continue;
      }
      if (positionals.length >= maxPositionals) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!all.includes(name)) throw new UsageError(`unknown flag --${name} (known: ${all.map((k) => `--${k}`).join(', ')})`);
    let value: string | undefined;
    if (booleans.includes(name)) {
      value = eq > 0 ? arg.slice(eq + 1) : 'true';
      if (value !== 'true' && value !== 'false') throw new UsageError(`flag --${name} takes no value (or =true / =false); got ${JSON.stringify(value)}`);
    } else {
      value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    }
    if (repeatable.includes(name)) (lists[name] ??= []).push(value);
    else if (flags[name] !== undefined) throw new UsageError(`flag --${name} given more than once`);
    flags[name] = value;
  }
  return { flags, lists, positionals };
}

/** Parses `--name value` and `--name=value` flags; rejects anything it does not know. */
export function parseFlags(args: readonly string[], known: readonly string[]): Flags {
  return parseArgs(args, known).flags;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  return value as T;
}

export interface MainContext {
  /** Stops a long-running command (`dns serve`) as SIGINT/SIGTERM do. */
  signal?: AbortSignal;
}

/** Runs one CLI invocation; returns the exit code. Output goes to the given streams. */
export async function main(
  args: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  context: MainContext = {},
): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(rest, out, err, context);
      case 'quickstart':
        return await quickstart(rest, out, err);
      case 'dns': {
        const [sub, ...subArgs] = rest;
        if (sub === 'serve') return await dnsServe(subArgs, err, context);
        throw new UsageError(sub === undefined ? 'dns needs a subcommand: serve' : `unknown dns subcommand ${JSON.stringify(sub)} (known: serve)`);
      }
      case 'nslookup':
        return await nslookupCommand(rest, out, err);
      case 'route':
        return await routeCommand(rest, err);
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
    if (error instanceof ManifestError) {
      err.write(`svcnet: the manifests were not applied:\n${error.message}\n`);
      return 1;
    }
    if (error instanceof DnsServerError || error instanceof PodNotFoundError || error instanceof ApiServerError) {
      err.write(`${error.message.startsWith('svcnet') ? '' : 'svcnet: '}${error.message}\n`);
      return 1;
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
  // The seed's session, through the cluster's controllers: the ReplicaSet replaces the
  // deleted pod (new name, new IP) and the EndpointSlice controller moves the endpoint.
  const [oldPod] = cluster.deletePods('default', { labelSelector: 'app=sleep-2' });
  const [newPod] = cluster.listPods('default', { labelSelector: 'app=sleep-2' });
  out.write(`$ kubectl delete pods -l app=sleep-2      # pod "${oldPod.metadata.name}" deleted; the ReplicaSet starts ${newPod.metadata.name}\n`);
  out.write(`${routeTable(proxy, [toSleep2])}\n\n`);
  cluster.deleteDeployment('default', 'sleep-2');
  out.write('$ kubectl delete deploy sleep-2           # deployment.apps "sleep-2" deleted: no pod matches app=sleep-2 any more\n');
  out.write(`${routeTable(proxy, [toSleep2])}\n`);
  out.write('\nThe ClusterIP 10.98.208.225 stays; with no endpoints behind it the node rejects the packet (ICMP port unreachable).\n');
  return 0;
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

// ---------------------------------------------------------------------------- serve

/** Resolves with the signal's name on SIGINT, SIGTERM or the context's abort. */
function untilStopped(context: MainContext): Promise<string> {
  return new Promise<string>((resolve) => {
    const onSignal = (name: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      context.signal?.removeEventListener('abort', onAbort);
      resolve(name);
    };
    const onInt = (): void => onSignal('SIGINT');
    const onTerm = (): void => onSignal('SIGTERM');
    const onAbort = (): void => onSignal('abort');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    context.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function serveCommand(args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream, context: MainContext): Promise<number> {
  const { flags, lists } = parseArgs(args, ['manifests', 'listen', 'dns-listen', 'kubeconfig', 'cluster-domain', 'upstream'], {
    boolean: ['no-dns', 'verbose', 'empty'],
    repeatable: ['manifests'],
  });
  const listen = addressFlag('listen', flags.listen ?? '127.0.0.1:6443');
  const dnsListen = addressFlag('dns-listen', flags['dns-listen'] ?? '127.0.0.1:5353');
  const upstream = flags.upstream === undefined ? undefined : addressFlag('upstream', flags.upstream, 53);
  const clusterDomain = clusterDomainFlag(flags['cluster-domain']);
  if (context.signal?.aborted) return 0;
  const running = await serve({
    manifests: lists.manifests ?? [],
    empty: flags.empty === 'true',
    apiListen: listen,
    dnsListen,
    dns: flags['no-dns'] !== 'true',
    kubeconfig: flags.kubeconfig,
    clusterDomain,
    upstream,
    verbose: flags.verbose === 'true',
    log: (line) => err.write(`${line}\n`),
    svcnetVersion: await version(),
  });
  out.write(`\n${serveInstructions(running)}`);
  const signal = await untilStopped(context);
  await running.close();
  err.write(`svcnet serve: ${signal === 'abort' ? 'stopped' : `${signal}: stopped`}\n`);
  return 0;
}

// ---------------------------------------------------------------------------- dns serve

const LABEL = '[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?';
const DOMAIN_RE = new RegExp(`^${LABEL}(\\.${LABEL})*\\.?$`);

function clusterDomainFlag(value: string | undefined): string {
  const domain = value ?? 'cluster.local';
  if (!DOMAIN_RE.test(domain) || domain.length > 253) throw new UsageError(`--cluster-domain must be a domain name like cluster.local; got ${JSON.stringify(domain)}`);
  return domain.replace(/\.$/, '').toLowerCase();
}

function addressFlag(flag: string, value: string, defaultPort?: number): string {
  try {
    parseHostPort(value, defaultPort);
  } catch (error) {
    throw new UsageError(`--${flag}: ${(error as Error).message}`);
  }
  return value;
}

/** The seed's cluster, or a fresh one (built-ins only) holding the manifests' objects. */
async function clusterFrom(manifests: readonly string[], err: NodeJS.WritableStream, who: string): Promise<Cluster> {
  if (manifests.length === 0) return seedCluster();
  const cluster = new Cluster();
  const { applied } = await loadManifests(cluster, manifests, { warn: (line) => err.write(`${who}: ${line}\n`) });
  const counts = Object.entries(applied).map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : kind.endsWith('s') ? 'es' : 's'}`);
  err.write(`${who}: applied ${counts.length > 0 ? counts.join(', ') : 'nothing'} from ${manifests.join(', ')}\n`);
  return cluster;
}

function describeDns(dns: ClusterDns): () => { zone: string; names: number } {
  return () => ({ zone: dns.options.zone, names: dns.plane.nameCount() });
}

async function dnsServe(args: readonly string[], err: NodeJS.WritableStream, context: MainContext): Promise<number> {
  const { flags, lists } = parseArgs(args, ['manifests', 'listen', 'cluster-domain', 'ttl', 'pods', 'upstream', 'target'], {
    boolean: ['ignore-empty-service', 'endpoint-pod-names'],
    repeatable: ['manifests'],
  });
  const listen = addressFlag('listen', flags.listen ?? '127.0.0.1:5353');
  const upstream = flags.upstream === undefined ? undefined : addressFlag('upstream', flags.upstream, 53);
  const clusterDomain = clusterDomainFlag(flags['cluster-domain']);
  const ttl = flags.ttl === undefined ? 5 : Number(flags.ttl);
  if (!/^\d+$/.test(flags.ttl ?? '5') || ttl > 3600) throw new UsageError(`--ttl must be an integer from 0 to 3600; got ${JSON.stringify(flags.ttl)}`);
  const pods = oneOf('pods', flags.pods, ['disabled', 'insecure', 'verified'] as const, 'disabled');
  const target = oneOf('target', flags.target, ['release', 'debug'] as const, 'release');
  if (context.signal?.aborted) return 0;

  const cluster = await clusterFrom(lists.manifests ?? [], err, 'svcnet dns');
  const dns = await createClusterDns(cluster, {
    clusterDomain,
    ttl,
    pods,
    ignoreEmptyService: flags['ignore-empty-service'] === 'true',
    endpointPodNames: flags['endpoint-pod-names'] === 'true',
    forwardOutOfZone: upstream !== undefined,
    target,
  });
  const server = await startDnsServer({
    dns,
    listen,
    upstream,
    log: (line) => err.write(`${line}\n`),
    describe: describeDns(dns),
  });
  if (upstream !== undefined) err.write(`svcnet dns: names outside ${clusterDomain} and the reverse zones go to ${upstream}\n`);

  const signal = await untilStopped(context);
  await server.close();
  dns.detach();
  const stats = server.stats();
  err.write(`svcnet dns: ${signal === 'abort' ? 'stopped' : `${signal}: stopped`} after ${stats.udpQueries} udp and ${stats.tcpQueries} tcp queries\n`);
  return 0;
}

// ---------------------------------------------------------------------------- nslookup

async function nslookupCommand(args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { flags, lists, positionals } = parseArgs(args, ['from', 'namespace', 'manifests', 'server', 'cluster-domain'], {
    repeatable: ['manifests'],
    positionals: 1,
  });
  const [name] = positionals;
  if (name === undefined || name === '') throw new UsageError('nslookup needs a name to look up');
  const clusterDomain = clusterDomainFlag(flags['cluster-domain']);
  const server = flags.server === undefined ? undefined : parseServer(flags.server);
  const cluster = await clusterFrom(lists.manifests ?? [], err, 'svcnet nslookup');
  const pod = podDnsContext(cluster, { from: flags.from, namespace: flags.namespace, clusterDomain });
  const exchange = server ? udpExchange(server) : inProcessExchange(await createClusterDns(cluster, { clusterDomain }));
  const result = await nslookup({ name, searches: pod.searches, nameserver: pod.nameserver, exchange });
  out.write(result.output);
  return result.exitCode;
}

function parseServer(value: string): ReturnType<typeof parseHostPort> {
  try {
    return parseHostPort(value, 53);
  } catch (error) {
    throw new UsageError(`--server: ${(error as Error).message}`);
  }
}
