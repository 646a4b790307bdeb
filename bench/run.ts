// Benchmark entry: node --expose-gc --import tsx bench/run.ts [--quick]
//   [--suites=route,dns] [--engines=wasm,reference,naive-map] [--sizes=1000,10000,100000]
//   [--wasm-target=release|debug] [--kernel-only]
//
// Progress goes to stderr, the summary table to stdout; results are written to
// bench/results/latest.json and latest.meta.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { type WasmTarget, selectEngines, wasmOptions, wasmTargetLoaded } from './engines.js';
import { type BenchResult, ROUTE_SIZES, caseOptions, runRouteBench, sinkValue } from './route.js';
import { type DnsBenchRow, dnsSinkValue, runDnsBench } from './dns.js';

const BATCH = 4096;
const ENDPOINTS = 10;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    engines: { type: 'string' },
    sizes: { type: 'string' },
    'wasm-target': { type: 'string' },
    'kernel-only': { type: 'boolean', default: false },
    suites: { type: 'string', default: 'route,dns' },
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

  const suites = (args.suites ?? 'route,dns').split(',').map((s) => s.trim());
  const unknownSuites = suites.filter((s) => s !== 'route' && s !== 'dns');
  if (unknownSuites.length > 0) throw new Error(`unknown suite(s) ${unknownSuites.join(', ')}; known: route, dns`);
  const results: BenchResult[] = suites.includes('route')
    ? await runRouteBench({ engines, sizes, endpoints: ENDPOINTS, batch: BATCH, quick, endToEnd: !args['kernel-only'], log })
    : [];
  const dnsRows: DnsBenchRow[] = suites.includes('dns') ? await runDnsBench({ quick, log }) : [];

  const folder = new URL('./results/', import.meta.url);
  mkdirSync(folder, { recursive: true });
  writeFileSync(new URL('latest.json', folder), `${JSON.stringify([...results, ...dnsRows], null, 2)}\n`);
  const cpus = os.cpus();
  const meta = {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    flags: {
      quick,
      engines: engines.map((e) => e.name),
      wasmTarget: wasmTargetLoaded ?? null,
      sizes,
      endpoints: ENDPOINTS,
      batch: BATCH,
      endToEnd: !args['kernel-only'],
      benny: caseOptions(quick),
      execArgv: process.execArgv,
      exposeGc: typeof (globalThis as { gc?: unknown }).gc === 'function',
    },
  };
  writeFileSync(new URL('latest.meta.json', folder), `${JSON.stringify(meta, null, 2)}\n`);

  if (results.length > 0) process.stdout.write(`\n${table(results)}\n\n`);
  if (dnsRows.length > 0) process.stdout.write(`${dnsTable(dnsRows)}\n\n`);
  process.stdout.write(
    `${meta.cpu}, ${meta.cores} cores, Node ${meta.node}${meta.flags.wasmTarget ? `, wasm target ${meta.flags.wasmTarget}` : ''}; ` +
      `${meta.durationSeconds} s; results in bench/results/latest.json\n`,
  );
  // Keeps the folded verdicts observable.
  if (sinkValue() === 0x7fff_ffff || dnsSinkValue() === 0x7fff_ffff) log('');
}

main().catch((error: unknown) => {
  process.stderr.write(`svcnet bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
