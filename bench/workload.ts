// Seeded workloads for the data plane benchmarks: N service ports, each with a ClusterIP
// frontend and E endpoints, and packet batches aimed at them. Deterministic for a seed
// (no Math.random), so every engine and every run sees the same tables and packets.

import type { DataPlane } from '../sdk/engine/dataplane.js';
import { FRONTEND_CLUSTER_IP, PACKET_RECORD_WORDS, PROTO_SCTP, PROTO_TCP, PROTO_UDP, ST_OK, STATUS_NAMES } from '../sdk/engine/records.js';
import { Random } from '../sdk/model/random.js';

/** A seeded u32 generator (sdk/model/random.ts's SplitMix32) as a plain function. */
export function random(seed: number): () => number {
  const generator = new Random(seed);
  return () => generator.next();
}

/** Service port `id` is index `id - 1`; its endpoints are `[(id - 1) * endpoints, id * endpoints)`. */
export interface Workload {
  services: number;
  endpoints: number;
  seed: number;
  clusterIp: Uint32Array;
  port: Uint16Array;
  protocol: Uint8Array;
  endpointAddress: Uint32Array;
  endpointPort: Uint16Array;
}

export interface WorkloadOptions {
  services: number;
  endpoints: number;
  seed?: number;
}

const SERVICE_CIDR = 0x0a60_0000; // 10.96.0.0/12
const SERVICE_MASK = 0x000f_ffff;
const POD_CIDR = 0x0a80_0000; // 10.128.0.0/9, inside 10.0.0.0/8 and clear of the service range
const POD_MASK = 0x007f_ffff;

export function makeWorkload({ services, endpoints, seed = 1 }: WorkloadOptions): Workload {
  if (services > SERVICE_MASK + 1) throw new RangeError(`at most ${SERVICE_MASK + 1} services fit 10.96.0.0/12`);
  if (services * endpoints > POD_MASK + 1) throw new RangeError(`at most ${POD_MASK + 1} endpoints fit 10.128.0.0/9`);
  const next = random(seed);
  // x → (x * odd + offset) mod 2^k is a bijection: distinct, scattered addresses.
  const serviceMul = (next() | 1) >>> 0;
  const serviceAdd = next();
  const podMul = (next() | 1) >>> 0;
  const podAdd = next();
  const w: Workload = {
    services,
    endpoints,
    seed,
    clusterIp: new Uint32Array(services),
    port: new Uint16Array(services),
    protocol: new Uint8Array(services),
    endpointAddress: new Uint32Array(services * endpoints),
    endpointPort: new Uint16Array(services * endpoints),
  };
  for (let i = 0; i < services; i++) {
    w.clusterIp[i] = (SERVICE_CIDR | ((Math.imul(i, serviceMul) + serviceAdd) & SERVICE_MASK)) >>> 0;
    const p = next() % 100;
    w.port[i] = p < 70 ? 80 : 1 + (next() % 65535);
    const q = next() % 100;
    w.protocol[i] = q < 90 ? PROTO_TCP : q < 98 ? PROTO_UDP : PROTO_SCTP;
    const targetPort = next() % 4 === 0 ? 1024 + (next() % 64512) : 8080;
    for (let e = 0; e < endpoints; e++) {
      const j = i * endpoints + e;
      w.endpointAddress[j] = (POD_CIDR | ((Math.imul(j, podMul) + podAdd) & POD_MASK)) >>> 0;
      w.endpointPort[j] = targetPort;
    }
  }
  return w;
}

function check(status: number, call: string): void {
  if (status !== ST_OK) throw new Error(`${call} returned ${STATUS_NAMES[status] ?? status}`);
}

/** Programs every service port, endpoint and frontend of the workload; `onProgress(done)` per 10k. */
export function programDataPlane(dp: DataPlane, w: Workload, onProgress?: (done: number) => void): void {
  const { services, endpoints } = w;
  for (let i = 0; i < services; i++) {
    const id = i + 1;
    check(dp.upsertServicePort(id, 0), `upsertServicePort(${id})`);
    check(dp.setBackendCount(id, endpoints), `setBackendCount(${id})`);
    const base = i * endpoints;
    for (let e = 0; e < endpoints; e++) {
      check(dp.writeBackend(id, e, w.endpointAddress[base + e], w.endpointPort[base + e], 0), `writeBackend(${id}, ${e})`);
    }
    check(dp.addFrontend(w.clusterIp[i], w.port[i], w.protocol[i], FRONTEND_CLUSTER_IP, id), `addFrontend(${id})`);
    if (onProgress && (id % 10_000 === 0 || id === services)) onProgress(id);
  }
}

/**
 * `count` packet records (4 words each, records.ts): sources are random pod addresses and
 * ephemeral ports; a fraction `hitRatio` goes to a frontend chosen uniformly, the rest to
 * 192.168.0.0/16, where no frontend lives (PASS).
 */
export function makePackets(w: Workload, count: number, hitRatio = 1, seed = w.seed + 1): Uint32Array {
  const next = random(seed ^ 0x5eed);
  const records = new Uint32Array(count * PACKET_RECORD_WORDS);
  const threshold = Math.round(hitRatio * 0x1_0000);
  for (let r = 0; r < count; r++) {
    const at = r * PACKET_RECORD_WORDS;
    const sourcePort = 32768 + (next() % 28232);
    records[at] = (0x0a00_0000 | (next() & 0x00ff_ffff)) >>> 0;
    if ((next() & 0xffff) < threshold) {
      const i = next() % w.services;
      records[at + 1] = w.clusterIp[i];
      records[at + 2] = (sourcePort | (w.port[i] << 16)) >>> 0;
      records[at + 3] = w.protocol[i];
    } else {
      records[at + 1] = (0xc0a8_0000 | (next() & 0xffff)) >>> 0;
      records[at + 2] = (sourcePort | ((1 + (next() % 65535)) << 16)) >>> 0;
      records[at + 3] = PROTO_TCP;
    }
  }
  return records;
}
