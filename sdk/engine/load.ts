import type { CoreTarget, WasmSource } from './exports.js';
import { CORE_FILES } from './exports.js';

/** Produces the default source of a core target for the current platform. */
export type DefaultSourceResolver = (target: CoreTarget) => WasmSource | Promise<WasmSource>;

/**
 * Browser default: the `.wasm` next to the package's `dist/` entry, fetched relative to
 * this module. The URLs are static strings so bundlers (Vite) see and copy the assets.
 */
const browserDefault: DefaultSourceResolver = (target) =>
  target === 'debug'
    ? new URL('../../core.debug.wasm', import.meta.url)
    : new URL('../../core.wasm', import.meta.url);

let resolveDefault: DefaultSourceResolver = browserDefault;

/** Replaces the default resolver (the Node entry installs a file-system one). */
export function setDefaultCoreSource(resolver: DefaultSourceResolver): void {
  resolveDefault = resolver;
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** Compiles a source into a module; a default target's module is compiled once per process. */
export async function compileCore(target: CoreTarget, source?: WasmSource): Promise<WebAssembly.Module> {
  if (source === undefined) {
    let cached = compiled.get(target);
    if (!cached) {
      cached = Promise.resolve(resolveDefault(target)).then((s) => compileSource(s, CORE_FILES[target]));
      compiled.set(target, cached);
      cached.catch(() => compiled.delete(target));
    }
    return cached;
  }
  return compileSource(source, String(source));
}

async function compileSource(source: WasmSource, label: string): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source as BufferSource);
  let response: Response;
  if (typeof Response !== 'undefined' && source instanceof Response) {
    response = source;
  } else {
    response = await fetch(source as URL | string);
  }
  if (!response.ok) throw new Error(`svcnet: cannot load the core from ${response.url || label}: HTTP ${response.status}`);
  return WebAssembly.compile(await response.arrayBuffer());
}
