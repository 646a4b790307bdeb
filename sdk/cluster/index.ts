export {
  Cluster,
  BUILTIN_NAMESPACES,
  IMMORTAL_NAMESPACES,
  DEFAULT_SERVICE_CIDR_NAME,
  SERVICE_CIDR_FINALIZER,
  builtinServices,
  formatTimestamp,
} from './cluster.js';
export type { ChangeEvent, ClusterConsumer, ClusterOptions, DeletePodOptions, EndpointSliceListOptions, AddConsumerOptions, PodListOptions } from './cluster.js';
export { Emitter } from './events.js';
export type { Listener } from './events.js';
export { seedCluster, SEED_SERVICES, SEED_ENDPOINT_SLICES, SEED_PODS, SEED_DEPLOYMENTS, SEED_AGES, SEED_CLUSTER_AGE, SEED_NODE_NAME, SEED_NODE_IP } from './seed.js';
export * from '../controllers/index.js';
