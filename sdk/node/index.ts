/**
 * svcnet's Node entry: everything the browser entry has, with the core read from the
 * package's dist/ folder through node:fs.
 */
import { installNodeLoader } from './load-node.js';

installNodeLoader();

export * from '../index.js';
