/**
 * Manifests: YAML or JSON files (or folders of them) applied to a Cluster the way
 * `kubectl apply -f` would, in one atomic batch.
 *
 * - Multi-document YAML (`---`) and `kind: List` are read; YAML is read with the 1.1 rules
 *   Kubernetes' decoder uses (`yes`/`on` are booleans, `<<` merges).
 * - Kinds: Namespace, ServiceCIDR, Service, EndpointSlice, Endpoints (v1, mirrored into
 *   EndpointSlices as the EndpointSliceMirroring controller does), and every other kind the
 *   Cluster has an `apply<Kind>` method for (Pod, once the store has it). Objects are
 *   applied namespaces and ServiceCIDRs first, then Services, workloads, slices.
 * - Unknown kinds are reported through `warn` (file, document, kind) and skipped.
 * - Manifests describe state as a cluster recorded it: IPs, hostnames and endpoint
 *   conditions are taken as given. Server-set metadata (uid, resourceVersion,
 *   creationTimestamp, generation, managedFields) is dropped, so `kubectl get -o yaml`
 *   output loads as is.
 * - Any problem (syntax, type, validation, a missing namespace) rejects the whole load: a
 *   ManifestError lists every problem with file, document number (1-based), object and
 *   field, and nothing is applied.
 */

import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Cluster } from '../cluster/cluster.js';
import { FieldError, SvcnetError, ValidationError, fieldErrors as fe } from '../model/errors.js';
import { isIP, isIPv6, parseIP, specialRangeOf } from '../model/ip.js';
import { isDNS1123Label, isValidPortNum, nameIsDNSSubdomain } from '../model/names.js';
import { Random, randomSuffix } from '../model/random.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from '../model/types.js';
import type { Endpoint, EndpointPort, EndpointSlice, KubeObjectInput, Protocol } from '../model/types.js';

export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
/** `--mirroring-max-endpoints-per-subset` of kube-controller-manager. */
export const MIRRORING_MAX_ENDPOINTS_PER_SUBSET = 1000;
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** One object read from a manifest file. */
export interface ManifestDocument {
  file: string;
  /** 1-based position of the YAML document in its file. */
  document: number;
  /** Index in the `items` of a `kind: List` document. */
  item?: number;
  object: Record<string, unknown>;
}

export interface ManifestProblem {
  file: string;
  document?: number;
  item?: number;
  /** `Service default/web`. */
  object?: string;
  /** `spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`, or a plain message. */
  message: string;
}

export function formatProblem(p: ManifestProblem): string {
  let where = p.file;
  if (p.document !== undefined) where += `: document ${p.document}`;
  if (p.item !== undefined) where += `, items[${p.item}]`;
  if (p.object) where += ` (${p.object})`;
  return `${where}: ${p.message}`;
}

/** Thrown when manifests cannot be read or applied; nothing was applied. */
export class ManifestError extends Error {
  readonly problems: readonly ManifestProblem[];

  constructor(problems: readonly ManifestProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ManifestError';
    this.problems = problems;
  }
}

export interface LoadManifestsOptions {
  /** Namespace of namespaced objects that name none (`kubectl apply -n`). Default `default`. */
  namespace?: string;
  /** Receives one line per skipped object (unknown kind, Endpoints not mirrored). */
  warn?: (line: string) => void;
}

export interface AppliedManifests {
  /** Objects applied, by kind (mirrored slices count as EndpointSlice). */
  applied: Record<string, number>;
  /** The lines given to `warn`. */
  skipped: string[];
}

// ---------------------------------------------------------------------------- reading

/** Files a path stands for: the file itself, or every .yaml/.yml/.json below a folder, sorted. */
export async function manifestFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new ManifestError([{ file: path, message: fsMessage(error) }]);
  }
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))) out.push(full);
    }
  };
  await walk(path);
  return out;
}

function fsMessage(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file or directory';
  if (e?.code === 'EACCES') return 'permission denied';
  if (e?.code === 'EISDIR') return 'is a directory';
  return e instanceof Error ? e.message : String(error);
}

/** Reads and parses every manifest under `paths`; throws one ManifestError for all syntax problems. */
export async function readManifests(paths: readonly string[]): Promise<ManifestDocument[]> {
  const docs: ManifestDocument[] = [];
  const problems: ManifestProblem[] = [];
  for (const path of paths) {
    let files: string[];
    try {
      files = await manifestFiles(path);
    } catch (error) {
      if (error instanceof ManifestError) {
        problems.push(...error.problems);
        continue;
      }
      throw error;
    }
    if (files.length === 0) problems.push({ file: path, message: 'no .yaml, .yml or .json files in this folder' });
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        problems.push({ file, message: fsMessage(error) });
        continue;
      }
      try {
        docs.push(...parseManifests(text, file));
      } catch (error) {
        if (error instanceof ManifestError) problems.push(...error.problems);
        else throw error;
      }
    }
  }
  if (problems.length > 0) throw new ManifestError(problems);
  return docs;
}

/**
 * Parses one file's text into objects (empty documents skipped, `kind: List` expanded).
 * Throws a ManifestError naming the line and column of each syntax error.
 */
export function parseManifests(text: string, file: string): ManifestDocument[] {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { version: '1.1', lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  const out: ManifestDocument[] = [];
  const problems: ManifestProblem[] = [];
  documents.forEach((doc, i) => {
    const document = i + 1;
    if (doc.errors.length > 0) {
      // Later errors of a document mostly follow from the first.
      const error = doc.errors[0];
      const at = lineCounter.linePos(error.pos[0]);
      problems.push({ file, document, message: `YAML syntax error at line ${at.line}, column ${at.col}: ${firstLine(error.message)}` });
      return;
    }
    let value: unknown;
    try {
      value = toPlain(doc.toJS({ maxAliasCount: 100 }));
    } catch (error) {
      problems.push({ file, document, message: `YAML error: ${firstLine(error instanceof Error ? error.message : String(error))}` });
      return;
    }
    if (value === null || value === undefined) return;
    if (!isRecord(value)) {
      problems.push({ file, document, message: `expected a Kubernetes object (a mapping with apiVersion and kind), got ${typeName(value)}` });
      return;
    }
    if (value.kind === 'List' && (value.apiVersion === 'v1' || value.apiVersion === undefined)) {
      const items = value.items ?? [];
      if (!Array.isArray(items)) {
        problems.push({ file, document, object: 'List', message: `items: Invalid value: expected an array, got ${typeName(items)}` });
        return;
      }
      items.forEach((item, j) => {
        if (item === null || item === undefined) return;
        if (!isRecord(item)) {
          problems.push({ file, document, item: j, message: `expected a Kubernetes object, got ${typeName(item)}` });
          return;
        }
        out.push({ file, document, item: j, object: item });
      });
      return;
    }
    out.push({ file, document, object: value });
  });
  if (problems.length > 0) throw new ManifestError(problems);
  return out;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0].trim();
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

/** Plain JSON-like data, as Kubernetes' YAML-to-JSON step would give. */
function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString().replace(/\.000Z$/, 'Z');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Set) return [...value].map(toPlain);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toPlain(v);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '__proto__') continue;
    out[k] = toPlain(v);
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

// ---------------------------------------------------------------------------- shapes

/**
 * Field types of the kinds svcnet models, as the API's Go structs declare them. Decoding a
 * manifest checks each known field's type (as Go's JSON decoder does) and drops unknown
 * fields; `null` means absent.
 */
type Shape =
  | 'string'
  | 'int'
  | 'bool'
  | 'intOrString'
  | 'stringMap'
  | 'any'
  | { readonly array: Shape }
  | { readonly object: { readonly [field: string]: Shape } };

const S = 'string';
const I = 'int';
const B = 'bool';
const arr = (of: Shape): Shape => ({ array: of });
const obj = (fields: { [field: string]: Shape }): Shape => ({ object: fields });

const OBJECT_META = obj({
  name: S,
  generateName: S,
  namespace: S,
  labels: 'stringMap',
  annotations: 'stringMap',
  uid: S,
  resourceVersion: S,
  generation: I,
  creationTimestamp: S,
  deletionTimestamp: S,
  deletionGracePeriodSeconds: I,
  selfLink: S,
  ownerReferences: arr(obj({ apiVersion: S, kind: S, name: S, uid: S, controller: B, blockOwnerDeletion: B })),
  finalizers: arr(S),
  managedFields: 'any',
});

const OBJECT_REFERENCE = obj({ kind: S, namespace: S, name: S, uid: S, apiVersion: S, resourceVersion: S, fieldPath: S });
const CONDITIONS = arr(obj({ type: S, status: S, observedGeneration: I, lastTransitionTime: S, reason: S, message: S }));

const SERVICE = obj({
  spec: obj({
    type: S,
    selector: 'stringMap',
    ports: arr(obj({ name: S, protocol: S, appProtocol: S, port: I, targetPort: 'intOrString', nodePort: I })),
    clusterIP: S,
    clusterIPs: arr(S),
    ipFamilies: arr(S),
    ipFamilyPolicy: S,
    externalIPs: arr(S),
    externalName: S,
    sessionAffinity: S,
    sessionAffinityConfig: obj({ clientIP: obj({ timeoutSeconds: I }) }),
    externalTrafficPolicy: S,
    internalTrafficPolicy: S,
    loadBalancerIP: S,
    loadBalancerSourceRanges: arr(S),
    loadBalancerClass: S,
    publishNotReadyAddresses: B,
    healthCheckNodePort: I,
    allocateLoadBalancerNodePorts: B,
    trafficDistribution: S,
  }),
  status: obj({
    loadBalancer: obj({
      ingress: arr(obj({ ip: S, hostname: S, ipMode: S, ports: arr(obj({ port: I, protocol: S, error: S })) })),
    }),
    conditions: CONDITIONS,
  }),
});

const ENDPOINT_SLICE = obj({
  addressType: S,
  endpoints: arr(
    obj({
      addresses: arr(S),
      conditions: obj({ ready: B, serving: B, terminating: B }),
      hostname: S,
      targetRef: OBJECT_REFERENCE,
      nodeName: S,
      zone: S,
      hints: obj({ forZones: arr(obj({ name: S })), forNodes: arr(obj({ name: S })) }),
      deprecatedTopology: 'stringMap',
    }),
  ),
  ports: arr(obj({ name: S, protocol: S, port: I, appProtocol: S })),
});

const ENDPOINT_ADDRESS = obj({ ip: S, hostname: S, nodeName: S, targetRef: OBJECT_REFERENCE });
const ENDPOINTS = obj({
  subsets: arr(
    obj({
      addresses: arr(ENDPOINT_ADDRESS),
      notReadyAddresses: arr(ENDPOINT_ADDRESS),
      ports: arr(obj({ name: S, port: I, protocol: S, appProtocol: S })),
    }),
  ),
});

const NAMESPACE = obj({ spec: obj({ finalizers: arr(S) }), status: obj({ phase: S, conditions: 'any' }) });
const SERVICE_CIDR = obj({ spec: obj({ cidrs: arr(S) }), status: obj({ conditions: CONDITIONS }) });
const POD = obj({
  spec: obj({
    containers: arr(obj({ name: S, image: S, ports: arr(obj({ name: S, hostPort: I, containerPort: I, protocol: S, hostIP: S })) })),
    nodeName: S,
    hostname: S,
    subdomain: S,
    setHostnameAsFQDN: B,
    hostNetwork: B,
  }),
  status: obj({
    phase: S,
    conditions: arr(obj({ type: S, status: S, lastProbeTime: S, lastTransitionTime: S, reason: S, message: S })),
    hostIP: S,
    podIP: S,
    podIPs: arr(obj({ ip: S })),
    startTime: S,
  }),
});

/** Kinds the store models through `apply<Kind>` but this loader has no field list for. */
const GENERIC = obj({ spec: 'any', status: 'any' });

interface KindInfo {
  apiVersions: readonly string[];
  namespaced: boolean;
  shape: Shape;
  /** Apply order: lower first. */
  order: number;
}

const KINDS: Readonly<Record<string, KindInfo>> = {
  Namespace: { apiVersions: ['v1'], namespaced: false, shape: NAMESPACE, order: 0 },
  ServiceCIDR: { apiVersions: ['networking.k8s.io/v1', 'networking.k8s.io/v1beta1'], namespaced: false, shape: SERVICE_CIDR, order: 1 },
  Service: { apiVersions: ['v1'], namespaced: true, shape: SERVICE, order: 2 },
  Pod: { apiVersions: ['v1'], namespaced: true, shape: POD, order: 4 },
  EndpointSlice: { apiVersions: ['discovery.k8s.io/v1'], namespaced: true, shape: ENDPOINT_SLICE, order: 5 },
  Endpoints: { apiVersions: ['v1'], namespaced: true, shape: ENDPOINTS, order: 6 },
};

/** Workload kinds go between Services and slices; other store kinds after namespaces. */
const GENERIC_ORDER: Readonly<Record<string, number>> = { Deployment: 3, ReplicaSet: 3, StatefulSet: 3, DaemonSet: 3, Node: 1 };

const SERVER_SET_METADATA = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Checks `value` against `shape`; returns the decoded copy (unknown fields dropped), collecting errors. */
function decode(value: unknown, shape: Shape, path: string, errors: FieldError[]): unknown {
  if (value === null || value === undefined) return undefined;
  const wrong = (expected: string): undefined => {
    errors.push(fe.invalid(path || '<root>', describeValue(value), `expected ${expected}, got ${typeName(value)}`));
    return undefined;
  };
  if (shape === 'any') return value;
  if (shape === 'string') return typeof value === 'string' ? value : wrong('a string');
  if (shape === 'bool') return typeof value === 'boolean' ? value : wrong('a boolean');
  if (shape === 'int') {
    if (typeof value !== 'number' || !Number.isInteger(value)) return wrong('an integer');
    if (value < INT32_MIN || value > INT32_MAX) {
      errors.push(fe.invalid(path, value, 'out of range for a 32-bit integer'));
      return undefined;
    }
    return value;
  }
  if (shape === 'intOrString') {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return value;
    return wrong('an integer or a string');
  }
  if (shape === 'stringMap') {
    if (!isRecord(value)) return wrong('a map of strings');
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === null || v === undefined) {
        out[k] = '';
        continue;
      }
      if (typeof v !== 'string') {
        errors.push(fe.invalid(`${path}.${k}`, describeValue(v), `expected a string, got ${typeName(v)}`));
        continue;
      }
      out[k] = v;
    }
    return out;
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) return wrong('an array');
    return value.map((item, i) => {
      const p = `${path}[${i}]`;
      if (item === null || item === undefined) {
        errors.push(fe.invalid(p, null, 'expected a value, got null'));
        return undefined;
      }
      return decode(item, shape.array, p, errors);
    });
  }
  if (!isRecord(value)) return wrong('an object');
  const out: Record<string, unknown> = {};
  for (const [field, fieldShape] of Object.entries(shape.object)) {
    if (!Object.prototype.hasOwnProperty.call(value, field)) continue;
    const decoded = decode(value[field], fieldShape, path ? `${path}.${field}` : field, errors);
    if (decoded !== undefined) out[field] = decoded;
  }
  return out;
}

function describeValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

// ---------------------------------------------------------------------------- applying

interface Prepared {
  doc: ManifestDocument;
  kind: string;
  label: string;
  order: number;
  object: Record<string, unknown>;
}

type Applier = (object: Record<string, unknown>) => unknown;

function applierFor(cluster: Cluster, kind: string): Applier | undefined {
  switch (kind) {
    case 'Namespace':
    case 'ServiceCIDR':
    case 'Service':
    case 'EndpointSlice':
      return (o) => cluster.apply(o as unknown as KubeObjectInput);
    // The store models these now, but loading them from manifests is a later step (the
    // loader's kind table, apply order and CLI expectations change with it).
    case 'Node':
    case 'Deployment':
    case 'ReplicaSet':
      return undefined;
    default: {
      const method = (cluster as unknown as Record<string, unknown>)[`apply${kind}`];
      if (typeof method !== 'function') return undefined;
      return (o) => (method as (o: unknown) => unknown).call(cluster, o);
    }
  }
}

function objectLabel(kind: string, object: Record<string, unknown>, namespaced: boolean): string {
  const meta = isRecord(object.metadata) ? object.metadata : {};
  const name = typeof meta.name === 'string' && meta.name ? meta.name : typeof meta.generateName === 'string' && meta.generateName ? `${meta.generateName}*` : '';
  const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
  if (!name) return kind;
  return namespaced && ns ? `${kind} ${ns}/${name}` : `${kind} ${name}`;
}

/**
 * Checks and normalises one object: apiVersion and kind, field types, namespace default,
 * server-set metadata removed. Returns undefined (after `skip`) for kinds the cluster
 * cannot store.
 */
function prepare(cluster: Cluster, doc: ManifestDocument, namespace: string, problems: ManifestProblem[], skip: (line: string) => void): Prepared | undefined {
  const raw = doc.object;
  const at = { file: doc.file, document: doc.document, item: doc.item };
  const kind = raw.kind;
  const apiVersion = raw.apiVersion;
  const errors: FieldError[] = [];
  if (kind === undefined || kind === null || kind === '') errors.push(fe.required('kind'));
  else if (typeof kind !== 'string') errors.push(fe.invalid('kind', describeValue(kind), `expected a string, got ${typeName(kind)}`));
  if (apiVersion === undefined || apiVersion === null || apiVersion === '') errors.push(fe.required('apiVersion'));
  else if (typeof apiVersion !== 'string') errors.push(fe.invalid('apiVersion', describeValue(apiVersion), `expected a string, got ${typeName(apiVersion)}`));
  if (errors.length > 0) {
    for (const e of errors) problems.push({ ...at, message: e.toString() });
    return undefined;
  }
  const k = kind as string;
  const supported = k === 'Endpoints' || applierFor(cluster, k) !== undefined;
  const known = supported ? KINDS[k] : undefined;
  if (!supported) {
    skip(`${formatProblem({ ...at, object: objectLabel(k, raw, true), message: `skipped: svcnet does not model kind ${k} (${apiVersion})` })}`);
    return undefined;
  }
  if (known && !known.apiVersions.includes(apiVersion as string)) {
    problems.push({ ...at, object: objectLabel(k, raw, known.namespaced), message: `no matches for kind "${k}" in version "${apiVersion}"` });
    return undefined;
  }
  const shape = known?.shape ?? GENERIC;
  const namespaced = known?.namespaced ?? k !== 'Node';
  const decoded = decode(raw, shape, '', errors) as Record<string, unknown>;
  const meta = decode(raw.metadata ?? {}, OBJECT_META, 'metadata', errors) as Record<string, unknown> | undefined;
  const label = objectLabel(k, { metadata: { ...meta, namespace: meta?.namespace ?? namespace } }, namespaced);
  if (errors.length > 0) {
    for (const e of errors) problems.push({ ...at, object: label, message: e.toString() });
    return undefined;
  }
  const metadata = { ...(meta ?? {}) };
  for (const field of SERVER_SET_METADATA) delete metadata[field];
  if (namespaced) metadata.namespace ??= namespace;
  else delete metadata.namespace;
  if (isRecord(metadata.annotations)) {
    const annotations = { ...(metadata.annotations as Record<string, string>) };
    delete annotations[LAST_APPLIED];
    metadata.annotations = annotations;
  }
  const object: Record<string, unknown> = { ...decoded, apiVersion, kind: k, metadata };
  return {
    doc,
    kind: k,
    label: objectLabel(k, object, namespaced),
    order: known?.order ?? GENERIC_ORDER[k] ?? 3,
    object,
  };
}

function problemsOf(error: unknown, p: Prepared, fieldPrefix = ''): ManifestProblem[] {
  const at = { file: p.doc.file, document: p.doc.document, item: p.doc.item, object: p.label };
  if (error instanceof ValidationError && error.fieldErrors.length > 0) {
    const seen = new Set<string>();
    const out: ManifestProblem[] = [];
    for (const e of error.fieldErrors) {
      const message = `${fieldPrefix}${e.toString()}`;
      if (seen.has(message)) continue;
      seen.add(message);
      out.push({ ...at, message });
    }
    return out;
  }
  if (error instanceof SvcnetError) return [{ ...at, message: `${fieldPrefix}${error.message}` }];
  const message = error instanceof Error ? error.message : String(error);
  return [{ ...at, message: `${fieldPrefix}could not be applied: ${message}` }];
}

/**
 * Applies parsed manifests in one `cluster.batch`: all or nothing. Throws a ManifestError
 * listing every problem; the cluster is then left exactly as it was.
 */
export function applyManifests(cluster: Cluster, docs: readonly ManifestDocument[], options: LoadManifestsOptions = {}): AppliedManifests {
  const namespace = options.namespace ?? 'default';
  const skipped: string[] = [];
  const skip = (line: string): void => {
    skipped.push(line);
    options.warn?.(line);
  };
  const problems: ManifestProblem[] = [];
  const prepared: Prepared[] = [];
  for (const doc of docs) {
    const p = prepare(cluster, doc, namespace, problems, skip);
    if (p) prepared.push(p);
  }
  const endpointsRejected = new Set<Prepared>();
  for (const p of prepared) {
    if (p.kind !== 'Endpoints') continue;
    const found = endpointsProblems(p);
    if (found.length > 0) endpointsRejected.add(p);
    problems.push(...found);
  }

  const ordered = prepared.map((p, i) => ({ p, i })).sort((a, b) => a.p.order - b.p.order || a.i - b.i).map((e) => e.p);
  const slicedServices = new Set<string>();
  for (const p of ordered) {
    if (p.kind !== 'EndpointSlice') continue;
    const meta = p.object.metadata as Record<string, unknown>;
    const service = (meta.labels as Record<string, string> | undefined)?.[LABEL_SERVICE_NAME];
    if (service) slicedServices.add(`${meta.namespace}/${service}`);
  }
  const applied: Record<string, number> = {};
  const count = (kind: string): void => {
    applied[kind] = (applied[kind] ?? 0) + 1;
  };
  const rollback = new Error('svcnet: manifest problems');
  try {
    cluster.batch(() => {
      for (const p of ordered) {
        if (p.kind === 'Endpoints') {
          if (endpointsRejected.has(p)) continue;
          const slices = mirrorEndpoints(cluster, p, slicedServices, skip);
          slices.forEach((slice, i) => {
            try {
              cluster.batch(() => cluster.applyEndpointSlice(slice));
              count('EndpointSlice');
            } catch (error) {
              problems.push(...problemsOf(error, p, `mirrored EndpointSlice ${slice.metadata.name} (subset ${i}): `));
            }
          });
          continue;
        }
        const apply = applierFor(cluster, p.kind)!;
        try {
          cluster.batch(() => apply(p.object));
          count(p.kind);
        } catch (error) {
          problems.push(...problemsOf(error, p));
        }
      }
      if (problems.length > 0) throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
    problems.sort(byPosition);
    throw new ManifestError(problems);
  }
  return { applied, skipped };
}

function byPosition(a: ManifestProblem, b: ManifestProblem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  const d = (a.document ?? 0) - (b.document ?? 0);
  if (d !== 0) return d;
  return (a.item ?? -1) - (b.item ?? -1);
}

/** Reads, checks and applies the manifests under `paths` in one batch. */
export async function loadManifests(cluster: Cluster, paths: readonly string[], options: LoadManifestsOptions = {}): Promise<AppliedManifests> {
  const docs = await readManifests(paths);
  return applyManifests(cluster, docs, options);
}

// ---------------------------------------------------------------------------- Endpoints

interface EndpointAddressV1 {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: Endpoint['targetRef'];
}

interface EndpointPortV1 {
  name?: string;
  port: number;
  protocol?: Protocol;
  appProtocol?: string;
}

interface EndpointSubsetV1 {
  addresses?: EndpointAddressV1[];
  notReadyAddresses?: EndpointAddressV1[];
  ports?: EndpointPortV1[];
}

/** `ValidateEndpoints` (core validation): addresses, hostnames, node names and ports. */
function endpointsProblems(p: Prepared): ManifestProblem[] {
  const errs: FieldError[] = [];
  const meta = p.object.metadata as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (!name) errs.push(fe.required('metadata.name', 'name or generateName is required'));
  else for (const msg of nameIsDNSSubdomain(name)) errs.push(fe.invalid('metadata.name', name, msg));
  const subsets = (p.object.subsets ?? []) as EndpointSubsetV1[];
  subsets.forEach((subset, i) => {
    const path = `subsets[${i}]`;
    const addressErrors = (list: EndpointAddressV1[] | undefined, field: string): void => {
      (list ?? []).forEach((a, j) => {
        const ap = `${path}.${field}[${j}]`;
        if (!a.ip) errs.push(fe.required(`${ap}.ip`));
        else if (!isIP(a.ip)) errs.push(fe.invalid(`${ap}.ip`, a.ip, 'must be a valid IP address'));
        else {
          const special = specialRangeOf(parseIP(a.ip));
          if (special) errs.push(fe.invalid(`${ap}.ip`, a.ip, `may not be in the ${special} range`));
        }
        if (a.hostname) for (const msg of isDNS1123Label(a.hostname)) errs.push(fe.invalid(`${ap}.hostname`, a.hostname, msg));
        if (a.nodeName) for (const msg of nameIsDNSSubdomain(a.nodeName)) errs.push(fe.invalid(`${ap}.nodeName`, a.nodeName, msg));
      });
    };
    addressErrors(subset.addresses, 'addresses');
    addressErrors(subset.notReadyAddresses, 'notReadyAddresses');
    const ports = subset.ports ?? [];
    const names = new Set<string>();
    ports.forEach((port, k) => {
      const pp = `${path}.ports[${k}]`;
      const portName = port.name ?? '';
      if (ports.length > 1 && !portName) errs.push(fe.required(`${pp}.name`));
      else if (portName) for (const msg of isDNS1123Label(portName)) errs.push(fe.invalid(`${pp}.name`, portName, msg));
      if (names.has(portName)) errs.push(fe.duplicate(`${pp}.name`, portName));
      names.add(portName);
      if (port.port === undefined) errs.push(fe.required(`${pp}.port`));
      else for (const msg of isValidPortNum(port.port)) errs.push(fe.invalid(`${pp}.port`, port.port, msg));
      const protocol = port.protocol ?? 'TCP';
      if (!['TCP', 'UDP', 'SCTP'].includes(protocol)) errs.push(fe.notSupported(`${pp}.protocol`, protocol, ['SCTP', 'TCP', 'UDP']));
    });
  });
  const at = { file: p.doc.file, document: p.doc.document, item: p.doc.item, object: p.label };
  return errs.map((e) => ({ ...at, message: e.toString() }));
}

/** FNV-1a, to derive stable slice-name suffixes from the Endpoints' identity. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The EndpointSliceMirroring controller's output for one Endpoints object: per subset and
 * address family, a slice named `<name>-<5 chars>` (generateName; the suffix here is
 * derived from the object so reloading gives the same names), labelled with the service
 * name and the mirroring controller, ready addresses `ready: true`, not-ready addresses
 * `ready: false`, ports by name. At most 1000 addresses per subset are mirrored, as the
 * controller does. Nothing is mirrored when the Endpoints carries
 * `endpointslice.kubernetes.io/skip-mirror: "true"`, when no Service of that name
 * exists, or when the Service has a selector and EndpointSlices for it were given.
 */
function mirrorEndpoints(cluster: Cluster, p: Prepared, slicedServices: ReadonlySet<string>, skip: (line: string) => void): EndpointSlice[] {
  const meta = p.object.metadata as { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  const at = { file: p.doc.file, document: p.doc.document, item: p.doc.item, object: p.label };
  if (meta.labels?.[LABEL_SKIP_MIRROR] === 'true') return [];
  const service = cluster.getService(meta.namespace, meta.name);
  if (!service) {
    skip(formatProblem({ ...at, message: `not mirrored to EndpointSlices: no Service ${meta.namespace}/${meta.name}` }));
    return [];
  }
  if (service.spec.selector && Object.keys(service.spec.selector).length > 0 && slicedServices.has(`${meta.namespace}/${meta.name}`)) {
    skip(formatProblem({ ...at, message: 'not mirrored: the Service has a selector and its EndpointSlices were given' }));
    return [];
  }
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  delete labels[LABEL_SKIP_MIRROR];
  labels[LABEL_SERVICE_NAME] = meta.name;
  labels[LABEL_MANAGED_BY] = MIRRORING_CONTROLLER_NAME;
  const annotations = meta.annotations && Object.keys(meta.annotations).length > 0 ? { ...meta.annotations } : undefined;
  const base = `${meta.name}-`.slice(0, 58);
  const slices: EndpointSlice[] = [];
  const subsets = (p.object.subsets ?? []) as EndpointSubsetV1[];
  subsets.forEach((subset, i) => {
    const entries: { address: EndpointAddressV1; ready: boolean }[] = [];
    for (const address of subset.addresses ?? []) entries.push({ address, ready: true });
    for (const address of subset.notReadyAddresses ?? []) entries.push({ address, ready: false });
    if (entries.length > MIRRORING_MAX_ENDPOINTS_PER_SUBSET) {
      skip(formatProblem({ ...at, message: `subsets[${i}]: only the first ${MIRRORING_MAX_ENDPOINTS_PER_SUBSET} of ${entries.length} addresses are mirrored` }));
      entries.length = MIRRORING_MAX_ENDPOINTS_PER_SUBSET;
    }
    const ports: EndpointPort[] = (subset.ports ?? []).map((port) => {
      const out: EndpointPort = { name: port.name ?? '', port: port.port, protocol: port.protocol ?? 'TCP' };
      if (port.appProtocol !== undefined) out.appProtocol = port.appProtocol;
      return out;
    });
    for (const family of ['IPv4', 'IPv6'] as const) {
      const endpoints: Endpoint[] = [];
      for (const { address, ready } of entries) {
        if ((family === 'IPv6') !== isIPv6(address.ip)) continue;
        const ep: Endpoint = { addresses: [address.ip], conditions: { ready } };
        if (address.hostname) ep.hostname = address.hostname;
        if (address.nodeName) ep.nodeName = address.nodeName;
        if (address.targetRef) ep.targetRef = address.targetRef;
        endpoints.push(ep);
      }
      if (endpoints.length === 0) continue;
      const suffix = randomSuffix(new Random(fnv1a(`${meta.namespace}/${meta.name}/${i}/${family}`)));
      const slice: EndpointSlice = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${base}${suffix}`, namespace: meta.namespace, labels: { ...labels } },
        addressType: family,
        endpoints,
        ports,
      };
      if (annotations) slice.metadata.annotations = { ...annotations };
      slices.push(slice);
    }
  });
  return slices;
}
