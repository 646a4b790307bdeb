/**
 * ClientIP session affinity (`sessionAffinity: ClientIP`, `timeoutSeconds` default 10800,
 * 1–86400) as each kube-proxy mode programs it. The key is the client's source IP; the
 * scope is one service port (iptables, nftables) or one IPVS virtual server. A record is
 * written ("touched") by every NEW connection routed to an endpoint — nat rules see only a
 * flow's first packet — so the timer restarts per connection, not per packet.
 *
 * Two data models:
 *
 *  - `endpoint-lists` (iptables, nftables): one list of client addresses per endpoint.
 *    iptables: before the random rules, per endpoint in order,
 *    `-m recent --name KUBE-SEP-… --rcheck --seconds T --reap -j KUBE-SEP-…`, and the endpoint
 *    chain does `--set`. xt_recent (net/netfilter/xt_recent.c) keeps at most `ip_list_tot`
 *    = 100 addresses per list, evicting the least recently seen, matches while
 *    stamp ≥ now − T (the boundary second still matches), and `--reap` removes the list's
 *    oldest address when it is past T. nftables: per endpoint a set `affinity-…`
 *    (`flags dynamic,timeout; timeout Ts`), `ip saddr @set goto endpoint-…` in order and
 *    `update @set { ip saddr }` in the endpoint chain; elements live while now < stamp + T,
 *    no size limit modelled. The first endpoint (in candidate order) whose list holds the
 *    client wins, so a client remembered by two endpoints goes to the earlier one.
 *  - `templates` (ipvs): the virtual server is `persistent T`; one template per client holds
 *    the real server (ip_vs_core.c `ip_vs_sched_persist`), refreshed by each new connection,
 *    alive while now < stamp + T. A template whose real server left is expired
 *    (kube-proxy sets `expire_quiescent_template`). Not modelled: IPVS keeps a template
 *    past T while connections it controls are alive.
 *
 * In every model a client whose endpoint is not among the current candidates is balanced
 * anew; `retainEndpoints` forgets lists/templates of endpoints that left the service port
 * (kube-proxy deletes the endpoint chain, set or real server, and its state with it).
 */

import type { EndpointTarget } from './decision.js';
import { endpointKey } from './schedulers.js';

export type AffinityModel = 'endpoint-lists' | 'templates';

export interface AffinityTableOptions {
  model: AffinityModel;
  /** endpoint-lists: most clients remembered per endpoint (xt_recent `ip_list_tot`); undefined = unbounded. */
  listSize?: number;
  /** endpoint-lists: xt_recent matches at exactly stamp + T too (iptables); nftables does not. */
  inclusiveExpiry?: boolean;
  /** endpoint-lists: xt_recent `--reap`. */
  reap?: boolean;
}

/** Where affinity is kept: a service port, and for ipvs the virtual server (any key naming protocol, address and port). */
export interface AffinityScope {
  servicePort: string;
  virtualServer?: string;
}

/** The xt_recent default `ip_list_tot`. */
export const XT_RECENT_LIST_SIZE = 100;

interface Template {
  endpoint: EndpointTarget;
  stamp: number;
}

/** Per scope: endpoint key → (client IP → last stamp, least recent first), or client → template. */
interface ScopeState {
  lists: Map<string, Map<string, number>>;
  templates: Map<string, Template>;
}

export class AffinityTable {
  readonly options: Readonly<AffinityTableOptions>;
  /** servicePort → virtual server ('' for the whole port) → state. */
  private readonly scopes = new Map<string, Map<string, ScopeState>>();

  constructor(options: AffinityTableOptions) {
    this.options = options;
  }

  /** Records held (list entries plus templates). */
  get size(): number {
    let n = 0;
    for (const byVs of this.scopes.values()) {
      for (const s of byVs.values()) {
        n += s.templates.size;
        for (const l of s.lists.values()) n += l.size;
      }
    }
    return n;
  }

  /**
   * The endpoint among `candidates` this client is pinned to at `now` (ms), if any.
   * Expired templates and templates of departed endpoints are deleted.
   */
  lookup(scope: AffinityScope, clientIP: string, candidates: readonly EndpointTarget[], timeoutSeconds: number, now: number): EndpointTarget | undefined {
    const state = this.state(scope, false);
    if (!state) return undefined;
    const ttl = timeoutSeconds * 1000;
    if (this.options.model === 'templates') {
      const t = state.templates.get(clientIP);
      if (!t) return undefined;
      const key = endpointKey(t.endpoint);
      const current = candidates.find((c) => endpointKey(c) === key);
      if (!current || now >= t.stamp + ttl) {
        state.templates.delete(clientIP);
        return undefined;
      }
      return current;
    }
    const alive = (stamp: number): boolean => (this.options.inclusiveExpiry ? now <= stamp + ttl : now < stamp + ttl);
    for (const c of candidates) {
      const list = state.lists.get(endpointKey(c));
      const stamp = list?.get(clientIP);
      if (list === undefined || stamp === undefined) continue;
      if (this.options.reap) this.reapOldest(list, clientIP, now, ttl);
      if (alive(stamp)) return c;
    }
    return undefined;
  }

  /** A new connection from `clientIP` went to `endpoint` at `now`: record or refresh. */
  touch(scope: AffinityScope, clientIP: string, endpoint: EndpointTarget, now: number): void {
    const state = this.state(scope, true) as ScopeState;
    if (this.options.model === 'templates') {
      state.templates.set(clientIP, { endpoint, stamp: now });
      return;
    }
    const key = endpointKey(endpoint);
    let list = state.lists.get(key);
    if (!list) {
      list = new Map();
      state.lists.set(key, list);
    }
    if (list.has(clientIP)) {
      list.delete(clientIP);
    } else if (this.options.listSize !== undefined && list.size >= this.options.listSize) {
      // recent_entry_init: a full list drops its least recently seen address.
      const oldest = list.keys().next().value as string;
      list.delete(oldest);
    }
    list.set(clientIP, now);
  }

  /**
   * Forgets the state of every endpoint of `servicePort` not in `keep` (endpoint keys,
   * `ip:port`). Returns how many client records went with it.
   */
  retainEndpoints(servicePort: string, keep: ReadonlySet<string>): number {
    const byVs = this.scopes.get(servicePort);
    if (!byVs) return 0;
    let removed = 0;
    for (const state of byVs.values()) {
      for (const [key, list] of state.lists) {
        if (keep.has(key)) continue;
        removed += list.size;
        state.lists.delete(key);
      }
      for (const [client, t] of state.templates) {
        if (keep.has(endpointKey(t.endpoint))) continue;
        removed++;
        state.templates.delete(client);
      }
    }
    return removed;
  }

  /** Forgets every service port not in `servicePorts` (a service or port that went away). */
  /** Forgets every record of one service port; returns how many went. */
  forgetServicePort(servicePort: string): number {
    const removed = this.retainEndpoints(servicePort, new Set());
    this.scopes.delete(servicePort);
    return removed;
  }

  retainServicePorts(servicePorts: ReadonlySet<string>): number {
    let removed = 0;
    for (const sp of [...this.scopes.keys()]) {
      if (servicePorts.has(sp)) continue;
      removed += this.retainEndpoints(sp, new Set());
      this.scopes.delete(sp);
    }
    return removed;
  }

  /** recent_entry_reap: drop the list's least recently seen address if past T (never the one being checked). */
  private reapOldest(list: Map<string, number>, working: string, now: number, ttl: number): void {
    const first = list.entries().next();
    if (first.done) return;
    const [client, stamp] = first.value;
    if (client !== working && now > stamp + ttl) list.delete(client);
  }

  private state(scope: AffinityScope, create: boolean): ScopeState | undefined {
    let byVs = this.scopes.get(scope.servicePort);
    if (!byVs) {
      if (!create) return undefined;
      byVs = new Map();
      this.scopes.set(scope.servicePort, byVs);
    }
    const vs = scope.virtualServer ?? '';
    let s = byVs.get(vs);
    if (!s && create) {
      s = { lists: new Map(), templates: new Map() };
      byVs.set(vs, s);
    }
    return s;
  }
}
