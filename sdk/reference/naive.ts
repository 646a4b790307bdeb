import type { DataPlane } from '../engine/dataplane.js';
import {
  MAX_BACKENDS_PER_SERVICE_PORT,
  MAX_SERVICE_PORT_ID,
  PACKET_RECORD_WORDS,
  ST_BAD_ARGUMENT,
  ST_BATCH_TOO_LARGE,
  ST_EXISTS,
  ST_NOT_FOUND,
  ST_OK,
  VERDICT_DNAT,
  VERDICT_RECORD_WORDS,
  VERDICT_REJECT,
  VERDICT_PASS,
  flowHash,
  pickIndex,
} from '../engine/records.js';

interface Backend {
  address: number;
  port: number;
  flags: number;
}

interface ServicePort {
  id: number;
  flags: number;
  backends: Backend[];
}

const BATCH_INITIAL_RECORDS = 1024;
const BATCH_MAX_RECORDS = 1 << 24;

/**
 * The data plane a hurried Node app would write: a `Map` keyed by a string built per
 * packet, and an object per backend. Same statuses and verdicts as the other data planes
 * (it shares `flowHash`/`pickIndex`), so it is checked against them and serves as the
 * third engine in benchmarks.
 */
export class NaiveMapDataPlane implements DataPlane {
  readonly kind = 'naive-map';

  private readonly frontends = new Map<string, ServicePort>();
  private readonly servicePorts = new Map<number, ServicePort>();
  private batchCapacity = BATCH_INITIAL_RECORDS;
  private input = new Uint32Array(BATCH_INITIAL_RECORDS * PACKET_RECORD_WORDS);
  private output = new Uint32Array(BATCH_INITIAL_RECORDS * VERDICT_RECORD_WORDS);

  upsertServicePort(id: number, flags: number): number {
    id >>>= 0;
    if (id === 0 || id > MAX_SERVICE_PORT_ID) return ST_BAD_ARGUMENT;
    const existing = this.servicePorts.get(id);
    if (existing) existing.flags = flags >>> 0;
    else this.servicePorts.set(id, { id, flags: flags >>> 0, backends: [] });
    return ST_OK;
  }

  removeServicePort(id: number): number {
    id >>>= 0;
    if (id === 0 || id > MAX_SERVICE_PORT_ID) return ST_BAD_ARGUMENT;
    const sp = this.servicePorts.get(id);
    if (!sp) return ST_NOT_FOUND;
    sp.backends = [];
    this.servicePorts.delete(id);
    return ST_OK;
  }

  addFrontend(address: number, port: number, protocol: number, kind: number, id: number): number {
    address >>>= 0;
    port >>>= 0;
    protocol >>>= 0;
    id >>>= 0;
    if (id === 0 || id > MAX_SERVICE_PORT_ID || port > 0xffff || protocol > 0xff || kind >>> 0 > 0xff) {
      return ST_BAD_ARGUMENT;
    }
    const sp = this.servicePorts.get(id);
    if (!sp) return ST_NOT_FOUND;
    const key = `${address}:${port}/${protocol}`;
    if (this.frontends.has(key)) return ST_EXISTS;
    this.frontends.set(key, sp);
    return ST_OK;
  }

  removeFrontend(address: number, port: number, protocol: number): number {
    address >>>= 0;
    port >>>= 0;
    protocol >>>= 0;
    if (port > 0xffff || protocol > 0xff) return ST_BAD_ARGUMENT;
    return this.frontends.delete(`${address}:${port}/${protocol}`) ? ST_OK : ST_NOT_FOUND;
  }

  setBackendCount(id: number, count: number): number {
    id >>>= 0;
    count >>>= 0;
    if (id === 0 || id > MAX_SERVICE_PORT_ID || count > MAX_BACKENDS_PER_SERVICE_PORT) return ST_BAD_ARGUMENT;
    const sp = this.servicePorts.get(id);
    if (!sp) return ST_NOT_FOUND;
    const backends = sp.backends;
    if (count < backends.length) backends.length = count;
    while (backends.length < count) backends.push({ address: 0, port: 0, flags: 0 });
    return ST_OK;
  }

  writeBackend(id: number, index: number, address: number, port: number, flags: number): number {
    id >>>= 0;
    index >>>= 0;
    port >>>= 0;
    flags >>>= 0;
    if (id === 0 || id > MAX_SERVICE_PORT_ID || port > 0xffff || flags > 0xffff) return ST_BAD_ARGUMENT;
    const sp = this.servicePorts.get(id);
    if (!sp) return ST_NOT_FOUND;
    if (index >= sp.backends.length) return ST_BAD_ARGUMENT;
    sp.backends[index] = { address: address >>> 0, port, flags };
    return ST_OK;
  }

  reserveBatch(capacity: number): Uint32Array {
    capacity >>>= 0;
    if (capacity > BATCH_MAX_RECORDS) {
      throw new RangeError(`svcnet: a batch of ${capacity} records is larger than the naive data plane accepts`);
    }
    if (capacity > this.batchCapacity) {
      this.batchCapacity = capacity;
      this.input = new Uint32Array(capacity * PACKET_RECORD_WORDS);
      this.output = new Uint32Array(capacity * VERDICT_RECORD_WORDS);
    }
    return this.input.subarray(0, capacity * PACKET_RECORD_WORDS);
  }

  inputView(): Uint32Array {
    return this.input;
  }

  outputView(): Uint32Array {
    return this.output;
  }

  routeBatch(count: number): number {
    count >>>= 0;
    if (count > this.batchCapacity) return -ST_BATCH_TOO_LARGE;
    const input = this.input;
    const output = this.output;
    for (let i = 0; i < count; i++) {
      const r = i * 4;
      const source = input[r];
      const destination = input[r + 1];
      const ports = input[r + 2];
      const protocol = input[r + 3] & 0xff;
      const sp = this.frontends.get(`${destination}:${ports >>> 16}/${protocol}`);
      if (sp === undefined) {
        output[r] = VERDICT_PASS;
        output[r + 1] = 0;
        output[r + 2] = 0;
        output[r + 3] = 0;
      } else if (sp.backends.length === 0) {
        output[r] = VERDICT_REJECT;
        output[r + 1] = sp.id;
        output[r + 2] = 0;
        output[r + 3] = 0;
      } else {
        const backend = sp.backends[pickIndex(flowHash(source, destination, ports, protocol), sp.backends.length)];
        output[r] = VERDICT_DNAT;
        output[r + 1] = sp.id;
        output[r + 2] = backend.address;
        output[r + 3] = backend.port;
      }
    }
    return count;
  }

  frontendCount(): number {
    return this.frontends.size;
  }

  backendCount(id: number): number {
    return this.servicePorts.get(id >>> 0)?.backends.length ?? 0;
  }

  /** An estimate (objects have no byteLength): typical V8 sizes of keys, entries and objects. */
  memoryBytes(): number {
    let backends = 0;
    for (const sp of this.servicePorts.values()) backends += sp.backends.length;
    return (
      this.frontends.size * (32 + 40) +
      this.servicePorts.size * (24 + 56 + 16) +
      backends * (8 + 40) +
      this.input.byteLength +
      this.output.byteLength
    );
  }
}
