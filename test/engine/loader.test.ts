// Every WasmSource kind the binding accepts, as a Node user passes it.
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createWasmDataPlane } from '../../sdk/engine/core.js';
import type { WasmSource } from '../../sdk/engine/exports.js';
import { installNodeLoader } from '../../sdk/node/load-node.js';

installNodeLoader();

const RELEASE = fileURLToPath(new URL('../../build/core.wasm', import.meta.url));

describe('core sources in Node', () => {
  it.each<[string, () => Promise<WasmSource>]>([
    ['01 a plain path', async () => RELEASE],
    ['02 a file: URL', async () => pathToFileURL(RELEASE)],
    ['03 a file: URL string', async () => pathToFileURL(RELEASE).href],
    ['04 bytes', async () => readFile(RELEASE)],
    ['05 an ArrayBuffer', async () => new Uint8Array(await readFile(RELEASE)).buffer],
    ['06 a compiled Module', async () => WebAssembly.compile(await readFile(RELEASE))],
    ['07 a Response', async () => new Response(await readFile(RELEASE))],
  ])('%s loads a working core', async (_desc, source) => {
    const dp = await createWasmDataPlane({ wasm: await source() });
    expect(dp.upsertServicePort(1, 0)).toBe(0);
    expect(dp.addFrontend(0x0a600001, 443, 6, 0, 1)).toBe(0);
    const input = dp.reserveBatch(1);
    input.set([0x0a010005, 0x0a600001, 443 << 16, 6]);
    expect(dp.routeBatch(1)).toBe(1);
    expect(Array.from(dp.outputView().subarray(0, 2))).toEqual([2, 1]); // REJECT, id 1: no backends
  });

  it('08 a missing file names the path', async () => {
    await expect(createWasmDataPlane({ wasm: '/nonexistent/core.wasm' })).rejects.toThrow(/ENOENT.*\/nonexistent\/core\.wasm/);
  });

  it('09 bytes that are not wasm fail to compile', async () => {
    await expect(createWasmDataPlane({ wasm: new Uint8Array([1, 2, 3, 4]) })).rejects.toThrow(WebAssembly.CompileError);
  });
});
