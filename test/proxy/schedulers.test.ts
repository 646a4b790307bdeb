// Selection: kube-proxy's iptables cascade and nftables numgen (uniformity), and the IPVS
// schedulers of net/netfilter/ipvs/ip_vs_{rr,wrr,lc,wlc,sed,nq,sh,dh}.c on small cases
// worked out by hand from the kernel code.
import { describe, expect, it } from 'vitest';
import { Random } from '../../sdk/model/random.js';
import type { EndpointTarget } from '../../sdk/proxy/decision.js';
import {
  IPVSVirtualServer,
  endpointKey,
  flowHash,
  iptablesCascadePick,
  iptablesRuleProbability,
  ipvsAddressFold,
  ipvsHashBucket,
  nftablesNumgenPick,
} from '../../sdk/proxy/schedulers.js';

function ep(ip: string, port = 8080): EndpointTarget {
  return { ip, port, local: false, terminating: false };
}
const A = ep('10.0.0.1');
const B = ep('10.0.0.2');
const C = ep('10.0.0.3');
const D = ep('10.0.0.4');

/** A random source that replays `values`, then fails the test if asked for more. */
function scripted(values: number[]): () => number {
  const queue = [...values];
  return () => {
    const v = queue.shift();
    if (v === undefined) throw new Error('random source exhausted');
    return v;
  };
}

function seeded(seed: number): () => number {
  const r = new Random(seed);
  return () => r.next() / 0x100000000;
}

/** Pearson's chi-square statistic of `counts` against a uniform expectation. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

/** Upper 0.1 % points of the chi-square distribution, by degrees of freedom. */
const CHI2_999: Record<number, number> = { 1: 10.828, 2: 13.816, 4: 18.467, 6: 22.458, 9: 27.877 };

function names(ds: readonly { key: string }[]): string[] {
  const byKey: Record<string, string> = { [endpointKey(A)]: 'A', [endpointKey(B)]: 'B', [endpointKey(C)]: 'C', [endpointKey(D)]: 'D' };
  return ds.map((d) => byKey[d.key] ?? d.key);
}

function picks(vs: IPVSVirtualServer, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = vs.schedule({ family: 4, srcIP: '192.168.0.1', dstIP: '10.96.0.10' });
    out.push(d ? names([d])[0] : '-');
  }
  return out;
}

describe('iptables cascade', () => {
  const probabilities: [number, number, number][] = [
    [0, 3, 0.3333333333],
    [1, 3, 0.5],
    [2, 3, 1],
    [0, 100001, 0.0000099999],
  ];
  probabilities.forEach(([i, n, p], k) =>
    it(`${k + 1}. rule ${i} of ${n} carries probability ${p}`, () => {
      expect(iptablesRuleProbability(i, n)).toBe(p);
    }),
  );

  const cascades: { name: string; n: number; draws: number[]; want: number }[] = [
    { name: 'first draw under 1/3 takes rule 0', n: 3, draws: [0.2], want: 0 },
    { name: 'second rule is tested with 1/2', n: 3, draws: [0.5, 0.49], want: 1 },
    { name: 'last rule is unconditional', n: 3, draws: [0.9, 0.9], want: 2 },
    { name: 'a single endpoint draws nothing', n: 1, draws: [], want: 0 },
    { name: 'draw just at the threshold does not match (strict <)', n: 2, draws: [0.5], want: 1 },
  ];
  cascades.forEach((c, k) =>
    it(`${k + 5}. ${c.name}`, () => {
      expect(iptablesCascadePick(c.n, scripted(c.draws))).toBe(c.want);
    }),
  );
});

describe('nftables numgen', () => {
  const cases: [number, number, number][] = [
    [0, 4, 0],
    [0.2499999, 4, 0],
    [0.25, 4, 1],
    [0.999999, 4, 3],
    [0.5, 3, 1],
  ];
  cases.forEach(([r, n, want], k) =>
    it(`${k + 1}. u32 ${r} mod ${n} → ${want}`, () => {
      expect(nftablesNumgenPick(n, scripted([r]))).toBe(want);
    }),
  );
});

describe('uniformity (chi-square, p = 0.001)', () => {
  const modes: [string, (n: number, r: () => number) => number][] = [
    ['iptables cascade', iptablesCascadePick],
    ['nftables numgen', nftablesNumgenPick],
  ];
  for (const [name, pick] of modes) {
    for (const n of [2, 5, 10]) {
      it(`${name}: P(endpoint) = 1/${n} over 60000 draws`, () => {
        const random = seeded(1234 + n);
        const counts = new Array(n).fill(0);
        for (let i = 0; i < 60000; i++) counts[pick(n, random)]++;
        expect(chiSquare(counts)).toBeLessThan(CHI2_999[n - 1]);
      });
    }
  }
  it('a cascade of 1/n at every rule (not 1/(n−i)) is caught by the same test', () => {
    const random = seeded(7);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 60000; i++) {
      let k = 0;
      while (k < 4 && random() >= 1 / 5) k++;
      counts[k]++;
    }
    expect(chiSquare(counts)).toBeGreaterThan(CHI2_999[4]);
  });
});

describe('IPVS destination list', () => {
  it('1. sync of a fresh service lists the candidates in order; new ones go to the head', () => {
    const vs = new IPVSVirtualServer('rr');
    vs.sync([A, B, C], 'TCP');
    expect(names(vs.destinations())).toEqual(['A', 'B', 'C']);
    vs.sync([A, B, C, D], 'TCP');
    expect(names(vs.destinations())).toEqual(['D', 'A', 'B', 'C']);
  });
  it('2. a TCP real server with connections is quiesced (weight 0), deleted once drained', () => {
    const vs = new IPVSVirtualServer('rr');
    vs.sync([A, B], 'TCP');
    const a = vs.destination(endpointKey(A));
    if (!a) throw new Error('no A');
    a.active = 1;
    vs.sync([B], 'TCP');
    expect(names(vs.destinations())).toEqual(['A', 'B']);
    expect(a.weight).toBe(0);
    a.active = 0;
    vs.sync([B], 'TCP');
    expect(names(vs.destinations())).toEqual(['B']);
  });
  it('3. UDP real servers are deleted at once, connections or not', () => {
    const vs = new IPVSVirtualServer('rr');
    vs.sync([A, B], 'UDP');
    (vs.destination(endpointKey(A)) as { inactive: number }).inactive = 3;
    vs.sync([B], 'UDP');
    expect(names(vs.destinations())).toEqual(['B']);
  });
  it('4. a quiesced server that comes back is deleted and re-added at the head, keeping its counters', () => {
    const vs = new IPVSVirtualServer('rr');
    vs.sync([A, B, C], 'TCP');
    const c = vs.destination(endpointKey(C)) as { active: number; weight: number };
    c.active = 2;
    vs.sync([A, B], 'TCP');
    vs.sync([A, B, C], 'TCP');
    expect(names(vs.destinations())).toEqual(['C', 'A', 'B']);
    expect(c.weight).toBe(1);
    expect(c.active).toBe(2);
  });
  it('5. graceful termination off: TCP servers go at once', () => {
    const vs = new IPVSVirtualServer('rr', { gracefulTermination: false });
    vs.sync([A, B], 'TCP');
    (vs.destination(endpointKey(A)) as { active: number }).active = 1;
    vs.sync([B], 'TCP');
    expect(names(vs.destinations())).toEqual(['B']);
  });
  it('6. unmodelled schedulers are refused', () => {
    expect(() => new IPVSVirtualServer('lblc')).toThrow(/not modelled/);
    expect(() => new IPVSVirtualServer('mh')).toThrow(/not modelled/);
  });
});

describe('IPVS rr (ip_vs_rr.c)', () => {
  it('1. cycles through the list', () => {
    const vs = new IPVSVirtualServer('rr');
    vs.sync([A, B, C], 'TCP');
    expect(picks(vs, 7)).toEqual(['A', 'B', 'C', 'A', 'B', 'C', 'A']);
  });
  it('2. deleting the last pick moves the pointer to the server before it (ip_vs_rr_del_dest)', () => {
    const vs = new IPVSVirtualServer('rr');
    vs.sync([A, B, C], 'UDP');
    expect(picks(vs, 2)).toEqual(['A', 'B']);
    vs.sync([A, C], 'UDP');
    expect(picks(vs, 3)).toEqual(['C', 'A', 'C']);
  });
  it('3. a server added at the head is reached after the tail', () => {
    const vs = new IPVSVirtualServer('rr');
    vs.sync([A, C], 'TCP');
    expect(picks(vs, 1)).toEqual(['A']);
    vs.sync([A, C, D], 'TCP');
    expect(names(vs.destinations())).toEqual(['D', 'A', 'C']);
    expect(picks(vs, 4)).toEqual(['C', 'D', 'A', 'C']);
  });
  it('4. weight-0 servers are skipped; none left → no destination', () => {
    const vs = new IPVSVirtualServer('rr');
    vs.sync([A, B], 'TCP');
    vs.setWeight(endpointKey(A), 0);
    expect(picks(vs, 3)).toEqual(['B', 'B', 'B']);
    vs.setWeight(endpointKey(B), 0);
    expect(picks(vs, 1)).toEqual(['-']);
  });
});

describe('IPVS wrr (ip_vs_wrr.c)', () => {
  it('1. weights 4,3,2 added one by one (cw stays at the first gcd-adjusted max): the kernel sequence', () => {
    // add C(2): di=2, mw=1, cw=1; add B(3): di=1, mw=3, cw stays 1; add A(4): mw=4, cw=1.
    const vs = new IPVSVirtualServer('wrr');
    vs.addDestination(C, 2);
    vs.addDestination(B, 3);
    vs.addDestination(A, 4);
    expect(names(vs.destinations())).toEqual(['A', 'B', 'C']);
    expect(picks(vs, 15)).toEqual(['A', 'B', 'C', 'A', 'A', 'B', 'A', 'B', 'C', 'A', 'B', 'C', 'A', 'A', 'B']);
  });
  it('2. over whole cycles the picks are in the ratio of the weights', () => {
    const vs = new IPVSVirtualServer('wrr');
    vs.addDestination(C, 2);
    vs.addDestination(B, 3);
    vs.addDestination(A, 4);
    const got = picks(vs, 3 + 9 * 30).slice(3);
    expect(['A', 'B', 'C'].map((n) => got.filter((g) => g === n).length)).toEqual([120, 90, 60]);
  });
  it('3. all weights 1 (kube-proxy) is round robin', () => {
    const vs = new IPVSVirtualServer('wrr');
    vs.sync([A, B, C], 'TCP');
    expect(picks(vs, 6)).toEqual(['A', 'B', 'C', 'A', 'B', 'C']);
  });
  it('4. a weight change restarts from the list head', () => {
    const vs = new IPVSVirtualServer('wrr');
    vs.sync([A, B, C], 'TCP');
    expect(picks(vs, 2)).toEqual(['A', 'B']);
    vs.setWeight(endpointKey(C), 1);
    expect(picks(vs, 2)).toEqual(['A', 'B']);
  });
  it('5. all weights 0 → no destination', () => {
    const vs = new IPVSVirtualServer('wrr');
    vs.addDestination(A, 0);
    expect(picks(vs, 1)).toEqual(['-']);
  });
});

describe('IPVS least-connection family', () => {
  interface Load {
    weight?: number;
    active?: number;
    inactive?: number;
  }
  const cases: { name: string; scheduler: 'lc' | 'wlc' | 'sed' | 'nq'; loads: [Load, Load, Load]; want: string }[] = [
    { name: 'lc: least (active<<8)+inactive', scheduler: 'lc', loads: [{ active: 1 }, { inactive: 3 }, { inactive: 3 }], want: 'B' },
    { name: 'lc: 255 inactive still beat 1 active', scheduler: 'lc', loads: [{ active: 1 }, { inactive: 255 }, { active: 1 }], want: 'B' },
    { name: 'lc: ties go to the first in the list', scheduler: 'lc', loads: [{}, {}, {}], want: 'A' },
    { name: 'lc: weight 0 is skipped', scheduler: 'lc', loads: [{ weight: 0 }, { active: 2 }, { active: 1 }], want: 'C' },
    { name: 'wlc: overhead/weight (256/1, 256/2, 100/1)', scheduler: 'wlc', loads: [{ active: 1 }, { weight: 2, active: 1 }, { inactive: 100 }], want: 'C' },
    { name: 'wlc: heavier weight absorbs more (256/1, 512/3, 256/1)', scheduler: 'wlc', loads: [{ active: 1 }, { weight: 3, active: 2 }, { active: 1 }], want: 'B' },
    { name: 'wlc: a weight-0 first server does not seed the search', scheduler: 'wlc', loads: [{ weight: 0 }, { active: 1 }, { active: 2 }], want: 'B' },
    { name: 'sed: (active+1)/weight (1/1, 3/3, 1/2)', scheduler: 'sed', loads: [{}, { weight: 3, active: 2 }, { weight: 2 }], want: 'C' },
    { name: 'sed: inactive connections do not count', scheduler: 'sed', loads: [{ inactive: 50 }, {}, {}], want: 'A' },
    { name: 'nq: the first idle server wins at once', scheduler: 'nq', loads: [{ active: 2 }, {}, {}], want: 'B' },
    { name: 'nq: no idle server → shortest expected delay (3/1, 4/2, 2/1)', scheduler: 'nq', loads: [{ active: 2 }, { weight: 2, active: 3 }, { active: 1 }], want: 'B' },
  ];
  cases.forEach((c, k) =>
    it(`${k + 1}. ${c.name}`, () => {
      const vs = new IPVSVirtualServer(c.scheduler);
      vs.sync([A, B, C], 'TCP');
      [A, B, C].forEach((e, i) => {
        const d = vs.destination(endpointKey(e));
        if (!d) throw new Error('missing destination');
        d.active = c.loads[i].active ?? 0;
        d.inactive = c.loads[i].inactive ?? 0;
        if (c.loads[i].weight !== undefined) vs.setWeight(d.key, c.loads[i].weight as number);
      });
      expect(picks(vs, 1)).toEqual([c.want]);
    }),
  );
});

describe('IPVS sh / dh (256 buckets, hash = addr · 2654435761 mod 256)', () => {
  // The low byte of a product depends only on the operands' low bytes: 2654435761 = 0x9E3779B1,
  // so 10.0.0.x hashes to (x · 0xB1) mod 256 — x=1 → 177, 2 → 98, 3 → 19, 4 → 196.
  const buckets: [string, number][] = [
    ['10.0.0.1', 177],
    ['10.0.0.2', 98],
    ['10.0.0.3', 19],
    ['10.0.0.4', 196],
    ['10.96.0.10', 234],
    ['10.96.0.11', 155],
  ];
  buckets.forEach(([ip, want], k) =>
    it(`${k + 1}. bucket of ${ip} is ${want}`, () => {
      expect(ipvsHashBucket(ipvsAddressFold(4, ip))).toBe(want);
    }),
  );
  it('7. IPv6 folds the four words by XOR (fd00::1 → 0xfd000001 → bucket 177)', () => {
    expect(ipvsAddressFold(6, 'fd00::1')).toBe(0xfd000001);
    expect(ipvsHashBucket(ipvsAddressFold(6, 'fd00::1'))).toBe(177);
  });

  const shCases: { name: string; weights: [number, number, number]; client: string; want: string }[] = [
    // Equal weights: bucket b holds server b mod 3.
    { name: 'client 10.0.0.1 → bucket 177 → server 0', weights: [1, 1, 1], client: '10.0.0.1', want: 'A' },
    { name: 'client 10.0.0.2 → bucket 98 → server 2', weights: [1, 1, 1], client: '10.0.0.2', want: 'C' },
    { name: 'client 10.0.0.3 → bucket 19 → server 1', weights: [1, 1, 1], client: '10.0.0.3', want: 'B' },
    // Weights 2,1,1: servers take 2,1,1 consecutive buckets: b mod 4 ∈ {0,1} → A, 2 → B, 3 → C.
    { name: 'weights 2,1,1: bucket 177 (mod 4 = 1) → A', weights: [2, 1, 1], client: '10.0.0.1', want: 'A' },
    { name: 'weights 2,1,1: bucket 98 (mod 4 = 2) → B', weights: [2, 1, 1], client: '10.0.0.2', want: 'B' },
    { name: 'weights 2,1,1: bucket 19 (mod 4 = 3) → C', weights: [2, 1, 1], client: '10.0.0.3', want: 'C' },
  ];
  shCases.forEach((c, k) =>
    it(`${k + 8}. sh: ${c.name}`, () => {
      const vs = new IPVSVirtualServer('sh');
      vs.addDestination(C, c.weights[2]);
      vs.addDestination(B, c.weights[1]);
      vs.addDestination(A, c.weights[0]);
      for (let i = 0; i < 3; i++) {
        const d = vs.schedule({ family: 4, srcIP: c.client, dstIP: '10.96.0.10' });
        expect(d && names([d])[0]).toBe(c.want);
      }
    }),
  );
  it('14. sh: a client hashed to a quiesced (weight 0) server gets no destination (no fallback flag)', () => {
    const vs = new IPVSVirtualServer('sh');
    vs.sync([A, B, C], 'TCP');
    vs.setWeight(endpointKey(A), 0);
    expect(vs.schedule({ family: 4, srcIP: '10.0.0.1', dstIP: '10.96.0.10' })).toBeUndefined();
    expect(names([vs.schedule({ family: 4, srcIP: '10.0.0.3', dstIP: '10.96.0.10' }) as { key: string }])).toEqual(['B']);
  });
  it('15. dh: every client of one VIP goes to the same server (VIP 10.96.0.10 → bucket 234 → A)', () => {
    const vs = new IPVSVirtualServer('dh');
    vs.sync([A, B, C], 'UDP');
    const got = ['192.168.0.1', '192.168.0.2', '172.16.5.9'].map((src) => names([vs.schedule({ family: 4, srcIP: src, dstIP: '10.96.0.10' }) as { key: string }])[0]);
    expect(got).toEqual(['A', 'A', 'A']);
    expect(names([vs.schedule({ family: 4, srcIP: '192.168.0.1', dstIP: '10.96.0.11' }) as { key: string }])).toEqual(['C']);
  });
});

describe('flow hash (Maglev hook input)', () => {
  const t = { family: 4 as const, protocol: 'TCP' as const, srcIP: '192.168.0.1', srcPort: 40000, dstIP: '10.96.0.10', dstPort: 80 };
  it('1. deterministic, and sensitive to the source port', () => {
    expect(flowHash(t)).toBe(flowHash({ ...t }));
    expect(flowHash(t)).not.toBe(flowHash({ ...t, srcPort: 40001 }));
  });
  it('2. without the source port, every connection of a client hashes alike', () => {
    expect(flowHash(t, false)).toBe(flowHash({ ...t, srcPort: 40001 }, false));
    expect(flowHash(t, false)).not.toBe(flowHash({ ...t, srcIP: '192.168.0.2' }, false));
  });
});
