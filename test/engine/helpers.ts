// Helpers shared by the data plane suites: a seeded PRNG, packet/verdict records as
// plain values, and a router that drives any DataPlane through its batch views.

import { expect } from 'vitest';
import type { DataPlane } from '../../sdk/engine/dataplane.js';
import {
  PACKET_RECORD_WORDS,
  VERDICT_DNAT,
  VERDICT_PASS,
  VERDICT_RECORD_WORDS,
  VERDICT_REJECT,
  flowHash,
  pickIndex,
} from '../../sdk/engine/records.js';
import { Random } from '../../sdk/model/random.js';

/** A seeded u32 generator (sdk/model/random.ts's SplitMix32) as a plain function. */
export function prng(seed: number): () => number {
  const generator = new Random(seed);
  return () => generator.next();
}

/** Fisher–Yates shuffle in place with a seeded generator. */
export function shuffle<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

export interface Packet {
  source: number;
  destination: number;
  sourcePort: number;
  destinationPort: number;
  protocol: number;
}

/** A verdict record as its four words. */
export type VerdictWords = [number, number, number, number];

export interface Backend {
  address: number;
  port: number;
}

export function ip(text: string): number {
  const parts = text.split('.').map(Number);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function writePacket(view: Uint32Array, index: number, p: Packet): void {
  const w = index * PACKET_RECORD_WORDS;
  view[w] = p.source;
  view[w + 1] = p.destination;
  view[w + 2] = (p.sourcePort | (p.destinationPort << 16)) >>> 0;
  view[w + 3] = p.protocol;
}

export function readVerdict(view: Uint32Array, index: number): VerdictWords {
  const w = index * VERDICT_RECORD_WORDS;
  return [view[w], view[w + 1], view[w + 2], view[w + 3]];
}

/** Routes packets in batches of at most `batch` records; returns one verdict per packet. */
export function route(dp: DataPlane, packets: readonly Packet[], batch = 4096): VerdictWords[] {
  const verdicts: VerdictWords[] = [];
  const size = Math.min(batch, Math.max(1, packets.length));
  const input = dp.reserveBatch(size);
  const output = dp.outputView();
  for (let start = 0; start < packets.length; start += size) {
    const n = Math.min(size, packets.length - start);
    for (let i = 0; i < n; i++) writePacket(input, i, packets[start + i]);
    const routed = dp.routeBatch(n);
    if (routed !== n) throw new Error(`routeBatch(${n}) returned ${routed}`);
    for (let i = 0; i < n; i++) verdicts.push(readVerdict(output, i));
  }
  return verdicts;
}

export function routeOne(dp: DataPlane, packet: Packet): VerdictWords {
  return route(dp, [packet])[0];
}

export const pass = (): VerdictWords => [VERDICT_PASS, 0, 0, 0];
export const reject = (id: number): VerdictWords => [VERDICT_REJECT, id, 0, 0];
export const dnat = (id: number, endpoint: Backend): VerdictWords => [VERDICT_DNAT, id, endpoint.address, endpoint.port];

/** The endpoint index the contract (records.ts) prescribes for a packet among `count`. */
export function expectedIndex(p: Packet, count: number): number {
  return pickIndex(flowHash(p.source, p.destination, (p.sourcePort | (p.destinationPort << 16)) >>> 0, p.protocol), count);
}

/** The verdict the contract prescribes for a packet bound to service port `id`. */
export function expectedVerdict(p: Packet, id: number, backends: readonly Backend[]): VerdictWords {
  if (backends.length === 0) return reject(id);
  return dnat(id, backends[expectedIndex(p, backends.length)]);
}

/** Random packets (sources, source ports) to a fixed destination. */
export function flowsTo(
  next: () => number,
  count: number,
  destination: number,
  destinationPort: number,
  protocol: number,
): Packet[] {
  const packets: Packet[] = [];
  for (let i = 0; i < count; i++) {
    packets.push({ source: next(), destination, sourcePort: next() & 0xffff, destinationPort, protocol });
  }
  return packets;
}

/**
 * Compares verdict lists record by record and reports the first mismatch with its packet
 * and the number of mismatches (a deep diff of thousands of records is unreadable and slow).
 */
export function expectVerdicts(actual: readonly VerdictWords[], expected: readonly VerdictWords[], packets?: readonly Packet[]): void {
  expect(actual.length).toBe(expected.length);
  let first = -1;
  let mismatches = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a[0] !== e[0] || a[1] !== e[1] || a[2] !== e[2] || a[3] !== e[3]) {
      if (first < 0) first = i;
      mismatches++;
    }
  }
  if (first >= 0) {
    expect({ record: first, packet: packets?.[first], verdict: actual[first], mismatches }).toEqual({
      record: first,
      packet: packets?.[first],
      verdict: expected[first],
      mismatches: 0,
    });
  }
}
