import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CORE_FILES, type CoreTarget, type WasmSource } from '../engine/exports.js';
import { setDefaultCoreSource, setLocalSourceReader } from '../engine/load.js';

/**
 * Node default source of a core target: `dist/<file>` when running from the built package
 * (this file is dist/sdk/node/load-node.js), else `build/<file>` when running from sources.
 * Node's fetch refuses file: URLs, so the bytes are read from disk.
 */
export async function nodeCoreSource(target: CoreTarget): Promise<WasmSource> {
  const file = CORE_FILES[target];
  const candidates = [new URL(`../../${file}`, import.meta.url), new URL(`../../build/${file}`, import.meta.url)];
  for (const candidate of candidates) {
    try {
      return await readFile(candidate);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new Error(
    `svcnet: the ${target} core (${file}) was not found at ${candidates.map((c) => fileURLToPath(c)).join(' or ')}; run \`npm run build\``,
  );
}

/** Reads `file:` URLs and plain paths from disk; other URLs are left to fetch. */
export async function readLocalSource(source: URL | string): Promise<Uint8Array | undefined> {
  if (source instanceof URL) return source.protocol === 'file:' ? readFile(source) : undefined;
  if (source.startsWith('file:')) return readFile(new URL(source));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return undefined;
  return readFile(source);
}

/** Teaches the loader to read the cores from disk (the Node entry and the CLI call this). */
export function installNodeLoader(): void {
  setDefaultCoreSource(nodeCoreSource);
  setLocalSourceReader(readLocalSource);
}
