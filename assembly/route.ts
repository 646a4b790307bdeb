// The batch kernel: packet records in, verdict records out (layouts in layout.ts).
// Assumes valid pointers and count (checked once by the exported wrapper); reads the
// table bases into locals, never allocates, never grows memory.

import {
  PACKET_BYTES, PACKET_SRC, PACKET_DST, PACKET_PORTS, PACKET_PROTO,
  VERDICT_KIND, VERDICT_SERVICE_PORT, VERDICT_ENDPOINT_ADDR, VERDICT_ENDPOINT_PORT,
  VERDICT_PASS, VERDICT_DNAT, VERDICT_REJECT,
  FRONTEND_SHIFT, FRONTEND_KEY, FRONTEND_ID,
  SERVICE_PORT_SHIFT, SP_BACKEND_BASE, SP_BACKEND_COUNT,
  BACKEND_SHIFT, BACKEND_ADDR, BACKEND_PORT,
} from "./layout";
import { flowHash, frontendHash, pickIndex } from "./hash";
import { frontendBase, frontendMask, frontendKey } from "./frontends";
import { servicePortBase, backendPoolBase } from "./services";

export function routeRecords(input: usize, output: usize, count: u32): void {
  const table = frontendBase;
  const mask = frontendMask;
  const servicePorts = servicePortBase;
  const pool = backendPoolBase;
  for (let i: u32 = 0; i < count; i++) {
    const packet = input + (<usize>i << 4);
    const verdict = output + (<usize>i << 4);
    const destination = load<u32>(packet, PACKET_DST);
    const ports = load<u32>(packet, PACKET_PORTS);
    const protocol = <u32>load<u8>(packet, PACKET_PROTO);
    const keyHigh = (ports >>> 16) | (protocol << 16);
    const key = frontendKey(destination, keyHigh);

    let slot = frontendHash(destination, keyHigh) & mask;
    let id: u32 = 0;
    while (true) {
      const at = table + (<usize>slot << FRONTEND_SHIFT);
      const candidate = load<u32>(at, FRONTEND_ID);
      if (candidate == 0) break;
      if (load<u64>(at, FRONTEND_KEY) == key) {
        id = candidate;
        break;
      }
      slot = (slot + 1) & mask;
    }

    if (id == 0) {
      store<u64>(verdict, <u64>VERDICT_PASS, VERDICT_KIND);
      store<u64>(verdict, 0, VERDICT_ENDPOINT_ADDR);
      continue;
    }
    const record = servicePorts + (<usize>id << SERVICE_PORT_SHIFT);
    const n = load<u32>(record, SP_BACKEND_COUNT);
    if (n == 0) {
      store<u64>(verdict, <u64>VERDICT_REJECT | (<u64>id << 32), VERDICT_KIND);
      store<u64>(verdict, 0, VERDICT_ENDPOINT_ADDR);
      continue;
    }
    const hash = flowHash(load<u32>(packet, PACKET_SRC), destination, ports, protocol);
    const backend = pool + (<usize>(load<u32>(record, SP_BACKEND_BASE) + pickIndex(hash, n)) << BACKEND_SHIFT);
    store<u64>(verdict, <u64>VERDICT_DNAT | (<u64>id << 32), VERDICT_KIND);
    store<u32>(verdict, load<u32>(backend, BACKEND_ADDR), VERDICT_ENDPOINT_ADDR);
    store<u32>(verdict, <u32>load<u16>(backend, BACKEND_PORT), VERDICT_ENDPOINT_PORT);
  }
}
