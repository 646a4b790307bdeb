import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CORE_FILES, type CoreTarget, type WasmSource } from '../engine/exports.js';

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
