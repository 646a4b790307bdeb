/**
 * KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1): the routing-relevant fields,
 * validated and defaulted as kube-proxy does on Linux.
 *
 * Sources (kubernetes/kubernetes): pkg/proxy/apis/config/v1alpha1/defaults.go (conntrack
 * timeouts, localhostNodePorts), cmd/kube-proxy/app/server_linux.go platformApplyDefaults
 * ('' mode → iptables; nftables with no nodePortAddresses → ["primary"]; '' detectLocalMode
 * → ClusterCIDR), pkg/proxy/apis/config/validation/validation.go (messages).
 *
 * Input is an already-parsed document (JSON or YAML object); no IO, browser-safe.
 */
import { isCIDR, parseCIDR } from '../model/ip.js';

export const KUBE_PROXY_API_VERSION = 'kubeproxy.config.k8s.io/v1alpha1';
export const KUBE_PROXY_KIND = 'KubeProxyConfiguration';

export type ProxyMode = 'iptables' | 'nftables' | 'ipvs';
export const PROXY_MODES: readonly ProxyMode[] = ['iptables', 'ipvs', 'nftables'];

export type DetectLocalMode = 'ClusterCIDR' | 'NodeCIDR' | 'BridgeInterface' | 'InterfaceNamePrefix';
export const DETECT_LOCAL_MODES: readonly DetectLocalMode[] = ['ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix'];

/** IPVS schedulers kube-proxy accepts ('' means rr). */
export const IPVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'sh', 'dh', 'sed', 'nq', 'mh'] as const;
export type IPVSScheduler = (typeof IPVS_SCHEDULERS)[number];

/**
 * Which node addresses accept NodePort traffic: `all` = every local address (iptables/ipvs
 * default), `primary` = the node's primary IP per family (nftables default), or CIDRs.
 */
export type NodePortAddresses =
  | { readonly kind: 'all' }
  | { readonly kind: 'primary' }
  | { readonly kind: 'cidrs'; readonly cidrs: readonly string[] };

/** Conntrack timeouts in seconds; 0 = leave the kernel's value alone. */
export interface ConntrackTimeouts {
  readonly tcpEstablished: number;
  readonly tcpCloseWait: number;
  readonly udp: number;
  readonly udpStream: number;
}

export interface ProxyConfig {
  readonly mode: ProxyMode;
  /** `clusterCIDR` split on commas (0, 1 or a dual-stack pair). */
  readonly clusterCIDRs: readonly string[];
  readonly detectLocalMode: DetectLocalMode;
  readonly detectLocal: { readonly bridgeInterface: string; readonly interfaceNamePrefix: string };
  /**
   * Whether a local-traffic detector exists. ClusterCIDR mode with no clusterCIDR yields
   * none (no pod short-circuit, ClusterIP not masqueraded unless masqueradeAll). NodeCIDR
   * needs the Node's podCIDRs at run time; true here.
   */
  readonly hasLocalDetector: boolean;
  readonly nodePortAddresses: NodePortAddresses;
  /** Effective masquerade-all for the mode (nftables.masqueradeAll in nftables, else iptables.masqueradeAll). */
  readonly masqueradeAll: boolean;
  /** Effective: iptables.localhostNodePorts (default true) and mode iptables (IPv4 only). */
  readonly localhostNodePorts: boolean;
  /** As written/defaulted, whatever the mode. */
  readonly iptables: { readonly masqueradeAll: boolean; readonly localhostNodePorts: boolean };
  readonly nftables: { readonly masqueradeAll: boolean };
  readonly ipvs: { readonly scheduler: IPVSScheduler };
  readonly conntrack: ConntrackTimeouts;
}

export interface ParsedProxyConfig {
  readonly config: ProxyConfig;
  /** Unknown fields and ignored values, as `path: message`. */
  readonly warnings: string[];
}

export interface ProxyConfigFieldError {
  readonly field: string;
  readonly message: string;
}

/** Validation failure; `message` joins `field: detail` lines, `errors` has them one by one. */
export class ProxyConfigError extends Error {
  readonly errors: readonly ProxyConfigFieldError[];
  constructor(errors: readonly ProxyConfigFieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.name = 'ProxyConfigError';
    this.errors = errors;
  }
  /** The first failing field path. */
  get field(): string {
    return this.errors[0]?.field ?? '';
  }
}

// ---- Go duration parsing (time.ParseDuration) ----

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  'µs': 1e-6,
  'μs': 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/**
 * Parses a Go duration (`24h0m0s`, `1h`, `250ms`, `1.5h`, `-3s`, `0`) to seconds, as
 * `time.ParseDuration` does; `metav1.Duration` serialises with it. Returns undefined when
 * the text is not a duration.
 */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  const part = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
  while (s !== '') {
    const m = part.exec(s);
    if (!m) return undefined;
    const num = m[1] ?? '';
    if (num === '' || num === '.') return undefined;
    total += Number(num) * (UNIT_SECONDS[m[2] ?? ''] ?? NaN);
    s = s.slice(m[0].length);
  }
  // Go's Duration is int64 nanoseconds: round to whole nanoseconds, refuse overflow.
  const ns = Math.round(total * 1e9);
  if (!Number.isFinite(ns) || ns > 9223372036854775807) return undefined;
  return (sign * ns) / 1e9;
}

// ---- parsing ----

type Obj = Record<string, unknown>;

const KNOWN_TOP = new Set([
  'apiVersion', 'kind', 'featureGates', 'clientConnection', 'hostnameOverride', 'bindAddress', 'healthzBindAddress',
  'metricsBindAddress', 'bindAddressHardFail', 'enableProfiling', 'showHiddenMetricsForVersion', 'mode', 'iptables',
  'ipvs', 'nftables', 'winkernel', 'detectLocalMode', 'detectLocal', 'clusterCIDR', 'nodePortAddresses', 'oomScoreAdj',
  'conntrack', 'configSyncPeriod', 'portRange', 'logging', 'syncPeriod', 'minSyncPeriod', 'windowsRunAsService',
]);
const KNOWN_IPTABLES = new Set(['masqueradeBit', 'masqueradeAll', 'localhostNodePorts', 'syncPeriod', 'minSyncPeriod']);
const KNOWN_NFTABLES = new Set(['masqueradeBit', 'masqueradeAll', 'syncPeriod', 'minSyncPeriod']);
const KNOWN_IPVS = new Set(['syncPeriod', 'minSyncPeriod', 'scheduler', 'excludeCIDRs', 'strictARP', 'tcpTimeout', 'tcpFinTimeout', 'udpTimeout']);
const KNOWN_CONNTRACK = new Set(['maxPerCore', 'min', 'tcpEstablishedTimeout', 'tcpCloseWaitTimeout', 'tcpBeLiberal', 'udpTimeout', 'udpStreamTimeout']);
const KNOWN_DETECT_LOCAL = new Set(['bridgeInterface', 'interfaceNamePrefix']);

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function quote(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

class Ctx {
  readonly errors: ProxyConfigFieldError[] = [];
  readonly warnings: string[] = [];
  fail(field: string, message: string): void {
    this.errors.push({ field, message });
  }
  invalid(field: string, value: unknown, detail: string): void {
    this.fail(field, `Invalid value: ${quote(value)}: ${detail}`);
  }
  unsupported(field: string, value: unknown, supported: readonly string[]): void {
    this.fail(field, `Unsupported value: ${quote(value)}: supported values: ${supported.map((s) => quote(s)).join(', ')}`);
  }
  unknown(obj: Obj, known: ReadonlySet<string>, prefix: string): void {
    for (const key of Object.keys(obj)) if (!known.has(key)) this.warnings.push(`${prefix}${key}: unknown field`);
  }
  section(doc: Obj, key: string, known: ReadonlySet<string>): Obj {
    const v = doc[key];
    if (v === undefined || v === null) return {};
    if (!isObj(v)) {
      this.invalid(key, v, 'must be an object');
      return {};
    }
    this.unknown(v, known, `${key}.`);
    return v;
  }
  bool(obj: Obj, key: string, path: string, fallback: boolean): boolean {
    const v = obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') {
      this.invalid(path, v, 'must be a boolean');
      return fallback;
    }
    return v;
  }
  str(obj: Obj, key: string, path: string): string {
    const v = obj[key];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') {
      this.invalid(path, v, 'must be a string');
      return '';
    }
    return v;
  }
  /** A metav1.Duration field; null/absent → fallback. */
  duration(obj: Obj, key: string, path: string, fallback: number): number {
    const v = obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') {
      this.invalid(path, v, 'must be a duration string such as "24h0m0s"');
      return fallback;
    }
    const seconds = parseGoDuration(v);
    if (seconds === undefined) {
      this.invalid(path, v, 'must be a duration string such as "24h0m0s"');
      return fallback;
    }
    if (seconds < 0) {
      this.invalid(path, v, 'must be greater than or equal to 0');
      return fallback;
    }
    return seconds;
  }
}

function validateCIDRList(ctx: Ctx, field: string, raw: string, cidrs: readonly string[]): void {
  if (cidrs.length > 2) {
    ctx.invalid(field, raw, 'must be a either a single CIDR or dual-stack pair of CIDRs (e.g. [10.100.0.0/16, fde4:8dba:82e1::/48]');
    return;
  }
  let ok = true;
  cidrs.forEach((c, i) => {
    if (!isCIDR(c)) {
      ok = false;
      ctx.invalid(`${field}[${i}]`, c, 'must be a valid CIDR block (e.g. 10.100.0.0/16 or fde4:8dba:82e1::/48)');
    }
  });
  if (ok && cidrs.length === 2 && parseCIDR(cidrs[0] as string).family === parseCIDR(cidrs[1] as string).family) {
    ctx.invalid(field, raw, 'must be a either a single CIDR or dual-stack pair of CIDRs (e.g. [10.100.0.0/16, fde4:8dba:82e1::/48]');
  }
}

/**
 * Validates and defaults a KubeProxyConfiguration document. Throws `ProxyConfigError`
 * listing every invalid field (paths in the v1alpha1 JSON spelling, e.g. `ipvs.scheduler`).
 * `overrides.mode` replaces the document's mode (the CLI's `--mode`).
 */
export function parseKubeProxyConfiguration(doc: unknown, overrides: { mode?: ProxyMode } = {}): ParsedProxyConfig {
  const ctx = new Ctx();
  if (!isObj(doc)) throw new ProxyConfigError([{ field: '', message: `Invalid value: ${quote(doc)}: must be a KubeProxyConfiguration object` }]);

  if (doc.apiVersion !== undefined && doc.apiVersion !== KUBE_PROXY_API_VERSION) ctx.unsupported('apiVersion', doc.apiVersion, [KUBE_PROXY_API_VERSION]);
  if (doc.kind !== undefined && doc.kind !== KUBE_PROXY_KIND) ctx.unsupported('kind', doc.kind, [KUBE_PROXY_KIND]);
  ctx.unknown(doc, KNOWN_TOP, '');

  // mode
  let mode: ProxyMode = 'iptables';
  const rawMode = overrides.mode ?? ctx.str(doc, 'mode', 'mode');
  if (rawMode === '') mode = 'iptables';
  else if ((PROXY_MODES as readonly string[]).includes(rawMode)) mode = rawMode as ProxyMode;
  else ctx.invalid('mode', rawMode, `must be ${PROXY_MODES.join(', ')} or blank (blank means the best-available proxy [currently iptables])`);

  const iptables = ctx.section(doc, 'iptables', KNOWN_IPTABLES);
  const nftables = ctx.section(doc, 'nftables', KNOWN_NFTABLES);
  const ipvs = ctx.section(doc, 'ipvs', KNOWN_IPVS);
  const conntrack = ctx.section(doc, 'conntrack', KNOWN_CONNTRACK);
  const detectLocalObj = ctx.section(doc, 'detectLocal', KNOWN_DETECT_LOCAL);

  // clusterCIDR
  const rawCluster = ctx.str(doc, 'clusterCIDR', 'clusterCIDR');
  const clusterCIDRs = rawCluster === '' ? [] : rawCluster.split(',');
  if (clusterCIDRs.length > 0) validateCIDRList(ctx, 'clusterCIDR', rawCluster, clusterCIDRs);

  // detectLocalMode / detectLocal
  const rawDetect = ctx.str(doc, 'detectLocalMode', 'detectLocalMode');
  let detectLocalMode: DetectLocalMode = 'ClusterCIDR';
  if (rawDetect !== '') {
    if ((DETECT_LOCAL_MODES as readonly string[]).includes(rawDetect)) detectLocalMode = rawDetect as DetectLocalMode;
    else ctx.unsupported('detectLocalMode', rawDetect, [...DETECT_LOCAL_MODES, '']);
  }
  const bridgeInterface = ctx.str(detectLocalObj, 'bridgeInterface', 'detectLocal.bridgeInterface');
  const interfaceNamePrefix = ctx.str(detectLocalObj, 'interfaceNamePrefix', 'detectLocal.interfaceNamePrefix');
  if (detectLocalMode === 'BridgeInterface' && bridgeInterface === '') ctx.invalid('detectLocal.bridgeInterface', '', 'must not be empty');
  if (detectLocalMode === 'InterfaceNamePrefix' && interfaceNamePrefix === '') ctx.invalid('detectLocal.interfaceNamePrefix', '', 'must not be empty');
  const hasLocalDetector = detectLocalMode === 'ClusterCIDR' ? clusterCIDRs.length > 0 : true;

  // nodePortAddresses
  let nodePortAddresses: NodePortAddresses = mode === 'nftables' ? { kind: 'primary' } : { kind: 'all' };
  const rawNPA = doc.nodePortAddresses;
  if (rawNPA !== undefined && rawNPA !== null) {
    if (!Array.isArray(rawNPA) || rawNPA.some((a) => typeof a !== 'string')) {
      ctx.invalid('nodePortAddresses', rawNPA, 'must be a list of CIDRs or ["primary"]');
    } else if (rawNPA.length > 0) {
      const list = rawNPA as string[];
      let bad = false;
      for (let i = 0; i < list.length; i++) {
        const a = list[i] as string;
        if (a === 'primary') {
          if (i !== 0 || list.length !== 1) {
            ctx.invalid(`nodePortAddresses[${i}]`, a, "can't use both 'primary' and CIDRs");
            bad = true;
          }
          break;
        }
        if (!isCIDR(a)) {
          ctx.invalid(`nodePortAddresses[${i}]`, a, 'must be a valid CIDR');
          bad = true;
        }
      }
      if (!bad) nodePortAddresses = list[0] === 'primary' ? { kind: 'primary' } : { kind: 'cidrs', cidrs: list.slice() };
    }
  }

  // masquerade, localhost NodePorts
  const iptMasq = ctx.bool(iptables, 'masqueradeAll', 'iptables.masqueradeAll', false);
  const iptLocalhost = ctx.bool(iptables, 'localhostNodePorts', 'iptables.localhostNodePorts', true);
  const nftMasq = ctx.bool(nftables, 'masqueradeAll', 'nftables.masqueradeAll', false);
  for (const [sec, name] of [[iptables, 'iptables'], [nftables, 'nftables']] as const) {
    const bit = sec.masqueradeBit;
    if (bit !== undefined && bit !== null && !(typeof bit === 'number' && Number.isInteger(bit) && bit >= 0 && bit <= 31)) {
      ctx.invalid(`${name}.masqueradeBit`, bit, 'must be within the range [0, 31]');
    }
  }
  if (mode !== 'iptables' && iptables.localhostNodePorts === true) {
    ctx.warnings.push(`iptables.localhostNodePorts: ignored in ${mode} mode`);
  }

  // ipvs.scheduler
  const rawScheduler = ctx.str(ipvs, 'scheduler', 'ipvs.scheduler');
  let scheduler: IPVSScheduler = 'rr';
  if (rawScheduler !== '') {
    if ((IPVS_SCHEDULERS as readonly string[]).includes(rawScheduler)) scheduler = rawScheduler as IPVSScheduler;
    else if (mode === 'ipvs') ctx.unsupported('ipvs.scheduler', rawScheduler, IPVS_SCHEDULERS);
    else ctx.warnings.push(`ipvs.scheduler: Unsupported value: ${quote(rawScheduler)}: ignored in ${mode} mode`);
  }

  // conntrack
  const conntrackTimeouts: ConntrackTimeouts = {
    tcpEstablished: ctx.duration(conntrack, 'tcpEstablishedTimeout', 'conntrack.tcpEstablishedTimeout', 86400),
    tcpCloseWait: ctx.duration(conntrack, 'tcpCloseWaitTimeout', 'conntrack.tcpCloseWaitTimeout', 3600),
    udp: ctx.duration(conntrack, 'udpTimeout', 'conntrack.udpTimeout', 0),
    udpStream: ctx.duration(conntrack, 'udpStreamTimeout', 'conntrack.udpStreamTimeout', 0),
  };

  if (ctx.errors.length > 0) throw new ProxyConfigError(ctx.errors);

  const config: ProxyConfig = {
    mode,
    clusterCIDRs,
    detectLocalMode,
    detectLocal: { bridgeInterface, interfaceNamePrefix },
    hasLocalDetector,
    nodePortAddresses,
    masqueradeAll: mode === 'nftables' ? nftMasq : iptMasq,
    localhostNodePorts: mode === 'iptables' && iptLocalhost,
    iptables: { masqueradeAll: iptMasq, localhostNodePorts: iptLocalhost },
    nftables: { masqueradeAll: nftMasq },
    ipvs: { scheduler },
    conntrack: conntrackTimeouts,
  };
  return { config, warnings: ctx.warnings };
}

/** The configuration kube-proxy runs with when given an empty document (optionally a mode). */
export function defaultProxyConfig(mode: ProxyMode = 'iptables'): ProxyConfig {
  return parseKubeProxyConfiguration({}, { mode }).config;
}
