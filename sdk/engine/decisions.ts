/**
 * The core's decision cache (assembly/decisions.ts; layout.ts "Decision cache"): the first
 * packet of a flow is decided in the core from a decision kube-proxy's rules
 * (`KubeProxyRules`, sdk/proxy/rules.ts) made earlier for the same key — family, protocol,
 * destination address and port, and the source's class (node address or loopback,
 * loopback, pod by the local-traffic detector; the exact source address where the rules
 * read it). On a miss the rules decide in TypeScript and the core keeps the decision.
 *
 * The class is what `decide` reads of the source (`KubeProxyRules.sourceClassification`,
 * `readsExactSource`); test/engine/decisions.test.ts holds every answer of the cache to
 * `decide`'s on kube-proxy's packet-flow tables and on random clusters, configurations and
 * packets, in every order.
 *
 * Decisions handed out are shared and frozen: every flow with the same key gets the same
 * object. When the rules change (`generation`), the decisions kept for the destinations they
 * changed go stale (`destinationsChangedSince`: a Service's frontend addresses), or all of
 * them when the rules cannot say (node ports, a full `setState`); a full table empties
 * itself (`flushes`).
 */

import type { RuleDecision } from '../proxy/decision.js';
import type { FlowTuple } from '../proxy/decision.js';
import type { KubeProxyRules } from '../proxy/rules.js';
import { parseCIDR, tryParseIPv4 } from '../model/ip.js';
import { parseAddress } from '../proxy/rules-net.js';
import { ST_NO_MEMORY, ST_OK } from './records.js';
import { instantiate } from '@assemblyscript/loader';
import type { CoreTarget, WasmSource } from './exports.js';
import { compileCore } from './load.js';

/** The decision cache exports of the core (`assembly/index.ts`). */
export interface DecisionCoreExports {
  readonly memory: WebAssembly.Memory;
  decisionsReserve(entries: number): number;
  decisionsClear(): void;
  decisionsCount(): number;
  decisionConfigPtr(): number;
  decisionsConfigure(family: number, addresses: number, cidrs: number, exact: number): number;
  decisionStagingPtr(): number;
  decisionLookup(): number;
  decisionLookupFrame(index: number): number;
  decisionInsert(decision: number, exact: number): number;
  decisionInvalidate(): number;
  decisionsReserveBatch(count: number): number;
  decisionBatchPtr(): number;
  decisionBatchCapacity(): number;
  decisionLookupBatch(count: number): number;
  decisionsMemoryBytes(): number;
  decisionsLayoutSignature(): number;
}

// Layout mirror (assembly/layout.ts; test/engine/decisions.test.ts compares the signature).
export const DECISION_SLOT_BYTES = 48;
export const DECISION_RECORD_BYTES = 64;
export const DECISION_CIDR_BYTES = 20;
export const DR_FAMILY = 0;
export const DR_PROTOCOL = 1;
export const DR_CLASS = 2;
export const DR_KIND = 3;
export const DR_PORT = 4;
export const DR_DECISION = 8;
export const DR_SRC = 16;
export const DR_DST = 32;
export const DK_CLASS = 0;
export const DK_EXACT = 1;
export const SRC_LOCAL = 1;
export const SRC_LOOPBACK = 2;
export const SRC_POD = 4;
export const DECISION_MAX_ENTRIES = 0x0010_0000;
export const DECISION_MAX_NODE_ADDRESSES = 32;
export const DECISION_MAX_CIDRS = 16;

const PROTOCOL_NUMBERS: ReadonlyMap<string, number> = new Map([['TCP', 6], ['UDP', 17], ['SCTP', 132]]);
const DEFAULT_MAX_ENTRIES = 65536;

export interface DecisionCacheOptions {
  /** Keys the core keeps (default 65536; 96 B of slots each). A full cache empties itself. */
  maxEntries?: number;
}

export interface DecisionCacheStats {
  /** Keys in the core's table (exact-source markers included). */
  entries: number;
  maxEntries: number;
  /** First packets the core decided. */
  hits: number;
  /** First packets the rules decided (then kept). */
  misses: number;
  /** Times the table was emptied because it was full. */
  flushes: number;
  /** Times it was emptied because the rules' state changed in ways it could not follow per destination. */
  resets: number;
  /** Destinations whose decisions went stale because the rules changed what they decide. */
  invalidations: number;
  /** Bytes of core memory held by the table. */
  memoryBytes: number;
}

export class CoreDecisionCache {
  readonly rules: KubeProxyRules;
  private readonly core: DecisionCoreExports;
  readonly maxEntries: number;
  /** Decisions by id (id − 1). */
  private decisions: RuleDecision[] = [];
  private generation = -1;
  private hits = 0;
  private misses = 0;
  private flushes = 0;
  private resets = 0;
  private invalidations = 0;
  private buffer!: ArrayBuffer;
  private staging!: DataView;
  private stagingBytes!: Uint8Array;

  constructor(core: DecisionCoreExports, rules: KubeProxyRules, options: DecisionCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 2 || maxEntries > DECISION_MAX_ENTRIES) {
      throw new RangeError(`svcnet: decision cache maxEntries must be an integer in 2..${DECISION_MAX_ENTRIES}, got ${maxEntries}`);
    }
    this.core = core;
    this.rules = rules;
    this.maxEntries = maxEntries;
    if (core.decisionsReserve(maxEntries) !== ST_OK) throw new RangeError(`svcnet: the core refused a decision cache of ${maxEntries} entries`);
    this.reset();
  }

  /** The raw exports (batch lookups, tests, benchmarks). */
  get exports(): DecisionCoreExports {
    return this.core;
  }

  /** Re-reads the rules' source classification into the core and empties the cache. */
  reset(): void {
    const classification = this.rules.sourceClassification();
    for (const family of [4, 6] as const) {
      const c = classification[family];
      // More addresses or CIDRs than the core's static tables hold: key every source exactly.
      const fits = c.nodeAddresses.length <= DECISION_MAX_NODE_ADDRESSES && c.podCIDRs.length <= DECISION_MAX_CIDRS;
      const config = new DataView(this.core.memory.buffer, this.core.decisionConfigPtr() >>> 0, DECISION_MAX_NODE_ADDRESSES * 16 + DECISION_MAX_CIDRS * DECISION_CIDR_BYTES);
      const addresses = fits ? c.nodeAddresses : [];
      const cidrs = fits ? c.podCIDRs : [];
      addresses.forEach((text, i) => writeAddress(config, i * 16, family, text));
      const base = addresses.length * 16;
      cidrs.forEach((text, i) => {
        const cidr = parseCIDR(text);
        const at = base + i * DECISION_CIDR_BYTES;
        if (cidr.family === 'IPv4') writeIPv4(config, at, cidr.address);
        else writeIPv6(config, at, cidr.address);
        config.setUint32(at + 16, cidr.prefix, true);
      });
      const status = this.core.decisionsConfigure(family, addresses.length, cidrs.length, c.exactSource || !fits ? 1 : 0);
      if (status !== ST_OK) throw new Error(`svcnet: decisionsConfigure(${family}) returned ${status}`);
    }
    this.decisions = [];
    this.generation = this.rules.generation;
    this.makeViews();
  }

  /** The rules' decision for the first packet of a flow with this tuple, from the core when it has it. */
  decide(tuple: FlowTuple): RuleDecision {
    this.sync();
    if (!this.stage(this.staging, tuple)) return this.rules.decide(tuple);
    const id = this.core.decisionLookup();
    return id !== 0 ? this.hit(id) : this.miss(tuple);
  }

  /**
   * The same for the packet of frame `index` of the core's packet regions, whose parsed
   * record gave `tuple` (the wasm frame engine's slow path): the core reads the record.
   */
  decideFrame(index: number, tuple: FlowTuple): RuleDecision {
    this.sync();
    const id = this.core.decisionLookupFrame(index);
    if (id !== 0) return this.hit(id);
    // A bad index or a record of no IP family stages nothing to insert under.
    const family = this.staging.getUint8(DR_FAMILY);
    return family === 4 || family === 6 ? this.miss(tuple) : this.rules.decide(tuple);
  }

  stats(): DecisionCacheStats {
    return {
      entries: this.core.decisionsCount() >>> 0,
      maxEntries: this.maxEntries,
      hits: this.hits,
      misses: this.misses,
      flushes: this.flushes,
      resets: this.resets,
      invalidations: this.invalidations,
      memoryBytes: this.core.decisionsMemoryBytes() >>> 0,
    };
  }

  // -------------------------------------------------------------------------- internals

  /**
   * Catches up with the rules: the decisions kept for destinations they changed go stale
   * (`destinationsChangedSince`); when they cannot say, the cache starts over.
   */
  private sync(): void {
    if (this.core.memory.buffer !== this.buffer) this.makeViews();
    if (this.rules.generation === this.generation) return;
    const changed = this.rules.destinationsChangedSince(this.generation);
    this.generation = this.rules.generation;
    if (changed === undefined) {
      this.empty();
      this.resets++;
      return;
    }
    const s = this.staging;
    for (const text of changed) {
      const address = parseAddress(text);
      if (!address) continue;
      s.setUint8(DR_FAMILY, address.family);
      if (address.ip.family === 'IPv4') writeIPv4(s, DR_DST, address.ip.address);
      else this.stagingBytes.set(address.ip.address, DR_DST);
      this.core.decisionInvalidate();
    }
    this.invalidations += changed.length;
  }

  /** Drops every key and decision. */
  private empty(): void {
    this.core.decisionsClear();
    this.decisions = [];
  }

  private hit(id: number): RuleDecision {
    this.hits++;
    return this.decisions[id - 1];
  }

  /** The rules decide; the core keeps the decision under the key the staging record's lookup named. */
  private miss(tuple: FlowTuple): RuleDecision {
    this.misses++;
    const decision = freezeDecision(this.rules.decide(tuple));
    const exact = this.rules.readsExactSource(tuple) ? 1 : 0;
    // Stale slots are overwritten in place, their old decisions left behind here: past
    // twice the table's keys, start over (memory stays bounded under churn).
    let status = this.decisions.length >= 2 * this.maxEntries ? ST_NO_MEMORY : this.core.decisionInsert(this.decisions.length + 1, exact);
    if (status === ST_NO_MEMORY) {
      this.empty();
      this.flushes++;
      this.core.decisionLookup(); // classify the staged key again: its exact marker went with the rest
      status = this.core.decisionInsert(1, exact);
    }
    if (status !== ST_OK) throw new Error(`svcnet: decisionInsert returned ${status}`);
    this.decisions.push(decision);
    return decision;
  }

  /**
   * Writes the tuple into the staging record; false when the key cannot hold it (addresses
   * not of its family, a protocol other than TCP/UDP/SCTP, a port outside 0..65535): the
   * rules then decide it uncached.
   */
  private stage(s: DataView, tuple: FlowTuple): boolean {
    const family = tuple.family;
    const protocol = PROTOCOL_NUMBERS.get(tuple.protocol);
    const port = tuple.dstPort;
    if (protocol === undefined || !Number.isInteger(port) || port < 0 || port > 0xffff || (family !== 4 && family !== 6)) return false;
    s.setUint8(DR_FAMILY, family);
    s.setUint8(DR_PROTOCOL, protocol);
    s.setUint16(DR_PORT, port, true);
    if (family === 4) {
      const src = tryParseIPv4(tuple.srcIP);
      const dst = tryParseIPv4(tuple.dstIP);
      if (src === undefined || dst === undefined) return false;
      writeIPv4(s, DR_SRC, src);
      writeIPv4(s, DR_DST, dst);
      return true;
    }
    const src = parseAddress(tuple.srcIP);
    const dst = parseAddress(tuple.dstIP);
    if (src?.ip.family !== 'IPv6' || dst?.ip.family !== 'IPv6') return false;
    this.stagingBytes.set(src.ip.address, DR_SRC);
    this.stagingBytes.set(dst.ip.address, DR_DST);
    return true;
  }

  private makeViews(): void {
    this.buffer = this.core.memory.buffer;
    const at = this.core.decisionStagingPtr() >>> 0;
    this.staging = new DataView(this.buffer, at, DECISION_RECORD_BYTES);
    this.stagingBytes = new Uint8Array(this.buffer, at, DECISION_RECORD_BYTES);
  }
}

/** A decision cache over `rules` in a fresh core (compiled once per target, shared with the other bindings). */
export async function createCoreDecisionCache(rules: KubeProxyRules, options: DecisionCacheOptions & { target?: CoreTarget; wasm?: WasmSource } = {}): Promise<CoreDecisionCache> {
  const module = await compileCore(options.target ?? 'release', options.wasm);
  const { exports } = await instantiate<Record<string, unknown>>(module, {});
  return new CoreDecisionCache(exports as unknown as DecisionCoreExports, rules, options);
}

/** The address fields' encoding (as the core's parsed records): IPv4 a host-order u32, then zeros. */
function writeIPv4(view: DataView, at: number, address: number): void {
  view.setUint32(at, address >>> 0, true);
  view.setUint32(at + 4, 0, true);
  view.setBigUint64(at + 8, 0n, true);
}

/** IPv6: the 16 bytes in network order. */
function writeIPv6(view: DataView, at: number, bytes: Uint8Array): void {
  for (let i = 0; i < 16; i++) view.setUint8(at + i, bytes[i]);
}

function writeAddress(view: DataView, at: number, family: 4 | 6, text: string): void {
  const address = parseAddress(text);
  if (!address || address.family !== family) throw new Error(`svcnet: node address ${JSON.stringify(text)} is not IPv${family}`);
  if (address.ip.family === 'IPv4') writeIPv4(view, at, address.ip.address);
  else writeIPv6(view, at, address.ip.address);
}

/** Freezes a decision and what it holds: it is shared by every flow with its key. */
function freezeDecision(decision: RuleDecision): RuleDecision {
  for (const endpoint of decision.endpoints) Object.freeze(endpoint);
  Object.freeze(decision.endpoints);
  if (decision.affinity) Object.freeze(decision.affinity);
  return Object.freeze(decision);
}
