// The CLI's argument parsing and the dns/nslookup commands run in process (`main` with
// capturing streams; `dns serve` stopped through an AbortSignal).
import dgram from 'node:dgram';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeQuery } from '../../sdk/dns/wire.js';
import { UsageError, main, parseArgs, parseFlags } from '../../sdk/node/cli.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

class Capture extends Writable {
  text = '';
  private waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    this.waiters = this.waiters.filter((w) => {
      const m = w.re.exec(this.text);
      if (m) w.resolve(m);
      return !m;
    });
    done();
  }

  waitFor(re: RegExp): Promise<RegExpExecArray> {
    const m = re.exec(this.text);
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push({ re, resolve }));
  }
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new Capture();
  const err = new Capture();
  const code = await main(args, out, err);
  return { code, stdout: out.text, stderr: err.text };
}

describe('parseArgs', () => {
  it('01 values, booleans, repeatable flags, positionals and --', () => {
    const parsed = parseArgs(['name', '--a', '1', '--flag', '--m', 'x', '--m=y', '--b=2', '--', '--literal'], ['a', 'b', 'm'], {
      boolean: ['flag'],
      repeatable: ['m'],
      positionals: 2,
    });
    expect(parsed).toEqual({ flags: { a: '1', b: '2', flag: 'true', m: 'y' }, lists: { m: ['x', 'y'] }, positionals: ['name', '--literal'] });
    expect(parseArgs(['--flag=false'], [], { boolean: ['flag'] }).flags).toEqual({ flag: 'false' });
    expect(parseFlags(['--engine', 'wasm'], ['engine'])).toEqual({ engine: 'wasm' });
  });

  it.each([
    [['--flag=yes'], /flag --flag takes no value/],
    [['--a', '1', '--a', '2'], /flag --a given more than once/],
    [['extra'], /unexpected argument "extra"/],
    [['--zzz'], /unknown flag --zzz/],
    [['--a'], /flag --a needs a value/],
  ])('02 rejects %j', (args, message) => {
    expect(() => parseArgs(args, ['a'], { boolean: ['flag'] })).toThrow(UsageError);
    expect(() => parseArgs(args, ['a'], { boolean: ['flag'] })).toThrow(message);
  });
});

describe('svcnet dns serve (in process)', () => {
  it('03 serves the manifests until aborted, then closes and returns 0', async () => {
    const out = new Capture();
    const err = new Capture();
    const abort = new AbortController();
    const done = main(['dns', 'serve', '--listen', '127.0.0.1:0', '--manifests', fixture('01-multi-document.yaml'), '--ttl', '30', '--target', 'debug'], out, err, { signal: abort.signal });
    const [, port] = await err.waitFor(/listening on udp 127\.0\.0\.1:(\d+) and tcp/);
    expect(err.text).toContain('svcnet dns: applied 1 Namespace, 2 Services, 1 EndpointSlice from ');
    const socket = dgram.createSocket('udp4');
    const answer = await new Promise<Buffer>((resolve) => {
      socket.on('message', resolve);
      socket.send(encodeQuery('web.team-a.svc.cluster.local', { id: 1 }), Number(port), '127.0.0.1');
    });
    socket.close();
    expect(decodeMessage(answer).answers).toEqual([{ name: 'web.team-a.svc.cluster.local', type: 'A', typeCode: 1, class: 1, ttl: 30, address: '10.96.100.10' }]);
    abort.abort();
    expect(await done).toBe(0);
    expect(err.text).toMatch(/svcnet dns: stopped after 1 udp and 0 tcp queries\n$/);
    expect(out.text).toBe('');
  });

  it.each([
    ['04', ['dns'], /dns needs a subcommand: serve/],
    ['05', ['dns', 'run'], /unknown dns subcommand "run"/],
    ['06', ['dns', 'serve', '--pods', 'sometimes'], /--pods must be one of disabled, insecure, verified; got "sometimes"/],
    ['07', ['dns', 'serve', '--ttl', '3601'], /--ttl must be an integer from 0 to 3600; got "3601"/],
    ['08', ['dns', 'serve', '--listen', 'localhost:53'], /--listen: "localhost:53" is not an IP address/],
    ['09', ['dns', 'serve', '--upstream', '1.2.3.4:99999'], /--upstream: "1.2.3.4:99999": the port must be between 0 and 65535/],
    ['10', ['dns', 'serve', '--ignore-empty-service=maybe'], /flag --ignore-empty-service takes no value/],
    ['11', ['dns', 'serve', '--cluster-domain', 'bad_domain!'], /--cluster-domain must be a domain name/],
    ['12', ['nslookup'], /nslookup needs a name to look up/],
    ['13', ['nslookup', 'a', 'b'], /unexpected argument "b"/],
    ['14', ['nslookup', 'a', '--server', 'nowhere'], /--server: "nowhere" is not an IP address/],
  ])('%s bad usage exits 2 with the usage text', async (_n, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage: svcnet');
    expect(r.stdout).toBe('');
  });

  it('15 invalid manifests exit 1 naming file, document and field; nothing is served', async () => {
    const r = await cli(['dns', 'serve', '--listen', '127.0.0.1:0', '--manifests', fixture('05-invalid-port.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `svcnet: the manifests were not applied:\n${fixture('05-invalid-port.yaml')}: document 2 (Service default/web): spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive\n`,
    );
  });
});

describe('svcnet nslookup (in process)', () => {
  it('16 answers from manifests, with unknown kinds reported on stderr', async () => {
    const r = await cli(['nslookup', 'sleep-2', '--manifests', fixture('04-unknown-kinds.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Server:\t\t10\.96\.0\.10\nAddress:\t10\.96\.0\.10:53\n\nName:\tsleep-2\.default\.svc\.cluster\.local\nAddress: 10\.\d+\.\d+\.\d+\n\n\*\* server can't find sleep-2\.svc\.cluster\.local: NXDOMAIN\n/);
    expect(r.stderr).toMatch(/svcnet nslookup: .*04-unknown-kinds\.yaml: document 1 \(StatefulSet sleep-1\): skipped: svcnet does not model kind StatefulSet/);
  });

  it('17 an unknown pod exits 1', async () => {
    const r = await cli(['nslookup', 'numbers-api', '--from', 'pod/nope']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'svcnet: Error from server (NotFound): pods "nope" not found\n' });
  });
});
