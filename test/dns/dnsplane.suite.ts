// The DnsPlane contract (sdk/engine/dnsplane.ts) as a suite factory: every DNS data plane
// (wasm debug/release, the dns-packet reference) registers the same numbered cases with
// `describeDnsPlane(name, create)`. Only the DnsPlane interface is used. Responses are
// checked twice: by a strict walker (test/dns/core/wire.ts: pointers, lengths, sections)
// and by dns-packet's decoder.
//
// Groups: header and question echo · positive answers · negative answers · SOA and apex ·
// CNAME · pods · glue · REFUSED / FORWARD / NOTIMP · FORMERR / DROP · EDNS0 · truncation ·
// control calls. The last group, "where the contract is silent", pins this project's
// choices (RFC-based) that the contract text does not spell out; a plane may differ there
// only by a deliberate decision recorded in its report.

import * as dnsPacket from 'dns-packet';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  DNS_DROP,
  DNS_EDNS_UDP_SIZE,
  DNS_FORWARD,
  DNS_PODS_DISABLED,
  DNS_PODS_INSECURE,
  DNS_TCP,
  DNS_UDP,
  RCODE_FORMERR,
  RCODE_NOERROR,
  RCODE_NOTIMP,
  RCODE_NXDOMAIN,
  RCODE_REFUSED,
  type DnsPlane,
} from '../../sdk/engine/dnsplane.js';
import { ST_BAD_ARGUMENT, ST_OK } from '../../sdk/engine/records.js';
import {
  TYPES,
  type QueryOptions,
  type WireMessage,
  type WireRecord,
  buildQuery,
  concat,
  rdA,
  rdAAAA,
  rdMx,
  rdName,
  rdSoa,
  rdSrv,
  rdTxt,
  u16,
  walk,
  wireName,
} from './core/wire.js';

type Create = () => DnsPlane | Promise<DnsPlane>;

// ── fixture ──────────────────────────────────────────────────────────────────────────────

export const ZONES = ['cluster.local', 'in-addr.arpa', 'ip6.arpa'];
export const TTL = 30;
export const SOA_SERIAL = 1_700_000_000;
const Z = 'default.svc.cluster.local';

export interface FixtureRRset {
  owner: string;
  type: number;
  ttl: number;
  rdata: Uint8Array[];
}

/** The fixture's RRsets: a small cluster plus the hostile shapes the contract names. */
export function fixtureRRsets(): FixtureRRset[] {
  const sets: FixtureRRset[] = [];
  const add = (owner: string, type: number, rdata: Uint8Array[], ttl = TTL): void => {
    sets.push({ owner, type, ttl, rdata });
  };
  add('cluster.local', TYPES.SOA, [rdSoa('ns.dns.cluster.local', 'hostmaster.cluster.local', SOA_SERIAL, 7200, 1800, 86400, TTL)]);
  add('cluster.local', TYPES.NS, [rdName('ns.dns.cluster.local')]);
  add('ns.dns.cluster.local', TYPES.A, [rdA('10.96.0.10')]);
  add('in-addr.arpa', TYPES.SOA, [rdSoa('ns.dns.in-addr.arpa', 'hostmaster.in-addr.arpa', SOA_SERIAL, 7200, 1800, 86400, TTL)]);
  add('dns-version.cluster.local', TYPES.TXT, [rdTxt('1.1.0')], 28800);
  add(`web.${Z}`, TYPES.A, [rdA('10.96.0.20')]);
  add(`web.${Z}`, TYPES.AAAA, [rdAAAA('fd00::20')]);
  add(`_http._tcp.web.${Z}`, TYPES.SRV, [rdSrv(0, 100, 80, `web.${Z}`)]);
  add(`db.${Z}`, TYPES.A, [rdA('10.244.1.5'), rdA('10.244.2.6'), rdA('10.244.3.7')]);
  add(`db-0.db.${Z}`, TYPES.A, [rdA('10.244.1.5')]);
  add(`db-1.db.${Z}`, TYPES.A, [rdA('10.244.2.6')]);
  add(`db-1.db.${Z}`, TYPES.AAAA, [rdAAAA('fd00::2:6')]);
  add(`db-2.db.${Z}`, TYPES.A, [rdA('10.244.3.7')]);
  add(`_pg._tcp.db.${Z}`, TYPES.SRV, [
    rdSrv(0, 33, 5432, `db-0.db.${Z}`),
    rdSrv(0, 33, 5432, `db-1.db.${Z}`),
    rdSrv(0, 33, 5432, `db-2.db.${Z}`),
  ]);
  add(`_multi._tcp.db.${Z}`, TYPES.SRV, [rdSrv(0, 50, 5432, `db-0.db.${Z}`), rdSrv(0, 50, 5433, `db-0.db.${Z}`)]);
  add(`_gone._tcp.db.${Z}`, TYPES.SRV, [rdSrv(0, 100, 5432, `gone.db.${Z}`)]);
  add(`ext.${Z}`, TYPES.CNAME, [rdName('example.com')]);
  add(`alias.${Z}`, TYPES.CNAME, [rdName(`web.${Z}`)]);
  add(`alias4.${Z}`, TYPES.CNAME, [rdName(`db.${Z}`)]);
  add(`dangling.${Z}`, TYPES.CNAME, [rdName(`missing.${Z}`)]);
  add(`loop-a.${Z}`, TYPES.CNAME, [rdName(`loop-b.${Z}`)]);
  add(`loop-b.${Z}`, TYPES.CNAME, [rdName(`loop-a.${Z}`)]);
  for (let i = 0; i < 9; i++) add(`c${i}.${Z}`, TYPES.CNAME, [rdName(`c${i + 1}.${Z}`)]);
  add(`c9.${Z}`, TYPES.A, [rdA('10.0.0.9')]);
  add(`mail.${Z}`, TYPES.MX, [rdMx(10, `web.${Z}`)]);
  add('20.0.96.10.in-addr.arpa', TYPES.PTR, [rdName(`web.${Z}`)]);
  add(`big.${Z}`, TYPES.A, Array.from({ length: 100 }, (_, i) => rdA(`10.1.0.${i + 1}`)));
  add(`_big._tcp.big.${Z}`, TYPES.SRV, Array.from({ length: 40 }, (_, i) => rdSrv(0, 2, 8080, `h${i}.big.${Z}`)));
  for (let i = 0; i < 40; i++) add(`h${i}.big.${Z}`, TYPES.A, [rdA(`10.2.0.${i + 1}`)]);
  return sets;
}

export const DECLARED = ['svc.cluster.local', 'pod.cluster.local', Z, 'default.pod.cluster.local'];

export function loadFixture(plane: DnsPlane, podsMode = DNS_PODS_INSECURE, forwardOutOfZone = false): void {
  expect(plane.configure({ zones: ZONES, podsMode, forwardOutOfZone })).toBe(ST_OK);
  for (const s of fixtureRRsets()) expect(plane.setRRset(s.owner, s.type, s.ttl, s.rdata), `${s.owner} ${s.type}`).toBe(ST_OK);
  for (const name of DECLARED) expect(plane.setExists(name, true)).toBe(ST_OK);
}

// ── asking ───────────────────────────────────────────────────────────────────────────────

export interface Reply {
  result: number;
  bytes: Uint8Array;
  msg: WireMessage;
  packet: dnsPacket.DecodedPacket;
}

const out = new Uint8Array(65535);

/** Sends a query; checks the header rules every response obeys; walks and decodes it. */
export function ask(plane: DnsPlane, query: Uint8Array, transport = DNS_UDP): Reply {
  out.fill(0xa5);
  const result = plane.answer(query, transport, out);
  if (result < 0) throw new Error(`expected a response, got ${result}`);
  const bytes = out.slice(0, result);
  const msg = walk(bytes);
  const packet = dnsPacket.decode(Buffer.from(bytes));
  expect(msg.id).toBe((query[0] << 8) | query[1]);
  expect(msg.qr).toBe(true);
  expect(msg.opcode).toBe((query[2] >> 3) & 15);
  expect(msg.rd).toBe((query[2] & 1) === 1);
  expect(msg.ra).toBe(false);
  expect(msg.z).toBe(0);
  return { result, bytes, msg, packet };
}

function q(name: string, type: number = TYPES.A, options: QueryOptions = {}): Uint8Array {
  return buildQuery(name, { ...options, type });
}

/** Presentation of a record, for comparisons: `name ttl TYPE data`. */
export function show(r: WireRecord): string {
  const d = r.rdata;
  let data: string;
  switch (r.type) {
    case TYPES.A:
      data = Array.from(d).join('.');
      break;
    case TYPES.AAAA:
      data = Array.from({ length: 8 }, (_, i) => ((d[2 * i] << 8) | d[2 * i + 1]).toString(16)).join(':');
      break;
    case TYPES.CNAME:
    case TYPES.NS:
    case TYPES.PTR:
      data = r.names[0];
      break;
    case TYPES.MX:
      data = `${(d[0] << 8) | d[1]} ${r.names[0]}`;
      break;
    case TYPES.SRV:
      data = `${(d[0] << 8) | d[1]} ${(d[2] << 8) | d[3]} ${(d[4] << 8) | d[5]} ${r.names[0]}`;
      break;
    case TYPES.SOA: {
      const v = new DataView(d.buffer, d.byteOffset + d.length - 20, 20);
      data = `${r.names[0]} ${r.names[1]} ${[0, 4, 8, 12, 16].map((o) => v.getUint32(o)).join(' ')}`;
      break;
    }
    case TYPES.TXT:
      data = JSON.stringify(String.fromCharCode(...d.subarray(1, 1 + d[0])));
      break;
    case TYPES.OPT:
      data = `udp=${r.klass}`;
      break;
    default:
      data = Buffer.from(d).toString('hex');
  }
  const typeName = Object.entries(TYPES).find(([, v]) => v === r.type)?.[0] ?? String(r.type);
  return `${r.name} ${r.type === TYPES.OPT ? '-' : r.ttl} ${typeName} ${data}`;
}

const SOA_TEXT = `cluster.local ${TTL} SOA ns.dns.cluster.local hostmaster.cluster.local ${SOA_SERIAL} 7200 1800 86400 ${TTL}`;
const REVERSE_SOA_TEXT = `in-addr.arpa ${TTL} SOA ns.dns.in-addr.arpa hostmaster.in-addr.arpa ${SOA_SERIAL} 7200 1800 86400 ${TTL}`;
const noOpt = (records: WireRecord[]): WireRecord[] => records.filter((r) => r.type !== TYPES.OPT);
const optOf = (r: Reply): WireRecord | undefined => r.msg.additionals.find((a) => a.type === TYPES.OPT);

interface AnswerCase {
  n: string;
  title: string;
  query: Uint8Array;
  transport?: number;
  rcode: number;
  aa?: boolean;
  answers?: string[];
  authorities?: string[];
  additionals?: string[];
  check?: (reply: Reply, query: Uint8Array) => void;
}

function runCases(getPlane: () => DnsPlane, cases: AnswerCase[]): void {
  test.each(cases.map((c) => [`${c.n} ${c.title}`, c] as const))('%s', (_title, c) => {
    const reply = ask(getPlane(), c.query, c.transport ?? DNS_UDP);
    const { msg } = reply;
    expect(msg.rcode, 'rcode').toBe(c.rcode);
    if (c.aa !== undefined) expect(msg.aa, 'AA').toBe(c.aa);
    if (c.answers) expect(msg.answers.map(show), 'answers').toEqual(c.answers);
    if (c.authorities) expect(msg.authorities.map(show), 'authorities').toEqual(c.authorities);
    if (c.additionals) expect(noOpt(msg.additionals).map(show), 'additionals').toEqual(c.additionals);
    c.check?.(reply, c.query);
  });
}

/** The question section of a well-formed query (12 .. end of QCLASS). */
function questionOf(query: Uint8Array): Uint8Array {
  let o = 12;
  while (query[o] !== 0) o += 1 + query[o];
  return query.slice(12, o + 5);
}

// ── the suite ────────────────────────────────────────────────────────────────────────────

export function describeDnsPlane(name: string, create: Create): void {
  describe(`DnsPlane contract: ${name}`, () => {
    let plane: DnsPlane;
    const get = (): DnsPlane => plane;
    beforeAll(async () => {
      plane = await create();
      loadFixture(plane);
    });

    describe('header and question', () => {
      runCases(get, [
        {
          n: '001', title: 'ID, QR, opcode, AA, RD copied, RA clear',
          query: q(`web.${Z}`, TYPES.A, { id: 0xbeef }), rcode: RCODE_NOERROR, aa: true,
          check: ({ msg }) => expect(msg.id).toBe(0xbeef),
        },
        { n: '002', title: 'RD clear stays clear', query: q(`web.${Z}`, TYPES.A, { rd: false }), rcode: RCODE_NOERROR, aa: true },
        {
          n: '003', title: 'AD and CD bits of the query are not echoed',
          query: q(`web.${Z}`, TYPES.A, { flags: 0x0030 }), rcode: RCODE_NOERROR,
          check: ({ msg }) => expect(msg.flags & 0x0030).toBe(0),
        },
        {
          n: '004', title: 'question echoed byte for byte, mixed case kept',
          query: q('WeB.DeFault.SVC.cluster.LOCAL', TYPES.A), rcode: RCODE_NOERROR,
          check: ({ msg }, query) => expect(Buffer.from(msg.questionBytes)).toEqual(Buffer.from(questionOf(query))),
        },
        {
          n: '005', title: 'question echoed on NXDOMAIN',
          query: q(`NoPe.${Z}`, TYPES.AAAA), rcode: RCODE_NXDOMAIN,
          check: ({ msg }, query) => expect(Buffer.from(msg.questionBytes)).toEqual(Buffer.from(questionOf(query))),
        },
        {
          n: '006', title: 'question echoed on REFUSED',
          query: q('Example.COM', TYPES.A), rcode: RCODE_REFUSED,
          check: ({ msg }, query) => expect(Buffer.from(msg.questionBytes)).toEqual(Buffer.from(questionOf(query))),
        },
        {
          n: '007', title: 'dns-packet decodes the same header and question',
          query: q(`Web.${Z}`, TYPES.AAAA, { id: 7 }), rcode: RCODE_NOERROR,
          check: ({ packet }) => {
            expect(packet.id).toBe(7);
            expect(packet.type).toBe('response');
            expect(packet.flag_aa).toBe(true);
            expect(packet.flag_ra).toBe(false);
            expect(packet.questions?.[0]).toMatchObject({ name: `Web.${Z}`, type: 'AAAA', class: 'IN' });
            expect(packet.answers?.[0]).toMatchObject({ name: `Web.${Z}`, type: 'AAAA', ttl: TTL, data: 'fd00::20' });
          },
        },
      ]);
    });

    describe('positive answers', () => {
      const ownersAreQuestion = ({ msg }: Reply): void => {
        for (const r of msg.answers) expect(r.ownerPointer, `${show(r)} owner`).toBe(12);
      };
      runCases(get, [
        { n: '010', title: 'A', query: q(`web.${Z}`), rcode: RCODE_NOERROR, aa: true, answers: [`web.${Z} ${TTL} A 10.96.0.20`], authorities: [], additionals: [], check: ownersAreQuestion },
        { n: '011', title: 'AAAA', query: q(`web.${Z}`, TYPES.AAAA), rcode: RCODE_NOERROR, answers: [`web.${Z} ${TTL} AAAA fd00:0:0:0:0:0:0:20`], check: ownersAreQuestion },
        { n: '012', title: 'lookup is case-insensitive; owner echoes the question case', query: q(`WEB.DEFAULT.SVC.CLUSTER.LOCAL`), rcode: RCODE_NOERROR, answers: [`WEB.DEFAULT.SVC.CLUSTER.LOCAL ${TTL} A 10.96.0.20`], check: ownersAreQuestion },
        {
          n: '013', title: 'headless: every record of the RRset, in order, one owner pointer each',
          query: q(`db.${Z}`), rcode: RCODE_NOERROR,
          answers: ['10.244.1.5', '10.244.2.6', '10.244.3.7'].map((ip) => `db.${Z} ${TTL} A ${ip}`), check: ownersAreQuestion,
        },
        { n: '014', title: 'TXT with its own TTL', query: q('dns-version.cluster.local', TYPES.TXT), rcode: RCODE_NOERROR, answers: ['dns-version.cluster.local 28800 TXT "1.1.0"'] },
        { n: '015', title: 'PTR in a reverse zone', query: q('20.0.96.10.in-addr.arpa', TYPES.PTR), rcode: RCODE_NOERROR, aa: true, answers: [`20.0.96.10.in-addr.arpa ${TTL} PTR web.${Z}`] },
        { n: '016', title: 'name exactly 255 bytes long is well formed (NXDOMAIN)', query: q(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(35)}.${Z}`), rcode: RCODE_NXDOMAIN },
        {
          n: '017', title: 'trailing bytes after the last record are ignored',
          query: concat(q(`web.${Z}`), [1, 2, 3]), rcode: RCODE_NOERROR, answers: [`web.${Z} ${TTL} A 10.96.0.20`],
        },
        {
          n: '018', title: 'a compressed question name (pointer into the header) is echoed expanded',
          // Question "x" + a pointer to offset 10 (ARCOUNT's high byte, 0: the root).
          query: concat(u16(0x4242), u16(0x0100), u16(1), u16(0), u16(0), u16(0), [1, 0x78, 0xc0, 10], u16(1), u16(1)),
          rcode: RCODE_REFUSED,
          check: ({ msg }) => {
            expect(msg.question?.name).toBe('x');
            expect(Buffer.from(msg.questionBytes)).toEqual(Buffer.from([1, 0x78, 0, 0, 1, 0, 1]));
          },
        },
      ]);
    });

    describe('negative answers', () => {
      runCases(get, [
        { n: '020', title: 'NXDOMAIN with the zone SOA as written', query: q(`nope.${Z}`), rcode: RCODE_NXDOMAIN, aa: true, answers: [], authorities: [SOA_TEXT], additionals: [] },
        { n: '021', title: 'NODATA: existing name, other type', query: q(`db.${Z}`, TYPES.AAAA), rcode: RCODE_NOERROR, aa: true, answers: [], authorities: [SOA_TEXT] },
        { n: '022', title: 'NODATA: declared name without RRsets', query: q(Z), rcode: RCODE_NOERROR, answers: [], authorities: [SOA_TEXT] },
        { n: '023', title: 'NODATA: svc.<zone> declared', query: q('svc.cluster.local', TYPES.SRV), rcode: RCODE_NOERROR, answers: [], authorities: [SOA_TEXT] },
        { n: '024', title: 'NXDOMAIN: an empty non-terminal nobody declared', query: q(`_tcp.db.${Z}`), rcode: RCODE_NXDOMAIN, authorities: [SOA_TEXT] },
        { n: '025', title: 'NXDOMAIN in a reverse zone carries that zone\'s SOA', query: q('99.0.96.10.in-addr.arpa', TYPES.PTR), rcode: RCODE_NXDOMAIN, authorities: [REVERSE_SOA_TEXT] },
        { n: '026', title: 'negative answer in a zone without an SOA RRset: empty authority', query: q('1.0.0.0.ip6.arpa', TYPES.PTR), rcode: RCODE_NXDOMAIN, authorities: [] },
        { n: '027', title: 'NODATA: TXT on a service', query: q(`web.${Z}`, TYPES.TXT), rcode: RCODE_NOERROR, answers: [], authorities: [SOA_TEXT] },
        {
          n: '028', title: 'SOA owner in the authority section is compressed (points into the question)',
          query: q(`nope.${Z}`), rcode: RCODE_NXDOMAIN,
          check: ({ msg }) => {
            expect(msg.authorities[0].ownerPointer).toBeGreaterThanOrEqual(12);
            expect(msg.authorities[0].rdataCompressed).toBe(true);
          },
        },
        { n: '029', title: 'zone match is on label boundaries: xcluster.local is out of zone', query: q('web.xcluster.local'), rcode: RCODE_REFUSED, aa: false },
      ]);
    });

    describe('SOA and apex', () => {
      runCases(get, [
        { n: '030', title: 'SOA at the apex', query: q('cluster.local', TYPES.SOA), rcode: RCODE_NOERROR, aa: true, answers: [SOA_TEXT], authorities: [], check: ({ msg }) => expect(msg.answers[0].ownerPointer).toBe(12) },
        {
          n: '031', title: 'SOA at the apex echoes the question case (RDATA names compared case-insensitively)',
          query: q('Cluster.LOCAL', TYPES.SOA), rcode: RCODE_NOERROR,
          check: ({ msg }) => {
            expect(msg.answers[0].name).toBe('Cluster.LOCAL');
            expect(msg.answers.map(show).map((t) => t.toLowerCase())).toEqual([SOA_TEXT.toLowerCase()]);
          },
        },
        { n: '032', title: 'SOA below the apex on an existing name: NODATA', query: q(`web.${Z}`, TYPES.SOA), rcode: RCODE_NOERROR, answers: [], authorities: [SOA_TEXT] },
        { n: '033', title: 'SOA below the apex on a missing name: NODATA, not NXDOMAIN', query: q(`nope.${Z}`, TYPES.SOA), rcode: RCODE_NOERROR, answers: [], authorities: [SOA_TEXT] },
        { n: '034', title: 'A at the apex: NODATA', query: q('cluster.local', TYPES.A), rcode: RCODE_NOERROR, answers: [], authorities: [SOA_TEXT] },
        {
          n: '035', title: 'NS at the apex with glue; NS RDATA compressed',
          query: q('cluster.local', TYPES.NS), rcode: RCODE_NOERROR, aa: true,
          answers: [`cluster.local ${TTL} NS ns.dns.cluster.local`], additionals: [`ns.dns.cluster.local ${TTL} A 10.96.0.10`],
          check: ({ msg }) => {
            expect(msg.answers[0].rdataCompressed).toBe(true);
            expect(msg.additionals[0].ownerPointer).toBeGreaterThanOrEqual(12);
          },
        },
        { n: '036', title: 'SOA of the reverse zone', query: q('in-addr.arpa', TYPES.SOA), rcode: RCODE_NOERROR, answers: [REVERSE_SOA_TEXT] },
      ]);
    });

    describe('CNAME', () => {
      const cnameFirst = ({ msg }: Reply): void => {
        expect(msg.answers[0].type).toBe(TYPES.CNAME);
        expect(msg.answers[0].ownerPointer).toBe(12);
        for (const r of msg.answers) expect(r.ownerPointer, `${show(r)} owner is a pointer`).toBeGreaterThanOrEqual(12);
      };
      runCases(get, [
        {
          n: '040', title: 'in-zone CNAME chased: CNAME then the target RRset',
          query: q(`alias.${Z}`), rcode: RCODE_NOERROR, aa: true,
          answers: [`alias.${Z} ${TTL} CNAME web.${Z}`, `web.${Z} ${TTL} A 10.96.0.20`],
          check: (reply) => {
            cnameFirst(reply);
            const [cname, a] = reply.msg.answers;
            expect(cname.rdataCompressed).toBe(true);
            // The target's owner points at the name inside the CNAME's RDATA.
            expect(a.ownerPointer).toBeGreaterThan(cname.offset);
          },
        },
        { n: '041', title: 'CNAME chased for AAAA', query: q(`alias.${Z}`, TYPES.AAAA), rcode: RCODE_NOERROR, answers: [`alias.${Z} ${TTL} CNAME web.${Z}`, `web.${Z} ${TTL} AAAA fd00:0:0:0:0:0:0:20`], check: cnameFirst },
        { n: '042', title: 'CNAME query: the CNAME alone', query: q(`alias.${Z}`, TYPES.CNAME), rcode: RCODE_NOERROR, answers: [`alias.${Z} ${TTL} CNAME web.${Z}`], authorities: [] },
        { n: '043', title: 'ExternalName: out-of-zone target not chased', query: q(`ext.${Z}`), rcode: RCODE_NOERROR, aa: true, answers: [`ext.${Z} ${TTL} CNAME example.com`] },
        { n: '044', title: 'AAAA through an in-zone CNAME without AAAA: NODATA without the CNAME', query: q(`alias4.${Z}`, TYPES.AAAA), rcode: RCODE_NOERROR, answers: [], authorities: [SOA_TEXT] },
        { n: '045', title: 'A through the same CNAME: CNAME + every A', query: q(`alias4.${Z}`), rcode: RCODE_NOERROR, answers: [`alias4.${Z} ${TTL} CNAME db.${Z}`, ...['10.244.1.5', '10.244.2.6', '10.244.3.7'].map((ip) => `db.${Z} ${TTL} A ${ip}`)], check: cnameFirst },
        { n: '046', title: 'AAAA through a CNAME to a missing in-zone name: NODATA without the CNAME', query: q(`dangling.${Z}`, TYPES.AAAA), rcode: RCODE_NOERROR, answers: [], authorities: [SOA_TEXT] },
        {
          n: '047', title: 'chain of 8 links reaches the data',
          query: q(`c1.${Z}`), rcode: RCODE_NOERROR,
          answers: [...Array.from({ length: 8 }, (_, i) => `c${i + 1}.${Z} ${TTL} CNAME c${i + 2}.${Z}`), `c9.${Z} ${TTL} A 10.0.0.9`],
          check: cnameFirst,
        },
        {
          n: '048', title: 'a chain of 9 links stops after 8',
          query: q(`c0.${Z}`), rcode: RCODE_NOERROR,
          check: ({ msg }) => {
            expect(msg.answers.map(show)).toEqual(Array.from({ length: 8 }, (_, i) => `c${i}.${Z} ${TTL} CNAME c${i + 1}.${Z}`));
          },
        },
        {
          n: '049', title: 'CNAME loop terminates, each link once',
          query: q(`loop-a.${Z}`), rcode: RCODE_NOERROR,
          check: ({ msg }) => {
            expect(msg.answers.length).toBeGreaterThan(0);
            expect(msg.answers.length).toBeLessThanOrEqual(8);
            expect(msg.answers.every((r) => r.type === TYPES.CNAME)).toBe(true);
            expect(new Set(msg.answers.map((r) => r.name.toLowerCase())).size).toBe(msg.answers.length);
          },
        },
        { n: '050', title: 'CNAME owner echoes the question case', query: q(`ALIAS.${Z}`), rcode: RCODE_NOERROR, check: ({ msg }) => expect(msg.answers[0].name).toBe(`ALIAS.${Z}`) },
      ]);
    });

    describe('pods insecure', () => {
      runCases(get, [
        { n: '060', title: 'a-b-c-d.<ns>.pod.<zone> answered from the name', query: q('10-244-1-5.default.pod.cluster.local'), rcode: RCODE_NOERROR, aa: true, answers: [`10-244-1-5.default.pod.cluster.local ${TTL} A 10.244.1.5`], check: ({ msg }) => expect(msg.answers[0].ownerPointer).toBe(12) },
        { n: '061', title: 'zeros are fine', query: q('0-0-0-0.default.pod.cluster.local'), rcode: RCODE_NOERROR, answers: [`0-0-0-0.default.pod.cluster.local ${TTL} A 0.0.0.0`] },
        { n: '062', title: 'case of the namespace and zone ignored, echoed', query: q('255-255-255-255.DEFAULT.Pod.Cluster.Local'), rcode: RCODE_NOERROR, answers: [`255-255-255-255.DEFAULT.Pod.Cluster.Local ${TTL} A 255.255.255.255`] },
        { n: '063', title: 'AAAA on a pod name: NODATA', query: q('10-244-1-5.default.pod.cluster.local', TYPES.AAAA), rcode: RCODE_NOERROR, answers: [], authorities: [SOA_TEXT] },
        ...[
          ['064', '010-244-1-5', 'leading zero'],
          ['065', '256-1-1-1', 'octet over 255'],
          ['066', '1-2-3', 'three octets'],
          ['067', '1-2-3-4-5', 'five octets'],
          ['068', '1-2-3-a', 'not a digit'],
          ['069', '1--2-3', 'empty octet'],
          ['070', '-1-2-3-4', 'leading dash'],
          ['071', '1-2-3-4-', 'trailing dash'],
          ['072', '1000-1-1-1', 'four digits'],
        ].map(([n, label, why]) => ({ n, title: `${why}: NXDOMAIN`, query: q(`${label}.default.pod.cluster.local`), rcode: RCODE_NXDOMAIN, answers: [], authorities: [SOA_TEXT] })),
        { n: '073', title: 'namespace not declared: NXDOMAIN', query: q('10-0-0-1.nope.pod.cluster.local'), rcode: RCODE_NXDOMAIN },
        { n: '074', title: 'below a pod name: NXDOMAIN', query: q('x.10-0-0-1.default.pod.cluster.local'), rcode: RCODE_NXDOMAIN },
        { n: '075', title: 'pod form under svc is not synthesized', query: q(`10-0-0-1.${Z}`), rcode: RCODE_NXDOMAIN },
        { n: '076', title: '<ns>.pod.<zone> itself: NODATA', query: q('default.pod.cluster.local'), rcode: RCODE_NOERROR, answers: [] },
      ]);
    });

    describe('glue', () => {
      runCases(get, [
        {
          n: '080', title: 'SRV with the target A in the additional section',
          query: q(`_http._tcp.web.${Z}`, TYPES.SRV), rcode: RCODE_NOERROR, aa: true,
          answers: [`_http._tcp.web.${Z} ${TTL} SRV 0 100 80 web.${Z}`],
          additionals: [`web.${Z} ${TTL} A 10.96.0.20`, `web.${Z} ${TTL} AAAA fd00:0:0:0:0:0:0:20`],
        },
        {
          n: '081', title: 'headless SRV: one glue RRset per target, A then AAAA, in record order',
          query: q(`_pg._tcp.db.${Z}`, TYPES.SRV), rcode: RCODE_NOERROR,
          answers: [0, 1, 2].map((i) => `_pg._tcp.db.${Z} ${TTL} SRV 0 33 5432 db-${i}.db.${Z}`),
          additionals: [`db-0.db.${Z} ${TTL} A 10.244.1.5`, `db-1.db.${Z} ${TTL} A 10.244.2.6`, `db-1.db.${Z} ${TTL} AAAA fd00:0:0:0:0:0:2:6`, `db-2.db.${Z} ${TTL} A 10.244.3.7`],
        },
        { n: '082', title: 'two SRVs with one target: glue once', query: q(`_multi._tcp.db.${Z}`, TYPES.SRV), rcode: RCODE_NOERROR, additionals: [`db-0.db.${Z} ${TTL} A 10.244.1.5`] },
        { n: '083', title: 'SRV target missing from the table: no glue', query: q(`_gone._tcp.db.${Z}`, TYPES.SRV), rcode: RCODE_NOERROR, answers: [`_gone._tcp.db.${Z} ${TTL} SRV 0 100 5432 gone.db.${Z}`], additionals: [] },
        {
          n: '084', title: 'SRV target keeps the question\'s zone case, uncompressed (CoreDNS handler_case_test)',
          query: q(`_http._tcp.web.default.svc.ClUsTeR.LoCaL`, TYPES.SRV), rcode: RCODE_NOERROR,
          answers: [`_http._tcp.web.default.svc.ClUsTeR.LoCaL ${TTL} SRV 0 100 80 web.default.svc.ClUsTeR.LoCaL`],
          check: ({ msg }) => expect(msg.answers[0].rdataCompressed).toBe(false),
        },
        {
          n: '085', title: 'SRV target: only the zone part takes the question case',
          query: q(`_HTTP._TCP.WEB.DEFAULT.SVC.cluster.local`, TYPES.SRV), rcode: RCODE_NOERROR,
          answers: [`_HTTP._TCP.WEB.DEFAULT.SVC.cluster.local ${TTL} SRV 0 100 80 web.default.svc.cluster.local`],
        },
        {
          n: '086', title: 'MX with glue; MX exchange compressed',
          query: q(`mail.${Z}`, TYPES.MX), rcode: RCODE_NOERROR,
          answers: [`mail.${Z} ${TTL} MX 10 web.${Z}`], additionals: [`web.${Z} ${TTL} A 10.96.0.20`, `web.${Z} ${TTL} AAAA fd00:0:0:0:0:0:0:20`],
          check: ({ msg }) => expect(msg.answers[0].rdataCompressed).toBe(true),
        },
        {
          n: '087', title: 'glue owners are compressed',
          query: q(`_pg._tcp.db.${Z}`, TYPES.SRV), rcode: RCODE_NOERROR,
          check: ({ msg }) => {
            for (const r of noOpt(msg.additionals)) expect(r.ownerPointer, show(r)).toBeGreaterThanOrEqual(12);
          },
        },
        { n: '088', title: 'A query on an SRV owner: NODATA, no glue', query: q(`_pg._tcp.db.${Z}`), rcode: RCODE_NOERROR, answers: [], additionals: [] },
      ]);
    });

    describe('REFUSED, FORWARD, NOTIMP', () => {
      runCases(get, [
        { n: '090', title: 'out of every zone: REFUSED, AA clear', query: q('example.com'), rcode: RCODE_REFUSED, aa: false, answers: [], authorities: [] },
        { n: '091', title: 'AXFR in zone: REFUSED', query: q('cluster.local', TYPES.AXFR, {}), transport: DNS_TCP, rcode: RCODE_REFUSED, answers: [] },
        { n: '092', title: 'IXFR in zone: REFUSED', query: q('cluster.local', TYPES.IXFR), rcode: RCODE_REFUSED, answers: [] },
        { n: '093', title: 'root name: REFUSED', query: q('.', TYPES.NS), rcode: RCODE_REFUSED },
        ...([['094', 1], ['095', 2], ['096', 3], ['097', 4], ['098', 5], ['099', 15]] as const).map(([n, opcode]) => ({
          n, title: `opcode ${opcode}: NOTIMP`, query: q(`web.${Z}`, TYPES.A, { opcode }), rcode: RCODE_NOTIMP, aa: false,
          check: ({ msg }: Reply) => expect(msg.answers).toEqual([]),
        })),
      ]);
      test('100 forwardOutOfZone: out-of-zone queries return DNS_FORWARD, in-zone still answered', async () => {
        const p = await create();
        loadFixture(p, DNS_PODS_INSECURE, true);
        const o = new Uint8Array(65535);
        expect(p.answer(q('example.com'), DNS_UDP, o)).toBe(DNS_FORWARD);
        expect(p.answer(q('web.xcluster.local'), DNS_TCP, o)).toBe(DNS_FORWARD);
        expect(walk(o.slice(0, p.answer(q(`web.${Z}`), DNS_UDP, o))).answers.length).toBe(1);
        expect(walk(o.slice(0, p.answer(q('cluster.local', TYPES.AXFR), DNS_TCP, o))).rcode).toBe(RCODE_REFUSED);
        // Malformed out-of-zone queries are still FORMERR, not forwarded.
        const bad = q('example.com');
        expect(walk(o.slice(0, p.answer(bad.slice(0, bad.length - 2), DNS_UDP, o))).rcode).toBe(RCODE_FORMERR);
      });
    });

    describe('FORMERR and DROP', () => {
      const header = (qd: number, an = 0, ns = 0, ar = 0, flags = 0x0100): number[] => [...u16(0x7777), ...u16(flags), ...u16(qd), ...u16(an), ...u16(ns), ...u16(ar)];
      const good = q(`web.${Z}`);
      const question = good.slice(12);
      const record = concat(wireName(`web.${Z}`), u16(1), u16(1), [0, 0, 0, 30], u16(4), [1, 2, 3, 4]);
      const opt = (rdlength: number, rdata: number[] = [], owner: number[] = [0]): Uint8Array => concat(owner, u16(41), u16(1232), [0, 0, 0, 0], u16(rdlength), rdata);
      const formerr: [string, string, Uint8Array][] = [
        ['110', 'QDCOUNT 0', Uint8Array.from(header(0))],
        ['111', 'QDCOUNT 2', concat(header(2), question, question)],
        ['112', 'header only, QDCOUNT 1', Uint8Array.from(header(1))],
        ['113', 'question cut inside the name', good.slice(0, 20)],
        ['114', 'question cut inside QTYPE', good.slice(0, good.length - 3)],
        ['115', 'question without QCLASS', good.slice(0, good.length - 2)],
        ['116', 'label of 64 bytes', concat(header(1), [64], new Uint8Array(64).fill(0x61), [0], u16(1), u16(1))],
        ['117', 'name of 256 bytes', concat(header(1), ...Array.from({ length: 4 }, () => concat([62], new Uint8Array(62).fill(0x62))), [2, 0x63, 0x63, 0], u16(1), u16(1))],
        ['118', 'pointer forwards', concat(header(1), [0xc0, 18], u16(1), u16(1), [0])],
        ['119', 'pointer to itself', concat(header(1), [0xc0, 12], u16(1), u16(1))],
        ['120', 'pointer loop through a label', concat(header(1), [1, 0x61, 0xc0, 12], u16(1), u16(1))],
        ['121', 'label type 0x40', concat(header(1), [0x41, 0x61, 0], u16(1), u16(1))],
        ['122', 'label type 0x80', concat(header(1), [0x81, 0x61, 0], u16(1), u16(1))],
        ['123', 'ANCOUNT 1 with no answer', concat(header(1, 1), question)],
        ['124', 'NSCOUNT 2 with one record', concat(header(1, 0, 2), question, record)],
        ['125', 'ARCOUNT 1 with no record', concat(header(1, 0, 0, 1), question)],
        ['126', 'record RDLENGTH past the end', concat(header(1, 1), question, record.slice(0, record.length - 1))],
        ['127', 'OPT RDLENGTH past the end', concat(header(1, 0, 0, 1), question, opt(4))],
        ['128', 'OPT option longer than the RDATA', concat(header(1, 0, 0, 1), question, opt(6, [0, 10, 0, 8, 1, 2]))],
        ['129', 'OPT option header cut', concat(header(1, 0, 0, 1), question, opt(2, [0, 10]))],
        ['130', 'two OPT records', concat(header(1, 0, 0, 2), question, opt(0), opt(0))],
        ['131', 'OPT owner not the root', concat(header(1, 0, 0, 1), question, opt(0, [], [1, 0x61, 0]))],
        ['132', 'OPT in the answer section', concat(header(1, 1), question, opt(0))],
        ['133', 'record owner pointer forwards', concat(header(1, 0, 0, 1), question, [0xc0, 0xff], u16(1), u16(1), [0, 0, 0, 0], u16(0))],
        ['134', 'record cut inside its fixed fields', concat(header(1, 0, 0, 1), question, [0], u16(1))],
      ];
      test.each(formerr)('%s FORMERR: %s', (_n, _title, query) => {
        const { msg } = ask(plane, query);
        expect(msg.rcode).toBe(RCODE_FORMERR);
        expect(msg.aa).toBe(false);
        expect(msg.answers).toEqual([]);
      });
      const drops: [string, string, Uint8Array][] = [
        ['140', 'empty message', new Uint8Array(0)],
        ['141', 'one byte', Uint8Array.of(1)],
        ['142', '11 bytes', Uint8Array.from(header(1).slice(0, 11))],
        ['143', 'QR set (a response)', q(`web.${Z}`, TYPES.A, { flags: 0x8000 })],
        ['144', 'QR set on garbage', concat(header(5, 5, 5, 5, 0x8000), [0xc0, 0xc0])],
      ];
      test.each(drops)('%s DROP: %s', (_n, _title, query) => {
        expect(plane.answer(query, DNS_UDP, out)).toBe(DNS_DROP);
      });
    });

    describe('EDNS0', () => {
      runCases(get, [
        {
          n: '150', title: 'OPT echoed: root owner, our UDP size, version 0, no options, last',
          query: q(`web.${Z}`, TYPES.A, { edns: { udp: 4096 } }), rcode: RCODE_NOERROR,
          check: (r) => {
            const opt = optOf(r)!;
            expect(opt).toBeDefined();
            expect(r.msg.additionals.at(-1)).toBe(opt);
            expect(opt.name).toBe('');
            expect(opt.klass).toBe(DNS_EDNS_UDP_SIZE);
            expect((opt.ttl >>> 16) & 0xff).toBe(0);
            expect(opt.ttl >>> 24).toBe(0);
            expect(opt.rdata.length).toBe(0);
            const decoded = r.packet.additionals?.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer | undefined;
            expect(decoded?.udpPayloadSize).toBe(DNS_EDNS_UDP_SIZE);
          },
        },
        { n: '151', title: 'options in the query are not echoed', query: q(`web.${Z}`, TYPES.A, { edns: { options: Uint8Array.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]) } }), rcode: RCODE_NOERROR, check: (r) => expect(optOf(r)!.rdata.length).toBe(0) },
        { n: '152', title: 'OPT on NXDOMAIN', query: q(`nope.${Z}`, TYPES.A, { edns: {} }), rcode: RCODE_NXDOMAIN, check: (r) => expect(optOf(r)).toBeDefined() },
        { n: '153', title: 'OPT on REFUSED', query: q('example.com', TYPES.A, { edns: {} }), rcode: RCODE_REFUSED, check: (r) => expect(optOf(r)).toBeDefined() },
        { n: '154', title: 'no OPT without one in the query', query: q(`web.${Z}`), rcode: RCODE_NOERROR, check: (r) => expect(optOf(r)).toBeUndefined() },
        { n: '155', title: 'OPT with glue comes after the glue', query: q(`_http._tcp.web.${Z}`, TYPES.SRV, { edns: {} }), rcode: RCODE_NOERROR, check: (r) => expect(r.msg.additionals.map((a) => a.type)).toEqual([TYPES.A, TYPES.AAAA, TYPES.OPT]) },
      ]);
    });

    describe('truncation', () => {
      const bigA = q(`big.${Z}`); // 100 A records: 1600 bytes of answers
      runCases(get, [
        {
          n: '160', title: 'UDP without EDNS: 512 bytes; an RRset that does not fit is left out whole, TC',
          query: bigA, rcode: RCODE_NOERROR, aa: true, answers: [],
          check: ({ msg, bytes }, query) => {
            expect(msg.tc).toBe(true);
            expect(bytes.length).toBeLessThanOrEqual(512);
            expect(Buffer.from(msg.questionBytes)).toEqual(Buffer.from(questionOf(query)));
          },
        },
        { n: '161', title: 'TCP: 65535, no TC', query: bigA, transport: DNS_TCP, rcode: RCODE_NOERROR, check: ({ msg }) => { expect(msg.tc).toBe(false); expect(msg.answers.length).toBe(100); } },
        { n: '162', title: 'EDNS 4096 over UDP: fits', query: q(`big.${Z}`, TYPES.A, { edns: { udp: 4096 } }), rcode: RCODE_NOERROR, check: ({ msg, bytes }) => { expect(msg.tc).toBe(false); expect(msg.answers.length).toBe(100); expect(bytes.length).toBeLessThanOrEqual(4096); } },
        {
          n: '163', title: 'EDNS 1232: cut, TC, still the question and the OPT',
          query: q(`big.${Z}`, TYPES.A, { edns: { udp: 1232 } }), rcode: RCODE_NOERROR,
          check: (r) => {
            expect(r.msg.tc).toBe(true);
            expect(r.msg.answers.length).toBe(0);
            expect(r.bytes.length).toBeLessThanOrEqual(1232);
            expect(optOf(r)).toBeDefined();
          },
        },
        { n: '164', title: 'advertised size below 512 counts as 512', query: q(`_pg._tcp.db.${Z}`, TYPES.SRV, { edns: { udp: 100 } }), rcode: RCODE_NOERROR, check: ({ msg, bytes }) => { expect(msg.tc).toBe(false); expect(bytes.length).toBeGreaterThan(100); } },
        {
          n: '165', title: 'answer fits, glue does not: whole glue RRsets only, TC',
          query: q(`_big._tcp.big.${Z}`, TYPES.SRV, { edns: { udp: 2400 } }), rcode: RCODE_NOERROR,
          check: (r) => {
            expect(r.msg.answers.length).toBe(40);
            const glue = noOpt(r.msg.additionals);
            expect(glue.length).toBeGreaterThan(0);
            expect(glue.length).toBeLessThan(40);
            expect(glue.map(show)).toEqual(Array.from({ length: glue.length }, (_, i) => `h${i}.big.${Z} ${TTL} A 10.2.0.${i + 1}`));
            expect(r.msg.tc).toBe(true);
            expect(r.bytes.length).toBeLessThanOrEqual(2400);
            expect(optOf(r)).toBeDefined();
          },
        },
        { n: '166', title: 'the same over TCP: everything', query: q(`_big._tcp.big.${Z}`, TYPES.SRV), transport: DNS_TCP, rcode: RCODE_NOERROR, check: ({ msg }) => { expect(msg.tc).toBe(false); expect(msg.answers.length).toBe(40); expect(msg.additionals.length).toBe(40); } },
        { n: '167', title: 'SRV set over 512 over plain UDP: no answer, TC', query: q(`_big._tcp.big.${Z}`, TYPES.SRV), rcode: RCODE_NOERROR, check: ({ msg, bytes }) => { expect(msg.tc).toBe(true); expect(msg.answers.length).toBe(0); expect(bytes.length).toBeLessThanOrEqual(512); } },
        {
          n: '168', title: 'a 255-byte NXDOMAIN name with the SOA fits 512',
          query: q(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(35)}.${Z}`), rcode: RCODE_NXDOMAIN,
          check: ({ msg }) => { expect(msg.tc).toBe(false); expect(msg.authorities.map(show)).toEqual([SOA_TEXT]); },
        },
      ]);
    });

    describe('control calls', () => {
      test('170 configure rejects no zones, bad zone names, unknown pods modes', async () => {
        const p = await create();
        expect(p.configure({ zones: [], podsMode: 0, forwardOutOfZone: false })).toBe(ST_BAD_ARGUMENT);
        expect(p.configure({ zones: ['a..b'], podsMode: 0, forwardOutOfZone: false })).toBe(ST_BAD_ARGUMENT);
        expect(p.configure({ zones: ['x'.repeat(64) + '.local'], podsMode: 0, forwardOutOfZone: false })).toBe(ST_BAD_ARGUMENT);
        expect(p.configure({ zones: ['cluster.local'], podsMode: 7, forwardOutOfZone: false })).toBe(ST_BAD_ARGUMENT);
        expect(p.configure({ zones: ['cluster.local'], podsMode: 0, forwardOutOfZone: false })).toBe(ST_OK);
      });

      test('171 setRRset rejects bad names, names outside every zone, RDATA over 65535 bytes', async () => {
        const p = await create();
        expect(p.configure({ zones: ['cluster.local'], podsMode: 0, forwardOutOfZone: false })).toBe(ST_OK);
        const a = [rdA('10.0.0.1')];
        expect(p.setRRset('a..cluster.local', 1, 5, a)).toBe(ST_BAD_ARGUMENT);
        expect(p.setRRset(`${'x'.repeat(64)}.cluster.local`, 1, 5, a)).toBe(ST_BAD_ARGUMENT);
        expect(p.setRRset(`${'x.'.repeat(125)}cluster.local`, 1, 5, a)).toBe(ST_BAD_ARGUMENT);
        expect(p.setRRset('bad name.cluster.local', 1, 5, a)).toBe(ST_BAD_ARGUMENT);
        expect(p.setRRset('example.com', 1, 5, a)).toBe(ST_BAD_ARGUMENT);
        expect(p.setRRset('xcluster.local', 1, 5, a)).toBe(ST_BAD_ARGUMENT);
        expect(p.setRRset('big.cluster.local', 16, 5, [new Uint8Array(65536)])).toBe(ST_BAD_ARGUMENT);
        expect(p.setExists('example.com', true)).toBe(ST_BAD_ARGUMENT);
        expect(p.nameCount()).toBe(0);
        expect(p.setRRset('ok.cluster.local', 16, 5, [new Uint8Array(65535)])).toBe(ST_OK);
        expect(p.nameCount()).toBe(1);
      });

      test('172 owner in any case, with or without the trailing dot, stored lower-case', async () => {
        const p = await create();
        expect(p.configure({ zones: ['Cluster.Local.'], podsMode: 0, forwardOutOfZone: false })).toBe(ST_OK);
        expect(p.setRRset('Web2.Default.SVC.cluster.local.', 1, 7, [rdA('10.0.0.2')])).toBe(ST_OK);
        expect(p.setRRset('web2.default.svc.CLUSTER.LOCAL', 28, 7, [rdAAAA('fd00::2')])).toBe(ST_OK);
        expect(p.nameCount()).toBe(1);
        const { msg } = ask(p, q('web2.default.svc.cluster.local'));
        expect(msg.answers.map(show)).toEqual(['web2.default.svc.cluster.local 7 A 10.0.0.2']);
      });

      test('173 replace and remove RRsets; names vanish with their last RRset', async () => {
        const p = await create();
        loadFixture(p);
        const before = p.nameCount();
        expect(p.setRRset(`new.${Z}`, 1, 5, [rdA('10.9.9.9')])).toBe(ST_OK);
        expect(p.nameCount()).toBe(before + 1);
        expect(p.setRRset(`new.${Z}`, 1, 6, [rdA('10.9.9.8'), rdA('10.9.9.7')])).toBe(ST_OK);
        expect(ask(p, q(`new.${Z}`)).msg.answers.map(show)).toEqual([`new.${Z} 6 A 10.9.9.8`, `new.${Z} 6 A 10.9.9.7`]);
        expect(p.setRRset(`new.${Z}`, 28, 5, [rdAAAA('fd00::9')])).toBe(ST_OK);
        expect(p.setRRset(`new.${Z}`, 1, 5, [])).toBe(ST_OK);
        expect(ask(p, q(`new.${Z}`)).msg.rcode).toBe(RCODE_NOERROR);
        expect(p.setRRset(`new.${Z}`, 28, 5, [])).toBe(ST_OK);
        expect(ask(p, q(`new.${Z}`)).msg.rcode).toBe(RCODE_NXDOMAIN);
        expect(p.nameCount()).toBe(before);
        expect(p.setRRset(`never.${Z}`, 1, 5, [])).toBe(ST_OK);
        expect(p.nameCount()).toBe(before);
      });

      test('174 setExists declares and undeclares; RRsets keep a name alive', async () => {
        const p = await create();
        loadFixture(p);
        const before = p.nameCount();
        expect(ask(p, q(`ns2.svc.cluster.local`)).msg.rcode).toBe(RCODE_NXDOMAIN);
        expect(p.setExists('ns2.svc.cluster.local', true)).toBe(ST_OK);
        expect(p.setExists('ns2.svc.cluster.local', true)).toBe(ST_OK);
        expect(p.nameCount()).toBe(before + 1);
        const nodata = ask(p, q('ns2.svc.cluster.local'));
        expect([nodata.msg.rcode, nodata.msg.answers.length, nodata.msg.authorities.map(show)]).toEqual([RCODE_NOERROR, 0, [SOA_TEXT]]);
        expect(p.setExists('ns2.svc.cluster.local', false)).toBe(ST_OK);
        expect(ask(p, q('ns2.svc.cluster.local')).msg.rcode).toBe(RCODE_NXDOMAIN);
        expect(p.setExists(`web.${Z}`, false)).toBe(ST_OK);
        expect(ask(p, q(`web.${Z}`)).msg.answers.length).toBe(1);
        expect(p.setExists(`never.${Z}`, false)).toBe(ST_OK);
        expect(p.nameCount()).toBe(before);
      });

      test('175 a query belongs to the longest zone it ends with', async () => {
        const p = await create();
        expect(p.configure({ zones: ['cluster.local', 'sub.cluster.local'], podsMode: 0, forwardOutOfZone: false })).toBe(ST_OK);
        expect(p.setRRset('cluster.local', TYPES.SOA, 5, [rdSoa('a.cluster.local', 'b.cluster.local', 1, 2, 3, 4, 5)])).toBe(ST_OK);
        expect(p.setRRset('sub.cluster.local', TYPES.SOA, 6, [rdSoa('a.sub.cluster.local', 'b.sub.cluster.local', 9, 2, 3, 4, 6)])).toBe(ST_OK);
        expect(ask(p, q('x.sub.cluster.local')).msg.authorities.map(show)).toEqual(['sub.cluster.local 6 SOA a.sub.cluster.local b.sub.cluster.local 9 2 3 4 6']);
        expect(ask(p, q('x.cluster.local')).msg.authorities.map(show)).toEqual(['cluster.local 5 SOA a.cluster.local b.cluster.local 1 2 3 4 5']);
      });

      test('176 pods disabled: pod names are NXDOMAIN', async () => {
        const p = await create();
        loadFixture(p, DNS_PODS_DISABLED);
        expect(ask(p, q('10-244-1-5.default.pod.cluster.local')).msg.rcode).toBe(RCODE_NXDOMAIN);
      });

      test('177 re-configuring keeps the names', async () => {
        const p = await create();
        loadFixture(p);
        const before = p.nameCount();
        expect(p.configure({ zones: ZONES, podsMode: DNS_PODS_DISABLED, forwardOutOfZone: false })).toBe(ST_OK);
        expect(p.nameCount()).toBe(before);
        expect(ask(p, q(`web.${Z}`)).msg.answers.length).toBe(1);
      });

      test('178 many names: inserts, lookups and removals stay consistent', async () => {
        const p = await create();
        expect(p.configure({ zones: ['cluster.local'], podsMode: 0, forwardOutOfZone: false })).toBe(ST_OK);
        const N = 3000;
        for (let i = 0; i < N; i++) expect(p.setRRset(`s${i}.ns${i % 7}.svc.cluster.local`, 1, 5, [rdA(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)])).toBe(ST_OK);
        expect(p.nameCount()).toBe(N);
        for (let i = 0; i < N; i += 2) expect(p.setRRset(`s${i}.ns${i % 7}.svc.cluster.local`, 1, 5, [])).toBe(ST_OK);
        expect(p.nameCount()).toBe(N / 2);
        for (let i = 0; i < N; i++) {
          const { msg } = ask(p, q(`S${i}.ns${i % 7}.svc.cluster.local`));
          expect(msg.rcode, `s${i}`).toBe(i % 2 === 0 ? RCODE_NXDOMAIN : RCODE_NOERROR);
          if (i % 2) expect(show(msg.answers[0])).toBe(`S${i}.ns${i % 7}.svc.cluster.local 5 A 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
        }
      });

      test('179 memoryBytes is positive and answers do not change it', async () => {
        const p = await create();
        loadFixture(p);
        const bytes = p.memoryBytes();
        expect(bytes).toBeGreaterThan(0);
        for (let i = 0; i < 100; i++) ask(p, q(`_pg._tcp.db.${Z}`, TYPES.SRV));
        expect(p.memoryBytes()).toBe(bytes);
      });
    });

    describe('where the contract is silent (this project\'s choices)', () => {
      runCases(get, [
        { n: '180', title: 'CNAME to a missing in-zone name (A): CNAME + NXDOMAIN + SOA (RFC 2308 §2.1, RFC 6604)', query: q(`dangling.${Z}`), rcode: RCODE_NXDOMAIN, answers: [`dangling.${Z} ${TTL} CNAME missing.${Z}`], authorities: [SOA_TEXT] },
        { n: '181', title: 'CNAME to a name without the type (not AAAA): CNAME + NODATA + SOA (RFC 2308 §2.2)', query: q(`alias.${Z}`, TYPES.SRV), rcode: RCODE_NOERROR, answers: [`alias.${Z} ${TTL} CNAME web.${Z}`], authorities: [SOA_TEXT] },
        { n: '182', title: 'out-of-zone CNAME target: no authority', query: q(`ext.${Z}`), rcode: RCODE_NOERROR, authorities: [] },
        { n: '183', title: 'CNAME chain cut at 8 links: NOERROR + SOA', query: q(`c0.${Z}`), rcode: RCODE_NOERROR, authorities: [SOA_TEXT] },
        { n: '184', title: 'ANY is a type like the others: NODATA on a name with A', query: q(`web.${Z}`, TYPES.ANY), rcode: RCODE_NOERROR, answers: [], authorities: [SOA_TEXT] },
        { n: '185', title: 'class CH: treated as outside every zone', query: q(`web.${Z}`, TYPES.TXT, { qclass: 3 }), rcode: RCODE_REFUSED, aa: false },
        {
          n: '186', title: 'FORMERR and NOTIMP are a bare header (the question may be what failed)',
          query: q(`web.${Z}`, TYPES.A, { opcode: 2 }), rcode: RCODE_NOTIMP,
          check: ({ bytes }) => expect(bytes.length).toBe(12),
        },
        {
          n: '187', title: 'DO bit copied into the OPT (RFC 3225 §3)',
          query: q(`web.${Z}`, TYPES.A, { edns: { do: true } }), rcode: RCODE_NOERROR,
          check: ({ msg }) => expect(msg.additionals.find((a) => a.type === TYPES.OPT)!.ttl & 0x8000).toBe(0x8000),
        },
        {
          n: '188', title: 'EDNS version 1: BADVERS (RFC 6891 §6.1.3), question and OPT, AA clear',
          query: q(`web.${Z}`, TYPES.A, { edns: { version: 1 } }), rcode: 0, aa: false,
          check: ({ msg }) => {
            const opt = msg.additionals.find((a) => a.type === TYPES.OPT)!;
            expect(opt.ttl >>> 24).toBe(1); // extended RCODE 16 = BADVERS
            expect(msg.answers).toEqual([]);
          },
        },
        { n: '189', title: 'pod TTL = the cluster zone SOA MINIMUM', query: q('10-1-1-1.default.pod.cluster.local'), rcode: RCODE_NOERROR, answers: [`10-1-1-1.default.pod.cluster.local ${TTL} A 10.1.1.1`] },
        {
          n: '190', title: 'CNAME to a pod name is chased into the synthesized A',
          query: q(`podalias.${Z}`), rcode: RCODE_NOERROR,
          answers: [`podalias.${Z} ${TTL} CNAME 10-2-3-4.default.pod.cluster.local`, `10-2-3-4.default.pod.cluster.local ${TTL} A 10.2.3.4`],
        },
      ]);
      beforeAll(() => {
        expect(plane.setRRset(`podalias.${Z}`, TYPES.CNAME, TTL, [rdName('10-2-3-4.default.pod.cluster.local')])).toBe(ST_OK);
      });
    });
  });
}
