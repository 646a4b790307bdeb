// The answer kernel on hostile input. The parser takes untrusted network bytes, so for
// any message the kernel must return DNS_DROP or a well-formed response (FORMERR for
// malformed queries) — never trap, never hang, never read past the message.
//
// "Never read past the message" is checked two ways:
// - the debug build asserts every message read against the message length (dnswire.ts
//   `byteAt`/`be16At`); an out-of-bounds read aborts, which the loader turns into an Error;
// - canaries: each query is answered with different bytes after it in the input buffer
//   (zeros, 0xff, compression-pointer bytes, random); the responses must be identical.

import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { type WasmDnsPlane, createWasmDnsPlane } from '../../../sdk/engine/dnscore.js';
import { DNS_DROP, DNS_FORWARD, DNS_TCP, DNS_UDP, RCODE_FORMERR } from '../../../sdk/engine/dnsplane.js';
import { setDefaultCoreSource } from '../../../sdk/engine/load.js';
import { nodeCoreSource } from '../../../sdk/node/load-node.js';
import { loadFixture } from '../dnsplane.suite.js';
import { TYPES, buildQuery, concat, u16, walk, wireName } from './wire.js';

setDefaultCoreSource(nodeCoreSource);

const Z = 'default.svc.cluster.local';
const RUNS = Number(process.env.DNS_FUZZ_RUNS ?? 1500);

/** Valid queries covering every answer path (A, SRV + glue, CNAME chains, NXDOMAIN, pods, EDNS). */
const SEEDS: Uint8Array[] = [
  buildQuery(`web.${Z}`),
  buildQuery(`web.${Z}`, { type: TYPES.AAAA, edns: { udp: 4096, do: true } }),
  buildQuery(`_pg._tcp.db.${Z}`, { type: TYPES.SRV, edns: { udp: 1232, options: Uint8Array.from([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]) } }),
  buildQuery(`alias.${Z}`),
  buildQuery(`c0.${Z}`, { type: TYPES.AAAA }),
  buildQuery(`nope.${Z}`, { edns: {} }),
  buildQuery('10-244-1-5.default.pod.cluster.local'),
  buildQuery('cluster.local', { type: TYPES.NS }),
  buildQuery(`big.${Z}`),
  buildQuery('example.com', { edns: {} }),
];

function checkResponse(query: Uint8Array, result: number, response: Uint8Array): void {
  if (result === DNS_DROP) {
    expect(query.length < 12 || (query[2] & 0x80) !== 0, 'DROP only for short messages and responses').toBe(true);
    return;
  }
  expect(result).not.toBe(DNS_FORWARD);
  expect(result).toBeGreaterThanOrEqual(12);
  const msg = walk(response);
  expect(msg.id).toBe((query[0] << 8) | query[1]);
  expect(msg.qr).toBe(true);
}

describe.each(['debug', 'release'] as const)('answer kernel on hostile input (%s)', (target) => {
  let plane: WasmDnsPlane;
  const out = new Uint8Array(65535);

  /** Answers with the raw exports, the query at the input start and `fill` after it. */
  function answerWith(query: Uint8Array, fill: (tail: Uint8Array) => void, transport = DNS_UDP): Uint8Array | number {
    const core = plane.exports;
    const input = new Uint8Array(core.memory.buffer, core.dnsInputPtr() >>> 0, core.dnsInputCapacity() >>> 0);
    input.set(query);
    fill(input.subarray(query.length, query.length + 4096));
    const n = core.dnsAnswer(query.length, transport);
    if (n < 0) return n;
    return new Uint8Array(core.memory.buffer, core.dnsOutputPtr() >>> 0, n).slice();
  }

  beforeAll(async () => {
    plane = await createWasmDnsPlane({ target });
    loadFixture(plane);
  });

  test('01 random bytes: DROP or a well-formed response', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.boolean(), (bytes, tcp) => {
        const result = plane.answer(bytes, tcp ? DNS_TCP : DNS_UDP, out);
        checkResponse(bytes, result, out.subarray(0, Math.max(result, 0)));
      }),
      { numRuns: RUNS },
    );
  });

  test('02 random bytes behind a plausible header (QDCOUNT 1, QR clear)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), (body, an, ar) => {
        const query = concat(u16(0x1111), u16(0x0100), u16(1), u16(an), u16(0), u16(ar), body);
        const result = plane.answer(query, DNS_UDP, out);
        checkResponse(query, result, out.subarray(0, Math.max(result, 0)));
      }),
      { numRuns: RUNS },
    );
  });

  test('03 every truncation of a valid query: DROP below 12 bytes, else FORMERR', () => {
    for (const seed of SEEDS) {
      for (let length = 0; length < seed.length; length++) {
        const cut = seed.slice(0, length);
        const result = plane.answer(cut, DNS_UDP, out);
        if (length < 12) {
          expect(result, `length ${length}`).toBe(DNS_DROP);
          continue;
        }
        const msg = walk(out.slice(0, result));
        expect(msg.rcode, `${Buffer.from(cut).toString('hex')}`).toBe(RCODE_FORMERR);
      }
    }
  });

  test('04 mutations of valid queries (byte flips, pointer bytes, count changes, splices)', () => {
    const mutation = fc.record({
      seed: fc.integer({ min: 0, max: SEEDS.length - 1 }),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          kind: fc.constantFrom('set', 'pointer', 'label', 'count', 'insert', 'delete'),
          value: fc.integer({ min: 0, max: 255 }),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        let q = Array.from(SEEDS[seed]);
        for (const e of edits) {
          const at = e.at % (q.length + 1);
          if (e.kind === 'set') q[at % q.length] = e.value;
          else if (e.kind === 'pointer') q.splice(at, 2, 0xc0 | (e.value & 0x3f), (e.value * 7) & 255);
          else if (e.kind === 'label') q[at % q.length] = 0x30 + (e.value % 0x60);
          else if (e.kind === 'count') q[4 + (e.value % 8)] = e.value % 5;
          else if (e.kind === 'insert') q.splice(at, 0, e.value);
          else q.splice(at, 1);
        }
        const query = Uint8Array.from(q);
        const result = plane.answer(query, DNS_UDP, out);
        checkResponse(query, result, out.subarray(0, Math.max(result, 0)));
        q = [];
      }),
      { numRuns: RUNS },
    );
  });

  test('05 compression-pointer mazes in the question and in records: FORMERR or an answer, quickly', () => {
    const part = fc.oneof(
      fc.integer({ min: 1, max: 70 }).map((n) => [n, ...Array(Math.min(n, 63)).fill(0x61)]),
      fc.integer({ min: 0, max: 0x3fff }).map((t) => [0xc0 | (t >> 8), t & 255]),
      fc.integer({ min: 0, max: 40 }).map((t) => [0xc0, t]),
      fc.constant([0]),
      fc.integer({ min: 0x40, max: 0xbf }).map((b) => [b]),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 40 }), fc.array(part, { maxLength: 40 }), (name, owner) => {
        const query = concat(u16(0x2222), u16(0), u16(1), u16(0), u16(0), u16(1), name.flat(), u16(1), u16(1), owner.flat(), u16(1), u16(1), [0, 0, 0, 0], u16(0));
        const started = performance.now();
        const result = plane.answer(query, DNS_UDP, out);
        expect(performance.now() - started).toBeLessThan(50);
        checkResponse(query, result, out.subarray(0, Math.max(result, 0)));
      }),
      { numRuns: RUNS },
    );
  });

  test('06 long pointer chains are cut: a pointer to a pointer to … 2000 levels deep', () => {
    // A question may only point into the header, so the chain lives in the RDATA of a first
    // additional record (a root byte, then pointers each to the one before), and the owner
    // of a second additional record points at its last link.
    const chainQuery = (links: number): Uint8Array => {
      const question = buildQuery(`web.${Z}`);
      const rdataAt = question.length + 11;
      const chain: number[] = [0];
      for (let i = 0; i < links; i++) {
        const target = rdataAt + (i === 0 ? 0 : 1 + 2 * (i - 1));
        chain.push(0xc0 | (target >> 8), target & 255);
      }
      const last = rdataAt + 1 + 2 * (links - 1);
      const header = concat(question.slice(0, 10), u16(2));
      return concat(header, question.slice(12), [0], u16(TYPES.TXT), u16(1), [0, 0, 0, 0], u16(chain.length), chain, [0xc0 | (last >> 8), last & 255], u16(1), u16(1), [0, 0, 0, 0], u16(0));
    };
    expect(walk(out.slice(0, plane.answer(chainQuery(100), DNS_UDP, out))).answers.length).toBe(1);
    const started = performance.now();
    expect(walk(out.slice(0, plane.answer(chainQuery(2000), DNS_UDP, out))).rcode).toBe(RCODE_FORMERR);
    expect(performance.now() - started).toBeLessThan(50);
  });

  test('07 canaries: bytes after the message never change the answer', () => {
    const fills: ((tail: Uint8Array) => void)[] = [
      (t) => t.fill(0),
      (t) => t.fill(0xff),
      (t) => t.fill(0xc0),
      (t) => {
        for (let i = 0; i < t.length; i++) t[i] = (i * 37 + 11) & 255;
      },
      (t) => {
        for (let i = 0; i < t.length; i += 2) t.set([0xc0, 0x0c], i);
      },
    ];
    const queries = fc.oneof(
      fc.uint8Array({ minLength: 12, maxLength: 300 }),
      fc.record({ seed: fc.integer({ min: 0, max: SEEDS.length - 1 }), cut: fc.nat() }).map(({ seed, cut }) => SEEDS[seed].slice(0, 12 + (cut % (SEEDS[seed].length - 11)))),
      fc.record({ seed: fc.integer({ min: 0, max: SEEDS.length - 1 }), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }).map(({ seed, at, value }) => {
        const q = SEEDS[seed].slice();
        q[at % q.length] = value;
        return q;
      }),
    );
    fc.assert(
      fc.property(queries, fc.boolean(), (query, tcp) => {
        const transport = tcp ? DNS_TCP : DNS_UDP;
        const first = answerWith(query, fills[0], transport);
        for (const fill of fills.slice(1)) expect(answerWith(query, fill, transport)).toEqual(first);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  test('08 batch: queries back to back, the last flush with the end of the query area', () => {
    const queries = [...SEEDS, Uint8Array.of(1, 2, 3), SEEDS[0].slice(0, 20), buildQuery(`web.${Z}`, { flags: 0x8000 })];
    const total = queries.reduce((n, q) => n + q.length, 0);
    const views = plane.reserveBatch(queries.length, total, queries.length * (65535 + 1024));
    let offset = 0;
    // Fill the area after each query with pointer bytes: the next query starts right there.
    views.queries.fill(0xc0);
    queries.forEach((q, i) => {
      views.queries.set(q, offset);
      views.queryIndex[2 * i] = offset;
      views.queryIndex[2 * i + 1] = q.length | ((i % 2 === 0 ? DNS_UDP : DNS_TCP) << 16);
      offset += q.length;
    });
    expect(plane.answerBatch(queries.length)).toBe(queries.length);
    const fresh = plane.batchViews()!;
    queries.forEach((q, i) => {
      const single = plane.answer(q, i % 2 === 0 ? DNS_UDP : DNS_TCP, out);
      const result = fresh.responseIndex[2 * i + 1];
      expect(result, `query ${i}`).toBe(single);
      if (result > 0) {
        const at = fresh.responseIndex[2 * i];
        expect(Buffer.from(fresh.responses.subarray(at, at + result))).toEqual(Buffer.from(out.subarray(0, single)));
      }
    });
  });

  test('09 a name of exactly 255 bytes is accepted and echoed whole', () => {
    const labels = wireName(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(35)}.${Z}`);
    expect(labels.length).toBe(255);
    const query = concat(u16(9), u16(0x0100), u16(1), u16(0), u16(0), u16(0), labels, u16(1), u16(1));
    const result = plane.answer(query, DNS_UDP, out);
    expect(walk(out.slice(0, result)).question?.name.length).toBe(253);
  });
});
