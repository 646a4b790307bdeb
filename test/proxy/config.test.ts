// parseKubeProxyConfiguration: defaults per mode, validation errors, Go durations.
import { describe, expect, it } from 'vitest';
import { ProxyConfigError, defaultProxyConfig, parseGoDuration, parseKubeProxyConfiguration } from '../../sdk/proxy/config.js';

const base = { apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration' };

describe('Go durations', () => {
  const rows: [string, number | undefined][] = [
    ['24h0m0s', 86400], ['1h0m0s', 3600], ['0s', 0], ['0', 0], ['250ms', 0.25], ['1.5h', 5400], ['1h30m', 5400],
    ['90s', 90], ['-3s', -3], ['+2m', 120], ['1us', 1e-6], ['1µs', 1e-6], ['100ns', 1e-7], ['.5s', 0.5],
    ['', undefined], ['1', undefined], ['h', undefined], ['1d', undefined], ['1h 2m', undefined], ['.s', undefined], ['24', undefined],
  ];
  rows.forEach(([text, want], i) => it(`${i + 1}. ${JSON.stringify(text)} → ${want}`, () => {
    const got = parseGoDuration(text);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(want, 12);
  }));
});

describe('defaults per mode', () => {
  it('1. empty document → iptables, all-address NodePorts, localhost NodePorts, upstream conntrack', () => {
    const { config, warnings } = parseKubeProxyConfiguration({ ...base });
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      mode: 'iptables', clusterCIDRs: [], detectLocalMode: 'ClusterCIDR', detectLocal: { bridgeInterface: '', interfaceNamePrefix: '' },
      hasLocalDetector: false, nodePortAddresses: { kind: 'all' }, masqueradeAll: false, localhostNodePorts: true,
      iptables: { masqueradeAll: false, localhostNodePorts: true }, nftables: { masqueradeAll: false }, ipvs: { scheduler: 'rr' },
      conntrack: { tcpEstablished: 86400, tcpCloseWait: 3600, udp: 0, udpStream: 0 },
    });
  });
  it('2. nftables → primary NodePort addresses, no localhost NodePorts', () => {
    const c = defaultProxyConfig('nftables');
    expect(c.nodePortAddresses).toEqual({ kind: 'primary' });
    expect(c.localhostNodePorts).toBe(false);
  });
  it('3. ipvs → all addresses, rr, no localhost NodePorts', () => {
    const c = defaultProxyConfig('ipvs');
    expect(c.nodePortAddresses).toEqual({ kind: 'all' });
    expect(c.ipvs.scheduler).toBe('rr');
    expect(c.localhostNodePorts).toBe(false);
  });
  it('4. mode "" → iptables; override replaces document mode', () => {
    expect(parseKubeProxyConfiguration({ mode: '' }).config.mode).toBe('iptables');
    expect(parseKubeProxyConfiguration({ mode: 'ipvs' }, { mode: 'nftables' }).config.mode).toBe('nftables');
  });
  it('5. masqueradeAll follows the mode\'s section', () => {
    const doc = { iptables: { masqueradeAll: true }, nftables: { masqueradeAll: false } };
    expect(parseKubeProxyConfiguration({ ...doc, mode: 'iptables' }).config.masqueradeAll).toBe(true);
    expect(parseKubeProxyConfiguration({ ...doc, mode: 'ipvs' }).config.masqueradeAll).toBe(true);
    expect(parseKubeProxyConfiguration({ ...doc, mode: 'nftables' }).config.masqueradeAll).toBe(false);
  });
  it('6. null conntrack timeouts take the defaults (roundtrip YAML writes null)', () => {
    const c = parseKubeProxyConfiguration({ conntrack: { tcpEstablishedTimeout: null, tcpCloseWaitTimeout: null, udpTimeout: '0s', udpStreamTimeout: '0s', maxPerCore: null, min: null } }).config;
    expect(c.conntrack).toEqual({ tcpEstablished: 86400, tcpCloseWait: 3600, udp: 0, udpStream: 0 });
  });
});

interface ValidCase { name: string; doc: Record<string, unknown>; check: (r: ReturnType<typeof parseKubeProxyConfiguration>) => void }
const valid: ValidCase[] = [
  { name: 'single clusterCIDR enables the detector', doc: { clusterCIDR: '10.244.0.0/16' }, check: (r) => { expect(r.config.clusterCIDRs).toEqual(['10.244.0.0/16']); expect(r.config.hasLocalDetector).toBe(true); } },
  { name: 'dual-stack clusterCIDR', doc: { clusterCIDR: '10.244.0.0/16,fd00:10:244::/56' }, check: (r) => expect(r.config.clusterCIDRs).toEqual(['10.244.0.0/16', 'fd00:10:244::/56']) },
  { name: 'NodeCIDR detector', doc: { detectLocalMode: 'NodeCIDR' }, check: (r) => { expect(r.config.detectLocalMode).toBe('NodeCIDR'); expect(r.config.hasLocalDetector).toBe(true); } },
  { name: 'BridgeInterface with interface', doc: { detectLocalMode: 'BridgeInterface', detectLocal: { bridgeInterface: 'cbr0' } }, check: (r) => expect(r.config.detectLocal.bridgeInterface).toBe('cbr0') },
  { name: 'InterfaceNamePrefix with prefix', doc: { detectLocalMode: 'InterfaceNamePrefix', detectLocal: { interfaceNamePrefix: 'veth' } }, check: (r) => expect(r.config.detectLocal.interfaceNamePrefix).toBe('veth') },
  { name: 'nodePortAddresses CIDRs', doc: { nodePortAddresses: ['10.0.0.0/8', '::1/128'] }, check: (r) => expect(r.config.nodePortAddresses).toEqual({ kind: 'cidrs', cidrs: ['10.0.0.0/8', '::1/128'] }) },
  { name: 'nodePortAddresses primary in iptables mode', doc: { nodePortAddresses: ['primary'] }, check: (r) => expect(r.config.nodePortAddresses).toEqual({ kind: 'primary' }) },
  { name: 'nodePortAddresses [] in nftables mode → primary', doc: { mode: 'nftables', nodePortAddresses: [] }, check: (r) => expect(r.config.nodePortAddresses).toEqual({ kind: 'primary' }) },
  { name: 'nodePortAddresses null → mode default', doc: { nodePortAddresses: null }, check: (r) => expect(r.config.nodePortAddresses).toEqual({ kind: 'all' }) },
  { name: 'localhostNodePorts false', doc: { iptables: { localhostNodePorts: false } }, check: (r) => expect(r.config.localhostNodePorts).toBe(false) },
  { name: 'ipvs scheduler sh', doc: { mode: 'ipvs', ipvs: { scheduler: 'sh' } }, check: (r) => expect(r.config.ipvs.scheduler).toBe('sh') },
  { name: 'ipvs scheduler mh', doc: { mode: 'ipvs', ipvs: { scheduler: 'mh' } }, check: (r) => expect(r.config.ipvs.scheduler).toBe('mh') },
  { name: 'bad scheduler outside ipvs mode only warns', doc: { ipvs: { scheduler: 'foo' } }, check: (r) => { expect(r.config.ipvs.scheduler).toBe('rr'); expect(r.warnings[0]).toMatch(/^ipvs\.scheduler: /); } },
  { name: 'conntrack timeouts parsed', doc: { conntrack: { tcpEstablishedTimeout: '2h', tcpCloseWaitTimeout: '30m0s', udpTimeout: '30s', udpStreamTimeout: '2m' } }, check: (r) => expect(r.config.conntrack).toEqual({ tcpEstablished: 7200, tcpCloseWait: 1800, udp: 30, udpStream: 120 }) },
  { name: 'unknown fields warn, known non-routing fields are silent', doc: { bindAddress: '0.0.0.0', fooBar: 1, iptables: { syncPeriod: '30s', extra: true }, conntrack: { bogus: 1 } }, check: (r) => expect(r.warnings).toEqual(['fooBar: unknown field', 'iptables.extra: unknown field', 'conntrack.bogus: unknown field']) },
  { name: 'localhostNodePorts in nftables mode warns', doc: { mode: 'nftables', iptables: { localhostNodePorts: true } }, check: (r) => { expect(r.config.localhostNodePorts).toBe(false); expect(r.warnings).toEqual(['iptables.localhostNodePorts: ignored in nftables mode']); } },
];

describe('valid documents', () => {
  valid.forEach((tc, i) => it(`${i + 1}. ${tc.name}`, () => tc.check(parseKubeProxyConfiguration({ ...base, ...tc.doc }))));
});

const invalid: [string, unknown, string, string][] = [
  ['unknown mode', { mode: 'userspace' }, 'mode', 'Invalid value: "userspace": must be iptables, ipvs, nftables or blank'],
  ['ipvs scheduler foo', { mode: 'ipvs', ipvs: { scheduler: 'foo' } }, 'ipvs.scheduler', 'Unsupported value: "foo": supported values: "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "sh", "dh", "sed", "nq", "mh"'],
  ['detectLocalMode bogus', { detectLocalMode: 'Pods' }, 'detectLocalMode', 'Unsupported value: "Pods": supported values: "ClusterCIDR", "NodeCIDR", "BridgeInterface", "InterfaceNamePrefix", ""'],
  ['BridgeInterface without interface', { detectLocalMode: 'BridgeInterface' }, 'detectLocal.bridgeInterface', 'Invalid value: "": must not be empty'],
  ['InterfaceNamePrefix without prefix', { detectLocalMode: 'InterfaceNamePrefix' }, 'detectLocal.interfaceNamePrefix', 'Invalid value: "": must not be empty'],
  ['bad clusterCIDR', { clusterCIDR: '10.0.0.0' }, 'clusterCIDR[0]', 'must be a valid CIDR block'],
  ['three clusterCIDRs', { clusterCIDR: '10.0.0.0/8,fd00::/64,10.1.0.0/16' }, 'clusterCIDR', 'dual-stack pair'],
  ['two IPv4 clusterCIDRs', { clusterCIDR: '10.0.0.0/8,10.1.0.0/16' }, 'clusterCIDR', 'dual-stack pair'],
  ['nodePortAddresses foo', { nodePortAddresses: ['foo'] }, 'nodePortAddresses[0]', 'Invalid value: "foo": must be a valid CIDR'],
  ['nodePortAddresses bare IP', { nodePortAddresses: ['127.0.0.1/32', '10.20.30.40'] }, 'nodePortAddresses[1]', 'must be a valid CIDR'],
  ['nodePortAddresses primary plus CIDR', { nodePortAddresses: ['10.0.0.0/8', 'primary'] }, 'nodePortAddresses[1]', "can't use both 'primary' and CIDRs"],
  ['nodePortAddresses not a list', { nodePortAddresses: 'primary' }, 'nodePortAddresses', 'must be a list'],
  ['negative conntrack timeout', { conntrack: { tcpEstablishedTimeout: '-1s' } }, 'conntrack.tcpEstablishedTimeout', 'must be greater than or equal to 0'],
  ['non-duration timeout', { conntrack: { udpTimeout: '30' } }, 'conntrack.udpTimeout', 'must be a duration string'],
  ['numeric timeout', { conntrack: { tcpCloseWaitTimeout: 3600 } }, 'conntrack.tcpCloseWaitTimeout', 'must be a duration string'],
  ['masqueradeAll not boolean', { iptables: { masqueradeAll: 'yes' } }, 'iptables.masqueradeAll', 'must be a boolean'],
  ['masqueradeBit out of range', { nftables: { masqueradeBit: 32 } }, 'nftables.masqueradeBit', 'must be within the range [0, 31]'],
  ['wrong apiVersion', { apiVersion: 'kubeproxy.config.k8s.io/v1alpha2' }, 'apiVersion', 'Unsupported value'],
  ['wrong kind', { kind: 'KubeletConfiguration' }, 'kind', 'Unsupported value'],
  ['section not an object', { ipvs: 'rr' }, 'ipvs', 'must be an object'],
];

describe('invalid documents', () => {
  invalid.forEach(([name, doc, field, message], i) => it(`${i + 1}. ${name}`, () => {
    let err: unknown;
    try {
      parseKubeProxyConfiguration({ ...base, ...(doc as object) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProxyConfigError);
    const e = err as ProxyConfigError;
    expect(e.field).toBe(field);
    expect(e.errors[0]?.message).toContain(message);
    expect(e.message.startsWith(`${field}: `)).toBe(true);
  }));
  it(`${invalid.length + 1}. every error is reported, not just the first`, () => {
    try {
      parseKubeProxyConfiguration({ mode: 'ipvs', ipvs: { scheduler: 'x' }, clusterCIDR: 'nope', conntrack: { udpTimeout: 'bad' } });
      expect.unreachable();
    } catch (e) {
      expect((e as ProxyConfigError).errors.map((x) => x.field)).toEqual(['clusterCIDR[0]', 'ipvs.scheduler', 'conntrack.udpTimeout']);
    }
  });
  it(`${invalid.length + 2}. non-object document`, () => {
    expect(() => parseKubeProxyConfiguration('mode: ipvs')).toThrow(ProxyConfigError);
    expect(() => parseKubeProxyConfiguration(null)).toThrow(ProxyConfigError);
  });
});
