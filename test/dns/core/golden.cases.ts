// The queries behind the golden responses in golden/*.hex (fixture: dnsplane.suite.ts).
import { DNS_UDP } from '../../../sdk/engine/dnsplane.js';
import { TYPES, buildQuery } from './wire.js';

export interface GoldenCase {
  file: string;
  title: string;
  query: Uint8Array;
  transport: number;
}

const Z = 'default.svc.cluster.local';

export const GOLDEN: GoldenCase[] = [
  { file: 'a.hex', title: `A web.${Z}, RD, no EDNS`, query: buildQuery(`web.${Z}`, { id: 0x1234 }), transport: DNS_UDP },
  {
    file: 'srv-glue.hex',
    title: `SRV _pg._tcp.db.${Z} with glue, EDNS 1232, zone in mixed case`,
    query: buildQuery(`_pg._tcp.db.default.svc.Cluster.Local`, { id: 0x5352, type: TYPES.SRV, edns: { udp: 1232 } }),
    transport: DNS_UDP,
  },
  { file: 'nxdomain-soa.hex', title: `NXDOMAIN nope.${Z} A with the zone SOA`, query: buildQuery(`nope.${Z}`, { id: 0x4e58, rd: false }), transport: DNS_UDP },
  {
    file: 'truncated-udp.hex',
    title: `SRV _big._tcp.big.${Z} over UDP with EDNS 2400: 40 SRVs fit, the glue is cut, TC`,
    query: buildQuery(`_big._tcp.big.${Z}`, { id: 0x5443, type: TYPES.SRV, edns: { udp: 2400 } }),
    transport: DNS_UDP,
  },
];
