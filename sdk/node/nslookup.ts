/**
 * `nslookup` as BusyBox 1.34 prints it (the alpine 3.15 sleep pod of the seed, busybox
 * `networking/nslookup.c` built with FEATURE_NSLOOKUP_BIG). BusyBox builds its queries
 * itself instead of calling the libc resolver:
 *
 * - an IP address gives one PTR query for its reverse name;
 * - otherwise an A and an AAAA query; a name without a dot is tried under every search
 *   domain of resolv.conf at once (never bare), a name with a dot only as given (so musl's
 *   ndots rule plays no part);
 * - all queries go out together over UDP (timeout 5 s, resent after 2.5 s); each reply is
 *   printed as it comes: `** server can't find <name>: <RCODE>` for an error, else
 *   `Non-authoritative answer:` when AA is clear and one block per answer record, then a
 *   blank line; a NODATA reply prints only the blank line;
 * - the header `Server:\t\t<nameserver>` / `Address:\t<ip>:53` is printed on the first
 *   reply; queries never answered end with `*** Can't find <name>: No answer`.
 * - exit status 1 when a reply carried an error RCODE or no server answered.
 *
 * Replies are printed in query order (BusyBox prints them in arrival order, which for
 * one server answering at once is the same).
 */

import dgram from 'node:dgram';
import { isIP, isIPv4, parseIP } from '../model/ip.js';
import type { Cluster } from '../cluster/cluster.js';
import { DNS_UDP, TYPE_A, TYPE_AAAA, TYPE_PTR } from '../engine/dnsplane.js';
import { DnsNameError } from '../dns/names.js';
import { podSearchList } from '../dns/resolver.js';
import { DnsWireError, decodeMessage, encodeQuery } from '../dns/wire.js';
import type { DnsAnswerer } from '../dns/resolver.js';
import type { HostPort } from './dns-server.js';

/** busybox's rcode table: the RFC 1035/2136 names, then the bare numbers. */
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE', '11', '12', '13', '14', '15'];

export interface NslookupQuery {
  name: string;
  type: number;
}

/** Sends the queries (wire format) and returns each reply, or undefined when none came. */
export type Exchange = (queries: readonly Uint8Array[]) => Promise<(Uint8Array | undefined)[]>;

export interface NslookupOptions {
  /** The argument given to nslookup. */
  name: string;
  /** resolv.conf's search domains. */
  searches: readonly string[];
  /** resolv.conf's first nameserver, as printed (`10.96.0.10`). */
  nameserver: string;
  /** Port printed after the nameserver. Default 53. */
  port?: number;
  exchange: Exchange;
}

export interface NslookupResult {
  /** What busybox prints on stdout. */
  output: string;
  exitCode: number;
  /** The queries sent, in order. */
  queries: NslookupQuery[];
}

/** The reverse name busybox's `make_ptr` builds, or undefined when `text` is no IP. */
export function reverseName(text: string): string | undefined {
  if (!isIP(text)) return undefined;
  const ip = parseIP(text);
  if (ip.family === 'IPv4') {
    const a = ip.address;
    return `${a & 0xff}.${(a >>> 8) & 0xff}.${(a >>> 16) & 0xff}.${a >>> 24}.in-addr.arpa`;
  }
  const b = ip.address;
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    return `${b[15]}.${b[14]}.${b[13]}.${b[12]}.in-addr.arpa`;
  }
  let out = '';
  for (let i = 15; i >= 0; i--) out += `${(b[i] & 0xf).toString(16)}.${(b[i] >> 4).toString(16)}.`;
  return `${out}ip6.arpa`;
}

/** The queries busybox sends for `name` (see the module comment). */
export function nslookupQueries(name: string, searches: readonly string[]): NslookupQuery[] {
  const ptr = reverseName(name);
  if (ptr !== undefined) return [{ name: ptr, type: TYPE_PTR }];
  const names = name.includes('.') || searches.length === 0 ? [name] : searches.map((domain) => `${name}.${domain}`);
  return [...names.map((n) => ({ name: n, type: TYPE_A })), ...names.map((n) => ({ name: n, type: TYPE_AAAA }))];
}

/** A query as musl's `res_mkquery` writes it (RD set, no EDNS); undefined for a name it refuses. */
function buildQuery(id: number, name: string, type: number): Uint8Array | undefined {
  try {
    return encodeQuery(name, { id, type });
  } catch (error) {
    if (error instanceof DnsNameError || error instanceof RangeError) return undefined;
    throw error;
  }
}

/** busybox `parse_reply`: the answer section as it prints it; throws DnsWireError. */
function formatReply(reply: Uint8Array): string {
  const message = decodeMessage(reply);
  let out = message.flags.aa ? '' : 'Non-authoritative answer:\n';
  for (const rr of message.answers) {
    const name = rr.name === '' ? '.' : rr.name;
    switch (rr.type) {
      case 'A':
      case 'AAAA':
        out += `Name:\t${name}\nAddress: ${rr.address}\n`;
        break;
      case 'NS':
        out += `${name}\tnameserver = ${rr.target}\n`;
        break;
      case 'CNAME':
        out += `${name}\tcanonical name = ${rr.target}\n`;
        break;
      case 'PTR':
        out += `${name}\tname = ${rr.target}\n`;
        break;
      case 'MX':
        out += `${name}\tmail exchanger = ${rr.preference} ${rr.exchange}\n`;
        break;
      case 'TXT':
        if (rr.strings.length > 0 && rr.strings[0].length > 0) out += `${name}\ttext = "${rr.strings[0]}"\n`;
        break;
      case 'SRV':
        out += `${name}\tservice = ${rr.priority} ${rr.weight} ${rr.port} ${rr.target}\n`;
        break;
      case 'SOA':
        out += `${name}\n\torigin = ${rr.mname}\n\tmail addr = ${rr.rname}\n\tserial = ${rr.serial}\n\trefresh = ${rr.refresh}\n\tretry = ${rr.retry}\n\texpire = ${rr.expire}\n\tminimum = ${rr.minimum}\n`;
        break;
      default:
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------- nslookup

/** Runs one nslookup; never throws for DNS outcomes. */
export async function nslookup(options: NslookupOptions): Promise<NslookupResult> {
  const queries = nslookupQueries(options.name, options.searches);
  const base = (Date.now() + Math.floor(Math.random() * 1000)) & 0xffff;
  const wires: Uint8Array[] = [];
  const sent: NslookupQuery[] = [];
  for (const q of queries) {
    const wire = buildQuery((base + wires.length) & 0xffff, q.name, q.type);
    if (!wire) continue;
    wires.push(wire);
    sent.push(q);
  }
  const replies = wires.length > 0 ? await options.exchange(wires) : [];
  let output = '';
  let exitCode = 0;
  const answered = replies.some((r) => r !== undefined);
  if (!answered) {
    return { output: ';; connection timed out; no servers could be reached\n\n', exitCode: 1, queries: sent };
  }
  output += `Server:\t\t${options.nameserver}\n`;
  output += `Address:\t${isIPv4(options.nameserver) ? options.nameserver : `[${options.nameserver}]`}:${options.port ?? 53}\n\n`;
  const unanswered: string[] = [];
  sent.forEach((q, i) => {
    const reply = replies[i];
    if (!reply) {
      unanswered.push(q.name);
      return;
    }
    const rcode = reply.length >= 4 ? reply[3] & 0x0f : 0;
    if (rcode !== 0) {
      output += `** server can't find ${q.name}: ${RCODES[rcode]}\n`;
      exitCode = 1;
    } else {
      try {
        output += formatReply(reply);
      } catch (error) {
        if (!(error instanceof DnsWireError)) throw error;
        output += `*** Can't find ${q.name}: Parse error\n`;
        exitCode = 1;
      }
    }
    output += '\n';
  });
  for (const name of unanswered) output += `*** Can't find ${name}: No answer\n`;
  if (unanswered.length > 0) output += '\n';
  return { output, exitCode, queries: sent };
}

/** Answers in process, through the DNS data plane, as a UDP server would. */
export function inProcessExchange(dns: DnsAnswerer): Exchange {
  return async (queries) => {
    const out = new Uint8Array(65535);
    return queries.map((query) => {
      const n = dns.answer(query, DNS_UDP, out);
      return n >= 0 ? out.slice(0, Math.min(n, 512)) : undefined;
    });
  };
}

/**
 * Sends every query at once over one UDP socket, as busybox's `send_queries` does: replies
 * matched by ID, unanswered queries resent after half the timeout, SERVFAIL answers resent
 * (at most twice per query), replies read into 512 bytes.
 */
export function udpExchange(server: HostPort, timeoutMs = 5000, retries = 2): Exchange {
  return (queries) =>
    new Promise((resolve, reject) => {
      const replies: (Uint8Array | undefined)[] = queries.map(() => undefined);
      let remaining = queries.length;
      let servfailRetries = 2 * queries.length;
      const socket = dgram.createSocket(server.family === 6 ? 'udp6' : 'udp4');
      const interval = Math.floor(timeoutMs / retries);
      let resend: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearInterval(resend);
        clearTimeout(deadline);
        socket.close();
        resolve(replies);
      };
      const sendPending = (): void => {
        queries.forEach((q, i) => {
          if (!replies[i]) socket.send(q);
        });
      };
      socket.on('error', (error) => {
        if (done) return;
        done = true;
        clearInterval(resend);
        clearTimeout(deadline);
        socket.close();
        reject(error);
      });
      socket.on('message', (msg) => {
        if (msg.length < 4) return;
        const i = queries.findIndex((q) => q[0] === msg[0] && q[1] === msg[1]);
        if (i < 0 || replies[i]) return;
        if ((msg[3] & 0x0f) === 2 && servfailRetries > 0) {
          servfailRetries--;
          socket.send(queries[i]);
          return;
        }
        replies[i] = msg.subarray(0, 512);
        if (--remaining === 0) finish();
      });
      const deadline = setTimeout(finish, timeoutMs);
      socket.connect(server.port, server.host, () => {
        sendPending();
        resend = setInterval(sendPending, interval);
      });
    });
}

// ---------------------------------------------------------------------------- pods

export interface PodDnsContext {
  /** The pod, when one was named. */
  pod?: string;
  namespace: string;
  /** The first nameserver of the pod's resolv.conf: the kube-dns ClusterIP. */
  nameserver: string;
  searches: string[];
}

export class PodNotFoundError extends Error {}

interface PodLike {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: { hostNetwork?: boolean };
}

/**
 * The resolv.conf kubelet writes for a pod with `dnsPolicy: ClusterFirst`: nameserver the
 * kube-dns Service's ClusterIP, search `<ns>.svc.<zone> svc.<zone> <zone>`, ndots 5.
 * `from` is a pod name, `pod/<name>` or `deploy/<name>` (the deployment's pods are those
 * named `<name>-<hash>-<5>`, or selected by the Deployment when the store has that kind;
 * the first by name is used, as `kubectl exec deploy/…` picks one).
 */
export function podDnsContext(cluster: Cluster, options: { from?: string; namespace?: string; clusterDomain?: string }): PodDnsContext {
  const zone = (options.clusterDomain ?? 'cluster.local').replace(/\.$/, '');
  const kubeDns = cluster.getService('kube-system', 'kube-dns');
  const nameserver = kubeDns?.spec.clusterIP && kubeDns.spec.clusterIP !== 'None' ? kubeDns.spec.clusterIP : '10.96.0.10';
  let namespace = options.namespace ?? 'default';
  let pod: string | undefined;
  if (options.from !== undefined) {
    const found = findPod(cluster, options.from, namespace);
    pod = found.metadata.name;
    namespace = found.metadata.namespace ?? namespace;
  }
  return { pod, namespace, nameserver, searches: podSearchList(namespace, zone) };
}

function findPod(cluster: Cluster, from: string, namespace: string): PodLike {
  const store = cluster as unknown as {
    listPods?: (namespace?: string) => PodLike[];
    getPod?: (namespace: string, name: string) => PodLike | undefined;
    getDeployment?: (namespace: string, name: string) => { spec?: { selector?: { matchLabels?: Record<string, string> } } } | undefined;
  };
  const slash = from.indexOf('/');
  const kind = slash < 0 ? 'pod' : from.slice(0, slash).toLowerCase();
  const name = slash < 0 ? from : from.slice(slash + 1);
  if (!name) throw new PodNotFoundError(`--from ${JSON.stringify(from)}: expected <pod>, pod/<name> or deploy/<name>`);
  if (typeof store.listPods !== 'function') {
    throw new PodNotFoundError(`this cluster store has no pods; cannot find ${from} (use --namespace instead)`);
  }
  const pods = store.listPods(namespace);
  if (kind === 'pod' || kind === 'pods' || kind === 'po') {
    const pod = store.getPod ? store.getPod(namespace, name) : pods.find((p) => p.metadata.name === name);
    if (!pod) throw new PodNotFoundError(`Error from server (NotFound): pods "${name}" not found`);
    return pod;
  }
  if (kind === 'deploy' || kind === 'deployment' || kind === 'deployments') {
    const deployment = store.getDeployment?.(namespace, name);
    const selector = deployment?.spec?.selector?.matchLabels;
    const byName = (a: PodLike, b: PodLike): number => (a.metadata.name < b.metadata.name ? -1 : 1);
    let matches: PodLike[];
    if (selector) {
      matches = pods.filter((p) => Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v));
    } else {
      // Without Deployments in the store: ReplicaSet pods are `<deploy>-<hash>-<5>`; else any `<deploy>-…`.
      const replicaSetPod = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[a-z0-9]+-[a-z0-9]{5}$`);
      matches = pods.filter((p) => replicaSetPod.test(p.metadata.name));
      if (matches.length === 0) matches = pods.filter((p) => p.metadata.name.startsWith(`${name}-`));
    }
    matches.sort(byName);
    if (matches.length === 0) {
      throw new PodNotFoundError(
        deployment || store.getDeployment === undefined
          ? `no pods of deployment ${name} in namespace ${namespace}`
          : `Error from server (NotFound): deployments.apps "${name}" not found`,
      );
    }
    return matches[0];
  }
  throw new PodNotFoundError(`--from ${JSON.stringify(from)}: kind ${JSON.stringify(kind)} is not supported (use a pod name, pod/<name> or deploy/<name>)`);
}
