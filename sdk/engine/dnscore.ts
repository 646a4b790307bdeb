import { instantiate } from '@assemblyscript/loader';
import type { DnsPlane, DnsZoneConfig } from './dnsplane.js';
import { DNS_DROP, DNS_PODS_VERIFIED, DNS_TCP, DNS_UDP } from './dnsplane.js';
import type { CoreTarget, WasmSource } from './exports.js';
import { compileCore } from './load.js';
import { ST_BAD_ARGUMENT, ST_OK } from './records.js';

/**
 * The DNS exports of the core (`assembly/index.ts`, DNS section). Numbers only; u32
 * results must be read with `>>> 0`.
 */
export interface DnsCoreExports {
  readonly memory: WebAssembly.Memory;
  dnsInit(): void;
  dnsStagingPtr(): number;
  dnsStagingCapacity(): number;
  dnsReserveStaging(bytes: number): number;
  dnsConfigure(count: number, bytes: number, podsMode: number, forwardOutOfZone: number): number;
  dnsSetRRset(nameLength: number, type: number, ttl: number, count: number, bytes: number): number;
  dnsSetExists(nameLength: number, exists: number): number;
  dnsInputPtr(): number;
  dnsInputCapacity(): number;
  dnsOutputPtr(): number;
  dnsReserveInput(bytes: number): number;
  dnsAnswer(length: number, transport: number): number;
  dnsReserveBatch(count: number, queryBytes: number, responseBytes: number): number;
  dnsBatchQueryIndexPtr(): number;
  dnsBatchQueriesPtr(): number;
  dnsBatchResponseIndexPtr(): number;
  dnsBatchResponsesPtr(): number;
  dnsBatchCapacity(): number;
  dnsBatchQueryBytes(): number;
  dnsBatchResponseBytes(): number;
  dnsAnswerBatch(count: number): number;
  dnsNameCount(): number;
  dnsMemoryBytes(): number;
  dnsLayoutSignature(): number;
}

/**
 * Views over the batch areas of `answerBatch` (layout.ts, "Batch"). Valid until the next
 * control call that grows memory; `WasmDnsPlane.batchViews()` always returns current ones.
 *
 * - `queryIndex`: 2 words per query: [offset into `queries`, length | transport << 16]
 * - `queries`: the query messages, back to back
 * - `responseIndex`: 2 words per response: [offset into `responses`, length or DNS_DROP /
 *   DNS_FORWARD] (Int32Array, so negative results read as such)
 * - `responses`: the responses, back to back
 */
export interface DnsBatchViews {
  readonly capacity: number;
  readonly queryIndex: Uint32Array;
  readonly queries: Uint8Array;
  readonly responseIndex: Int32Array;
  readonly responses: Uint8Array;
}

export interface WasmDnsPlaneOptions {
  /** `release` (default) or `debug` (asserts on, for tests). */
  target?: CoreTarget;
  /** Explicit source of the core's bytes. */
  wasm?: WasmSource;
}

/** Response area bytes per query that a batch reserves by default (a UDP answer + slack). */
export const DNS_BATCH_RESPONSE_BYTES_PER_QUERY = 512 + 1024;
const MAX_MESSAGE = 65535;
const OUT_SLACK = 1024;

/**
 * Encodes a presentation name (`a.b.c`, optional trailing dot, `.` or `` for the root) to
 * wire form, lower-cased. Labels: letters, digits, `-`, `_`, 1..63 bytes; 255 bytes in
 * all. Returns the number of bytes written at `into[at]`, or 0 when the name is invalid.
 */
export function encodeName(name: string, into: Uint8Array, at: number): number {
  let end = name.length;
  if (end > 0 && name.charCodeAt(end - 1) === 0x2e) end--;
  let w = at;
  if (end === 0) {
    into[w] = 0;
    return 1;
  }
  let labelStart = 0;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? name.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      const length = i - labelStart;
      if (length === 0 || length > 63 || w - at + 1 + length + 1 > 255) return 0;
      into[w++] = length;
      for (let j = labelStart; j < i; j++) {
        let b = name.charCodeAt(j);
        if (b >= 0x41 && b <= 0x5a) b |= 0x20;
        else if (!((b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x5f)) return 0;
        into[w++] = b;
      }
      labelStart = i + 1;
    }
  }
  into[w++] = 0;
  return w - at;
}

/**
 * The AssemblyScript core's DNS half behind the DnsPlane contract. Each instance owns one
 * wasm instance; the compiled module is shared with the proxy binding (same core.wasm).
 */
export class WasmDnsPlane implements DnsPlane {
  readonly kind = 'wasm';
  readonly target: CoreTarget;
  private readonly core: DnsCoreExports;
  private buffer!: ArrayBuffer;
  private staging!: Uint8Array;
  private input!: Uint8Array;
  private output!: Uint8Array;
  private batch: DnsBatchViews | null = null;

  constructor(core: DnsCoreExports, target: CoreTarget) {
    this.core = core;
    this.target = target;
    core.dnsInit();
    this.refreshViews();
  }

  /** The raw exports, for tests and benchmarks; views over memory go stale on growth. */
  get exports(): DnsCoreExports {
    return this.core;
  }

  /** Re-creates every view; the one place that follows memory growth and moved regions. */
  private refreshViews(): void {
    const core = this.core;
    this.buffer = core.memory.buffer;
    this.staging = new Uint8Array(this.buffer, core.dnsStagingPtr() >>> 0, core.dnsStagingCapacity() >>> 0);
    this.input = new Uint8Array(this.buffer, core.dnsInputPtr() >>> 0, core.dnsInputCapacity() >>> 0);
    this.output = new Uint8Array(this.buffer, core.dnsOutputPtr() >>> 0, MAX_MESSAGE + OUT_SLACK);
    const capacity = core.dnsBatchCapacity() >>> 0;
    this.batch =
      capacity === 0
        ? null
        : {
            capacity,
            queryIndex: new Uint32Array(this.buffer, core.dnsBatchQueryIndexPtr() >>> 0, capacity * 2),
            queries: new Uint8Array(this.buffer, core.dnsBatchQueriesPtr() >>> 0, core.dnsBatchQueryBytes() >>> 0),
            responseIndex: new Int32Array(this.buffer, core.dnsBatchResponseIndexPtr() >>> 0, capacity * 2),
            responses: new Uint8Array(this.buffer, core.dnsBatchResponsesPtr() >>> 0, core.dnsBatchResponseBytes() >>> 0),
          };
  }

  private afterControl(status: number): number {
    if (this.core.memory.buffer !== this.buffer || this.staging.byteLength !== this.core.dnsStagingCapacity() >>> 0) {
      this.refreshViews();
    }
    return status;
  }

  private reserveStaging(bytes: number): boolean {
    if (bytes <= this.staging.byteLength) return true;
    const status = this.core.dnsReserveStaging(bytes);
    this.refreshViews();
    return status === ST_OK;
  }

  configure(config: DnsZoneConfig): number {
    const zones = config.zones;
    if (zones.length === 0 || zones.length > 32) return ST_BAD_ARGUMENT;
    if (!Number.isInteger(config.podsMode) || config.podsMode < 0 || config.podsMode > DNS_PODS_VERIFIED) return ST_BAD_ARGUMENT;
    if (!this.reserveStaging(zones.length * 256)) return ST_BAD_ARGUMENT;
    let bytes = 0;
    for (const zone of zones) {
      const n = encodeName(zone, this.staging, bytes);
      if (n === 0) return ST_BAD_ARGUMENT;
      bytes += n;
    }
    return this.afterControl(this.core.dnsConfigure(zones.length, bytes, config.podsMode, config.forwardOutOfZone ? 1 : 0));
  }

  setRRset(owner: string, type: number, ttl: number, rdata: readonly Uint8Array[]): number {
    if (!Number.isInteger(type) || type < 1 || type > 0xffff) return ST_BAD_ARGUMENT;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 0x7fffffff) return ST_BAD_ARGUMENT;
    if (rdata.length > 0xffff) return ST_BAD_ARGUMENT;
    let bytes = 0;
    for (const r of rdata) {
      if (r.length > 0xffff) return ST_BAD_ARGUMENT;
      bytes += 2 + r.length;
    }
    if (!this.reserveStaging(256 + bytes)) return ST_BAD_ARGUMENT;
    const staging = this.staging;
    const nameLength = encodeName(owner, staging, 0);
    if (nameLength === 0) return ST_BAD_ARGUMENT;
    let w = nameLength;
    for (const r of rdata) {
      staging[w] = r.length >>> 8;
      staging[w + 1] = r.length & 0xff;
      staging.set(r, w + 2);
      w += 2 + r.length;
    }
    return this.afterControl(this.core.dnsSetRRset(nameLength, type, ttl, rdata.length, bytes));
  }

  setExists(owner: string, exists: boolean): number {
    const nameLength = encodeName(owner, this.staging, 0);
    if (nameLength === 0) return ST_BAD_ARGUMENT;
    return this.afterControl(this.core.dnsSetExists(nameLength, exists ? 1 : 0));
  }

  answer(query: Uint8Array, transport: number, out: Uint8Array): number {
    if (query.length > this.input.byteLength) {
      if (this.core.dnsReserveInput(query.length) !== ST_OK) return DNS_DROP;
      this.refreshViews();
    }
    this.input.set(query);
    const n = this.core.dnsAnswer(query.length, transport === DNS_TCP ? DNS_TCP : DNS_UDP);
    if (n > 0) {
      if (out.length < n) throw new RangeError(`svcnet: the response needs ${n} bytes, the output holds ${out.length}`);
      out.set(this.output.subarray(0, n));
    }
    return n;
  }

  /**
   * Reserves batch areas for `capacity` queries (`queryBytes` of query messages,
   * `responseBytes` of responses; by default 512 per query and 1536 per query) and returns
   * the views. Throws when the core refuses the sizes.
   */
  reserveBatch(capacity: number, queryBytes = capacity * 512, responseBytes = capacity * DNS_BATCH_RESPONSE_BYTES_PER_QUERY): DnsBatchViews {
    const status = this.core.dnsReserveBatch(capacity, queryBytes, responseBytes);
    if (status !== ST_OK) throw new RangeError(`svcnet: a DNS batch of ${capacity} queries is larger than the core accepts`);
    this.refreshViews();
    return this.batch!;
  }

  /** The current batch views (null before `reserveBatch`). */
  batchViews(): DnsBatchViews | null {
    return this.batch;
  }

  /**
   * Answers the first `count` queries described by `queryIndex`; returns how many were
   * answered (fewer when the response area fills up). The kernel never grows memory, so
   * the views stay valid across calls.
   */
  answerBatch(count: number): number {
    const n = this.core.dnsAnswerBatch(count);
    if (n < 0) throw new RangeError(`svcnet: a DNS batch of ${count} queries exceeds the reserved ${this.batch?.capacity ?? 0}`);
    return n;
  }

  nameCount(): number {
    return this.core.dnsNameCount() >>> 0;
  }

  memoryBytes(): number {
    return this.core.dnsMemoryBytes() >>> 0;
  }
}

/** Compiles (once per target, shared with the proxy binding) and instantiates a fresh core. */
export async function createWasmDnsPlane(options: WasmDnsPlaneOptions = {}): Promise<WasmDnsPlane> {
  const target = options.target ?? 'release';
  const module = await compileCore(target, options.wasm);
  const { exports } = await instantiate<Record<string, unknown>>(module, {});
  return new WasmDnsPlane(exports as unknown as DnsCoreExports, target);
}
