/**
 * A Kubernetes-compatible API over a `Cluster`, independent of any transport: requests in,
 * responses (or watch streams) out. `sdk/node/api-server.ts` binds it to `node:http` so a
 * real kubectl (v1.32) and @kubernetes/client-node can drive it; a browser page can call it
 * directly.
 *
 * The surface (spec/kubectl.md §3): legacy discovery (`/api`, `/apis`, `/api/v1`,
 * `/apis/<group>/<version>`), `/version`, a small `/openapi/v3` that makes kubectl trust
 * server-side field validation, and for every resource in `resources.ts`: list and get
 * (server-side Tables when `Accept` asks for `as=Table`, else objects and `<Kind>List`s),
 * label and field selectors, watch (newline-delimited events, from a resourceVersion kept
 * in a bounded history; 410 Gone when it is older), create, update (PUT, resourceVersion
 * preconditions), patch (strategic merge, JSON merge, JSON patch), delete (one, or a
 * collection by selector) and `deployments/<name>/scale`. Errors are `Status` objects with
 * the API server's reasons and messages, so kubectl prints `Error from server (NotFound): …`.
 *
 * Deviations, on purpose: deletion is immediate unless the request's DeleteOptions carries
 * `gracePeriodSeconds` (pods then show `Terminating` until it passes); every delete
 * cascades (propagationPolicy Orphan is not modelled); `dryRun` is refused; events are
 * always an empty list.
 */

import type { ChangeEvent, Cluster } from '../cluster/cluster.js';
import { BadRequestError, NotFoundError, SvcnetError, ValidationError } from '../model/errors.js';
import { labelSelectorRequirements, matchesRequirements } from '../model/labels.js';
import type { Requirement } from '../model/labels.js';
import { deepCopy } from '../model/objects.js';
import type { Deployment, KubeObject, KubeObjectInput, ResourceKind } from '../model/types.js';
import { PatchError, applyPatch, patchTypeOf } from './patch.js';
import { checkFieldSelector, matchesFields, parseApiPath, parseFieldSelector, wantsTable } from './query.js';
import type { FieldRequirement } from './query.js';
import { API_GROUPS, API_RESOURCES, groupVersionOf } from './resources.js';
import type { ApiResource } from './resources.js';
import { columnsFor, rowsFor, tableFor } from './tables.js';
import type { IncludeObject } from './tables.js';
import { decodeError, unknownFields } from './schema.js';

/** The Kubernetes version the API reports (kubectl's table formats are v1.32's). */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0' } as const;

export interface ApiRequest {
  method: string;
  /** Path and query: `/api/v1/namespaces/default/services?labelSelector=app%3Dx`. */
  url: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The request body as text (JSON), if any. */
  body?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A watch: the caller sends the headers at once, then `start`s the stream. */
export interface ApiWatch {
  status: 200;
  headers: Record<string, string>;
  /** Starts streaming: `write` gets one JSON line per event; `end` when the watch times out. Returns a stop function. */
  start(write: (line: string) => void, end: () => void): () => void;
}

export interface ApiHandlerOptions {
  /** How many changes the watch history keeps (resourceVersions older than these get 410 Gone). Default 10000. */
  historySize?: number;
  /** The server's own address for `/api`'s serverAddressByClientCIDRs. */
  serverAddress?: string;
  /** svcnet's version, reported in `/version`'s gitVersion suffix. */
  svcnetVersion?: string;
  /** Timers for graceful pod deletion and watch timeouts (tests may pass fakes). */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

const JSON_TYPE = 'application/json';

interface KindOps {
  get(namespace: string | undefined, name: string): KubeObject | undefined;
  list(namespace: string | undefined): KubeObject[];
  create(obj: KubeObjectInput): KubeObject;
  update(obj: KubeObjectInput): KubeObject;
  delete(namespace: string | undefined, name: string, options: DeleteOptions): KubeObject;
}

interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

function kindOps(c: Cluster): Record<ResourceKind, KindOps> {
  const ns = (n: string | undefined): string => n ?? 'default';
  return {
    Namespace: {
      get: (_, n) => c.getNamespace(n),
      list: () => c.listNamespaces(),
      create: (o) => c.createNamespace(o as never),
      update: (o) => c.updateNamespace(o as never),
      delete: (_, n) => c.deleteNamespace(n),
    },
    Service: {
      get: (n, name) => c.getService(ns(n), name),
      list: (n) => c.listServices(n),
      create: (o) => c.createService(o as never),
      update: (o) => c.updateService(o as never),
      delete: (n, name) => c.deleteService(ns(n), name),
    },
    EndpointSlice: {
      get: (n, name) => c.getEndpointSlice(ns(n), name),
      list: (n) => c.listEndpointSlices(n),
      create: (o) => c.createEndpointSlice(o as never),
      update: (o) => c.updateEndpointSlice(o as never),
      delete: (n, name) => c.deleteEndpointSlice(ns(n), name),
    },
    ServiceCIDR: {
      get: (_, n) => c.getServiceCIDR(n),
      list: () => c.listServiceCIDRs(),
      create: (o) => c.createServiceCIDR(o as never),
      update: (o) => c.updateServiceCIDR(o as never),
      delete: (_, n) => c.deleteServiceCIDR(n),
    },
    Pod: {
      get: (n, name) => c.getPod(ns(n), name),
      list: (n) => c.listPods(n),
      create: (o) => c.createPod(o as never),
      update: (o) => c.updatePod(o as never),
      delete: (n, name, opts) => c.deletePod(ns(n), name, { gracePeriodSeconds: opts.gracePeriodSeconds ?? 0 }),
    },
    Node: {
      get: (_, n) => c.getNode(n),
      list: () => c.listNodes(),
      create: (o) => c.createNode(o as never),
      update: (o) => c.updateNode(o as never),
      delete: (_, n) => c.deleteNode(n),
    },
    Deployment: {
      get: (n, name) => c.getDeployment(ns(n), name),
      list: (n) => c.listDeployments(n),
      create: (o) => c.createDeployment(o as never),
      update: (o) => c.updateDeployment(o as never),
      delete: (n, name) => c.deleteDeployment(ns(n), name),
    },
    ReplicaSet: {
      get: (n, name) => c.getReplicaSet(ns(n), name),
      list: (n) => c.listReplicaSets(n),
      create: (o) => c.createReplicaSet(o as never),
      update: (o) => c.updateReplicaSet(o as never),
      delete: (n, name) => c.deleteReplicaSet(ns(n), name),
    },
    Endpoints: {
      get: (n, name) => c.getEndpoints(ns(n), name),
      list: (n) => c.listEndpoints(n),
      create: (o) => c.createEndpoints(o as never),
      update: (o) => c.updateEndpoints(o as never),
      delete: (n, name) => c.deleteEndpoints(ns(n), name),
    },
  };
}

/** `metav1.Status` for an error. */
export function statusOf(error: unknown): { code: number; body: Record<string, unknown> } {
  if (error instanceof SvcnetError) {
    const details: Record<string, unknown> = {};
    const e = error as SvcnetError & { kind?: ResourceKind; name?: string };
    if (typeof e.name === 'string' && e.name !== error.constructor.name && e.name !== '') details.name = e.name;
    if (e.kind !== undefined) {
      const r = API_RESOURCES.find((x) => x.kind === e.kind);
      if (r !== undefined) {
        if (r.group !== '') details.group = r.group;
        details.kind = error instanceof ValidationError ? e.kind : r.plural;
      }
    }
    if (error instanceof ValidationError) details.causes = error.causes;
    if (error instanceof PatchError && error.causes.length > 0) details.causes = error.causes;
    const body: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: error instanceof PatchError ? error.statusMessage : error.message,
      reason: error.code,
      code: error.httpStatus,
    };
    if (error.code === '') delete body.reason;
    if (Object.keys(details).length > 0) body.details = details;
    return { code: error.httpStatus, body };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 500,
    body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', code: 500 },
  };
}

class StatusError extends SvcnetError {}

const methodNotAllowed = (): StatusError => new StatusError('MethodNotAllowed', 'the server does not allow this method on the requested resource', 405);
const notFoundPath = (): StatusError => new StatusError('NotFound', 'the server could not find the requested resource', 404);

interface HistoryEntry {
  rv: number;
  event: ChangeEvent;
}

/** The Kubernetes API over one Cluster. Call `close()` to stop listening to the Cluster. */
export class ApiHandler {
  readonly #cluster: Cluster;
  readonly #ops: Record<ResourceKind, KindOps>;
  readonly #history: HistoryEntry[] = [];
  readonly #historySize: number;
  readonly #watchers = new Set<(e: HistoryEntry) => void>();
  readonly #options: ApiHandlerOptions;
  readonly #unsubscribe: () => void;
  readonly #pendingTimers = new Set<unknown>();
  /** The oldest resourceVersion the history can replay from. */
  #horizon: number;

  constructor(cluster: Cluster, options: ApiHandlerOptions = {}) {
    this.#cluster = cluster;
    this.#ops = kindOps(cluster);
    this.#options = options;
    this.#historySize = options.historySize ?? 10000;
    this.#horizon = Number(cluster.resourceVersion);
    this.#unsubscribe = cluster.on('*', (event) => {
      const entry = { rv: Number(event.resourceVersion), event };
      this.#history.push(entry);
      if (this.#history.length > this.#historySize) {
        const dropped = this.#history.splice(0, this.#history.length - this.#historySize);
        this.#horizon = dropped[dropped.length - 1].rv;
      }
      for (const w of this.#watchers) w(entry);
    });
  }

  get cluster(): Cluster {
    return this.#cluster;
  }

  /** Stops listening to the Cluster, ends nothing else (the transport closes open watches). */
  close(): void {
    this.#unsubscribe();
    this.#watchers.clear();
    const clear = this.#options.clearTimeout ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>));
    for (const t of this.#pendingTimers) clear(t);
    this.#pendingTimers.clear();
  }

  handle(req: ApiRequest): ApiResponse | ApiWatch {
    try {
      return this.#route(req);
    } catch (error) {
      const { code, body } = statusOf(error);
      return json(code, body);
    }
  }

  #route(req: ApiRequest): ApiResponse | ApiWatch {
    const q = req.url.indexOf('?');
    const query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
    const target = parseApiPath(q < 0 ? req.url : req.url.slice(0, q));
    const method = req.method.toUpperCase();
    switch (target.kind) {
      case 'root':
        if (method !== 'GET') throw methodNotAllowed();
        return this.#root(target.path);
      case 'groupVersion':
        if (method !== 'GET') throw methodNotAllowed();
        return this.#resourceList(target.group, target.version);
      case 'openapiGroupVersion':
        return this.#openapiGroupVersion(target.group, target.version);
      case 'unknown':
        throw notFoundPath();
      case 'resource':
        break;
    }
    const { resource, namespace, name, subresource } = target;
    if (namespace !== undefined && resource.kind !== 'Namespace' && this.#cluster.getNamespace(namespace) === undefined && method !== 'GET') {
      throw new NotFoundError('Namespace', undefined, namespace);
    }
    if (resource.kind === 'Event') return this.#events(method, req, resource, namespace, query);
    const kind = resource.kind;
    if (subresource !== undefined) {
      if (kind === 'Deployment' && subresource === 'scale' && name !== undefined) return this.#scale(method, req, namespace, name);
      if (subresource === 'status' && name !== undefined && (method === 'GET' || method === 'PUT' || method === 'PATCH')) {
        // The status subresource reads and writes the whole object here (no spec/status split).
      } else throw notFoundPath();
    }
    if (name === undefined) {
      switch (method) {
        case 'GET':
          if (isTrue(query.get('watch'))) return this.#watch(req, resource, kind, namespace, query);
          return this.#list(req, resource, kind, namespace, query);
        case 'POST':
          return this.#create(req, resource, kind, namespace, query);
        case 'DELETE':
          return this.#deleteCollection(req, resource, kind, namespace, query);
        default:
          throw methodNotAllowed();
      }
    }
    switch (method) {
      case 'GET':
        return this.#get(req, resource, kind, namespace, name, query);
      case 'PUT':
        return this.#update(req, resource, kind, namespace, name, query);
      case 'PATCH':
        return this.#patch(req, resource, kind, namespace, name, query);
      case 'DELETE':
        return this.#delete(req, resource, kind, namespace, name, query);
      default:
        throw methodNotAllowed();
    }
  }

  // ------------------------------------------------------------------------ discovery

  #root(path: string): ApiResponse {
    switch (path) {
      case '/api':
        return json(200, {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.#options.serverAddress ?? '127.0.0.1:6443' }],
        });
      case '/apis':
        return json(200, {
          kind: 'APIGroupList',
          apiVersion: 'v1',
          groups: API_GROUPS.map((g) => {
            const gv = { groupVersion: `${g.name}/${g.version}`, version: g.version };
            return { name: g.name, versions: [gv], preferredVersion: gv };
          }),
        });
      case '/version':
        return json(200, {
          ...KUBERNETES_VERSION,
          gitVersion: `${KUBERNETES_VERSION.gitVersion}${this.#options.svcnetVersion ? `+svcnet-${this.#options.svcnetVersion}` : '+svcnet'}`,
          gitCommit: '',
          gitTreeState: 'clean',
          buildDate: '1970-01-01T00:00:00Z',
          goVersion: 'n/a',
          compiler: 'svcnet',
          platform: 'js/wasm',
        });
      case '/openapi/v3': {
        const paths: Record<string, { serverRelativeURL: string }> = {};
        for (const gv of this.#groupVersions()) {
          const p = gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
          paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=svcnet-${KUBERNETES_VERSION.minor}` };
        }
        return json(200, { paths });
      }
      case '/healthz':
      case '/readyz':
      case '/livez':
        return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'ok' };
      default:
        throw notFoundPath();
    }
  }

  #groupVersions(): { group: string; version: string }[] {
    return [{ group: '', version: 'v1' }, ...API_GROUPS.map((g) => ({ group: g.name, version: g.version }))];
  }

  #resourceList(group: string, version: string): ApiResponse {
    const resources = API_RESOURCES.filter((r) => r.group === group && r.version === version);
    if (resources.length === 0) throw notFoundPath();
    const list: Record<string, unknown>[] = [];
    for (const r of resources) {
      const entry: Record<string, unknown> = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
      if (r.shortNames.length > 0) entry.shortNames = r.shortNames;
      if (r.categories.length > 0) entry.categories = r.categories;
      list.push(entry);
      if (r.kind === 'Deployment') list.push({ name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    }
    return json(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersionOf({ group, version }), resources: list });
  }

  /**
   * An OpenAPI v3 document with one `patch` operation per resource carrying its GVK and
   * the `fieldValidation` parameter: what kubectl's query-param verifier looks for before
   * it sends `fieldValidation=Strict` (cli-runtime pkg/resource/query_param_verifier_v3.go).
   */
  #openapiGroupVersion(group: string, version: string): ApiResponse {
    const resources = API_RESOURCES.filter((r) => r.group === group && r.version === version);
    if (resources.length === 0) throw notFoundPath();
    const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    const paths: Record<string, unknown> = {};
    const fieldValidation = { name: 'fieldValidation', in: 'query', description: 'Ignore, Warn or Strict', schema: { type: 'string', uniqueItems: true } };
    for (const r of resources) {
      const gvk = { group, version, kind: r.kind };
      const item = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}/{name}` : `${prefix}/${r.plural}/{name}`;
      const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
      const op = (id: string) => ({ operationId: id, 'x-kubernetes-action': id.startsWith('patch') ? 'patch' : 'post', 'x-kubernetes-group-version-kind': gvk, parameters: [fieldValidation], responses: {} });
      if (r.verbs.includes('create')) paths[collection] = { post: op(`create${r.kind}`) };
      if (r.verbs.includes('patch')) paths[item] = { patch: op(`patch${r.kind}`), put: { ...op(`replace${r.kind}`), 'x-kubernetes-action': 'put' } };
    }
    return json(200, { openapi: '3.0.0', info: { title: 'Kubernetes (svcnet)', version: KUBERNETES_VERSION.gitVersion }, paths, components: { schemas: {} } });
  }

  // ------------------------------------------------------------------------ reads

  #selectors(resource: ApiResource, query: URLSearchParams): { labels: Requirement[]; fields: FieldRequirement[] } {
    const labels = labelSelectorRequirementsOrBadRequest(query.get('labelSelector'));
    const fields = parseFieldSelector(query.get('fieldSelector'));
    checkFieldSelector(resource, fields);
    return { labels, fields };
  }

  #select(kind: ResourceKind, namespace: string | undefined, labels: Requirement[], fields: FieldRequirement[]): KubeObject[] {
    return this.#ops[kind].list(namespace).filter((o) => matchesRequirements(labels, o.metadata.labels) && matchesFields(fields, o));
  }

  #list(req: ApiRequest, resource: ApiResource, kind: ResourceKind, namespace: string | undefined, query: URLSearchParams): ApiResponse {
    const { labels, fields } = this.#selectors(resource, query);
    const rv = this.#cluster.resourceVersion;
    const items = this.#select(kind, namespace, labels, fields);
    if (wantsTable(req.headers.accept)) {
      return json(200, tableFor(kind, items, { now: this.#cluster.now(), includeObject: includeObjectOf(query), resourceVersion: rv }));
    }
    return json(200, { kind: `${kind}List`, apiVersion: groupVersionOf(resource), metadata: { resourceVersion: rv }, items });
  }

  #get(req: ApiRequest, resource: ApiResource, kind: ResourceKind, namespace: string | undefined, name: string, query: URLSearchParams): ApiResponse {
    const obj = this.#ops[kind].get(namespace, name);
    if (obj === undefined) throw new NotFoundError(kind, namespace, name);
    if (wantsTable(req.headers.accept)) {
      return json(200, tableFor(kind, [obj], { now: this.#cluster.now(), includeObject: includeObjectOf(query), resourceVersion: obj.metadata.resourceVersion }));
    }
    void resource;
    return json(200, obj);
  }

  #events(method: string, req: ApiRequest, resource: ApiResource, namespace: string | undefined, query: URLSearchParams): ApiResponse | ApiWatch {
    if (method !== 'GET') throw methodNotAllowed();
    this.#selectors(resource, query);
    if (isTrue(query.get('watch'))) return this.#stream(() => () => {}, query);
    const rv = this.#cluster.resourceVersion;
    if (wantsTable(req.headers.accept)) {
      return json(200, {
        kind: 'Table',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { resourceVersion: rv },
        columnDefinitions: ['Last Seen', 'Type', 'Reason', 'Object', 'Message'].map((n) => ({ name: n, type: 'string', format: '', description: '', priority: 0 })),
        rows: [],
      });
    }
    void namespace;
    return json(200, { kind: 'EventList', apiVersion: 'v1', metadata: { resourceVersion: rv }, items: [] });
  }

  // ------------------------------------------------------------------------ watch

  #watch(req: ApiRequest, resource: ApiResource, kind: ResourceKind, namespace: string | undefined, query: URLSearchParams): ApiWatch {
    const { labels, fields } = this.#selectors(resource, query);
    const asTable = wantsTable(req.headers.accept);
    const includeObject = includeObjectOf(query);
    const matches = (o: KubeObject | undefined): boolean =>
      o !== undefined && (namespace === undefined || o.metadata.namespace === namespace) && matchesRequirements(labels, o.metadata.labels) && matchesFields(fields, o);
    const encode = (type: string, object: KubeObject): string => {
      if (!asTable) return JSON.stringify({ type, object });
      const table = {
        kind: 'Table',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { resourceVersion: object.metadata.resourceVersion },
        columnDefinitions: columnsFor(kind),
        rows: rowsFor(kind, [object], { now: this.#cluster.now(), includeObject }),
      };
      return JSON.stringify({ type, object: table });
    };
    // A change seen through a selector: entering it is ADDED, leaving it DELETED (as the API server's watch filter does).
    const translate = (e: ChangeEvent): string | undefined => {
      if (e.kind !== kind) return undefined;
      const now = e.type === 'DELETED' ? false : matches(e.object);
      const before = e.type === 'ADDED' ? false : matches(e.previous ?? e.object);
      if (e.type === 'DELETED') return before || matches(e.object) ? encode('DELETED', e.object) : undefined;
      if (now && before) return encode('MODIFIED', e.object);
      if (now) return encode('ADDED', e.object);
      if (before) return encode('DELETED', e.object);
      return undefined;
    };
    const rvParam = query.get('resourceVersion');
    const from = rvParam === null || rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    if (from !== undefined && (!Number.isInteger(from) || from < 0)) throw new BadRequestError(`invalid resource version: ${rvParam}`);
    return this.#stream((write) => {
      if (from === undefined) {
        // No resourceVersion: the current state as ADDED events first (a list-then-watch in one).
        for (const o of this.#select(kind, namespace, labels, fields)) write(encode('ADDED', o));
      } else if (from < this.#horizon) {
        write(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${from} (${this.#horizon})`, reason: 'Expired', code: 410 } }));
        return undefined;
      } else {
        for (const h of this.#history) {
          if (h.rv <= from) continue;
          const line = translate(h.event);
          if (line !== undefined) write(line);
        }
      }
      return (h: HistoryEntry) => {
        const line = translate(h.event);
        if (line !== undefined) write(line);
      };
    }, query);
  }

  /**
   * Builds a watch response: `begin` writes what comes first and returns the listener for
   * later changes (undefined ends the stream at once). `timeoutSeconds` ends it.
   */
  #stream(begin: (write: (line: string) => void) => ((h: HistoryEntry) => void) | undefined | (() => void), query: URLSearchParams): ApiWatch {
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
    return {
      status: 200,
      headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' },
      start: (write, end) => {
        const out = (line: string): void => write(`${line}\n`);
        const listener = begin(out);
        if (listener === undefined) {
          end();
          return () => {};
        }
        const watcher = listener as (h: HistoryEntry) => void;
        this.#watchers.add(watcher);
        let timer: unknown;
        const stop = (): void => {
          this.#watchers.delete(watcher);
          if (timer !== undefined) this.#clearTimer(timer);
        };
        if (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0) {
          timer = this.#setTimer(() => {
            stop();
            end();
          }, timeoutSeconds * 1000);
        }
        return stop;
      },
    };
  }

  #setTimer(fn: () => void, ms: number): unknown {
    const set = this.#options.setTimeout ?? ((f: () => void, t: number) => setTimeout(f, t));
    const handle: unknown = set(() => {
      this.#pendingTimers.delete(handle);
      fn();
    }, ms);
    this.#pendingTimers.add(handle);
    return handle;
  }

  #clearTimer(handle: unknown): void {
    const clear = this.#options.clearTimeout ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>));
    clear(handle);
    this.#pendingTimers.delete(handle);
  }

  // ------------------------------------------------------------------------ writes

  #body(req: ApiRequest, resource: ApiResource, verb: string): Record<string, unknown> {
    const text = req.body ?? '';
    if (text.trim() === '') throw new BadRequestError('the body of the request was empty');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new BadRequestError(`${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: ${detail}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new BadRequestError(`${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: ${verb} body must be a JSON object`);
    }
    return parsed as Record<string, unknown>;
  }

  /** Checks kind/apiVersion, the namespace against the path, and unknown fields under `fieldValidation=Strict`. */
  #checkObject(obj: Record<string, unknown>, resource: ApiResource, namespace: string | undefined, query: URLSearchParams): void {
    const gv = groupVersionOf(resource);
    const what = `${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}`;
    if (obj.kind !== undefined && obj.kind !== resource.kind) throw new BadRequestError(`${what}: the kind in the data (${String(obj.kind)}) does not match the expected kind (${resource.kind})`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== gv) {
      throw new BadRequestError(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${gv})`);
    }
    obj.kind = resource.kind;
    obj.apiVersion = gv;
    const meta = (obj.metadata ??= {}) as Record<string, unknown>;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new BadRequestError(`${what}: metadata must be an object`);
    if (resource.namespaced) {
      if (meta.namespace === undefined || meta.namespace === '') meta.namespace = namespace ?? 'default';
      else if (namespace !== undefined && meta.namespace !== namespace) {
        throw new BadRequestError('the namespace of the provided object does not match the namespace sent on the request');
      }
    }
    const validation = query.get('fieldValidation') ?? 'Warn';
    if (validation === 'Strict') {
      const unknown = unknownFields(resource.kind as ResourceKind, obj);
      if (unknown.length > 0) {
        const list = unknown.map((f) => `unknown field "${f}"`).join(', ');
        throw new BadRequestError(`${what}: strict decoding error: ${list}`);
      }
    }
    if (query.getAll('dryRun').length > 0) throw new BadRequestError('svcnet does not support dryRun requests');
  }

  /** Go's decoder refuses values of the wrong JSON type before anything else looks at the object. */
  #checkTypes(obj: Record<string, unknown>, resource: ApiResource): void {
    const message = decodeError(resource.kind, obj);
    if (message !== undefined) throw new BadRequestError(`${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: ${message}`);
  }

  #create(req: ApiRequest, resource: ApiResource, kind: ResourceKind, namespace: string | undefined, query: URLSearchParams): ApiResponse {
    const obj = this.#body(req, resource, 'create');
    this.#checkTypes(obj, resource);
    this.#checkObject(obj, resource, namespace, query);
    const created = this.#ops[kind].create(obj as unknown as KubeObjectInput);
    return json(201, created);
  }

  #update(req: ApiRequest, resource: ApiResource, kind: ResourceKind, namespace: string | undefined, name: string, query: URLSearchParams): ApiResponse {
    const obj = this.#body(req, resource, 'update');
    this.#checkTypes(obj, resource);
    this.#checkObject(obj, resource, namespace, query);
    const meta = obj.metadata as Record<string, unknown>;
    if (meta.name !== undefined && meta.name !== name) throw new BadRequestError('the name of the object (' + String(meta.name) + ') does not match the name on the URL (' + name + ')');
    meta.name = name;
    if (this.#ops[kind].get(namespace, name) === undefined) throw new NotFoundError(kind, namespace, name);
    return json(200, this.#ops[kind].update(obj as unknown as KubeObjectInput));
  }

  #patch(req: ApiRequest, resource: ApiResource, kind: ResourceKind, namespace: string | undefined, name: string, query: URLSearchParams): ApiResponse {
    const type = patchTypeOf(req.headers['content-type']);
    if (type === undefined) {
      throw new StatusError(
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
        415,
      );
    }
    let patch: unknown;
    try {
      patch = JSON.parse(req.body ?? '');
    } catch (error) {
      throw new BadRequestError(`error decoding patch: ${error instanceof Error ? error.message : String(error)}`);
    }
    const current = this.#ops[kind].get(namespace, name);
    if (current === undefined) throw new NotFoundError(kind, namespace, name);
    const patched = applyPatch(deepCopy(current), patch, type, kind) as Record<string, unknown>;
    if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) throw new BadRequestError('the patch does not leave an object');
    this.#checkTypes(patched, resource);
    this.#checkObject(patched, resource, namespace, query);
    const meta = patched.metadata as Record<string, unknown>;
    if (meta.name !== name) throw new BadRequestError('metadata.name cannot be changed by a patch');
    // A patch without a resourceVersion applies to whatever is stored (no precondition).
    if (!hasResourceVersion(patch)) meta.resourceVersion = current.metadata.resourceVersion;
    return json(200, this.#ops[kind].update(patched as unknown as KubeObjectInput));
  }

  #deleteOptions(req: ApiRequest, query: URLSearchParams): DeleteOptions {
    let options: DeleteOptions = {};
    if (req.body !== undefined && req.body.trim() !== '') {
      try {
        options = JSON.parse(req.body) as DeleteOptions;
      } catch (error) {
        throw new BadRequestError(`DeleteOptions in version "v1" cannot be handled as a DeleteOptions: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (options === null || typeof options !== 'object') throw new BadRequestError('DeleteOptions must be a JSON object');
    }
    const grace = query.get('gracePeriodSeconds');
    if (grace !== null) options.gracePeriodSeconds = Number(grace);
    const policy = query.get('propagationPolicy');
    if (policy !== null) options.propagationPolicy = policy;
    if (query.getAll('dryRun').length > 0 || (options.dryRun?.length ?? 0) > 0) throw new BadRequestError('svcnet does not support dryRun requests');
    if (options.gracePeriodSeconds !== undefined && (!Number.isInteger(options.gracePeriodSeconds) || options.gracePeriodSeconds < 0)) {
      throw new BadRequestError(`invalid gracePeriodSeconds: ${String(options.gracePeriodSeconds)}`);
    }
    return options;
  }

  #deleteOne(kind: ResourceKind, namespace: string | undefined, name: string, options: DeleteOptions): KubeObject {
    const current = this.#ops[kind].get(namespace, name);
    if (current === undefined) throw new NotFoundError(kind, namespace, name);
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== current.metadata.uid) {
      throw new StatusError('Conflict', `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`, 409);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw new StatusError('Conflict', `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`, 409);
    }
    const deleted = this.#ops[kind].delete(namespace, name, options);
    if (kind === 'Pod' && (options.gracePeriodSeconds ?? 0) > 0) {
      this.#setTimer(() => this.#cluster.advance(0), options.gracePeriodSeconds! * 1000 + 5);
    }
    return deleted;
  }

  #delete(req: ApiRequest, resource: ApiResource, kind: ResourceKind, namespace: string | undefined, name: string, query: URLSearchParams): ApiResponse {
    const deleted = this.#deleteOne(kind, namespace, name, this.#deleteOptions(req, query));
    if (deleted.metadata.deletionTimestamp !== undefined) return json(200, deleted);
    const details: Record<string, unknown> = { name, kind: resource.plural, uid: deleted.metadata.uid };
    if (resource.group !== '') details.group = resource.group;
    return json(200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
  }

  #deleteCollection(req: ApiRequest, resource: ApiResource, kind: ResourceKind, namespace: string | undefined, query: URLSearchParams): ApiResponse {
    if (!resource.verbs.includes('deletecollection')) throw methodNotAllowed();
    const options = this.#deleteOptions(req, query);
    const { labels, fields } = this.#selectors(resource, query);
    const targets = this.#select(kind, namespace, labels, fields);
    const deleted = this.#cluster.batch(() => targets.map((o) => this.#deleteOne(kind, o.metadata.namespace, o.metadata.name!, options)));
    return json(200, { kind: `${kind}List`, apiVersion: groupVersionOf(resource), metadata: { resourceVersion: this.#cluster.resourceVersion }, items: deleted });
  }

  // ------------------------------------------------------------------------ scale

  #scaleOf(d: Deployment): Record<string, unknown> {
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: d.metadata.name, namespace: d.metadata.namespace, uid: d.metadata.uid, resourceVersion: d.metadata.resourceVersion, creationTimestamp: d.metadata.creationTimestamp },
      spec: { replicas: d.spec.replicas ?? 1 },
      status: { replicas: d.status?.replicas ?? 0, selector: Object.entries(d.spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') },
    };
  }

  #scale(method: string, req: ApiRequest, namespace: string | undefined, name: string): ApiResponse {
    const ns = namespace ?? 'default';
    const d = this.#cluster.getDeployment(ns, name);
    if (d === undefined) throw new NotFoundError('Deployment', ns, name);
    if (method === 'GET') return json(200, this.#scaleOf(d));
    let body: unknown;
    try {
      body = JSON.parse(req.body ?? '');
    } catch (error) {
      throw new BadRequestError(`Scale in version "v1" cannot be handled as a Scale: ${error instanceof Error ? error.message : String(error)}`);
    }
    let scale: unknown;
    if (method === 'PUT') scale = body;
    else if (method === 'PATCH') {
      const type = patchTypeOf(req.headers['content-type']);
      if (type === undefined) throw new StatusError('UnsupportedMediaType', 'unsupported patch type', 415);
      scale = applyPatch(this.#scaleOf(d), body, type === 'strategic' ? 'merge' : type, 'Scale');
    } else throw methodNotAllowed();
    const replicas = (scale as { spec?: { replicas?: unknown } } | null)?.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas)) throw new BadRequestError('Scale: spec.replicas must be an integer');
    return json(200, this.#scaleOf(this.#cluster.scaleDeployment(ns, name, replicas)));
  }
}

function json(status: number, body: unknown): ApiResponse {
  return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(body) };
}

const isTrue = (v: string | null): boolean => v === 'true' || v === '1';

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  if (v === null || v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw new BadRequestError(`invalid includeObject: ${v}`);
}

function labelSelectorRequirementsOrBadRequest(text: string | null): Requirement[] {
  if (text === null || text === '') return [];
  try {
    return labelSelectorRequirements(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new BadRequestError(message.startsWith('unable to parse requirement') ? message : `unable to parse requirement: ${message}`);
  }
}

function hasResourceVersion(patch: unknown): boolean {
  const meta = (patch as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
  return meta !== null && typeof meta === 'object' && meta.resourceVersion !== undefined && meta.resourceVersion !== null;
}
