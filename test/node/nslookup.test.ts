// busybox nslookup emulation: the queries it sends, how it prints replies, the UDP
// exchange against a stub server, and the pod context (`--from`).
import dgram from 'node:dgram';
import * as packet from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import { seedCluster } from '../../sdk/cluster/seed.js';
import { TYPE_A, TYPE_AAAA, TYPE_PTR } from '../../sdk/engine/dnsplane.js';
import { PodNotFoundError, nslookup, nslookupQueries, podDnsContext, reverseName, udpExchange, type Exchange } from '../../sdk/node/nslookup.js';

const SEARCH = ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];

/** A reply to `query` with the given answers, built by dns-packet. */
function reply(query: Uint8Array, options: { rcode?: 'NOERROR' | 'SERVFAIL' | 'NXDOMAIN'; aa?: boolean; answers?: packet.Answer[] } = {}): Uint8Array {
  const q = packet.decode(Buffer.from(query));
  const rcode = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 }[options.rcode ?? 'NOERROR']!;
  return packet.encode({
    type: 'response',
    id: q.id,
    // dns-packet takes the RCODE in the low bits of `flags`.
    flags: (options.aa === false ? 0 : packet.AUTHORITATIVE_ANSWER) | packet.RECURSION_DESIRED | rcode,
    questions: q.questions,
    answers: options.answers ?? [],
  } as packet.Packet);
}

const qname = (query: Uint8Array): string => packet.decode(Buffer.from(query)).questions![0].name;
const qtype = (query: Uint8Array): string => packet.decode(Buffer.from(query)).questions![0].type;

describe('queries', () => {
  it('01 a dotless name is tried under every search domain, A then AAAA; a dotted one as given; an IP as PTR', () => {
    expect(nslookupQueries('numbers-api', SEARCH)).toEqual([
      ...SEARCH.map((d) => ({ name: `numbers-api.${d}`, type: TYPE_A })),
      ...SEARCH.map((d) => ({ name: `numbers-api.${d}`, type: TYPE_AAAA })),
    ]);
    expect(nslookupQueries('numbers-api.default', SEARCH)).toEqual([
      { name: 'numbers-api.default', type: TYPE_A },
      { name: 'numbers-api.default', type: TYPE_AAAA },
    ]);
    expect(nslookupQueries('10.96.0.10', SEARCH)).toEqual([{ name: '10.0.96.10.in-addr.arpa', type: TYPE_PTR }]);
    expect(reverseName('::ffff:10.1.0.42')).toBe('42.0.1.10.in-addr.arpa');
    expect(reverseName('fd00::1')).toBe(`1.${'0.'.repeat(29)}d.f.ip6.arpa`);
    expect(reverseName('not-an-ip')).toBeUndefined();
  });
});

describe('output', () => {
  it('02 answers, NODATA, errors and a non-authoritative reply, printed in query order', async () => {
    const exchange: Exchange = async (queries) =>
      queries.map((query) => {
        const name = qname(query);
        if (name.startsWith('numbers-api.default.svc')) {
          return qtype(query) === 'A' ? reply(query, { answers: [{ name, type: 'A', ttl: 5, data: '10.103.155.91' }] }) : reply(query);
        }
        return reply(query, { rcode: 'NXDOMAIN' });
      });
    const r = await nslookup({ name: 'numbers-api', searches: SEARCH, nameserver: '10.96.0.10', exchange });
    expect(r.exitCode).toBe(1);
    expect(r.output).toBe(
      [
        'Server:\t\t10.96.0.10',
        'Address:\t10.96.0.10:53',
        '',
        'Name:\tnumbers-api.default.svc.cluster.local',
        'Address: 10.103.155.91',
        '',
        "** server can't find numbers-api.svc.cluster.local: NXDOMAIN",
        '',
        "** server can't find numbers-api.cluster.local: NXDOMAIN",
        '',
        '',
        "** server can't find numbers-api.svc.cluster.local: NXDOMAIN",
        '',
        "** server can't find numbers-api.cluster.local: NXDOMAIN",
        '',
        '',
      ].join('\n'),
    );
  });

  it('03 CNAME, AAAA and PTR records; Non-authoritative answer when AA is clear', async () => {
    const exchange: Exchange = async (queries) =>
      queries.map((query) => {
        const name = qname(query);
        if (qtype(query) === 'PTR') return reply(query, { answers: [{ name, type: 'PTR', ttl: 5, data: 'kube-dns.kube-system.svc.cluster.local' }] });
        const answers: packet.Answer[] = [{ name, type: 'CNAME', ttl: 5, data: 'raw.githubusercontent.com' }];
        if (qtype(query) === 'A') answers.push({ name: 'raw.githubusercontent.com', type: 'A', ttl: 5, data: '185.199.108.133' });
        else answers.push({ name: 'raw.githubusercontent.com', type: 'AAAA', ttl: 5, data: '2606:50c0:8000::154' });
        return reply(query, { aa: false, answers });
      });
    const r = await nslookup({ name: 'numbers-api.default.svc.cluster.local', searches: SEARCH, nameserver: '10.96.0.10', exchange });
    expect(r.exitCode).toBe(0);
    expect(r.output.split('\n').slice(3)).toEqual([
      'Non-authoritative answer:',
      'numbers-api.default.svc.cluster.local\tcanonical name = raw.githubusercontent.com',
      'Name:\traw.githubusercontent.com',
      'Address: 185.199.108.133',
      '',
      'Non-authoritative answer:',
      'numbers-api.default.svc.cluster.local\tcanonical name = raw.githubusercontent.com',
      'Name:\traw.githubusercontent.com',
      'Address: 2606:50c0:8000::154',
      '',
      '',
    ]);
    const ptr = await nslookup({ name: '10.96.0.10', searches: SEARCH, nameserver: '10.96.0.10', exchange });
    expect(ptr.output.split('\n').slice(3)).toEqual(['10.0.96.10.in-addr.arpa\tname = kube-dns.kube-system.svc.cluster.local', '', '']);
  });

  it('04 unanswered queries and a silent server', async () => {
    const someAnswered: Exchange = async (queries) => queries.map((q) => (qtype(q) === 'A' ? reply(q) : undefined));
    const partial = await nslookup({ name: 'a.b', searches: SEARCH, nameserver: '10.96.0.10', exchange: someAnswered });
    expect(partial.output.split('\n').slice(3)).toEqual(['', "*** Can't find a.b: No answer", '', '']);
    const silent = await nslookup({ name: 'a.b', searches: SEARCH, nameserver: '10.96.0.10', exchange: async (qs) => qs.map(() => undefined) });
    expect(silent).toMatchObject({ output: ';; connection timed out; no servers could be reached\n\n', exitCode: 1 });
  });
});

describe('udpExchange', () => {
  it('05 sends every query at once, matches replies by ID, resends what is unanswered, retries SERVFAIL', async () => {
    const server = dgram.createSocket('udp4');
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    const seen = new Map<string, number>();
    server.on('message', (msg, rinfo) => {
      const key = `${qname(msg)}/${qtype(msg)}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      // AAAA: ignored the first time (resent after half the timeout); A: SERVFAIL first.
      if (qtype(msg) === 'AAAA' && n === 1) return;
      const answer = qtype(msg) === 'A' && n === 1 ? reply(msg, { rcode: 'SERVFAIL' }) : reply(msg);
      server.send(answer, rinfo.port, rinfo.address);
    });
    const exchange = udpExchange({ host: '127.0.0.1', port: (server.address() as { port: number }).port, family: 4 }, 600);
    const r = await nslookup({ name: 'x.y', searches: SEARCH, nameserver: '10.96.0.10', exchange });
    server.close();
    expect(r.output).toBe('Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n\n\n');
    expect(r.exitCode).toBe(0);
    expect(Object.fromEntries(seen)).toEqual({ 'x.y/A': 2, 'x.y/AAAA': 2 });
  });
});

describe('podDnsContext', () => {
  const cluster = seedCluster();

  it('06 --from deploy/<name> picks the deployment\'s pod and its namespace; the nameserver is kube-dns', () => {
    expect(podDnsContext(cluster, { from: 'deploy/sleep-1' })).toEqual({
      pod: 'sleep-1-6c9b5f7d58-jw4xz',
      namespace: 'default',
      nameserver: '10.96.0.10',
      searches: SEARCH,
    });
    expect(podDnsContext(cluster, { from: 'deploy/coredns', namespace: 'kube-system', clusterDomain: 'cluster.local' })).toMatchObject({
      pod: 'coredns-7db6d8ff4d-2xnzq',
      searches: ['kube-system.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
    });
    expect(podDnsContext(cluster, { from: 'sleep-2-7f69798f94-q8ffc' }).pod).toBe('sleep-2-7f69798f94-q8ffc');
    expect(podDnsContext(cluster, { namespace: 'team', clusterDomain: 'corp.example' }).searches).toEqual(['team.svc.corp.example', 'svc.corp.example', 'corp.example']);
  });

  it('07 unknown pods and deployments are errors', () => {
    expect(() => podDnsContext(cluster, { from: 'pod/nope' })).toThrow(new PodNotFoundError('Error from server (NotFound): pods "nope" not found'));
    expect(() => podDnsContext(cluster, { from: 'deploy/nope' })).toThrow(new PodNotFoundError('Error from server (NotFound): deployments.apps "nope" not found'));
    expect(() => podDnsContext(cluster, { from: 'svc/numbers-api' })).toThrow(/kind "svc" is not supported/);
    expect(() => podDnsContext(new Cluster(), { from: 'deploy/sleep-1' })).toThrow(PodNotFoundError);
  });
});
