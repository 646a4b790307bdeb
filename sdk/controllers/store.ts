/**
 * What a controller sees of the Cluster while it reconciles a batch.
 *
 * Controllers run inside the Cluster's commit: when the outermost write (`batch`, or any
 * single call) has made its changes, and before any consumer or listener hears of them, the
 * Cluster hands the changes to each controller in a fixed order (workloads, EndpointSlices,
 * Endpoints, EndpointSlice mirroring, load balancer). Their writes join the same transaction; the changes they make are handed to
 * the controllers again, round after round, until a round writes nothing. Then the whole
 * batch — the caller's changes first, the controllers' after, in the order made — commits
 * at once. A controller that throws, or a batch that does not settle, rolls everything back:
 * a rejected change leaves no trace, and consumers never see a half-reconciled state.
 *
 * Reads return the stored (frozen) objects: controllers must copy before changing. Writes
 * are validated like any client's, and an update that changes nothing is no change (no
 * event, no resourceVersion bump).
 */

import type { ChangeEvent } from '../cluster/cluster.js';
import type { Random } from '../model/random.js';
import type {
  Deployment,
  EndpointSlice,
  EndpointSliceInput,
  Endpoints,
  Node,
  NodeInput,
  Pod,
  PodInput,
  ReplicaSet,
  ReplicaSetInput,
  Service,
} from '../model/types.js';

export interface ControllerStore {
  /** The Cluster's clock. */
  now(): Date;
  /** Draws from the Cluster's seeded PRNG (undone on rollback). */
  draw<T>(fn: (random: Random) => T): T;
  /** Registers an undo step for controller-local state, run if the batch rolls back. */
  record(undo: () => void): void;

  services(namespace: string): readonly Service[];
  service(namespace: string, name: string): Service | undefined;
  /** Writes a Service's status (the spec is the user's). */
  updateServiceStatus(service: Service): void;

  pods(namespace?: string): readonly Pod[];
  pod(namespace: string, name: string): Pod | undefined;
  createPod(pod: PodInput): Pod;
  deletePod(namespace: string, name: string): void;

  nodes(): readonly Node[];
  node(name: string): Node | undefined;
  createNode(node: NodeInput): Node;

  deployment(namespace: string, name: string): Deployment | undefined;
  /** Writes a Deployment's status (the spec is the user's). */
  updateDeploymentStatus(deployment: Deployment): void;

  replicaSets(namespace: string): readonly ReplicaSet[];
  replicaSet(namespace: string, name: string): ReplicaSet | undefined;
  createReplicaSet(rs: ReplicaSetInput): ReplicaSet;
  updateReplicaSet(rs: ReplicaSet): ReplicaSet;
  deleteReplicaSet(namespace: string, name: string): void;

  /** Slices labelled `kubernetes.io/service-name=<service>`, sorted by name. */
  slices(namespace: string, service: string): readonly EndpointSlice[];
  createSlice(slice: EndpointSliceInput): EndpointSlice;
  updateSlice(slice: EndpointSlice): EndpointSlice;
  deleteSlice(namespace: string, name: string): void;

  endpoints(namespace: string, name: string): Endpoints | undefined;
  /**
   * Creates, updates (only if different) or, with `undefined`, deletes an Endpoints object.
   * Unlike client writes it is not validated: controllers build valid objects.
   */
  putEndpoints(namespace: string, name: string, endpoints: Endpoints | undefined): void;
}

/** A controller of the Cluster's control plane (see the module comment). */
export interface Controller {
  reconcile(changes: readonly ChangeEvent[], store: ControllerStore): void;
}

/** `<namespace>/<name>`. */
export const keyOf = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** The owner reference marked `controller: true`, if any. */
export function controllerOf(meta: { ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] }) {
  return meta.ownerReferences?.find((r) => r.controller === true);
}
