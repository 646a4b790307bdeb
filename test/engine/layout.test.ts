// The core's layout (assembly/layout.ts, assembly/status.ts) and the SDK's mirror
// (sdk/engine/records.ts) must agree; this reads the AssemblyScript constants from source.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as records from '../../sdk/engine/records.js';

function constantsOf(file: string): Map<string, number> {
  const text = readFileSync(new URL(`../../assembly/${file}`, import.meta.url), 'utf8');
  const found = new Map<string, number>();
  for (const m of text.matchAll(/export const (\w+): \w+ = ([0-9a-fx_]+);/gi)) {
    found.set(m[1], Number(m[2].replaceAll('_', '')));
  }
  return found;
}

const layout = constantsOf('layout.ts');
const status = constantsOf('status.ts');

describe('core layout mirrors sdk/engine/records.ts', () => {
  it.each([
    ['01', 'PACKET_BYTES', records.PACKET_RECORD_BYTES],
    ['02', 'VERDICT_BYTES', records.VERDICT_RECORD_BYTES],
    ['03', 'VERDICT_PASS', records.VERDICT_PASS],
    ['04', 'VERDICT_DNAT', records.VERDICT_DNAT],
    ['05', 'VERDICT_REJECT', records.VERDICT_REJECT],
    ['06', 'VERDICT_DROP', records.VERDICT_DROP],
    ['07', 'VERDICT_ACCEPT', records.VERDICT_ACCEPT],
    ['08', 'RESULT_MASQUERADE', records.RESULT_MASQUERADE],
    ['09', 'FRONTEND_CLUSTER_IP', records.FRONTEND_CLUSTER_IP],
    ['10', 'FRONTEND_EXTERNAL_IP', records.FRONTEND_EXTERNAL_IP],
    ['11', 'FRONTEND_LOAD_BALANCER', records.FRONTEND_LOAD_BALANCER],
    ['12', 'FRONTEND_NODE_PORT', records.FRONTEND_NODE_PORT],
    ['13', 'MAX_SERVICE_PORT_ID', records.MAX_SERVICE_PORT_ID],
    ['14', 'MAX_BACKENDS_PER_SERVICE_PORT', records.MAX_BACKENDS_PER_SERVICE_PORT],
    ['14b', 'MAX_BACKEND_POOL_ENTRIES', records.MAX_BACKEND_POOL_ENTRIES],
  ])('%s %s', (_n, name, expected) => {
    expect(layout.get(name)).toBe(expected);
  });

  it.each([
    ['15', 'ST_OK', records.ST_OK],
    ['16', 'ST_EXISTS', records.ST_EXISTS],
    ['17', 'ST_NOT_FOUND', records.ST_NOT_FOUND],
    ['18', 'ST_BAD_ARGUMENT', records.ST_BAD_ARGUMENT],
    ['19', 'ST_BATCH_TOO_LARGE', records.ST_BATCH_TOO_LARGE],
    ['19b', 'ST_NO_MEMORY', records.ST_NO_MEMORY],
  ])('%s %s', (_n, name, expected) => {
    expect(status.get(name)).toBe(expected);
  });

  it('20 record field offsets fit their records', () => {
    expect(layout.get('PACKET_PROTO')! < records.PACKET_RECORD_BYTES).toBe(true);
    expect(layout.get('VERDICT_ENDPOINT_PORT')! + 2 <= records.VERDICT_RECORD_BYTES).toBe(true);
    expect(1 << layout.get('FRONTEND_SHIFT')!).toBe(layout.get('FRONTEND_BYTES'));
    expect(1 << layout.get('SERVICE_PORT_SHIFT')!).toBe(layout.get('SERVICE_PORT_BYTES'));
    expect(1 << layout.get('BACKEND_SHIFT')!).toBe(layout.get('BACKEND_BYTES'));
  });
});
