import { instantiate } from '@assemblyscript/loader';
import type { DataPlane } from './dataplane.js';
import type { CoreExports, CoreTarget, WasmSource } from './exports.js';
import { compileCore } from './load.js';
import { PACKET_RECORD_BYTES, PACKET_RECORD_WORDS, VERDICT_RECORD_BYTES, ST_OK } from './records.js';

export interface WasmDataPlaneOptions {
  /** `release` (default) or `debug` (asserts on, for tests). */
  target?: CoreTarget;
  /** Explicit source of the core's bytes (bundlers, workers, CSP-restricted pages). */
  wasm?: WasmSource;
}

/**
 * The AssemblyScript core behind the DataPlane contract. Each instance owns one wasm
 * instance (its own memory and tables); the compiled module is shared per process.
 *
 * @assemblyscript/loader is used for instantiation only: it accepts every source kind
 * (bytes, Module, Response) and installs an `env.abort` that turns the core's assertion
 * failures into readable `abort: <message> at <file>:<line>` errors. Every call after
 * that goes straight to the raw exports and to typed views made here.
 */
export class WasmDataPlane implements DataPlane {
  readonly kind = 'wasm';
  readonly target: CoreTarget;
  private readonly core: CoreExports;
  private buffer: ArrayBuffer;
  private input: Uint32Array;
  private output: Uint32Array;

  constructor(core: CoreExports, target: CoreTarget) {
    this.core = core;
    this.target = target;
    this.buffer = core.memory.buffer;
    this.input = new Uint32Array(0);
    this.output = new Uint32Array(0);
    this.refreshViews();
  }

  /** The raw exports, for tests and advanced users; views over memory go stale on growth. */
  get exports(): CoreExports {
    return this.core;
  }

  /** Re-creates the batch views; the one place that follows memory growth and moves. */
  private refreshViews(): void {
    const core = this.core;
    this.buffer = core.memory.buffer;
    const capacity = core.batchCapacity() >>> 0;
    this.input = new Uint32Array(this.buffer, core.batchInputPtr() >>> 0, (capacity * PACKET_RECORD_BYTES) >>> 2);
    this.output = new Uint32Array(this.buffer, core.batchOutputPtr() >>> 0, (capacity * VERDICT_RECORD_BYTES) >>> 2);
  }

  private afterControl(status: number): number {
    if (this.core.memory.buffer !== this.buffer) this.refreshViews();
    return status;
  }

  upsertServicePort(id: number, flags: number): number {
    return this.afterControl(this.core.upsertServicePort(id, flags));
  }

  removeServicePort(id: number): number {
    return this.afterControl(this.core.removeServicePort(id));
  }

  addFrontend(address: number, port: number, protocol: number, kind: number, id: number): number {
    return this.afterControl(this.core.addFrontend(address, port, protocol, kind, id));
  }

  removeFrontend(address: number, port: number, protocol: number): number {
    return this.afterControl(this.core.removeFrontend(address, port, protocol));
  }

  setBackendCount(id: number, count: number): number {
    return this.afterControl(this.core.setBackendCount(id, count));
  }

  writeBackend(id: number, index: number, address: number, port: number, flags: number): number {
    return this.core.writeBackend(id, index, address, port, flags);
  }

  reserveBatch(capacity: number): Uint32Array {
    const status = this.core.reserveBatch(capacity);
    if (status !== ST_OK) throw new RangeError(`svcnet: a batch of ${capacity} records is larger than the core accepts`);
    this.refreshViews();
    return this.input.subarray(0, capacity * PACKET_RECORD_WORDS);
  }

  inputView(): Uint32Array {
    return this.input;
  }

  outputView(): Uint32Array {
    return this.output;
  }

  routeBatch(count: number): number {
    return this.core.routeBatch(count);
  }

  frontendCount(): number {
    return this.core.frontendCount() >>> 0;
  }

  backendCount(id: number): number {
    return this.core.backendCount(id) >>> 0;
  }

  memoryBytes(): number {
    return this.core.memoryBytes() >>> 0;
  }
}

/** Compiles (once per target) and instantiates a fresh core. */
export async function createWasmDataPlane(options: WasmDataPlaneOptions = {}): Promise<WasmDataPlane> {
  const target = options.target ?? 'release';
  const module = await compileCore(target, options.wasm);
  const { exports } = await instantiate<Record<string, unknown>>(module, {});
  return new WasmDataPlane(exports as unknown as CoreExports, target);
}
