export { NodeProxy } from './nodeproxy.js';
export type { NodeProxyOptions, PacketInput, RouteResult, SyncStats } from './nodeproxy.js';
export { servicePortsOf, servicePortName } from './serviceports.js';
export type { ServicePortInfo, Frontend } from './serviceports.js';
export { clusterBackends, reduceSlice } from './endpoints.js';
export type { Backend, SliceInfo, EndpointInfo } from './endpoints.js';
export { createNodeProxy } from './create.js';
export type { CreateNodeProxyOptions } from './create.js';
