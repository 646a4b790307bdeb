/**
 * The Cluster store: Namespaces, Services, EndpointSlices, ServiceCIDRs, Pods, Nodes,
 * Deployments, ReplicaSets and v1 Endpoints, kept the way the Kubernetes API server
 * keeps them, with change events; optionally with the control plane's controllers
 * (`controllers: true`, see `sdk/controllers/store.ts`) running inside each commit.
 *
 * Contract:
 * - Every write is validated before anything changes, and is atomic: a rejected write
 *   (any error) leaves the store, the IPAM, consumers and listeners exactly as they were.
 * - Objects are stored normalised: API defaults applied, ClusterIP and node ports
 *   allocated, `metadata.uid`, `resourceVersion`, `creationTimestamp` and `generation`
 *   set by the store (input values for these are ignored, except `resourceVersion` on
 *   update, which must match or the update fails with a ConflictError).
 * - `resourceVersion` is a cluster-wide counter, bumped once per change. An update that
 *   leaves the stored object as it is changes nothing: no event, no bump.
 * - Getters return deep copies; stored objects are frozen.
 * - Changes made inside `batch(fn)` commit together. Committing hands the whole batch to
 *   every consumer in one `applyChanges` call, then calls listeners event by event, with
 *   deep copies. Events therefore fire only after the consumers (the data planes) reflect
 *   the change. Each write outside `batch` is a batch of its own.
 * - Writes are synchronous; a consumer may not write from `applyChanges`. A listener may
 *   write: its batch commits at once, and its events are delivered after the events
 *   already queued.
 */

import {
  prepareServiceUpdate,
  repackEndpointSubsets,
  setEndpointSliceDefaults,
  setEndpointsDefaults,
  setNamespaceDefaults,
  setPodDefaults,
  setServiceDefaults,
} from '../model/defaults.js';
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  FieldError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  fieldErrors,
} from '../model/errors.js';
import { formatIPv4, parseCIDR } from '../model/ip.js';
import { deepCopy, deepEqual, deepFreeze } from '../model/objects.js';
import { labelSelectorRequirements, matchesRequirements } from '../model/labels.js';
import type { LabelSelectorInput } from '../model/labels.js';
import { Random, generateName, randomUID } from '../model/random.js';
import {
  API_VERSIONS,
  LABEL_SERVICE_NAME,
  NAMESPACED,
} from '../model/types.js';
import type {
  EndpointSlice,
  EndpointSliceInput,
  IPFamily,
  KubeObject,
  KubeObjectInput,
  Namespace,
  NamespaceInput,
  ObjectMeta,
  Pod,
  PodInput,
  ResourceKind,
  Service,
  ServiceCIDR,
  ServiceCIDRInput,
  ServiceInput,
  Deployment,
  DeploymentInput,
  Endpoints,
  EndpointsInput,
  Node,
  NodeInput,
  ReplicaSet,
  ReplicaSetInput,
} from '../model/types.js';
import {
  endpointSliceErrors,
  endpointSliceUpdateErrors,
  endpointsErrors,
  endpointsUpdateErrors,
  namespaceErrors,
  namespaceUpdateErrors,
  podErrors,
  podUpdateErrors,
  serviceCIDRErrors,
  serviceCIDRUpdateErrors,
  serviceErrors,
  serviceUpdateErrors,
} from '../model/validate.js';
import { DEFAULT_SERVICE_CIDR, ServiceIPAM, bigIntToIPv6, ipv6ToBigInt } from '../controllers/ipam.js';
import type { IPAMSnapshot } from '../controllers/ipam.js';
import { EndpointSliceController, EndpointsController } from '../controllers/endpointslices.js';
import { WorkloadController } from '../controllers/workloads.js';
import { EndpointSliceMirroringController } from '../controllers/mirroring.js';
import { LoadBalancerController } from '../controllers/loadbalancer.js';
import type { Controller, ControllerStore } from '../controllers/store.js';
import {
  deploymentErrors,
  deploymentUpdateErrors,
  nodeErrors,
  nodeUpdateErrors,
  replicaSetErrors,
  replicaSetUpdateErrors,
  setDeploymentDefaults,
  setNodeDefaults,
  setReplicaSetDefaults,
} from '../model/workloads.js';
import { isPodTerminating } from '../model/pod.js';
import { Emitter } from './events.js';

export type { ResourceKind } from '../model/types.js';

export interface ChangeEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  kind: ResourceKind;
  /** The object after the change; for DELETED, its last state (with the deletion's resourceVersion). */
  object: T;
  /** The stored object before the change (MODIFIED and DELETED). */
  previous?: T;
  resourceVersion: string;
}

/**
 * Something that must reflect the cluster before anyone hears of a change (a node proxy,
 * a DNS table). `applyChanges` gets each committed batch once, in order, with frozen
 * objects. It must be all-or-nothing: if it throws, the Cluster rolls the batch back,
 * sends the consumers that had already applied it the inverse changes, and rethrows.
 */
export interface ClusterConsumer {
  applyChanges(changes: readonly ChangeEvent[]): void;
}

export interface ClusterOptions {
  /**
   * Create what a fresh kubeadm-style cluster has: namespaces default, kube-system,
   * kube-public and kube-node-lease; the ServiceCIDR `kubernetes`; the Services
   * `default/kubernetes` and `kube-system/kube-dns`. Default true.
   */
  builtins?: boolean;
  /**
   * The API server's service CIDRs (`--service-cluster-ip-range`), default
   * `['10.96.0.0/12']`; one per family for a dual-stack cluster, the primary first
   * (`['10.96.0.0/12', 'fd00:10:96::/112']`). With builtins they become the ServiceCIDR
   * `kubernetes`; without, they are the ranges used while no ServiceCIDR object holds one
   * of their family. The families with a range are the ones Services may use
   * (`ipFamilyPolicy`, `ipFamilies`); a ServiceCIDR object with a CIDR of another family
   * adds that family. IPv6 CIDRs must be /64 or longer.
   */
  serviceCIDRs?: string[];
  /** Clock for `creationTimestamp` and `deletionTimestamp`. */
  now?: () => Date;
  /** Seed of the PRNG behind allocated IPs and ports, uids and generated names. */
  seed?: number;
  /** `--service-node-port-range`, default `30000-32767`. */
  nodePortRange?: string;
  /**
   * Run the control plane's controllers inside each commit (default false): Deployments →
   * ReplicaSets → Pods (with pod IPs from the nodes' pod CIDRs), the EndpointSlice
   * controller and v1 Endpoints for Services with a selector (and the API server's
   * `default/kubernetes` Endpoints), the mirroring of hand-written Endpoints of Services
   * without one into EndpointSlices, and Docker Desktop's LoadBalancer ingress
   * (`localhost`). Off, the store keeps exactly what it is given (hand-written slices, no
   * derived objects). `runsControllers` tells which.
   */
  controllers?: boolean;
}

export interface DeletePodOptions {
  /**
   * Seconds the pod stays Terminating (deletionTimestamp set, its endpoints
   * `ready: false, serving, terminating: true`) before it goes; `advance` finishes it.
   * Default 0: deleted at once.
   */
  gracePeriodSeconds?: number;
}

export interface EndpointSliceListOptions {
  /** Only slices labelled `kubernetes.io/service-name=<serviceName>`. */
  serviceName?: string;
}

export interface PodListOptions {
  /** Only pods whose labels match: `app=sleep-2,tier!=db`, `{ app: 'sleep-2' }`, or a `LabelSelector`. */
  labelSelector?: LabelSelectorInput;
}

export interface AddConsumerOptions {
  /** First hand the consumer the current objects as one batch of ADDED changes. Default false. */
  replay?: boolean;
}

export const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
/** Namespaces the API server refuses to delete (NamespaceLifecycle admission). */
export const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public'] as const;
/** Name of the ServiceCIDR the API server creates from its flags. */
export const DEFAULT_SERVICE_CIDR_NAME = 'kubernetes';
/** Keeps a ServiceCIDR while addresses allocated from it are still in use. */
export const SERVICE_CIDR_FINALIZER = 'networking.k8s.io/service-cidr-finalizer';
const DEFAULT_SEED = 0x5eed_c1a5;

/** RFC 3339 with second resolution, as Kubernetes serialises `metav1.Time`. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The Services a kubeadm cluster starts with, single-stack in the family of the primary
 * service CIDR: `default/kubernetes` on its first address and `kube-system/kube-dns` on
 * its tenth (10.96.0.1 and 10.96.0.10; fd00:10:96::1 and fd00:10:96::a).
 */
export function builtinServices(serviceCIDR: string = DEFAULT_SERVICE_CIDR): Service[] {
  const cidr = parseCIDR(serviceCIDR);
  const nth = (n: number): string =>
    cidr.family === 'IPv4' ? formatIPv4(cidr.address + n) : bigIntToIPv6(ipv6ToBigInt(cidr.address) + BigInt(n));
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: {
        type: 'ClusterIP',
        clusterIP: nth(1),
        ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kube-dns',
        namespace: 'kube-system',
        labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
        annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
      },
      spec: {
        type: 'ClusterIP',
        clusterIP: nth(10),
        selector: { 'k8s-app': 'kube-dns' },
        ports: [
          { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
          { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
          { name: 'metrics', protocol: 'TCP', port: 9153, targetPort: 9153 },
        ],
      },
    },
  ];
}

interface Transaction {
  undo: (() => void)[];
  changes: ChangeEvent[];
}

type ListenerKind = ResourceKind | '*';

function isThenable(value: unknown): boolean {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

function copyEvent(e: ChangeEvent): ChangeEvent {
  const out: ChangeEvent = { type: e.type, kind: e.kind, object: deepCopy(e.object), resourceVersion: e.resourceVersion };
  if (e.previous !== undefined) out.previous = deepCopy(e.previous);
  return out;
}

function invertChanges(changes: readonly ChangeEvent[], resourceVersion: string): ChangeEvent[] {
  const out: ChangeEvent[] = [];
  for (let i = changes.length - 1; i >= 0; i--) {
    const c = changes[i];
    if (c.type === 'ADDED') out.push({ type: 'DELETED', kind: c.kind, object: c.object, previous: c.object, resourceVersion });
    else if (c.type === 'MODIFIED') out.push({ type: 'MODIFIED', kind: c.kind, object: c.previous!, previous: c.object, resourceVersion });
    else out.push({ type: 'ADDED', kind: c.kind, object: c.previous ?? c.object, resourceVersion });
  }
  return out;
}

function byName<T extends { metadata: ObjectMeta }>(a: T, b: T): number {
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function sortedValues<T extends { metadata: ObjectMeta }>(map: ReadonlyMap<string, T> | undefined): T[] {
  return map === undefined ? [] : [...map.values()].sort(byName);
}

export class Cluster {
  readonly #namespaces = new Map<string, Namespace>();
  readonly #services = new Map<string, Map<string, Service>>();
  readonly #slices = new Map<string, Map<string, EndpointSlice>>();
  /** `<namespace>/<service-name label>` → slice names. */
  readonly #slicesByService = new Map<string, Set<string>>();
  readonly #cidrs = new Map<string, ServiceCIDR>();
  readonly #pods = new Map<string, Map<string, Pod>>();
  readonly #nodes = new Map<string, Node>();
  readonly #deployments = new Map<string, Map<string, Deployment>>();
  readonly #replicaSets = new Map<string, Map<string, ReplicaSet>>();
  readonly #endpoints = new Map<string, Map<string, Endpoints>>();
  readonly #controllers: Controller[];
  readonly #controllerStore: ControllerStore;
  /** Milliseconds `advance` has moved the clock. */
  #offset = 0;
  #rv = 0;

  readonly #now: () => Date;
  readonly #random: Random;
  readonly #ipam: ServiceIPAM;
  readonly #emitter = new Emitter<Record<ListenerKind, ChangeEvent>>();
  readonly #consumers: ClusterConsumer[] = [];

  #tx: Transaction | null = null;
  #rollingBack = false;
  #applying = false;
  #delivering = false;
  readonly #queue: ChangeEvent[] = [];

  constructor(options: ClusterOptions = {}) {
    const clock = options.now ?? (() => new Date());
    this.#now = () => (this.#offset === 0 ? clock() : new Date(clock().getTime() + this.#offset));
    this.#controllers = options.controllers
      ? [new WorkloadController(), new EndpointSliceController(), new EndpointsController(), new EndpointSliceMirroringController(), new LoadBalancerController()]
      : [];
    this.#controllerStore = this.#makeControllerStore();
    this.#random = new Random(options.seed ?? DEFAULT_SEED);
    const serviceCIDRs = options.serviceCIDRs ?? [DEFAULT_SERVICE_CIDR];
    this.#ipam = new ServiceIPAM({
      serviceCIDRs,
      nodePortRange: options.nodePortRange,
      random: this.#random,
      journal: { record: (undo) => this.#record(undo) },
    });
    if (options.builtins ?? true) {
      const primary = serviceCIDRs[0] ?? DEFAULT_SERVICE_CIDR;
      this.#write(() => {
        for (const name of BUILTIN_NAMESPACES) this.#createNamespace({ metadata: { name } });
        this.#createServiceCIDR({ metadata: { name: DEFAULT_SERVICE_CIDR_NAME }, spec: { cidrs: [...serviceCIDRs] } });
        for (const svc of builtinServices(primary)) this.#createService(svc);
      });
    }
  }

  /** Whether the control plane's controllers run inside each commit (the `controllers` option). */
  get runsControllers(): boolean {
    return this.#controllers.length > 0;
  }

  /** The cluster-wide resourceVersion: that of the latest change. */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  // -------------------------------------------------------------------------- transactions

  #record(undo: () => void): void {
    if (this.#rollingBack) return;
    if (this.#tx === null) throw new Error('svcnet: internal error: cluster state changed outside a transaction');
    this.#tx.undo.push(undo);
  }

  #rollback(tx: Transaction, undoMark: number): void {
    this.#rollingBack = true;
    try {
      for (let i = tx.undo.length - 1; i >= undoMark; i--) tx.undo[i]();
    } finally {
      this.#rollingBack = false;
    }
    tx.undo.length = undoMark;
  }

  /** Runs fn as one batch (or as part of the enclosing one), rolling back on throw. */
  #write<T>(fn: () => T): T {
    if (this.#applying) throw new Error('svcnet: a ClusterConsumer may not change the cluster from applyChanges');
    const outer = this.#tx === null;
    if (outer) this.#tx = { undo: [], changes: [] };
    const tx = this.#tx!;
    const undoMark = tx.undo.length;
    const changeMark = tx.changes.length;
    let result: T;
    try {
      result = fn();
      if (isThenable(result)) throw new TypeError('svcnet: batch() takes a synchronous function');
      if (outer) this.#runControllers(tx);
    } catch (e) {
      this.#rollback(tx, undoMark);
      tx.changes.length = changeMark;
      if (outer) this.#tx = null;
      throw e;
    }
    if (outer) {
      this.#tx = null;
      if (tx.changes.length > 0) this.#commit(tx);
    }
    return result;
  }

  /** Hands the batch's changes to the controllers, round after round, until none writes. */
  #runControllers(tx: Transaction): void {
    if (this.#controllers.length === 0) return;
    let seen = 0;
    for (let round = 0; seen < tx.changes.length; round++) {
      if (round >= 100) throw new Error('svcnet: controllers did not settle after 100 rounds (a svcnet bug)');
      const changes = tx.changes.slice(seen);
      seen = tx.changes.length;
      for (const controller of this.#controllers) controller.reconcile(changes, this.#controllerStore);
    }
  }

  #makeControllerStore(): ControllerStore {
    const frozenList = <T extends { metadata: ObjectMeta }>(map: ReadonlyMap<string, ReadonlyMap<string, T>>, ns?: string): T[] =>
      ns === undefined ? this.#listStored(map as ReadonlyMap<string, ReadonlyMap<string, T & KubeObject>>) : sortedValues(map.get(ns));
    return {
      now: () => this.#now(),
      draw: (fn) => this.#draw(fn),
      record: (undo) => this.#record(undo),
      services: (ns) => sortedValues(this.#services.get(ns)),
      service: (ns, name) => this.#services.get(ns)?.get(name),
      updateServiceStatus: (svc) => void this.#updateService(svc),
      pods: (ns) => frozenList(this.#pods, ns),
      pod: (ns, name) => this.#pods.get(ns)?.get(name),
      createPod: (pod) => this.#createPod(pod),
      deletePod: (ns, name) => void this.#deletePod(ns, name),
      nodes: () => sortedValues(this.#nodes),
      node: (name) => this.#nodes.get(name),
      createNode: (node) => this.#createNode(node),
      deployment: (ns, name) => this.#deployments.get(ns)?.get(name),
      updateDeploymentStatus: (d) => void this.#updateDeployment(d),
      replicaSets: (ns) => sortedValues(this.#replicaSets.get(ns)),
      replicaSet: (ns, name) => this.#replicaSets.get(ns)?.get(name),
      createReplicaSet: (rs) => this.#createReplicaSet(rs),
      updateReplicaSet: (rs) => this.#updateReplicaSet(rs),
      deleteReplicaSet: (ns, name) => void this.#deleteReplicaSet(ns, name),
      slices: (ns, service) => {
        const names = this.#slicesByService.get(`${ns}/${service}`);
        if (names === undefined) return [];
        const inner = this.#slices.get(ns)!;
        return [...names].sort().map((n) => inner.get(n)!);
      },
      createSlice: (slice) => this.#createEndpointSlice(slice),
      updateSlice: (slice) => this.#updateEndpointSlice(slice),
      deleteSlice: (ns, name) => void this.#deleteEndpointSlice(ns, name),
      endpoints: (ns, name) => this.#endpoints.get(ns)?.get(name),
      putEndpoints: (ns, name, ep) => this.#putEndpoints(ns, name, ep),
    };
  }

  #commit(tx: Transaction): void {
    const changes = Object.freeze(tx.changes) as readonly ChangeEvent[];
    const applied: ClusterConsumer[] = [];
    this.#applying = true;
    try {
      for (const consumer of [...this.#consumers]) {
        consumer.applyChanges(changes);
        applied.push(consumer);
      }
    } catch (error) {
      this.#rollback(tx, 0);
      const inverse = invertChanges(changes, this.resourceVersion);
      const failures: unknown[] = [];
      for (const consumer of applied.reverse()) {
        try {
          consumer.applyChanges(inverse);
        } catch (e) {
          failures.push(e);
        }
      }
      this.#applying = false;
      if (failures.length > 0) {
        throw new AggregateError([error, ...failures], 'svcnet: a consumer rejected a change; it was rolled back, but undoing it failed in other consumers');
      }
      throw error;
    } finally {
      this.#applying = false;
    }
    this.#deliver(changes);
  }

  #deliver(changes: readonly ChangeEvent[]): void {
    this.#queue.push(...changes);
    if (this.#delivering) return;
    this.#delivering = true;
    const errors: unknown[] = [];
    try {
      for (let i = 0; i < this.#queue.length; i++) {
        const event = this.#queue[i];
        errors.push(...this.#emitter.emit(event.kind, event), ...this.#emitter.emit('*', event));
      }
    } finally {
      this.#queue.length = 0;
      this.#delivering = false;
    }
    // The change is committed; a failing listener only gets reported.
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'svcnet: listeners failed after the change was committed');
  }

  /**
   * Runs `fn` (synchronous) as one atomic batch: if it throws, every change it made is
   * rolled back (store and IPAM) and nothing reaches consumers or listeners. Otherwise
   * consumers get all its changes in one `applyChanges` call, then listeners get the
   * events one by one. Nested batches join the outer one; a nested batch that throws
   * rolls back its own changes only.
   */
  batch<T>(fn: () => T): T {
    return this.#write(fn);
  }

  // -------------------------------------------------------------------------- subscriptions

  /** Calls `listener` with a deep copy of each committed change of `kind` (or of every kind). */
  on(kind: ResourceKind | '*', listener: (event: ChangeEvent) => void): () => void {
    return this.#emitter.on(kind, (event) => listener(copyEvent(event)));
  }

  /** Adds a consumer; the returned function removes it. */
  addConsumer(consumer: ClusterConsumer, options: AddConsumerOptions = {}): () => void {
    if (this.#applying) throw new Error('svcnet: consumers may not be added from applyChanges');
    if (options.replay) {
      const rv = this.resourceVersion;
      const changes: ChangeEvent[] = [];
      const add = (kind: ResourceKind, object: KubeObject): void => {
        changes.push({ type: 'ADDED', kind, object, resourceVersion: rv });
      };
      for (const ns of sortedValues(this.#namespaces)) add('Namespace', ns);
      for (const c of sortedValues(this.#cidrs)) add('ServiceCIDR', c);
      for (const s of this.#listStored(this.#services)) add('Service', s);
      for (const s of this.#listStored(this.#slices)) add('EndpointSlice', s);
      for (const p of this.#listStored(this.#pods)) add('Pod', p);
      for (const n of sortedValues(this.#nodes)) add('Node', n);
      for (const d of this.#listStored(this.#deployments)) add('Deployment', d);
      for (const r of this.#listStored(this.#replicaSets)) add('ReplicaSet', r);
      for (const e of this.#listStored(this.#endpoints)) add('Endpoints', e);
      this.#applying = true;
      try {
        consumer.applyChanges(changes);
      } finally {
        this.#applying = false;
      }
    }
    this.#consumers.push(consumer);
    return () => {
      const i = this.#consumers.indexOf(consumer);
      if (i >= 0) this.#consumers.splice(i, 1);
    };
  }

  // -------------------------------------------------------------------------- primitives

  #bumpResourceVersion(): string {
    const old = this.#rv;
    this.#rv = old + 1;
    this.#record(() => {
      this.#rv = old;
    });
    return String(this.#rv);
  }

  #draw<T>(fn: (random: Random) => T): T {
    const state = this.#random.state;
    this.#record(() => {
      this.#random.state = state;
    });
    return fn(this.#random);
  }

  #writeNamespace(name: string, value: Namespace | undefined): Namespace | undefined {
    const old = this.#namespaces.get(name);
    if (value) this.#namespaces.set(name, value);
    else this.#namespaces.delete(name);
    return old;
  }

  #writeService(ns: string, name: string, value: Service | undefined): Service | undefined {
    let inner = this.#services.get(ns);
    if (inner === undefined) {
      inner = new Map();
      this.#services.set(ns, inner);
    }
    const old = inner.get(name);
    if (value) inner.set(name, value);
    else inner.delete(name);
    return old;
  }

  #sliceIndexKey(slice: EndpointSlice): string | undefined {
    const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    return svc === undefined ? undefined : `${slice.metadata.namespace}/${svc}`;
  }

  #writeSlice(ns: string, name: string, value: EndpointSlice | undefined): EndpointSlice | undefined {
    let inner = this.#slices.get(ns);
    if (inner === undefined) {
      inner = new Map();
      this.#slices.set(ns, inner);
    }
    const old = inner.get(name);
    if (old) {
      const k = this.#sliceIndexKey(old);
      if (k !== undefined) {
        const set = this.#slicesByService.get(k);
        set?.delete(name);
        if (set?.size === 0) this.#slicesByService.delete(k);
      }
    }
    if (value) {
      inner.set(name, value);
      const k = this.#sliceIndexKey(value);
      if (k !== undefined) {
        let set = this.#slicesByService.get(k);
        if (set === undefined) {
          set = new Set();
          this.#slicesByService.set(k, set);
        }
        set.add(name);
      }
    } else {
      inner.delete(name);
    }
    return old;
  }

  #writePod(ns: string, name: string, value: Pod | undefined): Pod | undefined {
    let inner = this.#pods.get(ns);
    if (inner === undefined) {
      inner = new Map();
      this.#pods.set(ns, inner);
    }
    const old = inner.get(name);
    if (value) inner.set(name, value);
    else inner.delete(name);
    return old;
  }

  #writeNested<T>(map: Map<string, Map<string, T>>, ns: string, name: string, value: T | undefined): T | undefined {
    let inner = map.get(ns);
    if (inner === undefined) {
      inner = new Map();
      map.set(ns, inner);
    }
    const old = inner.get(name);
    if (value) inner.set(name, value);
    else inner.delete(name);
    return old;
  }

  #writeNode(name: string, value: Node | undefined): Node | undefined {
    const old = this.#nodes.get(name);
    if (value) this.#nodes.set(name, value);
    else this.#nodes.delete(name);
    return old;
  }

  #writeCIDR(name: string, value: ServiceCIDR | undefined): ServiceCIDR | undefined {
    const old = this.#cidrs.get(name);
    if (value) this.#cidrs.set(name, value);
    else this.#cidrs.delete(name);
    return old;
  }

  /** Stores (or removes) an object, records the undo, and queues the change event. */
  #store(type: ChangeEvent['type'], kind: ResourceKind, object: KubeObject, previous?: KubeObject): void {
    const rv = this.#bumpResourceVersion();
    let stored: KubeObject;
    if (type === 'DELETED') {
      stored = deepFreeze({ ...object, metadata: { ...object.metadata, resourceVersion: rv } } as KubeObject);
    } else {
      object.metadata.resourceVersion = rv;
      stored = deepFreeze(object);
    }
    const ns = object.metadata.namespace ?? '';
    const name = object.metadata.name ?? '';
    const value = type === 'DELETED' ? undefined : stored;
    switch (kind) {
      case 'Namespace': {
        const old = this.#writeNamespace(name, value as Namespace | undefined);
        this.#record(() => this.#writeNamespace(name, old));
        break;
      }
      case 'Service': {
        const old = this.#writeService(ns, name, value as Service | undefined);
        this.#record(() => this.#writeService(ns, name, old));
        break;
      }
      case 'EndpointSlice': {
        const old = this.#writeSlice(ns, name, value as EndpointSlice | undefined);
        this.#record(() => this.#writeSlice(ns, name, old));
        break;
      }
      case 'ServiceCIDR': {
        const old = this.#writeCIDR(name, value as ServiceCIDR | undefined);
        this.#record(() => this.#writeCIDR(name, old));
        break;
      }
      case 'Pod': {
        const old = this.#writePod(ns, name, value as Pod | undefined);
        this.#record(() => this.#writePod(ns, name, old));
        break;
      }
      case 'Node': {
        const old = this.#writeNode(name, value as Node | undefined);
        this.#record(() => this.#writeNode(name, old));
        break;
      }
      case 'Deployment':
      case 'ReplicaSet':
      case 'Endpoints': {
        const map = (kind === 'Deployment' ? this.#deployments : kind === 'ReplicaSet' ? this.#replicaSets : this.#endpoints) as Map<string, Map<string, KubeObject>>;
        const old = this.#writeNested(map, ns, name, value);
        this.#record(() => this.#writeNested(map, ns, name, old));
        break;
      }
    }
    const change: ChangeEvent = { type, kind, object: stored, resourceVersion: rv };
    if (previous !== undefined) change.previous = previous;
    this.#tx!.changes.push(change);
  }

  // -------------------------------------------------------------------------- preparation

  /**
   * A mutable copy of the input with apiVersion and kind checked and set, the namespace
   * defaulted (`default`) or cleared for cluster-scoped kinds.
   */
  #prepare<T extends KubeObject>(input: unknown, kind: ResourceKind): T {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new BadRequestError(`svcnet: expected a ${kind} object`);
    }
    const obj = deepCopy(input) as Record<string, unknown> & { metadata?: ObjectMeta };
    if (obj.kind !== undefined && obj.kind !== kind) {
      throw new BadRequestError(`svcnet: expected an object of kind ${JSON.stringify(kind)}, got ${JSON.stringify(obj.kind)}`);
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== API_VERSIONS[kind]) {
      throw new BadRequestError(`no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(obj.apiVersion)}`);
    }
    const meta = (obj.metadata !== null && typeof obj.metadata === 'object' ? obj.metadata : {}) as ObjectMeta;
    if (NAMESPACED[kind]) meta.namespace ||= 'default';
    else delete meta.namespace;
    // Canonical key order, as the API server serialises objects.
    const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj;
    return { apiVersion: API_VERSIONS[kind], kind, metadata: meta, ...rest } as unknown as T;
  }

  /** Server-set metadata of a new object; resolves `generateName`. */
  #prepareCreate(obj: KubeObject, exists: (name: string) => boolean): void {
    const meta = obj.metadata;
    if (meta.resourceVersion) throw new BadRequestError('resourceVersion should not be set on objects to be created');
    if (!meta.name && meta.generateName) {
      const base = meta.generateName;
      let name = this.#draw((r) => generateName(r, base));
      for (let i = 0; i < 8 && exists(name); i++) name = this.#draw((r) => generateName(r, base));
      meta.name = name;
    }
    delete meta.deletionTimestamp;
    delete meta.uid;
    delete meta.creationTimestamp;
    delete meta.generation;
  }

  #stampCreate(obj: KubeObject): void {
    obj.metadata.uid = this.#draw(randomUID);
    obj.metadata.creationTimestamp = formatTimestamp(this.#now());
    obj.metadata.generation = 1;
  }

  /** Carries server-set metadata from the stored object; fails on a stale resourceVersion. */
  #prepareUpdate(kind: ResourceKind, next: KubeObject, prev: KubeObject): void {
    const meta = next.metadata;
    const old = prev.metadata;
    if (meta.resourceVersion && meta.resourceVersion !== old.resourceVersion) {
      throw new ConflictError(kind, old.namespace, old.name ?? '');
    }
    meta.resourceVersion = old.resourceVersion;
    if (!meta.uid) meta.uid = old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    meta.generation = old.generation;
    if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
    else delete meta.deletionTimestamp;
    delete meta.generateName;
    if (old.generateName) meta.generateName = old.generateName;
  }

  #throwIfInvalid(kind: ResourceKind, obj: KubeObject, errors: FieldError[]): void {
    if (errors.length > 0) throw new ValidationError(kind, obj.metadata.namespace, obj.metadata.name ?? '', errors);
  }

  #requireName(kind: ResourceKind, obj: KubeObject): string {
    const name = obj.metadata.name;
    if (!name) throw new ValidationError(kind, obj.metadata.namespace, '', [fieldErrors.required('metadata.name', 'name or generateName is required')]);
    return name;
  }

  #requireNamespace(namespace: string): void {
    if (!this.#namespaces.has(namespace)) throw new NotFoundError('Namespace', undefined, namespace);
  }

  // -------------------------------------------------------------------------- Namespaces

  #createNamespace(input: NamespaceInput): Namespace {
    const obj = this.#prepare<Namespace>(input, 'Namespace');
    this.#prepareCreate(obj, (n) => this.#namespaces.has(n));
    setNamespaceDefaults(obj);
    this.#throwIfInvalid('Namespace', obj, namespaceErrors(obj));
    const name = obj.metadata.name!;
    if (this.#namespaces.has(name)) throw new AlreadyExistsError('Namespace', undefined, name);
    this.#stampCreate(obj);
    this.#store('ADDED', 'Namespace', obj);
    return obj;
  }

  #updateNamespace(input: NamespaceInput): Namespace {
    const next = this.#prepare<Namespace>(input, 'Namespace');
    const name = this.#requireName('Namespace', next);
    const prev = this.#namespaces.get(name);
    if (prev === undefined) throw new NotFoundError('Namespace', undefined, name);
    this.#prepareUpdate('Namespace', next, prev);
    setNamespaceDefaults(next);
    next.status = { ...prev.status };
    this.#throwIfInvalid('Namespace', next, namespaceUpdateErrors(next, prev));
    if (deepEqual(next, prev)) return prev;
    if (!deepEqual(next.spec, prev.spec)) next.metadata.generation = (prev.metadata.generation ?? 0) + 1;
    this.#store('MODIFIED', 'Namespace', next, prev);
    return next;
  }

  #deleteNamespace(name: string): Namespace {
    if ((IMMORTAL_NAMESPACES as readonly string[]).includes(name)) {
      throw new ForbiddenError('Namespace', undefined, name, 'this namespace may not be deleted');
    }
    const prev = this.#namespaces.get(name);
    if (prev === undefined) throw new NotFoundError('Namespace', undefined, name);
    for (const d of sortedValues(this.#deployments.get(name))) this.#store('DELETED', 'Deployment', d, d);
    for (const rs of sortedValues(this.#replicaSets.get(name))) this.#store('DELETED', 'ReplicaSet', rs, rs);
    for (const pod of sortedValues(this.#pods.get(name))) this.#deletePod(name, pod.metadata.name!);
    for (const ep of sortedValues(this.#endpoints.get(name))) this.#store('DELETED', 'Endpoints', ep, ep);
    for (const slice of sortedValues(this.#slices.get(name))) this.#deleteEndpointSlice(name, slice.metadata.name!);
    for (const svc of sortedValues(this.#services.get(name))) this.#deleteService(name, svc.metadata.name!);
    this.#store('DELETED', 'Namespace', prev, prev);
    return prev;
  }

  createNamespace(ns: NamespaceInput): Namespace {
    return deepCopy(this.#write(() => this.#createNamespace(ns)));
  }

  /** Updates labels, annotations and finalizers of an existing Namespace. */
  updateNamespace(ns: NamespaceInput): Namespace {
    return deepCopy(this.#write(() => this.#updateNamespace(ns)));
  }

  applyNamespace(ns: NamespaceInput): Namespace {
    return deepCopy(
      this.#write(() => {
        const name = ns?.metadata?.name;
        if (name && this.#namespaces.has(name)) return this.#updateNamespace(ns);
        return this.#createNamespace({ ...ns, metadata: { ...ns.metadata, resourceVersion: undefined } });
      }),
    );
  }

  getNamespace(name: string): Namespace | undefined {
    const ns = this.#namespaces.get(name);
    return ns === undefined ? undefined : deepCopy(ns);
  }

  listNamespaces(): Namespace[] {
    return sortedValues(this.#namespaces).map(deepCopy);
  }

  /**
   * Deletes a Namespace and everything in it: a DELETED event for each Deployment,
   * ReplicaSet, Pod, Endpoints, EndpointSlice and Service, then one for the Namespace, all in one batch. (The API server deletes
   * asynchronously through a Terminating phase; the store does it at once.)
   */
  deleteNamespace(name: string): Namespace {
    return deepCopy(this.#write(() => this.#deleteNamespace(name)));
  }

  // -------------------------------------------------------------------------- Services

  #createService(input: ServiceInput): Service {
    const obj = this.#prepare<Service>(input, 'Service');
    const ns = obj.metadata.namespace!;
    this.#requireNamespace(ns);
    this.#prepareCreate(obj, (n) => this.#services.get(ns)?.has(n) ?? false);
    obj.spec ??= {};
    // As the API server: IP families are initialised (and refused) before validation.
    setServiceDefaults(obj, { skipIPFamilies: true });
    this.#throwIfInvalid('Service', obj, this.#ipam.initIPFamilyFields(obj));
    this.#throwIfInvalid('Service', obj, serviceErrors(obj));
    const name = obj.metadata.name!;
    if (this.#services.get(ns)?.has(name)) throw new AlreadyExistsError('Service', ns, name);
    this.#ipam.allocate(obj);
    this.#stampCreate(obj);
    this.#store('ADDED', 'Service', obj);
    return obj;
  }

  #updateService(input: ServiceInput): Service {
    const next = this.#prepare<Service>(input, 'Service');
    const ns = next.metadata.namespace!;
    const name = this.#requireName('Service', next);
    const prev = this.#services.get(ns)?.get(name);
    if (prev === undefined) throw new NotFoundError('Service', ns, name);
    this.#prepareUpdate('Service', next, prev);
    next.spec ??= {};
    // No status subresource: an input without status keeps the stored one.
    if (next.status === undefined && prev.status !== undefined) next.status = deepCopy(prev.status);
    prepareServiceUpdate(next, prev, { skipIPFamilies: true });
    this.#throwIfInvalid('Service', next, this.#ipam.initIPFamilyFields(next, prev));
    this.#throwIfInvalid('Service', next, serviceUpdateErrors(next, prev));
    if (deepEqual(next, prev)) return prev;
    this.#ipam.update(prev, next);
    if (!deepEqual(next.spec, prev.spec)) next.metadata.generation = (prev.metadata.generation ?? 0) + 1;
    this.#store('MODIFIED', 'Service', next, prev);
    this.#finalizeServiceCIDRs();
    return next;
  }

  #deleteService(ns: string, name: string): Service {
    const prev = this.#services.get(ns)?.get(name);
    if (prev === undefined) throw new NotFoundError('Service', ns, name);
    this.#ipam.release(prev);
    this.#store('DELETED', 'Service', prev, prev);
    this.#finalizeServiceCIDRs();
    return prev;
  }

  /**
   * Creates a Service. Defaults are applied, the object validated, a ClusterIP and node
   * ports allocated (requested values are honoured when free and in range). Throws
   * NotFoundError (namespace), ValidationError, AlreadyExistsError, InternalError (a
   * range is full).
   */
  createService(svc: ServiceInput): Service {
    return deepCopy(this.#write(() => this.#createService(svc)));
  }

  /**
   * Replaces a Service's spec, labels and annotations (and its status, when the input has
   * one: there is no status subresource). Values the server allocated and the input omits
   * (clusterIP, node ports, health check port) are kept; the ClusterIP cannot change.
   * Throws NotFoundError, ConflictError (stale resourceVersion), ValidationError.
   * Re-sending the stored object, or the manifest it was created from, changes nothing.
   */
  updateService(svc: ServiceInput): Service {
    return deepCopy(this.#write(() => this.#updateService(svc)));
  }

  /** Creates the Service, or updates it if it exists. */
  applyService(svc: ServiceInput): Service {
    return deepCopy(
      this.#write(() => {
        const ns = svc?.metadata?.namespace || 'default';
        const name = svc?.metadata?.name;
        if (name && this.#services.get(ns)?.has(name)) return this.#updateService(svc);
        return this.#createService({ ...svc, metadata: { ...svc.metadata, resourceVersion: undefined } });
      }),
    );
  }

  getService(namespace: string, name: string): Service | undefined {
    const svc = this.#services.get(namespace)?.get(name);
    return svc === undefined ? undefined : deepCopy(svc);
  }

  /** Services of one namespace, or of all, sorted by namespace then name. */
  listServices(namespace?: string): Service[] {
    const list = namespace === undefined ? this.#listStored(this.#services) : sortedValues(this.#services.get(namespace));
    return list.map(deepCopy);
  }

  /** Deletes a Service and frees its ClusterIP and node ports. */
  deleteService(namespace: string, name: string): Service {
    return deepCopy(this.#write(() => this.#deleteService(namespace, name)));
  }

  #listStored<T extends KubeObject>(map: ReadonlyMap<string, ReadonlyMap<string, T>>): T[] {
    const out: T[] = [];
    for (const ns of [...map.keys()].sort()) out.push(...sortedValues(map.get(ns)));
    return out;
  }

  // -------------------------------------------------------------------------- EndpointSlices

  #createEndpointSlice(input: EndpointSliceInput): EndpointSlice {
    const obj = this.#prepare<EndpointSlice>(input, 'EndpointSlice');
    const ns = obj.metadata.namespace!;
    this.#requireNamespace(ns);
    this.#prepareCreate(obj, (n) => this.#slices.get(ns)?.has(n) ?? false);
    setEndpointSliceDefaults(obj);
    this.#throwIfInvalid('EndpointSlice', obj, endpointSliceErrors(obj));
    const name = obj.metadata.name!;
    if (this.#slices.get(ns)?.has(name)) throw new AlreadyExistsError('EndpointSlice', ns, name);
    this.#stampCreate(obj);
    this.#store('ADDED', 'EndpointSlice', obj);
    return obj;
  }

  #updateEndpointSlice(input: EndpointSliceInput): EndpointSlice {
    const next = this.#prepare<EndpointSlice>(input, 'EndpointSlice');
    const ns = next.metadata.namespace!;
    const name = this.#requireName('EndpointSlice', next);
    const prev = this.#slices.get(ns)?.get(name);
    if (prev === undefined) throw new NotFoundError('EndpointSlice', ns, name);
    this.#prepareUpdate('EndpointSlice', next, prev);
    setEndpointSliceDefaults(next);
    this.#throwIfInvalid('EndpointSlice', next, endpointSliceUpdateErrors(next, prev));
    if (deepEqual(next, prev)) return prev;
    // discovery strategy: any change outside metadata, or to the labels, is a new generation.
    const { metadata: nm, ...nBody } = next;
    const { metadata: pm, ...pBody } = prev;
    if (!deepEqual(nBody, pBody) || !deepEqual(nm.labels, pm.labels)) next.metadata.generation = (pm.generation ?? 0) + 1;
    this.#store('MODIFIED', 'EndpointSlice', next, prev);
    return next;
  }

  #deleteEndpointSlice(ns: string, name: string): EndpointSlice {
    const prev = this.#slices.get(ns)?.get(name);
    if (prev === undefined) throw new NotFoundError('EndpointSlice', ns, name);
    this.#store('DELETED', 'EndpointSlice', prev, prev);
    return prev;
  }

  createEndpointSlice(eps: EndpointSliceInput): EndpointSlice {
    return deepCopy(this.#write(() => this.#createEndpointSlice(eps)));
  }

  updateEndpointSlice(eps: EndpointSliceInput): EndpointSlice {
    return deepCopy(this.#write(() => this.#updateEndpointSlice(eps)));
  }

  applyEndpointSlice(eps: EndpointSliceInput): EndpointSlice {
    return deepCopy(
      this.#write(() => {
        const ns = eps?.metadata?.namespace || 'default';
        const name = eps?.metadata?.name;
        if (name && this.#slices.get(ns)?.has(name)) return this.#updateEndpointSlice(eps);
        return this.#createEndpointSlice({ ...eps, metadata: { ...eps.metadata, resourceVersion: undefined } });
      }),
    );
  }

  getEndpointSlice(namespace: string, name: string): EndpointSlice | undefined {
    const eps = this.#slices.get(namespace)?.get(name);
    return eps === undefined ? undefined : deepCopy(eps);
  }

  /** Slices of one namespace or all, optionally of one Service, sorted by namespace then name. */
  listEndpointSlices(namespace?: string, options: EndpointSliceListOptions = {}): EndpointSlice[] {
    const { serviceName } = options;
    if (serviceName === undefined) {
      const list = namespace === undefined ? this.#listStored(this.#slices) : sortedValues(this.#slices.get(namespace));
      return list.map(deepCopy);
    }
    const namespaces = namespace === undefined ? [...this.#slices.keys()].sort() : [namespace];
    const out: EndpointSlice[] = [];
    for (const ns of namespaces) {
      const names = this.#slicesByService.get(`${ns}/${serviceName}`);
      if (names === undefined) continue;
      const inner = this.#slices.get(ns)!;
      out.push(...[...names].sort().map((n) => deepCopy(inner.get(n)!)));
    }
    return out;
  }

  deleteEndpointSlice(namespace: string, name: string): EndpointSlice {
    return deepCopy(this.#write(() => this.#deleteEndpointSlice(namespace, name)));
  }

  // -------------------------------------------------------------------------- ServiceCIDRs

  #createServiceCIDR(input: ServiceCIDRInput): ServiceCIDR {
    const obj = this.#prepare<ServiceCIDR>(input, 'ServiceCIDR');
    this.#prepareCreate(obj, (n) => this.#cidrs.has(n));
    const finalizers = obj.metadata.finalizers ?? [];
    if (!finalizers.includes(SERVICE_CIDR_FINALIZER)) finalizers.push(SERVICE_CIDR_FINALIZER);
    obj.metadata.finalizers = finalizers;
    this.#throwIfInvalid('ServiceCIDR', obj, serviceCIDRErrors(obj));
    const name = obj.metadata.name!;
    if (this.#cidrs.has(name)) throw new AlreadyExistsError('ServiceCIDR', undefined, name);
    this.#ipam.addServiceCIDR(name, obj.spec.cidrs);
    this.#stampCreate(obj);
    this.#store('ADDED', 'ServiceCIDR', obj);
    this.#finalizeServiceCIDRs();
    return obj;
  }

  #updateServiceCIDR(input: ServiceCIDRInput): ServiceCIDR {
    const next = this.#prepare<ServiceCIDR>(input, 'ServiceCIDR');
    const name = this.#requireName('ServiceCIDR', next);
    const prev = this.#cidrs.get(name);
    if (prev === undefined) throw new NotFoundError('ServiceCIDR', undefined, name);
    this.#prepareUpdate('ServiceCIDR', next, prev);
    if (next.status === undefined && prev.status !== undefined) next.status = deepCopy(prev.status);
    const finalizers = next.metadata.finalizers ?? [];
    if (!finalizers.includes(SERVICE_CIDR_FINALIZER)) finalizers.push(SERVICE_CIDR_FINALIZER);
    next.metadata.finalizers = finalizers;
    this.#throwIfInvalid('ServiceCIDR', next, serviceCIDRUpdateErrors(next, prev));
    if (deepEqual(next, prev)) return prev;
    this.#store('MODIFIED', 'ServiceCIDR', next, prev);
    return next;
  }

  /**
   * Deletes at once when no allocated ClusterIP depends on the ServiceCIDR alone; else the
   * object stays, marked with a `deletionTimestamp` (MODIFIED), no longer used for new
   * addresses, and goes (DELETED) when the last such address is released — the finalizer
   * behaviour of the API server.
   */
  #deleteServiceCIDR(name: string): ServiceCIDR {
    const prev = this.#cidrs.get(name);
    if (prev === undefined) throw new NotFoundError('ServiceCIDR', undefined, name);
    if (prev.metadata.deletionTimestamp) return prev;
    this.#ipam.removeServiceCIDR(name);
    if (this.#ipam.orphanedIn(prev.spec.cidrs) === 0) {
      this.#store('DELETED', 'ServiceCIDR', prev, prev);
      return prev;
    }
    const next = deepCopy(prev);
    next.metadata.deletionTimestamp = formatTimestamp(this.#now());
    this.#store('MODIFIED', 'ServiceCIDR', next, prev);
    return next;
  }

  #finalizeServiceCIDRs(): void {
    for (const cidr of [...this.#cidrs.values()]) {
      if (cidr.metadata.deletionTimestamp && this.#ipam.orphanedIn(cidr.spec.cidrs) === 0) {
        this.#store('DELETED', 'ServiceCIDR', cidr, cidr);
      }
    }
  }

  createServiceCIDR(cidr: ServiceCIDRInput): ServiceCIDR {
    return deepCopy(this.#write(() => this.#createServiceCIDR(cidr)));
  }

  /** Updates labels and annotations; `spec.cidrs` is immutable. */
  updateServiceCIDR(cidr: ServiceCIDRInput): ServiceCIDR {
    return deepCopy(this.#write(() => this.#updateServiceCIDR(cidr)));
  }

  applyServiceCIDR(cidr: ServiceCIDRInput): ServiceCIDR {
    return deepCopy(
      this.#write(() => {
        const name = cidr?.metadata?.name;
        if (name && this.#cidrs.has(name)) return this.#updateServiceCIDR(cidr);
        return this.#createServiceCIDR({ ...cidr, metadata: { ...cidr.metadata, resourceVersion: undefined } });
      }),
    );
  }

  getServiceCIDR(name: string): ServiceCIDR | undefined {
    const c = this.#cidrs.get(name);
    return c === undefined ? undefined : deepCopy(c);
  }

  listServiceCIDRs(): ServiceCIDR[] {
    return sortedValues(this.#cidrs).map(deepCopy);
  }

  deleteServiceCIDR(name: string): ServiceCIDR {
    return deepCopy(this.#write(() => this.#deleteServiceCIDR(name)));
  }

  // -------------------------------------------------------------------------- Pods

  #createPod(input: PodInput): Pod {
    const obj = this.#prepare<Pod>(input, 'Pod');
    const ns = obj.metadata.namespace!;
    this.#requireNamespace(ns);
    this.#prepareCreate(obj, (n) => this.#pods.get(ns)?.has(n) ?? false);
    setPodDefaults(obj);
    this.#throwIfInvalid('Pod', obj, podErrors(obj));
    const name = obj.metadata.name!;
    if (this.#pods.get(ns)?.has(name)) throw new AlreadyExistsError('Pod', ns, name);
    this.#stampCreate(obj);
    this.#store('ADDED', 'Pod', obj);
    return obj;
  }

  #updatePod(input: PodInput): Pod {
    const next = this.#prepare<Pod>(input, 'Pod');
    const ns = next.metadata.namespace!;
    const name = this.#requireName('Pod', next);
    const prev = this.#pods.get(ns)?.get(name);
    if (prev === undefined) throw new NotFoundError('Pod', ns, name);
    this.#prepareUpdate('Pod', next, prev);
    // No status subresource: an input without status keeps the stored one.
    if (next.status === undefined && prev.status !== undefined) next.status = deepCopy(prev.status);
    setPodDefaults(next);
    this.#throwIfInvalid('Pod', next, podUpdateErrors(next, prev));
    if (deepEqual(next, prev)) return prev;
    if (!deepEqual(next.spec, prev.spec)) next.metadata.generation = (prev.metadata.generation ?? 0) + 1;
    this.#store('MODIFIED', 'Pod', next, prev);
    return next;
  }

  #deletePod(ns: string, name: string, gracePeriodSeconds = 0): Pod {
    const prev = this.#pods.get(ns)?.get(name);
    if (prev === undefined) throw new NotFoundError('Pod', ns, name);
    if (!Number.isInteger(gracePeriodSeconds) || gracePeriodSeconds < 0) {
      throw new BadRequestError(`svcnet: gracePeriodSeconds must be a non-negative integer, got ${gracePeriodSeconds}`);
    }
    const now = this.#now().getTime();
    const due = now + gracePeriodSeconds * 1000;
    const pending = prev.metadata.deletionTimestamp ? Date.parse(prev.metadata.deletionTimestamp) : undefined;
    if (gracePeriodSeconds === 0 || (pending !== undefined && pending <= now)) {
      this.#store('DELETED', 'Pod', prev, prev);
      return prev;
    }
    // A second delete may shorten the grace period, never lengthen it.
    if (pending !== undefined && pending <= due) return prev;
    const next = deepCopy(prev);
    next.metadata.deletionTimestamp = formatTimestamp(new Date(due));
    next.metadata.deletionGracePeriodSeconds = gracePeriodSeconds;
    this.#store('MODIFIED', 'Pod', next, prev);
    return next;
  }

  /**
   * Creates a Pod as a controller or kubelet would leave it: the store keeps the input's
   * status (phase, IPs, conditions) since it has no status subresource; phase defaults
   * to Pending. Throws NotFoundError (namespace), ValidationError, AlreadyExistsError.
   */
  createPod(pod: PodInput): Pod {
    return deepCopy(this.#write(() => this.#createPod(pod)));
  }

  /**
   * Updates labels, annotations, status, container images, and `spec.nodeName` while it
   * is unset (binding); other spec changes are Forbidden, as the API server rules.
   */
  updatePod(pod: PodInput): Pod {
    return deepCopy(this.#write(() => this.#updatePod(pod)));
  }

  applyPod(pod: PodInput): Pod {
    return deepCopy(
      this.#write(() => {
        const ns = pod?.metadata?.namespace || 'default';
        const name = pod?.metadata?.name;
        if (name && this.#pods.get(ns)?.has(name)) return this.#updatePod(pod);
        return this.#createPod({ ...pod, metadata: { ...pod.metadata, resourceVersion: undefined } });
      }),
    );
  }

  getPod(namespace: string, name: string): Pod | undefined {
    const pod = this.#pods.get(namespace)?.get(name);
    return pod === undefined ? undefined : deepCopy(pod);
  }

  /**
   * Pods of one namespace or all, sorted by namespace then name, optionally filtered by a
   * label selector. Throws BadRequestError on a malformed selector string.
   */
  listPods(namespace?: string, options: PodListOptions = {}): Pod[] {
    const requirements = labelSelectorRequirements(options.labelSelector);
    const list = namespace === undefined ? this.#listStored(this.#pods) : sortedValues(this.#pods.get(namespace));
    return list.filter((p) => matchesRequirements(requirements, p.metadata.labels)).map(deepCopy);
  }

  /**
   * Deletes a Pod: at once by default; with `gracePeriodSeconds` > 0 it is marked
   * (`deletionTimestamp` = now + grace, MODIFIED; kubectl shows `Terminating`) and goes
   * when `advance` finds it due. Returns the pod as deleted or as marked.
   */
  deletePod(namespace: string, name: string, options: DeletePodOptions = {}): Pod {
    return deepCopy(this.#write(() => this.#deletePod(namespace, name, options.gracePeriodSeconds ?? 0)));
  }

  /** Deletes the pods a label selector matches (`kubectl delete pods -l …`), in one batch. */
  deletePods(namespace: string, options: PodListOptions & DeletePodOptions = {}): Pod[] {
    const requirements = labelSelectorRequirements(options.labelSelector);
    return this.#write(() =>
      sortedValues(this.#pods.get(namespace))
        .filter((p) => matchesRequirements(requirements, p.metadata.labels))
        .map((p) => this.#deletePod(namespace, p.metadata.name, options.gracePeriodSeconds ?? 0)),
    ).map(deepCopy);
  }

  /**
   * Moves the cluster's clock forward by `ms` (0: just look at the clock) and finishes the
   * graceful deletions that are due: those pods go (DELETED), in one batch. Returns them.
   */
  advance(ms = 0): Pod[] {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`svcnet: advance takes a non-negative number of milliseconds, got ${ms}`);
    return this.#write(() => {
      const old = this.#offset;
      this.#offset = old + ms;
      this.#record(() => {
        this.#offset = old;
      });
      const now = this.#now().getTime();
      const due = this.#listStored(this.#pods).filter((p) => isPodTerminating(p) && Date.parse(p.metadata.deletionTimestamp!) <= now);
      for (const p of due) this.#store('DELETED', 'Pod', p, p);
      return due;
    }).map(deepCopy);
  }

  /** The cluster's clock (the `now` option, moved on by `advance`). */
  now(): Date {
    return this.#now();
  }

  // -------------------------------------------------------------------------- any kind

  /** Creates or updates an object of any kind (dispatch on `kind`). */
  apply(obj: KubeObjectInput): KubeObject {
    switch (obj?.kind) {
      case 'Namespace':
        return this.applyNamespace(obj);
      case 'Service':
        return this.applyService(obj);
      case 'EndpointSlice':
        return this.applyEndpointSlice(obj);
      case 'ServiceCIDR':
        return this.applyServiceCIDR(obj);
      case 'Pod':
        return this.applyPod(obj);
      case 'Node':
        return this.applyNode(obj);
      case 'Deployment':
        return this.applyDeployment(obj);
      case 'ReplicaSet':
        return this.applyReplicaSet(obj);
      case 'Endpoints':
        return this.applyEndpoints(obj);
      default: {
        const o = obj as { kind?: unknown; apiVersion?: unknown } | null;
        throw new BadRequestError(`no matches for kind ${JSON.stringify(o?.kind ?? '')} in version ${JSON.stringify(o?.apiVersion ?? '')}`);
      }
    }
  }

  // -------------------------------------------------------------------------- Nodes

  #createNode(input: NodeInput): Node {
    const obj = this.#prepare<Node>(input, 'Node');
    this.#prepareCreate(obj, (n) => this.#nodes.has(n));
    setNodeDefaults(obj);
    this.#throwIfInvalid('Node', obj, nodeErrors(obj));
    const name = obj.metadata.name!;
    if (this.#nodes.has(name)) throw new AlreadyExistsError('Node', undefined, name);
    this.#stampCreate(obj);
    this.#store('ADDED', 'Node', obj);
    return obj;
  }

  #updateNode(input: NodeInput): Node {
    const next = this.#prepare<Node>(input, 'Node');
    const name = this.#requireName('Node', next);
    const prev = this.#nodes.get(name);
    if (prev === undefined) throw new NotFoundError('Node', undefined, name);
    this.#prepareUpdate('Node', next, prev);
    if (next.status === undefined && prev.status !== undefined) next.status = deepCopy(prev.status);
    setNodeDefaults(next);
    this.#throwIfInvalid('Node', next, nodeUpdateErrors(next, prev));
    if (deepEqual(next, prev)) return prev;
    this.#store('MODIFIED', 'Node', next, prev);
    return next;
  }

  #deleteNode(name: string): Node {
    const prev = this.#nodes.get(name);
    if (prev === undefined) throw new NotFoundError('Node', undefined, name);
    this.#store('DELETED', 'Node', prev, prev);
    return prev;
  }

  /** Creates a Node (name, `spec.podCIDR`, `status.addresses`, labels such as the zone). */
  createNode(node: NodeInput): Node {
    return deepCopy(this.#write(() => this.#createNode(node)));
  }

  /** Updates labels, addresses, and `spec.podCIDR` while it is unset. */
  updateNode(node: NodeInput): Node {
    return deepCopy(this.#write(() => this.#updateNode(node)));
  }

  applyNode(node: NodeInput): Node {
    return deepCopy(
      this.#write(() => {
        const name = node?.metadata?.name;
        if (name && this.#nodes.has(name)) return this.#updateNode(node);
        return this.#createNode({ ...node, metadata: { ...node.metadata, resourceVersion: undefined } });
      }),
    );
  }

  getNode(name: string): Node | undefined {
    const n = this.#nodes.get(name);
    return n === undefined ? undefined : deepCopy(n);
  }

  listNodes(): Node[] {
    return sortedValues(this.#nodes).map(deepCopy);
  }

  /** Deletes a Node (its pods stay, as without a node lifecycle controller). */
  deleteNode(name: string): Node {
    return deepCopy(this.#write(() => this.#deleteNode(name)));
  }

  // -------------------------------------------------------------------------- Deployments and ReplicaSets

  #createWorkload<T extends Deployment | ReplicaSet>(input: unknown, kind: 'Deployment' | 'ReplicaSet'): T {
    const map = (kind === 'Deployment' ? this.#deployments : this.#replicaSets) as Map<string, Map<string, T>>;
    const obj = this.#prepare<T>(input, kind);
    const ns = obj.metadata.namespace!;
    this.#requireNamespace(ns);
    this.#prepareCreate(obj, (n) => map.get(ns)?.has(n) ?? false);
    if (kind === 'Deployment') {
      setDeploymentDefaults(obj as Deployment);
      this.#throwIfInvalid(kind, obj, deploymentErrors(obj as Deployment));
    } else {
      setReplicaSetDefaults(obj as ReplicaSet);
      this.#throwIfInvalid(kind, obj, replicaSetErrors(obj as ReplicaSet));
    }
    const name = obj.metadata.name!;
    if (map.get(ns)?.has(name)) throw new AlreadyExistsError(kind, ns, name);
    this.#stampCreate(obj);
    this.#store('ADDED', kind, obj);
    return obj;
  }

  #updateWorkload<T extends Deployment | ReplicaSet>(input: unknown, kind: 'Deployment' | 'ReplicaSet'): T {
    const map = (kind === 'Deployment' ? this.#deployments : this.#replicaSets) as Map<string, Map<string, T>>;
    const next = this.#prepare<T>(input, kind);
    const ns = next.metadata.namespace!;
    const name = this.#requireName(kind, next);
    const prev = map.get(ns)?.get(name);
    if (prev === undefined) throw new NotFoundError(kind, ns, name);
    this.#prepareUpdate(kind, next, prev);
    if (next.status === undefined && prev.status !== undefined) next.status = deepCopy(prev.status) as T['status'];
    if (kind === 'Deployment') {
      setDeploymentDefaults(next as Deployment);
      this.#throwIfInvalid(kind, next, deploymentUpdateErrors(next as Deployment, prev as Deployment));
    } else {
      setReplicaSetDefaults(next as ReplicaSet);
      this.#throwIfInvalid(kind, next, replicaSetUpdateErrors(next as ReplicaSet, prev as ReplicaSet));
    }
    if (deepEqual(next, prev)) return prev;
    if (!deepEqual(next.spec, prev.spec)) next.metadata.generation = (prev.metadata.generation ?? 0) + 1;
    this.#store('MODIFIED', kind, next, prev);
    return next;
  }

  #deleteWorkload(ns: string, name: string, kind: 'Deployment' | 'ReplicaSet'): KubeObject {
    const map = kind === 'Deployment' ? this.#deployments : this.#replicaSets;
    const prev = map.get(ns)?.get(name);
    if (prev === undefined) throw new NotFoundError(kind, ns, name);
    this.#store('DELETED', kind, prev, prev);
    return prev;
  }

  #createDeployment(d: DeploymentInput): Deployment {
    return this.#createWorkload<Deployment>(d, 'Deployment');
  }

  #updateDeployment(d: DeploymentInput): Deployment {
    return this.#updateWorkload<Deployment>(d, 'Deployment');
  }

  #createReplicaSet(rs: ReplicaSetInput): ReplicaSet {
    return this.#createWorkload<ReplicaSet>(rs, 'ReplicaSet');
  }

  #updateReplicaSet(rs: ReplicaSetInput): ReplicaSet {
    return this.#updateWorkload<ReplicaSet>(rs, 'ReplicaSet');
  }

  #deleteReplicaSet(ns: string, name: string): ReplicaSet {
    return this.#deleteWorkload(ns, name, 'ReplicaSet') as ReplicaSet;
  }

  /**
   * Creates a Deployment (apps/v1: replicas default 1, a selector matching the template's
   * labels). With controllers, its ReplicaSet and pods are created in the same batch.
   */
  createDeployment(d: DeploymentInput): Deployment {
    return deepCopy(this.#write(() => this.#createDeployment(d)));
  }

  /** Replaces spec, labels and annotations (status kept when omitted); the selector is immutable. */
  updateDeployment(d: DeploymentInput): Deployment {
    return deepCopy(this.#write(() => this.#updateDeployment(d)));
  }

  applyDeployment(d: DeploymentInput): Deployment {
    return deepCopy(
      this.#write(() => {
        const ns = d?.metadata?.namespace || 'default';
        const name = d?.metadata?.name;
        if (name && this.#deployments.get(ns)?.has(name)) return this.#updateDeployment(d);
        return this.#createDeployment({ ...d, metadata: { ...d.metadata, resourceVersion: undefined } });
      }),
    );
  }

  /** Sets `spec.replicas` (`kubectl scale`). */
  scaleDeployment(namespace: string, name: string, replicas: number): Deployment {
    return deepCopy(
      this.#write(() => {
        const d = this.#deployments.get(namespace)?.get(name);
        if (d === undefined) throw new NotFoundError('Deployment', namespace, name);
        return this.#updateDeployment({ ...deepCopy(d), spec: { ...deepCopy(d.spec), replicas } });
      }),
    );
  }

  getDeployment(namespace: string, name: string): Deployment | undefined {
    const stored = this.#deployments.get(namespace)?.get(name);
    return stored && deepCopy(stored);
  }

  listDeployments(namespace?: string): Deployment[] {
    return (namespace === undefined ? this.#listStored(this.#deployments) : sortedValues(this.#deployments.get(namespace))).map(deepCopy);
  }

  /** Deletes a Deployment; with controllers its ReplicaSets and their pods go in the same batch. */
  deleteDeployment(namespace: string, name: string): Deployment {
    return deepCopy(this.#write(() => this.#deleteWorkload(namespace, name, 'Deployment') as Deployment));
  }

  createReplicaSet(rs: ReplicaSetInput): ReplicaSet {
    return deepCopy(this.#write(() => this.#createReplicaSet(rs)));
  }

  updateReplicaSet(rs: ReplicaSetInput): ReplicaSet {
    return deepCopy(this.#write(() => this.#updateReplicaSet(rs)));
  }

  applyReplicaSet(rs: ReplicaSetInput): ReplicaSet {
    return deepCopy(
      this.#write(() => {
        const ns = rs?.metadata?.namespace || 'default';
        const name = rs?.metadata?.name;
        if (name && this.#replicaSets.get(ns)?.has(name)) return this.#updateReplicaSet(rs);
        return this.#createReplicaSet({ ...rs, metadata: { ...rs.metadata, resourceVersion: undefined } });
      }),
    );
  }

  getReplicaSet(namespace: string, name: string): ReplicaSet | undefined {
    const rs = this.#replicaSets.get(namespace)?.get(name);
    return rs === undefined ? undefined : deepCopy(rs);
  }

  listReplicaSets(namespace?: string): ReplicaSet[] {
    return (namespace === undefined ? this.#listStored(this.#replicaSets) : sortedValues(this.#replicaSets.get(namespace))).map(deepCopy);
  }

  /** Deletes a ReplicaSet; with controllers its pods go in the same batch (and a Deployment makes a new one). */
  deleteReplicaSet(namespace: string, name: string): ReplicaSet {
    return deepCopy(this.#write(() => this.#deleteReplicaSet(namespace, name)));
  }

  // -------------------------------------------------------------------------- Endpoints

  #createEndpoints(input: EndpointsInput): Endpoints {
    const obj = this.#prepare<Endpoints>(input, 'Endpoints');
    const ns = obj.metadata.namespace!;
    this.#requireNamespace(ns);
    this.#prepareCreate(obj, (n) => this.#endpoints.get(ns)?.has(n) ?? false);
    setEndpointsDefaults(obj);
    this.#throwIfInvalid('Endpoints', obj, endpointsErrors(obj));
    const name = obj.metadata.name!;
    if (this.#endpoints.get(ns)?.has(name)) throw new AlreadyExistsError('Endpoints', ns, name);
    obj.subsets = repackEndpointSubsets(obj.subsets);
    this.#stampCreate(obj);
    this.#store('ADDED', 'Endpoints', obj);
    return obj;
  }

  #updateEndpoints(input: EndpointsInput): Endpoints {
    const next = this.#prepare<Endpoints>(input, 'Endpoints');
    const ns = next.metadata.namespace!;
    const name = this.#requireName('Endpoints', next);
    const prev = this.#endpoints.get(ns)?.get(name);
    if (prev === undefined) throw new NotFoundError('Endpoints', ns, name);
    this.#prepareUpdate('Endpoints', next, prev);
    setEndpointsDefaults(next);
    this.#throwIfInvalid('Endpoints', next, endpointsUpdateErrors(next, prev));
    next.subsets = repackEndpointSubsets(next.subsets);
    if (deepEqual(next, prev)) return prev;
    this.#store('MODIFIED', 'Endpoints', next, prev);
    return next;
  }

  #deleteEndpoints(ns: string, name: string): Endpoints {
    const prev = this.#endpoints.get(ns)?.get(name);
    if (prev === undefined) throw new NotFoundError('Endpoints', ns, name);
    this.#store('DELETED', 'Endpoints', prev, prev);
    return prev;
  }

  /** The controllers' write: no validation, metadata other than labels kept from the stored object. */
  #putEndpoints(ns: string, name: string, value: Endpoints | undefined): void {
    const prev = this.#endpoints.get(ns)?.get(name);
    if (value === undefined) {
      if (prev !== undefined) this.#store('DELETED', 'Endpoints', prev, prev);
      return;
    }
    const next = deepCopy(value);
    if (prev === undefined) {
      this.#stampCreate(next);
      this.#store('ADDED', 'Endpoints', next);
      return;
    }
    next.metadata = { ...deepCopy(prev.metadata), labels: next.metadata.labels };
    if (next.metadata.labels === undefined) delete next.metadata.labels;
    if (deepEqual(next, prev)) return;
    this.#store('MODIFIED', 'Endpoints', next, prev);
  }

  /**
   * Creates a v1 Endpoints (`kubectl apply` of a hand-written one, as for a Service without
   * a selector). Protocols default to TCP; the object is validated as the API server does
   * (`ValidateEndpoints`: addresses valid and not loopback, link-local or unspecified,
   * ports 1–65535 and named when several) and its subsets are repacked (see
   * `repackEndpointSubsets`). With controllers, the Endpoints of a Service without a
   * selector is mirrored into EndpointSlices; that of a Service with a selector belongs to
   * the endpoints controller, which overwrites a user's write the next time the Service or
   * its slices change. Throws NotFoundError (namespace), ValidationError, AlreadyExistsError.
   */
  createEndpoints(endpoints: EndpointsInput): Endpoints {
    return deepCopy(this.#write(() => this.#createEndpoints(endpoints)));
  }

  /** Replaces an Endpoints' subsets, labels and annotations. Throws NotFoundError, ConflictError, ValidationError. */
  updateEndpoints(endpoints: EndpointsInput): Endpoints {
    return deepCopy(this.#write(() => this.#updateEndpoints(endpoints)));
  }

  applyEndpoints(endpoints: EndpointsInput): Endpoints {
    return deepCopy(
      this.#write(() => {
        const ns = endpoints?.metadata?.namespace || 'default';
        const name = endpoints?.metadata?.name;
        if (name && this.#endpoints.get(ns)?.has(name)) return this.#updateEndpoints(endpoints);
        return this.#createEndpoints({ ...endpoints, metadata: { ...endpoints.metadata, resourceVersion: undefined } });
      }),
    );
  }

  /** Deletes an Endpoints (with controllers, its mirrored slices go too; a managed one is made again). */
  deleteEndpoints(namespace: string, name: string): Endpoints {
    return deepCopy(this.#write(() => this.#deleteEndpoints(namespace, name)));
  }

  /** The v1 Endpoints of a Service. */
  getEndpoints(namespace: string, name: string): Endpoints | undefined {
    const e = this.#endpoints.get(namespace)?.get(name);
    return e === undefined ? undefined : deepCopy(e);
  }

  listEndpoints(namespace?: string): Endpoints[] {
    return (namespace === undefined ? this.#listStored(this.#endpoints) : sortedValues(this.#endpoints.get(namespace))).map(deepCopy);
  }

  /** Allocation state (active CIDRs, allocated ClusterIPs and node ports), for inspection. */
  ipamState(): IPAMSnapshot {
    return this.#ipam.snapshot();
  }

  /**
   * The IP families Services may use now, primary first: `['IPv4']` on a default cluster,
   * `['IPv4', 'IPv6']` with `serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/112']`.
   */
  serviceIPFamilies(): IPFamily[] {
    return this.#ipam.families();
  }
}
