export * from './ipam.js';
export * from './bitmap.js';
export * from './store.js';
export * from './workloads.js';
export * from './endpointslices.js';
export * from './mirroring.js';
export * from './loadbalancer.js';
