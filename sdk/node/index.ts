/**
 * svcnet's Node entry: everything the browser entry has, with the core read from the
 * package's dist/ folder through node:fs.
 */
import { setDefaultCoreSource } from '../engine/load.js';
import { nodeCoreSource } from './load-node.js';

setDefaultCoreSource(nodeCoreSource);

export * from '../index.js';
