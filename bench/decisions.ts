// First-packet rule decisions: the core's decision cache (sdk/engine/decisions.ts) against
// kube-proxy's rules in TypeScript (`KubeProxyRules.decide`, sdk/proxy/rules.ts), in the
// same run, on the frames suite's cluster (10k ClusterIP Services × 10 endpoints, iptables
// mode, node 192.168.0.2, pods 10.0.0.0/8).
//
// Tuples: B = 4096 per op, TCP from pods (random 10.x.y.z, ephemeral ports) to Services picked
// uniformly; 16 batches cycled. Before timing, every tuple of every batch is decided once by
// the cache (so each key is in the core: the steady state of a node whose Services have
// been used) and every answer must deep-equal the rules' own.
//
// Cases (rows {suite: 'decisions', …}, decisions/s = ops/s × B):
// - `SDK call`: `cache.decide(tuple)` (a FlowTuple of address texts in, the shared
//   RuleDecision out) against `rules.decide(tuple)` (a fresh RuleDecision per call).
// - `raw batch`: the batch's records (the staging layout, 64 B each) copied into the core and
//   `decisionLookupBatch` run over them: decision ids out, no objects (wasm only; compared
//   with the rules' SDK call).

import { createCoreDecisionCache, DECISION_RECORD_BYTES, DR_DST, DR_FAMILY, DR_PORT, DR_PROTOCOL, DR_SRC } from '../sdk/engine/decisions.js';
import { parseIPv4 } from '../sdk/model/ip.js';
import type { EndpointSlice, Service } from '../sdk/model/types.js';
import { nodeCoreSource } from '../sdk/node/load-node.js';
import type { FlowTuple } from '../sdk/proxy/decision.js';
import { createFlowLayer } from '../sdk/proxy/frame-helpers.js';
import { type WasmTarget, wasmOptions } from './engines.js';
import { type FramesBenchRow, FRAMES_BATCH, framesTable, FRAMES_ENDPOINTS, FRAMES_SERVICES, collectGarbage, dotted, makeCluster, measure } from './frames.js';
import { sizeLabel } from './route.js';
import { random } from './workload.js';

/** Decisions per second, per engine. */
export type DecisionRateRow = Omit<FramesBenchRow, 'suite'> & { suite: 'decisions' };

/** The rules' control-plane cost: an incremental update against a full rebuild, in the same run (medians). */
export interface RulesUpdateRow {
  suite: 'decisions';
  case: string;
  engine: 'incremental' | 'full rebuild';
  services: number;
  endpoints: number;
  microseconds: number;
}

export type DecisionsBenchRow = DecisionRateRow | RulesUpdateRow;

const BATCHES = 16;
let sink = 0;

export function decisionsSinkValue(): number {
  return sink;
}

export async function runDecisionsBench(options: { quick: boolean; log: (line: string) => void; services?: number; endpoints?: number; batch?: number }): Promise<DecisionsBenchRow[]> {
  const { quick, log } = options;
  const services = options.services ?? FRAMES_SERVICES;
  const endpoints = options.endpoints ?? FRAMES_ENDPOINTS;
  const batch = options.batch ?? FRAMES_BATCH;
  const target: WasmTarget = wasmOptions.target ?? 'release';
  log(`decisions: building ${sizeLabel(services)} services × ${endpoints} endpoints (wasm ${target} build)`);
  const cluster = makeCluster(services, endpoints);
  const { rules } = createFlowLayer(cluster.options, () => 0);
  const cache = await createCoreDecisionCache(rules, { target, wasm: await nodeCoreSource(target), maxEntries: 4 * services });
  const core = cache.exports;

  const next = random(0xdec1);
  const batches: FlowTuple[][] = [];
  for (let k = 0; k < BATCHES; k++) {
    const tuples: FlowTuple[] = [];
    for (let i = 0; i < batch; i++) {
      const s = next() % services;
      tuples.push({ family: 4, protocol: 'TCP', srcIP: dotted((0x0a00_0000 | (next() & 0x00ff_ffff)) >>> 0), srcPort: 32768 + (next() % 28232), dstIP: dotted(cluster.clusterIp[s]), dstPort: cluster.port[s] });
    }
    batches.push(tuples);
  }
  for (const tuples of batches) {
    for (const tuple of tuples) {
      if (JSON.stringify(cache.decide(tuple)) !== JSON.stringify(rules.decide(tuple))) throw new Error(`decisions: the cache and the rules differ on ${JSON.stringify(tuple)}`);
    }
  }
  const warm = cache.stats();
  log(`  every tuple decided alike by both; ${warm.entries} keys in the core, ${warm.misses} misses while warming`);

  // Raw batches: each batch's records in the staging layout.
  const records = batches.map((tuples) => {
    const bytes = new Uint8Array(tuples.length * DECISION_RECORD_BYTES);
    const view = new DataView(bytes.buffer);
    tuples.forEach((t, i) => {
      const at = i * DECISION_RECORD_BYTES;
      view.setUint8(at + DR_FAMILY, 4);
      view.setUint8(at + DR_PROTOCOL, 6);
      view.setUint16(at + DR_PORT, t.dstPort, true);
      view.setUint32(at + DR_SRC, parseIPv4(t.srcIP), true);
      view.setUint32(at + DR_DST, parseIPv4(t.dstIP), true);
    });
    return bytes;
  });
  if (core.decisionsReserveBatch(batch) !== 0) throw new Error('decisions: the core refused the batch');
  let kRaw = 0;
  const raw = (): void => {
    new Uint8Array(core.memory.buffer, core.decisionBatchPtr() >>> 0, batch * DECISION_RECORD_BYTES).set(records[kRaw]);
    kRaw = (kRaw + 1) & (BATCHES - 1);
    const misses = core.decisionLookupBatch(batch);
    if (misses !== 0) throw new Error(`decisions: ${misses} misses in a warm raw batch`);
    sink = (sink + misses) | 0;
  };
  raw();

  const viaCall = (decide: (t: FlowTuple) => { verdict: string }): (() => void) => {
    let k = 0;
    return () => {
      const tuples = batches[k];
      k = (k + 1) & (BATCHES - 1);
      for (let i = 0; i < tuples.length; i++) sink = (sink + decide(tuples[i]).verdict.length) | 0;
    };
  };
  const row = { services, endpoints, batch };
  const label = `${sizeLabel(services)} services × ${endpoints} endpoints, first-packet rule decisions`;
  const rows = [
    ...(await measure(`${label}, SDK call (FlowTuple → RuleDecision)`, [
      { name: 'wasm', label: 'wasm', op: viaCall((t) => cache.decide(t)) },
      { name: 'reference', label: 'reference', op: viaCall((t) => rules.decide(t)) },
    ], quick, log, row, 'decisions', 'decisions')),
    ...(await measure(`${label}, raw batch (records → decision ids)`, [{ name: 'wasm', label: 'wasm', op: raw }], quick, log, row, 'decisions', 'decisions')),
  ];
  collectGarbage();
  return [...rows.map((r) => ({ ...r, suite: 'decisions' as const })), ...rulesUpdates(cluster, services, endpoints, quick, log)];
}

/**
 * One endpoint's readiness flipped in a 10k-service table: `KubeProxyRules.updateServices`
 * for its Service plus the flow layer's `servicePortsChanged` (what followCluster runs per
 * sync, without the Cluster in front) against `setState` over every object (a full rebuild),
 * medians (2000 incremental repetitions in a quick run, 20000 in a full one, after the decision cases warmed the code; 3 / 10 rebuilds).
 */
function rulesUpdates(cluster: ReturnType<typeof makeCluster>, services: number, endpoints: number, quick: boolean, log: (line: string) => void): RulesUpdateRow[] {
  const { rules, flows } = createFlowLayer(cluster.options, () => 0);
  const allServices = cluster.options.services;
  const allSlices = cluster.options.slices as EndpointSlice[];
  const repetitions = quick ? 2000 : 20000;
  const fullRepetitions = quick ? 3 : 10;
  const incremental: number[] = [];
  const full: number[] = [];
  const flip = (k: number): { key: string; service: Service; slice: EndpointSlice } => {
    const i = (k * 7919) % services;
    const slice = structuredClone(allSlices[i]);
    slice.endpoints[k % endpoints].conditions = { ready: k % 2 === 0 };
    return { key: `bench/${allServices[i].metadata.name}`, service: allServices[i], slice };
  };
  for (let k = 0; k < repetitions; k++) {
    const { key, service, slice } = flip(k);
    const started = process.hrtime.bigint();
    rules.updateServices([{ key, service, slices: [slice] }]);
    flows.servicePortsChanged(rules.servicePortStatesOf([key]), [], false, (protocol, ip, port) => rules.hasFrontend(protocol, ip, port));
    incremental.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  for (let k = 0; k < fullRepetitions; k++) {
    const { slice } = flip(k);
    const slices = allSlices.map((s, i) => (i === (k * 7919) % services ? slice : s));
    const started = process.hrtime.bigint();
    rules.setState(allServices, slices);
    flows.endpointsChanged(rules.servicePortStates(), false);
    full.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
  const label = `${sizeLabel(services)} services × ${endpoints} endpoints, kube-proxy rules: one endpoint readiness flip (rules + flow layer)`;
  const rows: RulesUpdateRow[] = [
    { suite: 'decisions', case: label, engine: 'incremental', services, endpoints, microseconds: median(incremental) },
    { suite: 'decisions', case: label, engine: 'full rebuild', services, endpoints, microseconds: median(full) },
  ];
  log(`  ${label}: incremental ${rows[0].microseconds.toFixed(1)} µs, full rebuild ${(rows[1].microseconds / 1000).toFixed(1)} ms (medians of ${repetitions} / ${fullRepetitions})`);
  return rows;
}

/** Table for stdout: the frames table's columns, and the raw batch against the rules' SDK call. */
export function decisionsTable(all: readonly DecisionsBenchRow[]): string {
  const rows = all.filter((r): r is DecisionRateRow => 'itemsPerSecond' in r);
  const asFrames = rows.map((r) => ({ ...r, suite: 'frames' as const }));
  const raw = rows.find((r) => r.case.includes('raw batch') && r.engine === 'wasm');
  const call = rows.find((r) => r.case.includes('SDK call') && r.engine === 'reference');
  const lines = [framesTable(asFrames)];
  const updates = all.filter((r): r is RulesUpdateRow => 'microseconds' in r);
  const incremental = updates.find((r) => r.engine === 'incremental');
  const rebuild = updates.find((r) => r.engine === 'full rebuild');
  if (incremental && rebuild) {
    lines.push(`${incremental.case}: incremental ${incremental.microseconds.toFixed(1)} µs, full rebuild ${rebuild.microseconds.toFixed(0)} µs (${(rebuild.microseconds / incremental.microseconds).toFixed(0)}×)`);
  }
  if (raw && call) {
    lines.push(`  wasm raw batch vs reference SDK call: ${(raw.itemsPerSecond / 1e6).toFixed(2)} vs ${(call.itemsPerSecond / 1e6).toFixed(2)} M decisions/s (${(raw.itemsPerSecond / call.itemsPerSecond).toFixed(1)}×)`);
  }
  return lines.join('\n');
}
