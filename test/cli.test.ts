// The CLI and the examples as a user runs them: built package, real processes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../', import.meta.url);

async function node(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npx svcnet', () => {
  it.each(['release', 'debug'])('01 quickstart on the %s core replays the seed', async (target) => {
    const { code, stdout, stderr } = await node(['bin/svcnet.js', 'quickstart', '--target', target]);
    expect(code).toBe(0);
    expect(stderr).toContain(`wasm data plane (${target} core)`);
    expect(stdout).toMatch(/default\/sleep-2\s+ClusterIP\s+10\.98\.208\.225:80\/TCP\s+10\.1\.0\.43:80/);
    expect(stdout).toMatch(/10\.1\.0\.42:40002\s+10\.103\.155\.91:80\/TCP\s+DNAT\s+default\/numbers-api\s+10\.1\.0\.47:80/);
    // The replacement pod gets a new name and a new IP from the node's pod CIDR.
    expect(stdout).toMatch(/pod "sleep-2-7f69798f94-q8ffc" deleted; the ReplicaSet starts sleep-2-7f69798f94-[a-z0-9]{5}\n/);
    const moved = /42000\s+10\.98\.208\.225:80\/TCP\s+DNAT\s+default\/sleep-2\s+(10\.1\.\d+\.\d+):80/.exec(stdout);
    expect(moved?.[1]).toMatch(/^10\.1\./);
    expect(moved?.[1]).not.toBe('10.1.0.43');
    expect(stdout).toMatch(/10\.98\.208\.225:80\/TCP\s+REJECT\s+default\/sleep-2/);
    expect(stdout).toMatch(/10\.103\.155\.91:8080\/TCP\s+PASS/);
  });

  it('02 quickstart on the reference engine prints the same routes', async () => {
    const wasm = await node(['bin/svcnet.js', 'quickstart']);
    const reference = await node(['bin/svcnet.js', 'quickstart', '--engine', 'reference']);
    const routes = (s: string) => s.split('\n').filter((l) => /^10\.1\.0\.42:/.test(l));
    expect(routes(reference.stdout)).toEqual(routes(wasm.stdout));
    expect(routes(wasm.stdout)).toHaveLength(11);
  });

  it.each([
    ['03', ['quickstart', '--engine', 'ebpf'], /--engine must be one of wasm, reference; got "ebpf"/],
    ['04', ['quickstart', '--nodes', '3'], /unknown flag --nodes/],
    ['05', ['quickstart', '--target'], /flag --target needs a value/],
    ['06', ['frobnicate'], /unknown command "frobnicate"/],
  ])('%s rejects bad usage on stderr with exit code 2', async (_n, args, message) => {
    const { code, stdout, stderr } = await node(['bin/svcnet.js', ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: svcnet');
  });

  it('07 version prints the package version', async () => {
    const { stdout } = await node(['bin/svcnet.js', 'version']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('examples/', () => {
  it('08 quickstart.mjs (the README example) routes numbers-api to its pod', async () => {
    const { code, stdout } = await node(['examples/quickstart.mjs']);
    expect(code).toBe(0);
    expect(stdout).toContain("verdict: 'DNAT'");
    expect(stdout).toContain("servicePort: 'default/numbers-api'");
    expect(stdout).toContain("address: '10.1.0.47'");
  });

  it('09 from-scratch.mjs: REJECT, then DNAT when the slice arrives, REJECT when it goes', async () => {
    const { code, stdout } = await node(['examples/from-scratch.mjs']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^web has ClusterIP 10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+; no endpoints yet: .*"verdict":"REJECT"/);
    expect(lines[1]).toMatch(/^ADDED web-x7k2q .*"verdict":"DNAT".*"address":"10\.1\.0\.9","port":8080/);
    expect(lines[2]).toMatch(/^DELETED web-x7k2q .*"verdict":"REJECT"/);
  });

  it('11 kube-proxy.mjs (the README example) routes a pod to numbers-api in nftables mode, unmasqueraded', async () => {
    const { code, stdout } = await node(['examples/kube-proxy.mjs']);
    expect(code).toBe(0);
    for (const fragment of ["flow: 'new'", "verdict: 'DNAT'", "servicePort: 'default/numbers-api:'", "endpoint: { ip: '10.1.0.47', port: 80 }", 'masquerade: false', "conntrack: 'SYN_SENT'"]) {
      expect(stdout).toContain(fragment);
    }
  });

  it('10 dns.mjs shows what ndots:5 costs under musl', async () => {
    const { code, stdout } = await node(['examples/dns.mjs']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('numbers-api: NOERROR 10.103.155.91 after 1 queries (numbers-api.default.svc.cluster.local NOERROR)');
    expect(lines[1]).toMatch(/^numbers-api\.default\.svc\.cluster\.local: NOERROR 10\.103\.155\.91 after 4 queries /);
    expect(lines[2]).toMatch(/^example\.com: REFUSED {2}after 4 queries .*example\.com\.cluster\.local NXDOMAIN, example\.com REFUSED\)$/);
  });
});

