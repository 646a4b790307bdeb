import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { DataPlane } from '../../sdk/engine/dataplane.js';
import { NaiveMapDataPlane, ReferenceDataPlane } from '../../sdk/reference/index.js';
import { createWasmDataPlane } from '../../sdk/engine/core.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { type DataPlanePair, applyProgram, programArbitrary, runDifferential } from './differential.js';

setDefaultCoreSource(nodeCoreSource);

const PAIRS: DataPlanePair[] = [
  { name: 'reference vs naive-map', a: () => new ReferenceDataPlane(), b: () => new NaiveMapDataPlane() },
  { name: 'wasm-release vs reference', a: () => createWasmDataPlane({ target: 'release' }), b: () => new ReferenceDataPlane() },
  { name: 'wasm-debug vs reference', a: () => createWasmDataPlane({ target: 'debug' }), b: () => new ReferenceDataPlane() },
];

const TIMEOUT = 120_000;

describe.each(PAIRS)('differential: $name', (pair) => {
  test(
    'random programs: every status, count and verdict is identical',
    async () => {
      await fc.assert(
        fc.asyncProperty(programArbitrary(), async (program) => {
          applyProgram(await pair.a(), await pair.b(), program);
        }),
        { numRuns: 500 },
      );
    },
    TIMEOUT,
  );

  test(
    'long seeded programs exercise every outcome',
    async () => {
      const total = { statuses: new Set<string>(), verdicts: new Set<string>() };
      for (const seed of [1, 2, 3, 4]) {
        const stats = runDifferential(await pair.a(), await pair.b(), seed, 1500);
        Object.keys(stats.statuses).forEach((k) => total.statuses.add(k));
        Object.keys(stats.verdicts).forEach((k) => total.verdicts.add(k));
      }
      expect([...total.verdicts].sort()).toEqual(['DNAT', 'PASS', 'REJECT']);
      for (const expected of [
        'upsertServicePort OK',
        'upsertServicePort BAD_ARGUMENT',
        'removeServicePort OK',
        'removeServicePort NOT_FOUND',
        'removeServicePort BAD_ARGUMENT',
        'addFrontend OK',
        'addFrontend EXISTS',
        'addFrontend NOT_FOUND',
        'addFrontend BAD_ARGUMENT',
        'removeFrontend OK',
        'removeFrontend NOT_FOUND',
        'removeFrontend BAD_ARGUMENT',
        'setBackendCount OK',
        'setBackendCount NOT_FOUND',
        'setBackendCount BAD_ARGUMENT',
        'writeBackend OK',
        'writeBackend NOT_FOUND',
        'writeBackend BAD_ARGUMENT',
        'routeBatch -4',
      ]) {
        expect(total.statuses, expected).toContain(expected);
      }
    },
    TIMEOUT,
  );
});

/** Delegates to a reference data plane and corrupts one kind of result. */
class Perturbed implements DataPlane {
  readonly kind = 'perturbed';
  private readonly inner = new ReferenceDataPlane();
  constructor(private readonly defect: 'sctp-remove' | 'endpoint-port') {}
  upsertServicePort(id: number, flags: number): number {
    return this.inner.upsertServicePort(id, flags);
  }
  removeServicePort(id: number): number {
    return this.inner.removeServicePort(id);
  }
  addFrontend(address: number, port: number, protocol: number, kind: number, id: number): number {
    return this.inner.addFrontend(address, port, protocol, kind, id);
  }
  removeFrontend(address: number, port: number, protocol: number): number {
    const status = this.inner.removeFrontend(address, port, protocol);
    return this.defect === 'sctp-remove' && protocol === 132 && status === 0 ? 2 : status;
  }
  setBackendCount(id: number, count: number): number {
    return this.inner.setBackendCount(id, count);
  }
  writeBackend(id: number, index: number, address: number, port: number, flags: number): number {
    return this.inner.writeBackend(id, index, address, port, flags);
  }
  reserveBatch(capacity: number): Uint32Array {
    return this.inner.reserveBatch(capacity);
  }
  inputView(): Uint32Array {
    return this.inner.inputView();
  }
  outputView(): Uint32Array {
    return this.inner.outputView();
  }
  routeBatch(count: number): number {
    const routed = this.inner.routeBatch(count);
    if (this.defect === 'endpoint-port' && routed > 0) {
      const out = this.inner.outputView();
      for (let i = 0; i < routed; i++) {
        if (out[i * 4] === 1 && this.inner.backendCount(out[i * 4 + 1]) > 2) out[i * 4 + 3] ^= 1;
      }
    }
    return routed;
  }
  frontendCount(): number {
    return this.inner.frontendCount();
  }
  backendCount(id: number): number {
    return this.inner.backendCount(id);
  }
  memoryBytes(): number {
    return this.inner.memoryBytes();
  }
}

describe('the differential harness finds planted defects', () => {
  test.each(['sctp-remove', 'endpoint-port'] as const)('%s', async (defect) => {
    const run = fc.check(
      fc.property(programArbitrary(), (program) => {
        applyProgram(new NaiveMapDataPlane(), new Perturbed(defect), program);
      }),
      { numRuns: 300, seed: 7, interruptAfterTimeLimit: 20_000 },
    );
    expect(run.failed).toBe(true);
  });
});
