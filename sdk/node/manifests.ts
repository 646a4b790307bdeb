/**
 * Manifests: YAML or JSON files (or folders of them) applied to a Cluster the way
 * `kubectl apply -f` would, in one atomic batch.
 *
 * - Multi-document YAML (`---`) and `kind: List` are read; YAML is read with the 1.1 rules
 *   Kubernetes' decoder uses (`yes`/`on` are booleans, `<<` merges).
 * - Kinds: Namespace, ServiceCIDR, Node, Service, Deployment, ReplicaSet, Pod,
 *   EndpointSlice, Endpoints, and every other kind the Cluster has an `apply<Kind>` method
 *   for. Objects are applied namespaces, ServiceCIDRs and Nodes first, then Services,
 *   workloads, pods, slices, Endpoints. Unknown kinds are reported through `warn` (file,
 *   document, kind) and skipped.
 * - Server-set metadata (uid, resourceVersion, creationTimestamp, generation,
 *   managedFields) and kubectl's last-applied annotation are dropped, so
 *   `kubectl get -o yaml` output loads as is. Fields svcnet does not model are dropped.
 * - The target cluster's mode decides what the objects mean (`Cluster.runsControllers`):
 *   - Controllers on: like `kubectl apply` into a live cluster. Deployments make their
 *     ReplicaSets and pods, Services their slices and Endpoints, hand-written Endpoints of
 *     Services without a selector are mirrored by the controller, LoadBalancers get their
 *     ingress. Objects a controller in these same manifests would make are not applied, so
 *     nothing is duplicated: a ReplicaSet whose controlling owner is a Deployment in the
 *     manifests, and a pod whose controlling owner is a ReplicaSet in the manifests, are
 *     skipped with a reported line (their owner makes its own, with new names and IPs).
 *     Owner references are matched by kind, namespace and name (a dump's uids are stale).
 *   - Controllers off: the manifests are state as a cluster recorded it. Pods, Nodes, IPs,
 *     hostnames and endpoint conditions are taken as given; Deployments and ReplicaSets are
 *     stored without making pods; each Endpoints is stored and mirrored into EndpointSlices
 *     here, with the controller's function (`mirrorEndpoints`) and names derived from the
 *     object, so reloading gives the same names. Not mirrored: an Endpoints with no Service
 *     of its name, or whose Service has a selector and whose EndpointSlices were given.
 * - Any problem (syntax, type, validation, a missing namespace) rejects the whole load: a
 *   ManifestError lists every problem with file, document number (1-based), object and
 *   field, and nothing is applied.
 */

import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Cluster } from '../cluster/cluster.js';
import { MIRRORING_MAX_ENDPOINTS_PER_SUBSET, mirrorEndpoints, mirroredSliceInput, shouldMirror } from '../controllers/mirroring.js';
import type { MirroredSlice } from '../controllers/mirroring.js';
import { FieldError, SvcnetError, ValidationError, fieldErrors as fe } from '../model/errors.js';
import { Random, randomSuffix } from '../model/random.js';
import { LABEL_SERVICE_NAME } from '../model/types.js';
import type { Endpoints, KubeObjectInput } from '../model/types.js';

export { LABEL_SKIP_MIRROR, MIRRORING_CONTROLLER_NAME } from '../model/types.js';
export { MIRRORING_MAX_ENDPOINTS_PER_SUBSET } from '../controllers/mirroring.js';
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
  /**
   * Receives one line per object skipped or not fully applied (unknown kind, an object its
   * owner in the manifests makes, an Endpoints not mirrored).
   */
  warn?: (line: string) => void;
}

export interface AppliedManifests {
  /**
   * Objects applied, by kind. Slices mirrored here (controllers off) count as
   * EndpointSlice; what the cluster's controllers make is not counted.
   */
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

/** A file-system error as a short message: the errno's meaning for the common codes, else the error's own text. */
export function fsMessage(error: unknown): string {
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
const NODE = obj({
  spec: obj({ podCIDR: S, podCIDRs: arr(S), unschedulable: B }),
  status: obj({
    addresses: arr(obj({ type: S, address: S })),
    conditions: arr(obj({ type: S, status: S, reason: S, message: S, lastHeartbeatTime: S, lastTransitionTime: S })),
  }),
});
const SERVICE_CIDR = obj({ spec: obj({ cidrs: arr(S) }), status: obj({ conditions: CONDITIONS }) });
const POD_SPEC = obj({
  containers: arr(obj({ name: S, image: S, ports: arr(obj({ name: S, hostPort: I, containerPort: I, protocol: S, hostIP: S })) })),
  nodeName: S,
  hostname: S,
  subdomain: S,
  setHostnameAsFQDN: B,
  hostNetwork: B,
});
const LABEL_SELECTOR = obj({ matchLabels: 'stringMap', matchExpressions: arr(obj({ key: S, operator: S, values: arr(S) })) });
const POD_TEMPLATE = obj({ metadata: obj({ labels: 'stringMap', annotations: 'stringMap' }), spec: POD_SPEC });
const WORKLOAD_STATUS = obj({ observedGeneration: I, replicas: I, updatedReplicas: I, readyReplicas: I, availableReplicas: I, fullyLabeledReplicas: I });
const DEPLOYMENT = obj({
  spec: obj({ replicas: I, selector: LABEL_SELECTOR, template: POD_TEMPLATE, revisionHistoryLimit: I }),
  status: WORKLOAD_STATUS,
});
const REPLICA_SET = obj({ spec: obj({ replicas: I, selector: LABEL_SELECTOR, template: POD_TEMPLATE }), status: WORKLOAD_STATUS });
const POD = obj({
  spec: POD_SPEC,
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
  Node: { apiVersions: ['v1'], namespaced: false, shape: NODE, order: 1 },
  Service: { apiVersions: ['v1'], namespaced: true, shape: SERVICE, order: 2 },
  Deployment: { apiVersions: ['apps/v1'], namespaced: true, shape: DEPLOYMENT, order: 3 },
  ReplicaSet: { apiVersions: ['apps/v1'], namespaced: true, shape: REPLICA_SET, order: 3 },
  Pod: { apiVersions: ['v1'], namespaced: true, shape: POD, order: 4 },
  EndpointSlice: { apiVersions: ['discovery.k8s.io/v1'], namespaced: true, shape: ENDPOINT_SLICE, order: 5 },
  Endpoints: { apiVersions: ['v1'], namespaced: true, shape: ENDPOINTS, order: 6 },
};

/** Other kinds the store may gain go after namespaces. */
const GENERIC_ORDER = 3;

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
    case 'Node':
    case 'Service':
    case 'Deployment':
    case 'ReplicaSet':
    case 'Pod':
    case 'EndpointSlice':
    case 'Endpoints':
      return (o) => cluster.apply(o as unknown as KubeObjectInput);
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
  const supported = applierFor(cluster, k) !== undefined;
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
    order: known?.order ?? GENERIC_ORDER,
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

/** `<namespace>/<name>` of the objects of one kind in the manifests. */
function namesOf(prepared: readonly Prepared[], kind: string): Set<string> {
  const out = new Set<string>();
  for (const p of prepared) {
    if (p.kind !== kind) continue;
    const meta = p.object.metadata as { name?: string; namespace?: string };
    if (meta.name) out.add(`${meta.namespace}/${meta.name}`);
  }
  return out;
}

/** The controlling owner of an object, as `<kind> <namespace>/<name>`. */
function ownerOf(p: Prepared): { kind: string; key: string } | undefined {
  const meta = p.object.metadata as { namespace?: string; ownerReferences?: { kind?: string; name?: string; controller?: boolean }[] };
  const owner = meta.ownerReferences?.find((r) => r.controller === true);
  return owner?.kind && owner.name ? { kind: owner.kind, key: `${meta.namespace}/${owner.name}` } : undefined;
}

/**
 * With controllers on, the objects a controller in these manifests makes itself: ReplicaSets
 * owned by a Deployment of the manifests, pods owned by a ReplicaSet of the manifests.
 */
function madeByOwners(prepared: readonly Prepared[]): Map<Prepared, string> {
  const deployments = namesOf(prepared, 'Deployment');
  const replicaSets = namesOf(prepared, 'ReplicaSet');
  const out = new Map<Prepared, string>();
  for (const p of prepared) {
    const owner = ownerOf(p);
    if (owner === undefined) continue;
    if (p.kind === 'ReplicaSet' && owner.kind === 'Deployment' && deployments.has(owner.key)) {
      out.set(p, `skipped: Deployment ${owner.key} in these manifests makes its own ReplicaSets (the cluster runs controllers)`);
    } else if (p.kind === 'Pod' && owner.kind === 'ReplicaSet' && replicaSets.has(owner.key)) {
      out.set(p, `skipped: ReplicaSet ${owner.key} in these manifests makes its own pods (the cluster runs controllers)`);
    }
  }
  return out;
}

/**
 * Applies parsed manifests in one `cluster.batch`: all or nothing. Throws a ManifestError
 * listing every problem; the cluster is then left exactly as it was. What the objects mean
 * follows the cluster's mode (`cluster.runsControllers`; see the module comment).
 */
export function applyManifests(cluster: Cluster, docs: readonly ManifestDocument[], options: LoadManifestsOptions = {}): AppliedManifests {
  const namespace = options.namespace ?? 'default';
  const controllers = cluster.runsControllers;
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
  const made = controllers ? madeByOwners(prepared) : new Map<Prepared, string>();

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
  let allApplied = false;
  try {
    cluster.batch(() => {
      for (const p of ordered) {
        const reason = made.get(p);
        if (reason !== undefined) {
          skip(formatProblem({ ...placeOf(p), message: reason }));
          continue;
        }
        const apply = applierFor(cluster, p.kind)!;
        let result: unknown;
        try {
          result = cluster.batch(() => apply(p.object));
          count(p.kind);
        } catch (error) {
          problems.push(...problemsOf(error, p));
          continue;
        }
        if (p.kind === 'Endpoints') {
          for (const slice of endpointsFollowUp(cluster, p, result as Endpoints, controllers, slicedServices, skip)) {
            try {
              cluster.batch(() => cluster.applyEndpointSlice(slice.input));
              count('EndpointSlice');
            } catch (error) {
              problems.push(...problemsOf(error, p, `mirrored EndpointSlice ${slice.input.metadata.name}: `));
            }
          }
        }
      }
      if (problems.length > 0) throw rollback;
      allApplied = true;
    });
  } catch (error) {
    if (error !== rollback) {
      // Every object was accepted, but the controllers, reconciling them in the same
      // batch, could not (e.g. a node's pod CIDR is full): nothing was applied.
      if (!(allApplied && controllers)) throw error;
      const files = [...new Set(docs.map((d) => d.file))].join(', ');
      const message = `the cluster's controllers could not reconcile these objects: ${error instanceof Error ? error.message : String(error)}`;
      throw new ManifestError([{ file: files, message }]);
    }
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

const placeOf = (p: Prepared): Omit<ManifestProblem, 'message'> => ({ file: p.doc.file, document: p.doc.document, item: p.doc.item, object: p.label });

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
 * Reports what becomes of a stored Endpoints and, with controllers off, returns the slices
 * to mirror it to (named `<name>-<5 characters>` derived from the Endpoints and the slice's
 * address type and ports, so that reloading gives the same names). With controllers on,
 * the mirroring controller does the mirroring; only the lines are reported here.
 */
function endpointsFollowUp(
  cluster: Cluster,
  p: Prepared,
  ep: Endpoints,
  controllers: boolean,
  slicedServices: ReadonlySet<string>,
  skip: (line: string) => void,
): { input: ReturnType<typeof mirroredSliceInput> }[] {
  const { namespace = 'default', name } = ep.metadata;
  if (!shouldMirror(ep)) return [];
  const service = cluster.getService(namespace, name);
  if (!service) {
    skip(formatProblem({ ...placeOf(p), message: `not mirrored to EndpointSlices: no Service ${namespace}/${name}` }));
    return [];
  }
  const hasSelector = Object.keys(service.spec.selector ?? {}).length > 0;
  if (controllers && hasSelector) {
    skip(formatProblem({ ...placeOf(p), message: 'not mirrored: the Service has a selector, so the endpoints controller owns this Endpoints and rewrites it' }));
    return [];
  }
  if (!controllers && hasSelector && slicedServices.has(`${namespace}/${name}`)) {
    skip(formatProblem({ ...placeOf(p), message: 'not mirrored: the Service has a selector and its EndpointSlices were given' }));
    return [];
  }
  const { slices, skipped } = mirrorEndpoints(ep);
  if (skipped > 0) {
    skip(formatProblem({ ...placeOf(p), message: `${skipped} addresses not mirrored (at most ${MIRRORING_MAX_ENDPOINTS_PER_SUBSET} per subset)` }));
  }
  if (controllers) return [];
  const named = (slice: MirroredSlice): string => {
    const ports = JSON.stringify(slice.ports.map((port) => [port.name, port.port, port.protocol]));
    return `${name}-`.slice(0, 58) + randomSuffix(new Random(fnv1a(`${namespace}/${name}/${slice.addressType}/${ports}`)));
  };
  return slices.map((slice) => ({ input: mirroredSliceInput(ep, slice, named(slice)) }));
}
