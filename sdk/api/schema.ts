/**
 * The JSON field names of the Kubernetes v1.32 API types for the kinds svcnet serves, and the
 * unknown-field check that `fieldValidation=Strict` needs.
 *
 * Field names are the `json:"…"` tags of k8s.io/api v0.32 (`core/v1/types.go`,
 * `apps/v1/types.go`, `discovery/v1/types.go`, `networking/v1beta1/types.go` for ServiceCIDR,
 * which networking/v1 took over unchanged) and k8s.io/apimachinery `meta/v1/types.go`. Inlined Go
 * structs (`TypeMeta`, `VolumeSource` in `Volume`, `ProbeHandler` in `Probe`,
 * `EphemeralContainerCommon`) appear flattened, as they do on the wire. Every type is complete:
 * all 30 volume sources, affinity, probes, security contexts and the status blocks included.
 *
 * How the real API server reports unknown fields (the strict JSON decoder, sigs.k8s.io/json
 * `internal/golang/encoding/json`, added by kubernetes/kubernetes#106568):
 * - keys match case-sensitively, so `nodeport` is unknown where `nodePort` is known;
 * - the path joins struct fields with `.` and list items as `[i]`:
 *   `spec.ports[0].nodeport`, `spec.template.spec.containers[0].imagePullPolicyy`;
 * - errors come in the order the decoder meets them, i.e. document order, deduplicated, and at
 *   most 100 are kept;
 * - values the Go type decodes itself are never looked into: `IntOrString`, `Quantity`, `Time`,
 *   `FieldsV1` (`metadata.managedFields[].fieldsV1` is raw JSON) and every `map[string]…`
 *   (labels, annotations, selector, nodeSelector, resource lists…) accept any key.
 *   k8s.io/apimachinery `runtime.strictDecodingError` then prints them as
 *   `strict decoding error: unknown field "a", unknown field "b"`.
 */

import type { ResourceKind } from '../model/types.js';

/**
 * One field of an object type:
 * - `0`: a value this check does not look into (scalars, string lists, maps, IntOrString,
 *   Quantity, Time, FieldsV1);
 * - a `Shape`: a nested object;
 * - `[Shape]`: a list of objects.
 */
export type Field = 0 | Shape | readonly [Shape];

/** An object type: its JSON field names and what each one holds. */
export type Shape = ReadonlyMap<string, Field>;

/** `leaves` is a space-separated list of fields holding values of kind `0`. */
function shape(leaves: string, nested: Readonly<Record<string, Shape | readonly [Shape]>> = {}): Shape {
  const fields = new Map<string, Field>();
  for (const name of leaves.split(/\s+/)) if (name !== '') fields.set(name, 0);
  for (const [name, field] of Object.entries(nested)) fields.set(name, field);
  return fields;
}

function listOf(item: Shape): readonly [Shape] {
  return [item];
}

/** A copy of `base` with more fields (Go struct embedding). */
function extend(base: Shape, leaves: string, nested: Readonly<Record<string, Shape | readonly [Shape]>> = {}): Shape {
  const fields = new Map(base);
  for (const [name, field] of shape(leaves, nested)) fields.set(name, field);
  return fields;
}

// ------------------------------------------------------------------ meta/v1 and shared

const MANAGED_FIELDS_ENTRY = shape('apiVersion fieldsType fieldsV1 manager operation subresource time');
const OWNER_REFERENCE = shape('apiVersion blockOwnerDeletion controller kind name uid');
const OBJECT_META = shape(
  'annotations creationTimestamp deletionGracePeriodSeconds deletionTimestamp finalizers generateName generation ' +
    'labels name namespace resourceVersion selfLink uid',
  { managedFields: listOf(MANAGED_FIELDS_ENTRY), ownerReferences: listOf(OWNER_REFERENCE) },
);
const LABEL_SELECTOR = shape('matchLabels', { matchExpressions: listOf(shape('key operator values')) });
/** metav1.Condition. */
const CONDITION = shape('lastTransitionTime message observedGeneration reason status type');
const OBJECT_REFERENCE = shape('apiVersion fieldPath kind name namespace resourceVersion uid');
const LOCAL_OBJECT_REFERENCE = shape('name');
/** `apiVersion`, `kind` (TypeMeta, inlined) and `metadata`, which every kind has. */
const TYPE_AND_OBJECT_META = shape('apiVersion kind', { metadata: OBJECT_META });

// ------------------------------------------------------------------ containers (core/v1)

const EXEC_ACTION = shape('command');
const HTTP_GET_ACTION = shape('host path port scheme', { httpHeaders: listOf(shape('name value')) });
const TCP_SOCKET_ACTION = shape('host port');
const LIFECYCLE_HANDLER = shape('', {
  exec: EXEC_ACTION,
  httpGet: HTTP_GET_ACTION,
  sleep: shape('seconds'),
  tcpSocket: TCP_SOCKET_ACTION,
});
const PROBE = shape('failureThreshold initialDelaySeconds periodSeconds successThreshold terminationGracePeriodSeconds timeoutSeconds', {
  exec: EXEC_ACTION,
  grpc: shape('port service'),
  httpGet: HTTP_GET_ACTION,
  tcpSocket: TCP_SOCKET_ACTION,
});
const OBJECT_FIELD_SELECTOR = shape('apiVersion fieldPath');
const RESOURCE_FIELD_SELECTOR = shape('containerName divisor resource');
const ENV_VAR = shape('name value', {
  valueFrom: shape('', {
    configMapKeyRef: shape('key name optional'),
    fieldRef: OBJECT_FIELD_SELECTOR,
    resourceFieldRef: RESOURCE_FIELD_SELECTOR,
    secretKeyRef: shape('key name optional'),
  }),
});
const ENV_FROM_SOURCE = shape('prefix', { configMapRef: shape('name optional'), secretRef: shape('name optional') });
const RESOURCE_REQUIREMENTS = shape('limits requests', { claims: listOf(shape('name request')) });
const APP_ARMOR_PROFILE = shape('localhostProfile type');
const SE_LINUX_OPTIONS = shape('level role type user');
const SECCOMP_PROFILE = shape('localhostProfile type');
const WINDOWS_OPTIONS = shape('gmsaCredentialSpec gmsaCredentialSpecName hostProcess runAsUserName');
const SECURITY_CONTEXT = shape('allowPrivilegeEscalation privileged procMount readOnlyRootFilesystem runAsGroup runAsNonRoot runAsUser', {
  appArmorProfile: APP_ARMOR_PROFILE,
  capabilities: shape('add drop'),
  seLinuxOptions: SE_LINUX_OPTIONS,
  seccompProfile: SECCOMP_PROFILE,
  windowsOptions: WINDOWS_OPTIONS,
});
const CONTAINER = shape(
  'args command image imagePullPolicy name restartPolicy stdin stdinOnce terminationMessagePath terminationMessagePolicy tty workingDir',
  {
    env: listOf(ENV_VAR),
    envFrom: listOf(ENV_FROM_SOURCE),
    lifecycle: shape('', { postStart: LIFECYCLE_HANDLER, preStop: LIFECYCLE_HANDLER }),
    livenessProbe: PROBE,
    ports: listOf(shape('containerPort hostIP hostPort name protocol')),
    readinessProbe: PROBE,
    resizePolicy: listOf(shape('resourceName restartPolicy')),
    resources: RESOURCE_REQUIREMENTS,
    securityContext: SECURITY_CONTEXT,
    startupProbe: PROBE,
    volumeDevices: listOf(shape('devicePath name')),
    volumeMounts: listOf(shape('mountPath mountPropagation name readOnly recursiveReadOnly subPath subPathExpr')),
  },
);
/** EphemeralContainerCommon (the Container fields, inlined) plus `targetContainerName`. */
const EPHEMERAL_CONTAINER = extend(CONTAINER, 'targetContainerName');

// ------------------------------------------------------------------ volumes (core/v1 VolumeSource)

const KEY_TO_PATH = shape('key mode path');
const DOWNWARD_API_VOLUME_FILE = shape('mode path', { fieldRef: OBJECT_FIELD_SELECTOR, resourceFieldRef: RESOURCE_FIELD_SELECTOR });
const WITH_SECRET_REF = { secretRef: LOCAL_OBJECT_REFERENCE } as const;
const PERSISTENT_VOLUME_CLAIM_SPEC = shape('accessModes storageClassName volumeAttributesClassName volumeMode volumeName', {
  dataSource: shape('apiGroup kind name'),
  dataSourceRef: shape('apiGroup kind name namespace'),
  resources: shape('limits requests'),
  selector: LABEL_SELECTOR,
});
const VOLUME = shape('name', {
  awsElasticBlockStore: shape('fsType partition readOnly volumeID'),
  azureDisk: shape('cachingMode diskName diskURI fsType kind readOnly'),
  azureFile: shape('readOnly secretName shareName'),
  cephfs: shape('monitors path readOnly secretFile user', WITH_SECRET_REF),
  cinder: shape('fsType readOnly volumeID', WITH_SECRET_REF),
  configMap: shape('defaultMode name optional', { items: listOf(KEY_TO_PATH) }),
  csi: shape('driver fsType readOnly volumeAttributes', { nodePublishSecretRef: LOCAL_OBJECT_REFERENCE }),
  downwardAPI: shape('defaultMode', { items: listOf(DOWNWARD_API_VOLUME_FILE) }),
  emptyDir: shape('medium sizeLimit'),
  ephemeral: shape('', { volumeClaimTemplate: shape('', { metadata: OBJECT_META, spec: PERSISTENT_VOLUME_CLAIM_SPEC }) }),
  fc: shape('fsType lun readOnly targetWWNs wwids'),
  flexVolume: shape('driver fsType options readOnly', WITH_SECRET_REF),
  flocker: shape('datasetName datasetUUID'),
  gcePersistentDisk: shape('fsType partition pdName readOnly'),
  gitRepo: shape('directory repository revision'),
  glusterfs: shape('endpoints path readOnly'),
  hostPath: shape('path type'),
  image: shape('pullPolicy reference'),
  iscsi: shape('chapAuthDiscovery chapAuthSession fsType initiatorName iqn iscsiInterface lun portals readOnly targetPortal', WITH_SECRET_REF),
  nfs: shape('path readOnly server'),
  persistentVolumeClaim: shape('claimName readOnly'),
  photonPersistentDisk: shape('fsType pdID'),
  portworxVolume: shape('fsType readOnly volumeID'),
  projected: shape('defaultMode', {
    sources: listOf(
      shape('', {
        clusterTrustBundle: shape('name optional path signerName', { labelSelector: LABEL_SELECTOR }),
        configMap: shape('name optional', { items: listOf(KEY_TO_PATH) }),
        downwardAPI: shape('', { items: listOf(DOWNWARD_API_VOLUME_FILE) }),
        secret: shape('name optional', { items: listOf(KEY_TO_PATH) }),
        serviceAccountToken: shape('audience expirationSeconds path'),
      }),
    ),
  }),
  quobyte: shape('group readOnly registry tenant user volume'),
  rbd: shape('fsType image keyring monitors pool readOnly user', WITH_SECRET_REF),
  scaleIO: shape('fsType gateway protectionDomain readOnly sslEnabled storageMode storagePool system volumeName', WITH_SECRET_REF),
  secret: shape('defaultMode optional secretName', { items: listOf(KEY_TO_PATH) }),
  storageos: shape('fsType readOnly volumeName volumeNamespace', WITH_SECRET_REF),
  vsphereVolume: shape('fsType storagePolicyID storagePolicyName volumePath'),
});

// ------------------------------------------------------------------ pods (core/v1)

const NODE_SELECTOR_TERM = shape('', {
  matchExpressions: listOf(shape('key operator values')),
  matchFields: listOf(shape('key operator values')),
});
const POD_AFFINITY_TERM = shape('matchLabelKeys mismatchLabelKeys namespaces topologyKey', {
  labelSelector: LABEL_SELECTOR,
  namespaceSelector: LABEL_SELECTOR,
});
const POD_AFFINITY = shape('', {
  preferredDuringSchedulingIgnoredDuringExecution: listOf(shape('weight', { podAffinityTerm: POD_AFFINITY_TERM })),
  requiredDuringSchedulingIgnoredDuringExecution: listOf(POD_AFFINITY_TERM),
});
const AFFINITY = shape('', {
  nodeAffinity: shape('', {
    preferredDuringSchedulingIgnoredDuringExecution: listOf(shape('weight', { preference: NODE_SELECTOR_TERM })),
    requiredDuringSchedulingIgnoredDuringExecution: shape('', { nodeSelectorTerms: listOf(NODE_SELECTOR_TERM) }),
  }),
  podAffinity: POD_AFFINITY,
  podAntiAffinity: POD_AFFINITY,
});
const POD_SECURITY_CONTEXT = shape(
  'fsGroup fsGroupChangePolicy runAsGroup runAsNonRoot runAsUser seLinuxChangePolicy supplementalGroups supplementalGroupsPolicy',
  {
    appArmorProfile: APP_ARMOR_PROFILE,
    seLinuxOptions: SE_LINUX_OPTIONS,
    seccompProfile: SECCOMP_PROFILE,
    sysctls: listOf(shape('name value')),
    windowsOptions: WINDOWS_OPTIONS,
  },
);
const POD_SPEC = shape(
  'activeDeadlineSeconds automountServiceAccountToken dnsPolicy enableServiceLinks hostIPC hostNetwork hostPID hostUsers ' +
    'hostname nodeName nodeSelector overhead preemptionPolicy priority priorityClassName restartPolicy runtimeClassName ' +
    'schedulerName serviceAccount serviceAccountName setHostnameAsFQDN shareProcessNamespace subdomain terminationGracePeriodSeconds',
  {
    affinity: AFFINITY,
    containers: listOf(CONTAINER),
    dnsConfig: shape('nameservers searches', { options: listOf(shape('name value')) }),
    ephemeralContainers: listOf(EPHEMERAL_CONTAINER),
    hostAliases: listOf(shape('hostnames ip')),
    imagePullSecrets: listOf(LOCAL_OBJECT_REFERENCE),
    initContainers: listOf(CONTAINER),
    os: shape('name'),
    readinessGates: listOf(shape('conditionType')),
    resourceClaims: listOf(shape('name resourceClaimName resourceClaimTemplateName')),
    resources: RESOURCE_REQUIREMENTS,
    schedulingGates: listOf(shape('name')),
    securityContext: POD_SECURITY_CONTEXT,
    tolerations: listOf(shape('effect key operator tolerationSeconds value')),
    topologySpreadConstraints: listOf(
      shape('matchLabelKeys maxSkew minDomains nodeAffinityPolicy nodeTaintsPolicy topologyKey whenUnsatisfiable', {
        labelSelector: LABEL_SELECTOR,
      }),
    ),
    volumes: listOf(VOLUME),
  },
);
const CONTAINER_STATE = shape('', {
  running: shape('startedAt'),
  terminated: shape('containerID exitCode finishedAt message reason signal startedAt'),
  waiting: shape('message reason'),
});
const CONTAINER_STATUS = shape('allocatedResources containerID image imageID name ready restartCount started', {
  allocatedResourcesStatus: listOf(shape('name', { resources: listOf(shape('health resourceID')) })),
  lastState: CONTAINER_STATE,
  resources: RESOURCE_REQUIREMENTS,
  state: CONTAINER_STATE,
  user: shape('', { linux: shape('gid supplementalGroups uid') }),
  volumeMounts: listOf(shape('mountPath name readOnly recursiveReadOnly')),
});
const POD_STATUS = shape('hostIP message nominatedNodeName phase podIP qosClass reason resize startTime', {
  conditions: listOf(shape('lastProbeTime lastTransitionTime message reason status type')),
  containerStatuses: listOf(CONTAINER_STATUS),
  ephemeralContainerStatuses: listOf(CONTAINER_STATUS),
  hostIPs: listOf(shape('ip')),
  initContainerStatuses: listOf(CONTAINER_STATUS),
  podIPs: listOf(shape('ip')),
  resourceClaimStatuses: listOf(shape('name resourceClaimName')),
});
const POD_TEMPLATE_SPEC = shape('', { metadata: OBJECT_META, spec: POD_SPEC });

// ------------------------------------------------------------------ nodes (core/v1)

const NODE_CONFIG_SOURCE = shape('', { configMap: shape('kubeletConfigKey name namespace resourceVersion uid') });
const NODE_SPEC = shape('externalID podCIDR podCIDRs providerID unschedulable', {
  configSource: NODE_CONFIG_SOURCE,
  taints: listOf(shape('effect key timeAdded value')),
});
const NODE_STATUS = shape('allocatable capacity phase volumesInUse', {
  addresses: listOf(shape('address type')),
  conditions: listOf(shape('lastHeartbeatTime lastTransitionTime message reason status type')),
  config: shape('error', { active: NODE_CONFIG_SOURCE, assigned: NODE_CONFIG_SOURCE, lastKnownGood: NODE_CONFIG_SOURCE }),
  // DaemonEndpoint's only field really is capitalised: `json:"Port"`.
  daemonEndpoints: shape('', { kubeletEndpoint: shape('Port') }),
  features: shape('supplementalGroupsPolicy'),
  images: listOf(shape('names sizeBytes')),
  nodeInfo: shape(
    'architecture bootID containerRuntimeVersion kernelVersion kubeProxyVersion kubeletVersion machineID operatingSystem osImage systemUUID',
  ),
  runtimeHandlers: listOf(shape('name', { features: shape('recursiveReadOnlyMounts userNamespaces') })),
  volumesAttached: listOf(shape('devicePath name')),
});

// ------------------------------------------------------------------ services and endpoints

const SERVICE_SPEC = shape(
  'allocateLoadBalancerNodePorts clusterIP clusterIPs externalIPs externalName externalTrafficPolicy healthCheckNodePort ' +
    'internalTrafficPolicy ipFamilies ipFamilyPolicy loadBalancerClass loadBalancerIP loadBalancerSourceRanges ' +
    'publishNotReadyAddresses selector sessionAffinity trafficDistribution type',
  {
    ports: listOf(shape('appProtocol name nodePort port protocol targetPort')),
    sessionAffinityConfig: shape('', { clientIP: shape('timeoutSeconds') }),
  },
);
const SERVICE_STATUS = shape('', {
  conditions: listOf(CONDITION),
  loadBalancer: shape('', { ingress: listOf(shape('hostname ip ipMode', { ports: listOf(shape('error port protocol')) })) }),
});
const ENDPOINT_ADDRESS = shape('hostname ip nodeName', { targetRef: OBJECT_REFERENCE });
const ENDPOINT_SUBSET = shape('', {
  addresses: listOf(ENDPOINT_ADDRESS),
  notReadyAddresses: listOf(ENDPOINT_ADDRESS),
  ports: listOf(shape('appProtocol name port protocol')),
});
/** discovery/v1 Endpoint. */
const SLICE_ENDPOINT = shape('addresses deprecatedTopology hostname nodeName zone', {
  conditions: shape('ready serving terminating'),
  hints: shape('', { forZones: listOf(shape('name')) }),
  targetRef: OBJECT_REFERENCE,
});

// ------------------------------------------------------------------ kinds

/** The top-level shape of each kind svcnet serves. */
export const KIND_SCHEMAS: Readonly<Record<ResourceKind, Shape>> = {
  Namespace: extend(TYPE_AND_OBJECT_META, '', {
    spec: shape('finalizers'),
    status: shape('phase', { conditions: listOf(shape('lastTransitionTime message reason status type')) }),
  }),
  Service: extend(TYPE_AND_OBJECT_META, '', { spec: SERVICE_SPEC, status: SERVICE_STATUS }),
  Endpoints: extend(TYPE_AND_OBJECT_META, '', { subsets: listOf(ENDPOINT_SUBSET) }),
  EndpointSlice: extend(TYPE_AND_OBJECT_META, 'addressType', {
    endpoints: listOf(SLICE_ENDPOINT),
    ports: listOf(shape('appProtocol name port protocol')),
  }),
  ServiceCIDR: extend(TYPE_AND_OBJECT_META, '', { spec: shape('cidrs'), status: shape('', { conditions: listOf(CONDITION) }) }),
  Pod: extend(TYPE_AND_OBJECT_META, '', { spec: POD_SPEC, status: POD_STATUS }),
  Node: extend(TYPE_AND_OBJECT_META, '', { spec: NODE_SPEC, status: NODE_STATUS }),
  Deployment: extend(TYPE_AND_OBJECT_META, '', {
    spec: shape('minReadySeconds paused progressDeadlineSeconds replicas revisionHistoryLimit', {
      selector: LABEL_SELECTOR,
      strategy: shape('type', { rollingUpdate: shape('maxSurge maxUnavailable') }),
      template: POD_TEMPLATE_SPEC,
    }),
    status: shape('availableReplicas collisionCount observedGeneration readyReplicas replicas unavailableReplicas updatedReplicas', {
      conditions: listOf(shape('lastTransitionTime lastUpdateTime message reason status type')),
    }),
  }),
  ReplicaSet: extend(TYPE_AND_OBJECT_META, '', {
    spec: shape('minReadySeconds replicas', { selector: LABEL_SELECTOR, template: POD_TEMPLATE_SPEC }),
    status: shape('availableReplicas fullyLabeledReplicas observedGeneration readyReplicas replicas', {
      conditions: listOf(shape('lastTransitionTime message reason status type')),
    }),
  }),
};

/** sigs.k8s.io/json `saveStrictError` keeps at most this many strict errors. */
const MAX_STRICT_ERRORS = 100;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Dotted paths of fields the Kubernetes API (v1.32) does not define for this kind, in document
 * order. List items use `[i]`: `spec.ports[0].portz`; map-typed fields (labels, annotations,
 * selector, nodeSelector, data…) accept any key. Returns [] when all fields are known.
 *
 * Only unknown field names are reported. A value of the wrong JSON type (a string where an
 * object or list belongs, an object inside a scalar field) is a type error, which the real API
 * server reports as a decoding error of its own; this function neither reports it nor looks
 * inside such a value. `null` anywhere is accepted. A kind svcnet does not serve has no schema
 * here, so nothing about it is reported ([]).
 *
 * "Document order" is the object's own key order, which is the JSON text's order for a
 * `JSON.parse` result except that integer-like keys ("0", "42") come first.
 */
export function unknownFields(kind: ResourceKind | string, obj: unknown): string[] {
  const schema = Object.hasOwn(KIND_SCHEMAS, kind) ? KIND_SCHEMAS[kind as ResourceKind] : undefined;
  const unknown: string[] = [];
  if (schema !== undefined) walkObject(schema, obj, '', unknown);
  return unknown;
}

function walkObject(schema: Shape, value: unknown, path: string, unknown: string[]): void {
  if (!isPlainObject(value)) return;
  for (const [name, child] of Object.entries(value)) {
    if (unknown.length >= MAX_STRICT_ERRORS) return;
    const childPath = path === '' ? name : `${path}.${name}`;
    const field = schema.get(name);
    if (field === undefined) unknown.push(childPath);
    else if (field === 0) continue;
    else if (Array.isArray(field)) walkList(field[0] as Shape, child, childPath, unknown);
    else walkObject(field as Shape, child, childPath, unknown);
  }
}

function walkList(item: Shape, value: unknown, path: string, unknown: string[]): void {
  if (!Array.isArray(value)) return;
  value.forEach((element, index) => walkObject(item, element, `${path}[${index}]`, unknown));
}
