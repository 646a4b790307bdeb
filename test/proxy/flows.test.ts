// The flow processor: DNAT and reply translation, masquerade and its source ports, flows
// across endpoint changes, expiry, UDP cleanup, ICMP errors, the bounded table, and
// endpoint selection per mode (iptables/nftables uniform, IPVS schedulers, Maglev hook).
import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, invertTuple } from '../../sdk/proxy/conntrack.js';
import type { ServicePortState } from '../../sdk/proxy/conntrack.js';
import type { EndpointTarget, FlowTuple, RuleDecision } from '../../sdk/proxy/decision.js';
import { FlowProcessor } from '../../sdk/proxy/flows.js';
import type { FlowProcessorOptions, FlowResult } from '../../sdk/proxy/flows.js';
import { Random } from '../../sdk/model/random.js';

const S = 1000;
const VIP = '10.96.0.10';
const NODE = '192.168.0.2';
const POD = '10.244.1.5';
const EXT = '198.51.100.7';

function ep(ip: string, port = 8080): EndpointTarget {
  return { ip, port, local: false, terminating: false };
}
const E1 = ep('10.0.0.1');
const E2 = ep('10.0.0.2');
const E3 = ep('10.0.0.3');

function tuple(protocol: FlowTuple['protocol'], src: string, sport: number, dst: string, dport: number): FlowTuple {
  return { family: src.includes(':') ? 6 : 4, protocol, srcIP: src, srcPort: sport, dstIP: dst, dstPort: dport };
}
const tcp = (src: string, sport: number, dst: string, dport: number): FlowTuple => tuple('TCP', src, sport, dst, dport);
const udp = (src: string, sport: number, dst: string, dport: number): FlowTuple => tuple('UDP', src, sport, dst, dport);

function dnat(servicePort: string, endpoints: EndpointTarget[], extra: Partial<RuleDecision> = {}): RuleDecision {
  return { verdict: 'DNAT', servicePort, frontend: 'ClusterIP', endpoints, masquerade: false, hairpinMasquerade: true, ...extra };
}
const NO_SERVICE: RuleDecision = { verdict: 'PASS', endpoints: [], masquerade: false, hairpinMasquerade: false, reason: 'no service' };

/** Rules keyed by protocol, destination address and port; PASS for anything else. Counts calls. */
class Rules {
  calls = 0;
  private readonly table = new Map<string, RuleDecision>();
  set(protocol: string, ip: string, port: number, d: RuleDecision | undefined): void {
    const key = `${protocol}|${ip}|${port}`;
    if (d) this.table.set(key, d);
    else this.table.delete(key);
  }
  readonly decide = (t: FlowTuple): RuleDecision => {
    this.calls++;
    return this.table.get(`${t.protocol}|${t.dstIP}|${t.dstPort}`) ?? NO_SERVICE;
  };
}

interface Rig {
  proxy: FlowProcessor;
  rules: Rules;
  at(seconds: number): void;
}

function rig(options: Partial<FlowProcessorOptions> = {}, rules = new Rules()): Rig {
  let now = 0;
  const proxy = new FlowProcessor(rules.decide, {
    mode: 'iptables',
    now: () => now,
    masqueradeIP: (family) => (family === 4 ? NODE : 'fd00::2'),
    ...options,
  });
  return { proxy, rules, at: (s) => (now = s * S) };
}

/** The packet a translated flow's peer sends back. */
function answer(r: FlowResult): FlowTuple {
  if (!r.translated) throw new Error(`no translation: ${JSON.stringify(r)}`);
  return invertTuple(r.translated);
}

/** SYN, SYN/ACK, ACK; returns the first result. */
function handshake(p: FlowProcessor, t: FlowTuple): FlowResult {
  const first = p.process(t, { tcpFlags: TCP_SYN });
  p.process(answer(first), { tcpFlags: TCP_SYN | TCP_ACK });
  p.process(t, { tcpFlags: TCP_ACK });
  return first;
}

describe('DNAT, replies and masquerade', () => {
  it('1. new → reply → established: the reply gets the frontend back as its source', () => {
    const r = rig();
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1]));
    const c = tcp(POD, 40000, VIP, 80);
    const first = r.proxy.process(c);
    expect(first).toEqual({
      flow: 'new',
      verdict: 'DNAT',
      servicePort: 'ns/web:http',
      frontend: 'ClusterIP',
      endpoint: { ip: '10.0.0.1', port: 8080 },
      masquerade: false,
      translated: tcp(POD, 40000, '10.0.0.1', 8080),
      conntrack: 'SYN_SENT',
    });
    const reply = r.proxy.process(tcp('10.0.0.1', 8080, POD, 40000));
    expect(reply).toMatchObject({ flow: 'reply', verdict: 'DNAT', translated: tcp(VIP, 80, POD, 40000), conntrack: 'SYN_RECV' });
    const again = r.proxy.process(c);
    expect(again).toMatchObject({ flow: 'established', endpoint: { ip: '10.0.0.1', port: 8080 }, translated: first.translated, conntrack: 'ESTABLISHED' });
    expect(r.rules.calls).toBe(1);
  });
  it('2. masqueraded: the node address leaves as source; the reply goes back to the client', () => {
    const r = rig();
    r.rules.set('UDP', NODE, 30053, dnat('ns/dns:dns', [ep('10.0.0.1', 5353)], { frontend: 'NodePort', masquerade: true }));
    const first = r.proxy.process(udp(EXT, 5000, NODE, 30053));
    expect(first).toMatchObject({ verdict: 'DNAT', masquerade: true, translated: udp(NODE, 5000, '10.0.0.1', 5353) });
    expect(r.proxy.process(udp('10.0.0.1', 5353, NODE, 5000))).toMatchObject({ flow: 'reply', translated: udp(NODE, 30053, EXT, 5000) });
  });
  it('3. two masqueraded clients with one source port get distinct node ports, and replies find their client', () => {
    const r = rig();
    r.rules.set('TCP', NODE, 30080, dnat('ns/web:http', [E1], { frontend: 'NodePort', masquerade: true }));
    const a = r.proxy.process(tcp(EXT, 40000, NODE, 30080));
    const b = r.proxy.process(tcp('203.0.113.9', 40000, NODE, 30080));
    expect([a.translated?.srcPort, b.translated?.srcPort]).toEqual([40000, 40001]);
    expect(r.proxy.process(tcp('10.0.0.1', 8080, NODE, 40001)).translated).toEqual(tcp(NODE, 30080, '203.0.113.9', 40000));
    expect(r.proxy.process(tcp('10.0.0.1', 8080, NODE, 40000)).translated).toEqual(tcp(NODE, 30080, EXT, 40000));
  });
  it('4. hairpin: a pod reaching itself through the service is masqueraded', () => {
    const r = rig();
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [ep(POD)]));
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80))).toMatchObject({ masquerade: true, translated: tcp(NODE, 40000, POD, 8080) });
    r.rules.set('TCP', VIP, 81, dnat('ns/web:alt', [ep(POD)], { hairpinMasquerade: false }));
    expect(r.proxy.process(tcp(POD, 40001, VIP, 81))).toMatchObject({ masquerade: false, translated: tcp(POD, 40001, POD, 8080) });
  });
  it('4b. hairpinLocalOnly (ipvs KUBE-LOOP-BACK): only a local endpoint reached by itself is masqueraded', () => {
    const r = rig({ mode: 'ipvs' });
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [ep(POD)], { hairpinLocalOnly: true }));
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80)).masquerade).toBe(false);
    r.rules.set('TCP', VIP, 81, dnat('ns/web:alt', [{ ...ep(POD), local: true }], { hairpinLocalOnly: true }));
    expect(r.proxy.process(tcp(POD, 40001, VIP, 81)).masquerade).toBe(true);
  });
  it('5. DROP and REJECT keep their reason and create no entry', () => {
    const r = rig();
    r.rules.set('TCP', VIP, 80, { verdict: 'REJECT', servicePort: 'ns/web:http', frontend: 'ClusterIP', endpoints: [], masquerade: false, hairpinMasquerade: false, reason: 'no endpoints' });
    r.rules.set('TCP', NODE, 30080, { verdict: 'DROP', servicePort: 'ns/web:http', frontend: 'NodePort', endpoints: [], masquerade: false, hairpinMasquerade: false, reason: 'no local endpoints' });
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80))).toEqual({ flow: 'new', verdict: 'REJECT', servicePort: 'ns/web:http', frontend: 'ClusterIP', masquerade: false, reason: 'no endpoints' });
    expect(r.proxy.process(tcp(EXT, 40000, NODE, 30080))).toMatchObject({ flow: 'new', verdict: 'DROP', reason: 'no local endpoints' });
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80)).flow).toBe('new');
    expect(r.proxy.stats().entries).toBe(0);
    expect(r.rules.calls).toBe(3);
  });
  it('6. PASS and ACCEPT flows are tracked untranslated', () => {
    const r = rig();
    r.rules.set('TCP', NODE, 30999, { verdict: 'ACCEPT', servicePort: 'ns/web:http', frontend: 'HealthCheckNodePort', endpoints: [], masquerade: false, hairpinMasquerade: false });
    const pass = r.proxy.process(udp(POD, 5000, '8.8.8.8', 53));
    expect(pass).toMatchObject({ flow: 'new', verdict: 'PASS', reason: 'no service', translated: udp(POD, 5000, '8.8.8.8', 53), conntrack: 'UNREPLIED' });
    expect(r.proxy.process(udp('8.8.8.8', 53, POD, 5000))).toMatchObject({ flow: 'reply', verdict: 'PASS', translated: udp('8.8.8.8', 53, POD, 5000) });
    expect(r.proxy.process(tcp(EXT, 1234, NODE, 30999))).toMatchObject({ flow: 'new', verdict: 'ACCEPT', frontend: 'HealthCheckNodePort' });
    expect(r.proxy.process(tcp(EXT, 1234, NODE, 30999)).flow).toBe('established');
    expect(r.rules.calls).toBe(2);
  });
  it('7. IPv6: masquerade uses the IPv6 node address', () => {
    const r = rig();
    r.rules.set('TCP', 'fd00:96::a', 80, dnat('ns/web:http', [ep('fd00:10::1')], { masquerade: true }));
    const first = r.proxy.process(tcp('2001:db8::7', 40000, 'fd00:96::a', 80));
    expect(first.translated).toEqual(tcp('fd00::2', 40000, 'fd00:10::1', 8080));
    expect(r.proxy.process(tcp('fd00:10::1', 8080, 'fd00::2', 40000)).translated).toEqual(tcp('fd00:96::a', 80, '2001:db8::7', 40000));
  });
  it('8. a DNAT decision without endpoints breaks the contract', () => {
    const r = rig();
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', []));
    expect(() => r.proxy.process(tcp(POD, 40000, VIP, 80))).toThrow(/without endpoints/);
  });
});

describe('flows over time and endpoint changes', () => {
  const dnsPort = (endpoints: EndpointTarget[]): ServicePortState => ({
    servicePort: 'kube-system/dns:dns',
    protocol: 'UDP',
    family: 4,
    frontendIPs: [VIP],
    port: 53,
    endpoints: endpoints.map((e) => ({ ip: e.ip, port: e.port, serving: true })),
  });

  it('1. UDP: an unreplied flow idles out after 30 s, then the rules decide again', () => {
    const r = rig();
    r.rules.set('UDP', VIP, 53, dnat('kube-system/dns:dns', [E1]));
    r.proxy.process(udp(POD, 5000, VIP, 53));
    r.at(29.5); // alive (deadline 30 s); refreshes to 59.5 s
    expect(r.proxy.process(udp(POD, 5000, VIP, 53)).flow).toBe('established');
    r.at(59.5);
    expect(r.proxy.process(udp(POD, 5000, VIP, 53)).flow).toBe('new');
    expect(r.proxy.stats().expired).toBe(1);
  });
  it('2. TCP: an established flow survives 86399 s idle, not 86400 s', () => {
    const r = rig();
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1]));
    handshake(r.proxy, tcp(POD, 40000, VIP, 80));
    r.at(86399);
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80)).flow).toBe('established');
    r.at(86399 + 86400);
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80), { tcpFlags: TCP_ACK })).toMatchObject({ flow: 'new', conntrack: 'ESTABLISHED' });
  });
  it('3. TCP keeps its endpoint after the endpoint leaves; new connections use the new set', () => {
    const r = rig();
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1]));
    handshake(r.proxy, tcp(POD, 40000, VIP, 80));
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E2]));
    const cleanup = r.proxy.endpointsChanged([{ ...dnsPort([E2]), servicePort: 'ns/web:http', protocol: 'TCP', port: 80 }]);
    expect(cleanup.conntrackEntriesRemoved).toBe(0);
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80)).endpoint?.ip).toBe('10.0.0.1');
    expect(r.proxy.process(tcp(POD, 40001, VIP, 80)).endpoint?.ip).toBe('10.0.0.2');
  });
  it('4. UDP to a departed endpoint is cleaned when cleanup is required, then re-balanced', () => {
    const r = rig();
    r.rules.set('UDP', VIP, 53, dnat('kube-system/dns:dns', [E1]));
    r.proxy.process(udp(POD, 5000, VIP, 53));
    r.rules.set('UDP', VIP, 53, dnat('kube-system/dns:dns', [E2]));
    expect(r.proxy.endpointsChanged([dnsPort([E2])], false).conntrackEntriesRemoved).toBe(0);
    expect(r.proxy.process(udp(POD, 5000, VIP, 53)).endpoint?.ip).toBe('10.0.0.1');
    expect(r.proxy.endpointsChanged([dnsPort([E2])]).conntrackEntriesRemoved).toBe(1);
    expect(r.proxy.process(udp(POD, 5000, VIP, 53))).toMatchObject({ flow: 'new', endpoint: { ip: '10.0.0.2', port: 8080 } });
  });
  it('5. black hole: a UDP flow tracked before the service existed stays untranslated until cleanup (kubernetes#48370)', () => {
    const r = rig();
    expect(r.proxy.process(udp(POD, 5000, VIP, 53)).verdict).toBe('PASS');
    r.rules.set('UDP', VIP, 53, dnat('kube-system/dns:dns', [E1]));
    expect(r.proxy.process(udp(POD, 5000, VIP, 53))).toMatchObject({ flow: 'established', verdict: 'PASS' });
    expect(r.proxy.endpointsChanged([dnsPort([E1])]).conntrackEntriesRemoved).toBe(1);
    expect(r.proxy.process(udp(POD, 5000, VIP, 53))).toMatchObject({ flow: 'new', verdict: 'DNAT' });
  });
  it('6. a SYN on a closed connection’s tuple (TIME_WAIT) is a new flow with a new decision', () => {
    const r = rig();
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1]));
    const c = tcp(POD, 40000, VIP, 80);
    const first = handshake(r.proxy, c);
    r.proxy.process(c, { tcpFlags: TCP_FIN | TCP_ACK });
    r.proxy.process(answer(first), { tcpFlags: TCP_FIN | TCP_ACK });
    expect(r.proxy.process(c, { tcpFlags: TCP_ACK }).conntrack).toBe('TIME_WAIT');
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E2]));
    expect(r.proxy.process(c, { tcpFlags: TCP_SYN })).toMatchObject({ flow: 'new', endpoint: { ip: '10.0.0.2', port: 8080 } });
    expect(r.proxy.stats().reopened).toBe(1);
  });
  it('7. an RST before any reply translates, then deletes the entry', () => {
    const r = rig();
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1]));
    r.proxy.process(tcp(POD, 40000, VIP, 80));
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80), { tcpFlags: TCP_RST })).toMatchObject({ flow: 'established', translated: tcp(POD, 40000, '10.0.0.1', 8080) });
    expect(r.proxy.stats()).toMatchObject({ entries: 0, reset: 1 });
  });
  it('8. conntrack INVALID is dropped (kube-proxy ctstate INVALID rule) before the rules run', () => {
    const r = rig();
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1]));
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80), { tcpFlags: TCP_FIN | TCP_ACK })).toEqual({ flow: 'new', verdict: 'DROP', masquerade: false, reason: 'conntrack INVALID' });
    expect(r.rules.calls).toBe(0);
    r.proxy.process(tcp(POD, 40001, VIP, 80), { tcpFlags: TCP_SYN });
    expect(r.proxy.process(tcp(POD, 40001, VIP, 80), { tcpFlags: TCP_ACK })).toMatchObject({ flow: 'established', verdict: 'DROP', servicePort: 'ns/web:http', reason: 'conntrack INVALID' });
    expect(r.proxy.process(tcp(POD, 40001, VIP, 80), { tcpFlags: TCP_SYN }).verdict).toBe('DNAT');
    expect(r.proxy.stats().invalid).toBe(2);
  });
  it('9. with tcpBeLiberal, INVALID packets pass untranslated (kubernetes#74839)', () => {
    const r = rig({ conntrack: { tcpBeLiberal: true } });
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1]));
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80), { tcpFlags: TCP_FIN | TCP_ACK })).toMatchObject({ verdict: 'PASS', translated: tcp(POD, 40000, VIP, 80) });
  });
});

describe('ICMP errors (RELATED)', () => {
  function setup(): { r: Rig; first: FlowResult } {
    const r = rig();
    r.rules.set('UDP', NODE, 30053, dnat('ns/dns:dns', [ep('10.0.0.1', 5353)], { frontend: 'NodePort', masquerade: true }));
    const first = r.proxy.process(udp(EXT, 5000, NODE, 30053));
    return { r, first };
  }
  it('1. port unreachable from the endpoint goes back to the client as if from the frontend', () => {
    const { r, first } = setup();
    const quoted = first.translated as FlowTuple;
    const got = r.proxy.process(udp('10.0.0.1', 0, NODE, 0), { embedded: quoted });
    expect(got).toMatchObject({ flow: 'reply', verdict: 'DNAT', servicePort: 'ns/dns:dns', translated: udp(NODE, 0, EXT, 0), translatedEmbedded: udp(EXT, 5000, NODE, 30053) });
  });
  it('2. an error from a router on the way gets the frontend as source too (Linux rewrites the outer source)', () => {
    const { r, first } = setup();
    expect(r.proxy.process(udp('10.1.1.1', 0, NODE, 0), { embedded: first.translated }).translated).toEqual(udp(NODE, 0, EXT, 0));
  });
  it('3. an error from the client about a reply goes to the endpoint, quoting what the endpoint sent', () => {
    const { r } = setup();
    const got = r.proxy.process(udp(EXT, 0, NODE, 0), { embedded: udp(NODE, 30053, EXT, 5000) });
    expect(got).toMatchObject({ flow: 'established', translated: udp(NODE, 0, '10.0.0.1', 0), translatedEmbedded: udp('10.0.0.1', 5353, NODE, 5000) });
  });
  it('4. errors do not refresh the flow; unknown flows pass', () => {
    const { r, first } = setup();
    r.at(20);
    r.proxy.process(udp('10.0.0.1', 0, NODE, 0), { embedded: first.translated });
    r.at(30);
    expect(r.proxy.process(udp('10.0.0.1', 0, NODE, 0), { embedded: first.translated })).toMatchObject({ flow: 'new', verdict: 'PASS', reason: 'ICMP error for no tracked flow' });
  });
});

describe('bounded table', () => {
  it('1. full of assured flows: a new flow is dropped before the rules run', () => {
    const r = rig({ conntrack: { maxEntries: 2 } });
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1]));
    handshake(r.proxy, tcp(POD, 40000, VIP, 80));
    handshake(r.proxy, tcp(POD, 40001, VIP, 80));
    const calls = r.rules.calls;
    expect(r.proxy.process(tcp(POD, 40002, VIP, 80))).toEqual({ flow: 'new', verdict: 'DROP', masquerade: false, reason: 'conntrack table full' });
    expect(r.rules.calls).toBe(calls);
    expect(r.proxy.stats()).toMatchObject({ entries: 2, refused: 1 });
  });
  it('2. an unassured flow is evicted to make room (oldest first)', () => {
    const r = rig({ conntrack: { maxEntries: 3 } });
    for (const port of [5000, 5001, 5002, 5003]) r.proxy.process(udp(POD, port, '8.8.8.8', 53));
    expect(r.proxy.stats()).toMatchObject({ entries: 3, evicted: 1 });
    expect(r.proxy.process(udp(POD, 5001, '8.8.8.8', 53)).flow).toBe('established');
    expect(r.proxy.process(udp(POD, 5000, '8.8.8.8', 53)).flow).toBe('new');
  });
  it('3. a random workload never grows the table past its bound', () => {
    const max = 16;
    const r = rig({ conntrack: { maxEntries: max } });
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1, E2, E3], { masquerade: true }));
    r.rules.set('UDP', VIP, 53, dnat('ns/dns:dns', [E1, E2]));
    const rng = new Random(99);
    let peak = 0;
    const verdicts = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      r.at(i * 0.5);
      const client = `10.244.0.${rng.int(8)}`;
      const port = 40000 + rng.int(12);
      const t = rng.int(2) === 0 ? tcp(client, port, VIP, 80) : udp(client, port, VIP, 53);
      const res = r.proxy.process(t, { tcpFlags: [TCP_SYN, TCP_ACK, TCP_FIN | TCP_ACK, TCP_RST][rng.int(4)] });
      verdicts.add(res.verdict);
      if (res.translated && rng.int(2) === 0) r.proxy.process(answer(res), { tcpFlags: [TCP_SYN | TCP_ACK, TCP_ACK][rng.int(2)] });
      peak = Math.max(peak, r.proxy.conntrack.size);
      expect(r.proxy.stats().entries).toBeLessThanOrEqual(max);
    }
    expect(peak).toBe(max);
    expect(r.proxy.stats().evicted).toBeGreaterThan(0);
    expect(verdicts).toEqual(new Set(['DNAT', 'DROP']));
  });
});

/** Pearson's chi-square statistic against a uniform expectation. */
function chiSquare(counts: number[]): number {
  const expected = counts.reduce((a, b) => a + b, 0) / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

describe('selection through the processor', () => {
  const five = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((ip) => ep(ip));
  for (const mode of ['iptables', 'nftables'] as const) {
    it(`${mode}: new flows spread uniformly over 5 endpoints (chi-square < 18.467, p = 0.001)`, () => {
      const r = rig({ mode, seed: 2024 });
      r.rules.set('UDP', VIP, 53, dnat('ns/dns:dns', five));
      const counts = [0, 0, 0, 0, 0];
      for (let i = 0; i < 25000; i++) {
        const got = r.proxy.process(udp(`10.244.${i >> 8}.${i & 255}`, 5000, VIP, 53));
        counts[five.findIndex((e) => e.ip === got.endpoint?.ip)]++;
      }
      expect(chiSquare(counts)).toBeLessThan(18.467);
    });
  }

  it('ipvs rr: each virtual server (ClusterIP, NodePort) keeps its own pointer', () => {
    const r = rig({ mode: 'ipvs' });
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1, E2, E3]));
    r.rules.set('TCP', NODE, 30080, dnat('ns/web:http', [E1, E2, E3], { frontend: 'NodePort' }));
    const cluster = [0, 1, 2, 3].map((i) => r.proxy.process(tcp(POD, 40000 + i, VIP, 80)).endpoint?.ip);
    const nodePort = [0, 1].map((i) => r.proxy.process(tcp(EXT, 40000 + i, NODE, 30080)).endpoint?.ip);
    expect(cluster).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
    expect(nodePort).toEqual(['10.0.0.1', '10.0.0.2']);
  });
  it('ipvs lc: connections are counted from the conntrack table (ESTABLISHED = active)', () => {
    const r = rig({ mode: 'ipvs', scheduler: 'lc' });
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1, E2, E3]));
    const pick = (port: number): string | undefined => r.proxy.process(tcp(POD, port, VIP, 80), { tcpFlags: TCP_SYN }).endpoint?.ip;
    expect(handshake(r.proxy, tcp(POD, 40000, VIP, 80)).endpoint?.ip).toBe('10.0.0.1');
    expect([pick(40001), pick(40002), pick(40003)]).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.2']);
    const vs = r.proxy.virtualServer('TCP', VIP, 80);
    expect(vs?.destinations().map((d) => [d.active, d.inactive])).toEqual([[1, 0], [0, 2], [0, 1]]);
    r.at(121); // the SYN_SENT flows idle out (120 s), the established one stays
    expect(pick(40004)).toBe('10.0.0.2');
    expect(vs?.destinations().map((d) => [d.active, d.inactive])).toEqual([[1, 0], [0, 1], [0, 0]]);
  });
  it('ipvs sed on UDP: UDP connections are never active, so the first server takes everything', () => {
    const r = rig({ mode: 'ipvs', scheduler: 'sed' });
    r.rules.set('UDP', VIP, 53, dnat('ns/dns:dns', [E1, E2, E3]));
    const got = [0, 1, 2, 3].map((i) => r.proxy.process(udp(POD, 5000 + i, VIP, 53)).endpoint?.ip);
    expect(got).toEqual(['10.0.0.1', '10.0.0.1', '10.0.0.1', '10.0.0.1']);
  });
  it('ipvs graceful termination: a departed TCP server keeps its flows, gets no new ones, and goes once drained', () => {
    const r = rig({ mode: 'ipvs' });
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1, E2]));
    handshake(r.proxy, tcp(POD, 40000, VIP, 80));
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E2]));
    expect([1, 2, 3].map((i) => r.proxy.process(tcp(POD, 40000 + i, VIP, 80)).endpoint?.ip)).toEqual(['10.0.0.2', '10.0.0.2', '10.0.0.2']);
    const vs = r.proxy.virtualServer('TCP', VIP, 80);
    expect(vs?.destinations().map((d) => [d.endpoint.ip, d.weight])).toEqual([['10.0.0.1', 0], ['10.0.0.2', 1]]);
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80)).endpoint?.ip).toBe('10.0.0.1');
    r.proxy.process(tcp(POD, 40000, VIP, 80), { tcpFlags: TCP_RST });
    r.at(10);
    r.proxy.process(tcp(POD, 40009, VIP, 80));
    expect(vs?.destinations().map((d) => d.endpoint.ip)).toEqual(['10.0.0.2']);
  });
  it('ipvs sh: a client hashed to a quiesced server is rejected (no destination available)', () => {
    const r = rig({ mode: 'ipvs', scheduler: 'sh' });
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1, E2, E3]));
    // 10.244.0.1 hashes to bucket 177 = server 0 of 3.
    expect(handshake(r.proxy, tcp('10.244.0.1', 40000, VIP, 80)).endpoint?.ip).toBe('10.0.0.1');
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E2, E3]));
    expect(r.proxy.process(tcp('10.244.0.1', 40001, VIP, 80))).toMatchObject({ flow: 'new', verdict: 'REJECT', reason: 'no destination available' });
  });
  it('Maglev hook: the lookup picks the endpoint; affinity hashes without the source port', () => {
    const calls: string[] = [];
    const hashes: boolean[] = [];
    const r = rig({
      mode: 'nftables',
      maglev: (servicePort, endpoints) => {
        calls.push(`${servicePort}/${endpoints.length}`);
        return servicePort === 'ns/web:http' ? (hash) => hash % endpoints.length : undefined;
      },
      flowHash: (t, withSourcePort) => {
        hashes.push(withSourcePort);
        return t.srcPort;
      },
      random: () => 0,
    });
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1, E2, E3]));
    r.rules.set('TCP', VIP, 81, dnat('ns/web:sticky', [E1, E2, E3], { affinity: { timeoutSeconds: 60 } }));
    expect([40000, 40001, 40002].map((p) => r.proxy.process(tcp(POD, p, VIP, 80)).endpoint?.ip)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.1']);
    expect(r.proxy.process(tcp(POD, 40003, VIP, 81)).endpoint?.ip).toBe('10.0.0.1');
    expect(calls).toEqual(['ns/web:http/3', 'ns/web:http/3', 'ns/web:http/3', 'ns/web:sticky/3']);
    expect(hashes).toEqual([true, true, true]);
    const sticky = rig({ mode: 'iptables', maglev: (_sp, endpoints) => (hash) => hash % endpoints.length, flowHash: (_t, withSourcePort) => (withSourcePort ? 1 : 2) });
    sticky.rules.set('TCP', VIP, 81, dnat('ns/web:sticky', [E1, E2, E3], { affinity: { timeoutSeconds: 60 } }));
    expect(sticky.proxy.process(tcp(POD, 40000, VIP, 81)).endpoint?.ip).toBe('10.0.0.3');
  });
  it('IPVS schedulers that are not modelled are refused; mh needs the Maglev hook', () => {
    const decide = new Rules().decide;
    const base = { now: () => 0, masqueradeIP: () => NODE };
    expect(() => new FlowProcessor(decide, { ...base, mode: 'ipvs', scheduler: 'lblc' })).toThrow(/not modelled/);
    expect(() => new FlowProcessor(decide, { ...base, mode: 'ipvs', scheduler: 'mh' })).toThrow(/maglev/);
    const r = rig({ mode: 'ipvs', scheduler: 'mh', maglev: () => () => 1 });
    r.rules.set('TCP', VIP, 80, dnat('ns/web:http', [E1, E2]));
    expect(r.proxy.process(tcp(POD, 40000, VIP, 80)).endpoint?.ip).toBe('10.0.0.2');
  });
});
