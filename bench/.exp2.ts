import { ReferenceDataPlane } from '../sdk/reference/dataplane.js';
import { makePackets, makeWorkload, programDataPlane } from './workload.js';
for (const services of [1000, 100000]) {
  for (const seed of [5 + services, 0x5eed0000 + services]) {
    const w = makeWorkload({ services, endpoints: 10, seed });
    const pk = makePackets(w, 4096, 1);
    const dp = new ReferenceDataPlane();
    programDataPlane(dp, w);
    dp.reserveBatch(4096).set(pk);
    for (let i = 0; i < 300; i++) dp.routeBatch(4096);
    let best = Infinity, total = 0, n = 0;
    for (let rep = 0; rep < 30; rep++) {
      const t = performance.now();
      for (let i = 0; i < 50; i++) dp.routeBatch(4096);
      const dt = (performance.now() - t) / 50; best = Math.min(best, dt); total += dt; n++;
    }
    console.log(services, seed.toString(16), 'best', (4096 / best / 1000).toFixed(1), 'mean', (4096 / (total / n) / 1000).toFixed(1));
  }
}
import { add, suite, configure, cycle } from 'benny';
{
  const services = 1000;
  const w = makeWorkload({ services, endpoints: 10, seed: 0x5eed0000 + services });
  const pk = makePackets(w, 4096, 1);
  const dp = new ReferenceDataPlane();
  programDataPlane(dp, w);
  dp.reserveBatch(4096).set(pk);
  let sink = 0;
  await suite('x', add('ref', () => () => { sink += dp.routeBatch(4096); }), configure({ cases: { minSamples: 5, maxTime: 1 } }), cycle((r: any) => { console.log('benny', (r.ops * 4096 / 1e6).toFixed(1)); }));
  let best = Infinity;
  for (let rep = 0; rep < 30; rep++) { const t = performance.now(); for (let i = 0; i < 50; i++) dp.routeBatch(4096); best = Math.min(best, (performance.now() - t) / 50); }
  console.log('after benny best', (4096 / best / 1000).toFixed(1), sink > 0);
}
