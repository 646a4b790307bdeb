// What the `svcnet route` end-to-end suites (route.test.ts, route-dualstack.test.ts) share:
// running the built CLI in a real process, a scratch directory per suite, and reading an
// output capture back through the real tshark with checksum verification on.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSHARK_MISSING = 'tshark is not installed: this test needs it. Run `bash scripts/ensure-system-deps.sh` (installs the Debian package tshark).';

/** Wireshark's PROTO_CHECKSUM_E_GOOD. */
export const GOOD = '1';

export interface CLIResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Registers the suite's hooks: before all, checks that svcnet is built and makes a scratch
 * directory named after `prefix`; after all, removes it. Returns the directory's path (set
 * once the hooks have run).
 */
export function useBuiltSvcnet(prefix: string): () => string {
  let dir = '';
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/sdk/node/route.js'))) throw new Error('svcnet is not built: run `npm run build:sdk` first (npm test builds in its pretest)');
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** `bin/svcnet.js args…` from the repository root; a non-zero exit is returned, not thrown. */
export async function svcnet(args: string[]): Promise<CLIResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/svcnet.js', ...args], { cwd: ROOT, maxBuffer: 1 << 26 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as CLIResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * Each packet of `file` as tshark dissects it (IP, TCP and UDP checksums verified): every
 * field's values, outer header first (ICMP errors add the quoted one's).
 */
export function tshark<F extends string>(file: string, fields: readonly F[]): Record<F, string[]>[] {
  const args = ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])];
  let stdout: string;
  try {
    stdout = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new Error(TSHARK_MISSING);
    throw error;
  }
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const cells = line.split('\t');
      return Object.fromEntries(fields.map((f, i) => [f, (cells[i] ?? '').split(',').filter((v) => v !== '')])) as Record<F, string[]>;
    });
}
