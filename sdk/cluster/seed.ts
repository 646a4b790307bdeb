/**
 * The seed's cluster: kiamol chapter 3 on Docker Desktop (`shared/seed/`,
 * `spec/kiamol-ch03.md`), as `kubectl get svc -A` showed it:
 *
 * ```
 * NAMESPACE     NAME               TYPE           CLUSTER-IP       EXTERNAL-IP   PORT(S)                  AGE
 * default       hello-kubernetes   NodePort       10.106.104.252   <none>        80:31655/TCP             2d23h
 * default       kubernetes         ClusterIP      10.96.0.1        <none>        443/TCP                  2d23h
 * default       numbers-api        ClusterIP      10.103.155.91    <none>        80/TCP                   32m
 * default       numbers-web        LoadBalancer   10.107.18.45     localhost     8080:31421/TCP           79m
 * default       sleep-2            ClusterIP      10.98.208.225    <none>        80/TCP                   13h
 * kube-system   kube-dns           ClusterIP      10.96.0.10       <none>        53/UDP,53/TCP,9153/TCP   2d23h
 * ```
 *
 * Pod addresses come from Docker Desktop's pod CIDR 10.1.0.0/16; sleep-2's 10.1.0.43:80
 * and its pod name are the seed's own. The `kubernetes` slice is the API server's
 * (named after the Service, Docker Desktop's VM address 192.168.65.3:6443); the others
 * are the EndpointSlice controller's, named `<service>-<5 random characters>`.
 *
 * The pods behind those slices are in `SEED_PODS`, with the Deployment-made names the
 * slices' `targetRef`s give (`<deployment>-<pod-template-hash>-<5 random characters>`),
 * running and Ready on docker-desktop; plus sleep-1 (10.1.0.42), which no Service selects:
 * the chapter's `kubectl exec deploy/sleep-1` runs its lookups from there. `seedCluster`
 * builds them through `SEED_DEPLOYMENTS` and their ReplicaSets (owner references set), with
 * the controllers on, so pods are replaced and slices and Endpoints follow from then on.
 */

import { deepFreeze } from '../model/objects.js';
import { ENDPOINTSLICE_CONTROLLER_NAME, LABEL_MANAGED_BY, LABEL_POD_TEMPLATE_HASH, LABEL_SERVICE_NAME } from '../model/types.js';
import type { Container, Deployment, Endpoint, EndpointPort, EndpointSlice, Pod, Service } from '../model/types.js';
import { defaultNode } from '../controllers/workloads.js';
import { Cluster, builtinServices } from './cluster.js';
import type { ClusterOptions } from './cluster.js';

export const SEED_NODE_NAME = 'docker-desktop';
/** Docker Desktop's VM, the node's InternalIP. */
export const SEED_NODE_IP = '192.168.65.3';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Age in seconds of each seed object at the moment `seedCluster` runs, by `namespace/name`. */
export const SEED_AGES: Readonly<Record<string, number>> = Object.freeze({
  'default/hello-kubernetes': 2 * DAY + 23 * HOUR,
  'default/kubernetes': 2 * DAY + 23 * HOUR,
  'default/numbers-api': 32 * MINUTE,
  'default/numbers-web': 79 * MINUTE,
  'default/sleep-2': 13 * HOUR,
  'kube-system/kube-dns': 2 * DAY + 23 * HOUR,
  'default/sleep-1': 13 * HOUR,
});

/** Age of the cluster itself (namespaces and built-in objects). */
export const SEED_CLUSTER_AGE = 2 * DAY + 23 * HOUR;

function service(name: string, spec: Service['spec'], status?: Service['status']): Service {
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ...spec, selector: { app: name } },
  };
  if (status) svc.status = status;
  return svc;
}

const [KUBERNETES, KUBE_DNS] = builtinServices();

/** The seed's Services, in `kubectl get svc -A` order (the two built-ins included). */
export const SEED_SERVICES: readonly Service[] = deepFreeze([
  service('hello-kubernetes', {
    type: 'NodePort',
    clusterIP: '10.106.104.252',
    ports: [{ protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 31655 }],
  }),
  KUBERNETES,
  service('numbers-api', {
    type: 'ClusterIP',
    clusterIP: '10.103.155.91',
    ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }],
  }),
  service(
    'numbers-web',
    {
      type: 'LoadBalancer',
      clusterIP: '10.107.18.45',
      ports: [{ protocol: 'TCP', port: 8080, targetPort: 80, nodePort: 31421 }],
    },
    { loadBalancer: { ingress: [{ hostname: 'localhost' }] } },
  ),
  service('sleep-2', {
    type: 'ClusterIP',
    clusterIP: '10.98.208.225',
    ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }],
  }),
  KUBE_DNS,
]);

function podEndpoint(ip: string, pod: string, namespace = 'default'): Endpoint {
  return {
    addresses: [ip],
    conditions: { ready: true, serving: true, terminating: false },
    nodeName: SEED_NODE_NAME,
    targetRef: { kind: 'Pod', namespace, name: pod },
  };
}

function controllerSlice(serviceName: string, suffix: string, endpoints: Endpoint[], ports: EndpointPort[], namespace = 'default'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${serviceName}-${suffix}`,
      namespace,
      labels: { [LABEL_SERVICE_NAME]: serviceName, [LABEL_MANAGED_BY]: ENDPOINTSLICE_CONTROLLER_NAME },
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

const http = (port: number): EndpointPort[] => [{ name: '', protocol: 'TCP', port }];

/** One EndpointSlice per seed Service, in the same order as `SEED_SERVICES`. */
export const SEED_ENDPOINT_SLICES: readonly EndpointSlice[] = deepFreeze([
  controllerSlice('hello-kubernetes', 'x9kzc', [podEndpoint('10.1.0.20', 'hello-kubernetes-6b8fd4b9c7-2pxqv')], http(8080)),
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { [LABEL_SERVICE_NAME]: 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['192.168.65.3'], conditions: { ready: true, serving: true, terminating: false } }],
    ports: [{ name: 'https', protocol: 'TCP', port: 6443 }],
  },
  controllerSlice('numbers-api', '5v8mq', [podEndpoint('10.1.0.47', 'numbers-api-7c6b8fcd9d-hx2wp')], http(80)),
  controllerSlice('numbers-web', 'pz4bt', [podEndpoint('10.1.0.48', 'numbers-web-5fd6c9f58c-kq7lz')], http(80)),
  controllerSlice('sleep-2', 'x7k2p', [podEndpoint('10.1.0.43', 'sleep-2-7f69798f94-q8ffc')], http(80)),
  controllerSlice(
    'kube-dns',
    'm4t8d',
    [podEndpoint('10.1.0.2', 'coredns-7db6d8ff4d-2xnzq', 'kube-system'), podEndpoint('10.1.0.3', 'coredns-7db6d8ff4d-tfwkv', 'kube-system')],
    [
      { name: 'dns-tcp', protocol: 'TCP', port: 53 },
      { name: 'dns', protocol: 'UDP', port: 53 },
      { name: 'metrics', protocol: 'TCP', port: 9153 },
    ],
    'kube-system',
  ),
]);

function seedPod(name: string, ip: string, labels: Record<string, string>, containers: Container[], namespace = 'default'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { nodeName: SEED_NODE_NAME, containers },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
        { type: 'ContainersReady', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
      hostIP: SEED_NODE_IP,
      podIP: ip,
      podIPs: [{ ip }],
    },
  };
}

/** A pod of Deployment `app` (label `app=<app>`), name `<app>-<hash>-<suffix>`. */
function appPod(app: string, hash: string, suffix: string, ip: string, container: Container): Pod {
  return seedPod(`${app}-${hash}-${suffix}`, ip, { app, 'pod-template-hash': hash }, [container]);
}

const COREDNS: Container = {
  name: 'coredns',
  image: 'registry.k8s.io/coredns/coredns:v1.11.1',
  ports: [
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
    { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
    { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
  ],
};

const corednsPod = (suffix: string, ip: string): Pod =>
  seedPod(`coredns-7db6d8ff4d-${suffix}`, ip, { 'k8s-app': 'kube-dns', 'pod-template-hash': '7db6d8ff4d' }, [COREDNS], 'kube-system');

/**
 * The seed's pods: the ones its EndpointSlices point at (same names and IPs), and sleep-1.
 * Sorted by namespace then name.
 */
export const SEED_PODS: readonly Pod[] = deepFreeze([
  appPod('hello-kubernetes', '6b8fd4b9c7', '2pxqv', '10.1.0.20', {
    name: 'hello-kubernetes',
    image: 'paulbouwer/hello-kubernetes:1.10',
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
  }),
  appPod('numbers-api', '7c6b8fcd9d', 'hx2wp', '10.1.0.47', { name: 'api', image: 'kiamol/ch03-numbers-api' }),
  appPod('numbers-web', '5fd6c9f58c', 'kq7lz', '10.1.0.48', { name: 'web', image: 'kiamol/ch03-numbers-web' }),
  appPod('sleep-1', '6c9b5f7d58', 'jw4xz', '10.1.0.42', { name: 'sleep', image: 'kiamol/ch03-sleep' }),
  appPod('sleep-2', '7f69798f94', 'q8ffc', '10.1.0.43', { name: 'sleep', image: 'kiamol/ch03-sleep' }),
  corednsPod('2xnzq', '10.1.0.2'),
  corednsPod('tfwkv', '10.1.0.3'),
]);

/**
 * The seed's Deployments, derived from `SEED_PODS`: one per `<deployment>-<hash>` prefix,
 * selecting the pods' labels without `pod-template-hash`, with their containers as template
 * and as many replicas as the seed has pods (sleep-1, sleep-2, numbers-api, numbers-web,
 * hello-kubernetes in default; coredns, 2 replicas, in kube-system).
 */
export const SEED_DEPLOYMENTS: readonly Deployment[] = deepFreeze(
  (() => {
    const out = new Map<string, Deployment>();
    for (const pod of SEED_PODS) {
      const hash = pod.metadata.labels![LABEL_POD_TEMPLATE_HASH];
      const name = pod.metadata.name.slice(0, pod.metadata.name.indexOf(`-${hash}-`));
      const key = `${pod.metadata.namespace}/${name}`;
      const existing = out.get(key);
      if (existing) {
        existing.spec.replicas! += 1;
        continue;
      }
      const labels = { ...pod.metadata.labels };
      delete labels[LABEL_POD_TEMPLATE_HASH];
      out.set(key, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: pod.metadata.namespace, labels: { ...labels } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { ...labels } },
          template: { metadata: { labels: { ...labels } }, spec: { containers: JSON.parse(JSON.stringify(pod.spec.containers)) } },
        },
      });
    }
    return [...out.values()];
  })(),
);

/** The seed's pod-template hash of each Deployment (`namespace/name`), from its pods' names. */
function seedHash(d: Deployment): string {
  const pod = SEED_PODS.find((p) => p.metadata.namespace === d.metadata.namespace && p.metadata.name.startsWith(`${d.metadata.name}-`))!;
  return pod.metadata.labels![LABEL_POD_TEMPLATE_HASH];
}

/**
 * A Cluster holding the seed's objects, created as they were: namespaces, the node
 * `docker-desktop` and the built-ins 2d23h ago; each Service with its Deployment,
 * ReplicaSet (`<deployment>-<hash>`, as the seed names them), pods (the seed's names and
 * IPs) and slice at its age in `SEED_AGES`, relative to the options' clock (default: now).
 * The controllers run (`controllers` defaults to true here), so the session works:
 * `deletePods('default', { labelSelector: 'app=sleep-2' })` makes the ReplicaSet replace the
 * pod (new name, next free IP) and the endpoint moves; `deleteDeployment('default',
 * 'sleep-2')` leaves sleep-2 with an empty slice and empty Endpoints, its ClusterIP kept.
 * The seed's addresses lie in 10.96.0.0/12, so `serviceCIDRs`, if given, must cover them.
 */
export function seedCluster(options: ClusterOptions = {}): Cluster {
  const clock = options.now ?? (() => new Date());
  const start = clock().getTime();
  let pinned: number | undefined = start - SEED_CLUSTER_AGE * 1000;
  const cluster = new Cluster({ controllers: true, ...options, now: () => (pinned === undefined ? clock() : new Date(pinned)) });
  const ageOf = (ns: string | undefined, name: string | undefined): number => SEED_AGES[`${ns}/${name}`] ?? SEED_CLUSTER_AGE;
  try {
    cluster.batch(() => {
      for (const ns of ['default', 'kube-system']) {
        if (!cluster.getNamespace(ns)) cluster.createNamespace({ metadata: { name: ns } });
      }
      const node = defaultNode();
      node.metadata.name = SEED_NODE_NAME;
      node.status!.addresses = [
        { type: 'InternalIP', address: SEED_NODE_IP },
        { type: 'Hostname', address: SEED_NODE_NAME },
      ];
      cluster.applyNode(node);
    });
    // One batch per application, so that what the controllers add shares its age.
    const apps = new Set<string>();
    for (const svc of SEED_SERVICES) apps.add(`${svc.metadata.namespace}/${svc.metadata.name}`);
    for (const d of SEED_DEPLOYMENTS) apps.add(`${d.metadata.namespace}/${d.metadata.labels?.app ?? d.metadata.name}`);
    for (const app of apps) {
      const [ns, name] = app.split('/');
      pinned = start - ageOf(ns, name) * 1000;
      cluster.batch(() => {
        const svc = SEED_SERVICES.find((s) => s.metadata.namespace === ns && s.metadata.name === name);
        if (svc) cluster.applyService(svc);
        const deployments = SEED_DEPLOYMENTS.filter(
          (d) => d.metadata.namespace === ns && (d.metadata.labels?.app === name || (svc?.spec.selector !== undefined && Object.entries(svc.spec.selector).every(([k, v]) => d.spec.selector.matchLabels?.[k] === v))),
        );
        for (const d of deployments) {
          const deployment = cluster.applyDeployment(d);
          const hash = seedHash(d);
          const rsName = `${d.metadata.name}-${hash}`;
          const template = JSON.parse(JSON.stringify(d.spec.template)) as Deployment['spec']['template'];
          template.metadata!.labels![LABEL_POD_TEMPLATE_HASH] = hash;
          const rs = cluster.applyReplicaSet({
            metadata: {
              name: rsName,
              namespace: ns,
              labels: { ...template.metadata!.labels },
              ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: deployment.metadata.uid!, controller: true, blockOwnerDeletion: true }],
            },
            spec: { replicas: d.spec.replicas, selector: { matchLabels: { ...template.metadata!.labels } }, template },
          });
          for (const pod of SEED_PODS.filter((p) => p.metadata.namespace === ns && p.metadata.name.startsWith(`${rsName}-`))) {
            cluster.applyPod({
              ...pod,
              metadata: {
                ...pod.metadata,
                ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }],
              },
            });
          }
        }
        for (const slice of SEED_ENDPOINT_SLICES) {
          if (slice.metadata.namespace === ns && slice.metadata.labels?.[LABEL_SERVICE_NAME] === name) cluster.applyEndpointSlice(slice);
        }
      });
    }
  } finally {
    pinned = undefined;
  }
  return cluster;
}
