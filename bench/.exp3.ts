import { ReferenceDataPlane } from '../sdk/reference/dataplane.js';
import { makePackets, makeWorkload, programDataPlane } from './workload.js';
import { ENGINES, wasmOptions } from './engines.js';
const mode = process.env.IMPORT;
if (mode) await import(mode);
wasmOptions.target = 'release';
for (const services of [1000, 100000]) {
  for (const engine of ENGINES.slice(0, 2)) {
    const w = makeWorkload({ services, endpoints: 10, seed: 0x5eed0000 + services });
    const pk = makePackets(w, 4096, 1);
    const dp = await engine.create();
    programDataPlane(dp, w);
    dp.reserveBatch(4096).set(pk);
    for (let i = 0; i < 300; i++) dp.routeBatch(4096);
    let best = Infinity, total = 0, n = 0;
    for (let rep = 0; rep < 30; rep++) {
      const t = performance.now();
      for (let i = 0; i < 50; i++) dp.routeBatch(4096);
      const dt = (performance.now() - t) / 50; best = Math.min(best, dt); total += dt; n++;
    }
    console.log(mode ?? '-', services, engine.name, 'best', (4096 / best / 1000).toFixed(1), 'mean', (4096 / (total / n) / 1000).toFixed(1));
  }
}
