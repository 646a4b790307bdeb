import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KIND_SCHEMAS, decodeError, unknownFields } from '../../sdk/api/schema.js';
import { RESOURCE_KINDS } from '../../sdk/model/types.js';

/** Every document of a YAML stream, as kubectl would send it (JSON of the same tree). */
function documents(yaml: string): Record<string, unknown>[] {
  return parseAllDocuments(yaml).map((doc) => doc.toJS() as Record<string, unknown>);
}

// sixeyed/kiamol ch03 (/work/shared/spec/kiamol-ch03.md).
const SLEEP_1 = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sleep-1
spec:
  selector:
    matchLabels:
      app: sleep-1
  template:
    metadata:
      labels:
        app: sleep-1
    spec:
      containers:
        - name: sleep
          image: kiamol/ch03-sleep
`;
const SLEEP_2_SERVICE = `
apiVersion: v1
kind: Service
metadata:
  name: sleep-2
spec:
  selector:
    app: sleep-2
  ports:
    - port: 80
`;
const NUMBERS_WEB_SERVICE = `
apiVersion: v1
kind: Service
metadata:
  name: numbers-web
  labels:
    app: numbers-web
spec:
  ports:
    - port: 8080
      targetPort: 80
      name: http
  selector:
    app: numbers-web
  type: LoadBalancer
`;
const NUMBERS_WEB_NODE_PORT = `
apiVersion: v1
kind: Service
metadata:
  name: numbers-web-node
spec:
  ports:
    - port: 8080
      targetPort: 80
      nodePort: 30080
  selector:
    app: numbers-web
  type: NodePort
`;
const NUMBERS_API_EXTERNAL_NAME = `
apiVersion: v1
kind: Service
metadata:
  name: numbers-api
spec:
  type: ExternalName
  externalName: raw.githubusercontent.com
`;
const NUMBERS_API_HEADLESS = `
apiVersion: v1
kind: Service
metadata:
  name: numbers-api
spec:
  type: ClusterIP
  ports:
    - port: 80
---
kind: Endpoints
apiVersion: v1
metadata:
  name: numbers-api
subsets:
  - addresses:
      - ip: 192.168.123.234
    ports:
      - port: 80
`;
const LAB_DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lab-numbers-web-v2
spec:
  selector:
    matchLabels:
      app: lab-numbers-web
      version: v2
  template:
    metadata:
      labels:
        app: lab-numbers-web
        version: v2
    spec:
      initContainers:
        - name: configure-sysctl
          image: alpine
          command: ['sysctl', '-w', 'fs.inotify.max_user_instances=8192']
          securityContext:
            privileged: true
            runAsUser: 0
      containers:
        - name: web
          image: kiamol/ch03-numbers-web:v2
`;
const LAB_SERVICES = `
apiVersion: v1
kind: Service
metadata:
  name: numbers-api
spec:
  ports:
    - port: 80
  selector:
    app: lab-numbers-api
    version: v1
  type: ClusterIP
---
apiVersion: v1
kind: Service
metadata:
  name: numbers-web
spec:
  ports:
    - port: 8088
      targetPort: 80
  selector:
    app: lab-numbers-web
    version: v2
  type: LoadBalancer
`;

/** A production-style Deployment touching most of PodSpec and Container. */
const FULL_DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: { app.kubernetes.io/name: web, tier: frontend }
  annotations:
    deployment.kubernetes.io/revision: "3"
    kubectl.kubernetes.io/last-applied-configuration: '{"kind":"Deployment"}'
spec:
  replicas: 3
  revisionHistoryLimit: 5
  progressDeadlineSeconds: 600
  minReadySeconds: 5
  paused: false
  selector:
    matchLabels: { app.kubernetes.io/name: web }
    matchExpressions:
      - { key: tier, operator: In, values: [frontend] }
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 25%, maxUnavailable: 1 }
  template:
    metadata:
      labels: { app.kubernetes.io/name: web, tier: frontend }
      annotations: { prometheus.io/scrape: "true" }
    spec:
      serviceAccountName: web
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: 45
      dnsPolicy: ClusterFirst
      dnsConfig:
        nameservers: [1.1.1.1]
        searches: [shop.svc.cluster.local]
        options: [{ name: ndots, value: "2" }]
      hostAliases: [{ ip: 127.0.0.1, hostnames: [foo.local] }]
      imagePullSecrets: [{ name: regcred }]
      nodeSelector: { kubernetes.io/os: linux, node.kubernetes.io/instance-type: m5.large }
      priorityClassName: high
      runtimeClassName: runc
      os: { name: linux }
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 3000
        fsGroup: 2000
        fsGroupChangePolicy: OnRootMismatch
        supplementalGroups: [4000]
        seccompProfile: { type: RuntimeDefault }
        sysctls: [{ name: net.core.somaxconn, value: "1024" }]
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions: [{ key: topology.kubernetes.io/zone, operator: In, values: [eu-1a, eu-1b] }]
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 10
              preference:
                matchFields: [{ key: metadata.name, operator: NotIn, values: [node-9] }]
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector: { matchLabels: { app.kubernetes.io/name: web } }
                matchLabelKeys: [pod-template-hash]
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: topology.kubernetes.io/zone
              namespaceSelector: {}
              namespaces: [cache]
              labelSelector: { matchExpressions: [{ key: app, operator: Exists }] }
      tolerations:
        - { key: dedicated, operator: Equal, value: web, effect: NoSchedule }
        - { key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300 }
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector: { matchLabels: { app.kubernetes.io/name: web } }
          minDomains: 2
          nodeAffinityPolicy: Honor
          nodeTaintsPolicy: Ignore
      initContainers:
        - name: migrate
          image: shop/migrate:1.2
          args: [--wait]
          envFrom: [{ configMapRef: { name: db } }]
          restartPolicy: Always
      containers:
        - name: web
          image: shop/web:2.0.1
          imagePullPolicy: IfNotPresent
          command: [/bin/web]
          args: [--port=8080]
          workingDir: /srv
          ports:
            - { name: http, containerPort: 8080, protocol: TCP }
            - { name: metrics, containerPort: 9090, hostPort: 9090, hostIP: 0.0.0.0 }
          env:
            - { name: LOG_LEVEL, value: info }
            - name: POD_IP
              valueFrom: { fieldRef: { apiVersion: v1, fieldPath: status.podIP } }
            - name: MEM_LIMIT
              valueFrom: { resourceFieldRef: { containerName: web, resource: limits.memory, divisor: 1Mi } }
            - name: DB_PASSWORD
              valueFrom: { secretKeyRef: { name: db, key: password, optional: false } }
            - name: FEATURE
              valueFrom: { configMapKeyRef: { name: flags, key: feature } }
          envFrom:
            - { prefix: APP_, configMapRef: { name: web-config, optional: true } }
            - secretRef: { name: web-secrets }
          resources:
            requests: { cpu: 250m, memory: 256Mi, ephemeral-storage: 1Gi }
            limits: { cpu: "1", memory: 512Mi, nvidia.com/gpu: "1" }
          resizePolicy: [{ resourceName: cpu, restartPolicy: NotRequired }]
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
              scheme: HTTP
              httpHeaders: [{ name: X-Probe, value: live }]
            initialDelaySeconds: 10
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
            successThreshold: 1
          readinessProbe:
            tcpSocket: { port: 8080 }
            periodSeconds: 5
          startupProbe:
            exec: { command: [cat, /tmp/ready] }
            failureThreshold: 30
            terminationGracePeriodSeconds: 60
          lifecycle:
            preStop: { sleep: { seconds: 5 } }
            postStart: { exec: { command: [/bin/warm] } }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }
            seccompProfile: { type: Localhost, localhostProfile: profiles/web.json }
            appArmorProfile: { type: RuntimeDefault }
            seLinuxOptions: { level: "s0:c123,c456" }
          volumeMounts:
            - { name: config, mountPath: /etc/web, readOnly: true }
            - { name: cache, mountPath: /var/cache/web, subPath: web }
            - { name: tokens, mountPath: /var/run/tokens, recursiveReadOnly: IfPossible }
          terminationMessagePath: /dev/termination-log
          terminationMessagePolicy: FallbackToLogsOnError
          stdin: false
          tty: false
        - name: grpc-sidecar
          image: shop/sidecar:1
          livenessProbe: { grpc: { port: 50051, service: health } }
      volumes:
        - name: config
          configMap:
            name: web-config
            defaultMode: 0440
            items: [{ key: app.yaml, path: app.yaml, mode: 0400 }]
        - name: cache
          emptyDir: { medium: Memory, sizeLimit: 64Mi }
        - name: secrets
          secret: { secretName: web-secrets, optional: true }
        - name: data
          persistentVolumeClaim: { claimName: web-data, readOnly: false }
        - name: host
          hostPath: { path: /var/log, type: Directory }
        - name: podinfo
          downwardAPI:
            items: [{ path: labels, fieldRef: { fieldPath: metadata.labels } }]
        - name: tokens
          projected:
            defaultMode: 0420
            sources:
              - serviceAccountToken: { audience: vault, expirationSeconds: 3600, path: vault-token }
              - configMap: { name: kube-root-ca.crt, items: [{ key: ca.crt, path: ca.crt }] }
              - downwardAPI: { items: [{ path: namespace, fieldRef: { apiVersion: v1, fieldPath: metadata.namespace } }] }
        - name: scratch
          ephemeral:
            volumeClaimTemplate:
              metadata: { labels: { type: scratch } }
              spec:
                accessModes: [ReadWriteOnce]
                storageClassName: fast
                resources: { requests: { storage: 1Gi } }
        - name: shared
          nfs: { server: nfs.local, path: /exports, readOnly: true }
        - name: driver
          csi: { driver: secrets-store.csi.k8s.io, readOnly: true, volumeAttributes: { secretProviderClass: vault } }
        - name: model
          image: { reference: "quay.io/models/llm:1", pullPolicy: IfNotPresent }
`;

/** A Pod as the API server returns it: server-set metadata, managedFields and status. */
const SERVER_POD = `
apiVersion: v1
kind: Pod
metadata:
  name: sleep-2-7f69798f94-q8ffc
  generateName: sleep-2-7f69798f94-
  namespace: default
  uid: 5f2c1b62-1b1c-4f57-9d1e-2b3f4c5d6e7f
  resourceVersion: "1234"
  creationTimestamp: "2025-02-19T10:00:00Z"
  labels: { app: sleep-2, pod-template-hash: 7f69798f94 }
  finalizers: [example.com/keep]
  ownerReferences:
    - apiVersion: apps/v1
      kind: ReplicaSet
      name: sleep-2-7f69798f94
      uid: 0a0b0c0d-0000-4000-8000-000000000001
      controller: true
      blockOwnerDeletion: true
  managedFields:
    - manager: kube-controller-manager
      operation: Update
      apiVersion: v1
      time: "2025-02-19T10:00:00Z"
      fieldsType: FieldsV1
      fieldsV1:
        f:metadata:
          f:labels: { .: {}, f:app: {} }
        f:spec:
          f:containers:
            k:{"name":"sleep"}: { .: {}, f:image: {} }
    - manager: kubelet
      operation: Update
      subresource: status
      apiVersion: v1
      time: "2025-02-19T10:00:05Z"
      fieldsType: FieldsV1
      fieldsV1: { f:status: { f:podIP: {} } }
spec:
  containers:
    - name: sleep
      image: kiamol/ch03-sleep
      resources: {}
      terminationMessagePath: /dev/termination-log
      terminationMessagePolicy: File
      imagePullPolicy: Always
      volumeMounts:
        - { name: kube-api-access-abcde, readOnly: true, mountPath: /var/run/secrets/kubernetes.io/serviceaccount }
  ephemeralContainers:
    - name: debugger
      image: busybox
      targetContainerName: sleep
      stdin: true
      tty: true
  restartPolicy: Always
  terminationGracePeriodSeconds: 30
  dnsPolicy: ClusterFirst
  serviceAccountName: default
  serviceAccount: default
  nodeName: docker-desktop
  securityContext: {}
  schedulerName: default-scheduler
  tolerations:
    - { key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300 }
  priority: 0
  enableServiceLinks: true
  preemptionPolicy: PreemptLowerPriority
  volumes:
    - name: kube-api-access-abcde
      projected:
        defaultMode: 420
        sources:
          - serviceAccountToken: { expirationSeconds: 3607, path: token }
          - configMap: { name: kube-root-ca.crt, items: [{ key: ca.crt, path: ca.crt }] }
status:
  phase: Running
  conditions:
    - { type: PodReadyToStartContainers, status: "True", lastProbeTime: null, lastTransitionTime: "2025-02-19T10:00:03Z" }
    - { type: Ready, status: "True", lastProbeTime: null, lastTransitionTime: "2025-02-19T10:00:04Z" }
  hostIP: 192.168.65.3
  hostIPs: [{ ip: 192.168.65.3 }]
  podIP: 10.1.0.12
  podIPs: [{ ip: 10.1.0.12 }]
  startTime: "2025-02-19T10:00:00Z"
  qosClass: BestEffort
  containerStatuses:
    - name: sleep
      state: { running: { startedAt: "2025-02-19T10:00:03Z" } }
      lastState: { terminated: { exitCode: 137, reason: Error, startedAt: "2025-02-19T09:00:00Z", finishedAt: "2025-02-19T09:59:00Z", containerID: "docker://abc" } }
      ready: true
      restartCount: 1
      image: kiamol/ch03-sleep:latest
      imageID: docker-pullable://kiamol/ch03-sleep@sha256:0123
      containerID: docker://def
      started: true
      volumeMounts:
        - { name: kube-api-access-abcde, mountPath: /var/run/secrets/kubernetes.io/serviceaccount, readOnly: true, recursiveReadOnly: Disabled }
  ephemeralContainerStatuses:
    - name: debugger
      state: { waiting: { reason: ContainerCreating } }
      ready: false
      restartCount: 0
      image: busybox
      imageID: ""
`;

const NODE = `
apiVersion: v1
kind: Node
metadata:
  name: docker-desktop
  labels:
    kubernetes.io/hostname: docker-desktop
    node-role.kubernetes.io/control-plane: ""
    topology.kubernetes.io/zone: zone-a
  annotations: { node.alpha.kubernetes.io/ttl: "0" }
spec:
  podCIDR: 10.1.0.0/16
  podCIDRs: [10.1.0.0/16]
  taints: [{ key: node-role.kubernetes.io/control-plane, effect: NoSchedule, timeAdded: null }]
status:
  capacity: { cpu: "8", memory: 8029000Ki, pods: "110", ephemeral-storage: 61255492Ki, hugepages-2Mi: "0" }
  allocatable: { cpu: "8", memory: 7926600Ki, pods: "110" }
  conditions:
    - type: Ready
      status: "True"
      lastHeartbeatTime: "2025-02-19T10:00:00Z"
      lastTransitionTime: "2025-02-19T09:00:00Z"
      reason: KubeletReady
      message: kubelet is posting ready status
  addresses:
    - { type: InternalIP, address: 192.168.65.3 }
    - { type: Hostname, address: docker-desktop }
  daemonEndpoints: { kubeletEndpoint: { Port: 10250 } }
  nodeInfo:
    machineID: "0123"
    systemUUID: "4567"
    bootID: 89ab
    kernelVersion: 6.10.14-linuxkit
    osImage: Docker Desktop
    containerRuntimeVersion: docker://27.5.1
    kubeletVersion: v1.32.2
    kubeProxyVersion: v1.32.2
    operatingSystem: linux
    architecture: arm64
  images:
    - { names: ["kiamol/ch03-sleep@sha256:0123", "kiamol/ch03-sleep:latest"], sizeBytes: 8000000 }
  runtimeHandlers:
    - { name: runc, features: { recursiveReadOnlyMounts: true, userNamespaces: false } }
  features: { supplementalGroupsPolicy: true }
  volumesInUse: []
  volumesAttached: [{ name: kubernetes.io/csi/x, devicePath: "" }]
`;

const ENDPOINT_SLICE = `
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: sleep-2-abc12
  namespace: default
  generateName: sleep-2-
  labels:
    endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io
    kubernetes.io/service-name: sleep-2
  ownerReferences:
    - { apiVersion: v1, kind: Service, name: sleep-2, uid: 0a0b0c0d-0000-4000-8000-000000000003, controller: true, blockOwnerDeletion: true }
addressType: IPv4
endpoints:
  - addresses: [10.1.0.12]
    conditions: { ready: true, serving: true, terminating: false }
    hostname: sleep-2-0
    nodeName: docker-desktop
    zone: zone-a
    hints: { forZones: [{ name: zone-a }] }
    deprecatedTopology: { kubernetes.io/hostname: docker-desktop }
    targetRef: { kind: Pod, namespace: default, name: sleep-2-7f69798f94-q8ffc, uid: 5f2c1b62-1b1c-4f57-9d1e-2b3f4c5d6e7f }
ports:
  - { name: "", protocol: TCP, port: 80, appProtocol: http }
`;

const SERVER_SERVICE = `
apiVersion: v1
kind: Service
metadata:
  name: numbers-web
  namespace: default
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.20
  clusterIPs: [10.96.0.20]
  ipFamilies: [IPv4]
  ipFamilyPolicy: SingleStack
  selector: { app: numbers-web }
  ports: [{ name: http, protocol: TCP, port: 8080, targetPort: 80, nodePort: 31234, appProtocol: http }]
  sessionAffinity: ClientIP
  sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } }
  externalTrafficPolicy: Local
  healthCheckNodePort: 32000
  internalTrafficPolicy: Cluster
  allocateLoadBalancerNodePorts: true
  loadBalancerSourceRanges: [0.0.0.0/0]
  publishNotReadyAddresses: false
  trafficDistribution: PreferClose
status:
  loadBalancer:
    ingress: [{ hostname: localhost, ipMode: VIP, ports: [{ port: 8080, protocol: TCP, error: "" }] }]
  conditions:
    - { type: Ready, status: "True", reason: Ok, message: "", lastTransitionTime: "2025-02-19T10:00:00Z", observedGeneration: 1 }
`;

const OTHER_KINDS = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { kubernetes.io/metadata.name: shop } }
spec: { finalizers: [kubernetes] }
status:
  phase: Active
  conditions: [{ type: NamespaceDeletionContentFailure, status: "False", reason: ContentDeleted, message: "", lastTransitionTime: null }]
---
apiVersion: networking.k8s.io/v1
kind: ServiceCIDR
metadata: { name: kubernetes }
spec: { cidrs: [10.96.0.0/12] }
status:
  conditions: [{ type: Ready, status: "True", reason: "", message: "", lastTransitionTime: "2025-02-19T10:00:00Z" }]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: sleep-2-7f69798f94
  annotations: { deployment.kubernetes.io/desired-replicas: "1" }
spec:
  replicas: 1
  minReadySeconds: 0
  selector: { matchLabels: { app: sleep-2, pod-template-hash: 7f69798f94 } }
  template:
    metadata: { labels: { app: sleep-2, pod-template-hash: 7f69798f94 }, creationTimestamp: null }
    spec: { containers: [{ name: sleep, image: kiamol/ch03-sleep }] }
status:
  replicas: 1
  fullyLabeledReplicas: 1
  readyReplicas: 1
  availableReplicas: 1
  observedGeneration: 1
  conditions: [{ type: ReplicaFailure, status: "False", reason: "", message: "", lastTransitionTime: null }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: sleep-2, generation: 2 }
spec:
  replicas: 1
  selector: { matchLabels: { app: sleep-2 } }
  template: { metadata: { labels: { app: sleep-2 } }, spec: { containers: [{ name: sleep, image: kiamol/ch03-sleep }] } }
status:
  observedGeneration: 2
  replicas: 1
  updatedReplicas: 1
  readyReplicas: 1
  availableReplicas: 1
  unavailableReplicas: 0
  collisionCount: 0
  conditions:
    - { type: Available, status: "True", lastUpdateTime: "2025-02-19T10:00:00Z", lastTransitionTime: "2025-02-19T10:00:00Z", reason: MinimumReplicasAvailable, message: ok }
`;

const REAL_MANIFESTS = [
  { desc: '01 kiamol sleep-1 Deployment', yaml: SLEEP_1 },
  { desc: '02 kiamol sleep-2 Service', yaml: SLEEP_2_SERVICE },
  { desc: '03 kiamol numbers-web LoadBalancer', yaml: NUMBERS_WEB_SERVICE },
  { desc: '04 kiamol numbers-web-node NodePort', yaml: NUMBERS_WEB_NODE_PORT },
  { desc: '05 kiamol numbers-api ExternalName', yaml: NUMBERS_API_EXTERNAL_NAME },
  { desc: '06 kiamol selector-less Service and its Endpoints', yaml: NUMBERS_API_HEADLESS },
  { desc: '07 kiamol lab Deployment with a privileged initContainer', yaml: LAB_DEPLOYMENT },
  { desc: '08 kiamol lab solution Services', yaml: LAB_SERVICES },
  { desc: '09 Deployment with probes, resources, volumes, env, securityContext, affinity', yaml: FULL_DEPLOYMENT },
  { desc: '10 Pod as served, with managedFields, ownerReferences and status', yaml: SERVER_POD },
  { desc: '11 Node with status.nodeInfo and daemonEndpoints', yaml: NODE },
  { desc: '12 EndpointSlice with hints and targetRef', yaml: ENDPOINT_SLICE },
  { desc: '13 Service as served, with status.loadBalancer', yaml: SERVER_SERVICE },
  { desc: '14 Namespace, ServiceCIDR, ReplicaSet and Deployment with status', yaml: OTHER_KINDS },
];

describe('unknownFields: real manifests have no unknown fields', () => {
  it.each(REAL_MANIFESTS)('$desc', ({ yaml }) => {
    for (const doc of documents(yaml)) expect(unknownFields(String(doc.kind), doc)).toEqual([]);
  });
});

describe('decodeError: real manifests decode without a type error', () => {
  // Node IDs and uids are quoted above: YAML reads `machineID: 0123` and `uid: 1` as numbers,
  // which the API server refuses for string fields.
  it.each(REAL_MANIFESTS)('$desc', ({ yaml }) => {
    const docs = documents(yaml);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) expect(decodeError(String(doc.kind), doc)).toBeUndefined();
  });
});

describe('unknownFields: typos give the API server\'s paths', () => {
  it.each<{ desc: string; kind: string; obj: unknown; want: string[] }>([
    { desc: '01 a spec field', kind: 'Service', obj: { spec: { portz: [{ port: 80 }] } }, want: ['spec.portz'] },
    {
      desc: '02 a field of the second list item (keys are case-sensitive)',
      kind: 'Service',
      obj: { spec: { ports: [{ port: 80 }, { port: 81, nodeport: 30081 }] } },
      want: ['spec.ports[1].nodeport'],
    },
    {
      desc: '03 a container field inside a Deployment template',
      kind: 'Deployment',
      obj: { spec: { template: { spec: { containers: [{ name: 'web', image: 'x', imagePullPolicyy: 'Always' }] } } } },
      want: ['spec.template.spec.containers[0].imagePullPolicyy'],
    },
    { desc: '04 metadata', kind: 'Pod', obj: { metadata: { name: 'p', lables: { app: 'x' } } }, want: ['metadata.lables'] },
    { desc: '05 top level', kind: 'Namespace', obj: { apiVersion: 'v1', kind: 'Namespace', metdata: {} }, want: ['metdata'] },
    {
      desc: '06 several, in document order',
      kind: 'Service',
      obj: { metadata: { nam: 'x' }, spec: { a: 1, ports: [{ prot: 1 }], b: 2 }, extra: true },
      want: ['metadata.nam', 'spec.a', 'spec.ports[0].prot', 'spec.b', 'extra'],
    },
    {
      desc: '07 nested list in a list (EndpointSlice hints)',
      kind: 'EndpointSlice',
      obj: { endpoints: [{ addresses: ['10.1.0.1'], hints: { forZones: [{ name: 'a' }, { zone: 'b' }] } }] },
      want: ['endpoints[0].hints.forZones[1].zone'],
    },
    {
      desc: '08 Endpoints subsets',
      kind: 'Endpoints',
      obj: { subsets: [{ addresses: [{ ip: '10.0.0.1', zone: 'a' }], ports: [{ port: 80, targetPort: 80 }] }] },
      want: ['subsets[0].addresses[0].zone', 'subsets[0].ports[0].targetPort'],
    },
    {
      desc: '09 probe and volume typos',
      kind: 'Pod',
      obj: {
        spec: {
          containers: [{ name: 'c', livenessProbe: { httpGet: { path: '/', port: 80, headers: [] } } }],
          volumes: [{ name: 'v', configmap: { name: 'x' } }, { name: 'w', emptyDir: { sizelimit: '1Gi' } }],
        },
      },
      want: ['spec.containers[0].livenessProbe.httpGet.headers', 'spec.volumes[0].configmap', 'spec.volumes[1].emptyDir.sizelimit'],
    },
    {
      desc: '10 a field at the wrong level (replicas inside the pod template)',
      kind: 'Deployment',
      obj: { spec: { template: { spec: { replicas: 2, containers: [] } } } },
      want: ['spec.template.spec.replicas'],
    },
    { desc: '11 a 1.33 field is unknown to 1.32', kind: 'EndpointSlice', obj: { endpoints: [{ hints: { forNodes: [] } }] }, want: ['endpoints[0].hints.forNodes'] },
    { desc: '12 Node status', kind: 'Node', obj: { status: { nodeInfo: { kernel: 'x' }, daemonEndpoints: { kubeletEndpoint: { port: 10250 } } } }, want: ['status.nodeInfo.kernel', 'status.daemonEndpoints.kubeletEndpoint.port'] },
    { desc: '13 an own __proto__ key is just another unknown field', kind: 'Service', obj: JSON.parse('{"spec":{"__proto__":{"x":1}}}') as unknown, want: ['spec.__proto__'] },
  ])('$desc', ({ kind, obj, want }) => {
    expect(unknownFields(kind, obj)).toEqual(want);
  });
});

describe('unknownFields: maps and opaque values accept any key', () => {
  it.each<{ desc: string; kind: string; obj: unknown }>([
    { desc: '01 labels and annotations', kind: 'Service', obj: { metadata: { labels: { 'any/key': 'v', spec: 'x' }, annotations: { portz: '1' } } } },
    { desc: '02 Service selector', kind: 'Service', obj: { spec: { selector: { anything: 'goes', 'app.kubernetes.io/name': 'x' } } } },
    { desc: '03 matchLabels and nodeSelector', kind: 'Deployment', obj: { spec: { selector: { matchLabels: { whatever: 'x' } }, template: { spec: { nodeSelector: { disk: 'ssd' } } } } } },
    { desc: '04 resource lists', kind: 'Pod', obj: { spec: { containers: [{ resources: { limits: { 'example.com/foo': '1' }, requests: { bar: '2' } } }], overhead: { cpu: '1' } } } },
    { desc: '05 managedFields fieldsV1 is raw JSON', kind: 'Pod', obj: { metadata: { managedFields: [{ fieldsV1: { 'f:spec': { 'f:whatever': {} } } }] } } },
    { desc: '06 Node capacity and allocatable', kind: 'Node', obj: { status: { capacity: { 'hugepages-1Gi': '0' }, allocatable: { 'nvidia.com/gpu': '1' } } } },
    { desc: '07 deprecatedTopology, csi volumeAttributes, flexVolume options', kind: 'Pod', obj: { spec: { volumes: [{ csi: { volumeAttributes: { k: 'v' } } }, { flexVolume: { options: { k: 'v' } } }] } } },
    { desc: '08 EndpointSlice deprecatedTopology', kind: 'EndpointSlice', obj: { endpoints: [{ deprecatedTopology: { 'topology.kubernetes.io/zone': 'a' } }] } },
    { desc: '09 IntOrString given as an object is not looked into', kind: 'Service', obj: { spec: { ports: [{ targetPort: { weird: 1 } }] } } },
  ])('$desc', ({ kind, obj }) => {
    expect(unknownFields(kind, obj)).toEqual([]);
  });
});

describe('unknownFields: wrong JSON types are not unknown fields', () => {
  // A string where an object belongs is a type error; the API server reports it as a decoding
  // error of its own, so this check neither reports it nor looks inside.
  it.each<{ desc: string; kind: string; obj: unknown; want: string[] }>([
    { desc: '01 the whole object is not an object', kind: 'Service', obj: 'spec', want: [] },
    { desc: '02 the whole object is an array', kind: 'Service', obj: [{ portz: 1 }], want: [] },
    { desc: '03 null object', kind: 'Service', obj: null, want: [] },
    { desc: '04 spec is a string', kind: 'Service', obj: { spec: 'ports' }, want: [] },
    { desc: '05 spec is an array of objects', kind: 'Service', obj: { spec: [{ portz: 1 }] }, want: [] },
    { desc: '06 ports is an object, not a list', kind: 'Service', obj: { spec: { ports: { portz: 1 } } }, want: [] },
    { desc: '07 a list item is a number', kind: 'Service', obj: { spec: { ports: [80, { port: 81, bad: 1 }] } }, want: ['spec.ports[1].bad'] },
    { desc: '08 null values are accepted', kind: 'Deployment', obj: { metadata: null, spec: { strategy: null, template: { spec: { containers: null } } } }, want: [] },
    { desc: '09 a scalar field holding an object is not looked into', kind: 'Pod', obj: { spec: { containers: [{ name: { first: 'a' } }] } }, want: [] },
  ])('$desc', ({ kind, obj, want }) => {
    expect(unknownFields(kind, obj)).toEqual(want);
  });
});

describe('unknownFields: scope', () => {
  it('01 a kind without a schema reports nothing', () => {
    expect(unknownFields('ConfigMap', { data: { a: 'b' }, portz: 1 })).toEqual([]);
    expect(unknownFields('toString', { portz: 1 })).toEqual([]);
  });

  it('02 at most 100 unknown fields, like sigs.k8s.io/json', () => {
    const spec: Record<string, number> = {};
    for (let i = 0; i < 150; i++) spec[`f${i}`] = i;
    const got = unknownFields('Service', { spec });
    expect(got).toHaveLength(100);
    expect(got[0]).toBe('spec.f0');
    expect(got[99]).toBe('spec.f99');
  });

  it.each(RESOURCE_KINDS.map((kind, i) => ({ desc: `${String(i + 3).padStart(2, '0')} ${kind} has apiVersion, kind and metadata`, kind })))('$desc', ({ kind }) => {
    const schema = KIND_SCHEMAS[kind];
    expect(['apiVersion', 'kind', 'metadata'].every((f) => schema.has(f))).toBe(true);
    expect(unknownFields(kind, { apiVersion: 'v1', kind, metadata: { name: 'x', labels: { a: 'b' } }, bogus: 1 })).toEqual(['bogus']);
  });
});
