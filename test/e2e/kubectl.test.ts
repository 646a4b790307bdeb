/**
 * The seed's session (shared/seed/, spec/kiamol-ch03.md) typed into the real kubectl
 * against a running `svcnet serve` — the real CLI in a child process, its API on a free
 * loopback port, its kubeconfig in a temporary folder, kubectl with its own HOME and
 * --cache-dir so no discovery cache leaks between tests.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SVCNET = join(ROOT, 'bin/svcnet.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, timeout: 60_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** A `svcnet serve` child with its API/DNS addresses read from its log. */
class Served {
  readonly dir: string;
  readonly kubeconfig: string;
  apiURL = '';
  dnsAddress = '';
  log = '';
  #child!: ChildProcessWithoutNullStreams;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'svcnet-e2e-'));
    this.kubeconfig = join(this.dir, 'kubeconfig');
  }

  async start(extra: readonly string[] = []): Promise<void> {
    this.#child = spawn(process.execPath, [SVCNET, 'serve', '--listen', '127.0.0.1:0', '--dns-listen', '127.0.0.1:0', '--kubeconfig', this.kubeconfig, ...extra], { cwd: this.dir });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`svcnet serve did not start:\n${this.log}`)), 30_000);
      this.#child.stderr.on('data', (chunk: Buffer) => {
        this.log += chunk.toString();
        const api = /svcnet api: listening on (http:\/\/\S+)/.exec(this.log);
        const dns = /svcnet dns: listening on udp (\S+) and tcp/.exec(this.log);
        if (api) this.apiURL = api[1];
        if (dns) this.dnsAddress = dns[1];
        if (/wrote .*kubeconfig/.test(this.log)) {
          clearTimeout(timer);
          resolve();
        }
      });
      this.#child.on('exit', (code) => reject(new Error(`svcnet serve exited with ${code}:\n${this.log}`)));
    });
  }

  /** The real kubectl with an isolated HOME and discovery cache. */
  kubectl(...args: string[]): Promise<Run> {
    const home = join(this.dir, 'home');
    return run('kubectl', ['--kubeconfig', this.kubeconfig, '--cache-dir', join(home, 'cache'), ...args], { ...process.env, HOME: home, KUBECONFIG: this.kubeconfig });
  }

  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.#child.once('exit', (code) => resolve(code)));
    this.#child.kill('SIGTERM');
    const code = await exited;
    rmSync(this.dir, { recursive: true, force: true });
    return code;
  }
}

describe('the seed session with the real kubectl', () => {
  const served = new Served();
  beforeAll(async () => {
    const probe = await run('kubectl', ['version', '--client'], process.env);
    if (probe.code !== 0) throw new Error(`kubectl is not installed (run: bash scripts/ensure-system-deps.sh): ${probe.stderr}`);
    await served.start();
  }, 60_000);
  afterAll(async () => {
    expect(await served.stop()).toBe(0);
  });

  it('case 1: get endpoints sleep-2 shows the seed pod', async () => {
    const r = await served.kubectl('get', 'endpoints', 'sleep-2');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(['NAME      ENDPOINTS      AGE', 'sleep-2   10.1.0.43:80   13h', ''].join('\n'));
  });

  it('case 2: delete pods -l app=sleep-2 deletes the seed pod; the endpoint moves to the replacement', async () => {
    const del = await served.kubectl('delete', 'pods', '-l', 'app=sleep-2');
    expect(del.stdout).toBe('pod "sleep-2-7f69798f94-q8ffc" deleted\n');
    const ip = await served.kubectl('get', 'pods', '-l', 'app=sleep-2', '-o', 'jsonpath={.items[0].status.podIP}');
    expect(ip.stdout).toMatch(/^10\.1\.\d+\.\d+$/);
    expect(ip.stdout).not.toBe('10.1.0.43');
    const r = await served.kubectl('get', 'endpoints', 'sleep-2');
    expect(r.stdout).toBe(['NAME      ENDPOINTS      AGE', `sleep-2   ${`${ip.stdout}:80`.padEnd(12)}   13h`, ''].join('\n'));
  });

  it('case 3: delete deploy sleep-2 leaves <none>; the service keeps its ClusterIP', async () => {
    const del = await served.kubectl('delete', 'deploy', 'sleep-2');
    expect(del.stdout).toBe('deployment.apps "sleep-2" deleted\n');
    const r = await served.kubectl('get', 'endpoints', 'sleep-2');
    expect(r.stdout).toBe(['NAME      ENDPOINTS   AGE', 'sleep-2   <none>      13h', ''].join('\n'));
    const svc = await served.kubectl('get', 'svc', 'sleep-2', '-o', 'jsonpath={.spec.clusterIP}');
    expect(svc.stdout).toBe('10.98.208.225');
  });

  it('case 4: get svc --namespace default prints the seed table', async () => {
    const r = await served.kubectl('get', 'svc', '--namespace', 'default');
    expect(r.stdout).toBe(
      [
        'NAME               TYPE           CLUSTER-IP       EXTERNAL-IP   PORT(S)          AGE',
        'hello-kubernetes   NodePort       10.106.104.252   <none>        80:31655/TCP     2d23h',
        'kubernetes         ClusterIP      10.96.0.1        <none>        443/TCP          2d23h',
        'numbers-api        ClusterIP      10.103.155.91    <none>        80/TCP           32m',
        'numbers-web        LoadBalancer   10.107.18.45     localhost     8080:31421/TCP   79m',
        'sleep-2            ClusterIP      10.98.208.225    <none>        80/TCP           13h',
        '',
      ].join('\n'),
    );
  });

  it('case 5: get svc -n kube-system prints kube-dns', async () => {
    const r = await served.kubectl('get', 'svc', '-n', 'kube-system');
    expect(r.stdout).toBe(
      ['NAME       TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)                  AGE', 'kube-dns   ClusterIP   10.96.0.10   <none>        53/UDP,53/TCP,9153/TCP   2d23h', ''].join('\n'),
    );
  });

  it('case 6: nslookup numbers-api.default.svc.cluster.local from sleep-1 through the running DNS server', async () => {
    expect(served.dnsAddress).not.toBe('');
    const r = await run(process.execPath, [SVCNET, 'nslookup', 'numbers-api.default.svc.cluster.local', '--from', 'deploy/sleep-1', '--server', served.dnsAddress], process.env);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => /^[^*]/.test(l));
    expect(lines).toEqual(['Server:\t\t10.96.0.10', 'Address:\t10.96.0.10:53', 'Name:\tnumbers-api.default.svc.cluster.local', 'Address: 10.103.155.91']);
  });

  it('case 8: a graceful delete shows Terminating and a terminating endpoint until the grace period ends', async () => {
    const name = (await served.kubectl('get', 'pods', '-l', 'app=sleep-1', '-o', 'jsonpath={.items[0].metadata.name}')).stdout;
    const deleting = served.kubectl('delete', 'pod', name, '--grace-period=2');
    let status = '';
    for (let i = 0; i < 50 && status !== 'Terminating'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await served.kubectl('get', 'pod', name, '--no-headers')).stdout.split(/\s+/)[2] ?? '';
    }
    expect(status).toBe('Terminating');
    const done = await deleting;
    expect(done.stdout).toBe(`pod "${name}" deleted\n`);
    const gone = await served.kubectl('get', 'pod', name);
    expect(gone.stderr).toBe(`Error from server (NotFound): pods "${name}" not found\n`);
  });

  it('case 7: errors come back as kubectl prints them', async () => {
    const r = await served.kubectl('get', 'svc', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (NotFound): services "nope" not found\n');
  });
});

describe('the chapter applied from scratch with the real kubectl', () => {
  const served = new Served();
  const EXAMPLES = join(ROOT, 'examples/kiamol-ch03');
  beforeAll(async () => {
    await served.start(['--empty', '--no-dns']);
  }, 60_000);
  afterAll(async () => {
    expect(await served.stop()).toBe(0);
  });

  it('case 1: apply -f creates, re-apply is unchanged', async () => {
    const created = await served.kubectl('apply', '-f', join(EXAMPLES, 'sleep'));
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe(['deployment.apps/sleep-1 created', 'service/sleep-2 created', 'deployment.apps/sleep-2 created', ''].join('\n'));
    const again = await served.kubectl('apply', '-f', join(EXAMPLES, 'sleep'));
    expect(again.stdout).toBe(['deployment.apps/sleep-1 unchanged', 'service/sleep-2 unchanged', 'deployment.apps/sleep-2 unchanged', ''].join('\n'));
    const pods = await served.kubectl('get', 'pods', '-l', 'app=sleep-2', '-o', 'jsonpath={.items[*].status.podIP}');
    const ep = await served.kubectl('get', 'endpoints', 'sleep-2', '-o', 'jsonpath={.subsets[0].addresses[0].ip}');
    expect(ep.stdout).toBe(pods.stdout);
    expect(ep.stdout).toMatch(/^10\.1\.\d+\.\d+$/);
  });

  it('case 2: numbers: the LoadBalancer gets localhost, then the headless variant replaces the API service by re-apply', async () => {
    const r = await served.kubectl('apply', '-f', join(EXAMPLES, 'numbers'));
    expect(r.code).toBe(0);
    const web = await served.kubectl('get', 'svc', 'numbers-web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].hostname} {.spec.ports[0].nodePort}');
    expect(web.stdout).toMatch(/^localhost 3\d{4}$/);
    const clusterIP = (await served.kubectl('get', 'svc', 'numbers-api', '-o', 'jsonpath={.spec.clusterIP}')).stdout;
    const headless = await served.kubectl('apply', '-f', join(EXAMPLES, 'numbers-services/api-service-headless.yaml'));
    // The Endpoints the controller wrote while the Service had a selector stays (as upstream), so apply patches it.
    expect(headless.stdout).toBe(['service/numbers-api configured', 'endpoints/numbers-api configured', ''].join('\n'));
    expect(headless.stderr).toMatch(/^Warning: resource endpoints\/numbers-api is missing the kubectl\.kubernetes\.io\/last-applied-configuration annotation/);
    const ep = await served.kubectl('get', 'endpoints', 'numbers-api');
    expect(ep.stdout.split('\n')[1]).toMatch(/^numbers-api {3}192\.168\.123\.234:80 {3}\d+s$/);
    expect((await served.kubectl('get', 'svc', 'numbers-api', '-o', 'jsonpath={.spec.clusterIP}')).stdout).toBe(clusterIP);
    const slices = await served.kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=numbers-api', '-o', 'jsonpath={.items[*].metadata.labels.endpointslice\\.kubernetes\\.io/managed-by}');
    expect(slices.stdout).toBe('endpointslicemirroring-controller.k8s.io');
  });

  it('case 3: the NodePort variant keeps its requested node port', async () => {
    await served.kubectl('apply', '-f', join(EXAMPLES, 'numbers-services/web-service-nodePort.yaml'));
    const r = await served.kubectl('get', 'svc', 'numbers-web-node', '-o', 'jsonpath={.spec.type} {.spec.ports[0].nodePort}');
    expect(r.stdout).toBe('NodePort 30080');
  });

  it.each([
    [4, 'an unknown field', 'kind: Service\napiVersion: v1\nmetadata: {name: bad-1}\nspec: {portz: [{port: 80}]}\n', /^Error from server \(BadRequest\): error when creating "STDIN": Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec\.portz"\n$/],
    [5, 'a port out of range', 'kind: Service\napiVersion: v1\nmetadata: {name: bad-2}\nspec: {ports: [{port: 70000, targetPort: 80}]}\n', /^The Service "bad-2" is invalid: spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive\n$/],
    [6, 'an invalid name', 'kind: Service\napiVersion: v1\nmetadata: {name: Bad_Name}\nspec: {ports: [{port: 80}]}\n', /^The Service "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": /],
  ])('case %i: create with %s is refused as kubectl prints it, nothing stored', async (_n, _what, manifest, expected) => {
    const before = (await served.kubectl('get', 'svc', '-o', 'jsonpath={.items[*].metadata.name}')).stdout;
    const r = await run('kubectl', ['--kubeconfig', served.kubeconfig, '--cache-dir', join(served.dir, 'home', 'cache'), 'create', '-f', '-'], { ...process.env, HOME: join(served.dir, 'home') }, manifest);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(expected);
    expect((await served.kubectl('get', 'svc', '-o', 'jsonpath={.items[*].metadata.name}')).stdout).toBe(before);
  });

  it('case 7: delete -f removes what apply made', async () => {
    const r = await served.kubectl('delete', '-f', join(EXAMPLES, 'sleep'));
    expect(r.stdout).toBe(['deployment.apps "sleep-1" deleted', 'service "sleep-2" deleted', 'deployment.apps "sleep-2" deleted', ''].join('\n'));
    const left = await served.kubectl('get', 'pods', '-l', 'app in (sleep-1,sleep-2)');
    expect(left.stdout).toBe('');
    expect(left.stderr).toBe('No resources found in default namespace.\n');
  });
});
