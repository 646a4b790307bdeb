/**
 * `svcnet serve`, svcnet's main job: one cluster (the seed's, or the manifests'), its
 * Kubernetes-compatible API for kubectl on 127.0.0.1:6443 and its cluster DNS on
 * 127.0.0.1:5353, a kubeconfig for kubectl, until SIGINT/SIGTERM.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { Cluster } from '../cluster/cluster.js';
import { seedCluster } from '../cluster/seed.js';
import { createClusterDns } from '../dns/clusterdns.js';
import { startApiServer } from './api-server.js';
import type { RunningApiServer } from './api-server.js';
import { parseHostPort, startDnsServer } from './dns-server.js';
import type { DnsServer } from './dns-server.js';
import { loadManifests } from './manifests.js';

export const DEFAULT_API_LISTEN = '127.0.0.1:6443';
export const DEFAULT_DNS_LISTEN = '127.0.0.1:5353';
export const DEFAULT_KUBECONFIG = '.svcnet/kubeconfig';
/** The kubeconfig's cluster, context and user name. */
export const KUBECONFIG_CONTEXT = 'svcnet';

export interface ServeOptions {
  manifests?: readonly string[];
  /** Start from a fresh cluster (built-in namespaces and services, controllers on) instead of the seed's. */
  empty?: boolean;
  /** API address, `host:port` (port 0 picks one). */
  apiListen?: string;
  /** DNS address, `host:port`; `off` (or undefined with `dns: false`) runs no DNS server. */
  dnsListen?: string;
  dns?: boolean;
  kubeconfig?: string;
  clusterDomain?: string;
  upstream?: string;
  /** Log every API request. */
  verbose?: boolean;
  /** Where logs go (stderr in the CLI). */
  log: (line: string) => void;
  svcnetVersion?: string;
}

export interface RunningServe {
  cluster: Cluster;
  api: RunningApiServer;
  dns?: DnsServer;
  kubeconfigPath: string;
  close(): Promise<void>;
}

/** The kubeconfig text for a plain-HTTP server (spec/kubectl.md §3.3). */
export function kubeconfigFor(serverURL: string, namespace = 'default'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${KUBECONFIG_CONTEXT}`,
    '  cluster:',
    `    server: ${serverURL}`,
    'contexts:',
    `- name: ${KUBECONFIG_CONTEXT}`,
    '  context:',
    `    cluster: ${KUBECONFIG_CONTEXT}`,
    `    user: ${KUBECONFIG_CONTEXT}`,
    `    namespace: ${namespace}`,
    `current-context: ${KUBECONFIG_CONTEXT}`,
    'users:',
    `- name: ${KUBECONFIG_CONTEXT}`,
    '  user: {}',
    '',
  ].join('\n');
}

/** Boots the cluster and both servers, writes the kubeconfig; resolves once all listen. */
export async function serve(options: ServeOptions): Promise<RunningServe> {
  const log = options.log;
  const manifests = options.manifests ?? [];
  let cluster: Cluster;
  if (manifests.length === 0 && options.empty !== true) {
    cluster = seedCluster();
    log(`svcnet serve: the seed's cluster (kiamol chapter 3 on Docker Desktop): ${cluster.listServices().length} services, ${cluster.listPods().length} pods`);
  } else {
    cluster = new Cluster({ controllers: true });
    if (manifests.length === 0) log(`svcnet serve: a fresh cluster: namespaces default, kube-system, kube-public, kube-node-lease; services kubernetes, kube-dns`);
    else {
      const { applied } = await loadManifests(cluster, manifests, { warn: (line) => log(`svcnet serve: ${line}`) });
      const counts = Object.entries(applied).map(([kind, n]) => `${n} ${kind}`);
      log(`svcnet serve: applied ${counts.length > 0 ? counts.join(', ') : 'nothing'} from ${manifests.join(', ')}`);
    }
  }

  const apiAddress = parseHostPort(options.apiListen ?? DEFAULT_API_LISTEN);
  const api = await startApiServer(cluster, {
    host: apiAddress.host,
    port: apiAddress.port,
    svcnetVersion: options.svcnetVersion,
    log: options.verbose ? (line) => log(`svcnet api: ${line}`) : undefined,
  });
  log(`svcnet api: listening on ${api.url} (Kubernetes API, plain HTTP)`);

  let dns: DnsServer | undefined;
  let detachDns: (() => void) | undefined;
  if (options.dns !== false) {
    try {
      const clusterDns = await createClusterDns(cluster, { clusterDomain: options.clusterDomain, forwardOutOfZone: options.upstream !== undefined });
      detachDns = () => clusterDns.detach();
      dns = await startDnsServer({
        dns: clusterDns,
        listen: options.dnsListen ?? DEFAULT_DNS_LISTEN,
        upstream: options.upstream,
        log: (line) => log(line),
        describe: () => ({ zone: clusterDns.options.zone, names: clusterDns.plane.nameCount() }),
      });
    } catch (error) {
      detachDns?.();
      await api.close();
      throw error;
    }
  }

  const kubeconfigPath = resolve(options.kubeconfig ?? DEFAULT_KUBECONFIG);
  await mkdir(dirname(kubeconfigPath), { recursive: true });
  await writeFile(kubeconfigPath, kubeconfigFor(api.url));
  log(`svcnet serve: wrote ${kubeconfigPath} (context ${KUBECONFIG_CONTEXT})`);

  return {
    cluster,
    api,
    dns,
    kubeconfigPath,
    close: async () => {
      await Promise.all([api.close(), dns?.close()]);
      detachDns?.();
    },
  };
}

/** What `svcnet serve` prints once it is up: how to reach it with kubectl, dig and nslookup. */
export function serveInstructions(running: RunningServe, cwd = process.cwd()): string {
  const rel = relative(cwd, running.kubeconfigPath);
  const kubeconfig = rel.startsWith('..') ? running.kubeconfigPath : rel;
  const lines = [
    `svcnet is serving a cluster. In another terminal:`,
    ``,
    `  kubectl --kubeconfig ${kubeconfig} get svc`,
    `  kubectl --kubeconfig ${kubeconfig} get endpoints sleep-2`,
    `  kubectl --kubeconfig ${kubeconfig} delete pods -l app=sleep-2`,
    `  export KUBECONFIG=$PWD/${kubeconfig}      # then plain kubectl works`,
  ];
  if (running.dns !== undefined) {
    const { host, port, address } = running.dns;
    lines.push(
      `  dig @${host} -p ${port} numbers-api.default.svc.cluster.local`,
      `  npx svcnet nslookup numbers-api.default.svc.cluster.local --from deploy/sleep-1 --server ${address}`,
    );
  }
  lines.push(``, `Stop with Ctrl-C.`, ``);
  return lines.join('\n');
}
