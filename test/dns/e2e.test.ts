// `svcnet dns serve` as a real process, queried by the real `dig` (Debian dnsutils) over
// UDP and TCP, and `svcnet nslookup` reproducing the seed's busybox output.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MANY = fileURLToPath(new URL('../node/fixtures/12-headless-many.yaml', import.meta.url));

/** A port free for both UDP and TCP on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  for (;;) {
    const server = net.createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
    const socket = dgram.createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (free) return port;
  }
}

interface Served {
  child: ChildProcess;
  port: number;
  stderr: () => string;
  /** Sends the signal; resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

const running = new Set<Served>();

async function serve(args: string[] = [], port?: number): Promise<Served> {
  const p = port ?? (await freePort());
  const child = spawn(process.execPath, ['bin/svcnet.js', 'dns', 'serve', '--listen', `127.0.0.1:${p}`, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 15 s; stderr:\n${err}`)), 15_000);
    const check = (): void => {
      if (/svcnet dns: listening on udp 127\.0\.0\.1:\d+ and tcp 127\.0\.0\.1:\d+ \(zone [^,]+, \d+ names\)/.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`svcnet dns serve exited with ${code} before listening; stderr:\n${err}`));
    });
  });
  const served: Served = {
    child,
    port: p,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      running.delete(served);
      const started = Date.now();
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      return { code, ms: Date.now() - started };
    },
  };
  running.add(served);
  return served;
}

interface Dig {
  raw: string;
  status: string;
  flags: string[];
  question: string[];
  answer: string[][];
  authority: string[][];
  additional: string[][];
  server: string;
}

/** Runs dig against 127.0.0.1:port and parses its sections. */
async function dig(port: number, ...args: string[]): Promise<Dig> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+time=3', '+tries=1', ...args]);
  const section = (name: string): string[][] => {
    const m = new RegExp(`;; ${name} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(stdout);
    return m ? m[1].split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/)) : [];
  };
  const question = /;; QUESTION SECTION:\n;(.*)/.exec(stdout)?.[1].split(/\s+/) ?? [];
  return {
    raw: stdout,
    status: /status: (\w+)/.exec(stdout)?.[1] ?? '',
    flags: /;; flags: ([^;]*);/.exec(stdout)?.[1].trim().split(/\s+/) ?? [],
    question,
    answer: section('ANSWER'),
    authority: section('AUTHORITY'),
    additional: section('ADDITIONAL'),
    server: /;; SERVER: .*\((UDP|TCP)\)/.exec(stdout)?.[1] ?? '',
  };
}

async function svcnet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/svcnet.js', ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let seed: Served;

beforeAll(async () => {
  try {
    await run('dig', ['-v']);
  } catch {
    throw new Error('the DNS end-to-end tests need `dig` (Debian package dnsutils): run `bash scripts/ensure-system-deps.sh` or `apt-get install dnsutils`');
  }
  seed = await serve();
}, 30_000);

afterAll(async () => {
  await Promise.all([...running].map((s) => s.stop('SIGKILL')));
});

describe('svcnet dns serve, queried by dig', () => {
  it.each([['UDP', '+notcp'], ['TCP', '+tcp']])('01 the seed names over %s: numbers-api and kube-dns', async (transport, flag) => {
    const api = await dig(seed.port, flag, 'numbers-api.default.svc.cluster.local', 'A');
    expect(api.status).toBe('NOERROR');
    expect(api.flags).toEqual(['qr', 'aa', 'rd']);
    expect(api.server).toBe(transport);
    expect(api.answer).toEqual([['numbers-api.default.svc.cluster.local.', '5', 'IN', 'A', '10.103.155.91']]);
    const dns = await dig(seed.port, flag, 'kube-dns.kube-system.svc.cluster.local', 'A');
    expect(dns.answer).toEqual([['kube-dns.kube-system.svc.cluster.local.', '5', 'IN', 'A', '10.96.0.10']]);
  });

  it('02 SRV for a named port, with the target\'s A record as glue', async () => {
    const r = await dig(seed.port, 'SRV', '_dns._udp.kube-dns.kube-system.svc.cluster.local');
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toEqual([['_dns._udp.kube-dns.kube-system.svc.cluster.local.', '5', 'IN', 'SRV', '0', '100', '53', 'kube-dns.kube-system.svc.cluster.local.']]);
    expect(r.additional).toEqual([['kube-dns.kube-system.svc.cluster.local.', '5', 'IN', 'A', '10.96.0.10']]);
  });

  it('03 PTR of a ClusterIP', async () => {
    const r = await dig(seed.port, '-x', '10.96.0.10');
    expect(r.answer).toEqual([['10.0.96.10.in-addr.arpa.', '5', 'IN', 'PTR', 'kube-dns.kube-system.svc.cluster.local.']]);
  });

  it('04 NXDOMAIN is authoritative and carries the zone SOA', async () => {
    const r = await dig(seed.port, 'kube-dns.kue-system.svc.cluster.local', 'A');
    expect(r.status).toBe('NXDOMAIN');
    expect(r.flags).toEqual(['qr', 'aa', 'rd']);
    expect(r.answer).toEqual([]);
    expect(r.authority).toHaveLength(1);
    expect(r.authority[0].slice(0, 6)).toEqual(['cluster.local.', '5', 'IN', 'SOA', 'ns.dns.cluster.local.', 'hostmaster.cluster.local.']);
    expect(r.authority[0].slice(7)).toEqual(['7200', '1800', '86400', '5']);
  });

  it('05 the question\'s case is echoed in the question and the answer', async () => {
    const r = await dig(seed.port, 'NuMbErS-ApI.default.svc.cluster.local', 'A');
    expect(r.question[0]).toBe('NuMbErS-ApI.default.svc.cluster.local.');
    expect(r.answer).toEqual([['NuMbErS-ApI.default.svc.cluster.local.', '5', 'IN', 'A', '10.103.155.91']]);
  });

  it('06 a name outside every zone is REFUSED without --upstream', async () => {
    const r = await dig(seed.port, 'example.com', 'A');
    expect(r.status).toBe('REFUSED');
    expect(r.answer).toEqual([]);
  });

  it('07 an answer over 512 bytes is truncated over UDP; dig retries over TCP and gets it all', async () => {
    const many = await serve(['--manifests', MANY]);
    expect(many.stderr()).toMatch(/applied 1 Service, 1 EndpointSlice from /);
    const udp = await dig(many.port, '+notcp', '+noedns', '+ignore', 'many.default.svc.cluster.local', 'A');
    expect(udp.flags).toContain('tc');
    expect(udp.server).toBe('UDP');
    // The A RRset does not fit whole, and RRsets are never split.
    expect(udp.answer).toEqual([]);
    const retried = await dig(many.port, '+noedns', 'many.default.svc.cluster.local', 'A');
    expect(retried.raw).toContain(';; Truncated, retrying in TCP mode.');
    expect(retried.server).toBe('TCP');
    expect(retried.flags).not.toContain('tc');
    expect(retried.answer).toHaveLength(60);
    expect(new Set(retried.answer.map((rr) => rr[4])).size).toBe(60);
    expect((await many.stop()).code).toBe(0);
  });

  it('08 --upstream: out-of-zone queries are forwarded over UDP and TCP and the reply relayed', async () => {
    // A second server for another cluster domain forwards cluster.local names to the seed's.
    const edge = await serve(['--cluster-domain', 'edge.local', '--upstream', `127.0.0.1:${seed.port}`]);
    for (const flag of ['+notcp', '+tcp']) {
      const r = await dig(edge.port, flag, 'numbers-api.default.svc.cluster.local', 'A');
      expect(r.status).toBe('NOERROR');
      expect(r.answer).toEqual([['numbers-api.default.svc.cluster.local.', '5', 'IN', 'A', '10.103.155.91']]);
      expect(r.flags).toContain('aa');
    }
    const own = await dig(edge.port, 'kube-dns.kube-system.svc.edge.local', 'A');
    expect(own.answer[0][4]).toBe('10.96.0.10');
    expect((await edge.stop()).code).toBe(0);
  });

  it('09 an upstream that never answers gives SERVFAIL after 2 s', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    const edge = await serve(['--upstream', `127.0.0.1:${silent.address().port}`]);
    const started = Date.now();
    const r = await dig(edge.port, '+notcp', '+time=6', 'example.com', 'A');
    const took = Date.now() - started;
    expect(r.status).toBe('SERVFAIL');
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(4000);
    await edge.stop();
    silent.close();
  });

  it('10 a port in use is a clear error with exit code 1', async () => {
    const r = await svcnet(['dns', 'serve', '--listen', `127.0.0.1:${seed.port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`svcnet dns: cannot listen on (udp|tcp) 127\\.0\\.0\\.1:${seed.port}: address already in use`));
  });

  it('11 SIGTERM and SIGINT stop the server with exit code 0 within 2 s', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const s = await serve();
      await dig(s.port, 'numbers-api.default.svc.cluster.local');
      const { code, ms } = await s.stop(signal);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(2000);
      expect(s.stderr()).toMatch(new RegExp(`${signal}: stopped after 1 udp and 0 tcp queries`));
    }
  });
});

describe('svcnet nslookup, as busybox prints it in the sleep-1 pod', () => {
  /** The seed's `| grep "^[^*]"`. */
  const grep = (stdout: string): string[] => stdout.split('\n').filter((l) => /^[^*]/.test(l));
  const SEED_LINES = ['Server:\t\t10.96.0.10', 'Address:\t10.96.0.10:53', 'Name:\tnumbers-api.default.svc.cluster.local', 'Address: 10.103.155.91'];

  it('12 in process: the seed\'s lines for numbers-api', async () => {
    const r = await svcnet(['nslookup', 'numbers-api.default.svc.cluster.local', '--from', 'deploy/sleep-1']);
    expect(r.code).toBe(0);
    expect(grep(r.stdout)).toEqual(SEED_LINES);
    expect(r.stdout).toBe(`${SEED_LINES.slice(0, 2).join('\n')}\n\n${SEED_LINES.slice(2).join('\n')}\n\n\n`);
  });

  it('13 through the running server (--server): the same lines', async () => {
    const r = await svcnet(['nslookup', 'numbers-api.default.svc.cluster.local', '--from', 'deploy/sleep-1', '--server', `127.0.0.1:${seed.port}`]);
    expect(r.code).toBe(0);
    expect(grep(r.stdout)).toEqual(SEED_LINES);
  });

  it('14 the seed\'s mistyped kue-system: NXDOMAIN, so only the server lines survive the grep', async () => {
    for (const extra of [[], ['--server', `127.0.0.1:${seed.port}`]]) {
      const r = await svcnet(['nslookup', 'kube-dns.kue-system.svc.cluster.local', '--from', 'deploy/sleep-1', ...extra]);
      expect(r.code).toBe(1);
      expect(grep(r.stdout)).toEqual(SEED_LINES.slice(0, 2));
      expect(r.stdout).toContain("** server can't find kube-dns.kue-system.svc.cluster.local: NXDOMAIN\n");
    }
  });
});
