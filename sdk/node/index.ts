/**
 * svcnet's Node entry: everything the browser entry has, with the core read from the
 * package's dist/ folder through node:fs.
 */
import { installNodeLoader } from './load-node.js';

installNodeLoader();

export * from '../index.js';
export { startDnsServer, DnsServerError } from './dns-server.js';
export type { DnsServer, DnsServerOptions, DnsServerStats } from './dns-server.js';
export { loadManifests, readManifests, parseManifests, applyManifests, ManifestError } from './manifests.js';
export { nslookup } from './nslookup.js';
export { startApiServer, ApiServerError } from './api-server.js';
export type { ApiServerOptions, RunningApiServer } from './api-server.js';
export { serve, kubeconfigFor } from './serve.js';
export type { ServeOptions, RunningServe } from './serve.js';
