// The raw-packet records and codes of the core (assembly/layout.ts "Raw packets",
// assembly/packet.ts) and their TypeScript mirror (sdk/packet, sdk/engine/packets.ts) must
// agree; this reads the AssemblyScript constants from source and the signature from both
// builds.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createWasmPacketKernel, FRAME_DESCRIPTOR_BYTES, PACKET_REPLY_BYTES } from '../../sdk/engine/packets.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import * as icmp from '../../sdk/packet/icmp.js';
import * as nat from '../../sdk/packet/nat.js';
import * as parse from '../../sdk/packet/parse.js';

setDefaultCoreSource(nodeCoreSource);

function constantsOf(file: string): Map<string, number> {
  const text = readFileSync(new URL(`../../assembly/${file}`, import.meta.url), 'utf8');
  const found = new Map<string, number>();
  for (const m of text.matchAll(/export const (\w+): \w+ = ([0-9a-fx_]+);/gi)) found.set(m[1], Number(m[2].replaceAll('_', '')));
  return found;
}

const layout = constantsOf('layout.ts');
const codes = constantsOf('packet.ts');
const ts = { ...parse, ...nat, ...icmp } as unknown as Record<string, number>;

describe('raw packet layout mirrors sdk/packet', () => {
  it.each([
    ['01', 'FRAME_DESC_BYTES', FRAME_DESCRIPTOR_BYTES],
    ['02', 'PARSED_BYTES', parse.PARSED_RECORD_BYTES],
    ['03', 'REWRITE_BYTES', nat.REWRITE_RECORD_BYTES],
    ['04', 'PACKET_REPLY_BYTES', PACKET_REPLY_BYTES],
  ])('%s %s', (_n, name, expected) => {
    expect(layout.get(name)).toBe(expected);
  });

  const parsedFields = [...layout.keys()].filter((k) => k.startsWith('PARSED_') && k !== 'PARSED_BYTES');
  const rewriteFields = [...layout.keys()].filter((k) => k.startsWith('REWRITE_') && k !== 'REWRITE_BYTES');

  it('05 every parsed-record field offset', () => {
    expect(parsedFields.length).toBe(27);
    for (const name of parsedFields) expect([name, ts[name]]).toEqual([name, layout.get(name)]);
  });

  it('06 every rewrite-record field offset', () => {
    expect(rewriteFields.length).toBe(6);
    for (const name of rewriteFields) expect([name, ts[name]]).toEqual([name, layout.get(name)]);
  });

  it('07 every code of packet.ts (reasons as REASON_*)', () => {
    const names = [...codes.keys()];
    expect(names.length).toBeGreaterThan(50);
    for (const name of names) {
      const mirror = name.startsWith('PARSE_') && name !== 'PARSE_SKIP_IPV4_CHECKSUM' ? name.replace(/^PARSE_/, 'REASON_') : name;
      expect([name, ts[mirror]]).toEqual([name, codes.get(name)]);
    }
  });

  it('08 reason names are indexed by code', () => {
    for (const [name, code] of codes) {
      if (name.startsWith('PARSE_') && name !== 'PARSE_SKIP_IPV4_CHECKSUM') expect(parse.reasonName(code)).toBe(name.slice('PARSE_'.length));
    }
  });

  it.each(['debug', 'release'] as const)('09 packetLayoutSignature of the %s core', async (target) => {
    const k = await createWasmPacketKernel({ target });
    expect(k.exports.packetLayoutSignature()).toBe(FRAME_DESCRIPTOR_BYTES | (parse.PARSED_RECORD_BYTES << 8) | (nat.REWRITE_RECORD_BYTES << 16));
  });
});
