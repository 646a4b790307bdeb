/**
 * Kubernetes-shaped objects. Field names, nesting and optionality follow the Kubernetes API
 * (`k8s.io/api` core/v1, discovery/v1, networking/v1) so manifests and API payloads map
 * one to one. A Go pointer that may be nil is an optional field here; a Go slice or map
 * without `omitempty` is still optional here, because manifests routinely omit it.
 *
 * Stored objects always carry `apiVersion` and `kind`; the `*Input` types are what the
 * Cluster accepts, where both may be left out.
 */

export const API_VERSION_V1 = 'v1';
export const API_VERSION_DISCOVERY_V1 = 'discovery.k8s.io/v1';
export const API_VERSION_NETWORKING_V1 = 'networking.k8s.io/v1';
export const API_VERSION_APPS_V1 = 'apps/v1';

export const KIND_NAMESPACE = 'Namespace';
export const KIND_SERVICE = 'Service';
export const KIND_ENDPOINT_SLICE = 'EndpointSlice';
export const KIND_SERVICE_CIDR = 'ServiceCIDR';
export const KIND_POD = 'Pod';
export const KIND_NODE = 'Node';
export const KIND_DEPLOYMENT = 'Deployment';
export const KIND_REPLICA_SET = 'ReplicaSet';
export const KIND_ENDPOINTS = 'Endpoints';

export type ResourceKind =
  | 'Namespace'
  | 'Service'
  | 'EndpointSlice'
  | 'ServiceCIDR'
  | 'Pod'
  | 'Node'
  | 'Deployment'
  | 'ReplicaSet'
  | 'Endpoints';

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  'Namespace',
  'Service',
  'EndpointSlice',
  'ServiceCIDR',
  'Pod',
  'Node',
  'Deployment',
  'ReplicaSet',
  'Endpoints',
];

/** apiVersion of each kind. */
export const API_VERSIONS: Readonly<Record<ResourceKind, string>> = {
  Namespace: API_VERSION_V1,
  Service: API_VERSION_V1,
  EndpointSlice: API_VERSION_DISCOVERY_V1,
  ServiceCIDR: API_VERSION_NETWORKING_V1,
  Pod: API_VERSION_V1,
  Node: API_VERSION_V1,
  Deployment: API_VERSION_APPS_V1,
  ReplicaSet: API_VERSION_APPS_V1,
  Endpoints: API_VERSION_V1,
};

/** Whether objects of the kind live in a namespace. */
export const NAMESPACED: Readonly<Record<ResourceKind, boolean>> = {
  Namespace: false,
  Service: true,
  EndpointSlice: true,
  ServiceCIDR: false,
  Pod: true,
  Node: false,
  Deployment: true,
  ReplicaSet: true,
  Endpoints: true,
};

/**
 * `schema.GroupKind.String()` as the API server prints it in Invalid errors
 * (`EndpointSlice.discovery.k8s.io "x" is invalid: ...`).
 */
export const QUALIFIED_KINDS: Readonly<Record<ResourceKind, string>> = {
  Namespace: 'Namespace',
  Service: 'Service',
  EndpointSlice: 'EndpointSlice.discovery.k8s.io',
  ServiceCIDR: 'ServiceCIDR.networking.k8s.io',
  Pod: 'Pod',
  Node: 'Node',
  Deployment: 'Deployment.apps',
  ReplicaSet: 'ReplicaSet.apps',
  Endpoints: 'Endpoints',
};

/**
 * `schema.GroupResource.String()` as the API server prints it in NotFound, AlreadyExists
 * and Conflict errors (`services "x" not found`).
 */
export const QUALIFIED_RESOURCES: Readonly<Record<ResourceKind, string>> = {
  Namespace: 'namespaces',
  Service: 'services',
  EndpointSlice: 'endpointslices.discovery.k8s.io',
  ServiceCIDR: 'servicecidrs.networking.k8s.io',
  Pod: 'pods',
  Node: 'nodes',
  Deployment: 'deployments.apps',
  ReplicaSet: 'replicasets.apps',
  Endpoints: 'endpoints',
};

/** Well-known labels and values (k8s.io/api discovery/v1 well_known_labels.go). */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** `managed-by` value of the slices the EndpointSliceMirroring controller makes from v1 Endpoints. */
export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
/** On a v1 Endpoints, `"true"` keeps the mirroring controller away (discovery/v1 `LabelSkipMirror`). */
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
/** Set by the control plane on every Namespace since Kubernetes 1.21. */
export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';
/** Node label with the node's zone (k8s.io/api core/v1 well_known_labels.go). */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
/** Label the Deployment controller puts on its ReplicaSets and their pods. */
export const LABEL_POD_TEMPLATE_HASH = 'pod-template-hash';

// ---------------------------------------------------------------------------- meta/v1

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  /** Always set on stored objects; inputs may give `generateName` instead (see `InputMeta`). */
  name: string;
  /** Prefix for a server-generated name: `<generateName><5 random chars>`. */
  generateName?: string;
  namespace?: string;
  /** Set by the Cluster; immutable. */
  uid?: string;
  /** Set by the Cluster on every change; send it back on update for optimistic concurrency. */
  resourceVersion?: string;
  /** Set by the Cluster; bumped when the desired state (spec) changes. */
  generation?: number;
  /** RFC 3339, second resolution (`2024-05-01T10:00:00Z`). Set by the Cluster. */
  creationTimestamp?: string;
  deletionTimestamp?: string;
  /** Grace period of a pending deletion, set with `deletionTimestamp`. */
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

// ---------------------------------------------------------------------------- core/v1 Namespace

export type NamespacePhase = 'Active' | 'Terminating';

export interface NamespaceSpec {
  finalizers?: string[];
}

export interface NamespaceStatus {
  phase?: NamespacePhase;
}

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: ObjectMeta;
  spec?: NamespaceSpec;
  status?: NamespaceStatus;
}

// ---------------------------------------------------------------------------- core/v1 Service

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type ServiceAffinity = 'None' | 'ClientIP';
export type ServiceExternalTrafficPolicy = 'Cluster' | 'Local';
export type ServiceInternalTrafficPolicy = 'Cluster' | 'Local';
export type IPFamily = 'IPv4' | 'IPv6';
export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
export type LoadBalancerIPMode = 'VIP' | 'Proxy';
/** `intstr.IntOrString`: a port number or a named container port (IANA_SVC_NAME). */
export type IntOrString = number | string;

/** `spec.clusterIP` value that makes a Service headless. */
export const CLUSTER_IP_NONE = 'None';

export interface ServicePort {
  name?: string;
  protocol?: Protocol;
  appProtocol?: string;
  port: number;
  targetPort?: IntOrString;
  nodePort?: number;
}

export interface ClientIPConfig {
  timeoutSeconds?: number;
}

export interface SessionAffinityConfig {
  clientIP?: ClientIPConfig;
}

export interface ServiceSpec {
  type?: ServiceType;
  selector?: Record<string, string>;
  ports?: ServicePort[];
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: IPFamily[];
  ipFamilyPolicy?: IPFamilyPolicy;
  externalIPs?: string[];
  externalName?: string;
  sessionAffinity?: ServiceAffinity;
  sessionAffinityConfig?: SessionAffinityConfig;
  externalTrafficPolicy?: ServiceExternalTrafficPolicy;
  internalTrafficPolicy?: ServiceInternalTrafficPolicy;
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  loadBalancerClass?: string;
  publishNotReadyAddresses?: boolean;
  healthCheckNodePort?: number;
  allocateLoadBalancerNodePorts?: boolean;
  /** `PreferClose` (the only value Kubernetes 1.32 accepts). */
  trafficDistribution?: string;
}

export interface PortStatus {
  port: number;
  protocol: Protocol;
  error?: string;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: LoadBalancerIPMode;
  ports?: PortStatus[];
}

export interface LoadBalancerStatus {
  ingress?: LoadBalancerIngress[];
}

export interface ServiceStatus {
  loadBalancer?: LoadBalancerStatus;
  conditions?: Condition[];
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: ServiceSpec;
  status?: ServiceStatus;
}

// ---------------------------------------------------------------------------- discovery/v1 EndpointSlice

export type AddressType = 'IPv4' | 'IPv6' | 'FQDN';

export interface EndpointConditions {
  /** nil means unknown; consumers should treat it as ready. */
  ready?: boolean;
  /** Like ready, but kept true while terminating; nil defers to ready. */
  serving?: boolean;
  /** nil means false. */
  terminating?: boolean;
}

export interface ForZone {
  name: string;
}

export interface ForNode {
  name: string;
}

export interface EndpointHints {
  forZones?: ForZone[];
  forNodes?: ForNode[];
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  targetRef?: ObjectReference;
  nodeName?: string;
  zone?: string;
  hints?: EndpointHints;
  deprecatedTopology?: Record<string, string>;
}

export interface EndpointPort {
  /** Defaulted to '' by the API; must match the Service port name. */
  name?: string;
  /** Defaulted to TCP by the API. */
  protocol?: Protocol;
  /** nil means "all ports". */
  port?: number;
  appProtocol?: string;
}

export interface EndpointSlice {
  apiVersion: 'discovery.k8s.io/v1';
  kind: 'EndpointSlice';
  metadata: ObjectMeta;
  addressType: AddressType;
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}

// ---------------------------------------------------------------------------- networking/v1 ServiceCIDR

export interface ServiceCIDRSpec {
  /** One CIDR, or two of different families. Immutable. */
  cidrs: string[];
}

export interface ServiceCIDRStatus {
  conditions?: Condition[];
}

export interface ServiceCIDR {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'ServiceCIDR';
  metadata: ObjectMeta;
  spec: ServiceCIDRSpec;
  status?: ServiceCIDRStatus;
}

// ---------------------------------------------------------------------------- core/v1 Pod

/**
 * The part of a Pod that service networking uses: where it runs, its DNS identity
 * (`hostname`, `subdomain`), its container ports (named target ports resolve against
 * them), and the status the kubelet reports (phase, IPs, Ready). Scheduling, volumes and
 * resources are left out.
 */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
export type ConditionStatus = 'True' | 'False' | 'Unknown';
/** `PodConditionType` values the kubelet sets (`pkg/apis/core/types.go`). */
export type PodConditionType = 'PodScheduled' | 'PodReadyToStartContainers' | 'Initialized' | 'ContainersReady' | 'Ready' | (string & {});

export interface ContainerPort {
  /** IANA_SVC_NAME; unique within the pod. A Service's named `targetPort` refers to it. */
  name?: string;
  hostPort?: number;
  containerPort: number;
  /** Defaulted to TCP by the API. */
  protocol?: Protocol;
  hostIP?: string;
}

export interface Container {
  name: string;
  image?: string;
  ports?: ContainerPort[];
}

export interface PodSpec {
  containers: Container[];
  /** Set when the pod is bound to a node. */
  nodeName?: string;
  /** The pod's hostname (default: the pod name); a DNS-1123 label. */
  hostname?: string;
  /**
   * With `hostname`, gives the pod the name `<hostname>.<subdomain>.<ns>.svc.<zone>` when
   * a headless Service named `<subdomain>` selects it; a DNS-1123 label.
   */
  subdomain?: string;
  setHostnameAsFQDN?: boolean;
  hostNetwork?: boolean;
}

export interface PodIP {
  ip: string;
}

export interface PodCondition {
  type: PodConditionType;
  status: ConditionStatus;
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  hostIP?: string;
  /** The primary IP; equals `podIPs[0].ip`. */
  podIP?: string;
  /** At most one IP of each family, the primary first. */
  podIPs?: PodIP[];
  startTime?: string;
}

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: PodStatus;
}

// ---------------------------------------------------------------------------- core/v1 Node

export type NodeAddressType = 'Hostname' | 'InternalIP' | 'ExternalIP' | 'InternalDNS' | 'ExternalDNS';

export interface NodeAddress {
  type: NodeAddressType;
  address: string;
}

export interface NodeSpec {
  /** The pod IP range of the node (first entry of `podCIDRs`). */
  podCIDR?: string;
  podCIDRs?: string[];
  unschedulable?: boolean;
}

/** `NodeSystemInfo`: what the kubelet reports (kubectl's VERSION and wide columns read it). */
export interface NodeSystemInfo {
  machineID?: string;
  systemUUID?: string;
  bootID?: string;
  kernelVersion?: string;
  osImage?: string;
  containerRuntimeVersion?: string;
  kubeletVersion?: string;
  kubeProxyVersion?: string;
  operatingSystem?: string;
  architecture?: string;
}

export interface NodeStatus {
  addresses?: NodeAddress[];
  conditions?: { type: string; status: ConditionStatus; reason?: string; message?: string }[];
  nodeInfo?: NodeSystemInfo;
}

/** A node: where pods run, its addresses, zone label and pod CIDR. Cluster-scoped. */
export interface Node {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: ObjectMeta;
  spec?: NodeSpec;
  status?: NodeStatus;
}

// ---------------------------------------------------------------------------- apps/v1 workloads

/** `metav1.LabelSelector` (same shape as in labels.ts). */
export interface WorkloadSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export interface DeploymentSpec {
  /** Default 1. */
  replicas?: number;
  selector: WorkloadSelector;
  template: PodTemplateSpec;
  /** Default 10. */
  revisionHistoryLimit?: number;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
}

export interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ObjectMeta;
  spec: DeploymentSpec;
  status?: DeploymentStatus;
}

export interface ReplicaSetSpec {
  /** Default 1. */
  replicas?: number;
  selector: WorkloadSelector;
  template: PodTemplateSpec;
}

export interface ReplicaSetStatus {
  observedGeneration?: number;
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
}

export interface ReplicaSet {
  apiVersion: 'apps/v1';
  kind: 'ReplicaSet';
  metadata: ObjectMeta;
  spec: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

// ---------------------------------------------------------------------------- core/v1 Endpoints

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface EndpointsPort {
  name?: string;
  port: number;
  protocol?: Protocol;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointsPort[];
}

/**
 * v1 Endpoints. The endpoints controller keeps the Endpoints of a Service with a selector
 * in step with its EndpointSlices; for a Service without one, the Endpoints is written by
 * users (and mirrored into EndpointSlices by the mirroring controller).
 */
export interface Endpoints {
  apiVersion: 'v1';
  kind: 'Endpoints';
  metadata: ObjectMeta;
  subsets: EndpointSubset[];
}

// ---------------------------------------------------------------------------- unions and inputs

export type KubeObject = Namespace | Service | EndpointSlice | ServiceCIDR | Pod | Node | Deployment | ReplicaSet | Endpoints;

/** The object type of a kind name. */
export type ObjectOfKind<K extends ResourceKind> = Extract<KubeObject, { kind: K }>;

/** Metadata as clients send it: the name may be left to `generateName`. */
export type InputMeta = Omit<ObjectMeta, 'name'> & { name?: string };

/** What the Cluster accepts: a stored shape where apiVersion, kind and the name may be omitted. */
export type ObjectInput<T extends KubeObject> = Omit<T, 'apiVersion' | 'kind' | 'metadata'> & {
  apiVersion?: T['apiVersion'];
  kind?: T['kind'];
  metadata: InputMeta;
};

export type NamespaceInput = ObjectInput<Namespace>;
export type ServiceInput = ObjectInput<Service>;
export type EndpointSliceInput = Omit<ObjectInput<EndpointSlice>, 'endpoints'> & { endpoints?: Endpoint[] };
export type ServiceCIDRInput = ObjectInput<ServiceCIDR>;
export type PodInput = ObjectInput<Pod>;
export type NodeInput = ObjectInput<Node>;
export type DeploymentInput = ObjectInput<Deployment>;
export type ReplicaSetInput = ObjectInput<ReplicaSet>;
export type EndpointsInput = Omit<ObjectInput<Endpoints>, 'subsets'> & { subsets?: EndpointSubset[] };

/** Any object the Cluster's `apply` accepts; `kind` must be set. */
export type KubeObjectInput =
  | (NamespaceInput & { kind: 'Namespace' })
  | (ServiceInput & { kind: 'Service' })
  | (EndpointSliceInput & { kind: 'EndpointSlice' })
  | (ServiceCIDRInput & { kind: 'ServiceCIDR' })
  | (PodInput & { kind: 'Pod' })
  | (NodeInput & { kind: 'Node' })
  | (DeploymentInput & { kind: 'Deployment' })
  | (ReplicaSetInput & { kind: 'ReplicaSet' })
  | (EndpointsInput & { kind: 'Endpoints' });
