/**
 * The Kubernetes v1.32 API types of the kinds svcnet serves, as the API server's JSON decoder
 * sees them: every field's JSON name and Go type. Two checks read it: `unknownFields` (what
 * `fieldValidation=Strict` reports) and `decodeError` (the JSON type errors that make the real
 * API server answer 400 before anything reaches storage).
 *
 * Field names and types are the `json:"…"` tags and Go types of k8s.io/api v0.32
 * (`core/v1/types.go`, `apps/v1/types.go`, `discovery/v1/types.go`, `networking/v1beta1/types.go`
 * for ServiceCIDR, which networking/v1 took over unchanged) and k8s.io/apimachinery
 * `meta/v1/types.go`. Inlined Go structs (`TypeMeta`, `VolumeSource` in `Volume`, `ProbeHandler`
 * in `Probe`, `EphemeralContainerCommon`, `LocalObjectReference` in key selectors) appear
 * flattened, as they do on the wire, under the outer struct's name, as Go's decoder reports them.
 * Every type is complete: all 30 volume sources, affinity, probes, security contexts and the
 * status blocks included.
 *
 * How the real API server decodes a request body (k8s.io/apimachinery
 * `runtime/serializer/json`, which calls sigs.k8s.io/json `UnmarshalCaseSensitivePreserveInts`,
 * a fork of Go's `encoding/json`, `internal/golang/encoding/json/decode.go`):
 * - keys match case-sensitively, so `nodeport` is unknown where `nodePort` is known; unknown keys
 *   are skipped (and, under `fieldValidation=Strict`, reported as strict errors, see below);
 * - a value of the wrong JSON type is skipped and the first such error is kept
 *   (`decodeState.saveError`); decoding carries on so later type errors are not reported;
 * - types with their own `UnmarshalJSON` (`intstr.IntOrString`, `resource.Quantity`,
 *   `metav1.Time`, `metav1.FieldsV1`) return their error at once, which ends decoding and wins
 *   over any type error kept before it;
 * - `null` is accepted everywhere (it zeroes maps, slices and pointers and is ignored otherwise).
 *
 * Unknown fields (`unknownFields`, for the strict decoder added by kubernetes/kubernetes#106568):
 * - the path joins struct fields with `.` and list items as `[i]`:
 *   `spec.ports[0].nodeport`, `spec.template.spec.containers[0].imagePullPolicyy`;
 * - errors come in the order the decoder meets them, i.e. document order, deduplicated, and at
 *   most 100 are kept;
 * - values the Go type decodes itself are never looked into: `IntOrString`, `Quantity`, `Time`,
 *   `FieldsV1` (`metadata.managedFields[].fieldsV1` is raw JSON) and every `map[string]…`
 *   (labels, annotations, selector, nodeSelector, resource lists…) accept any key.
 *   k8s.io/apimachinery `runtime.strictDecodingError` then prints them as
 *   `strict decoding error: unknown field "a", unknown field "b"`.
 *
 * Type errors (`decodeError`) are worded as Go's `json.UnmarshalTypeError.Error()`, which the
 * fork aliases, so its `addErrorContext` also names the field of errors that an `UnmarshalJSON`
 * method returns:
 *   `json: cannot unmarshal <what> into Go struct field <Struct>.<path> of type <Go type>`
 * - `<what>` is the JSON kind: `string`, `number`, `bool`, `array`, `object`; for Go integer
 *   types it is `number <literal>` (`number 80.5`, `number 3000000000`);
 * - `<Struct>` is the Go struct holding the field (`ServicePort`, `ObjectMeta`, `EnvVar`);
 * - `<path>` is the JSON field names from the object's root joined by `.`, without list indices
 *   or map keys: `spec.template.spec.containers.env.value`;
 * - `<Go type>` is `reflect.Type.String()` of the value decoded into, pointers removed and list
 *   items or map values taken singly: `[]v1.ServicePort`, `int32`, `v1.Protocol`,
 *   `map[string]string`, `v1.ResourceList`; a value inside a list of strings is a `string`.
 * Seen from the apiserver (kubectl): `Service in version "v1" cannot be handled as a Service: json:
 * cannot unmarshal number into Go struct field ServicePort.spec.ports.name of type string`
 * (haproxytech/helm-charts#184), `… Deployment: json: cannot unmarshal number into Go struct
 * field EnvVar.spec.template.spec.containers.env.value of type string` (labring/sealos#4346),
 * `json: cannot unmarshal string into Go struct field ServicePort.spec.ports.nodePort of type
 * int32` (SigNoz/charts#635), `… ObjectMeta.metadata.labels of type string`
 * (open-cluster-management-io/ocm#530).
 * Errors that are not type errors keep their own words, without a field:
 * - `metav1.Time` (`meta/v1/time.go`) parses with Go's `time.Parse(time.RFC3339, s)`:
 *   `parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`,
 *   `parsing time "2025-13-01T00:00:00Z": month out of range` (Go `time/format.go` `parse`);
 * - `resource.Quantity` (`api/resource/quantity.go` `ParseQuantity`): `quantities must match the
 *   regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`, `unable to parse
 *   quantity's suffix`, `unable to parse numeric part of quantity`.
 */

import type { ResourceKind } from '../model/types.js';

/** A value decoded by a Go scalar type or by a type's own `UnmarshalJSON`. */
export interface Leaf {
  readonly kind: 'string' | 'int32' | 'int64' | 'bool' | 'intOrString' | 'quantity' | 'time' | 'raw';
  /** As `reflect.Type.String()` prints it: `string`, `v1.Protocol`, `int32`, `intstr.IntOrString`. */
  readonly goType: string;
}

/** A Go slice. */
export interface ListField {
  readonly kind: 'list';
  readonly item: Field;
  /** `[]v1.ServicePort`, `[]string`. */
  readonly goType: string;
}

/** A Go map with string keys: any key is accepted; every value is decoded as `value`. */
export interface MapField {
  readonly kind: 'map';
  readonly value: Field;
  /** `map[string]string`, `v1.ResourceList`. */
  readonly goType: string;
}

/** A Go struct: its JSON field names and what each one holds. */
export interface Shape extends ReadonlyMap<string, Field> {
  readonly kind: 'object';
  /** `v1.ServiceSpec`; the part after the last `.` is the struct name errors print. */
  readonly goType: string;
}

/** One field of an object type. */
export type Field = Leaf | ListField | MapField | Shape;

class StructShape extends Map<string, Field> implements Shape {
  readonly kind = 'object' as const;

  constructor(readonly goType: string) {
    super();
  }
}

const SCALAR_TYPES: Readonly<Record<string, Leaf>> = {
  string: { kind: 'string', goType: 'string' },
  int32: { kind: 'int32', goType: 'int32' },
  int64: { kind: 'int64', goType: 'int64' },
  bool: { kind: 'bool', goType: 'bool' },
  'intstr.IntOrString': { kind: 'intOrString', goType: 'intstr.IntOrString' },
  'resource.Quantity': { kind: 'quantity', goType: 'resource.Quantity' },
  'v1.Time': { kind: 'time', goType: 'v1.Time' },
  'v1.FieldsV1': { kind: 'raw', goType: 'v1.FieldsV1' },
};

/**
 * The field a Go type name stands for. `[]T` is a list of T; `map[string]string` and
 * `v1.ResourceList` (a map of Quantity) are maps; other qualified names (`v1.Protocol`,
 * `types.UID`) are named string types. A bare name must be one of Go's scalars used here.
 */
function typeNamed(goType: string): Field {
  if (goType.startsWith('[]')) return listOf(typeNamed(goType.slice(2)));
  if (goType === 'map[string]string') return { kind: 'map', value: SCALAR_TYPES.string, goType };
  if (goType === 'v1.ResourceList') return { kind: 'map', value: SCALAR_TYPES['resource.Quantity'], goType };
  const known = SCALAR_TYPES[goType];
  if (known !== undefined) return known;
  if (!goType.includes('.')) throw new Error(`schema: unknown Go type ${goType}`);
  return { kind: 'string', goType };
}

/**
 * A struct. `leaves` is a space-separated list of `name` (a Go `string`) or `name:GoType`
 * (`port:int32`, `protocol:v1.Protocol`, `command:[]string`); `nested` adds struct and list
 * fields.
 */
function struct(goType: string, leaves: string, nested: Readonly<Record<string, Field>> = {}): Shape {
  const fields = new StructShape(goType);
  for (const token of leaves.split(/\s+/)) {
    if (token === '') continue;
    const colon = token.indexOf(':');
    if (colon < 0) fields.set(token, SCALAR_TYPES.string);
    else fields.set(token.slice(0, colon), typeNamed(token.slice(colon + 1)));
  }
  for (const [name, field] of Object.entries(nested)) fields.set(name, field);
  return fields;
}

function listOf(item: Field): ListField {
  return { kind: 'list', item, goType: `[]${item.goType}` };
}

/** A struct with `base`'s fields and more (Go struct embedding), named `goType`. */
function extend(goType: string, base: Shape, leaves: string, nested: Readonly<Record<string, Field>> = {}): Shape {
  const fields = new StructShape(goType);
  for (const [name, field] of base) fields.set(name, field);
  for (const [name, field] of struct(goType, leaves, nested)) fields.set(name, field);
  return fields;
}

// ------------------------------------------------------------------ meta/v1 and shared

const MANAGED_FIELDS_ENTRY = struct(
  'v1.ManagedFieldsEntry',
  'apiVersion fieldsType fieldsV1:v1.FieldsV1 manager operation:v1.ManagedFieldsOperationType subresource time:v1.Time',
);
const OWNER_REFERENCE = struct('v1.OwnerReference', 'apiVersion blockOwnerDeletion:bool controller:bool kind name uid:types.UID');
const OBJECT_META = struct(
  'v1.ObjectMeta',
  'annotations:map[string]string creationTimestamp:v1.Time deletionGracePeriodSeconds:int64 deletionTimestamp:v1.Time ' +
    'finalizers:[]string generateName generation:int64 labels:map[string]string name namespace resourceVersion selfLink uid:types.UID',
  { managedFields: listOf(MANAGED_FIELDS_ENTRY), ownerReferences: listOf(OWNER_REFERENCE) },
);
const LABEL_SELECTOR = struct('v1.LabelSelector', 'matchLabels:map[string]string', {
  matchExpressions: listOf(struct('v1.LabelSelectorRequirement', 'key operator:v1.LabelSelectorOperator values:[]string')),
});
/** metav1.Condition. */
const CONDITION = struct(
  'v1.Condition',
  'lastTransitionTime:v1.Time message observedGeneration:int64 reason status:v1.ConditionStatus type',
);
const OBJECT_REFERENCE = struct('v1.ObjectReference', 'apiVersion fieldPath kind name namespace resourceVersion uid:types.UID');
const LOCAL_OBJECT_REFERENCE = struct('v1.LocalObjectReference', 'name');
/** `apiVersion`, `kind` (TypeMeta, inlined) and `metadata`, which every kind has. */
function kindShape(goType: string, nested: Readonly<Record<string, Field>>, leaves = ''): Shape {
  return struct(goType, `apiVersion kind ${leaves}`, { metadata: OBJECT_META, ...nested });
}

// ------------------------------------------------------------------ containers (core/v1)

const EXEC_ACTION = struct('v1.ExecAction', 'command:[]string');
const HTTP_GET_ACTION = struct('v1.HTTPGetAction', 'host path port:intstr.IntOrString scheme:v1.URIScheme', {
  httpHeaders: listOf(struct('v1.HTTPHeader', 'name value')),
});
const TCP_SOCKET_ACTION = struct('v1.TCPSocketAction', 'host port:intstr.IntOrString');
const LIFECYCLE_HANDLER = struct('v1.LifecycleHandler', '', {
  exec: EXEC_ACTION,
  httpGet: HTTP_GET_ACTION,
  sleep: struct('v1.SleepAction', 'seconds:int64'),
  tcpSocket: TCP_SOCKET_ACTION,
});
const PROBE = struct(
  'v1.Probe',
  'failureThreshold:int32 initialDelaySeconds:int32 periodSeconds:int32 successThreshold:int32 ' +
    'terminationGracePeriodSeconds:int64 timeoutSeconds:int32',
  {
    exec: EXEC_ACTION,
    grpc: struct('v1.GRPCAction', 'port:int32 service'),
    httpGet: HTTP_GET_ACTION,
    tcpSocket: TCP_SOCKET_ACTION,
  },
);
const OBJECT_FIELD_SELECTOR = struct('v1.ObjectFieldSelector', 'apiVersion fieldPath');
const RESOURCE_FIELD_SELECTOR = struct('v1.ResourceFieldSelector', 'containerName divisor:resource.Quantity resource');
const ENV_VAR = struct('v1.EnvVar', 'name value', {
  valueFrom: struct('v1.EnvVarSource', '', {
    configMapKeyRef: struct('v1.ConfigMapKeySelector', 'key name optional:bool'),
    fieldRef: OBJECT_FIELD_SELECTOR,
    resourceFieldRef: RESOURCE_FIELD_SELECTOR,
    secretKeyRef: struct('v1.SecretKeySelector', 'key name optional:bool'),
  }),
});
const ENV_FROM_SOURCE = struct('v1.EnvFromSource', 'prefix', {
  configMapRef: struct('v1.ConfigMapEnvSource', 'name optional:bool'),
  secretRef: struct('v1.SecretEnvSource', 'name optional:bool'),
});
const RESOURCE_REQUIREMENTS = struct('v1.ResourceRequirements', 'limits:v1.ResourceList requests:v1.ResourceList', {
  claims: listOf(struct('v1.ResourceClaim', 'name request')),
});
const APP_ARMOR_PROFILE = struct('v1.AppArmorProfile', 'localhostProfile type:v1.AppArmorProfileType');
const SE_LINUX_OPTIONS = struct('v1.SELinuxOptions', 'level role type user');
const SECCOMP_PROFILE = struct('v1.SeccompProfile', 'localhostProfile type:v1.SeccompProfileType');
const WINDOWS_OPTIONS = struct(
  'v1.WindowsSecurityContextOptions',
  'gmsaCredentialSpec gmsaCredentialSpecName hostProcess:bool runAsUserName',
);
const SECURITY_CONTEXT = struct(
  'v1.SecurityContext',
  'allowPrivilegeEscalation:bool privileged:bool procMount:v1.ProcMountType readOnlyRootFilesystem:bool runAsGroup:int64 ' +
    'runAsNonRoot:bool runAsUser:int64',
  {
    appArmorProfile: APP_ARMOR_PROFILE,
    capabilities: struct('v1.Capabilities', 'add:[]v1.Capability drop:[]v1.Capability'),
    seLinuxOptions: SE_LINUX_OPTIONS,
    seccompProfile: SECCOMP_PROFILE,
    windowsOptions: WINDOWS_OPTIONS,
  },
);
const CONTAINER = struct(
  'v1.Container',
  'args:[]string command:[]string image imagePullPolicy:v1.PullPolicy name restartPolicy:v1.ContainerRestartPolicy ' +
    'stdin:bool stdinOnce:bool terminationMessagePath terminationMessagePolicy:v1.TerminationMessagePolicy tty:bool workingDir',
  {
    env: listOf(ENV_VAR),
    envFrom: listOf(ENV_FROM_SOURCE),
    lifecycle: struct('v1.Lifecycle', '', { postStart: LIFECYCLE_HANDLER, preStop: LIFECYCLE_HANDLER }),
    livenessProbe: PROBE,
    ports: listOf(struct('v1.ContainerPort', 'containerPort:int32 hostIP hostPort:int32 name protocol:v1.Protocol')),
    readinessProbe: PROBE,
    resizePolicy: listOf(
      struct('v1.ContainerResizePolicy', 'resourceName:v1.ResourceName restartPolicy:v1.ResourceResizeRestartPolicy'),
    ),
    resources: RESOURCE_REQUIREMENTS,
    securityContext: SECURITY_CONTEXT,
    startupProbe: PROBE,
    volumeDevices: listOf(struct('v1.VolumeDevice', 'devicePath name')),
    volumeMounts: listOf(
      struct(
        'v1.VolumeMount',
        'mountPath mountPropagation:v1.MountPropagationMode name readOnly:bool recursiveReadOnly:v1.RecursiveReadOnlyMode ' +
          'subPath subPathExpr',
      ),
    ),
  },
);
/** EphemeralContainerCommon (the Container fields, inlined) plus `targetContainerName`. */
const EPHEMERAL_CONTAINER = extend('v1.EphemeralContainer', CONTAINER, 'targetContainerName');

// ------------------------------------------------------------------ volumes (core/v1 VolumeSource)

const KEY_TO_PATH = struct('v1.KeyToPath', 'key mode:int32 path');
const DOWNWARD_API_VOLUME_FILE = struct('v1.DownwardAPIVolumeFile', 'mode:int32 path', {
  fieldRef: OBJECT_FIELD_SELECTOR,
  resourceFieldRef: RESOURCE_FIELD_SELECTOR,
});
const WITH_SECRET_REF = { secretRef: LOCAL_OBJECT_REFERENCE } as const;
const PERSISTENT_VOLUME_CLAIM_SPEC = struct(
  'v1.PersistentVolumeClaimSpec',
  'accessModes:[]v1.PersistentVolumeAccessMode storageClassName volumeAttributesClassName volumeMode:v1.PersistentVolumeMode volumeName',
  {
    dataSource: struct('v1.TypedLocalObjectReference', 'apiGroup kind name'),
    dataSourceRef: struct('v1.TypedObjectReference', 'apiGroup kind name namespace'),
    resources: struct('v1.VolumeResourceRequirements', 'limits:v1.ResourceList requests:v1.ResourceList'),
    selector: LABEL_SELECTOR,
  },
);
const VOLUME = struct('v1.Volume', 'name', {
  awsElasticBlockStore: struct('v1.AWSElasticBlockStoreVolumeSource', 'fsType partition:int32 readOnly:bool volumeID'),
  azureDisk: struct(
    'v1.AzureDiskVolumeSource',
    'cachingMode:v1.AzureDataDiskCachingMode diskName diskURI fsType kind:v1.AzureDataDiskKind readOnly:bool',
  ),
  azureFile: struct('v1.AzureFileVolumeSource', 'readOnly:bool secretName shareName'),
  cephfs: struct('v1.CephFSVolumeSource', 'monitors:[]string path readOnly:bool secretFile user', WITH_SECRET_REF),
  cinder: struct('v1.CinderVolumeSource', 'fsType readOnly:bool volumeID', WITH_SECRET_REF),
  configMap: struct('v1.ConfigMapVolumeSource', 'defaultMode:int32 name optional:bool', { items: listOf(KEY_TO_PATH) }),
  csi: struct('v1.CSIVolumeSource', 'driver fsType readOnly:bool volumeAttributes:map[string]string', {
    nodePublishSecretRef: LOCAL_OBJECT_REFERENCE,
  }),
  downwardAPI: struct('v1.DownwardAPIVolumeSource', 'defaultMode:int32', { items: listOf(DOWNWARD_API_VOLUME_FILE) }),
  emptyDir: struct('v1.EmptyDirVolumeSource', 'medium:v1.StorageMedium sizeLimit:resource.Quantity'),
  ephemeral: struct('v1.EphemeralVolumeSource', '', {
    volumeClaimTemplate: struct('v1.PersistentVolumeClaimTemplate', '', { metadata: OBJECT_META, spec: PERSISTENT_VOLUME_CLAIM_SPEC }),
  }),
  fc: struct('v1.FCVolumeSource', 'fsType lun:int32 readOnly:bool targetWWNs:[]string wwids:[]string'),
  flexVolume: struct('v1.FlexVolumeSource', 'driver fsType options:map[string]string readOnly:bool', WITH_SECRET_REF),
  flocker: struct('v1.FlockerVolumeSource', 'datasetName datasetUUID'),
  gcePersistentDisk: struct('v1.GCEPersistentDiskVolumeSource', 'fsType partition:int32 pdName readOnly:bool'),
  gitRepo: struct('v1.GitRepoVolumeSource', 'directory repository revision'),
  glusterfs: struct('v1.GlusterfsVolumeSource', 'endpoints path readOnly:bool'),
  hostPath: struct('v1.HostPathVolumeSource', 'path type:v1.HostPathType'),
  image: struct('v1.ImageVolumeSource', 'pullPolicy:v1.PullPolicy reference'),
  iscsi: struct(
    'v1.ISCSIVolumeSource',
    'chapAuthDiscovery:bool chapAuthSession:bool fsType initiatorName iqn iscsiInterface lun:int32 portals:[]string readOnly:bool targetPortal',
    WITH_SECRET_REF,
  ),
  nfs: struct('v1.NFSVolumeSource', 'path readOnly:bool server'),
  persistentVolumeClaim: struct('v1.PersistentVolumeClaimVolumeSource', 'claimName readOnly:bool'),
  photonPersistentDisk: struct('v1.PhotonPersistentDiskVolumeSource', 'fsType pdID'),
  portworxVolume: struct('v1.PortworxVolumeSource', 'fsType readOnly:bool volumeID'),
  projected: struct('v1.ProjectedVolumeSource', 'defaultMode:int32', {
    sources: listOf(
      struct('v1.VolumeProjection', '', {
        clusterTrustBundle: struct('v1.ClusterTrustBundleProjection', 'name optional:bool path signerName', {
          labelSelector: LABEL_SELECTOR,
        }),
        configMap: struct('v1.ConfigMapProjection', 'name optional:bool', { items: listOf(KEY_TO_PATH) }),
        downwardAPI: struct('v1.DownwardAPIProjection', '', { items: listOf(DOWNWARD_API_VOLUME_FILE) }),
        secret: struct('v1.SecretProjection', 'name optional:bool', { items: listOf(KEY_TO_PATH) }),
        serviceAccountToken: struct('v1.ServiceAccountTokenProjection', 'audience expirationSeconds:int64 path'),
      }),
    ),
  }),
  quobyte: struct('v1.QuobyteVolumeSource', 'group readOnly:bool registry tenant user volume'),
  rbd: struct('v1.RBDVolumeSource', 'fsType image keyring monitors:[]string pool readOnly:bool user', WITH_SECRET_REF),
  scaleIO: struct(
    'v1.ScaleIOVolumeSource',
    'fsType gateway protectionDomain readOnly:bool sslEnabled:bool storageMode storagePool system volumeName',
    WITH_SECRET_REF,
  ),
  secret: struct('v1.SecretVolumeSource', 'defaultMode:int32 optional:bool secretName', { items: listOf(KEY_TO_PATH) }),
  storageos: struct('v1.StorageOSVolumeSource', 'fsType readOnly:bool volumeName volumeNamespace', WITH_SECRET_REF),
  vsphereVolume: struct('v1.VsphereVirtualDiskVolumeSource', 'fsType storagePolicyID storagePolicyName volumePath'),
});

// ------------------------------------------------------------------ pods (core/v1)

const NODE_SELECTOR_REQUIREMENT = struct('v1.NodeSelectorRequirement', 'key operator:v1.NodeSelectorOperator values:[]string');
const NODE_SELECTOR_TERM = struct('v1.NodeSelectorTerm', '', {
  matchExpressions: listOf(NODE_SELECTOR_REQUIREMENT),
  matchFields: listOf(NODE_SELECTOR_REQUIREMENT),
});
const POD_AFFINITY_TERM = struct('v1.PodAffinityTerm', 'matchLabelKeys:[]string mismatchLabelKeys:[]string namespaces:[]string topologyKey', {
  labelSelector: LABEL_SELECTOR,
  namespaceSelector: LABEL_SELECTOR,
});
function podAffinity(goType: string): Shape {
  return struct(goType, '', {
    preferredDuringSchedulingIgnoredDuringExecution: listOf(
      struct('v1.WeightedPodAffinityTerm', 'weight:int32', { podAffinityTerm: POD_AFFINITY_TERM }),
    ),
    requiredDuringSchedulingIgnoredDuringExecution: listOf(POD_AFFINITY_TERM),
  });
}
const AFFINITY = struct('v1.Affinity', '', {
  nodeAffinity: struct('v1.NodeAffinity', '', {
    preferredDuringSchedulingIgnoredDuringExecution: listOf(
      struct('v1.PreferredSchedulingTerm', 'weight:int32', { preference: NODE_SELECTOR_TERM }),
    ),
    requiredDuringSchedulingIgnoredDuringExecution: struct('v1.NodeSelector', '', { nodeSelectorTerms: listOf(NODE_SELECTOR_TERM) }),
  }),
  podAffinity: podAffinity('v1.PodAffinity'),
  podAntiAffinity: podAffinity('v1.PodAntiAffinity'),
});
const POD_SECURITY_CONTEXT = struct(
  'v1.PodSecurityContext',
  'fsGroup:int64 fsGroupChangePolicy:v1.PodFSGroupChangePolicy runAsGroup:int64 runAsNonRoot:bool runAsUser:int64 ' +
    'seLinuxChangePolicy:v1.PodSELinuxChangePolicy supplementalGroups:[]int64 supplementalGroupsPolicy:v1.SupplementalGroupsPolicy',
  {
    appArmorProfile: APP_ARMOR_PROFILE,
    seLinuxOptions: SE_LINUX_OPTIONS,
    seccompProfile: SECCOMP_PROFILE,
    sysctls: listOf(struct('v1.Sysctl', 'name value')),
    windowsOptions: WINDOWS_OPTIONS,
  },
);
const POD_SPEC = struct(
  'v1.PodSpec',
  'activeDeadlineSeconds:int64 automountServiceAccountToken:bool dnsPolicy:v1.DNSPolicy enableServiceLinks:bool hostIPC:bool ' +
    'hostNetwork:bool hostPID:bool hostUsers:bool hostname nodeName nodeSelector:map[string]string overhead:v1.ResourceList ' +
    'preemptionPolicy:v1.PreemptionPolicy priority:int32 priorityClassName restartPolicy:v1.RestartPolicy runtimeClassName ' +
    'schedulerName serviceAccount serviceAccountName setHostnameAsFQDN:bool shareProcessNamespace:bool subdomain ' +
    'terminationGracePeriodSeconds:int64',
  {
    affinity: AFFINITY,
    containers: listOf(CONTAINER),
    dnsConfig: struct('v1.PodDNSConfig', 'nameservers:[]string searches:[]string', {
      options: listOf(struct('v1.PodDNSConfigOption', 'name value')),
    }),
    ephemeralContainers: listOf(EPHEMERAL_CONTAINER),
    hostAliases: listOf(struct('v1.HostAlias', 'hostnames:[]string ip')),
    imagePullSecrets: listOf(LOCAL_OBJECT_REFERENCE),
    initContainers: listOf(CONTAINER),
    os: struct('v1.PodOS', 'name:v1.OSName'),
    readinessGates: listOf(struct('v1.PodReadinessGate', 'conditionType:v1.PodConditionType')),
    resourceClaims: listOf(struct('v1.PodResourceClaim', 'name resourceClaimName resourceClaimTemplateName')),
    resources: RESOURCE_REQUIREMENTS,
    schedulingGates: listOf(struct('v1.PodSchedulingGate', 'name')),
    securityContext: POD_SECURITY_CONTEXT,
    tolerations: listOf(
      struct('v1.Toleration', 'effect:v1.TaintEffect key operator:v1.TolerationOperator tolerationSeconds:int64 value'),
    ),
    topologySpreadConstraints: listOf(
      struct(
        'v1.TopologySpreadConstraint',
        'matchLabelKeys:[]string maxSkew:int32 minDomains:int32 nodeAffinityPolicy:v1.NodeInclusionPolicy ' +
          'nodeTaintsPolicy:v1.NodeInclusionPolicy topologyKey whenUnsatisfiable:v1.UnsatisfiableConstraintAction',
        { labelSelector: LABEL_SELECTOR },
      ),
    ),
    volumes: listOf(VOLUME),
  },
);
const CONTAINER_STATE = struct('v1.ContainerState', '', {
  running: struct('v1.ContainerStateRunning', 'startedAt:v1.Time'),
  terminated: struct(
    'v1.ContainerStateTerminated',
    'containerID exitCode:int32 finishedAt:v1.Time message reason signal:int32 startedAt:v1.Time',
  ),
  waiting: struct('v1.ContainerStateWaiting', 'message reason'),
});
const CONTAINER_STATUS = struct(
  'v1.ContainerStatus',
  'allocatedResources:v1.ResourceList containerID image imageID name ready:bool restartCount:int32 started:bool',
  {
    allocatedResourcesStatus: listOf(
      struct('v1.ResourceStatus', 'name:v1.ResourceName', {
        resources: listOf(struct('v1.ResourceHealth', 'health:v1.ResourceHealthStatus resourceID:v1.ResourceID')),
      }),
    ),
    lastState: CONTAINER_STATE,
    resources: RESOURCE_REQUIREMENTS,
    state: CONTAINER_STATE,
    user: struct('v1.ContainerUser', '', {
      linux: struct('v1.LinuxContainerUser', 'gid:int64 supplementalGroups:[]int64 uid:int64'),
    }),
    volumeMounts: listOf(
      struct('v1.VolumeMountStatus', 'mountPath name readOnly:bool recursiveReadOnly:v1.RecursiveReadOnlyMode'),
    ),
  },
);
const POD_STATUS = struct(
  'v1.PodStatus',
  'hostIP message nominatedNodeName phase:v1.PodPhase podIP qosClass:v1.PodQOSClass reason resize:v1.PodResizeStatus startTime:v1.Time',
  {
    conditions: listOf(
      struct(
        'v1.PodCondition',
        'lastProbeTime:v1.Time lastTransitionTime:v1.Time message reason status:v1.ConditionStatus type:v1.PodConditionType',
      ),
    ),
    containerStatuses: listOf(CONTAINER_STATUS),
    ephemeralContainerStatuses: listOf(CONTAINER_STATUS),
    hostIPs: listOf(struct('v1.HostIP', 'ip')),
    initContainerStatuses: listOf(CONTAINER_STATUS),
    podIPs: listOf(struct('v1.PodIP', 'ip')),
    resourceClaimStatuses: listOf(struct('v1.PodResourceClaimStatus', 'name resourceClaimName')),
  },
);
const POD_TEMPLATE_SPEC = struct('v1.PodTemplateSpec', '', { metadata: OBJECT_META, spec: POD_SPEC });

// ------------------------------------------------------------------ nodes (core/v1)

const NODE_CONFIG_SOURCE = struct('v1.NodeConfigSource', '', {
  configMap: struct('v1.ConfigMapNodeConfigSource', 'kubeletConfigKey name namespace resourceVersion uid:types.UID'),
});
const NODE_SPEC = struct('v1.NodeSpec', 'externalID podCIDR podCIDRs:[]string providerID unschedulable:bool', {
  configSource: NODE_CONFIG_SOURCE,
  taints: listOf(struct('v1.Taint', 'effect:v1.TaintEffect key timeAdded:v1.Time value')),
});
const NODE_STATUS = struct(
  'v1.NodeStatus',
  'allocatable:v1.ResourceList capacity:v1.ResourceList phase:v1.NodePhase volumesInUse:[]v1.UniqueVolumeName',
  {
    addresses: listOf(struct('v1.NodeAddress', 'address type:v1.NodeAddressType')),
    conditions: listOf(
      struct(
        'v1.NodeCondition',
        'lastHeartbeatTime:v1.Time lastTransitionTime:v1.Time message reason status:v1.ConditionStatus type:v1.NodeConditionType',
      ),
    ),
    config: struct('v1.NodeConfigStatus', 'error', {
      active: NODE_CONFIG_SOURCE,
      assigned: NODE_CONFIG_SOURCE,
      lastKnownGood: NODE_CONFIG_SOURCE,
    }),
    // DaemonEndpoint's only field really is capitalised: `json:"Port"`.
    daemonEndpoints: struct('v1.NodeDaemonEndpoints', '', { kubeletEndpoint: struct('v1.DaemonEndpoint', 'Port:int32') }),
    features: struct('v1.NodeFeatures', 'supplementalGroupsPolicy:bool'),
    images: listOf(struct('v1.ContainerImage', 'names:[]string sizeBytes:int64')),
    nodeInfo: struct(
      'v1.NodeSystemInfo',
      'architecture bootID containerRuntimeVersion kernelVersion kubeProxyVersion kubeletVersion machineID operatingSystem osImage systemUUID',
    ),
    runtimeHandlers: listOf(
      struct('v1.NodeRuntimeHandler', 'name', {
        features: struct('v1.NodeRuntimeHandlerFeatures', 'recursiveReadOnlyMounts:bool userNamespaces:bool'),
      }),
    ),
    volumesAttached: listOf(struct('v1.AttachedVolume', 'devicePath name:v1.UniqueVolumeName')),
  },
);

// ------------------------------------------------------------------ services and endpoints

const SERVICE_SPEC = struct(
  'v1.ServiceSpec',
  'allocateLoadBalancerNodePorts:bool clusterIP clusterIPs:[]string externalIPs:[]string externalName ' +
    'externalTrafficPolicy:v1.ServiceExternalTrafficPolicy healthCheckNodePort:int32 ' +
    'internalTrafficPolicy:v1.ServiceInternalTrafficPolicy ipFamilies:[]v1.IPFamily ipFamilyPolicy:v1.IPFamilyPolicy ' +
    'loadBalancerClass loadBalancerIP loadBalancerSourceRanges:[]string publishNotReadyAddresses:bool ' +
    'selector:map[string]string sessionAffinity:v1.ServiceAffinity trafficDistribution type:v1.ServiceType',
  {
    ports: listOf(
      struct('v1.ServicePort', 'appProtocol name nodePort:int32 port:int32 protocol:v1.Protocol targetPort:intstr.IntOrString'),
    ),
    sessionAffinityConfig: struct('v1.SessionAffinityConfig', '', {
      clientIP: struct('v1.ClientIPConfig', 'timeoutSeconds:int32'),
    }),
  },
);
const SERVICE_STATUS = struct('v1.ServiceStatus', '', {
  conditions: listOf(CONDITION),
  loadBalancer: struct('v1.LoadBalancerStatus', '', {
    ingress: listOf(
      struct('v1.LoadBalancerIngress', 'hostname ip ipMode:v1.LoadBalancerIPMode', {
        ports: listOf(struct('v1.PortStatus', 'error port:int32 protocol:v1.Protocol')),
      }),
    ),
  }),
});
const ENDPOINT_ADDRESS = struct('v1.EndpointAddress', 'hostname ip nodeName', { targetRef: OBJECT_REFERENCE });
const ENDPOINT_SUBSET = struct('v1.EndpointSubset', '', {
  addresses: listOf(ENDPOINT_ADDRESS),
  notReadyAddresses: listOf(ENDPOINT_ADDRESS),
  ports: listOf(struct('v1.EndpointPort', 'appProtocol name port:int32 protocol:v1.Protocol')),
});
/** discovery/v1 Endpoint. */
const SLICE_ENDPOINT = struct('v1.Endpoint', 'addresses:[]string deprecatedTopology:map[string]string hostname nodeName zone', {
  conditions: struct('v1.EndpointConditions', 'ready:bool serving:bool terminating:bool'),
  hints: struct('v1.EndpointHints', '', { forZones: listOf(struct('v1.ForZone', 'name')) }),
  targetRef: OBJECT_REFERENCE,
});

// ------------------------------------------------------------------ kinds

/** The top-level shape of each kind svcnet serves. */
export const KIND_SCHEMAS: Readonly<Record<ResourceKind, Shape>> = {
  Namespace: kindShape('v1.Namespace', {
    spec: struct('v1.NamespaceSpec', 'finalizers:[]v1.FinalizerName'),
    status: struct('v1.NamespaceStatus', 'phase:v1.NamespacePhase', {
      conditions: listOf(
        struct(
          'v1.NamespaceCondition',
          'lastTransitionTime:v1.Time message reason status:v1.ConditionStatus type:v1.NamespaceConditionType',
        ),
      ),
    }),
  }),
  Service: kindShape('v1.Service', { spec: SERVICE_SPEC, status: SERVICE_STATUS }),
  Endpoints: kindShape('v1.Endpoints', { subsets: listOf(ENDPOINT_SUBSET) }),
  EndpointSlice: kindShape(
    'v1.EndpointSlice',
    {
      endpoints: listOf(SLICE_ENDPOINT),
      ports: listOf(struct('v1.EndpointPort', 'appProtocol name port:int32 protocol:v1.Protocol')),
    },
    'addressType:v1.AddressType',
  ),
  ServiceCIDR: kindShape('v1.ServiceCIDR', {
    spec: struct('v1.ServiceCIDRSpec', 'cidrs:[]string'),
    status: struct('v1.ServiceCIDRStatus', '', { conditions: listOf(CONDITION) }),
  }),
  Pod: kindShape('v1.Pod', { spec: POD_SPEC, status: POD_STATUS }),
  Node: kindShape('v1.Node', { spec: NODE_SPEC, status: NODE_STATUS }),
  Deployment: kindShape('v1.Deployment', {
    spec: struct(
      'v1.DeploymentSpec',
      'minReadySeconds:int32 paused:bool progressDeadlineSeconds:int32 replicas:int32 revisionHistoryLimit:int32',
      {
        selector: LABEL_SELECTOR,
        strategy: struct('v1.DeploymentStrategy', 'type:v1.DeploymentStrategyType', {
          rollingUpdate: struct('v1.RollingUpdateDeployment', 'maxSurge:intstr.IntOrString maxUnavailable:intstr.IntOrString'),
        }),
        template: POD_TEMPLATE_SPEC,
      },
    ),
    status: struct(
      'v1.DeploymentStatus',
      'availableReplicas:int32 collisionCount:int32 observedGeneration:int64 readyReplicas:int32 replicas:int32 ' +
        'unavailableReplicas:int32 updatedReplicas:int32',
      {
        conditions: listOf(
          struct(
            'v1.DeploymentCondition',
            'lastTransitionTime:v1.Time lastUpdateTime:v1.Time message reason status:v1.ConditionStatus type:v1.DeploymentConditionType',
          ),
        ),
      },
    ),
  }),
  ReplicaSet: kindShape('v1.ReplicaSet', {
    spec: struct('v1.ReplicaSetSpec', 'minReadySeconds:int32 replicas:int32', { selector: LABEL_SELECTOR, template: POD_TEMPLATE_SPEC }),
    status: struct(
      'v1.ReplicaSetStatus',
      'availableReplicas:int32 fullyLabeledReplicas:int32 observedGeneration:int64 readyReplicas:int32 replicas:int32',
      {
        conditions: listOf(
          struct(
            'v1.ReplicaSetCondition',
            'lastTransitionTime:v1.Time message reason status:v1.ConditionStatus type:v1.ReplicaSetConditionType',
          ),
        ),
      },
    ),
  }),
};

function schemaOf(kind: ResourceKind | string): Shape | undefined {
  return typeof kind === 'string' && Object.hasOwn(KIND_SCHEMAS, kind) ? KIND_SCHEMAS[kind as ResourceKind] : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ------------------------------------------------------------------ unknown fields

/** sigs.k8s.io/json `saveStrictError` keeps at most this many strict errors. */
const MAX_STRICT_ERRORS = 100;

/**
 * Dotted paths of fields the Kubernetes API (v1.32) does not define for this kind, in document
 * order. List items use `[i]`: `spec.ports[0].portz`; map-typed fields (labels, annotations,
 * selector, nodeSelector, data…) accept any key. Returns [] when all fields are known.
 *
 * Only unknown field names are reported. A value of the wrong JSON type (a string where an
 * object or list belongs, an object inside a scalar field) is a type error, which `decodeError`
 * reports; this function neither reports it nor looks inside such a value. `null` anywhere is
 * accepted. A kind svcnet does not serve has no schema here, so nothing about it is reported
 * ([]). Never throws for a JSON value.
 *
 * "Document order" is the object's own key order, which is the JSON text's order for a
 * `JSON.parse` result except that integer-like keys ("0", "42") come first.
 */
export function unknownFields(kind: ResourceKind | string, obj: unknown): string[] {
  const schema = schemaOf(kind);
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
    else if (field.kind === 'object') walkObject(field, child, childPath, unknown);
    else if (field.kind === 'list' && field.item.kind === 'object') walkList(field.item, child, childPath, unknown);
  }
}

function walkList(item: Shape, value: unknown, path: string, unknown: string[]): void {
  if (!Array.isArray(value)) return;
  value.forEach((element, index) => walkObject(item, element, `${path}[${index}]`, unknown));
}

// ------------------------------------------------------------------ type errors

/**
 * The first JSON type error in obj against the kind's schema, as the API server's decoder words
 * it (without the "<Kind> in version ... cannot be handled as a <Kind>: " prefix, which the
 * handler adds), or undefined when every value has an acceptable JSON type.
 *
 * The format and the rules are in this file's header. Which error is "first" follows Go's
 * decoder: the first type error in document order, unless an `IntOrString`, `Quantity` or
 * `Time` value fails later, which ends decoding and is reported instead. Unknown fields are
 * skipped (see `unknownFields`); a kind without a schema gives undefined. Never throws for a
 * JSON value.
 *
 * It sees the parsed value, not the JSON text, so a few things the text decides cannot be told
 * apart: `80.0` and `8e1` are integers here (Go's `strconv.ParseInt` refuses them), a number's
 * literal in a message is JavaScript's spelling (`1e+21`), integers beyond 2^53 are rounded,
 * and a Quantity string is checked after JSON unescaping.
 */
export function decodeError(kind: ResourceKind | string, obj: unknown): string | undefined {
  const schema = schemaOf(kind);
  if (schema === undefined) return undefined;
  const finder = new TypeErrorFinder();
  return finder.decode(schema, obj, TOP_LEVEL) ?? finder.saved;
}

/** Go's `errorContext`: the struct holding the field being decoded and the JSON path to it. */
interface DecodeContext {
  readonly struct: string | undefined;
  readonly path: string;
}

const TOP_LEVEL: DecodeContext = { struct: undefined, path: '' };

type JsonKind = 'null' | 'bool' | 'number' | 'string' | 'array' | 'object';

/** The JSON kind of a parsed value; anything JSON cannot hold counts as absent (`null`). */
function jsonKind(value: unknown): JsonKind {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : 'null';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object' && value !== null) return 'object';
  return 'null';
}

/** `json.UnmarshalTypeError.Error()`, with the context `addErrorContext` gives it. */
function typeError(what: string, goType: string, context: DecodeContext): string {
  return context.struct === undefined
    ? `json: cannot unmarshal ${what} into Go value of type ${goType}`
    : `json: cannot unmarshal ${what} into Go struct field ${context.struct}.${context.path} of type ${goType}`;
}

const INT_RANGES = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [-(2 ** 63), 2 ** 63],
} as const;

/** Whether Go's `strconv.ParseInt` plus `OverflowInt` takes the number (int64's bound is exclusive). */
function fitsInt(value: number, type: 'int32' | 'int64'): boolean {
  const [min, max] = INT_RANGES[type];
  return Number.isInteger(value) && value >= min && (type === 'int32' ? value <= max : value < max);
}

class TypeErrorFinder {
  /** The first type error `saveError` kept. */
  saved: string | undefined;

  #save(error: string): undefined {
    this.saved ??= error;
    return undefined;
  }

  /** Decodes `value` as `field`; returns an error that ends decoding (an `UnmarshalJSON` failure). */
  decode(field: Field, value: unknown, context: DecodeContext): string | undefined {
    const kind = jsonKind(value);
    if (kind === 'null') return undefined;
    switch (field.kind) {
      case 'object': {
        if (kind !== 'object') return this.#save(typeError(kind, field.goType, context));
        const struct = field.goType.slice(field.goType.lastIndexOf('.') + 1);
        for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
          const childField = field.get(name);
          if (childField === undefined) continue;
          const path = context.path === '' ? name : `${context.path}.${name}`;
          const fatal = this.decode(childField, child, { struct, path });
          if (fatal !== undefined) return fatal;
        }
        return undefined;
      }
      case 'list': {
        if (kind !== 'array') return this.#save(typeError(kind, field.goType, context));
        for (const item of value as unknown[]) {
          const fatal = this.decode(field.item, item, context);
          if (fatal !== undefined) return fatal;
        }
        return undefined;
      }
      case 'map': {
        if (kind !== 'object') return this.#save(typeError(kind, field.goType, context));
        for (const item of Object.values(value as Record<string, unknown>)) {
          const fatal = this.decode(field.value, item, context);
          if (fatal !== undefined) return fatal;
        }
        return undefined;
      }
      case 'string':
        return kind === 'string' ? undefined : this.#save(typeError(kind, field.goType, context));
      case 'bool':
        return kind === 'bool' ? undefined : this.#save(typeError(kind, field.goType, context));
      case 'int32':
      case 'int64':
        if (kind !== 'number') return this.#save(typeError(kind, field.goType, context));
        return fitsInt(value as number, field.kind) ? undefined : this.#save(typeError(`number ${String(value)}`, field.goType, context));
      case 'intOrString':
        // intstr.IntOrString.UnmarshalJSON: a JSON string is the name, anything else goes to
        // json.Unmarshal into its int32.
        if (kind === 'string' || (kind === 'number' && fitsInt(value as number, 'int32'))) return undefined;
        return typeError(kind === 'number' ? `number ${String(value)}` : kind, 'int32', context);
      case 'time':
        // metav1.Time.UnmarshalJSON: json.Unmarshal into a string, then time.Parse(RFC3339).
        return kind === 'string' ? rfc3339Error(value as string) : typeError(kind, 'string', context);
      case 'quantity':
        // resource.Quantity.UnmarshalJSON parses the JSON text (quotes removed) as a quantity; a
        // JSON number always parses, true/false/{…}/[…] never do.
        if (kind === 'number') return undefined;
        return kind === 'string' ? quantityError(trimGoSpace(value as string)) : QUANTITY_FORMAT_WRONG;
      case 'raw':
        return undefined;
    }
  }
}

// ------------------------------------------------------------------ resource.Quantity

const QUANTITY_FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const QUANTITY_NUMERIC = 'unable to parse numeric part of quantity';
const QUANTITY_SUFFIX = "unable to parse quantity's suffix";

/** Go `strings.TrimSpace`: Unicode White_Space, which (unlike JavaScript's trim) excludes U+FEFF. */
function trimGoSpace(text: string): string {
  return text.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, '');
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Decimal SI suffixes and their powers of ten; binary SI suffixes and their powers of two. */
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { '': 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/**
 * The error of k8s.io/apimachinery `resource.ParseQuantity(text)`, or undefined when it parses.
 * Follows `parseQuantityString`, `suffixHandler.interpret` and the fast/slow paths of
 * `ParseQuantity`, whose slow path (inf.Dec) refuses a number part without digits.
 */
function quantityError(text: string): string | undefined {
  if (text.length === 0) return QUANTITY_FORMAT_WRONG;
  if (text === '0') return undefined;
  const end = text.length;
  let pos = text[0] === '-' || text[0] === '+' ? 1 : 0;
  while (pos < end && text[pos] === '0') pos++;
  let numStart = pos;
  while (pos < end && isDigit(text[pos])) pos++;
  const num = text.slice(numStart, pos) || '0';
  let denom = '';
  if (pos < end && text[pos] === '.') {
    pos++;
    numStart = pos;
    while (pos < end && isDigit(text[pos])) pos++;
    denom = text.slice(numStart, pos);
  }
  const numberPart = text.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(text[pos])) pos++;
  if (pos < end && (text[pos] === '-' || text[pos] === '+')) pos++;
  while (pos < end && isDigit(text[pos])) pos++;
  if (pos < end) return QUANTITY_FORMAT_WRONG;
  const suffix = text.slice(suffixStart);

  let precision: number;
  let scale: number;
  if (Object.hasOwn(DECIMAL_SUFFIXES, suffix)) {
    scale = DECIMAL_SUFFIXES[suffix];
    precision = 18 - (num.length + denom.length);
  } else if (Object.hasOwn(BINARY_SUFFIXES, suffix)) {
    scale = 0;
    precision = denom.length === 0 ? 15 - num.length - Math.trunc((BINARY_SUFFIXES[suffix] * 3) / 10) - 1 : -1;
  } else if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const exponent = BigInt(suffix.slice(1));
    if (exponent > 2n ** 63n - 1n || exponent < -(2n ** 63n)) return QUANTITY_SUFFIX;
    scale = Number(BigInt.asIntN(32, exponent));
    precision = 18 - (num.length + denom.length);
  } else {
    return QUANTITY_SUFFIX;
  }
  const fastPath = precision >= 0 && scale - denom.length >= -9;
  return !fastPath && !/\d/.test(numberPart) ? QUANTITY_NUMERIC : undefined;
}

// ------------------------------------------------------------------ metav1.Time

const RFC3339 = '2006-01-02T15:04:05Z07:00';

/** Go's time `quote`: bytes outside printable ASCII as `\xNN`, `"` and `\` escaped. */
function goQuote(bytes: Uint8Array): string {
  let out = '"';
  for (const byte of bytes) {
    if (byte >= 0x80 || byte < 0x20) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * The error of Go's `time.Parse(time.RFC3339, text)`, or undefined when it parses. Walks the
 * layout's elements as Go's `parse` (time/format.go) does, on the UTF-8 bytes, with its
 * messages: `cannot parse "<rest>" as "<element>"`, `<field> out of range`, `extra text`.
 */
function rfc3339Error(text: string): string | undefined {
  const bytes = new TextEncoder().encode(text);
  const value = goQuote(bytes);
  const digit = (i: number): boolean => i < bytes.length && bytes[i] >= 0x30 && bytes[i] <= 0x39;
  const at = (i: number): number => bytes[i] - 0x30;
  const cannotParse = (element: string, from: number): string =>
    `parsing time ${value} as "${RFC3339}": cannot parse ${goQuote(bytes.subarray(from))} as "${element}"`;
  const outOfRange = (what: string): string => `parsing time ${value}: ${what} out of range`;
  let pos = 0;
  /** A layout literal ("-", "T", ":"); an error when the value does not continue with it. */
  const literal = (char: string): string | undefined => {
    if (pos >= bytes.length || bytes[pos] !== char.charCodeAt(0)) return cannotParse(char, pos);
    pos++;
    return undefined;
  };
  /** Go's `getnum`: two digits, or one when not `fixed`; undefined when it fails. */
  const number = (fixed: boolean): number | undefined => {
    if (!digit(pos)) return undefined;
    if (!digit(pos + 1)) {
      if (fixed) return undefined;
      return at(pos++);
    }
    const n = at(pos) * 10 + at(pos + 1);
    pos += 2;
    return n;
  };

  // 2006: four digits.
  if (bytes.length - pos < 4 || ![0, 1, 2, 3].every((i) => digit(pos + i))) return cannotParse('2006', pos);
  const year = at(pos) * 1000 + at(pos + 1) * 100 + at(pos + 2) * 10 + at(pos + 3);
  pos += 4;
  let error = literal('-');
  if (error !== undefined) return error;
  let hold = pos;
  const month = number(true);
  if (month === undefined) return cannotParse('01', hold);
  if (month < 1 || month > 12) return outOfRange('month');
  if ((error = literal('-')) !== undefined) return error;
  hold = pos;
  const day = number(true);
  if (day === undefined) return cannotParse('02', hold);
  if ((error = literal('T')) !== undefined) return error;
  hold = pos;
  const hour = number(false);
  if (hour === undefined) return cannotParse('15', hold);
  if (hour >= 24) return outOfRange('hour');
  if ((error = literal(':')) !== undefined) return error;
  hold = pos;
  const minute = number(true);
  if (minute === undefined) return cannotParse('04', hold);
  if (minute >= 60) return outOfRange('minute');
  if ((error = literal(':')) !== undefined) return error;
  hold = pos;
  const second = number(true);
  if (second === undefined) return cannotParse('05', hold);
  if (second >= 60) return outOfRange('second');
  // A fractional second the layout does not name is still accepted: [.,] and digits.
  if ((bytes[pos] === 0x2e || bytes[pos] === 0x2c) && digit(pos + 1)) {
    pos += 2;
    while (digit(pos)) pos++;
  }
  // Z07:00: "Z", or a sign, two digits, ":", two digits.
  hold = pos;
  if (bytes[pos] === 0x5a) {
    pos++;
  } else {
    if (bytes.length - pos < 6 || bytes[pos + 3] !== 0x3a) return cannotParse('Z07:00', hold);
    const sign = bytes[pos];
    const hoursOk = digit(pos + 1) && digit(pos + 2);
    const minutesOk = hoursOk && digit(pos + 4) && digit(pos + 5);
    const offsetHours = hoursOk ? at(pos + 1) * 10 + at(pos + 2) : 0;
    const offsetMinutes = minutesOk ? at(pos + 4) * 10 + at(pos + 5) : 0;
    pos += 6;
    if (offsetMinutes > 60) return outOfRange('time zone offset minute');
    if (offsetHours > 24) return outOfRange('time zone offset hour');
    if (!minutesOk || (sign !== 0x2b && sign !== 0x2d)) return cannotParse('Z07:00', hold);
  }
  if (pos < bytes.length) return `parsing time ${value}: extra text: ${goQuote(bytes.subarray(pos))}`;
  if (day < 1 || day > daysIn(month, year)) return outOfRange('day');
  return undefined;
}
