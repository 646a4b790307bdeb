// Batch routing: one benny op = one routeBatch of `batch` packet records.
//
// The main case measures the kernel: the records already sit in the engine's input view
// and nothing is copied. The end-to-end case adds what a caller pays around it: copying a
// Uint32Array of records in with `.set()` and the verdicts back out.
//
// Tables are built once per (engine, size) outside benny, whose setup function runs
// several times (assemblyscript.md §9.1); the setup only captures views.
//
// Caveat for the JS engines: once any ArrayBuffer in the process has been detached
// (wasm memory.grow, a transfer to a worker, tsx compiling benny through its esbuild
// worker), V8 checks for detachment on typed array accesses in optimised code. Every run
// here is in that state; in a pristine process the reference kernel measured 15-30%
// faster (Node 20, same machine). An app that also runs a growable wasm memory is in the
// same state as this benchmark.

import { add, configure, cycle, suite } from 'benny';
import type { DataPlane } from '../sdk/engine/dataplane.js';
import { PACKET_RECORD_WORDS, VERDICT_DNAT, VERDICT_RECORD_WORDS } from '../sdk/engine/records.js';
import { type Engine, type EngineName, wasmTargetLoaded } from './engines.js';
import { type Workload, makePackets, makeWorkload, programDataPlane } from './workload.js';

export interface BenchResult {
  suite: 'route';
  case: string;
  engine: EngineName;
  services: number;
  endpoints: number;
  itemsPerSecond: number;
}

export interface RouteBenchOptions {
  engines: readonly Engine[];
  /** Service port counts, one case per count. */
  sizes: readonly number[];
  endpoints: number;
  batch: number;
  quick: boolean;
  endToEnd: boolean;
  /** Progress lines (stderr). */
  log: (line: string) => void;
  /** Called with each result as soon as its case is measured. */
  onResult?: (result: BenchResult, marginPercent: number) => void;
}

export const ROUTE_SIZES = [1_000, 10_000, 100_000];

/** Benny case options: `--quick` keeps the whole run (3 sizes × 3 engines × 2 cases) under a minute. */
export function caseOptions(quick: boolean): { minSamples: number; maxTime: number; delay: number } {
  return quick ? { minSamples: 5, maxTime: 0.3, delay: 0 } : { minSamples: 20, maxTime: 3, delay: 0.005 };
}

/** Folds verdict words the timed functions read, so no engine's work is dead code. */
let sink = 0;
export function sinkValue(): number {
  return sink;
}

export function sizeLabel(n: number): string {
  return n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

export function caseLabel(services: number, endpoints: number, batch: number, endToEnd: boolean): string {
  const base = `${sizeLabel(services)} services × ${endpoints} endpoints, ${batch}-packet batch`;
  return endToEnd ? `${base}, end-to-end (copy in and out)` : base;
}

function checksum(words: Uint32Array, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  return h >>> 0;
}

interface Programmed {
  engine: Engine;
  dp: DataPlane;
  input: Uint32Array;
  /** The first `batch` verdict records of the output view. */
  output: Uint32Array;
}

/** Runs benny with its console output (one "Running … suite" line) sent to stderr. */
export async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);
  try {
    return await run();
  } finally {
    console.log = log;
  }
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function program(engine: Engine, workload: Workload, packets: Uint32Array, log: (line: string) => void): Promise<Programmed> {
  const started = performance.now();
  const { services } = workload;
  const batch = packets.length / PACKET_RECORD_WORDS;
  const dp = await engine.create();
  const name = engine.name === 'wasm' && wasmTargetLoaded ? `wasm (${wasmTargetLoaded} build)` : engine.name;
  let lastLog = started;
  programDataPlane(dp, workload, (done) => {
    const now = performance.now();
    if (done === services || now - lastLog > 1000) {
      lastLog = now;
      log(`  ${name}: programmed ${done}/${services} service ports (${((now - started) / 1000).toFixed(1)} s)`);
    }
  });
  const input = dp.reserveBatch(batch);
  input.set(packets);
  const output = dp.outputView().subarray(0, batch * VERDICT_RECORD_WORDS);
  return { engine, dp, input, output };
}

/** Routes the batch once on every engine and checks that all verdicts agree. */
function verifyOutputs(planes: readonly Programmed[], batch: number, label: string, log: (line: string) => void): void {
  const words = batch * VERDICT_RECORD_WORDS;
  for (const p of planes) {
    const routed = p.dp.routeBatch(batch);
    if (routed !== batch) throw new Error(`${label}: ${p.engine.name}.routeBatch(${batch}) returned ${routed}`);
    let dnat = 0;
    for (let i = 0; i < words; i += VERDICT_RECORD_WORDS) if (p.output[i] === VERDICT_DNAT) dnat++;
    if (dnat !== batch) throw new Error(`${label}: ${p.engine.name} DNATed ${dnat} of ${batch} packets aimed at frontends`);
  }
  const [first, ...others] = planes;
  const expected = checksum(first.output, words);
  for (const p of others) {
    if (checksum(p.output, words) === expected) continue;
    let at = 0;
    while (at < words && p.output[at] === first.output[at]) at++;
    const record = Math.floor(at / VERDICT_RECORD_WORDS);
    const show = (o: Uint32Array) => Array.from(o.subarray(record * 4, record * 4 + 4));
    throw new Error(
      `${label}: verdicts differ: record ${record}: ${first.engine.name} ${JSON.stringify(show(first.output))}, ` +
        `${p.engine.name} ${JSON.stringify(show(p.output))}` +
        (wasmTargetLoaded ? ` (wasm ran its ${wasmTargetLoaded} build: stale? rebuild or pass --wasm-target)` : ''),
    );
  }
  log(`  all engines agree (checksum ${expected.toString(16).padStart(8, '0')})`);
}

async function measure(
  planes: readonly Programmed[],
  services: number,
  options: RouteBenchOptions,
  endToEnd: boolean,
): Promise<BenchResult[]> {
  const { batch, endpoints, log } = options;
  const label = caseLabel(services, endpoints, batch, endToEnd);
  const words = batch * VERDICT_RECORD_WORDS;
  const mask = words - 1;
  const cases = planes.map((p) =>
    add(p.engine.name, () => {
      const { dp, input, output } = p;
      let k = 0;
      if (!endToEnd) {
        return () => {
          dp.routeBatch(batch);
          k = (k + 6) & mask;
          sink = (sink + output[k]) | 0;
        };
      }
      const packets = input.slice();
      const verdicts = new Uint32Array(words);
      return () => {
        input.set(packets);
        dp.routeBatch(batch);
        verdicts.set(output);
        k = (k + 6) & mask;
        sink = (sink + verdicts[k]) | 0;
      };
    }),
  );
  log(`route: ${label}`);
  collectGarbage();
  const results: BenchResult[] = [];
  await quietly(() =>
    suite(
      `route: ${label}`,
      ...cases,
      configure({ cases: caseOptions(options.quick) }),
      cycle((result) => {
        const result2: BenchResult = {
          suite: 'route',
          case: label,
          engine: result.name as EngineName,
          services,
          endpoints,
          itemsPerSecond: Math.round(result.ops * batch),
        };
        results.push(result2);
        options.onResult?.(result2, result.margin);
        log(`  ${result.name}: ${(result2.itemsPerSecond / 1e6).toFixed(2)} M packets/s ±${result.margin}% (${result.samples} samples)`);
        return undefined;
      }),
    ),
  );
  return results;
}

export async function runRouteBench(options: RouteBenchOptions): Promise<BenchResult[]> {
  const { batch, endpoints, log } = options;
  if ((batch & (batch - 1)) !== 0) throw new RangeError('the batch size must be a power of two');
  const results: BenchResult[] = [];
  for (const services of options.sizes) {
    const label = caseLabel(services, endpoints, batch, false);
    log(`route: ${label}: building tables`);
    const workload = makeWorkload({ services, endpoints, seed: 0x5eed_0000 + services });
    const packets = makePackets(workload, batch, 1);
    let planes: Programmed[] = [];
    for (const engine of options.engines) planes.push(await program(engine, workload, packets, log));
    verifyOutputs(planes, batch, label, log);
    results.push(...(await measure(planes, services, options, false)));
    if (options.endToEnd) results.push(...(await measure(planes, services, options, true)));
    planes = [];
    collectGarbage();
  }
  return results;
}
