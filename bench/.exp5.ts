import { ReferenceDataPlane } from '../sdk/reference/dataplane.js';
import { makePackets, makeWorkload, programDataPlane } from './workload.js';
if (process.env.DETACH) { const b = new ArrayBuffer(8); structuredClone(b, { transfer: [b] }); }
const GOLDEN = 0x9e3779b1;
// single heap: [input | output | table | sp | pool], offsets in words
function single(heap: Int32Array, inOff: number, outOff: number, tabOff: number, mask: number, spOff: number, poolOff: number, count: number): number {
  const end = count << 2;
  for (let r = 0; r < end; r += 4) {
    const ir = inOff + r;
    const destination = heap[ir + 1];
    const ports = heap[ir + 2];
    const protocol = heap[ir + 3] & 0xff;
    const portProto = (ports >>> 16) | (protocol << 16);
    let h = (destination + Math.imul(portProto, GOLDEN)) | 0;
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
    let slot = h & mask;
    let id = 0;
    for (;;) {
      const at = tabOff + (slot << 2);
      const candidate = heap[at + 2];
      if (candidate === 0) break;
      if (heap[at] === destination && heap[at + 1] === portProto) { id = candidate; break; }
      slot = (slot + 1) & mask;
    }
    const o = outOff + r;
    if (id === 0) { heap[o] = 0; heap[o + 1] = 0; heap[o + 2] = 0; heap[o + 3] = 0; continue; }
    const record = spOff + (id << 2);
    const n = heap[record + 1];
    if (n === 0) { heap[o] = 2; heap[o + 1] = id; heap[o + 2] = 0; heap[o + 3] = 0; continue; }
    let f = Math.imul(heap[ir] ^ 0x5eedc0de, 0xcc9e2d51) ^ Math.imul(destination, 0x1b873593) ^ Math.imul(ports, 0x85ebca77) ^ Math.imul(protocol, 0x27d4eb2f);
    f ^= f >>> 16; f = Math.imul(f, 0x85ebca6b); f ^= f >>> 13; f = Math.imul(f, 0xc2b2ae35); f ^= f >>> 16;
    const entry = poolOff + ((heap[record] + (((f >>> 0) * n * 2.3283064365386963e-10) | 0)) << 1);
    heap[o] = 1; heap[o + 1] = id; heap[o + 2] = heap[entry]; heap[o + 3] = heap[entry + 1] & 0xffff;
  }
  return count;
}
for (const services of [1000, 100000]) {
  const w = makeWorkload({ services, endpoints: 10, seed: 0x5eed0000 + services });
  const pk = makePackets(w, 4096, 1);
  const dp = new ReferenceDataPlane() as any;
  programDataPlane(dp, w);
  dp.reserveBatch(4096).set(pk);
  const parts = [dp.inputWords.subarray(0, 4096 * 4), dp.outputWords.subarray(0, 4096 * 4), dp.frontends, dp.servicePorts, dp.pool];
  const total = parts.reduce((s: number, p: Int32Array) => s + p.length, 0);
  const heap = new Int32Array(total);
  const offs: number[] = []; let o = 0; for (const p of parts) { offs.push(o); heap.set(p, o); o += p.length; }
  dp.routeBatch(4096);
  single(heap, offs[0], offs[1], offs[2], dp.frontendMask, offs[3], offs[4], 4096);
  for (let i = 0; i < 4096 * 4; i++) if (heap[offs[1] + i] !== dp.outputWords[i]) { console.log('MISMATCH'); break; }
  const run = (name: string, f: () => void) => {
    for (let i = 0; i < 300; i++) f();
    let best = Infinity;
    for (let rep = 0; rep < 30; rep++) { const t = performance.now(); for (let i = 0; i < 50; i++) f(); best = Math.min(best, (performance.now() - t) / 50); }
    console.log(process.env.DETACH ? 'detached' : 'intact  ', services, name, (4096 / best / 1000).toFixed(1));
  };
  run('separate', () => dp.routeBatch(4096));
  run('single  ', () => single(heap, offs[0], offs[1], offs[2], dp.frontendMask, offs[3], offs[4], 4096));
}
