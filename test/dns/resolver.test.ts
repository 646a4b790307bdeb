// The pod resolver emulation: kubelet's ClusterFirst resolv.conf walked by glibc's and
// musl's rules (dns.md §4.2), against the seed cluster and against scripted answerers.
import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { seedCluster } from '../../sdk/cluster/seed.js';
import { ClusterDns } from '../../sdk/dns/clusterdns.js';
import { podSearchList, resolve, type DnsAnswerer, type Libc } from '../../sdk/dns/resolver.js';
import { DNS_FORWARD, DNS_TCP } from '../../sdk/engine/dnsplane.js';
import { ReferenceDnsPlane } from './reference.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

function seedDns(options: ConstructorParameters<typeof ClusterDns>[1] = {}): ClusterDns {
  const dns = new ClusterDns(new ReferenceDnsPlane(), { now: () => NOW, ...options });
  dns.attach(seedCluster({ now: () => new Date(NOW) }));
  return dns;
}

const trail = (r: ReturnType<typeof resolve>): string[] => r.queries.map((q) => `${q.name} ${q.rcode}${q.rcode === 'NOERROR' && q.answerCount === 0 ? ' (NODATA)' : ''}`);

describe('podSearchList', () => {
  it('01 ClusterFirst: <ns>.svc, svc, the zone, then extras without duplicates', () => {
    expect(podSearchList('kube-system', 'cluster.local', ['corp.example', 'svc.cluster.local', 'corp.example.'])).toEqual([
      'kube-system.svc.cluster.local',
      'svc.cluster.local',
      'cluster.local',
      'corp.example',
    ]);
    expect(podSearchList()).toEqual(['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
  });
});

describe('resolve against the seed cluster', () => {
  const dns = seedDns();
  const forwarding = seedDns({ forwardOutOfZone: true });
  const S = 'default.svc.cluster.local';

  interface Case {
    desc: string;
    name: string;
    libc: Libc;
    type?: string;
    namespace?: string;
    ndots?: number;
    forward?: boolean;
    answered: string;
    rcode: string;
    found: boolean;
    trail: string[];
  }

  const cases: Case[] = [
    { desc: '01 glibc: a service name from its namespace takes 1 query', name: 'numbers-api', libc: 'glibc', answered: `numbers-api.${S}`, rcode: 'NOERROR', found: true, trail: [`numbers-api.${S} NOERROR`] },
    { desc: '02 musl: the same', name: 'numbers-api', libc: 'musl', answered: `numbers-api.${S}`, rcode: 'NOERROR', found: true, trail: [`numbers-api.${S} NOERROR`] },
    {
      desc: '03 glibc: example.com walks 3 bogus suffixes, then goes out (4 names)',
      name: 'example.com',
      libc: 'glibc',
      answered: 'example.com',
      rcode: 'REFUSED',
      found: false,
      trail: [`example.com.${S} NXDOMAIN`, 'example.com.svc.cluster.local NXDOMAIN', 'example.com.cluster.local NXDOMAIN', 'example.com REFUSED'],
    },
    {
      desc: '04 musl: the same 4 names (every miss is NXDOMAIN)',
      name: 'example.com',
      libc: 'musl',
      forward: true,
      answered: 'example.com',
      rcode: 'FORWARDED',
      found: false,
      trail: [`example.com.${S} NXDOMAIN`, 'example.com.svc.cluster.local NXDOMAIN', 'example.com.cluster.local NXDOMAIN', 'example.com FORWARDED'],
    },
    {
      desc: '05 a cluster FQDN without the trailing dot (4 dots < 5) also walks 3 suffixes first (coredns/coredns#4513)',
      name: 'kube-dns.kube-system.svc.cluster.local',
      libc: 'glibc',
      answered: 'kube-dns.kube-system.svc.cluster.local',
      rcode: 'NOERROR',
      found: true,
      trail: [
        `kube-dns.kube-system.svc.cluster.local.${S} NXDOMAIN`,
        'kube-dns.kube-system.svc.cluster.local.svc.cluster.local NXDOMAIN',
        'kube-dns.kube-system.svc.cluster.local.cluster.local NXDOMAIN',
        'kube-dns.kube-system.svc.cluster.local NOERROR',
      ],
    },
    {
      desc: '06 a trailing dot: one query, as is',
      name: 'numbers-api.default.svc.cluster.local.',
      libc: 'musl',
      answered: 'numbers-api.default.svc.cluster.local',
      rcode: 'NOERROR',
      found: true,
      trail: ['numbers-api.default.svc.cluster.local NOERROR'],
    },
    {
      desc: '07 <svc>.<ns> from another namespace: the second suffix answers',
      name: 'kube-dns.kube-system',
      libc: 'musl',
      answered: 'kube-dns.kube-system.svc.cluster.local',
      rcode: 'NOERROR',
      found: true,
      trail: [`kube-dns.kube-system.${S} NXDOMAIN`, 'kube-dns.kube-system.svc.cluster.local NOERROR'],
    },
    {
      desc: '08 from kube-system, kube-dns is found first',
      name: 'kube-dns',
      namespace: 'kube-system',
      libc: 'glibc',
      answered: 'kube-dns.kube-system.svc.cluster.local',
      rcode: 'NOERROR',
      found: true,
      trail: ['kube-dns.kube-system.svc.cluster.local NOERROR'],
    },
    {
      desc: '09 musl stops on NODATA: AAAA of an IPv4 service ends after 1 query',
      name: 'numbers-api',
      type: 'AAAA',
      libc: 'musl',
      answered: `numbers-api.${S}`,
      rcode: 'NOERROR',
      found: false,
      trail: [`numbers-api.${S} NOERROR (NODATA)`],
    },
    {
      desc: '10 glibc goes on after NODATA, and reports the NODATA when all fail',
      name: 'numbers-api',
      type: 'AAAA',
      libc: 'glibc',
      answered: `numbers-api.${S}`,
      rcode: 'NOERROR',
      found: false,
      trail: [`numbers-api.${S} NOERROR (NODATA)`, 'numbers-api.svc.cluster.local NXDOMAIN', 'numbers-api.cluster.local NXDOMAIN', 'numbers-api REFUSED'],
    },
    {
      desc: '11 glibc with dots ≥ ndots: the name as is first, then the search list',
      name: 'numbers-api.default',
      ndots: 1,
      libc: 'glibc',
      answered: `numbers-api.${S}`,
      rcode: 'NOERROR',
      found: true,
      trail: ['numbers-api.default REFUSED', `numbers-api.default.${S} NXDOMAIN`, 'numbers-api.default.svc.cluster.local NOERROR'],
    },
    {
      desc: '12 musl with dots ≥ ndots: the name as is only (ndots:1 breaks <svc>.<ns> names on musl)',
      name: 'numbers-api.default',
      ndots: 1,
      libc: 'musl',
      answered: 'numbers-api.default',
      rcode: 'REFUSED',
      found: false,
      trail: ['numbers-api.default REFUSED'],
    },
    {
      desc: '13 glibc reports the as-is failure when it was tried first',
      name: 'nope.example',
      ndots: 1,
      libc: 'glibc',
      answered: 'nope.example',
      rcode: 'REFUSED',
      found: false,
      trail: ['nope.example REFUSED', `nope.example.${S} NXDOMAIN`, 'nope.example.svc.cluster.local NXDOMAIN', 'nope.example.cluster.local NXDOMAIN'],
    },
    {
      desc: '14 SRV of a named port',
      name: '_dns._udp.kube-dns.kube-system',
      type: 'SRV',
      libc: 'glibc',
      answered: '_dns._udp.kube-dns.kube-system.svc.cluster.local',
      rcode: 'NOERROR',
      found: true,
      trail: [`_dns._udp.kube-dns.kube-system.${S} NXDOMAIN`, '_dns._udp.kube-dns.kube-system.svc.cluster.local NOERROR'],
    },
  ];

  it.each(cases)('$desc', ({ name, libc, type, namespace, ndots, forward, answered, rcode, found, trail: want }) => {
    const r = resolve(forward ? forwarding : dns, name, { libc, type, namespace, ndots });
    expect(trail(r)).toEqual(want);
    expect(r.name).toBe(answered);
    expect(r.rcode).toBe(rcode);
    expect(r.found).toBe(found);
  });

  it('15 the answers are the answering response’s answer section', () => {
    const r = resolve(dns, 'numbers-api');
    expect(r.answers).toEqual([{ name: 'numbers-api.default.svc.cluster.local', type: 'A', typeCode: 1, class: 1, ttl: 5, address: '10.103.155.91' }]);
  });

  it('16 ndots:5 amplification: an external name costs 4 names × A and AAAA = 8 queries, 6 of them failures', () => {
    let failures = 0;
    let total = 0;
    for (const type of ['A', 'AAAA']) {
      const r = resolve(forwarding, 'example.com', { type });
      total += r.queries.length;
      failures += r.queries.filter((q) => q.rcode === 'NXDOMAIN' || (q.rcode === 'NOERROR' && q.answerCount === 0)).length;
    }
    expect([total, failures]).toEqual([8, 6]);
  });
});

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

type Script = Record<string, { rcode: string; a?: string; tcOverUdp?: boolean }>;

/** An answerer that replies from a script: name → rcode (and answers), TC on UDP when told. */
function scripted(script: Script): DnsAnswerer {
  return {
    answer(query, transport, out) {
      const q = dnsPacket.decode(Buffer.from(query));
      const question = q.questions![0];
      const entry = script[question.name];
      if (entry === undefined) return DNS_FORWARD;
      const tc = entry.tcOverUdp && transport !== DNS_TCP;
      const flags = (tc ? dnsPacket.TRUNCATED_RESPONSE : 0) | dnsPacket.AUTHORITATIVE_ANSWER | RCODES.indexOf(entry.rcode);
      const buf = dnsPacket.encode({
        type: 'response',
        id: q.id,
        flags,
        questions: q.questions,
        answers: entry.a && !tc ? [{ name: question.name, type: 'A', ttl: 5, data: entry.a }] : [],
      } as never);
      out.set(buf);
      return buf.length;
    },
  };
}

describe('resolve against scripted answers', () => {
  const S = 'default.svc.cluster.local';
  it.each<{ desc: string; libc: Libc; script: Script; trail: string[]; found: boolean; transport: string }>([
    {
      desc: '01 glibc goes on after SERVFAIL',
      libc: 'glibc' as const,
      script: { [`x.${S}`]: { rcode: 'SERVFAIL' }, 'x.svc.cluster.local': { rcode: 'NOERROR', a: '10.0.0.1' } },
      trail: [`x.${S} SERVFAIL`, 'x.svc.cluster.local NOERROR'],
      found: true,
      transport: 'udp',
    },
    {
      desc: '02 musl stops on SERVFAIL',
      libc: 'musl' as const,
      script: { [`x.${S}`]: { rcode: 'SERVFAIL' }, 'x.svc.cluster.local': { rcode: 'NOERROR', a: '10.0.0.1' } },
      trail: [`x.${S} SERVFAIL`],
      found: false,
      transport: 'udp',
    },
    {
      desc: '03 glibc: REFUSED ends the search list, but the name as is is still tried (res_query.c)',
      libc: 'glibc' as const,
      script: { [`x.${S}`]: { rcode: 'REFUSED' }, x: { rcode: 'NOERROR', a: '10.0.0.2' } },
      trail: [`x.${S} REFUSED`, 'x NOERROR'],
      found: true,
      transport: 'udp',
    },
    {
      desc: '04 a truncated UDP answer is asked again over TCP',
      libc: 'musl' as const,
      script: { [`x.${S}`]: { rcode: 'NOERROR', a: '10.0.0.3', tcOverUdp: true } },
      trail: [`x.${S} NOERROR (NODATA)`, `x.${S} NOERROR`],
      found: true,
      transport: 'tcp',
    },
  ])('$desc', ({ libc, script, trail: want, found, transport }) => {
    const r = resolve(scripted(script), 'x', { libc });
    expect(trail(r)).toEqual(want);
    expect(r.found).toBe(found);
    expect(r.queries.at(-1)!.transport).toBe(transport);
  });

  it('05 custom search lists and ndots above 15 (capped)', () => {
    const r = resolve(scripted({ 'a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.corp': { rcode: 'NOERROR', a: '10.0.0.4' } }), 'a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p', {
      libc: 'musl',
      ndots: 40,
      searches: ['corp'],
    });
    expect(trail(r)).toEqual(['a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p FORWARDED']);
  });

  it('06 a bad libc is a TypeError', () => {
    expect(() => resolve(scripted({}), 'x', { libc: 'bionic' as never })).toThrow(TypeError);
  });
});
