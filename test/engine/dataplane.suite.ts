// The DataPlane contract as a suite factory: every data plane (reference, naive-map,
// wasm debug/release) registers the same tests with `describeDataPlane(name, create)`.
// Only the DataPlane interface and records.ts are used, never an engine's internals.

import { describe, expect, test } from 'vitest';
import type { DataPlane } from '../../sdk/engine/dataplane.js';
import {
  FRONTEND_CLUSTER_IP,
  FRONTEND_EXTERNAL_IP,
  FRONTEND_LOAD_BALANCER,
  FRONTEND_NODE_PORT,
  MAX_BACKENDS_PER_SERVICE_PORT,
  MAX_SERVICE_PORT_ID,
  PACKET_RECORD_WORDS,
  PROTO_SCTP,
  PROTO_TCP,
  PROTO_UDP,
  ST_BAD_ARGUMENT,
  ST_BATCH_TOO_LARGE,
  ST_EXISTS,
  ST_NOT_FOUND,
  ST_OK,
  STATUS_NAMES,
  VERDICT_DNAT,
  VERDICT_RECORD_WORDS,
} from '../../sdk/engine/records.js';
import {
  type Backend,
  type Packet,
  type VerdictWords,
  dnat,
  expectVerdicts,
  expectedVerdict,
  flowsTo,
  ip,
  pass,
  prng,
  readVerdict,
  reject,
  route,
  routeOne,
  shuffle,
  writePacket,
} from './helpers.js';

type Create = () => DataPlane | Promise<DataPlane>;

const HEAVY = 120_000;

function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `status ${status}`;
}

function ok(status: number): void {
  expect(statusName(status)).toBe('OK');
}

// ── fixture ──────────────────────────────────────────────────────────────────────────────
//
//  service port 1: 3 backends, frontend 10.96.0.10:80/TCP (ClusterIP)
//  service port 2: 0 backends, frontend 10.96.0.20:53/UDP
//  service port 3: 1 backend, no frontend

const SP_WEB = 1;
const SP_EMPTY = 2;
const SP_SPARE = 3;
const VIP_WEB = ip('10.96.0.10');
const VIP_DNS = ip('10.96.0.20');
const WEB_BACKENDS: Backend[] = [
  { address: ip('10.244.1.5'), port: 8080 },
  { address: ip('10.244.2.7'), port: 8080 },
  { address: ip('10.244.3.9'), port: 9090 },
];
const SPARE_BACKEND: Backend = { address: ip('10.244.4.1'), port: 5000 };

function fixture(dp: DataPlane): void {
  ok(dp.upsertServicePort(SP_WEB, 0));
  ok(dp.setBackendCount(SP_WEB, WEB_BACKENDS.length));
  WEB_BACKENDS.forEach((b, i) => ok(dp.writeBackend(SP_WEB, i, b.address, b.port, 0)));
  ok(dp.addFrontend(VIP_WEB, 80, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_WEB));
  ok(dp.upsertServicePort(SP_EMPTY, 0));
  ok(dp.addFrontend(VIP_DNS, 53, PROTO_UDP, FRONTEND_CLUSTER_IP, SP_EMPTY));
  ok(dp.upsertServicePort(SP_SPARE, 0));
  ok(dp.setBackendCount(SP_SPARE, 1));
  ok(dp.writeBackend(SP_SPARE, 0, SPARE_BACKEND.address, SPARE_BACKEND.port, 0));
}

const webPacket = (source: number, sourcePort: number): Packet => ({
  source,
  destination: VIP_WEB,
  sourcePort,
  destinationPort: 80,
  protocol: PROTO_TCP,
});

// ── status codes ─────────────────────────────────────────────────────────────────────────

interface StatusCase {
  desc: string;
  call: (dp: DataPlane) => number;
  expected: number;
  /** Checks on the tables after the call (a rejected call must change nothing). */
  after?: (dp: DataPlane) => void;
}

const unchangedWeb = (dp: DataPlane): void => {
  expect(dp.backendCount(SP_WEB)).toBe(3);
  expect(dp.frontendCount()).toBe(2);
};

const STATUS_CASES: StatusCase[] = [
  // upsertServicePort
  { desc: 'upsertServicePort: new id', call: (dp) => dp.upsertServicePort(4, 0), expected: ST_OK, after: (dp) => expect(dp.backendCount(4)).toBe(0) },
  { desc: 'upsertServicePort: existing id updates flags, keeps backends', call: (dp) => dp.upsertServicePort(SP_WEB, 0xffff_ffff), expected: ST_OK, after: unchangedWeb },
  { desc: 'upsertServicePort: id 0', call: (dp) => dp.upsertServicePort(0, 0), expected: ST_BAD_ARGUMENT },
  { desc: 'upsertServicePort: id MAX_SERVICE_PORT_ID + 1', call: (dp) => dp.upsertServicePort(MAX_SERVICE_PORT_ID + 1, 0), expected: ST_BAD_ARGUMENT },
  { desc: 'upsertServicePort: id 2^32 - 1', call: (dp) => dp.upsertServicePort(0xffff_ffff, 0), expected: ST_BAD_ARGUMENT },
  { desc: 'upsertServicePort: id 70000 (beyond initial tables)', call: (dp) => dp.upsertServicePort(70_000, 1), expected: ST_OK },
  // removeServicePort
  { desc: 'removeServicePort: existing id without frontends', call: (dp) => dp.removeServicePort(SP_SPARE), expected: ST_OK, after: (dp) => expect(dp.backendCount(SP_SPARE)).toBe(0) },
  { desc: 'removeServicePort: unknown id', call: (dp) => dp.removeServicePort(99), expected: ST_NOT_FOUND },
  { desc: 'removeServicePort: twice', call: (dp) => (dp.removeServicePort(SP_SPARE), dp.removeServicePort(SP_SPARE)), expected: ST_NOT_FOUND },
  { desc: 'removeServicePort: id 0', call: (dp) => dp.removeServicePort(0), expected: ST_BAD_ARGUMENT },
  { desc: 'removeServicePort: id MAX_SERVICE_PORT_ID + 1', call: (dp) => dp.removeServicePort(MAX_SERVICE_PORT_ID + 1), expected: ST_BAD_ARGUMENT },
  // addFrontend
  { desc: 'addFrontend: new key', call: (dp) => dp.addFrontend(ip('10.96.0.11'), 80, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_SPARE), expected: ST_OK, after: (dp) => expect(dp.frontendCount()).toBe(3) },
  { desc: 'addFrontend: same key, same service port', call: (dp) => dp.addFrontend(VIP_WEB, 80, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_WEB), expected: ST_EXISTS, after: unchangedWeb },
  { desc: 'addFrontend: same key, other service port', call: (dp) => dp.addFrontend(VIP_WEB, 80, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_SPARE), expected: ST_EXISTS, after: unchangedWeb },
  { desc: 'addFrontend: same address and port, other protocol', call: (dp) => dp.addFrontend(VIP_WEB, 80, PROTO_UDP, FRONTEND_CLUSTER_IP, SP_SPARE), expected: ST_OK },
  { desc: 'addFrontend: unknown service port', call: (dp) => dp.addFrontend(ip('10.96.0.12'), 80, PROTO_TCP, FRONTEND_CLUSTER_IP, 99), expected: ST_NOT_FOUND, after: unchangedWeb },
  { desc: 'addFrontend: removed service port', call: (dp) => (dp.removeServicePort(SP_SPARE), dp.addFrontend(ip('10.96.0.12'), 80, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_SPARE)), expected: ST_NOT_FOUND },
  { desc: 'addFrontend: id 0', call: (dp) => dp.addFrontend(ip('10.96.0.12'), 80, PROTO_TCP, FRONTEND_CLUSTER_IP, 0), expected: ST_BAD_ARGUMENT },
  { desc: 'addFrontend: id MAX_SERVICE_PORT_ID + 1', call: (dp) => dp.addFrontend(ip('10.96.0.12'), 80, PROTO_TCP, FRONTEND_CLUSTER_IP, MAX_SERVICE_PORT_ID + 1), expected: ST_BAD_ARGUMENT },
  { desc: 'addFrontend: port 65536', call: (dp) => dp.addFrontend(ip('10.96.0.12'), 65536, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_WEB), expected: ST_BAD_ARGUMENT, after: unchangedWeb },
  { desc: 'addFrontend: port 65535', call: (dp) => dp.addFrontend(ip('10.96.0.12'), 65535, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_WEB), expected: ST_OK },
  { desc: 'addFrontend: port 0', call: (dp) => dp.addFrontend(ip('10.96.0.12'), 0, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_WEB), expected: ST_OK },
  { desc: 'addFrontend: protocol 256', call: (dp) => dp.addFrontend(ip('10.96.0.12'), 80, 256, FRONTEND_CLUSTER_IP, SP_WEB), expected: ST_BAD_ARGUMENT, after: unchangedWeb },
  { desc: 'addFrontend: protocol 255', call: (dp) => dp.addFrontend(ip('10.96.0.12'), 80, 255, FRONTEND_CLUSTER_IP, SP_WEB), expected: ST_OK },
  { desc: 'addFrontend: kind ExternalIP', call: (dp) => dp.addFrontend(ip('203.0.113.7'), 80, PROTO_TCP, FRONTEND_EXTERNAL_IP, SP_WEB), expected: ST_OK },
  { desc: 'addFrontend: kind LoadBalancer', call: (dp) => dp.addFrontend(ip('198.51.100.1'), 443, PROTO_TCP, FRONTEND_LOAD_BALANCER, SP_WEB), expected: ST_OK },
  { desc: 'addFrontend: kind NodePort', call: (dp) => dp.addFrontend(ip('192.168.49.2'), 30080, PROTO_TCP, FRONTEND_NODE_PORT, SP_WEB), expected: ST_OK },
  { desc: 'addFrontend: address 255.255.255.255', call: (dp) => dp.addFrontend(0xffff_ffff, 80, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_WEB), expected: ST_OK },
  // removeFrontend
  { desc: 'removeFrontend: bound key', call: (dp) => dp.removeFrontend(VIP_WEB, 80, PROTO_TCP), expected: ST_OK, after: (dp) => expect(dp.frontendCount()).toBe(1) },
  { desc: 'removeFrontend: twice', call: (dp) => (dp.removeFrontend(VIP_WEB, 80, PROTO_TCP), dp.removeFrontend(VIP_WEB, 80, PROTO_TCP)), expected: ST_NOT_FOUND },
  { desc: 'removeFrontend: never bound', call: (dp) => dp.removeFrontend(ip('10.96.0.99'), 80, PROTO_TCP), expected: ST_NOT_FOUND, after: unchangedWeb },
  { desc: 'removeFrontend: bound address and port, other protocol', call: (dp) => dp.removeFrontend(VIP_WEB, 80, PROTO_UDP), expected: ST_NOT_FOUND, after: unchangedWeb },
  { desc: 'removeFrontend: bound address, other port', call: (dp) => dp.removeFrontend(VIP_WEB, 81, PROTO_TCP), expected: ST_NOT_FOUND, after: unchangedWeb },
  { desc: 'removeFrontend: port 65536', call: (dp) => dp.removeFrontend(VIP_WEB, 65536 + 80, PROTO_TCP), expected: ST_BAD_ARGUMENT, after: unchangedWeb },
  { desc: 'removeFrontend: protocol 256', call: (dp) => dp.removeFrontend(VIP_WEB, 80, 256 + PROTO_TCP), expected: ST_BAD_ARGUMENT, after: unchangedWeb },
  // setBackendCount
  { desc: 'setBackendCount: grow', call: (dp) => dp.setBackendCount(SP_WEB, 5), expected: ST_OK, after: (dp) => expect(dp.backendCount(SP_WEB)).toBe(5) },
  { desc: 'setBackendCount: shrink', call: (dp) => dp.setBackendCount(SP_WEB, 1), expected: ST_OK, after: (dp) => expect(dp.backendCount(SP_WEB)).toBe(1) },
  { desc: 'setBackendCount: same count', call: (dp) => dp.setBackendCount(SP_WEB, 3), expected: ST_OK, after: unchangedWeb },
  { desc: 'setBackendCount: 0', call: (dp) => dp.setBackendCount(SP_WEB, 0), expected: ST_OK, after: (dp) => expect(dp.backendCount(SP_WEB)).toBe(0) },
  { desc: 'setBackendCount: MAX_BACKENDS_PER_SERVICE_PORT', call: (dp) => dp.setBackendCount(SP_SPARE, MAX_BACKENDS_PER_SERVICE_PORT), expected: ST_OK, after: (dp) => expect(dp.backendCount(SP_SPARE)).toBe(MAX_BACKENDS_PER_SERVICE_PORT) },
  { desc: 'setBackendCount: MAX_BACKENDS_PER_SERVICE_PORT + 1', call: (dp) => dp.setBackendCount(SP_WEB, MAX_BACKENDS_PER_SERVICE_PORT + 1), expected: ST_BAD_ARGUMENT, after: unchangedWeb },
  { desc: 'setBackendCount: unknown id', call: (dp) => dp.setBackendCount(99, 1), expected: ST_NOT_FOUND, after: (dp) => expect(dp.backendCount(99)).toBe(0) },
  { desc: 'setBackendCount: id 0', call: (dp) => dp.setBackendCount(0, 1), expected: ST_BAD_ARGUMENT },
  { desc: 'setBackendCount: id MAX_SERVICE_PORT_ID + 1', call: (dp) => dp.setBackendCount(MAX_SERVICE_PORT_ID + 1, 1), expected: ST_BAD_ARGUMENT },
  // writeBackend
  { desc: 'writeBackend: index < count', call: (dp) => dp.writeBackend(SP_WEB, 2, ip('10.244.9.9'), 80, 0), expected: ST_OK, after: unchangedWeb },
  { desc: 'writeBackend: index = count', call: (dp) => dp.writeBackend(SP_WEB, 3, ip('10.244.9.9'), 80, 0), expected: ST_BAD_ARGUMENT, after: unchangedWeb },
  { desc: 'writeBackend: index beyond a shrunk count', call: (dp) => (dp.setBackendCount(SP_WEB, 2), dp.writeBackend(SP_WEB, 2, ip('10.244.9.9'), 80, 0)), expected: ST_BAD_ARGUMENT },
  { desc: 'writeBackend: service port with 0 backends', call: (dp) => dp.writeBackend(SP_EMPTY, 0, ip('10.244.9.9'), 80, 0), expected: ST_BAD_ARGUMENT },
  { desc: 'writeBackend: unknown id', call: (dp) => dp.writeBackend(99, 0, ip('10.244.9.9'), 80, 0), expected: ST_NOT_FOUND },
  { desc: 'writeBackend: id 0', call: (dp) => dp.writeBackend(0, 0, ip('10.244.9.9'), 80, 0), expected: ST_BAD_ARGUMENT },
  { desc: 'writeBackend: id MAX_SERVICE_PORT_ID + 1', call: (dp) => dp.writeBackend(MAX_SERVICE_PORT_ID + 1, 0, ip('10.244.9.9'), 80, 0), expected: ST_BAD_ARGUMENT },
  { desc: 'writeBackend: port 65535', call: (dp) => dp.writeBackend(SP_WEB, 0, ip('10.244.9.9'), 65535, 0), expected: ST_OK },
  { desc: 'writeBackend: port 65536', call: (dp) => dp.writeBackend(SP_WEB, 0, ip('10.244.9.9'), 65536, 0), expected: ST_BAD_ARGUMENT },
  { desc: 'writeBackend: flags 0xffff', call: (dp) => dp.writeBackend(SP_WEB, 0, ip('10.244.9.9'), 80, 0xffff), expected: ST_OK },
  { desc: 'writeBackend: flags 0x10000', call: (dp) => dp.writeBackend(SP_WEB, 0, ip('10.244.9.9'), 80, 0x1_0000), expected: ST_BAD_ARGUMENT },
  { desc: 'writeBackend: address 255.255.255.255', call: (dp) => dp.writeBackend(SP_WEB, 0, 0xffff_ffff, 80, 0), expected: ST_OK },
  // routeBatch
  { desc: 'routeBatch: count 0', call: (dp) => (dp.reserveBatch(16), dp.routeBatch(0)), expected: 0 },
  { desc: 'routeBatch: count = reserved capacity', call: (dp) => (dp.reserveBatch(5000), dp.routeBatch(5000)), expected: 5000 },
  { desc: 'routeBatch: count = reserved capacity + 1', call: (dp) => (dp.reserveBatch(5000), dp.routeBatch(5001)), expected: -ST_BATCH_TOO_LARGE },
  { desc: 'routeBatch: count 2^25', call: (dp) => (dp.reserveBatch(16), dp.routeBatch(1 << 25)), expected: -ST_BATCH_TOO_LARGE },
];

// ── golden verdicts ──────────────────────────────────────────────────────────────────────

interface VerdictCase {
  desc: string;
  /** Changes applied on top of the fixture. */
  setup?: (dp: DataPlane) => void;
  packet: Packet;
  expected: VerdictWords;
}

const CLIENT = ip('10.244.0.20');
const p = (destination: number, destinationPort: number, protocol: number, source = CLIENT, sourcePort = 40000): Packet => ({
  source,
  destination,
  sourcePort,
  destinationPort,
  protocol,
});
const webVerdict = (packet: Packet): VerdictWords => expectedVerdict(packet, SP_WEB, WEB_BACKENDS);

const HIGH_VIP = ip('192.168.255.254');
const HIGH_BACKENDS: Backend[] = [
  { address: ip('255.255.255.254'), port: 65535 },
  { address: ip('128.0.0.0'), port: 1 },
  { address: ip('200.1.2.3'), port: 32768 },
];
const highSetup = (dp: DataPlane): void => {
  ok(dp.upsertServicePort(7, 0));
  ok(dp.setBackendCount(7, HIGH_BACKENDS.length));
  HIGH_BACKENDS.forEach((b, i) => ok(dp.writeBackend(7, i, b.address, b.port, 0)));
  ok(dp.addFrontend(HIGH_VIP, 65535, PROTO_TCP, FRONTEND_CLUSTER_IP, 7));
  ok(dp.addFrontend(0xffff_ffff, 443, PROTO_TCP, FRONTEND_CLUSTER_IP, 7));
  ok(dp.addFrontend(ip('128.0.0.0'), 80, PROTO_TCP, FRONTEND_CLUSTER_IP, 7));
};

const VERDICT_CASES: VerdictCase[] = [
  { desc: 'ClusterIP:port/TCP → DNAT to a backend', packet: p(VIP_WEB, 80, PROTO_TCP), expected: webVerdict(p(VIP_WEB, 80, PROTO_TCP)) },
  { desc: 'other source port → DNAT by its own flow hash', packet: p(VIP_WEB, 80, PROTO_TCP, CLIENT, 40001), expected: webVerdict(p(VIP_WEB, 80, PROTO_TCP, CLIENT, 40001)) },
  { desc: 'ClusterIP, unbound port → PASS', packet: p(VIP_WEB, 81, PROTO_TCP), expected: pass() },
  { desc: 'ClusterIP:port, UDP (only TCP bound) → PASS', packet: p(VIP_WEB, 80, PROTO_UDP), expected: pass() },
  { desc: 'ClusterIP:port, SCTP (only TCP bound) → PASS', packet: p(VIP_WEB, 80, PROTO_SCTP), expected: pass() },
  { desc: 'address that is no frontend → PASS', packet: p(ip('10.96.0.11'), 80, PROTO_TCP), expected: pass() },
  { desc: 'backend address itself → PASS', packet: p(WEB_BACKENDS[0].address, 8080, PROTO_TCP), expected: pass() },
  { desc: 'service port with 0 backends → REJECT with its id', packet: p(VIP_DNS, 53, PROTO_UDP), expected: reject(SP_EMPTY) },
  {
    desc: 'all backends removed (count 0) → REJECT',
    setup: (dp) => ok(dp.setBackendCount(SP_WEB, 0)),
    packet: p(VIP_WEB, 80, PROTO_TCP),
    expected: reject(SP_WEB),
  },
  {
    desc: 'frontend removed → PASS',
    setup: (dp) => ok(dp.removeFrontend(VIP_WEB, 80, PROTO_TCP)),
    packet: p(VIP_WEB, 80, PROTO_TCP),
    expected: pass(),
  },
  {
    desc: 'frontend rebound to another service port → DNAT to that one',
    setup: (dp) => (ok(dp.removeFrontend(VIP_WEB, 80, PROTO_TCP)), ok(dp.addFrontend(VIP_WEB, 80, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_SPARE))),
    packet: p(VIP_WEB, 80, PROTO_TCP),
    expected: dnat(SP_SPARE, SPARE_BACKEND),
  },
  {
    desc: 'service port removed and re-created → starts without backends → REJECT',
    setup: (dp) => {
      ok(dp.removeFrontend(VIP_WEB, 80, PROTO_TCP));
      ok(dp.removeServicePort(SP_WEB));
      ok(dp.upsertServicePort(SP_WEB, 0));
      ok(dp.addFrontend(VIP_WEB, 80, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_WEB));
    },
    packet: p(VIP_WEB, 80, PROTO_TCP),
    expected: reject(SP_WEB),
  },
  {
    desc: 'single backend → always that backend',
    setup: (dp) => ok(dp.addFrontend(ip('10.96.0.30'), 5000, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_SPARE)),
    packet: p(ip('10.96.0.30'), 5000, PROTO_TCP, ip('172.16.0.1'), 1),
    expected: dnat(SP_SPARE, SPARE_BACKEND),
  },
  {
    desc: 'backend flags never reach the verdict (port stays 16-bit)',
    setup: (dp) => {
      ok(dp.addFrontend(ip('10.96.0.30'), 5000, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_SPARE));
      ok(dp.writeBackend(SP_SPARE, 0, SPARE_BACKEND.address, SPARE_BACKEND.port, 0xffff));
    },
    packet: p(ip('10.96.0.30'), 5000, PROTO_TCP),
    expected: dnat(SP_SPARE, SPARE_BACKEND),
  },
  {
    desc: 'service port flags never reach the verdict (masquerade 0)',
    setup: (dp) => ok(dp.upsertServicePort(SP_WEB, 0xffff_ffff)),
    packet: p(VIP_WEB, 80, PROTO_TCP),
    expected: webVerdict(p(VIP_WEB, 80, PROTO_TCP)),
  },
  {
    desc: 'grown but unwritten backend slots are 0.0.0.0:0',
    setup: (dp) => (ok(dp.setBackendCount(SP_SPARE, 0)), ok(dp.setBackendCount(SP_SPARE, 1)), ok(dp.addFrontend(ip('10.96.0.30'), 5000, PROTO_TCP, FRONTEND_CLUSTER_IP, SP_SPARE))),
    packet: p(ip('10.96.0.30'), 5000, PROTO_TCP),
    expected: dnat(SP_SPARE, { address: 0, port: 0 }),
  },
  {
    desc: 'NodePort frontend on a node address → DNAT',
    setup: (dp) => ok(dp.addFrontend(ip('192.168.49.2'), 30080, PROTO_TCP, FRONTEND_NODE_PORT, SP_WEB)),
    packet: p(ip('192.168.49.2'), 30080, PROTO_TCP),
    expected: webVerdict(p(ip('192.168.49.2'), 30080, PROTO_TCP)),
  },
  {
    desc: 'frontend ≥ 128.0.0.0, port 65535, source ≥ 128.0.0.0',
    setup: highSetup,
    packet: p(HIGH_VIP, 65535, PROTO_TCP, ip('250.1.2.3'), 65535),
    expected: expectedVerdict(p(HIGH_VIP, 65535, PROTO_TCP, ip('250.1.2.3'), 65535), 7, HIGH_BACKENDS),
  },
  {
    desc: 'frontend 255.255.255.255',
    setup: highSetup,
    packet: p(0xffff_ffff, 443, PROTO_TCP, ip('128.0.0.1'), 1),
    expected: expectedVerdict(p(0xffff_ffff, 443, PROTO_TCP, ip('128.0.0.1'), 1), 7, HIGH_BACKENDS),
  },
  {
    desc: 'frontend 128.0.0.0',
    setup: highSetup,
    packet: p(ip('128.0.0.0'), 80, PROTO_TCP, 0xffff_ffff, 0),
    expected: expectedVerdict(p(ip('128.0.0.0'), 80, PROTO_TCP, 0xffff_ffff, 0), 7, HIGH_BACKENDS),
  },
  {
    desc: '127.255.255.255 (sign-bit neighbour of 128.0.0.0) → PASS',
    setup: highSetup,
    packet: p(ip('127.255.255.255'), 80, PROTO_TCP),
    expected: pass(),
  },
];

// ── the factory ──────────────────────────────────────────────────────────────────────────

export function describeDataPlane(name: string, create: Create): void {
  const fresh = async (): Promise<DataPlane> => {
    const dp = await create();
    fixture(dp);
    return dp;
  };

  describe(`DataPlane contract: ${name}`, () => {
    test('a new data plane is empty and names its kind', async () => {
      const dp = await create();
      expect(typeof dp.kind).toBe('string');
      expect(dp.kind.length).toBeGreaterThan(0);
      expect(dp.frontendCount()).toBe(0);
      expect(dp.backendCount(1)).toBe(0);
      expect(dp.memoryBytes()).toBeGreaterThan(0);
      expect(routeOne(dp, p(VIP_WEB, 80, PROTO_TCP))).toEqual(pass());
    });

    describe('status codes', () => {
      STATUS_CASES.forEach((c, i) => {
        const returnsCount = c.desc.startsWith('routeBatch');
        const label = returnsCount ? `returns ${c.expected}` : statusName(c.expected);
        test(`${i + 1}. ${c.desc} → ${label}`, async () => {
          const dp = await fresh();
          const actual = c.call(dp);
          if (returnsCount) expect(actual).toBe(c.expected);
          else expect(statusName(actual)).toBe(statusName(c.expected));
          c.after?.(dp);
        });
      });
    });

    describe('verdicts', () => {
      VERDICT_CASES.forEach((c, i) => {
        test(`${i + 1}. ${c.desc}`, async () => {
          const dp = await fresh();
          c.setup?.(dp);
          expect(routeOne(dp, c.packet)).toEqual(c.expected);
        });
      });

      test('every verdict record field is written (stale output is overwritten)', async () => {
        const dp = await fresh();
        const packets = [p(VIP_WEB, 80, PROTO_TCP), p(VIP_DNS, 53, PROTO_UDP), p(ip('1.2.3.4'), 80, PROTO_TCP)];
        const input = dp.reserveBatch(3);
        packets.forEach((packet, i) => writePacket(input, i, packet));
        dp.outputView().fill(0xdead_beef, 0, 3 * VERDICT_RECORD_WORDS);
        expect(dp.routeBatch(3)).toBe(3);
        const output = dp.outputView();
        expect([0, 1, 2].map((i) => readVerdict(output, i))).toEqual([webVerdict(packets[0]), reject(SP_EMPTY), pass()]);
      });

      test('a batch mixing PASS, DNAT and REJECT routes each record independently', async () => {
        const dp = await fresh();
        const next = prng(11);
        const packets: Packet[] = [];
        const expected: VerdictWords[] = [];
        for (let i = 0; i < 3000; i++) {
          const kind = next() % 3;
          const packet =
            kind === 0 ? webPacket(next(), next() & 0xffff) : kind === 1 ? p(VIP_DNS, 53, PROTO_UDP, next(), next() & 0xffff) : p(next(), next() & 0xffff, PROTO_TCP);
          packets.push(packet);
          expected.push(kind === 0 ? webVerdict(packet) : kind === 1 ? reject(SP_EMPTY) : pass());
        }
        // A random destination can hit a frontend only by a 1-in-2^48 chance; the fixture has 2.
        expectVerdicts(route(dp, packets, 1000), expected, packets);
      });
    });

    describe('protocols', () => {
      test('TCP, UDP and SCTP on the same address and port are separate frontends', async () => {
        const dp = await create();
        const vip = ip('10.96.0.53');
        const protocols = [PROTO_TCP, PROTO_UDP, PROTO_SCTP];
        protocols.forEach((protocol, i) => {
          const id = i + 1;
          ok(dp.upsertServicePort(id, 0));
          ok(dp.setBackendCount(id, 1));
          ok(dp.writeBackend(id, 0, ip(`10.244.${id}.1`), 1000 + id, 0));
          ok(dp.addFrontend(vip, 53, protocol, FRONTEND_CLUSTER_IP, id));
        });
        expect(dp.frontendCount()).toBe(3);
        const verdicts = () => protocols.map((protocol) => routeOne(dp, p(vip, 53, protocol)));
        expect(verdicts()).toEqual([1, 2, 3].map((id) => dnat(id, { address: ip(`10.244.${id}.1`), port: 1000 + id })));
        expect(routeOne(dp, p(vip, 53, 1))).toEqual(pass());
        ok(dp.removeFrontend(vip, 53, PROTO_UDP));
        expect(verdicts()).toEqual([dnat(1, { address: ip('10.244.1.1'), port: 1001 }), pass(), dnat(3, { address: ip('10.244.3.1'), port: 1003 })]);
        expect(statusName(dp.removeFrontend(vip, 53, PROTO_UDP))).toBe('NOT_FOUND');
        expect(dp.frontendCount()).toBe(2);
      });
    });

    describe('endpoint selection', () => {
      test('the same 5-tuple picks the same endpoint while the set is unchanged', async () => {
        const dp = await fresh();
        const next = prng(21);
        const packets = Array.from({ length: 2000 }, () => webPacket(next(), next() & 0xffff));
        const first = route(dp, packets, 512);
        expectVerdicts(first, packets.map(webVerdict), packets);
        // Other positions in the batch, other batch sizes, reversed order.
        expectVerdicts(route(dp, [...packets].reverse(), 333).reverse(), first, packets);
        // Unrelated changes: other service ports, many more frontends (table growth).
        ok(dp.upsertServicePort(50, 0));
        ok(dp.setBackendCount(50, 7));
        for (let i = 0; i < 3000; i++) ok(dp.addFrontend(ip('10.97.0.0') + i, 80, PROTO_TCP, FRONTEND_CLUSTER_IP, 50));
        ok(dp.setBackendCount(SP_SPARE, 300));
        expectVerdicts(route(dp, packets, 4096), first, packets);
        // Rewriting the same backend values is no change either.
        WEB_BACKENDS.forEach((b, i) => ok(dp.writeBackend(SP_WEB, i, b.address, b.port, 0)));
        expectVerdicts(route(dp, packets, 100), first, packets);
      });

      test('uniform: 100k random flows over 10 endpoints, each within ±5% of 10k', async () => {
        const dp = await create();
        const vip = ip('10.96.1.1');
        ok(dp.upsertServicePort(1, 0));
        ok(dp.setBackendCount(1, 10));
        for (let i = 0; i < 10; i++) ok(dp.writeBackend(1, i, ip('10.244.0.0') + i, 8080, 0));
        ok(dp.addFrontend(vip, 80, PROTO_TCP, FRONTEND_CLUSTER_IP, 1));
        const counts = new Array<number>(10).fill(0);
        const next = prng(31);
        const verdicts = route(dp, flowsTo(next, 100_000, vip, 80, PROTO_TCP));
        for (const v of verdicts) {
          expect(v[0]).toBe(VERDICT_DNAT);
          counts[v[2] - ip('10.244.0.0')]++;
        }
        for (const c of counts) {
          expect(c).toBeGreaterThanOrEqual(9500);
          expect(c).toBeLessThanOrEqual(10500);
        }
        const chiSquare = counts.reduce((sum, c) => sum + (c - 10_000) ** 2 / 10_000, 0);
        expect(chiSquare).toBeLessThan(40); // 9 degrees of freedom; p < 1e-5 above ~36
      });

      test('backend count changes keep the prefix; new slots are 0 until written', async () => {
        const dp = await create();
        const vip = ip('10.96.2.1');
        ok(dp.upsertServicePort(1, 0));
        ok(dp.addFrontend(vip, 80, PROTO_TCP, FRONTEND_CLUSTER_IP, 1));
        // Neighbours whose ranges sit next to ours in any pool layout.
        for (let id = 2; id <= 4; id++) {
          ok(dp.upsertServicePort(id, 0));
          ok(dp.setBackendCount(id, 4 * id));
          for (let i = 0; i < 4 * id; i++) ok(dp.writeBackend(id, i, 0xffff_ffff, 0xffff, 0xffff));
        }
        const model: Backend[] = [];
        const resize = (count: number): void => {
          ok(dp.setBackendCount(1, count));
          model.length = Math.min(model.length, count);
          while (model.length < count) model.push({ address: 0, port: 0 });
          expect(dp.backendCount(1)).toBe(count);
        };
        const write = (from: number, to: number): void => {
          for (let i = from; i < to; i++) {
            model[i] = { address: ip('10.244.0.0') + i * 256 + 1, port: 8000 + i };
            ok(dp.writeBackend(1, i, model[i].address, model[i].port, 0));
          }
        };
        const next = prng(41);
        const check = (): void => {
          const packets = flowsTo(next, 4000, vip, 80, PROTO_TCP);
          expectVerdicts(route(dp, packets), packets.map((packet) => expectedVerdict(packet, 1, model)), packets);
        };
        resize(5);
        write(0, 5);
        check();
        resize(8); // grows past capacity: the range moves
        check();
        write(5, 8);
        resize(3); // shrinks
        check();
        resize(6); // regrows in place: 3..5 must read 0, not the old values
        check();
        write(3, 6);
        resize(100);
        check();
        write(6, 100);
        check();
        resize(1);
        check();
        resize(0);
        check();
        resize(2);
        check();
      });
    });

    describe('growth', () => {
      test(
        'frontends after heavy churn: 10k inserted, 9k deleted in random order',
        async () => {
          const dp = await create();
          const next = prng(51);
          const ids = 16;
          for (let id = 1; id <= ids; id++) {
            ok(dp.upsertServicePort(id, 0));
            ok(dp.setBackendCount(id, 1));
            ok(dp.writeBackend(id, 0, ip('10.244.0.0') + id, 8000 + id, 0));
          }
          // Clustered keys: consecutive addresses, few ports, all three protocols.
          interface Key { address: number; port: number; protocol: number; id: number }
          const keys: Key[] = [];
          const seen = new Set<string>();
          const protocols = [PROTO_TCP, PROTO_UDP, PROTO_SCTP];
          while (keys.length < 10_000) {
            const address = (ip('10.96.0.0') + (next() % 4000)) >>> 0;
            const port = [53, 80, 443, 8080][next() % 4];
            const protocol = protocols[next() % 3];
            const k = `${address}:${port}/${protocol}`;
            if (seen.has(k)) continue;
            seen.add(k);
            keys.push({ address, port, protocol, id: 1 + (next() % ids) });
          }
          for (const k of keys) ok(dp.addFrontend(k.address, k.port, k.protocol, FRONTEND_CLUSTER_IP, k.id));
          expect(dp.frontendCount()).toBe(10_000);
          const order = shuffle([...keys], next);
          const deleted = order.slice(0, 9000);
          const kept = order.slice(9000);
          for (const k of deleted) ok(dp.removeFrontend(k.address, k.port, k.protocol));
          expect(dp.frontendCount()).toBe(1000);
          const toPacket = (k: Key): Packet => p(k.address, k.port, k.protocol, next(), next() & 0xffff);
          const verdictOf = (k: Key): VerdictWords => dnat(k.id, { address: ip('10.244.0.0') + k.id, port: 8000 + k.id });
          const keptPackets = kept.map(toPacket);
          const deletedPackets = deleted.map(toPacket);
          expectVerdicts(route(dp, keptPackets), kept.map(verdictOf), keptPackets);
          expectVerdicts(route(dp, deletedPackets), deleted.map(pass), deletedPackets);
          for (const k of deleted.slice(0, 500)) expect(statusName(dp.removeFrontend(k.address, k.port, k.protocol))).toBe('NOT_FOUND');
          for (const k of kept.slice(0, 500)) expect(statusName(dp.addFrontend(k.address, k.port, k.protocol, 0, k.id))).toBe('EXISTS');
          // Re-insert everything deleted, then delete the survivors: the table must hold up.
          for (const k of deleted) ok(dp.addFrontend(k.address, k.port, k.protocol, FRONTEND_CLUSTER_IP, k.id));
          for (const k of kept) ok(dp.removeFrontend(k.address, k.port, k.protocol));
          expect(dp.frontendCount()).toBe(9000);
          expectVerdicts(route(dp, deletedPackets), deleted.map(verdictOf), deletedPackets);
          expectVerdicts(route(dp, keptPackets), kept.map(pass), keptPackets);
        },
        HEAVY,
      );

      test(
        'service port ids up to 50k, each with a frontend and a backend',
        async () => {
          const dp = await create();
          const n = 50_000;
          const vip = (id: number): number => (ip('10.96.0.0') + id) >>> 0;
          const backend = (id: number): Backend => ({ address: (ip('10.128.0.0') + id * 3) >>> 0, port: id & 0xffff });
          for (let id = 1; id <= n; id++) {
            ok(dp.upsertServicePort(id, id));
            ok(dp.setBackendCount(id, 1));
            const b = backend(id);
            ok(dp.writeBackend(id, 0, b.address, b.port, 0));
            ok(dp.addFrontend(vip(id), 80, PROTO_TCP, FRONTEND_CLUSTER_IP, id));
          }
          expect(dp.frontendCount()).toBe(n);
          expect(dp.backendCount(n)).toBe(1);
          const ids = Array.from({ length: n }, (_, i) => i + 1);
          const next = prng(61);
          const packets = ids.map((id) => p(vip(id), 80, PROTO_TCP, next(), next() & 0xffff));
          expectVerdicts(route(dp, packets), ids.map((id) => dnat(id, backend(id))), packets);
          // Remove every other one, frontends first.
          for (let id = 2; id <= n; id += 2) {
            ok(dp.removeFrontend(vip(id), 80, PROTO_TCP));
            ok(dp.removeServicePort(id));
          }
          expect(dp.frontendCount()).toBe(n / 2);
          expect(dp.backendCount(2)).toBe(0);
          expectVerdicts(route(dp, packets), ids.map((id) => (id % 2 === 0 ? pass() : dnat(id, backend(id)))), packets);
        },
        HEAVY,
      );

      test('100 backends on one service port, grown one at a time, all reachable', async () => {
        const dp = await fresh();
        const vip = ip('10.96.3.1');
        ok(dp.upsertServicePort(9, 0));
        ok(dp.addFrontend(vip, 443, PROTO_TCP, FRONTEND_CLUSTER_IP, 9));
        const model: Backend[] = [];
        for (let i = 0; i < 100; i++) {
          ok(dp.setBackendCount(9, i + 1));
          model.push({ address: (ip('172.16.0.0') + i) >>> 0, port: 10_000 + i });
          ok(dp.writeBackend(9, i, model[i].address, model[i].port, 0));
          // Interleave growth of another service port so ranges are not adjacent.
          ok(dp.setBackendCount(SP_SPARE, i + 2));
        }
        expect(dp.backendCount(9)).toBe(100);
        const packets = flowsTo(prng(71), 20_000, vip, 443, PROTO_TCP);
        const verdicts = route(dp, packets);
        expectVerdicts(verdicts, packets.map((packet) => expectedVerdict(packet, 9, model)), packets);
        expect(new Set(verdicts.map((v) => v[2])).size).toBe(100);
        // Earlier service ports are untouched by all that growth.
        expect(routeOne(dp, webPacket(1, 2))).toEqual(webVerdict(webPacket(1, 2)));
      });

      test('batches larger than any initial capacity', async () => {
        const dp = await fresh();
        const n = 20_000;
        const next = prng(81);
        const packets = Array.from({ length: n }, () => webPacket(next(), next() & 0xffff));
        const input = dp.reserveBatch(n);
        expect(input.length).toBe(n * PACKET_RECORD_WORDS);
        expect(dp.outputView().length).toBeGreaterThanOrEqual(n * VERDICT_RECORD_WORDS);
        packets.forEach((packet, i) => writePacket(input, i, packet));
        expect(dp.routeBatch(n)).toBe(n);
        const output = dp.outputView();
        expectVerdicts(packets.map((_, i) => readVerdict(output, i)), packets.map(webVerdict), packets);
      });

      test('reserveBatch and outputView return working views after tables grow', async () => {
        const dp = await fresh();
        let input = dp.reserveBatch(16);
        expect(input.length).toBe(16 * PACKET_RECORD_WORDS);
        writePacket(input, 0, webPacket(5, 6));
        expect(dp.routeBatch(1)).toBe(1);
        expect(readVerdict(dp.outputView(), 0)).toEqual(webVerdict(webPacket(5, 6)));
        // Grow every table (in the wasm core this grows memory and detaches old views).
        for (let id = 10; id < 5000; id++) {
          ok(dp.upsertServicePort(id, 0));
          ok(dp.setBackendCount(id, 8));
          ok(dp.addFrontend(ip('10.100.0.0') + id, 80, PROTO_TCP, FRONTEND_CLUSTER_IP, id));
        }
        input = dp.reserveBatch(16);
        expect(input.length).toBe(16 * PACKET_RECORD_WORDS);
        writePacket(input, 0, webPacket(5, 6));
        writePacket(input, 1, p(ip('10.100.0.0') + 4999, 80, PROTO_TCP));
        expect(dp.routeBatch(2)).toBe(2);
        const output = dp.outputView();
        expect(output.length).toBeGreaterThanOrEqual(16 * VERDICT_RECORD_WORDS);
        expect(readVerdict(output, 0)).toEqual(webVerdict(webPacket(5, 6)));
        expect(readVerdict(output, 1)).toEqual(dnat(4999, { address: 0, port: 0 }));
        // Growing the batch itself: the new views cover the new capacity.
        input = dp.reserveBatch(9000);
        expect(input.length).toBe(9000 * PACKET_RECORD_WORDS);
        writePacket(input, 8999, webPacket(7, 8));
        expect(dp.routeBatch(9000)).toBe(9000);
        expect(readVerdict(dp.outputView(), 8999)).toEqual(webVerdict(webPacket(7, 8)));
        expect(dp.routeBatch(9001)).toBe(-ST_BATCH_TOO_LARGE);
      });

      test('memoryBytes grows with the tables', async () => {
        const dp = await fresh();
        const before = dp.memoryBytes();
        for (let id = 10; id < 3000; id++) {
          ok(dp.upsertServicePort(id, 0));
          ok(dp.setBackendCount(id, 10));
          ok(dp.addFrontend(ip('10.100.0.0') + id, 80, PROTO_TCP, FRONTEND_CLUSTER_IP, id));
        }
        expect(dp.memoryBytes()).toBeGreaterThan(before);
      });

    });
  });
}
