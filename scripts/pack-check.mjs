// Packs svcnet, installs the tarball into a fresh ESM project, and checks that
// `import { Cluster, createNodeProxy } from 'svcnet'` works at run time and type-checks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const dir = mkdtempSync(join(tmpdir(), 'svcnet-pack-'));
try {
  process.stderr.write(`pack-check: packing into ${dir}\n`);
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', dir], root).trim().split('\n').pop();
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--silent', join(dir, tarball)], dir);
  writeFileSync(
    join(dir, 'main.ts'),
    `import { Cluster, createNodeProxy, type RouteResult } from 'svcnet';
const cluster = new Cluster();
cluster.applyService({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.7.7', selector: { app: 'web' }, ports: [{ port: 80 }] } });
cluster.applyEndpointSlice({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.1.0.9'] }], ports: [{ port: 8080 }] });
const proxy = await createNodeProxy(cluster, { nodeName: 'node-1' });
const result: RouteResult = proxy.route({ source: '10.1.0.5', destination: '10.96.7.7', destinationPort: 80 });
if (result.verdict !== 'DNAT' || result.endpoint?.address !== '10.1.0.9' || result.endpoint.port !== 8080) throw new Error('unexpected ' + JSON.stringify(result));
console.log('pack-check: routed through the installed package:', JSON.stringify(result));
`,
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, types: [], lib: ['ES2022', 'DOM'], outDir: 'out' }, include: ['main.ts'] }),
  );
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], dir);
  process.stdout.write(run(process.execPath, [join(dir, 'out/main.js')], dir));
  process.stderr.write('pack-check: ok (types and run time)\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
