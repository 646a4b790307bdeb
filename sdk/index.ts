/**
 * svcnet's browser-safe entry: Kubernetes service networking over a WebAssembly core.
 * Node users get the same API from the package's `node` export condition
 * (sdk/node/index.ts), which also teaches the loader to read the core from disk.
 */
export * from './model/index.js';
export * from './cluster/index.js';
export * from './proxy/index.js';
export * from './dns/index.js';
export { createWasmDnsPlane, WasmDnsPlane } from './engine/dnscore.js';
export type { DnsPlane, DnsZoneConfig } from './engine/dnsplane.js';
export { createWasmDataPlane, WasmDataPlane } from './engine/core.js';
export type { WasmDataPlaneOptions } from './engine/core.js';
export type { DataPlane } from './engine/dataplane.js';
export type { CoreExports, CoreTarget, WasmSource } from './engine/exports.js';
export { setDefaultCoreSource } from './engine/load.js';
export * as records from './engine/records.js';
export { ReferenceDataPlane, NaiveMapDataPlane } from './reference/index.js';
export { createWasmFrameEngine, WasmFrameEngine } from './engine/frames.js';
export type { WasmFrameEngineOptions } from './engine/frames.js';
export { CoreDecisionCache, createCoreDecisionCache } from './engine/decisions.js';
export type { DecisionCacheOptions, DecisionCacheStats } from './engine/decisions.js';
export { readCapture, writeCapture, PcapError } from './pcap/index.js';
export * as packet from './packet/index.js';
export { ApiHandler, KUBERNETES_VERSION } from './api/handler.js';
export type { ApiRequest, ApiResponse, ApiWatch, ApiHandlerOptions } from './api/handler.js';
