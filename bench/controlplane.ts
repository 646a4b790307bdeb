// Control-plane cost of the node proxy: how long it takes to program a data plane with a
// large cluster, how long one endpoint change takes to reach it, and how many bytes of
// tables a service port and an endpoint cost.
//
// Workload: S Services (namespace `bench`, one port each, ClusterIP; ports, protocols and
// endpoint addresses from workload.ts: 90 % TCP, 8 % UDP, 2 % SCTP) and one EndpointSlice
// per Service with E ready endpoints on 100 nodes (the EndpointSlice controller packs up
// to 100 endpoints per slice, so E = 10 is one slice). Main table: S = 10k, E = 10, i.e.
// 10k service ports and 100k endpoints.
//
// Each engine runs in its own Node process (this file with --worker), as an application
// runs one engine: in one process NodeProxy's calls into three DataPlane classes turn
// megamorphic and three sets of tables share the heap, which made every engine 30–60 %
// slower to load. The parent drives the processes in lockstep — each load repetition and
// each chunk of 250 changes goes to every engine in turn — so a change in the machine's
// load during the run hits all engines alike, and it compares their verdict checksums, so
// every engine must route the loaded tables alike.
//
// Cases:
//
// load, (a) Cluster → NodeProxy → data plane: an empty Cluster (no builtins, no
//   controllers) with a NodeProxy attached (createNodeProxy) on an empty data plane; timed
//   is one `cluster.batch()` that creates the S Services and S slices from prepared
//   inputs. The Cluster copies, validates, allocates the ClusterIPs, freezes and stores
//   each object, then hands the whole batch to `NodeProxy.applyChanges`, which programs
//   the data plane before `batch()` returns. Creating the Cluster, the NodeProxy and the
//   wasm instance is not timed (a few ms, once per process).
// load, (b) NodeProxy → data plane: a fresh NodeProxy on an empty data plane; timed is one
//   `applyChanges` with the change events the Cluster produced in (a) (a second consumer
//   records them in the first repetition of (a)). (a) − (b) is the Cluster's share.
// load, (c) data plane calls alone: the control calls the NodeProxy makes for the table
//   (per service port upsertServicePort, addFrontend, setBackendCount, E × writeBackend),
//   made directly from typed arrays. (b) − (c) is the NodeProxy's own work (reducing
//   objects, categorising endpoints, diffing against what it applied).
//   Median of the repetitions (the first one runs cold code). After every repetition each
//   service port must hold E backends; after the first, a batch of packets aimed at every
//   frontend must all DNAT, with the same verdicts on every engine.
//
// endpoint change, in the loaded S × E table: one endpoint of one slice goes not ready
//   (ready: false, serving: false), one change per Service for C different Services, then
//   each comes back ready: 2 C changes, each timed on its own; reported are the median
//   and the 99th percentile. After each change (not timed) the service port must hold
//   E − 1 (resp. E) backends.
//   (a) `cluster.updateEndpointSlice(…)` end to end, on the table of the last load (a);
//   (b) `NodeProxy.applyChanges([MODIFIED event])` with prepared events: the NodeProxy +
//       core part the ≤ 20 µs target is about;
//   (c) the data-plane calls inside (b) (setBackendCount and writeBackend, 2 per change),
//       summed per change by a wrapper that times each call (its own overhead, two
//       performance.now() per call, is included).
//
// memory, NodeProxy-programmed tables at (S, E) = (10k, 10), (20k, 10) and (10k, 20):
//   `dataPlane.memoryBytes()` — the bytes the tables and batch buffers hold, capacity not
//   occupancy (tables grow by doubling) — and, for wasm, the linear memory
//   (memory.buffer.byteLength: also counts heap blocks left behind when a table moved,
//   rounded to 64 KiB pages). Slopes: per endpoint = (M(10k, 20) − M(10k, 10)) / 100k
//   (service ports fixed); per service port = (M(20k, 10) − M(10k, 20)) / 10k (200k
//   endpoints both times, in 16- resp. 32-entry ranges, so the pool holds 320k entries
//   both times). Each slope spans exactly one doubling of every table, so it is the cost
//   per item at the table's capacity, headroom included (live payload: 16 B per service
//   port record + 16 B per frontend slot at load ≤ 1/2; 8 B per backend in power-of-two
//   ranges). The reference engine's typed arrays have the same layout and growth rules;
//   naive-map's memoryBytes() is an estimate of JS object sizes and is left out. The
//   NodeProxy's own tracking state lives on the JS heap whatever the engine: measured as
//   the heapUsed growth (after gc) while a NodeProxy holds the table.
//
// Units in the rows: load → `ms` (median), `itemsPerSecond` = endpoints loaded per
// second; change → `microseconds` (median), `p99Microseconds`, `itemsPerSecond` =
// changes per second at the median; memory → `bytes`, `bytesPerServicePort`,
// `bytesPerEndpoint` (no itemsPerSecond).
//
// runControlPlaneBench is wired into bench/run.ts (--suites=controlplane). Alone (rows as
// JSON on stdout): node --expose-gc --import tsx bench/controlplane.ts [--quick]
//   [--engines=wasm,reference,naive-map] [--wasm-target=release|debug]

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Cluster, type ChangeEvent, type ClusterConsumer } from '../sdk/cluster/cluster.js';
import type { DataPlane } from '../sdk/engine/dataplane.js';
import type { WasmDataPlane } from '../sdk/engine/core.js';
import {
  FRONTEND_CLUSTER_IP, PACKET_RECORD_WORDS, PROTO_SCTP, PROTO_UDP, ST_OK, STATUS_NAMES, VERDICT_DNAT, VERDICT_RECORD_WORDS,
} from '../sdk/engine/records.js';
import { formatIPv4 } from '../sdk/model/ip.js';
import { deepFreeze } from '../sdk/model/objects.js';
import type { EndpointSlice, EndpointSliceInput, ServiceInput } from '../sdk/model/types.js';
import { createNodeProxy } from '../sdk/proxy/create.js';
import { NodeProxy } from '../sdk/proxy/nodeproxy.js';
import { type Engine, type EngineName, type WasmTarget, selectEngines, wasmOptions } from './engines.js';
import { sizeLabel } from './route.js';
import { type Workload, makePackets, makeWorkload } from './workload.js';

export interface ControlPlaneRow {
  suite: 'controlplane';
  case: string;
  engine: EngineName;
  /** Service ports (one per Service). */
  services: number;
  /** Endpoints per service port (as in the route rows). */
  endpoints: number;
  /** Load: median wall time of the repetitions. */
  ms?: number;
  minMs?: number;
  maxMs?: number;
  repetitions?: number;
  /** Change: median time of one change. */
  microseconds?: number;
  p99Microseconds?: number;
  changes?: number;
  /** Load: endpoints per second; change: changes per second (from the medians). */
  itemsPerSecond?: number;
  /** Memory: memoryBytes(), or the JS heap growth for the NodeProxy rows. */
  bytes?: number;
  /** Memory, wasm: size of the linear memory. */
  linearMemoryBytes?: number;
  bytesPerServicePort?: number;
  bytesPerEndpoint?: number;
}

export interface ControlPlaneBenchOptions {
  engines: readonly Engine[];
  quick: boolean;
  log: (line: string) => void;
  /** Service ports of the main table (default 10k). */
  services?: number;
  /** Endpoints per service port (default 10). */
  endpoints?: number;
}

const NAMESPACE = 'bench';
const NODE_NAME = 'node-0';
const NODES = 100;
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const SERVICE_CIDR_BASE = 0x0a60_0000; // 10.96.0.0/12, the Cluster's default service range
/** Usable addresses of 10.96.0.0/12: the network and broadcast addresses are never allocated. */
const SERVICE_CIDR_USABLE = (1 << 20) - 2;
/** i → i · 7919 mod m is a bijection for m = 2^20 − 2 = 2 · 524287 (7919 is an odd prime). */
const SPREAD = 7919;
const PACKETS = 4096;

/** Repetitions of each load case and changes per direction; `--quick` keeps the suite under 30 s. */
export function controlPlaneOptions(quick: boolean): { loadRepetitions: number; changes: number } {
  return quick ? { loadRepetitions: 3, changes: 500 } : { loadRepetitions: 9, changes: 2000 };
}

let sink = 0;
/** Folds values the timed code produced, so none of it is dead. */
export function controlPlaneSinkValue(): number {
  return sink;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

// ── workload ──────────────────────────────────────────────────────────────────────────

export interface ControlPlaneWorkload {
  /** Typed-array view of the same table (clusterIp, port, protocol, endpoint address and port). */
  workload: Workload;
  serviceInputs: ServiceInput[];
  sliceInputs: EndpointSliceInput[];
}

const PROTOCOL_NAMES: Record<number, 'TCP' | 'UDP' | 'SCTP'> = { [PROTO_UDP]: 'UDP', [PROTO_SCTP]: 'SCTP' };

function serviceName(index: number): string {
  return `svc-${String(index).padStart(6, '0')}`;
}

/**
 * workload.ts's table as Kubernetes objects. ClusterIPs are re-drawn so that none is the
 * range's network or broadcast address, which the Cluster's allocator refuses.
 */
export function makeControlPlaneWorkload(services: number, endpoints: number): ControlPlaneWorkload {
  if (services > SERVICE_CIDR_USABLE) throw new RangeError(`at most ${SERVICE_CIDR_USABLE} Services fit 10.96.0.0/12`);
  const workload = makeWorkload({ services, endpoints, seed: 0xc0de_0000 + services + endpoints });
  const serviceInputs: ServiceInput[] = [];
  const sliceInputs: EndpointSliceInput[] = [];
  for (let i = 0; i < services; i++) {
    workload.clusterIp[i] = SERVICE_CIDR_BASE + 1 + ((i * SPREAD) % SERVICE_CIDR_USABLE);
    const name = serviceName(i);
    const clusterIP = formatIPv4(workload.clusterIp[i]);
    const protocol = PROTOCOL_NAMES[workload.protocol[i]] ?? 'TCP';
    const targetPort = workload.endpointPort[i * endpoints];
    serviceInputs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: NAMESPACE },
      spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], selector: { app: name }, ports: [{ port: workload.port[i], protocol, targetPort }] },
    } as ServiceInput);
    sliceInputs.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-0`, namespace: NAMESPACE, labels: { [SERVICE_NAME_LABEL]: name } },
      addressType: 'IPv4',
      ports: [{ name: '', port: targetPort, protocol }],
      endpoints: Array.from({ length: endpoints }, (_, e) => ({
        addresses: [formatIPv4(workload.endpointAddress[i * endpoints + e])],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: `node-${(i * endpoints + e) % NODES}`,
      })),
    } as EndpointSliceInput);
  }
  return { workload, serviceInputs, sliceInputs };
}

function emptyCluster(): Cluster {
  const cluster = new Cluster({ builtins: false });
  cluster.createNamespace({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  return cluster;
}

function loadCluster(cluster: Cluster, w: ControlPlaneWorkload): void {
  cluster.batch(() => {
    for (const service of w.serviceInputs) cluster.createService(service);
    for (const slice of w.sliceInputs) cluster.createEndpointSlice(slice);
  });
}

/**
 * ADDED events built from the inputs without a Cluster (cheaper than a Cluster load): what
 * the NodeProxy reads of them is what the Cluster would store. Not frozen: nothing the
 * memory phase measures depends on it.
 */
function syntheticLoadEvents(w: ControlPlaneWorkload): ChangeEvent[] {
  let rv = 0;
  const added = (kind: 'Service' | 'EndpointSlice', input: ServiceInput | EndpointSliceInput): ChangeEvent => {
    const resourceVersion = String(++rv);
    const object = { ...input, metadata: { ...input.metadata, resourceVersion } } as ChangeEvent['object'];
    return { type: 'ADDED', kind, object, resourceVersion };
  };
  return [...w.serviceInputs.map((s) => added('Service', s)), ...w.sliceInputs.map((s) => added('EndpointSlice', s))];
}

// ── checks ────────────────────────────────────────────────────────────────────────────

/** Data-plane ids of the workload's service ports (index i → id), from the proxy's names. */
function servicePortIds(proxy: NodeProxy, services: number): Int32Array {
  const ids = new Int32Array(services).fill(-1);
  const byName = new Map<string, number>();
  for (let i = 0; i < services; i++) byName.set(`${NAMESPACE}/${serviceName(i)}`, i);
  for (let id = 1; id <= services; id++) {
    const name = proxy.servicePortName(id);
    const index = name === undefined ? undefined : byName.get(name);
    if (index !== undefined) ids[index] = id;
  }
  const missing = ids.indexOf(-1);
  if (missing >= 0) throw new Error(`controlplane: service ${serviceName(missing)} has no service port in the data plane`);
  return ids;
}

/** Every service port exists with E backends; returns the ids by workload index. */
function checkLoaded(proxy: NodeProxy, w: ControlPlaneWorkload, label: string): Int32Array {
  const { services, endpoints } = w.workload;
  if (proxy.servicePortCount !== services) throw new Error(`${label}: ${proxy.servicePortCount} service ports programmed, want ${services}`);
  const ids = servicePortIds(proxy, services);
  for (let i = 0; i < services; i++) {
    const n = proxy.dataPlane.backendCount(ids[i]);
    if (n !== endpoints) throw new Error(`${label}: service port ${serviceName(i)} has ${n} backends, want ${endpoints}`);
  }
  return ids;
}

/** Routes packets aimed at the frontends; all must DNAT. Returns a checksum of the verdicts. */
function routeChecksum(dp: DataPlane, packets: Uint32Array, label: string): number {
  const count = packets.length / PACKET_RECORD_WORDS;
  dp.reserveBatch(count).set(packets);
  if (dp.routeBatch(count) !== count) throw new Error(`${label}: routeBatch(${count}) failed`);
  const output = dp.outputView();
  let h = 0x811c9dc5;
  for (let i = 0; i < count * VERDICT_RECORD_WORDS; i += VERDICT_RECORD_WORDS) {
    if (output[i] !== VERDICT_DNAT) throw new Error(`${label}: packet ${i / VERDICT_RECORD_WORDS} got verdict ${output[i]}, want DNAT`);
    for (let k = 0; k < VERDICT_RECORD_WORDS; k++) h = Math.imul(h ^ output[i + k], 0x01000193);
  }
  return h >>> 0;
}

function fail(status: number, call: string, id: number): never {
  throw new Error(`controlplane: ${call}(${id}) returned ${STATUS_NAMES[status] ?? status}`);
}

/** The NodeProxy's control calls for the table, made directly (load case c). */
function programDirectly(dp: DataPlane, w: Workload): void {
  const { services, endpoints } = w;
  for (let i = 0; i < services; i++) {
    const id = i + 1;
    let status = dp.upsertServicePort(id, 0);
    if (status !== ST_OK) fail(status, 'upsertServicePort', id);
    status = dp.addFrontend(w.clusterIp[i], w.port[i], w.protocol[i], FRONTEND_CLUSTER_IP, id);
    if (status !== ST_OK) fail(status, 'addFrontend', id);
    status = dp.setBackendCount(id, endpoints);
    if (status !== ST_OK) fail(status, 'setBackendCount', id);
    const base = i * endpoints;
    for (let e = 0; e < endpoints; e++) {
      status = dp.writeBackend(id, e, w.endpointAddress[base + e], w.endpointPort[base + e], 0);
      if (status !== ST_OK) fail(status, 'writeBackend', id);
    }
  }
}

// ── load ──────────────────────────────────────────────────────────────────────────────

type Variant = 'cluster' | 'proxy' | 'dataplane';
const VARIANTS: readonly Variant[] = ['cluster', 'proxy', 'dataplane'];

function tableLabel(services: number, endpoints: number): string {
  return `${sizeLabel(services)} services + ${sizeLabel(services * endpoints)} endpoints`;
}

function loadLabel(variant: Variant, services: number, endpoints: number): string {
  const what = `load ${tableLabel(services, endpoints)} from empty`;
  if (variant === 'cluster') return `${what}: Cluster.batch → NodeProxy → data plane`;
  if (variant === 'proxy') return `${what}: NodeProxy.applyChanges → data plane`;
  return `${what}: data plane calls alone`;
}

interface Loaded {
  ms: number;
  dp: DataPlane;
  proxy?: NodeProxy;
  cluster?: Cluster;
}

/**
 * One timed load. For the Cluster variant, `recorder` (if given) is attached after the
 * NodeProxy and receives the same batch: that is how the events of the other variants
 * are captured.
 */
async function loadOnce(variant: Variant, engine: Engine, w: ControlPlaneWorkload, events: readonly ChangeEvent[], recorder?: ClusterConsumer): Promise<Loaded> {
  const dp = await engine.create();
  if (variant === 'cluster') {
    const cluster = emptyCluster();
    const proxy = await createNodeProxy(cluster, { nodeName: NODE_NAME, engine: dp });
    if (recorder) cluster.addConsumer(recorder);
    collectGarbage();
    const started = performance.now();
    loadCluster(cluster, w);
    return { ms: performance.now() - started, dp, proxy, cluster };
  }
  if (variant === 'proxy') {
    const proxy = new NodeProxy(dp, { nodeName: NODE_NAME });
    collectGarbage();
    const started = performance.now();
    proxy.applyChanges(events);
    return { ms: performance.now() - started, dp, proxy };
  }
  collectGarbage();
  const started = performance.now();
  programDirectly(dp, w.workload);
  return { ms: performance.now() - started, dp };
}

// ── one endpoint change ──────────────────────────────────────────────────────────────

/** Adds the time spent in control calls to `spent` (ms); everything else passes through. */
class StopwatchDataPlane implements DataPlane {
  readonly kind: string;
  spent = 0;
  constructor(private readonly inner: DataPlane) {
    this.kind = inner.kind;
  }
  private time(call: () => number): number {
    const started = performance.now();
    const status = call();
    this.spent += performance.now() - started;
    return status;
  }
  upsertServicePort(id: number, flags: number): number {
    return this.time(() => this.inner.upsertServicePort(id, flags));
  }
  removeServicePort(id: number): number {
    return this.time(() => this.inner.removeServicePort(id));
  }
  addFrontend(address: number, port: number, protocol: number, kind: number, id: number): number {
    return this.time(() => this.inner.addFrontend(address, port, protocol, kind, id));
  }
  removeFrontend(address: number, port: number, protocol: number): number {
    return this.time(() => this.inner.removeFrontend(address, port, protocol));
  }
  setBackendCount(id: number, count: number): number {
    return this.time(() => this.inner.setBackendCount(id, count));
  }
  writeBackend(id: number, index: number, address: number, port: number, flags: number): number {
    return this.time(() => this.inner.writeBackend(id, index, address, port, flags));
  }
  reserveBatch(capacity: number): Uint32Array {
    return this.inner.reserveBatch(capacity);
  }
  inputView(): Uint32Array {
    return this.inner.inputView();
  }
  outputView(): Uint32Array {
    return this.inner.outputView();
  }
  routeBatch(count: number): number {
    return this.inner.routeBatch(count);
  }
  frontendCount(): number {
    return this.inner.frontendCount();
  }
  backendCount(id: number): number {
    return this.inner.backendCount(id);
  }
  memoryBytes(): number {
    return this.inner.memoryBytes();
  }
}

function changeLabel(variant: Variant, services: number, endpoints: number): string {
  const what = `1 endpoint readiness flip in ${tableLabel(services, endpoints)}`;
  if (variant === 'cluster') return `${what}: Cluster.updateEndpointSlice → NodeProxy → data plane`;
  if (variant === 'proxy') return `${what}: NodeProxy.applyChanges → data plane`;
  return `${what}: data plane calls alone`;
}

function withEndpointUnready<T extends EndpointSliceInput | EndpointSlice>(slice: T, endpoint: number): T {
  return {
    ...slice,
    endpoints: slice.endpoints!.map((e, j) => (j === endpoint ? { ...e, conditions: { ready: false, serving: false, terminating: false } } : e)),
  };
}

/** A loaded table that change requests continue on. */
interface ChangeRun {
  apply(c: number, down: boolean): void;
  /** Data-plane ids by workload index. */
  ids: Int32Array;
  /** The data plane itself (unwrapped). */
  inner: DataPlane;
  stopwatch?: StopwatchDataPlane;
}

// ── memory ────────────────────────────────────────────────────────────────────────────

interface MemoryPoint {
  services: number;
  endpoints: number;
  bytes: number;
  linearMemoryBytes?: number;
  heapBytes: number;
}

async function measureMemory(engine: Engine, w: ControlPlaneWorkload): Promise<MemoryPoint> {
  const { services, endpoints } = w.workload;
  const events = syntheticLoadEvents(w);
  const dp = await engine.create();
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const proxy = new NodeProxy(dp, { nodeName: NODE_NAME });
  proxy.applyChanges(events);
  collectGarbage();
  const heapBytes = process.memoryUsage().heapUsed - heapBefore;
  checkLoaded(proxy, w, `memory ${sizeLabel(services)} × ${endpoints} (${engine.name})`);
  const linearMemoryBytes = dp.kind === 'wasm' ? (dp as WasmDataPlane).exports.memory.buffer.byteLength : undefined;
  sink = (sink + proxy.servicePortCount + events.length) | 0;
  return { services, endpoints, bytes: dp.memoryBytes(), linearMemoryBytes, heapBytes };
}

/** (S, E), (2S, E), (S, 2E): see the header for the slopes they give. */
function memoryConfigurations(services: number, endpoints: number): [number, number][] {
  return [
    [services, endpoints],
    [services * 2, endpoints],
    [services, endpoints * 2],
  ];
}

function slopeLabel(what: string, base: MemoryPoint, deeper: MemoryPoint, doubled: MemoryPoint): string {
  const endpoints = (p: MemoryPoint) => sizeLabel(p.services * p.endpoints);
  return `memory slope: ${what} per service port (${sizeLabel(deeper.services)} → ${sizeLabel(doubled.services)} at ${endpoints(doubled)} endpoints) and per endpoint (${endpoints(base)} → ${endpoints(deeper)})`;
}

function memoryRows(engine: EngineName, points: readonly MemoryPoint[]): ControlPlaneRow[] {
  const rows: ControlPlaneRow[] = [];
  const [base, doubled, deeper] = points;
  const row = (kase: string, p: { services: number; endpoints: number }, fields: Partial<ControlPlaneRow>): void => {
    rows.push({ suite: 'controlplane', case: kase, engine, services: p.services, endpoints: p.endpoints, ...fields });
  };
  for (const p of points) {
    row(`memory: data plane tables, ${sizeLabel(p.services)} services × ${p.endpoints} endpoints`, p, {
      bytes: p.bytes,
      bytesPerServicePort: round(p.bytes / p.services, 1),
      bytesPerEndpoint: round(p.bytes / (p.services * p.endpoints), 1),
    });
    if (p.linearMemoryBytes !== undefined) {
      row(`memory: wasm linear memory, ${sizeLabel(p.services)} services × ${p.endpoints} endpoints`, p, { bytes: p.linearMemoryBytes, linearMemoryBytes: p.linearMemoryBytes });
    }
  }
  const slope = (pick: (p: MemoryPoint) => number) => ({
    bytesPerServicePort: round((pick(doubled) - pick(deeper)) / (doubled.services - deeper.services), 1),
    bytesPerEndpoint: round((pick(deeper) - pick(base)) / (deeper.services * deeper.endpoints - base.services * base.endpoints), 1),
  });
  row(slopeLabel('data plane tables', base, deeper, doubled), base, slope((p) => p.bytes));
  row(slopeLabel('NodeProxy tracking state (JS heap)', base, deeper, doubled), base, { bytes: base.heapBytes, ...slope((p) => p.heapBytes) });
  return rows;
}

// ── one engine's process ─────────────────────────────────────────────────────────────

type Request =
  | { op: 'ready' }
  | { op: 'load'; variant: Variant; repetition: number }
  | { op: 'changes'; variant: Variant; from: number; to: number; down: boolean }
  | { op: 'memory' };

interface Reply {
  ok: boolean;
  error?: string;
  /** load: the timed milliseconds. */
  ms?: number;
  /** load, first repetition: checksum of the verdicts for packets aimed at every frontend. */
  checksum?: number;
  /** changes: milliseconds per change. */
  samples?: number[];
  /** memory: the three configurations. */
  points?: MemoryPoint[];
}

/**
 * The state one engine's process keeps between requests: the workload, the change events
 * captured from the Cluster, the table the last Cluster load built, and a loaded table per
 * change variant.
 */
class EngineWorker {
  private timing: {
    w: ControlPlaneWorkload;
    packets: Uint32Array;
    events: readonly ChangeEvent[];
    clusterLoaded?: Required<Loaded>;
    runs: Map<Variant, ChangeRun>;
  } | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly services: number,
    private readonly endpoints: number,
    /** Changes per direction. */
    private readonly changeCount: number,
  ) {
    const w = makeControlPlaneWorkload(services, endpoints);
    this.timing = { w, packets: makePackets(w.workload, PACKETS, 1), events: [], runs: new Map() };
  }

  handle(request: Request): Promise<Reply> {
    if (request.op === 'ready') return Promise.resolve({ ok: true });
    if (request.op === 'load') return this.load(request.variant, request.repetition);
    if (request.op === 'changes') return this.changes(request.variant, request.from, request.to, request.down);
    return this.memory();
  }

  private async load(variant: Variant, repetition: number): Promise<Reply> {
    const t = this.timing!;
    const { services, endpoints } = this;
    const label = `${loadLabel(variant, services, endpoints)} (${this.engine.name})`;
    if (variant !== 'cluster' && t.events.length === 0) throw new Error(`${label}: no events captured yet (the Cluster variant runs first)`);
    const recorder: ClusterConsumer | undefined =
      variant === 'cluster' && repetition === 0 ? { applyChanges: (changes) => void (t.events = changes) } : undefined;
    const run = await loadOnce(variant, this.engine, t.w, t.events, recorder);
    if (run.cluster) t.clusterLoaded = run as Required<Loaded>;
    if (run.proxy) checkLoaded(run.proxy, t.w, label);
    else {
      for (let id = 1; id <= services; id++) {
        if (run.dp.backendCount(id) !== endpoints) throw new Error(`${label}: service port ${id} has ${run.dp.backendCount(id)} backends`);
      }
    }
    sink = (sink + run.dp.frontendCount()) | 0;
    const checksum = repetition === 0 ? routeChecksum(run.dp, t.packets, label) : undefined;
    return { ok: true, ms: run.ms, checksum };
  }

  /**
   * The loaded table a change variant runs on (the Cluster variant continues on the last
   * Cluster load), with every change's input or event built up front.
   */
  private async changeRun(variant: Variant): Promise<ChangeRun> {
    const t = this.timing!;
    const existing = t.runs.get(variant);
    if (existing) return existing;
    // One loaded table at a time, as in an application: the previous variant's is garbage.
    t.runs.clear();
    if (variant !== 'cluster') t.clusterLoaded = undefined;
    const label = `${changeLabel(variant, this.services, this.endpoints)} (${this.engine.name})`;
    const targets = this.changeTargets();
    let run: ChangeRun;
    if (variant === 'cluster') {
      const loaded = t.clusterLoaded;
      if (!loaded) throw new Error(`${label}: no Cluster load ran before`);
      const { cluster } = loaded;
      const unready = targets.map((target) => withEndpointUnready(t.w.sliceInputs[target.service], target.endpoint));
      run = {
        ids: checkLoaded(loaded.proxy, t.w, label),
        inner: loaded.dp,
        apply: (c, down) => {
          const updated = cluster.updateEndpointSlice(down ? unready[c] : t.w.sliceInputs[targets[c].service]);
          sink = (sink + updated.endpoints.length) | 0;
        },
      };
    } else {
      const inner = await this.engine.create();
      const stopwatch = variant === 'dataplane' ? new StopwatchDataPlane(inner) : undefined;
      const proxy = new NodeProxy(stopwatch ?? inner, { nodeName: NODE_NAME });
      proxy.applyChanges(t.events);
      const stored = new Map<string, EndpointSlice>();
      for (const event of t.events) if (event.kind === 'EndpointSlice') stored.set(event.object.metadata.name!, event.object as EndpointSlice);
      const downEvents: ChangeEvent[] = [];
      const upEvents: ChangeEvent[] = [];
      targets.forEach((target, c) => {
        const original = stored.get(`${serviceName(target.service)}-0`)!;
        const unready = deepFreeze(withEndpointUnready(original, target.endpoint));
        downEvents.push({ type: 'MODIFIED', kind: 'EndpointSlice', object: unready, previous: original, resourceVersion: String(2 * c + 1) });
        upEvents.push({ type: 'MODIFIED', kind: 'EndpointSlice', object: original, previous: unready, resourceVersion: String(2 * c + 2) });
      });
      run = {
        ids: checkLoaded(proxy, t.w, label),
        inner,
        stopwatch,
        apply: (c, down) => proxy.applyChanges([down ? downEvents[c] : upEvents[c]]),
      };
    }
    t.runs.set(variant, run);
    collectGarbage();
    return run;
  }

  /** The Service and endpoint of each change: distinct Services (7919 is prime). */
  private changeTargets(): { service: number; endpoint: number }[] {
    const { services, endpoints, changeCount } = this;
    const targets = Array.from({ length: changeCount }, (_, c) => ({ service: (c * SPREAD) % services, endpoint: c % endpoints }));
    if (new Set(targets.map((t) => t.service)).size !== targets.length) throw new Error(`controlplane: ${changeCount} changes do not hit distinct Services among ${services}`);
    return targets;
  }

  /** Changes [from, to) in one direction, each timed on its own; the table must follow each. */
  private async changes(variant: Variant, from: number, to: number, down: boolean): Promise<Reply> {
    const run = await this.changeRun(variant);
    const label = `${changeLabel(variant, this.services, this.endpoints)} (${this.engine.name})`;
    const want = down ? this.endpoints - 1 : this.endpoints;
    const samples: number[] = [];
    for (let c = from; c < to; c++) {
      const spentBefore = run.stopwatch?.spent ?? 0;
      const started = performance.now();
      run.apply(c, down);
      const elapsed = performance.now() - started;
      samples.push(run.stopwatch ? run.stopwatch.spent - spentBefore : elapsed);
      const id = run.ids[(c * SPREAD) % this.services];
      if (run.inner.backendCount(id) !== want) throw new Error(`${label}: after change ${c} service port ${id} has ${run.inner.backendCount(id)} backends, want ${want}`);
    }
    return { ok: true, samples };
  }

  private async memory(): Promise<Reply> {
    this.timing = undefined; // the timing workload is garbage from here on
    const points: MemoryPoint[] = [];
    for (const [s, e] of memoryConfigurations(this.services, this.endpoints)) {
      points.push(await measureMemory(this.engine, makeControlPlaneWorkload(s, e)));
      collectGarbage();
    }
    return { ok: true, points };
  }
}

// ── the suite: one process per engine, driven in lockstep ────────────────────────────

/** One engine's process: requests go one at a time, each answered by one Reply. */
class EngineProcess {
  private readonly child: ChildProcess;
  private pending: { resolve(reply: Reply): void; reject(error: Error): void } | undefined;
  private exited = false;

  constructor(readonly engine: EngineName, args: readonly string[]) {
    this.child = fork(fileURLToPath(import.meta.url), ['--worker', `--engine=${engine}`, ...args], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: Reply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (!pending) return;
      if (reply.ok) pending.resolve(reply);
      else pending.reject(new Error(`controlplane (${engine} process): ${reply.error}`));
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.pending?.reject(new Error(`controlplane: the ${engine} process exited (${signal ?? code}) before answering`));
      this.pending = undefined;
    });
  }

  request(request: Request): Promise<Reply> {
    if (this.exited) return Promise.reject(new Error(`controlplane: the ${this.engine} process has exited`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(request);
    });
  }

  /** Lets the process end (it exits when its IPC channel closes); kills it if it has not. */
  close(): void {
    if (this.exited) return;
    if (this.child.connected) this.child.disconnect();
    setTimeout(() => {
      if (!this.exited) this.child.kill();
    }, 5000).unref();
  }
}

/** Changes per request: the engines take turns every CHANGE_CHUNK changes. */
const CHANGE_CHUNK = 250;

/**
 * Runs the suite with one process per engine. Every repetition of a load, and every chunk
 * of changes, goes to each engine in turn (the order rotating), so drift in the machine's
 * load during the run spreads over all engines instead of skewing their ratio.
 */
export async function runControlPlaneBench(options: ControlPlaneBenchOptions): Promise<ControlPlaneRow[]> {
  const { engines, quick, log } = options;
  const services = options.services ?? 10_000;
  const endpoints = options.endpoints ?? 10;
  const { loadRepetitions, changes } = controlPlaneOptions(quick);
  const changeCount = Math.min(changes, services);
  const label = (name: EngineName): string => (name === 'wasm' ? `wasm (${wasmOptions.target ?? 'release'} build)` : name);
  log(`controlplane: ${tableLabel(services, endpoints)}; one process per engine (${engines.map((e) => e.name).join(', ')})`);
  const args = [`--services=${services}`, `--endpoints=${endpoints}`, `--changes=${changeCount}`, ...(wasmOptions.target ? [`--wasm-target=${wasmOptions.target}`] : [])];
  const processes = engines.map((e) => new EngineProcess(e.name, args));
  const rows: ControlPlaneRow[] = [];
  // Each process builds its workload on start; nothing is timed until all are done.
  const ready = Promise.all(processes.map((p) => p.request({ op: 'ready' })));
  const row = (engine: EngineName, kase: string, fields: Partial<ControlPlaneRow>): ControlPlaneRow => {
    const r: ControlPlaneRow = { suite: 'controlplane', case: kase, engine, services, endpoints, ...fields };
    rows.push(r);
    return r;
  };
  try {
    await ready;
    for (const variant of VARIANTS) {
      const kase = loadLabel(variant, services, endpoints);
      log(`controlplane: ${kase}`);
      const samples = new Map<EngineName, number[]>(engines.map((e) => [e.name, []]));
      const checksums = new Map<EngineName, number>();
      for (let repetition = 0; repetition < loadRepetitions; repetition++) {
        for (let k = 0; k < processes.length; k++) {
          const p = processes[(repetition + k) % processes.length];
          const reply = await p.request({ op: 'load', variant, repetition });
          samples.get(p.engine)!.push(reply.ms!);
          if (reply.checksum !== undefined) checksums.set(p.engine, reply.checksum);
        }
      }
      if (new Set(checksums.values()).size > 1) {
        throw new Error(`controlplane: ${kase}: engines route differently: ${[...checksums].map(([n, s]) => `${n} ${s.toString(16)}`).join(', ')}`);
      }
      for (const p of processes) {
        const times = samples.get(p.engine)!;
        const ms = median(times);
        const r = row(p.engine, kase, {
          ms: round(ms, 2),
          minMs: round(Math.min(...times), 2),
          maxMs: round(Math.max(...times), 2),
          repetitions: times.length,
          itemsPerSecond: Math.round((services * endpoints) / (ms / 1000)),
        });
        log(`  ${label(p.engine)}: ${r.ms} ms median (${r.minMs}–${r.maxMs} ms, ${times.length} runs)`);
      }
      if (processes.length > 1) log(`  every engine routes every frontend alike (checksum ${[...checksums.values()][0].toString(16).padStart(8, '0')})`);
    }

    for (const variant of VARIANTS) {
      const kase = changeLabel(variant, services, endpoints);
      log(`controlplane: ${kase}`);
      const samples = new Map<EngineName, number[]>(engines.map((e) => [e.name, []]));
      let turn = 0;
      for (const down of [true, false]) {
        for (let from = 0; from < changeCount; from += CHANGE_CHUNK) {
          const to = Math.min(changeCount, from + CHANGE_CHUNK);
          for (let k = 0; k < processes.length; k++) {
            const p = processes[(turn + k) % processes.length];
            samples.get(p.engine)!.push(...(await p.request({ op: 'changes', variant, from, to, down })).samples!);
          }
          turn++;
        }
      }
      for (const p of processes) {
        const times = samples.get(p.engine)!;
        const microseconds = median(times) * 1000;
        const r = row(p.engine, kase, {
          microseconds: round(microseconds, 2),
          p99Microseconds: round(percentile(times, 99) * 1000, 2),
          changes: times.length,
          itemsPerSecond: Math.round(1e6 / microseconds),
        });
        log(`  ${label(p.engine)}: ${r.microseconds} µs median, p99 ${r.p99Microseconds} µs (${times.length} changes)`);
      }
    }

    // naive-map's memoryBytes() is an estimate of JS object sizes, not buffers.
    for (const p of processes.filter((p) => p.engine !== 'naive-map')) {
      log(`controlplane: memory, ${label(p.engine)}`);
      const { points } = await p.request({ op: 'memory' });
      for (const point of points!) {
        log(
          `  ${sizeLabel(point.services)} services × ${point.endpoints} endpoints: ${point.bytes} bytes of tables` +
            `${point.linearMemoryBytes !== undefined ? `, ${point.linearMemoryBytes} bytes of linear memory` : ''}; NodeProxy JS heap +${point.heapBytes} bytes`,
        );
      }
      rows.push(...memoryRows(p.engine, points!));
    }
  } finally {
    for (const p of processes) p.close();
  }
  // Case by case, engines in the order given.
  const caseOrder = [...new Set(rows.map((r) => r.case))];
  const engineOrder = engines.map((e) => e.name);
  return rows.sort((a, b) => caseOrder.indexOf(a.case) - caseOrder.indexOf(b.case) || engineOrder.indexOf(a.engine) - engineOrder.indexOf(b.engine));
}

function workerMain(): void {
  const { values } = parseArgs({
    options: {
      worker: { type: 'boolean', default: false },
      engine: { type: 'string', default: 'wasm' },
      services: { type: 'string', default: '10000' },
      endpoints: { type: 'string', default: '10' },
      changes: { type: 'string', default: '2000' },
      'wasm-target': { type: 'string' },
    },
  });
  if (values['wasm-target'] !== undefined) wasmOptions.target = values['wasm-target'] as WasmTarget;
  const [engine] = selectEngines([values.engine!]);
  const worker = new EngineWorker(engine, Number(values.services), Number(values.endpoints), Number(values.changes));
  process.on('message', (request: Request) => {
    worker.handle(request).then(
      (reply) => process.send!(reply),
      (error: unknown) => process.send!({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Reply),
    );
  });
  process.on('disconnect', () => {
    if (controlPlaneSinkValue() === 0x7fff_ffff) process.stderr.write('\n');
  });
}

async function standaloneMain(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      engines: { type: 'string' },
      'wasm-target': { type: 'string' },
    },
  });
  if (values['wasm-target'] !== undefined) {
    if (!['release', 'debug'].includes(values['wasm-target'])) throw new Error('--wasm-target must be release or debug');
    wasmOptions.target = values['wasm-target'] as WasmTarget;
  }
  const engines = selectEngines(values.engines?.split(',').map((s) => s.trim()).filter(Boolean));
  const rows = await runControlPlaneBench({ engines, quick: values.quick ?? false, log: (line) => void process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  if (process.argv.includes('--worker')) workerMain();
  else {
    standaloneMain().catch((error: unknown) => {
      process.stderr.write(`controlplane failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
  }
}
