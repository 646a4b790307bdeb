import type { CoreTarget, WasmSource } from './exports.js';
import { CORE_FILES } from './exports.js';

/** Produces the default source of a core target for the current platform. */
export type DefaultSourceResolver = (target: CoreTarget) => WasmSource | Promise<WasmSource>;

/**
 * Browser default: the release `.wasm` next to the package's `dist/` entry, fetched
 * relative to this module. The URL is a static string so bundlers (Vite) see and copy the
 * asset; the debug core is not referenced, so production bundles do not carry it (pass
 * `wasm` explicitly to load it in a browser).
 */
const browserDefault: DefaultSourceResolver = (target) => {
  if (target === 'debug') {
    throw new Error("svcnet: in browsers the debug core has no default location; pass { wasm: <URL of core.debug.wasm> }");
  }
  return new URL('../../core.wasm', import.meta.url);
};

let resolveDefault: DefaultSourceResolver = browserDefault;

/** Replaces the default resolver (the Node entry installs a file-system one). */
export function setDefaultCoreSource(resolver: DefaultSourceResolver): void {
  resolveDefault = resolver;
}

/**
 * Reads a URL or path without fetch, or returns undefined to let fetch have it. The Node
 * entry installs one for `file:` URLs and plain paths (Node's fetch refuses file: URLs).
 */
export type LocalSourceReader = (source: URL | string) => Promise<Uint8Array | undefined>;

let readLocal: LocalSourceReader = async () => undefined;

export function setLocalSourceReader(reader: LocalSourceReader): void {
  readLocal = reader;
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
  return compileSource(source, typeof source === 'string' || source instanceof URL ? String(source) : 'the given source');
}

async function compileSource(source: WasmSource, label: string): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source as BufferSource);
  let response: Response;
  if (typeof Response !== 'undefined' && source instanceof Response) {
    response = source;
  } else {
    const local = await readLocal(source as URL | string);
    if (local) return WebAssembly.compile(local as BufferSource);
    response = await fetch(source as URL | string);
  }
  if (!response.ok) throw new Error(`svcnet: cannot load the core from ${response.url || label}: HTTP ${response.status}`);
  return WebAssembly.compile(await response.arrayBuffer());
}
