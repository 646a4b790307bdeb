/**
 * A DNS server over a ClusterDns: UDP and TCP on one address, every query answered by
 * `dns.answer` straight into a preallocated buffer (the server reads nothing of a query but
 * its header and question, and only to forward or fail it).
 *
 * - UDP: one reply per datagram; DNS_DROP sends nothing. Replies are written into a 1 MiB
 *   slab and sent as views of it; a slab is never rewritten (the kernel may still be
 *   sending from it), a full one is left to the GC. Sends skip dgram's per-send
 *   `dns.lookup` tick (the peer address is always an IP).
 * - TCP (RFC 7766): 2-byte length prefix, any number of queries per connection, pipelined,
 *   answered in order (forwarded ones when the upstream replies); partial reads are
 *   reassembled; a length below the 12-byte header closes the connection after the answers
 *   already due; a connection idle for 10 s is closed; when the client half-closes, the
 *   server finishes its answers and closes too.
 * - DNS_FORWARD (out of zone with forwarding on): the raw query goes to the upstream over
 *   the same transport (UDP with a fresh message ID, restored on the reply; TCP on a
 *   connection of its own); the reply is relayed as is. No reply within 2 s gives
 *   SERVFAIL; no upstream configured gives REFUSED. Both are built from the query's header
 *   and question.
 */

import dgram from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import net from 'node:net';
import { DNS_DROP, DNS_FORWARD, DNS_TCP, DNS_UDP, RCODE_REFUSED, RCODE_SERVFAIL } from '../engine/dnsplane.js';
import type { DnsAnswerer } from '../dns/resolver.js';

export type { DnsAnswerer };

export interface DnsServerOptions {
  dns: DnsAnswerer;
  /** `host:port` or `[v6]:port`; port 0 picks a free port (the same for UDP and TCP). Default `127.0.0.1:5353`. */
  listen?: string;
  /** `ip:port` (or `[v6]:port`; port defaults to 53) of the server out-of-zone queries go to. */
  upstream?: string;
  /** Where the listening line and errors go; default: nowhere. */
  log?: (line: string) => void;
  /** Zone and name count for the listening line. */
  describe?: () => { zone: string; names: number };
  /** Default 2000. */
  forwardTimeoutMs?: number;
  /** Default 10000. */
  tcpIdleTimeoutMs?: number;
}

export interface DnsServerStats {
  udpQueries: number;
  tcpQueries: number;
  tcpConnections: number;
  dropped: number;
  forwarded: number;
  forwardFailures: number;
  errors: number;
}

export interface DnsServer {
  /** The bound address (UDP and TCP share it). */
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:5353` or `[::1]:5353`. */
  readonly address: string;
  stats(): DnsServerStats;
  /** Stops listening, closes every connection and upstream socket; resolves when all are closed. */
  close(): Promise<void>;
}

export class DnsServerError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code?: string) {
    super(message);
    this.name = 'DnsServerError';
    this.code = code;
  }
}

export interface HostPort {
  host: string;
  port: number;
  family: 4 | 6;
}

/** Parses `host:port`, `[v6]:port`, or `host` alone when `defaultPort` is given. */
export function parseHostPort(text: string, defaultPort?: number): HostPort {
  let host: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) {
    host = bracket[1];
    portText = bracket[2];
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(':') === colon) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    } else {
      host = text;
    }
  }
  if (host === '') host = '0.0.0.0';
  const family = net.isIP(host);
  if (family === 0) throw new DnsServerError(`${JSON.stringify(text)} is not an IP address with a port (like 127.0.0.1:5353 or [::1]:5353)`);
  let port: number;
  if (portText === undefined || portText === '') {
    if (defaultPort === undefined) throw new DnsServerError(`${JSON.stringify(text)} has no port (like 127.0.0.1:5353)`);
    port = defaultPort;
  } else {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) throw new DnsServerError(`${JSON.stringify(text)}: the port must be between 0 and 65535`);
  }
  return { host, port, family: family as 4 | 6 };
}

export function formatHostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

const MAX_MESSAGE = 65535;
const HEADER = 12;
const SLAB_BYTES = 1 << 20;

/** dgram's lookup for IP literals, answered at once (the default defers every send a tick through dns.lookup). */
function literalLookup(hostname: string, options: LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const family = net.isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
}

/**
 * A response with `rcode` built from the query's header and question alone: ID, opcode and
 * RD copied, QR set, the question echoed when it parses (else QDCOUNT 0). Undefined for
 * messages too short to have a header or that are responses already.
 */
export function failureResponse(query: Uint8Array, rcode: number): Buffer | undefined {
  if (query.length < HEADER || (query[2] & 0x80) !== 0) return undefined;
  const qdcount = (query[4] << 8) | query[5];
  let end = HEADER;
  let questionOk = qdcount === 1;
  if (questionOk) {
    let nameLength = 1;
    for (;;) {
      if (end >= query.length) {
        questionOk = false;
        break;
      }
      const len = query[end];
      if (len === 0) {
        end += 1;
        break;
      }
      if ((len & 0xc0) !== 0 || end + 1 + len > query.length) {
        questionOk = false;
        break;
      }
      nameLength += len + 1;
      if (nameLength > 255) {
        questionOk = false;
        break;
      }
      end += len + 1;
    }
    if (questionOk && end + 4 > query.length) questionOk = false;
    if (questionOk) end += 4;
  }
  const length = questionOk ? end : HEADER;
  const out = Buffer.alloc(length);
  out[0] = query[0];
  out[1] = query[1];
  out[2] = 0x80 | (query[2] & 0x79);
  out[3] = rcode & 0x0f;
  if (questionOk) {
    out[5] = 1;
    out.set(query.subarray(HEADER, end), HEADER);
  }
  return out;
}

interface UdpPending {
  clientId: number;
  client: dgram.RemoteInfo;
  timer: NodeJS.Timeout;
}

/** Starts the server; rejects with a DnsServerError when the address cannot be bound. */
export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const dns = options.dns;
  const log = options.log ?? (() => {});
  const listen = parseHostPort(options.listen ?? '127.0.0.1:5353');
  const upstream = options.upstream !== undefined ? parseHostPort(options.upstream, 53) : undefined;
  const forwardTimeout = options.forwardTimeoutMs ?? 2000;
  const idleTimeout = options.tcpIdleTimeoutMs ?? 10_000;

  const out = new Uint8Array(MAX_MESSAGE);
  const stats: DnsServerStats = { udpQueries: 0, tcpQueries: 0, tcpConnections: 0, dropped: 0, forwarded: 0, forwardFailures: 0, errors: 0 };
  let closed = false;

  /** Answers into `into` (65535 bytes); returns the length, DNS_DROP or DNS_FORWARD. A throwing answer gives SERVFAIL. */
  const answer = (query: Uint8Array, transport: number, into: Uint8Array = out): number => {
    try {
      return dns.answer(query, transport, into);
    } catch (error) {
      stats.errors++;
      log(`svcnet dns: error answering a query: ${error instanceof Error ? error.message : String(error)}`);
      const fail = failureResponse(query, RCODE_SERVFAIL);
      if (!fail) return DNS_DROP;
      into.set(fail);
      return fail.length;
    }
  };

  // ------------------------------------------------------------------------ UDP

  let udp: dgram.Socket;
  let upstreamUdp: dgram.Socket | undefined;
  const udpPending = new Map<number, UdpPending>();
  let nextForwardId = (Math.random() * 0x10000) >>> 0;

  const sendUdp = (data: Uint8Array, to: dgram.RemoteInfo): void => {
    udp.send(data, to.port, to.address);
  };

  const upstreamSocket = (): dgram.Socket => {
    if (upstreamUdp) return upstreamUdp;
    const socket = dgram.createSocket({ type: upstream!.family === 6 ? 'udp6' : 'udp4', lookup: literalLookup });
    socket.on('message', (msg, rinfo) => {
      if (msg.length < HEADER || rinfo.port !== upstream!.port || rinfo.address !== upstream!.host) return;
      const id = (msg[0] << 8) | msg[1];
      const pending = udpPending.get(id);
      if (!pending) return;
      udpPending.delete(id);
      clearTimeout(pending.timer);
      msg[0] = pending.clientId >> 8;
      msg[1] = pending.clientId & 0xff;
      if (!closed) sendUdp(msg, pending.client);
    });
    socket.on('error', (error) => log(`svcnet dns: upstream udp socket: ${error.message}`));
    upstreamUdp = socket;
    return socket;
  };

  const forwardUdp = (query: Buffer, client: dgram.RemoteInfo): void => {
    if (!upstream) {
      const refused = failureResponse(query, RCODE_REFUSED);
      if (refused) sendUdp(refused, client);
      return;
    }
    if (udpPending.size >= 0x10000) {
      const fail = failureResponse(query, RCODE_SERVFAIL);
      if (fail) sendUdp(fail, client);
      return;
    }
    let id = nextForwardId;
    while (udpPending.has(id)) id = (id + 1) & 0xffff;
    nextForwardId = (id + 1) & 0xffff;
    const clientId = (query[0] << 8) | query[1];
    const copy = Buffer.from(query);
    const timer = setTimeout(() => {
      udpPending.delete(id);
      stats.forwardFailures++;
      copy[0] = clientId >> 8;
      copy[1] = clientId & 0xff;
      const fail = failureResponse(copy, RCODE_SERVFAIL);
      if (fail && !closed) sendUdp(fail, client);
    }, forwardTimeout);
    udpPending.set(id, { clientId, client, timer });
    copy[0] = id >> 8;
    copy[1] = id & 0xff;
    stats.forwarded++;
    upstreamSocket().send(copy, upstream.port, upstream.host);
  };

  let slab = Buffer.allocUnsafe(SLAB_BYTES);
  let slabAt = 0;

  const onUdpMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    stats.udpQueries++;
    if (slabAt + MAX_MESSAGE > SLAB_BYTES) {
      slab = Buffer.allocUnsafe(SLAB_BYTES);
      slabAt = 0;
    }
    const into = slab.subarray(slabAt, slabAt + MAX_MESSAGE);
    const n = answer(msg, DNS_UDP, into);
    if (n >= 0) {
      slabAt += (n + 7) & ~7;
      udp.send(into.subarray(0, n), rinfo.port, rinfo.address);
    } else if (n === DNS_FORWARD) {
      forwardUdp(msg, rinfo);
    } else {
      stats.dropped++;
    }
  };

  // ------------------------------------------------------------------------ TCP

  const connections = new Set<net.Socket>();
  const upstreamTcp = new Set<net.Socket>();

  /** Sends `query` to the upstream over TCP; calls back with the reply or undefined. */
  const forwardTcp = (query: Uint8Array, done: (reply: Buffer | undefined) => void): void => {
    stats.forwarded++;
    let finished = false;
    let pending: Buffer = Buffer.alloc(0);
    const socket = net.connect({ host: upstream!.host, port: upstream!.port });
    upstreamTcp.add(socket);
    const finish = (reply: Buffer | undefined): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      upstreamTcp.delete(socket);
      socket.destroy();
      if (!reply) stats.forwardFailures++;
      done(reply);
    };
    const timer = setTimeout(() => finish(undefined), forwardTimeout);
    socket.on('connect', () => {
      const framed = Buffer.allocUnsafe(query.length + 2);
      framed.writeUInt16BE(query.length, 0);
      framed.set(query, 2);
      socket.write(framed);
    });
    socket.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (pending.length < 2) return;
      const length = pending.readUInt16BE(0);
      if (pending.length >= 2 + length) finish(pending.subarray(2, 2 + length));
    });
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
  };

  const frame = (data: Uint8Array, length: number): Buffer => {
    const framed = Buffer.allocUnsafe(length + 2);
    framed.writeUInt16BE(length, 0);
    framed.set(data.subarray(0, length), 2);
    return framed;
  };

  const tcp = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    if (closed) {
      socket.destroy();
      return;
    }
    stats.tcpConnections++;
    connections.add(socket);
    let buffered: Buffer | undefined;
    let inflight = 0;
    let ended = false;
    socket.setTimeout(idleTimeout);
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => connections.delete(socket));
    socket.on('end', () => {
      ended = true;
      if (inflight === 0) socket.end();
    });

    const handle = (query: Buffer): void => {
      stats.tcpQueries++;
      const n = answer(query, DNS_TCP);
      if (n >= 0) {
        socket.write(frame(out, n));
        return;
      }
      if (n !== DNS_FORWARD) {
        stats.dropped++;
        return;
      }
      if (!upstream) {
        const refused = failureResponse(query, RCODE_REFUSED);
        if (refused) socket.write(frame(refused, refused.length));
        return;
      }
      inflight++;
      const copy = Buffer.from(query);
      forwardTcp(copy, (reply) => {
        inflight--;
        if (socket.destroyed) return;
        const response = reply ?? failureResponse(copy, RCODE_SERVFAIL);
        if (response) socket.write(frame(response, response.length));
        if (ended && inflight === 0) socket.end();
      });
    };

    let rejected = false;
    socket.on('data', (chunk: Buffer) => {
      if (rejected) return;
      const data = buffered ? Buffer.concat([buffered, chunk]) : chunk;
      let offset = 0;
      socket.cork();
      while (data.length - offset >= 2) {
        const length = data.readUInt16BE(offset);
        if (length < HEADER) {
          rejected = true;
          break;
        }
        if (data.length - offset - 2 < length) break;
        handle(data.subarray(offset + 2, offset + 2 + length));
        offset += 2 + length;
      }
      socket.uncork();
      if (rejected) {
        // Not DNS: send what was answered, then close.
        buffered = undefined;
        socket.end(() => socket.destroy());
        return;
      }
      buffered = offset < data.length ? data.subarray(offset) : undefined;
    });
  });
  tcp.maxConnections = 4096;

  // ------------------------------------------------------------------------ binding

  const bindUdp = (port: number): Promise<dgram.Socket> =>
    new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: listen.family === 6 ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20, lookup: literalLookup });
      const onError = (error: NodeJS.ErrnoException): void => {
        socket.close();
        reject(error);
      };
      socket.once('error', onError);
      socket.bind({ address: listen.host, port, exclusive: true }, () => {
        socket.off('error', onError);
        socket.on('message', onUdpMessage);
        resolve(socket);
      });
    });

  const listenTcp = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => reject(error);
      tcp.once('error', onError);
      tcp.listen({ host: listen.host, port, exclusive: true }, () => {
        tcp.off('error', onError);
        resolve((tcp.address() as net.AddressInfo).port);
      });
    });

  const describeError = (proto: string, port: number, error: NodeJS.ErrnoException): DnsServerError => {
    const where = `${proto} ${formatHostPort(listen.host, port)}`;
    const reason =
      error.code === 'EADDRINUSE'
        ? 'address already in use'
        : error.code === 'EACCES'
          ? 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
          : error.code === 'EADDRNOTAVAIL'
            ? 'address not available on this host'
            : error.message;
    return new DnsServerError(`svcnet dns: cannot listen on ${where}: ${reason}`, error.code);
  };

  // TCP first, then UDP on the same port; with port 0 a port free for TCP may be taken for
  // UDP, so another is tried.
  let port = listen.port;
  for (let attempt = 0; ; attempt++) {
    try {
      port = await listenTcp(listen.port);
    } catch (error) {
      throw describeError('tcp', listen.port, error as NodeJS.ErrnoException);
    }
    try {
      udp = await bindUdp(port);
      break;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      if (listen.port === 0 && e.code === 'EADDRINUSE' && attempt < 8) continue;
      throw describeError('udp', port, e);
    }
  }
  udp.on('error', (error) => log(`svcnet dns: udp socket: ${error.message}`));
  tcp.on('error', (error) => log(`svcnet dns: tcp server: ${error.message}`));

  const address = formatHostPort(listen.host, port);
  const summary = options.describe?.();
  log(`svcnet dns: listening on udp ${address} and tcp ${address}${summary ? ` (zone ${summary.zone}, ${summary.names} names)` : ''}`);

  let closing: Promise<void> | undefined;
  return {
    host: listen.host,
    port,
    address,
    stats: () => ({ ...stats }),
    close(): Promise<void> {
      if (closing) return closing;
      closed = true;
      for (const pending of udpPending.values()) clearTimeout(pending.timer);
      udpPending.clear();
      const waits: Promise<void>[] = [];
      waits.push(new Promise((resolve) => udp.close(() => resolve())));
      if (upstreamUdp) {
        const socket = upstreamUdp;
        waits.push(new Promise((resolve) => socket.close(() => resolve())));
      }
      waits.push(new Promise((resolve) => tcp.close(() => resolve())));
      for (const socket of connections) socket.destroy();
      for (const socket of upstreamTcp) socket.destroy();
      closing = Promise.all(waits).then(() => undefined);
      return closing;
    },
  };
}
