// In-process DNS answering: the wasm core against the pure-TypeScript reference plane
// (test/dns/reference.ts), both filled by ClusterDns from the same 10k-Service cluster
// (bench/dns-workload.ts), on the same 4096 queries of the A/SRV/NXDOMAIN mix.
//
// Cases (one benny op = 4096 answered queries):
// - wasm, batch: `answerBatch` over the core's batch areas, queries already in place;
// - wasm and reference, one `answer()` per query: what the DNS server does per datagram
//   (the query copied in, the response copied out to the caller's buffer).
// Before anything is timed, every response of the two planes must be the same bytes.
//
// runDnsBench is wired into bench/run.ts; alone: node --expose-gc --import tsx bench/dns.ts [--quick]

import { add, configure, cycle, suite } from 'benny';
import { ClusterDns } from '../sdk/dns/clusterdns.js';
import { encodeQuery } from '../sdk/dns/wire.js';
import { createWasmDnsPlane, type WasmDnsPlane } from '../sdk/engine/dnscore.js';
import { DNS_UDP } from '../sdk/engine/dnsplane.js';
import type { DnsPlane } from '../sdk/engine/dnsplane.js';
import { nodeCoreSource } from '../sdk/node/load-node.js';
import { ReferenceDnsPlane } from '../test/dns/reference.js';
import { quietly } from './route.js';
import { dnsWorkloadCluster, makeDnsQueries, makeDnsWorkload } from './dns-workload.js';

export interface DnsBenchRow {
  suite: 'dns';
  case: string;
  engine: 'wasm' | 'reference';
  services: number;
  endpoints: number;
  itemsPerSecond: number;
}

export interface DnsBenchOptions {
  quick: boolean;
  log(line: string): void;
  /** Default 10000. */
  services?: number;
  /** Endpoints per Service; default 3. */
  endpoints?: number;
  /** Queries per op; default 4096. */
  batch?: number;
}

let sink = 0;
/** Folds response bytes the timed functions read, so no work is dead code. */
export function dnsSinkValue(): number {
  return sink;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export async function runDnsBench(options: DnsBenchOptions): Promise<DnsBenchRow[]> {
  const { log } = options;
  const services = options.services ?? 10_000;
  const endpoints = options.endpoints ?? 3;
  const batch = options.batch ?? 4096;
  const sizeLabel = services % 1000 === 0 ? `${services / 1000}k` : String(services);
  const mix = `${sizeLabel} services × ${endpoints} endpoints, A/SRV/NXDOMAIN 60/20/20, ${batch} queries`;

  log(`dns: ${mix}: building the cluster and both tables`);
  const started = performance.now();
  const started0 = Date.now();
  const workload = makeDnsWorkload(services, endpoints);
  const cluster = dnsWorkloadCluster(workload);
  const wasmPlane: WasmDnsPlane = await createWasmDnsPlane({ target: 'release', wasm: await nodeCoreSource('release') });
  const referencePlane = new ReferenceDnsPlane();
  const planes: { engine: 'wasm' | 'reference'; plane: DnsPlane }[] = [
    { engine: 'wasm', plane: wasmPlane },
    { engine: 'reference', plane: referencePlane },
  ];
  for (const p of planes) {
    const t = performance.now();
    // One clock for both, so the SOA serials in negative answers agree.
    new ClusterDns(p.plane, { now: () => started0 }).attach(cluster);
    log(`  ${p.engine}: ${p.plane.nameCount()} names, ${(p.plane.memoryBytes() / 1048576).toFixed(1)} MiB, filled in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }

  const queries = makeDnsQueries(workload, batch).map((q, i) => encodeQuery(q.name, { id: i & 0xffff, type: q.type }));
  const expected = makeDnsQueries(workload, batch);

  // The batch areas: query i at queryIndex[2i] (offset) / [2i+1] (length | transport << 16).
  const queryBytes = queries.reduce((n, q) => n + q.length, 0);
  const views = wasmPlane.reserveBatch(batch, queryBytes);
  let offset = 0;
  queries.forEach((q, i) => {
    views.queries.set(q, offset);
    views.queryIndex[2 * i] = offset;
    views.queryIndex[2 * i + 1] = q.length | (DNS_UDP << 16);
    offset += q.length;
  });

  // Same responses from both planes, per query and through the batch; and the mix is what it claims.
  const out = new Uint8Array(65535);
  const answered = wasmPlane.answerBatch(batch);
  if (answered !== batch) throw new Error(`dns: answerBatch answered ${answered} of ${batch} queries`);
  const rcodes = { A: 0, SRV: 0, NXDOMAIN: 0 };
  for (let i = 0; i < batch; i++) {
    const n = referencePlane.answer(queries[i], DNS_UDP, out);
    const reference = out.slice(0, n);
    const m = wasmPlane.answer(queries[i], DNS_UDP, out);
    const wasm = out.slice(0, m);
    const at = views.responseIndex[2 * i];
    const fromBatch = views.responses.slice(at, at + views.responseIndex[2 * i + 1]);
    if (!sameBytes(reference, wasm) || !sameBytes(wasm, fromBatch)) {
      throw new Error(`dns: the planes answer ${expected[i].type} ${expected[i].name} differently (reference ${n} bytes, wasm ${m}, batch ${fromBatch.length})`);
    }
    const rcode = reference[3] & 0x0f;
    const answers = (reference[6] << 8) | reference[7];
    const got = rcode === 3 ? 'NXDOMAIN' : answers > 0 ? expected[i].type : 'NODATA';
    if (got !== expected[i].expect) throw new Error(`dns: ${expected[i].type} ${expected[i].name} gave ${got}, the workload expects ${expected[i].expect}`);
    rcodes[expected[i].expect]++;
  }
  log(`  both planes give the same ${batch} responses (${rcodes.A} A, ${rcodes.SRV} SRV, ${rcodes.NXDOMAIN} NXDOMAIN); set up in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const cases = [
    {
      label: `${mix}, batch (answerBatch)`,
      engine: 'wasm' as const,
      fn: () => () => {
        wasmPlane.answerBatch(batch);
        sink = (sink + views.responses[views.responseIndex[2 * (sink & (batch - 1))] + 3]) | 0;
      },
    },
    ...planes.map((p) => ({
      label: `${mix}, one answer() per query`,
      engine: p.engine,
      fn: () => {
        const buffer = new Uint8Array(65535);
        return () => {
          for (let i = 0; i < batch; i++) sink = (sink + p.plane.answer(queries[i], DNS_UDP, buffer)) | 0;
        };
      },
    })),
  ];

  const rows: DnsBenchRow[] = [];
  const caseOptions = options.quick ? { minSamples: 5, maxTime: 0.5, delay: 0 } : { minSamples: 20, maxTime: 3, delay: 0.005 };
  for (const label of [...new Set(cases.map((c) => c.label))]) {
    const group = cases.filter((c) => c.label === label);
    (globalThis as { gc?: () => void }).gc?.();
    log(`dns: ${label}`);
    await quietly(() =>
      suite(
        `dns: ${label}`,
        ...group.map((c) => add(c.engine, c.fn)),
        configure({ cases: caseOptions }),
        cycle((result) => {
          const row: DnsBenchRow = { suite: 'dns', case: label, engine: result.name as 'wasm' | 'reference', services, endpoints, itemsPerSecond: Math.round(result.ops * batch) };
          rows.push(row);
          log(`  ${result.name}: ${(row.itemsPerSecond / 1e6).toFixed(2)} M answers/s ±${result.margin}% (${result.samples} samples)`);
          return undefined;
        }),
      ),
    );
  }
  const rate = (suffix: string, engine: string): number | undefined => rows.find((r) => r.case.endsWith(suffix) && r.engine === engine)?.itemsPerSecond;
  const reference = rate('one answer() per query', 'reference');
  const perQuery = rate('one answer() per query', 'wasm');
  const batched = rate('batch (answerBatch)', 'wasm');
  if (reference) {
    log(`dns: wasm / reference: ${perQuery ? (perQuery / reference).toFixed(2) : '—'}× per query, ${batched ? (batched / reference).toFixed(2) : '—'}× batched`);
  }
  return rows;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runDnsBench({ quick: process.argv.includes('--quick'), log: (line) => process.stderr.write(`${line}\n`) })
    .then((rows) => process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`))
    .catch((error) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
