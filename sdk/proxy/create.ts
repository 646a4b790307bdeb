import type { Cluster } from '../cluster/cluster.js';
import type { DataPlane } from '../engine/dataplane.js';
import { createWasmDataPlane, type WasmDataPlaneOptions } from '../engine/core.js';
import { ReferenceDataPlane } from '../reference/dataplane.js';
import { NodeProxy, type NodeProxyOptions } from './nodeproxy.js';

export interface CreateNodeProxyOptions extends NodeProxyOptions, WasmDataPlaneOptions {
  /**
   * The data plane: `'wasm'` (default, the AssemblyScript core), `'reference'` (the
   * pure-TypeScript one) or any DataPlane instance.
   */
  engine?: 'wasm' | 'reference' | DataPlane;
}

/** Creates a node proxy on a fresh data plane, loaded with the cluster and following it. */
export async function createNodeProxy(cluster: Cluster, options: CreateNodeProxyOptions): Promise<NodeProxy> {
  const engine = options.engine ?? 'wasm';
  const dataPlane =
    engine === 'wasm' ? await createWasmDataPlane(options) : engine === 'reference' ? new ReferenceDataPlane() : engine;
  const proxy = new NodeProxy(dataPlane, options);
  proxy.attach(cluster);
  return proxy;
}
