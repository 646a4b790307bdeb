// The data planes the benchmarks compare. Every entry creates a fresh, empty data plane.

import type { DataPlane } from '../sdk/engine/dataplane.js';
import { NaiveMapDataPlane, ReferenceDataPlane } from '../sdk/reference/index.js';

export type EngineName = 'wasm' | 'reference' | 'naive-map';

export interface Engine {
  name: EngineName;
  create(): Promise<DataPlane>;
}

export type WasmTarget = 'release' | 'debug';

/** Which wasm build `create()` loads (set before creating); default `release`. */
export const wasmOptions: { target?: WasmTarget } = {};
/** The wasm build the last `create()` loaded, for the results' metadata. */
export let wasmTargetLoaded: WasmTarget | undefined;

interface WasmBinding {
  createWasmDataPlane(options?: { target?: WasmTarget; wasm?: unknown }): Promise<DataPlane>;
}

// Specifiers in variables: the benchmarks type-check and run before the binding exists.
const CORE_MODULE = '../sdk/engine/core.js';
const NODE_LOADER_MODULE = '../sdk/node/load-node.js';

let binding: Promise<WasmBinding | undefined> | undefined;

/** The wasm binding, or undefined while `sdk/engine/core.ts` does not exist yet. */
export function loadWasmBinding(): Promise<WasmBinding | undefined> {
  binding ??= import(CORE_MODULE).then(
    (m: WasmBinding) => m,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('core')) return undefined;
      throw error;
    },
  );
  return binding;
}

async function createWasm(): Promise<DataPlane> {
  const core = await loadWasmBinding();
  if (!core) throw new Error('svcnet bench: sdk/engine/core.ts does not exist yet');
  const target = wasmOptions.target ?? 'release';
  // In Node the core's bytes are read from build/ or dist/ (Node's fetch refuses file: URLs).
  const { nodeCoreSource } = (await import(NODE_LOADER_MODULE)) as { nodeCoreSource(t: WasmTarget): Promise<unknown> };
  const dp = await core.createWasmDataPlane({ target, wasm: await nodeCoreSource(target) });
  wasmTargetLoaded = target;
  return dp;
}

export const ENGINES: Engine[] = [
  // ── wasm: the AssemblyScript core through its binding (`createWasmDataPlane` in
  //    sdk/engine/core.ts). Skipped, with a warning, while that module does not exist. ──
  { name: 'wasm', create: createWasm },
  { name: 'reference', create: async () => new ReferenceDataPlane() },
  { name: 'naive-map', create: async () => new NaiveMapDataPlane() },
];

/** The engines to run (all by default), minus wasm when its binding does not exist yet. */
export async function availableEngines(names?: readonly string[]): Promise<Engine[]> {
  const wanted = names && names.length > 0 ? ENGINES.filter((e) => names.includes(e.name)) : ENGINES;
  const unknown = (names ?? []).filter((n) => !ENGINES.some((e) => e.name === n));
  if (unknown.length > 0) throw new Error(`unknown engine(s) ${unknown.join(', ')}; known: ${ENGINES.map((e) => e.name).join(', ')}`);
  if (!wanted.some((e) => e.name === 'wasm') || (await loadWasmBinding())) return wanted;
  const line = '!'.repeat(78);
  console.warn(
    `${line}\n!! svcnet bench: sdk/engine/core.ts does not exist yet: the WASM ENGINE IS SKIPPED.\n` +
      `!! Results below compare only ${wanted.filter((e) => e.name !== 'wasm').map((e) => e.name).join(' and ')}.\n${line}`,
  );
  return wanted.filter((e) => e.name !== 'wasm');
}
