// The baseline of bench/dns-server.sh: a DNS server as a Node app would plainly write it
// with dns-packet — decode each datagram into objects, look the name up in a Map, encode
// a response object — serving the same records as svcnet (derived by svcnet's records.ts
// from the same manifest): A, SRV (with A glue), NXDOMAIN/NODATA with the SOA, AA set,
// REFUSED outside the zone. UDP only (dnsperf sends UDP).
//
//   node --import tsx bench/dns-plain-server.ts --manifests <file> --listen 127.0.0.1:5400

import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import * as packet from 'dns-packet';
import { Cluster } from '../sdk/cluster/cluster.js';
import { formatRData, type RRset } from '../sdk/dns/records.js';
import { loadManifests } from '../sdk/node/manifests.js';
import { parseHostPort } from '../sdk/node/dns-server.js';
import { DNS_ZONE, dnsWorkloadRecords } from './dns-workload.js';

const { values } = parseArgs({ options: { manifests: { type: 'string' }, listen: { type: 'string', default: '127.0.0.1:5400' } } });
if (!values.manifests) throw new Error('--manifests is required');

const cluster = new Cluster();
await loadManifests(cluster, [values.manifests]);
const { rrsets, names } = dnsWorkloadRecords(cluster);

type Answer = packet.Answer;
const toAnswer = (rr: RRset, rd: RRset['rdata'][number], name: string): Answer => {
  switch (rd.type) {
    case 'A':
    case 'AAAA':
      return { name, type: rd.type, ttl: rr.ttl, data: rd.address } as Answer;
    case 'SRV':
      return { name, type: 'SRV', ttl: rr.ttl, data: { priority: rd.priority, weight: rd.weight, port: rd.port, target: rd.target } } as Answer;
    case 'SOA':
      return {
        name,
        type: 'SOA',
        ttl: rr.ttl,
        data: { mname: rd.mname, rname: rd.rname, serial: rd.serial, refresh: rd.refresh, retry: rd.retry, expire: rd.expire, minimum: rd.minimum },
      } as Answer;
    case 'TXT':
      return { name, type: 'TXT', ttl: rr.ttl, data: [...rd.strings] } as Answer;
    default:
      return { name, type: rd.type, ttl: rr.ttl, data: formatRData(rd).replace(/\.$/, '') } as Answer;
  }
};

const table = new Map<string, Map<string, RRset>>();
for (const rr of rrsets) {
  let types = table.get(rr.owner);
  if (!types) table.set(rr.owner, (types = new Map()));
  types.set(rr.type, rr);
}
const existing = new Set(names);
const soa = table.get(DNS_ZONE)!.get('SOA')!;

const listen = parseHostPort(values.listen!);
const socket = dgram.createSocket(listen.family === 6 ? 'udp6' : 'udp4');

socket.on('message', (msg, rinfo) => {
  let query: packet.Packet;
  try {
    query = packet.decode(msg);
  } catch {
    return;
  }
  const question = query.questions?.[0];
  if (query.type !== 'query' || !question) return;
  const name = question.name.toLowerCase();
  const response: packet.Packet = { type: 'response', id: query.id, flags: packet.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & packet.RECURSION_DESIRED), questions: query.questions, answers: [], authorities: [], additionals: [] };
  if (name !== DNS_ZONE && !name.endsWith(`.${DNS_ZONE}`)) {
    // dns-packet takes the RCODE in the low bits of `flags`: 5 REFUSED, 3 NXDOMAIN.
    response.flags = ((query.flags ?? 0) & packet.RECURSION_DESIRED) | 5;
  } else {
    const types = table.get(name);
    const rr = types?.get(question.type);
    if (rr) {
      response.answers = rr.rdata.map((rd) => toAnswer(rr, rd, question.name));
      if (rr.type === 'SRV') {
        for (const rd of rr.rdata) {
          if (rd.type !== 'SRV') continue;
          const glue = table.get(rd.target)?.get('A');
          if (glue) response.additionals!.push(...glue.rdata.map((g) => toAnswer(glue, g, rd.target)));
        }
      }
    } else {
      if (!types && !existing.has(name)) response.flags! |= 3;
      response.authorities = [toAnswer(soa, soa.rdata[0], DNS_ZONE)];
    }
  }
  socket.send(packet.encode(response), rinfo.port, rinfo.address);
});

socket.bind(listen.port, listen.host, () => {
  process.stderr.write(`plain dns-packet server: listening on udp ${values.listen} (${table.size} names)\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => socket.close());
