/**
 * `decodeError`: the JSON type errors the real API server refuses with 400 while decoding, worded
 * as its decoder (sigs.k8s.io/json, Go's encoding/json) words them. Expected messages that a
 * real API server was seen printing cite where: haproxytech/helm-charts#184 (port name),
 * labring/sealos#4346 (env value), SigNoz/charts#635 (nodePort),
 * open-cluster-management-io/ocm#530 (label value).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KIND_SCHEMAS, decodeError, unknownFields } from '../../sdk/api/schema.js';
import type { Field } from '../../sdk/api/schema.js';
import { RESOURCE_KINDS } from '../../sdk/model/types.js';

type Case = { desc: string; kind: string; obj: unknown; want: string | undefined };

const QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const QUANTITY_SUFFIX = "unable to parse quantity's suffix";
const QUANTITY_NUMERIC = 'unable to parse numeric part of quantity';
const RFC3339 = '"2006-01-02T15:04:05Z07:00"';

/** A container in a Deployment's pod template. */
const inTemplate = (container: Record<string, unknown>): unknown => ({ spec: { template: { spec: { containers: [container] } } } });
const podWith = (spec: Record<string, unknown>): unknown => ({ spec });
const withCreated = (creationTimestamp: unknown): unknown => ({ metadata: { name: 'x', creationTimestamp } });

describe('decodeError: wrong JSON types, as the API server words them', () => {
  it.each<Case>([
    {
      desc: '01 ports as a string',
      kind: 'Service',
      obj: { spec: { ports: 'abc' } },
      want: 'json: cannot unmarshal string into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort',
    },
    {
      desc: '02 port as "80"',
      kind: 'Service',
      obj: { spec: { ports: [{ port: '80' }] } },
      want: 'json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32',
    },
    {
      desc: '03 port 80.5 (Go integers print the number)',
      kind: 'Service',
      obj: { spec: { ports: [{ port: 80.5 }] } },
      want: 'json: cannot unmarshal number 80.5 into Go struct field ServicePort.spec.ports.port of type int32',
    },
    {
      desc: '04 labels as a list',
      kind: 'Service',
      obj: { metadata: { name: 'x', labels: ['app=x'] } },
      want: 'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string',
    },
    {
      desc: '05 a label value as a number (ocm#530)',
      kind: 'Pod',
      obj: { metadata: { labels: { app: 'x', replica: 1 } } },
      want: 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    },
    {
      desc: '06 containers as an object',
      kind: 'Deployment',
      obj: { spec: { template: { spec: { containers: { name: 'web', image: 'nginx' } } } } },
      want: 'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container',
    },
    {
      desc: '07 replicas as "2" (a *int32 prints as int32)',
      kind: 'Deployment',
      obj: { spec: { replicas: '2' } },
      want: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    },
    {
      desc: '08 creationTimestamp "yesterday" (time.Parse words it, without a field)',
      kind: 'Pod',
      obj: withCreated('yesterday'),
      want: `parsing time "yesterday" as ${RFC3339}: cannot parse "yesterday" as "2006"`,
    },
    {
      desc: '09 a boolean where a string is expected (a named string type)',
      kind: 'Service',
      obj: { spec: { type: true } },
      want: 'json: cannot unmarshal bool into Go struct field ServiceSpec.spec.type of type v1.ServiceType',
    },
    {
      desc: '10 a field of a list item in a list item: no indices, innermost struct (sealos#4346)',
      kind: 'Deployment',
      obj: inTemplate({ name: 'web', env: [{ name: 'A', value: 'a' }, { name: 'N', value: 1 }] }),
      want: 'json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string',
    },
    {
      desc: '11 a port name as a number (helm-charts#184)',
      kind: 'Service',
      obj: { spec: { ports: [{ name: 8080, port: 8080 }] } },
      want: 'json: cannot unmarshal number into Go struct field ServicePort.spec.ports.name of type string',
    },
    {
      desc: '12 nodePort as a string (SigNoz#635)',
      kind: 'Service',
      obj: { spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 81, nodePort: '30081' }] } },
      want: 'json: cannot unmarshal string into Go struct field ServicePort.spec.ports.nodePort of type int32',
    },
    {
      desc: '13 a list item that is not an object is the list item type',
      kind: 'Service',
      obj: { spec: { ports: [80] } },
      want: 'json: cannot unmarshal number into Go struct field ServiceSpec.spec.ports of type v1.ServicePort',
    },
    {
      desc: '14 spec as a list: the struct holding it is the kind',
      kind: 'Service',
      obj: { spec: [{ type: 'ClusterIP' }] },
      want: 'json: cannot unmarshal array into Go struct field Service.spec of type v1.ServiceSpec',
    },
    {
      desc: '15 a number in a list of strings is a string error',
      kind: 'Deployment',
      obj: inTemplate({ name: 'web', command: ['sleep', 3600] }),
      want: 'json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.command of type string',
    },
    {
      desc: '16 a named list type: capabilities.drop as a string',
      kind: 'Pod',
      obj: podWith({ containers: [{ name: 'c', securityContext: { capabilities: { drop: 'ALL' } } }] }),
      want: 'json: cannot unmarshal string into Go struct field Capabilities.spec.containers.securityContext.capabilities.drop of type []v1.Capability',
    },
    {
      desc: '17 resource limits as a list',
      kind: 'Pod',
      obj: podWith({ containers: [{ name: 'c', resources: { limits: [{ cpu: '1' }] } }] }),
      want: 'json: cannot unmarshal array into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList',
    },
    {
      desc: '18 protocol as a number',
      kind: 'Endpoints',
      obj: { subsets: [{ ports: [{ port: 53, protocol: 17 }] }] },
      want: 'json: cannot unmarshal number into Go struct field EndpointPort.subsets.ports.protocol of type v1.Protocol',
    },
    {
      desc: '19 a volume source inlined in Volume reports Volume',
      kind: 'Pod',
      obj: podWith({ volumes: [{ name: 'v', emptyDir: 'Memory' }] }),
      want: 'json: cannot unmarshal string into Go struct field Volume.spec.volumes.emptyDir of type v1.EmptyDirVolumeSource',
    },
    {
      desc: '20 defaultMode "0644"',
      kind: 'Pod',
      obj: podWith({ volumes: [{ name: 'v', configMap: { name: 'cm', defaultMode: '0644' } }] }),
      want: 'json: cannot unmarshal string into Go struct field ConfigMapVolumeSource.spec.volumes.configMap.defaultMode of type int32',
    },
    {
      desc: '21 an ephemeral container field reports EphemeralContainer',
      kind: 'Pod',
      obj: podWith({ ephemeralContainers: [{ name: 'debug', stdin: 'yes' }] }),
      want: 'json: cannot unmarshal string into Go struct field EphemeralContainer.spec.ephemeralContainers.stdin of type bool',
    },
    {
      desc: '22 the capitalised DaemonEndpoint Port',
      kind: 'Node',
      obj: { status: { daemonEndpoints: { kubeletEndpoint: { Port: '10250' } } } },
      want: 'json: cannot unmarshal string into Go struct field DaemonEndpoint.status.daemonEndpoints.kubeletEndpoint.Port of type int32',
    },
    {
      desc: '23 a uid as a number',
      kind: 'EndpointSlice',
      obj: { endpoints: [{ addresses: ['10.1.0.1'], targetRef: { kind: 'Pod', uid: 7 } }] },
      want: 'json: cannot unmarshal number into Go struct field ObjectReference.endpoints.targetRef.uid of type types.UID',
    },
    {
      desc: '24 an EndpointSlice address as a number',
      kind: 'EndpointSlice',
      obj: { endpoints: [{ addresses: [10] }] },
      want: 'json: cannot unmarshal number into Go struct field Endpoint.endpoints.addresses of type string',
    },
    {
      desc: '25 a list in a list: EndpointSlice hints',
      kind: 'EndpointSlice',
      obj: { endpoints: [{ hints: { forZones: [{ name: 'a' }, { name: false }] } }] },
      want: 'json: cannot unmarshal bool into Go struct field ForZone.endpoints.hints.forZones.name of type string',
    },
    {
      desc: '26 int32 overflow',
      kind: 'Service',
      obj: { spec: { ports: [{ port: 2147483648 }] } },
      want: 'json: cannot unmarshal number 2147483648 into Go struct field ServicePort.spec.ports.port of type int32',
    },
    {
      desc: '27 int32 underflow',
      kind: 'Deployment',
      obj: { spec: { minReadySeconds: -2147483649 } },
      want: 'json: cannot unmarshal number -2147483649 into Go struct field DeploymentSpec.spec.minReadySeconds of type int32',
    },
    {
      desc: '28 int64 overflow',
      kind: 'Pod',
      obj: { metadata: { generation: 1e19 } },
      want: 'json: cannot unmarshal number 10000000000000000000 into Go struct field ObjectMeta.metadata.generation of type int64',
    },
    {
      desc: '29 a whole body that is not an object has no field',
      kind: 'Service',
      obj: 'Service',
      want: 'json: cannot unmarshal string into Go value of type v1.Service',
    },
    {
      desc: '30 ServiceCIDR cidrs as a string',
      kind: 'ServiceCIDR',
      obj: { spec: { cidrs: '10.96.0.0/12' } },
      want: 'json: cannot unmarshal string into Go struct field ServiceCIDRSpec.spec.cidrs of type []string',
    },
    {
      desc: '31 Namespace finalizers item as a number',
      kind: 'Namespace',
      obj: { spec: { finalizers: [1] } },
      want: 'json: cannot unmarshal number into Go struct field NamespaceSpec.spec.finalizers of type v1.FinalizerName',
    },
    {
      desc: '32 ReplicaSet status condition status as a bool',
      kind: 'ReplicaSet',
      obj: { status: { conditions: [{ type: 'ReplicaFailure', status: false }] } },
      want: 'json: cannot unmarshal bool into Go struct field ReplicaSetCondition.status.conditions.status of type v1.ConditionStatus',
    },
    {
      desc: '33 supplementalGroups item as a string',
      kind: 'Pod',
      obj: podWith({ securityContext: { supplementalGroups: [1000, '2000'] } }),
      want: 'json: cannot unmarshal string into Go struct field PodSecurityContext.spec.securityContext.supplementalGroups of type int64',
    },
    {
      desc: '34 a pod template inside a Deployment: its metadata is ObjectMeta',
      kind: 'Deployment',
      obj: { spec: { template: { metadata: { annotations: { 'prometheus.io/scrape': true } } } } },
      want: 'json: cannot unmarshal bool into Go struct field ObjectMeta.spec.template.metadata.annotations of type string',
    },
  ])('$desc', ({ kind, obj, want }) => {
    expect(decodeError(kind, obj)).toBe(want);
  });
});

describe('decodeError: IntOrString, Time and Quantity decode themselves', () => {
  it.each<Case>([
    {
      desc: '01 targetPort 80.5: json.Unmarshal into the int32, named by the outer decoder',
      kind: 'Service',
      obj: { spec: { ports: [{ port: 80, targetPort: 80.5 }] } },
      want: 'json: cannot unmarshal number 80.5 into Go struct field ServicePort.spec.ports.targetPort of type int32',
    },
    {
      desc: '02 targetPort true',
      kind: 'Service',
      obj: { spec: { ports: [{ port: 80, targetPort: true }] } },
      want: 'json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32',
    },
    {
      desc: '03 targetPort as an object (a client serialising IntOrString as a struct)',
      kind: 'Service',
      obj: { spec: { ports: [{ port: 80, targetPort: { isInt: true, intValue: 80 } }] } },
      want: 'json: cannot unmarshal object into Go struct field ServicePort.spec.ports.targetPort of type int32',
    },
    {
      desc: '04 a probe port as a list',
      kind: 'Pod',
      obj: podWith({ containers: [{ name: 'c', livenessProbe: { httpGet: { path: '/', port: [8080] } } }] }),
      want: 'json: cannot unmarshal array into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port of type int32',
    },
    {
      desc: '05 maxSurge beyond int32',
      kind: 'Deployment',
      obj: { spec: { strategy: { rollingUpdate: { maxSurge: 3000000000 } } } },
      want: 'json: cannot unmarshal number 3000000000 into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32',
    },
    {
      desc: '06 a Time that is a number: json.Unmarshal into a string',
      kind: 'Pod',
      obj: withCreated(1739959200),
      want: 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string',
    },
    {
      desc: '07 a Time that is an object',
      kind: 'Service',
      obj: { status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: { Time: '2025-02-19T10:00:00Z' } }] } },
      want: 'json: cannot unmarshal object into Go struct field Condition.status.conditions.lastTransitionTime of type string',
    },
    { desc: '08 month 13', kind: 'Pod', obj: withCreated('2025-13-01T00:00:00Z'), want: 'parsing time "2025-13-01T00:00:00Z": month out of range' },
    { desc: '09 February 30th', kind: 'Pod', obj: withCreated('2025-02-30T00:00:00Z'), want: 'parsing time "2025-02-30T00:00:00Z": day out of range' },
    { desc: '10 February 29th of a common year', kind: 'Pod', obj: withCreated('2025-02-29T00:00:00Z'), want: 'parsing time "2025-02-29T00:00:00Z": day out of range' },
    { desc: '11 hour 24', kind: 'Pod', obj: withCreated('2025-02-19T24:00:00Z'), want: 'parsing time "2025-02-19T24:00:00Z": hour out of range' },
    { desc: '12 minute 60', kind: 'Pod', obj: withCreated('2025-02-19T10:60:00Z'), want: 'parsing time "2025-02-19T10:60:00Z": minute out of range' },
    {
      desc: '13 no time zone',
      kind: 'Pod',
      obj: withCreated('2025-02-19T10:00:00'),
      want: `parsing time "2025-02-19T10:00:00" as ${RFC3339}: cannot parse "" as "Z07:00"`,
    },
    {
      desc: '14 an offset without a colon',
      kind: 'Pod',
      obj: withCreated('2025-02-19T10:00:00+0100'),
      want: `parsing time "2025-02-19T10:00:00+0100" as ${RFC3339}: cannot parse "+0100" as "Z07:00"`,
    },
    {
      desc: '15 a space instead of T',
      kind: 'Pod',
      obj: withCreated('2025-02-19 10:00:00Z'),
      want: `parsing time "2025-02-19 10:00:00Z" as ${RFC3339}: cannot parse " 10:00:00Z" as "T"`,
    },
    {
      desc: '16 a date only',
      kind: 'Pod',
      obj: withCreated('2025-02-19'),
      want: `parsing time "2025-02-19" as ${RFC3339}: cannot parse "" as "T"`,
    },
    {
      desc: '17 text after the zone',
      kind: 'Pod',
      obj: withCreated('2025-02-19T10:00:00Z now'),
      want: 'parsing time "2025-02-19T10:00:00Z now": extra text: " now"',
    },
    { desc: '18 an offset hour of 25', kind: 'Pod', obj: withCreated('2025-02-19T10:00:00+25:00'), want: 'parsing time "2025-02-19T10:00:00+25:00": time zone offset hour out of range' },
    {
      desc: '19 the empty string',
      kind: 'Pod',
      obj: withCreated(''),
      want: `parsing time "" as ${RFC3339}: cannot parse "" as "2006"`,
    },
    {
      desc: '20 non-ASCII bytes and quotes as Go quotes them',
      kind: 'Pod',
      obj: withCreated('ĝis "morgaŭ"'),
      want: `parsing time "\\xc4\\x9dis \\"morga\\xc5\\xad\\"" as ${RFC3339}: cannot parse "\\xc4\\x9dis \\"morga\\xc5\\xad\\"" as "2006"`,
    },
    {
      desc: '21 a two-digit year',
      kind: 'Node',
      obj: { spec: { taints: [{ key: 'k', effect: 'NoSchedule', timeAdded: '25-02-19T10:00:00Z' }] } },
      want: `parsing time "25-02-19T10:00:00Z" as ${RFC3339}: cannot parse "25-02-19T10:00:00Z" as "2006"`,
    },
    { desc: '22 a Quantity that is not a number', kind: 'Pod', obj: podWith({ containers: [{ name: 'c', resources: { limits: { cpu: 'one' } } }] }), want: QUANTITY_FORMAT },
    { desc: '23 "MB": B is not a suffix letter', kind: 'Pod', obj: podWith({ containers: [{ name: 'c', resources: { requests: { memory: '512MB' } } }] }), want: QUANTITY_FORMAT },
    { desc: '24 a Quantity that is a bool', kind: 'Node', obj: { status: { capacity: { cpu: true } } }, want: QUANTITY_FORMAT },
    { desc: '25 a Quantity that is an object', kind: 'Pod', obj: podWith({ volumes: [{ name: 'v', emptyDir: { sizeLimit: { value: 1 } } }] }), want: QUANTITY_FORMAT },
    { desc: '26 a suffix without a number, too large for the fast path', kind: 'Pod', obj: podWith({ overhead: { memory: 'Ei' } }), want: QUANTITY_NUMERIC },
    { desc: '27 the empty Quantity', kind: 'Pod', obj: podWith({ containers: [{ name: 'c', resources: { limits: { cpu: '' } } }] }), want: QUANTITY_FORMAT },
    { desc: '28 a divisor with a bad exponent', kind: 'Pod', obj: podWith({ containers: [{ name: 'c', env: [{ name: 'M', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1e' } } }] }] }), want: QUANTITY_SUFFIX },
    { desc: '29 suffix letters that are no suffix', kind: 'Pod', obj: podWith({ containers: [{ name: 'c', resources: { requests: { memory: '512mi' } } }] }), want: QUANTITY_SUFFIX },
  ])('$desc', ({ kind, obj, want }) => {
    expect(decodeError(kind, obj)).toBe(want);
  });
});

describe('decodeError: values every type accepts', () => {
  it.each<{ desc: string; kind: string; obj: unknown }>([
    {
      desc: '01 null anywhere (the Go zero value)',
      kind: 'Deployment',
      obj: {
        metadata: { name: null, labels: null, creationTimestamp: null, generation: null },
        spec: { replicas: null, selector: null, strategy: { rollingUpdate: { maxSurge: null } }, template: { spec: { containers: [null, { name: 'c', ports: null, resources: { limits: { cpu: null } } }] } } },
        status: null,
      },
    },
    { desc: '02 IntOrString as a name or a number', kind: 'Service', obj: { spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }] } } },
    { desc: '03 IntOrString percentages and zero', kind: 'Deployment', obj: { spec: { strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } } } } },
    { desc: '04 int32 bounds', kind: 'Service', obj: { spec: { ports: [{ port: 2147483647, nodePort: -2147483648 }] } } },
    { desc: '05 int64 beyond int32', kind: 'Pod', obj: { metadata: { generation: 2 ** 53 }, spec: { terminationGracePeriodSeconds: 4294967296 } } },
    {
      desc: '06 Quantities as strings and numbers',
      kind: 'Pod',
      obj: podWith({
        containers: [{ name: 'c', resources: { limits: { cpu: '250m', memory: '1Gi', 'nvidia.com/gpu': 1 }, requests: { cpu: 0.5, memory: '1e3', storage: ' 1Ki ', x: '.5', y: '+1', z: '1.', w: '0', v: '1E', u: '12e-3' } } }],
      }),
    },
    {
      desc: '07 RFC3339 variants time.Parse takes',
      kind: 'Service',
      obj: {
        metadata: { creationTimestamp: '2024-02-29T23:59:59Z', deletionTimestamp: '2025-02-19T10:00:00.123456789+01:00' },
        status: {
          conditions: [
            { type: 'A', lastTransitionTime: '2025-02-19T9:00:00Z' },
            { type: 'B', lastTransitionTime: '2025-02-19T10:00:00,5-07:00' },
            { type: 'C', lastTransitionTime: '0000-01-01T00:00:00+24:00' },
          ],
        },
      },
    },
    { desc: '08 fieldsV1 is raw JSON', kind: 'Pod', obj: { metadata: { managedFields: [{ fieldsV1: { 'f:spec': 1, 'f:x': [true, 'a'] } }, { fieldsV1: 'anything' }] } } },
    { desc: '09 empty lists, maps and objects', kind: 'Pod', obj: { metadata: { labels: {}, finalizers: [] }, spec: { containers: [], nodeSelector: {}, securityContext: {} } } },
    { desc: '10 unknown fields are skipped, whatever they hold', kind: 'Service', obj: { spec: { portz: 'x', Ports: 'x', ports: [{ port: 80, nodeport: 'x' }] }, sepc: [] } },
    { desc: '11 a kind without a schema', kind: 'ConfigMap', obj: { data: 5 } },
    { desc: '12 an Object.prototype name as a kind', kind: 'toString', obj: 'x' },
    { desc: '13 a top-level null', kind: 'Service', obj: null },
  ])('$desc', ({ kind, obj }) => {
    expect(decodeError(kind, obj)).toBeUndefined();
  });
});

describe('decodeError: which error the decoder reports', () => {
  it.each<Case>([
    {
      desc: '01 the first type error in document order',
      kind: 'Service',
      obj: { spec: { type: 1, ports: 'x' } },
      want: 'json: cannot unmarshal number into Go struct field ServiceSpec.spec.type of type v1.ServiceType',
    },
    {
      desc: '02 the same fields in the other order',
      kind: 'Service',
      obj: { spec: { ports: 'x', type: 1 } },
      want: 'json: cannot unmarshal string into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort',
    },
    {
      desc: '03 a later IntOrString failure wins over an earlier type error',
      kind: 'Service',
      obj: { metadata: { labels: [] }, spec: { ports: [{ port: 80, targetPort: true }] } },
      want: 'json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32',
    },
    {
      desc: '04 a later Time failure wins too',
      kind: 'Pod',
      obj: { metadata: { labels: [], creationTimestamp: 'soon' } },
      want: `parsing time "soon" as ${RFC3339}: cannot parse "soon" as "2006"`,
    },
    {
      desc: '05 decoding stops at the first Time failure',
      kind: 'Pod',
      obj: { metadata: { creationTimestamp: 'soon', deletionTimestamp: 'later', labels: [] } },
      want: `parsing time "soon" as ${RFC3339}: cannot parse "soon" as "2006"`,
    },
    {
      desc: '06 the inside of a value of the wrong type is not looked into',
      kind: 'Service',
      obj: { spec: { ports: { port: 'x' } } },
      want: 'json: cannot unmarshal object into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort',
    },
    {
      desc: '07 a type error after an unknown field with a bad value',
      kind: 'Service',
      obj: { spec: { portz: { a: 1 }, ports: [{ port: '80' }] } },
      want: 'json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32',
    },
  ])('$desc', ({ kind, obj, want }) => {
    expect(decodeError(kind, obj)).toBe(want);
  });

  it.each(RESOURCE_KINDS.map((kind, i) => ({ desc: `${String(i + 8).padStart(2, '0')} ${kind} decodes into v1.${kind}`, kind })))('$desc', ({ kind }) => {
    expect(KIND_SCHEMAS[kind].goType).toBe(`v1.${kind}`);
    expect(decodeError(kind, [])).toBe(`json: cannot unmarshal array into Go value of type v1.${kind}`);
    expect(decodeError(kind, { metadata: 'x' })).toBe(`json: cannot unmarshal string into Go struct field ${kind}.metadata of type v1.ObjectMeta`);
  });
});

// ------------------------------------------------------------------ properties

/** A Service as the API server returns it, touching every kind of Go type a Service has. */
const VALID_SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: '5f2c1b62-1b1c-4f57-9d1e-2b3f4c5d6e7f',
    resourceVersion: '1234',
    generation: 2,
    creationTimestamp: '2025-02-19T10:00:00Z',
    labels: { app: 'web' },
    annotations: { 'example.com/note': 'x' },
    finalizers: ['service.kubernetes.io/load-balancer-cleanup'],
    ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'shop', uid: '1', controller: true, blockOwnerDeletion: false }],
    managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2025-02-19T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:ports': {} } } }],
  },
  spec: {
    type: 'LoadBalancer',
    selector: { app: 'web' },
    clusterIP: '10.96.0.20',
    clusterIPs: ['10.96.0.20'],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ports: [
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 31234, appProtocol: 'http' },
      { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9090 },
    ],
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
    externalTrafficPolicy: 'Local',
    healthCheckNodePort: 32000,
    allocateLoadBalancerNodePorts: true,
    loadBalancerSourceRanges: ['0.0.0.0/0'],
  },
  status: {
    loadBalancer: { ingress: [{ hostname: 'localhost', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP', error: 'x' }] }] },
    conditions: [{ type: 'Ready', status: 'True', reason: 'Ok', message: '', lastTransitionTime: '2025-02-19T10:00:00Z', observedGeneration: 1 }],
  },
};

/** Fields holding a map or raw JSON: their inside is not a field path. */
const OPAQUE = new Set(['labels', 'annotations', 'selector', 'fieldsV1']);
const TIME_FIELDS = new Set(['creationTimestamp', 'time', 'lastTransitionTime']);

interface Location {
  /** Keys and list indices from the root. */
  at: (string | number)[];
  /** The path as Go's decoder prints it: field names only. */
  goPath: string;
  field: string;
}

function locations(value: unknown, at: (string | number)[] = [], names: string[] = []): Location[] {
  const found: Location[] = [];
  const visit = (child: unknown, key: string | number): void => {
    const childAt = [...at, key];
    const childNames = typeof key === 'string' ? [...names, key] : names;
    found.push({ at: childAt, goPath: childNames.join('.'), field: childNames[childNames.length - 1] });
    if (typeof key === 'string' && OPAQUE.has(key)) return;
    found.push(...locations(child, childAt, childNames));
  };
  if (Array.isArray(value)) value.forEach((child, i) => visit(child, i));
  else if (typeof value === 'object' && value !== null) for (const [key, child] of Object.entries(value)) visit(child, key);
  return found;
}

function replaced(root: unknown, at: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[at[at.length - 1]] = value;
  return copy;
}

const TYPE_ERROR = /^json: cannot unmarshal (?:string|bool|array|object|number|number -?[0-9.e+-]+) into Go (?:struct field [A-Za-z0-9]+\.([A-Za-z0-9.]+)|value) of type \S+$/;

/** Whether `message` has one of the shapes the API server's decoder prints. */
function isDecoderMessage(message: string): boolean {
  return TYPE_ERROR.test(message) || message.startsWith('parsing time "') || [QUANTITY_FORMAT, QUANTITY_SUFFIX, QUANTITY_NUMERIC].includes(message);
}

/** Random values for a field, mostly of the right JSON type, sometimes anything. */
function arbitraryFor(field: Field, depth: number): fc.Arbitrary<unknown> {
  const anything = fc.jsonValue({ maxDepth: 2 });
  if (depth <= 0) return anything;
  switch (field.kind) {
    case 'object': {
      const names = [...field.keys()];
      return fc.oneof(
        { weight: 4, arbitrary: fc.uniqueArray(fc.constantFrom(...names, 'unknownField'), { maxLength: 4 }).chain((keys) =>
          fc.tuple(...keys.map((key) => { const child = field.get(key); return child === undefined ? anything : arbitraryFor(child, depth - 1); })).map((values) =>
            Object.fromEntries(keys.map((key, i) => [key, values[i]])),
          ),
        ) },
        { weight: 1, arbitrary: anything },
      );
    }
    case 'list':
      return fc.oneof({ weight: 4, arbitrary: fc.array(arbitraryFor(field.item, depth - 1), { maxLength: 3 }) }, { weight: 1, arbitrary: anything });
    case 'map':
      return fc.oneof({ weight: 4, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), arbitraryFor(field.value, depth - 1), { maxKeys: 3 }) }, { weight: 1, arbitrary: anything });
    case 'time':
      return fc.oneof(fc.constantFrom('2025-02-19T10:00:00Z', '2025-02-19T10:00:00.5+01:00', '2025-02-30T00:00:00Z', ''), fc.string(), anything);
    case 'quantity':
      return fc.oneof(fc.constantFrom('100m', '1Gi', '1e3', 'Ei', '1kk', '', '.'), fc.string({ maxLength: 6 }), anything);
    case 'intOrString':
    case 'int32':
    case 'int64':
      return fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 4 }), anything);
    default:
      return anything;
  }
}

describe('decodeError: properties', () => {
  const serviceLocations = locations(VALID_SERVICE);

  it('01 the valid Service used below decodes, and has no unknown fields', () => {
    expect(serviceLocations.length).toBeGreaterThan(60);
    expect(decodeError('Service', VALID_SERVICE)).toBeUndefined();
    expect(unknownFields('Service', VALID_SERVICE)).toEqual([]);
  });

  it('02 any JSON value at a known path of a valid Service: undefined, or a message naming that path', () => {
    fc.assert(
      fc.property(fc.constantFrom(...serviceLocations), fc.jsonValue({ maxDepth: 3 }), (location, value) => {
        const got = decodeError('Service', replaced(VALID_SERVICE, location.at, value));
        if (got === undefined) return;
        expect(typeof got).toBe('string');
        if (got.startsWith('parsing time ')) {
          // time.Parse's own message names the value, not the field.
          expect(TIME_FIELDS.has(location.field) && typeof value === 'string').toBe(true);
          return;
        }
        const path = TYPE_ERROR.exec(got)?.[1];
        expect(path === location.goPath || path?.startsWith(`${location.goPath}.`), `${got} for ${location.at.join('/')}`).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('03 any JSON value as any kind: neither function throws, and the answers have their shapes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...RESOURCE_KINDS, 'ConfigMap', '__proto__'), fc.jsonValue({ maxDepth: 5 }), (kind, value) => {
        const got = decodeError(kind, value);
        expect(got === undefined || isDecoderMessage(got), got).toBe(true);
        const unknown = unknownFields(kind, value);
        expect(Array.isArray(unknown) && unknown.every((path) => typeof path === 'string')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('04 random objects shaped by each kind\'s schema: same', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RESOURCE_KINDS).chain((kind) => fc.tuple(fc.constant(kind), arbitraryFor(KIND_SCHEMAS[kind], 7))),
        ([kind, value]) => {
          const text = JSON.stringify(value);
          const got = decodeError(kind, JSON.parse(text));
          expect(got === undefined || isDecoderMessage(got), got).toBe(true);
          unknownFields(kind, JSON.parse(text));
          // The answer depends on the value only, and the value is not changed.
          expect(decodeError(kind, value)).toBe(got);
          expect(JSON.stringify(value)).toBe(text);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('05 time.Parse takes exactly the real calendar dates and clock times', () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 0, max: 9999 }),
          month: fc.integer({ min: 0, max: 13 }),
          day: fc.integer({ min: 0, max: 32 }),
          hour: fc.integer({ min: 0, max: 25 }),
          minute: fc.integer({ min: 0, max: 61 }),
          second: fc.integer({ min: 0, max: 61 }),
        }),
        ({ year, month, day, hour, minute, second }) => {
          const two = (n: number): string => String(n).padStart(2, '0');
          const text = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}Z`;
          const lastDay = new Date(0);
          lastDay.setUTCFullYear(year, month, 0);
          const valid = month >= 1 && month <= 12 && day >= 1 && day <= lastDay.getUTCDate() && hour < 24 && minute < 60 && second < 60;
          const got = decodeError('Pod', withCreated(text));
          if (valid) expect(got).toBeUndefined();
          else expect(got).toMatch(/^parsing time "[0-9T:Z-]+": (month|day|hour|minute|second) out of range$/);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
