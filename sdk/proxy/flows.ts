/**
 * The stateful half of a node proxy: what happens to a packet after kube-proxy's rules have
 * been evaluated for its flow (`RuleDecision`, sdk/proxy/decision.ts). A plain TypeScript
 * reference engine — the oracle for the wasm flow layer — with an injected clock and
 * random source so every run can be replayed.
 *
 * Per packet (`process`):
 *  1. Expired conntrack entries are removed (alive while now < deadline).
 *  2. ICMP errors (`embedded` given) are matched to the flow they quote and translated back
 *     (RELATED), without touching its state or timer.
 *  3. A packet whose tuple is a conntrack entry's original or reply tuple is `established`
 *     or `reply`: it gets the entry's translation (reply: source back to the frontend
 *     address:port, destination back to the client when masqueraded) after the protocol
 *     tracker has updated state and timer. TCP entries keep their endpoint whatever happens
 *     to the service's endpoints; only kube-proxy's UDP cleanup (`endpointsChanged`) deletes.
 *  4. Otherwise the flow is `new`: a conntrack slot is reserved first (full table: early
 *     drop of the oldest unassured entry, else DROP `conntrack table full`), then the rules
 *     decide. DROP and REJECT create no entry (the packet never reaches conntrack
 *     confirmation). PASS and ACCEPT flows are tracked untranslated. DNAT picks an endpoint —
 *     ClientIP affinity first (scoped to the service port, or to the frontend in ipvs mode
 *     or when `affinity.scope` is `frontend`), then the Maglev hook when it returns a table
 *     for the service port, else the mode's selection (schedulers.ts) — masquerades when the
 *     rules say so or for hairpin (only to local endpoints under `hairpinLocalOnly`), and
 *     records the entry.
 *
 * Invalid TCP packets (conntrack INVALID: e.g. a FIN with no flow, an ACK in SYN_SENT) are
 * dropped as kube-proxy's `ctstate INVALID` rule does, or pass untranslated when
 * `conntrack.tcpBeLiberal`.
 *
 * IPVS mode uses the same conntrack table for connection state (kube-proxy runs IPVS with
 * conntrack=1); IPVS's own connection timeouts (ipvs.tcpTimeout…) are not modelled, and a
 * real server's active/inactive counters follow the conntrack entries bound to it.
 */

import { Random } from '../model/random.js';
import { AffinityTable, XT_RECENT_LIST_SIZE } from './affinity.js';
import type { AffinityScope } from './affinity.js';
import type { IPVSScheduler, ProxyMode } from './config.js';
import { ConntrackTable, TCP_SYN, cleanStaleUdpEntries, conntrackStateOf, impliedTcpFlags, invertTuple, opensTcpFlow } from './conntrack.js';
import type { ConntrackCounters, ConntrackEntry, ConntrackSettings, FlowNat, ServicePortState, TupleRef } from './conntrack.js';
import type { EndpointTarget, FlowTuple, FrontendKind, RuleDecision, Verdict } from './decision.js';
import { IPVSVirtualServer, endpointKey, flowHash, iptablesCascadePick, isModelledIPVSScheduler, nftablesNumgenPick } from './schedulers.js';
import type { IPVSDestination } from './schedulers.js';

/**
 * Maglev hook: given a service port, its candidates and the rules' decision, a lookup from a
 * flow hash to an index into `endpoints`, or undefined when the service port does not use
 * Maglev. Called for every new flow that affinity did not settle; cache tables inside the hook.
 */
export type MaglevHook = (servicePort: string, endpoints: readonly EndpointTarget[], decision: RuleDecision) => ((hash: number) => number) | undefined;

export interface FlowProcessorOptions {
  mode: ProxyMode;
  /** ipvs only; default `rr`. `mh` requires `maglev`; `lblc` and `lblcr` are not modelled. */
  scheduler?: IPVSScheduler;
  /** Uniform [0, 1) source for iptables/nftables selection; default a `Random` seeded with `seed`. */
  random?: () => number;
  /** Seed of the default random source (default 0x5eed). */
  seed?: number;
  /** Clock in milliseconds. */
  now: () => number;
  conntrack?: ConntrackSettings;
  /** Address a masqueraded flow leaves with (the node's address on the egress side). */
  masqueradeIP: (family: 4 | 6) => string;
  maglev?: MaglevHook;
  /** Hash given to Maglev lookups (default `flowHash`); `withSourcePort` is false under ClientIP affinity. */
  flowHash?: (tuple: FlowTuple, withSourcePort: boolean) => number;
  /** iptables: addresses per `recent` list (xt_recent `ip_list_tot`, default 100). */
  affinityListSize?: number;
  /** ipvs: kube-proxy's graceful termination of TCP real servers (default true). */
  ipvsGracefulTermination?: boolean;
}

export type FlowState = 'new' | 'established' | 'reply';

/** What is known about the packet beyond its tuple. */
export interface PacketInfo {
  /**
   * TCP flags byte (TCP_SYN | TCP_ACK …). When absent the flags of a normal exchange are
   * assumed: SYN for a new flow and for the client until it is answered, SYN/ACK for the
   * answer, ACK otherwise.
   */
  tcpFlags?: number;
  /**
   * For an ICMP/ICMPv6 error (destination unreachable, time exceeded, …): the tuple of the
   * packet it quotes. The tuple passed to `process` is then the outer header; only its
   * family and addresses are used, and the result is `reply` (towards the client) or
   * `established` (towards the endpoint) with both headers translated.
   */
  embedded?: FlowTuple;
}

export interface FlowResult {
  flow: FlowState;
  verdict: Verdict;
  servicePort?: string;
  frontend?: FrontendKind;
  /** The endpoint of a DNAT flow. */
  endpoint?: { ip: string; port: number };
  masquerade: boolean;
  /** Why DROP / REJECT / PASS (new flows and invalid packets). */
  reason?: string;
  /** The packet's tuple after translation (what leaves the node); absent for DROP and REJECT. */
  translated?: FlowTuple;
  /** ICMP errors: the quoted tuple after translation. */
  translatedEmbedded?: FlowTuple;
  /** Conntrack state after the packet (TCP state; UNREPLIED/REPLIED/ASSURED for UDP), if tracked. */
  conntrack?: string;
}

/** The conntrack table's counters, its size, and the affinity and IPVS state beside it. */
export interface FlowStats extends ConntrackCounters {
  entries: number;
  maxEntries: number;
  affinityRecords: number;
  virtualServers: number;
}

export interface EndpointsChangedResult {
  /** Conntrack entries deleted by the UDP cleanup. */
  conntrackEntriesRemoved: number;
  /** Affinity records forgotten with their endpoint or service port. */
  affinityRecordsRemoved: number;
}

const REASON_TABLE_FULL = 'conntrack table full';
const REASON_INVALID = 'conntrack INVALID';
const REASON_NO_PORT = 'no free source port for NAT';
const REASON_IPVS_NO_DEST = 'no destination available';

export class FlowProcessor {
  /** The connection-tracking table (read it; do not mutate it directly). */
  readonly conntrack: ConntrackTable;
  readonly affinity: AffinityTable;
  private readonly decide: (t: FlowTuple) => RuleDecision;
  private readonly options: FlowProcessorOptions;
  private readonly random: () => number;
  private readonly hash: (tuple: FlowTuple, withSourcePort: boolean) => number;
  private readonly scheduler: IPVSScheduler;
  private readonly virtualServers = new Map<string, IPVSVirtualServer>();

  constructor(decide: (t: FlowTuple) => RuleDecision, options: FlowProcessorOptions) {
    this.decide = decide;
    this.options = options;
    this.conntrack = new ConntrackTable(options.conntrack);
    this.scheduler = options.scheduler ?? 'rr';
    if (options.mode === 'ipvs') {
      if (this.scheduler === 'mh' && !options.maglev) throw new Error('IPVS scheduler mh needs the maglev hook');
      if (this.scheduler !== 'mh' && !isModelledIPVSScheduler(this.scheduler)) throw new Error(`IPVS scheduler ${JSON.stringify(this.scheduler)} is not modelled`);
    }
    if (options.random) {
      this.random = options.random;
    } else {
      const rng = new Random(options.seed ?? 0x5eed);
      this.random = () => rng.next() / 0x100000000;
    }
    this.hash = options.flowHash ?? flowHash;
    this.affinity =
      options.mode === 'ipvs'
        ? new AffinityTable({ model: 'templates' })
        : options.mode === 'iptables'
          ? new AffinityTable({ model: 'endpoint-lists', listSize: options.affinityListSize ?? XT_RECENT_LIST_SIZE, inclusiveExpiry: true, reap: true })
          : new AffinityTable({ model: 'endpoint-lists' });
  }

  /** Decides the fate of one packet and updates the flow state. */
  process(tuple: FlowTuple, packet: PacketInfo = {}): FlowResult {
    const now = this.options.now();
    this.conntrack.expire(now);
    if (packet.embedded) return this.related(tuple, packet.embedded);
    const ref = this.conntrack.lookup(tuple);
    if (ref) {
      const flags = tuple.protocol === 'TCP' ? (packet.tcpFlags ?? impliedTcpFlags(ref)) : 0;
      const outcome = this.conntrack.track(ref, flags, now);
      if (outcome === 'invalid') return this.invalid(tuple, ref.direction === 'reply' ? 'reply' : 'established', ref.entry);
      if (outcome !== 'reopen') return this.translate(ref);
      // A SYN reopened a closed connection: the old entry is gone; the rules decide anew.
    }
    return this.newFlow(tuple, packet.tcpFlags, now);
  }

  /**
   * After a sync, with the complete current set of service ports: forgets affinity to
   * endpoints (and service ports) that left — kube-proxy deletes the endpoint's chain, set
   * or real server and the client list with it — and, when `conntrackCleanupRequired`
   * (kube-proxy's `UpdateEndpointsMapResult.ConntrackCleanupRequired`: a Service whose
   * endpoints changed has a UDP port), runs kube-proxy's UDP conntrack cleanup (spec §9).
   */
  endpointsChanged(servicePorts: readonly ServicePortState[], conntrackCleanupRequired = true): EndpointsChangedResult {
    this.conntrack.expire(this.options.now());
    const keep = servingEndpointKeys(servicePorts);
    let affinityRecordsRemoved = this.affinity.retainServicePorts(new Set(keep.keys()));
    for (const [servicePort, endpoints] of keep) affinityRecordsRemoved += this.affinity.retainEndpoints(servicePort, endpoints);
    this.pruneVirtualServers(servicePorts);
    const conntrackEntriesRemoved = conntrackCleanupRequired ? cleanStaleUdpEntries(this.conntrack, servicePorts) : 0;
    return { conntrackEntriesRemoved, affinityRecordsRemoved };
  }

  /**
   * The incremental form of `endpointsChanged`, for a sync that touched some Services only:
   * `changed` holds every current service port of those Services, `removed` the names of their
   * service ports that no longer exist. Affinity is pruned for those ports alone; IPVS
   * virtual servers whose frontend `isFrontend` no longer knows go; the UDP cleanup (when
   * `conntrackCleanupRequired`) looks at the changed ports' frontends.
   */
  servicePortsChanged(
    changed: readonly ServicePortState[],
    removed: readonly string[],
    conntrackCleanupRequired: boolean,
    isFrontend: (protocol: FlowTuple['protocol'], ip: string, port: number) => boolean,
  ): EndpointsChangedResult {
    this.conntrack.expire(this.options.now());
    const keep = servingEndpointKeys(changed);
    let affinityRecordsRemoved = 0;
    for (const name of removed) if (!keep.has(name)) affinityRecordsRemoved += this.affinity.forgetServicePort(name);
    for (const [servicePort, endpoints] of keep) affinityRecordsRemoved += this.affinity.retainEndpoints(servicePort, endpoints);
    for (const key of [...this.virtualServers.keys()]) {
      const [protocol, ip, port] = key.split('|');
      if (!isFrontend(protocol as FlowTuple['protocol'], ip, Number(port))) this.virtualServers.delete(key);
    }
    const conntrackEntriesRemoved = conntrackCleanupRequired ? cleanStaleUdpEntries(this.conntrack, changed) : 0;
    return { conntrackEntriesRemoved, affinityRecordsRemoved };
  }

  /** The IPVS virtual server of a frontend (`protocol`, address, port), if one was used. */
  virtualServer(protocol: FlowTuple['protocol'], ip: string, port: number): IPVSVirtualServer | undefined {
    return this.virtualServers.get(virtualServerKey(protocol, ip, port));
  }

  stats(): FlowStats {
    this.conntrack.expire(this.options.now());
    return {
      entries: this.conntrack.size,
      maxEntries: this.conntrack.settings.maxEntries,
      ...this.conntrack.counters,
      affinityRecords: this.affinity.size,
      virtualServers: this.virtualServers.size,
    };
  }

  // -------------------------------------------------------------------------- new flows

  private newFlow(tuple: FlowTuple, tcpFlags: number | undefined, now: number): FlowResult {
    // The conntrack slot is allocated before any rule runs (Linux init_conntrack).
    if (!this.conntrack.admit(now)) return { flow: 'new', verdict: 'DROP', masquerade: false, reason: REASON_TABLE_FULL };
    const flags = tuple.protocol === 'TCP' ? (tcpFlags ?? TCP_SYN) : 0;
    if (tuple.protocol === 'TCP' && !opensTcpFlow(flags)) {
      this.conntrack.counters.invalid++;
      return this.invalid(tuple, 'new', undefined);
    }

    const decision = this.decide(tuple);
    const { servicePort, frontend } = decision;
    if (decision.verdict === 'DROP' || decision.verdict === 'REJECT') return newFlowRefused(decision.verdict, servicePort, frontend, decision.reason);

    let nat: FlowNat;
    let translated: FlowTuple;
    let counter: IPVSDestination | undefined;
    if (decision.verdict === 'DNAT') {
      const picked = this.pick(tuple, decision, now);
      if (!picked) return newFlowRefused('REJECT', servicePort, frontend, REASON_IPVS_NO_DEST);
      const endpoint = picked.endpoint;
      const hairpin = decision.hairpinMasquerade && endpoint.ip === tuple.srcIP && (!decision.hairpinLocalOnly || endpoint.local);
      const masquerade = decision.masquerade || hairpin;
      nat = natOf('DNAT', servicePort, frontend, endpoint, masquerade);
      translated = {
        family: tuple.family,
        protocol: tuple.protocol,
        srcIP: masquerade ? this.options.masqueradeIP(tuple.family) : tuple.srcIP,
        srcPort: tuple.srcPort,
        dstIP: endpoint.ip,
        dstPort: endpoint.port,
      };
      counter = picked.vs?.destination(endpointKey(endpoint));
    } else {
      nat = natOf(decision.verdict, servicePort, frontend, undefined, false);
      translated = tuple;
    }

    const unique = this.conntrack.uniqueSource(translated);
    if (!unique) return newFlowRefused('DROP', servicePort, frontend, REASON_NO_PORT);
    const entry = this.conntrack.create(tuple, unique, nat, now, flags, counter);
    // Key order as the result has always had: flow, verdict, servicePort, frontend, endpoint, masquerade, reason, translated, conntrack.
    const result: FlowResult = { flow: 'new', verdict: nat.verdict } as FlowResult;
    if (servicePort !== undefined) result.servicePort = servicePort;
    if (frontend !== undefined) result.frontend = frontend;
    if (nat.endpoint) result.endpoint = { ip: nat.endpoint.ip, port: nat.endpoint.port };
    result.masquerade = nat.masquerade;
    if (decision.verdict !== 'DNAT' && decision.reason) result.reason = decision.reason;
    result.translated = unique;
    result.conntrack = entry.removed ? undefined : conntrackStateOf(entry);
    return result;
  }

  /** Affinity, then Maglev, then the mode's selection. Undefined: IPVS found no destination. */
  private pick(tuple: FlowTuple, decision: RuleDecision, now: number): { endpoint: EndpointTarget; vs?: IPVSVirtualServer } | undefined {
    const candidates = decision.endpoints;
    if (candidates.length === 0) throw new Error(`RuleDecision DNAT without endpoints for ${decision.servicePort ?? 'a service port'}`);
    const servicePort = decision.servicePort ?? '';
    let vs: IPVSVirtualServer | undefined;
    if (this.options.mode === 'ipvs') {
      vs = this.virtualServerFor(tuple);
      vs.sync(candidates, tuple.protocol);
    }
    const affinity = decision.affinity;
    if (!affinity) {
      const endpoint = this.select(tuple, decision, candidates, vs);
      return endpoint ? { endpoint, vs } : undefined;
    }
    // IPVS persistence is per virtual server whatever the rules say; `scope: 'frontend'` asks for it in any mode.
    const perFrontend = this.options.mode === 'ipvs' || affinity.scope === 'frontend';
    const scope: AffinityScope = perFrontend ? { servicePort, virtualServer: virtualServerKey(tuple.protocol, tuple.dstIP, tuple.dstPort) } : { servicePort };
    let endpoint = this.affinity.lookup(scope, tuple.srcIP, candidates, affinity.timeoutSeconds, now);
    if (!endpoint) endpoint = this.select(tuple, decision, candidates, vs);
    if (!endpoint) return undefined;
    this.affinity.touch(scope, tuple.srcIP, endpoint, now);
    return { endpoint, vs };
  }

  private select(tuple: FlowTuple, decision: RuleDecision, candidates: readonly EndpointTarget[], vs: IPVSVirtualServer | undefined): EndpointTarget | undefined {
    const lookup = this.options.maglev?.(decision.servicePort ?? '', candidates, decision);
    if (lookup) {
      const index = lookup(this.hash(tuple, !decision.affinity));
      const endpoint = candidates[index];
      if (!endpoint) throw new RangeError(`Maglev lookup returned ${index} for ${candidates.length} endpoints`);
      return endpoint;
    }
    switch (this.options.mode) {
      case 'iptables':
        return candidates[iptablesCascadePick(candidates.length, this.random)];
      case 'nftables':
        return candidates[nftablesNumgenPick(candidates.length, this.random)];
      case 'ipvs':
        if (this.scheduler === 'mh') throw new Error(`IPVS mh: the maglev hook returned no table for ${decision.servicePort}`);
        return (vs as IPVSVirtualServer).schedule(tuple)?.endpoint;
    }
  }

  private virtualServerFor(tuple: FlowTuple): IPVSVirtualServer {
    const key = virtualServerKey(tuple.protocol, tuple.dstIP, tuple.dstPort);
    let vs = this.virtualServers.get(key);
    if (!vs) {
      // mh is scheduled by the Maglev hook; the virtual server then only keeps the counters.
      vs = new IPVSVirtualServer(this.scheduler === 'mh' ? 'rr' : this.scheduler, { gracefulTermination: this.options.ipvsGracefulTermination });
      this.virtualServers.set(key, vs);
    }
    return vs;
  }

  /** Drops virtual servers that no longer match a frontend or NodePort (kube-proxy deletes them). */
  private pruneVirtualServers(servicePorts: readonly ServicePortState[]): void {
    if (this.virtualServers.size === 0) return;
    const frontends = new Set<string>();
    const nodePorts = new Set<string>();
    for (const sp of servicePorts) {
      for (const ip of sp.frontendIPs) frontends.add(virtualServerKey(sp.protocol, ip, sp.port));
      if (sp.nodePort) nodePorts.add(`${sp.protocol}|${sp.nodePort}`);
    }
    for (const key of [...this.virtualServers.keys()]) {
      const [protocol, , port] = key.split('|');
      if (!frontends.has(key) && !nodePorts.has(`${protocol}|${port}`)) this.virtualServers.delete(key);
    }
  }

  // -------------------------------------------------------------------------- known flows

  private translate(ref: TupleRef): FlowResult {
    const e = ref.entry;
    const reply = ref.direction === 'reply';
    const result = this.describe(e);
    result.flow = reply ? 'reply' : 'established';
    result.translated = reply ? invertTuple(e.original) : invertTuple(e.reply);
    result.conntrack = e.removed ? undefined : conntrackStateOf(e);
    return result;
  }

  /** ICMP error quoting `embedded` (conntrack RELATED; nf_nat_icmp_reply_translation). */
  private related(outer: FlowTuple, embedded: FlowTuple): FlowResult {
    const ref = this.conntrack.lookup(invertTuple(embedded));
    if (!ref) return { flow: 'new', verdict: 'PASS', masquerade: false, reason: 'ICMP error for no tracked flow', translated: outer };
    const e = ref.entry;
    const dnat = e.original.dstIP !== e.reply.srcIP;
    const snat = e.original.srcIP !== e.reply.dstIP;
    let translated: FlowTuple;
    let translatedEmbedded: FlowTuple;
    if (ref.direction === 'reply') {
      // Towards the client, about a packet we sent to the endpoint.
      translatedEmbedded = e.original;
      translated = { ...outer, srcIP: dnat ? e.original.dstIP : outer.srcIP, dstIP: snat ? e.original.srcIP : outer.dstIP };
    } else {
      // Towards the endpoint, about a reply we delivered to the client.
      translatedEmbedded = e.reply;
      translated = { ...outer, srcIP: snat ? e.reply.dstIP : outer.srcIP, dstIP: dnat ? e.reply.srcIP : outer.dstIP };
    }
    const result = this.describe(e);
    result.flow = ref.direction === 'reply' ? 'reply' : 'established';
    result.translated = translated;
    result.translatedEmbedded = translatedEmbedded;
    result.conntrack = conntrackStateOf(e);
    return result;
  }

  private invalid(tuple: FlowTuple, flow: FlowState, entry: ConntrackEntry | undefined): FlowResult {
    const service = entry ? this.describe(entry) : {};
    if (this.conntrack.settings.tcpBeLiberal) {
      return { ...service, flow, verdict: 'PASS', masquerade: false, reason: `${REASON_INVALID}: not translated`, translated: tuple };
    }
    return { ...service, flow, verdict: 'DROP', masquerade: false, reason: REASON_INVALID };
  }

  /**
   * The entry's service fields, in the key order verdict, servicePort, frontend, endpoint,
   * masquerade; callers add `flow` and the rest after them.
   */
  private describe(e: ConntrackEntry): FlowResult {
    const nat = e.nat;
    const result = { verdict: nat.verdict } as FlowResult;
    if (nat.servicePort !== undefined) result.servicePort = nat.servicePort;
    if (nat.frontend !== undefined) result.frontend = nat.frontend;
    if (nat.endpoint) result.endpoint = { ip: nat.endpoint.ip, port: nat.endpoint.port };
    result.masquerade = nat.masquerade;
    return result;
  }
}

/** A new flow's DROP or REJECT result (no entry was created). */
function newFlowRefused(verdict: 'DROP' | 'REJECT', servicePort: string | undefined, frontend: FrontendKind | undefined, reason: string | undefined): FlowResult {
  const result = { flow: 'new', verdict } as FlowResult;
  if (servicePort !== undefined) result.servicePort = servicePort;
  if (frontend !== undefined) result.frontend = frontend;
  result.masquerade = false;
  if (reason !== undefined) result.reason = reason;
  return result;
}

/** A conntrack entry's NAT record, keys in the order verdict, servicePort, frontend, endpoint, masquerade. */
function natOf(verdict: FlowNat['verdict'], servicePort: string | undefined, frontend: FrontendKind | undefined, endpoint: EndpointTarget | undefined, masquerade: boolean): FlowNat {
  const nat = { verdict } as FlowNat;
  if (servicePort !== undefined) nat.servicePort = servicePort;
  if (frontend !== undefined) nat.frontend = frontend;
  if (endpoint !== undefined) nat.endpoint = endpoint;
  nat.masquerade = masquerade;
  return nat;
}

/** IPVS virtual services are keyed by protocol, address and port. */
/** The serving endpoints (`ip:port`) of each service port, by service port name. */
function servingEndpointKeys(servicePorts: readonly ServicePortState[]): Map<string, Set<string>> {
  const keep = new Map<string, Set<string>>();
  for (const sp of servicePorts) {
    let set = keep.get(sp.servicePort);
    if (!set) keep.set(sp.servicePort, (set = new Set()));
    for (const ep of sp.endpoints) if (ep.serving) set.add(endpointKey(ep));
  }
  return keep;
}

function virtualServerKey(protocol: string, ip: string, port: number): string {
  return `${protocol}|${ip}|${port}`;
}
