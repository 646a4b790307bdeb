// The batch kernel: packet records in, verdict records out (layouts in layout.ts).
// Assumes valid pointers and count (checked once by the exported wrapper); never
// allocates, never grows memory. Verdict stores write the 16-byte record as u64 pairs:
// bytes 0..7 = verdict | flags << 8 | service port id << 32, bytes 8..15 = endpoint.

import {
  PACKET_SRC, PACKET_DST, PACKET_PORTS, PACKET_PROTO,
  VERDICT_KIND, VERDICT_ENDPOINT_ADDR, VERDICT_ENDPOINT_PORT,
  VERDICT_PASS, VERDICT_DNAT, VERDICT_REJECT,
  FRONTEND_SHIFT, FRONTEND_KEY, FRONTEND_ID,
  SERVICE_PORT_SHIFT, SP_BACKEND_BASE, SP_BACKEND_COUNT,
  BACKEND_SHIFT, BACKEND_ADDR, BACKEND_PORT,
} from "./layout";
import { flowHash, frontendHash, pickIndex } from "./hash";
import { frontendBase, frontendMask, frontendKey } from "./frontends";
import { servicePortBase, backendPoolBase } from "./services";

export function routeRecords(input: usize, output: usize, count: u32): void {
  let i: u32 = 0;
  // Groups of four: the loads of each stage (frontend slot, service port record, backend)
  // are issued for all four packets before any is used, so their cache misses overlap.
  for (; i + 4 <= count; i += 4) {
    const p0 = input + (<usize>i << 4);
    const p1 = p0 + 16;
    const p2 = p0 + 32;
    const p3 = p0 + 48;
    const id0 = frontendOf(p0);
    const id1 = frontendOf(p1);
    const id2 = frontendOf(p2);
    const id3 = frontendOf(p3);
    const r0 = servicePortBase + (<usize>id0 << SERVICE_PORT_SHIFT);
    const r1 = servicePortBase + (<usize>id1 << SERVICE_PORT_SHIFT);
    const r2 = servicePortBase + (<usize>id2 << SERVICE_PORT_SHIFT);
    const r3 = servicePortBase + (<usize>id3 << SERVICE_PORT_SHIFT);
    const n0 = load<u32>(r0, SP_BACKEND_COUNT);
    const n1 = load<u32>(r1, SP_BACKEND_COUNT);
    const n2 = load<u32>(r2, SP_BACKEND_COUNT);
    const n3 = load<u32>(r3, SP_BACKEND_COUNT);
    const o0 = output + (<usize>i << 4);
    finish(p0, o0, id0, r0, n0);
    finish(p1, o0 + 16, id1, r1, n1);
    finish(p2, o0 + 32, id2, r2, n2);
    finish(p3, o0 + 48, id3, r3, n3);
  }
  for (; i < count; i++) {
    const packet = input + (<usize>i << 4);
    const id = frontendOf(packet);
    const record = servicePortBase + (<usize>id << SERVICE_PORT_SHIFT);
    finish(packet, output + (<usize>i << 4), id, record, load<u32>(record, SP_BACKEND_COUNT));
  }
}

/** Service port id bound to the packet's destination (0 = none). Record 0 is all zero. */
// @ts-ignore: decorator
@inline function frontendOf(packet: usize): u32 {
  const table = frontendBase;
  const mask = frontendMask;
  const destination = load<u32>(packet, PACKET_DST);
  const keyHigh = (load<u32>(packet, PACKET_PORTS) >>> 16) | (<u32>load<u8>(packet, PACKET_PROTO) << 16);
  const key = frontendKey(destination, keyHigh);
  let slot = frontendHash(destination, keyHigh) & mask;
  while (true) {
    const at = table + (<usize>slot << FRONTEND_SHIFT);
    const candidate = load<u32>(at, FRONTEND_ID);
    if (candidate == 0 || load<u64>(at, FRONTEND_KEY) == key) return candidate;
    slot = (slot + 1) & mask;
  }
}

// @ts-ignore: decorator
@inline function finish(packet: usize, verdict: usize, id: u32, record: usize, n: u32): void {
  if (id == 0) {
    store<u64>(verdict, <u64>VERDICT_PASS, VERDICT_KIND);
    store<u64>(verdict, 0, VERDICT_ENDPOINT_ADDR);
    return;
  }
  if (n == 0) {
    store<u64>(verdict, <u64>VERDICT_REJECT | (<u64>id << 32), VERDICT_KIND);
    store<u64>(verdict, 0, VERDICT_ENDPOINT_ADDR);
    return;
  }
  const hash = flowHash(load<u32>(packet, PACKET_SRC), load<u32>(packet, PACKET_DST), load<u32>(packet, PACKET_PORTS), <u32>load<u8>(packet, PACKET_PROTO));
  const backend = backendPoolBase + (<usize>(load<u32>(record, SP_BACKEND_BASE) + pickIndex(hash, n)) << BACKEND_SHIFT);
  store<u64>(verdict, <u64>VERDICT_DNAT | (<u64>id << 32), VERDICT_KIND);
  store<u32>(verdict, load<u32>(backend, BACKEND_ADDR), VERDICT_ENDPOINT_ADDR);
  store<u32>(verdict, <u32>load<u16>(backend, BACKEND_PORT), VERDICT_ENDPOINT_PORT);
}
