/**
 * The Deployment and ReplicaSet controllers, the scheduler and the kubelet, reduced to what
 * service networking sees:
 * - a Deployment owns one ReplicaSet per pod template, named `<deployment>-<pod-template-hash>`;
 *   the one whose template equals the Deployment's gets `spec.replicas`, the others 0
 *   (a rollout in one step);
 * - a ReplicaSet keeps `spec.replicas` live pods (not terminating), named
 *   `<replicaset>-<5 random characters>`, bound to the node with the fewest pods, given the
 *   next free IP of each of that node's pod CIDRs (`spec.podCIDRs`, one per family: a
 *   dual-stack node gives dual-stack pods, primary first), and Running and Ready at once;
 * - deleting a Deployment deletes its ReplicaSets, deleting a ReplicaSet its pods (the
 *   garbage collector's background cascade, by owner uid);
 * - without any Node, the first pod creates the default one: `docker-desktop`, pod CIDR
 *   10.1.0.0/16, InternalIP 192.168.65.3.
 *
 * Pod IPs: per node and pod CIDR, a cursor moves through the range (first address the
 * network's + 2, as `.2` after the bridge's `.1`; last the one before the last), skipping
 * addresses that live pods hold, so a replacement pod never gets its predecessor's IP until
 * the range wraps. The cursor starts after the highest live IP of the range. IPv4 and IPv6
 * ranges follow the same rule (addresses as integers).
 */

import type { ChangeEvent } from '../cluster/cluster.js';
import { formatIP, parseCIDR, parseIP } from '../model/ip.js';
import type { CIDR, IPFamilyName } from '../model/ip.js';
import { deepCopy, deepEqual } from '../model/objects.js';
import { isPodReady, isPodTerminating, podIPsOf } from '../model/pod.js';
import { equalIgnoreHash, podTemplateHash } from '../model/workloads.js';
import { LABEL_POD_TEMPLATE_HASH } from '../model/types.js';
import type { Deployment, Node, OwnerReference, Pod, ReplicaSet } from '../model/types.js';
import { controllerOf, keyOf, splitKey } from './store.js';
import type { Controller, ControllerStore } from './store.js';

export const DEFAULT_NODE_NAME = 'docker-desktop';
export const DEFAULT_POD_CIDR = '10.1.0.0/16';
export const DEFAULT_NODE_IP = '192.168.65.3';

/** The Node the workload controller creates when a pod needs one and none exists. */
export function defaultNode(): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: DEFAULT_NODE_NAME,
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': DEFAULT_NODE_NAME,
        'kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/control-plane': '',
      },
    },
    spec: { podCIDR: DEFAULT_POD_CIDR, podCIDRs: [DEFAULT_POD_CIDR] },
    status: {
      addresses: [
        { type: 'InternalIP', address: DEFAULT_NODE_IP },
        { type: 'Hostname', address: DEFAULT_NODE_NAME },
      ],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      // Docker Desktop's single node as its kubelet reports it (Kubernetes v1.32 era).
      nodeInfo: {
        kernelVersion: '6.10.14-linuxkit',
        osImage: 'Docker Desktop',
        containerRuntimeVersion: 'docker://27.5.1',
        kubeletVersion: 'v1.32.2',
        kubeProxyVersion: 'v1.32.2',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

function ownerRef(kind: 'Deployment' | 'ReplicaSet', obj: Deployment | ReplicaSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind, name: obj.metadata.name, uid: obj.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

const isActive = (p: Pod): boolean => !isPodTerminating(p) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

function ownedBy<T extends { metadata: { ownerReferences?: OwnerReference[] } }>(list: readonly T[], uid: string | undefined): T[] {
  return list.filter((o) => uid !== undefined && controllerOf(o.metadata)?.uid === uid);
}

/** An address as an unsigned integer (u32 for IPv4, u128 for IPv6). */
function addressValue(text: string): { family: IPFamilyName; value: bigint } | undefined {
  let ip;
  try {
    ip = parseIP(text);
  } catch {
    return undefined;
  }
  if (ip.family === 'IPv4') return { family: 'IPv4', value: BigInt(ip.address) };
  let v = 0n;
  for (const b of ip.address) v = (v << 8n) | BigInt(b);
  return { family: 'IPv6', value: v };
}

function addressText(family: IPFamilyName, value: bigint): string {
  if (family === 'IPv4') return formatIP({ family, address: Number(value) });
  const bytes = new Uint8Array(16);
  let v = value;
  for (let i = 15; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return formatIP({ family, address: bytes });
}

/** The node's pod CIDRs, at most one per family, in its order (`spec.podCIDRs`, else `spec.podCIDR`). */
function podCIDRsOf(node: Node): { text: string; cidr: CIDR }[] {
  const texts = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  const out: { text: string; cidr: CIDR }[] = [];
  for (const text of texts) {
    const cidr = parseCIDR(text);
    if (!out.some((c) => c.cidr.family === cidr.family)) out.push({ text, cidr });
  }
  return out;
}

export class WorkloadController implements Controller {
  /** `<node>/<pod CIDR>` → last allocated address. */
  readonly #cursor = new Map<string, bigint>();

  reconcile(changes: readonly ChangeEvent[], store: ControllerStore): void {
    const deployments = new Set<string>();
    const replicaSets = new Set<string>();
    for (const c of changes) {
      const meta = c.object.metadata;
      if (c.kind === 'Deployment') {
        if (c.type === 'DELETED') {
          for (const rs of ownedBy(store.replicaSets(meta.namespace!), meta.uid)) store.deleteReplicaSet(meta.namespace!, rs.metadata.name);
        } else deployments.add(keyOf(meta.namespace, meta.name));
      } else if (c.kind === 'ReplicaSet') {
        const owner = controllerOf(meta);
        if (owner?.kind === 'Deployment') deployments.add(keyOf(meta.namespace, owner.name));
        if (c.type === 'DELETED') {
          for (const pod of ownedBy(store.pods(meta.namespace!), meta.uid)) store.deletePod(meta.namespace!, pod.metadata.name);
        } else replicaSets.add(keyOf(meta.namespace, meta.name));
      } else if (c.kind === 'Pod') {
        const owner = controllerOf(meta);
        if (owner?.kind === 'ReplicaSet') replicaSets.add(keyOf(meta.namespace, owner.name));
      }
    }
    for (const key of [...deployments].sort()) this.#syncDeployment(store, ...splitKey(key));
    for (const key of [...replicaSets].sort()) this.#syncReplicaSet(store, ...splitKey(key));
  }

  #syncDeployment(store: ControllerStore, ns: string, name: string): void {
    const d = store.deployment(ns, name);
    if (d === undefined || d.metadata.deletionTimestamp) return;
    const owned = ownedBy(store.replicaSets(ns), d.metadata.uid);
    const replicas = d.spec.replicas ?? 1;
    let current = owned.find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
    if (current === undefined) {
      let hash = podTemplateHash(d.spec.template);
      for (let collisions = 1; store.replicaSet(ns, `${name}-${hash}`) !== undefined; collisions++) {
        hash = podTemplateHash(d.spec.template, collisions);
      }
      const template = deepCopy(d.spec.template);
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [LABEL_POD_TEMPLATE_HASH]: hash } };
      current = store.createReplicaSet({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${name}-${hash}`,
          namespace: ns,
          labels: { ...d.spec.template.metadata?.labels, [LABEL_POD_TEMPLATE_HASH]: hash },
          ownerReferences: [ownerRef('Deployment', d)],
        },
        spec: {
          replicas,
          selector: { ...deepCopy(d.spec.selector), matchLabels: { ...d.spec.selector.matchLabels, [LABEL_POD_TEMPLATE_HASH]: hash } },
          template,
        },
      });
    } else if ((current.spec.replicas ?? 1) !== replicas) {
      current = store.updateReplicaSet({ ...deepCopy(current), spec: { ...deepCopy(current.spec), replicas } });
    }
    for (const rs of owned) {
      if (rs.metadata.uid !== current.metadata.uid && (rs.spec.replicas ?? 1) !== 0) {
        store.updateReplicaSet({ ...deepCopy(rs), spec: { ...deepCopy(rs.spec), replicas: 0 } });
      }
    }
    const all = ownedBy(store.replicaSets(ns), d.metadata.uid);
    const sum = (f: (rs: ReplicaSet) => number | undefined): number => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
    const status: Deployment['status'] = {
      observedGeneration: d.metadata.generation,
      replicas: sum((rs) => rs.status?.replicas),
      updatedReplicas: current.status?.replicas ?? 0,
      readyReplicas: sum((rs) => rs.status?.readyReplicas),
      availableReplicas: sum((rs) => rs.status?.availableReplicas),
    };
    if (!deepEqual(status, d.status)) store.updateDeploymentStatus({ ...deepCopy(d), status });
  }

  #syncReplicaSet(store: ControllerStore, ns: string, name: string): void {
    const rs = store.replicaSet(ns, name);
    if (rs === undefined || rs.metadata.deletionTimestamp) return;
    const active = ownedBy(store.pods(ns), rs.metadata.uid).filter(isActive);
    const want = rs.spec.replicas ?? 1;
    for (let i = active.length; i < want; i++) active.push(this.#createPod(store, rs));
    if (active.length > want) {
      // Newest first, then by name: the ones a scale-down removes.
      const victims = [...active]
        .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || b.metadata.name.localeCompare(a.metadata.name))
        .slice(0, active.length - want);
      for (const p of victims) store.deletePod(ns, p.metadata.name);
      active.splice(0, active.length, ...active.filter((p) => !victims.includes(p)));
    }
    const ready = active.filter(isPodReady).length;
    const status: ReplicaSet['status'] = {
      observedGeneration: rs.metadata.generation,
      replicas: active.length,
      fullyLabeledReplicas: active.length,
      readyReplicas: ready,
      availableReplicas: ready,
    };
    if (!deepEqual(status, rs.status)) store.updateReplicaSet({ ...deepCopy(rs), status });
  }

  #pickNode(store: ControllerStore): Node {
    let nodes = store.nodes().filter((n) => !n.spec?.unschedulable && !!n.spec?.podCIDR);
    if (nodes.length === 0) {
      if (store.node(DEFAULT_NODE_NAME) === undefined) store.createNode(defaultNode());
      nodes = [store.node(DEFAULT_NODE_NAME)!];
    }
    if (nodes.length === 1) return nodes[0];
    const count = new Map<string, number>();
    for (const p of store.pods()) if (p.spec.nodeName && isActive(p)) count.set(p.spec.nodeName, (count.get(p.spec.nodeName) ?? 0) + 1);
    return [...nodes].sort((a, b) => (count.get(a.metadata.name) ?? 0) - (count.get(b.metadata.name) ?? 0) || a.metadata.name.localeCompare(b.metadata.name))[0];
  }

  /** The next free address of one of the node's pod CIDRs after its cursor. */
  #allocateIP(store: ControllerStore, node: Node, text: string, cidr: CIDR): string {
    const base = addressValue(formatIP(cidr))!.value;
    const size = 1n << BigInt((cidr.family === 'IPv4' ? 32 : 128) - cidr.prefix);
    const first = base + 2n;
    const last = base + size - 2n;
    if (last < first) throw new Error(`svcnet: node ${node.metadata.name}: pod CIDR ${text} is too small`);
    const live = new Set<bigint>();
    let highest = first - 1n;
    for (const p of store.pods()) {
      for (const ip of podIPsOf(p)) {
        const a = addressValue(ip);
        if (a === undefined || a.family !== cidr.family || a.value < base || a.value >= base + size) continue;
        live.add(a.value);
        if (a.value > highest) highest = a.value;
      }
    }
    const key = `${node.metadata.name}/${text}`;
    const had = this.#cursor.get(key);
    let candidate = had ?? highest;
    for (let i = 0n; i <= last - first; i++) {
      candidate = candidate + 1n > last || candidate + 1n < first ? first : candidate + 1n;
      if (!live.has(candidate)) {
        this.#cursor.set(key, candidate);
        store.record(() => {
          if (had === undefined) this.#cursor.delete(key);
          else this.#cursor.set(key, had);
        });
        return addressText(cidr.family, candidate);
      }
    }
    throw new Error(`svcnet: node ${node.metadata.name}: pod CIDR ${text} is full`);
  }

  #createPod(store: ControllerStore, rs: ReplicaSet): Pod {
    const node = this.#pickNode(store);
    const ips = podCIDRsOf(node).map(({ text, cidr }) => this.#allocateIP(store, node, text, cidr));
    const now = store.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const template = deepCopy(rs.spec.template);
    const hostIP = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    const condition = (type: string) => ({ type, status: 'True' as const, lastTransitionTime: now });
    return store.createPod({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...template.metadata?.labels },
        ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
        ownerReferences: [ownerRef('ReplicaSet', rs)],
      },
      spec: { ...template.spec, nodeName: node.metadata.name },
      status: {
        phase: 'Running',
        conditions: [
          condition('PodReadyToStartContainers'),
          condition('Initialized'),
          condition('Ready'),
          condition('ContainersReady'),
          condition('PodScheduled'),
        ],
        ...(hostIP ? { hostIP } : {}),
        podIP: ips[0],
        podIPs: ips.map((ip) => ({ ip })),
        startTime: now,
      },
    });
  }
}
