// Raw-frame processing: the frame engines (sdk/proxy/frame-engine.ts) on captured IPv4 TCP
// frames, wasm (sdk/engine/frames.ts: core fast path, TypeScript slow path) against the
// reference (sdk/proxy/reference-frames.ts: TypeScript throughout), in the same run.
//
// Cluster: S Services (ClusterIP, one TCP port each: addresses and ports from workload.ts)
// with E ready endpoints each, iptables mode, node 192.168.0.2; S = 10k, E = 10.
// Frames: Ethernet + IPv4 + TCP, 64–100 bytes (10–46 payload bytes), valid checksums.
//
// Cases (one benny op = one batch of B = 4096 frames; packets/s = ops/s × B):
//
// established flows: F = 65536 flows from pods (10.0.0.0/8, ephemeral ports) to services
//   picked uniformly, set up before timing with SYN, SYN/ACK, ACK through each engine
//   (both pick the same endpoints: same seed, same order), so each is ESTABLISHED and
//   ASSURED. A batch holds ACK/PSH segments of flows picked uniformly, half from the
//   client, half back from the endpoint; 16 different batches are cycled, all stamped with
//   the same capture time (so cycling never moves time back).
//   - `process()`: `engine.process(frames)` → FrameResult[] (a result object and a copy of
//     the output bytes per frame): the contract, both engines.
//   - `raw batch`: wasm only, no per-frame objects: the batch's bytes are copied into the
//     core's packet area with one `set()` (and its descriptors and times), the kernel runs,
//     and the rewritten bytes and the 8-byte verdict records are copied out with one
//     `set()` each — what a pcap or socket pipeline does around the kernel.
// new flows: every frame is the SYN of a flow the engine has not seen (a pool of 2^18
//   distinct tuples, cycled; the conntrack table, 131072 entries, evicts the oldest
//   unassured entry, so a tuple comes back long after its entry went). `process()`, both
//   engines: each frame goes through the rules, the endpoint choice and conntrack.
//
// Before timing, each case's first batch runs on both engines and every result, output
// bytes included, must agree; the established case must take the fast path for every
// frame of the wasm engine. A breakdown of the raw batch (copy in, kernel, copy out) is
// logged to stderr.
//
// Rows: {suite: 'frames', case, engine, services, endpoints, flows, batch, itemsPerSecond}.

import { add, configure, cycle, suite } from 'benny';
import { type WasmFrameEngine, createWasmFrameEngine } from '../sdk/engine/frames.js';
import type { EndpointSlice, Service } from '../sdk/model/types.js';
import { nodeCoreSource } from '../sdk/node/load-node.js';
import { parseKubeProxyConfiguration } from '../sdk/proxy/config.js';
import type { Frame, FrameEngine, FrameResult } from '../sdk/proxy/frame-engine.js';
import { type FrameEngineOptions, createReferenceFrameEngine } from '../sdk/proxy/reference-frames.js';
import { type WasmTarget, wasmOptions } from './engines.js';
import { caseOptions, quietly, sizeLabel } from './route.js';
import { makeWorkload, random } from './workload.js';

export type FramesEngineName = 'wasm' | 'reference';

export interface FramesBenchRow {
  suite: 'frames';
  case: string;
  engine: FramesEngineName;
  services: number;
  endpoints: number;
  flows?: number;
  batch: number;
  /** Mean over benny's samples (as every suite reports). */
  itemsPerSecond: number;
  /** From the median and the fastest sample: this machine's two cores are shared, and a
   *  neighbour's load (cache, CPU) shows in the mean first. */
  medianItemsPerSecond: number;
  bestItemsPerSecond: number;
}

export interface FramesBenchOptions {
  quick: boolean;
  log: (line: string) => void;
  services?: number;
  endpoints?: number;
  flows?: number;
  batch?: number;
}

export const FRAMES_SERVICES = 10_000;
export const FRAMES_ENDPOINTS = 10;
export const FRAMES_FLOWS = 65_536;
export const FRAMES_BATCH = 4096;
const BATCHES = 16;
const NEW_FLOW_POOL = 1 << 18;
const NODE_IP = '192.168.0.2';
const T0 = 1_700_000_000_000;

let sink = 0;
export function framesSinkValue(): number {
  return sink;
}

// ---------------------------------------------------------------------------------------
// Cluster and frames

export function dotted(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export interface Cluster {
  options: FrameEngineOptions;
  clusterIp: Uint32Array;
  port: Uint16Array;
}

export function makeCluster(services: number, endpoints: number): Cluster {
  const w = makeWorkload({ services, endpoints, seed: 0x5eed_f4a3 });
  const svc: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < services; i++) {
    const name = `svc-${i}`;
    svc.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'bench' },
      spec: { clusterIP: dotted(w.clusterIp[i]), clusterIPs: [dotted(w.clusterIp[i])], ports: [{ name: 'p', port: w.port[i], targetPort: w.endpointPort[i * endpoints], protocol: 'TCP' }] },
    } as Service);
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'bench', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: Array.from({ length: endpoints }, (_, e) => ({ addresses: [dotted(w.endpointAddress[i * endpoints + e])], conditions: { ready: true } })),
      ports: [{ name: 'p', port: w.endpointPort[i * endpoints], protocol: 'TCP' }],
    } as EndpointSlice);
  }
  const { config } = parseKubeProxyConfiguration({ clusterCIDR: '10.0.0.0/8' }, { mode: 'iptables' });
  return {
    options: { services: svc, slices, node: { name: 'bench-node', addresses: [NODE_IP], podCIDRs: ['10.0.0.0/24'] }, config, seed: 0x5eed },
    clusterIp: w.clusterIp,
    port: w.port,
  };
}

const MACS = [0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x00];

/** RFC 1071 over [start, end) plus `initial`. */
function checksum(b: Uint8Array, start: number, end: number, initial: number): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An Ethernet + IPv4 + TCP frame with valid checksums. */
function tcpFrame(src: number, dst: number, sport: number, dport: number, flags: number, payload: number, next: () => number, timeMs: number): Frame {
  const ipLength = 20 + 20 + payload;
  const b = new Uint8Array(14 + ipLength);
  b.set(MACS);
  const v = new DataView(b.buffer);
  v.setUint8(14, 0x45);
  v.setUint16(16, ipLength);
  v.setUint16(18, next() & 0xffff);
  v.setUint16(20, 0x4000);
  v.setUint8(22, 64);
  v.setUint8(23, 6);
  v.setUint32(26, src);
  v.setUint32(30, dst);
  v.setUint16(24, checksum(b, 14, 34, 0));
  v.setUint16(34, sport);
  v.setUint16(36, dport);
  v.setUint32(38, next());
  v.setUint32(42, flags & 0x10 ? next() : 0);
  v.setUint8(46, 0x50);
  v.setUint8(47, flags);
  v.setUint16(48, 64240);
  for (let i = 54; i < b.length; i++) b[i] = next() & 0xff;
  const pseudo = ((src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 6 + (20 + payload)) >>> 0;
  v.setUint16(50, checksum(b, 34, b.length, pseudo));
  return { data: b, linkType: 1, timeMs };
}

interface Flow {
  client: number;
  clientPort: number;
  vip: number;
  port: number;
  endpoint: number;
  endpointPort: number;
}

function parseEndpoint(result: FrameResult): [number, number] {
  const [ip, port] = (result.endpoint as string).split(':');
  const [a, b, c, d] = ip.split('.').map(Number);
  return [((a << 24) | (b << 16) | (c << 8) | d) >>> 0, Number(port)];
}

// ---------------------------------------------------------------------------------------
// Checks

function hex(b: Uint8Array | undefined): string {
  return b ? Buffer.from(b).toString('hex') : '-';
}

function compare(label: string, wasm: FrameResult[], reference: FrameResult[]): void {
  for (let i = 0; i < reference.length; i++) {
    const a = { ...wasm[i], output: hex(wasm[i]?.output) };
    const b = { ...reference[i], output: hex(reference[i].output) };
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${label}: frame ${i} differs: wasm ${JSON.stringify(a)}, reference ${JSON.stringify(b)}`);
  }
}

export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

// ---------------------------------------------------------------------------------------
// Cases

export interface Measured {
  name: FramesEngineName;
  label: string;
  op: () => void;
}

/** Runs the cases as one benny suite named `<suite>: <label>` and returns their rows (suite field 'frames'; callers relabel). */
export async function measure(label: string, cases: Measured[], quick: boolean, log: (line: string) => void, row: Omit<FramesBenchRow, 'suite' | 'engine' | 'case' | 'itemsPerSecond' | 'medianItemsPerSecond' | 'bestItemsPerSecond'>, suiteName = 'frames', unit = 'packets'): Promise<FramesBenchRow[]> {
  const rows: FramesBenchRow[] = [];
  log(`${suiteName}: ${label}`);
  collectGarbage();
  await quietly(() =>
    suite(
      `${suiteName}: ${label}`,
      ...cases.map((c) => add(c.label, () => c.op)),
      configure({ cases: caseOptions(quick) }),
      cycle((result) => {
        const c = cases.find((x) => x.label === result.name) as Measured;
        const r: FramesBenchRow = {
          suite: 'frames',
          case: label,
          engine: c.name,
          ...row,
          itemsPerSecond: Math.round(result.ops * row.batch),
          medianItemsPerSecond: Math.round(row.batch / result.details.median),
          bestItemsPerSecond: Math.round(row.batch / result.details.min),
        };
        rows.push(r);
        log(
          `  ${result.name}: ${(r.itemsPerSecond / 1e6).toFixed(2)} M ${unit}/s ±${result.margin}% (${result.samples} samples; ` +
            `median ${(r.medianItemsPerSecond / 1e6).toFixed(2)}, best ${(r.bestItemsPerSecond / 1e6).toFixed(2)})`,
        );
        return undefined;
      }),
    ),
  );
  return rows;
}

/** ns per frame of `fn` (which handles `frames` frames): the best of 5 timings of `rounds` runs each (this machine is shared). */
function nsPerFrame(fn: () => void, rounds: number, frames: number): number {
  for (let i = 0; i < Math.min(rounds, 20); i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let repetition = 0; repetition < 5; repetition++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / rounds / frames);
  }
  return best;
}

/** Packs batch frames back to back: bytes, descriptors (4 words each) and times, as the core's regions hold them. */
function pack(frames: readonly Frame[]): { bytes: Uint8Array; descriptors: Uint32Array; times: Float64Array } {
  const total = frames.reduce((n, f) => n + f.data.length, 0);
  const bytes = new Uint8Array(total);
  const descriptors = new Uint32Array(frames.length * 4);
  const times = new Float64Array(frames.length);
  let offset = 0;
  frames.forEach((f, i) => {
    bytes.set(f.data, offset);
    descriptors.set([offset, f.data.length, f.linkType, 0], i * 4);
    times[i] = f.timeMs;
    offset += f.data.length;
  });
  return { bytes, descriptors, times };
}

async function established(cluster: Cluster, o: Required<FramesBenchOptions>, wasmTarget: WasmTarget): Promise<FramesBenchRow[]> {
  const { log, batch, flows: flowCount } = o;
  const next = random(0xf10f);
  const services = cluster.clusterIp.length;
  const reference = createReferenceFrameEngine(cluster.options);
  const wasm = await createWasmFrameEngine({ ...cluster.options, target: wasmTarget, wasm: await nodeCoreSource(wasmTarget), flowCacheFlows: flowCount, batchFrames: batch });

  // Handshakes: SYNs first (both engines pick the same endpoints), then SYN/ACKs and ACKs.
  const flows: Flow[] = [];
  const used = new Set<string>();
  while (flows.length < flowCount) {
    const client = (0x0a00_0000 | (next() & 0x00ff_ffff)) >>> 0;
    const clientPort = 32768 + (next() % 28232);
    const key = `${client}:${clientPort}`;
    if (used.has(key)) continue;
    used.add(key);
    const s = next() % services;
    flows.push({ client, clientPort, vip: cluster.clusterIp[s], port: cluster.port[s], endpoint: 0, endpointPort: 0 });
  }
  const started = performance.now();
  const syns = flows.map((f) => tcpFrame(f.client, f.vip, f.clientPort, f.port, 0x02, 0, next, T0));
  const synResults = reference.process(syns);
  compare('established: SYN', wasm.process(syns), synResults);
  flows.forEach((f, i) => ([f.endpoint, f.endpointPort] = parseEndpoint(synResults[i])));
  const synAcks = flows.map((f) => tcpFrame(f.endpoint, f.client, f.endpointPort, f.clientPort, 0x12, 0, next, T0 + 1));
  const acks = flows.map((f) => tcpFrame(f.client, f.vip, f.clientPort, f.port, 0x10, 0, next, T0 + 2));
  for (const frames of [synAcks, acks]) compare('established: handshake', wasm.process(frames), reference.process(frames));
  const setup = wasm.stats();
  if (setup.cachedFlows !== flowCount) throw new Error(`established: ${setup.cachedFlows} of ${flowCount} flows cached`);
  log(`  ${flowCount} flows established on both engines (${((performance.now() - started) / 1000).toFixed(1)} s)`);

  // Batches of established traffic, half each way.
  const batches: Frame[][] = [];
  for (let k = 0; k < BATCHES; k++) {
    const frames: Frame[] = [];
    for (let i = 0; i < batch; i++) {
      const f = flows[next() % flowCount];
      const payload = 10 + (next() % 37);
      // One capture time for every batch: benny cycles the batches, and a time going back
      // would make both engines' conntrack move deadlines back (the wasm engine punts those).
      const time = T0 + 1000;
      frames.push(next() & 1 ? tcpFrame(f.client, f.vip, f.clientPort, f.port, 0x18, payload, next, time) : tcpFrame(f.endpoint, f.client, f.endpointPort, f.clientPort, 0x18, payload, next, time));
    }
    batches.push(frames);
  }
  const before = wasm.stats();
  compare('established: first batch', wasm.process(batches[0]), reference.process(batches[0]));
  const after = wasm.stats();
  if (after.slowPathFrames !== before.slowPathFrames) throw new Error(`established: ${after.slowPathFrames - before.slowPathFrames} frames took the slow path`);
  log(`  results agree; every frame of the batch took the wasm fast path`);

  // Raw batches: the packed bytes, descriptors and times of each batch.
  const packed = batches.map(pack);
  const maxBytes = Math.max(...packed.map((p) => p.bytes.length));
  wasm.reserve(batch, maxBytes);
  const outBytes = new Uint8Array(maxBytes);
  const outVerdicts = new Uint8Array(batch * 8);
  let kRaw = 0;
  const raw = (): void => {
    const p = packed[kRaw];
    kRaw = (kRaw + 1) & (BATCHES - 1);
    const v = wasm.views();
    v.area.set(p.bytes);
    v.descriptors.set(p.descriptors);
    v.times.set(p.times);
    wasm.run(batch);
    outBytes.set(v.area.subarray(0, p.bytes.length));
    outVerdicts.set(v.verdicts.subarray(0, batch * 8));
    sink = (sink + outBytes[kRaw * 7] + outVerdicts[kRaw]) | 0;
  };
  raw();
  if (wasm.stats().slowPathFrames !== before.slowPathFrames) throw new Error('established: the raw batch took the slow path');

  const viaProcess = (engine: FrameEngine): (() => void) => {
    let k = 0;
    return () => {
      const results = engine.process(batches[k]);
      k = (k + 1) & (BATCHES - 1);
      sink = (sink + (results[k].output as Uint8Array)[30]) | 0;
    };
  };
  const row = { services, endpoints: o.endpoints, flows: flowCount, batch };
  const label = `${sizeLabel(services)} services × ${o.endpoints} endpoints, established flows (${sizeLabel(flowCount)}, uniform)`;
  const rows = await measure(`${label}, raw batch (copy in, kernel, copy out)`, [{ name: 'wasm', label: 'wasm', op: raw }], o.quick, log, row);
  collectGarbage();
  breakdown(wasm, packed, batch, log);
  rows.push(
    ...(await measure(`${label}, process()`, [
      { name: 'wasm', label: 'wasm', op: viaProcess(wasm) },
      { name: 'reference', label: 'reference', op: viaProcess(reference) },
    ], o.quick, log, row)),
  );
  if (wasm.stats().slowPathFrames !== before.slowPathFrames) throw new Error('established: frames took the slow path while timed');
  return rows;
}

/**
 * Where the raw batch's time goes: copy in, the kernel (parse, lookup, rewrite, stamp) over
 * the 16 batches in turn (the 16 MiB key table mostly out of cache and TLB) and over one
 * batch repeated (its 8k keys cached: the kernel's own work), copy out. Best of 5 each.
 */
function breakdown(wasm: WasmFrameEngine, packed: ReturnType<typeof pack>[], batch: number, log: (line: string) => void): void {
  const v = wasm.views();
  const out = new Uint8Array(v.area.length);
  const horizon = wasm.flows.conntrack.nextDeadline();
  let k = 0;
  const copyIn = (p: ReturnType<typeof pack>): void => {
    v.area.set(p.bytes);
    v.descriptors.set(p.descriptors);
    v.times.set(p.times);
  };
  const rounds = 100;
  const tIn = nsPerFrame(() => copyIn(packed[(k = (k + 1) % packed.length)]), rounds, batch);
  const tCold = nsPerFrame(() => {
    copyIn(packed[(k = (k + 1) % packed.length)]);
    if (wasm.exports.processFrames(0, batch, 0, horizon) !== batch) throw new Error('breakdown: a frame punted');
  }, rounds, batch) - tIn;
  const tHot = nsPerFrame(() => {
    copyIn(packed[0]);
    if (wasm.exports.processFrames(0, batch, 0, horizon) !== batch) throw new Error('breakdown: a frame punted');
  }, rounds, batch) - tIn;
  const tOut = nsPerFrame(() => out.set(v.area.subarray(0, packed[0].bytes.length)), rounds, batch);
  log(
    `  raw batch breakdown, ns/frame (best of 5): copy in ${tIn.toFixed(1)}, kernel ${tCold.toFixed(1)} ` +
      `(${tHot.toFixed(1)} with one batch repeated, its keys in cache: the rest is table and TLB misses), copy out ${tOut.toFixed(1)}`,
  );
}

async function newFlows(cluster: Cluster, o: Required<FramesBenchOptions>, wasmTarget: WasmTarget): Promise<FramesBenchRow[]> {
  const { log, batch } = o;
  const next = random(0x5f1e);
  const services = cluster.clusterIp.length;
  const reference = createReferenceFrameEngine(cluster.options);
  const wasm = await createWasmFrameEngine({ ...cluster.options, target: wasmTarget, wasm: await nodeCoreSource(wasmTarget), batchFrames: batch });
  const pool: Frame[] = [];
  for (let i = 0; i < NEW_FLOW_POOL; i++) {
    // Distinct tuples: source address and port from the index.
    const client = (0x0a00_0000 | ((i >>> 4) + 1)) >>> 0;
    const s = next() % services;
    pool.push(tcpFrame(client, cluster.clusterIp[s], 40000 + (i & 15), cluster.port[s], 0x02, 0, next, T0));
  }
  const batches = NEW_FLOW_POOL / batch;
  const first = pool.slice(0, batch);
  compare('new flows: first batch', wasm.process(first), reference.process(first));
  log('  results agree');
  const viaProcess = (engine: FrameEngine): (() => void) => {
    let k = 1;
    return () => {
      const results = engine.process(pool.slice(k * batch, (k + 1) * batch));
      k = (k + 1) % batches;
      sink = (sink + (results[k & 63].output as Uint8Array)[30]) | 0;
    };
  };
  const label = `${sizeLabel(services)} services × ${o.endpoints} endpoints, new flows (SYN of a fresh flow each frame), process()`;
  return measure(label, [
    { name: 'wasm', label: 'wasm', op: viaProcess(wasm) },
    { name: 'reference', label: 'reference', op: viaProcess(reference) },
  ], o.quick, log, { services, endpoints: o.endpoints, batch });
}

export async function runFramesBench(options: FramesBenchOptions): Promise<FramesBenchRow[]> {
  const o: Required<FramesBenchOptions> = {
    services: FRAMES_SERVICES,
    endpoints: FRAMES_ENDPOINTS,
    flows: FRAMES_FLOWS,
    batch: FRAMES_BATCH,
    ...options,
  };
  const target: WasmTarget = wasmOptions.target ?? 'release';
  o.log(`frames: building ${sizeLabel(o.services)} services × ${o.endpoints} endpoints (wasm ${target} build)`);
  const cluster = makeCluster(o.services, o.endpoints);
  const rows = [...(await established(cluster, o, target)), ...(await newFlows(cluster, o, target))];
  collectGarbage();
  return rows;
}

/** Table for stdout: packets/s per engine and the ratio, per case. */
export function framesTable(rows: readonly FramesBenchRow[]): string {
  const cases = [...new Set(rows.map((r) => r.case))];
  const find = (c: string, e: FramesEngineName): FramesBenchRow | undefined => rows.find((r) => r.case === c && r.engine === e);
  const fmt = (v: number | undefined): string => (v === undefined ? '—' : (v / 1e6).toFixed(2));
  const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);
  const header = ['case (M packets/s: mean, median)', 'wasm', 'reference', 'wasm/reference', 'wasm median', 'reference median', 'median ratio'];
  const line2 = (label: string, w: FramesBenchRow | undefined, r: FramesBenchRow | undefined): string[] => [
    label,
    fmt(w?.itemsPerSecond),
    fmt(r?.itemsPerSecond),
    ratio(w?.itemsPerSecond, r?.itemsPerSecond),
    fmt(w?.medianItemsPerSecond),
    fmt(r?.medianItemsPerSecond),
    ratio(w?.medianItemsPerSecond, r?.medianItemsPerSecond),
  ];
  const body = cases.map((c) => line2(c, find(c, 'wasm'), find(c, 'reference')));
  // The raw batch has no reference counterpart: compare it with the reference's process() too.
  const rawCase = cases.find((c) => c.includes('raw batch'));
  const processCase = cases.find((c) => c.includes('established') && c.endsWith('process()'));
  if (rawCase && processCase) body.push(line2('  wasm raw batch vs reference process()', find(rawCase, 'wasm'), find(processCase, 'reference')));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
