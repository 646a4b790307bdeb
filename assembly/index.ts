// The core's export surface: numbers in, numbers out. No managed object crosses it.
// Control calls return ST_* status codes (status.ts) and may grow memory; `routeBatch`
// never allocates. Layouts: layout.ts.

import { ST_OK, ST_NOT_FOUND, ST_BAD_ARGUMENT, ST_BATCH_TOO_LARGE } from "./status";
import { MAX_SERVICE_PORT_ID } from "./layout";
import * as frontends from "./frontends";
import * as services from "./services";
import * as batch from "./batch";
import { routeRecords } from "./route";

// Initial tables, allocated by the module's start function at instantiation.
batch.initBatch();
frontends.initFrontends();
services.initServices();

export function upsertServicePort(id: u32, flags: u32): i32 {
  return services.upsertServicePort(id, flags);
}

export function removeServicePort(id: u32): i32 {
  return services.removeServicePort(id);
}

export function addFrontend(address: u32, port: u32, protocol: u32, kind: u32, id: u32): i32 {
  if (id == 0 || id > MAX_SERVICE_PORT_ID || port > 0xffff || protocol > 0xff || kind > 0xff) {
    return ST_BAD_ARGUMENT;
  }
  if (!services.isLive(id)) return ST_NOT_FOUND;
  return frontends.addFrontend(address, port, protocol, kind, id);
}

export function removeFrontend(address: u32, port: u32, protocol: u32): i32 {
  if (port > 0xffff || protocol > 0xff) return ST_BAD_ARGUMENT;
  return frontends.removeFrontend(address, port, protocol);
}

export function lookupFrontend(address: u32, port: u32, protocol: u32): u32 {
  if (port > 0xffff || protocol > 0xff) return 0;
  return frontends.lookupFrontend(address, port, protocol);
}

export function setBackendCount(id: u32, count: u32): i32 {
  return services.setBackendCount(id, count);
}

export function writeBackend(id: u32, index: u32, address: u32, port: u32, flags: u32): i32 {
  return services.writeBackend(id, index, address, port, flags);
}

export function backendCount(id: u32): u32 {
  return services.backendCount(id);
}

export function servicePortFlags(id: u32): u32 {
  return services.servicePortFlags(id);
}

export function frontendCount(): u32 {
  return frontends.frontendCount;
}

/** Ensures batch buffers for `capacity` records; returns ST_OK or ST_BATCH_TOO_LARGE. */
export function reserveBatch(capacity: u32): i32 {
  return batch.reserveBatch(capacity) ? ST_OK : ST_BATCH_TOO_LARGE;
}

export function batchInputPtr(): usize {
  return batch.batchInput;
}

export function batchOutputPtr(): usize {
  return batch.batchOutput;
}

export function batchCapacity(): u32 {
  return batch.batchCapacity;
}

/** Routes `count` records of the batch buffers; returns count or -ST_BATCH_TOO_LARGE. */
export function routeBatch(count: u32): i32 {
  if (count > batch.batchCapacity) return -ST_BATCH_TOO_LARGE;
  routeRecords(batch.batchInput, batch.batchOutput, count);
  return <i32>count;
}

/** Bytes held by the tables and batch buffers. */
export function memoryBytes(): usize {
  return frontends.frontendBytes() + services.servicePortBytes() + services.backendPoolBytes() +
    batch.batchBytes();
}

/** Layout facts for the SDK's layout test: size of each record in bytes, packed. */
export function layoutSignature(): u32 {
  // packet | verdict << 8 | frontend << 16 | service port << 24 (all < 256)
  return 16 | (16 << 8) | (16 << 16) | (16 << 24);
}
