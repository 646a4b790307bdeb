// The browser entry (dist/sdk/index.js) in a real Chromium: loads the wasm core by URL,
// boots the seed cluster and routes. Needs `npm run build` (npm test does it) and
// Debian's chromium (scripts/ensure-system-deps.sh installs it).
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.map': 'application/json' };
const SERVED = ['dist/', 'node_modules/@assemblyscript/loader/', 'test/browser/'];

let server: Server;
let browser: Browser;
let origin: string;
const requested: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/sdk/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run scripts/ensure-system-deps.sh (Debian package chromium)`);
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '');
    requested.push(path);
    if (!SERVED.some((prefix) => path.startsWith(prefix))) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(join(ROOT, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no server address');
  origin = `http://127.0.0.1:${address.port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('browser entry in Chromium', () => {
  it('01 loads the core by URL, routes the seed, follows an EndpointSlice change, and runs createKubeProxy with the decision cache', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${origin}/test/browser/page.html`);
    await page.waitForFunction(() => (window as unknown as { svcnetResult?: unknown }).svcnetResult !== undefined, null, { timeout: 30_000 });
    const result = await page.evaluate(() => (window as unknown as { svcnetResult: Record<string, unknown> }).svcnetResult);
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    const before = result.before as { verdict: string; servicePort: string; endpoint: { address: string; port: number } };
    expect(before.verdict).toBe('DNAT');
    expect(before.servicePort).toBe('default/sleep-2');
    expect(result.expected).toContain(before.endpoint.address);
    expect(result.after).toEqual({ verdict: 'REJECT', servicePort: 'default/sleep-2', masquerade: false });
    expect(result.dataPlane).toBe('wasm');
    expect(requested.some((p) => p.endsWith('.wasm'))).toBe(true);

    // createKubeProxy: nftables semantics; the second pod's first packet is a decision-cache hit.
    const kube = result.kube as Record<string, { verdict?: string; endpoint?: { ip: string }; reason?: string; hits?: number; misses?: number }>;
    expect(kube.first).toMatchObject({ flow: 'new', verdict: 'DNAT', servicePort: 'default/numbers-api:', endpoint: { ip: '10.1.0.47', port: 80 }, masquerade: false });
    expect(kube.second).toMatchObject({ verdict: 'DNAT', endpoint: { ip: '10.1.0.47', port: 80 } });
    expect(kube.emptied).toMatchObject({ verdict: 'REJECT', reason: 'no endpoints' });
    expect(kube.decisions).toMatchObject({ hits: 1, misses: 2 });
    await page.close();
  });
});
