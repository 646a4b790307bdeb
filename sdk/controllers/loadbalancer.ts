/**
 * The load balancer of Docker Desktop's Kubernetes: its vpnkit-controller publishes every
 * Service of type LoadBalancer on the host's loopback and reports it as
 * `status.loadBalancer.ingress: [{hostname: localhost}]`, so `kubectl get svc` shows
 * EXTERNAL-IP `localhost` (the seed's `numbers-web`; `spec/kiamol-ch03.md`). Like a cloud
 * provider's service controller (`k8s.io/cloud-provider controllers/service`), it clears the
 * ingress when the Service stops being a LoadBalancer. Nothing is actually listened on.
 */

import type { ChangeEvent } from '../cluster/cluster.js';
import { deepCopy, deepEqual } from '../model/objects.js';
import type { LoadBalancerIngress } from '../model/types.js';
import { keyOf, splitKey } from './store.js';
import type { Controller, ControllerStore } from './store.js';

/** The ingress Docker Desktop reports for every LoadBalancer Service. */
export const DOCKER_DESKTOP_INGRESS: readonly LoadBalancerIngress[] = Object.freeze([Object.freeze({ hostname: 'localhost' })]);

export class LoadBalancerController implements Controller {
  reconcile(changes: readonly ChangeEvent[], store: ControllerStore): void {
    const keys = new Set<string>();
    for (const c of changes) {
      if (c.kind === 'Service' && c.type !== 'DELETED') keys.add(keyOf(c.object.metadata.namespace, c.object.metadata.name));
    }
    for (const key of [...keys].sort()) {
      const svc = store.service(...splitKey(key));
      if (svc === undefined) continue;
      const want = svc.spec.type === 'LoadBalancer' ? DOCKER_DESKTOP_INGRESS : [];
      if (deepEqual(svc.status?.loadBalancer?.ingress ?? [], want)) continue;
      const next = deepCopy(svc);
      next.status = { ...next.status, loadBalancer: want.length > 0 ? { ingress: deepCopy([...want]) } : {} };
      store.updateServiceStatus(next);
    }
  }
}
