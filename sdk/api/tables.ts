/**
 * Server-side Tables (`meta.k8s.io/v1` Table) for `kubectl get`, and kubectl's rendering of
 * them. Browser-safe.
 *
 * Server side: columns and cells follow the internal printers of
 * `kubernetes/kubernetes pkg/printers/internalversion/printers.go` (v1.32), always with
 * `Wide: true` as the API server's TableConvertor renders them
 * (`pkg/printers/storage/storage.go`): every row carries a cell for every column, and
 * kubectl hides the `priority != 0` ones unless `-o wide`.
 *
 * Cells are computed from stored objects, which carry the API defaults (Service type and
 * port protocol, Pod phase, Namespace phase...): no defaults are filled in here, so an
 * undefaulted object prints what the upstream printer would print for it. One deliberate
 * departure: svcnet's pods carry no `status.containerStatuses`, so READY then counts the
 * pod's containers as ready when its Ready condition is True (`isPodReady`).
 *
 * Client side: `printTable` is kubectl's `cli-runtime pkg/printers/tableprinter.go`
 * (decorateTable + printTable) and the tabwriter it writes through.
 */

import { deepCopy } from '../model/objects.js';
import { isPodReady, podIPsOf } from '../model/pod.js';
import type {
  Deployment,
  EndpointSlice,
  Endpoints,
  KubeObject,
  Namespace,
  Node,
  ObjectMeta,
  ObjectOfKind,
  Pod,
  ReplicaSet,
  ResourceKind,
  Service,
  ServiceCIDR,
  WorkloadSelector,
} from '../model/types.js';
import { humanDuration } from './duration.js';

// ---------------------------------------------------------------------------- Table types

/** `metav1.TableColumnDefinition`. */
export interface TableColumnDefinition {
  name: string;
  /** OpenAPI type: `string`, `integer`, `number`, `boolean`, `date`. */
  type: string;
  /** `name` marks the object's name column (kubectl prefixes `kind/` there). */
  format: string;
  description: string;
  /** 0 = always shown; kubectl shows higher priorities only with `-o wide`. */
  priority: number;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

/** `metav1.TableRow`. `object` is what kubectl reads for `-A`, `--show-labels` and `-L`. */
export interface TableRow {
  cells: unknown[];
  object?: PartialObjectMetadata | KubeObject;
}

/** `metav1.Table`. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** The `includeObject` query parameter (`metav1.IncludeObjectPolicy`). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** The clock for AGE cells. */
  now: Date;
  /** What each row's `object` holds. Default `Metadata` (a PartialObjectMetadata), as on a real server. */
  includeObject?: IncludeObject;
  /** Copied to the Table's `metadata.resourceVersion`. */
  resourceVersion?: string;
}

// ---------------------------------------------------------------------------- upstream fields svcnet's model omits

/**
 * Status fields of a real Pod that svcnet's model does not declare. Objects sent through
 * the API may still carry them, and then the printer reads them as upstream does.
 */
interface ContainerStateFields {
  waiting?: { reason?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; signal?: number; reason?: string; finishedAt?: string };
}

interface ContainerStatusFields {
  name: string;
  ready?: boolean;
  restartCount?: number;
  started?: boolean;
  state?: ContainerStateFields;
  /** `LastTerminationState` in Go. */
  lastState?: ContainerStateFields;
}

interface PodExtraFields {
  spec?: {
    initContainers?: { name: string; restartPolicy?: string }[];
    readinessGates?: { conditionType: string }[];
  };
  status?: {
    reason?: string;
    nominatedNodeName?: string;
    containerStatuses?: ContainerStatusFields[];
    initContainerStatuses?: ContainerStatusFields[];
  };
}

interface NodeExtraFields {
  status?: {
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

// ---------------------------------------------------------------------------- shared cell helpers

const NONE = '<none>';
const UNSET = '<unset>';
/** Lists in ENDPOINTS / PORTS cells stop after this many entries and add ` + N more...`. */
const MAX_LISTED = 3;

/** `translateTimestampSince`: HumanDuration of now − timestamp, `<unknown>` without one. */
function age(timestamp: string | undefined, now: Date): string {
  const created = timestamp ? Date.parse(timestamp) : Number.NaN;
  return Number.isNaN(created) ? '<unknown>' : humanDuration(now.getTime() - created);
}

/** `labels.FormatLabels`: `k=v` sorted by key, comma-joined; `<none>` when empty. */
function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? NONE : keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** `net.JoinHostPort`: hosts containing a colon (IPv6) are bracketed. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `listWithMoreString`: the first entries, ` + N more...`, or `<unset>` for none. */
function listWithMore(entries: readonly string[]): string {
  const shown = entries.slice(0, MAX_LISTED).join(',');
  if (entries.length > MAX_LISTED) return `${shown} + ${entries.length - MAX_LISTED} more...`;
  return shown === '' ? UNSET : shown;
}

/**
 * `metav1.LabelSelectorAsSelector(sel).String()`: requirements sorted by key, matchLabels as
 * `k=v`, expressions as `k in (a,b)`, `k notin (a,b)`, `k`, `!k` (values sorted). A missing
 * or empty selector prints ''. `undefined` when the selector is invalid.
 */
function labelSelectorString(selector: WorkloadSelector | undefined): string | undefined {
  const matchLabels = selector?.matchLabels ?? {};
  const requirements: { key: string; text: string }[] = Object.keys(matchLabels).map((key) => ({ key, text: `${key}=${matchLabels[key]}` }));
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    const needsValues = operator === 'In' || operator === 'NotIn';
    if (needsValues !== values.length > 0) return undefined;
    const list = values.length === 1 ? values[0] : [...values].sort().join(',');
    switch (operator) {
      case 'In':
        requirements.push({ key, text: `${key} in (${list})` });
        break;
      case 'NotIn':
        requirements.push({ key, text: `${key} notin (${list})` });
        break;
      case 'Exists':
        requirements.push({ key, text: key });
        break;
      case 'DoesNotExist':
        requirements.push({ key, text: `!${key}` });
        break;
      default:
        return undefined;
    }
  }
  return requirements
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}

/** `layoutContainerCells`: container names and images, each comma-joined. */
function containerCells(containers: readonly { name: string; image?: string }[]): [string, string] {
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image ?? '').join(',')];
}

// ---------------------------------------------------------------------------- per-kind printers

function column(name: string, description: string, extra: Partial<TableColumnDefinition> = {}): TableColumnDefinition {
  return { name, type: 'string', format: '', description, priority: 0, ...extra };
}

const NAME_COLUMN = column('Name', 'Name must be unique within a namespace.', { format: 'name' });
const AGE_COLUMN = column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
const CONTAINERS_COLUMN = column('Containers', 'Names of each container in the template.', { priority: 1 });
const IMAGES_COLUMN = column('Images', 'Images referenced by each container in the template.', { priority: 1 });

interface Printer<T> {
  columns: readonly TableColumnDefinition[];
  cells(obj: T, now: Date): unknown[];
}

type Printers = { [K in ResourceKind]: Printer<ObjectOfKind<K>> };

// ---- Service (printService, getServiceExternalIP, makePortString)

/** `loadBalancerStatusStringer` (wide): unique ingress IPs, else hostnames, sorted. */
function loadBalancerIngress(svc: Service): string[] {
  const seen = new Set<string>();
  for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
    if (ingress.ip) seen.add(ingress.ip);
    else if (ingress.hostname) seen.add(ingress.hostname);
  }
  return [...seen].sort();
}

function serviceExternalIP(svc: Service): string {
  const externalIPs = svc.spec.externalIPs ?? [];
  switch (svc.spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : NONE;
    case 'LoadBalancer': {
      const all = [...loadBalancerIngress(svc), ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

function servicePorts(svc: Service): string {
  const ports = (svc.spec.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`));
  return ports.length > 0 ? ports.join(',') : NONE;
}

const servicePrinter: Printer<Service> = {
  columns: [
    NAME_COLUMN,
    column('Type', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'clusterIP is the IP address of the service.'),
    column('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'The list of ports that are exposed by this service.'),
    AGE_COLUMN,
    column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 }),
  ],
  cells: (svc, now) => [
    svc.metadata.name,
    svc.spec.type ?? '',
    svc.spec.clusterIPs?.length ? svc.spec.clusterIPs[0] : NONE,
    serviceExternalIP(svc),
    servicePorts(svc),
    age(svc.metadata.creationTimestamp, now),
    formatLabels(svc.spec.selector),
  ],
};

// ---- Endpoints (formatEndpoints)

/**
 * `formatEndpoints(ep, nil)`: ready addresses only, `ip:port` for each subset × port (bare IPs
 * for a subset without ports). Upstream quirks kept: `<none>` only when there are no
 * subsets at all (subsets with nothing ready print ''), and the ` + N more...` total counts
 * every address × port.
 */
function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return NONE;
  const entries: string[] = [];
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    const ports = subset.ports ?? [];
    if (ports.length === 0) {
      for (const a of addresses) entries.push(a.ip);
      continue;
    }
    for (const port of ports) for (const a of addresses) entries.push(joinHostPort(a.ip, port.port));
  }
  const shown = entries.slice(0, MAX_LISTED).join(',');
  return entries.length > MAX_LISTED ? `${shown} + ${entries.length - MAX_LISTED} more...` : shown;
}

const endpointsPrinter: Printer<Endpoints> = {
  columns: [NAME_COLUMN, column('Endpoints', 'The set of all endpoints is the union of all subsets.'), AGE_COLUMN],
  cells: (ep, now) => [ep.metadata.name, formatEndpoints(ep), age(ep.metadata.creationTimestamp, now)],
};

// ---- EndpointSlice (formatDiscoveryPorts, formatDiscoveryEndpoints)

const endpointSlicePrinter: Printer<EndpointSlice> = {
  columns: [
    NAME_COLUMN,
    column('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    column('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
    AGE_COLUMN,
  ],
  cells: (slice, now) => [
    slice.metadata.name,
    slice.addressType,
    // A nil port means "all ports" (`*`); a nil number with a name prints the name.
    listWithMore((slice.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? '*')))),
    // Every address, whatever its conditions.
    listWithMore((slice.endpoints ?? []).flatMap((e) => e.addresses ?? [])),
    age(slice.metadata.creationTimestamp, now),
  ],
};

// ---- Pod (printPod)

const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

/** READY, STATUS and RESTARTS of `printPod`. */
function podStatusCells(pod: Pod & PodExtraFields, now: Date): [string, string, string] {
  const phase = pod.status?.phase ?? '';
  const conditions = pod.status?.conditions ?? [];
  const containers = pod.spec.containers ?? [];
  const initContainers = pod.spec.initContainers ?? [];
  const isSidecar = (name: string): boolean => initContainers.some((c) => c.name === name && c.restartPolicy === 'Always');
  const total = containers.length + initContainers.filter((c) => c.restartPolicy === 'Always').length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const finishedAt = (s: ContainerStatusFields): number => Date.parse(s.lastState?.terminated?.finishedAt ?? '') || 0;

  let reason = pod.status?.reason || phase;
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  // Init containers: the first one not yet done decides an `Init:` status.
  let initializing = false;
  const initStatuses = pod.status?.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const s = initStatuses[i];
    restarts += s.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finishedAt(s));
    const sidecar = isSidecar(s.name);
    if (sidecar) {
      sidecarRestarts += s.restartCount ?? 0;
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(s));
    }
    const terminated = s.state?.terminated;
    const waitingReason = s.state?.waiting?.reason ?? '';
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && s.started) {
      if (s.ready) ready++;
      continue;
    }
    if (terminated) {
      if (terminated.reason) reason = `Init:${terminated.reason}`;
      else reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
    } else if (waitingReason !== '' && waitingReason !== 'PodInitializing') {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  const initialized = conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    const statuses = pod.status?.containerStatuses;
    if (statuses === undefined) {
      // svcnet's pods have no container statuses: the Ready condition speaks for all containers.
      if (isPodReady(pod)) ready += containers.length;
    } else {
      let hasRunning = false;
      for (let i = statuses.length - 1; i >= 0; i--) {
        const s = statuses[i];
        restarts += s.restartCount ?? 0;
        lastRestart = Math.max(lastRestart, finishedAt(s));
        const terminated = s.state?.terminated;
        if (s.state?.waiting?.reason) {
          reason = s.state.waiting.reason;
        } else if (terminated?.reason) {
          reason = terminated.reason;
        } else if (terminated) {
          reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
        } else if (s.ready && s.state?.running) {
          hasRunning = true;
          ready++;
        }
      }
      if (reason === 'Completed' && hasRunning) reason = isPodReady(pod) ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp && pod.status?.reason === NODE_UNREACHABLE_POD_REASON) {
    reason = 'Unknown';
  } else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  const restartText = restarts !== 0 && lastRestart !== 0 ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)` : String(restarts);
  return [`${ready}/${total}`, reason, restartText];
}

/** READINESS GATES: `true/total` over `spec.readinessGates`, `<none>` without gates. */
function readinessGates(pod: Pod & PodExtraFields): string {
  const gates = pod.spec.readinessGates ?? [];
  if (gates.length === 0) return NONE;
  const conditions = pod.status?.conditions ?? [];
  const passed = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${passed}/${gates.length}`;
}

const podPrinter: Printer<Pod> = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE_COLUMN,
    column('IP', 'podIP address allocated to the pod.', { priority: 1 }),
    column('Node', 'NodeName is a request to schedule this pod onto a specific node.', { priority: 1 }),
    column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', { priority: 1 }),
    column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', { priority: 1 }),
  ],
  cells: (pod: Pod & PodExtraFields, now) => [
    pod.metadata.name,
    ...podStatusCells(pod, now),
    age(pod.metadata.creationTimestamp, now),
    podIPsOf(pod)[0] || NONE,
    pod.spec.nodeName || NONE,
    pod.status?.nominatedNodeName || NONE,
    readinessGates(pod),
  ],
};

// ---- Namespace (printNamespace)

const namespacePrinter: Printer<Namespace> = {
  columns: [NAME_COLUMN, column('Status', 'The status of the namespace'), AGE_COLUMN],
  cells: (ns, now) => [ns.metadata.name, ns.status?.phase ?? '', age(ns.metadata.creationTimestamp, now)],
};

// ---- Node (printNode, findNodeRoles, getNodeInternalIP/ExternalIP)

const NODE_ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

/** `findNodeRoles`: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role=<role>`, sorted, unique. */
function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata.labels ?? {})) {
    if (key.startsWith(NODE_ROLE_LABEL_PREFIX)) {
      const role = key.slice(NODE_ROLE_LABEL_PREFIX.length);
      if (role !== '') roles.add(role);
    } else if (key === NODE_ROLE_LABEL && value !== '') {
      roles.add(value);
    }
  }
  return roles.size > 0 ? [...roles].sort().join(',') : NONE;
}

/** STATUS: the Ready condition (`Ready`, `NotReady`, or `Unknown` without one), then `SchedulingDisabled`. */
function nodeStatus(node: Node): string {
  const readyCondition = node.status?.conditions?.filter((c) => c.type === 'Ready').at(-1);
  const status = [readyCondition ? (readyCondition.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

const nodeAddress = (node: Node, type: 'InternalIP' | 'ExternalIP'): string => node.status?.addresses?.find((a) => a.type === type)?.address ?? NONE;

const nodePrinter: Printer<Node> = {
  columns: [
    NAME_COLUMN,
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    AGE_COLUMN,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    column('External-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    column('OS-Image', 'OS Image reported by the node from /etc/os-release.', { priority: 1 }),
    column('Kernel-Version', "Kernel Version reported by the node from 'uname -r'.", { priority: 1 }),
    column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API.', { priority: 1 }),
  ],
  cells: (node: Node & NodeExtraFields, now) => {
    const info = node.status?.nodeInfo ?? {};
    return [
      node.metadata.name,
      nodeStatus(node),
      nodeRoles(node),
      age(node.metadata.creationTimestamp, now),
      info.kubeletVersion ?? '',
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ];
  },
};

// ---- Deployment and ReplicaSet (printDeployment, printReplicaSet)

const deploymentPrinter: Printer<Deployment> = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'Number of the pod with ready state'),
    column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'Label selector for pods.', { priority: 1 }),
  ],
  cells: (deploy, now) => {
    const status = deploy.status ?? {};
    return [
      deploy.metadata.name,
      `${status.readyReplicas ?? 0}/${deploy.spec.replicas ?? 1}`,
      status.updatedReplicas ?? 0,
      status.availableReplicas ?? 0,
      age(deploy.metadata.creationTimestamp, now),
      ...containerCells(deploy.spec.template?.spec?.containers ?? []),
      labelSelectorString(deploy.spec.selector) ?? '<invalid>',
    ];
  },
};

const replicaSetPrinter: Printer<ReplicaSet> = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
    column('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    column('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'Selector is a label query over pods that should match the replica count.', { priority: 1 }),
  ],
  cells: (rs, now) => {
    // metav1.FormatLabelSelector: `<error>` when invalid, `<none>` when empty.
    const selector = labelSelectorString(rs.spec.selector);
    return [
      rs.metadata.name,
      rs.spec.replicas ?? 1,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      age(rs.metadata.creationTimestamp, now),
      ...containerCells(rs.spec.template?.spec?.containers ?? []),
      selector === undefined ? '<error>' : selector || NONE,
    ];
  },
};

// ---- ServiceCIDR (printServiceCIDR)

const serviceCIDRPrinter: Printer<ServiceCIDR> = {
  columns: [NAME_COLUMN, column('CIDRs', 'CIDRs defines the IP blocks in CIDR notation from which to assign service cluster IPs.'), AGE_COLUMN],
  cells: (cidr, now) => [cidr.metadata.name, (cidr.spec?.cidrs ?? []).join(','), age(cidr.metadata.creationTimestamp, now)],
};

const PRINTERS: Printers = {
  Namespace: namespacePrinter,
  Service: servicePrinter,
  EndpointSlice: endpointSlicePrinter,
  ServiceCIDR: serviceCIDRPrinter,
  Pod: podPrinter,
  Node: nodePrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  Endpoints: endpointsPrinter,
};

// ---------------------------------------------------------------------------- public API

/** Column definitions for a kind (what a real API server returns for that resource). */
export function columnsFor(kind: ResourceKind): TableColumnDefinition[] {
  const printer = PRINTERS[kind];
  if (!printer) throw new TypeError(`no table columns for kind ${JSON.stringify(kind)}`);
  return printer.columns.map((c) => ({ ...c }));
}

function rowObject(obj: KubeObject, includeObject: IncludeObject): TableRow['object'] {
  switch (includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return deepCopy(obj);
    default:
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: deepCopy(obj.metadata) };
  }
}

/**
 * One row per object, in the given order, with a cell for every column of `columnsFor(kind)`
 * (wide ones included); `row.object` per `includeObject`. Throws a TypeError when an
 * object is not of `kind`.
 */
export function rowsFor(kind: ResourceKind, objects: readonly KubeObject[], options: TableOptions): TableRow[] {
  const printer = PRINTERS[kind] as Printer<KubeObject> | undefined;
  if (!printer) throw new TypeError(`no table rows for kind ${JSON.stringify(kind)}`);
  const includeObject = options.includeObject ?? 'Metadata';
  return objects.map((obj) => {
    if (obj.kind !== kind) throw new TypeError(`a ${kind} table cannot hold a ${obj.kind} (${obj.metadata?.name})`);
    const row: TableRow = { cells: printer.cells(obj, options.now) };
    const object = rowObject(obj, includeObject);
    if (object) row.object = object;
    return row;
  });
}

/** `columnsFor` + `rowsFor` in a Table. */
export function tableFor(kind: ResourceKind, objects: readonly KubeObject[], options: TableOptions): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: options.resourceVersion !== undefined ? { resourceVersion: options.resourceVersion } : {},
    columnDefinitions: columnsFor(kind),
    rows: rowsFor(kind, objects, options),
  };
}

// ---------------------------------------------------------------------------- kubectl's rendering

export interface PrintOptions {
  /** `-o wide`: also the columns with priority ≠ 0. */
  wide?: boolean;
  /** `-A`: a NAMESPACE column first, from each row's `object.metadata.namespace`. */
  withNamespace?: boolean;
  /** `--show-labels`: a LABELS column last, from each row's `object.metadata.labels`. */
  showLabels?: boolean;
  /**
   * Prepended verbatim to the name cell (the first `format: name` string column), as
   * kubectl does for `get all`. kubectl uses the lower-cased GroupKind: `service/`,
   * `pod/`, `deployment.apps/`, `replicaset.apps/`.
   */
  kindPrefix?: string;
  /** `--no-headers`. */
  noHeaders?: boolean;
}

/**
 * liggitt/tabwriter as kubectl configures it (`cli-runtime pkg/printers/tabwriter.go`):
 * minwidth 6, padding 3, pad character space.
 */
const TAB_MIN_WIDTH = 6;
const TAB_PADDING = 3;

/** Cell text: cut at the first `\f`, `\n` or `\r` with `...`; ESC escaped (`printers.WriteEscaped`). */
function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell !== 'string') {
    const text = typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
    return escapeTerminal(text);
  }
  const cut = cell.search(/[\f\n\r]/);
  return cut < 0 ? escapeTerminal(cell) : `${escapeTerminal(cell.slice(0, cut))}...`;
}

const escapeTerminal = (text: string): string => text.replace(/\x1b/g, '^[').replace(/\r/g, '\\r');

/** Display width as Go's tabwriter counts it: in code points. */
const textWidth = (text: string): number => [...text].length;

/**
 * Go's text/tabwriter over tab-separated lines: a cell is text followed by a tab, the text
 * after a line's last tab is not aligned. Consecutive lines that have a cell in column j
 * form a block whose cells are padded to the block's widest cell + padding (at least
 * minwidth).
 */
function alignTabs(lines: readonly string[]): string {
  const cells = lines.map((line) => line.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];
  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const line = cells[i];
      out.push(line.map((text, j) => (j < widths.length ? text + ' '.repeat(widths[j] - textWidth(text)) : text)).join(''));
    }
  };
  const format = (line0: number, line1: number): void => {
    const col = widths.length;
    for (let i = line0; i < line1; i++) {
      if (col >= cells[i].length - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let width = TAB_MIN_WIDTH;
      for (; i < line1 && col < cells[i].length - 1; i++) width = Math.max(width, textWidth(cells[i][col]) + TAB_PADDING);
      widths.push(width);
      format(line0, i);
      widths.pop();
      line0 = i;
      // Line i (if any) has no cell in this column, so the loop's i++ may pass over it, as in Go.
    }
    writeLines(line0, line1);
  };
  format(0, cells.length);
  return out.map((line) => `${line}\n`).join('');
}

/**
 * kubectl's client-side rendering of a Table (cli-runtime `decorateTable` + `printTable` +
 * tabwriter): upper-cased headers, priority ≠ 0 columns only with `wide`, optional NAMESPACE
 * and LABELS columns taken from `row.object.metadata` (blank when a row has no object).
 * Returns the text kubectl prints: lines joined by `\n`, with a trailing newline; '' for a
 * table without rows (kubectl then says `No resources found` on stderr).
 */
export function printTable(table: Table, options: PrintOptions = {}): string {
  if (table.rows.length === 0) return '';
  const columns = table.columnDefinitions;
  const visible = columns.map((c, i) => (options.wide || c.priority === 0 ? i : -1)).filter((i) => i >= 0);
  const nameColumn = options.kindPrefix ? columns.findIndex((c) => c.format === 'name' && c.type === 'string') : -1;

  const lines: string[] = [];
  if (!options.noHeaders) {
    const header = visible.map((i) => columns[i].name.toUpperCase());
    if (options.withNamespace) header.unshift('NAMESPACE');
    if (options.showLabels) header.push('LABELS');
    lines.push(header.join('\t'));
  }
  for (const row of table.rows) {
    const metadata = row.object?.metadata;
    const cells = visible.map((i) => cellText(i === nameColumn ? `${options.kindPrefix}${cellText(row.cells[i])}` : row.cells[i]));
    if (options.withNamespace) cells.unshift(metadata ? (metadata.namespace ?? '') : '');
    if (options.showLabels) cells.push(metadata ? formatLabels(metadata.labels) : '');
    lines.push(cells.join('\t'));
  }
  return alignTabs(lines);
}
