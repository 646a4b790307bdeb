// The DNS server in process: UDP and TCP framing (pipelining, partial reads, bad lengths,
// idle timeout), forwarding (ID rewriting, timeout, REFUSED without upstream), live
// updates from the cluster, and a clean close.
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../sdk/cluster/cluster.js';
import { seedCluster } from '../../sdk/cluster/seed.js';
import { createClusterDns } from '../../sdk/dns/clusterdns.js';
import { decodeMessage, encodeQuery, type DnsMessage } from '../../sdk/dns/wire.js';
import { DNS_DROP, DNS_FORWARD } from '../../sdk/engine/dnsplane.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { failureResponse, parseHostPort, startDnsServer, type DnsServer, type DnsServerOptions } from '../../sdk/node/dns-server.js';

setDefaultCoreSource(nodeCoreSource);

const servers: DnsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: Partial<DnsServerOptions> & Pick<DnsServerOptions, 'dns'>): Promise<DnsServer> {
  const server = await startDnsServer({ listen: '127.0.0.1:0', ...options });
  servers.push(server);
  return server;
}

async function seedServer(options: Partial<DnsServerOptions> = {}, cluster: Cluster = seedCluster()): Promise<DnsServer> {
  const dns = await createClusterDns(cluster, { target: 'debug', forwardOutOfZone: options.upstream !== undefined });
  return start({ dns, ...options });
}

function udpQuery(port: number, name: string, options: { id?: number; type?: string; timeoutMs?: number } = {}): Promise<DnsMessage | undefined> {
  return udpSend(port, encodeQuery(name, { id: options.id ?? 7, type: options.type ?? 'A' }), options.timeoutMs).then((r) => (r ? decodeMessage(r) : undefined));
}

function udpSend(port: number, message: Uint8Array, timeoutMs = 1000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, timeoutMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.send(message, port, '127.0.0.1');
  });
}

const frame = (m: Uint8Array): Buffer => {
  const b = Buffer.alloc(m.length + 2);
  b.writeUInt16BE(m.length, 0);
  b.set(m, 2);
  return b;
};

/** Opens a TCP connection, runs `script`, and collects framed replies until the server closes. */
function tcpSession(port: number, script: (socket: net.Socket) => Promise<void> | void): Promise<{ replies: DnsMessage[]; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const started = Date.now();
    socket.on('data', (d) => (data = Buffer.concat([data, d])));
    socket.on('error', reject);
    socket.on('close', () => {
      const replies: DnsMessage[] = [];
      let o = 0;
      while (o + 2 <= data.length) {
        const l = data.readUInt16BE(o);
        replies.push(decodeMessage(data.subarray(o + 2, o + 2 + l)));
        o += 2 + l;
      }
      resolve({ replies, closedAfterMs: Date.now() - started });
    });
    socket.on('connect', () => void Promise.resolve(script(socket)).catch(reject));
  });
}

const addresses = (m: DnsMessage | undefined): string[] => (m?.answers ?? []).map((rr) => ('address' in rr ? rr.address : ''));

describe('startDnsServer', () => {
  it('01 answers over UDP and TCP on one port, logging what it listens on', async () => {
    const lines: string[] = [];
    const cluster = seedCluster();
    const dns = await createClusterDns(cluster, { target: 'debug' });
    const server = await start({ dns, log: (l) => lines.push(l), describe: () => ({ zone: dns.options.zone, names: dns.plane.nameCount() }) });
    expect(lines).toEqual([`svcnet dns: listening on udp 127.0.0.1:${server.port} and tcp 127.0.0.1:${server.port} (zone cluster.local, ${dns.plane.nameCount()} names)`]);
    expect(addresses(await udpQuery(server.port, 'numbers-api.default.svc.cluster.local'))).toEqual(['10.103.155.91']);
    const { replies } = await tcpSession(server.port, (s) => {
      s.end(frame(encodeQuery('kube-dns.kube-system.svc.cluster.local', { id: 9 })));
    });
    expect(replies.map((r) => [r.id, addresses(r)])).toEqual([[9, ['10.96.0.10']]]);
  });

  it('02 TCP: pipelined queries in one write, and a stream fed one byte at a time', async () => {
    const server = await seedServer();
    const names = ['numbers-api.default.svc.cluster.local', 'nope.default.svc.cluster.local', 'sleep-2.default.svc.cluster.local'];
    const stream = Buffer.concat(names.map((n, i) => frame(encodeQuery(n, { id: 100 + i }))));
    const expected = [
      [100, 0, ['10.103.155.91']],
      [101, 3, []],
      [102, 0, ['10.98.208.225']],
    ];
    const together = await tcpSession(server.port, (s) => {
      s.end(stream);
    });
    expect(together.replies.map((r) => [r.id, r.rcode, addresses(r)])).toEqual(expected);
    const trickled = await tcpSession(server.port, async (s) => {
      for (const byte of stream) {
        s.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
      s.end();
    });
    expect(trickled.replies.map((r) => [r.id, r.rcode, addresses(r)])).toEqual(expected);
    expect(server.stats().tcpQueries).toBe(6);
  });

  it('03 TCP: a length shorter than a header closes the connection; an idle one closes after the timeout', async () => {
    const server = await seedServer({ tcpIdleTimeoutMs: 300 });
    const short = await tcpSession(server.port, (s) => {
      s.write(Buffer.concat([frame(encodeQuery('numbers-api.default.svc.cluster.local', { id: 1 })), Buffer.from([0, 5, 1, 2, 3, 4, 5])]));
    });
    expect(short.replies.map((r) => r.id)).toEqual([1]);
    expect(short.closedAfterMs).toBeLessThan(300);
    const idle = await tcpSession(server.port, () => {});
    expect(idle.closedAfterMs).toBeGreaterThanOrEqual(250);
    expect(idle.closedAfterMs).toBeLessThan(2000);
  });

  it('04 UDP: datagrams that are not queries get no reply', async () => {
    const server = await seedServer();
    expect(await udpSend(server.port, new Uint8Array([1, 2, 3, 4, 5]), 300)).toBeUndefined();
    const response = encodeQuery('numbers-api.default.svc.cluster.local', { id: 3 });
    response[2] |= 0x80;
    expect(await udpSend(server.port, response, 300)).toBeUndefined();
    expect(server.stats().dropped).toBe(2);
  });

  it('05 follows the cluster live: a new Service answers at once, a deleted one is NXDOMAIN', async () => {
    const cluster = seedCluster();
    const server = await seedServer({}, cluster);
    expect((await udpQuery(server.port, 'web.default.svc.cluster.local'))?.rcode).toBe(3);
    const web = cluster.applyService({ metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    expect(addresses(await udpQuery(server.port, 'web.default.svc.cluster.local'))).toEqual([web.spec.clusterIP]);
    cluster.deleteService('default', 'web');
    expect((await udpQuery(server.port, 'web.default.svc.cluster.local'))?.rcode).toBe(3);
  });

  it('06 forwarding: out-of-zone queries go upstream with fresh IDs; concurrent clients with one ID each get theirs', async () => {
    const upstream = await seedServer();
    const frontCluster = new Cluster();
    const dns = await createClusterDns(frontCluster, { target: 'debug', clusterDomain: 'front.local', forwardOutOfZone: true });
    const front = await start({ dns, upstream: `127.0.0.1:${upstream.port}` });
    const [a, b] = await Promise.all([
      udpQuery(front.port, 'numbers-api.default.svc.cluster.local', { id: 42 }),
      udpQuery(front.port, 'sleep-2.default.svc.cluster.local', { id: 42 }),
    ]);
    expect([a?.id, addresses(a)]).toEqual([42, ['10.103.155.91']]);
    expect([b?.id, addresses(b)]).toEqual([42, ['10.98.208.225']]);
    const { replies } = await tcpSession(front.port, (s) => {
      s.end(Buffer.concat([frame(encodeQuery('numbers-api.default.svc.cluster.local', { id: 5 })), frame(encodeQuery('kube-dns.kube-system.svc.front.local', { id: 6 }))]));
    });
    expect(replies.map((r) => [r.id, addresses(r)]).sort()).toEqual([
      [5, ['10.103.155.91']],
      [6, ['10.96.0.10']],
    ]);
    expect(front.stats().forwarded).toBe(3);
  });

  it('07 forwarding: no reply within the timeout gives SERVFAIL over UDP and TCP; no upstream gives REFUSED', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const silentTcp = net.createServer(() => {});
    await new Promise<void>((r) => silentTcp.listen(silent.address().port, '127.0.0.1', () => r()));
    const forwarding = { answer: () => DNS_FORWARD };
    const server = await start({ dns: forwarding, upstream: `127.0.0.1:${silent.address().port}`, forwardTimeoutMs: 300 });
    const started = Date.now();
    const udp = await udpQuery(server.port, 'example.com', { id: 77 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect([udp?.id, udp?.rcode, udp?.flags.qr, udp?.questions[0].name]).toEqual([77, 2, true, 'example.com']);
    const { replies } = await tcpSession(server.port, (s) => {
      s.end(frame(encodeQuery('example.com', { id: 78 })));
    });
    expect(replies.map((r) => [r.id, r.rcode])).toEqual([[78, 2]]);
    expect(server.stats().forwardFailures).toBe(2);
    silent.close();
    silentTcp.close();

    const noUpstream = await start({ dns: forwarding });
    expect((await udpQuery(noUpstream.port, 'example.com'))?.rcode).toBe(5);
  });

  it('08 an answerer that throws gives SERVFAIL; DNS_DROP gives nothing', async () => {
    const server = await start({
      dns: {
        answer: (q) => {
          if (q[1] === 1) return DNS_DROP;
          throw new Error('boom');
        },
      },
      log: () => {},
    });
    expect((await udpQuery(server.port, 'a.example', { id: 1, timeoutMs: 300 }))).toBeUndefined();
    expect((await udpQuery(server.port, 'a.example', { id: 2 }))?.rcode).toBe(2);
    expect(server.stats().errors).toBe(1);
  });

  it('09 close() ends connections and frees the port for UDP and TCP', async () => {
    const server = await seedServer();
    const port = server.port;
    const open = tcpSession(port, () => {});
    await new Promise((r) => setTimeout(r, 50));
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    expect((await open).closedAfterMs).toBeLessThan(1000);
    const again = await seedServer({ listen: `127.0.0.1:${port}` });
    expect(again.port).toBe(port);
  });

  it('10 a busy port is a DnsServerError naming the protocol and address', async () => {
    const server = await seedServer();
    await expect(seedServer({ listen: `127.0.0.1:${server.port}` })).rejects.toThrow(
      new RegExp(`svcnet dns: cannot listen on tcp 127\\.0\\.0\\.1:${server.port}: address already in use`),
    );
  });
});

describe('helpers', () => {
  it('11 parseHostPort', () => {
    expect(parseHostPort('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353, family: 4 });
    expect(parseHostPort('[::1]:53')).toEqual({ host: '::1', port: 53, family: 6 });
    expect(parseHostPort('10.0.0.1', 53)).toEqual({ host: '10.0.0.1', port: 53, family: 4 });
    expect(() => parseHostPort('10.0.0.1')).toThrow(/has no port/);
    expect(() => parseHostPort('localhost:53')).toThrow(/not an IP address/);
    expect(() => parseHostPort('1.2.3.4:70000')).toThrow(/between 0 and 65535/);
  });

  it('12 failureResponse echoes header and question only', () => {
    const query = encodeQuery('Example.COM', { id: 0xbeef, type: 'MX', edns: true });
    const fail = decodeMessage(failureResponse(query, 2)!);
    expect(fail).toMatchObject({ id: 0xbeef, rcode: 2, questions: [{ name: 'Example.COM', type: 'MX' }], answers: [], additionals: [] });
    expect(fail.flags).toMatchObject({ qr: true, rd: true, aa: false, ra: false });
    expect(failureResponse(query.subarray(0, 11), 2)).toBeUndefined();
    const broken = Uint8Array.from(query.subarray(0, 20));
    expect(decodeMessage(failureResponse(broken, 2)!).questions).toEqual([]);
  });
});
