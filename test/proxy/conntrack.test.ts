// The connection-tracking table: Linux TCP/UDP/SCTP states and timeouts, expiry by the
// clock, early drop when full, SNAT source-port choice, and kube-proxy's UDP cleanup.
import { describe, expect, it } from 'vitest';
import {
  ConntrackTable,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  cleanStaleUdpEntries,
  conntrackSettingsFromConfig,
  conntrackStateOf,
  invertTuple,
  opensTcpFlow,
} from '../../sdk/proxy/conntrack.js';
import type { ConntrackEntry, Direction, FlowNat, ServicePortState, TrackOutcome } from '../../sdk/proxy/conntrack.js';
import type { FlowTuple } from '../../sdk/proxy/decision.js';

const S = 1000;
const PASS: FlowNat = { verdict: 'PASS', masquerade: false };

function tuple(protocol: FlowTuple['protocol'], src: string, sport: number, dst: string, dport: number): FlowTuple {
  const family = src.includes(':') ? 6 : 4;
  return { family, protocol, srcIP: src, srcPort: sport, dstIP: dst, dstPort: dport };
}
const CLIENT_TCP = tuple('TCP', '192.168.1.10', 40000, '10.0.0.1', 80);

function open(table: ConntrackTable, t: FlowTuple, now: number, flags = TCP_SYN, translated = t, nat = PASS): ConntrackEntry {
  return table.create(t, translated, nat, now, flags);
}

type Step = [dir: Direction, flags: number, at: number, state: string, outcome: TrackOutcome | 'removed', ttl?: number];

/** Opens a TCP flow at t=0 with `first`, then plays `steps`, checking state, outcome and remaining lifetime. */
function playTcp(first: number, steps: Step[]): { table: ConntrackTable; entry: ConntrackEntry } {
  const table = new ConntrackTable();
  const entry = open(table, CLIENT_TCP, 0, first);
  for (const [dir, flags, at, state, outcome, ttl] of steps) {
    const before = entry.deadline;
    const got = table.track({ entry, direction: dir }, flags, at * S);
    if (outcome === 'removed') {
      expect(entry.removed).toBe(true);
      continue;
    }
    expect(got).toBe(outcome);
    expect(entry.tcp?.state).toBe(state);
    if (ttl !== undefined) expect((entry.deadline - at * S) / S).toBe(ttl);
    else expect(entry.deadline).toBe(before);
  }
  return { table, entry };
}

describe('TCP states and timeouts (nf_conntrack_proto_tcp.c, kube-proxy timeouts)', () => {
  const o: Direction = 'original';
  const r: Direction = 'reply';
  const cases: { name: string; first: number; steps: Step[]; assured?: boolean }[] = [
    {
      name: 'three-way handshake: SYN_SENT 120 s, SYN_RECV 60 s, ESTABLISHED 86400 s and ASSURED',
      first: TCP_SYN,
      steps: [
        [r, TCP_SYN | TCP_ACK, 1, 'SYN_RECV', 'tracked', 60],
        [o, TCP_ACK, 2, 'ESTABLISHED', 'tracked', 86400],
        [r, TCP_ACK, 3, 'ESTABLISHED', 'tracked', 86400],
      ],
      assured: true,
    },
    {
      name: 'close: FIN_WAIT 120 s, CLOSE_WAIT 3600 s, LAST_ACK 30 s, TIME_WAIT 120 s',
      first: TCP_SYN,
      steps: [
        [r, TCP_SYN | TCP_ACK, 1, 'SYN_RECV', 'tracked', 60],
        [o, TCP_ACK, 2, 'ESTABLISHED', 'tracked', 86400],
        [o, TCP_FIN | TCP_ACK, 10, 'FIN_WAIT', 'tracked', 120],
        [r, TCP_ACK, 11, 'CLOSE_WAIT', 'tracked', 3600],
        [r, TCP_FIN | TCP_ACK, 12, 'LAST_ACK', 'tracked', 30],
        [o, TCP_ACK, 13, 'TIME_WAIT', 'tracked', 120],
      ],
      assured: true,
    },
    {
      name: 'RST on an established flow: CLOSE, 10 s',
      first: TCP_SYN,
      steps: [
        [r, TCP_SYN | TCP_ACK, 1, 'SYN_RECV', 'tracked', 60],
        [o, TCP_ACK, 2, 'ESTABLISHED', 'tracked', 86400],
        [r, TCP_RST, 5, 'CLOSE', 'tracked', 10],
      ],
    },
    { name: 'RST from the client before any reply deletes the entry', first: TCP_SYN, steps: [[o, TCP_RST, 1, '', 'removed']] },
    { name: 'an RST as the only reply deletes the entry', first: TCP_SYN, steps: [[r, TCP_RST | TCP_ACK, 1, '', 'removed']] },
    {
      name: 'a retransmitted SYN does not renew the timer',
      first: TCP_SYN,
      steps: [[o, TCP_SYN, 60, 'SYN_SENT', 'tracked']],
    },
    {
      name: 'mid-stream pickup (first packet ACK): ESTABLISHED capped at UNACK 300 s until a reply, then ASSURED',
      first: TCP_ACK,
      steps: [
        [r, TCP_ACK, 1, 'ESTABLISHED', 'tracked', 300],
        [o, TCP_ACK, 2, 'ESTABLISHED', 'tracked', 86400],
      ],
      assured: true,
    },
    { name: 'an ACK from the client in SYN_SENT is INVALID: no state change, no refresh', first: TCP_SYN, steps: [[o, TCP_ACK, 5, 'SYN_SENT', 'invalid']] },
    { name: 'a packet without SYN/FIN/ACK/RST is INVALID', first: TCP_SYN, steps: [[r, 0, 5, 'SYN_SENT', 'invalid']] },
    {
      name: 'a SYN inside an established flow is ignored: no state change, no refresh',
      first: TCP_SYN,
      steps: [
        [r, TCP_SYN | TCP_ACK, 1, 'SYN_RECV', 'tracked', 60],
        [o, TCP_ACK, 2, 'ESTABLISHED', 'tracked', 86400],
        [o, TCP_SYN, 50, 'ESTABLISHED', 'ignored'],
      ],
    },
    {
      name: 'a reply ACK in SYN_SENT is ignored (half-open connection)',
      first: TCP_SYN,
      steps: [[r, TCP_ACK, 1, 'SYN_SENT', 'ignored']],
    },
    {
      // The reply-side SYN arrives in SYN_SENT before any reply: like a retransmitted SYN it does not renew the timer.
      name: 'simultaneous open: SYN from the reply side → SYN_SENT2, its ACK establishes',
      first: TCP_SYN,
      steps: [
        [r, TCP_SYN, 1, 'SYN_SENT2', 'tracked'],
        [o, TCP_SYN | TCP_ACK, 2, 'SYN_RECV', 'tracked', 60],
        [r, TCP_ACK, 3, 'ESTABLISHED', 'tracked', 86400],
      ],
    },
    {
      name: 'RFC 5961: the ACK answering a SYN ignored in LAST_ACK does not move to TIME_WAIT',
      first: TCP_SYN,
      steps: [
        [r, TCP_SYN | TCP_ACK, 1, 'SYN_RECV', 'tracked', 60],
        [o, TCP_ACK, 2, 'ESTABLISHED', 'tracked', 86400],
        [o, TCP_FIN | TCP_ACK, 3, 'FIN_WAIT', 'tracked', 120],
        [r, TCP_FIN | TCP_ACK, 4, 'LAST_ACK', 'tracked', 30],
        [o, TCP_SYN, 5, 'LAST_ACK', 'ignored'],
        [r, TCP_ACK, 6, 'LAST_ACK', 'ignored'],
        [o, TCP_ACK, 7, 'TIME_WAIT', 'tracked', 120],
      ],
    },
  ];
  cases.forEach((c, k) =>
    it(`${k + 1}. ${c.name}`, () => {
      const { entry } = playTcp(c.first, c.steps);
      if (c.assured !== undefined) expect(entry.assured).toBe(c.assured);
    }),
  );

  const reopen: { name: string; setup: Step[]; syn: Direction; want: TrackOutcome }[] = [
    {
      name: 'SYN in TIME_WAIT after a FIN close reopens (entry deleted, flow is new)',
      setup: [
        ['reply', TCP_SYN | TCP_ACK, 1, 'SYN_RECV', 'tracked', 60],
        ['original', TCP_ACK, 2, 'ESTABLISHED', 'tracked', 86400],
        ['original', TCP_FIN | TCP_ACK, 3, 'FIN_WAIT', 'tracked', 120],
        ['reply', TCP_FIN | TCP_ACK, 4, 'LAST_ACK', 'tracked', 30],
        ['original', TCP_ACK, 5, 'TIME_WAIT', 'tracked', 120],
      ],
      syn: 'original',
      want: 'reopen',
    },
    {
      name: 'SYN in CLOSE after the client’s own RST reopens',
      setup: [
        ['reply', TCP_SYN | TCP_ACK, 1, 'SYN_RECV', 'tracked', 60],
        ['original', TCP_ACK, 2, 'ESTABLISHED', 'tracked', 86400],
        ['original', TCP_RST, 3, 'CLOSE', 'tracked', 10],
      ],
      syn: 'original',
      want: 'reopen',
    },
    {
      name: 'SYN in CLOSE after the server’s RST is ignored (old translation kept)',
      setup: [
        ['reply', TCP_SYN | TCP_ACK, 1, 'SYN_RECV', 'tracked', 60],
        ['original', TCP_ACK, 2, 'ESTABLISHED', 'tracked', 86400],
        ['reply', TCP_RST, 3, 'CLOSE', 'tracked', 10],
      ],
      syn: 'original',
      want: 'ignored',
    },
  ];
  reopen.forEach((c, k) =>
    it(`${cases.length + k + 1}. ${c.name}`, () => {
      const { table, entry } = playTcp(TCP_SYN, c.setup);
      expect(table.track({ entry, direction: c.syn }, TCP_SYN, 6 * S)).toBe(c.want);
      expect(entry.removed).toBe(c.want === 'reopen');
      expect(table.counters.reopened).toBe(c.want === 'reopen' ? 1 : 0);
    }),
  );

  const firsts: [string, number, boolean][] = [
    ['SYN', TCP_SYN, true],
    ['ACK (loose pickup)', TCP_ACK, true],
    ['PSH|ACK (loose pickup)', 0x08 | TCP_ACK, true],
    ['SYN|ACK', TCP_SYN | TCP_ACK, false],
    ['FIN|ACK', TCP_FIN | TCP_ACK, false],
    ['RST', TCP_RST, false],
    ['no flags', 0, false],
  ];
  firsts.forEach(([name, flags, want], k) =>
    it(`${cases.length + reopen.length + k + 1}. a first packet ${name} ${want ? 'opens' : 'cannot open'} a flow`, () => {
      expect(opensTcpFlow(flags)).toBe(want);
    }),
  );
});

describe('UDP (nf_conntrack_proto_udp.c, Linux ≥ 6.2)', () => {
  const q = tuple('UDP', '192.168.1.10', 5353, '10.0.0.1', 53);
  // Times in milliseconds.
  const cases: { name: string; packets: [Direction, number][]; state: string; deadline: number }[] = [
    { name: 'unreplied: 30 s', packets: [], state: 'UNREPLIED', deadline: 30000 },
    { name: 'a reply refreshes for 30 s and marks REPLIED, not yet a stream', packets: [['reply', 1000]], state: 'REPLIED', deadline: 31000 },
    { name: 'traffic within 2 s of creation stays at 30 s', packets: [['reply', 500], ['original', 2000]], state: 'REPLIED', deadline: 32000 },
    { name: 'traffic after 2 s with a reply seen: stream, 120 s, ASSURED', packets: [['reply', 500], ['original', 2001]], state: 'ASSURED', deadline: 122001 },
    { name: 'one-way traffic never becomes a stream', packets: [['original', 5000], ['original', 10000]], state: 'UNREPLIED', deadline: 40000 },
  ];
  cases.forEach((c, k) =>
    it(`${k + 1}. ${c.name}`, () => {
      const table = new ConntrackTable();
      const entry = open(table, q, 0, 0);
      for (const [dir, at] of c.packets) table.track({ entry, direction: dir }, 0, at);
      expect(conntrackStateOf(entry)).toBe(c.state);
      expect(entry.deadline).toBe(c.deadline);
    }),
  );

  it(`${cases.length + 1}. settings override the timeouts`, () => {
    const table = new ConntrackTable({ udpTimeout: 5, udpStreamTimeout: 60 });
    const entry = open(table, q, 0, 0);
    expect(entry.deadline).toBe(5 * S);
    table.track({ entry, direction: 'reply' }, 0, 1 * S);
    table.track({ entry, direction: 'original' }, 0, 3 * S);
    expect(entry.deadline).toBe(63 * S);
  });
});

describe('SCTP (coarse)', () => {
  it('1. COOKIE_WAIT 3 s until a reply, then ESTABLISHED 210 s and ASSURED', () => {
    const table = new ConntrackTable();
    const entry = open(table, tuple('SCTP', '192.168.1.10', 3868, '10.0.0.1', 3868), 0, 0);
    expect([conntrackStateOf(entry), entry.deadline]).toEqual(['COOKIE_WAIT', 3 * S]);
    table.track({ entry, direction: 'reply' }, 0, 1 * S);
    expect([conntrackStateOf(entry), entry.deadline, entry.assured]).toEqual(['ESTABLISHED', 211 * S, true]);
  });
});

describe('expiry by the clock', () => {
  it('1. an entry lives while now < deadline, and expire() removes it at the deadline', () => {
    const table = new ConntrackTable();
    open(table, tuple('UDP', '192.168.1.10', 1000, '10.0.0.1', 53), 0, 0);
    expect(table.expire(30 * S - 1)).toBe(0);
    expect(table.size).toBe(1);
    expect(table.expire(30 * S)).toBe(1);
    expect(table.size).toBe(0);
    expect(table.counters.expired).toBe(1);
  });
  it('2. a refreshed entry outlives its first deadline; a shortened one dies at the new deadline', () => {
    const table = new ConntrackTable();
    const entry = open(table, CLIENT_TCP, 0);
    table.track({ entry, direction: 'reply' }, TCP_SYN | TCP_ACK, 1 * S);
    table.track({ entry, direction: 'original' }, TCP_ACK, 2 * S);
    expect(table.expire(500 * S)).toBe(0);
    table.track({ entry, direction: 'reply' }, TCP_RST, 1000 * S);
    expect(table.expire(1009 * S)).toBe(0);
    expect(table.expire(1010 * S)).toBe(1);
  });
  it('3. the lookup index forgets expired tuples in both directions', () => {
    const table = new ConntrackTable();
    const t = tuple('UDP', '192.168.1.10', 1000, '10.0.0.1', 53);
    open(table, t, 0, 0);
    expect(table.lookup(invertTuple(t))?.direction).toBe('reply');
    table.expire(31 * S);
    expect(table.lookup(t)).toBeUndefined();
    expect(table.lookup(invertTuple(t))).toBeUndefined();
  });
});

describe('bounded table (early drop)', () => {
  function udp(i: number): FlowTuple {
    return tuple('UDP', '192.168.1.10', 1000 + i, '10.0.0.1', 53);
  }
  function assure(table: ConntrackTable, e: ConntrackEntry): void {
    table.track({ entry: e, direction: 'reply' }, 0, 0);
    table.track({ entry: e, direction: 'original' }, 0, 3 * S);
    expect(e.assured).toBe(true);
  }

  it('1. below the limit nothing is evicted', () => {
    const table = new ConntrackTable({ maxEntries: 3 });
    for (let i = 0; i < 2; i++) open(table, udp(i), 0, 0);
    expect(table.admit(0)).toBe(true);
    expect(table.counters.evicted).toBe(0);
  });
  it('2. full: the oldest unassured entry is evicted', () => {
    const table = new ConntrackTable({ maxEntries: 3 });
    const es = [0, 1, 2].map((i) => open(table, udp(i), 0, 0));
    expect(table.admit(0)).toBe(true);
    expect(es.map((e) => e.removed)).toEqual([true, false, false]);
    expect(table.counters.evicted).toBe(1);
  });
  it('3. assured entries are skipped: the oldest unassured one goes', () => {
    const table = new ConntrackTable({ maxEntries: 3 });
    const es = [0, 1, 2].map((i) => open(table, udp(i), 0, 0));
    assure(table, es[0]);
    expect(table.admit(3 * S)).toBe(true);
    expect(es.map((e) => e.removed)).toEqual([false, true, false]);
  });
  it('4. all assured: the new flow is refused', () => {
    const table = new ConntrackTable({ maxEntries: 2 });
    const es = [0, 1].map((i) => open(table, udp(i), 0, 0));
    es.forEach((e) => assure(table, e));
    expect(table.admit(3 * S)).toBe(false);
    expect(table.counters.refused).toBe(1);
    expect(table.size).toBe(2);
  });
  it('5. expired entries are reclaimed before anything is evicted', () => {
    const table = new ConntrackTable({ maxEntries: 2 });
    const es = [0, 1].map((i) => open(table, udp(i), 0, 0));
    es.forEach((e) => assure(table, e));
    expect(table.admit(200 * S)).toBe(true);
    expect(table.counters).toMatchObject({ expired: 2, evicted: 0, refused: 0 });
  });
});

describe('SNAT source port (nf_nat_l4proto_unique_tuple, deterministic search)', () => {
  const cases: { name: string; port: number; taken: number[]; want: number | undefined }[] = [
    { name: 'free: the original port is kept', port: 40000, taken: [], want: 40000 },
    { name: 'taken: the next free port above', port: 40000, taken: [40000, 40001], want: 40002 },
    { name: 'ports ≥ 1024 wrap within 1024–65535', port: 65535, taken: [65535], want: 1024 },
    { name: 'ports 512–1023 search 600–1023', port: 1023, taken: [1023], want: 600 },
    { name: 'ports < 512 search 1–511', port: 511, taken: [511], want: 1 },
  ];
  cases.forEach((c, k) =>
    it(`${k + 1}. ${c.name}`, () => {
      const table = new ConntrackTable();
      // An entry owning the reply tuple 10.0.0.1:80 → 10.1.0.1:p for every taken p.
      for (const p of c.taken) open(table, tuple('UDP', '192.168.1.99', p, '10.96.0.10', 80), 0, 0, tuple('UDP', '10.1.0.1', p, '10.0.0.1', 80));
      const got = table.uniqueSource(tuple('UDP', '10.1.0.1', c.port, '10.0.0.1', 80));
      expect(got?.srcPort).toBe(c.want);
    }),
  );
});

describe('kube-proxy UDP cleanup (pkg/proxy/conntrack/cleanup.go)', () => {
  const dns: ServicePortState = {
    servicePort: 'kube-system/dns:dns',
    protocol: 'UDP',
    family: 4,
    frontendIPs: ['10.96.0.10', '203.0.113.5'],
    port: 53,
    nodePort: 30053,
    endpoints: [
      { ip: '10.0.0.1', port: 5353, serving: true },
      { ip: '10.0.0.2', port: 5353, serving: false },
    ],
  };
  const empty: ServicePortState = { servicePort: 'ns/empty:', protocol: 'UDP', family: 4, frontendIPs: ['10.96.0.20'], port: 53, endpoints: [] };

  const dnat = (ip: string): FlowNat => ({ verdict: 'DNAT', servicePort: dns.servicePort, endpoint: { ip, port: 5353, local: false, terminating: false }, masquerade: false });
  const cases: { name: string; t: FlowTuple; to?: string; removed: boolean }[] = [
    { name: 'ClusterIP flow to a serving endpoint is kept', t: tuple('UDP', '10.244.1.5', 4001, '10.96.0.10', 53), to: '10.0.0.1', removed: false },
    { name: 'ClusterIP flow to an endpoint that left is removed', t: tuple('UDP', '10.244.1.5', 4002, '10.96.0.10', 53), to: '10.0.0.3', removed: true },
    { name: 'ClusterIP flow to a non-serving endpoint is removed', t: tuple('UDP', '10.244.1.5', 4003, '10.96.0.10', 53), to: '10.0.0.2', removed: true },
    { name: 'black hole (never DNATed, reply source = VIP) is removed', t: tuple('UDP', '10.244.1.5', 4004, '10.96.0.10', 53), removed: true },
    { name: 'externalIP frontend to an endpoint that left is removed', t: tuple('UDP', '198.51.100.7', 4005, '203.0.113.5', 53), to: '10.0.0.3', removed: true },
    { name: 'NodePort flow (any address) to an endpoint that left is removed', t: tuple('UDP', '198.51.100.7', 4006, '192.168.0.2', 30053), to: '10.0.0.3', removed: true },
    { name: 'NodePort flow to a serving endpoint is kept', t: tuple('UDP', '198.51.100.7', 4007, '192.168.0.2', 30053), to: '10.0.0.1', removed: false },
    { name: 'any UDP flow whose destination port is the NodePort goes too (kube-proxy filters by port)', t: tuple('UDP', '10.244.1.5', 4008, '8.8.8.8', 30053), removed: true },
    { name: 'another port of the VIP is not this service port', t: tuple('UDP', '10.244.1.5', 4009, '10.96.0.10', 54), removed: false },
    { name: 'TCP is never touched', t: tuple('TCP', '10.244.1.5', 4010, '10.96.0.10', 53), to: '10.0.0.3', removed: false },
    { name: 'a service without serving endpoints is skipped (black hole kept)', t: tuple('UDP', '10.244.1.5', 4011, '10.96.0.20', 53), removed: false },
    { name: 'IPv6 flows to the NodePort are left to the IPv6 proxier', t: tuple('UDP', 'fd00::5', 4012, 'fd00::2', 30053), removed: false },
  ];
  it(`1–${cases.length}. one cleanup pass over a mixed table`, () => {
    const table = new ConntrackTable();
    const entries = cases.map((c) => {
      const translated = c.to ? { ...c.t, dstIP: c.to, dstPort: 5353 } : c.t;
      return open(table, c.t, 0, c.t.protocol === 'TCP' ? TCP_SYN : 0, translated, c.to ? dnat(c.to) : PASS);
    });
    const removed = cleanStaleUdpEntries(table, [dns, empty]);
    const got = Object.fromEntries(cases.map((c, i) => [c.name, entries[i].removed]));
    expect(got).toEqual(Object.fromEntries(cases.map((c) => [c.name, c.removed])));
    expect(removed).toBe(cases.filter((c) => c.removed).length);
    expect(table.counters.cleaned).toBe(removed);
  });
});

describe('settings from KubeProxyConfiguration', () => {
  it('1. 0 leaves the kernel default; kube-proxy defaults pass through', () => {
    expect(conntrackSettingsFromConfig({ tcpEstablished: 86400, tcpCloseWait: 3600, udp: 0, udpStream: 0 })).toEqual({
      tcpEstablishedTimeout: 86400,
      tcpCloseWaitTimeout: 3600,
      udpTimeout: 30,
      udpStreamTimeout: 120,
    });
    expect(conntrackSettingsFromConfig({ tcpEstablished: 0, tcpCloseWait: 0, udp: 10, udpStream: 60 }, { maxEntries: 10 })).toEqual({
      maxEntries: 10,
      tcpEstablishedTimeout: 432000,
      tcpCloseWaitTimeout: 60,
      udpTimeout: 10,
      udpStreamTimeout: 60,
    });
  });
  it('2. a non-positive table size is refused', () => {
    expect(() => new ConntrackTable({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});
