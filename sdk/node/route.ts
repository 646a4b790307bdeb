/**
 * `svcnet route`: a capture through one node's kube-proxy, offline.
 *
 *   svcnet route --manifests <file|dir> [--manifests …] --node <name>
 *                [--config <KubeProxyConfiguration yaml>] [--mode iptables|nftables|ipvs]
 *                [--node-ip <ip>]… --in <in.pcap> --out <out.pcap> [--verdicts <out.jsonl>]
 *                [--engine reference|wasm]
 *
 * The manifests are state as a cluster recorded it (a Cluster without controllers or
 * built-in objects: only what the files hold, addresses and ports as given); a
 * KubeProxyConfiguration among them is kube-proxy's configuration unless `--config` gives
 * one. The node is
 * `--node`: its addresses are the `--node-ip` values (primary first) or else its Node
 * object's InternalIP then ExternalIP addresses; its zone the `topology.kubernetes.io/zone`
 * label; its pod CIDRs `spec.podCIDRs`. Each frame of `--in` goes through a frame engine
 * (sdk/proxy/frame-engine.ts) in capture order; `--out` receives what leaves the node, in
 * the input's format, byte order, link type and timestamps (a REJECT's ICMP reply carries
 * the rejected packet's timestamp); `--verdicts` one JSON line per input packet.
 *
 * Exit codes: 0 done, 1 an input problem (manifests, node, configuration, capture: the
 * message names the file, and the record for a capture), 2 a usage error.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { Cluster, BUILTIN_NAMESPACES } from '../cluster/cluster.js';
import type { Node } from '../model/types.js';
import { KUBE_PROXY_KIND, PROXY_MODES, ProxyConfigError, defaultProxyConfig, parseKubeProxyConfiguration, type ProxyConfig, type ProxyMode } from '../proxy/config.js';
import type { Frame, FrameEngine, FrameResult } from '../proxy/frame-engine.js';
import { createReferenceFrameEngine, type FrameEngineOptions } from '../proxy/reference-frames.js';
import type { NodeView } from '../proxy/rules.js';
import { NodeViewError, nodeViewOf } from '../proxy/node-view.js';
import { parseAddress } from '../proxy/rules-net.js';
import type { LoadBalancerAlgorithm, Verdict } from '../proxy/decision.js';
import { CILIUM_MAGLEV_TABLE_SIZES, MAX_MAGLEV_TABLE_SIZE, isPrime } from '../proxy/maglev.js';
import { LINKTYPE, PcapError, readCapture, writeCapture, type Capture, type PcapRecord } from '../pcap/index.js';
import { UsageError, parseArgs } from './cli.js';
import { createWasmFrameEngine } from '../engine/frames.js';
import { ManifestError, applyManifests, fsMessage, readManifests, type ManifestDocument } from './manifests.js';

/** Frame engines `--engine` can name; each builds from the same snapshot. */
export const FRAME_ENGINES: Record<string, (options: FrameEngineOptions) => FrameEngine | Promise<FrameEngine>> = {
  reference: (options) => createReferenceFrameEngine(options),
  wasm: (options) => createWasmFrameEngine(options),
};

/** Frames per `FrameEngine.process` call; progress is reported after each batch of a longer capture. */
export const ROUTE_BATCH = 100_000;

/** Locality-based schedulers need the real servers' load, which a capture does not carry. */
const UNMODELLED_IPVS_SCHEDULERS = ['lblc', 'lblcr'] as const;
const VERDICTS: readonly Verdict[] = ['DNAT', 'REJECT', 'DROP', 'ACCEPT', 'PASS'];
const SUPPORTED_LINK_TYPES: ReadonlySet<number> = new Set([LINKTYPE.ETHERNET, LINKTYPE.RAW, LINKTYPE.IPV4, LINKTYPE.IPV6]);

/** An input problem (exit code 1); the message names the file. */
export class RouteError extends Error {
  override readonly name = 'RouteError';
}

export interface RouteOptions {
  manifests: readonly string[];
  node: string;
  config?: string;
  mode?: ProxyMode;
  nodeIPs: readonly string[];
  input: string;
  output: string;
  verdicts?: string;
  engine: string;
  /** Cilium's `loadBalancer.algorithm` for iptables/nftables mode (`--lb-algorithm`). */
  loadBalancerAlgorithm?: LoadBalancerAlgorithm;
  /** `--maglev-table-size`: a prime. */
  maglevTableSize?: number;
}

export interface RouteSummary {
  packets: number;
  written: number;
  verdicts: Record<Verdict, number>;
}

/** The `route` command: parses its arguments, runs, reports; returns the exit code (usage errors throw UsageError). */
export async function routeCommand(args: readonly string[], err: NodeJS.WritableStream): Promise<number> {
  const options = routeOptions(args);
  try {
    await route(options, (line) => err.write(`svcnet route: ${line}\n`));
    return 0;
  } catch (error) {
    if (error instanceof RouteError) {
      err.write(`svcnet route: ${error.message}\n`);
      return 1;
    }
    if (error instanceof ManifestError) {
      err.write(`svcnet route: the manifests were not applied:\n${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Reads the flags of `route`; throws UsageError. */
export function routeOptions(args: readonly string[]): RouteOptions {
  const { flags, lists } = parseArgs(args, ['manifests', 'node', 'config', 'mode', 'node-ip', 'in', 'out', 'verdicts', 'engine', 'lb-algorithm', 'maglev-table-size'], {
    repeatable: ['manifests', 'node-ip'],
  });
  const missing = ['manifests', 'node', 'in', 'out'].filter((name) => flags[name] === undefined);
  if (missing.length > 0) throw new UsageError(`route needs ${missing.map((name) => `--${name}`).join(', ')}`);
  const mode = flags.mode;
  if (mode !== undefined && !(PROXY_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--mode must be one of iptables, nftables, ipvs; got ${JSON.stringify(mode)}`);
  }
  const engine = flags.engine ?? 'reference';
  if (!Object.hasOwn(FRAME_ENGINES, engine)) throw new UsageError(`--engine must be one of ${Object.keys(FRAME_ENGINES).join(', ')}; got ${JSON.stringify(engine)}`);
  const nodeIPs = lists['node-ip'] ?? [];
  for (const ip of nodeIPs) {
    if (!parseAddress(ip)) throw new UsageError(`--node-ip must be an IPv4 or IPv6 address; got ${JSON.stringify(ip)}`);
  }
  const algorithm = flags['lb-algorithm'];
  if (algorithm !== undefined && algorithm !== 'random' && algorithm !== 'maglev') throw new UsageError(`--lb-algorithm must be random or maglev; got ${JSON.stringify(algorithm)}`);
  const tableSizeText = flags['maglev-table-size'];
  const tableSize = tableSizeText === undefined ? undefined : Number(tableSizeText);
  if (tableSize !== undefined && !(Number.isSafeInteger(tableSize) && isPrime(tableSize) && tableSize <= MAX_MAGLEV_TABLE_SIZE)) {
    throw new UsageError(`--maglev-table-size must be a prime up to ${MAX_MAGLEV_TABLE_SIZE} (Cilium uses ${CILIUM_MAGLEV_TABLE_SIZES.join(', ')}); got ${JSON.stringify(tableSizeText)}`);
  }
  return {
    manifests: lists.manifests ?? [],
    node: flags.node as string,
    ...(flags.config !== undefined ? { config: flags.config } : {}),
    ...(mode !== undefined ? { mode: mode as ProxyMode } : {}),
    nodeIPs,
    input: flags.in as string,
    output: flags.out as string,
    ...(flags.verdicts !== undefined ? { verdicts: flags.verdicts } : {}),
    engine,
    ...(algorithm !== undefined ? { loadBalancerAlgorithm: algorithm } : {}),
    ...(tableSize !== undefined ? { maglevTableSize: tableSize } : {}),
  };
}

/**
 * Routes the capture. `log` receives the loading report, warnings, progress and the
 * summary (one line each). Throws RouteError or ManifestError.
 */
export async function route(options: RouteOptions, log: (line: string) => void): Promise<RouteSummary> {
  const docs = await readManifests(options.manifests);
  const proxyDocs = docs.filter((d) => d.object.kind === KUBE_PROXY_KIND);
  const config = await proxyConfig(options, proxyDocs, log);
  const cluster = new Cluster({ builtins: false });
  // Namespaced objects that name no Namespace object still load, as on any cluster.
  for (const name of BUILTIN_NAMESPACES) cluster.createNamespace({ metadata: { name } });
  const { applied } = applyManifests(cluster, docs.filter((d) => d.object.kind !== KUBE_PROXY_KIND), { warn: log });
  const counts = Object.entries(applied).map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : kind.endsWith('s') ? 'es' : 's'}`);
  log(`applied ${counts.length > 0 ? counts.join(', ') : 'nothing'} from ${options.manifests.join(', ')}`);

  const node = nodeView(cluster.getNode(options.node), options, log);
  const serviceCIDRs = cluster.listServiceCIDRs().flatMap((c) => c.spec.cidrs);
  const capture = await readInput(options.input);
  const engine = await (FRAME_ENGINES[options.engine] as (typeof FRAME_ENGINES)[string])({
    services: cluster.listServices(),
    slices: cluster.listEndpointSlices(),
    ...(serviceCIDRs.length > 0 ? { serviceCIDRs } : {}),
    node,
    config,
    ...(options.loadBalancerAlgorithm !== undefined ? { loadBalancerAlgorithm: options.loadBalancerAlgorithm } : {}),
    ...(options.maglevTableSize !== undefined ? { maglevTableSize: options.maglevTableSize } : {}),
  });
  log(`node ${node.name} (${node.addresses.join(', ')}${node.zone ? `, zone ${node.zone}` : ''}), ${config.mode} mode, ${options.engine} engine`);

  const summary: RouteSummary = { packets: capture.records.length, written: 0, verdicts: { DNAT: 0, REJECT: 0, DROP: 0, ACCEPT: 0, PASS: 0 } };
  const outRecords: PcapRecord[] = [];
  const lines: string[] = [];
  const total = capture.records.length;
  for (let start = 0; start < total; start += ROUTE_BATCH) {
    const batch = capture.records.slice(start, start + ROUTE_BATCH);
    const results = engine.process(batch.map(frameOf));
    batch.forEach((record, i) => {
      const result = results[i] as FrameResult;
      summary.verdicts[result.verdict]++;
      if (options.verdicts !== undefined) lines.push(verdictLine(record.index, result));
      if (result.output !== undefined) outRecords.push(outputRecord(capture, record, result.output, outRecords.length));
    });
    if (total > ROUTE_BATCH) log(`${Math.min(start + ROUTE_BATCH, total)}/${total} packets`);
  }
  summary.written = outRecords.length;

  let bytes: Uint8Array;
  try {
    bytes = writeCapture({ ...capture, records: outRecords } as Capture);
  } catch (error) {
    if (error instanceof PcapError) throw new RouteError(`${options.output}: ${error.message}`);
    throw error;
  }
  await writeOutput(options.output, bytes);
  if (options.verdicts !== undefined) await writeOutput(options.verdicts, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  const byVerdict = VERDICTS.map((v) => `${summary.verdicts[v]} ${v}`).join(', ');
  log(`${summary.packets} packets: ${byVerdict}; ${summary.written} written to ${options.output}`);
  return summary;
}

// ---------------------------------------------------------------------------- inputs

/**
 * The KubeProxyConfiguration: `--config` (a file whose only document, or only
 * KubeProxyConfiguration document among several as in kubeadm's files, it is), else the
 * one the manifests carry, else kube-proxy's defaults; `--mode` overrides its mode.
 */
async function proxyConfig(options: RouteOptions, inManifests: readonly ManifestDocument[], log: (line: string) => void): Promise<ProxyConfig> {
  const overrides = options.mode !== undefined ? { mode: options.mode } : {};
  let file: string;
  let doc: unknown;
  if (options.config !== undefined) {
    file = options.config;
    doc = await configDocument(file);
    if (inManifests.length > 0) log(`${file} is used; the KubeProxyConfiguration in ${inManifests[0]?.file} is not`);
  } else if (inManifests.length > 0) {
    if (inManifests.length > 1) throw new RouteError(`the manifests hold ${inManifests.length} KubeProxyConfiguration documents (${inManifests.map((d) => d.file).join(', ')}); keep one or pass --config`);
    const only = inManifests[0] as ManifestDocument;
    file = `${only.file}: document ${only.document}`;
    doc = only.object;
  } else {
    return defaultProxyConfig(options.mode);
  }
  try {
    const parsed = parseKubeProxyConfiguration(doc, overrides);
    for (const warning of parsed.warnings) log(`${file}: ${warning}`);
    const { mode, ipvs } = parsed.config;
    if (mode === 'ipvs' && (UNMODELLED_IPVS_SCHEDULERS as readonly string[]).includes(ipvs.scheduler)) {
      throw new RouteError(`${file}: ipvs.scheduler: ${JSON.stringify(ipvs.scheduler)} is not modelled (modelled: rr, wrr, lc, wlc, sed, nq, sh, dh, mh)`);
    }
    return parsed.config;
  } catch (error) {
    if (error instanceof ProxyConfigError) throw new RouteError(error.errors.map((e) => `${file}: ${e.field ? `${e.field}: ` : ''}${e.message}`).join('\n'));
    throw error;
  }
}

async function configDocument(file: string): Promise<unknown> {
  const text = await readText(file);
  const documents = parseAllDocuments(text, { version: '1.1' });
  const values: unknown[] = [];
  for (const [i, doc] of (Array.isArray(documents) ? documents : [documents]).entries()) {
    if (doc.errors.length > 0) throw new RouteError(`${file}: document ${i + 1}: ${doc.errors[0]?.message.split('\n')[0]}`);
    const value = doc.toJS() as unknown;
    if (value !== null && value !== undefined) values.push(value);
  }
  const proxyDocs = values.filter((v) => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === KUBE_PROXY_KIND);
  const doc = values.length === 1 ? values[0] : proxyDocs.length === 1 ? proxyDocs[0] : undefined;
  if (doc === undefined) throw new RouteError(`${file}: expected one KubeProxyConfiguration document, found ${proxyDocs.length} among ${values.length} documents`);
  return doc;
}

/**
 * The node as kube-proxy sees it. Node addresses: `--node-ip` values, else the Node's
 * InternalIP then ExternalIP addresses (kube-proxy's node IPs come from InternalIP first:
 * pkg/util/node GetNodeHostIPs).
 */
function nodeView(node: Node | undefined, options: RouteOptions, log: (line: string) => void): NodeView {
  if (node === undefined) {
    if (options.nodeIPs.length === 0) throw new RouteError(`node ${JSON.stringify(options.node)} is not in ${options.manifests.join(', ')} (add its Node object, or give its addresses with --node-ip)`);
    log(`node ${options.node} is not in the manifests: addresses from --node-ip, no zone, no pod CIDRs`);
    return { name: options.node, addresses: [...options.nodeIPs] };
  }
  try {
    return nodeViewOf(node, options.nodeIPs);
  } catch (error) {
    if (error instanceof NodeViewError) throw new RouteError(`${error.message} (give them with --node-ip)`);
    throw error;
  }
}

async function readInput(file: string): Promise<Capture> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new RouteError(`${file}: ${fsMessage(error)}`);
  }
  let capture: Capture;
  try {
    capture = readCapture(bytes);
  } catch (error) {
    if (error instanceof PcapError) throw new RouteError(`${file}: ${error.message}`);
    throw error;
  }
  for (const record of capture.records) {
    if (!SUPPORTED_LINK_TYPES.has(record.linkType)) {
      throw new RouteError(`${file}: record ${record.index}: link type ${record.linkType} is not supported (Ethernet 1, raw IP 101, 228, 229)`);
    }
  }
  return capture;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new RouteError(`${file}: ${fsMessage(error)}`);
  }
}

async function writeOutput(file: string, data: Uint8Array | string): Promise<void> {
  try {
    await writeFile(file, data);
  } catch (error) {
    throw new RouteError(`${file}: ${fsMessage(error)}`);
  }
}

// ---------------------------------------------------------------------------- outputs

function frameOf(record: PcapRecord): Frame {
  return { data: record.data, linkType: record.linkType, timeMs: Number(record.timestamp.seconds) * 1000 + record.timestamp.nanos / 1e6 };
}

/**
 * The record for an output frame: the input record's timestamp, link type and interface;
 * cut to the interface's snap length as a capture would be (the original length says how
 * long the frame was).
 */
function outputRecord(capture: Capture, input: PcapRecord, data: Uint8Array, index: number): PcapRecord {
  const snapLength = capture.format === 'pcap' ? capture.header.snapLength : (capture.interfaces[input.interfaceId ?? 0]?.snapLength ?? 0);
  const sameLength = data.length === input.data.length;
  const captured = snapLength !== 0 && data.length > snapLength ? data.subarray(0, snapLength) : data;
  return {
    index,
    ...(input.interfaceId !== undefined ? { interfaceId: input.interfaceId } : {}),
    linkType: input.linkType,
    timestamp: input.timestamp,
    data: captured,
    originalLength: sameLength ? input.originalLength : data.length,
  };
}

/**
 * One `--verdicts` line, keys in the issue's order; absent fields omitted. The service is
 * printed as kube-proxy prints a ServicePortName (`ns/name:port`, `ns/name` for an
 * unnamed port: pkg/proxy/types.go `ServicePortName.String`).
 */
export function verdictLine(index: number, result: FrameResult): string {
  const service = result.servicePort?.endsWith(':') ? result.servicePort.slice(0, -1) : result.servicePort;
  return JSON.stringify({
    index,
    verdict: result.verdict,
    ...(service !== undefined ? { service } : {}),
    ...(result.endpoint !== undefined ? { endpoint: result.endpoint } : {}),
    masquerade: result.masquerade,
    flow: result.flow,
    ...((result.verdict === 'DROP' || result.verdict === 'REJECT') && result.reason !== undefined ? { reason: result.reason } : {}),
  });
}
