/**
 * The raw export surface of the AssemblyScript core (`assembly/index.ts`). Every
 * parameter and result is a number; u32 results above 2^31 arrive negative and must be
 * read with `>>> 0`.
 */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  upsertServicePort(id: number, flags: number): number;
  removeServicePort(id: number): number;
  addFrontend(address: number, port: number, protocol: number, kind: number, id: number): number;
  removeFrontend(address: number, port: number, protocol: number): number;
  lookupFrontend(address: number, port: number, protocol: number): number;
  setBackendCount(id: number, count: number): number;
  writeBackend(id: number, index: number, address: number, port: number, flags: number): number;
  backendCount(id: number): number;
  servicePortFlags(id: number): number;
  frontendCount(): number;
  reserveBatch(capacity: number): number;
  batchInputPtr(): number;
  batchOutputPtr(): number;
  batchCapacity(): number;
  routeBatch(count: number): number;
  memoryBytes(): number;
  layoutSignature(): number;
}

/** Which build of the core to load: `release` (-O3, no asserts) or `debug` (asserts on). */
export type CoreTarget = 'release' | 'debug';

/**
 * Where the core's bytes come from: a compiled module, the bytes themselves, a fetch
 * Response, or a URL / path to fetch (browser) or read (Node).
 */
export type WasmSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | Response | URL | string;

/** File name of each target inside the package's `dist/` folder. */
export const CORE_FILES: Record<CoreTarget, string> = {
  release: 'core.wasm',
  debug: 'core.debug.wasm',
};

