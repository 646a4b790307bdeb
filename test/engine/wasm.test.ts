// The DataPlane contract suite against both builds of the AssemblyScript core.
import { createWasmDataPlane } from '../../sdk/engine/core.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { describeDataPlane } from './dataplane.suite.js';
import { describe, expect, it } from 'vitest';
import { MAX_BACKEND_POOL_ENTRIES, MAX_BACKENDS_PER_SERVICE_PORT, ST_NO_MEMORY, ST_NOT_FOUND, ST_OK } from '../../sdk/engine/records.js';

setDefaultCoreSource(nodeCoreSource);

describeDataPlane('wasm-debug', () => createWasmDataPlane({ target: 'debug' }));
describeDataPlane('wasm-release', () => createWasmDataPlane({ target: 'release' }));

describe('wasm core ceilings', () => {
  it('01 the backend pool stops at MAX_BACKEND_POOL_ENTRIES with NO_MEMORY and changes nothing', async () => {
    const dp = await createWasmDataPlane({ target: 'release' });
    const perPort = MAX_BACKENDS_PER_SERVICE_PORT; // 2^20 entries, one power-of-two range each
    let id = 1;
    for (; id * perPort <= MAX_BACKEND_POOL_ENTRIES; id++) {
      expect(dp.upsertServicePort(id, 0)).toBe(ST_OK);
      expect(dp.setBackendCount(id, perPort)).toBe(ST_OK);
    }
    expect(dp.upsertServicePort(id, 0)).toBe(ST_OK);
    expect(dp.setBackendCount(id, perPort)).toBe(ST_NO_MEMORY);
    expect(dp.backendCount(id)).toBe(0);
    expect(dp.setBackendCount(id, perPort / 2)).toBe(ST_OK); // a smaller range still fits below the ceiling
    expect(dp.setBackendCount(id + 1, perPort)).toBe(ST_NOT_FOUND);
    expect(dp.upsertServicePort(id + 1, 0)).toBe(ST_OK);
    expect(dp.setBackendCount(id + 1, perPort)).toBe(ST_NO_MEMORY);
    expect(dp.setBackendCount(1, 0)).toBe(ST_OK); // a freed range is reused by the next of its size
    expect(dp.setBackendCount(id + 1, perPort)).toBe(ST_OK);
  }, 60_000);
});
