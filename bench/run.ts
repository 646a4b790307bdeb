// Benchmark entry: node --expose-gc --import tsx bench/run.ts [--quick]
//   [--suites=route,dns,controlplane,frames,decisions] [--engines=wasm,reference,naive-map]
//   [--sizes=1000,10000,100000] [--wasm-target=release|debug] [--kernel-only]
//
// Progress goes to stderr, the summary tables to stdout; results are written to
// bench/results/latest.json and latest.meta.json. Rows of suites not run this time are
// kept from the previous latest.json (meta.suiteRuns says when and how each suite's rows
// were measured), so `--suites=controlplane` does not erase the route and dns rows.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { type WasmTarget, selectEngines, wasmOptions, wasmTargetLoaded } from './engines.js';
import { type BenchResult, ROUTE_SIZES, caseOptions, runRouteBench, sinkValue } from './route.js';
import { type DnsBenchRow, dnsSinkValue, runDnsBench } from './dns.js';
import { type ControlPlaneRow, controlPlaneOptions, controlPlaneSinkValue, runControlPlaneBench } from './controlplane.js';
import { type FramesBenchRow, framesSinkValue, framesTable, runFramesBench } from './frames.js';
import { type DecisionsBenchRow, decisionsSinkValue, decisionsTable, runDecisionsBench } from './decisions.js';

const BATCH = 4096;
const ENDPOINTS = 10;
const SUITES = ['route', 'dns', 'controlplane', 'frames', 'decisions'] as const;
type SuiteName = (typeof SUITES)[number];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    engines: { type: 'string' },
    sizes: { type: 'string' },
    'wasm-target': { type: 'string' },
    'kernel-only': { type: 'boolean', default: false },
    suites: { type: 'string', default: SUITES.join(',') },
  },
});

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function table(results: readonly BenchResult[]): string {
  const engines = ['wasm', 'reference', 'naive-map'] as const;
  const cases = [...new Set(results.map((r) => r.case))];
  const rate = (c: string, e: string): number | undefined => results.find((r) => r.case === c && r.engine === e)?.itemsPerSecond;
  const fmt = (v: number | undefined): string => (v === undefined ? '—' : (v / 1e6).toFixed(2));
  const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);
  const header = ['case (M packets/s)', ...engines, 'wasm/reference', 'wasm/naive-map', 'reference/naive-map'];
  const rows = cases.map((c) => {
    const [w, r, n] = engines.map((e) => rate(c, e));
    return [c, fmt(w), fmt(r), fmt(n), ratio(w, r), ratio(w, n), ratio(r, n)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function dnsTable(rows: readonly DnsBenchRow[]): string {
  const reference = rows.find((r) => r.engine === 'reference');
  const header = ['case (M answers/s)', 'engine', 'rate', 'vs reference'];
  const body = rows.map((r) => [r.case, r.engine, (r.itemsPerSecond / 1e6).toFixed(2), reference ? `${(r.itemsPerSecond / reference.itemsPerSecond).toFixed(2)}×` : '—']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/**
 * Control-plane rows: one line per case, time (ms for loads, µs for changes) or bytes per
 * engine, and how many times less wasm needs than each other engine (reference ÷ wasm).
 */
function controlPlaneTable(rows: readonly ControlPlaneRow[]): string {
  const engines = ['wasm', 'reference', 'naive-map'] as const;
  const present = engines.filter((e) => rows.some((r) => r.engine === e));
  const cases = [...new Set(rows.map((r) => r.case))];
  const value = (row: ControlPlaneRow | undefined): number | undefined => row?.ms ?? row?.microseconds ?? row?.bytes;
  const fmt = (n: number | undefined, digits: number): string => (n === undefined ? '—' : n.toFixed(digits));
  const ratio = (other: number | undefined, wasm: number | undefined): string =>
    other === undefined || wasm === undefined || wasm === 0 ? '—' : `${(other / wasm).toFixed(2)}×`;
  const header = ['case', 'unit', ...present, ...present.filter((e) => e !== 'wasm').map((e) => `${e}/wasm`)];
  const body: string[][] = [];
  for (const c of cases) {
    const byEngine = (e: string) => rows.find((r) => r.case === c && r.engine === e);
    const sample = rows.find((r) => r.case === c)!;
    if (sample.bytesPerServicePort !== undefined && sample.case.startsWith('memory slope')) {
      for (const [unit, pick] of [
        ['B/service port', (r?: ControlPlaneRow) => r?.bytesPerServicePort],
        ['B/endpoint', (r?: ControlPlaneRow) => r?.bytesPerEndpoint],
      ] as const) {
        const values = present.map((e) => pick(byEngine(e)));
        const wasm = values[present.indexOf('wasm')];
        body.push([c, unit, ...values.map((v) => fmt(v, 1)), ...present.filter((e) => e !== 'wasm').map((e) => ratio(pick(byEngine(e)), wasm))]);
      }
      continue;
    }
    const unit = sample.ms !== undefined ? 'ms (median)' : sample.microseconds !== undefined ? 'µs (median)' : 'bytes';
    const digits = sample.ms !== undefined || sample.microseconds !== undefined ? 2 : 0;
    const values = present.map((e) => value(byEngine(e)));
    const wasm = values[present.indexOf('wasm')];
    body.push([c, unit, ...values.map((v) => fmt(v, digits)), ...present.filter((e) => e !== 'wasm').map((e) => ratio(value(byEngine(e)), wasm))]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

interface SuiteRun {
  date: string;
  quick: boolean;
  durationSeconds: number;
}

/** Rows and per-suite run records of the previous latest.json / latest.meta.json, if readable. */
function previousResults(folder: URL): { rows: { suite?: string }[]; suiteRuns: Partial<Record<string, SuiteRun>> } {
  const rowsFile = new URL('latest.json', folder);
  const metaFile = new URL('latest.meta.json', folder);
  let rows: { suite?: string }[] = [];
  let suiteRuns: Partial<Record<string, SuiteRun>> = {};
  try {
    if (existsSync(rowsFile)) {
      const parsed: unknown = JSON.parse(readFileSync(rowsFile, 'utf8'));
      if (Array.isArray(parsed)) rows = parsed as { suite?: string }[];
    }
    if (existsSync(metaFile)) {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { suiteRuns?: Partial<Record<string, SuiteRun>>; date?: string; durationSeconds?: number; flags?: { quick?: boolean } };
      if (meta.suiteRuns) suiteRuns = meta.suiteRuns;
      else if (meta.date) {
        // Written before suiteRuns existed: every suite in the rows came from that run.
        for (const suite of new Set(rows.map((r) => r.suite))) {
          if (suite) suiteRuns[suite] = { date: meta.date, quick: meta.flags?.quick ?? false, durationSeconds: meta.durationSeconds ?? 0 };
        }
      }
    }
  } catch (error) {
    log(`note: previous results unreadable (${error instanceof Error ? error.message : String(error)}); writing this run's rows only`);
    rows = [];
    suiteRuns = {};
  }
  return { rows, suiteRuns };
}

async function main(): Promise<void> {
  const started = Date.now();
  const quick = args.quick ?? false;
  if (args['wasm-target'] !== undefined) {
    if (!['release', 'debug'].includes(args['wasm-target'])) throw new Error(`--wasm-target must be release or debug`);
    wasmOptions.target = args['wasm-target'] as WasmTarget;
  }
  const engines = selectEngines(args.engines?.split(',').map((s) => s.trim()).filter(Boolean));
  const sizes = args.sizes ? args.sizes.split(',').map((s) => Number(s.trim())) : ROUTE_SIZES;
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes must be positive integers`);
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') log('note: run with --expose-gc so the heap is collected between cases');
  log(`svcnet bench${quick ? ' (quick)' : ''}: engines ${engines.map((e) => e.name).join(', ')}; sizes ${sizes.join(', ')}`);

  const suites = (args.suites ?? SUITES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const unknownSuites = suites.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknownSuites.length > 0) throw new Error(`unknown suite(s) ${unknownSuites.join(', ')}; known: ${SUITES.join(', ')}`);
  const suiteRuns: Partial<Record<SuiteName, SuiteRun>> = {};
  const timed = async <T>(suite: SuiteName, run: () => Promise<T[]>): Promise<T[]> => {
    if (!suites.includes(suite)) return [];
    const suiteStarted = Date.now();
    const rows = await run();
    suiteRuns[suite] = { date: new Date().toISOString(), quick, durationSeconds: Math.round((Date.now() - suiteStarted) / 100) / 10 };
    return rows;
  };
  const results: BenchResult[] = await timed('route', () =>
    runRouteBench({ engines, sizes, endpoints: ENDPOINTS, batch: BATCH, quick, endToEnd: !args['kernel-only'], log }),
  );
  const dnsRows: DnsBenchRow[] = await timed('dns', () => runDnsBench({ quick, log }));
  const controlPlaneRows: ControlPlaneRow[] = await timed('controlplane', () => runControlPlaneBench({ engines, quick, log }));
  const framesRows: FramesBenchRow[] = await timed('frames', () => runFramesBench({ quick, log }));
  const decisionsRows: DecisionsBenchRow[] = await timed('decisions', () => runDecisionsBench({ quick, log }));

  const folder = new URL('./results/', import.meta.url);
  mkdirSync(folder, { recursive: true });
  const previous = previousResults(folder);
  const kept = previous.rows.filter((r) => !suites.includes(r.suite ?? ''));
  const keptSuites = [...new Set(kept.map((r) => r.suite ?? '?'))];
  if (kept.length > 0) log(`keeping ${kept.length} rows of suite(s) ${keptSuites.join(', ')} from the previous latest.json`);
  const rowsBySuite = new Map<string, unknown[]>();
  for (const row of [...kept, ...results, ...dnsRows, ...controlPlaneRows, ...framesRows, ...decisionsRows] as { suite?: string }[]) {
    const suite = row.suite ?? '?';
    if (!rowsBySuite.has(suite)) rowsBySuite.set(suite, []);
    rowsBySuite.get(suite)!.push(row);
  }
  // Suites in their canonical order, whichever run wrote them.
  const order = [...SUITES, ...[...rowsBySuite.keys()].filter((s) => !(SUITES as readonly string[]).includes(s))];
  const allRows = order.flatMap((s) => rowsBySuite.get(s) ?? []);
  writeFileSync(new URL('latest.json', folder), `${JSON.stringify(allRows, null, 2)}\n`);
  const cpus = os.cpus();
  const mergedSuiteRuns: Partial<Record<string, SuiteRun>> = {};
  for (const suite of order) {
    if (!rowsBySuite.has(suite)) continue;
    const run = suiteRuns[suite as SuiteName] ?? previous.suiteRuns[suite];
    if (run) mergedSuiteRuns[suite] = run;
  }
  const meta = {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    /** Suites this run measured; rows of the others were kept from earlier runs. */
    suites,
    /** When each suite's rows in latest.json were measured. */
    suiteRuns: mergedSuiteRuns,
    flags: {
      quick,
      engines: engines.map((e) => e.name),
      // The controlplane suite loads wasm in its engine processes only.
      wasmTarget: wasmTargetLoaded ?? (controlPlaneRows.some((r) => r.engine === 'wasm') || framesRows.length > 0 || decisionsRows.length > 0 ? (wasmOptions.target ?? 'release') : null),
      sizes,
      endpoints: ENDPOINTS,
      batch: BATCH,
      endToEnd: !args['kernel-only'],
      benny: caseOptions(quick),
      controlplane: controlPlaneOptions(quick),
      execArgv: process.execArgv,
      exposeGc: typeof (globalThis as { gc?: unknown }).gc === 'function',
    },
  };
  writeFileSync(new URL('latest.meta.json', folder), `${JSON.stringify(meta, null, 2)}\n`);

  if (results.length > 0) process.stdout.write(`\n${table(results)}\n\n`);
  if (dnsRows.length > 0) process.stdout.write(`${dnsTable(dnsRows)}\n\n`);
  if (controlPlaneRows.length > 0) process.stdout.write(`${controlPlaneTable(controlPlaneRows)}\n\n`);
  if (framesRows.length > 0) process.stdout.write(`${framesTable(framesRows)}\n\n`);
  if (decisionsRows.length > 0) process.stdout.write(`${decisionsTable(decisionsRows)}\n\n`);
  process.stdout.write(
    `${meta.cpu}, ${meta.cores} cores, Node ${meta.node}${meta.flags.wasmTarget ? `, wasm target ${meta.flags.wasmTarget}` : ''}; ` +
      `${meta.durationSeconds} s; results in bench/results/latest.json\n`,
  );
  // Keeps the folded verdicts observable.
  if (sinkValue() === 0x7fff_ffff || dnsSinkValue() === 0x7fff_ffff || controlPlaneSinkValue() === 0x7fff_ffff || framesSinkValue() === 0x7fff_ffff || decisionsSinkValue() === 0x7fff_ffff) log('');
}

main().catch((error: unknown) => {
  process.stderr.write(`svcnet bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
