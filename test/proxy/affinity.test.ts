// ClientIP session affinity: the per-endpoint client lists of iptables (xt_recent) and
// nftables (timeout sets), IPVS persistence templates, and affinity through the flow processor.
import { describe, expect, it } from 'vitest';
import { AffinityTable, XT_RECENT_LIST_SIZE } from '../../sdk/proxy/affinity.js';
import type { AffinityTableOptions } from '../../sdk/proxy/affinity.js';
import type { EndpointTarget, FlowTuple, RuleDecision } from '../../sdk/proxy/decision.js';
import { FlowProcessor } from '../../sdk/proxy/flows.js';
import type { FlowProcessorOptions } from '../../sdk/proxy/flows.js';

const S = 1000;
const T = 100; // timeoutSeconds used throughout

function ep(ip: string, port = 8080): EndpointTarget {
  return { ip, port, local: false, terminating: false };
}
const A = ep('10.0.0.1');
const B = ep('10.0.0.2');
const C = ep('10.0.0.3');
const PORT = { servicePort: 'ns/web:http' };
const IPTABLES: AffinityTableOptions = { model: 'endpoint-lists', listSize: XT_RECENT_LIST_SIZE, inclusiveExpiry: true, reap: true };
const NFTABLES: AffinityTableOptions = { model: 'endpoint-lists' };
const IPVS: AffinityTableOptions = { model: 'templates' };
const MODELS: [string, AffinityTableOptions][] = [
  ['iptables', IPTABLES],
  ['nftables', NFTABLES],
  ['ipvs', IPVS],
];

describe('AffinityTable, every model', () => {
  for (const [name, options] of MODELS) {
    describe(name, () => {
      it('1. sticks to the recorded endpoint within the timeout', () => {
        const t = new AffinityTable(options);
        t.touch(PORT, '192.168.0.5', B, 0);
        expect(t.lookup(PORT, '192.168.0.5', [A, B, C], T, (T - 1) * S)).toBe(B);
      });
      it('2. another client, or another service port, is not pinned', () => {
        const t = new AffinityTable(options);
        t.touch(PORT, '192.168.0.5', B, 0);
        expect(t.lookup(PORT, '192.168.0.6', [A, B, C], T, 0)).toBeUndefined();
        expect(t.lookup({ servicePort: 'ns/web:https' }, '192.168.0.5', [A, B, C], T, 0)).toBeUndefined();
      });
      it('3. expires after the timeout', () => {
        const t = new AffinityTable(options);
        t.touch(PORT, '192.168.0.5', B, 0);
        expect(t.lookup(PORT, '192.168.0.5', [A, B, C], T, T * S + 1)).toBeUndefined();
      });
      it('4. a new connection refreshes the timer', () => {
        const t = new AffinityTable(options);
        t.touch(PORT, '192.168.0.5', B, 0);
        t.touch(PORT, '192.168.0.5', B, 60 * S);
        expect(t.lookup(PORT, '192.168.0.5', [A, B, C], T, 150 * S)).toBe(B);
      });
      it('5. an endpoint no longer among the candidates releases the client', () => {
        const t = new AffinityTable(options);
        t.touch(PORT, '192.168.0.5', B, 0);
        expect(t.lookup(PORT, '192.168.0.5', [A, C], T, 1 * S)).toBeUndefined();
      });
      it('6. retainEndpoints forgets departed endpoints, so their return does not revive the pin', () => {
        const t = new AffinityTable(options);
        t.touch(PORT, '192.168.0.5', B, 0);
        expect(t.retainEndpoints(PORT.servicePort, new Set(['10.0.0.1:8080']))).toBe(1);
        expect(t.lookup(PORT, '192.168.0.5', [A, B], T, 1 * S)).toBeUndefined();
        expect(t.size).toBe(0);
      });
    });
  }
});

describe('AffinityTable, where the models differ', () => {
  it('1. iptables (xt_recent) still matches at exactly stamp + T; nftables and ipvs do not', () => {
    const got = MODELS.map(([, options]) => {
      const t = new AffinityTable(options);
      t.touch(PORT, '192.168.0.5', B, 0);
      return t.lookup(PORT, '192.168.0.5', [A, B], T, T * S);
    });
    expect(got).toEqual([B, undefined, undefined]);
  });
  it('2. endpoint lists: a client remembered by two endpoints goes to the earlier one; a template holds only the latest', () => {
    const lists = new AffinityTable(NFTABLES);
    const templates = new AffinityTable(IPVS);
    for (const t of [lists, templates]) {
      t.touch(PORT, '192.168.0.5', A, 0);
      t.touch(PORT, '192.168.0.5', B, 10 * S);
    }
    expect(lists.lookup(PORT, '192.168.0.5', [A, B], T, 20 * S)).toBe(A);
    expect(templates.lookup(PORT, '192.168.0.5', [A, B], T, 20 * S)).toBe(B);
  });
  it('3. iptables: a full list (ip_list_tot) drops its least recently seen client', () => {
    const t = new AffinityTable({ ...IPTABLES, listSize: 2 });
    t.touch(PORT, 'c1', A, 0);
    t.touch(PORT, 'c2', A, 1);
    t.touch(PORT, 'c1', A, 2); // c1 seen again: c2 is now the least recent
    t.touch(PORT, 'c3', A, 3);
    expect(['c1', 'c2', 'c3'].map((c) => t.lookup(PORT, c, [A], T, 4))).toEqual([A, undefined, A]);
  });
  it('4. the default list holds 100 clients', () => {
    const t = new AffinityTable(IPTABLES);
    for (let i = 0; i <= 100; i++) t.touch(PORT, `c${i}`, A, i);
    expect(t.size).toBe(100);
    expect(t.lookup(PORT, 'c0', [A], T, 200)).toBeUndefined();
  });
  it('5. iptables --reap: checking a client drops the list’s oldest address once past T', () => {
    const t = new AffinityTable(IPTABLES);
    t.touch(PORT, 'old', A, 0);
    t.touch(PORT, 'new', A, 50 * S);
    expect(t.lookup(PORT, 'new', [A], T, 101 * S)).toBe(A);
    expect(t.size).toBe(1);
  });
  it('6. ipvs: a template whose endpoint left is deleted on lookup', () => {
    const t = new AffinityTable(IPVS);
    t.touch(PORT, '192.168.0.5', B, 0);
    t.lookup(PORT, '192.168.0.5', [A], T, 1);
    expect(t.size).toBe(0);
  });
  it('7. ipvs: each virtual server of a service port has its own templates', () => {
    const t = new AffinityTable(IPVS);
    t.touch({ ...PORT, virtualServer: 'TCP|10.96.0.10|80' }, '192.168.0.5', B, 0);
    expect(t.lookup({ ...PORT, virtualServer: 'TCP|192.168.0.2|30080' }, '192.168.0.5', [A, B], T, 1)).toBeUndefined();
    expect(t.lookup({ ...PORT, virtualServer: 'TCP|10.96.0.10|80' }, '192.168.0.5', [A, B], T, 1)).toBe(B);
  });
});

// ---------------------------------------------------------------------------- through the processor

function tcp(src: string, sport: number, dst: string, dport: number): FlowTuple {
  return { family: 4, protocol: 'TCP', srcIP: src, srcPort: sport, dstIP: dst, dstPort: dport };
}

interface Rig {
  proxy: FlowProcessor;
  setTime(seconds: number): void;
  /** Forces the next iptables/nftables selection to pick index i of n. */
  force(i: number): void;
  endpoints: EndpointTarget[];
}

/** A node with `web:http` (10.96.0.10:80 and NodePort 30080) and `web:alt` (10.96.0.10:81), ClientIP affinity T s. */
function rig(mode: FlowProcessorOptions['mode']): Rig {
  let now = 0;
  const draws: number[] = [];
  const rig: Rig = {
    proxy: undefined as unknown as FlowProcessor,
    setTime: (s) => (now = s * S),
    force: (i) => {
      // iptables: fail rules 0..i-1, then match rule i (the last rule draws nothing);
      // nftables: numgen lands on i.
      const n = rig.endpoints.length;
      if (mode === 'iptables') draws.push(...new Array(i).fill(0.999999), ...(i < n - 1 ? [0] : []));
      else draws.push((i + 0.5) / n);
    },
    endpoints: [A, B, C],
  };
  const decide = (t: FlowTuple): RuleDecision => {
    const servicePort = t.dstPort === 81 ? 'ns/web:alt' : 'ns/web:http';
    const frontend = t.dstPort === 30080 ? 'NodePort' : 'ClusterIP';
    return { verdict: 'DNAT', servicePort, frontend, endpoints: rig.endpoints, masquerade: false, hairpinMasquerade: true, affinity: { timeoutSeconds: T } };
  };
  rig.proxy = new FlowProcessor(decide, {
    mode,
    now: () => now,
    random: () => draws.shift() ?? 0,
    masqueradeIP: () => '192.168.0.2',
  });
  return rig;
}

function connect(r: Rig, sport: number, dport = 80, dst = '10.96.0.10'): string | undefined {
  return r.proxy.process(tcp('192.168.7.7', sport, dst, dport)).endpoint?.ip;
}

describe('affinity through the flow processor', () => {
  for (const mode of ['iptables', 'nftables'] as const) {
    describe(mode, () => {
      it('1. every new connection of the client follows the first pick', () => {
        const r = rig(mode);
        r.force(1);
        const got = [40000, 40001, 40002, 40003].map((p, i) => {
          r.setTime(i * 10);
          if (i > 0) r.force(2);
          return connect(r, p);
        });
        expect(got).toEqual(['10.0.0.2', '10.0.0.2', '10.0.0.2', '10.0.0.2']);
      });
      it('2. the timer restarts per new connection, not per packet of an established one', () => {
        const r = rig(mode);
        r.force(1);
        connect(r, 40000);
        expect(r.proxy.process(tcp('10.0.0.2', 8080, '192.168.7.7', 40000)).flow).toBe('reply');
        for (let s = 10; s <= 150; s += 10) {
          r.setTime(s);
          expect(r.proxy.process(tcp('192.168.7.7', 40000, '10.96.0.10', 80))).toMatchObject({ flow: 'established', verdict: 'DNAT' });
        }
        r.setTime(150);
        r.force(0);
        expect(connect(r, 40001)).toBe('10.0.0.1');
      });
      it('3. a connection within T of the previous new one keeps the pin alive past the first T', () => {
        const r = rig(mode);
        r.force(1);
        connect(r, 40000);
        r.setTime(90);
        r.force(0);
        expect(connect(r, 40001)).toBe('10.0.0.2');
        r.setTime(180);
        r.force(0);
        expect(connect(r, 40002)).toBe('10.0.0.2');
      });
      it('4. when the endpoint leaves, the client is balanced anew', () => {
        const r = rig(mode);
        r.force(1);
        connect(r, 40000);
        r.endpoints = [A, C];
        r.force(1);
        expect(connect(r, 40001)).toBe('10.0.0.3');
      });
      it('5. scope is the service port: the other port of the service picks on its own', () => {
        const r = rig(mode);
        r.force(1);
        connect(r, 40000, 80);
        r.force(2);
        expect(connect(r, 40001, 81)).toBe('10.0.0.3');
        r.force(0);
        expect(connect(r, 40002, 80)).toBe('10.0.0.2');
      });
      it('6. ClusterIP and NodePort of one service port share the pin (one endpoint chain)', () => {
        const r = rig(mode);
        r.force(1);
        connect(r, 40000, 80);
        r.force(0);
        expect(connect(r, 40001, 30080, '192.168.0.2')).toBe('10.0.0.2');
      });
    });
  }

  it('7. ipvs: persistence is per virtual server, so ClusterIP and NodePort pin separately (rr)', () => {
    const r = rig('ipvs');
    expect(connect(r, 40000, 80)).toBe('10.0.0.1');
    expect(connect(r, 40001, 80)).toBe('10.0.0.1');
    // The NodePort virtual server has its own rr pointer and its own template.
    expect(connect(r, 40002, 30080, '192.168.0.2')).toBe('10.0.0.1');
    r.setTime(T + 1);
    expect(connect(r, 40003, 80)).toBe('10.0.0.2');
  });
  it('7b. affinity.scope = frontend pins per frontend in any mode', () => {
    const decide = (t: FlowTuple): RuleDecision => ({
      verdict: 'DNAT',
      servicePort: 'ns/web:http',
      frontend: t.dstPort === 30080 ? 'NodePort' : 'ClusterIP',
      endpoints: [A, B, C],
      masquerade: false,
      hairpinMasquerade: true,
      affinity: { timeoutSeconds: T, scope: 'frontend' },
    });
    const draws = [0.5 / 3, 2.5 / 3];
    const proxy = new FlowProcessor(decide, { mode: 'nftables', now: () => 0, random: () => draws.shift() ?? 0, masqueradeIP: () => '192.168.0.2' });
    expect(proxy.process(tcp('192.168.7.7', 40000, '10.96.0.10', 80)).endpoint?.ip).toBe('10.0.0.1');
    expect(proxy.process(tcp('192.168.7.7', 40001, '192.168.0.2', 30080)).endpoint?.ip).toBe('10.0.0.3');
    expect(proxy.process(tcp('192.168.7.7', 40002, '10.96.0.10', 80)).endpoint?.ip).toBe('10.0.0.1');
  });
  it('8. endpointsChanged forgets pins to endpoints that left the service port', () => {
    const r = rig('nftables');
    r.force(1);
    connect(r, 40000);
    const result = r.proxy.endpointsChanged(
      [{ servicePort: 'ns/web:http', protocol: 'TCP', family: 4, frontendIPs: ['10.96.0.10'], port: 80, endpoints: [A, C].map((e) => ({ ...e, serving: true })) }],
      false,
    );
    expect(result.affinityRecordsRemoved).toBe(1);
    // B is back before the timeout, but its client list went with its chain.
    r.force(0);
    expect(connect(r, 40001)).toBe('10.0.0.1');
  });
});
