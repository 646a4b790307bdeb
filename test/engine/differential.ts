// Differential testing of two data planes: the same random program (control calls
// interleaved with route batches) is applied to both, and every status, count and verdict
// record must be identical. Programs come from fast-check arbitraries, so a failing
// program shrinks to a minimal one.

import fc from 'fast-check';
import type { DataPlane } from '../../sdk/engine/dataplane.js';
import {
  MAX_BACKENDS_PER_SERVICE_PORT,
  MAX_SERVICE_PORT_ID,
  PROTO_SCTP,
  PROTO_TCP,
  PROTO_UDP,
  STATUS_NAMES,
  VERDICT_NAMES,
  VERDICT_RECORD_WORDS,
} from '../../sdk/engine/records.js';
import { type Packet, ip, readVerdict, writePacket } from './helpers.js';

/** Creates a fresh data plane; the wasm binding's is async. */
export type DataPlaneFactory = () => DataPlane | Promise<DataPlane>;

export interface DataPlanePair {
  name: string;
  a: DataPlaneFactory;
  b: DataPlaneFactory;
}

/** A packet to route: `target` ≥ 0 picks a currently bound frontend (mod their count). */
export interface PacketSpec {
  target: number;
  source: number;
  sourcePort: number;
  destination: number;
  destinationPort: number;
  protocol: number;
}

export type Command =
  | { op: 'upsertServicePort'; id: number; flags: number }
  | { op: 'removeServicePort'; id: number }
  | { op: 'addFrontend'; address: number; port: number; protocol: number; kind: number; id: number }
  | { op: 'removeFrontend'; address: number; port: number; protocol: number }
  | { op: 'rebindFrontend'; target: number; kind: number; id: number }
  | { op: 'unbindFrontend'; target: number }
  | { op: 'addFrontendRange'; address: number; count: number; port: number; protocol: number; id: number }
  | { op: 'removeFrontendRange'; address: number; count: number; port: number; protocol: number }
  | { op: 'setBackendCount'; id: number; count: number }
  | { op: 'writeBackend'; id: number; index: number; address: number; port: number; flags: number }
  | { op: 'fillBackends'; id: number; seed: number }
  | { op: 'route'; packets: PacketSpec[] }
  | { op: 'routeTooLarge'; count: number };

// ── domains: small, so keys collide and ids, ranges and slots are reused ─────────────────

const FRONTEND_ADDRESSES = [
  ip('10.96.0.1'),
  ip('10.96.0.2'),
  ip('10.96.0.3'),
  ip('10.96.255.255'),
  ip('192.168.0.1'),
  ip('128.0.0.0'),
  ip('127.255.255.255'),
  0xffff_ffff,
  0,
];
const RANGE_STARTS = [ip('10.97.0.0'), ip('10.97.1.0'), ip('10.97.1.128'), ip('240.0.0.0')];

const idArb = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: 1, max: 12 }) },
  { weight: 3, arbitrary: fc.constantFrom(255, 256, 257, 1000, 4097) },
  { weight: 1, arbitrary: fc.constantFrom(0, MAX_SERVICE_PORT_ID + 1, 0xffff_ffff) },
);
const u32Arb = fc.integer({ min: 0, max: 0xffff_ffff });
const u16Arb = fc.integer({ min: 0, max: 0xffff });
const portArb = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(0, 53, 80, 443, 65535) },
  { weight: 2, arbitrary: u16Arb },
  { weight: 1, arbitrary: fc.constantFrom(65536, 0x1_0050) },
);
const validPortArb = fc.oneof({ weight: 10, arbitrary: fc.constantFrom(0, 53, 80, 443, 65535) }, { weight: 1, arbitrary: u16Arb });
const protocolArb = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(PROTO_TCP, PROTO_UDP, PROTO_SCTP) },
  { weight: 2, arbitrary: fc.constantFrom(0, 255) },
  { weight: 1, arbitrary: fc.constantFrom(256, 256 + PROTO_TCP) },
);
const validProtocolArb = fc.oneof({ weight: 10, arbitrary: fc.constantFrom(PROTO_TCP, PROTO_UDP, PROTO_SCTP) }, { weight: 1, arbitrary: fc.constantFrom(0, 255) });
const frontendAddressArb = fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...FRONTEND_ADDRESSES) }, { weight: 1, arbitrary: u32Arb });
const keyAddressArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(ip('10.96.0.1'), ip('10.96.0.2'), 0xffff_ffff) },
  { weight: 3, arbitrary: frontendAddressArb },
);
const keyPortArb = fc.oneof({ weight: 10, arbitrary: fc.constantFrom(80, 443) }, { weight: 3, arbitrary: portArb });
const keyProtocolArb = fc.oneof({ weight: 10, arbitrary: fc.constantFrom(PROTO_TCP, PROTO_UDP) }, { weight: 3, arbitrary: protocolArb });
const countArb = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 4, arbitrary: fc.integer({ min: 13, max: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 5000 }) },
  { weight: 1, arbitrary: fc.constantFrom(MAX_BACKENDS_PER_SERVICE_PORT + 1, 0xffff_ffff) },
);
const indexArb = fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: 15 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 5000 }) });
const flagsArb = fc.oneof({ weight: 10, arbitrary: fc.constantFrom(0, 1, 0xffff) }, { weight: 1, arbitrary: fc.constantFrom(0x1_0000, 0xffff_ffff) });
const kindArb = fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(255, 256) });

const packetArb: fc.Arbitrary<PacketSpec> = fc.record({
  target: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 1 << 20 }) }, { weight: 1, arbitrary: fc.constant(-1) }),
  source: u32Arb,
  sourcePort: u16Arb,
  destination: frontendAddressArb,
  destinationPort: validPortArb,
  protocol: validProtocolArb,
});

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('upsertServicePort' as const), id: idArb, flags: u32Arb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('removeServicePort' as const), id: idArb }) },
  {
    weight: 8,
    arbitrary: fc.record({ op: fc.constant('addFrontend' as const), address: keyAddressArb, port: keyPortArb, protocol: keyProtocolArb, kind: kindArb, id: idArb }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('removeFrontend' as const), address: keyAddressArb, port: keyPortArb, protocol: keyProtocolArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('rebindFrontend' as const), target: fc.nat(), kind: kindArb, id: idArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('unbindFrontend' as const), target: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('addFrontendRange' as const),
      address: fc.constantFrom(...RANGE_STARTS),
      count: fc.integer({ min: 1, max: 700 }),
      port: fc.constantFrom(80, 443),
      protocol: fc.constantFrom(PROTO_TCP, PROTO_UDP),
      id: fc.integer({ min: 1, max: 12 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('removeFrontendRange' as const),
      address: fc.constantFrom(...RANGE_STARTS),
      count: fc.integer({ min: 1, max: 700 }),
      port: fc.constantFrom(80, 443),
      protocol: fc.constantFrom(PROTO_TCP, PROTO_UDP),
    }),
  },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('setBackendCount' as const), id: idArb, count: countArb }) },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('writeBackend' as const), id: idArb, index: indexArb, address: u32Arb, port: portArb, flags: flagsArb }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('fillBackends' as const), id: idArb, seed: u32Arb }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('route' as const),
      packets: fc.oneof({ weight: 10, arbitrary: fc.array(packetArb, { minLength: 1, maxLength: 64 }) }, { weight: 1, arbitrary: fc.array(packetArb, { minLength: 1000, maxLength: 2100 }) }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('routeTooLarge' as const), count: fc.constantFrom(1 << 25, 0xffff_ffff) }) },
);

/** Service ports 1..n, each with backends and (usually) a frontend, so bodies hit live state. */
const preludeArb: fc.Arbitrary<Command[]> = fc
  .array(
    fc.record({ count: fc.integer({ min: 0, max: 12 }), seed: u32Arb, address: frontendAddressArb, port: validPortArb, protocol: validProtocolArb }),
    { minLength: 1, maxLength: 8 },
  )
  .map((ports) =>
    ports.flatMap((sp, i): Command[] => [
      { op: 'upsertServicePort', id: i + 1, flags: 0 },
      { op: 'setBackendCount', id: i + 1, count: sp.count },
      { op: 'fillBackends', id: i + 1, seed: sp.seed },
      { op: 'addFrontend', address: sp.address, port: sp.port, protocol: sp.protocol, kind: 0, id: i + 1 },
    ]),
  );

/** Random programs: a prelude that creates service ports, then `minLength`..`maxLength` commands. */
export function programArbitrary(options: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<Command[]> {
  const body = fc.array(commandArb, { minLength: options.minLength ?? 1, maxLength: options.maxLength ?? 60, size: 'max' });
  return fc.tuple(preludeArb, body).map(([prelude, commands]) => [...prelude, ...commands]);
}

// ── execution ────────────────────────────────────────────────────────────────────────────

export interface DifferentialStats {
  commands: number;
  /** Calls per "op status", e.g. "addFrontend EXISTS". */
  statuses: Record<string, number>;
  /** Routed records per verdict name. */
  verdicts: Record<string, number>;
}

interface Bound {
  address: number;
  port: number;
  protocol: number;
  id: number;
}

const frontendKey = (address: number, port: number, protocol: number): string => `${address >>> 0}:${port >>> 0}/${protocol >>> 0}`;

/** Applies one program to two fresh data planes; throws on the first difference. */
export function applyProgram(a: DataPlane, b: DataPlane, program: readonly Command[]): DifferentialStats {
  const stats: DifferentialStats = { commands: 0, statuses: {}, verdicts: {} };
  // Frontends bound on both sides (they agree, or we have thrown already). Removing a
  // service port whose frontends are still bound is outside the contract, so the program
  // removes them first, as the SDK does.
  const bound = new Map<string, Bound>();
  let step = 0;
  let current: Command | undefined;

  const fail = (what: string, left: unknown, right: unknown): never => {
    throw new Error(
      `command #${step} ${JSON.stringify(current)}: ${what}: ${a.kind} → ${JSON.stringify(left)}, ${b.kind} → ${JSON.stringify(right)}`,
    );
  };
  const both = (op: string, call: (dp: DataPlane) => number): number => {
    const left = call(a);
    const right = call(b);
    if (left !== right) fail(op, STATUS_NAMES[left] ?? left, STATUS_NAMES[right] ?? right);
    const key = `${op} ${STATUS_NAMES[left] ?? left}`;
    stats.statuses[key] = (stats.statuses[key] ?? 0) + 1;
    return left;
  };
  const compareCounts = (id?: number): void => {
    if (a.frontendCount() !== b.frontendCount()) fail('frontendCount()', a.frontendCount(), b.frontendCount());
    if (a.frontendCount() !== bound.size) fail('frontendCount() vs bound frontends', a.frontendCount(), bound.size);
    if (id !== undefined && a.backendCount(id) !== b.backendCount(id)) fail(`backendCount(${id})`, a.backendCount(id), b.backendCount(id));
  };
  const addFrontend = (address: number, port: number, protocol: number, kind: number, id: number): void => {
    const status = both('addFrontend', (dp) => dp.addFrontend(address, port, protocol, kind, id));
    if (status === 0) bound.set(frontendKey(address, port, protocol), { address: address >>> 0, port, protocol, id: id >>> 0 });
  };
  const removeFrontend = (address: number, port: number, protocol: number): void => {
    const status = both('removeFrontend', (dp) => dp.removeFrontend(address, port, protocol));
    if (status === 0) bound.delete(frontendKey(address, port, protocol));
  };

  for (const command of program) {
    step++;
    current = command;
    stats.commands++;
    switch (command.op) {
      case 'upsertServicePort':
        both('upsertServicePort', (dp) => dp.upsertServicePort(command.id, command.flags));
        compareCounts(command.id);
        break;
      case 'removeServicePort': {
        for (const f of [...bound.values()]) {
          if (f.id === command.id >>> 0) removeFrontend(f.address, f.port, f.protocol);
        }
        both('removeServicePort', (dp) => dp.removeServicePort(command.id));
        compareCounts(command.id);
        break;
      }
      case 'addFrontend':
        addFrontend(command.address, command.port, command.protocol, command.kind, command.id);
        compareCounts(command.id);
        break;
      case 'removeFrontend':
        removeFrontend(command.address, command.port, command.protocol);
        compareCounts();
        break;
      case 'rebindFrontend':
      case 'unbindFrontend': {
        // A key that is bound right now (no-op when none is).
        const targets = [...bound.values()];
        if (targets.length === 0) break;
        const f = targets[command.target % targets.length];
        if (command.op === 'rebindFrontend') addFrontend(f.address, f.port, f.protocol, command.kind, command.id);
        else removeFrontend(f.address, f.port, f.protocol);
        compareCounts();
        break;
      }
      case 'addFrontendRange':
        for (let i = 0; i < command.count; i++) addFrontend((command.address + i) >>> 0, command.port, command.protocol, 0, command.id);
        compareCounts();
        break;
      case 'removeFrontendRange':
        // Odd offsets first, then even ones: deletions in the middle of probe runs.
        for (let i = 1; i < command.count; i += 2) removeFrontend((command.address + i) >>> 0, command.port, command.protocol);
        for (let i = 0; i < command.count; i += 2) removeFrontend((command.address + i) >>> 0, command.port, command.protocol);
        compareCounts();
        break;
      case 'setBackendCount':
        both('setBackendCount', (dp) => dp.setBackendCount(command.id, command.count));
        compareCounts(command.id);
        break;
      case 'writeBackend':
        both('writeBackend', (dp) => dp.writeBackend(command.id, command.index, command.address, command.port, command.flags));
        compareCounts(command.id);
        break;
      case 'fillBackends': {
        const n = a.backendCount(command.id);
        if (n !== b.backendCount(command.id)) fail(`backendCount(${command.id})`, n, b.backendCount(command.id));
        let x = command.seed >>> 0;
        for (let i = 0; i < n; i++) {
          x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
          const address = x;
          const port = (x >>> 7) & 0xffff;
          both('writeBackend', (dp) => dp.writeBackend(command.id, i, address, port, i & 0xffff));
        }
        break;
      }
      case 'route': {
        const targets = [...bound.values()];
        const packets: Packet[] = command.packets.map((spec) => {
          if (spec.target >= 0 && targets.length > 0) {
            const f = targets[spec.target % targets.length];
            return { source: spec.source, destination: f.address, sourcePort: spec.sourcePort, destinationPort: f.port, protocol: f.protocol };
          }
          return spec;
        });
        const n = packets.length;
        for (const dp of [a, b]) {
          const input = dp.reserveBatch(n);
          packets.forEach((packet, i) => writePacket(input, i, packet));
        }
        const routed = [a.routeBatch(n), b.routeBatch(n)];
        if (routed[0] !== routed[1] || routed[0] !== n) fail(`routeBatch(${n})`, routed[0], routed[1]);
        const outA = a.outputView();
        const outB = b.outputView();
        for (let i = 0; i < n; i++) {
          const va = readVerdict(outA, i);
          const vb = readVerdict(outB, i);
          if (va[0] !== vb[0] || va[1] !== vb[1] || va[2] !== vb[2] || va[3] !== vb[3]) {
            fail(`verdict of packet ${i} ${JSON.stringify(packets[i])}`, va, vb);
          }
          const name = VERDICT_NAMES[va[0]] ?? String(va[0]);
          stats.verdicts[name] = (stats.verdicts[name] ?? 0) + 1;
        }
        if (outA.length < n * VERDICT_RECORD_WORDS || outB.length < n * VERDICT_RECORD_WORDS) {
          fail('outputView() length', outA.length, outB.length);
        }
        break;
      }
      case 'routeTooLarge':
        both('routeBatch', (dp) => dp.routeBatch(command.count));
        break;
    }
  }
  return stats;
}

/**
 * Runs one seeded random program of `length` commands (after its prelude) on two fresh
 * data planes and returns what it exercised; throws on the first difference.
 */
export function runDifferential(a: DataPlane, b: DataPlane, seed = 1, length = 1000): DifferentialStats {
  const [program] = fc.sample(programArbitrary({ minLength: length, maxLength: length }), { seed, numRuns: 1 });
  return applyProgram(a, b, program);
}
