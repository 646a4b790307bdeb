// The data planes the benchmarks compare. Every entry creates a fresh, empty data plane.

import type { DataPlane } from '../sdk/engine/dataplane.js';
import { NaiveMapDataPlane, ReferenceDataPlane } from '../sdk/reference/index.js';
import { createWasmDataPlane } from '../sdk/engine/core.js';
import { nodeCoreSource } from '../sdk/node/load-node.js';

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

async function createWasm(): Promise<DataPlane> {
  const target = wasmOptions.target ?? 'release';
  // In Node the core's bytes are read from build/ or dist/ (Node's fetch refuses file: URLs).
  const dp = await createWasmDataPlane({ target, wasm: await nodeCoreSource(target) });
  wasmTargetLoaded = target;
  return dp;
}

export const ENGINES: Engine[] = [
  { name: 'wasm', create: createWasm },
  { name: 'reference', create: async () => new ReferenceDataPlane() },
  { name: 'naive-map', create: async () => new NaiveMapDataPlane() },
];

/** The engines to run (all by default). */
export function selectEngines(names?: readonly string[]): Engine[] {
  const unknown = (names ?? []).filter((n) => !ENGINES.some((e) => e.name === n));
  if (unknown.length > 0) throw new Error(`unknown engine(s) ${unknown.join(', ')}; known: ${ENGINES.map((e) => e.name).join(', ')}`);
  return names && names.length > 0 ? ENGINES.filter((e) => names.includes(e.name)) : ENGINES;
}
